/* bse/trader.c - BSE.py v1.91 trader classes (see trader.h).
 * Every draw, comparison and rounding below follows the named BSE.py method;
 * arithmetic is written in BSE's operand order so the doubles agree bit for bit. */
#include "bse/trader.h"
#include "bse/assumptions.h"

#include <assert.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#define PY_PI 3.141592653589793 /* math.pi */

/* Python int(x) for a float: truncation toward zero. */
static inline int64_t py_int(double x) { return (int64_t)x; }
/* Python round(x) / round(x, 0): half-to-even on the exact value. */
static inline int64_t py_round(double x) { return (int64_t)rint(x); }

/* Trader.profitpertime_update */
static double ppt_update(double time, double birthtime, double totalprofit)
{
    double alive = time - birthtime;
    if (alive >= 60)
        return totalprofit / alive;
    return totalprofit / 60;
}

/* ---------------------------------------------------------------- construction */

static bse_trader_status init_zip(bse_trader *t, const bse_trader_entry *e, bse_rng *rng)
{
    /* TraderZIP.__init__: beta, momntm, ca, cr, margin_buy, margin_sell,
     * strat_wait_time, profit_epsilon, then ZIPSH's extra vectors. */
    t->u.zip.job = -1;
    t->u.zip.beta = bse_rng_uniform(rng, 0.1, 0.5);
    t->u.zip.momntm = bse_rng_uniform(rng, 0.0, 0.1);
    t->u.zip.ca = bse_rng_uniform(rng, 0.01, 0.05);
    t->u.zip.cr = bse_rng_uniform(rng, 0.01, 0.05);
    t->u.zip.margin_buy = -1.0 * bse_rng_uniform(rng, 0.05, 0.35);
    t->u.zip.margin_sell = bse_rng_uniform(rng, 0.05, 0.35);
    t->u.zip.k = (e->has_params && e->has_k) ? e->k : 1;
    t->u.zip.optimizer = (t->type == BSE_T_ZIPSH && e->has_params);
    t->u.zip.strat_wait_time = 7200 + bse_rng_randint(rng, 0, 3600);
    (void)bse_rng_random(rng); /* profit_epsilon = 0.0 * random.random() */
    if (t->u.zip.optimizer && t->u.zip.k > 1) {
        int32_t k = t->u.zip.k;
        bse_zipsh_slot *s = calloc((size_t)k, sizeof *s);
        if (!s)
            return BSE_TRADER_ENOMEM;
        t->u.zip.strats = s;
        s[0].v = (bse_zip_strat){t->u.zip.margin_buy, t->u.zip.margin_sell, t->u.zip.beta,
                                 t->u.zip.momntm,     t->u.zip.ca,          t->u.zip.cr};
        s[0].active = 1;
        for (int32_t i = 1; i < k; i++) {
            bse_zip_strat v;
            v.m_buy = -1.0 * bse_rng_uniform(rng, 0.05, 0.35);
            v.m_sell = bse_rng_uniform(rng, 0.05, 0.35);
            v.beta = bse_rng_uniform(rng, 0.1, 0.5);
            v.momntm = bse_rng_uniform(rng, 0.0, 0.1);
            v.ca = bse_rng_uniform(rng, 0.01, 0.05);
            v.cr = bse_rng_uniform(rng, 0.01, 0.05);
            s[i].v = v;
        }
    }
    return BSE_TRADER_OK;
}

/* TraderPRZI.mutate_strat(s, 'gauss') */
static double przi_mutate_gauss(bse_rng *rng, double s)
{
    double n = s;
    while (n == s) {
        n = s + bse_rng_gauss(rng, 0.0, 0.05);
        n = fmax(-1.0, fmin(1.0, n));
    }
    return n;
}

static bse_trader_status init_przi(bse_trader *t, const bse_trader_entry *e, bse_rng *rng)
{
    /* TraderPRZI.__init__ (params as populate_market's unpack_params builds them) */
    int32_t k = (t->type == BSE_T_PRZI) ? 1 : e->k;
    t->u.przi.optimizer = (t->type == BSE_T_PRZI) ? 0 : (int)t->type;
    t->u.przi.k = k;
    t->u.przi.s_min = e->s_min;
    t->u.przi.s_max = e->s_max;
    t->u.przi.strat_eval_time = (double)k * 7200;
    t->u.przi.s0_index = 0;
    t->u.przi.snew_index = k;
    (void)bse_rng_random(rng); /* profit_epsilon */
    t->u.przi.pmax_c_i = sqrt((double)bse_rng_randint(rng, 1, 10));
    int32_t nslots = (t->type == BSE_T_PRZI) ? 1 : (t->type == BSE_T_PRSH ? k : k + 1);
    bse_przi_slot *s = calloc((size_t)nslots, sizeof *s);
    if (!s)
        return BSE_TRADER_ENOMEM;
    t->u.przi.strats = s;
    t->u.przi.nslots = nslots;
    for (int32_t i = 0; i < nslots; i++) {
        if (i == 0)
            s[i].stratval = bse_rng_uniform(rng, e->s_min, e->s_max);
        else if (t->type == BSE_T_PRSH)
            s[i].stratval = przi_mutate_gauss(rng, s[0].stratval);
        else
            s[i].stratval = bse_rng_uniform(rng, e->s_min, e->s_max);
        s[i].active = (i == 0);
    }
    return BSE_TRADER_OK;
}

bse_trader_status bse_trader_init(bse_trader *t, const bse_trader_entry *e, const char *tid, bse_rng *rng)
{
    memset(t, 0, sizeof *t);
    t->type = e->type;
    snprintf(t->tid, sizeof t->tid, "%s", tid);
    int is_pt = (e->type == BSE_T_PT1 || e->type == BSE_T_PT2);
    t->balance = is_pt ? 500 : 0;
    t->blot_cap = BSE_BLOTTER_LEN;
    t->blotter = malloc(sizeof *t->blotter * (size_t)t->blot_cap);
    if (!t->blotter)
        return BSE_TRADER_ENOMEM;
    switch (e->type) {
    case BSE_T_ZIP:
    case BSE_T_ZIPSH:
        return init_zip(t, e, rng);
    case BSE_T_PRZI:
    case BSE_T_PRSH:
    case BSE_T_PRDE:
        return init_przi(t, e, rng);
    case BSE_T_PT1:
    case BSE_T_PT2:
        t->u.pt.n_past_trades = e->has_n_past_trades ? e->n_past_trades : 5;
        t->u.pt.bid_percent = e->has_bid_percent ? e->bid_percent : 0.9999;
        t->u.pt.ask_delta = e->has_ask_delta ? e->ask_delta : 5;
        return BSE_TRADER_OK;
    default:
        return BSE_TRADER_OK;
    }
}

static void lut_free(bse_lut *L);

void bse_trader_clear(bse_trader *t)
{
    if (!t)
        return;
    free(t->blotter);
    if (t->type == BSE_T_ZIP || t->type == BSE_T_ZIPSH)
        free(t->u.zip.strats);
    if (t->type == BSE_T_PRZI || t->type == BSE_T_PRSH || t->type == BSE_T_PRDE) {
        for (int32_t i = 0; t->u.przi.strats && i < t->u.przi.nslots; i++) {
            lut_free(&t->u.przi.strats[i].lut_bid);
            lut_free(&t->u.przi.strats[i].lut_ask);
        }
        free(t->u.przi.strats);
    }
    memset(t, 0, sizeof *t);
}

int bse_trader_responds(const bse_trader *t)
{
    switch (t->type) {
    case BSE_T_ZIP:
    case BSE_T_ZIPSH:
    case BSE_T_PRSH:
    case BSE_T_PRDE:
    case BSE_T_PT1:
    case BSE_T_PT2:
        return 1;
    default:
        return 0;
    }
}

/* ---------------------------------------------------------------- getorder */

/* SHVR price with shave d (SHVR and PRZI use 1, SNPR its shave): BSE
 * TraderShaver.getorder / TraderPRZI.shvr_price / TraderSniper.getorder. */
static int64_t shave_price(const bse_exchange *ex, int is_bid, int64_t limit, int64_t d)
{
    if (is_bid) {
        const bse_book_level *b = bse_book_best(&ex->bids);
        if (!b)
            return ex->bids.worst;
        int64_t q = b->price + d;
        return q > limit ? limit : q;
    }
    const bse_book_level *a = bse_book_best(&ex->asks);
    if (!a)
        return ex->asks.worst;
    int64_t q = a->price - d;
    return q < limit ? limit : q;
}

/* Empty a strategy side's cache of tables. */
static void lut_flush(bse_lut *L)
{
    for (int32_t i = 0; i < L->cap; i++)
        free(L->tab[i].v);
    if (L->cap)
        memset(L->tab, 0, sizeof *L->tab * (size_t)L->cap);
    L->used = 0;
    L->doubles = 0;
}

static void lut_free(bse_lut *L)
{
    lut_flush(L);
    free(L->tab);
    memset(L, 0, sizeof *L);
}

static bse_lut_table *lut_slot(bse_lut *L, int64_t span)
{
    uint32_t m = (uint32_t)L->cap - 1, h = (uint32_t)((uint64_t)span * 0x9E3779B97F4A7C15u >> 32) & m;
    while (L->tab[h].span && L->tab[h].span != span)
        h = (h + 1) & m;
    return &L->tab[h];
}

/* Double the hash slots (64 at first), keeping the tables. */
static int lut_grow(bse_lut *L)
{
    int32_t ncap = L->cap ? 2 * L->cap : 64;
    bse_lut_table *old = L->tab, *tab = calloc((size_t)ncap, sizeof *tab);
    if (!tab)
        return -1;
    int32_t ocap = L->cap;
    L->tab = tab;
    L->cap = ncap;
    for (int32_t i = 0; i < ocap; i++)
        if (old[i].span)
            *lut_slot(L, old[i].span) = old[i];
    free(old);
    return 0;
}

/* TraderPRZI.getorder.calc_cdf_lut's weights, for a table not in the cache:
 * the same operations in the same order, so the same doubles. */
static int lut_weights(bse_lut_table *T, double strategy, int buy, int64_t span, const char **why)
{
    double *v = malloc(sizeof *v * (size_t)span);
    if (!v) {
        *why = "out of memory";
        return -2;
    }
    double p_range = (double)(span - 1);
    if (p_range < 1) {
        v[0] = 1.0;
        *T = (bse_lut_table){.span = span, .filled = 1, .sum = 1.0, .v = v};
        return 0;
    }
    double c = 4 * tan(PY_PI * (strategy + 0.5));
    c = (c < 100) ? c : 100;   /* min(theta0, x) */
    c = (c > -100) ? c : -100; /* max(-theta0, .) */
    if (fabs(c) < 0.000001)
        c = (c > 0) ? 0.000001 : -0.000001;
    double e2cm1 = exp(c) - 1;
    double sum = 0;
    for (int64_t i = 0; i < span; i++) {
        double p_r = (double)i / p_range;
        double cal;
        if (strategy == 0.0)
            cal = 1 / (p_range + 1);
        else if (strategy > 0)
            cal = buy ? (exp(c * p_r) - 1.0) / e2cm1 : (exp(c * (1 - p_r)) - 1.0) / e2cm1;
        else
            cal = buy ? 1.0 - ((exp(c * p_r) - 1.0) / e2cm1) : 1.0 - ((exp(c * (1 - p_r)) - 1.0) / e2cm1);
        if (cal < 0)
            cal = 0;
        v[i] = cal;
        sum += cal;
    }
    if (sum == 0) {
        free(v);
        *why = "PRZI calc_cdf_lut: float division by zero (calp_sum == 0)";
        return -1;
    }
    *T = (bse_lut_table){.span = span, .filled = 0, .sum = sum, .v = v};
    return 0;
}

/* The table for (strategy, side, pmin..pmax), from the cache or built and
 * cached: TraderPRZI.getorder.calc_cdf_lut with its checks in its order. */
static int lut_get(bse_lut *L, double strategy, int buy, int64_t pmin, int64_t pmax, bse_lut_table **out,
                   const char **why)
{
    if (L->has_strat && L->strat == strategy && L->cap && pmax >= pmin) {
        bse_lut_table *T = lut_slot(L, pmax - pmin + 1);
        if (T->span) {
            *out = T;
            return 0;
        }
    }
    if (strategy > 1.0 || strategy < -1.0) {
        *why = "PRSH FAIL: strategy out of range";
        return -1;
    }
    if (pmax < pmin) {
        *why = "PRSH FAIL: pmax < pmin";
        return -1;
    }
    int64_t span = pmax - pmin + 1;
    if (span > 100000000) {
        *why = "PRZI price range too large to tabulate";
        return -1;
    }
    if (!L->has_strat || L->strat != strategy) {
        lut_flush(L);
        L->strat = strategy;
        L->has_strat = 1;
    }
    if (L->used && L->doubles + span > BSE_LUT_BUDGET)
        lut_flush(L); /* full: start again (the cache only saves time) */
    if (2 * (L->used + 1) > L->cap && lut_grow(L)) {
        *why = "out of memory";
        return -2;
    }
    bse_lut_table built;
    int rc = lut_weights(&built, strategy, buy, span, why);
    if (rc)
        return rc;
    bse_lut_table *T = lut_slot(L, span);
    *T = built;
    L->used++;
    L->doubles += span;
    *out = T;
    return 0;
}

/* The first index whose cumulative probability exceeds u (BSE's linear scan
 * of the LUT), or -1. The cumulative sums are non-decreasing, so the part
 * already summed is searched by bisection and the rest summed only as far as
 * needed, each sum the same double as BSE's running total. */
static int64_t lut_draw(bse_lut_table *T, double u)
{
    int64_t f = T->filled;
    if (f > 0 && u < T->v[f - 1]) {
        int64_t lo = 0, hi = f - 1; /* v[hi] > u */
        while (lo < hi) {
            int64_t mid = lo + (hi - lo) / 2;
            if (u < T->v[mid])
                hi = mid;
            else
                lo = mid + 1;
        }
        return lo;
    }
    double cum = f > 0 ? T->v[f - 1] : 0;
    for (int64_t i = f; i < T->span; i++) {
        cum += T->v[i] / T->sum;
        T->v[i] = cum;
        T->filled = i + 1;
        if (u < cum)
            return i;
    }
    return -1;
}

static int getorder_przi(bse_trader *t, const bse_exchange *ex, bse_rng *rng, int64_t *price, const char **why)
{
    int64_t limit = t->order_price;
    int is_bid = t->order_is_bid;
    int64_t minprice = ex->bids.worst;
    int64_t maxprice = t->u.przi.pmax;
    if (!t->u.przi.has_pmax) {
        maxprice = py_int((double)limit * t->u.przi.pmax_c_i + 0.5);
        t->u.przi.pmax = maxprice;
        t->u.przi.has_pmax = 1;
    } else if (ex->asks.has_extreme) {
        if (t->u.przi.pmax < ex->asks.session_extreme) {
            maxprice = ex->asks.session_extreme;
            t->u.przi.pmax = maxprice;
        }
    }
    bse_przi_slot *s = &t->u.przi.strats[t->u.przi.active_strat];
    double strat = s->stratval;
    double p_shvr = (double)shave_price(ex, is_bid, limit, 1);
    bse_lut *L;
    int64_t p_min, p_max;
    if (is_bid) {
        p_max = limit;
        if (strat > 0.0)
            p_min = minprice;
        else
            p_min = py_int(0.5 + (-strat * p_shvr) + ((1.0 + strat) * (double)minprice));
        L = &s->lut_bid;
    } else {
        p_min = limit;
        if (strat > 0.0) {
            p_max = maxprice;
        } else {
            p_max = py_int(0.5 + (-strat * p_shvr) + ((1.0 + strat) * (double)maxprice));
            if (p_max < p_min)
                p_max = p_min;
        }
        L = &s->lut_ask;
    }
    bse_lut_table *T;
    int rc = lut_get(L, strat, is_bid, p_min, p_max, &T, why);
    if (rc)
        return rc;
    int64_t i = lut_draw(T, bse_rng_random(rng));
    if (i >= 0) {
        *price = p_min + i;
        return 1;
    }
    *why = "PRZI drew no price from its CDF (BSE would raise TypeError comparing None)";
    return -1;
}

/* Records the quote as the trader's last (BSE's lastquote); returns 1. */
static int note_quote(bse_trader *t, int is_bid, int64_t price)
{
    t->has_lastquote = 1;
    t->lastquote_is_bid = is_bid;
    t->lastquote_price = price;
    return 1;
}

/* The quote (1), or 0 or an error, of a trader with a customer order, not a sniper:
 * getorder's part past its cheap early returns, kept out of line so that the far more
 * frequent calls that return early (no order) pay for no more than those tests. */
__attribute__((noinline)) static int getorder_priced(bse_trader *t, double time, const bse_exchange *ex,
                                                     bse_rng *rng, int *is_bid, int64_t *price, const char **why)
{
    *is_bid = t->order_is_bid;
    switch (t->type) {
    case BSE_T_GVWY:
        *price = t->order_price;
        break;
    case BSE_T_ZIC:
        if (t->order_is_bid) {
            if (t->order_price < ex->bids.worst) {
                *why = "ZIC: empty range for randrange() (limit below the system minimum)";
                return -1;
            }
            *price = bse_rng_randint(rng, ex->bids.worst, t->order_price);
        } else {
            if (t->order_price > ex->asks.worst) {
                *why = "ZIC: empty range for randrange() (limit above the system maximum)";
                return -1;
            }
            *price = bse_rng_randint(rng, t->order_price, ex->asks.worst);
        }
        break;
    case BSE_T_SHVR:
        *price = shave_price(ex, t->order_is_bid, t->order_price, 1);
        break;
    case BSE_T_ZIP:
    case BSE_T_ZIPSH:
        t->u.zip.active = 1;
        t->u.zip.limit = t->order_price;
        t->u.zip.has_limit = 1;
        t->u.zip.job = t->order_is_bid ? BSE_BID : BSE_ASK;
        t->u.zip.margin = t->order_is_bid ? t->u.zip.margin_buy : t->u.zip.margin_sell;
        t->u.zip.has_margin = 1;
        *price = py_int((double)t->u.zip.limit * (1 + t->u.zip.margin));
        t->u.zip.price = *price;
        t->u.zip.has_price = 1;
        break;
    case BSE_T_PRZI:
    case BSE_T_PRSH:
    case BSE_T_PRDE: {
        int rc = getorder_przi(t, ex, rng, price, why);
        if (rc != 1)
            return rc;
        break;
    }
    case BSE_T_PT1:
    case BSE_T_PT2:
        if (time < 5 * 60)
            return 0;
        *price = t->order_price;
        break;
    default:
        *why = "unknown trader type";
        return -1;
    }
    return note_quote(t, *is_bid, *price);
}

int bse_trader_getorder(bse_trader *t, double time, double countdown, const bse_exchange *ex, bse_rng *rng,
                        int *is_bid, int64_t *price, const char **why)
{
    if (countdown < 0 && t->type != BSE_T_SNPR) {
        *why = "Negative countdown";
        return -1;
    }
    if (t->type == BSE_T_SNPR) {
        /* TraderSniper.getorder: lurk_threshold 0.2, shavegrowthrate 3 */
        int64_t shave = py_int(1.0 / (0.01 + countdown / (3 * 0.2)));
        if (!t->has_order || countdown > 0.2)
            return 0;
        *is_bid = t->order_is_bid;
        *price = shave_price(ex, t->order_is_bid, t->order_price, shave);
        return note_quote(t, *is_bid, *price);
    }
    if (!t->has_order) {
        if (t->type == BSE_T_ZIP || t->type == BSE_T_ZIPSH)
            t->u.zip.active = 0;
        return 0;
    }
    return getorder_priced(t, time, ex, rng, is_bid, price, why);
}

/* ---------------------------------------------------------------- bookkeep */

static int blotter_add(bse_trader *t, const bse_trade *trade)
{
    bse_blotter_entry e = {trade->time, trade->price, trade->party1, trade->party2};
    int unbounded = (t->type == BSE_T_PT1 || t->type == BSE_T_PT2); /* PT bookkeep never truncates */
    if (t->blot_len < t->blot_cap) {
        int32_t i = t->blot_head + t->blot_len;
        if (i >= t->blot_cap)
            i -= t->blot_cap;
        t->blotter[i] = e;
        t->blot_len++;
        return 0;
    }
    if (unbounded) { /* grow; PT blotters keep head 0 */
        int32_t ncap = t->blot_cap * 2;
        bse_blotter_entry *b = realloc(t->blotter, sizeof *b * (size_t)ncap);
        if (!b)
            return -1;
        t->blotter = b;
        t->blot_cap = ncap;
        t->blotter[t->blot_len++] = e;
        return 0;
    }
    t->blotter[t->blot_head] = e; /* blotter[-100:] */
    t->blot_head = (t->blot_head + 1 == t->blot_cap) ? 0 : t->blot_head + 1;
    return 0;
}

bse_trader_status bse_trader_bookkeep(bse_trader *t, double time, const bse_trade *trade, const char **why)
{
    if (blotter_add(t, trade)) {
        *why = "out of memory";
        return BSE_TRADER_ENOMEM;
    }
    if (!t->has_order) {
        *why = "bookkeep with no customer order (BSE would raise IndexError)";
        return BSE_TRADER_EBSE;
    }
    if (t->type == BSE_T_PT1 || t->type == BSE_T_PT2) { /* TraderPT1.bookkeep */
        if (t->order_is_bid) {
            t->balance -= trade->price;
            t->u.pt.last_purchase_price = trade->price;
            t->u.pt.has_last_purchase = 1;
            t->u.pt.job_sell = 1;
        } else {
            t->balance += trade->price;
            t->u.pt.last_purchase_price = 0;
            t->u.pt.has_last_purchase = 1;
            t->u.pt.job_sell = 0;
        }
        t->has_order = 0;
        return BSE_TRADER_OK;
    }
    int64_t profit = t->order_is_bid ? t->order_price - trade->price : trade->price - t->order_price;
    t->balance += profit;
    t->n_trades++;
    if (time - t->birthtime == 0) {
        *why = "bookkeep: float division by zero (trade at the trader's birth time)";
        return BSE_TRADER_EBSE;
    }
    t->profitpertime = (double)t->balance / (time - t->birthtime);
    if (profit < 0) {
        *why = "FAIL: negative profit";
        return BSE_TRADER_EBSE;
    }
    t->has_order = 0;
    if (t->type == BSE_T_PRZI || t->type == BSE_T_PRSH || t->type == BSE_T_PRDE) {
        /* TraderPRZI.bookkeep: pps with no 60 s floor */
        bse_przi_slot *s = &t->u.przi.strats[t->u.przi.active_strat];
        s->profit += (double)profit;
        double alive = time - s->start_t;
        s->pps = (alive > 0) ? s->profit / alive : (double)profit;
    } else if ((t->type == BSE_T_ZIP || t->type == BSE_T_ZIPSH) && t->u.zip.strats) {
        bse_zipsh_slot *s = &t->u.zip.strats[t->u.zip.active_strat];
        s->profit += (double)profit;
        s->pps = ppt_update(time, s->start_t, s->profit);
    }
    return BSE_TRADER_OK;
}

/* ---------------------------------------------------------------- respond */

int bse_zip_classify(bse_zip_market *m, const bse_exchange *ex, const bse_trade *trade, const char **why)
{
    m->bid_improved = m->bid_hit = m->ask_improved = m->ask_lifted = 0;
    const bse_book_level *b = bse_book_best(&ex->bids), *a = bse_book_best(&ex->asks);
    if (b) {
        if (m->has_prev_bid && m->prev_bid_p < b->price) {
            m->bid_improved = 1;
        } else if (trade) {
            if (!m->has_prev_bid) {
                *why = "ZIP respond compares None with a price (BSE would raise TypeError)";
                return -1;
            }
            if (m->prev_bid_p > b->price || (m->prev_bid_p == b->price && m->prev_bid_q > b->qty))
                m->bid_hit = 1;
        }
    } else if (m->has_prev_bid) {
        const bse_tape_rec *last = bse_exchange_tape_back(ex, 1);
        if (!last) {
            *why = "ZIP respond reads an empty tape (BSE would raise IndexError)";
            return -1;
        }
        m->bid_hit = last->is_trade;
    }
    if (a) {
        if (m->has_prev_ask && m->prev_ask_p > a->price) {
            m->ask_improved = 1;
        } else if (trade) {
            if (!m->has_prev_ask) {
                *why = "ZIP respond compares None with a price (BSE would raise TypeError)";
                return -1;
            }
            if (m->prev_ask_p < a->price || (m->prev_ask_p == a->price && m->prev_ask_q > a->qty))
                m->ask_lifted = 1;
        }
    } else if (m->has_prev_ask) {
        const bse_tape_rec *last = bse_exchange_tape_back(ex, 1);
        if (!last) {
            *why = "ZIP respond reads an empty tape (BSE would raise IndexError)";
            return -1;
        }
        m->ask_lifted = last->is_trade;
    }
    m->has_best_bid = (b != 0);
    m->has_best_ask = (a != 0);
    m->best_bid = b ? b->price : 0;
    m->best_ask = a ? a->price : 0;
    /* store the current bests as prev_* for the next pass */
    m->has_prev_bid = (b != 0);
    m->prev_bid_p = b ? b->price : 0;
    m->prev_bid_q = b ? b->qty : 0;
    m->has_prev_ask = (a != 0);
    m->prev_ask_p = a ? a->price : 0;
    m->prev_ask_q = a ? a->qty : 0;
    return 0;
}

/* TraderZIP.respond.target_up / target_down: absolute shift drawn first. */
static int64_t zip_target_up(bse_trader *t, bse_rng *rng, int64_t price)
{
    double ptrb_abs = t->u.zip.ca * bse_rng_random(rng);
    double ptrb_rel = (double)price * (1.0 + (t->u.zip.cr * bse_rng_random(rng)));
    return py_round(ptrb_rel + ptrb_abs);
}

static int64_t zip_target_down(bse_trader *t, bse_rng *rng, int64_t price)
{
    double ptrb_abs = t->u.zip.ca * bse_rng_random(rng);
    double ptrb_rel = (double)price * (1.0 - (t->u.zip.cr * bse_rng_random(rng)));
    return py_round(ptrb_rel - ptrb_abs);
}

static int zip_willing(const bse_trader *t, int64_t price)
{
    if (t->u.zip.job == BSE_BID && t->u.zip.active && t->u.zip.price >= price)
        return 1;
    if (t->u.zip.job == BSE_ASK && t->u.zip.active && t->u.zip.price <= price)
        return 1;
    return 0;
}

/* TraderZIP.respond.profit_alter */
static void zip_profit_alter(bse_trader *t, int64_t target)
{
    int64_t diff = target - t->u.zip.price;
    double change = ((1.0 - t->u.zip.momntm) * (t->u.zip.beta * (double)diff)) + (t->u.zip.momntm * t->u.zip.prev_change);
    t->u.zip.prev_change = change;
    double newmargin = (((double)t->u.zip.price + change) / (double)t->u.zip.limit) - 1.0;
    if (t->u.zip.job == BSE_BID) {
        if (newmargin < 0.0) {
            t->u.zip.margin_buy = newmargin;
            t->u.zip.margin = newmargin;
        }
    } else {
        if (newmargin > 0.0) {
            t->u.zip.margin_sell = newmargin;
            t->u.zip.margin = newmargin;
        }
    }
    t->u.zip.price = py_round((double)t->u.zip.limit * (1.0 + t->u.zip.margin));
}

/* TraderZIP.mutate_strat.gauss_mutate_clip */
static double zip_mutate_clip(bse_rng *rng, double value, double sdev, double lo, double hi)
{
    double v = value;
    while (v == value) {
        v = value + bse_rng_gauss(rng, 0.0, sdev);
        if (v > hi)
            v = hi;
        else if (v < lo)
            v = lo;
    }
    return v;
}

static bse_zip_strat zip_mutate(bse_rng *rng, const bse_zip_strat *s)
{
    bse_zip_strat n;
    n.m_buy = zip_mutate_clip(rng, s->m_buy, 0.025, -1.0, 0);
    n.m_sell = zip_mutate_clip(rng, s->m_sell, 0.025, 0.0, 1.0);
    n.beta = zip_mutate_clip(rng, s->beta, 0.025, 0.0, 1.0);
    n.momntm = zip_mutate_clip(rng, s->momntm, 0.025, 0.0, 1.0);
    n.ca = zip_mutate_clip(rng, s->ca, 0.0025, 0.0, 1.0);
    n.cr = zip_mutate_clip(rng, s->cr, 0.0025, 0.0, 1.0);
    return n;
}

static void zip_load_strat(bse_trader *t, const bse_zip_strat *v, double birthtime)
{
    t->u.zip.margin_buy = v->m_buy;
    t->u.zip.margin_sell = v->m_sell;
    t->u.zip.beta = v->beta;
    t->u.zip.momntm = v->momntm;
    t->u.zip.ca = v->ca;
    t->u.zip.cr = v->cr;
    t->n_trades = 0;
    t->birthtime = birthtime;
    t->balance = 0;
    t->profitpertime = 0;
}

static void zipsh_activate(bse_zipsh_slot *s, double t)
{
    s->start_t = t;
    s->active = 1;
    s->profit = 0.0;
    s->pps = 0.0;
    s->evaluated = 0;
}

/* Python sorted(strats, key=pps, reverse=True): stable, descending. */
#define STABLE_SORT_DESC_PPS(arr, n, T)                                                                                \
    do {                                                                                                               \
        for (int32_t i_ = 1; i_ < (n); i_++) {                                                                        \
            T x_ = (arr)[i_];                                                                                          \
            int32_t j_ = i_;                                                                                           \
            while (j_ > 0 && (arr)[j_ - 1].pps < x_.pps) {                                                            \
                (arr)[j_] = (arr)[j_ - 1];                                                                             \
                j_--;                                                                                                  \
            }                                                                                                          \
            (arr)[j_] = x_;                                                                                            \
        }                                                                                                              \
    } while (0)

/* The ZIPSH part of TraderZIP.respond. Returns the snapshot flag. */
static int zipsh_step(bse_trader *t, double time, bse_rng *rng)
{
    bse_zipsh_slot *s = t->u.zip.strats;
    int32_t k = t->u.zip.k;
    for (int32_t i = 0; i < k; i++)
        if (s[i].active)
            s[i].pps = ppt_update(time, s[i].start_t, s[i].profit);
    int all_evaluated = 1;
    for (int32_t i = 0; i < k; i++)
        if (!s[i].evaluated) {
            all_evaluated = 0;
            break;
        }
    if (all_evaluated) {
        /* profit_epsilon is 0, so the coin flip between the top two never happens */
        for (int32_t i = 1; i < k; i++) {
            s[i].v = zip_mutate(rng, &s[0].v);
            zipsh_activate(&s[i], time);
        }
        zipsh_activate(&s[0], time);
        zip_load_strat(t, &s[0].v, time);
        t->u.zip.active_strat = 0;
        return 0;
    }
    int32_t a = t->u.zip.active_strat;
    double elapsed = time - s[a].start_t;
    if (elapsed >= (double)t->u.zip.strat_wait_time) {
        s[a].active = 0;
        s[a].profit = (double)t->balance;
        s[a].pps = t->profitpertime;
        s[a].evaluated = 1;
        int32_t next = a + 1;
        if (next > k - 1) {
            STABLE_SORT_DESC_PPS(s, k, bse_zipsh_slot);
            return 1;
        }
        zip_load_strat(t, &s[next].v, time);
        s[next].start_t = time;
        t->u.zip.active_strat = next;
        s[next].active = 1;
        t->u.zip.last_strat_change_time = time;
    }
    return 0;
}

static int respond_zip(bse_trader *t, double time, const bse_trade *trade, const bse_zip_market *m, bse_rng *rng,
                       const char **why)
{
    int snapshot = 0;
    if (t->u.zip.optimizer)
        snapshot = zipsh_step(t, time, rng);
    int deal = m->bid_hit || m->ask_lifted;
    if (deal && !trade && t->u.zip.job != -1) {
        *why = "ZIP respond reads the price of no trade (BSE would raise TypeError)";
        return -1;
    }
    if (t->u.zip.job == BSE_ASK) {
        if (deal) {
            int64_t tp = trade->price;
            if (t->u.zip.price <= tp)
                zip_profit_alter(t, zip_target_up(t, rng, tp));
            else if (m->ask_lifted && t->u.zip.active && !zip_willing(t, tp))
                zip_profit_alter(t, zip_target_down(t, rng, tp));
        } else if (m->ask_improved && t->u.zip.price > m->best_ask) {
            int64_t target = m->has_best_bid ? zip_target_up(t, rng, m->best_bid) : BSE_MAXPRICE;
            zip_profit_alter(t, target);
        }
    }
    if (t->u.zip.job == BSE_BID) {
        if (deal) {
            int64_t tp = trade->price;
            if (t->u.zip.price >= tp)
                zip_profit_alter(t, zip_target_down(t, rng, tp));
            else if (m->bid_hit && t->u.zip.active && !zip_willing(t, tp))
                zip_profit_alter(t, zip_target_up(t, rng, tp));
        } else if (m->bid_improved && t->u.zip.price < m->best_bid) {
            int64_t target = m->has_best_ask ? zip_target_down(t, rng, m->best_ask) : BSE_MINPRICE;
            zip_profit_alter(t, target);
        }
    }
    return snapshot;
}

static void przi_activate(bse_przi_slot *s, double t)
{
    s->start_t = t;
    s->active = 1;
    s->profit = 0.0;
    s->pps = 0.0;
}

void bse_trader_refresh(bse_trader *t, double time)
{
    if (t->type != BSE_T_PRZI && t->type != BSE_T_PRSH && t->type != BSE_T_PRDE)
        return;
    bse_przi_slot *s = t->u.przi.strats;
    for (int32_t i = 0; i < t->u.przi.nslots; i++)
        if (s[i].active)
            s[i].pps = ppt_update(time, s[i].start_t, s[i].profit);
}

/* x less a margin far above its rounding error: a time before which "time - a > d"
 * (or >=), with x = a + d, is surely false in doubles (rounding is monotone). */
static double quiet_bound(double x) { return x - 1e-6 * (1.0 + fabs(x)); }

double bse_trader_quiet_until(const bse_trader *t)
{
    const bse_przi_slot *s = t->u.przi.strats;
    switch (t->type) {
    case BSE_T_PRSH: {
        /* respond_przi does more than refresh once "time - last_strat_change_time >
         * 7200" or every slot is "old" (time - start_t >= strat_eval_time): not
         * before the youngest slot is old */
        double young = s[0].start_t;
        for (int32_t i = 1; i < t->u.przi.nslots; i++)
            young = s[i].start_t > young ? s[i].start_t : young;
        double a = t->u.przi.last_strat_change_time + 7200, b = young + t->u.przi.strat_eval_time;
        return quiet_bound(a < b ? a : b);
    }
    case BSE_T_PRDE: /* "time - s[a].start_t >= 7200" */
        return quiet_bound(s[t->u.przi.active_strat].start_t + 7200);
    default:
        return -INFINITY;
    }
}

int bse_trader_quiet_at(const bse_trader *t, double time)
{
    const bse_przi_slot *s = t->u.przi.strats;
    switch (t->type) {
    case BSE_T_PRSH: /* respond_przi's two conditions, as it tests them */
        if (time - t->u.przi.last_strat_change_time > 7200)
            return 0;
        for (int32_t i = 0; i < t->u.przi.nslots; i++)
            if (time - s[i].start_t < t->u.przi.strat_eval_time)
                return 1;
        return 0;
    case BSE_T_PRDE:
        return !(time - s[t->u.przi.active_strat].start_t >= 7200);
    default:
        return 0;
    }
}

static int respond_przi(bse_trader *t, double time, bse_rng *rng, const char **why)
{
    bse_przi_slot *s = t->u.przi.strats;
    int32_t k = t->u.przi.k;
    bse_trader_refresh(t, time);
    if (t->u.przi.optimizer == BSE_T_PRSH) {
        int32_t a = t->u.przi.active_strat;
        double elapsed = time - t->u.przi.last_strat_change_time;
        if (elapsed > 7200) {
            s[a].active = 0;
            int32_t next = a + 1;
            if (next > k - 1)
                next = 0;
            t->u.przi.active_strat = next;
            s[next].active = 1;
            t->u.przi.last_strat_change_time = time;
        }
        int all_old = 1;
        for (int32_t i = 0; i < t->u.przi.nslots; i++)
            if (time - s[i].start_t < t->u.przi.strat_eval_time) {
                all_old = 0;
                break;
            }
        if (all_old) {
            STABLE_SORT_DESC_PPS(s, t->u.przi.nslots, bse_przi_slot);
            for (int32_t i = 1; i < k; i++) {
                s[i].stratval = przi_mutate_gauss(rng, s[0].stratval);
                s[i].start_t = time;
                s[i].profit = 0.0;
                s[i].pps = 0.0;
            }
            s[0].start_t = time;
            s[0].profit = 0.0;
            s[0].pps = 0.0;
            t->u.przi.active_strat = 0;
        }
    } else if (t->u.przi.optimizer == BSE_T_PRDE) {
        int32_t a = t->u.przi.active_strat;
        if (time - s[a].start_t >= 7200) {
            if (k < 4) {
                *why = "FAIL: k too small for diffevol";
                return -1;
            }
            if (!t->u.przi.de_active_snew) {
                s[a].active = 0;
                t->u.przi.active_strat = t->u.przi.snew_index;
                przi_activate(&s[t->u.przi.active_strat], time);
                t->u.przi.de_active_snew = 1;
            } else {
                int32_t i0 = t->u.przi.s0_index, inew = t->u.przi.snew_index;
                if (s[inew].pps >= s[i0].pps)
                    s[i0].stratval = s[inew].stratval;
                int order[k];
                for (int32_t i = 0; i < k; i++)
                    order[i] = i;
                bse_rng_shuffle_int(rng, order, (size_t)k);
                t->u.przi.s0_index = order[0];
                double s1 = s[order[1]].stratval, s2 = s[order[2]].stratval, s3 = s[order[3]].stratval;
                double nv = s1 + 0.8 * (s2 - s3);
                nv = (nv < 1) ? nv : 1;   /* min(+1, .) */
                nv = (nv > -1) ? nv : -1; /* max(-1, .) */
                s[inew].stratval = nv;
                double sum = 0.0;
                for (int32_t i = 0; i < k; i++)
                    sum += s[i].stratval;
                double mean = sum / k;
                double sumsq = 0.0;
                for (int32_t i = 0; i < k; i++) {
                    double d = s[i].stratval - mean;
                    sumsq += (d * d);
                }
                double sd = sqrt(sumsq / k);
                if (sd < 0.0001) {
                    int64_t r = bse_rng_randint(rng, 0, k - 1);
                    s[r].stratval = bse_rng_uniform(rng, -1.0, 1.0);
                }
                t->u.przi.active_strat = t->u.przi.s0_index;
                przi_activate(&s[t->u.przi.active_strat], time);
                t->u.przi.de_active_snew = 0;
            }
        }
    }
    return 0;
}

/* TraderPT1.respond (PT2 is a verbatim copy) */
static void respond_pt(bse_trader *t, double time, const bse_exchange *ex)
{
    int32_t n_prices = 0;
    int64_t sum = 0;
    /* walk back from the newest record; like BSE, never look at tape[0] */
    for (int32_t k = 1; n_prices < t->u.pt.n_past_trades && k < ex->tape_len; k++) {
        const bse_tape_rec *r = bse_exchange_tape_back(ex, k);
        if (r->is_trade) {
            n_prices++;
            sum += r->price;
        }
    }
    if (!t->u.pt.job_sell && n_prices == t->u.pt.n_past_trades) {
        int64_t avg = py_round((double)sum / (double)n_prices);
        const bse_book_level *a = bse_book_best(&ex->asks);
        if (a && (double)a->price / (double)avg < t->u.pt.bid_percent) {
            int64_t bidprice = a->price + 1;
            if (bidprice < t->balance) {
                t->has_order = 1;
                t->order_is_bid = 1;
                t->order_price = bidprice;
                t->order_time = time;
            }
        }
    } else if (t->u.pt.job_sell) {
        const bse_book_level *b = bse_book_best(&ex->bids);
        if (b) {
            int64_t askprice = t->u.pt.last_purchase_price + t->u.pt.ask_delta;
            if (askprice < b->price) {
                t->has_order = 1;
                t->order_is_bid = 0;
                t->order_price = askprice;
                t->order_time = time;
            }
        }
    }
    t->profitpertime = ppt_update(time, t->birthtime, (double)t->balance);
}

int bse_trader_respond(bse_trader *t, double time, const bse_exchange *ex, const bse_trade *trade,
                       const bse_zip_market *m, bse_rng *rng, const char **why)
{
    switch (t->type) {
    case BSE_T_ZIP:
    case BSE_T_ZIPSH:
        return respond_zip(t, time, trade, m, rng, why);
    case BSE_T_PRZI:
    case BSE_T_PRSH:
    case BSE_T_PRDE:
        return respond_przi(t, time, rng, why);
    case BSE_T_PT1:
    case BSE_T_PT2:
        respond_pt(t, time, ex);
        return 0;
    default:
        return 0;
    }
}

int bse_trader_active_strategy(const bse_trader *t, double *pps)
{
    if (t->type == BSE_T_ZIPSH && t->u.zip.strats) {
        *pps = t->u.zip.strats[0].pps;
        return 1;
    }
    if (t->type == BSE_T_PRSH || t->type == BSE_T_PRDE) {
        *pps = t->u.przi.strats[t->u.przi.active_strat].pps;
        return 1;
    }
    return 0;
}

int bse_trader_strategy_csv(const bse_trader *t, common_buf *out)
{
    if (t->type == BSE_T_ZIPSH || t->type == BSE_T_ZIP) {
        if (!t->u.zip.strats)
            return common_buf_append(out, "None, ", 6);
        const bse_zip_strat *v = &t->u.zip.strats[0].v;
        return common_buf_printf(out, "mBuy=,%+5.3f, mSel=,%+5.3f, b=,%5.3f, m=,%5.3f, ca=,%6.4f, cr=,%6.4f, ", v->m_buy,
                              v->m_sell, v->beta, v->momntm, v->ca, v->cr);
    }
    if (t->type == BSE_T_PRZI || t->type == BSE_T_PRSH || t->type == BSE_T_PRDE)
        return common_buf_printf(out, "s=,%+5.3f, ", t->u.przi.strats[t->u.przi.active_strat].stratval);
    return 0;
}
