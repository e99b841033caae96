/* bse/bsebench_main.c - `bsebench`: times market sessions for `make bench`.
 * Prints one figure per line as "name value unit" on stdout. Timings are
 * measured here, never asserted by tests. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include <gsl/gsl_errno.h>

#include "bse/config.h"
#include "bse/session.h"

static const char USAGE[] =
    "usage: bsebench FILE.json --case ID [--name NAME] [--reps N] [--end-time S] [--lobs 0|1]\n"
    "                [--baseline SECONDS]\n"
    "Runs the case N times (default 20) in memory and prints, as 'name value unit':\n"
    "NAME_wall_s (median session time), NAME_steps_per_s (trader steps per second),\n"
    "NAME_trades, and with --baseline the ratio baseline/median as NAME_speedup_x.\n"
    "--end-time stretches the session (and the last zone of each schedule) to S seconds.\n"
    "Exit status: 0 ok, 1 a session failed, 2 usage or bad input.\n";

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static int cmp_d(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

int main(int argc, char **argv)
{
    gsl_set_error_handler_off();
    const char *file = NULL, *case_id = NULL, *name = NULL;
    int reps = 20, lobs = -1;
    double end_time = 0, baseline = 0;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
            fputs(USAGE, stdout);
            return 0;
        } else if (!strcmp(argv[i], "--case") && i + 1 < argc) {
            case_id = argv[++i];
        } else if (!strcmp(argv[i], "--name") && i + 1 < argc) {
            name = argv[++i];
        } else if (!strcmp(argv[i], "--reps") && i + 1 < argc) {
            reps = atoi(argv[++i]);
        } else if (!strcmp(argv[i], "--end-time") && i + 1 < argc) {
            end_time = atof(argv[++i]);
        } else if (!strcmp(argv[i], "--lobs") && i + 1 < argc) {
            lobs = atoi(argv[++i]);
        } else if (!strcmp(argv[i], "--baseline") && i + 1 < argc) {
            baseline = atof(argv[++i]);
        } else if (argv[i][0] != '-' && !file) {
            file = argv[i];
        } else {
            fprintf(stderr, "bsebench: bad argument %s\n(see bsebench --help)\n", argv[i]);
            return 2;
        }
    }
    if (!file || reps < 1 || reps > 100000) {
        fprintf(stderr, "bsebench: need FILE and a positive --reps\n(see bsebench --help)\n");
        return 2;
    }
    bse_case c;
    bse_error err;
    if (bse_case_load(&c, file, case_id, &err)) {
        bse_error_print(&err, "bsebench", stderr);
        return 2;
    }
    if (end_time > 0) {
        c.end_time = end_time;
        for (int s = 0; s < 2; s++)
            c.zones[s][c.n_zones[s] - 1].to = end_time;
    }
    if (lobs >= 0)
        c.dump_lobs = lobs;
    if (!name)
        name = c.case_id;
    double *t = malloc(sizeof *t * (size_t)reps);
    if (!t)
        return 1;
    long long steps = 0, trades = 0;
    for (int r = 0; r < reps; r++) {
        bse_result res;
        double t0 = now();
        bse_session_status st = bse_session_run(&c, &res, &err);
        t[r] = now() - t0;
        steps = res.n_steps;
        trades = res.n_trades;
        bse_result_free(&res);
        if (st) {
            bse_error_print(&err, "bsebench", stderr);
            free(t);
            return 1;
        }
    }
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
    return 0;
}
