//! An operation's arguments from the command line: each flag's text as JSON, and the body
//! (from its flags, or a JSON file or stdin).

use std::io::Read;

use clap::ArgMatches;
use serde_json::{Map, Value};

use crate::output::Failure;
use crate::table::{Flag, Kind, Operation};

/// A flag's text as JSON, or an error naming the flag.
pub fn value(flag: &Flag, text: &str) -> Result<Value, Failure> {
    let bad = |what: &str| Failure { code: 3, message: format!("--{}: {what}, got {text:?}", flag.long) };
    Ok(match flag.kind {
        Kind::String => Value::String(text.to_string()),
        Kind::Integer => {
            text.trim().parse::<i64>().map(Value::from).map_err(|_| bad("expected a whole number"))?
        }
        Kind::Number => text.trim().parse::<f64>().map(Value::from).map_err(|_| bad("expected a number"))?,
        Kind::Boolean => match text.trim() {
            "true" => Value::Bool(true),
            "false" => Value::Bool(false),
            _ => return Err(bad("expected true or false")),
        },
        Kind::IntegerList => Value::Array(
            text.split(',')
                .map(|part| part.trim().parse::<i64>().map(Value::from))
                .collect::<Result<_, _>>()
                .map_err(|_| bad("expected comma-separated whole numbers"))?,
        ),
        Kind::StringList => {
            Value::Array(text.split(',').map(|part| Value::String(part.trim().to_string())).collect())
        }
        Kind::Json => serde_json::from_str(text).map_err(|_| bad("expected JSON"))?,
    })
}

/// An upload's file from the command line: `--file PATH`, `--mime-type`, `--platform`.
pub fn upload(op: &Operation, matches: &ArgMatches) -> Result<Option<pancake_sdk::Upload>, Failure> {
    let Some(rule) = &op.upload else { return Ok(None) };
    let Some(path) = matches.try_get_one::<String>(rule.field).ok().flatten() else { return Ok(None) };
    let mut file = pancake_sdk::Upload::from_path(path)?;
    if let Some(mime_type) = matches.try_get_one::<String>("mime-type").ok().flatten() {
        file = file.mime_type(mime_type.clone());
    }
    if let Some(platform) = matches.try_get_one::<String>("platform").ok().flatten() {
        file = file.platform(platform.clone());
    }
    Ok(Some(file))
}

/// The operation's arguments from the command line: its parameters, and its `body`.
pub fn arguments(op: &Operation, matches: &ArgMatches) -> Result<Map<String, Value>, Failure> {
    let mut args = Map::new();
    for flag in op.params {
        if let Some(text) = matches.try_get_one::<String>(flag.name).ok().flatten() {
            args.insert(flag.name.into(), value(flag, text)?);
        }
    }
    if op.body.is_empty() {
        return Ok(args);
    }
    let mut body = match matches.try_get_one::<String>("body-file").ok().flatten() {
        Some(source) => read_body(source)?,
        None => Map::new(),
    };
    for flag in op.body {
        if let Some(text) = matches.try_get_one::<String>(flag.name).ok().flatten() {
            body.insert(flag.name.into(), value(flag, text)?);
        }
    }
    if !body.is_empty() || op.body_required {
        args.insert("body".into(), Value::Object(body));
    }
    Ok(args)
}

fn read_body(source: &str) -> Result<Map<String, Value>, Failure> {
    let mut text = String::new();
    let read = if source == "-" {
        std::io::stdin().read_to_string(&mut text)
    } else {
        std::fs::File::open(source).and_then(|mut file| file.read_to_string(&mut text))
    };
    read.map_err(|e| Failure::usage(format!("--body-file {source}: {e}")))?;
    match serde_json::from_str(&text) {
        Ok(Value::Object(body)) => Ok(body),
        Ok(_) => {
            Err(Failure { code: 3, message: format!("--body-file {source}: the body must be a JSON object") })
        }
        Err(e) => Err(Failure { code: 3, message: format!("--body-file {source}: not valid JSON: {e}") }),
    }
}
