/* experiments/model.h - what the security experiments compute from environments: the
 * seeds of an experiment's attempts, the features of a generated environment (known
 * before simulating: a cheap function of the seed, spec pouw.md s9), an ordinary
 * least-squares fit on them (GSL), and the market's competitive equilibrium.
 *
 * Thread-safety: pure functions on caller memory.
 */
#ifndef EXPERIMENTS_MODEL_H
#define EXPERIMENTS_MODEL_H

#include <stddef.h>
#include <stdint.h>

#include "bse/config.h"
#include "common/error.h"
#include "experiments/driver.h"
#include "pouw/env.h"

/* The 8 trader types a generated environment may hold, in the generator's order. */
#define EXPERIMENTS_ENV_TYPES 8
extern const bse_ttype experiments_env_types[EXPERIMENTS_ENV_TYPES];

/* Features: 1, sup_lo, sup_hi, dem_lo, dem_hi, count of each type (8), present (8). */
#define EXPERIMENTS_NFEAT 21

/* The pre-hash of attempt `seed` of experiment `tag` on chain chain_id:
 * SHA-256(tag || u32le(chain_id) || u64le(seed)) (not a mined header: experiments sample
 * the attempt distribution without the pre-hash gate, which does not change it).
 * Returns 0, or -1 (crypto failure). Out: pre32. */
int experiments_attempt_prehash(uint8_t pre32[32], const char *tag, uint32_t chain_id, uint64_t seed);

/* Fills x[0..EXPERIMENTS_NFEAT) from the draw's values: v = {sup_lo, sup_hi, dem_lo,
 * dem_hi, count[8]} (the layout of the E1 CSV). */
void experiments_features(double x[EXPERIMENTS_NFEAT], const double v[4 + EXPERIMENTS_ENV_TYPES]);

/* OLS of y on X (n rows of p columns, row-major) by GSL's SVD solver.
 * Out: coef[0..p), *r2 (on the fitting data). Returns 0, or -1 (n <= p, out of memory,
 * GSL failure). */
int experiments_ols_fit(double *coef, double *r2, const double *X, const double *y, size_t n, size_t p);

/* x . coef over p entries. */
double experiments_ols_predict(const double *coef, const double *x, size_t p);

/* R^2 = 1 - SS_res / SS_tot of predictions yhat against y (n entries). */
double experiments_r2(const double *y, const double *yhat, size_t n);

/* The competitive equilibrium of a session whose customer orders come from one fixed
 * supply zone and one fixed demand zone (BSE's getorderprice, stepmode fixed, n_sellers /
 * n_buyers orders per period): the largest total surplus one period allows (sum over
 * matched pairs, highest demand against lowest supply, of demand - supply when positive)
 * and the equilibrium price (the midpoint of the last matched pair's overlap).
 * Out: *surplus, *p0. */
void experiments_equilibrium(double *surplus, double *p0, const bse_range *sup, int32_t n_sellers,
                             const bse_range *dem, int32_t n_buyers);

/* The markets of shared/reference/bse_python_baseline.csv (E13, E14): 0 zic (ZIC 40 per
 * side), 1 small (ZIC, ZIP, SHVR, GVWY 5 each), 2 standard (10 each), 3 large (standard,
 * 3600 s); one fixed zone (50, 150) per side, interval 30 s periodic, tape dumped. */
#define EXPERIMENTS_N_MARKETS 4
extern const char *const experiments_market_name[EXPERIMENTS_N_MARKETS];
extern const char *const experiments_market_mix[EXPERIMENTS_N_MARKETS];

/* Checks a BSE.py baseline read back (experiments_csv_read of path, the layout of
 * shared/reference/bse_python_baseline.csv) before E13 or E14 use it: the columns
 * row_type, config, seed, wall_s_session, alloc_eff and smith_alpha; row_type timing,
 * seed, mean, stdev or timing_lobs; on timing and seed rows (the ones E13 and E14 read), config one of the markets above, seed an
 * integer, wall_s_session a number >= 0 (timing rows) and alloc_eff and smith_alpha
 * numbers (seed rows). Returns 0, or -1 with err ("line N: column: what"). */
int experiments_baseline_check(const experiments_csv *c, const char *path, common_error *err);

/* The case of market m with integer seed `seed`. Returns 0, or -1 with err. Out: c. */
int experiments_market_case(bse_case *c, int m, uint64_t seed, common_error *err);

/* E13's measures of market m's session from BSE's output text (BSE.py's files or the
 * engine's buffers): efficiency = sum of every type's balance sum on the final
 * average-balance line / (maximum surplus per period x (floor(duration / interval) - 1)),
 * alpha = 100 sqrt(mean((p - 100)^2)) / 100 over the tape's trade prices.
 * final_line: the last average-balance line ("id, time, bid, ask, TYPE, sum, n, mean, ...").
 * Out: *eff, *alpha (NaN without trades), *trades. */
void experiments_market_metrics(double *eff, double *alpha, int64_t *trades, const bse_case *c, const char *tape,
                                size_t tape_len, const char *final_line, size_t line_len);

#endif /* EXPERIMENTS_MODEL_H */
