/* tests/fuzz/fuzz_reuse.c - fuzz target for the reader of other runs' checkpoints
 * (experiments/checkpoint.h experiments_checkpoint_reuse, --reuse), on a sweep of 2
 * segments (seeds 0:4 and 10:12, 6 items) for the run "P --scale=quick --x=1 rank=0/1
 * segments=0:4,10:12 code=C"; the input (plain or gzip) is written to a temporary file.
 * Any input must be accepted or refused with a message naming the file and a line;
 * never a crash, a leak or an undefined read (UBSan in `make fuzz`). A refused input
 * leaves the sweep as it was (no item loaded); an accepted one loads each item at most
 * once, each passing the sweep's item check (fuzz_item_check), and counts what it
 * loaded. */
#include <assert.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "experiments/checkpoint.h"
#include "tests/fuzz/sweep_marks.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char path[] = "/tmp/fuzz_reuse_XXXXXX";
    int fd = mkstemp(path);
    if (fd < 0)
        return 0;
    int wrote = write(fd, data, size) == (ssize_t)size;
    close(fd);
    uint64_t lo[2] = {0, 10}, hi[2] = {4, 12};
    experiments_sweep s;
    if (!wrote || experiments_sweep_init(&s, 2, lo, hi, 0, 1)) {
        unlink(path);
        return 0;
    }
    s.check = fuzz_item_check;
    size_t reused = 99;
    char from[256];
    common_error err;
    common_error_clear(&err);
    int rc = experiments_checkpoint_reuse(path, "P --scale=quick --x=1 rank=0/1 segments=0:4,10:12 code=C", &s,
                                          &reused, from, sizeof from, &err);
    unlink(path);
    size_t marked = fuzz_sweep_marked(&s);
    if (rc) {
        assert(err.msg[0] != '\0' && strstr(err.msg, "line ") && strstr(err.path, "fuzz_reuse_"));
        assert(marked == 0 && reused == 0);
    } else {
        assert(reused == marked && reused <= s.n_items);
        assert(strstr(from, "fuzz_reuse_"));
    }
    experiments_sweep_clear(&s);
    return 0;
}
