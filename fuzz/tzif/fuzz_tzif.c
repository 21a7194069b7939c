/* fuzz_tzif.c: libFuzzer target for the TZif reader (src/core/tz.c).
 *
 * Feeds arbitrary bytes to tz_parse(); when they parse, checks the zone's basic
 * promises at a few instants: runs contain the instant and tile the line, and
 * tz_from_local() finds the instant again. Any crash, sanitizer report or abort
 * is a bug. Also feeds the bytes as a POSIX TZ string to tz_parse_posix(). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/tz.h"

static void exercise(const struct tz *z, const uint8_t *data, size_t size)
{
        int64_t probes[] = { INT64_MIN, -1, 0, 1, 1774746000, 4102444800LL,
                             7289654400LL /* 2201 */, 253402300799LL /* 9999 */,
                             INT64_MAX, 0 };
        if (size >= 8)
                memcpy(&probes[9], data + size - 8, 8);
        for (size_t i = 0; i < sizeof(probes) / sizeof(probes[0]); i++) {
                int64_t t = probes[i];
                struct tz_segment s;
                tz_segment_at(z, t, &s);
                if (s.start > t || t >= s.end) {
                        if (!(t == INT64_MAX && s.end == INT64_MAX))
                                abort();
                }
                if (s.end != INT64_MAX) {
                        struct tz_segment n;
                        tz_segment_at(z, s.end, &n);
                        if (n.start != s.end || n.offset == s.offset)
                                abort();
                }
                if (tz_offset_at(z, t) != s.offset)
                        abort();
                int64_t out[2];
                int64_t local = tz_to_local(z, t);
                int r = tz_from_local(z, local, out);
                /* t is a solution; crafted zones may have more than two, of which
                 * only the first two are reported. */
                if (t > INT64_MIN / 2 && t < INT64_MAX / 2 &&
                    (r < 1 || (r == 1 && out[0] != t) || (r == 2 && out[0] > t)))
                        abort();
                (void)tz_from_local(z, t, out);
        }
        (void)tz_name(z);
        (void)tz_is_fixed(z);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        struct tz *z = NULL;
        struct batch_err err;
        if (tz_parse("fuzz", data, size, &z, &err) == 0) {
                exercise(z, data, size);
                tz_free(z);
        }
        if (size < 256) {
                char s[256];
                memcpy(s, data, size);
                s[size] = '\0';
                z = NULL;
                if (tz_parse_posix("fuzz", s, &z, &err) == 0) {
                        exercise(z, data, size);
                        tz_free(z);
                }
        }
        return 0;
}
