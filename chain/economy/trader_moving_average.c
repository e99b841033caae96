/* chain/economy/trader_moving_average.c - "moving-average" (economy.md s5,
 * seed 000 "Look at moving average - 2,4,8,16,32,64,128 back"): values every
 * coin at a moving average of the last k trade prices and makes the top trade
 * that improves its valuation; it also makes a market around the average.
 *
 * A pair's price is the mean of its last k trade prices (the observation's
 * history, oldest first; all of them while fewer than k have happened; the
 * pair is unknown before its first trade); coin values follow from the pairs
 * as spot's do (ALPHA 1, BRAVO from BRAVO/ALPHA, CHARLIE from CHARLIE/ALPHA or
 * via CHARLIE/BRAVO). Then the valuer step (traders.h): the best taker IOC if
 * it gains more than min_gain, and quotes at average x (1 -+ spread).
 *
 * Params (defaults):
 *   k           16     trades averaged, an integer in 2..128 (CHAIN_ECON_HISTORY)
 *   max_frac    0.25   fraction of the free balance one taken trade may spend (0..1)
 *   min_gain    0      AlphaCoin a taken trade must gain (strictly more)
 *   spread      0.01   relative half-spread of the quotes (0..0.5)
 *   quote_frac  0.05   fraction of the free balance each quote rests (0..1)
 *   requote     0.005  relative drift that makes a quote be replaced (0..1)
 */
#include <stdlib.h>

#include "chain/economy/traders.h"

typedef struct mavg {
    chain_econ_valuer_cfg cfg;
    int64_t k;
} mavg;

static int mavg_init(void **state, const cJSON *params, const chain_econ_hello *hello, common_error *err)
{
    (void)hello;
    *state = NULL;
    mavg *s = calloc(1, sizeof *s);
    if (!s) {
        common_error_set(err, 1, "", "params", "out of memory");
        return -1;
    }
    s->cfg = (chain_econ_valuer_cfg){0.25, 0.0, 1, 0.01, 0.05, 0.005};
    s->k = 16;
    chain_econ_param specs[8];
    size_t n = chain_econ_valuer_specs(specs, &s->cfg);
    specs[n++] = (chain_econ_param){"k", CHAIN_ECON_PARAM_INT, 2, CHAIN_ECON_HISTORY, &s->k};
    if (chain_econ_params_read(params, specs, n, err) != 0) {
        free(s);
        return -1;
    }
    *state = s;
    return 0;
}

static void mavg_step(void *state, const chain_econ_obs *obs, chain_econ_rng *rng, chain_econ_action *act)
{
    (void)rng;
    const mavg *s = state;
    double px[CHAIN_EX_PAIRS];
    for (unsigned p = 0; p < CHAIN_EX_PAIRS; p++) {
        const chain_econ_book_view *bv = &obs->books[p];
        size_t n = bv->n_history < CHAIN_ECON_HISTORY ? bv->n_history : CHAIN_ECON_HISTORY;
        size_t k = (size_t)s->k < n ? (size_t)s->k : n;
        double sum = 0;
        for (size_t i = n - k; i < n; i++)
            sum += (double)bv->history[i];
        px[p] = k > 0 ? sum / (double)k / 1e4 : (double)bv->last_price / 1e4;
    }
    double value[CHAIN_EX_COINS];
    chain_econ_values_from_prices(value, px);
    chain_econ_valuer_step(&s->cfg, obs, value, act);
}

static void mavg_end(void *state, double value)
{
    (void)state, (void)value;
}

static void mavg_destroy(void *state)
{
    free(state);
}

const chain_econ_trader_ops chain_econ_trader_moving_average = {"moving-average", mavg_init, mavg_step, mavg_end,
                                                                mavg_destroy};
