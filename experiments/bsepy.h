/* experiments/bsepy.h - BSE.py itself, run beside the engine: one session's case through
 * the reference runner shared/tools/pybse.py (under /usr/bin/python3, with BSE_PY_DIR
 * naming the folder that holds BSE.py v1.91). E13 --bsepy compares its output files with
 * the engine's; E14 --bsepy times it on the machine that times the engine. */
#ifndef EXPERIMENTS_BSEPY_H
#define EXPERIMENTS_BSEPY_H

#include "bse/config.h"
#include "common/error.h"

typedef struct experiments_bsepy {
    char tool[4096]; /* shared/tools/pybse.py */
    char dir[4096];  /* the folder holding BSE.py */
} experiments_bsepy;

/* Finds the runner (experiments_shared_path "tools/pybse.py") and checks that dir holds a
 * readable BSE.py. Returns 0, or -1 with err naming what is missing (path: the folder or
 * the runner). Out: *b. */
int experiments_bsepy_open(experiments_bsepy *b, const char *dir, common_error *err);

/* Runs case c through BSE.py: writes the case as tmp/NAME.json, the runner writes BSE.py's
 * output files into odir, its one JSON line goes to tmp/NAME.out and is read back. tmp is
 * a folder the caller owns (and removes). Out: *wall_s, the runner's wall time of
 * BSE.py's market_session alone (not Python's start-up). Returns 0, or -1 with err (the
 * runner failed: its exit or signal and the last line it wrote on stderr, Python's error;
 * or its line has no wall_s > 0). */
int experiments_bsepy_run(const experiments_bsepy *b, const bse_case *c, const char *tmp, const char *name,
                          const char *odir, double *wall_s, common_error *err);

#endif /* EXPERIMENTS_BSEPY_H */
