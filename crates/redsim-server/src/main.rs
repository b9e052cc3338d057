//! `redsim-server [config-file | -] [--directive value ...]`, read as `redis-server` reads its
//! command line: the file's lines first, then each `--name` starts a line of its own with the words
//! after it (up to the next `--`) as its arguments (`--save 60 100`, `--save ""`). Every parameter
//! of `CONFIG GET *` may be given, immutable ones too; `--redis-version` picks the Redis to emulate.
//! A line Redis would refuse stops the start with Redis's `FATAL CONFIG FILE ERROR` and status 1.

#![forbid(unsafe_code)]

use std::io::Read;
use std::process::ExitCode;

use redsim_engine::{Server, Version};

const USAGE: &str = "Usage: redsim-server [/path/to/redis.conf] [options] [-]
       redsim-server - (read config from stdin)
       redsim-server -v or --version
       redsim-server -h or --help

Options are redis-server's (--port 7777, --save \"\", --maxmemory 100mb, --enable-debug-command yes,
...) plus --redis-version 7.0|7.2|7.4|8.0|8.2|8.4|8.6|8.8|8.10 (the newest when left out),
--clock virtual (time stands still until a client sends REDSIM.ADVANCE <ms>) and --cluster N
(N Redis Cluster primaries on ports port..port+N-1, slots split as redis-cli --cluster create
splits them; connect with redis-cli -c).

Examples:
       redsim-server --port 7777
       redsim-server --cluster 3 --port 7000
       redsim-server /etc/redis/6379.conf --loglevel verbose
       echo 'maxmemory 128mb' | redsim-server -";

/// One configuration line: where it came from, its text as Redis shows it, its words.
struct Line {
    number: usize,
    text: String,
    words: Vec<Vec<u8>>,
}

/// Redis's `loadServerConfigFromString` input: the file, then `\n--name args` for each option,
/// each argument written as `sdscatrepr` writes it.
fn config_text(file: &str, options: &[String]) -> String {
    let mut text = file.to_string();
    for arg in options {
        if let Some(name) = arg.strip_prefix("--") {
            text.push('\n');
            text.push_str(name);
            text.push(' ');
        } else {
            text.push_str(&redsim_engine::cli::quote(arg.as_bytes()));
            text.push(' ');
        }
    }
    text
}

/// The lines that say something (not empty, not comments), split as `sdssplitargs` splits them.
fn lines(text: &str) -> Result<Vec<Line>, (usize, String, String)> {
    let mut out = Vec::new();
    for (i, raw) in text.split('\n').enumerate() {
        let line = raw.trim_matches(|c| matches!(c, ' ' | '\t' | '\r' | '\n'));
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let words = redsim_engine::cli::split_args(line.as_bytes())
            .ok_or_else(|| (i + 1, line.to_string(), "Unbalanced quotes in configuration line".to_string()))?;
        if words.is_empty() {
            continue;
        }
        out.push(Line { number: i + 1, text: line.to_string(), words });
    }
    Ok(out)
}

fn fatal(version: Version, number: usize, line: &str, reason: &str) -> ExitCode {
    eprintln!(
        "\n*** FATAL CONFIG FILE ERROR (Redis {}) ***\nReading the configuration file, at line {number}\n>>> '{line}'\n{reason}",
        version.full()
    );
    ExitCode::from(1)
}

/// glibc's per-thread cache of freed blocks keeps 7 of each size by default. A reply of many
/// elements (`LRANGE` of 100) frees more than that per command, the rest go to glibc's fast bins,
/// and the reply array of the next command (over a kilobyte) makes glibc consolidate them all:
/// half of a pipelined `LRANGE_100` went there in a profile. A larger cache keeps those blocks
/// at hand. glibc reads its tunables only when a process starts, so the server starts itself again
/// with them, once, unless `GLIBC_TUNABLES` is already set (which also stops a second start).
#[cfg(all(target_os = "linux", target_env = "gnu"))]
fn tune_allocator() {
    use std::os::unix::process::CommandExt;
    if std::env::var_os("GLIBC_TUNABLES").is_some() {
        return;
    }
    let Ok(exe) = std::env::current_exe() else { return };
    // `exec` only returns if it failed; the server then starts as it is.
    let _ = std::process::Command::new(exe)
        .args(std::env::args_os().skip(1))
        .env("GLIBC_TUNABLES", "glibc.malloc.tcache_count=2000")
        .exec();
}

#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
fn tune_allocator() {}

fn main() -> ExitCode {
    tune_allocator();
    let mut args: Vec<String> = std::env::args().skip(1).collect();
    if args.iter().any(|a| a == "-v" || a == "--version") {
        println!(
            "Redis server v={} sha=00000000:0 malloc=libc bits=64 build=redsim-{}",
            Version::LATEST.full(),
            env!("CARGO_PKG_VERSION")
        );
        return ExitCode::SUCCESS;
    }
    if args.iter().any(|a| a == "--help" || a == "-h") {
        println!("{USAGE}");
        return ExitCode::SUCCESS;
    }
    // `-p N` is redis-cli's spelling, kept for habit.
    for a in &mut args {
        if a == "-p" {
            *a = "--port".to_string();
        }
    }
    // A first word that is not an option names the configuration file; a last `-` reads stdin.
    let mut file = String::new();
    if args.first().is_some_and(|a| !a.starts_with("--") && a != "-") {
        let path = args.remove(0);
        match std::fs::read_to_string(&path) {
            Ok(text) => file = text,
            Err(e) => {
                let why = match e.kind() {
                    std::io::ErrorKind::NotFound => "No such file or directory".to_string(),
                    std::io::ErrorKind::PermissionDenied => "Permission denied".to_string(),
                    _ => e.to_string(),
                };
                eprintln!("Fatal error, can't open config file '{path}': {why}");
                return ExitCode::from(1);
            }
        }
    }
    if args.last().is_some_and(|a| a == "-") {
        args.pop();
        let mut stdin = String::new();
        if std::io::stdin().read_to_string(&mut stdin).is_ok() {
            file.push('\n');
            file.push_str(&stdin);
        }
    }
    if let Some(stray) = args.first().filter(|a| !a.starts_with("--")) {
        eprintln!("redsim-server: '{stray}' is not an option (options start with --)\n\n{USAGE}");
        return ExitCode::from(1);
    }
    let text = config_text(&file, &args);
    let lines = match lines(&text) {
        Ok(lines) => lines,
        Err((number, line, reason)) => return fatal(Version::LATEST, number, &line, &reason),
    };

    // The emulated Redis first: every other line is checked by a server of that version.
    let mut version = Version::LATEST;
    for line in &lines {
        if line.words[0].eq_ignore_ascii_case(b"redis-version") {
            match line.words.get(1).map(|v| String::from_utf8_lossy(v).parse::<Version>()) {
                Some(Ok(v)) if line.words.len() == 2 => version = v,
                _ => return fatal(version, line.number, &line.text, "unknown Redis version (7.0 ... 8.10)"),
            }
        }
    }
    let mut clock = redsim_server::Clock::Wall;
    let mut cluster: u16 = 0;
    let mut check = Server::new(version);
    let mut port: u16 = 6379;
    let mut bind = String::from("127.0.0.1");
    let mut config: Vec<(Vec<u8>, Vec<u8>)> = Vec::new();
    for line in &lines {
        let name = String::from_utf8_lossy(&line.words[0]).to_ascii_lowercase();
        let value = line.words[1..].join(&b' ');
        let value_text = String::from_utf8_lossy(&value).into_owned();
        let refused = |reason: &str| fatal(version, line.number, &line.text, reason);
        match name.as_str() {
            "redis-version" => continue,
            // Redsim's own: time that moves only with REDSIM.ADVANCE.
            "clock" => {
                clock = match value_text.to_ascii_lowercase().as_str() {
                    "wall" => redsim_server::Clock::Wall,
                    "virtual" => redsim_server::Clock::Virtual { start_ms: redsim_server::wall_clock_ms() },
                    _ => return refused("clock must be 'wall' or 'virtual'"),
                };
                continue;
            }
            // Redsim's own: that many cluster primaries in this process.
            "cluster" => {
                cluster = match value_text.parse::<u16>() {
                    Ok(n) if (1..=100).contains(&n) => n,
                    _ => return refused("cluster must be a number of nodes from 1 to 100"),
                };
                continue;
            }
            "dir" => match std::fs::canonicalize(&value_text) {
                Ok(path) if path.is_dir() => {
                    config.push((b"dir".to_vec(), path.to_string_lossy().into_owned().into_bytes()));
                    continue;
                }
                _ => return refused(&format!("Can't chdir to '{value_text}': No such file or directory")),
            },
            "daemonize" if value_text.eq_ignore_ascii_case("yes") => {
                return refused("redsim-server does not daemonize: run it in the background instead")
            }
            "include" | "loadmodule" | "rename-command" | "sentinel" | "user" => {
                return refused(&format!("'{name}' is not supported by redsim-server"))
            }
            _ => {}
        }
        if let Err(reason) = check.configure(&[(name.clone().into_bytes(), value.clone())]) {
            let reason = if reason.starts_with("Bad directive") {
                "Bad directive or wrong number of arguments".into()
            } else {
                reason
            };
            return refused(&reason);
        }
        match name.as_str() {
            "port" => port = value_text.parse().unwrap_or(port),
            // The first address is the one listened on; the parameter keeps them all.
            "bind" => bind = value_text.split(' ').next().unwrap_or("127.0.0.1").trim_start_matches('-').to_string(),
            _ => {}
        }
        if name != "port" {
            config.push((name.into_bytes(), value));
        }
    }
    if cluster > 0 {
        return match redsim_server::spawn_cluster(&bind, port, cluster, version, &config, clock) {
            Ok(handles) => {
                for h in &handles {
                    println!("redsim-server (Redis {}) cluster node ready on {}", version.full(), h.addr());
                }
                for h in handles {
                    h.wait();
                }
                ExitCode::SUCCESS
            }
            Err(e) => {
                eprintln!("redsim-server: cannot start the cluster on {bind}:{port}: {e}");
                ExitCode::FAILURE
            }
        };
    }
    match redsim_server::spawn_with((bind.as_str(), port), version, &config, clock) {
        Ok(handle) => {
            println!("redsim-server (Redis {}) ready to accept connections on {}", version.full(), handle.addr());
            handle.wait();
            ExitCode::SUCCESS
        }
        Err(e) if e.kind() == std::io::ErrorKind::InvalidInput => {
            eprintln!("redsim-server: {e}");
            ExitCode::from(1)
        }
        Err(e) => {
            eprintln!("redsim-server: cannot listen on {bind}:{port}: {e}");
            ExitCode::FAILURE
        }
    }
}
