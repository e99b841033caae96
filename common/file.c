/* common/file.c - whole-file reads and crash-safe writes (common/file.h). */
#include "common/file.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const char *kind_of(mode_t m)
{
    return S_ISDIR(m) ? "a folder" : S_ISFIFO(m) ? "a FIFO" : S_ISSOCK(m) ? "a socket" : S_ISCHR(m) || S_ISBLK(m) ? "a device" : "not a regular file";
}

common_file_status common_file_read(char **data, size_t *len, common_error *err, const char *path, size_t max_bytes)
{
    *data = NULL;
    *len = 0;
    int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0)
        return (common_file_status)common_error_set(err, COMMON_FILE_EIO, path, "", "cannot open: %s", strerror(errno));
    struct stat st;
    if (fstat(fd, &st) != 0) {
        int e = errno;
        close(fd);
        return (common_file_status)common_error_set(err, COMMON_FILE_EIO, path, "", "cannot stat: %s", strerror(e));
    }
    if (!S_ISREG(st.st_mode)) {
        close(fd);
        return (common_file_status)common_error_set(err, COMMON_FILE_ENOTREG, path, "", "%s, not a regular file",
                                                    kind_of(st.st_mode));
    }
    if ((unsigned long long)st.st_size > (unsigned long long)max_bytes) {
        close(fd);
        return (common_file_status)common_error_set(err, COMMON_FILE_ETOOBIG, path, "",
                                                    "%lld bytes, larger than the %zu allowed", (long long)st.st_size,
                                                    max_bytes);
    }
    size_t cap = (size_t)st.st_size + 1, n = 0;
    char *buf = malloc(cap);
    if (!buf) {
        close(fd);
        return (common_file_status)common_error_set(err, COMMON_FILE_ENOMEM, path, "", "out of memory");
    }
    for (;;) {
        if (n + 1 >= cap) { /* the file grew while read: allow up to the limit */
            if (cap > max_bytes) {
                free(buf);
                close(fd);
                return (common_file_status)common_error_set(err, COMMON_FILE_ETOOBIG, path, "",
                                                            "larger than the %zu bytes allowed", max_bytes);
            }
            size_t nc = cap * 2 > max_bytes + 1 ? max_bytes + 2 : cap * 2;
            char *nb = realloc(buf, nc);
            if (!nb) {
                free(buf);
                close(fd);
                return (common_file_status)common_error_set(err, COMMON_FILE_ENOMEM, path, "", "out of memory");
            }
            buf = nb;
            cap = nc;
        }
        ssize_t r = read(fd, buf + n, cap - 1 - n);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0) {
            int e = errno;
            free(buf);
            close(fd);
            return (common_file_status)common_error_set(err, COMMON_FILE_EIO, path, "", "cannot read: %s", strerror(e));
        }
        if (r == 0)
            break;
        n += (size_t)r;
    }
    close(fd);
    buf[n] = '\0';
    *data = buf;
    *len = n;
    return COMMON_FILE_OK;
}

void common_file_sync_parent(const char *path)
{
    size_t l = strlen(path);
    char *dir = malloc(l + 2);
    if (!dir)
        return;
    memcpy(dir, path, l + 1);
    char *slash = strrchr(dir, '/');
    if (!slash)
        strcpy(dir, ".");
    else if (slash == dir)
        dir[1] = '\0';
    else
        *slash = '\0';
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd >= 0) {
        (void)fsync(fd);
        close(fd);
    }
    free(dir);
}

common_file_status common_file_write(common_error *err, const char *path, const void *data, size_t len,
                                     unsigned mode, unsigned flags)
{
    size_t plen = strlen(path);
    char *tmp = malloc(plen + 16);
    if (!tmp)
        return (common_file_status)common_error_set(err, COMMON_FILE_ENOMEM, path, "", "out of memory");
    memcpy(tmp, path, plen);
    memcpy(tmp + plen, ".tmp.XXXXXX", 12);
    int fd = mkstemp(tmp); /* mode 0600 until fchmod */
    if (fd < 0) {
        int e = errno;
        free(tmp);
        return (common_file_status)common_error_set(err, COMMON_FILE_EIO, path, "", "cannot create a temporary file: %s",
                                                    strerror(e));
    }
    const char *what = "cannot write";
    int e = 0;
    for (size_t off = 0; off < len && !e;) {
        ssize_t w = write(fd, (const char *)data + off, len - off);
        if (w < 0 && errno == EINTR)
            continue;
        if (w < 0)
            e = errno;
        else
            off += (size_t)w;
    }
    if (!e && (fchmod(fd, (mode_t)mode) != 0 || fsync(fd) != 0)) {
        e = errno;
        what = "cannot sync";
    }
    if (close(fd) != 0 && !e) {
        e = errno;
        what = "cannot write";
    }
    common_file_status st = COMMON_FILE_OK;
    if (e) {
        st = (common_file_status)common_error_set(err, COMMON_FILE_EIO, path, "", "%s: %s", what, strerror(e));
    } else if (flags & COMMON_FILE_NO_REPLACE) {
        if (link(tmp, path) != 0) {
            e = errno;
            st = e == EEXIST ? (common_file_status)common_error_set(err, COMMON_FILE_EEXIST, path, "",
                                                                    "exists; not overwritten")
                             : (common_file_status)common_error_set(err, COMMON_FILE_EIO, path, "",
                                                                    "cannot link into place: %s", strerror(e));
        }
    } else if (rename(tmp, path) != 0) {
        e = errno;
        st = (common_file_status)common_error_set(err, COMMON_FILE_EIO, path, "", "cannot rename into place: %s",
                                                  strerror(e));
    }
    if (st != COMMON_FILE_OK || (flags & COMMON_FILE_NO_REPLACE))
        (void)unlink(tmp);
    if (st == COMMON_FILE_OK)
        common_file_sync_parent(path);
    free(tmp);
    errno = e; /* the cause, for callers that report strerror(errno) */
    return st;
}
