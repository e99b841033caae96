/* tests/testutil.c - helpers shared by the test suites. */
#include "tests/testutil.h"

#include <stdio.h>
#include <stdlib.h>

#include <openssl/evp.h>

const char *tu_path(char *out, size_t cap, const char *rel)
{
    const char *top = getenv("BSE_TOP");
    snprintf(out, cap, "%s/%s", top && *top ? top : ".", rel);
    return out;
}

void tu_sha256_hex(char hex[65], const void *data, size_t len)
{
    unsigned char md[32];
    unsigned int mdlen = 0;
    EVP_Digest(data, len, md, &mdlen, EVP_sha256(), NULL);
    for (int i = 0; i < 32; i++)
        snprintf(hex + 2 * i, 3, "%02x", md[i]);
}
