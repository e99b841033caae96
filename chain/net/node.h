/* chain/net/node.h - a networked node (spec network.md): one process over one data
 * directory (DIR/chains.db, chain/store.h) that listens on TCP, keeps connections
 * to peers, speaks the wire protocol of chain/net/wire.h, and may mine. Opaque
 * (STYLE rule 17).
 *
 * THREADS. One libuv event loop owns every socket, timer and the node's state.
 * Block documents and transfers received from peers are verified on libuv's
 * worker pool (uv_queue_work: chain_store_add_doc / chain_store_tx_add on a
 * store value of the worker), never on the loop; their outcome is applied on the
 * loop. The miner (when asked for) is one more thread with its own store values,
 * mining like `pouw mine` (chain_mine_block, stop_on_change): a block it stores
 * is seen by the loop's tip poll and announced. SIGINT and SIGTERM (uv_signal)
 * stop the miner and the loop; connections are closed, stores closed.
 *
 * PROPAGATION (headers first). A block announce of an id the store lacks is
 * answered with getheaders (the locator of the best chain, stop = that id). A
 * header is accepted only on a known parent (stored VALID, or an accepted
 * header) after the header checks the node can make without the body: chain id,
 * version and the genesis constants (prehash gate bits, floor, mode, sessions,
 * job digest), the pre-hash within the gate, height = parent + 1, time above the
 * parent's median time past and at most max_future_ms ahead of the clock, and
 * post_bits as the retarget rule demands on that branch. A header whose parent
 * is unknown goes into the orphan-header pool (at most CHAIN_NET_MAX_ORPHAN_HEADERS,
 * the oldest evicted) and its parents are asked for (getheaders to the sender).
 * Bodies are fetched (get) only for a branch whose last accepted header would
 * become or tie the best tip (cumulative weight >= the tip's), from the peers
 * that announced them, round-robin, at most CHAIN_NET_MAX_INFLIGHT requests per
 * peer; each peer has at most one block in verification at a time, and one
 * block per chain is verified at a time (a block and its parent verified at once
 * would each miss the other in the store). A block nobody asked for (its peer
 * had no request of ours open) is verified only when it would become or tie the
 * best tip (parent's cumulative weight plus its own >= the tip's); a lighter one
 * is dropped unverified. The store re-runs the sessions (stopping at the first
 * mismatch) and decides fork choice.
 * A block or transfer is relayed (announced) only after it was verified and
 * stored. Headers that were announced but whose bodies never came are dropped
 * after a while and asked for again by the next announce.
 *
 * Catch-up: after the handshake, for every chain where the peer names a tip the
 * store lacks with at least the store's cumulative weight, the node sends
 * getheaders; a full headers answer (CHAIN_NET_MAX_HEADERS) is followed by
 * another getheaders from its last header, so a node that restarts or falls
 * behind syncs by headers first.
 *
 * TRANSFERS. The node polls its store's mempool (chain send by any process on
 * DIR) and announces transfers it has not announced; a transfer received from a
 * peer is checked and added by chain_store_tx_add on a worker, then announced.
 *
 * PEERS. Up to CHAIN_NET_MAX_OUTBOUND outbound connections, dialled from the
 * address book (the --peer seeds, retried forever with back-off, and addresses
 * learnt by getaddr/addr), and up to CHAIN_NET_MAX_INBOUND inbound. Each peer's
 * flood allowance is CHAIN_NET_FLOOD_MSGS messages and CHAIN_NET_FLOOD_BYTES
 * bytes a second. Misbehaviour as chain/net/peer.h.
 *
 * TIES (spec pouw.md s11.3, network.md "Ties"). The store keeps its current tip
 * among equal cumulative weights. The node records when each tip's header
 * arrived (a header from a peer: when the header came, not when verification
 * ended; a block of its own miner or of another process on DIR: when the node
 * saw it). A block stored VALID beside the tip with the tip's cumulative weight
 * makes the node toss a fair coin (its own generator, seeded by opts.seed): it
 * switches (chain_store_prefer_tip, on a worker; persisted in the store) when
 * the coin says so and the two headers arrived within one target interval of
 * each other (chain_net_tie_switch); otherwise it keeps its tip. A withholding
 * miner that releases its block only when an honest one appears thus wins
 * about half of the honest nodes, not all of them.
 *
 * DIR/peers.json (written atomically: temporary file, fsync, rename; at most
 * once a second while the node runs, and at exit). Schema version 1:
 *   {
 *     "schema": 1,
 *     "listen": "HOST:PORT",              the node's own address
 *     "updated_ms": INT,                  Unix ms of this write
 *     "chains": [ { "name": STR, "height": INT, "tip": HEX32 }, ... ],
 *     "orphan_headers": INT,              headers kept whose parents are asked for
 *                                         (at most CHAIN_NET_MAX_ORPHAN_HEADERS)
 *     "peers": [                          every connection now
 *       { "address": "HOST:PORT",         the remote end (inbound: its listen port
 *                                         when its version named one)
 *         "direction": "in" | "out",
 *         "state": "handshake" | "ready",
 *         "heights": { CHAIN_NAME: INT, ... },  best height seen per chain (its
 *                                         version, then its announces)
 *         "score": INT,                   misbehaviour score of its host
 *         "banned_until_ms": INT } ],     0 when not banned
 *     "known": [                          the address book
 *       { "address": "HOST:PORT", "seed": BOOL, "last_ok_ms": INT,
 *         "failures": INT } ],
 *     "banned": [                         hosts with a score or a ban
 *       { "host": IP, "score": INT, "banned_until_ms": INT, "reason": STR } ]
 *   }
 * Keys appear in this order; integers are JSON integers.
 *
 * Thread-safety: a node belongs to the thread that runs it.
 */
#ifndef CHAIN_NET_NODE_H
#define CHAIN_NET_NODE_H

#include <stddef.h>
#include <stdint.h>

#include "common/error.h"
#include "chain/params.h"
#include "chain/policy.h"
#include "chain/status.h"

#define CHAIN_NET_MAX_OUTBOUND 8
#define CHAIN_NET_MAX_INBOUND 32
#define CHAIN_NET_MAX_ORPHAN_HEADERS 100
#define CHAIN_NET_MAX_INFLIGHT 16
#define CHAIN_NET_MAX_PENDING 20000           /* accepted headers waiting for bodies */
#define CHAIN_NET_FLOOD_MSGS 500              /* messages a peer may send in one second */
#define CHAIN_NET_FLOOD_BYTES ((uint64_t)64 << 20) /* bytes a peer may send in one second */
#define CHAIN_NET_PEERS_FILE "peers.json"
#define CHAIN_NET_MAX_SEEDS 64

typedef struct chain_net_node chain_net_node;

/* How to run a node. */
typedef struct chain_net_node_opts {
    const char *datadir;                 /* DIR (created with its chains when missing) */
    const char *listen;                  /* "HOST:PORT" (numeric host) */
    const char *peers[CHAIN_NET_MAX_SEEDS]; /* "HOST:PORT" seeds */
    size_t n_peers;
    int testnet;                         /* the testnet chains (chain_testnet_at) */
    int mine;                            /* 1: run the miner thread */
    int use_policy;                      /* 1: choose the chain by policy; 0: mine chain `chain` */
    chain_policy_kind policy;
    const char *chain;                   /* with use_policy 0: the chain to mine */
    const char *keyfile;                 /* NULL: DIR/keys/miner.key */
    uint64_t seed;                       /* random policy, version nonce, tie coin */
    unsigned threads;                    /* session threads of the miner and of each verification */
    uint64_t mine_ms;                    /* stop mining after this long (0: until the node stops) */
    uint64_t run_ms;                     /* stop the node after this long (0: until a signal) */
    uint64_t (*clock_ms)(void *user);    /* wall clock, Unix ms (block times, bans) */
    void *clock_user;
    int verbose;                         /* 1: one stderr line per connection event and block */
} chain_net_node_opts;

/* Makes a node: opens (creating) every chain of DIR, loads the miner key when
 * mining, binds the listen address. Returns: CHAIN_OK; CHAIN_EPARAMS (a bad
 * listen or peer address, an unknown chain: err names it); CHAIN_EIO (cannot
 * bind, create DIR); codes of the store and of chain_miner_key. Out: *n (NULL
 * on error; free with chain_net_node_destroy), err. */
__attribute__((warn_unused_result)) chain_status chain_net_node_create(chain_net_node **n, common_error *err,
                                                                       const chain_net_node_opts *o);

/* Runs the loop until SIGINT/SIGTERM (or run_ms). Returns CHAIN_OK after a clean
 * stop; CHAIN_EIO (the loop failed); CHAIN_EKEY/codes of the miner's store when the
 * miner could not start. Out: err. */
__attribute__((warn_unused_result)) chain_status chain_net_node_run(chain_net_node *n, common_error *err);

/* Blocks the node mined and blocks it stored from peers since it started. */
void chain_net_node_counts(const chain_net_node *n, uint64_t *mined, uint64_t *received);

void chain_net_node_destroy(chain_net_node *n);

/* The tie rule (above): 1 when a node whose tip's header arrived at tip_ms
 * should switch to an equal-weight tip whose header arrived at other_ms, given
 * the target interval and a coin (its low bit): |other - tip| <= interval and
 * the coin is 1. */
int chain_net_tie_switch(uint64_t tip_ms, uint64_t other_ms, uint64_t interval_ms, unsigned coin);

#endif /* CHAIN_NET_NODE_H */
