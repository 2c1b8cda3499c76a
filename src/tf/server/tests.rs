//! The service answering a toy provider: one resource with an identity,
//! one without, and a list resource. Identities and lists at the RPC level,
//! and proof that a resource without an identity answers as before.

use std::sync::Arc;

use async_trait::async_trait;
use tokio_stream::StreamExt;
use tonic::Request;

use super::ProviderService;
use crate::tf::convert::dynamic;
use crate::tf::diag::Diagnostics;
use crate::tf::list_resource::{ListRequest, ListResource, Listed};
use crate::tf::proto::tfplugin6 as pb;
use crate::tf::proto::tfplugin6::provider_server::Provider as _;
use crate::tf::provider::{ConfigureRequest, Context, PlanRequest, Planned, Provider, Resource};
use crate::tf::schema::{Attribute, Block, IdentityAttribute, IdentitySchema, Schema};
use crate::tf::value::{json, AttributePath, Type, Value};

const NAMED: &str = "toy_named";
const PLAIN: &str = "toy_plain";

struct Toy;

/// The configured client: the zone every object lives in.
struct Zone(&'static str);

#[async_trait]
impl Provider for Toy {
    type Client = Zone;

    fn name(&self) -> &'static str {
        "toy"
    }

    fn schema(&self) -> Schema {
        Schema::new(0, Block::new(""))
    }

    fn validate_config(&self, _config: &Value, _diags: &mut Diagnostics) {}

    async fn configure(&self, _: ConfigureRequest<'_>, _: &mut Diagnostics) -> Option<Zone> {
        Some(Zone("z1"))
    }

    fn resources(&self) -> Vec<Arc<dyn Resource<Zone>>> {
        vec![
            Arc::new(Thing { identity: true }),
            Arc::new(Thing { identity: false }),
        ]
    }

    fn list_resources(&self) -> Vec<Arc<dyn ListResource<Zone>>> {
        vec![Arc::new(ThingList(NAMED)), Arc::new(ThingList(PLAIN))]
    }
}

/// `{name (required), id (computed)}`; with an identity `{id, zone}`.
struct Thing {
    identity: bool,
}

fn thing_schema() -> Schema {
    Schema::new(
        0,
        Block::new("")
            .attribute(Attribute::required("name", Type::String))
            .attribute(Attribute::computed("id", Type::String)),
    )
}

fn thing_identity_type() -> Type {
    Type::object([("id", Type::String), ("zone", Type::String)])
}

fn thing(name: &str, id: Value) -> Value {
    Value::object([("name", Value::string(name)), ("id", id)])
}

fn identity(id: Value, zone: &str) -> Value {
    Value::object([("id", id), ("zone", Value::string(zone))])
}

#[async_trait]
impl Resource<Zone> for Thing {
    fn type_name(&self) -> &'static str {
        if self.identity {
            NAMED
        } else {
            PLAIN
        }
    }

    fn schema(&self) -> Schema {
        thing_schema()
    }

    fn identity_schema(&self) -> Option<IdentitySchema> {
        self.identity.then(|| {
            IdentitySchema::new(2)
                .attribute(IdentityAttribute::required_for_import(
                    "id",
                    Type::String,
                    "the thing's id",
                ))
                .attribute(IdentityAttribute::optional_for_import(
                    "zone",
                    Type::String,
                    "",
                ))
        })
    }

    fn identity(&self, ctx: &Context<'_, Zone>, state: &Value, _held: &Value) -> Value {
        let zone = ctx.client_if_configured().map_or("?", |z| z.0);
        identity(state.get_attribute("id").cloned().unwrap(), zone)
    }

    async fn plan(
        &self,
        _: &Context<'_, Zone>,
        request: PlanRequest<'_>,
        _: &mut Diagnostics,
    ) -> Option<Planned> {
        let name = request.config.get_attribute("name")?.as_str()?;
        let id = match request.prior {
            Value::Null => Value::unknown(),
            prior => prior.get_attribute("id")?.clone(),
        };
        Some(Planned {
            state: thing(name, id),
            requires_replace: Vec::new(),
            private: Vec::new(),
        })
    }

    async fn create(
        &self,
        _: &Context<'_, Zone>,
        planned: &Value,
        _: &Value,
        _: &mut Diagnostics,
    ) -> Value {
        let name = planned.get_attribute("name").unwrap().as_str().unwrap();
        thing(name, Value::string(format!("id-{name}")))
    }

    async fn update(
        &self,
        _: &Context<'_, Zone>,
        _: &Value,
        planned: &Value,
        _: &Value,
        _: &mut Diagnostics,
    ) -> Value {
        planned.clone()
    }

    async fn delete(
        &self,
        _: &Context<'_, Zone>,
        _: &Value,
        _: &[u8],
        _: &mut Diagnostics,
    ) -> Value {
        Value::Null
    }

    async fn read(&self, _: &Context<'_, Zone>, state: &Value, _: &mut Diagnostics) -> Value {
        state.clone()
    }

    async fn import(&self, _: &Context<'_, Zone>, id: &str, _: &mut Diagnostics) -> Value {
        thing("imported", Value::string(id))
    }

    async fn import_by_identity(
        &self,
        _: &Context<'_, Zone>,
        identity: &Value,
        _: &mut Diagnostics,
    ) -> Value {
        thing("by-identity", identity.get_attribute("id").unwrap().clone())
    }
}

/// Lists `count` things (config `count`, a number), with a warning.
struct ThingList(&'static str);

#[async_trait]
impl ListResource<Zone> for ThingList {
    fn type_name(&self) -> &'static str {
        self.0
    }

    fn schema(&self) -> Schema {
        Schema::new(
            0,
            Block::new("").attribute(Attribute::optional("count", Type::Number)),
        )
    }

    fn validate_config(&self, config: &Value, diags: &mut Diagnostics) {
        if config
            .get_attribute("count")
            .and_then(Value::as_number)
            .is_some_and(|n| n.to_string() == "13")
        {
            diags.error_at(
                AttributePath::root("count"),
                "Unlucky",
                "Pick another count.",
            );
        }
    }

    async fn list(
        &self,
        _: &Context<'_, Zone>,
        request: ListRequest<'_>,
        diags: &mut Diagnostics,
    ) -> Vec<Listed> {
        let count: usize = match request
            .config
            .get_attribute("count")
            .and_then(Value::as_number)
        {
            Some(n) => n.to_string().parse().unwrap(),
            None => 3,
        };
        diags.warning("Listing is a toy", "Nothing real was listed.");
        (0..count)
            .map(|i| Listed {
                identity: identity(Value::string(format!("id-{i}")), "z1"),
                display_name: format!("thing {i}"),
                resource: Some(thing(&format!("n{i}"), Value::string(format!("id-{i}")))),
            })
            .collect()
    }
}

async fn service() -> ProviderService<Toy> {
    let service = ProviderService::new(Toy);
    let answer = service
        .configure_provider(Request::new(pb::configure_provider::Request {
            config: Some(
                dynamic::encode(&Value::object::<&str>([]), &Type::object::<&str>([]), "c")
                    .unwrap(),
            ),
            ..Default::default()
        }))
        .await
        .unwrap()
        .into_inner();
    assert!(answer.diagnostics.is_empty(), "{answer:?}");
    service
}

fn encoded(value: &Value, ty: &Type) -> Option<pb::DynamicValue> {
    Some(dynamic::encode(value, ty, "test").unwrap())
}

fn decoded_identity(data: Option<pb::ResourceIdentityData>) -> Value {
    dynamic::decode(
        data.unwrap().identity_data.as_ref(),
        &thing_identity_type(),
        "t",
    )
    .unwrap()
}

fn errors(diags: &[pb::Diagnostic]) -> Vec<&pb::Diagnostic> {
    diags
        .iter()
        .filter(|d| d.severity == pb::diagnostic::Severity::Error as i32)
        .collect()
}

#[tokio::test]
async fn identity_schemas_name_only_resources_with_one() {
    let service = service().await;
    let schemas = service
        .get_resource_identity_schemas(Request::new(Default::default()))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(schemas.identity_schemas.keys().collect::<Vec<_>>(), [NAMED]);
    let named = &schemas.identity_schemas[NAMED];
    assert_eq!(named.version, 2);
    assert_eq!(named.identity_attributes.len(), 2);

    let metadata = service
        .get_metadata(Request::new(Default::default()))
        .await
        .unwrap()
        .into_inner();
    let listed: Vec<_> = metadata
        .list_resources
        .iter()
        .map(|l| l.type_name.as_str())
        .collect();
    assert_eq!(listed, [NAMED, PLAIN]);
    let schema = service
        .get_provider_schema(Request::new(Default::default()))
        .await
        .unwrap()
        .into_inner();
    assert!(schema.list_resource_schemas.contains_key(NAMED));
}

#[tokio::test]
async fn every_resource_answer_carries_the_identity() {
    let service = service().await;
    let ty = thing_schema().value_type();
    let config = thing("a", Value::Null);

    // Plan to create: the id is not known yet, so no identity (Terraform
    // cannot show an identity with unknown parts).
    let plan = service
        .plan_resource_change(Request::new(pb::plan_resource_change::Request {
            type_name: NAMED.into(),
            proposed_new_state: encoded(&config, &ty),
            config: encoded(&config, &ty),
            ..Default::default()
        }))
        .await
        .unwrap()
        .into_inner();
    assert!(plan.diagnostics.is_empty(), "{plan:?}");
    assert!(plan.planned_identity.is_none(), "{plan:?}");

    let apply = service
        .apply_resource_change(Request::new(pb::apply_resource_change::Request {
            type_name: NAMED.into(),
            planned_state: plan.planned_state,
            config: encoded(&config, &ty),
            planned_identity: plan.planned_identity,
            ..Default::default()
        }))
        .await
        .unwrap()
        .into_inner();
    let applied = identity(Value::string("id-a"), "z1");
    assert_eq!(decoded_identity(apply.new_identity.clone()), applied);

    // Plan to update: the identity is known.
    let update = service
        .plan_resource_change(Request::new(pb::plan_resource_change::Request {
            type_name: NAMED.into(),
            prior_state: apply.new_state.clone(),
            proposed_new_state: apply.new_state.clone(),
            config: encoded(&config, &ty),
            prior_identity: apply.new_identity.clone(),
            ..Default::default()
        }))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(decoded_identity(update.planned_identity), applied);

    let read = service
        .read_resource(Request::new(pb::read_resource::Request {
            type_name: NAMED.into(),
            current_state: apply.new_state.clone(),
            current_identity: apply.new_identity,
            ..Default::default()
        }))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(decoded_identity(read.new_identity), applied);

    let import = service
        .import_resource_state(Request::new(pb::import_resource_state::Request {
            type_name: NAMED.into(),
            id: "x".into(),
            ..Default::default()
        }))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(
        decoded_identity(import.imported_resources[0].identity.clone()),
        identity(Value::string("x"), "z1")
    );

    // A destroy: no identity left.
    let destroy = service
        .apply_resource_change(Request::new(pb::apply_resource_change::Request {
            type_name: NAMED.into(),
            prior_state: apply.new_state,
            ..Default::default()
        }))
        .await
        .unwrap()
        .into_inner();
    assert!(destroy.new_state.is_none() || destroy.new_identity.is_none());
    assert!(destroy.new_identity.is_none());
}

#[tokio::test]
async fn a_resource_without_identity_ignores_one_and_answers_as_before() {
    let service = service().await;
    let ty = thing_schema().value_type();
    let state = thing("a", Value::string("id-a"));
    let read = |current_identity| {
        service.read_resource(Request::new(pb::read_resource::Request {
            type_name: PLAIN.into(),
            current_state: encoded(&state, &ty),
            current_identity,
            ..Default::default()
        }))
    };
    let without = read(None).await.unwrap().into_inner();
    let garbage = Some(pb::ResourceIdentityData {
        identity_data: Some(pb::DynamicValue {
            msgpack: vec![0xc1],
            json: Vec::new(),
        }),
    });
    let with = read(garbage.clone()).await.unwrap().into_inner();
    assert_eq!(without, with);
    assert!(with.new_identity.is_none() && with.diagnostics.is_empty());

    let plan = service
        .plan_resource_change(Request::new(pb::plan_resource_change::Request {
            type_name: PLAIN.into(),
            prior_state: encoded(&state, &ty),
            proposed_new_state: encoded(&state, &ty),
            config: encoded(&state, &ty),
            prior_identity: garbage.clone(),
            ..Default::default()
        }))
        .await
        .unwrap()
        .into_inner();
    assert!(
        plan.planned_identity.is_none() && plan.diagnostics.is_empty(),
        "{plan:?}"
    );

    // An identity import of it is its ID import with an empty ID.
    let import = service
        .import_resource_state(Request::new(pb::import_resource_state::Request {
            type_name: PLAIN.into(),
            identity: garbage,
            ..Default::default()
        }))
        .await
        .unwrap()
        .into_inner();
    assert!(import.imported_resources[0].identity.is_none());

    let upgrade = service
        .upgrade_resource_identity(Request::new(pb::upgrade_resource_identity::Request {
            type_name: PLAIN.into(),
            version: 0,
            raw_identity: Some(pb::RawState {
                json: b"{}".to_vec(),
                flatmap: Default::default(),
            }),
        }))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(errors(&upgrade.diagnostics).len(), 1, "{upgrade:?}");
}

#[tokio::test]
async fn import_by_identity_checks_the_identity_first() {
    let service = service().await;
    let import = |identity_data| {
        service.import_resource_state(Request::new(pb::import_resource_state::Request {
            type_name: NAMED.into(),
            identity: Some(pb::ResourceIdentityData { identity_data }),
            ..Default::default()
        }))
    };
    let good = import(encoded(
        &identity(Value::string("k"), "z9"),
        &thing_identity_type(),
    ))
    .await
    .unwrap()
    .into_inner();
    assert!(good.diagnostics.is_empty(), "{good:?}");
    let resource = &good.imported_resources[0];
    assert_eq!(
        decoded_identity(resource.identity.clone()),
        identity(Value::string("k"), "z1")
    );

    let missing = import(encoded(
        &identity(Value::Null, "z1"),
        &thing_identity_type(),
    ))
    .await
    .unwrap()
    .into_inner();
    let [error] = &errors(&missing.diagnostics)[..] else {
        panic!("{missing:?}")
    };
    assert!(error.summary.contains("\"id\""), "{error:?}");
    assert!(error.attribute.is_some());
    assert!(missing.imported_resources.is_empty());

    let unknown = import(encoded(
        &identity(Value::unknown(), "z1"),
        &thing_identity_type(),
    ))
    .await
    .unwrap()
    .into_inner();
    assert_eq!(errors(&unknown.diagnostics).len(), 1);

    for bytes in [
        vec![0xc1],
        vec![0x92, 0x01],
        vec![0x81, 0xa2, b'n', b'o', 0x01],
    ] {
        let broken = import(Some(pb::DynamicValue {
            msgpack: bytes.clone(),
            json: Vec::new(),
        }))
        .await
        .unwrap()
        .into_inner();
        assert_eq!(
            errors(&broken.diagnostics).len(),
            1,
            "{bytes:?}: {broken:?}"
        );
        assert!(broken.imported_resources.is_empty());
    }
    // Neither an ID nor an identity.
    let empty = import(None).await.unwrap().into_inner();
    assert_eq!(errors(&empty.diagnostics).len(), 1, "{empty:?}");
}

#[tokio::test]
async fn identity_upgrades_decode_the_current_version_only() {
    let service = service().await;
    let upgrade = |version, json: &[u8]| {
        service.upgrade_resource_identity(Request::new(pb::upgrade_resource_identity::Request {
            type_name: NAMED.into(),
            version,
            raw_identity: Some(pb::RawState {
                json: json.to_vec(),
                flatmap: Default::default(),
            }),
        }))
    };
    let current = upgrade(2, br#"{"id":"k","zone":"z1"}"#)
        .await
        .unwrap()
        .into_inner();
    assert!(current.diagnostics.is_empty(), "{current:?}");
    assert_eq!(
        dynamic::decode(
            current.upgraded_identity.unwrap().identity_data.as_ref(),
            &thing_identity_type(),
            "t"
        )
        .unwrap(),
        json::decode(br#"{"id":"k","zone":"z1"}"#, &thing_identity_type()).unwrap()
    );
    for (version, raw) in [
        (3, &br#"{"id":"k"}"#[..]),
        (1, br#"{"id":"k"}"#),
        (i64::MIN, b"{}"),
        (2, b"{\"id\":"),
        (2, b"[]"),
        (2, b""),
        (2, b"null"),
        (2, br#"{"id":"k","bogus":1}"#),
    ] {
        let answer = upgrade(version, raw).await.unwrap().into_inner();
        assert_eq!(
            errors(&answer.diagnostics).len(),
            1,
            "{version} {raw:?}: {answer:?}"
        );
        assert!(answer.upgraded_identity.is_none());
    }
}

async fn list(
    service: &ProviderService<Toy>,
    request: pb::list_resource::Request,
) -> Vec<pb::list_resource::Event> {
    let stream = service
        .list_resource(Request::new(request))
        .await
        .unwrap()
        .into_inner();
    stream.map(|e| e.unwrap()).collect().await
}

fn list_request(count: Option<i64>, include: bool, limit: i64) -> pb::list_resource::Request {
    let ty = Type::object([("count", Type::Number)]);
    let config = Value::object([("count", count.map_or(Value::Null, Value::number))]);
    pb::list_resource::Request {
        type_name: NAMED.into(),
        config: encoded(&config, &ty),
        include_resource_object: include,
        limit,
    }
}

#[tokio::test]
async fn lists_stream_warnings_then_results_within_the_limit() {
    let service = service().await;
    let events = list(&service, list_request(Some(5), true, 4)).await;
    assert_eq!(events.len(), 5, "{events:?}");
    assert_eq!(events[0].diagnostic.len(), 1);
    assert!(events[0].identity.is_none());
    for (i, event) in events[1..].iter().enumerate() {
        assert_eq!(event.display_name, format!("thing {i}"));
        assert_eq!(
            decoded_identity(event.identity.clone()),
            identity(Value::string(format!("id-{i}")), "z1")
        );
        let object = dynamic::decode(
            event.resource_object.as_ref(),
            &thing_schema().value_type(),
            "t",
        )
        .unwrap();
        assert_eq!(
            object.get_attribute("name"),
            Some(&Value::string(format!("n{i}")))
        );
    }
    let without_objects = list(&service, list_request(None, false, 100)).await;
    assert_eq!(without_objects.len(), 4);
    assert!(without_objects.iter().all(|e| e.resource_object.is_none()));
    for limit in [0, -1, i64::MIN] {
        let events = list(&service, list_request(Some(5), true, limit)).await;
        assert_eq!(events.len(), 1, "limit {limit}: {events:?}");
    }
}

#[tokio::test]
async fn list_errors_come_as_one_event_and_never_fail_the_stream() {
    let service = service().await;
    let unknown_type = list(
        &service,
        pb::list_resource::Request {
            type_name: "toy_nope".into(),
            ..list_request(None, false, 10)
        },
    )
    .await;
    let without_identity = list(
        &service,
        pb::list_resource::Request {
            type_name: PLAIN.into(),
            ..list_request(None, false, 10)
        },
    )
    .await;
    let broken_config = list(
        &service,
        pb::list_resource::Request {
            config: Some(pb::DynamicValue {
                msgpack: vec![0x81, 0xa1, b'x', 0x01],
                json: Vec::new(),
            }),
            ..list_request(None, false, 10)
        },
    )
    .await;
    for events in [unknown_type, without_identity, broken_config] {
        let [event] = &events[..] else {
            panic!("{events:?}")
        };
        assert_eq!(errors(&event.diagnostic).len(), 1, "{event:?}");
        assert!(event.identity.is_none());
    }

    let validate = |count: i64| {
        service.validate_list_resource_config(Request::new(
            pb::validate_list_resource_config::Request {
                type_name: NAMED.into(),
                config: list_request(Some(count), false, 1).config,
                ..Default::default()
            },
        ))
    };
    assert!(validate(3)
        .await
        .unwrap()
        .into_inner()
        .diagnostics
        .is_empty());
    let unlucky = validate(13).await.unwrap().into_inner();
    assert_eq!(errors(&unlucky.diagnostics).len(), 1);
    // The path starts at the list block's `config` block.
    let path = unlucky.diagnostics[0].attribute.as_ref().unwrap();
    assert_eq!(path.steps.len(), 2, "{path:?}");
    let unknown = service
        .validate_list_resource_config(Request::new(pb::validate_list_resource_config::Request {
            type_name: "toy_nope".into(),
            ..Default::default()
        }))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(errors(&unknown.diagnostics).len(), 1);
}
