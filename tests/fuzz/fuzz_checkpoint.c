/* tests/fuzz/fuzz_checkpoint.c - fuzz target for a sweep checkpoint's reader
 * (experiments/checkpoint.h experiments_checkpoint_parse), on a sweep of 2 segments,
 * 6 items, for run "R".
 * Any input must be accepted or refused with a message naming a line; never a crash,
 * a leak or an undefined read (UBSan in `make fuzz`). A refused input leaves the
 * sweep as it was (no item loaded); an accepted one loads at most each item once, each
 * passing the sweep's item check (fuzz_item_check), and
 * its good length ends at a newline (or is 0). */
#include <assert.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "experiments/checkpoint.h"
#include "tests/fuzz/sweep_marks.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    uint64_t lo[2] = {0, 10}, hi[2] = {4, 12};
    experiments_sweep s;
    if (experiments_sweep_init(&s, 2, lo, hi, 0, 1))
        return 0;
    s.check = fuzz_item_check;
    FILE *f = size ? fmemopen((void *)data, size, "r") : fopen("/dev/null", "r");
    if (!f) {
        experiments_sweep_clear(&s);
        return 0;
    }
    long good = -1;
    size_t loaded = 99;
    int torn = -1;
    common_error err;
    common_error_clear(&err);
    int rc = experiments_checkpoint_parse(f, "fuzz.ckpt", "R", &s, &good, &loaded, &torn, &err);
    fclose(f);
    size_t marked = fuzz_sweep_marked(&s);
    if (rc) {
        assert(err.msg[0] != '\0' && strstr(err.msg, "line "));
        assert(marked == 0);
    } else {
        assert(loaded == marked && loaded <= s.n_items);
        assert(good >= 0 && (size_t)good <= size);
        assert(good == 0 || data[good - 1] == '\n');
        assert(torn == 0 || torn == 1);
    }
    experiments_sweep_clear(&s);
    return 0;
}
