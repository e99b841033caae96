/* pouw/target.c - compact targets and expected work (see target.h).
 * Ported from Bitcoin Core src/arith_uint256.cpp (SetCompact, GetCompact) and
 * src/chain.cpp (GetBlockProof: work = ~t / (t + 1) + 1). Internally a 256-bit
 * number is four 64-bit limbs, least significant first; bytes at the interface
 * are big-endian. */
#include "pouw/target.h"

#include <assert.h>
#include <math.h>
#include <string.h>

#include "pouw/assumptions.h"

typedef struct u256 {
    uint64_t w[4]; /* w[0] least significant */
} u256;

static u256 u256_from_be(const uint8_t be[32])
{
    u256 x;
    for (int i = 0; i < 4; i++) {
        uint64_t v = 0;
        for (int j = 0; j < 8; j++)
            v = v << 8 | be[(3 - i) * 8 + j];
        x.w[i] = v;
    }
    return x;
}

static void u256_to_be(uint8_t be[32], const u256 *x)
{
    for (int i = 0; i < 4; i++)
        for (int j = 0; j < 8; j++)
            be[(3 - i) * 8 + j] = (uint8_t)(x->w[i] >> (56 - 8 * j));
}

static int u256_cmp(const u256 *a, const u256 *b)
{
    for (int i = 3; i >= 0; i--)
        if (a->w[i] != b->w[i])
            return a->w[i] < b->w[i] ? -1 : 1;
    return 0;
}

static int u256_is_zero(const u256 *a)
{
    return (a->w[0] | a->w[1] | a->w[2] | a->w[3]) == 0;
}

/* a += b; returns the carry out of bit 255. */
static unsigned u256_add(u256 *a, const u256 *b)
{
    unsigned carry = 0;
    for (int i = 0; i < 4; i++) {
        uint64_t s = a->w[i] + b->w[i];
        unsigned c1 = s < a->w[i];
        uint64_t t = s + carry;
        unsigned c2 = t < s;
        a->w[i] = t;
        carry = c1 | c2;
    }
    return carry;
}

/* a -= b (mod 2^256). */
static void u256_sub(u256 *a, const u256 *b)
{
    unsigned borrow = 0;
    for (int i = 0; i < 4; i++) {
        uint64_t d = a->w[i] - b->w[i];
        unsigned b1 = a->w[i] < b->w[i];
        uint64_t e = d - borrow;
        unsigned b2 = d < borrow;
        a->w[i] = e;
        borrow = b1 | b2;
    }
}

/* a <<= 1; returns the bit shifted out of bit 255. */
static unsigned u256_shl1(u256 *a)
{
    unsigned out = (unsigned)(a->w[3] >> 63);
    for (int i = 3; i > 0; i--)
        a->w[i] = a->w[i] << 1 | a->w[i - 1] >> 63;
    a->w[0] <<= 1;
    return out;
}

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

/* q = n / d by restoring binary long division; d != 0. The remainder may need 257
 * bits, so the bit shifted out of it counts as "remainder >= d". */
static u256 u256_div(const u256 *n, const u256 *d)
{
    u256 q = {{0, 0, 0, 0}}, r = {{0, 0, 0, 0}};
    for (int i = 255; i >= 0; i--) {
        unsigned top = u256_shl1(&r);
        r.w[0] |= (n->w[i / 64] >> (i % 64)) & 1;
        if (top || u256_cmp(&r, d) >= 0) {
            u256_sub(&r, d);
            q.w[i / 64] |= UINT64_C(1) << (i % 64);
        }
    }
    return q;
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
    u256_to_be(target32, &v);
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
    u256 t = u256_from_be(target32);
    if (u256_is_zero(&t))
        return POUW_EZERO_TARGET;
    /* floor(2^256/(t+1)) = floor((2^256-1-t)/(t+1)) + 1, every term within 256 bits;
     * t = 2^256-1 makes t+1 wrap to 0, and its work is 1. */
    u256 not_t = {{~t.w[0], ~t.w[1], ~t.w[2], ~t.w[3]}};
    u256 one = {{1, 0, 0, 0}}, d = t;
    u256 q = {{0, 0, 0, 0}};
    if (!u256_add(&d, &one))
        q = u256_div(&not_t, &d);
    (void)u256_add(&q, &one); /* q < 2^256 - 1 here, no carry */
    u256_to_be(work32, &q);
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
    u256 s = u256_from_be(sum32), a = u256_from_be(add32);
    if (u256_add(&s, &a))
        return POUW_ERANGE;
    u256_to_be(sum32, &s);
    return POUW_OK;
}
