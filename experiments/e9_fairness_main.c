/* experiments/e9_fairness_main.c - E9, fairness: is a miner's share of blocks its share
 * of compute (mining is progress-free)?
 *
 * Four miners of attempt rates 1:2:4:8 (x --rate / 15 attempts per simulated second) mine
 * one chain (test-alpha, fixed) in the economy's sim mode (chain/economy/sim.h: the
 * exponential race over attempt rates, each winning block really mined and stored, the
 * post-hash target retargeting as on a real chain), one run per seed of --seeds. Per
 * miner: compute share = rate / total rate; block share = its blocks / the run's blocks,
 * mean over runs with a 95% t interval; n_blocks over all runs; the pooled counts'
 * chi-square goodness of fit against the compute shares (gof_p).
 *
 * Modes: every chain the sim offers (the test chains and the main chains) is mode
 * lottery (consensus v2, pouw.md s11.2: the usefulness floor AND the post-hash
 * lottery), so fairness.csv has mode lottery only; mode pps is not available in the
 * sim (the sidecar says so). Deterministic. */
#include <gsl/gsl_cdf.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "experiments/driver.h"
#include "experiments/econ_runs.h"
#include "experiments/mpi.h"
#include "experiments/sweep.h"

#define N_MINERS 4
static const int WEIGHT[N_MINERS] = {1, 2, 4, 8};
#define CHAIN 0u /* test-alpha */

typedef struct job {
    double duration_s, rate;
    const char *out;
} job;

static double rate_of(const job *jb, int i) { return jb->rate * WEIGHT[i] / 15.0; }

static int item(void *user, size_t seg, uint64_t seed, experiments_vals *out, common_error *err)
{
    (void)seg;
    const job *jb = user;
    common_buf b = {0};
    uint64_t s = experiments_econ_mix(seed ^ 0xe9fa12ull) & ((1ull << 53) - 1);
    int bad = common_buf_printf(&b,
                                "{\"description\": \"E9 fairness, seed %llu\", \"seed\": %llu, \"duration_s\": %.3f,"
                                " \"chains\": \"test\", \"step_s\": 60, \"period_s\": %.3f, \"agents\": [",
                                (unsigned long long)seed, (unsigned long long)s, jb->duration_s, jb->duration_s);
    for (int i = 0; i < N_MINERS; i++)
        bad |= common_buf_printf(&b, "%s{\"label\": \"m%d\", \"count\": 1, \"mining\": {\"chain\": \"%s\", \"rate\": %.9g}}",
                                 i ? ", " : "", WEIGHT[i], experiments_econ_chain_short(CHAIN), rate_of(jb, i));
    bad |= common_buf_printf(&b, "]}");
    if (bad) {
        common_buf_free(&b);
        return common_error_set(err, -1, "", "", "out of memory"), -1;
    }
    char name[64];
    snprintf(name, sizeof name, "e9 seed %llu", (unsigned long long)seed);
    experiments_econ_result res;
    int rc = experiments_econ_run(&res, jb->out, name, (const char *)b.data, EXPERIMENTS_ECON_BLOCKS, err);
    common_buf_free(&b);
    if (rc == 0) {
        int cm = experiments_econ_col(&res.blocks, "blocks.csv", "miner", err);
        int cc = cm < 0 ? -1 : experiments_econ_col(&res.blocks, "blocks.csv", "chain", err);
        if (cm < 0 || cc < 0) {
            rc = -1;
        } else {
            double n[N_MINERS] = {0};
            for (size_t r = 0; r < res.blocks.nrows; r++) {
                const char *m = experiments_csv_cell(&res.blocks, r, cm);
                for (int i = 0; i < N_MINERS; i++) {
                    char lab[16];
                    snprintf(lab, sizeof lab, "m%d-0", WEIGHT[i]);
                    if (!strcmp(m, lab))
                        n[i]++;
                }
            }
            for (int i = 0; i < N_MINERS; i++)
                experiments_vals_push(out, n[i]);
        }
    }
    experiments_econ_result_clear(&res);
    return rc;
}

/* An item's values (experiments_item_check_fn): each miner's count of blocks. */
static int item_check(void *user, size_t seg, uint64_t seed, const experiments_vals *v, char *why, size_t n)
{
    (void)user, (void)seg, (void)seed;
    return experiments_vals_count(v, N_MINERS, why, n) ||
                   experiments_vals_range(v, 0, N_MINERS, 1, 0, 4294967296.0, 1, why, n)
               ? -1
               : 0;
}

static const common_opt OPTS[] = {
    EXPERIMENTS_STD_OPTS,
    EXPERIMENTS_OPT("--duration", COMMON_OPT_UINT, "S", 10, 10000000, 0,
                    "simulated seconds per run (default quick 240, paper 1800)"),
    {.name = "--rate", .kind = COMMON_OPT_REAL, .meta = "R", .flo = 0.01, .fhi = 1000,
     .help = "the four miners' total attempts per simulated second (default 1.5)"},
    EXPERIMENTS_CHECKPOINT_OPT,
};

static const common_cli CLI = {
    .prog = "e9_fairness",
    .summary = "E9: fairness - block share against compute share (miners of rates 1:2:4:8)",
    .description = "Runs four miners of attempt rates 1:2:4:8 on test-alpha in the economy's sim mode\n"
                   "(every winning block really mined), one run per seed, and writes fairness.csv: per\n"
                   "miner its compute share, block share (mean over runs, 95% t interval), blocks, and\n"
                   "the pooled chi-square fit. Mode lottery only: the sim's chains are all mode lottery.\n"
                   "Default seeds: quick 0:8, paper 0:40.",
    .opts = OPTS,
    .n_opts = sizeof OPTS / sizeof OPTS[0],
    .footer = EXPERIMENTS_FOOTER,
    .synopsis = "[--duration S] [--rate R] [--scale quick|paper] [--seeds A:B] [--out DIR] [--threads T]\n"
                "                    [--checkpoint FILE] [--reuse FILE,...]",
};

int main(int argc, char **argv)
{
    static const experiments_prologue P = {
        .cli = &CLI, .id = "E9", .quick_seeds = 8, .paper_seeds = 40, .max_runs = 100000};
    common_args a;
    experiments_run r;
    uint64_t lo, hi;
    int code;
    if (!experiments_driver_start(&P, &argc, &argv, &a, &r, &lo, &hi, &code))
        return code;
    int paper = r.scale == EXPERIMENTS_PAPER;
    job jb = {.duration_s = paper ? 1800 : 240, .rate = 1.5, .out = r.out};
    if (a.given[EXPERIMENTS_OPT_OWN])
        jb.duration_s = (double)a.num[EXPERIMENTS_OPT_OWN];
    if (a.given[EXPERIMENTS_OPT_OWN + 1])
        jb.rate = a.real[EXPERIMENTS_OPT_OWN + 1];
    common_error err;
    common_error_clear(&err);
    experiments_sweep sw;
    if (!experiments_sweep_gathered(&sw, &code, &r, 1, &lo, &hi, item, item_check, &jb, "E9 runs"))
        return code;
    size_t runs = (size_t)(hi - lo);
    double *share = malloc(runs * N_MINERS * sizeof *share);
    double tot[N_MINERS] = {0}, all = 0, R = 0;
    for (int i = 0; i < N_MINERS; i++)
        R += rate_of(&jb, i);
    int fail = !share;
    size_t empty = 0;
    for (size_t k = 0; k < runs && !fail; k++) {
        const experiments_vals *x = &sw.slots[k];
        double n = 0;
        for (int i = 0; i < N_MINERS; i++)
            n += x->v[i];
        if (n == 0)
            empty++;
        for (int i = 0; i < N_MINERS; i++) {
            share[(size_t)i * runs + k] = n > 0 ? x->v[i] / n : NAN;
            tot[i] += x->v[i];
        }
        all += n;
    }
    if (!fail && empty) {
        common_error_set(&err, -1, "", "", "%zu of %zu runs found no block (raise --duration or --rate)", empty, runs);
        fail = 2;
    }
    double chi2 = 0;
    for (int i = 0; i < N_MINERS && !fail; i++) {
        double e = all * rate_of(&jb, i) / R;
        chi2 += (tot[i] - e) * (tot[i] - e) / e;
    }
    double gof = fail ? NAN : gsl_cdf_chisq_Q(chi2, N_MINERS - 1);
    static const char *const COLS[] = {"chain", "mode", "miner", "rate", "compute_share", "block_share", "ci_lo",
                                       "ci_hi", "ratio", "n_blocks", "runs", "gof_p"};
    experiments_table t;
    experiments_table_init(&t, COLS, sizeof COLS / sizeof COLS[0]);
    for (int i = 0; i < N_MINERS && !fail; i++) {
        double m, h, cs = rate_of(&jb, i) / R;
        experiments_econ_mean_ci(share + (size_t)i * runs, runs, &m, &h);
        char lab[16];
        snprintf(lab, sizeof lab, "m%d", WEIGHT[i]);
        experiments_table_str(&t, experiments_econ_chain_name(CHAIN));
        experiments_table_str(&t, "lottery");
        experiments_table_str(&t, lab);
        experiments_table_num(&t, rate_of(&jb, i), 6);
        experiments_table_num(&t, cs, 5);
        experiments_table_num(&t, m, 5);
        experiments_table_num(&t, h == h ? m - h : NAN, 5);
        experiments_table_num(&t, h == h ? m + h : NAN, 5);
        experiments_table_num(&t, m / cs, 4);
        experiments_table_int(&t, (int64_t)tot[i]);
        experiments_table_int(&t, (int64_t)runs);
        experiments_table_num(&t, gof, 4);
        experiments_table_end(&t);
    }
    free(share);
    char cfg[2000], seeds[64];
    snprintf(cfg, sizeof cfg,
             "{\"chain\": \"%s\", \"chains\": \"test\", \"rates\": [%.6f, %.6f, %.6f, %.6f],"
             " \"total_rate\": %.6f, \"duration_s\": %.3f, \"runs\": %zu, \"blocks\": %.0f,"
             " \"target_interval_s\": %.0f, \"retarget_window\": %u, \"reward_coins\": %.6f,"
             " \"race\": \"chain/economy/sim.h: the next block after Exp(sum r_i p), miner i's with probability r_i / sum r;"
             " each winning block really mined (real nonces and sessions) and stored\","
             " \"modes\": [\"lottery\"],"
             " \"mode_pps\": \"not available in the sim (every chain it offers, test and main, is mode lottery:"
             " consensus v2, pouw.md s11.2), so there are no pps rows\","
             " \"block_share\": \"a miner's blocks / the run's blocks, mean over runs\","
             " \"ci\": \"95%%, mean +- t(0.975, runs - 1) sd / sqrt(runs)\", \"ratio\": \"block_share / compute_share\","
             " \"gof_p\": \"chi-square goodness of fit of the pooled block counts against the compute shares (3 df)\"}",
             experiments_econ_chain_name(CHAIN), rate_of(&jb, 0), rate_of(&jb, 1), rate_of(&jb, 2), rate_of(&jb, 3), R,
             jb.duration_s, runs, all, experiments_econ_interval_s(CHAIN), experiments_econ_window(CHAIN),
             experiments_econ_reward_coins(CHAIN));
    snprintf(seeds, sizeof seeds, "%llu:%llu", (unsigned long long)lo, (unsigned long long)hi);
    int rc = 0;
    if (fail) {
        if (fail == 1)
            common_error_set(&err, -1, "", "", "out of memory");
        rc = experiments_fail(&r, &err);
    } else if (experiments_table_write(&t, r.out, "fairness.csv", &err) ||
               experiments_sidecar_write(&r, r.out, "fairness.csv", seeds, cfg, 1, &err)) {
        rc = experiments_fail(&r, &err);
    }
    experiments_table_clear(&t);
    experiments_sweep_clear(&sw);
    experiments_mpi_finalize();
    return rc;
}
