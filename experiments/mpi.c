/* experiments/mpi.c - MPI start/stop, the gather of sweep slots on rank 0, and the
 * start and sweep every driver shares.
 * Whether MPI runs is asked of MPI itself (MPI_Initialized), never kept in a global. */
#include "experiments/mpi.h"

#include "common/cli.h"
#include "common/clock.h"
#include "experiments/checkpoint.h"

#include <mpi.h>
#include <openssl/rand.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int launched(void)
{
    return getenv("OMPI_COMM_WORLD_SIZE") != NULL || getenv("PMIX_RANK") != NULL;
}

static int running(void)
{
    int init = 0, fin = 0;
    MPI_Initialized(&init);
    MPI_Finalized(&fin);
    return init && !fin;
}

int experiments_mpi_init(int *argc, char ***argv, int *rank, int *ranks)
{
    *rank = 0;
    *ranks = 1;
    if (!launched())
        return 0;
    int prov = 0;
    if (MPI_Init_thread(argc, argv, MPI_THREAD_FUNNELED, &prov) != MPI_SUCCESS)
        return -1;
    MPI_Comm_rank(MPI_COMM_WORLD, rank);
    MPI_Comm_size(MPI_COMM_WORLD, ranks);
    return 0;
}

void experiments_mpi_finalize(void)
{
    if (running())
        MPI_Finalize();
}

int experiments_mpi_all_ok(int ok)
{
    if (!running())
        return ok;
    int in = ok ? 1 : 0, outv = 0;
    if (MPI_Allreduce(&in, &outv, 1, MPI_INT, MPI_LAND, MPI_COMM_WORLD) != MPI_SUCCESS)
        return 0;
    return outv;
}

/* The sum over ranks of x (x itself without MPI, and on a failed reduction). */
static size_t mpi_sum(size_t x)
{
    if (!running())
        return x;
    unsigned long long in = x, outv = 0;
    if (MPI_Allreduce(&in, &outv, 1, MPI_UNSIGNED_LONG_LONG, MPI_SUM, MPI_COMM_WORLD) != MPI_SUCCESS)
        return x;
    return (size_t)outv;
}

void experiments_mpi_abort(int code)
{
    if (running())
        MPI_Abort(MPI_COMM_WORLD, code);
    exit(code);
}

/* Each rank sends, for its items in index order, the value count of each, then all
 * its values back to back; rank 0 puts them into the slots of those items. */
int experiments_mpi_gather(experiments_sweep *s)
{
    if (!running())
        return 0;
    int rank = 0, ranks = 1;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &ranks);
    int ok = 1;
    size_t my_items = 0, my_vals = 0;
    for (size_t k = 0; k < s->n_items; k++)
        if (s->mine[k]) {
            my_items++;
            my_vals += s->slots[k].n;
        }
    int counts[2] = {(int)my_items, (int)my_vals};
    int *all = rank == 0 ? calloc((size_t)ranks * 2, sizeof *all) : NULL;
    if (rank == 0 && !all)
        ok = 0;
    if (!experiments_mpi_all_ok(ok)) {
        free(all);
        return -1;
    }
    MPI_Gather(counts, 2, MPI_INT, all, 2, MPI_INT, 0, MPI_COMM_WORLD);
    /* Item value counts, then the values. */
    double *sizes = malloc((my_items ? my_items : 1) * sizeof *sizes);
    double *vals = malloc((my_vals ? my_vals : 1) * sizeof *vals);
    if (!sizes || !vals)
        ok = 0;
    else {
        size_t a = 0, b = 0;
        for (size_t k = 0; k < s->n_items; k++)
            if (s->mine[k]) {
                sizes[a++] = (double)s->slots[k].n;
                if (s->slots[k].n)
                    memcpy(vals + b, s->slots[k].v, s->slots[k].n * sizeof *vals);
                b += s->slots[k].n;
            }
    }
    int *rc_items = NULL, *rc_vals = NULL, *dsp_items = NULL, *dsp_vals = NULL;
    double *r_sizes = NULL, *r_vals = NULL;
    size_t tot_items = 0, tot_vals = 0;
    if (rank == 0 && ok) {
        rc_items = calloc((size_t)ranks, sizeof(int));
        rc_vals = calloc((size_t)ranks, sizeof(int));
        dsp_items = calloc((size_t)ranks, sizeof(int));
        dsp_vals = calloc((size_t)ranks, sizeof(int));
        for (int q = 0; rc_items && rc_vals && dsp_items && dsp_vals && q < ranks; q++) {
            rc_items[q] = all[2 * q];
            rc_vals[q] = all[2 * q + 1];
            dsp_items[q] = (int)tot_items;
            dsp_vals[q] = (int)tot_vals;
            tot_items += (size_t)all[2 * q];
            tot_vals += (size_t)all[2 * q + 1];
        }
        r_sizes = malloc((tot_items ? tot_items : 1) * sizeof *r_sizes);
        r_vals = malloc((tot_vals ? tot_vals : 1) * sizeof *r_vals);
        if (!rc_items || !rc_vals || !dsp_items || !dsp_vals || !r_sizes || !r_vals)
            ok = 0;
    }
    if (experiments_mpi_all_ok(ok)) {
        MPI_Gatherv(sizes, (int)my_items, MPI_DOUBLE, r_sizes, rc_items, dsp_items, MPI_DOUBLE, 0, MPI_COMM_WORLD);
        MPI_Gatherv(vals, (int)my_vals, MPI_DOUBLE, r_vals, rc_vals, dsp_vals, MPI_DOUBLE, 0, MPI_COMM_WORLD);
        if (rank == 0) {
            /* Rank q's items are, in index order, those of its share of each segment. */
            size_t it = 0, vv = 0;
            for (int q = 0; q < ranks && ok; q++) {
                experiments_sweep tmp;
                if (experiments_sweep_init(&tmp, s->n_seg, s->lo, s->hi, q, ranks)) {
                    ok = 0;
                    break;
                }
                for (size_t k = 0; k < s->n_items && ok; k++) {
                    if (!tmp.mine[k])
                        continue;
                    size_t n = (size_t)r_sizes[it++];
                    if (q != 0) {
                        experiments_vals *o = &s->slots[k];
                        o->n = 0;
                        for (size_t j = 0; j < n; j++)
                            experiments_vals_push(o, r_vals[vv + j]);
                        if (o->oom)
                            ok = 0;
                        s->mine[k] = 1;
                    }
                    vv += n;
                }
                experiments_sweep_clear(&tmp);
            }
        }
    } else
        ok = 0;
    free(sizes);
    free(vals);
    free(all);
    free(rc_items);
    free(rc_vals);
    free(dsp_items);
    free(dsp_vals);
    free(r_sizes);
    free(r_vals);
    return experiments_mpi_all_ok(ok) ? 0 : -1;
}

/* ---- the check of reused items: a sample recomputed ---- */

/* A reused item taken back to be computed again, and the values the file gave. */
typedef struct spot {
    size_t k;
    experiments_vals v;
} spot;

static uint64_t splitmix(uint64_t *x)
{
    uint64_t z = (*x += 0x9E3779B97F4A7C15u);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9u;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBu;
    return z ^ (z >> 31);
}

/* Picks the reused items (before[k] == 1, now 2) to recompute: the first of each segment,
 * and each other with chance 1/EXPERIMENTS_REUSE_CHECK_EVERY, drawn from a secret seed
 * (OpenSSL's RAND_bytes: a file cannot be forged only where it will not be looked at).
 * Their values move into *out and they are marked to compute (mine 1). Which items are
 * picked changes no output byte. Returns 0, or -1 (out of memory: nothing changed). */
#define EXPERIMENTS_REUSE_CHECK_EVERY 2000
static int spot_pick(experiments_sweep *sw, const unsigned char *before, spot **out, size_t *n)
{
    *out = NULL;
    *n = 0;
    uint64_t x = 0;
    if (RAND_bytes((unsigned char *)&x, sizeof x) != 1)
        x = (uint64_t)(common_clock_mono_s() * 1e9) ^ ((uint64_t)(uintptr_t)&x << 16);
    size_t cap = 0, k = 0;
    for (size_t g = 0; g < sw->n_seg; g++) {
        int first = 1;
        for (uint64_t sd = sw->lo[g]; sd < sw->hi[g]; sd++, k++) {
            if (before[k] != 1 || sw->mine[k] != 2)
                continue;
            int pick = first || splitmix(&x) % EXPERIMENTS_REUSE_CHECK_EVERY == 0;
            first = 0;
            if (!pick)
                continue;
            if (*n == cap) {
                size_t nc = cap ? 2 * cap : 16;
                spot *o = realloc(*out, nc * sizeof *o);
                if (!o) {
                    for (size_t i = 0; i < *n; i++) /* back as they were */
                        sw->slots[(*out)[i].k] = (*out)[i].v, sw->mine[(*out)[i].k] = 2;
                    free(*out);
                    *out = NULL;
                    *n = 0;
                    return -1;
                }
                *out = o;
                cap = nc;
            }
            (*out)[(*n)++] = (spot){k, sw->slots[k]};
            memset(&sw->slots[k], 0, sizeof sw->slots[k]);
            sw->mine[k] = 1;
        }
    }
    return 0;
}

/* After the sweep: each picked item's computed values against the file's. Returns 0, or
 * -1 with err naming the first that differs. Frees sp. */
static int spot_compare(const experiments_sweep *sw, spot *sp, size_t n, int computed, common_error *err)
{
    int rc = 0;
    for (size_t i = 0; i < n; i++) {
        const experiments_vals *c = &sw->slots[sp[i].k];
        int same = c->n == sp[i].v.n && (!c->n || !memcmp(c->v, sp[i].v.v, c->n * sizeof *c->v));
        if (computed && !same && !rc) {
            size_t g;
            uint64_t seed;
            experiments_sweep_locate(sw->lo, sw->hi, sp[i].k, &g, &seed);
            rc = common_error_set(err, -1, "--reuse", "",
                                  "segment %zu seed %llu: the reused values differ from a recomputation (a "
                                  "build that disagrees, see E8, or an altered file)",
                                  g, (unsigned long long)seed);
        }
        free(sp[i].v.v);
    }
    free(sp);
    return rc;
}

int experiments_sweep_gathered(experiments_sweep *sw, int *exit_code, experiments_run *r, size_t n,
                               const uint64_t *lo, const uint64_t *hi, experiments_item_fn fn,
                               experiments_item_check_fn check, void *user, const char *what)
{
    common_error err;
    common_error_clear(&err);
    int ok = experiments_sweep_init(sw, n, lo, hi, r->rank, r->ranks) == 0;
    if (!ok)
        common_error_set(&err, -1, "", "", "out of memory");
    sw->check = check;
    sw->check_user = user;
    experiments_checkpoint ck;
    memset(&ck, 0, sizeof ck);
    int ck_bad = 0; /* this rank's checkpoint or reuse files cannot be used: bad input, exit 2 */
    /* the run that may resume: the options, the seed ranges, the share, the code */
    char run[sizeof r->ckpt_opts + 1024];
    int l = snprintf(run, sizeof run, "%s rank=%d/%d segments=", r->ckpt_opts, r->rank, r->ranks);
    for (size_t g = 0; g < n && l > 0 && (size_t)l < sizeof run; g++)
        l += snprintf(run + l, sizeof run - (size_t)l, "%s%llu:%llu", g ? "," : "", (unsigned long long)lo[g],
                      (unsigned long long)hi[g]);
    if (l > 0 && (size_t)l < sizeof run)
        snprintf(run + l, sizeof run - (size_t)l, " code=%s", common_version_commit());
    if (ok && r->checkpoint[0]) {
        ok = experiments_checkpoint_open(&ck, r->checkpoint, run, sw, &err) == 0;
        ck_bad = !ok;
        if (ok) {
            sw->ckpt = &ck;
            r->resumed = ck.loaded;
            if (ck.loaded || ck.dropped_torn)
                fprintf(stderr, "%s: %s: resumed %zu finished items%s\n", r->prog, r->checkpoint, ck.loaded,
                        ck.dropped_torn ? " (a last line cut mid-way was dropped)" : "");
        }
    }
    spot *sp = NULL;
    size_t nsp = 0;
    if (ok && r->reuse) { /* after the own checkpoint: an item in both must agree */
        unsigned char *before = malloc(sw->n_items ? sw->n_items : 1);
        ok = before != NULL;
        if (!ok)
            common_error_set(&err, -1, "", "", "out of memory");
        else
            memcpy(before, sw->mine, sw->n_items);
        ok = ok && experiments_checkpoint_reuse(r->reuse, run, sw, &r->reused, r->reused_from,
                                                sizeof r->reused_from, &err) == 0;
        ck_bad = !ok;
        if (ok && spot_pick(sw, before, &sp, &nsp))
            ok = 0, common_error_set(&err, -1, "", "", "out of memory");
        free(before);
    }
    if (r->reuse && experiments_mpi_all_ok(ok)) {
        r->reused = mpi_sum(r->reused - nsp);
        r->reuse_checked = mpi_sum(nsp);
    }
    ok = ok && experiments_sweep_run(sw, r, fn, user, what, &err) == 0;
    if (sp && spot_compare(sw, sp, nsp, ok, &err))
        ok = 0, ck_bad = 1;
    if (r->reuse && ok && r->rank == 0 && isatty(2)) /* on a terminal (the sidecar has it too) */
        fprintf(stderr, "%s: reused %zu finished items of %s; %zu more of them computed again as a check\n", r->prog,
                r->reused, r->reused_from, r->reuse_checked);
    experiments_checkpoint_close(&ck);
    sw->ckpt = NULL;
    if (!experiments_mpi_all_ok(ok) || experiments_mpi_gather(sw)) {
        if (!ok)
            experiments_fail(r, &err);
        *exit_code = ck_bad ? COMMON_EXIT_USAGE : COMMON_EXIT_REJECTED;
    } else if (r->rank != 0) {
        *exit_code = 0;
    } else {
        return 1;
    }
    experiments_sweep_clear(sw);
    experiments_mpi_finalize();
    return 0;
}

int experiments_single_start(const common_cli *cli, const char *id, int *argc, char ***argv, common_args *a,
                             experiments_run *r, int *exit_code)
{
    int rank, ranks;
    if (experiments_mpi_init(argc, argv, &rank, &ranks)) {
        *exit_code = COMMON_EXIT_REJECTED;
        return 0;
    }
    common_cli_status st = common_cli_parse(cli, a, *argc, *argv);
    if (st != COMMON_CLI_RUN) {
        experiments_mpi_finalize();
        *exit_code = common_cli_exit(st);
        return 0;
    }
    int rc = experiments_run_start(r, cli, a, id, rank, ranks);
    if (rc || rank != 0) {
        experiments_mpi_finalize();
        *exit_code = rc;
        return 0;
    }
    return 1;
}

int experiments_usage_error(const experiments_run *r, const common_cli *cli, const char *fmt, ...)
{
    if (r->rank != 0)
        return COMMON_EXIT_USAGE;
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    return common_cli_usage_error(cli, -1, "%s", msg);
}

/* Appends text to the checkpoint's options, escaping what could break its one line
 * or its name=value form. Returns 0, or -1 when it does not fit. */
static int opts_put(char *buf, size_t cap, const char *text, int escape)
{
    size_t l = strlen(buf);
    for (const unsigned char *c = (const unsigned char *)text; *c; c++) {
        int esc = escape && (*c <= ' ' || *c > '~' || *c == '%' || *c == '=');
        if (l + (esc ? 3 : 1) >= cap)
            return -1;
        if (esc)
            l += (size_t)snprintf(buf + l, cap - l, "%%%02X", *c);
        else
            buf[l++] = (char)*c;
        buf[l] = '\0';
    }
    return 0;
}

/* --checkpoint and --reuse, when the driver has them (found by name) and one was given:
 * this rank's checkpoint file, the reuse list, and every option that can change a
 * value (all but --out, --threads, --checkpoint and --reuse), the scale always (its
 * default too). Returns 0 or the usage error's exit code. */
static int checkpoint_options(const common_cli *cli, const common_args *a, experiments_run *r)
{
    int ci = -1, ri = -1;
    for (size_t i = 0; i < cli->n_opts; i++) {
        if (!strcmp(cli->opts[i].name, "--checkpoint"))
            ci = (int)i;
        if (!strcmp(cli->opts[i].name, "--reuse"))
            ri = (int)i;
    }
    int have_ck = ci >= 0 && a->given[ci], have_reuse = ri >= 0 && a->given[ri];
    if (!have_ck && !have_reuse)
        return 0;
    if (have_reuse) {
        if (!a->str[ri][0])
            return experiments_usage_error(r, cli, "--reuse: give one or more checkpoint files, comma-separated");
        r->reuse = a->str[ri];
    }
    int n = !have_ck ? 0
            : r->ranks > 1 ? snprintf(r->checkpoint, sizeof r->checkpoint, "%s.rank%d", a->str[ci], r->rank)
                           : snprintf(r->checkpoint, sizeof r->checkpoint, "%s", a->str[ci]);
    if (n < 0 || (size_t)n >= sizeof r->checkpoint)
        return experiments_usage_error(r, cli, "--checkpoint: path too long (%zu bytes at most)",
                                       sizeof r->checkpoint - 16);
    char *b = r->ckpt_opts;
    size_t cap = sizeof r->ckpt_opts;
    b[0] = '\0';
    int bad = opts_put(b, cap, r->prog, 1) || opts_put(b, cap, " --scale=", 0) ||
              opts_put(b, cap, experiments_scale_name(r->scale), 0);
    for (size_t i = 0; i < cli->n_opts && !bad; i++) {
        if ((int)i == EXPERIMENTS_OPT_SCALE || (int)i == EXPERIMENTS_OPT_OUT || (int)i == EXPERIMENTS_OPT_THREADS ||
            (int)i == ci || (int)i == ri || !a->given[i])
            continue;
        char num[64] = "";
        const char *v = num;
        if (cli->opts[i].kind == COMMON_OPT_STR)
            v = a->str[i];
        else if (cli->opts[i].kind == COMMON_OPT_UINT)
            snprintf(num, sizeof num, "%llu", (unsigned long long)a->num[i]);
        else if (cli->opts[i].kind == COMMON_OPT_REAL)
            snprintf(num, sizeof num, "%a", a->real[i]);
        else
            snprintf(num, sizeof num, "1");
        bad = opts_put(b, cap, " ", 0) || opts_put(b, cap, cli->opts[i].name, 1) || opts_put(b, cap, "=", 0) ||
              opts_put(b, cap, v, 1);
    }
    for (int i = 0; i < a->n_pos && !bad; i++)
        bad = opts_put(b, cap, " ", 0) || opts_put(b, cap, a->pos[i], 1);
    if (bad)
        return experiments_usage_error(r, cli, "--checkpoint: the options are too long to record (%zu bytes at most)",
                                       cap - 1);
    return 0;
}

int experiments_driver_start(const experiments_prologue *p, int *argc, char ***argv, common_args *a,
                             experiments_run *r, uint64_t *lo, uint64_t *hi, int *exit_code)
{
    uint64_t seed_lo = 0, seed_hi = 0;
    if (!lo || !hi)
        lo = &seed_lo, hi = &seed_hi;
    *lo = *hi = 0;
    int rank, ranks;
    if (experiments_mpi_init(argc, argv, &rank, &ranks)) {
        fprintf(stderr, "%s: MPI_Init failed\n", p->cli->prog);
        *exit_code = COMMON_EXIT_REJECTED;
        return 0;
    }
    common_cli_status st = common_cli_parse(p->cli, a, *argc, *argv);
    if (st != COMMON_CLI_RUN) {
        experiments_mpi_finalize();
        *exit_code = common_cli_exit(st);
        return 0;
    }
    int rc = experiments_run_start(r, p->cli, a, p->id, rank, ranks);
    if (rc == 0)
        rc = checkpoint_options(p->cli, a, r);
    if (p->quick_seeds || p->paper_seeds)
        experiments_run_seeds(r, 0, r->scale == EXPERIMENTS_PAPER ? p->paper_seeds : p->quick_seeds, lo, hi);
    if (rc == 0 && p->own)
        rc = p->own(p->user, r, a);
    if (rc == 0 && p->max_runs && *hi - *lo > p->max_runs)
        rc = experiments_usage_error(r, p->cli, "--seeds: at most %llu runs%s, got %llu",
                                     (unsigned long long)p->max_runs, p->max_per ? p->max_per : "",
                                     (unsigned long long)(*hi - *lo));
    if (!experiments_mpi_all_ok(rc == 0)) {
        experiments_mpi_finalize();
        *exit_code = rc ? rc : COMMON_EXIT_USAGE;
        return 0;
    }
    return 1;
}
