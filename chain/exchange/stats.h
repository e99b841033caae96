/* chain/exchange/stats.h - market statistics of the exchange (economy.md s4
 * "Statistics"): per pair per period OHLC, VWAP, volume and trade count from the
 * trade stream, and a depth/spread snapshot of one book. Pure values: a
 * chain_ex_stats is filled by the caller's trades in time order and hands each
 * closed period to a callback; nothing here reads a clock.
 *
 * Periods are [start + k x period_s, start + (k+1) x period_s), k = 0, 1, ...;
 * every period of every pair is emitted, pairs 0..2 inside a period, even when it
 * had no trade (then open = high = low = close = the pair's previous close, 0
 * before its first trade, and the volumes are 0), so a CSV has one row per pair
 * per period.
 *
 * Units: prices in ticks (10^-4 quote coin per whole base coin), volumes in
 * units (10^-6 coin) of the base and of the quote coin; VWAP in ticks =
 * volume_quote x 10^4 / volume_base.
 */
#ifndef CHAIN_EXCHANGE_STATS_H
#define CHAIN_EXCHANGE_STATS_H

#include <stddef.h>
#include <stdint.h>

#include "bse/match.h"
#include "chain/exchange/clearing.h"

typedef struct chain_ex_stats_bar {
    unsigned pair;
    uint64_t period;                 /* k */
    double t0, t1;                   /* [t0, t1) */
    int64_t open, high, low, close;  /* ticks */
    int64_t volume_base, volume_quote; /* units */
    uint64_t n_trades;
} chain_ex_stats_bar;

/* An empty bar of pair for period k over [t0, t1); OHLC = prev_close. */
void chain_ex_stats_bar_init(chain_ex_stats_bar *b, unsigned pair, uint64_t period, double t0, double t1,
                             int64_t prev_close);
/* Adds one fill (price ticks, qty base units, quote units). */
void chain_ex_stats_bar_add(chain_ex_stats_bar *b, int64_t price, int64_t qty, int64_t quote);
/* VWAP in ticks (0 when the bar has no volume). */
double chain_ex_stats_vwap(const chain_ex_stats_bar *b);

typedef void (*chain_ex_stats_emit_fn)(void *user, const chain_ex_stats_bar *bar);

typedef struct chain_ex_stats {
    double start, period_s;
    uint64_t period;                 /* the open period k */
    chain_ex_stats_bar cur[CHAIN_EX_PAIRS];
} chain_ex_stats;

/* Starts period 0 at start. Returns 0, or -1 when period_s is not a positive
 * finite number or start is not finite. */
int chain_ex_stats_init(chain_ex_stats *s, double start, double period_s);
/* Closes (emits) every period that ends at or before t; emit may be NULL. */
void chain_ex_stats_advance(chain_ex_stats *s, double t, chain_ex_stats_emit_fn emit, void *user);
/* chain_ex_stats_advance(t->time) then adds the trade to its pair's open bar (a
 * trade older than the open period counts in the open period). */
void chain_ex_stats_add(chain_ex_stats *s, const chain_ex_trade *t, chain_ex_stats_emit_fn emit, void *user);
/* Emits the open period's bars as they stand (the end of a run) and opens the next. */
void chain_ex_stats_flush(chain_ex_stats *s, chain_ex_stats_emit_fn emit, void *user);

#define CHAIN_EX_STATS_LEVELS_MAX 32

/* Depth and spread of one book at one moment. */
typedef struct chain_ex_stats_book {
    int64_t best_bid, best_ask;      /* ticks; 0 = that side is empty */
    int64_t spread;                  /* best_ask - best_bid when both sides rest, else 0 */
    double mid;                      /* (best_bid + best_ask) / 2 when both, else 0 */
    size_t n_bids, n_asks;           /* levels written, best first */
    int64_t bids[CHAIN_EX_STATS_LEVELS_MAX][2], asks[CHAIN_EX_STATS_LEVELS_MAX][2]; /* price, base units */
    int64_t depth_bid, depth_ask;    /* base units over the levels written */
} chain_ex_stats_book;

/* Snapshot of the top `levels` (capped at CHAIN_EX_STATS_LEVELS_MAX) of each side of m. */
void chain_ex_stats_book_of(chain_ex_stats_book *out, const bse_match *m, size_t levels);

#endif /* CHAIN_EXCHANGE_STATS_H */
