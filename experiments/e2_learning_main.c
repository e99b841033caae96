/* experiments/e2_learning_main.c - E2, usefulness: do the adaptive traders (PRSH, PRDE,
 * ZIPSH) improve within a session, and does the chain's useful output improve over blocks?
 * Within a session: sessions of 8 simulated hours (CharlieCoin's 28800 s template) with
 * BSE's strategy frames (dump_strats), in two market families: generated environments
 * (pouw_env_generate, charlie template; seeds SHA-256("bse-pouw/E2" || 2 || seed)) and the
 * golden "adaptive" mix (PRZI, PRSH, PRDE, ZIPSH, ZIP, SNPR 4 each per side, (50,150),
 * interval 60, integer seeds). Measure: each type's profit per trader per second within
 * each simulated hour, from the average-balance lines (BSE's strategy frames are too rare
 * to sample: BSE.py writes one only when a ZIPSH trader ends an evaluation cycle); the
 * fixed-strategy types of the same sessions are the controls. Learning shows as the
 * adaptive types' hourly profit rising relative to the controls'. Over blocks: blocks mined on a fresh AlphaCoin store (the real
 * miner, no clock: the same blocks every run) and each block's useful output (best buyer
 * and seller strategy with its PPS) by height, with an OLS slope.
 * Outputs: learning_curve.csv, chain_useful.csv (deterministic). */
#include <gsl/gsl_errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bse/session.h"
#include "chain/params.h"
#include "experiments/driver.h"
#include "experiments/forge.h"
#include "experiments/model.h"
#include "experiments/mpi.h"
#include "experiments/sweep.h"
#include "pouw/keys.h"
#include "pouw/seed.h"

#define HOURS 8
static const char *const FAMILY[2] = {"generated (charlie template)", "adaptive mix"};

static int adaptive_case(bse_case *c, uint64_t seed, common_error *err)
{
    char js[2048];
    const char *spec = "[[\"PRZI\", 4, {\"s_min\": -1.0, \"s_max\": 1.0}], [\"PRSH\", 4, {\"k\": 4, \"s_min\": -1.0, "
                       "\"s_max\": 1.0}], [\"PRDE\", 4, {\"k\": 4, \"s_min\": -1.0, \"s_max\": 1.0}], [\"ZIPSH\", 4, "
                       "{\"k\": 4}], [\"ZIP\", 4, null], [\"SNPR\", 4, null]]";
    snprintf(js, sizeof js,
             "{\"case_id\": \"adaptive\", \"seed\": %llu, \"seed_kind\": \"int\", \"start_time\": 0.0, \"end_time\": "
             "28800.0, \"trader_spec\": {\"buyers\": %s, \"sellers\": %s, \"proptraders\": []},"
             " \"order_schedule\": {\"sup\": [{\"from\": 0.0, \"to\": 28800.0, \"ranges\": [[50, 150]], \"stepmode\": "
             "\"fixed\"}], \"dem\": [{\"from\": 0.0, \"to\": 28800.0, \"ranges\": [[50, 150]], \"stepmode\": \"fixed\"}],"
             " \"interval\": 60, \"timemode\": \"periodic\"},"
             " \"dump_flags\": {\"dump_blotters\": false, \"dump_lobs\": false, \"dump_strats\": true,"
             " \"dump_avgbals\": false, \"dump_tape\": false}}",
             (unsigned long long)seed, spec, spec);
    return bse_case_parse(c, js, strlen(js), "adaptive", NULL, err) == BSE_CONFIG_OK ? 0 : -1;
}

/* The types followed: the adaptive ones first, then the fixed-strategy controls. */
#define NTYPES 9
static const char *const TNAME[NTYPES] = {"PRSH", "PRDE", "ZIPSH", "PRZI", "ZIP", "ZIC", "GVWY", "SHVR", "SNPR"};

/* values: for hour h = 0..HOURS-1 and type k: the type's mean balance per trader at the
 * end of hour h (the last average-balance line before (h+1) x 3600 s), NaN when absent. */
static int item(void *user, size_t seg, uint64_t seed, experiments_vals *out, common_error *err)
{
    (void)user;
    bse_case c;
    if (seg == 0) {
        const chain_params *p = chain_params_by_name("charlie");
        uint8_t pre[32], s[32];
        if (experiments_attempt_prehash(pre, "bse-pouw/E2", p->chain_id, seed) || pouw_session_seed(s, pre, 0) != POUW_OK ||
            pouw_env_generate(&c, NULL, err, &p->tmpl, s, 0) != POUW_OK)
            return common_error_set(err, -1, "", "environment", "cannot generate"), -1;
    } else if (adaptive_case(&c, seed, err))
        return -1;
    c.dump_avgbals = 1;
    c.dump_tape = 0;
    c.dump_strats = 0;
    bse_result res;
    if (bse_session_run(&c, &res, err) != BSE_SESSION_OK) {
        bse_result_free(&res);
        return -1;
    }
    double mean[HOURS][NTYPES];
    for (int h = 0; h < HOURS; h++)
        for (int k = 0; k < NTYPES; k++)
            mean[h][k] = NAN;
    /* "id, TIME, bid, ask, TYPE, sum, n, mean, TYPE, ...": a line at time t updates the
     * hours h >= floor(t / 3600) until a later line does (lines come in time order). */
    const char *p = res.avg_balance.data, *end = p ? p + res.avg_balance.len : p;
    while (p && p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        const char *le = nl ? nl : end;
        const char *f1 = memchr(p, ',', (size_t)(le - p));
        double t = f1 ? strtod(f1 + 1, NULL) : 0;
        int h0 = (int)floor(t / 3600.0);
        if (h0 >= HOURS)
            h0 = HOURS - 1;
        /* skip id, time, bid, ask */
        const char *q = p;
        for (int k = 0; k < 4 && q; k++) {
            q = memchr(q, ',', (size_t)(le - q));
            if (q)
                q += 2;
        }
        while (q && q < le) {
            const char *c1 = memchr(q, ',', (size_t)(le - q));
            if (!c1)
                break;
            char tn[8];
            size_t l = (size_t)(c1 - q) < sizeof tn - 1 ? (size_t)(c1 - q) : sizeof tn - 1;
            memcpy(tn, q, l);
            tn[l] = '\0';
            const char *c2 = memchr(c1 + 1, ',', (size_t)(le - c1 - 1));
            const char *c3 = c2 ? memchr(c2 + 1, ',', (size_t)(le - c2 - 1)) : NULL;
            if (!c3)
                break;
            double m = strtod(c3 + 1, NULL);
            for (int k = 0; k < NTYPES; k++)
                if (!strcmp(tn, TNAME[k]))
                    for (int h = h0; h < HOURS; h++)
                        mean[h][k] = m;
            const char *c4 = memchr(c3 + 1, ',', (size_t)(le - c3 - 1));
            q = c4 ? c4 + 2 : NULL;
        }
        p = nl ? nl + 1 : end;
    }
    for (int h = 0; h < HOURS; h++)
        for (int k = 0; k < NTYPES; k++)
            experiments_vals_push(out, mean[h][k]);
    bse_result_free(&res);
    return 0;
}

/* An item's values (experiments_item_check_fn): the hours' means of each type. */
static int item_check(void *user, size_t seg, uint64_t seed, const experiments_vals *v, char *why, size_t n)
{
    (void)user, (void)seg, (void)seed;
    return experiments_vals_count(v, HOURS * NTYPES, why, n);
}

static const common_opt OPTS[] = {
    EXPERIMENTS_STD_OPTS,
    EXPERIMENTS_OPT("--blocks", COMMON_OPT_UINT, "N", 0, 10000, 0, "AlphaCoin blocks mined for the useful output (quick 6, paper 100)"),
    EXPERIMENTS_CHECKPOINT_OPT,
};

static const common_cli CLI = {
    .prog = "e2_learning",
    .summary = "E2: do adaptive traders learn within a session; does the chain's useful output improve over blocks?",
    .description = "Writes learning_curve.csv (profit per trader per second by simulated hour and type,\n"
                   "adaptive types beside the fixed-strategy controls) and chain_useful.csv (each mined block's best strategies by height).\n"
                   "Default seeds per market family: quick 0:6, paper 0:200.",
    .opts = OPTS,
    .n_opts = sizeof OPTS / sizeof OPTS[0],
    .footer = EXPERIMENTS_FOOTER,
    .synopsis = "[--blocks N] [--scale quick|paper] [--seeds A:B] [--out DIR] [--threads T]\n"
                "                    [--checkpoint FILE] [--reuse FILE,...]",
};

int main(int argc, char **argv)
{
    gsl_set_error_handler_off();
    static const experiments_prologue P = {.cli = &CLI, .id = "E2", .quick_seeds = 6, .paper_seeds = 200};
    common_args a;
    experiments_run r;
    uint64_t lo[2], hi[2];
    int code;
    if (!experiments_driver_start(&P, &argc, &argv, &a, &r, &lo[0], &hi[0], &code))
        return code;
    lo[1] = lo[0], hi[1] = hi[0]; /* both groups: the same seeds */
    size_t nblocks = a.given[EXPERIMENTS_OPT_OWN] ? (size_t)a.num[EXPERIMENTS_OPT_OWN]
                                                  : r.scale == EXPERIMENTS_PAPER ? 100 : 6;
    experiments_sweep sw;
    common_error err;
    common_error_clear(&err);
    if (!experiments_sweep_gathered(&sw, &code, &r, 2, lo, hi, item, item_check, NULL, "E2 sessions"))
        return code;
    static const char *const LC[] = {"market", "hour", "type", "adaptive", "profit_per_trader_s", "sessions"};
    experiments_table lt;
    experiments_table_init(&lt, LC, sizeof LC / sizeof LC[0]);
    for (int g = 0; g < 2; g++)
        for (int k = 0; k < NTYPES; k++)
            for (int h = 0; h < HOURS; h++) {
                double s = 0, n = 0;
                for (uint64_t sd = lo[g]; sd < hi[g]; sd++) {
                    const experiments_vals *v = &sw.slots[experiments_sweep_index(&sw, (size_t)g, sd)];
                    double now = v->v[h * NTYPES + k], before = h ? v->v[(h - 1) * NTYPES + k] : 0.0;
                    if (now != now || before != before)
                        continue;
                    s += (now - before) / 3600.0;
                    n += 1;
                }
                if (n == 0)
                    continue;
                experiments_table_str(&lt, FAMILY[g]);
                experiments_table_int(&lt, h);
                experiments_table_str(&lt, TNAME[k]);
                experiments_table_int(&lt, k < 3);
                experiments_table_num(&lt, s / n, 6);
                experiments_table_int(&lt, (int64_t)n);
                experiments_table_end(&lt);
            }
    /* over blocks: a fresh AlphaCoin store */
    static const char *const UC[] = {"chain", "height", "session", "side", "type", "pps", "attempt_pps_micro"};
    experiments_table ut;
    experiments_table_init(&ut, UC, sizeof UC / sizeof UC[0]);
    int fail = 0;
    double *hx = malloc((nblocks * 4 + 1) * sizeof *hx), *hy = malloc((nblocks * 4 + 1) * sizeof *hy);
    size_t nh = 0;
    char dir[256] = "/tmp/bse_pouw_e2_XXXXXX";
    const chain_params *p = chain_params_by_name("alpha");
    experiments_chain *s = NULL;
    pouw_key key;
    uint8_t ks[32];
    memset(ks, 0x44, sizeof ks);
    int opened = 0;
    if (!hx || !hy || !mkdtemp(dir) || pouw_key_from_seed(&key, ks) != POUW_OK)
        fail = 1;
    else if (nblocks > 0 && experiments_chain_open(&s, &err, dir, p, r.threads))
        fail = 1;
    else
        opened = nblocks > 0;
    for (size_t b = 1; opened && b <= nblocks && !fail; b++) {
        experiments_progress(&r, "E2: mining AlphaCoin block %zu/%zu", b, nblocks);
        pouw_block blk;
        pouw_block_init(&blk);
        if (experiments_chain_mine(s, &blk, NULL, &err, key.pub, r.threads)) {
            fail = 1;
        } else {
            for (uint32_t i = 0; i < blk.n_useful; i++)
                for (int side = 0; side < 2; side++) {
                    const bse_strategy_record *u = &blk.useful[i][side];
                    if (!u->valid)
                        continue;
                    experiments_table_str(&ut, p->name);
                    experiments_table_int(&ut, (int64_t)blk.header.height);
                    experiments_table_int(&ut, i);
                    experiments_table_str(&ut, side ? "seller" : "buyer");
                    experiments_table_str(&ut, u->type);
                    experiments_table_num(&ut, u->pps, 6);
                    experiments_table_int(&ut, blk.pps_micro);
                    experiments_table_end(&ut);
                    hx[nh] = (double)blk.header.height;
                    hy[nh++] = u->pps;
                }
        }
        pouw_block_clear(&blk);
    }
    common_progress_end(&r.progress);
    if (opened)
        experiments_chain_close(s);
    pouw_key_clear(&key);
    experiments_rmtree(dir);
    /* slope of useful pps on height */
    double slope = NAN;
    if (!fail && nh > 2) {
        double *X = malloc(nh * 2 * sizeof *X), coef[2], r2;
        if (X) {
            for (size_t i = 0; i < nh; i++)
                X[2 * i] = 1.0, X[2 * i + 1] = hx[i];
            if (experiments_ols_fit(coef, &r2, X, hy, nh, 2) == 0)
                slope = coef[1];
            free(X);
        }
    }
    free(hx), free(hy);
    char cfg[700], seeds[96];
    snprintf(cfg, sizeof cfg,
             "{\"hours\": %d, \"measure\": \"mean profit per trader per second within each simulated hour (average-balance lines)\", \"adaptive\": [\"PRSH\", \"PRDE\", \"ZIPSH\"], \"families\": [\"%s\", \"%s\"],"
             " \"chain\": \"alpha\", \"blocks\": %zu, \"useful_pps_slope_per_block\": %.9g}",
             HOURS, FAMILY[0], FAMILY[1], nblocks, slope == slope ? slope : 0.0);
    snprintf(seeds, sizeof seeds, "%llu:%llu per family", (unsigned long long)lo[0], (unsigned long long)hi[0]);
    int rc = 0;
    if (fail) {
        if (!err.msg[0])
            common_error_set(&err, -1, "", "", "mining the AlphaCoin blocks failed");
        rc = experiments_fail(&r, &err);
    } else if (experiments_table_write(&lt, r.out, "learning_curve.csv", &err) ||
               experiments_sidecar_write(&r, r.out, "learning_curve.csv", seeds, cfg, 1, &err) ||
               experiments_table_write(&ut, r.out, "chain_useful.csv", &err) ||
               experiments_sidecar_write(&r, r.out, "chain_useful.csv", seeds, cfg, 1, &err))
        rc = experiments_fail(&r, &err);
    experiments_table_clear(&lt);
    experiments_table_clear(&ut);
    experiments_sweep_clear(&sw);
    experiments_mpi_finalize();
    return rc;
}
