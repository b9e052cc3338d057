//! `SORT` and `SORT_RO`: the elements of a list, set or sorted set, ordered by themselves or by
//! the values of other keys (`BY weight_*`, `BY h_*->field`), optionally with other keys' values
//! in place of the elements (`GET`), and stored as a list (`STORE`). As Redis's `sort.c`.

use std::cmp::Ordering;

use crate::args::Args;
use crate::command::{Category, CommandSpec, Flag};
use crate::error::{Error, Result};
use crate::reply::Reply;
use crate::server::Ctx;
use crate::value::Value;

const GENERIC: &str = "generic";

/// `SORT key [BY pattern] [LIMIT offset count] [GET pattern ...] [ASC|DESC] [ALPHA] [STORE destination]`
pub static SORT: CommandSpec = CommandSpec::new("sort", -2, GENERIC, "1.0.0")
    .flags(&[Flag::Write, Flag::DenyOom, Flag::MovableKeys])
    .keys(1, 1, 1)
    .acl(&[Category::Set, Category::SortedSet, Category::List, Category::Dangerous])
    .doc(
        "key [BY pattern] [LIMIT offset count] [GET pattern [GET pattern ...]] [ASC | DESC] [ALPHA] [STORE destination]",
        "Sorts the elements in a list, a set, or a sorted set, optionally storing the result.",
    )
    .run(|ctx, args| sort(ctx, args, false));

/// `SORT_RO key [BY pattern] [LIMIT offset count] [GET pattern ...] [ASC|DESC] [ALPHA]`
pub static SORT_RO: CommandSpec = CommandSpec::new("sort_ro", -2, GENERIC, "7.0.0")
    .flags(&[Flag::ReadOnly, Flag::MovableKeys])
    .keys(1, 1, 1)
    .acl(&[Category::Set, Category::SortedSet, Category::List, Category::Dangerous])
    .doc(
        "key [BY pattern] [LIMIT offset count] [GET pattern [GET pattern ...]] [ASC | DESC] [ALPHA]",
        "Returns the sorted elements of a list, a set, or a sorted set.",
    )
    .run(|ctx, args| sort(ctx, args, true));

/// C's `strchr`/`strstr` see a pattern up to its first NUL.
fn c_str(bytes: &[u8]) -> &[u8] {
    bytes.iter().position(|&b| b == 0).map_or(bytes, |end| &bytes[..end])
}

/// What a `BY` or `GET` pattern finds for an element (Redis's `lookupKeyByPattern`): `#` is the
/// element itself; otherwise the first `*` is replaced by it and the key read, as a string, or
/// as a hash field when the pattern ends in `->field`. `None` when there is no such value.
fn by_pattern(ctx: &mut Ctx, pattern: &[u8], element: &[u8]) -> Option<Vec<u8>> {
    if c_str(pattern) == b"#" {
        return Some(element.to_vec());
    }
    let spat = c_str(pattern);
    let star = spat.iter().position(|&b| b == b'*')?;
    let after = &spat[star + 1..];
    let field = after.windows(2).position(|w| w == b"->").filter(|at| at + 2 < after.len());
    // The field and the key's tail come from the whole pattern, as Redis's lengths do.
    let (postfix, field): (&[u8], Option<&[u8]>) = match field {
        Some(at) => {
            let field_start = star + 1 + at + 2;
            (&pattern[star + 1..star + 1 + at], Some(&pattern[field_start..]))
        }
        None => (&pattern[star + 1..], None),
    };
    let mut key = pattern[..star].to_vec();
    key.extend_from_slice(element);
    key.extend_from_slice(postfix);
    match (ctx.lookup(&key)?, field) {
        (Value::Hash(h), Some(field)) => h.get(field).cloned(),
        (Value::String(s), None) => Some(s.clone()),
        _ => None,
    }
}

/// C's `strtod` over a whole string: leading spaces, a sign, decimal or hexadecimal digits,
/// `inf`/`infinity`; `None` if anything is left over, for NaN and for a result out of range.
fn strtod_whole(text: &[u8]) -> Option<f64> {
    let text = c_str(text);
    if text.is_empty() {
        // No conversion: the end is the start, which is the string's end.
        return Some(0.0);
    }
    let trimmed = text.trim_ascii_start();
    let (negative, body) = match trimmed.first() {
        Some(b'-') => (true, &trimmed[1..]),
        Some(b'+') => (false, &trimmed[1..]),
        _ => (false, trimmed),
    };
    let lower = body.to_ascii_lowercase();
    let value = if lower == b"inf" || lower == b"infinity" {
        f64::INFINITY
    } else if let Some(hex) = lower.strip_prefix(b"0x").filter(|h| !h.is_empty()) {
        let (int, frac) = match hex.iter().position(|&b| b == b'.') {
            Some(dot) => (&hex[..dot], &hex[dot + 1..]),
            None => (hex, &hex[hex.len()..]),
        };
        if int.is_empty() && frac.is_empty() {
            return None;
        }
        let digit = |b: &u8| char::from(*b).to_digit(16).map(f64::from);
        let mut v = 0.0;
        for b in int {
            v = v * 16.0 + digit(b)?;
        }
        let mut scale = 1.0 / 16.0;
        for b in frac {
            v += digit(b)? * scale;
            scale /= 16.0;
        }
        v
    } else {
        let s = std::str::from_utf8(&lower).ok()?;
        let ok = !s.is_empty()
            && s.bytes().all(|b| b.is_ascii_digit() || matches!(b, b'.' | b'e' | b'+' | b'-'))
            && s.bytes().next().is_some_and(|b| b.is_ascii_digit() || b == b'.');
        if !ok {
            return None;
        }
        let v: f64 = s.parse().ok()?;
        let mantissa = s.split('e').next().unwrap_or("");
        // Out of range either way: ERANGE.
        if v.is_infinite() || (v == 0.0 && mantissa.bytes().any(|b| (b'1'..=b'9').contains(&b))) {
            return None;
        }
        v
    };
    if value.is_nan() {
        return None;
    }
    Some(if negative { -value } else { value })
}

/// One element to sort: itself, and what it is compared by.
struct Item {
    element: Vec<u8>,
    score: f64,
    /// With `ALPHA` and `BY`: the value found by the pattern (none when the key is missing).
    by: Option<Vec<u8>>,
}

fn sort(ctx: &mut Ctx, mut args: Args, readonly: bool) -> Result<Reply> {
    let key = args.next()?.to_vec();
    let rest = args.rest();
    let (mut desc, mut alpha, mut dontsort) = (false, false, false);
    let (mut limit_start, mut limit_count) = (0i64, -1i64);
    let mut store: Option<Vec<u8>> = None;
    let mut by: Option<Vec<u8>> = None;
    let mut gets: Vec<Vec<u8>> = Vec::new();
    let full_key_access = ctx.user_has_full_key_access();
    let mut j = 0;
    while j < rest.len() {
        let left = rest.len() - j - 1;
        let word = &rest[j];
        let is = |w: &str| word.eq_ignore_ascii_case(w.as_bytes());
        if is("asc") {
            desc = false;
        } else if is("desc") {
            desc = true;
        } else if is("alpha") {
            alpha = true;
        } else if is("limit") && left >= 2 {
            limit_start = crate::args::parse_i64(&rest[j + 1]).ok_or(Error::NotInteger)?;
            limit_count = crate::args::parse_i64(&rest[j + 2]).ok_or(Error::NotInteger)?;
            j += 2;
        } else if !readonly && is("store") && left >= 1 {
            store = Some(rest[j + 1].clone());
            j += 1;
        } else if is("by") && left >= 1 {
            let pattern = &rest[j + 1];
            if !c_str(pattern).contains(&b'*') {
                dontsort = true;
            } else if !full_key_access {
                return Err(Error::other("ERR BY option of SORT denied due to insufficient ACL permissions."));
            }
            by = Some(pattern.clone());
            j += 1;
        } else if is("get") && left >= 1 {
            if !full_key_access {
                return Err(Error::other("ERR GET option of SORT denied due to insufficient ACL permissions."));
            }
            gets.push(rest[j + 1].clone());
            j += 1;
        } else {
            return Err(Error::Syntax);
        }
        j += 1;
    }

    // The elements in the value's own order (an empty list for a missing key).
    let in_script = ctx.server.in_script;
    let (elements, kind): (Vec<Vec<u8>>, &str) = match ctx.lookup(&key) {
        None => (Vec::new(), "list"),
        Some(Value::List(l)) => (l.iter().cloned().collect(), "list"),
        Some(Value::Set(s)) => (s.members(), "set"),
        Some(Value::ZSet(z)) => {
            // Redis turns a listpack sorted set into a skiplist to sort it.
            z.packed = false;
            (z.iter().map(|(m, _)| m.clone()).collect(), "zset")
        }
        Some(_) => return Err(Error::WrongType),
    };
    // A set has no order of its own: sorted anyway when stored or in a script, so that replicas
    // and scripts see the same result.
    if dontsort && kind == "set" && (store.is_some() || in_script) {
        dontsort = false;
        alpha = true;
        by = None;
    }

    let len = elements.len() as i64;
    let mut start = limit_start.max(0).min(len);
    let count = limit_count.max(-1).min(len);
    let mut end = if count < 0 { len - 1 } else { start + count - 1 };
    if start >= len {
        start = len - 1;
        end = len - 2;
    }
    if end >= len {
        end = len - 1;
    }

    let mut items: Vec<Item> = if dontsort && kind != "set" {
        // Lists and sorted sets keep their order, read from the end for DESC, and only the
        // range LIMIT asks for.
        let range: Vec<Vec<u8>> = if end >= start {
            let ordered: Box<dyn Iterator<Item = Vec<u8>>> =
                if desc { Box::new(elements.into_iter().rev()) } else { Box::new(elements.into_iter()) };
            ordered.skip(start as usize).take((end - start + 1) as usize).collect()
        } else {
            Vec::new()
        };
        end -= start;
        start = 0;
        range.into_iter().map(|element| Item { element, score: 0.0, by: None }).collect()
    } else {
        elements.into_iter().map(|element| Item { element, score: 0.0, by: None }).collect()
    };

    let mut conversion_error = false;
    if !dontsort {
        for item in &mut items {
            let value = match &by {
                Some(pattern) => match by_pattern(ctx, pattern, &item.element) {
                    Some(v) => v,
                    None => continue,
                },
                None => item.element.clone(),
            };
            if alpha {
                if by.is_some() {
                    item.by = Some(value);
                }
            } else {
                match strtod_whole(&value) {
                    Some(score) => item.score = score,
                    None => conversion_error = true,
                }
            }
        }
        let storing = store.is_some();
        let by_pattern_given = by.is_some();
        let compare = |a: &Item, b: &Item| -> Ordering {
            let order = if !alpha {
                a.score.partial_cmp(&b.score).unwrap_or(Ordering::Equal).then_with(|| a.element.cmp(&b.element))
            } else if by_pattern_given {
                match (&a.by, &b.by) {
                    (None, None) => Ordering::Equal,
                    (None, Some(_)) => Ordering::Less,
                    (Some(_), None) => Ordering::Greater,
                    (Some(x), Some(y)) if storing => x.cmp(y),
                    // strcoll in the C locale: bytes up to the first NUL.
                    (Some(x), Some(y)) => c_str(x).cmp(c_str(y)),
                }
            } else if storing {
                a.element.cmp(&b.element)
            } else {
                c_str(&a.element).cmp(c_str(&b.element))
            };
            if desc {
                order.reverse()
            } else {
                order
            }
        };
        items.sort_by(compare);
    }

    if conversion_error {
        return Err(Error::other("ERR One or more scores can't be converted into double"));
    }
    let chosen: Vec<Vec<u8>> = if end >= start {
        items.into_iter().skip(start as usize).take((end - start + 1) as usize).map(|i| i.element).collect()
    } else {
        Vec::new()
    };
    let mut output: Vec<Option<Vec<u8>>> = Vec::new();
    for element in &chosen {
        if gets.is_empty() {
            output.push(Some(element.clone()));
        }
        for pattern in &gets {
            output.push(by_pattern(ctx, pattern, element));
        }
    }
    match store {
        None => Ok(Reply::Array(output.into_iter().map(|v| v.map_or(Reply::Nil, Reply::Bulk)).collect())),
        Some(dest) => {
            let n = output.len();
            if n > 0 {
                let list: std::collections::VecDeque<Vec<u8>> =
                    output.into_iter().map(Option::unwrap_or_default).collect();
                ctx.store(&dest, Value::List(Box::new(list)), false);
                ctx.notify(crate::notify::LIST, "sortstore", &dest);
                ctx.dirty += n as u64 - 1;
            } else {
                ctx.delete(&dest);
            }
            Ok(Reply::Integer(n as i64))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::strtod_whole;

    #[test]
    fn strtod_reads_what_c_reads() {
        assert_eq!(strtod_whole(b" 1.5"), Some(1.5));
        assert_eq!(strtod_whole(b"-3"), Some(-3.0));
        assert_eq!(strtod_whole(b"0x10"), Some(16.0));
        assert_eq!(strtod_whole(b"inf"), Some(f64::INFINITY));
        assert_eq!(strtod_whole(b"1.5 "), None);
        assert_eq!(strtod_whole(b"nan"), None);
        assert_eq!(strtod_whole(b"abc"), None);
        assert_eq!(strtod_whole(b""), Some(0.0));
        assert_eq!(strtod_whole(b"  "), None);
        assert_eq!(strtod_whole(b"1e999"), None);
        assert_eq!(strtod_whole(b"2\0junk"), Some(2.0));
    }
}
