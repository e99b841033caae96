/* experiments/e3_difficulty_main.c - E3, difficulty: the pass rate of an attempt against
 * its PPS threshold, the expected attempts and seconds per block, per chain.
 * The pass-rate curve comes from E1's attempts (pps_distribution.csv, read back with
 * libcsv; deterministic), beside the chain's pinned quantile table (chain/params.h
 * chain_pps_pass); seconds come from timed attempts of the consensus code
 * (pouw_attempt_run on SHA-256("bse-pouw/E3" || chain || k) pre-hashes; not
 * deterministic). Outputs: difficulty_curve.csv, attempt_times.csv. */
#include <gsl/gsl_errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "chain/params.h"
#include "common/clock.h"
#include "experiments/driver.h"
#include "experiments/e1csv.h"
#include "experiments/model.h"
#include "experiments/mpi.h"
#include "pouw/target.h"
#include "pouw/work.h"

static const common_opt OPTS[] = {
    EXPERIMENTS_STD_OPTS,
    EXPERIMENTS_OPT("--in", COMMON_OPT_STR, "FILE", 0, 0, 0, "E1's pps_distribution.csv (default OUT/pps_distribution.csv)"),
    EXPERIMENTS_OPT("--attempts", COMMON_OPT_UINT, "N", 1, 100000, 0, "timed attempts per chain (quick 4, paper 50)"),
};

static const common_cli CLI = {
    .prog = "e3_difficulty",
    .summary = "E3: pass rate against the PPS threshold; expected attempts and seconds per block",
    .description = "Writes difficulty_curve.csv (from E1's attempts and the chains' pinned tables) and\n"
                   "attempt_times.csv (timed attempts, one core and every core; not deterministic).",
    .opts = OPTS,
    .n_opts = sizeof OPTS / sizeof OPTS[0],
    .footer = EXPERIMENTS_FOOTER,
    .synopsis = "[--in FILE] [--attempts N] [--scale quick|paper] [--seeds A:B] [--out DIR] [--threads T]",
};

static int cmp_i64(const void *x, const void *y)
{
    int64_t a = *(const int64_t *)x, b = *(const int64_t *)y;
    return (a > b) - (a < b);
}

int main(int argc, char **argv)
{
    gsl_set_error_handler_off();
    common_args a;
    experiments_run r;
    int rc;
    if (!experiments_single_start(&CLI, "E3", &argc, &argv, &a, &r, &rc))
        return rc;
    char in[4096];
    snprintf(in, sizeof in, "%s/pps_distribution.csv", r.out);
    if (a.given[EXPERIMENTS_OPT_OWN])
        snprintf(in, sizeof in, "%s", a.str[EXPERIMENTS_OPT_OWN]);
    unsigned natt = a.given[EXPERIMENTS_OPT_OWN + 1] ? (unsigned)a.num[EXPERIMENTS_OPT_OWN + 1]
                                                     : r.scale == EXPERIMENTS_PAPER ? 50 : 4;
    experiments_csv c;
    memset(&c, 0, sizeof c);
    common_error err;
    common_error_clear(&err);
    char qin[8192]; /* in, quoted for the sidecar's config */
    uint64_t heights;
    if (experiments_json_quote(qin, sizeof qin, in) ? common_error_set(&err, -1, in, "", "too long a path for the sidecar")
                                                    : experiments_e1csv_read(&c, in, &heights, &err)) {
        experiments_csv_clear(&c);
        common_error_print(&err, r.prog, stderr);
        experiments_mpi_finalize();
        return COMMON_EXIT_USAGE;
    }
    int cc = experiments_csv_col(&c, "chain"), cs = experiments_csv_col(&c, "session"),
        cp = experiments_csv_col(&c, "attempt_pps_micro"), cd = experiments_csv_col(&c, "seed");
    static const char *const COLS[] = {"chain", "quantile", "threshold_micro", "attempts", "pass_rate",
                                       "expected_attempts", "table_pass_rate", "genesis"};
    experiments_table t;
    experiments_table_init(&t, COLS, sizeof COLS / sizeof COLS[0]);
    static const char *const TCOLS[] = {"chain", "attempts", "threads", "attempt_s", "table_pass_rate",
                                        "expected_attempts", "expected_block_s"};
    experiments_table tt;
    experiments_table_init(&tt, TCOLS, sizeof TCOLS / sizeof TCOLS[0]);
    int64_t *v = malloc((c.nrows + 1) * sizeof *v);
    int fail = !v;
    for (unsigned ci = 0; ci < CHAIN_COUNT && !fail; ci++) {
        const chain_params *p = chain_params_at(ci);
        size_t n = 0;
        for (size_t row = 0; row < c.nrows; row++) {
            uint64_t sd = strtoull(experiments_csv_cell(&c, row, cd), NULL, 10);
            if (!strcmp(experiments_csv_cell(&c, row, cc), p->name) &&
                !strcmp(experiments_csv_cell(&c, row, cs), "0") &&
                (!r.seeds_given || (sd >= r.seed_lo && sd < r.seed_hi)))
                v[n++] = strtoll(experiments_csv_cell(&c, row, cp), NULL, 10);
        }
        if (n == 0)
            continue;
        qsort(v, n, sizeof *v, cmp_i64);
        double D = (double)chain_pps_scale(p);
        for (int k = 0; k <= 20; k++) {
            /* quantiles 0.05 .. 0.95 step 0.05, then 0.99, then the genesis threshold */
            double q = k < 19 ? 0.05 * (k + 1) : k == 19 ? 0.99 : NAN;
            int64_t thr = k < 20 ? v[(size_t)floor(q * (double)(n - 1))] : p->genesis_req.pps_threshold_micro;
            size_t pass = 0;
            for (size_t j = 0; j < n; j++)
                pass += v[j] >= thr;
            double pr = (double)pass / (double)n;
            experiments_table_str(&t, p->name);
            experiments_table_num(&t, q, 2);
            experiments_table_int(&t, thr);
            experiments_table_int(&t, (int64_t)n);
            experiments_table_num(&t, pr, 4);
            experiments_table_num(&t, pass ? 1.0 / pr : NAN, 2);
            /* no pinned table (v2 chains): only the floor's pinned pass rate is known */
            experiments_table_num(&t, p->pps_segments ? (double)chain_pps_pass(p, thr) / D
                                      : k == 20 ? (double)p->floor_pass_ppm / 1e6 : NAN, 4);
            experiments_table_int(&t, k == 20);
            experiments_table_end(&t);
        }
        /* timed attempts: one core, then every core */
        pouw_work w = chain_params_work(p);
        double table_p = (double)chain_pps_pass(p, p->genesis_req.pps_threshold_micro) / D;
        if (!p->pps_segments) { /* v2 (s11.2): a block = the floor (pinned pass rate) and the post-hash lottery */
            uint8_t tg[POUW_TARGET_BYTES];
            table_p = (double)p->floor_pass_ppm / 1e6;
            if (p->genesis_req.post_bits && pouw_target_from_bits(tg, p->genesis_req.post_bits) == POUW_OK)
                table_p /= pouw_target_work_double(tg);
        }
        unsigned thr_list[2] = {1, r.threads};
        for (int z = 0; z < (r.threads > 1 ? 2 : 1) && !fail; z++) {
            double t0 = common_clock_mono_s();
            for (unsigned k = 0; k < natt; k++) {
                uint8_t pre[32];
                pouw_attempt *at = malloc(sizeof *at);
                if (!at || experiments_attempt_prehash(pre, "bse-pouw/E3", p->chain_id, k) ||
                    pouw_attempt_run(at, &err, &w, pre, p->genesis_req.sessions, thr_list[z]) != POUW_OK)
                    fail = 1;
                free(at);
                experiments_progress(&r, "E3 timing %s: attempt %u/%u", p->name, k + 1, natt);
            }
            double s = (common_clock_mono_s() - t0) / natt;
            experiments_table_str(&tt, p->name);
            experiments_table_int(&tt, natt);
            experiments_table_int(&tt, thr_list[z]);
            experiments_table_num(&tt, s, 4);
            experiments_table_num(&tt, table_p, 4);
            experiments_table_num(&tt, 1.0 / table_p, 2);
            experiments_table_num(&tt, s / table_p, 2);
            experiments_table_end(&tt);
        }
    }
    common_progress_end(&r.progress);
    free(v);
    char cfg[sizeof qin + 900];
    snprintf(cfg, sizeof cfg,
             "{\"input\": %s, \"timed_attempts_per_chain\": %u, \"prehash\": \"SHA-256('bse-pouw/E3' || "
             "u32le(chain_id) || u64le(k))\", \"table_pass_rate\": \"chains without a PPS table (v2): "
             "difficulty_curve has the floor's pinned pass rate at the genesis row; attempt_times has the chance an "
             "attempt makes a block (floor pass x the genesis post-hash lottery)\"}",
             qin, natt);
    const char *seeds = r.seeds_given ? a.str[EXPERIMENTS_OPT_SEEDS] : "all of E1";
    rc = 0;
    if (fail) {
        if (!err.msg[0])
            common_error_set(&err, -1, "", "", "out of memory");
        rc = experiments_fail(&r, &err);
    } else if (experiments_table_write(&t, r.out, "difficulty_curve.csv", &err) ||
               experiments_sidecar_write(&r, r.out, "difficulty_curve.csv", seeds, cfg, 1, &err) ||
               experiments_table_write(&tt, r.out, "attempt_times.csv", &err) ||
               experiments_sidecar_write(&r, r.out, "attempt_times.csv", seeds, cfg, 0, &err))
        rc = experiments_fail(&r, &err);
    experiments_table_clear(&t);
    experiments_table_clear(&tt);
    experiments_csv_clear(&c);
    experiments_mpi_finalize();
    return rc;
}
