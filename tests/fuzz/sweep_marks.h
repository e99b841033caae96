/* tests/fuzz/sweep_marks.h - what the checkpoint fuzz targets assert of a sweep after a
 * reader ran: every item is this rank's (mine 1) or loaded (mine 2), one not loaded
 * holds no values, and one loaded passes the sweep's item check (fuzz_item_check, which
 * the targets set: at most 3 values, the first, if any, a whole number in [0, 9], as a
 * driver's count or index). fuzz_sweep_marked returns the items loaded. */
#ifndef TESTS_FUZZ_SWEEP_MARKS_H
#define TESTS_FUZZ_SWEEP_MARKS_H

#include <assert.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "experiments/sweep.h"

static inline int fuzz_item_check(void *user, size_t seg, uint64_t seed, const experiments_vals *v, char *why,
                                  size_t n)
{
    (void)user, (void)seg, (void)seed;
    if (v->n > 3) {
        snprintf(why, n, "%zu values where an item has at most 3", v->n);
        return -1;
    }
    return experiments_vals_range(v, 0, 1, 1, 0, 9, 1, why, n);
}

static inline size_t fuzz_sweep_marked(const experiments_sweep *s)
{
    char why[160];
    size_t marked = 0;
    for (size_t k = 0; k < s->n_items; k++) {
        assert(s->mine[k] == 1 || s->mine[k] == 2);
        marked += s->mine[k] == 2;
        if (s->mine[k] == 2)
            assert(fuzz_item_check(NULL, 0, 0, &s->slots[k], why, sizeof why) == 0);
        if (s->mine[k] == 1)
            assert(s->slots[k].n == 0);
    }
    return marked;
}

#endif
