/* bse/rng.h - a seeded random-number generator with CPython's `random` semantics.
 *
 * BSE.py draws everything from Python's global `random` module (MT19937). A
 * session of this engine owns one bse_rng and draws from it in exactly the order
 * BSE.py draws from `random`, with the same arithmetic, so that a session seeded
 * like `random.seed(N)` reproduces BSE.py's output byte for byte (spec/bse.md s7).
 *
 * The generator core is GSL's gsl_rng_mt19937; seeding is CPython's
 * init_by_array over the 32-bit little-endian words of the seed integer (GSL's
 * own gsl_rng_set uses init_genrand, which Python does not), written into the
 * GSL state directly. Each draw function below names the CPython 3.11 function it
 * reproduces. Invariant: the stream after bse_rng_seed_* equals CPython's after
 * random.seed(same integer), and the gauss cache is cleared by seeding.
 *
 * Thread-safety: a bse_rng is a plain value; distinct generators may be used on
 * distinct threads at once, one generator must not be shared without a lock.
 */
#ifndef BSE_RNG_H
#define BSE_RNG_H

#include <stddef.h>
#include <stdint.h>

#include <gsl/gsl_rng.h>

typedef struct bse_rng {
    gsl_rng *core;      /* GSL MT19937 state, owned */
    double gauss_next;  /* CPython's cached second Box-Muller value */
    int has_gauss;
} bse_rng;

typedef enum bse_rng_status {
    BSE_RNG_OK = 0,
    BSE_RNG_ENOMEM = 1,   /* allocation of the GSL core failed */
    BSE_RNG_EPARSE = 2,   /* seed text is not a non-negative integer */
} bse_rng_status;

/* Allocates the generator core and seeds it like random.seed(0).
 * Returns: BSE_RNG_OK, or BSE_RNG_ENOMEM (rng->core is then NULL).
 * Out: rng. Free with bse_rng_clear. */
__attribute__((warn_unused_result)) bse_rng_status bse_rng_init(bse_rng *rng);

/* Frees the core; a cleared or zeroed rng may be cleared again. */
void bse_rng_clear(bse_rng *rng);

/* Seeds like random.seed(n) for the non-negative integer whose big-endian bytes
 * are be[0..len). Leading zero bytes (and so leading zero 32-bit words) are
 * dropped as CPython drops them; an all-zero or empty value seeds like seed(0). */
void bse_rng_seed_be(bse_rng *rng, const uint8_t *be, size_t len);

/* Seeds like random.seed(n) for a 64-bit n. */
void bse_rng_seed_u64(bse_rng *rng, uint64_t n);

/* Parses a seed given as text into big-endian bytes (at most 64 bytes, i.e.
 * integers below 2^512): decimal ("12345") when hex == 0, or hexadecimal digits
 * without prefix (a 64-digit SHA-256 hash, say) when hex != 0.
 * Returns: BSE_RNG_OK, or BSE_RNG_EPARSE for an empty string, a sign, a
 * non-digit or a value of 2^512 or more. Out: be64 (64 bytes, big-endian). */
__attribute__((warn_unused_result)) bse_rng_status bse_rng_parse_seed(uint8_t be64[64], const char *text, int hex);

/* GSL's private MT19937 state (gsl rng/mt.c mt_state_t); bse_rng_init checks
 * its size against gsl_rng_size, so a different layout cannot go unnoticed. */
typedef struct bse_rng_mt_state {
    unsigned long mt[624];
    int mti;
} bse_rng_mt_state;

/* Next raw 32-bit MT output (genrand_uint32). The twist of a new block of 624
 * words is GSL's (gsl_rng_get); the tempering of a word already in the block is
 * done inline here, with GSL's constants, to save the indirect call per draw. */
static inline uint32_t bse_rng_next32(bse_rng *rng)
{
    bse_rng_mt_state *st = (bse_rng_mt_state *)rng->core->state;
    if (st->mti >= 624)
        return (uint32_t)gsl_rng_get(rng->core);
    uint32_t y = (uint32_t)st->mt[st->mti++];
    y ^= (y >> 11);
    y ^= (y << 7) & 0x9d2c5680u;
    y ^= (y << 15) & 0xefc60000u;
    y ^= (y >> 18);
    return y;
}

/* random.random(): 53-bit float in [0, 1) from two outputs, ((a>>5)*2^26+(b>>6))/2^53. */
double bse_rng_random(bse_rng *rng);

/* random.getrandbits(k) for 0 <= k <= 64 (words combined little-endian as CPython). */
uint64_t bse_rng_getrandbits(bse_rng *rng, unsigned k);

/* random._randbelow(n) for n >= 1: getrandbits(bit_length(n)) redrawn while >= n. */
uint64_t bse_rng_randbelow(bse_rng *rng, uint64_t n);

/* The same draws for 1 <= n < 2^32 (one word per try), inline: the session's hot
 * draws (the trader picked at each step) use it. */
static inline uint32_t bse_rng_randbelow32(bse_rng *rng, uint32_t n)
{
    unsigned k = 32u - (unsigned)__builtin_clz(n); /* bit_length(n), 1..32 */
    uint32_t r;
    do
        r = bse_rng_next32(rng) >> (32u - k);
    while (r >= n);
    return r;
}

/* random.randint(a, b) for a <= b (b - a < 2^63): a + randbelow(b - a + 1).
 * randint(x, x) still draws (getrandbits(1) until it yields 0). a > b is a caller
 * bug (Python raises ValueError); callers check first. */
int64_t bse_rng_randint(bse_rng *rng, int64_t a, int64_t b);

/* random.uniform(a, b) = a + (b - a) * random(). */
double bse_rng_uniform(bse_rng *rng, double a, double b);

/* random.gauss(mu, sigma): Box-Muller, returns the cos term and caches the sin
 * term for the next call. Uses libm log/cos/sin (see spec/bse.md s7 on libm). */
double bse_rng_gauss(bse_rng *rng, double mu, double sigma);

/* random.expovariate(lambd) = -log(1 - random()) / lambd. */
double bse_rng_expovariate(bse_rng *rng, double lambd);

/* random.shuffle(x) on n ints: for i = n-1 .. 1: j = randbelow(i+1); swap. */
void bse_rng_shuffle_int(bse_rng *rng, int *x, size_t n);

#endif /* BSE_RNG_H */
