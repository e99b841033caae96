/* pouw/verify.c - block verification in the order of verify.h (spec pouw.md s8).
 * Every rejection names its reason, the field and what was expected; a check that
 * cannot complete (out of memory) is reported as such, never as a verdict. */
#include "pouw/verify.h"

#include <assert.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pouw/assumptions.h"
#include "pouw/header.h"
#include "pouw/target.h"
#include "pouw/work.h"

static const char *const REASON_NAMES[] = {
    "ok",           "format",         "version",         "chain_id",          "unknown_parent",
    "height",       "time_old",       "time_future",     "prehash_bits",      "threshold",
    "mode",         "post_bits",      "sessions",        "job",               "genesis",
    "tx",           "coinbase_count", "coinbase_amount", "coinbase_recipient", "tx_root",
    "ledger",       "pre_hash",       "prehash_target",  "session_failed",    "session_digest",
    "session_pps",  "pps",            "pps_micro",       "post_hash",         "not_valid",
    "useful_output", "tx_signature",   "tx_chain",        "tx_sequence",       "tx_overspend",
    "tx_overflow",  "oversize",       "too_many_txs",    "ledger_root",       "tx_new_account",
    "tx_immature",
};
_Static_assert(sizeof REASON_NAMES / sizeof REASON_NAMES[0] == POUW_R_LAST + 1, "a name for every reason");

const char *pouw_reason_name(pouw_reason r)
{
    return (r >= POUW_R_OK && r <= POUW_R_LAST) ? REASON_NAMES[r] : "unknown";
}

pouw_reason pouw_reason_of_transfer(pouw_status st)
{
    switch (st) {
    case POUW_EBADSIG: return POUW_R_TX_SIGNATURE;
    case POUW_ECHAIN: return POUW_R_TX_CHAIN;
    case POUW_ESEQUENCE: return POUW_R_TX_SEQUENCE;
    case POUW_EFUNDS: return POUW_R_TX_OVERSPEND;
    case POUW_ERANGE: return POUW_R_TX_OVERFLOW;
    case POUW_ETX: return POUW_R_TX;
    case POUW_ENEWACCOUNT: return POUW_R_TX_NEW_ACCOUNT;
    case POUW_EIMMATURE: return POUW_R_TX_IMMATURE;
    default: return POUW_R_OK;
    }
}

pouw_reason_kind pouw_reason_kind_of(pouw_reason r)
{
    switch (r) {
    case POUW_R_OK: return POUW_KIND_OK;
    case POUW_R_FORMAT:
    case POUW_R_OVERSIZE:
    case POUW_R_PREHASH:
    case POUW_R_PPS:
    case POUW_R_PPS_MICRO:
    case POUW_R_SESSION_PPS:
    case POUW_R_USEFUL_OUTPUT:
    case POUW_R_LEDGER: return POUW_KIND_COPY;
    case POUW_R_UNKNOWN_PARENT: return POUW_KIND_ORPHAN;
    case POUW_R_TIME_FUTURE: return POUW_KIND_LATER;
    default: return POUW_KIND_INVALID;
    }
}

uint64_t pouw_median_time(const uint64_t *times, unsigned n)
{
    assert(times && n >= 1 && n <= 11);
    uint64_t t[11];
    memcpy(t, times, n * sizeof *t);
    for (unsigned i = 1; i < n; i++) /* insertion sort: n <= 11 */
        for (unsigned j = i; j > 0 && t[j - 1] > t[j]; j--) {
            uint64_t x = t[j];
            t[j] = t[j - 1];
            t[j - 1] = x;
        }
    return t[n / 2];
}

static pouw_status reject(pouw_reason *reason, common_error *err, pouw_reason r, const char *field, const char *fmt,
                          ...) __attribute__((format(printf, 5, 6)));
static pouw_status reject(pouw_reason *reason, common_error *err, pouw_reason r, const char *field, const char *fmt,
                          ...)
{
    *reason = r;
    if (err) {
        char msg[sizeof err->msg];
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(msg, sizeof msg, fmt, ap);
        va_end(ap);
        char path[sizeof err->path];
        snprintf(path, sizeof path, "%s", err->path); /* keep a file name the caller put there */
        common_error_set(err, POUW_EINVALID, path, field, "%s", msg);
    }
    return POUW_EINVALID;
}

#define REJECT(r, field, ...) return reject(reason, err, (r), (field), __VA_ARGS__)

static int all_zero(const uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (p[i])
            return 0;
    return 1;
}

static void hex8(char out[17], const uint8_t *b) { pouw_hex_encode(out, b, 8); }

static int same_double(double a, double b) { return memcmp(&a, &b, sizeof a) == 0; }

static int same_strategy(const bse_strategy_record *a, const bse_strategy_record *b)
{
    if (a->valid != b->valid)
        return 0;
    return !a->valid || (strcmp(a->tid, b->tid) == 0 && strcmp(a->type, b->type) == 0 && same_double(a->pps, b->pps) &&
                         strcmp(a->csv, b->csv) == 0);
}

/* Steps 2-4: version, chain, parent, height, time. */
static pouw_status check_place(pouw_reason *reason, common_error *err, const pouw_verify_ctx *ctx, const pouw_block *b)
{
    const pouw_header *h = &b->header;
    char a[17];
    if (ctx->genesis) {
        if (!all_zero(h->prev_hash, 32))
            REJECT(POUW_R_GENESIS, "header.prev_hash", "a genesis block has a zero prev_hash");
        if (h->height != 0)
            REJECT(POUW_R_HEIGHT, "header.height", "genesis height must be 0, not %" PRIu64, h->height);
        if (h->time_ms != ctx->genesis->time_ms)
            REJECT(POUW_R_GENESIS, "header.time_ms", "genesis time is %" PRIu64 ", not %" PRIu64,
                   ctx->genesis->time_ms, h->time_ms);
        if (!all_zero(h->miner, 32))
            REJECT(POUW_R_GENESIS, "header.miner", "the genesis miner is the zero key");
        if (b->n_txs != 0)
            REJECT(POUW_R_GENESIS, "transactions", "genesis has no transactions (found %zu)", b->n_txs);
    } else {
        const pouw_parent *p = ctx->parent;
        hex8(a, h->prev_hash);
        if (!p || memcmp(p->id, h->prev_hash, 32) != 0)
            REJECT(POUW_R_UNKNOWN_PARENT, "header.prev_hash", "parent %s... is not known on this chain", a);
        if (h->height != p->height + 1)
            REJECT(POUW_R_HEIGHT, "header.height", "height %" PRIu64 " on a parent at height %" PRIu64
                   " (expected %" PRIu64 ")", h->height, p->height, p->height + 1);
        if (h->time_ms <= p->median_time_ms)
            REJECT(POUW_R_TIME_OLD, "header.time_ms",
                   "time %" PRIu64 " ms is not above the median time of the last blocks (%" PRIu64 " ms)",
                   h->time_ms, p->median_time_ms);
    }
    uint64_t limit = ctx->now_ms > UINT64_MAX - ctx->max_future_ms ? UINT64_MAX : ctx->now_ms + ctx->max_future_ms;
    if (h->time_ms > limit)
        REJECT(POUW_R_TIME_FUTURE, "header.time_ms",
               "time %" PRIu64 " ms is more than %" PRIu64 " ms ahead of the verifier's clock (%" PRIu64 " ms)",
               h->time_ms, ctx->max_future_ms, ctx->now_ms);
    return POUW_OK;
}

/* Stage 2: version, chain, the genesis constants, the proof's shape, limits. */
static pouw_status check_header(pouw_reason *reason, common_error *err, uint32_t chain_id,
                                const pouw_requirements *r, const pouw_limits *lim, const pouw_block *b)
{
    const pouw_header *h = &b->header;
    if (lim->max_block_txs && b->n_txs > lim->max_block_txs)
        REJECT(POUW_R_TOO_MANY_TXS, "transactions", "%zu transactions, the chain allows at most %" PRIu64, b->n_txs,
               lim->max_block_txs);
    if (h->version != POUW_HEADER_VERSION)
        REJECT(POUW_R_VERSION, "header.version", "version %" PRIu32 ", this verifier knows version %u", h->version,
               POUW_HEADER_VERSION);
    if (h->chain_id != chain_id)
        REJECT(POUW_R_CHAIN_ID, "header.chain_id", "block of chain %" PRIu32 ", verified as chain %" PRIu32,
               h->chain_id, chain_id);
    if (h->prehash_bits != r->prehash_bits)
        REJECT(POUW_R_PREHASH_BITS, "header.prehash_bits", "pre-hash target bits 0x%08" PRIx32
               ", the chain demands 0x%08" PRIx32, h->prehash_bits, r->prehash_bits);
    if (h->pps_threshold_micro != r->pps_threshold_micro)
        REJECT(POUW_R_THRESHOLD, "header.pps_threshold_micro", "PPS threshold %" PRId64 ", the chain demands %" PRId64,
               h->pps_threshold_micro, r->pps_threshold_micro);
    if (h->mode != r->mode)
        REJECT(POUW_R_MODE, "header.mode", "mode %" PRIu32 ", the chain demands %" PRIu32, h->mode, r->mode);
    if (h->sessions != r->sessions)
        REJECT(POUW_R_SESSIONS, "header.sessions", "%" PRIu32 " sessions per attempt, the chain demands %" PRIu32,
               h->sessions, r->sessions);
    if (memcmp(h->job_digest, r->job_digest, 32) != 0)
        REJECT(POUW_R_JOB, "header.job_digest", "job digest is not the one the chain demands");
    if (h->sessions == 0 || h->sessions > POUW_MAX_SESSIONS)
        REJECT(POUW_R_FORMAT, "header.sessions", "sessions must be 1..%d", POUW_MAX_SESSIONS);
    if (b->n_sessions != h->sessions)
        REJECT(POUW_R_FORMAT, "proof.sessions", "%" PRIu32 " session proofs, header.sessions is %" PRIu32,
               b->n_sessions, h->sessions);
    if (b->n_useful != h->sessions)
        REJECT(POUW_R_FORMAT, "useful_output", "%" PRIu32 " useful-output entries, header.sessions is %" PRIu32,
               b->n_useful, h->sessions);
    if (h->mode != POUW_MODE_PPS && h->mode != POUW_MODE_LOTTERY)
        REJECT(POUW_R_FORMAT, "header.mode", "unknown mode %" PRIu32, h->mode);
    return POUW_OK;
}

/* Stage 3: the pre-hash recomputed and within the gate. */
static pouw_status check_prehash(pouw_reason *reason, common_error *err, const pouw_block *b)
{
    const pouw_header *h = &b->header;
    uint8_t ph[32], target[32];
    pouw_status st = pouw_prehash(ph, h);
    if (st != POUW_OK)
        return (pouw_status)common_error_set(err, st, "", "pre_hash", "%s", pouw_status_str(st));
    if (memcmp(ph, b->pre_hash, 32) != 0)
        REJECT(POUW_R_PREHASH, "pre_hash", "pre_hash is not SHA-256 of the header");
    if (pouw_target_from_bits(target, h->prehash_bits) != POUW_OK)
        REJECT(POUW_R_PREHASH_BITS, "header.prehash_bits", "pre-hash target bits do not decode");
    if (!pouw_hash_meets_target(ph, target))
        REJECT(POUW_R_PREHASH_TARGET, "pre_hash", "pre_hash is above the pre-hash gate");
    return POUW_OK;
}

/* Stage 6 and the job: post_bits as the retarget rule demands; the committed
 * job. Out: canon (the canonical job when job_digest is non-zero; NULL
 * otherwise, to be freed). */
static pouw_status check_requirements(pouw_reason *reason, common_error *err, const pouw_verify_ctx *ctx,
                                      const pouw_block *b, bse_case **canon)
{
    const pouw_header *h = &b->header;
    const pouw_requirements *r = &ctx->req;
    *canon = NULL;
    if (h->post_bits != r->post_bits)
        REJECT(POUW_R_POST_BITS, "header.post_bits", "post-hash target bits 0x%08" PRIx32
               ", the retarget rule demands 0x%08" PRIx32, h->post_bits, r->post_bits);
    if (all_zero(h->job_digest, 32)) {
        if (b->job)
            REJECT(POUW_R_JOB, "job", "a job is given but job_digest is zero (generated environments)");
        return POUW_OK;
    }
    if (!b->job)
        REJECT(POUW_R_JOB, "job", "job_digest is set but the block carries no job");
    bse_case *c = malloc(sizeof *c);
    if (!c)
        return (pouw_status)common_error_set(err, POUW_ENOMEM, "", "job", "out of memory");
    common_error je;
    pouw_status st = pouw_job_canonicalize(c, &je, b->job);
    uint8_t d[32];
    if (st == POUW_OK)
        st = pouw_job_digest(d, &je, c);
    if (st == POUW_ENOMEM || st == POUW_ECRYPTO) {
        free(c);
        return (pouw_status)common_error_set(err, st, "", "job", "%s", pouw_status_str(st));
    }
    if (st != POUW_OK) {
        free(c);
        REJECT(POUW_R_JOB, "job", "the job is not a valid market: %s: %s", je.field, je.msg);
    }
    if (memcmp(d, h->job_digest, 32) != 0) {
        free(c);
        REJECT(POUW_R_JOB, "job", "the job does not hash to job_digest");
    }
    *canon = c;
    return POUW_OK;
}

/* Rejects transaction i, transfer t, which the ledger rule refused with ts. The
 * ledger l is the one t was applied to, own the sender's immature earnings of
 * this block (only for the message). */
static pouw_status reject_transfer(pouw_reason *reason, common_error *err, const pouw_verify_ctx *ctx,
                                   const pouw_ledger *l, size_t i, const pouw_tx *t, pouw_status ts, int64_t own)
{
    char f[64], a[17], x[POUW_AMOUNT_TEXT_MAX], y[POUW_AMOUNT_TEXT_MAX], z[POUW_AMOUNT_TEXT_MAX];
    hex8(a, t->from);
    switch (ts) {
    case POUW_ENEWACCOUNT:
        snprintf(f, sizeof f, "transactions[%zu].amount", i);
        REJECT(POUW_R_TX_NEW_ACCOUNT, f, "a transfer creating an account carries at least %s coins (min_new_account), "
               "this one %s", pouw_amount_format(x, ctx->min_new_account), pouw_amount_format(y, t->amount));
    case POUW_EIMMATURE: {
        const pouw_ledger *im = ctx->parent ? ctx->parent->immature : NULL;
        int64_t locked = (im ? pouw_ledger_balance(im, t->from) : 0) + own;
        int64_t sp = pouw_ledger_balance(l, t->from) - locked;
        snprintf(f, sizeof f, "transactions[%zu].amount", i);
        REJECT(POUW_R_TX_IMMATURE, f, "amount %s + fee %s spends immature coins: sender %s... may spend %s of its "
               "balance now (coinbase maturity %" PRIu32 " blocks)", pouw_amount_format(x, t->amount),
               pouw_amount_format(y, t->fee), a, pouw_amount_format(z, sp > 0 ? sp : 0), ctx->maturity);
    }
    case POUW_EBADSIG:
        snprintf(f, sizeof f, "transactions[%zu].signature", i);
        REJECT(POUW_R_TX_SIGNATURE, f, "the signature is not %s...'s over this transfer", a);
    case POUW_ECHAIN:
        snprintf(f, sizeof f, "transactions[%zu].chain_id", i);
        REJECT(POUW_R_TX_CHAIN, f, "a transfer signed for chain %" PRIu32 " in a block of chain %" PRIu32,
               t->chain_id, ctx->chain_id);
    case POUW_ESEQUENCE:
        snprintf(f, sizeof f, "transactions[%zu].sequence", i);
        REJECT(POUW_R_TX_SEQUENCE, f, "sequence %" PRIu64 ", the next of sender %s... is %" PRIu64, t->sequence, a,
               pouw_ledger_sequence(l, t->from));
    case POUW_EFUNDS:
        snprintf(f, sizeof f, "transactions[%zu].amount", i);
        REJECT(POUW_R_TX_OVERSPEND, f, "amount %s + fee %s exceeds the balance %s of sender %s...",
               pouw_amount_format(x, t->amount), pouw_amount_format(y, t->fee),
               pouw_amount_format(z, pouw_ledger_balance(l, t->from)), a);
    case POUW_ERANGE:
        snprintf(f, sizeof f, "transactions[%zu].%s", i,
                 t->fee > POUW_AMOUNT_MAX && t->amount <= POUW_AMOUNT_MAX ? "fee" : "amount");
        REJECT(POUW_R_TX_OVERFLOW, f, "amount %" PRId64 " and fee %" PRId64
               " units would take a sum or a balance beyond %" PRId64, t->amount, t->fee, POUW_AMOUNT_MAX);
    default:
        snprintf(f, sizeof f, "transactions[%zu].%s", i, t->amount < 1 ? "amount" : "fee");
        REJECT(POUW_R_TX, f, "a transfer moves at least 1 unit and pays a fee of at least 0 (amount %" PRId64
               ", fee %" PRId64 " units)", t->amount, t->fee);
    }
}

/* Steps 6-8: transactions, tx_root, ledger. */
static pouw_status check_payload(pouw_reason *reason, common_error *err, const pouw_verify_ctx *ctx, const pouw_block *b)
{
    const pouw_header *h = &b->header;
    char f[64];
    if (!ctx->genesis) {
        if (b->n_txs == 0)
            REJECT(POUW_R_COINBASE_COUNT, "transactions", "no coinbase: the first transaction must be the coinbase");
        for (size_t i = 0; i < b->n_txs; i++) {
            snprintf(f, sizeof f, "transactions[%zu].type", i);
            if (i == 0 && b->txs[i].type != POUW_TX_COINBASE)
                REJECT(POUW_R_COINBASE_COUNT, f, "the first transaction must be the coinbase");
            if (i > 0 && b->txs[i].type == POUW_TX_COINBASE)
                REJECT(POUW_R_TX, f, "only the first transaction may be a coinbase");
        }
        const pouw_tx *cb = &b->txs[0];
        if (cb->amount != ctx->reward)
            REJECT(POUW_R_COINBASE_AMOUNT, "transactions[0].amount",
                   "coinbase pays %" PRId64 " units, the chain's reward is %" PRId64 " units", cb->amount,
                   ctx->reward);
        if (memcmp(cb->to, h->miner, 32) != 0) {
            char a[17], m[17];
            hex8(a, cb->to);
            hex8(m, h->miner);
            REJECT(POUW_R_COINBASE_RECIPIENT, "transactions[0].to",
                   "coinbase pays %s..., the header's miner is %s...", a, m);
        }
        if (cb->height != h->height)
            REJECT(POUW_R_TX, "transactions[0].height", "coinbase height %" PRIu64 " in a block at height %" PRIu64,
                   cb->height, h->height);
    }
    uint8_t root[32];
    int mutated = 0;
    pouw_status st = pouw_tx_root(root, &mutated, b->txs, b->n_txs);
    if (st == POUW_ERANGE)
        REJECT(POUW_R_TX, "transactions", "a transaction cannot be encoded");
    if (st != POUW_OK)
        return (pouw_status)common_error_set(err, st, "", "transactions", "tx_root: %s", pouw_status_str(st));
    if (mutated)
        REJECT(POUW_R_TX, "transactions", "duplicated transactions (Merkle duplicated-tail shape)");
    if (memcmp(root, h->tx_root, 32) != 0)
        REJECT(POUW_R_TX_ROOT, "header.tx_root", "tx_root does not match the transactions");

    pouw_ledger want = {0};
    if (!ctx->genesis && (st = pouw_ledger_copy(&want, ctx->parent->ledger)) != POUW_OK)
        return (pouw_status)common_error_set(err, st, "", "ledger", "out of memory");
    size_t bad = 0;
    pouw_ledger_rules rules = {ctx->min_new_account, ctx->parent ? ctx->parent->immature : NULL, ctx->maturity >= 1};
    st = pouw_ledger_apply_block(&want, &bad, ctx->chain_id, h->miner, &rules, b->txs, b->n_txs);
    if (st == POUW_ENOMEM || st == POUW_ECRYPTO) {
        pouw_ledger_clear(&want);
        return (pouw_status)common_error_set(err, st, "", "ledger", "%s", pouw_status_str(st));
    }
    if (st != POUW_OK) {
        const pouw_tx *t = bad < b->n_txs ? &b->txs[bad] : NULL;
        if (!t || t->type != POUW_TX_TRANSFER) {
            pouw_ledger_clear(&want);
            if (st == POUW_ETX) { /* step 6 lets no such list through; kept for direct callers */
                snprintf(f, sizeof f, "transactions[%zu].type", bad);
                REJECT(POUW_R_TX, f, "exactly one coinbase, first, then transfers");
            }
            REJECT(POUW_R_LEDGER, "transactions", "a balance would leave its range");
        }
        int64_t own = 0; /* the miner's immature earnings of this block before t */
        if (st == POUW_EIMMATURE && ctx->maturity >= 1 && memcmp(t->from, h->miner, 32) == 0) {
            own = b->txs[0].amount;
            for (size_t k = 1; k < bad; k++) /* applied transfers: each fee in range; saturating sum */
                own = b->txs[k].fee > POUW_AMOUNT_MAX - own ? POUW_AMOUNT_MAX : own + b->txs[k].fee;
        }
        st = reject_transfer(reason, err, ctx, &want, bad, t, st, own); /* want: the ledger t was applied to */
        pouw_ledger_clear(&want);
        return st;
    }
    uint8_t lroot[32];
    if ((st = pouw_ledger_root(lroot, &want)) != POUW_OK) {
        pouw_ledger_clear(&want);
        return (pouw_status)common_error_set(err, st, "", "ledger", "ledger_root: %s", pouw_status_str(st));
    }
    if (memcmp(lroot, h->ledger_root, 32) != 0) {
        pouw_ledger_clear(&want);
        REJECT(POUW_R_LEDGER_ROOT, "header.ledger_root",
               "ledger_root is not the root of the parent's ledger with the transactions applied");
    }
    if (!pouw_ledger_equal(&want, &b->ledger)) {
        size_t i = 0;
        while (i < want.n && i < b->ledger.n && memcmp(want.e[i].account, b->ledger.e[i].account, 32) == 0 &&
               want.e[i].balance == b->ledger.e[i].balance && want.e[i].sequence == b->ledger.e[i].sequence)
            i++;
        char a[17] = "";
        int64_t have = 0, exp = 0;
        uint64_t have_seq = 0, exp_seq = 0;
        if (i < b->ledger.n) {
            hex8(a, b->ledger.e[i].account);
            have = b->ledger.e[i].balance;
            have_seq = b->ledger.e[i].sequence;
            exp = pouw_ledger_balance(&want, b->ledger.e[i].account);
            exp_seq = pouw_ledger_sequence(&want, b->ledger.e[i].account);
        } else if (i < want.n) {
            hex8(a, want.e[i].account);
            exp = want.e[i].balance;
            exp_seq = want.e[i].sequence;
        }
        size_t nw = want.n;
        pouw_ledger_clear(&want);
        snprintf(f, sizeof f, "ledger[%zu]", i);
        REJECT(POUW_R_LEDGER, f,
               "ledger after the block differs from the parent's with the transactions applied: account %s... has "
               "%" PRId64 " units (next sequence %" PRIu64 "), expected %" PRId64 " (%" PRIu64
               ") (%zu accounts, expected %zu)",
               a, have, have_seq, exp, exp_seq, b->ledger.n, nw);
    }
    pouw_ledger_clear(&want);
    return POUW_OK;
}

/* Steps 9-14: pre-hash, sessions, score, validity, useful output, genesis id. */
static pouw_status check_work(pouw_reason *reason, common_error *err, const pouw_verify_ctx *ctx, const pouw_block *b,
                              const bse_case *canon)
{
    const pouw_header *h = &b->header;
    pouw_status st;
    if (ctx->skip_sessions) {
        if (ctx->genesis && ctx->genesis->has_id && memcmp(b->post_hash, ctx->genesis->id, 32) != 0)
            REJECT(POUW_R_GENESIS, "post_hash", "not this chain's genesis");
        return POUW_OK;
    }
    pouw_attempt *a = malloc(sizeof *a);
    if (!a)
        return (pouw_status)common_error_set(err, POUW_ENOMEM, "", "", "out of memory");
    pouw_work w = {ctx->tmpl, canon};
    common_error e;
    st = pouw_attempt_run(a, &e, &w, b->pre_hash, h->sessions, ctx->threads);
    char f[64];
    if (st == POUW_ESESSION || st == POUW_ECONFIG || st == POUW_ERANGE) {
        free(a);
        REJECT(POUW_R_SESSION_FAILED, e.field, "the session cannot be run: %s", e.msg);
    }
    if (st != POUW_OK) {
        free(a);
        return (pouw_status)common_error_set(err, st, "", e.field, "re-running the sessions: %s", e.msg);
    }
    pouw_status r = POUW_OK;
    for (uint32_t i = 0; i < h->sessions && r == POUW_OK; i++) {
        if (memcmp(a->s[i].digest, b->proof[i].digest, 32) != 0) {
            snprintf(f, sizeof f, "proof.sessions[%u].d", (unsigned)i);
            r = reject(reason, err, POUW_R_SESSION_DIGEST, f,
                       "session %u re-run from its seed gives another record digest d_%u", (unsigned)i, (unsigned)i);
        } else if (!same_double(a->s[i].pps, b->proof[i].pps)) {
            snprintf(f, sizeof f, "proof.sessions[%u].pps", (unsigned)i);
            r = reject(reason, err, POUW_R_SESSION_PPS, f, "session %u re-run gives pps_%u = %.17g, the block says %.17g",
                       (unsigned)i, (unsigned)i, a->s[i].pps, b->proof[i].pps);
        }
    }
    if (r != POUW_OK) {
        free(a);
        return POUW_EINVALID;
    }
    int valid = 0;
    if (!same_double(a->pps, b->pps))
        r = reject(reason, err, POUW_R_PPS, "proof.pps", "pps is %.17g (mean of the sessions), the block says %.17g",
                   a->pps, b->pps);
    else if (a->pps_micro != b->pps_micro)
        r = reject(reason, err, POUW_R_PPS_MICRO, "proof.pps_micro",
                   "pps_micro is %" PRId64 " (floor(pps x 1e6)), the block says %" PRId64, a->pps_micro, b->pps_micro);
    else if (memcmp(a->post_hash, b->post_hash, 32) != 0)
        r = reject(reason, err, POUW_R_POST_HASH, "post_hash", "post_hash does not recompute");
    else if ((st = pouw_attempt_valid(&valid, h, a->pps_micro, a->post_hash)) != POUW_OK)
        r = reject(reason, err, POUW_R_POST_BITS, "header.post_bits", "post-hash target bits do not decode");
    else if (!valid)
        r = a->pps_micro < h->pps_threshold_micro
                ? reject(reason, err, POUW_R_NOT_VALID, "proof.pps_micro",
                         "pps_micro %" PRId64 " is below the floor %" PRId64, a->pps_micro,
                         h->pps_threshold_micro)
                : reject(reason, err, POUW_R_NOT_VALID, "post_hash", "post_hash is above the post-hash target");
    for (uint32_t i = 0; i < h->sessions && r == POUW_OK; i++)
        for (int side = 0; side < 2 && r == POUW_OK; side++)
            if (!same_strategy(&a->s[i].best[side], &b->useful[i][side])) {
                snprintf(f, sizeof f, "useful_output[%u].%s", (unsigned)i, side ? "seller" : "buyer");
                r = reject(reason, err, POUW_R_USEFUL_OUTPUT, f,
                           "the re-run session's best %s strategy is %s %s pps %.17g \"%s\"",
                           side ? "sell-side" : "buy-side", a->s[i].best[side].valid ? a->s[i].best[side].tid : "(none)",
                           a->s[i].best[side].type, a->s[i].best[side].pps, a->s[i].best[side].csv);
            }
    free(a);
    if (r != POUW_OK)
        return POUW_EINVALID;
    if (ctx->genesis && ctx->genesis->has_id && memcmp(b->post_hash, ctx->genesis->id, 32) != 0)
        REJECT(POUW_R_GENESIS, "post_hash", "a valid block, but not this chain's genesis");
    return POUW_OK;
}

static void keep_path_clear(common_error *err)
{
    if (err) {
        char path[sizeof err->path];
        snprintf(path, sizeof path, "%s", err->path);
        common_error_clear(err);
        snprintf(err->path, sizeof err->path, "%s", path);
    }
}

pouw_status pouw_block_precheck(pouw_block *b, pouw_reason *reason, common_error *err, const pouw_precheck_ctx *ctx,
                                const char *json, size_t len)
{
    assert(b && reason && ctx && (json || len == 0));
    pouw_block_clear(b);
    *reason = POUW_R_OK;
    keep_path_clear(err);
    /* stage 1: the size before any parsing */
    if (len > POUW_BLOCK_MAX_BYTES)
        REJECT(POUW_R_OVERSIZE, "", "document of %zu bytes, larger than any block (%zu)", len,
               (size_t)POUW_BLOCK_MAX_BYTES);
    size_t body = pouw_block_body_bytes(json, len);
    if (ctx->limits.max_block_bytes && body > ctx->limits.max_block_bytes)
        REJECT(POUW_R_OVERSIZE, "", "%zu bytes before the ledger, the chain allows at most %" PRIu64, body,
               ctx->limits.max_block_bytes);
    char path[sizeof err->path] = "";
    if (err)
        snprintf(path, sizeof path, "%s", err->path);
    pouw_status st = pouw_block_parse(b, err, path, json, len);
    if (st == POUW_ENOMEM)
        return st;
    if (st != POUW_OK) {
        *reason = POUW_R_FORMAT;
        if (err)
            err->code = POUW_EINVALID;
        return POUW_EINVALID;
    }
    /* stages 2-3 */
    if ((st = check_header(reason, err, ctx->chain_id, &ctx->req, &ctx->limits, b)) != POUW_OK)
        return st;
    st = check_prehash(reason, err, b);
    if (st != POUW_OK && st != POUW_EINVALID)
        *reason = POUW_R_OK;
    return st;
}

pouw_status pouw_verify_block(pouw_reason *reason, common_error *err, const pouw_verify_ctx *ctx, const pouw_block *b)
{
    assert(reason && ctx && b);
    *reason = POUW_R_OK;
    keep_path_clear(err);
    pouw_status st = check_header(reason, err, ctx->chain_id, &ctx->req, &ctx->limits, b);
    if (st == POUW_OK)
        st = check_prehash(reason, err, b);
    if (st == POUW_OK)
        st = check_place(reason, err, ctx, b);
    if (st != POUW_OK) {
        if (st != POUW_EINVALID)
            *reason = POUW_R_OK;
        return st;
    }
    bse_case *canon = NULL;
    if ((st = check_requirements(reason, err, ctx, b, &canon)) != POUW_OK)
        return st;
    if ((st = check_payload(reason, err, ctx, b)) == POUW_OK)
        st = check_work(reason, err, ctx, b, canon);
    free(canon);
    if (st != POUW_OK && st != POUW_EINVALID)
        *reason = POUW_R_OK;
    return st;
}
