//! The operation model: each spec file read once into typed values that every generator reads
//! (never the raw JSON). It holds what the SDK needs of each operation (where its token goes,
//! its parameters and their bounds, its body, whether it is a read or a send, how it pages, its
//! cross-field rules) and the spec's named schemas, for the bindings' types.
//!
//! The extensions it understands:
//! - `x-pancake-token: page | user` on an apiKey security scheme: the SDK token it carries;
//! - `x-pancake-pagination` on a list: `items`, `cursor` (`page_number`, `current_count`,
//!   `offset`, `last_item`), `page_size`, `default_page_size` (what the API answers without
//!   one: the sandbox's page size), `total`, `first`/`next` (`current_count`), `param`
//!   (the parameter an `offset` or `last_item` list moves), `next_field` (the field of the last
//!   item that the next call of a `last_item` list starts after);
//! - `x-pancake-rate-limit: {calls, seconds}` at the root: the client's default pacing per page;
//! - `x-pancake-rules` on an operation: cross-field rules (`not_after`, `one_of`), see [`Rule`];
//! - `x-pancake-name` on a parameter: its name in every SDK when the API's name is not an
//!   identifier (`type[]`, `type`); the request still carries the API's name;
//! - `x-pancake-upload: {field, video_limits}` on a `multipart/form-data` operation: the
//!   file's field and the largest video each platform takes (bytes), see [`Upload`];
//! - `x-pancake-media: {field, upload, per_call}` on a send that carries uploaded content ids:
//!   the body field, the upload operation, and how many a call takes by platform, see [`Media`];
//! - `x-pancake-superseded-by: <operation>` on an older route that a newer one replaces;
//! - `x-pancake-secret: <field>` on an operation whose answer carries a new credential in that
//!   top-level field (a generated page token): the SDK redacts it from then on, like its own;
//! - `x-pancake-redirect: <field>` on an operation that answers a redirect: the SDK answers
//!   `{<field>: <Location>}` instead of following it;
//! - `x-pancake-webhooks: {suspension, events}` at the root: the events the API posts to a
//!   registered URL, each with its payload schema and how deliveries are told apart and
//!   ordered, see [`Webhooks`].

use serde_json::Value;

use crate::Result;

/// One API: its spec file read into the model.
#[derive(Debug)]
pub struct Spec {
    /// The spec file, from the workspace root (for messages and headers).
    pub file: String,
    /// The API's name in code: `pancake`, `botcake`.
    pub module: String,
    /// Its name in types: `Pancake`, `Botcake`.
    pub class: String,
    /// The first of the spec's `servers`.
    pub server: String,
    /// `x-pancake-rate-limit`: the client's default pacing, calls per seconds per page.
    pub rate_limit: Option<(u64, u64)>,
    /// Every operation, in the spec's order.
    pub operations: Vec<Operation>,
    /// The named schemas (`components.schemas`), in the spec's order.
    pub schemas: Vec<(String, Schema)>,
    /// `x-pancake-webhooks`: the events the API posts, if any.
    pub webhooks: Option<Webhooks>,
    /// The document as openapiv3 reads it, for progenitor.
    pub openapi: openapiv3::OpenAPI,
    /// The file's text, as written.
    pub text: String,
}

/// `x-pancake-webhooks`: the events an API posts to a registered URL.
#[derive(Debug, Clone, PartialEq)]
pub struct Webhooks {
    /// The suspension rule: over `failure_rate` failed and at least `failures` within `minutes`.
    pub failure_rate: f64,
    pub failures: u64,
    pub minutes: u64,
    /// The events, in the spec's order (new ones go last: the C kinds are numbered by it).
    pub events: Vec<WebhookEvent>,
}

/// One webhook event.
#[derive(Debug, Clone, PartialEq)]
pub struct WebhookEvent {
    /// Its `event_type`: `messaging`.
    pub name: String,
    /// Its payload's named schema.
    pub schema: String,
    /// The payload's description (from the schema).
    pub description: String,
    /// Dotted field paths that identify a delivery, the first present one counting.
    pub dedupe: Vec<String>,
    /// `(key, version)` field paths when the events of one key are ordered by a version.
    pub order: Option<(String, String)>,
}

/// One operation.
#[derive(Debug, Clone, PartialEq)]
pub struct Operation {
    pub id: String,
    /// `GET`, `POST`, ...
    pub method: String,
    /// The route template, `/pages/{page_id}/tags`.
    pub path: String,
    pub summary: String,
    pub description: String,
    /// Where its credential goes; `None` for an operation that takes none.
    pub auth: Option<Auth>,
    pub params: Vec<Param>,
    pub body: Option<Body>,
    /// A send (not GET/HEAD): never repeated once it may have left.
    pub send: bool,
    pub pagination: Option<Pagination>,
    /// The checks made before sending: bounds from the schemas, and `x-pancake-rules`.
    pub rules: Vec<Rule>,
    /// The schema of the 200 answer.
    pub response: Option<Schema>,
    /// `x-pancake-redirect`: the field that carries the redirect's `Location`.
    pub redirect: Option<String>,
    /// `x-pancake-superseded-by`: the newer operation that replaces this older route.
    pub superseded_by: Option<String>,
    /// `x-pancake-secret`: the answer's field that carries a new credential.
    pub secret: Option<String>,
    /// `x-pancake-upload`: the file a `multipart/form-data` operation sends.
    pub upload: Option<Upload>,
    /// `x-pancake-media`: the uploaded content a send carries.
    pub media: Option<Media>,
}

/// The uploaded content a send carries (`x-pancake-media`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Media {
    /// The body field of the content ids.
    pub field: String,
    /// The operation that uploads a file and answers its id.
    pub upload: String,
    /// The most content ids a call takes, by platform, in the spec's order.
    pub per_call: Vec<(String, u64)>,
}

/// The file of an upload operation (`x-pancake-upload`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Upload {
    /// The multipart field that carries the file.
    pub field: String,
    /// The largest video each platform takes, in bytes, in the spec's order.
    pub video_limits: Vec<(String, u64)>,
}

/// Which token an operation takes, and where it goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Auth {
    /// `Page` or `User`.
    pub token: String,
    /// `Header` or `Query`.
    pub location: String,
    /// The header's or the query parameter's name.
    pub name: String,
    /// The security scheme's description.
    pub description: String,
}

/// A path or query parameter.
#[derive(Debug, Clone, PartialEq)]
pub struct Param {
    /// Its name in the SDKs (`x-pancake-name`, else the API's name).
    pub name: String,
    /// Its name on the wire, the API's.
    pub wire: String,
    /// `path` or `query`.
    pub location: String,
    pub required: bool,
    pub description: String,
    pub schema: Schema,
}

/// A request body.
#[derive(Debug, Clone, PartialEq)]
pub struct Body {
    pub required: bool,
    /// The named schema, if the body is one.
    pub type_name: Option<String>,
    /// Its fields, merged over the body's `oneOf` variants, in order of appearance.
    pub fields: Vec<Field>,
    /// How many variants the body has (1 without `oneOf`).
    pub variants: usize,
}

/// One field of a body, as the flat argument lists of Python, the CLI and C see it.
#[derive(Debug, Clone, PartialEq)]
pub struct Field {
    pub name: String,
    /// In how many variants it is required.
    pub required_in: usize,
    /// Its schema in each variant that has it.
    pub schemas: Vec<Schema>,
}

/// How a list walks its pages.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pagination {
    /// The answer's array of items.
    pub items: String,
    pub cursor: Cursor,
    /// The `page_size` each call sends.
    pub page_size: Option<i64>,
    /// The items a call answers when it sends no `page_size`.
    pub default_page_size: Option<i64>,
    /// The answer's field counting every match.
    pub total: Option<String>,
}

/// The parameter that moves through a list, and how.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Cursor {
    /// `page_number`, from 1.
    PageNumber,
    /// `current_count`, the items read so far; `first` and `next` items a call.
    CurrentCount { first: Option<u64>, next: Option<u64> },
    /// `param` takes the `next_field` of the last item read (a conversation id, ...).
    LastItem { param: String, next_field: String },
    /// `param` is the number of items to skip.
    Offset { param: String },
}

impl Cursor {
    /// The parameter the walk sets.
    pub fn param(&self) -> &str {
        match self {
            Cursor::PageNumber => "page_number",
            Cursor::CurrentCount { .. } => "current_count",
            Cursor::LastItem { param, .. } | Cursor::Offset { param } => param,
        }
    }
}

/// A check made before a request is sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Rule {
    /// A numeric query parameter's bounds (`minimum`, `maximum`).
    Number { name: String, minimum: Option<i64>, maximum: Option<i64> },
    /// The most items a body array holds (`maxItems`), at a path of object keys.
    MaxItems { path: Vec<String>, max: u64 },
    /// The fewest items a body array holds (`minItems`), at a path of object keys.
    MinItems { path: Vec<String>, min: u64 },
    /// `x-pancake-rules: [{not_after: [since, until]}]`: a number not larger than another.
    NotAfter { field: String, other: String },
    /// `x-pancake-rules: [{one_of: [a, b], when: {key: value}, both: "...", neither: "..."}]`:
    /// exactly one of the body's string fields is given (non-empty), when the body's `key` is
    /// `value`; `both` and `neither` are the messages.
    OneOf { fields: Vec<String>, when: Option<(String, String)>, both: String, neither: String },
}

/// A schema, as far as the generators need it.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Schema {
    /// The named schema it refers to (`$ref`), if any; the rest is then empty.
    pub reference: Option<String>,
    /// `string`, `integer`, `number`, `boolean`, `array`, `object`, or empty.
    pub kind: String,
    pub description: String,
    pub nullable: bool,
    /// `enum` values.
    pub values: Vec<Value>,
    pub minimum: Option<i64>,
    pub maximum: Option<i64>,
    pub max_items: Option<u64>,
    pub pattern: Option<String>,
    /// An array's items.
    pub items: Option<Box<Schema>>,
    /// An object's properties, in order.
    pub properties: Vec<(String, Schema)>,
    pub required: Vec<String>,
    /// An object's `additionalProperties` schema, when it has one.
    pub additional: Option<Box<Schema>>,
    /// `oneOf` variants.
    pub one_of: Vec<Schema>,
}

impl Spec {
    /// Reads one spec file (path from the workspace root).
    pub fn load(file: &str, module: &str, class: &str) -> Result<Spec> {
        let path = crate::root().join(file);
        let text = std::fs::read_to_string(&path).map_err(|e| format!("{}: {e}", path.display()))?;
        Spec::parse(file, module, class, &text)
    }

    /// Reads a spec from its text.
    pub fn parse(file: &str, module: &str, class: &str, text: &str) -> Result<Spec> {
        let document: Value = serde_yaml::from_str(text).map_err(|e| format!("{file}: {e}"))?;
        let openapi: openapiv3::OpenAPI = serde_json::from_value(document.clone())
            .map_err(|e| format!("{file}: not an OpenAPI 3.0 document: {e}"))?;
        let reader = Reader { document: &document, file };
        let server = document["servers"][0]["url"].as_str().ok_or(format!("{file}: no server"))?.to_string();
        let mut operations = Vec::new();
        for (path, item) in document["paths"].as_object().into_iter().flatten() {
            for (method, op) in item.as_object().into_iter().flatten() {
                operations.push(reader.operation(path, method, op)?);
            }
        }
        for op in &operations {
            if let Some(media) = &op.media
                && !operations.iter().any(|o| o.id == media.upload && o.upload.is_some())
            {
                return Err(format!(
                    "{file}: {}: x-pancake-media names no upload operation {}",
                    op.id, media.upload
                ));
            }
            if let Some(newer) = &op.superseded_by
                && !operations.iter().any(|o| &o.id == newer)
            {
                return Err(format!("{file}: {}: x-pancake-superseded-by names no operation {newer}", op.id));
            }
        }
        let schemas: Vec<(String, Schema)> = document["components"]["schemas"]
            .as_object()
            .into_iter()
            .flatten()
            .map(|(name, schema)| (name.clone(), reader.schema(schema)))
            .collect();
        let limit = &document["x-pancake-rate-limit"];
        let rate_limit = match (limit["calls"].as_u64(), limit["seconds"].as_u64()) {
            (Some(calls), Some(seconds)) => Some((calls, seconds)),
            _ if limit.is_null() => None,
            _ => return Err(format!("{file}: x-pancake-rate-limit takes `calls` and `seconds`")),
        };
        let mut webhooks = webhooks(file, &document["x-pancake-webhooks"], &schemas)?;
        if let Some(hooks) = &mut webhooks {
            // The spec's order (a JSON object forgets it): the C kinds' values follow it, so a
            // new event goes last and changes no value.
            let ordered: serde_yaml::Value =
                serde_yaml::from_str(text).map_err(|e| format!("{file}: {e}"))?;
            let names: Vec<String> = ordered["x-pancake-webhooks"]["events"]
                .as_mapping()
                .into_iter()
                .flatten()
                .filter_map(|(name, _)| name.as_str().map(str::to_string))
                .collect();
            hooks.events.sort_by_key(|e| names.iter().position(|n| *n == e.name));
        }
        Ok(Spec {
            webhooks,
            rate_limit,
            file: file.to_string(),
            module: module.to_string(),
            class: class.to_string(),
            server,
            operations,
            schemas,
            openapi,
            text: text.to_string(),
        })
    }

    /// A named schema.
    pub fn schema(&self, name: &str) -> Option<&Schema> {
        self.schemas.iter().find(|(n, _)| n == name).map(|(_, s)| s)
    }

    /// The ids of the list operations.
    pub fn lists_ids(&self) -> Vec<&str> {
        self.operations.iter().filter(|op| op.pagination.is_some()).map(|op| op.id.as_str()).collect()
    }

    /// A schema with its reference followed (once).
    pub fn resolve<'a>(&'a self, schema: &'a Schema) -> &'a Schema {
        match &schema.reference {
            Some(name) => self.schema(name).unwrap_or(schema),
            None => schema,
        }
    }
}

impl Spec {
    /// The tokens the API takes, each once, with the scheme that carries it.
    pub fn tokens(&self) -> Vec<&Auth> {
        let mut tokens: Vec<&Auth> = Vec::new();
        for auth in self.operations.iter().filter_map(|op| op.auth.as_ref()) {
            if !tokens.iter().any(|t| t.token == auth.token) {
                tokens.push(auth);
            }
        }
        tokens
    }
}

impl Operation {
    /// The schema of one item of a list's answer.
    pub fn item_schema<'a>(&'a self, spec: &'a Spec) -> Option<&'a Schema> {
        let pagination = self.pagination.as_ref()?;
        let response = spec.resolve(self.response.as_ref()?);
        let items = response.properties.iter().find(|(n, _)| *n == pagination.items)?;
        spec.resolve(&items.1).items.as_deref()
    }
}

/// Reads one document.
struct Reader<'a> {
    document: &'a Value,
    file: &'a str,
}

impl Reader<'_> {
    fn resolve(&self, value: &Value) -> Value {
        match value.get("$ref").and_then(Value::as_str) {
            Some(r) => self.document.pointer(r.trim_start_matches('#')).cloned().unwrap_or_default(),
            None => value.clone(),
        }
    }

    fn operation(&self, path: &str, method: &str, op: &Value) -> Result<Operation> {
        let id =
            op["operationId"].as_str().ok_or(format!("{}: {method} {path}: no operationId", self.file))?;
        let at = |what: &str| format!("{}: {id}: {what}", self.file);
        let mut params = Vec::new();
        for param in op["parameters"].as_array().into_iter().flatten() {
            let param = self.resolve(param);
            let location = param["in"].as_str().unwrap_or_default().to_string();
            if location != "path" && location != "query" {
                return Err(at(&format!("parameters in {location} are not supported")));
            }
            let wire = param["name"].as_str().unwrap_or_default().to_string();
            params.push(Param {
                name: param["x-pancake-name"].as_str().map_or_else(|| wire.clone(), str::to_string),
                wire,
                required: param["required"].as_bool().unwrap_or(false),
                description: text(&param["description"]),
                schema: self.schema(&param["schema"]),
                location,
            });
        }
        let upload = match op.get("x-pancake-upload") {
            Some(upload) => Some(Upload {
                field: upload["field"].as_str().ok_or(at("x-pancake-upload needs `field`"))?.to_string(),
                video_limits: upload["video_limits"]
                    .as_object()
                    .into_iter()
                    .flatten()
                    .map(|(platform, bytes)| {
                        bytes
                            .as_u64()
                            .map(|b| (platform.clone(), b))
                            .ok_or(at("video_limits are byte counts"))
                    })
                    .collect::<Result<_>>()?,
            }),
            None => None,
        };
        let media = match op.get("x-pancake-media") {
            Some(media) => Some(Media {
                field: media["field"].as_str().ok_or(at("x-pancake-media needs `field`"))?.to_string(),
                upload: media["upload"].as_str().ok_or(at("x-pancake-media needs `upload`"))?.to_string(),
                per_call: media["per_call"]
                    .as_object()
                    .into_iter()
                    .flatten()
                    .map(|(platform, n)| {
                        n.as_u64().map(|n| (platform.clone(), n)).ok_or(at("per_call are counts"))
                    })
                    .collect::<Result<_>>()?,
            }),
            None => None,
        };
        let multipart = op.pointer("/requestBody/content/multipart~1form-data").is_some();
        if multipart != upload.is_some() {
            return Err(at("a multipart/form-data body goes with x-pancake-upload, and only it"));
        }
        // The file is not a JSON body: the SDKs take it apart (`Upload`).
        let body = match multipart {
            true => None,
            false => op.get("requestBody").map(|request| self.body(&self.resolve(request))),
        };
        let mut rules = Vec::new();
        for param in params.iter().filter(|p| p.location == "query") {
            let resolved = self.resolved(&param.schema);
            if resolved.minimum.is_some() || resolved.maximum.is_some() {
                rules.push(Rule::Number {
                    name: param.name.clone(),
                    minimum: resolved.minimum,
                    maximum: resolved.maximum,
                });
            }
        }
        if let Some(schema) = op.pointer("/requestBody/content/application~1json/schema") {
            self.max_items(&self.resolve(schema), &mut Vec::new(), &mut rules);
        }
        for rule in op["x-pancake-rules"].as_array().into_iter().flatten() {
            rules.push(self.rule(rule).map_err(|e| at(&e))?);
        }
        let pagination = match op.get("x-pancake-pagination") {
            Some(p) => Some(pagination(p).map_err(|e| at(&e))?),
            None => None,
        };
        if let Some(Pagination { cursor: Cursor::LastItem { param, .. }, .. }) = &pagination {
            let string = params
                .iter()
                .find(|p| p.name == *param)
                .is_some_and(|p| self.resolved(&p.schema).kind == "string");
            if !string {
                return Err(at(&format!("the last_item cursor `{param}` must be a string query parameter")));
            }
        }
        let method = method.to_uppercase();
        let auth = self.auth(op).map_err(|e| at(&e))?;
        // A redirect is answered as its `Location`: only where no token went out, so that a
        // `Location` echoing the request can hold none.
        if op.get("x-pancake-redirect").is_some() && (method != "GET" || auth.is_some()) {
            return Err(at("x-pancake-redirect is for a GET that takes no token (`security: []`)"));
        }
        if let Some(field) = op.get("x-pancake-secret") {
            let answer =
                op.pointer("/responses/200/content/application~1json/schema").map(|s| self.schema(s));
            let carried = field.as_str().zip(answer.as_ref()).is_some_and(|(field, answer)| {
                let answer = self.resolved(answer);
                answer.properties.iter().any(|(name, schema)| name == field && schema.kind == "string")
            });
            if !carried {
                return Err(at("x-pancake-secret names a string field of the 200 answer"));
            }
        }
        for (i, param) in params.iter().enumerate() {
            let clash = params.iter().enumerate().any(|(j, other)| {
                i != j && (other.wire == param.name || other.name == param.name || other.wire == param.wire)
            });
            let token = auth.as_ref().is_some_and(|a| a.name == param.wire || a.name == param.name);
            if clash || token {
                return Err(at(&format!(
                    "parameter {} ({}) takes the name of another parameter or of the token",
                    param.name, param.wire
                )));
            }
        }
        // A call decodes every success into the type of the operation's 200 answer (the JSON
        // door hands any success over): a 2xx other than 200, or `default`, would declare
        // answers of another type, which no call would decode as that type.
        if let Some(responses) = op["responses"].as_object() {
            for status in responses.keys() {
                let declared = status == "200"
                    || status.starts_with('4')
                    || status.starts_with('5')
                    || (status.starts_with('3') && op["x-pancake-redirect"].is_string());
                if !declared {
                    return Err(at(&format!(
                        "response {status}: an operation answers 200, 3xx (with x-pancake-redirect), 4xx or 5xx"
                    )));
                }
            }
        }
        Ok(Operation {
            id: id.to_string(),
            send: method != "GET" && method != "HEAD",
            method,
            path: path.to_string(),
            summary: one_line(&op["summary"]),
            description: text(&op["description"]),
            auth,
            params,
            body,
            pagination,
            rules,
            response: op.pointer("/responses/200/content/application~1json/schema").map(|s| self.schema(s)),
            redirect: op["x-pancake-redirect"].as_str().map(str::to_string),
            superseded_by: op["x-pancake-superseded-by"].as_str().map(str::to_string),
            secret: op["x-pancake-secret"].as_str().map(str::to_string),
            upload,
            media,
        })
    }

    /// A schema with its reference followed.
    fn resolved(&self, schema: &Schema) -> Schema {
        match &schema.reference {
            Some(name) => self.schema(&self.document["components"]["schemas"][name]),
            None => schema.clone(),
        }
    }

    fn auth(&self, op: &Value) -> std::result::Result<Option<Auth>, String> {
        let requirements = op.get("security").or(self.document.get("security"));
        let Some(name) = requirements
            .and_then(|r| r.get(0))
            .and_then(Value::as_object)
            .and_then(|r| r.keys().next().cloned())
        else {
            return Ok(None);
        };
        let scheme = &self.document["components"]["securitySchemes"][&name];
        if scheme["type"] != "apiKey" {
            return Err(format!("security scheme {name} is not an apiKey"));
        }
        let location = match scheme["in"].as_str() {
            Some("header") => "Header",
            Some("query") => "Query",
            other => return Err(format!("security scheme {name}: keys in {other:?} are not supported")),
        };
        let token = match scheme["x-pancake-token"].as_str() {
            Some("page") => "Page",
            Some("user") => "User",
            _ => return Err(format!("security scheme {name}: set x-pancake-token to page or user")),
        };
        Ok(Some(Auth {
            token: token.into(),
            location: location.into(),
            name: scheme["name"].as_str().unwrap_or_default().into(),
            description: one_line(&scheme["description"]),
        }))
    }

    fn body(&self, request: &Value) -> Body {
        let raw = &request["content"]["application/json"]["schema"];
        let type_name = raw["$ref"].as_str().map(|r| r.rsplit('/').next().unwrap_or_default().to_string());
        let schema = self.resolve(raw);
        let variants: Vec<Value> = match schema["oneOf"].as_array() {
            Some(variants) => variants.iter().map(|v| self.resolve(v)).collect(),
            None => vec![schema],
        };
        let mut fields: Vec<Field> = Vec::new();
        for variant in &variants {
            let required: Vec<&str> =
                variant["required"].as_array().into_iter().flatten().filter_map(Value::as_str).collect();
            for (name, property) in variant["properties"].as_object().into_iter().flatten() {
                let index = match fields.iter().position(|f| f.name == *name) {
                    Some(index) => index,
                    None => {
                        fields.push(Field { name: name.clone(), required_in: 0, schemas: Vec::new() });
                        fields.len() - 1
                    }
                };
                fields[index].schemas.push(self.schema(property));
                fields[index].required_in += usize::from(required.contains(&name.as_str()));
            }
        }
        Body {
            required: request["required"].as_bool().unwrap_or(false),
            type_name,
            fields,
            variants: variants.len(),
        }
    }

    /// The `maxItems` and `minItems` of the arrays below an object schema, with their property paths.
    fn max_items(&self, schema: &Value, path: &mut Vec<String>, found: &mut Vec<Rule>) {
        if path.len() > 8 {
            return;
        }
        if let Some(max) = schema["maxItems"].as_u64() {
            found.push(Rule::MaxItems { path: path.clone(), max });
        }
        if let Some(min) = schema["minItems"].as_u64().filter(|min| *min > 0) {
            found.push(Rule::MinItems { path: path.clone(), min });
        }
        for (name, property) in schema["properties"].as_object().into_iter().flatten() {
            path.push(name.clone());
            self.max_items(&self.resolve(property), path, found);
            path.pop();
        }
    }

    fn rule(&self, rule: &Value) -> std::result::Result<Rule, String> {
        let strings = |value: &Value| -> Vec<String> {
            value.as_array().into_iter().flatten().filter_map(Value::as_str).map(str::to_string).collect()
        };
        if let Some(pair) = rule.get("not_after") {
            let [field, other] = strings(pair).try_into().map_err(|_| "not_after takes two names")?;
            return Ok(Rule::NotAfter { field, other });
        }
        if let Some(fields) = rule.get("one_of") {
            let fields = strings(fields);
            if fields.len() < 2 {
                return Err("one_of takes two names or more".into());
            }
            let when = match rule["when"].as_object() {
                Some(when) => {
                    let (key, value) = when.iter().next().ok_or("when takes one key")?;
                    Some((key.clone(), value.as_str().ok_or("when takes a string value")?.to_string()))
                }
                None => None,
            };
            let message =
                |key: &str| rule[key].as_str().map(str::to_string).ok_or(format!("one_of needs `{key}`"));
            return Ok(Rule::OneOf { fields, when, both: message("both")?, neither: message("neither")? });
        }
        Err(format!("unknown rule {rule}"))
    }

    fn schema(&self, value: &Value) -> Schema {
        self.schema_at(value, 0)
    }

    fn schema_at(&self, value: &Value, depth: usize) -> Schema {
        if depth > 32 {
            return Schema::default();
        }
        if let Some(reference) = value["$ref"].as_str() {
            return Schema {
                reference: Some(reference.rsplit('/').next().unwrap_or_default().to_string()),
                ..Schema::default()
            };
        }
        // `allOf` of one `$ref`: that schema, with this one's description and nullability (the
        // way OpenAPI 3.0 makes a reference nullable).
        if let Some([only]) = value["allOf"].as_array().map(Vec::as_slice)
            && let Some(reference) = only["$ref"].as_str()
        {
            return Schema {
                reference: Some(reference.rsplit('/').next().unwrap_or_default().to_string()),
                description: text(&value["description"]),
                nullable: value["nullable"] == true,
                ..Schema::default()
            };
        }
        let child = |v: &Value| self.schema_at(v, depth + 1);
        Schema {
            reference: None,
            kind: value["type"].as_str().unwrap_or_default().to_string(),
            description: text(&value["description"]),
            nullable: value["nullable"] == true,
            values: value["enum"].as_array().cloned().unwrap_or_default(),
            minimum: value["minimum"].as_i64(),
            maximum: value["maximum"].as_i64(),
            max_items: value["maxItems"].as_u64(),
            pattern: value["pattern"].as_str().map(str::to_string),
            items: value.get("items").map(|v| Box::new(child(v))),
            properties: value["properties"]
                .as_object()
                .into_iter()
                .flatten()
                .map(|(name, v)| (name.clone(), child(v)))
                .collect(),
            required: value["required"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(Value::as_str)
                .map(str::to_string)
                .collect(),
            additional: match value.get("additionalProperties") {
                Some(Value::Object(map)) if !map.is_empty() => {
                    Some(Box::new(child(&value["additionalProperties"])))
                }
                _ => None,
            },
            one_of: value["oneOf"].as_array().into_iter().flatten().map(child).collect(),
        }
    }
}

fn pagination(value: &Value) -> std::result::Result<Pagination, String> {
    let items = value["items"].as_str().ok_or("x-pancake-pagination needs items")?.to_string();
    let param = || value["param"].as_str().map(str::to_string);
    let cursor = match value["cursor"].as_str() {
        Some("page_number") => Cursor::PageNumber,
        Some("current_count") => {
            Cursor::CurrentCount { first: value["first"].as_u64(), next: value["next"].as_u64() }
        }
        Some("last_item") => Cursor::LastItem {
            param: param().ok_or("a last_item list needs `param`")?,
            next_field: value["next_field"]
                .as_str()
                .ok_or("a last_item list needs `next_field`")?
                .to_string(),
        },
        Some("offset") => Cursor::Offset { param: param().ok_or("an offset list needs `param`")? },
        other => return Err(format!("unknown pagination cursor {other:?}")),
    };
    Ok(Pagination {
        items,
        cursor,
        page_size: value["page_size"].as_i64(),
        default_page_size: value["default_page_size"].as_i64(),
        total: value["total"].as_str().map(str::to_string),
    })
}

/// A spec's text, trimmed.
fn text(value: &Value) -> String {
    value.as_str().unwrap_or_default().trim().to_string()
}

/// Reads `x-pancake-webhooks` (`Value::Null`: none), checking that each event's schema exists.
fn webhooks(file: &str, value: &Value, schemas: &[(String, Schema)]) -> Result<Option<Webhooks>> {
    if value.is_null() {
        return Ok(None);
    }
    let bad = |what: &str| format!("{file}: x-pancake-webhooks: {what}");
    let rule = &value["suspension"];
    let (Some(failure_rate), Some(failures), Some(minutes)) =
        (rule["failure_rate"].as_f64(), rule["failures"].as_u64(), rule["minutes"].as_u64())
    else {
        return Err(bad("`suspension` takes `failure_rate`, `failures` and `minutes`"));
    };
    let mut events = Vec::new();
    for (name, event) in value["events"].as_object().ok_or_else(|| bad("no `events`"))? {
        let schema = event["schema"].as_str().ok_or_else(|| bad(&format!("{name}: no `schema`")))?;
        let Some((_, payload)) = schemas.iter().find(|(n, _)| n == schema) else {
            return Err(bad(&format!("{name}: no schema {schema}")));
        };
        let dedupe: Vec<String> = event["dedupe"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
            .map(str::to_string)
            .collect();
        if dedupe.is_empty() {
            return Err(bad(&format!("{name}: `dedupe` lists no field")));
        }
        let order = match (event["order"]["key"].as_str(), event["order"]["version"].as_str()) {
            (Some(key), Some(version)) => Some((key.to_string(), version.to_string())),
            _ if event["order"].is_null() => None,
            _ => return Err(bad(&format!("{name}: `order` takes `key` and `version`"))),
        };
        let is_identifier = name.chars().all(|c| c.is_ascii_lowercase() || c == '_') && !name.is_empty();
        if !is_identifier {
            return Err(bad(&format!("{name:?}: an event name is lower-case letters and `_`")));
        }
        events.push(WebhookEvent {
            name: name.clone(),
            schema: schema.to_string(),
            description: payload.description.clone(),
            dedupe,
            order,
        });
    }
    for event in &events {
        let fields = event.dedupe.iter().filter(|f| *f != "request_id");
        for field in fields.chain(event.order.iter().flat_map(|(k, v)| [k, v])) {
            if !has_field(schemas, &event.schema, field) {
                return Err(bad(&format!("{}: {} has no field {field}", event.name, event.schema)));
            }
        }
    }
    Ok(Some(Webhooks { failure_rate, failures, minutes, events }))
}

/// Whether the named schema has the dotted field (through references).
fn has_field(schemas: &[(String, Schema)], schema: &str, dotted: &str) -> bool {
    let named = |name: &str| schemas.iter().find(|(n, _)| n == name).map(|(_, s)| s);
    let mut current = named(schema);
    for key in dotted.split('.') {
        let object = current.and_then(|s| match &s.reference {
            Some(name) => named(name),
            None => Some(s),
        });
        current = object.and_then(|s| s.properties.iter().find(|(n, _)| n == key).map(|(_, s)| s));
    }
    current.is_some()
}

/// A spec's text on one line (for flags' help and C comments).
pub fn one_line(value: &Value) -> String {
    value.as_str().unwrap_or_default().split_whitespace().collect::<Vec<_>>().join(" ")
}

/// A text on one line.
pub fn flat(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The project's APIs: spec file, module, class.
pub const APIS: [(&str, &str, &str); 2] =
    [("spec/botcake.yaml", "botcake", "Botcake"), ("spec/pancake.yaml", "pancake", "Pancake")];

/// Every spec of the project, read once.
pub fn load_all() -> Result<Vec<Spec>> {
    APIS.iter().map(|(file, module, class)| Spec::load(file, module, class)).collect()
}

/// The fixture API of the generators' tests, which uses every extension
/// (`xtask/tests/fixtures/shop.yaml`); its Rust client is compiled into the SDK's tests.
pub fn fixture() -> Result<Spec> {
    Spec::load("xtask/tests/fixtures/shop.yaml", "shop", "Shop")
}

/// Reads the specs of `APIS` from another folder (for the tests of the generators).
#[cfg(test)]
pub fn load_from(dir: &std::path::Path) -> Result<Vec<Spec>> {
    APIS.iter()
        .map(|(file, module, class)| {
            let name = std::path::Path::new(file).file_name().unwrap_or_default();
            let text = std::fs::read_to_string(dir.join(name)).map_err(|e| format!("{file}: {e}"))?;
            Spec::parse(file, module, class, &text)
        })
        .collect()
}
