/* pouw/target.c - compact targets and expected work (see target.h).
 * Ported from Bitcoin Core src/arith_uint256.cpp (SetCompact, GetCompact) and
 * src/chain.cpp (GetBlockProof: work = ~t / (t + 1) + 1). Internally a 256-bit
 * number is four 64-bit limbs, least significant first; bytes at the interface
 * are big-endian. The arithmetic is common/u256.h (the one 256-bit type). */
#include "pouw/target.h"

#include <assert.h>
#include <math.h>
#include <string.h>

#include "common/u256.h"
#include "pouw/assumptions.h"

typedef common_u256 u256;

/* Shifts a 64-bit value left by s bits (s < 256) into a u256. */
static u256 u256_shl_small(uint64_t v, unsigned s)
{
    u256 x = {{0, 0, 0, 0}};
    unsigned limb = s / 64, bit = s % 64;
    x.w[limb] = v << bit;
    if (bit && limb + 1 < 4)
        x.w[limb + 1] = v >> (64 - bit);
    return x;
}

pouw_status pouw_target_from_bits(uint8_t target32[POUW_TARGET_BYTES], uint32_t bits)
{
    assert(target32);
    memset(target32, 0, POUW_TARGET_BYTES);
    unsigned size = bits >> 24;
    uint32_t word = bits & 0x007fffffu;
    if (size <= 3)
        word >>= 8 * (3 - size);
    if (word != 0 && (bits & 0x00800000u))
        return POUW_EBITS_NEGATIVE;
    if (word != 0 && (size > 34 || (word > 0xff && size > 33) || (word > 0xffff && size > 32)))
        return POUW_EBITS_OVERFLOW;
    if (word == 0)
        return POUW_OK;
    /* Now the value fits: word << 8*(size-3) < 2^256 with size <= 34. */
    u256 v = u256_shl_small(word, size <= 3 ? 0 : 8 * (size - 3));
    common_u256_to_be(target32, &v);
    return POUW_OK;
}

uint32_t pouw_target_to_bits(const uint8_t target32[POUW_TARGET_BYTES])
{
    assert(target32);
    unsigned first = 0; /* index of the first non-zero byte */
    while (first < 32 && target32[first] == 0)
        first++;
    unsigned size = 32 - first; /* significant bytes */
    uint32_t compact = 0;
    /* The three most significant bytes, left-aligned in 24 bits (zeros past the end). */
    for (unsigned k = 0; k < 3; k++)
        compact = compact << 8 | (first + k < 32 ? target32[first + k] : 0u);
    if (size == 0)
        return 0;
    if (compact & 0x00800000u) {
        compact >>= 8;
        size++;
    }
    return compact | (uint32_t)size << 24;
}

int pouw_u256_cmp(const uint8_t a32[32], const uint8_t b32[32])
{
    assert(a32 && b32);
    int c = memcmp(a32, b32, 32); /* big-endian: byte order is numeric order */
    return (c > 0) - (c < 0);
}

int pouw_hash_meets_target(const uint8_t hash32[32], const uint8_t target32[POUW_TARGET_BYTES])
{
    return pouw_u256_cmp(hash32, target32) <= 0;
}

pouw_status pouw_target_work(uint8_t work32[32], const uint8_t target32[POUW_TARGET_BYTES])
{
    assert(work32 && target32);
    memset(work32, 0, 32);
    u256 t = common_u256_from_be(target32);
    if (common_u256_is_zero(&t))
        return POUW_EZERO_TARGET;
    common_u512 n = common_u512_pow2(256), d = common_u512_from_u256(&t), q;
    (void)common_u512_add_u64(&d, 1);
    common_u512_divmod(&q, NULL, &n, &d);
    u256 r;
    (void)common_u512_to_u256(&r, &q); /* t >= 1: the quotient is below 2^255 */
    common_u256_to_be(work32, &r);
    return POUW_OK;
}

double pouw_target_work_double(const uint8_t target32[POUW_TARGET_BYTES])
{
    assert(target32);
    double t = 0.0;
    for (int i = 0; i < 32; i++)
        t = t * 256.0 + target32[i];
    return ldexp(1.0, 256) / (t + 1.0);
}

pouw_status pouw_work_add(uint8_t sum32[32], const uint8_t add32[32])
{
    assert(sum32 && add32);
    u256 s = common_u256_from_be(sum32), a = common_u256_from_be(add32);
    if (common_u256_add(&s, &a))
        return POUW_ERANGE;
    common_u256_to_be(sum32, &s);
    return POUW_OK;
}
