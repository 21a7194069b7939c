/* malloc_count.c: an LD_PRELOAD library for the SDK benchmark (bench/sdk/run.sh) that
 * counts the calls to malloc, calloc and realloc of the program it is loaded into and
 * prints, at exit, one line on stderr: "malloc_count: CALLS". It forwards to glibc's own
 * allocator entry points (__libc_malloc, ...), so nothing else changes. The benchmark
 * divides the count by the items to check that nothing is allocated per item. */
#include <stdatomic.h>
#include <stddef.h>
#include <stdio.h>

void *__libc_malloc(size_t n);
void *__libc_calloc(size_t n, size_t size);
void *__libc_realloc(void *p, size_t n);

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

__attribute__((destructor)) static void report(void)
{
        fprintf(stderr, "malloc_count: %lu\n", atomic_load(&calls));
}
