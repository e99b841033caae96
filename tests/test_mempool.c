/* tests/test_mempool.c - the mempool of pending transfers (chain/mempool.h),
 * mining blocks that take them (chain/node.h), and the `chain` program
 * (chain/chain_main.c) end to end, on the tiny test chain of
 * tests/pouw_testkit.h and on the testnet chains.
 *
 * Shows: chain_mempool_add refuses a forged signature, a replayed sequence, an
 * overspend, a wrong chain and an amount near 2^63, each with its reason, and
 * writes nothing then; a sender's queued transfers take consecutive sequences;
 * selection is deterministic (sequence order per sender, then fee, then id) and
 * what it picks applies; files that are not valid transfers are ignored and
 * reported, never believed; several processes adding at once lose nothing and
 * leave no partial file; a reorganisation returns transfers and pruning removes
 * spent ones; a mined block takes the mempool's transfers after the coinbase,
 * pays the fees to its miner and keeps the coins at reward x height; and through
 * bin/chain a sent transfer is mined and shows in `status` and `accounts`. */
#include <criterion/criterion.h>

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "common/buf.h"
#include "chain/mempool.h"
#include "chain/node.h"
#include "chain/params.h"
#include "chain/store.h"
#include "pouw/block.h"
#include "pouw/keys.h"
#include "pouw/tx.h"
#include "pouw/verify.h"
#include "tests/pouw_testkit.h"

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

static char *slurp(const char *path)
{
    FILE *f = fopen(path, "rb");
    cr_assert_not_null(f, "%s", path);
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *b = malloc((size_t)n + 1);
    cr_assert_eq(fread(b, 1, (size_t)n, f), (size_t)n);
    b[n] = '\0';
    fclose(f);
    return b;
}

/* Files in a folder (only those whose name contains `contains` when not NULL). */
static int count_files(const char *dir, const char *contains)
{
    DIR *d = opendir(dir);
    if (!d)
        return 0;
    int n = 0;
    struct dirent *de;
    while ((de = readdir(d)) != NULL)
        if (de->d_name[0] != '.' && (!contains || strstr(de->d_name, contains)))
            n++;
    closedir(d);
    return n;
}

/* The tiny chain in a fresh folder, keys A B C D, and blocks 1.. paid to
 * the keys named in `payees` (A holds 1000 after "A"). */
typedef struct fix {
    char dir[256];
    chain_params p;
    chain_store s;
    pouw_key k[5]; /* A B C D E */
} fix;

static void fix_open(fix *f, const char *payees)
{
    memset(f, 0, sizeof *f);
    tk_tmpdir(f->dir);
    f->p = tk_params();
    tk_open(&f->s, f->dir, &f->p);
    for (int i = 0; i < 5; i++)
        tk_key(&f->k[i], (uint8_t)(0x41 + i));
    for (const char *c = payees; *c; c++) {
        pouw_block b;
        pouw_block_init(&b);
        tk_mine(&f->s, &b, f->k[*c - 'A'].pub);
        cr_assert_eq(b.n_txs, 1, "the mempool is empty: a coinbase alone");
        pouw_block_clear(&b);
    }
}

static void fix_close(fix *f)
{
    chain_store_close(&f->s);
    for (int i = 0; i < 5; i++)
        pouw_key_clear(&f->k[i]);
    tk_rmrf(f->dir);
}

/* The tip's ledger of f's chain. */
static void tip_ledger(pouw_ledger *l, fix *f)
{
    pouw_block b;
    pouw_block_init(&b);
    common_error err;
    cr_assert_eq(chain_store_load(&b, &err, &f->s, chain_store_tip_height(&f->s)), CHAIN_OK);
    *l = b.ledger;
    b.ledger = (pouw_ledger){0};
    pouw_block_clear(&b);
}

static size_t pending(fix *f, chain_mempool_report *rep)
{
    pouw_tx *txs;
    size_t n;
    common_error err;
    cr_assert_eq(chain_mempool_list(&txs, &n, rep, &err, f->s.dir), CHAIN_OK, "%s", err.msg);
    free(txs);
    return n;
}

static void mempool_dir(char *out, size_t cap, const fix *f) { snprintf(out, cap, "%s/mempool", f->s.dir); }

/* ---------------------------------------------------------------- adding */

Test(chain_mempool, add_refuses_each_invalid_transfer_with_its_reason_and_writes_nothing, .timeout = 60)
{
    fix f;
    fix_open(&f, "A");
    pouw_key *a = &f.k[0], *b = &f.k[1], *c = &f.k[2];
    common_error err;
    pouw_ledger l;
    /* block 2 takes A -> B 100 (fee 1) from the mempool: A's sequence 0 is used */
    pouw_tx first = signed_tx(a, 7, b->pub, 100, 0, 1);
    tip_ledger(&l, &f);
    cr_assert_eq(chain_mempool_add(&err, f.s.dir, &first, &l), CHAIN_OK, "%s", err.msg);
    pouw_ledger_clear(&l);
    pouw_block blk;
    pouw_block_init(&blk);
    tk_mine(&f.s, &blk, f.k[4].pub);
    cr_assert_eq(blk.n_txs, 2);
    cr_assert(pouw_tx_equal(&blk.txs[1], &first));
    pouw_block_clear(&blk);
    tip_ledger(&l, &f);
    size_t removed;
    cr_assert_eq(chain_mempool_prune(&removed, &err, f.s.dir, &l), CHAIN_OK);
    cr_assert_eq(pending(&f, NULL), 0, "the mined transfer left the mempool");
    cr_assert_eq(pouw_ledger_balance(&l, a->pub), 899);
    cr_assert_eq(pouw_ledger_sequence(&l, a->pub), 1);

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
        {"wrong chain (AlphaCoin's)", signed_tx(a, 0, c->pub, 5, 1, 0), "tx_chain", "chain_id"},
        {"amount near 2^63", signed_tx(a, 7, c->pub, INT64_MAX - 7, 1, 0), "tx_overflow", "amount"},
        {"amount + fee wraps", signed_tx(a, 7, c->pub, INT64_MAX, 1, INT64_MAX), "tx_overflow", "amount"},
        {"nothing moved", signed_tx(a, 7, c->pub, 0, 1, 0), "tx", "amount"},
        {"a coinbase", coinbase, "tx", "type"},
    };
    char mp[512];
    mempool_dir(mp, sizeof mp, &f);
    int before = count_files(mp, NULL);
    for (size_t k = 0; k < NELEM(cases); k++) {
        chain_status cs = chain_mempool_add(&err, f.s.dir, &cases[k].tx, &l);
        cr_assert_eq(cs, CHAIN_EINVALID, "%s was accepted", cases[k].name);
        char want[64];
        snprintf(want, sizeof want, "%s: ", cases[k].reason);
        cr_assert(!strncmp(err.msg, want, strlen(want)), "%s: message \"%s\" does not start with the reason %s",
                  cases[k].name, err.msg, cases[k].reason);
        cr_assert_str_eq(err.field, cases[k].field, "%s: %s", cases[k].name, err.msg);
        cr_assert_eq(err.code, CHAIN_EINVALID);
        cr_assert_eq(count_files(mp, NULL), before, "%s: nothing written", cases[k].name);
    }
    /* without a ledger only what a transfer says of itself is checked */
    cr_assert_eq(chain_mempool_add(&err, f.s.dir, &forged, NULL), CHAIN_EINVALID);
    cr_assert_eq(chain_mempool_add(&err, f.s.dir, &cases[6].tx, NULL), CHAIN_EINVALID);
    cr_assert(!strncmp(err.msg, "tx_overflow: ", 13), "%s", err.msg);
    pouw_tx later = signed_tx(a, 7, c->pub, 5, 1, 0);
    cr_assert_eq(chain_mempool_add(&err, f.s.dir, &later, &l), CHAIN_OK, "%s", err.msg);
    cr_assert_eq(chain_mempool_add(&err, f.s.dir, &later, &l), CHAIN_OK, "adding it again is no error");
    cr_assert_eq(pending(&f, NULL), 1);
    pouw_ledger_clear(&l);
    fix_close(&f);
}

Test(chain_mempool, a_senders_queued_transfers_take_consecutive_sequences_and_are_mined_in_order, .timeout = 60)
{
    fix f;
    fix_open(&f, "A");
    pouw_key *a = &f.k[0], *b = &f.k[1], *m = &f.k[4];
    common_error err;
    pouw_ledger l;
    tip_ledger(&l, &f);
    uint64_t seq = 99;
    cr_assert_eq(chain_mempool_next_sequence(&seq, &err, f.s.dir, &l, a->pub), CHAIN_OK);
    cr_assert_eq(seq, 0, "sequences start at 0");
    int64_t amounts[] = {300, 300, 390};
    for (int i = 0; i < 3; i++) {
        pouw_tx t = signed_tx(a, 7, b->pub, amounts[i], seq, 3);
        cr_assert_eq(chain_mempool_add(&err, f.s.dir, &t, &l), CHAIN_OK, "transfer %d: %s", i, err.msg);
        cr_assert_eq(chain_mempool_next_sequence(&seq, &err, f.s.dir, &l, a->pub), CHAIN_OK);
        cr_assert_eq(seq, (uint64_t)i + 1);
        if (i == 1) {
            /* the pending ones count against the balance: 1000 - 606 leaves 394 */
            pouw_tx over = signed_tx(a, 7, b->pub, 392, seq, 3);
            cr_assert_eq(chain_mempool_add(&err, f.s.dir, &over, &l), CHAIN_EINVALID);
            cr_assert(!strncmp(err.msg, "tx_overspend: ", 14), "%s", err.msg);
            pouw_tx gap = signed_tx(a, 7, b->pub, 1, seq + 1, 0);
            cr_assert_eq(chain_mempool_add(&err, f.s.dir, &gap, &l), CHAIN_EINVALID);
            cr_assert(!strncmp(err.msg, "tx_sequence: ", 13), "%s", err.msg);
        }
    }
    pouw_ledger_clear(&l);
    pouw_block blk;
    pouw_block_init(&blk);
    tk_mine(&f.s, &blk, m->pub);
    cr_assert_eq(blk.n_txs, 4, "the coinbase, then the three transfers");
    cr_assert_eq(blk.txs[0].type, POUW_TX_COINBASE);
    for (int i = 0; i < 3; i++)
        cr_assert_eq(blk.txs[i + 1].sequence, (uint64_t)i);
    cr_assert_eq(tk_verify(&f.s, &blk, NULL), POUW_R_OK);
    cr_assert_eq(pouw_ledger_balance(&blk.ledger, a->pub), 1);
    cr_assert_eq(pouw_ledger_balance(&blk.ledger, b->pub), 990);
    cr_assert_eq(pouw_ledger_balance(&blk.ledger, m->pub), 1009, "the fees go to the block's miner");
    cr_assert_eq(pouw_ledger_total(&blk.ledger), 2000, "reward x height");
    pouw_block_clear(&blk);
    /* spent transfers leave the mempool */
    size_t removed;
    tip_ledger(&l, &f);
    cr_assert_eq(chain_mempool_prune(&removed, &err, f.s.dir, &l), CHAIN_OK);
    cr_assert_eq(pending(&f, NULL), 0);
    cr_assert_eq(chain_mempool_next_sequence(&seq, &err, f.s.dir, &l, a->pub), CHAIN_OK);
    cr_assert_eq(seq, 3);
    pouw_ledger_clear(&l);
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
            b1 = signed_tx(b, 7, e->pub, 100, 1, 3), e0 = signed_tx(e, 7, d->pub, 50, 0, 10),
            c0 = signed_tx(c, 7, d->pub, 2000, 0, 0), c1 = signed_tx(c, 7, d->pub, 1, 1, 50),
            d0 = signed_tx(d, 7, a->pub, 1, 0, 5);
    /* without a ledger: what cannot apply now (overspends, gaps, unfunded) enters too */
    const pouw_tx *all[] = {&c1, &e0, &a0, &b1, &d0, &a1, &c0, &b0, &a0x};
    for (size_t k = 0; k < NELEM(all); k++)
        cr_assert_eq(chain_mempool_add(&err, f.s.dir, all[k], NULL), CHAIN_OK, "%zu: %s", k, err.msg);
    pouw_ledger l;
    tip_ledger(&l, &f);
    /* the highest fee among the senders' next transfers each time: A's sequence
     * 0 at the higher fee (5), A's sequence 1 (9), then D's (5; D is paid 10 by
     * A's sequence 1 just before), B's two (3 each), then E's (10), which B's
     * second one funds within the block; never A's other sequence 0, nor C's
     * (an overspend, then a gap) */
    const pouw_tx *want[] = {&a0x, &a1, &d0, &b0, &b1, &e0};
    for (int round = 0; round < 2; round++) {
        pouw_tx *sel;
        size_t n;
        cr_assert_eq(chain_mempool_select(&sel, &n, &err, f.s.dir, &l, 100), CHAIN_OK, "%s", err.msg);
        cr_assert_eq(n, NELEM(want), "round %d: %zu chosen", round, n);
        for (size_t k = 0; k < n; k++)
            cr_assert(pouw_tx_equal(&sel[k], want[k]), "round %d: position %zu", round, k);
        /* what it chose applies after a coinbase, fees to the miner */
        pouw_tx *blk = malloc((n + 1) * sizeof *blk);
        blk[0] = pouw_tx_coinbase(e->pub, 1000, 4);
        memcpy(blk + 1, sel, n * sizeof *sel);
        pouw_ledger w = {0};
        size_t bad;
        cr_assert_eq(pouw_ledger_copy(&w, &l), POUW_OK);
        cr_assert_eq(pouw_ledger_apply_block(&w, &bad, 7, e->pub, blk, n + 1), POUW_OK, "at %zu", bad);
        cr_assert_eq(pouw_ledger_total(&w), 4000);
        pouw_ledger_clear(&w);
        free(blk);
        free(sel);
    }
    pouw_tx *sel;
    size_t n;
    cr_assert_eq(chain_mempool_select(&sel, &n, &err, f.s.dir, &l, 2), CHAIN_OK);
    cr_assert_eq(n, 2, "max is respected");
    cr_assert(pouw_tx_equal(&sel[0], &a0x) && pouw_tx_equal(&sel[1], &a1));
    free(sel);
    cr_assert_eq(chain_mempool_select(&sel, &n, &err, f.s.dir, &l, 0), CHAIN_OK);
    cr_assert_eq(n, 0);
    cr_assert_null(sel);
    /* the miner takes the same list */
    pouw_block blk;
    pouw_block_init(&blk);
    tk_mine(&f.s, &blk, e->pub);
    cr_assert_eq(blk.n_txs, 1 + NELEM(want));
    for (size_t k = 0; k < NELEM(want); k++)
        cr_assert(pouw_tx_equal(&blk.txs[k + 1], want[k]), "block position %zu", k + 1);
    cr_assert_eq(tk_verify(&f.s, &blk, NULL), POUW_R_OK);
    cr_assert_eq(pouw_ledger_total(&blk.ledger), 4000);
    pouw_block_clear(&blk);
    pouw_ledger_clear(&l);
    fix_close(&f);
}

/* ---------------------------------------------------------------- hostile files */

Test(chain_mempool, files_that_are_not_valid_transfers_are_ignored_and_reported, .timeout = 60)
{
    fix f;
    fix_open(&f, "A");
    pouw_key *a = &f.k[0], *b = &f.k[1];
    common_error err;
    pouw_tx good = signed_tx(a, 7, b->pub, 10, 0, 0);
    cr_assert_eq(chain_mempool_add(&err, f.s.dir, &good, NULL), CHAIN_OK);
    char mp[512], path[1024], hex[65];
    mempool_dir(mp, sizeof mp, &f);
    /* the file is named by the transfer's id and holds its one-line document */
    uint8_t id[32];
    cr_assert_eq(pouw_tx_id(id, &good), POUW_OK);
    pouw_hex_encode(hex, id, 32);
    snprintf(path, sizeof path, "%s/%s.json", mp, hex);
    char *text = slurp(path), *js;
    size_t len;
    cr_assert_eq(pouw_tx_to_json(&js, &len, &good), POUW_OK);
    cr_assert_str_eq(text, js);
    free(text);
    /* hostile and broken files */
    pouw_tx forged = good, other_chain = signed_tx(a, 0, b->pub, 10, 0, 0), other = signed_tx(a, 7, b->pub, 11, 0, 0);
    forged.amount = 1000;
    const pouw_tx *named[] = {&forged, &other_chain};
    for (size_t k = 0; k < 2; k++) {
        char *j;
        cr_assert_eq(pouw_tx_to_json(&j, &len, named[k]), POUW_OK);
        cr_assert_eq(pouw_tx_id(id, named[k]), POUW_OK);
        pouw_hex_encode(hex, id, 32);
        snprintf(path, sizeof path, "%s/%s.json", mp, hex);
        write_file(path, j, len);
        free(j);
    }
    char *oj;
    cr_assert_eq(pouw_tx_to_json(&oj, &len, &other), POUW_OK);
    snprintf(path, sizeof path, "%s/%s.json", mp, "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef");
    write_file(path, oj, len); /* a transfer under another's name */
    free(oj);
    snprintf(path, sizeof path, "%s/%s.json", mp, "1111111111111111111111111111111111111111111111111111111111111111");
    write_file(path, "{\"type\":\"transfer\",", 19); /* half a document */
    snprintf(path, sizeof path, "%s/notes.json", mp);
    write_file(path, js, len); /* not named by an id */
    snprintf(path, sizeof path, "%s/%s.json", mp, "2222222222222222222222222222222222222222222222222222222222222222");
    char *big = malloc(10000);
    memset(big, ' ', 10000);
    write_file(path, big, 10000);
    free(big);
    snprintf(path, sizeof path, "%s/%s.json.tmp.Ab12Cd", mp,
             "3333333333333333333333333333333333333333333333333333333333333333");
    write_file(path, "{", 1); /* a writer's temporary file: not looked at */
    free(js);
    chain_mempool_report rep;
    cr_assert_eq(pending(&f, &rep), 1, "only the valid transfer counts");
    cr_assert_eq(rep.files, 7);
    cr_assert_eq(rep.ignored, 6);
    cr_assert_eq(rep.first.code, CHAIN_EINVALID);
    cr_assert_neq(strstr(rep.first.path, "/mempool/"), NULL, "the report names the file: %s", rep.first.path);
    pouw_ledger l;
    tip_ledger(&l, &f);
    pouw_tx *sel;
    size_t n;
    memset(&err, 0, sizeof err);
    cr_assert_eq(chain_mempool_select(&sel, &n, &err, f.s.dir, &l, 10), CHAIN_OK);
    cr_assert_eq(n, 1);
    cr_assert(pouw_tx_equal(&sel[0], &good));
    free(sel);
    cr_assert_eq(err.code, CHAIN_OK, "a notice, not an error");
    cr_assert_neq(strstr(err.msg, "ignored 6 unusable mempool files"), NULL, "%s", err.msg);
    /* pruning removes what can never apply (forged, another chain's), keeps the rest */
    size_t removed = 0;
    cr_assert_eq(chain_mempool_prune(&removed, &err, f.s.dir, &l), CHAIN_OK, "%s", err.msg);
    cr_assert_eq(removed, 2);
    cr_assert_eq(pending(&f, &rep), 1);
    cr_assert_eq(rep.ignored, 4);
    /* a miner is not fooled: the block takes the good transfer only, and verifies */
    pouw_block blk;
    pouw_block_init(&blk);
    tk_mine(&f.s, &blk, a->pub);
    cr_assert_eq(blk.n_txs, 2);
    cr_assert(pouw_tx_equal(&blk.txs[1], &good));
    cr_assert_eq(tk_verify(&f.s, &blk, NULL), POUW_R_OK);
    pouw_block_clear(&blk);
    pouw_ledger_clear(&l);
    fix_close(&f);
}

/* ---------------------------------------------------------------- processes */

#define WRITERS 4
#define EACH 12

Test(chain_mempool, several_processes_adding_at_once_lose_nothing_and_leave_no_partial_file, .timeout = 60)
{
    fix f;
    fix_open(&f, "");
    uint8_t to[32];
    memset(to, 0x77, 32);
    pid_t pids[WRITERS];
    for (int w = 0; w < WRITERS; w++) {
        pids[w] = fork();
        cr_assert(pids[w] >= 0);
        if (pids[w] == 0) {
            /* EACH own transfers, and the same EACH shared ones as every other writer */
            int bad = 0;
            for (int i = 0; i < EACH && !bad; i++) {
                for (int shared = 0; shared < 2 && !bad; shared++) {
                    pouw_key k;
                    uint8_t seed[32];
                    memset(seed, shared ? 0x10 : 0x20 + w, sizeof seed);
                    if (pouw_key_from_seed(&k, seed) != POUW_OK)
                        _exit(3);
                    pouw_tx t = pouw_tx_transfer(7, k.pub, to, 1 + i, (uint64_t)i, 0);
                    common_error err;
                    bad = pouw_tx_sign(&k, &t) != POUW_OK || chain_mempool_add(&err, f.s.dir, &t, NULL) != CHAIN_OK;
                    pouw_key_clear(&k);
                }
            }
            _exit(bad);
        }
    }
    for (int w = 0; w < WRITERS; w++) {
        int st;
        cr_assert_eq(waitpid(pids[w], &st, 0), pids[w]);
        cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0, "writer %d failed", w);
    }
    chain_mempool_report rep;
    cr_assert_eq(pending(&f, &rep), (size_t)(EACH * (WRITERS + 1)));
    cr_assert_eq(rep.ignored, 0, "no partial or foreign file: %s", rep.first.msg);
    char mp[512];
    mempool_dir(mp, sizeof mp, &f);
    cr_assert_eq(count_files(mp, ".tmp."), 0, "no temporary file left");
    fix_close(&f);
}

/* ---------------------------------------------------------------- reorganisations */

Test(chain_mempool, a_reorganisation_returns_transfers_and_pruning_removes_spent_ones, .timeout = 60)
{
    fix f;
    fix_open(&f, "A");
    pouw_key *a = &f.k[0], *b = &f.k[1];
    common_error err;
    pouw_ledger l1, l2;
    tip_ledger(&l1, &f);
    pouw_tx t0 = signed_tx(a, 7, b->pub, 10, 0, 1), t1 = signed_tx(a, 7, b->pub, 20, 1, 1);
    cr_assert_eq(chain_mempool_add(&err, f.s.dir, &t0, &l1), CHAIN_OK);
    cr_assert_eq(chain_mempool_add(&err, f.s.dir, &t1, &l1), CHAIN_OK);
    pouw_block blk;
    pouw_block_init(&blk);
    tk_mine(&f.s, &blk, b->pub);
    cr_assert_eq(blk.n_txs, 3);
    tip_ledger(&l2, &f);
    size_t removed = 99;
    cr_assert_eq(chain_mempool_prune(&removed, &err, f.s.dir, &l2), CHAIN_OK);
    cr_assert_eq(pending(&f, NULL), 0, "both are spent on the new tip");
    /* the block is orphaned: its transfers come back (the coinbase does not) */
    cr_assert_eq(chain_mempool_return(&err, f.s.dir, blk.txs, blk.n_txs), CHAIN_OK, "%s", err.msg);
    cr_assert_eq(pending(&f, NULL), 2);
    cr_assert_eq(chain_mempool_prune(&removed, &err, f.s.dir, &l1), CHAIN_OK);
    cr_assert_eq(removed, 0, "on the old tip they can still apply");
    pouw_tx *sel;
    size_t n;
    cr_assert_eq(chain_mempool_select(&sel, &n, &err, f.s.dir, &l1, 10), CHAIN_OK);
    cr_assert_eq(n, 2);
    cr_assert(pouw_tx_equal(&sel[0], &t0) && pouw_tx_equal(&sel[1], &t1));
    free(sel);
    cr_assert_eq(chain_mempool_prune(&removed, &err, f.s.dir, &l2), CHAIN_OK);
    cr_assert_eq(removed, 2);
    /* a returned transfer of another chain is refused with its reason */
    pouw_tx alien[2] = {pouw_tx_coinbase(a->pub, 1000, 5), signed_tx(a, 1, b->pub, 1, 0, 0)};
    cr_assert_eq(chain_mempool_return(&err, f.s.dir, alien, 2), CHAIN_EINVALID);
    cr_assert(!strncmp(err.msg, "tx_chain: ", 10), "%s", err.msg);
    pouw_block_clear(&blk);
    pouw_ledger_clear(&l1);
    pouw_ledger_clear(&l2);
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
    chain_store s;
    common_error err;
    const chain_params *p = chain_testnet_by_name("alpha");
    cr_assert_not_null(p);
    cr_assert_eq(chain_store_open(&s, &err, data, p, 1, 2), CHAIN_OK, "%s", err.msg);
    tk_mine(&s, b, miner);
    chain_store_close(&s);
}

Test(chain_cli, a_sent_transfer_is_mined_and_shows_in_status_accounts_and_verify)
{
    char dir[256], data[300], keys[320], alice_key[400], bob_key[400], chain[512], cmd[4096], o[400], e[400];
    tk_tmpdir(dir);
    tk_bin(chain, sizeof chain, "chain");
    snprintf(data, sizeof data, "%s/data", dir);
    snprintf(keys, sizeof keys, "%s/keys", data);
    cr_assert_eq(chain_mkdirs(NULL, keys, 1), CHAIN_OK);
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
    testnet_mine(data, alice.pub, &b); /* alice holds 1000 */
    pouw_block_clear(&b);

    /* send 250 (fee 3) to bob by his key's name, then 100 by his account id */
    snprintf(cmd, sizeof cmd, "%s send --testnet --data %s --chain alpha --to bob --amount 250 --fee 3 --key %s", chain,
             data, alice_key);
    cr_assert_eq(run(cmd, o, e), 0, "%s", slurp(e));
    char *t = slurp(o);
    cr_assert_eq(strlen(t), 65, "one transfer id: %s", t);
    char mfile[800];
    t[64] = '\0';
    snprintf(mfile, sizeof mfile, "%s/test-alpha/mempool/%s.json", data, t);
    struct stat sb;
    cr_assert_eq(stat(mfile, &sb), 0, "the transfer waits in %s", mfile);
    free(t);
    snprintf(cmd, sizeof cmd, "%s send --testnet --data %s --chain alpha --to %s --amount 100 --key %s", chain, data,
             hb, alice_key);
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
    snprintf(line, sizeof line, "  balance account %s balance 350 sequence 0 label bob\n", hb);
    cr_assert_neq(strstr(t, line), NULL, "bob's balance: %s", t);
    snprintf(line, sizeof line, "  balance account %s balance 1650 sequence 2 label alice\n", ha);
    cr_assert_neq(strstr(t, line), NULL, "alice paid 353, got 3 back as the miner and 1000 more: %s", t);
    cr_assert_neq(strstr(t, "chain test-alpha TestAlphaCoin id 100\n  height 2\n"), NULL, "%s", t);
    cr_assert_neq(strstr(t, "  coins 2000\n"), NULL, "%s", t);
    cr_assert_neq(strstr(t, "  mempool pending 0 ignored 0\n"), NULL, "%s", t);
    cr_assert_neq(strstr(t, "  block height 2 id "), NULL, "%s", t);
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
    cr_assert_eq(cJSON_GetObjectItem(c0, "height")->valuedouble, 2);
    cr_assert_eq(cJSON_GetObjectItem(c0, "coins")->valuedouble, 2000);
    cr_assert_eq(cJSON_GetArraySize(cJSON_GetObjectItem(c0, "blocks")), 3);
    int found = 0;
    cJSON *e0;
    cJSON_ArrayForEach(e0, cJSON_GetObjectItem(c0, "balances"))
    {
        if (!strcmp(cJSON_GetObjectItem(e0, "account")->valuestring, hb)) {
            found = 1;
            cr_assert_eq(cJSON_GetObjectItem(e0, "balance")->valuedouble, 350);
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
    snprintf(line, sizeof line, "%s test-alpha 350 test-bravo - test-charlie - label bob\n", hb);
    cr_assert_neq(strstr(t, line), NULL, "%s", t);
    snprintf(line, sizeof line, "%s test-alpha 1650 test-bravo - test-charlie - label alice\n", ha);
    cr_assert_neq(strstr(t, line), NULL, "%s", t);
    free(t);

    /* verify: valid; then a tampered block is named with its reason */
    snprintf(cmd, sizeof cmd, "%s verify --testnet --data %s", chain, data);
    cr_assert_eq(run(cmd, o, e), 0, "%s", slurp(e));
    t = slurp(o);
    cr_assert_neq(strstr(t, "valid TestAlphaCoin chain: best tip 2 "), NULL, "%s", t);
    free(t);
    char blocks[600], victim[1200] = "";
    snprintf(blocks, sizeof blocks, "%s/test-alpha/blocks", data);
    DIR *d = opendir(blocks);
    struct dirent *de;
    while ((de = readdir(d)) != NULL)
        if (!strncmp(de->d_name, "00000002-", 9) && strstr(de->d_name, ".json") && !strstr(de->d_name, ".tmp"))
            snprintf(victim, sizeof victim, "%s/%s", blocks, de->d_name);
    closedir(d);
    cr_assert(victim[0]);
    common_error err;
    cr_assert_eq(pouw_block_load(&b, &err, victim), POUW_OK);
    for (size_t i = 0; i < b.ledger.n; i++)
        if (!memcmp(b.ledger.e[i].account, bob.pub, 32))
            b.ledger.e[i].balance += 1000; /* bob's dream */
    cr_assert_eq(pouw_block_save(&b, &err, victim), POUW_OK);
    pouw_block_clear(&b);
    cr_assert_eq(run(cmd, o, e), 1);
    t = slurp(e);
    cr_assert_neq(strstr(t, "test-alpha block 2 "), NULL, "%s", t);
    cr_assert_neq(strstr(t, "rejected (ledger)"), NULL, "%s", t);
    free(t);
    pouw_key_clear(&alice);
    pouw_key_clear(&bob);
    tk_rmrf(dir);
}
