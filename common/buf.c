/* bse/buf.c - growable byte buffer and crash-safe file write (see buf.h). */
#include "common/buf.h"

#include "common/file.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

void common_buf_free(common_buf *b)
{
    free(b->data);
    b->data = NULL;
    b->len = b->cap = 0;
    b->oom = 0;
}

int common_buf_reserve(common_buf *b, size_t extra)
{
    if (b->oom)
        return -1;
    if (b->len + extra + 1 <= b->cap)
        return 0;
    size_t ncap = b->cap ? b->cap : 256;
    while (ncap < b->len + extra + 1)
        ncap *= 2;
    char *d = realloc(b->data, ncap);
    if (!d) {
        b->oom = 1;
        return -1;
    }
    b->data = d;
    b->cap = ncap;
    return 0;
}

int common_buf_append(common_buf *b, const void *p, size_t n)
{
    if (common_buf_reserve(b, n))
        return -1;
    memcpy(b->data + b->len, p, n);
    b->len += n;
    b->data[b->len] = '\0';
    return 0;
}

int common_buf_printf(common_buf *b, const char *fmt, ...)
{
    va_list ap;
    if (common_buf_reserve(b, 128))
        return -1;
    va_start(ap, fmt);
    int n = vsnprintf(b->data + b->len, b->cap - b->len, fmt, ap);
    va_end(ap);
    if (n < 0)
        return -1;
    if ((size_t)n >= b->cap - b->len) {
        if (common_buf_reserve(b, (size_t)n))
            return -1;
        va_start(ap, fmt);
        vsnprintf(b->data + b->len, b->cap - b->len, fmt, ap);
        va_end(ap);
    }
    b->len += (size_t)n;
    return 0;
}

int common_buf_int(common_buf *b, int64_t v)
{
    char tmp[24];
    char *p = tmp + sizeof tmp;
    uint64_t u = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
    do {
        *--p = (char)('0' + u % 10);
        u /= 10;
    } while (u);
    if (v < 0)
        *--p = '-';
    return common_buf_append(b, p, (size_t)(tmp + sizeof tmp - p));
}

int common_buf_write_file(const common_buf *b, const char *path)
{
    common_error err;
    common_file_status st = common_file_write(&err, path, b->data ? b->data : "", b->len, 0644, 0);
    if (st == COMMON_FILE_OK)
        return 0;
    if (st == COMMON_FILE_ENOMEM)
        errno = ENOMEM;
    else if (errno == 0)
        errno = EIO;
    return -1;
}

int common_grow(void **p, size_t *cap, size_t need, size_t elem)
{
    if (need <= *cap)
        return 0;
    size_t n = *cap ? *cap : 16;
    while (n < need) {
        if (n > SIZE_MAX / 2)
            return -1;
        n *= 2;
    }
    if (elem && n > SIZE_MAX / elem)
        return -1;
    void *q = realloc(*p, n * elem);
    if (!q)
        return -1;
    memset((char *)q + *cap * elem, 0, (n - *cap) * elem);
    *p = q;
    *cap = n;
    return 0;
}
