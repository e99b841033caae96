/* chain/economy/trader_whale.c - "whale" (economy.md s5, seed 000 "Whales"):
 * at a set time buys a large share of one coin from many parties, so that an
 * experiment can measure how far the market moves and how fast it recovers.
 *
 * Before at_s simulated seconds it does nothing at all. From at_s on it spends
 * up to budget_frac of the AlphaCoin it held free on the exchange at that
 * moment on coin (BRAVO or CHARLIE, through its /ALPHA pair): each step, one
 * IOC buy per resting ask level (up to levels orders a step, each at that
 * level's price: many orders, against many sellers), never paying more than
 * max_premium above the pair's last price at at_s, until the budget is spent.
 * Then it holds. Its off-chain fiat (obs->fiat) stays outside the exchange:
 * its buying power is the ALPHA it holds there (give it large "holdings" in
 * the config); the whale trades only exchange balances.
 *
 * Params (defaults):
 *   coin         "CHARLIE"  the coin it corners ("BRAVO" or "CHARLIE")
 *   at_s         43200      simulated second it starts (>= 0)
 *   budget_frac  0.9        fraction of its free AlphaCoin at at_s it spends (0..1)
 *   levels       10         orders per step at most (1..CHAIN_ECON_DEPTH)
 *   max_premium  1.0        highest price paid, relative above the last price at at_s (0..100)
 */
#include <stdlib.h>

#include "chain/economy/traders.h"

typedef struct whale {
    unsigned coin;
    double at_s, budget_frac, max_premium;
    int64_t levels;
    int started;
    int64_t budget;      /* AlphaCoin units to spend in all */
    int64_t alpha0;      /* AlphaCoin held at at_s (units) */
    int64_t cap_price;   /* ticks */
} whale;

static int whale_init(void **state, const cJSON *params, const chain_econ_hello *hello, common_error *err)
{
    (void)hello;
    *state = NULL;
    whale *s = calloc(1, sizeof *s);
    if (!s) {
        common_error_set(err, 1, "", "params", "out of memory");
        return -1;
    }
    s->coin = 2;
    s->at_s = 43200;
    s->budget_frac = 0.9;
    s->levels = CHAIN_ECON_DEPTH;
    s->max_premium = 1.0;
    const chain_econ_param specs[] = {
        {"coin", CHAIN_ECON_PARAM_COIN, 1, 2, &s->coin},
        {"at_s", CHAIN_ECON_PARAM_NUM, 0, 1e12, &s->at_s},
        {"budget_frac", CHAIN_ECON_PARAM_NUM, 0, 1, &s->budget_frac},
        {"levels", CHAIN_ECON_PARAM_INT, 1, CHAIN_ECON_DEPTH, &s->levels},
        {"max_premium", CHAIN_ECON_PARAM_NUM, 0, 100, &s->max_premium},
    };
    if (chain_econ_params_read(params, specs, sizeof specs / sizeof specs[0], err) != 0) {
        free(s);
        return -1;
    }
    *state = s;
    return 0;
}

static void whale_step(void *state, const chain_econ_obs *obs, chain_econ_rng *rng, chain_econ_action *act)
{
    (void)rng;
    whale *s = state;
    if (obs->t < s->at_s)
        return;
    unsigned pair = s->coin == 1 ? 0 : 1; /* BRAVO/ALPHA or CHARLIE/ALPHA */
    const chain_econ_book_view *bv = &obs->books[pair];
    if (!s->started) {
        s->started = 1;
        s->budget = (int64_t)((double)(obs->ex[0].free > 0 ? obs->ex[0].free : 0) * s->budget_frac);
        int64_t ref = bv->last_price > 0 ? bv->last_price : bv->n_asks > 0 ? bv->asks[0][0] : 10000;
        s->alpha0 = chain_econ_holding(obs, 0);
        s->cap_price = chain_econ_price_ticks((double)ref / 1e4 * (1 + s->max_premium));
    }
    /* what is left: the budget less the AlphaCoin already gone (fills, not escrow) */
    int64_t left = s->budget - (s->alpha0 - chain_econ_holding(obs, 0));
    chain_econ_budget b;
    chain_econ_budget_init(&b, obs);
    size_t n = bv->n_asks < CHAIN_ECON_DEPTH ? bv->n_asks : CHAIN_ECON_DEPTH;
    for (size_t i = 0; i < n && i < (size_t)s->levels && left > 0; i++) {
        int64_t px = bv->asks[i][0];
        if (px < 1 || px > s->cap_price)
            break;
        int64_t have = left < b.free[0] ? left : b.free[0];
        int64_t afford = have / px * CHAIN_EX_QTY_STEP;
        int64_t q = chain_econ_qty_floor(bv->asks[i][1] < afford ? bv->asks[i][1] : afford);
        if (q < CHAIN_EX_QTY_STEP)
            break;
        if (chain_econ_budget_order(act, &b, pair, BSE_MATCH_BUY, BSE_MATCH_IOC, px, q))
            left -= chain_econ_order_escrow(pair, BSE_MATCH_BUY, px, q);
    }
}

static void whale_end(void *state, double value)
{
    (void)state, (void)value;
}

static void whale_destroy(void *state)
{
    free(state);
}

const chain_econ_trader_ops chain_econ_trader_whale = {"whale", whale_init, whale_step, whale_end, whale_destroy};
