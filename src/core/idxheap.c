/* idxheap.c: an indexed binary min-heap (see idxheap.h). */
#include "core/idxheap.h"

#include <stdlib.h>
#include <string.h>

#include "common/err.h"

int idxheap_init(struct idxheap *h, size_t cap)
{
        *h = (struct idxheap){0};
        size_t c = cap ? cap : 1;
        h->nodes = malloc(c * sizeof(*h->nodes));
        h->pos = malloc(c * sizeof(*h->pos));
        if (!h->nodes || !h->pos) {
                idxheap_release(h);
                return BATCH_ENOMEM;
        }
        for (size_t i = 0; i < c; i++)
                h->pos[i] = SIZE_MAX;
        h->cap = cap;
        return 0;
}

int idxheap_copy(struct idxheap *dst, const struct idxheap *src)
{
        int rc = idxheap_init(dst, src->cap);
        if (rc < 0)
                return rc;
        size_t c = src->cap ? src->cap : 1;
        memcpy(dst->nodes, src->nodes, src->n * sizeof(*dst->nodes));
        memcpy(dst->pos, src->pos, c * sizeof(*dst->pos));
        dst->n = src->n;
        return 0;
}

void idxheap_release(struct idxheap *h)
{
        free(h->nodes);
        free(h->pos);
        *h = (struct idxheap){0};
}

static bool less(const struct idxheap_node *a, const struct idxheap_node *b)
{
        return a->key < b->key || (a->key == b->key && a->item < b->item);
}

/* Puts node x at index i and records where its item is. */
static void place(struct idxheap *h, size_t i, struct idxheap_node x)
{
        h->nodes[i] = x;
        h->pos[x.item] = i;
}

static void sift_up(struct idxheap *h, size_t i)
{
        struct idxheap_node x = h->nodes[i];
        while (i > 0 && less(&x, &h->nodes[(i - 1) / 2])) {
                place(h, i, h->nodes[(i - 1) / 2]);
                i = (i - 1) / 2;
        }
        place(h, i, x);
}

static void sift_down(struct idxheap *h, size_t i)
{
        struct idxheap_node x = h->nodes[i];
        for (;;) {
                size_t l = 2 * i + 1, m = l;
                if (l >= h->n)
                        break;
                if (l + 1 < h->n && less(&h->nodes[l + 1], &h->nodes[l]))
                        m = l + 1;
                if (!less(&h->nodes[m], &x))
                        break;
                place(h, i, h->nodes[m]);
                i = m;
        }
        place(h, i, x);
}

void idxheap_set(struct idxheap *h, size_t item, int64_t key)
{
        size_t i = h->pos[item];
        if (i == SIZE_MAX) {
                i = h->n++;
                place(h, i, (struct idxheap_node){key, item});
                sift_up(h, i);
                return;
        }
        int64_t old = h->nodes[i].key;
        h->nodes[i].key = key;
        if (key < old)
                sift_up(h, i);
        else if (key > old)
                sift_down(h, i);
}

void idxheap_remove(struct idxheap *h, size_t item)
{
        size_t i = h->pos[item];
        if (i == SIZE_MAX)
                return;
        h->pos[item] = SIZE_MAX;
        struct idxheap_node last = h->nodes[--h->n];
        if (i == h->n)
                return;
        place(h, i, last);
        if (i > 0 && less(&last, &h->nodes[(i - 1) / 2]))
                sift_up(h, i);
        else
                sift_down(h, i);
}

bool idxheap_contains(const struct idxheap *h, size_t item)
{
        return item < h->cap && h->pos[item] != SIZE_MAX;
}

const struct idxheap_node *idxheap_top(const struct idxheap *h)
{
        return h->n ? &h->nodes[0] : NULL;
}

bool idxheap_pop(struct idxheap *h, struct idxheap_node *ret)
{
        if (!h->n)
                return false;
        *ret = h->nodes[0];
        idxheap_remove(h, ret->item);
        return true;
}
