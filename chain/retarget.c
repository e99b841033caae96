/* chain/retarget.c - weight, median time past and the post-hash retarget of
 * consensus version 2 (see retarget.h), in exact integers (common/u256.h). */
#include "chain/retarget.h"

#include <assert.h>
#include <string.h>

#include "pouw/target.h"

/* t + 1 of post_bits as a 512-bit value (2^256 for no target).
 * Returns 0 when the bits are not a valid target (>= 2^128). */
static int target_plus_one(common_u512 *out, uint32_t post_bits)
{
    if (post_bits == 0) {
        *out = common_u512_pow2(256);
        return 1;
    }
    uint8_t t[32];
    if (pouw_target_from_bits(t, post_bits) != POUW_OK)
        return 0;
    common_u256 tv = common_u256_from_be(t);
    if (tv.w[2] == 0 && tv.w[3] == 0) /* below 2^128 */
        return 0;
    *out = common_u512_from_u256(&tv);
    (void)common_u512_add_u64(out, 1);
    return 1;
}

chain_status chain_post_weight(common_u256 *weight, uint32_t post_bits)
{
    assert(weight);
    memset(weight, 0, sizeof *weight);
    common_u512 d, n = common_u512_pow2(320), q;
    if (!target_plus_one(&d, post_bits))
        return CHAIN_EPARAMS;
    common_u512_divmod(&q, NULL, &n, &d);
    (void)common_u512_to_u256(weight, &q); /* d > 2^128: q < 2^192 */
    return CHAIN_OK;
}

uint64_t chain_mtp(const uint64_t *times, unsigned n)
{
    assert(times && n >= 1 && n <= CHAIN_MTP_SPAN);
    uint64_t t[CHAIN_MTP_SPAN];
    memcpy(t, times, n * sizeof *t);
    for (unsigned i = 1; i < n; i++)
        for (unsigned j = i; j > 0 && t[j - 1] > t[j]; j--) {
            uint64_t x = t[j];
            t[j] = t[j - 1];
            t[j - 1] = x;
        }
    return t[n / 2];
}

int chain_retarget_is_height(const chain_retarget_rule *r, uint64_t height)
{
    assert(r);
    uint64_t w = r->window;
    return w > 0 && height >= 2 * w && height % w == 0;
}

int chain_retarget_rule_bounded(const chain_retarget_rule *r, uint64_t min_ratio)
{
    assert(r);
    if (r->clamp_den == 0 || r->clamp_num <= r->clamp_den)
        return 0;
    /* W (num + den) >= min_ratio (num - den), in 512 bits (no overflow) */
    common_u512 lhs, rhs;
    memset(&lhs, 0, sizeof lhs);
    memset(&rhs, 0, sizeof rhs);
    lhs.w[0] = (uint64_t)r->clamp_num + r->clamp_den;
    (void)common_u512_mul_u64(&lhs, r->window);
    rhs.w[0] = (uint64_t)r->clamp_num - r->clamp_den;
    (void)common_u512_mul_u64(&rhs, min_ratio);
    return common_u512_cmp(&lhs, &rhs) >= 0;
}

chain_status chain_retarget_post_bits(uint32_t *post_bits, const chain_retarget_rule *r, uint32_t parent_post_bits,
                                      uint64_t mtp_parent, uint64_t mtp_anchor)
{
    assert(post_bits && r);
    *post_bits = 0;
    if (!r->window || !r->interval_s || r->clamp_den == 0 || r->clamp_num <= r->clamp_den)
        return CHAIN_EPARAMS;
    common_u512 e;
    if (!target_plus_one(&e, parent_post_bits))
        return CHAIN_EPARAMS;
    uint64_t g = (uint64_t)r->window * r->interval_s * 1000u; /* < 2^46 (params limits) */
    uint64_t m = mtp_parent > mtp_anchor ? mtp_parent - mtp_anchor : 0;
    /* floor(G den / num): G den < 2^46 x 2^32 may overflow 64 bits: divide first
     * in 512 bits */
    common_u512 lo = common_u512_from_u256(&(common_u256){{g, 0, 0, 0}}), q;
    (void)common_u512_mul_u64(&lo, r->clamp_den);
    common_u512 num = common_u512_from_u256(&(common_u256){{r->clamp_num, 0, 0, 0}});
    common_u512_divmod(&q, NULL, &lo, &num);
    uint64_t min_span = q.w[0];
    if (m < min_span)
        m = min_span;
    if (m > 4 * g)
        m = 4 * g;
    (void)common_u512_mul_u64(&e, m); /* < 2^256 x 2^48 */
    common_u512 gd = common_u512_from_u256(&(common_u256){{g, 0, 0, 0}});
    common_u512_divmod(&e, NULL, &e, &gd);
    /* t' = E - 1; t' >= 2^256 - 1 (E >= 2^256) means none */
    common_u512 lim = common_u512_pow2(256);
    if (common_u512_cmp(&e, &lim) >= 0)
        return CHAIN_OK; /* *post_bits 0: no target */
    common_u256 t;
    (void)common_u512_to_u256(&t, &e);
    common_u256 one = common_u256_from_u64(1);
    (void)common_u256_sub(&t, &one); /* E >= 1: Mc >= 1 and t_P + 1 >= 2^128 */
    if (t.w[2] == 0 && t.w[3] == 0) { /* below 2^128: raised to 2^128 */
        memset(&t, 0, sizeof t);
        t.w[2] = 1;
    }
    uint8_t be[32];
    common_u256_to_be(be, &t);
    *post_bits = pouw_target_to_bits(be);
    return CHAIN_OK;
}
