/* customer_import.c: an example libbatch program — import customer records from a CSV
 * file into a `customers` table of the job repository (SQLite), exactly once.
 *
 *   customer_import --db repo.db input=customers.csv
 *
 * Step 1 (tasklet) creates the table. Step 2 (chunk) reads the CSV (header
 * id,name,email,age), validates each record in a processor — a missing name, an email
 * without '@' or an age that is not a number from 0 to 150 is a skippable error, so the
 * record goes to the dead-letter store with the reason — and writes the valid ones with
 * the built-in SQLite writer in the chunk's transaction, together with the checkpoint.
 * Rows whose id is already in the table fail the UNIQUE constraint: write skips.
 * Kill it at any point and run the same command again: it resumes after the last
 * committed chunk, and the table ends up holding each valid row once.
 * CUSTOMER_IMPORT_COMMIT sets the commit interval (default 1000), CUSTOMER_IMPORT_SKIPS
 * the skip limit (default 1000), CUSTOMER_IMPORT_THREADS runs the step multi-threaded
 * (validation in parallel, commits in order). */
#include <batch.h>
#include <sqlite3.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int create_table(void *ud, struct batch_ctx *ctx, struct batch_err *reterr)
{
        (void)ud;
        /* The tasklet runs inside a repository transaction: the table appears with the
         * step's checkpoint. */
        sqlite3 *db = batch_ctx_sqlite(ctx);
        if (!db)
                return batch_err_set(reterr, BATCH_EINVAL, "db", "this example needs SQLite");
        char *msg = NULL;
        if (sqlite3_exec(db,
                         "CREATE TABLE IF NOT EXISTS customers (id INTEGER PRIMARY KEY, "
                         "name TEXT NOT NULL, email TEXT NOT NULL, age INTEGER NOT NULL)",
                         NULL, NULL, &msg) != SQLITE_OK) {
                int r = batch_err_set(reterr, BATCH_EIO, "db", "create table: %s",
                                      msg ? msg : "error");
                sqlite3_free(msg);
                return r;
        }
        return 0;
}

static int validate(void *ud, struct batch_ctx *ctx, void *in, void **ret_out,
                    struct batch_err *reterr)
{
        (void)ud;
        (void)ctx;
        const struct batch_record *rec = in;
        const char *id = batch_record_get(rec, "id"), *name = batch_record_get(rec, "name"),
                   *email = batch_record_get(rec, "email"), *age = batch_record_get(rec, "age");
        char *end;
        if (!id || !*id || strtoll(id, &end, 10) <= 0 || *end)
                return batch_err_set(reterr, BATCH_ESKIP, "id", "id: not a positive number: %s",
                                     id ? id : "(missing)");
        if (!name || !*name)
                return batch_err_set(reterr, BATCH_ESKIP, "name", "name: missing");
        if (!email || !strchr(email, '@'))
                return batch_err_set(reterr, BATCH_ESKIP, "email", "email: not an address: %s",
                                     email ? email : "(missing)");
        long a = age ? strtol(age, &end, 10) : -1;
        if (!age || !*age || *end || a < 0 || a > 150)
                return batch_err_set(reterr, BATCH_ESKIP, "age", "age: not 0-150: %s",
                                     age ? age : "(missing)");
        *ret_out = in;
        return 0;
}

int main(int argc, char **argv)
{
        const char *ci = getenv("CUSTOMER_IMPORT_COMMIT"), *sl = getenv("CUSTOMER_IMPORT_SKIPS");
        unsigned commit = ci ? (unsigned)strtoul(ci, NULL, 10) : 1000;
        struct batch_err err = {0};
        struct batch_job *job = batch_job_new("customer-import");
        struct batch_csv_options in = {.path_param = "input", .header = true};
        struct batch_sqlite_writer_options out = {
                .sql = "INSERT INTO customers(id, name, email, age) "
                       "VALUES (:id, :name, :email, :age)"};
        struct batch_reader r;
        struct batch_writer w;
        struct batch_processor p = {.process_cb = validate};
        if (!job || batch_csv_reader(&r, &in, &err) < 0 || batch_sqlite_writer(&w, &out, &err) < 0) {
                fprintf(stderr, "customer_import: %s\n", err.msg);
                return 1;
        }
        struct batch_step *step = batch_chunk_step_new("import", &r, &p, &w, commit ? commit : 1000);
        batch_step_set_skip_limit(step, sl ? strtoll(sl, NULL, 10) : 1000);
        const char *th = getenv("CUSTOMER_IMPORT_THREADS");
        if (th && atoi(th) > 1)
                batch_step_set_threads(step, (unsigned)atoi(th));
        if (batch_job_add_step(job, batch_tasklet_step_new("create-table", create_table, NULL, NULL),
                               &err) < 0 ||
            batch_job_add_step(job, step, &err) < 0) {
                fprintf(stderr, "customer_import: %s\n", err.msg);
                return 1;
        }
        int status = batch_main(job, argc, argv);
        batch_job_free(job);
        return status;
}
