/* depgraph.h: cycle detection in the job dependency graph (DESIGN.md §2.3: a
 * dependency cycle is refused when the definition is saved, naming the cycle). */
#ifndef BATCH_CORE_DEPGRAPH_H
#define BATCH_CORE_DEPGRAPH_H

#include <stddef.h>

/* The graph has nodes 0..n-1; edges[i] lists the parents of node i (nedges[i] of
 * them, each < n). Finds one cycle: returns its length k >= 1 and writes the nodes
 * of the cycle into cycle[0..k-1] in dependency order (each node depends on the
 * next, the last on the first); `cycle` must hold n entries. Returns 0 when the
 * graph has no cycle, BATCH_ENOMEM when out of memory. Iterative: no recursion
 * depth limit. Cycles are searched from the lowest node number, so the answer is
 * deterministic. */
int depgraph_find_cycle(size_t n, const size_t *const *edges, const size_t *nedges,
                        size_t *cycle);

#endif
