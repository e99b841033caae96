/* pouw/assumptions.h - the platform properties consensus code relies on, checked at
 * compile time (STYLE rule 10). Included by every pouw .c file that encodes bytes or
 * computes in floating point; it declares nothing.
 *
 * Why: digests must agree across gcc/clang and -O levels, so bytes are 8 bits,
 * doubles are IEEE 754 binary64 and expressions are evaluated in their own type
 * (no x87 extended precision, FLT_EVAL_METHOD 0); the Makefile adds
 * -ffp-contract=off so no multiply-add is fused.
 */
#ifndef POUW_ASSUMPTIONS_H
#define POUW_ASSUMPTIONS_H

#include <float.h>
#include <limits.h>
#include <stdint.h>

_Static_assert(CHAR_BIT == 8, "pouw needs 8-bit bytes");
_Static_assert(sizeof(double) == 8 && FLT_RADIX == 2 && DBL_MANT_DIG == 53 && DBL_MAX_EXP == 1024 &&
                   DBL_MIN_EXP == -1021,
               "pouw needs IEEE 754 binary64 doubles");
_Static_assert(FLT_EVAL_METHOD == 0, "pouw needs FLT_EVAL_METHOD == 0 (no excess precision)");

#endif /* POUW_ASSUMPTIONS_H */
