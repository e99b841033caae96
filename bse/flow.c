/* bse/flow.c - the standard exchange-mode order flow (bse/flow.h): generation through
 * a scratch engine, the replay loop the benchmarks time, and the flow file.
 * Invariant while generating: live.ids[0..n) are exactly the orders resting in the
 * scratch book, and live.pos maps each of them back to its index (-1 otherwise). */
#include "bse/flow.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "common/buf.h"

typedef struct flow_rng {
    uint64_t s;
} flow_rng;

static uint64_t flow_next(flow_rng *r) /* splitmix64 */
{
    uint64_t z = (r->s += 0x9e3779b97f4a7c15u);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9u;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebu;
    return z ^ (z >> 31);
}

static uint64_t flow_below(flow_rng *r, uint64_t n)
{
    return flow_next(r) % n;
}

/* The resting set while the flow is generated: ids with their place in a dense
 * array (for a uniform pick and O(1) removal). */
typedef struct flow_live {
    const bse_match *m;
    uint64_t *ids;
    int64_t *pos; /* id -> index in ids, or -1 */
    size_t n;
} flow_live;

static void flow_live_del(flow_live *l, uint64_t id)
{
    int64_t i = l->pos[id];
    if (i < 0)
        return;
    uint64_t last = l->ids[--l->n];
    l->ids[i] = last;
    l->pos[last] = i;
    l->pos[id] = -1;
}

static void flow_live_event(void *user, const bse_match_event *ev)
{
    flow_live *l = user;
    bse_match_info in;
    switch (ev->kind) {
    case BSE_MATCH_EV_REST:
        l->pos[ev->taker_id] = (int64_t)l->n;
        l->ids[l->n++] = ev->taker_id;
        break;
    case BSE_MATCH_EV_FILL: /* the book already shows the fill */
        if (!bse_match_get(l->m, ev->maker_id, &in))
            flow_live_del(l, ev->maker_id);
        break;
    case BSE_MATCH_EV_STP_CANCEL:
        flow_live_del(l, ev->maker_id);
        break;
    case BSE_MATCH_EV_CANCEL:
        flow_live_del(l, ev->taker_id);
        break;
    default:
        break;
    }
}

bse_match_order bse_flow_order(const bse_flow_op *op)
{
    bse_match_order o = {.side = (bse_match_side)op->side,
                         .type = op->kind == BSE_FLOW_LIMIT ? BSE_MATCH_LIMIT : BSE_MATCH_MARKET,
                         .owner = op->owner,
                         .price = op->price,
                         .qty = op->qty};
    if (op->kind == BSE_FLOW_MARKET && op->side == BSE_MATCH_BUY)
        o.quote_cap = op->arg;
    return o;
}

bse_flow_status bse_flow_generate(bse_flow_op *ops, bse_flow_stats *st, size_t n, uint64_t seed)
{
    if (st)
        memset(st, 0, sizeof *st);
    flow_rng g = {seed};
    bse_match m;
    flow_live l = {.m = &m, .ids = malloc(sizeof(uint64_t) * (n + 1)), .pos = malloc(sizeof(int64_t) * (n + 2))};
    if (!l.ids || !l.pos || bse_match_init(&m, 1) != BSE_MATCH_OK) {
        free(l.ids);
        free(l.pos);
        return BSE_FLOW_ENOMEM;
    }
    for (size_t i = 0; i < n + 2; i++)
        l.pos[i] = -1;
    int64_t mid = 100000;
    double sum = 0, sum_levels = 0;
    bse_flow_status rc = BSE_FLOW_OK;
    for (size_t i = 0; i < n && rc == BSE_FLOW_OK; i++) {
        bse_flow_op *op = &ops[i];
        uint64_t r = flow_below(&g, 100);
        *op = (bse_flow_op){.kind = r < 60 ? BSE_FLOW_LIMIT : r < 70 ? BSE_FLOW_MARKET : BSE_FLOW_CANCEL,
                            .side = (uint8_t)flow_below(&g, 2),
                            .owner = (int32_t)flow_below(&g, 1000),
                            .qty = (int32_t)(1 + flow_below(&g, 100))};
        if (op->kind == BSE_FLOW_LIMIT) {
            int64_t off = 1 + (int64_t)flow_below(&g, 50); /* 1..50 ticks */
            int passive = flow_below(&g, 100) < 84;
            op->price = (op->side == BSE_MATCH_BUY) == passive ? mid - off : mid + off;
        } else if (op->kind == BSE_FLOW_MARKET && op->side == BSE_MATCH_BUY)
            op->arg = (int64_t)op->qty * mid;
        if (op->kind == BSE_FLOW_CANCEL) {
            op->arg = l.n ? (int64_t)l.ids[flow_below(&g, l.n)] : 0;
            (void)bse_match_cancel(&m, (uint64_t)op->arg, flow_live_event, &l, NULL);
        } else {
            bse_match_order o = bse_flow_order(op);
            if (bse_match_submit(&m, &o, flow_live_event, &l, NULL) != BSE_MATCH_OK)
                rc = BSE_FLOW_ENOMEM;
        }
        if (flow_below(&g, 8) == 0)
            mid += flow_below(&g, 2) ? 1 : -1;
        sum += (double)l.n;
        sum_levels += (double)(m.bids.nlevels + m.asks.nlevels);
    }
    if (st && rc == BSE_FLOW_OK && n > 0) {
        st->resting_mean = sum / (double)n;
        st->levels_mean = sum_levels / (double)n;
        st->resting_end = l.n;
    }
    bse_match_clear(&m);
    free(l.ids);
    free(l.pos);
    return rc;
}

static void flow_count_event(void *user, const bse_match_event *ev)
{
    bse_flow_count *c = user;
    if (ev->kind == BSE_MATCH_EV_FILL) {
        c->fills++;
        c->qty += ev->qty;
    }
}

bse_flow_status bse_flow_replay(bse_match *m, bse_flow_count *c, const bse_flow_op *ops, size_t n)
{
    *c = (bse_flow_count){0};
    int failed = 0;
    for (size_t i = 0; i < n; i++) {
        const bse_flow_op *op = &ops[i];
        if (op->kind == BSE_FLOW_CANCEL) {
            (void)bse_match_cancel(m, (uint64_t)op->arg, flow_count_event, c, NULL);
        } else {
            bse_match_order o = bse_flow_order(op);
            failed |= bse_match_submit(m, &o, flow_count_event, c, NULL) != BSE_MATCH_OK;
        }
    }
    return failed ? BSE_FLOW_ENOMEM : BSE_FLOW_OK;
}

bse_flow_status bse_flow_write(common_error *err, const char *path, const bse_flow_op *ops, size_t n, uint64_t seed)
{
    common_error_clear(err);
    common_buf b = COMMON_BUF_INIT;
    if (common_buf_reserve(&b, 24 * n + 64) == 0)
        common_buf_printf(&b, "bse-flow 1 %llu %zu\n", (unsigned long long)seed, n);
    for (size_t i = 0; i < n && !b.oom; i++) {
        const bse_flow_op *op = &ops[i];
        char s = op->side == BSE_MATCH_BUY ? 'b' : 's';
        if (op->kind == BSE_FLOW_LIMIT)
            common_buf_printf(&b, "L %c %lld %d %d\n", s, (long long)op->price, (int)op->qty, (int)op->owner);
        else if (op->kind == BSE_FLOW_MARKET)
            common_buf_printf(&b, "M %c %d %d %lld\n", s, (int)op->qty, (int)op->owner, (long long)op->arg);
        else
            common_buf_printf(&b, "C %lld\n", (long long)op->arg);
    }
    if (b.oom) {
        common_buf_free(&b);
        common_error_set(err, BSE_FLOW_ENOMEM, path, "", "out of memory");
        return BSE_FLOW_ENOMEM;
    }
    if (common_buf_write_file(&b, path)) {
        int e = errno;
        common_buf_free(&b);
        common_error_set(err, BSE_FLOW_EIO, path, "", "cannot write the flow file: %s", strerror(e));
        return BSE_FLOW_EIO;
    }
    common_buf_free(&b);
    return BSE_FLOW_OK;
}
