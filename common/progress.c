/* common/progress.c - in-place progress lines on a terminal only (common/progress.h). */
#include "common/progress.h"

#include <stdarg.h>
#include <stdio.h>
#include <unistd.h>

#include "common/clock.h"

void common_progress_init(common_progress *p, double every_s)
{
    p->tty = isatty(STDERR_FILENO);
    p->shown = 0;
    p->last_s = -1e300;
    p->every_s = every_s;
}

void common_progress_show(common_progress *p, const char *prog, const char *fmt, ...)
{
    if (!p->tty)
        return;
    double now = common_clock_mono_s();
    if (p->shown && now - p->last_s < p->every_s)
        return;
    p->last_s = now;
    char line[160];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    fprintf(stderr, "\r\033[K%s: %s", prog, line);
    fflush(stderr);
    p->shown = 1;
}

void common_progress_end(common_progress *p)
{
    if (p->tty && p->shown) {
        fprintf(stderr, "\r\033[K");
        fflush(stderr);
    }
    p->shown = 0;
}
