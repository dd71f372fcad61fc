//! Rewrites of progenitor's output that the SDK's safety rules need:
//!
//! - every path parameter goes through `crate::path::segment`, which refuses a value that is not
//!   one path segment (naming the field) and encodes it so that nothing can end the segment;
//! - optional arrays and maps keep the difference between absent and empty (`Option<Vec<T>>`),
//!   so that a body is sent as the caller gave it (`"quick_replies": []` stays);
//! - no `unwrap()` is left: progenitor's unused `Client::new` is removed, and a `pattern` that
//!   does not compile (the generator checks they all do) refuses every value instead of
//!   panicking.

use std::collections::BTreeSet;

use quote::{ToTokens, quote};
use syn::punctuated::Punctuated;
use syn::visit_mut::VisitMut;

use crate::Result;

/// Applies every rewrite to a generated client.
pub fn apply(file: &mut syn::File) -> Result {
    let mut segments = CheckedSegments { error: None };
    segments.visit_file_mut(file);
    if let Some(error) = segments.error {
        return Err(error);
    }
    let mut optional = KeepEmpty::default();
    optional.collect(file);
    optional.visit_file_mut(file);
    let mut panics = NoPanics { error: None };
    panics.visit_file_mut(file);
    if let Some(error) = panics.error {
        return Err(error);
    }
    Ok(())
}

/// `encode_path(&x.to_string())` in a `format!` becomes `crate::path::segment("x", &x.to_string())?`.
struct CheckedSegments {
    error: Option<String>,
}

impl VisitMut for CheckedSegments {
    fn visit_expr_call_mut(&mut self, call: &mut syn::ExprCall) {
        // Every call was inside a `format!` and rewritten there; one elsewhere would keep
        // progenitor's encoder, which lets `..` through.
        if let syn::Expr::Path(func) = &*call.func
            && func.path.is_ident("encode_path")
        {
            self.error = Some(format!("an encode_path outside a format!: {}", call.to_token_stream()));
        }
        syn::visit_mut::visit_expr_call_mut(self, call);
    }

    fn visit_macro_mut(&mut self, mac: &mut syn::Macro) {
        if !mac.path.is_ident("format") || !mac.tokens.to_string().contains("encode_path") {
            return;
        }
        let parser = Punctuated::<syn::Expr, syn::Token![,]>::parse_terminated;
        let Ok(mut args) = mac.parse_body_with(parser) else {
            self.error = Some(format!("a format! with encode_path does not parse: {}", mac.tokens));
            return;
        };
        for arg in args.iter_mut() {
            let syn::Expr::Call(call) = arg else { continue };
            let syn::Expr::Path(func) = &*call.func else { continue };
            if !func.path.is_ident("encode_path") {
                continue;
            }
            let Some(name) = call.args.first().and_then(variable_of) else {
                self.error = Some(format!("encode_path of an unexpected value: {}", call.to_token_stream()));
                return;
            };
            let value = &call.args;
            *arg = syn::parse_quote! { crate::path::segment(#name, #value)? };
        }
        mac.tokens = args.to_token_stream();
    }
}

/// `page_id` of `&page_id.to_string()`.
fn variable_of(expr: &syn::Expr) -> Option<String> {
    let syn::Expr::Reference(reference) = expr else { return None };
    let syn::Expr::MethodCall(call) = &*reference.expr else { return None };
    let syn::Expr::Path(path) = &*call.receiver else { return None };
    path.path.get_ident().map(|ident| ident.to_string().trim_start_matches("r#").to_string())
}

/// Optional arrays and maps as `Option<...>`: typify makes them `Vec<T>` skipped when empty,
/// which drops an empty list the caller gave.
#[derive(Default)]
struct KeepEmpty {
    /// `(struct, field)` pairs changed in `types`, to change their builders alike.
    fields: BTreeSet<(String, String)>,
    /// The struct being visited.
    current: Option<String>,
    /// Whether the visit is inside `types`.
    in_types: bool,
    /// Whether the visit is inside `types::builder`.
    in_builder: bool,
}

impl KeepEmpty {
    /// Finds the optional collections of the request bodies' types (answers keep typify's
    /// plain `Vec`s, which read well).
    fn collect(&mut self, file: &syn::File) {
        let bodies = request_types(file);
        for item in types_items(file) {
            let syn::Item::Struct(item) = item else { continue };
            if !bodies.contains(&item.ident.to_string()) {
                continue;
            }
            for field in &item.fields {
                if let Some(name) = &field.ident
                    && skipped_when_empty(&field.attrs)
                {
                    self.fields.insert((item.ident.to_string(), name.to_string()));
                }
            }
        }
    }

    fn wanted(&self, field: &syn::Ident) -> bool {
        let Some(current) = &self.current else { return false };
        self.fields.contains(&(current.clone(), field.to_string()))
    }
}

/// The types a request body is made of: each operation builder's `body`, and every type of
/// `types` its fields name, transitively.
fn request_types(file: &syn::File) -> BTreeSet<String> {
    let types: std::collections::BTreeMap<String, &syn::Item> = types_items(file)
        .iter()
        .filter_map(|item| match item {
            syn::Item::Struct(s) => Some((s.ident.to_string(), item)),
            syn::Item::Enum(e) => Some((e.ident.to_string(), item)),
            _ => None,
        })
        .collect();
    let operation_builders = file.items.iter().find_map(|item| match item {
        syn::Item::Mod(m) if m.ident == "builder" => m.content.as_ref().map(|(_, items)| items.as_slice()),
        _ => None,
    });
    let mut pending: Vec<String> = Vec::new();
    for item in operation_builders.unwrap_or_default() {
        let syn::Item::Struct(builder) = item else { continue };
        for field in builder.fields.iter().filter(|f| f.ident.as_ref().is_some_and(|i| i == "body")) {
            pending.extend(named_types(&field.ty.to_token_stream().to_string(), &types));
        }
    }
    let mut found = BTreeSet::new();
    while let Some(name) = pending.pop() {
        if !found.insert(name.clone()) {
            continue;
        }
        if let Some(item) = types.get(&name) {
            pending.extend(named_types(&item.to_token_stream().to_string(), &types));
        }
    }
    found
}

/// The names of `types` that a piece of code mentions.
fn named_types(code: &str, types: &std::collections::BTreeMap<String, &syn::Item>) -> Vec<String> {
    code.split(|c: char| !c.is_alphanumeric() && c != '_')
        .filter(|word| types.contains_key(*word))
        .map(str::to_string)
        .collect()
}

fn types_items(file: &syn::File) -> &[syn::Item] {
    file.items
        .iter()
        .find_map(|item| match item {
            syn::Item::Mod(m) if m.ident == "types" => m.content.as_ref().map(|(_, items)| items.as_slice()),
            _ => None,
        })
        .unwrap_or_default()
}

/// `#[serde(default, skip_serializing_if = "...::is_empty")]`.
fn skipped_when_empty(attrs: &[syn::Attribute]) -> bool {
    attrs
        .iter()
        .any(|a| a.path().is_ident("serde") && a.to_token_stream().to_string().contains("::is_empty\""))
}

fn optional(ty: &syn::Type) -> syn::Type {
    syn::parse_quote! { ::std::option::Option<#ty> }
}

impl VisitMut for KeepEmpty {
    fn visit_item_mod_mut(&mut self, item: &mut syn::ItemMod) {
        let outer = (self.in_types, self.in_builder);
        if item.ident == "types" {
            self.in_types = true;
        } else if item.ident == "builder" && self.in_types {
            self.in_builder = true;
        } else {
            return;
        }
        syn::visit_mut::visit_item_mod_mut(self, item);
        (self.in_types, self.in_builder) = outer;
    }

    fn visit_item_struct_mut(&mut self, item: &mut syn::ItemStruct) {
        if !self.in_types {
            return;
        }
        self.current = Some(item.ident.to_string());
        for field in item.fields.iter_mut() {
            let Some(name) = field.ident.clone() else { continue };
            if !self.wanted(&name) {
                continue;
            }
            if self.in_builder {
                // `Result<Vec<T>, String>` -> `Result<Option<Vec<T>>, String>`.
                if let Some(inner) = first_generic_mut(&mut field.ty) {
                    *inner = optional(inner);
                }
            } else if skipped_when_empty(&field.attrs) {
                field.ty = optional(&field.ty);
                for attr in field.attrs.iter_mut().filter(|a| a.path().is_ident("serde")) {
                    let text = attr.to_token_stream().to_string();
                    if text.contains("::is_empty\"") {
                        *attr = syn::parse_quote! {
                            #[serde(default, skip_serializing_if = "::std::option::Option::is_none")]
                        };
                    }
                }
            }
        }
        self.current = None;
    }

    fn visit_item_impl_mut(&mut self, item: &mut syn::ItemImpl) {
        if !self.in_builder || item.trait_.is_some() {
            return;
        }
        let syn::Type::Path(path) = &*item.self_ty else { return };
        self.current = path.path.segments.last().map(|s| s.ident.to_string());
        for impl_item in item.items.iter_mut() {
            let syn::ImplItem::Fn(method) = impl_item else { continue };
            if !self.wanted(&method.sig.ident) {
                continue;
            }
            // `where T: TryInto<Vec<X>>` -> `where T: TryInto<Option<Vec<X>>>` (a `Vec` still
            // converts, through `From<T> for Option<T>`).
            for predicate in method.sig.generics.where_clause.iter_mut().flat_map(|w| w.predicates.iter_mut())
            {
                let syn::WherePredicate::Type(predicate) = predicate else { continue };
                for bound in predicate.bounds.iter_mut() {
                    let syn::TypeParamBound::Trait(bound) = bound else { continue };
                    let Some(last) = bound.path.segments.last_mut() else { continue };
                    if last.ident != "TryInto" {
                        continue;
                    }
                    if let syn::PathArguments::AngleBracketed(args) = &mut last.arguments
                        && let Some(syn::GenericArgument::Type(target)) = args.args.first_mut()
                    {
                        *target = optional(target);
                    }
                }
            }
        }
        self.current = None;
    }
}

fn first_generic_mut(ty: &mut syn::Type) -> Option<&mut syn::Type> {
    let syn::Type::Path(path) = ty else { return None };
    let last = path.path.segments.last_mut()?;
    let syn::PathArguments::AngleBracketed(args) = &mut last.arguments else { return None };
    args.args.iter_mut().find_map(|arg| match arg {
        syn::GenericArgument::Type(t) => Some(t),
        _ => None,
    })
}

/// Removes progenitor's `Client::new` (an `unwrap()` on a client the SDK never builds that
/// way) and makes `pattern` checks panic-free.
struct NoPanics {
    error: Option<String>,
}

impl VisitMut for NoPanics {
    fn visit_item_impl_mut(&mut self, item: &mut syn::ItemImpl) {
        if let syn::Type::Path(path) = &*item.self_ty
            && path.path.is_ident("Client")
            && item.trait_.is_none()
        {
            item.items.retain(|i| !matches!(i, syn::ImplItem::Fn(f) if f.sig.ident == "new"));
        }
        syn::visit_mut::visit_item_impl_mut(self, item);
    }

    fn visit_type_mut(&mut self, ty: &mut syn::Type) {
        // `LazyLock<::regress::Regex>` -> `LazyLock<Option<::regress::Regex>>`.
        if let syn::Type::Path(path) = ty
            && path.path.segments.last().is_some_and(|s| s.ident == "LazyLock")
            && let Some(inner) = first_generic_mut(ty)
            && quote!(#inner).to_string().replace(' ', "") == "::regress::Regex"
        {
            *inner = optional(inner);
            return;
        }
        syn::visit_mut::visit_type_mut(self, ty);
    }

    fn visit_expr_mut(&mut self, expr: &mut syn::Expr) {
        if let syn::Expr::MethodCall(call) = expr {
            // `::regress::Regex::new("...").unwrap()` -> `.ok()`, once the pattern is known to compile.
            if call.method == "unwrap"
                && let syn::Expr::Call(inner) = &*call.receiver
                && quote!(#inner).to_string().replace(' ', "").starts_with("::regress::Regex::new(")
            {
                if let Some(syn::Expr::Lit(syn::ExprLit { lit: syn::Lit::Str(pattern), .. })) =
                    inner.args.first()
                    && let Err(e) = regress::Regex::new(&pattern.value())
                {
                    self.error =
                        Some(format!("the spec's pattern {:?} does not compile: {e}", pattern.value()));
                }
                call.method = syn::parse_quote!(ok);
                return;
            }
            // `PATTERN.find(value)` -> `PATTERN.as_ref().and_then(|p| p.find(value))`.
            if call.method == "find"
                && let syn::Expr::Path(receiver) = &*call.receiver
                && receiver.path.is_ident("PATTERN")
            {
                let args = &call.args;
                *expr = syn::parse_quote! { PATTERN.as_ref().and_then(|pattern| pattern.find(#args)) };
                return;
            }
        }
        syn::visit_mut::visit_expr_mut(self, expr);
    }
}
