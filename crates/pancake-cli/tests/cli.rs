//! The built `pancake` binary against a sandbox: a command of every operation (the same request
//! on the wire as the Rust client's), exit codes, export of a large list, and resume.

use std::path::PathBuf;

use assert_cmd::Command;
use pancake_sandbox::{Config, FaultRule, Sandbox};
use serde_json::{Value, json};

const PAGE: &str = "105000000000001";

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// `pancake` pointed at `sandbox`, with its tokens, no pacing, quick retries.
fn pancake(sandbox: &Sandbox) -> Command {
    let mut command = Command::cargo_bin("pancake").unwrap();
    command
        .env_clear()
        .args([
            "--base-url",
            &sandbox.url(),
            "--page-token",
            sandbox.page_token(),
            "--user-token",
            sandbox.user_token(),
        ])
        .args([
            "--botcake-token",
            sandbox.page_token(),
            "--rate-limit",
            "0",
            "--max-retries",
            "0",
            "--timeout",
            "1",
        ]);
    command
}

/// The flags of one call of `tests/calls.json`, and its body for stdin.
fn flags(args: &Value) -> (Vec<String>, Option<String>) {
    let mut flags = Vec::new();
    for (name, value) in args.as_object().unwrap() {
        if name == "body" {
            continue;
        }
        if name == "file" {
            // An upload's file: written under its name, passed by path.
            let dir = std::env::temp_dir().join(format!("pancake-cli-upload-{}", std::process::id()));
            std::fs::create_dir_all(&dir).unwrap();
            let path = dir.join(value["name"].as_str().unwrap());
            std::fs::write(&path, value["text"].as_str().unwrap()).unwrap();
            flags.extend(["--file".to_string(), path.display().to_string()]);
            flags.extend(["--mime-type".to_string(), value["mime_type"].as_str().unwrap().to_string()]);
            continue;
        }
        flags.push(format!("--{}", name.replace('_', "-")));
        flags.push(match value {
            Value::String(text) => text.clone(),
            Value::Array(items) => items
                .iter()
                .map(|item| item.as_str().map_or_else(|| item.to_string(), str::to_string))
                .collect::<Vec<_>>()
                .join(","),
            other => other.to_string(),
        });
    }
    let body = args.get("body").map(|body| {
        flags.push("--body-file".into());
        flags.push("-".into());
        body.to_string()
    });
    (flags, body)
}

/// The request the Rust client put on the wire for an operation (its insta snapshot).
fn snapshot(operation: &str) -> Value {
    let text =
        std::fs::read_to_string(root().join(format!("tests/rust/snapshots/operations__{operation}.snap")))
            .unwrap();
    serde_json::from_str(text.splitn(3, "---").nth(2).unwrap()).unwrap()
}

/// The sandbox's last request, in the snapshots' form.
fn on_the_wire(sandbox: &Sandbox) -> Value {
    let request = sandbox.requests().pop().unwrap();
    let pairs = |value: &Value, separator: &str| -> Vec<Value> {
        value
            .as_array()
            .unwrap()
            .iter()
            .map(|pair| {
                let (k, v) = (pair[0].as_str().unwrap(), pair[1].as_str().unwrap());
                let v = match k {
                    "host" => "127.0.0.1:[port]".to_string(),
                    "user-agent" => {
                        assert!(v.starts_with("pancake-cli/"), "{v}");
                        "pancake-sdk-rust/[version]".to_string()
                    }
                    _ => v.to_string(),
                };
                json!(format!("{k}{separator}{v}"))
            })
            .collect()
    };
    json!({
        "operation_id": request["operation_id"], "method": request["method"], "path": request["path"],
        "query": pairs(&request["query"], "="), "headers": pairs(&request["headers"], ": "), "body": request["body"],
    })
}

#[test]
fn a_command_of_every_operation_puts_the_same_request_on_the_wire() {
    let sandbox = Sandbox::start(Config::fixed()).unwrap();
    let table: Value =
        serde_json::from_str(&std::fs::read_to_string(root().join("tests/calls.json")).unwrap()).unwrap();
    let calls = table["calls"].as_array().unwrap();
    for call in calls {
        let operation = call["operation"].as_str().unwrap();
        let (flags, body) = flags(&call["args"]);
        let mut command = pancake(&sandbox);
        command.arg(call["api"].as_str().unwrap()).arg(operation.replace('_', "-")).args(&flags);
        if let Some(body) = body {
            command.write_stdin(body);
        }
        let output = command.output().unwrap();
        assert!(output.status.success(), "{operation}: {}", String::from_utf8_lossy(&output.stderr));
        let answer: Value = serde_json::from_slice(&output.stdout).unwrap();
        // An object that does not say `success: false` (some answer no `success`), or a list.
        assert!(
            answer.is_array() || (answer.is_object() && answer["success"] != false),
            "{operation}: {answer}"
        );
        assert_eq!(on_the_wire(&sandbox), snapshot(operation), "{operation}");
    }
    let operations = pancake_sdk::botcake::API.operations.len() + pancake_sdk::pancake::API.operations.len();
    assert_eq!(calls.len(), operations, "one call of every operation");
}

#[test]
fn exit_codes_differ_by_kind_of_failure() {
    let sandbox = Sandbox::start(Config::fixed()).unwrap();
    let code = |command: &mut Command| command.output().unwrap().status.code();
    let customers = [
        "pancake",
        "list-page-customers",
        "--page-id",
        PAGE,
        "--since",
        "0",
        "--until",
        "1",
        "--page-number",
        "1",
    ];

    assert_eq!(code(pancake(&sandbox).args(customers).args(["--page-size", "101"])), Some(3), "validation");
    assert_eq!(
        code(pancake(&sandbox).args(["pancake", "list-tags"])),
        Some(2),
        "usage: a required flag is missing"
    );
    let mut no_user = Command::cargo_bin("pancake").unwrap();
    no_user.env_clear().args(["--base-url", &sandbox.url(), "pancake", "list-pages"]);
    let output = no_user.output().unwrap();
    assert_eq!(output.status.code(), Some(4), "missing credential");
    assert!(String::from_utf8_lossy(&output.stderr).contains("PANCAKE_USER_ACCESS_TOKEN"));
    let mut offline = Command::cargo_bin("pancake").unwrap();
    offline.env_clear().args([
        "--base-url",
        "http://127.0.0.1:9",
        "--page-token",
        "t",
        "--max-retries",
        "0",
        "pancake",
        "list-tags",
        "--page-id",
        PAGE,
    ]);
    assert_eq!(code(&mut offline), Some(5), "no answer");

    sandbox.inject(FaultRule::next("html-502")).unwrap();
    assert_eq!(
        code(pancake(&sandbox).args(["pancake", "list-tags", "--page-id", PAGE])),
        Some(6),
        "HTTP status"
    );
    sandbox.inject(FaultRule::next("api-error=105")).unwrap();
    assert_eq!(
        code(pancake(&sandbox).args(["pancake", "list-tags", "--page-id", PAGE])),
        Some(7),
        "API error"
    );
    sandbox.inject(FaultRule::next("malformed-json")).unwrap();
    assert_eq!(
        code(pancake(&sandbox).args(["pancake", "list-tags", "--page-id", PAGE])),
        Some(9),
        "undecodable"
    );

    sandbox.inject(FaultRule::next("drop").for_operation("send_message")).unwrap();
    let send = [
        "pancake",
        "send-message",
        "--page-id",
        PAGE,
        "--conversation-id",
        "105000000000001_6100000000010003",
    ];
    let output =
        pancake(&sandbox).args(send).args(["--action", "reply_inbox", "--message", "Dạ"]).output().unwrap();
    assert_eq!(output.status.code(), Some(8), "outcome unknown");
    assert!(String::from_utf8_lossy(&output.stderr).contains("may have been delivered"));
    assert_eq!(sandbox.journal().len(), 1, "sent once");
}

#[test]
fn tokens_are_never_echoed() {
    let sandbox = Sandbox::start(Config { page_token: "tok-SECRET-cli".into(), ..Config::fixed() }).unwrap();
    let mut help = Command::cargo_bin("pancake").unwrap();
    help.env_clear().env("PANCAKE_PAGE_ACCESS_TOKEN", "tok-SECRET-cli").args([
        "pancake",
        "list-tags",
        "--help",
    ]);
    let output = help.output().unwrap();
    assert!(output.status.success());
    assert!(!String::from_utf8_lossy(&output.stdout).contains("tok-SECRET-cli"));
    let mut wrong = Command::cargo_bin("pancake").unwrap();
    wrong.env_clear().args([
        "--base-url",
        &sandbox.url(),
        "--page-token",
        "tok-SECRET-wrong",
        "pancake",
        "list-tags",
        "--page-id",
        PAGE,
    ]);
    let output = wrong.output().unwrap();
    assert_eq!(output.status.code(), Some(7));
    let printed =
        format!("{}{}", String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr));
    assert!(!printed.contains("tok-SECRET"), "{printed}");
}

#[test]
fn the_embedded_sandbox_needs_no_token() {
    let mut command = Command::cargo_bin("pancake").unwrap();
    let output = command.env_clear().args(["--sandbox", "pancake", "list-pages"]).output().unwrap();
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let answer: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(answer["categorized"]["activated_page_ids"][0], PAGE);
    let mut lines = Command::cargo_bin("pancake").unwrap();
    let output = lines
        .env_clear()
        .args(["--sandbox", "--output", "jsonl", "pancake", "list-posts", "--page-id", PAGE])
        .args(["--since", "0", "--until", "2000000000", "--page-number", "1", "--page-size", "30"])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert_eq!(stdout.lines().count(), 30, "one post a line");
    assert!(stdout.lines().all(|line| serde_json::from_str::<Value>(line).is_ok()));
}

#[test]
fn export_writes_a_large_list_completely_and_resumes() {
    let sandbox = Sandbox::start(Config { large_page_customers: 10_100, ..Config::fixed() }).unwrap();
    let dir = std::env::temp_dir().join(format!("pancake-cli-export-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let (full, part) = (dir.join("full.jsonl"), dir.join("part.jsonl"));
    let export = |file: &PathBuf, resume: bool| {
        let mut command = pancake(&sandbox);
        command.args([
            "pancake",
            "export",
            "customers",
            "--page-id",
            "105000000000099",
            "--since",
            "0",
            "--until",
            "2000000000",
        ]);
        command.arg("-o").arg(file);
        if resume {
            command.arg("--resume");
        }
        let output = command.output().unwrap();
        assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    };
    export(&full, false);
    let text = std::fs::read_to_string(&full).unwrap();
    let psids: std::collections::HashSet<String> = text
        .lines()
        .map(|line| serde_json::from_str::<Value>(line).unwrap()["psid"].as_str().unwrap().to_string())
        .collect();
    assert_eq!((text.lines().count(), psids.len()), (10_100, 10_100), "complete, no duplicates");

    // An interruption in the middle of record 4,321: the resumed file equals the whole export.
    let cut = text.match_indices('\n').nth(4_319).unwrap().0 + 1 + 20;
    std::fs::write(&part, &text.as_bytes()[..cut]).unwrap();
    std::fs::copy(format!("{}.export.json", full.display()), format!("{}.export.json", part.display()))
        .unwrap();
    let before = sandbox.requests().len();
    export(&part, true);
    assert_eq!(std::fs::read_to_string(&part).unwrap(), text);
    assert_eq!(sandbox.requests().len() - before, 58, "pages 44 to 101: the first 43 are not fetched again");

    // A resume must be the same export: another format (or list, or flags) is refused.
    let mut other = pancake(&sandbox);
    other.args([
        "pancake",
        "export",
        "customers",
        "--page-id",
        "105000000000099",
        "--since",
        "0",
        "--until",
        "2000000000",
    ]);
    let output = other.args(["--format", "csv", "--resume", "-o"]).arg(&part).output().unwrap();
    assert_eq!(output.status.code(), Some(2), "{}", String::from_utf8_lossy(&output.stderr));
    assert_eq!(std::fs::read_to_string(&part).unwrap(), text, "the file is untouched");

    // Messages walk by `current_count`, newest first: resume there too.
    let (all_messages, some_messages) = (dir.join("messages.jsonl"), dir.join("some-messages.jsonl"));
    let export_messages = |file: &PathBuf, resume: bool| {
        let mut command = pancake(&sandbox);
        command.args(["pancake", "export", "messages", "--page-id", PAGE, "--conversation-id"]);
        command.args(["105000000000001_6100000000010003", "--customer-id", "cus-01-3", "-o"]).arg(file);
        if resume {
            command.arg("--resume");
        }
        assert!(command.output().unwrap().status.success());
    };
    export_messages(&all_messages, false);
    let messages = std::fs::read_to_string(&all_messages).unwrap();
    assert_eq!(messages.lines().count(), 54);
    let cut = messages.match_indices('\n').nth(29).unwrap().0 + 5;
    std::fs::write(&some_messages, &messages.as_bytes()[..cut]).unwrap();
    std::fs::copy(
        format!("{}.export.json", all_messages.display()),
        format!("{}.export.json", some_messages.display()),
    )
    .unwrap();
    export_messages(&some_messages, true);
    assert_eq!(std::fs::read_to_string(&some_messages).unwrap(), messages);

    // CSV too.
    let (full_csv, part_csv) = (dir.join("full.csv"), dir.join("part.csv"));
    let export_csv = |file: &PathBuf, resume: bool| {
        let mut command = pancake(&sandbox);
        command.args([
            "pancake",
            "export",
            "posts",
            "--page-id",
            PAGE,
            "--since",
            "0",
            "--until",
            "2000000000",
            "--format",
            "csv",
            "-o",
        ]);
        command.arg(file);
        if resume {
            command.arg("--resume");
        }
        assert!(command.output().unwrap().status.success());
    };
    export_csv(&full_csv, false);
    let csv_text = std::fs::read_to_string(&full_csv).unwrap();
    assert_eq!(csv_text.lines().count(), 76, "a header and 75 posts");
    std::fs::write(&part_csv, &csv_text.as_bytes()[..csv_text.len() / 3]).unwrap();
    std::fs::copy(
        format!("{}.export.json", full_csv.display()),
        format!("{}.export.json", part_csv.display()),
    )
    .unwrap();
    export_csv(&part_csv, true);
    assert_eq!(std::fs::read_to_string(&part_csv).unwrap(), csv_text);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn completions_are_generated_for_each_shell() {
    for shell in ["bash", "zsh", "fish"] {
        let output = Command::cargo_bin("pancake").unwrap().args(["completions", shell]).output().unwrap();
        assert!(output.status.success());
        let script = String::from_utf8_lossy(&output.stdout);
        assert!(script.contains("list-conversations") && script.contains("send-flow"), "{shell}");
    }
}

/// Hostile inputs and servers through the CLI: exit codes by kind, nothing sent for a refused
/// id, no token on stderr, every variant of a body expressible with flags.
#[test]
fn hostile_inputs_and_servers_end_in_their_exit_codes_without_leaking() {
    let sandbox = Sandbox::start(Config::fixed()).unwrap();

    let refused = pancake(&sandbox)
        .args([
            "pancake",
            "send-message",
            "--page-id",
            "..",
            "--conversation-id",
            "..",
            "--action",
            "reply_inbox",
        ])
        .args(["--message", "hi"])
        .assert()
        .code(3);
    let stderr = String::from_utf8_lossy(&refused.get_output().stderr).into_owned();
    assert!(stderr.contains("page_id"), "{stderr}");
    assert!(sandbox.requests().is_empty(), "nothing may be sent");

    // A private reply to a recent comment, with flags alone.
    let comment = format!("{PAGE}_900000074_1000149");
    pancake(&sandbox)
        .args(["pancake", "send-message", "--page-id", PAGE, "--conversation-id", &comment])
        .args(["--action", "private_replies", "--post-id", "105000000000001_900000074"])
        .args(["--message-id", &comment, "--message", "Shop đã inbox bạn nhé"])
        .assert()
        .success();
    assert_eq!(sandbox.requests().pop().unwrap()["body"]["action"], "private_replies");
    let help = pancake(&sandbox).args(["pancake", "send-message", "--help"]).assert().success();
    let help = String::from_utf8_lossy(&help.get_output().stdout).into_owned();
    assert!(help.contains("private_replies") && help.contains("reply_inbox"), "{help}");

    // Echoed tokens never reach stderr; --verbose logs each call without ids or tokens.
    for (fault, command) in [("echo=502", "list-tags"), ("echo-json=200", "list-pages")] {
        sandbox.inject(FaultRule::next(fault)).unwrap();
        let mut cli = pancake(&sandbox);
        cli.args(["--verbose", "pancake", command]);
        if command == "list-tags" {
            cli.args(["--page-id", PAGE]);
        }
        let failed = cli.assert().failure();
        let stderr = String::from_utf8_lossy(&failed.get_output().stderr).into_owned();
        assert!(!stderr.contains(sandbox.page_token()) && !stderr.contains(sandbox.user_token()), "{stderr}");
        assert!(stderr.contains("[REDACTED]"), "{stderr}");
        assert!(
            stderr.contains("operation=") && stderr.contains("route="),
            "--verbose logs the call: {stderr}"
        );
    }

    // An answer over the size limit (11), a call past its deadline (5).
    pancake(&sandbox)
        .args(["--max-response-bytes", "16", "pancake", "list-tags", "--page-id", PAGE])
        .assert()
        .code(11);
    sandbox.inject(FaultRule::next("latency=3000").times(5)).unwrap();
    pancake(&sandbox).args(["--deadline", "0.5", "pancake", "list-tags", "--page-id", PAGE]).assert().code(5);
}

#[test]
fn export_walks_the_v2_cursor_and_the_export_offset() {
    let sandbox = Sandbox::start(Config::fixed()).unwrap();
    let ids = |args: &[&str]| -> Vec<String> {
        let output = pancake(&sandbox).args(args).output().unwrap();
        assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
        String::from_utf8(output.stdout)
            .unwrap()
            .lines()
            .map(|line| serde_json::from_str::<Value>(line).unwrap()["id"].as_str().unwrap().to_string())
            .collect()
    };
    let page = "105000000000001";
    let conversations = ids(&["pancake", "export", "conversations", "--page-id", page]);
    let unique: std::collections::HashSet<_> = conversations.iter().collect();
    assert_eq!((conversations.len(), unique.len()), (150, 150));
    // The older route (v1) is still there, under its version.
    let older = ids(&[
        "pancake",
        "export",
        "conversations-v1",
        "--page-id",
        page,
        "--since",
        "0",
        "--until",
        "2000000000",
    ]);
    assert_eq!(older.len(), 150);
    let from_ads = ids(&[
        "pancake",
        "export",
        "conversations-from-ads",
        "--page-id",
        page,
        "--since",
        "0",
        "--until",
        "2000000000",
        "--action",
        "conversations_from_ads",
    ]);
    let unique: std::collections::HashSet<_> = from_ads.iter().collect();
    assert_eq!((from_ads.len(), unique.len()), (50, 50));
}

#[test]
fn files_are_uploaded_then_sent_by_their_content_ids() {
    let sandbox = Sandbox::start(Config::fixed()).unwrap();
    let dir = std::env::temp_dir().join(format!("pancake-cli-media-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let (photo, clip) = (dir.join("ao.jpg"), dir.join("clip.mp4"));
    std::fs::write(&photo, b"\xff\xd8\xff\xe0 photo").unwrap();
    std::fs::write(&clip, vec![0u8; (15 << 20) + 1]).unwrap();
    let send = |files: &[&std::path::Path], platform: Option<&str>| {
        let mut command = pancake(&sandbox);
        command.args([
            "pancake",
            "send-message-v2",
            "--page-id",
            "105000000000001",
            "--conversation-id",
            "105000000000001_6100000000010003",
        ]);
        for file in files {
            command.arg("--file").arg(file);
        }
        if let Some(platform) = platform {
            command.args(["--platform", platform]);
        }
        command.output().unwrap()
    };
    let sent = send(&[&photo, &photo], Some("facebook"));
    assert!(sent.status.success(), "{}", String::from_utf8_lossy(&sent.stderr));
    let operations: Vec<String> =
        sandbox.requests().iter().map(|r| r["operation_id"].as_str().unwrap().to_string()).collect();
    assert_eq!(operations, ["upload_content", "upload_content", "send_message_v2"]);

    sandbox.reset();
    let too_many = send(&[&photo, &photo], None);
    assert_eq!(too_many.status.code(), Some(3), "refused before sending");
    assert!(String::from_utf8_lossy(&too_many.stderr).contains("at most 1"));
    let oversized = send(&[&clip], Some("facebook"));
    assert_eq!(oversized.status.code(), Some(3));
    assert!(String::from_utf8_lossy(&oversized.stderr).contains("15 MiB"));
    let uploaded = pancake(&sandbox)
        .args(["pancake", "upload-content", "--page-id", "105000000000001", "--file"])
        .arg(&clip)
        .args(["--platform", "shopee"])
        .output()
        .unwrap();
    assert!(!uploaded.status.success(), "the sandbox's Facebook pages take 15 MiB videos");
    assert_eq!(sandbox.requests().len(), 1, "only the Shopee upload was sent");
    let _ = std::fs::remove_dir_all(&dir);
}

/// `pancake webhooks serve` started with `args`: the child, and the address it listens on.
fn serve_webhooks(secret: &str, args: &[&str]) -> (std::process::Child, String) {
    use std::io::BufRead;
    let mut child = std::process::Command::new(assert_cmd::cargo::cargo_bin("pancake"))
        .env_clear()
        .env("PANCAKE_WEBHOOK_SECRET", secret)
        .args(["webhooks", "serve", "--listen", "127.0.0.1:0"])
        .args(args)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut stderr = std::io::BufReader::new(child.stderr.take().unwrap());
    let mut line = String::new();
    stderr.read_line(&mut line).unwrap();
    assert!(!line.contains(secret), "the secret is never printed: {line}");
    let addr =
        line.trim().strip_prefix("listening on http://").unwrap().split('/').next().unwrap().to_string();
    // The rest of stderr is read so the child never blocks on it.
    std::thread::spawn(move || std::io::copy(&mut stderr, &mut std::io::sink()));
    (child, addr)
}

/// Waits for `child` to end by itself (it stops after `--max-events`).
fn finished(mut child: std::process::Child) -> String {
    for _ in 0..200 {
        if let Some(status) = child.try_wait().unwrap() {
            assert!(status.success(), "{status}");
            let mut out = String::new();
            std::io::Read::read_to_string(&mut child.stdout.take().unwrap(), &mut out).unwrap();
            return out;
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    let _ = child.kill();
    panic!("pancake webhooks serve did not stop after its events");
}

#[test]
fn webhooks_serve_writes_each_event_once_in_version_order() {
    let secret = "whsec-cli-1b9f4e7a2c";
    let sandbox = Sandbox::start(Config::fixed()).unwrap();
    let (child, addr) = serve_webhooks(secret, &["--max-events", "7", "--reorder-window", "0.8"]);
    let registration = pancake_sandbox::Registration {
        url: format!("http://{addr}/pancake/{secret}"),
        duplicate_every: 2,
        reorder: true,
        page_id: None,
    };
    sandbox.register_webhook(registration).unwrap();
    let inbox = "105000000000001_6100000000010003";
    for (command, flags) in [
        ("send-message-v2", ["--action", "reply_inbox", "--message", "Dạ còn ạ"]),
        ("tag-conversation", ["--action", "add", "--tag-id", "5"]),
        ("tag-conversation", ["--action", "remove", "--tag-id", "5"]),
    ] {
        let output = pancake(&sandbox)
            .args(["pancake", command, "--page-id", PAGE, "--conversation-id", inbox])
            .args(flags)
            .output()
            .unwrap();
        assert!(output.status.success(), "{command}: {}", String::from_utf8_lossy(&output.stderr));
    }
    for event_type in ["post", "subscription", "connect_status"] {
        sandbox.emit_webhook(event_type, PAGE).unwrap();
    }
    let out = finished(child);
    let events: Vec<Value> = out.lines().map(|line| serde_json::from_str(line).unwrap()).collect();
    let types: Vec<&str> = events.iter().map(|e| e["event_type"].as_str().unwrap()).collect();
    let mut sorted = types.clone();
    sorted.sort_unstable();
    assert_eq!(
        sorted,
        [
            "connect_status",
            "conversation",
            "conversation",
            "conversation",
            "messaging",
            "post",
            "subscription"
        ],
        "each event once"
    );
    let versions: Vec<i64> =
        events.iter().filter_map(|e| e["data"]["conversation"]["version"].as_i64()).collect();
    assert_eq!(versions, [101, 102, 103], "in version order");
    let log = sandbox.webhooks();
    assert!(log["deliveries"].as_array().unwrap().len() > 7, "the sandbox repeated some: {log}");
}

#[test]
fn webhooks_serve_hands_events_to_a_command_and_refuses_a_weak_secret() {
    let secret = "whsec-cli-forward-55e1";
    let sandbox = Sandbox::start(Config::fixed()).unwrap();
    let dir = std::env::temp_dir().join(format!("pancake-cli-hooks-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("events.jsonl");
    let script = format!("cat >> '{}'", file.display());
    let (child, addr) = serve_webhooks(secret, &["--max-events", "2", "--", "sh", "-c", &script]);
    let url = format!("http://{addr}/h/{secret}");
    sandbox.register_webhook(pancake_sandbox::Registration::new(url)).unwrap();
    sandbox.emit_webhook("connect_status", PAGE).unwrap();
    sandbox.emit_webhook("page_rating", PAGE).unwrap();
    let stdout = finished(child);
    assert!(stdout.is_empty(), "events went to the command: {stdout}");
    let written = std::fs::read_to_string(&file).unwrap();
    let types: Vec<String> = written
        .lines()
        .map(|l| serde_json::from_str::<Value>(l).unwrap()["event_type"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(types, ["connect_status", "page_rating"], "an unknown event type is passed on too");
    let _ = std::fs::remove_dir_all(&dir);

    let weak = Command::cargo_bin("pancake")
        .unwrap()
        .env_clear()
        .env("PANCAKE_WEBHOOK_SECRET", "short")
        .args(["webhooks", "serve", "--listen", "127.0.0.1:0"])
        .output()
        .unwrap();
    assert_eq!(weak.status.code(), Some(2));
    let said = String::from_utf8_lossy(&weak.stderr);
    assert!(said.contains("at least 16 characters") && !said.contains("short"), "{said}");

    // A command that hangs is killed after its timeout: the receiver goes on (this one stops
    // after its event; without the kill it would wait 60 s).
    let args = ["--max-events", "1", "--command-timeout", "0.3", "--", "sleep", "60"];
    let (child, addr) = serve_webhooks(secret, &args);
    let url = format!("http://{addr}/h/{secret}");
    sandbox.reset();
    sandbox.register_webhook(pancake_sandbox::Registration::new(url)).unwrap();
    sandbox.emit_webhook("post", PAGE).unwrap();
    finished(child);
}
