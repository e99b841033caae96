/* chain/economy/onchain.h - what both economy modes read of a block on chain
 * (sim.c on simulated time, live_exchange.c on the live chains, export.c): the
 * exchange's transfers it carries (deposits to the exchange's account,
 * withdrawals from it), the deposit ids, and the chance an attempt had of making
 * a block at a post target (the `pass` column of blocks.csv).
 *
 * Thread-safety: pure functions.
 */
#ifndef CHAIN_ECONOMY_ONCHAIN_H
#define CHAIN_ECONOMY_ONCHAIN_H

#include <stdint.h>

#include "chain/params.h"
#include "pouw/block.h"
#include "pouw/tx.h"

/* Called for one transfer of the exchange: withdrawal 0 for a transfer to its
 * account (a deposit candidate: who sent it is tx->from), 1 for one from it.
 * txid is the transfer's id. Non-zero stops the scan. */
typedef int (*chain_econ_xfer_fn)(void *user, const pouw_tx *tx, const uint8_t txid[32], int withdrawal);

/* Calls fn, in block order, for every transfer of b to or from ex_pub whose id
 * can be computed. Returns fn's first non-zero return (the scan stopped there),
 * else 0. */
int chain_econ_block_transfers(const pouw_block *b, const uint8_t ex_pub[32], chain_econ_xfer_fn fn, void *user);

/* A deposit's id: the first 8 bytes of its transfer id, little-endian. */
uint64_t chain_econ_deposit_id(const uint8_t txid[32]);

/* The chance one attempt makes a block of chain p at post target post_bits (0:
 * no target): the floor's pass rate (floor_pass_ppm, 0.5 when unknown) times the
 * post-hash lottery (1 / the target's work). Returns -1 when post_bits does not
 * decode. */
double chain_econ_pass_chance(const chain_params *p, uint32_t post_bits);

#endif /* CHAIN_ECONOMY_ONCHAIN_H */
