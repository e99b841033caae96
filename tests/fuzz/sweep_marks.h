/* tests/fuzz/sweep_marks.h - what the checkpoint fuzz targets assert of a sweep after a
 * reader ran: every item is this rank's (mine 1) or loaded (mine 2), and one not loaded
 * holds no values. Returns the items loaded. */
#ifndef TESTS_FUZZ_SWEEP_MARKS_H
#define TESTS_FUZZ_SWEEP_MARKS_H

#include <assert.h>
#include <stddef.h>

#include "experiments/sweep.h"

static inline size_t fuzz_sweep_marked(const experiments_sweep *s)
{
    size_t marked = 0;
    for (size_t k = 0; k < s->n_items; k++) {
        assert(s->mine[k] == 1 || s->mine[k] == 2);
        marked += s->mine[k] == 2;
        if (s->mine[k] == 1)
            assert(s->slots[k].n == 0);
    }
    return marked;
}

#endif
