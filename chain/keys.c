/* chain/keys.c - the miner key of a data directory and folder creation (see keys.h). */
#include "chain/keys.h"

#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#define KEYS_PATH_MAX 4096

static chain_status serr(common_error *err, chain_status code, const char *path, const char *field, const char *fmt,
                         const char *detail)
{
    common_error_set(err, code, path, field, fmt, detail ? detail : "");
    return code;
}

chain_status chain_mkdirs(common_error *err, const char *path, int private_)
{
    assert(path);
    char buf[KEYS_PATH_MAX];
    size_t n = strlen(path);
    if (n == 0 || n >= sizeof buf)
        return serr(err, CHAIN_EIO, path, "", "%s", "path empty or too long");
    memcpy(buf, path, n + 1);
    mode_t mode = private_ ? 0700 : 0755;
    for (size_t i = 1; i <= n; i++) {
        if (buf[i] != '/' && buf[i] != '\0')
            continue;
        char c = buf[i];
        buf[i] = '\0';
        struct stat st;
        if (stat(buf, &st) != 0) {
            if (mkdir(buf, mode) != 0 && errno != EEXIST)
                return serr(err, CHAIN_EIO, buf, "", "cannot create folder: %s", strerror(errno));
        } else if (!S_ISDIR(st.st_mode)) {
            return serr(err, CHAIN_EIO, buf, "", "%s", "exists and is not a folder");
        }
        buf[i] = c;
    }
    return CHAIN_OK;
}

/* ---------------------------------------------------------------- miner key */

chain_status chain_miner_key(pouw_key *key, int *created, common_error *err, const char *datadir, const char *keyfile)
{
    assert(key && datadir);
    memset(key, 0, sizeof *key);
    if (created)
        *created = 0;
    common_error_clear(err);
    char path[KEYS_PATH_MAX];
    if (keyfile)
        snprintf(path, sizeof path, "%s", keyfile);
    else
        snprintf(path, sizeof path, "%s/keys/miner.key", datadir);
    int lock_fd = -1;
    struct stat st;
    if (!keyfile && stat(path, &st) != 0) {
        /* create it once: processes starting together wait here, then load it */
        char dir[KEYS_PATH_MAX + 8], lock[KEYS_PATH_MAX + 16];
        snprintf(dir, sizeof dir, "%s/keys", datadir);
        chain_status cs = chain_mkdirs(err, dir, 1);
        if (cs != CHAIN_OK)
            return cs;
        snprintf(lock, sizeof lock, "%s/lock", dir);
        lock_fd = open(lock, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
        if (lock_fd < 0)
            return serr(err, CHAIN_EIO, lock, "", "cannot open: %s", strerror(errno));
        while (flock(lock_fd, LOCK_EX) != 0)
            if (errno != EINTR) {
                close(lock_fd);
                return serr(err, CHAIN_EIO, lock, "", "cannot lock: %s", strerror(errno));
            }
    }
    chain_status cs = CHAIN_OK;
    if (stat(path, &st) == 0 || keyfile) {
        pouw_status ps = pouw_key_load(key, err, path);
        if (ps != POUW_OK) {
            cs = ps == POUW_EKEYFILE ? CHAIN_EKEY : ps == POUW_EIO ? CHAIN_EIO : CHAIN_ENOMEM;
            if (err)
                err->code = cs;
        }
    } else {
        pouw_status ps = pouw_key_generate(key);
        if (ps != POUW_OK) {
            cs = serr(err, CHAIN_ENOMEM, path, "", "cannot generate a key: %s", pouw_status_str(ps));
        } else if ((ps = pouw_key_save(key, err, path, 0)) != POUW_OK) {
            pouw_key_clear(key);
            cs = CHAIN_EIO;
            if (err)
                err->code = cs;
        } else if (created) {
            *created = 1;
        }
    }
    if (lock_fd >= 0)
        close(lock_fd); /* releases the lock */
    return cs;
}
