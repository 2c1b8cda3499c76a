//! What Terraform recorded and planned, read without running Terraform:
//! the state file of a working directory, the lines of `plan -json`, and
//! the read policy a `planton_aws_secrets` outputs.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value;

use super::workdir::{TfOutput, Workdir};

/// `terraform.tfstate` of a working directory (format version 4).
#[derive(Debug, Clone)]
pub struct TfState {
    pub raw: Value,
}

/// One `planton_aws_secrets` instance as recorded in state.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SecretsResource {
    pub id: String,
    pub secret_names: BTreeSet<String>,
    /// `secret_arn_map`.
    pub arns: BTreeMap<String, String>,
    pub read_policy_json: String,
    pub tags_all: BTreeMap<String, String>,
    /// Terraform marked the instance tainted (a create that returned errors).
    pub tainted: bool,
}

fn string_map(v: &Value) -> BTreeMap<String, String> {
    v.as_object()
        .map(|m| {
            m.iter()
                .map(|(k, v)| (k.clone(), v.as_str().unwrap_or_default().to_string()))
                .collect()
        })
        .unwrap_or_default()
}

impl TfState {
    /// Reads `terraform.tfstate`; an absent file is an empty state.
    pub fn read(wd: &Workdir) -> TfState {
        let path = wd.path().join("terraform.tfstate");
        let raw = match std::fs::read_to_string(&path) {
            Ok(text) => serde_json::from_str(&text)
                .unwrap_or_else(|e| panic!("{} is not JSON ({e}): {text}", path.display())),
            Err(_) => serde_json::json!({}),
        };
        TfState { raw }
    }

    /// The addresses of every resource instance recorded, such as
    /// `planton_aws_secrets.x` or `module.m.planton_aws_secrets.this`.
    pub fn addresses(&self) -> Vec<String> {
        self.resources().into_iter().map(|(addr, _)| addr).collect()
    }

    fn resources(&self) -> Vec<(String, Value)> {
        let mut out = Vec::new();
        for r in self.raw["resources"].as_array().into_iter().flatten() {
            if r["mode"] != "managed" {
                continue;
            }
            let base = format!(
                "{}.{}",
                r["type"].as_str().unwrap_or_default(),
                r["name"].as_str().unwrap_or_default()
            );
            let addr = match r["module"].as_str() {
                Some(m) => format!("{m}.{base}"),
                None => base,
            };
            for instance in r["instances"].as_array().into_iter().flatten() {
                out.push((addr.clone(), instance.clone()));
            }
        }
        out
    }

    /// The attributes of the root module's data source `<ty>.<name>`
    /// (its only instance), if recorded.
    pub fn data_source(&self, ty: &str, name: &str) -> Option<&Value> {
        self.raw["resources"]
            .as_array()?
            .iter()
            .find(|r| {
                r["mode"] == "data" && r["type"] == ty && r["name"] == name && r["module"].is_null()
            })
            .map(|r| &r["instances"][0]["attributes"])
    }

    /// The `planton_aws_secrets` instance at `address`, if recorded.
    pub fn secrets(&self, address: &str) -> Option<SecretsResource> {
        let (_, instance) = self
            .resources()
            .into_iter()
            .find(|(addr, _)| addr == address)?;
        let a = &instance["attributes"];
        Some(SecretsResource {
            id: a["id"].as_str().unwrap_or_default().to_string(),
            secret_names: a["secret_names"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(Value::as_str)
                .map(str::to_string)
                .collect(),
            arns: string_map(&a["secret_arn_map"]),
            read_policy_json: a["read_policy_json"]
                .as_str()
                .unwrap_or_default()
                .to_string(),
            tags_all: string_map(&a["tags_all"]),
            tainted: instance["status"] == "tainted",
        })
    }

    /// The resource identity recorded for the instance at `address`
    /// (Terraform 1.12 and later record one); `None` when there is none.
    pub fn identity(&self, address: &str) -> Option<Value> {
        self.resources()
            .into_iter()
            .find(|(addr, _)| addr == address)
            .and_then(|(_, instance)| instance.get("identity").cloned())
            .filter(|identity| !identity.is_null())
    }

    /// The value of root output `name`, if recorded.
    pub fn output(&self, name: &str) -> Option<&Value> {
        self.raw["outputs"].get(name).map(|o| &o["value"])
    }
}

/// What `terraform plan -json` (or `apply -json`) said.
#[derive(Debug, Clone, Default)]
pub struct PlanJson {
    /// (address, action) of every `planned_change`: `create`, `update`,
    /// `delete`, `replace`, ...
    pub changes: Vec<(String, String)>,
    /// (add, change, remove) of the `change_summary`.
    pub summary: Option<(u64, u64, u64)>,
    /// Every diagnostic, as JSON.
    pub diagnostics: Vec<Value>,
}

impl PlanJson {
    pub fn parse(out: &TfOutput) -> PlanJson {
        let mut plan = PlanJson::default();
        for line in out.json_lines() {
            match line["type"].as_str().unwrap_or_default() {
                "planned_change" => plan.changes.push((
                    line["change"]["resource"]["addr"]
                        .as_str()
                        .unwrap_or_default()
                        .to_string(),
                    line["change"]["action"]
                        .as_str()
                        .unwrap_or_default()
                        .to_string(),
                )),
                "change_summary" => {
                    let c = &line["changes"];
                    plan.summary = Some((
                        c["add"].as_u64().unwrap_or(0),
                        c["change"].as_u64().unwrap_or(0),
                        c["remove"].as_u64().unwrap_or(0),
                    ));
                }
                "diagnostic" => plan.diagnostics.push(line["diagnostic"].clone()),
                _ => {}
            }
        }
        plan
    }

    /// The diagnostics of `severity` (`error`, `warning`).
    pub fn diagnostics_of(&self, severity: &str) -> Vec<&Value> {
        self.diagnostics
            .iter()
            .filter(|d| d["severity"] == severity)
            .collect()
    }
}

/// What an IAM policy document allows: every statement must be a plain
/// `Allow` of `Action` on `Resource` (no `Deny`, `NotAction`,
/// `NotResource` or `Condition`, which would make "exactly" meaningless).
/// Returns (actions, resources) over all statements.
pub fn policy_grants(policy_json: &str) -> (BTreeSet<String>, BTreeSet<String>) {
    let policy: Value = serde_json::from_str(policy_json)
        .unwrap_or_else(|e| panic!("read_policy_json is not JSON ({e}): {policy_json}"));
    assert_eq!(policy["Version"], "2012-10-17", "{policy}");
    let statements = policy["Statement"]
        .as_array()
        .unwrap_or_else(|| panic!("Statement is not a list: {policy}"));
    assert!(!statements.is_empty(), "{policy}");
    let strings = |v: &Value| -> Vec<String> {
        match v {
            Value::String(s) => vec![s.clone()],
            Value::Array(a) => a
                .iter()
                .map(|x| {
                    x.as_str()
                        .unwrap_or_else(|| panic!("not a string: {x}"))
                        .to_string()
                })
                .collect(),
            other => panic!("expected a string or a list of strings, got {other}"),
        }
    };
    let mut actions = BTreeSet::new();
    let mut resources = BTreeSet::new();
    for s in statements {
        assert_eq!(s["Effect"], "Allow", "{policy}");
        for key in ["NotAction", "NotResource", "Condition", "Principal"] {
            assert!(s.get(key).is_none(), "unexpected {key}: {policy}");
        }
        actions.extend(strings(&s["Action"]));
        resources.extend(strings(&s["Resource"]));
    }
    (actions, resources)
}
