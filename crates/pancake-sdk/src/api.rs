//! What the SDK's core knows of an API: a table of its operations, generated from the spec
//! (`<api>::API`). Pacing, retries, checks, pagination and the JSON dispatch read it, so that
//! none of them is written for one API.

use crate::Error;
use crate::auth::ApiKey;
use crate::validate::Rule;

/// The operations of one API.
#[derive(Debug)]
pub struct Descriptor {
    /// The API's name: `pancake`, `botcake`.
    pub name: &'static str,
    /// Every operation, in the spec's order.
    pub operations: &'static [Operation],
}

impl Descriptor {
    /// The operation with this id.
    pub fn operation(&self, id: &str) -> Option<&'static Operation> {
        self.operations.iter().find(|op| op.id == id)
    }

    /// The list operations.
    pub fn lists(&self) -> impl Iterator<Item = &'static Operation> {
        self.operations.iter().filter(|op| op.list.is_some())
    }
}

/// One operation, from the spec.
#[derive(Debug)]
pub struct Operation {
    /// Its id (`list_tags`).
    pub id: &'static str,
    /// `GET`, `POST`, ...
    pub method: &'static str,
    /// Its route template (`/pages/{page_id}/tags`), for logs and for the route check.
    pub route: &'static str,
    /// Whether it is a send (not GET/HEAD): never repeated once it may have left.
    pub send: bool,
    /// Where its credential goes; `None` when it takes none.
    pub auth: Option<ApiKey>,
    /// What its parameters and body must satisfy.
    pub rules: &'static [Rule],
    /// How it pages, when it is a list.
    pub list: Option<List>,
    /// Its path parameters, in the route's order.
    pub path_params: &'static [&'static str],
    /// The query parameters whose name in the SDK is not the API's: `(sdk name, API name)`.
    pub renamed: &'static [(&'static str, &'static str)],
    /// For an operation that answers a redirect: the field of the answer that carries its
    /// `Location` (the redirect is never followed).
    pub redirect: Option<&'static str>,
    /// For an operation whose answer carries a new credential (a generated page token): the
    /// answer's top-level field that holds it; the client redacts it from then on.
    pub secret: Option<&'static str>,
    /// For an upload (`multipart/form-data`): its file's field and limits.
    pub upload: Option<crate::upload::UploadRule>,
    /// For a send that carries uploaded content ids: which field, which upload, how many.
    pub media: Option<MediaRule>,
}

/// The checks a builder makes as its setters run: the refused values (named after their
/// fields; the last value set of a field is the one that counts), and which required inputs
/// were given. Reported by `send`, before anything is sent.
#[derive(Clone, Debug)]
pub struct Check {
    required: &'static [&'static str],
    given: u64,
    failures: Vec<(&'static str, String)>,
    body: Option<serde_json::Value>,
    upload: Option<crate::Upload>,
}

impl Check {
    /// Checks for an operation that requires the inputs `required`.
    pub fn new(required: &'static [&'static str]) -> Check {
        Check { required, given: 0, failures: Vec::new(), body: None, upload: None }
    }

    /// Records that the required input number `bit` was given.
    pub fn given(&mut self, bit: u32) {
        self.given |= 1 << bit.min(63);
    }

    /// Records a refused value (`send` reports the first field still refused).
    pub fn fail(&mut self, field: &'static str, message: String) {
        self.accepted(field);
        self.failures.push((field, message));
    }

    /// Records an accepted value: a refusal of the same field before it no longer counts (the
    /// last value set is the one sent).
    pub fn accepted(&mut self, field: &'static str) {
        self.failures.retain(|(failed, _)| *failed != field);
    }

    /// The body to send as the caller gave it (the JSON door).
    pub(crate) fn with_body(mut self, body: Option<serde_json::Value>) -> Check {
        self.body = body;
        self
    }

    /// Keeps the file of an upload, checked, for the request.
    pub fn set_upload(&mut self, upload: crate::Upload) {
        self.upload = Some(upload);
    }

    /// The file of an upload, for the request.
    pub(crate) fn take_upload(&mut self) -> Option<crate::Upload> {
        self.upload.take()
    }

    /// The body given as JSON, to send as it is.
    pub(crate) fn take_body(&mut self) -> Option<serde_json::Value> {
        self.body.take()
    }

    /// The first refused value, or the first required input not given.
    pub(crate) fn finish(&self) -> Result<(), Error> {
        if let Some((field, message)) = self.failures.first() {
            return Err(Error::InvalidRequest {
                field: Some((*field).to_string()),
                message: message.clone(),
            });
        }
        for (bit, name) in self.required.iter().enumerate() {
            if self.given & (1 << bit.min(63)) == 0 {
                return Err(Error::InvalidRequest {
                    field: Some((*name).to_string()),
                    message: "is required, and was not set".into(),
                });
            }
        }
        Ok(())
    }
}

/// How a list operation pages, from the spec's `x-pancake-pagination`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct List {
    /// The answer's field holding the items.
    pub items: &'static str,
    /// The parameter that moves through the list, and how.
    pub cursor: Cursor,
    /// The `page_size` each call sends (the documented maximum).
    pub page_size: Option<i64>,
    /// The items a call answers when it sends no `page_size` (a shorter page is the last).
    pub default_page_size: Option<i64>,
    /// The answer's field counting every match, if any.
    pub total: Option<&'static str>,
}

/// The parameter that moves through a list.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Cursor {
    /// `page_number`, from 1.
    PageNumber,
    /// `current_count`: the number of items already read; absent on the first call.
    CurrentCount {
        /// Items of the first call.
        first: Option<i64>,
        /// Items of each later call.
        next: Option<i64>,
    },
    /// `param` takes the value of the last item's `next_field`; absent on the first call.
    LastItem {
        /// The parameter.
        param: &'static str,
        /// The field of an item that names where the next call starts.
        next_field: &'static str,
    },
    /// `param` is the number of items to skip.
    Offset {
        /// The parameter.
        param: &'static str,
    },
}

impl Cursor {
    /// The parameter the walk sets.
    pub fn param(&self) -> &'static str {
        match *self {
            Cursor::PageNumber => "page_number",
            Cursor::CurrentCount { .. } => "current_count",
            Cursor::LastItem { param, .. } | Cursor::Offset { param } => param,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn field(check: &Check) -> Option<String> {
        check.finish().err().and_then(|e| e.field().map(str::to_string))
    }

    #[test]
    fn the_last_value_of_a_field_counts_and_required_inputs_are_named() {
        let mut check = Check::new(&["page_id", "conversation_id"]);
        assert_eq!(field(&check).as_deref(), Some("page_id"), "nothing given");
        check.fail("page_id", "not one path segment".into());
        check.fail("since", "not a time".into());
        assert_eq!(field(&check).as_deref(), Some("page_id"));
        check.accepted("page_id");
        check.given(0);
        assert_eq!(field(&check).as_deref(), Some("since"), "page_id was set again");
        check.accepted("since");
        assert_eq!(field(&check).as_deref(), Some("conversation_id"), "still required");
        check.given(1);
        assert!(check.finish().is_ok());
    }
}

/// What the spec says of a send that carries uploaded media (`x-pancake-media`).
#[derive(Debug)]
pub struct MediaRule {
    /// The body field of the content ids (`content_ids`).
    pub field: &'static str,
    /// The operation that uploads a file and answers its content id (`id`).
    pub upload: &'static str,
    /// The most content ids a call takes, by platform; `other` is every platform not named.
    pub per_call: &'static [(&'static str, u64)],
}

impl MediaRule {
    /// The most files a call takes on `platform` (a platform the spec does not name, or none,
    /// takes what `other` takes).
    pub fn limit(&self, platform: Option<&str>) -> Result<u64, Error> {
        let find = |name: &str| self.per_call.iter().find(|(n, _)| *n == name).map(|(_, count)| *count);
        platform
            .and_then(find)
            .or_else(|| find("other"))
            .ok_or_else(|| Error::invalid("platform", "the spec gives no count for this platform"))
    }
}
