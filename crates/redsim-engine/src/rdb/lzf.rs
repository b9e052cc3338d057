//! LZF, the compression Redis applies to strings and listpacks longer than 20 bytes in DUMP
//! payloads and RDB files. The compressor makes the same choices as Redis's copy of liblzf (a
//! 2^16-slot table of the last position of each 3-byte hash, the "very fast" variant that
//! re-hashes two positions after a match), so the bytes are the ones Redis writes.
//!
//! The format: `000LLLLL` then L+1 literal bytes; `LLLooooo oooooooo` a back reference of L+2
//! bytes (L < 7) at distance o+1; `111ooooo LLLLLLLL oooooooo` one of L+9 bytes.

const HLOG: u32 = 16;
const HSIZE: usize = 1 << HLOG;
const MAX_LIT: usize = 1 << 5;
const MAX_OFF: usize = 1 << 13;
const MAX_REF: usize = (1 << 8) + (1 << 3);

fn first(p: &[u8], at: usize) -> u32 {
    (u32::from(p[at]) << 8) | u32::from(p[at + 1])
}

fn next(v: u32, p: &[u8], at: usize) -> u32 {
    (v << 8) | u32::from(p[at + 2])
}

fn index(h: u32) -> usize {
    ((h >> (3 * 8 - HLOG)).wrapping_sub(h.wrapping_mul(5)) as usize) & (HSIZE - 1)
}

/// Compresses `input` into at most `out_len` bytes; `None` when it does not fit (Redis then
/// stores the string as it is).
pub fn compress(input: &[u8], out_len: usize) -> Option<Vec<u8>> {
    let in_len = input.len();
    if in_len == 0 || out_len == 0 {
        return None;
    }
    // Positions + 1 (0: empty). Redis's table starts uninitialised, which in practice finds no
    // match; an empty one is what it behaves like.
    let mut table = vec![0usize; HSIZE];
    let mut out = vec![0u8; out_len];
    let mut ip = 0usize;
    let mut op = 0usize;
    let mut lit: usize = 0;
    op += 1; // start a run
    let mut hval = if in_len >= 2 { first(input, 0) } else { 0 };
    while in_len >= 3 && ip < in_len - 2 {
        hval = next(hval, input, ip);
        let slot = index(hval);
        let reference = table[slot];
        table[slot] = ip + 1;
        let matched = reference != 0 && {
            let r = reference - 1;
            // `ref > in_data`: a match never starts at the very first byte.
            r < ip
                && ip - r - 1 < MAX_OFF
                && r > 0
                && input[r + 2] == input[ip + 2]
                && input[r] == input[ip]
                && input[r + 1] == input[ip + 1]
        };
        if matched {
            let r = reference - 1;
            let off = ip - r - 1;
            let mut len = 2usize;
            let maxlen = (in_len - ip - len).min(MAX_REF);
            if op + 3 + 1 >= out_len && op - usize::from(lit == 0) + 3 + 1 >= out_len {
                return None;
            }
            out[op - lit - 1] = (lit as u8).wrapping_sub(1); // stop the run
            op -= usize::from(lit == 0); // undo an empty run
            'extend: {
                if maxlen > 16 {
                    for _ in 0..16 {
                        len += 1;
                        if input[r + len] != input[ip + len] {
                            break 'extend;
                        }
                    }
                }
                loop {
                    len += 1;
                    if !(len < maxlen && input[r + len] == input[ip + len]) {
                        break;
                    }
                }
            }
            len -= 2; // now the number of bytes - 1
            ip += 1;
            if len < 7 {
                out[op] = ((off >> 8) + (len << 5)) as u8;
                op += 1;
            } else {
                out[op] = ((off >> 8) + (7 << 5)) as u8;
                out[op + 1] = (len - 7) as u8;
                op += 2;
            }
            out[op] = off as u8;
            op += 1;
            lit = 0;
            op += 1; // start a run
            ip += len + 1;
            if ip >= in_len - 2 {
                break;
            }
            ip -= 2;
            hval = first(input, ip);
            hval = next(hval, input, ip);
            table[index(hval)] = ip + 1;
            ip += 1;
            hval = next(hval, input, ip);
            table[index(hval)] = ip + 1;
            ip += 1;
        } else {
            if op >= out_len {
                return None;
            }
            lit += 1;
            out[op] = input[ip];
            op += 1;
            ip += 1;
            if lit == MAX_LIT {
                out[op - lit - 1] = (lit - 1) as u8;
                lit = 0;
                op += 1;
            }
        }
    }
    if op + 3 > out_len {
        return None;
    }
    while ip < in_len {
        lit += 1;
        out[op] = input[ip];
        op += 1;
        ip += 1;
        if lit == MAX_LIT {
            out[op - lit - 1] = (lit - 1) as u8;
            lit = 0;
            op += 1;
        }
    }
    out[op - lit - 1] = (lit as u8).wrapping_sub(1); // end the run
    op -= usize::from(lit == 0);
    out.truncate(op);
    Some(out)
}

/// Decompresses into exactly `len` bytes; `None` for input that is not valid LZF of that length.
pub fn decompress(input: &[u8], len: usize) -> Option<Vec<u8>> {
    let mut out: Vec<u8> = Vec::with_capacity(len.min(input.len().saturating_mul(300)));
    let mut ip = 0;
    while ip < input.len() {
        let ctrl = usize::from(input[ip]);
        ip += 1;
        if ctrl < (1 << 5) {
            let run = ctrl + 1;
            if out.len() + run > len || ip + run > input.len() {
                return None;
            }
            out.extend_from_slice(&input[ip..ip + run]);
            ip += run;
        } else {
            let mut run = ctrl >> 5;
            if run == 7 {
                run += usize::from(*input.get(ip)?);
                ip += 1;
            }
            let low = usize::from(*input.get(ip)?);
            ip += 1;
            let back = ((ctrl & 0x1f) << 8) + low + 1;
            run += 2;
            if out.len() + run > len || back > out.len() {
                return None;
            }
            let start = out.len() - back;
            for i in 0..run {
                let b = out[start + i];
                out.push(b);
            }
        }
    }
    (out.len() == len).then_some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_and_compresses_repetition() {
        let text = b"abcabcabcabcabcabcabcabcabcabcabcabcabcabc hello hello hello hello".to_vec();
        let packed = compress(&text, text.len() - 4).expect("compressible");
        assert!(packed.len() < text.len());
        assert_eq!(decompress(&packed, text.len()), Some(text));
        let long = vec![b'x'; 70_000];
        let packed = compress(&long, long.len() - 4).expect("compressible");
        assert_eq!(decompress(&packed, long.len()), Some(long));
    }

    #[test]
    fn incompressible_input_does_not_fit() {
        let noise: Vec<u8> = (0..200u32).map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8).collect();
        assert_eq!(compress(&noise, noise.len() - 4), None);
    }

    #[test]
    fn bad_input_is_refused() {
        assert_eq!(decompress(&[0x20, 0x00], 5), None);
        assert_eq!(decompress(&[0x05, b'a'], 6), None);
        assert_eq!(decompress(&[], 1), None);
    }
}
