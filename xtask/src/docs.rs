//! The rendered documentation: each spec as a standalone HTML reference (Redocly), rustdoc of
//! the SDK, the Python API (pdoc, from the installed wheel's docstrings and stubs), and an
//! index page that links them and shows the README's examples in each language. Then the check
//! that no page is empty and no link inside the documentation is broken.

use std::collections::{BTreeMap, HashMap};
use std::fmt::Write;
use std::path::{Component, Path, PathBuf};
use std::process::Command;

use crate::{Result, root, succeed, target_dir, venv};

/// The pinned pdoc, which renders the Python API.
const PDOC: &str = "pdoc==16.0.0";

/// Builds the documentation into `out` (emptied first), then checks it. The Python package
/// must be installed in the venv (the Python checks or `dist` install it).
pub fn build(out: &Path) -> Result {
    let _ = std::fs::remove_dir_all(out);
    std::fs::create_dir_all(out).map_err(|e| format!("{}: {e}", out.display()))?;
    let mut sections = Vec::new();

    match crate::lint::redocly()? {
        Some(redocly) => {
            for spec in crate::lint::SPECS {
                let name =
                    Path::new(spec).file_stem().and_then(|s| s.to_str()).ok_or("a spec without a name")?;
                let page = out.join("api").join(format!("{name}.html"));
                succeed(
                    Command::new(&redocly)
                        .args(["build-docs", spec, "--inlineBundle", "--lint-config", "off", "-o"])
                        .arg(&page)
                        .env("REDOCLY_TELEMETRY", "off")
                        .env("REDOCLY_SUPPRESS_UPDATE_NOTICE", "true")
                        .stdout(std::process::Stdio::null()),
                    &format!("redocly build-docs {spec}"),
                )?;
            }
            sections.push(Section::Api);
        }
        None => println!("the HTML API reference is skipped: Redocly needs Node.js >= 20"),
    }

    // rustdoc never removes pages of items that went away: start from none.
    let _ = std::fs::remove_dir_all(target_dir().join("doc"));
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    succeed(
        Command::new(cargo)
            .args(["doc", "--quiet", "--no-deps", "-p", "pancake-sdk"])
            .env("RUSTDOCFLAGS", "-D warnings"),
        "cargo doc -p pancake-sdk (warnings are errors)",
    )?;
    let _ = std::fs::remove_file(target_dir().join("doc/index.html"));
    copy_tree(&target_dir().join("doc"), &out.join("rust"))?;
    // rustdoc's help and settings pages link to the crate list, which `--no-deps` leaves out.
    std::fs::write(
        out.join("rust/index.html"),
        "<!DOCTYPE html>\n<meta charset=\"utf-8\">\n<meta http-equiv=\"refresh\" content=\"0; url=pancake_sdk/index.html\">\n\
         <title>pancake-sdk</title>\n<p>The crate: <a href=\"pancake_sdk/index.html\">pancake_sdk</a></p>\n",
    )
    .map_err(|e| format!("{}: {e}", out.display()))?;
    sections.push(Section::Rust);

    venv::ensure(&[PDOC])?;
    succeed(
        Command::new(venv::bin("python"))
            // pdoc cannot tell where a functional TypedDict's keys come from, and says so for each.
            .args([
                "-W",
                "ignore",
                "-m",
                "pdoc",
                "--no-show-source",
                "pancake_sdk",
                "pancake_sdk._operations",
                "-o",
            ])
            .arg(out.join("python")),
        "pdoc (the Python API)",
    )?;
    sections.push(Section::Python);

    let readme = std::fs::read_to_string(root().join("README.md")).map_err(|e| format!("README.md: {e}"))?;
    std::fs::write(out.join("index.html"), index(&readme, &sections, crate::install::VERSION))
        .map_err(|e| format!("{}: {e}", out.display()))?;
    let pages = check(out)?;
    println!("documentation in {}: {pages} pages, no empty page, no broken link", out.display());
    Ok(())
}

/// A part of the documentation the index links to.
#[derive(Clone, Copy, PartialEq)]
enum Section {
    Api,
    Rust,
    Python,
}

/// The index page: what each part holds, and the README's examples by language.
fn index(readme: &str, sections: &[Section], version: &str) -> String {
    let mut html = format!(
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <title>pancake-sdk {version} documentation</title>\n<style>\n\
         body {{ font-family: system-ui, sans-serif; max-width: 60rem; margin: 2rem auto; padding: 0 1rem; line-height: 1.5; }}\n\
         pre {{ background: #f5f5f5; padding: 0.8rem; overflow-x: auto; }}\n\
         h3 {{ font-size: 1rem; margin-bottom: 0.2rem; }}\n</style>\n</head>\n<body>\n\
         <h1>pancake-sdk {version}</h1>\n\
         <p>Clients for the Pancake (pages.fm) and Botcake public APIs, in Rust, Python and C, all \
         generated from the same OpenAPI files.</p>\n<h2>Reference</h2>\n<ul>\n"
    );
    if sections.contains(&Section::Api) {
        for spec in crate::lint::SPECS {
            let name = Path::new(spec).file_stem().and_then(|s| s.to_str()).unwrap_or_default();
            let _ = writeln!(
                html,
                "<li><a href=\"api/{name}.html\">The {} API</a>: every operation, parameter and answer of \
                 <code>{spec}</code></li>",
                title_case(name)
            );
        }
    }
    if sections.contains(&Section::Rust) {
        html.push_str(
            "<li><a href=\"rust/pancake_sdk/index.html\">Rust</a>: the <code>pancake-sdk</code> crate (rustdoc)</li>\n",
        );
    }
    if sections.contains(&Section::Python) {
        html.push_str(
            "<li><a href=\"python/pancake_sdk.html\">Python</a>: the <code>pancake_sdk</code> package \
             (its clients' operations: <a href=\"python/pancake_sdk/_operations.html\">here</a>)</li>\n",
        );
    }
    html.push_str("<li>C: the header <code>include/pancake_sdk.h</code> of the C tarball documents each function</li>\n</ul>\n");
    html.push_str("<h2>Examples (from the README)</h2>\n");
    for (language, title) in [("sh", "Command line"), ("rust", "Rust"), ("python", "Python"), ("c", "C")] {
        let blocks = examples(readme, language);
        if blocks.is_empty() {
            continue;
        }
        let _ = writeln!(html, "<h2 id=\"{language}\">{title}</h2>");
        for (heading, code) in blocks {
            let _ =
                writeln!(html, "<h3>{}</h3>\n<pre><code>{}</code></pre>", escape(&heading), escape(&code));
        }
    }
    html.push_str("</body>\n</html>\n");
    html
}

fn title_case(name: &str) -> String {
    let mut chars = name.chars();
    chars.next().map(|c| c.to_uppercase().chain(chars).collect()).unwrap_or_default()
}

/// The fenced code blocks of `language` in a Markdown text, each with the heading above it.
fn examples(markdown: &str, language: &str) -> Vec<(String, String)> {
    enum State {
        Text,
        Taking(String),
        Skipping,
    }
    let mut found = Vec::new();
    let mut heading = String::new();
    let mut state = State::Text;
    for line in markdown.lines() {
        let fence = line.trim_start().starts_with("```");
        state = match state {
            State::Taking(code) if fence => {
                found.push((heading.clone(), code));
                State::Text
            }
            State::Taking(mut code) => {
                code.push_str(line);
                code.push('\n');
                State::Taking(code)
            }
            State::Skipping if fence => State::Text,
            State::Skipping => State::Skipping,
            State::Text if fence => {
                let info = line.trim_start().trim_start_matches('`').trim();
                if info == language { State::Taking(String::new()) } else { State::Skipping }
            }
            State::Text => {
                if line.starts_with('#') {
                    heading = line.trim_start_matches('#').trim().to_string();
                }
                State::Text
            }
        };
    }
    found
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

fn copy_tree(from: &Path, to: &Path) -> Result {
    std::fs::create_dir_all(to).map_err(|e| format!("{}: {e}", to.display()))?;
    for entry in std::fs::read_dir(from).map_err(|e| format!("{}: {e}", from.display()))? {
        let entry = entry.map_err(|e| format!("{}: {e}", from.display()))?;
        let target = to.join(entry.file_name());
        if entry.file_type().is_ok_and(|t| t.is_dir()) {
            copy_tree(&entry.path(), &target)?;
        } else if entry.file_name() != ".lock" {
            std::fs::copy(entry.path(), &target).map_err(|e| format!("{}: {e}", entry.path().display()))?;
        }
    }
    Ok(())
}

/// Checks every HTML page under `dir`: it shows some text, and each link or resource it names
/// inside the documentation (relative, with its `#fragment`) exists. Links that leave the
/// documentation (`https:`, `mailto:`) are not followed: the tests have no internet. Returns
/// the number of pages.
pub fn check(dir: &Path) -> Result<usize> {
    let mut pages = Vec::new();
    collect_pages(dir, &mut pages)?;
    let mut ids: HashMap<PathBuf, Vec<String>> = HashMap::new();
    let mut broken: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let mut empty = Vec::new();
    for page in &pages {
        let text = std::fs::read_to_string(page).map_err(|e| format!("{}: {e}", page.display()))?;
        let markup = markup(&text);
        let redirect = refresh_target(&markup);
        if redirect.is_none() && visible_text(&markup).trim().is_empty() {
            empty.push(page.display().to_string());
        }
        // Redoc's pages route `/tag` paths in the page itself.
        let routes_inside = page.parent() == Some(dir.join("api").as_path());
        for link in links(&markup).into_iter().chain(redirect) {
            if let Some(problem) = resolve(page, &link, routes_inside, &mut ids) {
                broken
                    .entry(page.strip_prefix(dir).unwrap_or(page).display().to_string())
                    .or_default()
                    .push(problem);
            }
        }
    }
    if !empty.is_empty() {
        return Err(format!("pages with no text: {}", empty.join(", ")));
    }
    if !broken.is_empty() {
        let mut report = String::from("broken links in the documentation:");
        for (page, problems) in &broken {
            let shown: Vec<&String> = problems.iter().take(5).collect();
            let _ = write!(report, "\n  {page} ({} broken): {shown:?}", problems.len());
        }
        return Err(report);
    }
    if pages.is_empty() {
        return Err(format!("no pages in {}", dir.display()));
    }
    Ok(pages.len())
}

fn collect_pages(dir: &Path, pages: &mut Vec<PathBuf>) -> Result {
    for entry in std::fs::read_dir(dir).map_err(|e| format!("{}: {e}", dir.display()))? {
        let path = entry.map_err(|e| format!("{}: {e}", dir.display()))?.path();
        if path.is_dir() {
            collect_pages(&path, pages)?;
        } else if path.extension().is_some_and(|e| e == "html") {
            pages.push(path);
        }
    }
    Ok(())
}

/// The page without its scripts, styles and comments (whose text is not markup).
fn markup(html: &str) -> String {
    let mut out = String::with_capacity(html.len());
    let mut rest = html;
    loop {
        let lower_find = |text: &str, what: &str| text.to_ascii_lowercase().find(what);
        let next = ["<script", "<style", "<!--"]
            .iter()
            .filter_map(|open| lower_find(rest, open).map(|at| (at, *open)))
            .min_by_key(|(at, _)| *at);
        let Some((at, open)) = next else {
            out.push_str(rest);
            return out;
        };
        out.push_str(&rest[..at]);
        let close = match open {
            "<script" => "</script>",
            "<style" => "</style>",
            _ => "-->",
        };
        rest = match lower_find(&rest[at..], close) {
            Some(end) => &rest[at + end + close.len()..],
            None => "",
        };
    }
}

/// Where a redirecting page (`<meta http-equiv="refresh" content="0; url=...">`) sends the reader.
fn refresh_target(markup: &str) -> Option<String> {
    let lower = markup.to_ascii_lowercase();
    let at = lower.find("http-equiv=\"refresh\"")?;
    let start = at + lower[at..].find("url=")? + "url=".len();
    let url = &markup[start..];
    Some(url[..url.find(['"', '\''])?].to_string())
}

/// The text a reader sees: the markup without its tags.
fn visible_text(markup: &str) -> String {
    let mut text = String::new();
    let mut in_tag = false;
    for c in markup.chars() {
        match c {
            '<' => in_tag = true,
            '>' => in_tag = false,
            _ if !in_tag => text.push(c),
            _ => {}
        }
    }
    text
}

/// The values of the `href` and `src` attributes, with `&amp;` decoded.
fn links(markup: &str) -> Vec<String> {
    attribute_values(markup, &[" href=", " src="])
}

/// The quoted values of the attributes `names` (each written with its leading space and `=`),
/// with `&amp;` decoded.
fn attribute_values(html: &str, names: &[&str]) -> Vec<String> {
    let mut found = Vec::new();
    for attribute in names {
        let mut rest = html;
        while let Some(at) = rest.find(attribute) {
            rest = &rest[at + attribute.len()..];
            let Some(quote) = rest.chars().next().filter(|c| *c == '"' || *c == '\'') else { continue };
            let Some(end) = rest[1..].find(quote) else { break };
            found.push(rest[1..1 + end].replace("&amp;", "&"));
            rest = &rest[1 + end..];
        }
    }
    found
}

/// Links that rustdoc copies, unresolved, from dependencies' own docs into every type's page:
/// the blanket implementations of tracing's `Instrument` and `WithSubscriber` and of tower's
/// `Service` (rustdoc cannot resolve a foreign crate's intra-doc links under `--no-deps`).
/// Only these exact texts are let through.
const RUSTDOC_FOREIGN: [&str; 6] = [
    "super::Subscriber",
    "super::Span::current()",
    "crate::Span",
    "dispatcher#setting-the-default-subscriber",
    "crate::Service::poll_ready",
    "crate::Service",
];

/// What is wrong with `link` on `page`, if anything.
fn resolve(
    page: &Path,
    link: &str,
    routes_inside: bool,
    ids: &mut HashMap<PathBuf, Vec<String>>,
) -> Option<String> {
    let outside = ["http:", "https:", "mailto:", "javascript:", "data:", "//"];
    if link.is_empty() || outside.iter().any(|scheme| link.to_ascii_lowercase().starts_with(scheme)) {
        return None;
    }
    if RUSTDOC_FOREIGN.contains(&link) && page.components().any(|part| part.as_os_str() == "rust") {
        return None;
    }
    if link.starts_with('/') {
        return if routes_inside { None } else { Some(format!("{link} (a path from the server's root)")) };
    }
    let (path, fragment) = link.split_once('#').unwrap_or((link, ""));
    let path = path.split('?').next().unwrap_or_default();
    let mut target = if path.is_empty() { page.to_path_buf() } else { normalize(&page.parent()?.join(path)) };
    if target.is_dir() {
        target = target.join("index.html");
    }
    if !target.is_file() {
        return Some(link.to_string());
    }
    // rustdoc's source pages find lines (`#12`, `#12-20`) by script, not by id.
    let source_page = target.components().any(|part| part.as_os_str() == "src");
    let lines = source_page
        && !fragment.is_empty()
        && fragment.split('-').all(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()));
    if fragment.is_empty() || lines || target.extension().is_none_or(|e| e != "html") {
        return None;
    }
    let known = ids
        .entry(target.clone())
        .or_insert_with(|| std::fs::read_to_string(&target).map(|text| anchors(&text)).unwrap_or_default());
    if known.iter().any(|id| id == fragment) { None } else { Some(link.to_string()) }
}

/// The `id` and `name` values of a page (the targets of `#fragment` links).
fn anchors(html: &str) -> Vec<String> {
    attribute_values(html, &[" id=", " name="])
}

/// `a/b/../c` as `a/c`, without asking the file system.
fn normalize(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for part in path.components() {
        match part {
            Component::ParentDir => {
                out.pop();
            }
            Component::CurDir => {}
            other => out.push(other),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn broken_links_and_empty_pages_are_found() {
        let dir = std::env::temp_dir().join(format!("pancake-docs-check-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(dir.join("sub")).unwrap();
        std::fs::write(
            dir.join("index.html"),
            "<p>Hi</p><a href=\"sub/a.html#here\">a</a><a href=\"https://x.invalid/\">x</a>\
             <script>var s = '<a href=\"nowhere.html\">';</script><a href=\"#top\" id=\"top\">t</a>",
        )
        .unwrap();
        std::fs::write(dir.join("sub/a.html"), "<h1 id=\"here\">A</h1><img src=\"../index.html\">").unwrap();
        assert_eq!(check(&dir), Ok(2));

        std::fs::write(dir.join("sub/a.html"), "<h1 id=\"there\">A</h1>").unwrap();
        let error = check(&dir).unwrap_err();
        assert!(error.contains("sub/a.html#here"), "{error}");

        std::fs::write(dir.join("sub/a.html"), "<h1 id=\"here\">A</h1>").unwrap();
        std::fs::write(
            dir.join("sub/r.html"),
            "<meta http-equiv=\"refresh\" content=\"0; url=./gone.html\"/>",
        )
        .unwrap();
        assert!(check(&dir).unwrap_err().contains("./gone.html"));
        std::fs::write(dir.join("sub/r.html"), "<meta http-equiv=\"refresh\" content=\"0; url=./a.html\"/>")
            .unwrap();
        assert_eq!(check(&dir), Ok(3), "a redirect to a page is no empty page");

        std::fs::write(dir.join("sub/a.html"), "<h1 id=\"here\">A</h1><a href=\"../missing.html\">m</a>")
            .unwrap();
        assert!(check(&dir).unwrap_err().contains("../missing.html"));

        std::fs::write(
            dir.join("sub/a.html"),
            "<html><body id=\"here\"> <script>text()</script></body></html>",
        )
        .unwrap();
        assert!(check(&dir).unwrap_err().contains("pages with no text"));
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn the_index_shows_each_languages_examples() {
        let readme = "# Title\n## Rust\n```rust\nlet a = 1 < 2;\n```\n## Python\n```python\nprint('x')\n```\n```toml\n[x]\n```\n";
        let html = index(readme, &[Section::Rust, Section::Python], "0.1.0");
        assert!(html.contains("<h3>Rust</h3>\n<pre><code>let a = 1 &lt; 2;\n</code></pre>"), "{html}");
        assert!(html.contains("print('x')"));
        assert!(!html.contains("[x]"), "other languages are left out");
        assert!(html.contains("rust/pancake_sdk/index.html") && !html.contains("api/pancake.html"));
    }
}
