/* chain/mempool.h - pending signed transfers of one chain, shared by processes.
 *
 * CONTRACT between the store/mining code (chain/node.c, chain/store.c) and the
 * transfer code (pouw/tx.c, chain/mempool.c). The mempool of a chain lives in its
 * chain folder (DIR/<chain>/mempool/, one file per transaction named by its id),
 * so every miner process on the data directory sees every submitted transfer.
 * All writes are crash-safe (temp file, fsync, rename) and a reader never sees a
 * half-written transaction. Functions here take the chain folder (DIR/<chain>).
 *
 * Rules (economy.md s1): a transfer names chain, from, to, amount, sequence and
 * fee and is signed by `from`; applying it takes amount + fee from `from`, gives
 * amount to `to` and the fee to the block's miner (so coins are only created by
 * coinbases); its sequence must be the sender's next one (no replay).
 *
 * Thread-safety: one call at a time per process; processes coordinate through
 * the files (and, where needed, an advisory lock on DIR/<chain>/mempool.lock).
 */
#ifndef CHAIN_MEMPOOL_H
#define CHAIN_MEMPOOL_H

#include <stddef.h>
#include <stdint.h>

#include "common/error.h"
#include "chain/status.h"
#include "pouw/tx.h"

/* LAYOUT AND BEHAVIOUR (chain/mempool.c).
 *   DIR/<chain>/mempool/<id hex>.json   one transfer: its standalone JSON document
 *                                       (pouw/block.h pouw_tx_to_json, one line),
 *                                       named by its id (SHA-256 of its encoding)
 *   DIR/<chain>/mempool.lock            flock(2) taken by writers (add, return,
 *                                       prune), so a prune never interleaves with
 *                                       a return; readers take no lock
 * A file is written with common_buf_write_file (temp file "<name>.tmp.XXXXXX" in
 * the same folder, fsync, rename): the same transfer always has the same name
 * and the same bytes, so concurrent writers of it are harmless, and a reader
 * sees a whole file or none. Files that vanish while being read (pruned by
 * another process) are skipped silently. Files that cannot be used - not
 * parsable as a transfer, larger than POUW_TX_JSON_MAX_BYTES, named otherwise
 * than their id, or failing pouw_tx_check for the chain (forged, another
 * chain's, absurd amounts) - are ignored, never believed, and reported: counted
 * in a chain_mempool_report by chain_mempool_list and, by chain_mempool_select
 * and chain_mempool_prune, described in err as a notice (err->code stays 0 while
 * the call returns CHAIN_OK; err->path names the first such file). Only the
 * first CHAIN_MEMPOOL_MAX_FILES names (in name order) are read.
 * The chain of the folder (its chain_id, for rule step 3) is the built-in or
 * testnet chain's named like the folder (alpha, bravo, charlie, test-alpha...),
 * else the chain_id of its genesis block file (blocks/00000000-*.json; chains
 * made up by tests).
 * Sequence numbers start at 0 (pouw/tx.h): an account's first transfer has
 * sequence 0.
 */

#define CHAIN_MEMPOOL_MAX_FILES 100000

/* What a scan of a mempool folder found. */
typedef struct chain_mempool_report {
    size_t files;      /* "*.json" files looked at */
    size_t ignored;    /* of them, unusable (see above) */
    common_error first;   /* the first ignored file: path, field, why (code 0 when none ignored) */
} chain_mempool_report;

/* Adds a transfer after checking what can be checked without a ledger (type,
 * chain, signature, amounts) and, when tip_ledger is not NULL, that it is
 * spendable on it. A transfer already present is not an error.
 * Spendable means: applicable (pouw/tx.h rule, fee not credited) on tip_ledger
 * after the sender's pending transfers of the sequences between its next one on
 * tip_ledger and tx->sequence (the first of each sequence, by fee then id, that
 * applies), so a sender may queue several transfers; a sequence already used on
 * tip_ledger (a replay) or a missing one in between is refused (tx_sequence).
 * Returns: CHAIN_OK; CHAIN_EINVALID (err names the reason: err->msg starts with
 * the pouw_reason_name - "tx_signature: ", "tx_chain: ", "tx_sequence: ",
 * "tx_overspend: ", "tx_overflow: ", "tx: " - and err->field is the transfer's
 * field: "signature", "chain_id", "sequence", "amount", "fee" or "type");
 * CHAIN_EUNKNOWN (the folder's chain cannot be told); CHAIN_EIO; CHAIN_ENOMEM. */
__attribute__((warn_unused_result)) chain_status chain_mempool_add(common_error *err, const char *chaindir,
                                                                   const pouw_tx *tx, const pouw_ledger *tip_ledger);

/* Chooses up to max transfers that can be applied, in order, on top of
 * tip_ledger (each sender's transfers in sequence order; ties by fee, then id),
 * for the next block. Invalid or already-applied ones are skipped (not removed).
 * Deterministic: the same files and ledger give the same list. Greedy: at each
 * step, of every sender's applicable transfer with its next sequence (highest
 * fee, then lowest id, of that sequence) the one with the highest fee, then the
 * lowest id, is taken. Fees are not credited while choosing (the miner is not
 * known here), so the chosen list applies all the more once they are; the
 * caller puts it after the coinbase (pouw_ledger_apply).
 * Returns: CHAIN_OK (err may hold a notice, see above); CHAIN_EIO;
 * CHAIN_EUNKNOWN; CHAIN_ENOMEM.
 * Out: *txs (malloc'd array, caller frees; NULL when *n is 0), *n. */
__attribute__((warn_unused_result)) chain_status chain_mempool_select(pouw_tx **txs, size_t *n, common_error *err,
                                                                      const char *chaindir,
                                                                      const pouw_ledger *tip_ledger, size_t max);

/* Puts the transfers of orphaned blocks (coinbases are ignored) back into the
 * mempool, after a reorganisation. Returns as chain_mempool_add. */
__attribute__((warn_unused_result)) chain_status chain_mempool_return(common_error *err, const char *chaindir,
                                                                      const pouw_tx *txs, size_t n);

/* Removes transfers that can never apply again on top of tip_ledger (sequence
 * already used), and transfer files that can never apply anywhere (bad
 * signature, another chain, amounts out of range). Unparsable files are left
 * (and reported). Returns: CHAIN_OK; CHAIN_EIO; CHAIN_EUNKNOWN; CHAIN_ENOMEM.
 * Out: removed (may be NULL). */
__attribute__((warn_unused_result)) chain_status chain_mempool_prune(size_t *removed, common_error *err,
                                                                     const char *chaindir,
                                                                     const pouw_ledger *tip_ledger);

/* Reads every usable transfer of the mempool, sorted by id.
 * Returns: CHAIN_OK; CHAIN_EIO (the folder cannot be read; no folder is an
 * empty mempool); CHAIN_EUNKNOWN (the folder's chain cannot be told);
 * CHAIN_ENOMEM. Out: *txs (malloc'd, caller frees; NULL when *n is 0), *n,
 * report (may be NULL), err. */
__attribute__((warn_unused_result)) chain_status chain_mempool_list(pouw_tx **txs, size_t *n,
                                                                    chain_mempool_report *report, common_error *err,
                                                                    const char *chaindir);

/* The sequence the next transfer of account `from` should carry: its next
 * sequence on tip_ledger, then one more for each pending transfer of it in the
 * mempool with the following sequences (0, 1, 2... with none missing).
 * Returns: CHAIN_OK; codes of chain_mempool_list. Out: seq (0 on error), err. */
__attribute__((warn_unused_result)) chain_status chain_mempool_next_sequence(uint64_t *seq, common_error *err,
                                                                             const char *chaindir,
                                                                             const pouw_ledger *tip_ledger,
                                                                             const uint8_t from[POUW_ACCOUNT_BYTES]);

#endif /* CHAIN_MEMPOOL_H */
