/* webhook.c: posting one JSON alert to an HTTP(S) webhook with libcurl (webhook.h,
 * docs/alerts.md).
 *
 * Signature: X-Batchd-Signature: sha256=<lowercase hex HMAC-SHA256(secret,
 * "<timestamp>.<body>")> with X-Batchd-Timestamp: <timestamp>, computed with libsodium.
 * Redirects are not followed (a 3xx is an error naming the status), so a webhook never
 * lands on another scheme or host. Messages name only scheme://host[:port] of the URL:
 * webhook URLs often carry a token in their path or query. */
#include "daemon/webhook.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "daemon/curlload.h"
#include <sodium.h>

#include "common/urlmask.h"
#include "daemon/mail.h"

#define WEBHOOK_ANSWER_MAX 512
#define WEBHOOK_TIMEOUT_DEFAULT_S 30
#define WEBHOOK_MAX_BODY (16u * 1024 * 1024)

/* The first WEBHOOK_ANSWER_MAX bytes of the answer's body; the rest is read and dropped. */
struct answer {
        char data[WEBHOOK_ANSWER_MAX + 1];
        size_t len;
};

static size_t write_cb(char *ptr, size_t size, size_t nmemb, void *arg)
{
        struct answer *a = arg;
        size_t n = size * nmemb, room = WEBHOOK_ANSWER_MAX - a->len;
        size_t take = n < room ? n : room;
        memcpy(a->data + a->len, ptr, take);
        a->len += take;
        a->data[a->len] = '\0';
        return n;
}

/* The hex HMAC-SHA256 of "<now_s>.<body>" under secret into hex (65 bytes). */
static void sign(const char *secret, long long now_s, const char *body, size_t len,
                 char hex[2 * crypto_auth_hmacsha256_BYTES + 1])
{
        crypto_auth_hmacsha256_state st;
        unsigned char mac[crypto_auth_hmacsha256_BYTES];
        char ts[32];
        int n = snprintf(ts, sizeof(ts), "%lld.", now_s);
        crypto_auth_hmacsha256_init(&st, (const unsigned char *)secret, strlen(secret));
        crypto_auth_hmacsha256_update(&st, (const unsigned char *)ts, (unsigned long long)n);
        crypto_auth_hmacsha256_update(&st, (const unsigned char *)body, len);
        crypto_auth_hmacsha256_final(&st, mac);
        sodium_bin2hex(hex, 2 * crypto_auth_hmacsha256_BYTES + 1, mac, sizeof(mac));
        sodium_memzero(&st, sizeof(st));
}

static int check_input(const struct webhook_target *t, const char *body, size_t len,
                       const char *delivery_id, struct batch_err *reterr)
{
        if (!t->url || (strncasecmp(t->url, "http://", 7) != 0 &&
                        strncasecmp(t->url, "https://", 8) != 0))
                return batch_err_set(reterr, BATCH_EINVAL, "url",
                                     "the webhook URL must begin with http:// or https://");
        for (const char *p = t->url; *p; p++)
                if ((unsigned char)*p <= 0x20 || *p == 0x7f)
                        return batch_err_set(reterr, BATCH_EINVAL, "url",
                                             "the webhook URL holds a space or control character");
        const char *host = strstr(t->url, "://") + 3;
        if (strcspn(host, "/?#") == 0)
                return batch_err_set(reterr, BATCH_EINVAL, "url", "the webhook URL names no host");
        if (t->secret && !*t->secret)
                return batch_err_set(reterr, BATCH_EINVAL, "secret",
                                     "the webhook secret is empty (give none to send unsigned)");
        if (t->timeout_s < 0 || t->timeout_s > 3600)
                return batch_err_set(reterr, BATCH_EINVAL, "timeout",
                                     "the webhook timeout %ld s is not within 0..3600",
                                     t->timeout_s);
        if (len && !body)
                return batch_err_set(reterr, BATCH_EINVAL, "body", "the webhook body is missing");
        if (len > WEBHOOK_MAX_BODY)
                return batch_err_set(reterr, BATCH_EINVAL, "body",
                                     "the webhook body is %zu bytes; at most %u are allowed", len,
                                     WEBHOOK_MAX_BODY);
        size_t dl = delivery_id ? strlen(delivery_id) : 0;
        if (dl == 0 || dl > 200)
                return batch_err_set(reterr, BATCH_EINVAL, "delivery_id",
                                     "the delivery id is empty or longer than 200 characters");
        for (size_t i = 0; i < dl; i++)
                if ((unsigned char)delivery_id[i] <= 0x20 || (unsigned char)delivery_id[i] >= 0x7f)
                        return batch_err_set(reterr, BATCH_EINVAL, "delivery_id",
                                             "the delivery id may hold only printable ASCII "
                                             "without spaces");
        return 0;
}

int webhook_post(const struct webhook_target *t, const char *body, size_t len,
                 const char *delivery_id, long long now_s, long *ret_status, char **ret_answer,
                 struct batch_err *reterr)
{
        if (ret_status)
                *ret_status = 0;
        if (ret_answer)
                *ret_answer = NULL;
        int r = check_input(t, body, len, delivery_id, reterr);
        if (r < 0)
                return r;
        if ((r = mail_global_init(reterr)) < 0)
                return r;
        if (t->secret && sodium_init() < 0)
                return batch_err_set(reterr, BATCH_EIO, NULL, "cannot initialise libsodium");
        CURL *h = curl_easy_init();
        if (!h)
                return batch_err_set(reterr, BATCH_ENOMEM, NULL, "cannot create a libcurl handle");
        struct answer ans = {.len = 0};
        char errbuf[CURL_ERROR_SIZE] = "";
        char line[300];
        struct curl_slist *hdrs = NULL, *n;
        bool ok = true;
#define HDR(...)                                                                                  \
        do {                                                                                      \
                snprintf(line, sizeof(line), __VA_ARGS__);                                        \
                if (ok && (n = curl_slist_append(hdrs, line)) != NULL)                            \
                        hdrs = n;                                                                 \
                else                                                                              \
                        ok = false;                                                               \
        } while (0)
        HDR("Content-Type: application/json");
        HDR("Expect:"); /* no 100-continue round trip */
        HDR("X-Batchd-Delivery: %s", delivery_id);
        if (t->secret) {
                char hex[2 * crypto_auth_hmacsha256_BYTES + 1];
                sign(t->secret, now_s, body ? body : "", len, hex);
                HDR("X-Batchd-Timestamp: %lld", now_s);
                HDR("X-Batchd-Signature: sha256=%s", hex);
        }
#undef HDR
        if (!ok) {
                r = batch_err_set(reterr, BATCH_ENOMEM, NULL, "out of memory building the request");
                goto out;
        }
        long timeout_s = t->timeout_s ? t->timeout_s : WEBHOOK_TIMEOUT_DEFAULT_S;
        CURLcode c = CURLE_OK;
#define SET(opt, val)                                                                             \
        do {                                                                                      \
                if (c == CURLE_OK)                                                                \
                        c = curl_easy_setopt(h, opt, val);                                        \
        } while (0)
        SET(CURLOPT_URL, t->url);
        SET(CURLOPT_PROTOCOLS_STR, "http,https");
        SET(CURLOPT_FOLLOWLOCATION, 0L);
        SET(CURLOPT_NOSIGNAL, 1L);
        SET(CURLOPT_CONNECTTIMEOUT, timeout_s);
        SET(CURLOPT_TIMEOUT, timeout_s);
        SET(CURLOPT_ERRORBUFFER, errbuf);
        SET(CURLOPT_USERAGENT, "batchd/" BATCH_VERSION);
        SET(CURLOPT_POST, 1L);
        SET(CURLOPT_POSTFIELDS, body ? body : "");
        SET(CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)len);
        SET(CURLOPT_HTTPHEADER, hdrs);
        SET(CURLOPT_WRITEFUNCTION, write_cb);
        SET(CURLOPT_WRITEDATA, &ans);
#undef SET
        if (c != CURLE_OK) {
                r = batch_err_set(reterr, BATCH_EINVAL, NULL,
                                  "this libcurl refuses an HTTP option: %s", curl_easy_strerror(c));
                goto out;
        }
        c = curl_easy_perform(h);
        long status = 0;
        curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
        if (ret_status)
                *ret_status = status;
        if (ret_answer && ans.len) {
                *ret_answer = malloc(ans.len + 1);
                if (!*ret_answer) {
                        r = batch_err_set(reterr, BATCH_ENOMEM, NULL, "out of memory");
                        goto out;
                }
                memcpy(*ret_answer, ans.data, ans.len + 1);
        }
        char origin[160];
        urlmask_one(t->url, false, "(the webhook URL)", origin, sizeof(origin));
        if (c != CURLE_OK) {
                r = batch_err_set(reterr, BATCH_EIO, NULL, "posting the webhook to %s failed: %s",
                                  origin, errbuf[0] ? errbuf : curl_easy_strerror(c));
                goto out;
        }
        if (status < 200 || status > 299) {
                r = batch_err_set(reterr, BATCH_EIO, "status",
                                  "the webhook %s answered HTTP status %ld%s", origin, status,
                                  status >= 300 && status < 400
                                          ? " (redirects are not followed: configure the final URL)"
                                          : "");
                goto out;
        }
        r = 0;
out:
        curl_slist_free_all(hdrs);
        curl_easy_cleanup(h);
        return r;
}
