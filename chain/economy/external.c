/* chain/economy/external.c - the "external" strategy (economy.md s7): an outside
 * program, started by the economy, that trades through JSON lines on its stdin
 * (hello, one observation per step, end) and stdout (one action per observation).
 *
 * The program never stops or corrupts the run:
 *  - it is started with posix_spawnp (no shell) on two pipes (ours close-on-exec,
 *    its other descriptors closed), its signal mask empty and SIGPIPE default;
 *    stderr is inherited;
 *  - every step has one deadline, timeout_ms after the step begins: writes are
 *    non-blocking and wait for POLLOUT, reads wait for POLLIN, never past it;
 *  - writes to a dead reader give EPIPE, never SIGPIPE: SIGPIPE is blocked for
 *    the writing thread around each write and a pending one is consumed
 *    (pthread_sigmask + sigtimedwait; no process-wide disposition changes);
 *  - a reply line is at most CHAIN_ECON_EXT_LINE_MAX bytes: a longer one is
 *    refused ("line too long") and skipped to its '\n';
 *  - stale replies are never applied. `owed` counts observations not yet
 *    answered; before an observation is written every line already there is
 *    discarded (a stale reply, or an extra line when none is owed), and while
 *    more than one answer is owed the first line to arrive answers an older
 *    observation and is discarded. A reply may also carry "step": N (the
 *    observation's tag): a tagged reply to an older step is always discarded;
 *  - end/destroy close its stdin, wait at most CHAIN_ECON_EXT_END_MS for it to
 *    exit, then SIGKILL it, and always reap it (waitpid on its own pid only).
 * Every refusal becomes a short reason in act->errors, which the economy logs
 * and echoes in the next observation ("errors").
 *
 * Time: the step timeout is a wall-clock limit by its nature (the monotonic
 * clock, used for nothing else); a run with external agents replays exactly only
 * when they are deterministic and answer in time.
 */
#define _GNU_SOURCE /* pipe2, posix_spawn_file_actions_addclosefrom_np, environ */

#include "chain/economy/external.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <math.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <spawn.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "chain/economy/obs_json.h"
#include "common/json.h"

#define CHAIN_ECON_EXT_END_MS 1000      /* grace for the program to exit after end */
#define EXT_TIMEOUT_DEFAULT 2000
#define EXT_TIMEOUT_MAX 600000
#define EXT_ARGS_MAX 256
#define EXT_DEPTH_MAX 16                /* a reply nests 4 levels; deeper is refused unparsed */
#define EXT_INT_MAX 9007199254740992.0  /* 2^53: the largest integer a JSON double holds exactly */

static const char *const PAIR_NAMES[CHAIN_EX_PAIRS] = {"BRAVO/ALPHA", "CHARLIE/ALPHA", "CHARLIE/BRAVO"};

/* ------------------------------------------------------------------ errors */

void chain_econ_ext_error(chain_econ_action *act, const char *fmt, ...)
{
    size_t i = act->n_errors;
    if (i >= CHAIN_ECON_MAX_ERRORS) {
        snprintf(act->errors[CHAIN_ECON_MAX_ERRORS - 1], CHAIN_EX_REASON_MAX, "further refusals not shown");
        return;
    }
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(act->errors[i], CHAIN_EX_REASON_MAX, fmt, ap);
    va_end(ap);
    act->n_errors = i + 1;
}

/* A name the agent sent, made safe to quote in a reason: printable ASCII, at most 20 bytes. */
static void quote_name(char out[24], const char *s)
{
    size_t i = 0;
    for (; s[i] && i < 20; i++)
        out[i] = (s[i] >= 0x20 && s[i] < 0x7f && s[i] != '"' && s[i] != '\\') ? s[i] : '?';
    if (s[i]) {
        out[i++] = '.';
        out[i++] = '.';
    }
    out[i] = '\0';
}

/* ------------------------------------------------------------------ encoder */

/* The JSON writers and the observation encoder are shared with the live protocol
 * (chain/economy/obs_json.h); these lines use its S7 style and no extra members. */

int chain_econ_ext_hello_json(common_buf *b, const chain_econ_hello *h)
{
    common_buf_printf(b, "{\"type\":\"hello\",\"agent\":%" PRIu32 ",\"pairs\":[", h->agent);
    for (unsigned p = 0; p < CHAIN_EX_PAIRS; p++) {
        if (p)
            common_buf_append(b, ",", 1);
        chain_econ_json_str(b, PAIR_NAMES[p], CHAIN_ECON_JSON_S7);
    }
    common_buf_printf(b, "],\"units_per_coin\":%d,\"tick\":%d,\"qty_step\":%d,\"step_s\":", CHAIN_EX_UNITS_PER_COIN,
                      CHAIN_EX_TICK_UNITS, CHAIN_EX_QTY_STEP);
    chain_econ_json_real(b, h->step_s, CHAIN_ECON_JSON_S7);
    common_buf_printf(b, ",\"seed\":%" PRIu64 "}\n", h->seed);
    return b->oom ? -1 : 0;
}

int chain_econ_ext_obs_json(common_buf *b, const chain_econ_obs *o, uint64_t step)
{
    return chain_econ_obs_json(b, o, step, NULL);
}

int chain_econ_ext_end_json(common_buf *b, double value)
{
    common_buf_append(b, "{\"type\":\"end\",\"value\":", 22);
    chain_econ_json_real(b, value, CHAIN_ECON_JSON_S7);
    common_buf_append(b, "}\n", 2);
    return b->oom ? -1 : 0;
}

/* ------------------------------------------------------------------ decoder */

enum { INT_OK = 0, INT_NOT_NUMBER, INT_NOT_INTEGER, INT_RANGE };

/* A JSON integer in [lo, hi] (|hi|, |lo| <= 2^53). */
static int get_int(const cJSON *v, double lo, double hi, int64_t *out)
{
    *out = 0;
    if (!cJSON_IsNumber(v))
        return INT_NOT_NUMBER;
    double d = v->valuedouble;
    if (!isfinite(d) || fabs(d) > EXT_INT_MAX)
        return INT_RANGE;
    if (d != floor(d))
        return INT_NOT_INTEGER;
    if (d < lo || d > hi)
        return INT_RANGE;
    *out = (int64_t)d;
    return INT_OK;
}

static const char *int_why(int rc)
{
    return rc == INT_NOT_NUMBER ? "not a number" : rc == INT_NOT_INTEGER ? "not an integer" : "out of range";
}

static void decode_order(chain_econ_action *act, const cJSON *o, size_t i)
{
    if (!cJSON_IsObject(o)) {
        chain_econ_ext_error(act, "orders[%zu]: not an object", i);
        return;
    }
    const cJSON *f[5] = {NULL, NULL, NULL, NULL, NULL};
    static const char *const KEYS[5] = {"pair", "side", "type", "price", "qty"};
    char q[24];
    for (const cJSON *c = o->child; c; c = c->next) {
        int k = 0;
        while (k < 5 && strcmp(c->string ? c->string : "", KEYS[k]) != 0)
            k++;
        quote_name(q, c->string ? c->string : "");
        if (k == 5) {
            chain_econ_ext_error(act, "orders[%zu].%s: unknown field; order refused", i, q);
            return;
        }
        if (f[k]) {
            chain_econ_ext_error(act, "orders[%zu].%s: given twice; order refused", i, q);
            return;
        }
        f[k] = c;
    }
    chain_econ_order_req r = {0};
    if (!f[0] || !cJSON_IsString(f[0])) {
        chain_econ_ext_error(act, "orders[%zu].pair: %s", i, f[0] ? "not a string" : "missing");
        return;
    }
    for (r.pair = 0; r.pair < CHAIN_EX_PAIRS && strcmp(f[0]->valuestring, PAIR_NAMES[r.pair]) != 0; r.pair++)
        ;
    if (r.pair == CHAIN_EX_PAIRS) {
        quote_name(q, f[0]->valuestring);
        chain_econ_ext_error(act, "orders[%zu].pair: unknown pair \"%s\"", i, q);
        return;
    }
    if (!f[1] || !cJSON_IsString(f[1])) {
        chain_econ_ext_error(act, "orders[%zu].side: %s", i, f[1] ? "not a string" : "missing");
        return;
    }
    if (strcmp(f[1]->valuestring, "buy") == 0)
        r.side = BSE_MATCH_BUY;
    else if (strcmp(f[1]->valuestring, "sell") == 0)
        r.side = BSE_MATCH_SELL;
    else {
        quote_name(q, f[1]->valuestring);
        chain_econ_ext_error(act, "orders[%zu].side: \"%s\" is not buy or sell", i, q);
        return;
    }
    if (!f[2] || !cJSON_IsString(f[2])) {
        chain_econ_ext_error(act, "orders[%zu].type: %s", i, f[2] ? "not a string" : "missing");
        return;
    }
    if (strcmp(f[2]->valuestring, "limit") == 0)
        r.type = BSE_MATCH_LIMIT;
    else if (strcmp(f[2]->valuestring, "market") == 0)
        r.type = BSE_MATCH_MARKET;
    else if (strcmp(f[2]->valuestring, "ioc") == 0)
        r.type = BSE_MATCH_IOC;
    else {
        quote_name(q, f[2]->valuestring);
        chain_econ_ext_error(act, "orders[%zu].type: \"%s\" is not limit, market or ioc", i, q);
        return;
    }
    int rc;
    if (r.type == BSE_MATCH_MARKET) {
        /* a market order has no price: absent, null or 0..max, and ignored */
        int64_t ignored;
        if (f[3] && !cJSON_IsNull(f[3]) && (rc = get_int(f[3], 0, CHAIN_EX_PRICE_MAX, &ignored)) != INT_OK) {
            chain_econ_ext_error(act, "orders[%zu].price: %s", i, int_why(rc));
            return;
        }
    } else {
        if (!f[3]) {
            chain_econ_ext_error(act, "orders[%zu].price: missing (a %s order needs one)", i, f[2]->valuestring);
            return;
        }
        if ((rc = get_int(f[3], 1, CHAIN_EX_PRICE_MAX, &r.price)) != INT_OK) {
            chain_econ_ext_error(act, "orders[%zu].price: %s (ticks, 1..%d)", i, int_why(rc), CHAIN_EX_PRICE_MAX);
            return;
        }
    }
    if (!f[4]) {
        chain_econ_ext_error(act, "orders[%zu].qty: missing", i);
        return;
    }
    if ((rc = get_int(f[4], -EXT_INT_MAX, (double)CHAIN_EX_QTY_MAX, &r.qty)) != INT_OK) {
        chain_econ_ext_error(act, "orders[%zu].qty: %s (base units, at most 2^50)", i, int_why(rc));
        return;
    }
    if (r.qty <= 0) {
        chain_econ_ext_error(act, "orders[%zu].qty: %" PRId64 " is not positive", i, r.qty);
        return;
    }
    if (r.qty % CHAIN_EX_QTY_STEP != 0) {
        chain_econ_ext_error(act, "orders[%zu].qty: %" PRId64 " is not a multiple of %d", i, r.qty, CHAIN_EX_QTY_STEP);
        return;
    }
    if (act->n_orders >= CHAIN_ECON_MAX_ORDERS) {
        chain_econ_ext_error(act, "orders[%zu]: more than %d orders; refused", i, CHAIN_ECON_MAX_ORDERS);
        return;
    }
    act->orders[act->n_orders++] = r;
}

int chain_econ_ext_decode(chain_econ_action *act, int64_t *step, const char *line, size_t len)
{
    *step = -1;
    if (memchr(line, '\0', len)) {
        chain_econ_ext_error(act, "reply: a NUL byte in the line; line refused");
        return -1;
    }
    if (common_json_too_deep(line, len, EXT_DEPTH_MAX)) {
        chain_econ_ext_error(act, "reply: nested deeper than %d; line refused", EXT_DEPTH_MAX);
        return -1;
    }
    char *s = malloc(len + 1);
    if (!s) {
        chain_econ_ext_error(act, "reply: out of memory; line refused");
        return -1;
    }
    memcpy(s, line, len);
    s[len] = '\0';
    const char *end = NULL;
    cJSON *root = cJSON_ParseWithLengthOpts(s, len + 1, &end, 0);
    if (!root) {
        chain_econ_ext_error(act, "reply: not JSON; line refused");
        free(s);
        return -1;
    }
    for (; end && *end; end++)
        if (*end != ' ' && *end != '\t' && *end != '\r' && *end != '\n')
            break;
    if (end && *end) {
        chain_econ_ext_error(act, "reply: bytes after the JSON value; line refused");
        cJSON_Delete(root);
        free(s);
        return -1;
    }
    free(s);
    if (!cJSON_IsObject(root)) {
        chain_econ_ext_error(act, "reply: not a JSON object; line refused");
        cJSON_Delete(root);
        return -1;
    }
    const cJSON *orders = NULL, *cancel = NULL, *tag = NULL;
    char q[24];
    for (const cJSON *c = root->child; c; c = c->next) {
        const char *k = c->string ? c->string : "";
        const cJSON **slot = strcmp(k, "orders") == 0   ? &orders
                             : strcmp(k, "cancel") == 0 ? &cancel
                             : strcmp(k, "step") == 0   ? &tag
                                                        : NULL;
        quote_name(q, k);
        if (!slot)
            chain_econ_ext_error(act, "reply.%s: unknown field; ignored", q);
        else if (*slot)
            chain_econ_ext_error(act, "reply.%s: given twice; the second ignored", q);
        else
            *slot = c;
    }
    int rc;
    if (tag) {
        int64_t v;
        if ((rc = get_int(tag, 0, EXT_INT_MAX, &v)) != INT_OK)
            chain_econ_ext_error(act, "step: %s; ignored", int_why(rc));
        else
            *step = v;
    }
    if (orders && !cJSON_IsNull(orders)) {
        if (!cJSON_IsArray(orders))
            chain_econ_ext_error(act, "orders: not an array; no orders taken");
        else {
            size_t i = 0;
            for (const cJSON *o = orders->child; o; o = o->next, i++)
                decode_order(act, o, i);
        }
    }
    if (cancel && !cJSON_IsNull(cancel)) {
        if (!cJSON_IsArray(cancel))
            chain_econ_ext_error(act, "cancel: not an array; no cancels taken");
        else {
            size_t i = 0;
            for (const cJSON *c = cancel->child; c; c = c->next, i++) {
                int64_t id;
                if ((rc = get_int(c, 1, EXT_INT_MAX, &id)) != INT_OK)
                    chain_econ_ext_error(act, "cancel[%zu]: %s (an order id)", i, int_why(rc));
                else if (act->n_cancels >= CHAIN_ECON_MAX_CANCELS)
                    chain_econ_ext_error(act, "cancel[%zu]: more than %d cancels; refused", i, CHAIN_ECON_MAX_CANCELS);
                else
                    act->cancels[act->n_cancels++] = (uint64_t)id;
            }
        }
    }
    cJSON_Delete(root);
    return 0;
}

/* ------------------------------------------------------------------ the process */

typedef struct ext_state {
    pid_t pid;            /* the program; 0 once reaped */
    int to_fd, from_fd;   /* our ends of its stdin and stdout; -1 when closed */
    int dead;             /* 1: exited, or closed its pipes; every step says so */
    char dead_why[64];
    int timeout_ms;
    uint64_t step;        /* observations sent (the last one's tag) */
    uint64_t owed;        /* observations not answered yet */
    common_buf out;       /* bytes to write (from out_off) */
    size_t out_off;
    char *in;             /* bytes read, not consumed: in[in_off..in_len) of in_cap */
    size_t in_cap;        /* grows from EXT_IN_START up to EXT_IN_CAP as long lines need */
    size_t in_off, in_len;
    int skipping;         /* inside a refused too-long line: drop bytes up to '\n' */
} ext_state;

#define EXT_IN_CAP (CHAIN_ECON_EXT_LINE_MAX + 1) /* the longest line and its '\n' */
#define EXT_IN_START ((size_t)1 << 16)

static int64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int left_ms(int64_t deadline)
{
    int64_t l = deadline - now_ms();
    return l < 0 ? 0 : l > INT32_MAX ? INT32_MAX : (int)l;
}

static void sleep_ms(int ms)
{
    struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) == -1 && errno == EINTR)
        ;
}

static void close_fd(int *fd)
{
    if (*fd >= 0)
        close(*fd);
    *fd = -1;
}

/* Reaps the program if it has exited (or waits up to wait_ms for it; then
 * SIGKILLs and reaps it when kill_after). Writes how it ended into why. */
static void reap(ext_state *s, int wait_ms, int kill_after, char *why, size_t cap)
{
    if (why && cap)
        why[0] = '\0';
    if (s->pid <= 0)
        return;
    int64_t deadline = now_ms() + wait_ms;
    int status = 0, killed = 0;
    for (;;) {
        pid_t r = waitpid(s->pid, &status, killed ? 0 : WNOHANG);
        if (r == s->pid)
            break;
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0) { /* ECHILD: reaped elsewhere (SIGCHLD ignored) */
            s->pid = 0;
            if (why)
                snprintf(why, cap, "gone");
            return;
        }
        if (now_ms() >= deadline) {
            if (!kill_after)
                return;
            kill(s->pid, SIGKILL);
            killed = 1;
            continue;
        }
        /* keep its stdout flowing while it finishes (a writer blocked on a full pipe never exits) */
        if (s->from_fd >= 0) {
            char junk[4096];
            struct pollfd p = {s->from_fd, POLLIN, 0};
            if (poll(&p, 1, 2) > 0 && read(s->from_fd, junk, sizeof junk) == 0)
                close_fd(&s->from_fd);
        } else
            sleep_ms(2);
    }
    s->pid = 0;
    if (!why)
        return;
    if (killed)
        snprintf(why, cap, "killed after %d ms", wait_ms);
    else if (WIFEXITED(status))
        snprintf(why, cap, "exit status %d", WEXITSTATUS(status));
    else if (WIFSIGNALED(status))
        snprintf(why, cap, "killed by signal %d", WTERMSIG(status));
    else
        snprintf(why, cap, "ended");
}

/* The program is gone (EOF on its stdout, EPIPE on its stdin): close, reap
 * (a short grace for its exit status, then SIGKILL), remember why. */
static void mark_dead(ext_state *s)
{
    if (s->dead)
        return;
    s->dead = 1;
    close_fd(&s->to_fd);
    char why[48];
    reap(s, 200, 1, why, sizeof why);
    snprintf(s->dead_why, sizeof s->dead_why, "%s", why[0] ? why : "gone");
    close_fd(&s->from_fd);
}

/* Writes s->out[out_off..) before the deadline. Returns 1 when all written,
 * 0 at the deadline (the rest stays queued), -1 when the reader is gone. */
static int flush_out(ext_state *s, int64_t deadline)
{
    if (s->to_fd < 0)
        return -1;
    sigset_t pipe_set, old, pend;
    sigemptyset(&pipe_set);
    sigaddset(&pipe_set, SIGPIPE);
    sigemptyset(&pend);
    sigpending(&pend);
    int was_pending = sigismember(&pend, SIGPIPE) == 1;
    pthread_sigmask(SIG_BLOCK, &pipe_set, &old);
    int rc = 1, broke = 0;
    while (s->out_off < s->out.len) {
        ssize_t n = write(s->to_fd, s->out.data + s->out_off, s->out.len - s->out_off);
        if (n > 0) {
            s->out_off += (size_t)n;
            continue;
        }
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && errno == EPIPE) {
            broke = 1;
            rc = -1;
            break;
        }
        if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK) {
            rc = -1;
            break;
        }
        int ms = left_ms(deadline);
        if (ms == 0) {
            rc = 0;
            break;
        }
        struct pollfd p = {s->to_fd, POLLOUT, 0};
        int pr = poll(&p, 1, ms);
        if (pr < 0 && errno != EINTR) {
            rc = -1;
            break;
        }
        if (pr > 0 && (p.revents & (POLLERR | POLLNVAL)) && !(p.revents & POLLOUT)) {
            broke = 1; /* the reader is gone: the next write would say EPIPE */
            rc = -1;
            break;
        }
    }
    if (broke && !was_pending) {
        /* consume the SIGPIPE this thread just raised, so unblocking does not deliver it */
        struct timespec zero = {0, 0};
        while (sigtimedwait(&pipe_set, NULL, &zero) == -1 && errno == EINTR)
            ;
    }
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    if (s->out_off == s->out.len) {
        common_buf_reset(&s->out);
        s->out_off = 0;
    }
    return rc;
}

enum { LINE_NONE = 0, LINE_OK, LINE_TOO_LONG, LINE_EOF };

/* The next complete line, reading until the deadline (wait: 0 = only what can
 * be read at once). Out: *line, *len (valid until the next call). */
static int next_line(ext_state *s, int64_t deadline, int wait, const char **line, size_t *len)
{
    for (;;) {
        /* a line already buffered */
        char *p = s->in + s->in_off;
        size_t have = s->in_len - s->in_off;
        char *nl = have ? memchr(p, '\n', have) : NULL;
        if (s->skipping) {
            s->in_off = s->in_len = 0;
            if (nl) {
                size_t rest = have - (size_t)(nl + 1 - p);
                memmove(s->in, nl + 1, rest);
                s->in_len = rest;
                s->skipping = 0;
                continue;
            }
        } else if (nl) {
            *line = p;
            *len = (size_t)(nl - p);
            s->in_off += *len + 1;
            return LINE_OK;
        } else if (have >= EXT_IN_CAP) {
            /* no '\n' within the limit: refuse the line now, drop the rest of it as it comes */
            s->in_off = s->in_len = 0;
            s->skipping = 1;
            return LINE_TOO_LONG;
        }
        if (s->in_off > 0) { /* make room: move the partial line to the front */
            memmove(s->in, s->in + s->in_off, have);
            s->in_off = 0;
            s->in_len = have;
        }
        if (s->from_fd < 0)
            return LINE_EOF;
        int ms = wait ? left_ms(deadline) : 0;
        struct pollfd pf = {s->from_fd, POLLIN, 0};
        int pr = poll(&pf, 1, ms);
        if (pr < 0 && errno == EINTR)
            continue;
        if (pr == 0)
            return LINE_NONE;
        if (s->in_len == s->in_cap) { /* a long line: grow (up to the limit) */
            size_t cap = s->in_cap * 2 < EXT_IN_CAP ? s->in_cap * 2 : EXT_IN_CAP;
            char *bigger = realloc(s->in, cap);
            if (!bigger) { /* no memory for it: refuse it as too long */
                s->in_off = s->in_len = 0;
                s->skipping = 1;
                return LINE_TOO_LONG;
            }
            s->in = bigger;
            s->in_cap = cap;
        }
        ssize_t n = read(s->from_fd, s->in + s->in_len, s->in_cap - s->in_len);
        if (n > 0) {
            s->in_len += (size_t)n;
            continue;
        }
        if (n < 0 && (errno == EINTR || errno == EAGAIN || errno == EWOULDBLOCK)) {
            if (wait && left_ms(deadline) == 0)
                return LINE_NONE;
            continue;
        }
        return LINE_EOF; /* end of file (its partial last line is dropped) or a read error */
    }
}

/* ------------------------------------------------------------------ the ops */

static void ext_destroy(void *state);

/* Reads params. Out: argv[0..argc) (pointing into params, NULL-terminated), *timeout.
 * Returns 0, or -1 with err naming the field. */
static int read_params(const char *argv[EXT_ARGS_MAX + 1], int *timeout_ms, const cJSON *params, common_error *err)
{
    argv[0] = NULL;
    *timeout_ms = EXT_TIMEOUT_DEFAULT;
    if (!params)
        return common_error_set(err, 2, NULL, "params.command", "required (the program and its arguments)"), -1;
    if (!cJSON_IsObject(params))
        return common_error_set(err, 2, NULL, "params", "not an object"), -1;
    const cJSON *cmd = NULL, *tmo = NULL;
    for (const cJSON *c = params->child; c; c = c->next) {
        const char *k = c->string ? c->string : "";
        char field[64];
        snprintf(field, sizeof field, "params.%s", k);
        const cJSON **slot = strcmp(k, "command") == 0 ? &cmd : strcmp(k, "timeout_ms") == 0 ? &tmo : NULL;
        if (!slot)
            return common_error_set(err, 2, NULL, field, "unknown field (the external strategy takes command, timeout_ms)"), -1;
        if (*slot)
            return common_error_set(err, 2, NULL, field, "given twice"), -1;
        *slot = c;
    }
    if (!cmd)
        return common_error_set(err, 2, NULL, "params.command", "required (the program and its arguments)"), -1;
    int argc = cJSON_GetArraySize(cmd);
    if (!cJSON_IsArray(cmd) || argc < 1 || argc > EXT_ARGS_MAX)
        return common_error_set(err, 2, NULL, "params.command",
                                "not an array of 1..%d strings (the program, then its arguments; no shell)",
                                EXT_ARGS_MAX),
               -1;
    int i = 0;
    for (const cJSON *a = cmd->child; a; a = a->next, i++) {
        if (!cJSON_IsString(a) || (i == 0 && a->valuestring[0] == '\0')) {
            char field[40];
            snprintf(field, sizeof field, "params.command[%d]", i);
            return common_error_set(err, 2, NULL, field, i ? "not a string" : "not a program name"), -1;
        }
        argv[i] = a->valuestring;
    }
    argv[i] = NULL;
    if (tmo) {
        int64_t v;
        if (get_int(tmo, 1, EXT_TIMEOUT_MAX, &v) != INT_OK)
            return common_error_set(err, 2, NULL, "params.timeout_ms", "not an integer in 1..%d (milliseconds)",
                                    EXT_TIMEOUT_MAX),
                   -1;
        *timeout_ms = (int)v;
    }
    return 0;
}

int chain_econ_ext_check_params(const cJSON *params, common_error *err)
{
    const char *argv[EXT_ARGS_MAX + 1];
    int timeout;
    return read_params(argv, &timeout, params, err);
}

static int ext_init(void **state, const cJSON *params, const chain_econ_hello *hello, common_error *err)
{
    *state = NULL;
    const char *argv[EXT_ARGS_MAX + 1];
    int timeout;
    if (read_params(argv, &timeout, params, err))
        return -1;

    ext_state *s = calloc(1, sizeof *s);
    if (!s || !(s->in = malloc(EXT_IN_START))) {
        free(s);
        return common_error_set(err, 1, NULL, "params.command", "out of memory"), -1;
    }
    s->in_cap = EXT_IN_START;
    s->to_fd = s->from_fd = -1;
    s->timeout_ms = timeout;

    int in_pipe[2] = {-1, -1}, out_pipe[2] = {-1, -1};
    if (pipe2(in_pipe, O_CLOEXEC) != 0 || pipe2(out_pipe, O_CLOEXEC) != 0) {
        int e = errno;
        close_fd(&in_pipe[0]);
        close_fd(&in_pipe[1]);
        ext_destroy(s);
        return common_error_set(err, 1, NULL, "params.command", "cannot make pipes: %s", strerror(e)), -1;
    }
    posix_spawn_file_actions_t fa;
    posix_spawnattr_t at;
    posix_spawn_file_actions_init(&fa);
    posix_spawnattr_init(&at);
    posix_spawn_file_actions_adddup2(&fa, in_pipe[0], 0);
    posix_spawn_file_actions_adddup2(&fa, out_pipe[1], 1);
    posix_spawn_file_actions_addclosefrom_np(&fa, 3);
    sigset_t none, dfl;
    sigemptyset(&none);
    sigemptyset(&dfl);
    sigaddset(&dfl, SIGPIPE);
    sigaddset(&dfl, SIGINT);
    sigaddset(&dfl, SIGTERM);
    sigaddset(&dfl, SIGHUP);
    sigaddset(&dfl, SIGCHLD);
    posix_spawnattr_setsigmask(&at, &none);
    posix_spawnattr_setsigdefault(&at, &dfl);
    posix_spawnattr_setflags(&at, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
    pid_t pid = 0;
    int rc = posix_spawnp(&pid, argv[0], &fa, &at, (char *const *)argv, environ);
    posix_spawn_file_actions_destroy(&fa);
    posix_spawnattr_destroy(&at);
    close(in_pipe[0]);
    close(out_pipe[1]);
    s->to_fd = in_pipe[1];
    s->from_fd = out_pipe[0];
    if (rc != 0) {
        char q[24];
        quote_name(q, argv[0]);
        ext_destroy(s);
        return common_error_set(err, 2, NULL, "params.command", "cannot start \"%s\": %s", q, strerror(rc)), -1;
    }
    s->pid = pid;
    fcntl(s->to_fd, F_SETFL, fcntl(s->to_fd, F_GETFL) | O_NONBLOCK);
    fcntl(s->from_fd, F_SETFL, fcntl(s->from_fd, F_GETFL) | O_NONBLOCK);

    if (chain_econ_ext_hello_json(&s->out, hello) != 0) {
        ext_destroy(s);
        return common_error_set(err, 1, NULL, "params.command", "out of memory"), -1;
    }
    /* A program that dies at once is found dead by the first step ("agent exited"). */
    if (flush_out(s, now_ms() + s->timeout_ms) < 0)
        mark_dead(s);
    *state = s;
    return 0;
}

static void ext_step(void *state, const chain_econ_obs *obs, chain_econ_rng *rng, chain_econ_action *act)
{
    ext_state *s = state;
    (void)rng;
    if (s->dead) {
        chain_econ_ext_error(act, "agent exited (%s); no action", s->dead_why);
        return;
    }
    int64_t deadline = now_ms() + s->timeout_ms;
    const char *line;
    size_t len;
    int64_t tag;
    chain_econ_action scratch;

    /* 1. whatever is already there answers older observations (stale) or nothing (extra) */
    int r, extra = 0;
    while ((r = next_line(s, deadline, 0, &line, &len)) == LINE_OK || r == LINE_TOO_LONG) {
        if (s->owed > 0)
            s->owed--;
        else
            extra++;
        if (left_ms(deadline) == 0)
            break;
    }
    if (extra)
        chain_econ_ext_error(act, "reply: %d line(s) nobody asked for; ignored", extra);
    if (r == LINE_EOF) {
        mark_dead(s);
        chain_econ_ext_error(act, "agent exited (%s); no action", s->dead_why);
        return;
    }

    /* 2. the observation (after what an earlier timeout left unwritten) */
    uint64_t step = s->step + 1;
    if (s->out.len > 0) {
        int w = flush_out(s, deadline);
        if (w < 0) {
            mark_dead(s);
            chain_econ_ext_error(act, "agent exited (%s); no action", s->dead_why);
            return;
        }
        if (w == 0) {
            chain_econ_ext_error(act, "late reply: agent not reading its input; step %" PRIu64 " not sent", step);
            return;
        }
    }
    if (chain_econ_ext_obs_json(&s->out, obs, step) != 0) {
        common_buf_reset(&s->out);
        s->out.oom = 0;
        chain_econ_ext_error(act, "observation: out of memory; step %" PRIu64 " not sent", step);
        return;
    }
    s->step = step;
    s->owed++;
    int w = flush_out(s, deadline);
    if (w < 0) {
        mark_dead(s);
        chain_econ_ext_error(act, "agent exited (%s); no action", s->dead_why);
        return;
    }
    if (w == 0) { /* the rest goes out first next step */
        chain_econ_ext_error(act, "late reply: agent not reading its input; step %" PRIu64 " partly sent", step);
        return;
    }

    /* 3. its reply: the first line while one answer is owed (older ones are stale) */
    for (;;) {
        r = next_line(s, deadline, 1, &line, &len);
        if (r == LINE_NONE) {
            chain_econ_ext_error(act, "late reply: no answer to step %" PRIu64 " within %d ms", step, s->timeout_ms);
            return;
        }
        if (r == LINE_EOF) {
            mark_dead(s);
            chain_econ_ext_error(act, "agent exited (%s); no action", s->dead_why);
            return;
        }
        if (r == LINE_TOO_LONG) {
            if (s->owed > 1) {
                s->owed--;
                continue;
            }
            s->owed = 0;
            chain_econ_ext_error(act, "reply: line too long (over %zu bytes); skipped", CHAIN_ECON_EXT_LINE_MAX);
            return;
        }
        memset(&scratch, 0, sizeof scratch);
        int ok = chain_econ_ext_decode(&scratch, &tag, line, len);
        if (ok == 0 && tag >= 0 && (uint64_t)tag < step) { /* a tagged answer to an older step */
            if (s->owed > 1)
                s->owed--;
            continue;
        }
        if (tag < 0 && s->owed > 1) { /* answers an older observation */
            s->owed--;
            continue;
        }
        s->owed = 0;
        if (tag >= 0 && (uint64_t)tag > step) {
            chain_econ_ext_error(act, "step: %" PRId64 " is not the current step %" PRIu64 "; reply refused", tag,
                                 step);
            return;
        }
        for (size_t i = 0; i < scratch.n_errors; i++)
            chain_econ_ext_error(act, "%s", scratch.errors[i]);
        memcpy(act->orders, scratch.orders, scratch.n_orders * sizeof scratch.orders[0]);
        act->n_orders = scratch.n_orders;
        memcpy(act->cancels, scratch.cancels, scratch.n_cancels * sizeof scratch.cancels[0]);
        act->n_cancels = scratch.n_cancels;
        return;
    }
}

static void ext_end(void *state, double value)
{
    ext_state *s = state;
    if (!s || s->pid <= 0) {
        if (s)
            close_fd(&s->to_fd);
        return;
    }
    int64_t deadline = now_ms() + (s->timeout_ms < CHAIN_ECON_EXT_END_MS ? s->timeout_ms : CHAIN_ECON_EXT_END_MS);
    if (!s->dead && s->out.len == 0 && chain_econ_ext_end_json(&s->out, value) == 0)
        flush_out(s, deadline);
    close_fd(&s->to_fd);
    reap(s, CHAIN_ECON_EXT_END_MS, 1, NULL, 0);
    close_fd(&s->from_fd);
    s->dead = 1;
    if (!s->dead_why[0])
        snprintf(s->dead_why, sizeof s->dead_why, "ended");
}

static void ext_destroy(void *state)
{
    ext_state *s = state;
    if (!s)
        return;
    close_fd(&s->to_fd);
    if (s->pid > 0) { /* end was not called: no grace */
        kill(s->pid, SIGKILL);
        reap(s, 0, 1, NULL, 0);
    }
    close_fd(&s->from_fd);
    common_buf_free(&s->out);
    free(s->in);
    free(s);
}

const chain_econ_trader_ops chain_econ_trader_external = {
    .name = "external",
    .init = ext_init,
    .step = ext_step,
    .end = ext_end,
    .destroy = ext_destroy,
};
