//! `allowed_account_ids` / `forbidden_account_ids`: the account the final
//! credentials act in, checked once before any Secrets Manager call.

use std::collections::BTreeSet;

/// Which accounts the provider may act in.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub enum AccountGuard {
    #[default]
    Any,
    Allowed(BTreeSet<String>),
    Forbidden(BTreeSet<String>),
}

/// The account is not one the configuration allows: the argument at fault
/// and what to tell the user.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AccountRefused {
    pub attribute: &'static str,
    pub detail: String,
}

impl AccountGuard {
    pub fn is_set(&self) -> bool {
        !matches!(self, AccountGuard::Any)
    }

    /// The argument that sets the guard, if any.
    pub fn attribute(&self) -> Option<&'static str> {
        match self {
            AccountGuard::Any => None,
            AccountGuard::Allowed(_) => Some("allowed_account_ids"),
            AccountGuard::Forbidden(_) => Some("forbidden_account_ids"),
        }
    }

    pub fn check(&self, account: &str) -> Result<(), AccountRefused> {
        let listed = |ids: &BTreeSet<String>| {
            ids.iter()
                .map(|id| format!("{id:?}"))
                .collect::<Vec<_>>()
                .join(", ")
        };
        match self {
            AccountGuard::Allowed(ids) if !ids.contains(account) => Err(AccountRefused {
                attribute: "allowed_account_ids",
                detail: format!(
                    "The credentials act in AWS account {account}, which is not in \
                     allowed_account_ids ([{}]). Nothing was changed. Use credentials or an \
                     assume_role for an allowed account, or add {account} to \
                     allowed_account_ids if this configuration may manage it.",
                    listed(ids)
                ),
            }),
            AccountGuard::Forbidden(ids) if ids.contains(account) => Err(AccountRefused {
                attribute: "forbidden_account_ids",
                detail: format!(
                    "The credentials act in AWS account {account}, which forbidden_account_ids \
                     ([{}]) excludes. Nothing was changed. Use credentials or an assume_role for \
                     another account.",
                    listed(ids)
                ),
            }),
            _ => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn set(ids: &[&str]) -> BTreeSet<String> {
        ids.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn allowed_and_forbidden_lists_decide() {
        assert!(AccountGuard::Any.check("111111111111").is_ok());
        let allowed = AccountGuard::Allowed(set(&["111111111111", "222222222222"]));
        assert!(allowed.check("222222222222").is_ok());
        let refused = allowed.check("333333333333").unwrap_err();
        assert_eq!(refused.attribute, "allowed_account_ids");
        assert!(
            refused.detail.contains("333333333333"),
            "{}",
            refused.detail
        );
        assert!(refused
            .detail
            .contains("\"111111111111\", \"222222222222\""));

        let forbidden = AccountGuard::Forbidden(set(&["999999999999"]));
        assert!(forbidden.check("111111111111").is_ok());
        let refused = forbidden.check("999999999999").unwrap_err();
        assert_eq!(refused.attribute, "forbidden_account_ids");
        assert!(refused.detail.contains("999999999999"));
        assert_eq!(forbidden.attribute(), Some("forbidden_account_ids"));
        assert!(!AccountGuard::Any.is_set());
    }
}
