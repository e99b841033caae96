/* chain/economy/trader_spot.c - "spot" (economy.md s5, seed 000 "Look at
 * current spot price"): values every coin at the current spot price (the
 * pairs' last trades, chain_econ_spot_values) and makes the top trade that
 * improves its total valuation; it also makes a market around spot.
 *
 * Each step: (1) the valuer's taker search (traders.h) at spot values: the IOC
 * sweeping the best levels that gains the most AlphaCoin, if more than
 * min_gain; (2) a bid at spot x (1 - spread) and an ask at spot x (1 + spread)
 * on every pair (never crossing the book), each of quote_frac of the free
 * balance it spends, re-placed when spot moves by more than requote.
 * (market-greedy is the same valuation without the quotes.)
 *
 * Params (defaults):
 *   max_frac    0.25   fraction of the free balance one taken trade may spend (0..1)
 *   min_gain    0      AlphaCoin a taken trade must gain (strictly more)
 *   spread      0.01   relative half-spread of the quotes (0..0.5)
 *   quote_frac  0.05   fraction of the free balance each quote rests (0..1)
 *   requote     0.005  relative drift that makes a quote be replaced (0..1)
 */
#include "chain/economy/traders.h"

static int spot_init(void **state, const cJSON *params, const chain_econ_hello *hello, common_error *err)
{
    (void)hello;
    static const chain_econ_valuer_cfg defaults = {0.25, 0.0, 1, 0.01, 0.05, 0.005};
    return chain_econ_valuer_init(state, params, &defaults, err);
}

static void spot_step(void *state, const chain_econ_obs *obs, chain_econ_rng *rng, chain_econ_action *act)
{
    (void)rng;
    const chain_econ_valuer_cfg *cfg = state;
    double value[CHAIN_EX_COINS];
    chain_econ_spot_values(value, obs);
    chain_econ_valuer_step(cfg, obs, value, act);
}

const chain_econ_trader_ops chain_econ_trader_spot = {"spot", spot_init, spot_step, chain_econ_valuer_end,
                                                      chain_econ_valuer_destroy};
