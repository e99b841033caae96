/* common/u256.c - 256-bit unsigned integers and their 512-bit intermediates
 * (see u256.h). Limbs least significant first; carries computed by comparison,
 * never by wider types, so that every compiler gives the same bits. */
#include "common/u256.h"

#include <assert.h>
#include <string.h>

common_u256 common_u256_from_u64(uint64_t v)
{
    common_u256 x = {{v, 0, 0, 0}};
    return x;
}

common_u256 common_u256_from_be(const uint8_t be[32])
{
    assert(be);
    common_u256 x;
    for (int i = 0; i < 4; i++) {
        uint64_t v = 0;
        for (int j = 0; j < 8; j++)
            v = v << 8 | be[(3 - i) * 8 + j];
        x.w[i] = v;
    }
    return x;
}

void common_u256_to_be(uint8_t be[32], const common_u256 *x)
{
    assert(be && x);
    for (int i = 0; i < 4; i++)
        for (int j = 0; j < 8; j++)
            be[(3 - i) * 8 + j] = (uint8_t)(x->w[i] >> (56 - 8 * j));
}

int common_u256_cmp(const common_u256 *a, const common_u256 *b)
{
    for (int i = 3; i >= 0; i--)
        if (a->w[i] != b->w[i])
            return a->w[i] < b->w[i] ? -1 : 1;
    return 0;
}

int common_u256_is_zero(const common_u256 *x) { return (x->w[0] | x->w[1] | x->w[2] | x->w[3]) == 0; }

static unsigned add_limbs(uint64_t *a, const uint64_t *b, int n)
{
    unsigned carry = 0;
    for (int i = 0; i < n; i++) {
        uint64_t s = a[i] + b[i];
        unsigned c1 = s < a[i];
        uint64_t t = s + carry;
        unsigned c2 = t < s;
        a[i] = t;
        carry = c1 | c2;
    }
    return carry;
}

static unsigned sub_limbs(uint64_t *a, const uint64_t *b, int n)
{
    unsigned borrow = 0;
    for (int i = 0; i < n; i++) {
        uint64_t d = a[i] - b[i];
        unsigned b1 = a[i] < b[i];
        uint64_t e = d - borrow;
        unsigned b2 = d < borrow;
        a[i] = e;
        borrow = b1 | b2;
    }
    return borrow;
}

unsigned common_u256_add(common_u256 *a, const common_u256 *b) { return add_limbs(a->w, b->w, 4); }

unsigned common_u256_add_sat(common_u256 *a, const common_u256 *b)
{
    if (!add_limbs(a->w, b->w, 4))
        return 0;
    memset(a->w, 0xff, sizeof a->w);
    return 1;
}

unsigned common_u256_sub(common_u256 *a, const common_u256 *b) { return sub_limbs(a->w, b->w, 4); }

double common_u256_to_double(const common_u256 *x)
{
    double v = 0.0;
    for (int i = 3; i >= 0; i--)
        v = v * 18446744073709551616.0 + (double)x->w[i];
    return v;
}

void common_u256_to_hex(char hex[65], const common_u256 *x)
{
    static const char digits[] = "0123456789abcdef";
    uint8_t be[32];
    common_u256_to_be(be, x);
    for (int i = 0; i < 32; i++) {
        hex[2 * i] = digits[be[i] >> 4];
        hex[2 * i + 1] = digits[be[i] & 15];
    }
    hex[64] = '\0';
}

common_u512 common_u512_from_u256(const common_u256 *x)
{
    common_u512 y;
    memset(&y, 0, sizeof y);
    memcpy(y.w, x->w, sizeof x->w);
    return y;
}

common_u512 common_u512_pow2(unsigned e)
{
    assert(e < 512);
    common_u512 y;
    memset(&y, 0, sizeof y);
    y.w[e / 64] = (uint64_t)1 << (e % 64);
    return y;
}

/* 64 x 64 -> 128 bits as hi:lo, from 32-bit halves. */
static void mul64(uint64_t *hi, uint64_t *lo, uint64_t a, uint64_t b)
{
    uint64_t a0 = (uint32_t)a, a1 = a >> 32, b0 = (uint32_t)b, b1 = b >> 32;
    uint64_t p00 = a0 * b0, p01 = a0 * b1, p10 = a1 * b0, p11 = a1 * b1;
    uint64_t mid = (p00 >> 32) + (uint32_t)p01 + (uint32_t)p10;
    *lo = (mid << 32) | (uint32_t)p00;
    *hi = p11 + (p01 >> 32) + (p10 >> 32) + (mid >> 32);
}

unsigned common_u512_mul_u64(common_u512 *a, uint64_t m)
{
    uint64_t carry = 0;
    for (int i = 0; i < 8; i++) {
        uint64_t hi, lo;
        mul64(&hi, &lo, a->w[i], m);
        lo += carry;
        hi += lo < carry;
        a->w[i] = lo;
        carry = hi;
    }
    return carry != 0;
}

unsigned common_u512_add_u64(common_u512 *a, uint64_t v)
{
    common_u512 b;
    memset(&b, 0, sizeof b);
    b.w[0] = v;
    return add_limbs(a->w, b.w, 8);
}

int common_u512_cmp(const common_u512 *a, const common_u512 *b)
{
    for (int i = 7; i >= 0; i--)
        if (a->w[i] != b->w[i])
            return a->w[i] < b->w[i] ? -1 : 1;
    return 0;
}

void common_u512_divmod(common_u512 *q, common_u512 *r, const common_u512 *n, const common_u512 *d)
{
    common_u512 zero, qq, rr;
    memset(&zero, 0, sizeof zero);
    assert(common_u512_cmp(d, &zero) != 0);
    qq = zero;
    rr = zero;
    int top = 511;
    while (top >= 0 && !((n->w[top / 64] >> (top % 64)) & 1))
        top--;
    for (int i = top; i >= 0; i--) {
        unsigned out = (unsigned)(rr.w[7] >> 63);
        for (int k = 7; k > 0; k--)
            rr.w[k] = rr.w[k] << 1 | rr.w[k - 1] >> 63;
        rr.w[0] = rr.w[0] << 1 | ((n->w[i / 64] >> (i % 64)) & 1);
        if (out || common_u512_cmp(&rr, d) >= 0) {
            sub_limbs(rr.w, d->w, 8);
            qq.w[i / 64] |= (uint64_t)1 << (i % 64);
        }
    }
    if (q)
        *q = qq;
    if (r)
        *r = rr;
}

int common_u512_to_u256(common_u256 *out, const common_u512 *x)
{
    memcpy(out->w, x->w, sizeof out->w);
    return (x->w[4] | x->w[5] | x->w[6] | x->w[7]) == 0;
}
