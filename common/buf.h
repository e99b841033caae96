/* common/buf.h - a growable byte buffer, the in-memory form of BSE's output files.
 *
 * Sessions write their files into buffers so that nothing reaches the disk until a
 * session has succeeded (no half-written outputs) and so that PoUW can hash the
 * bytes directly. Invariant: data[len] == '\0' whenever data != NULL.
 * Thread-safety: plain value.
 */
#ifndef COMMON_BUF_H
#define COMMON_BUF_H

#include <stddef.h>
#include <stdint.h>

typedef struct common_buf {
    char *data;
    size_t len, cap;
    int oom; /* set once an append failed; later appends are ignored */
} common_buf;

/* An empty buffer; no allocation until the first append. */
#define COMMON_BUF_INIT {0, 0, 0, 0}

/* Frees the storage and empties the buffer; safe on an empty buffer. */
void common_buf_free(common_buf *b);

/* Empties the buffer, keeping its storage. */
static inline void common_buf_reset(common_buf *b) { b->len = 0; if (b->data) b->data[0] = '\0'; }

/* Makes room for `extra` more bytes (plus the NUL). Returns 0, or -1 (and sets oom). */
int common_buf_reserve(common_buf *b, size_t extra);

/* Grows the array *p of *cap elements of elem bytes to hold at least need
 * (doubling from 16; the new elements zeroed). Returns 0, or -1 when out of
 * memory or the size overflows (then *p and *cap are unchanged). */
int common_grow(void **p, size_t *cap, size_t need, size_t elem);

/* Appends bytes. Returns 0, or -1 (and sets oom) when out of memory. */
int common_buf_append(common_buf *b, const void *p, size_t n);

/* Appends printf-formatted text. Returns 0, or -1 (oom set). */
int common_buf_printf(common_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Appends the decimal form of v (as printf "%lld"). Returns 0 or -1. */
int common_buf_int(common_buf *b, int64_t v);

/* Writes the buffer to path crash-safely: a temporary file in the same folder,
 * fsync, rename over path. Returns 0, or -1 with errno set (no file left). */
int common_buf_write_file(const common_buf *b, const char *path);

#endif /* COMMON_BUF_H */
