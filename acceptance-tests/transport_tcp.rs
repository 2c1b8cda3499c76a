//! The plugin transport Windows uses, TCP on loopback, forced here with
//! `PLANTON_PLUGIN_TRANSPORT=tcp`: every client finds the provider on
//! 127.0.0.1, completes the handshake and mutual TLS, reads the schema
//! (`providers schema -json`) and validates a configuration through it
//! (`validate`, an invalid secret name), all without AWS.

use crate::harness::{for_each_terraform, required_providers_block, secrets_resource, Workdir};

#[test]
fn every_client_reaches_the_provider_over_tcp() {
    for_each_terraform("every_client_reaches_the_provider_over_tcp", |tf| {
        let mut wd = Workdir::new(tf);
        wd.write(
            "main.tf",
            &format!(
                "{}\n{}",
                required_providers_block(),
                secrets_resource("x", &["bad name!"])
            ),
        );
        let log = wd.path().join("tcp-trace.log");
        wd.env("PLANTON_PLUGIN_TRANSPORT", "tcp")
            .env("TF_LOG", "trace")
            .env("TF_LOG_PATH", &log.display().to_string());
        wd.init();

        let out = wd.run_ok(&["providers", "schema", "-json"]);
        let addr = tf.provider_addr();
        let schema = &out.json()["provider_schemas"][addr.as_str()];
        assert!(
            schema["resource_schemas"]["planton_aws_secrets"].is_object(),
            "no planton_aws_secrets schema from {addr}: {}",
            out.describe()
        );

        // Validation is a round trip through the provider, before any AWS
        // configuration.
        let out = wd.run(&["validate", "-no-color"]);
        out.assert_code(1);
        assert!(
            out.stderr.contains("Invalid secret name \"bad name!\""),
            "{}",
            out.describe()
        );

        // Each launch: Terraform waits for the handshake line, and the
        // provider's log line (in Terraform's log) says what that line held.
        let text = std::fs::read_to_string(&log).expect("Terraform wrote its log");
        let launches = text
            .lines()
            .filter(|l| l.contains("waiting for RPC address"))
            .count();
        let served: Vec<&str> = text
            .lines()
            .filter(|l| l.contains("plugin serving:"))
            .filter_map(|l| l.split_whitespace().find(|w| w.starts_with("address=")))
            .collect();
        let over_tcp = text
            .lines()
            .filter(|l| {
                l.contains("plugin serving:")
                    && l.contains("network=tcp")
                    && l.contains("address=127.0.0.1:")
                    && l.contains("tls=true")
            })
            .count();
        println!(
            "{}: {launches} provider launches, {over_tcp} served over TCP: {}",
            tf.name(),
            served.join(" ")
        );
        assert!(
            launches >= 2,
            "schema and validate each launch the provider"
        );
        assert_eq!(
            (served.len(), over_tcp),
            (launches, launches),
            "every launch must announce TCP on 127.0.0.1, with TLS: {served:?}"
        );
    });
}
