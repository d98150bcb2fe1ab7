//! Ids as dense indexes, in the order first seen: how the learner numbers the items of an
//! event stream and the evaluator the items of its training and test data.

use vitrine::hash::FastMap;

/// See the module documentation.
#[derive(Debug, Default, Clone)]
pub struct Ids {
    index: FastMap<Box<str>, u32>,
    /// Each index's id.
    pub names: Vec<Box<str>>,
}

impl Ids {
    /// The index of `id`, added if new.
    #[inline]
    pub fn intern(&mut self, id: &str) -> u32 {
        if let Some(&i) = self.index.get(id) {
            return i;
        }
        let i = self.names.len() as u32;
        self.index.insert(id.into(), i);
        self.names.push(id.into());
        i
    }

    pub fn get(&self, id: &str) -> Option<u32> {
        self.index.get(id).copied()
    }

    pub fn len(&self) -> usize {
        self.names.len()
    }

    pub fn is_empty(&self) -> bool {
        self.names.is_empty()
    }
}
