/* experiments/sweep.c - threads over a rank's items; each item writes only its slot. */
#include "experiments/sweep.h"

#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/clock.h"
#include "experiments/checkpoint.h"

void experiments_vals_push(experiments_vals *o, double x)
{
    if (o->oom)
        return;
    if (o->n == o->cap) {
        size_t nc = o->cap ? 2 * o->cap : 32;
        double *nv = realloc(o->v, nc * sizeof *nv);
        if (!nv) {
            o->oom = 1;
            return;
        }
        o->v = nv;
        o->cap = nc;
    }
    o->v[o->n++] = x;
}

int experiments_sweep_init(experiments_sweep *s, size_t n_seg, const uint64_t *lo, const uint64_t *hi, int rank,
                           int ranks)
{
    memset(s, 0, sizeof *s);
    if (n_seg > EXPERIMENTS_MAX_SEGMENTS)
        return -1;
    s->n_seg = n_seg;
    for (size_t g = 0; g < n_seg; g++) {
        s->lo[g] = lo[g];
        s->hi[g] = hi[g] > lo[g] ? hi[g] : lo[g];
        s->n_items += (size_t)(s->hi[g] - s->lo[g]);
    }
    s->slots = calloc(s->n_items ? s->n_items : 1, sizeof *s->slots);
    s->mine = calloc(s->n_items ? s->n_items : 1, 1);
    if (!s->slots || !s->mine) {
        experiments_sweep_clear(s);
        return -1;
    }
    size_t base = 0;
    for (size_t g = 0; g < n_seg; g++) {
        uint64_t n = s->hi[g] - s->lo[g];
        uint64_t a = n * (uint64_t)rank / (uint64_t)ranks, b = n * (uint64_t)(rank + 1) / (uint64_t)ranks;
        for (uint64_t k = a; k < b; k++)
            s->mine[base + k] = 1;
        base += (size_t)n;
    }
    return 0;
}

void experiments_sweep_clear(experiments_sweep *s)
{
    if (s->slots)
        for (size_t i = 0; i < s->n_items; i++)
            free(s->slots[i].v);
    free(s->slots);
    free(s->mine);
    memset(s, 0, sizeof *s);
}

int experiments_vals_count(const experiments_vals *v, size_t want, char *why, size_t n)
{
    if (v->n == want)
        return 0;
    snprintf(why, n, "%zu values where an item has %zu", v->n, want);
    return -1;
}

int experiments_vals_range(const experiments_vals *v, size_t from, size_t to, size_t step, double lo, double hi,
                           int whole, char *why, size_t n)
{
    for (size_t j = from; j < to && j < v->n; j += step ? step : 1) {
        double x = v->v[j];
        if (!(x >= lo && x <= hi) || (whole && x != floor(x))) { /* !(...) holds for NaN */
            snprintf(why, n, "value %zu is %.16g where %s in [%.16g, %.16g] is due", j + 1, x,
                     whole ? "a whole number" : "a number", lo, hi);
            return -1;
        }
    }
    return 0;
}

size_t experiments_sweep_index(const experiments_sweep *s, size_t seg, uint64_t seed)
{
    size_t base = 0;
    for (size_t g = 0; g < seg; g++)
        base += (size_t)(s->hi[g] - s->lo[g]);
    return base + (size_t)(seed - s->lo[seg]);
}

void experiments_sweep_locate(const uint64_t *lo, const uint64_t *hi, size_t k, size_t *seg, uint64_t *seed)
{
    size_t g = 0;
    while (k >= (size_t)(hi[g] - lo[g]))
        k -= (size_t)(hi[g] - lo[g]), g++;
    *seg = g;
    *seed = lo[g] + k;
}

typedef struct pool {
    experiments_sweep *s;
    experiments_run *r;
    experiments_item_fn fn;
    void *user;
    const char *what;
    pthread_mutex_t mu;
    size_t next, done, total;
    size_t fail_index; /* lowest failing item, n_items when none */
    common_error fail_err;
} pool;

static void locate(const experiments_sweep *s, size_t k, size_t *seg, uint64_t *seed)
{
    size_t g = 0;
    while (k >= (size_t)(s->hi[g] - s->lo[g])) {
        k -= (size_t)(s->hi[g] - s->lo[g]);
        g++;
    }
    *seg = g;
    *seed = s->lo[g] + k;
}

static void *worker(void *arg)
{
    pool *p = arg;
    for (;;) {
        pthread_mutex_lock(&p->mu);
        while (p->next < p->s->n_items && p->s->mine[p->next] != 1)
            p->next++;
        size_t k = p->next;
        if (k < p->s->n_items)
            p->next++;
        int stop = p->fail_index < p->s->n_items;
        pthread_mutex_unlock(&p->mu);
        if (k >= p->s->n_items || stop)
            return NULL;
        size_t seg;
        uint64_t seed;
        locate(p->s, k, &seg, &seed);
        common_error e;
        common_error_clear(&e);
        int rc = p->fn(p->user, seg, seed, &p->s->slots[k], &e);
        if (!rc && p->s->slots[k].oom)
            rc = common_error_set(&e, -1, "", "", "out of memory");
        char why[160];
        if (!rc && p->s->check && p->s->check(p->s->check_user, seg, seed, &p->s->slots[k], why, sizeof why))
            rc = common_error_set(&e, -1, "", "", "segment %zu seed %llu was computed wrong (a bug): %s", seg,
                                  (unsigned long long)seed, why);
        pthread_mutex_lock(&p->mu);
        if (!rc && p->s->ckpt)
            rc = experiments_checkpoint_append(p->s->ckpt, k, &p->s->slots[k], &e);
        if (rc && k < p->fail_index) {
            p->fail_index = k;
            p->fail_err = e;
        }
        p->done++;
        experiments_progress(p->r, "%s %zu/%zu, %.0f s", p->what, p->done, p->total,
                             common_clock_mono_s() - p->r->t0);
        pthread_mutex_unlock(&p->mu);
    }
}

int experiments_sweep_run(experiments_sweep *s, experiments_run *r, experiments_item_fn fn, void *user,
                          const char *what, common_error *err)
{
    pool p;
    memset(&p, 0, sizeof p);
    p.s = s;
    p.r = r;
    p.fn = fn;
    p.user = user;
    p.what = what;
    p.fail_index = s->n_items;
    for (size_t k = 0; k < s->n_items; k++)
        p.total += s->mine[k] == 1;
    pthread_mutex_init(&p.mu, NULL);
    unsigned nt = r->threads ? r->threads : 1;
    pthread_t *th = calloc(nt, sizeof *th);
    unsigned started = 0;
    if (th)
        for (; started < nt; started++)
            if (pthread_create(&th[started], NULL, worker, &p))
                break;
    if (started == 0)
        worker(&p);
    for (unsigned i = 0; i < started; i++)
        pthread_join(th[i], NULL);
    free(th);
    pthread_mutex_destroy(&p.mu);
    common_progress_end(&r->progress);
    if (p.fail_index < s->n_items) {
        if (err)
            *err = p.fail_err;
        return -1;
    }
    return 0;
}
