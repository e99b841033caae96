/* chain/mining.h - a miner over the chains of one data directory: which chain to
 * mine next (chain/policy.h; greedy values rewards at the prices of
 * DIR/economy.json, chain/report.h), the miner's balance on each best tip, the
 * nonce each chain's search resumes at, and one block at a time through
 * chain/miner.h. What `pouw mine` and a node's miner thread (chain/net/node.h)
 * run; the programs keep only their options, output lines and signals.
 *
 * THE LOOP (economy.md s3: a policy is asked before every attempt). The first
 * chain_mining_next reads every chain's balance and asks the policy. Each call
 * then mines on the chosen chain from the nonce where that chain's last search
 * stopped; after every attempt it re-reads the other chains' balances and asks
 * the policy again, and stops the search when the answer changed (the next
 * call mines the new chain; the old one resumes at its nonce later). After a
 * block (or a stale tip) every balance is read again and the policy asked.
 * With use_policy 0 only chain 0 is mined.
 *
 * Thread-safety: a chain_mining value and the stores it borrows belong to one
 * thread.
 */
#ifndef CHAIN_MINING_H
#define CHAIN_MINING_H

#include <stddef.h>
#include <stdint.h>

#include "common/error.h"
#include "chain/miner.h"
#include "chain/params.h"
#include "chain/policy.h"
#include "chain/status.h"
#include "chain/store.h"
#include "pouw/block.h"
#include "pouw/mine.h"

typedef struct chain_mining chain_mining;

/* What the attempt callback is told. */
typedef struct chain_mining_progress {
    unsigned chain;               /* index into the stores */
    uint64_t height;              /* of the block sought */
    int64_t threshold_micro;      /* the PPS threshold it needs */
    const pouw_mine_stats *stats; /* of this search so far */
} chain_mining_progress;

typedef struct chain_mining_opts {
    const char *datadir;          /* DIR/economy.json for greedy's prices (NULL: 1:1:1) */
    int use_policy;               /* 0: mine chain 0 only */
    chain_policy_kind policy;
    uint64_t seed;                /* of the random policy */
    unsigned threads;
    uint64_t (*clock_ms)(void *user); /* block time (NULL: the parent's median time past + 1) */
    void *clock_user;
    /* asked after every attempt: non-zero stops the search (CHAIN_ESTOPPED) */
    int (*stop)(void *user);
    void *stop_user;
    /* told after every attempt (a progress line); may be NULL */
    void (*attempt)(void *user, const chain_mining_progress *p);
    void *attempt_user;
    /* told about an error reading another chain's balance during a search (the
     * search goes on); may be NULL */
    void (*notice)(void *user, const common_error *e);
    void *notice_user;
} chain_mining_opts;

/* What one chain_mining_next did. */
typedef struct chain_mining_result {
    unsigned chain;               /* the chain mined (index into the stores) */
    uint64_t height;              /* of the block sought */
    pouw_mine_stats stats;
    chain_store_add_result added; /* CHAIN_OK: what storing the block did */
    int switched;                 /* CHAIN_ESTOPPED because the policy chose another chain */
} chain_mining_result;

/* A miner paid to miner32 over stores[0..n) (1 <= n <= CHAIN_COUNT; borrowed: they
 * must outlive m; opened with a verifier). Returns CHAIN_OK; CHAIN_ENOMEM;
 * CHAIN_EPARAMS (n out of range). Reads nothing yet. */
__attribute__((warn_unused_result)) chain_status chain_mining_open(chain_mining **m, common_error *err,
                                                                   chain_store *const *stores, unsigned n,
                                                                   const uint8_t miner32[32],
                                                                   const chain_mining_opts *o);
void chain_mining_close(chain_mining *m);

/* Mines on the chain the policy names until: a block is stored (CHAIN_OK; b
 * holds it, r->added says whether it is the best tip); the policy names another
 * chain (CHAIN_ESTOPPED, r->switched); another writer moved the chain's tip
 * (CHAIN_ESTALE); opts.stop (CHAIN_ESTOPPED); or an error (codes of
 * chain/miner.h and the store; err says). Out: b (cleared unless CHAIN_OK), r. */
__attribute__((warn_unused_result)) chain_status chain_mining_next(chain_mining *m, pouw_block *b,
                                                                   chain_mining_result *r, common_error *err);

/* The miner's balance (units) on chain i's best tip as last read. */
int64_t chain_mining_balance(const chain_mining *m, unsigned i);

#endif /* CHAIN_MINING_H */
