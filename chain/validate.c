/* chain/validate.c - genesis and verification on a store (see validate.h). The pouw module does the consensus work; this file only gathers
 * what it needs from the store and the chain parameters. */
#include "chain/validate.h"

#include <assert.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "pouw/sha256.h"
#include "pouw/tx.h"

chain_status chain_status_of_pouw(pouw_status st)
{
    switch (st) {
    case POUW_OK: return CHAIN_OK;
    case POUW_ENOMEM: return CHAIN_ENOMEM;
    case POUW_EIO: return CHAIN_EIO;
    case POUW_EINVALID: return CHAIN_EINVALID;
    case POUW_ENOTFOUND: return CHAIN_ESTOPPED;
    default: return CHAIN_EWORK;
    }
}

/* STYLE rule 12: after each block built or accepted, coins exist only through
 * coinbases and no balance is negative (CHAIN_CHECK builds). */
void chain_check_block_ledger(const chain_params *p, const pouw_block *b)
{
#ifdef CHAIN_CHECK
    for (size_t i = 0; i < b->ledger.n; i++)
        assert(b->ledger.e[i].balance >= 0);
    assert(pouw_ledger_total(&b->ledger) == chain_coins_at(p, b->header.height)); /* both saturate */
#else
    (void)p;
    (void)b;
#endif
}

static int all_zero(const uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (p[i])
            return 0;
    return 1;
}

pouw_header chain_header_template(const chain_params *p, const pouw_requirements *r, uint64_t height)
{
    pouw_header h;
    memset(&h, 0, sizeof h);
    h.version = POUW_HEADER_VERSION;
    h.chain_id = p->chain_id;
    h.height = height;
    h.prehash_bits = r->prehash_bits;
    h.pps_threshold_micro = r->pps_threshold_micro;
    h.mode = r->mode;
    h.post_bits = r->post_bits;
    h.sessions = r->sessions;
    memcpy(h.job_digest, r->job_digest, 32);
    return h;
}

chain_status chain_genesis_build(pouw_block *b, uint64_t *attempts, common_error *err, const chain_params *p,
                                 unsigned threads)
{
    assert(b && p);
    pouw_block_clear(b);
    if (attempts)
        *attempts = 0;
    chain_status cs = chain_params_check(p, err);
    if (cs != CHAIN_OK)
        return cs;
    pouw_requirements req;
    if ((cs = chain_required_targets(&req, err, p, NULL, 0)) != CHAIN_OK)
        return cs;
    pouw_mine_params mp;
    memset(&mp, 0, sizeof mp);
    mp.header = chain_header_template(p, &req, 0); /* prev, tx_root, miner: zero */
    mp.work = chain_params_work(p);
    mp.min_time_ms = p->genesis_time_ms;
    mp.start_nonce = p->genesis_nonce;
    mp.threads = threads;
    pouw_header h;
    pouw_mine_stats stats;
    pouw_attempt *a = malloc(sizeof *a);
    if (!a) {
        common_error_set(err, CHAIN_ENOMEM, p->name, "genesis", "out of memory");
        return CHAIN_ENOMEM;
    }
    pouw_status st = pouw_mine(&h, a, &stats, err, &mp);
    if (attempts)
        *attempts = stats.attempts;
    if (st == POUW_OK) {
        pouw_ledger empty = {0};
        st = pouw_block_build(b, &h, a, NULL, 0, &empty, p->job);
    }
    free(a);
    if (st != POUW_OK) {
        cs = chain_status_of_pouw(st);
        if (err)
            err->code = cs;
        return cs;
    }
    if (p->genesis_pinned && memcmp(b->post_hash, p->genesis_id, 32) != 0) {
        char got[POUW_SHA256_HEX], want[POUW_SHA256_HEX];
        pouw_hex_encode(got, b->post_hash, 32);
        pouw_hex_encode(want, p->genesis_id, 32);
        pouw_block_clear(b);
        common_error_set(err, CHAIN_EPARAMS, p->name, "genesis_id",
                      "built genesis %s, pinned %s: the engine or the chain parameters changed", got, want);
        return CHAIN_EPARAMS;
    }
    return CHAIN_OK;
}

chain_status chain_status_of_reason(pouw_reason r)
{
    switch (pouw_reason_kind_of(r)) {
    case POUW_KIND_OK: return CHAIN_OK;
    case POUW_KIND_INVALID: return CHAIN_EINVALID;
    case POUW_KIND_ORPHAN: return CHAIN_EORPHAN;
    default: return CHAIN_EMALFORMED; /* a wrong copy, or a time ahead of the clock: not now */
    }
}

chain_status chain_precheck_block(void *user, pouw_block *b, pouw_reason *reason, common_error *err,
                                  const chain_params *p, const char *doc, size_t len)
{
    (void)user;
    assert(b && reason && p && (doc || len == 0));
    pouw_precheck_ctx pc;
    memset(&pc, 0, sizeof pc);
    pc.chain_id = p->chain_id;
    pc.req = p->genesis_req;
    pc.limits = p->limits;
    pouw_status st = pouw_block_precheck(b, reason, err, &pc, doc, len);
    if (st == POUW_OK)
        return CHAIN_OK;
    chain_status cs = st == POUW_EINVALID ? chain_status_of_reason(*reason) : chain_status_of_pouw(st);
    if (err)
        err->code = cs;
    return cs;
}

chain_status chain_verify_context(pouw_verify_ctx *ctx, pouw_parent *parent, pouw_ledger *parent_ledger,
                                  pouw_ledger *immature, pouw_genesis_rule *genesis, common_error *err, chain_store *s,
                                  const pouw_block *b, uint64_t now_ms, unsigned threads)
{
    assert(ctx && parent && parent_ledger && immature && genesis && s && b);
    const chain_params *p = chain_store_params(s);
    memset(ctx, 0, sizeof *ctx);
    memset(parent, 0, sizeof *parent);
    memset(genesis, 0, sizeof *genesis);
    pouw_ledger_clear(parent_ledger);
    pouw_ledger_clear(immature);
    common_error_clear(err);
    ctx->chain_id = p->chain_id;
    ctx->tmpl = p->tmpl;
    ctx->reward = p->reward;
    ctx->min_new_account = p->min_new_account;
    ctx->maturity = p->maturity;
    ctx->now_ms = now_ms;
    ctx->max_future_ms = p->max_future_ms;
    ctx->limits = p->limits;
    ctx->threads = threads;
    if (all_zero(b->header.prev_hash, 32)) {
        genesis->time_ms = p->genesis_time_ms;
        genesis->has_id = p->genesis_pinned;
        memcpy(genesis->id, p->genesis_id, 32);
        ctx->genesis = genesis;
        return chain_required_targets_after(&ctx->req, err, p, s, NULL);
    }
    chain_block_meta pm;
    chain_status cs = chain_store_meta(&pm, err, s, b->header.prev_hash);
    if (cs == CHAIN_EUNKNOWN || (cs == CHAIN_OK && pm.verdict != CHAIN_VERDICT_VALID)) {
        /* unknown parent: rejected for that before the requirements matter */
        common_error_clear(err);
        ctx->req = p->genesis_req;
        return CHAIN_OK;
    }
    if (cs == CHAIN_OK)
        cs = chain_store_ledger(parent_ledger, err, s, b->header.prev_hash);
    if (cs == CHAIN_OK)
        cs = chain_store_immature(immature, err, s, b->header.prev_hash); /* s11.10, on b's branch */
    if (cs == CHAIN_OK) {
        chain_block_meta anc[CHAIN_MEDIAN_SPAN];
        size_t got = 0;
        cs = chain_store_ancestors(anc, &got, err, s, b->header.prev_hash, CHAIN_MEDIAN_SPAN);
        uint64_t times[CHAIN_MEDIAN_SPAN];
        for (size_t i = 0; i < got; i++)
            times[i] = anc[i].time_ms;
        parent->median_time_ms = pouw_median_time(times, (unsigned)got);
    }
    if (cs == CHAIN_OK)
        cs = chain_required_targets_after(&ctx->req, err, p, s, b->header.prev_hash);
    if (cs != CHAIN_OK) {
        pouw_ledger_clear(parent_ledger);
        pouw_ledger_clear(immature);
        return cs;
    }
    memcpy(parent->id, b->header.prev_hash, 32);
    parent->height = pm.height;
    parent->ledger = parent_ledger;
    parent->immature = immature;
    ctx->parent = parent;
    return CHAIN_OK;
}

chain_status chain_verify_block(pouw_reason *reason, common_error *err, chain_store *s, const pouw_block *b,
                                uint64_t now_ms, unsigned threads)
{
    assert(reason && s && b);
    *reason = POUW_R_OK;
    common_error_clear(err);
    pouw_verify_ctx ctx;
    pouw_parent parent;
    pouw_ledger pl = {0}, im = {0};
    pouw_genesis_rule g;
    chain_status cs = chain_verify_context(&ctx, &parent, &pl, &im, &g, err, s, b, now_ms, threads);
    if (cs != CHAIN_OK)
        return cs;
    pouw_status st = pouw_verify_block(reason, err, &ctx, b);
    pouw_ledger_clear(&pl);
    pouw_ledger_clear(&im);
    cs = chain_status_of_pouw(st);
    if (cs != CHAIN_OK && err)
        err->code = cs;
#ifdef CHAIN_CHECK
    if (cs == CHAIN_OK)
        chain_check_block_ledger(chain_store_params(s), b);
#endif
    return cs;
}

chain_status chain_v1_verify(void *user, pouw_reason *reason, common_error *err, chain_store *s, const pouw_block *b)
{
    const chain_v1_verifier *v = user;
    uint64_t now = v && v->clock_ms ? v->clock_ms(v->clock_user) : UINT64_MAX;
    chain_status cs = chain_verify_block(reason, err, s, b, now, v && v->threads ? v->threads : 1);
    /* s11.7: only a failure of committed data is permanent (INVALID); an unknown
     * parent is an orphan; a wrong copy or a time ahead of the clock (time_future)
     * is copy-only: nothing is recorded against the id. */
    if (cs == CHAIN_EINVALID) {
        cs = chain_status_of_reason(*reason);
        if (cs == CHAIN_OK)
            cs = CHAIN_EINVALID; /* a rejection without a reason stays a rejection */
        if (err)
            err->code = cs;
    }
    return cs;
}

chain_status chain_v1_genesis(void *user, pouw_block *b, common_error *err, const chain_params *p)
{
    const chain_v1_verifier *v = user;
    return chain_genesis_build(b, NULL, err, p, v && v->threads ? v->threads : 1);
}

void chain_v1_store_opts(chain_store_opts *o, chain_v1_verifier *v)
{
    o->precheck = chain_precheck_block; /* stages 1-3 of s11.7 */
    o->precheck_user = NULL;
    o->verify = chain_v1_verify;
    o->verify_user = v;
    o->genesis = chain_v1_genesis;
    o->genesis_user = v;
}

/* Wraps the caller's progress callback with the stale-tip check. */
chain_status chain_open_v1(chain_store **s, common_error *err, const char *datadir, const chain_params *p, int create,
                           chain_v1_verifier *v)
{
    chain_store_opts o;
    memset(&o, 0, sizeof o);
    o.create = create;
    chain_v1_store_opts(&o, v);
    return chain_store_open(s, err, datadir, p, &o);
}
