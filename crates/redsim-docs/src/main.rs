//! `redsim-docs check [--redis-version V] [--per-page] FILE...`: runs every Redis example of the
//! Markdown files through the engine and prints each reply that differs from the transcript on the
//! page. Each example runs on a fresh server, or with `--per-page` all of a file's examples on one
//! (a tutorial whose steps build on each other). Exits 1 when a reply differs, 2 when a file cannot
//! be read or the command line is wrong.

#![forbid(unsafe_code)]

use std::process::ExitCode;

use redsim_docs::Scope;
use redsim_engine::Version;

const USAGE: &str = "usage: redsim-docs check [--redis-version 7.0|7.2|...|latest] [--per-page] FILE.md...";

struct Options {
    version: Version,
    scope: Scope,
    files: Vec<String>,
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match parse_args(&args) {
        Ok(options) => check(&options),
        Err(message) => {
            eprintln!("{message}\n{USAGE}");
            ExitCode::from(2)
        }
    }
}

fn parse_args(args: &[String]) -> Result<Options, String> {
    let mut rest = args.iter();
    match rest.next().map(String::as_str) {
        Some("check") => {}
        Some("-h" | "--help") | None => return Err("Runs the Redis examples of Markdown files.".into()),
        Some(other) => return Err(format!("unknown command '{other}'")),
    }
    let mut version = Version::LATEST;
    let mut scope = Scope::Example;
    let mut files = Vec::new();
    while let Some(arg) = rest.next() {
        match arg.as_str() {
            "--redis-version" => {
                let v = rest.next().ok_or("--redis-version needs a version")?;
                version = v.parse()?;
            }
            "--per-page" => scope = Scope::Page,
            flag if flag.starts_with("--") => return Err(format!("unknown option '{flag}'")),
            file => files.push(file.to_string()),
        }
    }
    if files.is_empty() {
        return Err("no files to check".into());
    }
    Ok(Options { version, scope, files })
}

fn check(options: &Options) -> ExitCode {
    let (version, files) = (options.version, &options.files);
    let (mut blocks, mut compared, mut stale, mut unreadable) = (0, 0, 0, 0);
    let (mut transcripts, mut identical) = (0, 0);
    for file in files {
        let text = match std::fs::read_to_string(file) {
            Ok(text) => text,
            Err(e) => {
                eprintln!("{file}: cannot read it: {e}");
                unreadable += 1;
                continue;
            }
        };
        let report = redsim_docs::check_markdown(&text, version, options.scope);
        blocks += report.blocks;
        compared += report.compared;
        transcripts += report.transcripts;
        identical += report.identical;
        for f in &report.findings {
            stale += 1;
            println!("{file}:{}: {}", f.line, f.command);
            println!("  the page shows:");
            f.expected.lines().for_each(|l| println!("    {l}"));
            println!("  Redis {} answers:", version.full());
            f.actual.lines().for_each(|l| println!("    {l}"));
        }
    }
    println!(
        "{} file(s), {blocks} Redis example(s), {compared} repl(ies) compared with Redis {}: {stale} differ; \
         {identical} of {transcripts} transcripts identical",
        files.len() - unreadable,
        version.full()
    );
    if unreadable > 0 {
        ExitCode::from(2)
    } else if stale > 0 {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(line: &str) -> Vec<String> {
        line.split_whitespace().map(str::to_string).collect()
    }

    #[test]
    fn the_command_line() {
        let o = parse_args(&args("check a.md b.md")).unwrap();
        assert_eq!(
            (o.version, o.scope, o.files),
            (Version::LATEST, Scope::Example, vec!["a.md".into(), "b.md".into()])
        );
        let o = parse_args(&args("check --redis-version 7.0 --per-page a.md")).unwrap();
        assert_eq!((o.version, o.scope), (Version::V7_0, Scope::Page));
        assert!(parse_args(&args("check")).err().unwrap().contains("no files"));
        assert!(parse_args(&args("check --redis-version 6.0 a.md")).err().unwrap().contains("6.0"));
        assert!(parse_args(&args("lint a.md")).err().unwrap().contains("unknown command"));
        assert!(parse_args(&args("check --fast a.md")).err().unwrap().contains("--fast"));
    }
}
