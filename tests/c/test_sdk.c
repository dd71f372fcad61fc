/*
 * Tests of the C library against the sandbox server: every operation, each error kind, NULL
 * and invalid UTF-8 arguments, outputs left untouched on failure, a pager, two threads sharing
 * a client. Built with -std=c11 -Wall -Wextra -Werror -pedantic; run by `cargo xtask test`
 * (also under valgrind) with PANCAKE_SANDBOX_URL set.
 */
#define _POSIX_C_SOURCE 200809L
#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/select.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "pancake_sdk.h"

static int passed = 0;
static int failed = 0;
static char base_url[128];
static char botcake_url[160];
static int port = 0;

#define PAGE "105000000000001"
#define INBOX "105000000000001_6100000000010003"

#define CHECK(cond, what)                                                              \
    do {                                                                               \
        if (cond) {                                                                    \
            passed++;                                                                  \
        } else {                                                                       \
            failed++;                                                                  \
            fprintf(stderr, "FAIL %s:%d: %s (%s) last error: %s\n", __FILE__, __LINE__, \
                    what, #cond, pk_last_error());                                     \
        }                                                                              \
    } while (0)

/* Runs `call` (which writes its answer to `json`), checks it succeeded with a JSON answer
 * holding `needle`, and frees the answer. */
#define EXPECT_OK(call, what, needle)                                        \
    do {                                                                     \
        char *json = NULL;                                                   \
        pk_result result_ = (call);                                          \
        CHECK(result_ == PK_RESULT_OK, what);                                \
        CHECK(json != NULL && strstr(json, needle) != NULL, what " answer"); \
        pk_string_free(json);                                                \
    } while (0)

/* A socket connected to the sandbox (a bare socket: no HTTP library needed). */
static int sandbox_socket(void) {
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in addr;
    memset(&addr, 0, sizeof addr);
    addr.sin_family = AF_INET;
    addr.sin_port = htons((unsigned short)port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (fd < 0 || connect(fd, (struct sockaddr *)&addr, sizeof addr) != 0) {
        fprintf(stderr, "cannot reach the sandbox on port %d\n", port);
        exit(2);
    }
    return fd;
}

/* POSTs a JSON body to the sandbox's admin endpoint. */
static void sandbox_post(const char *path, const char *body) {
    int fd = sandbox_socket();
    char request[1024];
    int n = snprintf(request, sizeof request,
                     "POST %s HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                     "Content-Length: %zu\r\nConnection: close\r\n\r\n%s",
                     path, strlen(body), body);
    if (write(fd, request, (size_t)n) != n) {
        fprintf(stderr, "short write to the sandbox\n");
        exit(2);
    }
    char answer[512];
    while (read(fd, answer, sizeof answer) > 0) {
    }
    close(fd);
}

/* GETs a sandbox admin endpoint; the answer (head and body) goes to `out`, cut to `size`. */
static void sandbox_get(const char *path, char *out, size_t size) {
    int fd = sandbox_socket();
    char request[256];
    int n = snprintf(request, sizeof request, "GET %s HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n", path);
    if (write(fd, request, (size_t)n) != n) {
        fprintf(stderr, "short write to the sandbox\n");
        exit(2);
    }
    size_t got = 0;
    ssize_t r;
    while (got + 1 < size && (r = read(fd, out + got, size - 1 - got)) > 0) {
        got += (size_t)r;
    }
    out[got] = '\0';
    close(fd);
}

static void fault(const char *operation, const char *what) {
    char body[256];
    snprintf(body, sizeof body, "{\"fault\":\"%s\",\"operation_id\":\"%s\",\"times\":10}", what, operation);
    sandbox_post("/_sandbox/faults", body);
}

/* Settings for the sandbox; the caller releases them (a client keeps its own copy). */
static pk_options *options(const char *url) {
    pk_options *o = NULL;
    CHECK(pk_options_new(&o) == PK_RESULT_OK, "settings");
    CHECK(pk_options_set_page_token(o, "sandbox-page-token") == PK_RESULT_OK, "page token");
    CHECK(pk_options_set_user_token(o, "sandbox-user-token") == PK_RESULT_OK, "user token");
    CHECK(pk_options_set_base_url(o, url) == PK_RESULT_OK, "base URL");
    CHECK(pk_options_set_rate_limit(o, false) == PK_RESULT_OK, "no pacing");
    return o;
}

static void test_every_operation(void) {
    pk_options *bo = options(botcake_url), *po = options(base_url);
    pk_botcake *bot = NULL;
    pk_pancake *pc = NULL;
    CHECK(pk_botcake_new(bo, &bot) == PK_RESULT_OK, "botcake client");
    pk_options_free(bo);
    CHECK(pk_pancake_new(po, &pc) == PK_RESULT_OK, "pancake client");
    pk_options_free(po);
    int64_t path[] = {1561, 1564};
    int64_t current = 20, size100 = 100, size30 = 30;
    bool by_hour = false;

    EXPECT_OK(pk_botcake_get_flows(bot, PAGE, &json), "get_flows", "hello flow 1");
    EXPECT_OK(pk_botcake_get_flows_by_path(bot, PAGE, path, 2, &json), "get_flows_by_path", "1568");
    EXPECT_OK(pk_botcake_get_flow_statistics(bot, PAGE, 1559, &json), "get_flow_statistics", "\"sent\"");
    EXPECT_OK(pk_botcake_get_keywords(bot, PAGE, &json), "get_keywords", "641");
    EXPECT_OK(pk_botcake_get_ice_breakers(bot, PAGE, &json), "get_ice_breakers", "ice breaker 1");
    EXPECT_OK(pk_botcake_get_main_menu(bot, PAGE, &json), "get_main_menu", "https://solo.com");
    EXPECT_OK(pk_botcake_get_tools(bot, PAGE, &json), "get_tools", "messenger_ref_url");
    EXPECT_OK(pk_botcake_create_keyword(bot, PAGE, &json), "create_keyword", "642");
    EXPECT_OK(pk_botcake_update_keyword(bot, PAGE, "{\"keyword_id\":642,\"update\":{\"flow_id\":1559}}", &json), "update_keyword", "1559");
    EXPECT_OK(pk_botcake_send_flow(bot, PAGE, "{\"psid\":\"6100000000010003\",\"flow_id\":1559}", &json), "send_flow", "true");
    EXPECT_OK(pk_botcake_send_content(bot, PAGE,
                                      "{\"psid\":\"6100000000010003\",\"data\":{\"version\":\"v2\",\"content\":"
                                      "{\"messages\":[{\"type\":\"text\",\"text\":\"Xin chao\"}]}}}",
                                      &json),
               "send_content", "true");

    EXPECT_OK(pk_pancake_list_conversations(pc, PAGE, 1759276800, 1790812799, 1, NULL, &json), "list_conversations", "conversations");
    EXPECT_OK(pk_pancake_list_messages(pc, PAGE, INBOX, "cus-01-3", &current, &json), "list_messages", "m_3_");
    EXPECT_OK(pk_pancake_get_customer_engagement_statistics(pc, PAGE, &by_hour,
                                                            "01/10/2025 00:00:00 - 07/10/2025 23:59:59", &json),
               "get_customer_engagement_statistics", "categories");
    EXPECT_OK(pk_pancake_get_page_statistics(pc, PAGE, 1759276800, 1759536000, &json),  "get_page_statistics",
              "page_inbox_count");
    EXPECT_OK(pk_pancake_get_tag_statistics(pc, PAGE, 1759276800, 1759363199, &json),  "get_tag_statistics",
              "series");
    EXPECT_OK(pk_pancake_get_user_statistics(pc, PAGE, "01/10/2025 00:00:00 - 31/10/2025 23:59:59", &json), "get_user_statistics", "u-1");
    EXPECT_OK(pk_pancake_get_multi_page_user_statistics(pc, "105000000000001,105000000000002",
                                                        "01/10/2025 00:00:00 - 31/10/2025 23:59:59", &json),
               "get_multi_page_user_statistics", "u-2");
    EXPECT_OK(pk_pancake_get_new_customer_statistics(pc, PAGE, "day", "01/10/2025 - 03/10/2025", &json), "get_new_customer_statistics", "count");
    EXPECT_OK(pk_pancake_list_page_customers(pc, PAGE, 1759276800, 1790812799, 3, &size100, &json), "list_page_customers", "\"total\":260");
    EXPECT_OK(pk_pancake_list_call_logs(pc, PAGE, "sip-pkg-1", 2, 30, NULL, NULL, &json),  "list_call_logs",
              "call_id");
    EXPECT_OK(pk_pancake_list_tags(pc, PAGE, &json), "list_tags", "VIP");
    EXPECT_OK(pk_pancake_tag_conversation(pc, PAGE, INBOX, "{\"action\":\"add\",\"tag_id\":\"5\"}", &json), "tag_conversation", "5");
    EXPECT_OK(pk_pancake_list_posts(pc, PAGE, 1759276800, 1790812799, 1, size30, &json),  "list_posts",
              "\"total\":75");
    EXPECT_OK(pk_pancake_send_message(pc, PAGE, INBOX, "{\"action\":\"reply_inbox\",\"message\":\"Da\"}", &json),
               "send_message", "m_sandbox_");
    EXPECT_OK(pk_pancake_list_pages(pc, &json), "list_pages", "\"pages\":[{");
    EXPECT_OK(pk_pancake_call(pc, "list_tags", "{\"page_id\":\"" PAGE "\"}", &json), "generic call", "Spam");
    EXPECT_OK(pk_botcake_call(bot, "get_keywords", "{\"page_id\":\"" PAGE "\"}", &json), "generic Botcake call", "641");
    pk_pager *not_a_list = NULL;
    CHECK(pk_botcake_iter(bot, "get_flows", "{\"page_id\":\"" PAGE "\"}", &not_a_list) == PK_RESULT_VALIDATION &&
              not_a_list == NULL && strstr(pk_last_error(), "not a list") != NULL,
          "Botcake's pager refuses an operation that is not a list");

    pk_botcake_free(bot);
    pk_pancake_free(pc);
}

static void test_error_kinds(void) {
    pk_options *po = options(base_url);
    pk_options_set_max_retries(po, 0);
    pk_options_set_timeout_ms(po, 500);
    pk_pancake *pc = NULL;
    CHECK(pk_pancake_new(po, &pc) == PK_RESULT_OK, "client");
    pk_options_free(po);
    char *untouched = (char *)&passed; /* a sentinel: outputs are written only on success */
    char *json = untouched;
    int64_t too_big = 101, code = 0;

    CHECK(pk_pancake_list_page_customers(pc, PAGE, 0, 1, 1, &too_big, &json) == PK_RESULT_VALIDATION, "validation");
    CHECK(strstr(pk_last_error(), "page_size") != NULL, "the message names the field");
    CHECK(json == untouched, "no output on failure");
    CHECK(pk_pancake_list_page_customers(pc, PAGE, 0, 1, 0, NULL, &json) == PK_RESULT_VALIDATION, "page_number 0");

    fault("list_tags", "status=404");
    CHECK(pk_pancake_list_tags(pc, PAGE, &json) == PK_RESULT_API_ERROR, "404 with an error object");
    CHECK(pk_last_error_status() == 404, "status kept");
    sandbox_post("/_sandbox/reset", "{}");

    fault("list_tags", "html-502");
    CHECK(pk_pancake_list_tags(pc, PAGE, &json) == PK_RESULT_HTTP_STATUS, "HTML 502");
    CHECK(pk_last_error_status() == 502, "502 kept");
    sandbox_post("/_sandbox/reset", "{}");

    fault("list_tags", "api-error=105");
    CHECK(pk_pancake_list_tags(pc, PAGE, &json) == PK_RESULT_API_ERROR, "API error at 200");
    CHECK(pk_last_error_api_code(&code) && code == 105, "error_code kept");
    sandbox_post("/_sandbox/reset", "{}");

    fault("list_tags", "latency=2000");
    CHECK(pk_pancake_list_tags(pc, PAGE, &json) == PK_RESULT_TIMEOUT, "timeout");
    sandbox_post("/_sandbox/reset", "{}");

    fault("list_tags", "malformed-json");
    CHECK(pk_pancake_list_tags(pc, PAGE, &json) == PK_RESULT_DECODE, "undecodable body");
    sandbox_post("/_sandbox/reset", "{}");

    fault("send_message", "drop");
    CHECK(pk_pancake_send_message(pc, PAGE, INBOX, "{\"action\":\"reply_inbox\",\"message\":\"Da\"}", &json) ==
              PK_RESULT_OUTCOME_UNKNOWN,
          "a send whose answer is lost");
    CHECK(strstr(pk_last_error(), "may have been delivered") != NULL, "spelled out");
    sandbox_post("/_sandbox/reset", "{}");

    fault("list_page_customers", "repeat-page");
    pk_pager *pager = NULL;
    CHECK(pk_pancake_iter(pc, "list_page_customers", "{\"page_id\":\"" PAGE "\",\"since\":0,\"until\":2000000000}",
                          &pager) == PK_RESULT_OK,
          "pager");
    pk_result r = PK_RESULT_OK;
    int items = 0;
    while ((r = pk_pager_next(pager, &json)) == PK_RESULT_OK && json != NULL) {
        items++;
        pk_string_free(json);
    }
    CHECK(r == PK_RESULT_PAGINATION && items == 100, "a repeated page stops the walk");
    pk_pager_free(pager);
    sandbox_post("/_sandbox/reset", "{}");
    json = untouched;

    pk_options *user_only = options(base_url);
    pk_options_set_page_token(user_only, NULL);
    pk_pancake *no_page = NULL;
    CHECK(pk_pancake_new(user_only, &no_page) == PK_RESULT_OK, "client without a page token");
    pk_options_free(user_only);
    CHECK(pk_pancake_list_tags(no_page, PAGE, &json) == PK_RESULT_MISSING_CREDENTIAL, "missing credential");
    pk_pancake_free(no_page);

    pk_options *offline = options("http://127.0.0.1:9");
    pk_options_set_max_retries(offline, 0);
    pk_pancake *away = NULL;
    CHECK(pk_pancake_new(offline, &away) == PK_RESULT_OK, "offline client");
    pk_options_free(offline);
    CHECK(pk_pancake_list_tags(away, PAGE, &json) == PK_RESULT_TRANSPORT, "transport error");
    CHECK(strstr(pk_last_error(), "sandbox-page-token") == NULL, "no token in the message");
    pk_pancake_free(away);
    CHECK(json == untouched, "still no output");
    pk_pancake_free(pc);
}

static void test_bad_arguments(void) {
    pk_options *po = options(base_url);
    pk_pancake *pc = NULL;
    CHECK(pk_pancake_new(po, &pc) == PK_RESULT_OK, "client");
    pk_options_free(po);
    char *json = NULL;
    CHECK(pk_pancake_list_tags(NULL, PAGE, &json) == PK_RESULT_INVALID_ARGUMENT, "NULL client");
    CHECK(pk_pancake_list_tags(pc, NULL, &json) == PK_RESULT_INVALID_ARGUMENT, "NULL required string");
    CHECK(pk_pancake_list_tags(pc, PAGE, NULL) == PK_RESULT_INVALID_ARGUMENT, "NULL output");
    CHECK(pk_pancake_list_tags(pc, "\xff\xfe", &json) == PK_RESULT_INVALID_ARGUMENT, "invalid UTF-8");
    CHECK(pk_pancake_tag_conversation(pc, PAGE, INBOX, "{not json", &json) == PK_RESULT_INVALID_ARGUMENT, "bad JSON");
    CHECK(pk_pancake_call(pc, "list_tags", "[1]", &json) == PK_RESULT_INVALID_ARGUMENT, "arguments not an object");
    CHECK(pk_pancake_call(pc, "no_such_operation", NULL, &json) == PK_RESULT_VALIDATION, "unknown operation");
    CHECK(pk_pancake_new(NULL, NULL) == PK_RESULT_INVALID_ARGUMENT, "NULL out client");
    pk_options *zero = NULL;
    CHECK(pk_options_new(&zero) == PK_RESULT_OK, "settings");
    CHECK(pk_options_set_timeout_ms(zero, 0) == PK_RESULT_INVALID_ARGUMENT, "a timeout of 0 is refused");
    CHECK(pk_options_set_max_response_bytes(zero, 0) == PK_RESULT_INVALID_ARGUMENT, "a limit of 0 is refused");
    CHECK(pk_options_set_deadline_ms(NULL, 10) == PK_RESULT_INVALID_ARGUMENT, "NULL settings");
    CHECK(pk_options_set_base_url(zero, "\xff") == PK_RESULT_INVALID_ARGUMENT, "a base URL that is not UTF-8");
    pk_options_free(zero);
    pk_options_free(NULL);
    pk_call_options_free(NULL);
    CHECK(strcmp(pk_result_name(PK_RESULT_OTHER), "PK_RESULT_OTHER") == 0, "the code of kinds to come");
    pk_pager *no_pager = NULL;
    CHECK(pk_pancake_iter(pc, "list_tags", "{}", &no_pager) == PK_RESULT_VALIDATION && no_pager == NULL,
          "only a list has a pager");
    pk_options *bad = options("ftp://example.com");
    pk_pancake *never = NULL;
    CHECK(pk_pancake_new(bad, &never) == PK_RESULT_VALIDATION && never == NULL, "bad base URL");
    pk_options_free(bad);
    pk_pancake_free(NULL);
    pk_botcake_free(NULL);
    pk_pager_free(NULL);
    pk_string_free(NULL);
    CHECK(strcmp(pk_result_name(PK_RESULT_TIMEOUT), "PK_RESULT_TIMEOUT") == 0, "result names");
    CHECK(strcmp(pk_result_name(42), "PK_RESULT_UNKNOWN") == 0, "any int is safe to name");
    CHECK(strlen(pk_version()) > 0, "version");
    pk_pancake_free(pc);
}

static void test_pager(void) {
    pk_options *po = options(base_url);
    pk_pancake *pc = NULL;
    CHECK(pk_pancake_new(po, &pc) == PK_RESULT_OK, "client");
    pk_options_free(po);
    pk_pager *pager = NULL;
    CHECK(pk_pancake_iter(pc, "list_page_customers", "{\"page_id\":\"" PAGE "\",\"since\":0,\"until\":2000000000}",
                          &pager) == PK_RESULT_OK,
          "pager");
    char *item = NULL;
    int count = 0;
    while (pk_pager_next(pager, &item) == PK_RESULT_OK && item != NULL) {
        count += strstr(item, "\"psid\"") != NULL;
        pk_string_free(item);
    }
    CHECK(count == 260, "every customer once");
    pk_pager_free(pager);

    /* The v2 cursor (after the last conversation's id) and export_data's offset. */
    const char *walks[][3] = {
        {"list_conversations_v2", "{\"page_id\":\"" PAGE "\"}", "150"},
        {"export_conversations_from_ads",
         "{\"page_id\":\"" PAGE "\",\"since\":0,\"until\":2000000000,\"action\":\"conversations_from_ads\"}", "50"},
    };
    for (size_t w = 0; w < sizeof walks / sizeof walks[0]; w++) {
        pager = NULL;
        CHECK(pk_pancake_iter(pc, walks[w][0], walks[w][1], &pager) == PK_RESULT_OK, walks[w][0]);
        count = 0;
        pk_result walked = PK_RESULT_OK;
        while ((walked = pk_pager_next(pager, &item)) == PK_RESULT_OK && item != NULL) {
            count += strstr(item, "\"id\"") != NULL;
            pk_string_free(item);
        }
        CHECK(walked == PK_RESULT_OK && count == atoi(walks[w][2]), walks[w][0]);
        pk_pager_free(pager);
    }
    pk_pancake_free(pc);
}

struct shared {
    pk_pancake *client;
    int ok;
};

static void *worker(void *arg) {
    struct shared *shared = arg;
    for (int i = 0; i < 10; i++) {
        char *json = NULL;
        if (pk_pancake_list_tags(shared->client, PAGE, &json) == PK_RESULT_OK && strstr(json, "VIP") != NULL) {
            shared->ok++;
        }
        pk_string_free(json);
    }
    return NULL;
}

/* An upload from a buffer, then a send of its content id; an oversized video never leaves. */
static void test_upload(void) {
    pk_options *po = options(base_url);
    pk_pancake *pc = NULL;
    CHECK(pk_pancake_new(po, &pc) == PK_RESULT_OK, "client");
    pk_options_free(po);
    static const uint8_t photo[] = {0xff, 0xd8, 0xff, 0xe0, 'j', 'p', 'g'};
    char *answer = NULL;
    CHECK(pk_pancake_upload_content(pc, PAGE, photo, sizeof photo, "ao-thun.jpg", NULL, NULL, &answer) == PK_RESULT_OK,
          "upload from a buffer");
    const char *id = answer ? strstr(answer, "\"id\":\"") : NULL;
    CHECK(id != NULL && strstr(answer, "\"PHOTO\"") != NULL, "a content id and its kind");
    if (id != NULL) {
        id += 6;
        char body[256];
        int len = (int)(strchr(id, '"') - id);
        snprintf(body, sizeof body, "{\"action\":\"reply_inbox\",\"content_ids\":[\"%.*s\"]}", len, id);
        char *sent = NULL;
        CHECK(pk_pancake_send_message_v2(pc, PAGE, INBOX, body, &sent) == PK_RESULT_OK, "sent by content id");
        pk_string_free(sent);
    }
    pk_string_free(answer);
    sandbox_post("/_sandbox/reset", "{}");

    /* Media in one step: two files uploaded, then their content ids sent. */
    static const uint8_t pdf[] = {'%', 'P', 'D', 'F'};
    pk_file files[] = {{photo, sizeof photo, "ao.jpg", NULL}, {pdf, sizeof pdf, "gia.pdf", "application/pdf"}};
    answer = NULL;
    CHECK(pk_pancake_send_message_v2_media(pc, PAGE, INBOX, files, 2, "facebook", NULL, &answer) == PK_RESULT_OK &&
              answer != NULL && strstr(answer, "\"success\":true") != NULL,
          "media uploaded and sent");
    pk_string_free(answer);
    char media_log[16384];
    sandbox_get("/_sandbox/requests", media_log, sizeof media_log);
    CHECK(strstr(media_log, "\"content_ids\":[\"sandbox-content-") != NULL, "the send carried the content ids");
    sandbox_post("/_sandbox/reset", "{}");
    answer = NULL;
    CHECK(pk_pancake_send_message_v2_media(pc, PAGE, INBOX, files, 2, NULL, NULL, &answer) == PK_RESULT_VALIDATION,
          "two files are too many on other platforms");
    CHECK(strstr(pk_last_error(), "at most 1") != NULL, "naming the count");

    size_t big = 15 * 1024 * 1024 + 1;
    uint8_t *clip = calloc(big, 1);
    answer = NULL;
    CHECK(pk_pancake_upload_content(pc, PAGE, clip, big, "clip.mp4", NULL, NULL, &answer) == PK_RESULT_VALIDATION &&
              answer == NULL,
          "an oversized video is refused");
    CHECK(strstr(pk_last_error(), "over the 15 MiB limit") != NULL, "naming the limit");
    CHECK(pk_pancake_upload_content(pc, PAGE, NULL, 5, "x.png", NULL, NULL, &answer) == PK_RESULT_INVALID_ARGUMENT,
          "a NULL buffer with a length");
    CHECK(pk_pancake_upload_content(pc, PAGE, clip, 4, NULL, NULL, NULL, &answer) == PK_RESULT_INVALID_ARGUMENT,
          "a file needs a name");
    free(clip);
    char log[4096];
    sandbox_get("/_sandbox/requests", log, sizeof log);
    CHECK(strstr(log, "upload_content") == NULL, "nothing was sent");
    pk_pancake_free(pc);
}

/* A page token per page: the page's own token is used; an error names the page, not the token. */
static void test_page_tokens(void) {
    pk_options *admin_options = options(base_url);
    pk_pancake *admin = NULL;
    CHECK(pk_pancake_new(admin_options, &admin) == PK_RESULT_OK, "admin client");
    pk_options_free(admin_options);
    char *answer = NULL;
    CHECK(pk_pancake_generate_page_access_token(admin, "105000000000002", &answer) == PK_RESULT_OK, "a page token");
    const char *found = answer ? strstr(answer, "\"page_access_token\":\"") : NULL;
    char token[128] = "";
    if (found != NULL) {
        found += 21;
        snprintf(token, sizeof token, "%.*s", (int)(strchr(found, '"') - found), found);
    }
    pk_string_free(answer);
    /* A later request carries the generated token in a value, and a proxy echoes it back: the
     * client that made the token redacts it. */
    char ids[200];
    snprintf(ids, sizeof ids, PAGE ",%s", token);
    sandbox_post("/_sandbox/faults",
                 "{\"fault\":\"echo-json=400\",\"operation_id\":\"get_multi_page_user_statistics\",\"times\":1}");
    answer = NULL;
    CHECK(pk_pancake_get_multi_page_user_statistics(admin, ids, "01/09/2026 00:00:00 - 07/09/2026 23:59:59",
                                                    &answer) == PK_RESULT_API_ERROR,
          "the echo is an error");
    CHECK(token[0] != '\0' && strstr(pk_last_error(), token) == NULL, "the generated token is not shown");
    CHECK(strstr(pk_last_error(), "[REDACTED]") != NULL, "it is redacted");
    pk_pancake_free(admin);

    pk_options *po = options(base_url);
    CHECK(pk_options_set_page_token(po, "not-the-token-of-any-page") == PK_RESULT_OK, "a wrong default");
    CHECK(pk_options_set_page_token_for(po, "105000000000002", token) == PK_RESULT_OK, "the page's own");
    CHECK(pk_options_set_page_token_for(po, NULL, token) == PK_RESULT_INVALID_ARGUMENT, "a page id is needed");
    pk_pancake *pc = NULL;
    CHECK(pk_pancake_new(po, &pc) == PK_RESULT_OK, "client");
    pk_options_free(po);
    answer = NULL;
    CHECK(pk_pancake_list_tags(pc, "105000000000002", &answer) == PK_RESULT_OK, "the second page's token");
    pk_string_free(answer);
    answer = NULL;
    CHECK(pk_pancake_list_tags(pc, PAGE, &answer) == PK_RESULT_API_ERROR, "the first page's token is wrong");
    CHECK(strstr(pk_last_error(), "for page " PAGE) != NULL, "the error names the page");
    CHECK(strstr(pk_last_error(), "not-the-token-of-any-page") == NULL, "not the token");
    pk_pancake_free(pc);
}

static void test_two_threads_share_a_client(void) {
    pk_options *po = options(base_url);
    pk_pancake *pc = NULL;
    CHECK(pk_pancake_new(po, &pc) == PK_RESULT_OK, "client");
    pk_options_free(po);
    struct shared a = {pc, 0}, b = {pc, 0};
    pthread_t ta, tb;
    pthread_create(&ta, NULL, worker, &a);
    pthread_create(&tb, NULL, worker, &b);
    pthread_join(ta, NULL);
    pthread_join(tb, NULL);
    CHECK(a.ok == 10 && b.ok == 10, "both threads got every answer");
    pk_pancake_free(pc);
}

/* A figure of /proc/self/status, in KiB (0 when absent). */
static long status_kib(const char *field) {
    FILE *status = fopen("/proc/self/status", "r");
    char line[256];
    long value = 0;
    size_t n = strlen(field);
    while (status != NULL && fgets(line, sizeof line, status) != NULL) {
        if (strncmp(line, field, n) == 0) {
            value = strtol(line + n, NULL, 10);
        }
    }
    if (status != NULL) {
        fclose(status);
    }
    return value;
}

static double now_seconds(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/* Hostile inputs and servers: ids that would change the route, huge and endless answers,
 * echoed tokens, a server slower than the deadline. */
static void test_hostile(void) {
    pk_options *po = options(base_url);
    pk_options_set_max_retries(po, 0);
    pk_options_set_deadline_ms(po, 20000);
    pk_pancake *pc = NULL;
    CHECK(pk_pancake_new(po, &pc) == PK_RESULT_OK, "client");
    pk_options_free(po);
    char *json = NULL;

    CHECK(pk_pancake_send_message(pc, "..", "..", "{\"action\":\"reply_inbox\",\"message\":\"Da\"}", &json) ==
              PK_RESULT_VALIDATION,
          "a dot-dot id is refused");
    CHECK(strstr(pk_last_error(), "page_id") != NULL, "naming the field");
    CHECK(pk_pancake_list_tags(pc, ".", &json) == PK_RESULT_VALIDATION, "a dot id is refused");
    CHECK(pk_pancake_call(pc, "list_tags", "{\"page_id\":\"..\"}", &json) == PK_RESULT_VALIDATION,
          "by name too");

    long before = status_kib("VmHWM:");
    fault("list_tags", "huge-body=1073741824");
    CHECK(pk_pancake_list_tags(pc, PAGE, &json) == PK_RESULT_TOO_LARGE, "a 1 GiB answer");
    CHECK(pk_last_error_status() == 200, "its status kept");
    CHECK(strcmp(pk_result_name(PK_RESULT_TOO_LARGE), "PK_RESULT_TOO_LARGE") == 0, "named");
    sandbox_post("/_sandbox/reset", "{}");
    fault("list_tags", "endless-body");
    CHECK(pk_pancake_list_tags(pc, PAGE, &json) == PK_RESULT_TOO_LARGE, "an endless answer");
    sandbox_post("/_sandbox/reset", "{}");
    long grown_mib = (status_kib("VmHWM:") - before) / 1024;
    if (getenv("PK_UNDER_VALGRIND") == NULL) { /* valgrind's own memory blurs the figure */
        CHECK(grown_mib < 100, "memory stays bounded");
    }

    fault("list_tags", "echo=502");
    CHECK(pk_pancake_list_tags(pc, PAGE, &json) == PK_RESULT_HTTP_STATUS, "an echoing proxy page");
    CHECK(strstr(pk_last_error(), "sandbox-page-token") == NULL, "no page token in the message");
    CHECK(strstr(pk_last_error(), "[REDACTED]") != NULL, "redacted");
    sandbox_post("/_sandbox/reset", "{}");
    fault("list_pages", "echo-json=200");
    CHECK(pk_pancake_list_pages(pc, &json) == PK_RESULT_API_ERROR, "an echoing API error");
    CHECK(strstr(pk_last_error(), "sandbox-user-token") == NULL, "no user token in the message");
    sandbox_post("/_sandbox/reset", "{}");
    pk_pancake_free(pc);

    /* A body is sent as given: empty lists stay. */
    pk_options *bo = options(botcake_url);
    pk_botcake *bot = NULL;
    CHECK(pk_botcake_new(bo, &bot) == PK_RESULT_OK, "botcake client");
    pk_options_free(bo);
    sandbox_post("/_sandbox/reset", "{}");
    EXPECT_OK(pk_botcake_send_content(bot, PAGE,
                                      "{\"psid\":\"6100000000010003\",\"data\":{\"version\":\"v2\",\"content\":"
                                      "{\"messages\":[{\"type\":\"text\",\"text\":\"Xin chao\"}],"
                                      "\"quick_replies\":[],\"actions\":[]}}}",
                                      &json),
              "send_content with empty lists", "true");
    static char wire[16384];
    sandbox_get("/_sandbox/requests", wire, sizeof wire);
    CHECK(strstr(wire, "\"quick_replies\":[]") != NULL && strstr(wire, "\"actions\":[]") != NULL,
          "the empty lists were sent");
    sandbox_post("/_sandbox/reset", "{}");
    pk_botcake_free(bot);

    pk_options *slow = options(base_url);
    pk_options_set_timeout_ms(slow, 800);
    CHECK(pk_options_set_deadline_ms(slow, 1200) == PK_RESULT_OK, "a deadline");
    CHECK(pk_options_set_max_retries(slow, 5) == PK_RESULT_OK, "retries");
    pk_pancake *patient = NULL;
    CHECK(pk_pancake_new(slow, &patient) == PK_RESULT_OK, "client with a deadline");
    pk_options_free(slow);
    fault("list_tags", "latency=3000");
    double started = now_seconds();
    CHECK(pk_pancake_list_tags(patient, PAGE, &json) == PK_RESULT_TIMEOUT, "cut at the deadline");
    CHECK(now_seconds() - started < 1.2 + 1.0, "never past the deadline");
    pk_call_options *call = NULL;
    CHECK(pk_call_options_new(&call) == PK_RESULT_OK, "call settings");
    CHECK(pk_call_options_set_deadline_ms(call, 300) == PK_RESULT_OK, "a call's deadline");
    started = now_seconds();
    CHECK(pk_pancake_call_with(patient, "list_tags", "{\"page_id\":\"" PAGE "\"}", call, &json) == PK_RESULT_TIMEOUT,
          "a call's own deadline");
    CHECK(now_seconds() - started < 0.3 + 1.0, "never past the call's deadline");
    pk_call_options_free(call);
    sandbox_post("/_sandbox/reset", "{}");
    pk_pancake_free(patient);
}

/* Webhook events read from bodies: each known kind, an unknown one, and what is no event. */
static void test_webhook_events(void) {
    static const struct {
        const char *body;
        pk_webhook_kind kind;
    } cases[] = {
        {"{\"event_type\":\"messaging\",\"page_id\":\"" PAGE "\",\"data\":{\"message\":{\"id\":\"m_1\"}},\"new_field\":[1]}",
         PK_WEBHOOK_MESSAGING},
        {"{\"event_type\":\"conversation\",\"page_id\":\"" PAGE "\",\"request_id\":\"r1\",\"data\":{\"conversation\":{\"id\":\"c\",\"version\":306}}}",
         PK_WEBHOOK_CONVERSATION},
        {"{\"event_type\":\"post\",\"page_id\":\"" PAGE "\",\"data\":{\"post\":{\"id\":\"p\"}}}", PK_WEBHOOK_POST},
        {"{\"event_type\":\"subscription\",\"data\":{\"subscription\":{\"id\":\"A12SDA\"}}}", PK_WEBHOOK_SUBSCRIPTION},
        {"{\"event_type\":\"connect_status\",\"page_id\":\"" PAGE "\",\"data\":{\"connect_status\":\"disconnected\"}}",
         PK_WEBHOOK_CONNECT_STATUS},
        {"{\"event_type\":\"order_created\",\"page_id\":\"p\\u0000q\"}", PK_WEBHOOK_UNKNOWN},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        pk_webhook_event *event = NULL;
        CHECK(pk_webhook_event_parse((const uint8_t *)cases[i].body, strlen(cases[i].body), &event) == PK_RESULT_OK,
              "an event parses");
        CHECK(pk_webhook_event_kind(event) == cases[i].kind, "its kind");
        CHECK(strstr(pk_webhook_event_json(event), "event_type") != NULL, "its JSON");
        pk_webhook_event_free(event);
    }
    pk_webhook_event *event = NULL;
    const char *first = cases[0].body;
    CHECK(pk_webhook_event_parse((const uint8_t *)first, strlen(first), &event) == PK_RESULT_OK, "messaging");
    CHECK(strcmp(pk_webhook_event_type(event), "messaging") == 0 && strcmp(pk_webhook_event_page_id(event), PAGE) == 0,
          "type and page");
    CHECK(pk_webhook_event_request_id(event) == NULL, "no request id");
    CHECK(strstr(pk_webhook_event_json(event), "\"new_field\":[1]") != NULL, "unknown fields are kept");
    pk_webhook_event_free(event);
    event = NULL;
    const char *second = cases[1].body;
    int64_t version = 0;
    CHECK(pk_webhook_event_parse((const uint8_t *)second, strlen(second), &event) == PK_RESULT_OK, "conversation");
    CHECK(pk_webhook_event_version(event, &version) && version == 306, "its version");
    pk_webhook_event_free(event);

    const char *changed = "{\"event_type\":\"conversation\",\"page_id\":\"1\",\"data\":{\"conversation\":{\"version\":\"secret-v9\"}}}";
    CHECK(pk_webhook_event_parse((const uint8_t *)changed, strlen(changed), &event) == PK_RESULT_OK, "a changed type");
    const char *reason = pk_webhook_event_untyped_reason(event);
    CHECK(pk_webhook_event_kind(event) == PK_WEBHOOK_CONVERSATION && reason != NULL &&
              strstr(reason, "data.conversation.version") != NULL && strstr(reason, "secret-v9") == NULL,
          "an event still, the field named, not its value");
    CHECK(!pk_webhook_event_version(event, &version), "no version to order it by");
    pk_webhook_event_free(event);
    pk_webhook_event *untouched = (pk_webhook_event *)&version;
    event = untouched;
    const char *cut = "{\"event_type\":\"post\",\"token\":\"secret-v9\"";
    CHECK(pk_webhook_event_parse((const uint8_t *)cut, strlen(cut), &event) == PK_RESULT_VALIDATION, "not JSON");
    CHECK(strstr(pk_last_error(), "body: not JSON") != NULL && strstr(pk_last_error(), "secret-v9") == NULL &&
              event == untouched,
          "said, not echoed, nothing written");
    size_t deep = 200000;
    char *nested = malloc(deep);
    memset(nested, '[', deep);
    CHECK(pk_webhook_event_parse((const uint8_t *)nested, deep, &event) == PK_RESULT_VALIDATION, "deep nesting");
    free(nested);
    CHECK(pk_webhook_event_parse(NULL, 0, &event) == PK_RESULT_VALIDATION, "an empty body");
    CHECK(pk_webhook_event_parse((const uint8_t *)"{}", 2, NULL) == PK_RESULT_INVALID_ARGUMENT, "NULL out");
    CHECK(pk_webhook_event_kind(NULL) == PK_WEBHOOK_UNKNOWN && strcmp(pk_webhook_event_json(NULL), "{}") == 0, "NULL");
    pk_webhook_event_free(NULL);
}

#define HOOK_SECRET "whsec-c-9d2e61f0ab47"

/* A bare HTTP server in front of a webhook receiver, on its own thread. */
struct hook_server {
    int listener;
    const pk_webhook_receiver *receiver;
    int served;
    int unhandled; /* requests the receiver could not take (none expected) */
};

/* Answers one HTTP request on `listener` through the receiver; 0 when none came in time. */
static int serve_one(struct hook_server *server, long wait_ms) {
    int listener = server->listener;
    struct timeval wait = {wait_ms / 1000, (wait_ms % 1000) * 1000};
    fd_set ready;
    FD_ZERO(&ready);
    FD_SET(listener, &ready);
    if (select(listener + 1, &ready, NULL, NULL, &wait) <= 0) {
        return 0;
    }
    int fd = accept(listener, NULL, NULL);
    if (fd < 0) {
        return 0;
    }
    static char request[65536];
    request[0] = '\0';
    size_t got = 0;
    char *end = NULL;
    ssize_t r;
    while (got + 1 < sizeof request && (r = read(fd, request + got, sizeof request - 1 - got)) > 0) {
        got += (size_t)r;
        request[got] = '\0';
        if ((end = strstr(request, "\r\n\r\n")) != NULL) {
            const char *length = NULL;
            for (const char *at = request; at < end && length == NULL; at++) {
                if (strncasecmp(at, "\r\ncontent-length:", 17) == 0) {
                    length = at + 2;
                }
            }
            size_t want = length != NULL ? (size_t)strtoul(length + 15, NULL, 10) : 0;
            if (got >= (size_t)(end + 4 - request) + want) {
                break;
            }
        }
    }
    char method[16] = "", path[512] = "";
    sscanf(request, "%15s %511s", method, path);
    uint16_t status = 400; /* the answer when the receiver cannot take the request */
    const uint8_t *body = end != NULL ? (const uint8_t *)end + 4 : NULL;
    size_t len = end != NULL ? got - (size_t)(end + 4 - request) : 0;
    if (pk_webhook_receiver_handle(server->receiver, method, path, body, len, &status) != PK_RESULT_OK) {
        server->unhandled++;
    }
    char answer[128];
    int n = snprintf(answer, sizeof answer, "HTTP/1.1 %u X\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok", status);
    if (write(fd, answer, (size_t)n) != n) {
        fprintf(stderr, "short write to the sandbox's delivery\n");
    }
    close(fd);
    return 1;
}

/* Serves until no delivery has come for 1.5 s (the first may take 10 s: the calls that make
 * it run meanwhile, slowly under valgrind). */
static void *serve_deliveries(void *arg) {
    struct hook_server *server = arg;
    while (serve_one(server, server->served == 0 ? 10000 : 1500)) {
        server->served++;
    }
    return NULL;
}

/* The sandbox delivers to a receiver behind a bare socket server: each event once, in order. */
static void test_webhook_receiver(void) {
    pk_webhook_receiver *receiver = NULL;
    CHECK(pk_webhook_receiver_new("short", 500, &receiver) == PK_RESULT_INVALID_ARGUMENT, "a weak secret");
    CHECK(pk_webhook_receiver_new(HOOK_SECRET, 800, &receiver) == PK_RESULT_OK, "receiver");
    int listener = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in addr;
    memset(&addr, 0, sizeof addr);
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t size = sizeof addr;
    CHECK(bind(listener, (struct sockaddr *)&addr, sizeof addr) == 0 && listen(listener, 64) == 0 &&
              getsockname(listener, (struct sockaddr *)&addr, &size) == 0,
          "listening");
    char registration[256];
    snprintf(registration, sizeof registration,
             "{\"url\":\"http://127.0.0.1:%d/hooks/" HOOK_SECRET "\",\"duplicate_every\":2,\"reorder\":true}",
             ntohs(addr.sin_port));
    sandbox_post("/_sandbox/webhooks", registration);
    struct hook_server server = {listener, receiver, 0, 0};
    pthread_t serving;
    CHECK(pthread_create(&serving, NULL, serve_deliveries, &server) == 0, "the server thread");

    pk_options *po = options(base_url);
    pk_pancake *pc = NULL;
    CHECK(pk_pancake_new(po, &pc) == PK_RESULT_OK, "client");
    pk_options_free(po);
    EXPECT_OK(pk_pancake_tag_conversation(pc, PAGE, INBOX, "{\"action\":\"add\",\"tag_id\":\"5\"}", &json), "tag", "true");
    EXPECT_OK(pk_pancake_tag_conversation(pc, PAGE, INBOX, "{\"action\":\"remove\",\"tag_id\":\"5\"}", &json), "untag",
              "true");
    sandbox_post("/_sandbox/webhooks/emit", "{\"event_type\":\"post\"}");
    sandbox_post("/_sandbox/webhooks/emit", "{\"event_type\":\"connect_status\"}");
    pthread_join(serving, NULL);
    close(listener);
    CHECK(server.served > 4 && server.unhandled == 0, "the sandbox repeated some deliveries");

    int kinds[6] = {0};
    int64_t versions[4] = {0};
    int count = 0, conversations = 0;
    pk_webhook_event *event = NULL;
    while (pk_webhook_receiver_next(receiver, 1000, &event) == PK_RESULT_OK && event != NULL) {
        count++;
        kinds[pk_webhook_event_kind(event)]++;
        int64_t version = 0;
        if (pk_webhook_event_version(event, &version) && conversations < 4) {
            versions[conversations++] = version;
        }
        pk_webhook_event_free(event);
    }
    CHECK(count == 4, "each event once");
    CHECK(kinds[PK_WEBHOOK_CONVERSATION] == 2 && kinds[PK_WEBHOOK_POST] == 1 && kinds[PK_WEBHOOK_CONNECT_STATUS] == 1,
          "their kinds");
    CHECK(conversations == 2 && versions[0] > 100 && versions[1] == versions[0] + 1, "in version order");
    uint16_t status = 0;
    CHECK(pk_webhook_receiver_handle(receiver, "POST", "/hooks/wrong-secret-0000000", (const uint8_t *)"{}", 2, &status) ==
                  PK_RESULT_OK &&
              status == 404,
          "a wrong secret is 404");
    pk_pancake_free(pc);
    pk_webhook_receiver_free(receiver);
    pk_webhook_receiver_free(NULL);
}

int main(void) {
    const char *url = getenv("PANCAKE_SANDBOX_URL");
    if (url == NULL || sscanf(url, "http://127.0.0.1:%d", &port) != 1) {
        fprintf(stderr, "set PANCAKE_SANDBOX_URL=http://127.0.0.1:PORT\n");
        return 2;
    }
    snprintf(base_url, sizeof base_url, "%s", url);
    snprintf(botcake_url, sizeof botcake_url, "%s/api/public_api/v1", url);
    test_every_operation();
    sandbox_post("/_sandbox/reset", "{}");
    test_error_kinds();
    test_bad_arguments();
    test_pager();
    sandbox_post("/_sandbox/reset", "{}");
    test_upload();
    sandbox_post("/_sandbox/reset", "{}");
    test_page_tokens();
    test_two_threads_share_a_client();
    test_hostile();
    test_webhook_events();
    sandbox_post("/_sandbox/reset", "{}");
    test_webhook_receiver();
    printf("%d passed, %d failed\n", passed, failed);
    return failed == 0 ? 0 : 1;
}
