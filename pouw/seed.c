/* pouw/seed.c - session and environment seeds, outcome digest, post-hash and
 * pps_micro (see seed.h; spec pouw.md s1.3, s1.5, s3). */
#include "pouw/seed.h"

#include <assert.h>
#include <math.h>
#include <string.h>

#include "pouw/assumptions.h"
#include "pouw/bytes.h"

pouw_status pouw_session_seed(uint8_t seed32[POUW_SHA256_BYTES], const uint8_t pre_hash32[POUW_SHA256_BYTES],
                              uint32_t i)
{
    assert(pre_hash32);
    uint8_t msg[POUW_SHA256_BYTES + 4];
    memcpy(msg, pre_hash32, POUW_SHA256_BYTES);
    pouw_put_u32le(msg + POUW_SHA256_BYTES, i);
    return pouw_sha256(seed32, msg, sizeof msg);
}

pouw_status pouw_environment_seed(uint8_t env32[POUW_SHA256_BYTES], const uint8_t session_seed32[POUW_SHA256_BYTES])
{
    assert(session_seed32);
    static const char tag[] = POUW_ENVIRONMENT_TAG;
    uint8_t msg[POUW_SHA256_BYTES + sizeof tag - 1];
    _Static_assert(sizeof msg == 43, "s_i (32 bytes) and the 11 bytes of \"environment\"");
    memcpy(msg, session_seed32, POUW_SHA256_BYTES);
    memcpy(msg + POUW_SHA256_BYTES, tag, sizeof tag - 1);
    return pouw_sha256(env32, msg, sizeof msg);
}

pouw_status pouw_outcome_digest(uint8_t outcome32[POUW_SHA256_BYTES], const uint8_t *digests, size_t n)
{
    assert(outcome32 && (digests || n == 0));
    memset(outcome32, 0, POUW_SHA256_BYTES);
    if (n > SIZE_MAX / POUW_SHA256_BYTES)
        return POUW_ERANGE;
    /* The digests are contiguous, so one call hashes their concatenation. */
    return pouw_sha256(outcome32, digests, n * POUW_SHA256_BYTES);
}

pouw_status pouw_post_hash(uint8_t post32[POUW_SHA256_BYTES], const uint8_t pre_hash32[POUW_SHA256_BYTES],
                           const uint8_t outcome32[POUW_SHA256_BYTES], int64_t pps_micro)
{
    assert(pre_hash32 && outcome32);
    uint8_t msg[2 * POUW_SHA256_BYTES + 8];
    memcpy(msg, pre_hash32, POUW_SHA256_BYTES);
    memcpy(msg + POUW_SHA256_BYTES, outcome32, POUW_SHA256_BYTES);
    pouw_put_i64le(msg + 2 * POUW_SHA256_BYTES, pps_micro);
    return pouw_sha256(post32, msg, sizeof msg);
}

pouw_status pouw_pps_micro(int64_t *micro, double pps)
{
    assert(micro);
    *micro = 0;
    if (!isfinite(pps))
        return POUW_ERANGE;
    double f = floor(pps * 1e6);
    /* -2^63 and 2^63 are exact doubles; f is integral, so the cast below is exact. */
    if (!(f >= -0x1p63 && f < 0x1p63))
        return POUW_ERANGE;
    *micro = (int64_t)f;
    return POUW_OK;
}
