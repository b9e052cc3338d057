//! Whether the reply a page shows is the reply Redsim gives, allowing for what cannot be the same
//! from one run to another: stream IDs that `*` made from the clock, timestamps, idle times.
//!
//! Lines are compared with their whitespace collapsed (pages re-indent nested replies), word by
//! word and without the quotes around strings (pages drop them: `0-1` for `"0-1"`); a word that
//! differs still matches when both are
//! - stream IDs whose millisecond part is a Unix time in milliseconds (made by `*`);
//! - numbers that read as a time between 2000 and 2100 in seconds, milliseconds or microseconds;
//! - integers after a field that holds a duration (`idle`, `seen-time`, ...), the idle time of each
//!   entry `XPENDING key group start end count` lists, or any integer in the reply of a command
//!   that reports the clock (`TIME`, `PTTL`, `OBJECT IDLETIME`, ...).

/// XINFO and friends name these fields before an integer that depends on when the page was made.
const TIME_FIELDS: &[&str] = &["idle", "seen-time", "active-time", "inactive", "delivery-time", "last-seen"];

/// Commands whose integers depend on the clock of the server that made the page.
const CLOCK_COMMANDS: &[&str] = &["time", "lastsave", "pttl", "object", "debug", "latency", "slowlog"];

/// 2000-01-01 and 2100-01-01 in Unix seconds.
const YEAR_2000_S: f64 = 946_684_800.0;
const YEAR_2100_S: f64 = 4_102_444_800.0;

/// Whether `actual` (as redis-cli prints it) is what the page shows as `expected` for `command`.
pub fn same_reply(command: &str, expected: &str, actual: &str) -> bool {
    let words: Vec<&str> = command.split_whitespace().collect();
    let name = words.first().unwrap_or(&"").to_ascii_lowercase();
    let clock = CLOCK_COMMANDS.contains(&name.as_str());
    // The extended form lists `1) id 2) consumer 3) idle 4) deliveries` per entry.
    let pending_idle = name == "xpending" && words.len() >= 6;
    let (e, a) = (lines(expected), lines(actual));
    e.len() == a.len()
        && e.iter().zip(&a).enumerate().all(|(i, (el, al))| {
            let after_time_field = i > 0 && e[i - 1].last().is_some_and(|w| TIME_FIELDS.contains(&unquote(w)));
            let idle_line = pending_idle && el.len() == 3 && el[0] == "3)" && el[1] == "(integer)";
            same_line(el, al, clock || after_time_field || idle_line)
        })
}

fn lines(text: &str) -> Vec<Vec<&str>> {
    let mut out: Vec<Vec<&str>> = text.lines().map(|l| l.split_whitespace().collect()).collect();
    while out.last().is_some_and(|l| l.is_empty()) {
        out.pop();
    }
    while out.first().is_some_and(|l| l.is_empty()) {
        out.remove(0);
    }
    out
}

fn same_line(e: &[&str], a: &[&str], any_integer: bool) -> bool {
    e.len() == a.len()
        && e.iter().zip(a).all(|(&x, &y)| {
            let (x, y) = (unquote(x), unquote(y));
            x == y || {
                (is_clock_id(x) && is_clock_id(y))
                    || (is_time(x) && is_time(y))
                    || (any_integer && is_integer(x) && is_integer(y))
            }
        })
}

fn unquote(w: &str) -> &str {
    w.strip_prefix('"').and_then(|w| w.strip_suffix('"')).unwrap_or(w)
}

fn is_integer(w: &str) -> bool {
    let digits = w.strip_prefix('-').unwrap_or(w);
    !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit())
}

/// A number that reads as a moment between 2000 and 2100 in s, ms or µs since the epoch.
fn is_time(w: &str) -> bool {
    if !is_integer(w) || w.starts_with('-') || !(10..=16).contains(&w.len()) {
        return false;
    }
    let Ok(n) = w.parse::<f64>() else { return false };
    [1.0, 1e3, 1e6].iter().any(|scale| (YEAR_2000_S..YEAR_2100_S).contains(&(n / scale)))
}

/// A stream ID whose milliseconds are a moment between 2000 and 2100 (made by `*`).
fn is_clock_id(w: &str) -> bool {
    clock_id_ms(w).is_some()
}

/// The milliseconds of a stream ID made by the clock (`1692632086370-0`), if `w` is one.
pub fn clock_id_ms(w: &str) -> Option<u64> {
    let (ms, seq) = w.split_once('-')?;
    let ms: u64 = ms.parse().ok()?;
    let _: u64 = seq.parse().ok()?;
    (YEAR_2000_S..YEAR_2100_S).contains(&(ms as f64 / 1e3)).then_some(ms)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_made_by_the_clock_compare_by_shape() {
        assert!(same_reply("XADD s * a 1", "\"1692632086370-0\"\n", "\"1735689600000-0\"\n"));
        assert!(!same_reply("XADD s 1-0 a 1", "\"1-0\"\n", "\"2-0\"\n"), "small IDs are typed, not made");
        assert!(same_reply(
            "XRANGE s - +",
            "1) 1) \"1692632086370-0\"\n   2) 1) \"rider\"\n      2) \"Castilla\"\n",
            "1) 1) \"1735689600000-0\"\n    2) 1) \"rider\"\n       2) \"Castilla\"\n",
        ));
        assert!(!same_reply("XRANGE s - +", "1) 1) \"1692632086370-0\"\n", "1) 1) \"1735689600000-0\"\n2) x\n"));
    }

    #[test]
    fn times_and_idle_times_compare_by_shape_values_do_not() {
        assert!(same_reply("TIME", "1) \"1714501432\"\n2) \"433018\"\n", "1) \"1735689600\"\n2) \"0\"\n"));
        assert!(same_reply("PTTL k", "(integer) 995\n", "(integer) 1000\n"));
        assert!(same_reply("EXPIRETIME k", "(integer) 33177117420\n", "(integer) 33177117420\n"));
        assert!(same_reply(
            "XINFO CONSUMERS s g",
            "1) 1) \"name\"\n   2) \"Alice\"\n   3) \"idle\"\n   4) (integer) 9104628\n",
            "1) 1) \"name\"\n   2) \"Alice\"\n   3) \"idle\"\n   4) (integer) 0\n",
        ));
        assert!(!same_reply("XLEN s", "(integer) 2\n", "(integer) 3\n"));
        assert!(!same_reply("GET k", "\"Hello\"\n", "\"World\"\n"));
        assert!(!same_reply("GET k", "\"Hello\"\n", "(nil)\n"));
        assert!(same_reply("GET k", "\n\"Hello\"  \n\n", "\"Hello\"\n"), "blank lines and spaces around do not count");
        assert!(same_reply("XADD s 0-1 a 1", "0-1\n", "\"0-1\"\n"), "quotes the page left out");
        let pending = "1) 1) \"1692632647899-0\"\n   2) \"Bob\"\n   3) (integer) 74642\n   4) (integer) 1\n";
        let ours = "1) 1) \"1692632647899-0\"\n   2) \"Bob\"\n   3) (integer) 0\n   4) (integer) 1\n";
        assert!(same_reply("XPENDING s g - + 10", pending, ours));
        assert!(!same_reply("XPENDING s g - + 10", pending, &ours.replace("4) (integer) 1", "4) (integer) 2")));
    }
}
