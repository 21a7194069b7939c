/* lease.c: the timing rules of the planner lease (see lease.h). */
#include "core/lease.h"

int64_t lease_margin_ms(int ttl_s)
{
        return 1000 + (int64_t)ttl_s * 100;
}

int64_t lease_valid_until_ms(int64_t renew_start_ms, int ttl_s)
{
        return renew_start_ms + (int64_t)ttl_s * 1000 - lease_margin_ms(ttl_s);
}

int64_t lease_interval_ms(int ttl_s)
{
        return (int64_t)ttl_s * 1000 / 3;
}

bool lease_holds(int64_t valid_until_ms, int64_t now_ms)
{
        return valid_until_ms > 0 && now_ms < valid_until_ms;
}
