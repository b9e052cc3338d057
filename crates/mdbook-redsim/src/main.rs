//! `mdbook-redsim`: mdBook runs it as the `redsim` preprocessor (see the library's docs).

#![forbid(unsafe_code)]

use std::io::{Read, Write};
use std::process::ExitCode;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.first().map(String::as_str) {
        Some("supports") => {
            let supported = args.get(1).is_some_and(|r| mdbook_redsim::supports(r));
            if supported {
                ExitCode::SUCCESS
            } else {
                ExitCode::from(1)
            }
        }
        Some(other) => {
            eprintln!("mdbook-redsim: unknown command '{other}' (mdBook runs it as a preprocessor)");
            ExitCode::from(2)
        }
        None => {
            let mut input = String::new();
            if let Err(e) = std::io::stdin().read_to_string(&mut input) {
                eprintln!("mdbook-redsim: cannot read the book: {e}");
                return ExitCode::from(1);
            }
            match mdbook_redsim::preprocess(&input) {
                Ok(book) => {
                    let mut out = std::io::stdout().lock();
                    if out.write_all(book.as_bytes()).and_then(|()| out.flush()).is_err() {
                        return ExitCode::from(1);
                    }
                    ExitCode::SUCCESS
                }
                Err(e) => {
                    eprintln!("mdbook-redsim: {e}");
                    ExitCode::from(1)
                }
            }
        }
    }
}
