//! The sandbox's data: deterministic, believable, and computed from an index so that a page
//! with tens of thousands of customers costs nothing until it is read.

use chrono::DateTime;
use serde_json::{Value, json};

/// One year, in seconds: the data spans the year after its epoch ([`Page::epoch`]).
pub const SPAN: i64 = 365 * 24 * 3600;

/// The epoch that makes the data's year end at the start of the current UTC day, so that the
/// newest conversations are from the last days and "the last 30 days" is never empty.
pub fn relative_epoch() -> i64 {
    let now =
        std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_secs() as i64);
    now - now.rem_euclid(86_400) - SPAN
}

/// A page the sandbox knows, and how much data it has.
#[derive(Clone, Debug, serde::Serialize)]
pub struct Page {
    /// Unix seconds where the page's data year begins (the sandbox's `Config::epoch`).
    #[serde(skip)]
    pub epoch: i64,
    pub id: &'static str,
    pub name: &'static str,
    pub conversations: usize,
    pub customers: usize,
    pub posts: usize,
    pub call_logs: usize,
}

/// The pages, the first being the one the examples use.
pub fn pages(large_customers: usize, epoch: i64) -> Vec<Page> {
    vec![
        Page {
            epoch,
            id: "105000000000001",
            name: "Bếp Nhà Mỡ",
            conversations: 150,
            customers: 260,
            posts: 75,
            call_logs: 45,
        },
        Page {
            epoch,
            id: "105000000000002",
            name: "Tiệm Hoa Cúc",
            conversations: 12,
            customers: 30,
            posts: 8,
            call_logs: 3,
        },
        Page {
            epoch,
            id: "105000000000099",
            name: "Kho Sỉ Toàn Quốc",
            conversations: 2_000,
            customers: large_customers,
            posts: 300,
            call_logs: 400,
        },
    ]
}

const FAMILY: &[&str] =
    &["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Huỳnh", "Phan", "Vũ", "Võ", "Đặng", "Bùi", "Đỗ"];
const MIDDLE: &[&str] = &["Thị", "Văn", "Minh", "Ngọc", "Thanh", "Hữu", "Đức"];
const GIVEN: &[&str] =
    &["Lan", "Hùng", "Mai", "Tuấn", "Hương", "Dũng", "Linh", "Nam", "Trang", "Phúc", "Thảo", "Khoa"];
const CITIES: &[&str] = &["Hà Nội", "TP. Hồ Chí Minh", "Đà Nẵng", "Hải Phòng", "Cần Thơ", "Nha Trang", "Huế"];
const ASKS: &[&str] = &[
    "Shop ơi còn size M không?",
    "Giá bao nhiêu vậy shop?",
    "Ship về Đà Nẵng mất mấy ngày ạ?",
    "Cho mình xin thêm ảnh thật nhé",
    "Mình muốn đổi màu khác được không?",
    "Đơn của mình giao chưa shop?",
];
const ANSWERS: &[&str] = &[
    "Dạ shop còn ạ",
    "Dạ sản phẩm giá 189.000đ ạ",
    "Dạ 2-3 ngày ạ",
    "Shop gửi bạn ảnh nhé",
    "Dạ được ạ, bạn chọn màu nào?",
    "Đơn đã giao cho đơn vị vận chuyển rồi ạ",
];
/// The page's tags: id, text, colour.
pub const TAGS: &[(i64, &str, &str)] = &[
    (1, "Khách mới", "#4caf50"),
    (2, "Đã chốt đơn", "#2196f3"),
    (3, "Hỏi giá", "#ff9800"),
    (4, "Hoàn hàng", "#f44336"),
    (5, "VIP", "#9c27b0"),
    (6, "Spam", "#607d8b"),
];

/// Unix seconds as the APIs write times: ISO 8601 without a zone.
pub fn iso(seconds: i64) -> String {
    DateTime::from_timestamp(seconds, 0)
        .map(|t| t.format("%Y-%m-%dT%H:%M:%S").to_string())
        .unwrap_or_default()
}

/// A deterministic spread of `count` items over a page's data year; item 0 is the oldest.
pub fn spread(page: &Page, index: usize, count: usize) -> i64 {
    page.epoch + (index as i64) * SPAN / (count.max(1) as i64)
}

fn name(i: usize) -> String {
    format!(
        "{} {} {}",
        FAMILY[i % FAMILY.len()],
        MIDDLE[(i * 3 + i / 7) % MIDDLE.len()],
        GIVEN[(i * 5 + i / 12) % GIVEN.len()]
    )
}

/// The PSID of customer `i` of a page.
pub fn psid(i: usize) -> String {
    format!("61{:014}", 10_000 + i)
}

fn tag(id: i64) -> Value {
    let (id, text, color) = TAGS.iter().find(|t| t.0 == id).copied().unwrap_or((id, "?", "#000000"));
    json!({ "id": id, "text": text, "color": color })
}

/// Customer `i` of a page.
pub fn customer(page: &Page, i: usize) -> Value {
    let inserted = spread(page, i, page.customers);
    json!({
        "id": format!("cus-{}-{i}", &page.id[page.id.len() - 2..]),
        "psid": psid(i),
        "name": name(i),
        "gender": if i.is_multiple_of(2) { "female" } else { "male" },
        "birthday": if i.is_multiple_of(5) { Value::Null } else { json!(format!("{:04}-{:02}-{:02}", 1980 + i % 25, 1 + i % 12, 1 + i % 28)) },
        "lives_in": CITIES[i % CITIES.len()],
        "phone_numbers": if i.is_multiple_of(3) { json!([]) } else { json!([format!("09{:08}", 12_345_678 + i)]) },
        "inserted_at": iso(inserted),
        "notes": if i.is_multiple_of(10) { json!([{ "message": "Khách quen, ưu tiên giao nhanh", "created_at": inserted * 1000 }]) } else { json!([]) },
        "loyalty_points": i % 500,
    })
}

/// When customer `i` was created.
pub fn customer_time(page: &Page, i: usize) -> i64 {
    spread(page, i, page.customers)
}

/// Conversation `i` of a page: id, messages count, time.
pub fn conversation(page: &Page, i: usize, tags: &[i64]) -> Value {
    let inserted = spread(page, i, page.conversations);
    let comment = i % 5 == 4;
    let post_id = format!("{}_{}", page.id, 900_000_000 + i % page.posts.max(1));
    let id =
        if comment { format!("{post_id}_{}", 1_000_000 + i) } else { format!("{}_{}", page.id, psid(i)) };
    let count = message_count(i);
    json!({
        "id": id,
        "type": if comment { "COMMENT" } else { "INBOX" },
        "page_id": page.id,
        "post_id": if comment { json!(post_id) } else { Value::Null },
        "snippet": ASKS[i % ASKS.len()],
        "seen": !i.is_multiple_of(3),
        "message_count": count,
        "has_phone": !i.is_multiple_of(3),
        "inserted_at": iso(inserted),
        "updated_at": iso(updated_time(page, i)),
        "from": { "id": psid(i), "name": name(i), "email": Value::Null },
        "tags": tags.iter().map(|t| tag(*t)).collect::<Vec<_>>(),
        "customers": [{ "id": format!("cus-{}-{i}", &page.id[page.id.len() - 2..]), "fb_id": psid(i), "name": name(i) }],
        "assignee_ids": if i.is_multiple_of(4) { json!(["u-1"]) } else { json!([]) },
        "page_customer": { "psid": psid(i), "name": name(i) },
    })
}

/// Messages in conversation `i`.
pub fn message_count(i: usize) -> usize {
    3 + (i * 17) % 70
}

/// When conversation `i` began.
pub fn conversation_time(page: &Page, i: usize) -> i64 {
    spread(page, i, page.conversations)
}

/// When conversation `i` last changed.
pub fn updated_time(page: &Page, i: usize) -> i64 {
    conversation_time(page, i) + ((i * 7_919) % 90_000) as i64
}

/// The id of conversation `i` (as [`conversation`] writes it).
pub fn conversation_id(page: &Page, i: usize) -> String {
    conversation(page, i, &[])["id"].as_str().unwrap_or_default().to_string()
}

/// The initial tags of conversation `i`.
pub fn initial_tags(i: usize) -> Vec<i64> {
    match i % 4 {
        0 => vec![1],
        1 => vec![1, 3],
        2 => vec![],
        _ => vec![2],
    }
}

/// Message `n` of conversation `i`, counted from the oldest.
pub fn message(page: &Page, i: usize, n: usize) -> Value {
    let conversation_id = conversation_id(page, i);
    let from_customer = n.is_multiple_of(2);
    let text = if from_customer { ASKS[(i + n) % ASKS.len()] } else { ANSWERS[(i + n) % ANSWERS.len()] };
    let at = conversation_time(page, i) + (n as i64) * 90;
    let attachments = if n % 11 == 5 {
        json!([{ "id": format!("att-{i}-{n}"), "type": "photo", "url": format!("https://content.sandbox.invalid/{i}/{n}.jpg"), "mime_type": "image/jpeg" }])
    } else {
        json!([])
    };
    json!({
        "id": format!("m_{i}_{n}"),
        "conversation_id": conversation_id,
        "page_id": page.id,
        "type": "INBOX",
        "message": format!("<div>{text}</div>"),
        "original_message": text,
        "from": if from_customer { json!({ "id": psid(i), "name": name(i) }) } else { json!({ "id": page.id, "name": page.name }) },
        "inserted_at": iso(at),
        "seen": true,
        "attachments": attachments,
    })
}

/// Post `i` of a page.
pub fn post(page: &Page, i: usize) -> Value {
    json!({
        "id": format!("{}_{}", page.id, 900_000_000 + i),
        "page_id": page.id,
        "from": { "id": page.id, "name": page.name },
        "message": format!("{} #{} — giảm {}% cuối tuần!", page.name, i + 1, 5 + i % 30),
        "type": if i.is_multiple_of(3) { "video" } else { "photo" },
        "inserted_at": iso(post_time(page, i)),
        "comment_count": (i * 13) % 97,
        "phone_number_count": (i * 3) % 11,
        "reactions": { "like_count": (i * 31) % 500, "love_count": (i * 7) % 80, "haha_count": i % 9 },
    })
}

/// When post `i` was published.
pub fn post_time(page: &Page, i: usize) -> i64 {
    spread(page, i, page.posts)
}

/// Call log `i` of a page.
pub fn call_log(page: &Page, i: usize) -> Value {
    json!({
        "call_id": format!("call-{}-{i}", &page.id[page.id.len() - 2..]),
        "caller": format!("09{:08}", 12_345_678 + i),
        "callee": "02873000123",
        "start_time": iso(call_time(page, i)),
        "duration": (i * 37) % 600,
        "status": CALL_STATUSES[i % 3],
    })
}

/// When call `i` started.
pub fn call_time(page: &Page, i: usize) -> i64 {
    spread(page, i, page.call_logs)
}

const CALL_STATUSES: &[&str] = &["answered", "missed", "busy"];

/// Botcake's folders and flows (those of the reference's example).
pub fn flow_nodes() -> (Vec<Value>, Vec<Value>) {
    let node =
        |parent: Option<i64>, name: &str, id: i64| json!({ "parent_id": parent, "name": name, "id": id });
    let folders = vec![
        node(Some(1562), "folder hihihi", 1566),
        node(Some(1561), "folder hahaha", 1564),
        node(None, "hello folder 2", 1562),
        node(None, "hello folder 1", 1561),
    ];
    let flows = vec![
        node(Some(1562), "flow hihihi", 1567),
        node(Some(1561), "flow hahaha", 1565),
        node(None, "hello flow 2", 1560),
        node(None, "hello flow 1", 1559),
        node(Some(1564), "flow chốt đơn", 1568),
    ];
    (folders, flows)
}

/// Botcake's ice breakers.
pub fn ice_breakers() -> Value {
    json!([
        { "title": "ice breaker 1", "id": 6, "flow_id": 1559 },
        { "title": "ice breaker 2", "id": 7, "flow_id": 1560 },
    ])
}

/// Botcake's main menu.
pub fn main_menu() -> Value {
    json!([
        { "type": "flow", "title": "tab 1", "id": 389, "flow_id": 1559 },
        { "url": "https://solo.com", "type": "link", "title": "tab 2", "id": 390 },
    ])
}

/// Botcake's tools.
pub fn tools() -> Value {
    json!([
        { "type": "messenger_ref_url", "name": "tool 2", "is_published": false, "id": 331 },
        { "type": "facebook_ads_json", "name": "tool 1", "is_published": false, "id": 330 },
    ])
}

/// The keywords a page starts with.
pub fn initial_keywords() -> Vec<Value> {
    vec![json!({ "is_activated": false, "id": 641, "flow_id": null })]
}

/// Staff of every page.
pub const STAFF: &[(&str, &str)] = &[("u-1", "Trần Văn Minh"), ("u-2", "Lê Thị Hồng")];

/// The staff of every sandbox page (`list_users`): three active users (`u-1` is the assignee
/// of every fourth conversation), one disabled user, and the round-robin users.
pub fn staff_users() -> Value {
    let user = |id: &str, name: &str, fb_id: &str, online: bool| {
        json!({
            "id": id, "name": name, "status": if online { "available" } else { "away" }, "fb_id": fb_id,
            "page_permissions": { "permissions": [100, 71, 81] }, "status_in_page": "active", "is_online": online,
        })
    };
    json!({
        "success": true,
        "users": [
            user("u-1", "Nguyễn Thu Trang", "116256249766001", true),
            user("u-2", "Trần Minh Khoa", "116256249766002", false),
            user("u-3", "Lê Hoàng Anh", "116256249766003", true),
        ],
        "disabled_users": [{ "id": "u-9", "name": "Phạm Văn Đức", "fb_id": "116256249766009" }],
        "round_robin_users": { "inbox": ["u-1", "u-2"], "comment": ["u-3"] },
    })
}
