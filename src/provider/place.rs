//! A resource lives in one account and one region: the place its recorded
//! ARNs name must be the place the provider now points at, or the resource
//! would describe, delete and create secrets in two places at once.

/// Where the provider acts: its region, and its account when it was learned
/// (not with `skip_requesting_account_id`).
#[derive(Clone, Copy, Debug)]
pub struct Place<'a> {
    pub region: &'a str,
    pub account: Option<&'a str>,
}

/// The recorded secrets are elsewhere: a diagnostic's summary and detail.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Misplaced {
    pub summary: String,
    pub detail: String,
}

/// Region and account of a Secrets Manager ARN
/// (`arn:PARTITION:secretsmanager:REGION:ACCOUNT:secret:NAME`).
pub fn region_and_account(arn: &str) -> Option<(&str, &str)> {
    let mut parts = arn.splitn(6, ':');
    let (_arn, _partition, _service) = (parts.next()?, parts.next()?, parts.next()?);
    Some((parts.next()?, parts.next()?))
}

/// Checks every recorded ARN against `here`; the first one elsewhere makes
/// the error, naming both places and the ways forward.
pub fn check<'a>(
    arns: impl IntoIterator<Item = &'a str>,
    here: Place<'_>,
) -> Result<(), Misplaced> {
    for arn in arns {
        let Some((region, account)) = region_and_account(arn) else {
            continue;
        };
        let other_region = region != here.region;
        let other_account = here.account.is_some_and(|a| a != account);
        if !other_region && !other_account {
            continue;
        }
        let there = format!("region {region}, account {account}");
        let now = match here.account {
            Some(a) => format!("region {}, account {a}", here.region),
            None => format!("region {}", here.region),
        };
        let what = match (other_region, other_account) {
            (true, true) => "region and account",
            (true, false) => "region",
            _ => "account",
        };
        return Err(Misplaced {
            summary: format!("Provider {what} changed under existing secrets"),
            detail: format!(
                "This resource's secrets live in {there} (for example {arn}), but its provider \
                 now points at {now}. A resource never holds secrets in two places, so nothing \
                 was read or changed. To keep managing these secrets, give this resource a \
                 provider alias configured for {there} (provider = planton.<alias>). To move \
                 them deliberately, destroy this resource (or remove its names) while its \
                 provider still points at {there}, then change the provider and apply; or run \
                 terraform state rm on it to stop managing them where they are and create new \
                 ones in {now}."
            ),
        });
    }
    Ok(())
}

/// [`check`] as an error diagnostic; true when the secrets are here.
pub fn ensure<'a>(
    arns: impl IntoIterator<Item = &'a str>,
    here: Place<'_>,
    diags: &mut crate::tf::diag::Diagnostics,
) -> bool {
    match check(arns, here) {
        Ok(()) => true,
        Err(misplaced) => {
            diags.error(misplaced.summary, misplaced.detail);
            false
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ARN: &str = "arn:aws:secretsmanager:us-east-1:111111111111:secret:app/db-AbCdEf";

    #[test]
    fn same_place_passes() {
        let here = Place {
            region: "us-east-1",
            account: Some("111111111111"),
        };
        assert_eq!(check([ARN], here), Ok(()));
        let unknown_account = Place {
            region: "us-east-1",
            account: None,
        };
        assert_eq!(check([ARN], unknown_account), Ok(()));
        assert_eq!(check([], here), Ok(()));
    }

    #[test]
    fn another_region_or_account_names_both_places() {
        let err = check(
            [ARN],
            Place {
                region: "eu-west-1",
                account: None,
            },
        )
        .unwrap_err();
        assert_eq!(
            err.summary,
            "Provider region changed under existing secrets"
        );
        assert!(err
            .detail
            .contains("region us-east-1, account 111111111111"));
        assert!(err.detail.contains("now points at region eu-west-1"));
        assert!(err.detail.contains("provider alias"));

        let err = check(
            [ARN],
            Place {
                region: "us-east-1",
                account: Some("222222222222"),
            },
        )
        .unwrap_err();
        assert_eq!(
            err.summary,
            "Provider account changed under existing secrets"
        );
        assert!(err
            .detail
            .contains("region us-east-1, account 222222222222"));

        let err = check(
            [ARN],
            Place {
                region: "eu-west-1",
                account: Some("222222222222"),
            },
        )
        .unwrap_err();
        assert!(err.summary.contains("region and account"));
    }
}
