/* experiments/checkpoint.h - a sweep's finished items kept in a file, so that a long
 * run (the paper scale takes hours) that is stopped - killed, out of time on a batch
 * queue, a machine rebooted - resumes where it was instead of starting again.
 *
 * The file is text, one line per finished item, appended (and flushed) as each item
 * ends:
 *   bsepouw-sweep-checkpoint 1 <run>\n                      the header
 *   <item> <n> <v_1> ... <v_n> <check>\n                     one per finished item
 * where <run> says which run wrote it (program, code version, rank and ranks, the
 * segments' seed ranges and every option that can change a value: all but --out,
 * --threads and --checkpoint), each v_j is the 16 hex digits of a double's IEEE-754
 * bits (so a resumed run's CSVs are the same bytes as an uninterrupted one's) and
 * <check> the 16 hex digits of the FNV-1a-64 hash of the line before it.
 * A last line without its newline (the writer was stopped mid-line) is dropped and cut
 * off; any other damage (a bad check, a wrong count, an item twice or not of this run)
 * is refused, never half-used. A file written by another run is refused: its items
 * could differ from this run's. The checkpoint covers options, not the contents of
 * files they name.
 * Thread-safety: one checkpoint per sweep; experiments_checkpoint_append is called
 * under the sweep's lock.
 */
#ifndef EXPERIMENTS_CHECKPOINT_H
#define EXPERIMENTS_CHECKPOINT_H

#include <stddef.h>
#include <stdio.h>

#include "common/error.h"
#include "experiments/sweep.h"

#define EXPERIMENTS_CHECKPOINT_MAGIC "bsepouw-sweep-checkpoint 1 "

typedef struct experiments_checkpoint {
    FILE *f;          /* open for appending after experiments_checkpoint_open */
    const char *path; /* the caller's string */
    size_t loaded;    /* items read back from the file */
    int dropped_torn; /* 1: a last line cut mid-way was dropped */
    int failed;       /* 1: a write failed (the last line may be cut): no more appends */
} experiments_checkpoint;

/* Reads a checkpoint's text from f (path names it in errors) for sweep s, written by
 * run (the header's text, no newline): each item line puts its values into s's slot
 * and marks it done (s->mine[k] = 2). Items must be s's and this rank's (s->mine[k] ==
 * 1), each at most once. Out: *good_len, the bytes up to the end of the last whole
 * line; *loaded, the items read; *torn, 1 when the text ends in a partial line.
 * An empty text is a new file (*good_len = 0). Returns 0, or -1 with err ("path:
 * line N: what") and s's slots as they were. */
int experiments_checkpoint_parse(FILE *f, const char *path, const char *run, experiments_sweep *s, long *good_len,
                                 size_t *loaded, int *torn, common_error *err);

/* Opens (creating it with its header when absent or empty) the checkpoint at path
 * for sweep s and run, and loads its items (experiments_checkpoint_parse); a torn
 * last line is cut off. Returns 0 (c open), or -1 with err (c closed, s's slots
 * as they were). */
int experiments_checkpoint_open(experiments_checkpoint *c, const char *path, const char *run, experiments_sweep *s,
                                common_error *err);

/* Appends item k's values and flushes. Returns 0, or -1 with err (the disk is full...). */
int experiments_checkpoint_append(experiments_checkpoint *c, size_t k, const experiments_vals *v, common_error *err);

/* Closes the file (the checkpoint stays on disk: a later run with the same options
 * reuses it, and only writes the CSVs). */
void experiments_checkpoint_close(experiments_checkpoint *c);

/* Reads the finished items of other runs' checkpoints into s, so that a run need not
 * compute again what a run of other seeds already has: paths is a comma-separated
 * list of checkpoint files (plain or gzip-compressed, read through zlib), each written
 * by a run of the same program and options as this run's header text run (the words
 * --seeds=, rank=, segments= and code= may differ: every item names its segment and
 * seed through the file's segments=, and an item's value does not depend on the
 * build - E8). Items of this run's seeds and rank not yet done are loaded and marked
 * done (mine 2); an item read before (from this run's own checkpoint or an earlier
 * file) must have the same values, bit for bit; items of other seeds or ranks are
 * skipped; a last line cut mid-way is dropped. Any damage (a bad header, a bad check,
 * a gzip stream cut short, values that disagree) is refused with s as it was.
 * Out: *reused, the items loaded; from (from_cap > 0 bytes), the files read as
 * "NAME (code C, N items), ..." for the sidecar. Returns 0, or -1 with err
 * ("path: line N: what"). */
int experiments_checkpoint_reuse(const char *paths, const char *run, experiments_sweep *s, size_t *reused,
                                 char *from, size_t from_cap, common_error *err);

#endif /* EXPERIMENTS_CHECKPOINT_H */
