/* experiments/mpi.h - the only MPI of the toolkit (the libraries know none): start and
 * stop, and gathering a sweep's slots on rank 0. A program not started by mpirun (no
 * OpenMPI launch environment) never calls MPI at all and is rank 0 of 1, so every
 * driver also runs alone (and under sanitizers) without an MPI runtime.
 * Thread-safety: called by the main thread only (MPI_THREAD_FUNNELED is enough).
 */
#ifndef EXPERIMENTS_MPI_H
#define EXPERIMENTS_MPI_H

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

/* Stops every rank after a failure on one (MPI_Abort with code); exit(code) alone. */
void experiments_mpi_abort(int code) __attribute__((noreturn));

#endif /* EXPERIMENTS_MPI_H */
