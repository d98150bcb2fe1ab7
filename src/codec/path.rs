//! Where a value sits in its document, for error messages.
//!
//! A [`Path`] is a chain of segments on the stack (`bundle` → `products` → `3` →
//! `price`); it is rendered to a string only when an error is built, so reading a valid
//! snapshot allocates nothing for paths.

use std::fmt::Write;

use crate::error::SnapshotError;

/// Where a value sits in its document.
#[derive(Clone, Copy)]
pub struct Path<'p> {
    parent: Option<&'p Path<'p>>,
    seg: Seg<'p>,
}

#[derive(Clone, Copy)]
enum Seg<'p> {
    Key(&'p str),
    Index(usize),
}

impl<'p> Path<'p> {
    /// The top of a document ("bundle", "profile", "request").
    pub const fn root(name: &'p str) -> Path<'p> {
        Path { parent: None, seg: Seg::Key(name) }
    }

    /// A field of this map.
    pub fn key<'q>(&'q self, key: &'q str) -> Path<'q> {
        Path { parent: Some(self), seg: Seg::Key(key) }
    }

    /// An element of this array.
    pub fn index(&'p self, i: usize) -> Path<'p> {
        Path { parent: Some(self), seg: Seg::Index(i) }
    }

    /// `bundle.products[3].price`.
    pub fn render(&self) -> String {
        let mut segs = Vec::new();
        let mut at = Some(self);
        while let Some(p) = at {
            segs.push(p.seg);
            at = p.parent;
        }
        let mut out = String::new();
        for (i, seg) in segs.iter().rev().enumerate() {
            match seg {
                Seg::Key(k) if i == 0 => out.push_str(k),
                Seg::Key(k) => {
                    out.push('.');
                    out.push_str(k);
                }
                Seg::Index(n) => {
                    let _ = write!(out, "[{n}]");
                }
            }
        }
        out
    }

    /// An "expected X, found Y" error at this path.
    pub fn expected(&self, what: &str, found: &str) -> SnapshotError {
        SnapshotError::invalid(self.render(), format!("expected {what}, found {found}"))
    }

    /// A number error at this path.
    pub fn number(&self, value: f64, rule: &'static str) -> SnapshotError {
        SnapshotError::number(self.render(), value, rule)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_render_like_javascript() {
        let root = Path::root("bundle");
        let products = root.key("products");
        let third = products.index(3);
        assert_eq!(third.key("price").render(), "bundle.products[3].price");
        assert_eq!(
            third.expected("a number", "a string").to_string(),
            "bundle.products[3]: expected a number, found a string"
        );
    }
}
