/* experiments/sweep.h - a seeded sweep: items (one per seed of one or more segments)
 * computed on worker threads, each into its own slot of numbers; the rank's share of
 * every segment is a contiguous seed range (experiments_sweep_share), so K MPI ranks
 * split the work by seed ranges and rank 0 gathers the slots (experiments/mpi.h).
 *
 * Invariant: slot i holds exactly what item i's function pushed; nothing depends on
 * which thread or rank computed it, so the gathered slots - and every CSV formed from
 * them in item order - are the same bytes for any thread and rank count.
 * Thread-safety: the item function runs concurrently on distinct items; it must only
 * read shared user data.
 */
#ifndef EXPERIMENTS_SWEEP_H
#define EXPERIMENTS_SWEEP_H

#include <stddef.h>
#include <stdint.h>

#include "common/error.h"
#include "experiments/driver.h"

/* The numbers one item produced (any count). */
typedef struct experiments_vals {
    double *v;
    size_t n, cap;
    int oom;
} experiments_vals;

/* Appends x (sets oom on failure; the sweep then fails). */
void experiments_vals_push(experiments_vals *o, double x);

#define EXPERIMENTS_MAX_SEGMENTS 16

/* Whether v can be item (segment seg, seed)'s output: its count of values, and each
 * value the driver uses as a count or an index a whole number in range, so that values
 * read back from a file (--checkpoint, --reuse: a line's check guards against damage,
 * not against a forged line) cannot make the driver read out of bounds. user is the
 * item function's. Returns 0, or -1 with what is wrong in why (n bytes; e.g. "5 values
 * where an item has 6"). */
typedef int (*experiments_item_check_fn)(void *user, size_t seg, uint64_t seed, const experiments_vals *v,
                                         char *why, size_t n);

/* The checks an experiments_item_check_fn is made of. Each returns 0, or -1 with why
 * (n bytes). v has exactly want values: */
int experiments_vals_count(const experiments_vals *v, size_t want, char *why, size_t n);
/* v's values from, from + step, ... below to lie in [lo, hi] and, when whole, are whole
 * numbers (a count printed as an integer, an index; NaN never passes): */
int experiments_vals_range(const experiments_vals *v, size_t from, size_t to, size_t step, double lo, double hi,
                           int whole, char *why, size_t n);

/* The largest whole number a double holds exactly, and every count is below: 2^53. */
#define EXPERIMENTS_WHOLE_MAX 9007199254740992.0

/* A sweep: segments of seeds [lo, hi) (e.g. one per chain), items numbered
 * segment by segment; slots[k] is item k's output. */
typedef struct experiments_sweep {
    size_t n_seg;
    uint64_t lo[EXPERIMENTS_MAX_SEGMENTS], hi[EXPERIMENTS_MAX_SEGMENTS];
    size_t n_items;
    experiments_vals *slots;
    unsigned char *mine; /* 1: this rank computes (or, after gathering on rank 0, holds) item k;
                          * 2: this rank's, read back from its checkpoint (not computed again) */
    struct experiments_checkpoint *ckpt; /* NULL, or where each finished item is appended */
    experiments_item_check_fn check;     /* NULL (any values), or every item read back from a
                                          * file, and every item computed, must pass it */
    void *check_user;
} experiments_sweep;

/* Computes item (segment seg, seed) into out. Returns 0, or non-zero with err filled. */
typedef int (*experiments_item_fn)(void *user, size_t seg, uint64_t seed, experiments_vals *out, common_error *err);

/* Sets up a sweep over the segments; marks this rank's share: of each segment the
 * contiguous part [lo + n r / K, lo + n (r+1) / K). Returns 0 or -1 (out of memory). */
int experiments_sweep_init(experiments_sweep *s, size_t n_seg, const uint64_t *lo, const uint64_t *hi, int rank,
                           int ranks);
void experiments_sweep_clear(experiments_sweep *s);

/* Item index of (seg, seed). */
size_t experiments_sweep_index(const experiments_sweep *s, size_t seg, uint64_t seed);

/* The inverse over segments [lo[g], hi[g]) numbered segment by segment (a sweep's, or a
 * checkpoint file's): the segment and seed of item k, which must be below their total. */
void experiments_sweep_locate(const uint64_t *lo, const uint64_t *hi, size_t k, size_t *seg, uint64_t *seed);

/* Runs this rank's items not yet done (mine 1) on r->threads threads (progress on rank
 * 0's terminal: what), appending each to s->ckpt when set (a failed append fails its
 * item; so does a computed item that fails s->check: a driver bug, said as such). Returns 0, or -1 with err of the failing item of lowest index (whatever the
 * timing). */
int experiments_sweep_run(experiments_sweep *s, experiments_run *r, experiments_item_fn fn, void *user,
                          const char *what, common_error *err);

#endif /* EXPERIMENTS_SWEEP_H */
