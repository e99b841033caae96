/* tests/fuzz/fuzz_csv.c - fuzz target for the CSV reader the drivers read their inputs
 * with (experiments/driver.h experiments_csv_parse: libcsv, the width check) and for
 * the two checks run on what it reads: E1's file (experiments/e1csv.h, as E3 and E4
 * take it) and a BSE.py baseline (experiments/model.h, as E13 and E14 take it).
 * Any input must be accepted or refused with a one-line message; never a crash, a
 * leak or an undefined read (UBSan in `make fuzz`). An accepted table is rectangular:
 * every cell reachable, NUL-terminated, inside the table's text. */
#include <assert.h>
#include <stdint.h>
#include <string.h>

#include "experiments/driver.h"
#include "experiments/e1csv.h"
#include "experiments/model.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    experiments_csv c;
    common_error err;
    common_error_clear(&err);
    /* no sidecar beside this name: the check is of the table alone */
    const char *name = "/nonexistent/fuzz/pps_distribution.csv";
    if (experiments_csv_parse(&c, name, (const char *)data, size, &err)) {
        assert(err.msg[0] != '\0' && !strchr(err.msg, '\n'));
        assert(c.nrows == 0 && c.head == NULL);
        experiments_csv_clear(&c);
        return 0;
    }
    assert(c.ncols >= 1 && c.head != NULL);
    size_t total = 0;
    for (size_t j = 0; j < c.ncols; j++)
        total += strlen(c.head[j]);
    for (size_t r = 0; r < c.nrows; r++)
        for (size_t j = 0; j < c.ncols; j++)
            total += strlen(experiments_csv_cell(&c, r, (int)j));
    assert(total <= size);
    uint64_t heights = 99;
    common_error_clear(&err);
    if (experiments_e1csv_check(&c, name, &heights, &err))
        assert(err.msg[0] != '\0' && !strchr(err.msg, '\n'));
    else
        assert(heights == 0);
    common_error_clear(&err);
    if (experiments_baseline_check(&c, "fuzz_baseline.csv", &err))
        assert(err.msg[0] != '\0' && !strchr(err.msg, '\n'));
    experiments_csv_clear(&c);
    return 0;
}
