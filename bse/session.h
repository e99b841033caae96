/* bse/session.h - one BSE market session (BSE.py v1.91 market_session).
 *
 * A session is a value: its generator, exchange, traders and outputs live in the
 * run and in the caller's bse_result, so sessions can run on parallel threads.
 * Seeded with the case's seed, a run reproduces BSE.py's market_session run right
 * after random.seed(seed): the same output files byte for byte and the same
 * generator state after the session (spec/bse.md s6, s7).
 *
 * Outputs are built in memory (common_buf) and only the dump_flags' files are filled;
 * the final average-balance line and the per-type means are always computed
 * (PoUW's PPS and session digest need them). Nothing is written to disk here.
 */
#ifndef BSE_SESSION_H
#define BSE_SESSION_H

#include <stdint.h>

#include "common/buf.h"
#include "bse/config.h"
#include "common/error.h"

typedef enum bse_session_status {
    BSE_SESSION_OK = 0,
    BSE_SESSION_ENOMEM = 1,
    BSE_SESSION_EBSE = 2,    /* BSE.py would have exited or raised: err says where */
    BSE_SESSION_ECONFIG = 3, /* the case failed validation */
} bse_session_status;

typedef struct bse_type_stat { /* one ttype column group of the final avg-balance line */
    char name[8];
    int64_t balance_sum;
    int32_t n;
    double mean;              /* balance_sum / n: mean profit per trader */
} bse_type_stat;

typedef struct bse_strategy_record { /* BSE's best_B / best_S of a strats frame */
    int valid;
    char tid[16];
    char type[8];
    double pps;
    char csv[192];            /* strat_csv_str of the strategy */
} bse_strategy_record;

typedef struct bse_result {
    common_buf tape;          /* <id>_tape.csv        (dump_tape) */
    common_buf avg_balance;   /* <id>_avg_balance.csv (dump_avgbals) */
    common_buf blotters;      /* <id>_blotters.csv    (dump_blotters) */
    common_buf lob_frames;    /* <id>_LOB_frames.csv  (dump_lobs) */
    common_buf strats;        /* <id>_strats.csv      (dump_strats) */
    common_buf final_line;    /* the last avg-balance line, always */
    int64_t n_trades;
    int64_t n_steps;
    int64_t n_quotes;      /* steps on which a trader quoted */
    int64_t n_issued;      /* customer orders handed to traders */
    int32_t n_traders;
    double final_time;     /* session clock after the loop */
    uint32_t rng_after32;  /* random.getrandbits(32) right after the session */
    int32_t n_types;
    bse_type_stat types[BSE_T_COUNT]; /* sorted by name, as BSE's trade_stats */
    bse_strategy_record best[2];      /* [0] buyers, [1] sellers; adaptive traders only */
} bse_result;

/* Runs the session described by c, seeded with c->seed_be.
 * Returns: BSE_SESSION_OK; BSE_SESSION_ECONFIG (err names the field);
 * BSE_SESSION_EBSE (a config BSE would crash on at run time: err says what BSE
 * would have reported, with the session time); BSE_SESSION_ENOMEM.
 * Out: res (zeroed first; free with bse_result_free, also after an error).
 * Allocates. Thread-safe: distinct sessions may run concurrently. */
__attribute__((warn_unused_result)) bse_session_status bse_session_run(const bse_case *c, bse_result *res,
                                                                       common_error *err);

/* Frees a result's buffers; safe on a zeroed result. */
void bse_result_free(bse_result *res);

/* Writes the files selected by c's dump flags into dir as <case_id>_<kind>.csv,
 * each crash-safely (temp file, fsync, rename). If one write fails, the files
 * already written by this call are removed. Returns 0, or -1 with err filled. */
int bse_result_write_files(const bse_result *res, const bse_case *c, const char *dir, common_error *err);

/* Removes the files bse_result_write_files would write for case c into dir (those that
 * exist): undoes a run's writes when a later write of the same run failed. */
void bse_result_remove_files(const bse_case *c, const char *dir);

#endif /* BSE_SESSION_H */
