//! Redis's glob matching (`stringmatchlen`), used by `CONFIG GET`, `KEYS`, `SCAN MATCH` and
//! pattern subscriptions: `*`, `?`, `[abc]`, `[^a-z]`, and `\` to escape.

/// Patterns nest a `*` inside another's search at most this deep (Redis 7.2's limit; 7.0 had
/// none and could exhaust its stack): deeper, the pattern does not match.
const MAX_NESTING: usize = 1000;

/// Whether `text` matches `pattern`; `nocase` folds ASCII case. Redis's `stringmatchlen`, step
/// for step: its answers for unterminated `[` or a trailing `\` included, and its early stop
/// when the rest of a pattern cannot match anywhere (so `*a*a*a*...b` against a long string
/// answers at once instead of trying every split).
pub fn matches(pattern: &[u8], text: &[u8], nocase: bool) -> bool {
    let mut skip_longer = false;
    matches_at(pattern, text, nocase, &mut skip_longer, 0)
}

fn matches_at(pattern: &[u8], text: &[u8], nocase: bool, skip_longer: &mut bool, nesting: usize) -> bool {
    if nesting > MAX_NESTING {
        return false;
    }
    let fold = |c: u8| if nocase { c.to_ascii_lowercase() } else { c };
    let (mut p, mut t) = (0usize, 0usize);
    while p < pattern.len() && t < text.len() {
        match pattern[p] {
            b'*' => {
                while p + 1 < pattern.len() && pattern[p + 1] == b'*' {
                    p += 1;
                }
                if p + 1 == pattern.len() {
                    return true;
                }
                while t < text.len() {
                    if matches_at(&pattern[p + 1..], &text[t..], nocase, skip_longer, nesting + 1) {
                        return true;
                    }
                    if *skip_longer {
                        return false;
                    }
                    t += 1;
                }
                // The rest matches nowhere in what is left: a longer match for an earlier `*`
                // would need it to match later still, so give up on all of them.
                *skip_longer = true;
                return false;
            }
            b'?' => t += 1,
            b'[' => {
                p += 1;
                let negate = pattern.get(p) == Some(&b'^');
                if negate {
                    p += 1;
                }
                let c = text[t];
                let mut matched = false;
                loop {
                    match pattern.get(p) {
                        Some(b'\\') if p + 1 < pattern.len() => {
                            p += 1;
                            matched |= pattern[p] == c;
                        }
                        Some(b']') => break,
                        // Unterminated: the last character closes the class.
                        None => {
                            p -= 1;
                            break;
                        }
                        Some(&start) if p + 2 < pattern.len() && pattern[p + 1] == b'-' => {
                            let end = pattern[p + 2];
                            let (lo, hi) = if start <= end { (start, end) } else { (end, start) };
                            matched |= (fold(lo)..=fold(hi)).contains(&fold(c));
                            p += 2;
                        }
                        Some(&other) => matched |= fold(other) == fold(c),
                    }
                    p += 1;
                }
                if matched == negate {
                    return false;
                }
                t += 1;
            }
            b'\\' => {
                if p + 1 < pattern.len() {
                    p += 1;
                }
                if fold(pattern[p]) != fold(text[t]) {
                    return false;
                }
                t += 1;
            }
            other => {
                if fold(other) != fold(text[t]) {
                    return false;
                }
                t += 1;
            }
        }
        p += 1;
        if t == text.len() {
            while p < pattern.len() && pattern[p] == b'*' {
                p += 1;
            }
            break;
        }
    }
    p >= pattern.len() && t == text.len()
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
        assert!(matches(b"a*", b"a", false), "stars after the end of the text match nothing");
        assert!(!matches(b"a?", b"a", false));
        assert!(matches(b"[abc", b"c", false), "an unterminated class ends at the last character");
        assert!(matches(b"a\\", b"a\\", false), "a trailing backslash is itself");
        assert!(!matches(b"*", b"", false), "as stringmatchlen: the loop never runs, the pattern is left");
    }

    #[test]
    fn a_pattern_that_cannot_match_answers_at_once() {
        // Redis's "Regression for pattern matching long nested loops": without the early stop
        // this tries every way to split 60 bytes 15 times.
        let pattern = b"*a*a*a*a*a*a*a*a*a*a*a*a*a*a*b";
        assert!(!matches(pattern, &[b'a'; 60], false));
        let stars: Vec<u8> = b"a*".repeat(5000).into_iter().chain(*b"b").collect();
        assert!(!matches(&stars, &[b'a'; 100], false), "nesting is bounded, and the stack holds");
    }
}
