/* bse/fmt.h - exact, fast fixed-point formatting of doubles (printf "%.Nf").
 *
 * BSE's files print floats with Python's "%f" / "%.3f", which round the exact
 * binary value half-to-even, as glibc's printf does. Formatting thousands of
 * such numbers per session through vsnprintf costs more than the market itself,
 * so this does the same conversion with 128-bit integer arithmetic: the double
 * m*2^e is scaled by 10^prec exactly and rounded half-to-even. Values it cannot
 * handle exactly this way (not finite, or too large) go through snprintf.
 * Invariant (tested against snprintf on random and edge values): the output is
 * byte-identical to snprintf(out, n, "%.*f", prec, x). Thread-safe, no state.
 */
#ifndef BSE_FMT_H
#define BSE_FMT_H

#include <stddef.h>

/* Writes x with prec (0..9) decimals into out (64 bytes), NUL-terminated.
 * Returns the length written. A value whose text is longer than 63 characters
 * (|x| above about 1e53) is truncated to 63 characters, as snprintf(out, 64) does. */
size_t bse_fmt_fixed(char out[64], double x, int prec);

#endif /* BSE_FMT_H */
