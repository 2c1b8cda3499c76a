//! Attribute paths: where in a value something is.

use std::fmt;

/// One step into a value.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum PathStep {
    /// An object attribute (or a block, which Terraform represents as one).
    Attribute(String),
    /// A map element.
    Key(String),
    /// A list or tuple element. The codecs also use it for set elements, by
    /// their position in the encoded sequence; Terraform itself cannot
    /// address set elements by index, so consumers converting a path for a
    /// diagnostic may want to stop at a set.
    Index(i64),
}

/// A path into a value, outermost step first. The empty path is the value
/// itself.
///
/// ```
/// use planton::tf::value::AttributePath;
/// let path = AttributePath::root("a").attribute("b").key("k").index(0);
/// assert_eq!(path.to_string(), r#"a.b["k"][0]"#);
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct AttributePath(pub Vec<PathStep>);

impl AttributePath {
    /// The empty path: the value itself.
    pub fn new() -> Self {
        Self(Vec::new())
    }

    /// A path to a top-level attribute.
    pub fn root(name: impl Into<String>) -> Self {
        Self(vec![PathStep::Attribute(name.into())])
    }

    /// This path extended by an attribute step.
    pub fn attribute(mut self, name: impl Into<String>) -> Self {
        self.0.push(PathStep::Attribute(name.into()));
        self
    }

    /// This path extended by a map key step.
    pub fn key(mut self, key: impl Into<String>) -> Self {
        self.0.push(PathStep::Key(key.into()));
        self
    }

    /// This path extended by an element index step.
    pub fn index(mut self, index: i64) -> Self {
        self.0.push(PathStep::Index(index));
        self
    }

    pub fn push(&mut self, step: PathStep) {
        self.0.push(step);
    }

    pub fn steps(&self) -> &[PathStep] {
        &self.0
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// The path without its last step (the empty path stays empty).
    pub fn parent(&self) -> AttributePath {
        let mut steps = self.0.clone();
        steps.pop();
        AttributePath(steps)
    }
}

impl From<Vec<PathStep>> for AttributePath {
    fn from(steps: Vec<PathStep>) -> Self {
        Self(steps)
    }
}

impl fmt::Display for AttributePath {
    /// Terraform's own notation: `a.b["k"][0]`. Keys are quoted and escaped
    /// as JSON strings.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, step) in self.0.iter().enumerate() {
            match step {
                PathStep::Attribute(name) if i == 0 => f.write_str(name)?,
                PathStep::Attribute(name) => write!(f, ".{name}")?,
                PathStep::Key(key) => {
                    f.write_str("[")?;
                    write_quoted(f, key)?;
                    f.write_str("]")?;
                }
                PathStep::Index(index) => write!(f, "[{index}]")?,
            }
        }
        Ok(())
    }
}

/// Writes `s` as a JSON string literal.
pub(crate) fn write_quoted(out: &mut impl fmt::Write, s: &str) -> fmt::Result {
    out.write_char('"')?;
    for c in s.chars() {
        match c {
            '"' => out.write_str("\\\"")?,
            '\\' => out.write_str("\\\\")?,
            '\n' => out.write_str("\\n")?,
            '\r' => out.write_str("\\r")?,
            '\t' => out.write_str("\\t")?,
            c if (c as u32) < 0x20 => write!(out, "\\u{:04x}", c as u32)?,
            c => out.write_char(c)?,
        }
    }
    out.write_char('"')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builder_and_display() {
        let path = AttributePath::root("a").attribute("b").key("k").index(0);
        assert_eq!(
            path.steps(),
            &[
                PathStep::Attribute("a".into()),
                PathStep::Attribute("b".into()),
                PathStep::Key("k".into()),
                PathStep::Index(0),
            ]
        );
        assert_eq!(path.to_string(), r#"a.b["k"][0]"#);
        assert_eq!(path.len(), 4);
        assert_eq!(path.parent().to_string(), r#"a.b["k"]"#);
    }

    #[test]
    fn display_of_unusual_paths() {
        assert_eq!(AttributePath::new().to_string(), "");
        assert!(AttributePath::new().is_empty());
        assert_eq!(
            AttributePath::new().index(3).attribute("x").to_string(),
            "[3].x"
        );
        assert_eq!(
            AttributePath::root("tags").key("a\"b\\c\n").to_string(),
            r#"tags["a\"b\\c\n"]"#
        );
        assert_eq!(AttributePath::root("l").index(-1).to_string(), "l[-1]");
    }
}
