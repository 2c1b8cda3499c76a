//! Recognising Secrets Manager secret ARNs.

/// Why `value` is not a Secrets Manager secret ARN
/// (`arn:PARTITION:secretsmanager:REGION:ACCOUNT:secret:NAME-SUFFIX`), or
/// `None` when it is one.
pub fn secret_arn_problem(value: &str) -> Option<String> {
    let parts: Vec<&str> = value.splitn(7, ':').collect();
    let [arn, partition, service, region, account, kind, resource] = parts[..] else {
        return Some(
            "it does not have the seven colon-separated parts of an ARN \
             (arn:aws:secretsmanager:REGION:ACCOUNT:secret:NAME-SUFFIX)"
                .to_owned(),
        );
    };
    let lower_word = |s: &str| {
        !s.is_empty()
            && s.chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
    };
    if arn != "arn" || !lower_word(partition) {
        return Some("it does not start with arn:PARTITION:".to_owned());
    }
    if service != "secretsmanager" || kind != "secret" {
        return Some(format!(
            "it names a {service} {kind}, not a Secrets Manager secret \
             (arn:PARTITION:secretsmanager:REGION:ACCOUNT:secret:...)"
        ));
    }
    if !lower_word(region) {
        return Some(format!("its region {region:?} is not a region"));
    }
    if account.len() != 12 || !account.chars().all(|c| c.is_ascii_digit()) {
        return Some(format!(
            "its account {account:?} is not a 12-digit account ID"
        ));
    }
    let valid_name_char = |c: char| c.is_ascii_alphanumeric() || "/_+=.@-".contains(c);
    if resource.is_empty() || !resource.chars().all(valid_name_char) {
        return Some(format!(
            "its secret part {resource:?} is not a secret name with its suffix \
             (letters, digits and /_+=.@- only; no wildcard)"
        ));
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_secret_arns_of_every_partition() {
        for arn in [
            "arn:aws:secretsmanager:us-east-1:123456789012:secret:app/db-AbCdEf",
            "arn:aws-us-gov:secretsmanager:us-gov-west-1:123456789012:secret:x-123456",
            "arn:aws-cn:secretsmanager:cn-north-1:123456789012:secret:a.b@c+d=e_f-QwErTy",
        ] {
            assert_eq!(secret_arn_problem(arn), None, "{arn}");
        }
    }

    #[test]
    fn names_what_is_wrong() {
        let cases = [
            ("app/db", "seven colon-separated parts"),
            (
                "arn:aws:s3:us-east-1:123456789012:secret:x",
                "not a Secrets Manager secret",
            ),
            ("arn:aws:secretsmanager:us-east-1:1234:secret:x", "12-digit"),
            (
                "arn:aws:secretsmanager:us-east-1:123456789012:secret:*",
                "no wildcard",
            ),
            (
                "arn:aws:secretsmanager:us-east-1:123456789012:secret:",
                "secret part",
            ),
            (
                "urn:aws:secretsmanager:us-east-1:123456789012:secret:x",
                "arn:PARTITION",
            ),
            ("arn:aws:secretsmanager::123456789012:secret:x", "region"),
        ];
        for (value, expected) in cases {
            let problem = secret_arn_problem(value).unwrap_or_default();
            assert!(problem.contains(expected), "{value}: {problem}");
        }
    }
}
