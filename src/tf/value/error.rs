//! Errors of the value codecs, each tied to the attribute path where it
//! happened.

use std::fmt;

use super::path::{AttributePath, PathStep};

/// Input that could not be decoded as a value of the requested type.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DecodeError {
    /// Where in the value decoding stopped (empty: the value itself).
    pub path: AttributePath,
    /// What was wrong there, for a person to read.
    pub message: String,
}

/// A value that cannot be encoded as the requested type (it does not conform
/// to it, or the wire form cannot represent it).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EncodeError {
    /// Where in the value the problem is (empty: the value itself).
    pub path: AttributePath,
    /// What is wrong there, for a person to read.
    pub message: String,
}

impl DecodeError {
    pub fn new(path: AttributePath, message: impl Into<String>) -> Self {
        Self {
            path,
            message: message.into(),
        }
    }

    pub(crate) fn at(steps: &[PathStep], message: impl Into<String>) -> Self {
        Self::new(AttributePath(steps.to_vec()), message)
    }
}

impl EncodeError {
    pub fn new(path: AttributePath, message: impl Into<String>) -> Self {
        Self {
            path,
            message: message.into(),
        }
    }

    pub(crate) fn at(steps: &[PathStep], message: impl Into<String>) -> Self {
        Self::new(AttributePath(steps.to_vec()), message)
    }
}

fn write_with_path(f: &mut fmt::Formatter<'_>, path: &AttributePath, message: &str) -> fmt::Result {
    if path.is_empty() {
        f.write_str(message)
    } else {
        write!(f, "{path}: {message}")
    }
}

impl fmt::Display for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write_with_path(f, &self.path, &self.message)
    }
}

impl fmt::Display for EncodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write_with_path(f, &self.path, &self.message)
    }
}

impl std::error::Error for DecodeError {}
impl std::error::Error for EncodeError {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_prefixes_the_path_unless_at_the_root() {
        let root = DecodeError::new(AttributePath::new(), "string is required");
        assert_eq!(root.to_string(), "string is required");
        let nested = DecodeError::new(AttributePath::root("a").key("k").index(2), "bad");
        assert_eq!(nested.to_string(), "a[\"k\"][2]: bad");
        let enc = EncodeError::new(AttributePath::root("x"), "value is not known");
        assert_eq!(enc.to_string(), "x: value is not known");
    }
}
