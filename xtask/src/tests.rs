//! Tests of the generators: golden files (insta) of the model and of each generator's output on
//! a small fixture spec that uses every extension (`xtask/tests/fixtures/shop.yaml`), and the
//! proof that adding an operation to a spec is all it takes for it to reach every front-end.

use std::path::{Path, PathBuf};

use crate::model::Spec;
use crate::output::Generated;

fn fixture() -> Spec {
    crate::model::fixture().expect("the fixture reads")
}

fn text_of<'a>(files: &'a [Generated], ends_with: &str) -> &'a str {
    let file = files.iter().find(|f| f.path.to_string_lossy().ends_with(ends_with));
    &file.unwrap_or_else(|| panic!("no generated file {ends_with}")).text
}

#[test]
fn the_model_of_the_fixture() {
    let spec = fixture();
    crate::names::check(&spec).expect("the fixture's names are valid");
    let summary =
        format!("server: {}\nrate_limit: {:?}\n{:#?}", spec.server, spec.rate_limit, spec.operations);
    insta::assert_snapshot!("model", summary);
}

#[test]
fn the_rust_operations_of_the_fixture() {
    let files = crate::rust::files(&fixture()).expect("the Rust generator runs");
    // progenitor's own output is its authors' to test; it must only parse.
    syn::parse_file(text_of(&files, "shop/generated.rs")).expect("progenitor's output parses");
    insta::assert_snapshot!("rust_operations", text_of(&files, "shop/operations.rs"));
}

#[test]
fn the_python_glue_of_the_fixture() {
    let files = crate::python::files(&[fixture()]).expect("the Python generator runs");
    insta::assert_snapshot!("python_operations", text_of(&files, "_operations.py"));
    insta::assert_snapshot!("python_types", text_of(&files, "types/shop.py"));
}

#[test]
fn the_c_glue_of_the_fixture() {
    let files = crate::c::files(&[fixture()]).expect("the C generator runs");
    insta::assert_snapshot!("c_glue", text_of(&files, "src/generated.rs"));
    let header = text_of(&files, "pancake_sdk.h");
    for function in ["pk_shop_list_items(", "pk_shop_send_note(", "pk_shop_list_exports("] {
        assert!(header.contains(function), "the header declares {function}");
    }
}

#[test]
fn the_cli_table_of_the_fixture() {
    let files = crate::cli::files(&[fixture()]).expect("the CLI generator runs");
    insta::assert_snapshot!("cli_table", text_of(&files, "operations.rs"));
}

/// A list and a send added to a copy of the Pancake spec.
const EXTRA: &str = r##"
  /api/public_api/v1/pages/{page_id}/extra_things:
    get:
      operationId: list_extra_things
      x-pancake-pagination: { items: things, cursor: page_number, page_size: 40, total: total }
      summary: Extra things
      description: A list added by the test.
      parameters:
        - $ref: "#/components/parameters/PageId"
        - { name: page_number, in: query, schema: { type: integer, minimum: 1 }, description: Page. }
        - { name: page_size, in: query, schema: { type: integer, minimum: 1, maximum: 40 }, description: Size. }
      responses:
        "200":
          description: Things.
          content:
            application/json:
              schema:
                type: object
                properties:
                  things: { type: array, items: { type: object, properties: { id: { type: string } } } }
                  total: { type: integer }
    post:
      operationId: send_extra_thing
      security:
        - UserAccessToken: []
      summary: Send an extra thing
      description: A send added by the test.
      parameters:
        - $ref: "#/components/parameters/PageId"
      requestBody:
        required: true
        content:
          application/json:
            schema:
              type: object
              required: [text]
              properties: { text: { type: string, description: What to send. } }
      responses:
        "200":
          description: Sent.
          content:
            application/json:
              schema: { type: object, additionalProperties: {} }
"##;

/// The specs of the project, with the extra operations in the Pancake one.
fn specs_with_extra_operations(scratch: &Path) -> Vec<Spec> {
    std::fs::create_dir_all(scratch).expect("a scratch folder");
    for (file, _, _) in crate::model::APIS {
        let mut text = std::fs::read_to_string(crate::root().join(file)).expect("a spec");
        if file.ends_with("pancake.yaml") {
            text = text.replacen("\npaths:\n", &format!("\npaths:{EXTRA}"), 1);
        }
        let name = Path::new(file).file_name().expect("a file name");
        std::fs::write(scratch.join(name), text).expect("the copy is written");
    }
    crate::model::load_from(scratch).expect("the copies read")
}

#[test]
fn adding_an_operation_is_a_spec_edit() {
    let scratch = crate::root().join("target/xtask/extra-operation");
    let specs = specs_with_extra_operations(&scratch.join("spec"));
    let files = crate::generate::files(&specs).expect("the generators run on the edited spec");
    for file in &files {
        let path: PathBuf = scratch.join(&file.path);
        std::fs::create_dir_all(path.parent().expect("a folder")).expect("the output folder");
        std::fs::write(&path, &file.text).expect("the output is written");
    }

    // Rust: in the descriptor with its route, token and pagination; a builder, a stream, a
    // JSON dispatch arm; the send is a send (never retried once it may have left).
    let rust = text_of(&files, "pancake/operations.rs");
    let entry = |id: &str| {
        let start =
            rust.find(&format!("id: \"{id}\"")).unwrap_or_else(|| panic!("{id} is in the descriptor"));
        rust[start..].split("crate::api::Operation {").next().unwrap_or_default().to_string()
    };
    let list = entry("list_extra_things");
    assert!(list.contains("send: false") && list.contains("token: crate::auth::TokenKind::Page"), "{list}");
    assert!(
        list.contains("cursor: crate::paginate::Cursor::PageNumber")
            && list.contains("page_size: Some(40i64)"),
        "{list}"
    );
    let send = entry("send_extra_thing");
    assert!(send.contains("send: true") && send.contains("token: crate::auth::TokenKind::User"), "{send}");
    assert!(send.contains("list: None"), "{send}");
    assert!(rust.contains("pub fn list_extra_things(&self) -> builder::ListExtraThings<'_>"));
    assert!(rust.contains("pub fn send_extra_thing(&self) -> builder::SendExtraThing<'_>"));
    assert!(
        rust.contains("impl<'a> ListExtraThings<'a> {")
            && rust.contains("let builder = builder.page_size(40u64);")
    );
    assert!(rust.contains("\"send_extra_thing\" => {"), "the JSON dispatch has the send");

    // Python: methods sync and async, an iterator for the list, typed stubs.
    let python = text_of(&files, "_operations.py");
    assert_eq!(python.matches("def list_extra_things(").count(), 2, "sync and async");
    assert_eq!(python.matches("def iter_extra_things(").count(), 2, "sync and async iterators");
    assert_eq!(python.matches("def send_extra_thing(").count(), 2);
    assert!(python.contains("        text: str,\n"), "the body field is a required keyword");

    // C: one function each in the glue and the header.
    let header = text_of(&files, "pancake_sdk.h");
    assert!(header.contains("pk_result pk_pancake_list_extra_things(const struct pk_pancake *client,"));
    assert!(header.contains("pk_result pk_pancake_send_extra_thing(const struct pk_pancake *client,"));
    assert!(header.contains("const char *body_json,"), "the send takes its body");

    // CLI: a command each; the list is a list (so `export` walks it), the send is not.
    let cli = text_of(&files, "pancake-cli/src/operations.rs");
    let command = |id: &str| {
        let start = cli.find(&format!("id: \"{id}\"")).unwrap_or_else(|| panic!("{id} is in the CLI"));
        cli[start..].split("Operation {").next().unwrap_or_default().to_string()
    };
    assert!(command("list_extra_things").contains("list: true"));
    let send = command("send_extra_thing");
    assert!(
        send.contains("list: false") && send.contains("name: \"text\"") && send.contains("required: true"),
        "{send}"
    );
}

/// A call decodes every success as the 200 answer's type, so a spec that declares another
/// success or `default` is refused, naming the status.
#[test]
fn a_response_the_json_door_cannot_skip_is_refused() {
    let text = std::fs::read_to_string(crate::root().join("xtask/tests/fixtures/shop.yaml")).unwrap();
    let first = "      responses:\n        \"200\":";
    assert!(text.contains(first), "the fixture's first response moved");
    for status in ["\"201\"", "default"] {
        let changed = text.replacen(first, &format!("      responses:\n        {status}:"), 1);
        let error = crate::model::Spec::parse("shop.yaml", "shop", "Shop", &changed).err();
        let error = error.unwrap_or_else(|| panic!("response {status} was accepted"));
        assert!(error.contains(&format!("response {}", status.trim_matches('"'))), "{error}");
    }
}

/// `x-pancake-secret` must name a string field of the 200 answer (the credential the SDK then
/// redacts): a field the answer does not have, or one that is not a string, is refused.
#[test]
fn a_secret_names_a_string_field_of_the_answer() {
    let text = std::fs::read_to_string(crate::root().join("xtask/tests/fixtures/shop.yaml")).unwrap();
    let send = "      operationId: send_note\n";
    assert!(text.contains(send), "the fixture's send moved");
    let with = |field: &str| {
        let changed = text.replacen(send, &format!("{send}      x-pancake-secret: {field}\n"), 1);
        crate::model::Spec::parse("shop.yaml", "shop", "Shop", &changed)
    };
    for field in ["token", "success"] {
        let error = with(field).err().unwrap_or_else(|| panic!("x-pancake-secret: {field} was accepted"));
        assert!(error.contains("x-pancake-secret"), "{error}");
    }
    let sent = "      properties: { success: { type: boolean } }";
    assert!(text.contains(sent), "the fixture's Sent moved");
    let changed = text.replacen(send, &format!("{send}      x-pancake-secret: token\n"), 1).replacen(
        sent,
        "      properties: { success: { type: boolean }, token: { type: string } }",
        1,
    );
    let spec = crate::model::Spec::parse("shop.yaml", "shop", "Shop", &changed).unwrap();
    let op = spec.operations.iter().find(|op| op.id == "send_note").unwrap();
    assert_eq!(op.secret.as_deref(), Some("token"));
}

#[test]
fn bare_urls_in_docs_become_links() {
    use crate::rust::autolink;
    for (text, linked) in [
        ("see https://a.example/x#y. And", "see <https://a.example/x#y>. And"),
        ("(https://a.example) and <https://b.example>", "(https://a.example) and <https://b.example>"),
        ("at http://x.example/a, then", "at <http://x.example/a>, then"),
        ("no link here", "no link here"),
        ("under `https://pages.fm/api/v1`, with", "under `https://pages.fm/api/v1`, with"),
        ("`GET https://x.example/a` then", "`GET https://x.example/a` then"),
        (
            "```\ncurl https://x.example\n```\nsee https://y.example.",
            "```\ncurl https://x.example\n```\nsee <https://y.example>.",
        ),
        ("wiki https://w.example/Foo_(bar) now", "wiki <https://w.example/Foo_(bar)> now"),
        ("`a` https://z.example", "`a` <https://z.example>"),
    ] {
        assert_eq!(autolink(text), linked, "{text}");
    }
}
