/* pouw/merkle.c - Bitcoin-shaped SHA-256 Merkle root (see merkle.h). Ported from
 * Bitcoin Core src/consensus/merkle.cpp (ComputeMerkleRoot), single SHA-256. */
#include "pouw/merkle.h"

#include <assert.h>
#include <stdlib.h>
#include <string.h>

#define H POUW_SHA256_BYTES

/* Hashes the pair (a, b) into out; a, b and out may overlap (the input is copied). */
static pouw_status hash_pair(uint8_t out[H], const uint8_t a[H], const uint8_t b[H])
{
    uint8_t buf[2 * H];
    memcpy(buf, a, H);
    memcpy(buf + H, b, H);
    return pouw_sha256(out, buf, sizeof buf);
}

pouw_status pouw_merkle_root(uint8_t root32[H], int *mutated, const uint8_t *leaves, size_t n)
{
    assert(root32 && (leaves || n == 0));
    memset(root32, 0, H);
    if (mutated)
        *mutated = 0;
    if (n > SIZE_MAX / H)
        return POUW_ERANGE;
    if (n == 0)
        return POUW_OK;
    if (n == 1) {
        memcpy(root32, leaves, H);
        return POUW_OK;
    }

    /* Level 1 goes to scratch (ceil(n/2) nodes); every later level is computed in
     * place, since node j of the next level only reads nodes 2j and 2j+1 >= j. */
    size_t m = (n + 1) / 2;
    uint8_t *level = malloc(m * H);
    if (!level)
        return POUW_ENOMEM;
    int mut = 0;
    pouw_status st = POUW_OK;
    const uint8_t *src = leaves;
    size_t count = n;
    while (count > 1 && st == POUW_OK) {
        size_t next = (count + 1) / 2;
        for (size_t j = 0; j < next && st == POUW_OK; j++) {
            const uint8_t *a = src + 2 * j * H;
            const uint8_t *b = 2 * j + 1 < count ? a + H : a; /* odd count: pair the last with itself */
            if (b != a && memcmp(a, b, H) == 0)
                mut = 1;
            st = hash_pair(level + j * H, a, b);
        }
        src = level;
        count = next;
    }
    if (st == POUW_OK) {
        memcpy(root32, level, H);
        if (mutated)
            *mutated = mut;
    }
    free(level);
    return st;
}
