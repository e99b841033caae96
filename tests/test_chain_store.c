/* tests/test_chain_store.c - the block store shared by processes (chain/store.h):
 * every block file kept, side branches included, and an index any process
 * rebuilds from the files; another writer's blocks seen before a claim; blocks
 * from the folder verified before they are believed, verdicts cached; crash
 * leftovers (temporary files, a block whose tip was not moved, a damaged tip
 * file) harmless; the lock serialising writers; ties to the first seen. */
#include <criterion/criterion.h>

#include "tests/chain_testkit.h"

static void write_text(const char *path, const char *text)
{
    FILE *f = fopen(path, "wb");
    cr_assert_not_null(f, "%s", path);
    fputs(text, f);
    fclose(f);
}

static int count_files(const char *dir)
{
    DIR *d = opendir(dir);
    int n = 0;
    struct dirent *de;
    while (d && (de = readdir(d)) != NULL)
        n += de->d_name[0] != '.';
    if (d)
        closedir(d);
    return n;
}

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

static void open_noticed(chain_store *s, const char *dir, const chain_params *p, notices *ns)
{
    chain_store_opts o;
    memset(&o, 0, sizeof o);
    o.threads = 2;
    o.notice = on_notice;
    o.notice_user = ns;
    common_error err;
    cr_assert_eq(chain_store_open_opts(s, &err, dir, p, &o), CHAIN_OK, "%s: %s", err.path, err.msg);
}

Test(chain_store, a_missing_chain_is_created_only_when_asked)
{
    char dir[256], path[600];
    tk_tmpdir(dir);
    chain_params p = tk_params();
    chain_store s;
    common_error err;
    cr_assert_eq(chain_store_open(&s, &err, dir, &p, 0, 1), CHAIN_ESTORE, "no chain and no create");
    cr_assert_neq(strstr(err.msg, "TinyCoin"), NULL, "%s", err.msg);
    tk_open(&s, dir, &p);
    cr_assert_eq(chain_store_tip_height(&s), 0);
    snprintf(path, sizeof path, "%s/tiny/blocks", dir);
    cr_assert_eq(count_files(path), 1, "genesis");
    snprintf(path, sizeof path, "%s/tiny/lock", dir);
    cr_assert_eq(access(path, F_OK), 0, "the writers' lock file");
    uint8_t gid[32];
    chain_store_id(gid, &s, 0);
    char hex[65], want[200], tip[200];
    pouw_hex_encode(hex, gid, 32);
    snprintf(path, sizeof path, "%s/tiny/tip", dir);
    char *t = ck_slurp(path);
    snprintf(tip, sizeof tip, "%s", t);
    free(t);
    snprintf(want, sizeof want, "0 %s\n", hex);
    cr_assert_str_eq(tip, want);
    chain_store_block_path(path, sizeof path, &s, 0, gid);
    snprintf(want, sizeof want, "%s/tiny/blocks/00000000-%s.json", dir, hex);
    cr_assert_str_eq(path, want);
    chain_store_close(&s);
    chain_store_close(&s); /* twice is harmless */
    tk_rmrf(dir);
}

Test(chain_store, every_block_file_is_kept_and_any_process_rebuilds_the_index, .timeout = 60)
{
    char dir[256], blocks[600];
    tk_tmpdir(dir);
    chain_params p = ck_params("keep", 40, 0, 60);
    chain_store s;
    ck_open(&s, dir, &p, NULL);
    pouw_key a, b;
    tk_key(&a, 0x41);
    tk_key(&b, 0x42);
    pouw_block blk, side;
    pouw_block_init(&blk);
    for (int i = 0; i < 3; i++)
        ck_mine(&s, &blk, a.pub, 60000, NULL);
    /* a competing block at height 2: lighter branch, kept all the same */
    uint8_t h1[32];
    chain_store_id(h1, &s, 1);
    ck_forge(&side, &s, h1, b.pub, NULL);
    chain_store_add_result res;
    pouw_reason r;
    common_error err;
    cr_assert_eq(chain_store_add(&s, &res, &r, &err, &side, 0), CHAIN_OK, "%s", err.msg);
    cr_assert(res.stored && !res.best && !res.moved);
    cr_assert_eq(chain_store_tip_height(&s), 3);
    snprintf(blocks, sizeof blocks, "%s/keep/blocks", dir);
    cr_assert_eq(count_files(blocks), 5, "genesis, 3 blocks, 1 side block");
    /* a fresh value, and a fresh process, rebuild the same index from the files */
    chain_store f;
    ck_open(&f, dir, &p, NULL);
    cr_assert_eq(f.n_blk, 5);
    cr_assert_eq(chain_store_tip_height(&f), 3);
    cr_assert_eq(memcmp(f.e[3].id, s.e[3].id, 32), 0);
    chain_block_info info;
    cr_assert(chain_store_info(&info, &f, side.post_hash));
    cr_assert_eq(info.height, 2);
    cr_assert(info.linked);
    cr_assert_eq(info.state, CHAIN_BLOCK_UNVERIFIED, "a lighter branch is verified only when it could win");
    uint64_t dummy;
    cr_assert(!chain_store_find(&dummy, &f, side.post_hash), "not on the best chain");
    pid_t pid = fork();
    if (pid == 0) {
        chain_store c;
        common_error e;
        int ok = chain_store_open(&c, &e, dir, &p, 0, 1) == CHAIN_OK && chain_store_tip_height(&c) == 3 &&
                 memcmp(c.e[3].id, blk.post_hash, 32) == 0;
        _exit(ok ? 0 : 1);
    }
    int st;
    cr_assert_eq(waitpid(pid, &st, 0), pid);
    cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0, "another process sees the same best chain");
    /* the side block verifies on its own branch when asked */
    cr_assert_eq(chain_store_verify_id(&r, &err, &f, side.post_hash), CHAIN_OK, "%s", err.msg);
    size_t bad;
    cr_assert_eq(chain_store_verify_all(&bad, &err, &f), CHAIN_OK);
    cr_assert_eq(bad, 0);
    chain_store_close(&f);
    pouw_block_clear(&blk);
    pouw_block_clear(&side);
    pouw_key_clear(&a);
    pouw_key_clear(&b);
    chain_store_close(&s);
    tk_rmrf(dir);
}

Test(chain_store, a_writer_sees_another_writers_block_before_it_claims, .timeout = 60)
{
    char dir[256];
    tk_tmpdir(dir);
    chain_params p = ck_params("seen", 41, 0, 60);
    chain_store a, b;
    ck_open(&a, dir, &p, NULL);
    ck_open(&b, dir, &p, NULL);
    pouw_key ka, kb;
    tk_key(&ka, 0x51);
    tk_key(&kb, 0x52);
    pouw_block x, y;
    pouw_block_init(&x);
    pouw_block_init(&y);
    cr_assert(!chain_store_changed(&b));
    ck_mine(&a, &x, ka.pub, 60000, NULL);
    cr_assert(chain_store_changed(&b), "two stat calls tell B that A wrote");
    chain_store_add_result res;
    ck_mine(&b, &y, kb.pub, 60000, &res);
    cr_assert_eq(y.header.height, 2, "B mined on A's block");
    cr_assert_eq(memcmp(y.header.prev_hash, x.post_hash, 32), 0);
    cr_assert(res.best && res.moved && res.stored);
    int moved;
    common_error err;
    cr_assert_eq(chain_store_refresh(&a, &err, &moved), CHAIN_OK);
    cr_assert(moved);
    cr_assert_eq(chain_store_tip_height(&a), 2);
    /* a miner that watches the store stops when another writer moves the tip */
    ck_mine(&a, &x, ka.pub, 60000, NULL);
    ck_step_clock clk = {&b, 60000};
    chain_mine_opts mo;
    memset(&mo, 0, sizeof mo);
    mo.threads = 1;
    mo.clock_ms = ck_step_ms;
    mo.clock_user = &clk;
    mo.stop_on_change = 1;
    mo.max_attempts = 1;
    chain_status cs = chain_mine_block(&y, NULL, &err, &b, kb.pub, &mo);
    cr_assert(cs == CHAIN_OK || cs == CHAIN_ESTOPPED, "a fresh look first: %s", err.msg);
    if (cs == CHAIN_OK)
        cr_assert_eq(y.header.height, 4, "it refreshed before building");
    pouw_block_clear(&x);
    pouw_block_clear(&y);
    pouw_key_clear(&ka);
    pouw_key_clear(&kb);
    chain_store_close(&a);
    chain_store_close(&b);
    tk_rmrf(dir);
}

Test(chain_store, a_stored_block_is_verified_before_it_is_believed, .timeout = 60)
{
    char dir[256];
    tk_tmpdir(dir);
    chain_params p = ck_params("trust", 42, 0, 60);
    chain_store s;
    ck_open(&s, dir, &p, NULL);
    pouw_key k;
    tk_key(&k, 0x61);
    pouw_block b;
    pouw_block_init(&b);
    for (int i = 0; i < 3; i++)
        ck_mine(&s, &b, k.pub, 60000, NULL);
    pouw_block genuine;
    pouw_block_init(&genuine);
    cr_assert_eq(pouw_block_copy(&genuine, &b), POUW_OK);
    /* someone rewrites block 3's file: a richer ledger under the same name */
    b.ledger.e[0].balance += 1000000;
    char path[4400];
    chain_store_block_path(path, sizeof path, &s, 3, b.post_hash);
    common_error err;
    cr_assert_eq(pouw_block_save(&b, &err, path), POUW_OK);
    notices ns = {0, ""};
    chain_store f;
    open_noticed(&f, dir, &p, &ns);
    cr_assert_eq(chain_store_tip_height(&f), 2, "the best valid chain stops below it");
    cr_assert_eq(ns.n, 1);
    cr_assert_neq(strstr(ns.last, "rejected (ledger)"), NULL, "%s", ns.last);
    cr_assert_neq(strstr(ns.last, path), NULL, "the notice names the file: %s", ns.last);
    chain_block_info info;
    cr_assert(chain_store_info(&info, &f, b.post_hash));
    cr_assert_eq(info.state, CHAIN_BLOCK_INVALID);
    cr_assert_eq(info.reason, POUW_R_LEDGER);
    /* a child of the bad block is refused for its parent */
    pouw_block child;
    ck_forge(&child, &f, b.post_hash, k.pub, NULL);
    pouw_reason r;
    cr_assert_eq(chain_store_add(&f, NULL, &r, &err, &child, 0), CHAIN_EINVALID);
    cr_assert_eq(r, POUW_R_UNKNOWN_PARENT);
    cr_assert_neq(strstr(err.msg, "is invalid: ledger"), NULL, "%s", err.msg);
    /* the honest chain continues from block 2 (another miner: another block 3) */
    pouw_key k2;
    tk_key(&k2, 0x62);
    pouw_block c;
    ck_mine(&f, &c, k2.pub, 60000, NULL);
    cr_assert_eq(c.header.height, 3);
    cr_assert_neq(memcmp(c.post_hash, b.post_hash, 32), 0);
    /* the genuine block 3, offered again, repairs the damaged file: an id commits
     * to header and proof, and the one valid content of that id is this */
    chain_store_add_result res;
    cr_assert_eq(chain_store_add(&f, &res, &r, &err, &genuine, 0), CHAIN_OK, "%s", err.msg);
    cr_assert(res.stored, "the file is written again");
    cr_assert(!res.best, "equal work: block 3 of k2 was there first");
    cr_assert(chain_store_info(&info, &f, genuine.post_hash));
    cr_assert_eq(info.state, CHAIN_BLOCK_VALID);
    pouw_block back;
    pouw_block_init(&back);
    cr_assert_eq(chain_store_load_id(&back, &err, &f, genuine.post_hash), CHAIN_OK);
    cr_assert(pouw_block_equal(&back, &genuine));
    pouw_block_clear(&back);
    pouw_block_clear(&genuine);
    pouw_key_clear(&k2);
    /* a file that is no block at all, or not the one its name says */
    char junk[4400], hex[65];
    pouw_hex_encode(hex, child.post_hash, 32);
    snprintf(junk, sizeof junk, "%s/trust/blocks/00000009-%s.json", dir, hex);
    write_text(junk, "{ half a block");
    chain_block_info gi;
    cr_assert(chain_store_info(&gi, &f, f.e[0].id));
    notices n2 = {0, ""};
    chain_store g;
    open_noticed(&g, dir, &p, &n2);
    cr_assert_eq(chain_store_tip_height(&g), 3);
    cr_assert_eq(memcmp(g.e[3].id, c.post_hash, 32), 0);
    cr_assert_eq(n2.n, 1, "the junk (the damaged file was repaired): %s", n2.last);
    cr_assert_neq(strstr(n2.last, "rejected (format)"), NULL, "%s", n2.last);
    chain_store_close(&g);
    pouw_block_clear(&b);
    pouw_block_clear(&c);
    pouw_block_clear(&child);
    pouw_key_clear(&k);
    chain_store_close(&f);
    chain_store_close(&s);
    tk_rmrf(dir);
}

Test(chain_store, verdicts_are_cached_so_refreshing_verifies_only_new_blocks, .timeout = 60)
{
    char dir[256];
    tk_tmpdir(dir);
    chain_params p = ck_params("cache", 43, 0, 60);
    chain_store s, r;
    ck_open(&s, dir, &p, NULL);
    pouw_key k;
    tk_key(&k, 0x71);
    pouw_block b;
    pouw_block_init(&b);
    for (int i = 0; i < 6; i++)
        ck_mine(&s, &b, k.pub, 60000, NULL);
    ck_open(&r, dir, &p, NULL);
    cr_assert_eq(r.verified, 7, "opening verifies genesis and six blocks");
    common_error err;
    cr_assert_eq(chain_store_reload(&r, &err), CHAIN_OK);
    cr_assert_eq(r.verified, 7, "a reload reads every file again but verifies nothing again");
    cr_assert_eq(chain_store_tip_height(&r), 6);
    int moved;
    cr_assert_eq(chain_store_refresh(&r, &err, &moved), CHAIN_OK);
    cr_assert(!moved);
    cr_assert_eq(r.verified, 7);
    ck_mine(&s, &b, k.pub, 60000, NULL);
    cr_assert_eq(chain_store_refresh(&r, &err, &moved), CHAIN_OK);
    cr_assert(moved);
    cr_assert_eq(r.verified, 8, "one new block, one verification");
    /* verify_store ignores the cache: it re-reads and re-verifies everything */
    uint64_t bad;
    pouw_reason why;
    cr_assert_eq(chain_verify_store(&bad, &why, &err, &r, TK_NOW_MS, 2, NULL, NULL), CHAIN_OK);
    pouw_block_clear(&b);
    pouw_key_clear(&k);
    chain_store_close(&r);
    chain_store_close(&s);
    tk_rmrf(dir);
}

Test(chain_store, crash_leftovers_are_harmless_and_the_next_writer_tidies, .timeout = 60)
{
    char dir[256], other[256], cmd[1200], path[4400];
    tk_tmpdir(dir);
    tk_tmpdir(other);
    chain_params p = ck_params("crash", 44, 0, 60);
    chain_store s;
    ck_open(&s, dir, &p, NULL);
    pouw_key k;
    tk_key(&k, 0x81);
    pouw_block b;
    pouw_block_init(&b);
    ck_mine(&s, &b, k.pub, 60000, NULL);
    chain_store_close(&s);
    /* a writer killed after writing its block but before moving the tip: the
     * block's file is there, the tip file names its parent */
    snprintf(cmd, sizeof cmd, "cp -r %s/crash %s/", dir, other);
    cr_assert_eq(system(cmd), 0);
    chain_store o;
    ck_open(&o, other, &p, NULL);
    ck_mine(&o, &b, k.pub, 60000, NULL);
    snprintf(cmd, sizeof cmd, "cp %s/crash/blocks/00000002-*.json %s/crash/blocks/", other, dir);
    cr_assert_eq(system(cmd), 0);
    chain_store_close(&o);
    /* and writers killed while writing: their temporary files */
    char tmp1[600], tmp2[600], tipf[600];
    snprintf(tmp1, sizeof tmp1, "%s/crash/blocks/00000003-%064d.json.tmp.Ab12Cd", dir, 0);
    snprintf(tmp2, sizeof tmp2, "%s/crash/tip.tmp.Xy34Zw", dir);
    write_text(tmp1, "{ \"header\": { half");
    write_text(tmp2, "2 ");
    snprintf(tipf, sizeof tipf, "%s/crash/tip", dir);
    char *before = ck_slurp(tipf);
    cr_assert_eq(before[0], '1', "the tip file still names block 1: %s", before);
    chain_store r;
    ck_open(&r, dir, &p, NULL);
    cr_assert_eq(chain_store_tip_height(&r), 2, "the stored block is chosen by fork choice anyway");
    cr_assert_eq(memcmp(r.e[2].id, b.post_hash, 32), 0);
    cr_assert_eq(access(tmp1, F_OK), 0, "a reader removes nothing");
    /* a damaged tip file is only a hint: ignored */
    write_text(tipf, "garbage\n");
    chain_store r2;
    ck_open(&r2, dir, &p, NULL);
    cr_assert_eq(chain_store_tip_height(&r2), 2);
    chain_store_close(&r2);
    /* the next writer tidies: temporaries gone, tip file right again */
    ck_mine(&r, &b, k.pub, 60000, NULL);
    cr_assert_eq(access(tmp1, F_OK), -1, "the dead writer's block temporary is gone");
    cr_assert_eq(access(tmp2, F_OK), -1, "the dead writer's tip temporary is gone");
    char *after = ck_slurp(tipf);
    char hex[65], want[100];
    pouw_hex_encode(hex, b.post_hash, 32);
    snprintf(want, sizeof want, "3 %s\n", hex);
    cr_assert_str_eq(after, want);
    chain_store_block_path(path, sizeof path, &r, 3, b.post_hash);
    cr_assert_eq(access(path, F_OK), 0);
    free(before);
    free(after);
    pouw_block_clear(&b);
    pouw_key_clear(&k);
    chain_store_close(&r);
    tk_rmrf(dir);
    tk_rmrf(other);
}

Test(chain_store, the_lock_serialises_writers_across_processes, .timeout = 60)
{
    char dir[256];
    tk_tmpdir(dir);
    chain_params p = ck_params("lock", 45, 0, 60);
    chain_store s;
    ck_open(&s, dir, &p, NULL);
    pouw_key k;
    tk_key(&k, 0x91);
    int fds[2];
    cr_assert_eq(pipe(fds), 0);
    pid_t pid = fork();
    if (pid == 0) { /* another process holds the lock for 400 ms */
        chain_store c;
        common_error e;
        if (chain_store_open(&c, &e, dir, &p, 0, 1) != CHAIN_OK || chain_store_lock(&c, &e) != CHAIN_OK)
            _exit(1);
        if (write(fds[1], "L", 1) != 1)
            _exit(1);
        usleep(400000);
        chain_store_unlock(&c);
        chain_store_close(&c);
        _exit(0);
    }
    char ch;
    cr_assert_eq(read(fds[0], &ch, 1), 1);
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    pouw_block b;
    pouw_block_init(&b);
    ck_mine(&s, &b, k.pub, 60000, NULL); /* mining is free; storing waits */
    clock_gettime(CLOCK_MONOTONIC, &t1);
    double waited = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) * 1e-9;
    int st;
    cr_assert_eq(waitpid(pid, &st, 0), pid);
    cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0);
    cr_assert_gt(waited, 0.25, "the writer waited for the lock (%.3f s)", waited);
    cr_assert_eq(chain_store_tip_height(&s), 1);
    /* a lock taken by a process that dies is released by the kernel */
    pid = fork();
    if (pid == 0) {
        chain_store c;
        common_error e;
        if (chain_store_open(&c, &e, dir, &p, 0, 1) != CHAIN_OK || chain_store_lock(&c, &e) != CHAIN_OK)
            _exit(1);
        raise(SIGKILL);
    }
    cr_assert_eq(waitpid(pid, &st, 0), pid);
    cr_assert(WIFSIGNALED(st));
    ck_mine(&s, &b, k.pub, 60000, NULL);
    cr_assert_eq(chain_store_tip_height(&s), 2);
    close(fds[0]);
    close(fds[1]);
    pouw_block_clear(&b);
    pouw_key_clear(&k);
    chain_store_close(&s);
    tk_rmrf(dir);
}

Test(chain_store, ties_go_to_the_block_first_seen_by_every_store_value, .timeout = 60)
{
    char dir[256];
    tk_tmpdir(dir);
    chain_params p = ck_params("tie", 46, 0, 60);
    chain_store s;
    ck_open(&s, dir, &p, NULL);
    pouw_key a, b;
    tk_key(&a, 0xa1);
    tk_key(&b, 0xb1);
    uint8_t g[32];
    chain_store_id(g, &s, 0);
    pouw_block x, y;
    ck_forge_opts o;
    memset(&o, 0, sizeof o);
    o.time_ms = TK_GENESIS_MS + 60000;
    ck_forge(&y, &s, g, b.pub, &o);
    ck_forge(&x, &s, g, a.pub, &o);
    /* equal work (same targets); whichever id is smaller, the first stored wins */
    chain_store_add_result rx, ry;
    common_error err;
    cr_assert_eq(chain_store_add(&s, &rx, NULL, &err, &x, 0), CHAIN_OK, "%s", err.msg);
    cr_assert_eq(chain_store_add(&s, &ry, NULL, &err, &y, 0), CHAIN_OK, "%s", err.msg);
    cr_assert(rx.best && rx.moved);
    cr_assert(!ry.best && !ry.moved);
    for (int i = 0; i < 3; i++) {
        chain_store f;
        ck_open(&f, dir, &p, NULL);
        cr_assert_eq(memcmp(f.e[1].id, x.post_hash, 32), 0, "value %d agrees", i);
        chain_store_close(&f);
    }
    /* more work (a longer branch) wins over first seen */
    chain_store_add_result rz;
    pouw_block z;
    o.time_ms = TK_GENESIS_MS + 120000;
    ck_forge(&z, &s, y.post_hash, b.pub, &o);
    cr_assert_eq(chain_store_add(&s, &rz, NULL, &err, &z, 0), CHAIN_OK, "%s", err.msg);
    cr_assert(rz.best && rz.moved);
    cr_assert_eq(rz.disconnected, 1, "x left the best chain");
    cr_assert_eq(memcmp(s.e[1].id, y.post_hash, 32), 0);
    pouw_block_clear(&x);
    pouw_block_clear(&y);
    pouw_block_clear(&z);
    pouw_key_clear(&a);
    pouw_key_clear(&b);
    chain_store_close(&s);
    tk_rmrf(dir);
}

Test(chain_store, a_block_file_changed_after_its_verification_is_judged_again, .timeout = 60)
{
    char dir[256];
    tk_tmpdir(dir);
    chain_params p = ck_params("again", 47, 0, 60);
    chain_store s;
    ck_open(&s, dir, &p, NULL);
    pouw_key k;
    tk_key(&k, 0x77);
    pouw_block b, genuine;
    pouw_block_init(&b);
    pouw_block_init(&genuine);
    for (int i = 0; i < 3; i++)
        ck_mine(&s, &b, k.pub, 60000, NULL);
    cr_assert_eq(pouw_block_copy(&genuine, &b), POUW_OK);
    /* this very store verified block 3; then someone rewrites its ledger */
    b.ledger.e[0].balance -= 1;
    char path[4400];
    chain_store_block_path(path, sizeof path, &s, 3, b.post_hash);
    common_error err;
    cr_assert_eq(pouw_block_save(&b, &err, path), POUW_OK);
    pouw_block r;
    pouw_block_init(&r);
    cr_assert_eq(chain_store_load(&r, &err, &s, 3), CHAIN_ESTORE, "a verdict covers the bytes verified");
    cr_assert_neq(strstr(err.msg, "changed since it was verified"), NULL, "%s", err.msg);
    cr_assert(chain_store_changed(&s), "the next refresh judges it again");
    int moved;
    cr_assert_eq(chain_store_refresh(&s, &err, &moved), CHAIN_OK, "%s", err.msg);
    cr_assert(moved);
    cr_assert_eq(chain_store_tip_height(&s), 2, "rejected now, the best chain falls back");
    chain_block_info info;
    cr_assert(chain_store_info(&info, &s, genuine.post_hash));
    cr_assert_eq(info.state, CHAIN_BLOCK_INVALID);
    cr_assert_eq(info.reason, POUW_R_LEDGER);
    /* the miner goes on from block 2: with the same key and clock it rebuilds the
     * genuine block 3, which repairs the file */
    ck_mine(&s, &b, k.pub, 60000, NULL);
    cr_assert_eq(memcmp(b.post_hash, genuine.post_hash, 32), 0);
    cr_assert_eq(chain_store_load(&r, &err, &s, 3), CHAIN_OK, "%s", err.msg);
    cr_assert(pouw_block_equal(&r, &genuine));
    cr_assert_eq(chain_store_tip_height(&s), 3);
    pouw_block_clear(&r);
    pouw_block_clear(&b);
    pouw_block_clear(&genuine);
    pouw_key_clear(&k);
    chain_store_close(&s);
    tk_rmrf(dir);
}
