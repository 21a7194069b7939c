/* test_labels.c: table tests of labels_parse (src/core/labels.h): a node's labels as the
 * config gives them, their canonical text, and the refusals (docs/daemon.md, "Nodes"). */
#include "test.h"

#include <string.h>

#include "core/labels.h"

static void test_labels_accepted(void **state)
{
        (void)state;
        static const struct {
                const char *in, *want;
                int n;
        } t[] = {
                {"", "", 0},
                {"  \t ", "", 0},
                {"gpu", "gpu", 1},
                {" zone=eu-1 , gpu ", "gpu,zone=eu-1", 2},
                {"b,a,c", "a,b,c", 3},
                {"os=debian-12.4,arch=x86_64", "arch=x86_64,os=debian-12.4", 2},
                {"A1=B2", "A1=B2", 1},
        };
        for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
                char out[LABELS_TEXT_MAX];
                struct batch_err err;
                int n = labels_parse(t[i].in, out, sizeof(out), &err);
                if (n != t[i].n || strcmp(out, t[i].want))
                        fail_msg("%s: got %d \"%s\", want %d \"%s\"", t[i].in, n,
                                 n >= 0 ? out : err.msg, t[i].n, t[i].want);
        }
}

static void test_labels_refused(void **state)
{
        (void)state;
        static const struct {
                const char *in, *msg_part;
        } t[] = {
                {"a,,b", "empty label at byte 3"},
                {"a,", "empty label"},
                {",a", "empty label at byte 1"},
                {"gpu,gpu", "\"gpu\" is given twice"},
                {"zone=a,zone=b", "\"zone\" is given twice"},
                {"=x", "empty name"},
                {"x=", "empty value"},
                {"-x", "must begin with a letter or a digit"},
                {"x=.y", "value must begin"},
                {"a b", "byte 0x20 in its name"},
                {"zone=eu 1", "byte 0x20 in its value"},
                {"x=a=b", "byte 0x3d in its value"},
                {"caf\xc3\xa9", "byte 0xc3"},
                {"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
                 "longer than 63 bytes"},
                {"a,b,c,d,e,f,g,h,i,j,k,l,m,n,o,p,q,r,s,t,u,v,w,x,y,z,A,B,C,D,E,F,G",
                 "more than 32 labels"},
        };
        for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
                char out[LABELS_TEXT_MAX] = "untouched";
                struct batch_err err = {0};
                int n = labels_parse(t[i].in, out, sizeof(out), &err);
                if (n != BATCH_EINVAL || !strstr(err.msg, t[i].msg_part) ||
                    strcmp(out, "untouched"))
                        fail_msg("%s: got %d \"%s\", want the refusal \"%s\"", t[i].in, n,
                                 err.msg, t[i].msg_part);
        }
        /* 32 labels are allowed; a too small buffer is a refusal too. */
        char out[8];
        struct batch_err err;
        assert_int_equal(labels_parse("a,b,c,d,e,f,g,h,i,j,k,l,m,n,o,p,q,r,s,t,u,v,w,x,y,z,A,B,C,"
                                      "D,E,F",
                                      NULL, 0, &err),
                         BATCH_EINVAL);
        assert_int_equal(labels_parse("abcdefgh", out, sizeof(out), &err), BATCH_EINVAL);
        char big[LABELS_TEXT_MAX];
        assert_int_equal(labels_parse("a,b,c,d,e,f,g,h,i,j,k,l,m,n,o,p,q,r,s,t,u,v,w,x,y,z,A,B,C,"
                                      "D,E,F",
                                      big, sizeof(big), &err),
                         32);
}

static void test_label_word(void **state)
{
        (void)state;
        assert_true(label_word_valid("alpha", 5));
        assert_true(label_word_valid("n1.eu-west_2", 12));
        assert_true(label_word_valid("9", 1));
        assert_false(label_word_valid("", 0));
        assert_false(label_word_valid("-a", 2));
        assert_false(label_word_valid(".a", 2));
        assert_false(label_word_valid("_a", 2));
        assert_false(label_word_valid("a b", 3));
        assert_false(label_word_valid("a/b", 3));
        char w[65];
        memset(w, 'a', 64);
        w[64] = '\0';
        assert_true(label_word_valid(w, 63));
        assert_false(label_word_valid(w, 64));
}

/* labels_cover(have, need): every item of need is a whole item of have. The expected
 * values are the contract's (labels.h), not the implementation's output. */
static void test_labels_cover(void **state)
{
        (void)state;
        static const struct {
                const char *have, *need;
                bool want;
        } t[] = {
                {"", "", true},                            /* empty need: always */
                {NULL, NULL, true},
                {NULL, "", true},
                {"gpu", NULL, true},
                {"gpu,zone=eu-1", "", true},
                {"", "gpu", false},                        /* empty have: nothing */
                {NULL, "gpu", false},
                {"gpu", "gpu", true},                      /* equal */
                {"gpu,zone=eu-1", "gpu,zone=eu-1", true},
                {"arch=x86_64,gpu,zone=eu-1", "gpu", true}, /* need a subset of have */
                {"arch=x86_64,gpu,zone=eu-1", "arch=x86_64,zone=eu-1", true},
                {"gpu", "gpu,zone=eu-1", false},           /* need a superset of have */
                {"zone=eu-1", "zone=eu", false},           /* a prefix is not the value */
                {"zone=eu", "zone=eu-1", false},
                {"gpu=yes", "gpu", false},                 /* a name is not name=value */
                {"gpu", "gpu=yes", false},
                {"gpus", "gpu", false},                    /* nor a longer name */
                {"agpu", "gpu", false},
                {"zone=eu-2", "zone=eu-1", false},         /* another value */
                {"a,b,c", "c,a", true},                    /* order does not matter */
                {"c,b,a", "a,c", true},
                {"a,b,c", "c,d", false},
        };
        for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++)
                if (labels_cover(t[i].have, t[i].need) != t[i].want)
                        fail_msg("labels_cover(\"%s\", \"%s\"): got %s, want %s",
                                 t[i].have ? t[i].have : "(null)",
                                 t[i].need ? t[i].need : "(null)", t[i].want ? "false" : "true",
                                 t[i].want ? "true" : "false");
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_labels_accepted),
                cmocka_unit_test(test_labels_refused),
                cmocka_unit_test(test_label_word),
                cmocka_unit_test(test_labels_cover),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
