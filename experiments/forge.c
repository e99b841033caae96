/* experiments/forge.c - the E5/E6 test bed: honest chains in a temp folder, attacker tools. */
#define _XOPEN_SOURCE 700
#include "experiments/forge.h"

#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "chain/miner.h"
#include "chain/validate.h"
#include "chain/store.h"
#include "pouw/header.h"
#include "pouw/seed.h"
#include "pouw/tx.h"

static int rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st, (void)flag, (void)ftw;
    return remove(path);
}

void experiments_rmtree(const char *dir)
{
    if (dir && dir[0])
        nftw(dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

struct experiments_chain {
    chain_store *s;
};

int experiments_chain_open(experiments_chain **out, common_error *err, const char *dir, const chain_params *p,
                           unsigned threads)
{
    *out = calloc(1, sizeof **out);
    if (!*out)
        return common_error_set(err, -1, dir, "", "out of memory"), -1;
    (void)threads;
    if (chain_open_v1(&(*out)->s, err, dir, p, 1, NULL) != CHAIN_OK) {
        free(*out);
        *out = NULL;
        return -1;
    }
    return 0;
}

void experiments_chain_close(experiments_chain *c)
{
    if (!c)
        return;
    chain_store_close(c->s);
    free(c);
}

int experiments_chain_mine(experiments_chain *c, pouw_block *b, uint64_t *attempts, common_error *err,
                           const uint8_t miner32[32], unsigned threads)
{
    chain_mine_opts mo;
    memset(&mo, 0, sizeof mo);
    mo.threads = threads;
    mo.max_attempts = 100000;
    mo.no_transfers = 1;
    pouw_mine_stats st;
    memset(&st, 0, sizeof st);
    int rc = chain_mine_block(b, &st, err, c->s, miner32, &mo) == CHAIN_OK ? 0 : -1;
    if (attempts)
        *attempts = st.attempts;
    return rc;
}

int experiments_chain_load(experiments_chain *c, pouw_block *b, uint64_t h, common_error *err)
{
    return chain_store_load(b, err, c->s, h) == CHAIN_OK ? 0 : -1;
}

int experiments_chain_verdict(experiments_chain *c, const pouw_block *b, uint64_t now_ms, unsigned threads,
                              pouw_reason *reason)
{
    common_error e;
    *reason = POUW_R_OK;
    chain_status cs = chain_verify_block(reason, &e, c->s, b, now_ms, threads);
    return cs == CHAIN_OK ? 1 : cs == CHAIN_EINVALID ? 0 : -1;
}

int experiments_testbed_open(experiments_testbed *tb, size_t n, unsigned threads, common_error *err)
{
    memset(tb, 0, sizeof *tb);
    tb->threads = threads ? threads : 1;
    for (size_t k = 0; k < EXPERIMENTS_TB_CHAINS; k++)
        for (size_t h = 0; h <= EXPERIMENTS_TB_MAX_BLOCKS; h++)
            pouw_block_init(&tb->blk[k][h]);
    if (n > EXPERIMENTS_TB_MAX_BLOCKS)
        return common_error_set(err, -1, "", "blocks", "at most %d", EXPERIMENTS_TB_MAX_BLOCKS), -1;
    snprintf(tb->dir, sizeof tb->dir, "/tmp/bse_pouw_forge_XXXXXX");
    if (!mkdtemp(tb->dir)) {
        tb->dir[0] = '\0';
        return common_error_set(err, -1, "/tmp", "", "cannot make a temporary folder"), -1;
    }
    uint8_t s1[32], s2[32];
    memset(s1, 0x11, sizeof s1);
    memset(s2, 0x22, sizeof s2);
    if (pouw_key_from_seed(&tb->key, s1) != POUW_OK || pouw_key_from_seed(&tb->other, s2) != POUW_OK)
        return common_error_set(err, -1, "", "key", "cannot make keys"), -1;
    tb->p[0] = chain_testnet_by_name("alpha");
    tb->p[1] = chain_testnet_by_name("bravo");
    tb->n = n;
    tb->now_ms = tb->p[0]->genesis_time_ms + 86400000ull;
    for (size_t k = 0; k < EXPERIMENTS_TB_CHAINS; k++) {
        if (experiments_chain_open(&tb->chain[k], err, tb->dir, tb->p[k], tb->threads) ||
            experiments_chain_load(tb->chain[k], &tb->blk[k][0], 0, err))
            return -1;
        for (size_t h = 1; h <= n; h++)
            if (experiments_chain_mine(tb->chain[k], &tb->blk[k][h], NULL, err, tb->key.pub, tb->threads))
                return -1;
    }
    return 0;
}

void experiments_testbed_close(experiments_testbed *tb)
{
    for (size_t k = 0; k < EXPERIMENTS_TB_CHAINS; k++) {
        experiments_chain_close(tb->chain[k]);
        tb->chain[k] = NULL;
        for (size_t h = 0; h <= EXPERIMENTS_TB_MAX_BLOCKS; h++)
            pouw_block_clear(&tb->blk[k][h]);
    }
    pouw_key_clear(&tb->key);
    pouw_key_clear(&tb->other);
    if (tb->dir[0])
        nftw(tb->dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
    tb->dir[0] = '\0';
}

int experiments_testbed_verdict(experiments_testbed *tb, size_t k, const pouw_block *b, pouw_reason *reason)
{
    return experiments_chain_verdict(tb->chain[k], b, tb->now_ms, tb->threads, reason);
}

int experiments_regrind(pouw_block *b)
{
    uint64_t nonce;
    return pouw_prehash_search(&nonce, b->pre_hash, &b->header, 0, (uint64_t)1 << 40) == POUW_OK
               ? (b->header.nonce = nonce, 0)
               : -1;
}

int experiments_rescore(pouw_block *b)
{
    if (b->n_sessions == 0 || b->n_sessions > POUW_MAX_SESSIONS)
        return -1;
    double s = 0.0;
    uint8_t d[POUW_MAX_SESSIONS * 32];
    for (uint32_t i = 0; i < b->n_sessions; i++) {
        s += b->proof[i].pps;
        memcpy(d + 32 * i, b->proof[i].digest, 32);
    }
    b->pps = s / (double)b->n_sessions;
    uint8_t outcome[32];
    if (pouw_pps_micro(&b->pps_micro, b->pps) != POUW_OK ||
        pouw_outcome_digest(outcome, d, b->n_sessions) != POUW_OK ||
        pouw_post_hash(b->post_hash, b->pre_hash, outcome, b->pps_micro) != POUW_OK)
        return -1;
    return 0;
}

int experiments_relink(experiments_testbed *tb, size_t k, pouw_block *b)
{
    int mutated = 0;
    if (pouw_tx_root(b->header.tx_root, &mutated, b->txs, b->n_txs) != POUW_OK)
        return -1;
    uint64_t h = b->header.height;
    if (h == 0 || h > tb->n + 1)
        return -1;
    pouw_ledger l = {0};
    if (pouw_ledger_copy(&l, &tb->blk[k][h - 1].ledger) != POUW_OK)
        return -1;
    if (pouw_ledger_apply(&l, b->txs, b->n_txs) != POUW_OK) {
        pouw_ledger_clear(&l);
        return -1;
    }
    pouw_ledger_clear(&b->ledger);
    b->ledger = l;
    return 0;
}

experiments_testbed *experiments_testbed_start(experiments_run *r, size_t n, common_error *err)
{
    experiments_testbed *tb = malloc(sizeof *tb);
    if (!tb) {
        common_error_set(err, -1, "", "", "out of memory");
        return NULL;
    }
    experiments_progress(r, "%s: mining %zu blocks on two test chains", r->id, n);
    if (experiments_testbed_open(tb, n, r->threads, err)) {
        experiments_testbed_free(tb);
        return NULL;
    }
    return tb;
}

void experiments_testbed_free(experiments_testbed *tb)
{
    if (!tb)
        return;
    experiments_testbed_close(tb);
    free(tb);
}

void experiments_testbed_describe(const experiments_testbed *tb, size_t n, char *cfg, size_t ncfg, char *seeds,
                                  size_t nseeds)
{
    snprintf(cfg, ncfg,
             "{\"chains\": [\"test-alpha\", \"test-bravo\"], \"blocks_per_chain\": %zu, \"verifier\": "
             "\"chain_verify_block (pouw_verify_block)\", \"clock_ms\": %llu}",
             n, (unsigned long long)tb->now_ms);
    snprintf(seeds, nseeds, "blocks 1:%zu of each chain", n + 1);
}
