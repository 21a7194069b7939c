/* depgraph.c: iterative depth-first search with three colours; a grey node met
 * again closes a cycle, which is read back from the explicit stack. */
#include "depgraph.h"

#include <stdlib.h>

#include "common/err.h"

enum { WHITE, GREY, BLACK };

int depgraph_find_cycle(size_t n, const size_t *const *edges, const size_t *nedges,
                        size_t *cycle)
{
        if (n == 0)
                return 0;
        unsigned char *colour = calloc(n, 1);
        size_t *stack = malloc(n * sizeof(*stack)); /* nodes on the current path */
        size_t *next = malloc(n * sizeof(*next));   /* next edge to follow per node */
        if (!colour || !stack || !next) {
                free(colour), free(stack), free(next);
                return BATCH_ENOMEM;
        }
        int found = 0;
        for (size_t root = 0; root < n && !found; root++) {
                if (colour[root] != WHITE)
                        continue;
                size_t top = 0;
                stack[top++] = root;
                colour[root] = GREY;
                next[root] = 0;
                while (top && !found) {
                        size_t v = stack[top - 1];
                        if (next[v] == nedges[v]) {
                                colour[v] = BLACK;
                                top--;
                                continue;
                        }
                        size_t w = edges[v][next[v]++];
                        if (colour[w] == WHITE) {
                                colour[w] = GREY;
                                next[w] = 0;
                                stack[top++] = w;
                        } else if (colour[w] == GREY) {
                                size_t start = top;
                                while (stack[start - 1] != w)
                                        start--;
                                start--;
                                for (size_t i = start; i < top; i++)
                                        cycle[i - start] = stack[i];
                                found = (int)(top - start);
                        }
                }
        }
        free(colour), free(stack), free(next);
        return found;
}
