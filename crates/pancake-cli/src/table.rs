//! The shape of the generated table of operations (`operations.rs`).

/// Which API an operation belongs to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Api {
    /// Botcake.
    Botcake,
    /// Pancake.
    Pancake,
}

impl Api {
    /// What the SDK knows of the API's operations.
    pub fn descriptor(self) -> &'static pancake_sdk::api::Descriptor {
        match self {
            Api::Botcake => &pancake_sdk::botcake::API,
            Api::Pancake => &pancake_sdk::pancake::API,
        }
    }
}

/// How a list pages, from the SDK's table (`None` for an operation that is not a list).
pub fn list(api: Api, id: &str) -> Option<&'static pancake_sdk::paginate::List> {
    api.descriptor().operation(id).and_then(|op| op.list.as_ref())
}

/// How a flag's text becomes JSON.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// As it is.
    String,
    /// A whole number.
    Integer,
    /// A number (no operation of the current specs has one).
    #[allow(dead_code)]
    Number,
    /// `true` or `false`.
    Boolean,
    /// Comma-separated whole numbers.
    IntegerList,
    /// Comma-separated texts.
    StringList,
    /// JSON text.
    Json,
}

/// One flag: a parameter or a body field.
#[derive(Debug)]
pub struct Flag {
    /// The spec's name (`page_id`).
    pub name: &'static str,
    /// The flag (`--page-id`).
    pub long: &'static str,
    /// How its text becomes JSON.
    pub kind: Kind,
    /// Whether it must be given.
    pub required: bool,
    /// The spec's description, with the constraints.
    pub help: &'static str,
    /// The values it may take, when the spec lists them.
    pub values: &'static [&'static str],
}

/// One operation.
#[derive(Debug)]
pub struct Operation {
    /// Its API.
    pub api: Api,
    /// The spec's operationId (`list_conversations`).
    pub id: &'static str,
    /// The subcommand (`list-conversations`).
    pub command: &'static str,
    /// One line of help.
    pub summary: &'static str,
    /// The spec's description.
    pub about: &'static str,
    /// Path and query parameters.
    pub params: &'static [Flag],
    /// Request body fields.
    pub body: &'static [Flag],
    /// Whether it needs a body.
    pub body_required: bool,
    /// Whether it is a list (`export` walks it).
    pub list: bool,
    /// Its subcommand of `export`, for a list.
    pub export: Option<&'static str>,
    /// For an upload: its file's field (`--file PATH`), with `--mime-type` and `--platform`.
    pub upload: Option<Upload>,
    /// For a send of uploaded media: the platforms whose counts the SDK knows (`--file PATH`,
    /// repeated, uploads the files and sends their content ids).
    pub media: Option<&'static [&'static str]>,
}

/// The file of an upload operation.
#[derive(Debug)]
pub struct Upload {
    /// The file's field (`file`): its flag takes a path.
    pub field: &'static str,
    /// The platforms whose limits the SDK knows.
    pub platforms: &'static [&'static str],
}
