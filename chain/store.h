/* chain/store.h - the data directory: every valid block of each coin, the best
 * chain by fork choice, shared by processes; and miner keys.
 *
 * Layout (DIR is the data directory, <chain> the chain's name):
 *   DIR/<chain>/blocks/<height, 8+ digits>-<id hex>.json   one file per block, of
 *                          every branch (a height may have several files)
 *   DIR/<chain>/tip        text "<height> <id hex>\n": the best tip when last written
 *   DIR/<chain>/lock       empty; writers hold flock(LOCK_EX) on it
 *   DIR/<chain>/mempool/   pending transfers (chain/mempool.h)
 *   DIR/keys/miner.key     the default miner key (pouw/keys.h format, mode 0600)
 *
 * The block files are the truth; everything else is derived. A store value keeps
 * in memory an index of every block file it has read (id, parent, height, time,
 * targets, cumulative work, verdict), rebuilt from the files by any process.
 * There is no other index file to go stale.
 *
 * Verified before believed. A block read from the folder is verified (pouw
 * verification against its own parent, on its own branch) before it can be part
 * of the best chain this store reports, and the verdict is cached by id in the
 * store value, so a refresh only verifies what is new. Blocks are verified lazily,
 * in fork-choice order: the heaviest candidate tip's unverified ancestors are
 * verified from the oldest; a block that fails is INVALID with its reason (the
 * notice callback says why), its descendants with it, and the next candidate is
 * tried. Lighter side branches stay unverified until they could win (or until
 * chain_store_verify_all). A block whose time is too far ahead of the clock is not
 * condemned: it is retried later. A verdict covers the bytes verified (a block id
 * commits to the header and the proof, not to the ledger and useful output): the
 * store keeps their SHA-256, and reading a verified block whose file changed since
 * fails (CHAIN_ESTORE) instead of handing out unverified content, and makes it and
 * its descendants unverified, so the next refresh judges the file as it is; the
 * genuine block, offered again (or mined again), repairs such a file. Stored blocks with a bad name, unparsable, or
 * not holding the block their name says are INVALID (format) at once.
 *
 * Fork choice (spec pouw.md s10). The best tip is the valid block with the most
 * cumulative expected work (chain/params.h, chain_block_work summed from
 * genesis); ties go to the block first seen: the block the tip file names, then
 * this value's current best, then the earlier file modification time, then the
 * smaller id. Every process that sees the same files and tip file agrees.
 *
 * Writers (chain_store_add; mining and submitting use it), the protocol of seed
 * 000 "One Chain File to Rule Them All":
 *   1 a miner checks chain_store_changed (two stat calls) before each attempt and
 *     rebuilds on the new tip when another process wrote;
 *   2 once a block is found (or offered and verified, outside the lock): take
 *     flock(LOCK_EX) on DIR/<chain>/lock; refresh (re-check: read what others
 *     wrote); write the block file crash-safely (temp file in blocks/, fsync,
 *     rename, fsync of the folder); choose the best tip; when it differs from the
 *     tip file: return the transfers of blocks that left the best chain to the
 *     mempool, prune the mempool against the new tip, write the tip file (temp,
 *     fsync, rename); unlock.
 * The lock serialises writers; readers never lock (a rename is atomic: a reader
 * sees a whole block file or none). A process killed at any instant leaves whole
 * files: at worst a block written whose tip was not moved (the next refresh
 * chooses it anyway, the next writer moves the tip) and a temporary file (a writer
 * removes blocks/ and tip temporaries under the lock: only a dead writer leaves
 * them). flock is released by the kernel when a process dies.
 *
 * Thread-safety: a store value must not be shared between threads without a
 * lock; distinct values (in one process or many) may use one folder at once.
 */
#ifndef CHAIN_STORE_H
#define CHAIN_STORE_H

#include <stddef.h>
#include <stdint.h>

#include "common/error.h"
#include "chain/params.h"
#include "chain/status.h"
#include "pouw/block.h"
#include "pouw/keys.h"
#include "pouw/verify.h"

#define CHAIN_PATH_MAX 4096
#define CHAIN_NO_BLOCK ((size_t)-1)

/* The best chain, by height. */
typedef struct chain_store_entry {
    uint8_t id[32];
    uint64_t time_ms;   /* valid when has_time (always, for the best chain) */
    int has_time;
} chain_store_entry;

typedef enum chain_block_state {
    CHAIN_BLOCK_UNVERIFIED = 0, /* read from the folder, not verified by this store value yet */
    CHAIN_BLOCK_VALID = 1,      /* verified here (or built and verified by this process) */
    CHAIN_BLOCK_INVALID = 2,    /* rejected: reason (descendants of it are rejected too) */
} chain_block_state;

/* What the index knows of one block (any branch). */
typedef struct chain_block_info {
    uint8_t id[32];
    uint8_t prev[32];
    uint64_t height;
    uint64_t time_ms;
    uint32_t prehash_bits;
    int64_t pps_threshold_micro;
    uint32_t post_bits;        /* the weight's input (chain_block_weight) */
    uint8_t work[32];           /* cumulative work, genesis through this block (when linked) */
    int linked;                 /* 1: its parents lead to a height-0 block of the index */
    chain_block_state state;
    pouw_reason reason;         /* INVALID: why */
    uint64_t seen_ns;           /* modification time of its file: the "first seen" order */
    size_t parent;              /* index of the parent in the store, or CHAIN_NO_BLOCK */
    int has_digest;             /* VALID: file_digest is the SHA-256 of the file's bytes as */
    uint8_t file_digest[32];    /* verified or written here (an id does not commit to them all) */
} chain_block_info;

/* How to open a store. {0} means: do not create, one thread, verify, no clock. */
typedef struct chain_store_opts {
    int create;                 /* create the chain (folders and genesis) when missing */
    unsigned threads;           /* session threads for verification and genesis */
    int trust;                  /* 1: believe stored blocks unverified (only for tools that
                                   verify every block themselves; never for mining) */
    /* The verifier's clock in Unix ms for stored blocks' future-time rule; NULL:
     * that rule is not applied (the library has no clock: STYLE rule 8). */
    uint64_t (*clock_ms)(void *user);
    void *clock_user;
    /* Told about each stored block this value rejects (err->field, err->msg and
     * err->path, the block file; code CHAIN_EINVALID) and about mempool updates
     * that failed after a block was stored. May be NULL. */
    void (*notice)(void *user, const common_error *err);
    void *notice_user;
    /* Asked before each stored block is verified; non-zero stops the open or refresh
     * with CHAIN_ESTOPPED (a program's signal flag). May be NULL. */
    int (*cancel)(void *user);
    void *cancel_user;
    /* Told after each stored block verified on the way to a tip: done of total on
     * this path (start-up over a long chain). May be NULL. */
    void (*progress)(void *user, uint64_t done, uint64_t total);
    void *progress_user;
} chain_store_opts;

typedef struct chain_store_sig {
    uint64_t tip_ino, tip_ns, tip_size, dir_ns, dir_ino;
} chain_store_sig;

typedef struct chain_store {
    char dir[CHAIN_PATH_MAX];      /* DIR/<chain> */
    const chain_params *params;    /* borrowed; must outlive the store */
    chain_store_entry *e;          /* the best chain: heights 0 .. n-1 (owned) */
    uint64_t n;                    /* blocks in the best chain (tip height + 1) */
    size_t cap;
    /* every block read (owned), and an open-addressing index of their ids */
    chain_block_info *blk;
    size_t n_blk, cap_blk;
    size_t *slot;                  /* block index + 1; 0 = empty */
    size_t n_slot;                 /* a power of two, > 2 n_blk */
    size_t best;                   /* index of the best tip, CHAIN_NO_BLOCK before genesis */
    chain_store_opts opts;
    int lock_fd;                   /* DIR/<chain>/lock, open while the store is (-1: read-only) */
    int read_only;                 /* opened without write access: writing fails with CHAIN_EIO */
    int lock_depth;                /* chain_store_lock nesting */
    chain_store_sig sig;           /* what the folder looked like at the last refresh */
    uint64_t verified;             /* blocks this value verified (statistics) */
    uint64_t parsed;               /* block files this value read (statistics) */
} chain_store;

/* What chain_store_add did. */
typedef struct chain_store_add_result {
    int stored;                 /* 1: the block file was written now; 0: it was there */
    int best;                   /* 1: the block is the best tip afterwards */
    int moved;                  /* 1: this call moved the tip file */
    uint64_t disconnected;      /* blocks that left the best chain (a reorganisation) */
    size_t returned;            /* their transfers returned to the mempool */
    size_t pruned;              /* transfers pruned from the mempool */
} chain_store_add_result;

/* Opens the chain of p in data directory datadir with options o (NULL: {0}):
 * reads every block file, verifies the best chain (unless o->trust), and when
 * the chain is missing and o->create, creates DIR/<name>/blocks and, under the
 * lock, writes the chain's genesis (chain_genesis_build) and the tip file.
 * A user who can read but not write the folder opens it read-only (no lock file).
 * Returns: CHAIN_OK; CHAIN_EIO (a folder or file cannot be made or read);
 * CHAIN_ESTORE (no such chain and no create, or no valid genesis); CHAIN_ESTOPPED
 * (o->cancel asked to stop); codes of
 * chain_genesis_build; CHAIN_ENOMEM. On error the store is closed.
 * Out: s (previous contents ignored), err (may be NULL). Allocates; free with
 * chain_store_close. */
__attribute__((warn_unused_result)) chain_status chain_store_open_opts(chain_store *s, common_error *err,
                                                                       const char *datadir, const chain_params *p,
                                                                       const chain_store_opts *o);

/* chain_store_open_opts with {create, threads} and nothing else. */
__attribute__((warn_unused_result)) chain_status chain_store_open(chain_store *s, common_error *err, const char *datadir,
                                                                  const chain_params *p, int create,
                                                                  unsigned threads);

/* Frees the index and closes the lock file; s may be NULL or already closed. */
void chain_store_close(chain_store *s);

/* The tip's height (the chain always has genesis). */
uint64_t chain_store_tip_height(const chain_store *s);

/* The id of the best chain's block at height h (h <= tip). Out: id32. */
void chain_store_id(uint8_t id32[32], const chain_store *s, uint64_t h);

/* Looks for block id in the best chain. Returns 1 and *height, or 0 (*height 0). */
int chain_store_find(uint64_t *height, const chain_store *s, const uint8_t id32[32]);

/* Looks for block id among every block the index holds (any branch, any verdict).
 * Returns 1 and a copy in *info, or 0 (*info zeroed). No allocation. */
int chain_store_info(chain_block_info *info, const chain_store *s, const uint8_t id32[32]);

/* The file path of the block at height h with id id32. Out: path (size bytes). */
void chain_store_block_path(char *path, size_t size, const chain_store *s, uint64_t h, const uint8_t id32[32]);

/* Reads the best chain's block at height h (h <= tip) and checks that it is that
 * block (its post_hash is the id of its name, its height is h) and, when this
 * value verified it, that the file's bytes are the ones verified.
 * Returns: CHAIN_OK; CHAIN_EIO; CHAIN_ESTORE (unparsable, not the named block, or
 * changed since verified). Out: b (previous contents freed; empty on error), err. */
__attribute__((warn_unused_result)) chain_status chain_store_load(pouw_block *b, common_error *err, chain_store *s,
                                                                  uint64_t h);

/* Reads block id32 of any branch, as chain_store_load.
 * Returns: as chain_store_load; CHAIN_ESTORE also when the index has no such block. */
__attribute__((warn_unused_result)) chain_status chain_store_load_id(pouw_block *b, common_error *err, chain_store *s,
                                                                     const uint8_t id32[32]);

/* The median time past at the best chain's height h: the median
 * (pouw_median_time) of the times of blocks max(0, h-10) .. h.
 * Returns: CHAIN_OK or CHAIN_ESTORE (h above the tip). Out: mtp (0 on error), err. */
__attribute__((warn_unused_result)) chain_status chain_store_median_time(uint64_t *mtp, common_error *err,
                                                                         chain_store *s, uint64_t h);

/* The median time past at block id32 (any branch): of it and its up to 10
 * ancestors. Returns: CHAIN_OK or CHAIN_ESTORE (unknown block). Out: mtp, err. */
__attribute__((warn_unused_result)) chain_status chain_store_median_time_of(uint64_t *mtp, common_error *err,
                                                                            const chain_store *s,
                                                                            const uint8_t id32[32]);

/* 1 when another writer may have changed the chain since this value's last
 * refresh (the tip file or the blocks folder changed: two stat calls), else 0.
 * Cheap: for a miner's check before each attempt. */
int chain_store_changed(const chain_store *s);

/* Reads new block files (all when force), chooses the best tip (verifying what it
 * must) and updates the best chain. Does not write (a reader's refresh).
 * Returns: CHAIN_OK; CHAIN_EIO (the folder cannot be read); CHAIN_ESTORE (no valid
 * genesis any more); CHAIN_ENOMEM. Out: moved (may be NULL: 1 when the best tip
 * changed), err. May grow the index. */
__attribute__((warn_unused_result)) chain_status chain_store_refresh(chain_store *s, common_error *err, int *moved);

/* Forgets the index and reads every block file again, keeping the cached
 * verdicts (a "reload" that re-verifies nothing already verified).
 * Returns and Out: as chain_store_refresh. */
__attribute__((warn_unused_result)) chain_status chain_store_reload(chain_store *s, common_error *err);

/* Verifies block id32 and its unverified ancestors (oldest first), caching the
 * verdicts. Returns: CHAIN_OK (valid); CHAIN_EINVALID (*reason and err: the
 * block or an ancestor is invalid); CHAIN_ESTORE (unknown or unlinked block);
 * CHAIN_EIO; CHAIN_ENOMEM; CHAIN_EWORK. Out: reason, err. */
__attribute__((warn_unused_result)) chain_status chain_store_verify_id(pouw_reason *reason, common_error *err,
                                                                       chain_store *s, const uint8_t id32[32]);

/* Verifies every linked, unverified block of every branch (what `pouw
 * verify-chain` reports). Returns: CHAIN_OK (even when some were invalid: see
 * *n_invalid and the notices); CHAIN_EIO; CHAIN_ENOMEM; CHAIN_EWORK.
 * Out: n_invalid (blocks of the index that are INVALID afterwards), err. */
__attribute__((warn_unused_result)) chain_status chain_store_verify_all(size_t *n_invalid, common_error *err,
                                                                        chain_store *s);

/* Takes (or, nested, re-enters) the writers' lock DIR/<chain>/lock (flock
 * LOCK_EX; waits). Returns: CHAIN_OK; CHAIN_EIO. */
__attribute__((warn_unused_result)) chain_status chain_store_lock(chain_store *s, common_error *err);

/* Releases one level of chain_store_lock. */
void chain_store_unlock(chain_store *s);

/* Flags of chain_store_add. */
#define CHAIN_ADD_VERIFIED 1u /* the caller verified b against this store (or built it): do not re-verify */

/* Adds block b to the store by the writers' protocol (header comment, step 2):
 * unless CHAIN_ADD_VERIFIED, verifies b first against its parent (any branch;
 * chain_verify_block with the store's clock); then under the lock refreshes,
 * writes b's file (if not there), chooses the best tip and, when it moved,
 * updates the mempool and the tip file. A block already stored is not an error.
 * Returns: CHAIN_OK; CHAIN_EINVALID (rejected: *reason and err say why, e.g.
 * unknown_parent when the parent is not a valid block of the store); CHAIN_EIO;
 * CHAIN_ENOMEM; CHAIN_EWORK (verification could not complete).
 * Out: res (may be NULL), reason (may be NULL), err. */
__attribute__((warn_unused_result)) chain_status chain_store_add(chain_store *s, chain_store_add_result *res,
                                                                 pouw_reason *reason, common_error *err,
                                                                 const pouw_block *b, unsigned flags);

/* Loads the miner key from keyfile, or from datadir/keys/miner.key when keyfile is
 * NULL; when that file does not exist, generates a key (labelled with the host
 * name) and saves it there (creating the folder, mode 0700), under a lock on
 * datadir/keys/lock so that processes starting together share one key, and sets
 * *created.
 * Returns: CHAIN_OK; CHAIN_EIO; CHAIN_EKEY (malformed key file: err names the
 * line); CHAIN_ENOMEM. Out: key (free with pouw_key_clear), created (may be
 * NULL), err. */
__attribute__((warn_unused_result)) chain_status chain_miner_key(pouw_key *key, int *created, common_error *err,
                                                                 const char *datadir, const char *keyfile);

/* Creates folder path and its missing parents (mode 0755, or 0700 when private).
 * Returns: CHAIN_OK or CHAIN_EIO (err has strerror). */
__attribute__((warn_unused_result)) chain_status chain_mkdirs(common_error *err, const char *path, int private_);

#endif /* CHAIN_STORE_H */
