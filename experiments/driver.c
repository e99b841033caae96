/* experiments/driver.c - standard options, CSV tables (libcsv), sidecars, CSV reading.
 * Invariant: a CSV reaches its final name only whole (common_buf_write_file: temp file,
 * fsync, rename); its bytes are a function of the appended values only. */
#include "experiments/driver.h"

#include <cjson/cJSON.h>
#include <csv.h>
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "common/clock.h"

const char *experiments_scale_name(experiments_scale s)
{
    return s == EXPERIMENTS_PAPER ? "paper" : "quick";
}

static int parse_u64(const char *s, size_t n, uint64_t *out)
{
    if (n == 0 || n > 19)
        return -1;
    uint64_t v = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return -1;
        v = v * 10 + (uint64_t)(s[i] - '0');
    }
    *out = v;
    return 0;
}

int experiments_run_start(experiments_run *r, const common_cli *cli, const common_args *a, const char *id,
                          int rank, int ranks)
{
    memset(r, 0, sizeof *r);
    r->prog = cli->prog;
    r->id = id;
    r->rank = rank;
    r->ranks = ranks;
    r->t0 = common_clock_mono_s();
    r->out = a->given[EXPERIMENTS_OPT_OUT] ? a->str[EXPERIMENTS_OPT_OUT] : "results";
    if (a->given[EXPERIMENTS_OPT_SCALE]) {
        const char *s = a->str[EXPERIMENTS_OPT_SCALE];
        if (!strcmp(s, "quick"))
            r->scale = EXPERIMENTS_QUICK;
        else if (!strcmp(s, "paper"))
            r->scale = EXPERIMENTS_PAPER;
        else
            return common_cli_usage_error(cli, a->cmd, "--scale must be quick or paper, got %s", s);
    }
    if (a->given[EXPERIMENTS_OPT_SEEDS]) {
        const char *s = a->str[EXPERIMENTS_OPT_SEEDS];
        const char *colon = strchr(s, ':');
        if (!colon || parse_u64(s, (size_t)(colon - s), &r->seed_lo) ||
            parse_u64(colon + 1, strlen(colon + 1), &r->seed_hi))
            return common_cli_usage_error(cli, a->cmd, "--seeds must be A:B (decimal integers), got %s", s);
        if (r->seed_lo >= r->seed_hi)
            return common_cli_usage_error(cli, a->cmd, "--seeds %s: empty or inverted range (need A < B)", s);
        r->seeds_given = 1;
    }
    long cores = sysconf(_SC_NPROCESSORS_ONLN);
    if (cores < 1)
        cores = 1;
    /* Ranks sharing this node share its cores (OpenMPI names the local size). */
    const char *local = getenv("OMPI_COMM_WORLD_LOCAL_SIZE");
    long per = local ? atol(local) : 1;
    if (per < 1)
        per = 1;
    r->threads = (unsigned)(cores / per > 0 ? cores / per : 1);
    if (a->given[EXPERIMENTS_OPT_THREADS])
        r->threads = (unsigned)a->num[EXPERIMENTS_OPT_THREADS];
    if (rank == 0) {
        int rc = common_cli_out_dir(cli->prog, r->out);
        if (rc)
            return rc;
    }
    common_progress_init(&r->progress, 0.5);
    if (rank != 0)
        r->progress.tty = 0;
    return 0;
}

void experiments_run_seeds(const experiments_run *r, uint64_t lo, uint64_t hi, uint64_t *a, uint64_t *b)
{
    *a = r->seeds_given ? r->seed_lo : lo;
    *b = r->seeds_given ? r->seed_hi : hi;
}

void experiments_table_init(experiments_table *t, const char *const *cols, size_t ncols)
{
    memset(t, 0, sizeof *t);
    t->ncols = ncols;
    for (size_t i = 0; i < ncols; i++)
        experiments_table_str(t, cols[i]);
    experiments_table_end(t);
}

void experiments_table_clear(experiments_table *t)
{
    common_buf_free(&t->buf);
    memset(t, 0, sizeof *t);
}

static void field_sep(experiments_table *t)
{
    if (t->col++ > 0 && common_buf_append(&t->buf, ",", 1))
        t->failed = 1;
}

void experiments_table_str(experiments_table *t, const char *s)
{
    field_sep(t);
    size_t n = strlen(s);
    if (strpbrk(s, ",\"\r\n") == NULL && (n == 0 || (s[0] != ' ' && s[n - 1] != ' '))) {
        if (common_buf_append(&t->buf, s, n))
            t->failed = 1;
        return;
    }
    size_t need = csv_write(NULL, 0, s, n);
    char *q = malloc(need);
    if (!q) {
        t->failed = 1;
        return;
    }
    csv_write(q, need, s, n);
    if (common_buf_append(&t->buf, q, need))
        t->failed = 1;
    free(q);
}

void experiments_table_int(experiments_table *t, int64_t v)
{
    char s[32];
    snprintf(s, sizeof s, "%lld", (long long)v);
    experiments_table_str(t, s);
}

void experiments_table_num(experiments_table *t, double v, int prec)
{
    char s[400];
    if (v != v)
        s[0] = '\0';
    else
        snprintf(s, sizeof s, "%.*f", prec, v);
    experiments_table_str(t, s);
}

void experiments_table_end(experiments_table *t)
{
    if (t->col != t->ncols)
        t->failed = 1;
    if (common_buf_append(&t->buf, "\n", 1))
        t->failed = 1;
    t->col = 0;
}

int experiments_table_write(const experiments_table *t, const char *dir, const char *name, common_error *err)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    if (t->failed)
        return common_error_set(err, -1, path, "", "table incomplete (out of memory or a short row)"), -1;
    if (common_buf_write_file(&t->buf, path))
        return common_error_set(err, -1, path, "", "cannot write: %s", strerror(errno)), -1;
    return 0;
}

int experiments_sidecar_write(const experiments_run *r, const char *dir, const char *csv_name, const char *seeds,
                              const char *config_json, int deterministic, common_error *err)
{
    char name[512], path[4096];
    snprintf(name, sizeof name, "%s", csv_name);
    char *dot = strrchr(name, '.');
    if (dot)
        *dot = '\0';
    snprintf(path, sizeof path, "%s/%s.json", dir, name);
    cJSON *o = cJSON_CreateObject();
    if (!o)
        return common_error_set(err, -1, path, "", "out of memory"), -1;
    cJSON_AddStringToObject(o, "experiment", r->id);
    cJSON_AddStringToObject(o, "file", csv_name);
    cJSON_AddStringToObject(o, "scale", experiments_scale_name(r->scale));
    cJSON_AddStringToObject(o, "seeds", seeds);
    cJSON *cfg = config_json ? cJSON_Parse(config_json) : NULL;
    cJSON_AddItemToObject(o, "config", cfg ? cfg : cJSON_CreateObject());
    cJSON_AddStringToObject(o, "code_version", common_version_commit());
    cJSON_AddStringToObject(o, "toolkit_version", common_version());
#if defined(__clang__)
    cJSON_AddStringToObject(o, "compiler", "clang " __clang_version__);
#elif defined(__GNUC__)
    cJSON_AddStringToObject(o, "compiler", "gcc " __VERSION__);
#else
    cJSON_AddStringToObject(o, "compiler", "unknown");
#endif
    struct utsname u;
    char mach[600];
    if (uname(&u) == 0)
        snprintf(mach, sizeof mach, "%s %s %s, %ld cores", u.nodename, u.sysname, u.machine,
                 sysconf(_SC_NPROCESSORS_ONLN));
    else
        snprintf(mach, sizeof mach, "unknown");
    cJSON_AddStringToObject(o, "machine", mach);
    cJSON_AddNumberToObject(o, "ranks", r->ranks);
    cJSON_AddNumberToObject(o, "threads", r->threads);
    cJSON_AddNumberToObject(o, "wall_s", (double)(int64_t)((common_clock_mono_s() - r->t0) * 1000.0) / 1000.0);
    if (r->checkpoint[0]) /* wall_s is then this run's alone */
        cJSON_AddNumberToObject(o, "resumed_items", (double)r->resumed);
    cJSON_AddBoolToObject(o, "deterministic", deterministic);
    char *txt = cJSON_Print(o);
    cJSON_Delete(o);
    if (!txt)
        return common_error_set(err, -1, path, "", "out of memory"), -1;
    common_buf b = {0};
    int rc = common_buf_append(&b, txt, strlen(txt)) | common_buf_append(&b, "\n", 1);
    free(txt);
    if (rc || common_buf_write_file(&b, path)) {
        common_buf_free(&b);
        return common_error_set(err, -1, path, "", "cannot write: %s", strerror(errno)), -1;
    }
    common_buf_free(&b);
    return 0;
}

/* ---- reading (libcsv's parser) ---- */

typedef struct reader {
    experiments_csv *c;
    char **row;
    size_t nrow, caprow;
    size_t cap_cells;
    int oom;
    size_t bad_line;   /* the first record whose width is not the header's (its line), or 0 */
    size_t bad_fields; /* and its field count */
} reader;

static void on_field(void *s, size_t len, void *data)
{
    reader *rd = data;
    if (rd->oom)
        return;
    if (rd->nrow == rd->caprow) {
        size_t nc = rd->caprow ? 2 * rd->caprow : 16;
        char **nr = realloc(rd->row, nc * sizeof *nr);
        if (!nr) {
            rd->oom = 1;
            return;
        }
        rd->row = nr;
        rd->caprow = nc;
    }
    char *f = malloc(len + 1);
    if (!f) {
        rd->oom = 1;
        return;
    }
    if (len)
        memcpy(f, s, len);
    f[len] = '\0';
    rd->row[rd->nrow++] = f;
}

static void on_row(int ch, void *data)
{
    reader *rd = data;
    experiments_csv *c = rd->c;
    if (rd->oom)
        goto done;
    if (!c->head) {
        c->ncols = rd->nrow;
        c->head = rd->row;
        rd->row = NULL;
        rd->caprow = 0;
        rd->nrow = 0;
        return;
    }
    if (rd->bad_line)
        goto done;
    if (rd->nrow != c->ncols) { /* a cut or damaged record: refused, never padded */
        rd->bad_line = c->nrows + 2;
        rd->bad_fields = rd->nrow;
        goto done;
    }
    if ((c->nrows + 1) * c->ncols > rd->cap_cells) {
        size_t nc = rd->cap_cells ? 2 * rd->cap_cells : 64 * (c->ncols + 1);
        char **n = realloc(c->cells, nc * sizeof *n);
        if (!n) {
            rd->oom = 1;
            goto done;
        }
        c->cells = n;
        rd->cap_cells = nc;
    }
    for (size_t j = 0; j < c->ncols; j++) {
        c->cells[c->nrows * c->ncols + j] = rd->row[j];
        rd->row[j] = NULL;
    }
    c->nrows++;
done:
    for (size_t j = 0; j < rd->nrow; j++)
        free(rd->row[j]);
    rd->nrow = 0;
}

int experiments_csv_read(experiments_csv *c, const char *path, common_error *err)
{
    memset(c, 0, sizeof *c);
    FILE *f = fopen(path, "rb");
    if (!f)
        return common_error_set(err, -1, path, "", "cannot read: %s", strerror(errno)), -1;
    struct csv_parser p;
    if (csv_init(&p, CSV_STRICT | CSV_STRICT_FINI) != 0) {
        fclose(f);
        return common_error_set(err, -1, path, "", "out of memory"), -1;
    }
    reader rd = {c, NULL, 0, 0, 0, 0};
    char buf[65536];
    size_t n;
    int bad = 0;
    while ((n = fread(buf, 1, sizeof buf, f)) > 0) {
        if (csv_parse(&p, buf, n, on_field, on_row, &rd) != n) {
            bad = 1;
            break;
        }
    }
    if (!bad && csv_fini(&p, on_field, on_row, &rd) != 0)
        bad = 1;
    int rerr = ferror(f);
    fclose(f);
    const char *why = bad ? csv_strerror(csv_error(&p)) : NULL;
    csv_free(&p);
    for (size_t j = 0; j < rd.nrow; j++)
        free(rd.row[j]);
    free(rd.row);
    if (!bad && !rerr && !rd.oom && rd.bad_line) {
        char where[48];
        snprintf(where, sizeof where, "line %zu", rd.bad_line);
        common_error_set(err, -1, path, where, "%zu fields, the header has %zu (a cut or damaged record)",
                         rd.bad_fields, c->ncols);
        return -1;
    }
    if (bad || rerr || rd.oom || !c->head) {
        common_error_set(err, -1, path, c->nrows ? "" : "line 1", "%s",
                      bad ? why : rerr ? "read error" : rd.oom ? "out of memory" : "no header row");
        return -1;
    }
    return 0;
}

void experiments_csv_clear(experiments_csv *c)
{
    if (c->head)
        for (size_t j = 0; j < c->ncols; j++)
            free(c->head[j]);
    if (c->cells)
        for (size_t i = 0; i < c->nrows * c->ncols; i++)
            free(c->cells[i]);
    free(c->head);
    free(c->cells);
    memset(c, 0, sizeof *c);
}

int experiments_csv_col(const experiments_csv *c, const char *name)
{
    for (size_t j = 0; j < c->ncols; j++)
        if (!strcmp(c->head[j], name))
            return (int)j;
    return -1;
}

const char *experiments_csv_cell(const experiments_csv *c, size_t row, int col)
{
    if (col < 0 || (size_t)col >= c->ncols || row >= c->nrows)
        return "";
    return c->cells[row * c->ncols + (size_t)col];
}

/* "line N" and the column's name, for a cell's error. */
static void cell_where(char *where, size_t n, const experiments_csv *c, size_t row, int col)
{
    snprintf(where, n, "line %zu: %s", row + 2, col >= 0 && (size_t)col < c->ncols ? c->head[col] : "?");
}

int experiments_csv_int(const experiments_csv *c, const char *path, size_t row, int col, int64_t lo, int64_t hi,
                        int64_t *out, common_error *err)
{
    const char *s = experiments_csv_cell(c, row, col);
    const char *p = s + (*s == '-');
    int ok = *p >= '0' && *p <= '9' && strlen(p) <= 19;
    for (const char *q = p; ok && *q; q++)
        ok = *q >= '0' && *q <= '9';
    long long v = 0;
    if (ok) {
        errno = 0;
        char *end;
        v = strtoll(s, &end, 10);
        ok = errno == 0 && *end == '\0' && v >= lo && v <= hi;
    }
    if (!ok) {
        char where[160];
        cell_where(where, sizeof where, c, row, col);
        return common_error_set(err, -1, path, where, "not an integer in [%lld, %lld]: '%.40s'", (long long)lo,
                                (long long)hi, s);
    }
    *out = v;
    return 0;
}

int experiments_csv_real(const experiments_csv *c, const char *path, size_t row, int col, double lo, double hi,
                         int allow_empty, double *out, common_error *err)
{
    const char *s = experiments_csv_cell(c, row, col);
    if (!*s && allow_empty) {
        *out = NAN;
        return 0;
    }
    char *end = NULL;
    errno = 0;
    double v = *s && !isspace((unsigned char)*s) ? strtod(s, &end) : NAN;
    if (!end || *end || errno == ERANGE || !isfinite(v) || v < lo || v > hi) {
        char where[160];
        cell_where(where, sizeof where, c, row, col);
        return common_error_set(err, -1, path, where, "not a number in [%g, %g]: '%.40s'", lo, hi, s);
    }
    *out = v;
    return 0;
}

static int is_file(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

int experiments_shared_path(char *out, size_t n, const char *rel)
{
    const char *env = getenv("BSE_SHARED");
    if (env && *env) {
        snprintf(out, n, "%s/%s", env, rel);
        return is_file(out);
    }
    char dir[4096];
    ssize_t l = readlink("/proc/self/exe", dir, sizeof dir - 1);
    if (l > 0) {
        dir[l] = '\0';
        for (int up = 0; up < 6; up++) {
            char *slash = strrchr(dir, '/');
            if (!slash || slash == dir)
                break;
            *slash = '\0'; /* dir: the next ancestor */
            snprintf(out, n, "%s/shared/%s", dir, rel);
            if (is_file(out))
                return 1;
        }
    }
    snprintf(out, n, "/work/shared/%s", rel);
    return is_file(out);
}

void experiments_progress(experiments_run *r, const char *fmt, ...)
{
    if (r->rank != 0 || !r->progress.tty)
        return;
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    common_progress_show(&r->progress, r->prog, "%s", msg);
}

int experiments_fail(experiments_run *r, const common_error *err)
{
    common_progress_end(&r->progress);
    common_error_print(err, r->prog, stderr);
    return COMMON_EXIT_REJECTED;
}
