/* chain/economy/traders.h - private to the built-in strategies (economy.md s5):
 * their ops tables, the params reader they share, and the shared "valuer"
 * machinery (take the book's best trade against a valuation; quote around it).
 *
 * Nothing here is part of the agent contract (chain/economy/agent.h); the
 * economy finds a strategy through chain_econ_trader_find only. Everything is
 * allocation-free and O(CHAIN_ECON_DEPTH) per pair.
 */
#ifndef CHAIN_ECONOMY_TRADERS_H
#define CHAIN_ECONOMY_TRADERS_H

#include <stddef.h>
#include <stdint.h>

#include "chain/economy/agent.h"

extern const chain_econ_trader_ops chain_econ_trader_balancer;
extern const chain_econ_trader_ops chain_econ_trader_simple_greedy;
extern const chain_econ_trader_ops chain_econ_trader_market_greedy;
extern const chain_econ_trader_ops chain_econ_trader_arbitrage;
extern const chain_econ_trader_ops chain_econ_trader_hodl;
extern const chain_econ_trader_ops chain_econ_trader_equal_value;
extern const chain_econ_trader_ops chain_econ_trader_spot;
extern const chain_econ_trader_ops chain_econ_trader_moving_average;
extern const chain_econ_trader_ops chain_econ_trader_news;
extern const chain_econ_trader_ops chain_econ_trader_wildcard;
extern const chain_econ_trader_ops chain_econ_trader_fundamental;
extern const chain_econ_trader_ops chain_econ_trader_grid;
extern const chain_econ_trader_ops chain_econ_trader_whale;

/* --- pairs (a static copy of clearing.h's table: 0 BRAVO/ALPHA, 1 CHARLIE/ALPHA,
 * 2 CHARLIE/BRAVO), so strategies need nothing of the clearing house at run time --- */
unsigned chain_econ_pair_base(unsigned pair);
unsigned chain_econ_pair_quote(unsigned pair);
/* Coin named "ALPHA"/"BRAVO"/"CHARLIE": 0..2, or -1. */
int chain_econ_coin_parse(const char *name);

/* --- params --- */

typedef enum chain_econ_param_kind {
    CHAIN_ECON_PARAM_NUM,   /* double in [min, max] */
    CHAIN_ECON_PARAM_INT,   /* integral number in [min, max], stored as int64_t */
    CHAIN_ECON_PARAM_BOOL,  /* true / false, stored as int */
    CHAIN_ECON_PARAM_COIN,  /* "ALPHA" / "BRAVO" / "CHARLIE" (min..max coins allowed), stored as unsigned */
} chain_econ_param_kind;

typedef struct chain_econ_param {
    const char *name;
    chain_econ_param_kind kind;
    double min, max;
    void *out;              /* double*, int64_t*, int* or unsigned* by kind; holds the default on entry */
} chain_econ_param;

/* Reads params (a JSON object or NULL) into the specs' outputs (left at their
 * defaults when absent). Returns 0, or -1 with err's field "params.<name>" for
 * an unknown field, a wrong type or a value out of range (err's path is "": the
 * caller sets the file). */
int chain_econ_params_read(const cJSON *params, const chain_econ_param *specs, size_t n, common_error *err);

/* --- valuations --- */

/* value[3] in AlphaCoin from pair prices px[pair] in quote coins per base coin
 * (<= 0: unknown): ALPHA 1; BRAVO from pair 0; CHARLIE from pair 1, else via
 * pair 2 x BRAVO; 1.0 when unknown. */
void chain_econ_values_from_prices(double value[CHAIN_EX_COINS], const double px[CHAIN_EX_PAIRS]);

/* The exchange free balances, spent down as orders are appended (so one action
 * never asks for more than the observation's free balances). */
typedef struct chain_econ_budget {
    int64_t free[CHAIN_EX_COINS];
} chain_econ_budget;

void chain_econ_budget_init(chain_econ_budget *b, const chain_econ_obs *obs);
/* What a limit/IOC order locks: quote units for a buy, base units for a sell. */
int64_t chain_econ_order_escrow(unsigned pair, int side, int64_t price, int64_t qty);
/* Appends a limit/IOC order if b covers its escrow (and takes it from b). Returns 1 if appended. */
int chain_econ_budget_order(chain_econ_action *act, chain_econ_budget *b, unsigned pair, int side, int type,
                            int64_t price, int64_t qty);

/* A candidate taker trade: sweep the best `levels` levels of one side of one
 * pair's book with an IOC at the last swept level's price. */
typedef struct chain_econ_take {
    unsigned pair;
    int side;               /* our side: BUY sweeps the asks, SELL the bids */
    size_t levels;          /* 1..n */
    int64_t price, qty;     /* the IOC's limit (ticks) and quantity (units) */
    double gain;            /* change of value in AlphaCoin if it fills at the levels' prices */
} chain_econ_take;

/* The candidate for (pair, side, levels) against value[]: qty is the levels'
 * total, capped by the budget (a buy's escrow price x qty at the limit) and by
 * max_frac of the free balance it spends, floored to the step. Returns 1 and
 * *t, or 0 when the candidate is empty (no such level, qty < one step). */
int chain_econ_take_eval(chain_econ_take *t, const chain_econ_obs *obs, const chain_econ_budget *b,
                         const double value[CHAIN_EX_COINS], unsigned pair, int side, size_t levels, double max_frac);
/* The best candidate over every pair, side and depth (first in the order pair,
 * BUY before SELL, fewer levels first on ties) with gain > min_gain. Returns 1
 * and *best, or 0 when none. The same candidates as chain_econ_take_eval, in one
 * pass over each side (prefix sums): O(pairs x depth). */
int chain_econ_take_best(chain_econ_take *best, const chain_econ_obs *obs, const chain_econ_budget *b,
                         const double value[CHAIN_EX_COINS], double max_frac, double min_gain);

/* Maker quotes around value[] on every pair: a bid at fair x (1 - spread) and
 * an ask at fair x (1 + spread) (never crossing the book), each of quote_frac
 * of the free balance it spends; an own resting order more than requote off
 * its wanted price (relative) is cancelled and re-quoted next step. */
void chain_econ_quote(chain_econ_action *act, chain_econ_budget *b, const chain_econ_obs *obs,
                      const double value[CHAIN_EX_COINS], double spread, double quote_frac, double requote);

/* --- the shared valuer strategy (equal-value, spot, moving-average, news,
 * wildcard, fundamental; and the take-only greedy ones) --- */

typedef struct chain_econ_valuer_cfg {
    double max_frac;        /* of the free balance one taken trade may spend */
    double min_gain;        /* AlphaCoin a taken trade must gain */
    int quote;              /* 1: also rest quotes around the valuation */
    double spread, quote_frac, requote;
} chain_econ_valuer_cfg;

/* Params of the valuer family: max_frac, min_gain and (quote = 1) spread,
 * quote_frac, requote. Fills the specs (with outputs into cfg) and returns how many. */
size_t chain_econ_valuer_specs(chain_econ_param *specs, chain_econ_valuer_cfg *cfg);
/* The whole init, end and destroy of a valuer trader whose state is its config
 * alone (equal-value, spot, simple-greedy, market-greedy): the state is a
 * malloc'd copy of *defaults with params read over it (chain_econ_valuer_specs).
 * init returns 0, or -1 with err naming params.<field>. */
int chain_econ_valuer_init(void **state, const cJSON *params, const chain_econ_valuer_cfg *defaults,
                           common_error *err);
void chain_econ_valuer_end(void *state, double value);
void chain_econ_valuer_destroy(void *state);
/* One valuer step: take the best trade, then quote if cfg->quote. */
void chain_econ_valuer_step(const chain_econ_valuer_cfg *cfg, const chain_econ_obs *obs,
                            const double value[CHAIN_EX_COINS], chain_econ_action *act);

/* --- seed 002's value process (fundamental) ---
 * Each round a roll r in 0..100 is compared with an integer threshold in 1..99:
 * r > threshold: value += U(0, vmax); r < threshold: value -= U(0, vmax); equal:
 * nothing. Then the threshold moves by a step drawn from -2..1 or -1..2 times
 * U(0, tmax): against the move (default: after a rise it tends to rise, making
 * the next rise harder) or with it (momentum = 1, seed 002's literal reading). */
typedef struct chain_econ_fvalue {
    double value, vmax, tmax, floor;
    double threshold;
    int momentum;
} chain_econ_fvalue;

void chain_econ_fvalue_round(chain_econ_fvalue *f, chain_econ_rng *rng);

#endif /* CHAIN_ECONOMY_TRADERS_H */
