/* experiments/mpi.h - the only MPI of the toolkit (the libraries know none): start and
 * stop, and gathering a sweep's slots on rank 0. A program not started by mpirun (no
 * OpenMPI launch environment) never calls MPI at all and is rank 0 of 1, so every
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
 * what), a collective verdict, and experiments_mpi_gather. Returns 1 on rank 0 when
 * sw holds every item: the caller writes its tables, then experiments_sweep_clear
 * and experiments_mpi_finalize. Returns 0 otherwise, with sw cleared, MPI finalized
 * and *exit_code what main returns: 0 on the other ranks, COMMON_EXIT_REJECTED when
 * a rank failed (rank 0 has said why through experiments_fail). */
int experiments_sweep_gathered(experiments_sweep *sw, int *exit_code, experiments_run *r, size_t n,
                               const uint64_t *lo, const uint64_t *hi, experiments_item_fn fn, void *user,
                               const char *what);

/* Stops every rank after a failure on one (MPI_Abort with code); exit(code) alone. */
void experiments_mpi_abort(int code) __attribute__((noreturn));

#endif /* EXPERIMENTS_MPI_H */
