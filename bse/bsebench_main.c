/* bse/bsebench_main.c - `bsebench`: times market sessions for `make bench`,
 * and with `bsebench match` the exchange-mode matching engine (bse/match.h,
 * economy.md s4 "Speed").
 * Prints one figure per line as "name value unit" on stdout. Timings are
 * measured here, never asserted by tests. The command line follows the shared
 * contract of common/cli.h (help, version, ranges, one-line usage errors).
 *
 * The match flow is bse/flow.h's standard flow (one pair, one core: 60% limit orders
 * inside mid +- 50 ticks, 84% of them passive, 10% market orders, 30% cancels of a
 * resting order), generated from --seed before any timing; --flow FILE also writes it
 * as a flow file for another order book to replay (mk/bench.sh with LIQUIBOOK=DIR).
 * The timed part replays the pre-generated flow into a fresh book (bse_flow_replay:
 * an event callback counts the fills, as a clearing house would consume them); every
 * operation (limit, market or cancel) counts as one order. With seed 1 the book
 * holds about 2400 resting orders (printed as NAME_resting_mean and
 * NAME_levels_mean); the passive share sets that depth (80% gives ~200 orders,
 * 90% a book that keeps growing). Both the wall time and the thread's CPU time
 * are reported: on a shared machine the CPU figure is the steadier one. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include <gsl/gsl_errno.h>

#include "bse/config.h"
#include "bse/flow.h"
#include "bse/match.h"
#include "bse/session.h"
#include "common/cli.h"
#include "common/clock.h"
#include "common/progress.h"

enum { O_CASE, O_NAME, O_REPS, O_END_TIME, O_LOBS, O_BASELINE, O_ORDERS, O_SEED, O_FLOW, N_OPTS };

static const common_opt OPTS[] = {
    [O_CASE] = {"--case", COMMON_OPT_STR, "ID", 0, 0, 0,
                "the case of FILE to run (needed when FILE is a manifest of several\n"
                "cases)",
                0, 0},
    [O_NAME] = {"--name", COMMON_OPT_STR, "NAME", 0, 0, 0, "prefix of the figures' names (default: the case id)", 0, 0},
    [O_REPS] = {"--reps", COMMON_OPT_UINT, "N", 1, 100000, 0,
                "sessions (match: replays of the flow) to run; the median time is\n"
                "reported (default 20; match: 7)",
                0, 0},
    [O_END_TIME] = {"--end-time", COMMON_OPT_REAL, "S", 0, 0, 0,
                    "stretch the session (and the last zone of each schedule) to end at S\n"
                    "seconds; S must exceed the start of the case's last zones",
                    1e-3, 1e7},
    [O_LOBS] = {"--lobs", COMMON_OPT_UINT, "0|1", 0, 1, 0, "override the case's dump_lobs flag", 0, 0},
    [O_BASELINE] = {"--baseline", COMMON_OPT_REAL, "SECONDS", 0, 0, 0,
                    "a reference time (BSE.py) to compare with: prints NAME_speedup_x,\n"
                    "baseline / median (0: none)",
                    0, 1e9},
    [O_ORDERS] = {"--orders", COMMON_OPT_UINT, "N", 1000, 100000000, 0,
                  "match: orders in the flow (default 1000000)", 0, 0},
    [O_SEED] = {"--seed", COMMON_OPT_UINT, "N", 0, UINT64_MAX, 0, "match: seed of the flow (default 1)", 0, 0},
    [O_FLOW] = {"--flow", COMMON_OPT_STR, "FILE", 0, 0, 0,
                "match: also write the flow to FILE (bse/flow.h's text format) for\n"
                "another order book to replay",
                0, 0},
};

static const common_cli CLI = {
    .prog = "bsebench",
    .summary = "Times Bristol Stock Exchange market sessions in memory for `make bench`.",
    .description = "Runs the case N times and prints, one figure per line as 'name value unit':\n"
                   "NAME_wall_s (median session time), NAME_steps_per_s (trader steps per second),\n"
                   "NAME_trades, with --baseline the ratio baseline/median as NAME_speedup_x, and\n"
                   "NAME_peak_rss_kb. Timings are measured, never asserted.\n"
                   "\n"
                   "bsebench match [--orders N] [--seed N] [--reps N] [--name NAME] times the\n"
                   "exchange-mode matching engine (bse/match.h) on one core, on a standard flow:\n"
                   "60% limit orders inside mid +- 50 ticks (84% passive: 1..50 ticks on their own\n"
                   "side of the mid; 16% aggressive: 1..50 ticks through it), 10% market orders\n"
                   "(buys capped at qty x mid), 30% cancels of a random resting order; buy/sell\n"
                   "even; qty 1..100 units; 1000 owners; the mid drifts one tick after one order\n"
                   "in eight. The flow is generated before timing; each replay feeds it to a fresh\n"
                   "book. Prints NAME_orders_per_s (wall clock; every limit, market or cancel\n"
                   "counts), NAME_orders_per_cpu_s (the thread's CPU time), NAME_ns_per_order,\n"
                   "NAME_wall_s, NAME_orders, NAME_fills_per_order, NAME_resting_mean,\n"
                   "NAME_levels_mean, NAME_resting_end, NAME_peak_rss_kb, and two published\n"
                   "anchors, not measured here: liquibook ~2 M inserts/s and LMAX ~6 M orders/s\n"
                   "(NAME default: match). --flow FILE writes the flow (format: bse/flow.h) for an\n"
                   "outside book to replay, e.g. experiments/baselines/liquibook_replay.",
    .opts = OPTS,
    .n_opts = N_OPTS,
    .footer = "Exit status: 0 ok; 1 a session failed; 2 usage or bad input (unreadable or invalid FILE).",
    .synopsis = "FILE.json [--case ID] [--name NAME] [--reps N] [--end-time S] [--lobs 0|1]\n"
                "                [--baseline SECONDS]\n"
                "       bsebench match [--orders N] [--seed N] [--reps N] [--name NAME] [--flow FILE]",
    .min_pos = 1,
    .max_pos = 1,
    .pos_meta = "FILE.json",
};

static int cmp_d(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* ------------------------------------------------------------ bsebench match */

static double mb_cpu_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static int bench_match(const common_args *a)
{
    if (a->given[O_CASE] || a->given[O_END_TIME] || a->given[O_LOBS] || a->given[O_BASELINE])
        return common_cli_usage_error(&CLI, -1, "match takes only --orders, --seed, --reps, --name and --flow");
    const char *name = a->str[O_NAME] ? a->str[O_NAME] : "match";
    size_t n = a->given[O_ORDERS] ? (size_t)a->num[O_ORDERS] : 1000000;
    uint64_t seed = a->given[O_SEED] ? a->num[O_SEED] : 1;
    int reps = a->given[O_REPS] ? (int)a->num[O_REPS] : 7;
    bse_flow_op *ops = malloc(sizeof *ops * n);
    double *t = malloc(sizeof *t * 2 * (size_t)reps), *cpu = t ? t + reps : NULL;
    bse_flow_stats fs;
    if (!ops || !t || bse_flow_generate(ops, &fs, n, seed) != BSE_FLOW_OK) {
        fprintf(stderr, "bsebench: out of memory\n");
        free(ops);
        free(t);
        return COMMON_EXIT_REJECTED;
    }
    if (a->given[O_FLOW]) {
        common_error err;
        bse_flow_status ws = bse_flow_write(&err, a->str[O_FLOW], ops, n, seed);
        if (ws != BSE_FLOW_OK) { /* nothing timed yet: an unwritable FILE is bad input */
            common_error_print(&err, "bsebench", stderr);
            free(ops);
            free(t);
            return ws == BSE_FLOW_EIO ? COMMON_EXIT_USAGE : COMMON_EXIT_REJECTED;
        }
    }
    bse_flow_count c = {0};
    for (int r = 0; r < reps; r++) {
        bse_match m;
        if (bse_match_init(&m, 1) != BSE_MATCH_OK) {
            fprintf(stderr, "bsebench: out of memory\n");
            free(ops);
            free(t);
            return COMMON_EXIT_REJECTED;
        }
        double t0 = common_clock_mono_s(), c0 = mb_cpu_s();
        bse_flow_status fst = bse_flow_replay(&m, &c, ops, n);
        t[r] = common_clock_mono_s() - t0;
        cpu[r] = mb_cpu_s() - c0;
        bse_match_clear(&m);
        if (fst != BSE_FLOW_OK) {
            fprintf(stderr, "bsebench: match: an order was refused (out of memory)\n");
            free(ops);
            free(t);
            return COMMON_EXIT_REJECTED;
        }
    }
    qsort(t, (size_t)reps, sizeof *t, cmp_d);
    qsort(cpu, (size_t)reps, sizeof *cpu, cmp_d);
    double med = t[reps / 2], med_cpu = cpu[reps / 2];
    printf("%s_orders_per_s %.0f orders/s (60%% limit +-50 ticks, 10%% market, 30%% cancel; one core)\n", name,
           (double)n / med);
    printf("%s_orders_per_cpu_s %.0f orders/s (thread CPU time)\n", name, (double)n / med_cpu);
    printf("%s_ns_per_order %.1f ns\n", name, med * 1e9 / (double)n);
    printf("%s_wall_s %.6f s (median of %d replays)\n", name, med, reps);
    printf("%s_orders %zu orders\n", name, n);
    printf("%s_fills_per_order %.3f fills/order\n", name, (double)c.fills / (double)n);
    printf("%s_resting_mean %.1f orders\n", name, fs.resting_mean);
    printf("%s_levels_mean %.1f levels\n", name, fs.levels_mean);
    printf("%s_resting_end %zu orders\n", name, fs.resting_end);
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    printf("%s_peak_rss_kb %ld kB\n", name, ru.ru_maxrss);
    printf("%s_anchor_liquibook_inserts_per_s 2000000 inserts/s (published figure, not measured "
           "here; make bench LIQUIBOOK=DIR times liquibook on this flow)\n", name);
    printf("%s_anchor_lmax_orders_per_s 6000000 orders/s (published figure, not measured here)\n", name);
    free(ops);
    free(t);
    return COMMON_EXIT_OK;
}

int main(int argc, char **argv)
{
    gsl_set_error_handler_off();
    common_args a;
    common_cli_status cst = common_cli_parse(&CLI, &a, argc, argv);
    if (cst != COMMON_CLI_RUN)
        return common_cli_exit(cst);
    if (strcmp(a.pos[0], "match") == 0) /* a case file named match: ./match */
        return bench_match(&a);
    if (a.given[O_ORDERS] || a.given[O_SEED] || a.given[O_FLOW])
        return common_cli_usage_error(&CLI, -1, "--orders, --seed and --flow belong to bsebench match");
    const char *file = a.pos[0], *case_id = a.str[O_CASE], *name = a.str[O_NAME];
    int reps = a.given[O_REPS] ? (int)a.num[O_REPS] : 20;
    double end_time = a.given[O_END_TIME] ? a.real[O_END_TIME] : 0;
    double baseline = a.real[O_BASELINE];

    bse_case c;
    common_error err;
    if (bse_case_load(&c, file, case_id, &err)) {
        common_error_print(&err, "bsebench", stderr);
        return COMMON_EXIT_USAGE;
    }
    if (end_time > 0) {
        for (int s = 0; s < 2; s++)
            if (end_time <= c.start_time || (c.n_zones[s] > 0 && end_time <= c.zones[s][c.n_zones[s] - 1].from))
                return common_cli_usage_error(&CLI, -1, "--end-time %g ends before the last zone of case %s starts",
                                              end_time, c.case_id);
        c.end_time = end_time;
        for (int s = 0; s < 2; s++)
            if (c.n_zones[s] > 0)
                c.zones[s][c.n_zones[s] - 1].to = end_time;
    }
    if (a.given[O_LOBS])
        c.dump_lobs = (int)a.num[O_LOBS];
    if (!name)
        name = c.case_id;
    double *t = malloc(sizeof *t * (size_t)reps);
    if (!t) {
        fprintf(stderr, "bsebench: out of memory\n");
        return COMMON_EXIT_REJECTED;
    }
    long long steps = 0, trades = 0;
    common_progress prog;
    common_progress_init(&prog, 0.2);
    for (int r = 0; r < reps; r++) {
        common_progress_show(&prog, "bsebench", "%s: session %d of %d", name, r + 1, reps);
        bse_result res;
        double t0 = common_clock_mono_s();
        bse_session_status st = bse_session_run(&c, &res, &err);
        t[r] = common_clock_mono_s() - t0;
        steps = res.n_steps;
        trades = res.n_trades;
        bse_result_free(&res);
        if (st) {
            common_progress_end(&prog);
            common_error_print(&err, "bsebench", stderr);
            free(t);
            return COMMON_EXIT_REJECTED;
        }
    }
    common_progress_end(&prog);
    qsort(t, (size_t)reps, sizeof *t, cmp_d);
    double med = t[reps / 2];
    printf("%s_wall_s %.6f s\n", name, med);
    printf("%s_steps_per_s %.0f steps/s\n", name, (double)steps / med);
    printf("%s_trades %lld trades\n", name, trades);
    if (baseline > 0)
        printf("%s_speedup_x %.1f x (python %.3f s / c %.6f s)\n", name, baseline / med, baseline, med);
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    printf("%s_peak_rss_kb %ld kB\n", name, ru.ru_maxrss);
    free(t);
    return COMMON_EXIT_OK;
}
