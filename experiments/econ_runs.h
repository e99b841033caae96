/* experiments/econ_runs.h - what the economy experiments (E9 fairness, E10 retargeting,
 * E12 economy) share: one economy run (chain/economy/sim.h, sim mode) of a config held
 * as JSON text, into a temporary folder (under the output folder, else /tmp) that is
 * removed afterwards, with the run's CSVs read back (experiments_csv_read); small
 * numeric helpers (mean and 95% t interval, a seed mixer, JSON text building).
 *
 * Each run uses one thread (threads = 1): drivers run independent seeds on the sweep's
 * threads; the sim's outputs do not depend on its thread count anyway.
 * Amounts: holdings are given in coins in configs; the run's CSVs print coins, so
 * nothing here depends on the chains' reward in units (1000 units now, 10^9 after
 * consensus v2 units) except experiments_econ_reward_coins, which says what it is.
 * Thread-safety: every function works on the caller's values only.
 */
#ifndef EXPERIMENTS_ECON_RUNS_H
#define EXPERIMENTS_ECON_RUNS_H

#include <stddef.h>
#include <stdint.h>

#include "chain/economy/sim.h"
#include "common/buf.h"
#include "common/error.h"
#include "experiments/driver.h"

/* Which of the run's CSVs to read back (bit mask). */
enum {
    EXPERIMENTS_ECON_BLOCKS = 1,
    EXPERIMENTS_ECON_TRADES = 2,
    EXPERIMENTS_ECON_PRICES = 4,
    EXPERIMENTS_ECON_BALANCES = 8,
    EXPERIMENTS_ECON_BOOKS = 16,
    EXPERIMENTS_ECON_MINING = 32,
};

/* The outputs of one run: the CSVs asked for (others empty) and the sim's summary. */
typedef struct experiments_econ_result {
    experiments_csv blocks, trades, prices, balances, books, mining;
    chain_econ_summary sum;
} experiments_econ_result;

/* Parses the config text json (name: how errors name it, e.g. "e9 seed 3"), runs it
 * (sim mode, one thread, no progress) into a fresh temporary folder made under tmp_root
 * (or /tmp when that fails), reads the CSVs of `want`, and removes the folder.
 * Returns 0; -1 with err (a bad config names its field; a failed run says why; the
 * custody or supply checks of the sim failing are failures too). Out: res (clear with
 * experiments_econ_result_clear, also after an error). */
int experiments_econ_run(experiments_econ_result *res, const char *tmp_root, const char *name, const char *json,
                         unsigned want, common_error *err);
void experiments_econ_result_clear(experiments_econ_result *res);

/* A column's index in c, or -1 with err naming the file and column. */
int experiments_econ_col(const experiments_csv *c, const char *file, const char *col, common_error *err);

/* Cell (row, col) as a number (strtod; NaN when empty or not a number). */
double experiments_econ_num(const experiments_csv *c, size_t row, int col);

/* Mean of v[0..n) and the half-width of its 95% t interval (NaN when n < 2). */
void experiments_econ_mean_ci(const double *v, size_t n, double *mean, double *half);

/* splitmix64's finaliser: a well-mixed 64-bit value of x. */
uint64_t experiments_econ_mix(uint64_t x);

/* The coins a block of test chain c (0..2) pays (reward / 10^6 units per coin). */
double experiments_econ_reward_coins(unsigned c);

/* The target block interval of test chain c (seconds), its PPS floor (PPS, not micro)
 * and its retarget window. */
double experiments_econ_interval_s(unsigned c);
double experiments_econ_floor_pps(unsigned c);
unsigned experiments_econ_window(unsigned c);
/* "test-alpha", ... */
const char *experiments_econ_chain_name(unsigned c);
/* "alpha", ... (what a config's mining.chain names) */
const char *experiments_econ_chain_short(unsigned c);

#endif /* EXPERIMENTS_ECON_RUNS_H */
