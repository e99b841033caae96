/* chain/economy/export.c - the CSV files of a live run from its data directory
 * (export.h); the journal rows both the exchange's replay and the export read. */
#include "chain/economy/export.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "chain/economy/live.h"
#include "common/buf.h"
#include "chain/economy/market.h"
#include "chain/economy/onchain.h"
#include "chain/economy/outputs.h"
#include "chain/params.h"
#include "chain/store.h"

/* ------------------------------------------------------------------ the journal */

int chain_econ_journal_clearing(chain_ex *ex, uint32_t n_agents, chain_econ_journal_row *r,
                                chain_ex_place_result *res, char reason[CHAIN_EX_REASON_MAX])
{
    const char *op = r->op;
    unsigned coin = (unsigned)r->a;
    char why[CHAIN_EX_REASON_MAX] = "";
    if (!reason)
        reason = why;
    if (strcmp(op, "start") == 0 || strcmp(op, "boot") == 0 || strcmp(op, "err") == 0)
        return 0;
    if (strcmp(op, "grant") == 0)
        return chain_ex_grant(ex, coin, (uint32_t)r->b, r->c);
    if (strcmp(op, "place") == 0) {
        chain_ex_place_result tmp;
        return chain_ex_place(ex, (uint32_t)r->a, (unsigned)r->b, (int)r->c, (int)r->d, r->e, r->f, 0, r->t,
                              res ? res : &tmp, reason);
    }
    if (strcmp(op, "cancel") == 0)
        return chain_ex_cancel(ex, (uint32_t)r->a, (uint64_t)r->d, reason);
    if (r->a < 0 || coin >= CHAIN_EX_COINS)
        return -1;
    if (strcmp(op, "blk") == 0 || strcmp(op, "unblk") == 0)
        return 0;
    if (strcmp(op, "tip") == 0)
        return chain_ex_tip(ex, coin, (uint64_t)r->b);
    if (strcmp(op, "dep") == 0)
        return chain_ex_deposit_seen(ex, coin, (uint32_t)r->b, r->c, (uint64_t)r->d, (uint64_t)r->e);
    if (strcmp(op, "depx") == 0)
        return chain_ex_deposit_removed(ex, coin, (uint64_t)r->d);
    if (strcmp(op, "wd") == 0) {
        if (r->b < 0 || (uint64_t)r->b >= n_agents)
            return -1;
        uint64_t wid = 0;
        chain_ex_code rc = chain_ex_withdraw(ex, coin, (uint32_t)r->b, r->c, &wid, reason);
        if (rc != CHAIN_EX_OK)
            return rc;
        r->d = (int64_t)wid;
        if (res)
            res->id = wid;
        return 0;
    }
    if (strcmp(op, "wds") == 0)
        return chain_ex_withdrawal_seen(ex, coin, (uint64_t)r->d, (uint64_t)r->e);
    if (strcmp(op, "wdx") == 0)
        return chain_ex_withdrawal_removed(ex, coin, (uint64_t)r->d);
    return -1;
}

int chain_econ_journal_read(sqlite3 *db, int (*fn)(void *user, int64_t seq, chain_econ_journal_row *r), void *user,
                            char why[256])
{
    sqlite3_stmt *q;
    if (sqlite3_prepare_v2(db, "SELECT seq,op,a,b,c,d,e,f,t,x FROM journal ORDER BY seq", -1, &q, NULL) != SQLITE_OK) {
        snprintf(why, 256, "%s", sqlite3_errmsg(db));
        return -2;
    }
    int rc = 0, s;
    while ((s = sqlite3_step(q)) == SQLITE_ROW) {
        chain_econ_journal_row r;
        memset(&r, 0, sizeof r);
        const unsigned char *op = sqlite3_column_text(q, 1);
        snprintf(r.op, sizeof r.op, "%s", op ? (const char *)op : "");
        r.a = sqlite3_column_int64(q, 2);
        r.b = sqlite3_column_int64(q, 3);
        r.c = sqlite3_column_int64(q, 4);
        r.d = sqlite3_column_int64(q, 5);
        r.e = sqlite3_column_int64(q, 6);
        r.f = sqlite3_column_int64(q, 7);
        r.t = sqlite3_column_double(q, 8);
        int ty = sqlite3_column_type(q, 9);
        if (ty == SQLITE_BLOB && sqlite3_column_bytes(q, 9) == 32) {
            memcpy(r.x, sqlite3_column_blob(q, 9), 32);
            r.has_x = 1;
        } else if (ty == SQLITE_TEXT) {
            const unsigned char *m = sqlite3_column_text(q, 9);
            snprintf(r.msg, sizeof r.msg, "%s", m ? (const char *)m : "");
        }
        if ((rc = fn(user, sqlite3_column_int64(q, 0), &r)) != 0)
            break;
    }
    if (!rc && s != SQLITE_DONE) {
        snprintf(why, 256, "%s", sqlite3_errmsg(db));
        rc = -2;
    }
    sqlite3_finalize(q);
    return rc;
}

/* ------------------------------------------------------------------ the export */

typedef struct chainx {
    const chain_params *p;
    chain_store *s;
    uint8_t (*ids)[32];   /* the best chain as the journal processed it: ids[0..n) */
    uint64_t n;
    size_t cap;
    uint64_t boot;        /* processed height at the boot row */
    pouw_ledger ledger;   /* after loaded (the balances of the last period) */
    uint8_t loaded[32];
    int have_ledger;
} chainx;

typedef struct blockrow {
    unsigned chain;
    uint64_t height, time_ms;
    uint8_t id[32], miner[32];
    size_t n_txs;
    uint32_t post_bits;
} blockrow;

typedef struct E {
    const char *dir, *out;
    common_error *err;
    char dbpath[1200];
    sqlite3 *db;
    chain_econ_config cfg;
    int have_cfg;
    uint32_t n;
    char (*label)[CHAIN_ECON_LABEL_MAX + 12];
    uint8_t (*pub)[32];
    uint8_t ex_pub[32];
    chainx c[CHAIN_EX_COINS];
    chain_ex *ex;
    chain_econ_market mk;
    chain_econ_outputs outs;
    int outs_open;
    double start_wall, speed, period, pstart, next, t_last;
    int booted, dirty;
    chain_econ_export_summary sum;
} E;

static int efail(E *x, int rc, const char *path, const char *field, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));
static int efail(E *x, int rc, const char *path, const char *field, const char *fmt, ...)
{
    char msg[300];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    if (!x->err->code)
        common_error_set(x->err, rc, path, field, "%s", msg);
    return rc;
}

static const char *label_of(const E *x, uint32_t acc) { return acc < x->n ? x->label[acc] : "house"; }

static void on_trade(void *user, const chain_ex_trade *tr)
{
    E *x = user;
    chain_econ_market_trade(&x->mk, tr);
    x->sum.trades++;
    chain_econ_outputs_trade(&x->outs, tr, label_of(x, tr->buyer), label_of(x, tr->seller));
}

/* One value of the meta table as text (malloc'd), or NULL. */
static char *meta_text(E *x, const char *k)
{
    sqlite3_stmt *q;
    if (sqlite3_prepare_v2(x->db, "SELECT v FROM meta WHERE k=?", -1, &q, NULL) != SQLITE_OK)
        return NULL;
    sqlite3_bind_text(q, 1, k, -1, SQLITE_STATIC);
    char *v = NULL;
    if (sqlite3_step(q) == SQLITE_ROW && sqlite3_column_type(q, 0) != SQLITE_NULL) {
        const unsigned char *t = sqlite3_column_text(q, 0);
        v = t ? strdup((const char *)t) : NULL;
    }
    sqlite3_finalize(q);
    return v;
}

static int hex32(uint8_t out[32], const char *s)
{
    if (!s || strlen(s) != 64)
        return -1;
    for (int k = 0; k < 32; k++) {
        unsigned v;
        if (sscanf(s + 2 * k, "%2x", &v) != 1)
            return -1;
        out[k] = (uint8_t)v;
    }
    return 0;
}

/* DIR/exchange.db: opened read-only, the read transaction begun, the config and
 * the accounts read from its meta table. */
static int open_journal(E *x, const chain_econ_export_opts *o)
{
    snprintf(x->dbpath, sizeof x->dbpath, "%s/%s", x->dir, CHAIN_ECON_LIVE_DB);
    struct stat st;
    if (stat(x->dbpath, &st) != 0)
        return efail(x, 2, x->dbpath, "", "%s (not the data directory of a live run)", strerror(errno));
    if (!S_ISREG(st.st_mode))
        return efail(x, 2, x->dbpath, "", "not a regular file");
    if (sqlite3_open_v2(x->dbpath, &x->db, SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK)
        return efail(x, 2, x->dbpath, "", "cannot open: %s", x->db ? sqlite3_errmsg(x->db) : "out of memory");
    sqlite3_busy_timeout(x->db, 10000);
    /* one read transaction for everything read from the journal: a snapshot */
    char *m = NULL;
    if (sqlite3_exec(x->db, "BEGIN; SELECT count(*) FROM journal", NULL, NULL, &m) != SQLITE_OK) {
        int rc = efail(x, 2, x->dbpath, "journal", "%s", m ? m : sqlite3_errmsg(x->db));
        sqlite3_free(m);
        return rc;
    }
    char *cfg = NULL, *acc = NULL, *file = NULL, *speed = NULL;
    sqlite3_stmt *q;
    if (sqlite3_prepare_v2(x->db, "SELECT count(*) FROM meta", -1, &q, NULL) != SQLITE_OK)
        return efail(x, 2, x->dbpath, "meta",
                     "no meta table (a journal of an older `econ exchange`: run the exchange on DIR once)");
    sqlite3_finalize(q);
    cfg = meta_text(x, "config");
    acc = meta_text(x, "accounts");
    file = meta_text(x, "config_file");
    speed = meta_text(x, "speed");
    int rc = 0;
    cJSON *aj = NULL;
    if (!cfg) {
        rc = efail(x, 2, x->dbpath, "meta.config", "missing");
    } else if (chain_econ_config_parse(&x->cfg, x->err, x->dbpath, cfg, strlen(cfg))) {
        x->err->code = 2;
        rc = 2;
    } else {
        x->have_cfg = 1;
        if (file)
            snprintf(x->cfg.path, sizeof x->cfg.path, "%s", file);
        x->n = x->cfg.n_agents;
        x->speed = o && o->speed > 0 ? o->speed : (speed ? atof(speed) : 1);
        if (!(x->speed > 0))
            x->speed = 1;
        aj = acc ? cJSON_Parse(acc) : NULL;
        const cJSON *ej = cJSON_GetObjectItemCaseSensitive(aj, "exchange");
        const cJSON *ag = cJSON_GetObjectItemCaseSensitive(aj, "agents");
        x->label = calloc(x->n ? x->n : 1, sizeof *x->label);
        x->pub = calloc(x->n ? x->n : 1, sizeof *x->pub);
        if (!x->label || !x->pub) {
            rc = efail(x, 1, x->dbpath, "", "out of memory");
        } else if (!cJSON_IsString(ej) || hex32(x->ex_pub, ej->valuestring) || !cJSON_IsArray(ag) ||
                   cJSON_GetArraySize(ag) != (int)x->n) {
            rc = efail(x, 2, x->dbpath, "meta.accounts", "missing, malformed, or not one per agent of the config");
        } else {
            uint32_t i = 0;
            const cJSON *e;
            cJSON_ArrayForEach(e, ag)
            {
                if (!cJSON_IsString(e) || hex32(x->pub[i], e->valuestring)) {
                    rc = efail(x, 2, x->dbpath, "meta.accounts", "agents[%u]: not 64 hex digits", i);
                    break;
                }
                chain_econ_live_label(x->label[i], sizeof x->label[i], &x->cfg, i);
                i++;
            }
        }
    }
    cJSON_Delete(aj);
    free(cfg);
    free(acc);
    free(file);
    free(speed);
    return rc;
}

static int open_chains(E *x)
{
    common_error e;
    common_error_clear(&e);
    if (chain_store_probe(&e, x->dir) != CHAIN_OK)
        return efail(x, 2, e.path, e.field, "%s", e.msg);
    for (unsigned c = 0; c < CHAIN_EX_COINS; c++) {
        chainx *cx = &x->c[c];
        cx->p = x->cfg.testnet ? chain_testnet_at(c) : chain_params_at(c);
        chain_store_opts so;
        memset(&so, 0, sizeof so);
        so.read_only = 1;
        common_error_clear(&e);
        if (chain_store_open(&cx->s, &e, x->dir, cx->p, &so) != CHAIN_OK)
            return efail(x, 2, e.path[0] ? e.path : x->dir, e.field, "%s", e.msg);
        /* the journal's blocks start at height 1, on the genesis */
        if (common_grow((void **)&cx->ids, &cx->cap, 1, 32))
            return efail(x, 1, x->dir, "", "out of memory");
        if (!chain_store_best_id(cx->ids[0], cx->s, 0))
            return efail(x, 2, chain_store_path(cx->s), cx->p->name, "no genesis");
        cx->n = 1;
    }
    return 0;
}

/* 1 when the exchange holds DIR/exchange.lock (it runs: the export is a snapshot). */
static int exchange_running(const char *dir)
{
    char p[1200];
    snprintf(p, sizeof p, "%s/exchange.lock", dir);
    int fd = open(p, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return 0;
    int busy = flock(fd, LOCK_SH | LOCK_NB) != 0 && errno == EWOULDBLOCK;
    close(fd);
    return busy;
}

/* The on-chain balances of the agents at the blocks the journal processed. */
static int load_ledgers(E *x)
{
    for (unsigned c = 0; c < CHAIN_EX_COINS; c++) {
        chainx *cx = &x->c[c];
        const uint8_t *id = cx->ids[cx->n - 1];
        if (cx->have_ledger && memcmp(cx->loaded, id, 32) == 0)
            continue;
        common_error e;
        common_error_clear(&e);
        if (chain_store_ledger(&cx->ledger, &e, cx->s, id) != CHAIN_OK)
            return efail(x, 2, e.path[0] ? e.path : x->dir, cx->p->name,
                         "the ledger of height %llu the journal processed: %s", (unsigned long long)(cx->n - 1),
                         e.msg);
        memcpy(cx->loaded, id, 32);
        cx->have_ledger = 1;
    }
    return 0;
}

/* The end of a period at time t: books, prices, balances (outputs.h). */
static int period_rows(E *x, double t)
{
    if (load_ledgers(x))
        return 1;
    chain_econ_outputs_market(&x->outs, t, x->pstart, &x->mk, x->ex);
    chain_econ_market_end_period(&x->mk, x->ex, x->cfg.initial_price);
    double v[CHAIN_EX_COINS];
    chain_econ_market_values(x->ex, x->cfg.initial_price, v);
    for (uint32_t i = 0; i < x->n; i++) {
        int64_t u[CHAIN_EX_COINS];
        for (unsigned c = 0; c < CHAIN_EX_COINS; c++)
            u[c] = x->c[c].have_ledger ? pouw_ledger_balance(&x->c[c].ledger, x->pub[i]) : 0;
        chain_econ_outputs_agent(&x->outs, t, x->label[i], x->ex, i, u, chain_econ_live_group_of(&x->cfg, i)->fiat, v);
    }
    x->sum.periods++;
    x->dirty = 0;
    return 0;
}

/* Ends the periods that end at or before t. A period in which the journal holds
 * nothing at all (the exchange was not running) gives no rows. */
static int advance(E *x, double t)
{
    while (t >= x->next) {
        if (x->dirty) {
            if (period_rows(x, x->next))
                return 1;
            x->pstart = x->next;
            x->next += x->period;
        } else {
            double k = floor(t / x->period);
            x->pstart = k * x->period;
            x->next = x->pstart + x->period;
            if (x->next <= t) /* rounding */
                x->next += x->period;
        }
    }
    return 0;
}

static int is_timed(const char *op)
{
    return strcmp(op, "place") == 0 || strcmp(op, "cancel") == 0 || strcmp(op, "wd") == 0 || strcmp(op, "err") == 0;
}

static int export_row(void *user, int64_t seq, chain_econ_journal_row *r)
{
    E *x = user;
    x->sum.journal_rows++;
    if (r->t > 0 && is_timed(r->op)) {
        if (advance(x, r->t))
            return 1;
        if (r->t > x->t_last)
            x->t_last = r->t;
    }
    int rc = chain_econ_journal_clearing(x->ex, x->n, r, NULL, NULL);
    if (rc != 0)
        return efail(x, 2, x->dbpath, "journal", "row %lld (%s) does not replay (code %d)", (long long)seq, r->op, rc);
    unsigned coin = (unsigned)r->a;
    if (strcmp(r->op, "start") == 0) {
        x->start_wall = r->t;
    } else if (strcmp(r->op, "boot") == 0) {
        x->booted = 1;
        for (unsigned c = 0; c < CHAIN_EX_COINS; c++)
            x->c[c].boot = x->c[c].n - 1;
    } else if (strcmp(r->op, "blk") == 0) {
        chainx *cx = &x->c[coin];
        if ((uint64_t)r->b != cx->n || !r->has_x)
            return efail(x, 2, x->dbpath, "journal", "row %lld (blk): height %lld does not follow %llu", (long long)seq,
                         (long long)r->b, (unsigned long long)(cx->n - 1));
        if (common_grow((void **)&cx->ids, &cx->cap, (size_t)cx->n + 1, 32))
            return efail(x, 1, x->dbpath, "", "out of memory");
        memcpy(cx->ids[cx->n], r->x, 32);
        cx->n++;
    } else if (strcmp(r->op, "unblk") == 0) {
        chainx *cx = &x->c[coin];
        if ((uint64_t)r->b + 1 != cx->n || cx->n < 2)
            return efail(x, 2, x->dbpath, "journal", "row %lld (unblk): height %lld is not the processed tip",
                         (long long)seq, (long long)r->b);
        cx->n--;
    } else if (strcmp(r->op, "err") == 0) {
        x->sum.refusals++;
        chain_econ_outputs_error(&x->outs, r->t, r->a >= 0 && (uint64_t)r->a < x->n ? x->label[r->a] : "?", r->msg);
    } else if (strcmp(r->op, "place") == 0) {
        x->sum.orders++;
    }
    x->dirty = 1;
    return 0;
}

static int cmp_block(const void *a, const void *b)
{
    const blockrow *p = a, *q = b;
    if (p->time_ms != q->time_ms)
        return p->time_ms < q->time_ms ? -1 : 1;
    if (p->chain != q->chain)
        return p->chain < q->chain ? -1 : 1;
    return p->height < q->height ? -1 : p->height > q->height;
}

static void miner_label(const E *x, const uint8_t pub[32], char out[CHAIN_ECON_LABEL_MAX + 12])
{
    if (memcmp(pub, x->ex_pub, 32) == 0) {
        snprintf(out, CHAIN_ECON_LABEL_MAX + 12, "exchange");
        return;
    }
    for (uint32_t i = 0; i < x->n; i++)
        if (memcmp(pub, x->pub[i], 32) == 0) {
            snprintf(out, CHAIN_ECON_LABEL_MAX + 12, "%s", x->label[i]);
            return;
        }
    for (int k = 0; k < 8; k++)
        snprintf(out + 2 * k, 3, "%02x", pub[k]);
}

/* blocks.csv: every chain's best chain from the tip the store names down to the
 * bootstrap, then in time order. */
static int block_rows(E *x)
{
    blockrow *rows = NULL;
    size_t n = 0, cap = 0;
    int rc = 0;
    pouw_block b;
    pouw_block_init(&b);
    for (unsigned c = 0; c < CHAIN_EX_COINS && !rc; c++) {
        chainx *cx = &x->c[c];
        common_error e;
        common_error_clear(&e);
        uint8_t id[32];
        chain_store_tip_id(id, cx->s);
        x->sum.heights[c] = chain_store_tip_height(cx->s);
        uint64_t boot = x->booted ? cx->boot : x->sum.heights[c];
        x->sum.bootstrap[c] = boot < x->sum.heights[c] ? boot : x->sum.heights[c];
        for (;;) {
            chain_block_meta m;
            if (chain_store_meta(&m, &e, cx->s, id) != CHAIN_OK) {
                rc = efail(x, 2, e.path[0] ? e.path : x->dir, cx->p->name, "%s", e.msg);
                break;
            }
            if (m.height <= boot)
                break;
            if (common_grow((void **)&rows, &cap, n + 1, sizeof *rows)) {
                rc = efail(x, 1, x->dir, "", "out of memory");
                break;
            }
            blockrow *br = &rows[n++];
            br->chain = c;
            br->height = m.height;
            br->time_ms = m.time_ms;
            memcpy(br->id, m.id, 32);
            memcpy(br->miner, m.miner, 32);
            br->n_txs = m.n_txs;
            br->post_bits = m.post_bits;
            memcpy(id, m.prev, 32);
        }
    }
    if (!rc && n)
        qsort(rows, n, sizeof *rows, cmp_block);
    for (size_t k = 0; k < n && !rc; k++) {
        const blockrow *br = &rows[k];
        chainx *cx = &x->c[br->chain];
        common_error e;
        common_error_clear(&e);
        if (chain_store_block(&b, &e, cx->s, br->id) != CHAIN_OK) {
            rc = efail(x, 2, e.path[0] ? e.path : x->dir, cx->p->name, "block %llu: %s", (unsigned long long)br->height,
                       e.msg);
            break;
        }
        char who[CHAIN_ECON_LABEL_MAX + 12];
        miner_label(x, br->miner, who);
        double pass = chain_econ_pass_chance(cx->p, br->post_bits);
        chain_econ_outputs_block(&x->outs, cx->p->name, br->height, (double)br->time_ms / 1000.0 - x->start_wall, who,
                                 br->n_txs, b.pps, CHAIN_ECON_NO_ATTEMPTS, br->post_bits, pass < 0 ? 0 : pass);
        x->sum.blocks++;
    }
    pouw_block_clear(&b);
    free(rows);
    return rc;
}

static cJSON *live_fields(const E *x, int custody_ok)
{
    cJSON *o = cJSON_CreateObject();
    if (!o)
        return NULL;
    cJSON_AddStringToObject(o, "mode", "live");
    cJSON_AddStringToObject(o, "data", x->dir);
    cJSON_AddNumberToObject(o, "speed", x->speed);
    cJSON_AddNumberToObject(o, "period_s", x->period);
    cJSON_AddNumberToObject(o, "start_unix_s", x->start_wall);
    cJSON_AddNumberToObject(o, "t_end_s", (double)(int64_t)(x->t_last * 1000.0) / 1000.0);
    cJSON_AddNumberToObject(o, "journal_rows", (double)x->sum.journal_rows);
    cJSON_AddBoolToObject(o, "exchange_running", x->sum.running);
    cJSON_AddBoolToObject(o, "partial", x->sum.running);
    cJSON_AddBoolToObject(o, "deterministic", 0);
    cJSON *ch = cJSON_AddObjectToObject(o, "chains");
    static const char *const cn[3] = {"alpha", "bravo", "charlie"};
    for (int c = 0; c < 3 && ch; c++) {
        cJSON *e = cJSON_AddObjectToObject(ch, cn[c]);
        cJSON_AddNumberToObject(e, "height", (double)x->sum.heights[c]);
        cJSON_AddNumberToObject(e, "bootstrap_blocks", (double)x->sum.bootstrap[c]);
        cJSON_AddNumberToObject(e, "run_blocks", (double)(x->sum.heights[c] - x->sum.bootstrap[c]));
    }
    cJSON_AddNumberToObject(o, "periods", (double)x->sum.periods);
    cJSON_AddNumberToObject(o, "trades", (double)x->sum.trades);
    cJSON_AddNumberToObject(o, "orders", (double)x->sum.orders);
    cJSON_AddNumberToObject(o, "refusals", (double)x->sum.refusals);
    cJSON_AddBoolToObject(o, "custody_ok", custody_ok);
    cJSON *f = cJSON_AddArrayToObject(o, "files");
    static const char *const files[] = {"trades.csv", "blocks.csv", "prices.csv", "books.csv", "balances.csv",
                                        "errors.csv"};
    for (size_t k = 0; f && k < sizeof files / sizeof *files; k++)
        cJSON_AddItemToArray(f, cJSON_CreateString(files[k]));
    return o;
}

int chain_econ_export(const char *dir, const char *out, const chain_econ_export_opts *o,
                      chain_econ_export_summary *sum, common_error *err)
{
    E *x = calloc(1, sizeof *x);
    if (!x)
        return common_error_set(err, 1, dir, "", "out of memory");
    x->dir = dir;
    x->out = out;
    x->err = err;
    int rc = 0, made_out = 0;
    struct stat st;
    if (stat(dir, &st) != 0) {
        rc = efail(x, 2, dir, "", "%s", errno == ENOENT ? "no such data directory" : strerror(errno));
        goto done;
    }
    if (!S_ISDIR(st.st_mode)) {
        rc = efail(x, 2, dir, "", "not a folder");
        goto done;
    }
    if ((rc = open_journal(x, o)) != 0 || (rc = open_chains(x)) != 0)
        goto done;
    x->sum.running = exchange_running(dir);
    x->period = x->cfg.period_s / x->speed;
    x->next = x->period;
    /* everything read so far is valid: now OUT */
    if (stat(out, &st) != 0) {
        if (mkdir(out, 0755) != 0) {
            rc = efail(x, 2, out, "", "cannot use as output folder: %s", strerror(errno));
            goto done;
        }
        made_out = 1;
    } else if (!S_ISDIR(st.st_mode)) {
        rc = efail(x, 2, out, "", "cannot use as output folder: not a folder");
        goto done;
    }
    unsigned mask = CHAIN_ECON_OUT_ALL & ~(1u << CHAIN_ECON_OUT_MINING);
    if (chain_econ_outputs_open_some(&x->outs, err, out, mask)) {
        rc = 2;
        goto done;
    }
    x->outs_open = 1;
    chain_ex_opts eo = {.n_accounts = x->n + 1, .confirmations = x->cfg.confirmations, .check_every = 0,
                        .on_trade = on_trade, .user = x};
    if (chain_ex_create(&x->ex, &eo) != CHAIN_EX_OK) {
        rc = efail(x, 1, dir, "exchange", "cannot create the clearing house");
        goto done;
    }
    char why[256] = "";
    int jr = chain_econ_journal_read(x->db, export_row, x, why);
    if (jr == -2)
        rc = efail(x, 2, x->dbpath, "journal", "%s", why);
    else if (jr)
        rc = err->code ? err->code : 1;
    if (!rc && x->dirty && period_rows(x, x->t_last > x->pstart ? x->t_last : x->pstart))
        rc = err->code ? err->code : 1;
    sqlite3_exec(x->db, "COMMIT", NULL, NULL, NULL); /* the read transaction ends */
    if (!rc && (rc = block_rows(x)) != 0)
        goto done;
    if (!rc) {
        common_error e;
        common_error_clear(&e);
        int custody_ok = chain_ex_check(x->ex, &e) == CHAIN_EX_OK;
        x->outs_open = 0;
        if (chain_econ_outputs_finish(&x->outs, err, 1, 0, &x->cfg, "econ live", live_fields(x, custody_ok)))
            rc = 1;
    }
done:
    if (x->outs_open)
        (void)chain_econ_outputs_finish(&x->outs, err, 0, 0, &x->cfg, "econ live", NULL);
    if (rc && made_out)
        rmdir(out); /* only when empty: nothing of ours is left in it */
    if (sum)
        *sum = x->sum;
    if (x->db) {
        sqlite3_exec(x->db, "ROLLBACK", NULL, NULL, NULL);
        sqlite3_close(x->db);
    }
    for (unsigned c = 0; c < CHAIN_EX_COINS; c++) {
        chain_store_close(x->c[c].s);
        pouw_ledger_clear(&x->c[c].ledger);
        free(x->c[c].ids);
    }
    chain_ex_free(x->ex);
    if (x->have_cfg)
        chain_econ_config_clear(&x->cfg);
    free(x->label);
    free(x->pub);
    free(x);
    return rc;
}
