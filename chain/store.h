/* chain/store.h - the data directory: the best chain of each coin, and miner keys.
 *
 * Layout (DIR is the data directory):
 *   DIR/<chain>/blocks/<height, 8+ digits>-<id hex>.json   one file per height of
 *                                                           the best chain
 *   DIR/<chain>/tip        text "<height> <id hex>\n": the best chain's tip
 *   DIR/keys/miner.key     the default miner key (pouw/keys.h format, mode 0600)
 *
 * Invariants: the tip file names the highest block of the chain; for every height
 * 0..tip there is exactly one block file, whose name carries its id, and block
 * h+1's prev_hash is block h's id. Block files above the tip are leftovers of an
 * append that crashed before it moved the tip; they are ignored and replaced.
 * Writes are crash-safe (bse_buf_write_file: temp file, fsync, rename): an
 * append writes the block, then the tip, so a crash at any instant leaves the
 * old or the new chain, never half a file.
 *
 * This store is single-process (a later issue adds flock, several miners and
 * fork choice). A store value holds an index of the chain (ids and, once read,
 * times) in memory; it does not watch the directory for other writers.
 *
 * Thread-safety: a store must not be shared between threads without a lock.
 */
#ifndef CHAIN_STORE_H
#define CHAIN_STORE_H

#include <stddef.h>
#include <stdint.h>

#include "bse/error.h"
#include "chain/params.h"
#include "chain/status.h"
#include "pouw/block.h"
#include "pouw/keys.h"

#define CHAIN_PATH_MAX 4096

typedef struct chain_store_entry {
    uint8_t id[32];
    uint64_t time_ms;   /* valid when has_time */
    int has_time;
} chain_store_entry;

typedef struct chain_store {
    char dir[CHAIN_PATH_MAX];      /* DIR/<chain> */
    const chain_params *params;    /* borrowed; must outlive the store */
    chain_store_entry *e;          /* heights 0 .. n-1 (owned) */
    uint64_t n;                    /* blocks in the best chain (tip height + 1) */
    size_t cap;
} chain_store;

/* Opens the chain of p in data directory datadir. When the chain folder is
 * missing and create is non-zero, creates datadir/<name>/blocks and writes the
 * chain's genesis (chain_genesis_build, running one attempt on `threads`).
 * Returns: CHAIN_OK; CHAIN_EIO (a folder or file cannot be made or read);
 * CHAIN_ESTORE (a missing chain when create is 0, a malformed tip file, a
 * missing or doubled block file at a height up to the tip, a tip id that does not
 * match); codes of chain_genesis_build. On error the store is empty.
 * Out: s (previous contents ignored), err (may be NULL). Allocates the index;
 * free with chain_store_close. */
__attribute__((warn_unused_result)) chain_status chain_store_open(chain_store *s, bse_error *err, const char *datadir,
                                                                  const chain_params *p, int create,
                                                                  unsigned threads);

/* Frees the index; s may be NULL or already closed. */
void chain_store_close(chain_store *s);

/* The tip's height (the chain always has genesis). */
uint64_t chain_store_tip_height(const chain_store *s);

/* The id of the block at height h (h <= tip). Out: id32. */
void chain_store_id(uint8_t id32[32], const chain_store *s, uint64_t h);

/* Looks for block id in the best chain. Returns 1 and *height, or 0 (*height 0). */
int chain_store_find(uint64_t *height, const chain_store *s, const uint8_t id32[32]);

/* The file path of the block at height h with id id32. Out: path (size bytes). */
void chain_store_block_path(char *path, size_t size, const chain_store *s, uint64_t h, const uint8_t id32[32]);

/* Reads the block at height h (h <= tip) and checks that it is that block (its
 * post_hash is the id of its name, its height is h).
 * Returns: CHAIN_OK; CHAIN_EIO; CHAIN_ESTORE (unparsable, or not the named
 * block). Out: b (previous contents freed; empty on error), err. */
__attribute__((warn_unused_result)) chain_status chain_store_load(pouw_block *b, bse_error *err, chain_store *s,
                                                                  uint64_t h);

/* The median time past at height h: the median (pouw_median_time) of the times of
 * blocks max(0, h-10) .. h. Reads blocks whose time is not cached yet.
 * Returns: CHAIN_OK or codes of chain_store_load. Out: mtp (0 on error), err. */
__attribute__((warn_unused_result)) chain_status chain_store_median_time(uint64_t *mtp, bse_error *err,
                                                                         chain_store *s, uint64_t h);

/* Appends block b, which must extend the tip (height tip+1 and prev_hash the
 * tip's id; b is not verified here): removes leftover files at that height,
 * writes the block file, then moves the tip.
 * Returns: CHAIN_OK; CHAIN_ETIP (b does not extend the tip); CHAIN_EIO;
 * CHAIN_ENOMEM. Out: err. May grow the index. */
__attribute__((warn_unused_result)) chain_status chain_store_append(chain_store *s, bse_error *err,
                                                                    const pouw_block *b);

/* Loads the miner key from keyfile, or from datadir/keys/miner.key when keyfile is
 * NULL; when that file does not exist, generates a key (labelled with the host
 * name), saves it there (creating the folder, mode 0700) and sets *created.
 * Returns: CHAIN_OK; CHAIN_EIO; CHAIN_EKEY (malformed key file: err names the
 * line); CHAIN_ENOMEM. Out: key (free with pouw_key_clear), created (may be
 * NULL), err. */
__attribute__((warn_unused_result)) chain_status chain_miner_key(pouw_key *key, int *created, bse_error *err,
                                                                 const char *datadir, const char *keyfile);

/* Creates folder path and its missing parents (mode 0755, or 0700 when private).
 * Returns: CHAIN_OK or CHAIN_EIO (err has strerror). */
__attribute__((warn_unused_result)) chain_status chain_mkdirs(bse_error *err, const char *path, int private_);

#endif /* CHAIN_STORE_H */
