/*
 * Lists every conversation of a Pancake page, one JSON object a line.
 *
 *   PANCAKE_PAGE_ACCESS_TOKEN=... ./list_conversations PAGE_ID
 *
 * PANCAKE_BASE_URL points it elsewhere (e.g. the sandbox: http://127.0.0.1:8080).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pancake_sdk.h"

int main(int argc, char **argv) {
    if (argc != 2) {
        fprintf(stderr, "usage: %s PAGE_ID\n", argv[0]);
        return 2;
    }
    if (strlen(argv[1]) > 64 || strpbrk(argv[1], "\"\\") != NULL) {
        fprintf(stderr, "%s: not a page id\n", argv[1]);
        return 2;
    }
    pk_options *options = NULL;
    pk_pancake *client = NULL;
    if (pk_options_new(&options) != PK_RESULT_OK ||
        pk_options_set_page_token(options, getenv("PANCAKE_PAGE_ACCESS_TOKEN")) != PK_RESULT_OK ||
        pk_options_set_base_url(options, getenv("PANCAKE_BASE_URL")) != PK_RESULT_OK ||
        pk_pancake_new(options, &client) != PK_RESULT_OK) {
        fprintf(stderr, "cannot make a client: %s\n", pk_last_error());
        pk_options_free(options);
        return 1;
    }
    pk_options_free(options);
    char args[256];
    snprintf(args, sizeof args, "{\"page_id\":\"%s\",\"since\":0,\"until\":2000000000}", argv[1]);
    pk_pager *pager = NULL;
    pk_result result = pk_pancake_iter(client, "list_conversations", args, &pager);
    char *conversation = NULL;
    while (result == PK_RESULT_OK && (result = pk_pager_next(pager, &conversation)) == PK_RESULT_OK &&
           conversation != NULL) {
        puts(conversation);
        pk_string_free(conversation);
    }
    if (result != PK_RESULT_OK) {
        fprintf(stderr, "%s: %s\n", pk_result_name(result), pk_last_error());
    }
    pk_pager_free(pager);
    pk_pancake_free(client);
    return result == PK_RESULT_OK ? 0 : 1;
}
