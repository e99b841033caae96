/* experiments/e8_determinism_main.c - E8, determinism: the same digests across compilers,
 * optimisation levels and thread counts?
 *   e8_determinism digests  every golden case (tests/golden/manifest.json) run by this
 *                           build: SHA-256 over all its output buffers, and whether each
 *                           file's SHA-256 equals the manifest's (BSE.py's bytes); then
 *                           attempts of the alpha template (pre-hash SHA-256("bse-pouw/E8"
 *                           || 0 || seed), 4 sessions) on 1, 2 and 4 threads: outcome digest
 *                           and pps_micro. Writes e8_digests.csv.
 *   e8_determinism matrix NAME=BINDIR...  runs BINDIR/e8_determinism digests of each build
 *                           (the first is the reference), reads their CSVs back (libcsv)
 *                           and writes determinism.csv: build, case, threads, digest, equal
 *                           (to the reference build on 1 thread).
 * The builds themselves are made by `make results` (mk/results.mk). Deterministic. */
#include <cjson/cJSON.h>
#include <gsl/gsl_errno.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bse/session.h"
#include "chain/params.h"
#include "experiments/driver.h"
#include "experiments/forge.h"
#include "experiments/model.h"
#include "experiments/mpi.h"
#include "pouw/sha256.h"
#include "pouw/work.h"

extern char **environ;

enum { E8_QUOTED = 8192 }; /* room for --golden's path quoted into a sidecar's config */

static void hex(char out[65], const uint8_t d[32])
{
    for (int i = 0; i < 32; i++)
        snprintf(out + 2 * i, 3, "%02x", d[i]);
}

static const char *manifest_sha(const cJSON *man, const char *cid, const char *file)
{
    const cJSON *cases = cJSON_GetObjectItemCaseSensitive(man, "cases"), *c;
    cJSON_ArrayForEach(c, cases)
    {
        const cJSON *id = cJSON_GetObjectItemCaseSensitive(c, "case_id");
        if (!cJSON_IsString(id) || strcmp(id->valuestring, cid))
            continue;
        const cJSON *f = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(c, "files"), file);
        const cJSON *s = cJSON_GetObjectItemCaseSensitive(f, "sha256");
        return cJSON_IsString(s) ? s->valuestring : NULL;
    }
    return NULL;
}

static int digests(experiments_run *r, const char *golden, const char *qgolden, uint64_t lo, uint64_t hi,
                   common_error *err)
{
    static const char *const COLS[] = {"case", "threads", "digest", "pps_micro", "matches_bsepy"};
    experiments_table t;
    experiments_table_init(&t, COLS, sizeof COLS / sizeof COLS[0]);
    char **ids = NULL;
    size_t n = 0;
    if (bse_case_list(&ids, &n, golden, err) != BSE_CONFIG_OK)
        return -1;
    FILE *f = fopen(golden, "rb");
    char *txt = NULL;
    long len = 0;
    if (f && fseek(f, 0, SEEK_END) == 0 && (len = ftell(f)) > 0 && fseek(f, 0, SEEK_SET) == 0 &&
        (txt = malloc((size_t)len + 1)) && fread(txt, 1, (size_t)len, f) == (size_t)len)
        txt[len] = '\0';
    if (f)
        fclose(f);
    cJSON *man = txt ? cJSON_Parse(txt) : NULL;
    free(txt);
    int fail = 0;
    for (size_t i = 0; i < n && !fail; i++) {
        bse_case c;
        bse_result res;
        if (bse_case_load(&c, golden, ids[i], err) != BSE_CONFIG_OK || bse_session_run(&c, &res, err) != BSE_SESSION_OK) {
            fail = 1;
            break;
        }
        const common_buf *bufs[] = {&res.tape, &res.avg_balance, &res.blotters, &res.lob_frames, &res.strats, &res.final_line};
        static const char *const KIND[] = {"tape", "avg_balance", "blotters", "LOB_frames", "strats", NULL};
        uint8_t all[6 * 32], d[32];
        int match = 1, checked = 0;
        for (int k = 0; k < 6; k++) {
            if (pouw_sha256(all + 32 * k, bufs[k]->data, bufs[k]->len) != POUW_OK)
                fail = 1;
            if (KIND[k] && man) {
                char fn[200], hx[65];
                snprintf(fn, sizeof fn, "%s_%s.csv", ids[i], KIND[k]);
                const char *want = manifest_sha(man, ids[i], fn);
                if (want) {
                    hex(hx, all + 32 * k);
                    checked++;
                    match &= !strcmp(hx, want);
                }
            }
        }
        char hx[65];
        if (pouw_sha256(d, all, sizeof all) != POUW_OK)
            fail = 1;
        hex(hx, d);
        experiments_table_str(&t, ids[i]);
        experiments_table_int(&t, 1);
        experiments_table_str(&t, hx);
        experiments_table_str(&t, "");
        experiments_table_str(&t, checked ? (match ? "1" : "0") : "");
        experiments_table_end(&t);
        bse_result_free(&res);
        experiments_progress(r, "E8 golden %zu/%zu", i + 1, n);
    }
    cJSON_Delete(man);
    for (size_t i = 0; i < n; i++)
        free(ids[i]);
    free(ids);
    const chain_params *p = chain_params_by_name("alpha");
    pouw_work w = chain_params_work(p);
    static const unsigned TH[] = {1, 2, 4};
    pouw_attempt *at = malloc(sizeof *at);
    if (!at)
        fail = 1;
    for (uint64_t s = lo; s < hi && !fail; s++)
        for (int k = 0; k < 3 && !fail; k++) {
            uint8_t pre[32];
            char name[64], hx[65];
            if (experiments_attempt_prehash(pre, "bse-pouw/E8", 0, s) ||
                pouw_attempt_run(at, err, &w, pre, 4, TH[k]) != POUW_OK) {
                fail = 1;
                break;
            }
            snprintf(name, sizeof name, "attempt-%llu", (unsigned long long)s);
            hex(hx, at->post_hash);
            experiments_table_str(&t, name);
            experiments_table_int(&t, TH[k]);
            experiments_table_str(&t, hx);
            experiments_table_int(&t, at->pps_micro);
            experiments_table_str(&t, "");
            experiments_table_end(&t);
            experiments_progress(r, "E8 attempt %llu threads %u", (unsigned long long)s, TH[k]);
        }
    free(at);
    common_progress_end(&r->progress);
    char seeds[64], cfg[E8_QUOTED + 100];
    snprintf(seeds, sizeof seeds, "golden + attempts %llu:%llu", (unsigned long long)lo, (unsigned long long)hi);
    snprintf(cfg, sizeof cfg, "{\"golden\": %s, \"attempt_sessions\": 4, \"threads\": [1, 2, 4]}", qgolden);
    int rc = fail ? -1
                  : experiments_table_write(&t, r->out, "e8_digests.csv", err) ||
                        experiments_sidecar_write(r, r->out, "e8_digests.csv", seeds, cfg, 1, err);
    if (fail && !err->msg[0])
        common_error_set(err, -1, "", "", "out of memory");
    experiments_table_clear(&t);
    return rc ? -1 : 0;
}

static int matrix(experiments_run *r, const common_args *a, const char *golden, const char *qgolden, uint64_t lo,
                  uint64_t hi, common_error *err)
{
    char tmp[256];
    snprintf(tmp, sizeof tmp, "/tmp/bse_pouw_e8_XXXXXX");
    if (!mkdtemp(tmp))
        return common_error_set(err, -1, "/tmp", "", "cannot make a temporary folder"), -1;
    static const char *const COLS[] = {"build", "case", "threads", "digest", "pps_micro", "matches_bsepy", "equal"};
    experiments_table t;
    experiments_table_init(&t, COLS, sizeof COLS / sizeof COLS[0]);
    experiments_csv ref;
    memset(&ref, 0, sizeof ref);
    int fail = 0;
    char builds[4096] = "";
    for (int b = 0; b < a->n_pos && !fail; b++) {
        const char *eq = strchr(a->pos[b], '=');
        if (!eq) {
            common_error_set(err, -1, a->pos[b], "", "expected NAME=BINDIR");
            fail = 1;
            break;
        }
        char name[128], prog[4096], out[512], seeds[64];
        snprintf(name, sizeof name, "%.*s", (int)(eq - a->pos[b]), a->pos[b]);
        snprintf(prog, sizeof prog, "%s/e8_determinism", eq + 1);
        snprintf(out, sizeof out, "%s/%d", tmp, b);
        snprintf(seeds, sizeof seeds, "%llu:%llu", (unsigned long long)lo, (unsigned long long)hi);
        char qn[800];
        size_t l = strlen(builds);
        if (experiments_json_quote(qn, sizeof qn, name) ||
            snprintf(builds + l, sizeof builds - l, "%s%s", b ? ", " : "", qn) >= (int)(sizeof builds - l)) {
            common_error_set(err, -1, a->pos[b], "", "too many builds, or too long a name, for the sidecar");
            fail = 1;
            break;
        }
        char *argv[] = {prog, "digests", "--golden", (char *)golden, "--seeds", seeds, "--out", out, NULL};
        pid_t pid;
        int status = 0;
        experiments_progress(r, "E8 matrix: build %s", name);
        if (posix_spawn(&pid, prog, NULL, NULL, argv, environ) != 0 || waitpid(pid, &status, 0) < 0 ||
            !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
            common_error_set(err, -1, prog, "", "the build's digests run failed");
            fail = 1;
            break;
        }
        char csvp[600];
        snprintf(csvp, sizeof csvp, "%s/e8_digests.csv", out);
        experiments_csv c;
        if (experiments_csv_read(&c, csvp, err)) {
            experiments_csv_clear(&c);
            fail = 1;
            break;
        }
        int cc = experiments_csv_col(&c, "case"), ct = experiments_csv_col(&c, "threads"),
            cd = experiments_csv_col(&c, "digest"), cp = experiments_csv_col(&c, "pps_micro"),
            cm = experiments_csv_col(&c, "matches_bsepy");
        for (size_t row = 0; row < c.nrows; row++) {
            const char *cs = experiments_csv_cell(&c, row, cc), *dg = experiments_csv_cell(&c, row, cd);
            const char *want = NULL;
            const experiments_csv *rf = b == 0 ? &c : &ref;
            for (size_t q = 0; q < rf->nrows; q++)
                if (!strcmp(experiments_csv_cell(rf, q, cc), cs) && !strcmp(experiments_csv_cell(rf, q, ct), "1"))
                    want = experiments_csv_cell(rf, q, cd);
            experiments_table_str(&t, name);
            experiments_table_str(&t, cs);
            experiments_table_str(&t, experiments_csv_cell(&c, row, ct));
            experiments_table_str(&t, dg);
            experiments_table_str(&t, experiments_csv_cell(&c, row, cp));
            experiments_table_str(&t, experiments_csv_cell(&c, row, cm));
            experiments_table_int(&t, want && !strcmp(want, dg));
            experiments_table_end(&t);
        }
        if (b == 0)
            ref = c;
        else
            experiments_csv_clear(&c);
    }
    common_progress_end(&r->progress);
    experiments_csv_clear(&ref);
    experiments_rmtree(tmp);
    char cfg[4096 + E8_QUOTED + 200], seeds[64];
    snprintf(cfg, sizeof cfg, "{\"builds\": [%s], \"reference\": \"the first build, 1 thread\", \"golden\": %s}",
             builds, qgolden);
    snprintf(seeds, sizeof seeds, "golden + attempts %llu:%llu", (unsigned long long)lo, (unsigned long long)hi);
    int rc = fail ? -1
                  : experiments_table_write(&t, r->out, "determinism.csv", err) ||
                        experiments_sidecar_write(r, r->out, "determinism.csv", seeds, cfg, 1, err);
    experiments_table_clear(&t);
    return rc ? -1 : 0;
}

static const common_cmd CMDS[] = {
    {"digests", "[--golden FILE] [--seeds A:B] [--out DIR]", "Digests of the golden cases and of attempts on 1, 2 and 4 threads (e8_digests.csv).", 0, 0, ""},
    {"matrix", "NAME=BINDIR... [--golden FILE] [--seeds A:B] [--out DIR]",
     "Runs each build's `digests` and writes determinism.csv (equal: against the first build on 1 thread).", 1, 16,
     "NAME=BINDIR"},
};

static const common_opt OPTS[] = {
    EXPERIMENTS_STD_OPTS,
    EXPERIMENTS_OPT("--golden", COMMON_OPT_STR, "FILE", 0, 0, 0, "the golden manifest (default tests/golden/manifest.json)"),
};

static const common_cli CLI = {
    .prog = "e8_determinism",
    .summary = "E8: the same digests across compilers, optimisation levels and thread counts?",
    .description = "Default attempt seeds: quick 0:4, paper 0:100.",
    .cmds = CMDS,
    .n_cmds = 2,
    .opts = OPTS,
    .n_opts = sizeof OPTS / sizeof OPTS[0],
    .footer = EXPERIMENTS_FOOTER,
};

int main(int argc, char **argv)
{
    gsl_set_error_handler_off();
    common_args a;
    experiments_run r;
    int rc;
    if (!experiments_single_start(&CLI, "E8", &argc, &argv, &a, &r, &rc))
        return rc;
    const char *golden = a.given[EXPERIMENTS_OPT_OWN] ? a.str[EXPERIMENTS_OPT_OWN] : "tests/golden/manifest.json";
    uint64_t lo, hi;
    experiments_run_seeds(&r, 0, r.scale == EXPERIMENTS_PAPER ? 100 : 4, &lo, &hi);
    common_error err;
    common_error_clear(&err);
    char qgolden[E8_QUOTED];
    if (experiments_json_quote(qgolden, sizeof qgolden, golden)) {
        common_error_set(&err, -1, golden, "", "too long a path for the sidecar");
        common_error_print(&err, r.prog, stderr);
        experiments_mpi_finalize();
        return COMMON_EXIT_USAGE;
    }
    rc = a.cmd == 0 ? digests(&r, golden, qgolden, lo, hi, &err) : matrix(&r, &a, golden, qgolden, lo, hi, &err);
    if (rc)
        rc = experiments_fail(&r, &err);
    experiments_mpi_finalize();
    return rc;
}
