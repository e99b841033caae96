/* pouw/verify.h - block verification, anyone, any time (spec pouw.md s8).
 *
 * The verifier knows nothing about stores or chain names: the caller (chain/)
 * passes what the chain demands and what it knows about the parent in a
 * pouw_verify_ctx. A block is accepted only if every rule holds; otherwise it is
 * rejected with one pouw_reason (the first failing check in the order below) and
 * a message naming the field. Cheap checks come first, the re-run of the
 * sessions (the cost of one attempt) last.
 *
 *  1 format       pouw_block_parse checked every field's type and range before
 *                 (a document that fails it is rejected as "format" by callers)
 *  2 version      header.version == POUW_HEADER_VERSION
 *  3 chain_id     header.chain_id == ctx->chain_id
 *  4 parent       genesis rule (ctx->genesis): height 0, prev_hash zero, time_ms and
 *                 miner as the chain's genesis, no transactions; otherwise a known
 *                 parent (ctx->parent, found by the caller from prev_hash) with
 *                 prev_hash == its id; height == parent + 1; time_ms > the parent's
 *                 median time past (median of the times of the parent and its up
 *                 to 10 ancestors); always time_ms <= now_ms + ctx->max_future_ms
 *  5 requirements prehash_bits, pps_threshold_micro, mode, post_bits, sessions and
 *                 job_digest equal ctx->req (what the retarget rule demands at this
 *                 height); then the proof's shape ("format": proof.sessions and
 *                 useful_output have header.sessions entries, post_bits is 0 in
 *                 mode pps); the block carries a job iff job_digest is non-zero,
 *                 and the job's canonical form hashes to job_digest
 *  6 transactions at least one; the first is the only coinbase; it pays exactly
 *                 ctx->reward to header.miner with the block's height; no
 *                 duplicated-tail Merkle shape
 *  7 tx_root      header.tx_root == pouw_tx_root(transactions)
 *  8 ledger       the transactions apply to the parent's ledger (empty for genesis)
 *                 under the ledger rule of pouw/tx.h, fees to header.miner: a
 *                 transfer that does not is rejected with its own reason (tx for
 *                 an amount below 1 or a negative fee, tx_overflow, tx_chain,
 *                 tx_signature, tx_sequence, tx_overspend; field
 *                 "transactions[i].<field>"); then the block's ledger (balances
 *                 and next sequences) == the result
 *  9 pre_hash     SHA-256(header) == pre_hash, and pre_hash <= target(prehash_bits)
 * 10 sessions     each session, re-run from its seed, gives the stored d_i, pps_i
 *                 (bit for bit); a session BSE cannot run rejects the block
 * 11 score        pps, pps_micro and post_hash recompute
 * 12 validity     the rule of the mode holds (pouw/work.h pouw_attempt_valid)
 * 13 useful       the useful output equals the re-run sessions' best strategies
 * 14 genesis id   a genesis block's id equals the chain's pinned one (if pinned)
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
} pouw_reason;
#define POUW_R_LAST POUW_R_TX_OVERFLOW

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
} pouw_parent;

/* The chain's genesis, for verifying a block that claims to be it. */
typedef struct pouw_genesis_rule {
    uint64_t time_ms;
    int has_id;                     /* 1: the genesis id is pinned */
    uint8_t id[POUW_SHA256_BYTES];
} pouw_genesis_rule;

typedef struct pouw_verify_ctx {
    uint32_t chain_id;
    pouw_requirements req;
    pouw_template tmpl;             /* generated environments (job_digest zero) */
    int64_t reward;
    const pouw_genesis_rule *genesis; /* non-NULL: verify as the chain's genesis */
    const pouw_parent *parent;      /* NULL (and genesis NULL): parent unknown */
    uint64_t now_ms;                /* the verifier's clock, Unix ms */
    uint64_t max_future_ms;         /* allowance ahead of now_ms */
    unsigned threads;               /* for the session re-run */
} pouw_verify_ctx;

/* A short stable name of a reason ("tx_root", "coinbase_amount", ...); "unknown"
 * outside the enum. Returns a static string. */
const char *pouw_reason_name(pouw_reason r);

/* The reason for a transfer that the ledger rule refuses with status st (a code
 * of pouw_ledger_apply_tx / pouw_tx_check): POUW_EBADSIG tx_signature,
 * POUW_ECHAIN tx_chain, POUW_ESEQUENCE tx_sequence, POUW_EFUNDS tx_overspend,
 * POUW_ERANGE tx_overflow, POUW_ETX tx; POUW_R_OK for any other code (POUW_OK,
 * or a failure that is no verdict, such as POUW_ENOMEM). Cannot fail. */
pouw_reason pouw_reason_of_transfer(pouw_status st);

/* Verifies block b in context ctx (the rules above).
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
