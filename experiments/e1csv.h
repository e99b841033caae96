/* experiments/e1csv.h - an E1 pps_distribution*.csv read back (E3 and E4 compute from
 * it), checked whole before any of its numbers is used: a hand-edited, cut or foreign
 * file gets one line naming the file, the line and the column, never a silent result.
 *
 * Checked: the columns E3 and E4 read; every cell's type and range (chain a built-in
 * chain, environments a kind E1 writes, integers where E1 writes integers, finite
 * numbers or empty for the per-type means); the layout E1 writes (per chain, attempts
 * in increasing seed order, each with its sessions 0..n-1 in order, n the chain's
 * sessions per attempt, all with one attempt_pps_micro; one environment kind per
 * file); and, when the sidecar (the .json beside it) exists, that it is E1's and that
 * each chain's rows are exactly the attempts of its "seeds" ranges (a file cut at a
 * line's end is caught here).
 * Thread-safety: pure on caller memory (reads the sidecar file).
 */
#ifndef EXPERIMENTS_E1CSV_H
#define EXPERIMENTS_E1CSV_H

#include <stdint.h>

#include "common/error.h"
#include "experiments/driver.h"

/* The columns every E1 file has (checked below), in this order. */
enum {
    EXPERIMENTS_E1COL_CHAIN,
    EXPERIMENTS_E1COL_SEED,
    EXPERIMENTS_E1COL_SESSION,
    EXPERIMENTS_E1COL_SUP_LO,
    EXPERIMENTS_E1COL_SUP_HI,
    EXPERIMENTS_E1COL_DEM_LO,
    EXPERIMENTS_E1COL_DEM_HI,
    EXPERIMENTS_E1COL_TRADERS,
    EXPERIMENTS_E1COL_PPS,
    EXPERIMENTS_E1COL_APPS,
    EXPERIMENTS_E1COL_STEPS,
    EXPERIMENTS_E1COLS
};
extern const char *const experiments_e1_cols[EXPERIMENTS_E1COLS];

/* Reads path (experiments_csv_read) and checks it whole. Out: c (free with
 * experiments_csv_clear, also after an error); *heights, the sidecar's config.heights (a
 * per-height file: attempt seed s is at height s mod K), or 0 (another kind, or no
 * sidecar). Returns 0, or -1 with err (path or the sidecar's path, "line N: column",
 * what). */
int experiments_e1csv_read(experiments_csv *c, const char *path, uint64_t *heights, common_error *err);

/* The check alone, on a table already read from path (the sidecar looked for beside it;
 * path X.csv or X.csv.gz: X.json). Returns 0 and *heights, or -1 with err. */
int experiments_e1csv_check(const experiments_csv *c, const char *path, uint64_t *heights, common_error *err);

#endif /* EXPERIMENTS_E1CSV_H */
