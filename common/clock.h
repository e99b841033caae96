/* common/clock.h - the two clocks programs read: wall time in Unix milliseconds (block
 * times) and a monotonic clock in seconds (durations, progress). Libraries never read a
 * clock themselves; programs pass these in (STYLE rule 8). Thread-safe. */
#ifndef COMMON_CLOCK_H
#define COMMON_CLOCK_H

#include <stdint.h>

/* Wall-clock time, Unix milliseconds. */
uint64_t common_clock_wall_ms(void);

/* Monotonic seconds since an arbitrary origin (for durations only). */
double common_clock_mono_s(void);

#endif /* COMMON_CLOCK_H */
