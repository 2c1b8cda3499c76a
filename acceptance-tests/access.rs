//! Read access for every consumer: the resource's read_policy_documents at a
//! few hundred realistic names (kept when a name is dropped and one added), a
//! second working directory reading a subset through the data source (reads
//! only), the function's policy equal to the data source's where the client
//! has provider functions, and the data source refusing a missing and a
//! scheduled name.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value;

use crate::harness::terraform::report;
use crate::harness::{for_each_terraform, hcl_list, policy_grants, secrets_resource, Scenario};

/// IAM's managed-policy limit, in characters without whitespace.
const IAM_LIMIT: usize = 6_144;

fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn strings(v: Option<&Value>) -> Vec<String> {
    serde_json::from_value(v.cloned().unwrap_or_default())
        .unwrap_or_else(|e| panic!("expected a list of strings ({e}): {v:?}"))
}

fn string_map(v: Option<&Value>) -> BTreeMap<String, String> {
    serde_json::from_value(v.cloned().unwrap_or_default())
        .unwrap_or_else(|e| panic!("expected a map of strings ({e}): {v:?}"))
}

/// The size the first plan's warning predicts: "read_policy_json will be N
/// characters".
fn predicted_size(said: &str) -> Option<usize> {
    let (_, rest) = said.split_once("read_policy_json will be ")?;
    rest.split_once(" characters")?.0.parse().ok()
}

/// Names shaped like a platform team's: team / environment / service / key.
fn realistic_names(sc: &Scenario, count: usize) -> Vec<String> {
    (0..count)
        .map(|i| {
            sc.name(&format!(
                "team-{}/production/service-{i:03}/DATABASE_PASSWORD",
                i % 7
            ))
        })
        .collect()
}

#[test]
fn documents_fit_iam_and_consumers_read_exact_grants() {
    for_each_terraform("documents_fit_iam_and_consumers_read_exact_grants", |tf| {
        // The platform workspace: one resource with 300 names.
        let platform = Scenario::new(tf, "access-platform");
        let names = realistic_names(&platform, 300);
        let refs: Vec<&str> = names.iter().map(String::as_str).collect();
        let platform_main = |names: &[&str]| {
            format!(
                "{}\noutput \"documents\" {{\n  value = planton_aws_secrets.all.read_policy_documents\n}}\n",
                secrets_resource("all", names)
            )
        };
        platform.write_main("", &platform_main(&refs));
        platform.init();
        // The first plan already warns: the ARNs do not exist yet, but
        // their length is known.
        let first = platform.plan_code(2);
        let said_first = one_line(&first.combined());
        let predicted = predicted_size(&said_first).unwrap_or_else(|| {
            panic!(
                "no oversized-policy warning on the first plan: {}",
                first.describe()
            )
        });
        assert!(
            said_first.contains("for 300 secrets once the 300 being added exist"),
            "{}",
            first.describe()
        );
        assert_eq!(platform.proxy.count("CreateSecret"), 0);
        platform.apply();
        let state = platform.state();
        let server: BTreeMap<String, String> = names
            .iter()
            .map(|n| (n.clone(), platform.describe(n).arn))
            .collect();
        let recorded = platform.secrets("planton_aws_secrets.all");
        assert_eq!(recorded.arns, server);

        // Every document fits, grants only reads, and together they grant
        // exactly the ARNs, each once.
        let documents = strings(state.output("documents"));
        assert!(documents.len() > 1, "{} documents", documents.len());
        let mut granted = Vec::new();
        for document in &documents {
            let size = document.chars().filter(|c| !c.is_whitespace()).count();
            assert!(size <= IAM_LIMIT, "a document of {size} characters");
            let (actions, resources) = policy_grants(document);
            assert_eq!(
                actions,
                BTreeSet::from([
                    "secretsmanager:DescribeSecret".to_owned(),
                    "secretsmanager:GetSecretValue".to_owned()
                ])
            );
            granted.extend(resources);
        }
        assert_eq!(granted.len(), server.len(), "an ARN in two documents");
        let granted: BTreeSet<String> = granted.into_iter().collect();
        assert_eq!(granted, server.values().cloned().collect::<BTreeSet<_>>());
        let single = recorded.read_policy_json.len();
        assert!(single > IAM_LIMIT);
        assert_eq!(
            predicted, single,
            "the first plan's prediction against the real size"
        );
        report(&format!(
            "acceptance: 300 names: read_policy_json {single} characters, {} documents of {:?}",
            documents.len(),
            documents.iter().map(String::len).collect::<Vec<_>>()
        ));

        // The next plan is empty and warns of nothing: the size warning was
        // for the plan that created the policy over the limit.
        let plan = platform.assert_empty_plan();
        let said = one_line(&plan.combined());
        assert!(!said.contains("Warning"), "{}", plan.describe());

        // A consumer workspace reads a subset through the data source.
        let consumer = Scenario::new(tf, "access-consumer");
        let subset: Vec<&str> = refs.iter().copied().step_by(10).collect();
        let function_output = if tf.supports_functions() {
            "output \"function_policy\" {\n  value = provider::planton::read_policy_json(values(data.planton_aws_secrets.app.secret_arn_map))\n}\n"
        } else {
            ""
        };
        consumer.write_main(
            "",
            &format!(
                "data \"planton_aws_secrets\" \"app\" {{\n  secret_names = {}\n}}\n\noutput \"arns\" {{\n  value = data.planton_aws_secrets.app.secret_arn_map\n}}\n\noutput \"policy\" {{\n  value = data.planton_aws_secrets.app.read_policy_json\n}}\n\noutput \"documents\" {{\n  value = data.planton_aws_secrets.app.read_policy_documents\n}}\n{function_output}",
                hcl_list(&subset)
            ),
        );
        consumer.init();
        consumer.apply();
        let read = consumer.state();
        let arns = string_map(read.output("arns"));
        let expected: BTreeMap<String, String> = subset
            .iter()
            .map(|n| ((*n).to_owned(), server[*n].clone()))
            .collect();
        assert_eq!(arns, expected);
        let policy = read
            .output("policy")
            .and_then(Value::as_str)
            .expect("the data source's read_policy_json")
            .to_owned();
        let (_, resources) = policy_grants(&policy);
        assert_eq!(
            resources,
            expected.values().cloned().collect::<BTreeSet<_>>()
        );
        assert_eq!(strings(read.output("documents")), vec![policy.clone()]);
        let operations = consumer.proxy.operation_set();
        assert_eq!(
            operations,
            BTreeSet::from(["DescribeSecret".to_owned()]),
            "the data source may only read"
        );
        if tf.supports_functions() {
            let from_function = read.output("function_policy").and_then(Value::as_str);
            assert_eq!(from_function, Some(policy.as_str()));
            report(&format!(
                "acceptance: provider function read_policy_json ran with {}",
                tf.name()
            ));
        } else {
            report(&format!(
                "acceptance: provider function not run with {} (functions need Terraform 1.8+ or OpenTofu 1.7+)",
                tf.name()
            ));
        }
        consumer.assert_empty_plan();
        assert_eq!(consumer.proxy.operation_set(), operations);

        // One name dropped (not one the consumer reads) and one added: two
        // single changes rewrite at most four documents, none moves to
        // another index, and the next plan is empty.
        let dropped = refs[151];
        let added = platform.name("team-9/production/service-new/DATABASE_PASSWORD");
        let changed: Vec<&str> = refs
            .iter()
            .copied()
            .filter(|n| *n != dropped)
            .chain([added.as_str()])
            .collect();
        platform.write_main("", &platform_main(&changed));
        platform.apply();
        let after = strings(platform.state().output("documents"));
        let rewritten = documents.iter().zip(&after).filter(|(a, b)| a != b).count()
            + documents.len().abs_diff(after.len());
        report(&format!(
            "acceptance: one name dropped and one added rewrote {rewritten} of {} documents",
            documents.len()
        ));
        assert!(rewritten <= 4, "{rewritten} documents rewritten");
        platform.assert_empty_plan();
        platform.destroy();
    });
}

#[test]
fn the_data_source_names_a_missing_and_a_scheduled_secret() {
    for_each_terraform(
        "the_data_source_names_a_missing_and_a_scheduled_secret",
        |tf| {
            let sc = Scenario::new(tf, "access-missing");
            let [live, missing, gone] = ["LIVE", "MISSING", "GONE"].map(|s| sc.name(s));
            sc.oob.create(&live, &BTreeMap::new());
            sc.oob.create(&gone, &BTreeMap::new());
            sc.oob.schedule_deletion(&gone, 7);
            sc.write_main(
                "",
                &format!(
                    "data \"planton_aws_secrets\" \"app\" {{\n  secret_names = {}\n}}\n",
                    hcl_list(&[&live, &missing, &gone])
                ),
            );
            sc.init();
            let out = sc.tf(&["plan", "-input=false", "-no-color"]);
            out.assert_failure();
            let said = one_line(&out.stderr);
            assert!(
                said.contains(&format!("Cannot read secret \"{missing}\""))
                    && said.contains("no secret with that name exists"),
                "{}",
                out.describe()
            );
            assert!(
                said.contains(&format!("Cannot read secret \"{gone}\""))
                    && said.contains("scheduled for deletion")
                    && said.contains("remove it from secret_names"),
                "{}",
                out.describe()
            );
            assert!(!said.contains(&format!("Cannot read secret \"{live}\"")));
            assert_eq!(
                sc.proxy.operation_set(),
                BTreeSet::from(["DescribeSecret".to_owned()])
            );
            assert!(sc.probe.describe(&missing).is_none());
            assert!(sc.probe.describe(&live).is_some());
        },
    );
}

#[test]
fn the_function_names_a_bad_argument_where_functions_exist() {
    for_each_terraform(
        "the_function_names_a_bad_argument_where_functions_exist",
        |tf| {
            if !tf.supports_functions() {
                report(&format!(
                    "acceptance: provider function not run with {} (functions need Terraform 1.8+ or OpenTofu 1.7+)",
                    tf.name()
                ));
                return;
            }
            let sc = Scenario::new(tf, "access-function");
            let good = [
                "arn:aws:secretsmanager:us-east-1:123456789012:secret:app/db-AbCdEf",
                "arn:aws-us-gov:secretsmanager:us-gov-west-1:123456789012:secret:app/db-AbCdEf",
                "arn:aws-eusc:secretsmanager:eusc-de-east-1:123456789012:secret:app/db-123456",
            ];
            let evil = "arn:evil:secretsmanager:us-east-1:123456789012:secret:app/db-AbCdEf";
            let partial = "arn:aws:secretsmanager:us-east-1:123456789012:secret:app/db";
            let call =
                |arns: &[&str]| format!("provider::planton::read_policy_json({})", hcl_list(arns));
            let good_output = format!("output \"ok\" {{\n  value = {}\n}}\n", call(&good));
            sc.write_main(
                "",
                &format!(
                    "{good_output}\noutput \"not_an_arn\" {{\n  value = {}\n}}\n\noutput \"partition\" {{\n  value = {}\n}}\n\noutput \"suffix\" {{\n  value = {}\n}}\n",
                    call(&[good[0], "app/db"]),
                    call(&[good[0], good[1], evil]),
                    call(&[partial])
                ),
            );
            sc.init();
            let out = sc.tf(&["plan", "-input=false", "-no-color"]);
            out.assert_failure();
            let said = one_line(&out.stderr);
            for expected in [
                "Element 1 of arns, \"app/db\", is not a Secrets Manager secret ARN: it has 1 \
                 colon-separated parts, not the 7 of a secret ARN \
                 (arn:PARTITION:secretsmanager:REGION:ACCOUNT:secret:NAME-XXXXXX)."
                    .to_owned(),
                format!(
                    "Element 2 of arns, \"{evil}\", is not a Secrets Manager secret ARN: its \
                     partition \"evil\" is not an AWS partition (aws, aws-cn, aws-us-gov, \
                     aws-iso, aws-iso-b, aws-iso-e, aws-iso-f, aws-eusc)."
                ),
                format!(
                    "Element 0 of arns, \"{partial}\", is not a Secrets Manager secret ARN: its \
                     secret part \"app/db\" lacks the suffix Secrets Manager adds to the name \
                     (NAME-XXXXXX: a dash and six letters or digits); a partial ARN matches no \
                     secret in an IAM policy, so take the full ARN from secret_arn_map or the \
                     console."
                ),
            ] {
                assert!(said.contains(&expected), "{expected}\n{}", out.describe());
            }
            // Exactly one period: the client adds it, the provider does not.
            assert!(!said.contains(".."), "{}", out.describe());
            // Only the bad calls fail, and no AWS call is made for any.
            sc.write_main("", &good_output);
            sc.apply();
            let policy = sc
                .state()
                .output("ok")
                .and_then(Value::as_str)
                .map(str::to_owned);
            let (_, resources) = policy_grants(&policy.expect("the function's policy"));
            assert_eq!(
                resources,
                good.map(str::to_owned).into_iter().collect::<BTreeSet<_>>()
            );
            assert!(
                sc.proxy.operations().is_empty(),
                "{:?}",
                sc.proxy.operation_names()
            );
            report(&format!(
                "acceptance: provider function errors checked with {}",
                tf.name()
            ));
        },
    );
}

#[test]
fn an_empty_data_source_reads_nothing() {
    for_each_terraform("an_empty_data_source_reads_nothing", |tf| {
        let sc = Scenario::new(tf, "access-empty");
        sc.write_main(
            "",
            "data \"planton_aws_secrets\" \"none\" {\n  secret_names = []\n}\n\noutput \"arns\" {\n  value = data.planton_aws_secrets.none.secret_arn_map\n}\n\noutput \"policy_is_null\" {\n  value = data.planton_aws_secrets.none.read_policy_json == null\n}\n\noutput \"documents\" {\n  value = data.planton_aws_secrets.none.read_policy_documents\n}\n",
        );
        sc.init();
        sc.apply();
        let state = sc.state();
        assert_eq!(string_map(state.output("arns")), BTreeMap::new());
        assert_eq!(state.output("policy_is_null"), Some(&Value::Bool(true)));
        assert_eq!(strings(state.output("documents")), Vec::<String>::new());
        assert!(
            sc.proxy.operations().is_empty(),
            "{:?}",
            sc.proxy.operation_names()
        );
        sc.assert_empty_plan();
    });
}
