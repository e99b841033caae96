/* bse/bsebench_main.c - `bsebench`: times market sessions for `make bench`.
 * Prints one figure per line as "name value unit" on stdout. Timings are
 * measured here, never asserted by tests. The command line follows the shared
 * contract of common/cli.h (help, version, ranges, one-line usage errors). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include <gsl/gsl_errno.h>

#include "bse/config.h"
#include "bse/session.h"
#include "common/cli.h"
#include "common/clock.h"
#include "common/progress.h"

enum { O_CASE, O_NAME, O_REPS, O_END_TIME, O_LOBS, O_BASELINE, N_OPTS };

static const common_opt OPTS[] = {
    [O_CASE] = {"--case", COMMON_OPT_STR, "ID", 0, 0, 0,
                "the case of FILE to run (needed when FILE is a manifest of several\n"
                "cases)",
                0, 0},
    [O_NAME] = {"--name", COMMON_OPT_STR, "NAME", 0, 0, 0, "prefix of the figures' names (default: the case id)", 0, 0},
    [O_REPS] = {"--reps", COMMON_OPT_UINT, "N", 1, 100000, 0, "sessions to run; the median time is reported (default 20)",
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
};

static const common_cli CLI = {
    .prog = "bsebench",
    .summary = "Times Bristol Stock Exchange market sessions in memory for `make bench`.",
    .description = "Runs the case N times and prints, one figure per line as 'name value unit':\n"
                   "NAME_wall_s (median session time), NAME_steps_per_s (trader steps per second),\n"
                   "NAME_trades, with --baseline the ratio baseline/median as NAME_speedup_x, and\n"
                   "NAME_peak_rss_kb. Timings are measured, never asserted.",
    .opts = OPTS,
    .n_opts = N_OPTS,
    .footer = "Exit status: 0 ok; 1 a session failed; 2 usage or bad input (unreadable or invalid FILE).",
    .synopsis = "FILE.json [--case ID] [--name NAME] [--reps N] [--end-time S] [--lobs 0|1]\n"
                "                [--baseline SECONDS]",
    .min_pos = 1,
    .max_pos = 1,
    .pos_meta = "FILE.json",
};

static int cmp_d(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

int main(int argc, char **argv)
{
    gsl_set_error_handler_off();
    common_args a;
    common_cli_status cst = common_cli_parse(&CLI, &a, argc, argv);
    if (cst != COMMON_CLI_RUN)
        return common_cli_exit(cst);
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
