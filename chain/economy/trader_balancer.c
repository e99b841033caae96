/* chain/economy/trader_balancer.c - "balancer" (economy.md s5, seed 000 "Basic
 * Balancing Trading"): keeps its three holdings equal in value.
 *
 * Holdings are chain_econ_holding (on chain + exchange, owed taken off),
 * valued at spot (chain_econ_spot_values). When the largest holding's value is
 * more than tol (a fraction of the total) above the smallest's, it moves value
 * from the largest to the smallest coin on their direct pair, the amount being
 * what brings the larger of the two back to a third of the total (and no more
 * than it has free on the exchange): seed 000's traders - it first takes the
 * best resting offer that serves that goal (an IOC at the best level, if that
 * price is within slip of spot), and otherwise rests a limit order at spot for
 * the rest ("nothing good: creates an order"). Its resting orders that no
 * longer move it toward balance (or are more than requote off spot) are
 * cancelled; balanced, it cancels everything and does nothing else.
 *
 * Params (defaults):
 *   tol       0.02   imbalance (of the total value) tolerated (0..1)
 *   slip      0.01   how far from spot a taken offer may be (relative, 0..1)
 *   requote   0.01   relative drift from spot that makes a resting order be replaced (0..1)
 */
#include <math.h>
#include <stdlib.h>

#include "chain/economy/traders.h"

typedef struct bal {
    double tol, slip, requote;
} bal;

static int bal_init(void **state, const cJSON *params, const chain_econ_hello *hello, common_error *err)
{
    (void)hello;
    *state = NULL;
    bal *s = calloc(1, sizeof *s);
    if (!s) {
        common_error_set(err, 1, "", "params", "out of memory");
        return -1;
    }
    s->tol = 0.02;
    s->slip = 0.01;
    s->requote = 0.01;
    const chain_econ_param specs[] = {
        {"tol", CHAIN_ECON_PARAM_NUM, 0, 1, &s->tol},
        {"slip", CHAIN_ECON_PARAM_NUM, 0, 1, &s->slip},
        {"requote", CHAIN_ECON_PARAM_NUM, 0, 1, &s->requote},
    };
    if (chain_econ_params_read(params, specs, sizeof specs / sizeof specs[0], err) != 0) {
        free(s);
        return -1;
    }
    *state = s;
    return 0;
}

/* The pair joining coins a and b. */
static unsigned pair_of(unsigned a, unsigned b)
{
    for (unsigned p = 0; p < CHAIN_EX_PAIRS; p++)
        if ((chain_econ_pair_base(p) == a && chain_econ_pair_quote(p) == b) ||
            (chain_econ_pair_base(p) == b && chain_econ_pair_quote(p) == a))
            return p;
    return 0;
}

static void cancel_all(chain_econ_action *act, const chain_econ_obs *obs, int keep_pair, int keep_side,
                       int64_t spot_ticks, double requote)
{
    for (size_t i = 0; i < obs->n_orders && act->n_cancels < CHAIN_ECON_MAX_CANCELS; i++) {
        const chain_ex_order_info *o = &obs->orders[i];
        if ((int)o->pair == keep_pair && o->side == keep_side &&
            fabs((double)(o->price - spot_ticks)) <= requote * (double)spot_ticks)
            continue;
        act->cancels[act->n_cancels++] = o->id;
    }
}

static void bal_step(void *state, const chain_econ_obs *obs, chain_econ_rng *rng, chain_econ_action *act)
{
    (void)rng;
    const bal *s = state;
    double value[CHAIN_EX_COINS], held[CHAIN_EX_COINS], total = 0;
    chain_econ_spot_values(value, obs);
    for (unsigned c = 0; c < CHAIN_EX_COINS; c++) {
        held[c] = (double)chain_econ_holding(obs, c) / CHAIN_EX_UNITS_PER_COIN * value[c];
        total += held[c];
    }
    unsigned hi = 0, lo = 0;
    for (unsigned c = 1; c < CHAIN_EX_COINS; c++) {
        if (held[c] > held[hi])
            hi = c;
        if (held[c] < held[lo])
            lo = c;
    }
    if (!(total > 0) || held[hi] - held[lo] <= s->tol * total) {
        cancel_all(act, obs, -1, -1, 0, 0);
        return;
    }
    unsigned p = pair_of(hi, lo);
    unsigned base = chain_econ_pair_base(p), quote = chain_econ_pair_quote(p);
    /* value to move: bring hi down to a third, lo up to a third, whichever is less */
    double move = held[hi] - total / 3;
    if (total / 3 - held[lo] < move)
        move = total / 3 - held[lo];
    int side = hi == base ? BSE_MATCH_SELL : BSE_MATCH_BUY; /* selling hi for lo */
    double fair = value[base] / value[quote];
    int64_t spot_ticks = chain_econ_price_ticks(fair);
    cancel_all(act, obs, (int)p, side, spot_ticks, s->requote);
    for (size_t i = 0; i < obs->n_orders; i++)
        if (obs->orders[i].pair == p && obs->orders[i].side == side &&
            fabs((double)(obs->orders[i].price - spot_ticks)) <= s->requote * (double)spot_ticks)
            return; /* already resting the right order: wait for it */
    chain_econ_budget b;
    chain_econ_budget_init(&b, obs);
    /* the base quantity worth `move` AlphaCoin */
    int64_t want = chain_econ_qty_floor((int64_t)(move / value[base] * CHAIN_EX_UNITS_PER_COIN));
    const chain_econ_book_view *bv = &obs->books[p];
    if (side == BSE_MATCH_BUY && bv->n_asks > 0 && (double)bv->asks[0][0] <= (double)spot_ticks * (1 + s->slip)) {
        int64_t px = bv->asks[0][0];
        int64_t q = want < bv->asks[0][1] ? want : bv->asks[0][1];
        int64_t afford = b.free[quote] / px * CHAIN_EX_QTY_STEP;
        q = chain_econ_qty_floor(q < afford ? q : afford);
        if (chain_econ_budget_order(act, &b, p, side, BSE_MATCH_IOC, px, q))
            want -= q;
    } else if (side == BSE_MATCH_SELL && bv->n_bids > 0 &&
               (double)bv->bids[0][0] >= (double)spot_ticks * (1 - s->slip)) {
        int64_t px = bv->bids[0][0];
        int64_t q = want < bv->bids[0][1] ? want : bv->bids[0][1];
        q = chain_econ_qty_floor(q < b.free[base] ? q : b.free[base]);
        if (chain_econ_budget_order(act, &b, p, side, BSE_MATCH_IOC, px, q))
            want -= q;
    }
    if (want < CHAIN_EX_QTY_STEP)
        return;
    int64_t px = spot_ticks;
    if (side == BSE_MATCH_BUY && bv->n_asks > 0 && px >= bv->asks[0][0])
        px = bv->asks[0][0] - 1;
    if (side == BSE_MATCH_SELL && bv->n_bids > 0 && px <= bv->bids[0][0])
        px = bv->bids[0][0] + 1;
    if (side == BSE_MATCH_BUY) {
        int64_t afford = px > 0 ? b.free[quote] / px * CHAIN_EX_QTY_STEP : 0;
        want = want < afford ? want : afford;
    } else {
        want = want < b.free[base] ? want : b.free[base];
    }
    chain_econ_budget_order(act, &b, p, side, BSE_MATCH_LIMIT, px, want);
}

static void bal_end(void *state, double value)
{
    (void)state, (void)value;
}

static void bal_destroy(void *state)
{
    free(state);
}

const chain_econ_trader_ops chain_econ_trader_balancer = {"balancer", bal_init, bal_step, bal_end, bal_destroy};
