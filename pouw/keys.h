/* pouw/keys.h - Ed25519 accounts: key pairs, signatures and key files
 * (spec economy.md s1: an account is an Ed25519 key pair, its id the public key in
 * hex, with an optional human label, by default the host name).
 *
 * Keys live in OpenSSL EVP_PKEY objects (EVP_PKEY_ED25519, pure Ed25519 of RFC 8032,
 * no pre-hash, no context). The private key is the 32-byte RFC 8032 seed; the
 * public key is 32 bytes; a signature is 64 bytes and deterministic (the same key
 * and message always give the same signature). Verification is OpenSSL's, which
 * rejects a non-canonical S (>= the group order), so a valid signature cannot be
 * re-encoded into a second valid one.
 *
 * Key file format (text, at most POUW_KEY_FILE_MAX bytes, lines end in "\n", the
 * final newline may be missing):
 *
 *   ed25519-private <64 lower-case hex digits: the 32-byte private seed>
 *   label <text>
 *
 * The first line is required and comes first. The label line is optional (absent:
 * no label); <text> is everything after "label " up to the end of the line, 1 to
 * POUW_KEY_LABEL_MAX-1 bytes, none a control character (below 0x20, or 0x7f).
 * Nothing else may follow (no blank lines, no comments, no CR). Files are written
 * with mode 0600 to a temporary file in the same directory, fsynced, then moved
 * into place, so a crash never leaves half a key file.
 *
 * Thread-safety: a pouw_key is a plain value. Once made, a key may sign from several
 * threads at once (OpenSSL 3 treats an EVP_PKEY as read-only after creation, see
 * openssl-threads(7)), but must not be cleared, relabelled or loaded into while
 * another thread uses it. pouw_key_verify is thread-safe.
 */
#ifndef POUW_KEYS_H
#define POUW_KEYS_H

#include <stddef.h>
#include <stdint.h>

#include <openssl/evp.h>

#include "common/error.h"
#include "pouw/status.h"

#define POUW_ED25519_SEED_BYTES 32   /* private key (RFC 8032 secret) */
#define POUW_ED25519_PUBLIC_BYTES 32
#define POUW_ED25519_SIG_BYTES 64
#define POUW_KEY_LABEL_MAX 128       /* label bytes, including the NUL */
#define POUW_KEY_FILE_MAX 1024       /* longest accepted key file, bytes */

/* An Ed25519 key pair with its label. A zeroed pouw_key ({0}) is empty: it may be
 * cleared, but holds no key. */
typedef struct pouw_key {
    EVP_PKEY *pkey;                               /* owned; NULL when empty */
    uint8_t pub[POUW_ED25519_PUBLIC_BYTES];       /* the public key (account id) */
    char label[POUW_KEY_LABEL_MAX];               /* "" when none */
} pouw_key;

/* Makes a new random key pair (OpenSSL's CSPRNG: keys, unlike market sessions,
 * must not be reproducible) labelled with the host name (gethostname; "" if it
 * fails or is not a valid label).
 * Returns: POUW_OK, POUW_ENOMEM or POUW_ECRYPTO (key is then empty).
 * Out: key (previous contents ignored, not freed). Free with pouw_key_clear. */
__attribute__((warn_unused_result)) pouw_status pouw_key_generate(pouw_key *key);

/* Makes the key pair of a given 32-byte private seed (RFC 8032 secret), unlabelled.
 * Returns: POUW_OK or POUW_ECRYPTO (key is then empty).
 * Out: key (previous contents ignored, not freed). Free with pouw_key_clear. */
__attribute__((warn_unused_result)) pouw_status pouw_key_from_seed(pouw_key *key,
                                                                   const uint8_t seed32[POUW_ED25519_SEED_BYTES]);

/* Sets key's label to label ("" removes it).
 * Returns: POUW_OK, or POUW_ELABEL when label is POUW_KEY_LABEL_MAX bytes or longer
 * or holds a control character (the label is then unchanged). In/Out: key. */
__attribute__((warn_unused_result)) pouw_status pouw_key_set_label(pouw_key *key, const char *label);

/* Copies the 32-byte public key of key (non-empty). Out: pub32. Cannot fail. */
void pouw_key_public(uint8_t pub32[POUW_ED25519_PUBLIC_BYTES], const pouw_key *key);

/* Signs msg[0..len) (msg may be NULL when len is 0) with key (non-empty).
 * Returns: POUW_OK, POUW_ENOMEM or POUW_ECRYPTO (sig64 zeroed). Out: sig64.
 * Allocates an OpenSSL signing context, freed before return. */
__attribute__((warn_unused_result)) pouw_status pouw_key_sign(const pouw_key *key,
                                                              uint8_t sig64[POUW_ED25519_SIG_BYTES],
                                                              const uint8_t *msg, size_t len);

/* Verifies an Ed25519 signature of msg[0..len) (msg may be NULL when len is 0)
 * under the public key pub32.
 * Returns: POUW_OK when it verifies; POUW_EBADSIG when it does not (including a
 * public key OpenSSL refuses); POUW_ENOMEM. Allocates OpenSSL objects, freed
 * before return. */
__attribute__((warn_unused_result)) pouw_status pouw_key_verify(const uint8_t pub32[POUW_ED25519_PUBLIC_BYTES],
                                                                const uint8_t sig64[POUW_ED25519_SIG_BYTES],
                                                                const uint8_t *msg, size_t len);

/* Writes key (non-empty) to the key file path in the format above: to a temporary
 * file "<path>.tmp.XXXXXX" (mode 0600) in the same directory, fsync, then
 * rename(2) over path when overwrite is non-zero, or link(2) + unlink when it is
 * zero, so an existing key is never replaced by accident; then the directory is
 * fsynced (best effort). The temporary file is removed on every failure.
 * Returns: POUW_OK; POUW_EEXIST (path exists and overwrite is 0); POUW_ELABEL (a
 * label written into key->label directly breaks the label rule); POUW_EIO
 * (create, write, sync or rename/link failed; the message has strerror);
 * POUW_ECRYPTO. Out: err (may be NULL): on error, code, path and what failed.
 * Allocates a path buffer, freed before return. */
__attribute__((warn_unused_result)) pouw_status pouw_key_save(const pouw_key *key, common_error *err, const char *path,
                                                              int overwrite);

/* Reads a key file (format above) into key.
 * Returns: POUW_OK; POUW_EIO (cannot open or read; the message has strerror);
 * POUW_EKEYFILE (not a regular file, too long, or malformed: err->field names the
 * line's keyword, "ed25519-private" or "label", or "line N" for an unexpected
 * line); POUW_ECRYPTO. On error key is empty.
 * Out: key (previous contents ignored, not freed; free with pouw_key_clear),
 * err (may be NULL): on error, code, path, field and message. */
__attribute__((warn_unused_result)) pouw_status pouw_key_load(pouw_key *key, common_error *err, const char *path);

/* Parses the text of a key file (format above) held in memory: text[0..len), no
 * NUL needed (nor allowed) inside. path only names the source in err ("" or NULL
 * when there is none). This is pouw_key_load without the I/O, and the entry point
 * for fuzzing the format.
 * Returns: POUW_OK; POUW_EKEYFILE (too long, a NUL byte, or malformed: err->field
 * as for pouw_key_load); POUW_ECRYPTO. On error key is empty.
 * Out: key (previous contents ignored, not freed; free with pouw_key_clear),
 * err (may be NULL). No heap allocation besides the key's OpenSSL object. */
__attribute__((warn_unused_result)) pouw_status pouw_key_parse(pouw_key *key, common_error *err, const char *path,
                                                               const char *text, size_t len);

/* Frees key's OpenSSL object and wipes the struct; an empty or cleared key may be
 * cleared again; key may be NULL. */
void pouw_key_clear(pouw_key *key);

#endif /* POUW_KEYS_H */
