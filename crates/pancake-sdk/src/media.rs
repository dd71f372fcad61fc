//! Sending uploaded media in one step: the files are checked (their count against what a call
//! of the platform takes, each against the upload's limits), uploaded, and their content ids
//! sent. Which operations do it comes from the spec (`x-pancake-media` on the send, naming its
//! upload operation), so that this is written once for every language.

use serde_json::{Map, Value};

use crate::dynamic::DynClient;
use crate::{CallOptions, Error, Response, Upload};

/// Uploads `files` and sends their content ids with the operation `send`: `args` are the
/// send's arguments (its `body` gets the ids; `action` defaults to `reply_inbox`). Nothing is
/// uploaded when the files are too many for `platform` or one is over its limit; the files are
/// uploaded one after the other, and the send goes only once all are up. Uploads are not
/// retried; a failed one ends the call (the contents already up are simply not sent).
pub async fn send_media(
    client: &dyn DynClient,
    send: &str,
    args: Value,
    files: Vec<Upload>,
    platform: Option<&str>,
    options: CallOptions,
) -> Result<Response<crate::Json>, Error> {
    let descriptor = client.descriptor();
    let rule = descriptor
        .operation(send)
        .and_then(|op| op.media.as_ref())
        .ok_or_else(|| Error::invalid("operation", format!("{send} sends no uploaded media")))?;
    let mut args = crate::dispatch::object(args)?;
    let limit = rule.limit(platform)?;
    if files.is_empty() {
        return Err(Error::invalid(rule.field, "no file to send"));
    }
    if files.len() as u64 > limit {
        return Err(Error::invalid(
            rule.field,
            format!(
                "{} files, but a call takes at most {limit} on {}",
                files.len(),
                platform.unwrap_or("this platform")
            ),
        ));
    }
    let upload_rule = descriptor.operation(rule.upload).and_then(|op| op.upload.as_ref());
    let files: Vec<Upload> = files
        .into_iter()
        .map(|file| match platform {
            Some(platform) if file.platform_name().is_none() => file.platform(platform),
            _ => file,
        })
        .collect();
    if let Some(upload_rule) = upload_rule {
        for file in &files {
            upload_rule.check(file).map_err(|message| Error::invalid(upload_rule.field, message))?;
        }
    }
    let page = args.get("page_id").cloned().ok_or_else(|| Error::invalid("page_id", "is required"))?;
    let mut ids = Vec::with_capacity(files.len());
    for file in files {
        let uploaded =
            client.call_upload(rule.upload, serde_json::json!({ "page_id": page }), file, options).await?;
        let id = uploaded.value()["id"].as_str().map(str::to_owned).ok_or_else(|| Error::Decode {
            status: uploaded.status(),
            // The answer is not shown: it is not redacted here.
            body: crate::ErrorBody::default(),
            source: serde::de::Error::custom("the upload answered no content id (`id`)"),
        })?;
        ids.push(Value::String(id));
    }
    let body = args.entry("body").or_insert_with(|| Value::Object(Map::new()));
    let Value::Object(body) = body else { return Err(Error::invalid("body", "must be a JSON object")) };
    body.entry("action").or_insert_with(|| Value::String("reply_inbox".into()));
    body.insert(rule.field.into(), Value::Array(ids));
    client.call_json(send, Value::Object(args), options).await
}
