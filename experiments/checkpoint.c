/* experiments/checkpoint.c - a sweep's finished items in an append-only text file. */
#include "experiments/checkpoint.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <zlib.h>

#include "common/buf.h"

#define MAX_VALS (1u << 24) /* values of one item: far above any driver's */

static uint64_t fnv1a(const char *s, size_t n)
{
    uint64_t h = 0xcbf29ce484222325u;
    for (size_t i = 0; i < n; i++) {
        h ^= (unsigned char)s[i];
        h *= 0x100000001b3u;
    }
    return h;
}

/* 16 lowercase hex digits at s. Returns 0 and *out, or -1. */
static int hex16(const char *s, uint64_t *out)
{
    uint64_t v = 0;
    for (int i = 0; i < 16; i++) {
        char ch = s[i];
        int d = ch >= '0' && ch <= '9' ? ch - '0' : ch >= 'a' && ch <= 'f' ? ch - 'a' + 10 : -1;
        if (d < 0)
            return -1;
        v = v << 4 | (uint64_t)d;
    }
    *out = v;
    return 0;
}

/* A decimal size_t at *p (no sign, no leading zeros but "0"), then one space. */
static int dec_field(const char **p, const char *end, size_t *out)
{
    const char *s = *p;
    size_t v = 0;
    if (s >= end || *s < '0' || *s > '9' || (*s == '0' && s + 1 < end && s[1] != ' '))
        return -1;
    for (; s < end && *s >= '0' && *s <= '9'; s++) {
        if (v > (SIZE_MAX - 9) / 10)
            return -1;
        v = v * 10 + (size_t)(*s - '0');
    }
    if (s >= end || *s != ' ')
        return -1;
    *p = s + 1;
    *out = v;
    return 0;
}

/* One item line (without its newline): its item number and values (into a fresh
 * vals), whatever run wrote it. Returns 0 and *k, or -1 with *why. */
static int parse_line(const char *line, size_t len, size_t *k, experiments_vals *v, const char **why)
{
    if (len < 17 || line[len - 17] != ' ') {
        *why = "no check field";
        return -1;
    }
    uint64_t check;
    if (hex16(line + len - 16, &check) || check != fnv1a(line, len - 16)) {
        *why = "check does not match (the line is damaged)";
        return -1;
    }
    const char *p = line, *end = line + len - 16; /* up to and with the space before the check */
    size_t n;
    if (dec_field(&p, end, k) || dec_field(&p, end, &n)) {
        *why = "item or value count is not a decimal number";
        return -1;
    }
    if (n > MAX_VALS || (size_t)(end - p) != n * 17) {
        *why = "value count does not match the values";
        return -1;
    }
    for (size_t j = 0; j < n; j++, p += 17) {
        uint64_t bits;
        if (hex16(p, &bits) || p[16] != ' ') {
            *why = "a value is not 16 hex digits";
            return -1;
        }
        double x;
        memcpy(&x, &bits, sizeof x);
        experiments_vals_push(v, x);
    }
    if (v->oom) {
        *why = "out of memory";
        return -1;
    }
    return 0;
}

/* s->check of item k's values v (when s has one). Returns 0, or -1 with *why (in msg,
 * msg_n bytes) naming the item's segment and seed. */
static int item_checked(const experiments_sweep *s, size_t k, const experiments_vals *v, char *msg, size_t msg_n,
                        const char **why)
{
    size_t g;
    uint64_t seed;
    char what[160];
    if (!s->check)
        return 0;
    experiments_sweep_locate(s->lo, s->hi, k, &g, &seed);
    if (!s->check(s->check_user, g, seed, v, what, sizeof what))
        return 0;
    snprintf(msg, msg_n, "segment %zu seed %llu: %s", g, (unsigned long long)seed, what);
    *why = msg;
    return -1;
}

/* One item line of this run's own checkpoint: parse_line, and the item must be one
 * of s's for this rank, not yet read. */
static int parse_item(const char *line, size_t len, const experiments_sweep *s, size_t *k, experiments_vals *v,
                      char *msg, size_t msg_n, const char **why)
{
    if (parse_line(line, len, k, v, why))
        return -1;
    if (*k >= s->n_items || s->mine[*k] == 0) {
        *why = "item is not one of this run's";
        return -1;
    }
    if (s->mine[*k] == 2) {
        *why = "item appears twice";
        return -1;
    }
    return item_checked(s, *k, v, msg, msg_n, why);
}

/* Takes items done[0..nd) of s back to as they were before a refused file: not loaded,
 * not done. */
static void unload(experiments_sweep *s, const size_t *done, size_t nd)
{
    for (size_t i = 0; i < nd; i++) {
        experiments_vals *v = &s->slots[done[i]];
        free(v->v);
        memset(v, 0, sizeof *v);
        s->mine[done[i]] = 1;
    }
}

/* The error for a header of another run: its first word that differs from this run's
 * (an option, the seeds, the ranks or the code version) beside ours. */
static void first_difference(char *msg, size_t n, const char *theirs, const char *ours)
{
    const char *a = theirs, *b = ours;
    for (;;) {
        size_t la = strcspn(a, " "), lb = strcspn(b, " ");
        if (la != lb || memcmp(a, b, la) || (!a[la]) != (!b[lb])) {
            snprintf(msg, n,
                     "written by another run: it has '%.*s' where this run has '%.*s' (options, seeds, ranks "
                     "and code version must be the same); use another file, or delete it to start again",
                     (int)(la < 80 ? la : 80), la ? a : "(nothing)", (int)(lb < 80 ? lb : 80), lb ? b : "(nothing)");
            return;
        }
        if (!a[la])
            break;
        a += la + 1;
        b += lb + 1;
    }
    snprintf(msg, n, "written by another run; use another file, or delete it to start again");
}

int experiments_checkpoint_parse(FILE *f, const char *path, const char *run, experiments_sweep *s, long *good_len,
                                 size_t *loaded, int *torn, common_error *err)
{
    *good_len = 0;
    *loaded = 0;
    *torn = 0;
    char *line = NULL;
    size_t cap = 0, lineno = 0;
    long off = 0;
    ssize_t got;
    int rc = 0;
    const char *why = NULL;
    char msg[400];
    size_t *done = NULL, nd = 0, dcap = 0; /* items marked, undone on failure */
    while ((got = getline(&line, &cap, f)) > 0) {
        lineno++;
        size_t len = (size_t)got;
        if (line[len - 1] != '\n') { /* the writer stopped mid-line */
            if (lineno == 1) { /* only a cut header of this run's may be dropped */
                size_t ml = strlen(EXPERIMENTS_CHECKPOINT_MAGIC), rl = strlen(run);
                int prefix = len <= ml ? !memcmp(line, EXPERIMENTS_CHECKPOINT_MAGIC, len)
                                       : !memcmp(line, EXPERIMENTS_CHECKPOINT_MAGIC, ml) && len - ml <= rl &&
                                             !memcmp(line + ml, run, len - ml);
                if (!prefix || memchr(line, '\0', len)) {
                    why = "not a sweep checkpoint (no bsepouw-sweep-checkpoint 1 header)";
                    rc = -1;
                    break;
                }
            }
            *torn = 1;
            break;
        }
        len--;
        if (lineno == 1) {
            size_t ml = strlen(EXPERIMENTS_CHECKPOINT_MAGIC);
            if (len < ml || memcmp(line, EXPERIMENTS_CHECKPOINT_MAGIC, ml)) {
                why = "not a sweep checkpoint (no bsepouw-sweep-checkpoint 1 header)";
                rc = -1;
                break;
            }
            if (len - ml != strlen(run) || memcmp(line + ml, run, len - ml)) {
                line[len] = '\0';
                first_difference(msg, sizeof msg, line + ml, run);
                why = msg;
                rc = -1;
                break;
            }
        } else {
            size_t k;
            experiments_vals v = {0};
            if (memchr(line, '\0', len) || parse_item(line, len, s, &k, &v, msg, sizeof msg, &why)) {
                if (!why)
                    why = "a NUL byte in the line";
                free(v.v);
                rc = -1;
                break;
            }
            if (nd == dcap) {
                size_t nc = dcap ? 2 * dcap : 256;
                size_t *nd2 = realloc(done, nc * sizeof *nd2);
                if (!nd2) {
                    free(v.v);
                    why = "out of memory";
                    rc = -1;
                    break;
                }
                done = nd2;
                dcap = nc;
            }
            done[nd++] = k;
            free(s->slots[k].v);
            s->slots[k] = v;
            s->mine[k] = 2;
        }
        off += got;
    }
    if (rc == 0 && ferror(f)) {
        why = strerror(errno);
        rc = -1;
    }
    if (rc) {
        unload(s, done, nd);
        common_error_set(err, -1, path, "", "line %zu: %s", lineno, why);
    } else {
        *good_len = off;
        *loaded = nd;
    }
    free(done);
    free(line);
    return rc;
}

int experiments_checkpoint_open(experiments_checkpoint *c, const char *path, const char *run, experiments_sweep *s,
                                common_error *err)
{
    memset(c, 0, sizeof *c);
    c->path = path;
    struct stat st;
    if (stat(path, &st) == 0 && !S_ISREG(st.st_mode))
        return common_error_set(err, -1, path, "", "not a regular file");
    FILE *f = fopen(path, "a+");
    if (!f)
        return common_error_set(err, -1, path, "", "cannot open: %s", strerror(errno));
    rewind(f);
    long good = 0;
    if (experiments_checkpoint_parse(f, path, run, s, &good, &c->loaded, &c->dropped_torn, err)) {
        fclose(f);
        return -1;
    }
    int bad = fseek(f, 0, SEEK_END) != 0;
    if (!bad && (c->dropped_torn || good == 0)) /* cut a torn line, or a torn header */
        bad = ftruncate(fileno(f), good) != 0 || fseek(f, 0, SEEK_END) != 0;
    if (!bad && good == 0)
        bad = fprintf(f, "%s%s\n", EXPERIMENTS_CHECKPOINT_MAGIC, run) < 0 || fflush(f) != 0;
    if (bad) {
        common_error_set(err, -1, path, "", "cannot write: %s", strerror(errno));
        fclose(f);
        c->loaded = 0;
        return -1;
    }
    c->f = f;
    return 0;
}

int experiments_checkpoint_append(experiments_checkpoint *c, size_t k, const experiments_vals *v, common_error *err)
{
    if (c->failed) /* a line may be cut: nothing more after it */
        return common_error_set(err, -1, c->path, "", "an earlier write failed");
    common_buf b = {0};
    char num[48];
    int bad = 0;
    snprintf(num, sizeof num, "%zu %zu ", k, v->n);
    bad |= common_buf_append(&b, num, strlen(num));
    for (size_t j = 0; j < v->n; j++) {
        uint64_t bits;
        memcpy(&bits, &v->v[j], sizeof bits);
        snprintf(num, sizeof num, "%016" PRIx64 " ", bits);
        bad |= common_buf_append(&b, num, 17);
    }
    if (!bad) {
        snprintf(num, sizeof num, "%016" PRIx64 "\n", fnv1a((const char *)b.data, b.len));
        bad |= common_buf_append(&b, num, 17);
    }
    if (bad) {
        common_buf_free(&b);
        return common_error_set(err, -1, c->path, "", "out of memory");
    }
    int wr = fwrite(b.data, 1, b.len, c->f) != b.len || fflush(c->f) != 0;
    common_buf_free(&b);
    if (wr) {
        c->failed = 1;
        return common_error_set(err, -1, c->path, "", "cannot write: %s", strerror(errno));
    }
    return 0;
}

void experiments_checkpoint_close(experiments_checkpoint *c)
{
    if (c->f)
        fclose(c->f);
    c->f = NULL;
}

/* ---- reuse: the items of other runs' checkpoints ---- */

/* 1 for the words of a checkpoint header that may differ between runs whose items are
 * interchangeable: the seeds (each item names its own), the rank and the code. */
static int reuse_free_word(const char *w, size_t n)
{
    static const char *const FREE[] = {"--seeds=", "rank=", "segments=", "code="};
    for (size_t i = 0; i < sizeof FREE / sizeof FREE[0]; i++)
        if (n >= strlen(FREE[i]) && !memcmp(w, FREE[i], strlen(FREE[i])))
            return 1;
    return 0;
}

/* The next word of s (after *p) that is not a free one: *w and its length, or 0 at the end. */
static size_t next_bound_word(const char **p, const char **w)
{
    for (;;) {
        const char *s = *p;
        while (*s == ' ')
            s++;
        size_t n = strcspn(s, " ");
        *p = s + n;
        if (!n)
            return 0;
        if (!reuse_free_word(s, n)) {
            *w = s;
            return n;
        }
    }
}

/* The value of header word key (e.g. "segments=") in h, its length in *n, or NULL. */
static const char *header_word(const char *h, const char *key, size_t *n)
{
    size_t kl = strlen(key);
    for (const char *s = h; *s;) {
        while (*s == ' ')
            s++;
        size_t l = strcspn(s, " ");
        if (l >= kl && !memcmp(s, key, kl)) {
            *n = l - kl;
            return s + kl;
        }
        s += l;
    }
    return NULL;
}

/* A whole line from g into *line (grown; NUL-terminated). Returns its length with the
 * newline, 0 at the end of the file, or -1 (out of memory). */
static long gz_line(gzFile g, char **line, size_t *cap)
{
    size_t len = 0;
    for (;;) {
        if (*cap - len < 2) {
            size_t nc = *cap ? 2 * *cap : 4096;
            char *n = realloc(*line, nc);
            if (!n)
                return -1;
            *line = n;
            *cap = nc;
        }
        if (!gzgets(g, *line + len, (int)(*cap - len > INT32_MAX ? INT32_MAX : *cap - len)))
            return (long)len;
        len += strlen(*line + len);
        if (len && (*line)[len - 1] == '\n')
            return (long)len;
    }
}

/* One reuse file into s: see experiments_checkpoint_reuse. Items it loads are listed in
 * *done (grown), their number counted in *items; its code version goes into code. */
static int reuse_file(const char *path, const char *run, experiments_sweep *s, size_t **done, size_t *nd,
                      size_t *dcap, size_t *items, char *code, size_t code_cap, common_error *err)
{
    gzFile g = gzopen(path, "rb");
    if (!g)
        return common_error_set(err, -1, path, "", "cannot open: %s", errno ? strerror(errno) : "out of memory");
    char *line = NULL, msg[400];
    size_t cap = 0, lineno = 0;
    const char *why = NULL;
    uint64_t lo[EXPERIMENTS_MAX_SEGMENTS], hi[EXPERIMENTS_MAX_SEGMENTS];
    size_t n_seg = 0, n_items = 0;
    int rc = 0;
    long got;
    while (!why && (got = gz_line(g, &line, &cap)) != 0) {
        lineno++;
        if (got < 0) {
            why = "out of memory";
            break;
        }
        size_t len = (size_t)got;
        if (memchr(line, '\0', len)) {
            why = "a NUL byte in the line";
            break;
        }
        if (line[len - 1] != '\n') { /* a last line cut mid-way (a run stopped while writing): dropped */
            if (lineno == 1)
                why = "not a whole sweep checkpoint header";
            break;
        }
        line[--len] = '\0';
        if (lineno == 1) {
            size_t ml = strlen(EXPERIMENTS_CHECKPOINT_MAGIC);
            if (len < ml || memcmp(line, EXPERIMENTS_CHECKPOINT_MAGIC, ml)) {
                why = "not a sweep checkpoint (no bsepouw-sweep-checkpoint 1 header)";
                break;
            }
            const char *a = line + ml, *b = run, *wa = NULL, *wb = NULL;
            for (;;) { /* the same program and options, seeds aside */
                size_t la = next_bound_word(&a, &wa), lb = next_bound_word(&b, &wb);
                if (la != lb || (la && memcmp(wa, wb, la))) {
                    snprintf(msg, sizeof msg,
                             "written by a run of other options: it has '%.*s' where this run has '%.*s' (only "
                             "the seeds, ranks and code version may differ)",
                             (int)(la < 80 ? la : 80), la ? wa : "(nothing)", (int)(lb < 80 ? lb : 80),
                             lb ? wb : "(nothing)");
                    why = msg;
                    break;
                }
                if (!la)
                    break;
            }
            if (why)
                break;
            size_t sl, cl;
            const char *sg = header_word(line + ml, "segments=", &sl), *cv = header_word(line + ml, "code=", &cl);
            for (const char *p = sg, *e = sg ? sg + sl : NULL; p && p < e && !why;) {
                char *q;
                unsigned long long a0, b0;
                if (n_seg == EXPERIMENTS_MAX_SEGMENTS || *p < '0' || *p > '9' ||
                    (a0 = strtoull(p, &q, 10), *q != ':') || q[1] < '0' || q[1] > '9' ||
                    (b0 = strtoull(q + 1, &q, 10), (q != e && *q != ',')) || a0 >= b0 ||
                    b0 - a0 > SIZE_MAX - n_items) {
                    why = "its segments= word is not a list of seed ranges A:B";
                    break;
                }
                lo[n_seg] = a0, hi[n_seg++] = b0;
                n_items += (size_t)(b0 - a0);
                p = q + (q != e);
            }
            if (!why && (!sg || n_seg != s->n_seg)) {
                snprintf(msg, sizeof msg, "it has %zu segments (seed ranges) where this run has %zu", n_seg, s->n_seg);
                why = msg;
            }
            snprintf(code, code_cap, "%.*s", cv ? (int)(cl < 40 ? cl : 40) : 1, cv ? cv : "?");
            continue;
        }
        size_t k;
        experiments_vals v = {0};
        if (parse_line(line, len, &k, &v, &why)) {
            free(v.v);
            break;
        }
        if (k >= n_items) {
            free(v.v);
            why = "item is beyond its segments";
            break;
        }
        size_t g0;
        uint64_t seed;
        experiments_sweep_locate(lo, hi, k, &g0, &seed);
        if (seed < s->lo[g0] || seed >= s->hi[g0]) { /* outside this run's seeds */
            free(v.v);
            continue;
        }
        size_t i = experiments_sweep_index(s, g0, seed);
        if (s->mine[i] == 0) { /* another rank's */
            free(v.v);
            continue;
        }
        if (s->mine[i] == 2) { /* already read (this run's checkpoint, or another file): it must agree */
            int same = v.n == s->slots[i].n && (!v.n || !memcmp(v.v, s->slots[i].v, v.n * sizeof *v.v));
            free(v.v);
            if (!same) {
                snprintf(msg, sizeof msg,
                         "segment %zu seed %llu differs from the same item read before (builds that disagree: "
                         "see E8)",
                         g0, (unsigned long long)seed);
                why = msg;
                break;
            }
            continue;
        }
        if (item_checked(s, i, &v, msg, sizeof msg, &why)) {
            free(v.v);
            break;
        }
        if (*nd == *dcap) {
            size_t nc = *dcap ? 2 * *dcap : 256;
            size_t *n2 = realloc(*done, nc * sizeof *n2);
            if (!n2) {
                free(v.v);
                why = "out of memory";
                break;
            }
            *done = n2;
            *dcap = nc;
        }
        (*done)[(*nd)++] = i;
        free(s->slots[i].v);
        s->slots[i] = v;
        s->mine[i] = 2;
        (*items)++;
    }
    int zerr = 0;
    const char *zmsg = gzerror(g, &zerr);
    if (!why && zerr != Z_OK && zerr != Z_STREAM_END)
        why = zerr == Z_BUF_ERROR ? "the gzip data is cut short" : zmsg;
    if (!why && lineno == 0)
        why = "empty (no bsepouw-sweep-checkpoint 1 header)";
    if (why)
        rc = common_error_set(err, -1, path, "", "line %zu: %s", lineno ? lineno : 1, why);
    gzclose(g);
    free(line);
    return rc;
}

int experiments_checkpoint_reuse(const char *paths, const char *run, experiments_sweep *s, size_t *reused,
                                 char *from, size_t from_cap, common_error *err)
{
    *reused = 0;
    if (from_cap)
        from[0] = '\0';
    size_t *done = NULL, nd = 0, dcap = 0, fl = 0;
    int rc = 0;
    for (const char *p = paths; p && !rc;) {
        size_t n = strcspn(p, ",");
        char path[4096], code[48];
        size_t items = 0;
        if (!n || n >= sizeof path) {
            rc = common_error_set(err, -1, "--reuse", "", "%s", n ? "a path is too long" : "an empty path in the list");
            break;
        }
        memcpy(path, p, n);
        path[n] = '\0';
        p = p[n] == ',' ? p + n + 1 : NULL; /* "a,b," ends in an empty path */
        rc = reuse_file(path, run, s, &done, &nd, &dcap, &items, code, sizeof code, err);
        if (!rc) {
            const char *base = strrchr(path, '/');
            int w = snprintf(from + fl, from_cap - fl, "%s%s (code %s, %zu items)", fl ? ", " : "",
                             base ? base + 1 : path, code, items);
            fl = w < 0 || (size_t)w >= from_cap - fl ? from_cap - 1 : fl + (size_t)w;
            *reused += items;
        }
    }
    if (rc) {
        unload(s, done, nd);
        *reused = 0;
    }
    free(done);
    return rc;
}
