//! Values kept from one build to the next, each under a hash of everything it
//! is made from: the preview's rewritten part texts (`render::Reuse`) and the
//! formatted citations (`citecache::Store`). A build marks what it asks for,
//! and what it did not ask for is forgotten after it.

use std::collections::{HashMap, HashSet};
use std::sync::{Mutex, MutexGuard};

/// Values by key, shared by every core of a build.
pub struct Kept<V> {
    values: Mutex<HashMap<u64, V>>,
    /// Keys the current build asked for.
    used: Mutex<HashSet<u64>>,
}

impl<V> Default for Kept<V> {
    fn default() -> Self {
        Kept {
            values: Mutex::default(),
            used: Mutex::default(),
        }
    }
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

impl<V: Clone> Kept<V> {
    /// Starts with `values` (read from a file, for instance).
    pub fn new(values: HashMap<u64, V>) -> Self {
        Kept {
            values: Mutex::new(values),
            used: Mutex::default(),
        }
    }

    /// The value under `key`, or made by `make` and kept; and whether it was made.
    pub fn get_or_make(&self, key: u64, make: impl FnOnce() -> V) -> (V, bool) {
        lock(&self.used).insert(key);
        if let Some(value) = lock(&self.values).get(&key) {
            return (value.clone(), false);
        }
        let value = make();
        lock(&self.values).insert(key, value.clone());
        (value, true)
    }

    /// Forgets every value the last build did not ask for; returns whether
    /// there was any.
    pub fn sweep(&self) -> bool {
        let used = std::mem::take(&mut *lock(&self.used));
        let mut values = lock(&self.values);
        let before = values.len();
        values.retain(|key, _| used.contains(key));
        values.len() != before
    }

    /// A copy of every value, by key.
    pub fn values(&self) -> HashMap<u64, V> {
        lock(&self.values).clone()
    }
}
