/* experiments/driver.c - standard options, CSV tables (libcsv), sidecars, CSV reading.
 * Invariant: a CSV reaches its final name only whole (common_buf_write_file: temp file,
 * fsync, rename); its bytes are a function of the appended values only. */
#include "experiments/driver.h"

#include <cjson/cJSON.h>
#include <csv.h>
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <spawn.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>
#include <zlib.h>

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

int experiments_gz_path(char *out, size_t cap, const char *path)
{
    int n = snprintf(out, cap, "%s.gz", path);
    return n < 0 || (size_t)n >= cap ? -1 : 0;
}

int experiments_sidecar_path(char *out, size_t cap, const char *path)
{
    size_t l = strlen(path);
    if (l > 7 && !strcmp(path + l - 3, ".gz")) /* X.csv.gz: X.csv kept compressed */
        l -= 3;
    if (l < 4 || l > INT_MAX || strncmp(path + l - 4, ".csv", 4))
        return -1;
    int n = snprintf(out, cap, "%.*s.json", (int)(l - 4), path);
    return n < 0 || (size_t)n >= cap ? -1 : 0;
}

int experiments_table_write(const experiments_table *t, const char *dir, const char *name, common_error *err)
{
    char path[4096], gz[4100];
    if (snprintf(path, sizeof path, "%s/%s", dir, name) >= (int)sizeof path || experiments_gz_path(gz, sizeof gz, path))
        return common_error_set(err, -1, name, "", "path too long under %s", dir), -1;
    if (t->failed)
        return common_error_set(err, -1, path, "", "table incomplete (out of memory or a short row)"), -1;
    if (common_buf_write_file(&t->buf, path))
        return common_error_set(err, -1, path, "", "cannot write: %s", strerror(errno)), -1;
    if (unlink(gz) != 0 && errno != ENOENT)
        return common_error_set(err, -1, gz, "", "cannot remove this older copy of %s: %s", name, strerror(errno)), -1;
    return 0;
}

int experiments_json_quote(char *out, size_t cap, const char *s)
{
    cJSON *j = cJSON_CreateString(s);
    char *txt = j ? cJSON_PrintUnformatted(j) : NULL;
    cJSON_Delete(j);
    int rc = txt && strlen(txt) < cap ? 0 : -1;
    if (cap)
        snprintf(out, cap, "%s", rc ? "" : txt);
    free(txt);
    return rc;
}

int experiments_sidecar_write(const experiments_run *r, const char *dir, const char *csv_name, const char *seeds,
                              const char *config_json, int deterministic, common_error *err)
{
    char csv[4096], path[4096];
    if (snprintf(csv, sizeof csv, "%s/%s", dir, csv_name) >= (int)sizeof csv ||
        experiments_sidecar_path(path, sizeof path, csv))
        return common_error_set(err, -1, csv_name, "", "not a .csv name, or too long a path under %s", dir), -1;
    cJSON *cfg = config_json ? cJSON_Parse(config_json) : cJSON_CreateObject();
    if (!cJSON_IsObject(cfg)) {
        cJSON_Delete(cfg);
        return common_error_set(err, -1, path, "config",
                                config_json ? "not a JSON object (a bug in the driver; no sidecar written)"
                                            : "out of memory"),
               -1;
    }
    cJSON *o = cJSON_CreateObject();
    if (!o)
        return cJSON_Delete(cfg), common_error_set(err, -1, path, "", "out of memory"), -1;
    cJSON_AddStringToObject(o, "experiment", r->id);
    cJSON_AddStringToObject(o, "file", csv_name);
    cJSON_AddStringToObject(o, "scale", experiments_scale_name(r->scale));
    cJSON_AddStringToObject(o, "seeds", seeds);
    cJSON_AddItemToObject(o, "config", cfg);
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
    if (r->reuse) { /* items taken from other runs' checkpoints (--reuse) */
        cJSON_AddNumberToObject(o, "reused_items", (double)r->reused);
        cJSON_AddNumberToObject(o, "reused_items_checked", (double)r->reuse_checked);
        cJSON_AddStringToObject(o, "reused_from", r->reused_from);
    }
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

/* ---- reading (libcsv's parser; zlib's gzread, which passes a plain file through) ---- */

/* The parse in progress: every field's text goes into one arena (NUL-terminated), and
 * rows keep their fields' offsets until the end, when they become pointers. */
typedef struct reader {
    char *text;
    size_t ntext, captext;
    size_t *row; /* the current record's field offsets */
    size_t nrow, caprow;
    size_t *offs; /* the header's then the rows' field offsets, row-major */
    size_t noffs, capoffs;
    size_t ncols, nrows; /* header width (once set), data rows */
    int have_head;
    int oom;
    size_t bad_line;   /* the first record whose width is not the header's (its line), or 0 */
    size_t bad_fields; /* and its field count */
} reader;

static int grow(void **p, size_t *cap, size_t need, size_t size)
{
    if (need <= *cap)
        return 0;
    size_t nc = *cap ? *cap : 64;
    while (nc < need) {
        if (nc > SIZE_MAX / 2 / size)
            return -1;
        nc *= 2;
    }
    void *n = realloc(*p, nc * size);
    if (!n)
        return -1;
    *p = n;
    *cap = nc;
    return 0;
}

static void on_field(void *s, size_t len, void *data)
{
    reader *rd = data;
    if (rd->oom || rd->bad_line)
        return;
    if (grow((void **)&rd->row, &rd->caprow, rd->nrow + 1, sizeof *rd->row) ||
        len > SIZE_MAX - rd->ntext - 1 || grow((void **)&rd->text, &rd->captext, rd->ntext + len + 1, 1)) {
        rd->oom = 1;
        return;
    }
    if (len)
        memcpy(rd->text + rd->ntext, s, len);
    rd->text[rd->ntext + len] = '\0';
    rd->row[rd->nrow++] = rd->ntext;
    rd->ntext += len + 1;
}

static void on_row(int ch, void *data)
{
    (void)ch;
    reader *rd = data;
    if (rd->oom || rd->bad_line)
        goto done;
    if (!rd->have_head) {
        rd->have_head = 1;
        rd->ncols = rd->nrow;
    } else if (rd->nrow != rd->ncols) { /* a cut or damaged record: refused, never padded */
        rd->bad_line = rd->nrows + 2;
        rd->bad_fields = rd->nrow;
        goto done;
    } else {
        rd->nrows++;
    }
    if (grow((void **)&rd->offs, &rd->capoffs, rd->noffs + rd->nrow, sizeof *rd->offs)) {
        rd->oom = 1;
        goto done;
    }
    memcpy(rd->offs + rd->noffs, rd->row, rd->nrow * sizeof *rd->row);
    rd->noffs += rd->nrow;
done:
    rd->nrow = 0;
}

typedef struct csv_parse_state {
    struct csv_parser p;
    reader rd;
    int bad;
} csv_parse_state;

static int parse_begin(csv_parse_state *s)
{
    memset(s, 0, sizeof *s);
    return csv_init(&s->p, CSV_STRICT | CSV_STRICT_FINI);
}

static void parse_feed(csv_parse_state *s, const char *buf, size_t n)
{
    if (!s->bad && !s->rd.oom && !s->rd.bad_line && csv_parse(&s->p, buf, n, on_field, on_row, &s->rd) != n)
        s->bad = 1;
}

/* Ends the parse: c gets the table (0), or err says why (-1: name, "line N" where known).
 * read_error: the source's own failure (a message), or NULL. */
static int parse_end(csv_parse_state *s, experiments_csv *c, const char *name, const char *read_error,
                     common_error *err)
{
    reader *rd = &s->rd;
    if (!s->bad && !read_error && !rd->oom && !rd->bad_line && csv_fini(&s->p, on_field, on_row, rd) != 0)
        s->bad = 1;
    const char *why = s->bad ? csv_strerror(csv_error(&s->p)) : NULL;
    csv_free(&s->p);
    int rc = 0;
    if (read_error) {
        rc = common_error_set(err, -1, name, "", "%s", read_error);
    } else if (!s->bad && !rd->oom && rd->bad_line) {
        char where[48];
        snprintf(where, sizeof where, "line %zu", rd->bad_line);
        rc = common_error_set(err, -1, name, where, "%zu fields, the header has %zu (a cut or damaged record)",
                              rd->bad_fields, rd->ncols);
    } else if (s->bad || rd->oom || !rd->have_head) {
        rc = common_error_set(err, -1, name, rd->nrows ? "" : "line 1", "%s",
                              s->bad ? why : rd->oom ? "out of memory" : "no header row");
    } else {
        size_t cells = rd->ncols + rd->ncols * rd->nrows;
        c->head = malloc((cells ? cells : 1) * sizeof *c->head);
        if (!c->head) {
            rc = common_error_set(err, -1, name, "", "out of memory");
        } else {
            for (size_t i = 0; i < cells; i++)
                c->head[i] = rd->text + rd->offs[i];
            c->cells = c->head + rd->ncols;
            c->ncols = rd->ncols;
            c->nrows = rd->nrows;
            c->text = rd->text;
            rd->text = NULL;
        }
    }
    free(rd->text);
    free(rd->row);
    free(rd->offs);
    return rc;
}

int experiments_csv_parse(experiments_csv *c, const char *name, const char *data, size_t n, common_error *err)
{
    memset(c, 0, sizeof *c);
    csv_parse_state s;
    if (parse_begin(&s) != 0)
        return common_error_set(err, -1, name, "", "out of memory"), -1;
    parse_feed(&s, data, n);
    return parse_end(&s, c, name, NULL, err);
}

/* zlib's message without its "<fd:N>: " prefix (the caller names the file). */
static const char *gz_message(gzFile f, int *zn)
{
    const char *m = gzerror(f, zn);
    const char *p = !strncmp(m, "<fd:", 4) ? strstr(m, ": ") : NULL;
    return p ? p + 2 : m;
}

int experiments_csv_read(experiments_csv *c, const char *path, common_error *err)
{
    memset(c, 0, sizeof *c);
    char gz[4200];
    const char *name = path;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0 && errno == ENOENT && !experiments_gz_path(gz, sizeof gz, path)) { /* kept compressed (SCALE=paper) */
        int fz = open(gz, O_RDONLY | O_CLOEXEC);
        if (fz >= 0) {
            fd = fz;
            name = gz;
        } else {
            errno = ENOENT;
        }
    }
    if (fd < 0)
        return common_error_set(err, -1, path, "", "cannot read: %s", strerror(errno)), -1;
    gzFile f = gzdopen(fd, "rb");
    if (!f) {
        close(fd);
        return common_error_set(err, -1, name, "", "out of memory"), -1;
    }
    csv_parse_state s;
    if (parse_begin(&s) != 0) {
        gzclose(f);
        return common_error_set(err, -1, name, "", "out of memory"), -1;
    }
    char buf[65536], why[200];
    const char *rerr = NULL;
    for (;;) {
        int n = gzread(f, buf, sizeof buf);
        if (n < 0) {
            int zn;
            const char *m = gz_message(f, &zn);
            snprintf(why, sizeof why, "read error: %s%s", zn == Z_ERRNO ? strerror(errno) : m,
                     zn == Z_DATA_ERROR ? " (a damaged .gz file)" : "");
            rerr = why;
            break;
        }
        if (n == 0) {
            int zn;
            const char *m = gz_message(f, &zn);
            if (zn != Z_OK && zn != Z_STREAM_END) { /* e.g. a .gz cut short */
                snprintf(why, sizeof why, "read error: %s (a cut or damaged .gz file)", m);
                rerr = why;
            }
            break;
        }
        parse_feed(&s, buf, (size_t)n);
    }
    if (gzclose(f) != Z_OK && !rerr)
        rerr = "read error";
    return parse_end(&s, c, name, rerr, err);
}

void experiments_csv_clear(experiments_csv *c)
{
    free(c->head);
    free(c->text);
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

void experiments_first_line(char *line, size_t n, const char *path)
{
    line[0] = '\0';
    FILE *f = fopen(path, "rb");
    if (!f)
        return;
    if (!fgets(line, (int)n, f))
        line[0] = '\0';
    fclose(f);
    line[strcspn(line, "\r\n")] = '\0';
}

extern char **environ;

int experiments_spawn_to_files(char *const argv[], char *const env[], const char *out_path, const char *err_path,
                               const char *what, int *status, common_error *err)
{
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 1, out_path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    posix_spawn_file_actions_addopen(&fa, 2, err_path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    pid_t pid;
    int rc = posix_spawn(&pid, argv[0], &fa, NULL, argv, env ? env : environ);
    posix_spawn_file_actions_destroy(&fa);
    if (rc != 0)
        return common_error_set(err, -1, argv[0], "", "cannot run %s: %s", what, strerror(rc)), -1;
    while (waitpid(pid, status, 0) < 0)
        if (errno != EINTR)
            return common_error_set(err, -1, argv[0], "", "lost %s: %s", what, strerror(errno)), -1;
    return 0;
}
