/* experiments/e14_speed_main.c - E14, speed: the engine's session time and throughput
 * beside BSE.py's, on the baseline's timing rows (shared/reference/bse_python_baseline.csv:
 * markets small, standard, large; seeds 0-2; BSE.py's wall_s_session).
 * Each session is run `repeats` times on one thread; the median wall time is kept.
 * speedup = BSE.py wall_s_session / the engine's median thread CPU time (on a shared machine
 * wall time also counts waiting for a core; speedup_wall uses the median wall time). Also trades and trader steps per second.
 * (A side-by-side with a separate C/C++ order book is not measured here.)
 * Output: speed.csv (timings: not deterministic). */
#include <gsl/gsl_errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bse/session.h"
#include "common/clock.h"
#include "experiments/driver.h"
#include "experiments/model.h"
#include "experiments/mpi.h"

/* CPU seconds of the calling thread: on a shared machine, wall time also counts waiting. */
static double cpu_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static int cmp_d(const void *x, const void *y)
{
    double a = *(const double *)x, b = *(const double *)y;
    return (a > b) - (a < b);
}

static const common_opt OPTS[] = {
    EXPERIMENTS_STD_OPTS,
    EXPERIMENTS_OPT("--baseline", COMMON_OPT_STR, "FILE", 0, 0, 0,
                    "BSE.py's timings (default /work/shared/reference/bse_python_baseline.csv)"),
    EXPERIMENTS_OPT("--repeats", COMMON_OPT_UINT, "R", 1, 1000, 0, "runs per session (quick 5, paper 31)"),
};

static const common_cli CLI = {
    .prog = "e14_speed",
    .summary = "E14: engine speed beside BSE.py's (session wall time, trades and steps per second)",
    .description = "Times the baseline's timing sessions and writes speed.csv with the speed-up over\n"
                   "BSE.py. --seeds selects baseline seeds (default: its timing rows, 0:3).",
    .opts = OPTS,
    .n_opts = sizeof OPTS / sizeof OPTS[0],
    .footer = EXPERIMENTS_FOOTER,
    .synopsis = "[--baseline FILE] [--repeats R] [--scale quick|paper] [--seeds A:B] [--out DIR]",
};

int main(int argc, char **argv)
{
    gsl_set_error_handler_off();
    int rank, ranks;
    if (experiments_mpi_init(&argc, &argv, &rank, &ranks))
        return COMMON_EXIT_REJECTED;
    common_args a;
    common_cli_status st = common_cli_parse(&CLI, &a, argc, argv);
    if (st != COMMON_CLI_RUN) {
        experiments_mpi_finalize();
        return common_cli_exit(st);
    }
    experiments_run r;
    int rc = experiments_run_start(&r, &CLI, &a, "E14", rank, ranks);
    if (rc || rank != 0) {
        experiments_mpi_finalize();
        return rc;
    }
    const char *bpath = a.given[EXPERIMENTS_OPT_OWN] ? a.str[EXPERIMENTS_OPT_OWN]
                                                     : "/work/shared/reference/bse_python_baseline.csv";
    unsigned R = a.given[EXPERIMENTS_OPT_OWN + 1] ? (unsigned)a.num[EXPERIMENTS_OPT_OWN + 1]
                                                  : r.scale == EXPERIMENTS_PAPER ? 31 : 5;
    experiments_csv base;
    common_error err;
    common_error_clear(&err);
    if (experiments_csv_read(&base, bpath, &err)) {
        experiments_csv_clear(&base);
        common_error_print(&err, r.prog, stderr);
        experiments_mpi_finalize();
        return COMMON_EXIT_USAGE;
    }
    int bt = experiments_csv_col(&base, "row_type"), bc = experiments_csv_col(&base, "config"),
        bs = experiments_csv_col(&base, "seed"), bw = experiments_csv_col(&base, "wall_s_session");
    if (bt < 0 || bc < 0 || bs < 0 || bw < 0) {
        fprintf(stderr, "%s: %s: not a BSE.py baseline (row_type, config, seed, wall_s_session)\n", r.prog, bpath);
        experiments_csv_clear(&base);
        experiments_mpi_finalize();
        return COMMON_EXIT_USAGE;
    }
    uint64_t lo, hi;
    experiments_run_seeds(&r, 0, 3, &lo, &hi);
    static const char *const COLS[] = {"market", "seed", "trades", "steps", "bsepy_wall_s", "engine_wall_s",
                                       "engine_cpu_s", "speedup_wall", "speedup", "engine_trades_per_s", "engine_steps_per_s", "repeats"};
    experiments_table t;
    experiments_table_init(&t, COLS, sizeof COLS / sizeof COLS[0]);
    double *w = malloc(R * sizeof *w), *cpu = malloc(R * sizeof *cpu);
    int fail = !w || !cpu;
    for (size_t row = 0; row < base.nrows && !fail; row++) {
        if (strcmp(experiments_csv_cell(&base, row, bt), "timing"))
            continue;
        const char *mk = experiments_csv_cell(&base, row, bc);
        uint64_t sd = strtoull(experiments_csv_cell(&base, row, bs), NULL, 10);
        if (sd < lo || sd >= hi)
            continue;
        int m = -1;
        for (int k = 0; k < EXPERIMENTS_N_MARKETS; k++)
            if (!strcmp(experiments_market_name[k], mk))
                m = k;
        if (m < 0)
            continue;
        bse_case c;
        if (experiments_market_case(&c, m, sd, &err)) {
            fail = 1;
            break;
        }
        c.dump_tape = 0;
        int64_t trades = 0, steps = 0;
        for (unsigned k = 0; k < R && !fail; k++) {
            bse_result res;
            double t0 = common_clock_mono_s(), c0 = cpu_s();
            if (bse_session_run(&c, &res, &err) != BSE_SESSION_OK)
                fail = 1;
            cpu[k] = cpu_s() - c0;
            w[k] = common_clock_mono_s() - t0;
            trades = res.n_trades;
            steps = res.n_steps;
            bse_result_free(&res);
            experiments_progress(&r, "E14 %s seed %llu run %u/%u", mk, (unsigned long long)sd, k + 1, R);
        }
        qsort(w, R, sizeof *w, cmp_d);
        qsort(cpu, R, sizeof *cpu, cmp_d);
        double medw = w[R / 2], med = cpu[R / 2], py = strtod(experiments_csv_cell(&base, row, bw), NULL);
        experiments_table_str(&t, mk);
        experiments_table_int(&t, (int64_t)sd);
        experiments_table_int(&t, trades);
        experiments_table_int(&t, steps);
        experiments_table_num(&t, py, 3);
        experiments_table_num(&t, medw, 5);
        experiments_table_num(&t, med, 5);
        experiments_table_num(&t, py / medw, 1);
        experiments_table_num(&t, py / med, 1);
        experiments_table_num(&t, (double)trades / med, 0);
        experiments_table_num(&t, (double)steps / med, 0);
        experiments_table_int(&t, R);
        experiments_table_end(&t);
    }
    common_progress_end(&r.progress);
    free(w);
    free(cpu);
    char cfg[600], seeds[64];
    snprintf(cfg, sizeof cfg,
             "{\"baseline\": \"%s\", \"repeats\": %u, \"statistic\": \"median over repeats, one thread; speedup = BSE.py wall / engine thread CPU time, speedup_wall = BSE.py wall / engine wall\", \"note\": "
             "\"BSE.py timings were measured on another machine and run; timings on a shared machine are noisy\"}",
             bpath, R);
    snprintf(seeds, sizeof seeds, "%llu:%llu", (unsigned long long)lo, (unsigned long long)hi);
    rc = 0;
    if (fail) {
        if (!err.msg[0])
            common_error_set(&err, -1, "", "", "out of memory");
        rc = experiments_fail(&r, &err);
    } else if (experiments_table_write(&t, r.out, "speed.csv", &err) ||
               experiments_sidecar_write(&r, r.out, "speed.csv", seeds, cfg, 0, &err))
        rc = experiments_fail(&r, &err);
    experiments_table_clear(&t);
    experiments_csv_clear(&base);
    experiments_mpi_finalize();
    return rc;
}
