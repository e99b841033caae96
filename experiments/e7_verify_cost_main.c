/* experiments/e7_verify_cost_main.c - E7, verification cost: the time to verify a block
 * against the expected time to mine one, across thresholds.
 * Per chain: a fresh store (the pinned genesis), one block mined with the consensus code
 * (chain_mine_block: attempts and seconds measured), the block verified `repeats` times
 * by the real verifier (chain_verify_block; median). Verification costs one attempt's
 * sessions whatever the threshold; mining costs 1/p attempts. For thresholds of pass rate
 * p = 1/2 ... 1/100 taken from the chain's pinned quantile table (chain_pps_threshold,
 * chain_pps_pass): mine_s = measured seconds per attempt / p, ratio = mine_s / verify_s.
 * Output: verify_cost.csv (timings: not deterministic). */
#include <gsl/gsl_errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "chain/params.h"
#include "common/clock.h"
#include "experiments/driver.h"
#include "experiments/forge.h"
#include "experiments/mpi.h"
#include "pouw/keys.h"
#include "pouw/target.h"

static int cmp_d(const void *x, const void *y)
{
    double a = *(const double *)x, b = *(const double *)y;
    return (a > b) - (a < b);
}

static const common_opt OPTS[] = {
    EXPERIMENTS_STD_OPTS,
    EXPERIMENTS_OPT("--chain", COMMON_OPT_STR, "NAME", 0, 0, 0, "alpha, bravo, charlie or all (quick: alpha, paper: all)"),
    EXPERIMENTS_OPT("--repeats", COMMON_OPT_UINT, "R", 1, 1000, 0, "verifications timed per block (quick 3, paper 11)"),
};

static const common_cli CLI = {
    .prog = "e7_verify_cost",
    .summary = "E7: time to verify a block against the expected time to mine one, across thresholds",
    .description = "Mines one block per chain, times its verification and writes verify_cost.csv.",
    .opts = OPTS,
    .n_opts = sizeof OPTS / sizeof OPTS[0],
    .footer = EXPERIMENTS_FOOTER,
    .synopsis = "[--chain NAME] [--repeats R] [--scale quick|paper] [--out DIR] [--threads T]",
};

int main(int argc, char **argv)
{
    gsl_set_error_handler_off();
    common_args a;
    experiments_run r;
    int rc;
    if (!experiments_single_start(&CLI, "E7", &argc, &argv, &a, &r, &rc))
        return rc;
    const char *which = a.given[EXPERIMENTS_OPT_OWN] ? a.str[EXPERIMENTS_OPT_OWN]
                                                     : r.scale == EXPERIMENTS_PAPER ? "all" : "alpha";
    unsigned R = a.given[EXPERIMENTS_OPT_OWN + 1] ? (unsigned)a.num[EXPERIMENTS_OPT_OWN + 1]
                                                  : r.scale == EXPERIMENTS_PAPER ? 11 : 3;
    const chain_params *chains[CHAIN_COUNT];
    size_t nch = 0;
    for (unsigned i = 0; i < CHAIN_COUNT; i++)
        if (!strcmp(which, "all") || !strcmp(which, chain_params_at(i)->name))
            chains[nch++] = chain_params_at(i);
    if (!nch) {
        rc = common_cli_usage_error(&CLI, -1, "--chain must be alpha, bravo, charlie or all, got %s", which);
        experiments_mpi_finalize();
        return rc;
    }
    static const char *const COLS[] = {"chain", "threshold_micro", "pass_rate", "genesis", "verify_s",
                                       "attempt_s", "mine_s", "ratio", "mined_attempts", "threads"};
    experiments_table t;
    experiments_table_init(&t, COLS, sizeof COLS / sizeof COLS[0]);
    common_error err;
    common_error_clear(&err);
    int fail = 0;
    double *vt = malloc(R * sizeof *vt);
    if (!vt)
        fail = 1;
    for (size_t ci = 0; ci < nch && !fail; ci++) {
        const chain_params *p = chains[ci];
        char dir[256];
        snprintf(dir, sizeof dir, "/tmp/bse_pouw_e7_XXXXXX");
        if (!mkdtemp(dir)) {
            common_error_set(&err, -1, "/tmp", "", "cannot make a temporary folder");
            fail = 1;
            break;
        }
        experiments_chain *s = NULL;
        pouw_key key;
        uint8_t seed[32];
        memset(seed, 0x33, sizeof seed);
        pouw_block b;
        pouw_block_init(&b);
        int open_ok = 0;
        experiments_progress(&r, "E7 %s: mining a block", p->name);
        uint64_t attempts = 0;
        if (pouw_key_from_seed(&key, seed) != POUW_OK || experiments_chain_open(&s, &err, dir, p, r.threads)) {
            fail = 1;
        } else {
            open_ok = 1;
            double t0 = common_clock_mono_s();
            if (experiments_chain_mine(s, &b, &attempts, &err, key.pub, r.threads))
                fail = 1;
            double mine_time = common_clock_mono_s() - t0;
            for (unsigned k = 0; k < R && !fail; k++) {
                experiments_progress(&r, "E7 %s: verification %u/%u", p->name, k + 1, R);
                pouw_reason why;
                double v0 = common_clock_mono_s();
                int v = experiments_chain_verdict(s, &b, p->genesis_time_ms + 86400000ull * 365 * 100, r.threads, &why);
                vt[k] = common_clock_mono_s() - v0;
                if (v != 1) {
                    common_error_set(&err, -1, p->name, "", "the mined block was not accepted (%s)", pouw_reason_name(why));
                    fail = 1;
                }
            }
            if (!fail) {
                qsort(vt, R, sizeof *vt, cmp_d);
                double vs = vt[R / 2], as = mine_time / (double)(attempts ? attempts : 1);
                double D = (double)chain_pps_scale(p);
                static const double PASS[] = {1.0 / 2, 1.0 / 4, 1.0 / 8, 0, 1.0 / 24, 1.0 / 50, 1.0 / 100};
                /* A chain without a PPS table (v2, s11.2: a floor passing ~90% and the
                 * post-hash lottery) has one threshold, its floor; pass_rate is then the
                 * chance that an attempt makes a block: PASS[k] for a post-hash target
                 * retargeted to it, and at genesis the pinned floor pass times the lottery. */
                int notab = p->pps_segments == 0;
                double lot = 1.0;
                uint8_t tg[POUW_TARGET_BYTES];
                if (notab && p->genesis_req.post_bits && pouw_target_from_bits(tg, p->genesis_req.post_bits) == POUW_OK)
                    lot = 1.0 / pouw_target_work_double(tg);
                for (size_t k = 0; k < sizeof PASS / sizeof PASS[0]; k++) {
                    int64_t thr = PASS[k] > 0 ? chain_pps_threshold(p, (uint64_t)(PASS[k] * D))
                                              : p->genesis_req.pps_threshold_micro;
                    double pr = (double)chain_pps_pass(p, thr) / D;
                    if (notab)
                        pr = PASS[k] > 0 ? PASS[k] : (double)p->floor_pass_ppm / 1e6 * lot;
                    experiments_table_str(&t, p->name);
                    experiments_table_int(&t, thr);
                    experiments_table_num(&t, pr, 4);
                    experiments_table_int(&t, PASS[k] == 0);
                    experiments_table_num(&t, vs, 4);
                    experiments_table_num(&t, as, 4);
                    experiments_table_num(&t, as / pr, 3);
                    experiments_table_num(&t, as / pr / vs, 2);
                    experiments_table_int(&t, PASS[k] == 0 ? (int64_t)attempts : 0);
                    experiments_table_int(&t, r.threads);
                    experiments_table_end(&t);
                }
            }
        }
        pouw_block_clear(&b);
        pouw_key_clear(&key);
        if (open_ok)
            experiments_chain_close(s);
        experiments_rmtree(dir);
    }
    common_progress_end(&r.progress);
    free(vt);
    char cfg[900];
    snprintf(cfg, sizeof cfg,
             "{\"chains\": \"%s\", \"repeats\": %u, \"verify\": \"median of chain_verify_block on the mined block\","
             " \"mine_s\": \"measured seconds per attempt / pass rate of the threshold (pinned table); chains without a"
             " table (v2): pass rate = the chance an attempt makes a block (the floor's pinned pass x the post-hash"
             " lottery at genesis; the other rows a post-hash target retargeted to that chance)\"}",
             which, R);
    rc = 0;
    if (fail) {
        if (!err.msg[0])
            common_error_set(&err, -1, "", "", "mining or verification failed");
        rc = experiments_fail(&r, &err);
    } else if (experiments_table_write(&t, r.out, "verify_cost.csv", &err) ||
               experiments_sidecar_write(&r, r.out, "verify_cost.csv", "one mined block per chain", cfg, 0, &err))
        rc = experiments_fail(&r, &err);
    experiments_table_clear(&t);
    experiments_mpi_finalize();
    return rc;
}
