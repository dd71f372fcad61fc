//! The routes the sandbox serves, read from the spec files (the same files the clients are
//! generated from), with a JSON Schema validator for every parameter and request body.

use openapiv3::{OpenAPI, Parameter, ParameterSchemaOrContent, ReferenceOr};
use serde_json::{Value, json};

/// The two APIs.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ApiName {
    /// Botcake.
    Botcake,
    /// Pancake (pages.fm).
    Pancake,
}

const BOTCAKE_SPEC: &str = include_str!("../spec/botcake.yaml");
const PANCAKE_SPEC: &str = include_str!("../spec/pancake.yaml");

/// Where a parameter travels.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Location {
    Path,
    Query,
    Header,
}

impl Location {
    fn describe(self) -> &'static str {
        match self {
            Location::Path => "path",
            Location::Query => "query",
            Location::Header => "header",
        }
    }
}

/// The JSON type a parameter's text converts to before validation.
#[derive(Clone, Debug, PartialEq)]
pub enum Kind {
    String,
    Integer,
    Number,
    Boolean,
    /// `simple`-style array: comma-separated items.
    Array(Box<Kind>),
}

/// Which token a security scheme carries.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TokenKind {
    Page,
    User,
}

/// An operation's credential.
#[derive(Clone, Debug)]
pub struct Auth {
    pub location: Location,
    pub name: String,
    pub token: TokenKind,
}

/// One parameter.
pub struct Param {
    pub name: String,
    pub location: Location,
    pub required: bool,
    pub kind: Kind,
    validator: jsonschema::Validator,
}

/// A request body's schema; a `oneOf` whose variants share a single-value enum property is
/// validated against the variant that property names (for messages that name the field).
pub struct Body {
    pub required: bool,
    validator: jsonschema::Validator,
    variants: Option<(String, Vec<(String, jsonschema::Validator)>)>,
}

/// A path segment of a route.
#[derive(Clone, Debug, PartialEq)]
enum Segment {
    Literal(String),
    Param(String),
}

/// How a list pages, from the spec's `x-pancake-pagination`: one list handler pages every list
/// by it.
#[derive(Clone, Debug, PartialEq)]
pub struct Paging {
    /// The answer's array of items.
    pub items: String,
    /// The parameter that moves through the list, and how.
    pub cursor: PageCursor,
    /// Items a call answers when it sends no `page_size` (`default_page_size`).
    pub default_size: Option<usize>,
    /// The answer's field that counts every match.
    pub total: Option<String>,
}

/// How a list's calls say where they start.
#[derive(Clone, Debug, PartialEq)]
pub enum PageCursor {
    /// `page_number`, from 1, of `page_size` items.
    PageNumber,
    /// `current_count` items already read: `first` items without it, `next` with it.
    CurrentCount { first: usize, next: usize },
    /// `param` items to skip.
    Offset { param: String },
    /// After the item whose `field` is `param`'s value.
    LastItem { param: String, field: String },
}

impl PageCursor {
    /// The parameter the client moves.
    pub fn param(&self) -> &str {
        match self {
            PageCursor::PageNumber => "page_number",
            PageCursor::CurrentCount { .. } => "current_count",
            PageCursor::Offset { param } | PageCursor::LastItem { param, .. } => param,
        }
    }
}

fn paging(value: &Value) -> Result<Paging, String> {
    let text = |key: &str| value[key].as_str().map(str::to_string);
    let size = |key: &str| value[key].as_u64().map(|n| n as usize);
    let cursor = match value["cursor"].as_str() {
        Some("page_number") => PageCursor::PageNumber,
        Some("current_count") => {
            let fallback = size("default_page_size").or(size("page_size"));
            let first = size("first").or(fallback).ok_or("current_count needs `first` or a page size")?;
            PageCursor::CurrentCount { first, next: size("next").unwrap_or(first) }
        }
        Some("offset") => PageCursor::Offset { param: text("param").ok_or("offset needs `param`")? },
        Some("last_item") => PageCursor::LastItem {
            param: text("param").ok_or("last_item needs `param`")?,
            field: text("next_field").ok_or("last_item needs `next_field`")?,
        },
        other => return Err(format!("unknown pagination cursor {other:?}")),
    };
    Ok(Paging {
        items: text("items").ok_or("x-pancake-pagination needs `items`")?,
        cursor,
        default_size: size("default_page_size"),
        total: text("total"),
    })
}

/// One operation of one API.
pub struct Route {
    pub api: ApiName,
    pub method: String,
    pub template: String,
    pub operation_id: String,
    pub params: Vec<Param>,
    pub body: Option<Body>,
    pub auth: Option<Auth>,
    /// How it pages, when it is a list.
    pub paging: Option<Paging>,
    /// For an upload (`multipart/form-data`): its file's field and limits.
    pub upload: Option<Upload>,
    segments: Vec<Segment>,
}

/// The file of an upload route (`x-pancake-upload`).
#[derive(Clone, Debug)]
pub struct Upload {
    /// The multipart field that carries the file.
    pub field: String,
    /// The largest video each platform takes, in bytes.
    pub video_limits: Vec<(String, u64)>,
}

impl Upload {
    /// The largest file the route reads: the largest video any platform takes.
    pub fn largest(&self) -> u64 {
        self.video_limits.iter().map(|(_, bytes)| *bytes).max().unwrap_or(0)
    }

    /// The largest video of a platform (`other` for a platform not named).
    pub fn video_limit(&self, platform: &str) -> Option<u64> {
        let find = |name: &str| self.video_limits.iter().find(|(p, _)| p == name).map(|(_, b)| *b);
        find(platform).or_else(|| find("other"))
    }
}

/// Every route of both APIs.
pub struct Catalog {
    pub routes: Vec<Route>,
}

/// A matched route and its path parameters (percent-decoded).
pub struct Matched<'a> {
    pub route: &'a Route,
    pub path_params: Vec<(String, String)>,
}

/// How a path matched.
pub enum Lookup<'a> {
    Found(Matched<'a>),
    /// The path exists, with other methods.
    WrongMethod(Vec<String>),
    NotFound,
}

impl Catalog {
    /// The catalog of the embedded spec files, read once per process (every sandbox of a
    /// process shares it: it never changes).
    pub fn shared() -> Result<std::sync::Arc<Catalog>, String> {
        static SHARED: std::sync::OnceLock<Result<std::sync::Arc<Catalog>, String>> =
            std::sync::OnceLock::new();
        SHARED.get_or_init(|| Catalog::load().map(std::sync::Arc::new)).clone()
    }

    /// Reads both embedded spec files.
    pub fn load() -> Result<Catalog, String> {
        let mut routes = read(ApiName::Botcake, BOTCAKE_SPEC)?;
        routes.extend(read(ApiName::Pancake, PANCAKE_SPEC)?);
        Ok(Catalog { routes })
    }

    /// The route for a method and a path; literal segments win over parameters.
    pub fn lookup(&self, method: &str, path: &str) -> Lookup<'_> {
        // No trimming: `/flows/` is not `/flows` (an empty folder path is a bad request).
        let parts: Vec<&str> = path.split('/').skip(1).collect();
        let mut best: Option<(usize, Matched<'_>)> = None;
        let mut other_methods = Vec::new();
        for route in &self.routes {
            let Some((literals, params)) = match_segments(&route.segments, &parts) else { continue };
            if !route.method.eq_ignore_ascii_case(method) {
                other_methods.push(route.method.to_uppercase());
                continue;
            }
            if best.as_ref().is_none_or(|(score, _)| literals > *score) {
                best = Some((literals, Matched { route, path_params: params }));
            }
        }
        match best {
            Some((_, matched)) => Lookup::Found(matched),
            None if !other_methods.is_empty() => Lookup::WrongMethod(other_methods),
            None => Lookup::NotFound,
        }
    }
}

fn match_segments(segments: &[Segment], parts: &[&str]) -> Option<(usize, Vec<(String, String)>)> {
    if segments.len() != parts.len() {
        return None;
    }
    let mut literals = 0;
    let mut params = Vec::new();
    for (segment, part) in segments.iter().zip(parts) {
        match segment {
            Segment::Literal(text) if text == part => literals += 1,
            Segment::Literal(_) => return None,
            Segment::Param(name) => {
                let value = percent_encoding::percent_decode_str(part).decode_utf8_lossy().into_owned();
                params.push((name.clone(), value));
            }
        }
    }
    Some((literals, params))
}

impl Param {
    /// Converts the parameter's text to JSON and validates it; the error names the parameter.
    pub fn check(&self, raw: &str) -> Result<Value, String> {
        let value = convert(&self.kind, raw).map_err(|e| format!("{}: {e}", self.name))?;
        first_error(&self.validator, &value).map_or(Ok(value), |e| Err(format!("{}: {e}", self.name)))
    }

    /// The message for a missing required parameter.
    pub fn missing(&self) -> String {
        format!("{}: required {} parameter is missing", self.name, self.location.describe())
    }
}

impl Body {
    /// Validates a request body; the error names the field (`body.update.flow_id: ...`).
    pub fn check(&self, body: &Value) -> Result<(), String> {
        if let Some((property, variants)) = &self.variants {
            let chosen = body.get(property).and_then(Value::as_str);
            let Some((_, validator)) = variants.iter().find(|(name, _)| Some(name.as_str()) == chosen) else {
                let names: Vec<&str> = variants.iter().map(|(n, _)| n.as_str()).collect();
                return Err(format!("body.{property}: must be one of {}", names.join(", ")));
            };
            return first_error(validator, body).map_or(Ok(()), Err);
        }
        first_error(&self.validator, body).map_or(Ok(()), Err)
    }
}

fn first_error(validator: &jsonschema::Validator, value: &Value) -> Option<String> {
    let error = validator.iter_errors(value).next()?;
    let pointer = error.instance_path().to_string();
    let mut field: Vec<String> = pointer.split('/').filter(|s| !s.is_empty()).map(str::to_string).collect();
    let message = match error.kind() {
        jsonschema::error::ValidationErrorKind::Required { property } => {
            field.push(property.as_str().map_or_else(|| property.to_string(), str::to_string));
            "required field is missing".to_string()
        }
        _ => error.to_string(),
    };
    Some(if field.is_empty() { message } else { format!("{}: {message}", field.join(".")) })
}

fn convert(kind: &Kind, raw: &str) -> Result<Value, String> {
    Ok(match kind {
        Kind::String => Value::String(raw.to_string()),
        Kind::Integer => raw
            .trim()
            .parse::<i64>()
            .map(Value::from)
            .map_err(|_| format!("expected an integer, got {raw:?}"))?,
        Kind::Number => {
            let n = raw.trim().parse::<f64>().map_err(|_| format!("expected a number, got {raw:?}"))?;
            json!(n)
        }
        Kind::Boolean => match raw {
            "true" => Value::Bool(true),
            "false" => Value::Bool(false),
            _ => return Err(format!("expected true or false, got {raw:?}")),
        },
        Kind::Array(item) => {
            let items = raw.split(',').filter(|s| !s.is_empty()).map(|part| convert(item, part));
            Value::Array(items.collect::<Result<_, _>>()?)
        }
    })
}

fn read(api: ApiName, text: &str) -> Result<Vec<Route>, String> {
    let spec: OpenAPI = serde_yaml::from_str(text).map_err(|e| format!("{api:?} spec: {e}"))?;
    let mut document: Value = serde_yaml::from_str(text).map_err(|e| format!("{api:?} spec: {e}"))?;
    openapi_nullable_to_json_schema(&mut document);
    let components = document.get("components").cloned().unwrap_or_else(|| json!({}));
    let prefix = spec.servers.first().map(|s| server_path(&s.url)).unwrap_or_default();

    let mut routes = Vec::new();
    for (path, method, op) in spec.operations() {
        let operation_id = op.operation_id.clone().ok_or(format!("{method} {path}: no operationId"))?;
        let template = format!("{prefix}{path}");
        let pointer = format!("/paths/{}/{method}", path.replace('~', "~0").replace('/', "~1"));
        let op_json = document.pointer(&pointer).cloned().unwrap_or_default();

        let mut params = Vec::new();
        for (index, param) in op.parameters.iter().enumerate() {
            let param = resolve_parameter(&spec, param)?;
            let (location, data) = match param {
                Parameter::Path { parameter_data, .. } => (Location::Path, parameter_data),
                Parameter::Query { parameter_data, .. } => (Location::Query, parameter_data),
                Parameter::Header { parameter_data, .. } => (Location::Header, parameter_data),
                Parameter::Cookie { .. } => {
                    return Err(format!("{operation_id}: cookie parameters are not supported"));
                }
            };
            let ParameterSchemaOrContent::Schema(schema) = &data.format else {
                return Err(format!("{operation_id}: {}: content parameters are not supported", data.name));
            };
            let schema_json = parameter_schema_json(&document, &op_json, index)?;
            params.push(Param {
                name: data.name.clone(),
                location,
                required: data.required,
                kind: kind_of(&spec, schema)?,
                validator: validator(&components, &schema_json)?,
            });
        }

        let upload = op_json.get("x-pancake-upload").map(|upload| Upload {
            field: upload["field"].as_str().unwrap_or("file").to_string(),
            video_limits: upload["video_limits"]
                .as_object()
                .into_iter()
                .flatten()
                .map(|(platform, bytes)| (platform.clone(), bytes.as_u64().unwrap_or(0)))
                .collect(),
        });
        let body = match &op_json.get("requestBody") {
            // A multipart body is read apart (see `server::multipart`).
            Some(_) if upload.is_some() => None,
            Some(body) => {
                let body = resolve_json(&document, body);
                let schema = body
                    .pointer("/content/application~1json/schema")
                    .ok_or(format!("{operation_id}: request body without an application/json schema"))?;
                Some(Body {
                    required: body.get("required").and_then(Value::as_bool).unwrap_or(false),
                    validator: validator(&components, schema)?,
                    variants: discriminated_variants(&document, &components, schema)?,
                })
            }
            None => None,
        };

        let requirement = op.security.as_ref().or(spec.security.as_ref());
        let auth = match requirement.and_then(|r| r.first()).and_then(|r| r.keys().next()) {
            Some(name) => Some(auth_of(&document, name)?),
            None => None,
        };

        let paging = match op_json.get("x-pancake-pagination") {
            Some(value) => Some(paging(value).map_err(|e| format!("{operation_id}: {e}"))?),
            None => None,
        };
        routes.push(Route {
            api,
            paging,
            upload,
            method: method.to_string(),
            segments: template
                .split('/')
                .skip(1)
                .map(|s| match s.strip_prefix('{').and_then(|s| s.strip_suffix('}')) {
                    Some(name) => Segment::Param(name.to_string()),
                    None => Segment::Literal(s.to_string()),
                })
                .collect(),
            template,
            operation_id,
            params,
            body,
            auth,
        });
    }
    Ok(routes)
}

/// The path of a server URL: `https://botcake.io/api/public_api/v1` -> `/api/public_api/v1`.
fn server_path(url: &str) -> String {
    let after_scheme = url.split_once("://").map_or(url, |(_, rest)| rest);
    after_scheme.find('/').map_or(String::new(), |i| after_scheme[i..].trim_end_matches('/').to_string())
}

fn resolve_parameter<'a>(
    spec: &'a OpenAPI,
    param: &'a ReferenceOr<Parameter>,
) -> Result<&'a Parameter, String> {
    match param {
        ReferenceOr::Item(p) => Ok(p),
        ReferenceOr::Reference { reference } => {
            let name = reference.trim_start_matches("#/components/parameters/");
            spec.components
                .as_ref()
                .and_then(|c| c.parameters.get(name))
                .and_then(|p| p.as_item())
                .ok_or(format!("unresolved parameter {reference}"))
        }
    }
}

fn parameter_schema_json(document: &Value, op: &Value, index: usize) -> Result<Value, String> {
    let param = op.pointer(&format!("/parameters/{index}")).ok_or("parameter vanished")?;
    let param = resolve_json(document, param);
    param.get("schema").cloned().ok_or("parameter without a schema".to_string())
}

/// Follows one local `$ref` (`#/...`).
fn resolve_json(document: &Value, value: &Value) -> Value {
    match value.get("$ref").and_then(Value::as_str) {
        Some(reference) => document.pointer(reference.trim_start_matches('#')).cloned().unwrap_or_default(),
        None => value.clone(),
    }
}

fn kind_of(spec: &OpenAPI, schema: &ReferenceOr<openapiv3::Schema>) -> Result<Kind, String> {
    use openapiv3::{SchemaKind, Type};
    let schema = match schema {
        ReferenceOr::Item(s) => s,
        ReferenceOr::Reference { reference } => {
            let name = reference.trim_start_matches("#/components/schemas/");
            spec.components
                .as_ref()
                .and_then(|c| c.schemas.get(name))
                .and_then(|s| s.as_item())
                .ok_or(format!("unresolved schema {reference}"))?
        }
    };
    Ok(match &schema.schema_kind {
        SchemaKind::Type(Type::Integer(_)) => Kind::Integer,
        SchemaKind::Type(Type::Number(_)) => Kind::Number,
        SchemaKind::Type(Type::Boolean(_)) => Kind::Boolean,
        SchemaKind::Type(Type::Array(array)) => {
            let item = match &array.items {
                Some(ReferenceOr::Item(item)) => kind_of(spec, &ReferenceOr::Item((**item).clone()))?,
                Some(ReferenceOr::Reference { reference }) => {
                    kind_of(spec, &ReferenceOr::Reference { reference: reference.clone() })?
                }
                None => Kind::String,
            };
            Kind::Array(Box::new(item))
        }
        _ => Kind::String,
    })
}

fn auth_of(document: &Value, scheme: &str) -> Result<Auth, String> {
    let scheme_json = document
        .pointer(&format!("/components/securitySchemes/{scheme}"))
        .ok_or(format!("unknown security scheme {scheme}"))?;
    let location = match scheme_json.get("in").and_then(Value::as_str) {
        Some("header") => Location::Header,
        Some("query") => Location::Query,
        other => return Err(format!("security scheme {scheme}: unsupported location {other:?}")),
    };
    let token = match scheme_json.get("x-pancake-token").and_then(Value::as_str) {
        Some("page") => TokenKind::Page,
        Some("user") => TokenKind::User,
        _ => return Err(format!("security scheme {scheme}: x-pancake-token must be page or user")),
    };
    let name = scheme_json.get("name").and_then(Value::as_str).ok_or(format!("{scheme}: no name"))?;
    Ok(Auth { location, name: name.to_string(), token })
}

/// A validator for one schema, with the spec's components that its `$ref`s reach (only
/// those: compiling every component for each of the spec's hundred schemas took a second).
fn validator(components: &Value, schema: &Value) -> Result<jsonschema::Validator, String> {
    let root = json!({ "components": reachable(components, schema), "allOf": [schema] });
    jsonschema::draft4::options().build(&root).map_err(|e| format!("schema {schema}: {e}"))
}

/// The components that `schema` reaches through `$ref`s (`#/components/<kind>/<name>`), in
/// the components' shape.
fn reachable(components: &Value, schema: &Value) -> Value {
    fn refs<'a>(value: &'a Value, out: &mut Vec<&'a str>) {
        match value {
            Value::Object(map) => {
                if let Some(Value::String(reference)) = map.get("$ref") {
                    out.push(reference);
                }
                map.values().for_each(|v| refs(v, out));
            }
            Value::Array(items) => items.iter().for_each(|v| refs(v, out)),
            _ => {}
        }
    }
    let mut kept = serde_json::Map::new();
    let mut pending = Vec::new();
    refs(schema, &mut pending);
    while let Some(reference) = pending.pop() {
        let Some((kind, name)) = reference.strip_prefix("#/components/").and_then(|r| r.split_once('/'))
        else {
            continue;
        };
        let Some(target) = components.get(kind).and_then(|k| k.get(name)) else { continue };
        let group = kept.entry(kind).or_insert_with(|| json!({}));
        if group.get(name).is_some() {
            continue;
        }
        group[name] = target.clone();
        refs(target, &mut pending);
    }
    Value::Object(kept)
}

/// For a `oneOf` whose variants each pin one property to a single enum value, the property and a
/// validator per value.
type Variants = Option<(String, Vec<(String, jsonschema::Validator)>)>;

fn discriminated_variants(document: &Value, components: &Value, schema: &Value) -> Result<Variants, String> {
    let schema = resolve_json(document, schema);
    let Some(one_of) = schema.get("oneOf").and_then(Value::as_array) else { return Ok(None) };
    let variants: Vec<Value> = one_of.iter().map(|v| resolve_json(document, v)).collect();
    let Some(first) = variants.first().and_then(|v| v.get("properties")).and_then(Value::as_object) else {
        return Ok(None);
    };
    let pinned = |variant: &Value, property: &str| -> Option<String> {
        let values = variant.pointer(&format!("/properties/{property}/enum"))?.as_array()?;
        match values.as_slice() {
            [Value::String(only)] => Some(only.clone()),
            _ => None,
        }
    };
    for property in first.keys() {
        let values: Option<Vec<String>> = variants.iter().map(|v| pinned(v, property)).collect();
        if let Some(values) = values {
            let validators = values
                .into_iter()
                .zip(&variants)
                .map(|(value, variant)| validator(components, variant).map(|v| (value, v)))
                .collect::<Result<_, _>>()?;
            return Ok(Some((property.clone(), validators)));
        }
    }
    Ok(None)
}

/// OpenAPI 3.0's `nullable: true` is `type: [T, "null"]` in JSON Schema.
fn openapi_nullable_to_json_schema(value: &mut Value) {
    match value {
        Value::Object(map) => {
            if map.get("nullable") == Some(&Value::Bool(true))
                && let Some(Value::String(t)) = map.get("type").cloned()
            {
                map.insert("type".into(), json!([t, "null"]));
            }
            map.values_mut().for_each(openapi_nullable_to_json_schema);
        }
        Value::Array(items) => items.iter_mut().for_each(openapi_nullable_to_json_schema),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_operation_of_both_specs_is_a_route() {
        let catalog = Catalog::load().unwrap();
        let declared =
            BOTCAKE_SPEC.matches("operationId:").count() + PANCAKE_SPEC.matches("operationId:").count();
        assert_eq!(catalog.routes.len(), declared);
        let botcake = catalog.routes.iter().filter(|r| r.api == ApiName::Botcake).count();
        assert_eq!(botcake, 11);
    }

    #[test]
    fn botcake_routes_carry_the_server_path() {
        let catalog = Catalog::load().unwrap();
        let Lookup::Found(m) = catalog.lookup("GET", "/api/public_api/v1/pages/1/flows/1,2") else {
            panic!("no route")
        };
        assert_eq!(m.route.operation_id, "get_flows_by_path");
        assert_eq!(m.path_params, vec![("page_id".into(), "1".into()), ("path".into(), "1,2".into())]);
    }

    #[test]
    fn literal_segments_win_over_parameters() {
        let catalog = Catalog::load().unwrap();
        let Lookup::Found(m) = catalog.lookup("POST", "/api/public_api/v1/pages/1/flows/send_flow") else {
            panic!("no route")
        };
        assert_eq!(m.route.operation_id, "send_flow");
        assert!(matches!(catalog.lookup("DELETE", "/api/v1/pages"), Lookup::WrongMethod(m) if m == ["GET"]));
        assert!(matches!(catalog.lookup("GET", "/nope"), Lookup::NotFound));
    }

    #[test]
    fn parameters_convert_and_validate_with_the_field_named() {
        let catalog = Catalog::load().unwrap();
        let route = catalog.routes.iter().find(|r| r.operation_id == "list_page_customers").unwrap();
        let size = route.params.iter().find(|p| p.name == "page_size").unwrap();
        assert_eq!(size.check("100").unwrap(), json!(100));
        let err = size.check("101").unwrap_err();
        assert!(err.starts_with("page_size: ") && err.contains("100"), "{err}");
        assert!(size.check("ten").unwrap_err().contains("expected an integer"));
    }

    #[test]
    fn discriminated_bodies_name_the_field_of_the_chosen_variant() {
        let catalog = Catalog::load().unwrap();
        let route = catalog.routes.iter().find(|r| r.operation_id == "send_message").unwrap();
        let body = route.body.as_ref().unwrap();
        assert!(body.check(&json!({"action": "reply_inbox", "message": "hi"})).is_ok());
        let err = body.check(&json!({"action": "private_replies", "message": "hi"})).unwrap_err();
        assert_eq!(err, "post_id: required field is missing");
        let err = body.check(&json!({"action": "shout"})).unwrap_err();
        assert!(err.starts_with("body.action: must be one of"), "{err}");
    }

    /// Every example of a spec, with the schema it illustrates and where it stands.
    fn examples(document: &Value) -> Vec<(String, Value, Value)> {
        let mut found = Vec::new();
        let media = |found: &mut Vec<(String, Value, Value)>, at: String, media: &Value| {
            let media = resolve_json(document, media);
            let Some(schema) = media.pointer("/content/application~1json/schema") else { return };
            if let Some(example) = media.pointer("/content/application~1json/example") {
                found.push((at.clone(), example.clone(), schema.clone()));
            }
            let named = media.pointer("/content/application~1json/examples").and_then(Value::as_object);
            for (name, example) in named.into_iter().flatten() {
                found.push((format!("{at} ({name})"), example["value"].clone(), schema.clone()));
            }
        };
        for (path, item) in document["paths"].as_object().unwrap() {
            for (method, op) in item.as_object().unwrap() {
                let at = format!("{method} {path}");
                if let Some(body) = op.get("requestBody") {
                    media(&mut found, format!("{at} request body"), body);
                }
                for (status, response) in op["responses"].as_object().unwrap() {
                    media(&mut found, format!("{at} {status}"), response);
                }
                for param in op.get("parameters").and_then(Value::as_array).into_iter().flatten() {
                    let param = resolve_json(document, param);
                    if let Some(example) = param.get("example") {
                        found.push((
                            format!("{at} parameter {}", param["name"]),
                            example.clone(),
                            param["schema"].clone(),
                        ));
                    }
                }
            }
        }
        for (name, schema) in document["components"]["schemas"].as_object().unwrap() {
            if let Some(example) = schema.get("example") {
                found.push((format!("schema {name}"), example.clone(), schema.clone()));
            }
        }
        found
    }

    #[test]
    fn every_example_of_the_specs_fits_its_schema() {
        let mut checked = 0;
        for text in [BOTCAKE_SPEC, PANCAKE_SPEC] {
            let mut document: Value = serde_yaml::from_str(text).unwrap();
            openapi_nullable_to_json_schema(&mut document);
            let components = document["components"].clone();
            for (at, example, schema) in examples(&document) {
                let validator = validator(&components, &schema).unwrap();
                if let Some(error) = first_error(&validator, &example) {
                    panic!("the example of {at} does not fit its schema: {error}");
                }
                checked += 1;
            }
        }
        assert!(checked > 60, "only {checked} examples found");
    }
}
