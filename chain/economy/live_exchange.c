/* chain/economy/live_exchange.c - `econ exchange`: the clearing house as a
 * process, event-sourced on DIR/exchange.db, serving DIR/exchange.sock (live.h). */
#include "chain/economy/live.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <math.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <sqlite3.h>

#include "chain/economy/export.h"
#include "common/buf.h"
#include "chain/economy/external.h"
#include "chain/economy/market.h"
#include "chain/economy/onchain.h"
#include "chain/economy/outputs.h"
#include "chain/exchange/clearing.h"
#include "chain/miner.h"
#include "chain/validate.h"
#include "chain/params.h"
#include "chain/store.h"
#include "common/clock.h"
#include "common/file.h"
#include "pouw/tx.h"

#define MAX_CLIENTS 128
#define POLL_S 0.5
#define SNAP_S 1.0
#define REBROADCAST_S 2.0
#define BLOCKS_PER_POLL 256

typedef chain_econ_journal_row row;

typedef struct lagent {
    char label[CHAIN_ECON_LABEL_MAX + 12];
    uint8_t pub[32];
    const chain_econ_group *g;
    uint64_t steps;
    double last_value;
    char errs[CHAIN_ECON_MAX_ERRORS][CHAIN_EX_REASON_MAX + 40];
    const char *errp[CHAIN_ECON_MAX_ERRORS];
    size_t n_errs;
} lagent;

typedef struct dep {
    unsigned coin;
    uint64_t id, height; /* height 0: removed */
} dep;

typedef struct wdr {
    unsigned coin;
    uint64_t wid, seq, height; /* height 0: not in the best chain */
    uint32_t account;
    int64_t amount;
    uint8_t txid[32];
    int have_txid;
} wdr;

typedef struct chainv {
    const chain_params *p;
    chain_store *s;
    uint8_t (*ids)[32];      /* processed best chain: ids[0..n) (0 = genesis) */
    uint64_t n;
    size_t cap;
    pouw_ledger ledger;       /* at ids[n - 1] */
} chainv;

typedef struct client {
    int fd;
    common_buf in;
} client;

typedef struct X {
    const chain_econ_config *cfg;
    const chain_econ_live_opts *o;
    const char *dir;
    common_error *err;
    sqlite3 *db;
    sqlite3_stmt *ins;
    int in_tx;
    uint64_t journal_rows;
    chain_ex *ex;
    chain_econ_market mk;
    pouw_key key;
    uint8_t pub[32];
    uint32_t n, house;
    lagent *a;
    chain_v1_verifier ver;
    chainv c[CHAIN_EX_COINS];
    dep *d;
    size_t nd, capd;
    wdr *w;
    size_t nw, capw;
    double start_wall;
    int booted;
    int custody_ok;
    double period_s, last_period;
    client cl[MAX_CLIENTS];
    size_t ncl;
    int lfd, lockfd;
    uint64_t refusals, orders;
    int err_failed;          /* journaling a refusal failed (fatal for the request) */
} X;

static int xfail(X *x, int rc, const char *field, const char *fmt, ...) __attribute__((format(printf, 4, 5)));
static int xfail(X *x, int rc, const char *field, const char *fmt, ...)
{
    char msg[300];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    if (!x->err->code)
        common_error_set(x->err, rc, x->dir, field, "%s", msg);
    return rc;
}

static double now_t(const X *x) { return (double)common_clock_wall_ms() / 1000.0 - x->start_wall; }

static uint64_t wall_clock(void *user)
{
    (void)user;
    return common_clock_wall_ms();
}

/* Bootstrap blocks carry the times sim mode gives them (genesis + height x the
 * target interval), so mining them fast does not raise the difficulty. */
typedef struct boot_clock {
    uint64_t ms;
} boot_clock;

static uint64_t boot_time(void *user) { return ((boot_clock *)user)->ms; }

static const char *label_of(void *user, uint32_t acc)
{
    X *x = user;
    return acc < x->n ? x->a[acc].label : "house";
}

static void on_trade(void *user, const chain_ex_trade *tr)
{
    X *x = user;
    chain_econ_market_trade(&x->mk, tr);
}

static int64_t onchain(const X *x, uint32_t i, unsigned c)
{
    return pouw_ledger_balance(&x->c[c].ledger, x->a[i].pub);
}

static double agent_value(const X *x, uint32_t i, const double v[CHAIN_EX_COINS])
{
    int64_t u[CHAIN_EX_COINS];
    for (unsigned c = 0; c < CHAIN_EX_COINS; c++)
        u[c] = onchain(x, i, c);
    return chain_econ_agent_value(x->ex, i, u, v);
}

static double snap_value(void *user, uint32_t i)
{
    X *x = user;
    double v[CHAIN_EX_COINS];
    chain_econ_market_values(x->ex, x->cfg->initial_price, v);
    return agent_value(x, i, v);
}

static void snap_holdings(void *user, uint32_t i, int64_t u[CHAIN_EX_COINS])
{
    X *x = user;
    for (unsigned c = 0; c < CHAIN_EX_COINS; c++) {
        chain_ex_balance b = chain_ex_balance_of(x->ex, i, c);
        u[c] = onchain(x, i, c) + b.free + b.locked - b.owed;
    }
}

/* ------------------------------------------------------------------ the journal */

static int db_exec(X *x, const char *sql)
{
    char *m = NULL;
    if (sqlite3_exec(x->db, sql, NULL, NULL, &m) != SQLITE_OK) {
        xfail(x, 1, "exchange.db", "%s: %s", sql, m ? m : sqlite3_errmsg(x->db));
        sqlite3_free(m);
        return 1;
    }
    return 0;
}

static int begin(X *x)
{
    if (x->in_tx)
        return 0;
    if (db_exec(x, "BEGIN IMMEDIATE"))
        return 1;
    x->in_tx = 1;
    return 0;
}

static int commit(X *x)
{
    if (!x->in_tx)
        return 0;
    x->in_tx = 0;
    return db_exec(x, "COMMIT");
}

static int journal(X *x, const row *r)
{
    sqlite3_stmt *q = x->ins;
    sqlite3_reset(q);
    sqlite3_bind_text(q, 1, r->op, -1, SQLITE_STATIC);
    sqlite3_bind_int64(q, 2, r->a);
    sqlite3_bind_int64(q, 3, r->b);
    sqlite3_bind_int64(q, 4, r->c);
    sqlite3_bind_int64(q, 5, r->d);
    sqlite3_bind_int64(q, 6, r->e);
    sqlite3_bind_int64(q, 7, r->f);
    sqlite3_bind_double(q, 8, r->t);
    if (r->has_x)
        sqlite3_bind_blob(q, 9, r->x, 32, SQLITE_STATIC);
    else if (r->msg[0])
        sqlite3_bind_text(q, 9, r->msg, -1, SQLITE_STATIC);
    else
        sqlite3_bind_null(q, 9);
    if (sqlite3_step(q) != SQLITE_DONE)
        return xfail(x, 1, "exchange.db", "journal append: %s", sqlite3_errmsg(x->db));
    x->journal_rows++;
    return 0;
}

static dep *find_dep(X *x, unsigned coin, uint64_t id)
{
    for (size_t i = 0; i < x->nd; i++)
        if (x->d[i].coin == coin && x->d[i].id == id)
            return &x->d[i];
    return NULL;
}

static wdr *find_wdr(X *x, uint64_t wid)
{
    for (size_t i = 0; i < x->nw; i++)
        if (x->w[i].wid == wid)
            return &x->w[i];
    return NULL;
}

/* The withdrawal's transfer (rebuilt the same every time: Ed25519 is deterministic). */
static int wdr_tx(X *x, const wdr *w, pouw_tx *tx)
{
    *tx = pouw_tx_transfer(x->c[w->coin].p->chain_id, x->pub, x->a[w->account].pub, w->amount, w->seq, 0);
    return pouw_tx_sign(&x->key, tx) == POUW_OK ? 0 : -1;
}

/* Applies one operation to the state: the clearing house's part
 * (chain_econ_journal_clearing, export.h), then the exchange's own bookkeeping
 * (the processed best chains, deposits and withdrawals by height). Returns the
 * clearing house's code (for place/cancel/withdraw a refusal is
 * CHAIN_EX_EREFUSED with reason); -1 for an operation that cannot apply (a bug
 * or a corrupt journal). */
static int apply(X *x, row *r, chain_ex_place_result *res, char reason[CHAIN_EX_REASON_MAX])
{
    const char *op = r->op;
    unsigned coin = (unsigned)r->a;
    int rc = chain_econ_journal_clearing(x->ex, x->n, r, res, reason);
    if (rc == -1)
        return rc;
    if (strcmp(op, "depx") == 0) { /* whatever the clearing house said */
        dep *d = find_dep(x, coin, (uint64_t)r->d);
        if (d)
            d->height = 0;
        return rc;
    }
    if (strcmp(op, "wds") == 0 || strcmp(op, "wdx") == 0) {
        wdr *w = find_wdr(x, (uint64_t)r->d);
        if (w)
            w->height = op[2] == 's' ? (uint64_t)r->e : 0;
        return rc;
    }
    if (rc != 0)
        return rc;
    if (strcmp(op, "start") == 0) {
        x->start_wall = r->t;
    } else if (strcmp(op, "boot") == 0) {
        x->booted = 1;
    } else if (strcmp(op, "blk") == 0) {
        chainv *cv = &x->c[coin];
        if ((uint64_t)r->b != cv->n)
            return -1;
        if (common_grow((void **)&cv->ids, &cv->cap, (size_t)cv->n + 1, 32))
            return CHAIN_EX_ENOMEM;
        memcpy(cv->ids[cv->n], r->x, 32);
        cv->n++;
    } else if (strcmp(op, "unblk") == 0) {
        chainv *cv = &x->c[coin];
        if ((uint64_t)r->b + 1 != cv->n || cv->n < 2)
            return -1;
        cv->n--;
    } else if (strcmp(op, "dep") == 0) {
        dep *d = find_dep(x, coin, (uint64_t)r->d);
        if (!d) {
            if (common_grow((void **)&x->d, &x->capd, x->nd + 1, sizeof *x->d))
                return CHAIN_EX_ENOMEM;
            d = &x->d[x->nd++];
            d->coin = coin;
            d->id = (uint64_t)r->d;
        }
        d->height = (uint64_t)r->e;
    } else if (strcmp(op, "wd") == 0) {
        if (common_grow((void **)&x->w, &x->capw, x->nw + 1, sizeof *x->w))
            return CHAIN_EX_ENOMEM;
        wdr *w = &x->w[x->nw++];
        memset(w, 0, sizeof *w);
        w->coin = coin;
        w->wid = (uint64_t)r->d;
        w->seq = (uint64_t)r->e;
        w->account = (uint32_t)r->b;
        w->amount = r->c;
        pouw_tx tx;
        if (wdr_tx(x, w, &tx) == 0 && pouw_tx_id(w->txid, &tx) == POUW_OK)
            w->have_txid = 1;
    }
    return 0;
}

/* Applies r and, when it took effect, appends it to the journal (inside the open
 * transaction). Returns as apply; a journal failure is 1 with err set (fatal). */
static int perform(X *x, row *r, chain_ex_place_result *res, char reason[CHAIN_EX_REASON_MAX], int *fatal)
{
    int rc = apply(x, r, res, reason);
    if (rc == CHAIN_EX_EREFUSED || rc == CHAIN_EX_ENOTFOUND)
        return rc;
    if (rc != 0) {
        *fatal = 1;
        xfail(x, 1, "exchange", "%s failed (code %d)", r->op, rc);
        return rc;
    }
    if (begin(x) || journal(x, r)) {
        *fatal = 1;
        return 1;
    }
    return 0;
}

static row mkrow(const char *op, int64_t a, int64_t b, int64_t c, int64_t d, int64_t e, int64_t f, double t)
{
    row r;
    memset(&r, 0, sizeof r);
    snprintf(r.op, sizeof r.op, "%s", op);
    r.a = a;
    r.b = b;
    r.c = c;
    r.d = d;
    r.e = e;
    r.f = f;
    r.t = t;
    return r;
}

static int open_journal(X *x)
{
    char path[1200];
    snprintf(path, sizeof path, "%s/%s", x->dir, CHAIN_ECON_LIVE_DB);
    if (sqlite3_open_v2(path, &x->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, NULL) !=
        SQLITE_OK)
        return xfail(x, 1, "exchange.db", "cannot open %s: %s", path, x->db ? sqlite3_errmsg(x->db) : "");
    sqlite3_busy_timeout(x->db, 10000);
    if (db_exec(x, "PRAGMA journal_mode=WAL") || db_exec(x, "PRAGMA synchronous=FULL") ||
        db_exec(x, "CREATE TABLE IF NOT EXISTS journal(seq INTEGER PRIMARY KEY, op TEXT NOT NULL, a INTEGER, "
                   "b INTEGER, c INTEGER, d INTEGER, e INTEGER, f INTEGER, t REAL, x BLOB)"))
        return 1;
    if (sqlite3_prepare_v2(x->db, "INSERT INTO journal(op,a,b,c,d,e,f,t,x) VALUES(?,?,?,?,?,?,?,?,?)", -1, &x->ins,
                           NULL) != SQLITE_OK)
        return xfail(x, 1, "exchange.db", "%s", sqlite3_errmsg(x->db));
    return 0;
}

static int replay_row(void *user, int64_t seq, row *r)
{
    X *x = user;
    int ar = apply(x, r, NULL, NULL);
    if (ar != 0)
        return xfail(x, 1, "exchange.db", "journal row %lld (%s) does not replay (code %d)", (long long)seq, r->op, ar);
    x->journal_rows++;
    return 0;
}

static int replay(X *x)
{
    char why[256] = "";
    int rc = chain_econ_journal_read(x->db, replay_row, x, why);
    if (rc == -2)
        return xfail(x, 1, "exchange.db", "reading the journal: %s", why);
    return rc ? 1 : 0;
}

/* The meta table (export.h): what `econ export` needs besides the journal. */
static int write_meta(X *x)
{
    if (db_exec(x, "CREATE TABLE IF NOT EXISTS meta(k TEXT PRIMARY KEY, v)"))
        return 1;
    char *cfg = x->cfg->json ? cJSON_PrintUnformatted(x->cfg->json) : NULL;
    common_buf acc = COMMON_BUF_INIT;
    common_buf_append(&acc, "{\"exchange\":\"", 13);
    for (int k = 0; k < 32; k++)
        common_buf_printf(&acc, "%02x", x->pub[k]);
    common_buf_append(&acc, "\",\"agents\":[", 12);
    for (uint32_t i = 0; i < x->n; i++) {
        common_buf_append(&acc, i ? ",\"" : "\"", i ? 2 : 1);
        for (int k = 0; k < 32; k++)
            common_buf_printf(&acc, "%02x", x->a[i].pub[k]);
        common_buf_append(&acc, "\"", 1);
    }
    common_buf_append(&acc, "]}", 2);
    sqlite3_stmt *q = NULL;
    int rc = 0;
    if (!cfg || !acc.data ||
        sqlite3_prepare_v2(x->db, "INSERT OR REPLACE INTO meta(k,v) VALUES(?,?)", -1, &q, NULL) != SQLITE_OK) {
        rc = xfail(x, 1, "exchange.db", "meta: %s", cfg && acc.data ? sqlite3_errmsg(x->db) : "out of memory");
    } else if (begin(x)) {
        rc = 1;
    } else {
        double speed = x->o->speed > 0 ? x->o->speed : 1;
        const char *keys[3] = {"config", "config_file", "accounts"};
        const char *vals[3] = {cfg, x->o->config_path ? x->o->config_path : x->cfg->path, acc.data};
        for (int k = 0; k < 4 && !rc; k++) {
            sqlite3_reset(q);
            sqlite3_bind_text(q, 1, k < 3 ? keys[k] : "speed", -1, SQLITE_STATIC);
            if (k < 3)
                sqlite3_bind_text(q, 2, vals[k], -1, SQLITE_STATIC);
            else
                sqlite3_bind_double(q, 2, speed);
            if (sqlite3_step(q) != SQLITE_DONE)
                rc = xfail(x, 1, "exchange.db", "meta: %s", sqlite3_errmsg(x->db));
        }
        if (!rc && commit(x))
            rc = 1;
    }
    sqlite3_finalize(q);
    free(cfg);
    common_buf_free(&acc);
    return rc;
}

/* ------------------------------------------------------------------ the chains */

static int64_t find_agent(const X *x, const uint8_t pub[32])
{
    for (uint32_t i = 0; i < x->n; i++)
        if (memcmp(x->a[i].pub, pub, 32) == 0)
            return i;
    return -1;
}

/* One transfer of the exchange in block k of chain c (onchain.h): a deposit
 * from an agent's key, or the transfer of one of its withdrawals. */
typedef struct seen_ctx {
    X *x;
    unsigned c;
    uint64_t k;
    int *fatal;
} seen_ctx;

static int transfer_seen(void *user, const pouw_tx *tx, const uint8_t txid[32], int withdrawal)
{
    seen_ctx *sc = user;
    X *x = sc->x;
    if (!withdrawal) {
        int64_t ag = find_agent(x, tx->from);
        if (ag < 0)
            return 0; /* not an agent's: not the exchange's business */
        row r = mkrow("dep", sc->c, ag, tx->amount, (int64_t)chain_econ_deposit_id(txid), (int64_t)sc->k, 0, 0);
        return perform(x, &r, NULL, NULL, sc->fatal) && *sc->fatal;
    }
    for (size_t j = 0; j < x->nw; j++) {
        wdr *w = &x->w[j];
        if (w->coin == sc->c && w->have_txid && memcmp(w->txid, txid, 32) == 0) {
            row r = mkrow("wds", sc->c, 0, 0, (int64_t)w->wid, (int64_t)sc->k, 0, 0);
            if (perform(x, &r, NULL, NULL, sc->fatal) && *sc->fatal)
                return 1;
        }
    }
    return 0;
}

/* Brings chain c's processed best chain up to the store's: blocks that left it
 * (their deposits and withdrawals removed), new blocks, the tip. One transaction. */
static int poll_chain(X *x, unsigned c, int *fatal)
{
    chainv *cv = &x->c[c];
    common_error e;
    common_error_clear(&e);
    int moved = 0;
    if (chain_store_refresh(cv->s, &e, &moved) != CHAIN_OK)
        return 0; /* busy: next time */
    uint64_t T = chain_store_tip_height(cv->s);
    uint8_t id[32];
    uint64_t h = cv->n - 1;
    if (h == T && chain_store_best_id(id, cv->s, h) && memcmp(id, cv->ids[h], 32) == 0)
        return 0;
    while (h > 0 && (h > T || !chain_store_best_id(id, cv->s, h) || memcmp(id, cv->ids[h], 32) != 0))
        h--;
    int changed = 0;
    for (uint64_t k = cv->n - 1; k > h; k--) {
        for (size_t i = 0; i < x->nd; i++)
            if (x->d[i].coin == c && x->d[i].height == k) {
                row r = mkrow("depx", c, 0, 0, (int64_t)x->d[i].id, 0, 0, 0);
                if (perform(x, &r, NULL, NULL, fatal) && *fatal)
                    return 1;
            }
        for (size_t i = 0; i < x->nw; i++)
            if (x->w[i].coin == c && x->w[i].height == k) {
                row r = mkrow("wdx", c, 0, 0, (int64_t)x->w[i].wid, 0, 0, 0);
                if (perform(x, &r, NULL, NULL, fatal) && *fatal)
                    return 1;
            }
        row r = mkrow("unblk", c, (int64_t)k, 0, 0, 0, 0, 0);
        if (perform(x, &r, NULL, NULL, fatal))
            return 1;
        changed = 1;
    }
    pouw_block b;
    pouw_block_init(&b);
    for (uint64_t k = h + 1, done = 0; k <= T && done < BLOCKS_PER_POLL; k++, done++) {
        chain_block_meta m;
        if (!chain_store_best_id(id, cv->s, k) || chain_store_meta(&m, &e, cv->s, id) != CHAIN_OK ||
            memcmp(m.prev, cv->ids[k - 1], 32) != 0 || chain_store_block(&b, &e, cv->s, id) != CHAIN_OK)
            break; /* the best chain moved meanwhile: next poll */
        seen_ctx sc = {x, c, k, fatal};
        if (chain_econ_block_transfers(&b, x->pub, transfer_seen, &sc)) {
            pouw_block_clear(&b);
            return 1;
        }
        row r = mkrow("blk", c, (int64_t)k, 0, 0, 0, 0, 0);
        memcpy(r.x, id, 32);
        r.has_x = 1;
        if (perform(x, &r, NULL, NULL, fatal)) {
            pouw_block_clear(&b);
            return 1;
        }
        row t = mkrow("tip", c, (int64_t)k, 0, 0, 0, 0, 0);
        if (perform(x, &t, NULL, NULL, fatal)) {
            pouw_block_clear(&b);
            return 1;
        }
        changed = 1;
    }
    pouw_block_clear(&b);
    if (changed && h == cv->n - 1) {
        /* nothing new after the removals: the tip moved down */
    }
    if (changed) {
        row t = mkrow("tip", c, (int64_t)(cv->n - 1), 0, 0, 0, 0, 0);
        if (perform(x, &t, NULL, NULL, fatal))
            return 1;
    }
    if (commit(x)) {
        *fatal = 1;
        return 1;
    }
    if (changed && chain_store_ledger(&cv->ledger, &e, cv->s, cv->ids[cv->n - 1]) != CHAIN_OK)
        fprintf(stderr, "econ exchange: %s: ledger: %s\n", cv->p->name, e.msg);
    return 0;
}

static int poll_chains(X *x)
{
    int fatal = 0;
    for (unsigned c = 0; c < CHAIN_EX_COINS; c++)
        if (poll_chain(x, c, &fatal) && fatal)
            return 1;
    common_error e;
    common_error_clear(&e);
    x->custody_ok = chain_ex_check(x->ex, &e) == CHAIN_EX_OK;
    if (!x->custody_ok)
        return xfail(x, 1, "custody", "custody invariant broken: %s", e.msg);
    return 0;
}

static void rebroadcast(X *x)
{
    for (size_t i = 0; i < x->nw; i++) {
        wdr *w = &x->w[i];
        if (w->height)
            continue;
        pouw_tx tx;
        pouw_reason why;
        common_error e;
        common_error_clear(&e);
        if (wdr_tx(x, w, &tx) == 0)
            (void)!chain_store_tx_add(x->c[w->coin].s, &why, &e, &tx);
    }
}

static int open_chains(X *x)
{
    x->ver.threads = 1;
    x->ver.clock_ms = wall_clock;
    for (unsigned c = 0; c < CHAIN_EX_COINS; c++) {
        chainv *cv = &x->c[c];
        cv->p = x->cfg->testnet ? chain_testnet_at(c) : chain_params_at(c);
        common_error e;
        common_error_clear(&e);
        chain_store_opts so;
        memset(&so, 0, sizeof so);
        chain_v1_store_opts(&so, &x->ver);
        so.create = 1;
        if (chain_store_open(&cv->s, &e, x->dir, cv->p, &so) != CHAIN_OK)
            return xfail(x, 1, "chains", "%s: %s", cv->p->name, e.msg);
        if (!cv->n) { /* genesis */
            uint8_t gid[32];
            if (!chain_store_best_id(gid, cv->s, 0))
                return xfail(x, 1, "chains", "%s: no genesis", cv->p->name);
            if (common_grow((void **)&cv->ids, &cv->cap, 1, 32))
                return xfail(x, 1, "memory", "out of memory");
            memcpy(cv->ids[0], gid, 32);
            cv->n = 1;
        }
    }
    return 0;
}

static int load_ledgers(X *x)
{
    for (unsigned c = 0; c < CHAIN_EX_COINS; c++) {
        chainv *cv = &x->c[c];
        common_error e;
        common_error_clear(&e);
        if (chain_store_ledger(&cv->ledger, &e, cv->s, cv->ids[cv->n - 1]) != CHAIN_OK)
            return xfail(x, 1, "chains", "%s: ledger: %s", cv->p->name, e.msg);
    }
    return 0;
}

/* First start: the exchange's own blocks pay the initial holdings. */
static int bootstrap(X *x)
{
    int64_t need[CHAIN_EX_COINS] = {0};
    for (uint32_t i = 0; i < x->n; i++)
        for (unsigned c = 0; c < CHAIN_EX_COINS; c++)
            need[c] += x->a[i].g->holdings[c];
    for (unsigned c = 0; c < CHAIN_EX_COINS; c++) {
        chainv *cv = &x->c[c];
        for (;;) {
            common_error e;
            common_error_clear(&e);
            pouw_ledger l = {0};
            uint8_t tip[32];
            int moved;
            if (chain_store_refresh(cv->s, &e, &moved) != CHAIN_OK)
                return xfail(x, 1, "chains", "%s: %s", cv->p->name, e.msg);
            chain_store_tip_id(tip, cv->s);
            if (chain_store_ledger(&l, &e, cv->s, tip) != CHAIN_OK)
                return xfail(x, 1, "chains", "%s: ledger: %s", cv->p->name, e.msg);
            int64_t have = pouw_ledger_balance(&l, x->pub);
            pouw_ledger_clear(&l);
            if (have >= need[c])
                break;
            chain_mine_opts mo;
            memset(&mo, 0, sizeof mo);
            mo.threads = 1;
            boot_clock bc = {cv->p->genesis_time_ms +
                             (chain_store_tip_height(cv->s) + 1) * (uint64_t)cv->p->target_interval_s * 1000u};
            mo.clock_ms = boot_time;
            mo.clock_user = &bc;
            mo.no_transfers = 1;
            pouw_block b;
            pouw_block_init(&b);
            chain_status cs = chain_mine_block(&b, NULL, &e, cv->s, x->pub, &mo);
            pouw_block_clear(&b);
            if (cs != CHAIN_OK)
                return xfail(x, 1, "chains", "%s: mining a bootstrap block: %s", cv->p->name,
                             e.msg[0] ? e.msg : chain_status_str(cs));
        }
    }
    if (poll_chains(x))
        return 1;
    int fatal = 0;
    for (unsigned c = 0; c < CHAIN_EX_COINS; c++) {
        int64_t have = pouw_ledger_balance(&x->c[c].ledger, x->pub), given = 0;
        for (uint32_t i = 0; i < x->n; i++) {
            int64_t h = x->a[i].g->holdings[c];
            if (!h)
                continue;
            row r = mkrow("grant", c, i, h, 0, 0, 0, 0);
            if (perform(x, &r, NULL, NULL, &fatal))
                return 1;
            given += h;
        }
        if (have - given > 0) {
            row r = mkrow("grant", c, x->house, have - given, 0, 0, 0, 0);
            if (perform(x, &r, NULL, NULL, &fatal))
                return 1;
        }
    }
    row r = mkrow("boot", 0, 0, 0, 0, 0, 0, 0);
    if (perform(x, &r, NULL, NULL, &fatal) || commit(x))
        return 1;
    return 0;
}

/* ------------------------------------------------------------------ requests */

static void reply_error(common_buf *out, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void reply_error(common_buf *out, const char *fmt, ...)
{
    char m[400];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(m, sizeof m, fmt, ap);
    va_end(ap);
    common_buf_append(out, "{\"type\":\"error\",\"error\":", 24);
    chain_econ_live_put_str(out, m);
    common_buf_append(out, "}\n", 2);
}

static void news_of(const X *x, double t, int news[CHAIN_EX_COINS])
{
    double per = x->cfg->news_period_s > 0 ? x->cfg->news_period_s : 60;
    uint64_t k = t > 0 ? (uint64_t)(t / per) : 0;
    for (unsigned c = 0; c < CHAIN_EX_COINS; c++) {
        chain_econ_rng r = {x->cfg->seed ^ (k * 0x9e3779b97f4a7c15ull) ^ ((uint64_t)c << 60) ^ 0x6e657773ull};
        news[c] = (chain_econ_rng_next(&r) >> 63) ? 1 : -1;
    }
}

static void do_observe(X *x, uint32_t i, common_buf *out)
{
    lagent *ag = &x->a[i];
    chain_econ_obs obs;
    memset(&obs, 0, sizeof obs);
    chain_ex_order_info orders[CHAIN_ECON_MAX_OPEN];
    double v[CHAIN_EX_COINS];
    chain_econ_market_values(x->ex, x->cfg->initial_price, v);
    obs.t = now_t(x);
    obs.agent = i;
    int news[CHAIN_EX_COINS];
    news_of(x, obs.t, news);
    for (unsigned c = 0; c < CHAIN_EX_COINS; c++) {
        obs.onchain[c] = onchain(x, i, c);
        obs.ex[c] = chain_ex_balance_of(x->ex, i, c);
        obs.news[c] = news[c];
        obs.fundamental[c] = v[c];
        obs.heights[c] = x->c[c].n - 1;
    }
    obs.fiat = ag->g->fiat;
    size_t n = chain_ex_orders_of(x->ex, i, orders, CHAIN_ECON_MAX_OPEN);
    obs.orders = orders;
    obs.n_orders = n < CHAIN_ECON_MAX_OPEN ? n : CHAIN_ECON_MAX_OPEN;
    chain_econ_market_books(&x->mk, x->ex, x->cfg->initial_price, obs.books);
    double val = agent_value(x, i, v);
    obs.reward = ag->steps ? val - ag->last_value : 0;
    ag->last_value = val;
    for (size_t k = 0; k < ag->n_errs; k++)
        ag->errp[k] = ag->errs[k];
    obs.errors = ag->errp;
    obs.n_errors = ag->n_errs;
    ag->steps++;
    chain_econ_live_obs_json(out, &obs, ag->steps);
}

/* A refusal of agent ag's act at time t: kept for its next observation and
 * journaled (an err row: errors.csv of `econ export`). */
static void add_err(X *x, lagent *ag, double t, const char *fmt, ...) __attribute__((format(printf, 4, 5)));
static void add_err(X *x, lagent *ag, double t, const char *fmt, ...)
{
    x->refusals++;
    row r = mkrow("err", (int64_t)(ag - x->a), 0, 0, 0, 0, 0, t);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(r.msg, sizeof r.msg, fmt, ap);
    va_end(ap);
    if (!r.msg[0])
        snprintf(r.msg, sizeof r.msg, "refused");
    if (!x->err_failed && (begin(x) || journal(x, &r)))
        x->err_failed = 1;
    if (ag->n_errs >= CHAIN_ECON_MAX_ERRORS)
        return;
    snprintf(ag->errs[ag->n_errs], sizeof ag->errs[ag->n_errs], "%s", r.msg);
    ag->n_errs++;
}

static int do_act(X *x, uint32_t i, const cJSON *req, common_buf *out)
{
    lagent *ag = &x->a[i];
    chain_econ_action act;
    memset(&act, 0, sizeof act);
    cJSON *inner = cJSON_CreateObject();
    const cJSON *o = cJSON_GetObjectItemCaseSensitive(req, "orders");
    const cJSON *cn = cJSON_GetObjectItemCaseSensitive(req, "cancel");
    if (o)
        cJSON_AddItemToObject(inner, "orders", cJSON_Duplicate(o, 1));
    if (cn)
        cJSON_AddItemToObject(inner, "cancel", cJSON_Duplicate(cn, 1));
    char *txt = cJSON_PrintUnformatted(inner);
    cJSON_Delete(inner);
    int64_t step;
    if (txt)
        (void)chain_econ_ext_decode(&act, &step, txt, strlen(txt));
    free(txt);
    ag->n_errs = 0;
    double t = now_t(x);
    const cJSON *ce = cJSON_GetObjectItemCaseSensitive(req, "errors"), *e;
    if (cJSON_IsArray(ce))
        cJSON_ArrayForEach(e, ce) if (cJSON_IsString(e)) add_err(x, ag, t, "%s", e->valuestring);
    for (size_t k = 0; k < act.n_errors; k++)
        add_err(x, ag, t, "%s", act.errors[k]);
    int fatal = 0;
    unsigned cancelled = 0, placed = 0;
    int64_t filled = 0;
    for (size_t k = 0; k < act.n_cancels && k < CHAIN_ECON_MAX_CANCELS; k++) {
        char reason[CHAIN_EX_REASON_MAX] = "";
        row r = mkrow("cancel", i, 0, 0, (int64_t)act.cancels[k], 0, 0, t);
        int rc = perform(x, &r, NULL, reason, &fatal);
        if (fatal)
            return 1;
        if (rc)
            add_err(x, ag, t, "cancel %llu: %s", (unsigned long long)act.cancels[k], reason[0] ? reason : "refused");
        else
            cancelled++;
    }
    for (size_t k = 0; k < act.n_orders && k < CHAIN_ECON_MAX_ORDERS; k++) {
        const chain_econ_order_req *q = &act.orders[k];
        char reason[CHAIN_EX_REASON_MAX] = "";
        chain_ex_place_result res;
        memset(&res, 0, sizeof res);
        row r = mkrow("place", i, q->pair, q->side, q->type, q->price, q->qty, t);
        x->orders++;
        int rc = perform(x, &r, &res, reason, &fatal);
        if (fatal)
            return 1;
        if (rc) {
            add_err(x, ag, t, "order %zu: %s", k, reason[0] ? reason : "refused");
        } else {
            placed++;
            filled += res.filled;
        }
    }
    if (x->err_failed || commit(x))
        return 1;
    common_buf_printf(out, "{\"type\":\"acted\",\"agent\":%" PRIu32 ",\"cancelled\":%u,\"placed\":%u,\"filled\":%" PRId64
                           ",\"errors\":[",
                      i, cancelled, placed, filled);
    for (size_t k = 0; k < ag->n_errs; k++) {
        if (k)
            common_buf_append(out, ",", 1);
        chain_econ_live_put_str(out, ag->errs[k]);
    }
    common_buf_append(out, "]}\n", 3);
    return 0;
}

static int do_withdraw(X *x, uint32_t i, const cJSON *req, common_buf *out)
{
    const cJSON *cn = cJSON_GetObjectItemCaseSensitive(req, "coin");
    const cJSON *am = cJSON_GetObjectItemCaseSensitive(req, "amount");
    int coin = -1;
    for (unsigned c = 0; cJSON_IsString(cn) && c < CHAIN_EX_COINS; c++)
        if (strcmp(cn->valuestring, chain_ex_coin_name(c)) == 0)
            coin = (int)c;
    if (coin < 0) {
        reply_error(out, "withdraw.coin: not ALPHA, BRAVO or CHARLIE");
        return 0;
    }
    if (!cJSON_IsNumber(am) || am->valuedouble != floor(am->valuedouble) || am->valuedouble < 1 ||
        am->valuedouble > (double)CHAIN_EX_AMOUNT_MAX) {
        reply_error(out, "withdraw.amount: not a positive integer of units");
        return 0;
    }
    int64_t amount = (int64_t)am->valuedouble;
    /* the transfer's sequence: after every transfer the exchange ever signed on the chain */
    uint64_t seq = 0;
    common_error e;
    common_error_clear(&e);
    if (chain_store_tx_next_sequence(&seq, &e, x->c[coin].s, x->pub) != CHAIN_OK) {
        common_buf_printf(out, "{\"type\":\"refused\",\"agent\":%" PRIu32 ",\"error\":\"the chain is busy\"}\n", i);
        return 0;
    }
    for (size_t k = 0; k < x->nw; k++)
        if (x->w[k].coin == (unsigned)coin && x->w[k].seq + 1 > seq)
            seq = x->w[k].seq + 1;
    char reason[CHAIN_EX_REASON_MAX] = "";
    chain_ex_place_result res;
    memset(&res, 0, sizeof res);
    int fatal = 0;
    row r = mkrow("wd", coin, i, amount, 0, (int64_t)seq, 0, now_t(x));
    int rc = perform(x, &r, &res, reason, &fatal);
    if (fatal)
        return 1;
    if (rc) {
        common_buf_printf(out, "{\"type\":\"refused\",\"agent\":%" PRIu32 ",\"error\":", i);
        chain_econ_live_put_str(out, reason[0] ? reason : "refused");
        common_buf_append(out, "}\n", 2);
        return 0;
    }
    if (commit(x))
        return 1;
    wdr *w = find_wdr(x, res.id);
    if (w) {
        pouw_tx tx;
        pouw_reason why;
        common_error_clear(&e);
        if (wdr_tx(x, w, &tx) == 0 && chain_store_tx_add(x->c[coin].s, &why, &e, &tx) != CHAIN_OK)
            fprintf(stderr, "econ exchange: withdrawal %llu: transfer not added yet: %s\n", (unsigned long long)w->wid,
                    e.msg);
    }
    common_buf_printf(out,
                      "{\"type\":\"withdrawn\",\"agent\":%" PRIu32 ",\"wid\":%llu,\"coin\":\"%s\",\"amount\":%" PRId64
                      "}\n",
                      i, (unsigned long long)res.id, chain_ex_coin_name((unsigned)coin), amount);
    return 0;
}

static void do_balances(X *x, common_buf *out)
{
    common_buf_printf(out, "{\"type\":\"balances\",\"journal\":%" PRIu64 ",\"accounts\":[", x->journal_rows);
    for (uint32_t i = 0; i <= x->n; i++) {
        common_buf_append(out, i ? ",{\"agent\":" : "{\"agent\":", i ? 10 : 9);
        chain_econ_live_put_str(out, label_of(x, i));
        for (unsigned c = 0; c < CHAIN_EX_COINS; c++) {
            chain_ex_balance b = chain_ex_balance_of(x->ex, i, c);
            common_buf_printf(out, ",\"%s\":[%" PRId64 ",%" PRId64 ",%" PRId64 ",%" PRId64 "]", chain_ex_coin_name(c),
                              b.free, b.locked, b.owed, chain_ex_uncredited(x->ex, i, c));
        }
        common_buf_append(out, "}", 1);
    }
    common_buf_append(out, "],\"custody\":{", 13);
    for (unsigned c = 0; c < CHAIN_EX_COINS; c++)
        common_buf_printf(out, "%s\"%s\":[%" PRId64 ",%" PRId64 "]", c ? "," : "", chain_ex_coin_name(c),
                          chain_ex_custody(x->ex, c), chain_ex_pending_withdrawals(x->ex, c));
    common_error e;
    common_error_clear(&e);
    int ok = chain_ex_check(x->ex, &e) == CHAIN_EX_OK;
    common_buf_printf(out, "},\"heights\":[%" PRIu64 ",%" PRIu64 ",%" PRIu64 "],\"trades\":%" PRIu64 ",\"custody_ok\":%s}\n",
                      x->c[0].n - 1, x->c[1].n - 1, x->c[2].n - 1, x->mk.trades, ok ? "true" : "false");
}

static int agent_of(X *x, const cJSON *req, uint32_t *i)
{
    const cJSON *a = cJSON_GetObjectItemCaseSensitive(req, "agent");
    if (!cJSON_IsNumber(a) || a->valuedouble != floor(a->valuedouble) || a->valuedouble < 0 ||
        a->valuedouble >= (double)x->n)
        return -1;
    *i = (uint32_t)a->valuedouble;
    return 0;
}

/* One request line -> one reply line in out. Returns 1 on a fatal error. */
static int handle(X *x, const char *line, size_t len, common_buf *out)
{
    cJSON *req = cJSON_ParseWithLength(line, len);
    const cJSON *ty = cJSON_GetObjectItemCaseSensitive(req, "type");
    int rc = 0;
    uint32_t i = 0;
    if (!cJSON_IsObject(req)) {
        reply_error(out, "line: not a JSON object");
    } else if (!cJSON_IsString(ty)) {
        reply_error(out, "type: missing");
    } else if (strcmp(ty->valuestring, "hello") == 0) {
        const cJSON *lb = cJSON_GetObjectItemCaseSensitive(req, "label");
        int64_t found = -1;
        for (uint32_t k = 0; cJSON_IsString(lb) && k < x->n; k++)
            if (strcmp(x->a[k].label, lb->valuestring) == 0)
                found = k;
        if (found < 0) {
            reply_error(out, "hello.label: no such agent");
        } else {
            lagent *ag = &x->a[found];
            char hex[65];
            for (int k = 0; k < 32; k++)
                snprintf(hex + 2 * k, 3, "%02x", x->pub[k]);
            common_buf_printf(out, "{\"type\":\"hello\",\"agent\":%lld,\"label\":", (long long)found);
            chain_econ_live_put_str(out, ag->label);
            common_buf_printf(out,
                              ",\"pairs\":[\"BRAVO/ALPHA\",\"CHARLIE/ALPHA\",\"CHARLIE/BRAVO\"],\"units_per_coin\":%d,"
                              "\"tick\":%d,\"qty_step\":%d,\"step_s\":",
                              CHAIN_EX_UNITS_PER_COIN, CHAIN_EX_TICK_UNITS, CHAIN_EX_QTY_STEP);
            chain_econ_live_put_real(out, ag->g->step_s);
            common_buf_printf(out, ",\"exchange\":\"%s\",\"t\":", hex);
            chain_econ_live_put_real(out, now_t(x));
            common_buf_append(out, "}\n", 2);
        }
    } else if (strcmp(ty->valuestring, "balances") == 0) {
        do_balances(x, out);
    } else if (agent_of(x, req, &i)) {
        reply_error(out, "agent: missing or not an agent index");
    } else if (strcmp(ty->valuestring, "observe") == 0) {
        do_observe(x, i, out);
    } else if (strcmp(ty->valuestring, "act") == 0) {
        rc = do_act(x, i, req, out);
    } else if (strcmp(ty->valuestring, "withdraw") == 0) {
        rc = do_withdraw(x, i, req, out);
    } else {
        reply_error(out, "type: unknown \"%.40s\"", ty->valuestring);
    }
    cJSON_Delete(req);
    return rc;
}

/* ------------------------------------------------------------------ the server */

static int take_lock(X *x)
{
    char lock[1200];
    snprintf(lock, sizeof lock, "%s/exchange.lock", x->dir);
    x->lockfd = open(lock, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (x->lockfd < 0 || flock(x->lockfd, LOCK_EX | LOCK_NB) != 0)
        return xfail(x, 2, "exchange.lock", "another exchange runs on this data directory");
    return 0;
}

static int listen_on(X *x)
{
    struct sockaddr_un sa;
    memset(&sa, 0, sizeof sa);
    sa.sun_family = AF_UNIX;
    if ((size_t)snprintf(sa.sun_path, sizeof sa.sun_path, "%s/%s", x->dir, CHAIN_ECON_LIVE_SOCK) >= sizeof sa.sun_path)
        return xfail(x, 2, "exchange.sock", "the data directory's path is too long for a socket");
    unlink(sa.sun_path);
    x->lfd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (x->lfd < 0 || bind(x->lfd, (struct sockaddr *)&sa, sizeof sa) != 0 || listen(x->lfd, 64) != 0)
        return xfail(x, 1, "exchange.sock", "cannot listen: %s", strerror(errno));
    return 0;
}

static void drop_client(X *x, size_t k)
{
    close(x->cl[k].fd);
    common_buf_free(&x->cl[k].in);
    x->cl[k] = x->cl[--x->ncl];
}

static void write_snapshot(X *x, int final)
{
    chain_econ_snap_src src = {x->n, snap_value, snap_holdings, label_of, x};
    double dur = x->o->duration_s > 0 ? x->o->duration_s : x->cfg->duration_s;
    cJSON *o = chain_econ_market_snapshot(&x->mk, x->ex, "live", now_t(x) > 0 ? now_t(x) : 0, dur, final,
                                          x->custody_ok, &src);
    (void)chain_econ_market_write_snapshot(x->dir, o); /* for people: a failed write is not the run's failure */
}

static int serve(X *x)
{
    double last_poll = 0, last_snap = 0, last_rb = 0;
    common_buf out = COMMON_BUF_INIT;
    int rc = 0;
    while (!rc && !(x->o->stop && x->o->stop(x->o->stop_user))) {
        struct pollfd pf[MAX_CLIENTS + 1];
        pf[0] = (struct pollfd){.fd = x->lfd, .events = POLLIN};
        for (size_t k = 0; k < x->ncl; k++)
            pf[k + 1] = (struct pollfd){.fd = x->cl[k].fd, .events = POLLIN};
        int pr = poll(pf, x->ncl + 1, 100);
        if (pr > 0 && (pf[0].revents & POLLIN)) {
            int fd = accept(x->lfd, NULL, NULL);
            if (fd >= 0) {
                if (x->ncl < MAX_CLIENTS) {
                    x->cl[x->ncl].fd = fd;
                    x->cl[x->ncl].in = (common_buf)COMMON_BUF_INIT;
                    x->ncl++;
                } else {
                    close(fd);
                }
            }
        }
        size_t nfd = x->ncl;
        for (size_t k = nfd; pr > 0 && k-- > 0;) {
            if (!(pf[k + 1].revents & (POLLIN | POLLHUP | POLLERR)))
                continue;
            client *c = &x->cl[k];
            if (common_buf_reserve(&c->in, 65536)) {
                drop_client(x, k);
                continue;
            }
            ssize_t n = recv(c->fd, c->in.data + c->in.len, 65536, MSG_DONTWAIT);
            if (n <= 0) {
                if (n < 0 && (errno == EAGAIN || errno == EINTR))
                    continue;
                drop_client(x, k);
                continue;
            }
            c->in.len += (size_t)n;
            c->in.data[c->in.len] = '\0';
            size_t start = 0;
            char *nl;
            int dead = 0;
            while (!rc && (nl = memchr(c->in.data + start, '\n', c->in.len - start)) != NULL) {
                size_t len = (size_t)(nl - (c->in.data + start));
                common_buf_reset(&out);
                rc = handle(x, c->in.data + start, len, &out);
                start += len + 1;
                if (!rc && chain_econ_live_write(c->fd, out.data, out.len)) {
                    dead = 1;
                    break;
                }
            }
            if (dead || c->in.len - start > CHAIN_ECON_LIVE_LINE_MAX) {
                drop_client(x, k);
                continue;
            }
            memmove(c->in.data, c->in.data + start, c->in.len - start);
            c->in.len -= start;
            c->in.data[c->in.len] = '\0';
        }
        double now = common_clock_mono_s();
        if (!rc && now - last_poll >= POLL_S) {
            last_poll = now;
            rc = poll_chains(x);
        }
        if (!rc && now - last_rb >= REBROADCAST_S) {
            last_rb = now;
            rebroadcast(x);
        }
        if (!rc && x->period_s > 0 && now_t(x) - x->last_period >= x->period_s) {
            x->last_period = now_t(x);
            chain_econ_market_end_period(&x->mk, x->ex, x->cfg->initial_price);
        }
        if (!rc && now - last_snap >= SNAP_S) {
            last_snap = now;
            write_snapshot(x, 0);
        }
    }
    common_buf_free(&out);
    return rc;
}

int chain_econ_live_exchange(const chain_econ_config *cfg, const char *dir, const chain_econ_live_opts *o,
                             common_error *err)
{
    X *x = calloc(1, sizeof *x);
    if (!x)
        return common_error_set(err, 1, dir, "", "out of memory");
    x->cfg = cfg;
    x->o = o;
    x->dir = dir;
    x->err = err;
    x->lfd = x->lockfd = -1;
    x->custody_ok = 1;
    x->n = cfg->n_agents;
    x->house = cfg->n_agents;
    double speed = o->speed > 0 ? o->speed : 1;
    x->period_s = cfg->period_s / speed;
    int rc = 0;
    struct stat st;
    if (stat(dir, &st) != 0 && mkdir(dir, 0755) != 0) {
        rc = xfail(x, 2, "", "cannot create: %s", strerror(errno));
        goto out;
    }
    x->a = calloc(x->n ? x->n : 1, sizeof *x->a);
    if (!x->a) {
        rc = xfail(x, 1, "memory", "out of memory");
        goto out;
    }
    if (chain_econ_live_key(&x->key, err, dir, "exchange")) {
        rc = 1;
        goto out;
    }
    pouw_key_public(x->pub, &x->key);
    for (uint32_t i = 0; i < x->n; i++) {
        lagent *ag = &x->a[i];
        ag->g = chain_econ_live_group_of(cfg, i);
        chain_econ_live_label(ag->label, sizeof ag->label, cfg, i);
        pouw_key k;
        if (chain_econ_live_key(&k, err, dir, ag->label)) {
            rc = 1;
            goto out;
        }
        pouw_key_public(ag->pub, &k);
        pouw_key_clear(&k);
    }
    chain_ex_opts eo = {.n_accounts = x->n + 1, .confirmations = cfg->confirmations, .check_every = cfg->check_custody,
                        .on_trade = on_trade, .user = x};
    if (chain_ex_create(&x->ex, &eo) != CHAIN_EX_OK) {
        rc = xfail(x, 1, "exchange", "cannot create the clearing house");
        goto out;
    }
    if ((rc = take_lock(x)) != 0)
        goto out;
    if ((rc = open_chains(x)) != 0 || (rc = open_journal(x)) != 0 || (rc = replay(x)) != 0 ||
        (rc = load_ledgers(x)) != 0 || (rc = write_meta(x)) != 0)
        goto out;
    if (x->journal_rows == 0) {
        row r = mkrow("start", 0, 0, 0, 0, 0, 0, (double)common_clock_wall_ms() / 1000.0);
        x->start_wall = r.t;
        int fatal = 0;
        if (perform(x, &r, NULL, NULL, &fatal) || commit(x)) {
            rc = 1;
            goto out;
        }
    }
    if (!x->booted && (rc = bootstrap(x)) != 0)
        goto out;
    rebroadcast(x);
    if ((rc = poll_chains(x)) != 0)
        goto out;
    {
        double v[CHAIN_EX_COINS];
        chain_econ_market_values(x->ex, cfg->initial_price, v);
        for (uint32_t i = 0; i < x->n; i++)
            x->a[i].last_value = agent_value(x, i, v);
    }
    x->last_period = now_t(x);
    /* the socket appears once the state is whole (the supervisor waits for it) */
    if ((rc = listen_on(x)) != 0)
        goto out;
    if (!o->quiet)
        fprintf(stderr, "econ exchange: %s: %llu journal rows, heights %llu/%llu/%llu, listening\n", dir,
                (unsigned long long)x->journal_rows, (unsigned long long)(x->c[0].n - 1),
                (unsigned long long)(x->c[1].n - 1), (unsigned long long)(x->c[2].n - 1));
    write_snapshot(x, 0);
    rc = serve(x);
    write_snapshot(x, 1);
    if (!o->quiet)
        fprintf(stderr,
                "econ exchange: stopped: %llu journal rows, %llu trades, %llu orders, %llu refusals, heights "
                "%llu/%llu/%llu, custody invariant %s\n",
                (unsigned long long)x->journal_rows, (unsigned long long)x->mk.trades, (unsigned long long)x->orders,
                (unsigned long long)x->refusals, (unsigned long long)(x->c[0].n - 1),
                (unsigned long long)(x->c[1].n - 1), (unsigned long long)(x->c[2].n - 1),
                x->custody_ok ? "held" : "BROKEN");
out:
    if (x->in_tx)
        sqlite3_exec(x->db, "ROLLBACK", NULL, NULL, NULL);
    while (x->ncl)
        drop_client(x, x->ncl - 1);
    if (x->lfd >= 0) {
        char sp[1200];
        snprintf(sp, sizeof sp, "%s/%s", dir, CHAIN_ECON_LIVE_SOCK);
        close(x->lfd);
        unlink(sp);
    }
    if (x->lockfd >= 0)
        close(x->lockfd);
    if (x->ins)
        sqlite3_finalize(x->ins);
    if (x->db)
        sqlite3_close(x->db);
    for (unsigned c = 0; c < CHAIN_EX_COINS; c++) {
        chain_store_close(x->c[c].s);
        pouw_ledger_clear(&x->c[c].ledger);
        free(x->c[c].ids);
    }
    chain_ex_free(x->ex);
    pouw_key_clear(&x->key);
    free(x->a);
    free(x->d);
    free(x->w);
    free(x);
    return rc;
}
