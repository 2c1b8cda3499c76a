//! Secrets Manager secret ARNs: recognising them exactly, and predicting
//! the length of one before the secret exists.
//!
//! A secret ARN is `arn:PARTITION:secretsmanager:REGION:ACCOUNT:secret:NAME-XXXXXX`:
//! a known partition, a region of that partition, a 12-digit account, and
//! the secret's name followed by the `-` and six letters or digits Secrets
//! Manager appends. An ARN without that suffix is a partial ARN: in an IAM
//! policy it matches no secret, so a grant on it silently grants nothing.

use crate::provider::names::name_problem;

/// An AWS partition: its name in ARNs, the prefixes its region names
/// start with ([`region_problem`] has the whole shape), and one of its
/// regions for messages.
struct Partition {
    name: &'static str,
    region_prefixes: &'static [&'static str],
    example: &'static str,
}

const PARTITIONS: [Partition; 8] = [
    Partition {
        name: "aws",
        region_prefixes: &["us", "af", "ap", "ca", "eu", "il", "me", "mx", "sa"],
        example: "us-east-1",
    },
    Partition {
        name: "aws-cn",
        region_prefixes: &["cn"],
        example: "cn-north-1",
    },
    Partition {
        name: "aws-us-gov",
        region_prefixes: &["us-gov"],
        example: "us-gov-west-1",
    },
    Partition {
        name: "aws-iso",
        region_prefixes: &["us-iso"],
        example: "us-iso-east-1",
    },
    Partition {
        name: "aws-iso-b",
        region_prefixes: &["us-isob"],
        example: "us-isob-east-1",
    },
    Partition {
        name: "aws-iso-e",
        region_prefixes: &["eu-isoe"],
        example: "eu-isoe-west-1",
    },
    Partition {
        name: "aws-iso-f",
        region_prefixes: &["us-isof"],
        example: "us-isof-south-1",
    },
    Partition {
        name: "aws-eusc",
        region_prefixes: &["eusc-de"],
        example: "eusc-de-east-1",
    },
];

/// The middle word of every AWS region name.
const DIRECTIONS: [&str; 9] = [
    "central",
    "north",
    "south",
    "east",
    "west",
    "northeast",
    "northwest",
    "southeast",
    "southwest",
];

/// The part of a secret ARN's resource after the name: `-` and six letters
/// or digits.
pub const SUFFIX_LEN: usize = 7;

/// Why `value` is not a Secrets Manager secret ARN, naming the part at
/// fault, or `None` when it is one. The reason is a clause without a final
/// period ("its partition \"evil\" is not an AWS partition (...)").
pub fn secret_arn_problem(value: &str) -> Option<String> {
    let parts: Vec<&str> = value.splitn(7, ':').collect();
    let [arn, partition, service, region, account, kind, resource] = parts[..] else {
        return Some(format!(
            "it has {} colon-separated parts, not the 7 of a secret ARN \
             (arn:PARTITION:secretsmanager:REGION:ACCOUNT:secret:NAME-XXXXXX)",
            parts.len()
        ));
    };
    if arn != "arn" {
        return Some(format!("it starts with {arn:?}, not \"arn\""));
    }
    let Some(known) = PARTITIONS.iter().find(|p| p.name == partition) else {
        return Some(format!(
            "its partition {partition:?} is not an AWS partition ({})",
            PARTITIONS.map(|p| p.name).join(", ")
        ));
    };
    if service != "secretsmanager" {
        return Some(format!("its service {service:?} is not \"secretsmanager\""));
    }
    if let Some(problem) = region_problem(region, known) {
        return Some(problem);
    }
    if account.len() != 12 || !account.bytes().all(|b| b.is_ascii_digit()) {
        return Some(format!(
            "its account {account:?} is not a 12-digit account ID"
        ));
    }
    if kind != "secret" {
        return Some(format!("its resource type {kind:?} is not \"secret\""));
    }
    secret_problem(resource)
}

/// Region names are `PREFIX-DIRECTION-NUMBER`: a prefix of the ARN's
/// partition (`us`, `us-gov`, `cn`, `eu-isoe`, `eusc-de`, ...), one of the
/// nine directions (`east`, `southeast`, `central`, ...) and a number from
/// 1 to 99 without a leading zero: `us-east-1`, `us-gov-west-1`,
/// `cn-north-1`, `eu-isoe-west-1`, `us-isof-south-1`, `eusc-de-east-1`.
fn region_problem(region: &str, partition: &Partition) -> Option<String> {
    if region.is_empty() {
        return Some("it has no region".to_owned());
    }
    let name = partition.name;
    match partition_of_region(region) {
        Some(owner) if owner == name => None,
        Some(owner) => Some(format!(
            "its region {region:?} is in partition {owner:?}, not {name:?}"
        )),
        None => Some(format!(
            "its region {region:?} is not a region name of partition {name:?} (PREFIX-DIRECTION-NUMBER \
             with PREFIX {}, DIRECTION one of {} and NUMBER 1 to 99, such as {})",
            partition.region_prefixes.join(", "),
            DIRECTIONS.join(", "),
            partition.example
        )),
    }
}

/// The partition whose regions look like `region`, if any.
pub fn partition_of_region(region: &str) -> Option<&'static str> {
    PARTITIONS.iter().find_map(|p| {
        p.region_prefixes
            .iter()
            .any(|prefix| is_region_of(region, prefix))
            .then_some(p.name)
    })
}

fn is_region_of(region: &str, prefix: &str) -> bool {
    let Some(rest) = region
        .strip_prefix(prefix)
        .and_then(|r| r.strip_prefix('-'))
    else {
        return false;
    };
    let Some((direction, number)) = rest.split_once('-') else {
        return false;
    };
    DIRECTIONS.contains(&direction)
        && (1..=2).contains(&number.len())
        && number.bytes().all(|b| b.is_ascii_digit())
        && !number.starts_with('0')
}

/// `NAME-XXXXXX`: a valid secret name, then `-` and six letters or digits.
fn secret_problem(resource: &str) -> Option<String> {
    if resource.contains(['*', '?']) {
        return Some(format!(
            "its secret part {resource:?} has a wildcard; the policy grants exact secrets only"
        ));
    }
    let Some(name) = name_before_suffix(resource) else {
        return Some(format!(
            "its secret part {resource:?} lacks the suffix Secrets Manager adds to the name \
             (NAME-XXXXXX: a dash and six letters or digits); a partial ARN matches no secret \
             in an IAM policy, so take the full ARN from secret_arn_map or the console"
        ));
    };
    name_problem(name).map(|problem| format!("its secret name {name:?} is invalid: {problem}"))
}

/// The name in `NAME-XXXXXX`, when the resource ends in the suffix and
/// leaves a non-empty name.
fn name_before_suffix(resource: &str) -> Option<&str> {
    let split = resource.len().checked_sub(SUFFIX_LEN)?;
    let (name, suffix) = (resource.get(..split)?, resource.get(split..)?);
    let random = suffix.strip_prefix('-')?;
    (!name.is_empty() && random.bytes().all(|b| b.is_ascii_alphanumeric())).then_some(name)
}

/// The secret name a valid secret ARN carries.
pub fn secret_name(arn: &str) -> Option<&str> {
    if secret_arn_problem(arn).is_some() {
        return None;
    }
    name_before_suffix(arn.splitn(7, ':').nth(6)?)
}

/// An ARN of the length the secret `name` will have in `region` once
/// created: the partition follows from the region (`aws` for one this
/// provider does not recognise, such as a test endpoint's), the account and
/// suffix are placeholders of the right length.
pub fn predicted_secret_arn(region: &str, account: Option<&str>, name: &str) -> String {
    let partition = partition_of_region(region).unwrap_or("aws");
    let account = account.unwrap_or("000000000000");
    format!("arn:{partition}:secretsmanager:{region}:{account}:secret:{name}-XXXXXX")
}

#[cfg(test)]
mod tests {
    use super::*;

    const GOOD: &str = "arn:aws:secretsmanager:us-east-1:123456789012:secret:app/db-AbCdEf";

    #[test]
    fn accepts_secret_arns_of_every_partition() {
        for arn in [
            GOOD,
            "arn:aws:secretsmanager:ap-southeast-5:123456789012:secret:x-123456",
            "arn:aws:secretsmanager:il-central-1:123456789012:secret:x-123456",
            "arn:aws-us-gov:secretsmanager:us-gov-west-1:123456789012:secret:x-123456",
            "arn:aws-cn:secretsmanager:cn-north-1:123456789012:secret:a.b@c+d=e_f-QwErTy",
            "arn:aws-cn:secretsmanager:cn-northwest-1:123456789012:secret:a-QwErTy",
            "arn:aws-iso:secretsmanager:us-iso-east-1:123456789012:secret:a-QwErTy",
            "arn:aws-iso-b:secretsmanager:us-isob-east-1:123456789012:secret:a-QwErTy",
            "arn:aws-iso-e:secretsmanager:eu-isoe-west-1:123456789012:secret:a-QwErTy",
            "arn:aws-iso-f:secretsmanager:us-isof-south-1:123456789012:secret:a-QwErTy",
            "arn:aws-eusc:secretsmanager:eusc-de-east-1:123456789012:secret:a-QwErTy",
            // A name that itself ends like a suffix: the last seven are the suffix.
            "arn:aws:secretsmanager:us-east-1:123456789012:secret:db-a1B2c3-QwErTy",
        ] {
            assert_eq!(secret_arn_problem(arn), None, "{arn}");
        }
        let longest = format!(
            "arn:aws:secretsmanager:us-east-1:123456789012:secret:{}-AbCdEf",
            "a".repeat(512)
        );
        assert_eq!(secret_arn_problem(&longest), None);
    }

    #[test]
    fn region_shapes() {
        for (region, partition) in [
            ("us-east-1", Some("aws")),
            ("eu-central-2", Some("aws")),
            ("mx-central-1", Some("aws")),
            ("us-gov-east-1", Some("aws-us-gov")),
            ("cn-north-1", Some("aws-cn")),
            ("us-iso-west-1", Some("aws-iso")),
            ("us-isob-east-1", Some("aws-iso-b")),
            ("eu-isoe-west-1", Some("aws-iso-e")),
            ("us-isof-south-1", Some("aws-iso-f")),
            ("eusc-de-east-1", Some("aws-eusc")),
            ("us-east-12", Some("aws")),
            // Not regions: a direction that is not one, no number, a
            // leading zero, three digits, upper case, an unknown prefix,
            // a partition name, extra parts.
            ("us-eats-1", None),
            ("us-east", None),
            ("us-east-01", None),
            ("us-east-100", None),
            ("US-EAST-1", None),
            ("xx-east-1", None),
            ("aws", None),
            ("us-east-1-a", None),
            ("us-gov-1", None),
            ("eusc-east-1", None),
            ("local", None),
            ("", None),
        ] {
            assert_eq!(partition_of_region(region), partition, "{region:?}");
        }
    }

    #[test]
    fn names_the_part_at_fault_and_why() {
        let cases = [
            ("app/db", "it has 1 colon-separated parts, not the 7"),
            (
                "urn:aws:secretsmanager:us-east-1:123456789012:secret:x-AbCdEf",
                "it starts with \"urn\", not \"arn\"",
            ),
            (
                "arn:evil:secretsmanager:us-east-1:123456789012:secret:x-AbCdEf",
                "its partition \"evil\" is not an AWS partition (aws, aws-cn, aws-us-gov, \
                 aws-iso, aws-iso-b, aws-iso-e, aws-iso-f, aws-eusc)",
            ),
            (
                "arn:AWS:secretsmanager:us-east-1:123456789012:secret:x-AbCdEf",
                "its partition \"AWS\"",
            ),
            (
                "arn:aws:s3:us-east-1:123456789012:secret:x-AbCdEf",
                "its service \"s3\" is not \"secretsmanager\"",
            ),
            (
                "arn:aws:secretsmanager::123456789012:secret:x-AbCdEf",
                "it has no region",
            ),
            (
                "arn:aws:secretsmanager:us-eats-1:123456789012:secret:x-AbCdEf",
                "its region \"us-eats-1\" is not a region name of partition \"aws\" \
                 (PREFIX-DIRECTION-NUMBER with PREFIX us, af, ap, ca, eu, il, me, mx, sa, \
                 DIRECTION one of central, north, south, east, west, northeast, northwest, \
                 southeast, southwest and NUMBER 1 to 99, such as us-east-1)",
            ),
            (
                "arn:aws:secretsmanager:cn-north-1:123456789012:secret:x-AbCdEf",
                "its region \"cn-north-1\" is in partition \"aws-cn\", not \"aws\"",
            ),
            (
                "arn:aws:secretsmanager:us-east-1:1234:secret:x-AbCdEf",
                "its account \"1234\" is not a 12-digit account ID",
            ),
            (
                "arn:aws:secretsmanager:us-east-1:12345678901a:secret:x-AbCdEf",
                "its account \"12345678901a\"",
            ),
            (
                "arn:aws:secretsmanager:us-east-1:123456789012:key:x-AbCdEf",
                "its resource type \"key\" is not \"secret\"",
            ),
            (
                "arn:aws:secretsmanager:us-east-1:123456789012:secret:app/*",
                "its secret part \"app/*\" has a wildcard",
            ),
            (
                "arn:aws:secretsmanager:us-east-1:123456789012:secret:app/db-??????",
                "has a wildcard",
            ),
            (
                "arn:aws:secretsmanager:us-east-1:123456789012:secret:app/db",
                "its secret part \"app/db\" lacks the suffix Secrets Manager adds",
            ),
            (
                "arn:aws:secretsmanager:us-east-1:123456789012:secret:app/db-AbCdE",
                "lacks the suffix",
            ),
            (
                "arn:aws:secretsmanager:us-east-1:123456789012:secret:app/db_AbCdEf",
                "lacks the suffix",
            ),
            (
                "arn:aws:secretsmanager:us-east-1:123456789012:secret:-AbCdEf",
                "lacks the suffix",
            ),
            (
                "arn:aws:secretsmanager:us-east-1:123456789012:secret:",
                "lacks the suffix",
            ),
            (
                "arn:aws:secretsmanager:us-east-1:123456789012:secret:app db-AbCdEf",
                "its secret name \"app db\" is invalid: it contains ' '",
            ),
            (
                "arn:aws:secretsmanager:us-east-1:123456789012:secret:a:b-AbCdEf",
                "its secret name \"a:b\" is invalid",
            ),
        ];
        for (value, expected) in cases {
            let problem = secret_arn_problem(value).unwrap_or_default();
            assert!(
                problem.starts_with(expected) || problem.contains(expected),
                "{value}: {problem}"
            );
            assert!(!problem.ends_with('.'), "{value}: {problem}");
        }
        let too_long = format!(
            "arn:aws:secretsmanager:us-east-1:123456789012:secret:{}-AbCdEf",
            "a".repeat(513)
        );
        assert!(secret_arn_problem(&too_long)
            .unwrap()
            .contains("it is 513 characters long"));
    }

    #[test]
    fn the_name_of_a_secret_arn() {
        assert_eq!(secret_name(GOOD), Some("app/db"));
        assert_eq!(
            secret_name("arn:aws:secretsmanager:us-east-1:123456789012:secret:db-a1B2c3-QwErTy"),
            Some("db-a1B2c3")
        );
        assert_eq!(
            secret_name("arn:aws:secretsmanager:us-east-1:123456789012:secret:db"),
            None
        );
    }

    #[test]
    fn a_predicted_arn_has_the_length_of_the_real_one() {
        let predicted = predicted_secret_arn("us-east-1", None, "app/db");
        assert_eq!(predicted.len(), GOOD.len());
        assert_eq!(secret_arn_problem(&predicted), None);
        assert!(
            predicted_secret_arn("cn-north-1", Some("123456789012"), "x")
                .starts_with("arn:aws-cn:secretsmanager:cn-north-1:123456789012:secret:x-")
        );
        assert!(predicted_secret_arn("eu-isoe-west-1", None, "x").starts_with("arn:aws-iso-e:"));
        assert!(predicted_secret_arn("localstack", None, "x").starts_with("arn:aws:"));
    }
}
