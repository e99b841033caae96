/* chain/economy/trader_news.c - "news" (economy.md s5, seed 000 "Watch fake
 * news publisher"): follows the fake-news publisher that every simulated
 * minute says bullish (+1) or bearish (-1) for each coin: it buys a coin on
 * bullish news and sells it on bearish news.
 *
 * Each step it values coin c at spot x (1 + bias x news[c]) (ALPHA included:
 * bullish ALPHA news makes the other coins cheaper to it), then runs the
 * valuer step (traders.h): the best taker IOC against those values if it gains
 * more than min_gain (with bias above the book's spread around spot, bullish
 * news lifts the asks and bearish news hits the bids), and quotes at
 * value x (1 -+ spread).
 *
 * Params (defaults):
 *   bias        0.05   relative value shift per unit of news (0..1)
 *   max_frac    0.25   fraction of the free balance one taken trade may spend (0..1)
 *   min_gain    0      AlphaCoin a taken trade must gain (strictly more)
 *   spread      0.01   relative half-spread of the quotes (0..0.5)
 *   quote_frac  0.05   fraction of the free balance each quote rests (0..1)
 *   requote     0.005  relative drift that makes a quote be replaced (0..1)
 */
#include <stdlib.h>

#include "chain/economy/traders.h"

typedef struct news {
    chain_econ_valuer_cfg cfg;
    double bias;
} news;

static int news_init(void **state, const cJSON *params, const chain_econ_hello *hello, common_error *err)
{
    (void)hello;
    *state = NULL;
    news *s = calloc(1, sizeof *s);
    if (!s) {
        common_error_set(err, 1, "", "params", "out of memory");
        return -1;
    }
    s->cfg = (chain_econ_valuer_cfg){0.25, 0.0, 1, 0.01, 0.05, 0.005};
    s->bias = 0.05;
    chain_econ_param specs[8];
    size_t n = chain_econ_valuer_specs(specs, &s->cfg);
    specs[n++] = (chain_econ_param){"bias", CHAIN_ECON_PARAM_NUM, 0.0, 1.0, &s->bias};
    if (chain_econ_params_read(params, specs, n, err) != 0) {
        free(s);
        return -1;
    }
    *state = s;
    return 0;
}

static void news_step(void *state, const chain_econ_obs *obs, chain_econ_rng *rng, chain_econ_action *act)
{
    (void)rng;
    const news *s = state;
    double value[CHAIN_EX_COINS];
    chain_econ_spot_values(value, obs);
    for (unsigned c = 0; c < CHAIN_EX_COINS; c++) {
        int n = obs->news[c] > 0 ? 1 : obs->news[c] < 0 ? -1 : 0;
        value[c] *= 1.0 + s->bias * n;
        if (value[c] < 1e-9)
            value[c] = 1e-9;
    }
    chain_econ_valuer_step(&s->cfg, obs, value, act);
}

static void news_end(void *state, double value)
{
    (void)state, (void)value;
}

static void news_destroy(void *state)
{
    free(state);
}

const chain_econ_trader_ops chain_econ_trader_news = {"news", news_init, news_step, news_end, news_destroy};
