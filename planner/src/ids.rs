//! Task ids to their indexes, for the lookups `next` makes (400k at 100k
//! tasks: the state's tasks, each dependency, each wave's ids). A slot is
//! the index alone (4 bytes, hashbrown's `HashTable`), so the table of 100k
//! ids fits in a core's cache; the id is compared where the task keeps it.
//! A map of `(&str, usize)` entries took three cache misses a lookup, and
//! its lookups were a third of `next`'s time.

use hashbrown::HashTable;
use muster_shared::hash::Fnv;
use std::hash::Hasher;

/// Ids by index, and the table that finds them.
pub struct Ids<'a> {
    names: Vec<&'a str>,
    table: HashTable<u32>,
}

fn hash(name: &str) -> u64 {
    let mut h = Fnv::default();
    h.write(name.as_bytes());
    h.finish()
}

impl<'a> Ids<'a> {
    /// The ids, index `i` being the `i`th; of an id given twice, the first.
    /// None past `u32::MAX` ids.
    pub fn new(names: Vec<&'a str>) -> Option<Ids<'a>> {
        let mut table = HashTable::with_capacity(names.len());
        for (i, name) in names.iter().enumerate() {
            let i = u32::try_from(i).ok()?;
            let at = |&j: &u32| names[j as usize] == *name;
            let rehash = |&j: &u32| hash(names[j as usize]);
            if let hashbrown::hash_table::Entry::Vacant(v) = table.entry(hash(name), at, rehash) {
                v.insert(i);
            }
        }
        Some(Ids { names, table })
    }

    /// The index of `name`.
    pub fn get(&self, name: &str) -> Option<usize> {
        let at = |&j: &u32| self.names[j as usize] == name;
        self.table.find(hash(name), at).map(|&j| j as usize)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_found_at_their_first_index() {
        let names: Vec<String> = (0..5000).map(|i| format!("T{i}")).collect();
        let mut refs: Vec<&str> = names.iter().map(String::as_str).collect();
        refs.push("T7");
        let ids = Ids::new(refs).unwrap();
        for (i, n) in names.iter().enumerate() {
            assert_eq!(ids.get(n), Some(i));
        }
        assert_eq!(ids.get("T7"), Some(7));
        assert_eq!(ids.get("T5000"), None);
        assert_eq!(ids.get(""), None);
    }
}
