/* bse/rng.c - CPython `random` semantics on GSL's MT19937 core (see rng.h).
 * Ported behaviour: CPython 3.11 Modules/_randommodule.c (init_by_array,
 * random_seed, random_random, getrandbits) and Lib/random.py (_randbelow,
 * randint, uniform, gauss, expovariate, shuffle). */
#include "bse/rng.h"

#include <assert.h>
#include <math.h>
#include <string.h>

#define MT_N 624

typedef bse_rng_mt_state gsl_mt_state;

static void init_genrand(gsl_mt_state *st, uint32_t s)
{
    st->mt[0] = s;
    for (int i = 1; i < MT_N; i++) {
        uint32_t prev = (uint32_t)st->mt[i - 1];
        st->mt[i] = (uint32_t)(1812433253u * (prev ^ (prev >> 30)) + (uint32_t)i);
    }
    st->mti = MT_N;
}

/* CPython init_by_array: key is the seed's 32-bit words, least significant first. */
static void init_by_array(gsl_mt_state *st, const uint32_t *key, size_t key_length)
{
    init_genrand(st, 19650218u);
    size_t i = 1, j = 0;
    size_t k = (MT_N > key_length ? MT_N : key_length);
    for (; k; k--) {
        uint32_t prev = (uint32_t)st->mt[i - 1];
        st->mt[i] = (uint32_t)(((uint32_t)st->mt[i] ^ ((prev ^ (prev >> 30)) * 1664525u)) + key[j] + (uint32_t)j);
        i++;
        j++;
        if (i >= MT_N) {
            st->mt[0] = st->mt[MT_N - 1];
            i = 1;
        }
        if (j >= key_length)
            j = 0;
    }
    for (k = MT_N - 1; k; k--) {
        uint32_t prev = (uint32_t)st->mt[i - 1];
        st->mt[i] = (uint32_t)(((uint32_t)st->mt[i] ^ ((prev ^ (prev >> 30)) * 1566083941u)) - (uint32_t)i);
        i++;
        if (i >= MT_N) {
            st->mt[0] = st->mt[MT_N - 1];
            i = 1;
        }
    }
    st->mt[0] = 0x80000000u; /* MSB is 1, assuring a non-zero initial array */
    st->mti = MT_N;
}

bse_rng_status bse_rng_init(bse_rng *rng)
{
    assert(rng);
    memset(rng, 0, sizeof *rng);
    rng->core = gsl_rng_alloc(gsl_rng_mt19937);
    if (!rng->core)
        return BSE_RNG_ENOMEM;
    assert(gsl_rng_size(rng->core) == sizeof(gsl_mt_state));
    bse_rng_seed_u64(rng, 0);
    return BSE_RNG_OK;
}

void bse_rng_clear(bse_rng *rng)
{
    if (!rng)
        return;
    gsl_rng_free(rng->core);
    rng->core = NULL;
    rng->has_gauss = 0;
}

void bse_rng_seed_be(bse_rng *rng, const uint8_t *be, size_t len)
{
    assert(rng && rng->core && (be || len == 0));
    while (len > 0 && be[0] == 0) {
        be++;
        len--;
    }
    uint32_t key[(len + 3) / 4 + 1];
    size_t nwords = (len + 3) / 4;
    memset(key, 0, sizeof key);
    for (size_t b = 0; b < len; b++) {
        size_t pos = len - 1 - b; /* byte index from the least significant end */
        key[pos / 4] |= (uint32_t)be[b] << (8 * (pos % 4));
    }
    if (nwords == 0)
        nwords = 1; /* seed(0) uses key [0] */
    init_by_array((gsl_mt_state *)gsl_rng_state(rng->core), key, nwords);
    rng->has_gauss = 0;
    rng->gauss_next = 0.0;
}

void bse_rng_seed_u64(bse_rng *rng, uint64_t n)
{
    uint8_t be[8];
    for (int i = 0; i < 8; i++)
        be[i] = (uint8_t)(n >> (56 - 8 * i));
    bse_rng_seed_be(rng, be, sizeof be);
}

static int hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

bse_rng_status bse_rng_parse_seed(uint8_t be64[64], const char *text, int hex)
{
    memset(be64, 0, 64);
    if (!text || !*text)
        return BSE_RNG_EPARSE;
    unsigned base = hex ? 16u : 10u;
    for (const char *p = text; *p; p++) {
        int d = hexval(*p);
        if (d < 0 || (unsigned)d >= base)
            goto bad;
        unsigned carry = (unsigned)d;
        for (int i = 63; i >= 0; i--) { /* be64 = be64 * base + d */
            unsigned v = be64[i] * base + carry;
            be64[i] = (uint8_t)(v & 0xffu);
            carry = v >> 8;
        }
        if (carry)
            goto bad; /* overflow past 512 bits */
    }
    return BSE_RNG_OK;
bad:
    memset(be64, 0, 64);
    return BSE_RNG_EPARSE;
}

double bse_rng_random(bse_rng *rng)
{
    uint32_t a = bse_rng_next32(rng) >> 5, b = bse_rng_next32(rng) >> 6;
    return ((double)a * 67108864.0 + (double)b) * (1.0 / 9007199254740992.0);
}

uint64_t bse_rng_getrandbits(bse_rng *rng, unsigned k)
{
    assert(k <= 64);
    if (k == 0)
        return 0;
    if (k <= 32)
        return bse_rng_next32(rng) >> (32 - k);
    /* CPython fills 32-bit words from the least significant end; the last
     * (most significant) word is shifted down to the remaining bits. */
    uint64_t lo = bse_rng_next32(rng);
    uint64_t hi = bse_rng_next32(rng) >> (64 - k);
    return lo | (hi << 32);
}

static unsigned bit_length(uint64_t n)
{
    return n ? 64u - (unsigned)__builtin_clzll(n) : 0u;
}

uint64_t bse_rng_randbelow(bse_rng *rng, uint64_t n)
{
    assert(n >= 1);
    if (n <= UINT32_MAX)
        return bse_rng_randbelow32(rng, (uint32_t)n);
    unsigned k = bit_length(n);
    uint64_t r = bse_rng_getrandbits(rng, k);
    while (r >= n)
        r = bse_rng_getrandbits(rng, k);
    return r;
}

int64_t bse_rng_randint(bse_rng *rng, int64_t a, int64_t b)
{
    assert(a <= b);
    uint64_t width = (uint64_t)b - (uint64_t)a + 1u;
    return (int64_t)((uint64_t)a + bse_rng_randbelow(rng, width));
}

double bse_rng_uniform(bse_rng *rng, double a, double b)
{
    return a + (b - a) * bse_rng_random(rng);
}

double bse_rng_gauss(bse_rng *rng, double mu, double sigma)
{
    double z;
    if (rng->has_gauss) {
        z = rng->gauss_next;
        rng->has_gauss = 0;
    } else {
        const double twopi = 2.0 * 3.141592653589793;
        double x2pi = bse_rng_random(rng) * twopi;
        double g2rad = sqrt(-2.0 * log(1.0 - bse_rng_random(rng)));
        z = cos(x2pi) * g2rad;
        rng->gauss_next = sin(x2pi) * g2rad;
        rng->has_gauss = 1;
    }
    return mu + z * sigma;
}

double bse_rng_expovariate(bse_rng *rng, double lambd)
{
    return -log(1.0 - bse_rng_random(rng)) / lambd;
}

void bse_rng_shuffle_int(bse_rng *rng, int *x, size_t n)
{
    for (size_t i = n; i-- > 1;) {
        size_t j = (size_t)bse_rng_randbelow(rng, (uint64_t)i + 1u);
        int t = x[i];
        x[i] = x[j];
        x[j] = t;
    }
}
