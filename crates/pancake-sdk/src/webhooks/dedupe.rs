//! A bounded memory of the deliveries seen: the newest `capacity` keys, oldest forgotten first.

use std::collections::{HashSet, VecDeque};

/// Delivery keys seen ([`super::Event::delivery_key`]), at most `capacity` of them.
#[derive(Debug)]
pub(crate) struct Seen {
    keys: HashSet<u64>,
    order: VecDeque<u64>,
    capacity: usize,
}

impl Seen {
    /// An empty memory of `capacity` keys (at least one).
    pub(crate) fn new(capacity: usize) -> Seen {
        Seen { keys: HashSet::new(), order: VecDeque::new(), capacity: capacity.max(1) }
    }

    /// Records `key`; `false` when it was already there (a repeat).
    pub(crate) fn insert(&mut self, key: u64) -> bool {
        if !self.keys.insert(key) {
            return false;
        }
        self.order.push_back(key);
        if self.order.len() > self.capacity
            && let Some(oldest) = self.order.pop_front()
        {
            self.keys.remove(&oldest);
        }
        true
    }

    /// Forgets `key` (a delivery that could not be queued, so that its repeat is taken).
    pub(crate) fn remove(&mut self, key: u64) {
        if self.keys.remove(&key) {
            self.order.retain(|k| *k != key);
        }
    }

    /// How many keys it holds.
    #[cfg(test)]
    pub(crate) fn len(&self) -> usize {
        self.keys.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_repeat_is_refused_and_memory_stays_bounded() {
        let mut seen = Seen::new(3);
        assert!(seen.insert(1));
        assert!(!seen.insert(1));
        for key in 2..100 {
            assert!(seen.insert(key));
        }
        assert_eq!(seen.len(), 3);
        assert!(seen.insert(1), "the oldest keys are forgotten first");
        assert!(!seen.insert(99));
        seen.remove(99);
        assert!(seen.insert(99));
    }
}
