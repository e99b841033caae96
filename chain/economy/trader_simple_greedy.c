/* chain/economy/trader_simple_greedy.c - "simple-greedy" (economy.md s5, seed
 * 000 "Simple Greedy Trader"): takes the trade that most increases its total
 * coin count.
 *
 * Each step it values every coin at 1 (a coin is a coin) and looks at every
 * candidate taker trade: on each pair, buy or sell sweeping the best d levels
 * (d = 1..depth) with an IOC at the d-th level's price, the quantity capped by
 * max_frac of the free balance it spends. It sends the one that gains the most
 * coins (if the gain is above min_gain), and nothing else: it never rests an
 * order. Ties go to the first candidate (pair 0..2, buy before sell, fewer
 * levels first).
 *
 * Params (defaults):
 *   max_frac  0.5  fraction of the free balance one trade may spend (0..1)
 *   min_gain  0    coins a trade must gain (strictly more than this)
 */
#include <stdlib.h>

#include "chain/economy/traders.h"

typedef struct sgreedy {
    chain_econ_valuer_cfg cfg;
} sgreedy;

static int sgreedy_init(void **state, const cJSON *params, const chain_econ_hello *hello, common_error *err)
{
    (void)hello;
    *state = NULL;
    sgreedy *g = calloc(1, sizeof *g);
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

static void sgreedy_step(void *state, const chain_econ_obs *obs, chain_econ_rng *rng, chain_econ_action *act)
{
    (void)rng;
    const sgreedy *g = state;
    const double ones[CHAIN_EX_COINS] = {1.0, 1.0, 1.0};
    chain_econ_valuer_step(&g->cfg, obs, ones, act);
}

static void sgreedy_end(void *state, double value)
{
    (void)state, (void)value;
}

static void sgreedy_destroy(void *state)
{
    free(state);
}

const chain_econ_trader_ops chain_econ_trader_simple_greedy = {"simple-greedy", sgreedy_init, sgreedy_step,
                                                               sgreedy_end, sgreedy_destroy};
