/* experiments/e13_fidelity_main.c - E13, engine fidelity: does the engine reproduce the
 * market science - allocative efficiency and Smith's alpha - against BSE.py and Gode &
 * Sunder (1993)?
 * Markets (those of shared/reference/bse_python_baseline.csv): zic (ZIC 40 + 40), small
 * (ZIC, ZIP, SHVR, GVWY 5 each per side), standard (10 each), large (standard, 3600 s);
 * one fixed zone (50, 150) per side, interval 30 s periodic, integer seeds.
 * efficiency = realised surplus (every trader's profit, from the final average-balance
 * line) / (maximum surplus per period x periods), periods = floor(duration / interval) - 1
 * (the baseline's periods_issued); Smith's alpha = 100 sqrt(mean((p - P0)^2)) / P0 over the
 * tape's trade prices, P0 = 100 (the midpoint of the symmetric schedule).
 * Beside the engine: BSE.py's values for the same seeds (the baseline CSV, read with
 * libcsv) and, per seed, whether they agree to the baseline's 5 decimals; and the
 * published ZI-C range of Gode & Sunder (1993, JPE 101(1):119-137): 97-99% efficiency.
 * With --bsepy DIR (a folder holding BSE.py): the first K seeds of every market are also run
 * by BSE.py itself (shared/tools/pybse.py) and measured from its own files beside the
 * engine's run, with whether the tape and average-balance files are identical.
 * Outputs: fidelity.csv (summary), fidelity_seeds.csv (per seed), fidelity_bsepy.csv (with
 * --bsepy; its sidecar says "optional", make results-check leaves it out); deterministic. */
#include <cjson/cJSON.h>
#include <gsl/gsl_errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bse/session.h"
#include "experiments/bsepy.h"
#include "experiments/driver.h"
#include "experiments/model.h"
#include "experiments/mpi.h"
#include "experiments/forge.h"
#include "experiments/sweep.h"
#include "pouw/sha256.h"

#define N_MARKETS EXPERIMENTS_N_MARKETS
#define MARKET experiments_market_name
#define MIX experiments_market_mix
#define GS_LO 0.97 /* Gode & Sunder (1993): ZI-C efficiency, the published range */
#define GS_HI 0.99

static int market_case(bse_case *c, int m, uint64_t seed, common_error *err)
{
    return experiments_market_case(c, m, seed, err);
}

/* values: efficiency, alpha, trades, mean price */
static int item(void *user, size_t seg, uint64_t seed, experiments_vals *out, common_error *err)
{
    (void)user;
    bse_case c;
    if (market_case(&c, (int)seg, seed, err))
        return -1;
    bse_result res;
    if (bse_session_run(&c, &res, err) != BSE_SESSION_OK) {
        bse_result_free(&res);
        return -1;
    }
    double profit = 0;
    for (int32_t k = 0; k < res.n_types; k++)
        profit += (double)res.types[k].balance_sum;
    double surplus, p0;
    int32_t nb = (int32_t)bse_case_count(&c, BSE_SIDE_BUYERS), ns = (int32_t)bse_case_count(&c, BSE_SIDE_SELLERS);
    experiments_equilibrium(&surplus, &p0, &c.zones[BSE_SCHED_SUP][0].ranges[0], ns, &c.zones[BSE_SCHED_DEM][0].ranges[0],
                            nb);
    double periods = floor((c.end_time - c.start_time) / c.interval) - 1.0;
    /* tape: "TRD, time, price\n" */
    double ss = 0, sp = 0;
    int64_t n = 0;
    const char *s = res.tape.data, *e = s ? s + res.tape.len : s;
    while (s && s < e) {
        const char *nl = memchr(s, '\n', (size_t)(e - s));
        const char *last = NULL;
        for (const char *q = s; q < (nl ? nl : e); q++)
            if (*q == ',')
                last = q;
        if (last) {
            double pr = strtod(last + 1, NULL);
            ss += (pr - 100.0) * (pr - 100.0);
            sp += pr;
            n++;
        }
        s = nl ? nl + 1 : e;
    }
    experiments_vals_push(out, profit / (surplus * periods));
    experiments_vals_push(out, n ? 100.0 * sqrt(ss / (double)n) / 100.0 : NAN);
    experiments_vals_push(out, (double)n);
    experiments_vals_push(out, n ? sp / (double)n : NAN);
    experiments_vals_push(out, surplus);
    bse_result_free(&res);
    return 0;
}

static char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    char *b = NULL;
    long n = 0;
    if (f && fseek(f, 0, SEEK_END) == 0 && (n = ftell(f)) >= 0 && fseek(f, 0, SEEK_SET) == 0 &&
        (b = malloc((size_t)n + 1)) && fread(b, 1, (size_t)n, f) == (size_t)n)
        b[n] = '\0';
    else {
        free(b);
        b = NULL;
    }
    if (f)
        fclose(f);
    *len = b ? (size_t)n : 0;
    return b;
}

/* fidelity.json's and fidelity_seeds.json's config (cJSON: the path is escaped). Caller frees. */
static char *sidecar_config(const char *baseline)
{
    cJSON *o = cJSON_CreateObject();
    if (!o)
        return NULL;
    cJSON_AddStringToObject(o, "baseline", baseline);
    cJSON_AddStringToObject(o, "periods", "floor(duration / interval) - 1");
    cJSON_AddNumberToObject(o, "alpha_p0", 100);
    cJSON_AddStringToObject(o, "agree",
                            "|efficiency - BSE.py| <= 0.5e-5 and |alpha - BSE.py| <= 0.5e-3 (the baseline's rounding)");
    cJSON_AddStringToObject(o, "gode_sunder", "ZI-C allocative efficiency 97-99% (Gode & Sunder 1993, JPE 101(1):119-137)");
    char *txt = cJSON_PrintUnformatted(o);
    cJSON_Delete(o);
    return txt;
}

/* fidelity_bsepy.json's config: BSE.py side by side on a subset. "reference_run": make
 * results-check leaves the file out (it exists only when BSE.py's folder is given). */
static char *bsepy_config(const char *dir, const char *runner, unsigned per_market)
{
    cJSON *o = cJSON_CreateObject();
    if (!o)
        return NULL;
    cJSON_AddStringToObject(o, "reference_run", "BSE.py");
    cJSON_AddStringToObject(o, "bsepy_dir", dir ? dir : "");
    cJSON_AddStringToObject(o, "runner", runner);
    cJSON_AddNumberToObject(o, "seeds_per_market", per_market);
    char *txt = cJSON_PrintUnformatted(o);
    cJSON_Delete(o);
    return txt;
}

/* BSE.py side by side (--bsepy DIR): market m, seed sd run by BSE.py (experiments/bsepy.h)
 * and by the engine; one row of fidelity_bsepy.csv. Returns 0 or -1. */
static int bsepy_row(experiments_table *t, const experiments_bsepy *bp, const char *tmp, int m, uint64_t sd,
                     common_error *err)
{
    bse_case c;
    if (experiments_market_case(&c, m, sd, err))
        return -1;
    c.dump_avgbals = 1;
    char name[64], odir[600];
    snprintf(name, sizeof name, "%s-%llu", MARKET[m], (unsigned long long)sd);
    snprintf(odir, sizeof odir, "%s/%s", tmp, name);
    double wall;
    if (experiments_bsepy_run(bp, &c, tmp, name, odir, &wall, err))
        return -1;
    char tp[700], ap[700];
    snprintf(tp, sizeof tp, "%s/%s_tape.csv", odir, MARKET[m]);
    snprintf(ap, sizeof ap, "%s/%s_avg_balance.csv", odir, MARKET[m]);
    size_t tl, al;
    char *tape = slurp(tp, &tl), *avg = slurp(ap, &al);
    if (!tape || !avg) {
        free(tape), free(avg);
        return common_error_set(err, -1, tp, "", "BSE.py wrote no tape or average-balance file"), -1;
    }
    /* the last line of the average-balance file */
    size_t end = al;
    while (end > 0 && (avg[end - 1] == '\n' || avg[end - 1] == '\r'))
        end--;
    size_t start = end;
    while (start > 0 && avg[start - 1] != '\n')
        start--;
    double pe, pa, ee, ea;
    int64_t pn, en;
    experiments_market_metrics(&pe, &pa, &pn, &c, tape, tl, avg + start, end - start);
    bse_result res;
    if (bse_session_run(&c, &res, err) != BSE_SESSION_OK) {
        bse_result_free(&res);
        free(tape), free(avg);
        return -1;
    }
    experiments_market_metrics(&ee, &ea, &en, &c, res.tape.data, res.tape.len, res.final_line.data, res.final_line.len);
    int same_tape = res.tape.len == tl && (tl == 0 || memcmp(res.tape.data, tape, tl) == 0);
    int same_avg = res.avg_balance.len == al && (al == 0 || memcmp(res.avg_balance.data, avg, al) == 0);
    bse_result_free(&res);
    free(tape), free(avg);
    experiments_table_str(t, MARKET[m]);
    experiments_table_int(t, (int64_t)sd);
    experiments_table_num(t, pe, 6);
    experiments_table_num(t, pa, 4);
    experiments_table_int(t, pn);
    experiments_table_num(t, ee, 6);
    experiments_table_num(t, ea, 4);
    experiments_table_int(t, en);
    experiments_table_int(t, same_tape && same_avg);
    experiments_table_end(t);
    return 0;
}

static void mean_sd(const double *v, size_t n, double *m, double *sd)
{
    double s = 0, q = 0;
    for (size_t i = 0; i < n; i++)
        s += v[i];
    *m = n ? s / (double)n : NAN;
    for (size_t i = 0; i < n; i++)
        q += (v[i] - *m) * (v[i] - *m);
    *sd = n > 1 ? sqrt(q / (double)(n - 1)) : NAN;
}

/* An item's values (experiments_item_check_fn): five, the trades a whole number. */
static int item_check(void *user, size_t seg, uint64_t seed, const experiments_vals *v, char *why, size_t n)
{
    (void)user, (void)seg, (void)seed;
    return experiments_vals_count(v, 5, why, n) || experiments_vals_range(v, 2, 3, 1, 0, EXPERIMENTS_WHOLE_MAX, 1, why, n)
               ? -1
               : 0;
}

static const common_opt OPTS[] = {
    EXPERIMENTS_STD_OPTS,
    EXPERIMENTS_OPT("--baseline", COMMON_OPT_STR, "FILE", 0, 0, 0,
                    "BSE.py's figures (default shared/reference/bse_python_baseline.csv when present)"),
    EXPERIMENTS_OPT("--bsepy", COMMON_OPT_STR, "DIR", 0, 0, 0,
                    "a folder holding BSE.py (v1.91): also run a subset through it side by side\n"
                    "(shared/tools/pybse.py; writes fidelity_bsepy.csv)"),
    EXPERIMENTS_OPT("--bsepy-seeds", COMMON_OPT_UINT, "K", 1, 1000, 0, "seeds per market run by BSE.py (default 2)"),
    EXPERIMENTS_CHECKPOINT_OPT,
};

static const common_cli CLI = {
    .prog = "e13_fidelity",
    .summary = "E13: allocative efficiency and Smith's alpha against BSE.py and Gode & Sunder (1993)",
    .description = "Runs the baseline's markets over the seeds and writes fidelity.csv (mean and sd of\n"
                   "efficiency and alpha per market and engine, with the published ZI-C range) and\n"
                   "fidelity_seeds.csv (per seed, engine beside BSE.py). Default seeds: quick 0:20, paper 0:1000.",
    .opts = OPTS,
    .n_opts = sizeof OPTS / sizeof OPTS[0],
    .footer = EXPERIMENTS_FOOTER,
    .synopsis = "[--baseline FILE] [--scale quick|paper] [--seeds A:B] [--out DIR] [--threads T]\n"
                "                    [--checkpoint FILE] [--reuse FILE,...]",
};

int main(int argc, char **argv)
{
    gsl_set_error_handler_off();
    static const experiments_prologue P = {.cli = &CLI, .id = "E13", .quick_seeds = 20, .paper_seeds = 1000};
    common_args a;
    experiments_run r;
    uint64_t lo[N_MARKETS], hi[N_MARKETS];
    int code;
    if (!experiments_driver_start(&P, &argc, &argv, &a, &r, &lo[0], &hi[0], &code))
        return code;
    for (int m = 1; m < N_MARKETS; m++) /* every market: the same seeds */
        lo[m] = lo[0], hi[m] = hi[0];
    /* the baseline: read before the work so a bad file is refused first */
    const char *bpath = a.given[EXPERIMENTS_OPT_OWN] ? a.str[EXPERIMENTS_OPT_OWN] : NULL;
    char defpath[4096];
    int have_def = experiments_shared_path(defpath, sizeof defpath, "reference/bse_python_baseline.csv");
    experiments_csv base;
    memset(&base, 0, sizeof base);
    common_error err;
    common_error_clear(&err);
    int have_base = 0, rc = 0;
    if (r.rank == 0) {
        if (!bpath && have_def)
            bpath = defpath;
        if (bpath) {
            if (experiments_csv_read(&base, bpath, &err) || experiments_baseline_check(&base, bpath, &err)) {
                common_error_print(&err, r.prog, stderr);
                rc = COMMON_EXIT_USAGE;
            } else
                have_base = 1;
        }
    }
    const char *bsepy = a.given[EXPERIMENTS_OPT_OWN + 1] ? a.str[EXPERIMENTS_OPT_OWN + 1] : NULL;
    unsigned bk = a.given[EXPERIMENTS_OPT_OWN + 2] ? (unsigned)a.num[EXPERIMENTS_OPT_OWN + 2] : 2;
    experiments_bsepy bp;
    memset(&bp, 0, sizeof bp);
    if (rc == 0 && r.rank == 0 && bsepy && experiments_bsepy_open(&bp, bsepy, &err))
        rc = common_cli_usage_error(&CLI, -1, "%s%s%s: %s", err.field, err.field[0] ? " " : "", err.path, err.msg);
    if (!experiments_mpi_all_ok(rc == 0)) {
        experiments_csv_clear(&base);
        experiments_mpi_finalize();
        return rc ? rc : COMMON_EXIT_USAGE;
    }
    experiments_sweep sw;
    if (!experiments_sweep_gathered(&sw, &code, &r, N_MARKETS, lo, hi, item, item_check, NULL, "E13 sessions")) {
        experiments_csv_clear(&base);
        return code;
    }
    static const char *const SC[] = {"market", "seed", "efficiency", "alpha", "trades", "mean_price",
                                     "bsepy_efficiency", "bsepy_alpha", "agree"};
    static const char *const FC[] = {"market", "trader_mix", "seeds", "n", "efficiency_mean", "efficiency_sd",
                                     "alpha_mean", "alpha_sd", "engine"};
    experiments_table ts, tf;
    experiments_table_init(&ts, SC, sizeof SC / sizeof SC[0]);
    experiments_table_init(&tf, FC, sizeof FC / sizeof FC[0]);
    int bc = experiments_csv_col(&base, "config"), bs = experiments_csv_col(&base, "seed"),
        bt = experiments_csv_col(&base, "row_type"), be = experiments_csv_col(&base, "alloc_eff"),
        ba = experiments_csv_col(&base, "smith_alpha");
    char seeds[128];
    snprintf(seeds, sizeof seeds, "%llu:%llu", (unsigned long long)lo[0], (unsigned long long)hi[0]);
    size_t nmax = (size_t)(hi[0] - lo[0]);
    double *ve = malloc((nmax + 1) * sizeof *ve), *va = malloc((nmax + 1) * sizeof *va);
    double *pe = malloc((nmax + 1) * sizeof *pe), *pa = malloc((nmax + 1) * sizeof *pa);
    int fail = !ve || !va || !pe || !pa;
    for (int m = 0; m < N_MARKETS && !fail; m++) {
        size_t n = 0, np = 0, agree = 0;
        for (uint64_t sd = lo[m]; sd < hi[m]; sd++) {
            const experiments_vals *v = &sw.slots[experiments_sweep_index(&sw, (size_t)m, sd)];
            ve[n] = v->v[0];
            va[n++] = v->v[1];
            double beff = NAN, balp = NAN;
            for (size_t row = 0; have_base && row < base.nrows; row++)
                if (!strcmp(experiments_csv_cell(&base, row, bt), "seed") &&
                    !strcmp(experiments_csv_cell(&base, row, bc), MARKET[m]) &&
                    strtoull(experiments_csv_cell(&base, row, bs), NULL, 10) == sd) {
                    beff = strtod(experiments_csv_cell(&base, row, be), NULL);
                    balp = strtod(experiments_csv_cell(&base, row, ba), NULL);
                }
            int ag = -1;
            if (beff == beff) {
                pe[np] = beff;
                pa[np++] = balp;
                ag = fabs(v->v[0] - beff) <= 0.5e-5 + 1e-12 && fabs(v->v[1] - balp) <= 0.5e-3 + 1e-12;
                agree += ag == 1;
            }
            experiments_table_str(&ts, MARKET[m]);
            experiments_table_int(&ts, (int64_t)sd);
            experiments_table_num(&ts, v->v[0], 5);
            experiments_table_num(&ts, v->v[1], 3);
            experiments_table_int(&ts, (int64_t)v->v[2]);
            experiments_table_num(&ts, v->v[3], 3);
            experiments_table_num(&ts, beff, 5);
            experiments_table_num(&ts, balp, 3);
            if (ag < 0)
                experiments_table_str(&ts, "");
            else
                experiments_table_int(&ts, ag);
            experiments_table_end(&ts);
        }
        double em, esd, am, asd;
        mean_sd(ve, n, &em, &esd);
        mean_sd(va, n, &am, &asd);
        experiments_table_str(&tf, MARKET[m]);
        experiments_table_str(&tf, MIX[m]);
        experiments_table_str(&tf, seeds);
        experiments_table_int(&tf, (int64_t)n);
        experiments_table_num(&tf, em, 5);
        experiments_table_num(&tf, esd, 5);
        experiments_table_num(&tf, am, 3);
        experiments_table_num(&tf, asd, 3);
        experiments_table_str(&tf, "bse-pouw (C)");
        experiments_table_end(&tf);
        if (np) {
            char sdesc[64];
            snprintf(sdesc, sizeof sdesc, "%zu of them (%zu agree)", np, agree);
            mean_sd(pe, np, &em, &esd);
            mean_sd(pa, np, &am, &asd);
            experiments_table_str(&tf, MARKET[m]);
            experiments_table_str(&tf, MIX[m]);
            experiments_table_str(&tf, sdesc);
            experiments_table_int(&tf, (int64_t)np);
            experiments_table_num(&tf, em, 5);
            experiments_table_num(&tf, esd, 5);
            experiments_table_num(&tf, am, 3);
            experiments_table_num(&tf, asd, 3);
            experiments_table_str(&tf, "BSE.py v1.91 (baseline CSV)");
            experiments_table_end(&tf);
        }
    }
    /* the published reference */
    experiments_table_str(&tf, "gode-sunder-1993");
    experiments_table_str(&tf, "ZI-C, five markets (JPE 101(1):119-137)");
    experiments_table_str(&tf, "");
    experiments_table_str(&tf, "");
    experiments_table_num(&tf, (GS_LO + GS_HI) / 2, 5);
    experiments_table_str(&tf, "");
    experiments_table_str(&tf, "");
    experiments_table_str(&tf, "");
    experiments_table_str(&tf, "published range 0.97-0.99");
    experiments_table_end(&tf);
    free(ve), free(va), free(pe), free(pa);
    char *cfg = sidecar_config(have_base ? bpath : "none"), *bcfg = bsepy_config(bsepy, bp.tool, bk);
    if (!fail && (!cfg || !bcfg))
        fail = 1;
    experiments_table tb;
    static const char *const BC[] = {"market", "seed", "bsepy_efficiency", "bsepy_alpha", "bsepy_trades",
                                     "engine_efficiency", "engine_alpha", "engine_trades", "identical_files"};
    experiments_table_init(&tb, BC, sizeof BC / sizeof BC[0]);
    if (bsepy && !fail) {
        char tmp[256] = "/tmp/bse_pouw_e13_XXXXXX";
        if (!mkdtemp(tmp)) {
            common_error_set(&err, -1, "/tmp", "", "cannot make a temporary folder");
            fail = 2;
        }
        for (int m = 0; m < N_MARKETS && !fail; m++)
            for (uint64_t sd = lo[m]; sd < lo[m] + bk && sd < hi[m] && !fail; sd++) {
                experiments_progress(&r, "E13: BSE.py %s seed %llu", MARKET[m], (unsigned long long)sd);
                if (bsepy_row(&tb, &bp, tmp, m, sd, &err))
                    fail = 2;
            }
        common_progress_end(&r.progress);
        experiments_rmtree(tmp);
    }
    rc = 0;
    if (fail) {
        if (fail == 1)
            common_error_set(&err, -1, "", "", "out of memory");
        rc = experiments_fail(&r, &err);
    } else if ((bsepy && (experiments_table_write(&tb, r.out, "fidelity_bsepy.csv", &err) ||
                          experiments_sidecar_write(&r, r.out, "fidelity_bsepy.csv", seeds, bcfg, 1, &err))) ||
               experiments_table_write(&ts, r.out, "fidelity_seeds.csv", &err) ||
               experiments_sidecar_write(&r, r.out, "fidelity_seeds.csv", seeds, cfg, 1, &err) ||
               experiments_table_write(&tf, r.out, "fidelity.csv", &err) ||
               experiments_sidecar_write(&r, r.out, "fidelity.csv", seeds, cfg, 1, &err))
        rc = experiments_fail(&r, &err);
    free(cfg);
    free(bcfg);
    experiments_table_clear(&ts);
    experiments_table_clear(&tf);
    experiments_table_clear(&tb);
    experiments_csv_clear(&base);
    experiments_sweep_clear(&sw);
    experiments_mpi_finalize();
    return rc;
}
