/* lifecycle.c: state names and the legal-transition table (see docs/states.md for
 * the reason behind every edge). */
#include "lifecycle.h"

#include <stddef.h>
#include <stdint.h>

static const char *const names[STATE_X_MAX] = {
        "Init",           "Dependency Wait", "Starting", "Start Failed", "Running",
        "Success",        "Failed",          "Timeout Failed", "Timeout Skip", "Canceled",
        "Stopping",       "Stop Failed",     "Manual Success",
};

#define B(s) (1u << (s))

/* allowed[from]: bit set of the states `from` may move to. */
static const uint16_t allowed[STATE_X_MAX] = {
        [STATE_INIT] = B(STATE_DEPENDENCY_WAIT) | B(STATE_STARTING) | B(STATE_TIMEOUT_SKIP) |
                       B(STATE_CANCELED) | B(STATE_MANUAL_SUCCESS),
        [STATE_DEPENDENCY_WAIT] = B(STATE_STARTING) | B(STATE_TIMEOUT_SKIP) | B(STATE_CANCELED) |
                                  B(STATE_MANUAL_SUCCESS),
        [STATE_STARTING] = B(STATE_START_FAILED) | B(STATE_RUNNING) | B(STATE_STOPPING),
        [STATE_START_FAILED] = B(STATE_INIT) | B(STATE_MANUAL_SUCCESS),
        [STATE_RUNNING] = B(STATE_SUCCESS) | B(STATE_FAILED) | B(STATE_STOPPING),
        [STATE_SUCCESS] = B(STATE_INIT),
        [STATE_FAILED] = B(STATE_INIT) | B(STATE_MANUAL_SUCCESS),
        [STATE_TIMEOUT_FAILED] = B(STATE_INIT) | B(STATE_MANUAL_SUCCESS),
        [STATE_TIMEOUT_SKIP] = B(STATE_INIT) | B(STATE_MANUAL_SUCCESS),
        [STATE_CANCELED] = B(STATE_INIT) | B(STATE_MANUAL_SUCCESS),
        [STATE_STOPPING] = B(STATE_SUCCESS) | B(STATE_FAILED) | B(STATE_TIMEOUT_FAILED) |
                           B(STATE_CANCELED) | B(STATE_STOP_FAILED),
        [STATE_STOP_FAILED] = B(STATE_STOPPING) | B(STATE_SUCCESS) | B(STATE_FAILED) |
                              B(STATE_TIMEOUT_FAILED) | B(STATE_CANCELED) |
                              B(STATE_MANUAL_SUCCESS),
        [STATE_MANUAL_SUCCESS] = 0,
};

static bool valid(int s)
{
        return s >= 0 && s < STATE_X_MAX;
}

const char *state_name(int s)
{
        return valid(s) ? names[s] : NULL;
}

static char fold(char c)
{
        if (c >= 'A' && c <= 'Z')
                return (char)(c - 'A' + 'a');
        if (c == '_' || c == '-')
                return ' ';
        return c;
}

int state_parse(const char *text)
{
        if (!text || !*text)
                return STATE_X_INVALID;
        if (text[0] >= '0' && text[0] <= '9') {
                int v = 0;
                for (const char *p = text; *p; p++) {
                        if (*p < '0' || *p > '9' || p - text > 2)
                                return STATE_X_INVALID;
                        v = v * 10 + (*p - '0');
                }
                return valid(v) ? v : STATE_X_INVALID;
        }
        for (int s = 0; s < STATE_X_MAX; s++) {
                const char *a = text, *b = names[s];
                while (*a && *b && fold(*a) == fold(*b))
                        a++, b++;
                if (!*a && !*b)
                        return s;
        }
        return STATE_X_INVALID;
}

bool state_is_final(int s)
{
        return s == STATE_START_FAILED || s == STATE_SUCCESS || s == STATE_FAILED ||
               s == STATE_TIMEOUT_FAILED || s == STATE_TIMEOUT_SKIP || s == STATE_CANCELED ||
               s == STATE_MANUAL_SUCCESS;
}

bool state_is_success(int s)
{
        return s == STATE_SUCCESS || s == STATE_MANUAL_SUCCESS;
}

bool state_transition_ok(int from, int to)
{
        return valid(from) && valid(to) && (allowed[from] >> to & 1);
}
