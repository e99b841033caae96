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
#include "chain/economy/traders.h"

static int sgreedy_init(void **state, const cJSON *params, const chain_econ_hello *hello, common_error *err)
{
    (void)hello;
    static const chain_econ_valuer_cfg defaults = {.max_frac = 0.5, .min_gain = 0.0, .quote = 0};
    return chain_econ_valuer_init(state, params, &defaults, err);
}

static void sgreedy_step(void *state, const chain_econ_obs *obs, chain_econ_rng *rng, chain_econ_action *act)
{
    (void)rng;
    const chain_econ_valuer_cfg *cfg = state;
    const double ones[CHAIN_EX_COINS] = {1.0, 1.0, 1.0};
    chain_econ_valuer_step(cfg, obs, ones, act);
}

const chain_econ_trader_ops chain_econ_trader_simple_greedy = {"simple-greedy", sgreedy_init, sgreedy_step,
                                                               chain_econ_valuer_end, chain_econ_valuer_destroy};
