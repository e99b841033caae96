/* pouw/sha256.c - SHA-256 over OpenSSL EVP, and lower-case hex (see sha256.h).
 * Invariant: a non-empty pouw_sha256_ctx always holds an EVP_MD_CTX set up for
 * SHA-256, so update/final/copy never need to know how it was made. */
#include "pouw/sha256.h"

#include <assert.h>
#include <string.h>

pouw_status pouw_sha256(uint8_t digest32[POUW_SHA256_BYTES], const void *data, size_t len)
{
    assert(digest32 && (data || len == 0));
    memset(digest32, 0, POUW_SHA256_BYTES);
    unsigned int n = 0;
    if (EVP_Digest(len ? data : "", len, digest32, &n, EVP_sha256(), NULL) != 1 || n != POUW_SHA256_BYTES) {
        memset(digest32, 0, POUW_SHA256_BYTES);
        return POUW_ECRYPTO;
    }
    return POUW_OK;
}

pouw_status pouw_sha256_init(pouw_sha256_ctx *ctx)
{
    assert(ctx);
    ctx->md = EVP_MD_CTX_new();
    if (!ctx->md)
        return POUW_ENOMEM;
    if (EVP_DigestInit_ex(ctx->md, EVP_sha256(), NULL) != 1) {
        pouw_sha256_clear(ctx);
        return POUW_ECRYPTO;
    }
    return POUW_OK;
}

pouw_status pouw_sha256_reset(pouw_sha256_ctx *ctx)
{
    assert(ctx && ctx->md);
    return EVP_DigestInit_ex(ctx->md, EVP_sha256(), NULL) == 1 ? POUW_OK : POUW_ECRYPTO;
}

pouw_status pouw_sha256_update(pouw_sha256_ctx *ctx, const void *data, size_t len)
{
    assert(ctx && ctx->md && (data || len == 0));
    if (len == 0)
        return POUW_OK;
    return EVP_DigestUpdate(ctx->md, data, len) == 1 ? POUW_OK : POUW_ECRYPTO;
}

pouw_status pouw_sha256_final(pouw_sha256_ctx *ctx, uint8_t digest32[POUW_SHA256_BYTES])
{
    assert(ctx && ctx->md && digest32);
    memset(digest32, 0, POUW_SHA256_BYTES);
    unsigned int n = 0;
    if (EVP_DigestFinal_ex(ctx->md, digest32, &n) != 1 || n != POUW_SHA256_BYTES) {
        memset(digest32, 0, POUW_SHA256_BYTES);
        return POUW_ECRYPTO;
    }
    return POUW_OK;
}

pouw_status pouw_sha256_copy(pouw_sha256_ctx *dst, const pouw_sha256_ctx *src)
{
    assert(dst && dst->md && src && src->md);
    return EVP_MD_CTX_copy_ex(dst->md, src->md) == 1 ? POUW_OK : POUW_ECRYPTO;
}

pouw_status pouw_sha256_finish_from(pouw_sha256_ctx *work, uint8_t digest32[POUW_SHA256_BYTES],
                                    const pouw_sha256_ctx *prefix, const void *suffix, size_t len)
{
    assert(digest32);
    memset(digest32, 0, POUW_SHA256_BYTES);
    pouw_status st = pouw_sha256_copy(work, prefix);
    if (st == POUW_OK)
        st = pouw_sha256_update(work, suffix, len);
    if (st == POUW_OK)
        st = pouw_sha256_final(work, digest32);
    return st;
}

void pouw_sha256_clear(pouw_sha256_ctx *ctx)
{
    if (!ctx)
        return;
    EVP_MD_CTX_free(ctx->md); /* NULL is a no-op */
    ctx->md = NULL;
}

void pouw_hex_encode(char *hex, const uint8_t *bytes, size_t len)
{
    static const char digits[] = "0123456789abcdef";
    assert(hex && (bytes || len == 0));
    for (size_t i = 0; i < len; i++) {
        hex[2 * i] = digits[bytes[i] >> 4];
        hex[2 * i + 1] = digits[bytes[i] & 15];
    }
    hex[2 * len] = '\0';
}

/* Value of a canonical (lower-case) hex digit, or -1. */
static int hex_value(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    return -1;
}

pouw_status pouw_hex_decode(uint8_t *bytes, size_t len, const char *hex)
{
    assert((bytes || len == 0) && hex);
    if (len)
        memset(bytes, 0, len);
    /* strnlen bounds the scan: text longer than 2*len is rejected without reading it all. */
    if (strnlen(hex, 2 * len + 1) != 2 * len)
        return POUW_EHEX;
    for (size_t i = 0; i < len; i++) {
        int hi = hex_value(hex[2 * i]), lo = hex_value(hex[2 * i + 1]);
        if (hi < 0 || lo < 0) {
            memset(bytes, 0, len);
            return POUW_EHEX;
        }
        bytes[i] = (uint8_t)(hi << 4 | lo);
    }
    return POUW_OK;
}
