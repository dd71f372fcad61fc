//! `cargo xtask generate`: the Rust client of each API, from its spec, through progenitor.

use std::fs;
use std::path::PathBuf;

use progenitor::{GenerationSettings, Generator, HooksMode, InterfaceStyle, TagStyle, TypeImpl};
use quote::{format_ident, quote};
use syn::visit_mut::VisitMut;

use crate::{Result, glue, root};

/// One API: its spec file and where its generated client goes.
struct Api {
    spec: &'static str,
    module: &'static str,
}

/// Schemas replaced by hand-written SDK types.
const REPLACEMENTS: &[(&str, &str)] = &[
    ("FolderPath", "crate::botcake::FolderPath"),
    ("UnixSeconds", "crate::dates::UnixTime"),
    ("DateTimeRange", "crate::dates::DateTimeRange"),
    ("DateRange", "crate::dates::DateRange"),
];

const APIS: &[Api] = &[
    Api { spec: "spec/botcake.yaml", module: "botcake" },
    Api { spec: "spec/pancake.yaml", module: "pancake" },
];

/// A file derived from the spec: its path (from the root) and its full text.
pub struct Generated {
    pub path: PathBuf,
    pub text: String,
}

/// Regenerates every derived file, or with `check` compares them with what is committed.
pub fn run(check: bool) -> Result {
    let files = all()?;
    let mut drifted = Vec::new();
    for file in &files {
        let path = root().join(&file.path);
        let current = fs::read_to_string(&path).unwrap_or_default();
        if current == file.text {
            continue;
        }
        if check {
            print_diff(&file.path, &current, &file.text);
            drifted.push(file.path.display().to_string());
        } else {
            if let Some(dir) = path.parent() {
                fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
            }
            fs::write(&path, &file.text).map_err(|e| format!("{}: {e}", path.display()))?;
            println!("wrote {}", file.path.display());
        }
    }
    if !drifted.is_empty() {
        return Err(format!(
            "generated files differ from the spec: {}\nrun `cargo xtask generate` and commit the result",
            drifted.join(", ")
        ));
    }
    if check {
        println!("generated files are up to date ({} files)", files.len());
    }
    Ok(())
}

/// Every file derived from the specs.
pub fn all() -> Result<Vec<Generated>> {
    for api in APIS {
        crate::names::check(api.spec, &load_json(api.spec)?)?;
    }
    let mut files: Vec<Generated> = APIS.iter().map(rust_client).collect::<Result<_>>()?;
    files.extend(crate::python::files()?);
    files.extend(crate::c::files()?);
    files.extend(crate::cli::files()?);
    Ok(files)
}

/// A spec file as plain JSON, for what openapiv3 does not model (extensions, raw schemas).
pub fn load_json(relative: &str) -> Result<serde_json::Value> {
    let text = fs::read_to_string(root().join(relative)).map_err(|e| format!("{relative}: {e}"))?;
    serde_yaml::from_str(&text).map_err(|e| format!("{relative}: {e}"))
}

/// Follows one local `$ref` (`#/...`) of a spec; any other value is returned as it is.
pub fn resolve(document: &serde_json::Value, value: &serde_json::Value) -> serde_json::Value {
    match value.get("$ref").and_then(|r| r.as_str()) {
        Some(r) => document.pointer(r.trim_start_matches('#')).cloned().unwrap_or_default(),
        None => value.clone(),
    }
}

/// A spec's text on one line (for flags' help and C comments).
pub fn one_line(value: &serde_json::Value) -> String {
    value.as_str().unwrap_or_default().split_whitespace().collect::<Vec<_>>().join(" ")
}

fn load_spec(relative: &str) -> Result<openapiv3::OpenAPI> {
    let path = root().join(relative);
    let text = fs::read_to_string(&path).map_err(|e| format!("{}: {e}", path.display()))?;
    serde_yaml::from_str(&text).map_err(|e| format!("{relative}: not an OpenAPI 3.0 document: {e}"))
}

fn rust_client(api: &Api) -> Result<Generated> {
    let spec = load_spec(api.spec)?;
    let mut settings = GenerationSettings::new();
    settings
        .with_interface(InterfaceStyle::Builder)
        .with_tag(TagStyle::Merged)
        .with_hooks(HooksMode::Expected)
        .with_inner_type(quote! { crate::state::ClientState })
        .with_map_type("::std::collections::BTreeMap")
        .with_derive("PartialEq");
    // Named schemas that map to the SDK's own types (made from real values, checked).
    for (schema, rust) in REPLACEMENTS {
        let named = spec.components.as_ref().is_some_and(|c| c.schemas.contains_key(*schema));
        if named {
            settings.with_replacement(schema, rust, [TypeImpl::Display, TypeImpl::FromStr].into_iter());
        }
    }
    let mut generator = Generator::new(&settings);
    let tokens = generator.generate_tokens(&spec).map_err(|e| format!("{}: progenitor: {e}", api.spec))?;
    let mut file: syn::File =
        syn::parse2(tokens).map_err(|e| format!("{}: generated code does not parse: {e}", api.spec))?;
    WrapSend.visit_file_mut(&mut file);
    crate::harden::apply(&mut file).map_err(|e| format!("{}: {e}", api.spec))?;
    let document = load_json(api.spec)?;
    let dispatch = glue::dispatch(&file)?;
    file.items.push(syn::parse2(glue::operation_auth(&spec)?).expect("operation_auth parses"));
    file.items.push(syn::parse2(glue::operation_routes(&spec)?).expect("operation_route parses"));
    file.items.push(syn::parse2(glue::operation_rules(&document)).expect("operation_rules parses"));
    file.items.push(syn::parse2(glue::lists(&document)?).expect("lists parse"));
    file.items.push(syn::parse2(dispatch).expect("dispatch parses"));
    file.items.extend(glue::hooks());
    let server = spec.servers.first().map(|s| s.url.clone()).ok_or(format!("{}: no server", api.spec))?;
    file.items.push(syn::parse_quote! {
        /// The API's address, from the spec's `servers`.
        pub(crate) const SERVER_URL: &str = #server;
    });

    let header = format!(
        "// @generated by `cargo xtask generate` from {}. Do not edit by hand.\n\
         #![cfg_attr(rustfmt, rustfmt::skip)]\n#![allow(clippy::all, missing_docs, unused_imports, dead_code)]\n\n",
        api.spec
    );
    let text = format!("{header}{}", prettyplease::unparse(&file));
    Ok(Generated { path: PathBuf::from(format!("crates/pancake-sdk/src/{}/generated.rs", api.module)), text })
}

/// Renames each builder's generated `send` to a private `dispatch`, and adds a `send` that runs
/// it through the SDK's core (exchange capture, error mapping) and returns the SDK's own types.
struct WrapSend;

impl VisitMut for WrapSend {
    fn visit_item_impl_mut(&mut self, item: &mut syn::ItemImpl) {
        // A client is made by the SDK's builder (tokens, timeouts, no redirects), never by
        // progenitor's constructors, which stay inside the crate.
        if let syn::Type::Path(path) = &*item.self_ty
            && path.path.is_ident("Client")
            && item.trait_.is_none()
        {
            for impl_item in &mut item.items {
                if let syn::ImplItem::Fn(method) = impl_item
                    && (method.sig.ident == "new" || method.sig.ident == "new_with_client")
                {
                    method.vis = syn::parse_quote!(pub(crate));
                }
            }
        }
        let mut added = Vec::new();
        for impl_item in &mut item.items {
            let syn::ImplItem::Fn(method) = impl_item else { continue };
            if method.sig.ident != "send" || method.sig.asyncness.is_none() {
                continue;
            }
            let Some(success) = success_type(&method.sig.output) else { continue };
            let doc = method.attrs.iter().filter(|a| a.path().is_ident("doc")).cloned().collect::<Vec<_>>();
            method.sig.ident = format_ident!("dispatch");
            method.vis = syn::Visibility::Inherited;
            method.attrs.retain(|a| !a.path().is_ident("doc"));
            let send: syn::ImplItemFn = syn::parse2(quote! {
                #(#doc)*
                ///
                /// Checks the inputs, paces and retries as the client is set up to (see
                /// [`crate::retry`]), and returns the SDK's [`crate::Response`] or [`crate::Error`].
                pub async fn send(self) -> ::std::result::Result<crate::Response<#success>, crate::Error> {
                    crate::exchange::run(&self.client.inner, crate::CallOptions::default(), self.dispatch()).await
                }
            })
            .expect("send parses");
            let send_with: syn::ImplItemFn = syn::parse2(quote! {
                /// Like `send`, with this call's own timeout or retry policy.
                pub async fn send_with(
                    self,
                    options: crate::CallOptions,
                ) -> ::std::result::Result<crate::Response<#success>, crate::Error> {
                    crate::exchange::run(&self.client.inner, options, self.dispatch()).await
                }
            })
            .expect("send_with parses");
            added.push(syn::ImplItem::Fn(send));
            added.push(syn::ImplItem::Fn(send_with));
        }
        item.items.extend(added);
        syn::visit_mut::visit_item_impl_mut(self, item);
    }
}

/// `T` of a generated `Result<ResponseValue<T>, Error<E>>`.
fn success_type(output: &syn::ReturnType) -> Option<syn::Type> {
    let syn::ReturnType::Type(_, ty) = output else { return None };
    let response_value = first_generic(ty, "Result")?;
    first_generic(&response_value, "ResponseValue")
}

fn first_generic(ty: &syn::Type, name: &str) -> Option<syn::Type> {
    let syn::Type::Path(path) = ty else { return None };
    let last = path.path.segments.last()?;
    if last.ident != name {
        return None;
    }
    let syn::PathArguments::AngleBracketed(args) = &last.arguments else { return None };
    args.args.iter().find_map(|arg| match arg {
        syn::GenericArgument::Type(t) => Some(t.clone()),
        _ => None,
    })
}

fn print_diff(path: &std::path::Path, current: &str, wanted: &str) {
    let name = path.display().to_string();
    let diff = similar::TextDiff::from_lines(current, wanted);
    let text = diff
        .unified_diff()
        .context_radius(3)
        .header(&format!("{name} (committed)"), &format!("{name} (from the spec)"))
        .to_string();
    let lines: Vec<&str> = text.lines().collect();
    let shown = 200;
    for line in lines.iter().take(shown) {
        eprintln!("{line}");
    }
    if lines.len() > shown {
        eprintln!("... ({} more diff lines)", lines.len() - shown);
    }
}
