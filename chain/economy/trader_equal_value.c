/* chain/economy/trader_equal_value.c - "equal-value" (economy.md s5, seed 000
 * "All are worth the same"): treats every coin as worth the same (1:1:1) and
 * makes the top trade that improves its total holdings; it also makes a
 * market at 1:1.
 *
 * Each step: (1) the valuer's taker search (traders.h, chain_econ_take_best)
 * with every coin valued 1: the IOC sweeping the best levels that gains the
 * most coins, if any gains more than min_gain; (2) a bid at 1 - spread and an
 * ask at 1 + spread on every pair (never crossing the book), each of
 * quote_frac of the free balance it spends; a resting quote more than requote
 * (relative) off its wanted price is cancelled and re-placed the next step.
 * (simple-greedy is the same valuation without the quotes.)
 *
 * Params (defaults):
 *   max_frac    0.25   fraction of the free balance one taken trade may spend (0..1)
 *   min_gain    0      AlphaCoin a taken trade must gain (strictly more)
 *   spread      0.01   relative half-spread of the quotes (0..0.5)
 *   quote_frac  0.05   fraction of the free balance each quote rests (0..1)
 *   requote     0.005  relative drift that makes a quote be replaced (0..1)
 */
#include "chain/economy/traders.h"

static int eqv_init(void **state, const cJSON *params, const chain_econ_hello *hello, common_error *err)
{
    (void)hello;
    static const chain_econ_valuer_cfg defaults = {0.25, 0.0, 1, 0.01, 0.05, 0.005};
    return chain_econ_valuer_init(state, params, &defaults, err);
}

static void eqv_step(void *state, const chain_econ_obs *obs, chain_econ_rng *rng, chain_econ_action *act)
{
    (void)rng;
    const chain_econ_valuer_cfg *cfg = state;
    const double ones[CHAIN_EX_COINS] = {1.0, 1.0, 1.0};
    chain_econ_valuer_step(cfg, obs, ones, act);
}

const chain_econ_trader_ops chain_econ_trader_equal_value = {"equal-value", eqv_init, eqv_step, chain_econ_valuer_end, chain_econ_valuer_destroy};
