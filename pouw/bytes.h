/* pouw/bytes.h - fixed-width little-endian integer encoding for hashed bytes.
 *
 * Every integer that enters a digest is written through these (STYLE rule 10:
 * hash encoded bytes, never structs): the result is the same on any host byte
 * order. Signed values are written as their two's complement bit pattern, which
 * C11 guarantees for the exact-width int64_t.
 * Thread-safety: pure inline functions.
 */
#ifndef POUW_BYTES_H
#define POUW_BYTES_H

#include <stdint.h>

/* Writes v as 4 bytes, least significant first. Out: p[0..4). */
static inline void pouw_put_u32le(uint8_t *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

/* Writes v as 8 bytes, least significant first. Out: p[0..8). */
static inline void pouw_put_u64le(uint8_t *p, uint64_t v)
{
    for (int i = 0; i < 8; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

/* Writes v's two's complement bits as 8 bytes, least significant first. Out: p[0..8). */
static inline void pouw_put_i64le(uint8_t *p, int64_t v)
{
    pouw_put_u64le(p, (uint64_t)v);
}

#endif /* POUW_BYTES_H */
