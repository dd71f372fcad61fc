//! What the SDK takes out of progenitor's request code: allocations a call would make for
//! nothing. Each rewrite keeps what goes on the wire, and each one is checked to have found
//! what it rewrites (a progenitor that writes its code otherwise fails the generation, never
//! leaves it half rewritten).
//!
//! - A required field's "was not initialized" message: a `String` made for every builder and
//!   dropped as soon as the field is set. The SDK's builders refuse a call that misses any
//!   field progenitor's builder starts unset (naming it, see `rust.rs`'s `required`) before
//!   progenitor's code runs, so that text is never read.
//! - The `api-version` header (the spec's version, which neither API reads), in a header map of
//!   its own that is merged into the request's.
//! - The `Accept: application/json` header put on each request: the SDK's HTTP client sends it
//!   on every request (`transport.rs`), so the request's own header map stays empty (nothing to
//!   allocate, nothing to copy for a retry).
//! - The URL's text, made with `format!` from the base URL's, then parsed again by reqwest: the
//!   client's base URL is parsed once (`ClientState::url` puts the path after it), and
//!   `encode_path(&value.to_string())`'s two strings per path parameter become `value.encoded()`,
//!   percent-encoded as the path is formatted (the same encoding; a method, so that it reaches
//!   the value's text as `to_string` does, through `Deref`).

use proc_macro2::TokenStream;
use quote::{ToTokens, quote};
use syn::punctuated::Punctuated;
use syn::visit_mut::VisitMut;

use crate::Result;

/// Rewrites progenitor's request code in `file` (the `send` and `new` of each builder).
pub fn rewrite(file: &mut syn::File) -> Result<()> {
    // The builders' module (not `types::builder`): `encoded` is a method of
    // `crate::path::Segment`.
    for item in &mut file.items {
        if let syn::Item::Mod(module) = item
            && module.ident == "builder"
            && let Some((_, items)) = &mut module.content
        {
            items.insert(0, syn::parse_quote! { use crate::path::Segment as _; });
        }
    }
    let mut lean = Lean::default();
    lean.visit_file_mut(file);
    if let Some(problem) = lean.problem {
        return Err(format!("progenitor's output: {problem}"));
    }
    let Lean { sends, api_versions, accepts, urls, messages, .. } = lean;
    if api_versions != sends || accepts != sends || urls != sends {
        return Err(format!(
            "progenitor's output: {sends} sends, {api_versions} `api-version` headers and {accepts} \
             `Accept` headers taken out, {urls} URLs made from the parsed base URL (one of each \
             per send)"
        ));
    }
    if sends > 0 && messages == 0 {
        return Err("progenitor's output: no builder's \"was not initialized\" message found".into());
    }
    Ok(())
}

/// The rewrite, with what it found.
#[derive(Default)]
struct Lean {
    sends: usize,
    api_versions: usize,
    accepts: usize,
    urls: usize,
    messages: usize,
    problem: Option<String>,
}

impl VisitMut for Lean {
    fn visit_impl_item_fn_mut(&mut self, function: &mut syn::ImplItemFn) {
        match function.sig.ident.to_string().as_str() {
            "new" => syn::visit_mut::visit_impl_item_fn_mut(self, function),
            "send" => {
                self.sends += 1;
                if let Err(problem) = self.send(&mut function.block) {
                    self.problem.get_or_insert(format!("`send` of `{}`: {problem}", function.sig.ident));
                }
            }
            _ => {}
        }
    }

    /// `Err("<field> was not initialized".to_string())` (in a builder's `new`).
    fn visit_expr_mut(&mut self, expr: &mut syn::Expr) {
        if let syn::Expr::Call(call) = expr
            && is_path(&call.func, "Err")
            && call.args.len() == 1
            && call
                .args
                .first()
                .and_then(string_made)
                .is_some_and(|text| text.ends_with("was not initialized"))
        {
            self.messages += 1;
            *expr = syn::parse_quote! { Err(::std::string::String::new()) };
            return;
        }
        syn::visit_mut::visit_expr_mut(self, expr);
    }
}

impl Lean {
    /// One `send`: its URL's path parameters, its header map and its `Accept` header.
    fn send(&mut self, block: &mut syn::Block) -> Result {
        let mut kept = Vec::with_capacity(block.stmts.len());
        for mut stmt in std::mem::take(&mut block.stmts) {
            if is_api_version(&stmt) {
                self.api_versions += 1;
                continue;
            }
            if let syn::Stmt::Local(local) = &mut stmt
                && let Some(init) = &mut local.init
                && let syn::Pat::Ident(name) = &local.pat
            {
                if name.ident == "url" {
                    encode_inline(&mut init.expr)?;
                    self.urls += 1;
                } else if name.ident == "request" {
                    self.accepts += drop_calls(&mut init.expr, &is_json_accept);
                }
            }
            kept.push(stmt);
        }
        // A header map left with no header (every send's, as long as no operation has a header
        // parameter) is not made, nor merged into the request's: it is named only where it is
        // made and where it is merged.
        if kept.iter().map(|stmt| mentions(stmt, "header_map")).sum::<usize>() == 2 {
            kept.retain(|stmt| !is_header_map(stmt));
            for stmt in &mut kept {
                if let syn::Stmt::Local(local) = stmt
                    && let Some(init) = &mut local.init
                {
                    drop_calls(&mut init.expr, &|call| {
                        call.method == "headers" && call.args.to_token_stream().to_string() == "header_map"
                    });
                }
            }
        }
        block.stmts = kept;
        Ok(())
    }
}

/// Whether `expr` is the path `name`.
fn is_path(expr: &syn::Expr, name: &str) -> bool {
    matches!(expr, syn::Expr::Path(path) if path.path.is_ident(name))
}

/// The text of `"text".to_string()`.
fn string_made(expr: &syn::Expr) -> Option<String> {
    let syn::Expr::MethodCall(call) = expr else { return None };
    let syn::Expr::Lit(syn::ExprLit { lit: syn::Lit::Str(text), .. }) = &*call.receiver else { return None };
    (call.method == "to_string" && call.args.is_empty()).then(|| text.value())
}

/// How many times a statement's tokens name `ident`.
fn mentions(stmt: &syn::Stmt, ident: &str) -> usize {
    fn walk(tokens: TokenStream, ident: &str) -> usize {
        tokens
            .into_iter()
            .map(|tree| match tree {
                proc_macro2::TokenTree::Ident(i) => usize::from(i == ident),
                proc_macro2::TokenTree::Group(g) => walk(g.stream(), ident),
                _ => 0,
            })
            .sum()
    }
    walk(stmt.to_token_stream(), ident)
}

/// `let mut header_map = ...;`
fn is_header_map(stmt: &syn::Stmt) -> bool {
    matches!(stmt, syn::Stmt::Local(local) if matches!(&local.pat, syn::Pat::Ident(name) if name.ident == "header_map"))
}

/// `header_map.append(HeaderName::from_static("api-version"), ...);`
fn is_api_version(stmt: &syn::Stmt) -> bool {
    let syn::Stmt::Expr(syn::Expr::MethodCall(call), _) = stmt else { return false };
    call.method == "append"
        && call.receiver.to_token_stream().to_string() == "header_map"
        && call
            .args
            .first()
            .is_some_and(|name| name.to_token_stream().to_string().contains("\"api-version\""))
}

/// `.header(ACCEPT, HeaderValue::from_static("application/json"))`
fn is_json_accept(call: &syn::ExprMethodCall) -> bool {
    let (Some(name), Some(syn::Expr::Call(value)), 2) =
        (call.args.first(), call.args.last(), call.args.len())
    else {
        return false;
    };
    call.method == "header"
        && name.to_token_stream().to_string().replace(' ', "").ends_with("header::ACCEPT")
        && value.func.to_token_stream().to_string().replace(' ', "").ends_with("HeaderValue::from_static")
        && matches!(
            value.args.first(),
            Some(syn::Expr::Lit(syn::ExprLit { lit: syn::Lit::Str(text), .. })) if text.value() == "application/json"
        )
}

/// Takes the method calls that `drop` picks out of the chain `expr` (through `?`); answers
/// how many it took.
fn drop_calls(expr: &mut syn::Expr, drop: &dyn Fn(&syn::ExprMethodCall) -> bool) -> usize {
    match expr {
        syn::Expr::MethodCall(call) if drop(call) => {
            let receiver = std::mem::replace(&mut *call.receiver, syn::parse_quote! { () });
            *expr = receiver;
            1 + drop_calls(expr, drop)
        }
        syn::Expr::MethodCall(call) => drop_calls(&mut call.receiver, drop),
        syn::Expr::Try(tried) => drop_calls(&mut tried.expr, drop),
        _ => 0,
    }
}

/// `format!("{}/pages/{}", client.baseurl, encode_path(&page_id.to_string()),)`: the client's
/// parsed base URL with the path after it, each parameter percent-encoded as it is formatted,
/// `client.inner.url(format_args!("/pages/{}", page_id.encoded()))`.
fn encode_inline(expr: &mut syn::Expr) -> Result {
    let syn::Expr::Macro(format) = expr else { return Err("its URL is not a `format!`".into()) };
    if !format.mac.path.is_ident("format") {
        return Err("its URL is not a `format!`".into());
    }
    let args = format
        .mac
        .parse_body_with(Punctuated::<syn::Expr, syn::Token![,]>::parse_terminated)
        .map_err(|e| format!("its URL's `format!` does not parse: {e}"))?;
    let mut args = args.into_iter();
    let path = match (args.next(), args.next()) {
        (Some(syn::Expr::Lit(syn::ExprLit { lit: syn::Lit::Str(template), .. })), Some(base))
            if base.to_token_stream().to_string().replace(' ', "") == "client.baseurl" =>
        {
            let path = template.value();
            let path = path.strip_prefix("{}").ok_or("its URL does not start with the base URL")?;
            if !path.starts_with('/') {
                return Err(format!("its path {path:?} does not start with `/`"));
            }
            syn::LitStr::new(path, template.span())
        }
        _ => return Err("its URL is not `format!(\"{}..\", client.baseurl, ..)`".into()),
    };
    let mut params = Vec::new();
    for arg in args {
        let syn::Expr::Call(call) = arg else { return Err("a URL argument is not `encode_path(..)`".into()) };
        let value = match (&*call.func, call.args.first()) {
            (func, Some(syn::Expr::Reference(reference))) if is_path(func, "encode_path") => {
                match &*reference.expr {
                    syn::Expr::MethodCall(m) if m.method == "to_string" && m.args.is_empty() => {
                        m.receiver.clone()
                    }
                    _ => return Err("a path parameter is not `encode_path(&value.to_string())`".into()),
                }
            }
            _ => return Err("a URL argument is not `encode_path(..)`".into()),
        };
        params.push(quote! { #value.encoded() });
    }
    *expr = syn::parse_quote! { client.inner.url(format_args!(#path, #(#params),*)) };
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A `send` as progenitor writes it, with `extra` among its statements.
    fn send_with(extra: TokenStream) -> syn::File {
        syn::parse_quote! {
            pub mod builder {
                impl<'a> GetThing<'a> {
                    pub fn new(client: &'a super::Client) -> Self {
                        Self { client: client, id: Err("id was not initialized".to_string()), note: Ok(None) }
                    }
                    pub fn id<V>(mut self, value: V) -> Self {
                        self.id = value.try_into().map_err(|_| "conversion to `Id` for id failed".to_string());
                        self
                    }
                    pub async fn send(self) -> Result<ResponseValue<types::Thing>, Error<()>> {
                        let Self { client, id, note } = self;
                        let id = id.map_err(Error::InvalidRequest)?;
                        let url = format!("{}/things/{}/notes/{}", client.baseurl, encode_path(&id.to_string()), encode_path(&note.to_string()),);
                        let mut header_map = ::reqwest::header::HeaderMap::with_capacity(1usize);
                        header_map.append(
                            ::reqwest::header::HeaderName::from_static("api-version"),
                            ::reqwest::header::HeaderValue::from_static(super::Client::api_version()),
                        );
                        #extra
                        #[allow(unused_mut)]
                        let mut request = client
                            .client
                            .get(url)
                            .header(
                                ::reqwest::header::ACCEPT,
                                ::reqwest::header::HeaderValue::from_static("application/json",),
                            )
                            .headers(header_map)
                            .build()?;
                        client.pre(&mut request, &info).await?;
                        todo!()
                    }
                }
            }
        }
    }

    fn text(file: &syn::File) -> String {
        file.to_token_stream().to_string()
    }

    #[test]
    fn a_send_loses_its_allocations_not_its_wire() {
        let mut file = send_with(quote! {});
        rewrite(&mut file).expect("the rewrite finds what it rewrites");
        let text = text(&file);
        for gone in ["api-version", "header_map", "ACCEPT", "encode_path", "baseurl", "was not initialized"] {
            assert!(!text.contains(gone), "{gone}: {text}");
        }
        // What is read is left alone: a setter's message.
        assert!(text.contains("\"conversion to `Id` for id failed\" . to_string ()"), "{text}");
        assert!(
            text.contains(
                "let url = client . inner . url (format_args ! (\"/things/{}/notes/{}\" , id . encoded () , note . encoded ()))"
            ),
            "{text}"
        );
        assert!(text.contains("id : Err (:: std :: string :: String :: new ())"), "{text}");
        assert!(text.contains("note : Ok (None)"), "{text}");
        assert!(text.contains("let mut request = client . client . get (url) . build () ? ;"), "{text}");
        assert!(text.contains("pub mod builder { use crate :: path :: Segment as _ ;"), "{text}");
    }

    #[test]
    fn a_header_parameter_keeps_its_header_map() {
        let mut file = send_with(quote! { header_map.append("x-trace", trace.to_string().try_into()?); });
        rewrite(&mut file).expect("the rewrite finds what it rewrites");
        let text = text(&file);
        assert!(!text.contains("api-version"), "{text}");
        assert!(text.contains("header_map . append (\"x-trace\""), "{text}");
        assert!(text.contains(". get (url) . headers (header_map) . build () ?"), "{text}");
    }

    #[test]
    fn progenitor_writing_its_code_otherwise_fails_the_generation() {
        let mut file = send_with(quote! {});
        // (what the code says instead, the error that names it)
        let otherwise = [
            (("\"api-version\"", "\"x-api-version\""), "1 sends, 0 `api-version` headers"),
            (("encode_path (& id . to_string ())", "id"), "a URL argument is not `encode_path(..)`"),
            (("\"{}/things/", "\"{}things/"), "does not start with `/`"),
            (("let url =", "let address ="), "0 URLs made from the parsed base URL"),
            (
                ("client . baseurl", "client . other_url"),
                "its URL is not `format!(\"{}..\", client.baseurl, ..)`",
            ),
            (("\"id was not initialized\"", "\"id is missing\""), "\"was not initialized\""),
        ];
        for ((from, to), expected) in otherwise {
            let changed = text(&file).replace(from, to);
            assert_ne!(changed, text(&file), "{from}");
            let error = rewrite(&mut syn::parse_str(&changed).unwrap()).unwrap_err();
            assert!(error.contains(expected), "{from}: {error}");
        }
        rewrite(&mut file).expect("the original still rewrites");
    }
}
