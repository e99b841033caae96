/* bse/bse_main.c - `bse`: run BSE market sessions from case files.
 * A thin layer over bse/config.h and bse/session.h; the command-line contract (help,
 * version, option values, exit codes) is common/cli.h's. Exit codes: 0 done, 1 the work
 * failed (an output could not be written), 2 usage or bad input (including configs that
 * BSE.py itself would crash on). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <gsl/gsl_errno.h>

#include "bse/config.h"
#include "bse/session.h"
#include "common/cli.h"
#include "common/progress.h"

enum { CMD_RUN, CMD_LIST };
enum { O_CASE, O_ALL, O_OUT, O_SUMMARY, N_OPTS };

static const common_cmd CMDS[] = {
    [CMD_RUN] = {"run", "FILE.json [--case ID | --all] [--out DIR] [--summary]",
                 "run one case (a manifest needs --case ID, or --all for every case) and write\n"
                 "BSE's files <case_id>_tape.csv, _avg_balance.csv, _blotters.csv, _LOB_frames.csv,\n"
                 "_strats.csv (as the dump_flags select) into DIR. With --all every case is loaded\n"
                 "and run before any file is written: one bad case (or two cases with one case_id)\n"
                 "and no file is written",
                 1, 1, "FILE.json"},
    [CMD_LIST] = {"list", "FILE.json", "print the case ids of FILE, one per line", 1, 1, "FILE.json"},
};

static const common_opt OPTS[] = {
    [O_CASE] = {"--case", COMMON_OPT_STR, "ID", 0, 0, COMMON_CMD(CMD_RUN), "the case to run from a manifest"},
    [O_ALL] = {"--all", COMMON_OPT_FLAG, NULL, 0, 0, COMMON_CMD(CMD_RUN), "run every case of the file"},
    [O_OUT] = {"--out", COMMON_OPT_STR, "DIR", 0, 0, COMMON_CMD(CMD_RUN),
               "output folder (default: the current directory; created if missing)"},
    [O_SUMMARY] = {"--summary", COMMON_OPT_FLAG, NULL, 0, 0, COMMON_CMD(CMD_RUN),
                   "print a summary per case on stdout: trades, steps, mean trade price,\n"
                   "final profit per trader type, rng check value"},
};

static const common_cli CLI = {
    .prog = "bse",
    .summary = "Runs Bristol Stock Exchange market sessions with BSE.py v1.91 semantics, byte for byte.",
    .description = "FILE is one case object or a manifest with a \"cases\" list, in the format of\n"
                   "shared/reference/bse_golden/manifest.json (case_id, seed, seed_kind, start_time,\n"
                   "end_time, trader_spec, order_schedule, dump_flags; extra keys ignored).\n"
                   "Files are written only after the sessions succeeded, each crash-safely\n"
                   "(temporary file, fsync, rename).",
    .cmds = CMDS,
    .n_cmds = sizeof CMDS / sizeof CMDS[0],
    .opts = OPTS,
    .n_opts = N_OPTS,
    .footer = "Exit status: 0 ok; 1 an output could not be written; 2 usage or bad input\n"
              "(unreadable or invalid FILE, an unusable --out folder).",
};

static void summary(const bse_case *c, const bse_result *r)
{
    double sum = 0;
    long n = 0;
    /* mean trade price from the tape lines "TRD, time, price" */
    for (const char *p = r->tape.data; p && *p;) {
        const char *comma = strchr(p, ',');
        comma = comma ? strchr(comma + 1, ',') : NULL;
        if (!comma)
            break;
        sum += strtod(comma + 1, NULL);
        n++;
        const char *nl = strchr(comma, '\n');
        if (!nl)
            break;
        p = nl + 1;
    }
    printf("case %s: %lld trades, %lld steps, %lld quotes, final time %.4f", c->case_id, (long long)r->n_trades,
           (long long)r->n_steps, (long long)r->n_quotes, r->final_time);
    if (n > 0 && c->dump_tape)
        printf(", mean price %.2f", sum / (double)n);
    printf("\n  profit per trader:");
    for (int32_t i = 0; i < r->n_types; i++)
        printf(" %s %.2f (n=%d)", r->types[i].name, r->types[i].mean, r->types[i].n);
    printf("\n  rng_after_getrandbits32 %u\n", r->rng_after32);
}

/* Loads and runs one case into *c / *res. Returns 0, or the exit code (message printed). */
static int load_and_run(const char *file, const char *case_id, bse_case *c, bse_result *res)
{
    common_error err;
    memset(res, 0, sizeof *res);
    bse_config_status cst = bse_case_load(c, file, case_id, &err);
    if (cst != BSE_CONFIG_OK) {
        common_error_print(&err, "bse", stderr);
        return cst == BSE_CONFIG_ENOMEM ? COMMON_EXIT_REJECTED : COMMON_EXIT_USAGE;
    }
    bse_session_status st = bse_session_run(c, res, &err);
    if (st == BSE_SESSION_OK)
        return 0;
    if (st == BSE_SESSION_EBSE)
        fprintf(stderr, "bse: %s: case %s: %s: %s (BSE.py would crash on this config)\n", file, c->case_id,
                err.field, err.msg);
    else
        common_error_print(&err, "bse", stderr);
    bse_result_free(res);
    return st == BSE_SESSION_ENOMEM ? COMMON_EXIT_REJECTED : COMMON_EXIT_USAGE;
}

static int cmd_list(const char *file)
{
    char **ids;
    size_t n;
    common_error err;
    if (bse_case_list(&ids, &n, file, &err) != BSE_CONFIG_OK) {
        common_error_print(&err, "bse", stderr);
        return COMMON_EXIT_USAGE;
    }
    for (size_t i = 0; i < n; i++) {
        printf("%s\n", ids[i]);
        free(ids[i]);
    }
    free(ids);
    return 0;
}

/* --all: every case is loaded and run before anything is written; a write failure
 * removes the files this run already wrote. */
static int run_all(const char *file, const char *out, int want_summary)
{
    char **ids;
    size_t n;
    common_error err;
    if (bse_case_list(&ids, &n, file, &err) != BSE_CONFIG_OK) {
        common_error_print(&err, "bse", stderr);
        return COMMON_EXIT_USAGE;
    }
    bse_case *cases = calloc(n ? n : 1, sizeof *cases);
    bse_result *res = calloc(n ? n : 1, sizeof *res);
    int rc = cases && res ? 0 : COMMON_EXIT_REJECTED;
    if (rc)
        fprintf(stderr, "bse: out of memory\n");
    size_t ran = 0;
    common_progress prog;
    common_progress_init(&prog, 0.1);
    for (size_t i = 0; i < n && rc == 0; i++) {
        common_progress_show(&prog, "bse", "case %zu/%zu %-40.40s", i + 1, n, ids[i]);
        rc = load_and_run(file, ids[i], &cases[i], &res[i]);
        if (rc == 0)
            ran++;
    }
    common_progress_end(&prog);
    size_t written = 0;
    for (size_t i = 0; i < ran && rc == 0; i++) {
        if (bse_result_write_files(&res[i], &cases[i], out, &err)) {
            common_error_print(&err, "bse", stderr);
            rc = COMMON_EXIT_REJECTED;
        } else {
            written++;
        }
    }
    if (rc)
        for (size_t i = 0; i < written; i++)
            bse_result_remove_files(&cases[i], out);
    for (size_t i = 0; i < ran && rc == 0 && want_summary; i++)
        summary(&cases[i], &res[i]);
    for (size_t i = 0; i < ran; i++)
        bse_result_free(&res[i]);
    for (size_t i = 0; i < n; i++)
        free(ids[i]);
    free(ids);
    free(cases);
    free(res);
    return rc;
}

int main(int argc, char **argv)
{
    gsl_set_error_handler_off();
    common_args a;
    common_cli_status st = common_cli_parse(&CLI, &a, argc, argv);
    if (st != COMMON_CLI_RUN)
        return common_cli_exit(st);
    const char *file = a.pos[0];
    if (a.cmd == CMD_LIST)
        return cmd_list(file);
    if (a.given[O_CASE] && a.given[O_ALL])
        return common_cli_usage_error(&CLI, a.cmd, "--case and --all exclude each other");
    const char *out = a.given[O_OUT] ? a.str[O_OUT] : ".";
    if (common_cli_out_dir("bse", out))
        return COMMON_EXIT_USAGE;
    if (a.given[O_ALL])
        return run_all(file, out, a.given[O_SUMMARY]);
    bse_case c;
    bse_result res;
    int rc = load_and_run(file, a.str[O_CASE], &c, &res);
    if (rc)
        return rc;
    common_error err;
    if (bse_result_write_files(&res, &c, out, &err)) {
        common_error_print(&err, "bse", stderr);
        rc = COMMON_EXIT_REJECTED;
    } else if (a.given[O_SUMMARY]) {
        summary(&c, &res);
    }
    bse_result_free(&res);
    return rc;
}
