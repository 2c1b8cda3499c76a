//! The least-privilege read policy for application roles.

/// What an application needs to read its secrets, and nothing more.
const ACTIONS: [&str; 2] = [
    "secretsmanager:DescribeSecret",
    "secretsmanager:GetSecretValue",
];

/// An IAM policy document allowing [`ACTIONS`] on exactly these ARNs, in a
/// stable order so that an unchanged set of secrets plans no change.
pub fn read_policy_json<'a>(arns: impl Iterator<Item = &'a str>) -> String {
    let mut resources: Vec<&str> = arns.collect();
    resources.sort_unstable();
    resources.dedup();
    let statement = serde_json::json!({
        "Sid": "ReadPlantonSecrets",
        "Effect": "Allow",
        "Action": ACTIONS,
        "Resource": resources,
    });
    serde_json::json!({
        "Version": "2012-10-17",
        "Statement": [statement],
    })
    .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn allows_only_read_actions_on_given_arns() {
        let policy = read_policy_json(["arn:b", "arn:a", "arn:b"].into_iter());
        let parsed: serde_json::Value = serde_json::from_str(&policy).unwrap();
        assert_eq!(parsed["Version"], "2012-10-17");
        let statements = parsed["Statement"].as_array().unwrap();
        assert_eq!(statements.len(), 1);
        assert_eq!(statements[0]["Effect"], "Allow");
        assert_eq!(
            statements[0]["Action"],
            serde_json::json!([
                "secretsmanager:DescribeSecret",
                "secretsmanager:GetSecretValue"
            ])
        );
        assert_eq!(
            statements[0]["Resource"],
            serde_json::json!(["arn:a", "arn:b"])
        );
    }

    #[test]
    fn order_of_input_does_not_matter() {
        assert_eq!(
            read_policy_json(["x", "y"].into_iter()),
            read_policy_json(["y", "x"].into_iter())
        );
    }
}
