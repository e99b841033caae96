/* chain/miner.c - mining the next block on a store (see miner.h). */
#include "chain/miner.h"

#include <assert.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "chain/validate.h"
#include "pouw/sha256.h"
#include "pouw/tx.h"

typedef struct mine_watch {
    const chain_mine_opts *opts;
    chain_store *s;
    int stale;
} mine_watch;

static int mine_progress(void *user, const pouw_mine_stats *st)
{
    mine_watch *w = user;
    if (w->opts->progress && w->opts->progress(w->opts->progress_user, st))
        return 1;
    if (w->opts->stop_on_change && chain_store_changed(w->s)) {
        w->stale = 1;
        return 1;
    }
    return 0;
}

/* The block's transactions: the coinbase, then the mempool's choice for the tip
 * (none when the mempool cannot be read: a block is still a block). Out: *txs
 * (malloc'd), *n. */
static chain_status block_txs(pouw_tx **txs, size_t *n, common_error *err, chain_store *s, const uint8_t miner32[32],
                              uint64_t height, const pouw_ledger *tip_ledger, const pouw_ledger_rules *rules,
                              const chain_mine_opts *opts)
{
    *txs = NULL;
    *n = 0;
    pouw_tx *sel = NULL;
    size_t ns = 0;
    if (!opts->no_transfers) {
        common_error me;
        size_t max = opts->max_transfers ? opts->max_transfers : CHAIN_MINE_TRANSFERS;
        if (max > POUW_BLOCK_MAX_TXS - 1)
            max = POUW_BLOCK_MAX_TXS - 1;
        const chain_params *cp = chain_store_params(s);
        if (cp->limits.max_block_txs && max > cp->limits.max_block_txs - 1)
            max = (size_t)cp->limits.max_block_txs - 1; /* s11.9: the coinbase counts too */
        chain_status ms = chain_store_tx_select(&sel, &ns, &me, s, tip_ledger, rules, max);
        if (ms == CHAIN_ENOMEM) {
            if (err)
                *err = me;
            return ms;
        }
        if (ms != CHAIN_OK)
            ns = 0;
    }
    pouw_tx *all = malloc((ns + 1) * sizeof *all);
    if (!all) {
        free(sel);
        common_error_set(err, CHAIN_ENOMEM, chain_store_path(s), "", "out of memory");
        return CHAIN_ENOMEM;
    }
    all[0] = pouw_tx_coinbase(miner32, chain_store_params(s)->reward, height);
    if (ns)
        memcpy(all + 1, sel, ns * sizeof *sel);
    free(sel);
    *txs = all;
    *n = ns + 1;
    return CHAIN_OK;
}

void chain_mine_job_clear(chain_mine_job *j)
{
    if (!j)
        return;
    free(j->txs);
    pouw_ledger_clear(&j->ledger);
    memset(j, 0, sizeof *j);
}

chain_status chain_mine_template(chain_mine_job *j, common_error *err, chain_store *s, const uint8_t miner32[32],
                                 const chain_mine_opts *opts)
{
    assert(j && s && miner32 && opts);
    memset(j, 0, sizeof *j);
    common_error_clear(err);
    const chain_params *p = chain_store_params(s);
    pouw_block parent;
    pouw_block_init(&parent);
    pouw_ledger immature = {0};
    pouw_ledger_rules rules;
    memset(&rules, 0, sizeof rules);
    chain_status cs = chain_store_refresh(s, err, NULL);
    uint64_t tip = cs == CHAIN_OK ? chain_store_tip_height(s) : 0, height = tip + 1;
    uint8_t tip_id[32];
    chain_store_tip_id(tip_id, s);
    if (cs == CHAIN_OK)
        cs = chain_store_block(&parent, err, s, tip_id);
    uint64_t mtp = 0;
    if (cs == CHAIN_OK) {
        chain_block_meta anc[CHAIN_MEDIAN_SPAN];
        size_t got = 0;
        cs = chain_store_ancestors(anc, &got, err, s, tip_id, CHAIN_MEDIAN_SPAN);
        uint64_t times[CHAIN_MEDIAN_SPAN];
        for (size_t i = 0; i < got; i++)
            times[i] = anc[i].time_ms;
        mtp = pouw_median_time(times, (unsigned)got);
    }
    pouw_requirements req;
    if (cs == CHAIN_OK)
        cs = chain_required_targets(&req, err, p, s, height);
    if (cs == CHAIN_OK)
        cs = chain_store_rules(&rules, &immature, err, s, tip_id); /* s11.8, s11.10 at height tip + 1 */
    if (cs == CHAIN_OK)
        cs = block_txs(&j->txs, &j->n_txs, err, s, miner32, height, &parent.ledger, &rules, opts);
    if (cs != CHAIN_OK)
        goto out;
    memcpy(j->tip, tip_id, 32);
    j->height = height;
    pouw_mine_params *mp = &j->mp;
    mp->header = chain_header_template(p, &req, height);
    memcpy(mp->header.prev_hash, tip_id, 32);
    memcpy(mp->header.miner, miner32, 32);
    /* the verifier's own rule (pouw_ledger_apply_block with the chain's rules):
     * a block a verifier would reject for its transactions is never mined */
    pouw_status st = pouw_ledger_copy(&j->ledger, &parent.ledger);
    if (st == POUW_OK &&
        (st = pouw_ledger_apply_block(&j->ledger, NULL, p->chain_id, miner32, &rules, j->txs, j->n_txs)) != POUW_OK &&
        st != POUW_ENOMEM && j->n_txs > 1) {
        /* the mempool's choice does not apply after all: mine the coinbase alone */
        j->n_txs = 1;
        pouw_ledger_clear(&j->ledger);
        if ((st = pouw_ledger_copy(&j->ledger, &parent.ledger)) == POUW_OK)
            st = pouw_ledger_apply_block(&j->ledger, NULL, p->chain_id, miner32, &rules, j->txs, j->n_txs);
    }
    if (st == POUW_OK)
        st = pouw_tx_root(mp->header.tx_root, NULL, j->txs, j->n_txs);
    if (st == POUW_OK)
        st = pouw_ledger_root(mp->header.ledger_root, &j->ledger);
    if (st != POUW_OK) {
        cs = chain_status_of_pouw(st);
        common_error_set(err, cs, chain_store_path(s), "ledger", "cannot build the block: %s", pouw_status_str(st));
        goto out;
    }
    mp->work = chain_params_work(p);
    mp->min_time_ms = mtp + 1;
out:
    if (cs != CHAIN_OK)
        chain_mine_job_clear(j);
    pouw_ledger_clear(&immature);
    pouw_block_clear(&parent);
    return cs;
}

chain_status chain_mine_solve(pouw_block *b, pouw_mine_stats *stats, common_error *err, chain_store *s,
                              const chain_mine_job *j, const chain_mine_opts *opts)
{
    assert(b && s && j && opts);
    pouw_block_clear(b);
    if (stats)
        memset(stats, 0, sizeof *stats);
    common_error_clear(err);
    const chain_params *p = chain_store_params(s);
    mine_watch watch = {opts, s, 0};
    pouw_mine_params mp = j->mp;
    mp.start_nonce = opts->start_nonce;
    mp.max_attempts = opts->max_attempts;
    mp.threads = opts->threads;
    mp.clock_ms = opts->clock_ms;
    mp.clock_user = opts->clock_user;
    mp.progress = mine_progress;
    mp.progress_user = &watch;
    pouw_attempt *a = malloc(sizeof *a);
    if (!a) {
        common_error_set(err, CHAIN_ENOMEM, chain_store_path(s), "", "out of memory");
        return CHAIN_ENOMEM;
    }
    pouw_header h;
    pouw_mine_stats ms;
    pouw_status st = pouw_mine(&h, a, &ms, err, &mp);
    if (stats)
        *stats = ms;
    if (st == POUW_OK)
        st = pouw_block_build(b, &h, a, j->txs, j->n_txs, &j->ledger, p->job);
    free(a);
    if (st != POUW_OK) {
        pouw_block_clear(b);
        chain_status cs = watch.stale && st == POUW_ENOTFOUND ? CHAIN_ESTALE : chain_status_of_pouw(st);
        if (err)
            err->code = cs;
        if (cs == CHAIN_ESTALE)
            common_error_set(err, cs, chain_store_path(s), "", "another writer changed the chain: mine on the new tip");
        return cs;
    }
#ifdef CHAIN_CHECK
    chain_check_block_ledger(p, b);
#endif
    return CHAIN_OK;
}

chain_status chain_mine_submit(chain_store *s, chain_store_add_result *added, common_error *err, const pouw_block *b)
{
    assert(s && b);
    /* s11.13: the miner's own block is checked by every rule (its time against the
     * verifier's clock, its targets, its transactions, its sessions) before it is
     * stored: a block a verifier would reject is never stored. */
    chain_store_add_result r0;
    if (!added)
        added = &r0;
    pouw_reason r;
    chain_status cs = chain_store_add(s, added, &r, err, b);
    if (cs == CHAIN_OK && added->verdict != CHAIN_VERDICT_VALID)
        cs = CHAIN_EINVALID;
    return cs;
}

chain_status chain_mine_block(pouw_block *b, pouw_mine_stats *stats, common_error *err, chain_store *s,
                              const uint8_t miner32[32], const chain_mine_opts *opts)
{
    assert(b && s && miner32 && opts);
    pouw_block_clear(b);
    if (stats)
        memset(stats, 0, sizeof *stats);
    if (opts->added)
        memset(opts->added, 0, sizeof *opts->added);
    chain_mine_job j;
    chain_status cs = chain_mine_template(&j, err, s, miner32, opts);
    if (cs == CHAIN_OK)
        cs = chain_mine_solve(b, stats, err, s, &j, opts);
    if (cs == CHAIN_OK)
        cs = chain_mine_submit(s, opts->added, err, b);
    if (cs != CHAIN_OK)
        pouw_block_clear(b);
    chain_mine_job_clear(&j);
    return cs;
}
