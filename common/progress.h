/* common/progress.h - progress lines for long work: shown in place (carriage return) on
 * a terminal, silent when stderr is piped or redirected, so logs and captured output stay
 * clean. A value owned by the caller; not shared between threads. */
#ifndef COMMON_PROGRESS_H
#define COMMON_PROGRESS_H

typedef struct common_progress {
    int tty;        /* stderr is a terminal */
    int shown;      /* a line is on screen (needs clearing) */
    double last_s;  /* monotonic time of the last line */
    double every_s; /* minimum seconds between lines (0: every call) */
} common_progress;

/* Starts a progress reporter: tty from isatty(stderr), lines at most every every_s s. */
void common_progress_init(common_progress *p, double every_s);

/* Shows "prog: <message>" in place (only on a terminal, rate-limited). */
void common_progress_show(common_progress *p, const char *prog, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Clears the progress line (if one is shown) so a normal message can follow. */
void common_progress_end(common_progress *p);

#endif /* COMMON_PROGRESS_H */
