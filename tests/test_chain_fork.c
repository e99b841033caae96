/* tests/test_chain_fork.c - fork choice and reorganisation (spec pouw.md s10,
 * economy.md s2).
 *
 * Must-show 3: two branches from one parent; the heavier wins on every node
 * (store values opened fresh, another process, the other branch's own store);
 * the orphaned branch's transfers are back in the mempool and get mined; and
 * "heaviest" is cumulative expected work, not length: a shorter branch whose
 * retarget made it harder beats a longer, easier one. */
#include <criterion/criterion.h>

#include <dirent.h>
#include <pthread.h>

#include "tests/chain_testkit.h"

/* Copies DIR/chains.db of src into dst (a consistent snapshot: VACUUM INTO,
 * while other connections may be open). */
static void copy_chain(const char *src, const char *dst, const char *name)
{
    (void)name;
    char sql[1200];
    snprintf(sql, sizeof sql, "VACUUM INTO '%s/%s'", dst, CHAIN_STORE_FILE);
    tk_sql(src, sql, NULL);
}

static int by_name(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

/* Offers every exported block document of folder dir (<height>-<id>.json, not
 * the .ledger.json beside it) to s in height order, as `pouw submit` does.
 * Returns the number offered; *last what adding the last one did. */
static int submit_folder(chain_store *s, const char *dir, chain_store_add_result *last)
{
    DIR *d = opendir(dir);
    if (!d)
        return -1;
    char *names[64];
    int n = 0;
    struct dirent *de;
    while ((de = readdir(d)) != NULL && n < 64) {
        size_t l = strlen(de->d_name);
        if (l > 5 && !strcmp(de->d_name + l - 5, ".json") && !strstr(de->d_name, ".ledger."))
            names[n++] = strdup(de->d_name);
    }
    closedir(d);
    qsort(names, (size_t)n, sizeof *names, by_name);
    int bad = 0;
    for (int i = 0; i < n; i++) {
        char path[1200];
        snprintf(path, sizeof path, "%s/%s", dir, names[i]);
        char *doc = ck_slurp(path);
        common_error err;
        pouw_reason r;
        if (chain_store_add_doc(s, last, &r, &err, doc, strlen(doc)) != CHAIN_OK) {
            fprintf(stderr, "%s: %s: %s\n", path, err.field, err.msg);
            bad = 1;
        }
        free(doc);
        free(names[i]);
    }
    return bad ? -1 : n;
}

static int has_tx(const pouw_block *b, const pouw_tx *tx)
{
    for (size_t i = 0; i < b->n_txs; i++)
        if (pouw_tx_equal(&b->txs[i], tx))
            return 1;
    return 0;
}

static size_t mempool_count(chain_store *s, const pouw_tx *want, size_t n_want, size_t *found)
{
    pouw_tx *txs;
    size_t n;
    common_error err;
    cr_assert_eq(chain_store_tx_list(&txs, &n, &err, s), CHAIN_OK, "%s", err.msg);
    *found = 0;
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < n_want; j++)
            *found += pouw_tx_equal(&txs[i], &want[j]);
    free(txs);
    return n;
}

/* The best tip another process sees in dir. Returns 1 when it is id. */
static int child_agrees(const char *dir, const chain_params *p, const uint8_t id[32])
{
    pid_t pid = fork();
    if (pid == 0) {
        chain_store *c;
        common_error e;
        chain_store_opts o;
        memset(&o, 0, sizeof o);
        uint8_t tip[32];
        int ok = chain_store_open(&c, &e, dir, p, &o) == CHAIN_OK && (chain_store_tip_id(tip, c), 1) &&
                 memcmp(tip, id, 32) == 0;
        _exit(ok ? 0 : 1);
    }
    int st;
    cr_assert_eq(waitpid(pid, &st, 0), pid);
    return WIFEXITED(st) && WEXITSTATUS(st) == 0;
}

Test(chain_fork, the_heavier_branch_wins_everywhere_and_orphaned_transfers_are_mined_again, .timeout = 120)
{
    char x[256], y[256];
    tk_tmpdir(x);
    tk_tmpdir(y);
    chain_params p = ck_params("fork", 50, 0, 60);
    chain_store *sx, *sy;
    ck_open(&sx, x, &p, NULL);
    pouw_key a, b, c;
    tk_key(&a, 0xa5);
    tk_key(&b, 0xb5);
    tk_key(&c, 0xc5);
    pouw_block blk;
    pouw_block_init(&blk);
    ck_mine(sx, &blk, a.pub, 60000, NULL);
    ck_mine(sx, &blk, a.pub, 60000, NULL); /* a holds 2000 */
    uint8_t parent[32];
    tk_id(parent, sx, 2);
    copy_chain(x, y, "fork"); /* node Y: the same chain up to the parent */
    ck_open(&sy, y, &p, NULL);

    /* node X: a's transfers, mined into branch A (one block) */
    /* in coins: at height 3 a may spend block 1's reward (maturity 2) */
    const int64_t C = CHAIN_COIN;
    pouw_tx t[2] = {ck_transfer(&p, &a, b.pub, 300 * C, 0, 5 * C), ck_transfer(&p, &a, c.pub, 200 * C, 1, 0)};
    common_error err;
    for (int i = 0; i < 2; i++)
        cr_assert_eq(chain_store_tx_add(sx, NULL, &err, &t[i]), CHAIN_OK, "%s", err.msg);
    pouw_block a3;
    pouw_block_init(&a3);
    ck_mine(sx, &a3, a.pub, 60000, NULL);
    cr_assert_eq(a3.n_txs, 3, "coinbase and both transfers");
    cr_assert(has_tx(&a3, &t[0]) && has_tx(&a3, &t[1]));
    size_t found;
    cr_assert_eq(mempool_count(sx, t, 2, &found), 0, "mined transfers are pruned from the mempool");
    /* node Y: branch B, two blocks by c, no transfers */
    pouw_block b3, b4;
    pouw_block_init(&b3);
    pouw_block_init(&b4);
    ck_mine(sy, &b3, c.pub, 60000, NULL);
    ck_mine(sy, &b4, c.pub, 60000, NULL);
    cr_assert_eq(memcmp(b3.header.prev_hash, parent, 32), 0);

    /* X hears of B: b3 ties with a3 (a3 was first), b4 makes B heavier */
    chain_store_add_result r3, r4;
    pouw_reason why;
    cr_assert_eq(chain_store_add(sx, &r3, &why, &err, &b3), CHAIN_OK, "%s", err.msg);
    cr_assert(r3.stored && !r3.best && !r3.moved, "equal work: the first seen stays");
    cr_assert_eq(memcmp(tk_meta_at(sx, 3).id, a3.post_hash, 32), 0);
    cr_assert_eq(chain_store_add(sx, &r4, &why, &err, &b4), CHAIN_OK, "%s", err.msg);
    cr_assert(r4.best && r4.moved);
    cr_assert_eq(r4.move.disconnected, 1, "a3 left the best chain");
    cr_assert_eq(r4.move.returned, 2, "its two transfers went back to the mempool");
    cr_assert_eq(chain_store_tip_height(sx), 4);
    cr_assert_eq(memcmp(tk_meta_at(sx, 3).id, b3.post_hash, 32), 0);
    cr_assert_eq(mempool_count(sx, t, 2, &found), 2);
    cr_assert_eq(found, 2, "the orphaned transfers are pending again");
    /* Y hears of A: lighter, kept as a side branch */
    chain_store_add_result ra;
    cr_assert_eq(chain_store_add(sy, &ra, &why, &err, &a3), CHAIN_OK, "%s", err.msg);
    cr_assert(ra.stored && !ra.best);

    /* every node agrees: fresh store values on both folders, and another process */
    for (int i = 0; i < 2; i++) {
        chain_store *f;
        ck_open(&f, i ? y : x, &p, NULL);
        cr_assert_eq(chain_store_tip_height(f), 4);
        cr_assert_eq(memcmp(tk_meta_at(f, 4).id, b4.post_hash, 32), 0, "node %d", i);
        chain_block_meta info, tipm;
        common_error ie;
        cr_assert_eq(chain_store_meta(&info, &ie, f, a3.post_hash), CHAIN_OK, "the block that left the best chain is kept");
        cr_assert_eq(info.verdict, CHAIN_VERDICT_VALID);
        tipm = tk_meta_at(f, 4);
        cr_assert_lt(memcmp(info.cum, tipm.cum, 32), 0);
        chain_store_close(f);
    }
    cr_assert(child_agrees(x, &p, b4.post_hash));
    cr_assert(child_agrees(y, &p, b4.post_hash));

    /* the returned transfers are mined on the new best chain */
    pouw_block c5;
    pouw_block_init(&c5);
    ck_mine(sx, &c5, b.pub, 60000, NULL);
    cr_assert_eq(c5.header.height, 5);
    cr_assert(has_tx(&c5, &t[0]) && has_tx(&c5, &t[1]), "the orphaned transfers are in block 5");
    cr_assert_eq(pouw_ledger_balance(&c5.ledger, a.pub), (2000 - 505) * C);
    cr_assert_eq(pouw_ledger_balance(&c5.ledger, b.pub), (1000 + 300 + 5) * C, "b mined block 5 and took the fee");
    cr_assert_eq(pouw_ledger_balance(&c5.ledger, c.pub), (2000 + 200) * C);
    cr_assert_eq(ck_ledger_sum(&c5.ledger), p.reward * 5);
    cr_assert_eq(mempool_count(sx, t, 2, &found), 0);
    cr_assert_eq(tk_verify_all(sx, &err), 0, "%s", err.msg);
    pouw_block_clear(&blk);
    pouw_block_clear(&a3);
    pouw_block_clear(&b3);
    pouw_block_clear(&b4);
    pouw_block_clear(&c5);
    pouw_key_clear(&a);
    pouw_key_clear(&b);
    pouw_key_clear(&c);
    chain_store_close(sx);
    chain_store_close(sy);
    tk_rmrf(x);
    tk_rmrf(y);
}

Test(chain_fork, the_branch_with_most_work_wins_not_the_longest, .timeout = 120)
{
    /* window 2, 60 s: the block at height 4 is retargeted on heights 1..3 */
    char x[256], y[256];
    tk_tmpdir(x);
    tk_tmpdir(y);
    chain_params p = ck_params("heavy", 51, 2, 60);
    chain_store *slow, *fast;
    ck_open(&slow, x, &p, NULL);
    pouw_key a, b;
    tk_key(&a, 0xa6);
    tk_key(&b, 0xb6);
    pouw_block blk;
    pouw_block_init(&blk);
    ck_mine(slow, &blk, a.pub, 60000, NULL);
    copy_chain(x, y, "heavy");
    ck_open(&fast, y, &p, NULL);
    /* slow branch: 4 blocks 1000 s apart (its block 4 is 4x easier); fast
     * branch: 3 blocks 1 s apart (its block 4 is 4x harder) */
    pouw_block fb[3];
    for (int i = 0; i < 4; i++)
        ck_mine(slow, &blk, a.pub, 1000000, NULL);
    for (int i = 0; i < 3; i++) {
        pouw_block_init(&fb[i]);
        ck_mine(fast, &fb[i], b.pub, 1000, NULL);
    }
    cr_assert_eq(chain_store_tip_height(slow), 5);
    cr_assert_eq(chain_store_tip_height(fast), 4);
    chain_block_meta ls = tk_meta_at(slow, 4), lf = tk_meta_at(fast, 4);
    cr_assert(ls.post_bits != lf.post_bits, "the retarget split the branches' post-hash targets");
    cr_assert_lt(memcmp(tk_meta_at(slow, 5).cum, tk_meta_at(fast, 4).cum, 32), 0,
                 "the shorter branch holds more work");
    common_error err;
    pouw_reason why;
    chain_store_add_result r;
    for (int i = 0; i < 3; i++)
        cr_assert_eq(chain_store_add(slow, &r, &why, &err, &fb[i]), CHAIN_OK, "%s", err.msg);
    cr_assert(r.best && r.moved);
    cr_assert_eq(r.move.disconnected, 4);
    cr_assert_eq(chain_store_tip_height(slow), 4, "the best chain got shorter");
    cr_assert_eq(memcmp(tk_meta_at(slow, 4).id, fb[2].post_hash, 32), 0);
    chain_store *f;
    ck_open(&f, x, &p, NULL);
    cr_assert_eq(memcmp(tk_meta_at(f, 4).id, fb[2].post_hash, 32), 0);
    cr_assert(child_agrees(x, &p, fb[2].post_hash));
    chain_store_close(f);
    for (int i = 0; i < 3; i++)
        pouw_block_clear(&fb[i]);
    pouw_block_clear(&blk);
    pouw_key_clear(&a);
    pouw_key_clear(&b);
    chain_store_close(slow);
    chain_store_close(fast);
    tk_rmrf(x);
    tk_rmrf(y);
}

Test(chain_fork, a_reorganisation_found_by_a_fresh_process_returns_the_transfers_too, .timeout = 120)
{
    /* the heavier branch comes as exported files (chain export), submitted by a
     * fresh process: its write moves the tip and, in the same transaction, puts the
     * orphaned branch's transfers back; another process sees both */
    char x[256], y[256], out[300];
    tk_tmpdir(x);
    tk_tmpdir(y);
    snprintf(out, sizeof out, "%s/export", y);
    chain_params p = ck_params("fresh", 52, 0, 60);
    p.maturity = 1; /* a spends block 1's reward in block 2 */
    chain_store *sx, *sy;
    ck_open(&sx, x, &p, NULL);
    pouw_key a, b, c;
    tk_key(&a, 0xa7);
    tk_key(&b, 0xb7);
    tk_key(&c, 0xc7);
    pouw_block blk;
    pouw_block_init(&blk);
    ck_mine(sx, &blk, a.pub, 60000, NULL);
    copy_chain(x, y, "fresh");
    ck_open(&sy, y, &p, NULL);
    pouw_tx t = ck_transfer(&p, &a, b.pub, 250 * CHAIN_COIN, 0, 1);
    common_error err;
    cr_assert_eq(chain_store_tx_add(sx, NULL, &err, &t), CHAIN_OK, "%s", err.msg);
    ck_mine(sx, &blk, a.pub, 60000, NULL);
    cr_assert(has_tx(&blk, &t));
    for (int i = 0; i < 2; i++)
        ck_mine(sy, &blk, c.pub, 60000, NULL);
    uint64_t nexp = 0;
    cr_assert_eq(chain_store_export(&nexp, &err, sy, out), CHAIN_OK, "%s", err.msg);
    cr_assert_eq(nexp, 4, "genesis, block 1 and c's two blocks");
    pid_t pid = fork();
    cr_assert(pid >= 0);
    if (pid == 0) {
        chain_store *f = NULL;
        common_error e;
        if (chain_open_v1(&f, &e, x, &p, 0, tk_v1()) != CHAIN_OK)
            _exit(2);
        chain_store_add_result last;
        memset(&last, 0, sizeof last);
        int n = submit_folder(f, out, &last);
        int ok = n == 4 && last.moved && last.move.disconnected == 1 && last.move.returned == 1 &&
                 chain_store_tip_height(f) == 3;
        if (!ok)
            fprintf(stderr, "submitted %d, moved %d, disconnected %llu, returned %zu\n", n, last.moved,
                    (unsigned long long)last.move.disconnected, last.move.returned);
        chain_store_close(f);
        _exit(ok ? 0 : 1);
    }
    int st;
    cr_assert_eq(waitpid(pid, &st, 0), pid);
    cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0, "the fresh process reorganised (exit %d)", WEXITSTATUS(st));
    int moved;
    cr_assert_eq(chain_store_refresh(sx, &err, &moved), CHAIN_OK, "%s", err.msg);
    cr_assert(moved);
    cr_assert_eq(chain_store_tip_height(sx), 3, "the heavier branch is believed");
    size_t found;
    cr_assert_eq(mempool_count(sx, &t, 1, &found), 1);
    cr_assert_eq(found, 1, "the orphaned transfer is pending again");
    pouw_block n4;
    pouw_block_init(&n4);
    ck_mine(sx, &n4, b.pub, 60000, NULL);
    cr_assert(has_tx(&n4, &t), "and mined on the new best chain");
    cr_assert_eq(ck_ledger_sum(&n4.ledger), p.reward * 4);
    pouw_block_clear(&blk);
    pouw_block_clear(&n4);
    pouw_key_clear(&a);
    pouw_key_clear(&b);
    pouw_key_clear(&c);
    chain_store_close(sx);
    chain_store_close(sy);
    tk_rmrf(x);
    tk_rmrf(y);
}

/* The tie rule's store call (spec pouw.md s11.3, network.md "Ties"): among equal
 * cumulative weights the tip stays unless chain_store_prefer_tip names the other
 * one; then the tip moves like a reorganisation (disconnected block counted,
 * persisted for every later reader). A lighter block, the tip itself or an
 * unknown id move nothing. */
Test(chain_fork, an_equal_weight_tip_replaces_the_tip_only_when_preferred, .timeout = 120)
{
    char x[256], y[256];
    tk_tmpdir(x);
    tk_tmpdir(y);
    chain_params p = ck_params("tie", 52, 0, 60);
    chain_store *sx, *sy;
    ck_open(&sx, x, &p, NULL);
    pouw_key a, b;
    tk_key(&a, 0xa7);
    tk_key(&b, 0xb7);
    pouw_block blk, bx, by;
    pouw_block_init(&blk);
    pouw_block_init(&bx);
    pouw_block_init(&by);
    ck_mine(sx, &blk, a.pub, 60000, NULL);
    copy_chain(x, y, "tie");
    ck_open(&sy, y, &p, NULL);
    ck_mine(sx, &bx, a.pub, 60000, NULL); /* two blocks at height 2 on one parent */
    ck_mine(sy, &by, b.pub, 60000, NULL);
    cr_assert_neq(memcmp(bx.post_hash, by.post_hash, 32), 0);
    common_error err;
    pouw_reason why;
    chain_store_add_result r;
    cr_assert_eq(chain_store_add(sx, &r, &why, &err, &by), CHAIN_OK, "%s", err.msg);
    cr_assert(r.stored && !r.best && !r.moved, "an equal-weight block does not take the tip by itself");
    chain_block_meta mx = tk_meta_at(sx, 2), my;
    cr_assert_eq(memcmp(mx.id, bx.post_hash, 32), 0);
    cr_assert_eq(chain_store_meta(&my, &err, sx, by.post_hash), CHAIN_OK);
    cr_assert_eq(memcmp(mx.cum, my.cum, 32), 0, "the two tips weigh the same");
    /* the tip itself, the lighter parent, an unknown id: nothing moves */
    cr_assert_eq(chain_store_prefer_tip(sx, &r, &err, bx.post_hash), CHAIN_OK, "%s", err.msg);
    cr_assert(!r.moved && r.best);
    cr_assert_eq(chain_store_prefer_tip(sx, &r, &err, blk.post_hash), CHAIN_OK, "%s", err.msg);
    cr_assert(!r.moved && !r.best, "a lighter block never becomes the tip");
    uint8_t nobody[32];
    memset(nobody, 0x5a, sizeof nobody);
    cr_assert_eq(chain_store_prefer_tip(sx, &r, &err, nobody), CHAIN_EUNKNOWN);
    cr_assert_eq(memcmp(tk_meta_at(sx, 2).id, bx.post_hash, 32), 0);
    /* the preferred equal-weight tip */
    cr_assert_eq(chain_store_prefer_tip(sx, &r, &err, by.post_hash), CHAIN_OK, "%s", err.msg);
    cr_assert(r.moved && r.best);
    cr_assert_eq(r.move.disconnected, 1);
    cr_assert_eq(r.move.new_height, 2);
    cr_assert_eq(chain_store_tip_height(sx), 2);
    cr_assert_eq(memcmp(tk_meta_at(sx, 2).id, by.post_hash, 32), 0);
    cr_assert(child_agrees(x, &p, by.post_hash), "the switch is persisted for every reader");
    /* and back: the rule is symmetric */
    cr_assert_eq(chain_store_prefer_tip(sx, &r, &err, bx.post_hash), CHAIN_OK, "%s", err.msg);
    cr_assert(r.moved && r.best);
    cr_assert(child_agrees(x, &p, bx.post_hash));
    /* a heavier block on the other branch still wins by itself */
    pouw_block bz;
    pouw_block_init(&bz);
    ck_mine(sy, &bz, b.pub, 60000, NULL);
    cr_assert_eq(chain_store_add(sx, &r, &why, &err, &bz), CHAIN_OK, "%s", err.msg);
    cr_assert(r.best && r.moved);
    pouw_block_clear(&bz);
    pouw_block_clear(&blk);
    pouw_block_clear(&bx);
    pouw_block_clear(&by);
    pouw_key_clear(&a);
    pouw_key_clear(&b);
    chain_store_close(sx);
    chain_store_close(sy);
    tk_rmrf(x);
    tk_rmrf(y);
}

typedef struct adder {
    chain_store *s;
    const pouw_block *b;
    chain_status cs;
    common_error err;
} adder;

static void *add_thread(void *u)
{
    adder *a = u;
    pouw_reason why;
    a->cs = chain_store_add(a->s, NULL, &why, &a->err, a->b);
    return NULL;
}

/* Two writers, a block and its child at once (two processes on one data
 * directory, or a node's workers): the child finds no parent and is to be kept as
 * an orphan, but the parent may be stored and its orphans connected before the
 * child's transaction begins. Both wait here on a write lock the test holds, so
 * either may go first; in every order the child ends VALID on the best chain,
 * never an orphan nothing connects. */
Test(chain_fork, a_block_and_its_child_added_at_once_both_end_valid, .timeout = 180)
{
    char x[256], y[256];
    tk_tmpdir(x);
    tk_tmpdir(y);
    chain_params p = ck_params("race", 53, 0, 60);
    chain_store *sx;
    ck_open(&sx, x, &p, NULL);
    copy_chain(x, y, "race");
    pouw_key a;
    tk_key(&a, 0xa8);
    enum { PAIRS = 5 };
    pouw_block blk[2 * PAIRS];
    for (int i = 0; i < 2 * PAIRS; i++) {
        pouw_block_init(&blk[i]);
        ck_mine(sx, &blk[i], a.pub, 60000, NULL);
    }
    char path[600];
    snprintf(path, sizeof path, "%s/%s", y, CHAIN_STORE_FILE);
    for (int k = 0; k < PAIRS; k++) {
        chain_store *sp, *sc;
        ck_open(&sp, y, &p, NULL);
        ck_open(&sc, y, &p, NULL);
        sqlite3 *lock = NULL;
        cr_assert_eq(sqlite3_open_v2(path, &lock, SQLITE_OPEN_READWRITE, NULL), SQLITE_OK);
        cr_assert_eq(sqlite3_exec(lock, "BEGIN IMMEDIATE", NULL, NULL, NULL), SQLITE_OK);
        adder ap = {sp, &blk[2 * k], CHAIN_OK, {0}}, ac = {sc, &blk[2 * k + 1], CHAIN_OK, {0}};
        pthread_t tc, tp;
        cr_assert_eq(pthread_create(&tc, NULL, add_thread, &ac), 0); /* looks up the parent: none */
        usleep(300000);
        cr_assert_eq(pthread_create(&tp, NULL, add_thread, &ap), 0); /* verifies, then waits */
        usleep(1500000);
        cr_assert_eq(sqlite3_exec(lock, "ROLLBACK", NULL, NULL, NULL), SQLITE_OK);
        sqlite3_close(lock);
        pthread_join(tc, NULL);
        pthread_join(tp, NULL);
        cr_assert_eq(ap.cs, CHAIN_OK, "parent: %s", ap.err.msg);
        cr_assert(ac.cs == CHAIN_OK || ac.cs == CHAIN_EORPHAN, "child: %s", ac.err.msg);
        chain_store_close(sp);
        chain_store_close(sc);
        chain_store *f;
        ck_open(&f, y, &p, NULL);
        chain_store_counts c;
        common_error err;
        cr_assert_eq(chain_store_count(&c, &err, f), CHAIN_OK);
        cr_assert_eq(c.orphan, 0, "pair %d: the child was left an orphan", k);
        cr_assert_eq(chain_store_tip_height(f), (uint64_t)(2 * k + 2), "pair %d", k);
        cr_assert_eq(memcmp(tk_meta_at(f, 2 * k + 2).id, blk[2 * k + 1].post_hash, 32), 0);
        chain_store_close(f);
    }
    for (int i = 0; i < 2 * PAIRS; i++)
        pouw_block_clear(&blk[i]);
    pouw_key_clear(&a);
    chain_store_close(sx);
    tk_rmrf(x);
    tk_rmrf(y);
}

typedef struct flipper {
    chain_store *s;
    const uint8_t *a, *b;
    int rounds;
    int failed;
} flipper;

static void *flip_thread(void *u)
{
    flipper *f = u;
    common_error err;
    for (int i = 0; i < f->rounds; i++)
        if (chain_store_prefer_tip(f->s, NULL, &err, (i & 1) ? f->a : f->b) != CHAIN_OK)
            f->failed++;
    return NULL;
}

static int same_ledger(const pouw_ledger *x, const pouw_ledger *y)
{
    if (x->n != y->n)
        return 0;
    for (size_t i = 0; i < x->n; i++)
        if (memcmp(x->e[i].account, y->e[i].account, 32) || x->e[i].balance != y->e[i].balance ||
            x->e[i].sequence != y->e[i].sequence)
            return 0;
    return 1;
}

/* A block's ledger takes several statements (down to the best chain, then the best
 * chain's rows): while another connection flips the tip between two equal-weight
 * branches (the tie rule's reorganisations), every ledger read is the block's own,
 * never a mix of the two branches (a node once judged an honest block invalid so). */
Test(chain_fork, a_ledger_read_during_reorganisations_is_the_blocks_own, .timeout = 180)
{
    char x[256], y[256];
    tk_tmpdir(x);
    tk_tmpdir(y);
    chain_params p = ck_params("flip", 54, 0, 60);
    chain_store *sx, *sy;
    ck_open(&sx, x, &p, NULL);
    pouw_key a, b;
    tk_key(&a, 0xa9);
    tk_key(&b, 0xb9);
    pouw_block blk, a2, a3, b2, b3;
    pouw_block_init(&blk);
    pouw_block_init(&a2);
    pouw_block_init(&a3);
    pouw_block_init(&b2);
    pouw_block_init(&b3);
    ck_mine(sx, &blk, a.pub, 60000, NULL);
    copy_chain(x, y, "flip");
    ck_open(&sy, y, &p, NULL);
    ck_mine(sx, &a2, a.pub, 60000, NULL);
    ck_mine(sx, &a3, a.pub, 60000, NULL);
    ck_mine(sy, &b2, b.pub, 60000, NULL);
    ck_mine(sy, &b3, b.pub, 60000, NULL);
    common_error err;
    pouw_reason why;
    cr_assert_eq(chain_store_add(sx, NULL, &why, &err, &b2), CHAIN_OK, "%s", err.msg);
    cr_assert_eq(chain_store_add(sx, NULL, &why, &err, &b3), CHAIN_OK, "%s", err.msg);
    pouw_ledger want_a = {0}, want_b = {0}, got = {0};
    cr_assert_eq(chain_store_ledger(&want_a, &err, sx, a2.post_hash), CHAIN_OK);
    cr_assert_eq(chain_store_ledger(&want_b, &err, sx, b2.post_hash), CHAIN_OK);
    cr_assert(!same_ledger(&want_a, &want_b), "the branches pay different miners");
    chain_store *sf;
    ck_open(&sf, x, &p, NULL);
    flipper f = {sf, a3.post_hash, b3.post_hash, 400, 0};
    pthread_t t;
    cr_assert_eq(pthread_create(&t, NULL, flip_thread, &f), 0);
    int reads = 0, wrong = 0, errs = 0;
    for (; reads < 4000; reads++) {
        const pouw_block *q = (reads & 1) ? &a2 : &b2;
        if (chain_store_ledger(&got, &err, sx, q->post_hash) != CHAIN_OK)
            errs++;
        else if (!same_ledger(&got, (reads & 1) ? &want_a : &want_b))
            wrong++;
    }
    pthread_join(t, NULL);
    cr_assert_eq(f.failed, 0);
    cr_assert_eq(errs, 0);
    cr_assert_eq(wrong, 0, "%d of %d ledger reads mixed the two branches", wrong, reads);
    pouw_ledger_clear(&want_a);
    pouw_ledger_clear(&want_b);
    pouw_ledger_clear(&got);
    chain_store_close(sf);
    pouw_block_clear(&blk);
    pouw_block_clear(&a2);
    pouw_block_clear(&a3);
    pouw_block_clear(&b2);
    pouw_block_clear(&b3);
    pouw_key_clear(&a);
    pouw_key_clear(&b);
    chain_store_close(sx);
    chain_store_close(sy);
    tk_rmrf(x);
    tk_rmrf(y);
}
