/* chain/net/node.c - the node's event loop (node.h has the contract): libuv TCP,
 * timers and signals on one loop thread; verification on libuv's worker pool;
 * the miner on its own thread. Every field of chain_net_node but the atomics
 * and the store pools (mutex) belongs to the loop thread. */
#include "chain/net/node.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <uv.h>

#include "common/buf.h"
#include "common/u256.h"
#include "chain/keys.h"
#include "chain/net/peer.h"
#include "chain/net/wire.h"
#include "chain/mining.h"
#include "chain/validate.h"
#include "chain/retarget.h"
#include "chain/store.h"
#include "pouw/block.h"
#include "pouw/target.h"

#define TICK_MS 100
#define MEMPOOL_POLL_MS 400
#define PEERS_FILE_MS 1000
#define PING_MS 5000
#define IDLE_MS 60000
#define REQUEST_TIMEOUT_MS 10000
#define PENDING_EXPIRE_MS 120000
#define KNOWN_TX 8192
#define HDR_CACHE 4096
#define MAX_QUEUED 256            /* received messages waiting for verification, per peer */
#define MAX_WRITE_BYTES ((size_t)96 << 20)

enum { PS_CONNECTING = 0, PS_HANDSHAKE = 1, PS_READY = 2 };
enum { PH_IDLE = 0, PH_WANTED = 1, PH_REQUESTED = 2, PH_VERIFYING = 3 };
enum { JOB_BLOCK = 1, JOB_TRANSFER = 2 };

typedef struct pending_hdr {
    uint8_t id[32];
    pouw_header h;
    uint8_t cum[32];
    uint64_t arrival_ms;
    uint64_t src_peer;
    int state;
    uint64_t req_peer;
    uint64_t req_ms;
} pending_hdr;

typedef struct orphan_hdr {
    unsigned chain;
    chain_net_header_entry e;
    uint64_t src_peer;
    uint64_t seq;
} orphan_hdr;

typedef struct known_tx {
    uint8_t id[32];
    char *doc;
    size_t len;
} known_tx;

typedef struct hdr_cache_entry {
    int used;
    uint8_t id[32];
    pouw_header h;
} hdr_cache_entry;

typedef struct store_pool {
    uv_mutex_t mu;
    chain_store *free[16];
    size_t n;
} store_pool;

typedef struct net_chain {
    const chain_params *p;
    chain_store *s;                /* the loop's */
    chain_v1_verifier ver;         /* the loop's store's verifier (reads only) */
    chain_v1_verifier wver;        /* the workers' */
    store_pool pool;
    uint8_t genesis[32];
    uint8_t announced[32];
    pending_hdr *pend;
    size_t n_pend, cap_pend;
    known_tx known[KNOWN_TX];
    size_t known_next;
    uint8_t (*mem_prev)[32];       /* the mempool's ids at the last poll, sorted */
    size_t n_mem_prev;
    int block_busy;                /* a block of this chain is being verified */
    uint8_t arrival_tip[32];       /* the tip whose header arrival is tip_arrival_ms */
    uint64_t tip_arrival_ms;       /* when its header arrived (a block of ours: when it was seen) */
} net_chain;

struct vjob;

typedef struct peer {
    uv_tcp_t tcp;
    chain_net_node *node;
    uint64_t id;
    int inbound, state, closing;
    int got_version, got_verack, sent_version;
    char host[64];
    uint16_t port;                 /* remote port (outbound: the dialled one) */
    uint16_t listen_port;          /* from its version */
    chain_net_book_entry *book;    /* outbound: the entry dialled */
    uv_connect_t conn;
    chain_net_reader rd;
    char rbuf[65536];
    uint64_t heights[CHAIN_COUNT];
    uint8_t tip[CHAIN_COUNT][32];
    uint8_t cum[CHAIN_COUNT][32];
    int has_chain[CHAIN_COUNT];
    uint64_t flood_window, flood_msgs, flood_bytes;
    int flood_flagged;
    unsigned inflight;
    struct vjob *q_head, *q_tail;
    size_t n_queued;
    int verifying;
    uint64_t last_recv, ping_nonce, ping_sent;
    size_t wq_bytes;
    struct peer *next;
} peer;

typedef struct vjob {
    uv_work_t req;
    chain_net_node *node;
    uint64_t peer_id;
    int kind;
    unsigned chain;
    char *doc;
    size_t len;
    chain_status cs;
    pouw_reason reason;
    chain_store_add_result res;
    common_error err;
    uint8_t id[32];
    int have_id;
    int solicited;                 /* a block that came while its peer had requests of ours open */
    int skipped;                   /* unsolicited and lighter than the tip: not verified */
    int tie;                       /* stored VALID beside the tip with the tip's cumulative weight */
    uint64_t recv_ms;              /* when the message came */
    struct vjob *next;
} vjob;

/* The tie rule's switch to an equal-weight tip (chain_store_prefer_tip), on a worker. */
typedef struct tie_job {
    uv_work_t req;
    chain_net_node *node;
    unsigned chain;
    uint8_t id[32];
    uint64_t arrival_ms;
    chain_status cs;
    chain_store_add_result res;
    common_error err;
} tie_job;

typedef struct write_req {
    uv_write_t w;
    peer *p;
    size_t len;
    char data[];
} write_req;

struct chain_net_node {
    chain_net_node_opts o;
    uv_loop_t loop;
    int loop_init;
    uv_tcp_t server;
    uv_timer_t tick;
    uv_signal_t sigint, sigterm;
    int stopping;
    uint8_t magic[4];
    char listen_host[64];
    uint16_t listen_port;
    unsigned n;
    net_chain ch[CHAIN_COUNT];
    peer *peers;
    uint64_t next_peer_id;
    uint64_t nonce;
    uint64_t rng;
    chain_net_hosts hosts;
    chain_net_book book;
    orphan_hdr orphans[CHAIN_NET_MAX_ORPHAN_HEADERS];
    size_t n_orphans;
    uint64_t orphan_seq;
    hdr_cache_entry cache[HDR_CACHE];
    uint64_t rr;
    uint64_t t_start, t_mempool, t_file, t_ping;
    uint64_t received;
    int jobs;                      /* worker jobs in flight */
    /* the miner thread */
    uv_thread_t miner;
    int miner_started;
    atomic_int stop_mining;
    atomic_ullong mined;
    pouw_key key;
    int have_key;
    chain_status miner_status;
    common_error miner_err;
};

/* ---------------------------------------------------------------- helpers */

static uint64_t now_ms(const chain_net_node *n) { return n->o.clock_ms(n->o.clock_user); }

static uint64_t rng_next(uint64_t *s)
{
    uint64_t z = (*s += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

static int chain_index(const chain_net_node *n, uint32_t chain_id)
{
    for (unsigned i = 0; i < n->n; i++)
        if (n->ch[i].p->chain_id == chain_id)
            return (int)i;
    return -1;
}

static void hex8(char out[17], const uint8_t *id)
{
    pouw_hex_encode(out, id, 8);
}

static void logf_(const chain_net_node *n, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void logf_(const chain_net_node *n, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "node %s:%u: ", n->listen_host, (unsigned)n->listen_port);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
}

static int tip_cum(uint8_t cum[32], net_chain *c)
{
    common_error err;
    chain_block_meta m;
    uint8_t tip[32];
    chain_store_tip_id(tip, c->s);
    if (chain_store_meta(&m, &err, c->s, tip) != CHAIN_OK) {
        memset(cum, 0, 32);
        return -1;
    }
    memcpy(cum, m.cum, 32);
    return 0;
}

/* Re-reads the tip the database names (a failure keeps the last one read). */
static void refresh(net_chain *c)
{
    common_error err;
    if (chain_store_refresh(c->s, &err, NULL) != CHAIN_OK)
        common_error_clear(&err);
}

static int cmp32(const uint8_t *a, const uint8_t *b) { return memcmp(a, b, 32); }

/* ---------------------------------------------------------------- store pools (workers) */

/* The store's tip_moved callback (worker and miner threads): one stderr line per
 * reorganisation. Reads only constant fields of the node. */
static void on_tip_moved(void *user, chain_store *s, const chain_tip_move *m)
{
    const chain_net_node *n = user;
    if (!m->disconnected)
        return;
    fprintf(stderr,
            "node %s:%u: %s reorganisation: %" PRIu64 " block%s left the best chain, %zu transfer%s back in the "
            "mempool, %zu pruned\n",
            n->listen_host, (unsigned)n->listen_port, chain_store_params(s)->name, m->disconnected,
            m->disconnected == 1 ? "" : "s", m->returned, m->returned == 1 ? "" : "s", m->pruned);
}

static chain_store *pool_take(chain_net_node *n, unsigned c, common_error *err)
{
    store_pool *sp = &n->ch[c].pool;
    chain_store *s = NULL;
    uv_mutex_lock(&sp->mu);
    if (sp->n)
        s = sp->free[--sp->n];
    uv_mutex_unlock(&sp->mu);
    if (s)
        return s;
    chain_store_opts so;
    memset(&so, 0, sizeof so);
    chain_v1_store_opts(&so, &n->ch[c].wver);
    so.tip_moved = on_tip_moved;
    so.tip_moved_user = n;
    if (chain_store_open(&s, err, n->o.datadir, n->ch[c].p, &so) != CHAIN_OK)
        return NULL;
    return s;
}

static void pool_give(chain_net_node *n, unsigned c, chain_store *s)
{
    store_pool *sp = &n->ch[c].pool;
    uv_mutex_lock(&sp->mu);
    if (sp->n < sizeof sp->free / sizeof sp->free[0]) {
        sp->free[sp->n++] = s;
        s = NULL;
    }
    uv_mutex_unlock(&sp->mu);
    chain_store_close(s);
}

/* ---------------------------------------------------------------- sending */

static void on_write(uv_write_t *w, int status)
{
    write_req *r = (write_req *)w;
    (void)status;
    if (r->p)
        r->p->wq_bytes -= r->len < r->p->wq_bytes ? r->len : r->p->wq_bytes;
    free(r);
}

static void peer_close(peer *p, const char *why);

static void peer_send(peer *p, common_buf *b)
{
    if (p->closing || b->len == 0 || b->oom) {
        common_buf_free(b);
        return;
    }
    if (p->wq_bytes + b->len > MAX_WRITE_BYTES) { /* it does not read what we send */
        common_buf_free(b);
        peer_close(p, "not reading");
        return;
    }
    write_req *r = malloc(sizeof *r + b->len);
    if (!r) {
        common_buf_free(b);
        peer_close(p, "out of memory");
        return;
    }
    memcpy(r->data, b->data, b->len);
    r->len = b->len;
    r->p = p;
    common_buf_free(b);
    uv_buf_t ub = uv_buf_init(r->data, (unsigned)r->len);
    p->wq_bytes += r->len;
    if (uv_write(&r->w, (uv_stream_t *)&p->tcp, &ub, 1, on_write) != 0) {
        p->wq_bytes -= r->len;
        free(r);
        peer_close(p, "write failed");
    }
}

static peer *peer_by_id(chain_net_node *n, uint64_t id)
{
    for (peer *p = n->peers; p; p = p->next)
        if (p->id == id && !p->closing)
            return p;
    return NULL;
}

/* ---------------------------------------------------------------- closing */

static void free_queue(peer *p)
{
    vjob *j = p->q_head;
    while (j) {
        vjob *nx = j->next;
        free(j->doc);
        free(j);
        j = nx;
    }
    p->q_head = p->q_tail = NULL;
    p->n_queued = 0;
}

static void on_peer_closed(uv_handle_t *h)
{
    peer *p = h->data;
    chain_net_node *n = p->node;
    peer **pp = &n->peers;
    while (*pp && *pp != p)
        pp = &(*pp)->next;
    if (*pp)
        *pp = p->next;
    chain_net_reader_clear(&p->rd);
    free_queue(p);
    free(p);
}

static void peer_close(peer *p, const char *why)
{
    if (p->closing)
        return;
    p->closing = 1;
    chain_net_node *n = p->node;
    if (why && (n->o.verbose || p->state == PS_READY || strstr(why, "ban")))
        logf_(n, "peer %s:%u closed: %s", p->host, (unsigned)(p->listen_port ? p->listen_port : p->port), why);
    /* requests it had are asked of others */
    for (unsigned c = 0; c < n->n; c++)
        for (size_t i = 0; i < n->ch[c].n_pend; i++) {
            pending_hdr *e = &n->ch[c].pend[i];
            if (e->state == PH_REQUESTED && e->req_peer == p->id)
                e->state = PH_WANTED;
        }
    if (p->book && !p->inbound) {
        if (p->state != PS_READY) {
            p->book->failures++;
            uint64_t back = (uint64_t)500 << (p->book->failures > 5 ? 5 : p->book->failures);
            if (p->book->seed && back > 2000)
                back = 2000;
            if (back > 30000)
                back = 30000;
            p->book->next_try_ms = now_ms(n) + back;
        } else {
            p->book->next_try_ms = now_ms(n) + 1000;
        }
    }
    /* writes still queued point at p: uv_close cancels them, and their callbacks
     * run before the close callback frees p */
    uv_close((uv_handle_t *)&p->tcp, on_peer_closed);
}

/* Adds offence o to p's host; disconnects it when banned or when close_anyway. */
static void punish(peer *p, chain_net_offence o, int close_anyway, const char *detail)
{
    chain_net_node *n = p->node;
    int banned = chain_net_hosts_punish(&n->hosts, p->host, o, now_ms(n));
    const chain_net_host *h = chain_net_hosts_get(&n->hosts, p->host, now_ms(n));
    logf_(n, "peer %s:%u misbehaved: %s%s%s (score %d)%s", p->host, (unsigned)p->port, chain_net_offence_name(o),
          detail ? ": " : "", detail ? detail : "", h ? h->score : 0, banned ? ", banned" : "");
    if (banned) {
        /* every connection of that host goes */
        for (peer *q = n->peers; q; q = q->next)
            if (!q->closing && strcmp(q->host, p->host) == 0)
                peer_close(q, "banned");
    } else if (close_anyway) {
        peer_close(p, chain_net_offence_name(o));
    }
}

/* ---------------------------------------------------------------- version */

static void fill_version(chain_net_node *n, chain_net_version *v)
{
    memset(v, 0, sizeof *v);
    v->protocol = CHAIN_NET_PROTOCOL;
    v->services = n->o.mine ? 1 : 0;
    v->nonce = n->nonce;
    v->port = n->listen_port;
    v->n_chains = (uint8_t)n->n;
    for (unsigned i = 0; i < n->n; i++) {
        chain_net_chain_info *ci = &v->chains[i];
        net_chain *c = &n->ch[i];
        ci->chain_id = c->p->chain_id;
        memcpy(ci->genesis, c->genesis, 32);
        ci->height = chain_store_tip_height(c->s);
        chain_store_tip_id(ci->tip, c->s);
        (void)tip_cum(ci->cum, c);
    }
}

static void send_version(peer *p)
{
    chain_net_version v;
    fill_version(p->node, &v);
    common_buf b = COMMON_BUF_INIT;
    (void)chain_net_put_version(&b, p->node->magic, &v);
    peer_send(p, &b);
    p->sent_version = 1;
}

/* ---------------------------------------------------------------- locators, headers */

static size_t make_locator(uint8_t (*loc)[32], net_chain *c)
{
    uint64_t h = chain_store_tip_height(c->s);
    size_t k = 0;
    uint64_t step = 1;
    for (;;) {
        if (k + 1 >= CHAIN_NET_MAX_LOCATOR)
            break;
        if (chain_store_best_id(loc[k], c->s, h))
            k++;
        if (h == 0)
            return k;
        if (k >= 8)
            step *= 2;
        h = h > step ? h - step : 0;
    }
    if (chain_store_best_id(loc[k], c->s, 0))
        k++;
    return k;
}

static void send_getheaders(peer *p, unsigned ci, const uint8_t *stop)
{
    chain_net_node *n = p->node;
    uint8_t loc[CHAIN_NET_MAX_LOCATOR][32];
    size_t k = make_locator(loc, &n->ch[ci]);
    if (k == 0)
        return;
    common_buf b = COMMON_BUF_INIT;
    (void)chain_net_put_getheaders(&b, n->magic, n->ch[ci].p->chain_id, (const uint8_t(*)[32])loc, k, stop);
    peer_send(p, &b);
}

/* The header of stored block id (cache, then the store). Returns 0 or -1. */
static int stored_header(chain_net_node *n, unsigned ci, const uint8_t id[32], pouw_header *h)
{
    hdr_cache_entry *ce = &n->cache[(id[0] | (unsigned)id[1] << 8) % HDR_CACHE];
    if (ce->used && cmp32(ce->id, id) == 0) {
        *h = ce->h;
        return 0;
    }
    pouw_block b;
    pouw_block_init(&b);
    common_error err;
    if (chain_store_block(&b, &err, n->ch[ci].s, id) != CHAIN_OK) {
        pouw_block_clear(&b);
        return -1;
    }
    *h = b.header;
    pouw_block_clear(&b);
    ce->used = 1;
    memcpy(ce->id, id, 32);
    ce->h = *h;
    return 0;
}

static void on_getheaders(peer *p, const chain_net_msg *m)
{
    chain_net_node *n = p->node;
    int ci = chain_index(n, m->chain_id);
    if (ci < 0)
        return;
    net_chain *c = &n->ch[ci];
    uint64_t start = 1;
    for (size_t i = 0; i < m->n_locator; i++) {
        uint64_t h;
        if (chain_store_find(&h, c->s, m->locator[i])) {
            start = h + 1;
            break;
        }
    }
    chain_net_header_entry *hs = calloc(CHAIN_NET_MAX_HEADERS, sizeof *hs);
    if (!hs)
        return;
    size_t k = 0;
    static const uint8_t zero[32];
    for (uint64_t h = start; k < CHAIN_NET_MAX_HEADERS; h++) {
        if (!chain_store_best_id(hs[k].id, c->s, h))
            break;
        if (stored_header(n, (unsigned)ci, hs[k].id, &hs[k].header) != 0)
            break;
        k++;
        if (cmp32(m->stop, zero) != 0 && cmp32(hs[k - 1].id, m->stop) == 0)
            break;
    }
    common_buf b = COMMON_BUF_INIT;
    (void)chain_net_put_headers(&b, n->magic, c->p->chain_id, hs, k);
    free(hs);
    peer_send(p, &b);
}

static pending_hdr *pend_find(net_chain *c, const uint8_t id[32])
{
    for (size_t i = 0; i < c->n_pend; i++)
        if (cmp32(c->pend[i].id, id) == 0)
            return &c->pend[i];
    return NULL;
}

static void pend_remove(net_chain *c, const uint8_t id[32])
{
    for (size_t i = 0; i < c->n_pend; i++)
        if (cmp32(c->pend[i].id, id) == 0) {
            c->pend[i] = c->pend[--c->n_pend];
            return;
        }
}

/* The times (and post_bits, of the first) of block id and up to max - 1
 * ancestors, newest first, through accepted headers then the store.
 * Returns how many were found (0: id unknown). */
static size_t walk_times(net_chain *c, const uint8_t id[32], uint64_t *times, size_t max, uint32_t *post_bits,
                         uint64_t *height, uint8_t cum[32])
{
    size_t k = 0;
    uint8_t cur[32];
    memcpy(cur, id, 32);
    while (k < max) {
        pending_hdr *e = pend_find(c, cur);
        if (!e)
            break;
        if (k == 0) {
            *post_bits = e->h.post_bits;
            *height = e->h.height;
            memcpy(cum, e->cum, 32);
        }
        times[k++] = e->h.time_ms;
        memcpy(cur, e->h.prev_hash, 32);
    }
    if (k == max)
        return k;
    chain_block_meta *ms = calloc(max - k, sizeof *ms);
    if (!ms)
        return 0;
    size_t got = 0;
    common_error err;
    chain_block_meta first;
    if (chain_store_meta(&first, &err, c->s, cur) == CHAIN_OK && first.verdict == CHAIN_VERDICT_VALID &&
        chain_store_ancestors(ms, &got, &err, c->s, cur, max - k) == CHAIN_OK) {
        for (size_t i = 0; i < got; i++) {
            if (k == 0) {
                *post_bits = ms[0].post_bits;
                *height = ms[0].height;
                memcpy(cum, ms[0].cum, 32);
            }
            times[k++] = ms[i].time_ms;
        }
    }
    free(ms);
    return k;
}

/* Header checks without the body (node.h). Returns 0 accepted (cum filled), 1
 * invalid (committed data), 2 not now (time ahead, or an ancestor not readable),
 * 3 parent unknown. */
static int check_header(chain_net_node *n, unsigned ci, const chain_net_header_entry *e, uint8_t cum[32],
                        const char **why)
{
    net_chain *c = &n->ch[ci];
    const chain_params *p = c->p;
    const pouw_header *h = &e->header;
    const pouw_requirements *g = &p->genesis_req;
    *why = "";
    if (h->version != POUW_HEADER_VERSION || h->chain_id != p->chain_id || h->prehash_bits != g->prehash_bits ||
        h->pps_threshold_micro != g->pps_threshold_micro || h->mode != g->mode || h->sessions != g->sessions ||
        memcmp(h->job_digest, g->job_digest, 32) != 0) {
        *why = "header constants";
        return 1;
    }
    uint8_t pre[32], target[32];
    int meets = 0;
    if (pouw_prehash(pre, h) != POUW_OK || pouw_target_from_bits(target, h->prehash_bits) != POUW_OK)
        return 2;
    meets = pouw_hash_meets_target(pre, target);
    if (!meets) {
        *why = "pre-hash above the gate";
        return 1;
    }
    if (h->height == 0) {
        *why = "a second genesis";
        return 1;
    }
    chain_retarget_rule rule = chain_params_rule(p);
    size_t span = (size_t)rule.window + CHAIN_MTP_SPAN + 1;
    uint64_t *times = calloc(span, sizeof *times);
    if (!times)
        return 2;
    uint32_t parent_bits = 0;
    uint64_t parent_height = 0;
    uint8_t parent_cum[32];
    size_t got = walk_times(c, h->prev_hash, times, span, &parent_bits, &parent_height, parent_cum);
    int rc = 0;
    if (got == 0) {
        rc = 3;
    } else if (h->height != parent_height + 1) {
        *why = "height";
        rc = 1;
    } else if (h->time_ms > now_ms(n) + p->max_future_ms) {
        *why = "time ahead of the clock";
        rc = 2;
    } else {
        unsigned k = got < CHAIN_MTP_SPAN ? (unsigned)got : CHAIN_MTP_SPAN;
        uint64_t mtp = chain_mtp(times, k);
        uint32_t want = parent_bits;
        if (chain_retarget_is_height(&rule, h->height)) {
            /* A = the block at height h-1-W: index W from the parent */
            if (got <= rule.window) {
                rc = 2;
            } else {
                size_t ka = got - rule.window < CHAIN_MTP_SPAN ? got - rule.window : CHAIN_MTP_SPAN;
                uint64_t mtp_a = chain_mtp(times + rule.window, (unsigned)ka);
                if (chain_retarget_post_bits(&want, &rule, parent_bits, mtp, mtp_a) != CHAIN_OK)
                    rc = 2;
            }
        }
        if (rc == 0 && h->time_ms <= mtp) {
            *why = "time not above the median time past";
            rc = 1;
        } else if (rc == 0 && h->post_bits != want) {
            *why = "post_bits";
            rc = 1;
        }
        if (rc == 0) {
            uint8_t w[32];
            chain_block_weight(w, p, h);
            common_u256 a = common_u256_from_be(parent_cum), b = common_u256_from_be(w);
            (void)common_u256_add_sat(&a, &b);
            common_u256_to_be(cum, &a);
        }
    }
    free(times);
    return rc;
}

static void orphan_add(chain_net_node *n, unsigned ci, const chain_net_header_entry *e, uint64_t src)
{
    for (size_t i = 0; i < n->n_orphans; i++)
        if (n->orphans[i].chain == ci && cmp32(n->orphans[i].e.id, e->id) == 0)
            return;
    size_t at = n->n_orphans;
    if (at == CHAIN_NET_MAX_ORPHAN_HEADERS) { /* evict the oldest */
        at = 0;
        for (size_t i = 1; i < n->n_orphans; i++)
            if (n->orphans[i].seq < n->orphans[at].seq)
                at = i;
    } else {
        n->n_orphans++;
    }
    n->orphans[at].chain = ci;
    n->orphans[at].e = *e;
    n->orphans[at].src_peer = src;
    n->orphans[at].seq = ++n->orphan_seq;
}

/* Marks the branch ending at accepted header id wanted (bodies to fetch). */
static void want_branch(chain_net_node *n, unsigned ci, const uint8_t id[32], uint64_t src)
{
    net_chain *c = &n->ch[ci];
    uint8_t cur[32];
    memcpy(cur, id, 32);
    for (size_t guard = 0; guard < c->n_pend + 1; guard++) {
        pending_hdr *e = pend_find(c, cur);
        if (!e)
            break;
        if (e->state == PH_IDLE) {
            e->state = PH_WANTED;
            e->src_peer = src;
        }
        memcpy(cur, e->h.prev_hash, 32);
    }
}

/* Accepts header e (from peer src) and any orphan headers waiting for it.
 * Returns 0 accepted or known, 1 invalid, 2 not now, 3 orphan, 4 stored as an
 * orphan by the store (its parent is on its way). Out: last (the
 * id of the deepest header accepted on this path), last_cum. */
static int accept_header(chain_net_node *n, unsigned ci, const chain_net_header_entry *e0, uint64_t src,
                         uint8_t last[32], uint8_t last_cum[32], int *any, const char **why)
{
    net_chain *c = &n->ch[ci];
    chain_net_header_entry work[CHAIN_NET_MAX_ORPHAN_HEADERS + 1];
    size_t nw = 0;
    work[nw++] = *e0;
    int first_rc = -1;
    while (nw) {
        chain_net_header_entry e = work[--nw];
        common_error err;
        chain_block_meta m;
        int rc;
        uint8_t cum[32];
        if (chain_store_meta(&m, &err, c->s, e.id) == CHAIN_OK) {
            rc = m.verdict == CHAIN_VERDICT_INVALID ? 1 : 0;
            if (m.verdict == CHAIN_VERDICT_INVALID)
                *why = "a block known to be invalid";
            memcpy(cum, m.cum, 32);
            if (rc == 0 && m.verdict != CHAIN_VERDICT_VALID)
                rc = 4; /* stored as an orphan: its parents are missing */
        } else if (pend_find(c, e.id)) {
            rc = 0;
            memcpy(cum, pend_find(c, e.id)->cum, 32);
        } else {
            rc = check_header(n, ci, &e, cum, why);
            if (rc == 0) {
                if (c->n_pend >= CHAIN_NET_MAX_PENDING) {
                    rc = 2;
                } else {
                    if (c->n_pend == c->cap_pend) {
                        size_t cap = c->cap_pend ? c->cap_pend * 2 : 256;
                        pending_hdr *np = realloc(c->pend, cap * sizeof *np);
                        if (!np)
                            return 2;
                        c->pend = np;
                        c->cap_pend = cap;
                    }
                    pending_hdr *ph = &c->pend[c->n_pend++];
                    memset(ph, 0, sizeof *ph);
                    memcpy(ph->id, e.id, 32);
                    ph->h = e.header;
                    memcpy(ph->cum, cum, 32);
                    ph->arrival_ms = now_ms(n);
                    ph->src_peer = src;
                    ph->state = PH_IDLE;
                }
            } else if (rc == 3) {
                orphan_add(n, ci, &e, src);
            }
        }
        if (first_rc < 0)
            first_rc = rc;
        if (rc == 0) {
            *any = 1;
            if (cmp32(cum, last_cum) > 0 || cmp32(last_cum, (const uint8_t[32]){0}) == 0) {
                memcpy(last, e.id, 32);
                memcpy(last_cum, cum, 32);
            }
            /* orphans waiting for it */
            for (size_t i = 0; i < n->n_orphans && nw < CHAIN_NET_MAX_ORPHAN_HEADERS; i++)
                if (n->orphans[i].chain == ci && cmp32(n->orphans[i].e.header.prev_hash, e.id) == 0) {
                    work[nw++] = n->orphans[i].e;
                    n->orphans[i] = n->orphans[--n->n_orphans];
                    i--;
                }
        }
    }
    return first_rc;
}

static void on_headers(peer *p, const chain_net_msg *m)
{
    chain_net_node *n = p->node;
    int ci = chain_index(n, m->chain_id);
    if (ci < 0) {
        punish(p, CHAIN_NET_OFF_MALFORMED, 0, "headers of an unknown chain");
        return;
    }
    net_chain *c = &n->ch[ci];
    uint8_t last[32] = {0}, last_cum[32] = {0};
    int any = 0;
    for (size_t i = 0; i < m->n_headers; i++) {
        const char *why = "";
        if (m->headers[i].header.chain_id != c->p->chain_id) {
            punish(p, CHAIN_NET_OFF_MALFORMED, 0, "a header of another chain");
            return;
        }
        if (i > 0 && cmp32(m->headers[i].header.prev_hash, m->headers[i - 1].id) != 0) {
            punish(p, CHAIN_NET_OFF_MALFORMED, 0, "headers out of order");
            return;
        }
        int rc = accept_header(n, (unsigned)ci, &m->headers[i], p->id, last, last_cum, &any, &why);
        if (m->headers[i].header.height > p->heights[ci])
            p->heights[ci] = m->headers[i].header.height;
        if (rc == 1) {
            char id[17];
            hex8(id, m->headers[i].id);
            char d[96];
            snprintf(d, sizeof d, "%s header %s: %s", c->p->name, id, why);
            punish(p, CHAIN_NET_OFF_INVALID_BLOCK, 1, d);
            return;
        }
        if (rc == 3) { /* parents unknown: ask for them */
            send_getheaders(p, (unsigned)ci, m->headers[i].id);
            break;
        }
        if (rc == 4) /* its body is stored, waiting for a parent being fetched */
            break;
        if (rc == 2)
            break;
    }
    if (any) {
        refresh(c);
        uint8_t tc[32];
        tip_cum(tc, c);
        pending_hdr *e = pend_find(c, last);
        if (e && cmp32(last_cum, tc) >= 0)
            want_branch(n, (unsigned)ci, last, p->id);
    }
    if (m->n_headers == CHAIN_NET_MAX_HEADERS) { /* more to come */
        uint8_t loc[2][32];
        memcpy(loc[0], m->headers[m->n_headers - 1].id, 32);
        chain_store_best_id(loc[1], c->s, 0);
        common_buf b = COMMON_BUF_INIT;
        (void)chain_net_put_getheaders(&b, n->magic, c->p->chain_id, (const uint8_t(*)[32])loc, 2, NULL);
        peer_send(p, &b);
    }
}

/* ---------------------------------------------------------------- body requests */

static void schedule_bodies(chain_net_node *n)
{
    uint64_t t = now_ms(n);
    size_t n_ready = 0;
    for (peer *p = n->peers; p; p = p->next)
        if (p->state == PS_READY && !p->closing)
            n_ready++;
    if (!n_ready)
        return;
    for (unsigned ci = 0; ci < n->n; ci++) {
        net_chain *c = &n->ch[ci];
        /* per peer: the ids asked in this round */
        for (size_t i = 0; i < c->n_pend; i++) {
            pending_hdr *e = &c->pend[i];
            if (e->state == PH_REQUESTED && t - e->req_ms > REQUEST_TIMEOUT_MS)
                e->state = PH_WANTED;
            if (e->state == PH_IDLE && t - e->arrival_ms > PENDING_EXPIRE_MS) {
                c->pend[i--] = c->pend[--c->n_pend];
                continue;
            }
            if (e->state != PH_WANTED)
                continue;
            /* round-robin over ready peers that can have it, the source first */
            peer *chosen = peer_by_id(n, e->src_peer);
            if (!chosen || chosen->state != PS_READY || chosen->inflight >= CHAIN_NET_MAX_INFLIGHT) {
                chosen = NULL;
                size_t skip = (size_t)(n->rr++ % n_ready);
                for (int pass = 0; pass < 2 && !chosen; pass++)
                    for (peer *p = n->peers; p; p = p->next) {
                        if (p->state != PS_READY || p->closing || p->inflight >= CHAIN_NET_MAX_INFLIGHT ||
                            p->heights[ci] < e->h.height)
                            continue;
                        if (pass == 0 && skip) {
                            skip--;
                            continue;
                        }
                        chosen = p;
                        break;
                    }
            }
            if (!chosen)
                continue;
            chain_net_inv inv = {CHAIN_NET_INV_BLOCK, c->p->chain_id, {0}};
            memcpy(inv.id, e->id, 32);
            common_buf b = COMMON_BUF_INIT;
            (void)chain_net_put_inv(&b, n->magic, CHAIN_NET_GET, &inv, 1);
            peer_send(chosen, &b);
            chosen->inflight++;
            e->state = PH_REQUESTED;
            e->req_peer = chosen->id;
            e->req_ms = t;
        }
    }
}

/* ---------------------------------------------------------------- announcing */

static void announce(chain_net_node *n, const chain_net_inv *inv, size_t k, uint64_t except)
{
    if (!k)
        return;
    for (peer *p = n->peers; p; p = p->next) {
        if (p->state != PS_READY || p->closing || p->id == except)
            continue;
        for (size_t at = 0; at < k; at += CHAIN_NET_MAX_INV) {
            size_t m = k - at < CHAIN_NET_MAX_INV ? k - at : CHAIN_NET_MAX_INV;
            common_buf b = COMMON_BUF_INIT;
            (void)chain_net_put_inv(&b, n->magic, CHAIN_NET_ANNOUNCE, inv + at, m);
            peer_send(p, &b);
        }
    }
}

static known_tx *known_find(net_chain *c, const uint8_t id[32])
{
    for (size_t i = 0; i < KNOWN_TX; i++)
        if (c->known[i].doc && cmp32(c->known[i].id, id) == 0)
            return &c->known[i];
    return NULL;
}

static void known_add(net_chain *c, const uint8_t id[32], const char *doc, size_t len)
{
    if (known_find(c, id))
        return;
    known_tx *k = &c->known[c->known_next];
    c->known_next = (c->known_next + 1) % KNOWN_TX;
    free(k->doc);
    k->doc = malloc(len ? len : 1);
    if (!k->doc)
        return;
    memcpy(k->doc, doc, len);
    k->len = len;
    memcpy(k->id, id, 32);
}

static int cmp_id(const void *a, const void *b) { return memcmp(a, b, 32); }

/* Announces transfers that entered the mempool since the last poll (chain send
 * by any process, or transfers of blocks that left the best chain). */
static void poll_mempool(chain_net_node *n)
{
    for (unsigned ci = 0; ci < n->n; ci++) {
        net_chain *c = &n->ch[ci];
        pouw_tx *txs = NULL;
        size_t k = 0;
        common_error err;
        if (chain_store_tx_list(&txs, &k, &err, c->s) != CHAIN_OK)
            continue;
        uint8_t(*ids)[32] = k ? calloc(k, 32) : NULL;
        chain_net_inv *inv = k ? calloc(k, sizeof *inv) : NULL;
        size_t ni = 0;
        if (k && (!ids || !inv)) {
            free(ids);
            free(inv);
            free(txs);
            continue;
        }
        for (size_t i = 0; i < k; i++) {
            if (pouw_tx_id(ids[i], &txs[i]) != POUW_OK)
                continue;
            if (!known_find(c, ids[i])) {
                char *doc = NULL;
                size_t len = 0;
                if (pouw_tx_to_json(&doc, &len, &txs[i]) == POUW_OK)
                    known_add(c, ids[i], doc, len);
                free(doc);
            }
            if (!c->mem_prev || !bsearch(ids[i], c->mem_prev, c->n_mem_prev, 32, cmp_id)) {
                inv[ni].kind = CHAIN_NET_INV_TRANSFER;
                inv[ni].chain_id = c->p->chain_id;
                memcpy(inv[ni].id, ids[i], 32);
                ni++;
            }
        }
        free(txs);
        announce(n, inv, ni, 0);
        free(inv);
        if (k)
            qsort(ids, k, 32, cmp_id);
        free(c->mem_prev);
        c->mem_prev = ids;
        c->n_mem_prev = k;
    }
}

static void announce_mempool_to(peer *p)
{
    chain_net_node *n = p->node;
    for (unsigned ci = 0; ci < n->n; ci++) {
        net_chain *c = &n->ch[ci];
        if (!c->n_mem_prev)
            continue;
        chain_net_inv *inv = calloc(c->n_mem_prev, sizeof *inv);
        if (!inv)
            continue;
        for (size_t i = 0; i < c->n_mem_prev; i++) {
            inv[i].kind = CHAIN_NET_INV_TRANSFER;
            inv[i].chain_id = c->p->chain_id;
            memcpy(inv[i].id, c->mem_prev[i], 32);
        }
        for (size_t at = 0; at < c->n_mem_prev; at += CHAIN_NET_MAX_INV) {
            size_t m = c->n_mem_prev - at < CHAIN_NET_MAX_INV ? c->n_mem_prev - at : CHAIN_NET_MAX_INV;
            common_buf b = COMMON_BUF_INIT;
            (void)chain_net_put_inv(&b, n->magic, CHAIN_NET_ANNOUNCE, inv + at, m);
            peer_send(p, &b);
        }
        free(inv);
    }
}

/* Announces each chain's tip when it moved (a mined block, a block from a peer). */
static void announce_tips(chain_net_node *n, uint64_t except)
{
    for (unsigned ci = 0; ci < n->n; ci++) {
        net_chain *c = &n->ch[ci];
        common_error err;
        if (chain_store_refresh(c->s, &err, NULL) != CHAIN_OK)
            continue;
        uint8_t tip[32];
        chain_store_tip_id(tip, c->s);
        if (cmp32(tip, c->arrival_tip) != 0) { /* a block of our miner, or of another process on DIR */
            memcpy(c->arrival_tip, tip, 32);
            c->tip_arrival_ms = now_ms(n);
        }
        if (cmp32(tip, c->announced) == 0)
            continue;
        memcpy(c->announced, tip, 32);
        chain_net_inv inv = {CHAIN_NET_INV_BLOCK, c->p->chain_id, {0}};
        memcpy(inv.id, tip, 32);
        announce(n, &inv, 1, except);
        if (n->o.verbose) {
            char id[17];
            hex8(id, tip);
            logf_(n, "%s tip %" PRIu64 " %s", c->p->name, chain_store_tip_height(c->s), id);
        }
    }
}

/* ---------------------------------------------------------------- verification jobs */

/* Ties (spec network.md): 1 when a node holding a tip whose header arrived at
 * tip_ms should switch to an equal-weight tip whose header arrived at other_ms:
 * only within one target interval of it, and then when the coin (a fair bit)
 * says so. */
int chain_net_tie_switch(uint64_t tip_ms, uint64_t other_ms, uint64_t interval_ms, unsigned coin)
{
    uint64_t d = other_ms > tip_ms ? other_ms - tip_ms : tip_ms - other_ms;
    return d <= interval_ms && (coin & 1u);
}

static void tie_work(uv_work_t *req)
{
    tie_job *t = req->data;
    common_error_clear(&t->err);
    chain_store *s = pool_take(t->node, t->chain, &t->err);
    if (!s) {
        t->cs = CHAIN_ESTORE;
        return;
    }
    t->cs = chain_store_prefer_tip(s, &t->res, &t->err, t->id);
    pool_give(t->node, t->chain, s);
}

static void tie_done(uv_work_t *req, int status)
{
    tie_job *t = req->data;
    chain_net_node *n = t->node;
    net_chain *c = &n->ch[t->chain];
    n->jobs--;
    char id[17];
    hex8(id, t->id);
    if (status == 0 && t->cs == CHAIN_OK && t->res.moved) {
        memcpy(c->arrival_tip, t->id, 32);
        c->tip_arrival_ms = t->arrival_ms;
        logf_(n, "%s tie: switched to the equal-weight tip %s", c->p->name, id);
        announce_tips(n, 0);
    } else if (status == 0 && t->cs != CHAIN_OK) {
        logf_(n, "%s tie: cannot switch to %s: %s", c->p->name, id, t->err.msg);
    }
    free(t);
}

/* A block stored beside the tip with the tip's cumulative weight, whose header
 * arrived at arrival_ms: the tie rule, then the switch on a worker. */
static void tie_consider(chain_net_node *n, unsigned ci, const uint8_t id[32], uint64_t arrival_ms)
{
    net_chain *c = &n->ch[ci];
    uint64_t interval_ms = (uint64_t)c->p->target_interval_s * 1000u;
    unsigned coin = (unsigned)(rng_next(&n->rng) >> 63);
    int sw = chain_net_tie_switch(c->tip_arrival_ms, arrival_ms, interval_ms, coin);
    {
        char h[17];
        hex8(h, id);
        logf_(n, "%s tie: block %s has the tip's weight (its header came %+" PRId64 " ms after the tip's): %s",
              c->p->name, h, (int64_t)(arrival_ms - c->tip_arrival_ms),
              sw ? "switching (coin 1)" : coin ? "keeping the tip (later than one interval)" : "keeping the tip (coin 0)");
    }
    if (!sw || n->stopping)
        return;
    tie_job *t = calloc(1, sizeof *t);
    if (!t)
        return;
    t->node = n;
    t->chain = ci;
    memcpy(t->id, id, 32);
    t->arrival_ms = arrival_ms;
    t->req.data = t;
    if (uv_queue_work(&n->loop, &t->req, tie_work, tie_done) != 0) {
        free(t);
        return;
    }
    n->jobs++;
}

static void job_work(uv_work_t *req)
{
    vjob *j = req->data;
    chain_net_node *n = j->node;
    common_error_clear(&j->err);
    chain_store *s = pool_take(n, j->chain, &j->err);
    if (!s) {
        j->cs = CHAIN_ESTORE;
        return;
    }
    if (j->kind == JOB_BLOCK) {
        pouw_block b;
        pouw_block_init(&b);
        if (pouw_block_parse(&b, NULL, "block", j->doc, j->len) == POUW_OK) {
            memcpy(j->id, b.post_hash, 32);
            j->have_id = 1;
            /* sessions are re-run only for a block that would become or tie the best
             * tip (spec network.md); a block we asked for belongs to a branch whose
             * headers already showed that */
            chain_block_meta pm, tm;
            uint8_t tip[32];
            common_error qe;
            if (!j->solicited && chain_store_refresh(s, &qe, NULL) == CHAIN_OK &&
                chain_store_meta(&pm, &qe, s, b.header.prev_hash) == CHAIN_OK && pm.verdict == CHAIN_VERDICT_VALID) {
                chain_store_tip_id(tip, s);
                if (chain_store_meta(&tm, &qe, s, tip) == CHAIN_OK) {
                    uint8_t w[32];
                    chain_block_weight(w, n->ch[j->chain].p, &b.header);
                    common_u256 cum = common_u256_from_be(pm.cum), wb = common_u256_from_be(w),
                                tc = common_u256_from_be(tm.cum);
                    (void)common_u256_add_sat(&cum, &wb);
                    if (common_u256_cmp(&cum, &tc) < 0)
                        j->skipped = 1;
                }
            }
        }
        pouw_block_clear(&b);
        if (j->skipped) {
            pool_give(n, j->chain, s);
            j->cs = CHAIN_OK;
            return;
        }
        j->reason = POUW_R_OK;
        j->cs = chain_store_add_doc(s, &j->res, &j->reason, &j->err, j->doc, j->len);
        if (j->cs == CHAIN_OK && j->res.verdict == CHAIN_VERDICT_VALID && !j->res.best && j->have_id) {
            common_error qe;
            chain_block_meta bm, tm2;
            uint8_t tip2[32];
            chain_store_tip_id(tip2, s);
            j->tie = chain_store_meta(&bm, &qe, s, j->id) == CHAIN_OK && chain_store_meta(&tm2, &qe, s, tip2) == CHAIN_OK &&
                     memcmp(bm.cum, tm2.cum, 32) == 0;
        }
    } else {
        pouw_tx tx;
        memset(&tx, 0, sizeof tx);
        common_error perr;
        if (pouw_tx_parse(&tx, &perr, "transfer", j->doc, j->len) != POUW_OK) {
            j->cs = CHAIN_EMALFORMED;
            j->err = perr;
        } else if (tx.type != POUW_TX_TRANSFER || tx.chain_id != n->ch[j->chain].p->chain_id) {
            j->cs = CHAIN_EINVALID;
            j->reason = POUW_R_TX_CHAIN;
        } else {
            if (pouw_tx_id(j->id, &tx) == POUW_OK)
                j->have_id = 1;
            j->cs = chain_store_tx_add(s, &j->reason, &j->err, &tx);
        }
    }
    pool_give(n, j->chain, s);
}

static void job_submit(peer *p);

/* Offers the verifier to every peer waiting, starting after peer `after` (round
 * robin): one block per chain is verified at a time, so that a block and its
 * parent never race into the store (each would miss the other: the child kept as
 * an orphan that nothing connects). */
static void job_kick(chain_net_node *n, uint64_t after)
{
    int seen = 0;
    for (int pass = 0; pass < 2; pass++)
        for (peer *q = n->peers; q; q = q->next) {
            if (pass == 0 && !seen) {
                seen = q->id == after;
                continue;
            }
            if (!q->closing)
                job_submit(q);
            if (pass == 1 && q->id == after)
                return;
        }
}

static void job_done(uv_work_t *req, int status)
{
    vjob *j = req->data;
    chain_net_node *n = j->node;
    n->jobs--;
    peer *p = peer_by_id(n, j->peer_id);
    net_chain *c = &n->ch[j->chain];
    if (status == 0 && j->kind == JOB_BLOCK) {
        char id[17] = "?";
        if (j->have_id)
            hex8(id, j->id);
        if (j->skipped) {
            if (n->o.verbose)
                logf_(n, "%s block %s from %s: unasked and lighter than the tip: not verified", c->p->name, id,
                      p ? p->host : "?");
        } else if (j->cs == CHAIN_OK) {
            if (j->res.stored)
                n->received++;
            pending_hdr *ph = j->have_id ? pend_find(c, j->id) : NULL;
            uint64_t arrival = ph ? ph->arrival_ms : j->recv_ms; /* the header's arrival, not verification's end */
            if (j->tie)
                tie_consider(n, j->chain, j->id, arrival);
            else if (j->res.best) {
                memcpy(c->arrival_tip, j->id, 32);
                c->tip_arrival_ms = arrival;
            }
            if (j->have_id)
                pend_remove(c, j->id);
            if (n->o.verbose)
                logf_(n, "%s block %s from %s: valid%s", c->p->name, id, p ? p->host : "?",
                      j->res.best ? ", the best tip" : "");
            if (j->res.moved || j->res.best)
                announce_tips(n, j->peer_id);
        } else if (j->cs == CHAIN_EINVALID) {
            if (j->have_id)
                pend_remove(c, j->id);
            char d[200];
            snprintf(d, sizeof d, "%s block %s: %s: %s", c->p->name, id, pouw_reason_name(j->reason), j->err.msg);
            if (p)
                punish(p, CHAIN_NET_OFF_INVALID_BLOCK, 1, d);
            else
                logf_(n, "invalid block from a peer gone: %s", d);
        } else if (j->cs == CHAIN_EORPHAN) {
            if (j->have_id)
                pend_remove(c, j->id);
            if (p)
                send_getheaders(p, j->chain, NULL);
        } else if (j->cs == CHAIN_EMALFORMED) {
            pending_hdr *e = j->have_id ? pend_find(c, j->id) : NULL;
            if (e)
                e->state = PH_WANTED;
            if (p && j->reason != POUW_R_TIME_FUTURE) {
                char d[200];
                snprintf(d, sizeof d, "%s block %s: %s", c->p->name, id, j->err.msg);
                punish(p, CHAIN_NET_OFF_BAD_COPY, 0, d);
            }
        } else {
            pending_hdr *e = j->have_id ? pend_find(c, j->id) : NULL;
            if (e)
                e->state = PH_WANTED;
            logf_(n, "%s block %s not stored: %s", c->p->name, id, j->err.msg[0] ? j->err.msg : chain_status_str(j->cs));
        }
    } else if (status == 0 && j->kind == JOB_TRANSFER) {
        if (j->cs == CHAIN_OK && j->have_id) {
            known_add(c, j->id, j->doc, j->len);
            /* relayed by the next mempool poll (it is new there), to every peer */
        } else if (p && (j->cs == CHAIN_EMALFORMED ||
                         (j->cs == CHAIN_EINVALID && (j->reason == POUW_R_TX_SIGNATURE || j->reason == POUW_R_TX_CHAIN)))) {
            punish(p, CHAIN_NET_OFF_BAD_TRANSFER, 0, j->err.msg[0] ? j->err.msg : pouw_reason_name(j->reason));
        }
    }
    if (j->kind == JOB_BLOCK)
        c->block_busy = 0;
    uint64_t pid = j->peer_id;
    free(j->doc);
    free(j);
    if (p)
        p->verifying = 0;
    if (!n->stopping)
        job_kick(n, pid);
}

static void job_submit(peer *p)
{
    chain_net_node *n = p->node;
    if (p->verifying || !p->q_head || n->stopping)
        return;
    vjob *j = p->q_head;
    if (j->kind == JOB_BLOCK && n->ch[j->chain].block_busy)
        return; /* job_kick offers it again */
    p->q_head = j->next;
    if (!p->q_head)
        p->q_tail = NULL;
    p->n_queued--;
    j->next = NULL;
    j->req.data = j;
    if (uv_queue_work(&n->loop, &j->req, job_work, job_done) != 0) {
        free(j->doc);
        free(j);
        return;
    }
    n->jobs++;
    p->verifying = 1;
    if (j->kind == JOB_BLOCK)
        n->ch[j->chain].block_busy = 1;
}

static void job_enqueue(peer *p, int kind, unsigned ci, const char *doc, size_t len, int solicited)
{
    if (p->n_queued >= MAX_QUEUED) {
        punish(p, CHAIN_NET_OFF_FLOOD, 0, "too many blocks and transfers waiting for verification");
        return;
    }
    vjob *j = calloc(1, sizeof *j);
    if (!j)
        return;
    j->doc = malloc(len);
    if (!j->doc) {
        free(j);
        return;
    }
    memcpy(j->doc, doc, len);
    j->len = len;
    j->node = p->node;
    j->peer_id = p->id;
    j->kind = kind;
    j->chain = ci;
    j->solicited = solicited;
    j->recv_ms = now_ms(p->node);
    if (p->q_tail)
        p->q_tail->next = j;
    else
        p->q_head = j;
    p->q_tail = j;
    p->n_queued++;
    job_submit(p);
}

/* ---------------------------------------------------------------- messages */

static void peer_ready(peer *p)
{
    chain_net_node *n = p->node;
    p->state = PS_READY;
    if (p->book)
        p->book->failures = 0;
    chain_net_book_entry *be = p->listen_port ? chain_net_book_add(&n->book, p->host, p->listen_port, 0) : NULL;
    if (be)
        be->last_ok_ms = now_ms(n);
    if (p->book)
        p->book->last_ok_ms = now_ms(n);
    logf_(n, "peer %s:%u ready (%s)", p->host, (unsigned)(p->listen_port ? p->listen_port : p->port),
          p->inbound ? "in" : "out");
    common_buf b = COMMON_BUF_INIT;
    (void)chain_net_put_empty(&b, n->magic, CHAIN_NET_GETADDR);
    peer_send(p, &b);
    for (unsigned ci = 0; ci < n->n; ci++) {
        if (!p->has_chain[ci])
            continue;
        net_chain *c = &n->ch[ci];
        common_error err;
        chain_block_meta m;
        uint8_t tc[32];
        tip_cum(tc, c);
        int known = chain_store_meta(&m, &err, c->s, p->tip[ci]) == CHAIN_OK && m.verdict == CHAIN_VERDICT_VALID;
        if (!known && cmp32(p->cum[ci], tc) >= 0)
            send_getheaders(p, ci, NULL);
    }
    announce_mempool_to(p);
}

static void on_version(peer *p, const chain_net_msg *m)
{
    chain_net_node *n = p->node;
    const chain_net_version *v = &m->version;
    if (p->got_version) {
        punish(p, CHAIN_NET_OFF_PROTOCOL, 0, "a second version");
        return;
    }
    if (v->nonce == n->nonce) {
        if (p->book)
            p->book->next_try_ms = UINT64_MAX; /* that address is this node */
        peer_close(p, NULL);
        return;
    }
    if (v->protocol != CHAIN_NET_PROTOCOL) {
        peer_close(p, "another protocol version");
        return;
    }
    int shared = 0;
    for (unsigned i = 0; i < v->n_chains; i++) {
        int ci = chain_index(n, v->chains[i].chain_id);
        if (ci < 0 || cmp32(v->chains[i].genesis, n->ch[ci].genesis) != 0)
            continue;
        shared++;
        p->has_chain[ci] = 1;
        p->heights[ci] = v->chains[i].height;
        memcpy(p->tip[ci], v->chains[i].tip, 32);
        memcpy(p->cum[ci], v->chains[i].cum, 32);
    }
    if (!shared) {
        peer_close(p, "no chain in common");
        return;
    }
    p->got_version = 1;
    p->listen_port = v->port;
    if (!p->sent_version)
        send_version(p);
    common_buf b = COMMON_BUF_INIT;
    (void)chain_net_put_empty(&b, n->magic, CHAIN_NET_VERACK);
    peer_send(p, &b);
    if (p->got_verack)
        peer_ready(p);
}

static void on_announce(peer *p, const chain_net_msg *m)
{
    chain_net_node *n = p->node;
    chain_net_inv *want = calloc(m->n_inv, sizeof *want);
    size_t nw = 0;
    if (!want)
        return;
    for (size_t i = 0; i < m->n_inv; i++) {
        const chain_net_inv *iv = &m->inv[i];
        int ci = chain_index(n, iv->chain_id);
        if (ci < 0)
            continue;
        net_chain *c = &n->ch[ci];
        if (iv->kind == CHAIN_NET_INV_BLOCK) {
            common_error err;
            chain_block_meta bm;
            if (chain_store_meta(&bm, &err, c->s, iv->id) == CHAIN_OK) {
                if (bm.verdict == CHAIN_VERDICT_VALID && bm.height > p->heights[ci])
                    p->heights[ci] = bm.height;
                continue;
            }
            if (pend_find(c, iv->id))
                continue;
            send_getheaders(p, (unsigned)ci, iv->id);
        } else if (!known_find(c, iv->id)) {
            want[nw++] = *iv;
        }
    }
    if (nw) {
        common_buf b = COMMON_BUF_INIT;
        (void)chain_net_put_inv(&b, n->magic, CHAIN_NET_GET, want, nw);
        peer_send(p, &b);
    }
    free(want);
}

static void on_get(peer *p, const chain_net_msg *m)
{
    chain_net_node *n = p->node;
    chain_net_inv *nf = calloc(m->n_inv, sizeof *nf);
    size_t nn = 0;
    if (!nf)
        return;
    for (size_t i = 0; i < m->n_inv; i++) {
        const chain_net_inv *iv = &m->inv[i];
        int ci = chain_index(n, iv->chain_id);
        int sent = 0;
        if (ci >= 0 && p->wq_bytes < MAX_WRITE_BYTES / 2) {
            net_chain *c = &n->ch[ci];
            if (iv->kind == CHAIN_NET_INV_BLOCK) {
                pouw_block b;
                pouw_block_init(&b);
                common_error err;
                chain_block_meta bm;
                char *doc = NULL;
                size_t len = 0;
                if (chain_store_meta(&bm, &err, c->s, iv->id) == CHAIN_OK && bm.verdict == CHAIN_VERDICT_VALID &&
                    chain_store_block(&b, &err, c->s, iv->id) == CHAIN_OK &&
                    pouw_block_to_json(&doc, &len, &b) == POUW_OK) {
                    common_buf out = COMMON_BUF_INIT;
                    if (chain_net_put_doc(&out, n->magic, CHAIN_NET_BLOCK, c->p->chain_id, doc, len) == CHAIN_NET_OK)
                        sent = 1;
                    peer_send(p, &out);
                }
                free(doc);
                pouw_block_clear(&b);
            } else {
                known_tx *k = known_find(c, iv->id);
                if (k) {
                    common_buf out = COMMON_BUF_INIT;
                    if (chain_net_put_doc(&out, n->magic, CHAIN_NET_TRANSFER, c->p->chain_id, k->doc, k->len) ==
                        CHAIN_NET_OK)
                        sent = 1;
                    peer_send(p, &out);
                }
            }
        }
        if (!sent)
            nf[nn++] = *iv;
    }
    if (nn) {
        common_buf b = COMMON_BUF_INIT;
        (void)chain_net_put_inv(&b, n->magic, CHAIN_NET_NOTFOUND, nf, nn);
        peer_send(p, &b);
    }
    free(nf);
}

static void on_notfound(peer *p, const chain_net_msg *m)
{
    chain_net_node *n = p->node;
    for (size_t i = 0; i < m->n_inv; i++) {
        int ci = chain_index(n, m->inv[i].chain_id);
        if (ci < 0 || m->inv[i].kind != CHAIN_NET_INV_BLOCK)
            continue;
        pending_hdr *e = pend_find(&n->ch[ci], m->inv[i].id);
        if (e && e->state == PH_REQUESTED && e->req_peer == p->id) {
            e->state = PH_WANTED;
            if (e->src_peer == p->id)
                e->src_peer = 0;
            if (p->inflight)
                p->inflight--;
        }
    }
}

static void on_getaddr(peer *p)
{
    chain_net_node *n = p->node;
    chain_net_addr a[CHAIN_NET_MAX_ADDRS];
    size_t k = 0;
    uint64_t t = now_ms(n);
    for (size_t i = 0; i < n->book.n && k < CHAIN_NET_MAX_ADDRS; i++) {
        const chain_net_book_entry *e = &n->book.e[i];
        if (!e->last_ok_ms || chain_net_hosts_banned(&n->hosts, e->host, t))
            continue;
        if (strcmp(e->host, p->host) == 0 && e->port == p->listen_port)
            continue;
        if (chain_net_addr_from_host(&a[k], e->host, e->port) == 0)
            k++;
    }
    common_buf b = COMMON_BUF_INIT;
    (void)chain_net_put_addr(&b, n->magic, a, k);
    peer_send(p, &b);
}

static void on_addr(peer *p, const chain_net_msg *m)
{
    chain_net_node *n = p->node;
    for (size_t i = 0; i < m->n_addrs; i++) {
        char host[64];
        if (chain_net_addr_to_host(host, sizeof host, &m->addrs[i]) != 0)
            continue;
        if (strcmp(host, n->listen_host) == 0 && m->addrs[i].port == n->listen_port)
            continue;
        (void)chain_net_book_add(&n->book, host, m->addrs[i].port, 0);
    }
}

static void on_message(peer *p, const chain_net_frame *f, const uint8_t *payload)
{
    chain_net_node *n = p->node;
    chain_net_msg m;
    chain_net_status st = chain_net_msg_decode(&m, f->cmd, payload, f->len);
    if (st != CHAIN_NET_OK) {
        chain_net_msg_clear(&m);
        char d[64];
        snprintf(d, sizeof d, "%s: %s", chain_net_cmd_name(f->cmd), chain_net_status_name(st));
        punish(p, CHAIN_NET_OFF_MALFORMED, 1, d);
        return;
    }
    if (!p->got_version || !p->got_verack) {
        if (f->cmd == CHAIN_NET_VERSION)
            on_version(p, &m);
        else if (f->cmd == CHAIN_NET_VERACK) {
            p->got_verack = 1;
            if (p->got_version)
                peer_ready(p);
        } else {
            punish(p, CHAIN_NET_OFF_PROTOCOL, 1, "a message before the handshake");
        }
        chain_net_msg_clear(&m);
        return;
    }
    switch (f->cmd) {
    case CHAIN_NET_VERSION:
        punish(p, CHAIN_NET_OFF_PROTOCOL, 0, "a second version");
        break;
    case CHAIN_NET_VERACK:
        break;
    case CHAIN_NET_PING: {
        common_buf b = COMMON_BUF_INIT;
        (void)chain_net_put_ping(&b, n->magic, CHAIN_NET_PONG, m.nonce);
        peer_send(p, &b);
        break;
    }
    case CHAIN_NET_PONG:
        if (m.nonce == p->ping_nonce)
            p->ping_sent = 0;
        break;
    case CHAIN_NET_ANNOUNCE:
        on_announce(p, &m);
        break;
    case CHAIN_NET_GET:
        on_get(p, &m);
        break;
    case CHAIN_NET_NOTFOUND:
        on_notfound(p, &m);
        break;
    case CHAIN_NET_BLOCK:
    case CHAIN_NET_TRANSFER: {
        int ci = chain_index(n, m.chain_id);
        if (ci < 0) {
            punish(p, CHAIN_NET_OFF_MALFORMED, 0, "a document of an unknown chain");
            break;
        }
        int solicited = f->cmd == CHAIN_NET_BLOCK && p->inflight > 0;
        if (solicited)
            p->inflight--;
        job_enqueue(p, f->cmd == CHAIN_NET_BLOCK ? JOB_BLOCK : JOB_TRANSFER, (unsigned)ci, m.doc, m.doc_len,
                    solicited);
        break;
    }
    case CHAIN_NET_GETHEADERS:
        on_getheaders(p, &m);
        break;
    case CHAIN_NET_HEADERS:
        on_headers(p, &m);
        break;
    case CHAIN_NET_GETADDR:
        on_getaddr(p);
        break;
    case CHAIN_NET_ADDR:
        on_addr(p, &m);
        break;
    }
    chain_net_msg_clear(&m);
}

/* ---------------------------------------------------------------- reading */

static void on_alloc(uv_handle_t *h, size_t suggested, uv_buf_t *buf)
{
    peer *p = h->data;
    (void)suggested;
    *buf = uv_buf_init(p->rbuf, sizeof p->rbuf);
}

static void on_read(uv_stream_t *s, ssize_t nread, const uv_buf_t *buf)
{
    peer *p = s->data;
    chain_net_node *n = p->node;
    (void)buf;
    if (nread < 0) {
        peer_close(p, nread == UV_EOF ? "disconnected" : uv_strerror((int)nread));
        return;
    }
    if (nread == 0 || p->closing)
        return;
    uint64_t t = uv_now(&n->loop);
    p->last_recv = t;
    if (t - p->flood_window >= 1000) {
        p->flood_window = t;
        p->flood_msgs = 0;
        p->flood_bytes = 0;
        p->flood_flagged = 0;
    }
    p->flood_bytes += (uint64_t)nread;
    if (chain_net_reader_feed(&p->rd, p->rbuf, (size_t)nread) != CHAIN_NET_OK) {
        peer_close(p, "out of memory");
        return;
    }
    while (!p->closing) {
        chain_net_frame f;
        const uint8_t *payload;
        chain_net_status st = chain_net_reader_next(&p->rd, &f, &payload);
        if (st == CHAIN_NET_ESHORT)
            break;
        if (st != CHAIN_NET_OK) {
            char d[64];
            snprintf(d, sizeof d, "%s (command %u, %" PRIu32 " bytes)", chain_net_status_name(st), (unsigned)f.cmd,
                     f.len);
            punish(p, st == CHAIN_NET_EOVERSIZE ? CHAIN_NET_OFF_OVERSIZE : CHAIN_NET_OFF_GARBAGE, 1, d);
            return;
        }
        if (++p->flood_msgs > CHAIN_NET_FLOOD_MSGS || p->flood_bytes > CHAIN_NET_FLOOD_BYTES) {
            if (!p->flood_flagged) {
                p->flood_flagged = 1;
                punish(p, CHAIN_NET_OFF_FLOOD, 0, "messages above the allowance of a second");
            }
            continue; /* dropped */
        }
        on_message(p, &f, payload);
    }
}

/* ---------------------------------------------------------------- connections */

static peer *peer_new(chain_net_node *n, int inbound)
{
    peer *p = calloc(1, sizeof *p);
    if (!p)
        return NULL;
    p->node = n;
    p->id = ++n->next_peer_id;
    p->inbound = inbound;
    chain_net_reader_init(&p->rd, n->magic);
    if (uv_tcp_init(&n->loop, &p->tcp) != 0) {
        free(p);
        return NULL;
    }
    p->tcp.data = p;
    p->last_recv = uv_now(&n->loop);
    p->next = n->peers;
    n->peers = p;
    return p;
}

static void peer_start(peer *p)
{
    uv_tcp_nodelay(&p->tcp, 1);
    p->state = PS_HANDSHAKE;
    if (uv_read_start((uv_stream_t *)&p->tcp, on_alloc, on_read) != 0) {
        peer_close(p, "read failed");
        return;
    }
    if (!p->inbound)
        send_version(p);
}

static void on_connect(uv_connect_t *req, int status)
{
    peer *p = req->data;
    if (p->closing)
        return;
    if (status != 0) {
        peer_close(p, p->node->o.verbose ? uv_strerror(status) : NULL);
        return;
    }
    peer_start(p);
}

static int host_of(char *host, size_t size, uint16_t *port, const struct sockaddr_storage *ss)
{
    if (ss->ss_family == AF_INET) {
        const struct sockaddr_in *a = (const struct sockaddr_in *)ss;
        *port = ntohs(a->sin_port);
        return uv_ip4_name(a, host, size);
    }
    if (ss->ss_family == AF_INET6) {
        const struct sockaddr_in6 *a = (const struct sockaddr_in6 *)ss;
        *port = ntohs(a->sin6_port);
        return uv_ip6_name(a, host, size);
    }
    return -1;
}

static void on_connection(uv_stream_t *server, int status)
{
    chain_net_node *n = server->data;
    if (status != 0 || n->stopping)
        return;
    peer *p = peer_new(n, 1);
    if (!p)
        return;
    if (uv_accept(server, (uv_stream_t *)&p->tcp) != 0) {
        peer_close(p, NULL);
        return;
    }
    struct sockaddr_storage ss;
    int len = sizeof ss;
    if (uv_tcp_getpeername(&p->tcp, (struct sockaddr *)&ss, &len) != 0 ||
        host_of(p->host, sizeof p->host, &p->port, &ss) != 0) {
        peer_close(p, NULL);
        return;
    }
    size_t inbound = 0;
    for (peer *q = n->peers; q; q = q->next)
        if (q->inbound && !q->closing)
            inbound++;
    if (chain_net_hosts_banned(&n->hosts, p->host, now_ms(n))) {
        if (n->o.verbose)
            logf_(n, "refused %s: banned", p->host);
        peer_close(p, NULL);
        return;
    }
    if (inbound > CHAIN_NET_MAX_INBOUND) {
        peer_close(p, NULL);
        return;
    }
    peer_start(p);
}

static int connected_to(chain_net_node *n, const chain_net_book_entry *e)
{
    for (peer *p = n->peers; p; p = p->next) {
        if (p->closing || strcmp(p->host, e->host) != 0)
            continue;
        if ((!p->inbound && p->port == e->port) || p->listen_port == e->port)
            return 1;
    }
    return 0;
}

static void dial(chain_net_node *n)
{
    uint64_t t = now_ms(n);
    size_t out = 0;
    for (peer *p = n->peers; p; p = p->next)
        if (!p->inbound && !p->closing)
            out++;
    for (size_t i = 0; i < n->book.n && out < CHAIN_NET_MAX_OUTBOUND; i++) {
        chain_net_book_entry *e = &n->book.e[i];
        if (e->next_try_ms > t || chain_net_hosts_banned(&n->hosts, e->host, t) || connected_to(n, e))
            continue;
        if (strcmp(e->host, n->listen_host) == 0 && e->port == n->listen_port)
            continue;
        struct sockaddr_storage ss;
        memset(&ss, 0, sizeof ss);
        if (uv_ip4_addr(e->host, e->port, (struct sockaddr_in *)&ss) != 0 &&
            uv_ip6_addr(e->host, e->port, (struct sockaddr_in6 *)&ss) != 0)
            continue;
        peer *p = peer_new(n, 0);
        if (!p)
            return;
        snprintf(p->host, sizeof p->host, "%s", e->host);
        p->port = e->port;
        p->book = e;
        e->next_try_ms = t + 2000;
        p->conn.data = p;
        if (uv_tcp_connect(&p->conn, &p->tcp, (const struct sockaddr *)&ss, on_connect) != 0) {
            peer_close(p, NULL);
            continue;
        }
        out++;
    }
}

/* ---------------------------------------------------------------- peers.json */

static void json_str(common_buf *b, const char *s)
{
    common_buf_append(b, "\"", 1);
    for (; *s; s++) {
        unsigned char ch = (unsigned char)*s;
        if (ch == '"' || ch == '\\')
            common_buf_printf(b, "\\%c", ch);
        else if (ch < 0x20)
            common_buf_printf(b, "\\u%04x", ch);
        else
            common_buf_append(b, s, 1);
    }
    common_buf_append(b, "\"", 1);
}

static void write_peers_file(chain_net_node *n)
{
    uint64_t t = now_ms(n);
    common_buf b = COMMON_BUF_INIT;
    char addr[96];
    common_buf_printf(&b, "{\n  \"schema\": 1,\n  \"listen\": ");
    snprintf(addr, sizeof addr, "%s:%u", n->listen_host, (unsigned)n->listen_port);
    json_str(&b, addr);
    common_buf_printf(&b, ",\n  \"updated_ms\": %" PRIu64 ",\n  \"chains\": [", t);
    for (unsigned ci = 0; ci < n->n; ci++) {
        char id[POUW_SHA256_HEX];
        uint8_t tip[32];
        chain_store_tip_id(tip, n->ch[ci].s);
        pouw_hex_encode(id, tip, 32);
        common_buf_printf(&b, "%s\n    {\"name\": \"%s\", \"height\": %" PRIu64 ", \"tip\": \"%s\"}", ci ? "," : "",
                          n->ch[ci].p->name, chain_store_tip_height(n->ch[ci].s), id);
    }
    common_buf_printf(&b, "\n  ],\n  \"orphan_headers\": %zu,\n  \"peers\": [", n->n_orphans);
    int first = 1;
    for (peer *p = n->peers; p; p = p->next) {
        if (p->closing || p->state == PS_CONNECTING)
            continue;
        snprintf(addr, sizeof addr, strchr(p->host, ':') ? "[%s]:%u" : "%s:%u", p->host,
                 (unsigned)(p->inbound && p->listen_port ? p->listen_port : p->port));
        const chain_net_host *h = chain_net_hosts_get(&n->hosts, p->host, t);
        common_buf_printf(&b, "%s\n    {\"address\": ", first ? "" : ",");
        json_str(&b, addr);
        common_buf_printf(&b, ", \"direction\": \"%s\", \"state\": \"%s\", \"heights\": {", p->inbound ? "in" : "out",
                          p->state == PS_READY ? "ready" : "handshake");
        int f2 = 1;
        for (unsigned ci = 0; ci < n->n; ci++)
            if (p->has_chain[ci]) {
                common_buf_printf(&b, "%s\"%s\": %" PRIu64, f2 ? "" : ", ", n->ch[ci].p->name, p->heights[ci]);
                f2 = 0;
            }
        common_buf_printf(&b, "}, \"score\": %d, \"banned_until_ms\": %" PRIu64 "}", h ? h->score : 0,
                          h && h->banned_until > t ? h->banned_until : 0);
        first = 0;
    }
    common_buf_printf(&b, "\n  ],\n  \"known\": [");
    for (size_t i = 0; i < n->book.n; i++) {
        const chain_net_book_entry *e = &n->book.e[i];
        snprintf(addr, sizeof addr, strchr(e->host, ':') ? "[%s]:%u" : "%s:%u", e->host, (unsigned)e->port);
        common_buf_printf(&b, "%s\n    {\"address\": ", i ? "," : "");
        json_str(&b, addr);
        common_buf_printf(&b, ", \"seed\": %s, \"last_ok_ms\": %" PRIu64 ", \"failures\": %u}",
                          e->seed ? "true" : "false", e->last_ok_ms, e->failures);
    }
    common_buf_printf(&b, "\n  ],\n  \"banned\": [");
    first = 1;
    for (size_t i = 0; i < n->hosts.n; i++) {
        const chain_net_host *h = &n->hosts.h[i];
        common_buf_printf(&b, "%s\n    {\"host\": ", first ? "" : ",");
        json_str(&b, h->ip);
        common_buf_printf(&b, ", \"score\": %d, \"banned_until_ms\": %" PRIu64 ", \"reason\": ", h->score,
                          h->banned_until > t ? h->banned_until : 0);
        json_str(&b, h->reason);
        common_buf_append(&b, "}", 1);
        first = 0;
    }
    common_buf_printf(&b, "\n  ]\n}\n");
    char path[CHAIN_PATH_MAX + 32];
    snprintf(path, sizeof path, "%s/%s", n->o.datadir, CHAIN_NET_PEERS_FILE);
    if (!b.oom && common_buf_write_file(&b, path) != 0 && n->o.verbose)
        logf_(n, "cannot write %s", path);
    common_buf_free(&b);
}

/* ---------------------------------------------------------------- the miner thread */

static uint64_t miner_clock(void *user)
{
    chain_net_node *n = user;
    return now_ms(n);
}

static int miner_stop(void *user)
{
    chain_net_node *n = user;
    return atomic_load(&n->stop_mining) != 0;
}

static void miner_notice(void *user, const common_error *e)
{
    (void)user;
    common_error_print(e, "pouw node: miner", stderr);
}

/* The miner thread: its own store values, the loop of chain/mining.h (the policy
 * asked before every attempt, greedy at DIR/economy.json's prices, nonces resumed). */
static void miner_main(void *arg)
{
    chain_net_node *n = arg;
    chain_store *s[CHAIN_COUNT] = {0};
    chain_v1_verifier v[CHAIN_COUNT];
    unsigned idx[CHAIN_COUNT];
    unsigned m = 0;
    common_error err;
    chain_mining *mn = NULL;
    for (unsigned i = 0; i < n->n; i++) {
        if (!n->o.use_policy && strcmp(n->ch[i].p->name, n->o.chain) != 0 &&
            strcmp(n->ch[i].p->name + (n->o.testnet ? 5 : 0), n->o.chain) != 0)
            continue;
        chain_store_opts so;
        memset(&so, 0, sizeof so);
        v[m].threads = n->o.threads;
        v[m].clock_ms = n->o.clock_ms;
        v[m].clock_user = n->o.clock_user;
        chain_v1_store_opts(&so, &v[m]);
        so.tip_moved = on_tip_moved;
        so.tip_moved_user = n;
        if (chain_store_open(&s[m], &err, n->o.datadir, n->ch[i].p, &so) != CHAIN_OK) {
            n->miner_status = CHAIN_ESTORE;
            n->miner_err = err;
            goto out;
        }
        idx[m++] = i;
    }
    chain_mining_opts mo;
    memset(&mo, 0, sizeof mo);
    mo.datadir = n->o.datadir;
    mo.use_policy = n->o.use_policy;
    mo.policy = n->o.policy;
    mo.seed = n->o.seed ^ 0x6d696e6572ull;
    mo.threads = n->o.threads;
    mo.clock_ms = miner_clock;
    mo.clock_user = n;
    mo.stop = miner_stop;
    mo.stop_user = n;
    mo.notice = miner_notice;
    if (m && chain_mining_open(&mn, &err, s, m, n->key.pub, &mo) != CHAIN_OK) {
        n->miner_status = CHAIN_ENOMEM;
        n->miner_err = err;
        goto out;
    }
    while (m && !atomic_load(&n->stop_mining)) {
        pouw_block b;
        pouw_block_init(&b);
        chain_mining_result r;
        chain_status cs = chain_mining_next(mn, &b, &r, &err);
        if (cs == CHAIN_OK) {
            atomic_fetch_add(&n->mined, 1);
            char id[POUW_SHA256_HEX];
            pouw_hex_encode(id, b.post_hash, 32);
            printf("%s height %" PRIu64 " id %s mined%s\n", n->ch[idx[r.chain]].p->name, b.header.height, id,
                   r.added.best ? "" : " (side branch)");
            fflush(stdout);
        } else if (cs != CHAIN_ESTOPPED && cs != CHAIN_ESTALE && cs != CHAIN_EBUSY) {
            common_error_print(&err, "pouw node: miner", stderr);
        }
        pouw_block_clear(&b);
    }
out:
    chain_mining_close(mn);
    for (unsigned k = 0; k < m; k++)
        chain_store_close(s[k]);
}

/* ---------------------------------------------------------------- timers, signals */

static void close_cb_nop(uv_handle_t *h) { (void)h; }

static void node_stop(chain_net_node *n)
{
    if (n->stopping)
        return;
    n->stopping = 1;
    atomic_store(&n->stop_mining, 1);
    write_peers_file(n);
    for (peer *p = n->peers; p; p = p->next)
        peer_close(p, NULL);
    uv_close((uv_handle_t *)&n->server, close_cb_nop);
    uv_close((uv_handle_t *)&n->tick, close_cb_nop);
    uv_close((uv_handle_t *)&n->sigint, close_cb_nop);
    uv_close((uv_handle_t *)&n->sigterm, close_cb_nop);
}

static void on_signal(uv_signal_t *h, int sig)
{
    chain_net_node *n = h->data;
    logf_(n, "stopping (signal %d)", sig);
    node_stop(n);
}

static void on_tick(uv_timer_t *h)
{
    chain_net_node *n = h->data;
    uint64_t t = uv_now(&n->loop);
    if (n->o.run_ms && t - n->t_start >= n->o.run_ms) {
        node_stop(n);
        return;
    }
    if (n->o.mine_ms && t - n->t_start >= n->o.mine_ms && !atomic_load(&n->stop_mining)) {
        atomic_store(&n->stop_mining, 1);
        logf_(n, "mining stopped after %" PRIu64 " ms", n->o.mine_ms);
    }
    announce_tips(n, 0);
    if (t - n->t_mempool >= MEMPOOL_POLL_MS) {
        n->t_mempool = t;
        poll_mempool(n);
    }
    schedule_bodies(n);
    dial(n);
    if (t - n->t_ping >= PING_MS) {
        n->t_ping = t;
        for (peer *p = n->peers; p; p = p->next) {
            if (p->state != PS_READY || p->closing)
                continue;
            if (t - p->last_recv > IDLE_MS) {
                peer_close(p, "silent");
                continue;
            }
            p->ping_nonce = rng_next(&n->rng);
            p->ping_sent = t;
            common_buf b = COMMON_BUF_INIT;
            (void)chain_net_put_ping(&b, n->magic, CHAIN_NET_PING, p->ping_nonce);
            peer_send(p, &b);
        }
    }
    if (t - n->t_file >= PEERS_FILE_MS) {
        n->t_file = t;
        write_peers_file(n);
    }
}

/* ---------------------------------------------------------------- create, run, destroy */

chain_status chain_net_node_create(chain_net_node **out, common_error *err, const chain_net_node_opts *o)
{
    *out = NULL;
    common_error_clear(err);
    chain_net_node *n = calloc(1, sizeof *n);
    if (!n)
        return common_error_set(err, CHAIN_ENOMEM, "", "", "out of memory");
    n->o = *o;
    if (!n->o.threads)
        n->o.threads = 1;
    chain_net_magic(n->magic, o->testnet);
    n->rng = o->seed;
    n->nonce = rng_next(&n->rng);
    chain_status cs = CHAIN_OK;
    if (chain_net_split_hostport(n->listen_host, sizeof n->listen_host, &n->listen_port, o->listen) != 0) {
        cs = common_error_set(err, CHAIN_EPARAMS, "", "--listen", "%s is not a numeric HOST:PORT", o->listen);
        goto fail;
    }
    for (size_t i = 0; i < o->n_peers; i++) {
        char host[64];
        uint16_t port;
        if (chain_net_split_hostport(host, sizeof host, &port, o->peers[i]) != 0) {
            cs = common_error_set(err, CHAIN_EPARAMS, "", "--peer", "%s is not a numeric HOST:PORT", o->peers[i]);
            goto fail;
        }
        (void)chain_net_book_add(&n->book, host, port, 1);
    }
    if ((cs = chain_mkdirs(err, o->datadir, 0)) != CHAIN_OK)
        goto fail;
    n->n = CHAIN_COUNT;
    int mined_chain_found = o->use_policy || !o->mine;
    for (unsigned i = 0; i < n->n; i++) {
        net_chain *c = &n->ch[i];
        c->p = o->testnet ? chain_testnet_at(i) : chain_params_at(i);
        if (o->mine && !o->use_policy && o->chain &&
            (strcmp(c->p->name, o->chain) == 0 || (o->testnet && strcmp(c->p->name + 5, o->chain) == 0)))
            mined_chain_found = 1;
        if (uv_mutex_init(&c->pool.mu) != 0) {
            cs = common_error_set(err, CHAIN_ENOMEM, "", "", "cannot make a mutex");
            n->n = i;
            goto fail;
        }
        c->ver.threads = n->o.threads;
        c->ver.clock_ms = o->clock_ms;
        c->ver.clock_user = o->clock_user;
        c->wver = c->ver;
        chain_store_opts so;
        memset(&so, 0, sizeof so);
        so.create = 1;
        chain_v1_store_opts(&so, &c->ver);
        if ((cs = chain_store_open(&c->s, err, o->datadir, c->p, &so)) != CHAIN_OK) {
            n->n = i + 1;
            goto fail;
        }
        if (!chain_store_best_id(c->genesis, c->s, 0)) {
            cs = common_error_set(err, CHAIN_ESTORE, chain_store_path(c->s), c->p->name, "no genesis");
            n->n = i + 1;
            goto fail;
        }
    }
    if (!mined_chain_found) {
        cs = common_error_set(err, CHAIN_EUNKNOWN, "", "--chain", "unknown chain %s", o->chain ? o->chain : "");
        goto fail;
    }
    if (o->mine) {
        int created = 0;
        if ((cs = chain_miner_key(&n->key, &created, err, o->datadir, o->keyfile)) != CHAIN_OK)
            goto fail;
        n->have_key = 1;
    }
    if (uv_loop_init(&n->loop) != 0) {
        cs = common_error_set(err, CHAIN_EIO, "", "", "cannot make the event loop");
        goto fail;
    }
    n->loop_init = 1;
    struct sockaddr_storage ss;
    memset(&ss, 0, sizeof ss);
    if (uv_ip4_addr(n->listen_host, n->listen_port, (struct sockaddr_in *)&ss) != 0 &&
        uv_ip6_addr(n->listen_host, n->listen_port, (struct sockaddr_in6 *)&ss) != 0) {
        cs = common_error_set(err, CHAIN_EPARAMS, "", "--listen", "%s is not a numeric address", o->listen);
        goto fail;
    }
    uv_tcp_init(&n->loop, &n->server);
    n->server.data = n;
    uv_timer_init(&n->loop, &n->tick);
    n->tick.data = n;
    uv_signal_init(&n->loop, &n->sigint);
    uv_signal_init(&n->loop, &n->sigterm);
    n->sigint.data = n->sigterm.data = n;
    int rc = uv_tcp_bind(&n->server, (const struct sockaddr *)&ss, 0);
    if (rc == 0)
        rc = uv_listen((uv_stream_t *)&n->server, 64, on_connection);
    if (rc != 0) {
        cs = common_error_set(err, CHAIN_EIO, "", "--listen", "cannot listen on %s: %s", o->listen, uv_strerror(rc));
        goto fail;
    }
    atomic_init(&n->stop_mining, 0);
    atomic_init(&n->mined, 0);
    *out = n;
    return CHAIN_OK;
fail:
    chain_net_node_destroy(n);
    return cs;
}

chain_status chain_net_node_run(chain_net_node *n, common_error *err)
{
    common_error_clear(err);
    uv_signal_start(&n->sigint, on_signal, SIGINT);
    uv_signal_start(&n->sigterm, on_signal, SIGTERM);
    n->t_start = uv_now(&n->loop);
    uv_timer_start(&n->tick, on_tick, TICK_MS, TICK_MS);
    logf_(n, "listening (%s chains, %s)", n->o.testnet ? "testnet" : "main",
          n->o.mine ? (n->o.use_policy ? chain_policy_name(n->o.policy) : n->o.chain) : "not mining");
    for (unsigned ci = 0; ci < n->n; ci++)
        chain_store_tip_id(n->ch[ci].announced, n->ch[ci].s);
    if (n->o.mine) {
        if (uv_thread_create(&n->miner, miner_main, n) != 0) {
            return common_error_set(err, CHAIN_EIO, "", "", "cannot start the miner thread");
        }
        n->miner_started = 1;
    }
    uv_run(&n->loop, UV_RUN_DEFAULT);
    atomic_store(&n->stop_mining, 1);
    if (n->miner_started) {
        uv_thread_join(&n->miner);
        n->miner_started = 0;
    }
    if (n->miner_status != CHAIN_OK) {
        *err = n->miner_err;
        return n->miner_status;
    }
    return CHAIN_OK;
}

void chain_net_node_counts(const chain_net_node *n, uint64_t *mined, uint64_t *received)
{
    *mined = atomic_load(&((chain_net_node *)n)->mined);
    *received = n->received;
}

static void walk_close(uv_handle_t *h, void *arg)
{
    (void)arg;
    if (!uv_is_closing(h))
        uv_close(h, NULL);
}

void chain_net_node_destroy(chain_net_node *n)
{
    if (!n)
        return;
    if (n->miner_started) {
        atomic_store(&n->stop_mining, 1);
        uv_thread_join(&n->miner);
    }
    if (n->loop_init) {
        for (peer *p = n->peers; p; p = p->next)
            if (!p->closing) {
                p->closing = 1;
                uv_close((uv_handle_t *)&p->tcp, on_peer_closed);
            }
        uv_walk(&n->loop, walk_close, NULL);
        uv_run(&n->loop, UV_RUN_DEFAULT);
        (void)uv_loop_close(&n->loop);
    }
    for (unsigned i = 0; i < n->n; i++) {
        net_chain *c = &n->ch[i];
        chain_store_close(c->s);
        for (size_t k = 0; k < c->pool.n; k++)
            chain_store_close(c->pool.free[k]);
        uv_mutex_destroy(&c->pool.mu);
        free(c->pend);
        for (size_t k = 0; k < KNOWN_TX; k++)
            free(c->known[k].doc);
        free(c->mem_prev);
    }
    if (n->have_key)
        pouw_key_clear(&n->key);
    free(n);
}
