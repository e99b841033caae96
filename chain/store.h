/* chain/store.h - the chain store: one SQLite database DIR/chains.db holding every
 * block of every branch of every chain with its verdict, weight, cumulative weight
 * and position; the best tip of each chain; each block's ledger (as differences);
 * and each chain's mempool. Shared by processes; opaque (STYLE rule 17).
 *
 * CONTRACT
 * - Nothing is believed without a verdict. A block enters the database only after
 *   opts.precheck (stages 1-3 of spec s11.7: size before parse, parse, types and
 *   ranges, header fields and version, the pre-hash gate) and, when its parent is
 *   stored and VALID, opts.verify (stages 5-8: time rules, post_bits against the
 *   retarget rule, transactions, signatures, ledger and ledger_root, sessions)
 *   have judged it. Stage 4 (parent known, height = parent's + 1) is the store's.
 *   The verdict is stored with the block: VALID; INVALID (with its pouw_reason;
 *   its descendants are INVALID too, reason unknown_parent); or ORPHAN (prechecked,
 *   parent unknown: not invalid; kept, at most CHAIN_STORE_MAX_ORPHANS per chain,
 *   the oldest dropped first; verified and connected when its parent arrives).
 *   Readers trust stored verdicts: opening a store verifies nothing.
 * - A copy-only rejection (precheck or verify returns anything but CHAIN_OK and
 *   CHAIN_EINVALID: an oversize or malformed copy, a time ahead of the clock, a
 *   check that could not complete) stores nothing: the genuine block may come
 *   later under the same id.
 * - Weight. Each VALID block stores w = chain_block_weight(params, header)
 *   (chain/params.h) and cum = parent's cum + w (genesis: w), 256-bit unsigned,
 *   big-endian, saturating. Fork choice: the VALID block with the most cum is the
 *   best tip; among equal cum the tip the database already names stays, unless
 *   chain_store_prefer_tip names another (a node's tie rule). The best
 *   chain (heights 0..tip) is kept in the database, so reading it is one query.
 * - Writers use SQLite transactions (BEGIN IMMEDIATE; busy timeout and retry: no
 *   writer waits forever, CHAIN_EBUSY after CHAIN_STORE_BUSY_MS): insert the block,
 *   its ledger differences, fork choice, the best chain, and, when the tip moved,
 *   the mempool (transfers of blocks that left the best chain come back, those that
 *   can never apply again on the new tip go) are one transaction. A process killed
 *   at any instant leaves the database as before or after that transaction (WAL).
 *   Verification runs outside the transaction (a stored parent never changes).
 * - The store calls the validator only through the callbacks in chain_store_opts
 *   (no include of chain/validate.h: layers point one way, STYLE rule 16); the
 *   validator reads what it needs through the query functions below, by block id
 *   on any branch.
 * - Errors name the database file (err->path) and, for a block, the field. A
 *   database that SQLite finds corrupt gives CHAIN_ESTORE with the message
 *   "database is corrupt (...); recover with: <command>" (CHAIN_STORE_RECOVER).
 *
 * Layout of chains.db (schema version CHAIN_STORE_SCHEMA, PRAGMA user_version):
 *   chains(name PK, chain_id, tip, tip_height)      one row per chain created
 *   blocks(chain, id, prev, height, time_ms, ..., coinbase (the miner's earnings:
 *          reward + fees, units), verdict, reason, weight, cum,
 *          seen (insertion order), doc)              every block (doc: its JSON
 *                                                    document without the ledger)
 *   best(chain, height, id)                          the best chain, by height
 *   ledger(chain, block, account, balance, sequence) accounts a block changed
 *   mempool(chain, id, sender, sequence, fee, doc)   pending transfers
 *
 * Thread-safety: a store value belongs to one thread at a time; distinct values (in
 * one process or many) may use one database at once.
 */
#ifndef CHAIN_STORE_H
#define CHAIN_STORE_H

#include <stddef.h>
#include <stdint.h>

#include "common/error.h"
#include "chain/params.h"
#include "chain/status.h"
#include "pouw/block.h"
#include "pouw/keys.h"
#include "pouw/tx.h"
#include "pouw/verify.h"

#define CHAIN_PATH_MAX 4096
#define CHAIN_STORE_FILE "chains.db"
#define CHAIN_STORE_SCHEMA 2 /* 2: amounts in units (10^6 a coin), blocks.coinbase = reward + fees;
                                a database of schema 1 (rewards of 1000 units) is refused */
#define CHAIN_STORE_MAX_ORPHANS 256       /* per chain; the oldest is dropped beyond */
#define CHAIN_STORE_MAX_TXS 100000        /* pending transfers per chain; more are refused */
#define CHAIN_STORE_BUSY_MS 30000         /* a writer waits at most this long for another */
/* printf format of the recovery command (the database path twice, then once more) */
#define CHAIN_STORE_RECOVER "sqlite3 %s .recover | sqlite3 %s.recovered && mv %s.recovered <the database>"

typedef struct chain_store chain_store;

typedef enum chain_verdict {
    CHAIN_VERDICT_NONE = 0,    /* not in the store */
    CHAIN_VERDICT_VALID = 1,
    CHAIN_VERDICT_INVALID = 2, /* reason says why (unknown_parent: an ancestor is invalid) */
    CHAIN_VERDICT_ORPHAN = 3,  /* prechecked, parent unknown: kept, not invalid */
} chain_verdict;

/* What the store knows of one block, any branch (one query, no document read). */
typedef struct chain_block_meta {
    uint8_t id[32];
    uint8_t prev[32];
    uint64_t height;
    uint64_t time_ms;
    uint32_t prehash_bits;
    int64_t pps_threshold_micro;
    uint32_t post_bits;
    uint8_t miner[32];
    int64_t coinbase;          /* the miner's earnings, units: the coinbase amount + the fees */
    size_t n_txs;
    chain_verdict verdict;
    pouw_reason reason;        /* INVALID: why */
    uint8_t weight[32];        /* VALID: chain_block_weight, big-endian */
    uint8_t cum[32];           /* VALID: cumulative weight, genesis through this block */
    uint64_t seen;             /* insertion order in the database (first seen) */
    int best;                  /* 1: on the best chain now */
} chain_block_meta;

/* The validator's stages 1-3 on a document of len bytes (not NUL-terminated).
 * Returns CHAIN_OK and the parsed block in b; CHAIN_EINVALID (invalid by committed
 * data: *reason; the id is recorded as INVALID when b->post_hash is set); any other
 * code: a copy-only rejection (nothing stored). err names the field. */
typedef chain_status (*chain_precheck_fn)(void *user, pouw_block *b, pouw_reason *reason, common_error *err,
                                          const chain_params *p, const char *doc, size_t len);

/* The validator's stages 5-8 of b, whose parent is stored and VALID (or b is a
 * height-0 block with zero prev_hash: checked as the chain's genesis). Reads the
 * store only through the query functions. Returns CHAIN_OK (valid); CHAIN_EINVALID
 * (*reason; stored INVALID); any other code (copy-only, or not now: nothing
 * stored). */
typedef chain_status (*chain_verify_fn)(void *user, pouw_reason *reason, common_error *err, chain_store *s,
                                        const pouw_block *b);

/* Builds the chain's genesis block (create). */
typedef chain_status (*chain_genesis_fn)(void *user, pouw_block *b, common_error *err, const chain_params *p);

/* What a tip move did (told after the transaction committed). */
typedef struct chain_tip_move {
    uint8_t old_tip[32];       /* zero when there was none */
    uint8_t new_tip[32];
    uint64_t old_height, new_height;
    uint64_t disconnected;     /* blocks that left the best chain */
    size_t returned;           /* their transfers put back into the mempool */
    size_t pruned;             /* transfers removed: they can never apply on the new tip */
} chain_tip_move;

typedef void (*chain_tip_moved_fn)(void *user, chain_store *s, const chain_tip_move *m);

/* How to open a store. {0} plus verify (and precheck, genesis to create) is the
 * usual choice. A store without verify reads; adding blocks fails (CHAIN_EPARAMS). */
typedef struct chain_store_opts {
    int create;                 /* create chains.db and the chain (its genesis) when missing */
    int read_only;              /* open for reading only (also chosen when DIR is not writable) */
    int sync_normal;            /* synchronous=NORMAL instead of FULL: still crash-consistent in WAL
                                   mode, but the last transactions may be lost on a power cut
                                   (a simulation that can be re-run; never a node or a miner) */
    chain_precheck_fn precheck; /* NULL: pouw_block_parse with the size limit only */
    void *precheck_user;
    chain_verify_fn verify;     /* NULL: no block can be added */
    void *verify_user;
    chain_genesis_fn genesis;   /* needed with create */
    void *genesis_user;
    chain_tip_moved_fn tip_moved; /* may be NULL */
    void *tip_moved_user;
    /* Told about each block judged INVALID or dropped while connecting orphans, and
     * about each block chain_store_verify_all rejects. May be NULL. */
    void (*notice)(void *user, const common_error *err);
    void *notice_user;
    /* Asked between blocks by chain_store_verify_all: non-zero stops it (CHAIN_ESTOPPED). */
    int (*cancel)(void *user);
    void *cancel_user;
    void (*progress)(void *user, uint64_t done, uint64_t total); /* chain_store_verify_all */
    void *progress_user;
} chain_store_opts;

/* ---------------------------------------------------------------- open, close */

/* Opens chain p of data directory datadir (DIR/chains.db) with options o (NULL:
 * read). With o->create, creates the database and the chain (o->genesis, then
 * verify, in one writer transaction: processes starting together make one genesis).
 * Returns: CHAIN_OK; CHAIN_EUNKNOWN (no such chain in DIR and no create: "no
 * <coin> chain in DIR"); CHAIN_ESTORE (corrupt database, another schema, or the
 * stored genesis is not the chain's); CHAIN_EIO (cannot open or create the file);
 * CHAIN_EBUSY; CHAIN_ENOMEM; codes of genesis and verify. Out: *s (NULL on error;
 * free with chain_store_close), err. */
__attribute__((warn_unused_result)) chain_status chain_store_open(chain_store **s, common_error *err,
                                                                  const char *datadir, const chain_params *p,
                                                                  const chain_store_opts *o);

/* Looks at datadir's database before a program does anything else: nothing
 * there, or a regular file SQLite opens with this schema (cheap: no check of
 * every page). Returns CHAIN_OK (also when absent); CHAIN_EIO (not a regular
 * file: a FIFO or a folder named chains.db is never opened, so nothing hangs;
 * or it cannot be opened); CHAIN_ESTORE (corrupt: the message carries the
 * recovery command; another schema). err names the file. */
__attribute__((warn_unused_result)) chain_status chain_store_probe(common_error *err, const char *datadir);

/* Closes the database and frees s (NULL is fine). */
void chain_store_close(chain_store *s);

const chain_params *chain_store_params(const chain_store *s);
/* DIR/chains.db */
const char *chain_store_path(const chain_store *s);
const char *chain_store_datadir(const chain_store *s);

/* ---------------------------------------------------------------- the best chain */

/* Reads the tip the database names now (one query). Out: moved (may be NULL).
 * Returns CHAIN_OK; CHAIN_ESTORE; CHAIN_EBUSY. */
__attribute__((warn_unused_result)) chain_status chain_store_refresh(chain_store *s, common_error *err, int *moved);

/* 1 when another connection committed since this value's last refresh (PRAGMA
 * data_version): cheap, for a miner's check before each attempt. */
int chain_store_changed(chain_store *s);

/* The best tip as of the last refresh (open refreshes). */
uint64_t chain_store_tip_height(const chain_store *s);
void chain_store_tip_id(uint8_t id32[32], const chain_store *s);

/* The best chain's block id at height h (as of the database now). Returns 1, or 0
 * when h is above the tip (id zeroed). */
int chain_store_best_id(uint8_t id32[32], chain_store *s, uint64_t h);

/* Looks for block id on the best chain. Returns 1 and *height, or 0. */
int chain_store_find(uint64_t *height, chain_store *s, const uint8_t id32[32]);

/* ---------------------------------------------------------------- queries (any branch) */

/* The metadata of block id32. Returns CHAIN_OK; CHAIN_EUNKNOWN (not in the store:
 * verdict NONE); CHAIN_ESTORE. Out: m (zeroed when absent), err. */
__attribute__((warn_unused_result)) chain_status chain_store_meta(chain_block_meta *m, common_error *err,
                                                                  chain_store *s, const uint8_t id32[32]);

/* Block id32 and up to n - 1 of its ancestors, newest first (for the median time
 * past and retarget spans). Returns CHAIN_OK (*got <= n: fewer at genesis);
 * CHAIN_EUNKNOWN; CHAIN_ESTORE. Out: m[0 .. *got), got. */
__attribute__((warn_unused_result)) chain_status chain_store_ancestors(chain_block_meta *m, size_t *got,
                                                                       common_error *err, chain_store *s,
                                                                       const uint8_t id32[32], size_t n);

/* The ancestor of block id32 (or itself) at height h <= its height.
 * Returns CHAIN_OK; CHAIN_EUNKNOWN; CHAIN_ESTORE. Out: m. */
__attribute__((warn_unused_result)) chain_status chain_store_ancestor(chain_block_meta *m, common_error *err,
                                                                      chain_store *s, const uint8_t id32[32],
                                                                      uint64_t h);

/* The full block id32 (its document, and its ledger when VALID).
 * Returns CHAIN_OK; CHAIN_EUNKNOWN (absent, or INVALID: no document kept);
 * CHAIN_ESTORE; CHAIN_ENOMEM. Out: b (previous contents freed), err. */
__attribute__((warn_unused_result)) chain_status chain_store_block(pouw_block *b, common_error *err, chain_store *s,
                                                                   const uint8_t id32[32]);

/* The best chain's block at height h: chain_store_block of chain_store_best_id. */
__attribute__((warn_unused_result)) chain_status chain_store_load(pouw_block *b, common_error *err, chain_store *s,
                                                                  uint64_t h);

/* The ledger after VALID block id32 (every account). Returns CHAIN_OK;
 * CHAIN_EUNKNOWN; CHAIN_ESTORE; CHAIN_ENOMEM. Out: l (previous contents freed). */
__attribute__((warn_unused_result)) chain_status chain_store_ledger(pouw_ledger *l, common_error *err, chain_store *s,
                                                                    const uint8_t id32[32]);

/* Counts of the chain's blocks by verdict. */
typedef struct chain_store_counts {
    uint64_t valid, invalid, orphan;
} chain_store_counts;
__attribute__((warn_unused_result)) chain_status chain_store_count(chain_store_counts *c, common_error *err,
                                                                   chain_store *s);

/* Calls fn for every block of the chain in height order, then insertion order
 * (any verdict); fn returning non-zero stops (CHAIN_ESTOPPED). */
__attribute__((warn_unused_result)) chain_status chain_store_each(chain_store *s, common_error *err,
                                                                  int (*fn)(void *user, const chain_block_meta *m),
                                                                  void *user);

/* ---------------------------------------------------------------- adding blocks */

/* What adding a block did. */
typedef struct chain_store_add_result {
    chain_verdict verdict;     /* the block's verdict afterwards (NONE: copy-only rejection) */
    int stored;                /* 1: entered the database now; 0: it was there (or not stored) */
    int best;                  /* 1: the block is the best tip afterwards */
    int moved;                 /* 1: the tip moved (this block, or orphans it connected) */
    uint64_t connected;        /* orphans that became VALID because of it */
    chain_tip_move move;       /* when moved */
} chain_store_add_result;

/* Offers a block document (JSON bytes, as a file holds it): precheck, stage 4,
 * verify (parent VALID), then in one transaction: insert with its verdict, fork
 * choice, best chain, mempool; then orphans waiting for it, likewise.
 * A block already stored returns its stored verdict (nothing re-verified).
 * Returns: CHAIN_OK (VALID, or already known VALID); CHAIN_EORPHAN (kept as an
 * orphan); CHAIN_EINVALID (*reason; stored INVALID, or already known INVALID);
 * codes of a copy-only rejection (CHAIN_EMALFORMED, CHAIN_EIO, CHAIN_EWORK...);
 * CHAIN_EBUSY; CHAIN_ESTORE; CHAIN_EPARAMS (no verify callback).
 * Out: res (may be NULL), reason (may be NULL), err. */
__attribute__((warn_unused_result)) chain_status chain_store_add_doc(chain_store *s, chain_store_add_result *res,
                                                                     pouw_reason *reason, common_error *err,
                                                                     const char *doc, size_t len);

/* chain_store_add_doc of b's document (pouw_block_to_json): the same checks for a
 * block built here (a miner's own block is judged by every rule). */
__attribute__((warn_unused_result)) chain_status chain_store_add(chain_store *s, chain_store_add_result *res,
                                                                 pouw_reason *reason, common_error *err,
                                                                 const pouw_block *b);

/* The tie rule's switch (spec pouw.md s11.3, network.md "Ties"): makes VALID block
 * id32 the best tip when its cumulative weight equals the tip's (one writer
 * transaction, like a tip move of chain_store_add: the best chain, the mempool,
 * tip_moved; persisted). A heavier block is the tip already; a lighter one, or
 * the tip itself, changes nothing. Whether to prefer it (the coin toss, the
 * arrival times) is the caller's. Returns CHAIN_OK (res->moved: the tip moved;
 * res->best: id32 is the tip now); CHAIN_EUNKNOWN (not stored); CHAIN_EINVALID
 * or CHAIN_EORPHAN (not VALID); CHAIN_EBUSY; CHAIN_ESTORE; CHAIN_EPARAMS (a
 * reading store). Out: res (may be NULL), err. */
__attribute__((warn_unused_result)) chain_status chain_store_prefer_tip(chain_store *s, chain_store_add_result *res,
                                                                        common_error *err, const uint8_t id32[32]);

/* Re-verifies every stored block of the chain from scratch (precheck and verify of
 * its document against its stored parent, genesis first, in height order), ignoring
 * the stored verdicts, and tells each disagreement to opts.notice. Changes nothing.
 * Returns: CHAIN_OK (even with disagreements: *n_bad); CHAIN_ESTOPPED (opts.cancel);
 * CHAIN_ESTORE; CHAIN_ENOMEM. Out: n_checked, n_bad (VALID blocks that fail now,
 * or INVALID ones that pass), err. */
__attribute__((warn_unused_result)) chain_status chain_store_verify_all(uint64_t *n_checked, uint64_t *n_bad,
                                                                        common_error *err, chain_store *s);

/* Writes every VALID block of the chain (every branch) into folder outdir (created)
 * as <height, 8 digits>-<id hex>.json (the block document, pouw_block_to_json,
 * which `pouw submit` takes) and <height>-<id hex>.ledger.json (the ledger after
 * it), each crash-safely. Returns CHAIN_OK; CHAIN_EIO; CHAIN_ESTORE; CHAIN_ENOMEM.
 * Out: n (blocks written), err. */
__attribute__((warn_unused_result)) chain_status chain_store_export(uint64_t *n, common_error *err, chain_store *s,
                                                                    const char *outdir);

/* ---------------------------------------------------------------- the mempool */

/* Adds a signed transfer after pouw_tx_check for the chain and, in the same
 * transaction, checks it is spendable on the best tip's ledger after the sender's
 * pending transfers with the sequences before it (a queue without gaps), under
 * the rules of the next block (chain_store_rules: min_new_account; only coins
 * mature at the next height may be spent); the same transfer again is not an
 * error. Returns: CHAIN_OK; CHAIN_EINVALID (err->msg starts with the
 * pouw_reason_name: "tx_signature: ", "tx_chain: ", "tx_sequence: ",
 * "tx_overspend: ", "tx_immature: " (with the amount spendable now),
 * "tx_new_account: ", "tx_overflow: ", "tx: "; err->field the transfer's field); CHAIN_EBUSY; CHAIN_ESTORE; CHAIN_ENOMEM. Out: reason (may be
 * NULL), err. */
__attribute__((warn_unused_result)) chain_status chain_store_tx_add(chain_store *s, pouw_reason *reason,
                                                                    common_error *err, const pouw_tx *tx);

/* Builds, signs with key and adds a transfer of amount + fee from key's account
 * to `to`, its sequence the sender's next (tip ledger, then pending transfers)
 * chosen inside the writer transaction: concurrent senders of one account get
 * distinct sequences, and each transfer is either added or refused with a reason.
 * Returns as chain_store_tx_add. Out: tx (the transfer added), reason, err. */
__attribute__((warn_unused_result)) chain_status chain_store_send(chain_store *s, pouw_tx *tx, pouw_reason *reason,
                                                                  common_error *err, const pouw_key *key,
                                                                  const uint8_t to[POUW_ACCOUNT_BYTES], int64_t amount,
                                                                  int64_t fee);

/* Chooses up to max pending transfers that apply in order on ledger under rules
 * (may be NULL; the next block's rules: min_new_account and the immature coins
 * of chain_store_immature; each sender's in sequence order; greedy by fee, then
 * id; deterministic). Never chooses what verification would reject: a block of
 * the coinbase then the chosen transfers applies (pouw_ledger_apply_block).
 * Out: *txs (malloc'd, caller frees; NULL when *n is 0), *n. */
__attribute__((warn_unused_result)) chain_status chain_store_tx_select(pouw_tx **txs, size_t *n, common_error *err,
                                                                       chain_store *s, const pouw_ledger *ledger,
                                                                       const pouw_ledger_rules *rules, size_t max);

/* Coinbase maturity (spec s11.10): the coins a block whose parent is VALID block
 * parent_id32 may not spend, per account: the earnings (reward + fees, the
 * meta's coinbase) of the parent and its ancestors at heights above
 * parent height + 1 - maturity that the account mined (maturity - 1 blocks;
 * none for maturity <= 1: then only the block's own coinbase and fees are
 * immature, which pouw_ledger_apply_block counts itself). Reads the index only.
 * Returns: CHAIN_OK; CHAIN_EUNKNOWN; CHAIN_ESTORE; CHAIN_ENOMEM.
 * Out: l (previous contents freed; balances = immature units), err. */
__attribute__((warn_unused_result)) chain_status chain_store_immature(pouw_ledger *l, common_error *err,
                                                                      chain_store *s, const uint8_t parent_id32[32]);

/* The ledger rules of the block after VALID block parent_id32 (min_new_account,
 * the immature coins in *immature, block_immature for maturity >= 1).
 * Returns: as chain_store_immature. Out: rules (borrows *immature: free that with
 * pouw_ledger_clear after use), immature, err. */
__attribute__((warn_unused_result)) chain_status chain_store_rules(pouw_ledger_rules *rules, pouw_ledger *immature,
                                                                   common_error *err, chain_store *s,
                                                                   const uint8_t parent_id32[32]);

/* Every pending transfer, sorted by id. Out: *txs (malloc'd), *n. */
__attribute__((warn_unused_result)) chain_status chain_store_tx_list(pouw_tx **txs, size_t *n, common_error *err,
                                                                     chain_store *s);

/* The sequence the next transfer of `from` should carry (tip ledger, then pending). */
__attribute__((warn_unused_result)) chain_status chain_store_tx_next_sequence(uint64_t *seq, common_error *err,
                                                                              chain_store *s,
                                                                              const uint8_t from[POUW_ACCOUNT_BYTES]);

#endif /* CHAIN_STORE_H */
