/* pouw/header.h - the block header, its canonical bytes, the pre-hash and the
 * pre-hash nonce search (spec pouw.md s1.1-1.2, s2 and s11.8: version 2).
 *
 * The canonical bytes are the fields in table order, each at fixed width,
 * integers little-endian, byte strings as they are, no padding - written field by
 * field, never as a raw struct - 216 bytes (version 2: ledger_root after tx_root):
 *
 *   offset size field                  offset size field
 *        0    4 version (2)               152    4 prehash_bits (the fixed gate)
 *        4    4 chain_id                  156    8 pps_threshold_micro: the floor
 *        8    8 height                    164    4 mode
 *       16   32 prev_hash                 168    4 post_bits (0: no target)
 *       48   32 tx_root                   172    4 sessions
 *       80   32 ledger_root               176   32 job_digest
 *      112   32 miner                     208    8 nonce
 *      144    8 time_ms
 *
 * The nonce is last, so a miner hashes the 208-byte prefix once and per nonce only
 * the 8-byte suffix (SHA-256 midstate: the prefix is three 64-byte blocks plus 16
 * buffered bytes, so each try costs 1 compression instead of 4).
 * pre_hash = SHA-256(the 216 bytes).
 *
 * Thread-safety: pure functions on caller memory.
 */
#ifndef POUW_HEADER_H
#define POUW_HEADER_H

#include <stdint.h>

#include "pouw/sha256.h"
#include "pouw/status.h"

#define POUW_HEADER_BYTES 216
#define POUW_HEADER_NONCE_OFFSET 208 /* the nonce is bytes 208..215 */
#define POUW_HEADER_VERSION 2u       /* consensus version 2 (spec s11); version 1 is not accepted */
/* Both modes (s11.2): valid iff pps_micro >= the floor and post_hash <= the post
 * target (post_bits 0: every post-hash passes). The mode says where the floor sits. */
#define POUW_MODE_PPS 0u             /* the reference floor (pass ~1/12; grindable, for research) */
#define POUW_MODE_LOTTERY 1u         /* the main chains: a floor passing >= 85%, the lottery decides */

/* A block header (spec s2). A plain value: the struct's layout is not its encoding. */
typedef struct pouw_header {
    uint32_t version;            /* POUW_HEADER_VERSION */
    uint32_t chain_id;           /* 0 AlphaCoin, 1 BravoCoin, 2 CharlieCoin, ... */
    uint64_t height;             /* genesis = 0 */
    uint8_t prev_hash[32];       /* parent's block id (post_hash); zero for genesis */
    uint8_t tx_root[32];         /* Merkle root of the transactions (pouw/merkle.h) */
    uint8_t ledger_root[32];     /* Merkle root of the ledger after the block (pouw_ledger_root) */
    uint8_t miner[32];           /* miner's Ed25519 public key */
    uint64_t time_ms;            /* miner's clock, Unix milliseconds */
    uint32_t prehash_bits;       /* compact pre-hash target (pouw/target.h) */
    int64_t pps_threshold_micro; /* the usefulness floor, PPS x 1e6 (a genesis constant) */
    uint32_t mode;               /* POUW_MODE_PPS or POUW_MODE_LOTTERY */
    uint32_t post_bits;          /* compact post-hash target; 0: no target (the only retargeted field) */
    uint32_t sessions;           /* n, sessions per attempt */
    uint8_t job_digest[32];      /* SHA-256 of the committed job JSON, or zero */
    uint64_t nonce;              /* free */
} pouw_header;

/* Writes the canonical bytes of h (the layout above). Does not validate field
 * values: every header has an encoding. Out: bytes. Cannot fail. */
void pouw_header_encode(uint8_t bytes[POUW_HEADER_BYTES], const pouw_header *h);

/* pre_hash = SHA-256(canonical bytes of h).
 * Returns: POUW_OK or POUW_ECRYPTO (pre_hash32 zeroed). Out: pre_hash32. */
__attribute__((warn_unused_result)) pouw_status pouw_prehash(uint8_t pre_hash32[POUW_SHA256_BYTES],
                                                             const pouw_header *h);

/* Searches nonces start_nonce, start_nonce+1, ... (wrapping modulo 2^64), at most
 * max_tries of them, for the first whose pre-hash meets the target of
 * h->prehash_bits; h->nonce is ignored and h is not changed. The 208-byte prefix is
 * hashed once; each try copies that midstate and hashes the 8 nonce bytes.
 * Returns: POUW_OK (found); POUW_ENOTFOUND after max_tries misses (0 tries is
 * allowed and finds nothing); POUW_EBITS_NEGATIVE / POUW_EBITS_OVERFLOW for bad
 * prehash_bits; POUW_ENOMEM or POUW_ECRYPTO. On any error both outputs are zero.
 * Out: nonce, pre_hash32 (the found nonce and its pre-hash).
 * Allocates two OpenSSL digest contexts for the call (and OpenSSL 3 allocates
 * inside each midstate copy); frees them before returning. */
__attribute__((warn_unused_result)) pouw_status pouw_prehash_search(uint64_t *nonce,
                                                                    uint8_t pre_hash32[POUW_SHA256_BYTES],
                                                                    const pouw_header *h, uint64_t start_nonce,
                                                                    uint64_t max_tries);

#endif /* POUW_HEADER_H */
