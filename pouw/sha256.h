/* pouw/sha256.h - SHA-256 through OpenSSL EVP, and lower-case hex.
 *
 * Every digest of the protocol (pre-hash, session seeds, outcome and post-hash,
 * Merkle nodes) is SHA-256 computed by OpenSSL's EVP interface (spec pouw.md s1).
 * Three forms: a one-shot hash; an incremental context; and a prefix midstate for
 * nonce grinding - hash the fixed prefix once into a context, then per nonce copy
 * it (EVP_MD_CTX_copy_ex) into a work context and finish with only the suffix
 * (pouw_sha256_finish_from). The three give identical digests for identical bytes.
 *
 * Hex shown to people and stored in files is the plain byte order of the digest,
 * lower-case (spec s2). Decoding accepts only that canonical spelling, so a hex
 * field has exactly one form (an upper-case digit is rejected, not folded).
 *
 * Thread-safety: no shared state. A context is a plain value: distinct contexts
 * may be used on distinct threads at once; one context must not be shared
 * without a lock. The one-shot functions are thread-safe.
 */
#ifndef POUW_SHA256_H
#define POUW_SHA256_H

#include <stddef.h>
#include <stdint.h>

#include <openssl/evp.h>

#include "pouw/status.h"

#define POUW_SHA256_BYTES 32
#define POUW_SHA256_HEX 65 /* 64 hex digits and the NUL */

/* An incremental SHA-256 computation. A zeroed context ({0}) is "empty": it may be
 * cleared, but must be initialised before use. */
typedef struct pouw_sha256_ctx {
    EVP_MD_CTX *md; /* owned; NULL when empty */
} pouw_sha256_ctx;

/* Hashes len bytes at data (data may be NULL when len is 0).
 * Returns: POUW_OK or POUW_ECRYPTO (digest32 is then all zero).
 * Out: digest32. Allocates only inside OpenSSL, freed before return. */
__attribute__((warn_unused_result)) pouw_status pouw_sha256(uint8_t digest32[POUW_SHA256_BYTES], const void *data,
                                                            size_t len);

/* Allocates ctx's OpenSSL state and starts an empty message.
 * Returns: POUW_OK, POUW_ENOMEM or POUW_ECRYPTO (ctx is then empty, nothing to free).
 * Out: ctx (previous contents ignored, not freed). Free with pouw_sha256_clear. */
__attribute__((warn_unused_result)) pouw_status pouw_sha256_init(pouw_sha256_ctx *ctx);

/* Restarts ctx on an empty message, keeping its allocation.
 * Returns: POUW_OK or POUW_ECRYPTO. In/Out: ctx (initialised). */
__attribute__((warn_unused_result)) pouw_status pouw_sha256_reset(pouw_sha256_ctx *ctx);

/* Appends len bytes at data (NULL allowed when len is 0) to ctx's message.
 * Returns: POUW_OK or POUW_ECRYPTO. In/Out: ctx (initialised, not finalised). */
__attribute__((warn_unused_result)) pouw_status pouw_sha256_update(pouw_sha256_ctx *ctx, const void *data, size_t len);

/* Finishes ctx's message. ctx must then be reset (or copied into) before further
 * updates. Returns: POUW_OK or POUW_ECRYPTO (digest32 zeroed).
 * In/Out: ctx. Out: digest32. */
__attribute__((warn_unused_result)) pouw_status pouw_sha256_final(pouw_sha256_ctx *ctx,
                                                                  uint8_t digest32[POUW_SHA256_BYTES]);

/* Copies src's state (the message so far) into dst (EVP_MD_CTX_copy_ex), so that
 * both continue independently. Returns: POUW_OK, POUW_ENOMEM or POUW_ECRYPTO.
 * Out: dst (initialised). In: src (initialised, not finalised). OpenSSL 3 may
 * allocate inside the copy (its provider duplicates the hash state). */
__attribute__((warn_unused_result)) pouw_status pouw_sha256_copy(pouw_sha256_ctx *dst, const pouw_sha256_ctx *src);

/* The midstate step of nonce grinding: copies prefix into work, appends the
 * suffix and finishes, leaving prefix untouched for the next suffix. Equal to
 * SHA-256(prefix bytes || suffix). Returns: POUW_OK, POUW_ENOMEM or POUW_ECRYPTO
 * (digest32 zeroed). In/Out: work (initialised; its old state is discarded).
 * Out: digest32. In: prefix (initialised, not finalised), suffix[0..len). */
__attribute__((warn_unused_result)) pouw_status pouw_sha256_finish_from(pouw_sha256_ctx *work,
                                                                        uint8_t digest32[POUW_SHA256_BYTES],
                                                                        const pouw_sha256_ctx *prefix,
                                                                        const void *suffix, size_t len);

/* Frees ctx's OpenSSL state; an empty or cleared ctx may be cleared again. */
void pouw_sha256_clear(pouw_sha256_ctx *ctx);

/* Writes bytes[0..len) as 2*len lower-case hex digits and a NUL.
 * Out: hex, which must have room for 2*len + 1 chars. Cannot fail. */
void pouw_hex_encode(char *hex, const uint8_t *bytes, size_t len);

/* Decodes the NUL-terminated text hex, which must be exactly 2*len digits from
 * [0-9a-f] (no prefix, no space, no upper case), into len bytes.
 * Returns: POUW_OK, or POUW_EHEX for another length or character (bytes then all
 * zero). Out: bytes[0..len). */
__attribute__((warn_unused_result)) pouw_status pouw_hex_decode(uint8_t *bytes, size_t len, const char *hex);

#endif /* POUW_SHA256_H */
