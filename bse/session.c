/* bse/session.c - BSE.py v1.91 market_session, populate_market, customer_orders,
 * trade_stats, dump_strats_frame and blotter_dump (see session.h).
 *
 * Main invariant: the generator is drawn from in exactly BSE's order: trader
 * constructors and shuffles, then per step the schedule draws, the trader pick,
 * getorder's draw and respond's draws in trader key order. */
#include "bse/session.h"

#include <assert.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bse/exchange.h"
#include "bse/fmt.h"
#include "bse/rng.h"
#include "bse/trader.h"

#include "bse/assumptions.h"

typedef struct pending_order {
    int32_t trader;
    int is_bid;
    int64_t price;
    double time;
} pending_order;

typedef struct run {
    const bse_case *c;
    bse_result *res;
    bse_error *err;
    bse_rng rng;
    bse_exchange *ex;
    bse_trader *traders;
    int32_t n, nb, ns, np;
    pending_order *pending;
    int32_t npending;
    double pending_min_time;
    int32_t *kills;
    int32_t nkills;
    double *issuetimes;
    int has_zip;
    bse_zip_market zm;
    int32_t *responders;   /* traders whose respond has observable effects, key order */
    int32_t nresponders;
    /* trade_stats: distinct types sorted by name, and each trader's type slot */
    int32_t ntypes;
    bse_ttype types[BSE_T_COUNT];
    int32_t type_count[BSE_T_COUNT];
    bse_buf lobstr, lastlob;
    int64_t *lobsnap;      /* last published (price, qty) pairs: bids then asks */
    int32_t snap_nb, snap_na, snap_cap;
    /* trade_stats cache: each type's "TYPE, sum, n, mean, " text for its last sum */
    int64_t seg_sum[BSE_T_COUNT];
    int seg_valid[BSE_T_COUNT];
    char seg[BSE_T_COUNT][96];
    size_t seg_len[BSE_T_COUNT];
    uint64_t lob_version_seen;
    int lob_published;
} run;

static bse_session_status fail(run *r, bse_session_status st, double time, const char *what)
{
    char field[64];
    snprintf(field, sizeof field, "t=%.4f", time);
    bse_error_set(r->err, st, r->c->case_id, field, "%s", what);
    return st;
}

/* ------------------------------------------------------------ customer orders */

static int zone_for(const bse_case *c, int sched, double t)
{
    for (int32_t z = 0; z < c->n_zones[sched]; z++)
        if (c->zones[sched][z].from <= t && t < c->zones[sched][z].to)
            return z;
    return -1;
}

/* customer_orders.getissuetimes (fit to interval and shuffle both on) */
static void issue_times(run *r, int32_t n)
{
    double interval = r->c->interval;
    double tstep = (n == 1) ? interval : interval / (double)(n - 1);
    double arr = 0;
    double *it = r->issuetimes;
    for (int32_t i = 0; i < n; i++) {
        switch (r->c->timemode) {
        case BSE_TIME_PERIODIC:
            arr = interval;
            break;
        case BSE_TIME_DRIP_FIXED:
            arr = (double)i * tstep;
            break;
        case BSE_TIME_DRIP_JITTER:
            arr = (double)i * tstep + tstep * bse_rng_random(&r->rng);
            break;
        case BSE_TIME_DRIP_POISSON:
            arr += bse_rng_expovariate(&r->rng, (double)n / interval);
            break;
        }
        it[i] = arr;
    }
    if (arr > interval || arr < interval)
        for (int32_t i = 0; i < n; i++)
            it[i] = interval * (it[i] / arr);
    for (int32_t k = 0; k < n; k++) {
        int32_t i = (n - 1) - k;
        int32_t j = (int32_t)bse_rng_randint(&r->rng, 0, i);
        double tmp = it[i];
        it[i] = it[j];
        it[j] = tmp;
    }
}

static double clipmin(double p) { return p < BSE_MINPRICE ? BSE_MINPRICE : p; }
static double clipmax(double p) { return p > BSE_MAXPRICE ? BSE_MAXPRICE : p; }

/* customer_orders.getorderprice (no offset functions). Returns 0, -1 on a BSE error. */
static int order_price(run *r, const bse_zone *z, int32_t i, int32_t n, int64_t *out, const char **why)
{
    const bse_range *r0 = &z->ranges[0];
    double pmin = clipmin(0.0 + (double)(r0->lo < r0->hi ? r0->lo : r0->hi));
    double pmax = clipmax(0.0 + (double)(r0->lo > r0->hi ? r0->lo : r0->hi));
    double prange = pmax - pmin;
    double stepsize = prange / (double)(n - 1);
    int64_t halfstep = (int64_t)rint(stepsize / 2.0);
    double price;
    switch (z->stepmode) {
    case BSE_STEP_FIXED:
        price = pmin + (double)(int64_t)((double)i * stepsize);
        break;
    case BSE_STEP_JITTERED:
        if (-halfstep > halfstep) {
            *why = "getorderprice: empty range for randrange() in jittered mode";
            return -1;
        }
        price = pmin + (double)(int64_t)((double)i * stepsize) + (double)bse_rng_randint(&r->rng, -halfstep, halfstep);
        break;
    default: { /* BSE_STEP_RANDOM */
        if (z->nranges > 1) {
            int64_t s = bse_rng_randint(&r->rng, 0, z->nranges - 1);
            const bse_range *rs = &z->ranges[s];
            pmin = clipmin((double)(rs->lo < rs->hi ? rs->lo : rs->hi));
            pmax = clipmax((double)(rs->lo > rs->hi ? rs->lo : rs->hi));
        }
        int64_t a = (int64_t)pmin, b = (int64_t)pmax;
        if (a > b) {
            *why = "getorderprice: empty range for randrange() in random mode";
            return -1;
        }
        price = (double)bse_rng_randint(&r->rng, a, b);
        break;
    }
    }
    price = clipmin(clipmax(price));
    *out = (int64_t)price;
    return 0;
}

/* customer_orders: generate a batch when nothing is pending, else issue what is due.
 * Fills r->kills with the traders whose last quote must be cancelled. */
static bse_session_status customer_orders(run *r, double time)
{
    const bse_case *c = r->c;
    r->nkills = 0;
    if (r->npending == 0) {
        const char *why = NULL;
        r->pending_min_time = INFINITY;
        for (int side = 0; side < 2; side++) { /* demand (buyers) first */
            int32_t n = side == 0 ? r->nb : r->ns;
            int sched = side == 0 ? BSE_SCHED_DEM : BSE_SCHED_SUP;
            issue_times(r, n);
            int z = zone_for(c, sched, time);
            if (z < 0)
                return fail(r, BSE_SESSION_EBSE, time, "time not within any timezone in order_schedule");
            for (int32_t t = 0; t < n; t++) {
                double it = time + r->issuetimes[t];
                int64_t p;
                if (order_price(r, &c->zones[sched][z], t, n, &p, &why))
                    return fail(r, BSE_SESSION_EBSE, time, why);
                pending_order *o = &r->pending[r->npending++];
                o->trader = side == 0 ? t : r->nb + t;
                o->is_bid = side == 0;
                o->price = p;
                o->time = it;
                if (it < r->pending_min_time)
                    r->pending_min_time = it;
            }
        }
        return BSE_SESSION_OK;
    }
    if (!(r->pending_min_time < time)) /* nothing due: BSE's scan would issue nothing */
        return BSE_SESSION_OK;
    int32_t keep = 0;
    double mint = INFINITY;
    for (int32_t i = 0; i < r->npending; i++) {
        pending_order o = r->pending[i];
        if (o.time < time) { /* Trader.add_order */
            bse_trader *t = &r->traders[o.trader];
            if (t->n_quotes > 0)
                r->kills[r->nkills++] = o.trader;
            t->has_order = 1;
            t->order_is_bid = o.is_bid;
            t->order_price = o.price;
            t->order_time = o.time;
            r->res->n_issued++;
        } else {
            r->pending[keep++] = o;
            if (o.time < mint)
                mint = o.time;
        }
    }
    r->npending = keep;
    r->pending_min_time = mint;
    return BSE_SESSION_OK;
}

/* ------------------------------------------------------------ outputs */

/* Appends x as printf "%.{prec}f" would (bse_fmt_fixed, exact and fast). */
static int buf_fixed(bse_buf *b, double x, int prec)
{
    char tmp[64];
    size_t n = bse_fmt_fixed(tmp, x, prec);
    return bse_buf_append(b, tmp, n);
}

static int buf_str(bse_buf *b, const char *s) { return bse_buf_append(b, s, strlen(s)); }

/* Exchange.publish_lob's LOB-frame part: write a frame when the string changed. */
static int publish_lob(run *r, double time)
{
    if (!r->c->dump_lobs)
        return 0;
    uint64_t v = r->ex->bids.version + r->ex->asks.version;
    if (r->lob_published && v == r->lob_version_seen)
        return 0;
    r->lob_version_seen = v;
    /* the string is a function of the two level arrays: compare those first */
    const bse_book_side *bs = &r->ex->bids, *as = &r->ex->asks;
    int same = r->lob_published && bs->nlevels == r->snap_nb && as->nlevels == r->snap_na;
    for (int32_t i = 0; same && i < bs->nlevels; i++)
        same = r->lobsnap[2 * i] == bs->levels[i].price && r->lobsnap[2 * i + 1] == bs->levels[i].qty;
    for (int32_t i = 0; same && i < as->nlevels; i++) {
        int32_t j = bs->nlevels + i;
        same = r->lobsnap[2 * j] == as->levels[i].price && r->lobsnap[2 * j + 1] == as->levels[i].qty;
    }
    if (same)
        return 0;
    if (bs->nlevels + as->nlevels > r->snap_cap) {
        int32_t ncap = 2 * (bs->nlevels + as->nlevels);
        int64_t *ns = realloc(r->lobsnap, sizeof *ns * 2 * (size_t)ncap);
        if (!ns)
            return -1;
        r->lobsnap = ns;
        r->snap_cap = ncap;
    }
    for (int32_t i = 0; i < bs->nlevels; i++) {
        r->lobsnap[2 * i] = bs->levels[i].price;
        r->lobsnap[2 * i + 1] = bs->levels[i].qty;
    }
    for (int32_t i = 0; i < as->nlevels; i++) {
        int32_t j = bs->nlevels + i;
        r->lobsnap[2 * j] = as->levels[i].price;
        r->lobsnap[2 * j + 1] = as->levels[i].qty;
    }
    r->snap_nb = bs->nlevels;
    r->snap_na = as->nlevels;
    bse_buf_reset(&r->lobstr);
    if (bse_exchange_lob_string(r->ex, &r->lobstr))
        return -1;
    r->lob_published = 1;
    bse_buf tmp = r->lastlob;
    r->lastlob = r->lobstr;
    r->lobstr = tmp;
    int rc = buf_fixed(&r->res->lob_frames, time, 3) | bse_buf_append(&r->res->lob_frames, ", ", 2);
    rc |= bse_buf_append(&r->res->lob_frames, r->lastlob.data, r->lastlob.len);
    rc |= bse_buf_append(&r->res->lob_frames, "\n", 1);
    return rc ? -1 : 0;
}

/* trade_stats: one avg-balance line into out. */
static int trade_stats(run *r, bse_buf *out, double time, int final)
{
    int64_t sums[BSE_T_COUNT] = {0};
    for (int32_t i = 0; i < r->n; i++)
        sums[r->traders[i].type] += r->traders[i].balance;
    char tbuf[32];
    snprintf(tbuf, sizeof tbuf, "%06lld, ", (long long)(int64_t)time);
    int rc = buf_str(out, r->c->case_id) | bse_buf_append(out, ", ", 2) | buf_str(out, tbuf);
    const bse_book_level *b = bse_book_best(&r->ex->bids), *a = bse_book_best(&r->ex->asks);
    if (b)
        rc |= bse_buf_int(out, b->price) | bse_buf_append(out, ", ", 2);
    else
        rc |= bse_buf_append(out, "None, ", 6);
    if (a)
        rc |= bse_buf_int(out, a->price) | bse_buf_append(out, ", ", 2);
    else
        rc |= bse_buf_append(out, "None, ", 6);
    for (int32_t k = 0; k < r->ntypes; k++) {
        bse_ttype ty = r->types[k];
        int32_t n = r->type_count[ty];
        double mean = (double)sums[ty] / (double)n;
        if (!r->seg_valid[ty] || r->seg_sum[ty] != sums[ty]) { /* format only what changed */
            char mtxt[64];
            bse_fmt_fixed(mtxt, mean, 6);
            int len = snprintf(r->seg[ty], sizeof r->seg[ty], "%s, %lld, %d, %s, ", bse_ttype_name(ty),
                               (long long)sums[ty], n, mtxt);
            if (len < 0 || (size_t)len >= sizeof r->seg[ty]) {
                r->seg_valid[ty] = 0;
                rc |= bse_buf_printf(out, "%s, %lld, %d, %f, ", bse_ttype_name(ty), (long long)sums[ty], n, mean);
                goto next_type;
            }
            r->seg_len[ty] = (size_t)len;
            r->seg_sum[ty] = sums[ty];
            r->seg_valid[ty] = 1;
        }
        rc |= bse_buf_append(out, r->seg[ty], r->seg_len[ty]);
    next_type:
        if (final) {
            bse_type_stat *ts = &r->res->types[k];
            snprintf(ts->name, sizeof ts->name, "%s", bse_ttype_name(ty));
            ts->balance_sum = sums[ty];
            ts->n = n;
            ts->mean = mean;
        }
    }
    if (final)
        r->res->n_types = r->ntypes;
    rc |= bse_buf_append(out, "\n", 1);
    return rc ? -1 : 0;
}

static int is_adaptive_reported(const bse_trader *t)
{
    return t->type == BSE_T_PRSH || t->type == BSE_T_PRDE || t->type == BSE_T_ZIPSH;
}

/* market_session.dump_strats_frame; best[] gets best_B / best_S when not NULL. */
static int strats_frame(run *r, bse_buf *out, double time, bse_strategy_record best[2])
{
    int rc = out ? bse_buf_printf(out, "t=,%.0f, ", time) : 0;
    int32_t bi[2] = {-1, -1};
    double bp[2] = {0, 0};
    bse_buf csv = BSE_BUF_INIT;
    for (int32_t i = 0; i < r->n; i++) {
        const bse_trader *t = &r->traders[i];
        if (!is_adaptive_reported(t))
            continue;
        double pps = 0;
        if (!bse_trader_active_strategy(t, &pps))
            continue; /* ZIPSH without an optimizer: BSE would fail reading strats[0] (rejected by validation) */
        if (out) {
            bse_buf_reset(&csv);
            rc |= bse_trader_strategy_csv(t, &csv);
            rc |= bse_buf_printf(out, "id=,%s, %s,actvstrat=,%s actvprof=,%f, ", t->tid, bse_ttype_name(t->type),
                                 csv.data ? csv.data : "", pps);
        }
        int side = t->tid[0] == 'B' ? 0 : 1;
        if (bi[side] < 0 || pps > bp[side]) {
            bi[side] = i;
            bp[side] = pps;
        }
    }
    for (int side = 0; side < 2; side++) {
        if (bi[side] < 0)
            continue;
        const bse_trader *t = &r->traders[bi[side]];
        bse_buf_reset(&csv);
        rc |= bse_trader_strategy_csv(t, &csv);
        if (out)
            rc |= bse_buf_printf(out, "best_%c_id=,%s, best_%c_prof=,%f, best_%c_strat=, %s", side ? 'S' : 'B', t->tid,
                                 side ? 'S' : 'B', bp[side], side ? 'S' : 'B', csv.data ? csv.data : "");
        if (best) {
            bse_strategy_record *rec = &best[side];
            rec->valid = 1;
            snprintf(rec->tid, sizeof rec->tid, "%s", t->tid);
            snprintf(rec->type, sizeof rec->type, "%s", bse_ttype_name(t->type));
            rec->pps = bp[side];
            snprintf(rec->csv, sizeof rec->csv, "%s", csv.data ? csv.data : "");
        }
    }
    if (out)
        rc |= bse_buf_append(out, "\n", 1);
    bse_buf_free(&csv);
    return rc ? -1 : 0;
}

/* market_session.blotter_dump */
static int blotters(run *r, bse_buf *out)
{
    int rc = 0;
    for (int32_t i = 0; i < r->n; i++) {
        const bse_trader *t = &r->traders[i];
        rc |= bse_buf_printf(out, "%s, %d\n", t->tid, t->blot_len);
        for (int32_t k = 0; k < t->blot_len; k++) {
            int32_t j = t->blot_head + k;
            if (j >= t->blot_cap)
                j -= t->blot_cap;
            const bse_blotter_entry *e = &t->blotter[j];
            rc |= buf_str(out, t->tid) | bse_buf_append(out, ", Trade, ", 9) | buf_fixed(out, e->time, 3);
            rc |= bse_buf_append(out, ", ", 2) | bse_buf_int(out, e->price) | bse_buf_append(out, ", ", 2);
            rc |= buf_str(out, r->traders[e->party1].tid) | bse_buf_append(out, ", ", 2);
            rc |= buf_str(out, r->traders[e->party2].tid) | bse_buf_append(out, ", 1\n", 4);
        }
    }
    return rc ? -1 : 0;
}

/* ------------------------------------------------------------ population */

/* populate_market with shuffle on: construct in spec order, then swap trader
 * objects (and their tids) as BSE's shuffle_traders does. */
static bse_session_status populate(run *r)
{
    const bse_case *c = r->c;
    static const char prefix[3] = {'B', 'S', 'P'};
    int32_t base = 0;
    for (int side = 0; side < 3; side++) {
        int32_t count = 0;
        for (int32_t e = 0; e < c->n_entries[side]; e++) {
            const bse_trader_entry *en = &c->entries[side][e];
            for (int32_t k = 0; k < en->n; k++) {
                char tid[16];
                snprintf(tid, sizeof tid, "%c%02d", prefix[side], count);
                if (bse_trader_init(&r->traders[base + count], en, tid, &r->rng) != BSE_TRADER_OK)
                    return BSE_SESSION_ENOMEM;
                count++;
            }
        }
        for (int32_t s = 0; s < count; s++) {
            int32_t t1 = (count - 1) - s;
            int32_t t2 = (int32_t)bse_rng_randint(&r->rng, 0, t1);
            bse_trader tmp = r->traders[base + t1];
            r->traders[base + t1] = r->traders[base + t2];
            r->traders[base + t2] = tmp;
        }
        for (int32_t i = 0; i < count; i++) {
            snprintf(r->traders[base + i].tid, sizeof r->traders[base + i].tid, "%c%02d", prefix[side], i);
            r->traders[base + i].index = base + i;
        }
        base += count;
    }
    return BSE_SESSION_OK;
}

/* ------------------------------------------------------------ the session */

static bse_session_status run_loop(run *r)
{
    const bse_case *c = r->c;
    bse_result *res = r->res;
    double timestep = 1.0 / (double)r->n;
    double duration = c->end_time - c->start_time;
    double time = c->start_time;
    const char *why = NULL;
    while (time < c->end_time) {
        double time_left = (c->end_time - time) / duration;
        bse_session_status st = customer_orders(r, time);
        if (st)
            return st;
        for (int32_t k = 0; k < r->nkills; k++) {
            bse_trader *t = &r->traders[r->kills[k]];
            if (t->has_lastquote)
                bse_exchange_cancel(r->ex, time, t->index, t->lastquote_is_bid, t->lastquote_price);
        }
        int32_t ti = (int32_t)bse_rng_randint(&r->rng, 0, r->n - 1);
        bse_trader *t = &r->traders[ti];
        if (publish_lob(r, time))
            return BSE_SESSION_ENOMEM;
        int is_bid = 0;
        int64_t price = 0;
        int q = bse_trader_getorder(t, time, time_left, r->ex, &r->rng, &is_bid, &price, &why);
        if (q < 0)
            return fail(r, BSE_SESSION_EBSE, time, why);
        if (q > 0) {
            res->n_quotes++;
            if (!is_bid && price < t->order_price)
                return fail(r, BSE_SESSION_EBSE, time, "Bad ask");
            if (is_bid && price > t->order_price)
                return fail(r, BSE_SESSION_EBSE, time, "Bad bid");
            t->n_quotes = 1;
            bse_trade trade;
            int tr = bse_exchange_process(r->ex, time, ti, is_bid, price, &trade);
            if (tr < 0)
                return BSE_SESSION_ENOMEM;
            if (tr > 0) {
                res->n_trades++;
                bse_trader_status ts = bse_trader_bookkeep(&r->traders[trade.party1], time, &trade, &why);
                if (ts == BSE_TRADER_OK)
                    ts = bse_trader_bookkeep(&r->traders[trade.party2], time, &trade, &why);
                if (ts == BSE_TRADER_ENOMEM)
                    return BSE_SESSION_ENOMEM;
                if (ts != BSE_TRADER_OK)
                    return fail(r, BSE_SESSION_EBSE, time, why);
                if (c->dump_tape && (bse_buf_append(&res->tape, "TRD, ", 5) | buf_fixed(&res->tape, time, 6) |
                                     bse_buf_append(&res->tape, ", ", 2) | bse_buf_int(&res->tape, trade.price) |
                                     bse_buf_append(&res->tape, "\n", 1)))
                    return BSE_SESSION_ENOMEM;
                if (c->dump_avgbals) {
                    if (publish_lob(r, time) || trade_stats(r, &res->avg_balance, time, 0))
                        return BSE_SESSION_ENOMEM;
                }
            }
            if (publish_lob(r, time))
                return BSE_SESSION_ENOMEM;
            if (r->has_zip && bse_zip_classify(&r->zm, r->ex, tr > 0 ? &trade : NULL, &why))
                return fail(r, BSE_SESSION_EBSE, time, why);
            int frame = 0;
            /* a plain ZIP's respond is a no-op (no draws, no change) when the market
             * view raised no flag: skip it then */
            int zip_idle = !(r->zm.bid_improved | r->zm.bid_hit | r->zm.ask_improved | r->zm.ask_lifted);
            for (int32_t k = 0; k < r->nresponders; k++) {
                bse_trader *rt = &r->traders[r->responders[k]];
                if (zip_idle && rt->type == BSE_T_ZIP)
                    continue;
                int rc = bse_trader_respond(rt, time, r->ex, tr > 0 ? &trade : NULL, &r->zm, &r->rng, &why);
                if (rc < 0)
                    return fail(r, BSE_SESSION_EBSE, time, why);
                frame |= rc;
            }
            if (frame && c->dump_strats && strats_frame(r, &res->strats, time, NULL))
                return BSE_SESSION_ENOMEM;
        }
        time = time + timestep;
        res->n_steps++;
    }
    res->final_time = time;
    if (publish_lob(r, time))
        return BSE_SESSION_ENOMEM;
    if (trade_stats(r, &res->final_line, time, 1))
        return BSE_SESSION_ENOMEM;
    if (c->dump_avgbals && bse_buf_append(&res->avg_balance, res->final_line.data, res->final_line.len))
        return BSE_SESSION_ENOMEM;
    if (c->dump_blotters && blotters(r, &res->blotters))
        return BSE_SESSION_ENOMEM;
    if (strats_frame(r, NULL, time, res->best))
        return BSE_SESSION_ENOMEM;
    res->rng_after32 = bse_rng_next32(&r->rng);
    if (res->tape.oom || res->avg_balance.oom || res->blotters.oom || res->lob_frames.oom || res->strats.oom)
        return BSE_SESSION_ENOMEM;
    return BSE_SESSION_OK;
}

bse_session_status bse_session_run(const bse_case *c, bse_result *res, bse_error *err)
{
    memset(res, 0, sizeof *res);
    bse_error_clear(err);
    if (bse_case_validate(c, c->case_id, err) != BSE_CONFIG_OK)
        return BSE_SESSION_ECONFIG;
    run r;
    memset(&r, 0, sizeof r);
    r.c = c;
    r.res = res;
    r.err = err;
    r.nb = (int32_t)bse_case_count(c, BSE_SIDE_BUYERS);
    r.ns = (int32_t)bse_case_count(c, BSE_SIDE_SELLERS);
    r.np = (int32_t)bse_case_count(c, BSE_SIDE_PROPS);
    r.n = r.nb + r.ns + r.np;
    res->n_traders = r.n;
    bse_session_status st = BSE_SESSION_ENOMEM;
    if (bse_rng_init(&r.rng) != BSE_RNG_OK)
        goto out;
    bse_rng_seed_be(&r.rng, c->seed_be, sizeof c->seed_be);
    r.ex = malloc(sizeof *r.ex);
    r.traders = calloc((size_t)r.n, sizeof *r.traders);
    r.pending = malloc(sizeof *r.pending * (size_t)(r.nb + r.ns));
    r.kills = malloc(sizeof *r.kills * (size_t)(r.nb + r.ns));
    r.issuetimes = malloc(sizeof *r.issuetimes * (size_t)(r.nb > r.ns ? r.nb : r.ns));
    r.responders = malloc(sizeof *r.responders * (size_t)r.n);
    if (!r.ex || !r.traders || !r.pending || !r.kills || !r.issuetimes || !r.responders)
        goto out;
    if (bse_exchange_init(r.ex, r.n) != BSE_EXCHANGE_OK) {
        free(r.ex);
        r.ex = NULL;
        goto out;
    }
    st = populate(&r);
    if (st)
        goto out;
    for (int32_t i = 0; i < r.n; i++) {
        bse_ttype ty = r.traders[i].type;
        if (r.type_count[ty]++ == 0)
            r.types[r.ntypes++] = ty;
        if (ty == BSE_T_ZIP || ty == BSE_T_ZIPSH)
            r.has_zip = 1;
        if (bse_trader_responds(&r.traders[i]))
            r.responders[r.nresponders++] = i;
    }
    for (int32_t i = 1; i < r.ntypes; i++) /* sorted(trader_types) by name */
        for (int32_t j = i; j > 0 && strcmp(bse_ttype_name(r.types[j - 1]), bse_ttype_name(r.types[j])) > 0; j--) {
            bse_ttype tmp = r.types[j];
            r.types[j] = r.types[j - 1];
            r.types[j - 1] = tmp;
        }
    st = run_loop(&r);
out:
    if (st == BSE_SESSION_ENOMEM && err && !err->code)
        bse_error_set(err, st, c->case_id, "", "out of memory");
    if (r.traders)
        for (int32_t i = 0; i < r.n; i++)
            bse_trader_clear(&r.traders[i]);
    free(r.traders);
    if (r.ex)
        bse_exchange_clear(r.ex);
    free(r.ex);
    free(r.pending);
    free(r.kills);
    free(r.issuetimes);
    free(r.responders);
    free(r.lobsnap);
    bse_buf_free(&r.lobstr);
    bse_buf_free(&r.lastlob);
    bse_rng_clear(&r.rng);
    return st;
}

void bse_result_free(bse_result *res)
{
    if (!res)
        return;
    bse_buf_free(&res->tape);
    bse_buf_free(&res->avg_balance);
    bse_buf_free(&res->blotters);
    bse_buf_free(&res->lob_frames);
    bse_buf_free(&res->strats);
    bse_buf_free(&res->final_line);
}

/* The files a case writes, in writing order: BSE.py's names <case>_<kind>.csv. */
#define BSE_RESULT_FILES(c, res)                                                                                       \
    {                                                                                                                  \
        {(c)->dump_tape, "tape", (res) ? &(res)->tape : NULL},                                                         \
            {(c)->dump_avgbals, "avg_balance", (res) ? &(res)->avg_balance : NULL},                                    \
            {(c)->dump_blotters, "blotters", (res) ? &(res)->blotters : NULL},                                         \
            {(c)->dump_lobs, "LOB_frames", (res) ? &(res)->lob_frames : NULL},                                         \
            {(c)->dump_strats, "strats", (res) ? &(res)->strats : NULL},                                               \
    }
typedef struct result_file {
    int on;
    const char *kind;
    const bse_buf *buf;
} result_file;

void bse_result_remove_files(const bse_case *c, const char *dir)
{
    const result_file files[] = BSE_RESULT_FILES(c, (const bse_result *)NULL);
    char path[4096];
    for (int i = 0; i < 5; i++) {
        if (!files[i].on)
            continue;
        snprintf(path, sizeof path, "%s/%s_%s.csv", dir, c->case_id, files[i].kind);
        unlink(path);
    }
}

int bse_result_write_files(const bse_result *res, const bse_case *c, const char *dir, bse_error *err)
{
    const result_file files[] = BSE_RESULT_FILES(c, res);
    char paths[5][4096];
    int done = 0;
    for (int i = 0; i < 5; i++) {
        if (!files[i].on)
            continue;
        snprintf(paths[done], sizeof paths[done], "%s/%s_%s.csv", dir, c->case_id, files[i].kind);
        if (bse_buf_write_file(files[i].buf, paths[done])) {
            bse_error_set(err, 1, paths[done], "", "cannot write: %s", strerror(errno));
            for (int k = 0; k < done; k++)
                unlink(paths[k]);
            return -1;
        }
        done++;
    }
    return 0;
}
