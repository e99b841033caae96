/* tests/test_bse_golden.c - the C engine reproduces BSE.py v1.91 byte for byte.
 *
 * Every case of tests/golden/manifest.json (16 cases made by BSE.py under CPython
 * 3.11.7, see tests/golden/README.md) is run in memory; each output file's SHA-256,
 * the step count, the final clock and the generator state after the session
 * (random.getrandbits(32)) must equal the manifest's. On a mismatch the outputs
 * are written to build/golden-fail/<case>/ for diffing. A second test runs all
 * cases at once on threads and demands the same digests (sessions share no state). */
#include <criterion/criterion.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <cjson/cJSON.h>

#include "bse/config.h"
#include "bse/session.h"
#include "tests/testutil.h"

static char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *b = malloc((size_t)n + 1);
    if (b && fread(b, 1, (size_t)n, f) != (size_t)n) {
        free(b);
        b = NULL;
    }
    fclose(f);
    if (b) {
        b[n] = '\0';
        *len = (size_t)n;
    }
    return b;
}

static cJSON *manifest_case(cJSON *root, const char *id)
{
    cJSON *c;
    cJSON_ArrayForEach(c, cJSON_GetObjectItem(root, "cases"))
    {
        if (!strcmp(cJSON_GetObjectItem(c, "case_id")->valuestring, id))
            return c;
    }
    return NULL;
}

static const common_buf *file_buf(const bse_result *r, const char *name)
{
    if (strstr(name, "_tape.csv"))
        return &r->tape;
    if (strstr(name, "_avg_balance.csv"))
        return &r->avg_balance;
    if (strstr(name, "_blotters.csv"))
        return &r->blotters;
    if (strstr(name, "_LOB_frames.csv"))
        return &r->lob_frames;
    if (strstr(name, "_strats.csv"))
        return &r->strats;
    return NULL;
}

/* Compares one finished session with its manifest entry; returns the number of
 * mismatches and describes them in msg. */
static int compare_case(const bse_case *bc, const bse_result *res, cJSON *mc, char *msg, size_t cap)
{
    int bad = 0;
    size_t used = 0;
    msg[0] = '\0';
    cJSON *files = cJSON_GetObjectItem(mc, "files"), *f;
    int nfiles = 0;
    cJSON_ArrayForEach(f, files)
    {
        nfiles++;
        const common_buf *b = file_buf(res, f->string);
        char hex[65] = "";
        if (b)
            tu_sha256_hex(hex, b->data ? b->data : "", b->len);
        if (!b || strcmp(hex, cJSON_GetObjectItem(f, "sha256")->valuestring)) {
            bad++;
            used += (size_t)snprintf(msg + used, used < cap ? cap - used : 0, " %s sha256 differs;", f->string);
        }
    }
    /* no file beyond the manifest's: the dump flags select exactly these */
    int produced = bc->dump_tape + bc->dump_avgbals + bc->dump_blotters + bc->dump_lobs + bc->dump_strats;
    if (produced != nfiles) {
        bad++;
        used += (size_t)snprintf(msg + used, used < cap ? cap - used : 0, " %d files selected, manifest has %d;",
                                 produced, nfiles);
    }
    if ((double)res->n_steps != cJSON_GetObjectItem(mc, "n_steps")->valuedouble) {
        bad++;
        used += (size_t)snprintf(msg + used, used < cap ? cap - used : 0, " n_steps %lld;", (long long)res->n_steps);
    }
    if ((double)res->n_trades != cJSON_GetObjectItem(mc, "n_trades")->valuedouble) {
        bad++;
        used += (size_t)snprintf(msg + used, used < cap ? cap - used : 0, " n_trades %lld;", (long long)res->n_trades);
    }
    if (res->final_time != strtod(cJSON_GetObjectItem(mc, "final_time")->valuestring, NULL)) {
        bad++;
        used += (size_t)snprintf(msg + used, used < cap ? cap - used : 0, " final_time %.17g;", res->final_time);
    }
    if ((double)res->rng_after32 != cJSON_GetObjectItem(mc, "rng_after_getrandbits32")->valuedouble) {
        bad++;
        used += (size_t)snprintf(msg + used, used < cap ? cap - used : 0, " rng_after %u;", res->rng_after32);
    }
    return bad;
}

static void dump_failure(const bse_case *bc, const bse_result *res)
{
    char dir[512];
    mkdir("build", 0755);
    mkdir("build/golden-fail", 0755);
    snprintf(dir, sizeof dir, "build/golden-fail/%s", bc->case_id);
    mkdir(dir, 0755);
    common_error err;
    (void)bse_result_write_files(res, bc, dir, &err);
}

static void run_golden(const char *id)
{
    char path[1024];
    tu_path(path, sizeof path, "tests/golden/manifest.json");
    size_t len = 0;
    char *text = slurp(path, &len);
    cr_assert_not_null(text, "cannot read %s", path);
    cJSON *root = cJSON_Parse(text);
    cr_assert_not_null(root);
    cJSON *mc = manifest_case(root, id);
    cr_assert_not_null(mc, "case %s not in manifest", id);

    bse_case bc;
    common_error err;
    cr_assert_eq(bse_case_parse(&bc, text, len, path, id, &err), BSE_CONFIG_OK, "%s: %s: %s", err.path, err.field,
                 err.msg);
    bse_result res;
    cr_assert_eq(bse_session_run(&bc, &res, &err), BSE_SESSION_OK, "%s %s", err.field, err.msg);
    char msg[1024];
    int bad = compare_case(&bc, &res, mc, msg, sizeof msg);
    if (bad)
        dump_failure(&bc, &res);
    cr_expect_eq(bad, 0, "case %s:%s (outputs in build/golden-fail/%s)", id, msg, id);
    bse_result_free(&res);
    cJSON_Delete(root);
    free(text);
}

#define GOLDEN(name, id)                                                                                               \
    Test(bse_golden, name##_reproduces_bse_py_byte_for_byte, .timeout = 120) { run_golden(id); }

GOLDEN(std_s0, "std-s0")
GOLDEN(std_s1, "std-s1")
GOLDEN(std_s2, "std-s2")
GOLDEN(std_s3, "std-s3")
GOLDEN(std_s4, "std-s4")
GOLDEN(std_h1_hex_seed, "std-h1")
GOLDEN(std_h2_hex_seed_leading_zeros, "std-h2")
GOLDEN(lob_s7_lob_frames, "lob-s7")
GOLDEN(modes_drip_fixed, "modes-drip-fixed")
GOLDEN(modes_drip_jitter, "modes-drip-jitter")
GOLDEN(modes_drip_poisson, "modes-drip-poisson")
GOLDEN(modes_jittered, "modes-jittered")
GOLDEN(modes_random_two_ranges, "modes-random")
GOLDEN(asym_s3, "asym-s3")
GOLDEN(adaptive_s5_all_trader_types_and_strats, "adaptive-s5")
GOLDEN(shock_s9_two_zones, "shock-s9")

/* ---- the same cases on threads at once ---- */

typedef struct job {
    bse_case c;
    char tape_hex[65], avg_hex[65];
    uint32_t rng_after;
    int status;
} job;

static void *run_job(void *arg)
{
    job *j = arg;
    bse_result res;
    common_error err;
    j->status = bse_session_run(&j->c, &res, &err);
    tu_sha256_hex(j->tape_hex, res.tape.data ? res.tape.data : "", res.tape.len);
    tu_sha256_hex(j->avg_hex, res.avg_balance.data ? res.avg_balance.data : "", res.avg_balance.len);
    j->rng_after = res.rng_after32;
    bse_result_free(&res);
    return NULL;
}

Test(bse_golden, sessions_on_parallel_threads_give_the_serial_digests, .timeout = 300)
{
    char path[1024];
    tu_path(path, sizeof path, "tests/golden/manifest.json");
    size_t len = 0;
    char *text = slurp(path, &len);
    cr_assert_not_null(text);
    cJSON *root = cJSON_Parse(text);
    static const char *ids[] = {"std-s0", "std-s1", "std-h2", "lob-s7", "modes-drip-poisson", "modes-random",
                                "asym-s3", "shock-s9"};
    enum { N = sizeof ids / sizeof ids[0] };
    job *jobs = calloc(N, sizeof *jobs);
    pthread_t th[N];
    common_error err;
    for (int i = 0; i < N; i++)
        cr_assert_eq(bse_case_parse(&jobs[i].c, text, len, path, ids[i], &err), BSE_CONFIG_OK);
    for (int i = 0; i < N; i++)
        cr_assert_eq(pthread_create(&th[i], NULL, run_job, &jobs[i]), 0);
    for (int i = 0; i < N; i++)
        pthread_join(th[i], NULL);
    for (int i = 0; i < N; i++) {
        cJSON *mc = manifest_case(root, ids[i]);
        cJSON *files = cJSON_GetObjectItem(mc, "files");
        char key[160];
        snprintf(key, sizeof key, "%s_tape.csv", ids[i]);
        cr_expect_eq(jobs[i].status, BSE_SESSION_OK);
        cr_expect_str_eq(jobs[i].tape_hex, cJSON_GetObjectItem(cJSON_GetObjectItem(files, key), "sha256")->valuestring,
                         "%s tape on a thread", ids[i]);
        snprintf(key, sizeof key, "%s_avg_balance.csv", ids[i]);
        cr_expect_str_eq(jobs[i].avg_hex, cJSON_GetObjectItem(cJSON_GetObjectItem(files, key), "sha256")->valuestring,
                         "%s avg_balance on a thread", ids[i]);
        cr_expect_eq((double)jobs[i].rng_after, cJSON_GetObjectItem(mc, "rng_after_getrandbits32")->valuedouble);
    }
    free(jobs);
    cJSON_Delete(root);
    free(text);
}

Test(bse_golden, final_line_equals_last_avg_balance_line)
{
    char path[1024];
    tu_path(path, sizeof path, "tests/golden/manifest.json");
    bse_case bc;
    common_error err;
    cr_assert_eq(bse_case_load(&bc, path, "std-s0", &err), BSE_CONFIG_OK);
    bse_result res;
    cr_assert_eq(bse_session_run(&bc, &res, &err), BSE_SESSION_OK);
    cr_assert(res.avg_balance.len >= res.final_line.len);
    cr_expect_eq(memcmp(res.avg_balance.data + res.avg_balance.len - res.final_line.len, res.final_line.data,
                        res.final_line.len),
                 0);
    /* spec/bse.md s9 spot check for seed 0: GVWY 212.35, SHVR 184.45, ZIC 299.9, ZIP 185.4 */
    cr_assert_eq(res.n_types, 4);
    cr_expect_str_eq(res.types[0].name, "GVWY");
    cr_expect_float_eq(res.types[0].mean, 212.35, 1e-9);
    cr_expect_float_eq(res.types[1].mean, 184.45, 1e-9);
    cr_expect_float_eq(res.types[2].mean, 299.9, 1e-9);
    cr_expect_float_eq(res.types[3].mean, 185.4, 1e-9);
    cr_expect_eq(res.n_trades, 418);
    cr_expect(strncmp(res.tape.data, "TRD, 30.262500, 139\n", 20) == 0);
    bse_result_free(&res);
}
