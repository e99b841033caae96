/* chain/pouwbench_main.c - `pouwbench`: speed and difficulty figures of BSE-PoUW
 * for `make bench` (mk/bench_pouw.sh) and for choosing the chain parameters.
 * Prints one figure per line as "name value unit" on stdout; timings are
 * measured here, never asserted by tests. Pre-hashes of sampled attempts are
 * SHA-256("pouwbench" || u64le(k)), so a sample is the same on every run. The
 * command line follows the shared contract of common/cli.h. */
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_errno.h>

#include "chain/validate.h"
#include "chain/params.h"
#include "common/cli.h"
#include "common/clock.h"
#include "common/progress.h"
#include "pouw/bytes.h"
#include "pouw/header.h"
#include "pouw/seed.h"
#include "pouw/sha256.h"
#include "pouw/target.h"
#include "pouw/verify.h"
#include "pouw/work.h"

enum { CMD_PREHASH, CMD_ATTEMPTS, CMD_VERIFY, CMD_PPS_DIST, CMD_GENESIS, N_CMDS };
enum { O_CHAIN, O_SECONDS, O_ATTEMPTS, O_SAMPLES, O_THREADS, O_PASS, N_OPTS };
#define M(c) COMMON_CMD(c)
#define ON_CHAIN (M(CMD_ATTEMPTS) | M(CMD_VERIFY) | M(CMD_PPS_DIST) | M(CMD_GENESIS))

static const common_cmd CMDS[] = {
    [CMD_PREHASH] = {"prehash", "[--seconds S]",
                     "pre-hashes per second on one core (nonce search on a\n"
                     "216-byte header): prehash_per_s",
                     0, 0, NULL},
    [CMD_ATTEMPTS] = {"attempts", "--chain NAME [--attempts N] [--threads T]",
                      "attempts per second for the chain's session template, the\n"
                      "measured pass rate against its threshold, and what the expected\n"
                      "time to mine a block is made of: attempts_per_s_, attempt_s_,\n"
                      "pass_rate_, sessions_per_attempt_, prehash_gate_tries_,\n"
                      "design_attempts_per_block_<chain>",
                      0, 0, NULL},
    [CMD_VERIFY] = {"verify", "--chain NAME [--threads T]",
                    "seconds to verify the chain's genesis block (one attempt's\n"
                    "sessions; the best of 3), to set beside the expected time to\n"
                    "mine a block: verify_s_<chain>; and the seconds to reject a\n"
                    "copy with a wrong pre-hash and 100,000 junk transfers from its\n"
                    "document (spec s11.7: size first, then the pre-hash, never a\n"
                    "signature): junk_reject_s_<chain>, junk_vs_verify_<chain>",
                    0, 0, NULL},
    [CMD_PPS_DIST] = {"pps-dist", "--chain NAME [--samples N] [--threads T] [--pass P]",
                      "the PPS distribution of N sample attempts (quantiles\n"
                      "pps_qNN_<chain>) and the threshold that passes a fraction P of\n"
                      "them (threshold_micro_<chain>, in micro-pps, and its pass rate\n"
                      "in the sample)",
                      0, 0, NULL},
    [CMD_GENESIS] = {"genesis", "--chain NAME [--threads T]",
                     "mine the chain's genesis from nonce 0; print its nonce, id,\n"
                     "attempts, pps and mining time",
                     0, 0, NULL},
};

static const common_opt OPTS[] = {
    [O_CHAIN] = {"--chain", COMMON_OPT_STR, "NAME", 0, 0, ON_CHAIN,
                 "alpha (AlphaCoin), bravo (BravoCoin) or charlie (CharlieCoin)", 0, 0},
    [O_SECONDS] = {"--seconds", COMMON_OPT_REAL, "S", 0, 0, M(CMD_PREHASH),
                   "how long to search, more than 0 (default 1)", 0, 3600},
    [O_ATTEMPTS] = {"--attempts", COMMON_OPT_UINT, "N", 1, 1000000, M(CMD_ATTEMPTS),
                    "sample attempts to run (default 20)", 0, 0},
    [O_SAMPLES] = {"--samples", COMMON_OPT_UINT, "N", 1, 1000000, M(CMD_PPS_DIST),
                   "sample attempts to run (default 200)", 0, 0},
    [O_THREADS] = {"--threads", COMMON_OPT_UINT, "T", 1, 256, ON_CHAIN,
                   "threads for the sessions of an attempt (default 1 = one core)", 0, 0},
    [O_PASS] = {"--pass", COMMON_OPT_REAL, "P", 0, 0, M(CMD_PPS_DIST),
                "the fraction of the sample the threshold passes, strictly\n"
                "between 0 and 1 (default 1/12)",
                0, 1},
};

static const common_cli CLI = {
    .prog = "pouwbench",
    .summary = "Speed and difficulty figures of BSE-PoUW, for make bench and chain parameters.",
    .description = "Prints one figure per line as 'name value unit' on stdout. Sample attempts use\n"
                   "the pre-hashes SHA-256(\"pouwbench\" || u64le(k)), so a sample is the same on\n"
                   "every run. Timings are measured, never asserted.",
    .cmds = CMDS,
    .n_cmds = N_CMDS,
    .opts = OPTS,
    .n_opts = N_OPTS,
    .footer = "Exit status: 0 ok; 1 a measurement failed; 2 usage.",
};

static int cmp_i64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

static void sample_prehash(uint8_t pre[32], uint64_t k)
{
    uint8_t msg[17];
    memcpy(msg, "pouwbench", 9);
    pouw_put_u64le(msg + 9, k);
    if (pouw_sha256(pre, msg, sizeof msg) != POUW_OK)
        memset(pre, 0, 32);
}

/* Pre-hashes per second: a search whose target (1) never passes. */
static int bench_prehash(double seconds)
{
    pouw_header h;
    memset(&h, 0, sizeof h);
    h.version = 1;
    h.prehash_bits = 0x03000001u; /* target 1 */
    uint64_t nonce, total = 0;
    uint8_t pre[32];
    double t0 = common_clock_mono_s(), t;
    do {
        pouw_status st = pouw_prehash_search(&nonce, pre, &h, total, 200000);
        if (st != POUW_ENOTFOUND) {
            fprintf(stderr, "pouwbench: prehash search: %s\n", pouw_status_str(st));
            return COMMON_EXIT_REJECTED;
        }
        total += 200000;
        t = common_clock_mono_s() - t0;
    } while (t < seconds);
    printf("prehash_per_s %.0f hashes/s\n", (double)total / t);
    return COMMON_EXIT_OK;
}

/* Runs n sample attempts; fills micro[0..n) and the wall time. */
static int run_sample(const chain_params *p, unsigned n, unsigned threads, int64_t *micro, double *wall)
{
    pouw_work w = chain_params_work(p);
    pouw_attempt *a = malloc(sizeof *a);
    if (!a)
        return COMMON_EXIT_REJECTED;
    common_progress prog;
    common_progress_init(&prog, 0.2);
    double t0 = common_clock_mono_s();
    for (unsigned k = 0; k < n; k++) {
        common_progress_show(&prog, "pouwbench", "%s: attempt %u of %u", p->name, k + 1, n);
        uint8_t pre[32];
        sample_prehash(pre, k);
        common_error err;
        pouw_status st = pouw_attempt_run(a, &err, &w, pre, p->genesis_req.sessions, threads);
        if (st != POUW_OK) {
            common_progress_end(&prog);
            fprintf(stderr, "pouwbench: attempt %u: %s: %s\n", k, err.field, err.msg);
            free(a);
            return COMMON_EXIT_REJECTED;
        }
        micro[k] = a->pps_micro;
    }
    *wall = common_clock_mono_s() - t0;
    common_progress_end(&prog);
    free(a);
    return COMMON_EXIT_OK;
}

static double prehash_gate_attempts(const chain_params *p)
{
    uint8_t t[32];
    if (pouw_target_from_bits(t, p->genesis_req.prehash_bits) != POUW_OK)
        return 0;
    return pouw_target_work_double(t); /* expected pre-hashes per passing nonce */
}

static int bench_attempts(const chain_params *p, unsigned n, unsigned threads)
{
    int64_t *micro = malloc(n * sizeof *micro);
    double wall;
    if (!micro || run_sample(p, n, threads, micro, &wall)) {
        free(micro);
        return COMMON_EXIT_REJECTED;
    }
    unsigned pass = 0;
    for (unsigned k = 0; k < n; k++)
        pass += micro[k] >= p->genesis_req.pps_threshold_micro;
    free(micro);
    double aps = n / wall;
    printf("attempts_per_s_%s %.3f attempts/s\n", p->name, aps);
    printf("attempt_s_%s %.4f s\n", p->name, wall / n);
    printf("pass_rate_%s %.4f fraction\n", p->name, (double)pass / n);
    printf("sessions_per_attempt_%s %u sessions\n", p->name, (unsigned)p->genesis_req.sessions);
    printf("prehash_gate_tries_%s %.0f hashes/attempt\n", p->name, prehash_gate_attempts(p));
    printf("design_attempts_per_block_%s %d attempts\n", p->name, CHAIN_DESIGN_ATTEMPTS);
    return COMMON_EXIT_OK;
}

static int bench_verify(const chain_params *p, unsigned threads)
{
    pouw_block g;
    pouw_block_init(&g);
    common_error err;
    if (chain_genesis_build(&g, NULL, &err, p, threads) != CHAIN_OK) {
        common_error_print(&err, "pouwbench", stderr);
        return COMMON_EXIT_REJECTED;
    }
    pouw_genesis_rule gr = {p->genesis_time_ms, p->genesis_pinned, {0}};
    memcpy(gr.id, p->genesis_id, 32);
    pouw_verify_ctx ctx;
    memset(&ctx, 0, sizeof ctx);
    ctx.chain_id = p->chain_id;
    ctx.req = p->genesis_req;
    ctx.tmpl = p->tmpl;
    ctx.reward = p->reward;
    ctx.genesis = &gr;
    ctx.now_ms = p->genesis_time_ms;
    ctx.max_future_ms = p->max_future_ms;
    ctx.limits = p->limits;
    ctx.threads = threads;
    int reps = 3;
    double best = 1e30;
    for (int r = 0; r < reps; r++) {
        pouw_reason reason;
        double t0 = common_clock_mono_s();
        pouw_status st = pouw_verify_block(&reason, &err, &ctx, &g);
        double t = common_clock_mono_s() - t0;
        if (st != POUW_OK) {
            fprintf(stderr, "pouwbench: genesis does not verify: %s: %s\n", pouw_reason_name(reason), err.msg);
            pouw_block_clear(&g);
            return COMMON_EXIT_REJECTED;
        }
        if (t < best)
            best = t;
    }
    printf("verify_s_%s %.4f s\n", p->name, best);
    /* the junk block: genesis with 100,000 junk transfers and a wrong pre-hash */
    const size_t n_junk = 100000;
    pouw_tx *junk = malloc(n_junk * sizeof *junk);
    if (!junk) {
        pouw_block_clear(&g);
        return COMMON_EXIT_REJECTED;
    }
    uint8_t acct[32];
    for (size_t i = 0; i < n_junk; i++) {
        memset(acct, 0, sizeof acct);
        pouw_put_u64le(acct, i);
        junk[i] = pouw_tx_transfer(p->chain_id, acct, acct, 1, i, 0);
        memset(junk[i].sig, 0x5a, sizeof junk[i].sig);
    }
    free(g.txs);
    g.txs = junk;
    g.n_txs = n_junk;
    g.pre_hash[0] ^= 0x01;
    char *doc = NULL;
    size_t len = 0;
    if (pouw_block_to_json(&doc, &len, &g) != POUW_OK) {
        pouw_block_clear(&g);
        return COMMON_EXIT_REJECTED;
    }
    pouw_precheck_ctx pc = {p->chain_id, p->genesis_req, p->limits};
    double jbest = 1e30;
    pouw_block jb;
    pouw_block_init(&jb);
    pouw_reason jr = POUW_R_OK;
    for (int r = 0; r < reps; r++) {
        double t0 = common_clock_mono_s();
        pouw_status st = pouw_block_precheck(&jb, &jr, &err, &pc, doc, len);
        double t = common_clock_mono_s() - t0;
        if (st != POUW_EINVALID) {
            fprintf(stderr, "pouwbench: the junk block was not rejected\n");
            free(doc);
            pouw_block_clear(&jb);
            pouw_block_clear(&g);
            return COMMON_EXIT_REJECTED;
        }
        if (t < jbest)
            jbest = t;
    }
    printf("junk_doc_bytes_%s %zu bytes\n", p->name, len);
    printf("junk_reject_s_%s %.6f s (%s)\n", p->name, jbest, pouw_reason_name(jr));
    printf("junk_vs_verify_%s %.6f fraction\n", p->name, jbest / best);
    free(doc);
    pouw_block_clear(&jb);
    pouw_block_clear(&g);
    return COMMON_EXIT_OK;
}

static int pps_dist(const chain_params *p, unsigned n, unsigned threads, double pass)
{
    int64_t *micro = malloc(n * sizeof *micro);
    double wall;
    if (!micro || run_sample(p, n, threads, micro, &wall)) {
        free(micro);
        return COMMON_EXIT_REJECTED;
    }
    qsort(micro, n, sizeof *micro, cmp_i64);
    static const double qs[] = {0.0, 0.1, 0.25, 0.5, 0.75, 0.9, 0.95, 0.99, 1.0};
    for (size_t i = 0; i < sizeof qs / sizeof qs[0]; i++) {
        size_t k = (size_t)floor(qs[i] * (n - 1) + 0.5);
        printf("pps_q%02d_%s %.6f pps\n", (int)(qs[i] * 100 + 0.5), p->name, (double)micro[k] / 1e6);
    }
    /* the smallest threshold passing at most a fraction `pass` of the sample */
    size_t k = (size_t)ceil((1.0 - pass) * n);
    if (k >= n)
        k = n - 1;
    int64_t thr = micro[k];
    unsigned passing = 0;
    for (unsigned i = 0; i < n; i++)
        passing += micro[i] >= thr;
    printf("threshold_micro_%s %" PRId64 " micro-pps\n", p->name, thr);
    printf("threshold_pass_rate_%s %.4f fraction\n", p->name, (double)passing / n);
    printf("attempt_s_%s %.4f s\n", p->name, wall / n);
    printf("samples_%s %u attempts\n", p->name, n);
    free(micro);
    return COMMON_EXIT_OK;
}

static int genesis(const chain_params *base, unsigned threads)
{
    chain_params p = *base;
    p.genesis_nonce = 0;
    p.genesis_pinned = 0;
    pouw_block g;
    pouw_block_init(&g);
    common_error err;
    uint64_t attempts;
    double t0 = common_clock_mono_s();
    if (chain_genesis_build(&g, &attempts, &err, &p, threads) != CHAIN_OK) {
        common_error_print(&err, "pouwbench", stderr);
        return COMMON_EXIT_REJECTED;
    }
    char id[POUW_SHA256_HEX];
    pouw_hex_encode(id, g.post_hash, 32);
    printf("genesis_nonce_%s %" PRIu64 " nonce\n", p.name, g.header.nonce);
    printf("genesis_id_%s %s id\n", p.name, id);
    printf("genesis_attempts_%s %" PRIu64 " attempts\n", p.name, attempts);
    printf("genesis_pps_%s %.6f pps\n", p.name, g.pps);
    printf("genesis_mine_s_%s %.3f s\n", p.name, common_clock_mono_s() - t0);
    pouw_block_clear(&g);
    return COMMON_EXIT_OK;
}

int main(int argc, char **argv)
{
    gsl_set_error_handler_off();
    common_args a;
    common_cli_status cst = common_cli_parse(&CLI, &a, argc, argv);
    if (cst != COMMON_CLI_RUN)
        return common_cli_exit(cst);
    int cmd = a.cmd;
    double seconds = a.given[O_SECONDS] ? a.real[O_SECONDS] : 1.0;
    double pass = a.given[O_PASS] ? a.real[O_PASS] : 1.0 / 12.0;
    unsigned threads = a.given[O_THREADS] ? (unsigned)a.num[O_THREADS] : 1;
    /* the parser checks the closed ranges; the open ends are checked here */
    if (!(seconds > 0))
        return common_cli_usage_error(&CLI, cmd, "--seconds needs S, a number more than 0, got \"%s\"",
                                      a.str[O_SECONDS]);
    if (!(pass > 0 && pass < 1))
        return common_cli_usage_error(&CLI, cmd, "--pass needs P, a number strictly between 0 and 1, got \"%s\"",
                                      a.str[O_PASS]);
    if (cmd == CMD_PREHASH)
        return bench_prehash(seconds);
    const char *chain = a.str[O_CHAIN];
    if (!chain)
        return common_cli_usage_error(&CLI, cmd, "missing --chain NAME");
    const chain_params *p = chain_params_by_name(chain);
    if (!p)
        return common_cli_usage_error(&CLI, cmd, "unknown chain %s (expected alpha, bravo or charlie)", chain);
    switch (cmd) {
    case CMD_ATTEMPTS:
        return bench_attempts(p, a.given[O_ATTEMPTS] ? (unsigned)a.num[O_ATTEMPTS] : 20, threads);
    case CMD_VERIFY:
        return bench_verify(p, threads);
    case CMD_PPS_DIST:
        return pps_dist(p, a.given[O_SAMPLES] ? (unsigned)a.num[O_SAMPLES] : 200, threads, pass);
    default:
        return genesis(p, threads);
    }
}
