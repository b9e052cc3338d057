//! `redsim-server --port N [--bind ADDR] [--redis-version V]`

#![forbid(unsafe_code)]

use std::process::ExitCode;

use redsim_engine::Version;

const USAGE: &str = "usage: redsim-server [--port N] [--bind ADDR] [--redis-version 7.0|7.2|7.4|8.0|8.x]";

fn main() -> ExitCode {
    let mut port: u16 = 6379;
    let mut bind = String::from("127.0.0.1");
    let mut version = Version::LATEST;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let mut value = |name: &str| args.next().ok_or_else(|| format!("{name} needs a value"));
        let parsed = match arg.as_str() {
            "--port" | "-p" => {
                value("--port").and_then(|v| v.parse().map_err(|_| format!("bad port '{v}'"))).map(|p| port = p)
            }
            "--bind" => value("--bind").map(|v| bind = v),
            "--redis-version" => value("--redis-version").and_then(|v| v.parse()).map(|v| version = v),
            "--help" | "-h" => {
                println!("{USAGE}");
                return ExitCode::SUCCESS;
            }
            other => Err(format!("unknown option '{other}'")),
        };
        if let Err(e) = parsed {
            eprintln!("redsim-server: {e}\n{USAGE}");
            return ExitCode::from(2);
        }
    }
    match redsim_server::spawn((bind.as_str(), port), version) {
        Ok(handle) => {
            println!("redsim-server (Redis {}) ready to accept connections on {}", version.full(), handle.addr());
            handle.wait();
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("redsim-server: cannot listen on {bind}:{port}: {e}");
            ExitCode::FAILURE
        }
    }
}
