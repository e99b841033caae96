/* tests/test_bse_fmt.c - bse_fmt_fixed is printf "%.*f", byte for byte.
 *
 * The reference is the C library's own snprintf (glibc rounds the exact binary
 * value half-to-even, as Python's "%f" does, which is what BSE's files need).
 * Edge values are checked at every precision 0..9, then 200000 seeded random
 * doubles of five kinds (raw finite bit patterns, uniform in [-1e6, 1e6], a float
 * clock advanced by 1/80 as BSE's session loop does, random mantissas at the
 * exponents where the 128-bit path works, and dyadic rationals that are exact
 * rounding ties). Set BSE_TEST_SEED to replay with another seed; the seed in use
 * is printed.
 */
#include <criterion/criterion.h>

#include <float.h>
#include <inttypes.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bse/fmt.h"

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

/* Longest "%.9f" of a finite double: sign, 309 digits, point, 9 decimals. */
#define FULL_MAX 400

/* Checks bse_fmt_fixed(x, prec) against snprintf. When the full text fits the
 * 64-byte buffer the two must agree exactly (bytes and length); for larger values
 * the header promises the bytes of snprintf(out, 64, ...), i.e. the truncated text. */
static void check_one(double x, int prec, const char *what)
{
    char full[FULL_MAX], trunc[64], got[64 + 8];
    int n_full = snprintf(full, sizeof full, "%.*f", prec, x);
    cr_assert(n_full > 0 && n_full < FULL_MAX);
    memset(got, 0x7f, sizeof got);
    size_t n = bse_fmt_fixed(got, x, prec);
    for (size_t i = 64; i < sizeof got; i++)
        cr_assert_eq(got[i], 0x7f, "%s: bse_fmt_fixed(%a, %d) wrote past its 64-byte buffer", what, x, prec);
    if (n_full < 64) {
        cr_assert_str_eq(got, full, "%s: x = %a (%.17g), prec %d:\n  got  %s\n  want %s", what, x, x, prec, got, full);
        cr_assert_eq(n, (size_t)n_full, "%s: x = %a prec %d: returned length %zu, text is %d long", what, x, prec, n,
                     n_full);
    } else {
        (void)snprintf(trunc, sizeof trunc, "%.*f", prec, x);
        cr_assert_str_eq(got, trunc, "%s: x = %a, prec %d: differs from snprintf(out, 64, ...)", what, x, prec);
    }
}

static void check_all_precs(double x, const char *what)
{
    for (int prec = 0; prec <= 9; prec++)
        check_one(x, prec, what);
}

static double edge_values[] = {
    0.0, -0.0, 0.5, 1.5, 2.5, -2.5, 0.125, 0.375, 1e-7, -1e-7, 123456.0000005, 600.0124999999914,
    9007199254740991.0 /* 2^53 - 1 */, 9007199254740992.0 /* 2^53 */, 9007199254740993.0, -9007199254740991.0,
    4503599627370495.5 /* 2^52 - 0.5 */, 0.0005, 0.00049999999999999999, 0.0125, 599.9875, 1e-10, 0.95, 2.675,
    1e15 + 0.3, 99.995, 0.1, 0.2, 0.3, 1.0 / 3.0, 2.0 / 3.0, 1e300, -1e300, DBL_MAX, DBL_MIN, -DBL_MIN,
    4.9406564584124654e-324 /* 5e-324: the smallest subnormal */, 1e22, 1e23, 5e-10, 5e-9, 4.5e-9, 1.5e-9,
};

Test(bse_fmt, edge_values_format_like_printf_at_every_precision)
{
    for (size_t i = 0; i < NELEM(edge_values); i++)
        check_all_precs(edge_values[i], "edge");
}

Test(bse_fmt, ties_round_half_to_even_on_the_exact_binary_value)
{
    char out[64];
    bse_fmt_fixed(out, 0.125, 2);
    cr_assert_str_eq(out, "0.12", "0.125 is exact, a tie, rounds to even");
    bse_fmt_fixed(out, 0.375, 2);
    cr_assert_str_eq(out, "0.38");
    bse_fmt_fixed(out, 2.5, 0);
    cr_assert_str_eq(out, "2");
    bse_fmt_fixed(out, -2.5, 0);
    cr_assert_str_eq(out, "-2");
    bse_fmt_fixed(out, 1.5, 0);
    cr_assert_str_eq(out, "2");
    bse_fmt_fixed(out, 600.0124999999914, 6);
    cr_assert_str_eq(out, "600.012500");
    bse_fmt_fixed(out, 2.675, 2);
    cr_assert_str_eq(out, "2.67", "2.675 is stored just below the tie");
}

Test(bse_fmt, negative_zero_and_tiny_negatives_keep_their_sign)
{
    char out[64];
    cr_assert_eq(bse_fmt_fixed(out, -0.0, 3), 6);
    cr_assert_str_eq(out, "-0.000");
    bse_fmt_fixed(out, -1e-7, 2);
    cr_assert_str_eq(out, "-0.00");
    bse_fmt_fixed(out, 0.0, 0);
    cr_assert_str_eq(out, "0");
}

Test(bse_fmt, non_finite_values_format_like_printf)
{
    check_all_precs(NAN, "nan");
    check_all_precs(-NAN, "-nan");
    check_all_precs(INFINITY, "inf");
    check_all_precs(-INFINITY, "-inf");
    char out[64];
    bse_fmt_fixed(out, INFINITY, 3);
    cr_assert_str_eq(out, "inf");
    bse_fmt_fixed(out, -INFINITY, 0);
    cr_assert_str_eq(out, "-inf");
}

/* Header: "Returns the length written" into out[64]. A value whose text does not
 * fit (|x| >= ~1e54 at prec 9) cannot be written whole; the returned length must
 * still describe what is in out, or a caller appending `n` bytes from out (as
 * session.c's buf_fixed does) reads past the buffer. */
Test(bse_fmt, returned_length_never_exceeds_the_buffer)
{
    static const double big[] = {1e300, -1e300, DBL_MAX, 1e60, 1e55};
    for (size_t i = 0; i < NELEM(big); i++)
        for (int prec = 0; prec <= 9; prec++) {
            char out[64];
            size_t n = bse_fmt_fixed(out, big[i], prec);
            cr_assert_lt(n, 64, "bse_fmt_fixed(%g, %d) returned %zu for a 64-byte buffer (strlen %zu)", big[i], prec,
                         n, strlen(out));
            cr_assert_eq(n, strlen(out));
        }
}

/* ------------------------------------------------------------ random values */

typedef struct trng {
    uint64_t s;
} trng;

static uint64_t trng_next(trng *r)
{
    uint64_t z = (r->s += 0x9e3779b97f4a7c15u);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9u;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebu;
    return z ^ (z >> 31);
}

static double trng_unit(trng *r) /* [0, 1) */
{
    return (double)(trng_next(r) >> 11) * (1.0 / 9007199254740992.0);
}

static uint64_t test_seed(const char *what)
{
    const char *env = getenv("BSE_TEST_SEED");
    uint64_t seed = env && *env ? strtoull(env, NULL, 0) : UINT64_C(0xb5e0f3a7);
    fprintf(stderr, "%s: seed %" PRIu64 " (set BSE_TEST_SEED to replay another)\n", what, seed);
    return seed;
}

#define N_RANDOM 200000

Test(bse_fmt, random_doubles_format_like_printf)
{
    trng r = {test_seed("bse_fmt random doubles")};
    double clock = 0.0;
    int64_t k80 = 0;
    int n_fast = 0; /* values the 128-bit path handles (finite, below 2^53) */
    for (int i = 0; i < N_RANDOM; i++) {
        double x;
        const char *kind;
        switch (i % 5) {
        case 0: { /* any finite bit pattern */
            uint64_t bits;
            do
                bits = trng_next(&r);
            while (((bits >> 52) & 0x7ff) == 0x7ff);
            memcpy(&x, &bits, sizeof x);
            kind = "bits";
            break;
        }
        case 1:
            x = -1e6 + 2e6 * trng_unit(&r);
            kind = "uniform";
            break;
        case 2: /* BSE's clock: time += 1/80 (accumulated), or k/80 directly */
            if (i % 10 == 2) {
                clock += 1.0 / 80.0;
                x = clock;
                kind = "clock";
            } else {
                x = (double)(k80++) / 80.0 + 1.0 / 80.0 * (double)(trng_next(&r) % 80);
                kind = "k/80";
            }
            break;
        case 3: { /* random mantissa at an exponent the exact path covers */
            int e = -75 + (int)(trng_next(&r) % 131); /* 2^-75 .. 2^55 */
            x = ldexp(1.0 + trng_unit(&r), e);
            if (trng_next(&r) & 1)
                x = -x;
            kind = "mantissa";
            break;
        }
        default: { /* dyadic rationals: many are exact decimal ties */
            int j = 1 + (int)(trng_next(&r) % 14);
            x = ldexp((double)(int64_t)(trng_next(&r) % (UINT64_C(1) << 24)), -j);
            if (trng_next(&r) & 1)
                x = -x;
            kind = "dyadic";
            break;
        }
        }
        if (isfinite(x) && fabs(x) < 9007199254740992.0) {
            n_fast++;
            check_all_precs(x, kind);
        } else { /* snprintf's own fallback path: one precision keeps the test fast */
            check_one(x, i % 10, kind);
        }
    }
    cr_assert_gt(n_fast, N_RANDOM / 2, "the random mix must mostly exercise the exact path");
    cr_assert_gt(clock, 10000 * (1.0 / 80.0) - 1);
}
