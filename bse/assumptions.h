/* bse/assumptions.h - the platform facts that bit-exact, consensus-critical
 * results rely on, checked at compile time (STYLE rule 10). Include it from every
 * file whose arithmetic or byte encodings enter an output file or a digest. */
#ifndef BSE_ASSUMPTIONS_H
#define BSE_ASSUMPTIONS_H

#include <float.h>
#include <limits.h>
#include <stdint.h>

_Static_assert(CHAR_BIT == 8, "8-bit bytes required");
_Static_assert(sizeof(double) == 8 && DBL_MANT_DIG == 53 && FLT_RADIX == 2, "IEEE 754 binary64 doubles required");
_Static_assert(FLT_EVAL_METHOD == 0, "doubles must be evaluated in double precision (no x87 excess precision)");
_Static_assert(sizeof(int64_t) == 8 && sizeof(uint32_t) == 4, "exact-width integers required");

#endif /* BSE_ASSUMPTIONS_H */
