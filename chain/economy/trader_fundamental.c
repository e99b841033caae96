/* chain/economy/trader_fundamental.c - "fundamental" (economy.md s5, seed 002's
 * currency model): follows a drifting fundamental value per coin, an
 * exogenous driver of the market.
 *
 * The value of BRAVO and CHARLIE in AlphaCoin (ALPHA is 1) comes from seed
 * 002's process, which the trader runs itself (chain_econ_fvalue_round,
 * traders.h) - or, with published = true, from the economy's
 * obs->fundamental[c] (when > 0). The process: every
 * period_s simulated seconds one round per coin: a roll in 0..100 against a
 * threshold in 1..99 - above: the value rises by U(0, vmax); below: it falls
 * by U(0, vmax); equal: nothing - and then the threshold drifts by a step of
 * -1..2 (after a rise) or -2..1 (after a fall) times U(0, tmax), leaning
 * against the move (momentum = true: with it, seed 002 as written). The
 * process draws from its own generator seeded by params.seed (and the coin),
 * not from the agent's rng, so that every fundamental trader with the same
 * seed sees the same value at the same simulated time - it is one market-wide
 * driver, and deterministic for the seed. Rounds are counted from t = 0, so the
 * path does not depend on the trader's step interval.
 * Then the valuer step (traders.h): the best taker IOC against the values if it
 * gains more than min_gain, and quotes at value x (1 -+ spread).
 *
 * Params (defaults):
 *   seed        2      seed of the value process (an integer 0..2^53)
 *   period_s    60     simulated seconds per round (> 0)
 *   start       1.0    starting value of BRAVO and CHARLIE in AlphaCoin (> 0)
 *   threshold   50     starting threshold (1..99)
 *   vmax        0.01   largest value move per round, AlphaCoin (0..10)
 *   tmax        2      largest threshold move per round (0..50)
 *   floor       0.01   lowest value (> 0)
 *   momentum    false  threshold leans with the move instead of against it
 *   published   false  use the economy's obs->fundamental instead of its own process
 *   max_frac    0.25   fraction of the free balance one taken trade may spend (0..1)
 *   min_gain    0      AlphaCoin a taken trade must gain (strictly more)
 *   spread      0.01   relative half-spread of the quotes (0..0.5)
 *   quote_frac  0.05   fraction of the free balance each quote rests (0..1)
 *   requote     0.005  relative drift that makes a quote be replaced (0..1)
 */
#include <math.h>
#include <stdlib.h>

#include "chain/economy/traders.h"

typedef struct fund {
    chain_econ_valuer_cfg cfg;
    int64_t seed;
    double period_s;
    chain_econ_fvalue f[CHAIN_EX_COINS];
    chain_econ_rng frng[CHAIN_EX_COINS];
    int64_t rounds;      /* rounds done */
    int published;
} fund;

static int fund_init(void **state, const cJSON *params, const chain_econ_hello *hello, common_error *err)
{
    (void)hello;
    *state = NULL;
    fund *s = calloc(1, sizeof *s);
    if (!s) {
        common_error_set(err, 1, "", "params", "out of memory");
        return -1;
    }
    s->cfg = (chain_econ_valuer_cfg){0.25, 0.0, 1, 0.01, 0.05, 0.005};
    s->seed = 2;
    s->period_s = 60;
    double start = 1.0, threshold = 50, vmax = 0.01, tmax = 2, lo = 0.01;
    int momentum = 0;
    chain_econ_param specs[16];
    size_t n = chain_econ_valuer_specs(specs, &s->cfg);
    specs[n++] = (chain_econ_param){"seed", CHAIN_ECON_PARAM_INT, 0, 9007199254740992.0, &s->seed};
    specs[n++] = (chain_econ_param){"period_s", CHAIN_ECON_PARAM_NUM, 1e-3, 1e12, &s->period_s};
    specs[n++] = (chain_econ_param){"start", CHAIN_ECON_PARAM_NUM, 1e-6, 1e6, &start};
    specs[n++] = (chain_econ_param){"threshold", CHAIN_ECON_PARAM_NUM, 1, 99, &threshold};
    specs[n++] = (chain_econ_param){"vmax", CHAIN_ECON_PARAM_NUM, 0, 10, &vmax};
    specs[n++] = (chain_econ_param){"tmax", CHAIN_ECON_PARAM_NUM, 0, 50, &tmax};
    specs[n++] = (chain_econ_param){"floor", CHAIN_ECON_PARAM_NUM, 1e-6, 1e6, &lo};
    specs[n++] = (chain_econ_param){"momentum", CHAIN_ECON_PARAM_BOOL, 0, 1, &momentum};
    specs[n++] = (chain_econ_param){"published", CHAIN_ECON_PARAM_BOOL, 0, 1, &s->published};
    if (chain_econ_params_read(params, specs, n, err) != 0) {
        free(s);
        return -1;
    }
    for (unsigned c = 0; c < CHAIN_EX_COINS; c++) {
        s->f[c] = (chain_econ_fvalue){start, vmax, tmax, lo, threshold, momentum};
        s->frng[c].state = (uint64_t)s->seed * 0x100000001b3ull + c;
    }
    s->f[0].value = 1.0;
    *state = s;
    return 0;
}

static void fund_step(void *state, const chain_econ_obs *obs, chain_econ_rng *rng, chain_econ_action *act)
{
    (void)rng;
    fund *s = state;
    int64_t due = obs->t > 0 ? (int64_t)floor(obs->t / s->period_s) : 0;
    for (; s->rounds < due; s->rounds++)
        for (unsigned c = 1; c < CHAIN_EX_COINS; c++)
            chain_econ_fvalue_round(&s->f[c], &s->frng[c]);
    double value[CHAIN_EX_COINS];
    value[0] = 1.0;
    for (unsigned c = 1; c < CHAIN_EX_COINS; c++)
        value[c] = s->published && obs->fundamental[c] > 0 ? obs->fundamental[c] : s->f[c].value;
    chain_econ_valuer_step(&s->cfg, obs, value, act);
}

static void fund_end(void *state, double value)
{
    (void)state, (void)value;
}

static void fund_destroy(void *state)
{
    free(state);
}

const chain_econ_trader_ops chain_econ_trader_fundamental = {"fundamental", fund_init, fund_step, fund_end,
                                                             fund_destroy};
