/* lang.h: choosing a translation (a job's display_names) by the reader's language
 * preferences: an HTTP Accept-Language value, or the POSIX locale settings turned into
 * one. Pure: the caller passes the environment's values (docs/definitions.md, "Display
 * names"). */
#ifndef BATCH_CORE_LANG_H
#define BATCH_CORE_LANG_H

#include <stddef.h>

/* The index in tags[0..n) of the translation that best fits `prefs`, an Accept-Language
 * value ("de-CH, de;q=0.9, en;q=0.5"; RFC 9110 §12.5.4), or -1 when none fits or prefs is
 * NULL or empty (the caller then shows the untranslated text). Ranges are tried by
 * descending q (ties in the order given; q=0 excluded). For each range: a tag equal to it
 * (ignoring case), else to it shortened one subtag at a time ("zh-Hant-TW", "zh-Hant",
 * "zh"; RFC 4647 lookup), else the first tag that extends it ("de" takes "de-CH"). "*"
 * stops the search: any language, so the untranslated text. Malformed parts are skipped. */
long lang_pick(const char *const *tags, size_t n, const char *prefs);

/* Writes into out (len bytes, NUL-terminated, "" when none) the Accept-Language value of
 * the POSIX locale settings, given the values of LANGUAGE, LC_ALL, LC_MESSAGES and LANG
 * (each may be NULL): the first of LC_ALL, LC_MESSAGES, LANG that is set and not empty
 * names the locale; "C" and "POSIX" (with any suffix) mean no preference; otherwise
 * GNU's LANGUAGE list ("de:fr") comes first when set, then the locale.
 * "de_DE.UTF-8@euro" becomes "de-DE". */
void lang_from_locale(const char *language, const char *lc_all, const char *lc_messages,
                      const char *lang, char *out, size_t len);

#endif
