/* experiments/e1_landscape_main.c - E1, the PPS landscape (shared/spec/experiments.md):
 * over generated environments of each chain's session template, the environment's
 * features (drawn from the seed before any simulation), per-session and per-attempt PPS
 * and the per-type mean profits; and how much of PPS the environment explains (R^2 of
 * an OLS fit on the features, GSL, fitted on even seeds, tested on odd seeds).
 * Attempt `seed` of chain c has pre-hash SHA-256("bse-pouw/E1" || u32le(c) || u64le(seed))
 * and its n sessions are the consensus's: s_i = SHA-256(pre || u32le(i)), the case of
 * pouw_session_case, pps_i and pps_micro exactly as pouw/work.h (a test compares).
 * --environments v1 samples version 1's generator instead (pouw_env_generate_v1: costs
 * differ from seed to seed), for E4's v1-style rows; its files are
 * pps_distribution_v1.csv and pps_regression_v1.csv. --environments per-height models
 * per-height environments (pouw.md s9's proposed fix of grinding: the market is drawn
 * from the height, so a nonce cannot choose it): attempt `seed` is at height
 * h = seed mod K (--heights K, even, so that E4's even/odd split is by height); its
 * sessions' environments come from the height's seeds SHA-256(pre_h || u32le(i)) with
 * pre_h = SHA-256("bse-pouw/E1-height" || u32le(c) || u64le(h)), and only the BSE seed
 * (the traders' draws) from the attempt's own s_i; files pps_distribution_height.csv
 * and pps_regression_height.csv.
 * Outputs: pps_distribution.csv, pps_regression.csv (both deterministic). */
#include <gsl/gsl_errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bse/session.h"
#include "chain/params.h"
#include "experiments/driver.h"
#include "experiments/model.h"
#include "experiments/mpi.h"
#include "experiments/sweep.h"
#include "pouw/env.h"
#include "pouw/seed.h"

/* The environments sampled, written into every row so that E4 reports per kind: the
 * consensus's equal-cost generator (s11.11), version 1's (s3) or the per-height model;
 * each kind has its own pair of files, pps_distribution<suffix>.csv and
 * pps_regression<suffix>.csv. */
enum { ENV_EQUAL, ENV_V1, ENV_HEIGHT, ENV_KINDS };
static const struct {
    const char *name, *suffix;
} ENV_KIND[ENV_KINDS] = {{"equal-cost", ""}, {"v1", "_v1"}, {"per-height", "_height"}};

#define NV_SESSION (4 + 2 * EXPERIMENTS_ENV_TYPES + 4) /* features, means, pps, steps, trades, traders */

typedef struct e1 {
    const chain_params *chain[CHAIN_COUNT];
    size_t n_chain;
    int kind;         /* ENV_EQUAL, ENV_V1, ENV_HEIGHT (--environments) */
    uint64_t heights; /* ENV_HEIGHT: K */
} e1;

static int item(void *user, size_t seg, uint64_t seed, experiments_vals *out, common_error *err)
{
    const e1 *x = user;
    const chain_params *p = x->chain[seg];
    uint8_t pre[32];
    if (experiments_attempt_prehash(pre, "bse-pouw/E1", p->chain_id, seed))
        return common_error_set(err, -1, "", "seed", "SHA-256 failed");
    uint32_t n = p->genesis_req.sessions;
    double sum = 0.0;
    for (uint32_t i = 0; i < n; i++) {
        uint8_t s[32], e[32], hpre[32];
        bse_case c;
        pouw_env_draw d;
        char hex[65];
        int bad = pouw_session_seed(s, pre, i) != POUW_OK;
        if (!bad && x->kind == ENV_HEIGHT) { /* the market from the height, the traders' draws from the attempt */
            bad = experiments_attempt_prehash(hpre, "bse-pouw/E1-height", p->chain_id, seed % x->heights) ||
                  pouw_session_seed(e, hpre, i) != POUW_OK ||
                  pouw_env_generate(&c, &d, err, &p->tmpl, e, i) != POUW_OK;
            pouw_hex_encode(hex, s, 32);
            bad = bad || bse_case_set_seed(&c, BSE_SEED_HEX256, hex, err) != BSE_CONFIG_OK;
        } else if (!bad) {
            bad = (x->kind == ENV_V1 ? pouw_env_generate_v1(&c, &d, err, &p->tmpl, s, i)
                                     : pouw_env_generate(&c, &d, err, &p->tmpl, s, i)) != POUW_OK;
        }
        if (bad)
            return common_error_set(err, -1, p->name, "environment", "cannot generate seed %llu session %u",
                                 (unsigned long long)seed, i);
        bse_result res;
        if (bse_session_run(&c, &res, err) != BSE_SESSION_OK) {
            bse_result_free(&res);
            return -1;
        }
        double pps = 0.0;
        for (int32_t k = 0; k < res.n_types; k++)
            pps += res.types[k].mean;
        pps /= c.end_time - c.start_time;
        experiments_vals_push(out, (double)d.sup_lo);
        experiments_vals_push(out, (double)d.sup_hi);
        experiments_vals_push(out, (double)d.dem_lo);
        experiments_vals_push(out, (double)d.dem_hi);
        for (int t = 0; t < EXPERIMENTS_ENV_TYPES; t++)
            experiments_vals_push(out, (double)d.count[experiments_env_types[t]]);
        for (int t = 0; t < EXPERIMENTS_ENV_TYPES; t++) {
            double m = NAN;
            for (int32_t k = 0; k < res.n_types; k++)
                if (!strcmp(res.types[k].name, bse_ttype_name(experiments_env_types[t])))
                    m = res.types[k].mean;
            experiments_vals_push(out, m);
        }
        experiments_vals_push(out, pps);
        experiments_vals_push(out, (double)res.n_steps);
        experiments_vals_push(out, (double)res.n_trades);
        experiments_vals_push(out, (double)res.n_traders);
        sum += pps;
        bse_result_free(&res);
    }
    experiments_vals_push(out, sum / (double)n);
    return 0;
}

/* An item's values (experiments_item_check_fn): its chain's count, and whole numbers
 * where the tables print a price or a count of traders, steps or trades. */
static int item_check(void *user, size_t seg, uint64_t seed, const experiments_vals *v, char *why, size_t n)
{
    (void)seed;
    const e1 *x = user;
    size_t sessions = x->chain[seg]->genesis_req.sessions;
    if (experiments_vals_count(v, sessions * NV_SESSION + 1, why, n))
        return -1;
    for (size_t i = 0; i < sessions; i++) {
        size_t s = i * NV_SESSION;
        if (experiments_vals_range(v, s, s + 4 + EXPERIMENTS_ENV_TYPES, 1, 0, EXPERIMENTS_WHOLE_MAX, 1, why, n) ||
            experiments_vals_range(v, s + 4 + 2 * EXPERIMENTS_ENV_TYPES + 1, s + NV_SESSION, 1, 0,
                                   EXPERIMENTS_WHOLE_MAX, 1, why, n))
            return -1;
    }
    return 0;
}

static int64_t micro(double pps)
{
    int64_t m = 0;
    return pouw_pps_micro(&m, pps) == POUW_OK ? m : 0;
}

static const common_opt OPTS[] = {
    EXPERIMENTS_STD_OPTS,
    EXPERIMENTS_OPT("--chain", COMMON_OPT_STR, "NAME", 0, 0, 0, "alpha, bravo, charlie or all (default all)"),
    EXPERIMENTS_OPT("--environments", COMMON_OPT_STR, "KIND", 0, 0, 0,
                    "equal-cost (the chains' generator, default), v1 (version 1's:\n"
                    "costs differ; writes pps_distribution_v1.csv and pps_regression_v1.csv)\n"
                    "or per-height (the market drawn from the height, seed mod K;\n"
                    "writes pps_distribution_height.csv and pps_regression_height.csv)"),
    EXPERIMENTS_OPT("--heights", COMMON_OPT_UINT, "K", 2, 1000000, 0,
                    "heights of --environments per-height, even (default 100)"),
    EXPERIMENTS_CHECKPOINT_OPT,
};

static const common_cli CLI = {
    .prog = "e1_landscape",
    .summary = "E1: the PPS landscape of generated environments, and how much the environment explains",
    .description = "Runs the sessions of sampled attempts of each chain's template and writes\n"
                   "pps_distribution.csv (one row per session: features, per-type mean profit, PPS)\n"
                   "and pps_regression.csv (R^2 of an OLS fit of PPS on the environment's features).\n"
                   "Default seeds (spec experiments.md): quick 0:2000, paper 0:100000, per chain.",
    .opts = OPTS,
    .n_opts = sizeof OPTS / sizeof OPTS[0],
    .footer = EXPERIMENTS_FOOTER,
    .synopsis = "[--scale quick|paper] [--seeds A:B] [--chain NAME] [--environments KIND]\n"
                "                    [--heights K] [--out DIR] [--threads T]\n"
                "                    [--checkpoint FILE] [--reuse FILE,...]",
};

/* The chains of --chain (experiments_prologue.own). */
static int own_options(void *user, const experiments_run *r, const common_args *a)
{
    e1 *x = user;
    const char *which = a->given[EXPERIMENTS_OPT_OWN] ? a->str[EXPERIMENTS_OPT_OWN] : "all";
    for (unsigned i = 0; i < CHAIN_COUNT; i++) {
        const chain_params *p = chain_params_at(i);
        if (!strcmp(which, "all") || !strcmp(which, p->name))
            x->chain[x->n_chain++] = p;
    }
    if (!x->n_chain)
        return experiments_usage_error(r, &CLI, "--chain must be alpha, bravo, charlie or all, got %s", which);
    const char *kind = a->given[EXPERIMENTS_OPT_OWN + 1] ? a->str[EXPERIMENTS_OPT_OWN + 1] : ENV_KIND[ENV_EQUAL].name;
    for (x->kind = 0; x->kind < ENV_KINDS && strcmp(kind, ENV_KIND[x->kind].name); x->kind++)
        ;
    if (x->kind == ENV_KINDS)
        return experiments_usage_error(r, &CLI, "--environments must be equal-cost, v1 or per-height, got %s", kind);
    int given_k = a->given[EXPERIMENTS_OPT_OWN + 2];
    if (given_k && x->kind != ENV_HEIGHT)
        return experiments_usage_error(r, &CLI, "--heights needs --environments per-height");
    if (x->kind == ENV_HEIGHT) {
        x->heights = given_k ? a->num[EXPERIMENTS_OPT_OWN + 2] : 100;
        if (x->heights % 2)
            return experiments_usage_error(r, &CLI, "--heights must be even (E4 splits by height parity), got %llu",
                                           (unsigned long long)x->heights);
    }
    return 0;
}

int main(int argc, char **argv)
{
    gsl_set_error_handler_off();
    e1 x;
    memset(&x, 0, sizeof x);
    /* the default seeds are per chain, set below */
    const experiments_prologue P = {.cli = &CLI, .id = "E1", .own = own_options, .user = &x};
    common_args a;
    experiments_run r;
    int code;
    if (!experiments_driver_start(&P, &argc, &argv, &a, &r, NULL, NULL, &code))
        return code;
    uint64_t lo[CHAIN_COUNT], hi[CHAIN_COUNT];
    char seeds[256] = "";
    for (size_t g = 0; g < x.n_chain; g++) {
        uint64_t def = r.scale == EXPERIMENTS_PAPER ? 100000 : 2000;
        experiments_run_seeds(&r, 0, def, &lo[g], &hi[g]);
        size_t l = strlen(seeds);
        snprintf(seeds + l, sizeof seeds - l, "%s%s %llu:%llu", g ? ", " : "", x.chain[g]->name,
                 (unsigned long long)lo[g], (unsigned long long)hi[g]);
    }
    experiments_sweep sw;
    common_error err;
    common_error_clear(&err);
    if (!experiments_sweep_gathered(&sw, &code, &r, x.n_chain, lo, hi, item, item_check, &x, "E1 attempts"))
        return code;

    /* pps_distribution.csv */
    const char *cols[64];
    size_t nc = 0;
    char names[2][EXPERIMENTS_ENV_TYPES][16];
    static const char *const HEAD[] = {"chain", "environments", "seed", "session", "sup_lo", "sup_hi", "dem_lo", "dem_hi",
                                       "n_traders", "types"};
    for (size_t i = 0; i < sizeof HEAD / sizeof HEAD[0]; i++)
        cols[nc++] = HEAD[i];
    for (int t = 0; t < EXPERIMENTS_ENV_TYPES; t++) {
        snprintf(names[0][t], 16, "n_%s", bse_ttype_name(experiments_env_types[t]));
        cols[nc++] = names[0][t];
    }
    for (int t = 0; t < EXPERIMENTS_ENV_TYPES; t++) {
        snprintf(names[1][t], 16, "mean_%s", bse_ttype_name(experiments_env_types[t]));
        cols[nc++] = names[1][t];
    }
    cols[nc++] = "pps_micro";
    cols[nc++] = "attempt_pps_micro";
    cols[nc++] = "n_steps";
    cols[nc++] = "n_trades";
    experiments_table t;
    experiments_table_init(&t, cols, nc);
    /* regression data, per chain: sessions (features, pps) and attempts */
    experiments_table reg;
    static const char *const RCOLS[] = {"chain", "target", "n_train", "n_test", "features", "r2_train", "r2_test"};
    experiments_table_init(&reg, RCOLS, sizeof RCOLS / sizeof RCOLS[0]);
    int fit_ok = 1;
    for (size_t g = 0; g < x.n_chain; g++) {
        const chain_params *p = x.chain[g];
        uint32_t n = p->genesis_req.sessions;
        size_t na = (size_t)(hi[g] - lo[g]);
        double *X = malloc(na * n * EXPERIMENTS_NFEAT * sizeof *X), *y = malloc(na * n * sizeof *y);
        double *ya = malloc(na * sizeof *ya);
        if (!X || !y || !ya) {
            free(X), free(y), free(ya);
            fit_ok = 0;
            break;
        }
        for (uint64_t sd = lo[g]; sd < hi[g]; sd++) {
            const experiments_vals *v = &sw.slots[experiments_sweep_index(&sw, g, sd)];
            double apps = v->v[n * NV_SESSION];
            ya[sd - lo[g]] = apps;
            for (uint32_t i = 0; i < n; i++) {
                const double *s = v->v + i * NV_SESSION;
                experiments_features(X + ((sd - lo[g]) * n + i) * EXPERIMENTS_NFEAT, s);
                y[(sd - lo[g]) * n + i] = s[4 + 2 * EXPERIMENTS_ENV_TYPES];
                experiments_table_str(&t, p->name);
                experiments_table_str(&t, ENV_KIND[x.kind].name);
                experiments_table_int(&t, (int64_t)sd);
                experiments_table_int(&t, (int64_t)i);
                for (int k = 0; k < 4; k++)
                    experiments_table_int(&t, (int64_t)s[k]);
                experiments_table_int(&t, (int64_t)s[4 + 2 * EXPERIMENTS_ENV_TYPES + 3]);
                char types[128] = "";
                for (int k = 0; k < EXPERIMENTS_ENV_TYPES; k++)
                    if (s[4 + k] > 0) {
                        size_t l = strlen(types);
                        snprintf(types + l, sizeof types - l, "%s%s", l ? "+" : "",
                                 bse_ttype_name(experiments_env_types[k]));
                    }
                experiments_table_str(&t, types);
                for (int k = 0; k < EXPERIMENTS_ENV_TYPES; k++)
                    experiments_table_int(&t, (int64_t)s[4 + k]);
                for (int k = 0; k < EXPERIMENTS_ENV_TYPES; k++)
                    experiments_table_num(&t, s[4 + EXPERIMENTS_ENV_TYPES + k], 6);
                experiments_table_int(&t, micro(s[4 + 2 * EXPERIMENTS_ENV_TYPES]));
                experiments_table_int(&t, micro(apps));
                experiments_table_int(&t, (int64_t)s[4 + 2 * EXPERIMENTS_ENV_TYPES + 1]);
                experiments_table_int(&t, (int64_t)s[4 + 2 * EXPERIMENTS_ENV_TYPES + 2]);
                experiments_table_end(&t);
            }
        }
        /* Fit on even seeds, test on odd ones: sessions, and attempts (mean prediction). */
        size_t ntr = 0, nte = 0;
        double *Xtr = malloc(na * n * EXPERIMENTS_NFEAT * sizeof *Xtr), *ytr = malloc(na * n * sizeof *ytr);
        double *coef = calloc(EXPERIMENTS_NFEAT, sizeof *coef);
        double *yte = malloc(na * n * sizeof *yte), *yhte = malloc(na * n * sizeof *yhte);
        double *yatr = malloc(na * sizeof *yatr), *yahtr = malloc(na * sizeof *yahtr);
        double *yate = malloc(na * sizeof *yate), *yahte = malloc(na * sizeof *yahte);
        double r2 = NAN;
        if (Xtr && ytr && coef && yte && yhte && yatr && yahtr && yate && yahte) {
            for (size_t k = 0; k < na; k++)
                if ((lo[g] + k) % 2 == 0)
                    for (uint32_t i = 0; i < n; i++) {
                        memcpy(Xtr + ntr * EXPERIMENTS_NFEAT, X + (k * n + i) * EXPERIMENTS_NFEAT,
                               EXPERIMENTS_NFEAT * sizeof *X);
                        ytr[ntr++] = y[k * n + i];
                    }
            if (experiments_ols_fit(coef, &r2, Xtr, ytr, ntr, EXPERIMENTS_NFEAT) == 0) {
                size_t atr = 0, ate = 0;
                for (size_t k = 0; k < na; k++) {
                    double pa = 0.0;
                    for (uint32_t i = 0; i < n; i++) {
                        double ph = experiments_ols_predict(coef, X + (k * n + i) * EXPERIMENTS_NFEAT,
                                                            EXPERIMENTS_NFEAT);
                        pa += ph;
                        if ((lo[g] + k) % 2 == 1) {
                            yte[nte] = y[k * n + i];
                            yhte[nte++] = ph;
                        }
                    }
                    pa /= (double)n;
                    if ((lo[g] + k) % 2 == 0) {
                        yatr[atr] = ya[k];
                        yahtr[atr++] = pa;
                    } else {
                        yate[ate] = ya[k];
                        yahte[ate++] = pa;
                    }
                }
                experiments_table_str(&reg, p->name);
                experiments_table_str(&reg, "session");
                experiments_table_int(&reg, (int64_t)ntr);
                experiments_table_int(&reg, (int64_t)nte);
                experiments_table_int(&reg, EXPERIMENTS_NFEAT);
                experiments_table_num(&reg, r2, 4);
                experiments_table_num(&reg, experiments_r2(yte, yhte, nte), 4);
                experiments_table_end(&reg);
                experiments_table_str(&reg, p->name);
                experiments_table_str(&reg, "attempt");
                experiments_table_int(&reg, (int64_t)atr);
                experiments_table_int(&reg, (int64_t)ate);
                experiments_table_int(&reg, EXPERIMENTS_NFEAT);
                experiments_table_num(&reg, experiments_r2(yatr, yahtr, atr), 4);
                experiments_table_num(&reg, experiments_r2(yate, yahte, ate), 4);
                experiments_table_end(&reg);
            }
        } else
            fit_ok = 0;
        free(Xtr), free(ytr), free(coef), free(yte), free(yhte), free(yatr), free(yahtr), free(yate), free(yahte);
        free(X), free(y), free(ya);
    }
    char cfg[640], hk[48] = "", dist[48], regf[48];
    if (x.kind == ENV_HEIGHT)
        snprintf(hk, sizeof hk, ", \"heights\": %llu", (unsigned long long)x.heights);
    snprintf(cfg, sizeof cfg,
             "{\"sessions_per_attempt\": 2, \"prehash\": \"SHA-256('bse-pouw/E1' || u32le(chain_id) || u64le(seed))\","
             " \"features\": \"1, sup_lo, sup_hi, dem_lo, dem_hi, count and presence of 8 types\","
             " \"fit\": \"OLS (gsl_multifit_linear_tsvd) on even seeds, R^2 on odd seeds\", \"environments\": \"%s\"%s}",
             ENV_KIND[x.kind].name, hk);
    snprintf(dist, sizeof dist, "pps_distribution%s.csv", ENV_KIND[x.kind].suffix);
    snprintf(regf, sizeof regf, "pps_regression%s.csv", ENV_KIND[x.kind].suffix);
    int rc = 0;
    if (!fit_ok || experiments_table_write(&t, r.out, dist, &err) ||
        experiments_sidecar_write(&r, r.out, dist, seeds, cfg, 1, &err) ||
        experiments_table_write(&reg, r.out, regf, &err) || experiments_sidecar_write(&r, r.out, regf, seeds, cfg, 1, &err)) {
        if (!fit_ok)
            common_error_set(&err, -1, regf, "", "out of memory");
        rc = experiments_fail(&r, &err);
    }
    experiments_table_clear(&t);
    experiments_table_clear(&reg);
    experiments_sweep_clear(&sw);
    experiments_mpi_finalize();
    return rc;
}
