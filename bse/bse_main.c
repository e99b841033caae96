/* bse/bse_main.c - `bse`: run BSE market sessions from case files.
 * A thin layer over bse/config.h and bse/session.h. Exit codes: 0 done, 1 the
 * work failed (an output could not be written), 2 usage or bad input (including
 * configs that BSE.py itself would crash on). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <gsl/gsl_errno.h>

#include "bse/config.h"
#include "bse/session.h"

static const char USAGE[] =
    "usage: bse run FILE.json [--case ID | --all] [--out DIR] [--summary]\n"
    "       bse list FILE.json\n"
    "       bse --help\n"
    "\n"
    "Runs Bristol Stock Exchange market sessions with BSE.py v1.91 semantics.\n"
    "FILE is one case object or a manifest with a \"cases\" list, in the format of\n"
    "shared/reference/bse_golden/manifest.json (case_id, seed, seed_kind, start_time,\n"
    "end_time, trader_spec, order_schedule, dump_flags; extra keys ignored).\n"
    "\n"
    "  run       run one case (a manifest needs --case ID, or --all for every case) and\n"
    "            write BSE's files <case_id>_tape.csv, _avg_balance.csv, _blotters.csv,\n"
    "            _LOB_frames.csv, _strats.csv (as the dump_flags select) into DIR\n"
    "  list      print the case ids of FILE, one per line\n"
    "  --case ID the case to run from a manifest\n"
    "  --all     run every case of the file\n"
    "  --out DIR output folder (default: the current directory; created if missing)\n"
    "  --summary print a summary per case on stdout: trades, steps, mean trade price,\n"
    "            final profit per trader type, rng check value\n"
    "\n"
    "Files are written only after a session succeeded, each crash-safely.\n"
    "Exit status: 0 ok, 1 failed to write outputs, 2 usage or bad input.\n";

static int usage_error(const char *msg)
{
    fprintf(stderr, "bse: %s\n(see bse --help)\n", msg);
    return 2;
}

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

static int ensure_dir(const char *dir)
{
    struct stat st;
    if (stat(dir, &st) == 0) {
        if (S_ISDIR(st.st_mode))
            return 0;
        errno = ENOTDIR;
        return -1;
    }
    return mkdir(dir, 0755);
}

static int run_one(const char *file, const char *case_id, const char *out, int want_summary)
{
    bse_case c;
    bse_error err;
    if (bse_case_load(&c, file, case_id, &err) != BSE_CONFIG_OK) {
        bse_error_print(&err, "bse", stderr);
        return 2;
    }
    bse_result res;
    bse_session_status st = bse_session_run(&c, &res, &err);
    if (st != BSE_SESSION_OK) {
        if (st == BSE_SESSION_EBSE)
            fprintf(stderr, "bse: %s: case %s: %s: %s (BSE.py would crash on this config)\n", file, c.case_id,
                    err.field, err.msg);
        else
            bse_error_print(&err, "bse", stderr);
        bse_result_free(&res);
        return st == BSE_SESSION_ENOMEM ? 1 : 2;
    }
    int rc = 0;
    if (bse_result_write_files(&res, &c, out, &err)) {
        bse_error_print(&err, "bse", stderr);
        rc = 1;
    } else if (want_summary) {
        summary(&c, &res);
    }
    bse_result_free(&res);
    return rc;
}

int main(int argc, char **argv)
{
    gsl_set_error_handler_off();
    if (argc < 2)
        return usage_error("missing command");
    if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help")) {
        fputs(USAGE, stdout);
        return 0;
    }
    const char *cmd = argv[1], *file = NULL, *case_id = NULL, *out = ".";
    int all = 0, want_summary = 0;
    for (int i = 2; i < argc; i++) {
        if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
            fputs(USAGE, stdout);
            return 0;
        } else if (!strcmp(argv[i], "--case")) {
            if (++i >= argc)
                return usage_error("--case needs an id");
            case_id = argv[i];
        } else if (!strcmp(argv[i], "--out")) {
            if (++i >= argc)
                return usage_error("--out needs a folder");
            out = argv[i];
        } else if (!strcmp(argv[i], "--all")) {
            all = 1;
        } else if (!strcmp(argv[i], "--summary")) {
            want_summary = 1;
        } else if (argv[i][0] == '-' && argv[i][1]) {
            fprintf(stderr, "bse: unknown option %s\n(see bse --help)\n", argv[i]);
            return 2;
        } else if (!file) {
            file = argv[i];
        } else {
            return usage_error("more than one FILE given");
        }
    }
    if (!file)
        return usage_error("missing FILE.json");
    if (!strcmp(cmd, "list") || all) {
        char **ids;
        size_t n;
        bse_error err;
        if (bse_case_list(&ids, &n, file, &err) != BSE_CONFIG_OK) {
            bse_error_print(&err, "bse", stderr);
            return 2;
        }
        int rc = 0;
        if (!strcmp(cmd, "list")) {
            for (size_t i = 0; i < n; i++)
                printf("%s\n", ids[i]);
        } else if (!strcmp(cmd, "run")) {
            if (case_id) {
                rc = usage_error("--case and --all exclude each other");
            } else if (ensure_dir(out)) {
                fprintf(stderr, "bse: %s: cannot create output folder: %s\n", out, strerror(errno));
                rc = 2;
            } else {
                int tty = isatty(STDERR_FILENO);
                for (size_t i = 0; i < n && rc == 0; i++) {
                    if (tty) /* progress on a terminal only */
                        fprintf(stderr, "\rbse: case %zu/%zu %-40.40s", i + 1, n, ids[i]);
                    rc = run_one(file, ids[i], out, want_summary);
                }
                if (tty)
                    fprintf(stderr, "\n");
            }
        } else {
            rc = usage_error("unknown command");
        }
        for (size_t i = 0; i < n; i++)
            free(ids[i]);
        free(ids);
        return rc;
    }
    if (strcmp(cmd, "run"))
        return usage_error("unknown command (expected run or list)");
    if (ensure_dir(out)) {
        fprintf(stderr, "bse: %s: cannot create output folder: %s\n", out, strerror(errno));
        return 2;
    }
    return run_one(file, case_id, out, want_summary);
}
