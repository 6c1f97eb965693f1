//! Small helpers for turning batched rows into per-owner lists (avoids N+1 queries).

use std::collections::HashMap;
use std::hash::Hash;

/// Groups `(key, value)` pairs produced by `split` into lists, keeping row order.
pub fn group_by_key<R, K: Eq + Hash, V>(
    rows: impl IntoIterator<Item = R>,
    split: impl Fn(R) -> (K, V),
) -> HashMap<K, Vec<V>> {
    let mut grouped: HashMap<K, Vec<V>> = HashMap::new();
    for row in rows {
        let (key, value) = split(row);
        grouped.entry(key).or_default().push(value);
    }
    grouped
}
