//! Redis's glob matching (`stringmatchlen`), used by `CONFIG GET`, `KEYS`, `SCAN MATCH` and
//! pattern subscriptions: `*`, `?`, `[abc]`, `[^a-z]`, and `\` to escape.

/// Whether `text` matches `pattern`; `nocase` folds ASCII case.
pub fn matches(pattern: &[u8], text: &[u8], nocase: bool) -> bool {
    let eq = |a: u8, b: u8| {
        if nocase {
            a.eq_ignore_ascii_case(&b)
        } else {
            a == b
        }
    };
    let (mut p, mut t) = (0, 0);
    while p < pattern.len() {
        match pattern[p] {
            b'*' => {
                while p + 1 < pattern.len() && pattern[p + 1] == b'*' {
                    p += 1;
                }
                if p + 1 == pattern.len() {
                    return true;
                }
                return (t..=text.len()).any(|start| matches(&pattern[p + 1..], &text[start..], nocase));
            }
            b'?' => {
                if t >= text.len() {
                    return false;
                }
                t += 1;
            }
            b'[' => {
                if t >= text.len() {
                    return false;
                }
                p += 1;
                let negate = pattern.get(p) == Some(&b'^');
                if negate {
                    p += 1;
                }
                let mut matched = false;
                loop {
                    match pattern.get(p) {
                        None => {
                            p -= 1;
                            break;
                        }
                        Some(b'\\') if p + 1 < pattern.len() => {
                            p += 1;
                            matched |= eq(pattern[p], text[t]);
                        }
                        Some(b']') => break,
                        Some(&start) if pattern.get(p + 1) == Some(&b'-') && p + 2 < pattern.len() => {
                            let end = pattern[p + 2];
                            let (lo, hi) = if start <= end { (start, end) } else { (end, start) };
                            let c = text[t];
                            matched |= if nocase {
                                (lo.to_ascii_lowercase()..=hi.to_ascii_lowercase()).contains(&c.to_ascii_lowercase())
                            } else {
                                (lo..=hi).contains(&c)
                            };
                            p += 2;
                        }
                        Some(&c) => matched |= eq(c, text[t]),
                    }
                    p += 1;
                }
                if matched == negate {
                    return false;
                }
                t += 1;
            }
            b'\\' if p + 1 < pattern.len() => {
                p += 1;
                if t >= text.len() || !eq(pattern[p], text[t]) {
                    return false;
                }
                t += 1;
            }
            c => {
                if t >= text.len() || !eq(c, text[t]) {
                    return false;
                }
                t += 1;
            }
        }
        p += 1;
    }
    t == text.len()
}

#[cfg(test)]
mod tests {
    use super::matches;

    #[test]
    fn globs() {
        assert!(matches(b"stream*", b"stream-node-max-bytes", false));
        assert!(matches(b"*max*", b"stream-node-max-entries", false));
        assert!(matches(b"h?llo", b"hello", false));
        assert!(matches(b"h[ae]llo", b"hallo", false));
        assert!(!matches(b"h[^e]llo", b"hello", false));
        assert!(matches(b"h[a-c]llo", b"hbllo", false));
        assert!(matches(b"h\\*llo", b"h*llo", false));
        assert!(matches(b"HELLO", b"hello", true));
        assert!(!matches(b"a*b", b"acd", false));
        assert!(matches(b"", b"", false));
    }
}
