/*
 * The C front-end of `cargo xtask bench`: times `calls` calls of one operation through the
 * typed C functions (pk_pancake_list_tags, pk_pancake_list_page_customers) and prints calls
 * per second. Arguments as the Rust runner's: --op tags|customers --url URL --calls N
 * [--token T]. The pages and dates are the replayed answers' (bench/src/payloads.rs).
 */
#define _POSIX_C_SOURCE 199309L
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "pancake_sdk.h"

static const char *TAGS_PAGE = "105000000000001";
static const char *CUSTOMERS_PAGE = "105000000000099";
static const int64_t SINCE = 1759276800;
static const int64_t UNTIL = 1759276800 + 365 * 86400;
static const int64_t PAGE_SIZE = 100;

static int fail(const char *what) {
    const char *error = pk_last_error();
    fprintf(stderr, "bench.c: %s: %s\n", what, error ? error : "(no message)");
    return 1;
}

static int call(const struct pk_pancake *client, int customers) {
    char *json = NULL;
    enum pk_result result = customers
        ? pk_pancake_list_page_customers(client, CUSTOMERS_PAGE, SINCE, UNTIL, 1, &PAGE_SIZE, &json)
        : pk_pancake_list_tags(client, TAGS_PAGE, &json);
    if (result != PK_RESULT_OK) {
        return fail(customers ? "list_page_customers" : "list_tags");
    }
    /* The answer must have come through whole. */
    int ok = strstr(json, customers ? "\"customers\"" : "\"tags\"") != NULL;
    pk_string_free(json);
    if (!ok) {
        fprintf(stderr, "bench.c: an answer without its items\n");
        return 1;
    }
    return 0;
}

int main(int argc, char **argv) {
    const char *op = NULL, *url = NULL, *token = "sandbox-page-token";
    long calls = 2000;
    for (int i = 1; i + 1 < argc; i += 2) {
        if (strcmp(argv[i], "--op") == 0) op = argv[i + 1];
        else if (strcmp(argv[i], "--url") == 0) url = argv[i + 1];
        else if (strcmp(argv[i], "--calls") == 0) calls = strtol(argv[i + 1], NULL, 10);
        else if (strcmp(argv[i], "--token") == 0) token = argv[i + 1];
        else {
            fprintf(stderr, "bench.c: unknown argument %s\n", argv[i]);
            return 2;
        }
    }
    if (op == NULL || url == NULL || calls <= 0) {
        fprintf(stderr, "usage: bench --op tags|customers --url URL [--calls N] [--token T]\n");
        return 2;
    }
    int customers = strcmp(op, "customers") == 0;
    struct pk_options *options = NULL;
    struct pk_pancake *client = NULL;
    if (pk_options_new(&options) != PK_RESULT_OK
        || pk_options_set_base_url(options, url) != PK_RESULT_OK
        || pk_options_set_page_token(options, token) != PK_RESULT_OK
        || pk_options_set_rate_limit(options, false) != PK_RESULT_OK
        || pk_pancake_new(options, &client) != PK_RESULT_OK) {
        return fail("client");
    }
    pk_options_free(options);
    long warm = calls / 10 > 1 ? calls / 10 : 1;
    for (long i = 0; i < warm; i++) {
        if (call(client, customers)) return 1;
    }
    struct timespec start, end;
    clock_gettime(CLOCK_MONOTONIC, &start);
    for (long i = 0; i < calls; i++) {
        if (call(client, customers)) return 1;
    }
    clock_gettime(CLOCK_MONOTONIC, &end);
    double seconds = (double)(end.tv_sec - start.tv_sec) + (double)(end.tv_nsec - start.tv_nsec) / 1e9;
    printf("%.1f\n", (double)calls / seconds);
    pk_pancake_free(client);
    return 0;
}
