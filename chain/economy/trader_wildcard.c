/* chain/economy/trader_wildcard.c - "wildcard" (economy.md s5, seed 000 "Wild
 * Card - current values randomly shift ((-10, 10).to_a.pluck)%"): values
 * coins at spot shifted by a random whole percentage in -10%..+10%.
 *
 * At its first step and then whenever a new period of period_s simulated
 * seconds begins, it draws for BRAVO and CHARLIE a shift of s% with s uniform
 * in the integers -max_pct..max_pct (from the step's rng only, so a seed
 * replays it); ALPHA, the unit of account, is not shifted. Its values are
 * spot x (1 + s/100); then the valuer step (traders.h): the best taker IOC if
 * it gains more than min_gain, and quotes at value x (1 -+ spread).
 *
 * Params (defaults):
 *   max_pct     10     largest shift in percent, an integer in 0..10
 *   period_s    60     simulated seconds a draw is kept (> 0)
 *   max_frac    0.25   fraction of the free balance one taken trade may spend (0..1)
 *   min_gain    0      AlphaCoin a taken trade must gain (strictly more)
 *   spread      0.01   relative half-spread of the quotes (0..0.5)
 *   quote_frac  0.05   fraction of the free balance each quote rests (0..1)
 *   requote     0.005  relative drift that makes a quote be replaced (0..1)
 */
#include <math.h>
#include <stdlib.h>

#include "chain/economy/traders.h"

typedef struct wild {
    chain_econ_valuer_cfg cfg;
    int64_t max_pct;
    double period_s;
    int64_t period;      /* index of the period shift[] was drawn in; -1 before the first */
    int shift[CHAIN_EX_COINS]; /* percent */
} wild;

static int wild_init(void **state, const cJSON *params, const chain_econ_hello *hello, common_error *err)
{
    (void)hello;
    *state = NULL;
    wild *s = calloc(1, sizeof *s);
    if (!s) {
        common_error_set(err, 1, "", "params", "out of memory");
        return -1;
    }
    s->cfg = (chain_econ_valuer_cfg){0.25, 0.0, 1, 0.01, 0.05, 0.005};
    s->max_pct = 10;
    s->period_s = 60;
    s->period = -1;
    chain_econ_param specs[8];
    size_t n = chain_econ_valuer_specs(specs, &s->cfg);
    specs[n++] = (chain_econ_param){"max_pct", CHAIN_ECON_PARAM_INT, 0, 10, &s->max_pct};
    specs[n++] = (chain_econ_param){"period_s", CHAIN_ECON_PARAM_NUM, 1e-3, 1e12, &s->period_s};
    if (chain_econ_params_read(params, specs, n, err) != 0) {
        free(s);
        return -1;
    }
    *state = s;
    return 0;
}

static void wild_step(void *state, const chain_econ_obs *obs, chain_econ_rng *rng, chain_econ_action *act)
{
    wild *s = state;
    int64_t period = obs->t > 0 ? (int64_t)floor(obs->t / s->period_s) : 0;
    if (period != s->period) {
        s->period = period;
        s->shift[0] = 0;
        for (unsigned c = 1; c < CHAIN_EX_COINS; c++)
            s->shift[c] = (int)(chain_econ_rng_next(rng) % (uint64_t)(2 * s->max_pct + 1)) - (int)s->max_pct;
    }
    double value[CHAIN_EX_COINS];
    chain_econ_spot_values(value, obs);
    for (unsigned c = 0; c < CHAIN_EX_COINS; c++)
        value[c] *= 1.0 + s->shift[c] / 100.0;
    chain_econ_valuer_step(&s->cfg, obs, value, act);
}

static void wild_end(void *state, double value)
{
    (void)state, (void)value;
}

static void wild_destroy(void *state)
{
    free(state);
}

const chain_econ_trader_ops chain_econ_trader_wildcard = {"wildcard", wild_init, wild_step, wild_end,
                                                          wild_destroy};
