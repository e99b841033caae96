/* pouw/block.h - the block document: a block in memory and its JSON form
 * (spec pouw.md s7; cJSON).
 *
 * JSON form (one object; keys in this order when written; every key required,
 * no other key allowed, no key twice):
 *
 *   { "header": { "version", "chain_id", "height", "prev_hash", "tx_root", "ledger_root", "miner",
 *                 "time_ms", "prehash_bits", "pps_threshold_micro", "mode",
 *                 "post_bits", "sessions", "job_digest", "nonce" },
 *     "pre_hash":  HEX32,
 *     "post_hash": HEX32,                       the block id
 *     "proof": { "pps": NUM, "pps_micro": INT,
 *                "sessions": [ { "d": HEX32, "pps": NUM }, ... ] },   n entries
 *     "transactions": [ TX, ... ],              coinbase first
 *     "useful_output": [ { "buyer": STRAT|null, "seller": STRAT|null }, ... ],
 *                                               one per session
 *     "job": CASE|null,                         the canonical committed job
 *     then, last (the full ledger beside the block, spec s11.8: checked against
 *     header.ledger_root; max_block_bytes counts the document before it):
 *     "ledger": { HEX32: INT, ... },            balances, sorted by account, ascending
 *     "sequences": { HEX32: INT, ... },         next sequence of each ledger account
 *                                               that has sent transfers (>= 1),
 *                                               ascending; accounts absent here have
 *                                               0. Written always; may be absent when
 *                                               read: then empty }
 *
 *   TX    = { "type": "coinbase", "to": HEX32, "amount": INT, "height": INT }
 *         | { "type": "transfer", "chain_id": INT, "from": HEX32, "to": HEX32,
 *             "amount": INT, "sequence": INT, "fee": INT, "signature": HEX64 }
 *           (keys in this order when written; pouw/tx.h has their meaning and
 *           their canonical bytes). The same object, alone, is the standalone
 *           transaction document of pouw_tx_parse (a mempool file).
 *   STRAT = { "tid": STR, "type": STR, "pps": NUM, "strategy": STR }: BSE's best_B
 *           / best_S record (trader id, type, the strategy's profit per second,
 *           strat_csv_str of the strategy).
 *   HEX32 = 64 lower-case hex digits (plain digest byte order); HEX64 = 128.
 *   INT   = a JSON number with an integral value in the field's range; every
 *           integer of the document lies within +-(2^53 - 1) (RFC 7493 I-JSON),
 *           so a 64-bit header field beyond that (a nonce >= 2^53, say) cannot be
 *           written and such a header is invalid. Any spelling of the value is
 *           accepted (1000, 1e3): the id hashes the header's binary encoding, not
 *           the text.
 *   NUM   = a finite JSON number; written in the shortest form that reads back
 *           as the same double. Floats are for people: verifiers re-derive them
 *           and compare bit for bit; none enters a hash.
 *   CASE  = a case object in the bse/config.h format.
 * Header integer ranges: version, chain_id, prehash_bits, mode, post_bits and
 * sessions are u32 (what values are valid is for the verifier); height, time_ms
 * and nonce are in [0, 2^53-1]; pps_threshold_micro and pps_micro in
 * [-(2^53-1), 2^53-1]; amounts, fees and balances in [0, 2^53-1] (a transfer of
 * amount 0 parses, and verification rejects it); sequences in [0, 2^53-1]
 * (in "sequences" [1, 2^53-1]); chain_id u32.
 *
 * Parsing validates every field before trusting it (STYLE rule 15): type, range,
 * hex spelling, string lengths, list lengths (proof.sessions and useful_output
 * 1..POUW_MAX_SESSIONS entries - that they match header.sessions is a consensus
 * check -, at most POUW_BLOCK_MAX_TXS transactions and POUW_BLOCK_MAX_ACCOUNTS
 * ledger entries), ledger order (strictly ascending), nesting depth (at most
 * POUW_BLOCK_MAX_DEPTH) and size (at most POUW_BLOCK_MAX_BYTES). Consensus checks
 * (hashes, scores, balances) are pouw/verify.h's; a parsed block is only well
 * formed. Writing then parsing gives back an equal block (pouw_block_equal).
 *
 * Thread-safety: a pouw_block is a value with heap parts; distinct blocks may be
 * used on distinct threads.
 */
#ifndef POUW_BLOCK_H
#define POUW_BLOCK_H

#include <stddef.h>
#include <stdint.h>

#include "bse/config.h"
#include "common/error.h"
#include "bse/session.h"
#include "pouw/header.h"
#include "pouw/status.h"
#include "pouw/tx.h"
#include "pouw/work.h"

#define POUW_BLOCK_MAX_BYTES ((size_t)64 << 20) /* largest accepted document */
#define POUW_BLOCK_MAX_DEPTH 32                 /* deepest accepted JSON nesting */
#define POUW_BLOCK_MAX_TXS 100000
#define POUW_BLOCK_MAX_ACCOUNTS 1000000
#define POUW_JSON_INT_MAX ((int64_t)9007199254740991) /* 2^53 - 1 */
#define POUW_TX_JSON_MAX_BYTES 4096             /* largest standalone transaction document */

/* The proof of one session. */
typedef struct pouw_session_proof {
    uint8_t digest[POUW_SHA256_BYTES]; /* d_i */
    double pps;                        /* pps_i (re-derived by verifiers) */
} pouw_session_proof;

/* A block. Initialise with pouw_block_init (or {0}), free with pouw_block_clear. */
typedef struct pouw_block {
    pouw_header header;
    uint8_t pre_hash[POUW_SHA256_BYTES];
    uint8_t post_hash[POUW_SHA256_BYTES];     /* the block id */
    double pps;
    int64_t pps_micro;
    uint32_t n_sessions;                      /* proof entries (a valid block: header.sessions) */
    pouw_session_proof proof[POUW_MAX_SESSIONS];
    uint32_t n_useful;                        /* useful_output entries (valid: header.sessions) */
    bse_strategy_record useful[POUW_MAX_SESSIONS][2]; /* [i][0] buyer, [i][1] seller; valid 0 = null */
    pouw_tx *txs;                             /* owned, n_txs entries */
    size_t n_txs;
    pouw_ledger ledger;                       /* after the block */
    bse_case *job;                            /* owned; NULL when generated */
} pouw_block;

/* Makes b an empty block (no allocation). */
void pouw_block_init(pouw_block *b);

/* Frees b's heap parts and empties it; b may be NULL. */
void pouw_block_clear(pouw_block *b);

/* Assembles a block from a header h (with its final nonce and time), the attempt
 * a run on it, the transactions txs[0..n_txs), the ledger after them and the
 * committed job (NULL when generated; must be canonical). Copies everything.
 * Returns: POUW_OK, POUW_ELIMIT (a->n above POUW_MAX_SESSIONS or n_txs above
 * POUW_BLOCK_MAX_TXS), POUW_ENOMEM (b is then empty).
 * Out: b (previous contents freed). */
__attribute__((warn_unused_result)) pouw_status pouw_block_build(pouw_block *b, const pouw_header *h,
                                                                 const pouw_attempt *a, const pouw_tx *txs,
                                                                 size_t n_txs, const pouw_ledger *ledger,
                                                                 const bse_case *job);

/* Makes dst an independent copy of src. Returns: POUW_OK or POUW_ENOMEM (dst
 * empty). Out: dst (previous contents freed). */
__attribute__((warn_unused_result)) pouw_status pouw_block_copy(pouw_block *dst, const pouw_block *src);

/* Writes b as the JSON document above, indented for people, ending in a newline.
 * Returns: POUW_OK; POUW_ENOMEM; POUW_ERANGE (an integer outside the document's
 * range or a non-finite float: such a block cannot be written).
 * Out: *json (malloc'd, NUL-terminated; caller frees; NULL on error), *len. */
__attribute__((warn_unused_result)) pouw_status pouw_block_to_json(char **json, size_t *len, const pouw_block *b);

/* Parses a block document from json[0..len) (no NUL needed). path names the
 * source in err.
 * Returns: POUW_OK; POUW_EFORMAT (not JSON, too deep or too large: err->field is
 * "line N" or empty; a field missing, mistyped, out of range, unknown or
 * repeated: err->field is its JSON path, e.g. "proof.sessions[2].d"); POUW_ENOMEM.
 * Out: b (previous contents freed; empty on error), err (may be NULL).
 * Allocates the parse tree (freed before return) and b's heap parts. */
__attribute__((warn_unused_result)) pouw_status pouw_block_parse(pouw_block *b, common_error *err, const char *path,
                                                                 const char *json, size_t len);

/* The bytes of the document json[0..len) before its ledger: the offset of the
 * last `"ledger"` in the text (len when there is none). For a well-formed
 * document (the ledger and sequences last, holding only hex keys and integers)
 * this is where the ledger member begins, so the block limit (s11.9
 * max_block_bytes, counted without the ledger) is checked before any parsing,
 * in time proportional to the ledger's text only. Cannot fail. */
size_t pouw_block_body_bytes(const char *json, size_t len);

/* Reads and parses a block file.
 * Returns: POUW_OK; POUW_EIO (cannot open or read it, or larger than
 * POUW_BLOCK_MAX_BYTES; the message has strerror); codes of pouw_block_parse.
 * Out: b, err (may be NULL). */
__attribute__((warn_unused_result)) pouw_status pouw_block_load(pouw_block *b, common_error *err, const char *path);

/* Writes b's JSON to path crash-safely (temp file, fsync, rename: common_buf_write_file).
 * Returns: POUW_OK; codes of pouw_block_to_json; POUW_EIO (err has strerror).
 * Out: err (may be NULL). */
__attribute__((warn_unused_result)) pouw_status pouw_block_save(const pouw_block *b, common_error *err,
                                                                const char *path);

/* 1 if a and b are the same block field by field (doubles bit for bit), else 0. */
int pouw_block_equal(const pouw_block *a, const pouw_block *b);

/* 1 if a and b are the same transaction field by field, else 0. */
int pouw_tx_equal(const pouw_tx *a, const pouw_tx *b);

/* Writes tx as its standalone JSON document (TX above) on one line, ending in a
 * newline. Returns: POUW_OK; POUW_ENOMEM; POUW_ERANGE (an unknown type, or an
 * amount, fee, height, sequence outside the document's range).
 * Out: *json (malloc'd, NUL-terminated; caller frees; NULL on error), *len. */
__attribute__((warn_unused_result)) pouw_status pouw_tx_to_json(char **json, size_t *len, const pouw_tx *tx);

/* Parses a standalone transaction document (TX above; at most
 * POUW_TX_JSON_MAX_BYTES, same rules as a block document: every key required,
 * none unknown or repeated, ranges, hex) from json[0..len). It checks the form
 * only: whether the transfer is signed, for which chain, and spendable is the
 * ledger rule's (pouw/tx.h). path names the source in err.
 * Returns: POUW_OK; POUW_EFORMAT (err->field the JSON path, e.g. "signature",
 * or "line N"); POUW_ENOMEM. Out: tx (zeroed on error), err (may be NULL).
 * Allocates the parse tree, freed before return. */
__attribute__((warn_unused_result)) pouw_status pouw_tx_parse(pouw_tx *tx, common_error *err, const char *path,
                                                              const char *json, size_t len);

#endif /* POUW_BLOCK_H */
