//! `vitrine`: the native command-line tool (model build, offline evaluation, tuning, the
//! demo's data).
//!
//! Output goes to stdout; errors go to stderr as `vitrine: error[E_CODE]: message`, with
//! exit status 2 for bad usage or input and 1 for anything else (see `vitrine_server::error`).

use std::ffi::OsString;
use std::process::ExitCode;

use vitrine_server::cli;

fn main() -> ExitCode {
    let args: Vec<OsString> = std::env::args_os().skip(1).collect();
    match cli::run(&args) {
        Ok(lines) => {
            for line in lines {
                println!("{line}");
            }
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("vitrine: error[{}]: {e}", e.code());
            ExitCode::from(e.exit_code() as u8)
        }
    }
}
