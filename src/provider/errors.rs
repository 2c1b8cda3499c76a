//! Error chains as users read them: what the SDK's nested errors say, in
//! one line, and the first error of a given type among them. Uses nothing
//! else of the provider, so every part of it can report errors this way.

/// The first error of type `T` in `err`'s source chain, `err` included.
pub fn find_source<'a, T: std::error::Error + 'static>(
    err: &'a (dyn std::error::Error + 'static),
) -> Option<&'a T> {
    let mut current = Some(err);
    while let Some(e) = current {
        if let Some(found) = e.downcast_ref::<T>() {
            return Some(found);
        }
        current = e.source();
    }
    None
}

/// `err` and its sources joined with ": ", skipping repeats. Display text
/// only: `Debug` output of SDK errors is long and not meant for users.
pub fn error_chain(err: &(dyn std::error::Error + 'static)) -> String {
    let mut parts: Vec<String> = Vec::new();
    let mut current = Some(err);
    while let Some(e) = current {
        let text = without_request_dump(&e.to_string());
        if !text.is_empty() && !parts.iter().any(|p| p.contains(&text)) {
            parts.push(text);
        }
        current = e.source();
    }
    parts.join(": ")
}

/// Some SDK errors put a `Debug` dump of the whole request (headers and
/// body) in their `Display` text ("... to request `Request { body: ... }`:
/// ..."); a diagnostic says "the request" instead.
fn without_request_dump(text: &str) -> String {
    const OPEN: &str = "`Request {";
    const CLOSE: &str = "}`";
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(start) = rest.find(OPEN) {
        let Some(len) = rest[start..].rfind(CLOSE) else {
            break;
        };
        out.push_str(&rest[..start]);
        out.push_str("the request");
        rest = &rest[start + len + CLOSE.len()..];
    }
    out.push_str(rest);
    out
}
