/* experiments/mpi.h - the only MPI of the toolkit (the libraries know none): start and
 * stop, gathering a sweep's slots on rank 0, and the start and the sweep every driver
 * shares (experiments_driver_start, experiments_sweep_gathered). A program not started
 * by mpirun (no OpenMPI launch environment) never calls MPI at all and is rank 0 of 1, so every
 * driver also runs alone (and under sanitizers) without an MPI runtime.
 * Thread-safety: called by the main thread only (MPI_THREAD_FUNNELED is enough).
 */
#ifndef EXPERIMENTS_MPI_H
#define EXPERIMENTS_MPI_H

#include "experiments/driver.h"
#include "experiments/sweep.h"

/* Starts MPI when launched by mpirun (OMPI_COMM_WORLD_SIZE / PMIX_RANK set). Out: rank,
 * ranks (0 and 1 otherwise). Returns 0, or -1 when MPI_Init failed. */
int experiments_mpi_init(int *argc, char ***argv, int *rank, int *ranks);

/* Ends MPI if it was started (after the last collective call). */
void experiments_mpi_finalize(void);

/* Every rank calls it after experiments_sweep_run: rank 0 receives every slot (and
 * then holds them all); other ranks send theirs. Returns 0, or -1 (out of memory or an
 * MPI failure, on any rank: every rank gets the verdict). */
int experiments_mpi_gather(experiments_sweep *s);

/* 1 when every rank passes ok != 0 (a collective AND); ok itself without MPI. */
int experiments_mpi_all_ok(int ok);

/* The sweep of a driver, start to gather: experiments_sweep_init of n segments
 * (seeds [lo[k], hi[k])) on r's rank, experiments_sweep_run of fn (progress label
 * what; every item read back from --checkpoint or --reuse, or computed, must pass
 * check, which sees fn's user), a collective verdict, and experiments_mpi_gather. Returns 1 on rank 0 when
 * sw holds every item: the caller writes its tables, then experiments_sweep_clear
 * and experiments_mpi_finalize. Returns 0 otherwise, with sw cleared, MPI finalized
 * and *exit_code what main returns: 0 on the other ranks, COMMON_EXIT_REJECTED when
 * a rank failed (rank 0 has said why through experiments_fail). */
int experiments_sweep_gathered(experiments_sweep *sw, int *exit_code, experiments_run *r, size_t n,
                               const uint64_t *lo, const uint64_t *hi, experiments_item_fn fn,
                               experiments_item_check_fn check, void *user, const char *what);

/* The start of a sweep driver's main (experiments_driver_start). */
typedef struct experiments_prologue {
    const common_cli *cli;  /* the driver's, EXPERIMENTS_STD_OPTS first */
    const char *id;         /* "E9" */
    uint64_t quick_seeds;   /* the default seeds: [0, quick_seeds) at quick scale, */
    uint64_t paper_seeds;   /* [0, paper_seeds) at paper (both 0: the driver picks its
                             * ranges itself with experiments_run_seeds; *lo = *hi = 0) */
    uint64_t max_runs;      /* the most seeds --seeds may ask for (0: no limit) */
    const char *max_per;    /* said after "runs" in that error ("" or " per scenario") */
    /* The driver's own options (NULL: none to check): called on every rank once the
     * standard options are fine; reads a (and r->scale) into user and returns 0,
     * or the exit code after the one-line error (printed on rank 0 only:
     * experiments_usage_error). */
    int (*own)(void *user, const experiments_run *r, const common_args *a);
    void *user;
} experiments_prologue;

/* The prologue every sweep driver shares: experiments_mpi_init (a failure is said as
 * "prog: MPI_Init failed"), common_cli_parse, experiments_run_start, the seed range
 * (experiments_run_seeds of the scale's default), p->own, the "--seeds: at most N
 * runs" check, and a collective verdict. Returns 1 when the run goes on: *a, *r and
 * [*lo, *hi) filled, the same on every rank (lo and hi may be NULL when the driver
 * has no default seeds). Returns 0 otherwise, with MPI finalized
 * and *exit_code what main returns: 0 after --help/--version, COMMON_EXIT_USAGE after
 * a one-line error (nothing written), COMMON_EXIT_REJECTED when MPI failed. */
int experiments_driver_start(const experiments_prologue *p, int *argc, char ***argv, common_args *a,
                             experiments_run *r, uint64_t *lo, uint64_t *hi, int *exit_code);

/* The start of a driver that works as one process (E3-E8, E14): experiments_mpi_init,
 * common_cli_parse and experiments_run_start; under mpirun only rank 0 works. Returns 1
 * on rank 0 when the run goes on (*a and *r filled). Returns 0 otherwise, with MPI
 * finalized and *exit_code what main returns: 0 after --help/--version and on the other
 * ranks, COMMON_EXIT_USAGE after the one-line error, COMMON_EXIT_REJECTED when MPI
 * failed. */
int experiments_single_start(const common_cli *cli, const char *id, int *argc, char ***argv, common_args *a,
                             experiments_run *r, int *exit_code);

/* A usage error found on every rank, said once: rank 0 prints "prog: <msg>" (and the
 * --help hint) like common_cli_usage_error. Returns COMMON_EXIT_USAGE on every rank. */
int experiments_usage_error(const experiments_run *r, const common_cli *cli, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Stops every rank after a failure on one (MPI_Abort with code); exit(code) alone. */
void experiments_mpi_abort(int code) __attribute__((noreturn));

#endif /* EXPERIMENTS_MPI_H */
