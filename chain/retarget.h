/* chain/retarget.h - the version-2 difficulty rules as pure functions of values
 * (spec pouw.md s11.3, s11.5, s11.6): the weight of a block, the median time
 * past, and the post-hash retarget. No store, no chain parameters beyond the
 * numbers passed in: chain/validate.c gathers the values from the store and
 * calls these; tests and the Monte-Carlo call them directly.
 *
 * Weight (s11.3). A block's weight is floor(2^320 / (t + 1)), t the post-hash
 * target of its post_bits, and t + 1 = 2^256 when post_bits is 0 (no target):
 * the expected useful work an attempt of that target demands, times 2^64. The
 * pre-hash gate and the floor add nothing. Exact (512-bit intermediates); a
 * valid block has t >= 2^128 (below), so its weight is below 2^192 and sums of
 * up to 2^64 blocks fit in 256 bits.
 *
 * Median time past (s11.5). MTP(X) = the median of the times of X and its up to
 * 10 ancestors; with fewer than 11 blocks (near genesis) the upper median
 * (sorted, element n/2).
 *
 * Retarget (s11.6). At heights h = k W, k >= 2, with P the parent (height h-1)
 * and A the block at height h-1-W: M = MTP(P) - MTP(A) (0 if negative),
 * G = W x interval_s x 1000 ms, Mc = min(max(M, floor(G c_den / c_num)), 4 G),
 * E = floor((t_P + 1) x Mc / G), t' = E - 1; t' >= 2^256 - 1 means no target
 * (post_bits 0); t' < 2^128 is raised to 2^128; post_bits' = the canonical
 * compact form of t' (rounded down: pouw_target_to_bits). Other heights carry
 * the parent's post_bits. Hardening is at most c_num/c_den per window, easing at
 * most 4x. Vectors: tests/vectors/retarget_v2_vectors.h from an independent
 * Python script.
 *
 * Thread-safety: pure functions; no allocation.
 */
#ifndef CHAIN_RETARGET_H
#define CHAIN_RETARGET_H

#include <stdint.h>

#include "chain/status.h"
#include "common/u256.h"

#define CHAIN_MTP_SPAN 11 /* blocks in a median time past */

/* The numbers of the retarget rule (genesis constants of a chain). */
typedef struct chain_retarget_rule {
    uint32_t window;     /* W blocks per retarget (0: post_bits never changes) */
    uint32_t interval_s; /* target block interval, seconds */
    uint32_t clamp_num;  /* c = clamp_num / clamp_den > 1: hardening per window at most c */
    uint32_t clamp_den;
} chain_retarget_rule;

/* The weight of a block whose header carries post_bits (above).
 * Returns: CHAIN_OK; CHAIN_EPARAMS when post_bits is not 0 and does not decode to
 * a target >= 2^128 (no valid block carries it; *weight is then zero).
 * Out: weight. */
__attribute__((warn_unused_result)) chain_status chain_post_weight(common_u256 *weight, uint32_t post_bits);

/* MTP of times[0..n), n 1..CHAIN_MTP_SPAN, in any order (the upper median).
 * Cannot fail. */
uint64_t chain_mtp(const uint64_t *times, unsigned n);

/* 1 when a block at `height` is a retarget height of rule r (h = k W, k >= 2),
 * else 0. */
int chain_retarget_is_height(const chain_retarget_rule *r, uint64_t height);

/* 1 when r satisfies s11.6's bound W (c + 1) / (c - 1) >= min_ratio, i.e.
 * W (num + den) >= min_ratio (num - den), with num > den >= 1, else 0. */
int chain_retarget_rule_bounded(const chain_retarget_rule *r, uint64_t min_ratio);

/* The post_bits a block at a retarget height must carry, from the parent's
 * post_bits and the medians MTP(P), MTP(A) (above).
 * Returns: CHAIN_OK; CHAIN_EPARAMS (r has no window, interval or a clamp with
 * num <= den; parent_post_bits does not decode). Out: post_bits (0 on error:
 * check the code). */
__attribute__((warn_unused_result)) chain_status chain_retarget_post_bits(uint32_t *post_bits,
                                                                          const chain_retarget_rule *r,
                                                                          uint32_t parent_post_bits,
                                                                          uint64_t mtp_parent, uint64_t mtp_anchor);

#endif /* CHAIN_RETARGET_H */
