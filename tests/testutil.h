/* tests/testutil.h - small helpers shared by the test suites (not a library). */
#ifndef BSE_TESTUTIL_H
#define BSE_TESTUTIL_H

#include <stddef.h>
#include <stdint.h>

/* Absolute path of the repository root ($BSE_TOP, default "."), joined with rel. */
const char *tu_path(char *out, size_t cap, const char *rel);

/* Lower-case hex SHA-256 of data (65 bytes with the NUL). */
void tu_sha256_hex(char hex[65], const void *data, size_t len);

#endif
