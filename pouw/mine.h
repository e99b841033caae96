/* pouw/mine.h - the mining loop (spec pouw.md s1): pre-hash gate, useful work,
 * post-hash, validity; repeat with the next nonce until an attempt is valid.
 *
 * One attempt: set time_ms = max(clock, min_time_ms), search the next nonce whose
 * pre-hash meets the target (pouw_prehash_search, in chunks), run the n sessions
 * (pouw_attempt_run), score them, apply the mode's rule. A failed attempt costs
 * its sessions; the loop goes on from the next nonce. Nonces stay below 2^53 (the
 * block document's integer range): at 2^53 the search wraps to 0 (a new clock
 * reading makes the header new). An attempt whose session BSE cannot run
 * (POUW_ESESSION) is counted as failed, not fatal: the verifier would reject it.
 *
 * The library has no clock of its own (STYLE rule 8): the caller passes one, and
 * tests pass a fixed one, so a test's mining is reproducible.
 *
 * Thread-safety: reentrant; sessions may run on threads (params->threads).
 */
#ifndef POUW_MINE_H
#define POUW_MINE_H

#include <stdint.h>

#include "common/error.h"
#include "pouw/env.h"
#include "pouw/header.h"
#include "pouw/status.h"
#include "pouw/work.h"

#define POUW_NONCE_LIMIT ((uint64_t)1 << 53) /* nonces are below this */

/* Running totals, passed to the progress callback after every attempt. */
typedef struct pouw_mine_stats {
    uint64_t attempts;        /* attempts whose sessions ran (or failed to run) */
    uint64_t failed_sessions; /* attempts abandoned because a session could not run */
    uint64_t prehash_tries;   /* pre-hashes computed */
    int64_t last_pps_micro;   /* score of the latest attempt */
    int64_t best_pps_micro;   /* best score so far (INT64_MIN before any) */
} pouw_mine_stats;

typedef struct pouw_mine_params {
    pouw_header header;       /* every field but time_ms and nonce, which the loop sets */
    pouw_work work;           /* what the sessions run */
    uint64_t min_time_ms;     /* time_ms is at least this (parent's median time past + 1) */
    uint64_t start_nonce;     /* first nonce tried (below POUW_NONCE_LIMIT) */
    uint64_t max_attempts;    /* give up after this many attempts; 0: no limit */
    unsigned threads;         /* session threads per attempt (0 or 1: calling thread) */
    /* The clock in Unix ms; NULL: time_ms is min_time_ms on every attempt. */
    uint64_t (*clock_ms)(void *user);
    void *clock_user;
    /* Called after each attempt; a non-zero return stops the loop. May be NULL. */
    int (*progress)(void *user, const pouw_mine_stats *stats);
    void *progress_user;
} pouw_mine_params;

/* Mines until an attempt is valid.
 * Returns: POUW_OK (found: *header has the time and nonce, *attempt its work);
 * POUW_ENOTFOUND (max_attempts reached or progress asked to stop); POUW_ELIMIT
 * (header.sessions 0 or above POUW_MAX_SESSIONS); POUW_ERANGE (unknown mode);
 * POUW_EBITS_NEGATIVE / POUW_EBITS_OVERFLOW (bad targets); POUW_ECONFIG (the work
 * makes invalid cases); POUW_ENOMEM, POUW_ECRYPTO. On any non-OK return *header
 * and *attempt are zeroed; *stats always holds the totals.
 * Out: header, attempt, stats, err (may be NULL). Allocates per attempt (see
 * pouw_attempt_run), freed before return. */
__attribute__((warn_unused_result)) pouw_status pouw_mine(pouw_header *header, pouw_attempt *attempt,
                                                          pouw_mine_stats *stats, common_error *err,
                                                          const pouw_mine_params *params);

#endif /* POUW_MINE_H */
