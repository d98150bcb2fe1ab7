//! The `vitrine` binary on bad input: a clear message naming the file and line, exit
//! status 2, never a panic.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const DEPARTMENTS: &str = "\"department_id\",\"department\"\n1,\"frozen\"\n4,\"produce\"\n";
const AISLES: &str = "\"aisle_id\",\"aisle\"\n24,\"fresh fruits\"\n38,\"frozen meals\"\n";
const PRODUCTS: &str = "product_id,product_name,aisle_id,department_id\n\
    24852,Banana,24,4\n\
    30,\"Three Cheese Ziti, Marinara with Meatballs\",38,1\n\
    21137,\"Organic \"\"Strawberries\"\"\",24,4\n";
const LINES: &str = ",order_id,user_id,order_number,order_dow,order_hour_of_day,days_since_prior_order,product_id,add_to_cart_order,reordered\n\
    0,10,1,1,0,8,,24852,1.0,0.0\n\
    1,10,1,1,0,8,,30,2.0,0.0\n\
    2,11,1,2,3,9,7.0,24852,1.0,1.0\n\
    3,11,1,2,3,9,7.0,30,2.0,1.0\n\
    4,11,1,2,3,9,7.0,21137,3.0,0.0\n";

/// A fresh directory holding the four files, with `file` replaced by `text` (or left
/// out when `text` is `None`).
fn dataset(name: &str, file: &str, text: Option<&[u8]>) -> PathBuf {
    let dir = common::scratch(&format!("cli-{name}"));
    for (f, default) in [
        ("departments.csv", DEPARTMENTS),
        ("aisles.csv", AISLES),
        ("products.csv", PRODUCTS),
        ("order_products_dev.csv", LINES),
    ] {
        let body = if f == file { text } else { Some(default.as_bytes()) };
        if let Some(body) = body {
            std::fs::write(dir.join(f), body).unwrap();
        }
    }
    dir
}

fn vitrine(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_vitrine")).args(args).output().expect("the binary runs")
}

fn build(dir: &Path) -> Output {
    let out = dir.join("bundle.msgpack");
    vitrine(&["model", "build", "--instacart", dir.to_str().unwrap(), "--out", out.to_str().unwrap()])
}

/// Asserts a bad-input failure whose message contains every one of `needles`.
fn assert_bad_input(out: &Output, needles: &[&str]) {
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "stderr: {stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    for n in needles {
        assert!(stderr.contains(n), "{n:?} not in: {stderr}");
    }
}

#[test]
fn a_good_tiny_dataset_builds() {
    let dir = dataset("good", "", None);
    let out = build(&dir);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let bytes = std::fs::read(dir.join("bundle.msgpack")).unwrap();
    let engine = vitrine::Engine::from_bundle(&bytes, vitrine::Limits::default()).unwrap();
    assert_eq!(engine.info().products, 3);
    assert_eq!(engine.product("30").unwrap().name, "Three Cheese Ziti, Marinara with Meatballs");
    assert_eq!(engine.product("21137").unwrap().name, "Organic \"Strawberries\"");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_missing_file_is_named() {
    let dir = dataset("missing", "aisles.csv", None);
    assert_bad_input(&build(&dir), &["E_READ", "aisles.csv"]);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn malformed_rows_name_file_and_line() {
    let cases: &[(&str, &str, &str, &[&str])] = &[
        (
            "number",
            "order_products_dev.csv",
            ",order_id,user_id,order_number,order_dow,order_hour_of_day,days_since_prior_order,product_id,add_to_cart_order,reordered\n0,10,1,1,0,8,,24852,1.0,0.0\n1,10,1,1,0,8,,thirty,2.0,0.0\n",
            &["order_products_dev.csv:3:", "product_id", "\"thirty\""],
        ),
        (
            "fields",
            "products.csv",
            "product_id,product_name,aisle_id,department_id\n24852,Banana,24,4\n30,Three Cheese Ziti, Marinara,38,1\n",
            &["products.csv:3:", "5 fields where the header has 4"],
        ),
        (
            "reference",
            "products.csv",
            "product_id,product_name,aisle_id,department_id\n24852,Banana,24,4\n30,Ziti,99,1\n",
            &["products.csv:3:", "99 is not an id in aisles.csv"],
        ),
        (
            "unknown-product",
            "order_products_dev.csv",
            ",order_id,user_id,order_number,order_dow,order_hour_of_day,days_since_prior_order,product_id,add_to_cart_order,reordered\n0,10,1,1,0,8,,777,1.0,0.0\n",
            &["order_products_dev.csv:2:", "product_id 777 is not in products.csv"],
        ),
        ("header", "aisles.csv", "id,name\n1,x\n", &["aisles.csv:1:", "no column \"aisle_id\""]),
        (
            "duplicate",
            "departments.csv",
            "department_id,department\n1,frozen\n1,again\n",
            &["departments.csv:3:", "also on line 2"],
        ),
        (
            "day",
            "order_products_dev.csv",
            ",order_id,user_id,order_number,order_dow,order_hour_of_day,days_since_prior_order,product_id,add_to_cart_order,reordered\n0,10,1,1,9,8,,24852,1.0,0.0\n",
            &["order_products_dev.csv:2:", "order_dow: 9 is over 6"],
        ),
        (
            "mixed-order",
            "order_products_dev.csv",
            ",order_id,user_id,order_number,order_dow,order_hour_of_day,days_since_prior_order,product_id,add_to_cart_order,reordered\n0,10,1,1,0,8,,24852,1.0,0.0\n1,10,2,1,0,8,,30,2.0,0.0\n",
            &["order_products_dev.csv:3:", "order 10 differs from its line 2"],
        ),
    ];
    for (name, file, text, needles) in cases {
        let dir = dataset(name, file, Some(text.as_bytes()));
        assert_bad_input(&build(&dir), needles);
        let _ = std::fs::remove_dir_all(&dir);
    }
    // CRLF line ends (as in Instacart's order lines), and a quoted name spanning two lines:
    // the line is still the physical line of the bad row.
    let crlf = "product_id,product_name,aisle_id,department_id\r\n24852,Banana,24,4\r\n30,\"Ziti,\r\nMarinara\",38,1\r\n21137,Strawberries,24,x\r\n";
    let dir = dataset("crlf", "products.csv", Some(crlf.as_bytes()));
    assert_bad_input(&build(&dir), &["products.csv:5:", "department_id: \"x\""]);
    let _ = std::fs::remove_dir_all(&dir);
    let dir = dataset("utf8", "aisles.csv", Some(b"aisle_id,aisle\n24,fresh fruits\n38,frozen \xff meals\n"));
    assert_bad_input(&build(&dir), &["aisles.csv:3:", "not UTF-8"]);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn usage_errors_exit_2_with_help() {
    for args in [&["nonsense"][..], &["model", "build"], &["demo", "--instacart"], &["demo", "--bogus", "x"]] {
        let out = vitrine(args);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {stderr}");
        assert!(stderr.contains("E_USAGE") && stderr.contains("vitrine help"), "{stderr}");
    }
    let help = vitrine(&["help"]);
    assert!(help.status.success());
    assert!(String::from_utf8_lossy(&help.stdout).contains("vitrine demo --instacart"));
}
