/* askq.c: items to act on now or at a time (see askq.h). */
#include "core/askq.h"

int askq_init(struct askq *q, size_t cap)
{
        *q = (struct askq){0};
        int rc = idxheap_init(&q->now, cap);
        if (rc == 0)
                rc = idxheap_init(&q->at, cap);
        if (rc < 0)
                askq_release(q);
        return rc;
}

void askq_release(struct askq *q)
{
        idxheap_release(&q->now);
        idxheap_release(&q->at);
}

void askq_now(struct askq *q, size_t item)
{
        idxheap_remove(&q->at, item);
        idxheap_set(&q->now, item, 0);
}

void askq_at(struct askq *q, size_t item, int64_t at)
{
        idxheap_remove(&q->now, item);
        idxheap_set(&q->at, item, at);
}

void askq_remove(struct askq *q, size_t item)
{
        idxheap_remove(&q->now, item);
        idxheap_remove(&q->at, item);
}

bool askq_take(struct askq *q, int64_t now, size_t *ret)
{
        struct idxheap_node x;
        if (idxheap_pop(&q->now, &x)) {
                *ret = x.item;
                return true;
        }
        const struct idxheap_node *top = idxheap_top(&q->at);
        if (!top || top->key > now)
                return false;
        idxheap_pop(&q->at, &x);
        *ret = x.item;
        return true;
}

int64_t askq_next_at(const struct askq *q)
{
        const struct idxheap_node *top = idxheap_top(&q->at);
        return top ? top->key : INT64_MAX;
}
