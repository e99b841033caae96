/* chain/economy/sim.h - the economy in one process on simulated time (economy.md
 * s6 "sim mode"): miners, an exchange (chain/exchange/clearing.h) and traders
 * (chain/economy/agent.h), deterministic for a seed at any thread count.
 *
 * Time. The run advances in steps of config.step_s. Inside a step, blocks are an
 * exponential race: miner i makes attempts at rate r_i on the chain its policy
 * picks, each passing with probability p_c = (floor pass rate of chain c) x
 * (post-hash lottery at the targets its next block needs), so the next block
 * comes after Exp(sum r_i p_c) and belongs to miner i with probability
 * r_i p_c / sum. The winning block is then REALLY mined (chain/miner.h
 * chain_mine_block: real nonces, real sessions, the header time = the simulated
 * instant) and stored in OUT/chains (DIR/chains.db, which `chain verify`
 * accepts), its coinbase to the winner. Retargeting therefore answers the race
 * exactly as it would answer real miners. After the blocks of a step, the
 * deposits and withdrawals it causes are sent as signed transfers (they enter
 * the next blocks), then every trader due steps: all see the state at the same
 * instant (so the step may run on threads) and their actions are applied in
 * agent order.
 *
 * Bootstrap. Initial exchange holdings are the coinbases of blocks the
 * exchange's own account mines before t = 0 (spaced by the chain's target
 * interval), granted to the agents (the rest to the house account, which never
 * trades), so every chain's coins equal reward x height and custody is real.
 *
 * Checks, every run: the custody invariant after every exchange event (with
 * config.check_custody): whole (chain_ex_check: escrow, books, coins) in runs of
 * at most CHAIN_ECON_FULL_CHECK_AGENTS agents; in larger runs its coin equation
 * (chain_ex_check_fast, O(1)) after every event and the whole of it every
 * CHAIN_ECON_FULL_CHECK_EVERY events and at the end; the exchange's ledger balance after every block equal
 * to bootstrap + deposits - withdrawals included in the best chain, and at the
 * end every chain's coins = reward x height, no negative balance.
 *
 * Outputs in OUT (CSV with a header row, libcsv; each written to a temporary
 * name and renamed at the end, so an interrupted run leaves no half file):
 *   blocks.csv    chain, height, time_s, miner, txs, pps, attempts, post_bits (hex), pass
 *                 (the chance an attempt had of making this block: the race's p_c)
 *   trades.csv    time_s, pair, price, qty, buyer, seller, buy_id, sell_id, taker
 *   prices.csv    period_start_s, pair, open, high, low, close, vwap, volume, trades
 *   balances.csv  time_s, agent, <COIN>_chain, <COIN>_exchange (free+locked-owed) per coin, fiat, value_alpha
 *   books.csv     time_s, pair, best_bid, best_ask, spread, bid_depth, ask_depth
 *   mining.csv    period_start_s, agent, chain, rate, blocks
 *   errors.csv    time_s, agent, error   (every refused action: the agents' own log)
 *   run.json      the sidecar: config, seed, code version, threads, wall time, figures, checks
 * A live run's files have the same columns (`econ export`, chain/economy/export.h):
 * no mining.csv, and blocks.csv's attempts empty (live miners do not report them).
 * Prices are quote coins per base coin (4 decimals), quantities and balances
 * coins (6 decimals), both printed exactly from integers. OUT/chains/economy.json
 * is the monitor's snapshot (chain/report.h), rewritten every period.
 */
#ifndef CHAIN_ECONOMY_SIM_H
#define CHAIN_ECONOMY_SIM_H

#include <stdint.h>

#include "chain/economy/config.h"
#include "common/error.h"

#define CHAIN_ECON_FULL_CHECK_AGENTS 64
#define CHAIN_ECON_FULL_CHECK_EVERY 4096

typedef struct chain_econ_sim_opts {
    unsigned threads;          /* trader steps and mining sessions (results do not depend on it) */
    int progress;              /* 1: progress line on stderr (a terminal) */
    int (*stop)(void *user);   /* non-zero: stop at the next step (exit 3) */
    void *stop_user;
    const char *prog;          /* for messages ("econ") */
} chain_econ_sim_opts;

typedef struct chain_econ_summary {
    uint64_t blocks[CHAIN_EX_COINS];  /* blocks mined during the run (bootstrap excluded) */
    uint64_t bootstrap[CHAIN_EX_COINS];
    uint64_t heights[CHAIN_EX_COINS];
    uint64_t trades, orders, refusals;
    uint64_t custody_checks;          /* after every exchange event */
    uint64_t custody_full_checks;     /* of them, the whole invariant (chain_ex_check) */
    int custody_ok;                   /* 1: every check held */
    int supply_ok;                    /* 1: coins = reward x height, no negative balance, on every chain */
    double wall_s;
} chain_econ_summary;

/* Runs the economy of cfg into out_dir (created; it must not hold a run already).
 * Returns 0 done; 1 the work failed (err says why: an invariant, mining, the
 * store); 2 bad input (out_dir unusable or already used; an external agent that
 * cannot start); 3 stopped by o->stop (outputs so far kept, marked partial).
 * Out: sum, err. */
int chain_econ_sim_run(const chain_econ_config *cfg, const char *out_dir, const chain_econ_sim_opts *o,
                       chain_econ_summary *sum, common_error *err);

#endif /* CHAIN_ECONOMY_SIM_H */
