/* chain/chainbench_main.c - `chainbench`: figures of the shared block store for
 * `make bench` (mk/bench_chain.sh), and the measurements behind chain parameters
 * (the PPS quantile tables and testnet genesis pins of chain/params.c). Prints
 * "name value unit" lines on stdout (pps-table: a C initializer); timings are
 * measured, never asserted. Exit status: 0 ok, 1 a measurement failed, 2 usage.
 * The command line follows the shared contract of common/cli.h. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <gsl/gsl_errno.h>

#include "chain/miner.h"
#include "chain/validate.h"
#include "chain/params.h"
#include "chain/store.h"
#include "common/cli.h"
#include "common/clock.h"
#include "common/progress.h"
#include "pouw/keys.h"
#include "pouw/sha256.h"

enum { CMD_STORE, CMD_PPS_TABLE, CMD_GENESIS, N_CMDS };
enum { O_BLOCKS, O_THREADS, O_CHAIN, O_TESTNET, O_SEGMENTS, O_SAMPLES, N_OPTS };
#define M(c) COMMON_CMD(c)

static const common_cmd CMDS[] = {
    [CMD_STORE] = {"store", "[--blocks N] [--threads T]",
                   "builds a TestAlphaCoin chain of N blocks (default 200) in\n"
                   "DIR/chains.db of a temporary folder (under $TMPDIR, else /tmp),\n"
                   "then measures:\n"
                   "  store_status_ms            what `chain status` reads: open\n"
                   "                             read-only, tip, counts, tip block\n"
                   "  store_verify_all_ms_per_block\n"
                   "                             `chain verify`: every block re-judged\n"
                   "  store_add_ms_per_block     offering a block to a fresh store:\n"
                   "                             verified, then one write transaction\n"
                   "  store_write_ms_per_block   the same with a verifier that trusts:\n"
                   "                             the write transaction alone",
                   0, 0, NULL},
    [CMD_PPS_TABLE] = {"pps-table", "--chain NAME [--testnet] [--segments K]\n"
                                    "                  [--samples N] [--threads T]",
                       "measures the PPS quantile table of a chain\n"
                       "(chain_pps_table_measure: N sample attempts, default 600, K\n"
                       "segments, default 64) and prints it as the C initializer\n"
                       "chain/params.c pins, with the pass rate of the chain's genesis\n"
                       "threshold by the table",
                       0, 0, NULL},
    [CMD_GENESIS] = {"genesis", "--chain NAME [--testnet] [--threads T]",
                     "mines the chain's genesis from its genesis_nonce; prints nonce,\n"
                     "id and attempts",
                     0, 0, NULL},
};

static const common_opt OPTS[] = {
    [O_BLOCKS] = {"--blocks", COMMON_OPT_UINT, "N", 1, 1000000, M(CMD_STORE), "blocks to mine (default 200)", 0, 0},
    [O_THREADS] = {"--threads", COMMON_OPT_UINT, "T", 1, 256, 0,
                   "threads for the sessions of an attempt (default 1 = one core)", 0, 0},
    [O_CHAIN] = {"--chain", COMMON_OPT_STR, "NAME", 0, 0, M(CMD_PPS_TABLE) | M(CMD_GENESIS),
                 "alpha (AlphaCoin), bravo (BravoCoin) or charlie (CharlieCoin);\n"
                 "with --testnet their testnet chains (also test-alpha...)",
                 0, 0},
    [O_TESTNET] = {"--testnet", COMMON_OPT_FLAG, NULL, 0, 0, M(CMD_PPS_TABLE) | M(CMD_GENESIS),
                   "the testnet chains (chain/params.h TESTNET) instead of the\n"
                   "built-ins",
                   0, 0},
    [O_SEGMENTS] = {"--segments", COMMON_OPT_UINT, "K", 2, CHAIN_PPS_SEGMENTS_MAX, M(CMD_PPS_TABLE),
                    "segments of the quantile table (default 64)", 0, 0},
    [O_SAMPLES] = {"--samples", COMMON_OPT_UINT, "N", 3, 1000000, M(CMD_PPS_TABLE),
                   "sample attempts, more than K (default 600)", 0, 0},
};

static const common_cli CLI = {
    .prog = "chainbench",
    .summary = "Figures of the shared block store; the measurements behind chain parameters.",
    .description = "Prints 'name value unit' lines on stdout (pps-table: a C initializer). Timings\n"
                   "are measured, never asserted.",
    .cmds = CMDS,
    .n_cmds = N_CMDS,
    .opts = OPTS,
    .n_opts = N_OPTS,
    .footer = "Exit status: 0 ok; 1 a measurement failed; 2 usage.",
};

static int fail(const common_error *err)
{
    common_error_print(err, "chainbench", stderr);
    return COMMON_EXIT_REJECTED;
}

static int pps_table(const chain_params *p, uint32_t k, unsigned samples, unsigned threads)
{
    int64_t *q = malloc((k + 1) * sizeof *q);
    common_error err;
    double t0 = common_clock_mono_s();
    if (!q || chain_pps_table_measure(q, &err, p, k, samples, threads) != CHAIN_OK) {
        free(q);
        return q ? fail(&err) : COMMON_EXIT_REJECTED;
    }
    printf("/* %s: `bin/chainbench pps-table --chain %s%s --segments %u --samples %u`, %.1f s */\n", p->coin,
           p->name, p->chain_id >= 100 ? " --testnet" : "", (unsigned)k, samples, common_clock_mono_s() - t0);
    char ident[CHAIN_NAME_MAX];
    snprintf(ident, sizeof ident, "%s", p->name);
    for (char *c = ident; *c; c++)
        *c = *c == '-' ? '_' : (char)(*c >= 'a' && *c <= 'z' ? *c - 32 : *c);
    printf("static const int64_t PPS_%s[%u] = {", ident, (unsigned)k + 1);
    for (uint32_t i = 0; i <= k; i++)
        printf("%s%" PRId64 ",", i % 6 ? " " : "\n    ", q[i]);
    printf("\n};\n");
    chain_params t = *p;
    t.pps_quantiles = q;
    t.pps_segments = k;
    uint64_t pass = chain_pps_pass(&t, p->genesis_req.pps_threshold_micro);
    printf("/* genesis threshold %" PRId64 ": pass %.5f (1 in %.2f) */\n", p->genesis_req.pps_threshold_micro,
           (double)pass / (double)chain_pps_scale(&t), (double)chain_pps_scale(&t) / (double)(pass ? pass : 1));
    free(q);
    return COMMON_EXIT_OK;
}

static int genesis(const chain_params *p, unsigned threads)
{
    pouw_block g;
    pouw_block_init(&g);
    common_error err;
    uint64_t attempts;
    chain_params q = *p;
    q.genesis_pinned = 0;
    if (chain_genesis_build(&g, &attempts, &err, &q, threads) != CHAIN_OK)
        return fail(&err);
    char id[POUW_SHA256_HEX];
    pouw_hex_encode(id, g.post_hash, 32);
    printf("genesis_nonce_%s %" PRIu64 " nonce\n", p->name, g.header.nonce);
    printf("genesis_id_%s %s id\n", p->name, id);
    printf("genesis_attempts_%s %" PRIu64 " attempts\n", p->name, attempts);
    pouw_block_clear(&g);
    return COMMON_EXIT_OK;
}

/* The bench's clock: every block exactly one target interval after its parent,
 * so that retargeting leaves the targets where genesis put them. */
typedef struct sim_clock {
    chain_store *s;
} sim_clock;

static uint64_t sim_ms(void *user)
{
    sim_clock *c = user;
    uint8_t tip[32];
    chain_store_tip_id(tip, c->s);
    chain_block_meta m;
    common_error err;
    if (chain_store_meta(&m, &err, c->s, tip) != CHAIN_OK)
        return 0;
    return m.time_ms + chain_store_params(c->s)->target_interval_s * 1000u;
}

/* A verify callback that believes every block: storing alone, for the write cost
 * (the blocks were verified when they were mined). */
static chain_status trust_all(void *user, pouw_reason *reason, common_error *err, chain_store *s, const pouw_block *b)
{
    *reason = POUW_R_OK;
    common_error_clear(err);
    return CHAIN_OK;
}

static void rmrf(const char *dir)
{
    char cmd[600];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system(cmd) != 0)
        fprintf(stderr, "chainbench: could not remove %s\n", dir);
}

/* What `chain status` does to learn a chain: open (no verification), the tip, the
 * counts by verdict, the tip block. */
static chain_status status_once(common_error *err, const char *dir, const chain_params *p)
{
    chain_store *r = NULL;
    chain_store_opts o;
    memset(&o, 0, sizeof o);
    o.read_only = 1;
    chain_status cs = chain_store_open(&r, err, dir, p, &o);
    chain_store_counts c;
    pouw_block b;
    pouw_block_init(&b);
    if (cs == CHAIN_OK)
        cs = chain_store_count(&c, err, r);
    if (cs == CHAIN_OK)
        cs = chain_store_load(&b, err, r, chain_store_tip_height(r));
    pouw_block_clear(&b);
    chain_store_close(r);
    return cs;
}

static int bench_store(unsigned blocks, unsigned threads)
{
    const chain_params *p = chain_testnet_by_name("alpha");
    const char *tmp = getenv("TMPDIR");
    char dir[512], dir2[512];
    snprintf(dir, sizeof dir, "%s/chainbench_XXXXXX", tmp && *tmp ? tmp : "/tmp");
    snprintf(dir2, sizeof dir2, "%s/chainbench2_XXXXXX", tmp && *tmp ? tmp : "/tmp");
    if (!mkdtemp(dir) || !mkdtemp(dir2)) {
        fprintf(stderr, "chainbench: mkdtemp: %s\n", strerror(errno));
        return COMMON_EXIT_REJECTED;
    }
    int rc = COMMON_EXIT_REJECTED;
    common_error err;
    chain_store *s = NULL, *w = NULL, *t = NULL;
    pouw_key key;
    uint8_t seed[32];
    memset(seed, 0x42, sizeof seed);
    if (pouw_key_from_seed(&key, seed) != POUW_OK) {
        fprintf(stderr, "chainbench: cannot make the bench's miner key\n");
        goto out;
    }
    chain_v1_verifier v = {threads, NULL, NULL};
    if (chain_open_v1(&s, &err, dir, p, 1, &v) != CHAIN_OK) {
        rc = fail(&err);
        goto out;
    }
    sim_clock clk = {s};
    chain_mine_opts mo;
    memset(&mo, 0, sizeof mo);
    mo.threads = threads;
    mo.clock_ms = sim_ms;
    mo.clock_user = &clk;
    pouw_block b;
    pouw_block_init(&b);
    common_progress prog;
    common_progress_init(&prog, 0.2);
    double t0 = common_clock_mono_s();
    for (unsigned k = 0; k < blocks; k++) {
        common_progress_show(&prog, "chainbench", "mining block %u of %u", k + 1, blocks);
        if (chain_mine_block(&b, NULL, &err, s, key.pub, &mo) != CHAIN_OK) {
            common_progress_end(&prog);
            pouw_block_clear(&b);
            rc = fail(&err);
            goto out;
        }
    }
    common_progress_end(&prog);
    double mine_s = common_clock_mono_s() - t0;
    pouw_block_clear(&b);
    uint64_t n = chain_store_tip_height(s) + 1;

    /* status: open read-only, tip, counts, tip block (readers trust verdicts) */
    enum { REPS = 20 };
    t0 = common_clock_mono_s();
    for (int i = 0; i < REPS; i++)
        if (status_once(&err, dir, p) != CHAIN_OK) {
            rc = fail(&err);
            goto out;
        }
    double status_s = (common_clock_mono_s() - t0) / REPS;
    /* chain verify: every block re-judged from scratch */
    uint64_t checked = 0, bad = 0;
    t0 = common_clock_mono_s();
    if (chain_store_verify_all(&checked, &bad, &err, s) != CHAIN_OK) {
        rc = fail(&err);
        goto out;
    }
    double verify_s = common_clock_mono_s() - t0;
    if (bad != 0 || checked != n) {
        fprintf(stderr, "chainbench: chain verify found %" PRIu64 " bad of %" PRIu64 "\n", bad, checked);
        goto out;
    }
    /* storing: the same blocks into a fresh database, verified (the v1 validator)
     * and trusted (the write transaction alone) */
    if (chain_open_v1(&w, &err, dir2, p, 1, &v) != CHAIN_OK) {
        rc = fail(&err);
        goto out;
    }
    char dir3[600];
    snprintf(dir3, sizeof dir3, "%s/trusted", dir2);
    if (mkdir(dir3, 0755) != 0) {
        fprintf(stderr, "chainbench: mkdir %s: %s\n", dir3, strerror(errno));
        goto out;
    }
    chain_store_opts to;
    memset(&to, 0, sizeof to);
    chain_v1_store_opts(&to, &v);
    to.create = 1;
    to.verify = trust_all;
    if (chain_store_open(&t, &err, dir3, p, &to) != CHAIN_OK) {
        rc = fail(&err);
        goto out;
    }
    double add_s = 0, write_s = 0;
    for (uint64_t h = 1; h < n; h++) {
        pouw_block blk;
        pouw_block_init(&blk);
        if (chain_store_load(&blk, &err, s, h) != CHAIN_OK) {
            rc = fail(&err);
            goto out;
        }
        t0 = common_clock_mono_s();
        chain_status cs = chain_store_add(w, NULL, NULL, &err, &blk);
        add_s += common_clock_mono_s() - t0;
        t0 = common_clock_mono_s();
        chain_status ct = cs == CHAIN_OK ? chain_store_add(t, NULL, NULL, &err, &blk) : cs;
        write_s += common_clock_mono_s() - t0;
        pouw_block_clear(&blk);
        if (cs != CHAIN_OK || ct != CHAIN_OK) {
            rc = fail(&err);
            goto out;
        }
    }
    printf("# store bench: TestAlphaCoin (60 s sessions, 2 per attempt), %" PRIu64 " blocks mined in %.2f s, "
           "%u thread(s)\n",
           n, mine_s, threads);
    printf("store_blocks %" PRIu64 " blocks\n", n);
    printf("store_status_ms %.3f ms\n", 1e3 * status_s);
    printf("store_verify_all_ms_per_block %.3f ms\n", 1e3 * verify_s / (double)n);
    printf("store_add_ms_per_block %.3f ms\n", 1e3 * add_s / (double)(n - 1));
    printf("store_write_ms_per_block %.3f ms\n", 1e3 * write_s / (double)(n - 1));
    rc = COMMON_EXIT_OK;
out:
    chain_store_close(s);
    chain_store_close(w);
    chain_store_close(t);
    pouw_key_clear(&key);
    rmrf(dir);
    rmrf(dir2);
    return rc;
}

int main(int argc, char **argv)
{
    gsl_set_error_handler_off();
    common_args a;
    common_cli_status cst = common_cli_parse(&CLI, &a, argc, argv);
    if (cst != COMMON_CLI_RUN)
        return common_cli_exit(cst);
    int cmd = a.cmd;
    unsigned threads = a.given[O_THREADS] ? (unsigned)a.num[O_THREADS] : 1;
    if (cmd == CMD_STORE)
        return bench_store(a.given[O_BLOCKS] ? (unsigned)a.num[O_BLOCKS] : 200, threads);
    const char *chain = a.str[O_CHAIN];
    if (!chain)
        return common_cli_usage_error(&CLI, cmd, "missing --chain NAME");
    const chain_params *p = a.given[O_TESTNET] ? chain_testnet_by_name(chain) : chain_params_by_name(chain);
    if (!p)
        return common_cli_usage_error(&CLI, cmd, "unknown chain %s (expected alpha, bravo or charlie)", chain);
    if (cmd == CMD_PPS_TABLE) {
        uint64_t segments = a.given[O_SEGMENTS] ? a.num[O_SEGMENTS] : 64;
        uint64_t samples = a.given[O_SAMPLES] ? a.num[O_SAMPLES] : 600;
        if (samples <= segments)
            return common_cli_usage_error(&CLI, cmd, "--samples %" PRIu64 " must exceed --segments %" PRIu64, samples,
                                          segments);
        return pps_table(p, (uint32_t)segments, (unsigned)samples, threads);
    }
    return genesis(p, threads);
}
