/* experiments/e6_lazy_main.c - E6, the lazy miner: is a block with fabricated, shortened or
 * swapped sessions ever accepted?
 * For every honest block of the two test chains (experiments/forge.h), the lazy miner
 * takes the same header with a new nonce (a fresh attempt it did not do honestly: the
 * pre-hash re-ground from nonce header.nonce + 1) and forges its proof:
 *   fabricated_digests  random-looking d_i, the honest block's pps_i (a passing score)
 *   inflated_pps        the sessions really run, every pps_i raised to pass
 *   shortened_sessions  the sessions run for half the template's duration
 *   swapped_seeds       the proof of another attempt (the honest block's own sessions)
 *   fewer_sessions      header and proof with one session less
 *   seed_32bit          sessions seeded with only the low 32 bits of s_i (BSE Consensus)
 *   skipped_work        all-zero digests and a passing score
 *   forged_useful       honest sessions of a passing attempt, a forged useful output
 * each re-scored consistently (pps, pps_micro, post_hash) and judged by the real verifier.
 * Output: lazy_miner.csv (deterministic; goal: accepted 0 for every forgery). */
#include <gsl/gsl_errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "experiments/driver.h"
#include "experiments/forge.h"
#include "experiments/mpi.h"
#include "pouw/header.h"
#include "pouw/seed.h"
#include "pouw/sha256.h"
#include "pouw/work.h"

enum { F_DIGEST, F_PPS, F_SHORT, F_SWAP, F_FEWER, F_SEED32, F_SKIP, F_USEFUL, F_COUNT };
static const char *const FNAME[] = {"fabricated_digests", "inflated_pps", "shortened_sessions", "swapped_seeds",
                                    "fewer_sessions",     "seed_32bit",   "skipped_work",       "forged_useful"};

/* Runs b's sessions for its (new) pre-hash with template tm, seeds optionally cut to
 * their low 32 bits; writes d_i, pps_i and the useful output into b. */
static int run_sessions(pouw_block *b, const pouw_template *tm, int seed32)
{
    for (uint32_t i = 0; i < b->n_sessions; i++) {
        uint8_t s[32];
        if (pouw_session_seed(s, b->pre_hash, i) != POUW_OK)
            return -1;
        if (seed32)
            memset(s, 0, 28);
        bse_case c;
        pouw_session_out o;
        if (pouw_env_generate(&c, NULL, NULL, tm, s, i) != POUW_OK || pouw_session_eval(&o, NULL, &c, s) != POUW_OK)
            return -1;
        memcpy(b->proof[i].digest, o.digest, 32);
        b->proof[i].pps = o.pps;
        b->useful[i][0] = o.best[0];
        b->useful[i][1] = o.best[1];
    }
    return 0;
}

/* Builds forgery f from honest block hb of chain p into b. Returns 0 or -1. */
static int forge(pouw_block *b, const pouw_block *hb, const chain_params *p, int f)
{
    if (pouw_block_copy(b, hb) != POUW_OK)
        return -1;
    double need = (double)p->genesis_req.pps_threshold_micro / 1e6 + 1.0;
    if (f == F_FEWER) {
        b->header.sessions--;
        b->n_sessions--;
        b->n_useful--;
    }
    uint64_t start = hb->header.nonce + 1, nonce;
    if (pouw_prehash_search(&nonce, b->pre_hash, &b->header, start, (uint64_t)1 << 40) != POUW_OK)
        return -1;
    b->header.nonce = nonce;
    pouw_template tm = p->tmpl;
    switch (f) {
    case F_DIGEST:
        for (uint32_t i = 0; i < b->n_sessions; i++) {
            uint8_t msg[36];
            memcpy(msg, b->pre_hash, 32);
            msg[32] = (uint8_t)i, msg[33] = msg[34] = msg[35] = 0;
            if (pouw_sha256(b->proof[i].digest, msg, sizeof msg) != POUW_OK)
                return -1;
            b->proof[i].pps = need;
        }
        break;
    case F_PPS:
    case F_USEFUL:
        if (run_sessions(b, &tm, 0))
            return -1;
        for (uint32_t i = 0; f == F_PPS && i < b->n_sessions; i++) /* always a lie, and a passing one */
            b->proof[i].pps = (b->proof[i].pps < need ? need : b->proof[i].pps) + 0.5;
        if (f == F_USEFUL) {
            /* an attempt that really passes: try the next nonces until one does */
            for (int tries = 0; tries < 256; tries++) {
                double s = 0;
                for (uint32_t i = 0; i < b->n_sessions; i++)
                    s += b->proof[i].pps;
                if (s / b->n_sessions * 1e6 >= (double)p->genesis_req.pps_threshold_micro + 1.0)
                    break;
                if (pouw_prehash_search(&nonce, b->pre_hash, &b->header, b->header.nonce + 1, (uint64_t)1 << 40) !=
                        POUW_OK ||
                    run_sessions(b, &tm, 0))
                    return -1;
                b->header.nonce = nonce;
            } /* keep the honest scores; only the useful record is forged */
            for (uint32_t i = 0; i < b->n_useful; i++)
                if (b->useful[i][0].valid)
                    b->useful[i][0].pps += 1.0;
        }
        break;
    case F_SHORT:
        tm.duration = p->tmpl.duration / 2;
        if (run_sessions(b, &tm, 0))
            return -1;
        break;
    case F_SWAP:
    case F_FEWER:
        break; /* the honest block's own sessions */
    case F_SEED32:
        if (run_sessions(b, &tm, 1))
            return -1;
        break;
    case F_SKIP:
        for (uint32_t i = 0; i < b->n_sessions; i++) {
            memset(b->proof[i].digest, 0, 32);
            b->proof[i].pps = need;
        }
        break;
    }
    return experiments_rescore(b);
}

static const common_opt OPTS[] = {
    EXPERIMENTS_STD_OPTS,
    EXPERIMENTS_OPT("--blocks", COMMON_OPT_UINT, "N", 2, 256, 0, "blocks mined per chain (quick 4, paper 64)"),
};

static const common_cli CLI = {
    .prog = "e6_lazy",
    .summary = "E6: is a block with fabricated, shortened or swapped sessions ever accepted?",
    .description = "Mines honest blocks on two test chains, forges lazy proofs for fresh attempts on\n"
                   "the same headers and writes lazy_miner.csv: per forgery the blocks tried and\n"
                   "accepted by the real verifier (goal 0).",
    .opts = OPTS,
    .n_opts = sizeof OPTS / sizeof OPTS[0],
    .footer = EXPERIMENTS_FOOTER,
    .synopsis = "[--blocks N] [--scale quick|paper] [--out DIR] [--threads T]",
};

int main(int argc, char **argv)
{
    gsl_set_error_handler_off();
    common_args a;
    experiments_run r;
    int rc;
    if (!experiments_single_start(&CLI, "E6", &argc, &argv, &a, &r, &rc))
        return rc;
    size_t nb = a.given[EXPERIMENTS_OPT_OWN] ? (size_t)a.num[EXPERIMENTS_OPT_OWN]
                                             : r.scale == EXPERIMENTS_PAPER ? 64 : 4;
    common_error err;
    common_error_clear(&err);
    experiments_testbed *tb = experiments_testbed_start(&r, nb, &err);
    if (!tb) {
        experiments_mpi_finalize();
        return experiments_fail(&r, &err);
    }
    int tried[F_COUNT] = {0}, acc[F_COUNT] = {0}, errs[F_COUNT] = {0};
    char reasons[F_COUNT][256];
    memset(reasons, 0, sizeof reasons);
    int fail = 0;
    for (size_t k = 0; k < EXPERIMENTS_TB_CHAINS && !fail; k++)
        for (size_t h = 1; h <= nb && !fail; h++)
            for (int f = 0; f < F_COUNT && !fail; f++) {
                pouw_block b;
                pouw_block_init(&b);
                if (forge(&b, &tb->blk[k][h], tb->p[k], f)) {
                    fail = 1;
                    pouw_block_clear(&b);
                    break;
                }
                pouw_reason why;
                int v = experiments_testbed_verdict(tb, k, &b, &why);
                tried[f]++;
                acc[f] += v == 1;
                errs[f] += v < 0;
                const char *n = v == 1 ? "accepted" : v < 0 ? "error" : pouw_reason_name(why);
                if (!strstr(reasons[f], n)) {
                    size_t l = strlen(reasons[f]);
                    snprintf(reasons[f] + l, sizeof reasons[f] - l, "%s%s", l ? ";" : "", n);
                }
                pouw_block_clear(&b);
                experiments_progress(&r, "E6: chain %zu block %zu forgery %s", k, h, FNAME[f]);
            }
    common_progress_end(&r.progress);
    static const char *const COLS[] = {"forgery", "tried", "accepted", "errors", "reasons"};
    experiments_table out;
    experiments_table_init(&out, COLS, sizeof COLS / sizeof COLS[0]);
    for (int f = 0; f < F_COUNT; f++) {
        experiments_table_str(&out, FNAME[f]);
        experiments_table_int(&out, tried[f]);
        experiments_table_int(&out, acc[f]);
        experiments_table_int(&out, errs[f]);
        experiments_table_str(&out, reasons[f]);
        experiments_table_end(&out);
    }
    char cfg[400], seeds[64];
    experiments_testbed_describe(tb, nb, cfg, sizeof cfg, seeds, sizeof seeds);
    experiments_testbed_free(tb);
    rc = 0;
    if (fail) {
        common_error_set(&err, -1, "", "", "a forgery could not be built");
        rc = experiments_fail(&r, &err);
    } else if (experiments_table_write(&out, r.out, "lazy_miner.csv", &err) ||
               experiments_sidecar_write(&r, r.out, "lazy_miner.csv", seeds, cfg, 1, &err))
        rc = experiments_fail(&r, &err);
    experiments_table_clear(&out);
    experiments_mpi_finalize();
    return rc;
}
