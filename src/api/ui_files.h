/* ui_files.h: the web UI's files (ui/dist/) as compiled into batchd: build/gen/ui.c,
 * written by the Makefile (each file's text and its gzip -9 bytes, and this table of
 * them), read by ui.c. */
#ifndef BATCH_API_UI_FILES_H
#define BATCH_API_UI_FILES_H

#include <stddef.h>

struct ui_file {
        const char *name; /* its name in ui/dist/: "index.html", "app.js", ... */
        const char *text;
        const unsigned char *gz;
        size_t gz_len;
};

/* Every file of ui/dist/, ended by one whose name is NULL. */
extern const struct ui_file ui_files[];

#endif
