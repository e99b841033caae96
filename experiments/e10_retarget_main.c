/* experiments/e10_retarget_main.c - E10, retargeting: do block intervals recover after the
 * miner population changes, and do chain-hopping miners (policies balancer and greedy)
 * make the difficulty oscillate?
 *
 * Three chains (the test chains: target intervals 1, 2, 4 s, retarget window 5 blocks,
 * hardening at most 2x and easing at most 4x per window) in the economy's sim mode
 * (chain/economy/sim.h: the exponential race, each winning block really mined, so the
 * real retarget rule answers). Every chain has two base miners of together B_c = 1.6 /
 * interval_c attempts per simulated second (1.6 attempts per target interval) all run.
 * Scenarios, one run per seed of --seeds each:
 *   step      six more fixed miners per chain (3 B_c together) mine from T1 until T2:
 *             the population steps x4 up at T1 and back down at T2;
 *   balancer  three chain-hopping miners of policy balancer (each chooses, before every
 *             attempt, the chain where its own balance is lowest) mine from T1 until T2,
 *             each of rate 0.8 attempts/s (together 3 x B_bravo);
 *   greedy    the same with policy greedy (the chain whose reward is worth most at the
 *             exchange's prices).
 * When the chains' reward is large enough for cheap bootstrap holdings (>= 100 coins a
 * block, consensus v2 units), six traders (three fundamental, three wildcard; 100 coins
 * of each coin) trade in every scenario so that prices move and greedy miners have
 * something to follow; otherwise there is no market, every price stays 1:1:1 and greedy
 * miners all mine test-alpha (the policy's tie rule) - the sidecar says which.
 *
 * retarget.csv: one row per block of every run: scenario, seed, chain, height, time,
 * interval since the chain's previous block, target interval, threshold (the PPS floor:
 * mode lottery's floor does not retarget), post target (post_bits), difficulty (expected
 * attempts per block = 1 / the race's pass chance), miners present on the chain and
 * their attempt rate (fixed miners from the config; hoppers by the chain they had chosen
 * at the end of the block's 10-second period, mining.csv).
 * retarget_summary.csv: per scenario, chain and phase (before T1, T1..T2, after T2):
 * recovery time (from the phase's start to the first block whose difficulty is within a
 * factor 1.5 of the ideal rate x interval; phases whose population is fixed only), the
 * mean interval and oscillation amplitude (sd of log2 difficulty, max/min difficulty)
 * after recovery (or after four retarget windows where there is no fixed ideal), means
 * over runs with a 95% t interval for the recovery time. Deterministic. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "experiments/driver.h"
#include "experiments/econ_runs.h"
#include "experiments/mpi.h"
#include "experiments/sweep.h"

#define N_SCEN 3
static const char *const SCEN[N_SCEN] = {"step", "balancer", "greedy"};
#define N_CH 3
#define N_BASE 2
#define N_STEP 6
#define N_HOP 3
#define HOP_RATE 0.8
#define BASE_PER_INTERVAL 1.6
#define PERIOD_S 10.0
#define TOL 1.5
#define N_VALS 7 /* per block: chain, height, time, post_bits, pass, miners, rate */
#define N_PH 3
static const char *const PHASE[N_PH] = {"before", "during", "after"};

typedef struct job {
    double t1, t2, dur;
    int market;
    const char *out;
} job;

static double base_rate(unsigned c) { return BASE_PER_INTERVAL / experiments_econ_interval_s(c); }

static int build(common_buf *b, const job *jb, size_t sc, uint64_t seed)
{
    uint64_t s = experiments_econ_mix(seed ^ 0xe10e10ull ^ ((uint64_t)sc << 40)) & ((1ull << 53) - 1);
    int bad = common_buf_printf(b,
                                "{\"description\": \"E10 retargeting, scenario %s, seed %llu\", \"seed\": %llu,"
                                " \"duration_s\": %.3f, \"chains\": \"test\", \"step_s\": %.3f, \"period_s\": %.3f,"
                                " \"agents\": [",
                                SCEN[sc], (unsigned long long)seed, (unsigned long long)s, jb->dur, PERIOD_S, PERIOD_S);
    for (unsigned c = 0; c < N_CH; c++)
        bad |= common_buf_printf(b, "%s{\"label\": \"base-%s\", \"count\": %d, \"mining\": {\"chain\": \"%s\", \"rate\": %.9g}}",
                                 c ? ", " : "", experiments_econ_chain_short(c), N_BASE, experiments_econ_chain_short(c),
                                 base_rate(c) / N_BASE);
    if (sc == 0)
        for (unsigned c = 0; c < N_CH; c++)
            bad |= common_buf_printf(b,
                                     ", {\"label\": \"step-%s\", \"count\": %d, \"mining\": {\"chain\": \"%s\", \"rate\": %.9g,"
                                     " \"from_s\": %.3f, \"until_s\": %.3f}}",
                                     experiments_econ_chain_short(c), N_STEP, experiments_econ_chain_short(c),
                                     3 * base_rate(c) / N_STEP, jb->t1, jb->t2);
    else
        bad |= common_buf_printf(b,
                                 ", {\"label\": \"hop\", \"count\": %d, \"mining\": {\"policy\": \"%s\", \"rate\": %.9g,"
                                 " \"from_s\": %.3f, \"until_s\": %.3f}}",
                                 N_HOP, SCEN[sc], HOP_RATE, jb->t1, jb->t2);
    if (jb->market)
        bad |= common_buf_printf(b,
                                 ", {\"label\": \"fund\", \"count\": 3, \"trader\": {\"strategy\": \"fundamental\", \"step_s\": 60},"
                                 " \"holdings\": {\"ALPHA\": 100, \"BRAVO\": 100, \"CHARLIE\": 100}},"
                                 " {\"label\": \"wild\", \"count\": 3, \"trader\": {\"strategy\": \"wildcard\", \"step_s\": 60},"
                                 " \"holdings\": {\"ALPHA\": 100, \"BRAVO\": 100, \"CHARLIE\": 100}}");
    bad |= common_buf_printf(b, "]}");
    return bad;
}

static int chain_of(const char *name)
{
    for (unsigned c = 0; c < N_CH; c++)
        if (!strcmp(name, experiments_econ_chain_name(c)))
            return (int)c;
    return -1;
}

/* the fixed miners' (count, rate) on chain c at time t in scenario sc */
static void fixed_present(const job *jb, size_t sc, unsigned c, double t, double *n, double *rate)
{
    *n = N_BASE;
    *rate = base_rate(c);
    if (sc == 0 && t >= jb->t1 && t < jb->t2) {
        *n += N_STEP;
        *rate += 3 * base_rate(c);
    }
}

static int item(void *user, size_t sc, uint64_t seed, experiments_vals *out, common_error *err)
{
    const job *jb = user;
    common_buf b = {0};
    if (build(&b, jb, sc, seed)) {
        common_buf_free(&b);
        return common_error_set(err, -1, "", "", "out of memory"), -1;
    }
    char name[64];
    snprintf(name, sizeof name, "e10 %s seed %llu", SCEN[sc], (unsigned long long)seed);
    experiments_econ_result res;
    int rc = experiments_econ_run(&res, jb->out, name, (const char *)b.data,
                                  EXPERIMENTS_ECON_BLOCKS | EXPERIMENTS_ECON_MINING, err);
    common_buf_free(&b);
    size_t np = (size_t)ceil(jb->dur / PERIOD_S) + 1;
    double *hop = rc ? NULL : calloc(np * N_CH, sizeof *hop);
    if (!rc && !hop)
        rc = common_error_set(err, -1, "", "", "out of memory");
    int bc = -1, bh = -1, bt = -1, bp = -1, bq = -1, mp = -1, ma = -1, mc = -1;
    if (!rc) {
        if ((bc = experiments_econ_col(&res.blocks, "blocks.csv", "chain", err)) < 0 ||
            (bh = experiments_econ_col(&res.blocks, "blocks.csv", "height", err)) < 0 ||
            (bt = experiments_econ_col(&res.blocks, "blocks.csv", "time_s", err)) < 0 ||
            (bp = experiments_econ_col(&res.blocks, "blocks.csv", "post_bits", err)) < 0 ||
            (bq = experiments_econ_col(&res.blocks, "blocks.csv", "pass", err)) < 0 ||
            (mp = experiments_econ_col(&res.mining, "mining.csv", "period_start_s", err)) < 0 ||
            (ma = experiments_econ_col(&res.mining, "mining.csv", "agent", err)) < 0 ||
            (mc = experiments_econ_col(&res.mining, "mining.csv", "chain", err)) < 0)
            rc = -1;
    }
    for (size_t r = 0; !rc && r < res.mining.nrows; r++) {
        if (strncmp(experiments_csv_cell(&res.mining, r, ma), "hop-", 4))
            continue;
        int c = chain_of(experiments_csv_cell(&res.mining, r, mc));
        double ps = experiments_econ_num(&res.mining, r, mp);
        if (c < 0 || !(ps >= 0))
            continue;
        size_t k = (size_t)llround(ps / PERIOD_S);
        if (k < np)
            hop[k * N_CH + (size_t)c] += 1;
    }
    for (size_t r = 0; !rc && r < res.blocks.nrows; r++) {
        int c = chain_of(experiments_csv_cell(&res.blocks, r, bc));
        double t = experiments_econ_num(&res.blocks, r, bt);
        const char *pb = experiments_csv_cell(&res.blocks, r, bp);
        char *end = NULL;
        unsigned long bits = strtoul(pb, &end, 16);
        double pass = experiments_econ_num(&res.blocks, r, bq);
        if (c < 0 || !(t >= 0) || !pb[0] || !end || *end || !(pass > 0)) {
            rc = common_error_set(err, -1, "blocks.csv", "", "%s: row %zu not understood", name, r + 1);
            break;
        }
        double n, rate;
        fixed_present(jb, sc, (unsigned)c, t, &n, &rate);
        size_t k = (size_t)floor(t / PERIOD_S);
        if (k < np && sc != 0 && t >= jb->t1 && t < jb->t2) { /* hoppers mine from t1 until t2 */
            n += hop[k * N_CH + (size_t)c];
            rate += hop[k * N_CH + (size_t)c] * HOP_RATE;
        }
        experiments_vals_push(out, c);
        experiments_vals_push(out, experiments_econ_num(&res.blocks, r, bh));
        experiments_vals_push(out, t);
        experiments_vals_push(out, (double)bits);
        experiments_vals_push(out, pass);
        experiments_vals_push(out, n);
        experiments_vals_push(out, rate);
    }
    free(hop);
    experiments_econ_result_clear(&res);
    return rc;
}

/* one run's numbers of one phase of one chain */
typedef struct phase_stat {
    double recovery_s, blocks, mean_interval, sd_log2, range, rate;
} phase_stat;

static void phase_of(const job *jb, size_t sc, unsigned c, int ph, const experiments_vals *x, phase_stat *o)
{
    double a = ph == 0 ? 0 : ph == 1 ? jb->t1 : jb->t2, z = ph == 0 ? jb->t1 : ph == 1 ? jb->t2 : jb->dur;
    double I = experiments_econ_interval_s(c);
    int fixed = sc == 0 || ph != 1;
    double n0, r0;
    fixed_present(jb, sc, c, a, &n0, &r0);
    double ideal = r0 * I < 1 / 0.9 ? 1 / 0.9 : r0 * I;
    memset(o, 0, sizeof *o);
    o->recovery_s = NAN;
    double settle = a + 4.0 * experiments_econ_window(c) * I;
    if (fixed) {
        for (size_t k = 0; k + N_VALS <= x->n; k += N_VALS) {
            double t = x->v[k + 2];
            if ((unsigned)x->v[k] != c || t < a || t >= z)
                continue;
            double d = 1 / x->v[k + 4];
            if (fabs(log2(d / ideal)) <= log2(TOL)) {
                o->recovery_s = t - a;
                break;
            }
        }
        settle = o->recovery_s == o->recovery_s ? a + o->recovery_s : z;
    }
    double prev = -1, s = 0, q = 0, mn = INFINITY, mx = 0, ni = 0, si = 0, nr = 0, sr = 0;
    for (size_t k = 0; k + N_VALS <= x->n; k += N_VALS) {
        if ((unsigned)x->v[k] != c)
            continue;
        double t = x->v[k + 2], d = 1 / x->v[k + 4];
        double iv = t - (prev < 0 ? 0 : prev);
        prev = t;
        if (t < a || t >= z)
            continue;
        o->blocks++;
        sr += x->v[k + 6];
        nr++;
        if (t < settle)
            continue;
        double l = log2(d);
        s += l;
        q += l * l;
        ni++;
        si += iv;
        if (d < mn)
            mn = d;
        if (d > mx)
            mx = d;
    }
    o->mean_interval = ni ? si / ni : NAN;
    o->sd_log2 = ni > 1 ? sqrt(fmax(0, (q - s * s / ni) / (ni - 1))) : NAN;
    o->range = ni ? mx / mn : NAN;
    o->rate = nr ? sr / nr : NAN;
}

/* An item's values (experiments_item_check_fn): N_VALS per block, the chain an index,
 * the height, bits and miners in range of the integers they are printed as. */
static int item_check(void *user, size_t seg, uint64_t seed, const experiments_vals *v, char *why, size_t n)
{
    (void)user, (void)seg, (void)seed;
    if (v->n % N_VALS) {
        snprintf(why, n, "%zu values where an item has a multiple of %d", v->n, N_VALS);
        return -1;
    }
    return experiments_vals_range(v, 0, v->n, N_VALS, 0, N_CH - 1, 1, why, n) ||
                   experiments_vals_range(v, 1, v->n, N_VALS, 0, EXPERIMENTS_WHOLE_MAX, 0, why, n) ||
                   experiments_vals_range(v, 3, v->n, N_VALS, 0, 4294967295.0, 1, why, n) ||
                   experiments_vals_range(v, 5, v->n, N_VALS, 0, EXPERIMENTS_WHOLE_MAX, 0, why, n)
               ? -1
               : 0;
}

static const common_opt OPTS[] = {
    EXPERIMENTS_STD_OPTS,
    EXPERIMENTS_OPT("--duration", COMMON_OPT_UINT, "S", 60, 10000000, 0,
                    "simulated seconds per run; the population changes at 3/14 and 9/14 of it (default quick 560, paper 2800)"),
    EXPERIMENTS_CHECKPOINT_OPT,
};

static const common_cli CLI = {
    .prog = "e10_retarget",
    .summary = "E10: retargeting after population steps and under chain-hopping miners",
    .description = "Runs the three test chains in the economy's sim mode with a x4 step of the fixed\n"
                   "miners (scenario step) and with three chain-hopping miners of policy balancer or\n"
                   "greedy joining and leaving, one run per seed, and writes retarget.csv (every block:\n"
                   "interval, threshold, post target, difficulty, miners present) and retarget_summary.csv\n"
                   "(per phase: recovery time, mean interval, oscillation amplitude).\n"
                   "Default seeds: quick 0:3, paper 0:10.",
    .opts = OPTS,
    .n_opts = sizeof OPTS / sizeof OPTS[0],
    .footer = EXPERIMENTS_FOOTER,
    .synopsis = "[--duration S] [--scale quick|paper] [--seeds A:B] [--out DIR] [--threads T]\n"
                "                    [--checkpoint FILE] [--reuse FILE,...]",
};

int main(int argc, char **argv)
{
    static const experiments_prologue P = {.cli = &CLI, .id = "E10", .quick_seeds = 3, .paper_seeds = 10,
                                           .max_runs = 10000, .max_per = " per scenario"};
    common_args a;
    experiments_run r;
    uint64_t lo, hi;
    int code;
    if (!experiments_driver_start(&P, &argc, &argv, &a, &r, &lo, &hi, &code))
        return code;
    int paper = r.scale == EXPERIMENTS_PAPER;
    job jb = {.dur = paper ? 2800 : 560, .out = r.out};
    if (a.given[EXPERIMENTS_OPT_OWN])
        jb.dur = (double)a.num[EXPERIMENTS_OPT_OWN];
    jb.t1 = floor(jb.dur * 3 / 14);
    jb.t2 = floor(jb.dur * 9 / 14);
    jb.market = experiments_econ_reward_coins(0) >= 100;
    uint64_t slo[N_SCEN], shi[N_SCEN];
    for (size_t s = 0; s < N_SCEN; s++)
        slo[s] = lo, shi[s] = hi;
    common_error err;
    common_error_clear(&err);
    experiments_sweep sw;
    if (!experiments_sweep_gathered(&sw, &code, &r, N_SCEN, slo, shi, item, item_check, &jb, "E10 runs"))
        return code;
    static const char *const BC[] = {"scenario", "seed", "chain", "height", "time_s", "interval_s",
                                     "target_interval_s", "threshold_pps", "post_bits", "difficulty",
                                     "miners_present", "rate_present"};
    static const char *const SC[] = {"scenario", "chain", "phase", "t_from_s", "t_to_s", "runs", "blocks",
                                     "rate_mean", "target_interval_s", "mean_interval_s", "interval_ratio",
                                     "recovery_s", "recovery_ci_lo", "recovery_ci_hi", "recovered_runs",
                                     "log2_difficulty_sd", "difficulty_max_over_min"};
    experiments_table tb, ts;
    experiments_table_init(&tb, BC, sizeof BC / sizeof BC[0]);
    experiments_table_init(&ts, SC, sizeof SC / sizeof SC[0]);
    size_t runs = (size_t)(hi - lo);
    for (size_t sc = 0; sc < N_SCEN; sc++)
        for (uint64_t sd = lo; sd < hi; sd++) {
            const experiments_vals *x = &sw.slots[experiments_sweep_index(&sw, sc, sd)];
            double prev[N_CH] = {-1, -1, -1};
            for (size_t k = 0; k + N_VALS <= x->n; k += N_VALS) {
                unsigned c = (unsigned)x->v[k];
                double t = x->v[k + 2];
                char pb[16];
                snprintf(pb, sizeof pb, "%08lx", (unsigned long)x->v[k + 3]);
                experiments_table_str(&tb, SCEN[sc]);
                experiments_table_int(&tb, (int64_t)sd);
                experiments_table_str(&tb, experiments_econ_chain_name(c));
                experiments_table_int(&tb, (int64_t)x->v[k + 1]);
                experiments_table_num(&tb, t, 3);
                experiments_table_num(&tb, t - (prev[c] < 0 ? 0 : prev[c]), 3);
                experiments_table_num(&tb, experiments_econ_interval_s(c), 0);
                experiments_table_num(&tb, experiments_econ_floor_pps(c), 6);
                experiments_table_str(&tb, pb);
                experiments_table_num(&tb, 1 / x->v[k + 4], 4);
                experiments_table_int(&tb, (int64_t)x->v[k + 5]);
                experiments_table_num(&tb, x->v[k + 6], 4);
                experiments_table_end(&tb);
                prev[c] = t;
            }
        }
    phase_stat *ps = malloc(runs * sizeof *ps);
    double *v = malloc(runs * sizeof *v);
    int fail = !ps || !v;
    for (size_t sc = 0; sc < N_SCEN && !fail; sc++)
        for (unsigned c = 0; c < N_CH; c++)
            for (int ph = 0; ph < N_PH; ph++) {
                for (size_t k = 0; k < runs; k++)
                    phase_of(&jb, sc, c, ph, &sw.slots[experiments_sweep_index(&sw, sc, lo + k)], &ps[k]);
                size_t nrec = 0;
                double bl = 0, rt = 0, mi = 0, sdl = 0, rg = 0;
                size_t nmi = 0, nsd = 0, nrg = 0;
                for (size_t k = 0; k < runs; k++) {
                    if (ps[k].recovery_s == ps[k].recovery_s)
                        v[nrec++] = ps[k].recovery_s;
                    bl += ps[k].blocks;
                    rt += ps[k].rate == ps[k].rate ? ps[k].rate : 0;
                    if (ps[k].mean_interval == ps[k].mean_interval)
                        mi += ps[k].mean_interval, nmi++;
                    if (ps[k].sd_log2 == ps[k].sd_log2)
                        sdl += ps[k].sd_log2, nsd++;
                    if (ps[k].range == ps[k].range)
                        rg += ps[k].range, nrg++;
                }
                double m = NAN, h = NAN;
                if (nrec)
                    experiments_econ_mean_ci(v, nrec, &m, &h);
                int fixed = sc == 0 || ph != 1;
                double I = experiments_econ_interval_s(c);
                double mint = nmi ? mi / (double)nmi : NAN;
                experiments_table_str(&ts, SCEN[sc]);
                experiments_table_str(&ts, experiments_econ_chain_name(c));
                experiments_table_str(&ts, PHASE[ph]);
                experiments_table_num(&ts, ph == 0 ? 0 : ph == 1 ? jb.t1 : jb.t2, 0);
                experiments_table_num(&ts, ph == 0 ? jb.t1 : ph == 1 ? jb.t2 : jb.dur, 0);
                experiments_table_int(&ts, (int64_t)runs);
                experiments_table_num(&ts, bl / (double)runs, 1);
                experiments_table_num(&ts, rt / (double)runs, 4);
                experiments_table_num(&ts, I, 0);
                experiments_table_num(&ts, mint, 3);
                experiments_table_num(&ts, mint / I, 3);
                experiments_table_num(&ts, fixed ? m : NAN, 1);
                experiments_table_num(&ts, fixed && h == h ? m - h : NAN, 1);
                experiments_table_num(&ts, fixed && h == h ? m + h : NAN, 1);
                if (fixed)
                    experiments_table_int(&ts, (int64_t)nrec);
                else
                    experiments_table_str(&ts, "");
                experiments_table_num(&ts, nsd ? sdl / (double)nsd : NAN, 3);
                experiments_table_num(&ts, nrg ? rg / (double)nrg : NAN, 2);
                experiments_table_end(&ts);
            }
    free(ps);
    free(v);
    char cfg[3000], seeds[64];
    snprintf(cfg, sizeof cfg,
             "{\"chains\": \"test\", \"target_intervals_s\": [%.0f, %.0f, %.0f], \"retarget_window\": %u,"
             " \"clamp\": \"hardening at most 2x, easing at most 4x per window (test chains)\","
             " \"duration_s\": %.0f, \"t1_s\": %.0f, \"t2_s\": %.0f, \"runs_per_scenario\": %zu,"
             " \"base\": \"%d fixed miners per chain, together 1.6 attempts per target interval\","
             " \"step\": \"%d more fixed miners per chain (3x the base rate) from t1 until t2\","
             " \"balancer\": \"%d hopping miners of policy balancer, %.1f attempts/s each, from t1 until t2\","
             " \"greedy\": \"%d hopping miners of policy greedy, %.1f attempts/s each, from t1 until t2\","
             " \"market\": %s, \"reward_coins\": %.6f,"
             " \"market_note\": \"with reward >= 100 coins: 3 fundamental + 3 wildcard traders (100 coins of each coin)"
             " so that prices move; without: no trades, prices 1:1:1, greedy miners all on test-alpha (tie rule)\","
             " \"difficulty\": \"expected attempts per block = 1 / (floor pass 0.9 x post-hash lottery)\","
             " \"miners_present\": \"fixed miners active on the chain + hoppers whose chain at the end of the block's"
             " %.0f s period (mining.csv) was this one\","
             " \"recovery\": \"from the phase's start to the first block whose difficulty is within a factor %.1f of"
             " rate x interval (the ideal); only phases of a fixed population\","
             " \"oscillation\": \"sd of log2 difficulty and max/min difficulty over the phase's blocks after recovery"
             " (hopping phases: after 4 retarget windows)\","
             " \"ci\": \"95%%, mean +- t(0.975, n - 1) sd / sqrt(n) over the runs that recovered\"}",
             experiments_econ_interval_s(0), experiments_econ_interval_s(1), experiments_econ_interval_s(2),
             experiments_econ_window(0), jb.dur, jb.t1, jb.t2, runs, N_BASE, N_STEP, N_HOP, HOP_RATE, N_HOP, HOP_RATE,
             jb.market ? "true" : "false", experiments_econ_reward_coins(0), PERIOD_S, TOL);
    snprintf(seeds, sizeof seeds, "%llu:%llu per scenario", (unsigned long long)lo, (unsigned long long)hi);
    int rc = 0;
    if (fail) {
        common_error_set(&err, -1, "", "", "out of memory");
        rc = experiments_fail(&r, &err);
    } else if (experiments_table_write(&tb, r.out, "retarget.csv", &err) ||
               experiments_sidecar_write(&r, r.out, "retarget.csv", seeds, cfg, 1, &err) ||
               experiments_table_write(&ts, r.out, "retarget_summary.csv", &err) ||
               experiments_sidecar_write(&r, r.out, "retarget_summary.csv", seeds, cfg, 1, &err)) {
        rc = experiments_fail(&r, &err);
    }
    experiments_table_clear(&tb);
    experiments_table_clear(&ts);
    experiments_sweep_clear(&sw);
    experiments_mpi_finalize();
    return rc;
}
