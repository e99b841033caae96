/* chain/economy/outputs.h - the CSV files and the sidecar of an economy run
 * (columns: chain/economy/sim.h). Each CSV is written through a buffer into
 * "<name>.tmp" and renamed over <name> when the run ends, so a failed or
 * interrupted run never leaves half a file under the final name. Fields are
 * quoted by libcsv (csv_write) when they need it. Prices are printed as quote
 * coins with 4 decimals and amounts as coins with 6 decimals, exactly, from the
 * integers (never through floating point), so the bytes replay.
 *
 * Both modes write through it: `econ sim` as it runs (sim.c), and `econ export`
 * from a live run's data directory (export.c); a file that does not apply is
 * left out (chain_econ_outputs_open_some).
 *
 * Thread-safety: one chain_econ_outputs per run, used by one thread.
 */
#ifndef CHAIN_ECONOMY_OUTPUTS_H
#define CHAIN_ECONOMY_OUTPUTS_H

#include <stdint.h>
#include <stdio.h>

#include <cjson/cJSON.h>

#include "chain/economy/config.h"
#include "chain/exchange/clearing.h"
#include "common/buf.h"
#include "common/error.h"

enum { CHAIN_ECON_OUT_BLOCKS, CHAIN_ECON_OUT_TRADES, CHAIN_ECON_OUT_PRICES, CHAIN_ECON_OUT_BALANCES,
       CHAIN_ECON_OUT_BOOKS, CHAIN_ECON_OUT_MINING, CHAIN_ECON_OUT_ERRORS, CHAIN_ECON_OUT_N };

typedef struct chain_econ_outputs {
    char dir[1024];
    FILE *f[CHAIN_ECON_OUT_N];
    int opened[CHAIN_ECON_OUT_N]; /* its temporary file was made (renamed or removed at close) */
    common_buf row;
    int failed;
} chain_econ_outputs;

struct chain_econ_summary;
struct chain_econ_market;

#define CHAIN_ECON_OUT_ALL ((1u << CHAIN_ECON_OUT_N) - 1)
#define CHAIN_ECON_NO_ATTEMPTS UINT64_MAX /* blocks.csv: attempts not known (a live run): empty field */

/* Opens the temporary files in dir (which must exist) and writes the header
 * rows: every file, or those whose bit (1u << CHAIN_ECON_OUT_*) is in mask (rows
 * for the others are dropped). Returns 0, or -1 with err. */
int chain_econ_outputs_open(chain_econ_outputs *w, common_error *err, const char *dir);
int chain_econ_outputs_open_some(chain_econ_outputs *w, common_error *err, const char *dir, unsigned mask);
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

/* The end of a statistics period at time t (it began at start): one books.csv
 * row per pair (best prices, the depth of CHAIN_ECON_DEPTH levels) and one
 * prices.csv row per pair (the period's figures in mk). */
void chain_econ_outputs_market(chain_econ_outputs *w, double t, double start, const struct chain_econ_market *mk,
                               const chain_ex *ex);
/* One balances.csv row of account acc at time t: onchain units per coin, the
 * exchange's free + locked - owed, fiat, and chain_econ_agent_value at v. */
void chain_econ_outputs_agent(chain_econ_outputs *w, double t, const char *label, const chain_ex *ex, uint32_t acc,
                              const int64_t onchain[CHAIN_EX_COINS], int64_t fiat, const double v[CHAIN_EX_COINS]);
/* The value in AlphaCoin of account acc (the value_alpha column, the agents'
 * reward): per coin, onchain + free + locked - owed + uncredited deposits, in
 * coins, times v (chain_econ_market_values). Fiat is not in it. */
double chain_econ_agent_value(const chain_ex *ex, uint32_t acc, const int64_t onchain[CHAIN_EX_COINS],
                              const double v[CHAIN_EX_COINS]);

/* Closes the files: with commit, renames them into place and writes run.json
 * (config, seed, version, threads, wall time, the summary; partial when
 * stopped); without, removes them. Returns 0, or -1 with err. */
int chain_econ_outputs_close(chain_econ_outputs *w, common_error *err, int commit, const chain_econ_config *cfg,
                             const struct chain_econ_summary *sum, unsigned threads, int stopped);
/* The same for any run: with commit (or partial), renames the files into place
 * and writes run.json = {"run": run, the config, config_file, seed, code and
 * toolkit versions, compiler, machine, then the members of fields in order}.
 * fields (may be NULL) is deleted. Returns 0, or -1 with err. */
int chain_econ_outputs_finish(chain_econ_outputs *w, common_error *err, int commit, int partial,
                              const chain_econ_config *cfg, const char *run, cJSON *fields);

/* "12.345678" from units (10^6 per coin) and "1.2345" from ticks (10^4 per coin). */
void chain_econ_fmt_coins(char out[32], int64_t units);
void chain_econ_fmt_price(char out[32], int64_t ticks);

#endif /* CHAIN_ECONOMY_OUTPUTS_H */
