//! Logs as hclog-style JSON lines on stderr.
//!
//! Terraform's plugin client reads every stderr line of a provider: a JSON
//! object with `@level`, `@message` and `@timestamp` is re-logged at that level
//! with its other keys as fields, anything else is logged verbatim at debug.
//! Writing that shape is what makes `TF_LOG_PROVIDER=warn` and friends work.
//!
//! Only this crate's own events are logged at the configured level. Other
//! crates (the AWS SDK, hyper, h2, rustls, tonic) are capped at `warn`, so
//! request headers carrying credentials, which they trace at lower levels,
//! can never reach the log.

use std::fmt;
use std::io::Write;

use serde_json::{Map, Value};
use tracing::field::{Field, Visit};
use tracing::{span, Event, Level, Metadata, Subscriber};
use tracing_subscriber::layer::{Context, SubscriberExt};
use tracing_subscriber::registry::LookupSpan;
use tracing_subscriber::Layer;

use crate::tf::identity::Identity;

/// The most verbose level other crates may log at, whatever the user asked.
const THIRD_PARTY_MAX: Level = Level::WARN;

/// Installs the stderr logger as the process-wide subscriber, at the level
/// Terraform asks for through `TF_LOG_PROVIDER` or `TF_LOG`.
///
/// With logging off nothing is installed, so every `tracing` macro stays a
/// cheap no-op. Calling it twice keeps the first logger.
pub fn init(identity: &Identity) {
    let provider = std::env::var_os("TF_LOG_PROVIDER");
    let global = std::env::var_os("TF_LOG");
    let level = level_from(
        provider.as_ref().map(|v| v.to_string_lossy()).as_deref(),
        global.as_ref().map(|v| v.to_string_lossy()).as_deref(),
    );
    let Some(level) = level else { return };
    let subscriber =
        tracing_subscriber::registry().with(HclogLayer::new(level, identity, write_stderr));
    // Only fails when a subscriber is already installed; keep that one.
    let _ = tracing::subscriber::set_global_default(subscriber);
}

/// The level Terraform would give its provider logger: `TF_LOG_PROVIDER`,
/// else `TF_LOG`, case-insensitive; unset, empty or `off` means no logs;
/// `json` and unknown values mean trace, as in Terraform.
pub fn level_from(tf_log_provider: Option<&str>, tf_log: Option<&str>) -> Option<Level> {
    let raw = match tf_log_provider {
        Some(v) if !v.is_empty() => v,
        _ => tf_log.unwrap_or(""),
    };
    match raw.to_ascii_uppercase().as_str() {
        "" | "OFF" => None,
        "DEBUG" => Some(Level::DEBUG),
        "INFO" => Some(Level::INFO),
        "WARN" => Some(Level::WARN),
        "ERROR" => Some(Level::ERROR),
        _ => Some(Level::TRACE),
    }
}

fn write_stderr(line: &[u8]) {
    // One write per line keeps lines whole; a closed stderr is not worth dying for.
    let _ = std::io::stderr().lock().write_all(line);
}

/// A `tracing` layer writing one hclog JSON object per event to a sink.
pub struct HclogLayer {
    own: Level,
    others: Level,
    /// The `@module` of every line: Terraform shows it beside the message.
    module: String,
    /// Event targets that belong to the provider.
    own_targets: &'static [&'static str],
    sink: Sink,
}

/// Where finished lines go: stderr in the provider, a buffer in tests.
type Sink = Box<dyn Fn(&[u8]) + Send + Sync>;

impl HclogLayer {
    /// A layer logging the provider's own crates at `level` and other
    /// crates at `level` but never more verbose than warn; each finished
    /// line (with its newline) goes to `sink`.
    pub fn new(
        level: Level,
        identity: &Identity,
        sink: impl Fn(&[u8]) + Send + Sync + 'static,
    ) -> Self {
        HclogLayer {
            own: level,
            // Levels compare by verbosity: the smaller is the quieter.
            others: level.min(THIRD_PARTY_MAX),
            module: identity.log_module(),
            own_targets: identity.log_targets,
            sink: Box::new(sink),
        }
    }

    fn is_own(&self, target: &str) -> bool {
        self.own_targets.iter().any(|own| {
            target
                .strip_prefix(own)
                .is_some_and(|rest| rest.is_empty() || rest.starts_with("::"))
        })
    }

    fn allows(&self, metadata: &Metadata<'_>) -> bool {
        let max = if self.is_own(metadata.target()) {
            self.own
        } else {
            self.others
        };
        *metadata.level() <= max
    }
}

/// Fields recorded on a span, repeated on every event inside it.
struct SpanFields(Map<String, Value>);

impl<S> Layer<S> for HclogLayer
where
    S: Subscriber + for<'a> LookupSpan<'a>,
{
    fn enabled(&self, metadata: &Metadata<'_>, _ctx: Context<'_, S>) -> bool {
        self.allows(metadata)
    }

    fn max_level_hint(&self) -> Option<tracing::level_filters::LevelFilter> {
        Some(tracing::level_filters::LevelFilter::from_level(
            self.own.max(self.others),
        ))
    }

    fn on_new_span(&self, attrs: &span::Attributes<'_>, id: &span::Id, ctx: Context<'_, S>) {
        let Some(span) = ctx.span(id) else { return };
        let mut fields = Map::new();
        attrs.record(&mut JsonFields(&mut fields));
        span.extensions_mut().insert(SpanFields(fields));
    }

    fn on_record(&self, id: &span::Id, values: &span::Record<'_>, ctx: Context<'_, S>) {
        let Some(span) = ctx.span(id) else { return };
        let mut extensions = span.extensions_mut();
        if let Some(SpanFields(fields)) = extensions.get_mut::<SpanFields>() {
            values.record(&mut JsonFields(fields));
        }
    }

    fn on_event(&self, event: &Event<'_>, ctx: Context<'_, S>) {
        let mut fields = Map::new();
        if let Some(scope) = ctx.event_scope(event) {
            for span in scope.from_root() {
                if let Some(SpanFields(span_fields)) = span.extensions().get::<SpanFields>() {
                    fields.extend(span_fields.iter().map(|(k, v)| (k.clone(), v.clone())));
                }
            }
        }
        event.record(&mut JsonFields(&mut fields));
        let metadata = event.metadata();
        if !self.is_own(metadata.target()) {
            fields.insert("target".into(), metadata.target().into());
        }
        let line = format_line(
            metadata.level(),
            &self.module,
            fields,
            time::OffsetDateTime::now_utc(),
        );
        (self.sink)(line.as_bytes());
    }
}

/// One JSON object and a newline. The `message` field becomes `@message`;
/// other fields cannot overwrite the `@` keys Terraform relies on.
fn format_line(
    level: &Level,
    module: &str,
    mut fields: Map<String, Value>,
    now: time::OffsetDateTime,
) -> String {
    let message = match fields.remove("message") {
        Some(Value::String(s)) => s,
        Some(other) => other.to_string(),
        None => String::new(),
    };
    let mut object = Map::new();
    object.insert("@level".into(), level_name(level).into());
    object.insert("@message".into(), message.into());
    object.insert("@module".into(), module.into());
    object.insert("@timestamp".into(), timestamp(now).into());
    for (key, value) in fields {
        object.entry(key).or_insert(value);
    }
    let mut line = Value::Object(object).to_string();
    line.push('\n');
    line
}

fn level_name(level: &Level) -> &'static str {
    match *level {
        Level::TRACE => "trace",
        Level::DEBUG => "debug",
        Level::INFO => "info",
        Level::WARN => "warn",
        Level::ERROR => "error",
    }
}

/// hclog's JSON time format, which go-plugin parses strictly:
/// `2006-01-02T15:04:05.000000Z07:00`, here always in UTC.
fn timestamp(t: time::OffsetDateTime) -> String {
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:06}Z",
        t.year(),
        u8::from(t.month()),
        t.day(),
        t.hour(),
        t.minute(),
        t.second(),
        t.microsecond()
    )
}

/// Records `tracing` fields as JSON values, keeping numbers and booleans typed.
struct JsonFields<'a>(&'a mut Map<String, Value>);

impl Visit for JsonFields<'_> {
    fn record_f64(&mut self, field: &Field, value: f64) {
        let value = serde_json::Number::from_f64(value).map_or(Value::Null, Value::Number);
        self.0.insert(field.name().into(), value);
    }

    fn record_i64(&mut self, field: &Field, value: i64) {
        self.0.insert(field.name().into(), value.into());
    }

    fn record_u64(&mut self, field: &Field, value: u64) {
        self.0.insert(field.name().into(), value.into());
    }

    fn record_bool(&mut self, field: &Field, value: bool) {
        self.0.insert(field.name().into(), value.into());
    }

    fn record_str(&mut self, field: &Field, value: &str) {
        self.0.insert(field.name().into(), value.into());
    }

    fn record_error(&mut self, field: &Field, value: &(dyn std::error::Error + 'static)) {
        self.0.insert(field.name().into(), value.to_string().into());
    }

    fn record_debug(&mut self, field: &Field, value: &dyn fmt::Debug) {
        self.0
            .insert(field.name().into(), format!("{value:?}").into());
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::{Arc, Mutex};

    /// The test crate's identity: its events are this library's.
    const IDENTITY: Identity = Identity {
        binary: "terraform-provider-example",
        source: "example/example",
        log_targets: &["planton"],
        transport_variable: "EXAMPLE_PLUGIN_TRANSPORT",
    };
    const MODULE: &str = "provider.terraform-provider-example";

    /// Runs `f` under a layer at `level` and returns the lines it wrote.
    fn capture(level: Level, f: impl FnOnce()) -> Vec<String> {
        let buffer = Arc::new(Mutex::new(Vec::<u8>::new()));
        let sink = Arc::clone(&buffer);
        let layer = HclogLayer::new(level, &IDENTITY, move |line| {
            sink.lock().unwrap().extend_from_slice(line);
        });
        tracing::subscriber::with_default(tracing_subscriber::registry().with(layer), f);
        let bytes = buffer.lock().unwrap().clone();
        let text = String::from_utf8(bytes).unwrap();
        assert!(text.is_empty() || text.ends_with('\n'));
        text.lines().map(str::to_owned).collect()
    }

    fn parse(line: &str) -> Map<String, Value> {
        match serde_json::from_str(line) {
            Ok(Value::Object(map)) => map,
            other => panic!("not a JSON object: {line:?} ({other:?})"),
        }
    }

    #[test]
    fn lines_are_well_formed_and_escaped() {
        let nasty = "quote \" backslash \\ newline \n tab \t bell \u{7} unicode é ☃";
        let lines = capture(Level::TRACE, || {
            tracing::info!(
                name = nasty,
                count = 3_u64,
                delta = -2_i64,
                ok = true,
                ratio = 0.5_f64,
                "hello {}",
                nasty
            );
        });
        assert_eq!(lines.len(), 1, "one event, one line: {lines:?}");
        let line = &lines[0];
        assert!(!line.contains('\n') && !line.contains('\t') && !line.contains('\u{7}'));
        let object = parse(line);
        let keys: Vec<&str> = object.keys().map(String::as_str).collect();
        assert_eq!(&keys[..4], &["@level", "@message", "@module", "@timestamp"]);
        assert_eq!(object["@level"], "info");
        assert_eq!(object["@message"], format!("hello {nasty}").as_str());
        assert_eq!(object["@module"], MODULE);
        assert_eq!(object["name"], nasty);
        assert_eq!(object["count"], 3);
        assert_eq!(object["delta"], -2);
        assert_eq!(object["ok"], true);
        assert_eq!(object["ratio"], 0.5);
        assert!(!object.contains_key("target"), "own events carry no target");

        // go-plugin parses "2006-01-02T15:04:05.000000Z07:00" and drops the line otherwise.
        let ts = object["@timestamp"].as_str().unwrap();
        assert_eq!(ts.len(), "2026-11-23T13:40:00.123456Z".len(), "{ts}");
        for (i, c) in ts.char_indices() {
            let expected = match i {
                4 | 7 => '-',
                10 => 'T',
                13 | 16 => ':',
                19 => '.',
                26 => 'Z',
                _ => {
                    assert!(c.is_ascii_digit(), "{ts}");
                    continue;
                }
            };
            assert_eq!(c, expected, "{ts}");
        }
    }

    #[test]
    fn fixed_time_formats_exactly() {
        let t = time::OffsetDateTime::from_unix_timestamp_nanos(1_795_441_200_123_456_789).unwrap();
        assert_eq!(timestamp(t), "2026-11-23T13:40:00.123456Z");
    }

    #[test]
    fn own_events_follow_the_level_and_others_stop_at_warn() {
        let lines = capture(Level::DEBUG, || {
            tracing::trace!("own trace");
            tracing::debug!("own debug");
            tracing::info!(target: "hyper::proto::h1", "authorization: secret");
            tracing::debug!(target: "aws_sigv4", "canonical request with secret");
            tracing::warn!(target: "h2::codec", "third-party warning");
            tracing::error!(target: "rustls", "third-party error");
            // A crate whose name merely starts like ours is not ours.
            tracing::debug!(target: "plantonix", "not ours");
        });
        let messages: Vec<String> = lines
            .iter()
            .map(|l| parse(l)["@message"].as_str().unwrap().to_owned())
            .collect();
        assert_eq!(
            messages,
            ["own debug", "third-party warning", "third-party error"]
        );
        assert_eq!(parse(&lines[1])["target"], "h2::codec");
        assert_eq!(parse(&lines[1])["@level"], "warn");
        assert!(lines.iter().all(|l| !l.contains("secret")));
    }

    #[test]
    fn quiet_levels_drop_more() {
        let lines = capture(Level::ERROR, || {
            tracing::warn!("own warn");
            tracing::error!("own error");
            tracing::warn!(target: "tonic", "third-party warn");
        });
        assert_eq!(lines.len(), 1);
        assert_eq!(parse(&lines[0])["@level"], "error");
    }

    #[test]
    fn span_fields_repeat_on_events_and_events_win() {
        let lines = capture(Level::TRACE, || {
            let outer = tracing::info_span!("rpc", tf_rpc = "ApplyResourceChange", n = 1_u64);
            let _outer = outer.enter();
            let inner = tracing::debug_span!("call", n = tracing::field::Empty);
            inner.record("n", 2_u64);
            let _inner = inner.enter();
            tracing::info!(extra = "x", "inside");
            tracing::info!(n = 3_u64, "override");
        });
        let first = parse(&lines[0]);
        assert_eq!(first["tf_rpc"], "ApplyResourceChange");
        assert_eq!(first["n"], 2);
        assert_eq!(first["extra"], "x");
        assert_eq!(parse(&lines[1])["n"], 3);
    }

    #[test]
    fn fields_cannot_overwrite_reserved_keys() {
        let lines = capture(Level::TRACE, || {
            tracing::info!("@level" = "bogus", "@module" = "bogus", "real");
        });
        let object = parse(&lines[0]);
        assert_eq!(object["@level"], "info");
        assert_eq!(object["@module"], MODULE);
    }

    #[test]
    fn levels_come_from_terraform_variables() {
        assert_eq!(level_from(None, None), None);
        assert_eq!(level_from(Some(""), Some("")), None);
        assert_eq!(level_from(None, Some("off")), None);
        assert_eq!(level_from(None, Some("OFF")), None);
        assert_eq!(level_from(None, Some("trace")), Some(Level::TRACE));
        assert_eq!(level_from(None, Some("Debug")), Some(Level::DEBUG));
        assert_eq!(level_from(None, Some("info")), Some(Level::INFO));
        assert_eq!(level_from(None, Some("WARN")), Some(Level::WARN));
        assert_eq!(level_from(None, Some("error")), Some(Level::ERROR));
        assert_eq!(level_from(None, Some("json")), Some(Level::TRACE));
        assert_eq!(level_from(None, Some("loud")), Some(Level::TRACE));
        // The provider-specific variable wins, even to turn logs off.
        assert_eq!(level_from(Some("error"), Some("trace")), Some(Level::ERROR));
        assert_eq!(level_from(Some("off"), Some("trace")), None);
        assert_eq!(level_from(Some(""), Some("warn")), Some(Level::WARN));
    }
}
