//! How many nodes Redis's radix tree (`rax`) uses for a set of keys, for `XINFO STREAM`'s
//! `radix-tree-nodes`.
//!
//! A rax is a compressed trie: there is a node at the root, at every key's end, at every point
//! where keys branch, and right after each branching character (a branching node points to one
//! child per character); runs of single-child positions are folded into one compressed node.

/// Counts the nodes of the compressed trie holding `keys` (which must be distinct and arrive in
/// increasing order, as the node keys of a stream do).
pub fn node_count(keys: impl Iterator<Item = [u8; 16]>) -> usize {
    let keys: Vec<[u8; 16]> = keys.collect();
    1 + count_below(&keys, 0)
}

/// Nodes strictly below the position at `depth`, which all of `keys` share (the node at `depth`
/// itself, if any, is counted by the caller).
fn count_below(keys: &[[u8; 16]], depth: usize) -> usize {
    if keys.is_empty() || depth == 16 {
        return 0;
    }
    // Follow the run of positions with a single child: it is one compressed edge.
    let mut d = depth;
    while d < 16 && keys.iter().all(|k| k[d] == keys[0][d]) {
        d += 1;
    }
    if d == 16 {
        // The run ends at the key's end: one node there (a leaf).
        return usize::from(d > depth);
    }
    // Position `d` branches. It is a node unless it is the position we started from.
    let mut count = usize::from(d > depth);
    let mut start = 0;
    while start < keys.len() {
        let byte = keys[start][d];
        let end = start + keys[start..].iter().take_while(|k| k[d] == byte).count();
        // The child right after the branching character is always a node.
        count += 1 + count_below(&keys[start..end], d + 1);
        start = end;
    }
    count
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::stream::StreamId;

    fn count(ids: &[(u64, u64)]) -> usize {
        node_count(ids.iter().map(|&(ms, seq)| StreamId::new(ms, seq).encode()))
    }

    #[test]
    fn small_trees() {
        assert_eq!(count(&[]), 1);
        assert_eq!(count(&[(1, 0)]), 2);
        // Figures read from Redis 7.0.15 with stream-node-max-entries 1.
        assert_eq!(count(&[(1, 0), (2, 0)]), 6);
        assert_eq!(count(&[(1, 0), (2, 0), (3, 0)]), 8);
        assert_eq!(count(&[(1, 0), (1, 1)]), 4);
        assert_eq!(count(&[(1, 0), (1, 1), (256, 0)]), 8);
        assert_eq!(count(&[(1, 0), (1, 1), (256, 0), (257, 5)]), 11);
        assert_eq!(count(&[(1, 0), (1, 1), (256, 0), (257, 5), (65536, 0)]), 14);
    }
}
