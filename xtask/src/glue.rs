//! Per-operation glue derived from a spec (and from progenitor's output): where each
//! credential goes, the checks made before sending, how lists paginate, the JSON dispatch the
//! bindings call, and the client's hooks.

use proc_macro2::TokenStream;
use quote::{format_ident, quote};
use serde_json::Value;

use crate::Result;

/// `operation_auth(operation_id)`: where each operation's credential goes, from the spec's
/// security requirements and the `x-pancake-token` extension of each security scheme.
pub fn operation_auth(spec: &openapiv3::OpenAPI) -> Result<proc_macro2::TokenStream> {
    let schemes = spec.components.as_ref().map(|c| &c.security_schemes);
    let mut arms = Vec::new();
    for (path, method, op) in spec.operations() {
        let id = op.operation_id.as_deref().ok_or(format!("{method} {path}: no operationId"))?;
        let requirements = op.security.as_ref().or(spec.security.as_ref());
        let Some(name) = requirements.and_then(|r| r.first()).and_then(|r| r.keys().next()) else {
            arms.push(quote! { #id => None, });
            continue;
        };
        let scheme = schemes
            .and_then(|s| s.get(name))
            .and_then(|s| s.as_item())
            .ok_or(format!("{id}: unknown security scheme {name}"))?;
        let openapiv3::SecurityScheme::APIKey { location, name: param, extensions, .. } = scheme else {
            return Err(format!("{id}: security scheme {name} is not an apiKey"));
        };
        let location = match location {
            openapiv3::APIKeyLocation::Header => quote! { Header },
            openapiv3::APIKeyLocation::Query => quote! { Query },
            openapiv3::APIKeyLocation::Cookie => {
                return Err(format!("{name}: cookie keys are not supported"));
            }
        };
        let token = match extensions.get("x-pancake-token").and_then(|v| v.as_str()) {
            Some("page") => quote! { Page },
            Some("user") => quote! { User },
            _ => return Err(format!("security scheme {name}: set x-pancake-token to page or user")),
        };
        arms.push(quote! {
            #id => Some(crate::auth::ApiKey {
                token: crate::auth::TokenKind::#token,
                location: crate::auth::KeyLocation::#location,
                name: #param,
            }),
        });
    }
    Ok(quote! {
        /// Where the credential of each operation goes, from the spec's security requirements.
        pub(crate) fn operation_auth(operation_id: &str) -> Option<crate::auth::ApiKey> {
            match operation_id {
                #(#arms)*
                _ => None,
            }
        }
    })
}

/// `operation_route(operation_id)`: each operation's route template, for logs (which never
/// show an id, a query or a token).
pub fn operation_routes(spec: &openapiv3::OpenAPI) -> Result<proc_macro2::TokenStream> {
    let mut arms = Vec::new();
    for (path, _, op) in spec.operations() {
        let id = op.operation_id.as_deref().ok_or(format!("{path}: no operationId"))?;
        arms.push(quote! { #id => #path, });
    }
    Ok(quote! {
        /// The route template of each operation (`/pages/{page_id}/tags`), from the spec.
        pub(crate) fn operation_route(operation_id: &str) -> &'static str {
            match operation_id {
                #(#arms)*
                _ => "",
            }
        }
    })
}

/// `operation_rules(operation_id)`: the bounds of each operation's numeric query parameters
/// and of its body's arrays, from the spec, for the checks made before sending.
pub fn operation_rules(document: &Value) -> TokenStream {
    let resolve = |value: &Value| crate::generate::resolve(document, value);
    let mut arms = Vec::new();
    for (_, item) in document["paths"].as_object().into_iter().flatten() {
        for (_, op) in item.as_object().into_iter().flatten() {
            let Some(id) = op["operationId"].as_str() else { continue };
            let mut rules = Vec::new();
            for param in op["parameters"].as_array().into_iter().flatten() {
                let param = resolve(param);
                let schema = resolve(&param["schema"]);
                let (minimum, maximum) = (schema["minimum"].as_i64(), schema["maximum"].as_i64());
                if param["in"] != "query" || (minimum.is_none() && maximum.is_none()) {
                    continue;
                }
                let name = param["name"].as_str().unwrap_or_default();
                let (minimum, maximum) = (option(minimum), option(maximum));
                rules.push(quote! { crate::validate::Rule::Number { name: #name, minimum: #minimum, maximum: #maximum } });
            }
            let body = op.pointer("/requestBody/content/application~1json/schema").map(&resolve);
            let mut arrays = Vec::new();
            if let Some(body) = body {
                max_items(&resolve, &body, &mut Vec::new(), &mut arrays);
            }
            for (path, max) in arrays {
                rules.push(quote! { crate::validate::Rule::MaxItems { path: &[#(#path),*], max: #max } });
            }
            if !rules.is_empty() {
                arms.push(quote! { #id => &[#(#rules),*], });
            }
        }
    }
    quote! {
        /// What each operation's query parameters and body must satisfy, from the spec.
        pub(crate) fn operation_rules(operation_id: &str) -> &'static [crate::validate::Rule] {
            match operation_id {
                #(#arms)*
                _ => &[],
            }
        }
    }
}

/// The client's hooks: every request goes through the SDK's core, with this API's tables.
pub fn hooks() -> Vec<syn::Item> {
    let items = [
        quote! {
            /// What the SDK's core needs of this API's operations.
            const TABLES: crate::state::OperationTables =
                crate::state::OperationTables {
                    auth: operation_auth,
                    rules: operation_rules,
                    route: operation_route,
                };
        },
        quote! {
            impl ClientHooks<crate::state::ClientState> for Client {
                async fn pre<E>(
                    &self,
                    request: &mut reqwest::Request,
                    info: &OperationInfo,
                ) -> Result<(), progenitor_client::Error<E>> {
                    self.inner.prepare(request, info, &TABLES)
                }

                async fn exec(
                    &self,
                    request: reqwest::Request,
                    info: &OperationInfo,
                ) -> reqwest::Result<reqwest::Response> {
                    crate::exchange::execute(&self.inner, &self.client, request, info.operation_id, &TABLES).await
                }
            }
        },
    ];
    items.into_iter().map(|tokens| syn::parse2(tokens).expect("hooks parse")).collect()
}

fn option(value: Option<i64>) -> proc_macro2::TokenStream {
    match value {
        Some(v) => quote! { Some(#v) },
        None => quote! { None },
    }
}

/// Collects `maxItems` of the arrays below an object schema, with their property paths.
fn max_items(
    resolve: &dyn Fn(&serde_json::Value) -> serde_json::Value,
    schema: &serde_json::Value,
    path: &mut Vec<String>,
    found: &mut Vec<(Vec<String>, usize)>,
) {
    if path.len() > 8 {
        return;
    }
    if let Some(max) = schema["maxItems"].as_u64() {
        found.push((path.clone(), max as usize));
    }
    for (name, property) in schema["properties"].as_object().into_iter().flatten() {
        path.push(name.clone());
        max_items(resolve, &resolve(property), path, found);
        path.pop();
    }
}

/// `LISTS`: how each list operation paginates, from the spec's `x-pancake-pagination`.
pub fn lists(document: &Value) -> Result<TokenStream> {
    let mut entries = Vec::new();
    for (_, item) in document["paths"].as_object().into_iter().flatten() {
        for (_, op) in item.as_object().into_iter().flatten() {
            let Some(pagination) = op.get("x-pancake-pagination") else { continue };
            let id = op["operationId"].as_str().unwrap_or_default();
            let items =
                pagination["items"].as_str().ok_or(format!("{id}: x-pancake-pagination needs items"))?;
            let cursor = match pagination["cursor"].as_str() {
                Some("page_number") => quote! { PageNumber },
                Some("current_count") => quote! { CurrentCount },
                other => return Err(format!("{id}: unknown pagination cursor {other:?}")),
            };
            let usize_of = |key: &str| match pagination[key].as_u64() {
                Some(n) => {
                    let n = n as usize;
                    quote! { Some(#n) }
                }
                None => quote! { None },
            };
            let page_size = option(pagination["page_size"].as_i64());
            let total = match pagination["total"].as_str() {
                Some(field) => quote! { Some(#field) },
                None => quote! { None },
            };
            let (first, next) = (usize_of("first"), usize_of("next"));
            entries.push(quote! {
                crate::paginate::List {
                    operation: #id,
                    items: #items,
                    cursor: crate::paginate::Cursor::#cursor,
                    page_size: #page_size,
                    total: #total,
                    first: #first,
                    next: #next,
                }
            });
        }
    }
    Ok(quote! {
        /// How each list operation paginates, from the spec's `x-pancake-pagination`.
        pub(crate) const LISTS: &[crate::paginate::List] = &[#(#entries),*];
    })
}

/// `call_json`: any operation by its id, with its parameters (and `body`) as JSON, through the
/// typed builder that progenitor generated, so that the bindings share every check and
/// behaviour of the Rust client. Derived from the generated code: each builder's setters and
/// the type each one takes.
pub fn dispatch(file: &syn::File) -> Result<TokenStream> {
    let builders = builder_setters(file)?;
    let mut arms = Vec::new();
    for (operation, builder) in client_methods(file) {
        let setters = builders.get(&builder).ok_or(format!("{operation}: no builder {builder}"))?;
        let method = format_ident!("{operation}");
        let sets = setters.iter().map(|(name, ty)| {
            let setter = format_ident!("{name}");
            quote! {
                if let Some(value) = args.remove(#name) {
                    call = call.#setter(crate::dispatch::arg::<#ty>(#name, value)?);
                }
            }
        });
        arms.push(quote! {
            #operation => {
                #[allow(unused_mut)]
                let mut call = client.#method();
                #(#sets)*
                crate::dispatch::no_more(args)?;
                crate::dispatch::json_answer(call.send_with(options).await)
            }
        });
    }
    Ok(quote! {
        /// Calls an operation by its id, with its parameters and its `body` as JSON; answers the
        /// raw JSON. Every check, retry and pacing of the typed call applies.
        pub(crate) async fn dispatch_json(
            client: &Client,
            operation_id: &str,
            mut args: ::serde_json::Map<String, ::serde_json::Value>,
            options: crate::CallOptions,
        ) -> Result<crate::Response<::serde_json::Value>, crate::Error> {
            match operation_id {
                #(#arms)*
                _ => Err(crate::dispatch::unknown_operation(operation_id)),
            }
        }
    })
}

/// Each builder struct's setters (`name`, the type its value converts to), from
/// `where V: std::convert::TryInto<T>`.
fn builder_setters(file: &syn::File) -> Result<std::collections::BTreeMap<String, Vec<(String, syn::Type)>>> {
    let mut found = std::collections::BTreeMap::new();
    let builder = file
        .items
        .iter()
        .find_map(|item| match item {
            syn::Item::Mod(m) if m.ident == "builder" => m.content.as_ref().map(|(_, items)| items),
            _ => None,
        })
        .ok_or("no builder module in the generated code")?;
    for item in builder {
        let syn::Item::Impl(block) = item else { continue };
        let syn::Type::Path(path) = &*block.self_ty else { continue };
        let Some(name) = path.path.segments.last().map(|s| s.ident.to_string()) else { continue };
        let setters: &mut Vec<(String, syn::Type)> = found.entry(name).or_default();
        for item in &block.items {
            let syn::ImplItem::Fn(method) = item else { continue };
            let Some(where_clause) = &method.sig.generics.where_clause else { continue };
            let target = where_clause.predicates.iter().find_map(|p| {
                let syn::WherePredicate::Type(p) = p else { return None };
                p.bounds.iter().find_map(|b| {
                    let syn::TypeParamBound::Trait(t) = b else { return None };
                    let last = t.path.segments.last()?;
                    if last.ident != "TryInto" {
                        return None;
                    }
                    let syn::PathArguments::AngleBracketed(args) = &last.arguments else { return None };
                    args.args.iter().find_map(|a| match a {
                        syn::GenericArgument::Type(ty) => Some(ty.clone()),
                        _ => None,
                    })
                })
            });
            if let Some(target) = target {
                setters.push((method.sig.ident.to_string(), qualify(target)));
            }
        }
    }
    Ok(found)
}

/// Types named inside the builder module (`types::X`, `super::...`) as seen from the file root.
fn qualify(ty: syn::Type) -> syn::Type {
    let text = quote!(#ty).to_string().replace("super :: ", "");
    syn::parse_str(&text).unwrap_or(ty)
}

/// The client's operation methods and the builder each returns: `(operation_id, Builder)`.
fn client_methods(file: &syn::File) -> Vec<(String, String)> {
    let mut methods = Vec::new();
    for item in &file.items {
        let syn::Item::Impl(block) = item else { continue };
        let syn::Type::Path(path) = &*block.self_ty else { continue };
        if block.trait_.is_some() || !path.path.is_ident("Client") {
            continue;
        }
        for item in &block.items {
            let syn::ImplItem::Fn(method) = item else { continue };
            let syn::ReturnType::Type(_, ty) = &method.sig.output else { continue };
            let syn::Type::Path(ret) = &**ty else { continue };
            let segments: Vec<String> = ret.path.segments.iter().map(|s| s.ident.to_string()).collect();
            if let [module, builder] = segments.as_slice()
                && module == "builder"
            {
                methods.push((method.sig.ident.to_string(), builder.clone()));
            }
        }
    }
    methods
}
