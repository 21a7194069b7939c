/* httprule.h: the pure rules of libbatch's HTTP client (docs/http-client.md) — how long
 * to wait before a retry, what a Retry-After header says, when a JWT expires, when a
 * token is due for refresh, which responses are retried, how a body excerpt is
 * redacted and how an Idempotency-Key is derived. No I/O and no clock: times come in
 * as arguments, randomness as a number the caller drew. */
#ifndef BATCH_CORE_HTTPRULE_H
#define BATCH_CORE_HTTPRULE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The delay before retry number `retry` (1 = the first retry) with exponential backoff
 * and full jitter: a uniform draw from [0, min(cap_us, base_us * 2^(retry-1))], taken
 * from `rnd` (any 64-bit random number). A Retry-After of `retry_after_us` >= 0 (-1:
 * none) replaces the draw, capped at max_retry_after_us. Never negative. */
int64_t httprule_backoff_us(unsigned retry, int64_t base_us, int64_t cap_us, uint64_t rnd,
                            int64_t retry_after_us, int64_t max_retry_after_us);

/* Parses a Retry-After value (RFC 9110 §10.2.3): delta-seconds ("120") or an
 * IMF-fixdate ("Sun, 06 Nov 1994 08:49:37 GMT"), the latter relative to `now_wall_s`
 * (a date in the past gives 0). 0 with *ret_us set, or -1 for a value that is neither
 * (the header is then ignored). */
int httprule_retry_after(const char *value, int64_t now_wall_s, int64_t *ret_us);

/* Reads the numeric claims `exp` and `iat` of a JWT's payload (the middle of three
 * base64url segments, a JSON object). *ret_exp / *ret_iat get the values, or -1 when
 * the claim is absent. 0, or -1 when the text is not a JWT with a JSON object payload
 * (an opaque token: the caller falls back to expires_in). */
int httprule_jwt_claims(const char *token, int64_t *ret_exp, int64_t *ret_iat);

/* A token's lifetime in seconds: exp - iat when both claims are there (immune to clock
 * skew), else exp - now_wall_s when exp is, else expires_in when > 0, else -1
 * (unknown). A result below 1 is 1. */
int64_t httprule_token_lifetime_s(int64_t exp, int64_t iat, int64_t expires_in,
                                  int64_t now_wall_s);

/* True when a token obtained at `obtained_mono_us` with a lifetime of `lifetime_us` is
 * due for refresh at `now_mono_us`: from `fraction` (e.g. 0.9) of its lifetime on. An
 * unknown lifetime (< 0) is never due. */
bool httprule_refresh_due(int64_t now_mono_us, int64_t obtained_mono_us, int64_t lifetime_us,
                          double fraction);

enum httprule_class {
        HTTPRULE_DONE,       /* a final answer for the caller (2xx, 3xx, other 4xx) */
        HTTPRULE_RETRY,      /* transient: connect error, timeout, 408, 425, 429, 5xx */
        HTTPRULE_AUTH,       /* 401: refresh the token and try again */
        HTTPRULE_CLASS_MAX,
};

/* The class of one attempt's outcome: `status` the HTTP status (0 when no response
 * came: `transport_failed` then says whether that is a transient transport error
 * (connect, timeout, reset) or not (a malformed URL, out of memory): HTTPRULE_DONE). */
enum httprule_class httprule_classify(long status, bool transport_failed);

/* Copies at most `max` bytes of `body` (len bytes) into out (outlen >= max + 16) as one
 * line: control characters become spaces, invalid UTF-8 '?', and secrets are
 * redacted: the string value of any JSON member whose name contains "token",
 * "secret", "password", "authorization" or "api_key" (any case), and any JWT-looking
 * word ("eyJ..." with two dots or more: JWS and JWE) become "[redacted]". Returns the length written. */
size_t httprule_excerpt(const char *body, size_t len, size_t max, char *out, size_t outlen);

/* Writes the Idempotency-Key for item `item_key` of step `step` of instance
 * `instance_id` into out: "batch-<instance>-<step>-<key>" with bytes outside
 * [A-Za-z0-9._~] of step and key percent-encoded. 0, or -1 when it does not fit in
 * outlen. */
int httprule_idempotency_key(int64_t instance_id, const char *step, const char *item_key,
                             char *out, size_t outlen);

#endif
