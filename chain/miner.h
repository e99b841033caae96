/* chain/miner.h - mining the next block of a chain on a store: the block's
 * transactions (coinbase, then the mempool's choice under the next block's
 * rules), the search (pouw_mine) and the store's judgement of the result by
 * every rule (chain/validate.h's verifier), the miner's own block included.
 *
 * Thread-safety: as the store (one thread per store).
 */
#ifndef CHAIN_MINER_H
#define CHAIN_MINER_H

#include <stddef.h>
#include <stdint.h>

#include "common/error.h"
#include "chain/params.h"
#include "chain/status.h"
#include "chain/store.h"
#include "pouw/block.h"
#include "pouw/mine.h"

#define CHAIN_MINE_TRANSFERS 1000 /* transfers a mined block takes from the mempool by default */

/* How to mine. {0} plus threads is a valid choice. */
typedef struct chain_mine_opts {
    unsigned threads;
    uint64_t max_attempts;                 /* 0: no limit */
    uint64_t start_nonce;                  /* below POUW_NONCE_LIMIT */
    uint64_t (*clock_ms)(void *user);      /* NULL: time = the parent's median time past + 1 */
    void *clock_user;
    int (*progress)(void *user, const pouw_mine_stats *stats);
    void *progress_user;
    int stop_on_change;                    /* stop with CHAIN_ESTALE after an attempt when another
                                              writer changed the store (chain_store_changed) */
    size_t max_transfers;                  /* mempool transfers to take (0: CHAIN_MINE_TRANSFERS) */
    int no_transfers;                      /* 1: coinbase only (no mempool) */
    chain_store_add_result *added;         /* out, may be NULL: what storing the block did */
} chain_mine_opts;

/* The next block of a chain before its search: the header with every field
 * but the nonce and time (prev = the best tip, the targets the retarget rule
 * demands, tx_root, ledger_root), its transactions and the ledger after it. */
typedef struct chain_mine_job {
    pouw_mine_params mp;       /* header, work, min_time_ms (the tip's median time past + 1) */
    pouw_tx *txs;              /* the coinbase, then the transfers (malloc'd) */
    size_t n_txs;
    pouw_ledger ledger;        /* after the block */
    uint8_t tip[32];           /* the parent */
    uint64_t height;
} chain_mine_job;

/* Mining in three calls (chain_mine_block is the three in a row):
 * template  refreshes s and builds the job on its best tip paid to miner32 (the
 *           transactions and ledger as described under chain_mine_block; uses
 *           opts->no_transfers and max_transfers). Out: j (free with
 *           chain_mine_job_clear; zeroed on error).
 * solve     searches (pouw_mine) from opts->start_nonce with opts' threads,
 *           clock, max_attempts, progress and stop_on_change, and builds the
 *           block (b). Touches the store only to watch it (stop_on_change).
 *           Returns CHAIN_OK; CHAIN_ESTOPPED; CHAIN_ESTALE; CHAIN_EWORK;
 *           CHAIN_ENOMEM.
 * submit    offers b to the store (chain_store_add: every rule, the miner's own
 *           block included; a block the verifier rejects is not stored:
 *           CHAIN_EINVALID or CHAIN_EMALFORMED). Out: added (may be NULL). */
__attribute__((warn_unused_result)) chain_status chain_mine_template(chain_mine_job *j, common_error *err,
                                                                     chain_store *s, const uint8_t miner32[32],
                                                                     const chain_mine_opts *opts);
__attribute__((warn_unused_result)) chain_status chain_mine_solve(pouw_block *b, pouw_mine_stats *stats,
                                                                  common_error *err, chain_store *s,
                                                                  const chain_mine_job *j,
                                                                  const chain_mine_opts *opts);
__attribute__((warn_unused_result)) chain_status chain_mine_submit(chain_store *s, chain_store_add_result *added,
                                                                   common_error *err, const pouw_block *b);
void chain_mine_job_clear(chain_mine_job *j);

/* Refreshes s, builds the next block on its best tip paid to miner32 (the
 * coinbase of the chain's reward, then the transfers chain_store_tx_select picks
 * for the tip's ledger under the next block's rules (chain_store_rules:
 * min_new_account, coinbase maturity); ledger = the tip's with them applied
 * under those rules (pouw_ledger_apply_block; the coinbase alone when they do
 * not apply), fees to miner32),
 * mines it (pouw_mine) and, when found, offers it to the store (chain_store_add:
 * judged by the store's verifier like any block, then stored in one transaction
 * with fork choice; a block the verifier rejects is not stored: CHAIN_EINVALID or
 * CHAIN_EMALFORMED). The block may end up on a side branch when
 * another writer stored a block of equal or more work meanwhile: opts->added
 * says.
 * Returns: CHAIN_OK; CHAIN_ESTOPPED (max_attempts or progress stop; nothing
 * stored); CHAIN_ESTALE (stop_on_change); CHAIN_EWORK; codes of the store.
 * Out: b (the new block), stats (may be NULL), err. */
__attribute__((warn_unused_result)) chain_status chain_mine_block(pouw_block *b, pouw_mine_stats *stats,
                                                                  common_error *err, chain_store *s,
                                                                  const uint8_t miner32[32],
                                                                  const chain_mine_opts *opts);

#endif /* CHAIN_MINER_H */
