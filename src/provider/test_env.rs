//! A stand-in process environment for unit tests of code that reads
//! environment variables through a lookup function.

/// A lookup that answers `pairs` and nothing else.
pub fn lookup(
    pairs: &'static [(&'static str, &'static str)],
) -> impl Fn(&str) -> Option<String> + Copy {
    move |name| {
        pairs
            .iter()
            .find(|(key, _)| *key == name)
            .map(|(_, value)| value.to_string())
    }
}
