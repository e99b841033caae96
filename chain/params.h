/* chain/params.h - the parameters of the three coin chains, fixed in genesis
 * (spec pouw.md s10, economy.md), and the rule for the targets a block must carry.
 *
 * One code base, three chains; they differ in chain_id, name, block interval and
 * the size of the useful work. All three: reward 1000 coins, mode pps, generated
 * environments. Defaults were chosen from a measured PPS distribution (MEASUREMENT
 * below) so that mining a block takes a few seconds on one core, and the three
 * chains' expected mining times stand roughly in the ratio of their block
 * intervals (60 : 120 : 240 s), so a balancer miner spreads over them naturally.
 *
 * MEASUREMENT. `bin/pouwbench pps-dist --chain NAME --samples 300 --threads 2`: 300
 * attempts on the fixed pre-hashes SHA-256("pouwbench" || u64le(k)), on the
 * development VM (2 cores, shared with other builds):
 *
 *   chain    template (duration, interval,  n  attempt,   PPS of an attempt           threshold
 *            time mode)                        one core  q10   q50   q90   q99       (q 11/12)
 *   alpha     7200 s, 30 s, periodic        2  0.18 s    3.93  6.87  9.60  12.00     9.848 -> 9.85
 *   bravo    14400 s, 30 s, periodic        2  0.41 s    3.96  6.89  9.60  12.02     9.822 -> 9.82
 *   charlie  28800 s, 30 s, periodic        2  0.77 s    3.96  6.88  9.63  12.00     9.827 -> 9.83
 *
 * Each threshold passes 1 attempt in 12 of the sample (CHAIN_DESIGN_ATTEMPTS), so a
 * block costs about 12 attempts: 2.2 s, 4.9 s and 9.2 s on one core (make bench
 * measures it again: expected_mine_s_<chain>). The pre-hash gate (bits 0x1f03ffff,
 * 1 nonce in 2^14) costs about 3 ms per attempt at 5.5 M pre-hashes/s: a cheap
 * gate, under 2% of an attempt. Re-measure and re-pin (pouwbench genesis) whenever
 * the engine or the environment generator changes.
 *
 * Why these durations: PRSH and PRDE adapt on BSE's 7200 s strategy clock
 * (strat_wait_time). AlphaCoin sessions (7200 s) end as the first adaptation is
 * due; BravoCoin sessions (14400 s) see PRSH rotate and PRDE try its first
 * candidate; CharlieCoin sessions (28800 s) see a whole PRSH cycle (k x 7200 s,
 * k = 4) and several PRDE steps: the slower the chain, the more trained the
 * strategies its blocks record as useful output. Note from the table: PPS hardly depends on
 * the duration but mostly on the environment (supply and demand ranges, the trader
 * mix), which is a cheap function of the seed - the grinding weakness of mode pps
 * that spec s9 asks the experiments to measure.
 *
 * RETARGETING (spec s10; chain_retarget, the single place of the rule; verifiers
 * check it through chain_required_targets, since pouw_verify_block compares the
 * header's prehash_bits and pps_threshold_micro with what it returns).
 *
 * PPS pass probability. A chain pins a table of K+1 PPS quantiles q[0..K]
 * (pps_micro of one attempt, strictly increasing; q[0] the sample minimum, q[K] the
 * maximum, q[i] the i/K quantile), measured like the table above (`bin/chainbench
 * pps-table`: the built-ins pin K = 64 from 600 attempts each; by their tables the
 * genesis thresholds pass 1 attempt in 11.95, 11.35 and 11.22). With S = CHAIN_PPS_SEGMENT = 2^20 and D = K x S, the pass
 * probability of a threshold T is pass(T)/D, where the integer pass(T) is the
 * linear interpolation of the empirical distribution:
 *     pass(T) = D                                           T <= q[0]
 *             = D - i S - floor((T - q[i]) S / (q[i+1] - q[i]))   q[i] <= T < q[i+1]
 *             = 0                                           T >= q[K]
 * Its inverse, for D >= p >= S (the thresholds the table can express: q[0] ..
 * q[K-1]; the tail beyond q[K-1] is too thinly sampled to trust):
 *     thr(p) = q[i] + floor(f (q[i+1] - q[i]) / S),  i = (D - p) / S, f = (D - p) % S
 * so that pass(thr(p)) >= p (never harder than asked, by less than one micro-PPS).
 * A chain without a table (pps_segments 0: test chains) keeps its threshold
 * fixed; its pass probability is an unknown constant, taken as 1 (D = 1).
 *
 * Expected work of a block (fork choice, spec s10): the expected number of
 * pre-hash tries its targets imply, 1/(p_pre x p_pps):
 *     work = floor( floor(2^256 / (t + 1)) x D / max(1, pass(T)) )
 * t the pre-hash target of prehash_bits (pouw_target_work: 256-bit integer), T
 * the threshold; saturating at 2^256 - 1 (as do chain sums). A lottery-mode
 * chain's post-hash target never changes, so its pass probability is a constant
 * factor of every block's work on that chain and is left out (it cannot change
 * which branch is heavier); likewise the constant PPS factor of a chain without a
 * table.
 *
 * The rule. Retarget heights are h = k x W for k >= 2 (W = retarget_window; W 0:
 * never). At a retarget height, with P the parent (height h-1) and A its ancestor
 * at height h-1-W, the measured span M = time(P) - time(A) ms (0 when negative)
 * covers the last W block intervals, none of them after genesis (genesis's time is
 * a fixed date, not a mining time, hence no retarget at h = W). With the target
 * span G = W x target_interval_s x 1000 ms:
 *   1 Mc = min(max(M, G/4), 4 G)                      clamp: x4 either way
 *   2 E  = floor((t_P + 1) x pass(T_P) x Mc / G)      the effective target x D:
 *                                                     the pass probability per
 *                                                     pre-hash try scales by Mc/G
 *   3 with t0 the genesis pre-hash target: want = floor(E / (t0 + 1))
 *       S <= want <= D:  T' = thr(want),  t' = t0     the threshold moves and the
 *                                                     pre-hash target stays put
 *       want < S:        T' = q[K-1],     t' = floor(E / S) - 1   harder than the
 *                                                     table can say: the rest in
 *                                                     the pre-hash target
 *       want > D:        T' = q[0],       t' = floor(E / D) - 1   easier than the
 *                                                     table can say
 *     (no table: T' = T_P, t' = floor(E) - 1)
 *   4 t' is clamped to [1, 2^256 - 1]; prehash_bits' = pouw_target_to_bits(t')
 *     (canonical compact, rounded down), threshold' = T'.
 * Other heights require the parent's prehash_bits and threshold (genesis: its
 * own); mode, post_bits, sessions and job_digest never change. All integers
 * (384-bit intermediates), no floating point: every verifier computes the same.
 * Vectors: tests/vectors/retarget_vectors.h, from an independent Python script.
 *
 * Thread-safety: the built-in parameters are constant; functions are pure.
 */
#ifndef CHAIN_PARAMS_H
#define CHAIN_PARAMS_H

#include <stdint.h>

#include "bse/config.h"
#include "common/error.h"
#include "chain/status.h"
#include "pouw/env.h"
#include "pouw/verify.h"

#define CHAIN_COUNT 3             /* built-in chains: alpha, bravo, charlie */
#define CHAIN_NAME_MAX 32
#define CHAIN_REWARD 1000         /* coins per block, every chain */
#define CHAIN_MAX_FUTURE_MS (2u * 3600u * 1000u) /* time_ms allowance ahead of the verifier's clock */
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
    uint32_t retarget_window;     /* W: blocks per retarget (0: targets never change) */
    int64_t reward;               /* coinbase amount */
    pouw_template tmpl;           /* session template (generated environments) */
    const bse_case *job;          /* committed job (canonical) or NULL: generated */
    pouw_requirements genesis_req;/* targets, threshold, mode, n and job digest at genesis */
    uint64_t max_future_ms;       /* time allowance ahead of the verifier's clock */
    uint64_t genesis_time_ms;     /* genesis header time */
    uint64_t genesis_nonce;       /* first nonce tried when building genesis */
    int genesis_pinned;           /* 1: genesis_id is the known genesis id */
    uint8_t genesis_id[32];       /* the genesis block id (post_hash) when pinned */
    const int64_t *pps_quantiles; /* q[0..K] (RETARGETING), borrowed; NULL when K is 0 */
    uint32_t pps_segments;        /* K: 0 (no table: the threshold never moves) or 2..4096 */
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

/* pass(T) of RETARGETING: the probability, in units of 1/chain_pps_scale(p),
 * that an attempt's pps_micro reaches threshold T (D without a table).
 * Cannot fail; no allocation. */
uint64_t chain_pps_pass(const chain_params *p, int64_t threshold_micro);

/* thr(pass) of RETARGETING: the hardest threshold whose pass(T) is still >= pass,
 * for pass clamped into [S, D] (q[0] .. q[K-1]); genesis's threshold without a
 * table. Cannot fail. */
int64_t chain_pps_threshold(const chain_params *p, uint64_t pass);

/* The expected work of a block with these targets (RETARGETING, work), a
 * 256-bit big-endian integer; zero when prehash_bits does not decode to a non-zero
 * target (such a block is invalid). Cannot fail; no allocation. Out: work32. */
void chain_block_work(uint8_t work32[32], const chain_params *p, uint32_t prehash_bits, int64_t threshold_micro);

/* 1 when a block at `height` is retargeted (height = k x W, k >= 2), else 0. */
int chain_is_retarget_height(const chain_params *p, uint64_t height);

/* The rule itself (RETARGETING, steps 1-4): the requirements after a window whose
 * blocks carried prev's targets and took span_ms (time of the parent minus time of
 * the ancestor W blocks before it; pass 0 for a negative span).
 * Returns: CHAIN_OK; CHAIN_EPARAMS (prev's bits do not decode, or p has no window
 * or interval). Out: next (may be prev; mode, post_bits, sessions, job from prev;
 * zeroed on error), err (may be NULL). Pure; no allocation. */
__attribute__((warn_unused_result)) chain_status chain_retarget(pouw_requirements *next, common_error *err,
                                                                const chain_params *p,
                                                                const pouw_requirements *prev, uint64_t span_ms);

/* The requirements (targets, threshold, mode, sessions, job) for a block whose
 * parent is the block parent_id32 of store (any branch the store knows), or for
 * genesis when parent_id32 is NULL (store may then be NULL): genesis_req at
 * height 0; at a retarget height chain_retarget on the parent's requirements and
 * the measured span of its branch; otherwise the parent's requirements.
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

/* The work definition of p (its template or job) for pouw_attempt_run. */
pouw_work chain_params_work(const chain_params *p);

#endif /* CHAIN_PARAMS_H */
