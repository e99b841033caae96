/* tests/test_chain.c - the chain module and the `pouw` program: the built-in and
 * testnet chains' parameters and pinned genesis blocks, miner keys, and bin/pouw
 * end to end - mine, verify, verify-chain, explain (the explained sessions re-run
 * by bin/bse give the same bytes and the block's d_i) and malformed block files.
 * The shared store has its own suite (test_chain_store.c), as do fork choice,
 * retargeting, rogue miners and concurrent miners (test_chain_*.c). */
#include <criterion/criterion.h>

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "chain/keys.h"
#include "chain/validate.h"
#include "chain/params.h"
#include "chain/policy.h"
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
        cr_assert_eq(p->reward, 1000 * CHAIN_COIN, "1000 coins of 10^6 units (s11.12)");
        cr_assert_eq(CHAIN_COIN, 1000000);
        /* consensus v2 (s11): mode lottery, a floor passing >= 85% (pinned), a post
         * target, W (c + 1) / (c - 1) >= 1000, max_future_ms <= min(2 h, G/4),
         * the limits, maturity 10, min_new_account 1 coin */
        cr_assert_eq(p->genesis_req.mode, POUW_MODE_LOTTERY);
        cr_assert_neq(p->genesis_req.post_bits, 0u);
        cr_assert_geq(p->floor_pass_ppm, 850000u);
        chain_retarget_rule rr = chain_params_rule(p);
        cr_assert(chain_retarget_rule_bounded(&rr, 1000));
        cr_assert_leq(p->max_future_ms, (uint64_t)p->retarget_window * p->target_interval_s * 1000u / 4);
        cr_assert_eq(p->limits.max_block_bytes, 1u << 20);
        cr_assert_gt(p->limits.max_block_txs, 0u);
        cr_assert_eq(p->maturity, 10u);
        cr_assert_eq(p->min_new_account, CHAIN_COIN, "1 coin");
        cr_assert_eq(chain_coins_at(p, 3), 3000 * CHAIN_COIN);
        cr_assert_eq(chain_coins_at(p, 0), 0);
        cr_assert_eq(chain_coins_at(p, UINT64_MAX), INT64_MAX, "saturates, no signed overflow");
        cr_assert_null(p->job);
        cr_assert(p->genesis_pinned);
        cr_assert_eq(chain_params_by_name(names[i]), p);
        cr_assert_eq(chain_params_by_id(i), p);
        common_error err;
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
        common_error err;
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

Test(chain_params, the_testnet_chains_mirror_the_builtins_in_miniature)
{
    static const char *names[] = {"alpha", "bravo", "charlie"};
    static const uint32_t intervals[] = {1, 2, 4};
    for (unsigned i = 0; i < CHAIN_COUNT; i++) {
        const chain_params *t = chain_testnet_at(i);
        cr_assert_not_null(t);
        cr_assert_eq(chain_testnet_by_name(names[i]), t);
        char full[32];
        snprintf(full, sizeof full, "test-%s", names[i]);
        cr_assert_str_eq(t->name, full, "a folder of its own: never mixed with a real chain");
        cr_assert_eq(chain_testnet_by_name(full), t);
        cr_assert_eq(chain_testnet_by_id(t->chain_id), t);
        cr_assert_null(chain_params_by_id(t->chain_id), "no id shared with a built-in");
        cr_assert_eq(t->target_interval_s, intervals[i]);
        cr_assert_eq(t->reward, 1000 * CHAIN_COIN);
        cr_assert_eq(t->maturity, 2u);
        cr_assert_eq(t->min_new_account, CHAIN_COIN);
        common_error err;
        cr_assert_eq(chain_params_check(t, &err), CHAIN_OK, "%s: %s", err.field, err.msg);
        pouw_block g;
        pouw_block_init(&g);
        cr_assert_eq(chain_genesis_build(&g, NULL, &err, t, 2), CHAIN_OK, "%s: %s", t->name, err.msg);
        cr_assert_eq(memcmp(g.post_hash, t->genesis_id, 32), 0);
        pouw_block_clear(&g);
    }
    cr_assert_null(chain_testnet_at(3));
    cr_assert_null(chain_testnet_by_name("delta"));
}

Test(chain_params, inconsistent_parameters_are_refused_naming_the_field)
{
    chain_params p = tk_params();
    common_error err;
    cr_assert_eq(chain_params_check(&p, &err), CHAIN_OK);
    p = tk_params();
    snprintf(p.name, sizeof p.name, "Bad/Name");
    cr_assert_eq(chain_params_check(&p, &err), CHAIN_EPARAMS);
    cr_assert_str_eq(err.field, "name");
    p = tk_params();
    p.genesis_req.post_bits = 0x1000ffff; /* a post target below 2^128 (s11.6) */
    cr_assert_eq(chain_params_check(&p, &err), CHAIN_EPARAMS);
    cr_assert_str_eq(err.field, "post_bits");
    p = tk_params();
    p.genesis_req.post_bits = 0x207fffff; /* any canonical target >= 2^128, in both modes (s11.2) */
    cr_assert_eq(chain_params_check(&p, &err), CHAIN_OK, "%s", err.msg);
    p = tk_params();
    p.clamp_num = p.clamp_den; /* c must exceed 1 */
    cr_assert_eq(chain_params_check(&p, &err), CHAIN_EPARAMS);
    cr_assert_str_eq(err.field, "clamp_num");
    p = tk_params();
    p.max_future_ms = 10u * 60u * 1000u / 4u + 1u; /* above G/4 (s11.5) */
    cr_assert_eq(chain_params_check(&p, &err), CHAIN_EPARAMS);
    cr_assert_str_eq(err.field, "max_future_ms");
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
    p = tk_params();
    p.retarget_window = 10001;
    cr_assert_eq(chain_params_check(&p, &err), CHAIN_EPARAMS);
    cr_assert_str_eq(err.field, "retarget_window");
    p = tk_params();
    p.target_interval_s = 0;
    cr_assert_eq(chain_params_check(&p, &err), CHAIN_EPARAMS);
    cr_assert_str_eq(err.field, "target_interval_s");
    const chain_params *t = chain_testnet_at(0);
    p = *t;
    p.pps_segments = 1; /* a measured table (statistics) must still be well formed */
    cr_assert_eq(chain_params_check(&p, &err), CHAIN_EPARAMS);
    cr_assert_str_eq(err.field, "pps_segments");
    for (int s = CHAIN_OK; s <= CHAIN_STATUS_LAST; s++)
        cr_assert_str_neq(chain_status_str((chain_status)s), "unknown status");
}

/* ---------------------------------------------------------------- store */

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

Test(chain_store, the_miner_key_is_created_once_private_and_labelled)
{
    char dir[256], path[600];
    tk_tmpdir(dir);
    pouw_key k1, k2;
    int created = 0;
    common_error err;
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

/* ---------------------------------------------------------------- policies */

static chain_view view(unsigned i, int64_t balance, int64_t num, int64_t den)
{
    chain_view v = {chain_params_at(i), balance, num, den};
    return v;
}

Test(chain_policy, balancer_mines_where_the_miners_balance_is_lowest)
{
    chain_policy pol;
    chain_policy_init(&pol, CHAIN_POLICY_BALANCER, 0);
    chain_view v[3] = {view(0, 3000, 1, 1), view(1, 1000, 1, 1), view(2, 2000, 1, 1)};
    cr_assert_eq(chain_policy_choose(&pol, v, 3), 1);
    v[2].balance = 0;
    cr_assert_eq(chain_policy_choose(&pol, v, 3), 2);
    /* ties: the shortest block interval, then the lowest chain id */
    chain_view t[3] = {view(2, 0, 1, 1), view(1, 0, 1, 1), view(0, 0, 1, 1)};
    cr_assert_eq(chain_policy_choose(&pol, t, 3), 2, "alpha: 60 s");
    t[2].balance = 1000;
    cr_assert_eq(chain_policy_choose(&pol, t, 3), 1, "bravo: 120 s");
}

Test(chain_policy, greedy_mines_the_reward_worth_most_in_alphacoin)
{
    chain_policy pol;
    chain_policy_init(&pol, CHAIN_POLICY_GREEDY, 0);
    chain_view v[3] = {view(0, 0, 1, 1), view(1, 0, 1, 1), view(2, 0, 1, 1)};
    cr_assert_eq(chain_policy_choose(&pol, v, 3), 0, "1:1:1: the tie rule picks AlphaCoin");
    v[2].price_num = 3; /* one CharlieCoin buys 1.5 AlphaCoin */
    v[2].price_den = 2;
    cr_assert_eq(chain_policy_choose(&pol, v, 3), 2);
    v[1].price_num = 2;
    cr_assert_eq(chain_policy_choose(&pol, v, 3), 1);
    v[0].balance = -5; /* balances do not matter to greedy */
    cr_assert_eq(chain_policy_choose(&pol, v, 3), 1);
}

Test(chain_policy, random_is_seeded_and_spreads_over_the_chains)
{
    chain_policy a, b;
    chain_policy_init(&a, CHAIN_POLICY_RANDOM, 42);
    chain_policy_init(&b, CHAIN_POLICY_RANDOM, 42);
    chain_view v[3] = {view(0, 0, 1, 1), view(1, 0, 1, 1), view(2, 0, 1, 1)};
    int count[3] = {0, 0, 0}, same = 1;
    for (int i = 0; i < 3000; i++) {
        size_t x = chain_policy_choose(&a, v, 3), y = chain_policy_choose(&b, v, 3);
        same &= x == y;
        count[x]++;
    }
    cr_assert(same, "the same seed, the same choices");
    for (int i = 0; i < 3; i++)
        cr_assert(count[i] > 850 && count[i] < 1150, "chain %d: %d of 3000", i, count[i]);
    chain_policy_init(&b, CHAIN_POLICY_RANDOM, 43);
    int differ = 0;
    for (int i = 0; i < 100; i++)
        differ += chain_policy_choose(&a, v, 3) != chain_policy_choose(&b, v, 3);
    cr_assert_gt(differ, 20, "another seed, other choices");
    chain_policy_kind k;
    for (int i = 0; i < 3; i++) {
        cr_assert_eq(chain_policy_parse(&k, chain_policy_name((chain_policy_kind)i)), 0);
        cr_assert_eq(k, (chain_policy_kind)i);
    }
    cr_assert_eq(chain_policy_parse(&k, "lazy"), -1);
    cr_assert_eq(chain_policy_parse(&k, NULL), -1);
    cr_assert_str_eq(chain_policy_name((chain_policy_kind)7), "unknown");
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
    /* the program's help starts with every command's usage; a command's help with its own */
    const char *helps[][2] = {{"--help", "mine"},         {"help", "mine"},
                              {"mine --help", "mine"},    {"verify --help", "verify"},
                              {"verify-chain --help", "verify-chain"}, {"explain --help", "explain"},
                              {"submit --help", "submit"}, {"help submit", "submit"}};
    for (size_t i = 0; i < NELEM(helps); i++) {
        snprintf(cmd, sizeof cmd, "%s %s | head -n1 | grep -q '^Usage: pouw %s '", pouw, helps[i][0], helps[i][1]);
        cr_assert_eq(run(cmd, NULL, NULL), 0, "%s", helps[i][0]);
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
                           "verify --data /tmp/x a.json b.json",
                           "mine --data /tmp/x --policy nope",
                           "mine --data /tmp/x --chain alpha --policy greedy",
                           "mine --data /tmp/x --chain alpha --forever --blocks 2",
                           "mine --data /tmp/x --policy random --seed x",
                           "mine --data /tmp/x --testnet --chain delta",
                           "submit --data /tmp/x",
                           "submit a.json",
                           "submit --data /tmp/nonexistent-pouw-dir /nonexistent.json"};
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

/* The file of the best chain's block at height of DIR/data's alpha chain, as
 * `chain export` writes it (into DIR/export/alpha/). */
static void block_file(char *path, size_t cap, const char *dir, int height)
{
    char chain[512], cmd[2048], blocks[600];
    tk_bin(chain, sizeof chain, "chain");
    snprintf(cmd, sizeof cmd, "%s export --data %s/data --chain alpha --out %s/export", chain, dir, dir);
    cr_assert_eq(run(cmd, NULL, NULL), 0, "%s", cmd);
    snprintf(blocks, sizeof blocks, "%s/export/alpha", dir);
    DIR *d = opendir(blocks);
    cr_assert_not_null(d);
    struct dirent *de;
    char prefix[16];
    snprintf(prefix, sizeof prefix, "%08d-", height);
    path[0] = '\0';
    while ((de = readdir(d)) != NULL)
        if (!strncmp(de->d_name, prefix, 9) && !strstr(de->d_name, ".ledger."))
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
    cr_assert_neq(strstr(out, " attempts 16 time "), NULL, "%s", out); /* pinned: fixed key, time and nonces */
    cr_assert_neq(strstr(out, " s reward 1000.000000 fees 0.000000\n"), NULL, "coins with six decimals: %s", out);
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
    cr_assert_neq(strstr(t, "2000.000000 coins in 1 accounts"), NULL, "%s", t);
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
    cr_assert_eq(count_lines(t), 3, "two sessions and the proof verdict: %s", t);
    cr_assert_neq(strstr(t, "matches the block"), NULL, "%s", t);
    cr_assert_neq(strstr(t, "proof valid"), NULL, "%s", t);
    free(t);
    pouw_block blk;
    pouw_block_init(&blk);
    common_error berr;
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

    /* a tampered copy is rejected with its reason, by verify and by submit */
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
    snprintf(cmd, sizeof cmd, "%s submit --data %s/data %s", pouw, dir, tampered);
    cr_assert_eq(run(cmd, o, e), 1);
    t = slurp(e, NULL);
    cr_assert_neq(strstr(t, "pouw submit: "), NULL, "%s", t);
    cr_assert_neq(strstr(t, "rejected (ledger)"), NULL, "%s", t);
    free(t);
    /* the stored block itself: accepted, already there, still the tip */
    snprintf(cmd, sizeof cmd, "%s submit --data %s/data %s", pouw, dir, b2);
    cr_assert_eq(run(cmd, o, e), 0);
    t = slurp(o, NULL);
    cr_assert_neq(strstr(t, "already known: AlphaCoin block 2 id "), NULL, "%s", t);
    cr_assert_neq(strstr(t, "(in the best chain)"), NULL, "%s", t);
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
    chain_store *s;
    tk_open(&s, dir, &p);
    pouw_key k;
    tk_key(&k, 3);
    pouw_block_init(&b);
    tk_mine(s, &b, k.pub);
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
    chain_store_close(s);
    tk_rmrf(dir);
}

Test(pouw_cli, a_policy_miner_rotates_over_the_three_chains, .timeout = 120)
{
    char dir[256], pouw[512], cmd[2048], o[600], e[600], key[600];
    tk_bin(pouw, sizeof pouw, "pouw");
    tk_tmpdir(dir);
    snprintf(o, sizeof o, "%s/o", dir);
    snprintf(e, sizeof e, "%s/e", dir);
    snprintf(key, sizeof key, "%s/k.key", dir);
    write_text(key, "ed25519-private 5151515151515151515151515151515151515151515151515151515151515151\n");
    snprintf(cmd, sizeof cmd, "%s mine --testnet --data %s --policy balancer --blocks 6 --key %s --threads 1", pouw,
             dir, key);
    cr_assert_eq(run(cmd, o, e), 0);
    char *t = slurp(o, NULL);
    const char *order[] = {"test-alpha height 1 ", "test-bravo height 1 ", "test-charlie height 1 ",
                           "test-alpha height 2 ", "test-bravo height 2 ", "test-charlie height 2 "};
    const char *at = t;
    for (int i = 0; i < 6; i++) {
        const char *f = strstr(at, order[i]);
        cr_assert_not_null(f, "block %d should be \"%s\": %s", i, order[i], t);
        at = f + 1;
    }
    free(t);
    /* greedy at 1:1:1 mines AlphaCoin; random names its seed */
    snprintf(cmd, sizeof cmd, "%s mine --testnet --data %s --policy greedy --blocks 2 --key %s --threads 1", pouw,
             dir, key);
    cr_assert_eq(run(cmd, o, e), 0);
    t = slurp(o, NULL);
    cr_assert_eq(count_lines(t), 2);
    cr_assert(!strncmp(t, "test-alpha height 3 ", 20), "%s", t);
    free(t);
    snprintf(cmd, sizeof cmd, "%s mine --testnet --data %s --policy random --seed 9 --blocks 3 --key %s", pouw, dir,
             key);
    cr_assert_eq(run(cmd, o, e), 0);
    t = slurp(e, NULL);
    cr_assert_neq(strstr(t, "random policy, seed 9"), NULL, "%s", t);
    free(t);
    /* --forever stops on SIGTERM, cleanly */
    snprintf(cmd, sizeof cmd, "(%s mine --testnet --data %s --chain charlie --forever --key %s & p=$!; sleep 1; "
             "kill -TERM $p; wait $p)", pouw, dir, key);
    cr_assert_eq(run(cmd, o, e), 0);
    t = slurp(e, NULL);
    cr_assert_neq(strstr(t, "stopped by a signal after "), NULL, "%s", t);
    free(t);
    tk_rmrf(dir);
}
