/* mail.c: sending one e-mail over SMTP with libcurl (mail.h, docs/alerts.md).
 *
 * The message is built with curl_mime: multipart/mixed holding a multipart/alternative
 * of the text and HTML bodies (quoted-printable, UTF-8), then each attachment in
 * base64 with its file name. The headers (Subject, From, To, Date, Message-ID,
 * MIME-Version) are ours. The server's reply lines reach us through libcurl's debug
 * callback; we keep the last one for the caller. The password only goes to libcurl:
 * it never enters a message, and a reply that happens to echo it is masked. */
#include "daemon/mail.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "daemon/curlload.h"

#include "common/urlmask.h"
#include "common/utf8.h"

#define MAIL_MAX_RCPT 100         /* recipients of one message */
#define MAIL_MAX_ADDR 254         /* RFC 5321 path limit */
#define MAIL_MAX_SUBJECT 400      /* bytes of UTF-8; keeps the encoded header < 998 */
#define MAIL_MAX_ATT_NAME 200
#define MAIL_REPLY_MAX 300        /* bytes kept of the server's last reply line */
#define MAIL_TIMEOUT_DEFAULT_S 30

static pthread_once_t global_once = PTHREAD_ONCE_INIT;
static CURLcode global_rc = CURLE_FAILED_INIT;

static void global_init_once(void)
{
        global_rc = curl_global_init(CURL_GLOBAL_DEFAULT);
}

int mail_global_init(struct batch_err *reterr)
{
        int r = curlload_load(reterr);
        if (r < 0)
                return r;
        pthread_once(&global_once, global_init_once);
        if (global_rc != CURLE_OK)
                return batch_err_set(reterr, BATCH_EIO, NULL, "cannot initialise libcurl: %s",
                                     curl_easy_strerror(global_rc));
        return 0;
}

/* The last reply line seen from the server, and the password to mask in it. */
struct reply {
        char line[MAIL_REPLY_MAX];
        const char *password;
        bool quitting;          /* QUIT sent: later replies are not kept */
};

/* Replaces each occurrence of pw in s (NUL-terminated, in place) by "***" (never longer). */
static void mask_secret(char *s, const char *pw)
{
        if (!pw || !*pw)
                return;
        size_t pl = strlen(pw), keep = pl < 3 ? pl : 3;
        char *p = s;
        while ((p = strstr(p, pw)) != NULL) {
                memset(p, '*', keep);
                memmove(p + keep, p + pl, strlen(p + pl) + 1);
                p += keep; /* past the mask: a password of stars ends too */
        }
}

static int debug_cb(CURL *h, curl_infotype type, char *data, size_t size, void *arg)
{
        (void)h;
        struct reply *r = arg;
        /* The reply to QUIT ("221 Bye") would hide the one that matters. Of what we send,
         * only this prefix is looked at: the AUTH line is never read nor kept. */
        if (type == CURLINFO_HEADER_OUT && size >= 4 && strncasecmp(data, "QUIT", 4) == 0)
                r->quitting = true;
        if (type != CURLINFO_HEADER_IN || r->quitting)
                return 0;
        /* One call may hold several lines; keep the last non-empty one. */
        size_t end = size;
        while (end > 0 && (data[end - 1] == '\r' || data[end - 1] == '\n'))
                end--;
        if (end == 0)
                return 0;
        size_t start = end;
        while (start > 0 && data[start - 1] != '\n')
                start--;
        size_t n = end - start;
        if (n >= sizeof(r->line))
                n = sizeof(r->line) - 1;
        for (size_t i = 0; i < n; i++) {
                unsigned char c = (unsigned char)data[start + i];
                r->line[i] = (c < 0x20 || c == 0x7f) ? '?' : (char)c;
        }
        r->line[n] = '\0';
        mask_secret(r->line, r->password);
        return 0;
}

/* Checks one address: 1..254 printable ASCII characters, no spaces, brackets, commas or
 * quotes, with an '@' that is neither first nor last. */
static int check_addr(const char *a, const char *what, struct batch_err *reterr)
{
        if (!a || !*a)
                return batch_err_set(reterr, BATCH_EINVAL, what, "the %s address is empty", what);
        size_t len = strlen(a);
        for (size_t i = 0; i < len; i++) {
                unsigned char c = (unsigned char)a[i];
                if (c == '\r' || c == '\n')
                        return batch_err_set(reterr, BATCH_EINVAL, what,
                                             "the %s address holds a line break", what);
                if (c <= 0x20 || c >= 0x7f || strchr("<>,;\"()[]\\", c))
                        return batch_err_set(reterr, BATCH_EINVAL, what,
                                             "the %s address \"%.80s\" holds a character not "
                                             "allowed in an address (at offset %zu)",
                                             what, a, i);
        }
        const char *at = strrchr(a, '@');
        if (len > MAIL_MAX_ADDR || !at || at == a || !at[1])
                return batch_err_set(reterr, BATCH_EINVAL, what,
                                     "the %s address \"%.80s\" is not of the form local@domain "
                                     "(at most %d characters)",
                                     what, a, MAIL_MAX_ADDR);
        return 0;
}

static int check_input(const struct mail_server *srv, const struct mail_message *m,
                       struct batch_err *reterr)
{
        if (!srv->url || !*srv->url)
                return batch_err_set(reterr, BATCH_EINVAL, "url", "the SMTP server URL is empty");
        bool smtps = strncasecmp(srv->url, "smtps://", 8) == 0;
        if (!smtps && strncasecmp(srv->url, "smtp://", 7) != 0)
                return batch_err_set(reterr, BATCH_EINVAL, "url",
                                     "the SMTP server URL must begin with smtp:// or smtps://");
        const char *host = srv->url + (smtps ? 8 : 7);
        size_t hl = strcspn(host, "/?#");
        if (hl == 0)
                return batch_err_set(reterr, BATCH_EINVAL, "url",
                                     "the SMTP server URL names no host");
        if (memchr(host, '@', hl))
                return batch_err_set(reterr, BATCH_EINVAL, "url",
                                     "the SMTP server URL must not hold credentials: give the "
                                     "user and password separately");
        for (const char *p = srv->url; *p; p++)
                if ((unsigned char)*p <= 0x20 || *p == 0x7f)
                        return batch_err_set(reterr, BATCH_EINVAL, "url",
                                             "the SMTP server URL holds a space or control "
                                             "character");
        if (smtps && srv->starttls)
                return batch_err_set(reterr, BATCH_EINVAL, "starttls",
                                     "STARTTLS applies to smtp:// only; smtps:// is TLS from "
                                     "the start");
        if (srv->user && (!*srv->user || strpbrk(srv->user, "\r\n")))
                return batch_err_set(reterr, BATCH_EINVAL, "user",
                                     "the SMTP user is empty or holds a line break");
        if (srv->user && !srv->password)
                return batch_err_set(reterr, BATCH_EINVAL, "password",
                                     "the SMTP user \"%.64s\" is given without a password",
                                     srv->user);
        if (srv->timeout_s < 0 || srv->timeout_s > 3600)
                return batch_err_set(reterr, BATCH_EINVAL, "timeout",
                                     "the SMTP timeout %ld s is not within 0..3600", srv->timeout_s);
        int r = check_addr(srv->from, "from", reterr);
        if (r < 0)
                return r;
        if (m->nto == 0 || !m->to)
                return batch_err_set(reterr, BATCH_EINVAL, "to", "the message has no recipient");
        if (m->nto > MAIL_MAX_RCPT)
                return batch_err_set(reterr, BATCH_EINVAL, "to",
                                     "the message has %zu recipients; at most %d are allowed",
                                     m->nto, MAIL_MAX_RCPT);
        for (size_t i = 0; i < m->nto; i++)
                if ((r = check_addr(m->to[i], "to", reterr)) < 0)
                        return r;
        if (!m->subject)
                return batch_err_set(reterr, BATCH_EINVAL, "subject", "the message has no subject");
        size_t sl = strlen(m->subject);
        if (strpbrk(m->subject, "\r\n"))
                return batch_err_set(reterr, BATCH_EINVAL, "subject",
                                     "the subject holds a line break");
        if (sl > MAIL_MAX_SUBJECT)
                return batch_err_set(reterr, BATCH_EINVAL, "subject",
                                     "the subject is %zu bytes long; at most %d are allowed", sl,
                                     MAIL_MAX_SUBJECT);
        if (!utf8_valid(m->subject, sl, UTF8_NO_C0))
                return batch_err_set(reterr, BATCH_EINVAL, "subject",
                                     "the subject is not valid UTF-8 or holds a control character");
        if (!m->text && !m->html)
                return batch_err_set(reterr, BATCH_EINVAL, "text",
                                     "the message has neither a text nor an HTML body");
        const char *id = m->message_id;
        size_t il = id ? strlen(id) : 0;
        if (il < 5 || id[0] != '<' || id[il - 1] != '>' || !memchr(id, '@', il) ||
            strcspn(id + 1, "<> \t\r\n") != il - 2 || il > 250)
                return batch_err_set(reterr, BATCH_EINVAL, "message_id",
                                     "the Message-ID must look like <unique@domain> (at most 250 "
                                     "characters, no spaces or line breaks)");
        if (m->natt && !m->att)
                return batch_err_set(reterr, BATCH_EINVAL, "attachment",
                                     "attachments are counted but not given");
        for (size_t i = 0; i < m->natt; i++) {
                const struct mail_attachment *a = &m->att[i];
                if (!a->name || !*a->name || strlen(a->name) > MAIL_MAX_ATT_NAME)
                        return batch_err_set(reterr, BATCH_EINVAL, "attachment",
                                             "attachment %zu has no name or one longer than %d "
                                             "characters",
                                             i + 1, MAIL_MAX_ATT_NAME);
                for (const char *p = a->name; *p; p++)
                        if ((unsigned char)*p < 0x20 || (unsigned char)*p >= 0x7f ||
                            strchr("\"\\/", *p))
                                return batch_err_set(reterr, BATCH_EINVAL, "attachment",
                                                     "the attachment name \"%.80s\" may hold only "
                                                     "printable ASCII without \", \\ or /",
                                                     a->name);
                if (!a->mime || !*a->mime || strcspn(a->mime, "\r\n\";") != strlen(a->mime) ||
                    !strchr(a->mime, '/'))
                        return batch_err_set(reterr, BATCH_EINVAL, "attachment",
                                             "the attachment \"%.80s\" has no valid media type "
                                             "(type/subtype)",
                                             a->name);
                if (a->len && !a->data)
                        return batch_err_set(reterr, BATCH_EINVAL, "attachment",
                                             "the attachment \"%.80s\" has a length but no data",
                                             a->name);
        }
        return 0;
}

/* Appends to dst (size cap, NUL-terminated, always fits the checked limits) the
 * subject as is when it is ASCII, else as RFC 2047 "B" encoded-words of whole UTF-8
 * characters, at most 39 bytes each (52 base64 characters), one to a folded line
 * (RFC 2047 section 2 keeps a line holding encoded words within 76 characters). */
static void encode_subject(const char *s, char *dst, size_t cap)
{
        size_t len = strlen(s), o = 0;
        bool ascii = true;
        for (size_t i = 0; i < len; i++)
                if ((unsigned char)s[i] >= 0x80)
                        ascii = false;
        /* A plain subject that looks like an encoded word would be decoded by readers. */
        if (ascii && !strstr(s, "=?")) {
                snprintf(dst, cap, "%s", s);
                return;
        }
        static const char b64[] =
                "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
        size_t i = 0;
        while (i < len && o + 80 < cap) {
                size_t n = 0;
                while (i + n < len) {
                        size_t cl = 1;
                        unsigned char c = (unsigned char)s[i + n];
                        if (c >= 0xf0)
                                cl = 4;
                        else if (c >= 0xe0)
                                cl = 3;
                        else if (c >= 0xc0)
                                cl = 2;
                        if (n + cl > 39)
                                break;
                        n += cl;
                }
                o += (size_t)snprintf(dst + o, cap - o, "%s=?UTF-8?B?", o ? "\r\n " : "");
                const unsigned char *p = (const unsigned char *)s + i;
                for (size_t k = 0; k < n; k += 3) {
                        uint32_t v = (uint32_t)p[k] << 16;
                        if (k + 1 < n)
                                v |= (uint32_t)p[k + 1] << 8;
                        if (k + 2 < n)
                                v |= p[k + 2];
                        dst[o++] = b64[(v >> 18) & 63];
                        dst[o++] = b64[(v >> 12) & 63];
                        dst[o++] = k + 1 < n ? b64[(v >> 6) & 63] : '=';
                        dst[o++] = k + 2 < n ? b64[v & 63] : '=';
                }
                o += (size_t)snprintf(dst + o, cap - o, "?=");
                i += n;
        }
        dst[o] = '\0';
}

/* RFC 5322 date of now, in UTC, independent of the locale. */
static void format_date(char *dst, size_t cap)
{
        static const char days[7][4] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
        static const char months[12][4] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                           "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
        time_t t = time(NULL);
        struct tm tm;
        gmtime_r(&t, &tm);
        snprintf(dst, cap, "Date: %s, %02d %s %04d %02d:%02d:%02d +0000", days[tm.tm_wday % 7],
                 tm.tm_mday, months[tm.tm_mon % 12], tm.tm_year + 1900, tm.tm_hour, tm.tm_min,
                 tm.tm_sec);
}

/* Appends "line" to *list; false when out of memory (the list is kept). */
static bool slist_add(struct curl_slist **list, const char *line)
{
        struct curl_slist *n = curl_slist_append(*list, line);
        if (!n)
                return false;
        *list = n;
        return true;
}

/* Builds the message headers; NULL when out of memory. */
static struct curl_slist *build_headers(const struct mail_server *srv,
                                        const struct mail_message *m)
{
        struct curl_slist *h = NULL;
        char line[1200];
        bool ok = true;
        char subj[1100];
        encode_subject(m->subject, subj, sizeof(subj));
        snprintf(line, sizeof(line), "Subject: %s", subj);
        ok = ok && slist_add(&h, line);
        snprintf(line, sizeof(line), "From: %s", srv->from);
        ok = ok && slist_add(&h, line);
        /* To: one header, folded after each address when it gets long. */
        size_t cap = 8 + m->nto * (MAIL_MAX_ADDR + 5);
        char *to = malloc(cap);
        if (!to) {
                curl_slist_free_all(h);
                return NULL;
        }
        size_t o = (size_t)snprintf(to, cap, "To: ");
        for (size_t i = 0; i < m->nto; i++)
                o += (size_t)snprintf(to + o, cap - o, "%s%s", i ? ",\r\n " : "", m->to[i]);
        ok = ok && slist_add(&h, to);
        free(to);
        format_date(line, sizeof(line));
        ok = ok && slist_add(&h, line);
        snprintf(line, sizeof(line), "Message-ID: %s", m->message_id);
        ok = ok && slist_add(&h, line);
        ok = ok && slist_add(&h, "MIME-Version: 1.0");
        if (!ok) {
                curl_slist_free_all(h);
                return NULL;
        }
        return h;
}

/* Adds one text part (UTF-8, quoted-printable) to mime, its line ends made CRLF (the
 * quoted-printable encoder keeps only CRLF as a line break); false when out of memory. */
static bool add_text_part(curl_mime *mime, const char *text, const char *type)
{
        size_t len = strlen(text), nl = 0;
        for (size_t i = 0; i < len; i++)
                nl += text[i] == '\n' && (i == 0 || text[i - 1] != '\r');
        char *crlf = malloc(len + nl + 1);
        if (!crlf)
                return false;
        size_t o = 0;
        for (size_t i = 0; i < len; i++) {
                if (text[i] == '\n' && (i == 0 || text[i - 1] != '\r'))
                        crlf[o++] = '\r';
                crlf[o++] = text[i];
        }
        curl_mimepart *p = curl_mime_addpart(mime);
        bool ok = p && curl_mime_data(p, crlf, o) == CURLE_OK &&
                  curl_mime_type(p, type) == CURLE_OK &&
                  curl_mime_encoder(p, "quoted-printable") == CURLE_OK;
        free(crlf); /* curl_mime_data copied it */
        return ok;
}

/* Builds the MIME tree of m on h; NULL when out of memory. */
static curl_mime *build_mime(CURL *h, const struct mail_message *m)
{
        curl_mime *top = curl_mime_init(h);
        curl_mime *alt = curl_mime_init(h);
        if (!top || !alt)
                goto fail;
        if (m->text && !add_text_part(alt, m->text, "text/plain; charset=UTF-8"))
                goto fail;
        if (m->html && !add_text_part(alt, m->html, "text/html; charset=UTF-8"))
                goto fail;
        curl_mimepart *p = curl_mime_addpart(top);
        if (!p || curl_mime_subparts(p, alt) != CURLE_OK)
                goto fail;
        alt = NULL; /* owned by top now */
        if (curl_mime_type(p, "multipart/alternative") != CURLE_OK)
                goto fail;
        struct curl_slist *inl = curl_slist_append(NULL, "Content-Disposition: inline");
        if (!inl || curl_mime_headers(p, inl, 1) != CURLE_OK) {
                curl_slist_free_all(inl);
                goto fail;
        }
        for (size_t i = 0; i < m->natt; i++) {
                const struct mail_attachment *a = &m->att[i];
                p = curl_mime_addpart(top);
                if (!p || curl_mime_data(p, a->len ? a->data : "", a->len) != CURLE_OK ||
                    curl_mime_filename(p, a->name) != CURLE_OK ||
                    curl_mime_type(p, a->mime) != CURLE_OK ||
                    curl_mime_encoder(p, "base64") != CURLE_OK)
                        goto fail;
        }
        return top;
fail:
        curl_mime_free(alt);
        curl_mime_free(top);
        return NULL;
}

int mail_send(const struct mail_server *srv, const struct mail_message *m, char **ret_answer,
              struct batch_err *reterr)
{
        if (ret_answer)
                *ret_answer = NULL;
        int r = check_input(srv, m, reterr);
        if (r < 0)
                return r;
        if ((r = mail_global_init(reterr)) < 0)
                return r;
        CURL *h = curl_easy_init();
        if (!h)
                return batch_err_set(reterr, BATCH_ENOMEM, NULL, "cannot create a libcurl handle");
        struct reply rep = {.password = srv->password};
        char errbuf[CURL_ERROR_SIZE] = "";
        struct curl_slist *rcpt = NULL, *hdrs = build_headers(srv, m);
        curl_mime *mime = hdrs ? build_mime(h, m) : NULL;
        bool ok = mime != NULL;
        for (size_t i = 0; ok && i < m->nto; i++)
                ok = slist_add(&rcpt, m->to[i]);
        if (!ok) {
                r = batch_err_set(reterr, BATCH_ENOMEM, NULL, "out of memory building the e-mail");
                goto out;
        }
        long timeout_s = srv->timeout_s ? srv->timeout_s : MAIL_TIMEOUT_DEFAULT_S;
        CURLcode c = CURLE_OK;
#define SET(opt, val)                                                                             \
        do {                                                                                      \
                if (c == CURLE_OK)                                                                \
                        c = curl_easy_setopt(h, opt, val);                                        \
        } while (0)
        SET(CURLOPT_URL, srv->url);
        SET(CURLOPT_PROTOCOLS_STR, "smtp,smtps");
        SET(CURLOPT_NOSIGNAL, 1L);
        SET(CURLOPT_CONNECTTIMEOUT, timeout_s);
        SET(CURLOPT_TIMEOUT, timeout_s);
        SET(CURLOPT_ERRORBUFFER, errbuf);
        SET(CURLOPT_VERBOSE, 1L); /* for the debug callback; it prints nothing */
        SET(CURLOPT_DEBUGFUNCTION, debug_cb);
        SET(CURLOPT_DEBUGDATA, &rep);
        if (srv->starttls)
                SET(CURLOPT_USE_SSL, (long)CURLUSESSL_ALL);
        if (srv->ca_file)
                SET(CURLOPT_CAINFO, srv->ca_file);
        if (srv->user) {
                SET(CURLOPT_USERNAME, srv->user);
                SET(CURLOPT_PASSWORD, srv->password);
        }
        SET(CURLOPT_MAIL_FROM, srv->from);
        SET(CURLOPT_MAIL_RCPT, rcpt);
        /* A recipient the server refuses does not stop the message for the others; the
         * delivery fails only when every recipient is refused (docs/alerts.md). */
#if LIBCURL_VERSION_NUM >= 0x080200
        SET(CURLOPT_MAIL_RCPT_ALLOWFAILS, 1L);
#else
        SET(CURLOPT_MAIL_RCPT_ALLLOWFAILS, 1L);
#endif
        SET(CURLOPT_HTTPHEADER, hdrs);
        SET(CURLOPT_MIMEPOST, mime);
#undef SET
        if (c != CURLE_OK) {
                r = batch_err_set(reterr, BATCH_EINVAL, NULL,
                                  "this libcurl refuses an SMTP option: %s", curl_easy_strerror(c));
                goto out;
        }
        c = curl_easy_perform(h);
        if (ret_answer && rep.line[0]) {
                *ret_answer = strdup(rep.line);
                if (!*ret_answer) {
                        r = batch_err_set(reterr, BATCH_ENOMEM, NULL, "out of memory");
                        goto out;
                }
        }
        if (c != CURLE_OK) {
                char origin[128];
                urlmask_one(srv->url, false, srv->url, origin, sizeof(origin));
                mask_secret(errbuf, srv->password);
                size_t el = strlen(errbuf); /* "STARTTLS not supported." then "; ..." */
                while (el > 0 && (errbuf[el - 1] == '.' || errbuf[el - 1] == ' ' ||
                                  errbuf[el - 1] == '\n'))
                        errbuf[--el] = '\0';
                const char *why = errbuf[0] ? errbuf : curl_easy_strerror(c);
                if (rep.line[0])
                        r = batch_err_set(reterr, BATCH_EIO, NULL,
                                          "sending mail through %s failed: %s; the server said "
                                          "\"%s\"",
                                          origin, why, rep.line);
                else
                        r = batch_err_set(reterr, BATCH_EIO, NULL,
                                          "sending mail through %s failed: %s", origin, why);
                goto out;
        }
        r = 0;
out:
        curl_easy_cleanup(h);
        curl_mime_free(mime);
        curl_slist_free_all(hdrs);
        curl_slist_free_all(rcpt);
        return r;
}
