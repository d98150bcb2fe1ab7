//! The Instacart adapter: reads the Instacart Online Grocery Shopping Dataset 2017 files
//! (`products.csv`, `aisles.csv`, `departments.csv`, `order_products_dev.csv`) and turns
//! them into what a model build learns from: a catalogue and baskets.
//!
//! Every reference is checked while reading (a product's aisle and department, an order
//! line's product, one user and day per order), so the learner and the demo can index
//! without checks. The dataset has no prices, brands, views or geography; see
//! [`super::price`] for the synthetic prices.

use std::collections::HashMap;
use std::path::Path;

use vitrine::bundle::{Category, Flag, Product};
use vitrine::codec::Id;

use super::table::{Fnv, Table};
use super::{price, Basket, Input};
use crate::error::CliError;

/// The files read from the data directory.
pub const PRODUCTS: &str = "products.csv";
pub const AISLES: &str = "aisles.csv";
pub const DEPARTMENTS: &str = "departments.csv";
pub const ORDER_LINES: &str = "order_products_dev.csv";

/// Instacart's days of the week are numbered 0 to 6; 0 and 1 are the weekend (Instacart
/// never said which day is 0, but orders peak on 0 and 1, as shops' do at weekends).
pub const COHORTS: [&str; 2] = ["weekday", "weekend"];

/// The day (since 1970) of each of a user's orders, the last one on `now`'s day, walking
/// back by `days_since_prior` (Instacart gives gaps, not dates).
pub fn order_days(orders: &[Order], now: u64) -> Vec<u64> {
    const DAY_MS: u64 = 86_400_000;
    let mut out = vec![0; orders.len()];
    let mut day = now / DAY_MS;
    for (k, o) in orders.iter().enumerate().rev() {
        out[k] = day;
        day = day.saturating_sub(u64::from(o.days_since_prior.unwrap_or(0)));
    }
    out
}

/// The cohort (index into [`COHORTS`]) of an order placed on `dow`.
pub fn cohort_of(dow: u8) -> usize {
    usize::from(dow <= 1)
}

/// A department or an aisle: a numeric id and a name.
#[derive(Debug, Clone, PartialEq)]
pub struct Named {
    pub id: u32,
    pub name: String,
}

/// A row of `products.csv`, with its aisle and department as indexes.
#[derive(Debug, Clone, PartialEq)]
pub struct ProductRow {
    pub id: u32,
    pub name: String,
    /// Index into [`Instacart::aisles`].
    pub aisle: u32,
    /// Index into [`Instacart::departments`].
    pub department: u32,
}

/// One order (basket), gathered from its order lines.
#[derive(Debug, Clone, PartialEq)]
pub struct Order {
    pub id: u32,
    pub user: u32,
    /// 1 for the user's first order, then 2, 3...
    pub number: u32,
    /// Day of the week, 0..=6.
    pub dow: u8,
    pub hour: u8,
    /// Days since the user's previous order (none for the first; Instacart caps it at 30).
    pub days_since_prior: Option<u32>,
    /// Indexes into [`Instacart::products`], in add-to-cart order, each once.
    pub items: Vec<u32>,
}

/// The dataset, read and cross-checked.
#[derive(Debug, Clone)]
pub struct Instacart {
    pub departments: Vec<Named>,
    pub aisles: Vec<Named>,
    pub products: Vec<ProductRow>,
    /// Sorted by user, then order number.
    pub orders: Vec<Order>,
    /// Order lines read.
    pub lines: usize,
    /// FNV-1a of every byte of the four files, in the order above.
    pub digest: u64,
}

fn named(path: &Path, what: &'static [&'static str]) -> Result<(Vec<Named>, Fnv), CliError> {
    let mut t = Table::open(path, what)?;
    let mut out: Vec<Named> = Vec::new();
    let mut seen = HashMap::new();
    while let Some(row) = t.next_row()? {
        let id = row.whole_at_most(0, u64::from(u32::MAX))? as u32;
        if let Some(first) = seen.insert(id, row.line()) {
            return Err(row.error(format!("{} {id} is also on line {first}", what[0])));
        }
        out.push(Named { id, name: row.text(1).to_owned() });
    }
    Ok((out, t.digest()))
}

impl Instacart {
    /// Reads the four files from `dir`.
    pub fn read(dir: &Path) -> Result<Instacart, CliError> {
        Instacart::read_with(dir, None)
    }

    /// As [`Instacart::read`], with the order lines from `orders` when given (another
    /// split of the same dataset, in the same format).
    pub fn read_with(dir: &Path, orders: Option<&Path>) -> Result<Instacart, CliError> {
        let (departments, d1) = named(&dir.join(DEPARTMENTS), &["department_id", "department"])?;
        let (aisles, d2) = named(&dir.join(AISLES), &["aisle_id", "aisle"])?;
        let index =
            |v: &[Named]| -> HashMap<u32, u32> { v.iter().enumerate().map(|(i, n)| (n.id, i as u32)).collect() };
        let (dep_index, aisle_index) = (index(&departments), index(&aisles));

        let mut t = Table::open(&dir.join(PRODUCTS), &["product_id", "product_name", "aisle_id", "department_id"])?;
        let mut products = Vec::new();
        let mut product_index: HashMap<u32, u32> = HashMap::new();
        while let Some(row) = t.next_row()? {
            let id = row.whole_at_most(0, u64::from(u32::MAX))? as u32;
            let find = |k: usize, map: &HashMap<u32, u32>, file: &str| {
                let v = row.whole(k)?;
                u32::try_from(v)
                    .ok()
                    .and_then(|v| map.get(&v).copied())
                    .ok_or_else(|| row.error(format!("{v} is not an id in {file}")))
            };
            let aisle = find(2, &aisle_index, AISLES)?;
            let department = find(3, &dep_index, DEPARTMENTS)?;
            if product_index.insert(id, products.len() as u32).is_some() {
                return Err(row.error(format!("product_id {id} appears twice")));
            }
            products.push(ProductRow { id, name: row.text(1).to_owned(), aisle, department });
        }
        let d3 = t.digest();

        let orders_path = orders.map_or_else(|| dir.join(ORDER_LINES), Path::to_path_buf);
        let (orders, lines, d4) = read_orders(&orders_path, &product_index)?;
        let mut digest = Fnv::default();
        for d in [d1, d2, d3, d4] {
            digest.write(&d.0.to_le_bytes());
        }
        Ok(Instacart { departments, aisles, products, orders, lines, digest: digest.0 })
    }

    /// Number of distinct users with an order.
    pub fn users(&self) -> usize {
        let mut n = 0;
        let mut last = None;
        for o in &self.orders {
            if last != Some(o.user) {
                n += 1;
                last = Some(o.user);
            }
        }
        n
    }

    /// The department index of each aisle: the department most of its products are in
    /// (in Instacart every aisle lies in one department); `None` for an empty aisle.
    pub fn aisle_departments(&self) -> Vec<Option<u32>> {
        let mut votes: Vec<HashMap<u32, u32>> = vec![HashMap::new(); self.aisles.len()];
        for p in &self.products {
            *votes[p.aisle as usize].entry(p.department).or_default() += 1;
        }
        votes
            .into_iter()
            .map(|v| {
                // Most products, then the lower index: the same answer on every run.
                v.into_iter().max_by_key(|&(d, n)| (n, std::cmp::Reverse(d))).map(|(d, _)| d)
            })
            .collect()
    }

    /// Category id of an aisle ("a24") and of a department ("d4").
    pub fn aisle_id(&self, aisle: u32) -> String {
        format!("a{}", self.aisles[aisle as usize].id)
    }

    pub fn department_id(&self, department: u32) -> String {
        format!("d{}", self.departments[department as usize].id)
    }

    /// Departments as top-level categories, aisles as their children, products in their
    /// aisle with a synthetic price; baskets are the orders, in the cohort of their day,
    /// except the orders whose id is in `held_out` (orders a demo treats as being placed
    /// now, which a model built before them cannot have seen).
    pub fn to_input(&self, held_out: &[u32]) -> Input {
        let mut categories: Vec<Category> = (0..self.departments.len() as u32)
            .map(|d| Category {
                id: Id(self.department_id(d)),
                name: self.departments[d as usize].name.clone(),
                parent: None,
            })
            .collect();
        for (a, dep) in self.aisle_departments().into_iter().enumerate() {
            categories.push(Category {
                id: Id(self.aisle_id(a as u32)),
                name: self.aisles[a].name.clone(),
                parent: dep.map(|d| Id(self.department_id(d))),
            });
        }
        let products = self
            .products
            .iter()
            .map(|p| Product {
                id: Id(p.id.to_string()),
                name: p.name.clone(),
                category: Id(self.aisle_id(p.aisle)),
                brand: None,
                price: price::synthetic(p.id, &self.departments[p.department as usize].name),
                // Groceries are bought again and again: never held back as "already owned".
                flags: vec![Flag::Consumable],
                margin: None,
                url: None,
                image: None,
            })
            .collect();
        // A set: the full dataset holds back some 200,000 last orders of 3.4 million.
        let held_out: std::collections::HashSet<u32> = held_out.iter().copied().collect();
        let baskets = self
            .orders
            .iter()
            .filter(|o| !held_out.contains(&o.id))
            .map(|o| Basket { items: o.items.clone(), cohort: Some(cohort_of(o.dow)) })
            .collect();
        Input { categories, products, cohorts: COHORTS.iter().map(|&c| c.to_owned()).collect(), baskets }
    }
}

/// Columns of `order_products_dev.csv` we read (its first column is an unnamed index and
/// `reordered` is implied by the order history).
const LINE_COLUMNS: &[&str] = &[
    "order_id",
    "user_id",
    "order_number",
    "order_dow",
    "order_hour_of_day",
    "days_since_prior_order",
    "product_id",
    "add_to_cart_order",
];

/// An order while its lines are read: the order, its (add-to-cart position, product
/// index) pairs (sorted once every line is in), and the line it was first seen on.
type Gathering = (Order, Vec<(u64, u32)>, u64);

/// Gathers order lines into orders; returns them sorted by user and number, the number of
/// lines, and the file's digest.
fn read_orders(path: &Path, products: &HashMap<u32, u32>) -> Result<(Vec<Order>, usize, Fnv), CliError> {
    let mut t = Table::open(path, LINE_COLUMNS)?;
    let mut orders: Vec<Gathering> = Vec::new();
    let mut by_id: HashMap<u32, usize> = HashMap::new();
    let mut lines = 0;
    let u32_max = u64::from(u32::MAX);
    while let Some(row) = t.next_row()? {
        lines += 1;
        let order = Order {
            id: row.whole_at_most(0, u32_max)? as u32,
            user: row.whole_at_most(1, u32_max)? as u32,
            number: row.whole_at_most(2, u32_max)? as u32,
            dow: row.whole_at_most(3, 6)? as u8,
            hour: row.whole_at_most(4, 23)? as u8,
            days_since_prior: row.optional_whole(5)?.map(|d| u32::try_from(d).unwrap_or(u32::MAX)),
            items: Vec::new(),
        };
        let pid = row.whole(6)?;
        let product = u32::try_from(pid)
            .ok()
            .and_then(|id| products.get(&id).copied())
            .ok_or_else(|| row.error(format!("product_id {pid} is not in {PRODUCTS}")))?;
        let position = row.whole(7)?;
        let slot = *by_id.entry(order.id).or_insert_with(|| {
            orders.push((order.clone(), Vec::new(), row.line()));
            orders.len() - 1
        });
        let (first, items, first_line) = &mut orders[slot];
        // Every line of an order repeats the order's fields; a line that disagrees means
        // two orders were mixed up, and learning from it would be silently wrong.
        if (first.user, first.number, first.dow, first.hour, first.days_since_prior)
            != (order.user, order.number, order.dow, order.hour, order.days_since_prior)
        {
            return Err(row.error(format!(
                "order {} differs from its line {first_line} (user, number, day, hour or days since prior)",
                order.id
            )));
        }
        items.push((position, product));
    }
    let digest = t.digest();
    let mut out: Vec<Order> = orders
        .into_iter()
        .map(|(mut o, mut items, _)| {
            items.sort_unstable();
            let mut seen = Vec::with_capacity(items.len());
            for (_, p) in items {
                if !seen.contains(&p) {
                    seen.push(p);
                }
            }
            o.items = seen;
            o
        })
        .collect();
    out.sort_by_key(|o| (o.user, o.number, o.id));
    Ok((out, lines, digest))
}
