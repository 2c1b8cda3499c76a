//! libFuzzer target for the cty value codec: arbitrary bytes decoded as
//! msgpack and as JSON at many types; whatever decodes must re-encode and
//! decode back equal (see `src/codec_check.rs`).
//!
//! The codec (`src/tf/value` of the provider) depends on nothing but
//! serde_json, so it is compiled here as a module of its own rather than
//! through the provider crate: the fuzz build then instruments two crates
//! instead of the provider's whole dependency tree (the AWS SDK included).

#![no_main]

#[allow(dead_code, unused_imports)]
#[path = "../../src/tf/value/mod.rs"]
mod value;

#[path = "../src/codec_check.rs"]
mod codec_check;

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    codec_check::check(data);
});
