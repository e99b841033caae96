/* chain/keys.h - the miner's key in a data directory, and making folders.
 *
 * DIR/keys/miner.key is the default miner key (pouw/keys.h format, mode 0600),
 * created on first use under a lock on DIR/keys/lock so that processes starting
 * together share one key. A --key file is only ever read.
 */
#ifndef CHAIN_KEYS_H
#define CHAIN_KEYS_H

#include "common/error.h"
#include "chain/status.h"
#include "pouw/keys.h"

/* Loads the miner key from keyfile, or from datadir/keys/miner.key when keyfile is
 * NULL; when that file does not exist, generates a key (labelled with the host
 * name) and saves it there (creating the folder, mode 0700), under a lock on
 * datadir/keys/lock, and sets *created.
 * Returns: CHAIN_OK; CHAIN_EIO; CHAIN_EKEY (malformed key file: err names the
 * line); CHAIN_ENOMEM. Out: key (free with pouw_key_clear), created (may be
 * NULL), err. */
__attribute__((warn_unused_result)) chain_status chain_miner_key(pouw_key *key, int *created, common_error *err,
                                                                 const char *datadir, const char *keyfile);

/* Creates folder path and its missing parents (mode 0755, or 0700 when private).
 * Returns: CHAIN_OK or CHAIN_EIO (err has strerror). */
__attribute__((warn_unused_result)) chain_status chain_mkdirs(common_error *err, const char *path, int private_);

#endif /* CHAIN_KEYS_H */
