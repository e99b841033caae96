/* tests/test_econ_sim.c - the economy on simulated time (chain/economy/sim.h):
 * a small run keeps the custody invariant and the coin supply, its chains pass
 * verification from scratch, its CSVs are the same bytes at any thread count,
 * and bad configs are refused naming the field. */
#include <criterion/criterion.h>

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "chain/economy/config.h"
#include "chain/economy/sim.h"
#include "chain/validate.h"
#include "chain/params.h"
#include "chain/store.h"
#include "common/file.h"

static const char *SMALL =
    "{\"seed\": 11, \"duration_s\": 1200, \"chains\": \"test\", \"step_s\": 60, \"period_s\": 300,"
    " \"agents\": ["
    "  {\"label\": \"mb\", \"count\": 1, \"mining\": {\"policy\": \"balancer\", \"rate\": 0.04},"
    "   \"trader\": {\"strategy\": \"market-greedy\"}, \"holdings\": {\"ALPHA\": 30, \"BRAVO\": 30, \"CHARLIE\": 30}},"
    "  {\"label\": \"mg\", \"count\": 1, \"mining\": {\"policy\": \"greedy\", \"rate\": 0.04},"
    "   \"trader\": {\"strategy\": \"balancer\"}, \"holdings\": {\"ALPHA\": 30, \"BRAVO\": 30, \"CHARLIE\": 30},"
    "   \"withdraw_every_s\": 300, \"withdraw_share\": 0.2},"
    "  {\"label\": \"grid\", \"count\": 2, \"trader\": {\"strategy\": \"grid\"},"
    "   \"holdings\": {\"ALPHA\": 50, \"BRAVO\": 50, \"CHARLIE\": 50}},"
    "  {\"label\": \"spot\", \"count\": 2, \"trader\": {\"strategy\": \"spot\"},"
    "   \"holdings\": {\"ALPHA\": 50, \"BRAVO\": 50, \"CHARLIE\": 50}},"
    "  {\"label\": \"wild\", \"count\": 2, \"trader\": {\"strategy\": \"wildcard\"},"
    "   \"holdings\": {\"ALPHA\": 50, \"BRAVO\": 50, \"CHARLIE\": 50}},"
    "  {\"label\": \"hodl\", \"count\": 1, \"holdings\": {\"ALPHA\": 10}}"
    " ]}";

static void mktemp_dir(char *out, size_t n)
{
    snprintf(out, n, "/tmp/test-econ-XXXXXX");
    cr_assert_not_null(mkdtemp(out));
}

static void rm_rf(const char *dir)
{
    char cmd[512];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    cr_assert_eq(system(cmd), 0);
}

static int run_config(const char *json, const char *out, unsigned threads, chain_econ_summary *sum, common_error *err)
{
    chain_econ_config c;
    common_error_clear(err);
    cr_assert_eq(chain_econ_config_parse(&c, err, "small.json", json, strlen(json)), 0, "%s: %s", err->field, err->msg);
    chain_econ_sim_opts o = {.threads = threads, .prog = "test"};
    int rc = chain_econ_sim_run(&c, out, &o, sum, err);
    chain_econ_config_clear(&c);
    return rc;
}

static char *slurp(const char *dir, const char *name, size_t *len)
{
    char p[600];
    snprintf(p, sizeof p, "%s/%s", dir, name);
    char *d = NULL;
    common_error e;
    cr_assert_eq(common_file_read(&d, len, &e, p, 1u << 30), COMMON_FILE_OK, "%s: %s", p, e.msg);
    return d;
}

static size_t count_lines(const char *d, size_t n)
{
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
        k += d[i] == '\n';
    return k;
}

Test(econ_sim, small_run_keeps_custody_supply_and_verifies, .timeout = 600)
{
    char dir[64];
    mktemp_dir(dir, sizeof dir);
    chain_econ_summary sum;
    common_error err;
    int rc = run_config(SMALL, dir, 1, &sum, &err);
    cr_assert_eq(rc, 0, "run failed: %s: %s", err.field, err.msg);
    cr_expect(sum.custody_ok, "custody invariant broke");
    cr_expect(sum.supply_ok, "coins != reward x height");
    cr_expect_gt(sum.custody_checks, 100u, "the invariant was checked after every event (%llu)",
                 (unsigned long long)sum.custody_checks);
    cr_expect_gt(sum.blocks[0] + sum.blocks[1] + sum.blocks[2], 10u);
    cr_expect_gt(sum.trades, 0u, "traders traded");
    size_t n;
    char *tr = slurp(dir, "trades.csv", &n);
    cr_expect_eq(count_lines(tr, n), sum.trades + 1, "trades.csv has a row per trade");
    free(tr);
    /* every chain passes verification from scratch */
    char chains[128];
    snprintf(chains, sizeof chains, "%s/chains", dir);
    for (unsigned c = 0; c < CHAIN_COUNT; c++) {
        chain_store *s = NULL;
        chain_v1_verifier v = {1, NULL, NULL};
        cr_assert_eq(chain_open_v1(&s, &err, chains, chain_testnet_at(c), 0, &v), CHAIN_OK, "%s", err.msg);
        uint64_t checked = 0, bad = 0;
        cr_assert_eq(chain_store_verify_all(&checked, &bad, &err, s), CHAIN_OK, "%s", err.msg);
        cr_expect_eq(bad, 0u, "%s: %llu bad blocks", chain_testnet_at(c)->name, (unsigned long long)bad);
        cr_expect_eq(checked, sum.heights[c] + 1);
        chain_store_close(s);
    }
    /* a second run into the same folder is refused, nothing changed */
    chain_econ_summary s2;
    cr_expect_eq(run_config(SMALL, dir, 1, &s2, &err), 2);
    rm_rf(dir);
}

Test(econ_sim, same_bytes_at_any_thread_count, .timeout = 900)
{
    char a[64], b[64];
    mktemp_dir(a, sizeof a);
    mktemp_dir(b, sizeof b);
    chain_econ_summary sa, sb;
    common_error err;
    cr_assert_eq(run_config(SMALL, a, 1, &sa, &err), 0, "%s", err.msg);
    cr_assert_eq(run_config(SMALL, b, 3, &sb, &err), 0, "%s", err.msg);
    static const char *const files[] = {"blocks.csv", "trades.csv", "prices.csv", "balances.csv",
                                        "books.csv", "mining.csv", "errors.csv"};
    for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
        size_t na, nb;
        char *da = slurp(a, files[i], &na), *db = slurp(b, files[i], &nb);
        cr_expect(na == nb && memcmp(da, db, na) == 0, "%s differs between 1 and 3 threads", files[i]);
        free(da);
        free(db);
    }
    rm_rf(a);
    rm_rf(b);
}

typedef struct bad_case {
    const char *json;
    const char *field; /* expected inside err.field */
} bad_case;

Test(econ_sim, bad_configs_name_the_field)
{
    static const bad_case cases[] = {
        {"{\"seed\":1,\"duration_s\":60,\"agents\":[{\"count\":1,\"mining\":{\"chain\":\"alpha\",\"rate\":1},"
         "\"trader\":{\"strategy\":\"moonshot\"}}]}",
         "agents[0].trader.strategy"},
        {"{\"seed\":1,\"duration_s\":60,\"agents\":[{\"count\":1,\"mining\":{\"chain\":\"alpha\",\"rate\":1},"
         "\"holdings\":{\"ALPHA\":-5}}]}",
         "agents[0].holdings.ALPHA"},
        {"{\"seed\":1,\"duration_s\":60,\"agents\":[{\"count\":2,\"mining\":{\"chain\":\"alpha\",\"rate\":0}}]}",
         "agents[0].mining.rate"},
        {"{\"seed\":1,\"duration_s\":0,\"agents\":[{\"count\":1,\"mining\":{\"chain\":\"alpha\",\"rate\":1}}]}",
         "duration_s"},
        {"{\"seed\":\"one\",\"duration_s\":60,\"agents\":[{\"count\":1,\"mining\":{\"chain\":\"alpha\",\"rate\":1}}]}",
         "seed"},
        {"{\"seed\":1,\"duration_s\":60,\"agents\":[{\"count\":1.5,\"mining\":{\"chain\":\"alpha\",\"rate\":1}}]}",
         "agents[0].count"},
        {"{\"seed\":1,\"duration_s\":60,\"agents\":[{\"count\":1}]}", "agents"},
        {"{\"seed\":1,\"duration_s\":60,\"agents\":[]}", "agents"},
        {"{\"seed\":1,\"duration_s\":60,\"agnets\":[]}", "agnets"},
        {"{\"seed\":1,\"duration_s\":60,\"agents\":[{\"count\":1,\"mining\":{\"chain\":\"delta\",\"rate\":1}}]}",
         "agents[0].mining.chain"},
        {"{\"seed\":1,\"duration_s\":60,\"agents\":[{\"count\":1,\"mining\":{\"chain\":\"alpha\",\"rate\":1},"
         "\"trader\":{\"strategy\":\"moving-average\",\"params\":{\"k\":1}}}]}",
         "params.k"},
        {"{\"seed\":1,\"duration_s\":60,\"chains\":\"moon\",\"agents\":[{\"count\":1,\"mining\":{\"chain\":\"alpha\","
         "\"rate\":1}}]}",
         "chains"},
        {"[1,2,3]", ""},
        {"{\"seed\":1,", "byte"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        chain_econ_config c;
        common_error err;
        common_error_clear(&err);
        int rc = chain_econ_config_parse(&c, &err, "bad.json", cases[i].json, strlen(cases[i].json));
        cr_expect_eq(rc, -1, "case %zu accepted", i);
        cr_expect_str_eq(err.path, "bad.json", "case %zu names the file", i);
        cr_expect(strstr(err.field, cases[i].field) != NULL, "case %zu: field '%s', expected '%s' (%s)", i, err.field,
                  cases[i].field, err.msg);
        cr_expect(err.msg[0] != '\0' && strchr(err.msg, '\n') == NULL, "case %zu: one-line message", i);
    }
}
