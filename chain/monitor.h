/* chain/monitor.h - `chain monitor`: a view of a data directory and of the economy
 * running on it (economy.md s6 "Monitor"): each chain's height, last blocks (height,
 * time, miner label or short id, interval), recent mean block interval and difficulty
 * (post_bits, PPS threshold), the largest balances; from DIR/economy.json (schema in
 * chain/report.h) each book's depth and spread, the last trades, price sparklines and
 * the agents of largest value.
 *
 * Three forms, made from one snapshot document:
 *   - the snapshot itself (--json): {"chains": <chain_report_status_json, the array
 *     `chain status --json` prints>, "economy": <DIR/economy.json's object, or null when
 *     absent or malformed>, "recent": <chain_report_recent_json>};
 *   - plain text (chain_monitor_render), one snapshot, for scripts and finished runs;
 *   - a live ncurses view (chain_monitor_run) refreshing that text in place.
 * No global state: the caller passes its stop flag (set by its signal handler).
 */
#ifndef CHAIN_MONITOR_H
#define CHAIN_MONITOR_H

#include <signal.h>
#include <stddef.h>
#include <stdio.h>

#include <cjson/cJSON.h>

#include "common/error.h"
#include "chain/report.h"
#include "chain/status.h"

#define CHAIN_MONITOR_RECENT 12 /* blocks per chain in "recent" */

typedef struct chain_monitor_opts {
    const char *datadir;
    int testnet;
    unsigned threads;              /* the store's verifier threads (0: 1) */
    double interval_s;             /* live view: seconds between refreshes (<= 0: 1) */
    chain_report_notice_fn notice; /* messages while reading (a chain that cannot be
                                      opened, a malformed key file); may be NULL.
                                      The live view never calls it (the screen is in use) */
    void *notice_user;
} chain_monitor_opts;

/* How much the text shows (0 in a member: nothing of it). */
typedef struct chain_monitor_limits {
    size_t blocks;   /* last blocks per chain */
    size_t balances; /* largest balances per chain */
    size_t trades;   /* last trades */
    size_t top;      /* agents of largest value */
    size_t spark;    /* sparkline width in characters */
} chain_monitor_limits;

/* The plain-text snapshot's limits: 5 blocks, 5 balances, 20 trades, 10 agents, 40. */
chain_monitor_limits chain_monitor_limits_full(void);

/* Takes one snapshot of o->datadir (document in the header comment).
 * Returns: CHAIN_OK (even when a chain could not be read: told to notice; or the
 * economy file is malformed: *econ_err says why, economy null); CHAIN_ENOMEM.
 * Out: *out (caller deletes; NULL on error), *found (chains present), econ_err (code 0:
 * the economy was read or there is none; otherwise the reason, file and field), err. */
__attribute__((warn_unused_result)) chain_status chain_monitor_snapshot(cJSON **out, size_t *found,
                                                                        common_error *econ_err, common_error *err,
                                                                        const chain_monitor_opts *o);

/* Writes snapshot snap as text lines to f (datadir names it in the first line;
 * econ_err: the economy's reason when it is null, may be NULL). Lines are at most
 * `width` characters when width > 0 (cut). Returns 0, or -1 when snap is not a
 * snapshot. Deterministic: the same snapshot gives the same bytes. */
int chain_monitor_render(FILE *f, const cJSON *snap, const char *datadir, const common_error *econ_err,
                         const chain_monitor_limits *lim, int width);

/* The live view on the terminal (stdin/stdout must be one): refreshes every
 * o->interval_s seconds until q (or Q) is typed or *stop becomes non-zero (the
 * caller's SIGINT/SIGTERM handler), then restores the terminal.
 * Returns: CHAIN_OK; CHAIN_EIO (the terminal cannot be used; err says why);
 * CHAIN_ENOMEM. */
__attribute__((warn_unused_result)) chain_status chain_monitor_run(common_error *err, const chain_monitor_opts *o,
                                                                   volatile sig_atomic_t *stop);

#endif /* CHAIN_MONITOR_H */
