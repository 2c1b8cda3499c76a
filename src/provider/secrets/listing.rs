//! Every page of a ListSecrets query, one page after the other (each page
//! needs the previous one's token), paced like every other call.

use super::{ApiError, ApiResult, ErrorKind, ListFilter, SecretInfo, SecretsApi};
use crate::tf::stop::StopSignal;

/// More pages than this means the endpoint keeps answering with a token:
/// 50,000 pages of 100 is ten times the 500,000 secrets AWS allows per
/// account and region.
const MAX_PAGES: usize = 50_000;

/// The code of the error for a listing that needed more pages than allowed.
pub const TOO_MANY_PAGES: &str = "TooManyPages";

/// All secrets matching `filter`, in the order the pages gave them. A stop
/// request ends the listing before the next page with an error.
pub async fn list_all(
    api: &dyn SecretsApi,
    filter: &ListFilter,
    stop: &StopSignal,
) -> ApiResult<Vec<SecretInfo>> {
    list_at_most(api, filter, stop, MAX_PAGES).await
}

/// [`list_all`], or a [`TOO_MANY_PAGES`] error once `max_pages` pages did not
/// reach the end.
pub async fn list_at_most(
    api: &dyn SecretsApi,
    filter: &ListFilter,
    stop: &StopSignal,
    max_pages: usize,
) -> ApiResult<Vec<SecretInfo>> {
    let mut secrets = Vec::new();
    let mut token: Option<String> = None;
    for _ in 0..max_pages {
        if stop.is_stopped() {
            return Err(failure(
                "Stopped",
                "ListSecrets was not continued because Terraform asked the provider to stop",
            ));
        }
        let page = api.list_page(filter, token.as_deref()).await?;
        secrets.extend(page.secrets);
        match page.next_token.filter(|next| !next.is_empty()) {
            // The same token again would list the same page forever.
            Some(next) if Some(&next) == token.as_ref() => {
                return Err(failure(
                    "RepeatedNextToken",
                    "ListSecrets answered the same NextToken twice; the listing was stopped",
                ))
            }
            Some(next) => token = Some(next),
            None => return Ok(secrets),
        }
    }
    Err(failure(
        TOO_MANY_PAGES,
        &format!("ListSecrets kept answering with a NextToken after {max_pages} pages"),
    ))
}

fn failure(code: &str, message: &str) -> ApiError {
    ApiError {
        kind: ErrorKind::Other,
        code: code.to_owned(),
        message: message.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::provider::secrets::fake::FakeSecrets;
    use crate::provider::secrets::LIST_PAGE_SIZE;
    use std::collections::BTreeMap;

    #[tokio::test]
    async fn lists_every_page_and_no_more() {
        let fake = FakeSecrets::new();
        for i in 0..250 {
            fake.insert(&format!("app/{i:03}"), BTreeMap::new(), i % 50 == 0);
        }
        let all = list_all(&fake, &ListFilter::default(), &StopSignal::never())
            .await
            .unwrap();
        assert_eq!(all.len(), 245);
        let pages = fake
            .calls()
            .iter()
            .filter(|c| c.starts_with("ListSecrets"))
            .count();
        assert_eq!(pages, 245_usize.div_ceil(LIST_PAGE_SIZE as usize));
        let with_scheduled = ListFilter {
            include_scheduled: true,
            ..ListFilter::default()
        };
        let all = list_all(&fake, &with_scheduled, &StopSignal::never())
            .await
            .unwrap();
        assert_eq!(all.len(), 250);
    }

    #[tokio::test]
    async fn a_denied_listing_is_one_error() {
        let fake = FakeSecrets::new();
        fake.insert("a", BTreeMap::new(), false);
        fake.deny_listing();
        let error = list_all(&fake, &ListFilter::default(), &StopSignal::never())
            .await
            .unwrap_err();
        assert_eq!(error.code, "AccessDeniedException");
    }
}
