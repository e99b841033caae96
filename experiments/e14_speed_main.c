/* experiments/e14_speed_main.c - E14, speed: the engine's session time and throughput
 * beside BSE.py's, and the exchange-mode matching engine beside a C++ order book.
 *
 * speed.csv: the baseline's timing rows (shared/reference/bse_python_baseline.csv:
 * markets small, standard, large; seeds 0-2; BSE.py's wall_s_session). Each session is
 * run `repeats` times on one thread; the median wall time is kept. speedup = BSE.py
 * wall_s_session / the engine's median thread CPU time (on a shared machine wall time
 * also counts waiting for a core; speedup_wall uses the median wall time). Also trades
 * and trader steps per second. With --bsepy DIR BSE.py itself is timed on this machine too
 * (experiments/bsepy.h: --bsepy-repeats runs of each session, the median wall time of its
 * market_session): bsepy_here_wall_s, and speedup_here = that / the engine's median wall
 * time, a ratio of two timings taken side by side on one machine.
 *
 * speed_exchange.csv: per flow seed (the --seeds range), bse/flow.h's standard flow of
 * --orders operations (60% limit, 10% market, 30% cancel; generated before timing) is
 * replayed `repeats` times into a fresh bse/match.h book (bse_flow_replay, as `bsebench
 * match`); the median wall and thread CPU times give orders/s. With --liquibook BIN
 * (experiments/baselines/liquibook_replay, built by `make results LIQUIBOOK=DIR`) the
 * same flow, written as a flow file, is replayed by BIN into liquibook's OrderBook
 * `repeats` times; its columns and the ratios engine / liquibook are filled, else left
 * empty. --flows DIR keeps the flow files (DIR/flow_seedN.txt) for other programs.
 * Output: speed.csv, speed_exchange.csv (timings: not deterministic). */
#include <cjson/cJSON.h>
#include <errno.h>
#include <gsl/gsl_errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "bse/flow.h"
#include "bse/session.h"
#include "common/clock.h"
#include "experiments/bsepy.h"
#include "experiments/driver.h"
#include "experiments/forge.h"
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

/* The liquibook baseline's figures for one flow (its output line). */
typedef struct lq_result {
    int64_t orders, trades, cancel_rejects;
    double wall_s, cpu_s;
} lq_result;

/* Runs `bin flow --reps R` with stdout and stderr into files of tmp and reads its
 * line "orders N trades T wall_s W cpu_s C ...". Returns 0, or -1 with err. */
static int lq_run(lq_result *out, common_error *err, const char *bin, const char *flow, unsigned reps,
                  const char *tmp)
{
    memset(out, 0, sizeof *out);
    char op[600], ep[600], rs[16];
    snprintf(op, sizeof op, "%s/lq.out", tmp);
    snprintf(ep, sizeof ep, "%s/lq.err", tmp);
    snprintf(rs, sizeof rs, "%u", reps);
    char *argv[] = {(char *)bin, (char *)flow, "--reps", rs, NULL};
    int status = 0;
    if (experiments_spawn_to_files(argv, NULL, op, ep, "the liquibook baseline", &status, err))
        return -1;
    char line[400];
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        experiments_first_line(line, sizeof line, ep);
        return common_error_set(err, -1, bin, "", "the liquibook baseline failed (%s%d)%s%s",
                                WIFEXITED(status) ? "exit " : "signal ",
                                WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status), line[0] ? ": " : "",
                                line),
               -1;
    }
    experiments_first_line(line, sizeof line, op);
    long long o, t, k = 0;
    double w, c;
    unsigned rr;
    int got = sscanf(line, "orders %lld trades %lld wall_s %lf cpu_s %lf reps %u cancel_rejects %lld", &o, &t,
                     &w, &c, &rr, &k);
    if (got < 4 || o < 0 || t < 0 || !(w > 0) || !(c >= 0))
        return common_error_set(err, -1, bin, "stdout",
                                "expected 'orders N trades T wall_s W cpu_s C', got '%.120s'", line),
               -1;
    *out = (lq_result){.orders = o, .trades = t, .cancel_rejects = got >= 6 ? k : -1, .wall_s = w, .cpu_s = c};
    return 0;
}

/* speed_exchange.csv's rows: flow seeds [lo, hi), n operations, R replays each; lq (or
 * NULL) the liquibook baseline, flows (or NULL) the folder keeping the flow files.
 * Returns 0, or -1 with err. */
static int exchange_rows(experiments_table *t, common_error *err, experiments_run *r, uint64_t lo, uint64_t hi,
                         size_t n, unsigned R, const char *lq, const char *flows)
{
    bse_flow_op *ops = malloc(sizeof *ops * n);
    double *w = malloc(sizeof *w * 2 * R), *cpu = w ? w + R : NULL;
    char tmp[64] = "/tmp/bse_pouw_e14_XXXXXX";
    int have_tmp = 0, rc = 0;
    if (!ops || !w) {
        common_error_set(err, -1, "", "", "out of memory");
        rc = -1;
    } else if (lq) { /* the baseline's captured output, and the flow file unless --flows */
        if (!mkdtemp(tmp)) {
            common_error_set(err, -1, "/tmp", "", "cannot make a temporary folder: %s", strerror(errno));
            rc = -1;
        } else
            have_tmp = 1;
    }
    for (uint64_t sd = lo; sd < hi && !rc; sd++) {
        bse_flow_stats fs;
        if (bse_flow_generate(ops, &fs, n, sd) != BSE_FLOW_OK) {
            common_error_set(err, -1, "", "", "out of memory (flow of seed %llu)", (unsigned long long)sd);
            rc = -1;
            break;
        }
        bse_flow_count c = {0};
        for (unsigned k = 0; k < R && !rc; k++) {
            bse_match m;
            if (bse_match_init(&m, 1) != BSE_MATCH_OK) {
                common_error_set(err, -1, "", "", "out of memory");
                rc = -1;
                break;
            }
            double t0 = common_clock_mono_s(), c0 = cpu_s();
            bse_flow_status fst = bse_flow_replay(&m, &c, ops, n);
            cpu[k] = cpu_s() - c0;
            w[k] = common_clock_mono_s() - t0;
            bse_match_clear(&m);
            if (fst != BSE_FLOW_OK) {
                common_error_set(err, -1, "", "", "flow seed %llu: an order was refused (out of memory)",
                                 (unsigned long long)sd);
                rc = -1;
            }
            experiments_progress(r, "E14 exchange flow %llu replay %u/%u", (unsigned long long)sd, k + 1, R);
        }
        if (rc)
            break;
        qsort(w, R, sizeof *w, cmp_d);
        qsort(cpu, R, sizeof *cpu, cmp_d);
        double medw = w[R / 2], med = cpu[R / 2];
        lq_result lr = {0};
        int have_lq = 0;
        char fpath[4200];
        if (flows || lq) {
            snprintf(fpath, sizeof fpath, "%s/flow_seed%llu.txt", flows ? flows : tmp, (unsigned long long)sd);
            if (bse_flow_write(err, fpath, ops, n, sd) != BSE_FLOW_OK) {
                rc = -1;
                break;
            }
        }
        if (lq) {
            experiments_progress(r, "E14 exchange flow %llu: liquibook, %u replays", (unsigned long long)sd, R);
            rc = lq_run(&lr, err, lq, fpath, R, tmp);
            if (!flows)
                unlink(fpath);
            if (rc)
                break;
            if (lr.orders != (int64_t)n) {
                common_error_set(err, -1, lq, "orders", "replayed %lld operations of the %zu in the flow",
                                 (long long)lr.orders, n);
                rc = -1;
                break;
            }
            have_lq = 1;
        }
        double eo = (double)n / medw, eoc = (double)n / med;
        double lo_w = have_lq ? (double)n / lr.wall_s : NAN, lo_c = have_lq && lr.cpu_s > 0 ? (double)n / lr.cpu_s : NAN;
        experiments_table_int(t, (int64_t)sd);
        experiments_table_int(t, (int64_t)n);
        experiments_table_int(t, (int64_t)c.fills);
        experiments_table_num(t, fs.resting_mean, 1);
        experiments_table_num(t, medw, 5);
        experiments_table_num(t, med, 5);
        experiments_table_num(t, eo, 0);
        experiments_table_num(t, eoc, 0);
        if (have_lq) {
            experiments_table_int(t, lr.trades);
            if (lr.cancel_rejects >= 0)
                experiments_table_int(t, lr.cancel_rejects);
            else
                experiments_table_str(t, "");
        } else {
            experiments_table_str(t, "");
            experiments_table_str(t, "");
        }
        experiments_table_num(t, have_lq ? lr.wall_s : NAN, 5);
        experiments_table_num(t, have_lq ? lr.cpu_s : NAN, 5);
        experiments_table_num(t, lo_w, 0);
        experiments_table_num(t, lo_c, 0);
        experiments_table_num(t, have_lq ? eo / lo_w : NAN, 2);
        experiments_table_num(t, have_lq ? eoc / lo_c : NAN, 2);
        experiments_table_int(t, R);
        experiments_table_end(t);
    }
    if (have_tmp)
        experiments_rmtree(tmp);
    free(ops);
    free(w);
    return rc;
}

/* speed_exchange.json's config (cJSON: paths are escaped). Caller frees. */
static char *exchange_config(size_t n, unsigned R, const char *lq, const char *flows)
{
    cJSON *o = cJSON_CreateObject();
    if (!o)
        return NULL;
    cJSON_AddStringToObject(o, "flow",
                            "bse/flow.h standard flow, seeded per row: 60% limit orders within mid +-50 ticks "
                            "(84% passive), 10% market orders (buys capped at qty x mid), 30% cancels of a "
                            "resting order; qty 1..100; 1000 owners; the mid drifts one tick after one order in "
                            "eight; generated before timing");
    cJSON_AddNumberToObject(o, "orders", (double)n);
    cJSON_AddNumberToObject(o, "repeats", R);
    cJSON_AddStringToObject(o, "statistic",
                            "median over repeats, one thread, each replay into a fresh book; orders/s counts every "
                            "limit, market and cancel; ratio = engine orders/s / liquibook orders/s (wall), "
                            "ratio_cpu the same with thread CPU time");
    cJSON_AddStringToObject(o, "baseline", lq ? "liquibook book::OrderBook (experiments/baselines/liquibook_replay.cpp)"
                                              : "none (run with --liquibook BIN: make results LIQUIBOOK=DIR)");
    cJSON_AddStringToObject(o, "liquibook_replay", lq ? lq : "");
    cJSON_AddStringToObject(o, "flows_dir", flows ? flows : "");
    cJSON_AddStringToObject(
        o, "note",
        "the two books get the same operations (limit = plain limit order, market = immediate-or-cancel market "
        "order, cancel by the engine's order id) but differ in two rules, so trade counts agree closely, not "
        "exactly: bse/match.h cancels a resting order of the incoming order's own owner (self-trade prevention) "
        "and stops a market buy at its quote cap (qty x mid), liquibook has neither; once the books differ a "
        "cancel may name an order liquibook already filled (liquibook_cancel_rejects). Without the two rules "
        "(the flow with one owner per order and no caps) the engine's trade count equals liquibook's exactly "
        "(checked on seeds 0-2, 1000000 orders). liquibook's time "
        "includes its callbacks (accept, fill, cancel, book update) and std::multimap levels; the engine's "
        "includes its event callback. Timings on a shared machine are noisy: the CPU columns are steadier");
    char *txt = cJSON_PrintUnformatted(o);
    cJSON_Delete(o);
    return txt;
}

/* speed.json's config (cJSON: paths are escaped). bp: BSE.py timed here, or NULL. Caller frees. */
static char *speed_config(const char *baseline, unsigned R, const experiments_bsepy *bp, unsigned K)
{
    cJSON *o = cJSON_CreateObject();
    if (!o)
        return NULL;
    cJSON_AddStringToObject(o, "baseline", baseline ? baseline : "none found (BSE.py columns empty)");
    cJSON_AddNumberToObject(o, "repeats", R);
    cJSON_AddStringToObject(o, "statistic",
                            "median over repeats, one thread; speedup = BSE.py wall (baseline) / engine thread CPU "
                            "time, speedup_wall = BSE.py wall (baseline) / engine wall; speedup_here = BSE.py wall "
                            "timed here (bsepy_here_wall_s, median of bsepy_here_repeats runs) / engine wall");
    cJSON_AddStringToObject(o, "bsepy_dir", bp ? bp->dir : "");
    cJSON_AddStringToObject(o, "bsepy_runner", bp ? bp->tool : "");
    if (bp)
        cJSON_AddNumberToObject(o, "bsepy_repeats", K);
    cJSON_AddStringToObject(o, "note",
                            bp ? "the baseline's BSE.py timings were measured on another machine; bsepy_here_wall_s "
                                 "on this one, beside the engine (its market_session's wall time, no Python "
                                 "start-up), with the same sessions and dumps; timings on a shared machine are noisy"
                               : "BSE.py timings were measured on another machine and run (--bsepy DIR times BSE.py "
                                 "here too); timings on a shared machine are noisy");
    char *txt = cJSON_PrintUnformatted(o);
    cJSON_Delete(o);
    return txt;
}

static const common_opt OPTS[] = {
    EXPERIMENTS_STD_OPTS,
    EXPERIMENTS_OPT("--baseline", COMMON_OPT_STR, "FILE", 0, 0, 0,
                    "BSE.py's timings (default: shared/reference/bse_python_baseline.csv\n"
                    "beside the checkout, or $BSE_SHARED/reference/...; without one\n"
                    "BSE.py's columns are empty)"),
    EXPERIMENTS_OPT("--repeats", COMMON_OPT_UINT, "R", 1, 1000, 0,
                    "runs per session and replays per exchange flow (quick 5, paper 31)"),
    EXPERIMENTS_OPT("--orders", COMMON_OPT_UINT, "N", 1000, 100000000, 0,
                    "operations per exchange flow (default 1000000)"),
    EXPERIMENTS_OPT("--liquibook", COMMON_OPT_STR, "BIN", 0, 0, 0,
                    "the C++ baseline experiments/baselines/liquibook_replay (built by\n"
                    "make results LIQUIBOOK=DIR); without it the liquibook columns of\n"
                    "speed_exchange.csv are empty"),
    EXPERIMENTS_OPT("--flows", COMMON_OPT_STR, "DIR", 0, 0, 0,
                    "also keep each exchange flow as DIR/flow_seedN.txt (bse/flow.h format)"),
    EXPERIMENTS_OPT("--bsepy", COMMON_OPT_STR, "DIR", 0, 0, 0,
                    "a folder holding BSE.py v1.91: time BSE.py itself on this machine too\n"
                    "(shared/tools/pybse.py; columns bsepy_here_wall_s, speedup_here)"),
    EXPERIMENTS_OPT("--bsepy-repeats", COMMON_OPT_UINT, "K", 1, 1000, 0,
                    "runs of each session by BSE.py (default 3; the median is kept)"),
};

static const common_cli CLI = {
    .prog = "e14_speed",
    .summary = "E14: engine speed beside BSE.py's, and the matching engine beside liquibook",
    .description = "Times the baseline's timing sessions and writes speed.csv with the speed-up over\n"
                   "BSE.py. --seeds selects baseline seeds (default: its timing rows, 0:3).\n"
                   "Then replays bse/flow.h's standard exchange flow (one per seed of the same range)\n"
                   "into the exchange-mode matching engine (bse/match.h) and writes\n"
                   "speed_exchange.csv: orders, trades, median wall and CPU seconds, orders/s; with\n"
                   "--liquibook BIN the same flow replayed into liquibook's OrderBook by BIN, and\n"
                   "the ratios (empty without it). With --bsepy DIR BSE.py itself is timed here\n"
                   "on the same sessions, for a speed-up of two timings on one machine\n"
                   "(speedup_here). A failed baseline writes neither CSV (exit 1).",
    .opts = OPTS,
    .n_opts = sizeof OPTS / sizeof OPTS[0],
    .footer = EXPERIMENTS_FOOTER,
    .synopsis = "[--baseline FILE] [--repeats R] [--orders N] [--liquibook BIN]\n"
                "                 [--flows DIR] [--bsepy DIR [--bsepy-repeats K]]\n"
                "                 [--scale quick|paper] [--seeds A:B] [--out DIR]",
};

int main(int argc, char **argv)
{
    gsl_set_error_handler_off();
    common_args a;
    experiments_run r;
    int rc;
    if (!experiments_single_start(&CLI, "E14", &argc, &argv, &a, &r, &rc))
        return rc;
    /* the baseline: --baseline (must be there), else shared/'s when there is one; without
     * it the timing sessions are small, standard and large of each seed, BSE.py's columns
     * empty */
    char defpath[4096];
    int have_def = experiments_shared_path(defpath, sizeof defpath, "reference/bse_python_baseline.csv");
    const char *bpath = a.given[EXPERIMENTS_OPT_OWN] ? a.str[EXPERIMENTS_OPT_OWN] : have_def ? defpath : NULL;
    unsigned R = a.given[EXPERIMENTS_OPT_OWN + 1] ? (unsigned)a.num[EXPERIMENTS_OPT_OWN + 1]
                                                  : r.scale == EXPERIMENTS_PAPER ? 31 : 5;
    size_t n_orders = a.given[EXPERIMENTS_OPT_OWN + 2] ? (size_t)a.num[EXPERIMENTS_OPT_OWN + 2] : 1000000;
    const char *lq = a.given[EXPERIMENTS_OPT_OWN + 3] ? a.str[EXPERIMENTS_OPT_OWN + 3] : NULL;
    const char *flows = a.given[EXPERIMENTS_OPT_OWN + 4] ? a.str[EXPERIMENTS_OPT_OWN + 4] : NULL;
    const char *bsepy = a.given[EXPERIMENTS_OPT_OWN + 5] ? a.str[EXPERIMENTS_OPT_OWN + 5] : NULL;
    unsigned K = a.given[EXPERIMENTS_OPT_OWN + 6] ? (unsigned)a.num[EXPERIMENTS_OPT_OWN + 6] : 3;
    struct stat sb;
    experiments_bsepy bp;
    memset(&bp, 0, sizeof bp);
    common_error err;
    common_error_clear(&err);
    if (!bsepy && a.given[EXPERIMENTS_OPT_OWN + 6]) {
        rc = common_cli_usage_error(&CLI, -1, "--bsepy-repeats needs --bsepy DIR");
        experiments_mpi_finalize();
        return rc;
    }
    if (bsepy && experiments_bsepy_open(&bp, bsepy, &err)) {
        rc = common_cli_usage_error(&CLI, -1, "%s%s%s: %s", err.field, err.field[0] ? " " : "", err.path, err.msg);
        experiments_mpi_finalize();
        return rc;
    }
    if (lq && (stat(lq, &sb) != 0 || !S_ISREG(sb.st_mode) || access(lq, X_OK) != 0)) {
        rc = common_cli_usage_error(&CLI, -1, "--liquibook %s: not an executable file (build it with make results "
                                              "LIQUIBOOK=DIR)", lq);
        experiments_mpi_finalize();
        return rc;
    }
    if (flows && ((mkdir(flows, 0777) != 0 && errno != EEXIST) || stat(flows, &sb) != 0 || !S_ISDIR(sb.st_mode) ||
                  access(flows, W_OK | X_OK) != 0)) {
        rc = common_cli_usage_error(&CLI, -1, "--flows %s: cannot use as a folder for the flow files", flows);
        experiments_mpi_finalize();
        return rc;
    }
    experiments_csv base;
    memset(&base, 0, sizeof base);
    if (bpath && (experiments_csv_read(&base, bpath, &err) || experiments_baseline_check(&base, bpath, &err))) {
        experiments_csv_clear(&base);
        common_error_print(&err, r.prog, stderr);
        experiments_mpi_finalize();
        return COMMON_EXIT_USAGE;
    }
    int bt = experiments_csv_col(&base, "row_type"), bc = experiments_csv_col(&base, "config"),
        bs = experiments_csv_col(&base, "seed"), bw = experiments_csv_col(&base, "wall_s_session");
    uint64_t lo, hi;
    experiments_run_seeds(&r, 0, 3, &lo, &hi);
    static const char *const COLS[] = {"market", "seed", "trades", "steps", "bsepy_wall_s", "engine_wall_s",
                                       "engine_cpu_s", "speedup_wall", "speedup", "engine_trades_per_s", "engine_steps_per_s", "repeats",
                                       "bsepy_here_wall_s", "speedup_here", "bsepy_here_repeats"};
    experiments_table t;
    experiments_table_init(&t, COLS, sizeof COLS / sizeof COLS[0]);
    double *w = malloc(R * sizeof *w), *cpu = malloc(R * sizeof *cpu), *pw = malloc(K * sizeof *pw);
    int fail = !w || !cpu || !pw;
    char ptmp[64] = "/tmp/bse_pouw_e14py_XXXXXX";
    int have_ptmp = 0;
    if (bsepy && !fail) {
        if (mkdtemp(ptmp))
            have_ptmp = 1;
        else {
            common_error_set(&err, -1, "/tmp", "", "cannot make a temporary folder: %s", strerror(errno));
            fail = 1;
        }
    }
    /* the sessions: the baseline's timing rows, or (none) markets 1..3 of each seed */
    size_t n_sess = bpath ? base.nrows : (size_t)(hi - lo) * 3;
    for (size_t row = 0; row < n_sess && !fail; row++) {
        const char *mk;
        uint64_t sd;
        double py = NAN;
        if (bpath) {
            if (strcmp(experiments_csv_cell(&base, row, bt), "timing"))
                continue;
            mk = experiments_csv_cell(&base, row, bc);
            sd = strtoull(experiments_csv_cell(&base, row, bs), NULL, 10);
            py = strtod(experiments_csv_cell(&base, row, bw), NULL);
        } else {
            mk = experiments_market_name[1 + row % 3];
            sd = lo + row / 3;
        }
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
        double medw = w[R / 2], med = cpu[R / 2];
        /* BSE.py on the same session, here (its output files go to a folder removed after each run) */
        double here = NAN;
        for (unsigned k = 0; bsepy && k < K && !fail; k++) {
            char name[64], odir[128];
            snprintf(name, sizeof name, "%s-%llu-%u", mk, (unsigned long long)sd, k);
            snprintf(odir, sizeof odir, "%s/%s", ptmp, name);
            experiments_progress(&r, "E14 BSE.py %s seed %llu run %u/%u", mk, (unsigned long long)sd, k + 1, K);
            if (experiments_bsepy_run(&bp, &c, ptmp, name, odir, &pw[k], &err))
                fail = 1;
            experiments_rmtree(odir);
        }
        if (fail)
            break;
        if (bsepy) {
            qsort(pw, K, sizeof *pw, cmp_d);
            here = pw[K / 2];
        }
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
        experiments_table_num(&t, here, 3);
        experiments_table_num(&t, here / medw, 1);
        if (bsepy)
            experiments_table_int(&t, K);
        else
            experiments_table_str(&t, "");
        experiments_table_end(&t);
    }
    if (have_ptmp)
        experiments_rmtree(ptmp);
    free(w);
    free(cpu);
    free(pw);
    static const char *const XC[] = {"seed", "orders", "trades", "resting_mean", "engine_wall_s", "engine_cpu_s",
                                     "engine_orders_per_s", "engine_orders_per_cpu_s", "liquibook_trades",
                                     "liquibook_cancel_rejects", "liquibook_wall_s", "liquibook_cpu_s",
                                     "liquibook_orders_per_s", "liquibook_orders_per_cpu_s", "ratio", "ratio_cpu",
                                     "repeats"};
    experiments_table tx;
    experiments_table_init(&tx, XC, sizeof XC / sizeof XC[0]);
    if (!fail && exchange_rows(&tx, &err, &r, lo, hi, n_orders, R, lq, flows))
        fail = 1;
    common_progress_end(&r.progress);
    char *xcfg = fail ? NULL : exchange_config(n_orders, R, lq, flows);
    if (!fail && !xcfg) {
        common_error_set(&err, -1, "", "", "out of memory");
        fail = 1;
    }
    char *cfg = fail ? NULL : speed_config(bpath, R, bsepy ? &bp : NULL, K);
    char seeds[64];
    if (!fail && !cfg) {
        common_error_set(&err, -1, "", "", "out of memory");
        fail = 1;
    }
    snprintf(seeds, sizeof seeds, "%llu:%llu", (unsigned long long)lo, (unsigned long long)hi);
    rc = 0;
    if (fail) {
        if (!err.msg[0])
            common_error_set(&err, -1, "", "", "out of memory");
        rc = experiments_fail(&r, &err);
    } else if (experiments_table_write(&t, r.out, "speed.csv", &err) ||
               experiments_sidecar_write(&r, r.out, "speed.csv", seeds, cfg, 0, &err) ||
               experiments_table_write(&tx, r.out, "speed_exchange.csv", &err) ||
               experiments_sidecar_write(&r, r.out, "speed_exchange.csv", seeds, xcfg, 0, &err))
        rc = experiments_fail(&r, &err);
    free(xcfg);
    free(cfg);
    experiments_table_clear(&t);
    experiments_table_clear(&tx);
    experiments_csv_clear(&base);
    experiments_mpi_finalize();
    return rc;
}
