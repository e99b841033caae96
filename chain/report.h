/* chain/report.h - what a data directory holds, as JSON documents shared by programs:
 * the status of its chains (`chain status --json`, and the "chains" member of
 * `chain monitor --json`: one builder, so the two are equal by construction), the
 * recent blocks of each chain (intervals, difficulty), and the economy runner's snapshot
 * file DIR/economy.json (read and validated here).
 *
 * ---------------------------------------------------------------- DIR/economy.json
 * Written atomically (temp file, fsync, rename) by the economy runner, read by
 * `chain monitor`. One JSON object, schema version 1. Units: coin amounts in units,
 * 10^6 per coin; prices in ticks, 10^4 per coin of the pair's quote (the second name:
 * "BRAVO/ALPHA" is priced in ALPHA).
 *   {"version": 1,                         integer, must be 1
 *    "run": "sim" | "live",                optional string
 *    "t": SIM_SECONDS,                     number >= 0: the economy's clock
 *    "duration": S,                        optional number >= 0: the run's planned length
 *    "pairs": {"BRAVO/ALPHA": {            object of objects, one per pair
 *        "last": TICKS | null,             the last trade's price (null: no trade yet)
 *        "bids": [[TICKS, UNITS], ...],    the book's bid levels, best first
 *        "asks": [[TICKS, UNITS], ...],    the ask levels, best first
 *        "closes": [TICKS, ...],           the last <= 120 period closes, oldest first
 *        "volume": UNITS_TOTAL}, ...},     units traded since the start
 *    "trades": [[T, "PAIR", TICKS, UNITS, "buyer-label", "seller-label"], ...],
 *                                          the last <= 20 trades, oldest first
 *    "top": [{"agent": "label", "value": ALPHA_COINS, "ALPHA": UNITS, "BRAVO": UNITS,
 *             "CHARLIE": UNITS}, ...],     <= 10 agents by value (in ALPHA coins, a
 *                                          double) descending; coin members optional
 *    "custody_ok": true | false}           optional: the custodian's books balance
 * Every member is type-checked; members not listed are ignored (a later writer may add
 * some). A missing file is "no economy" (not an error); a partial or malformed one is
 * refused with its file and field, and never stops a reader.
 *
 * No global state; thread-safe (each call opens what it reads). Messages go only
 * through the caller's notice function.
 */
#ifndef CHAIN_REPORT_H
#define CHAIN_REPORT_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <cjson/cJSON.h>

#include "common/error.h"
#include "chain/status.h"
#include "pouw/keys.h"

/* A message about one part of a report that could not be read (a malformed key file,
 * a chain that cannot be opened); the report goes on without it. */
typedef void (*chain_report_notice_fn)(void *user, const common_error *err);

typedef struct chain_report_opts {
    int testnet;                   /* the test chains test-alpha, test-bravo, test-charlie */
    unsigned threads;              /* threads of the store's verifier (0: 1) */
    chain_report_notice_fn notice; /* may be NULL: messages dropped */
    void *notice_user;
} chain_report_opts;

/* ---------------------------------------------------------------- key labels */

typedef struct chain_report_key {
    uint8_t pub[32];
    char label[POUW_KEY_LABEL_MAX];
    char file[256]; /* the file name in DIR/keys/ */
} chain_report_key;

/* Every readable key file DIR/keys/NAME.key, sorted by file name; malformed ones are
 * told to notice and skipped; no DIR/keys/ is no keys. Out: *keys (malloc'd, caller
 * frees; NULL when none), *n. Returns 0, or -1 (out of memory; *keys NULL). */
int chain_report_load_keys(chain_report_key **keys, size_t *n, const char *datadir,
                           chain_report_notice_fn notice, void *user);

/* The label of account pub32 among keys[0..n) ("" when none). Returns a pointer into
 * keys or a static "". */
const char *chain_report_label(const chain_report_key *keys, size_t n, const uint8_t pub32[32]);

/* ---------------------------------------------------------------- status */

/* The status of every built-in chain of datadir (o->testnet: the test chains), in
 * chain order: the array `chain status --json` prints as its "chains" member. Each
 * element: {"name","coin","chain_id","absent"} and, for a chain present, "height",
 * "tip", "prehash_bits", "pps_threshold_micro", "next_prehash_bits",
 * "next_pps_threshold_micro" (null when unknown), "blocks" (the last 5, newest first:
 * height, id, time_ms, time, miner, transactions), "balances" (the tip ledger: account,
 * balance, sequence, label or null), "coins", "mempool" {"pending","ignored"}. Integers
 * are exact (raw numbers).
 * A chain that cannot be opened is left out (told to notice); a chain whose blocks
 * cannot all be read keeps the members read so far (told to notice).
 * Returns: CHAIN_OK when every present chain was reported whole; otherwise the code of
 * the first failure (err filled with it; the array still holds the rest);
 * CHAIN_ENOMEM (*out NULL). Out: *out (a cJSON array, caller deletes), *found (the
 * chains present), err. Reads only. */
__attribute__((warn_unused_result)) chain_status chain_report_status_json(cJSON **out, size_t *found,
                                                                          common_error *err, const char *datadir,
                                                                          const chain_report_opts *o);

/* Writes the status array of chain_report_status_json as `chain status` text: per
 * chain "chain NAME COIN id N" then indented "key value" lines ("absent true" for an
 * absent chain). Returns 0, or -1 when chains is not such an array. */
int chain_report_status_text(FILE *f, const cJSON *chains);

/* ---------------------------------------------------------------- recent blocks */

#define CHAIN_REPORT_RECENT_MAX 64

/* The last n (1..CHAIN_REPORT_RECENT_MAX) blocks of each present chain's best chain,
 * from the store's index (no block document is read): an object keyed by chain name,
 * each {"height", "blocks": [{"height","id","time_ms","interval_ms" (to its parent;
 * null for genesis and for a block whose parent is genesis: genesis time is fixed),
 * "miner","prehash_bits","pps_threshold_micro","post_bits","transactions"}, ... newest
 * first], "mean_interval_ms" (mean of those intervals, null when none),
 * "n_intervals"}. Chains absent or unreadable are left out (unreadable: told to notice).
 * Returns: CHAIN_OK; CHAIN_ENOMEM (*out NULL). Out: *out (caller deletes), err. */
__attribute__((warn_unused_result)) chain_status chain_report_recent_json(cJSON **out, common_error *err,
                                                                          const char *datadir,
                                                                          const chain_report_opts *o, size_t n);

/* ---------------------------------------------------------------- economy.json */

#define CHAIN_REPORT_ECONOMY_FILE "economy.json"
#define CHAIN_REPORT_ECONOMY_MAX_BYTES (8u << 20)

/* Reads and validates DIR/economy.json (schema above).
 * Returns: CHAIN_OK (*out the file's object; NULL when there is no such file);
 * CHAIN_EIO (unreadable, not a regular file, too large); CHAIN_EMALFORMED (not JSON,
 * or a member of the wrong type or value: err names the file and the field, e.g.
 * "pairs.BRAVO/ALPHA.bids[3]"); CHAIN_ENOMEM. Out: *out (caller deletes; NULL on
 * error), err. */
__attribute__((warn_unused_result)) chain_status chain_report_economy_load(cJSON **out, common_error *err,
                                                                           const char *datadir);

/* Checks that doc follows the schema above (chain_report_economy_load's checks, for a
 * document already parsed). path names the file in err. Returns CHAIN_OK or
 * CHAIN_EMALFORMED. */
__attribute__((warn_unused_result)) chain_status chain_report_economy_check(common_error *err, const cJSON *doc,
                                                                            const char *path);

/* The node part of `chain status` (economy-independent; spec network.md): DIR/peers.json,
 * which a running `pouw node` rewrites every second (chain/net/node.h), reduced to
 * {"listen", "updated_ms", "running" (written within the last 5 s), "peers": [{"address",
 * "direction", "state", "heights": {chain: height}, "score", "banned_until_ms"}]}.
 * Returns CHAIN_OK with *out NULL when there is no such file; CHAIN_EMALFORMED with err
 * (file and field) for a file that does not follow the schema; CHAIN_ENOMEM. */
__attribute__((warn_unused_result)) chain_status chain_report_peers_json(cJSON **out, common_error *err,
                                                                         const char *datadir);
/* Prints the node object of chain_report_peers_json as text ("node listen ... running
 * yes", then "  peer ADDRESS direction D state S heights a=1,b=2 score N banned_until_ms T"). */
void chain_report_peers_text(FILE *f, const cJSON *node);

#endif /* CHAIN_REPORT_H */
