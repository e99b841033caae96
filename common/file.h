/* common/file.h - reading a whole file and writing one crash-safely: the one
 * implementation every module uses (STYLE rule 18).
 *
 * Reading refuses what is not a regular file before reading a byte: the file is opened
 * non-blocking (a FIFO named like a block or a transfer must never hang a reader) and
 * checked with fstat (a folder, FIFO, socket or device gets a named error), and its size
 * is checked against the caller's limit before anything is allocated.
 * Writing goes to a temporary file beside the target, is fsynced, renamed (or linked,
 * when an existing file must not be replaced) over the target, and the folder is
 * fsynced: after a crash the target is the old file or the whole new one, never half.
 * Thread-safe; no state.
 */
#ifndef COMMON_FILE_H
#define COMMON_FILE_H

#include <stddef.h>

#include "common/error.h"

typedef enum common_file_status {
    COMMON_FILE_OK = 0,
    COMMON_FILE_EIO = 1,     /* cannot open, read, write, sync or rename (err has strerror) */
    COMMON_FILE_ENOTREG = 2, /* not a regular file (a folder, a FIFO, a device...) */
    COMMON_FILE_ETOOBIG = 3, /* larger than the caller's limit */
    COMMON_FILE_EEXIST = 4,  /* COMMON_FILE_NO_REPLACE and the target exists */
    COMMON_FILE_ENOMEM = 5
} common_file_status;

/* Reads the regular file path whole. Out: *data (malloc'd, NUL-terminated, caller frees;
 * NULL on error), *len, err (may be NULL: code, path, message). max_bytes: the largest
 * size accepted. Returns a common_file_status. */
__attribute__((warn_unused_result)) common_file_status common_file_read(char **data, size_t *len, common_error *err,
                                                                        const char *path, size_t max_bytes);

/* Flags of common_file_write. */
#define COMMON_FILE_NO_REPLACE 1u /* fail with COMMON_FILE_EEXIST instead of replacing path */

/* Writes data[0..len) to path crash-safely (header comment) with permission bits mode
 * (e.g. 0644, 0600 for keys). Out: err (may be NULL). Returns a common_file_status. */
__attribute__((warn_unused_result)) common_file_status common_file_write(common_error *err, const char *path,
                                                                         const void *data, size_t len,
                                                                         unsigned mode, unsigned flags);

/* fsyncs the folder holding path (after a rename or unlink in it). Best effort. */
void common_file_sync_parent(const char *path);

#endif /* COMMON_FILE_H */
