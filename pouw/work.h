/* pouw/work.h - the useful work of one attempt: n market sessions from a pre-hash,
 * their scores and digests, the outcome digest, the post-hash and the validity
 * rule (spec pouw.md s1.3-1.7, s5, s6).
 *
 * Session i of an attempt with pre-hash P:
 *   s_i    = SHA-256(P || u32le(i))                          (pouw/seed.h)
 *   case   = pouw_session_case(work, s_i, i)                 (pouw/env.h)
 *   run    = bse_session_run(case)                           (bse/session.h)
 *   d_i    = SHA-256(tape bytes || final average-balance line bytes)
 *   pps_i  = (mean_0 + mean_1 + ... + mean_{m-1}) / (end_time - start_time)
 *            where mean_k = run.types[k].mean, the per-type mean profits of the
 *            final line in BSE's order (sorted by type name), summed left to right
 *            in IEEE double (no FMA: the Makefile's -ffp-contract=off)
 *   useful = run.best[0], run.best[1]: the best buy-side and sell-side adaptive
 *            (PRSH/PRDE/ZIPSH) strategy at the end of the session, BSE's record
 * and for the attempt:
 *   pps        = (pps_0 + ... + pps_{n-1}) / n, accumulated left to right
 *   pps_micro  = floor(pps * 1e6)
 *   outcome    = SHA-256(d_0 || ... || d_{n-1})
 *   post_hash  = SHA-256(P || outcome || i64le(pps_micro))
 *
 * Sessions run on worker threads when asked (threads > 1 and n > 1); each writes
 * only its own result slot and the sums are formed afterwards in index order, so
 * every output is independent of the number of threads and of their timing.
 *
 * Thread-safety: no shared state; an attempt may run while others run elsewhere.
 */
#ifndef POUW_WORK_H
#define POUW_WORK_H

#include <stdint.h>

#include "bse/config.h"
#include "common/error.h"
#include "bse/session.h"
#include "pouw/env.h"
#include "pouw/header.h"
#include "pouw/sha256.h"
#include "pouw/status.h"

#define POUW_MAX_SESSIONS 64 /* protocol limit on n, sessions per attempt */
#define POUW_PPS_MICRO_MAX ((int64_t)9007199254740991) /* |pps_micro| <= 2^53 - 1 (exact in JSON) */

/* What one session contributes to an attempt and to the block. */
typedef struct pouw_session_out {
    uint8_t seed[POUW_SHA256_BYTES];   /* s_i */
    uint8_t digest[POUW_SHA256_BYTES]; /* d_i */
    double pps;                        /* pps_i */
    int64_t n_trades;                  /* for people */
    bse_strategy_record best[2];       /* useful output: [0] buyers, [1] sellers */
} pouw_session_out;

/* One attempt's useful work and its scores. A plain value. */
typedef struct pouw_attempt {
    uint8_t pre_hash[POUW_SHA256_BYTES];
    uint32_t n;                                 /* sessions */
    pouw_session_out s[POUW_MAX_SESSIONS];
    double pps;
    int64_t pps_micro;
    uint8_t outcome[POUW_SHA256_BYTES];
    uint8_t post_hash[POUW_SHA256_BYTES];
} pouw_attempt;

/* Runs the BSE session of case c and derives its contribution (seed32 is copied
 * into out->seed as given; it must be the seed c was built with).
 * Returns: POUW_OK; POUW_ESESSION (BSE.py would crash on the case: err says
 * where); POUW_ECONFIG (c does not validate); POUW_ENOMEM; POUW_ECRYPTO; POUW_ERANGE
 * (pps_i not finite). On error *out is zeroed.
 * Out: out, err (may be NULL). Allocates the session's buffers, freed before
 * return. Thread-safe. */
__attribute__((warn_unused_result)) pouw_status pouw_session_eval(pouw_session_out *out, common_error *err,
                                                                  const bse_case *c,
                                                                  const uint8_t seed32[POUW_SHA256_BYTES]);

/* Runs the n sessions of an attempt with pre-hash pre_hash32 for work w (the
 * formulas above) on up to `threads` threads (0 or 1: the calling thread only).
 * Returns: POUW_OK; POUW_ELIMIT (n is 0 or above POUW_MAX_SESSIONS); the first
 * failing session's code (lowest index, whatever the thread timing) with err
 * naming it as "session <i>"; POUW_ENOMEM when a thread cannot start. On error
 * *out is zeroed.
 * Out: out, err (may be NULL). Allocates per session and per thread, freed
 * before return. Thread-safe. */
__attribute__((warn_unused_result)) pouw_status pouw_attempt_run(pouw_attempt *out, common_error *err,
                                                                 const pouw_work *w,
                                                                 const uint8_t pre_hash32[POUW_SHA256_BYTES],
                                                                 uint32_t n, unsigned threads);

/* Forms pps, pps_micro, outcome and post_hash of a from a->pre_hash and
 * a->s[0..a->n) (pouw_attempt_run does this; tests use it on edited sessions).
 * Returns: POUW_OK, POUW_ELIMIT (bad n), POUW_ERANGE (pps not finite or
 * |pps_micro| above POUW_PPS_MICRO_MAX), POUW_ECRYPTO. In/Out: a. */
__attribute__((warn_unused_result)) pouw_status pouw_attempt_score(pouw_attempt *a);

/* The validity rule (spec s11.2, both modes) for an attempt's scores:
 * pps_micro >= h->pps_threshold_micro (the usefulness floor) and, unless
 * h->post_bits is 0 (no target), post_hash <= the target of h->post_bits
 * Returns: POUW_OK and *valid (1 valid, 0 not); POUW_EBITS_NEGATIVE /
 * POUW_EBITS_OVERFLOW for bad post_bits; POUW_ERANGE for an
 * unknown mode (*valid is then 0). Out: valid. */
__attribute__((warn_unused_result)) pouw_status pouw_attempt_valid(int *valid, const pouw_header *h,
                                                                   int64_t pps_micro,
                                                                   const uint8_t post_hash32[POUW_SHA256_BYTES]);

#endif /* POUW_WORK_H */
