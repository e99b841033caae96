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

#include "bse/error.h"
#include "chain/status.h"
#include "pouw/tx.h"

/* Adds a transfer after checking what can be checked without a ledger (type,
 * chain, signature, amounts) and, when tip_ledger is not NULL, that it is
 * spendable on it. A transfer already present is not an error.
 * Returns: CHAIN_OK; CHAIN_EINVALID (err names the reason); CHAIN_EIO; CHAIN_ENOMEM. */
__attribute__((warn_unused_result)) chain_status chain_mempool_add(bse_error *err, const char *chaindir,
                                                                   const pouw_tx *tx, const pouw_ledger *tip_ledger);

/* Chooses up to max transfers that can be applied, in order, on top of
 * tip_ledger (each sender's transfers in sequence order; ties by fee, then id),
 * for the next block. Invalid or already-applied ones are skipped (not removed).
 * Returns: CHAIN_OK; CHAIN_EIO; CHAIN_ENOMEM.
 * Out: *txs (malloc'd array, caller frees; NULL when *n is 0), *n. */
__attribute__((warn_unused_result)) chain_status chain_mempool_select(pouw_tx **txs, size_t *n, bse_error *err,
                                                                      const char *chaindir,
                                                                      const pouw_ledger *tip_ledger, size_t max);

/* Puts the transfers of orphaned blocks (coinbases are ignored) back into the
 * mempool, after a reorganisation. Returns as chain_mempool_add. */
__attribute__((warn_unused_result)) chain_status chain_mempool_return(bse_error *err, const char *chaindir,
                                                                      const pouw_tx *txs, size_t n);

/* Removes transfers that can never apply again on top of tip_ledger (sequence
 * already used). Returns: CHAIN_OK; CHAIN_EIO. Out: removed (may be NULL). */
__attribute__((warn_unused_result)) chain_status chain_mempool_prune(size_t *removed, bse_error *err,
                                                                     const char *chaindir,
                                                                     const pouw_ledger *tip_ledger);

#endif /* CHAIN_MEMPOOL_H */
