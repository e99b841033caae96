/* chain/economy/trader_arbitrage.c - "arbitrage" (economy.md s5, seed 000
 * "Arbitrage - look for pairs to be under/over valued compared to other 2"):
 * trades the triangle BRAVO/ALPHA, CHARLIE/ALPHA, CHARLIE/BRAVO when one pair
 * is mispriced against the other two.
 *
 * The two cycles at the best prices (ask a, bid b, in quote coins per base):
 *   A->B->C->A: buy B/A at a0, buy C/B at a2, sell C/A at b1: returns b1 / (a0 a2)
 *   A->C->B->A: buy C/A at a1, sell C/B at b2, sell B/A at b0: returns b2 b0 / a1
 * per AlphaCoin put in. When a cycle returns more than 1 + threshold it sends
 * its three legs together as IOCs at the best levels, from inventory (each
 * leg spends what the trader already has free - the legs do not wait for each
 * other's proceeds), sized to the smallest of: the three best levels, max_frac
 * of each free balance a leg spends. Otherwise (the triangle priced within
 * threshold) it does nothing. It never rests an order.
 *
 * Params (defaults):
 *   threshold  0.002  cycle return above 1 it needs (0..1)
 *   max_frac   0.5    fraction of a free balance one leg may spend (0..1)
 */
#include <stdlib.h>

#include "chain/economy/traders.h"

typedef struct arb {
    double threshold, max_frac;
} arb;

static int arb_init(void **state, const cJSON *params, const chain_econ_hello *hello, common_error *err)
{
    (void)hello;
    *state = NULL;
    arb *s = calloc(1, sizeof *s);
    if (!s) {
        common_error_set(err, 1, "", "params", "out of memory");
        return -1;
    }
    s->threshold = 0.002;
    s->max_frac = 0.5;
    const chain_econ_param specs[] = {
        {"threshold", CHAIN_ECON_PARAM_NUM, 0, 1, &s->threshold},
        {"max_frac", CHAIN_ECON_PARAM_NUM, 0, 1, &s->max_frac},
    };
    if (chain_econ_params_read(params, specs, sizeof specs / sizeof specs[0], err) != 0) {
        free(s);
        return -1;
    }
    *state = s;
    return 0;
}

static int64_t min64(int64_t a, int64_t b)
{
    return a < b ? a : b;
}

static void arb_step(void *state, const chain_econ_obs *obs, chain_econ_rng *rng, chain_econ_action *act)
{
    (void)rng;
    const arb *s = state;
    const chain_econ_book_view *b0 = &obs->books[0], *b1 = &obs->books[1], *b2 = &obs->books[2];
    chain_econ_budget bud;
    chain_econ_budget_init(&bud, obs);
    int64_t fA = (int64_t)((double)bud.free[0] * s->max_frac);
    int64_t fB = (int64_t)((double)bud.free[1] * s->max_frac);
    int64_t fC = (int64_t)((double)bud.free[2] * s->max_frac);
    /* cycle 1: A->B (buy pair 0), B->C (buy pair 2), C->A (sell pair 1) */
    if (b0->n_asks && b2->n_asks && b1->n_bids) {
        double a0 = (double)b0->asks[0][0] / 1e4, a2 = (double)b2->asks[0][0] / 1e4, bb1 = (double)b1->bids[0][0] / 1e4;
        if (bb1 / (a0 * a2) > 1 + s->threshold) {
            /* qC CHARLIE through the cycle; it needs qC x a2 BRAVO */
            int64_t qC = min64(b2->asks[0][1], b1->bids[0][1]);
            qC = min64(qC, fC);
            qC = min64(qC, fB / b2->asks[0][0] * CHAIN_EX_QTY_STEP);
            qC = chain_econ_qty_floor(qC);
            int64_t qB = chain_econ_qty_floor((int64_t)((double)qC * a2));
            qB = min64(qB, b0->asks[0][1]);
            qB = chain_econ_qty_floor(min64(qB, fA / b0->asks[0][0] * CHAIN_EX_QTY_STEP));
            if (qC >= CHAIN_EX_QTY_STEP && qB >= CHAIN_EX_QTY_STEP) {
                chain_econ_budget_order(act, &bud, 0, BSE_MATCH_BUY, BSE_MATCH_IOC, b0->asks[0][0], qB);
                chain_econ_budget_order(act, &bud, 2, BSE_MATCH_BUY, BSE_MATCH_IOC, b2->asks[0][0], qC);
                chain_econ_budget_order(act, &bud, 1, BSE_MATCH_SELL, BSE_MATCH_IOC, b1->bids[0][0], qC);
                return;
            }
        }
    }
    /* cycle 2: A->C (buy pair 1), C->B (sell pair 2), B->A (sell pair 0) */
    if (b1->n_asks && b2->n_bids && b0->n_bids) {
        double a1 = (double)b1->asks[0][0] / 1e4, bb2 = (double)b2->bids[0][0] / 1e4, bb0 = (double)b0->bids[0][0] / 1e4;
        if (bb2 * bb0 / a1 > 1 + s->threshold) {
            int64_t qC = min64(b1->asks[0][1], b2->bids[0][1]);
            qC = min64(qC, fC);
            qC = min64(qC, fA / b1->asks[0][0] * CHAIN_EX_QTY_STEP);
            qC = chain_econ_qty_floor(qC);
            int64_t qB = chain_econ_qty_floor((int64_t)((double)qC * bb2));
            qB = chain_econ_qty_floor(min64(min64(qB, b0->bids[0][1]), fB));
            if (qC >= CHAIN_EX_QTY_STEP && qB >= CHAIN_EX_QTY_STEP) {
                chain_econ_budget_order(act, &bud, 1, BSE_MATCH_BUY, BSE_MATCH_IOC, b1->asks[0][0], qC);
                chain_econ_budget_order(act, &bud, 2, BSE_MATCH_SELL, BSE_MATCH_IOC, b2->bids[0][0], qC);
                chain_econ_budget_order(act, &bud, 0, BSE_MATCH_SELL, BSE_MATCH_IOC, b0->bids[0][0], qB);
            }
        }
    }
}

static void arb_end(void *state, double value)
{
    (void)state, (void)value;
}

static void arb_destroy(void *state)
{
    free(state);
}

const chain_econ_trader_ops chain_econ_trader_arbitrage = {"arbitrage", arb_init, arb_step, arb_end, arb_destroy};
