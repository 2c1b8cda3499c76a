//! The provider's `recovery_window_in_days` is the window of every
//! deletion: a removed name and a destroyed resource are both scheduled
//! that many days ahead.

use std::collections::BTreeMap;
use std::time::SystemTime;

use crate::harness::{for_each_terraform, secrets_resource, Scenario};

#[test]
fn recovery_window_of_7_days_is_used_for_removal_and_destroy() {
    for_each_terraform(
        "recovery_window_of_7_days_is_used_for_removal_and_destroy",
        |tf| {
            let sc = Scenario::new(tf, "recovery-window");
            let [a, b] = ["A", "B"].map(|s| sc.name(s));
            let window = "  recovery_window_in_days = 7";
            sc.write_main(window, &secrets_resource("x", &[&a, &b]));
            sc.init();
            sc.apply();
            let created = sc.secrets("planton_aws_secrets.x");
            sc.assert_server_matches(&created, &BTreeMap::new());

            sc.write_main(window, &secrets_resource("x", &[&a]));
            let removed_at = SystemTime::now();
            sc.apply();
            sc.assert_scheduled(&b, 7.0, removed_at);
            assert!(!sc.describe(&a).scheduled_for_deletion);

            let destroyed_at = SystemTime::now();
            sc.destroy();
            sc.assert_scheduled(&a, 7.0, destroyed_at);
            assert_eq!(sc.proxy.count("DeleteSecret"), 2);
        },
    );
}
