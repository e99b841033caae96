/* chain/pouwbench_main.c - `pouwbench`: speed and difficulty figures of BSE-PoUW
 * for `make bench` (mk/bench_pouw.sh) and for choosing the chain parameters.
 * Prints one figure per line as "name value unit" on stdout; timings are
 * measured here, never asserted by tests. Pre-hashes of sampled attempts are
 * SHA-256("pouwbench" || u64le(k)), so a sample is the same on every run. */
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <gsl/gsl_errno.h>

#include "chain/node.h"
#include "chain/params.h"
#include "pouw/bytes.h"
#include "pouw/header.h"
#include "pouw/seed.h"
#include "pouw/sha256.h"
#include "pouw/target.h"
#include "pouw/verify.h"
#include "pouw/work.h"

static const char USAGE[] =
    "usage: pouwbench prehash [--seconds S]\n"
    "       pouwbench attempts --chain NAME [--attempts N] [--threads T]\n"
    "       pouwbench verify --chain NAME [--threads T]\n"
    "       pouwbench pps-dist --chain NAME [--samples N] [--threads T] [--pass P]\n"
    "       pouwbench genesis --chain NAME [--threads T]\n"
    "\n"
    "  prehash   pre-hashes per second on one core (nonce search on a 184-byte header)\n"
    "  attempts  attempts per second for the chain's session template, the measured pass\n"
    "            rate against its threshold, and the expected time to mine a block\n"
    "  verify    seconds to verify the chain's genesis block (one attempt's sessions)\n"
    "            beside the expected time to mine a block\n"
    "  pps-dist  the PPS distribution of N attempts (quantiles, pps_micro) and the\n"
    "            threshold that passes a fraction P of them (default 1/12)\n"
    "  genesis   mine the chain's genesis from nonce 0; print its nonce and id\n"
    "Exit status: 0 ok, 1 a measurement failed, 2 usage.\n";

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

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
    double t0 = now_s(), t;
    do {
        pouw_status st = pouw_prehash_search(&nonce, pre, &h, total, 200000);
        if (st != POUW_ENOTFOUND) {
            fprintf(stderr, "pouwbench: prehash search: %s\n", pouw_status_str(st));
            return 1;
        }
        total += 200000;
        t = now_s() - t0;
    } while (t < seconds);
    printf("prehash_per_s %.0f hashes/s\n", (double)total / t);
    return 0;
}

/* Runs n sample attempts; fills micro[0..n) and the wall time. */
static int run_sample(const chain_params *p, unsigned n, unsigned threads, int64_t *micro, double *wall)
{
    pouw_work w = chain_params_work(p);
    pouw_attempt *a = malloc(sizeof *a);
    if (!a)
        return 1;
    double t0 = now_s();
    for (unsigned k = 0; k < n; k++) {
        uint8_t pre[32];
        sample_prehash(pre, k);
        bse_error err;
        pouw_status st = pouw_attempt_run(a, &err, &w, pre, p->genesis_req.sessions, threads);
        if (st != POUW_OK) {
            fprintf(stderr, "pouwbench: attempt %u: %s: %s\n", k, err.field, err.msg);
            free(a);
            return 1;
        }
        micro[k] = a->pps_micro;
    }
    *wall = now_s() - t0;
    free(a);
    return 0;
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
        return 1;
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
    return 0;
}

static int bench_verify(const chain_params *p, unsigned threads)
{
    pouw_block g;
    pouw_block_init(&g);
    bse_error err;
    if (chain_genesis_build(&g, NULL, &err, p, threads) != CHAIN_OK) {
        bse_error_print(&err, "pouwbench", stderr);
        return 1;
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
    ctx.threads = threads;
    int reps = 3;
    double best = 1e30;
    for (int r = 0; r < reps; r++) {
        pouw_reason reason;
        double t0 = now_s();
        pouw_status st = pouw_verify_block(&reason, &err, &ctx, &g);
        double t = now_s() - t0;
        if (st != POUW_OK) {
            fprintf(stderr, "pouwbench: genesis does not verify: %s: %s\n", pouw_reason_name(reason), err.msg);
            pouw_block_clear(&g);
            return 1;
        }
        if (t < best)
            best = t;
    }
    pouw_block_clear(&g);
    printf("verify_s_%s %.4f s\n", p->name, best);
    return 0;
}

static int pps_dist(const chain_params *p, unsigned n, unsigned threads, double pass)
{
    int64_t *micro = malloc(n * sizeof *micro);
    double wall;
    if (!micro || run_sample(p, n, threads, micro, &wall)) {
        free(micro);
        return 1;
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
    return 0;
}

static int genesis(const chain_params *base, unsigned threads)
{
    chain_params p = *base;
    p.genesis_nonce = 0;
    p.genesis_pinned = 0;
    pouw_block g;
    pouw_block_init(&g);
    bse_error err;
    uint64_t attempts;
    double t0 = now_s();
    if (chain_genesis_build(&g, &attempts, &err, &p, threads) != CHAIN_OK) {
        bse_error_print(&err, "pouwbench", stderr);
        return 1;
    }
    char id[POUW_SHA256_HEX];
    pouw_hex_encode(id, g.post_hash, 32);
    printf("genesis_nonce_%s %" PRIu64 " nonce\n", p.name, g.header.nonce);
    printf("genesis_id_%s %s id\n", p.name, id);
    printf("genesis_attempts_%s %" PRIu64 " attempts\n", p.name, attempts);
    printf("genesis_pps_%s %.6f pps\n", p.name, g.pps);
    printf("genesis_mine_s_%s %.3f s\n", p.name, now_s() - t0);
    pouw_block_clear(&g);
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
    double seconds = 1.0, pass = 1.0 / 12.0;
    long n = 0;
    unsigned threads = 1;
    for (int i = 2; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
            fputs(USAGE, stdout);
            return 0;
        }
        if (i + 1 >= argc) {
            fprintf(stderr, "pouwbench: %s needs a value (see --help)\n", a);
            return 2;
        }
        const char *v = argv[++i];
        if (!strcmp(a, "--chain"))
            chain = v;
        else if (!strcmp(a, "--seconds"))
            seconds = atof(v);
        else if (!strcmp(a, "--attempts") || !strcmp(a, "--samples"))
            n = atol(v);
        else if (!strcmp(a, "--threads"))
            threads = (unsigned)atoi(v);
        else if (!strcmp(a, "--pass"))
            pass = atof(v);
        else {
            fprintf(stderr, "pouwbench: unknown option %s (see --help)\n", a);
            return 2;
        }
    }
    if (!(seconds > 0 && seconds < 3600) || n < 0 || n > 1000000 || threads < 1 || threads > 256 ||
        !(pass > 0 && pass < 1)) {
        fprintf(stderr, "pouwbench: option value out of range (see --help)\n");
        return 2;
    }
    if (!strcmp(cmd, "prehash"))
        return bench_prehash(seconds);
    const chain_params *p = chain ? chain_params_by_name(chain) : NULL;
    if (!p) {
        fprintf(stderr, "pouwbench: %s needs --chain alpha|bravo|charlie\n", cmd);
        return 2;
    }
    if (!strcmp(cmd, "attempts"))
        return bench_attempts(p, n ? (unsigned)n : 20, threads);
    if (!strcmp(cmd, "verify"))
        return bench_verify(p, threads);
    if (!strcmp(cmd, "pps-dist"))
        return pps_dist(p, n ? (unsigned)n : 200, threads, pass);
    if (!strcmp(cmd, "genesis"))
        return genesis(p, threads);
    fprintf(stderr, "pouwbench: unknown command %s (see --help)\n", cmd);
    return 2;
}
