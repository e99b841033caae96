/* tests/test_econ_traders.c - the built-in trading strategies (economy.md s5)
 * each do what defines them, on hand-built observations (chain/economy/agent.h).
 *
 * Greedy choices are checked against a brute force over the candidate trades;
 * the grid runs against a small single-agent market below (fills when the
 * price crosses a resting order) for its property tests. Random tests use a
 * fixed seed printed in their failure messages.
 */
#include <criterion/criterion.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "chain/economy/agent.h"

#define COIN CHAIN_EX_UNITS_PER_COIN
#define STEP CHAIN_EX_QTY_STEP

static const unsigned BASE[3] = {1, 2, 2}, QUOTE[3] = {0, 0, 1};

static void *make(const char *name, const char *json)
{
    const chain_econ_trader_ops *ops = chain_econ_trader_find(name);
    cr_assert(ops, "no strategy %s", name);
    cJSON *p = json ? cJSON_Parse(json) : NULL;
    cr_assert(!json || p, "bad test json %s", json);
    chain_econ_hello h = {.agent = 1, .seed = 7, .step_s = 60, .duration_s = 86400, .label = "t"};
    common_error err;
    common_error_clear(&err);
    void *st = NULL;
    int rc = ops->init(&st, p, &h, &err);
    cr_assert_eq(rc, 0, "%s init %s: %s: %s", name, json ? json : "NULL", err.field, err.msg);
    cJSON_Delete(p);
    return st;
}

static void drop(const char *name, void *st)
{
    chain_econ_trader_find(name)->destroy(st);
}

static void step(const char *name, void *st, const chain_econ_obs *obs, uint64_t seed, chain_econ_action *act)
{
    memset(act, 0, sizeof *act);
    chain_econ_rng r = {seed};
    chain_econ_trader_find(name)->step(st, obs, &r, act);
}

static void obs_init(chain_econ_obs *o, int64_t each_coin)
{
    memset(o, 0, sizeof *o);
    for (int c = 0; c < 3; c++)
        o->ex[c].free = each_coin;
}

static void set_last(chain_econ_obs *o, unsigned pair, int64_t px)
{
    o->books[pair].last_price = px;
    o->books[pair].history[0] = px;
    o->books[pair].n_history = 1;
}

static void add_level(chain_econ_book_view *b, int side, int64_t px, int64_t qty)
{
    if (side == BSE_MATCH_BUY) {
        b->bids[b->n_bids][0] = px;
        b->bids[b->n_bids++][1] = qty;
    } else {
        b->asks[b->n_asks][0] = px;
        b->asks[b->n_asks++][1] = qty;
    }
}

/* Every order of act is in range, on the step, and together they fit the free balances. */
static void assert_sane(const chain_econ_obs *o, const chain_econ_action *a, const char *who)
{
    int64_t need[3] = {0, 0, 0};
    for (size_t i = 0; i < a->n_orders; i++) {
        const chain_econ_order_req *r = &a->orders[i];
        cr_assert(r->pair < 3, "%s: pair", who);
        cr_assert(r->qty >= STEP && r->qty % STEP == 0, "%s: qty %lld", who, (long long)r->qty);
        if (r->type != BSE_MATCH_MARKET)
            cr_assert(r->price >= 1 && r->price <= CHAIN_EX_PRICE_MAX, "%s: price", who);
        cr_assert(r->type != BSE_MATCH_MARKET, "%s: market orders lock the whole balance", who);
        if (r->side == BSE_MATCH_BUY)
            need[QUOTE[r->pair]] += r->price * (r->qty / STEP);
        else
            need[BASE[r->pair]] += r->qty;
    }
    for (int c = 0; c < 3; c++)
        cr_assert(need[c] <= o->ex[c].free, "%s: coin %d needs %lld of %lld free", who, c, (long long)need[c],
                  (long long)o->ex[c].free);
}

/* ---------- registry and params ---------- */

static const char *const ALL[] = {"balancer", "simple-greedy", "market-greedy", "arbitrage", "hodl",
                                  "equal-value", "spot", "moving-average", "news", "wildcard",
                                  "fundamental", "grid", "whale"};
#define N_ALL (sizeof ALL / sizeof ALL[0])

Test(econ_traders, every_strategy_is_found_by_its_name_in_a_fixed_order)
{
    const char *const *names = chain_econ_trader_names();
    size_t n = 0;
    for (; names[n]; n++) { /* the built-ins first; strategies added later (external) after them */
        if (n < N_ALL)
            cr_assert_str_eq(names[n], ALL[n]);
        const chain_econ_trader_ops *ops = chain_econ_trader_find(names[n]);
        cr_assert(ops && strcmp(ops->name, names[n]) == 0 && ops->init && ops->step && ops->destroy);
    }
    cr_assert_geq(n, N_ALL);
    cr_assert_null(chain_econ_trader_find("nope"));
    cr_assert_null(chain_econ_trader_find(NULL));
    for (size_t i = 0; i < N_ALL; i++) /* NULL params: the defaults */
        drop(ALL[i], make(ALL[i], NULL));
}

static void expect_refused(const char *name, const char *json, const char *field)
{
    const chain_econ_trader_ops *ops = chain_econ_trader_find(name);
    cJSON *p = cJSON_Parse(json);
    cr_assert(p);
    chain_econ_hello h = {.agent = 0, .seed = 1, .step_s = 60, .duration_s = 600, .label = "x"};
    common_error err;
    common_error_clear(&err);
    void *st = (void *)&err;
    int rc = ops->init(&st, p, &h, &err);
    cJSON_Delete(p);
    cr_assert_eq(rc, -1, "%s accepted %s", name, json);
    cr_assert_null(st, "%s: state left set", name);
    cr_assert_str_eq(err.field, field, "%s %s: field %s, want %s", name, json, err.field, field);
    cr_assert(err.msg[0] && err.code != 0);
}

Test(econ_traders, every_strategy_refuses_unknown_fields_naming_them)
{
    for (size_t i = 0; i < N_ALL; i++)
        expect_refused(ALL[i], "{\"bogus\":1}", "params.bogus");
    expect_refused("spot", "[1]", "params");
}

Test(econ_traders, params_of_wrong_type_or_out_of_range_are_refused_naming_the_field)
{
    static const char *const cases[][3] = {
        {"moving-average", "{\"k\":1}", "params.k"},
        {"moving-average", "{\"k\":129}", "params.k"},
        {"moving-average", "{\"k\":2.5}", "params.k"},
        {"moving-average", "{\"k\":\"8\"}", "params.k"},
        {"simple-greedy", "{\"max_frac\":1.5}", "params.max_frac"},
        {"market-greedy", "{\"min_gain\":-1}", "params.min_gain"},
        {"equal-value", "{\"spread\":0.9}", "params.spread"},
        {"spot", "{\"quote_frac\":true}", "params.quote_frac"},
        {"news", "{\"bias\":2}", "params.bias"},
        {"wildcard", "{\"max_pct\":11}", "params.max_pct"},
        {"wildcard", "{\"period_s\":0}", "params.period_s"},
        {"fundamental", "{\"threshold\":100}", "params.threshold"},
        {"fundamental", "{\"momentum\":1}", "params.momentum"},
        {"fundamental", "{\"seed\":-3}", "params.seed"},
        {"balancer", "{\"tol\":\"x\"}", "params.tol"},
        {"balancer", "{\"slip\":-0.1}", "params.slip"},
        {"arbitrage", "{\"threshold\":2}", "params.threshold"},
        {"grid", "{\"coin\":\"ALPHA\"}", "params.coin"},
        {"grid", "{\"coin\":3}", "params.coin"},
        {"grid", "{\"spacing\":0}", "params.spacing"},
        {"grid", "{\"max_open\":0}", "params.max_open"},
        {"grid", "{\"adapt\":\"yes\"}", "params.adapt"},
        {"grid", "{\"target_trips\":5,\"max_trips\":2}", "params.max_trips"},
        {"grid", "{\"min_spacing\":0.1,\"max_spacing\":0.05}", "params.max_spacing"},
        {"whale", "{\"coin\":\"DELTA\"}", "params.coin"},
        {"whale", "{\"levels\":11}", "params.levels"},
        {"whale", "{\"at_s\":-1}", "params.at_s"},
        {"hodl", "{\"k\":2}", "params.k"},
        {"simple-greedy", "{\"max_frac\":\"0.5\"}", "params.max_frac"},
        {"market-greedy", "{\"max_frac\":null}", "params.max_frac"},
        {"equal-value", "{\"spread\":[0]}", "params.spread"},
        {"spot", "{\"requote\":2}", "params.requote"},
        {"news", "{\"bias\":false}", "params.bias"},
        {"wildcard", "{\"max_pct\":\"10\"}", "params.max_pct"},
        {"arbitrage", "{\"max_frac\":{}}", "params.max_frac"},
        {"whale", "{\"budget_frac\":\"all\"}", "params.budget_frac"},
        {"whale", "{\"budget_frac\":1.5}", "params.budget_frac"},
        {"grid", "{\"spacing\":\"1%\"}", "params.spacing"},
        {"grid", "{\"cash_floor\":-0.1}", "params.cash_floor"},
        {"fundamental", "{\"vmax\":\"0.1\"}", "params.vmax"},
        {"balancer", "{\"requote\":1.01}", "params.requote"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        expect_refused(cases[i][0], cases[i][1], cases[i][2]);
    /* the message says what is allowed */
    common_error err;
    common_error_clear(&err);
    cJSON *p = cJSON_Parse("{\"k\":129}");
    void *st = NULL;
    chain_econ_hello h = {.agent = 0, .seed = 1, .step_s = 60, .duration_s = 600, .label = "x"};
    cr_assert_eq(chain_econ_trader_find("moving-average")->init(&st, p, &h, &err), -1);
    cr_assert_str_eq(err.field, "params.k");
    cr_assert(strstr(err.msg, "2..128"), "message: %s", err.msg);
    cJSON_Delete(p);
    p = cJSON_Parse("{\"coin\":\"ALPHA\"}");
    cr_assert_eq(chain_econ_trader_find("grid")->init(&st, p, &h, &err), -1);
    cr_assert(strstr(err.msg, "\"BRAVO\", \"CHARLIE\""), "message: %s", err.msg);
    cJSON_Delete(p);
    /* the edges are accepted */
    drop("moving-average", make("moving-average", "{\"k\":2}"));
    drop("moving-average", make("moving-average", "{\"k\":128}"));
}

/* ---------- greedy: brute force over the candidate trades ---------- */

/* The candidate (pair, side, d): sweep the best d levels, qty capped by
 * max_frac of the free balance spent (a buy's escrow at the d-th price),
 * floored to the step. Its gain: the change of value[]-weighted holdings
 * after filling level by level. Returns 0 when empty. */
static int candidate(const chain_econ_obs *o, const double v[3], unsigned p, int side, size_t d, double frac,
                     int64_t *price, int64_t *qty, double *gain)
{
    const chain_econ_book_view *b = &o->books[p];
    size_t n = side == BSE_MATCH_BUY ? b->n_asks : b->n_bids;
    if (d > n)
        return 0;
    int64_t lv[10][2];
    memcpy(lv, side == BSE_MATCH_BUY ? b->asks : b->bids, sizeof lv);
    int64_t total = 0;
    for (size_t i = 0; i < d; i++)
        total += lv[i][1];
    int64_t limit = lv[d - 1][0];
    int64_t cap = side == BSE_MATCH_BUY ? (int64_t)((double)o->ex[QUOTE[p]].free * frac) / limit * STEP
                                        : (int64_t)((double)o->ex[BASE[p]].free * frac);
    int64_t q = total < cap ? total : cap;
    q = q / STEP * STEP;
    if (q < STEP)
        return 0;
    double hold[3] = {0, 0, 0};
    int64_t left = q;
    for (size_t i = 0; i < d && left > 0; i++) {
        int64_t f = lv[i][1] < left ? lv[i][1] : left;
        double quote = (double)lv[i][0] * (double)f / 1e4;
        if (side == BSE_MATCH_BUY) {
            hold[BASE[p]] += (double)f;
            hold[QUOTE[p]] -= quote;
        } else {
            hold[BASE[p]] -= (double)f;
            hold[QUOTE[p]] += quote;
        }
        left -= f;
    }
    *gain = (hold[0] * v[0] + hold[1] * v[1] + hold[2] * v[2]) / COIN;
    *price = limit;
    *qty = q;
    return 1;
}

static void random_book(chain_econ_obs *o, chain_econ_rng *r)
{
    for (unsigned p = 0; p < 3; p++) {
        chain_econ_book_view *b = &o->books[p];
        double mid = 0.5 + chain_econ_rng_uniform(r) * 1.5;
        int64_t m = (int64_t)(mid * 1e4);
        size_t nb = chain_econ_rng_next(r) % 11, na = chain_econ_rng_next(r) % 11;
        int64_t px = m - 1 - (int64_t)(chain_econ_rng_next(r) % 300);
        for (size_t i = 0; i < nb; i++, px -= 1 + (int64_t)(chain_econ_rng_next(r) % 200))
            add_level(b, BSE_MATCH_BUY, px > 1 ? px : 1, STEP * (1 + (int64_t)(chain_econ_rng_next(r) % 500)));
        px = m + 1 + (int64_t)(chain_econ_rng_next(r) % 300);
        for (size_t i = 0; i < na; i++, px += 1 + (int64_t)(chain_econ_rng_next(r) % 200))
            add_level(b, BSE_MATCH_SELL, px, STEP * (1 + (int64_t)(chain_econ_rng_next(r) % 500)));
        if (chain_econ_rng_next(r) % 4)
            set_last(o, p, m + (int64_t)(chain_econ_rng_next(r) % 4001) - 2000);
    }
    for (int c = 0; c < 3; c++)
        o->ex[c].free = (int64_t)(chain_econ_rng_next(r) % (20ull * COIN));
}

static void check_greedy(const char *name, int spot_values, double frac)
{
    char json[64];
    snprintf(json, sizeof json, "{\"max_frac\":%g}", frac);
    void *st = make(name, json);
    chain_econ_rng r = {2024};
    int traded = 0;
    for (int trial = 0; trial < 400; trial++) {
        chain_econ_obs o;
        obs_init(&o, 0);
        random_book(&o, &r);
        double v[3] = {1, 1, 1};
        if (spot_values) {
            v[1] = o.books[0].last_price > 0 ? o.books[0].last_price / 1e4 : 1;
            v[2] = o.books[1].last_price > 0   ? o.books[1].last_price / 1e4
                   : o.books[2].last_price > 0 ? o.books[2].last_price / 1e4 * v[1]
                                               : 1;
        }
        double best = 0;
        int64_t bp = 0, bq = 0;
        unsigned bpair = 0;
        int bside = -1;
        for (unsigned p = 0; p < 3; p++)
            for (int side = 0; side < 2; side++)
                for (size_t d = 1; d <= 10; d++) {
                    int64_t px, q;
                    double g;
                    if (candidate(&o, v, p, side, d, frac, &px, &q, &g) && g > best + 1e-12) {
                        best = g, bp = px, bq = q, bpair = p, bside = side;
                    }
                }
        chain_econ_action a;
        step(name, st, &o, 1, &a);
        assert_sane(&o, &a, name);
        cr_assert_eq(a.n_cancels, 0);
        if (bside < 0) {
            cr_assert_eq(a.n_orders, 0, "%s trial %d: traded with nothing to gain", name, trial);
            continue;
        }
        traded++;
        cr_assert_eq(a.n_orders, 1, "%s trial %d: %zu orders", name, trial, a.n_orders);
        const chain_econ_order_req *x = &a.orders[0];
        cr_assert_eq(x->type, BSE_MATCH_IOC);
        int64_t px, q;
        double g;
        size_t d = 0;
        for (size_t k = 1; k <= 10; k++) {
            if (candidate(&o, v, x->pair, x->side, k, frac, &px, &q, &g) && px == x->price && q == x->qty) {
                d = k;
                break;
            }
        }
        cr_assert(d > 0, "%s trial %d: its order is no candidate", name, trial);
        cr_assert(fabs(g - best) <= 1e-9 * (1 + fabs(best)),
                  "%s trial %d: gain %.9f, brute force best %.9f (pair %u side %d px %lld q %lld)", name, trial, g,
                  best, bpair, bside, (long long)bp, (long long)bq);
    }
    cr_assert(traded > 50, "%s: only %d trials traded", name, traded);
    drop(name, st);
}

Test(econ_traders, simple_greedy_takes_the_trade_that_most_increases_its_coin_count)
{
    check_greedy("simple-greedy", 0, 0.5);
    check_greedy("simple-greedy", 0, 1.0);
}

Test(econ_traders, market_greedy_takes_the_trade_that_most_increases_its_value_at_last_prices)
{
    check_greedy("market-greedy", 1, 0.5);
    check_greedy("market-greedy", 1, 0.1);
}

Test(econ_traders, greedy_never_rests_an_order_and_ignores_a_fair_book)
{
    chain_econ_obs o;
    obs_init(&o, 10 * COIN);
    add_level(&o.books[0], BSE_MATCH_BUY, 9990, 100 * STEP);
    add_level(&o.books[0], BSE_MATCH_SELL, 10010, 100 * STEP);
    void *st = make("simple-greedy", NULL);
    chain_econ_action a;
    step("simple-greedy", st, &o, 1, &a);
    cr_assert_eq(a.n_orders, 0);
    drop("simple-greedy", st);
}

/* ---------- valuers: what their quotes say about their values ---------- */

/* The price of act's limit order on pair/side, or 0. */
static int64_t quote_px(const chain_econ_action *a, unsigned pair, int side)
{
    for (size_t i = 0; i < a->n_orders; i++)
        if (a->orders[i].pair == pair && a->orders[i].side == side && a->orders[i].type == BSE_MATCH_LIMIT)
            return a->orders[i].price;
    return 0;
}

static int has_taker(const chain_econ_action *a, unsigned pair, int side)
{
    for (size_t i = 0; i < a->n_orders; i++)
        if (a->orders[i].pair == pair && a->orders[i].side == side && a->orders[i].type == BSE_MATCH_IOC)
            return 1;
    return 0;
}

Test(econ_traders, equal_value_treats_the_coins_one_to_one_to_one)
{
    void *st = make("equal-value", "{\"spread\":0.02}");
    chain_econ_obs o;
    obs_init(&o, 10 * COIN);
    set_last(&o, 0, 25000); /* the market says BRAVO is 2.5 ALPHA: equal-value does not care */
    set_last(&o, 1, 4000);
    set_last(&o, 2, 1600);
    chain_econ_action a;
    step("equal-value", st, &o, 1, &a);
    assert_sane(&o, &a, "equal-value");
    for (unsigned p = 0; p < 3; p++) {
        cr_assert_eq(quote_px(&a, p, BSE_MATCH_BUY), 9800, "pair %u bid %lld", p,
                     (long long)quote_px(&a, p, BSE_MATCH_BUY));
        cr_assert_eq(quote_px(&a, p, BSE_MATCH_SELL), 10200);
    }
    /* BRAVO offered at 0.95 ALPHA: a coin for less than a coin - it takes it */
    add_level(&o.books[0], BSE_MATCH_SELL, 9500, 50 * STEP);
    step("equal-value", st, &o, 1, &a);
    cr_assert(has_taker(&a, 0, BSE_MATCH_BUY));
    assert_sane(&o, &a, "equal-value");
    drop("equal-value", st);
}

Test(econ_traders, spot_values_at_the_last_price)
{
    void *st = make("spot", "{\"spread\":0}");
    chain_econ_obs o;
    obs_init(&o, 10 * COIN);
    set_last(&o, 0, 15000);
    set_last(&o, 1, 8000);
    chain_econ_action a;
    step("spot", st, &o, 1, &a);
    assert_sane(&o, &a, "spot");
    cr_assert_eq(quote_px(&a, 0, BSE_MATCH_BUY), 15000);
    cr_assert_eq(quote_px(&a, 1, BSE_MATCH_BUY), 8000);
    cr_assert_eq(quote_px(&a, 2, BSE_MATCH_BUY), chain_econ_price_ticks(0.8 / 1.5)); /* implied cross */
    double v[3];
    chain_econ_spot_values(v, &o);
    cr_assert(v[0] == 1 && v[1] == 1.5 && v[2] == 0.8);
    o.books[1].last_price = 0; /* CHARLIE via CHARLIE/BRAVO x BRAVO */
    set_last(&o, 2, 6000);
    chain_econ_spot_values(v, &o);
    cr_assert(fabs(v[2] - 0.9) < 1e-12);
    /* an ask under spot is taken, one over it is not */
    obs_init(&o, 10 * COIN);
    set_last(&o, 0, 15000);
    add_level(&o.books[0], BSE_MATCH_SELL, 15100, 10 * STEP);
    step("spot", st, &o, 1, &a);
    cr_assert(!has_taker(&a, 0, BSE_MATCH_BUY));
    o.books[0].asks[0][0] = 14900;
    step("spot", st, &o, 1, &a);
    cr_assert(has_taker(&a, 0, BSE_MATCH_BUY));
    drop("spot", st);
}

Test(econ_traders, moving_average_values_at_the_mean_of_the_last_k_trades)
{
    chain_econ_obs o;
    obs_init(&o, 10 * COIN);
    const int64_t hist[8] = {10000, 10000, 10000, 10000, 20000, 20000, 20000, 26000};
    for (int i = 0; i < 8; i++)
        o.books[0].history[i] = hist[i];
    o.books[0].n_history = 8;
    o.books[0].last_price = 26000;
    static const struct {
        int k;
        int64_t want;
    } cases[] = {{2, 23000}, {4, 21500}, {8, 15750}, {16, 15750}, {128, 15750}};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char json[64];
        snprintf(json, sizeof json, "{\"k\":%d,\"spread\":0}", cases[i].k);
        void *st = make("moving-average", json);
        chain_econ_action a;
        step("moving-average", st, &o, 1, &a);
        assert_sane(&o, &a, "moving-average");
        cr_assert_eq(quote_px(&a, 0, BSE_MATCH_BUY), cases[i].want, "k=%d: %lld", cases[i].k,
                     (long long)quote_px(&a, 0, BSE_MATCH_BUY));
        drop("moving-average", st);
    }
}

Test(econ_traders, news_buys_on_bullish_and_sells_on_bearish)
{
    void *st = make("news", NULL);
    for (unsigned coin = 1; coin <= 2; coin++)
        for (int mood = -1; mood <= 1; mood += 2) {
            chain_econ_obs o;
            obs_init(&o, 10 * COIN);
            unsigned p = coin == 1 ? 0 : 1;
            for (unsigned q = 0; q < 3; q++) {
                set_last(&o, q, 10000);
                add_level(&o.books[q], BSE_MATCH_BUY, 9990, 100 * STEP);
                add_level(&o.books[q], BSE_MATCH_SELL, 10010, 100 * STEP);
            }
            o.news[coin] = mood;
            chain_econ_action a;
            step("news", st, &o, 1, &a);
            assert_sane(&o, &a, "news");
            cr_assert_eq(a.n_orders >= 1, 1);
            const chain_econ_order_req *t = &a.orders[0];
            cr_assert_eq(t->type, BSE_MATCH_IOC);
            cr_assert_eq(t->pair == p || t->pair == 2, 1);
            int buys_coin = (t->pair == p) ? t->side == BSE_MATCH_BUY : (coin == 2) == (t->side == BSE_MATCH_BUY);
            cr_assert_eq(buys_coin, mood > 0, "coin %u mood %d: pair %u side %d", coin, mood, t->pair, t->side);
            /* no news: a fair book, nothing taken */
            o.news[coin] = 0;
            step("news", st, &o, 1, &a);
            for (size_t i = 0; i < a.n_orders; i++)
                cr_assert_neq(a.orders[i].type, BSE_MATCH_IOC);
        }
    drop("news", st);
}

Test(econ_traders, wildcard_shifts_within_ten_percent_deterministically_for_a_seed)
{
    chain_econ_obs o;
    obs_init(&o, 10 * COIN);
    set_last(&o, 0, 10000);
    set_last(&o, 1, 20000);
    int64_t seen_lo = INT64_MAX, seen_hi = 0;
    int64_t run[2][200];
    for (int rep = 0; rep < 2; rep++) {
        void *st = make("wildcard", "{\"spread\":0,\"period_s\":60}");
        chain_econ_rng r = {99};
        for (int i = 0; i < 200; i++) {
            chain_econ_action a;
            memset(&a, 0, sizeof a);
            o.t = 60.0 * i;
            chain_econ_trader_find("wildcard")->step(st, &o, &r, &a);
            assert_sane(&o, &a, "wildcard");
            int64_t b0 = quote_px(&a, 0, BSE_MATCH_BUY), b1 = quote_px(&a, 1, BSE_MATCH_BUY);
            cr_assert(b0 >= 9000 && b0 <= 11000, "step %d: BRAVO valued %lld", i, (long long)b0);
            cr_assert(b1 >= 18000 && b1 <= 22000, "step %d: CHARLIE valued %lld", i, (long long)b1);
            seen_lo = b0 < seen_lo ? b0 : seen_lo;
            seen_hi = b0 > seen_hi ? b0 : seen_hi;
            run[rep][i] = b0 * 100000 + b1;
        }
        drop("wildcard", st);
    }
    cr_assert_eq(memcmp(run[0], run[1], sizeof run[0]), 0, "same seed, different shifts");
    cr_assert(seen_lo <= 9200 && seen_hi >= 10800, "the shifts span %lld..%lld", (long long)seen_lo,
              (long long)seen_hi);
    /* another seed, another path */
    void *st = make("wildcard", "{\"spread\":0}");
    chain_econ_rng r = {100};
    int differ = 0;
    for (int i = 0; i < 200; i++) {
        chain_econ_action a;
        memset(&a, 0, sizeof a);
        o.t = 60.0 * i;
        chain_econ_trader_find("wildcard")->step(st, &o, &r, &a);
        differ |= quote_px(&a, 0, BSE_MATCH_BUY) * 100000 + quote_px(&a, 1, BSE_MATCH_BUY) != run[0][i];
    }
    cr_assert(differ);
    drop("wildcard", st);
}

/* ---------- fundamental: seed 002's process ---------- */

/* The value process, written out here from seed 002 as the spec reads it, to
 * pin the trader's path: roll 0..100 vs threshold; rise/fall by U(0, vmax);
 * threshold step from -1..2 after a rise, -2..1 after a fall (against the move). */
typedef struct fproc {
    double value, threshold;
    chain_econ_rng r;
} fproc;

static int rint_in(chain_econ_rng *r, int lo, int hi)
{
    return lo + (int)(chain_econ_rng_next(r) % (uint64_t)(hi - lo + 1));
}

static int fproc_round(fproc *f, double vmax, double tmax, int *tstep)
{
    int roll = rint_in(&f->r, 0, 100);
    *tstep = 0;
    if (roll == f->threshold)
        return 0;
    int up = roll > f->threshold;
    f->value += (up ? 1 : -1) * chain_econ_rng_uniform(&f->r) * vmax;
    if (f->value < 0.01)
        f->value = 0.01;
    *tstep = up ? rint_in(&f->r, -1, 2) : rint_in(&f->r, -2, 1);
    f->threshold += *tstep * chain_econ_rng_uniform(&f->r) * tmax;
    f->threshold = f->threshold < 1 ? 1 : f->threshold > 99 ? 99 : f->threshold;
    return up ? 1 : -1;
}

Test(econ_traders, fundamental_follows_seed_002s_value_process_deterministically)
{
    /* the process itself: after rises the threshold leans up (against the move) */
    fproc f = {1.0, 50, {12345}};
    double after_up = 0, after_down = 0;
    int n_up = 0, n_down = 0;
    for (int i = 0; i < 20000; i++) {
        double v0 = f.value;
        int ts;
        int dir = fproc_round(&f, 0.01, 2, &ts);
        if (dir > 0) {
            cr_assert(f.value >= v0);
            after_up += ts, n_up++;
        } else if (dir < 0) {
            cr_assert(f.value <= v0);
            after_down += ts, n_down++;
        }
    }
    cr_assert(n_up > 1000 && n_down > 1000);
    cr_assert(after_up / n_up > 0.3 && after_down / n_down < -0.3);
    /* the trader's values are that process, one round per period, seeded by params.seed;
     * its bid on BRAVO/ALPHA (spread 0) shows BRAVO's value */
    void *st = make("fundamental", "{\"seed\":5,\"spread\":0,\"period_s\":60}");
    void *st2 = make("fundamental", "{\"seed\":5,\"spread\":0,\"period_s\":60}");
    fproc ref = {1.0, 50, {(uint64_t)5 * 0x100000001b3ull + 1}};
    chain_econ_obs o;
    obs_init(&o, 100 * COIN);
    o.fundamental[0] = 1; /* whatever the economy publishes is not its process */
    o.fundamental[1] = 3.5;
    o.fundamental[2] = 0.2;
    int moved = 0;
    for (int i = 0; i < 300; i++) {
        o.t = 60.0 * i + 1;
        if (i > 0) {
            int ts;
            fproc_round(&ref, 0.01, 2, &ts);
        }
        chain_econ_action a, a2;
        step("fundamental", st, &o, (uint64_t)i, &a);
        step("fundamental", st2, &o, (uint64_t)i + 777, &a2); /* the agent's rng does not matter */
        assert_sane(&o, &a, "fundamental");
        int64_t want = chain_econ_price_ticks(ref.value);
        cr_assert_eq(quote_px(&a, 0, BSE_MATCH_BUY), want, "round %d: %lld want %lld", i,
                     (long long)quote_px(&a, 0, BSE_MATCH_BUY), (long long)want);
        cr_assert_eq(quote_px(&a2, 0, BSE_MATCH_BUY), want);
        moved |= want != 10000;
    }
    cr_assert(moved);
    drop("fundamental", st);
    drop("fundamental", st2);
    /* published: the economy's values instead */
    st = make("fundamental", "{\"spread\":0,\"published\":true}");
    obs_init(&o, 100 * COIN);
    o.fundamental[0] = 1;
    o.fundamental[1] = 1.7;
    chain_econ_action a;
    step("fundamental", st, &o, 1, &a);
    cr_assert_eq(quote_px(&a, 0, BSE_MATCH_BUY), 17000);
    drop("fundamental", st);
}

/* ---------- balancer, hodl, arbitrage, whale ---------- */

Test(econ_traders, balancer_moves_toward_equal_value_and_rests_when_balanced)
{
    void *st = make("balancer", NULL);
    chain_econ_obs o;
    obs_init(&o, 10 * COIN);
    for (unsigned p = 0; p < 3; p++)
        set_last(&o, p, 10000);
    chain_econ_action a;
    step("balancer", st, &o, 1, &a);
    cr_assert_eq(a.n_orders + a.n_cancels, 0, "balanced, yet it acts");
    /* at BRAVO = 2 ALPHA, 10/10/10 coins are worth 10/20/10 (CHARLIE/BRAVO at 0.5) */
    set_last(&o, 0, 20000);
    set_last(&o, 2, 5000);
    step("balancer", st, &o, 1, &a);
    assert_sane(&o, &a, "balancer");
    cr_assert_eq(a.n_orders, 1);
    cr_assert_eq(a.orders[0].side, BSE_MATCH_SELL);
    cr_assert_eq(a.orders[0].pair, 0); /* BRAVO for ALPHA (ALPHA and CHARLIE tie as poorest: the first) */
    /* it moves value from the richest (BRAVO, 20) to the poorest (10): no more than
     * brings the poorer up to a third of 40, 3.33 ALPHA of value = 1.66 BRAVO */
    cr_assert(a.orders[0].qty <= 167 * STEP && a.orders[0].qty >= 165 * STEP, "qty %lld", (long long)a.orders[0].qty);
    cr_assert_eq(a.orders[0].type, BSE_MATCH_LIMIT); /* nothing to take: it rests at spot */
    cr_assert_eq(a.orders[0].price, 20000);
    /* a good resting offer is taken (IOC) */
    add_level(&o.books[0], BSE_MATCH_BUY, 19950, 100 * STEP);
    add_level(&o.books[2], BSE_MATCH_SELL, 5010, 100 * STEP);
    step("balancer", st, &o, 1, &a);
    cr_assert(a.n_orders >= 1 && a.orders[0].type == BSE_MATCH_IOC);
    assert_sane(&o, &a, "balancer");
    /* its resting order is kept while needed and cancelled once balanced */
    chain_ex_order_info mine = {.id = 42, .pair = 0, .side = BSE_MATCH_SELL, .price = 20000, .qty = 100 * STEP};
    o.orders = &mine;
    o.n_orders = 1;
    o.books[0].n_bids = o.books[2].n_asks = 0;
    step("balancer", st, &o, 1, &a);
    cr_assert_eq(a.n_cancels, 0);
    cr_assert_eq(a.n_orders, 0);
    set_last(&o, 0, 10000);
    set_last(&o, 2, 10000);
    step("balancer", st, &o, 1, &a);
    cr_assert_eq(a.n_cancels, 1);
    cr_assert_eq(a.cancels[0], 42);
    cr_assert_eq(a.n_orders, 0);
    drop("balancer", st);
}

Test(econ_traders, hodl_never_places_an_order)
{
    void *st = make("hodl", NULL);
    chain_econ_rng r = {5};
    for (int i = 0; i < 2000; i++) {
        chain_econ_obs o;
        obs_init(&o, 0);
        random_book(&o, &r);
        for (int c = 0; c < 3; c++)
            o.news[c] = (int)(chain_econ_rng_next(&r) % 3) - 1;
        o.t = i * 60.0;
        chain_econ_action a;
        step("hodl", st, &o, chain_econ_rng_next(&r), &a);
        cr_assert_eq(a.n_orders + a.n_cancels + a.n_errors, 0);
    }
    drop("hodl", st);
}

static void triangle(chain_econ_obs *o, int64_t b0, int64_t a0, int64_t b1, int64_t a1, int64_t b2, int64_t a2)
{
    obs_init(o, 50 * COIN);
    add_level(&o->books[0], BSE_MATCH_BUY, b0, 100 * STEP);
    add_level(&o->books[0], BSE_MATCH_SELL, a0, 100 * STEP);
    add_level(&o->books[1], BSE_MATCH_BUY, b1, 100 * STEP);
    add_level(&o->books[1], BSE_MATCH_SELL, a1, 100 * STEP);
    add_level(&o->books[2], BSE_MATCH_BUY, b2, 100 * STEP);
    add_level(&o->books[2], BSE_MATCH_SELL, a2, 100 * STEP);
}

Test(econ_traders, arbitrage_trades_only_a_triangle_mispriced_beyond_its_threshold)
{
    void *st = make("arbitrage", "{\"threshold\":0.01}");
    chain_econ_obs o;
    chain_econ_action a;
    /* consistent: B = 1, C = 2 ALPHA, C/B = 2 */
    triangle(&o, 9990, 10010, 19980, 20020, 19980, 20020);
    step("arbitrage", st, &o, 1, &a);
    cr_assert_eq(a.n_orders, 0);
    /* C/B cheap by 0.5%: within the threshold */
    triangle(&o, 9990, 10010, 19980, 20020, 19800, 19880);
    step("arbitrage", st, &o, 1, &a);
    cr_assert_eq(a.n_orders, 0);
    /* C/B cheap by 5%: A->B->C->A: buy B/A, buy C/B, sell C/A */
    triangle(&o, 9990, 10010, 19980, 20020, 18900, 19000);
    step("arbitrage", st, &o, 1, &a);
    assert_sane(&o, &a, "arbitrage");
    cr_assert_eq(a.n_orders, 3);
    cr_assert(a.orders[0].pair == 0 && a.orders[0].side == BSE_MATCH_BUY);
    cr_assert(a.orders[1].pair == 2 && a.orders[1].side == BSE_MATCH_BUY);
    cr_assert(a.orders[2].pair == 1 && a.orders[2].side == BSE_MATCH_SELL);
    cr_assert_eq(a.orders[1].qty, a.orders[2].qty);
    for (int i = 0; i < 3; i++)
        cr_assert_eq(a.orders[i].type, BSE_MATCH_IOC);
    /* C/B rich by 5%: A->C->B->A: buy C/A, sell C/B, sell B/A */
    triangle(&o, 9990, 10010, 19980, 20020, 21000, 21100);
    step("arbitrage", st, &o, 1, &a);
    assert_sane(&o, &a, "arbitrage");
    cr_assert_eq(a.n_orders, 3);
    cr_assert(a.orders[0].pair == 1 && a.orders[0].side == BSE_MATCH_BUY);
    cr_assert(a.orders[1].pair == 2 && a.orders[1].side == BSE_MATCH_SELL);
    cr_assert(a.orders[2].pair == 0 && a.orders[2].side == BSE_MATCH_SELL);
    drop("arbitrage", st);
    /* with a 10% threshold the 5% mispricing is left alone */
    st = make("arbitrage", "{\"threshold\":0.1}");
    step("arbitrage", st, &o, 1, &a);
    cr_assert_eq(a.n_orders, 0);
    drop("arbitrage", st);
}

Test(econ_traders, whale_waits_then_buys_a_large_share_of_one_coin_through_many_orders)
{
    void *st = make("whale", "{\"coin\":\"CHARLIE\",\"at_s\":3600,\"budget_frac\":0.9}");
    chain_econ_obs o;
    obs_init(&o, 0);
    o.ex[0].free = 1000 * COIN;
    o.fiat = 100000000;
    set_last(&o, 1, 10000);
    for (int i = 0; i < 10; i++) /* ten sellers of 20 CHARLIE each, 1.00 .. 1.09 */
        add_level(&o.books[1], BSE_MATCH_SELL, 10000 + 100 * i, 20 * COIN);
    chain_econ_action a;
    for (int i = 0; i < 60; i++) {
        o.t = 60.0 * i;
        step("whale", st, &o, 1, &a);
        cr_assert_eq(a.n_orders + a.n_cancels, 0, "active at t=%g", o.t);
    }
    o.t = 3600;
    step("whale", st, &o, 1, &a);
    assert_sane(&o, &a, "whale");
    cr_assert_eq(a.n_orders, 10, "%zu orders", a.n_orders);
    int64_t qty = 0;
    for (size_t i = 0; i < a.n_orders; i++) {
        cr_assert(a.orders[i].pair == 1 && a.orders[i].side == BSE_MATCH_BUY);
        cr_assert_eq(a.orders[i].price, 10000 + 100 * (int64_t)i);
        qty += a.orders[i].qty;
    }
    cr_assert_eq(qty, 200 * COIN, "it buys every seller out: %lld", (long long)qty);
    /* the budget is kept: after spending 850 of 1000 ALPHA only 50 more go */
    o.ex[0].free = 150 * COIN;
    o.ex[2].free = 200 * COIN;
    o.t = 3660;
    step("whale", st, &o, 1, &a);
    assert_sane(&o, &a, "whale");
    int64_t cost = 0;
    for (size_t i = 0; i < a.n_orders; i++)
        cost += a.orders[i].price * (a.orders[i].qty / STEP);
    cr_assert(cost <= 50 * COIN && cost > 49 * COIN, "cost %lld", (long long)cost);
    drop("whale", st);
}

/* ---------- every strategy: sane orders on random observations ---------- */

Test(econ_traders, every_strategy_keeps_to_its_free_balances_on_random_observations)
{
    for (size_t s = 0; s < N_ALL; s++) {
        void *st = make(ALL[s], strcmp(ALL[s], "whale") == 0 ? "{\"at_s\":0}" : NULL);
        chain_econ_rng r = {77 + s};
        for (int i = 0; i < 300; i++) {
            chain_econ_obs o;
            obs_init(&o, 0);
            random_book(&o, &r);
            o.t = 60.0 * i;
            for (int c = 0; c < 3; c++)
                o.news[c] = (int)(chain_econ_rng_next(&r) % 3) - 1;
            chain_econ_action a;
            step(ALL[s], st, &o, chain_econ_rng_next(&r), &a);
            assert_sane(&o, &a, ALL[s]);
        }
        drop(ALL[s], st);
    }
}

/* ---------- grid, in a one-agent market ---------- */

/* One agent on BRAVO/ALPHA: the price follows a path; a resting buy at or above
 * it (a sell at or below) fills whole at its own price; a crossing IOC fills
 * at its limit against a deep book one tick away. */
typedef struct mkt {
    chain_econ_obs o;
    chain_ex_order_info orders[CHAIN_ECON_MAX_OPEN];
    size_t n;
    uint64_t next_id;
    int64_t px;
    const char *errs[1];
    /* the grid's buy fills not yet matched by a sell fill: (price, qty) */
    int64_t lots[4096][2];
    size_t n_lots;
    int64_t sold_below_buy; /* units sold with no cheaper buy to match */
    int buys, sells;
    double buy_t[4096];
} mkt;

static void mkt_fill(mkt *m, int side, int type, int64_t price, int64_t qty)
{
    chain_econ_obs *o = &m->o;
    int64_t quote = price * (qty / STEP);
    if (side == BSE_MATCH_BUY) {
        o->ex[1].free += qty;
        if (type == BSE_MATCH_IOC) /* the 50/50 split: the core, not a grid lot */
            return;
        m->lots[m->n_lots][0] = price;
        m->lots[m->n_lots++][1] = qty;
        m->buy_t[m->buys++ % 4096] = o->t;
    } else {
        o->ex[0].free += quote;
        if (type == BSE_MATCH_IOC)
            return;
        m->sells++;
        /* match against the dearest buys below the sell price */
        int64_t left = qty;
        while (left > 0) {
            size_t best = SIZE_MAX;
            for (size_t i = 0; i < m->n_lots; i++)
                if (m->lots[i][1] > 0 && m->lots[i][0] < price && (best == SIZE_MAX || m->lots[i][0] > m->lots[best][0]))
                    best = i;
            if (best == SIZE_MAX) {
                m->sold_below_buy += left;
                break;
            }
            int64_t t = m->lots[best][1] < left ? m->lots[best][1] : left;
            m->lots[best][1] -= t;
            left -= t;
        }
    }
}

static void mkt_set_price(mkt *m, int64_t px)
{
    m->px = px;
    chain_econ_book_view *b = &m->o.books[0];
    b->n_bids = b->n_asks = 0;
    add_level(b, BSE_MATCH_BUY, px - 1, 1000 * COIN);
    add_level(b, BSE_MATCH_SELL, px + 1, 1000 * COIN);
    b->last_price = px;
    /* resting orders the price crossed */
    size_t k = 0;
    for (size_t i = 0; i < m->n; i++) {
        chain_ex_order_info *x = &m->orders[i];
        int cross = x->side == BSE_MATCH_BUY ? x->price >= px : x->price <= px;
        if (cross) {
            if (x->side == BSE_MATCH_BUY)
                m->o.ex[0].locked -= x->price * (x->qty / STEP);
            else
                m->o.ex[1].locked -= x->qty;
            mkt_fill(m, x->side, BSE_MATCH_LIMIT, x->price, x->qty);
        } else {
            m->orders[k++] = *x;
        }
    }
    m->n = k;
}

static void mkt_apply(mkt *m, const chain_econ_action *a)
{
    chain_econ_obs *o = &m->o;
    o->n_errors = 0;
    for (size_t c = 0; c < a->n_cancels; c++)
        for (size_t i = 0; i < m->n; i++)
            if (m->orders[i].id == a->cancels[c]) {
                chain_ex_order_info *x = &m->orders[i];
                if (x->side == BSE_MATCH_BUY) {
                    o->ex[0].locked -= x->price * (x->qty / STEP);
                    o->ex[0].free += x->price * (x->qty / STEP);
                } else {
                    o->ex[1].locked -= x->qty;
                    o->ex[1].free += x->qty;
                }
                m->orders[i] = m->orders[--m->n];
                break;
            }
    for (size_t i = 0; i < a->n_orders; i++) {
        const chain_econ_order_req *r = &a->orders[i];
        cr_assert_eq(r->pair, 0);
        int64_t need = r->side == BSE_MATCH_BUY ? r->price * (r->qty / STEP) : r->qty;
        int64_t *free = r->side == BSE_MATCH_BUY ? &o->ex[0].free : &o->ex[1].free;
        cr_assert(need <= *free, "order beyond the free balance");
        int cross = r->side == BSE_MATCH_BUY ? r->price > m->px : r->price < m->px;
        *free -= need;
        if (cross) {
            mkt_fill(m, r->side, r->type, r->price, r->qty);
        } else if (r->type == BSE_MATCH_LIMIT) {
            cr_assert(m->n < CHAIN_ECON_MAX_OPEN);
            m->orders[m->n++] = (chain_ex_order_info){++m->next_id, 0, r->side, r->price, r->qty, 0};
            if (r->side == BSE_MATCH_BUY)
                o->ex[0].locked += need;
            else
                o->ex[1].locked += need;
        } else {
            *free += need;
        }
    }
    o->orders = m->orders;
    o->n_orders = m->n;
}

static void mkt_init(mkt *m, int64_t alpha, int64_t bravo, int64_t px)
{
    memset(m, 0, sizeof *m);
    m->o.ex[0].free = alpha;
    m->o.ex[1].free = bravo;
    m->o.orders = m->orders;
    mkt_set_price(m, px);
}

/* Steps the grid once at price px (time t); returns the action. */
static void mkt_step(mkt *m, void *st, double t, int64_t px, chain_econ_action *a)
{
    m->o.t = t;
    mkt_set_price(m, px);
    m->o.orders = m->orders;
    m->o.n_orders = m->n;
    step("grid", st, &m->o, 1, a);
    mkt_apply(m, a);
}

static double holding(const mkt *m, unsigned c)
{
    return (double)(m->o.ex[c].free + m->o.ex[c].locked);
}

Test(econ_traders, grid_splits_50_50_then_buys_below_and_sells_above)
{
    static mkt m;
    chain_econ_action a;
    /* all ALPHA: its first action buys half the value in BRAVO */
    void *st = make("grid", "{\"spacing\":0.02}");
    mkt_init(&m, 100 * COIN, 0, 10000);
    mkt_step(&m, st, 0, 10000, &a);
    cr_assert_eq(a.n_orders, 1);
    cr_assert(a.orders[0].side == BSE_MATCH_BUY && a.orders[0].type == BSE_MATCH_IOC);
    double bv = holding(&m, 1) * 1.0, av = holding(&m, 0);
    cr_assert(fabs(bv / (av + bv) - 0.5) < 0.01, "split %.3f", bv / (av + bv));
    drop("grid", st);
    /* 50/50 already: no split; a limit buy on the line below (1/1.02) */
    st = make("grid", "{\"spacing\":0.02,\"adapt\":false}");
    mkt_init(&m, 100 * COIN, 100 * COIN, 10000);
    mkt_step(&m, st, 0, 10000, &a);
    cr_assert_eq(a.n_orders, 1);
    cr_assert(a.orders[0].side == BSE_MATCH_BUY && a.orders[0].type == BSE_MATCH_LIMIT);
    int64_t line_m1 = (int64_t)floor(1e4 / 1.02);
    cr_assert_eq(a.orders[0].price, line_m1);
    int64_t lot = a.orders[0].qty;
    cr_assert(lot > 0);
    /* the price falls through it: the lot is sold on the line above (1.00), the next buy is one line lower */
    mkt_step(&m, st, 60, 9700, &a);
    cr_assert_eq(m.buys, 1);
    int64_t sell = 0, buy = 0;
    for (size_t i = 0; i < a.n_orders; i++) {
        if (a.orders[i].side == BSE_MATCH_SELL) {
            sell = a.orders[i].price;
            cr_assert_eq(a.orders[i].qty, lot);
        } else {
            buy = a.orders[i].price;
        }
    }
    cr_assert_eq(sell, 10000, "sell at %lld", (long long)sell);
    cr_assert_eq(buy, (int64_t)floor(1e4 / (1.02 * 1.02)), "buy at %lld", (long long)buy);
    /* back up through 1.00: the lot sells; the core 100 BRAVO is never sold */
    mkt_step(&m, st, 180, 10050, &a);
    cr_assert_eq(m.sells, 1);
    cr_assert(holding(&m, 1) >= 100 * COIN);
    cr_assert_eq(m.sold_below_buy, 0);
    drop("grid", st);
}

Test(econ_traders, grid_never_sells_a_lot_below_its_buy_line_on_random_paths)
{
    static mkt m;
    int total_buys = 0, total_sells = 0;
    for (uint64_t seed = 1; seed <= 12; seed++) {
        char json[160];
        snprintf(json, sizeof json, "{\"spacing\":%g,\"backoff_s\":%d,\"period_s\":%d,\"max_open\":%d}",
                 0.003 + 0.002 * (double)(seed % 5), (int)(seed % 3) * 600, 600 + (int)(seed % 4) * 900,
                 1 + (int)(seed % 6));
        void *st = make("grid", json);
        chain_econ_rng r = {seed};
        mkt_init(&m, 200 * COIN, 100 * COIN, 10000);
        double p = 1.0;
        chain_econ_action a;
        for (int i = 0; i < 1500; i++) {
            /* a random walk with regimes of drift */
            double drift = ((i / 300) % 3 - 1) * 0.0004;
            p *= exp(drift + 0.006 * (chain_econ_rng_uniform(&r) * 2 - 1));
            if (p < 0.05)
                p = 0.05;
            mkt_step(&m, st, 60.0 * i, (int64_t)(p * 1e4), &a);
            for (size_t k = 0; k < a.n_orders; k++)
                cr_assert(a.orders[k].type != BSE_MATCH_MARKET);
        }
        cr_assert_eq(m.sold_below_buy, 0, "seed %llu: %lld units sold below their buy price",
                     (unsigned long long)seed, (long long)m.sold_below_buy);
        total_buys += m.buys;
        total_sells += m.sells;
        drop("grid", st);
    }
    cr_assert(total_buys > 100 && total_sells > 50, "%d buys, %d sells: the paths did not exercise it", total_buys,
              total_sells);
}

Test(econ_traders, grid_backs_off_after_unfilled_buys_and_keeps_its_cash_floor)
{
    static mkt m;
    /* a steady fall: after max_open unsold lots, a new buy waits backoff_s, then
     * twice that, ... and AlphaCoin never goes under the floor */
    void *st = make("grid", "{\"spacing\":0.01,\"max_open\":3,\"backoff_s\":1800,\"lot_frac\":0.1,"
                            "\"cash_floor\":0.3,\"adapt\":false}");
    mkt_init(&m, 100 * COIN, 100 * COIN, 10000);
    chain_econ_action a;
    double p = 1.0;
    for (int i = 0; i < 1440; i++) {
        p *= 0.9985;
        int64_t px = (int64_t)(p * 1e4);
        mkt_step(&m, st, 60.0 * i, px, &a);
        double cash = holding(&m, 0), total = cash + holding(&m, 1) * (double)px / 1e4;
        cr_assert(cash >= 0.3 * total - 1, "step %d: cash %.0f of %.0f", i, cash, total);
    }
    cr_assert_eq(m.sells, 0);
    cr_assert(m.buys >= 5, "%d buys", m.buys);
    /* buys 4, 5, ...: gaps of at least 1800, 3600, 7200 s after the previous */
    double need = 1800;
    for (int b = 3; b < m.buys; b++) {
        cr_assert(m.buy_t[b] - m.buy_t[b - 1] >= need - 60, "buy %d after %.0f s, need %.0f", b,
                  m.buy_t[b] - m.buy_t[b - 1], need);
        need *= 2;
    }
    drop("grid", st);
    /* no back-off (max_open large, lots too big for the floor): the floor alone stops it */
    st = make("grid", "{\"spacing\":0.01,\"max_open\":24,\"lot_frac\":0.2,\"cash_floor\":0.4,\"adapt\":false}");
    mkt_init(&m, 100 * COIN, 100 * COIN, 10000);
    p = 1.0;
    for (int i = 0; i < 600; i++) {
        p *= 0.998;
        int64_t px = (int64_t)(p * 1e4);
        mkt_step(&m, st, 60.0 * i, px, &a);
        double cash = holding(&m, 0), total = cash + holding(&m, 1) * (double)px / 1e4;
        cr_assert(cash >= 0.4 * total - 1, "step %d: cash %.0f of %.0f", i, cash, total);
    }
    cr_assert(m.buys >= 1);
    drop("grid", st);
}

/* The spacing the grid uses now: its resting buy right after a re-anchor sits at p / (1 + spacing). */
Test(econ_traders, grid_spacing_adapts_toward_the_target_round_trips)
{
    static mkt m;
    chain_econ_action a;
    /* flat market: no round trips, the spacing narrows period by period down to min_spacing */
    void *st = make("grid", "{\"spacing\":0.02,\"period_s\":600,\"target_trips\":1,\"min_spacing\":0.005}");
    mkt_init(&m, 100 * COIN, 100 * COIN, 10000);
    double prev = 0.02;
    for (int i = 0; i <= 100; i++) {
        mkt_step(&m, st, 60.0 * i, 10000, &a);
        if (i % 10 == 0 && i > 0) {
            int64_t bp = 0;
            for (size_t k = 0; k < m.n; k++)
                if (m.orders[k].side == BSE_MATCH_BUY)
                    bp = m.orders[k].price;
            /* the cancel of the old buy is answered first; the new one comes the next step */
            mkt_step(&m, st, 60.0 * i + 1, 10000, &a);
            for (size_t k = 0; k < m.n; k++)
                if (m.orders[k].side == BSE_MATCH_BUY)
                    bp = m.orders[k].price;
            double sp = 1e4 / (double)bp - 1;
            double want = prev * 0.8 < 0.005 ? 0.005 : prev * 0.8;
            cr_assert(fabs(sp - want) < 0.0003, "period %d: spacing %.5f want %.5f", i / 10, sp, want);
            prev = want;
        }
    }
    cr_assert(fabs(prev - 0.005) < 1e-12);
    drop("grid", st);
    /* a choppy market with many round trips a period: the spacing widens */
    st = make("grid", "{\"spacing\":0.005,\"period_s\":3600,\"target_trips\":1,\"max_trips\":3,\"max_open\":24}");
    mkt_init(&m, 100 * COIN, 100 * COIN, 10000);
    for (int i = 0; i < 59; i++) /* +-3% swings every two minutes */
        mkt_step(&m, st, 60.0 * i, (i / 2) % 2 ? 9700 : 10000, &a);
    int trips = m.sells;
    cr_assert(trips > 3, "%d trips", trips);
    mkt_step(&m, st, 3600, 10000, &a); /* period ends: widen to 0.00625, buy cancelled */
    mkt_step(&m, st, 3601, 10000, &a);
    int64_t bp = 0;
    for (size_t k = 0; k < m.n; k++)
        if (m.orders[k].side == BSE_MATCH_BUY)
            bp = m.orders[k].price;
    double sp = 1e4 / (double)bp - 1;
    cr_assert(fabs(sp - 0.00625) < 0.0003, "spacing %.5f", sp);
    cr_assert_eq(m.sold_below_buy, 0);
    drop("grid", st);
}
