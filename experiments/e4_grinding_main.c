/* experiments/e4_grinding_main.c - E4, grinding (spec pouw.md s9, s11.2, s11.11): how much
 * can a miner cut its cost per block by choosing which useful work to do?
 *
 * Method. The attempts of E1 (pps_distribution.csv, read back with libcsv) are split into
 * a fitting half (even seeds) and a held-out half (odd seeds). On the fitting half an OLS
 * predictor of session PPS is fitted on the environment's features - known from the
 * seed before any simulation. Each miner then walks the held-out attempts in seed order
 * (equal compute: every miner sees the same candidate attempts) and pays only for the
 * sessions it simulates:
 *   honest        simulates every attempt;
 *   screen        simulates an attempt only when its predicted PPS (mean of its sessions'
 *                 predictions) is in the top `cutoff` fraction of the fitting half's;
 *   early_abort   stops an attempt after a session once the floor is unreachable even if
 *                 every remaining session scored the highest session PPS of the fitting half;
 *   screen_abort  both (cutoff 0.10);
 *   cost_screen   simulates only attempts whose trader count is in the lowest `cutoff`
 *                 fraction (cheap environments; none are left under equal-cost environments,
 *                 s11.11).
 * Cost per block = cost / attempts that pass, in sessions, simulated seconds and trader
 * steps (a deterministic CPU proxy: bse_result.n_steps). Advantage = honest cost per block
 * / strategy cost per block; 95% interval: percentile bootstrap over the held-out attempts
 * (2000 resamples, GSL mt19937 seeded 1; both miners on the same resample).
 * Modes: pps (the reference threshold, pass rate ~1/12: on lottery-mode chains the fitting
 * half's 11/12 quantile, on pps-mode chains the genesis threshold) and lottery (the floor:
 * on lottery-mode chains the genesis floor, ~90% pass, s11.2; on pps-mode chains the
 * fitting half's 10% quantile; the post-hash lottery is independent of
 * the environment and multiplies every miner's cost by the same factor, so it cancels).
 * Environments: the kind E1's build sampled (its `environments` column: v1, or equal-cost
 * once pouw_env_generate draws v2's equal-cost environments, s11.11); re-running E1 and E4
 * on the v2 code gives the v2 rows, and cost screening then has nothing left to choose.
 * Output: grinding.csv (deterministic). */
#include <gsl/gsl_errno.h>
#include <gsl/gsl_rng.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "chain/params.h"
#include "experiments/driver.h"
#include "experiments/e1csv.h"
#include "experiments/model.h"
#include "experiments/mpi.h"

#define MAXS 8 /* sessions per attempt handled here */

typedef struct att {
    uint64_t seed;
    int n;
    double x[MAXS][EXPERIMENTS_NFEAT];
    int64_t pps[MAXS];   /* session pps_micro */
    double steps[MAXS];
    int64_t apps;        /* attempt pps_micro */
    double traders;      /* both sides, all sessions */
    double pred;         /* predicted attempt pps (micro) */
} att;

typedef struct cost {
    double sessions, steps, blocks, simulated;
} cost;

enum { S_HONEST, S_SCREEN, S_ABORT, S_SCREEN_ABORT, S_CHEAP };
static const char *const SNAME[] = {"honest", "screen", "early_abort", "screen_abort", "cost_screen"};

/* The cost of one attempt to a miner of strategy strat (cut: its screening cut-off). */
static cost attempt_cost(const att *t, int strat, double cut, int64_t thr, int64_t umax)
{
    cost c = {0, 0, 0, 0};
    if ((strat == S_SCREEN || strat == S_SCREEN_ABORT) && t->pred < cut)
        return c;
    if (strat == S_CHEAP && t->traders > cut)
        return c;
    c.simulated = 1;
    int abort_ok = strat == S_ABORT || strat == S_SCREEN_ABORT;
    double sum = 0;
    int done = 0;
    for (int i = 0; i < t->n; i++) {
        c.sessions += 1;
        c.steps += t->steps[i];
        sum += (double)t->pps[i];
        done = i + 1;
        if (abort_ok && i + 1 < t->n && (sum + (double)umax * (t->n - 1 - i)) / t->n < (double)thr)
            break;
    }
    if (done == t->n && t->apps >= thr)
        c.blocks = 1;
    return c;
}

/* The miners (strategy, cut-off fraction): the first is the honest one, against which
 * every plan's advantage is measured. */
static const struct {
    int s;
    double q;
} PLAN[] = {{S_HONEST, 1.0},  {S_SCREEN, 0.5}, {S_SCREEN, 0.25},       {S_SCREEN, 0.10}, {S_SCREEN, 0.05},
            {S_ABORT, 1.0},   {S_SCREEN_ABORT, 0.10}, {S_CHEAP, 0.5}, {S_CHEAP, 0.25}};
#define NPLAN ((int)(sizeof PLAN / sizeof PLAN[0]))

/* An attempt's cost to one miner, kept small: the bootstrap adds one per miner for each
 * attempt it draws, so a draw reads NPLAN of these (72 bytes) instead of a whole att. */
typedef struct pcost {
    uint32_t steps; /* the attempt's trader steps (main refuses an attempt of 2^32 or more) */
    uint8_t sessions, blocks, simulated, pad;
} pcost;

/* Whole-number sums of pcosts (exact in uint64_t; as doubles, the same numbers the
 * sessions-by-session double sums gave, all far below 2^53). */
typedef struct pacc {
    uint64_t steps, sessions, blocks, simulated;
} pacc;

static pcost to_pcost(cost c)
{
    return (pcost){.steps = (uint32_t)c.steps, .sessions = (uint8_t)c.sessions, .blocks = (uint8_t)c.blocks,
                   .simulated = (uint8_t)c.simulated, .pad = 0};
}

static cost to_cost(pacc a)
{
    return (cost){.sessions = (double)a.sessions, .steps = (double)a.steps, .blocks = (double)a.blocks,
                  .simulated = (double)a.simulated};
}

/* Adds one attempt's costs (pc: one per miner of PLAN) to every miner's sums. */
static void add_costs(pacc acc[NPLAN], const pcost *pc)
{
    for (int k = 0; k < NPLAN; k++) {
        acc[k].steps += pc[k].steps;
        acc[k].sessions += pc[k].sessions;
        acc[k].blocks += pc[k].blocks;
        acc[k].simulated += pc[k].simulated;
    }
}

/* Asks for an attempt's NPLAN costs (72 bytes: up to two cache lines) ahead of their use. */
static void prefetch_costs(const pcost *pc)
{
    __builtin_prefetch(pc);
    __builtin_prefetch(pc + NPLAN - 1);
}

static int cmp_d(const void *x, const void *y)
{
    double a = *(const double *)x, b = *(const double *)y;
    return (a > b) - (a < b);
}

/* The q-quantile (0..1) of v[0..n) (sorted copy, lower element). */
static double quantile(const double *v, size_t n, double q)
{
    double *s = malloc(n * sizeof *s);
    if (!s || n == 0) {
        free(s);
        return NAN;
    }
    memcpy(s, v, n * sizeof *s);
    qsort(s, n, sizeof *s, cmp_d);
    size_t k = (size_t)floor(q * (double)(n - 1));
    double r = s[k];
    free(s);
    return r;
}

static const common_opt OPTS[] = {
    EXPERIMENTS_STD_OPTS,
    EXPERIMENTS_OPT("--in", COMMON_OPT_STR, "FILE", 0, 0, 0, "E1's pps_distribution.csv (default OUT/pps_distribution.csv)"),
    EXPERIMENTS_OPT("--resamples", COMMON_OPT_UINT, "B", 10, 100000, 0, "bootstrap resamples (default 2000)"),
    EXPERIMENTS_OPT("--in-v1", COMMON_OPT_STR, "FILE", 0, 0, 0,
                    "also E1's v1-style attempts (pps_distribution_v1.csv of\n"
                    "e1_landscape --environments v1): their rows follow, environments v1"),
    EXPERIMENTS_OPT("--in-height", COMMON_OPT_STR, "FILE", 0, 0, 0,
                    "also E1's per-height attempts (pps_distribution_height.csv of\n"
                    "e1_landscape --environments per-height): rows environments per-height,\n"
                    "where screening can only skip whole heights"),
};

static const common_cli CLI = {
    .prog = "e4_grinding",
    .summary = "E4: the grinding advantage of screening, early-abort and cost-screening miners",
    .description = "Replays E1's held-out attempts (pps_distribution.csv) for miners that choose which\n"
                   "useful work to do, and writes grinding.csv: cost per block and the advantage over\n"
                   "an honest miner with a bootstrap 95% interval, per mode (pps, lottery floor).\n"
                   "--seeds restricts the attempts used (default: all of the file).",
    .opts = OPTS,
    .n_opts = sizeof OPTS / sizeof OPTS[0],
    .footer = EXPERIMENTS_FOOTER,
    .synopsis = "[--in FILE] [--in-v1 FILE] [--in-height FILE] [--seeds A:B] [--resamples B] [--out DIR]",
};

static double num(const experiments_csv *c, size_t row, int col)
{
    const char *s = experiments_csv_cell(c, row, col);
    return *s ? strtod(s, NULL) : 0.0;
}

int main(int argc, char **argv)
{
    gsl_set_error_handler_off();
    common_args a;
    experiments_run r;
    int rc;
    if (!experiments_single_start(&CLI, "E4", &argc, &argv, &a, &r, &rc))
        return rc;
    char in[4096];
    snprintf(in, sizeof in, "%s/pps_distribution.csv", r.out);
    if (a.given[EXPERIMENTS_OPT_OWN])
        snprintf(in, sizeof in, "%s", a.str[EXPERIMENTS_OPT_OWN]);
    unsigned B = a.given[EXPERIMENTS_OPT_OWN + 1] ? (unsigned)a.num[EXPERIMENTS_OPT_OWN + 1] : 2000;
    /* the inputs: E1's equal-cost file, then the v1 and per-height ones when given */
    const char *in_v1 = a.given[EXPERIMENTS_OPT_OWN + 2] ? a.str[EXPERIMENTS_OPT_OWN + 2] : "";
    const char *in_height = a.given[EXPERIMENTS_OPT_OWN + 3] ? a.str[EXPERIMENTS_OPT_OWN + 3] : "";
    const char *inputs[3] = {in, NULL, NULL}, *labels[3] = {"", NULL, NULL};
    size_t n_in = 1;
    if (*in_v1) {
        labels[n_in] = " v1";
        inputs[n_in++] = in_v1;
    }
    if (*in_height) {
        labels[n_in] = " per-height";
        inputs[n_in++] = in_height;
    }
    experiments_csv cs[3];
    memset(cs, 0, sizeof cs);
    common_error err;
    common_error_clear(&err);
    char qin[3][8192]; /* in, in_v1 and in_height, quoted for the sidecar's config */
    const char *ins[3] = {in, in_v1, in_height};
    for (int k = 0; k < 3; k++)
        if (experiments_json_quote(qin[k], sizeof qin[k], ins[k])) {
            common_error_set(&err, -1, ins[k], "", "too long a path for the sidecar");
            common_error_print(&err, r.prog, stderr);
            experiments_mpi_finalize();
            return COMMON_EXIT_USAGE;
        }
    int cols[3][16], envcol[3], ncol[3][EXPERIMENTS_ENV_TYPES];
    uint64_t heights[3] = {0, 0, 0}; /* per-height files: the bootstrap resamples whole heights */
    size_t maxrows = 0;
    for (size_t fi = 0; fi < n_in; fi++) {
        experiments_csv *c = &cs[fi];
        if (experiments_e1csv_read(c, inputs[fi], &heights[fi], &err)) {
            for (size_t k = 0; k <= fi; k++)
                experiments_csv_clear(&cs[k]);
            common_error_print(&err, r.prog, stderr);
            experiments_mpi_finalize();
            return COMMON_EXIT_USAGE;
        }
        for (int i = 0; i < EXPERIMENTS_E1COLS; i++) /* col[i]: experiments_e1_cols[i], all there */
            cols[fi][i] = experiments_csv_col(c, experiments_e1_cols[i]);
        envcol[fi] = experiments_csv_col(c, "environments"); /* absent in files from before the column: v1 */
        for (int t = 0; t < EXPERIMENTS_ENV_TYPES; t++) {
            char nm[32];
            snprintf(nm, sizeof nm, "n_%s", bse_ttype_name(experiments_env_types[t]));
            ncol[fi][t] = experiments_csv_col(c, nm);
        }
        if (c->nrows > maxrows)
            maxrows = c->nrows;
    }
    static const char *const COLS[] = {"chain", "mode", "environments", "strategy", "cutoff", "threshold_micro",
                                       "test_attempts", "simulated_attempts", "blocks", "sessions_per_block",
                                       "sim_seconds_per_block", "steps_per_block", "advantage", "ci_lo",
                                       "ci_hi", "advantage_steps", "ci_lo_steps", "ci_hi_steps"};
    experiments_table out;
    experiments_table_init(&out, COLS, sizeof COLS / sizeof COLS[0]);
    att *A = calloc(maxrows + 1, sizeof *A);
    gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
    int fail = !A || !rng;
    char seeds[256] = "";
    for (unsigned qi = 0; qi < n_in * CHAIN_COUNT && !fail; qi++) {
        const experiments_csv *c = &cs[qi / CHAIN_COUNT];
        const int *col = cols[qi / CHAIN_COUNT], ecol = envcol[qi / CHAIN_COUNT], *nc = ncol[qi / CHAIN_COUNT];
        const chain_params *p = chain_params_at(qi % CHAIN_COUNT);
        size_t na = 0;
        char envkind[32] = "v1";
        for (size_t row = 0; row < c->nrows; row++) {
            if (strcmp(experiments_csv_cell(c, row, col[0]), p->name))
                continue;
            uint64_t sd = (uint64_t)num(c, row, col[1]);
            if (r.seeds_given && (sd < r.seed_lo || sd >= r.seed_hi))
                continue;
            int si = (int)num(c, row, col[2]);
            if (ecol >= 0)
                snprintf(envkind, sizeof envkind, "%s", experiments_csv_cell(c, row, ecol));
            if (si == 0) {
                if (na > 0 && A[na - 1].seed == sd)
                    continue;
                memset(&A[na], 0, sizeof A[na]);
                A[na].seed = sd;
                A[na].apps = (int64_t)num(c, row, col[9]);
                na++;
            }
            if (na == 0 || A[na - 1].seed != sd || si >= MAXS || si != A[na - 1].n)
                continue;
            att *t = &A[na - 1];
            double v[4 + EXPERIMENTS_ENV_TYPES];
            for (int k = 0; k < 4; k++)
                v[k] = num(c, row, col[3 + k]);
            for (int k = 0; k < EXPERIMENTS_ENV_TYPES; k++)
                v[4 + k] = nc[k] >= 0 ? num(c, row, nc[k]) : 0.0;
            experiments_features(t->x[si], v);
            t->pps[si] = (int64_t)num(c, row, col[8]);
            t->steps[si] = num(c, row, col[10]);
            t->traders += num(c, row, col[7]);
            t->n++;
            double tsteps = 0;
            for (int i = 0; i < t->n; i++)
                tsteps += t->steps[i];
            if (tsteps > (double)UINT32_MAX) { /* E1 writes a few million steps per attempt */
                char where[64];
                snprintf(where, sizeof where, "line %zu", row + 2);
                common_error_set(&err, -1, inputs[qi / CHAIN_COUNT], where,
                                 "n_steps: attempt %llu has %.0f trader steps, more than any session can take (2^32)",
                                 (unsigned long long)sd, tsteps);
                fail = 2;
                break;
            }
        }
        if (fail)
            break;
        if (na < 40)
            continue;
        size_t l = strlen(seeds);
        snprintf(seeds + l, sizeof seeds - l, "%s%s%s %llu:%llu", l ? ", " : "", p->name, labels[qi / CHAIN_COUNT],
                 (unsigned long long)A[0].seed, (unsigned long long)A[na - 1].seed + 1);
        /* fit on even seeds */
        size_t ntr = 0;
        double *X = malloc(na * MAXS * EXPERIMENTS_NFEAT * sizeof *X), *y = malloc(na * MAXS * sizeof *y);
        double *coef = calloc(EXPERIMENTS_NFEAT, sizeof *coef);
        double *trpred = malloc(na * sizeof *trpred), *trapps = malloc(na * sizeof *trapps);
        double *trtraders = malloc(na * sizeof *trtraders);
        size_t *test = malloc(na * sizeof *test);
        /* per[j * NPLAN + pi]: the cost of held-out attempt ord[j] to PLAN[pi], where ord
         * is test, or grp (by height) for a per-height file, so that a height's attempts
         * are side by side */
        pcost *per = malloc(na * NPLAN * sizeof *per);
        double *bs = malloc((size_t)NPLAN * B * sizeof *bs), *bst = malloc((size_t)NPLAN * B * sizeof *bst);
        uint64_t K = heights[qi / CHAIN_COUNT];
        size_t *grp = NULL, *gstart = NULL, *gnon = NULL, nh = 0; /* test attempts by height */
        if (!X || !y || !coef || !trpred || !trapps || !trtraders || !test || !per || !bs || !bst) {
            fail = 1;
            goto next;
        }
        int64_t umax = INT64_MIN;
        for (size_t k = 0; k < na; k++)
            if (A[k].seed % 2 == 0)
                for (int i = 0; i < A[k].n; i++) {
                    memcpy(X + ntr * EXPERIMENTS_NFEAT, A[k].x[i], sizeof A[k].x[i]);
                    y[ntr++] = (double)A[k].pps[i];
                    if (A[k].pps[i] > umax)
                        umax = A[k].pps[i];
                }
        double r2;
        if (experiments_ols_fit(coef, &r2, X, y, ntr, EXPERIMENTS_NFEAT)) {
            fail = 1;
            goto next;
        }
        size_t ntrain = 0, ntest = 0;
        for (size_t k = 0; k < na; k++) {
            double s = 0;
            for (int i = 0; i < A[k].n; i++)
                s += experiments_ols_predict(coef, A[k].x[i], EXPERIMENTS_NFEAT);
            A[k].pred = A[k].n ? s / A[k].n : 0;
            if (A[k].seed % 2 == 0) {
                trpred[ntrain] = A[k].pred;
                trapps[ntrain] = (double)A[k].apps;
                trtraders[ntrain++] = A[k].traders;
            } else
                test[ntest++] = k;
        }
        if (K) {
            grp = malloc((ntest + 1) * sizeof *grp);
            gstart = calloc(K + 1, sizeof *gstart);
            gnon = malloc(K * sizeof *gnon);
            if (!grp || !gstart || !gnon) {
                fail = 1;
                goto next;
            }
            for (size_t j = 0; j < ntest; j++)
                gstart[A[test[j]].seed % K + 1]++;
            for (uint64_t h = 0; h < K; h++) {
                if (gstart[h + 1])
                    gnon[nh++] = h;
                gstart[h + 1] += gstart[h];
            }
            size_t *fillp = malloc(K * sizeof *fillp);
            if (!fillp) {
                free(fillp);
                fail = 1;
                goto next;
            }
            memcpy(fillp, gstart, K * sizeof *fillp);
            for (size_t j = 0; j < ntest; j++)
                grp[fillp[A[test[j]].seed % K]++] = test[j];
            free(fillp);
        }
        for (int mode = 0; mode < 2; mode++) {
            /* A lottery-mode chain (v2, s11.2) pins its usefulness floor in genesis: mode
             * lottery uses it, mode pps the reference threshold of pass ~1/12 (the fitting
             * half's 11/12 quantile). A pps-mode chain (v1) the other way round. */
            int lot = p->genesis_req.mode == POUW_MODE_LOTTERY;
            int64_t thr = mode == 0 ? (lot ? (int64_t)quantile(trapps, ntrain, 1.0 - 1.0 / CHAIN_DESIGN_ATTEMPTS)
                                           : p->genesis_req.pps_threshold_micro)
                                    : (lot ? p->genesis_req.pps_threshold_micro : (int64_t)quantile(trapps, ntrain, 0.10));
            double cut[NPLAN];
            for (int pi = 0; pi < NPLAN; pi++)
                cut[pi] = PLAN[pi].s == S_CHEAP ? quantile(trtraders, ntrain, PLAN[pi].q)
                                                : quantile(trpred, ntrain, 1.0 - PLAN[pi].q);
            /* each held-out attempt's cost to each miner */
            pacc all[NPLAN];
            memset(all, 0, sizeof all);
            const size_t *ord = K ? grp : test;
            for (size_t j = 0; j < ntest; j++) {
                pcost *pc = &per[j * NPLAN];
                for (int pi = 0; pi < NPLAN; pi++)
                    pc[pi] = to_pcost(attempt_cost(&A[ord[j]], PLAN[pi].s, cut[pi], thr, umax));
                add_costs(all, pc);
            }
            cost m[NPLAN];
            for (int pi = 0; pi < NPLAN; pi++)
                m[pi] = to_cost(all[pi]);
            const cost h = m[0]; /* PLAN[0]: the honest miner */
            /* bootstrap: every plan and the honest miner on the same B resamples */
            size_t nb[NPLAN] = {0};
            gsl_rng_set(rng, 1);
            for (unsigned b = 0; b < B; b++) {
                pacc acc[NPLAN];
                memset(acc, 0, sizeof acc);
                if (K) { /* whole heights: their attempts share one market */
                    for (size_t j = 0; j < nh; j++) {
                        uint64_t hh = gnon[gsl_rng_uniform_int(rng, nh)];
                        for (size_t g = gstart[hh]; g < gstart[hh + 1]; g++)
                            add_costs(acc, &per[g * NPLAN]);
                    }
                } else { /* draws in batches, each attempt's costs fetched ahead of its turn */
                    enum { BATCH = 64, AHEAD = 8 };
                    size_t drawn[BATCH];
                    for (size_t j0 = 0; j0 < ntest; j0 += BATCH) {
                        size_t nd = ntest - j0 < BATCH ? ntest - j0 : BATCH;
                        for (size_t d = 0; d < nd; d++) {
                            drawn[d] = gsl_rng_uniform_int(rng, ntest);
                            if (d < AHEAD)
                                prefetch_costs(&per[drawn[d] * NPLAN]);
                        }
                        for (size_t d = 0; d < nd; d++) {
                            if (d + AHEAD < nd)
                                prefetch_costs(&per[drawn[d + AHEAD] * NPLAN]);
                            add_costs(acc, &per[drawn[d] * NPLAN]);
                        }
                    }
                }
                cost mb[NPLAN];
                for (int pi = 0; pi < NPLAN; pi++)
                    mb[pi] = to_cost(acc[pi]);
                const cost hb = mb[0];
                for (int pi = 0; pi < NPLAN; pi++)
                    if (hb.blocks > 0 && mb[pi].blocks > 0) {
                        bs[pi * B + nb[pi]] = (hb.sessions / hb.blocks) / (mb[pi].sessions / mb[pi].blocks);
                        bst[pi * B + nb[pi]++] = (hb.steps / hb.blocks) / (mb[pi].steps / mb[pi].blocks);
                    }
            }
            for (int pi = 0; pi < NPLAN; pi++) {
                int s = PLAN[pi].s;
                double q = PLAN[pi].q, adv = NAN, advs = NAN;
                if (m[pi].blocks > 0 && h.blocks > 0) {
                    adv = (h.sessions / h.blocks) / (m[pi].sessions / m[pi].blocks);
                    advs = (h.steps / h.blocks) / (m[pi].steps / m[pi].blocks);
                }
                const double *b1 = bs + pi * B, *b2 = bst + pi * B;
                size_t n = nb[pi];
                double lo95 = n ? quantile(b1, n, 0.025) : NAN, hi95 = n ? quantile(b1, n, 0.975) : NAN;
                double lo95s = n ? quantile(b2, n, 0.025) : NAN, hi95s = n ? quantile(b2, n, 0.975) : NAN;
                experiments_table_str(&out, p->name);
                experiments_table_str(&out, mode == 0 ? "pps" : "lottery");
                experiments_table_str(&out, envkind);
                experiments_table_str(&out, SNAME[s]);
                experiments_table_num(&out, q, 2);
                experiments_table_int(&out, thr);
                experiments_table_int(&out, (int64_t)ntest);
                experiments_table_int(&out, (int64_t)m[pi].simulated);
                experiments_table_int(&out, (int64_t)m[pi].blocks);
                experiments_table_num(&out, m[pi].blocks > 0 ? m[pi].sessions / m[pi].blocks : NAN, 3);
                experiments_table_num(&out, m[pi].blocks > 0 ? m[pi].sessions * p->tmpl.duration / m[pi].blocks : NAN, 1);
                experiments_table_num(&out, m[pi].blocks > 0 ? m[pi].steps / m[pi].blocks : NAN, 1);
                experiments_table_num(&out, adv, 3);
                experiments_table_num(&out, lo95, 3);
                experiments_table_num(&out, hi95, 3);
                experiments_table_num(&out, advs, 3);
                experiments_table_num(&out, lo95s, 3);
                experiments_table_num(&out, hi95s, 3);
                experiments_table_end(&out);
            }
        }
    next:
        free(X), free(y), free(coef), free(trpred), free(trapps), free(trtraders), free(test), free(per), free(bs), free(bst);
        free(grp), free(gstart), free(gnon);
    }
    char cfg[sizeof qin + 1024];
    snprintf(cfg, sizeof cfg,
             "{\"input\": %s, \"fit\": \"OLS on even seeds (session PPS on 21 environment features)\","
             " \"test\": \"odd seeds\", \"bootstrap\": {\"resamples\": %u, \"rng\": \"gsl mt19937 seed 1\"},"
             " \"lottery_floor\": \"the chain's genesis floor (lottery-mode chains; else the 10%% quantile of fitting-half attempt PPS)\","
             " \"pps_threshold\": \"the fitting half's 1 - 1/12 quantile of attempt PPS (lottery-mode chains; else the genesis threshold)\","
             " \"cpu_proxy\": \"trader steps (bse_result.n_steps)\","
             " \"environments\": \"from E1's environments column (v1 when absent)\", \"input_v1\": %s,"
             " \"input_height\": %s}",
             qin[0], B, qin[1], qin[2]);
    rc = 0;
    if (fail == 2) {
        common_error_print(&err, r.prog, stderr);
        rc = COMMON_EXIT_USAGE;
    } else if (fail) {
        common_error_set(&err, -1, in, "", "out of memory or a failed fit");
        rc = experiments_fail(&r, &err);
    } else if (experiments_table_write(&out, r.out, "grinding.csv", &err) ||
               experiments_sidecar_write(&r, r.out, "grinding.csv", seeds, cfg, 1, &err))
        rc = experiments_fail(&r, &err);
    gsl_rng_free(rng);
    free(A);
    experiments_table_clear(&out);
    for (size_t k = 0; k < n_in; k++)
        experiments_csv_clear(&cs[k]);
    experiments_mpi_finalize();
    return rc;
}
