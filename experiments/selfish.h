/* experiments/selfish.h - the selfish-mining strategy of Eyal and Sirer (2014, "Majority
 * is not enough: Bitcoin mining is vulnerable", FC 2014, Algorithm 1) as a miner policy,
 * and the mining-only race model E11 runs it in (shared/spec/experiments.md, E11).
 *
 * The policy is a state machine over two counts measured from the fork point (the last
 * block both the pool's private branch and the public best chain contain): the pool's
 * own branch (priv blocks, of which the first `published` are public) and the public
 * competing branch (pub blocks). It is told of two events - the pool found a block on
 * its private tip; someone else's block became the public best tip (on the pool's
 * published branch or on the competing one) - and answers with what to publish:
 *   pool finds a block:  lead 0 in a tie race (priv == pub > 0): publish all (the pool
 *                        wins the race by one); otherwise keep it private.
 *   others find a block: previous lead 0: adopt the public chain; 1: publish the last
 *                        block (a tie race); 2: publish all (override); > 2: publish up
 *                        to the public height (the first unpublished block).
 * Nothing in it knows of blocks, time or networks, so a networked miner or the economy
 * can drive it with its own blocks (publish the first `publish` blocks of its branch).
 *
 * The race model (experiments_selfish_run): blocks are found one by one by an exponential
 * race between the pool (rate alpha) and the honest miners (rate 1 - alpha), so each
 * block is the pool's with probability alpha, independent of the past. Every block is
 * kept in an explicit tree (parent, height, finder); honest miners mine on the longest
 * chain they know, first seen among equal heights. A tie race (the pool publishing a
 * block of the same height as an honest one, right after it) is decided by the
 * propagation model:
 *   EXPERIMENTS_SELFISH_GAMMA  the honest miners as one body: the next honest block
 *                              extends the pool's block with probability gamma;
 *   EXPERIMENTS_SELFISH_DELAY  n_honest honest miners of equal power, each with its own
 *                              tip: at every tie each miner other than the honest block's
 *                              finder sees the two blocks after independent exponential
 *                              delays (the honest block's of mean 1, the pool's of mean
 *                              (1 - gamma) / gamma: it arrives first with probability
 *                              gamma) and mines on the first to arrive; the finder of the
 *                              next honest block (uniform) extends its own tip. Delays are
 *                              taken as short against the block interval (every miner has
 *                              both blocks before the next one is found), so the expected
 *                              tie-win share is gamma (n - 1) / n.
 * At the end the pool publishes its whole private branch; the final chain is the highest
 * tip (among equal heights, the honest miners' first seen: the last block all of them took).
 * Relative revenue = the pool's blocks in the final chain / the final chain's blocks.
 *
 * Determinism: a run's result depends only on its config and seed (splitmix64 stream).
 * Thread-safety: policies and runs are plain values; distinct ones on distinct threads.
 */
#ifndef EXPERIMENTS_SELFISH_H
#define EXPERIMENTS_SELFISH_H

#include <stdint.h>

#include "common/error.h"

/* ---- the policy ---- */

typedef enum experiments_selfish_act {
    EXPERIMENTS_SELFISH_WAIT = 0,  /* keep mining on the private tip, publish nothing */
    EXPERIMENTS_SELFISH_PUBLISH,   /* publish the first `publish` blocks of the branch (a match) */
    EXPERIMENTS_SELFISH_OVERRIDE,  /* publish the whole branch: it is the longest; new fork point at its tip */
    EXPERIMENTS_SELFISH_ADOPT      /* give up the private branch; mine on the public tip */
} experiments_selfish_act;

typedef struct experiments_selfish_policy {
    int64_t priv;      /* the pool's branch since the fork point */
    int64_t published; /* of which public (a prefix) */
    int64_t pub;       /* the public competing branch since the fork point */
} experiments_selfish_policy;

typedef struct experiments_selfish_action {
    experiments_selfish_act act;
    int64_t publish;   /* PUBLISH / OVERRIDE: blocks of the branch (counted from the fork point
                          before the call returns) that are public now; else 0 */
    int64_t committed; /* OVERRIDE / ADOPT / on_other(on_mine): the pool's blocks now below the
                          new fork point (in every chain from here on); ADOPT: 0 */
} experiments_selfish_action;

/* A fresh policy: fork point at the public tip, nothing private. */
void experiments_selfish_init(experiments_selfish_policy *p);

/* The pool found a block on its private tip. */
experiments_selfish_action experiments_selfish_on_own(experiments_selfish_policy *p);

/* Another miner's block became the public best tip. on_mine: 1 when it extends the pool's
 * published branch (at its published tip; the fork point then moves up to that tip), 0
 * when it extends the competing public branch. */
experiments_selfish_action experiments_selfish_on_other(experiments_selfish_policy *p, int on_mine);

/* The pool's lead: priv - pub. */
int64_t experiments_selfish_lead(const experiments_selfish_policy *p);

/* Eyal and Sirer's closed form of the pool's relative revenue (their eq. 8, 0 <= alpha < 1/2;
 * 1 at alpha = 1/2):
 * [alpha (1-alpha)^2 (4 alpha + gamma (1 - 2 alpha)) - alpha^3] / [1 - alpha (1 + (2 - alpha) alpha)]. */
double experiments_selfish_theory(double alpha, double gamma);

/* The smallest alpha from which the strategy pays (theory > alpha): (1 - gamma) / (3 - 2 gamma). */
double experiments_selfish_threshold(double gamma);

/* ---- the race model ---- */

typedef enum experiments_selfish_model {
    EXPERIMENTS_SELFISH_GAMMA = 0,
    EXPERIMENTS_SELFISH_DELAY = 1
} experiments_selfish_model;

#define EXPERIMENTS_SELFISH_MAX_HONEST 4096
#define EXPERIMENTS_SELFISH_MAX_BLOCKS 100000000ll

typedef struct experiments_selfish_cfg {
    double alpha;        /* the pool's share of the power, [0, 1/2] */
    double gamma;        /* tie-race parameter, [0, 1] */
    int64_t blocks;      /* blocks found in a run, [1, EXPERIMENTS_SELFISH_MAX_BLOCKS] */
    experiments_selfish_model model;
    int n_honest;        /* DELAY: honest miners, [2, EXPERIMENTS_SELFISH_MAX_HONEST] */
    int honest_only;     /* 1: the pool mines honestly (publishes every block at once): a control */
} experiments_selfish_cfg;

typedef struct experiments_selfish_result {
    int64_t found;        /* blocks found (= cfg.blocks) */
    int64_t found_pool;   /* of which by the pool */
    int64_t chain;        /* blocks in the final chain (genesis excluded) */
    int64_t chain_pool;   /* of which the pool's */
    int64_t ties;         /* tie races the pool started (published a block of an honest block's height) */
    int64_t ties_honest;  /* tie races decided by an honest block */
    int64_t ties_on_pool; /* ... that extended the pool's block (the empirical gamma is their share) */
    double revenue;       /* chain_pool / chain */
} experiments_selfish_result;

/* Checks cfg. Returns 0, or -1 with err naming the field. */
int experiments_selfish_check(const experiments_selfish_cfg *cfg, common_error *err);

/* One run of the race model from seed. Returns 0, or -1 with err (bad cfg, out of memory). */
int experiments_selfish_run(const experiments_selfish_cfg *cfg, uint64_t seed, experiments_selfish_result *res,
                            common_error *err);

#endif /* EXPERIMENTS_SELFISH_H */
