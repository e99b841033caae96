/* pouw/verify.h - block verification, anyone, any time (spec pouw.md s8 and
 * s11.7: consensus version 2).
 *
 * The verifier knows nothing about stores or chain names: the caller (chain/)
 * passes what the chain demands and what it knows about the parent in a
 * pouw_verify_ctx. A block is accepted only if every rule holds; otherwise it is
 * rejected with one pouw_reason (the first failing check, cheapest first) and a
 * message naming the field. The stages of s11.7:
 *
 *  1 size, form   the document's bytes before its ledger against max_block_bytes,
 *                 before any parsing (pouw_block_body_bytes; oversize); the parse,
 *                 every field's type and range (format); the transaction count
 *                 against max_block_txs (too_many_txs)
 *  2 header       version == POUW_HEADER_VERSION (2); chain_id; the genesis
 *                 constants: prehash_bits (the fixed gate), pps_threshold_micro
 *                 (the floor), mode, sessions, job_digest; the proof's shape
 *  3 pre-hash     SHA-256(header) == pre_hash (else pre_hash: a wrong copy), and
 *                 within the gate (prehash_target)
 *    (pouw_block_precheck stops here: stages 1-3 on a document, no parent)
 *  4 parent       genesis rule (ctx->genesis: height 0, prev_hash zero, time and
 *                 miner as the chain's genesis, no transactions); otherwise the
 *                 parent known (unknown_parent: the block is an orphan, not
 *                 invalid) and height == parent + 1
 *  5 time         time_ms > the parent's median time past; time_ms <= now_ms +
 *                 max_future_ms (time_future: never permanent)
 *  6 post_bits    == ctx->req.post_bits (what the retarget rule demands); the
 *                 committed job hashes to job_digest
 *  7 payload      coinbase (one, first, the reward to the miner, the height),
 *                 tx_root, each transfer under the ledger rule of pouw/tx.h (its
 *                 own reason: tx, tx_overflow, tx_chain, tx_signature,
 *                 tx_sequence, tx_new_account, tx_overspend, tx_immature),
 *                 ledger_root == the root of the
 *                 ledger after them, then the full ledger beside the block
 *                 (ledger: a wrong copy)
 *  8 sessions     each re-run from its seed gives the stored d_i, pps_i (stopping
 *                 at the first mismatch); score and post_hash recompute; validity
 *                 (floor and lottery, pouw_attempt_valid); useful output; a
 *                 genesis block's id equals the pinned one
 *
 * pouw_reason_kind_of says what a reason means for the id: invalid for good
 * (committed data: header, transactions, sessions), this copy only (oversize,
 * malformed, a wrong derived field), an orphan, or not yet (time_future).
 *
 * Thread-safety: pure function of its inputs; sessions may run on threads.
 */
#ifndef POUW_VERIFY_H
#define POUW_VERIFY_H

#include <stdint.h>

#include "common/error.h"
#include "pouw/block.h"
#include "pouw/env.h"
#include "pouw/sha256.h"
#include "pouw/status.h"
#include "pouw/tx.h"

/* Why a block was rejected. Stable numbers: append, never renumber. */
typedef enum pouw_reason {
    POUW_R_OK = 0,
    POUW_R_FORMAT = 1,              /* a field missing, mistyped, out of range, or inconsistent */
    POUW_R_VERSION = 2,             /* unknown header version */
    POUW_R_CHAIN_ID = 3,            /* block of another chain */
    POUW_R_UNKNOWN_PARENT = 4,      /* prev_hash names no block this verifier has */
    POUW_R_HEIGHT = 5,              /* height != parent's + 1 (or != 0 for genesis) */
    POUW_R_TIME_OLD = 6,            /* time_ms not above the median of the last 11 blocks */
    POUW_R_TIME_FUTURE = 7,         /* time_ms too far ahead of the verifier's clock */
    POUW_R_PREHASH_BITS = 8,        /* pre-hash target not the one the chain demands */
    POUW_R_THRESHOLD = 9,           /* pps_threshold_micro not the one the chain demands */
    POUW_R_MODE = 10,               /* validity mode not the chain's */
    POUW_R_POST_BITS = 11,          /* post-hash target not the one the chain demands */
    POUW_R_SESSIONS = 12,           /* sessions per attempt not the chain's */
    POUW_R_JOB = 13,                /* job_digest not the chain's, or the job does not hash to it */
    POUW_R_GENESIS = 14,            /* a genesis block that is not the chain's genesis */
    POUW_R_TX = 15,                 /* a malformed transaction, or a misplaced or extra coinbase */
    POUW_R_COINBASE_COUNT = 16,     /* no coinbase */
    POUW_R_COINBASE_AMOUNT = 17,    /* coinbase amount != reward */
    POUW_R_COINBASE_RECIPIENT = 18, /* coinbase pays someone other than the header's miner */
    POUW_R_TX_ROOT = 19,            /* tx_root does not match the transactions */
    POUW_R_LEDGER = 20,             /* ledger != parent's ledger with the transactions applied */
    POUW_R_PREHASH = 21,            /* stored pre_hash != SHA-256(header) */
    POUW_R_PREHASH_TARGET = 22,     /* pre_hash above its target */
    POUW_R_SESSION_FAILED = 23,     /* a session cannot be run (BSE would crash) */
    POUW_R_SESSION_DIGEST = 24,     /* a re-run session gives another d_i */
    POUW_R_SESSION_PPS = 25,        /* a re-run session gives another pps_i */
    POUW_R_PPS = 26,                /* pps is not the mean of the pps_i */
    POUW_R_PPS_MICRO = 27,          /* pps_micro != floor(pps * 1e6) */
    POUW_R_POST_HASH = 28,          /* post_hash does not recompute */
    POUW_R_NOT_VALID = 29,          /* the validity rule of the mode fails */
    POUW_R_USEFUL_OUTPUT = 30,      /* useful output differs from the re-run sessions' */
    POUW_R_TX_SIGNATURE = 31,       /* a transfer's signature does not verify (forged or altered) */
    POUW_R_TX_CHAIN = 32,           /* a transfer signed for another chain */
    POUW_R_TX_SEQUENCE = 33,        /* a transfer's sequence is not its sender's next (replay or gap) */
    POUW_R_TX_OVERSPEND = 34,       /* a transfer's amount + fee exceeds its sender's balance */
    POUW_R_TX_OVERFLOW = 35,        /* a transfer's amount, fee, their sum or a resulting balance (or
                                       sequence) beyond the ledger's range (2^53 - 1) */
    POUW_R_OVERSIZE = 36,           /* the document (without its ledger) above max_block_bytes */
    POUW_R_TOO_MANY_TXS = 37,       /* more transactions than max_block_txs */
    POUW_R_LEDGER_ROOT = 38,        /* ledger_root is not the root of the ledger after the transactions */
    POUW_R_TX_NEW_ACCOUNT = 39,     /* a transfer creates an account with less than min_new_account (s11.8) */
    POUW_R_TX_IMMATURE = 40,        /* a transfer spends immature coins: the reward or fees of a block
                                       fewer than `maturity` blocks back (s11.10) */
} pouw_reason;
#define POUW_R_LAST POUW_R_TX_IMMATURE

/* What a rejection means for the block's id (spec s11.7). */
typedef enum pouw_reason_kind {
    POUW_KIND_OK = 0,
    POUW_KIND_INVALID = 1, /* a check on committed data failed: the id is invalid for good */
    POUW_KIND_COPY = 2,    /* this copy only (oversize, malformed, a wrong derived field): the
                              genuine block may still come under the same id */
    POUW_KIND_ORPHAN = 3,  /* the parent is unknown: the block waits, it is not invalid */
    POUW_KIND_LATER = 4,   /* time_future: never permanent, valid later perhaps */
} pouw_reason_kind;

/* The kind of reason r: FORMAT, OVERSIZE, PREHASH (the stored pre_hash is not the
 * header's hash), PPS, PPS_MICRO, SESSION_PPS, USEFUL_OUTPUT and LEDGER (the
 * full ledger beside the block, when ledger_root holds) are COPY;
 * UNKNOWN_PARENT is ORPHAN; TIME_FUTURE is LATER; POUW_R_OK is OK; every other
 * reason is INVALID. Cannot fail. */
pouw_reason_kind pouw_reason_kind_of(pouw_reason r);

/* What the chain demands of a block at its height (from its genesis and retarget
 * rule: chain/params.h chain_required_targets). */
typedef struct pouw_requirements {
    uint32_t prehash_bits;
    int64_t pps_threshold_micro;
    uint32_t mode;
    uint32_t post_bits;
    uint32_t sessions;
    uint8_t job_digest[POUW_SHA256_BYTES];
} pouw_requirements;

/* What the verifier knows about the block's parent. */
typedef struct pouw_parent {
    uint8_t id[POUW_SHA256_BYTES];
    uint64_t height;
    uint64_t median_time_ms;        /* median time past: of the parent and up to 10 ancestors */
    const pouw_ledger *ledger;      /* the ledger after the parent (borrowed) */
    const pouw_ledger *immature;    /* borrowed, may be NULL (nothing): per account, the reward + fees of
                                       the blocks c with height - maturity < c <= parent height that it
                                       mined (s11.10; chain/store.h chain_store_immature) */
} pouw_parent;

/* The chain's genesis, for verifying a block that claims to be it. */
typedef struct pouw_genesis_rule {
    uint64_t time_ms;
    int has_id;                     /* 1: the genesis id is pinned */
    uint8_t id[POUW_SHA256_BYTES];
} pouw_genesis_rule;

/* Genesis limits of a chain (spec s11.9). */
typedef struct pouw_limits {
    uint64_t max_block_bytes;       /* document bytes before its ledger (pouw_block_body_bytes) */
    uint64_t max_block_txs;         /* transactions, coinbase included */
} pouw_limits;

/* What stages 1-3 need: constants of the chain (no parent, no clock). */
typedef struct pouw_precheck_ctx {
    uint32_t chain_id;
    pouw_requirements req;          /* the genesis constants: prehash_bits (the gate), floor,
                                       mode, sessions, job_digest (post_bits is not checked) */
    pouw_limits limits;
} pouw_precheck_ctx;

typedef struct pouw_verify_ctx {
    uint32_t chain_id;
    pouw_limits limits;
    pouw_requirements req;
    pouw_template tmpl;             /* generated environments (job_digest zero) */
    int64_t reward;                 /* units */
    int64_t min_new_account;        /* units a transfer creating an account carries at least (s11.8) */
    uint32_t maturity;              /* coinbase maturity (s11.10): >= 1 makes the block's own coinbase
                                       and fees immature in it; the older immature coins are
                                       parent->immature */
    const pouw_genesis_rule *genesis; /* non-NULL: verify as the chain's genesis */
    const pouw_parent *parent;      /* NULL (and genesis NULL): parent unknown */
    uint64_t now_ms;                /* the verifier's clock, Unix ms */
    uint64_t max_future_ms;         /* allowance ahead of now_ms */
    unsigned threads;               /* for the session re-run */
    int skip_sessions;              /* 1: stage 8 is not run (a miner checking the block it
                                       has just mined: it ran those sessions itself) */
} pouw_verify_ctx;

/* A short stable name of a reason ("tx_root", "coinbase_amount", ...); "unknown"
 * outside the enum. Returns a static string. */
const char *pouw_reason_name(pouw_reason r);

/* The reason for a transfer that the ledger rule refuses with status st (a code
 * of pouw_ledger_apply_tx / pouw_tx_check): POUW_EBADSIG tx_signature,
 * POUW_ECHAIN tx_chain, POUW_ESEQUENCE tx_sequence, POUW_EFUNDS tx_overspend,
 * POUW_ERANGE tx_overflow, POUW_ETX tx, POUW_ENEWACCOUNT tx_new_account,
 * POUW_EIMMATURE tx_immature; POUW_R_OK for any other code (POUW_OK,
 * or a failure that is no verdict, such as POUW_ENOMEM). Cannot fail. */
pouw_reason pouw_reason_of_transfer(pouw_status st);

/* Stages 1-3 of spec s11.7 on a block document json[0..len): (1) the size
 * (POUW_BLOCK_MAX_BYTES, then the bytes before the ledger against
 * ctx->limits.max_block_bytes: no parsing yet), the parse with every type and
 * range, the transaction count; (2) header version, chain_id and the genesis
 * constants (prehash_bits, floor, mode, sessions, job_digest); (3) the pre-hash
 * recomputed (equal to the stored one) and within the gate. Never re-runs a
 * session, checks a signature or reads a parent.
 * Returns: POUW_OK (b parsed; *reason OK); POUW_EINVALID (*reason, err; see
 * pouw_reason_kind_of for what it means); POUW_ENOMEM; POUW_ECRYPTO.
 * Out: b (previous contents freed; the parsed block, also when rejected after
 * parsing so that the caller knows the id; empty when not parsed), reason, err. */
__attribute__((warn_unused_result)) pouw_status pouw_block_precheck(pouw_block *b, pouw_reason *reason,
                                                                    common_error *err, const pouw_precheck_ctx *ctx,
                                                                    const char *json, size_t len);

/* Verifies block b in context ctx: stages 2-3 (as pouw_block_precheck on the
 * parsed block, plus the limits), then 4 (parent, height), 5 (time), 6
 * (post_bits == ctx->req.post_bits), 7 (transactions, tx_root, signatures, ledger,
 * ledger_root, the full ledger) and 8 (sessions, score, validity, useful output;
 * skipped with ctx->skip_sessions), stopping at the first failure.
 * Returns: POUW_OK (valid; *reason POUW_R_OK); POUW_EINVALID (rejected: *reason and
 * err: field and message, err->code POUW_EINVALID); POUW_ENOMEM or POUW_ECRYPTO
 * when the check itself could not be completed (*reason POUW_R_OK: neither
 * accepted nor rejected).
 * Out: reason, err (may be NULL; a file name the caller put in err->path is kept).
 * Allocates while re-running sessions, freed before return. */
__attribute__((warn_unused_result)) pouw_status pouw_verify_block(pouw_reason *reason, common_error *err,
                                                                  const pouw_verify_ctx *ctx, const pouw_block *b);

/* The median of times[0..n) (n 1..11; the upper median for even n, as sorting and
 * taking element n/2). Used for the median time past. Cannot fail. */
uint64_t pouw_median_time(const uint64_t *times, unsigned n);

#endif /* POUW_VERIFY_H */
