/* tests/test_chain_store.c - the chain store on SQLite (chain/store.h): one
 * database DIR/chains.db shared by processes; every block of every branch kept
 * with its verdict; a block judged once, before it enters, and readers trusting
 * the stored verdicts (opening verifies nothing; chain_store_verify_all judges
 * everything again); tampered copies and junk refused, a copy of an id judged
 * afresh; a writer killed inside its transaction leaves the database as before;
 * writers wait for each other; fork choice by cumulative weight, ties to the
 * block first seen, a reorganisation reported. */
#include <criterion/criterion.h>

#include <dirent.h>
#include <sqlite3.h>

#include "tests/chain_testkit.h"

/* Collects the notices of a store (what it says about blocks it rejects). */
typedef struct notices {
    int n;
    char last[700];
} notices;

static void on_notice(void *user, const common_error *e)
{
    notices *ns = user;
    ns->n++;
    snprintf(ns->last, sizeof ns->last, "%s: %s: %s", e->path, e->field, e->msg);
}

/* Counts the verify callbacks, then calls the v1 verifier. */
typedef struct counting {
    chain_v1_verifier v;
    int calls;
} counting;

static chain_status count_verify(void *user, pouw_reason *reason, common_error *err, chain_store *s,
                                 const pouw_block *b)
{
    counting *c = user;
    c->calls++;
    return chain_v1_verify(&c->v, reason, err, s, b);
}

static void open_counted(chain_store **s, const char *dir, const chain_params *p, counting *c, notices *ns)
{
    chain_store_opts o;
    memset(&o, 0, sizeof o);
    c->v = *tk_v1();
    c->calls = 0;
    chain_v1_store_opts(&o, &c->v);
    o.verify = count_verify;
    o.verify_user = c;
    o.create = 1;
    if (ns) {
        o.notice = on_notice;
        o.notice_user = ns;
    }
    common_error err;
    cr_assert_eq(chain_store_open(s, &err, dir, p, &o), CHAIN_OK, "%s: %s", err.path, err.msg);
}

/* Names in dir (not . and ..), comma-separated, sorted by readdir order. */
static int count_entries(const char *dir, char *names, size_t cap)
{
    DIR *d = opendir(dir);
    int n = 0;
    struct dirent *de;
    if (names && cap)
        names[0] = '\0';
    while (d && (de = readdir(d)) != NULL)
        if (de->d_name[0] != '.') {
            n++;
            if (names)
                snprintf(names + strlen(names), cap - strlen(names), "%s,", de->d_name);
        }
    if (d)
        closedir(d);
    return n;
}

static chain_store_counts counts_of(chain_store *s)
{
    chain_store_counts c;
    common_error err;
    cr_assert_eq(chain_store_count(&c, &err, s), CHAIN_OK, "%s", err.msg);
    return c;
}

Test(chain_store, a_missing_chain_is_created_only_when_asked_in_one_database_file)
{
    char dir[256], path[600], names[600];
    tk_tmpdir(dir);
    chain_params p = tk_params();
    chain_store *s = NULL;
    common_error err;
    cr_assert_eq(chain_store_open(&s, &err, dir, &p, NULL), CHAIN_EUNKNOWN, "no chain and no create");
    cr_assert_null(s);
    cr_assert_neq(strstr(err.msg, "TinyCoin"), NULL, "%s", err.msg);
    cr_assert_eq(count_entries(dir, NULL, 0), 0, "a reader creates nothing");
    tk_open(&s, dir, &p);
    cr_assert_eq(chain_store_tip_height(s), 0);
    snprintf(path, sizeof path, "%s/%s", dir, CHAIN_STORE_FILE);
    cr_assert_str_eq(chain_store_path(s), path);
    struct stat st;
    cr_assert_eq(stat(path, &st), 0);
    cr_assert(S_ISREG(st.st_mode));
    count_entries(dir, names, sizeof names);
    cr_assert_null(strstr(names, "blocks"), "no blocks/ folder: %s", names);
    cr_assert_null(strstr(names, "lock"), "no lock file: %s", names);
    cr_assert_null(strstr(names, "mempool"), "no mempool/ folder: %s", names);
    chain_store_counts c = counts_of(s);
    cr_assert_eq(c.valid, 1, "the genesis");
    cr_assert_eq(c.invalid + c.orphan, 0);
    uint8_t gid[32];
    tk_id(gid, s, 0);
    chain_block_meta m;
    cr_assert_eq(chain_store_meta(&m, &err, s, gid), CHAIN_OK, "%s", err.msg);
    cr_assert_eq(m.verdict, CHAIN_VERDICT_VALID);
    cr_assert_eq(m.height, 0);
    cr_assert(m.best);
    cr_assert_eq(memcmp(m.weight, m.cum, 32), 0, "genesis: cum = its weight");
    cr_assert_eq(m.coinbase, 0, "genesis earns nothing");
    chain_store_close(s);
    chain_store_close(NULL); /* harmless */
    /* a database of schema 1 (amounts before units, s11.12) is refused, naming it */
    cr_assert_eq(CHAIN_STORE_SCHEMA, 2);
    tk_sql(dir, "PRAGMA user_version=1", NULL);
    cr_assert_eq(chain_store_open(&s, &err, dir, &p, NULL), CHAIN_ESTORE);
    cr_assert_null(s);
    cr_assert_str_eq(err.field, "user_version");
    cr_assert_neq(strstr(err.msg, "schema 1"), NULL, "%s", err.msg);
    tk_rmrf(dir);
}

Test(chain_store, every_block_of_every_branch_is_kept_and_every_process_sees_the_same, .timeout = 60)
{
    char dir[256];
    tk_tmpdir(dir);
    chain_params p = ck_params("keep", 40, 0, 60);
    chain_store *s;
    ck_open(&s, dir, &p, NULL);
    pouw_key a, b;
    tk_key(&a, 0x41);
    tk_key(&b, 0x42);
    pouw_block blk, side;
    pouw_block_init(&blk);
    for (int i = 0; i < 3; i++)
        ck_mine(s, &blk, a.pub, 60000, NULL);
    /* a competing block at height 2: lighter branch, kept all the same */
    uint8_t h1[32];
    tk_id(h1, s, 1);
    ck_forge(&side, s, h1, b.pub, NULL);
    chain_store_add_result res;
    pouw_reason r;
    common_error err;
    cr_assert_eq(chain_store_add(s, &res, &r, &err, &side), CHAIN_OK, "%s", err.msg);
    cr_assert(res.stored && !res.best && !res.moved);
    cr_assert_eq(res.verdict, CHAIN_VERDICT_VALID, "judged before it entered, on its own branch");
    cr_assert_eq(chain_store_tip_height(s), 3);
    chain_store_counts c = counts_of(s);
    cr_assert_eq(c.valid, 5, "genesis, 3 blocks, 1 side block");
    /* offering it again changes nothing */
    cr_assert_eq(chain_store_add(s, &res, &r, &err, &side), CHAIN_OK, "%s", err.msg);
    cr_assert(!res.stored);
    cr_assert_eq(counts_of(s).valid, 5);
    /* a fresh value, and a fresh process, read the same best chain */
    chain_store *f;
    ck_open(&f, dir, &p, NULL);
    cr_assert_eq(chain_store_tip_height(f), 3);
    uint8_t t1[32], t2[32];
    chain_store_tip_id(t1, f);
    chain_store_tip_id(t2, s);
    cr_assert_eq(memcmp(t1, t2, 32), 0);
    cr_assert_eq(memcmp(t1, blk.post_hash, 32), 0);
    chain_block_meta m;
    cr_assert_eq(chain_store_meta(&m, &err, f, side.post_hash), CHAIN_OK, "%s", err.msg);
    cr_assert_eq(m.height, 2);
    cr_assert_eq(m.verdict, CHAIN_VERDICT_VALID);
    cr_assert(!m.best);
    uint64_t dummy;
    cr_assert(!chain_store_find(&dummy, f, side.post_hash), "not on the best chain");
    cr_assert(chain_store_find(&dummy, f, blk.post_hash));
    cr_assert_eq(dummy, 3);
    pouw_block back;
    pouw_block_init(&back);
    cr_assert_eq(chain_store_block(&back, &err, f, side.post_hash), CHAIN_OK, "%s", err.msg);
    cr_assert(pouw_block_equal(&back, &side), "the side block comes back whole, ledger included");
    pouw_block_clear(&back);
    pid_t pid = fork();
    if (pid == 0) {
        chain_store *c2 = NULL;
        common_error e;
        uint8_t t[32];
        int ok = chain_store_open(&c2, &e, dir, &p, NULL) == CHAIN_OK && chain_store_tip_height(c2) == 3;
        if (ok) {
            chain_store_tip_id(t, c2);
            ok = memcmp(t, blk.post_hash, 32) == 0;
        }
        chain_store_close(c2);
        _exit(ok ? 0 : 1);
    }
    int st;
    cr_assert_eq(waitpid(pid, &st, 0), pid);
    cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0, "another process sees the same best chain");
    /* the side block verifies again, on its own branch, from scratch */
    uint64_t n = 0, bad = 9;
    cr_assert_eq(chain_store_verify_all(&n, &bad, &err, f), CHAIN_OK, "%s", err.msg);
    cr_assert_eq(n, 5);
    cr_assert_eq(bad, 0);
    chain_store_close(f);
    pouw_block_clear(&blk);
    pouw_block_clear(&side);
    pouw_key_clear(&a);
    pouw_key_clear(&b);
    chain_store_close(s);
    tk_rmrf(dir);
}

Test(chain_store, a_writer_sees_another_writers_block_before_it_claims, .timeout = 60)
{
    char dir[256];
    tk_tmpdir(dir);
    chain_params p = ck_params("seen", 41, 0, 60);
    chain_store *a, *b;
    ck_open(&a, dir, &p, NULL);
    ck_open(&b, dir, &p, NULL);
    pouw_key ka, kb;
    tk_key(&ka, 0x51);
    tk_key(&kb, 0x52);
    pouw_block x, y;
    pouw_block_init(&x);
    pouw_block_init(&y);
    cr_assert(!chain_store_changed(b));
    ck_mine(a, &x, ka.pub, 60000, NULL);
    cr_assert(chain_store_changed(b), "B is told that A wrote");
    chain_store_add_result res;
    ck_mine(b, &y, kb.pub, 60000, &res);
    cr_assert_eq(y.header.height, 2, "B mined on A's block");
    cr_assert_eq(memcmp(y.header.prev_hash, x.post_hash, 32), 0);
    cr_assert(res.best && res.moved && res.stored);
    int moved;
    common_error err;
    cr_assert_eq(chain_store_refresh(a, &err, &moved), CHAIN_OK);
    cr_assert(moved);
    cr_assert_eq(chain_store_tip_height(a), 2);
    cr_assert_eq(chain_store_refresh(a, &err, &moved), CHAIN_OK);
    cr_assert(!moved);
    /* a miner that watches the store builds on a fresh look */
    ck_mine(a, &x, ka.pub, 60000, NULL);
    ck_step_clock clk = {b, 60000};
    chain_mine_opts mo;
    memset(&mo, 0, sizeof mo);
    mo.threads = 1;
    mo.clock_ms = ck_step_ms;
    mo.clock_user = &clk;
    mo.stop_on_change = 1;
    mo.max_attempts = 1;
    chain_status cs = chain_mine_block(&y, NULL, &err, b, kb.pub, &mo);
    cr_assert(cs == CHAIN_OK || cs == CHAIN_ESTOPPED, "a fresh look first: %s", err.msg);
    if (cs == CHAIN_OK)
        cr_assert_eq(y.header.height, 4, "it refreshed before building");
    pouw_block_clear(&x);
    pouw_block_clear(&y);
    pouw_key_clear(&ka);
    pouw_key_clear(&kb);
    chain_store_close(a);
    chain_store_close(b);
    tk_rmrf(dir);
}

Test(chain_store, tampered_copies_and_junk_are_refused_and_tampering_in_the_database_is_found, .timeout = 120)
{
    char dir[256], dir2[256], sql[700];
    tk_tmpdir(dir);
    tk_tmpdir(dir2);
    chain_params p = ck_params("trust", 42, 0, 60);
    notices ns = {0, ""};
    counting cnt;
    chain_store *s;
    open_counted(&s, dir, &p, &cnt, &ns);
    pouw_key k, k2;
    tk_key(&k, 0x61);
    tk_key(&k2, 0x62);
    pouw_block b3, child, c;
    pouw_block_init(&b3);
    pouw_block_init(&child);
    pouw_block_init(&c);
    for (int i = 0; i < 2; i++)
        ck_mine(s, &b3, k.pub, 60000, NULL);
    /* the genuine block 3 and its child, mined on a copy of the database */
    snprintf(sql, sizeof sql, "VACUUM INTO '%s/%s'", dir2, CHAIN_STORE_FILE);
    tk_sql(dir, sql, NULL);
    chain_store *s2;
    ck_open(&s2, dir2, &p, NULL);
    ck_mine(s2, &b3, k.pub, 60000, NULL);
    ck_mine(s2, &child, k.pub, 60000, NULL);
    chain_store_close(s2);
    cr_assert_eq(b3.header.height, 3);
    /* a copy of block 3 with a richer ledger: v2's header commits to the ledger
     * (ledger_root), so the document is a wrong copy of the id (s11.7): refused,
     * nothing recorded against the id */
    pouw_block rich;
    pouw_block_init(&rich);
    cr_assert_eq(pouw_block_copy(&rich, &b3), POUW_OK);
    rich.ledger.e[0].balance += 1000000;
    chain_store_add_result res;
    pouw_reason r;
    common_error err;
    chain_status rcs = chain_store_add(s, &res, &r, &err, &rich);
    cr_assert_eq(rcs, CHAIN_EMALFORMED, "%s: %s %s", chain_status_str(rcs), pouw_reason_name(r), err.msg);
    cr_assert_eq(r, POUW_R_LEDGER, "%s", pouw_reason_name(r));
    cr_assert_eq(pouw_reason_kind_of(r), POUW_KIND_COPY);
    cr_assert_eq(tk_verdict(s, b3.post_hash), CHAIN_VERDICT_NONE, "a wrong copy records nothing");
    cr_assert_neq(strstr(err.msg, "ledger"), NULL, "%s", err.msg);
    cr_assert_eq(chain_store_tip_height(s), 2, "the best chain stops below it");
    /* a child of the refused copy waits for its parent (an orphan, never believed) */
    cr_assert_eq(chain_store_add(s, &res, &r, &err, &child), CHAIN_EORPHAN, "%s", err.msg);
    cr_assert_eq(tk_verdict(s, child.post_hash), CHAIN_VERDICT_ORPHAN);
    /* the honest chain continues from block 2 (another miner: another block 3) */
    ck_mine(s, &c, k2.pub, 60000, NULL);
    cr_assert_eq(c.header.height, 3);
    cr_assert_neq(memcmp(c.post_hash, b3.post_hash, 32), 0);
    /* the genuine block 3 is judged: VALID, and the orphan child connects on it;
     * that branch is heavier (cumulative chain_block_weight) */
    cr_assert_eq(chain_store_add(s, &res, &r, &err, &b3), CHAIN_OK, "%s", err.msg);
    cr_assert(res.stored);
    cr_assert_eq(res.connected, 1, "the orphan child connected");
    cr_assert(res.moved);
    cr_assert_eq(res.move.disconnected, 1, "k2's block 3 left the best chain");
    cr_assert_eq(tk_verdict(s, b3.post_hash), CHAIN_VERDICT_VALID);
    cr_assert_eq(tk_verdict(s, child.post_hash), CHAIN_VERDICT_VALID);
    pouw_block back;
    pouw_block_init(&back);
    cr_assert_eq(chain_store_block(&back, &err, s, b3.post_hash), CHAIN_OK, "%s", err.msg);
    cr_assert(pouw_block_equal(&back, &b3));
    /* the rich copy again: refused, the stored block stays */
    cr_assert_eq(chain_store_add(s, &res, &r, &err, &rich), CHAIN_EMALFORMED, "%s", err.msg);
    cr_assert_eq(r, POUW_R_LEDGER);
    cr_assert_eq(tk_verdict(s, b3.post_hash), CHAIN_VERDICT_VALID);
    cr_assert_eq(chain_store_block(&back, &err, s, b3.post_hash), CHAIN_OK, "%s", err.msg);
    cr_assert(pouw_block_equal(&back, &b3));
    pouw_block_clear(&back);
    cr_assert_eq(chain_store_tip_height(s), 4);
    /* junk is no block: nothing stored, the store says why */
    chain_store_counts before = counts_of(s);
    const char *junk[] = {"{ half a block", "", "[]", "{\"header\": 5}"};
    for (size_t i = 0; i < sizeof junk / sizeof junk[0]; i++) {
        chain_status cs = chain_store_add_doc(s, &res, &r, &err, junk[i], strlen(junk[i]));
        cr_assert(cs != CHAIN_OK && cs != CHAIN_EORPHAN, "junk %zu accepted", i);
        cr_assert(err.msg[0], "junk %zu: a message", i);
    }
    chain_store_counts after = counts_of(s);
    cr_assert(before.valid == after.valid && before.invalid == after.invalid && before.orphan == after.orphan);
    /* tampering behind the store's back (write access to the database): readers
     * trust the stored verdicts, chain_store_verify_all finds it */
    cr_assert_geq(tk_sql(dir, "UPDATE ledger SET balance = balance + 5 WHERE block = ?1", b3.post_hash), 1);
    chain_store *t;
    counting cnt2;
    notices n2 = {0, ""};
    open_counted(&t, dir, &p, &cnt2, &n2);
    cr_assert_eq(chain_store_tip_height(t), 4, "opening verifies nothing");
    cr_assert_eq(cnt2.calls, 0);
    uint64_t n = 0, bad = 0;
    cr_assert_eq(chain_store_verify_all(&n, &bad, &err, t), CHAIN_OK, "%s", err.msg);
    cr_assert_geq(bad, 1, "block 3 (and its child on its ledger)");
    cr_assert_geq(n2.n, 1);
    cr_assert_neq(strstr(n2.last, "ledger"), NULL, "%s", n2.last);
    chain_store_close(t);
    pouw_block_clear(&b3);
    pouw_block_clear(&rich);
    pouw_block_clear(&child);
    pouw_block_clear(&c);
    pouw_key_clear(&k);
    pouw_key_clear(&k2);
    chain_store_close(s);
    tk_rmrf(dir);
    tk_rmrf(dir2);
}

Test(chain_store, a_block_is_verified_once_and_readers_trust_stored_verdicts, .timeout = 60)
{
    char dir[256];
    tk_tmpdir(dir);
    chain_params p = ck_params("cache", 43, 0, 60);
    counting cw, cr;
    chain_store *s, *r;
    open_counted(&s, dir, &p, &cw, NULL);
    cr_assert_eq(cw.calls, 1, "the genesis, judged when created");
    pouw_key k;
    tk_key(&k, 0x71);
    pouw_block b;
    pouw_block_init(&b);
    for (int i = 0; i < 6; i++)
        ck_mine(s, &b, k.pub, 60000, NULL);
    cr_assert_eq(cw.calls, 7, "each block judged once, before it entered");
    open_counted(&r, dir, &p, &cr, NULL);
    cr_assert_eq(cr.calls, 0, "opening verifies nothing");
    cr_assert_eq(chain_store_tip_height(r), 6);
    common_error err;
    int moved;
    cr_assert_eq(chain_store_refresh(r, &err, &moved), CHAIN_OK);
    cr_assert(!moved);
    ck_mine(s, &b, k.pub, 60000, NULL);
    cr_assert_eq(cw.calls, 8);
    cr_assert_eq(chain_store_refresh(r, &err, &moved), CHAIN_OK);
    cr_assert(moved);
    cr_assert_eq(chain_store_tip_height(r), 7);
    cr_assert_eq(cr.calls, 0, "another writer's block is trusted: it was judged before it entered");
    pouw_block l;
    pouw_block_init(&l);
    cr_assert_eq(chain_store_load(&l, &err, r, 7), CHAIN_OK, "%s", err.msg);
    cr_assert(pouw_block_equal(&l, &b));
    pouw_block_clear(&l);
    /* verify_all ignores the verdicts: everything judged again */
    uint64_t n = 0, bad = 9;
    cr_assert_eq(chain_store_verify_all(&n, &bad, &err, r), CHAIN_OK, "%s", err.msg);
    cr_assert_eq(n, 8);
    cr_assert_eq(bad, 0);
    cr_assert_geq(cr.calls, 7, "the verifier ran again (%d)", cr.calls);
    pouw_block_clear(&b);
    pouw_key_clear(&k);
    chain_store_close(r);
    chain_store_close(s);
    tk_rmrf(dir);
}

/* PRAGMA integrity_check of DIR/chains.db ("ok" when sound). */
static void integrity(char *out, size_t cap, const char *dir)
{
    char path[600];
    snprintf(path, sizeof path, "%s/%s", dir, CHAIN_STORE_FILE);
    sqlite3 *db = NULL;
    cr_assert_eq(sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK, "%s", path);
    sqlite3_busy_timeout(db, 30000);
    sqlite3_stmt *st = NULL;
    cr_assert_eq(sqlite3_prepare_v2(db, "PRAGMA integrity_check", -1, &st, NULL), SQLITE_OK);
    cr_assert_eq(sqlite3_step(st), SQLITE_ROW);
    snprintf(out, cap, "%s", (const char *)sqlite3_column_text(st, 0));
    sqlite3_finalize(st);
    sqlite3_close(db);
}

/* A child that opens DIR/chains.db raw, takes the write lock (BEGIN IMMEDIATE),
 * changes the tip and the best chain, tells the parent on fd, and then either
 * waits to be killed (hold_ms 0) or rolls back after hold_ms. */
static pid_t raw_writer(const char *dir, int fd, int hold_ms)
{
    pid_t pid = fork();
    cr_assert(pid >= 0);
    if (pid != 0)
        return pid;
    char path[600];
    snprintf(path, sizeof path, "%s/%s", dir, CHAIN_STORE_FILE);
    sqlite3 *db = NULL;
    if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE, NULL) != SQLITE_OK)
        _exit(2);
    sqlite3_busy_timeout(db, 30000);
    if (sqlite3_exec(db, "BEGIN IMMEDIATE; UPDATE chains SET tip_height = 99; DELETE FROM best; DELETE FROM ledger",
                     NULL, NULL, NULL) != SQLITE_OK)
        _exit(3);
    if (write(fd, "L", 1) != 1)
        _exit(4);
    if (hold_ms == 0)
        for (;;)
            pause();
    usleep((useconds_t)hold_ms * 1000u);
    sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
    sqlite3_close(db);
    _exit(0);
}

Test(chain_store, a_writer_killed_at_any_instant_leaves_the_database_as_before_or_after, .timeout = 180)
{
    char dir[256], ok[64];
    tk_tmpdir(dir);
    chain_params p = ck_params("crash", 44, 0, 60);
    chain_store *s;
    ck_open(&s, dir, &p, NULL);
    pouw_key k;
    tk_key(&k, 0x81);
    pouw_block b;
    pouw_block_init(&b);
    ck_mine(s, &b, k.pub, 60000, NULL);
    int fds[2];
    cr_assert_eq(pipe(fds), 0);
    /* killed inside its transaction, half its changes made: none of them count */
    pid_t pid = raw_writer(dir, fds[1], 0);
    char ch;
    cr_assert_eq(read(fds[0], &ch, 1), 1);
    kill(pid, SIGKILL);
    int st;
    cr_assert_eq(waitpid(pid, &st, 0), pid);
    cr_assert(WIFSIGNALED(st));
    chain_store *r;
    ck_open(&r, dir, &p, NULL);
    cr_assert_eq(chain_store_tip_height(r), 1, "the dead writer's changes are gone");
    common_error err;
    cr_assert_eq(tk_verify_all(r, &err), 0, "%s", err.msg);
    integrity(ok, sizeof ok, dir);
    cr_assert_str_eq(ok, "ok");
    /* its lock died with it: the next writer stores */
    ck_mine(r, &b, k.pub, 60000, NULL);
    cr_assert_eq(chain_store_tip_height(r), 2);
    /* a writer holding the lock makes the next one wait (no failure, no timing
     * asserted: the machine is shared) */
    pid = raw_writer(dir, fds[1], 300);
    cr_assert_eq(read(fds[0], &ch, 1), 1);
    ck_mine(r, &b, k.pub, 60000, NULL);
    cr_assert_eq(waitpid(pid, &st, 0), pid);
    cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0, "the raw writer: %d", WEXITSTATUS(st));
    cr_assert_eq(chain_store_tip_height(r), 3);
    chain_store_close(r);
    chain_store_close(s);
    /* a miner killed at chosen instants (seeded), five times */
    uint64_t seed = ck_seed("crash", 44), rs = seed;
    for (int round = 0; round < 5; round++) {
        pid = fork();
        cr_assert(pid >= 0);
        if (pid == 0) {
            chain_store *m = NULL;
            common_error e;
            chain_v1_verifier v = *tk_v1();
            if (chain_open_v1(&m, &e, dir, &p, 0, &v) != CHAIN_OK)
                _exit(2);
            for (;;) {
                ck_step_clock clk = {m, 60000};
                chain_mine_opts mo;
                memset(&mo, 0, sizeof mo);
                mo.threads = 1;
                mo.max_attempts = 20000;
                mo.clock_ms = ck_step_ms;
                mo.clock_user = &clk;
                pouw_block x;
                pouw_block_init(&x);
                if (chain_mine_block(&x, NULL, &e, m, k.pub, &mo) != CHAIN_OK)
                    _exit(3);
                pouw_block_clear(&x);
            }
        }
        usleep((useconds_t)(50000 + ck_rand(&rs) % 400000));
        kill(pid, SIGKILL);
        cr_assert_eq(waitpid(pid, &st, 0), pid);
        cr_assert(WIFSIGNALED(st), "round %d: the miner failed by itself (%d)", round, WEXITSTATUS(st));
        integrity(ok, sizeof ok, dir);
        cr_assert_str_eq(ok, "ok", "round %d", round);
        chain_store *f;
        ck_open(&f, dir, &p, NULL);
        chain_store_counts c = counts_of(f);
        cr_assert_eq(c.valid, chain_store_tip_height(f) + 1, "round %d: one miner, one branch", round);
        cr_assert_eq(c.invalid + c.orphan, 0);
        cr_assert_eq(tk_verify_all(f, &err), 0, "round %d: %s", round, err.msg);
        chain_store_close(f);
    }
    close(fds[0]);
    close(fds[1]);
    pouw_block_clear(&b);
    pouw_key_clear(&k);
    tk_rmrf(dir);
}

Test(chain_store, ties_go_to_the_block_first_seen_and_more_weight_reorganises, .timeout = 60)
{
    char dir[256];
    tk_tmpdir(dir);
    chain_params p = ck_params("tie", 46, 0, 60);
    chain_store *s;
    ck_open(&s, dir, &p, NULL);
    pouw_key a, b;
    tk_key(&a, 0xa1);
    tk_key(&b, 0xb1);
    uint8_t g[32];
    tk_id(g, s, 0);
    pouw_block x, y, z;
    ck_forge_opts o;
    memset(&o, 0, sizeof o);
    o.time_ms = TK_GENESIS_MS + 60000;
    ck_forge(&y, s, g, b.pub, &o);
    ck_forge(&x, s, g, a.pub, &o);
    /* equal weight (same targets); whichever id is smaller, the first stored wins */
    chain_store_add_result rx, ry;
    common_error err;
    cr_assert_eq(chain_store_add(s, &rx, NULL, &err, &x), CHAIN_OK, "%s", err.msg);
    cr_assert_eq(chain_store_add(s, &ry, NULL, &err, &y), CHAIN_OK, "%s", err.msg);
    cr_assert(rx.best && rx.moved);
    cr_assert(!ry.best && !ry.moved);
    chain_block_meta mx, my;
    cr_assert_eq(chain_store_meta(&mx, &err, s, x.post_hash), CHAIN_OK);
    cr_assert_eq(chain_store_meta(&my, &err, s, y.post_hash), CHAIN_OK);
    cr_assert_eq(memcmp(mx.cum, my.cum, 32), 0, "equal cumulative weight");
    cr_assert_lt(mx.seen, my.seen);
    for (int i = 0; i < 3; i++) {
        chain_store *f;
        ck_open(&f, dir, &p, NULL);
        uint8_t id[32];
        tk_id(id, f, 1);
        cr_assert_eq(memcmp(id, x.post_hash, 32), 0, "value %d agrees", i);
        chain_store_close(f);
    }
    /* more weight (a longer branch) wins over first seen */
    chain_store_add_result rz;
    o.time_ms = TK_GENESIS_MS + 120000;
    ck_forge(&z, s, y.post_hash, b.pub, &o);
    cr_assert_eq(chain_store_add(s, &rz, NULL, &err, &z), CHAIN_OK, "%s", err.msg);
    cr_assert(rz.best && rz.moved);
    cr_assert_eq(rz.move.disconnected, 1, "x left the best chain");
    cr_assert_eq(rz.move.old_height, 1);
    cr_assert_eq(rz.move.new_height, 2);
    cr_assert_eq(memcmp(rz.move.old_tip, x.post_hash, 32), 0);
    uint8_t id1[32];
    tk_id(id1, s, 1);
    cr_assert_eq(memcmp(id1, y.post_hash, 32), 0);
    cr_assert_eq(tk_verdict(s, x.post_hash), CHAIN_VERDICT_VALID, "x stays, on a side branch");
    pouw_block_clear(&x);
    pouw_block_clear(&y);
    pouw_block_clear(&z);
    pouw_key_clear(&a);
    pouw_key_clear(&b);
    chain_store_close(s);
    tk_rmrf(dir);
}
