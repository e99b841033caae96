/* experiments/forge.h - a test bed for the security experiments E5 (binding) and E6
 * (lazy miner): two small chains (the testnet's test-alpha and test-bravo, chain/params.h)
 * mined honestly into a temporary folder, and the tools an attacker has: re-grinding the
 * pre-hash of an edited header, re-scoring a proof consistently, re-applying the ledger.
 * Every verdict is the real verifier's (chain_verify_block -> pouw_verify_block).
 *
 * Mining uses no clock (block time = parent's median time past + 1) and fixed miner keys,
 * so the same blocks are mined on every run; verdicts use the clock genesis + 1 day.
 * Thread-safety: a test bed is one caller's value.
 */
#ifndef EXPERIMENTS_FORGE_H
#define EXPERIMENTS_FORGE_H

#include <stddef.h>
#include <stdint.h>

#include "chain/params.h"
#include "common/error.h"
#include "experiments/driver.h"
#include "pouw/block.h"
#include "pouw/keys.h"
#include "pouw/verify.h"

/* An open chain store (chain/store.h) - opaque, so that only forge.c depends on the
 * store's interface. */
typedef struct experiments_chain experiments_chain;

/* Opens (creating, with its genesis) chain p's store in data folder dir.
 * Returns 0, or -1 with err. Out: *out (close with experiments_chain_close). */
int experiments_chain_open(experiments_chain **out, common_error *err, const char *dir, const chain_params *p,
                           unsigned threads);
/* Closes c (NULL is fine). */
void experiments_chain_close(experiments_chain *c);
/* Mines and stores the next block on c's best tip, paid to miner32, coinbase only, with
 * no clock (time = the parent's median time past + 1: the same block every run).
 * Returns 0, or -1 with err. Out: b, *attempts (may be NULL). */
int experiments_chain_mine(experiments_chain *c, pouw_block *b, uint64_t *attempts, common_error *err,
                           const uint8_t miner32[32], unsigned threads);
/* Loads the best chain's block at height h. Returns 0 or -1 with err. Out: b. */
int experiments_chain_load(experiments_chain *c, pouw_block *b, uint64_t h, common_error *err);
/* The real verifier's verdict on b against c with clock now_ms: 1 accepted, 0 rejected
 * (*reason), -1 the check could not complete. */
int experiments_chain_verdict(experiments_chain *c, const pouw_block *b, uint64_t now_ms, unsigned threads,
                              pouw_reason *reason);

#define EXPERIMENTS_TB_CHAINS 2
#define EXPERIMENTS_TB_MAX_BLOCKS 256

typedef struct experiments_testbed {
    char dir[256];
    const chain_params *p[EXPERIMENTS_TB_CHAINS];
    experiments_chain *chain[EXPERIMENTS_TB_CHAINS];
    pouw_key key;     /* the honest miner */
    pouw_key other;   /* another account */
    size_t n;         /* blocks mined per chain above genesis */
    pouw_block blk[EXPERIMENTS_TB_CHAINS][EXPERIMENTS_TB_MAX_BLOCKS + 1]; /* heights 0..n */
    unsigned threads;
    uint64_t now_ms;
} experiments_testbed;

/* Creates a temporary data folder, opens test-alpha and test-bravo there and mines n
 * blocks on each (n <= EXPERIMENTS_TB_MAX_BLOCKS). Returns 0, or -1 with err.
 * Out: tb (close with experiments_testbed_close, also after an error). Allocates. */
int experiments_testbed_open(experiments_testbed *tb, size_t n, unsigned threads, common_error *err);

/* Closes the stores, frees the blocks and removes the folder. */
void experiments_testbed_close(experiments_testbed *tb);

/* E5's and E6's start: a test bed allocated and opened with n blocks per chain on
 * r->threads threads (progress "ID: mining n blocks on two test chains"). Returns it
 * (experiments_testbed_free), or NULL with err. */
experiments_testbed *experiments_testbed_start(experiments_run *r, size_t n, common_error *err);

/* Closes and frees a test bed of experiments_testbed_start (NULL is ignored). */
void experiments_testbed_free(experiments_testbed *tb);

/* The sidecar's config (the chains, n blocks per chain, the verifier, the clock) and
 * seeds ("blocks 1:n+1 of each chain") of a test bed of n blocks. */
void experiments_testbed_describe(const experiments_testbed *tb, size_t n, char *cfg, size_t ncfg, char *seeds,
                                  size_t nseeds);

/* The real verifier's verdict on b as a block of chain k of the test bed.
 * Returns 1 accepted, 0 rejected (*reason says why), -1 the check could not complete. */
int experiments_testbed_verdict(experiments_testbed *tb, size_t k, const pouw_block *b, pouw_reason *reason);

/* Re-grinds b's pre-hash: searches nonces from 0 for one whose pre-hash of the (edited)
 * header meets its gate; sets header.nonce and pre_hash. The proof is left as it is.
 * Returns 0 or -1. */
int experiments_regrind(pouw_block *b);

/* Re-scores b's proof consistently: pps = mean of proof pps_i, pps_micro, post_hash from
 * pre_hash, the outcome of the d_i and pps_micro. Returns 0 or -1. */
int experiments_rescore(pouw_block *b);

/* Recomputes tx_root and the ledger (chain k's parent ledger with b's transactions,
 * fees to the miner) after b's transactions or miner changed. Returns 0 or -1. */
int experiments_relink(experiments_testbed *tb, size_t k, pouw_block *b);

/* Removes the folder dir and everything under it (no symlinks followed). */
void experiments_rmtree(const char *dir);

#endif /* EXPERIMENTS_FORGE_H */
