/* chain/economy/export.h - `econ export DIR --out OUT`: the researcher's CSV files
 * of a live run (economy.md s6 "Outputs"), made from its data directory
 * (chain/economy/live.h), with the columns and the writer of sim mode
 * (chain/economy/outputs.h, columns in chain/economy/sim.h).
 *
 * WHAT IT READS, read-only: DIR/exchange.db (the exchange's journal and its meta
 * table, below) in ONE SQLite read transaction, so an export while the run goes
 * on is a consistent snapshot of the journal; and DIR/chains.db (chain/store.h),
 * each chain's best chain walked down from the tip it names (blocks never change,
 * so the walk is a snapshot as well). It replays the journal into a fresh
 * clearing house (chain/exchange/clearing.h is deterministic given its
 * operations) and writes, in OUT (created when missing; files replaced whole):
 *   trades.csv    every trade of the replay (time_s: the run's clock, real
 *                 seconds since the journal's start row)
 *   prices.csv,   one row per pair at the end of each statistics period:
 *   books.csv,    periods of period_s / speed real seconds (the config's output
 *   balances.csv  period at the run's --speed, as the exchange kept them), the
 *                 last one ending at the last timed journal row (place, cancel,
 *                 wd, err); balances.csv per agent, on-chain balances at the
 *                 blocks the exchange had processed by then
 *   blocks.csv    one row per best-chain block of each chain above the bootstrap
 *                 (the blocks processed before the journal's boot row, counted in
 *                 run.json as in sim mode), in time order: time_s from the
 *                 header's time, miner the agent's label ("exchange", else the
 *                 first 16 hex digits of the account), pps, attempts empty (the
 *                 miners do not say), pass from the block's post target
 *   errors.csv    the refusals the exchange journaled (err rows), header only when none
 *   run.json      "run": "econ live", "mode": "live", the config, code version,
 *                 the data directory, speed, period, journal rows, heights,
 *                 bootstrap and run blocks, trades, orders, refusals, whether the
 *                 exchange still runs (then the export is a snapshot: "partial")
 * mining.csv does not apply (live miners have no rate) and is not written.
 * Each CSV goes to "<name>.tmp", fsynced, renamed into place (never half a
 * file); on a failure the temporary files are removed and an OUT the export
 * created is removed again. The same DIR gives the same CSV bytes.
 *
 * THE META TABLE of DIR/exchange.db, written by `econ exchange` at every start:
 *   meta(k TEXT PRIMARY KEY, v)   "config" (the config's JSON text), "config_file",
 *                                 "speed" (real), "accounts" (JSON: {"exchange": HEX,
 *                                 "agents": [HEX, ...]} in agent order)
 * and the journal's "err" rows (a agent, t time, x the message as text): every
 * refusal of an act (the agents' own, and the exchange's of an order or cancel).
 *
 * Thread-safety: no global state; one call per thread.
 */
#ifndef CHAIN_ECONOMY_EXPORT_H
#define CHAIN_ECONOMY_EXPORT_H

#include <stddef.h>
#include <stdint.h>

#include <sqlite3.h>

#include "chain/economy/config.h"
#include "chain/exchange/clearing.h"
#include "common/error.h"

#define CHAIN_ECON_JOURNAL_MSG_MAX (CHAIN_EX_REASON_MAX + 48)

/* One row of the journal (chain/economy/live.h lists the ops). */
typedef struct chain_econ_journal_row {
    char op[8];
    int64_t a, b, c, d, e, f;
    double t;
    uint8_t x[32];                        /* blk: the block id */
    int has_x;
    char msg[CHAIN_ECON_JOURNAL_MSG_MAX]; /* err: the message ("" otherwise) */
} chain_econ_journal_row;

/* Applies the clearing-house operation of r (grant, tip, dep, depx, wd, wds, wdx,
 * place, cancel) to ex, whose agents are 0..n_agents-1; start, boot, blk, unblk
 * and err change nothing here. wd sets r->d (and res->id) to the withdrawal id.
 * res and reason may be NULL. Returns the clearing house's code (a refusal is
 * CHAIN_EX_EREFUSED or CHAIN_EX_ENOTFOUND, reason says why), or -1 for a row
 * that cannot apply (unknown op, coin or agent out of range). */
int chain_econ_journal_clearing(chain_ex *ex, uint32_t n_agents, chain_econ_journal_row *r,
                                chain_ex_place_result *res, char reason[CHAIN_EX_REASON_MAX]);

/* Calls fn for every journal row of db in order (seq ascending); a non-zero
 * return stops and is returned. Returns 0, or -2 when reading failed (why). */
int chain_econ_journal_read(sqlite3 *db, int (*fn)(void *user, int64_t seq, chain_econ_journal_row *r), void *user,
                            char why[256]);

typedef struct chain_econ_export_opts {
    const chain_econ_config *config; /* NULL: the one DIR/exchange.db's meta holds */
    double speed;                    /* > 0: instead of the stored speed */
} chain_econ_export_opts;

typedef struct chain_econ_export_summary {
    uint64_t journal_rows, trades, orders, refusals, periods, blocks;
    uint64_t heights[CHAIN_EX_COINS], bootstrap[CHAIN_EX_COINS];
    double t_end;                    /* the last timed row (run clock, s) */
    int running;                     /* the exchange held DIR/exchange.lock */
} chain_econ_export_summary;

/* Exports the live run of data directory dir into out (above). Returns 0 done;
 * 1 writing failed (err; nothing half-written is left); 2 bad input, nothing
 * written: dir is not a live run's data directory (err names the file and the
 * field: no exchange.db, no journal, no stored config, no chain in chains.db, a
 * journal row that does not replay...), or out cannot be used. o may be NULL.
 * Out: sum (may be NULL), err. */
int chain_econ_export(const char *dir, const char *out, const chain_econ_export_opts *o,
                      chain_econ_export_summary *sum, common_error *err);

#endif /* CHAIN_ECONOMY_EXPORT_H */
