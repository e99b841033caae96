/* pouw/header.c - canonical header bytes, pre-hash and nonce search (see header.h).
 * Spec pouw.md s2. The encoder writes field by field at the offsets below; the
 * static assertions tie the offsets to the widths of the table. */
#include "pouw/header.h"

#include <assert.h>
#include <string.h>

#include "pouw/assumptions.h"
#include "pouw/bytes.h"
#include "pouw/target.h"

enum {
    OFF_VERSION = 0,
    OFF_CHAIN_ID = OFF_VERSION + 4,
    OFF_HEIGHT = OFF_CHAIN_ID + 4,
    OFF_PREV_HASH = OFF_HEIGHT + 8,
    OFF_TX_ROOT = OFF_PREV_HASH + 32,
    OFF_LEDGER_ROOT = OFF_TX_ROOT + 32,
    OFF_MINER = OFF_LEDGER_ROOT + 32,
    OFF_TIME_MS = OFF_MINER + 32,
    OFF_PREHASH_BITS = OFF_TIME_MS + 8,
    OFF_PPS_THRESHOLD = OFF_PREHASH_BITS + 4,
    OFF_MODE = OFF_PPS_THRESHOLD + 8,
    OFF_POST_BITS = OFF_MODE + 4,
    OFF_SESSIONS = OFF_POST_BITS + 4,
    OFF_JOB_DIGEST = OFF_SESSIONS + 4,
    OFF_NONCE = OFF_JOB_DIGEST + 32,
    OFF_END = OFF_NONCE + 8,
};
_Static_assert(OFF_END == POUW_HEADER_BYTES, "header size is 216 bytes");
_Static_assert(OFF_NONCE == POUW_HEADER_NONCE_OFFSET, "the nonce is the last 8 bytes");
_Static_assert(OFF_PREHASH_BITS == 152 && OFF_JOB_DIGEST == 176, "offsets as documented in header.h");

void pouw_header_encode(uint8_t bytes[POUW_HEADER_BYTES], const pouw_header *h)
{
    assert(bytes && h);
    pouw_put_u32le(bytes + OFF_VERSION, h->version);
    pouw_put_u32le(bytes + OFF_CHAIN_ID, h->chain_id);
    pouw_put_u64le(bytes + OFF_HEIGHT, h->height);
    memcpy(bytes + OFF_PREV_HASH, h->prev_hash, 32);
    memcpy(bytes + OFF_TX_ROOT, h->tx_root, 32);
    memcpy(bytes + OFF_LEDGER_ROOT, h->ledger_root, 32);
    memcpy(bytes + OFF_MINER, h->miner, 32);
    pouw_put_u64le(bytes + OFF_TIME_MS, h->time_ms);
    pouw_put_u32le(bytes + OFF_PREHASH_BITS, h->prehash_bits);
    pouw_put_i64le(bytes + OFF_PPS_THRESHOLD, h->pps_threshold_micro);
    pouw_put_u32le(bytes + OFF_MODE, h->mode);
    pouw_put_u32le(bytes + OFF_POST_BITS, h->post_bits);
    pouw_put_u32le(bytes + OFF_SESSIONS, h->sessions);
    memcpy(bytes + OFF_JOB_DIGEST, h->job_digest, 32);
    pouw_put_u64le(bytes + OFF_NONCE, h->nonce);
}

pouw_status pouw_prehash(uint8_t pre_hash32[POUW_SHA256_BYTES], const pouw_header *h)
{
    uint8_t bytes[POUW_HEADER_BYTES];
    pouw_header_encode(bytes, h);
    return pouw_sha256(pre_hash32, bytes, sizeof bytes);
}

pouw_status pouw_prehash_search(uint64_t *nonce, uint8_t pre_hash32[POUW_SHA256_BYTES], const pouw_header *h,
                                uint64_t start_nonce, uint64_t max_tries)
{
    assert(nonce && pre_hash32 && h);
    *nonce = 0;
    memset(pre_hash32, 0, POUW_SHA256_BYTES);

    uint8_t target[POUW_TARGET_BYTES];
    pouw_status st = pouw_target_from_bits(target, h->prehash_bits);
    if (st != POUW_OK)
        return st;

    uint8_t bytes[POUW_HEADER_BYTES];
    pouw_header_encode(bytes, h);
    pouw_sha256_ctx prefix = {0}, work = {0};
    if ((st = pouw_sha256_init(&prefix)) != POUW_OK || (st = pouw_sha256_init(&work)) != POUW_OK ||
        (st = pouw_sha256_update(&prefix, bytes, POUW_HEADER_NONCE_OFFSET)) != POUW_OK)
        goto done;

    st = POUW_ENOTFOUND;
    uint64_t n = start_nonce;
    for (uint64_t k = 0; k < max_tries; k++, n++) { /* n wraps modulo 2^64 */
        uint8_t suffix[8], digest[POUW_SHA256_BYTES];
        pouw_put_u64le(suffix, n);
        pouw_status hs = pouw_sha256_finish_from(&work, digest, &prefix, suffix, sizeof suffix);
        if (hs != POUW_OK) {
            st = hs;
            break;
        }
        if (pouw_hash_meets_target(digest, target)) {
            *nonce = n;
            memcpy(pre_hash32, digest, POUW_SHA256_BYTES);
            st = POUW_OK;
            break;
        }
    }
done:
    pouw_sha256_clear(&prefix);
    pouw_sha256_clear(&work);
    return st;
}
