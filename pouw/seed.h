/* pouw/seed.h - the digests that tie an attempt's useful work to its header
 * (spec pouw.md s1.3, s1.5, s3).
 *
 *   session seed      s_i = SHA-256(pre_hash || u32le(i))           i = 0..n-1
 *   environment seed  e_i = SHA-256(s_i || "environment")           11 ASCII bytes, no NUL
 *   outcome digest        = SHA-256(d_0 || ... || d_{n-1})          d_i: session i's record digest
 *   post_hash             = SHA-256(pre_hash || outcome || i64le(pps_micro))
 *   pps_micro             = floor(pps * 1e6)                        IEEE double product, then floor
 *
 * Every input that enters a digest is bytes or an integer; the only float,
 * pps, becomes the integer pps_micro first. pps_micro is what Python computes as
 * math.floor(pps * 1e6): the product is rounded to double once (no fused
 * multiply-add, no excess precision: pouw/assumptions.h), then floored.
 *
 * Thread-safety: pure functions on caller memory.
 */
#ifndef POUW_SEED_H
#define POUW_SEED_H

#include <stddef.h>
#include <stdint.h>

#include "pouw/sha256.h"
#include "pouw/status.h"

#define POUW_ENVIRONMENT_TAG "environment" /* hashed without its NUL */

/* s_i = SHA-256(pre_hash || u32le(i)).
 * Returns: POUW_OK or POUW_ECRYPTO (seed32 zeroed). Out: seed32. */
__attribute__((warn_unused_result)) pouw_status pouw_session_seed(uint8_t seed32[POUW_SHA256_BYTES],
                                                                  const uint8_t pre_hash32[POUW_SHA256_BYTES],
                                                                  uint32_t i);

/* The seed of session i's generated environment: SHA-256(s_i || "environment").
 * Returns: POUW_OK or POUW_ECRYPTO (env32 zeroed). Out: env32. */
__attribute__((warn_unused_result)) pouw_status pouw_environment_seed(uint8_t env32[POUW_SHA256_BYTES],
                                                                      const uint8_t session_seed32[POUW_SHA256_BYTES]);

/* SHA-256 of the n session digests d_0..d_{n-1}, stored back to back at
 * digests[0 .. 32n) (digests may be NULL when n is 0; n = 0 gives SHA-256("")).
 * Returns: POUW_OK, POUW_ECRYPTO, or POUW_ERANGE if 32n overflows size_t (outcome32
 * zeroed on error). Out: outcome32. Allocates only inside OpenSSL, freed before
 * return. */
__attribute__((warn_unused_result)) pouw_status pouw_outcome_digest(uint8_t outcome32[POUW_SHA256_BYTES],
                                                                    const uint8_t *digests, size_t n);

/* post_hash = SHA-256(pre_hash || outcome_digest || i64le(pps_micro)).
 * Returns: POUW_OK or POUW_ECRYPTO (post32 zeroed). Out: post32. */
__attribute__((warn_unused_result)) pouw_status pouw_post_hash(uint8_t post32[POUW_SHA256_BYTES],
                                                               const uint8_t pre_hash32[POUW_SHA256_BYTES],
                                                               const uint8_t outcome32[POUW_SHA256_BYTES],
                                                               int64_t pps_micro);

/* pps_micro = floor(pps * 1e6), the product rounded to double, then floored.
 * Returns: POUW_OK, or POUW_ERANGE when pps is NaN or infinite or the floor lies
 * outside [INT64_MIN, INT64_MAX] (*micro is then 0). Out: micro. */
__attribute__((warn_unused_result)) pouw_status pouw_pps_micro(int64_t *micro, double pps);

#endif /* POUW_SEED_H */
