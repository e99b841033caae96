/* chain/economy/outputs.h - the CSV files and the sidecar of an economy run
 * (columns: chain/economy/sim.h). Each CSV is written through a buffer into
 * "<name>.tmp" and renamed over <name> when the run ends, so a failed or
 * interrupted run never leaves half a file under the final name. Fields are
 * quoted by libcsv (csv_write) when they need it. Prices are printed as quote
 * coins with 4 decimals and amounts as coins with 6 decimals, exactly, from the
 * integers (never through floating point), so the bytes replay.
 *
 * Thread-safety: one chain_econ_outputs per run, used by one thread.
 */
#ifndef CHAIN_ECONOMY_OUTPUTS_H
#define CHAIN_ECONOMY_OUTPUTS_H

#include <stdint.h>
#include <stdio.h>

#include "chain/economy/config.h"
#include "chain/exchange/clearing.h"
#include "common/buf.h"
#include "common/error.h"

enum { CHAIN_ECON_OUT_BLOCKS, CHAIN_ECON_OUT_TRADES, CHAIN_ECON_OUT_PRICES, CHAIN_ECON_OUT_BALANCES,
       CHAIN_ECON_OUT_BOOKS, CHAIN_ECON_OUT_MINING, CHAIN_ECON_OUT_ERRORS, CHAIN_ECON_OUT_N };

typedef struct chain_econ_outputs {
    char dir[1024];
    FILE *f[CHAIN_ECON_OUT_N];
    common_buf row;
    int failed;
} chain_econ_outputs;

struct chain_econ_summary;

/* Opens the temporary files in dir (which must exist or be creatable) and writes
 * the header rows. Returns 0, or -1 with err. */
int chain_econ_outputs_open(chain_econ_outputs *w, common_error *err, const char *dir);
void chain_econ_outputs_block(chain_econ_outputs *w, const char *chain, uint64_t height, double t, const char *miner,
                              size_t txs, double pps, uint64_t attempts, uint32_t post_bits, double pass);
void chain_econ_outputs_trade(chain_econ_outputs *w, const chain_ex_trade *tr, const char *buyer, const char *seller);
void chain_econ_outputs_price(chain_econ_outputs *w, double start, const char *pair, int64_t open, int64_t high,
                              int64_t low, int64_t close, double vwap_ticks, int64_t volume, int64_t trades);
void chain_econ_outputs_balance(chain_econ_outputs *w, double t, const char *agent, const int64_t chain[3],
                                const int64_t exch[3], int64_t fiat, double value);
void chain_econ_outputs_book(chain_econ_outputs *w, double t, const char *pair, int64_t bid, int64_t ask,
                             int64_t bid_depth, int64_t ask_depth);
void chain_econ_outputs_mining(chain_econ_outputs *w, double start, const char *agent, const char *chain, double rate,
                               uint64_t blocks);
void chain_econ_outputs_error(chain_econ_outputs *w, double t, const char *agent, const char *msg);
/* Closes the files: with commit, renames them into place and writes run.json
 * (config, seed, version, threads, wall time, the summary; partial when
 * stopped); without, removes them. Returns 0, or -1 with err. */
int chain_econ_outputs_close(chain_econ_outputs *w, common_error *err, int commit, const chain_econ_config *cfg,
                             const struct chain_econ_summary *sum, unsigned threads, int stopped);

/* "12.345678" from units (10^6 per coin) and "1.2345" from ticks (10^4 per coin). */
void chain_econ_fmt_coins(char out[32], int64_t units);
void chain_econ_fmt_price(char out[32], int64_t ticks);

#endif /* CHAIN_ECONOMY_OUTPUTS_H */
