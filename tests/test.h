/* test.h: shared includes for cmocka unit tests. */
#ifndef BATCH_TESTS_TEST_H
#define BATCH_TESTS_TEST_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#endif
