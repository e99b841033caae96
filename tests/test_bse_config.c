/* tests/test_bse_config.c - the case-file contract: bse/config.h and `bin/bse run`.
 *
 * Bad input (STYLE rule 5): each broken variant of a valid case makes `bse run
 * FILE --out DIR` exit 2 with exactly one stderr line naming the file and the
 * offending field, and writes nothing. Variants are made from the std-s0 case of
 * ../shared/reference/bse_golden/manifest.json (copied below) by editing its JSON
 * tree. The parser is also called directly to check the error record, and
 * bse_case_to_json is checked to round-trip every golden case exactly.
 * The program is found in $BSE_BIN (default "bin"), the repository at $BSE_TOP
 * (default ".").
 */
#include <criterion/criterion.h>

#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <fcntl.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "bse/config.h"

extern char **environ;

/* The std-s0 case of the golden manifest (input keys only). */
static const char STD_S0[] =
    "{\"case_id\": \"std-s0\", \"seed\": 0, \"seed_kind\": \"int\", \"start_time\": 0.0, \"end_time\": 600.0, "
    "\"trader_spec\": {\"buyers\": [[\"ZIC\", 10, null], [\"ZIP\", 10, null], [\"SHVR\", 10, null], "
    "[\"GVWY\", 10, null]], \"sellers\": [[\"ZIC\", 10, null], [\"ZIP\", 10, null], [\"SHVR\", 10, null], "
    "[\"GVWY\", 10, null]], \"proptraders\": []}, \"order_schedule\": {\"sup\": [{\"from\": 0.0, \"to\": 600.0, "
    "\"ranges\": [[50, 150]], \"stepmode\": \"fixed\"}], \"dem\": [{\"from\": 0.0, \"to\": 600.0, \"ranges\": "
    "[[50, 150]], \"stepmode\": \"fixed\"}], \"interval\": 30, \"timemode\": \"periodic\"}, \"dump_flags\": "
    "{\"dump_blotters\": true, \"dump_lobs\": false, \"dump_strats\": false, \"dump_avgbals\": true, "
    "\"dump_tape\": true}}";
#define STD_S0_TAPE_LINES 418 /* manifest: std-s0_tape.csv "lines" */

/* ------------------------------------------------------------ files and folders */

static char tmpdir[256];

/* Memory a test allocates is freed by the suite's fini, so a failing assertion
 * (which leaves the test body early) does not show up as a leak under ASan. */
static void *owned[256];
static int n_owned;

static void *own(void *p)
{
    cr_assert_not_null(p);
    cr_assert_lt(n_owned, 256, "test bug: too many allocations");
    owned[n_owned++] = p;
    return p;
}

static void free_owned(void)
{
    while (n_owned > 0)
        free(owned[--n_owned]);
}

static void make_tmpdir(void)
{
    snprintf(tmpdir, sizeof tmpdir, "/tmp/bse_test_config_XXXXXX");
    cr_assert_not_null(mkdtemp(tmpdir), "mkdtemp: %s", strerror(errno));
}

/* Removes a folder tree (the temp folder holds at most two levels). */
static void remove_tree(const char *path)
{
    struct stat st;
    if (lstat(path, &st) != 0)
        return;
    if (S_ISDIR(st.st_mode)) {
        DIR *d = opendir(path);
        if (d) {
            struct dirent *e;
            while ((e = readdir(d))) {
                if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
                    continue;
                char sub[1024];
                snprintf(sub, sizeof sub, "%s/%s", path, e->d_name);
                remove_tree(sub);
            }
            closedir(d);
        }
        rmdir(path);
    } else {
        unlink(path);
    }
}

static void remove_tmpdir(void)
{
    free_owned();
    if (tmpdir[0])
        remove_tree(tmpdir);
    tmpdir[0] = '\0';
}

TestSuite(bse_config, .init = make_tmpdir, .fini = remove_tmpdir);

static void tmp_path(char *out, size_t cap, const char *name)
{
    int n = snprintf(out, cap, "%s/%s", tmpdir, name);
    cr_assert(n > 0 && (size_t)n < cap);
}

static void write_file(const char *path, const char *data, size_t len)
{
    FILE *f = fopen(path, "wb");
    cr_assert_not_null(f, "cannot write %s", path);
    cr_assert_eq(fwrite(data, 1, len, f), len);
    cr_assert_eq(fclose(f), 0);
}

/* Whole file as a NUL-terminated string (owned); NULL if unreadable. */
static char *read_text(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    size_t cap = 4096, n = 0;
    char *b = malloc(cap);
    cr_assert_not_null(b);
    size_t r;
    while ((r = fread(b + n, 1, cap - n - 1, f)) > 0) {
        n += r;
        if (n + 1 == cap) {
            cap *= 2;
            b = realloc(b, cap);
            cr_assert_not_null(b);
        }
    }
    fclose(f);
    b[n] = '\0';
    if (len)
        *len = n;
    return own(b);
}

/* Number of entries of a folder other than . and ..; -1 if it does not exist. */
static int count_entries(const char *dir, char names[][128], int max)
{
    DIR *d = opendir(dir);
    if (!d)
        return -1;
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d))) {
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
            continue;
        if (names && n < max)
            snprintf(names[n], 128, "%s", e->d_name);
        n++;
    }
    closedir(d);
    return n;
}

static int has_name(char names[][128], int n, const char *name)
{
    for (int i = 0; i < n; i++)
        if (!strcmp(names[i], name))
            return 1;
    return 0;
}

static int count_lines(const char *s)
{
    int n = 0;
    for (; *s; s++)
        n += *s == '\n';
    return n;
}

/* ------------------------------------------------------------ running bin/bse */

typedef struct run_out {
    int status; /* exit code */
    char *out, *err;
} run_out;

#define RUN_TIMEOUT_MS 20000

static const char *bse_program(char *buf, size_t cap)
{
    const char *bin = getenv("BSE_BIN");
    snprintf(buf, cap, "%s/bse", bin && *bin ? bin : "bin");
    return buf;
}

/* Runs bin/bse with args (NULL-terminated), capturing stdout and stderr in files
 * of the temp folder. Asserts that it exited normally (no crash). */
static run_out run_bse(const char *const *args)
{
    char prog[512], outp[300], errp[300];
    bse_program(prog, sizeof prog);
    cr_assert_eq(access(prog, X_OK), 0, "%s is not built (run make, or set BSE_BIN)", prog);
    tmp_path(outp, sizeof outp, ".stdout");
    tmp_path(errp, sizeof errp, ".stderr");
    const char *argv[32];
    int argc = 0;
    argv[argc++] = prog;
    for (; args[argc - 1]; argc++) {
        cr_assert_lt(argc, 31);
        argv[argc] = args[argc - 1];
    }
    argv[argc] = NULL;
    posix_spawn_file_actions_t fa;
    cr_assert_eq(posix_spawn_file_actions_init(&fa), 0);
    cr_assert_eq(posix_spawn_file_actions_addopen(&fa, 1, outp, O_WRONLY | O_CREAT | O_TRUNC, 0644), 0);
    cr_assert_eq(posix_spawn_file_actions_addopen(&fa, 2, errp, O_WRONLY | O_CREAT | O_TRUNC, 0644), 0);
    pid_t pid;
    int rc = posix_spawn(&pid, prog, &fa, NULL, (char *const *)argv, environ);
    posix_spawn_file_actions_destroy(&fa);
    cr_assert_eq(rc, 0, "posix_spawn %s: %s", prog, strerror(rc));
    /* wait, with a watchdog: a hang must fail the test, not stall the suite */
    int ws = 0, waited_ms = 0;
    pid_t w;
    while ((w = waitpid(pid, &ws, WNOHANG)) == 0 && waited_ms < RUN_TIMEOUT_MS) {
        struct timespec ts = {0, 2000000};
        nanosleep(&ts, NULL);
        waited_ms += 2;
    }
    if (w == 0) {
        kill(pid, SIGKILL);
        (void)waitpid(pid, &ws, 0);
        cr_assert_fail("bse %s did not finish within %d ms", argv[1] ? argv[1] : "", RUN_TIMEOUT_MS);
    }
    cr_assert_eq(w, pid);
    run_out r = {0, read_text(outp, NULL), read_text(errp, NULL)};
    cr_assert_not_null(r.out);
    cr_assert_not_null(r.err);
    unlink(outp);
    unlink(errp);
    cr_assert(WIFEXITED(ws), "bse %s did not exit normally (signal %d); stderr: %s", argv[1] ? argv[1] : "",
              WIFSIGNALED(ws) ? WTERMSIG(ws) : 0, r.err);
    r.status = WEXITSTATUS(ws);
    return r;
}

/* ------------------------------------------------------------ making variants */

/* Node at a dotted path ("trader_spec.buyers.0.1"; numbers index arrays).
 * With parent_out, returns the parent and leaves the last segment in last. */
static cJSON *walk(cJSON *root, const char *path, cJSON **parent_out, char *last, size_t lastcap)
{
    char buf[256];
    snprintf(buf, sizeof buf, "%s", path);
    cJSON *node = root, *parent = NULL;
    char *save = NULL;
    const char *seg = NULL;
    for (char *t = strtok_r(buf, ".", &save); t; t = strtok_r(NULL, ".", &save)) {
        parent = node;
        seg = t;
        if (cJSON_IsArray(node))
            node = cJSON_GetArrayItem(node, atoi(t));
        else
            node = cJSON_GetObjectItemCaseSensitive(node, t);
        if (!node && strtok_r(NULL, ".", &save) == NULL) /* only the last segment may be absent */
            break;
        cr_assert_not_null(node, "test bug: no %s in the base case", path);
    }
    if (parent_out)
        *parent_out = parent;
    if (last)
        snprintf(last, lastcap, "%s", seg ? seg : "");
    return node;
}

static cJSON *base_case(void)
{
    cJSON *root = cJSON_Parse(STD_S0);
    cr_assert_not_null(root);
    return root;
}

static void set_in(cJSON *root, const char *path, const char *json_value)
{
    cJSON *parent, *v = cJSON_Parse(json_value);
    char last[64];
    cr_assert_not_null(v, "test bug: bad JSON value %s", json_value);
    cJSON *old = walk(root, path, &parent, last, sizeof last);
    if (cJSON_IsArray(parent))
        cr_assert(cJSON_ReplaceItemInArray(parent, atoi(last), v));
    else if (old)
        cr_assert(cJSON_ReplaceItemInObjectCaseSensitive(parent, last, v));
    else
        cr_assert(cJSON_AddItemToObject(parent, last, v));
}

static void del_in(cJSON *root, const char *path)
{
    cJSON *parent;
    char last[64];
    cr_assert_not_null(walk(root, path, &parent, last, sizeof last));
    if (cJSON_IsArray(parent))
        cJSON_DeleteItemFromArray(parent, atoi(last));
    else
        cJSON_DeleteItemFromObjectCaseSensitive(parent, last);
}

static char *print_own(cJSON *root)
{
    char *s = cJSON_PrintUnformatted(root);
    cJSON_Delete(root);
    return own(s);
}

/* The base case with one value replaced (or added) at path (owned). */
static char *variant_set(const char *path, const char *json_value)
{
    cJSON *root = base_case();
    set_in(root, path, json_value);
    return print_own(root);
}

static char *variant_del(const char *path)
{
    cJSON *root = base_case();
    del_in(root, path);
    return print_own(root);
}

/* ------------------------------------------------------------ the bad-input contract */

/* Writes text to <tmp>/<label>.json, runs `bse run FILE --out <tmp>/out_<label>`
 * and asserts: exit 2, exactly one stderr line naming the file, the field and the
 * message part, nothing on stdout, and no file in the output folder. */
static void expect_rejected_text(const char *label, const char *text, size_t len, const char *field,
                                 const char *msg_part)
{
    char file[300], out[300];
    char name[128];
    snprintf(name, sizeof name, "%s.json", label);
    tmp_path(file, sizeof file, name);
    snprintf(name, sizeof name, "out_%s", label);
    tmp_path(out, sizeof out, name);
    write_file(file, text, len);
    run_out r = run_bse((const char *[]){"run", file, "--out", out, NULL});
    cr_assert_eq(r.status, 2, "%s: exit %d, want 2; stderr: %s", label, r.status, r.err);
    cr_assert_eq(count_lines(r.err), 1, "%s: want exactly one stderr line, got:\n%s", label, r.err);
    size_t elen = strlen(r.err);
    cr_assert(elen > 0 && r.err[elen - 1] == '\n', "%s: stderr line not terminated: %s", label, r.err);
    cr_assert_not_null(strstr(r.err, file), "%s: stderr does not name the file %s: %s", label, file, r.err);
    if (field)
        cr_assert_not_null(strstr(r.err, field), "%s: stderr does not name the field \"%s\": %s", label, field, r.err);
    if (msg_part)
        cr_assert_not_null(strstr(r.err, msg_part), "%s: stderr lacks \"%s\": %s", label, msg_part, r.err);
    cr_assert_str_empty(r.out, "%s: nothing belongs on stdout: %s", label, r.out);
    int n = count_entries(out, NULL, 0);
    cr_assert(n <= 0, "%s: %d file(s) written into the output folder", label, n);
}

static void expect_rejected(const char *label, char *json, const char *field, const char *msg_part)
{
    expect_rejected_text(label, json, strlen(json), field, msg_part);
}

Test(bse_config, truncated_json_is_rejected_naming_the_line)
{
    size_t len = strlen(STD_S0) / 2;
    expect_rejected_text("truncated", STD_S0, len, "line 1", "malformed JSON");
}

Test(bse_config, empty_file_is_rejected)
{
    expect_rejected_text("empty", "", 0, "line 1", "malformed JSON");
}

Test(bse_config, json_array_at_top_is_rejected)
{
    expect_rejected_text("array", "[1, 2, 3]\n", 10, "(top)", "must be a JSON object");
}

Test(bse_config, missing_case_id_is_rejected)
{
    expect_rejected("no_case_id", variant_del("case_id"), "case_id", "missing");
}

Test(bse_config, seed_of_wrong_type_is_rejected)
{
    expect_rejected("seed_true", variant_set("seed", "true"), "seed", "non-negative integer");
}

Test(bse_config, negative_seed_is_rejected)
{
    expect_rejected("seed_negative", variant_set("seed", "-1"), "seed", "out of range");
    expect_rejected("seed_negative_text", variant_set("seed", "\"-1\""), "seed", "non-negative decimal");
}

Test(bse_config, hex256_seed_with_a_non_hex_digit_is_rejected)
{
    cJSON *root = base_case();
    set_in(root, "seed_kind", "\"hex256\"");
    set_in(root, "seed", "\"3249ef6808624e11d3bb0c595a66569dc60a116dbaff2bb517fd1053e7ff362g\"");
    expect_rejected("seed_hex_bad", print_own(root), "seed", "hex digits");
}

Test(bse_config, end_time_not_after_start_time_is_rejected)
{
    expect_rejected("end_eq_start", variant_set("end_time", "0"), "end_time", "greater than start_time");
    expect_rejected("end_before_start", variant_set("end_time", "-5"), "end_time", "greater than start_time");
}

Test(bse_config, end_time_given_as_a_string_is_rejected)
{
    expect_rejected("end_string", variant_set("end_time", "\"600\""), "end_time", "must be a number");
}

Test(bse_config, a_side_with_one_trader_in_total_is_rejected)
{
    expect_rejected("one_buyer", variant_set("trader_spec.buyers", "[[\"ZIC\", 1, null]]"), "trader_spec.buyers",
                    "one buyer");
}

Test(bse_config, no_sellers_is_rejected)
{
    expect_rejected("no_sellers", variant_set("trader_spec.sellers", "[]"), "trader_spec.sellers", "no sellers");
}

Test(bse_config, negative_trader_count_is_rejected)
{
    expect_rejected("count_negative", variant_set("trader_spec.buyers.0.1", "-3"), "trader_spec.buyers[0][1]",
                    "out of range");
}

Test(bse_config, non_integer_trader_count_is_rejected)
{
    expect_rejected("count_fraction", variant_set("trader_spec.sellers.2.1", "2.5"), "trader_spec.sellers[2][1]",
                    "must be an integer");
}

Test(bse_config, unknown_trader_type_is_rejected)
{
    expect_rejected("type_aa", variant_set("trader_spec.buyers.1.0", "\"AA\""), "trader_spec.buyers[1][0]",
                    "unknown trader type \"AA\"");
}

Test(bse_config, przi_without_params_is_rejected)
{
    expect_rejected("przi_no_params", variant_set("trader_spec.buyers.0", "[\"PRZI\", 10, null]"),
                    "trader_spec.buyers[0]", "s_min and s_max");
}

Test(bse_config, prsh_with_k_1_is_rejected)
{
    expect_rejected("prsh_k1",
                    variant_set("trader_spec.sellers.0", "[\"PRSH\", 10, {\"k\": 1, \"s_min\": -1, \"s_max\": 1}]"),
                    "trader_spec.sellers[0]", "PRSH needs k >= 2");
}

Test(bse_config, prde_with_k_3_is_rejected)
{
    expect_rejected("prde_k3",
                    variant_set("trader_spec.buyers.3", "[\"PRDE\", 10, {\"k\": 3, \"s_min\": -1, \"s_max\": 1}]"),
                    "trader_spec.buyers[3]", "PRDE needs k >= 4");
}

Test(bse_config, zipsh_with_k_1_is_rejected)
{
    expect_rejected("zipsh_k1", variant_set("trader_spec.buyers.1", "[\"ZIPSH\", 10, {\"k\": 1}]"),
                    "trader_spec.buyers[1]", "ZIPSH with params needs k >= 2");
}

Test(bse_config, przi_with_s_min_below_minus_one_is_rejected)
{
    expect_rejected("przi_smin", variant_set("trader_spec.buyers.0", "[\"PRZI\", 10, {\"s_min\": -2, \"s_max\": 1}]"),
                    "trader_spec.buyers[0]", "[-1, 1]");
}

Test(bse_config, zone_schedule_with_a_gap_is_rejected)
{
    expect_rejected("zone_gap",
                    variant_set("order_schedule.sup",
                                "[{\"from\": 0, \"to\": 300, \"ranges\": [[50, 150]], \"stepmode\": \"fixed\"},"
                                " {\"from\": 400, \"to\": 600, \"ranges\": [[50, 150]], \"stepmode\": \"fixed\"}]"),
                    "order_schedule.sup", "time 300 of the session is not within any zone");
}

Test(bse_config, range_with_three_elements_is_rejected)
{
    expect_rejected("range3", variant_set("order_schedule.dem.0.ranges", "[[50, 150, 7]]"),
                    "order_schedule.dem[0].ranges[0]", "[lo, hi]");
}

Test(bse_config, unknown_stepmode_is_rejected)
{
    expect_rejected("stepmode_linear", variant_set("order_schedule.sup.0.stepmode", "\"linear\""),
                    "order_schedule.sup[0].stepmode", "\"fixed\"");
}

Test(bse_config, unknown_timemode_is_rejected)
{
    expect_rejected("timemode_weekly", variant_set("order_schedule.timemode", "\"weekly\""), "order_schedule.timemode",
                    "\"periodic\"");
}

Test(bse_config, zero_interval_is_rejected)
{
    expect_rejected("interval0", variant_set("order_schedule.interval", "0"), "order_schedule.interval", "positive");
}

Test(bse_config, missing_dump_flag_is_rejected)
{
    expect_rejected("no_dump_tape", variant_del("dump_flags.dump_tape"), "dump_flags.dump_tape", "missing");
}

Test(bse_config, dump_flag_given_as_a_number_is_rejected)
{
    expect_rejected("dump_flag_1", variant_set("dump_flags.dump_blotters", "1"), "dump_flags.dump_blotters",
                    "true or false");
}

Test(bse_config, deeply_nested_json_is_rejected_without_crashing)
{
    size_t n = 100000;
    char *deep = own(malloc(n));
    memset(deep, '[', n);
    expect_rejected_text("deep", deep, n, NULL, "nested deeper");
    /* the same depth inside a case, with objects */
    for (size_t i = 0; i < n; i++)
        deep[i] = (i % 2) ? '[' : '{';
    expect_rejected_text("deep_mixed", deep, n, NULL, "nested deeper");
}

/* A manifest holding std-s0 and a second case (optionally broken). */
static char *two_case_manifest(const char *second_buyers)
{
    cJSON *m = cJSON_CreateObject(), *cases = cJSON_AddArrayToObject(m, "cases");
    cJSON_AddItemToArray(cases, base_case());
    cJSON *b = base_case();
    set_in(b, "case_id", "\"second\"");
    if (second_buyers)
        set_in(b, "trader_spec.buyers", second_buyers);
    cJSON_AddItemToArray(cases, b);
    return print_own(m);
}

Test(bse_config, manifest_with_two_cases_needs_case)
{
    expect_rejected("two_cases", two_case_manifest(NULL), "cases", "--case");
}

Test(bse_config, case_naming_a_missing_case_is_rejected)
{
    char file[300], out[300];
    tmp_path(file, sizeof file, "manifest.json");
    tmp_path(out, sizeof out, "out");
    char *m = two_case_manifest(NULL);
    write_file(file, m, strlen(m));
    run_out r = run_bse((const char *[]){"run", file, "--case", "nosuch", "--out", out, NULL});
    cr_assert_eq(r.status, 2, "stderr: %s", r.err);
    cr_assert_eq(count_lines(r.err), 1, "%s", r.err);
    cr_assert_not_null(strstr(r.err, file), "%s", r.err);
    cr_assert_not_null(strstr(r.err, "no case with case_id \"nosuch\""), "%s", r.err);
    cr_assert(count_entries(out, NULL, 0) <= 0);
}

Test(bse_config, errors_inside_a_manifest_name_the_case_index)
{
    char file[300], out[300];
    tmp_path(file, sizeof file, "manifest.json");
    tmp_path(out, sizeof out, "out");
    char *m = two_case_manifest("[[\"ZIC\", 1, null]]");
    write_file(file, m, strlen(m));
    run_out r = run_bse((const char *[]){"run", file, "--case", "second", "--out", out, NULL});
    cr_assert_eq(r.status, 2, "stderr: %s", r.err);
    cr_assert_eq(count_lines(r.err), 1, "%s", r.err);
    cr_assert_not_null(strstr(r.err, "cases[1].trader_spec.buyers"), "%s", r.err);
    cr_assert(count_entries(out, NULL, 0) <= 0);
}

Test(bse_config, missing_input_file_is_rejected_naming_it)
{
    char file[300], out[300];
    tmp_path(file, sizeof file, "does_not_exist.json");
    tmp_path(out, sizeof out, "out");
    run_out r = run_bse((const char *[]){"run", file, "--out", out, NULL});
    cr_assert_eq(r.status, 2, "stderr: %s", r.err);
    cr_assert_eq(count_lines(r.err), 1, "%s", r.err);
    cr_assert_not_null(strstr(r.err, file), "%s", r.err);
    cr_assert_not_null(strstr(r.err, "cannot open"), "%s", r.err);
}

/* ------------------------------------------------------------ the program's other promises */

Test(bse_config, help_prints_usage_on_stdout_and_exits_0)
{
    run_out r = run_bse((const char *[]){"--help", NULL});
    cr_assert_eq(r.status, 0);
    cr_assert_eq(strncmp(r.out, "Usage: bse run FILE.json", 24), 0, "stdout: %s", r.out);
    cr_assert_not_null(strstr(r.out, "--out DIR"));
    cr_assert_str_empty(r.err);
}

Test(bse_config, unknown_option_exits_2_naming_it)
{
    char file[300];
    tmp_path(file, sizeof file, "std-s0.json");
    write_file(file, STD_S0, strlen(STD_S0));
    run_out r = run_bse((const char *[]){"run", file, "--frobnicate", NULL});
    cr_assert_eq(r.status, 2, "stderr: %s", r.err);
    cr_assert_not_null(strstr(r.err, "unknown option --frobnicate"), "%s", r.err);
    cr_assert_str_empty(r.out);
}

Test(bse_config, missing_command_or_file_is_a_usage_error)
{
    run_out r = run_bse((const char *[]){NULL});
    cr_assert_eq(r.status, 2);
    cr_assert_not_null(strstr(r.err, "missing command"), "%s", r.err);
    r = run_bse((const char *[]){"run", NULL});
    cr_assert_eq(r.status, 2);
    cr_assert_not_null(strstr(r.err, "missing FILE"), "%s", r.err);
}

Test(bse_config, valid_run_writes_exactly_the_files_its_dump_flags_select)
{
    char file[300], out[300];
    tmp_path(file, sizeof file, "std-s0.json");
    tmp_path(out, sizeof out, "out");
    write_file(file, STD_S0, strlen(STD_S0));
    run_out r = run_bse((const char *[]){"run", file, "--out", out, NULL});
    cr_assert_eq(r.status, 0, "stderr: %s", r.err);
    cr_assert_str_empty(r.err);
    char names[8][128];
    int n = count_entries(out, names, 8);
    cr_assert_eq(n, 3, "want the tape, avg_balance and blotters files only, found %d entries", n);
    cr_assert(has_name(names, n, "std-s0_tape.csv"));
    cr_assert(has_name(names, n, "std-s0_avg_balance.csv"));
    cr_assert(has_name(names, n, "std-s0_blotters.csv"));
    char tape[400];
    snprintf(tape, sizeof tape, "%s/std-s0_tape.csv", out);
    char *t = read_text(tape, NULL);
    cr_assert_not_null(t);
    cr_assert_eq(count_lines(t), STD_S0_TAPE_LINES, "std-s0 tape lines (golden manifest: %d)", STD_S0_TAPE_LINES);
}

Test(bse_config, other_dump_flags_select_other_files)
{
    char file[300], out[300];
    tmp_path(file, sizeof file, "short.json");
    tmp_path(out, sizeof out, "out");
    cJSON *root = base_case();
    set_in(root, "case_id", "\"short\"");
    set_in(root, "end_time", "60");
    set_in(root, "dump_flags",
           "{\"dump_blotters\": false, \"dump_lobs\": true, \"dump_strats\": false, \"dump_avgbals\": false,"
           " \"dump_tape\": false}");
    char *j = print_own(root);
    write_file(file, j, strlen(j));
    run_out r = run_bse((const char *[]){"run", file, "--out", out, NULL});
    cr_assert_eq(r.status, 0, "stderr: %s", r.err);
    char names[8][128];
    int n = count_entries(out, names, 8);
    cr_assert_eq(n, 1, "found %d entries", n);
    cr_assert(has_name(names, n, "short_LOB_frames.csv"), "found %s", names[0]);
}

Test(bse_config, no_dump_flags_write_no_files)
{
    char file[300], out[300];
    tmp_path(file, sizeof file, "quiet.json");
    tmp_path(out, sizeof out, "out");
    cJSON *root = base_case();
    set_in(root, "end_time", "30");
    set_in(root, "dump_flags",
           "{\"dump_blotters\": false, \"dump_lobs\": false, \"dump_strats\": false, \"dump_avgbals\": false,"
           " \"dump_tape\": false}");
    char *j = print_own(root);
    write_file(file, j, strlen(j));
    run_out r = run_bse((const char *[]){"run", file, "--out", out, NULL});
    cr_assert_eq(r.status, 0, "stderr: %s", r.err);
    cr_assert_eq(count_entries(out, NULL, 0), 0);
}

Test(bse_config, out_path_that_is_a_regular_file_fails_and_leaves_nothing_behind)
{
    char file[300], out[300];
    tmp_path(file, sizeof file, "std-s0.json");
    tmp_path(out, sizeof out, "not_a_folder");
    write_file(file, STD_S0, strlen(STD_S0));
    write_file(out, "keep\n", 5);
    run_out r = run_bse((const char *[]){"run", file, "--out", out, NULL});
    cr_assert_neq(r.status, 0, "writing into a regular file must fail");
    cr_assert_eq(count_lines(r.err), 1, "%s", r.err);
    cr_assert_not_null(strstr(r.err, out), "stderr does not name the --out path: %s", r.err);
    /* the reason must be the real one, not a stale errno */
    cr_assert_null(strstr(r.err, "Success"), "misleading reason in: %s", r.err);
    char *keep = read_text(out, NULL);
    cr_assert_not_null(keep);
    cr_assert_str_eq(keep, "keep\n", "the regular file was changed");
    char names[8][128];
    int n = count_entries(tmpdir, names, 8);
    cr_assert_eq(n, 2, "only the input and the regular file may be in the folder, found %d entries", n);
}

/* ------------------------------------------------------------ the parser, called directly */

static bse_config_status parse_text(bse_case *c, const char *json, const char *case_id, common_error *err)
{
    memset(c, 0x5a, sizeof *c);
    return bse_case_parse(c, json, strlen(json), "cases/x.json", case_id, err);
}

static void assert_zeroed(const bse_case *c)
{
    static const bse_case zero;
    cr_assert(memcmp(c, &zero, sizeof zero) == 0, "the case must be zeroed after an error");
}

static void expect_parse_error(const char *json, bse_config_status code, const char *field, const char *msg_part)
{
    bse_case c;
    common_error err;
    bse_config_status st = parse_text(&c, json, NULL, &err);
    cr_assert_eq(st, code, "status %d, want %d (%s: %s)", st, code, err.field, err.msg);
    cr_assert_eq(err.code, (int)code);
    cr_assert_str_eq(err.path, "cases/x.json");
    cr_assert_str_eq(err.field, field);
    cr_assert_not_null(strstr(err.msg, msg_part), "message \"%s\" lacks \"%s\"", err.msg, msg_part);
    assert_zeroed(&c);
}

Test(bse_config, parse_error_record_names_path_field_and_reason)
{
    expect_parse_error(variant_set("trader_spec.buyers", "[[\"ZIC\", 1, null]]"), BSE_CONFIG_EFIELD,
                       "trader_spec.buyers", "one buyer");
    expect_parse_error(variant_set("trader_spec.buyers.2.1", "2.5"), BSE_CONFIG_EFIELD,
                       "trader_spec.buyers[2][1]", "must be an integer");
    expect_parse_error(variant_set("order_schedule.sup.0.stepmode", "\"linear\""), BSE_CONFIG_EFIELD,
                       "order_schedule.sup[0].stepmode", "\"jittered\"");
    expect_parse_error(variant_del("dump_flags.dump_tape"), BSE_CONFIG_EFIELD, "dump_flags.dump_tape", "missing");
    expect_parse_error(variant_set("seed", "true"), BSE_CONFIG_EFIELD, "seed", "non-negative");
    expect_parse_error(variant_set("trader_spec.sellers.0", "[\"PRDE\", 10, {\"k\": 3, \"s_min\": 0, \"s_max\": 1}]"),
                       BSE_CONFIG_EFIELD, "trader_spec.sellers[0]", "k >= 4");
    expect_parse_error("{\"case_id\": ", BSE_CONFIG_EJSON, "line 1", "malformed JSON");
    expect_parse_error("{\n\"a\": 1,\n\"b\": }", BSE_CONFIG_EJSON, "line 3", "malformed JSON");
    expect_parse_error("[]", BSE_CONFIG_EFIELD, "(top)", "JSON object");
}

Test(bse_config, parse_rejects_trailing_garbage)
{
    char buf[sizeof STD_S0 + 16];
    snprintf(buf, sizeof buf, "%s x", STD_S0);
    expect_parse_error(buf, BSE_CONFIG_EJSON, "line 1", "malformed JSON");
    snprintf(buf, sizeof buf, "%s \n\t\r\n", STD_S0);
    bse_case c;
    common_error err;
    cr_assert_eq(parse_text(&c, buf, NULL, &err), BSE_CONFIG_OK, "trailing white space is fine: %s", err.msg);
}

Test(bse_config, parse_of_a_manifest_selects_the_case_and_reports_ambiguity)
{
    char *m = two_case_manifest(NULL);
    bse_case c;
    common_error err;
    cr_assert_eq(parse_text(&c, m, NULL, &err), BSE_CONFIG_ECASE);
    cr_assert_str_eq(err.field, "cases");
    cr_assert_not_null(strstr(err.msg, "2 cases"), "%s", err.msg);
    assert_zeroed(&c);
    cr_assert_eq(parse_text(&c, m, "nosuch", &err), BSE_CONFIG_ECASE);
    cr_assert_not_null(strstr(err.msg, "nosuch"), "%s", err.msg);
    cr_assert_eq(parse_text(&c, m, "second", &err), BSE_CONFIG_OK, "%s", err.msg);
    cr_assert_str_eq(c.case_id, "second");
    cr_assert_eq(bse_case_count(&c, BSE_SIDE_BUYERS), 40);
}

Test(bse_config, parse_of_a_valid_case_fills_every_field)
{
    bse_case c;
    common_error err;
    cr_assert_eq(parse_text(&c, STD_S0, NULL, &err), BSE_CONFIG_OK, "%s: %s", err.field, err.msg);
    cr_assert_eq(err.code, 0);
    cr_assert_str_eq(c.case_id, "std-s0");
    cr_assert_eq(c.seed_kind, BSE_SEED_INT);
    cr_assert_str_eq(c.seed_text, "0");
    cr_assert(c.start_time == 0.0 && c.end_time == 600.0);
    cr_assert_eq(c.n_entries[BSE_SIDE_BUYERS], 4);
    cr_assert_eq(c.n_entries[BSE_SIDE_SELLERS], 4);
    cr_assert_eq(c.n_entries[BSE_SIDE_PROPS], 0);
    cr_assert_eq(c.entries[BSE_SIDE_BUYERS][1].type, BSE_T_ZIP);
    cr_assert_eq(c.entries[BSE_SIDE_SELLERS][3].type, BSE_T_GVWY);
    cr_assert_eq(bse_case_count(&c, BSE_SIDE_SELLERS), 40);
    cr_assert_eq(c.n_zones[BSE_SCHED_SUP], 1);
    cr_assert_eq(c.zones[BSE_SCHED_DEM][0].ranges[0].lo, 50);
    cr_assert_eq(c.zones[BSE_SCHED_DEM][0].ranges[0].hi, 150);
    cr_assert(c.interval == 30.0);
    cr_assert_eq(c.timemode, BSE_TIME_PERIODIC);
    cr_assert(c.dump_blotters && !c.dump_lobs && !c.dump_strats && c.dump_avgbals && c.dump_tape);
}

/* A session clock that starts where adding 1/n traders does not change a double
 * never reaches end_time (BSE's `time += timestep` loop, and session.c's copy of
 * it, spin forever): std-s0 with start_time 1e15 has 80 traders, a step of 0.0125
 * and a double spacing of 0.125 there. Validation must refuse such a case rather
 * than let `bse run` hang. */
Test(bse_config, session_clock_that_cannot_advance_is_rejected)
{
    cJSON *root = base_case();
    set_in(root, "start_time", "1e15");
    set_in(root, "end_time", "1000000000000600");
    set_in(root, "order_schedule.sup.0.from", "1e15");
    set_in(root, "order_schedule.sup.0.to", "1000000000000600");
    set_in(root, "order_schedule.dem.0.from", "1e15");
    set_in(root, "order_schedule.dem.0.to", "1000000000000600");
    char *j = print_own(root);
    bse_case c;
    common_error err;
    bse_config_status st = parse_text(&c, j, NULL, &err);
    cr_assert_eq(st, BSE_CONFIG_EFIELD, "a case whose clock cannot advance was accepted (bse run would hang)");
    cr_assert_not_null(strstr(err.field, "time"), "field %s", err.field);
}

/* bse_case_validate checks cases built in code; its field names must be the same
 * JSON paths the parser uses. */
Test(bse_config, validate_names_trader_spec_fields_by_their_json_path)
{
    bse_case c;
    common_error err;
    cr_assert_eq(parse_text(&c, STD_S0, NULL, &err), BSE_CONFIG_OK);
    cr_assert_eq(bse_case_validate(&c, NULL, &err), BSE_CONFIG_OK);
    bse_case bad = c;
    bad.entries[BSE_SIDE_SELLERS][1].n = -1;
    cr_assert_eq(bse_case_validate(&bad, "gen", &err), BSE_CONFIG_EFIELD);
    cr_assert_str_eq(err.path, "gen");
    cr_assert_str_eq(err.field, "trader_spec.sellers[1]");
    bad = c;
    bad.interval = 0;
    cr_assert_eq(bse_case_validate(&bad, NULL, &err), BSE_CONFIG_EFIELD);
    cr_assert_str_eq(err.path, "std-s0", "path defaults to the case id");
    cr_assert_str_eq(err.field, "order_schedule.interval");
    bad = c;
    bad.n_entries[BSE_SIDE_BUYERS] = BSE_MAX_ENTRIES + 1;
    cr_assert_eq(bse_case_validate(&bad, "gen", &err), BSE_CONFIG_EFIELD);
    cr_assert_str_eq(err.field, "trader_spec.buyers", "field \"%s\" is not a JSON path of the case", err.field);
}

/* ------------------------------------------------------------ writing cases back */

static void assert_round_trip(const bse_case *a, const char *what)
{
    char *j1 = own(bse_case_to_json(a));
    bse_case b;
    common_error err;
    cr_assert_eq(bse_case_parse(&b, j1, strlen(j1), "roundtrip", NULL, &err), BSE_CONFIG_OK, "%s: %s: %s\n%s", what,
                 err.field, err.msg, j1);
    cr_assert(memcmp(a, &b, sizeof b) == 0, "%s: the case changed in a JSON round trip:\n%s", what, j1);
    char *j2 = own(bse_case_to_json(&b));
    cr_assert_str_eq(j1, j2, "%s: writing is not deterministic", what);
}

Test(bse_config, every_golden_case_survives_a_json_round_trip)
{
    const char *top = getenv("BSE_TOP");
    char path[600];
    snprintf(path, sizeof path, "%s/../shared/reference/bse_golden/manifest.json", top && *top ? top : ".");
    size_t len;
    char *text = read_text(path, &len);
    if (!text)
        cr_skip_test("no golden manifest at %s", path);
    char **ids;
    size_t n;
    common_error err;
    cr_assert_eq(bse_case_list(&ids, &n, path, &err), BSE_CONFIG_OK, "%s: %s", err.field, err.msg);
    cr_assert_geq(n, 1);
    own(ids);
    for (size_t i = 0; i < n; i++)
        own(ids[i]);
    for (size_t i = 0; i < n; i++) {
        bse_case a;
        cr_assert_eq(bse_case_parse(&a, text, len, path, ids[i], &err), BSE_CONFIG_OK, "case %s: %s: %s", ids[i],
                     err.field, err.msg);
        cr_assert_str_eq(a.case_id, ids[i]);
        assert_round_trip(&a, ids[i]);
    }
}

Test(bse_config, hex_seed_keeps_its_leading_zeros_through_a_round_trip)
{
    cJSON *root = base_case();
    set_in(root, "seed_kind", "\"hex256\"");
    set_in(root, "seed", "\"000000000b3cd2eda9acc80e007e039ee484cd6daac38ce178a78d8c421d8a93\"");
    char *j = print_own(root);
    bse_case c;
    common_error err;
    cr_assert_eq(parse_text(&c, j, NULL, &err), BSE_CONFIG_OK, "%s", err.msg);
    cr_assert_eq(c.seed_kind, BSE_SEED_HEX256);
    cr_assert_str_eq(c.seed_text, "000000000b3cd2eda9acc80e007e039ee484cd6daac38ce178a78d8c421d8a93");
    cr_assert_eq(c.seed_be[63], 0x93);
    cr_assert_eq(c.seed_be[36], 0x0b);
    cr_assert_eq(c.seed_be[35], 0x00);
    assert_round_trip(&c, "hex seed");
}
