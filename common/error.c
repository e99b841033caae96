/* bse/error.c - the shared error record (see error.h). */
#include "common/error.h"

#include <stdarg.h>
#include <string.h>

void common_error_clear(common_error *err)
{
    if (err)
        memset(err, 0, sizeof *err);
}

static void copy_line(char *dst, size_t cap, const char *src)
{
    size_t i = 0;
    for (; src && src[i] && i + 1 < cap; i++)
        dst[i] = (src[i] == '\n' || src[i] == '\r') ? ' ' : src[i];
    dst[i] = '\0';
}

int common_error_set(common_error *err, int code, const char *path, const char *field, const char *fmt, ...)
{
    if (!err)
        return code;
    char msg[sizeof err->msg];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    err->code = code;
    copy_line(err->path, sizeof err->path, path ? path : "");
    copy_line(err->field, sizeof err->field, field ? field : "");
    copy_line(err->msg, sizeof err->msg, msg);
    return code;
}

void common_error_print(const common_error *err, const char *prog, FILE *f)
{
    fprintf(f, "%s: ", prog ? prog : "error");
    if (err->path[0])
        fprintf(f, "%s: ", err->path);
    if (err->field[0])
        fprintf(f, "%s: ", err->field);
    fprintf(f, "%s\n", err->msg[0] ? err->msg : "error");
}
