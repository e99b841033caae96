/* chain/economy/config.h - the configuration of an economy run (economy.md s6):
 * one JSON file, parsed and checked whole before anything runs.
 *
 * {
 *   "seed": 1,                        integer 0..2^53-1 (required)
 *   "duration_s": 3600,               simulated seconds, > 0, <= 10^7 (required)
 *   "chains": "test",                 "test" (test-alpha...: milliseconds per block) or "main"
 *   "step_s": 60,                     simulated seconds between trader steps (> 0)
 *   "period_s": 300,                  statistics period of prices/books/balances/mining.csv
 *   "exchange": {"confirmations": 2,  deposits/withdrawals count after this many blocks (1..100)
 *                "initial_prices": {"BRAVO/ALPHA": 1.0, ...}},  what agents see before a pair trades
 *   "news_period_s": 60,              the fake-news publisher's period
 *   "check_custody": true,            check the custody invariant after every exchange event
 *   "agents": [                       groups of identical agents (at least one group)
 *     {"label": "miner",              names agent i of the group "<label>-<k>" (k from 0)
 *      "count": 3,                    1..100000
 *      "mining": {"policy": "balancer"|"greedy"|"random", or "chain": "alpha"|"bravo"|"charlie",
 *                 "rate": 0.05,       attempts per simulated second (> 0)
 *                 "from_s": 0, "until_s": 1e9},  when the group mines (population changes, E10)
 *      "trader": {"strategy": "market-greedy", "params": {...}, "step_s": 60},
 *      "holdings": {"ALPHA": 100, "BRAVO": 100, "CHARLIE": 100},  coins on the exchange at t = 0
 *      "fiat": 0,                     off-chain fiat, whole currency units (whales)
 *      "deposit_share": 1.0,          share of its spendable mined coins a miner deposits each step
 *      "withdraw_every_s": 0, "withdraw_share": 0.0}  periodic withdrawals back to the chain
 *   ]
 * }
 * Agents without "mining" do not mine; without "trader" they hold (hodl).
 * Initial holdings are paid out of blocks the exchange's own account mines
 * before t = 0 (bootstrap), so the chains' coins always equal reward x height
 * and custody always equals the exchange's coins.
 * Errors: one line naming the file and the field ("agents[2].mining.rate: must be
 * > 0"); unknown fields are refused (a typo must not be silently ignored).
 *
 * Thread-safety: a chain_econ_config is a value; parse allocates it.
 */
#ifndef CHAIN_ECONOMY_CONFIG_H
#define CHAIN_ECONOMY_CONFIG_H

#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>

#include "chain/economy/agent.h"
#include "chain/policy.h"
#include "common/error.h"

#define CHAIN_ECON_MAX_GROUPS 256
#define CHAIN_ECON_MAX_AGENTS 100000
#define CHAIN_ECON_LABEL_MAX 40

typedef enum chain_econ_mine_kind {
    CHAIN_ECON_MINE_NONE = 0,
    CHAIN_ECON_MINE_POLICY = 1, /* chooses a chain before each attempt (chain/policy.h) */
    CHAIN_ECON_MINE_FIXED = 2,  /* always the same chain */
} chain_econ_mine_kind;

typedef struct chain_econ_group {
    char label[CHAIN_ECON_LABEL_MAX];
    uint32_t count;
    uint32_t first;                       /* index of its first agent */
    chain_econ_mine_kind mine;
    chain_policy_kind policy;
    unsigned chain;                       /* FIXED: 0 alpha, 1 bravo, 2 charlie */
    double rate;                          /* attempts per simulated second */
    double from_s, until_s;
    const chain_econ_trader_ops *trader;  /* NULL: no trader */
    cJSON *params;                        /* owned copy (NULL: defaults) */
    double step_s;                        /* trader step (multiple of the run's step_s) */
    int64_t holdings[CHAIN_EX_COINS];     /* units */
    int64_t fiat;
    double deposit_share;
    double withdraw_every_s, withdraw_share;
} chain_econ_group;

typedef struct chain_econ_config {
    char path[256];
    uint64_t seed;
    double duration_s;
    int testnet;
    double step_s, period_s, news_period_s;
    uint32_t confirmations;
    int64_t initial_price[CHAIN_EX_PAIRS]; /* ticks */
    int check_custody;
    chain_econ_group *groups;
    size_t n_groups;
    uint32_t n_agents;
    cJSON *json;                          /* the whole file (for the run's sidecar) */
} chain_econ_config;

/* Parses and checks the config file at path. Returns 0, or -1 with err (file,
 * field, message). Out: c (free with chain_econ_config_clear). */
int chain_econ_config_load(chain_econ_config *c, common_error *err, const char *path);
/* The same from text held in memory (path names it in errors). */
int chain_econ_config_parse(chain_econ_config *c, common_error *err, const char *path, const char *text, size_t len);
void chain_econ_config_clear(chain_econ_config *c);

#endif /* CHAIN_ECONOMY_CONFIG_H */
