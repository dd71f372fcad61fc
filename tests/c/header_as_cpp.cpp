// The header compiles as C++ (cargo xtask test: g++ -std=c++17 -Werror -pedantic -fsyntax-only).
#include "pancake_sdk.h"

int main() {
    pk_options options = pk_options_default();
    pk_pancake *client = nullptr;
    pk_result result = pk_pancake_new(&options, &client);
    pk_pancake_free(client);
    return result == PK_RESULT_OK ? 0 : 1;
}
