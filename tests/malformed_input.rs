//! Malformed protocol input sent straight to the provider binary over
//! gRPC with mutual TLS, as Terraform connects: broken and truncated
//! msgpack, wrong types, huge values, unknown extension codes, deep
//! nesting, invalid JSON state, unknown type names, bad import IDs and empty
//! requests, to every RPC that decodes a value. Each must be answered with
//! an error diagnostic (or, where the input is in fact acceptable, a normal
//! response), never with a gRPC error, a hang or a panic; afterwards the
//! process is alive and healthy.
//!
//! Also here: a bounded, seeded randomized run of the value codec's
//! round-trip property (the same check the libFuzzer target in fuzz/ runs).

mod common;

use std::future::Future;
use std::time::{Duration, Instant};

use common::{go_plugin_cert, health, provider_command, ClientCert, Provider};
use planton::tf::proto::tfplugin6 as pb;
use planton::tf::proto::tfplugin6::provider_client::ProviderClient;
use tonic::transport::Channel;
use tonic_health::pb::health_check_response::ServingStatus;

const RESOURCE: &str = "planton_aws_secrets";
/// No request may take longer than this to be answered.
const ANSWER_WITHIN: Duration = Duration::from_secs(30);
/// Where the provider's AWS clients point: a closed loopback port, so that
/// nothing here can reach a real AWS endpoint.
const NOWHERE: &str = "http://127.0.0.1:1";

// ---------------------------------------------------------------------------
// The provider process, as Terraform starts it (tests/common; see
// tests/handshake.rs for the handshake itself)

/// Starts the binary as go-plugin does, with AWS settings that can reach
/// nothing but a closed loopback port.
fn start_provider(client: &ClientCert) -> Provider {
    let mut command = provider_command(Some(client));
    for (key, _) in std::env::vars() {
        if key.starts_with("AWS_") {
            command.env_remove(key);
        }
    }
    command
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .env("AWS_ENDPOINT_URL", NOWHERE)
        .env("AWS_CONFIG_FILE", "/nonexistent/planton-test/config")
        .env(
            "AWS_SHARED_CREDENTIALS_FILE",
            "/nonexistent/planton-test/credentials",
        );
    Provider::spawn(command, Some(client))
}

// ---------------------------------------------------------------------------
// msgpack by hand, so that any shape can be sent

fn mp(f: impl FnOnce(&mut Vec<u8>)) -> Vec<u8> {
    let mut out = Vec::new();
    f(&mut out);
    out
}

fn s(text: &str) -> Vec<u8> {
    mp(|o| rmp::encode::write_str(o, text).unwrap())
}

fn int(n: i64) -> Vec<u8> {
    mp(|o| {
        rmp::encode::write_sint(o, n).unwrap();
    })
}

fn float(x: f64) -> Vec<u8> {
    mp(|o| rmp::encode::write_f64(o, x).unwrap())
}

fn boolean(b: bool) -> Vec<u8> {
    mp(|o| rmp::encode::write_bool(o, b).unwrap())
}

fn nil() -> Vec<u8> {
    vec![0xc0]
}

fn arr(items: Vec<Vec<u8>>) -> Vec<u8> {
    mp(|o| {
        rmp::encode::write_array_len(o, items.len() as u32).unwrap();
        for item in items {
            o.extend(item);
        }
    })
}

fn obj(entries: Vec<(&str, Vec<u8>)>) -> Vec<u8> {
    mp(|o| {
        rmp::encode::write_map_len(o, entries.len() as u32).unwrap();
        for (k, v) in entries {
            rmp::encode::write_str(o, k).unwrap();
            o.extend(v);
        }
    })
}

fn ext(code: i8, payload: &[u8]) -> Vec<u8> {
    mp(|o| {
        rmp::encode::write_ext_meta(o, payload.len() as u32, code).unwrap();
        o.extend_from_slice(payload);
    })
}

fn names(list: &[&str]) -> Vec<u8> {
    obj(vec![(
        "secret_names",
        arr(list.iter().map(|n| s(n)).collect()),
    )])
}

fn msgpack(bytes: Vec<u8>) -> Option<pb::DynamicValue> {
    Some(pb::DynamicValue {
        msgpack: bytes,
        json: Vec::new(),
    })
}

fn json(bytes: impl Into<Vec<u8>>) -> Option<pb::DynamicValue> {
    Some(pb::DynamicValue {
        msgpack: Vec::new(),
        json: bytes.into(),
    })
}

const TWENTY_MB: usize = 20 << 20;
const DEEP: usize = 100_000;

/// Whether a payload can be decoded at the resource's type at all.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Shape {
    /// Cannot be decoded: every RPC must answer with an error.
    Broken,
    /// Decodes (possibly to null or unknown): what follows is up to the RPC.
    Decodes,
    /// Decodes; every name is valid.
    ValidNames,
    /// Decodes; a name is invalid, so validation must fail.
    InvalidName,
}

/// Resource values (config, state) of every malformed kind.
fn resource_payloads() -> Vec<(&'static str, Option<pb::DynamicValue>, Shape)> {
    use Shape::*;
    let valid = names(&["app/prod/DB_PASSWORD", "app/prod/API_KEY"]);
    let mut truncated = valid.clone();
    truncated.truncate(valid.len() / 2);
    let mut trailing = valid.clone();
    trailing.push(0x00);
    let huge_name = "a".repeat(TWENTY_MB);
    let many: Vec<String> = (0..100_000).map(|i| format!("app/n{i:06}")).collect();
    let many_refs: Vec<&str> = many.iter().map(String::as_str).collect();
    let deep_inside = {
        let mut v = vec![0x91; DEEP];
        v.extend(s("x"));
        obj(vec![("secret_names", v)])
    };
    let mut deep_root = vec![0x91; DEEP];
    deep_root.push(0xc0);
    let deep_json = format!("{}{}", "[".repeat(DEEP), "]".repeat(DEEP));
    let huge_json_name = format!("{{\"secret_names\": [\"{huge_name}\"]}}");
    vec![
        ("valid", msgpack(valid.clone()), ValidNames),
        ("reserved byte 0xc1", msgpack(vec![0xc1]), Broken),
        (
            "garbage",
            msgpack(b"\xde\xad\xbe\xef garbage".to_vec()),
            Broken,
        ),
        ("truncated", msgpack(truncated), Broken),
        ("trailing bytes", msgpack(trailing), Broken),
        ("a string instead of an object", msgpack(s("abc")), Broken),
        (
            "a number where a set is expected",
            msgpack(obj(vec![("secret_names", int(5))])),
            Broken,
        ),
        (
            "a map where a set is expected",
            msgpack(obj(vec![("secret_names", obj(vec![("a", s("b"))]))])),
            Broken,
        ),
        (
            "an object in a set of strings",
            msgpack(obj(vec![(
                "secret_names",
                arr(vec![obj(vec![("x", nil())])]),
            )])),
            Broken,
        ),
        (
            "NaN in a set of strings",
            msgpack(obj(vec![("secret_names", arr(vec![float(f64::NAN)]))])),
            Broken,
        ),
        (
            "an attribute the schema does not have",
            msgpack(obj(vec![("bogus", int(1))])),
            Broken,
        ),
        (
            "a string that is not UTF-8",
            msgpack(obj(vec![(
                "secret_names",
                arr(vec![vec![0xa2, 0xff, 0xfe]]),
            )])),
            Broken,
        ),
        (
            "a number and a bool in a set of strings",
            msgpack(obj(vec![(
                "secret_names",
                arr(vec![int(1), boolean(true)]),
            )])),
            Decodes,
        ),
        (
            "a 20 MB name",
            msgpack(names(&[huge_name.as_str()])),
            InvalidName,
        ),
        (
            "100,000 valid names",
            msgpack(names(&many_refs)),
            ValidNames,
        ),
        (
            "100,000 numbers where names are expected... as a map",
            msgpack(obj(vec![(
                "secret_names",
                obj(many_refs
                    .iter()
                    .take(100_000)
                    .map(|n| (*n, int(1)))
                    .collect()),
            )])),
            Broken,
        ),
        (
            "unknown extension 7 with a garbage payload",
            msgpack(obj(vec![("secret_names", ext(7, b"\xde\xad\xbe\xef"))])),
            Decodes,
        ),
        (
            "refined-unknown extension 12 with a garbage payload",
            msgpack(obj(vec![(
                "secret_names",
                ext(12, b"\xc1\xc1\xff\x00garbage"),
            )])),
            Decodes,
        ),
        (
            "refined-unknown extension 12 with mistyped refinements",
            msgpack(obj(vec![(
                "secret_names",
                ext(
                    12,
                    &mp(|o| {
                        rmp::encode::write_map_len(o, 3).unwrap();
                        o.extend(int(2));
                        o.extend(int(5));
                        o.extend(int(5));
                        o.extend(s("many"));
                        o.extend(int(99));
                        o.extend(arr(vec![nil(), nil()]));
                    }),
                ),
            )])),
            Decodes,
        ),
        (
            "an extension claiming 4 GiB",
            msgpack(obj(vec![(
                "secret_names",
                vec![0xc9, 0xff, 0xff, 0xff, 0xff, 0x0c],
            )])),
            Broken,
        ),
        (
            "an array claiming 4 billion elements",
            msgpack(obj(vec![(
                "secret_names",
                vec![0xdd, 0xff, 0xff, 0xff, 0xff],
            )])),
            Broken,
        ),
        (
            "a map claiming 4 billion entries",
            msgpack(vec![0xdf, 0xff, 0xff, 0xff, 0xff]),
            Broken,
        ),
        (
            "100,000 nested arrays in the set",
            msgpack(deep_inside),
            Broken,
        ),
        (
            "100,000 nested arrays at the root",
            msgpack(deep_root),
            Broken,
        ),
        (
            "unknown at the root",
            msgpack(vec![0xd4, 0x00, 0x00]),
            Decodes,
        ),
        (
            "unknown extension 7 at the root",
            msgpack(ext(7, b"\x01\x02\x03")),
            Decodes,
        ),
        ("null", msgpack(nil()), Decodes),
        ("an empty DynamicValue", msgpack(Vec::new()), Decodes),
        ("no DynamicValue", None, Decodes),
        (
            "a duplicated attribute",
            msgpack(mp(|o| {
                rmp::encode::write_map_len(o, 2).unwrap();
                o.extend(s("secret_names"));
                o.extend(arr(vec![s("a")]));
                o.extend(s("secret_names"));
                o.extend(int(5));
            })),
            Decodes,
        ),
        ("JSON: not JSON", json("{\"secret_names\": ["), Broken),
        (
            "JSON: a number where a set is expected",
            json("{\"secret_names\": 5}"),
            Broken,
        ),
        (
            "JSON: an unknown attribute",
            json("{\"bogus\": true}"),
            Broken,
        ),
        ("JSON: 100,000 nested arrays", json(deep_json), Broken),
        ("JSON: a 20 MB name", json(huge_json_name), InvalidName),
        (
            "JSON: not UTF-8",
            json(b"{\"secret_names\": [\"\xff\xfe\"]}".to_vec()),
            Broken,
        ),
    ]
}

/// Provider configurations that must not configure anything.
fn provider_payloads() -> Vec<(&'static str, Option<pb::DynamicValue>, bool)> {
    // (label, value, whether an error diagnostic is required)
    let huge = "x".repeat(TWENTY_MB);
    vec![
        ("reserved byte 0xc1", msgpack(vec![0xc1]), true),
        (
            "truncated",
            msgpack(obj(vec![("region", s("us-east-1"))])[..5].to_vec()),
            true,
        ),
        ("a string instead of an object", msgpack(s("abc")), true),
        (
            "region is a number",
            msgpack(obj(vec![("region", int(5))])),
            true,
        ),
        (
            "max_retries is a word",
            msgpack(obj(vec![("max_retries", s("many"))])),
            true,
        ),
        (
            "max_retries is 1e300",
            msgpack(obj(vec![("max_retries", float(1e300))])),
            true,
        ),
        (
            "max_retries is NaN",
            msgpack(obj(vec![("max_retries", float(f64::NAN))])),
            true,
        ),
        (
            "max_retries is -1",
            msgpack(obj(vec![("max_retries", int(-1))])),
            true,
        ),
        (
            "max_retries is 2^63-1",
            msgpack(obj(vec![("max_retries", int(i64::MAX))])),
            true,
        ),
        (
            "recovery_window_in_days is 1000",
            msgpack(obj(vec![("recovery_window_in_days", int(1000))])),
            true,
        ),
        (
            "endpoints is a string",
            msgpack(obj(vec![("endpoints", s("http://x"))])),
            true,
        ),
        (
            "an endpoint is a number",
            msgpack(obj(vec![(
                "endpoints",
                obj(vec![("secretsmanager", int(5))]),
            )])),
            true,
        ),
        (
            "an endpoint is not a URL",
            msgpack(obj(vec![
                ("region", s("us-east-1")),
                (
                    "endpoints",
                    obj(vec![("secretsmanager", s("::not a url::"))]),
                ),
            ])),
            true,
        ),
        (
            "a reserved default tag",
            msgpack(obj(vec![(
                "default_tags",
                obj(vec![("tags", obj(vec![("aws:reserved", s("x"))]))]),
            )])),
            true,
        ),
        (
            "default tags are a number",
            msgpack(obj(vec![("default_tags", obj(vec![("tags", int(5))]))])),
            true,
        ),
        (
            "an attribute the schema does not have",
            msgpack(obj(vec![("bogus", int(1))])),
            true,
        ),
        (
            "a 20 MB region",
            msgpack(obj(vec![("region", s(&huge))])),
            true,
        ),
        (
            "100,000 nested arrays",
            msgpack({
                let mut v = vec![0x91; DEEP];
                v.push(0xc0);
                v
            }),
            true,
        ),
        (
            "static credentials without a secret key",
            msgpack(obj(vec![
                ("region", s("us-east-1")),
                ("access_key", s("AKIAEXAMPLE")),
            ])),
            true,
        ),
        (
            "no region anywhere",
            msgpack(obj(vec![("skip_credentials_validation", boolean(true))])),
            true,
        ),
        ("JSON: not JSON", json("{\"region\":"), true),
        // Values known only after apply: configuration is deferred, which
        // is a normal answer.
        (
            "an unknown region (extension 7)",
            msgpack(obj(vec![("region", ext(7, b"\x00\x01"))])),
            false,
        ),
        (
            "an unknown configuration",
            msgpack(vec![0xd4, 0x00, 0x00]),
            false,
        ),
    ]
}

/// The provider block used once the malformed ones are done: it configures
/// the provider without any network call, towards a closed port.
fn harmless_provider_config() -> Option<pb::DynamicValue> {
    msgpack(obj(vec![
        ("region", s("us-east-1")),
        ("access_key", s("test")),
        ("secret_key", s("test")),
        ("skip_credentials_validation", boolean(true)),
        ("skip_requesting_account_id", boolean(true)),
        ("max_retries", int(0)),
        (
            "endpoints",
            obj(vec![("secretsmanager", s(NOWHERE)), ("sts", s(NOWHERE))]),
        ),
    ]))
}

// ---------------------------------------------------------------------------
// Checking answers

trait Diagnosed {
    fn diagnostics(&self) -> &[pb::Diagnostic];
}

macro_rules! diagnosed {
    ($($ty:ty),* $(,)?) => {
        $(impl Diagnosed for $ty {
            fn diagnostics(&self) -> &[pb::Diagnostic] {
                &self.diagnostics
            }
        })*
    };
}

diagnosed!(
    pb::validate_resource_config::Response,
    pb::validate_provider_config::Response,
    pb::configure_provider::Response,
    pb::plan_resource_change::Response,
    pb::apply_resource_change::Response,
    pb::read_resource::Response,
    pb::upgrade_resource_state::Response,
    pb::import_resource_state::Response,
    pb::generate_resource_config::Response,
);

#[derive(Clone, Copy, Debug, PartialEq)]
enum Expect {
    /// At least one error diagnostic.
    Error,
    /// A response, with or without errors.
    Answer,
    /// A response without error diagnostics.
    NoError,
}

#[derive(Default)]
struct Tally {
    calls: usize,
    failures: Vec<String>,
    slowest: (Duration, String),
}

impl Tally {
    async fn call<T: Diagnosed>(
        &mut self,
        label: String,
        expect: Expect,
        rpc: impl Future<Output = Result<tonic::Response<T>, tonic::Status>>,
    ) -> Option<T> {
        self.calls += 1;
        let started = Instant::now();
        let answer = tokio::time::timeout(ANSWER_WITHIN, rpc).await;
        let took = started.elapsed();
        if took > self.slowest.0 {
            self.slowest = (took, label.clone());
        }
        let response = match answer {
            Err(_) => {
                self.failures
                    .push(format!("{label}: no answer within {ANSWER_WITHIN:?}"));
                return None;
            }
            Ok(Err(status)) => {
                self.failures.push(format!(
                    "{label}: a gRPC error instead of a diagnostic: {status:?}"
                ));
                return None;
            }
            Ok(Ok(response)) => response.into_inner(),
        };
        let errors: Vec<&pb::Diagnostic> = response
            .diagnostics()
            .iter()
            .filter(|d| d.severity == pb::diagnostic::Severity::Error as i32)
            .collect();
        for d in &errors {
            if d.summary.trim().is_empty() || d.detail.trim().is_empty() {
                self.failures.push(format!(
                    "{label}: an error diagnostic without a summary or a detail: {d:?}"
                ));
            }
        }
        match expect {
            Expect::Error if errors.is_empty() => self.failures.push(format!(
                "{label}: expected an error diagnostic, got {:?}",
                response.diagnostics()
            )),
            Expect::NoError if !errors.is_empty() => self
                .failures
                .push(format!("{label}: expected no error, got {errors:?}")),
            _ => {}
        }
        Some(response)
    }
}

// ---------------------------------------------------------------------------
// Requests for `planton_aws_secrets` (other type names by struct update)

fn validate_request(config: Option<pb::DynamicValue>) -> pb::validate_resource_config::Request {
    pb::validate_resource_config::Request {
        type_name: RESOURCE.into(),
        config,
        ..Default::default()
    }
}

fn plan_request(
    prior: Option<pb::DynamicValue>,
    proposed: Option<pb::DynamicValue>,
    config: Option<pb::DynamicValue>,
) -> pb::plan_resource_change::Request {
    pb::plan_resource_change::Request {
        type_name: RESOURCE.into(),
        prior_state: prior,
        proposed_new_state: proposed,
        config,
        ..Default::default()
    }
}

fn apply_request(
    prior: Option<pb::DynamicValue>,
    planned: Option<pb::DynamicValue>,
    config: Option<pb::DynamicValue>,
) -> pb::apply_resource_change::Request {
    pb::apply_resource_change::Request {
        type_name: RESOURCE.into(),
        prior_state: prior,
        planned_state: planned,
        config,
        ..Default::default()
    }
}

fn read_request(current_state: Option<pb::DynamicValue>) -> pb::read_resource::Request {
    pb::read_resource::Request {
        type_name: RESOURCE.into(),
        current_state,
        ..Default::default()
    }
}

fn upgrade_request(version: i64, raw: &[u8]) -> pb::upgrade_resource_state::Request {
    upgrade_raw_request(
        version,
        Some(pb::RawState {
            json: raw.to_vec(),
            flatmap: Default::default(),
        }),
    )
}

fn upgrade_raw_request(
    version: i64,
    raw_state: Option<pb::RawState>,
) -> pb::upgrade_resource_state::Request {
    pb::upgrade_resource_state::Request {
        type_name: RESOURCE.into(),
        version,
        raw_state,
    }
}

fn import_request(id: &str) -> pb::import_resource_state::Request {
    pb::import_resource_state::Request {
        type_name: RESOURCE.into(),
        id: id.into(),
        ..Default::default()
    }
}

/// One request to each resource RPC that takes a type name, in the order
/// they are sent.
#[derive(Default)]
struct ResourceRequests {
    validate: pb::validate_resource_config::Request,
    plan: pb::plan_resource_change::Request,
    apply: pb::apply_resource_change::Request,
    read: pb::read_resource::Request,
    upgrade: pb::upgrade_resource_state::Request,
    import: pb::import_resource_state::Request,
}

impl ResourceRequests {
    /// Well-formed requests, but for resource type `type_name`.
    fn for_type(type_name: &str, valid: &Option<pb::DynamicValue>) -> ResourceRequests {
        let type_name = type_name.to_string();
        ResourceRequests {
            validate: pb::validate_resource_config::Request {
                type_name: type_name.clone(),
                ..validate_request(valid.clone())
            },
            plan: pb::plan_resource_change::Request {
                type_name: type_name.clone(),
                ..plan_request(None, valid.clone(), valid.clone())
            },
            apply: pb::apply_resource_change::Request {
                type_name: type_name.clone(),
                ..apply_request(None, None, valid.clone())
            },
            read: pb::read_resource::Request {
                type_name: type_name.clone(),
                ..read_request(valid.clone())
            },
            upgrade: pb::upgrade_resource_state::Request {
                type_name: type_name.clone(),
                ..upgrade_request(0, b"{}")
            },
            import: pb::import_resource_state::Request {
                type_name,
                ..import_request("app/prod/DB_PASSWORD")
            },
        }
    }

    /// Sends each request, labelled `label(rpc)`, expecting an error
    /// diagnostic from every one.
    async fn expect_errors(
        self,
        t: &mut Tally,
        client: &mut ProviderClient<Channel>,
        label: impl Fn(&str) -> String,
    ) {
        t.call(
            label("ValidateResourceConfig"),
            Expect::Error,
            client.validate_resource_config(self.validate),
        )
        .await;
        t.call(
            label("PlanResourceChange"),
            Expect::Error,
            client.plan_resource_change(self.plan),
        )
        .await;
        t.call(
            label("ApplyResourceChange"),
            Expect::Error,
            client.apply_resource_change(self.apply),
        )
        .await;
        t.call(
            label("ReadResource"),
            Expect::Error,
            client.read_resource(self.read),
        )
        .await;
        t.call(
            label("UpgradeResourceState"),
            Expect::Error,
            client.upgrade_resource_state(self.upgrade),
        )
        .await;
        t.call(
            label("ImportResourceState"),
            Expect::Error,
            client.import_resource_state(self.import),
        )
        .await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn malformed_requests_get_diagnostics_and_the_provider_survives() {
    let cert = go_plugin_cert();
    let mut provider = start_provider(&cert);
    let channel = provider.channel(&cert).await;
    let mut client = ProviderClient::new(channel.clone())
        .max_decoding_message_size(usize::MAX)
        .max_encoding_message_size(usize::MAX);
    let mut t = Tally::default();
    let valid = msgpack(names(&["app/prod/DB_PASSWORD"]));

    // As Terraform begins: the schema.
    let schema = client
        .get_provider_schema(pb::get_provider_schema::Request {})
        .await
        .expect("GetProviderSchema")
        .into_inner();
    assert!(schema.resource_schemas.contains_key(RESOURCE));

    // Resource values of every malformed kind, to every RPC that decodes
    // one. The provider is not configured yet, so nothing can reach AWS.
    for (what, value, shape) in resource_payloads() {
        let broken = shape == Shape::Broken;
        let must_fail = |also: bool| {
            if broken || also {
                Expect::Error
            } else {
                Expect::Answer
            }
        };
        t.call(
            format!("ValidateResourceConfig({what})"),
            match shape {
                Shape::ValidNames => Expect::NoError,
                Shape::InvalidName => Expect::Error,
                _ => must_fail(false),
            },
            client.validate_resource_config(validate_request(value.clone())),
        )
        .await;
        t.call(
            format!("PlanResourceChange(create, proposed and config: {what})"),
            // Names are checked by ValidateResourceConfig, which Terraform
            // always calls first; planning does not repeat it.
            must_fail(false),
            client.plan_resource_change(plan_request(None, value.clone(), value.clone())),
        )
        .await;
        t.call(
            format!("PlanResourceChange(prior state: {what})"),
            must_fail(false),
            client.plan_resource_change(plan_request(value.clone(), valid.clone(), valid.clone())),
        )
        .await;
        t.call(
            format!("ApplyResourceChange(null to null, config: {what})"),
            must_fail(false),
            client.apply_resource_change(apply_request(None, None, value.clone())),
        )
        .await;
        t.call(
            format!("ApplyResourceChange(planned: {what}, unconfigured)"),
            must_fail(false),
            client.apply_resource_change(apply_request(None, value.clone(), valid.clone())),
        )
        .await;
        t.call(
            format!("ReadResource(current state: {what}, unconfigured)"),
            must_fail(false),
            client.read_resource(read_request(value.clone())),
        )
        .await;
        t.call(
            format!("GenerateResourceConfig(state: {what})"),
            must_fail(false),
            client.generate_resource_config(pb::generate_resource_config::Request {
                type_name: RESOURCE.into(),
                state: value.clone(),
            }),
        )
        .await;
    }

    // Stored state that is not what any release wrote.
    let deep_json = format!("{}{}", "[".repeat(DEEP), "]".repeat(DEEP));
    let huge_json = format!(
        "{{\"id\": \"asm-1\", \"secret_names\": [\"{}\"]}}",
        "a".repeat(TWENTY_MB)
    );
    let upgrades: Vec<(&str, i64, Vec<u8>, Expect)> = vec![
        ("not JSON", 0, b"{\"id\":".to_vec(), Expect::Error),
        ("empty", 0, Vec::new(), Expect::Answer),
        ("an array", 0, b"[]".to_vec(), Expect::Error),
        ("a string", 0, b"\"state\"".to_vec(), Expect::Error),
        ("null", 0, b"null".to_vec(), Expect::Answer),
        (
            "a number where a set is expected",
            0,
            b"{\"secret_names\": 5}".to_vec(),
            Expect::Error,
        ),
        (
            "an unknown attribute",
            0,
            b"{\"id\": \"asm-1\", \"bogus\": 1}".to_vec(),
            Expect::Error,
        ),
        (
            "not UTF-8",
            0,
            b"{\"id\": \"\xff\xfe\"}".to_vec(),
            Expect::Error,
        ),
        (
            "100,000 nested arrays",
            0,
            deep_json.into_bytes(),
            Expect::Error,
        ),
        ("a 20 MB name", 0, huge_json.into_bytes(), Expect::Answer),
        ("from a newer release", 999, b"{}".to_vec(), Expect::Error),
        ("version -1", -1, b"{}".to_vec(), Expect::Error),
        ("version i64::MIN", i64::MIN, b"{}".to_vec(), Expect::Error),
    ];
    for (what, version, raw, expect) in upgrades {
        t.call(
            format!("UpgradeResourceState({what})"),
            expect,
            client.upgrade_resource_state(upgrade_request(version, &raw)),
        )
        .await;
    }
    t.call(
        "UpgradeResourceState(flatmap state)".into(),
        Expect::Error,
        client.upgrade_resource_state(upgrade_raw_request(
            0,
            Some(pb::RawState {
                json: Vec::new(),
                flatmap: [("secret_names.#".to_string(), "1".to_string())].into(),
            }),
        )),
    )
    .await;
    t.call(
        "UpgradeResourceState(no raw state)".into(),
        Expect::Answer,
        client.upgrade_resource_state(upgrade_raw_request(0, None)),
    )
    .await;

    // Type names no schema has, and empty requests.
    for type_name in [
        "planton_nope",
        "",
        "aws_secretsmanager_secret",
        "PLANTON_AWS_SECRETS",
    ] {
        ResourceRequests::for_type(type_name, &valid)
            .expect_errors(&mut t, &mut client, |rpc| {
                format!("{rpc}(type {type_name:?})")
            })
            .await;
    }
    ResourceRequests::default()
        .expect_errors(&mut t, &mut client, |rpc| format!("{rpc}(empty request)"))
        .await;
    t.call(
        "ImportResourceState(unconfigured)".into(),
        Expect::Error,
        client.import_resource_state(import_request("app/prod/DB_PASSWORD")),
    )
    .await;

    // Provider blocks that must not configure anything.
    for (what, value, must_fail) in provider_payloads() {
        let expect = if must_fail {
            Expect::Error
        } else {
            Expect::Answer
        };
        t.call(
            format!("ValidateProviderConfig({what})"),
            Expect::Answer,
            client.validate_provider_config(pb::validate_provider_config::Request {
                config: value.clone(),
            }),
        )
        .await;
        t.call(
            format!("ConfigureProvider({what})"),
            expect,
            client.configure_provider(pb::configure_provider::Request {
                terraform_version: "1.11.4".into(),
                config: value,
                ..Default::default()
            }),
        )
        .await;
    }
    t.call(
        "ConfigureProvider(empty request)".into(),
        Expect::Error,
        client.configure_provider(pb::configure_provider::Request::default()),
    )
    .await;

    // Configured (towards a closed port): bad import IDs are refused before
    // any AWS call; a well-formed one fails on the unreachable endpoint.
    t.call(
        "ConfigureProvider(harmless)".into(),
        Expect::NoError,
        client.configure_provider(pb::configure_provider::Request {
            terraform_version: "1.11.4".into(),
            config: harmless_provider_config(),
            ..Default::default()
        }),
    )
    .await;
    let long_name = "n".repeat(600);
    let megabyte_of_bad_names = vec!["bad name!"; 100_000].join(",");
    let bad_ids: Vec<(&str, &str)> = vec![
        ("empty", ""),
        ("a comma", ","),
        ("commas and spaces", " , ,, "),
        ("an empty name between two", "app/a,,app/b"),
        ("a space inside a name", "app/a b"),
        ("a forbidden character", "app/a!"),
        ("a 600-character name", &long_name),
        ("a NUL byte", "app/\0"),
        ("non-ASCII", "app/秘密"),
        ("a JSON list", "[\"app/a\"]"),
        ("1 MB of bad names", &megabyte_of_bad_names),
    ];
    for (what, id) in bad_ids {
        t.call(
            format!("ImportResourceState({what})"),
            Expect::Error,
            client.import_resource_state(import_request(id)),
        )
        .await;
    }
    t.call(
        "ImportResourceState(a good ID, AWS unreachable)".into(),
        Expect::Error,
        client.import_resource_state(import_request("app/prod/DB_PASSWORD")),
    )
    .await;
    t.call(
        "ApplyResourceChange(null to null, configured)".into(),
        Expect::NoError,
        client.apply_resource_change(apply_request(None, None, valid.clone())),
    )
    .await;
    for (what, value, shape) in resource_payloads() {
        if shape == Shape::Broken {
            t.call(
                format!("ApplyResourceChange(planned: {what}, configured)"),
                Expect::Error,
                client.apply_resource_change(apply_request(None, value.clone(), valid.clone())),
            )
            .await;
            t.call(
                format!("ReadResource(current state: {what}, configured)"),
                Expect::Error,
                client.read_resource(read_request(value)),
            )
            .await;
        }
    }

    // Still alive, healthy and answering; never panicked.
    let serving = health(&channel).await;
    let schema_again = client
        .get_provider_schema(pb::get_provider_schema::Request {})
        .await;
    let stderr = provider.stderr();
    let alive = provider.is_running();
    eprintln!(
        "malformed input: {} requests answered; slowest {:.2}s ({})",
        t.calls,
        t.slowest.0.as_secs_f64(),
        t.slowest.1
    );
    assert!(
        t.failures.is_empty(),
        "{} of {} requests were mishandled:\n{}\nstderr (tail):\n{}",
        t.failures.len(),
        t.calls,
        t.failures.join("\n"),
        tail(&stderr)
    );
    assert!(alive, "the provider exited; stderr:\n{}", tail(&stderr));
    assert_eq!(
        serving.ok(),
        Some(ServingStatus::Serving),
        "health after the malformed requests"
    );
    assert!(schema_again.is_ok(), "{schema_again:?}");
    assert!(
        !stderr.contains("panicked"),
        "the provider panicked:\n{}",
        tail(&stderr)
    );
}

fn tail(text: &str) -> &str {
    let start = text.len().saturating_sub(4000);
    let start = (start..text.len())
        .find(|i| text.is_char_boundary(*i))
        .unwrap_or(text.len());
    &text[start..]
}

// ---------------------------------------------------------------------------
// The value codec's round-trip property, bounded and seeded

use planton::tf::value;

#[path = "../fuzz/src/codec_check.rs"]
mod codec_check;

use value::{Number, Refinements, Type, Value};

/// A random value of type `ty`: known, null or unknown (with refinements)
/// at any level.
fn random_value(rng: &mut fastrand::Rng, ty: &Type, depth: usize) -> Value {
    match rng.u8(0..20) {
        0 => return Value::Null,
        1 => {
            let mut r = Refinements::default();
            if !matches!(ty, Type::Dynamic) && rng.bool() {
                r.not_null = true;
            }
            match ty {
                Type::String if rng.bool() => r.string_prefix = Some(random_string(rng)),
                Type::Number if rng.bool() => {
                    r.number_lower = Some((Number::from_i64(rng.i64(-1000..0)), rng.bool()));
                    r.number_upper = Some((Number::from_i64(rng.i64(0..1000)), rng.bool()));
                }
                Type::List(_) | Type::Set(_) | Type::Map(_) if rng.bool() => {
                    r.length_lower = Some(rng.u64(0..3));
                    r.length_upper = Some(rng.u64(3..10));
                }
                _ => {}
            }
            return Value::refined(r);
        }
        _ => {}
    }
    let n = if depth > 3 { 0 } else { rng.usize(0..4) };
    match ty {
        Type::String => Value::String(random_string(rng)),
        Type::Number => Value::Number(match rng.u8(0..4) {
            0 => Number::from_i64(rng.i64(..)),
            1 => Number::from_u64(rng.u64(..)),
            2 => Number::from_f64(rng.f64() * 1e6 - 5e5),
            _ => Number::parse(&format!(
                "{}.{}e{}",
                rng.u32(..),
                rng.u32(..),
                rng.i32(-400..400)
            ))
            .unwrap_or_else(|_| Number::from_i64(0)),
        }),
        Type::Bool => Value::Bool(rng.bool()),
        Type::Dynamic => {
            let inner = [
                Type::String,
                Type::Number,
                Type::list(Type::Bool),
                Type::map(Type::String),
            ];
            let ty = inner[rng.usize(0..inner.len())].clone();
            let v = random_value(rng, &ty, depth + 1);
            match v {
                Value::Unknown(_) => Value::unknown(),
                v => Value::dynamic(ty, v),
            }
        }
        Type::List(e) => Value::List((0..n).map(|_| random_value(rng, e, depth + 1)).collect()),
        Type::Set(e) => {
            let mut items: Vec<Value> = Vec::new();
            for _ in 0..n {
                let v = random_value(rng, e, depth + 1);
                if !items.contains(&v) {
                    items.push(v);
                }
            }
            Value::Set(items)
        }
        Type::Map(e) => Value::Map(
            (0..n)
                .map(|_| (random_string(rng), random_value(rng, e, depth + 1)))
                .collect(),
        ),
        Type::Tuple(es) => {
            Value::Tuple(es.iter().map(|e| random_value(rng, e, depth + 1)).collect())
        }
        Type::Object { attributes, .. } => Value::Object(
            attributes
                .iter()
                .map(|(k, e)| (k.clone(), random_value(rng, e, depth + 1)))
                .collect(),
        ),
    }
}

fn random_string(rng: &mut fastrand::Rng) -> String {
    let len = match rng.u8(0..10) {
        0 => rng.usize(200..400),
        _ => rng.usize(0..12),
    };
    (0..len)
        .map(|_| match rng.u8(0..10) {
            0 => rng.char(..),
            _ => rng.alphanumeric(),
        })
        .collect()
}

/// Random bytes, and random values encoded then damaged (bytes flipped,
/// cut, inserted), checked with the fuzz target's property. Seeded, so a
/// failure reproduces; `PLANTON_CODEC_ITERATIONS` raises the count.
#[test]
fn value_codec_round_trips_under_random_and_damaged_input() {
    let iterations: usize = std::env::var("PLANTON_CODEC_ITERATIONS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(20_000);
    let types = codec_check::types();
    let mut rng = fastrand::Rng::with_seed(0x00c0_dec0);
    for i in 0..iterations {
        let selector = rng.u8(..);
        let ty = &types[usize::from(selector) % types.len()];
        let mut bytes = match i % 4 {
            0 => {
                // Raw bytes, with the type picked by the first, exactly as
                // the fuzz target takes its input.
                let data: Vec<u8> = (0..rng.usize(1..64)).map(|_| rng.u8(..)).collect();
                codec_check::check(&data);
                data[1..].to_vec()
            }
            1 => {
                let v = random_value(&mut rng, ty, 0);
                match value::json::encode(&v, ty) {
                    Ok(b) => b,
                    Err(_) => value::msgpack::encode(&v, ty).unwrap_or_default(),
                }
            }
            _ => {
                let v = random_value(&mut rng, ty, 0);
                value::msgpack::encode(&v, ty)
                    .unwrap_or_else(|e| panic!("encoding a generated {v:?} at {ty:?}: {e}"))
            }
        };
        // Every value generated as above must survive the round trip whole.
        codec_check::check_as(&bytes, ty);
        // Then damaged.
        if !bytes.is_empty() && i % 4 != 0 {
            for _ in 0..rng.usize(1..4) {
                let at = rng.usize(0..bytes.len());
                match rng.u8(0..3) {
                    0 => bytes[at] = rng.u8(..),
                    1 => bytes.truncate(at),
                    _ => bytes.insert(at, rng.u8(..)),
                }
                if bytes.is_empty() {
                    break;
                }
            }
            codec_check::check_as(&bytes, ty);
        }
    }
}

// ---------------------------------------------------------------------------
// Resource identities and list resources (protocol 6.9 and 6.10)

const ID: &str = "asm-0123456789abcdef0123456789abcdef";

fn identity_value(account: Vec<u8>, region: Vec<u8>, id: Vec<u8>) -> Vec<u8> {
    obj(vec![
        ("account_id", account),
        ("region", region),
        ("id", id),
    ])
}

fn identity(bytes: Vec<u8>) -> Option<pb::ResourceIdentityData> {
    Some(pb::ResourceIdentityData {
        identity_data: msgpack(bytes),
    })
}

/// Identities that cannot be decoded at the identity type.
fn broken_identities() -> Vec<(&'static str, Vec<u8>)> {
    let good = identity_value(s("000000000000"), s("us-east-1"), s(ID));
    vec![
        ("reserved byte 0xc1", vec![0xc1]),
        ("a string", s("asm-1")),
        ("an array", arr(vec![s(ID)])),
        ("truncated", good[..good.len() / 2].to_vec()),
        ("trailing bytes", [good.clone(), vec![0x00]].concat()),
        ("id is a number", identity_value(nil(), nil(), int(7))),
        (
            "an unknown attribute",
            obj(vec![("id", s(ID)), ("bogus", s("x"))]),
        ),
        (
            "a 20 MB id",
            identity_value(nil(), nil(), s(&"a".repeat(TWENTY_MB))).split_off(3),
        ),
    ]
}

/// Checks that an answer has an error whose summary mentions `word`.
fn error_about(t: &mut Tally, label: &str, diagnostics: &[pb::Diagnostic], word: &str) {
    let found = diagnostics.iter().any(|d| {
        d.severity == pb::diagnostic::Severity::Error as i32
            && d.summary.to_lowercase().contains(word)
    });
    if !found {
        t.failures.push(format!(
            "{label}: expected an error about {word}, got {diagnostics:?}"
        ));
    }
}

impl Tally {
    /// [`Tally::call`] expecting an error whose summary mentions `word`.
    async fn call_error_about<T: Diagnosed>(
        &mut self,
        label: String,
        word: &str,
        rpc: impl Future<Output = Result<tonic::Response<T>, tonic::Status>>,
    ) -> Option<T> {
        let response = self.call(label.clone(), Expect::Error, rpc).await?;
        error_about(self, &label, response.diagnostics(), word);
        Some(response)
    }
}

diagnosed!(
    pb::upgrade_resource_identity::Response,
    pb::validate_list_resource_config::Response,
    pb::get_resource_identity_schemas::Response,
);

/// Runs a ListResource and returns its events; a gRPC error or a stream that
/// does not end in time is a failure.
async fn list_events(
    t: &mut Tally,
    client: &mut ProviderClient<Channel>,
    label: &str,
    request: pb::list_resource::Request,
) -> Vec<pb::list_resource::Event> {
    t.calls += 1;
    let run = async {
        let mut stream = client.list_resource(request).await?.into_inner();
        let mut events = Vec::new();
        while let Some(event) = stream.message().await? {
            events.push(event);
        }
        Ok::<_, tonic::Status>(events)
    };
    match tokio::time::timeout(ANSWER_WITHIN, run).await {
        Ok(Ok(events)) => events,
        Ok(Err(status)) => {
            t.failures.push(format!(
                "{label}: a gRPC error instead of an event: {status:?}"
            ));
            Vec::new()
        }
        Err(_) => {
            t.failures.push(format!(
                "{label}: the stream did not end within {ANSWER_WITHIN:?}"
            ));
            Vec::new()
        }
    }
}

/// One event carrying an error and nothing else.
fn one_error_event(t: &mut Tally, label: &str, events: &[pb::list_resource::Event]) {
    let ok = matches!(events, [event] if event.identity.is_none()
        && event.diagnostic.iter().any(|d| d.severity == pb::diagnostic::Severity::Error as i32
            && !d.detail.is_empty()));
    if !ok {
        t.failures
            .push(format!("{label}: expected one error event, got {events:?}"));
    }
}

fn list_request(type_name: &str, config: Option<pb::DynamicValue>) -> pb::list_resource::Request {
    pb::list_resource::Request {
        type_name: type_name.into(),
        config,
        include_resource_object: true,
        limit: 100,
    }
}

fn list_config(prefix: Vec<u8>, scheduled: Vec<u8>) -> Option<pb::DynamicValue> {
    msgpack(obj(vec![
        ("name_prefix", prefix),
        ("include_scheduled", scheduled),
    ]))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn identity_and_list_requests_get_diagnostics_and_the_provider_survives() {
    let cert = go_plugin_cert();
    let mut provider = start_provider(&cert);
    let channel = provider.channel(&cert).await;
    let mut client = ProviderClient::new(channel.clone())
        .max_decoding_message_size(usize::MAX)
        .max_encoding_message_size(usize::MAX);
    let mut t = Tally::default();
    let state = msgpack(names(&["app/prod/DB_PASSWORD"]));

    // Discovery: the identity schema, the list resource and its schema.
    let schemas = t
        .call(
            "GetResourceIdentitySchemas".into(),
            Expect::NoError,
            client.get_resource_identity_schemas(pb::get_resource_identity_schemas::Request {}),
        )
        .await
        .expect("identity schemas");
    let identity_schema = &schemas.identity_schemas[RESOURCE];
    assert_eq!(identity_schema.version, 0);
    let mut attributes: Vec<(&str, bool)> = identity_schema
        .identity_attributes
        .iter()
        .map(|a| (a.name.as_str(), a.required_for_import))
        .collect();
    attributes.sort();
    assert_eq!(
        attributes,
        [("account_id", false), ("id", true), ("region", false)]
    );
    let metadata = client
        .get_metadata(pb::get_metadata::Request {})
        .await
        .unwrap()
        .into_inner();
    assert_eq!(metadata.list_resources.len(), 1);
    assert_eq!(metadata.list_resources[0].type_name, RESOURCE);
    let schema = client
        .get_provider_schema(pb::get_provider_schema::Request {})
        .await
        .unwrap()
        .into_inner();
    let list_schema = schema.list_resource_schemas[RESOURCE]
        .block
        .clone()
        .unwrap();
    let mut list_attributes: Vec<&str> = list_schema
        .attributes
        .iter()
        .map(|a| a.name.as_str())
        .collect();
    list_attributes.sort();
    assert_eq!(list_attributes, ["include_scheduled", "name_prefix"]);

    // Identities that do not decode, in every request that carries one.
    for (what, bytes) in broken_identities() {
        let label = |rpc: &str| format!("{rpc}(identity: {what})");
        t.call_error_about(
            label("ReadResource"),
            "identity",
            client.read_resource(pb::read_resource::Request {
                current_identity: identity(bytes.clone()),
                ..read_request(state.clone())
            }),
        )
        .await;
        t.call_error_about(
            label("PlanResourceChange"),
            "identity",
            client.plan_resource_change(pb::plan_resource_change::Request {
                prior_identity: identity(bytes.clone()),
                ..plan_request(state.clone(), state.clone(), state.clone())
            }),
        )
        .await;
        t.call_error_about(
            label("ApplyResourceChange"),
            "identity",
            client.apply_resource_change(pb::apply_resource_change::Request {
                planned_identity: identity(bytes.clone()),
                ..apply_request(state.clone(), state.clone(), state.clone())
            }),
        )
        .await;
        t.call_error_about(
            label("ImportResourceState"),
            "identity",
            client.import_resource_state(pb::import_resource_state::Request {
                identity: identity(bytes.clone()),
                ..import_request("")
            }),
        )
        .await;
    }
    // An identity with parts unknown or missing cannot be imported.
    for (what, bytes) in [
        ("an unknown identity", ext(0, &[0xc0])),
        ("null", nil()),
        ("id unknown", identity_value(nil(), nil(), ext(0, &[0xc0]))),
        (
            "id null",
            identity_value(s("000000000000"), s("us-east-1"), nil()),
        ),
        ("no identity data", Vec::new()),
    ] {
        t.call_error_about(
            format!("ImportResourceState(identity: {what})"),
            "identity",
            client.import_resource_state(pb::import_resource_state::Request {
                identity: identity(bytes),
                ..import_request("")
            }),
        )
        .await;
    }

    // Stored identities.
    let upgrade =
        |version: i64, json: &[u8], type_name: &str| pb::upgrade_resource_identity::Request {
            type_name: type_name.into(),
            version,
            raw_identity: Some(pb::RawState {
                json: json.to_vec(),
                flatmap: Default::default(),
            }),
        };
    let stored = format!(r#"{{"account_id":"000000000000","region":"us-east-1","id":"{ID}"}}"#);
    let upgraded = t
        .call(
            "UpgradeResourceIdentity(current version)".into(),
            Expect::NoError,
            client.upgrade_resource_identity(upgrade(0, stored.as_bytes(), RESOURCE)),
        )
        .await;
    assert!(upgraded.is_some_and(|u| u.upgraded_identity.is_some()));
    for (what, version, json, type_name) in [
        ("a newer version", 1, stored.as_str(), RESOURCE),
        ("version -1", -1, stored.as_str(), RESOURCE),
        ("version i64::MIN", i64::MIN, stored.as_str(), RESOURCE),
        ("not JSON", 0, "{\"id\":", RESOURCE),
        ("empty", 0, "", RESOURCE),
        ("null", 0, "null", RESOURCE),
        ("an array", 0, "[]", RESOURCE),
        (
            "an unknown attribute",
            0,
            r#"{"id":"x","bogus":1}"#,
            RESOURCE,
        ),
        ("an unknown type", 0, stored.as_str(), "planton_nope"),
        ("no type", 0, stored.as_str(), ""),
    ] {
        t.call(
            format!("UpgradeResourceIdentity({what})"),
            Expect::Error,
            client.upgrade_resource_identity(upgrade(version, json.as_bytes(), type_name)),
        )
        .await;
    }
    t.call(
        "UpgradeResourceIdentity(no raw identity)".into(),
        Expect::Error,
        client.upgrade_resource_identity(pb::upgrade_resource_identity::Request {
            type_name: RESOURCE.into(),
            version: 0,
            raw_identity: None,
        }),
    )
    .await;

    // List configurations.
    let good_config = list_config(s("app/"), boolean(true));
    t.call(
        "ValidateListResourceConfig(valid)".into(),
        Expect::NoError,
        client.validate_list_resource_config(pb::validate_list_resource_config::Request {
            type_name: RESOURCE.into(),
            config: good_config.clone(),
            ..Default::default()
        }),
    )
    .await;
    t.call(
        "ValidateListResourceConfig(all null)".into(),
        Expect::NoError,
        client.validate_list_resource_config(pb::validate_list_resource_config::Request {
            type_name: RESOURCE.into(),
            config: list_config(nil(), nil()),
            ..Default::default()
        }),
    )
    .await;
    let bad_prefix = t
        .call(
            "ValidateListResourceConfig(a prefix with a space)".into(),
            Expect::Error,
            client.validate_list_resource_config(pb::validate_list_resource_config::Request {
                type_name: RESOURCE.into(),
                config: list_config(s("app prod"), nil()),
                ..Default::default()
            }),
        )
        .await;
    let path: Vec<String> = bad_prefix
        .and_then(|r| r.diagnostics.into_iter().next()?.attribute)
        .map(|a| {
            a.steps
                .into_iter()
                .map(|s| format!("{:?}", s.selector))
                .collect()
        })
        .unwrap_or_default();
    assert!(
        path.len() == 2 && path[0].contains("config") && path[1].contains("name_prefix"),
        "{path:?}"
    );
    let broken_configs: Vec<(&str, Option<pb::DynamicValue>)> = vec![
        ("reserved byte 0xc1", msgpack(vec![0xc1])),
        ("prefix is a number", list_config(int(3), nil())),
        ("include_scheduled is a word", list_config(nil(), s("yes"))),
        (
            "an unknown attribute",
            msgpack(obj(vec![("bogus", s("x"))])),
        ),
        (
            "a 600-character prefix",
            list_config(s(&"a".repeat(600)), nil()),
        ),
        ("an empty prefix", list_config(s(""), nil())),
        ("JSON garbage", json("{")),
    ];
    for (what, config) in &broken_configs {
        t.call(
            format!("ValidateListResourceConfig({what})"),
            Expect::Error,
            client.validate_list_resource_config(pb::validate_list_resource_config::Request {
                type_name: RESOURCE.into(),
                config: config.clone(),
                ..Default::default()
            }),
        )
        .await;
    }
    for type_name in ["planton_nope", "", "aws_secretsmanager_secret"] {
        t.call(
            format!("ValidateListResourceConfig(type {type_name:?})"),
            Expect::Error,
            client.validate_list_resource_config(pb::validate_list_resource_config::Request {
                type_name: type_name.into(),
                config: good_config.clone(),
                ..Default::default()
            }),
        )
        .await;
        let label = format!("ListResource(type {type_name:?})");
        let events = list_events(
            &mut t,
            &mut client,
            &label,
            list_request(type_name, good_config.clone()),
        )
        .await;
        one_error_event(&mut t, &label, &events);
    }
    for (what, config) in broken_configs {
        let label = format!("ListResource({what})");
        let events = list_events(&mut t, &mut client, &label, list_request(RESOURCE, config)).await;
        one_error_event(&mut t, &label, &events);
    }
    let label = "ListResource(unconfigured)";
    let events = list_events(
        &mut t,
        &mut client,
        label,
        list_request(RESOURCE, good_config.clone()),
    )
    .await;
    one_error_event(&mut t, label, &events);

    // Configured towards a closed port: place and shape are checked before
    // any call, so these fail with their own error, not the endpoint's.
    t.call(
        "ConfigureProvider(harmless)".into(),
        Expect::NoError,
        client.configure_provider(pb::configure_provider::Request {
            terraform_version: "1.16.0".into(),
            config: harmless_provider_config(),
            ..Default::default()
        }),
    )
    .await;
    for (what, account, region, id, word) in [
        (
            "another region",
            nil(),
            s("eu-west-1"),
            s(ID),
            "another region",
        ),
        ("a malformed account", s("12"), nil(), s(ID), "account_id"),
        ("a malformed region", nil(), s("Mars"), s(ID), "region"),
        ("a malformed id", nil(), nil(), s("asm-1"), "id"),
        (
            "an id with a newline",
            nil(),
            nil(),
            s(&format!("{ID}\n")),
            "id",
        ),
    ] {
        let label = format!("ImportResourceState(identity with {what}, configured)");
        if let Some(import) = t
            .call_error_about(
                label.clone(),
                word,
                client.import_resource_state(pb::import_resource_state::Request {
                    identity: identity(identity_value(account, region, id)),
                    ..import_request("")
                }),
            )
            .await
        {
            if import
                .diagnostics
                .iter()
                .any(|d| d.detail.contains("127.0.0.1:1"))
            {
                t.failures
                    .push(format!("{label}: an AWS call was made: {import:?}"));
            }
        }
    }
    t.call_error_about(
        "ImportResourceState(a good identity, AWS unreachable)".into(),
        "cannot look for",
        client.import_resource_state(pb::import_resource_state::Request {
            identity: identity(identity_value(nil(), nil(), s(ID))),
            ..import_request("")
        }),
    )
    .await;
    let label = "ListResource(configured, AWS unreachable)";
    let events = list_events(
        &mut t,
        &mut client,
        label,
        list_request(RESOURCE, good_config.clone()),
    )
    .await;
    one_error_event(&mut t, label, &events);
    let label = "ListResource(limit 0)";
    let events = list_events(
        &mut t,
        &mut client,
        label,
        pb::list_resource::Request {
            limit: 0,
            ..list_request(RESOURCE, good_config.clone())
        },
    )
    .await;
    if !events.is_empty() {
        t.failures
            .push(format!("{label}: expected no events, got {events:?}"));
    }
    for limit in [-1, i64::MIN] {
        let label = format!("ListResource(limit {limit})");
        let events = list_events(
            &mut t,
            &mut client,
            &label,
            pb::list_resource::Request {
                limit,
                ..list_request(RESOURCE, good_config.clone())
            },
        )
        .await;
        if !events.is_empty() {
            t.failures
                .push(format!("{label}: expected no events, got {events:?}"));
        }
    }

    let serving = health(&channel).await;
    let stderr = provider.stderr();
    eprintln!(
        "identities and lists: {} requests answered; slowest {:.2}s ({})",
        t.calls,
        t.slowest.0.as_secs_f64(),
        t.slowest.1
    );
    assert!(
        t.failures.is_empty(),
        "{} of {} requests were mishandled:\n{}\nstderr (tail):\n{}",
        t.failures.len(),
        t.calls,
        t.failures.join("\n"),
        tail(&stderr)
    );
    assert!(
        provider.is_running(),
        "the provider exited; stderr:\n{}",
        tail(&stderr)
    );
    assert_eq!(serving.ok(), Some(ServingStatus::Serving));
    assert!(
        !stderr.contains("panicked"),
        "the provider panicked:\n{}",
        tail(&stderr)
    );
}
