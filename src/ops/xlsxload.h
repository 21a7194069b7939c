/* xlsxload.h: libxlsxwriter for the daily report's XLSX form, loaded with dlopen at its
 * first use (report_daily_xlsx), so that a batchd or batchctl that writes no workbook does
 * not map libxlsxwriter and the OpenSSL libcrypto it links (about 1.7 MiB of resident
 * memory; docs/performance.md), as libpq and libcurl are loaded (store/postgres/pq.h,
 * daemon/curlload.h). Include after <xlsxwriter.h>: the names of the functions report.c
 * uses then call through `xlsxload`, with the types xlsxwriter.h declares. */
#ifndef BATCH_OPS_XLSXLOAD_H
#define BATCH_OPS_XLSXLOAD_H

#include <xlsxwriter.h>

#include "common/err.h"

/* The functions used, by name. */
#define XLSXLOAD_FUNCTIONS(X)                                                                      \
        X(workbook_new_opt) X(workbook_add_worksheet) X(workbook_add_format) X(workbook_close)     \
        X(format_set_bold) X(format_set_bg_color) X(format_set_border) X(format_set_num_format)    \
        X(worksheet_write_string) X(worksheet_write_number) X(worksheet_set_column)                \
        X(worksheet_freeze_panes) X(lxw_strerror)

struct xlsxload_api {
#define XLSXLOAD_MEMBER(name) __typeof__(name) *name;
        XLSXLOAD_FUNCTIONS(XLSXLOAD_MEMBER)
#undef XLSXLOAD_MEMBER
};

/* The loaded functions (valid after xlsxload_load returned 0). */
extern struct xlsxload_api xlsxload;

/* Loads libxlsxwriter once (thread-safe; the handle stays open for the life of the
 * process). Returns 0, or BATCH_EIO saying that it is not installed (Debian package
 * libxlsxwriter4) or lacks a function. */
int xlsxload_load(struct batch_err *reterr);

#ifndef XLSXLOAD_NO_REDIRECT /* xlsxload.c takes the real names */
#define workbook_new_opt (xlsxload.workbook_new_opt)
#define workbook_add_worksheet (xlsxload.workbook_add_worksheet)
#define workbook_add_format (xlsxload.workbook_add_format)
#define workbook_close (xlsxload.workbook_close)
#define format_set_bold (xlsxload.format_set_bold)
#define format_set_bg_color (xlsxload.format_set_bg_color)
#define format_set_border (xlsxload.format_set_border)
#define format_set_num_format (xlsxload.format_set_num_format)
#define worksheet_write_string (xlsxload.worksheet_write_string)
#define worksheet_write_number (xlsxload.worksheet_write_number)
#define worksheet_set_column (xlsxload.worksheet_set_column)
#define worksheet_freeze_panes (xlsxload.worksheet_freeze_panes)
#define lxw_strerror (xlsxload.lxw_strerror)
#endif

#endif
