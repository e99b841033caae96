/* chain/economy/agent.h - the one interface every trading strategy implements
 * (economy.md s5): the economy shows an agent what it can see (an observation)
 * every step and the agent answers with orders and cancels (an action).
 *
 * A strategy is a chain_econ_trader_ops table; each lives in its own file
 * (chain/economy/trader_<name>.c) and is found by name through
 * chain_econ_trader_find. A strategy's state is private to it, created by init
 * from its JSON parameters (the agent's "params" object of the config; unknown
 * or ill-typed fields are refused with the field named), stepped by step,
 * freed by destroy. Steps are deterministic: all randomness comes from the
 * chain_econ_rng the economy passes (seeded per agent from the run's seed),
 * never from time or addresses.
 *
 * Units: amounts in units (10^6 per coin), prices in ticks (10^4 per whole
 * quote coin), quantities in base units, multiples of CHAIN_EX_QTY_STEP (see
 * chain/exchange/clearing.h). Values "in AlphaCoin" are doubles in coins.
 *
 * Thread-safety: an agent is stepped by one thread at a time; different agents
 * may step on different threads (the economy applies actions in agent order).
 */
#ifndef CHAIN_ECONOMY_AGENT_H
#define CHAIN_ECONOMY_AGENT_H

#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>

#include "chain/exchange/clearing.h"
#include "common/error.h"

#define CHAIN_ECON_DEPTH 10        /* book levels shown per side */
#define CHAIN_ECON_HISTORY 128     /* last trade prices shown per pair (moving-average k <= this) */
#define CHAIN_ECON_RECENT 32       /* last trades shown per pair in full */
#define CHAIN_ECON_MAX_ORDERS 32   /* orders an action may place */
#define CHAIN_ECON_MAX_CANCELS 64  /* cancels an action may ask */
#define CHAIN_ECON_MAX_OPEN 64     /* own open orders shown */
#define CHAIN_ECON_MAX_ERRORS 16   /* refusals of the previous action shown */

/* splitmix64: the per-agent generator. */
typedef struct chain_econ_rng {
    uint64_t state;
} chain_econ_rng;

static inline uint64_t chain_econ_rng_next(chain_econ_rng *r)
{
    uint64_t z = (r->state += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}
/* Uniform in [0, 1) with 53 bits. */
static inline double chain_econ_rng_uniform(chain_econ_rng *r)
{
    return (double)(chain_econ_rng_next(r) >> 11) * (1.0 / 9007199254740992.0);
}

typedef struct chain_econ_book_view {
    int64_t bids[CHAIN_ECON_DEPTH][2];   /* (price ticks, qty units), best first */
    int64_t asks[CHAIN_ECON_DEPTH][2];
    size_t n_bids, n_asks;
    int64_t last_price;                  /* ticks; 0 before the pair's first trade */
    int64_t history[CHAIN_ECON_HISTORY]; /* last trade prices, oldest first */
    size_t n_history;
    double recent[CHAIN_ECON_RECENT][3]; /* last trades: (time, price ticks, qty units), oldest first */
    size_t n_recent;
} chain_econ_book_view;

typedef struct chain_econ_obs {
    double t;                              /* simulated seconds since the run's start */
    uint32_t agent;                        /* this agent's index */
    int64_t onchain[CHAIN_EX_COINS];       /* own spendable coins on each chain's best tip (units) */
    chain_ex_balance ex[CHAIN_EX_COINS];   /* own exchange balances */
    int64_t fiat;                          /* off-chain fiat (cents; whales) */
    const chain_ex_order_info *orders;     /* own resting orders */
    size_t n_orders;
    chain_econ_book_view books[CHAIN_EX_PAIRS];
    int news[CHAIN_EX_COINS];              /* this minute's fake news: +1 bullish, -1 bearish */
    double fundamental[CHAIN_EX_COINS];    /* fundamental value of each coin in AlphaCoin (ALPHA = 1) */
    uint64_t heights[CHAIN_EX_COINS];      /* best heights */
    double reward;                         /* change of value in AlphaCoin since the last step */
    const char *const *errors;             /* refusals of this agent's previous action */
    size_t n_errors;
} chain_econ_obs;

typedef struct chain_econ_order_req {
    unsigned pair;
    int side;                              /* BSE_MATCH_BUY / BSE_MATCH_SELL */
    int type;                              /* BSE_MATCH_LIMIT / MARKET / IOC */
    int64_t price;                         /* ticks (limit, IOC) */
    int64_t qty;                           /* base units */
} chain_econ_order_req;

typedef struct chain_econ_action {
    chain_econ_order_req orders[CHAIN_ECON_MAX_ORDERS];
    size_t n_orders;
    uint64_t cancels[CHAIN_ECON_MAX_CANCELS];
    size_t n_cancels;
    /* Refusals the agent's own side found (external agents: a malformed line,
     * a late reply, a dead process): the economy logs each and shows it in the
     * agent's next observation, beside its own refusals of invalid orders. */
    char errors[CHAIN_ECON_MAX_ERRORS][CHAIN_EX_REASON_MAX];
    size_t n_errors;
} chain_econ_action;

/* What an agent is told once, before its first step. */
typedef struct chain_econ_hello {
    uint32_t agent;
    uint64_t seed;                         /* the agent's own seed */
    double step_s;                         /* simulated seconds between its steps */
    double duration_s;                     /* the run's length */
    const char *label;                     /* the agent's name in the outputs */
} chain_econ_hello;

typedef struct chain_econ_trader_ops {
    const char *name;                      /* "grid", "market-greedy"... */
    /* Creates the state from params (a JSON object, or NULL for defaults).
     * Returns 0, or -1 with err naming the field ("params.k: ...") - err's file is set by the caller. */
    int (*init)(void **state, const cJSON *params, const chain_econ_hello *hello, common_error *err);
    /* One step: fill act (zeroed by the caller). */
    void (*step)(void *state, const chain_econ_obs *obs, chain_econ_rng *rng, chain_econ_action *act);
    /* Told once at the end with the final value in AlphaCoin (may be NULL). */
    void (*end)(void *state, double value);
    void (*destroy)(void *state);
} chain_econ_trader_ops;

/* The strategy named name, or NULL. */
const chain_econ_trader_ops *chain_econ_trader_find(const char *name);
/* Every built-in strategy name, NULL-terminated (for --help and error messages). */
const char *const *chain_econ_trader_names(void);

/* --- helpers every strategy may use (chain/economy/agent.c) --- */

/* The value of one whole coin in AlphaCoin at the pairs' last prices (ALPHA 1;
 * BRAVO from BRAVO/ALPHA; CHARLIE from CHARLIE/ALPHA, else via CHARLIE/BRAVO x
 * BRAVO; 1.0 for a coin whose pairs have not traded). */
void chain_econ_spot_values(double value[CHAIN_EX_COINS], const chain_econ_obs *obs);
/* Own total holdings of coin (on chain + exchange free + locked - owed), in units. */
int64_t chain_econ_holding(const chain_econ_obs *obs, unsigned coin);
/* A quantity in base units rounded down to the step (>= 0). */
int64_t chain_econ_qty_floor(int64_t units);
/* Price in ticks for a value of `v` quote coins per base coin (rounded to nearest, >= 1). */
int64_t chain_econ_price_ticks(double v);
/* Appends an order to act (ignored when act is full or qty < one step). Returns 1 if appended. */
int chain_econ_act_order(chain_econ_action *act, unsigned pair, int side, int type, int64_t price, int64_t qty);

#endif /* CHAIN_ECONOMY_AGENT_H */
