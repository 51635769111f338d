//! Lists in one vector, each starting where the one before ends: read in an
//! order unlike theirs (a task's dependents, a pattern's users), they take
//! fewer cache misses and allocations than a vector of vectors.

/// Lists of `T`; list `i` is `items[start[i]..start[i + 1]]`.
#[derive(Debug, Clone)]
pub struct Flat<T> {
    start: Vec<usize>,
    items: Vec<T>,
}

impl<T> Flat<T> {
    /// No lists yet, room for `lists` of them and `items` in all.
    pub fn with_capacity(lists: usize, items: usize) -> Flat<T> {
        let mut start = Vec::with_capacity(lists + 1);
        start.push(0);
        Flat {
            start,
            items: Vec::with_capacity(items),
        }
    }

    /// The lists, in order.
    pub fn from_lists<L: IntoIterator<Item = T>>(lists: impl IntoIterator<Item = L>) -> Flat<T> {
        let mut flat = Flat::with_capacity(0, 0);
        for list in lists {
            flat.push(list);
        }
        flat
    }

    /// Adds a list at the end, and gives it back (to sort it, say).
    pub fn push(&mut self, list: impl IntoIterator<Item = T>) -> &mut [T] {
        let from = self.items.len();
        self.items.extend(list);
        self.start.push(self.items.len());
        &mut self.items[from..]
    }

    /// List `i`.
    pub fn get(&self, i: usize) -> &[T] {
        &self.items[self.start[i]..self.start[i + 1]]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lists_come_back_as_pushed() {
        let lists = vec![vec![3, 1], vec![], vec![2]];
        let mut flat = Flat::from_lists(lists.clone());
        for (i, l) in lists.iter().enumerate() {
            assert_eq!(flat.get(i), &l[..]);
        }
        flat.push([9, 7]).sort_unstable();
        assert_eq!(flat.get(3), [7, 9]);
        assert_eq!(flat.get(1), [] as [i32; 0]);
    }
}
