/* labels.h: a node's labels (docs/daemon.md, "Nodes"): the config value `labels`, a
 * comma-separated list such as "gpu, zone=eu-1", read into one canonical text (sorted,
 * no spaces, no duplicates) that the repository keeps and the API shows. Pure. */
#ifndef BATCH_CORE_LABELS_H
#define BATCH_CORE_LABELS_H

#include <stdbool.h>
#include <stddef.h>

#include "common/err.h"

#define LABELS_MAX 32       /* labels a node may have */
#define LABEL_PART_MAX 63   /* bytes in a label's name, and in its value */
/* The longest canonical text and its NUL: every label at most name=value. */
#define LABELS_TEXT_MAX (LABELS_MAX * (2 * LABEL_PART_MAX + 2) + 1)

/* True when the `len` bytes at p are a valid word: 1 to LABEL_PART_MAX ASCII letters,
 * digits, '.', '_', '-', beginning with a letter or digit. A label's name and value are
 * words, and so is a node's name (node_name). */
bool label_word_valid(const char *p, size_t len);

/* Reads `text`: labels separated by commas, blanks around each ignored; an empty text
 * (or only blanks) is no label. A label is NAME or NAME=VALUE, each 1 to 63 bytes of
 * ASCII letters, digits, '.', '_', '-', beginning with a letter or digit. On success
 * writes the canonical text (labels sorted bytewise, joined by ",") to out (`len` bytes,
 * LABELS_TEXT_MAX is always enough) and returns the number of labels; otherwise
 * BATCH_EINVAL with a message naming the label and the reason (a bad byte, an empty
 * label, a name given twice, more than LABELS_MAX), and out is left alone. */
int labels_parse(const char *text, char *out, size_t len, struct batch_err *reterr);

/* True when every label of the canonical text `need` is one of the canonical text
 * `have`'s, compared whole: "zone=eu" is not covered by "zone=eu-1", nor "gpu" by
 * "gpu=yes". A NULL or empty `need` is covered by anything; a NULL `have` is no label.
 * Both are labels_parse output (sorted), which the function does not check: it tests
 * each item of `need` against every item of `have`, so the order does not matter. */
bool labels_cover(const char *have, const char *need);

#endif
