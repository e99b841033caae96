/* chain/economy/agent.c - the strategy table (chain_econ_trader_find) and the
 * helpers every strategy shares (agent.h, traders.h): valuations, budgets,
 * the taker search and the maker quotes of the valuer family, params reading,
 * seed 002's value process.
 *
 * Invariant: nothing here allocates or keeps state; one action built through a
 * chain_econ_budget never asks for more than the observation's free balances.
 */
#include "chain/economy/agent.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "chain/economy/external.h"
#include "chain/economy/traders.h"

/* The built-in strategies, in the order --help lists them. To add one (e.g.
 * "external"), declare its ops in traders.h and add a line here. */
static const chain_econ_trader_ops *const TRADERS[] = {
    &chain_econ_trader_balancer,      &chain_econ_trader_simple_greedy, &chain_econ_trader_market_greedy,
    &chain_econ_trader_arbitrage,     &chain_econ_trader_hodl,          &chain_econ_trader_equal_value,
    &chain_econ_trader_spot,          &chain_econ_trader_moving_average, &chain_econ_trader_news,
    &chain_econ_trader_wildcard,      &chain_econ_trader_fundamental,   &chain_econ_trader_grid,
    &chain_econ_trader_whale,         &chain_econ_trader_external,
};
#define N_TRADERS (sizeof TRADERS / sizeof TRADERS[0])

/* Kept in step with TRADERS (checked by the tests). */
static const char *const TRADER_NAMES[] = {
    "balancer", "simple-greedy", "market-greedy", "arbitrage", "hodl",  "equal-value", "spot",
    "moving-average", "news", "wildcard", "fundamental", "grid", "whale", "external", NULL,
};
_Static_assert(sizeof TRADER_NAMES / sizeof TRADER_NAMES[0] == N_TRADERS + 1, "TRADER_NAMES matches TRADERS");

const chain_econ_trader_ops *chain_econ_trader_find(const char *name)
{
    if (!name)
        return NULL;
    for (size_t i = 0; i < N_TRADERS; i++)
        if (strcmp(TRADERS[i]->name, name) == 0)
            return TRADERS[i];
    return NULL;
}

const char *const *chain_econ_trader_names(void)
{
    return TRADER_NAMES;
}

/* --- pairs --- */

static const unsigned PAIR_BASE[CHAIN_EX_PAIRS] = {1, 2, 2};
static const unsigned PAIR_QUOTE[CHAIN_EX_PAIRS] = {0, 0, 1};
static const char *const COIN_NAMES[CHAIN_EX_COINS] = {"ALPHA", "BRAVO", "CHARLIE"};

unsigned chain_econ_pair_base(unsigned pair)
{
    return PAIR_BASE[pair % CHAIN_EX_PAIRS];
}

unsigned chain_econ_pair_quote(unsigned pair)
{
    return PAIR_QUOTE[pair % CHAIN_EX_PAIRS];
}

int chain_econ_coin_parse(const char *name)
{
    for (int c = 0; c < CHAIN_EX_COINS; c++)
        if (name && strcmp(name, COIN_NAMES[c]) == 0)
            return c;
    return -1;
}

/* --- agent.h helpers --- */

void chain_econ_values_from_prices(double value[CHAIN_EX_COINS], const double px[CHAIN_EX_PAIRS])
{
    value[0] = 1.0;
    value[1] = px[0] > 0 ? px[0] : 1.0;
    if (px[1] > 0)
        value[2] = px[1];
    else if (px[2] > 0)
        value[2] = px[2] * value[1];
    else
        value[2] = 1.0;
}

void chain_econ_spot_values(double value[CHAIN_EX_COINS], const chain_econ_obs *obs)
{
    double px[CHAIN_EX_PAIRS];
    for (unsigned p = 0; p < CHAIN_EX_PAIRS; p++)
        px[p] = (double)obs->books[p].last_price / 1e4;
    chain_econ_values_from_prices(value, px);
}

int64_t chain_econ_holding(const chain_econ_obs *obs, unsigned coin)
{
    if (coin >= CHAIN_EX_COINS)
        return 0;
    return obs->onchain[coin] + obs->ex[coin].free + obs->ex[coin].locked - obs->ex[coin].owed;
}

int64_t chain_econ_qty_floor(int64_t units)
{
    if (units <= 0)
        return 0;
    if (units > CHAIN_EX_QTY_MAX)
        units = CHAIN_EX_QTY_MAX;
    return units / CHAIN_EX_QTY_STEP * CHAIN_EX_QTY_STEP;
}

int64_t chain_econ_price_ticks(double v)
{
    if (!(v > 0)) /* also NaN */
        return 1;
    double t = floor(v * 1e4 + 0.5);
    if (t < 1)
        return 1;
    if (t > (double)CHAIN_EX_PRICE_MAX)
        return CHAIN_EX_PRICE_MAX;
    return (int64_t)t;
}

int chain_econ_act_order(chain_econ_action *act, unsigned pair, int side, int type, int64_t price, int64_t qty)
{
    if (act->n_orders >= CHAIN_ECON_MAX_ORDERS || qty < CHAIN_EX_QTY_STEP || pair >= CHAIN_EX_PAIRS)
        return 0;
    chain_econ_order_req *o = &act->orders[act->n_orders++];
    o->pair = pair;
    o->side = side;
    o->type = type;
    o->price = price;
    o->qty = chain_econ_qty_floor(qty);
    return 1;
}

/* --- params --- */

int chain_econ_params_read(const cJSON *params, const chain_econ_param *specs, size_t n, common_error *err)
{
    if (!params || cJSON_IsNull(params))
        return 0;
    if (!cJSON_IsObject(params)) {
        common_error_set(err, 1, "", "params", "must be an object");
        return -1;
    }
    const cJSON *it;
    cJSON_ArrayForEach(it, params)
    {
        char field[160];
        snprintf(field, sizeof field, "params.%s", it->string ? it->string : "");
        const chain_econ_param *s = NULL;
        for (size_t i = 0; i < n && !s; i++)
            if (it->string && strcmp(specs[i].name, it->string) == 0)
                s = &specs[i];
        if (!s) {
            common_error_set(err, 1, "", field, "unknown field");
            return -1;
        }
        switch (s->kind) {
        case CHAIN_ECON_PARAM_NUM:
        case CHAIN_ECON_PARAM_INT: {
            int is_int = s->kind == CHAIN_ECON_PARAM_INT;
            if (!cJSON_IsNumber(it)) {
                common_error_set(err, 1, "", field, "must be a number");
                return -1;
            }
            double v = it->valuedouble;
            if (!isfinite(v) || (is_int && v != floor(v)) || v < s->min || v > s->max) {
                if (is_int)
                    common_error_set(err, 1, "", field, "must be an integer in %.0f..%.0f", s->min, s->max);
                else
                    common_error_set(err, 1, "", field, "must be a number in %g..%g", s->min, s->max);
                return -1;
            }
            if (is_int)
                *(int64_t *)s->out = (int64_t)v;
            else
                *(double *)s->out = v;
            break;
        }
        case CHAIN_ECON_PARAM_BOOL:
            if (!cJSON_IsBool(it)) {
                common_error_set(err, 1, "", field, "must be true or false");
                return -1;
            }
            *(int *)s->out = cJSON_IsTrue(it) ? 1 : 0;
            break;
        case CHAIN_ECON_PARAM_COIN: {
            int c = cJSON_IsString(it) ? chain_econ_coin_parse(it->valuestring) : -1;
            if (c < (int)s->min || c > (int)s->max) {
                char allowed[64] = "";
                for (int k = (int)s->min; k <= (int)s->max; k++) {
                    size_t len = strlen(allowed);
                    snprintf(allowed + len, sizeof allowed - len, "%s\"%s\"", k > (int)s->min ? ", " : "",
                             COIN_NAMES[k]);
                }
                common_error_set(err, 1, "", field, "must be one of %s", allowed);
                return -1;
            }
            *(unsigned *)s->out = (unsigned)c;
            break;
        }
        }
    }
    return 0;
}

/* --- budgets --- */

void chain_econ_budget_init(chain_econ_budget *b, const chain_econ_obs *obs)
{
    for (unsigned c = 0; c < CHAIN_EX_COINS; c++)
        b->free[c] = obs->ex[c].free > 0 ? obs->ex[c].free : 0;
}

int64_t chain_econ_order_escrow(unsigned pair, int side, int64_t price, int64_t qty)
{
    (void)pair;
    if (side == BSE_MATCH_SELL)
        return qty;
    /* price x qty / 10^4 is exact for qty a multiple of the step (10^4) */
    return price * (qty / CHAIN_EX_QTY_STEP);
}

int chain_econ_budget_order(chain_econ_action *act, chain_econ_budget *b, unsigned pair, int side, int type,
                            int64_t price, int64_t qty)
{
    qty = chain_econ_qty_floor(qty);
    if (qty < CHAIN_EX_QTY_STEP || pair >= CHAIN_EX_PAIRS || price < 1 || price > CHAIN_EX_PRICE_MAX)
        return 0;
    unsigned coin = side == BSE_MATCH_SELL ? PAIR_BASE[pair] : PAIR_QUOTE[pair];
    int64_t need = chain_econ_order_escrow(pair, side, price, qty);
    if (need > b->free[coin])
        return 0;
    if (!chain_econ_act_order(act, pair, side, type, price, qty))
        return 0;
    b->free[coin] -= need;
    return 1;
}

/* --- taking --- */

/* Largest qty (a multiple of the step) whose escrow fits `have` at price ticks. */
static int64_t affordable_qty(int64_t have, int64_t price)
{
    if (price < 1 || have <= 0)
        return 0;
    return (have / price) * CHAIN_EX_QTY_STEP;
}

int chain_econ_take_eval(chain_econ_take *t, const chain_econ_obs *obs, const chain_econ_budget *b,
                         const double value[CHAIN_EX_COINS], unsigned pair, int side, size_t levels, double max_frac)
{
    memset(t, 0, sizeof *t);
    if (pair >= CHAIN_EX_PAIRS || levels < 1)
        return 0;
    const chain_econ_book_view *bv = &obs->books[pair];
    const int64_t(*lv)[2] = side == BSE_MATCH_BUY ? bv->asks : bv->bids;
    size_t n = side == BSE_MATCH_BUY ? bv->n_asks : bv->n_bids;
    if (n > CHAIN_ECON_DEPTH)
        n = CHAIN_ECON_DEPTH;
    if (levels > n)
        return 0;
    unsigned base = PAIR_BASE[pair], quote = PAIR_QUOTE[pair];
    int64_t limit = lv[levels - 1][0];
    if (limit < 1 || limit > CHAIN_EX_PRICE_MAX)
        return 0;
    int64_t total = 0;
    for (size_t i = 0; i < levels; i++)
        total += lv[i][1] > 0 ? lv[i][1] : 0;
    int64_t cap;
    if (side == BSE_MATCH_BUY)
        cap = affordable_qty((int64_t)((double)b->free[quote] * max_frac), limit);
    else
        cap = (int64_t)((double)b->free[base] * max_frac);
    int64_t qty = chain_econ_qty_floor(total < cap ? total : cap);
    if (qty < CHAIN_EX_QTY_STEP)
        return 0;
    /* fill the levels in order: quote units moved at each level's price */
    double quote_units = 0;
    int64_t left = qty;
    for (size_t i = 0; i < levels && left > 0; i++) {
        int64_t q = lv[i][1] < left ? lv[i][1] : left;
        if (q <= 0)
            continue;
        quote_units += (double)lv[i][0] * (double)q / 1e4;
        left -= q;
    }
    double base_units = (double)(qty - left);
    double g = (base_units * value[base] - quote_units * value[quote]) / (double)CHAIN_EX_UNITS_PER_COIN;
    t->pair = pair;
    t->side = side;
    t->levels = levels;
    t->price = limit;
    t->qty = qty;
    t->gain = side == BSE_MATCH_BUY ? g : -g;
    return 1;
}

/* One pass over a side's levels with prefix sums: every candidate depth d in O(depth). */
static void take_side(chain_econ_take *best, double *best_scaled, int *found, const chain_econ_obs *obs, const chain_econ_budget *b,
                      const double value[CHAIN_EX_COINS], unsigned pair, int side, double max_frac, double min_gain)
{
    const chain_econ_book_view *bv = &obs->books[pair];
    const int64_t(*lv)[2] = side == BSE_MATCH_BUY ? bv->asks : bv->bids;
    size_t n = side == BSE_MATCH_BUY ? bv->n_asks : bv->n_bids;
    if (n > CHAIN_ECON_DEPTH)
        n = CHAIN_ECON_DEPTH;
    unsigned base = PAIR_BASE[pair], quote = PAIR_QUOTE[pair];
    int64_t cq[CHAIN_ECON_DEPTH];  /* base units in levels 0..i */
    double cpq[CHAIN_ECON_DEPTH];  /* sum price x qty over levels 0..i */
    int64_t q_sum = 0;
    double pq_sum = 0;
    int64_t have_quote = (int64_t)((double)b->free[quote] * max_frac);
    int64_t have_base = (int64_t)((double)b->free[base] * max_frac);
    for (size_t d = 1; d <= n; d++) {
        size_t i = d - 1;
        int64_t lq = lv[i][1] > 0 ? lv[i][1] : 0;
        q_sum += lq;
        pq_sum += (double)lv[i][0] * (double)lq;
        cq[i] = q_sum;
        cpq[i] = pq_sum;
        int64_t limit = lv[i][0];
        if (limit < 1 || limit > CHAIN_EX_PRICE_MAX)
            continue;
        int64_t cap = side == BSE_MATCH_BUY ? affordable_qty(have_quote, limit) : have_base;
        int64_t qty = chain_econ_qty_floor(q_sum < cap ? q_sum : cap);
        if (qty < CHAIN_EX_QTY_STEP)
            continue;
        size_t j = 0;
        while (cq[j] < qty)
            j++;
        double before_q = j > 0 ? (double)cq[j - 1] : 0, before_pq = j > 0 ? cpq[j - 1] : 0;
        /* the gain in units x 10^4 (no division in the loop): base x 10^4 x v_base - price x qty x v_quote */
        double pq = before_pq + (double)lv[j][0] * ((double)qty - before_q);
        double g = (double)qty * 1e4 * value[base] - pq * value[quote];
        if (side == BSE_MATCH_SELL)
            g = -g;
        if (g > *best_scaled || !*found) {
            double gain = g / 1e4 / (double)CHAIN_EX_UNITS_PER_COIN;
            if (gain > min_gain && (!*found || gain > best->gain)) {
                *best = (chain_econ_take){pair, side, d, limit, qty, gain};
                *best_scaled = g;
                *found = 1;
            }
        }
    }
}

int chain_econ_take_best(chain_econ_take *best, const chain_econ_obs *obs, const chain_econ_budget *b,
                         const double value[CHAIN_EX_COINS], double max_frac, double min_gain)
{
    int found = 0;
    double best_scaled = 0;
    memset(best, 0, sizeof *best);
    for (unsigned p = 0; p < CHAIN_EX_PAIRS; p++) {
        take_side(best, &best_scaled, &found, obs, b, value, p, BSE_MATCH_BUY, max_frac, min_gain);
        take_side(best, &best_scaled, &found, obs, b, value, p, BSE_MATCH_SELL, max_frac, min_gain);
    }
    return found;
}

/* --- quoting --- */

void chain_econ_quote(chain_econ_action *act, chain_econ_budget *b, const chain_econ_obs *obs,
                      const double value[CHAIN_EX_COINS], double spread, double quote_frac, double requote)
{
    for (unsigned p = 0; p < CHAIN_EX_PAIRS; p++) {
        const chain_econ_book_view *bv = &obs->books[p];
        unsigned base = PAIR_BASE[p], quote = PAIR_QUOTE[p];
        double fair = value[base] / value[quote];
        int64_t want[2];
        want[BSE_MATCH_BUY] = chain_econ_price_ticks(fair * (1 - spread));
        want[BSE_MATCH_SELL] = chain_econ_price_ticks(fair * (1 + spread));
        if (bv->n_asks > 0 && want[BSE_MATCH_BUY] >= bv->asks[0][0])
            want[BSE_MATCH_BUY] = bv->asks[0][0] - 1;
        if (bv->n_bids > 0 && want[BSE_MATCH_SELL] <= bv->bids[0][0])
            want[BSE_MATCH_SELL] = bv->bids[0][0] + 1;
        for (int side = 0; side < 2; side++) {
            int have = 0;
            for (size_t i = 0; i < obs->n_orders; i++) {
                const chain_ex_order_info *o = &obs->orders[i];
                if (o->pair != p || o->side != side)
                    continue;
                have = 1;
                double off = fabs((double)(o->price - want[side])) / (double)want[side];
                if (off > requote && act->n_cancels < CHAIN_ECON_MAX_CANCELS)
                    act->cancels[act->n_cancels++] = o->id;
            }
            if (have || want[side] < 1)
                continue; /* re-quoted next step, once the cancel has released the escrow */
            int64_t qty;
            if (side == BSE_MATCH_BUY)
                qty = affordable_qty((int64_t)((double)b->free[quote] * quote_frac), want[side]);
            else
                qty = chain_econ_qty_floor((int64_t)((double)b->free[base] * quote_frac));
            chain_econ_budget_order(act, b, p, side, BSE_MATCH_LIMIT, want[side], qty);
        }
    }
}

/* --- the valuer family --- */

size_t chain_econ_valuer_specs(chain_econ_param *specs, chain_econ_valuer_cfg *cfg)
{
    size_t n = 0;
    specs[n++] = (chain_econ_param){"max_frac", CHAIN_ECON_PARAM_NUM, 0.0, 1.0, &cfg->max_frac};
    specs[n++] = (chain_econ_param){"min_gain", CHAIN_ECON_PARAM_NUM, 0.0, 1e9, &cfg->min_gain};
    if (cfg->quote) {
        specs[n++] = (chain_econ_param){"spread", CHAIN_ECON_PARAM_NUM, 0.0, 0.5, &cfg->spread};
        specs[n++] = (chain_econ_param){"quote_frac", CHAIN_ECON_PARAM_NUM, 0.0, 1.0, &cfg->quote_frac};
        specs[n++] = (chain_econ_param){"requote", CHAIN_ECON_PARAM_NUM, 0.0, 1.0, &cfg->requote};
    }
    return n;
}

int chain_econ_valuer_init(void **state, const cJSON *params, const chain_econ_valuer_cfg *defaults,
                           common_error *err)
{
    *state = NULL;
    chain_econ_valuer_cfg *cfg = malloc(sizeof *cfg);
    if (!cfg) {
        common_error_set(err, 1, "", "params", "out of memory");
        return -1;
    }
    *cfg = *defaults;
    chain_econ_param specs[8];
    size_t n = chain_econ_valuer_specs(specs, cfg);
    if (chain_econ_params_read(params, specs, n, err) != 0) {
        free(cfg);
        return -1;
    }
    *state = cfg;
    return 0;
}

void chain_econ_valuer_end(void *state, double value)
{
    (void)state, (void)value;
}

void chain_econ_valuer_destroy(void *state) { free(state); }

void chain_econ_valuer_step(const chain_econ_valuer_cfg *cfg, const chain_econ_obs *obs,
                            const double value[CHAIN_EX_COINS], chain_econ_action *act)
{
    chain_econ_budget b;
    chain_econ_budget_init(&b, obs);
    chain_econ_take t;
    if (chain_econ_take_best(&t, obs, &b, value, cfg->max_frac, cfg->min_gain))
        chain_econ_budget_order(act, &b, t.pair, t.side, BSE_MATCH_IOC, t.price, t.qty);
    if (cfg->quote)
        chain_econ_quote(act, &b, obs, value, cfg->spread, cfg->quote_frac, cfg->requote);
}

/* --- seed 002's value process --- */

/* Integer uniform in lo..hi inclusive. */
static int randint(chain_econ_rng *rng, int lo, int hi)
{
    return lo + (int)(chain_econ_rng_next(rng) % (uint64_t)(hi - lo + 1));
}

void chain_econ_fvalue_round(chain_econ_fvalue *f, chain_econ_rng *rng)
{
    int roll = randint(rng, 0, 100);
    int dir = roll > f->threshold ? 1 : roll < f->threshold ? -1 : 0;
    if (dir == 0)
        return;
    f->value += dir * chain_econ_rng_uniform(rng) * f->vmax;
    if (f->value < f->floor)
        f->value = f->floor;
    /* against the move (default): after a rise the threshold tends up (-1..2),
     * after a fall down (-2..1); momentum flips it (seed 002 as written) */
    int up = (dir > 0) != (f->momentum != 0);
    int tf = up ? randint(rng, -1, 2) : randint(rng, -2, 1);
    f->threshold += tf * chain_econ_rng_uniform(rng) * f->tmax;
    if (f->threshold < 1)
        f->threshold = 1;
    if (f->threshold > 99)
        f->threshold = 99;
}
