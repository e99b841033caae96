/* experiments/e12_economy_main.c - E12, the economy: do the exchange rates stay near
 * 1:1:1; does a greedy trader accumulate most; how far does a whale push the market and
 * how fast does it recover; does the grid trader beat HODL?
 *
 * Economy runs in sim mode (chain/economy/sim.h) on the test chains, one per seed of
 * --seeds and mix:
 *   whale  three miners (policies balancer, greedy, random, each with a trader) and
 *          traders of every built-in strategy (economy.md s5), each holding H coins of
 *          each coin (--holdings, default 500), and one whale holding 20 H AlphaCoin
 *          that, at half the run, buys CharlieCoin with 90% of it (trader_whale.c:
 *          many IOC orders against the resting asks, at most 2x the price at its start);
 *   calm   the same economy with the whale holding (strategy hodl): the counterfactual
 *          of the same seed (the same agents, keys and random streams), so the whale's
 *          effect is the difference between the two runs at the same instant.
 * Outputs (deterministic):
 *   economy_rates.csv  mix, seed, time (end of each period), pair, close (the last
 *                      trade price so far; the initial 1.0 before any), vwap and
 *                      trades of the period: do the rates stay near 1:1:1;
 *   economy_wealth.csv mix, seed, strategy (the agent group), role, agents, start value
 *                      (holdings at the initial 1:1:1), mean final value (AlphaCoin at
 *                      the last prices, balances.csv), gain, share of the traders'
 *                      total and of everyone's: does greedy accumulate most;
 *   economy_whale.csv  seed, time relative to the whale's start (every trader step,
 *                      from -10 steps), CHARLIE/ALPHA last price in the whale run and
 *                      in the calm run, deviation (whale / calm - 1) and deviation from
 *                      the price at the whale's start: how far and how long;
 *   economy_grid.csv   mix, seed, grid agent, its coin, final value, HODL value (the
 *                      mean final value of the hodl agents, who start with the same
 *                      holdings), excess (grid / hodl - 1): does the grid beat HODL. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "experiments/driver.h"
#include "experiments/econ_runs.h"
#include "experiments/mpi.h"
#include "experiments/sweep.h"

#define N_MIX 2
static const char *const MIX[N_MIX] = {"whale", "calm"};

typedef struct grp {
    const char *label, *strategy, *params, *role, *policy;
    int count;
} grp;

/* the agent groups of both mixes, in config order; the whale is the last */
static const grp G[] = {
    {"miner-balancer", "balancer", NULL, "miner", "balancer", 1},
    {"miner-greedy", "market-greedy", NULL, "miner", "greedy", 1},
    {"miner-random", "simple-greedy", NULL, "miner", "random", 1},
    {"market-greedy", "market-greedy", NULL, "trader", NULL, 4},
    {"simple-greedy", "simple-greedy", NULL, "trader", NULL, 4},
    {"balancer", "balancer", NULL, "trader", NULL, 4},
    {"grid-bravo", "grid", "{\"coin\": \"BRAVO\"}", "trader", NULL, 2},
    {"grid-charlie", "grid", "{\"coin\": \"CHARLIE\"}", "trader", NULL, 2},
    {"hodl", "hodl", NULL, "trader", NULL, 4},
    {"spot", "spot", NULL, "trader", NULL, 2},
    {"moving-average", "moving-average", NULL, "trader", NULL, 2},
    {"news", "news", NULL, "trader", NULL, 2},
    {"wildcard", "wildcard", NULL, "trader", NULL, 2},
    {"fundamental", "fundamental", NULL, "trader", NULL, 2},
    {"arbitrage", "arbitrage", NULL, "trader", NULL, 2},
    {"equal-value", "equal-value", NULL, "trader", NULL, 2},
    {"whale", "whale", NULL, "whale", NULL, 1},
};
#define N_G (sizeof G / sizeof G[0])
#define WHALE_G (N_G - 1)
#define HODL_G 8
#define GRID_B 6
#define GRID_C 7
#define N_GRID 4
#define MINER_RATE 0.0005
#define WHALE_MULT 20.0
#define STEP_S 60.0
#define PERIOD_S 300.0
#define PRE_STEPS 10
#define N_PAIRS 3
static const char *const PAIR[N_PAIRS] = {"BRAVO/ALPHA", "CHARLIE/ALPHA", "CHARLIE/BRAVO"};

typedef struct job {
    double dur, holdings, at_s;
    const char *out;
    size_t n_per, n_steps; /* periods; trader steps (whale path points: 0..n_steps) */
} job;

static int build(common_buf *b, const job *jb, size_t mix, uint64_t seed)
{
    uint64_t s = experiments_econ_mix(seed ^ 0xe12ec0ull) & ((1ull << 53) - 1);
    int bad = common_buf_printf(b,
                                "{\"description\": \"E12 economy, mix %s, seed %llu\", \"seed\": %llu, \"duration_s\": %.3f,"
                                " \"chains\": \"test\", \"step_s\": %.3f, \"period_s\": %.3f, \"agents\": [",
                                MIX[mix], (unsigned long long)seed, (unsigned long long)s, jb->dur, STEP_S, PERIOD_S);
    for (size_t g = 0; g < N_G; g++) {
        const grp *x = &G[g];
        int whale = g == WHALE_G;
        bad |= common_buf_printf(b, "%s{\"label\": \"%s\", \"count\": %d", g ? ", " : "", x->label, x->count);
        if (x->policy)
            bad |= common_buf_printf(b, ", \"mining\": {\"policy\": \"%s\", \"rate\": %.9g}", x->policy, MINER_RATE);
        if (whale && mix == 0)
            bad |= common_buf_printf(b,
                                     ", \"trader\": {\"strategy\": \"whale\", \"params\": {\"coin\": \"CHARLIE\", \"at_s\": %.3f,"
                                     " \"budget_frac\": 0.9, \"max_premium\": 1.0}}, \"fiat\": 1000000",
                                     jb->at_s);
        else if (whale)
            bad |= common_buf_printf(b, ", \"trader\": {\"strategy\": \"hodl\"}, \"fiat\": 1000000");
        else
            bad |= common_buf_printf(b, ", \"trader\": {\"strategy\": \"%s\"%s%s}", x->strategy,
                                     x->params ? ", \"params\": " : "", x->params ? x->params : "");
        double ha = whale ? WHALE_MULT * jb->holdings : jb->holdings;
        bad |= common_buf_printf(b, ", \"holdings\": {\"ALPHA\": %.6f, \"BRAVO\": %.6f, \"CHARLIE\": %.6f}}", ha,
                                 jb->holdings, jb->holdings);
    }
    bad |= common_buf_printf(b, "]}");
    return bad;
}

static int pair_of(const char *s)
{
    for (int p = 0; p < N_PAIRS; p++)
        if (!strcmp(s, PAIR[p]))
            return p;
    return -1;
}

/* the group of agent label "<group>-<k>" */
static int group_of(const char *agent)
{
    const char *dash = strrchr(agent, '-');
    if (!dash)
        return -1;
    size_t n = (size_t)(dash - agent);
    for (size_t g = 0; g < N_G; g++)
        if (strlen(G[g].label) == n && !strncmp(agent, G[g].label, n))
            return (int)g;
    return -1;
}

/* Slot layout: rates [n_per x 3 pairs x (close, vwap, trades)], wealth [N_G means],
 * grid [N_GRID finals], hodl mean, whale path [n_steps + 1 CHARLIE/ALPHA last prices]. */
static size_t off_wealth(const job *jb) { return jb->n_per * N_PAIRS * 3; }
static size_t off_grid(const job *jb) { return off_wealth(jb) + N_G; }
static size_t off_path(const job *jb) { return off_grid(jb) + N_GRID + 1; }

static int item(void *user, size_t mix, uint64_t seed, experiments_vals *out, common_error *err)
{
    const job *jb = user;
    common_buf b = {0};
    if (build(&b, jb, mix, seed)) {
        common_buf_free(&b);
        return common_error_set(err, -1, "", "", "out of memory"), -1;
    }
    char name[64];
    snprintf(name, sizeof name, "e12 %s seed %llu", MIX[mix], (unsigned long long)seed);
    experiments_econ_result res;
    int rc = experiments_econ_run(&res, jb->out, name, (const char *)b.data,
                                  EXPERIMENTS_ECON_PRICES | EXPERIMENTS_ECON_BALANCES | EXPERIMENTS_ECON_TRADES, err);
    common_buf_free(&b);
    int pp = -1, pc = -1, pv = -1, pt = -1, ps = -1, ba = -1, bv = -1, tt = -1, tp = -1, tx = -1;
    if (!rc && ((ps = experiments_econ_col(&res.prices, "prices.csv", "period_start_s", err)) < 0 ||
                (pp = experiments_econ_col(&res.prices, "prices.csv", "pair", err)) < 0 ||
                (pc = experiments_econ_col(&res.prices, "prices.csv", "close", err)) < 0 ||
                (pv = experiments_econ_col(&res.prices, "prices.csv", "vwap", err)) < 0 ||
                (pt = experiments_econ_col(&res.prices, "prices.csv", "trades", err)) < 0 ||
                (ba = experiments_econ_col(&res.balances, "balances.csv", "agent", err)) < 0 ||
                (bv = experiments_econ_col(&res.balances, "balances.csv", "value_alpha", err)) < 0 ||
                (tt = experiments_econ_col(&res.trades, "trades.csv", "time_s", err)) < 0 ||
                (tp = experiments_econ_col(&res.trades, "trades.csv", "pair", err)) < 0 ||
                (tx = experiments_econ_col(&res.trades, "trades.csv", "price", err)) < 0))
        rc = -1;
    size_t n = off_path(jb) + jb->n_steps + 1;
    double *v = rc ? NULL : malloc(n * sizeof *v);
    if (!rc && !v)
        rc = common_error_set(err, -1, "", "", "out of memory");
    if (!rc) {
        for (size_t k = 0; k < n; k++)
            v[k] = NAN;
        /* rates: the period rows in order; close carried forward from the initial 1.0 */
        double last[N_PAIRS] = {1.0, 1.0, 1.0};
        for (size_t r = 0; r < res.prices.nrows; r++) {
            int p = pair_of(experiments_csv_cell(&res.prices, r, pp));
            double st = experiments_econ_num(&res.prices, r, ps);
            if (p < 0 || !(st >= 0))
                continue;
            size_t k = (size_t)llround(st / PERIOD_S);
            if (k >= jb->n_per)
                continue;
            double c = experiments_econ_num(&res.prices, r, pc), tr = experiments_econ_num(&res.prices, r, pt);
            if (c == c)
                last[p] = c;
            size_t o = (k * N_PAIRS + (size_t)p) * 3;
            v[o] = last[p];
            v[o + 1] = experiments_econ_num(&res.prices, r, pv);
            v[o + 2] = tr == tr ? tr : 0;
        }
        /* carry forward any period without a row */
        for (int p = 0; p < N_PAIRS; p++) {
            double l = 1.0;
            for (size_t k = 0; k < jb->n_per; k++) {
                size_t o = (k * N_PAIRS + (size_t)p) * 3;
                if (v[o] != v[o])
                    v[o] = l, v[o + 2] = 0;
                l = v[o];
            }
        }
        /* wealth: each agent's last value_alpha */
        double fin_sum[N_G] = {0};
        double grid_v[N_GRID];
        for (size_t k = 0; k < N_GRID; k++)
            grid_v[k] = NAN;
        size_t na = 0;
        for (size_t g = 0; g < N_G; g++)
            na += (size_t)G[g].count;
        double *fin = calloc(na, sizeof *fin);
        if (!fin) {
            rc = common_error_set(err, -1, "", "", "out of memory");
        } else {
            size_t first[N_G + 1];
            first[0] = 0;
            for (size_t g = 0; g < N_G; g++)
                first[g + 1] = first[g] + (size_t)G[g].count;
            for (size_t r = 0; r < res.balances.nrows; r++) {
                const char *ag = experiments_csv_cell(&res.balances, r, ba);
                int g = group_of(ag);
                if (g < 0)
                    continue;
                long k = atol(strrchr(ag, '-') + 1);
                if (k < 0 || k >= G[g].count)
                    continue;
                fin[first[g] + (size_t)k] = experiments_econ_num(&res.balances, r, bv);
            }
            for (size_t g = 0; g < N_G; g++)
                for (size_t k = first[g]; k < first[g + 1]; k++)
                    fin_sum[g] += fin[k];
            for (size_t g = 0; g < N_G; g++)
                v[off_wealth(jb) + g] = fin_sum[g] / G[g].count;
            for (int k = 0; k < 2; k++) {
                grid_v[k] = fin[first[GRID_B] + (size_t)k];
                grid_v[2 + k] = fin[first[GRID_C] + (size_t)k];
            }
            for (size_t k = 0; k < N_GRID; k++)
                v[off_grid(jb) + k] = grid_v[k];
            v[off_grid(jb) + N_GRID] = fin_sum[HODL_G] / G[HODL_G].count;
        }
        free(fin);
        /* the whale's pair: the last trade price at each trader step (1.0 before any) */
        double px = 1.0;
        size_t r = 0;
        for (size_t k = 0; k <= jb->n_steps; k++) {
            double t = (double)k * STEP_S;
            for (; r < res.trades.nrows; r++) {
                double tr = experiments_econ_num(&res.trades, r, tt);
                if (!(tr <= t))
                    break;
                if (pair_of(experiments_csv_cell(&res.trades, r, tp)) == 1)
                    px = experiments_econ_num(&res.trades, r, tx);
            }
            v[off_path(jb) + k] = px;
        }
        for (size_t k = 0; !rc && k < n; k++)
            experiments_vals_push(out, v[k]);
    }
    free(v);
    experiments_econ_result_clear(&res);
    return rc;
}

static const common_opt OPTS[] = {
    EXPERIMENTS_STD_OPTS,
    EXPERIMENTS_OPT("--duration", COMMON_OPT_UINT, "S", 1200, 10000000, 0,
                    "simulated seconds per run, a multiple of 300 (default quick 7200, paper 28800); the whale buys at half"),
    {.name = "--holdings", .kind = COMMON_OPT_REAL, .meta = "C", .flo = 0.01, .fhi = 1e6,
     .help = "coins of each coin every agent starts with (the whale: 20x in AlphaCoin; default 500)"},
    EXPERIMENTS_CHECKPOINT_OPT,
};

static const common_cli CLI = {
    .prog = "e12_economy",
    .summary = "E12: the economy - rates, wealth by strategy, the whale, grid against HODL",
    .description = "Runs the three-coin economy in sim mode (miners of the three policies, traders of\n"
                   "every strategy, a whale buying CharlieCoin at half the run, and the same economy\n"
                   "without the whale's buy), one run per seed and mix, and writes economy_rates.csv,\n"
                   "economy_wealth.csv, economy_whale.csv and economy_grid.csv.\n"
                   "Default seeds: quick 0:10, paper 0:40.",
    .opts = OPTS,
    .n_opts = sizeof OPTS / sizeof OPTS[0],
    .footer = EXPERIMENTS_FOOTER,
    .synopsis = "[--duration S] [--holdings C] [--scale quick|paper] [--seeds A:B] [--out DIR] [--threads T]\n"
                "                    [--checkpoint FILE] [--reuse FILE,...]",
};

/* An item's values (experiments_item_check_fn): the job's count, the periods' trade
 * counts in range of the integers they are printed as. */
static int item_check(void *user, size_t mix, uint64_t seed, const experiments_vals *v, char *why, size_t n)
{
    (void)mix, (void)seed;
    const job *jb = user;
    return experiments_vals_count(v, off_path(jb) + jb->n_steps + 1, why, n) ||
                   experiments_vals_range(v, 2, off_wealth(jb), 3, 0, EXPERIMENTS_WHOLE_MAX, 0, why, n)
               ? -1
               : 0;
}

static void fmt_price(char *s, size_t n, double v)
{
    if (v == v)
        snprintf(s, n, "%.4f", v);
    else
        s[0] = '\0';
}

/* The job from the scale and the own options, checked (experiments_prologue.own). */
static int own_options(void *user, const experiments_run *r, const common_args *a)
{
    job *jb = user;
    int paper = r->scale == EXPERIMENTS_PAPER;
    *jb = (job){.dur = paper ? 28800 : 7200, .holdings = 500, .out = r->out};
    if (a->given[EXPERIMENTS_OPT_OWN])
        jb->dur = (double)a->num[EXPERIMENTS_OPT_OWN];
    if (a->given[EXPERIMENTS_OPT_OWN + 1])
        jb->holdings = a->real[EXPERIMENTS_OPT_OWN + 1];
    if (fmod(jb->dur, PERIOD_S) != 0)
        return experiments_usage_error(r, &CLI, "--duration must be a multiple of 300 s, got %.0f", jb->dur);
    if (jb->holdings * 1e6 != floor(jb->holdings * 1e6))
        return experiments_usage_error(r, &CLI, "--holdings: at most six decimals");
    jb->at_s = jb->dur / 2;
    jb->n_per = (size_t)(jb->dur / PERIOD_S);
    jb->n_steps = (size_t)(jb->dur / STEP_S);
    return 0;
}

int main(int argc, char **argv)
{
    job jb;
    const experiments_prologue P = {.cli = &CLI, .id = "E12", .quick_seeds = 10, .paper_seeds = 40, .max_runs = 10000,
                                    .max_per = " per mix", .own = own_options, .user = &jb};
    common_args a;
    experiments_run r;
    uint64_t lo, hi;
    int code;
    if (!experiments_driver_start(&P, &argc, &argv, &a, &r, &lo, &hi, &code))
        return code;
    uint64_t slo[N_MIX], shi[N_MIX];
    for (size_t m = 0; m < N_MIX; m++)
        slo[m] = lo, shi[m] = hi;
    common_error err;
    common_error_clear(&err);
    experiments_sweep sw;
    if (!experiments_sweep_gathered(&sw, &code, &r, N_MIX, slo, shi, item, item_check, &jb, "E12 runs"))
        return code;
    static const char *const RC_[] = {"mix", "seed", "time_s", "pair", "close", "vwap", "trades"};
    static const char *const WC[] = {"mix", "seed", "strategy", "role", "agents", "start_value", "mean_final_value",
                                     "gain", "share_of_traders", "share_of_all"};
    static const char *const HC[] = {"seed", "time_rel_s", "price", "control_price", "deviation", "deviation_from_start"};
    static const char *const GC[] = {"mix", "seed", "agent", "coin", "grid_value", "hodl_value", "excess"};
    experiments_table tr, tw, th, tg;
    experiments_table_init(&tr, RC_, sizeof RC_ / sizeof RC_[0]);
    experiments_table_init(&tw, WC, sizeof WC / sizeof WC[0]);
    experiments_table_init(&th, HC, sizeof HC / sizeof HC[0]);
    experiments_table_init(&tg, GC, sizeof GC / sizeof GC[0]);
    char s[64];
    for (size_t m = 0; m < N_MIX; m++)
        for (uint64_t sd = lo; sd < hi; sd++) {
            const double *v = sw.slots[experiments_sweep_index(&sw, m, sd)].v;
            for (size_t k = 0; k < jb.n_per; k++)
                for (int p = 0; p < N_PAIRS; p++) {
                    size_t o = (k * N_PAIRS + (size_t)p) * 3;
                    experiments_table_str(&tr, MIX[m]);
                    experiments_table_int(&tr, (int64_t)sd);
                    experiments_table_num(&tr, (double)(k + 1) * PERIOD_S, 0);
                    experiments_table_str(&tr, PAIR[p]);
                    fmt_price(s, sizeof s, v[o]);
                    experiments_table_str(&tr, s);
                    experiments_table_num(&tr, v[o + 1], 6);
                    experiments_table_int(&tr, (int64_t)v[o + 2]);
                    experiments_table_end(&tr);
                }
            double tot_tr = 0, tot_all = 0;
            for (size_t g = 0; g < N_G; g++) {
                double sum = v[off_wealth(&jb) + g] * G[g].count;
                tot_all += sum;
                if (!strcmp(G[g].role, "trader"))
                    tot_tr += sum;
            }
            for (size_t g = 0; g < N_G; g++) {
                double mean = v[off_wealth(&jb) + g], sum = mean * G[g].count;
                double start = (g == WHALE_G ? WHALE_MULT + 2 : 3) * jb.holdings;
                int trader = !strcmp(G[g].role, "trader");
                experiments_table_str(&tw, MIX[m]);
                experiments_table_int(&tw, (int64_t)sd);
                experiments_table_str(&tw, G[g].label);
                experiments_table_str(&tw, G[g].role);
                experiments_table_int(&tw, G[g].count);
                experiments_table_num(&tw, start, 6);
                experiments_table_num(&tw, mean, 6);
                experiments_table_num(&tw, mean / start - 1, 6);
                experiments_table_num(&tw, trader && tot_tr > 0 ? sum / tot_tr : NAN, 6);
                experiments_table_num(&tw, tot_all > 0 ? sum / tot_all : NAN, 6);
                experiments_table_end(&tw);
            }
            double hodl = v[off_grid(&jb) + N_GRID];
            for (int k = 0; k < N_GRID; k++) {
                double gv = v[off_grid(&jb) + (size_t)k];
                char ag[48];
                snprintf(ag, sizeof ag, "%s-%d", G[k < 2 ? GRID_B : GRID_C].label, k % 2);
                experiments_table_str(&tg, MIX[m]);
                experiments_table_int(&tg, (int64_t)sd);
                experiments_table_str(&tg, ag);
                experiments_table_str(&tg, k < 2 ? "BRAVO" : "CHARLIE");
                experiments_table_num(&tg, gv, 6);
                experiments_table_num(&tg, hodl, 6);
                experiments_table_num(&tg, hodl > 0 ? gv / hodl - 1 : NAN, 6);
                experiments_table_end(&tg);
            }
        }
    size_t k0 = (size_t)(jb.at_s / STEP_S), kref = k0 ? k0 - 1 : 0; /* the whale's first step; the step before */
    for (uint64_t sd = lo; sd < hi; sd++) {
        const double *w = sw.slots[experiments_sweep_index(&sw, 0, sd)].v + off_path(&jb);
        const double *c = sw.slots[experiments_sweep_index(&sw, 1, sd)].v + off_path(&jb);
        for (size_t k = k0 >= PRE_STEPS ? k0 - PRE_STEPS : 0; k <= jb.n_steps; k++) {
            experiments_table_int(&th, (int64_t)sd);
            experiments_table_num(&th, ((double)k - (double)k0) * STEP_S, 0);
            fmt_price(s, sizeof s, w[k]);
            experiments_table_str(&th, s);
            fmt_price(s, sizeof s, c[k]);
            experiments_table_str(&th, s);
            experiments_table_num(&th, c[k] > 0 ? w[k] / c[k] - 1 : NAN, 6);
            experiments_table_num(&th, w[kref] > 0 ? w[k] / w[kref] - 1 : NAN, 6);
            experiments_table_end(&th);
        }
    }
    char cfg[6000], seeds[64], groups[2400] = "";
    for (size_t g = 0; g < N_G; g++) {
        size_t l = strlen(groups);
        snprintf(groups + l, sizeof groups - l, "%s{\"label\": \"%s\", \"strategy\": \"%s\", \"count\": %d, \"role\": \"%s\"%s%s%s}",
                 g ? ", " : "", G[g].label, G[g].strategy, G[g].count, G[g].role, G[g].policy ? ", \"mining\": \"" : "",
                 G[g].policy ? G[g].policy : "", G[g].policy ? "\"" : "");
    }
    snprintf(cfg, sizeof cfg,
             "{\"chains\": \"test\", \"duration_s\": %.0f, \"step_s\": %.0f, \"period_s\": %.0f, \"runs_per_mix\": %llu,"
             " \"holdings_coins\": %.6f, \"whale_alpha_coins\": %.6f, \"whale_at_s\": %.0f,"
             " \"whale\": \"trader_whale.c: coin CHARLIE, budget_frac 0.9, max_premium 1.0, 10 levels a step\","
             " \"mixes\": {\"whale\": \"the whale buys\", \"calm\": \"the same agents, the whale holds (hodl)\"},"
             " \"miner_rate\": %.6f, \"reward_coins\": %.6f,"
             " \"value\": \"balances.csv value_alpha: on-chain + exchange holdings at the last trade prices, in AlphaCoin\","
             " \"start_value\": \"holdings at the initial prices 1:1:1\","
             " \"hodl_value\": \"mean final value of the hodl group (the same holdings as every grid agent)\","
             " \"deviation_from_start\": \"the whale run's price / its price one step before the whale's first step - 1\","
             " \"groups\": [%s]}",
             jb.dur, STEP_S, PERIOD_S, (unsigned long long)(hi - lo), jb.holdings, WHALE_MULT * jb.holdings, jb.at_s,
             MINER_RATE, experiments_econ_reward_coins(0), groups);
    snprintf(seeds, sizeof seeds, "%llu:%llu per mix", (unsigned long long)lo, (unsigned long long)hi);
    int rc = 0;
    if (experiments_table_write(&tr, r.out, "economy_rates.csv", &err) ||
        experiments_sidecar_write(&r, r.out, "economy_rates.csv", seeds, cfg, 1, &err) ||
        experiments_table_write(&tw, r.out, "economy_wealth.csv", &err) ||
        experiments_sidecar_write(&r, r.out, "economy_wealth.csv", seeds, cfg, 1, &err) ||
        experiments_table_write(&th, r.out, "economy_whale.csv", &err) ||
        experiments_sidecar_write(&r, r.out, "economy_whale.csv", seeds, cfg, 1, &err) ||
        experiments_table_write(&tg, r.out, "economy_grid.csv", &err) ||
        experiments_sidecar_write(&r, r.out, "economy_grid.csv", seeds, cfg, 1, &err))
        rc = experiments_fail(&r, &err);
    experiments_table_clear(&tr);
    experiments_table_clear(&tw);
    experiments_table_clear(&th);
    experiments_table_clear(&tg);
    experiments_sweep_clear(&sw);
    experiments_mpi_finalize();
    return rc;
}
