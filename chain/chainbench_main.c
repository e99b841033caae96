/* chain/chainbench_main.c - `chainbench`: figures of the shared block store for
 * `make bench` (mk/bench_chain.sh), and the measurements behind chain parameters
 * (the PPS quantile tables and testnet genesis pins of chain/params.c). Prints
 * "name value unit" lines on stdout (pps-table: a C initializer); timings are
 * measured, never asserted. Exit status: 0 ok, 1 a measurement failed, 2 usage. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <gsl/gsl_errno.h>

#include "chain/node.h"
#include "chain/params.h"
#include "chain/store.h"
#include "pouw/keys.h"
#include "pouw/sha256.h"

static const char USAGE[] =
    "usage: chainbench store [--blocks N] [--threads T]\n"
    "       chainbench pps-table --chain NAME [--testnet] [--segments K] [--samples N] [--threads T]\n"
    "       chainbench genesis --chain NAME [--testnet] [--threads T]\n"
    "\n"
    "  store      builds a TestAlphaCoin chain of N blocks (default 200) in a temporary\n"
    "             folder, then measures: opening it (reading and verifying every block),\n"
    "             reloading it with the verification cache (reading every file again,\n"
    "             verifying nothing), and the cost of storing a block under the writers'\n"
    "             protocol (lock, re-check, write + fsync, tip + fsync, unlock) against a\n"
    "             plain crash-safe write of the same block:\n"
    "               store_load_blocks_per_s         blocks read and verified per second\n"
    "               store_reload_cached_blocks_per_s blocks re-read per second, verdicts cached\n"
    "               store_verify_ms_per_block       verification time per block (one attempt)\n"
    "               store_add_ms_per_block          lock-and-write per block (already verified)\n"
    "               store_plain_write_ms_per_block  temp file, fsync, rename only\n"
    "               store_lock_write_extra_ms       the difference: what the protocol adds\n"
    "  pps-table  measures the PPS quantile table of a chain (chain_pps_table_measure: N\n"
    "             sample attempts, default 600, K segments, default 64) and prints it as\n"
    "             the C initializer chain/params.c pins, with the pass rate of the\n"
    "             chain's genesis threshold by the table\n"
    "  genesis    mines the chain's genesis from its genesis_nonce; prints nonce and id\n"
    "  --testnet  the testnet chains (chain/params.h TESTNET) instead of the built-ins\n";

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static int fail(const bse_error *err)
{
    bse_error_print(err, "chainbench", stderr);
    return 1;
}

static int pps_table(const chain_params *p, uint32_t k, unsigned samples, unsigned threads)
{
    int64_t *q = malloc((k + 1) * sizeof *q);
    bse_error err;
    double t0 = now_s();
    if (!q || chain_pps_table_measure(q, &err, p, k, samples, threads) != CHAIN_OK) {
        free(q);
        return q ? fail(&err) : 1;
    }
    printf("/* %s: `bin/chainbench pps-table --chain %s%s --segments %u --samples %u`, %.1f s */\n", p->coin,
           p->name, p->chain_id >= 100 ? " --testnet" : "", (unsigned)k, samples, now_s() - t0);
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
    return 0;
}

static int genesis(const chain_params *p, unsigned threads)
{
    pouw_block g;
    pouw_block_init(&g);
    bse_error err;
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
    return 0;
}

/* The bench's clock: every block exactly one target interval after its parent,
 * so that retargeting leaves the targets where genesis put them. */
typedef struct sim_clock {
    chain_store *s;
} sim_clock;

static uint64_t sim_ms(void *user)
{
    sim_clock *c = user;
    uint64_t tip = chain_store_tip_height(c->s);
    return c->s->e[tip].time_ms + c->s->params->target_interval_s * 1000u;
}

static void rmrf(const char *dir)
{
    char cmd[600];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system(cmd) != 0)
        fprintf(stderr, "chainbench: could not remove %s\n", dir);
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
        return 1;
    }
    int rc = 1;
    bse_error err;
    chain_store s, r, w;
    memset(&r, 0, sizeof r);
    memset(&w, 0, sizeof w);
    pouw_key key;
    uint8_t seed[32];
    memset(seed, 0x42, sizeof seed);
    if (pouw_key_from_seed(&key, seed) != POUW_OK)
        return 1;
    chain_store_opts o;
    memset(&o, 0, sizeof o);
    o.create = 1;
    o.threads = threads;
    if (chain_store_open_opts(&s, &err, dir, p, &o) != CHAIN_OK) {
        rc = fail(&err);
        goto out;
    }
    sim_clock clk = {&s};
    chain_mine_opts mo;
    memset(&mo, 0, sizeof mo);
    mo.threads = threads;
    mo.clock_ms = sim_ms;
    mo.clock_user = &clk;
    pouw_block b;
    pouw_block_init(&b);
    double t0 = now_s();
    for (unsigned k = 0; k < blocks; k++)
        if (chain_mine_block(&b, NULL, &err, &s, key.pub, &mo) != CHAIN_OK) {
            pouw_block_clear(&b);
            rc = fail(&err);
            goto out;
        }
    double mine_s = now_s() - t0;
    pouw_block_clear(&b);
    uint64_t n = chain_store_tip_height(&s) + 1;

    /* open: read and verify every block */
    o.create = 0;
    t0 = now_s();
    if (chain_store_open_opts(&r, &err, dir, p, &o) != CHAIN_OK) {
        rc = fail(&err);
        goto out;
    }
    double load_s = now_s() - t0;
    uint64_t verified = r.verified;
    /* reload: read every file again, verdicts cached */
    t0 = now_s();
    if (chain_store_reload(&r, &err) != CHAIN_OK) {
        rc = fail(&err);
        goto out;
    }
    double reload_s = now_s() - t0;
    if (r.verified != verified || chain_store_tip_height(&r) + 1 != n) {
        fprintf(stderr, "chainbench: the reload verified again or lost blocks\n");
        goto out;
    }
    /* storing: the same blocks into a fresh store under the protocol, against a
     * plain crash-safe write of each */
    o.create = 1;
    if (chain_store_open_opts(&w, &err, dir2, p, &o) != CHAIN_OK) {
        rc = fail(&err);
        goto out;
    }
    double add_s = 0, plain_s = 0;
    for (uint64_t h = 1; h < n; h++) {
        pouw_block blk;
        pouw_block_init(&blk);
        if (chain_store_load(&blk, &err, &r, h) != CHAIN_OK) {
            rc = fail(&err);
            goto out;
        }
        char path[CHAIN_PATH_MAX + 64];
        snprintf(path, sizeof path, "%s/plain.json", dir2);
        t0 = now_s();
        pouw_status ps = pouw_block_save(&blk, &err, path);
        plain_s += now_s() - t0;
        t0 = now_s();
        chain_status cs = chain_store_add(&w, NULL, NULL, &err, &blk, CHAIN_ADD_VERIFIED);
        add_s += now_s() - t0;
        pouw_block_clear(&blk);
        if (ps != POUW_OK || cs != CHAIN_OK) {
            rc = fail(&err);
            goto out;
        }
    }
    printf("# store bench: TestAlphaCoin (60 s sessions, 2 per attempt), %" PRIu64 " blocks mined in %.2f s, "
           "%u thread(s)\n",
           n, mine_s, threads);
    printf("store_load_blocks_per_s %.1f blocks/s\n", (double)n / load_s);
    printf("store_verify_ms_per_block %.3f ms\n", 1e3 * load_s / (double)(verified ? verified : 1));
    printf("store_reload_cached_blocks_per_s %.1f blocks/s\n", (double)n / reload_s);
    printf("store_add_ms_per_block %.3f ms\n", 1e3 * add_s / (double)(n - 1));
    printf("store_plain_write_ms_per_block %.3f ms\n", 1e3 * plain_s / (double)(n - 1));
    printf("store_lock_write_extra_ms %.3f ms\n", 1e3 * (add_s - plain_s) / (double)(n - 1));
    rc = 0;
out:
    chain_store_close(&s);
    chain_store_close(&r);
    chain_store_close(&w);
    pouw_key_clear(&key);
    rmrf(dir);
    rmrf(dir2);
    return rc;
}

static int parse_uint(const char *s, unsigned long lo, unsigned long hi, unsigned long *out)
{
    char *end;
    errno = 0;
    unsigned long v = strtoul(s, &end, 10);
    if (errno || end == s || *end || *s == '-' || v < lo || v > hi)
        return -1;
    *out = v;
    return 0;
}

int main(int argc, char **argv)
{
    gsl_set_error_handler_off();
    if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
        fputs(USAGE, argc < 2 ? stderr : stdout);
        return argc < 2 ? 2 : 0;
    }
    const char *cmd = argv[1], *chain = NULL;
    unsigned long blocks = 200, threads = 1, segments = 64, samples = 600;
    int testnet = 0;
    for (int i = 2; i < argc; i++) {
        const char *a = argv[i];
        unsigned long *dst = NULL, lo = 1, hi = 1000000;
        if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
            fputs(USAGE, stdout);
            return 0;
        } else if (!strcmp(a, "--testnet")) {
            testnet = 1;
            continue;
        } else if (!strcmp(a, "--chain") && i + 1 < argc) {
            chain = argv[++i];
            continue;
        } else if (!strcmp(a, "--blocks")) {
            dst = &blocks;
        } else if (!strcmp(a, "--threads")) {
            dst = &threads, hi = 256;
        } else if (!strcmp(a, "--segments")) {
            dst = &segments, lo = 2, hi = CHAIN_PPS_SEGMENTS_MAX;
        } else if (!strcmp(a, "--samples")) {
            dst = &samples, lo = 3;
        }
        if (!dst || i + 1 >= argc || parse_uint(argv[++i], lo, hi, dst)) {
            fprintf(stderr, "chainbench: bad or incomplete option %s (see --help)\n", a);
            return 2;
        }
    }
    if (!strcmp(cmd, "store"))
        return bench_store((unsigned)blocks, (unsigned)threads);
    const chain_params *p = !chain ? NULL : testnet ? chain_testnet_by_name(chain) : chain_params_by_name(chain);
    if (!p) {
        fprintf(stderr, "chainbench: %s needs --chain alpha|bravo|charlie\n", cmd);
        return 2;
    }
    if (!strcmp(cmd, "pps-table")) {
        if (samples <= segments) {
            fprintf(stderr, "chainbench: --samples must exceed --segments\n");
            return 2;
        }
        return pps_table(p, (uint32_t)segments, (unsigned)samples, (unsigned)threads);
    }
    if (!strcmp(cmd, "genesis"))
        return genesis(p, (unsigned)threads);
    fprintf(stderr, "chainbench: unknown command %s (see --help)\n", cmd);
    return 2;
}
