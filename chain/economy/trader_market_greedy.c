/* chain/economy/trader_market_greedy.c - "market-greedy" (economy.md s5, seed
 * 000 "Market Greedy Trader"): values its holdings at the latest trade prices
 * in AlphaCoin and takes the trade that most increases that value.
 *
 * Each step it values every coin at the pairs' last prices
 * (chain_econ_spot_values: ALPHA 1, BRAVO at BRAVO/ALPHA, CHARLIE at
 * CHARLIE/ALPHA or via CHARLIE/BRAVO; 1 before a pair's first trade) and looks at every
 * candidate taker trade: on each pair, buy or sell sweeping the best d levels
 * (d = 1..depth) with an IOC at the d-th level's price, the quantity capped by
 * max_frac of the free balance it spends. It sends the one that gains the most
 * value (if the gain is above min_gain), and nothing else: it never rests an
 * order. Ties go to the first candidate (pair 0..2, buy before sell, fewer
 * levels first).
 *
 * Params (defaults):
 *   max_frac  0.5  fraction of the free balance one trade may spend (0..1)
 *   min_gain  0    AlphaCoin a trade must gain (strictly more than this)
 */
#include <stdlib.h>

#include "chain/economy/traders.h"

typedef struct mgreedy {
    chain_econ_valuer_cfg cfg;
} mgreedy;

static int mgreedy_init(void **state, const cJSON *params, const chain_econ_hello *hello, common_error *err)
{
    (void)hello;
    *state = NULL;
    mgreedy *g = calloc(1, sizeof *g);
    if (!g) {
        common_error_set(err, 1, "", "params", "out of memory");
        return -1;
    }
    g->cfg = (chain_econ_valuer_cfg){.max_frac = 0.5, .min_gain = 0.0, .quote = 0};
    chain_econ_param specs[8];
    size_t n = chain_econ_valuer_specs(specs, &g->cfg);
    if (chain_econ_params_read(params, specs, n, err) != 0) {
        free(g);
        return -1;
    }
    *state = g;
    return 0;
}

static void mgreedy_step(void *state, const chain_econ_obs *obs, chain_econ_rng *rng, chain_econ_action *act)
{
    (void)rng;
    const mgreedy *g = state;
    double value[CHAIN_EX_COINS];
    chain_econ_spot_values(value, obs);
    chain_econ_valuer_step(&g->cfg, obs, value, act);
}

static void mgreedy_end(void *state, double value)
{
    (void)state, (void)value;
}

static void mgreedy_destroy(void *state)
{
    free(state);
}

const chain_econ_trader_ops chain_econ_trader_market_greedy = {"market-greedy", mgreedy_init, mgreedy_step,
                                                               mgreedy_end, mgreedy_destroy};
