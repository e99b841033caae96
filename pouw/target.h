/* pouw/target.h - compact ("nBits") targets, hash-versus-target and expected work.
 *
 * A target is a 256-bit unsigned integer held as 32 bytes, big-endian (byte 0 most
 * significant), the same reading the protocol gives a digest (spec pouw.md s1.2:
 * a hash passes iff, read big-endian, it is <= the target). Headers carry targets
 * in Bitcoin's compact form: bits = E<<24 | M (M 23 bits plus a sign bit),
 * target = M x 256^(E-3), exactly Bitcoin Core's arith_uint256 SetCompact /
 * GetCompact (pinned against Bitcoin Core's tests). Decoding rejects a set sign
 * bit (on a non-zero mantissa) and values that overflow 256 bits; non-canonical
 * spellings (e.g. 0x01123456, whose low bytes fall off) decode as in Bitcoin; a
 * verifier must compare a header's bits with the canonical bits the retarget rule
 * demands (pouw_target_to_bits), so such spellings never pass consensus.
 *
 * Expected work. A target t passes a uniform 256-bit hash with probability
 * (t+1)/2^256, so a block costs 2^256/(t+1) attempts on average. Two forms:
 *  - pouw_target_work: exact floor(2^256/(t+1)) as a 256-bit big-endian integer
 *    (Bitcoin's GetBlockProof). This is the consensus form: fork choice sums it
 *    over blocks with pouw_work_add and compares with pouw_u256_cmp, in integers
 *    (spec s9: integers enter every comparison; no long double, no __int128, the
 *    same result on every compiler). A 128-bit form was rejected because easy
 *    targets are the norm here but a hard one's work reaches 2^256.
 *  - pouw_target_work_double: the same quotient in IEEE double, for people,
 *    statistics and plots, within a few ulp of the true value; never for consensus.
 * The probability of the PoUW part of an attempt is not modelled here.
 *
 * Thread-safety: pure functions on caller memory; no state.
 */
#ifndef POUW_TARGET_H
#define POUW_TARGET_H

#include <stdint.h>

#include "pouw/status.h"

#define POUW_TARGET_BYTES 32

/* Decodes compact bits into a target (Bitcoin SetCompact).
 * Returns: POUW_OK; POUW_EBITS_NEGATIVE when the sign bit 0x00800000 is set and the
 * mantissa (after the shift for E <= 3) is non-zero; POUW_EBITS_OVERFLOW when the
 * value needs more than 256 bits. Bits 0 (and any zero mantissa) decode to the
 * zero target. Out: target32 (all zero on error). */
__attribute__((warn_unused_result)) pouw_status pouw_target_from_bits(uint8_t target32[POUW_TARGET_BYTES],
                                                                      uint32_t bits);

/* Encodes a target in canonical compact form (Bitcoin GetCompact): the three most
 * significant bytes, shifted down one byte when their top bit would be the sign.
 * Lossy: decoding the result gives the target with everything below those bytes
 * cleared (<= the input). Returns: the bits (0 for the zero target). Cannot fail. */
uint32_t pouw_target_to_bits(const uint8_t target32[POUW_TARGET_BYTES]);

/* Compares two 256-bit big-endian integers (targets, hashes, work sums).
 * Returns: -1 if a < b, 0 if equal, 1 if a > b. */
int pouw_u256_cmp(const uint8_t a32[32], const uint8_t b32[32]);

/* The protocol's pass test: hash32 read big-endian is <= target32.
 * Returns: 1 if it passes, 0 otherwise. */
int pouw_hash_meets_target(const uint8_t hash32[32], const uint8_t target32[POUW_TARGET_BYTES]);

/* Exact expected attempts floor(2^256 / (target + 1)), 256-bit big-endian.
 * Returns: POUW_OK, or POUW_EZERO_TARGET for target 0 (2^256 does not fit; a zero
 * target is never a valid difficulty). Out: work32 (all zero on error).
 * No allocation. */
__attribute__((warn_unused_result)) pouw_status pouw_target_work(uint8_t work32[32],
                                                                 const uint8_t target32[POUW_TARGET_BYTES]);

/* Expected attempts 2^256 / (target + 1) as a double (2^256 for target 0): the
 * target rounded to double, plus one, divided into 2^256. Within a few ulp of the
 * exact quotient. For display and statistics only. Returns: the value (>= 1). */
double pouw_target_work_double(const uint8_t target32[POUW_TARGET_BYTES]);

/* Adds add32 to sum32 (256-bit big-endian), e.g. to accumulate chain work.
 * Returns: POUW_OK, or POUW_ERANGE when the sum does not fit in 256 bits (sum32 is
 * then left unchanged). In/Out: sum32. */
__attribute__((warn_unused_result)) pouw_status pouw_work_add(uint8_t sum32[32], const uint8_t add32[32]);

#endif /* POUW_TARGET_H */
