/* chain/economy/live.h - the economy in live mode (economy.md s6): real
 * processes on one data directory DIR, real time, real CPU mining.
 *
 * PROCESSES
 *   econ live CONFIG --data DIR [--duration S] [--speed X]    the supervisor
 *     creates DIR (a DIR of an earlier live run is continued: the exchange replays
 *     its journal, the keys are kept) and DIR/keys/, makes one key per agent (DIR/keys/<label>.key,
 *     labelled <label>, random) and the exchange's (DIR/keys/exchange.key), then
 *     starts, in this order, and restarts any that dies unexpectedly (after 0.5 s):
 *       econ exchange --data DIR --config CONFIG            (waits for DIR/exchange.sock)
 *       pouw mine --data DIR [--testnet] (--policy P [--seed S] | --chain C)
 *                 --key DIR/keys/<label>.key --forever       one per miner agent
 *       econ trader --data DIR --config CONFIG --group G    one per group that
 *                 trades, deposits (miners, deposit_share > 0) or withdraws
 *     Every child gets its own process group (a terminal's Ctrl-C reaches the
 *     supervisor only) and SIGTERM when the supervisor dies (Linux PDEATHSIG: a
 *     supervisor killed with SIGKILL leaves nothing running); its log is stderr.
 *     At the end of the duration (duration_s real seconds, or --duration), or on
 *     SIGINT/SIGTERM: SIGTERM to traders and miners, then to the exchange (so it
 *     writes the final snapshot), SIGKILL to whatever is left after 5 s; exit 0.
 *     The mining "rate" and "from_s"/"until_s" of the config are not used live
 *     (miners use real CPU all the time). A trader group's step is step_s / X
 *     real seconds (--speed X, default 1).
 *
 *   econ exchange: the clearing house (chain/exchange/clearing.h) as a server.
 *     STATE IS EVENT-SOURCED. Every operation it performs on its chain_ex is
 *     appended to the table journal of DIR/exchange.db (SQLite, WAL,
 *     synchronous=FULL), in one transaction per request or per block, committed
 *     BEFORE the reply (or the next poll) is written: a process killed at any
 *     instant loses nothing it acknowledged. On start it replays the journal into
 *     a fresh chain_ex (the clearing house is deterministic given its
 *     operations), re-broadcasts the transfers of withdrawals not yet seen on
 *     chain, then goes on. Journal rows (op, a..f integers, t real, x blob):
 *       start   -            t = wall-clock start of the run (Unix s)
 *       grant   a coin, b account, c units            chain_ex_grant
 *       boot    -            bootstrap done (the grants above are complete)
 *       blk     a coin, b height, x block id (32 bytes)   a block processed
 *       unblk   a coin, b height                      it left the best chain
 *       dep     a coin, b account, c units, d deposit id, e height   deposit_seen
 *       depx    a coin, d deposit id                  deposit_removed
 *       tip     a coin, b height                      chain_ex_tip
 *       wd      a coin, b account, c units, d wid, e the transfer's sequence  withdraw
 *       wds     a coin, d wid, e height               withdrawal_seen
 *       wdx     a coin, d wid                         withdrawal_removed
 *       place   a account, b pair, c side, d type, e price, f qty, t time   (accepted only)
 *       cancel  a account, d order id                 (accepted only)
 *       err     a account, t time, x the message      a refusal (changes nothing)
 *     and a table meta (the config, the speed, the account keys) that `econ
 *     export` reads (chain/economy/export.h has both).
 *     Accounts are agent indices 0..n-1 (config order, "<label>-<k>"); n is
 *     the house (bootstrap coins not granted). A deposit is a transfer to the
 *     exchange's account from an agent's key, its id the first 8 bytes of the
 *     transfer id (little-endian); a withdrawal's transfer is signed by the
 *     exchange with sequence e, so it is rebuilt and re-signed identically
 *     (Ed25519 is deterministic) when re-broadcast.
 *     On first start it mines the bootstrap blocks (its own coinbases, enough for
 *     the initial holdings, as sim mode does) and grants the holdings (the rest
 *     to the house). Every ~0.5 s it reads each chain's best chain (DIR/chains.db):
 *     blocks that left it (from the top down: their deposits and withdrawals
 *     removed), then new blocks in height order (deposits and withdrawals seen),
 *     then the tip (deposits credited after `confirmations`). It rewrites
 *     DIR/economy.json (chain/report.h, "run": "live") every second and at exit.
 *     SIGINT/SIGTERM: finish the request under way, write the snapshot, exit 0.
 *
 *   econ trader --group G: steps the group's agents (built-in strategies of
 *     chain/economy/agent.h) through the socket every step_s / speed seconds;
 *     sends each miner agent's deposits (deposit_share of its spendable coins:
 *     tip balance minus coinbases younger than the maturity minus transfers in
 *     flight) as transfers signed with DIR/keys/<label>.key, and asks the
 *     withdrawals of withdraw_every_s / withdraw_share. Reconnects (every 0.2 s)
 *     when the exchange is away; a step without an exchange is skipped.
 *
 * THE LOCAL PROTOCOL: DIR/exchange.sock, a Unix stream socket. Any number of
 * connections; each carries JSON lines (one object per line, ending in '\n',
 * at most CHAIN_ECON_LIVE_LINE_MAX bytes). The client writes a request line and
 * reads exactly one reply line; requests on one connection are answered in
 * order. The exchange writes its lines with fixed key order and no spaces;
 * integers as JSON integers, doubles in %.17g (null when not finite). It reads
 * any JSON object (key order free). The same message shapes as the external
 * agents of economy.md s7 (chain/economy/external.h), with more members:
 *
 *  hello   -> {"type":"hello","label":"grid-0"}
 *          <- {"type":"hello","agent":3,"label":"grid-0","pairs":["BRAVO/ALPHA",
 *              "CHARLIE/ALPHA","CHARLIE/BRAVO"],"units_per_coin":1000000,"tick":100,
 *              "qty_step":10000,"step_s":60,"exchange":"<64 hex: its account>","t":12.5}
 *  observe -> {"type":"observe","agent":3}
 *          <- {"type":"observation","step":N,"t":T,"agent":3,
 *              "balances":{"ALPHA":{"free":U,"locked":U,"owed":U},"BRAVO":{..},"CHARLIE":{..}},
 *              "onchain":{"ALPHA":U,"BRAVO":U,"CHARLIE":U},"fiat":F,
 *              "orders":[{"id":I,"pair":"BRAVO/ALPHA","side":"buy","price":P,"qty":Q,"filled":Q},...],
 *              "books":{"BRAVO/ALPHA":{"bids":[[P,Q],...],"asks":[[P,Q],...],"last":P,
 *                                      "history":[P,...]},...},
 *              "trades":{"BRAVO/ALPHA":[[T,P,Q],...],...},
 *              "chains":{"alpha":{"height":H},"bravo":{..},"charlie":{..}},
 *              "news":{"ALPHA":1,"BRAVO":-1,"CHARLIE":1},
 *              "fundamental":{"ALPHA":1,"BRAVO":V,"CHARLIE":V},
 *              "errors":["..."],          (only when the previous action had refusals)
 *              "reward":R}
 *              N counts this agent's observations since the exchange started; T is
 *              real seconds since the run's start; the books show CHAIN_ECON_DEPTH
 *              levels, "last" is the last price else the config's initial price,
 *              "history" the last CHAIN_ECON_HISTORY trade prices and "trades" the
 *              last CHAIN_ECON_RECENT trades, oldest first; U units, P ticks, Q base units.
 *  act     -> {"type":"act","agent":3,"orders":[{"pair":"BRAVO/ALPHA","side":"buy"|"sell",
 *              "type":"limit"|"market"|"ioc","price":P,"qty":Q},...],"cancel":[I,...],
 *              "errors":["..."]}    (orders, cancel, errors optional; errors are the
 *              client's own refusals, logged with the exchange's)
 *          <- {"type":"acted","agent":3,"cancelled":C,"placed":K,"filled":Q,"errors":["cancel 9: ...",
 *              "order 1: ..."]}   sent after the accepted operations are committed
 *  withdraw-> {"type":"withdraw","agent":3,"coin":"ALPHA","amount":U}
 *          <- {"type":"withdrawn","agent":3,"wid":W,"coin":"ALPHA","amount":U}
 *           | {"type":"refused","agent":3,"error":"..."}
 *  balances-> {"type":"balances"}   (for tests and tools: the whole clearing house)
 *          <- {"type":"balances","journal":ROWS,"accounts":[{"agent":"miner-bal-0",
 *              "ALPHA":[FREE,LOCKED,OWED,UNCREDITED],"BRAVO":[..],"CHARLIE":[..]},...,
 *              {"agent":"house",...}],"custody":{"ALPHA":[CUSTODY,PENDING_WITHDRAWALS],...},
 *              "heights":[A,B,C],"trades":N,"custody_ok":true|false}
 *              (heights: the best chains as the exchange has processed them;
 *              trades: since the run's start, replay included)
 *  anything else, or a malformed line
 *          <- {"type":"error","error":"<field>: <why>"}   (the connection stays open)
 *
 * Thread-safety: each entry point is a process's main loop; no global state
 * (the stop flag is the caller's callback).
 */
#ifndef CHAIN_ECONOMY_LIVE_H
#define CHAIN_ECONOMY_LIVE_H

#include <stddef.h>
#include <stdint.h>

#include "chain/economy/agent.h"
#include "chain/economy/config.h"
#include "common/buf.h"
#include "common/error.h"
#include "pouw/keys.h"

#define CHAIN_ECON_LIVE_SOCK "exchange.sock"
#define CHAIN_ECON_LIVE_DB "exchange.db"
#define CHAIN_ECON_LIVE_LINE_MAX ((size_t)1 << 20)

typedef struct chain_econ_live_opts {
    double duration_s;          /* supervisor: real seconds (0: the config's duration_s) */
    double speed;               /* trader steps every step_s / speed seconds (0: 1) */
    const char *config_path;    /* the config file (passed on to the children) */
    const char *self;           /* path of the econ program (children are started from it) */
    const char *pouw;           /* path of the pouw program */
    int (*stop)(void *user);    /* non-zero: stop cleanly */
    void *stop_user;
    int quiet;                  /* no progress lines on stderr */
} chain_econ_live_opts;

/* The three processes. Each returns 0 when stopped cleanly, 1 when it failed
 * (err says why), 2 for bad input (err). */
int chain_econ_live_run(const chain_econ_config *cfg, const char *dir, const chain_econ_live_opts *o,
                        common_error *err);
int chain_econ_live_exchange(const chain_econ_config *cfg, const char *dir, const chain_econ_live_opts *o,
                             common_error *err);
int chain_econ_live_trader(const chain_econ_config *cfg, const char *dir, const char *group,
                           const chain_econ_live_opts *o, common_error *err);

/* --- shared by the three (live.c) --- */

/* Loads DIR/keys/<name>.key, making it (random, labelled name) when missing.
 * Returns 0, or -1 with err. Out: key (free with pouw_key_clear). */
int chain_econ_live_key(pouw_key *key, common_error *err, const char *dir, const char *name);
/* The label of agent i ("<group label>-<k>"). Out: out (size >= CHAIN_ECON_LABEL_MAX + 12). */
void chain_econ_live_label(char *out, size_t size, const chain_econ_config *cfg, uint32_t i);
/* The group of agent i. */
const chain_econ_group *chain_econ_live_group_of(const chain_econ_config *cfg, uint32_t i);

/* Appends the observation line of obs (format above: chain_econ_obs_json of
 * chain/economy/obs_json.h with every extra member, LIVE style). Returns 0 or -1 (memory). */
int chain_econ_live_obs_json(common_buf *b, const chain_econ_obs *obs, uint64_t step);
/* Decodes an observation object into obs; orders go to orders[0..max), errors
 * to errs (pointers into the JSON, valid while it lives). Returns 0, or -1 with
 * why (the field). */
int chain_econ_live_obs_parse(chain_econ_obs *obs, chain_ex_order_info *orders, size_t max, const char **errs,
                              size_t max_errs, const cJSON *o, char why[160]);
/* Appends the act line for agent and act. Returns 0 or -1. */
int chain_econ_live_act_json(common_buf *b, uint32_t agent, const chain_econ_action *act);
/* Appends a JSON string literal of s (escaped): chain_econ_json_str, LIVE style. */
void chain_econ_live_put_str(common_buf *b, const char *s);
/* Appends a double (an integer below 2^53 as such, else %.17g; null when not finite):
 * chain_econ_json_real, LIVE style. */
void chain_econ_live_put_real(common_buf *b, double v);

/* Connects to DIR/exchange.sock. Returns the socket, or -1. */
int chain_econ_live_connect(const char *dir);
/* Writes the line whole. Returns 0, or -1. */
int chain_econ_live_write(int fd, const char *line, size_t len);
/* A line reader on a socket. */
typedef struct chain_econ_live_reader {
    common_buf in;
    size_t start;
} chain_econ_live_reader;
/* Reads the next line (without '\n', NUL-terminated in place) into *line and
 * *len, waiting at most timeout_ms (-1: forever). Returns 1 a line, 0 timeout,
 * -1 closed or error. */
int chain_econ_live_read_line(chain_econ_live_reader *r, int fd, int timeout_ms, char **line, size_t *len);
void chain_econ_live_reader_free(chain_econ_live_reader *r);

#endif /* CHAIN_ECONOMY_LIVE_H */
