/* bse/buf.h - a growable byte buffer, the in-memory form of BSE's output files.
 *
 * Sessions write their files into buffers so that nothing reaches the disk until a
 * session has succeeded (no half-written outputs) and so that PoUW can hash the
 * bytes directly. Invariant: data[len] == '\0' whenever data != NULL.
 * Thread-safety: plain value.
 */
#ifndef BSE_BUF_H
#define BSE_BUF_H

#include <stddef.h>
#include <stdint.h>

typedef struct bse_buf {
    char *data;
    size_t len, cap;
    int oom; /* set once an append failed; later appends are ignored */
} bse_buf;

/* An empty buffer; no allocation until the first append. */
#define BSE_BUF_INIT {0, 0, 0, 0}

/* Frees the storage and empties the buffer; safe on an empty buffer. */
void bse_buf_free(bse_buf *b);

/* Empties the buffer, keeping its storage. */
static inline void bse_buf_reset(bse_buf *b) { b->len = 0; if (b->data) b->data[0] = '\0'; }

/* Makes room for `extra` more bytes (plus the NUL). Returns 0, or -1 (and sets oom). */
int bse_buf_reserve(bse_buf *b, size_t extra);

/* Appends bytes. Returns 0, or -1 (and sets oom) when out of memory. */
int bse_buf_append(bse_buf *b, const void *p, size_t n);

/* Appends printf-formatted text. Returns 0, or -1 (oom set). */
int bse_buf_printf(bse_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Appends the decimal form of v (as printf "%lld"). Returns 0 or -1. */
int bse_buf_int(bse_buf *b, int64_t v);

/* Writes the buffer to path crash-safely: a temporary file in the same folder,
 * fsync, rename over path. Returns 0, or -1 with errno set (no file left). */
int bse_buf_write_file(const bse_buf *b, const char *path);

#endif /* BSE_BUF_H */
