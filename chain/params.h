/* chain/params.h - the parameters of the three coin chains and their test
 * chains, fixed in genesis (spec pouw.md s11, consensus version 2), and the
 * requirements a block must meet at its place.
 *
 * One code base, three chains; they differ in chain_id, name, block interval and
 * the size of the useful work. All: reward 1000 coins (10^9 units: 1 coin = 10^6
 * units, s11.12), generated environments of
 * equal cost (pouw/env.h), mode lottery (s11.2): validity = the usefulness floor
 * AND post_hash <= the post-hash target; only post_bits retargets.
 *
 * MEASUREMENT (version 2). `bin/pouwbench pps-dist --chain NAME --samples N
 * --pass 0.9 --threads 1` on the fixed pre-hashes SHA-256("pouwbench" ||
 * u64le(k)), equal-cost environments (24 traders per side, 12 responders), on
 * the development VM (2 cores shared with other builds, so the seconds are
 * wall-clock under load):
 *
 *   chain    template (duration, interval)   n  samples  q10 of PPS  floor    pass in sample
 *   alpha     7200 s, 30 s, periodic         2    400      4.267     4.26     0.90
 *   bravo    14400 s, 30 s, periodic         2    300      4.233     4.26     ~0.89
 *   charlie  28800 s, 30 s, periodic         2    240      4.235     4.26     ~0.89
 * (one floor for the three: PPS hardly depends on the duration)
 *
 * The floor passes ~90% of attempts (>= 85%, s11.2), so a miner that screens
 * environments against it saves at most the ~10% that fail; floor_pass_ppm pins
 * the measured rate. The lottery: genesis post_bits 0x2017b425 (t ~ 2^256 /
 * 10.8), so a block costs 1 / (0.9 / 10.8) = 12 attempts (CHAIN_DESIGN_ATTEMPTS),
 * as in version 1 (an attempt of equal-cost environments costs what a v1 attempt
 * cost on average: v1 drew 24 + 1.5 traders per side, 13.5 of them responders).
 * The pre-hash gate (bits 0x1f03ffff, 1 nonce in 2^14) is fixed (s11.4): about 3
 * ms of an attempt (a few per cent). Re-measure and re-pin (pouwbench genesis,
 * chain/genesis_pins.h) whenever the engine or the environment generator changes.
 *
 * Why these durations: PRSH and PRDE adapt on BSE's 7200 s strategy clock; the
 * slower the chain, the more trained the strategies its blocks record.
 *
 * DIFFICULTY (chain/retarget.h has the rules as pure functions): the weight of a
 * block is chain_block_weight = floor(2^320 / (post_target + 1)); the post
 * target retargets every W blocks on median-time-past spans with the asymmetric
 * clamp (hardening at most c = clamp_num / clamp_den, easing at most 4x). Main
 * chains: W = 60, c = 11/10 (W (c+1)/(c-1) = 1260 >= 1000). Test chains: W = 5,
 * c = 2 (small on purpose: they retarget within seconds; not bounded like the
 * main chains, and not for real coins). max_future_ms = G/4 <= 2 h (s11.5).
 *
 * Limits (s11.9): max_block_bytes 1 MiB (the document before its ledger),
 * max_block_txs 2048 (2048 transfers of ~360 bytes fit the MiB). min_new_account and maturity (s11.8, s11.10) are genesis
 * constants carried here (1 coin = 10^6 units; 10 main, 2 test). Neither the
 * reward nor these enter a genesis block (no transactions, an empty ledger),
 * so changing them to units left the genesis ids as they were.
 *
 * Thread-safety: the built-in parameters are constant; functions are pure.
 */
#ifndef CHAIN_PARAMS_H
#define CHAIN_PARAMS_H

#include <stdint.h>

#include "bse/config.h"
#include "common/error.h"
#include "chain/retarget.h"
#include "chain/status.h"
#include "pouw/env.h"
#include "pouw/verify.h"

#define CHAIN_COUNT 3             /* built-in chains: alpha, bravo, charlie */
#define CHAIN_NAME_MAX 32
#define CHAIN_COIN POUW_COIN_UNITS /* units per coin (s11.12): amounts are integers of units */
#define CHAIN_REWARD (1000 * CHAIN_COIN) /* units per block, every chain: 1000 coins = 10^9 units */
#define CHAIN_MAX_FUTURE_MS (2u * 3600u * 1000u) /* the most max_future_ms may be (s11.5) */
#define CHAIN_MIN_NEW_ACCOUNT (1 * CHAIN_COIN) /* units a transfer creating an account carries at least
                                                 (s11.8): 1 coin */
#define CHAIN_MATURITY_MAX 1000u  /* maturity <= this (the immature blocks are read for each block) */
#define CHAIN_MEDIAN_SPAN 11      /* blocks in the median time past */
#define CHAIN_DESIGN_ATTEMPTS 12  /* the thresholds pass 1 attempt in this many (MEASUREMENT) */
#define CHAIN_PPS_SEGMENT ((uint64_t)1 << 20) /* S: pass units per quantile segment */
#define CHAIN_PPS_SEGMENTS_MAX 4096u          /* K <= this, so that D = K x S <= 2^32 */
#define CHAIN_PPS_SPREAD_MAX ((int64_t)1 << 40) /* q[K] - q[0] below this (no 64-bit overflow) */
#define CHAIN_WINDOW_MAX 10000u               /* retarget_window <= this */
#define CHAIN_INTERVAL_MAX 1000000u           /* target_interval_s <= this */

struct chain_store;

/* A chain's consensus parameters. A plain value; the built-in ones are constant.
 * Tests may build their own (a tiny template, easy targets). */
typedef struct chain_params {
    uint32_t chain_id;            /* 0 AlphaCoin, 1 BravoCoin, 2 CharlieCoin */
    char name[CHAIN_NAME_MAX];    /* "alpha": --chain and the data directory's folder */
    char coin[CHAIN_NAME_MAX];    /* "AlphaCoin" */
    uint32_t target_interval_s;   /* block interval target of the retarget rule */
    uint32_t retarget_window;     /* W: blocks per retarget (0: post_bits never changes) */
    uint32_t clamp_num, clamp_den;/* c = clamp_num / clamp_den: hardening per window at most c */
    int64_t reward;               /* coinbase amount, units */
    pouw_template tmpl;           /* session template (generated environments) */
    const bse_case *job;          /* committed job (canonical) or NULL: generated */
    pouw_requirements genesis_req;/* targets, threshold, mode, n and job digest at genesis */
    pouw_limits limits;           /* max_block_bytes, max_block_txs (s11.9) */
    uint32_t maturity;            /* coinbase maturity in blocks (s11.10) */
    int64_t min_new_account;      /* units a transfer creating an account carries at least (s11.8) */
    uint32_t floor_pass_ppm;      /* measured pass rate of the floor, parts per million (MEASUREMENT) */
    uint64_t max_future_ms;       /* time allowance ahead of the verifier's clock (<= min(2 h, G/4)) */
    uint64_t genesis_time_ms;     /* genesis header time */
    uint64_t genesis_nonce;       /* first nonce tried when building genesis */
    int genesis_pinned;           /* 1: genesis_id is the known genesis id */
    uint8_t genesis_id[32];       /* the genesis block id (post_hash) when pinned */
    const int64_t *pps_quantiles; /* a measured PPS table q[0..K] (statistics, not consensus) or NULL */
    uint32_t pps_segments;        /* K: 0 (no table) or 2..4096 */
} chain_params;

/* The built-in chain of that name ("alpha", "bravo", "charlie") or id (0, 1, 2).
 * Returns: a pointer to constant parameters, or NULL when there is none. */
const chain_params *chain_params_by_name(const char *name);
const chain_params *chain_params_by_id(uint32_t chain_id);

/* The i-th built-in chain, i in [0, CHAIN_COUNT). Returns NULL outside. */
const chain_params *chain_params_at(unsigned i);

/* TESTNET: three chains for tests and trials, never for real coins - folders
 * "test-alpha", "test-bravo", "test-charlie", chain ids 100, 101, 102, coins
 * TestAlphaCoin... They differ from the built-ins only in size: 60-second
 * sessions (milliseconds of work), a pre-hash gate passing half the nonces, a
 * threshold passing half the attempts (the median of their pinned table), block
 * intervals of 1, 2 and 4 s and a window of 5, so that several miner processes
 * produce dozens of blocks a minute and retarget within seconds. `bin/pouw
 * --testnet` uses them. Lookup by "alpha" or "test-alpha" (and so on), by id, or
 * by index; NULL when there is none. */
const chain_params *chain_testnet_by_name(const char *name);
const chain_params *chain_testnet_by_id(uint32_t chain_id);
const chain_params *chain_testnet_at(unsigned i);

/* Checks p's internal consistency: a known mode, post_bits 0 in mode pps and
 * decodable targets, sessions 1..POUW_MAX_SESSIONS, a valid template (it makes
 * a valid case), job digest zero iff no job and equal to the job's, reward in
 * range, a name usable as a folder name; retarget_window <= CHAIN_WINDOW_MAX and
 * target_interval_s 1..CHAIN_INTERVAL_MAX when it is not 0; a PPS table of 2..4096
 * segments, strictly increasing, spread below CHAIN_PPS_SPREAD_MAX, with the
 * genesis threshold in [q[0], q[K-1]].
 * Returns: CHAIN_OK or CHAIN_EPARAMS with err naming the field. */
__attribute__((warn_unused_result)) chain_status chain_params_check(const chain_params *p, common_error *err);

/* D, the pass units of probability 1: K x CHAIN_PPS_SEGMENT, or 1 without a
 * table. Cannot fail. */
uint64_t chain_pps_scale(const chain_params *p);

/* pass(T) of a measured table (statistics only; linear interpolation of its quantiles): the probability, in units of 1/chain_pps_scale(p),
 * that an attempt's pps_micro reaches threshold T (D without a table).
 * Cannot fail; no allocation. */
uint64_t chain_pps_pass(const chain_params *p, int64_t threshold_micro);

/* thr(pass) of a measured table (statistics only): the hardest threshold whose pass(T) is still >= pass,
 * for pass clamped into [S, D] (q[0] .. q[K-1]); genesis's threshold without a
 * table. Cannot fail. */
int64_t chain_pps_threshold(const chain_params *p, uint64_t pass);

/* The rule numbers of p for chain/retarget.h. Cannot fail. */
chain_retarget_rule chain_params_rule(const chain_params *p);

/* The weight of a block with header h on chain p (s11.3: chain_post_weight of
 * h->post_bits), a 256-bit big-endian integer; zero for post_bits no valid block
 * carries. What the store sums for fork choice. Cannot fail; no allocation. */
void chain_block_weight(uint8_t weight32[32], const chain_params *p, const pouw_header *h);

/* The requirements for a block whose parent is the block parent_id32 of store
 * (any branch the store knows), or for genesis when parent_id32 is NULL (store
 * may then be NULL): genesis_req, with post_bits the parent's, or at a retarget
 * height chain_retarget_post_bits on MTP(parent) and MTP(the block W before it)
 * of its branch (s11.6).
 * Returns: CHAIN_OK; CHAIN_ESTORE (the parent or an ancestor W blocks back is not
 * in the store); codes of chain_retarget. Out: req (zeroed first), err (may be
 * NULL). Reads the store's index only (no file). */
__attribute__((warn_unused_result)) chain_status chain_required_targets_after(pouw_requirements *req, common_error *err,
                                                                              const chain_params *p,
                                                                              struct chain_store *store,
                                                                              const uint8_t *parent_id32);

/* The requirements for a block at `height` on store's best chain (its parent is
 * the best chain's block height-1; height <= tip + 1; store may be NULL at height
 * 0): chain_required_targets_after on that parent.
 * Returns and Out: as chain_required_targets_after. */
__attribute__((warn_unused_result)) chain_status chain_required_targets(pouw_requirements *req, common_error *err,
                                                                        const chain_params *p,
                                                                        struct chain_store *store, uint64_t height);

/* Measures a PPS table of K segments for p (what chain_params pins; `bin/chainbench
 * pps-table` prints it): runs `samples` attempts of p's work on the pre-hashes
 * SHA-256("pouwbench" || u64le(k)), k = 0.. (the sample of pouwbench pps-dist),
 * sorts their pps_micro and takes q[i] = sorted[(2 i (n-1) + K) / (2 K)], raised to
 * q[i-1] + 1 where needed so that the table is strictly increasing.
 * Returns: CHAIN_OK; CHAIN_EPARAMS (K outside 2..4096, or samples < K + 1);
 * CHAIN_EWORK (an attempt failed); CHAIN_ENOMEM. Out: q (K + 1 entries), err.
 * Allocates while it runs. */
__attribute__((warn_unused_result)) chain_status chain_pps_table_measure(int64_t *q, common_error *err,
                                                                         const chain_params *p, uint32_t k,
                                                                         unsigned samples, unsigned threads);

/* The coins in existence after block `height` of chain p (s11.10: the sum of
 * the balances is reward x height), in units; saturating at INT64_MAX (the
 * product is never computed with signed overflow). Cannot fail. */
int64_t chain_coins_at(const chain_params *p, uint64_t height);

/* The work definition of p (its template or job) for pouw_attempt_run. */
pouw_work chain_params_work(const chain_params *p);

#endif /* CHAIN_PARAMS_H */
