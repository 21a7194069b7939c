/* malloc_count.c: counts the calls to malloc, calloc and realloc of the program it is in.
 * Two uses:
 * - an LD_PRELOAD library for the SDK benchmark (bench/sdk/run.sh), built with
 *   -DMALLOC_COUNT_REPORT: prints, at exit, one line on stderr: "malloc_count: CALLS";
 * - linked into a benchmark (bench_sdk_memory), which reads malloc_count() before and
 *   after the part it measures. The executable's malloc then stands for glibc's in every
 *   library it loads, as a preloaded one does.
 * It forwards to glibc's own allocator entry points (__libc_malloc, ...), so nothing else
 * changes. The benchmark divides the count by the items to check that nothing is
 * allocated per item. */
#include <stdatomic.h>
#include <stddef.h>
#include <stdio.h>

void *__libc_malloc(size_t n);
void *__libc_calloc(size_t n, size_t size);
void *__libc_realloc(void *p, size_t n);

/* The calls so far (malloc, calloc, realloc). */
unsigned long malloc_count(void);

static atomic_ulong calls;

void *malloc(size_t n)
{
        atomic_fetch_add_explicit(&calls, 1, memory_order_relaxed);
        return __libc_malloc(n);
}

void *calloc(size_t n, size_t size)
{
        atomic_fetch_add_explicit(&calls, 1, memory_order_relaxed);
        return __libc_calloc(n, size);
}

void *realloc(void *p, size_t n)
{
        atomic_fetch_add_explicit(&calls, 1, memory_order_relaxed);
        return __libc_realloc(p, n);
}

unsigned long malloc_count(void)
{
        return atomic_load(&calls);
}

#ifdef MALLOC_COUNT_REPORT
__attribute__((destructor)) static void report(void)
{
        fprintf(stderr, "malloc_count: %lu\n", atomic_load(&calls));
}
#endif
