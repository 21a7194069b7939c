/* fuzz_httprule.c: libFuzzer target for the HTTP client's parsers (src/core/httprule.c):
 * Retry-After values, JWT claims, redacted excerpts and idempotency keys. Checks beyond
 * "no crash": an excerpt is NUL-terminated within its buffer, as long as it says, and
 * holds no JWT-looking word; a lifetime is never below 1 unless unknown. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/httprule.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        if (size > 4096)
                return 0;
        char *text = malloc(size + 1);
        if (!text)
                return 0;
        memcpy(text, data, size);
        text[size] = '\0';
        int64_t us, exp, iat;
        if (httprule_retry_after(text, 1700000000, &us) == 0 && us < 0)
                abort();
        if (httprule_jwt_claims(text, &exp, &iat) == 0) {
                int64_t l = httprule_token_lifetime_s(exp, iat, 0, 1700000000);
                if (l != -1 && l < 1)
                        abort();
        }
        char out[200];
        size_t n = httprule_excerpt(text, size, 120, out, sizeof(out));
        if (n >= sizeof(out) || strlen(out) != n)
                abort();
        /* a redacted excerpt keeps no JWT: "eyJ" + base64url with two dots */
        for (const char *p = strstr(out, "eyJ"); p; p = strstr(p + 1, "eyJ")) {
                size_t k = 0, dots = 0;
                while (p[k] && (p[k] == '.' || p[k] == '-' || p[k] == '_' ||
                                (p[k] >= '0' && p[k] <= '9') || (p[k] >= 'a' && p[k] <= 'z') ||
                                (p[k] >= 'A' && p[k] <= 'Z'))) {
                        dots += p[k] == '.';
                        k++;
                }
                if (dots >= 2 && k >= 10)
                        abort();
        }
        char key[128];
        if (httprule_idempotency_key(42, text, text, key, sizeof(key)) == 0 &&
            strlen(key) >= sizeof(key))
                abort();
        free(text);
        return 0;
}
