/* pouw/keys.c - Ed25519 key pairs, signatures and key files (see keys.h).
 * Invariant: a non-empty pouw_key holds an EVP_PKEY of type ED25519 and pub is
 * that key's public half. Buffers that held the private seed or its hex are wiped
 * with OPENSSL_cleanse before they go out of scope. */
#include "pouw/keys.h"

#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include "common/file.h"
#include "pouw/sha256.h"

#define PRIVATE_KEYWORD "ed25519-private"
#define LABEL_KEYWORD "label"

/* Fills key->pub from key->pkey. */
static pouw_status fill_public(pouw_key *key)
{
    size_t len = POUW_ED25519_PUBLIC_BYTES;
    if (EVP_PKEY_get_raw_public_key(key->pkey, key->pub, &len) != 1 || len != POUW_ED25519_PUBLIC_BYTES)
        return POUW_ECRYPTO;
    return POUW_OK;
}

/* Returns 1 if label[0..len) is a valid non-empty label, else 0. */
static int label_ok(const char *label, size_t len)
{
    if (len == 0 || len >= POUW_KEY_LABEL_MAX)
        return 0;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)label[i];
        if (c < 0x20 || c == 0x7f)
            return 0;
    }
    return 1;
}

pouw_status pouw_key_generate(pouw_key *key)
{
    assert(key);
    memset(key, 0, sizeof *key);
    EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_id(EVP_PKEY_ED25519, NULL);
    if (!ctx)
        return POUW_ENOMEM;
    pouw_status st = POUW_ECRYPTO;
    if (EVP_PKEY_keygen_init(ctx) == 1 && EVP_PKEY_keygen(ctx, &key->pkey) == 1)
        st = fill_public(key);
    EVP_PKEY_CTX_free(ctx);
    if (st != POUW_OK) {
        pouw_key_clear(key);
        return st;
    }
    char host[256];
    if (gethostname(host, sizeof host) == 0) {
        host[sizeof host - 1] = '\0'; /* POSIX leaves a truncated name unterminated */
        if (label_ok(host, strlen(host)))
            memcpy(key->label, host, strlen(host) + 1);
    }
    return POUW_OK;
}

pouw_status pouw_key_from_seed(pouw_key *key, const uint8_t seed32[POUW_ED25519_SEED_BYTES])
{
    assert(key && seed32);
    memset(key, 0, sizeof *key);
    key->pkey = EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, NULL, seed32, POUW_ED25519_SEED_BYTES);
    pouw_status st = key->pkey ? fill_public(key) : POUW_ECRYPTO;
    if (st != POUW_OK)
        pouw_key_clear(key);
    return st;
}

pouw_status pouw_key_set_label(pouw_key *key, const char *label)
{
    assert(key && label);
    size_t len = strnlen(label, POUW_KEY_LABEL_MAX);
    if (len != 0 && !label_ok(label, len))
        return POUW_ELABEL;
    memcpy(key->label, label, len);
    key->label[len] = '\0';
    return POUW_OK;
}

void pouw_key_public(uint8_t pub32[POUW_ED25519_PUBLIC_BYTES], const pouw_key *key)
{
    assert(pub32 && key && key->pkey);
    memcpy(pub32, key->pub, POUW_ED25519_PUBLIC_BYTES);
}

pouw_status pouw_key_sign(const pouw_key *key, uint8_t sig64[POUW_ED25519_SIG_BYTES], const uint8_t *msg, size_t len)
{
    assert(key && key->pkey && sig64 && (msg || len == 0));
    memset(sig64, 0, POUW_ED25519_SIG_BYTES);
    EVP_MD_CTX *md = EVP_MD_CTX_new();
    if (!md)
        return POUW_ENOMEM;
    size_t siglen = POUW_ED25519_SIG_BYTES;
    pouw_status st = POUW_ECRYPTO;
    if (EVP_DigestSignInit(md, NULL, NULL, NULL, key->pkey) == 1 &&
        EVP_DigestSign(md, sig64, &siglen, len ? msg : (const uint8_t *)"", len) == 1 &&
        siglen == POUW_ED25519_SIG_BYTES)
        st = POUW_OK;
    EVP_MD_CTX_free(md);
    if (st != POUW_OK)
        memset(sig64, 0, POUW_ED25519_SIG_BYTES);
    return st;
}

pouw_status pouw_key_verify(const uint8_t pub32[POUW_ED25519_PUBLIC_BYTES], const uint8_t sig64[POUW_ED25519_SIG_BYTES],
                            const uint8_t *msg, size_t len)
{
    assert(pub32 && sig64 && (msg || len == 0));
    EVP_MD_CTX *md = EVP_MD_CTX_new();
    if (!md)
        return POUW_ENOMEM;
    pouw_status st = POUW_EBADSIG;
    EVP_PKEY *pkey = EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, NULL, pub32, POUW_ED25519_PUBLIC_BYTES);
    if (pkey && EVP_DigestVerifyInit(md, NULL, NULL, NULL, pkey) == 1 &&
        EVP_DigestVerify(md, sig64, POUW_ED25519_SIG_BYTES, len ? msg : (const uint8_t *)"", len) == 1)
        st = POUW_OK;
    EVP_PKEY_free(pkey);
    EVP_MD_CTX_free(md);
    return st;
}

/* ---------------------------------------------------------------- key files */

/* Fills err with an I/O failure: "<what>: <strerror(e)>". Returns POUW_EIO. */
static pouw_status io_error(common_error *err, const char *path, const char *what, int e)
{
    char buf[128] = "";
    if (strerror_r(e, buf, sizeof buf) != 0)
        snprintf(buf, sizeof buf, "errno %d", e);
    return (pouw_status)common_error_set(err, POUW_EIO, path, "", "%s: %s", what, buf);
}

/* Writes all of buf, retrying on partial writes and EINTR. Returns 0 or an errno. */
static int write_all(int fd, const char *buf, size_t len)
{
    while (len > 0) {
        ssize_t n = write(fd, buf, len);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            return errno;
        }
        buf += n;
        len -= (size_t)n;
    }
    return 0;
}

/* fsyncs the directory holding path, so the rename itself is durable. Best effort:
 * some file systems refuse fsync on directories, and the key is written by then. */
static void sync_parent_dir(const char *path)
{
    const char *slash = strrchr(path, '/');
    char *dir = slash ? strndup(path, slash == path ? 1 : (size_t)(slash - path)) : strdup(".");
    if (!dir)
        return;
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd >= 0) {
        (void)fsync(fd);
        close(fd);
    }
    free(dir);
}

pouw_status pouw_key_save(const pouw_key *key, common_error *err, const char *path, int overwrite)
{
    assert(key && key->pkey && path);
    common_error_clear(err);
    /* The label field is public; one set around pouw_key_set_label could break the format. */
    size_t label_len = strnlen(key->label, sizeof key->label);
    if (label_len != 0 && !label_ok(key->label, label_len))
        return (pouw_status)common_error_set(err, POUW_ELABEL, path, LABEL_KEYWORD,
                                          "the label must be 1 to %d bytes without control characters",
                                          POUW_KEY_LABEL_MAX - 1);

    uint8_t seed[POUW_ED25519_SEED_BYTES];
    size_t seedlen = sizeof seed;
    if (EVP_PKEY_get_raw_private_key(key->pkey, seed, &seedlen) != 1 || seedlen != sizeof seed) {
        OPENSSL_cleanse(seed, sizeof seed);
        return (pouw_status)common_error_set(err, POUW_ECRYPTO, path, "", "cannot read the private key");
    }
    char text[sizeof PRIVATE_KEYWORD + 2 * POUW_ED25519_SEED_BYTES + sizeof LABEL_KEYWORD + POUW_KEY_LABEL_MAX + 4];
    char hex[2 * POUW_ED25519_SEED_BYTES + 1];
    pouw_hex_encode(hex, seed, sizeof seed);
    OPENSSL_cleanse(seed, sizeof seed);
    int len = key->label[0]
                  ? snprintf(text, sizeof text, PRIVATE_KEYWORD " %s\n" LABEL_KEYWORD " %s\n", hex, key->label)
                  : snprintf(text, sizeof text, PRIVATE_KEYWORD " %s\n", hex);
    OPENSSL_cleanse(hex, sizeof hex);
    assert(len > 0 && (size_t)len < sizeof text);

    pouw_status st = POUW_OK;
    size_t plen = strlen(path);
    char *tmp = malloc(plen + sizeof ".tmp.XXXXXX");
    if (!tmp) {
        OPENSSL_cleanse(text, sizeof text);
        return (pouw_status)common_error_set(err, POUW_ENOMEM, path, "", "out of memory");
    }
    memcpy(tmp, path, plen);
    memcpy(tmp + plen, ".tmp.XXXXXX", sizeof ".tmp.XXXXXX");
    int fd = mkstemp(tmp); /* mode 0600 */
    if (fd < 0) {
        st = io_error(err, path, "cannot create a temporary file beside it", errno);
        goto out;
    }
    int e = fchmod(fd, 0600) != 0 ? errno : write_all(fd, text, (size_t)len);
    if (e == 0 && fsync(fd) != 0)
        e = errno;
    if (close(fd) != 0 && e == 0)
        e = errno;
    if (e != 0) {
        st = io_error(err, path, "cannot write the temporary file", e);
    } else if (overwrite) {
        if (rename(tmp, path) != 0)
            st = io_error(err, path, "cannot rename the temporary file into place", errno);
    } else if (link(tmp, path) != 0) {
        st = errno == EEXIST ? (pouw_status)common_error_set(err, POUW_EEXIST, path, "", "exists; not overwritten")
                             : io_error(err, path, "cannot link the temporary file into place", errno);
    }
    /* After rename the temporary name is gone; after link (or any failure) remove it. */
    if (!(overwrite && st == POUW_OK))
        (void)unlink(tmp);
    if (st == POUW_OK)
        sync_parent_dir(path);
out:
    OPENSSL_cleanse(text, sizeof text);
    free(tmp);
    return st;
}

/* Fills err for a malformed key file. Returns POUW_EKEYFILE. */
#define KEYFILE_ERROR(err, path, field, ...) \
    ((pouw_status)common_error_set((err), POUW_EKEYFILE, (path), (field), __VA_ARGS__))

/* Parses the lines of a key file; text[len] must be writable (it is set to NUL). */
static pouw_status parse_lines(pouw_key *key, common_error *err, const char *path, char *text, size_t len)
{
    static const char priv_prefix[] = PRIVATE_KEYWORD " ";
    static const char label_prefix[] = LABEL_KEYWORD " ";
    int have_label = 0;
    unsigned lineno = 0;
    char label[POUW_KEY_LABEL_MAX] = "";
    uint8_t seed[POUW_ED25519_SEED_BYTES];
    size_t pos = 0;
    pouw_status st = POUW_OK;

    if (len == 0)
        return KEYFILE_ERROR(err, path, PRIVATE_KEYWORD,
                             "empty file; line 1 must be \"" PRIVATE_KEYWORD " <64 hex digits>\"");
    while (pos < len && st == POUW_OK) {
        char *line = text + pos;
        char *nl = memchr(line, '\n', len - pos);
        size_t llen = nl ? (size_t)(nl - line) : len - pos;
        pos += llen + (nl ? 1 : 0);
        line[llen] = '\0'; /* text has room: the '\n' or the byte after the data */
        lineno++;
        if (lineno == 1) {
            if (strncmp(line, priv_prefix, sizeof priv_prefix - 1) != 0)
                st = KEYFILE_ERROR(err, path, PRIVATE_KEYWORD,
                                   "line 1 must start with \"" PRIVATE_KEYWORD " \"");
            else if (pouw_hex_decode(seed, sizeof seed, line + sizeof priv_prefix - 1) != POUW_OK)
                st = KEYFILE_ERROR(err, path, PRIVATE_KEYWORD,
                                   "line 1: the private key must be 64 lower-case hex digits");
        } else if (lineno == 2 && strncmp(line, label_prefix, sizeof label_prefix - 1) == 0) {
            const char *text_start = line + sizeof label_prefix - 1;
            size_t tlen = strlen(text_start);
            if (!label_ok(text_start, tlen))
                st = KEYFILE_ERROR(err, path, LABEL_KEYWORD,
                                   "line 2: the label must be 1 to %d bytes without control characters",
                                   POUW_KEY_LABEL_MAX - 1);
            else {
                memcpy(label, text_start, tlen + 1);
                have_label = 1;
            }
        } else {
            char field[32];
            snprintf(field, sizeof field, "line %u", lineno);
            st = KEYFILE_ERROR(err, path, field,
                               lineno == 2 ? "expected \"" LABEL_KEYWORD " <text>\" or the end of the file"
                                           : "unexpected line after the key");
        }
    }
    if (st == POUW_OK) {
        st = pouw_key_from_seed(key, seed);
        if (st != POUW_OK)
            common_error_set(err, st, path, PRIVATE_KEYWORD, "OpenSSL refused the private key");
        else if (have_label)
            memcpy(key->label, label, sizeof label);
    }
    OPENSSL_cleanse(seed, sizeof seed);
    return st;
}

pouw_status pouw_key_parse(pouw_key *key, common_error *err, const char *path, const char *text, size_t len)
{
    assert(key && (text || len == 0));
    memset(key, 0, sizeof *key);
    common_error_clear(err);
    if (!path)
        path = "";
    if (len > POUW_KEY_FILE_MAX)
        return KEYFILE_ERROR(err, path, "", "longer than %d bytes; not a key file", POUW_KEY_FILE_MAX);
    if (len && memchr(text, '\0', len))
        return KEYFILE_ERROR(err, path, "", "holds a NUL byte; not a key file");
    char copy[POUW_KEY_FILE_MAX + 1]; /* parse_lines ends lines in place */
    if (len)
        memcpy(copy, text, len);
    copy[len] = '\0';
    pouw_status st = parse_lines(key, err, path, copy, len);
    OPENSSL_cleanse(copy, sizeof copy);
    if (st != POUW_OK)
        pouw_key_clear(key);
    return st;
}

pouw_status pouw_key_load(pouw_key *key, common_error *err, const char *path)
{
    assert(key && path);
    memset(key, 0, sizeof *key);
    common_error_clear(err);

    char *text;
    size_t len;
    switch (common_file_read(&text, &len, err, path, POUW_KEY_FILE_MAX)) {
    case COMMON_FILE_OK:
        break;
    case COMMON_FILE_ENOMEM:
        return (pouw_status)common_error_set(err, POUW_ENOMEM, path, "", "out of memory");
    case COMMON_FILE_EIO:
        if (err)
            err->code = POUW_EIO;
        return POUW_EIO;
    default: /* not a regular file, too long */
        if (err)
            err->code = POUW_EKEYFILE;
        return POUW_EKEYFILE;
    }
    pouw_status st = pouw_key_parse(key, err, path, text, len);
    OPENSSL_cleanse(text, len);
    free(text);
    return st;
}

void pouw_key_clear(pouw_key *key)
{
    if (!key)
        return;
    EVP_PKEY_free(key->pkey); /* NULL is a no-op */
    memset(key, 0, sizeof *key);
}
