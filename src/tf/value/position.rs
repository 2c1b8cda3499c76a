//! Where a codec stands inside a value: the attribute path that its errors
//! name, and the nesting depth that [`MAX_DEPTH`] bounds. Shared by the
//! msgpack and JSON encoders and decoders.

use super::path::PathStep;
use super::MAX_DEPTH;

/// An error that names the path where it happened.
pub(super) trait AtPath {
    fn at(steps: &[PathStep], message: String) -> Self;
}

#[derive(Clone, Debug, Default)]
pub(super) struct Position {
    pub(super) path: Vec<PathStep>,
    pub(super) depth: usize,
}

impl Position {
    pub(super) fn error<E: AtPath>(&self, message: impl Into<String>) -> E {
        E::at(&self.path, message.into())
    }

    /// Goes one level deeper, refusing values nested past [`MAX_DEPTH`].
    pub(super) fn enter<E: AtPath>(&mut self) -> Result<(), E> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(self.error(format!(
                "the value is nested more than {MAX_DEPTH} levels deep"
            )));
        }
        Ok(())
    }

    pub(super) fn leave(&mut self) {
        self.depth -= 1;
    }
}
