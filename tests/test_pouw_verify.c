/* tests/test_pouw_verify.c - verification of blocks (pouw/verify.h through
 * chain/validate.h on the tiny test chain of tests/pouw_testkit.h).
 *
 * Must-show 2: a mined block verifies, and every single-field mutation of it - each
 * header field, the nonce, pre_hash, post_hash, each pps_i and d_i, pps,
 * pps_micro, the coinbase, the ledger, the useful output - is rejected with its
 * own reason after a trip through the JSON document.
 * Must-show 3: a block fails on another tip and on another chain; blocks whose
 * sessions ran shorter or with another seed fail; so do a stolen block, an
 * attempt below the threshold and a pre-hash above its target. */
#include <criterion/criterion.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "chain/validate.h"
#include "chain/params.h"
#include "chain/store.h"
#include "pouw/block.h"
#include "pouw/env.h"
#include "pouw/seed.h"
#include "pouw/target.h"
#include "pouw/tx.h"
#include "pouw/verify.h"
#include "pouw/work.h"
#include "tests/pouw_testkit.h"

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

/* A chain of genesis + 2 blocks mined by key A, in a fresh folder. */
typedef struct fixture {
    char dir[256];
    chain_params p;
    chain_store *s;
    pouw_key a, b;
    pouw_block b1, b2;
} fixture;

static void fixture_open(fixture *f, const chain_params *p)
{
    memset(f, 0, sizeof *f);
    tk_tmpdir(f->dir);
    f->p = *p;
    tk_open(&f->s, f->dir, &f->p);
    tk_key(&f->a, 0xa1);
    tk_key(&f->b, 0xb2);
    pouw_block_init(&f->b1);
    pouw_block_init(&f->b2);
    tk_mine(f->s, &f->b1, f->a.pub);
    tk_mine(f->s, &f->b2, f->a.pub);
}

static void fixture_close(fixture *f)
{
    pouw_block_clear(&f->b1);
    pouw_block_clear(&f->b2);
    pouw_key_clear(&f->a);
    pouw_key_clear(&f->b);
    chain_store_close(f->s);
    tk_rmrf(f->dir);
}

/* Writes b as JSON and parses it back: what a verifier reading a file sees. */
static void through_json(pouw_block *out, const pouw_block *b)
{
    char *js;
    size_t len;
    cr_assert_eq(pouw_block_to_json(&js, &len, b), POUW_OK);
    common_error err;
    pouw_block_init(out);
    cr_assert_eq(pouw_block_parse(out, &err, "m.json", js, len), POUW_OK, "%s: %s", err.field, err.msg);
    free(js);
}

Test(pouw_verify, mined_blocks_and_genesis_verify)
{
    chain_params p = tk_params();
    fixture f;
    fixture_open(&f, &p);
    cr_assert_eq(chain_store_tip_height(f.s), 2);
    pouw_block g, rt;
    pouw_block_init(&g);
    common_error err;
    cr_assert_eq(chain_store_load(&g, &err, f.s, 0), CHAIN_OK);
    cr_assert_eq(tk_verify(f.s, &g, &err), POUW_R_OK, "genesis: %s", err.msg);
    cr_assert_eq(g.n_txs, 0);
    cr_assert_eq(g.ledger.n, 0);
    cr_assert_eq(tk_verify(f.s, &f.b1, &err), POUW_R_OK, "%s: %s", err.field, err.msg);
    cr_assert_eq(tk_verify(f.s, &f.b2, &err), POUW_R_OK, "%s: %s", err.field, err.msg);
    through_json(&rt, &f.b2);
    cr_assert_eq(tk_verify(f.s, &rt, &err), POUW_R_OK);
    cr_assert_eq(pouw_ledger_balance(&f.b2.ledger, f.a.pub), 2000);
    cr_assert(f.b2.pps_micro >= TK_THRESHOLD);
    cr_assert_eq(tk_verify_all(f.s, &err), 0, "%s", err.msg);
    pouw_block_clear(&g);
    pouw_block_clear(&rt);
    fixture_close(&f);
}

/* ---------------------------------------------------------------- the mutation walk */

static void flip(uint8_t *p) { p[31] ^= 0x01; }

typedef struct mutation {
    const char *name;
    pouw_reason reason;
} mutation;

/* Each entry changes exactly one field of block 2 (see apply_mutation). */
static const mutation MUTATIONS[] = {
    {"header.version", POUW_R_VERSION},
    {"header.chain_id", POUW_R_CHAIN_ID},
    {"header.height+1", POUW_R_HEIGHT},
    {"header.height-1", POUW_R_HEIGHT},
    {"header.prev_hash", POUW_R_UNKNOWN_PARENT},
    {"header.tx_root", POUW_R_TX_ROOT},
    {"header.ledger_root", POUW_R_LEDGER_ROOT},
    {"header.height+1 (pre_hash not redone)", POUW_R_PREHASH},
    {"header.post_bits (pre_hash not redone)", POUW_R_PREHASH},
    {"header.miner", POUW_R_COINBASE_RECIPIENT},
    {"header.time_ms+1", POUW_R_PREHASH},
    {"header.time_ms=median", POUW_R_TIME_OLD},
    {"header.time_ms=future", POUW_R_TIME_FUTURE},
    {"header.prehash_bits", POUW_R_PREHASH_BITS},
    {"header.pps_threshold_micro", POUW_R_THRESHOLD},
    {"header.mode", POUW_R_MODE},
    {"header.post_bits", POUW_R_POST_BITS},
    {"header.sessions+1", POUW_R_SESSIONS},
    {"header.sessions-1", POUW_R_SESSIONS},
    {"header.job_digest", POUW_R_JOB},
    {"header.nonce", POUW_R_PREHASH},
    {"pre_hash", POUW_R_PREHASH},
    {"post_hash", POUW_R_POST_HASH},
    {"proof.sessions[0].d", POUW_R_SESSION_DIGEST},
    {"proof.sessions[1].d", POUW_R_SESSION_DIGEST},
    {"proof.sessions[0].pps", POUW_R_SESSION_PPS},
    {"proof.sessions[1].pps", POUW_R_SESSION_PPS},
    {"proof.sessions (one dropped)", POUW_R_FORMAT},
    {"proof.pps", POUW_R_PPS},
    {"proof.pps_micro+1", POUW_R_PPS_MICRO},
    {"proof.pps_micro-1", POUW_R_PPS_MICRO},
    {"transactions[0].amount+1", POUW_R_COINBASE_AMOUNT},
    {"transactions[0].amount-1", POUW_R_COINBASE_AMOUNT},
    {"transactions[0].to", POUW_R_COINBASE_RECIPIENT},
    {"transactions[0].height", POUW_R_TX},
    {"transactions (none)", POUW_R_COINBASE_COUNT},
    {"transactions (second coinbase)", POUW_R_TX},
    {"ledger balance", POUW_R_LEDGER},
    {"ledger account", POUW_R_LEDGER},
    {"ledger (extra account)", POUW_R_LEDGER},
    {"ledger (empty)", POUW_R_LEDGER},
    {"useful_output[0].buyer.pps", POUW_R_USEFUL_OUTPUT},
    {"useful_output[0].buyer.tid", POUW_R_USEFUL_OUTPUT},
    {"useful_output[0].buyer.type", POUW_R_USEFUL_OUTPUT},
    {"useful_output[0].buyer.strategy", POUW_R_USEFUL_OUTPUT},
    {"useful_output[0].buyer=null", POUW_R_USEFUL_OUTPUT},
    {"useful_output[0].seller.pps", POUW_R_USEFUL_OUTPUT},
    {"useful_output[0].seller.strategy", POUW_R_USEFUL_OUTPUT},
    {"useful_output[1].buyer.pps", POUW_R_USEFUL_OUTPUT},
    {"useful_output[1].seller.tid", POUW_R_USEFUL_OUTPUT},
    {"useful_output[1].seller=null", POUW_R_USEFUL_OUTPUT},
    {"useful_output (one dropped)", POUW_R_FORMAT},
    {"job (added)", POUW_R_JOB},
};

static void apply_mutation(pouw_block *m, size_t k, const fixture *f)
{
    pouw_header *h = &m->header;
    const char *n = MUTATIONS[k].name;
    bse_strategy_record *u0b = &m->useful[0][0], *u0s = &m->useful[0][1], *u1b = &m->useful[1][0],
                        *u1s = &m->useful[1][1];
    if (!strcmp(n, "header.version")) h->version++;
    else if (!strcmp(n, "header.chain_id")) h->chain_id++;
    else if (!strcmp(n, "header.height+1")) h->height++;
    else if (!strcmp(n, "header.height-1")) h->height--;
    else if (!strcmp(n, "header.prev_hash")) flip(h->prev_hash);
    else if (!strcmp(n, "header.tx_root")) flip(h->tx_root);
    else if (!strcmp(n, "header.miner")) flip(h->miner);
    else if (!strcmp(n, "header.time_ms+1")) h->time_ms++;
    else if (!strcmp(n, "header.time_ms=median")) h->time_ms = f->b1.header.time_ms; /* median of g, b1 */
    else if (!strcmp(n, "header.time_ms=future")) h->time_ms = TK_NOW_MS + CHAIN_MAX_FUTURE_MS + 1;
    else if (!strcmp(n, "header.prehash_bits")) h->prehash_bits = 0x1f7fffff;
    else if (!strcmp(n, "header.pps_threshold_micro")) h->pps_threshold_micro--;
    else if (!strcmp(n, "header.mode")) h->mode = POUW_MODE_LOTTERY;
    else if (!strcmp(n, "header.post_bits")) h->post_bits = 0x207fffff;
    else if (!strcmp(n, "header.sessions+1")) h->sessions++;
    else if (!strcmp(n, "header.sessions-1")) h->sessions--;
    else if (!strcmp(n, "header.job_digest")) flip(h->job_digest);
    else if (!strcmp(n, "header.nonce")) h->nonce++;
    else if (!strcmp(n, "header.ledger_root")) flip(h->ledger_root);
    else if (!strcmp(n, "header.height+1 (pre_hash not redone)")) h->height++;
    else if (!strcmp(n, "header.post_bits (pre_hash not redone)")) h->post_bits = 0x207fffff;
    else if (!strcmp(n, "pre_hash")) flip(m->pre_hash);
    else if (!strcmp(n, "post_hash")) flip(m->post_hash);
    else if (!strcmp(n, "proof.sessions[0].d")) flip(m->proof[0].digest);
    else if (!strcmp(n, "proof.sessions[1].d")) m->proof[1].digest[0] ^= 0x80;
    else if (!strcmp(n, "proof.sessions[0].pps")) m->proof[0].pps = nextafter(m->proof[0].pps, INFINITY);
    else if (!strcmp(n, "proof.sessions[1].pps")) m->proof[1].pps = nextafter(m->proof[1].pps, 0);
    else if (!strcmp(n, "proof.sessions (one dropped)")) m->n_sessions--;
    else if (!strcmp(n, "proof.pps")) m->pps = nextafter(m->pps, INFINITY);
    else if (!strcmp(n, "proof.pps_micro+1")) m->pps_micro++;
    else if (!strcmp(n, "proof.pps_micro-1")) m->pps_micro--;
    else if (!strcmp(n, "transactions[0].amount+1")) m->txs[0].amount++;
    else if (!strcmp(n, "transactions[0].amount-1")) m->txs[0].amount--;
    else if (!strcmp(n, "transactions[0].to")) flip(m->txs[0].to);
    else if (!strcmp(n, "transactions[0].height")) m->txs[0].height++;
    else if (!strcmp(n, "transactions (none)")) m->n_txs = 0;
    else if (!strcmp(n, "transactions (second coinbase)")) {
        pouw_tx *t = realloc(m->txs, 2 * sizeof *t);
        cr_assert_not_null(t);
        t[1] = pouw_tx_coinbase(f->b.pub, 1000, h->height);
        m->txs = t;
        m->n_txs = 2;
    } else if (!strcmp(n, "ledger balance")) m->ledger.e[0].balance++;
    else if (!strcmp(n, "ledger account")) flip(m->ledger.e[0].account);
    else if (!strcmp(n, "ledger (extra account)")) cr_assert_eq(pouw_ledger_credit(&m->ledger, f->b.pub, 1), POUW_OK);
    else if (!strcmp(n, "ledger (empty)")) m->ledger.n = 0;
    else if (!strcmp(n, "useful_output[0].buyer.pps")) u0b->pps = nextafter(u0b->pps, INFINITY);
    else if (!strcmp(n, "useful_output[0].buyer.tid")) u0b->tid[1] = u0b->tid[1] == '9' ? '8' : '9';
    else if (!strcmp(n, "useful_output[0].buyer.type")) snprintf(u0b->type, sizeof u0b->type, "%s", strcmp(u0b->type, "PRSH") ? "PRSH" : "PRDE");
    else if (!strcmp(n, "useful_output[0].buyer.strategy")) u0b->csv[3] = u0b->csv[3] == '+' ? '-' : '+';
    else if (!strcmp(n, "useful_output[0].buyer=null")) u0b->valid = 0;
    else if (!strcmp(n, "useful_output[0].seller.pps")) u0s->pps = -u0s->pps - 1.0;
    else if (!strcmp(n, "useful_output[0].seller.strategy")) snprintf(u0s->csv, sizeof u0s->csv, "s=,+0.000, ");
    else if (!strcmp(n, "useful_output[1].buyer.pps")) u1b->pps = nextafter(u1b->pps, 0);
    else if (!strcmp(n, "useful_output[1].seller.tid")) snprintf(u1s->tid, sizeof u1s->tid, "S99");
    else if (!strcmp(n, "useful_output[1].seller=null")) u1s->valid = 0;
    else if (!strcmp(n, "useful_output (one dropped)")) m->n_useful--;
    else if (!strcmp(n, "job (added)")) {
        m->job = calloc(1, sizeof *m->job);
        common_error err;
        cr_assert_eq(pouw_env_generate(m->job, NULL, &err, &f->p.tmpl, m->pre_hash, 0), POUW_OK);
    } else
        cr_assert_fail("unknown mutation %s", n);
    /* spec s11.7 checks the pre-hash (stage 3) before the parent, the time, post_bits
     * and the payload: a forger of those fields redoes the pre-hash (and finds a
     * nonce through the gate), so these mutations do too */
    static const char *const redo[] = {"header.height+1", "header.height-1", "header.prev_hash", "header.tx_root",
                                       "header.ledger_root", "header.miner", "header.time_ms=median",
                                       "header.time_ms=future", "header.post_bits"};
    for (size_t i = 0; i < NELEM(redo); i++)
        if (!strcmp(n, redo[i]))
            tk_redo_prehash(m);
}

Test(pouw_verify, every_single_field_mutation_is_rejected_with_its_reason)
{
    chain_params p = tk_params();
    fixture f;
    fixture_open(&f, &p);
    cr_assert(f.b2.useful[0][0].valid && f.b2.useful[1][1].valid && f.b2.ledger.n == 1);
    int seen[POUW_R_LAST + 1] = {0};
    for (size_t k = 0; k < NELEM(MUTATIONS); k++) {
        pouw_block m, rt;
        pouw_block_init(&m);
        cr_assert_eq(pouw_block_copy(&m, &f.b2), POUW_OK);
        apply_mutation(&m, k, &f);
        cr_assert(!pouw_block_equal(&m, &f.b2), "mutation %s changed nothing", MUTATIONS[k].name);
        through_json(&rt, &m);
        cr_assert(pouw_block_equal(&m, &rt), "mutation %s does not survive JSON", MUTATIONS[k].name);
        common_error err;
        pouw_reason r = tk_verify(f.s, &rt, &err);
        cr_assert_eq(r, MUTATIONS[k].reason, "mutation %s: rejected as %s (%s: %s), expected %s", MUTATIONS[k].name,
                     pouw_reason_name(r), err.field, err.msg, pouw_reason_name(MUTATIONS[k].reason));
        cr_assert(err.msg[0] != '\0' && err.field[0] != '\0', "mutation %s: reason without message or field",
                  MUTATIONS[k].name);
        seen[r]++;
        pouw_block_clear(&m);
        pouw_block_clear(&rt);
    }
    /* the walk exercises every reason a single field can trigger */
    const pouw_reason must[] = {POUW_R_VERSION,        POUW_R_CHAIN_ID,       POUW_R_UNKNOWN_PARENT,
                                POUW_R_HEIGHT,         POUW_R_TIME_OLD,       POUW_R_TIME_FUTURE,
                                POUW_R_PREHASH_BITS,   POUW_R_THRESHOLD,      POUW_R_MODE,
                                POUW_R_POST_BITS,      POUW_R_SESSIONS,       POUW_R_JOB,
                                POUW_R_TX,             POUW_R_COINBASE_COUNT, POUW_R_COINBASE_AMOUNT,
                                POUW_R_COINBASE_RECIPIENT, POUW_R_TX_ROOT,    POUW_R_LEDGER,
                                POUW_R_PREHASH,        POUW_R_SESSION_DIGEST, POUW_R_SESSION_PPS,
                                POUW_R_PPS,            POUW_R_PPS_MICRO,      POUW_R_POST_HASH,
                                POUW_R_USEFUL_OUTPUT,  POUW_R_FORMAT};
    for (size_t k = 0; k < NELEM(must); k++)
        cr_assert(seen[must[k]] > 0, "no mutation triggered %s", pouw_reason_name(must[k]));
    /* the original still verifies: nothing above changed it */
    cr_assert_eq(tk_verify(f.s, &f.b2, NULL), POUW_R_OK);
    fixture_close(&f);
}

Test(pouw_verify, reason_names_are_distinct)
{
    for (int a = 0; a <= POUW_R_LAST; a++) {
        cr_assert_str_neq(pouw_reason_name((pouw_reason)a), "unknown");
        for (int b = a + 1; b <= POUW_R_LAST; b++)
            cr_assert_str_neq(pouw_reason_name((pouw_reason)a), pouw_reason_name((pouw_reason)b));
    }
    cr_assert_str_eq(pouw_reason_name((pouw_reason)999), "unknown");
}

/* ---------------------------------------------------------------- forged blocks */

typedef enum { FORGE_HONEST, FORGE_SHORT, FORGE_SEED32, FORGE_OTHER_PREHASH, FORGE_BELOW, FORGE_ABOVE_TARGET } forge_kind;

/* Builds, by hand, a block on s's tip paid to miner, whose work is done the way
 * `kind` says (honestly, or as a cheater would). */
static void forge(pouw_block *out, chain_store *s, const uint8_t miner[32], forge_kind kind)
{
    const chain_params *p = chain_store_params(s);
    uint64_t tip = chain_store_tip_height(s);
    pouw_block parent;
    pouw_block_init(&parent);
    common_error err;
    cr_assert_eq(chain_store_load(&parent, &err, s, tip), CHAIN_OK);
    uint64_t mtp;
    mtp = tk_mtp(s, tip);
    pouw_header h;
    memset(&h, 0, sizeof h);
    h.version = POUW_HEADER_VERSION;
    h.chain_id = p->chain_id;
    h.height = tip + 1;
    tk_id(h.prev_hash, s, tip);
    memcpy(h.miner, miner, 32);
    h.time_ms = mtp + 1;
    h.prehash_bits = p->genesis_req.prehash_bits;
    h.pps_threshold_micro = p->genesis_req.pps_threshold_micro;
    h.mode = p->genesis_req.mode;
    h.post_bits = p->genesis_req.post_bits;
    h.sessions = p->genesis_req.sessions;
    memcpy(h.job_digest, p->genesis_req.job_digest, 32);
    pouw_tx cb = pouw_tx_coinbase(miner, p->reward, h.height);
    cr_assert_eq(pouw_tx_root(h.tx_root, NULL, &cb, 1), POUW_OK);
    pouw_ledger l = {0};
    cr_assert_eq(pouw_ledger_copy(&l, &parent.ledger), POUW_OK);
    cr_assert_eq(pouw_ledger_apply(&l, &cb, 1), POUW_OK);
    cr_assert_eq(pouw_ledger_root(h.ledger_root, &l), POUW_OK);
    uint8_t target[32];
    cr_assert_eq(pouw_target_from_bits(target, h.prehash_bits), POUW_OK);
    static pouw_attempt a;
    for (h.nonce = 0;; h.nonce++) {
        cr_assert(h.nonce < 2000, "no forgeable nonce found");
        uint8_t pre[32];
        cr_assert_eq(pouw_prehash(pre, &h), POUW_OK);
        if (pouw_hash_meets_target(pre, target) != (kind != FORGE_ABOVE_TARGET))
            continue;
        pouw_work w = chain_params_work(p);
        if (kind == FORGE_SHORT)
            w.tmpl.duration = w.tmpl.duration / 2; /* BSE Consensus's verifier ran shorter sessions */
        uint8_t work_pre[32];
        memcpy(work_pre, pre, 32);
        if (kind == FORGE_OTHER_PREHASH)
            work_pre[0] ^= 0x01;
        cr_assert_eq(pouw_attempt_run(&a, &err, &w, work_pre, h.sessions, 2), POUW_OK, "%s", err.msg);
        if (kind == FORGE_SEED32) {
            /* BSE Consensus seeded with 32 bits of the hash: same environments, other market */
            for (uint32_t i = 0; i < h.sessions; i++) {
                bse_case c;
                cr_assert_eq(pouw_session_case(&c, &err, &w, a.s[i].seed, i), POUW_OK);
                char dec[16];
                snprintf(dec, sizeof dec, "%u",
                         ((unsigned)a.s[i].seed[0] << 24) | ((unsigned)a.s[i].seed[1] << 16) |
                             ((unsigned)a.s[i].seed[2] << 8) | (unsigned)a.s[i].seed[3]);
                cr_assert_eq(bse_case_set_seed(&c, BSE_SEED_INT, dec, &err), BSE_CONFIG_OK);
                uint8_t keep[32];
                memcpy(keep, a.s[i].seed, 32);
                cr_assert_eq(pouw_session_eval(&a.s[i], &err, &c, keep), POUW_OK);
            }
        }
        memcpy(a.pre_hash, pre, 32); /* the cheater claims the header's pre-hash */
        cr_assert_eq(pouw_attempt_score(&a), POUW_OK);
        int valid;
        cr_assert_eq(pouw_attempt_valid(&valid, &h, a.pps_micro, a.post_hash), POUW_OK);
        if (valid == (kind != FORGE_BELOW))
            break;
    }
    pouw_block_init(out);
    cr_assert_eq(pouw_block_build(out, &h, &a, &cb, 1, &l, p->job), POUW_OK);
    pouw_ledger_clear(&l);
    pouw_block_clear(&parent);
}

Test(pouw_verify, an_honestly_forged_block_verifies_so_the_forger_is_faithful)
{
    chain_params p = tk_params();
    fixture f;
    fixture_open(&f, &p);
    pouw_block b;
    forge(&b, f.s, f.b.pub, FORGE_HONEST);
    common_error err;
    cr_assert_eq(tk_verify(f.s, &b, &err), POUW_R_OK, "%s: %s", err.field, err.msg);
    pouw_block_clear(&b);
    fixture_close(&f);
}

Test(pouw_verify, sessions_run_shorter_or_with_another_seed_fail)
{
    chain_params p = tk_params();
    fixture f;
    fixture_open(&f, &p);
    const forge_kind kinds[] = {FORGE_SHORT, FORGE_SEED32, FORGE_OTHER_PREHASH};
    for (size_t k = 0; k < NELEM(kinds); k++) {
        pouw_block b;
        forge(&b, f.s, f.b.pub, kinds[k]);
        common_error err;
        pouw_reason r = tk_verify(f.s, &b, &err);
        cr_assert_eq(r, POUW_R_SESSION_DIGEST, "kind %zu: %s (%s)", k, pouw_reason_name(r), err.msg);
        cr_assert_str_eq(err.field, "proof.sessions[0].d");
        pouw_block_clear(&b);
    }
    fixture_close(&f);
}

Test(pouw_verify, an_attempt_below_the_threshold_or_a_prehash_above_target_fails)
{
    chain_params p = tk_params();
    fixture f;
    fixture_open(&f, &p);
    pouw_block b;
    common_error err;
    forge(&b, f.s, f.b.pub, FORGE_BELOW);
    cr_assert_eq(tk_verify(f.s, &b, &err), POUW_R_NOT_VALID, "%s", err.msg);
    cr_assert_neq(strstr(err.msg, "below the floor"), NULL, "%s", err.msg);
    pouw_block_clear(&b);
    forge(&b, f.s, f.b.pub, FORGE_ABOVE_TARGET);
    cr_assert_eq(tk_verify(f.s, &b, &err), POUW_R_PREHASH_TARGET, "%s", err.msg);
    pouw_block_clear(&b);
    fixture_close(&f);
}

Test(pouw_verify, a_block_cannot_be_stolen_by_changing_its_miner)
{
    chain_params p = tk_params();
    fixture f;
    fixture_open(&f, &p);
    /* the thief redirects block 2's coinbase to himself and fixes every hash he can
     * without re-running the sessions: coinbase, tx_root, ledger, and a new nonce
     * whose pre-hash meets the target */
    pouw_block m;
    pouw_block_init(&m);
    cr_assert_eq(pouw_block_copy(&m, &f.b2), POUW_OK);
    memcpy(m.header.miner, f.b.pub, 32);
    m.txs[0] = pouw_tx_coinbase(f.b.pub, 1000, 2);
    cr_assert_eq(pouw_tx_root(m.header.tx_root, NULL, m.txs, 1), POUW_OK);
    pouw_ledger_clear(&m.ledger);
    cr_assert_eq(pouw_ledger_copy(&m.ledger, &f.b1.ledger), POUW_OK);
    cr_assert_eq(pouw_ledger_apply(&m.ledger, m.txs, 1), POUW_OK);
    cr_assert_eq(pouw_ledger_root(m.header.ledger_root, &m.ledger), POUW_OK);
    uint8_t target[32];
    cr_assert_eq(pouw_target_from_bits(target, m.header.prehash_bits), POUW_OK);
    uint64_t nonce;
    cr_assert_eq(pouw_prehash_search(&nonce, m.pre_hash, &m.header, 0, 1000), POUW_OK);
    m.header.nonce = nonce;
    common_error err;
    pouw_reason r = tk_verify(f.s, &m, &err);
    cr_assert_eq(r, POUW_R_SESSION_DIGEST, "%s: %s", pouw_reason_name(r), err.msg);
    pouw_block_clear(&m);
    fixture_close(&f);
}

/* ---------------------------------------------------------------- tips and chains */

Test(pouw_verify, a_block_mined_on_one_tip_fails_on_another)
{
    chain_params p = tk_params();
    fixture f, g;
    fixture_open(&f, &p);
    /* another node of the same chain whose block 1 is someone else's */
    memset(&g, 0, sizeof g);
    tk_tmpdir(g.dir);
    g.p = p;
    tk_open(&g.s, g.dir, &g.p);
    tk_key(&g.b, 0xb2);
    pouw_block_init(&g.b1);
    tk_mine(g.s, &g.b1, g.b.pub);
    uint8_t ga[32], gb[32];
    tk_id(ga, f.s, 0);
    tk_id(gb, g.s, 0);
    cr_assert_eq(memcmp(ga, gb, 32), 0, "both nodes rebuilt the same genesis");
    common_error err;
    pouw_reason r = tk_verify(g.s, &f.b2, &err);
    cr_assert_eq(r, POUW_R_UNKNOWN_PARENT, "%s: %s", pouw_reason_name(r), err.msg);
    cr_assert_str_eq(err.field, "header.prev_hash");
    /* block 1 of f competes with g's block 1 for the same parent: a fork, valid on g */
    cr_assert_eq(tk_verify(g.s, &f.b1, &err), POUW_R_OK, "%s", err.msg);
    pouw_block_clear(&g.b1);
    pouw_key_clear(&g.b);
    chain_store_close(g.s);
    tk_rmrf(g.dir);
    fixture_close(&f);
}

Test(pouw_verify, a_block_of_one_chain_fails_as_a_block_of_another)
{
    chain_params p = tk_params(), q = tk_params();
    q.chain_id = 8;
    snprintf(q.name, sizeof q.name, "tiny2");
    fixture f;
    fixture_open(&f, &p);
    chain_store *s2;
    tk_open(&s2, f.dir, &q);
    common_error err;
    pouw_reason r = tk_verify(s2, &f.b2, &err);
    cr_assert_eq(r, POUW_R_CHAIN_ID, "%s", pouw_reason_name(r));
    cr_assert_str_eq(err.field, "header.chain_id");
    /* even genesis: same template and targets, another chain id */
    pouw_block g;
    pouw_block_init(&g);
    cr_assert_eq(chain_store_load(&g, &err, f.s, 0), CHAIN_OK);
    cr_assert_eq(tk_verify(s2, &g, &err), POUW_R_CHAIN_ID);
    pouw_block_clear(&g);
    chain_store_close(s2);
    fixture_close(&f);
}

/* ---------------------------------------------------------------- modes, jobs, genesis */

Test(pouw_verify, lottery_mode_blocks_verify_and_need_the_post_target)
{
    chain_params p = tk_params();
    p.genesis_req.mode = POUW_MODE_LOTTERY;
    p.genesis_req.post_bits = 0x207fffff; /* about half of the post-hashes */
    p.genesis_req.pps_threshold_micro = 5000000;
    fixture f;
    fixture_open(&f, &p);
    common_error err;
    cr_assert_eq(tk_verify(f.s, &f.b2, &err), POUW_R_OK, "%s", err.msg);
    uint8_t t[32];
    cr_assert_eq(pouw_target_from_bits(t, p.genesis_req.post_bits), POUW_OK);
    cr_assert(pouw_hash_meets_target(f.b2.post_hash, t));
    pouw_block b;
    forge(&b, f.s, f.b.pub, FORGE_BELOW);
    pouw_reason r = tk_verify(f.s, &b, &err);
    cr_assert_eq(r, POUW_R_NOT_VALID, "%s", pouw_reason_name(r));
    if (b.pps_micro >= 5000000)
        cr_assert_str_eq(err.field, "post_hash", "above the post target");
    pouw_block_clear(&b);
    fixture_close(&f);
}

static bse_case short_job(void)
{
    const char *js = "{\"case_id\":\"researcher-1\",\"seed\":0,\"start_time\":0,\"end_time\":40,"
                     "\"trader_spec\":{\"buyers\":[[\"ZIP\",5,null],[\"PRDE\",4,{\"k\":5,\"s_min\":-1,\"s_max\":1}]],"
                     "\"sellers\":[[\"ZIC\",6,null],[\"PRSH\",3,{\"k\":3,\"s_min\":-0.5,\"s_max\":1}]]},"
                     "\"order_schedule\":{\"sup\":[{\"from\":0,\"to\":40,\"ranges\":[[60,120]],\"stepmode\":\"random\"}],"
                     "\"dem\":[{\"from\":0,\"to\":40,\"ranges\":[[90,160]],\"stepmode\":\"jittered\"}],"
                     "\"interval\":5,\"timemode\":\"drip-jitter\"},\"dump_flags\":{\"dump_blotters\":false,"
                     "\"dump_lobs\":false,\"dump_strats\":false,\"dump_avgbals\":false,\"dump_tape\":true}}";
    bse_case c;
    common_error err;
    cr_assert_eq(bse_case_parse(&c, js, strlen(js), "job", NULL, &err), BSE_CONFIG_OK, "%s: %s", err.field, err.msg);
    return c;
}

Test(pouw_verify, committed_job_blocks_verify_and_a_changed_job_fails)
{
    static bse_case job, canon;
    job = short_job();
    common_error err;
    cr_assert_eq(pouw_job_canonicalize(&canon, &err, &job), POUW_OK);
    chain_params p = tk_params();
    p.job = &canon;
    p.genesis_req.pps_threshold_micro = 0;
    cr_assert_eq(pouw_job_digest(p.genesis_req.job_digest, &err, &canon), POUW_OK);
    cr_assert_eq(chain_params_check(&p, &err), CHAIN_OK, "%s", err.msg);
    fixture f;
    fixture_open(&f, &p);
    cr_assert_not_null(f.b2.job);
    cr_assert_eq(tk_verify(f.s, &f.b2, &err), POUW_R_OK, "%s: %s", err.field, err.msg);
    pouw_block rt;
    through_json(&rt, &f.b2);
    cr_assert_eq(tk_verify(f.s, &rt, &err), POUW_R_OK, "%s: %s", err.field, err.msg);

    rt.job->zones[BSE_SCHED_SUP][0].ranges[0].lo = 61; /* another market */
    cr_assert_eq(tk_verify(f.s, &rt, &err), POUW_R_JOB);
    cr_assert_neq(strstr(err.msg, "does not hash"), NULL, "%s", err.msg);
    free(rt.job);
    rt.job = NULL;
    cr_assert_eq(tk_verify(f.s, &rt, &err), POUW_R_JOB);
    cr_assert_neq(strstr(err.msg, "no job"), NULL, "%s", err.msg);
    pouw_block_clear(&rt);
    fixture_close(&f);
}

Test(pouw_verify, genesis_must_be_the_chains_own)
{
    chain_params p = tk_params();
    fixture f;
    fixture_open(&f, &p);
    pouw_block g, m;
    pouw_block_init(&g);
    pouw_block_init(&m);
    common_error err;
    cr_assert_eq(chain_store_load(&g, &err, f.s, 0), CHAIN_OK);
    cr_assert_eq(pouw_block_copy(&m, &g), POUW_OK);
    m.header.time_ms++;
    cr_assert_eq(tk_verify(f.s, &m, &err), POUW_R_PREHASH); /* stage 3 first (s11.7) */
    tk_redo_prehash(&m);
    cr_assert_eq(tk_verify(f.s, &m, &err), POUW_R_GENESIS);
    cr_assert_str_eq(err.field, "header.time_ms");
    cr_assert_eq(pouw_block_copy(&m, &g), POUW_OK);
    flip(m.header.miner);
    tk_redo_prehash(&m);
    cr_assert_eq(tk_verify(f.s, &m, &err), POUW_R_GENESIS);

    /* a pinned genesis id: the real genesis passes, a wrong pin is caught */
    chain_params q = p;
    q.genesis_pinned = 1;
    memcpy(q.genesis_id, g.post_hash, 32);
    chain_store *s2;
    char dir2[256];
    tk_tmpdir(dir2);
    tk_open(&s2, dir2, &q);
    cr_assert_eq(tk_verify(s2, &g, &err), POUW_R_OK, "%s", err.msg);
    chain_store_close(s2);
    q.genesis_id[5] ^= 1;
    pouw_block_clear(&m);
    cr_assert_eq(chain_genesis_build(&m, NULL, &err, &q, 2), CHAIN_EPARAMS);
    cr_assert_neq(strstr(err.msg, "changed"), NULL, "%s", err.msg);
    /* and a store whose stored genesis is not the pinned one is refused */
    chain_store *s3 = NULL;
    chain_store_opts ro;
    memset(&ro, 0, sizeof ro);
    cr_assert_eq(chain_store_open(&s3, &err, f.dir, &q, &ro), CHAIN_ESTORE);
    cr_assert_null(s3);
    pouw_block_clear(&g);
    tk_rmrf(dir2);
    fixture_close(&f);
}

Test(pouw_verify, median_time_past_is_the_upper_median_of_up_to_eleven)
{
    uint64_t t[11] = {5, 1, 9, 3, 7, 11, 2, 10, 4, 8, 6};
    cr_assert_eq(pouw_median_time(t, 11), 6);
    cr_assert_eq(pouw_median_time(t, 1), 5);
    cr_assert_eq(pouw_median_time(t, 2), 5, "sorted {1,5}: element 1");
    cr_assert_eq(pouw_median_time(t, 4), 5, "sorted {1,3,5,9}: element 2");
    cr_assert_eq(t[0], 5, "the input is not reordered");
}

Test(pouw_verify, a_long_chain_verifies_and_holds_reward_times_height)
{
    chain_params p = tk_params();
    fixture f;
    fixture_open(&f, &p);
    pouw_block b;
    pouw_block_init(&b);
    for (int k = 0; k < 12; k++) { /* past the 11-block median window */
        tk_mine(f.s, &b, (k % 3) ? f.a.pub : f.b.pub);
        cr_assert_eq(pouw_ledger_total(&b.ledger), 1000 * (int64_t)b.header.height);
    }
    cr_assert_eq(b.header.height, 14);
    cr_assert_eq(pouw_ledger_balance(&b.ledger, f.b.pub), 4000);
    cr_assert_eq(pouw_ledger_balance(&b.ledger, f.a.pub), 10000);
    uint64_t mtp;
    common_error err;
    mtp = tk_mtp(f.s, 14);
    /* with a clock stuck in the past every block is mined at its parent's median
     * time past + 1: replay that rule */
    uint64_t times[15];
    times[0] = TK_GENESIS_MS;
    for (int h = 1; h <= 14; h++) {
        int lo = h - 11 > 0 ? h - 11 : 0;
        times[h] = pouw_median_time(times + lo, (unsigned)(h - lo)) + 1;
    }
    cr_assert_eq(b.header.time_ms, times[14]);
    cr_assert_eq(mtp, pouw_median_time(times + 4, 11));
    cr_assert_eq(tk_verify_all(f.s, &err), 0, "%s", err.msg);
    pouw_block_clear(&b);
    fixture_close(&f);
}

Test(pouw_verify, verify_chain_names_the_height_of_a_tampered_block)
{
    chain_params p = tk_params();
    fixture f;
    fixture_open(&f, &p);
    /* give block 1's stored ledger a richer miner (behind the store's back) */
    cr_assert_eq(tk_sql(f.dir, "UPDATE ledger SET balance = 1000000 WHERE block = ?1", f.b1.post_hash), 1);
    common_error err;
    uint64_t bad = tk_verify_all(f.s, &err);
    cr_assert(bad >= 1 && bad <= 2, "block 1, and block 2 on its ledger: %llu", (unsigned long long)bad);
    cr_assert_neq(strstr(err.msg, "block 1 "), NULL, "the first disagreement is block 1: %s", err.msg);
    cr_assert_neq(strstr(err.msg, "ledger"), NULL, "%s", err.msg);
    fixture_close(&f);
}

Test(pouw_verify, every_bit_flip_of_the_document_is_rejected_or_harmless, .timeout = 120)
{
    /* STYLE rule 14: flip the low bit of every byte of block 2's file. The result
     * must not parse, or parse to the very same block, or be rejected. */
    chain_params p = tk_params();
    fixture f;
    fixture_open(&f, &p);
    char *js;
    size_t len;
    cr_assert_eq(pouw_block_to_json(&js, &len, &f.b2), POUW_OK);
    int unparsable = 0, same = 0, rejected = 0;
    for (size_t i = 0; i < len; i++) {
        js[i] ^= 0x01;
        pouw_block m;
        pouw_block_init(&m);
        common_error err;
        if (pouw_block_parse(&m, &err, "flip.json", js, len) != POUW_OK) {
            unparsable++;
        } else if (pouw_block_equal(&m, &f.b2)) {
            same++;
        } else {
            pouw_reason r = tk_verify(f.s, &m, &err);
            cr_assert_neq(r, POUW_R_OK, "flipping byte %zu ('%c') gave another valid block", i, js[i] ^ 0x01);
            rejected++;
        }
        pouw_block_clear(&m);
        js[i] ^= 0x01;
    }
    cr_assert(rejected > 100 && unparsable > 100, "%d rejected, %d unparsable, %d same", rejected, unparsable, same);
    free(js);
    fixture_close(&f);
}

/* ---------------------------------------------------------------- s11.7: stages 1-3, copy-only verdicts */

static chain_status precheck_of(const pouw_block *b, const chain_params *p, pouw_reason *r, pouw_block *out)
{
    char *doc;
    size_t len;
    cr_assert_eq(pouw_block_to_json(&doc, &len, b), POUW_OK);
    common_error err;
    chain_status cs = chain_precheck_block(NULL, out, r, &err, p, doc, len);
    free(doc);
    return cs;
}

Test(pouw_verify, a_junk_block_with_a_wrong_prehash_is_refused_by_size_before_any_parsing)
{
    chain_params p = tk_params();
    fixture f;
    fixture_open(&f, &p);
    pouw_block m, out;
    pouw_block_init(&m);
    pouw_block_init(&out);
    pouw_reason r;
    cr_assert_eq(precheck_of(&f.b2, &p, &r, &out), CHAIN_OK, "an honest block passes stages 1-3");
    cr_assert_eq(pouw_block_equal(&out, &f.b2), 1);
    /* 100,000 junk transfers and a wrong pre-hash: oversize, a copy-only rejection,
     * found before the document is parsed (nothing parsed: out stays empty) */
    cr_assert_eq(pouw_block_copy(&m, &f.b2), POUW_OK);
    const size_t n = 100000;
    pouw_tx *junk = calloc(n, sizeof *junk);
    cr_assert_not_null(junk);
    for (size_t i = 0; i < n; i++)
        junk[i] = pouw_tx_transfer(p.chain_id, f.a.pub, f.b.pub, 1, i, 0);
    free(m.txs);
    m.txs = junk;
    m.n_txs = n;
    m.pre_hash[0] ^= 1;
    cr_assert_eq(precheck_of(&m, &p, &r, &out), CHAIN_EMALFORMED);
    cr_assert_eq(r, POUW_R_OVERSIZE);
    cr_assert_eq(out.n_txs, 0u, "rejected before parsing");
    cr_assert_eq(pouw_reason_kind_of(r), POUW_KIND_COPY);
    /* within the size: too many transactions (committed by tx_root: invalid) */
    chain_params q = p;
    q.limits.max_block_bytes = 0; /* no size limit, to reach the count */
    q.limits.max_block_txs = 100;
    cr_assert_eq(precheck_of(&m, &q, &r, &out), CHAIN_EINVALID);
    cr_assert_eq(r, POUW_R_TOO_MANY_TXS);
    pouw_block_clear(&m);
    /* a wrong stored pre-hash alone: this copy only; a header above the gate: invalid */
    cr_assert_eq(pouw_block_copy(&m, &f.b2), POUW_OK);
    m.pre_hash[3] ^= 1;
    cr_assert_eq(precheck_of(&m, &p, &r, &out), CHAIN_EMALFORMED);
    cr_assert_eq(r, POUW_R_PREHASH);
    pouw_block_clear(&m);
    cr_assert_eq(pouw_block_copy(&m, &f.b2), POUW_OK);
    for (m.header.nonce = 0;; m.header.nonce++) { /* a nonce whose pre-hash misses the gate */
        uint8_t t[32];
        cr_assert_eq(pouw_prehash(m.pre_hash, &m.header), POUW_OK);
        cr_assert_eq(pouw_target_from_bits(t, m.header.prehash_bits), POUW_OK);
        if (!pouw_hash_meets_target(m.pre_hash, t))
            break;
    }
    cr_assert_eq(precheck_of(&m, &p, &r, &out), CHAIN_EINVALID);
    cr_assert_eq(r, POUW_R_PREHASH_TARGET);
    /* an unknown parent is an orphan, a future time is not permanent */
    cr_assert_eq(chain_status_of_reason(POUW_R_UNKNOWN_PARENT), CHAIN_EORPHAN);
    cr_assert_eq(chain_status_of_reason(POUW_R_TIME_FUTURE), CHAIN_EMALFORMED);
    cr_assert_eq(chain_status_of_reason(POUW_R_SESSION_DIGEST), CHAIN_EINVALID);
    pouw_block_clear(&m);
    pouw_block_clear(&out);
    fixture_close(&f);
}
