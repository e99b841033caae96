/* chain/status.h - the status codes of the chain module (chain parameters, block
 * store, mining and verification on a store).
 *
 * Every fallible chain_ function returns a chain_status: 0 (CHAIN_OK) on success,
 * a positive code otherwise, with the caller's common_error filled (file, field,
 * message); a common_error filled by a chain function carries one of these codes.
 * Codes are stable: new ones are appended, never renumbered.
 */
#ifndef CHAIN_STATUS_H
#define CHAIN_STATUS_H

typedef enum chain_status {
    CHAIN_OK = 0,
    CHAIN_ENOMEM = 1,    /* out of memory */
    CHAIN_EIO = 2,       /* a file or folder could not be read, written, synced or renamed */
    CHAIN_ESTORE = 3,    /* the store is inconsistent (tip file, block names, a stored block) */
    CHAIN_EINVALID = 4,  /* a block was verified and rejected (a pouw_reason says why) */
    CHAIN_EUNKNOWN = 5,  /* no chain of that name or id */
    CHAIN_EKEY = 6,      /* the miner key file is malformed */
    CHAIN_EWORK = 7,     /* mining or a session failed (err says why) */
    CHAIN_EPARAMS = 8,   /* chain parameters are inconsistent */
    CHAIN_ESTOPPED = 9,  /* mining stopped before a block was found (attempt limit or request) */
    CHAIN_ETIP = 10,     /* the block does not extend the store's tip */
    CHAIN_ESTALE = 11,   /* mining stopped: another writer changed the store (rebuild on the new tip) */
    CHAIN_EORPHAN = 12,  /* the block's parent is unknown: kept as an orphan (not invalid) */
    CHAIN_EMALFORMED = 13, /* this copy of a block is unusable (oversize, malformed, a derived field
                              wrong, or not valid yet): nothing stored, the genuine block may come */
    CHAIN_EBUSY = 14,    /* the database stayed locked by another writer too long */
} chain_status;

#define CHAIN_STATUS_LAST CHAIN_EBUSY

/* A short English name for code s; "unknown status" outside the enum.
 * Returns: a static string. Thread-safe. */
const char *chain_status_str(chain_status s);

#endif /* CHAIN_STATUS_H */
