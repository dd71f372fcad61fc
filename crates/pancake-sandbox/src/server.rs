//! The HTTP side: accepts connections on loopback, checks each request against the spec,
//! answers it, and applies faults (down to closing the connection with no answer).

use std::collections::HashMap;
use std::convert::Infallible;
use std::sync::Arc;

use bytes::Bytes;
use futures_util::StreamExt;
use http_body_util::combinators::BoxBody;
use http_body_util::{BodyExt, Full, StreamBody};
use hyper::body::{Frame, Incoming};
use hyper::header::{CONTENT_LENGTH, CONTENT_TYPE, HeaderValue, RETRY_AFTER};
use hyper::{Request, Response};
use hyper_util::rt::TokioIo;
use serde_json::{Value, json};
use tokio::net::TcpListener;
use tokio::sync::oneshot;

use crate::faults::{self, Fault, FaultRule};
use crate::handlers::{self, Call, Reply};
use crate::spec::{self, Location, Lookup, TokenKind};
use crate::state::World;

type BoxError = Box<dyn std::error::Error + Send + Sync>;
type Body = BoxBody<Bytes, BoxError>;

/// Returned by the service to make hyper close the connection without answering.
#[derive(Debug)]
struct DropConnection;

impl std::fmt::Display for DropConnection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("sandbox fault: connection dropped")
    }
}

impl std::error::Error for DropConnection {}

/// A token the sandbox does not know, as the request log shows it.
fn redact_token(value: &str) -> String {
    if value.starts_with('[') && value.ends_with(" token]") {
        value.to_string()
    } else {
        "[other token]".to_string()
    }
}

/// Largest request body read.
const MAX_BODY: usize = 1 << 20;

/// Serves until `shutdown` fires.
pub async fn serve(listener: TcpListener, world: Arc<World>, mut shutdown: oneshot::Receiver<()>) {
    let delivering = world.clone();
    tokio::spawn(async move { delivering.hooks.deliver().await });
    loop {
        let (stream, _) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(pair) => pair,
                Err(_) => continue,
            },
            _ = &mut shutdown => return,
        };
        let world = world.clone();
        tokio::spawn(async move {
            let service = hyper::service::service_fn(move |request| answer(world.clone(), request));
            let _ = hyper::server::conn::http1::Builder::new()
                .serve_connection(TokioIo::new(stream), service)
                .await;
        });
    }
}

async fn answer(world: Arc<World>, request: Request<Incoming>) -> Result<Response<Body>, DropConnection> {
    let (parts, body) = request.into_parts();
    // An upload route reads up to its largest file (and its multipart framing).
    let upload = match world.catalog.lookup(parts.method.as_str(), parts.uri.path()) {
        Lookup::Found(matched) => matched.route.upload.clone(),
        _ => None,
    };
    let limit = upload.as_ref().map_or(MAX_BODY, |u| u.largest() as usize + MAX_BODY);
    let body = match http_body_util::Limited::new(body, limit).collect().await {
        Ok(collected) => collected.to_bytes(),
        Err(_) => {
            let message = format!("body: larger than {} MiB", limit >> 20);
            return Ok(json_response(&Reply::error(413, message)));
        }
    };
    let path = parts.uri.path().to_string();
    let query: Vec<(String, String)> = parts
        .uri
        .query()
        .map(|q| form_urlencoded::parse(q.as_bytes()).into_owned().collect())
        .unwrap_or_default();
    let header = |name: &str| parts.headers.get(name).and_then(|v| v.to_str().ok()).map(str::to_string);

    if let Some(admin) = path.strip_prefix("/_sandbox/") {
        return Ok(json_response(&admin_endpoint(&world, parts.method.as_str(), admin, &body)));
    }
    if path == "/" || path.is_empty() {
        return Ok(json_response(&Reply::ok(info(&world))));
    }

    let matched = match world.catalog.lookup(parts.method.as_str(), &path) {
        Lookup::Found(matched) => matched,
        Lookup::WrongMethod(allowed) => {
            return Ok(json_response(&Reply::error(405, format!("{path} takes {}", allowed.join(", ")))));
        }
        Lookup::NotFound => {
            return Ok(json_response(&Reply::error(404, format!("no API route {} {path}", parts.method))));
        }
    };
    let route = matched.route;

    // The log names tokens instead of keeping them (`/_sandbox/requests` serves it).
    let redact = |value: &str| -> String {
        let config = &world.config;
        value
            .replace(config.page_token.as_str(), "[page token]")
            .replace(config.user_token.as_str(), "[user token]")
    };
    let token_names = route.auth.as_ref().map(|a| a.name.clone());
    let logged_query: Vec<(String, String)> = query
        .iter()
        .map(|(k, v)| {
            let v = if Some(k) == token_names.as_ref() { redact_token(&redact(v)) } else { v.clone() };
            (k.clone(), v)
        })
        .collect();
    let mut headers: Vec<(String, String)> = parts
        .headers
        .iter()
        .map(|(k, v)| {
            let v = String::from_utf8_lossy(v.as_bytes()).into_owned();
            let v = if Some(k.as_str()) == token_names.as_deref() { redact_token(&redact(&v)) } else { v };
            (k.as_str().to_string(), v)
        })
        .collect();
    headers.sort();
    // A multipart body is logged as what it carries (its boundary is random).
    let file = match &upload {
        Some(upload) => Some(multipart(upload, header("content-type").as_deref(), body.clone()).await),
        None => None,
    };
    if file.is_some() {
        for (_, value) in headers.iter_mut().filter(|(name, _)| name == "content-type") {
            if let Some((kind, _)) = value.split_once("boundary=") {
                *value = format!("{kind}boundary=[boundary]");
            }
        }
    }
    let body_json: Option<Value> = match &file {
        Some(Ok(summary)) => Some(summary.clone()),
        Some(Err(_)) => None,
        None => serde_json::from_slice(&body).ok(),
    };
    world.with_state(|s| {
        s.log_request(json!({
            "operation_id": route.operation_id,
            "method": parts.method.as_str(),
            "path": path,
            "query": logged_query,
            "headers": headers,
            "body": if body.is_empty() { Value::Null } else { body_json.clone().unwrap_or_else(|| json!(String::from_utf8_lossy(&body))) },
        }))
    });

    // What a proxy's error page shows of the request: its line and headers, as received.
    let echo = {
        let mut text = format!("{} {}\n", parts.method, parts.uri);
        for (name, value) in &parts.headers {
            text.push_str(&format!("{name}: {}\n", String::from_utf8_lossy(value.as_bytes())));
        }
        text.push('\n');
        text.push_str(&String::from_utf8_lossy(&body));
        text
    };
    let fault_text = header("x-sandbox-fault")
        .or_else(|| query.iter().find(|(k, _)| k == "_sandbox_fault").map(|(_, v)| v.clone()))
        .or_else(|| world.with_state(|s| s.take_fault(&route.operation_id)));
    let faults = match fault_text.as_deref().map(faults::parse).transpose() {
        Ok(faults) => faults.unwrap_or_default(),
        Err(message) => return Ok(json_response(&Reply::error(400, format!("x-sandbox-fault: {message}")))),
    };

    // Refusals (a 4xx, a rate limit, an API error) come before the operation runs; every
    // other fault shapes the answer after it ran.
    let (refusals, after): (Vec<Fault>, Vec<Fault>) = faults.into_iter().partition(Fault::is_refusal);
    if !refusals.is_empty() {
        return apply_faults(Reply::ok(json!({ "success": true })), &refusals, &echo).await;
    }
    if let (Some(limiter), spec::ApiName::Pancake) = (&world.limiter, route.api) {
        let page = matched.path_params.iter().find(|(k, _)| k == "page_id").map(|(_, v)| v.clone());
        if limiter.check_key(&page.unwrap_or_default()).is_err() {
            return Ok(json_response(&Reply::error(429, "Too many requests: 5 calls per page per second")));
        }
    }
    // A repeated page: the list's first page, whatever its cursor asked for.
    let query: Vec<(String, String)> = match (&route.paging, after.contains(&Fault::RepeatPage)) {
        (Some(paging), true) => {
            let cursor = paging.cursor.param();
            let first = (paging.cursor == spec::PageCursor::PageNumber).then(|| "1".to_string());
            query
                .into_iter()
                .filter_map(
                    |(k, v)| if k == cursor { first.clone().map(|one| (k, one)) } else { Some((k, v)) },
                )
                .collect()
        }
        _ => query,
    };
    let reply = match (check(&world, route, matched.path_params, &query, &header, &body), file) {
        (Ok(_), Some(Err(refusal))) => refusal,
        (Ok(mut call), Some(Ok(summary))) => {
            call.body = Some(summary);
            handlers::handle(&world, &call)
        }
        (Ok(call), None) => handlers::handle(&world, &call),
        (Err(reply), _) => reply,
    };
    apply_faults(reply, &after, &echo).await
}

/// The file of a `multipart/form-data` upload: `{<field>: {file_name, content_type, size}}`,
/// or the refusal the API would give (no file, not multipart, a video over the limit of the
/// sandbox pages' platform, `other`).
async fn multipart(upload: &spec::Upload, content_type: Option<&str>, body: Bytes) -> Result<Value, Reply> {
    let field = upload.field.as_str();
    let boundary = content_type
        .and_then(|ct| multer::parse_boundary(ct).ok())
        .ok_or_else(|| Reply::error(400, format!("{field}: send the file as multipart/form-data")))?;
    let stream = futures_util::stream::once(async move { Ok::<Bytes, std::convert::Infallible>(body) });
    let mut parts = multer::Multipart::new(stream, boundary);
    let bad = |e: multer::Error| Reply::error(400, format!("{field}: not a valid multipart body: {e}"));
    while let Some(part) = parts.next_field().await.map_err(bad)? {
        if part.name() != Some(field) {
            continue;
        }
        let file_name = part.file_name().map(str::to_string);
        let content_type = part.content_type().map(|m| m.essence_str().to_string());
        let size = part.bytes().await.map_err(bad)?.len() as u64;
        if size == 0 {
            return Err(Reply::error(400, format!("{field}: the file is empty")));
        }
        let limit = upload.video_limit("other").unwrap_or(u64::MAX);
        if content_type.as_deref().is_some_and(|t| t.starts_with("video/")) && size > limit {
            return Err(Reply::error(
                400,
                format!("{field}: a video of {size} bytes is over this platform's limit of {limit} bytes"),
            ));
        }
        return Ok(json!({ field: { "file_name": file_name, "content_type": content_type, "size": size } }));
    }
    Err(Reply::error(400, format!("{field}: no `{field}` part in the body")))
}

/// Authentication, then every parameter, then the body: the first problem is the answer.
fn check<'a>(
    world: &World,
    route: &'a spec::Route,
    path_params: Vec<(String, String)>,
    query: &[(String, String)],
    header: &dyn Fn(&str) -> Option<String>,
    body: &Bytes,
) -> Result<Call<'a>, Reply> {
    if let Some(auth) = &route.auth {
        let given = match auth.location {
            Location::Header => {
                if query.iter().any(|(k, _)| k == &auth.name || k == "access_token") {
                    return Err(Reply::error(
                        400,
                        format!("{}: send the token in the header, not the query", auth.name),
                    ));
                }
                header(&auth.name)
            }
            Location::Query => query.iter().find(|(k, _)| k == &auth.name).map(|(_, v)| v.clone()),
            Location::Path => None,
        };
        let expected = match auth.token {
            TokenKind::Page => &world.config.page_token,
            TokenKind::User => &world.config.user_token,
        };
        match given {
            None => return Err(Reply::coded(401, 102, format!("{}: missing access token", auth.name))),
            Some(token)
                if auth.token == TokenKind::Page
                    && world.with_state(|s| s.renewed_page_tokens.contains(&token)) =>
            {
                return Err(Reply::coded(
                    401,
                    105,
                    format!("{}: the page token was renewed; use the newest one", auth.name),
                ));
            }
            Some(token)
                if &token != expected
                    && !(auth.token == TokenKind::Page && {
                        let page = path_params.iter().find(|(k, _)| k == "page_id").map(|(_, v)| v.as_str());
                        world.with_state(|s| {
                            page.is_some_and(|p| s.generated_page_tokens.get(p) == Some(&token))
                        })
                    }) =>
            {
                return Err(Reply::coded(401, 100, format!("{}: invalid access token", auth.name)));
            }
            Some(_) => {}
        }
    }

    let mut params = HashMap::new();
    for param in &route.params {
        let raw = match param.location {
            Location::Path => path_params.iter().find(|(k, _)| k == &param.name).map(|(_, v)| v.clone()),
            // An array may come as one comma-separated value or as the key repeated (`type[]`).
            Location::Query if matches!(param.kind, spec::Kind::Array(_)) => {
                let values: Vec<&str> =
                    query.iter().filter(|(k, _)| k == &param.name).map(|(_, v)| v.as_str()).collect();
                (!values.is_empty()).then(|| values.join(","))
            }
            Location::Query => query.iter().find(|(k, _)| k == &param.name).map(|(_, v)| v.clone()),
            Location::Header => header(&param.name),
        };
        match raw {
            Some(raw) => {
                let value = param.check(&raw).map_err(|message| Reply::error(400, message))?;
                params.insert(param.name.clone(), value);
            }
            None if param.required => return Err(Reply::error(400, param.missing())),
            None => {}
        }
    }

    let body = match &route.body {
        Some(spec) if body.is_empty() => {
            if spec.required {
                return Err(Reply::error(400, "body: a JSON request body is required"));
            }
            None
        }
        Some(spec) => {
            let value: Value = serde_json::from_slice(body)
                .map_err(|e| Reply::error(400, format!("body: not valid JSON: {e}")))?;
            spec.check(&value).map_err(|message| {
                let message = if message.starts_with("body") { message } else { format!("body.{message}") };
                Reply::error(400, message)
            })?;
            Some(value)
        }
        None => None,
    };
    Ok(Call { route, params, body })
}

async fn apply_faults(
    mut reply: Reply,
    faults: &[Fault],
    echo: &str,
) -> Result<Response<Body>, DropConnection> {
    let mut retry_after = None;
    for fault in faults {
        match fault {
            Fault::Latency(delay) => tokio::time::sleep(*delay).await,
            Fault::Drop => return Err(DropConnection),
            Fault::Status(500) => reply = Reply { status: 500, body: json!("Server internal error") },
            Fault::Status(code) => reply = Reply::error(*code, format!("sandbox fault: HTTP {code}")),
            Fault::RateLimit(seconds) => {
                reply = Reply::error(429, "Too many requests: 5 calls per page per second");
                retry_after = *seconds;
            }
            Fault::Html502 => return Ok(html_502()),
            Fault::Body(bytes) => return Ok(raw_response(200, Bytes::copy_from_slice(bytes))),
            Fault::MalformedJson => {
                let text = serde_json::to_vec(&reply.body).unwrap_or_default();
                return Ok(raw_response(reply.status, Bytes::copy_from_slice(&text[..text.len() / 2])));
            }
            Fault::Truncated => return Ok(truncated(&reply)),
            Fault::Warning(code) => {
                if let Value::Object(map) = &mut reply.body {
                    map.insert("error_code".into(), json!(code));
                    map.entry("message").or_insert_with(|| json!(faults::message_for(*code)));
                }
            }
            Fault::ApiError { code, status } => {
                reply = Reply::coded(*status, *code, faults::message_for(*code))
            }
            Fault::RepeatPage => {}
            Fault::HugeBody(size) => return Ok(streamed(Some(*size))),
            Fault::EndlessBody => return Ok(streamed(None)),
            Fault::Echo(status) => {
                let mut response = raw_response(*status, Bytes::from(echo.to_string()));
                response.headers_mut().insert(CONTENT_TYPE, HeaderValue::from_static("text/plain"));
                return Ok(response);
            }
            Fault::EchoJson(status) => {
                reply = Reply {
                    status: *status,
                    body: json!({ "success": false, "error_code": 100, "message": format!("bad request: {echo}") }),
                }
            }
            Fault::NullLists => {
                if let Value::Object(map) = &mut reply.body {
                    map.values_mut().filter(|v| v.is_array()).for_each(|v| *v = Value::Null);
                }
            }
            Fault::Redirect(code) => {
                let mut response = json_response(&Reply::error(*code, "moved"));
                // Somewhere else entirely: a client that follows it leaks the request there.
                let elsewhere = "http://127.0.0.2:9/elsewhere";
                response.headers_mut().insert(hyper::header::LOCATION, HeaderValue::from_static(elsewhere));
                return Ok(response);
            }
        }
    }
    let mut response = json_response(&reply);
    if let Some(seconds) = retry_after {
        response.headers_mut().insert(RETRY_AFTER, HeaderValue::from(seconds));
    }
    Ok(response)
}

fn admin_endpoint(world: &World, method: &str, path: &str, body: &Bytes) -> Reply {
    match (method, path.trim_end_matches('/')) {
        ("GET", "journal") => Reply::ok(json!({ "entries": world.with_state(|s| s.journal.clone()) })),
        ("GET", "requests") => Reply::ok(json!({ "requests": world.with_state(|s| s.requests.clone()) })),
        ("GET", "faults") => Reply::ok(json!({ "faults": world.with_state(|s| s.faults.clone()) })),
        ("POST", "faults") => match serde_json::from_slice::<FaultRule>(body) {
            Ok(rule) => match faults::parse(&rule.fault) {
                Ok(_) => {
                    world.with_state(|s| s.faults.push(rule));
                    Reply::ok(json!({ "success": true }))
                }
                Err(message) => Reply::error(400, format!("fault: {message}")),
            },
            Err(e) => Reply::error(
                400,
                format!("body: expected {{\"fault\": ..., \"operation_id\"?, \"times\"?}}: {e}"),
            ),
        },
        ("DELETE", "faults") => {
            world.with_state(|s| s.faults.clear());
            Reply::ok(json!({ "success": true }))
        }
        ("POST", "reset") => {
            world.reset();
            Reply::ok(json!({ "success": true }))
        }
        ("GET", "info") => Reply::ok(info(world)),
        ("GET", "webhooks") => Reply::ok(world.hooks.report()),
        ("POST", "webhooks") => match serde_json::from_slice::<crate::webhooks::Registration>(body) {
            Ok(registration) => match world.hooks.register(registration) {
                Ok(()) => Reply::ok(json!({ "success": true })),
                Err(message) => Reply::error(400, message),
            },
            Err(e) => Reply::error(
                400,
                format!(
                    "body: expected {{\"url\": ..., \"duplicate_every\"?, \"reorder\"?, \"page_id\"?}}: {e}"
                ),
            ),
        },
        ("DELETE", "webhooks") => {
            world.hooks.reset();
            Reply::ok(json!({ "success": true }))
        }
        ("POST", "webhooks/emit") => match serde_json::from_slice::<Value>(body) {
            Ok(request) => match handlers::emit(world, &request) {
                Ok(()) => Reply::ok(json!({ "success": true })),
                Err(message) => Reply::error(400, message),
            },
            Err(e) => Reply::error(400, format!("body: expected {{\"event_type\": ..., \"page_id\"?}}: {e}")),
        },
        _ => Reply::error(404, format!("no sandbox endpoint {method} /_sandbox/{path}")),
    }
}

fn info(world: &World) -> Value {
    json!({
        "sandbox": "pancake-sandbox",
        "version": env!("CARGO_PKG_VERSION"),
        "botcake_base_url_path": crate::BOTCAKE_PATH,
        "tokens": { "page": world.config.page_token, "user": world.config.user_token },
        "pages": world.pages,
        "operations": world.catalog.routes.iter().map(|r| json!({
            "operation_id": r.operation_id, "method": r.method.to_uppercase(), "path": r.template,
        })).collect::<Vec<_>>(),
        "admin": ["GET /_sandbox/journal", "GET /_sandbox/requests", "GET|POST|DELETE /_sandbox/faults", "POST /_sandbox/reset", "GET|POST|DELETE /_sandbox/webhooks", "POST /_sandbox/webhooks/emit"],
    })
}

fn full(bytes: Bytes) -> Body {
    Full::new(bytes).map_err(|never: Infallible| match never {}).boxed()
}

fn raw_response(status: u16, bytes: Bytes) -> Response<Body> {
    let mut response = Response::new(full(bytes));
    *response.status_mut() =
        hyper::StatusCode::from_u16(status).unwrap_or(hyper::StatusCode::INTERNAL_SERVER_ERROR);
    response.headers_mut().insert(CONTENT_TYPE, HeaderValue::from_static("application/json; charset=utf-8"));
    response
}

fn json_response(reply: &Reply) -> Response<Body> {
    let mut response =
        raw_response(reply.status, Bytes::from(serde_json::to_vec(&reply.body).unwrap_or_default()));
    let location = reply.body.get("location").and_then(Value::as_str);
    if let (true, Some(Ok(location))) =
        ((300..400).contains(&reply.status), location.map(HeaderValue::from_str))
    {
        response.headers_mut().insert(hyper::header::LOCATION, location);
    }
    response
}

fn html_502() -> Response<Body> {
    let html = "<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n<center><h1>502 Bad Gateway</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n";
    let mut response = raw_response(502, Bytes::from_static(html.as_bytes()));
    response.headers_mut().insert(CONTENT_TYPE, HeaderValue::from_static("text/html"));
    response
}

/// A 200 whose body is `size` bytes (announced), or endless (chunked), made of 64 KiB chunks
/// that are never held together: the start of a JSON object, then spaces. An endless body
/// stops after 10 GiB or 10 minutes, so that a client that never hangs up cannot keep it going.
fn streamed(size: Option<u64>) -> Response<Body> {
    const CHUNK: usize = 64 * 1024;
    const ENDLESS_BYTES: u64 = 10 * 1024 * 1024 * 1024;
    const ENDLESS_TIME: std::time::Duration = std::time::Duration::from_secs(600);
    let filler = Bytes::from(vec![b' '; CHUNK]);
    let total = size.unwrap_or(ENDLESS_BYTES);
    let started = std::time::Instant::now();
    let chunks = futures_util::stream::unfold(0u64, move |sent| {
        let filler = filler.clone();
        async move {
            if sent >= total || (size.is_none() && started.elapsed() > ENDLESS_TIME) {
                return None;
            }
            let chunk = if sent == 0 {
                let mut first = b"{\"tags\": [".to_vec();
                first.resize(CHUNK.min(total as usize).max(first.len().min(total as usize)), b' ');
                first.truncate(total.min(CHUNK as u64) as usize);
                Bytes::from(first)
            } else {
                filler.slice(..(total - sent).min(CHUNK as u64) as usize)
            };
            let next = sent + chunk.len() as u64;
            Some((Ok::<_, BoxError>(Frame::data(chunk)), next))
        }
    });
    let mut response = Response::new(BodyExt::boxed(StreamBody::new(chunks)));
    response.headers_mut().insert(CONTENT_TYPE, HeaderValue::from_static("application/json; charset=utf-8"));
    if let Some(size) = size {
        response.headers_mut().insert(CONTENT_LENGTH, HeaderValue::from(size));
    }
    response
}

/// Announces the whole body, sends half of it, then fails the stream (hyper closes the socket).
fn truncated(reply: &Reply) -> Response<Body> {
    let text = Bytes::from(serde_json::to_vec(&reply.body).unwrap_or_default());
    let half = text.slice(..text.len() / 2);
    let first = futures_util::stream::once(async move { Ok::<_, BoxError>(Frame::data(half)) });
    // A pause lets hyper flush the head and the first half before the stream fails.
    let failure = futures_util::stream::once(async {
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        Err::<Frame<Bytes>, BoxError>(Box::new(DropConnection))
    });
    let mut response = Response::new(BodyExt::boxed(StreamBody::new(first.chain(failure))));
    *response.status_mut() = hyper::StatusCode::from_u16(reply.status).unwrap_or(hyper::StatusCode::OK);
    response.headers_mut().insert(CONTENT_TYPE, HeaderValue::from_static("application/json; charset=utf-8"));
    response.headers_mut().insert(CONTENT_LENGTH, HeaderValue::from(text.len()));
    response
}
