/* bse/step.c - the session loop of BSE.py v1.91 market_session as a step machine,
 * with populate_market, customer_orders, trade_stats, dump_strats_frame and
 * blotter_dump (see step.h; session.c runs it without stopping).
 *
 * Main invariant: the generator is drawn from in exactly BSE's order: trader
 * constructors and shuffles, then per step the schedule draws, the trader pick,
 * getorder's draw and respond's draws in trader key order. A decision splits one
 * loop step in two at the getorder call (pre_step before it, finish_step after);
 * nothing else differs between a stepped and a straight run. */
#include "bse/step.h"

#include <assert.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bse/exchange.h"
#include "bse/fmt.h"
#include "bse/rng.h"
#include "bse/trader.h"

#include "bse/assumptions.h"

enum { ST_RUNNING = 0, ST_DECISION, ST_END, ST_DEAD, ST_FINISHED };

typedef struct pending_order {
    int32_t trader;
    int is_bid;
    int64_t price;
    double time;
} pending_order;

struct bse_step {
    const bse_case *c;
    bse_result *res;
    common_error *err;
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
    /* per responder: respond is skipped while the time is below quiet[k]
     * (bse_trader_quiet_until); stale[k] is set when it was, and its pps are then
     * brought to last_pass (the time of the last respond pass) before a read */
    double *quiet;
    uint8_t *stale;
    double last_pass;
    /* trade_stats: distinct types sorted by name, and each trader's type slot */
    int32_t ntypes;
    bse_ttype types[BSE_T_COUNT];
    int32_t type_count[BSE_T_COUNT];
    common_buf lobstr, lastlob;
    int64_t *lobsnap;      /* last published (price, qty) pairs: bids then asks */
    int32_t snap_nb, snap_na, snap_cap;
    /* trade_stats cache: each type's "TYPE, sum, n, mean, " text for its last sum */
    int64_t seg_sum[BSE_T_COUNT];
    int seg_valid[BSE_T_COUNT];
    char seg[BSE_T_COUNT][96];
    size_t seg_len[BSE_T_COUNT];
    uint64_t lob_version_seen;
    int lob_published;
    /* the step machine (bse/step.h) */
    bse_case cc;           /* the case (r->c points here) */
    bse_result result;     /* r->res points here until bse_step_finish moves it */
    common_error errbuf;      /* r->err points here */
    bse_step_options opt;
    int state;             /* ST_* */
    double time, timestep, duration, time_left;
    int32_t cur;           /* the trader picked by this loop step */
    int proposed, prop_q, prop_bid;
    int64_t prop_price;
    double tr_time[BSE_STEP_TRADES];
    int64_t tr_price[BSE_STEP_TRADES];
    int32_t tr_head, tr_len;  /* ring of the recent trades; tr_head: next write */
};
typedef struct bse_step run;

static bse_session_status fail(run *r, bse_session_status st, double time, const char *what)
{
    char field[64];
    snprintf(field, sizeof field, "t=%.4f", time);
    common_error_set(r->err, st, r->c->case_id, field, "%s", what);
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
static int buf_fixed(common_buf *b, double x, int prec)
{
    char tmp[64];
    size_t n = bse_fmt_fixed(tmp, x, prec);
    return common_buf_append(b, tmp, n);
}

static int buf_str(common_buf *b, const char *s) { return common_buf_append(b, s, strlen(s)); }

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
    common_buf_reset(&r->lobstr);
    if (bse_exchange_lob_string(r->ex, &r->lobstr))
        return -1;
    r->lob_published = 1;
    common_buf tmp = r->lastlob;
    r->lastlob = r->lobstr;
    r->lobstr = tmp;
    int rc = buf_fixed(&r->res->lob_frames, time, 3) | common_buf_append(&r->res->lob_frames, ", ", 2);
    rc |= common_buf_append(&r->res->lob_frames, r->lastlob.data, r->lastlob.len);
    rc |= common_buf_append(&r->res->lob_frames, "\n", 1);
    return rc ? -1 : 0;
}

/* trade_stats: one avg-balance line into out. */
static int trade_stats(run *r, common_buf *out, double time, int final)
{
    int64_t sums[BSE_T_COUNT] = {0};
    for (int32_t i = 0; i < r->n; i++)
        sums[r->traders[i].type] += r->traders[i].balance;
    char tbuf[32];
    snprintf(tbuf, sizeof tbuf, "%06lld, ", (long long)(int64_t)time);
    int rc = buf_str(out, r->c->case_id) | common_buf_append(out, ", ", 2) | buf_str(out, tbuf);
    const bse_book_level *b = bse_book_best(&r->ex->bids), *a = bse_book_best(&r->ex->asks);
    if (b)
        rc |= common_buf_int(out, b->price) | common_buf_append(out, ", ", 2);
    else
        rc |= common_buf_append(out, "None, ", 6);
    if (a)
        rc |= common_buf_int(out, a->price) | common_buf_append(out, ", ", 2);
    else
        rc |= common_buf_append(out, "None, ", 6);
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
                rc |= common_buf_printf(out, "%s, %lld, %d, %f, ", bse_ttype_name(ty), (long long)sums[ty], n, mean);
                goto next_type;
            }
            r->seg_len[ty] = (size_t)len;
            r->seg_sum[ty] = sums[ty];
            r->seg_valid[ty] = 1;
        }
        rc |= common_buf_append(out, r->seg[ty], r->seg_len[ty]);
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
    rc |= common_buf_append(out, "\n", 1);
    return rc ? -1 : 0;
}

static int is_adaptive_reported(const bse_trader *t)
{
    return t->type == BSE_T_PRSH || t->type == BSE_T_PRDE || t->type == BSE_T_ZIPSH;
}

/* market_session.dump_strats_frame; best[] gets best_B / best_S when not NULL. */
static int strats_frame(run *r, common_buf *out, double time, bse_strategy_record best[2])
{
    for (int32_t k = 0; k < r->nresponders; k++) /* the skipped responds' pps */
        if (r->stale[k]) {
            bse_trader_refresh(&r->traders[r->responders[k]], r->last_pass);
            r->stale[k] = 0;
        }
    int rc = out ? common_buf_printf(out, "t=,%.0f, ", time) : 0;
    int32_t bi[2] = {-1, -1};
    double bp[2] = {0, 0};
    common_buf csv = COMMON_BUF_INIT;
    for (int32_t i = 0; i < r->n; i++) {
        const bse_trader *t = &r->traders[i];
        if (!is_adaptive_reported(t))
            continue;
        double pps = 0;
        if (!bse_trader_active_strategy(t, &pps))
            continue; /* ZIPSH without an optimizer: BSE would fail reading strats[0] (rejected by validation) */
        if (out) {
            common_buf_reset(&csv);
            rc |= bse_trader_strategy_csv(t, &csv);
            rc |= common_buf_printf(out, "id=,%s, %s,actvstrat=,%s actvprof=,%f, ", t->tid, bse_ttype_name(t->type),
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
        common_buf_reset(&csv);
        rc |= bse_trader_strategy_csv(t, &csv);
        if (out)
            rc |= common_buf_printf(out, "best_%c_id=,%s, best_%c_prof=,%f, best_%c_strat=, %s", side ? 'S' : 'B', t->tid,
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
        rc |= common_buf_append(out, "\n", 1);
    common_buf_free(&csv);
    return rc ? -1 : 0;
}

/* market_session.blotter_dump */
static int blotters(run *r, common_buf *out)
{
    int rc = 0;
    for (int32_t i = 0; i < r->n; i++) {
        const bse_trader *t = &r->traders[i];
        rc |= common_buf_printf(out, "%s, %d\n", t->tid, t->blot_len);
        for (int32_t k = 0; k < t->blot_len; k++) {
            int32_t j = t->blot_head + k;
            if (j >= t->blot_cap)
                j -= t->blot_cap;
            const bse_blotter_entry *e = &t->blotter[j];
            rc |= buf_str(out, t->tid) | common_buf_append(out, ", Trade, ", 9) | buf_fixed(out, e->time, 3);
            rc |= common_buf_append(out, ", ", 2) | common_buf_int(out, e->price) | common_buf_append(out, ", ", 2);
            rc |= buf_str(out, r->traders[e->party1].tid) | common_buf_append(out, ", ", 2);
            rc |= buf_str(out, r->traders[e->party2].tid) | common_buf_append(out, ", 1\n", 4);
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

/* ------------------------------------------------------------ the session loop */

/* The first half of a loop step, up to BSE's getorder call: customer orders, the
 * cancels they cause, the trader pick, the LOB publication. */
static bse_session_status pre_step(run *r)
{
    const bse_case *c = r->c;
    r->time_left = (c->end_time - r->time) / r->duration;
    bse_session_status st = customer_orders(r, r->time);
    if (st)
        return st;
    for (int32_t k = 0; k < r->nkills; k++) {
        bse_trader *t = &r->traders[r->kills[k]];
        if (t->has_lastquote)
            bse_exchange_cancel(r->ex, r->time, t->index, t->lastquote_is_bid, t->lastquote_price);
    }
    r->cur = (int32_t)bse_rng_randbelow32(&r->rng, (uint32_t)r->n); /* randint(0, n - 1) */
    if (publish_lob(r, r->time))
        return BSE_SESSION_ENOMEM;
    return BSE_SESSION_OK;
}

static void note_trade(run *r, double time, int64_t price)
{
    r->tr_time[r->tr_head] = time;
    r->tr_price[r->tr_head] = price;
    r->tr_head = (r->tr_head + 1) % BSE_STEP_TRADES;
    if (r->tr_len < BSE_STEP_TRADES)
        r->tr_len++;
}

/* The second half of a loop step: the picked trader's quote q (1: is_bid, price)
 * goes to the exchange, trades are booked, traders respond, the clock moves. */
static bse_session_status finish_step(run *r, int q, int is_bid, int64_t price)
{
    const bse_case *c = r->c;
    bse_result *res = r->res;
    double time = r->time;
    int32_t ti = r->cur;
    bse_trader *t = &r->traders[ti];
    const char *why = NULL;
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
            note_trade(r, time, trade.price);
            bse_trader_status ts = bse_trader_bookkeep(&r->traders[trade.party1], time, &trade, &why);
            if (ts == BSE_TRADER_OK)
                ts = bse_trader_bookkeep(&r->traders[trade.party2], time, &trade, &why);
            if (ts == BSE_TRADER_ENOMEM)
                return BSE_SESSION_ENOMEM;
            if (ts != BSE_TRADER_OK)
                return fail(r, BSE_SESSION_EBSE, time, why);
            if (c->dump_tape && (common_buf_append(&res->tape, "TRD, ", 5) | buf_fixed(&res->tape, time, 6) |
                                 common_buf_append(&res->tape, ", ", 2) | common_buf_int(&res->tape, trade.price) |
                                 common_buf_append(&res->tape, "\n", 1)))
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
        r->last_pass = time;
        for (int32_t k = 0; k < r->nresponders; k++) {
            if (time < r->quiet[k]) { /* PRSH/PRDE: only its pps would change */
#ifdef BSE_CHECK
                assert(bse_trader_quiet_at(&r->traders[r->responders[k]], time));
#endif
                r->stale[k] = 1;
                continue;
            }
            bse_trader *rt = &r->traders[r->responders[k]];
            if (zip_idle && rt->type == BSE_T_ZIP)
                continue;
            int rc = bse_trader_respond(rt, time, r->ex, tr > 0 ? &trade : NULL, &r->zm, &r->rng, &why);
            if (rc < 0)
                return fail(r, BSE_SESSION_EBSE, time, why);
            frame |= rc;
            if (r->quiet[k] != -INFINITY) {
                r->stale[k] = 0;
                r->quiet[k] = bse_trader_quiet_until(rt);
            }
        }
        if (frame && c->dump_strats && strats_frame(r, &res->strats, time, NULL))
            return BSE_SESSION_ENOMEM;
    }
    r->time = time + r->timestep;
    res->n_steps++;
    return BSE_SESSION_OK;
}

/* BSE's getorder of the picked trader. Returns 0 (q, is_bid, price set) or an error. */
static bse_session_status own_order(run *r, int *q, int *is_bid, int64_t *price)
{
    const char *why = NULL;
    *is_bid = 0;
    *price = 0;
    *q = bse_trader_getorder(&r->traders[r->cur], r->time, r->time_left, r->ex, &r->rng, is_bid, price, &why);
    if (*q < 0)
        return fail(r, BSE_SESSION_EBSE, r->time, why);
    return BSE_SESSION_OK;
}

/* After the loop: the final line, blotters, the best strategies, the generator check. */
static bse_session_status finalize(run *r)
{
    const bse_case *c = r->c;
    bse_result *res = r->res;
    double time = r->time;
    res->final_time = time;
    if (publish_lob(r, time))
        return BSE_SESSION_ENOMEM;
    if (trade_stats(r, &res->final_line, time, 1))
        return BSE_SESSION_ENOMEM;
    if (c->dump_avgbals && common_buf_append(&res->avg_balance, res->final_line.data, res->final_line.len))
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

/* ------------------------------------------------------------ the step API */

static bse_step_status dead(run *r, bse_session_status st, common_error *err)
{
    r->state = ST_DEAD;
    if (st == BSE_SESSION_ENOMEM && !r->errbuf.code)
        common_error_set(&r->errbuf, st, r->c->case_id, "", "out of memory");
    if (err)
        *err = r->errbuf;
    return (bse_step_status)st;
}

static bse_step_status state_error(common_error *err, const char *what)
{
    return (bse_step_status)common_error_set(err, BSE_STEP_ESTATE, "", "", "%s", what);
}

bse_step_options bse_step_options_default(void)
{
    bse_step_options o;
    memset(&o, 0, sizeof o);
    o.watch = BSE_STEP_ALL_SLOTS;
    o.only_with_order = 0;
    o.retype_slot = -1;
    o.slot_type = BSE_T_GVWY;
    return o;
}

void bse_step_destroy(bse_step *r)
{
    if (!r)
        return;
    if (r->traders)
        for (int32_t i = 0; i < r->n; i++)
            bse_trader_clear(&r->traders[i]);
    free(r->traders);
    if (r->ex)
        bse_exchange_clear(r->ex);
    free(r->ex);
    free(r->pending);
    free(r->kills);
    free(r->issuetimes);
    free(r->responders);
    free(r->quiet);
    free(r->stale);
    free(r->lobsnap);
    common_buf_free(&r->lobstr);
    common_buf_free(&r->lastlob);
    bse_rng_clear(&r->rng);
    bse_result_free(&r->result);
    free(r);
}

/* Re-constructs slot as type ty from a private generator seeded like the session. */
static bse_session_status retype(run *r, int32_t slot, bse_ttype ty)
{
    bse_trader_entry e;
    memset(&e, 0, sizeof e);
    e.type = ty;
    e.n = 1;
    e.k = 1;
    bse_rng prng;
    if (bse_rng_init(&prng) != BSE_RNG_OK)
        return BSE_SESSION_ENOMEM;
    bse_rng_seed_be(&prng, r->c->seed_be, sizeof r->c->seed_be);
    bse_trader *t = &r->traders[slot];
    char tid[16];
    memcpy(tid, t->tid, sizeof tid);
    int32_t index = t->index;
    bse_trader_clear(t);
    memset(t, 0, sizeof *t);
    bse_trader_status ts = bse_trader_init(t, &e, tid, &prng);
    bse_rng_clear(&prng);
    if (ts != BSE_TRADER_OK)
        return BSE_SESSION_ENOMEM;
    t->index = index;
    return BSE_SESSION_OK;
}

bse_step_status bse_step_create(bse_step **out, const bse_case *c, const bse_step_options *o, common_error *err)
{
    *out = NULL;
    common_error_clear(err);
    if (bse_case_validate(c, c->case_id, err) != BSE_CONFIG_OK)
        return BSE_STEP_ECONFIG;
    run *r = calloc(1, sizeof *r);
    if (!r) {
        common_error_set(err, BSE_STEP_ENOMEM, c->case_id, "", "out of memory");
        return BSE_STEP_ENOMEM;
    }
    r->cc = *c;
    r->c = &r->cc;
    r->res = &r->result;
    r->err = &r->errbuf;
    r->opt = o ? *o : bse_step_options_default();
    r->nb = (int32_t)bse_case_count(c, BSE_SIDE_BUYERS);
    r->ns = (int32_t)bse_case_count(c, BSE_SIDE_SELLERS);
    r->np = (int32_t)bse_case_count(c, BSE_SIDE_PROPS);
    r->n = r->nb + r->ns + r->np;
    r->res->n_traders = r->n;
    const bse_step_options *op = &r->opt;
    if (op->watch < BSE_STEP_NO_SLOT || op->watch >= r->n || op->retype_slot < -1 ||
        op->retype_slot >= r->nb + r->ns ||
        (op->retype_slot >= 0 && op->slot_type != BSE_T_GVWY && op->slot_type != BSE_T_ZIC &&
         op->slot_type != BSE_T_SHVR && op->slot_type != BSE_T_SNPR && op->slot_type != BSE_T_ZIP)) {
        common_error_set(err, BSE_STEP_ECONFIG, c->case_id, "options",
                      "watch %d / retype_slot %d / slot_type %d out of range for %d traders", op->watch,
                      op->retype_slot, op->slot_type, r->n);
        free(r);
        return BSE_STEP_ECONFIG;
    }
    bse_session_status st = BSE_SESSION_ENOMEM;
    if (bse_rng_init(&r->rng) != BSE_RNG_OK)
        goto fail;
    bse_rng_seed_be(&r->rng, c->seed_be, sizeof c->seed_be);
    r->ex = malloc(sizeof *r->ex);
    r->traders = calloc((size_t)r->n, sizeof *r->traders);
    r->pending = malloc(sizeof *r->pending * (size_t)(r->nb + r->ns));
    r->kills = malloc(sizeof *r->kills * (size_t)(r->nb + r->ns));
    r->issuetimes = malloc(sizeof *r->issuetimes * (size_t)(r->nb > r->ns ? r->nb : r->ns));
    r->responders = malloc(sizeof *r->responders * (size_t)r->n);
    r->quiet = malloc(sizeof *r->quiet * (size_t)r->n);
    r->stale = calloc((size_t)r->n, sizeof *r->stale);
    if (!r->ex || !r->traders || !r->pending || !r->kills || !r->issuetimes || !r->responders || !r->quiet ||
        !r->stale)
        goto fail;
    if (bse_exchange_init(r->ex, r->n) != BSE_EXCHANGE_OK) {
        free(r->ex);
        r->ex = NULL;
        goto fail;
    }
    st = populate(r);
    if (st)
        goto fail;
    if (op->retype_slot >= 0 && (st = retype(r, op->retype_slot, (bse_ttype)op->slot_type)) != BSE_SESSION_OK)
        goto fail;
    for (int32_t i = 0; i < r->n; i++) {
        bse_ttype ty = r->traders[i].type;
        if (r->type_count[ty]++ == 0)
            r->types[r->ntypes++] = ty;
        if (ty == BSE_T_ZIP || ty == BSE_T_ZIPSH)
            r->has_zip = 1;
        if (bse_trader_responds(&r->traders[i])) {
            r->quiet[r->nresponders] = bse_trader_quiet_until(&r->traders[i]);
            r->responders[r->nresponders++] = i;
        }
    }
    for (int32_t i = 1; i < r->ntypes; i++) /* sorted(trader_types) by name */
        for (int32_t j = i; j > 0 && strcmp(bse_ttype_name(r->types[j - 1]), bse_ttype_name(r->types[j])) > 0; j--) {
            bse_ttype tmp = r->types[j];
            r->types[j] = r->types[j - 1];
            r->types[j - 1] = tmp;
        }
    r->timestep = 1.0 / (double)r->n;
    r->duration = c->end_time - c->start_time;
    r->time = c->start_time;
    r->state = ST_RUNNING;
    *out = r;
    return BSE_STEP_OK;
fail:
    if (!r->errbuf.code)
        common_error_set(&r->errbuf, st, c->case_id, "", "out of memory");
    if (err)
        *err = r->errbuf;
    bse_step_destroy(r);
    return (bse_step_status)st;
}

bse_step_status bse_step_propose(bse_step *r, int *has_quote, int *is_bid, int64_t *price, common_error *err)
{
    *has_quote = 0;
    *is_bid = 0;
    *price = 0;
    if (r->state != ST_DECISION)
        return state_error(err, "no decision pending");
    if (!r->proposed) {
        bse_session_status st = own_order(r, &r->prop_q, &r->prop_bid, &r->prop_price);
        if (st)
            return dead(r, st, err);
        r->proposed = 1;
    }
    *has_quote = r->prop_q > 0;
    *is_bid = r->prop_bid;
    *price = r->prop_price;
    return BSE_STEP_OK;
}

bse_step_status bse_step_submit(bse_step *r, int has_quote, int is_bid, int64_t price, common_error *err)
{
    if (r->state != ST_DECISION)
        return state_error(err, "no decision pending");
    const bse_trader *t = &r->traders[r->cur];
    int as_proposed = r->proposed && (has_quote != 0) == (r->prop_q > 0) &&
                      (!has_quote || (is_bid == r->prop_bid && price == r->prop_price));
    if (has_quote && !as_proposed) {
        const char *why = NULL;
        if (!t->has_order)
            why = "the trader holds no customer order";
        else if ((is_bid != 0) != (t->order_is_bid != 0))
            why = t->order_is_bid ? "an ask from a buyer" : "a bid from a seller";
        else if (price < BSE_MINPRICE || price > BSE_MAXPRICE)
            why = "price outside [BSE_MINPRICE, BSE_MAXPRICE]";
        else if (is_bid && price > t->order_price)
            why = "bid above the limit price";
        else if (!is_bid && price < t->order_price)
            why = "ask below the limit price";
        if (why)
            return (bse_step_status)common_error_set(err, BSE_STEP_EQUOTE, r->c->case_id, t->tid,
                                                  "quote %lld refused: %s", (long long)price, why);
    }
    r->state = ST_RUNNING;
    r->proposed = 0;
    bse_session_status st = finish_step(r, has_quote ? 1 : 0, is_bid ? 1 : 0, price);
    if (st)
        return dead(r, st, err);
    return BSE_STEP_OK;
}

bse_step_status bse_step_advance(bse_step *r, bse_step_event *event, int32_t *slot, common_error *err)
{
    *event = BSE_STEP_END;
    *slot = -1;
    if (r->state == ST_END || r->state == ST_FINISHED || r->state == ST_DEAD)
        return state_error(err, r->state == ST_DEAD ? "the session failed" : "the session is over");
    bse_session_status st;
    if (r->state == ST_DECISION) { /* undecided: the trader's own choice */
        int q, b;
        int64_t p;
        bse_step_status ss = bse_step_propose(r, &q, &b, &p, err);
        if (ss)
            return ss;
        r->state = ST_RUNNING;
        r->proposed = 0;
        if ((st = finish_step(r, q, b, p)))
            return dead(r, st, err);
    }
    const bse_case *c = r->c;
    const int32_t watch = r->opt.watch;
    while (r->time < c->end_time) {
        if ((st = pre_step(r)))
            return dead(r, st, err);
        if ((watch == BSE_STEP_ALL_SLOTS || watch == r->cur) &&
            (!r->opt.only_with_order || r->traders[r->cur].has_order)) {
            r->state = ST_DECISION;
            r->proposed = 0;
            *event = BSE_STEP_DECISION;
            *slot = r->cur;
            return BSE_STEP_OK;
        }
        int q, b;
        int64_t p;
        if ((st = own_order(r, &q, &b, &p)) || (st = finish_step(r, q, b, p)))
            return dead(r, st, err);
    }
    if ((st = finalize(r)))
        return dead(r, st, err);
    r->state = ST_END;
    return BSE_STEP_OK;
}

bse_step_status bse_step_finish(bse_step *r, bse_result *res, common_error *err)
{
    memset(res, 0, sizeof *res);
    if (r->state != ST_END)
        return state_error(err, r->state == ST_FINISHED ? "result already taken" : "the session is not over");
    *res = r->result;
    memset(&r->result, 0, sizeof r->result);
    r->state = ST_FINISHED;
    return BSE_STEP_OK;
}

double bse_step_time(const bse_step *r) { return r->time; }
double bse_step_start_time(const bse_step *r) { return r->c->start_time; }
double bse_step_end_time(const bse_step *r) { return r->c->end_time; }
int32_t bse_step_n_traders(const bse_step *r) { return r->n; }
int32_t bse_step_n_buyers(const bse_step *r) { return r->nb; }
int64_t bse_step_n_trades(const bse_step *r) { return r->result.n_trades; }

void bse_step_trader_view(const bse_step *r, int32_t slot, bse_step_trader *v)
{
    assert(slot >= 0 && slot < r->n);
    const bse_trader *t = &r->traders[slot];
    memset(v, 0, sizeof *v);
    v->type = t->type;
    memcpy(v->tid, t->tid, sizeof v->tid);
    v->has_order = t->has_order;
    v->order_is_bid = t->order_is_bid;
    v->order_price = t->order_price;
    v->order_time = t->order_time;
    for (int side = 0; side < 2; side++) {
        const bse_book_side *bs = side ? &r->ex->bids : &r->ex->asks;
        int32_t node = bse_book_owner_node(bs, t->index);
        if (node >= 0) {
            v->has_quote = 1;
            v->quote_is_bid = side;
            v->quote_price = bs->nodes[node].price;
        }
    }
    v->balance = t->balance;
    v->n_trades = t->n_trades;
}

int32_t bse_step_book(const bse_step *r, int is_bid, bse_step_level *levels, int32_t cap, int64_t *total_qty)
{
    const bse_book_side *bs = is_bid ? &r->ex->bids : &r->ex->asks;
    int64_t tot = 0;
    for (int32_t i = 0; i < bs->nlevels; i++) {
        int32_t j = is_bid ? bs->nlevels - 1 - i : i;
        if (i < cap) {
            levels[i].price = bs->levels[j].price;
            levels[i].qty = bs->levels[j].qty;
        }
        tot += bs->levels[j].qty;
    }
    if (total_qty)
        *total_qty = tot;
    return bs->nlevels;
}

int32_t bse_step_trades(const bse_step *r, double *times, int64_t *prices, int32_t cap)
{
    int32_t n = cap < r->tr_len ? cap : r->tr_len;
    for (int32_t k = 0; k < n; k++) {
        int32_t i = (r->tr_head - 1 - k + 2 * BSE_STEP_TRADES) % BSE_STEP_TRADES;
        if (times)
            times[k] = r->tr_time[i];
        if (prices)
            prices[k] = r->tr_price[i];
    }
    return n;
}
