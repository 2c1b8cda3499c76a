//! The cty value model and its msgpack / JSON codecs.
