//! Grouping by shared concept keys: entries that share any key end up in one
//! group (transitively). Every entry lands in exactly one group.

use std::collections::HashMap;

pub(super) struct Groups;

fn find(parent: &mut [usize], mut i: usize) -> usize {
    while parent[i] != i {
        parent[i] = parent[parent[i]];
        i = parent[i];
    }
    i
}

impl Groups {
    /// Partitions `items` so that two items sharing a key are in the same group;
    /// groups come out in the order of their first item.
    pub(super) fn by_shared_keys<T>(items: Vec<T>, keys: &[Vec<String>]) -> Vec<Vec<T>> {
        let n = items.len();
        let mut parent: Vec<usize> = (0..n).collect();
        let mut first_with: HashMap<&str, usize> = HashMap::new();
        for (i, ks) in keys.iter().enumerate() {
            for k in ks {
                match first_with.get(k.as_str()) {
                    Some(&j) => {
                        let (a, b) = (find(&mut parent, i), find(&mut parent, j));
                        if a != b {
                            parent[a.max(b)] = a.min(b);
                        }
                    }
                    None => {
                        first_with.insert(k.as_str(), i);
                    }
                }
            }
        }
        let roots: Vec<usize> = (0..n).map(|i| find(&mut parent, i)).collect();
        let mut order: Vec<usize> = Vec::new();
        let mut slots: HashMap<usize, usize> = HashMap::new();
        let mut out: Vec<Vec<T>> = Vec::new();
        for (i, item) in items.into_iter().enumerate() {
            let slot = *slots.entry(roots[i]).or_insert_with(|| {
                order.push(roots[i]);
                out.push(Vec::new());
                out.len() - 1
            });
            out[slot].push(item);
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::Groups;
    use proptest::prelude::*;

    fn keys(k: &[&[&str]]) -> Vec<Vec<String>> {
        k.iter()
            .map(|ks| ks.iter().map(|s| s.to_string()).collect())
            .collect()
    }

    #[test]
    fn shared_keys_join_transitively_and_others_stay_apart() {
        let g = Groups::by_shared_keys(
            vec![0, 1, 2, 3],
            &keys(&[&["a"], &["b"], &["a", "b"], &["c"]]),
        );
        assert_eq!(g, vec![vec![0, 1, 2], vec![3]]);
    }

    proptest! {
        /// Every item is in exactly one group, and items with a common key share a group.
        #[test]
        fn a_partition_that_respects_keys(ks in proptest::collection::vec(proptest::collection::vec(0u8..6, 0..3), 0..40)) {
            let keys: Vec<Vec<String>> = ks.iter().map(|v| v.iter().map(|k| k.to_string()).collect()).collect();
            let items: Vec<usize> = (0..keys.len()).collect();
            let groups = Groups::by_shared_keys(items, &keys);
            let mut seen: Vec<usize> = groups.iter().flatten().copied().collect();
            seen.sort();
            prop_assert_eq!(seen, (0..keys.len()).collect::<Vec<_>>());
            let group_of = |i: usize| groups.iter().position(|g| g.contains(&i));
            for i in 0..keys.len() {
                for j in 0..keys.len() {
                    if keys[i].iter().any(|k| keys[j].contains(k)) {
                        prop_assert_eq!(group_of(i), group_of(j));
                    }
                }
            }
        }
    }
}
