/* pouw/status.h - the status codes of the pouw module.
 *
 * Every fallible pouw_ function returns a pouw_status: 0 (POUW_OK) on success, a
 * positive code naming what went wrong otherwise. One enum serves the whole module
 * so that functions built on each other (a nonce search on SHA-256 and compact
 * targets, a key file on hex and Ed25519) pass codes up unchanged, and a
 * common_error filled by a pouw function carries one of these as its code.
 * Codes are stable: new ones are appended, never renumbered.
 */
#ifndef POUW_STATUS_H
#define POUW_STATUS_H

#define POUW_STATUS_LAST POUW_EIMMATURE /* the highest code, for tables and tests */

typedef enum pouw_status {
    POUW_OK = 0,
    POUW_ENOMEM = 1,        /* an allocation we can see failed (malloc, EVP_*_new) */
    POUW_ECRYPTO = 2,       /* an OpenSSL call failed (including allocations inside it) */
    POUW_EHEX = 3,          /* hex text has the wrong length or a character outside [0-9a-f] */
    POUW_EBITS_NEGATIVE = 4,/* compact target bits with the sign bit set on a non-zero mantissa */
    POUW_EBITS_OVERFLOW = 5,/* compact target bits whose value does not fit in 256 bits */
    POUW_EZERO_TARGET = 6,  /* a zero target: expected work 2^256 does not fit in 256 bits */
    POUW_ERANGE = 7,        /* a number is NaN, infinite or outside the range of its integer */
    POUW_ENOTFOUND = 8,     /* a nonce search tried its whole budget without success */
    POUW_EBADSIG = 9,       /* an Ed25519 signature does not verify */
    POUW_EIO = 10,          /* a file could not be opened, read, written, synced or renamed */
    POUW_EKEYFILE = 11,     /* a key file is malformed */
    POUW_ELABEL = 12,       /* a key label is empty, too long or holds a control character */
    POUW_EEXIST = 13,       /* the file to create exists and overwriting was not asked for */
    POUW_ESESSION = 14,     /* a BSE market session could not run (BSE.py would have crashed) */
    POUW_ECONFIG = 15,      /* a session environment or committed job is not a valid BSE case */
    POUW_EFORMAT = 16,      /* a block or transaction document is not JSON, or a field is missing, mistyped or
                               out of range */
    POUW_EINVALID = 17,     /* a block was checked and rejected (the pouw_reason says why) */
    POUW_ELIMIT = 18,       /* a count is above its protocol limit (sessions, transactions, ledger size) */
    POUW_ETX = 19,          /* a malformed transaction: unknown type, amount below 1, negative fee, a transfer
                               without a coinbase before it (pouw/tx.h) */
    POUW_ECHAIN = 20,       /* a transfer signed for another chain */
    POUW_ESEQUENCE = 21,    /* a transfer whose sequence is not its sender's next (a replay or a gap) */
    POUW_EFUNDS = 22,       /* a transfer spending more than its sender holds (amount + fee > balance) */
    POUW_ENEWACCOUNT = 23,  /* a transfer creating an account with less than the chain's min_new_account */
    POUW_EIMMATURE = 24,    /* a transfer spending coins not yet mature (reward and fees of recent blocks) */
} pouw_status;

/* A short English name for code s ("ok", "out of memory", ...); "unknown status"
 * for a value outside the enum. Returns: a static string (never NULL, never freed).
 * Thread-safe. */
const char *pouw_status_str(pouw_status s);

#endif /* POUW_STATUS_H */
