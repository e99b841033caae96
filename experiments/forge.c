/* experiments/forge.c - the E5/E6 test bed: honest chains in a temp folder, attacker tools. */
#define _XOPEN_SOURCE 700
#include "experiments/forge.h"

#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "chain/node.h"
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
        if (chain_open_v1(&tb->store[k], err, tb->dir, tb->p[k], 1, NULL) != CHAIN_OK)
            return -1;
        tb->open[k] = 1;
        if (chain_store_load(&tb->blk[k][0], err, tb->store[k], 0) != CHAIN_OK)
            return -1;
        for (size_t h = 1; h <= n; h++) {
            chain_mine_opts mo;
            memset(&mo, 0, sizeof mo);
            mo.threads = tb->threads;
            mo.max_attempts = 100000;
            mo.no_transfers = 1;
            pouw_mine_stats st;
            if (chain_mine_block(&tb->blk[k][h], &st, err, tb->store[k], tb->key.pub, &mo) != CHAIN_OK)
                return -1;
        }
    }
    return 0;
}

void experiments_testbed_close(experiments_testbed *tb)
{
    for (size_t k = 0; k < EXPERIMENTS_TB_CHAINS; k++) {
        if (tb->open[k])
            chain_store_close(tb->store[k]);
        tb->open[k] = 0;
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
    common_error e;
    *reason = POUW_R_OK;
    chain_status cs = chain_verify_block(reason, &e, tb->store[k], b, tb->now_ms, tb->threads);
    if (cs == CHAIN_OK)
        return 1;
    if (cs == CHAIN_EINVALID)
        return 0;
    return -1;
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
