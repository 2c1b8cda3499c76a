//! `provider::planton::read_policy_json(arns)`: the exact-ARN read policy
//! for any list or set of secret ARNs, the same document the resource and
//! the data source produce for them, with no AWS call.

use crate::provider::arn::secret_arn_problem;
use crate::provider::policy::{
    arns_that_fit, read_policy_json, read_policy_size, MANAGED_POLICY_LIMIT,
};
use crate::tf::function::{Function, FunctionError, Parameter, Signature};
use crate::tf::value::{Type, Value};

pub const NAME: &str = "read_policy_json";

pub struct ReadPolicyJson;

impl Function for ReadPolicyJson {
    fn name(&self) -> &'static str {
        NAME
    }

    fn signature(&self) -> Signature {
        Signature {
            // Terraform converts a set or tuple argument to this list.
            parameters: vec![Parameter::new(
                "arns",
                Type::list(Type::String),
                "Secrets Manager secret ARNs: a list or set, such as `values()` of a slice of `secret_arn_map`.",
            )],
            returns: Type::String,
            summary: "Least-privilege read policy for exactly these secret ARNs".to_owned(),
            description: "Returns the IAM policy document allowing `secretsmanager:GetSecretValue` and `secretsmanager:DescribeSecret` on exactly the given Secrets Manager secret ARNs (no wildcard, no condition): the same document the `planton_aws_secrets` resource and data source give as `read_policy_json` for the same ARNs. Order and duplicates do not matter; an empty list gives null. Every element must be a complete secret ARN, `arn:PARTITION:secretsmanager:REGION:ACCOUNT:secret:NAME-XXXXXX`: a known partition (`aws`, `aws-cn`, `aws-us-gov`, `aws-iso`, `aws-iso-b`, `aws-iso-e`, `aws-iso-f`, `aws-eusc`), a region of that partition, a 12-digit account, and the secret's name followed by the `-` and six characters Secrets Manager adds (a partial ARN without them matches no secret in IAM). Anything else is an error naming the element, its position and the part at fault; a document over IAM's 6,144-character managed-policy limit is an error saying how many of the ARNs fit.".to_owned(),
        }
    }

    fn call(&self, arguments: &[Value]) -> Result<Value, FunctionError> {
        let elements = arguments[0]
            .as_elements()
            .ok_or_else(|| FunctionError::in_argument(0, "arns must be a list of strings."))?;
        let mut arns = Vec::with_capacity(elements.len());
        for (position, element) in elements.iter().enumerate() {
            let Some(arn) = element.as_str() else {
                return Err(FunctionError::in_argument(
                    0,
                    format!(
                        "Element {position} of arns is null; every element must be a secret ARN."
                    ),
                ));
            };
            if let Some(problem) = secret_arn_problem(arn) {
                return Err(FunctionError::in_argument(
                    0,
                    format!(
                        "Element {position} of arns, {arn:?}, is not a Secrets Manager secret ARN: \
                         {problem}."
                    ),
                ));
            }
            arns.push(arn);
        }
        let size = read_policy_size(arns.iter().copied());
        if size > MANAGED_POLICY_LIMIT {
            let distinct = {
                let mut unique = arns.clone();
                unique.sort_unstable();
                unique.dedup();
                unique.len()
            };
            return Err(FunctionError::in_argument(
                0,
                format!(
                    "The policy for these {distinct} ARNs would be {size} characters, over IAM's \
                     limit of {MANAGED_POLICY_LIMIT} for a managed policy; at most {} of them fit \
                     in one policy. Call the function on smaller groups (one per application), \
                     or use the resource's or data source's read_policy_documents.",
                    arns_that_fit(arns.iter().copied())
                ),
            ));
        }
        Ok(read_policy_json(arns).map_or(Value::Null, Value::String))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::provider::policy::tests::realistic_arns;

    fn call(arns: &[&str]) -> Result<Value, FunctionError> {
        let list = Value::List(
            arns.iter()
                .map(|a| Value::String((*a).to_owned()))
                .collect(),
        );
        ReadPolicyJson.call(&[list])
    }

    const A: &str = "arn:aws:secretsmanager:us-east-1:123456789012:secret:app/a-AbCdEf";
    const B: &str = "arn:aws:secretsmanager:us-east-1:123456789012:secret:app/b-GhIjKl";

    #[test]
    fn gives_the_same_document_as_the_resource() {
        assert_eq!(
            call(&[B, A, B]).unwrap(),
            Value::String(read_policy_json([A, B]).unwrap())
        );
    }

    #[test]
    fn an_empty_list_gives_null() {
        assert_eq!(call(&[]).unwrap(), Value::Null);
    }

    #[test]
    fn a_value_that_is_not_a_secret_arn_is_named_with_its_position() {
        let error = call(&[A, "app/b", B]).unwrap_err();
        assert_eq!(error.argument, Some(0));
        assert!(error.text.contains("Element 1"), "{}", error.text);
        assert!(error.text.contains("\"app/b\""), "{}", error.text);
        let wildcard = "arn:aws:secretsmanager:us-east-1:123456789012:secret:app/*";
        let error = call(&[wildcard]).unwrap_err();
        assert!(error.text.contains("Element 0") && error.text.contains("wildcard"));
        let null = ReadPolicyJson
            .call(&[Value::List(vec![Value::String(A.into()), Value::Null])])
            .unwrap_err();
        assert!(null.text.contains("Element 1 of arns is null"));
    }

    #[test]
    fn an_unknown_partition_or_a_missing_suffix_is_named_with_its_position() {
        let evil = "arn:evil:secretsmanager:us-east-1:123456789012:secret:app/a-AbCdEf";
        let error = call(&[A, B, evil]).unwrap_err();
        assert_eq!(error.argument, Some(0));
        assert_eq!(
            error.text,
            format!(
                "Element 2 of arns, {evil:?}, is not a Secrets Manager secret ARN: its partition \
                 \"evil\" is not an AWS partition (aws, aws-cn, aws-us-gov, aws-iso, aws-iso-b, \
                 aws-iso-e, aws-iso-f, aws-eusc)."
            )
        );
        let partial = "arn:aws:secretsmanager:us-east-1:123456789012:secret:app/a";
        let error = call(&[partial, A]).unwrap_err();
        assert!(
            error.text.starts_with(&format!(
                "Element 0 of arns, {partial:?}, is not a Secrets Manager secret ARN: its secret \
                 part \"app/a\" lacks the suffix Secrets Manager adds"
            )),
            "{}",
            error.text
        );
        let other_region = "arn:aws-cn:secretsmanager:us-east-1:123456789012:secret:app/a-AbCdEf";
        let error = call(&[A, other_region]).unwrap_err();
        assert!(
            error.text.contains("Element 1 of arns")
                && error
                    .text
                    .contains("\"us-east-1\" is in partition \"aws\", not \"aws-cn\""),
            "{}",
            error.text
        );
    }

    #[test]
    fn too_many_arns_is_an_error_saying_how_many_fit() {
        let arns = realistic_arns(200);
        let refs: Vec<&str> = arns.iter().map(String::as_str).collect();
        let fit = arns_that_fit(refs.iter().copied());
        let error = call(&refs).unwrap_err();
        assert!(error.text.contains("these 200 ARNs"), "{}", error.text);
        assert!(
            error.text.contains(&format!("at most {fit} of them fit")),
            "{}",
            error.text
        );
        assert!(call(&refs[..fit]).unwrap().as_str().is_some());
    }
}
