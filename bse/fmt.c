/* bse/fmt.c - exact "%.Nf" for doubles with 128-bit integers (see fmt.h). */
#include "bse/fmt.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "bse/assumptions.h"

static const uint64_t POW10[10] = {1, 10, 100, 1000, 10000, 100000, 1000000, 10000000, 100000000, 1000000000};

size_t bse_fmt_fixed(char out[64], double x, int prec)
{
    if (prec < 0 || prec > 9 || !isfinite(x) || fabs(x) >= 9007199254740992.0) { /* 2^53 */
        int n = snprintf(out, 64, "%.*f", prec, x);
        return (n < 0) ? 0 : (n < 64 ? (size_t)n : strlen(out)); /* truncated to 63 characters */
    }
    int neg = signbit(x) != 0;
    double ax = fabs(x);
    int e;
    double fr = frexp(ax, &e);                             /* ax = fr * 2^e, fr in [0.5, 1) */
    uint64_t m = (uint64_t)ldexp(fr, 53);                  /* exact: 53-bit integer mantissa */
    int s = 53 - e;                                        /* ax = m / 2^s */
    unsigned __int128 p = (unsigned __int128)m * POW10[prec]; /* < 2^83 */
    unsigned __int128 q;
    if (s <= 0) {
        q = p << -s; /* cannot happen below 2^53 except integers; shift is small */
    } else if (s >= 120) {
        q = 0; /* below 2^-67 * 10^prec: rounds to zero (never exactly half) */
    } else {
        q = p >> s;
        unsigned __int128 rem = p - (q << s);
        unsigned __int128 half = (unsigned __int128)1 << (s - 1);
        if (rem > half || (rem == half && (q & 1)))
            q++;
    }
    /* digits of q, with the decimal point prec places from the right */
    char tmp[64];
    int n = 0;
    while (q > (unsigned __int128)UINT64_MAX) { /* rare: 128-bit division */
        tmp[n++] = (char)('0' + (int)(q % 10));
        q /= 10;
    }
    uint64_t q64 = (uint64_t)q;
    do {
        tmp[n++] = (char)('0' + (int)(q64 % 10));
        q64 /= 10;
    } while (q64);
    while (n <= prec)
        tmp[n++] = '0';
    size_t len = 0;
    if (neg)
        out[len++] = '-';
    for (int i = n - 1; i >= 0; i--) {
        out[len++] = tmp[i];
        if (i == prec && prec > 0)
            out[len++] = '.';
    }
    out[len] = '\0';
    return len;
}
