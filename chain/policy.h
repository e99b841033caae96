/* chain/policy.h - which chain a miner mines next (economy.md s3; seed 000
 * "Hard Fork Time!" and "V2+"). A policy looks at what a miner sees of each chain
 * (its own balance on the chain's best tip, the reward and its price in
 * AlphaCoin) and names one:
 *   balancer  the chain where the miner's own balance is lowest (seed 000);
 *   greedy    the chain whose block reward is worth most at current prices,
 *             valued in AlphaCoin (reward x price_num / price_den): the
 *             exchange's last trade prices (econ sim: its own exchange; `pouw
 *             mine`: DIR/economy.json, the snapshot an economy's exchange
 *             writes). Without prices every coin is 1:1:1, every reward is worth
 *             the same and the tie rule decides: greedy then mines AlphaCoin;
 *   random    a chain drawn uniformly by a seeded generator (splitmix64), so a
 *             run replays from its seed (STYLE rule 8).
 * Tie rule (balancer and greedy): the chain with the shortest target block
 * interval (it pays soonest), then the lowest chain id.
 * `bin/pouw mine --policy` asks its policy before every attempt (economy.md s3),
 * so a miner moves as soon as its balances or the prices change.
 *
 * Thread-safety: a chain_policy is a value (the random one has a state).
 */
#ifndef CHAIN_POLICY_H
#define CHAIN_POLICY_H

#include <stddef.h>
#include <stdint.h>

#include "chain/params.h"

typedef enum chain_policy_kind {
    CHAIN_POLICY_BALANCER = 0,
    CHAIN_POLICY_GREEDY = 1,
    CHAIN_POLICY_RANDOM = 2,
} chain_policy_kind;

typedef struct chain_policy {
    chain_policy_kind kind;
    uint64_t state;              /* random: the generator's state */
} chain_policy;

/* What a policy sees of one chain. */
typedef struct chain_view {
    const chain_params *params;  /* borrowed */
    int64_t balance;             /* the miner's balance on the chain's best tip */
    int64_t price_num;           /* one coin is worth price_num / price_den AlphaCoin */
    int64_t price_den;           /* > 0 */
} chain_view;

/* The policy named name ("balancer", "greedy", "random").
 * Returns: 0 and *kind, or -1 for an unknown name (*kind balancer). */
int chain_policy_parse(chain_policy_kind *kind, const char *name);

/* The name of kind ("balancer", ...; "unknown" outside the enum). Static string. */
const char *chain_policy_name(chain_policy_kind kind);

/* Sets pol to a fresh policy of that kind; seed matters for random only. */
void chain_policy_init(chain_policy *pol, chain_policy_kind kind, uint64_t seed);

/* The index in views[0..n) (n >= 1) of the chain to mine next. Advances the
 * random generator. No allocation. */
size_t chain_policy_choose(chain_policy *pol, const chain_view *views, size_t n);

#endif /* CHAIN_POLICY_H */
