/* tests/test_mempool.c - the mempool of pending transfers, in the store's
 * database (chain/store.h: chain_store_tx_add, chain_store_send,
 * chain_store_tx_select), mining blocks that take them (chain/miner.h), and the
 * `chain` program (chain/chain_main.c) end to end, on the tiny test chain of
 * tests/pouw_testkit.h and on the testnet chains.
 *
 * Shows: chain_store_tx_add refuses a forged signature, a replayed sequence, a
 * gap, an overspend, a wrong chain and amounts near 2^63, each with its reason,
 * and stores nothing then; a sender's queued transfers take consecutive
 * sequences and count against its balance; selection is deterministic (per
 * sender in sequence order, then fee, then id) and what it picks applies; rows
 * put into the database behind the store's back are never mined; several
 * processes adding at once lose nothing, and 20 processes sending from one
 * account get 20 distinct sequences; a reorganisation returns transfers and
 * removes those that can never apply; a mined block takes the transfers after
 * the coinbase, pays the fees to its miner and keeps the coins at reward x
 * height; and through bin/chain a sent transfer is mined and shows in
 * `status`, `accounts` and `verify`. */
#include <criterion/criterion.h>

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "chain/keys.h"
#include "tests/chain_testkit.h"

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

static pouw_tx signed_tx(const pouw_key *k, uint32_t chain, const uint8_t to[32], int64_t amount, uint64_t seq,
                         int64_t fee)
{
    pouw_tx t = pouw_tx_transfer(chain, k->pub, to, amount, seq, fee);
    cr_assert_eq(pouw_tx_sign(k, &t), POUW_OK);
    return t;
}

static void write_file(const char *path, const char *text, size_t len)
{
    FILE *f = fopen(path, "wb");
    cr_assert_not_null(f, "%s", path);
    cr_assert_eq(fwrite(text, 1, len, f), len);
    fclose(f);
}

static char *slurp(const char *path) { return ck_slurp(path); }

/* The tiny chain in a fresh folder, keys A B C D E, and blocks 1.. paid to
 * the keys named in `payees` (A holds 1000 after "A"). */
typedef struct fix {
    char dir[256];
    chain_params p;
    chain_store *s;
    pouw_key k[5]; /* A B C D E */
} fix;

static void fix_open_rules(fix *f, const char *payees, uint32_t maturity, int64_t min_new)
{
    memset(f, 0, sizeof *f);
    tk_tmpdir(f->dir);
    f->p = tk_params();
    f->p.maturity = maturity;
    f->p.min_new_account = min_new;
    tk_open(&f->s, f->dir, &f->p);
    for (int i = 0; i < 5; i++)
        tk_key(&f->k[i], (uint8_t)(0x41 + i));
    for (const char *c = payees; *c; c++) {
        pouw_block b;
        pouw_block_init(&b);
        tk_mine(f->s, &b, f->k[*c - 'A'].pub);
        cr_assert_eq(b.n_txs, 1, "the mempool is empty: a coinbase alone");
        pouw_block_clear(&b);
    }
}

/* For the tests of the mempool's other rules: a payee spends its reward in the
 * next block (coinbase maturity and min_new_account have their own tests, on
 * the tiny chain's maturity of 2). */
static void fix_open(fix *f, const char *payees) { fix_open_rules(f, payees, 0, 1); }

static void fix_close(fix *f)
{
    chain_store_close(f->s);
    for (int i = 0; i < 5; i++)
        pouw_key_clear(&f->k[i]);
    tk_rmrf(f->dir);
}

/* The tip's ledger of f's chain. */
static void tip_ledger(pouw_ledger *l, fix *f)
{
    uint8_t tip[32];
    chain_store_tip_id(tip, f->s);
    *l = (pouw_ledger){0};
    common_error err;
    cr_assert_eq(chain_store_ledger(l, &err, f->s, tip), CHAIN_OK, "%s", err.msg);
}

static size_t pending(fix *f)
{
    pouw_tx *txs;
    size_t n;
    common_error err;
    cr_assert_eq(chain_store_tx_list(&txs, &n, &err, f->s), CHAIN_OK, "%s", err.msg);
    free(txs);
    return n;
}

static chain_status add(fix *f, common_error *err, const pouw_tx *tx)
{
    return chain_store_tx_add(f->s, NULL, err, tx);
}

/* ---------------------------------------------------------------- adding */

Test(chain_mempool, add_refuses_each_invalid_transfer_with_its_reason_and_stores_nothing, .timeout = 60)
{
    fix f;
    fix_open(&f, "A");
    pouw_key *a = &f.k[0], *b = &f.k[1], *c = &f.k[2];
    common_error err;
    /* block 2 takes A -> B 100 (fee 1) from the mempool: A's sequence 0 is used */
    pouw_tx first = signed_tx(a, 7, b->pub, 100, 0, 1);
    cr_assert_eq(add(&f, &err, &first), CHAIN_OK, "%s", err.msg);
    cr_assert_eq(pending(&f), 1);
    pouw_block blk;
    pouw_block_init(&blk);
    tk_mine(f.s, &blk, f.k[4].pub);
    cr_assert_eq(blk.n_txs, 2);
    cr_assert(pouw_tx_equal(&blk.txs[1], &first));
    pouw_block_clear(&blk);
    cr_assert_eq(pending(&f), 0, "the mined transfer left the mempool with the block that took it");
    pouw_ledger l;
    tip_ledger(&l, &f);
    cr_assert_eq(pouw_ledger_balance(&l, a->pub), 899);
    cr_assert_eq(pouw_ledger_sequence(&l, a->pub), 1);
    pouw_ledger_clear(&l);

    pouw_tx forged = pouw_tx_transfer(7, a->pub, c->pub, 10, 1, 0);
    cr_assert_eq(pouw_tx_sign(c, &forged), POUW_OK);
    memcpy(forged.from, a->pub, 32);
    pouw_tx coinbase = pouw_tx_coinbase(a->pub, 1000, 3);
    const struct {
        const char *name;
        pouw_tx tx;
        const char *reason, *field;
    } cases[] = {
        {"forged signature", forged, "tx_signature", "signature"},
        {"replayed sequence", signed_tx(a, 7, c->pub, 5, 0, 0), "tx_sequence", "sequence"},
        {"replayed transfer", first, "tx_sequence", "sequence"},
        {"sequence gap", signed_tx(a, 7, c->pub, 5, 2, 0), "tx_sequence", "sequence"},
        {"overspend", signed_tx(a, 7, c->pub, 899, 1, 1), "tx_overspend", "amount"},
        {"an account that holds nothing", signed_tx(c, 7, a->pub, 1, 0, 0), "tx_overspend", "amount"},
        {"wrong chain (AlphaCoin's)", signed_tx(a, 0, c->pub, 5, 1, 0), "tx_chain", "chain_id"},
        {"amount near 2^63", signed_tx(a, 7, c->pub, INT64_MAX - 7, 1, 0), "tx_overflow", "amount"},
        {"amount + fee wraps", signed_tx(a, 7, c->pub, INT64_MAX, 1, INT64_MAX), "tx_overflow", "amount"},
        {"nothing moved", signed_tx(a, 7, c->pub, 0, 1, 0), "tx", "amount"},
        {"a coinbase", coinbase, "tx", "type"},
    };
    for (size_t k = 0; k < NELEM(cases); k++) {
        pouw_reason r = POUW_R_OK;
        chain_status cs = chain_store_tx_add(f.s, &r, &err, &cases[k].tx);
        cr_assert_eq(cs, CHAIN_EINVALID, "%s was accepted", cases[k].name);
        cr_assert_neq(r, POUW_R_OK, "%s: a reason", cases[k].name);
        char want[64];
        snprintf(want, sizeof want, "%s: ", cases[k].reason);
        cr_assert(!strncmp(err.msg, want, strlen(want)), "%s: message \"%s\" does not start with the reason %s",
                  cases[k].name, err.msg, cases[k].reason);
        cr_assert_str_eq(err.field, cases[k].field, "%s: %s", cases[k].name, err.msg);
        cr_assert_eq(err.code, CHAIN_EINVALID);
        cr_assert_eq(pending(&f), 0, "%s: nothing stored", cases[k].name);
    }
    /* amounts near the limit that are fine: the whole balance at once */
    pouw_tx all = signed_tx(a, 7, c->pub, 898, 1, 1);
    cr_assert_eq(add(&f, &err, &all), CHAIN_OK, "%s", err.msg);
    cr_assert_eq(add(&f, &err, &all), CHAIN_OK, "adding it again is no error");
    cr_assert_eq(pending(&f), 1);
    pouw_tx more = signed_tx(a, 7, c->pub, 1, 2, 0);
    cr_assert_eq(add(&f, &err, &more), CHAIN_EINVALID, "nothing left after the pending one");
    cr_assert(!strncmp(err.msg, "tx_overspend: ", 14), "%s", err.msg);
    fix_close(&f);
}

Test(chain_mempool, a_senders_queued_transfers_take_consecutive_sequences_and_are_mined_in_order, .timeout = 60)
{
    fix f;
    fix_open(&f, "A");
    pouw_key *a = &f.k[0], *b = &f.k[1], *m = &f.k[4];
    common_error err;
    uint64_t seq = 99;
    cr_assert_eq(chain_store_tx_next_sequence(&seq, &err, f.s, a->pub), CHAIN_OK);
    cr_assert_eq(seq, 0, "sequences start at 0");
    int64_t amounts[] = {300, 300, 390};
    for (int i = 0; i < 3; i++) {
        pouw_tx t = signed_tx(a, 7, b->pub, amounts[i], seq, 3);
        cr_assert_eq(add(&f, &err, &t), CHAIN_OK, "transfer %d: %s", i, err.msg);
        cr_assert_eq(chain_store_tx_next_sequence(&seq, &err, f.s, a->pub), CHAIN_OK);
        cr_assert_eq(seq, (uint64_t)i + 1);
        if (i == 1) {
            /* the pending ones count against the balance: 1000 - 606 leaves 394 */
            pouw_tx over = signed_tx(a, 7, b->pub, 392, seq, 3);
            cr_assert_eq(add(&f, &err, &over), CHAIN_EINVALID);
            cr_assert(!strncmp(err.msg, "tx_overspend: ", 14), "%s", err.msg);
            pouw_tx gap = signed_tx(a, 7, b->pub, 1, seq + 1, 0);
            cr_assert_eq(add(&f, &err, &gap), CHAIN_EINVALID);
            cr_assert(!strncmp(err.msg, "tx_sequence: ", 13), "%s", err.msg);
        }
    }
    pouw_block blk;
    pouw_block_init(&blk);
    tk_mine(f.s, &blk, m->pub);
    cr_assert_eq(blk.n_txs, 4, "the coinbase, then the three transfers");
    cr_assert_eq(blk.txs[0].type, POUW_TX_COINBASE);
    for (int i = 0; i < 3; i++)
        cr_assert_eq(blk.txs[i + 1].sequence, (uint64_t)i);
    cr_assert_eq(tk_verify(f.s, &blk, NULL), POUW_R_OK);
    cr_assert_eq(pouw_ledger_balance(&blk.ledger, a->pub), 1);
    cr_assert_eq(pouw_ledger_balance(&blk.ledger, b->pub), 990);
    cr_assert_eq(pouw_ledger_balance(&blk.ledger, m->pub), 1009, "the fees go to the block's miner");
    cr_assert_eq(pouw_ledger_total(&blk.ledger), 2000, "reward x height");
    pouw_block_clear(&blk);
    cr_assert_eq(pending(&f), 0, "spent transfers leave the mempool");
    cr_assert_eq(chain_store_tx_next_sequence(&seq, &err, f.s, a->pub), CHAIN_OK);
    cr_assert_eq(seq, 3);
    fix_close(&f);
}

/* ---------------------------------------------------------------- selection */

Test(chain_mempool, selection_is_deterministic_by_sequence_then_fee_then_id_and_applies, .timeout = 60)
{
    fix f;
    fix_open(&f, "ABC");
    pouw_key *a = &f.k[0], *b = &f.k[1], *c = &f.k[2], *d = &f.k[3], *e = &f.k[4];
    common_error err;
    pouw_tx a0 = signed_tx(a, 7, d->pub, 10, 0, 1), a0x = signed_tx(a, 7, c->pub, 10, 0, 5),
            a1 = signed_tx(a, 7, d->pub, 10, 1, 9), b0 = signed_tx(b, 7, d->pub, 10, 0, 3),
            b1 = signed_tx(b, 7, e->pub, 100, 1, 3), c0 = signed_tx(c, 7, d->pub, 1, 0, 4),
            c1 = signed_tx(c, 7, d->pub, 1, 1, 50);
    /* two transfers of one sequence (A's 0) may wait; the better fee is taken */
    const pouw_tx *all[] = {&c1, &a0, &b1, &a1, &c0, &b0, &a0x};
    /* in an order that makes gaps first: c1 before c0, b1 before b0 */
    cr_assert_eq(add(&f, &err, all[0]), CHAIN_EINVALID, "c1 before c0: a gap");
    cr_assert_eq(add(&f, &err, all[2]), CHAIN_EINVALID, "b1 before b0: a gap");
    const pouw_tx *ok[] = {&a0, &a1, &c0, &c1, &b0, &b1, &a0x};
    for (size_t k = 0; k < NELEM(ok); k++)
        cr_assert_eq(add(&f, &err, ok[k]), CHAIN_OK, "%zu: %s", k, err.msg);
    cr_assert_eq(pending(&f), 7);
    pouw_ledger l;
    tip_ledger(&l, &f);
    /* the highest fee among the senders' next transfers each time: C's 1 comes
     * after C's 0; A's 0 at the better fee (5); never A's other 0 */
    pouw_tx *first = NULL;
    size_t nfirst = 0;
    for (int round = 0; round < 2; round++) {
        pouw_tx *sel;
        size_t n;
        cr_assert_eq(chain_store_tx_select(&sel, &n, &err, f.s, &l, NULL, 100), CHAIN_OK, "%s", err.msg);
        cr_assert_eq(n, 6, "round %d: %zu chosen", round, n);
        size_t na0 = 0;
        for (size_t k = 0; k < n; k++)
            na0 += pouw_tx_equal(&sel[k], &a0);
        cr_assert_eq(na0, 0, "A's sequence 0 at the lower fee is left");
        /* each sender's in sequence order */
        for (size_t k = 0; k < n; k++)
            for (size_t j = k + 1; j < n; j++)
                if (!memcmp(sel[k].from, sel[j].from, 32))
                    cr_assert_lt(sel[k].sequence, sel[j].sequence);
        if (round == 0) {
            first = sel;
            nfirst = n;
        } else {
            for (size_t k = 0; k < n; k++)
                cr_assert(pouw_tx_equal(&sel[k], &first[k]), "the same choice again, position %zu", k);
        }
        /* what it chose applies after a coinbase, fees to the miner */
        pouw_tx *blk = malloc((n + 1) * sizeof *blk);
        blk[0] = pouw_tx_coinbase(e->pub, 1000, 4);
        memcpy(blk + 1, sel, n * sizeof *sel);
        pouw_ledger w = {0};
        size_t bad;
        cr_assert_eq(pouw_ledger_copy(&w, &l), POUW_OK);
        cr_assert_eq(pouw_ledger_apply_block(&w, &bad, 7, e->pub, NULL, blk, n + 1), POUW_OK, "at %zu", bad);
        cr_assert_eq(pouw_ledger_total(&w), 4000);
        pouw_ledger_clear(&w);
        free(blk);
        if (round == 1)
            free(sel);
    }
    pouw_tx *sel;
    size_t n;
    cr_assert_eq(chain_store_tx_select(&sel, &n, &err, f.s, &l, NULL, 2), CHAIN_OK);
    cr_assert_eq(n, 2, "max is respected");
    cr_assert(pouw_tx_equal(&sel[0], &first[0]) && pouw_tx_equal(&sel[1], &first[1]));
    free(sel);
    cr_assert_eq(chain_store_tx_select(&sel, &n, &err, f.s, &l, NULL, 0), CHAIN_OK);
    cr_assert_eq(n, 0);
    cr_assert_null(sel);
    /* the miner takes the same list */
    pouw_block blk;
    pouw_block_init(&blk);
    tk_mine(f.s, &blk, e->pub);
    cr_assert_eq(blk.n_txs, 1 + nfirst);
    for (size_t k = 0; k < nfirst; k++)
        cr_assert(pouw_tx_equal(&blk.txs[k + 1], &first[k]), "block position %zu", k + 1);
    cr_assert_eq(tk_verify(f.s, &blk, NULL), POUW_R_OK);
    cr_assert_eq(pouw_ledger_total(&blk.ledger), 4000);
    cr_assert_eq(pending(&f), 0, "A's other sequence 0 can never apply now: removed");
    free(first);
    pouw_block_clear(&blk);
    pouw_ledger_clear(&l);
    fix_close(&f);
}

/* ---------------------------------------------------------------- hostile rows */

/* Puts a row into the mempool table behind the store's back: id, sender,
 * sequence and fee from tx, the document doc. */
static void put_row(fix *f, const pouw_tx *tx, const char *doc)
{
    char id[65], from[65], *sql = malloc(strlen(doc) * 2 + 1000);
    uint8_t raw[32];
    cr_assert_eq(pouw_tx_id(raw, tx), POUW_OK);
    raw[31] ^= 0x5a; /* not the id of any real transfer */
    pouw_hex_encode(id, raw, 32);
    pouw_hex_encode(from, tx->from, 32);
    char *q = malloc(strlen(doc) * 2 + 1);
    size_t k = 0;
    for (const char *p = doc; *p; p++) {
        if (*p == '\'')
            q[k++] = '\'';
        q[k++] = *p;
    }
    q[k] = '\0';
    sprintf(sql, "INSERT INTO mempool(chain, id, sender, sequence, fee, doc) VALUES('%s', X'%s', X'%s', %llu, %lld, "
                 "CAST('%s' AS BLOB))",
            f->p.name, id, from, (unsigned long long)tx->sequence, (long long)tx->fee, q);
    cr_assert_eq(tk_sql(f->dir, sql, NULL), 1, "%s", sql);
    free(q);
    free(sql);
}

Test(chain_mempool, rows_put_into_the_database_behind_the_stores_back_are_never_mined, .timeout = 60)
{
    fix f;
    fix_open(&f, "A");
    pouw_key *a = &f.k[0], *b = &f.k[1];
    common_error err;
    pouw_tx good = signed_tx(a, 7, b->pub, 10, 0, 0);
    cr_assert_eq(add(&f, &err, &good), CHAIN_OK, "%s", err.msg);
    /* a richer copy (signature no longer matches), another chain's, half a document */
    pouw_tx forged = signed_tx(a, 7, b->pub, 10, 0, 50), other_chain = signed_tx(a, 0, b->pub, 10, 0, 60);
    forged.amount = 900;
    char *j;
    size_t len;
    cr_assert_eq(pouw_tx_to_json(&j, &len, &forged), POUW_OK);
    put_row(&f, &forged, j);
    free(j);
    cr_assert_eq(pouw_tx_to_json(&j, &len, &other_chain), POUW_OK);
    put_row(&f, &other_chain, j);
    free(j);
    pouw_tx half = good;
    half.sequence = 7;
    put_row(&f, &half, "{\"type\":\"transfer\",");
    pouw_ledger l;
    tip_ledger(&l, &f);
    pouw_tx *sel;
    size_t n;
    cr_assert_eq(chain_store_tx_select(&sel, &n, &err, f.s, &l, NULL, 10), CHAIN_OK, "%s", err.msg);
    cr_assert_eq(n, 1, "only the valid transfer is chosen");
    cr_assert(pouw_tx_equal(&sel[0], &good));
    free(sel);
    /* a miner is not fooled: the block takes the good transfer only, and verifies */
    pouw_block blk;
    pouw_block_init(&blk);
    tk_mine(f.s, &blk, a->pub);
    cr_assert_eq(blk.n_txs, 2);
    cr_assert(pouw_tx_equal(&blk.txs[1], &good));
    cr_assert_eq(tk_verify(f.s, &blk, NULL), POUW_R_OK);
    pouw_block_clear(&blk);
    pouw_ledger_clear(&l);
    fix_close(&f);
}

/* ---------------------------------------------------------------- processes */

#define WRITERS 4
#define EACH 12
#define SENDERS 20

Test(chain_mempool, several_processes_adding_at_once_lose_nothing, .timeout = 120)
{
    fix f;
    fix_open(&f, "");
    uint8_t to[32];
    memset(to, 0x77, 32);
    /* fund the shared sender (seed 0x10) and the writers' own (0x20 + w) */
    for (int w = -1; w < WRITERS; w++) {
        pouw_key k;
        tk_key(&k, (uint8_t)(w < 0 ? 0x10 : 0x20 + w));
        pouw_block b;
        pouw_block_init(&b);
        tk_mine(f.s, &b, k.pub);
        pouw_block_clear(&b);
        pouw_key_clear(&k);
    }
    pid_t pids[WRITERS];
    for (int w = 0; w < WRITERS; w++) {
        pids[w] = fork();
        cr_assert(pids[w] >= 0);
        if (pids[w] == 0) {
            /* EACH own transfers, and the same EACH shared ones as every other writer */
            chain_store *s = NULL;
            common_error err;
            if (chain_open_v1(&s, &err, f.dir, &f.p, 0, tk_v1()) != CHAIN_OK)
                _exit(2);
            int bad = 0;
            for (int i = 0; i < EACH && !bad; i++) {
                for (int shared = 0; shared < 2 && !bad; shared++) {
                    pouw_key k;
                    uint8_t seed[32];
                    memset(seed, shared ? 0x10 : 0x20 + w, sizeof seed);
                    if (pouw_key_from_seed(&k, seed) != POUW_OK)
                        _exit(3);
                    pouw_tx t = pouw_tx_transfer(7, k.pub, to, 1 + i, (uint64_t)i, 0);
                    bad = pouw_tx_sign(&k, &t) != POUW_OK || chain_store_tx_add(s, NULL, &err, &t) != CHAIN_OK;
                    if (bad)
                        fprintf(stderr, "writer %d: %s: %s\n", w, err.field, err.msg);
                    pouw_key_clear(&k);
                }
            }
            chain_store_close(s);
            _exit(bad);
        }
    }
    for (int w = 0; w < WRITERS; w++) {
        int st;
        cr_assert_eq(waitpid(pids[w], &st, 0), pids[w]);
        cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0, "writer %d failed", w);
    }
    cr_assert_eq(pending(&f), (size_t)(EACH * (WRITERS + 1)));
    fix_close(&f);
}

Test(chain_mempool, processes_sending_from_one_account_at_once_get_distinct_sequences, .timeout = 120)
{
    fix f;
    fix_open(&f, "A");
    pouw_key *a = &f.k[0];
    uint8_t to[32];
    memset(to, 0x78, 32);
    int fds[2];
    cr_assert_eq(pipe(fds), 0);
    pid_t pids[SENDERS];
    for (int w = 0; w < SENDERS; w++) {
        pids[w] = fork();
        cr_assert(pids[w] >= 0);
        if (pids[w] == 0) {
            close(fds[1]);
            char go;
            if (read(fds[0], &go, 1) != 0) /* all start when the pipe closes */
                _exit(5);
            chain_store *s = NULL;
            common_error err;
            if (chain_open_v1(&s, &err, f.dir, &f.p, 0, tk_v1()) != CHAIN_OK)
                _exit(2);
            pouw_tx tx;
            pouw_reason r;
            chain_status cs = chain_store_send(s, &tx, &r, &err, a, to, 10 + w, 1);
            if (cs != CHAIN_OK)
                fprintf(stderr, "sender %d: %s: %s\n", w, err.field, err.msg);
            chain_store_close(s);
            _exit(cs == CHAIN_OK ? 0 : 1);
        }
    }
    close(fds[0]);
    close(fds[1]);
    for (int w = 0; w < SENDERS; w++) {
        int st;
        cr_assert_eq(waitpid(pids[w], &st, 0), pids[w]);
        cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0, "sender %d failed", w);
    }
    pouw_tx *txs;
    size_t n;
    common_error err;
    cr_assert_eq(chain_store_tx_list(&txs, &n, &err, f.s), CHAIN_OK);
    cr_assert_eq(n, SENDERS, "none lost");
    int seen[SENDERS] = {0};
    int64_t sum = 0;
    for (size_t k = 0; k < n; k++) {
        cr_assert_lt(txs[k].sequence, SENDERS);
        cr_assert(!seen[txs[k].sequence], "sequence %llu twice", (unsigned long long)txs[k].sequence);
        seen[txs[k].sequence] = 1;
        sum += txs[k].amount + txs[k].fee;
    }
    free(txs);
    /* the next block takes all of them */
    pouw_block blk;
    pouw_block_init(&blk);
    tk_mine(f.s, &blk, f.k[4].pub);
    cr_assert_eq(blk.n_txs, 1 + SENDERS);
    cr_assert_eq(pouw_ledger_balance(&blk.ledger, a->pub), 1000 - sum);
    cr_assert_eq(pouw_ledger_sequence(&blk.ledger, a->pub), SENDERS);
    cr_assert_eq(pending(&f), 0);
    pouw_block_clear(&blk);
    fix_close(&f);
}

/* ---------------------------------------------------------------- reorganisations */

Test(chain_mempool, a_reorganisation_returns_transfers_and_removes_those_that_can_never_apply, .timeout = 60)
{
    fix f;
    fix_open(&f, "A");
    pouw_key *a = &f.k[0], *b = &f.k[1], *c = &f.k[2];
    common_error err;
    uint8_t b1[32];
    tk_id(b1, f.s, 1);
    pouw_tx t0 = signed_tx(a, 7, b->pub, 10, 0, 1), t1 = signed_tx(a, 7, b->pub, 20, 1, 1);
    cr_assert_eq(add(&f, &err, &t0), CHAIN_OK, "%s", err.msg);
    cr_assert_eq(add(&f, &err, &t1), CHAIN_OK, "%s", err.msg);
    pouw_block blk;
    pouw_block_init(&blk);
    tk_mine(f.s, &blk, b->pub);
    cr_assert_eq(blk.n_txs, 3);
    cr_assert_eq(pending(&f), 0, "both are spent on the new tip");
    /* a heavier branch from block 1 in which A's sequence 0 went to C */
    pouw_tx x0 = signed_tx(a, 7, c->pub, 5, 0, 0);
    ck_forge_opts o;
    memset(&o, 0, sizeof o);
    o.transfers = &x0;
    o.n_transfers = 1;
    pouw_block f2, f3;
    ck_forge(&f2, f.s, b1, c->pub, &o);
    chain_store_add_result res;
    cr_assert_eq(chain_store_add(f.s, &res, NULL, &err, &f2), CHAIN_OK, "%s", err.msg);
    cr_assert(!res.moved, "equal weight: the first seen stays");
    ck_forge(&f3, f.s, f2.post_hash, c->pub, NULL);
    cr_assert_eq(chain_store_add(f.s, &res, NULL, &err, &f3), CHAIN_OK, "%s", err.msg);
    cr_assert(res.moved && res.best);
    cr_assert_eq(res.move.disconnected, 1);
    cr_assert_geq(res.move.returned, 1, "block 2's transfers come back (%zu)", res.move.returned);
    /* t0 (sequence 0) can never apply on the new tip; t1 can */
    pouw_tx *txs;
    size_t n;
    cr_assert_eq(chain_store_tx_list(&txs, &n, &err, f.s), CHAIN_OK);
    cr_assert_eq(n, 1, "%zu pending", n);
    cr_assert(pouw_tx_equal(&txs[0], &t1));
    free(txs);
    /* the next block takes it */
    tk_mine(f.s, &blk, b->pub);
    cr_assert_eq(blk.header.height, 4);
    cr_assert_eq(blk.n_txs, 2);
    cr_assert(pouw_tx_equal(&blk.txs[1], &t1));
    cr_assert_eq(pouw_ledger_balance(&blk.ledger, b->pub), 20 + 1000 + 1, "t1, a coinbase and its fee");
    /* a transfer of another chain is refused with its reason */
    pouw_tx alien = signed_tx(a, 1, b->pub, 1, 2, 0);
    cr_assert_eq(add(&f, &err, &alien), CHAIN_EINVALID);
    cr_assert(!strncmp(err.msg, "tx_chain: ", 10), "%s", err.msg);
    pouw_block_clear(&blk);
    pouw_block_clear(&f2);
    pouw_block_clear(&f3);
    fix_close(&f);
}

/* ---------------------------------------------------------------- maturity, new accounts */

Test(chain_mempool, a_just_mined_reward_is_refused_until_maturity_blocks_later_and_never_mined_early, .timeout = 60)
{
    fix f;
    fix_open_rules(&f, "A", 2, 5); /* maturity 2, min_new_account 5 units; block 1 paid to A */
    pouw_key *a = &f.k[0], *b = &f.k[1], *c = &f.k[2], *e = &f.k[4];
    common_error err;
    pouw_reason r = POUW_R_OK;
    pouw_tx t = signed_tx(a, 7, b->pub, 100, 0, 1);
    cr_assert_eq(chain_store_tx_add(f.s, &r, &err, &t), CHAIN_EINVALID, "block 1's reward at height 2");
    cr_assert_eq(r, POUW_R_TX_IMMATURE);
    cr_assert(!strncmp(err.msg, "tx_immature: ", 13), "%s", err.msg);
    cr_assert_neq(strstr(err.msg, "may spend 0.000000 now"), NULL, "%s", err.msg);
    cr_assert_str_eq(err.field, "amount");
    pouw_tx sent;
    cr_assert_eq(chain_store_send(f.s, &sent, &r, &err, a, b->pub, 100, 1), CHAIN_EINVALID);
    cr_assert_eq(r, POUW_R_TX_IMMATURE, "%s", err.msg);
    cr_assert_eq(pending(&f), 0);
    /* block 2 to E: A's reward of block 1 is spendable at height 3, E's of block 2 is not */
    pouw_block blk;
    pouw_block_init(&blk);
    tk_mine(f.s, &blk, e->pub);
    pouw_block_clear(&blk);
    cr_assert_eq(add(&f, &err, &t), CHAIN_OK, "%s", err.msg);
    pouw_tx te = signed_tx(e, 7, b->pub, 10, 0, 0);
    cr_assert_eq(chain_store_tx_add(f.s, &r, &err, &te), CHAIN_EINVALID);
    cr_assert_eq(r, POUW_R_TX_IMMATURE, "%s", err.msg);
    /* min_new_account: 4 units cannot create C's account; 5 can; B's exists once funded */
    pouw_tx small = signed_tx(a, 7, c->pub, 4, 1, 0);
    cr_assert_eq(chain_store_tx_add(f.s, &r, &err, &small), CHAIN_EINVALID);
    cr_assert_eq(r, POUW_R_TX_NEW_ACCOUNT);
    cr_assert(!strncmp(err.msg, "tx_new_account: ", 16), "%s", err.msg);
    cr_assert_str_eq(err.field, "amount");
    cr_assert_eq(pending(&f), 1);
    /* E's immature transfer put into the database behind the store's back: the
     * miner of block 3 never takes it (verification would reject the block) */
    char *j;
    size_t len;
    cr_assert_eq(pouw_tx_to_json(&j, &len, &te), POUW_OK);
    put_row(&f, &te, j);
    free(j);
    pouw_ledger l = {0}, im = {0};
    pouw_ledger_rules rules;
    uint8_t tip[32];
    chain_store_tip_id(tip, f.s);
    tip_ledger(&l, &f);
    cr_assert_eq(chain_store_rules(&rules, &im, &err, f.s, tip), CHAIN_OK, "%s", err.msg);
    cr_assert_eq(pouw_ledger_balance(&im, e->pub), 1000, "block 2's reward is immature at height 3");
    cr_assert_eq(pouw_ledger_balance(&im, a->pub), 0, "block 1's is mature");
    pouw_tx *sel;
    size_t n;
    cr_assert_eq(chain_store_tx_select(&sel, &n, &err, f.s, &l, &rules, 10), CHAIN_OK, "%s", err.msg);
    cr_assert_eq(n, 1, "only A's transfer");
    cr_assert(pouw_tx_equal(&sel[0], &t));
    free(sel);
    cr_assert_eq(chain_store_tx_select(&sel, &n, &err, f.s, &l, NULL, 10), CHAIN_OK);
    cr_assert_eq(n, 2, "without the rules both would be taken");
    free(sel);
    tk_mine(f.s, &blk, c->pub);
    cr_assert_eq(blk.n_txs, 2, "the coinbase and A's transfer");
    cr_assert(pouw_tx_equal(&blk.txs[1], &t));
    cr_assert_eq(tk_verify(f.s, &blk, NULL), POUW_R_OK);
    pouw_block_clear(&blk);
    /* what block 3 makes immature for its miner: the reward and the fee */
    chain_store_tip_id(tip, f.s);
    cr_assert_eq(chain_store_immature(&im, &err, f.s, tip), CHAIN_OK, "%s", err.msg);
    cr_assert_eq(pouw_ledger_balance(&im, c->pub), 1000 + 1);
    cr_assert_eq(pouw_ledger_balance(&im, e->pub), 0, "block 2's is mature at height 4");
    cr_assert_eq(tk_meta_at(f.s, 3).coinbase, 1001, "the meta's coinbase: the miner's earnings");
    /* at height 4 E's reward of block 2 is mature: its transfer is taken */
    tk_mine(f.s, &blk, c->pub);
    cr_assert_eq(blk.n_txs, 2);
    cr_assert(!memcmp(blk.txs[1].from, e->pub, 32));
    cr_assert_eq(tk_verify(f.s, &blk, NULL), POUW_R_OK);
    pouw_block_clear(&blk);
    pouw_ledger_clear(&l);
    pouw_ledger_clear(&im);
    fix_close(&f);
}

/* ---------------------------------------------------------------- bin/chain */

static int run(const char *cmd, const char *out, const char *err)
{
    char line[8192];
    snprintf(line, sizeof line, "%s >%s 2>%s", cmd, out ? out : "/dev/null", err ? err : "/dev/null");
    int st = system(line);
    cr_assert(st != -1 && WIFEXITED(st), "command crashed or was killed: %s", cmd);
    return WEXITSTATUS(st);
}

Test(chain_cli, help_and_usage_errors)
{
    char chain[512], cmd[2048];
    tk_bin(chain, sizeof chain, "chain");
    const char *helps[][2] = {{"--help", "status"},         {"help", "status"},
                              {"status --help", "status"},  {"send --help", "send"},
                              {"accounts --help", "accounts"}, {"verify --help", "verify"},
                              {"show --help", "show"},      {"keygen --help", "keygen"}};
    for (size_t i = 0; i < NELEM(helps); i++) {
        snprintf(cmd, sizeof cmd, "%s %s | head -n1 | grep -q '^Usage: chain %s '", chain, helps[i][0], helps[i][1]);
        cr_assert_eq(run(cmd, NULL, NULL), 0, "%s", helps[i][0]);
    }
    const char *usage[] = {"",
                           "frobnicate --data /tmp",
                           "status",
                           "status --data",
                           "status --data /nonexistent/pouw",
                           "status --data /tmp --chain alpha",
                           "status --data /tmp --bogus",
                           "send --data /tmp --chain alpha --to x",
                           "send --data /tmp --chain alpha --to x --amount 0",
                           "send --data /tmp --chain alpha --to x --amount -5",
                           "send --data /tmp --chain alpha --to x --amount 9007199254740992",
                           "send --data /tmp --chain alpha --to x --amount 1x",
                           "send --data /tmp --chain alpha --to x --amount 1 --fee -1",
                           "send --data /tmp --chain alpha --to x --amount 1.0000001",
                           "send --data /tmp --chain alpha --to x --amount 1.0000000",
                           "send --data /tmp --chain alpha --to x --amount 9007199254.740992",
                           "send --data /tmp --chain alpha --to x --amount .5",
                           "send --data /tmp --chain alpha --to x --amount 1.",
                           "send --data /tmp --chain alpha --to x --amount 1e3",
                           "send --data /tmp --chain alpha --to x --amount 0.0000001",
                           "send --data /tmp --chain alpha --to x --amount ' 1'",
                           "send --data /tmp --chain alpha --to x --amount 1 --fee 0.0000001",
                           "send --data /tmp --chain alpha --to x --amount 1 --fee 1,5",
                           "send --data /tmp --chain delta --to x --amount 1",
                           "send --data /tmp --chain alpha --to x --amount 1 --json",
                           "accounts",
                           "verify",
                           "verify --data /nonexistent/pouw",
                           "verify --data /tmp --threads 0",
                           "verify --data /tmp --trust",
                           "status --data /tmp extra"};
    for (size_t i = 0; i < NELEM(usage); i++) {
        snprintf(cmd, sizeof cmd, "%s %s", chain, usage[i]);
        cr_assert_eq(run(cmd, NULL, NULL), 2, "usage error expected: chain %s", usage[i]);
    }
}

static void key_file(const char *path, uint8_t seed_byte, const char *label, pouw_key *k)
{
    char text[256], hex[65];
    uint8_t seed[32];
    memset(seed, seed_byte, 32);
    pouw_hex_encode(hex, seed, 32);
    snprintf(text, sizeof text, "ed25519-private %s\nlabel %s\n", hex, label);
    write_file(path, text, strlen(text));
    chmod(path, 0600);
    cr_assert_eq(pouw_key_from_seed(k, seed), POUW_OK);
}

/* Mines one block of the testnet AlphaCoin in data paid to miner (in process:
 * the library is what bin/pouw mine runs). */
static void testnet_mine(const char *data, const uint8_t miner[32], pouw_block *b)
{
    chain_store *s;
    const chain_params *p = chain_testnet_by_name("alpha");
    cr_assert_not_null(p);
    tk_open(&s, data, p);
    tk_mine(s, b, miner);
    chain_store_close(s);
}

Test(chain_cli, a_sent_transfer_is_mined_and_shows_in_status_accounts_and_verify)
{
    char dir[256], data[300], keys[320], alice_key[400], bob_key[400], chain[512], cmd[4096], o[400], e[400];
    tk_tmpdir(dir);
    tk_bin(chain, sizeof chain, "chain");
    snprintf(data, sizeof data, "%s/data", dir);
    snprintf(keys, sizeof keys, "%s/keys", data);
    common_error kerr;
    cr_assert_eq(chain_mkdirs(&kerr, keys, 1), CHAIN_OK, "%s", kerr.msg);
    snprintf(alice_key, sizeof alice_key, "%s/alice.key", keys);
    snprintf(bob_key, sizeof bob_key, "%s/bob.key", keys);
    snprintf(o, sizeof o, "%s/out", dir);
    snprintf(e, sizeof e, "%s/err", dir);
    pouw_key alice, bob;
    key_file(alice_key, 0x73, "alice", &alice);
    key_file(bob_key, 0x74, "bob", &bob);
    char ha[65], hb[65];
    pouw_hex_encode(ha, alice.pub, 32);
    pouw_hex_encode(hb, bob.pub, 32);
    pouw_block b;
    pouw_block_init(&b);
    testnet_mine(data, alice.pub, &b); /* alice holds 1000 coins, immature until height 3 (maturity 2) */
    pouw_block_clear(&b);
    snprintf(cmd, sizeof cmd, "%s send --testnet --data %s --chain alpha --to bob --amount 250 --fee 3 --key %s", chain,
             data, alice_key);
    cr_assert_eq(run(cmd, o, e), 1, "a just-mined reward is not spendable in the next block");
    {
        char *m = slurp(e);
        cr_assert_neq(strstr(m, "rejected (tx_immature)"), NULL, "%s", m);
        cr_assert_neq(strstr(m, "may spend 0.000000 now"), NULL, "the amount spendable: %s", m);
        free(m);
    }
    uint8_t other[32];
    memset(other, 0x75, 32);
    testnet_mine(data, other, &b); /* height 2 to someone else: alice's reward of block 1 is mature at 3 */
    pouw_block_clear(&b);

    /* send 250 (fee 3) to bob by his key's name, then 100 by his account id */
    snprintf(cmd, sizeof cmd, "%s send --testnet --data %s --chain alpha --to bob --amount 250 --fee 3 --key %s", chain,
             data, alice_key);
    cr_assert_eq(run(cmd, o, e), 0, "%s", slurp(e));
    char *t = slurp(e);
    cr_assert_neq(strstr(t, " transfer of 250.000000 coins (fee 3.000000) from "), NULL, "%s", t);
    free(t);
    t = slurp(o);
    cr_assert_eq(strlen(t), 65, "one transfer id: %s", t);
    t[64] = '\0';
    {
        /* the transfer waits in the database's mempool */
        chain_store *s;
        tk_open(&s, data, chain_testnet_by_name("alpha"));
        pouw_tx *txs;
        size_t n;
        common_error e2;
        cr_assert_eq(chain_store_tx_list(&txs, &n, &e2, s), CHAIN_OK, "%s", e2.msg);
        cr_assert_eq(n, 1);
        uint8_t id[32];
        char hex[65];
        cr_assert_eq(pouw_tx_id(id, &txs[0]), POUW_OK);
        pouw_hex_encode(hex, id, 32);
        cr_assert_str_eq(hex, t, "the id printed is the pending transfer's");
        free(txs);
        chain_store_close(s);
    }
    free(t);
    snprintf(cmd, sizeof cmd, "%s send --testnet --data %s --chain alpha --to %s --amount 99.5 --fee 0.5 --key %s", chain,
             data, hb, alice_key);
    cr_assert_eq(run(cmd, o, e), 0);
    t = slurp(e);
    cr_assert_neq(strstr(t, "sequence 1"), NULL, "the second takes the next sequence: %s", t);
    free(t);
    /* refused: more than alice has once both are counted; an unknown account */
    snprintf(cmd, sizeof cmd, "%s send --testnet --data %s --chain alpha --to bob --amount 648 --key %s", chain, data,
             alice_key);
    cr_assert_eq(run(cmd, o, e), 1);
    t = slurp(e);
    cr_assert_neq(strstr(t, "rejected (tx_overspend)"), NULL, "%s", t);
    free(t);
    snprintf(cmd, sizeof cmd, "%s send --testnet --data %s --chain alpha --to carol --amount 1 --key %s", chain, data,
             alice_key);
    cr_assert_eq(run(cmd, o, e), 2);
    snprintf(cmd, sizeof cmd, "%s send --testnet --data %s --chain bravo --to bob --amount 1 --key %s", chain, data,
             alice_key);
    cr_assert_eq(run(cmd, o, e), 2, "no bravo chain there");
    snprintf(cmd, sizeof cmd, "%s status --testnet --data %s", chain, data);
    cr_assert_eq(run(cmd, o, e), 0, "%s", slurp(e));
    t = slurp(o);
    cr_assert_neq(strstr(t, "  mempool pending 2 ignored 0\n"), NULL, "%s", t);
    free(t);

    /* the next block takes both */
    testnet_mine(data, alice.pub, &b);
    cr_assert_eq(b.n_txs, 3);
    pouw_block_clear(&b);
    snprintf(cmd, sizeof cmd, "%s status --testnet --data %s", chain, data);
    cr_assert_eq(run(cmd, o, e), 0, "%s", slurp(e));
    t = slurp(o);
    char line[300];
    snprintf(line, sizeof line, "  balance account %s balance 349.500000 sequence 0 label bob\n", hb);
    cr_assert_neq(strstr(t, line), NULL, "bob's balance: %s", t);
    snprintf(line, sizeof line, "  balance account %s balance 1650.500000 sequence 2 label alice\n", ha);
    cr_assert_neq(strstr(t, line), NULL, "alice paid 353, got 3.5 back as the miner and 1000 more: %s", t);
    cr_assert_neq(strstr(t, "chain test-alpha TestAlphaCoin id 100\n  height 3\n"), NULL, "%s", t);
    cr_assert_neq(strstr(t, "  coins 3000.000000\n"), NULL, "%s", t);
    cr_assert_neq(strstr(t, "  mempool pending 0 ignored 0\n"), NULL, "%s", t);
    cr_assert_neq(strstr(t, "  block height 3 id "), NULL, "%s", t);
    cr_assert_neq(strstr(t, " transactions 3 miner "), NULL, "%s", t);
    cr_assert_neq(strstr(t, "chain test-bravo TestBravoCoin id 101\n  absent true\n"), NULL, "%s", t);
    snprintf(cmd, sizeof cmd, "%s status --testnet --data %s --trust", chain, data);
    cr_assert_eq(run(cmd, o, e), 0);
    char *tt = slurp(o);
    cr_assert_str_eq(tt, t, "trusting the stored blocks shows the same (they are valid)");
    free(tt);
    free(t);
    snprintf(cmd, sizeof cmd, "%s status --testnet --data %s --json", chain, data);
    cr_assert_eq(run(cmd, o, e), 0);
    t = slurp(o);
    cJSON *root = cJSON_Parse(t);
    cr_assert_not_null(root, "status --json is JSON: %s", t);
    cJSON *c0 = cJSON_GetArrayItem(cJSON_GetObjectItem(root, "chains"), 0);
    cr_assert_eq(cJSON_GetObjectItem(c0, "height")->valuedouble, 3);
    cr_assert_eq(cJSON_GetObjectItem(c0, "coins_units")->valuedouble, 3000.0 * CHAIN_COIN, "integers of units");
    cr_assert_null(cJSON_GetObjectItem(c0, "coins"), "renamed: the unit is in the name");
    cr_assert_eq(cJSON_GetArraySize(cJSON_GetObjectItem(c0, "blocks")), 4);
    int found = 0;
    cJSON *e0;
    cJSON_ArrayForEach(e0, cJSON_GetObjectItem(c0, "balances"))
    {
        if (!strcmp(cJSON_GetObjectItem(e0, "account")->valuestring, hb)) {
            found = 1;
            cr_assert_eq(cJSON_GetObjectItem(e0, "balance_units")->valuedouble, 349.5 * CHAIN_COIN);
            cr_assert_str_eq(cJSON_GetObjectItem(e0, "label")->valuestring, "bob");
        }
    }
    cr_assert(found);
    cJSON_Delete(root);
    free(t);

    /* accounts: every account, with its label and balance per chain */
    snprintf(cmd, sizeof cmd, "%s accounts --testnet --data %s", chain, data);
    cr_assert_eq(run(cmd, o, e), 0);
    t = slurp(o);
    snprintf(line, sizeof line, "%s test-alpha 349.500000 test-bravo - test-charlie - label bob\n", hb);
    cr_assert_neq(strstr(t, line), NULL, "%s", t);
    snprintf(line, sizeof line, "%s test-alpha 1650.500000 test-bravo - test-charlie - label alice\n", ha);
    cr_assert_neq(strstr(t, line), NULL, "%s", t);
    free(t);

    /* verify: valid; then a tampered block is named with its reason */
    snprintf(cmd, sizeof cmd, "%s verify --testnet --data %s", chain, data);
    cr_assert_eq(run(cmd, o, e), 0, "%s", slurp(e));
    t = slurp(o);
    cr_assert_neq(strstr(t, "valid TestAlphaCoin chain: best tip 3 "), NULL, "%s", t);
    cr_assert_neq(strstr(t, " 3000.000000 coins in "), NULL, "%s", t);
    free(t);
    /* bob's dream: a richer ledger row for block 3, behind the store's back */
    char sql[400];
    snprintf(sql, sizeof sql, "UPDATE ledger SET balance = balance + 1000 WHERE account = X'%s' AND block = ?1", hb);
    {
        chain_store *s;
        tk_open(&s, data, chain_testnet_by_name("alpha"));
        uint8_t id3[32];
        tk_id(id3, s, 3);
        chain_store_close(s);
        cr_assert_eq(tk_sql(data, sql, id3), 1);
    }
    cr_assert_eq(run(cmd, o, e), 1);
    t = slurp(e);
    cr_assert_neq(strstr(t, "chains.db: ledger"), NULL, "names the database and the field: %s", t);
    cr_assert_neq(strstr(t, ": block 3 "), NULL, "%s", t);
    cr_assert_neq(strstr(t, "now rejected (ledger"), NULL, "%s", t);
    free(t);
    pouw_key_clear(&alice);
    pouw_key_clear(&bob);
    tk_rmrf(dir);
}
