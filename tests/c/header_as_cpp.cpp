// The header compiles as C++ (cargo xtask test: g++ -std=c++17 -Werror -pedantic -Wredundant-decls -fsyntax-only).
#include "pancake_sdk.h"

int main() {
    pk_options *options = nullptr;
    pk_pancake *client = nullptr;
    pk_result result = pk_options_new(&options);
    if (result == PK_RESULT_OK) {
        result = pk_pancake_new(options, &client);
    }
    pk_options_free(options);
    pk_pancake_free(client);
    return result == PK_RESULT_OK ? 0 : 1;
}
