/* tests/test_chain.c - the chain module and the `pouw` program: the built-in
 * chains' parameters and pinned genesis blocks, the block store (layout, crash
 * leftovers, corruption), miner keys, and bin/pouw end to end - mine, verify,
 * verify-chain, explain (Must-show 4: the explained sessions re-run by bin/bse give
 * the same bytes and the block's d_i) and malformed block files (Must-show 6). */
#include <criterion/criterion.h>

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "chain/node.h"
#include "chain/params.h"
#include "chain/store.h"
#include "pouw/block.h"
#include "pouw/keys.h"
#include "pouw/seed.h"
#include "pouw/sha256.h"
#include "tests/pouw_testkit.h"

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

/* ---------------------------------------------------------------- parameters */

Test(chain_params, the_three_chains_are_as_the_spec_says)
{
    static const char *names[] = {"alpha", "bravo", "charlie"};
    static const char *coins[] = {"AlphaCoin", "BravoCoin", "CharlieCoin"};
    static const uint32_t intervals[] = {60, 120, 240};
    for (unsigned i = 0; i < CHAIN_COUNT; i++) {
        const chain_params *p = chain_params_at(i);
        cr_assert_not_null(p);
        cr_assert_eq(p->chain_id, i);
        cr_assert_str_eq(p->name, names[i]);
        cr_assert_str_eq(p->coin, coins[i]);
        cr_assert_eq(p->target_interval_s, intervals[i]);
        cr_assert_eq(p->reward, 1000);
        cr_assert_eq(p->genesis_req.mode, POUW_MODE_PPS);
        cr_assert_eq(p->genesis_req.post_bits, 0);
        cr_assert_null(p->job);
        cr_assert(p->genesis_pinned);
        cr_assert_eq(chain_params_by_name(names[i]), p);
        cr_assert_eq(chain_params_by_id(i), p);
        bse_error err;
        cr_assert_eq(chain_params_check(p, &err), CHAIN_OK, "%s: %s", err.field, err.msg);
    }
    cr_assert_null(chain_params_at(3));
    cr_assert_null(chain_params_by_name("delta"));
    cr_assert_null(chain_params_by_name(NULL));
    cr_assert_null(chain_params_by_id(3));
    /* the work grows with the block interval */
    cr_assert(chain_params_at(0)->tmpl.duration < chain_params_at(1)->tmpl.duration);
    cr_assert(chain_params_at(1)->tmpl.duration < chain_params_at(2)->tmpl.duration);
}

Test(chain_params, builtin_genesis_blocks_rebuild_to_their_pinned_ids, .timeout = 120)
{
    for (unsigned i = 0; i < CHAIN_COUNT; i++) {
        const chain_params *p = chain_params_at(i);
        pouw_block g;
        pouw_block_init(&g);
        uint64_t attempts;
        bse_error err;
        cr_assert_eq(chain_genesis_build(&g, &attempts, &err, p, 2), CHAIN_OK, "%s: %s", p->name, err.msg);
        cr_assert_eq(attempts, 1, "the pinned nonce is the first valid one");
        cr_assert_eq(memcmp(g.post_hash, p->genesis_id, 32), 0);
        cr_assert_eq(g.header.chain_id, p->chain_id);
        cr_assert_eq(g.header.height, 0);
        cr_assert_eq(g.header.time_ms, 1735689600000ull);
        cr_assert(g.pps_micro >= p->genesis_req.pps_threshold_micro);
        pouw_block_clear(&g);
    }
}

Test(chain_params, every_height_requires_the_genesis_targets_until_retargeting)
{
    const chain_params *p = chain_params_by_name("bravo");
    for (uint64_t h = 0; h < 100; h += 7) {
        pouw_requirements r;
        cr_assert_eq(chain_required_targets(&r, NULL, p, NULL, h), CHAIN_OK);
        cr_assert_eq(memcmp(&r, &p->genesis_req, sizeof r), 0);
    }
}

Test(chain_params, inconsistent_parameters_are_refused_naming_the_field)
{
    chain_params p = tk_params();
    bse_error err;
    cr_assert_eq(chain_params_check(&p, &err), CHAIN_OK);
    p = tk_params();
    snprintf(p.name, sizeof p.name, "Bad/Name");
    cr_assert_eq(chain_params_check(&p, &err), CHAIN_EPARAMS);
    cr_assert_str_eq(err.field, "name");
    p = tk_params();
    p.genesis_req.post_bits = 0x207fffff;
    cr_assert_eq(chain_params_check(&p, &err), CHAIN_EPARAMS);
    cr_assert_str_eq(err.field, "post_bits");
    p = tk_params();
    p.genesis_req.mode = 2;
    cr_assert_eq(chain_params_check(&p, &err), CHAIN_EPARAMS);
    cr_assert_str_eq(err.field, "mode");
    p = tk_params();
    p.genesis_req.sessions = 65;
    cr_assert_eq(chain_params_check(&p, &err), CHAIN_EPARAMS);
    cr_assert_str_eq(err.field, "sessions");
    p = tk_params();
    p.genesis_req.prehash_bits = 0x2200ffff; /* does not fit 256 bits */
    cr_assert_eq(chain_params_check(&p, &err), CHAIN_EPARAMS);
    cr_assert_str_eq(err.field, "prehash_bits");
    p = tk_params();
    p.genesis_req.job_digest[0] = 1; /* a digest without a job */
    cr_assert_eq(chain_params_check(&p, &err), CHAIN_EPARAMS);
    cr_assert_str_eq(err.field, "job_digest");
    p = tk_params();
    p.tmpl.duration = -5;
    cr_assert_eq(chain_params_check(&p, &err), CHAIN_EPARAMS);
    cr_assert_str_eq(err.field, "template.duration");
    for (int s = CHAIN_OK; s <= CHAIN_STATUS_LAST; s++)
        cr_assert_str_neq(chain_status_str((chain_status)s), "unknown status");
}

/* ---------------------------------------------------------------- store */

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

static void write_text(const char *path, const char *text)
{
    FILE *f = fopen(path, "wb");
    cr_assert_not_null(f, "%s", path);
    fputs(text, f);
    fclose(f);
}

static void read_text(const char *path, char *out, size_t cap)
{
    FILE *f = fopen(path, "rb");
    cr_assert_not_null(f, "%s", path);
    size_t n = fread(out, 1, cap - 1, f);
    out[n] = '\0';
    fclose(f);
}

Test(chain_store, a_new_chain_holds_genesis_and_appends_crash_safely)
{
    char dir[256], path[4400], blocks[512];
    tk_tmpdir(dir);
    chain_params p = tk_params();
    chain_store s;
    bse_error err;
    cr_assert_eq(chain_store_open(&s, &err, dir, &p, 0, 1), CHAIN_ESTORE, "no chain and no create");
    cr_assert_neq(strstr(err.msg, "TinyCoin"), NULL, "%s", err.msg);
    tk_open(&s, dir, &p);
    cr_assert_eq(chain_store_tip_height(&s), 0);
    snprintf(blocks, sizeof blocks, "%s/tiny/blocks", dir);
    cr_assert_eq(count_files(blocks), 1);
    uint8_t gid[32];
    chain_store_id(gid, &s, 0);
    char hex[65], tip[200], want[200];
    pouw_hex_encode(hex, gid, 32);
    snprintf(path, sizeof path, "%s/tiny/tip", dir);
    read_text(path, tip, sizeof tip);
    snprintf(want, sizeof want, "0 %s\n", hex);
    cr_assert_str_eq(tip, want);
    chain_store_block_path(path, sizeof path, &s, 0, gid);
    char expect_path[600];
    snprintf(expect_path, sizeof expect_path, "%s/tiny/blocks/00000000-%s.json", dir, hex);
    cr_assert_str_eq(path, expect_path);

    pouw_key k;
    tk_key(&k, 7);
    pouw_block b1, b2;
    pouw_block_init(&b1);
    pouw_block_init(&b2);
    tk_mine(&s, &b1, k.pub);
    cr_assert_eq(chain_store_tip_height(&s), 1);
    /* appending something that does not extend the tip is refused */
    cr_assert_eq(chain_store_append(&s, &err, &b1), CHAIN_ETIP);
    uint64_t h;
    cr_assert(chain_store_find(&h, &s, b1.post_hash));
    cr_assert_eq(h, 1);
    cr_assert(!chain_store_find(&h, &s, k.pub));

    /* a crash after writing block 2 but before moving the tip leaves a file above
     * the tip: reopening ignores it, and the next append replaces it */
    chain_store_close(&s);
    snprintf(path, sizeof path, "%s/tiny/blocks/00000002-%s.json", dir, hex);
    write_text(path, "{ half a block");
    tk_open(&s, dir, &p);
    cr_assert_eq(chain_store_tip_height(&s), 1);
    tk_mine(&s, &b2, k.pub);
    cr_assert_eq(access(path, F_OK), -1, "the leftover is gone");
    cr_assert_eq(count_files(blocks), 3);
    chain_store_close(&s);
    tk_open(&s, dir, &p);
    cr_assert_eq(chain_store_tip_height(&s), 2);
    pouw_block r;
    pouw_block_init(&r);
    cr_assert_eq(chain_store_load(&r, &err, &s, 2), CHAIN_OK);
    cr_assert(pouw_block_equal(&r, &b2));
    pouw_block_clear(&r);
    chain_store_close(&s);
    pouw_block_clear(&b1);
    pouw_block_clear(&b2);
    pouw_key_clear(&k);
    tk_rmrf(dir);
}

Test(chain_store, corrupt_stores_are_reported_not_believed)
{
    char dir[256], path[4400], tipf[600], saved[200];
    tk_tmpdir(dir);
    chain_params p = tk_params();
    chain_store s;
    bse_error err;
    tk_open(&s, dir, &p);
    pouw_key k;
    tk_key(&k, 9);
    pouw_block b;
    pouw_block_init(&b);
    tk_mine(&s, &b, k.pub);
    uint8_t id1[32];
    chain_store_id(id1, &s, 1);
    chain_store_close(&s);
    snprintf(tipf, sizeof tipf, "%s/tiny/tip", dir);
    read_text(tipf, saved, sizeof saved);

    const char *bad_tips[] = {"", "1\n", "x 00\n", "1 0000000000000000000000000000000000000000000000000000000000000000\n",
                              "7 ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff\n"};
    for (size_t i = 0; i < NELEM(bad_tips); i++) {
        write_text(tipf, bad_tips[i]);
        cr_assert_eq(chain_store_open(&s, &err, dir, &p, 1, 1), CHAIN_ESTORE, "tip %zu accepted", i);
        cr_assert(err.msg[0]);
    }
    write_text(tipf, saved);
    /* a second file at height 1 */
    char hex[65];
    memset(hex, 'a', 64);
    hex[64] = '\0';
    snprintf(path, sizeof path, "%s/tiny/blocks/00000001-%s.json", dir, hex);
    write_text(path, "{}");
    cr_assert_eq(chain_store_open(&s, &err, dir, &p, 1, 1), CHAIN_ESTORE);
    cr_assert_neq(strstr(err.msg, "two block files"), NULL, "%s", err.msg);
    unlink(path);
    /* a block file that is not the block its name says */
    cr_assert_eq(chain_store_open(&s, &err, dir, &p, 1, 1), CHAIN_OK);
    char real[4400];
    chain_store_block_path(real, sizeof real, &s, 1, id1);
    pouw_block r;
    pouw_block_init(&r);
    cr_assert_eq(chain_store_load(&r, &err, &s, 1), CHAIN_OK);
    r.post_hash[0] ^= 1; /* still a block, but another one */
    cr_assert_eq(pouw_block_save(&r, &err, real), POUW_OK);
    cr_assert_eq(chain_store_load(&r, &err, &s, 1), CHAIN_ESTORE);
    cr_assert_neq(strstr(err.msg, "not hold the block"), NULL, "%s", err.msg);
    write_text(real, "{\"not\": \"a block\"}");
    cr_assert_eq(chain_store_load(&r, &err, &s, 1), CHAIN_ESTORE);
    cr_assert_str_eq(err.field, "not");
    unlink(real);
    chain_store_close(&s);
    cr_assert_eq(chain_store_open(&s, &err, dir, &p, 1, 1), CHAIN_ESTORE, "missing block below the tip");
    cr_assert_neq(strstr(err.msg, "no block file"), NULL, "%s", err.msg);
    pouw_block_clear(&b);
    pouw_key_clear(&k);
    tk_rmrf(dir);
}

Test(chain_store, the_miner_key_is_created_once_private_and_labelled)
{
    char dir[256], path[600];
    tk_tmpdir(dir);
    pouw_key k1, k2;
    int created = 0;
    bse_error err;
    cr_assert_eq(chain_miner_key(&k1, &created, &err, dir, NULL), CHAIN_OK, "%s", err.msg);
    cr_assert_eq(created, 1);
    char host[256] = "";
    gethostname(host, sizeof host);
    cr_assert_str_eq(k1.label, host);
    snprintf(path, sizeof path, "%s/keys/miner.key", dir);
    struct stat st;
    cr_assert_eq(stat(path, &st), 0);
    cr_assert_eq(st.st_mode & 0777, 0600);
    snprintf(path, sizeof path, "%s/keys", dir);
    cr_assert_eq(stat(path, &st), 0);
    cr_assert_eq(st.st_mode & 0777, 0700);
    cr_assert_eq(chain_miner_key(&k2, &created, &err, dir, NULL), CHAIN_OK);
    cr_assert_eq(created, 0);
    cr_assert_eq(memcmp(k1.pub, k2.pub, 32), 0, "the same key the second time");
    pouw_key_clear(&k2);
    snprintf(path, sizeof path, "%s/other.key", dir);
    cr_assert_eq(chain_miner_key(&k2, &created, &err, dir, path), CHAIN_EIO, "an explicit key file must exist");
    write_text(path, "ed25519-private zz\n");
    cr_assert_eq(chain_miner_key(&k2, &created, &err, dir, path), CHAIN_EKEY);
    cr_assert_str_eq(err.field, "ed25519-private");
    pouw_key_clear(&k1);
    tk_rmrf(dir);
}

/* ---------------------------------------------------------------- bin/pouw */

/* Runs a shell command line; returns its exit code (a signal fails the test).
 * stdout and stderr go to out/err files when given. */
static int run(const char *cmd, const char *out, const char *err)
{
    char line[8192];
    snprintf(line, sizeof line, "%s >%s 2>%s", cmd, out ? out : "/dev/null", err ? err : "/dev/null");
    int st = system(line);
    cr_assert(st != -1 && WIFEXITED(st), "command crashed or was killed: %s", cmd);
    return WEXITSTATUS(st);
}

static char *slurp(const char *path, size_t *len)
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
    if (len)
        *len = (size_t)n;
    return b;
}

static int count_lines(const char *s)
{
    int n = 0;
    for (; *s; s++)
        n += *s == '\n';
    return n;
}

Test(pouw_cli, help_and_usage_errors)
{
    char pouw[512], cmd[1024];
    tk_bin(pouw, sizeof pouw, "pouw");
    const char *helps[] = {"--help", "mine --help", "verify --help", "verify-chain --help", "explain --help"};
    for (size_t i = 0; i < NELEM(helps); i++) {
        snprintf(cmd, sizeof cmd, "%s %s | grep -q '^usage: pouw mine'", pouw, helps[i]);
        cr_assert_eq(run(cmd, NULL, NULL), 0, "%s", helps[i]);
    }
    const char *usage[] = {"",
                           "frobnicate",
                           "mine",
                           "mine --data",
                           "mine --data /tmp/x --chain delta",
                           "mine --data /tmp/x --chain alpha --blocks -1",
                           "mine --data /tmp/x --chain alpha --threads 0",
                           "mine --data /tmp/x --chain alpha --bogus",
                           "verify --data /tmp/x",
                           "verify-chain --data /tmp/x",
                           "explain --out /tmp/x",
                           "verify --data /tmp/x a.json b.json"};
    for (size_t i = 0; i < NELEM(usage); i++) {
        snprintf(cmd, sizeof cmd, "%s %s", pouw, usage[i]);
        cr_assert_eq(run(cmd, NULL, NULL), 2, "usage error expected: pouw %s", usage[i]);
    }
}

#define CLI_TIME_MS "1735689660000" /* a fixed clock: 2025-01-01T00:01:00Z */

/* Mines two AlphaCoin blocks through bin/pouw with a fixed clock and a key whose
 * blocks need one attempt each (chosen once by trying keys: mining is
 * deterministic with --time-ms). Returns the data directory's path in dir. */
static void cli_mine(char dir[256], char *out_text, size_t cap)
{
    char pouw[512], cmd[2048], key[600], out[600], err[600];
    tk_bin(pouw, sizeof pouw, "pouw");
    tk_tmpdir(dir);
    snprintf(key, sizeof key, "%s/test.key", dir);
    char text[200];
    snprintf(text, sizeof text, "ed25519-private %s\nlabel cli test\n",
             "7373737373737373737373737373737373737373737373737373737373737373");
    write_text(key, text);
    snprintf(out, sizeof out, "%s/mine.out", dir);
    snprintf(err, sizeof err, "%s/mine.err", dir);
    snprintf(cmd, sizeof cmd, "%s mine --data %s/data --chain alpha --key %s --time-ms %s --blocks 2 --threads 2",
             pouw, dir, key, CLI_TIME_MS);
    int rc = run(cmd, out, err);
    char *e = slurp(err, NULL);
    cr_assert_eq(rc, 0, "pouw mine failed: %s", e);
    cr_assert_neq(strstr(e, "creating the AlphaCoin chain"), NULL, "%s", e);
    cr_assert_null(strchr(e, '\r'), "no progress line when stderr is not a terminal");
    free(e);
    read_text(out, out_text, cap);
}

static void block_file(char *path, size_t cap, const char *dir, int height)
{
    char blocks[600];
    snprintf(blocks, sizeof blocks, "%s/data/alpha/blocks", dir);
    DIR *d = opendir(blocks);
    cr_assert_not_null(d);
    struct dirent *de;
    char prefix[16];
    snprintf(prefix, sizeof prefix, "%08d-", height);
    path[0] = '\0';
    while ((de = readdir(d)) != NULL)
        if (!strncmp(de->d_name, prefix, 9))
            snprintf(path, cap, "%s/%s", blocks, de->d_name);
    closedir(d);
    cr_assert(path[0], "no block file at height %d", height);
}

Test(pouw_cli, mine_verify_verify_chain_and_explain_end_to_end, .timeout = 300)
{
    char dir[256], out[4096], pouw[512], bse[512], cmd[4096], b2[1024], o[600], e[600];
    tk_bin(pouw, sizeof pouw, "pouw");
    tk_bin(bse, sizeof bse, "bse");
    cli_mine(dir, out, sizeof out);
    cr_assert_eq(count_lines(out), 2, "one line per block: %s", out);
    cr_assert(!strncmp(out, "alpha height 1 id ", 18), "%s", out);
    cr_assert_neq(strstr(out, "\nalpha height 2 id "), NULL, "%s", out);
    cr_assert_neq(strstr(out, " pps "), NULL);
    cr_assert_neq(strstr(out, " attempts 1 time "), NULL, "%s", out);
    block_file(b2, sizeof b2, dir, 2);
    snprintf(o, sizeof o, "%s/v.out", dir);
    snprintf(e, sizeof e, "%s/v.err", dir);

    /* verify: exit 0 and one line */
    snprintf(cmd, sizeof cmd, "%s verify --data %s/data %s", pouw, dir, b2);
    cr_assert_eq(run(cmd, o, e), 0);
    char *t = slurp(o, NULL);
    cr_assert_eq(count_lines(t), 1, "%s", t);
    cr_assert(!strncmp(t, "valid AlphaCoin block 2 id ", 27), "%s", t);
    free(t);

    /* verify-chain */
    snprintf(cmd, sizeof cmd, "%s verify-chain --data %s/data --chain alpha", pouw, dir);
    cr_assert_eq(run(cmd, o, e), 0);
    t = slurp(o, NULL);
    cr_assert_neq(strstr(t, "valid AlphaCoin chain: blocks 0..2"), NULL, "%s", t);
    cr_assert_neq(strstr(t, "2000 coins in 1 accounts"), NULL, "%s", t);
    free(t);
    snprintf(cmd, sizeof cmd, "%s verify-chain --data %s/data --chain bravo", pouw, dir);
    cr_assert_eq(run(cmd, o, e), 2, "no bravo chain there");

    /* an AlphaCoin block is not a BravoCoin block */
    snprintf(cmd, sizeof cmd, "%s verify --data %s/data --chain bravo %s", pouw, dir, b2);
    cr_assert_eq(run(cmd, o, e), 1);
    t = slurp(e, NULL);
    cr_assert_neq(strstr(t, "rejected (chain_id)"), NULL, "%s", t);
    free(t);

    /* Must-show 4: explain, then bin/bse on the explained cases gives the same bytes,
     * and d_i = SHA-256(tape || last avg-balance line) is the block's */
    snprintf(cmd, sizeof cmd, "%s explain %s --out %s/ex", pouw, b2, dir);
    cr_assert_eq(run(cmd, o, e), 0);
    t = slurp(o, NULL);
    cr_assert_eq(count_lines(t), 2, "%s", t);
    cr_assert_neq(strstr(t, "matches the block"), NULL, "%s", t);
    free(t);
    pouw_block blk;
    pouw_block_init(&blk);
    bse_error berr;
    cr_assert_eq(pouw_block_load(&blk, &berr, b2), POUW_OK);
    for (int i = 0; i < 2; i++) {
        char casef[700], exdir[700], bsedir[700];
        snprintf(exdir, sizeof exdir, "%s/ex", dir);
        snprintf(bsedir, sizeof bsedir, "%s/bse%d", dir, i);
        snprintf(casef, sizeof casef, "%s/s%d.json", exdir, i);
        /* the case names the session seed in full, as hex256 */
        char *cj = slurp(casef, NULL);
        uint8_t seed[32];
        cr_assert_eq(pouw_session_seed(seed, blk.pre_hash, (uint32_t)i), POUW_OK);
        char sh[80], pat[120];
        pouw_hex_encode(sh, seed, 32);
        snprintf(pat, sizeof pat, "\"seed\":\"%s\",\"seed_kind\":\"hex256\"", sh);
        cr_assert_neq(strstr(cj, pat), NULL, "%s", cj);
        free(cj);
        snprintf(cmd, sizeof cmd, "%s run %s --out %s", bse, casef, bsedir);
        cr_assert_eq(run(cmd, NULL, e), 0, "bse run failed");
        const char *kinds[] = {"tape", "avg_balance"};
        for (int k = 0; k < 2; k++) {
            char p1[800], p2[800];
            snprintf(p1, sizeof p1, "%s/s%d_%s.csv", exdir, i, kinds[k]);
            snprintf(p2, sizeof p2, "%s/s%d_%s.csv", bsedir, i, kinds[k]);
            size_t l1, l2;
            char *a = slurp(p1, &l1), *b = slurp(p2, &l2);
            cr_assert(l1 == l2 && memcmp(a, b, l1) == 0, "%s differs from bin/bse's", p1);
            cr_assert(l1 > 0);
            free(a);
            free(b);
        }
        char pt[800], pa[800];
        snprintf(pt, sizeof pt, "%s/s%d_tape.csv", bsedir, i);
        snprintf(pa, sizeof pa, "%s/s%d_avg_balance.csv", bsedir, i);
        size_t lt, la;
        char *tape = slurp(pt, &lt), *avg = slurp(pa, &la);
        cr_assert(la > 1 && avg[la - 1] == '\n');
        size_t last = la - 1;
        while (last > 0 && avg[last - 1] != '\n')
            last--;
        char *cat = malloc(lt + (la - last));
        memcpy(cat, tape, lt);
        memcpy(cat + lt, avg + last, la - last);
        uint8_t d[32];
        cr_assert_eq(pouw_sha256(d, cat, lt + (la - last)), POUW_OK);
        cr_assert_eq(memcmp(d, blk.proof[i].digest, 32), 0, "d_%d from bin/bse's files is the block's", i);
        free(cat);
        free(tape);
        free(avg);
    }

    /* a tampered copy is rejected with its reason */
    blk.ledger.e[0].balance += 1;
    char tampered[700];
    snprintf(tampered, sizeof tampered, "%s/tampered.json", dir);
    cr_assert_eq(pouw_block_save(&blk, &berr, tampered), POUW_OK);
    snprintf(cmd, sizeof cmd, "%s verify --data %s/data %s", pouw, dir, tampered);
    cr_assert_eq(run(cmd, o, e), 1);
    t = slurp(e, NULL);
    cr_assert_neq(strstr(t, "rejected (ledger)"), NULL, "%s", t);
    cr_assert_neq(strstr(t, tampered), NULL, "the message names the file: %s", t);
    free(t);
    pouw_block_clear(&blk);
    tk_rmrf(dir);
}

/* Must-show 6: malformed block files give exit 1 or 2 and a clear message. */
Test(pouw_cli, malformed_block_files_are_refused_without_crashing)
{
    char dir[256], pouw[512], cmd[2048], o[600], e[600], f[600];
    tk_bin(pouw, sizeof pouw, "pouw");
    tk_tmpdir(dir);
    snprintf(o, sizeof o, "%s/o", dir);
    snprintf(e, sizeof e, "%s/e", dir);
    snprintf(f, sizeof f, "%s/b.json", dir);
    /* a well-formed document to damage: a block of the tiny test chain */
    pouw_block b;
    chain_params p = tk_params();
    chain_store s;
    tk_open(&s, dir, &p);
    pouw_key k;
    tk_key(&k, 3);
    pouw_block_init(&b);
    tk_mine(&s, &b, k.pub);
    char *valid;
    size_t vlen;
    cr_assert_eq(pouw_block_to_json(&valid, &vlen, &b), POUW_OK);

    struct {
        const char *name, *from, *to; /* replace the first `from` with `to` in the valid document */
        int exit_code;
        const char *words;
    } cases[] = {
        {"wrong type", "\"height\":\t1", "\"height\":\t\"1\"", 1, "header.height: must be an integer"},
        {"huge number", "\"height\":\t1", "\"height\":\t1e999", 1, "header.height: number out of range"},
        {"big integer", "\"height\":\t1", "\"height\":\t18446744073709551617", 1, "out of range"},
        {"renamed field", "\"pre_hash\"", "\"pre_hush\"", 1, "pre_hush: unknown field"},
        {"missing field", "\"post_bits\":\t0,", "", 1, "header.post_bits: missing"},
        {"invalid hex", "\"miner\":\t\"", "\"miner\":\t\"G", 1, "header.miner: must be 64 lower-case hex digits"},
        {"negative amount", "\"amount\":\t1000", "\"amount\":\t-1000", 1, "transactions[0].amount"},
        {"not an object", "{", "[", 1, "rejected (format)"},
    };
    for (size_t i = 0; i < NELEM(cases); i++) {
        const char *at = strstr(valid, cases[i].from);
        cr_assert_not_null(at, "%s", cases[i].name);
        FILE *fp = fopen(f, "wb");
        fwrite(valid, 1, (size_t)(at - valid), fp);
        fputs(cases[i].to, fp);
        fputs(at + strlen(cases[i].from), fp);
        fclose(fp);
        snprintf(cmd, sizeof cmd, "%s verify --data %s %s", pouw, dir, f);
        cr_assert_eq(run(cmd, o, e), cases[i].exit_code, "%s", cases[i].name);
        char *t = slurp(e, NULL);
        cr_assert_neq(strstr(t, cases[i].words), NULL, "%s: %s", cases[i].name, t);
        cr_assert_eq(count_lines(t), 1, "one line: %s", t);
        free(t);
    }
    /* truncated, empty, garbage, deep nesting */
    struct {
        const char *name;
        const char *text;
        size_t len;
        const char *words;
    } raw[] = {
        {"truncated", valid, vlen / 2, "malformed JSON"},
        {"empty", "", 0, "empty document"},
        {"garbage", "\x7f" "ELF\x02\x01\x01", 7, "malformed JSON"},
        {"NUL", "{\"a\":\0}", 7, "NUL byte"},
    };
    for (size_t i = 0; i < NELEM(raw); i++) {
        FILE *fp = fopen(f, "wb");
        fwrite(raw[i].text, 1, raw[i].len, fp);
        fclose(fp);
        snprintf(cmd, sizeof cmd, "%s verify --data %s %s", pouw, dir, f);
        cr_assert_eq(run(cmd, o, e), 1, "%s", raw[i].name);
        char *t = slurp(e, NULL);
        cr_assert_neq(strstr(t, raw[i].words), NULL, "%s: %s", raw[i].name, t);
        cr_assert_neq(strstr(t, "rejected (format)"), NULL, "%s: %s", raw[i].name, t);
        free(t);
    }
    FILE *fp = fopen(f, "wb");
    for (int i = 0; i < 100000; i++)
        fputc('[', fp);
    fclose(fp);
    snprintf(cmd, sizeof cmd, "%s verify --data %s %s", pouw, dir, f);
    cr_assert_eq(run(cmd, o, e), 1);
    char *t = slurp(e, NULL);
    cr_assert_neq(strstr(t, "nested deeper"), NULL, "%s", t);
    free(t);
    /* unreadable input: exit 2 */
    snprintf(cmd, sizeof cmd, "%s verify --data %s %s/missing.json", pouw, dir, dir);
    cr_assert_eq(run(cmd, o, e), 2);
    t = slurp(e, NULL);
    cr_assert_neq(strstr(t, "cannot open"), NULL, "%s", t);
    free(t);
    snprintf(cmd, sizeof cmd, "%s verify --data %s %s", pouw, dir, dir);
    cr_assert_eq(run(cmd, o, e), 2, "a folder");
    int fd = open(f, O_WRONLY | O_TRUNC);
    cr_assert(fd >= 0);
    cr_assert_eq(ftruncate(fd, (off_t)65 << 20), 0); /* sparse: larger than any block */
    close(fd);
    snprintf(cmd, sizeof cmd, "%s verify --data %s %s", pouw, dir, f);
    cr_assert_eq(run(cmd, o, e), 2);
    t = slurp(e, NULL);
    cr_assert_neq(strstr(t, "larger than"), NULL, "%s", t);
    free(t);
    /* a well-formed block of a chain the program does not know */
    fp = fopen(f, "wb");
    fwrite(valid, 1, vlen, fp);
    fclose(fp);
    cr_assert_eq(run(cmd, o, e), 1);
    t = slurp(e, NULL);
    cr_assert_neq(strstr(t, "rejected (chain_id)"), NULL, "%s", t);
    free(t);
    snprintf(cmd, sizeof cmd, "%s explain %s --out %s/ex", pouw, f, dir);
    cr_assert_eq(run(cmd, o, e), 2, "explain needs a known chain's template");
    free(valid);
    pouw_block_clear(&b);
    pouw_key_clear(&k);
    chain_store_close(&s);
    tk_rmrf(dir);
}
