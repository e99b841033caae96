/* experiments/driver.h - what every experiment driver shares (shared/spec/experiments.md,
 * Contract): the standard options (--scale quick|paper, --seeds A:B, --out DIR,
 * --threads T), their checks with the project's one-line errors, CSV tables written
 * through libcsv (quoting) with a header row and crash-safely (temp file, fsync, rename:
 * never half a CSV), CSVs read back with libcsv's parser, and the JSON sidecar beside
 * each CSV (experiment id, config, seeds, scale, code version, compiler, machine, wall
 * time, "deterministic").
 *
 * Determinism: a table's bytes depend only on the values appended, never on time,
 * addresses, threads or ranks; numbers are formatted with fixed printf formats.
 * Thread-safety: values owned by the caller; no global state.
 */
#ifndef EXPERIMENTS_DRIVER_H
#define EXPERIMENTS_DRIVER_H

#include <stddef.h>
#include <stdint.h>

#include "common/buf.h"
#include "common/error.h"
#include "common/cli.h"
#include "common/progress.h"

typedef enum experiments_scale { EXPERIMENTS_QUICK = 0, EXPERIMENTS_PAPER = 1 } experiments_scale;

/* The standard options come first in every driver's option table, in this order. */
enum {
    EXPERIMENTS_OPT_SCALE = 0,
    EXPERIMENTS_OPT_SEEDS,
    EXPERIMENTS_OPT_OUT,
    EXPERIMENTS_OPT_THREADS,
    EXPERIMENTS_OPT_OWN /* a driver's own options start here */
};

/* An option entry (designated, so fields added to common_opt stay zero). */
#define EXPERIMENTS_OPT(n, k, m, l, h, c, hp) {.name = (n), .kind = (k), .meta = (m), .lo = (l), .hi = (h), .cmds = (c), .help = (hp)}

#define EXPERIMENTS_STD_OPTS                                                                                \
    EXPERIMENTS_OPT("--scale", COMMON_OPT_STR, "SCALE", 0, 0, 0, "quick (minutes, make results) or paper (hours); default quick"), \
    EXPERIMENTS_OPT("--seeds", COMMON_OPT_STR, "A:B", 0, 0, 0, "seeds A, A+1, ..., B-1 (A < B); default: the scale's range"),     \
    EXPERIMENTS_OPT("--out", COMMON_OPT_STR, "DIR", 0, 0, 0, "folder for the CSV files and their sidecars (default results)"),  \
    EXPERIMENTS_OPT("--threads", COMMON_OPT_UINT, "T", 1, 1024, 0, "worker threads per process (default: every core)")

/* The options of every sweep driver (experiments_driver_start finds them by name; they
 * go after the driver's own options): experiments/checkpoint.h. */
#define EXPERIMENTS_CHECKPOINT_OPT                                                                          \
    EXPERIMENTS_OPT("--checkpoint", COMMON_OPT_STR, "FILE", 0, 0, 0,                                        \
                    "keep each finished item in FILE, and resume from it: a run stopped\n"                  \
                    "and started again with the same options goes on where it was, and\n"                   \
                    "writes the same CSV bytes (under mpirun, rank R uses FILE.rankR)"),                   \
    EXPERIMENTS_OPT("--reuse", COMMON_OPT_STR, "FILE,...", 0, 0, 0,                                        \
                    "take the finished items of these checkpoints (plain or .gz) of runs\n"               \
                    "with the same options but other seeds instead of computing them: a\n"                 \
                    "long sweep can be run in seed ranges, on other machines or days, and\n"              \
                    "joined; the CSVs are the same bytes as one run's")

#define EXPERIMENTS_FOOTER                                                                                  \
    "Under `mpirun -np K` the seed range is split over the K ranks; rank 0 writes the\n"                    \
    "same CSV bytes as one process. Exit status: 0 done, 1 the work or a write failed,\n"                   \
    "2 usage or bad input (nothing written)."

/* One driver run: the parsed standard options and the run's context. */
typedef struct experiments_run {
    const char *prog;        /* "e1_landscape" */
    const char *id;          /* "E1" */
    experiments_scale scale;
    int seeds_given;         /* 1: --seeds was given */
    uint64_t seed_lo, seed_hi; /* [lo, hi) when given */
    const char *out;
    unsigned threads;
    int rank, ranks;         /* MPI rank and size (0 and 1 without mpirun) */
    double t0;               /* monotonic start time (sidecar wall time) */
    char checkpoint[1024];   /* --checkpoint's file for this rank, or "" */
    char ckpt_opts[2048];    /* the options that can change a value (checkpoint.h's <run>) */
    size_t resumed;          /* items this rank read back from its checkpoint */
    const char *reuse;       /* --reuse's list of checkpoint files, or NULL */
    size_t reused;           /* items taken from them (all ranks'), not computed */
    size_t reuse_checked;    /* items of theirs computed again as a check (all ranks') */
    char reused_from[1024];  /* "NAME (code C, N items), ..." (rank 0's, for the sidecar) */
    common_progress progress;
} experiments_run;

/* The scale's name ("quick", "paper"). */
const char *experiments_scale_name(experiments_scale s);

/* Checks the standard options of a (parsed against cli with EXPERIMENTS_STD_OPTS first)
 * and fills r: scale quick|paper, --seeds A:B with A < B, --out usable (created), the
 * thread count (default: online cores divided by the MPI ranks on this node, at least 1).
 * rank/ranks come from the caller (experiments_mpi_init).
 * Returns: 0, or COMMON_EXIT_USAGE after printing the one-line error (nothing written). */
int experiments_run_start(experiments_run *r, const common_cli *cli, const common_args *a, const char *id,
                          int rank, int ranks);

/* The seed range to use: --seeds when given, else [lo, hi). Out: *a, *b. */
void experiments_run_seeds(const experiments_run *r, uint64_t lo, uint64_t hi, uint64_t *a, uint64_t *b);

/* A CSV table being built in memory: header row first, then rows. */
typedef struct experiments_table {
    common_buf buf;
    size_t ncols;
    size_t col;   /* fields in the current row */
    int failed;   /* out of memory, or a row of the wrong width */
} experiments_table;

/* Starts a table with the header row cols[0..ncols). Free with experiments_table_clear. */
void experiments_table_init(experiments_table *t, const char *const *cols, size_t ncols);
void experiments_table_clear(experiments_table *t);
/* Appends one field (quoted by libcsv's csv_write when it needs quoting). */
void experiments_table_str(experiments_table *t, const char *s);
void experiments_table_int(experiments_table *t, int64_t v);
/* printf "%.{prec}f"; a NaN is written as an empty field. */
void experiments_table_num(experiments_table *t, double v, int prec);
/* Ends the row (it must have ncols fields). */
void experiments_table_end(experiments_table *t);

/* Writes t to DIR/name crash-safely, then removes a DIR/name.gz left by an earlier run
 * (a folder never holds two versions of one CSV beside one sidecar). Returns 0, or -1
 * with err filled (no file left). */
int experiments_table_write(const experiments_table *t, const char *dir, const char *name, common_error *err);

/* The names that go with a CSV's path: its compressed copy, path + ".gz" (make results
 * SCALE=paper keeps its largest CSVs so), and its sidecar, X.json for X.csv or
 * X.csv.gz. Each writes out (cap bytes) and returns 0, or -1 when out is too short or
 * (the sidecar) path names no .csv or .csv.gz file. */
int experiments_gz_path(char *out, size_t cap, const char *path);
int experiments_sidecar_path(char *out, size_t cap, const char *path);

/* s as a JSON string literal (its quotes and escapes, from cJSON) in out (cap bytes), for a
 * path or a name put into a sidecar's config text. Returns 0, or -1 when out is too short. */
int experiments_json_quote(char *out, size_t cap, const char *s);

/* Writes DIR/<name without .csv>.json: {"experiment", "file", "scale", "seeds", "config"
 * (config_json: a JSON object text, or NULL), "code_version", "compiler", "machine",
 * "ranks", "threads", "wall_s", "deterministic"}. Returns 0 or -1 with err; a config_json
 * that is not a JSON object is refused (a driver bug), and no sidecar is written. */
int experiments_sidecar_write(const experiments_run *r, const char *dir, const char *csv_name, const char *seeds,
                              const char *config_json, int deterministic, common_error *err);

/* A CSV file read back (libcsv csv_parse): the header and the rows, all as strings. */
typedef struct experiments_csv {
    size_t ncols, nrows;
    char **head;  /* ncols names, then the cells: one allocation */
    char **cells; /* nrows x ncols, row-major (head + ncols) */
    char *text;   /* every field's text, NUL-terminated (one allocation) */
} experiments_csv;

/* Reads a CSV with a header row; every record must have the header's width (a cut or
 * damaged record is refused, naming its line: records are counted as lines, which
 * they are in every CSV the toolkit writes). A gzip file is read through zlib, and
 * when path does not exist but path.gz does, that is read: a CSV kept compressed
 * (make results SCALE=paper gzips its largest CSVs) reads like the plain file. A .gz
 * cut short or damaged is refused. Returns 0, or -1 with err (file, line).
 * Out: c (free with experiments_csv_clear, also after an error). */
int experiments_csv_read(experiments_csv *c, const char *path, common_error *err);
/* The same on n bytes in memory (name: for messages); the fuzz target's entry. */
int experiments_csv_parse(experiments_csv *c, const char *name, const char *data, size_t n, common_error *err);
void experiments_csv_clear(experiments_csv *c);
/* Index of column name, or -1. */
int experiments_csv_col(const experiments_csv *c, const char *name);
/* Cell (row, col) ("" outside). */
const char *experiments_csv_cell(const experiments_csv *c, size_t row, int col);

/* Cell (row, col) of the file path as a decimal integer in [lo, hi]. Returns 0 and *out,
 * or -1 with err "path: line N: column: not an integer in [lo, hi]: 'text'". */
int experiments_csv_int(const experiments_csv *c, const char *path, size_t row, int col, int64_t lo, int64_t hi,
                        int64_t *out, common_error *err);

/* Cell (row, col) as a finite decimal number in [lo, hi] (strtod syntax, whole cell);
 * an empty cell is NaN when allow_empty. Returns 0 and *out, or -1 with err. */
int experiments_csv_real(const experiments_csv *c, const char *path, size_t row, int col, double lo, double hi,
                         int allow_empty, double *out, common_error *err);

/* The path of rel (e.g. "reference/bse_python_baseline.csv") in the project's shared
 * folder (shared/: the reference BSE.py figures and tools, beside the checkout): under
 * $BSE_SHARED when set, else under the first "shared" folder beside an ancestor of the
 * running program's folder (bin/ or build/X/bin/ of a checkout whose parent holds
 * shared/), else under /work/shared. Out: out (n bytes). Returns 1 when that file
 * exists, 0 otherwise (out then names the last place tried). */
int experiments_shared_path(char *out, size_t n, const char *rel);

/* The first line of the file path, without its line end, into line (n bytes; longer lines
 * are cut); empty when the file is missing or empty. */
void experiments_first_line(char *line, size_t n, const char *path);

/* Runs argv[0] (a path) with argv and env (NULL: ours), its stdout and stderr written to
 * the files out_path and err_path, and waits for it. what names it in errors ("BSE.py's
 * runner"). Returns 0 with *status (waitpid's), or -1 with err (it could not be started
 * or waited for). */
int experiments_spawn_to_files(char *const argv[], char *const env[], const char *out_path, const char *err_path,
                               const char *what, int *status, common_error *err);

/* Shows "prog: <msg>" in place on a terminal (rank 0 only). */
void experiments_progress(experiments_run *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Prints err as one line "prog: path: field: msg" (STYLE rule 5). Returns COMMON_EXIT_REJECTED. */
int experiments_fail(experiments_run *r, const common_error *err);

#endif /* EXPERIMENTS_DRIVER_H */
