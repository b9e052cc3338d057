//! `redsim-server [--port N] [--bind ADDR] [--redis-version V] [--<parameter> <value> ...]`
//!
//! Options are read as `redis-server` reads them: `--name` starts a parameter and the words
//! after it, up to the next `--`, are its value (`--save 60 100`, `--save ""`). Every parameter of
//! `CONFIG GET *` may be given, immutable ones too.

#![forbid(unsafe_code)]

use std::process::ExitCode;

use redsim_engine::Version;

const USAGE: &str = "usage: redsim-server [--port N] [--bind ADDR] [--redis-version 7.0|7.2|7.4|8.0|8.x] \
                     [--<parameter> <value> ...]";

/// `--name v1 v2 --other v` as (name, "v1 v2") pairs, Redis's way.
fn options(args: &[String]) -> Result<Vec<(String, String)>, String> {
    let mut out: Vec<(String, Vec<String>)> = Vec::new();
    for arg in args {
        if let Some(name) = arg.strip_prefix("--") {
            out.push((name.to_string(), Vec::new()));
        } else {
            match out.last_mut() {
                Some((_, values)) => values.push(arg.clone()),
                None => return Err(format!("'{arg}' is not an option (options start with --)")),
            }
        }
    }
    Ok(out.into_iter().map(|(name, values)| (name, values.join(" "))).collect())
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.iter().any(|a| a == "--help" || a == "-h") {
        println!("{USAGE}");
        return ExitCode::SUCCESS;
    }
    // `-p N` is redis-cli's spelling, kept for habit.
    let args: Vec<String> = args.into_iter().map(|a| if a == "-p" { "--port".to_string() } else { a }).collect();
    let parsed = match options(&args) {
        Ok(parsed) => parsed,
        Err(e) => {
            eprintln!("redsim-server: {e}\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    let mut port: u16 = 6379;
    let mut bind = String::from("127.0.0.1");
    let mut version = Version::LATEST;
    let mut config: Vec<(Vec<u8>, Vec<u8>)> = Vec::new();
    for (name, value) in parsed {
        let result = match name.to_ascii_lowercase().as_str() {
            "port" => value.parse().map(|p| port = p).map_err(|_| format!("bad port '{value}'")),
            "bind" => {
                // The first address is the one listened on; the parameter keeps them all.
                bind = value.split(' ').next().unwrap_or("127.0.0.1").trim_start_matches('-').to_string();
                config.push((b"bind".to_vec(), value.into_bytes()));
                Ok(())
            }
            "redis-version" => value.parse().map(|v| version = v),
            "dir" => match std::fs::canonicalize(&value) {
                Ok(path) if path.is_dir() => {
                    config.push((b"dir".to_vec(), path.to_string_lossy().into_owned().into_bytes()));
                    Ok(())
                }
                _ => Err(format!("Can't chdir to '{value}': No such file or directory")),
            },
            "daemonize" if value.eq_ignore_ascii_case("yes") => {
                Err("redsim-server does not daemonize: run it in the background instead".to_string())
            }
            _ => {
                config.push((name.into_bytes(), value.into_bytes()));
                Ok(())
            }
        };
        if let Err(e) = result {
            eprintln!("redsim-server: {e}\n{USAGE}");
            return ExitCode::from(2);
        }
    }
    match redsim_server::spawn_configured((bind.as_str(), port), version, &config) {
        Ok(handle) => {
            println!("redsim-server (Redis {}) ready to accept connections on {}", version.full(), handle.addr());
            handle.wait();
            ExitCode::SUCCESS
        }
        Err(e) if e.kind() == std::io::ErrorKind::InvalidInput => {
            eprintln!("redsim-server: {e}");
            ExitCode::from(2)
        }
        Err(e) => {
            eprintln!("redsim-server: cannot listen on {bind}:{port}: {e}");
            ExitCode::FAILURE
        }
    }
}
