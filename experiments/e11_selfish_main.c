/* experiments/e11_selfish_main.c - E11, withholding: the relative revenue of a selfish
 * pool against its share alpha and the tie-race parameter gamma, beside Eyal and Sirer's
 * (2014) closed form; profitable above 1/3 at gamma 0, above 1/4 at gamma 1/2.
 * The policy and the race model are experiments/selfish.h's; this driver sweeps them:
 *   selfish.csv        model gamma (the honest miners as one body: the next honest block
 *                      extends the pool's block of a tie with probability gamma), alpha
 *                      0, 0.025, ..., 0.5, gamma 0, 0.5, 1;
 *   selfish_delay.csv  model delay (n honest miners, per-miner exponential delays of the
 *                      two blocks of a tie, each mines on the first to arrive), alpha 0,
 *                      0.05, ..., 0.5, the same gammas; its measured tie-win share beside
 *                      the theory at the parameter and at the measured share.
 * Each (alpha, gamma) point is run once per seed of --seeds (independent runs); revenue
 * = mean over runs, 95% CI = mean +- t(0.975, runs - 1) sd / sqrt(runs). Deterministic. */
#include <gsl/gsl_cdf.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "experiments/driver.h"
#include "experiments/mpi.h"
#include "experiments/selfish.h"
#include "experiments/sweep.h"

#define N_GAMMA 3
static const double GAMMAS[N_GAMMA] = {0.0, 0.5, 1.0};
#define N_ALPHA 21   /* selfish.csv: alpha = 0.025 i */
#define N_ALPHA_D 11 /* selfish_delay.csv: alpha = 0.05 i */
#define N_VALS 6     /* revenue, chain, chain_pool, ties, ties_honest, ties_on_pool */

typedef struct job {
    uint64_t seed_lo, runs;
    int64_t blocks;
    int n_honest;
} job;

static double alpha_of(int model, size_t ai)
{
    return model == EXPERIMENTS_SELFISH_DELAY ? 0.05 * (double)ai : 0.025 * (double)ai;
}

static uint64_t mix(uint64_t z)
{
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

/* segment = model * N_GAMMA + gamma index; item k of a segment = alpha index k / runs, run
 * seed seed_lo + k % runs */
static int item(void *user, size_t seg, uint64_t k, experiments_vals *out, common_error *err)
{
    const job *jb = user;
    int model = (int)(seg / N_GAMMA);
    size_t gi = seg % N_GAMMA, ai = (size_t)(k / jb->runs);
    uint64_t seed = jb->seed_lo + k % jb->runs;
    experiments_selfish_cfg c = {.alpha = alpha_of(model, ai),
                                 .gamma = GAMMAS[gi],
                                 .blocks = jb->blocks,
                                 .model = model ? EXPERIMENTS_SELFISH_DELAY : EXPERIMENTS_SELFISH_GAMMA,
                                 .n_honest = jb->n_honest};
    uint64_t s = mix(mix(seed + 0x5e1f15e11ull) ^ ((uint64_t)model << 56 | (uint64_t)gi << 48 | (uint64_t)ai << 32));
    experiments_selfish_result res;
    if (experiments_selfish_run(&c, s, &res, err))
        return -1;
    experiments_vals_push(out, res.revenue);
    experiments_vals_push(out, (double)res.chain);
    experiments_vals_push(out, (double)res.chain_pool);
    experiments_vals_push(out, (double)res.ties);
    experiments_vals_push(out, (double)res.ties_honest);
    experiments_vals_push(out, (double)res.ties_on_pool);
    return 0;
}

/* An item's values (experiments_item_check_fn): N_VALS, the counts whole numbers. */
static int item_check(void *user, size_t seg, uint64_t k, const experiments_vals *v, char *why, size_t n)
{
    (void)user, (void)seg, (void)k;
    return experiments_vals_count(v, N_VALS, why, n) ||
                   experiments_vals_range(v, 1, N_VALS, 1, 0, 4294967296.0, 1, why, n)
               ? -1
               : 0;
}

/* mean and 95% CI half-width over the runs' values v[0..n) */
static void mean_ci(const double *v, size_t n, double *m, double *h)
{
    double s = 0, q = 0;
    for (size_t i = 0; i < n; i++)
        s += v[i];
    *m = n ? s / (double)n : NAN;
    for (size_t i = 0; i < n; i++)
        q += (v[i] - *m) * (v[i] - *m);
    *h = n > 1 ? gsl_cdf_tdist_Pinv(0.975, (double)(n - 1)) * sqrt(q / (double)(n - 1)) / sqrt((double)n) : NAN;
}

static const common_opt OPTS[] = {
    EXPERIMENTS_STD_OPTS,
    EXPERIMENTS_OPT("--blocks", COMMON_OPT_UINT, "N", 1000, 100000000, 0,
                    "blocks found per run (default quick 200000, paper 2000000)"),
    EXPERIMENTS_OPT("--honest", COMMON_OPT_UINT, "N", 2, 4096, 0, "honest miners of the delay model (default 64)"),
    EXPERIMENTS_CHECKPOINT_OPT,
};

static const common_cli CLI = {
    .prog = "e11_selfish",
    .summary = "E11: selfish mining (Eyal and Sirer 2014) revenue against alpha and gamma",
    .description = "Runs the selfish pool's policy in the mining-only race model over alpha 0..0.5 and\n"
                   "gamma 0, 0.5, 1, one run per seed, and writes selfish.csv (the gamma model, beside\n"
                   "the closed form) and selfish_delay.csv (per-miner propagation delays decide the tie\n"
                   "races). Default seeds (independent runs per point): quick 0:10, paper 0:40.",
    .opts = OPTS,
    .n_opts = sizeof OPTS / sizeof OPTS[0],
    .footer = EXPERIMENTS_FOOTER,
    .synopsis = "[--blocks N] [--honest N] [--scale quick|paper] [--seeds A:B] [--out DIR] [--threads T]\n"
                "                    [--checkpoint FILE] [--reuse FILE,...]",
};

int main(int argc, char **argv)
{
    static const experiments_prologue P = {.cli = &CLI, .id = "E11", .quick_seeds = 10, .paper_seeds = 40,
                                           .max_runs = 100000, .max_per = " per point"};
    common_args a;
    experiments_run r;
    job jb;
    uint64_t hi;
    int code;
    if (!experiments_driver_start(&P, &argc, &argv, &a, &r, &jb.seed_lo, &hi, &code))
        return code;
    int paper = r.scale == EXPERIMENTS_PAPER;
    jb.runs = hi - jb.seed_lo;
    jb.blocks = a.given[EXPERIMENTS_OPT_OWN] ? (int64_t)a.num[EXPERIMENTS_OPT_OWN] : paper ? 2000000 : 200000;
    jb.n_honest = a.given[EXPERIMENTS_OPT_OWN + 1] ? (int)a.num[EXPERIMENTS_OPT_OWN + 1] : 64;
    uint64_t lo[2 * N_GAMMA], hs[2 * N_GAMMA];
    for (int s = 0; s < 2 * N_GAMMA; s++) {
        lo[s] = 0;
        hs[s] = (s < N_GAMMA ? N_ALPHA : N_ALPHA_D) * jb.runs;
    }
    common_error err;
    common_error_clear(&err);
    experiments_sweep sw;
    if (!experiments_sweep_gathered(&sw, &code, &r, 2 * N_GAMMA, lo, hs, item, item_check, &jb, "E11 runs"))
        return code;
    static const char *const GC[] = {"alpha", "gamma", "runs", "blocks", "relative_revenue", "ci_lo",
                                     "ci_hi", "theory", "honest_share", "profitable"};
    static const char *const DC[] = {"alpha", "gamma", "n_honest", "runs", "blocks", "tie_races",
                                     "measured_gamma", "relative_revenue", "ci_lo", "ci_hi",
                                     "theory", "theory_measured", "honest_share", "profitable"};
    experiments_table tg, td;
    experiments_table_init(&tg, GC, sizeof GC / sizeof GC[0]);
    experiments_table_init(&td, DC, sizeof DC / sizeof DC[0]);
    double *v = malloc(jb.runs * sizeof *v);
    int fail = !v;
    for (int model = 0; model < 2 && !fail; model++)
        for (size_t gi = 0; gi < N_GAMMA; gi++) {
            size_t seg = (size_t)model * N_GAMMA + gi, na = model ? N_ALPHA_D : N_ALPHA;
            for (size_t ai = 0; ai < na; ai++) {
                double ties = 0, th = 0, tp = 0;
                for (uint64_t k = 0; k < jb.runs; k++) {
                    const experiments_vals *x = &sw.slots[experiments_sweep_index(&sw, seg, ai * jb.runs + k)];
                    v[k] = x->v[0];
                    ties += x->v[3];
                    th += x->v[4];
                    tp += x->v[5];
                }
                double m, h, al = alpha_of(model, ai), g = GAMMAS[gi];
                mean_ci(v, (size_t)jb.runs, &m, &h);
                experiments_table *t = model ? &td : &tg;
                experiments_table_num(t, al, 3);
                experiments_table_num(t, g, 2);
                if (model)
                    experiments_table_int(t, jb.n_honest);
                experiments_table_int(t, (int64_t)jb.runs);
                experiments_table_int(t, jb.blocks);
                double mg = th > 0 ? tp / th : NAN;
                if (model) {
                    experiments_table_int(t, (int64_t)ties);
                    experiments_table_num(t, mg, 4);
                }
                experiments_table_num(t, m, 5);
                experiments_table_num(t, h == h ? m - h : NAN, 5);
                experiments_table_num(t, h == h ? m + h : NAN, 5);
                experiments_table_num(t, experiments_selfish_theory(al, g), 5);
                if (model)
                    experiments_table_num(t, mg == mg ? experiments_selfish_theory(al, mg) : NAN, 5);
                experiments_table_num(t, al, 3);
                experiments_table_int(t, m > al);
                experiments_table_end(t);
            }
        }
    free(v);
    char cfg[1600], seeds[96];
    snprintf(cfg, sizeof cfg,
             "{\"policy\": \"Eyal and Sirer 2014, Algorithm 1 (experiments/selfish.c)\","
             " \"race\": \"each block the pool's with probability alpha (exponential race, rates alpha and 1 - alpha)\","
             " \"blocks_per_run\": %lld, \"runs_per_point\": %llu,"
             " \"alpha_step\": {\"selfish.csv\": 0.025, \"selfish_delay.csv\": 0.05}, \"gammas\": [0, 0.5, 1],"
             " \"model_gamma\": \"the next honest block extends the pool's block of a tie with probability gamma\","
             " \"model_delay\": \"%d honest miners of equal power; at a tie each (but the honest block's finder) mines on"
             " the first to arrive of the two blocks, delays exponential of means 1 (honest) and (1 - gamma) / gamma"
             " (pool); delays short against the block interval\","
             " \"revenue\": \"the pool's blocks in the final chain / the final chain's blocks, mean over runs\","
             " \"ci\": \"95%%, mean +- t(0.975, runs - 1) sd / sqrt(runs)\","
             " \"theory\": \"[a (1-a)^2 (4a + g (1 - 2a)) - a^3] / [1 - a (1 + (2 - a) a)]\","
             " \"profitable\": \"relative_revenue > alpha\", \"blocks\": \"blocks found per run\"}",
             (long long)jb.blocks, (unsigned long long)jb.runs, jb.n_honest);
    snprintf(seeds, sizeof seeds, "%llu:%llu per point", (unsigned long long)jb.seed_lo, (unsigned long long)hi);
    int rc = 0;
    if (fail) {
        common_error_set(&err, -1, "", "", "out of memory");
        rc = experiments_fail(&r, &err);
    } else if (experiments_table_write(&tg, r.out, "selfish.csv", &err) ||
               experiments_sidecar_write(&r, r.out, "selfish.csv", seeds, cfg, 1, &err) ||
               experiments_table_write(&td, r.out, "selfish_delay.csv", &err) ||
               experiments_sidecar_write(&r, r.out, "selfish_delay.csv", seeds, cfg, 1, &err))
        rc = experiments_fail(&r, &err);
    experiments_table_clear(&tg);
    experiments_table_clear(&td);
    experiments_sweep_clear(&sw);
    experiments_mpi_finalize();
    return rc;
}
