/* chain/economy/market.h - the market bookkeeping both economy modes share
 * (sim.c on simulated time, live_exchange.c on real time): per-pair trade
 * history and period statistics fed by the clearing house's trade callback,
 * the book views an observation shows, the coins' values in AlphaCoin, and the
 * DIR/economy.json snapshot (chain/report.h schema v1) the monitor reads.
 *
 * Everything is a pure function of the chain_ex and the trades fed in, so a
 * replay of the same operations gives the same values (the live exchange
 * rebuilds its history by replaying its journal).
 *
 * Thread-safety: a chain_econ_market is a plain value.
 */
#ifndef CHAIN_ECONOMY_MARKET_H
#define CHAIN_ECONOMY_MARKET_H

#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>

#include "chain/economy/agent.h"
#include "chain/exchange/clearing.h"

#define CHAIN_ECON_CLOSES 120     /* period closes kept per pair (the monitor's sparkline) */
#define CHAIN_ECON_SNAP_TRADES 20 /* last trades in the snapshot */

typedef struct chain_econ_pair_stats {
    int64_t hist[CHAIN_ECON_HISTORY];
    size_t n_hist, h_head;
    double recent[CHAIN_ECON_RECENT][3];
    size_t n_recent, r_head;
    /* the period's statistics */
    int64_t open, high, low, close;
    int64_t vol, trades;
    double notional;          /* sum of price x qty (ticks x units) */
    int64_t total_volume;
    int64_t closes[CHAIN_ECON_CLOSES];
    size_t n_closes, c_head;
} chain_econ_pair_stats;

typedef struct chain_econ_snap_trade {
    double t;
    unsigned pair;
    int64_t price, qty;
    uint32_t buyer, seller;
} chain_econ_snap_trade;

typedef struct chain_econ_market {
    chain_econ_pair_stats ps[CHAIN_EX_PAIRS];
    chain_econ_snap_trade snap[CHAIN_ECON_SNAP_TRADES];
    size_t n_snap, snap_head;
    uint64_t trades;          /* trades fed in */
} chain_econ_market;

/* Records one settled trade (call from the chain_ex on_trade callback). */
void chain_econ_market_trade(chain_econ_market *m, const chain_ex_trade *tr);

/* The value of one whole coin in AlphaCoin: ALPHA 1; BRAVO and CHARLIE from the
 * BRAVO/ALPHA and CHARLIE/ALPHA last prices, else initial_price (ticks). */
void chain_econ_market_values(const chain_ex *ex, const int64_t initial_price[CHAIN_EX_PAIRS],
                              double v[CHAIN_EX_COINS]);

/* The book views of an observation: depth, last price (else initial_price),
 * trade history and recent trades, oldest first. */
void chain_econ_market_books(const chain_econ_market *m, const chain_ex *ex,
                             const int64_t initial_price[CHAIN_EX_PAIRS], chain_econ_book_view bv[CHAIN_EX_PAIRS]);

/* Ends a statistics period: appends each pair's close (the period's last trade,
 * else the last price, else initial_price) and zeroes the period's figures. */
void chain_econ_market_end_period(chain_econ_market *m, const chain_ex *ex,
                                  const int64_t initial_price[CHAIN_EX_PAIRS]);

/* What the snapshot's "top" needs of agent i: its value in AlphaCoin and its
 * holdings per coin (units); and labels of accounts (trades' buyer/seller). */
typedef struct chain_econ_snap_src {
    uint32_t n_agents;
    double (*value)(void *user, uint32_t agent);
    void (*holdings)(void *user, uint32_t agent, int64_t units[CHAIN_EX_COINS]);
    const char *(*label)(void *user, uint32_t account);
    void *user;
} chain_econ_snap_src;

/* The economy.json document (chain/report.h): run "sim"/"live", the clock t,
 * the planned duration, final, books, closes, volumes, last trades, the ten
 * largest agents by value (ties: lower index first), custody_ok. NULL when out
 * of memory. */
cJSON *chain_econ_market_snapshot(const chain_econ_market *m, const chain_ex *ex, const char *run, double t,
                                  double duration, int final, int custody_ok, const chain_econ_snap_src *src);

/* Writes doc (then deletes it; NULL is ignored) as DIR/economy.json, crash-safely. The
 * snapshot is for people: a failed write is not the run's failure (returns -1). */
int chain_econ_market_write_snapshot(const char *dir, cJSON *doc);

#endif /* CHAIN_ECONOMY_MARKET_H */
