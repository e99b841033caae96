/* common/error.h - the error record every parser and I/O function of the toolkit fills.
 *
 * STYLE rule 5: errors name the file and the field. A caller owns a common_error (no
 * allocation); a failing function fills it once with a code, the file path, the
 * field (a JSON path such as "trader_spec.buyers[2].n", or "line 7") and a message.
 * Programs print it as one stderr line with common_error_print. Codes are the calling
 * module's status enums (0 = ok); the record only carries them.
 */
#ifndef COMMON_ERROR_H
#define COMMON_ERROR_H

#include <stdio.h>

typedef struct common_error {
    int code;        /* 0: no error recorded */
    char path[256];  /* file the error is about ("" when none, e.g. "-" for stdin) */
    char field[160]; /* field or location inside it ("" when none) */
    char msg[320];   /* what is wrong, one line */
} common_error;

/* Clears err (code 0, empty strings). err may be NULL. */
void common_error_clear(common_error *err);

/* Fills err (if not NULL) with code, path, field and a printf-style message.
 * Strings are truncated to fit; newlines in them are replaced by spaces.
 * Returns code, so a caller can write `return common_error_set(err, X, ...)`. */
int common_error_set(common_error *err, int code, const char *path, const char *field, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));

/* Writes "prog: path: field: msg\n" to f (parts that are empty are left out). */
void common_error_print(const common_error *err, const char *prog, FILE *f);

#endif /* COMMON_ERROR_H */
