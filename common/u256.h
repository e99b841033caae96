/* common/u256.h - the project's one unsigned 256-bit integer, with the 512-bit
 * intermediates that consensus arithmetic needs (spec pouw.md s11.3 weight
 * floor(2^320 / (t + 1)); s11.6 retarget floor((t + 1) x Mc / G)).
 *
 * Values are four (eight) 64-bit limbs, least significant first; the byte form
 * at interfaces is 32 bytes big-endian (the reading the protocol gives a digest
 * and a target). Every operation is exact integer arithmetic: the same result on
 * every compiler and optimisation level (no __int128, no floating point), except
 * common_u256_to_double, which is for people and statistics only.
 *
 * Thread-safety: pure functions on caller values; no allocation, no state.
 */
#ifndef COMMON_U256_H
#define COMMON_U256_H

#include <stdint.h>

typedef struct common_u256 {
    uint64_t w[4]; /* w[0] least significant */
} common_u256;

typedef struct common_u512 {
    uint64_t w[8]; /* w[0] least significant */
} common_u512;

/* v as a 256-bit value. Cannot fail. */
common_u256 common_u256_from_u64(uint64_t v);

/* Reads / writes 32 big-endian bytes. Cannot fail. */
common_u256 common_u256_from_be(const uint8_t be32[32]);
void common_u256_to_be(uint8_t be32[32], const common_u256 *x);

/* Returns: -1 if a < b, 0 if equal, 1 if a > b. */
int common_u256_cmp(const common_u256 *a, const common_u256 *b);

/* Returns: 1 if x is zero, else 0. */
int common_u256_is_zero(const common_u256 *x);

/* a += b. Returns: the carry out of bit 255 (0 or 1; a then holds the sum mod
 * 2^256). In/Out: a. */
unsigned common_u256_add(common_u256 *a, const common_u256 *b);

/* a += b, saturating at 2^256 - 1. Returns: 1 if it saturated, else 0. */
unsigned common_u256_add_sat(common_u256 *a, const common_u256 *b);

/* a -= b modulo 2^256. Returns: the borrow (1 when b > a). In/Out: a. */
unsigned common_u256_sub(common_u256 *a, const common_u256 *b);

/* x as a double (rounded toward zero per limb sum; within a few ulp). For
 * display and statistics only, never for consensus. */
double common_u256_to_double(const common_u256 *x);

/* Writes x as 64 lower-case hex digits and a NUL. Out: hex65. Cannot fail. */
void common_u256_to_hex(char hex65[65], const common_u256 *x);

/* x widened to 512 bits. Cannot fail. */
common_u512 common_u512_from_u256(const common_u256 *x);

/* 2^e for e < 512. */
common_u512 common_u512_pow2(unsigned e);

/* a *= m. Returns: 1 when the product overflowed 512 bits (a then holds it mod
 * 2^512), else 0. In/Out: a. */
unsigned common_u512_mul_u64(common_u512 *a, uint64_t m);

/* a += v (v < 2^64). Returns: the carry out of bit 511. */
unsigned common_u512_add_u64(common_u512 *a, uint64_t v);

/* Returns: -1, 0 or 1 as for common_u256_cmp. */
int common_u512_cmp(const common_u512 *a, const common_u512 *b);

/* q = floor(n / d), r = n mod d for d != 0 (an assert: dividing by zero is a
 * caller bug). q and r may be NULL. Binary long division. */
void common_u512_divmod(common_u512 *q, common_u512 *r, const common_u512 *n, const common_u512 *d);

/* The low 256 bits of x into *out. Returns: 1 if x fits in 256 bits, else 0
 * (out then holds x mod 2^256). */
int common_u512_to_u256(common_u256 *out, const common_u512 *x);

#endif /* COMMON_U256_H */
