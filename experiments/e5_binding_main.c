/* experiments/e5_binding_main.c - E5, binding: can a valid proof be reused on another
 * parent, chain, miner, height, time or transaction set?
 * Honest blocks of two test chains (experiments/forge.h) are moved into each context and
 * judged by the real verifier (chain_verify_block -> pouw_verify_block). Every mutation
 * is tried twice: "kept" keeps the stored pre-hash (the proof's own), "reground" searches
 * a new nonce so the edited header meets the pre-hash gate again and keeps the proof
 * (the attacker's best: only the useful work is reused). An unmodified control must be
 * accepted. Output: binding.csv (deterministic; goal: accepted 0 for every mutation). */
#include <gsl/gsl_errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "experiments/driver.h"
#include "experiments/forge.h"
#include "experiments/mpi.h"
#include "pouw/tx.h"

enum { M_NONE, M_PARENT, M_CHAIN, M_MINER, M_HEIGHT, M_TIME, M_TXS, M_COUNT };
static const char *const MNAME[] = {"none (control)", "other_parent", "other_chain", "other_miner",
                                    "other_height", "other_time", "other_transactions"};

typedef struct tally {
    int tried, accepted, errors;
    char reasons[256];
} tally;

static void note(tally *t, int verdict, pouw_reason r)
{
    t->tried++;
    if (verdict == 1)
        t->accepted++;
    else if (verdict < 0)
        t->errors++;
    const char *n = verdict == 1 ? "accepted" : verdict < 0 ? "error" : pouw_reason_name(r);
    if (!strstr(t->reasons, n)) {
        size_t l = strlen(t->reasons);
        snprintf(t->reasons + l, sizeof t->reasons - l, "%s%s", l ? ";" : "", n);
    }
}

/* Mutates copy b of block h of chain k for mutation m; *vk: the chain it is judged on.
 * Returns 0, 1 (not applicable at this height), -1 failure. */
static int mutate(experiments_testbed *tb, pouw_block *b, size_t k, size_t h, int m, size_t *vk)
{
    *vk = k;
    switch (m) {
    case M_NONE:
        return 0;
    case M_PARENT: /* onto the block two below, one height lower */
        if (h < 2)
            return 1;
        memcpy(b->header.prev_hash, tb->blk[k][h - 2].post_hash, 32);
        b->header.height = h - 1;
        b->txs[0].height = h - 1;
        return experiments_relink(tb, k, b);
    case M_CHAIN: /* onto the other chain's block h-1 */
        *vk = 1 - k;
        b->header.chain_id = tb->p[1 - k]->chain_id;
        memcpy(b->header.prev_hash, tb->blk[1 - k][h - 1].post_hash, 32);
        return experiments_relink(tb, 1 - k, b);
    case M_MINER:
        memcpy(b->header.miner, tb->other.pub, 32);
        memcpy(b->txs[0].to, tb->other.pub, 32);
        return experiments_relink(tb, k, b);
    case M_HEIGHT:
        b->header.height = h + 1;
        b->txs[0].height = h + 1;
        return 0;
    case M_TIME:
        b->header.time_ms += 1000;
        return 0;
    case M_TXS: { /* add a valid signed transfer from the miner's earlier rewards */
        if (h < 2)
            return 1;
        pouw_tx *nt = realloc(b->txs, (b->n_txs + 1) * sizeof *nt);
        if (!nt)
            return -1;
        b->txs = nt;
        uint64_t seq = pouw_ledger_sequence(&tb->blk[k][h - 1].ledger, tb->key.pub);
        b->txs[b->n_txs] = pouw_tx_transfer(tb->p[k]->chain_id, tb->key.pub, tb->other.pub, 5, seq, 1);
        if (pouw_tx_sign(&tb->key, &b->txs[b->n_txs]) != POUW_OK)
            return -1;
        b->n_txs++;
        return experiments_relink(tb, k, b);
    }
    }
    return -1;
}

static const common_opt OPTS[] = {
    EXPERIMENTS_STD_OPTS,
    EXPERIMENTS_OPT("--blocks", COMMON_OPT_UINT, "N", 2, 256, 0, "blocks mined per chain (quick 4, paper 64)"),
};

static const common_cli CLI = {
    .prog = "e5_binding",
    .summary = "E5: can a valid proof be reused on another parent, chain, miner, height, time or transactions?",
    .description = "Mines honest blocks on two test chains, moves each into other contexts and writes\n"
                   "binding.csv: per mutation the blocks tried and accepted by the real verifier (goal 0).\n"
                   "--seeds is accepted for the common contract (the mined blocks are fixed).",
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
    if (!experiments_single_start(&CLI, "E5", &argc, &argv, &a, &r, &rc))
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
    tally t[M_COUNT][2];
    memset(t, 0, sizeof t);
    int fail = 0;
    for (size_t k = 0; k < EXPERIMENTS_TB_CHAINS && !fail; k++)
        for (size_t h = 1; h <= nb && !fail; h++)
            for (int m = 0; m < M_COUNT && !fail; m++)
                for (int v = 0; v < (m == M_NONE ? 1 : 2); v++) {
                    pouw_block b;
                    pouw_block_init(&b);
                    size_t vk;
                    if (pouw_block_copy(&b, &tb->blk[k][h]) != POUW_OK) {
                        fail = 1;
                        break;
                    }
                    int mr = mutate(tb, &b, k, h, m, &vk);
                    if (mr == 0 && v == 1 && experiments_regrind(&b))
                        mr = -1;
                    if (mr == 0 && v == 1 && experiments_rescore(&b))
                        mr = -1;
                    if (mr < 0)
                        fail = 1;
                    if (mr == 0) {
                        pouw_reason why;
                        int verdict = experiments_testbed_verdict(tb, vk, &b, &why);
                        note(&t[m][v], verdict, why);
                    }
                    pouw_block_clear(&b);
                    experiments_progress(&r, "E5: chain %zu block %zu mutation %s", k, h, MNAME[m]);
                }
    common_progress_end(&r.progress);
    static const char *const COLS[] = {"mutation", "variant", "tried", "accepted", "errors", "reasons"};
    experiments_table out;
    experiments_table_init(&out, COLS, sizeof COLS / sizeof COLS[0]);
    for (int m = 0; m < M_COUNT; m++)
        for (int v = 0; v < (m == M_NONE ? 1 : 2); v++) {
            experiments_table_str(&out, MNAME[m]);
            experiments_table_str(&out, m == M_NONE ? "as mined" : v ? "reground" : "kept");
            experiments_table_int(&out, t[m][v].tried);
            experiments_table_int(&out, t[m][v].accepted);
            experiments_table_int(&out, t[m][v].errors);
            experiments_table_str(&out, t[m][v].reasons);
            experiments_table_end(&out);
        }
    char cfg[400], seeds[64];
    experiments_testbed_describe(tb, nb, cfg, sizeof cfg, seeds, sizeof seeds);
    experiments_testbed_free(tb);
    rc = 0;
    if (fail) {
        common_error_set(&err, -1, "", "", "a mutation could not be built");
        rc = experiments_fail(&r, &err);
    } else if (experiments_table_write(&out, r.out, "binding.csv", &err) ||
               experiments_sidecar_write(&r, r.out, "binding.csv", seeds, cfg, 1, &err))
        rc = experiments_fail(&r, &err);
    experiments_table_clear(&out);
    experiments_mpi_finalize();
    return rc;
}
