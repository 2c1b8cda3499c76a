//! Errors of the value codecs, each tied to the attribute path where it
//! happened.

use std::fmt;

use super::path::{AttributePath, PathStep};
use super::position::AtPath;

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

/// The two errors differ only in meaning: one set of constructors, `Display`
/// ("path: message", or the message alone at the root) and path hooks serves both.
macro_rules! path_error {
    ($error:ident) => {
        impl $error {
            pub fn new(path: AttributePath, message: impl Into<String>) -> Self {
                Self {
                    path,
                    message: message.into(),
                }
            }
        }

        impl AtPath for $error {
            fn at(steps: &[PathStep], message: String) -> Self {
                Self::new(AttributePath(steps.to_vec()), message)
            }
        }

        impl fmt::Display for $error {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                if self.path.is_empty() {
                    f.write_str(&self.message)
                } else {
                    write!(f, "{}: {}", self.path, self.message)
                }
            }
        }

        impl std::error::Error for $error {}
    };
}

path_error!(DecodeError);
path_error!(EncodeError);

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
