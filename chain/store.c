/* chain/store.c - the chain store on SQLite (see store.h). Invariants kept by every
 * writer transaction: a block row's verdict never goes back to NONE; a VALID block's
 * parent is VALID (or it is a genesis) and its cum is the parent's plus its weight;
 * best(chain, 0..tip_height) is the path from genesis to chains.tip; the ledger rows
 * of a VALID block are the accounts whose (balance, sequence) differ from its
 * parent's ledger. */
#include "chain/store.h"

#include <assert.h>
#include <errno.h>
#include <inttypes.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "common/file.h"
#include "pouw/sha256.h"
#include "pouw/target.h"

struct chain_store {
    sqlite3 *db;
    char path[CHAIN_PATH_MAX];
    char datadir[CHAIN_PATH_MAX];
    const chain_params *p;
    chain_store_opts o;
    uint8_t tip[32];
    uint64_t tip_h;
    int64_t data_version;
    int read_only;
    int in_tx;
};

typedef struct entry {
    pouw_tx tx;
    uint8_t id[32];
} entry;

static const char SCHEMA[] =
    "CREATE TABLE IF NOT EXISTS chains(name TEXT PRIMARY KEY, chain_id INTEGER NOT NULL, tip BLOB,"
    " tip_height INTEGER);"
    "CREATE TABLE IF NOT EXISTS blocks(chain TEXT NOT NULL, id BLOB NOT NULL, prev BLOB NOT NULL,"
    " height INTEGER NOT NULL, time_ms INTEGER NOT NULL, prehash_bits INTEGER NOT NULL,"
    " pps_threshold INTEGER NOT NULL, post_bits INTEGER NOT NULL, miner BLOB NOT NULL,"
    " coinbase INTEGER NOT NULL, n_txs INTEGER NOT NULL, verdict INTEGER NOT NULL, reason INTEGER NOT NULL,"
    " weight BLOB, cum BLOB, seen INTEGER NOT NULL, doc BLOB, digest BLOB, PRIMARY KEY(chain, id));"
    "CREATE INDEX IF NOT EXISTS blocks_prev ON blocks(chain, prev);"
    "CREATE INDEX IF NOT EXISTS blocks_height ON blocks(chain, height, seen);"
    "CREATE TABLE IF NOT EXISTS best(chain TEXT NOT NULL, height INTEGER NOT NULL, id BLOB NOT NULL,"
    " PRIMARY KEY(chain, height));"
    "CREATE INDEX IF NOT EXISTS best_id ON best(chain, id);"
    "CREATE TABLE IF NOT EXISTS ledger(chain TEXT NOT NULL, block BLOB NOT NULL, account BLOB NOT NULL,"
    " balance INTEGER, sequence INTEGER, PRIMARY KEY(chain, block, account));"
    "CREATE TABLE IF NOT EXISTS mempool(chain TEXT NOT NULL, id BLOB NOT NULL, sender BLOB NOT NULL,"
    " sequence INTEGER NOT NULL, fee INTEGER NOT NULL, doc BLOB NOT NULL, PRIMARY KEY(chain, id));"
    "CREATE INDEX IF NOT EXISTS mempool_sender ON mempool(chain, sender, sequence);";

#define META_COLS                                                                                                     \
    "id, prev, height, time_ms, prehash_bits, pps_threshold, post_bits, miner, coinbase, n_txs, verdict, reason,"     \
    " weight, cum, seen"

/* ---------------------------------------------------------------- errors */

static int is_corrupt(int rc)
{
    rc &= 0xff;
    return rc == SQLITE_CORRUPT || rc == SQLITE_NOTADB;
}

/* Fills err from SQLite's state after rc; returns the chain code. */
static chain_status dberr(chain_store *s, common_error *err, int rc, const char *what)
{
    const char *m = s->db ? sqlite3_errmsg(s->db) : sqlite3_errstr(rc);
    chain_status cs;
    if (is_corrupt(rc)) {
        char cmd[3 * CHAIN_PATH_MAX / 4];
        snprintf(cmd, sizeof cmd, "sqlite3 %s .recover | sqlite3 %s.recovered && mv %s.recovered %s", s->path,
                 s->path, s->path, s->path);
        common_error_set(err, CHAIN_ESTORE, s->path, what, "database is corrupt (%s); recover with: %s", m, cmd);
        return CHAIN_ESTORE;
    }
    switch (rc & 0xff) {
    case SQLITE_BUSY:
    case SQLITE_LOCKED: cs = CHAIN_EBUSY; break;
    case SQLITE_NOMEM: cs = CHAIN_ENOMEM; break;
    case SQLITE_CANTOPEN:
    case SQLITE_IOERR:
    case SQLITE_FULL:
    case SQLITE_READONLY:
    case SQLITE_PERM: cs = CHAIN_EIO; break;
    default: cs = CHAIN_ESTORE; break;
    }
    common_error_set(err, cs, s->path, what, "%s", m);
    return cs;
}

static chain_status serr(common_error *err, chain_status code, const char *path, const char *field, const char *fmt,
                         const char *detail)
{
    common_error_set(err, code, path, field, fmt, detail ? detail : "");
    return code;
}

static chain_status oom(chain_store *s, common_error *err)
{
    return serr(err, CHAIN_ENOMEM, s->path, "", "%s", "out of memory");
}

static chain_status from_pouw(pouw_status st)
{
    switch (st) {
    case POUW_OK: return CHAIN_OK;
    case POUW_ENOMEM: return CHAIN_ENOMEM;
    case POUW_EIO: return CHAIN_EIO;
    default: return CHAIN_EMALFORMED;
    }
}

static void notice(chain_store *s, const common_error *e)
{
    if (s->o.notice)
        s->o.notice(s->o.notice_user, e);
}

static void hex8(char out[17], const uint8_t *id) { pouw_hex_encode(out, id, 8); }

/* ---------------------------------------------------------------- statements */

static int prep(chain_store *s, sqlite3_stmt **st, const char *sql)
{
    return sqlite3_prepare_v2(s->db, sql, -1, st, NULL);
}

static void bind_chain(chain_store *s, sqlite3_stmt *st, int i)
{
    sqlite3_bind_text(st, i, s->p->name, -1, SQLITE_STATIC);
}

static void col_blob32(uint8_t out[32], sqlite3_stmt *st, int i)
{
    memset(out, 0, 32);
    const void *b = sqlite3_column_blob(st, i);
    int n = sqlite3_column_bytes(st, i);
    if (b && n == 32)
        memcpy(out, b, 32);
}

static void read_meta(chain_block_meta *m, sqlite3_stmt *st)
{
    memset(m, 0, sizeof *m);
    col_blob32(m->id, st, 0);
    col_blob32(m->prev, st, 1);
    m->height = (uint64_t)sqlite3_column_int64(st, 2);
    m->time_ms = (uint64_t)sqlite3_column_int64(st, 3);
    m->prehash_bits = (uint32_t)sqlite3_column_int64(st, 4);
    m->pps_threshold_micro = sqlite3_column_int64(st, 5);
    m->post_bits = (uint32_t)sqlite3_column_int64(st, 6);
    col_blob32(m->miner, st, 7);
    m->coinbase = sqlite3_column_int64(st, 8);
    m->n_txs = (size_t)sqlite3_column_int64(st, 9);
    m->verdict = (chain_verdict)sqlite3_column_int(st, 10);
    m->reason = (pouw_reason)sqlite3_column_int(st, 11);
    col_blob32(m->weight, st, 12);
    col_blob32(m->cum, st, 13);
    m->seen = (uint64_t)sqlite3_column_int64(st, 14);
}

/* Runs sql (no rows). */
static int exec(chain_store *s, const char *sql) { return sqlite3_exec(s->db, sql, NULL, NULL, NULL); }

/* BEGIN IMMEDIATE, retried while busy up to CHAIN_STORE_BUSY_MS in all. */
static chain_status begin(chain_store *s, common_error *err)
{
    if (s->read_only)
        return serr(err, CHAIN_EIO, s->path, "", "%s", "cannot write to this data directory (no write access)");
    int rc;
    for (int i = 0; i < 4; i++) {
        rc = exec(s, "BEGIN IMMEDIATE");
        if (rc == SQLITE_OK) {
            s->in_tx = 1;
            return CHAIN_OK;
        }
        if ((rc & 0xff) != SQLITE_BUSY)
            break;
    }
    return dberr(s, err, rc, "BEGIN");
}

static chain_status commit(chain_store *s, common_error *err)
{
    int rc = exec(s, "COMMIT");
    if (rc != SQLITE_OK) {
        chain_status cs = dberr(s, err, rc, "COMMIT");
        exec(s, "ROLLBACK");
        s->in_tx = 0;
        return cs;
    }
    s->in_tx = 0;
    return CHAIN_OK;
}

static void rollback(chain_store *s)
{
    if (s->in_tx)
        exec(s, "ROLLBACK");
    s->in_tx = 0;
}

/* ---------------------------------------------------------------- queries */

static chain_status get_meta(chain_block_meta *m, common_error *err, chain_store *s, const uint8_t id[32])
{
    sqlite3_stmt *st;
    int rc = prep(s, &st, "SELECT " META_COLS " FROM blocks WHERE chain=?1 AND id=?2");
    if (rc != SQLITE_OK)
        return dberr(s, err, rc, "blocks");
    bind_chain(s, st, 1);
    sqlite3_bind_blob(st, 2, id, 32, SQLITE_STATIC);
    rc = sqlite3_step(st);
    chain_status cs = CHAIN_OK;
    if (rc == SQLITE_ROW) {
        read_meta(m, st);
    } else if (rc == SQLITE_DONE) {
        memset(m, 0, sizeof *m);
        cs = CHAIN_EUNKNOWN;
    } else {
        cs = dberr(s, err, rc, "blocks");
    }
    sqlite3_finalize(st);
    if (cs == CHAIN_OK) {
        uint64_t h;
        m->best = m->verdict == CHAIN_VERDICT_VALID && chain_store_find(&h, s, id);
    }
    return cs;
}

chain_status chain_store_meta(chain_block_meta *m, common_error *err, chain_store *s, const uint8_t id32[32])
{
    assert(m && s && id32);
    common_error_clear(err);
    chain_status cs = get_meta(m, err, s, id32);
    if (cs == CHAIN_EUNKNOWN) {
        char hex[17];
        hex8(hex, id32);
        common_error_set(err, cs, s->path, "", "no block %s... in the %s chain", hex, s->p->name);
    }
    return cs;
}

chain_status chain_store_ancestors(chain_block_meta *m, size_t *got, common_error *err, chain_store *s,
                                   const uint8_t id32[32], size_t n)
{
    assert(m && got && s && id32);
    *got = 0;
    common_error_clear(err);
    uint8_t id[32];
    memcpy(id, id32, 32);
    while (*got < n) {
        chain_status cs = chain_store_meta(&m[*got], err, s, id);
        if (cs != CHAIN_OK)
            return *got > 0 && cs == CHAIN_EUNKNOWN ? CHAIN_OK : cs;
        if (m[*got].height == 0) {
            (*got)++;
            break;
        }
        memcpy(id, m[*got].prev, 32);
        (*got)++;
    }
    return CHAIN_OK;
}

chain_status chain_store_immature(pouw_ledger *l, common_error *err, chain_store *s, const uint8_t parent_id32[32])
{
    assert(l && s && parent_id32);
    pouw_ledger_clear(l);
    common_error_clear(err);
    uint32_t m = s->p->maturity;
    if (m <= 1)
        return CHAIN_OK;
    uint8_t id[32];
    memcpy(id, parent_id32, 32);
    chain_status cs = CHAIN_OK;
    for (uint32_t k = 0; k + 1 < m; k++) { /* the parent and its m - 2 nearest ancestors */
        chain_block_meta bm;
        if ((cs = chain_store_meta(&bm, err, s, id)) != CHAIN_OK)
            break;
        int64_t v = bm.coinbase;
        if (v > 0) {
            int64_t have = pouw_ledger_balance(l, bm.miner);
            if (v > POUW_AMOUNT_MAX - have) /* only an inconsistent database gets here */
                v = POUW_AMOUNT_MAX - have;
            if (v > 0 && pouw_ledger_credit(l, bm.miner, v) != POUW_OK) {
                cs = oom(s, err);
                break;
            }
        }
        if (bm.height == 0)
            break;
        memcpy(id, bm.prev, 32);
    }
    if (cs != CHAIN_OK)
        pouw_ledger_clear(l);
    return cs;
}

chain_status chain_store_rules(pouw_ledger_rules *rules, pouw_ledger *immature, common_error *err, chain_store *s,
                               const uint8_t parent_id32[32])
{
    assert(rules && immature && s && parent_id32);
    memset(rules, 0, sizeof *rules);
    chain_status cs = chain_store_immature(immature, err, s, parent_id32);
    if (cs != CHAIN_OK)
        return cs;
    rules->min_new_account = s->p->min_new_account;
    rules->immature = immature;
    rules->block_immature = s->p->maturity >= 1;
    return CHAIN_OK;
}

chain_status chain_store_ancestor(chain_block_meta *m, common_error *err, chain_store *s, const uint8_t id32[32],
                                  uint64_t h)
{
    assert(m && s && id32);
    common_error_clear(err);
    chain_status cs = chain_store_meta(m, err, s, id32);
    if (cs != CHAIN_OK)
        return cs;
    if (h > m->height)
        return serr(err, CHAIN_EUNKNOWN, s->path, "height", "%s", "no ancestor above the block's own height");
    while (m->height > h) {
        uint8_t bid[32];
        uint64_t bh;
        if (m->best || (chain_store_find(&bh, s, m->id) && bh == m->height)) { /* on the best chain: one query */
            if (!chain_store_best_id(bid, s, h))
                return serr(err, CHAIN_ESTORE, s->path, "best", "%s", "the best chain has a gap");
            return chain_store_meta(m, err, s, bid);
        }
        memcpy(bid, m->prev, 32);
        if ((cs = chain_store_meta(m, err, s, bid)) != CHAIN_OK)
            return cs;
    }
    return CHAIN_OK;
}

int chain_store_best_id(uint8_t id32[32], chain_store *s, uint64_t h)
{
    assert(id32 && s);
    memset(id32, 0, 32);
    sqlite3_stmt *st;
    if (prep(s, &st, "SELECT id FROM best WHERE chain=?1 AND height=?2") != SQLITE_OK)
        return 0;
    bind_chain(s, st, 1);
    sqlite3_bind_int64(st, 2, (sqlite3_int64)h);
    int ok = sqlite3_step(st) == SQLITE_ROW;
    if (ok)
        col_blob32(id32, st, 0);
    sqlite3_finalize(st);
    return ok;
}

int chain_store_find(uint64_t *height, chain_store *s, const uint8_t id32[32])
{
    assert(height && s && id32);
    *height = 0;
    sqlite3_stmt *st;
    if (prep(s, &st, "SELECT height FROM best WHERE chain=?1 AND id=?2") != SQLITE_OK)
        return 0;
    bind_chain(s, st, 1);
    sqlite3_bind_blob(st, 2, id32, 32, SQLITE_STATIC);
    int ok = sqlite3_step(st) == SQLITE_ROW;
    if (ok)
        *height = (uint64_t)sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    return ok;
}

/* Sets one account in a sorted ledger (balance < 0 with sequence UINT64_MAX: remove). */
static int ledger_set(pouw_ledger *l, const uint8_t acct[32], int64_t bal, uint64_t seq, int remove)
{
    size_t lo = 0, hi = l->n;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        int c = memcmp(l->e[mid].account, acct, 32);
        if (c == 0) {
            lo = mid;
            hi = mid + 1;
            break;
        }
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    int found = lo < l->n && memcmp(l->e[lo].account, acct, 32) == 0;
    if (remove) {
        if (found) {
            memmove(&l->e[lo], &l->e[lo + 1], (l->n - lo - 1) * sizeof *l->e);
            l->n--;
        }
        return 0;
    }
    if (found) {
        l->e[lo].balance = bal;
        l->e[lo].sequence = seq;
        return 0;
    }
    if (l->n == l->cap) {
        size_t nc = l->cap ? 2 * l->cap : 16;
        pouw_ledger_entry *ne = realloc(l->e, nc * sizeof *ne);
        if (!ne)
            return -1;
        l->e = ne;
        l->cap = nc;
    }
    memmove(&l->e[lo + 1], &l->e[lo], (l->n - lo) * sizeof *l->e);
    memcpy(l->e[lo].account, acct, 32);
    l->e[lo].balance = bal;
    l->e[lo].sequence = seq;
    l->n++;
    return 0;
}

/* Applies block id's ledger rows to l. */
static chain_status apply_diff(pouw_ledger *l, common_error *err, chain_store *s, const uint8_t id[32])
{
    sqlite3_stmt *st;
    int rc = prep(s, &st, "SELECT account, balance, sequence FROM ledger WHERE chain=?1 AND block=?2");
    if (rc != SQLITE_OK)
        return dberr(s, err, rc, "ledger");
    bind_chain(s, st, 1);
    sqlite3_bind_blob(st, 2, id, 32, SQLITE_STATIC);
    chain_status cs = CHAIN_OK;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        uint8_t a[32];
        col_blob32(a, st, 0);
        int rm = sqlite3_column_type(st, 1) == SQLITE_NULL;
        if (ledger_set(l, a, sqlite3_column_int64(st, 1), (uint64_t)sqlite3_column_int64(st, 2), rm) != 0) {
            cs = oom(s, err);
            break;
        }
    }
    if (cs == CHAIN_OK && rc != SQLITE_DONE)
        cs = dberr(s, err, rc, "ledger");
    sqlite3_finalize(st);
    return cs;
}

static chain_status ledger_read(pouw_ledger *l, common_error *err, chain_store *s, const uint8_t id32[32]);

/* The ledger takes several statements (the walk down to the best chain, then the
 * best chain's rows up to the fork): outside a transaction each would see the
 * database of its own moment, and a reorganisation committed between them by
 * another connection would mix two best chains. One read transaction gives them
 * one snapshot (WAL: readers never wait for the writer). */
chain_status chain_store_ledger(pouw_ledger *l, common_error *err, chain_store *s, const uint8_t id32[32])
{
    assert(l && s && id32);
    int own = sqlite3_get_autocommit(s->db) && exec(s, "BEGIN") == SQLITE_OK;
    chain_status cs = ledger_read(l, err, s, id32);
    if (own)
        exec(s, cs == CHAIN_OK ? "COMMIT" : "ROLLBACK");
    return cs;
}

static chain_status ledger_read(pouw_ledger *l, common_error *err, chain_store *s, const uint8_t id32[32])
{
    pouw_ledger_clear(l);
    common_error_clear(err);
    /* the side-branch blocks down to the best chain, newest first */
    uint8_t(*side)[32] = NULL;
    size_t ns = 0, cap = 0;
    chain_block_meta m;
    uint8_t id[32];
    memcpy(id, id32, 32);
    chain_status cs;
    uint64_t fork = 0;
    int on_best = 0;
    for (;;) {
        if ((cs = chain_store_meta(&m, err, s, id)) != CHAIN_OK)
            goto out;
        if (m.verdict != CHAIN_VERDICT_VALID) {
            cs = serr(err, CHAIN_EUNKNOWN, s->path, "", "%s", "no ledger: the block is not valid");
            goto out;
        }
        if (m.best) {
            fork = m.height;
            on_best = 1;
            break;
        }
        if (ns == cap) {
            cap = cap ? 2 * cap : 16;
            void *nb = realloc(side, cap * 32);
            if (!nb) {
                cs = oom(s, err);
                goto out;
            }
            side = nb;
        }
        memcpy(side[ns++], id, 32);
        if (m.height == 0)
            break;
        memcpy(id, m.prev, 32);
    }
    if (on_best) { /* every account's latest row on the best chain up to the fork */
        sqlite3_stmt *st;
        int rc = prep(s, &st,
                      "SELECT l.account, l.balance, l.sequence, max(b.height) FROM ledger l JOIN best b"
                      " ON b.chain=l.chain AND b.id=l.block WHERE l.chain=?1 AND b.height<=?2"
                      " GROUP BY l.account ORDER BY l.account");
        if (rc != SQLITE_OK) {
            cs = dberr(s, err, rc, "ledger");
            goto out;
        }
        bind_chain(s, st, 1);
        sqlite3_bind_int64(st, 2, (sqlite3_int64)fork);
        while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
            if (sqlite3_column_type(st, 1) == SQLITE_NULL)
                continue;
            uint8_t a[32];
            col_blob32(a, st, 0);
            if (l->n == l->cap) {
                size_t nc = l->cap ? 2 * l->cap : 64;
                pouw_ledger_entry *ne = realloc(l->e, nc * sizeof *ne);
                if (!ne) {
                    rc = SQLITE_NOMEM;
                    break;
                }
                l->e = ne;
                l->cap = nc;
            }
            memcpy(l->e[l->n].account, a, 32);
            l->e[l->n].balance = sqlite3_column_int64(st, 1);
            l->e[l->n].sequence = (uint64_t)sqlite3_column_int64(st, 2);
            l->n++;
        }
        cs = rc == SQLITE_DONE ? CHAIN_OK : rc == SQLITE_NOMEM ? oom(s, err) : dberr(s, err, rc, "ledger");
        sqlite3_finalize(st);
    }
    for (size_t i = ns; cs == CHAIN_OK && i-- > 0;)
        cs = apply_diff(l, err, s, side[i]);
out:
    free(side);
    if (cs != CHAIN_OK)
        pouw_ledger_clear(l);
    return cs;
}

/* The stored document of block id (NULL doc: none kept). */
static chain_status get_doc(char **doc, size_t *len, common_error *err, chain_store *s, const uint8_t id[32])
{
    *doc = NULL;
    *len = 0;
    sqlite3_stmt *st;
    int rc = prep(s, &st, "SELECT doc FROM blocks WHERE chain=?1 AND id=?2");
    if (rc != SQLITE_OK)
        return dberr(s, err, rc, "blocks");
    bind_chain(s, st, 1);
    sqlite3_bind_blob(st, 2, id, 32, SQLITE_STATIC);
    chain_status cs = CHAIN_OK;
    rc = sqlite3_step(st);
    if (rc == SQLITE_ROW && sqlite3_column_type(st, 0) != SQLITE_NULL) {
        int n = sqlite3_column_bytes(st, 0);
        const void *b = sqlite3_column_blob(st, 0);
        *doc = malloc((size_t)n + 1);
        if (!*doc) {
            cs = oom(s, err);
        } else {
            if (n)
                memcpy(*doc, b, (size_t)n);
            (*doc)[n] = '\0';
            *len = (size_t)n;
        }
    } else if (rc == SQLITE_ROW || rc == SQLITE_DONE) {
        char hex[17];
        hex8(hex, id);
        common_error_set(err, CHAIN_EUNKNOWN, s->path, "", "no document of block %s... in the %s chain", hex,
                         s->p->name);
        cs = CHAIN_EUNKNOWN;
    } else {
        cs = dberr(s, err, rc, "blocks");
    }
    sqlite3_finalize(st);
    return cs;
}

chain_status chain_store_block(pouw_block *b, common_error *err, chain_store *s, const uint8_t id32[32])
{
    assert(b && s && id32);
    pouw_block_clear(b);
    common_error_clear(err);
    char *doc;
    size_t len;
    chain_status cs = get_doc(&doc, &len, err, s, id32);
    if (cs != CHAIN_OK)
        return cs;
    pouw_status ps = pouw_block_parse(b, err, s->path, doc, len);
    free(doc);
    if (ps != POUW_OK) {
        cs = ps == POUW_ENOMEM ? CHAIN_ENOMEM : CHAIN_ESTORE;
        if (err)
            err->code = cs;
        return cs;
    }
    chain_block_meta m;
    if ((cs = get_meta(&m, err, s, id32)) == CHAIN_OK && m.verdict == CHAIN_VERDICT_VALID) {
        pouw_ledger_clear(&b->ledger);
        cs = chain_store_ledger(&b->ledger, err, s, id32);
    }
    if (cs != CHAIN_OK)
        pouw_block_clear(b);
    return cs;
}

chain_status chain_store_load(pouw_block *b, common_error *err, chain_store *s, uint64_t h)
{
    assert(b && s);
    uint8_t id[32];
    if (!chain_store_best_id(id, s, h)) {
        pouw_block_clear(b);
        return serr(err, CHAIN_ESTORE, s->path, "height", "%s", "no block at that height on the best chain");
    }
    return chain_store_block(b, err, s, id);
}

chain_status chain_store_count(chain_store_counts *c, common_error *err, chain_store *s)
{
    assert(c && s);
    memset(c, 0, sizeof *c);
    common_error_clear(err);
    sqlite3_stmt *st;
    int rc = prep(s, &st, "SELECT verdict, count(*) FROM blocks WHERE chain=?1 GROUP BY verdict");
    if (rc != SQLITE_OK)
        return dberr(s, err, rc, "blocks");
    bind_chain(s, st, 1);
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        uint64_t k = (uint64_t)sqlite3_column_int64(st, 1);
        switch (sqlite3_column_int(st, 0)) {
        case CHAIN_VERDICT_VALID: c->valid = k; break;
        case CHAIN_VERDICT_INVALID: c->invalid = k; break;
        case CHAIN_VERDICT_ORPHAN: c->orphan = k; break;
        default: break;
        }
    }
    chain_status cs = rc == SQLITE_DONE ? CHAIN_OK : dberr(s, err, rc, "blocks");
    sqlite3_finalize(st);
    return cs;
}

chain_status chain_store_each(chain_store *s, common_error *err, int (*fn)(void *user, const chain_block_meta *m),
                              void *user)
{
    assert(s && fn);
    common_error_clear(err);
    sqlite3_stmt *st;
    int rc = prep(s, &st, "SELECT " META_COLS " FROM blocks WHERE chain=?1 ORDER BY height, seen");
    if (rc != SQLITE_OK)
        return dberr(s, err, rc, "blocks");
    bind_chain(s, st, 1);
    chain_status cs = CHAIN_OK;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        chain_block_meta m;
        read_meta(&m, st);
        if (fn(user, &m)) {
            cs = CHAIN_ESTOPPED;
            break;
        }
    }
    if (cs == CHAIN_OK && rc != SQLITE_DONE)
        cs = dberr(s, err, rc, "blocks");
    sqlite3_finalize(st);
    return cs;
}

/* ---------------------------------------------------------------- the tip */

static chain_status read_tip(chain_store *s, common_error *err, int *have, uint8_t tip[32], uint64_t *h)
{
    *have = 0;
    sqlite3_stmt *st;
    int rc = prep(s, &st, "SELECT tip, tip_height FROM chains WHERE name=?1");
    if (rc != SQLITE_OK)
        return dberr(s, err, rc, "chains");
    bind_chain(s, st, 1);
    rc = sqlite3_step(st);
    chain_status cs = CHAIN_OK;
    if (rc == SQLITE_ROW && sqlite3_column_type(st, 0) == SQLITE_BLOB) {
        col_blob32(tip, st, 0);
        *h = (uint64_t)sqlite3_column_int64(st, 1);
        *have = 1;
    } else if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
        cs = dberr(s, err, rc, "chains");
    }
    sqlite3_finalize(st);
    return cs;
}

static int64_t data_version(chain_store *s)
{
    sqlite3_stmt *st;
    int64_t v = -1;
    if (prep(s, &st, "PRAGMA data_version") == SQLITE_OK) {
        if (sqlite3_step(st) == SQLITE_ROW)
            v = sqlite3_column_int64(st, 0);
        sqlite3_finalize(st);
    }
    return v;
}

chain_status chain_store_refresh(chain_store *s, common_error *err, int *moved)
{
    assert(s);
    common_error_clear(err);
    if (moved)
        *moved = 0;
    int64_t v = data_version(s);
    int have;
    uint8_t tip[32];
    uint64_t h = 0;
    chain_status cs = read_tip(s, err, &have, tip, &h);
    if (cs != CHAIN_OK)
        return cs;
    if (!have)
        return serr(err, CHAIN_EUNKNOWN, s->path, "", "%s", "the chain has no genesis block");
    if (moved)
        *moved = memcmp(tip, s->tip, 32) != 0;
    memcpy(s->tip, tip, 32);
    s->tip_h = h;
    s->data_version = v;
    return CHAIN_OK;
}

int chain_store_changed(chain_store *s)
{
    assert(s);
    return data_version(s) != s->data_version;
}

uint64_t chain_store_tip_height(const chain_store *s) { return s->tip_h; }
void chain_store_tip_id(uint8_t id32[32], const chain_store *s) { memcpy(id32, s->tip, 32); }
const chain_params *chain_store_params(const chain_store *s) { return s->p; }
const char *chain_store_path(const chain_store *s) { return s->path; }
const char *chain_store_datadir(const chain_store *s) { return s->datadir; }

/* ---------------------------------------------------------------- open, close */

void chain_store_close(chain_store *s)
{
    if (!s)
        return;
    if (s->db)
        sqlite3_close(s->db);
    free(s);
}

/* A reader without write access to DIR. SQLite reads a WAL database read-only
 * when its -shm and -wal exist (a writer leaves them: SQLITE_FCNTL_PERSIST_WAL);
 * when they are gone (the last connection of another program removed them) and
 * cannot be created, it cannot open the WAL index. Then, when no -wal holds
 * changes (nothing beyond chains.db can exist: any writer would need to create it
 * first), the file is read as immutable (no locks, no WAL); otherwise a named
 * error. */
static chain_status readonly_fallback(chain_store *s, common_error *err)
{
    sqlite3_stmt *q;
    int rc = prep(s, &q, "SELECT count(*) FROM sqlite_master");
    if (rc == SQLITE_OK) {
        rc = sqlite3_step(q);
        sqlite3_finalize(q);
        if (rc == SQLITE_ROW)
            return CHAIN_OK;
    }
    if (rc != SQLITE_READONLY && rc != SQLITE_CANTOPEN)
        return CHAIN_OK; /* reported by the first real query, with its field */
    char wal[CHAIN_PATH_MAX + 8];
    snprintf(wal, sizeof wal, "%s-wal", s->path);
    struct stat st;
    if (stat(wal, &st) == 0 && st.st_size > 0)
        return serr(err, CHAIN_EIO, wal, "", "%s",
                    "changes not yet in chains.db, and this user cannot write to the data directory to read them");
    /* file:<path>?immutable=1, the path percent-encoded */
    char uri[3 * CHAIN_PATH_MAX + 32];
    size_t k = 0;
    k += (size_t)snprintf(uri, sizeof uri, "file:");
    for (const char *c = s->path; *c && k + 4 < sizeof uri; c++) {
        unsigned char ch = (unsigned char)*c;
        if (ch == '%' || ch == '?' || ch == '#' || ch < 0x21 || ch > 0x7e)
            k += (size_t)snprintf(uri + k, sizeof uri - k, "%%%02X", ch);
        else
            uri[k++] = (char)ch;
    }
    snprintf(uri + k, sizeof uri - k, "?immutable=1");
    sqlite3_close(s->db);
    s->db = NULL;
    rc = sqlite3_open_v2(uri, &s->db, SQLITE_OPEN_READONLY | SQLITE_OPEN_URI | SQLITE_OPEN_NOMUTEX, NULL);
    if (rc != SQLITE_OK)
        return dberr(s, err, rc, "open");
    sqlite3_extended_result_codes(s->db, 0);
    return CHAIN_OK;
}

static chain_status open_db(chain_store *s, common_error *err, int create)
{
    struct stat st;
    int exists = stat(s->path, &st) == 0;
    if (exists && !S_ISREG(st.st_mode))
        return serr(err, CHAIN_EIO, s->path, "", "%s", "not a regular file");
    if (!exists && !create) {
        common_error_set(err, CHAIN_EUNKNOWN, s->datadir, "", "no %s chain in %s (mine first to create it)",
                         s->p->coin, s->datadir);
        return CHAIN_EUNKNOWN;
    }
    int writable = !s->o.read_only && access(s->datadir, W_OK) == 0 && (!exists || access(s->path, W_OK) == 0);
    if (!writable && create)
        return serr(err, CHAIN_EIO, s->datadir, "", "%s", "cannot write to this data directory");
    s->read_only = !writable;
    int flags = writable ? SQLITE_OPEN_READWRITE | (create ? SQLITE_OPEN_CREATE : 0) : SQLITE_OPEN_READONLY;
    int rc = sqlite3_open_v2(s->path, &s->db, flags | SQLITE_OPEN_NOMUTEX, NULL);
    if (rc != SQLITE_OK)
        return dberr(s, err, rc, "open");
    sqlite3_busy_timeout(s->db, CHAIN_STORE_BUSY_MS);
    sqlite3_extended_result_codes(s->db, 0);
    if (!writable) {
        chain_status cs = readonly_fallback(s, err);
        if (cs != CHAIN_OK)
            return cs;
    }
    if (writable) {
        int one = 1;
        sqlite3_file_control(s->db, "main", SQLITE_FCNTL_PERSIST_WAL, &one); /* readers without write access */
        /* Switching a new database to WAL takes an exclusive lock that SQLite's
         * busy handler does not wait for (two miners creating the same data
         * directory at once): retry while busy, up to CHAIN_STORE_BUSY_MS. */
        for (int waited = 0;; waited += 10) {
            rc = exec(s, "PRAGMA journal_mode=WAL");
            if ((rc & 0xff) != SQLITE_BUSY && (rc & 0xff) != SQLITE_LOCKED)
                break;
            if (waited >= CHAIN_STORE_BUSY_MS)
                break;
            struct timespec ts = {0, 10 * 1000 * 1000};
            nanosleep(&ts, NULL);
        }
        if (rc != SQLITE_OK)
            return dberr(s, err, rc, "journal_mode");
        if ((rc = exec(s, s->o.sync_normal ? "PRAGMA synchronous=NORMAL" : "PRAGMA synchronous=FULL")) != SQLITE_OK)
            return dberr(s, err, rc, "synchronous");
    }
    /* the schema */
    sqlite3_stmt *q;
    if ((rc = prep(s, &q, "PRAGMA user_version")) != SQLITE_OK)
        return dberr(s, err, rc, "user_version");
    rc = sqlite3_step(q);
    int ver = rc == SQLITE_ROW ? sqlite3_column_int(q, 0) : -1;
    sqlite3_finalize(q);
    if (rc != SQLITE_ROW)
        return dberr(s, err, rc, "user_version");
    if (ver == 0 && writable) {
        chain_status cs = begin(s, err);
        if (cs != CHAIN_OK)
            return cs;
        char sql[64];
        snprintf(sql, sizeof sql, "PRAGMA user_version=%d", CHAIN_STORE_SCHEMA);
        if ((rc = exec(s, SCHEMA)) != SQLITE_OK || (rc = exec(s, sql)) != SQLITE_OK) {
            cs = dberr(s, err, rc, "schema");
            rollback(s);
            return cs;
        }
        return commit(s, err);
    }
    if (ver == 0 && !create) {
        common_error_set(err, CHAIN_EUNKNOWN, s->datadir, "", "no %s chain in %s (mine first to create it)",
                         s->p->coin, s->datadir);
        return CHAIN_EUNKNOWN;
    }
    if (ver != CHAIN_STORE_SCHEMA) {
        common_error_set(err, CHAIN_ESTORE, s->path, "user_version",
                         "database schema %d, this program reads schema %d", ver, CHAIN_STORE_SCHEMA);
        return CHAIN_ESTORE;
    }
    return CHAIN_OK;
}

chain_status chain_store_probe(common_error *err, const char *datadir)
{
    assert(datadir);
    common_error_clear(err);
    chain_store *s = calloc(1, sizeof *s);
    if (!s)
        return serr(err, CHAIN_ENOMEM, datadir, "", "%s", "out of memory");
    chain_params none;
    memset(&none, 0, sizeof none);
    s->p = &none;
    s->o.read_only = 1;
    chain_status cs = CHAIN_OK;
    struct stat st;
    if ((size_t)snprintf(s->datadir, sizeof s->datadir, "%s", datadir) >= sizeof s->datadir - 32 ||
        (size_t)snprintf(s->path, sizeof s->path, "%s/%s", datadir, CHAIN_STORE_FILE) >= 240)
        cs = serr(err, CHAIN_EIO, datadir, "", "%s", "data directory path too long");
    else if (stat(s->path, &st) != 0)
        cs = CHAIN_OK; /* nothing there yet */
    else if ((cs = open_db(s, err, 0)) == CHAIN_EUNKNOWN)
        cs = CHAIN_OK; /* an empty database */
    else if (cs == CHAIN_OK) {
        sqlite3_stmt *q;
        int rc = prep(s, &q, "SELECT count(*) FROM chains");
        if (rc == SQLITE_OK) {
            rc = sqlite3_step(q);
            sqlite3_finalize(q);
        }
        if (rc != SQLITE_ROW && rc != SQLITE_OK)
            cs = dberr(s, err, rc, "chains");
    }
    if (cs == CHAIN_OK)
        common_error_clear(err);
    chain_store_close(s);
    return cs;
}

chain_status chain_store_open(chain_store **out, common_error *err, const char *datadir, const chain_params *p,
                              const chain_store_opts *o)
{
    assert(out && datadir && p);
    *out = NULL;
    common_error_clear(err);
    chain_store *s = calloc(1, sizeof *s);
    if (!s)
        return serr(err, CHAIN_ENOMEM, datadir, "", "%s", "out of memory");
    s->p = p;
    if (o)
        s->o = *o;
    s->data_version = -1;
    chain_status cs = CHAIN_OK;
    if ((size_t)snprintf(s->datadir, sizeof s->datadir, "%s", datadir) >= sizeof s->datadir - 32 ||
        (size_t)snprintf(s->path, sizeof s->path, "%s/%s", datadir, CHAIN_STORE_FILE) >= 240) {
        cs = serr(err, CHAIN_EIO, datadir, "", "%s", "data directory path too long");
        goto fail;
    }
    if ((cs = open_db(s, err, s->o.create)) != CHAIN_OK)
        goto fail;
    int have;
    uint8_t tip[32];
    uint64_t h;
    if ((cs = read_tip(s, err, &have, tip, &h)) != CHAIN_OK)
        goto fail;
    if (!have && !s->o.create) {
        cs = CHAIN_EUNKNOWN;
        common_error_set(err, cs, s->datadir, "", "no %s chain in %s (mine first to create it)", p->coin, datadir);
        goto fail;
    }
    if (!have) {
        if (!s->o.genesis) {
            cs = serr(err, CHAIN_EPARAMS, s->path, "genesis", "%s", "no genesis builder to create the chain");
            goto fail;
        }
        pouw_block g;
        pouw_block_init(&g);
        cs = s->o.genesis(s->o.genesis_user, &g, err, p);
        pouw_reason r;
        if (cs == CHAIN_OK)
            cs = chain_store_add(s, NULL, &r, err, &g);
        pouw_block_clear(&g);
        if (cs != CHAIN_OK)
            goto fail;
    }
    if ((cs = chain_store_refresh(s, err, NULL)) != CHAIN_OK)
        goto fail;
    /* the stored genesis must be the chain's (pinned id) */
    uint8_t g0[32];
    if (p->genesis_pinned && chain_store_best_id(g0, s, 0) && memcmp(g0, p->genesis_id, 32) != 0) {
        cs = serr(err, CHAIN_ESTORE, s->path, "genesis", "%s",
                  "the stored genesis is not this chain's (another version of the chain parameters)");
        goto fail;
    }
    *out = s;
    return CHAIN_OK;
fail:
    chain_store_close(s);
    return cs;
}

/* ---------------------------------------------------------------- adding blocks */

static void weight_of(uint8_t w[32], const chain_params *p, const pouw_header *h)
{
    chain_block_weight(w, p, h); /* s11.8: floor(2^320 / (post_target + 1)) */
}

/* The miner's earnings of b (units): the coinbase amount plus every transfer's
 * fee (saturating at POUW_AMOUNT_MAX: only an invalid block gets there). What
 * chain_store_immature sums (s11.10). */
static int64_t coinbase_of(const pouw_block *b)
{
    if (b->n_txs == 0 || b->txs[0].type != POUW_TX_COINBASE)
        return 0;
    int64_t v = b->txs[0].amount < 0 ? 0 : b->txs[0].amount;
    for (size_t i = 1; i < b->n_txs; i++) {
        int64_t f = b->txs[i].type == POUW_TX_TRANSFER && b->txs[i].fee > 0 ? b->txs[i].fee : 0;
        v = f > POUW_AMOUNT_MAX - v ? POUW_AMOUNT_MAX : v + f;
    }
    return v > POUW_AMOUNT_MAX ? POUW_AMOUNT_MAX : v;
}

/* Inserts a block row (inside a transaction). */
static chain_status insert_block(chain_store *s, common_error *err, const pouw_block *b, chain_verdict v,
                                 pouw_reason r, const uint8_t *w, const uint8_t *cum, const char *doc, size_t len,
                                 const uint8_t digest[32])
{
    sqlite3_stmt *st;
    int rc = prep(s, &st,
                  "INSERT OR REPLACE INTO blocks(chain, id, prev, height, time_ms, prehash_bits, pps_threshold,"
                  " post_bits, miner, coinbase, n_txs, verdict, reason, weight, cum, seen, doc, digest)"
                  " VALUES(?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12,?13,?14,?15,"
                  " (SELECT coalesce(max(seen),0)+1 FROM blocks WHERE chain=?1),?16,?17)");
    if (rc != SQLITE_OK)
        return dberr(s, err, rc, "blocks");
    const pouw_header *h = &b->header;
    bind_chain(s, st, 1);
    sqlite3_bind_blob(st, 2, b->post_hash, 32, SQLITE_STATIC);
    sqlite3_bind_blob(st, 3, h->prev_hash, 32, SQLITE_STATIC);
    sqlite3_bind_int64(st, 4, (sqlite3_int64)h->height);
    sqlite3_bind_int64(st, 5, (sqlite3_int64)h->time_ms);
    sqlite3_bind_int64(st, 6, h->prehash_bits);
    sqlite3_bind_int64(st, 7, h->pps_threshold_micro);
    sqlite3_bind_int64(st, 8, h->post_bits);
    sqlite3_bind_blob(st, 9, h->miner, 32, SQLITE_STATIC);
    sqlite3_bind_int64(st, 10, coinbase_of(b));
    sqlite3_bind_int64(st, 11, (sqlite3_int64)b->n_txs);
    sqlite3_bind_int(st, 12, (int)v);
    sqlite3_bind_int(st, 13, (int)r);
    if (w)
        sqlite3_bind_blob(st, 14, w, 32, SQLITE_STATIC);
    if (cum)
        sqlite3_bind_blob(st, 15, cum, 32, SQLITE_STATIC);
    if (doc)
        sqlite3_bind_blob(st, 16, doc, (int)len, SQLITE_STATIC);
    sqlite3_bind_blob(st, 17, digest, 32, SQLITE_STATIC);
    rc = sqlite3_step(st);
    sqlite3_finalize(st);
    return rc == SQLITE_DONE ? CHAIN_OK : dberr(s, err, rc, "blocks");
}

/* The ledger rows of block id: accounts of `after` that differ from `before`, and
 * removals. */
static chain_status insert_diff(chain_store *s, common_error *err, const uint8_t id[32], const pouw_ledger *before,
                                const pouw_ledger *after)
{
    sqlite3_stmt *st;
    int rc = prep(s, &st, "INSERT OR REPLACE INTO ledger(chain, block, account, balance, sequence) VALUES(?1,?2,?3,?4,?5)");
    if (rc != SQLITE_OK)
        return dberr(s, err, rc, "ledger");
    size_t i = 0, j = 0;
    while (rc == SQLITE_OK && (i < before->n || j < after->n)) {
        int c = i >= before->n ? 1 : j >= after->n ? -1 : memcmp(before->e[i].account, after->e[j].account, 32);
        const pouw_ledger_entry *e = NULL;
        int removed = 0;
        if (c < 0) {
            e = &before->e[i++];
            removed = 1;
        } else if (c > 0) {
            e = &after->e[j++];
        } else {
            if (before->e[i].balance != after->e[j].balance || before->e[i].sequence != after->e[j].sequence)
                e = &after->e[j];
            i++;
            j++;
        }
        if (!e)
            continue;
        sqlite3_reset(st);
        bind_chain(s, st, 1);
        sqlite3_bind_blob(st, 2, id, 32, SQLITE_STATIC);
        sqlite3_bind_blob(st, 3, e->account, 32, SQLITE_TRANSIENT);
        if (removed) {
            sqlite3_bind_null(st, 4);
            sqlite3_bind_null(st, 5);
        } else {
            sqlite3_bind_int64(st, 4, e->balance);
            sqlite3_bind_int64(st, 5, (sqlite3_int64)e->sequence);
        }
        rc = sqlite3_step(st);
        rc = rc == SQLITE_DONE ? SQLITE_OK : rc;
    }
    sqlite3_finalize(st);
    return rc == SQLITE_OK ? CHAIN_OK : dberr(s, err, rc, "ledger");
}

static chain_status tx_doc(char **json, size_t *len, const pouw_tx *tx)
{
    pouw_status ps = pouw_tx_to_json(json, len, tx);
    return ps == POUW_OK ? CHAIN_OK : ps == POUW_ENOMEM ? CHAIN_ENOMEM : CHAIN_EINVALID;
}

/* Puts transfer tx into the mempool table (inside a transaction; no checks). */
static chain_status mempool_put(chain_store *s, common_error *err, const pouw_tx *tx)
{
    uint8_t id[32];
    char *json = NULL;
    size_t len = 0;
    if (pouw_tx_id(id, tx) != POUW_OK)
        return serr(err, CHAIN_EINVALID, s->path, "tx", "%s", "cannot encode the transfer");
    chain_status cs = tx_doc(&json, &len, tx);
    if (cs != CHAIN_OK)
        return serr(err, cs, s->path, "tx", "%s", "cannot encode the transfer");
    sqlite3_stmt *st;
    int rc = prep(s, &st, "INSERT OR IGNORE INTO mempool(chain, id, sender, sequence, fee, doc) VALUES(?1,?2,?3,?4,?5,?6)");
    if (rc == SQLITE_OK) {
        bind_chain(s, st, 1);
        sqlite3_bind_blob(st, 2, id, 32, SQLITE_STATIC);
        sqlite3_bind_blob(st, 3, tx->from, 32, SQLITE_STATIC);
        sqlite3_bind_int64(st, 4, (sqlite3_int64)tx->sequence);
        sqlite3_bind_int64(st, 5, tx->fee);
        sqlite3_bind_blob(st, 6, json, (int)len, SQLITE_STATIC);
        rc = sqlite3_step(st);
        rc = rc == SQLITE_DONE ? SQLITE_OK : rc;
        sqlite3_finalize(st);
    }
    free(json);
    return rc == SQLITE_OK ? CHAIN_OK : dberr(s, err, rc, "mempool");
}

/* Removes pending transfers whose sequence is used on ledger l (inside a transaction). */
static chain_status mempool_prune(chain_store *s, common_error *err, const pouw_ledger *l, size_t *pruned)
{
    *pruned = 0;
    sqlite3_stmt *st;
    int rc = prep(s, &st, "DELETE FROM mempool WHERE chain=?1 AND sender=?2 AND sequence<?3");
    if (rc != SQLITE_OK)
        return dberr(s, err, rc, "mempool");
    for (size_t i = 0; i < l->n && rc == SQLITE_OK; i++) {
        if (l->e[i].sequence == 0)
            continue;
        sqlite3_reset(st);
        bind_chain(s, st, 1);
        sqlite3_bind_blob(st, 2, l->e[i].account, 32, SQLITE_STATIC);
        sqlite3_bind_int64(st, 3, (sqlite3_int64)l->e[i].sequence);
        rc = sqlite3_step(st);
        rc = rc == SQLITE_DONE ? SQLITE_OK : rc;
        *pruned += (size_t)sqlite3_changes(s->db);
    }
    sqlite3_finalize(st);
    return rc == SQLITE_OK ? CHAIN_OK : dberr(s, err, rc, "mempool");
}

static chain_status set_tip_row(chain_store *s, common_error *err, const uint8_t id[32], uint64_t h)
{
    sqlite3_stmt *st;
    int rc = prep(s, &st,
                  "INSERT INTO chains(name, chain_id, tip, tip_height) VALUES(?1,?2,?3,?4)"
                  " ON CONFLICT(name) DO UPDATE SET tip=?3, tip_height=?4");
    if (rc != SQLITE_OK)
        return dberr(s, err, rc, "chains");
    bind_chain(s, st, 1);
    sqlite3_bind_int64(st, 2, s->p->chain_id);
    sqlite3_bind_blob(st, 3, id, 32, SQLITE_STATIC);
    sqlite3_bind_int64(st, 4, (sqlite3_int64)h);
    rc = sqlite3_step(st);
    sqlite3_finalize(st);
    return rc == SQLITE_DONE ? CHAIN_OK : dberr(s, err, rc, "chains");
}

/* Inside a transaction: makes VALID block `id` (meta m) the best tip when its cum
 * beats the stored tip's (or, with equal_too, equals it: chain_store_prefer_tip).
 * Out: mv (moved when mv->new_height set and moved). */
static chain_status fork_choice(chain_store *s, common_error *err, const chain_block_meta *m, int equal_too,
                                int *moved, chain_tip_move *mv)
{
    *moved = 0;
    int have;
    uint8_t tip[32];
    uint64_t th = 0;
    chain_status cs = read_tip(s, err, &have, tip, &th);
    if (cs != CHAIN_OK)
        return cs;
    chain_block_meta t;
    memset(&t, 0, sizeof t);
    if (have && (cs = get_meta(&t, err, s, tip)) != CHAIN_OK)
        return cs;
    if (have && (memcmp(m->id, t.id, 32) == 0 || memcmp(m->cum, t.cum, 32) < 0 ||
                 (!equal_too && memcmp(m->cum, t.cum, 32) == 0)))
        return CHAIN_OK; /* equal weight: the tip stays (unless preferred) */
    memset(mv, 0, sizeof *mv);
    if (have)
        memcpy(mv->old_tip, tip, 32);
    mv->old_height = th;
    mv->new_height = m->height;
    memcpy(mv->new_tip, m->id, 32);
    /* the new path down to the best chain */
    uint8_t(*path)[32] = NULL;
    size_t np = 0, cap = 0;
    chain_block_meta c = *m;
    uint64_t fork_h = 0; /* heights >= fork_h change */
    for (;;) {
        uint8_t bid[32];
        if (have && chain_store_best_id(bid, s, c.height) && memcmp(bid, c.id, 32) == 0) {
            fork_h = c.height + 1;
            break;
        }
        if (np == cap) {
            cap = cap ? 2 * cap : 16;
            void *nb = realloc(path, cap * 32);
            if (!nb) {
                free(path);
                return oom(s, err);
            }
            path = nb;
        }
        memcpy(path[np++], c.id, 32);
        if (c.height == 0) {
            fork_h = 0;
            break;
        }
        uint8_t pid[32];
        memcpy(pid, c.prev, 32);
        if ((cs = get_meta(&c, err, s, pid)) != CHAIN_OK) {
            free(path);
            return cs == CHAIN_EUNKNOWN ? serr(err, CHAIN_ESTORE, s->path, "prev", "%s", "a valid block's parent is missing") : cs;
        }
    }
    /* the disconnected blocks' transfers come back */
    pouw_block ob;
    pouw_block_init(&ob);
    for (uint64_t h = fork_h; have && h <= th && cs == CHAIN_OK; h++) {
        uint8_t bid[32];
        if (!chain_store_best_id(bid, s, h))
            break;
        mv->disconnected++;
        char *doc;
        size_t len;
        if ((cs = get_doc(&doc, &len, err, s, bid)) != CHAIN_OK)
            break;
        pouw_status ps = pouw_block_parse(&ob, NULL, s->path, doc, len);
        free(doc);
        for (size_t i = 0; ps == POUW_OK && i < ob.n_txs && cs == CHAIN_OK; i++)
            if (ob.txs[i].type == POUW_TX_TRANSFER) {
                cs = mempool_put(s, err, &ob.txs[i]);
                mv->returned++;
            }
    }
    pouw_block_clear(&ob);
    /* the best table */
    sqlite3_stmt *st = NULL;
    int rc = SQLITE_OK;
    if (cs == CHAIN_OK && (rc = prep(s, &st, "DELETE FROM best WHERE chain=?1 AND height>=?2")) == SQLITE_OK) {
        bind_chain(s, st, 1);
        sqlite3_bind_int64(st, 2, (sqlite3_int64)fork_h);
        rc = sqlite3_step(st) == SQLITE_DONE ? SQLITE_OK : sqlite3_errcode(s->db);
        sqlite3_finalize(st);
    }
    if (cs == CHAIN_OK && rc == SQLITE_OK && (rc = prep(s, &st, "INSERT INTO best(chain, height, id) VALUES(?1,?2,?3)")) == SQLITE_OK) {
        for (size_t i = 0; i < np && rc == SQLITE_OK; i++) {
            sqlite3_reset(st);
            bind_chain(s, st, 1);
            sqlite3_bind_int64(st, 2, (sqlite3_int64)(m->height - i));
            sqlite3_bind_blob(st, 3, path[i], 32, SQLITE_STATIC);
            rc = sqlite3_step(st) == SQLITE_DONE ? SQLITE_OK : sqlite3_errcode(s->db);
        }
        sqlite3_finalize(st);
    }
    free(path);
    if (cs == CHAIN_OK && rc != SQLITE_OK)
        cs = dberr(s, err, rc, "best");
    if (cs == CHAIN_OK)
        cs = set_tip_row(s, err, m->id, m->height);
    if (cs == CHAIN_OK) {
        pouw_ledger l = {0};
        cs = chain_store_ledger(&l, err, s, m->id);
        if (cs == CHAIN_OK)
            cs = mempool_prune(s, err, &l, &mv->pruned);
        pouw_ledger_clear(&l);
    }
    if (cs == CHAIN_OK)
        *moved = 1;
    return cs;
}

/* Drops the oldest orphans beyond the bound (inside a transaction). */
static chain_status bound_orphans(chain_store *s, common_error *err)
{
    sqlite3_stmt *st;
    int rc = prep(s, &st,
                  "DELETE FROM blocks WHERE chain=?1 AND verdict=?2 AND seen NOT IN (SELECT seen FROM blocks"
                  " WHERE chain=?1 AND verdict=?2 ORDER BY seen DESC LIMIT ?3)");
    if (rc != SQLITE_OK)
        return dberr(s, err, rc, "blocks");
    bind_chain(s, st, 1);
    sqlite3_bind_int(st, 2, CHAIN_VERDICT_ORPHAN);
    sqlite3_bind_int(st, 3, CHAIN_STORE_MAX_ORPHANS);
    rc = sqlite3_step(st);
    sqlite3_finalize(st);
    return rc == SQLITE_DONE ? CHAIN_OK : dberr(s, err, rc, "blocks");
}

static chain_status default_precheck(pouw_block *b, common_error *err, const chain_store *s, const char *doc, size_t len)
{
    if (len > POUW_BLOCK_MAX_BYTES) {
        common_error_set(err, CHAIN_EMALFORMED, "", "", "a block document of %zu bytes (at most %zu)", len,
                         (size_t)POUW_BLOCK_MAX_BYTES);
        return CHAIN_EMALFORMED;
    }
    pouw_status ps = pouw_block_parse(b, err, "", doc, len);
    chain_status cs = from_pouw(ps);
    if (cs != CHAIN_OK && err)
        err->code = cs;
    (void)s;
    return cs;
}

/* Judges and stores one document (no orphan connection). Out: res, reason, b (the
 * parsed block when stored VALID). */
/* 1 when the stored row of block id was judged from a document of SHA-256 digest d. */
static int same_digest(chain_store *s, const uint8_t id[32], const uint8_t d[32])
{
    sqlite3_stmt *st;
    int same = 0;
    if (prep(s, &st, "SELECT digest FROM blocks WHERE chain=?1 AND id=?2") != SQLITE_OK)
        return 0;
    bind_chain(s, st, 1);
    sqlite3_bind_blob(st, 2, id, 32, SQLITE_STATIC);
    if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_bytes(st, 0) == 32)
        same = memcmp(sqlite3_column_blob(st, 0), d, 32) == 0;
    sqlite3_finalize(st);
    return same;
}

/* An id does not always commit to everything a document holds (v1: the ledger,
 * the score, digests the id was not derived from). So an INVALID verdict answers
 * only for the very document judged (its digest is stored with it): another copy
 * under the same id is judged afresh, and a valid one replaces the rejection. A
 * bad copy can never make the genuine block invalid. */
/* After a committed tip move: the result, this value's tip, the tip_moved callback. */
static void tip_told(chain_store *s, chain_store_add_result *res, const chain_tip_move *mv)
{
    res->moved = 1;
    res->move = *mv;
    memcpy(s->tip, mv->new_tip, 32);
    s->tip_h = mv->new_height;
    if (s->o.tip_moved)
        s->o.tip_moved(s->o.tip_moved_user, s, mv);
}

static chain_status add_one(chain_store *s, chain_store_add_result *res, pouw_reason *reason, common_error *err,
                            const char *doc, size_t len, pouw_block *b, int *again_please)
{
    *again_please = 0;
    uint8_t digest[32];
    if (pouw_sha256(digest, doc, len) != POUW_OK)
        return oom(s, err);
    *reason = POUW_R_OK;
    chain_status cs = s->o.precheck ? s->o.precheck(s->o.precheck_user, b, reason, err, s->p, doc, len)
                                    : default_precheck(b, err, s, doc, len);
    if (cs != CHAIN_OK && cs != CHAIN_EINVALID)
        return cs;
    chain_block_meta old;
    chain_status ms = get_meta(&old, err, s, b->post_hash);
    if (ms != CHAIN_OK && ms != CHAIN_EUNKNOWN)
        return ms;
    if (ms == CHAIN_OK && old.verdict == CHAIN_VERDICT_INVALID && !same_digest(s, b->post_hash, digest))
        ms = CHAIN_EUNKNOWN; /* another copy of a rejected id: judged afresh */
    if (ms == CHAIN_OK && old.verdict != CHAIN_VERDICT_ORPHAN) { /* known: its stored verdict */
        res->verdict = old.verdict;
        res->best = old.best;
        *reason = old.reason;
        if (old.verdict == CHAIN_VERDICT_VALID) {
            /* the document names a stored id; it is that block only when it is that
             * block's document (an id read from a document proves nothing, and a v1
             * id does not commit to the ledger): another one is judged, never stored */
            pouw_block stored;
            pouw_block_init(&stored);
            chain_status ls = chain_store_block(&stored, err, s, old.id);
            int same = ls == CHAIN_OK && pouw_block_equal(&stored, b);
            pouw_block_clear(&stored);
            if (ls != CHAIN_OK)
                return ls;
            if (same)
                return CHAIN_OK;
            res->verdict = CHAIN_VERDICT_NONE;
            res->best = 0;
            pouw_reason vr = POUW_R_OK;
            common_error ve;
            common_error_clear(&ve);
            chain_status vs = s->o.verify ? s->o.verify(s->o.verify_user, &vr, &ve, s, b) : CHAIN_EINVALID;
            if (vs == CHAIN_OK) { /* another valid document of that block (nothing it commits to differs) */
                res->verdict = CHAIN_VERDICT_VALID;
                res->best = old.best;
                return CHAIN_OK;
            }
            if (vs == CHAIN_ENOMEM || vs == CHAIN_ESTORE || vs == CHAIN_EBUSY || vs == CHAIN_EIO) {
                *err = ve;
                return vs; /* the check could not run */
            }
            /* a "not now" (a time ahead, say) cannot make it the stored block later:
             * it names an id that is not its own */
            *reason = vr != POUW_R_OK ? vr : vs == CHAIN_EINVALID ? POUW_R_LEDGER : POUW_R_FORMAT;
            /* never recorded: the stored block stays; a copy-only code stays copy-only
             * (chain_status_of_reason through the verify callback) */
            chain_status rc = vs == CHAIN_EMALFORMED || vs == CHAIN_EORPHAN ? vs : CHAIN_EINVALID;
            common_error_set(err, rc, ve.path, ve.field[0] ? ve.field : "ledger",
                             "a copy of stored block %" PRIu64 " that differs from it (%s; the stored one stays)%s%s",
                             old.height, pouw_reason_name(*reason), ve.msg[0] ? ": " : "", ve.msg);
            return rc;
        }
        common_error_set(err, CHAIN_EINVALID, "", "", "the block is known and was rejected (%s)",
                         pouw_reason_name(old.reason));
        return CHAIN_EINVALID;
    }
    chain_verdict v;
    pouw_reason r = *reason;
    chain_block_meta par;
    memset(&par, 0, sizeof par);
    int genesis = b->header.height == 0;
    for (int i = 0; i < 32 && genesis; i++)
        genesis = b->header.prev_hash[i] == 0;
    if (cs == CHAIN_EINVALID) {
        v = CHAIN_VERDICT_INVALID;
    } else if (genesis) {
        v = CHAIN_VERDICT_VALID;
    } else {
        ms = get_meta(&par, err, s, b->header.prev_hash);
        if (ms != CHAIN_OK && ms != CHAIN_EUNKNOWN)
            return ms;
        if (ms == CHAIN_EUNKNOWN || par.verdict == CHAIN_VERDICT_ORPHAN) {
            v = CHAIN_VERDICT_ORPHAN;
        } else if (par.verdict == CHAIN_VERDICT_INVALID) {
            /* refused, not recorded: the parent's rejection answers for one copy of it
             * only, and the genuine parent may still come */
            *reason = POUW_R_UNKNOWN_PARENT;
            char hex[17];
            hex8(hex, par.id);
            res->verdict = CHAIN_VERDICT_NONE;
            common_error_set(err, CHAIN_EINVALID, "", "header.prev_hash", "parent %s... (height %" PRIu64
                             ") is invalid: %s", hex, par.height, pouw_reason_name(par.reason));
            return CHAIN_EINVALID;
        } else if (b->header.height != par.height + 1) {
            v = CHAIN_VERDICT_INVALID;
            r = POUW_R_HEIGHT;
            common_error_set(err, CHAIN_EINVALID, "", "header.height", "height %" PRIu64 " on a parent of height %"
                             PRIu64, b->header.height, par.height);
        } else {
            v = CHAIN_VERDICT_VALID;
        }
    }
    if (v == CHAIN_VERDICT_VALID) {
        if (!s->o.verify)
            return serr(err, CHAIN_EPARAMS, s->path, "", "%s", "this store was opened without a verifier");
        cs = s->o.verify(s->o.verify_user, &r, err, s, b);
        if (cs == CHAIN_EINVALID)
            v = CHAIN_VERDICT_INVALID;
        else if (cs != CHAIN_OK) {
            *reason = r; /* its reason too (s11.7: a wrong copy, an orphan, a time ahead) */
            return cs;   /* copy-only or not now: nothing stored */
        }
    }
    /* the ledger differences (outside the transaction: parents never change) */
    pouw_ledger before = {0};
    uint8_t w[32], cum[32];
    if (v == CHAIN_VERDICT_VALID) {
        weight_of(w, s->p, &b->header);
        memcpy(cum, w, 32);
        if (!genesis) {
            if (pouw_work_add(cum, par.cum) != POUW_OK)
                memset(cum, 0xff, 32);
            if ((cs = chain_store_ledger(&before, err, s, par.id)) != CHAIN_OK)
                return cs;
        }
    }
    /* the stored document: a VALID block's without the ledger (kept as differences);
     * an orphan's whole, ledger included (judged when its parent arrives) */
    char *json = NULL;
    size_t jlen = 0;
    if (v != CHAIN_VERDICT_INVALID) {
        pouw_ledger keep = b->ledger;
        if (v == CHAIN_VERDICT_VALID)
            b->ledger = (pouw_ledger){0};
        pouw_status ps = pouw_block_to_json(&json, &jlen, b);
        b->ledger = keep;
        if (ps != POUW_OK) {
            pouw_ledger_clear(&before);
            return serr(err, from_pouw(ps) == CHAIN_ENOMEM ? CHAIN_ENOMEM : CHAIN_EMALFORMED, s->path, "", "%s",
                        "cannot encode the block");
        }
    }
    chain_tip_move mv;
    memset(&mv, 0, sizeof mv);
    int moved = 0;
    if ((cs = begin(s, err)) == CHAIN_OK) {
        chain_block_meta again;
        ms = get_meta(&again, err, s, b->post_hash);
        if (ms == CHAIN_OK && again.verdict != CHAIN_VERDICT_ORPHAN &&
            (again.verdict == CHAIN_VERDICT_VALID || same_digest(s, b->post_hash, digest))) { /* stored meanwhile */
            rollback(s);
            free(json);
            pouw_ledger_clear(&before);
            res->verdict = again.verdict;
            *reason = again.reason;
            if (again.verdict == CHAIN_VERDICT_VALID)
                return CHAIN_OK;
            return serr(err, CHAIN_EINVALID, "", "", "%s", "the block is known and was rejected");
        }
        if (v == CHAIN_VERDICT_ORPHAN) {
            /* its parent may have been stored since it was looked up (another process
             * added it and connected its orphans before this one was inserted): then
             * the block is judged again on that parent, never left an orphan that
             * nothing connects */
            chain_block_meta pnow;
            if (get_meta(&pnow, NULL, s, b->header.prev_hash) == CHAIN_OK && pnow.verdict != CHAIN_VERDICT_ORPHAN) {
                rollback(s);
                free(json);
                pouw_ledger_clear(&before);
                *again_please = 1;
                return CHAIN_OK;
            }
        }
        cs = insert_block(s, err, b, v, v == CHAIN_VERDICT_INVALID ? r : POUW_R_OK,
                          v == CHAIN_VERDICT_VALID ? w : NULL, v == CHAIN_VERDICT_VALID ? cum : NULL, json, jlen,
                          digest);
        if (cs == CHAIN_OK && v == CHAIN_VERDICT_VALID)
            cs = insert_diff(s, err, b->post_hash, &before, &b->ledger);
        if (cs == CHAIN_OK && v == CHAIN_VERDICT_VALID) {
            chain_block_meta m;
            if ((cs = get_meta(&m, err, s, b->post_hash)) == CHAIN_OK)
                cs = fork_choice(s, err, &m, 0, &moved, &mv);
        }
        if (cs == CHAIN_OK && v == CHAIN_VERDICT_ORPHAN)
            cs = bound_orphans(s, err);
        if (cs == CHAIN_OK)
            cs = commit(s, err);
        else
            rollback(s);
    }
    free(json);
    pouw_ledger_clear(&before);
    if (cs != CHAIN_OK)
        return cs;
    res->stored = 1;
    res->verdict = v;
    *reason = v == CHAIN_VERDICT_INVALID ? r : POUW_R_OK;
    if (moved)
        tip_told(s, res, &mv);
    if (v == CHAIN_VERDICT_VALID) {
        uint8_t t[32];
        int have;
        uint64_t th;
        if (read_tip(s, NULL, &have, t, &th) == CHAIN_OK && have)
            res->best = memcmp(t, b->post_hash, 32) == 0;
        return CHAIN_OK;
    }
    if (v == CHAIN_VERDICT_ORPHAN) {
        char hex[17];
        hex8(hex, b->header.prev_hash);
        common_error_set(err, CHAIN_EORPHAN, "", "header.prev_hash", "parent %s... is not known yet: kept as an orphan",
                         hex);
        return CHAIN_EORPHAN;
    }
    if (err && !err->code)
        common_error_set(err, CHAIN_EINVALID, "", "", "rejected (%s)", pouw_reason_name(r));
    if (err)
        err->code = CHAIN_EINVALID;
    return CHAIN_EINVALID;
}

/* Orphans waiting for `parent`, oldest first (at most 64 ids). */
static size_t orphans_of(chain_store *s, const uint8_t parent[32], uint8_t ids[][32], size_t max)
{
    sqlite3_stmt *st;
    size_t n = 0;
    if (prep(s, &st, "SELECT id FROM blocks WHERE chain=?1 AND prev=?2 AND verdict=?3 ORDER BY seen") != SQLITE_OK)
        return 0;
    bind_chain(s, st, 1);
    sqlite3_bind_blob(st, 2, parent, 32, SQLITE_STATIC);
    sqlite3_bind_int(st, 3, CHAIN_VERDICT_ORPHAN);
    while (n < max && sqlite3_step(st) == SQLITE_ROW)
        col_blob32(ids[n++], st, 0);
    sqlite3_finalize(st);
    return n;
}

/* After block id was stored VALID: its orphans (and theirs) are judged now. */
static void connect_orphans(chain_store *s, chain_store_add_result *res, const uint8_t id[32])
{
    uint8_t(*queue)[32] = malloc(CHAIN_STORE_MAX_ORPHANS * 32);
    if (!queue)
        return;
    size_t head = 0, tail = 0;
    memcpy(queue[tail++], id, 32);
    pouw_block b;
    pouw_block_init(&b);
    while (head < tail) {
        uint8_t kids[64][32];
        size_t nk = orphans_of(s, queue[head++], kids, 64);
        for (size_t k = 0; k < nk; k++) {
            char *doc;
            size_t len;
            common_error e;
            if (get_doc(&doc, &len, &e, s, kids[k]) != CHAIN_OK)
                continue;
            chain_store_add_result r;
            memset(&r, 0, sizeof r);
            pouw_reason why;
            /* an orphan row is re-judged: add_one sees it as not yet judged */
            int again; /* its parent is stored VALID: never asked */
            chain_status cs = add_one(s, &r, &why, &e, doc, len, &b, &again);
            free(doc);
            if (cs == CHAIN_OK && r.verdict == CHAIN_VERDICT_VALID) {
                res->connected++;
                if (r.moved) {
                    res->moved = 1;
                    res->move = r.move;
                }
                if (tail < CHAIN_STORE_MAX_ORPHANS)
                    memcpy(queue[tail++], kids[k], 32);
            } else if (cs == CHAIN_EINVALID) {
                notice(s, &e);
            }
            pouw_block_clear(&b);
        }
    }
    free(queue);
}

chain_status chain_store_add_doc(chain_store *s, chain_store_add_result *res, pouw_reason *reason,
                                 common_error *err, const char *doc, size_t len)
{
    assert(s && doc);
    chain_store_add_result r0;
    if (!res)
        res = &r0;
    memset(res, 0, sizeof *res);
    pouw_reason r1;
    if (!reason)
        reason = &r1;
    *reason = POUW_R_OK;
    common_error_clear(err);
    pouw_block b;
    pouw_block_init(&b);
    chain_status cs;
    for (int round = 0;; round++) {
        int again = 0;
        cs = add_one(s, res, reason, err, doc, len, &b, &again);
        if (!again)
            break;
        /* the parent came meanwhile (it never goes away again): at most once more */
        pouw_block_clear(&b);
        pouw_block_init(&b);
        memset(res, 0, sizeof *res);
        *reason = POUW_R_OK;
        common_error_clear(err);
        if (round == 3) {
            cs = serr(err, CHAIN_EBUSY, s->path, "", "%s", "the block's parent kept changing; try again");
            break;
        }
    }
    if (cs == CHAIN_OK && res->stored && res->verdict == CHAIN_VERDICT_VALID) {
        int was = res->moved;
        chain_tip_move keep = res->move;
        connect_orphans(s, res, b.post_hash);
        if (!res->moved && was) {
            res->moved = 1;
            res->move = keep;
        }
        uint8_t t[32];
        int have;
        uint64_t th;
        if (read_tip(s, NULL, &have, t, &th) == CHAIN_OK && have) {
            res->best = memcmp(t, b.post_hash, 32) == 0;
            memcpy(s->tip, t, 32);
            s->tip_h = th;
        }
    }
    pouw_block_clear(&b);
    s->data_version = data_version(s);
    return cs;
}

chain_status chain_store_add(chain_store *s, chain_store_add_result *res, pouw_reason *reason, common_error *err,
                             const pouw_block *b)
{
    assert(s && b);
    char *json = NULL;
    size_t len = 0;
    pouw_status ps = pouw_block_to_json(&json, &len, b);
    if (ps != POUW_OK) {
        if (res)
            memset(res, 0, sizeof *res);
        return serr(err, ps == POUW_ENOMEM ? CHAIN_ENOMEM : CHAIN_EMALFORMED, s->path, "", "%s",
                    "cannot encode the block");
    }
    chain_status cs = chain_store_add_doc(s, res, reason, err, json, len);
    free(json);
    return cs;
}

chain_status chain_store_prefer_tip(chain_store *s, chain_store_add_result *res, common_error *err,
                                    const uint8_t id32[32])
{
    assert(s && id32);
    chain_store_add_result r0;
    if (!res)
        res = &r0;
    memset(res, 0, sizeof *res);
    common_error_clear(err);
    if (!s->o.verify)
        return serr(err, CHAIN_EPARAMS, s->path, "", "%s", "this store was opened without a verifier");
    chain_status cs = begin(s, err);
    if (cs != CHAIN_OK)
        return cs;
    chain_block_meta m;
    int moved = 0;
    chain_tip_move mv;
    memset(&mv, 0, sizeof mv);
    cs = get_meta(&m, err, s, id32);
    if (cs == CHAIN_EUNKNOWN)
        serr(err, cs, s->path, "id", "%s", "no such block in the store");
    else if (cs == CHAIN_OK && m.verdict != CHAIN_VERDICT_VALID)
        cs = serr(err, m.verdict == CHAIN_VERDICT_INVALID ? CHAIN_EINVALID : CHAIN_EORPHAN, s->path, "id", "%s",
                  m.verdict == CHAIN_VERDICT_INVALID ? "the block is invalid" : "the block is an orphan");
    if (cs == CHAIN_OK) {
        res->verdict = CHAIN_VERDICT_VALID;
        cs = fork_choice(s, err, &m, 1, &moved, &mv);
    }
    if (cs == CHAIN_OK)
        cs = commit(s, err);
    else
        rollback(s);
    if (cs != CHAIN_OK)
        return cs;
    if (moved) {
        tip_told(s, res, &mv);
    } else if (chain_store_refresh(s, NULL, NULL) != CHAIN_OK) {
        /* the tip this value knew stays: nothing moved here */
    }
    res->best = memcmp(s->tip, id32, 32) == 0;
    s->data_version = data_version(s);
    return CHAIN_OK;
}

/* ---------------------------------------------------------------- verify all, export */

typedef struct idlist {
    uint8_t (*id)[32];
    size_t n, cap;
} idlist;

static int collect(void *user, const chain_block_meta *m)
{
    idlist *l = user;
    if (l->n == l->cap) {
        size_t nc = l->cap ? 2 * l->cap : 256;
        void *nb = realloc(l->id, nc * 32);
        if (!nb)
            return 1;
        l->id = nb;
        l->cap = nc;
    }
    memcpy(l->id[l->n++], m->id, 32);
    return 0;
}

chain_status chain_store_verify_all(uint64_t *n_checked, uint64_t *n_bad, common_error *err, chain_store *s)
{
    assert(n_checked && n_bad && s);
    *n_checked = *n_bad = 0;
    common_error_clear(err);
    idlist l = {0};
    chain_status cs = chain_store_each(s, err, collect, &l);
    if (cs == CHAIN_ESTOPPED)
        cs = oom(s, err);
    pouw_block b;
    pouw_block_init(&b);
    for (size_t i = 0; cs == CHAIN_OK && i < l.n; i++) {
        if (s->o.cancel && s->o.cancel(s->o.cancel_user)) {
            cs = serr(err, CHAIN_ESTOPPED, s->path, "", "%s", "stopped while verifying the stored blocks");
            break;
        }
        chain_block_meta m;
        if ((cs = get_meta(&m, err, s, l.id[i])) != CHAIN_OK)
            break;
        if (m.verdict == CHAIN_VERDICT_ORPHAN)
            continue;
        char *doc;
        size_t len;
        common_error e;
        common_error_clear(&e);
        if (get_doc(&doc, &len, &e, s, m.id) != CHAIN_OK)
            continue; /* an INVALID block without a document */
        /* the stored document lacks the ledger: give it back before judging */
        pouw_block full;
        pouw_block_init(&full);
        chain_status vs = chain_store_block(&full, &e, s, m.id);
        char *fj = NULL;
        size_t fl = 0;
        if (vs == CHAIN_OK && pouw_block_to_json(&fj, &fl, &full) != POUW_OK)
            vs = CHAIN_ENOMEM;
        pouw_block_clear(&full);
        free(doc);
        pouw_reason r = POUW_R_OK;
        if (vs == CHAIN_OK)
            vs = s->o.precheck ? s->o.precheck(s->o.precheck_user, &b, &r, &e, s->p, fj, fl)
                               : default_precheck(&b, &e, s, fj, fl);
        free(fj);
        if (vs == CHAIN_OK) {
            chain_block_meta par;
            int genesis = m.height == 0;
            if (!genesis && (get_meta(&par, &e, s, m.prev) != CHAIN_OK || par.verdict != CHAIN_VERDICT_VALID ||
                             par.height + 1 != m.height)) {
                vs = CHAIN_EINVALID;
                r = POUW_R_UNKNOWN_PARENT;
                common_error_set(&e, CHAIN_EINVALID, "", "header.prev_hash", "%s", "the parent is not a valid block");
            } else if (s->o.verify) {
                vs = s->o.verify(s->o.verify_user, &r, &e, s, &b);
            }
        }
        pouw_block_clear(&b);
        (*n_checked)++;
        if (s->o.progress)
            s->o.progress(s->o.progress_user, i + 1, l.n);
        int ok_now = vs == CHAIN_OK, was_ok = m.verdict == CHAIN_VERDICT_VALID;
        if (vs == CHAIN_ENOMEM) {
            cs = oom(s, err);
            break;
        }
        if (ok_now != was_ok) {
            (*n_bad)++;
            char hex[65], msg[sizeof e.msg];
            pouw_hex_encode(hex, m.id, 32);
            snprintf(msg, sizeof msg, "block %" PRIu64 " %s: stored %s, now %s (%s)", m.height, hex,
                     was_ok ? "valid" : "invalid", ok_now ? "valid" : "rejected", e.msg);
            common_error_set(&e, CHAIN_EINVALID, s->path, e.field, "%s", msg);
            notice(s, &e);
            if (err && !err->code)
                *err = e;
        }
    }
    free(l.id);
    if (cs == CHAIN_OK && err)
        err->code = 0;
    return cs;
}

chain_status chain_store_export(uint64_t *n, common_error *err, chain_store *s, const char *outdir)
{
    assert(n && s && outdir);
    *n = 0;
    common_error_clear(err);
    if (mkdir(outdir, 0755) != 0 && errno != EEXIST)
        return serr(err, CHAIN_EIO, outdir, "", "cannot create folder: %s", strerror(errno));
    idlist l = {0};
    chain_status cs = chain_store_each(s, err, collect, &l);
    pouw_block b;
    pouw_block_init(&b);
    for (size_t i = 0; cs == CHAIN_OK && i < l.n; i++) {
        chain_block_meta m;
        if ((cs = get_meta(&m, err, s, l.id[i])) != CHAIN_OK || m.verdict != CHAIN_VERDICT_VALID)
            continue;
        if ((cs = chain_store_block(&b, err, s, m.id)) != CHAIN_OK)
            break;
        char hex[POUW_SHA256_HEX], path[CHAIN_PATH_MAX + 128];
        pouw_hex_encode(hex, m.id, 32);
        char *json = NULL;
        size_t len = 0;
        if (pouw_block_to_json(&json, &len, &b) != POUW_OK) {
            cs = oom(s, err);
            break;
        }
        snprintf(path, sizeof path, "%s/%08" PRIu64 "-%s.json", outdir, m.height, hex);
        if (common_file_write(err, path, json, len, 0644, 0) != COMMON_FILE_OK)
            cs = CHAIN_EIO;
        free(json);
        common_buf lb = {0};
        common_buf_printf(&lb, "{\"block\": \"%s\", \"height\": %" PRIu64 ", \"ledger\": [", hex, m.height);
        for (size_t k = 0; k < b.ledger.n; k++) {
            char ah[POUW_SHA256_HEX];
            pouw_hex_encode(ah, b.ledger.e[k].account, 32);
            common_buf_printf(&lb, "%s\n  {\"account\": \"%s\", \"balance\": %" PRId64 ", \"sequence\": %" PRIu64 "}",
                              k ? "," : "", ah, b.ledger.e[k].balance, b.ledger.e[k].sequence);
        }
        common_buf_printf(&lb, "]}\n");
        snprintf(path, sizeof path, "%s/%08" PRIu64 "-%s.ledger.json", outdir, m.height, hex);
        if (cs == CHAIN_OK && lb.oom)
            cs = oom(s, err);
        else if (cs == CHAIN_OK && common_file_write(err, path, lb.data, lb.len, 0644, 0) != COMMON_FILE_OK)
            cs = CHAIN_EIO;
        common_buf_free(&lb);
        if (err && cs == CHAIN_EIO)
            err->code = cs;
        pouw_block_clear(&b);
        if (cs == CHAIN_OK)
            (*n)++;
    }
    free(l.id);
    return cs;
}

/* ---------------------------------------------------------------- the mempool */

/* Every pending transfer of the chain (optionally of one sender), unsorted. */
static chain_status pending(entry **out, size_t *n, common_error *err, chain_store *s, const uint8_t *sender)
{
    *out = NULL;
    *n = 0;
    sqlite3_stmt *st;
    int rc = prep(s, &st, sender ? "SELECT id, doc FROM mempool WHERE chain=?1 AND sender=?2 ORDER BY id"
                                 : "SELECT id, doc FROM mempool WHERE chain=?1 ORDER BY id");
    if (rc != SQLITE_OK)
        return dberr(s, err, rc, "mempool");
    bind_chain(s, st, 1);
    if (sender)
        sqlite3_bind_blob(st, 2, sender, 32, SQLITE_STATIC);
    size_t cap = 0;
    chain_status cs = CHAIN_OK;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        if (*n == cap) {
            cap = cap ? 2 * cap : 64;
            entry *ne = realloc(*out, cap * sizeof *ne);
            if (!ne) {
                cs = oom(s, err);
                break;
            }
            *out = ne;
        }
        entry *e = &(*out)[*n];
        col_blob32(e->id, st, 0);
        if (pouw_tx_parse(&e->tx, NULL, s->path, sqlite3_column_blob(st, 1), (size_t)sqlite3_column_bytes(st, 1)) ==
            POUW_OK)
            (*n)++;
    }
    if (cs == CHAIN_OK && rc != SQLITE_DONE)
        cs = dberr(s, err, rc, "mempool");
    sqlite3_finalize(st);
    if (cs != CHAIN_OK) {
        free(*out);
        *out = NULL;
        *n = 0;
    }
    return cs;
}

/* Order: sender, sequence, fee (highest first), id. */
static int by_sender(const void *pa, const void *pb)
{
    const entry *a = pa, *b = pb;
    int c = memcmp(a->tx.from, b->tx.from, 32);
    if (c)
        return c;
    if (a->tx.sequence != b->tx.sequence)
        return a->tx.sequence < b->tx.sequence ? -1 : 1;
    if (a->tx.fee != b->tx.fee)
        return a->tx.fee > b->tx.fee ? -1 : 1;
    return memcmp(a->id, b->id, 32);
}

/* Refuses tx with the reason of status st (err: field and "reason: detail"); l
 * and rules (may be NULL) are the ledger and rules it was checked against. */
static chain_status refuse(chain_store *s, common_error *err, pouw_status st, const pouw_tx *tx, const pouw_ledger *l,
                           const pouw_ledger_rules *rules, pouw_reason *reason)
{
    char x[POUW_AMOUNT_TEXT_MAX], y[POUW_AMOUNT_TEXT_MAX], z[POUW_AMOUNT_TEXT_MAX];
    pouw_reason r = pouw_reason_of_transfer(st);
    if (r == POUW_R_OK)
        r = POUW_R_TX;
    *reason = r;
    const char *name = pouw_reason_name(r);
    const char *path = s->path;
    uint32_t chain_id = s->p->chain_id;
    switch (st) {
    case POUW_EBADSIG:
        common_error_set(err, CHAIN_EINVALID, path, "signature", "%s: the signature is not the sender's over this "
                         "transfer", name);
        break;
    case POUW_ECHAIN:
        common_error_set(err, CHAIN_EINVALID, path, "chain_id", "%s: a transfer signed for chain %" PRIu32
                         ", this is chain %" PRIu32, name, tx->chain_id, chain_id);
        break;
    case POUW_ESEQUENCE: {
        uint64_t next = l ? pouw_ledger_sequence(l, tx->from) : 0;
        if (tx->sequence < next)
            common_error_set(err, CHAIN_EINVALID, path, "sequence", "%s: sequence %" PRIu64
                             " is already used (the sender's next is %" PRIu64 "): a replay", name, tx->sequence, next);
        else
            common_error_set(err, CHAIN_EINVALID, path, "sequence", "%s: sequence %" PRIu64
                             ", but the sender's next is %" PRIu64 " and no pending transfer fills the gap", name,
                             tx->sequence, next);
        break;
    }
    case POUW_EFUNDS:
        common_error_set(err, CHAIN_EINVALID, path, "amount", "%s: amount %s + fee %s exceeds the sender's balance %s",
                         name, pouw_amount_format(x, tx->amount), pouw_amount_format(y, tx->fee),
                         pouw_amount_format(z, l ? pouw_ledger_balance(l, tx->from) : 0));
        break;
    case POUW_EIMMATURE:
        common_error_set(err, CHAIN_EINVALID, path, "amount", "%s: amount %s + fee %s spends immature coins: the "
                         "sender may spend %s now (the reward and fees of a block are spendable %" PRIu32
                         " blocks later)", name, pouw_amount_format(x, tx->amount), pouw_amount_format(y, tx->fee),
                         pouw_amount_format(z, l ? pouw_ledger_spendable(l, tx->from, rules) : 0), s->p->maturity);
        break;
    case POUW_ENEWACCOUNT: {
        char to[17];
        pouw_hex_encode(to, tx->to, 8);
        common_error_set(err, CHAIN_EINVALID, path, "amount", "%s: amount %s would create the account %s...: a "
                         "transfer creating an account carries at least %s (min_new_account)", name,
                         pouw_amount_format(x, tx->amount), to, pouw_amount_format(y, s->p->min_new_account));
        break;
    }
    case POUW_ERANGE:
        common_error_set(err, CHAIN_EINVALID, path,
                         tx->fee > POUW_AMOUNT_MAX && tx->amount <= POUW_AMOUNT_MAX ? "fee"
                         : tx->amount > POUW_AMOUNT_MAX || tx->fee > POUW_AMOUNT_MAX - tx->amount ? "amount"
                                                                                                   : "sequence",
                         "%s: amount %" PRId64 ", fee %" PRId64 " (units) or sequence %" PRIu64
                         " would take a sum, a balance or a sequence beyond %" PRId64, name, tx->amount, tx->fee,
                         tx->sequence, POUW_AMOUNT_MAX);
        break;
    default:
        common_error_set(err, CHAIN_EINVALID, path,
                         tx->type != POUW_TX_TRANSFER ? "type" : tx->amount < 1 ? "amount" : "fee", "%s: %s", name,
                         tx->type != POUW_TX_TRANSFER ? "only signed transfers enter the mempool"
                                                      : "a transfer moves at least 1 unit (0.000001 coin) and pays "
                                                        "a fee of at least 0");
        break;
    }
    return CHAIN_EINVALID;
}

/* Inside a transaction: the sender's next sequence after its pending chain, and
 * the ledger l (a copy of tip) with those pending transfers applied. *next_out is
 * the first sequence without a usable pending transfer. Stops at `upto`. */
static chain_status walk_pending(chain_store *s, common_error *err, pouw_ledger *l, const pouw_ledger_rules *r,
                                 const uint8_t from[32], uint64_t upto, const uint8_t *skip_id, uint64_t *next_out)
{
    entry *es = NULL;
    size_t m = 0;
    chain_status cs = pending(&es, &m, err, s, from);
    if (cs != CHAIN_OK)
        return cs;
    if (m > 1)
        qsort(es, m, sizeof *es, by_sender);
    uint64_t next = pouw_ledger_sequence(l, from);
    size_t k = 0;
    while (next < upto) {
        while (k < m && es[k].tx.sequence < next)
            k++;
        int done = 0;
        for (; k < m && es[k].tx.sequence == next && !done; k++) {
            if (skip_id && memcmp(es[k].id, skip_id, 32) == 0)
                continue;
            done = pouw_ledger_apply_tx(l, &es[k].tx, s->p->chain_id, NULL, r) == POUW_OK;
        }
        if (!done)
            break;
        next++;
    }
    free(es);
    *next_out = next;
    return CHAIN_OK;
}

static chain_status count_pending(chain_store *s, common_error *err, uint64_t *n)
{
    sqlite3_stmt *st;
    int rc = prep(s, &st, "SELECT count(*) FROM mempool WHERE chain=?1");
    if (rc != SQLITE_OK)
        return dberr(s, err, rc, "mempool");
    bind_chain(s, st, 1);
    rc = sqlite3_step(st);
    *n = rc == SQLITE_ROW ? (uint64_t)sqlite3_column_int64(st, 0) : 0;
    sqlite3_finalize(st);
    return rc == SQLITE_ROW ? CHAIN_OK : dberr(s, err, rc, "mempool");
}

/* The body of tx_add and send, inside the writer transaction. When key is not
 * NULL, tx's sequence is chosen and it is signed here. */
static chain_status tx_add_locked(chain_store *s, pouw_reason *reason, common_error *err, pouw_tx *tx,
                                  const pouw_key *key)
{
    pouw_ledger l = {0}, im = {0};
    pouw_ledger_rules r;
    chain_status cs = chain_store_ledger(&l, err, s, s->tip);
    if (cs == CHAIN_OK)
        cs = chain_store_rules(&r, &im, err, s, s->tip); /* the next block's: height tip + 1 */
    if (cs != CHAIN_OK) {
        pouw_ledger_clear(&l);
        return cs;
    }
    uint64_t next;
    if (key) {
        if ((cs = walk_pending(s, err, &l, &r, tx->from, POUW_SEQUENCE_MAX, NULL, &next)) == CHAIN_OK) {
            tx->sequence = next;
            if (pouw_tx_sign(key, tx) != POUW_OK)
                cs = serr(err, CHAIN_EINVALID, s->path, "signature", "%s", "cannot sign the transfer");
        }
    } else {
        uint64_t first = pouw_ledger_sequence(&l, tx->from);
        if (tx->sequence < first) {
            cs = refuse(s, err, POUW_ESEQUENCE, tx, &l, &r, reason);
        } else {
            uint8_t id[32];
            if (pouw_tx_id(id, tx) != POUW_OK)
                memset(id, 0, 32);
            if ((cs = walk_pending(s, err, &l, &r, tx->from, tx->sequence, id, &next)) == CHAIN_OK &&
                next != tx->sequence)
                cs = refuse(s, err, POUW_ESEQUENCE, tx, &l, &r, reason);
        }
    }
    if (cs == CHAIN_OK) {
        pouw_status st = pouw_ledger_check_tx(&l, tx, s->p->chain_id, NULL, &r);
        if (st == POUW_ENOMEM)
            cs = oom(s, err);
        else if (st != POUW_OK)
            cs = refuse(s, err, st, tx, &l, &r, reason);
    }
    uint64_t np = 0;
    if (cs == CHAIN_OK && (cs = count_pending(s, err, &np)) == CHAIN_OK && np >= CHAIN_STORE_MAX_TXS)
        cs = serr(err, CHAIN_EBUSY, s->path, "mempool", "%s", "the mempool is full; try again after the next block");
    if (cs == CHAIN_OK)
        cs = mempool_put(s, err, tx);
    pouw_ledger_clear(&l);
    pouw_ledger_clear(&im);
    return cs;
}

static chain_status tx_add_common(chain_store *s, pouw_reason *reason, common_error *err, pouw_tx *tx,
                                  const pouw_key *key)
{
    pouw_reason r0;
    if (!reason)
        reason = &r0;
    *reason = POUW_R_OK;
    common_error_clear(err);
    if (!key) {
        pouw_status st = pouw_tx_check(tx, s->p->chain_id);
        if (st != POUW_OK)
            return st == POUW_ENOMEM ? oom(s, err) : refuse(s, err, st, tx, NULL, NULL, reason);
    }
    chain_status cs = begin(s, err);
    if (cs != CHAIN_OK)
        return cs;
    if ((cs = chain_store_refresh(s, err, NULL)) == CHAIN_OK)
        cs = tx_add_locked(s, reason, err, tx, key);
    if (cs == CHAIN_OK)
        return commit(s, err);
    rollback(s);
    return cs;
}

chain_status chain_store_tx_add(chain_store *s, pouw_reason *reason, common_error *err, const pouw_tx *tx)
{
    assert(s && tx);
    pouw_tx t = *tx;
    return tx_add_common(s, reason, err, &t, NULL);
}

chain_status chain_store_send(chain_store *s, pouw_tx *tx, pouw_reason *reason, common_error *err,
                              const pouw_key *key, const uint8_t to[POUW_ACCOUNT_BYTES], int64_t amount, int64_t fee)
{
    assert(s && tx && key && to);
    uint8_t from[32];
    pouw_key_public(from, key);
    *tx = pouw_tx_transfer(s->p->chain_id, from, to, amount, 0, fee);
    pouw_reason r0;
    if (!reason)
        reason = &r0;
    *reason = POUW_R_OK;
    /* what can be checked without the sequence */
    pouw_tx probe = *tx;
    if (pouw_tx_sign(key, &probe) != POUW_OK)
        return serr(err, CHAIN_EINVALID, s->path, "signature", "%s", "cannot sign the transfer");
    pouw_status st = pouw_tx_check(&probe, s->p->chain_id);
    if (st != POUW_OK)
        return st == POUW_ENOMEM ? oom(s, err) : refuse(s, err, st, &probe, NULL, NULL, reason);
    return tx_add_common(s, reason, err, tx, key);
}

chain_status chain_store_tx_list(pouw_tx **txs, size_t *n, common_error *err, chain_store *s)
{
    assert(txs && n && s);
    *txs = NULL;
    *n = 0;
    common_error_clear(err);
    entry *es;
    size_t m;
    chain_status cs = pending(&es, &m, err, s, NULL);
    if (cs != CHAIN_OK || m == 0) {
        free(es);
        return cs;
    }
    pouw_tx *out = malloc(m * sizeof *out);
    if (!out) {
        free(es);
        return oom(s, err);
    }
    for (size_t i = 0; i < m; i++)
        out[i] = es[i].tx;
    free(es);
    *txs = out;
    *n = m;
    return CHAIN_OK;
}

chain_status chain_store_tx_next_sequence(uint64_t *seq, common_error *err, chain_store *s,
                                          const uint8_t from[POUW_ACCOUNT_BYTES])
{
    assert(seq && s && from);
    *seq = 0;
    common_error_clear(err);
    pouw_ledger l = {0}, im = {0};
    pouw_ledger_rules r;
    chain_status cs = chain_store_ledger(&l, err, s, s->tip);
    if (cs == CHAIN_OK)
        cs = chain_store_rules(&r, &im, err, s, s->tip);
    if (cs == CHAIN_OK)
        cs = walk_pending(s, err, &l, &r, from, POUW_SEQUENCE_MAX, NULL, seq);
    pouw_ledger_clear(&l);
    pouw_ledger_clear(&im);
    return cs;
}

/* A sender's transfers in the selection: entries [start, end) of the sorted
 * list, a cursor at the first not yet passed, and its current candidate. */
typedef struct group {
    size_t start, end, cur;
    long cand; /* index of the candidate, -1 none */
    int dirty;
} group;

static long candidate(group *g, const entry *es, const pouw_ledger *l, const pouw_ledger_rules *r)
{
    uint64_t next = pouw_ledger_sequence(l, es[g->start].tx.from);
    while (g->cur < g->end && es[g->cur].tx.sequence < next)
        g->cur++;
    for (size_t k = g->cur; k < g->end && es[k].tx.sequence == next; k++)
        if (pouw_ledger_check_spend(l, &es[k].tx, NULL, r) == POUW_OK)
            return (long)k;
    return -1;
}

chain_status chain_store_tx_select(pouw_tx **txs, size_t *n, common_error *err, chain_store *s,
                                   const pouw_ledger *tip_ledger, const pouw_ledger_rules *rules, size_t max)
{
    assert(txs && n && s && tip_ledger);
    *txs = NULL;
    *n = 0;
    common_error_clear(err);
    entry *es = NULL;
    size_t m = 0;
    chain_status cs = pending(&es, &m, err, s, NULL);
    if (cs != CHAIN_OK)
        return cs;
    /* signatures checked once (a row is only ever a checked transfer, but the
     * database is a file: trust nothing) */
    size_t k0 = 0;
    for (size_t i = 0; i < m; i++)
        if (pouw_tx_check(&es[i].tx, s->p->chain_id) == POUW_OK)
            es[k0++] = es[i];
    m = k0;
    if (m == 0 || max == 0) {
        free(es);
        return CHAIN_OK;
    }
    qsort(es, m, sizeof *es, by_sender);
    group *gs = malloc(m * sizeof *gs);
    pouw_tx *out = malloc((max < m ? max : m) * sizeof *out);
    pouw_ledger l = {0};
    size_t ng = 0, k = 0;
    pouw_status st = gs && out ? pouw_ledger_copy(&l, tip_ledger) : POUW_ENOMEM;
    while (st == POUW_OK && k < m) {
        size_t e = k + 1;
        while (e < m && memcmp(es[e].tx.from, es[k].tx.from, 32) == 0)
            e++;
        gs[ng++] = (group){k, e, k, -1, 1};
        k = e;
    }
    size_t chosen = 0;
    while (st == POUW_OK && chosen < max) {
        long best = -1;
        size_t bg = 0;
        for (size_t g = 0; g < ng; g++) {
            if (gs[g].dirty) {
                gs[g].cand = candidate(&gs[g], es, &l, rules);
                gs[g].dirty = 0;
            }
            long c = gs[g].cand;
            if (c >= 0 && (best < 0 || es[c].tx.fee > es[best].tx.fee ||
                           (es[c].tx.fee == es[best].tx.fee && memcmp(es[c].id, es[best].id, 32) < 0))) {
                best = c;
                bg = g;
            }
        }
        if (best < 0)
            break;
        const pouw_tx *t = &es[best].tx;
        st = pouw_ledger_apply_tx(&l, t, s->p->chain_id, NULL, rules);
        if (st != POUW_OK && st != POUW_ENOMEM) {
            gs[bg].cand = -1;
            st = POUW_OK;
            continue;
        }
        if (st != POUW_OK)
            break;
        out[chosen++] = *t;
        gs[bg].dirty = 1;
        gs[bg].cur = (size_t)best + 1;
        for (size_t g = 0; g < ng; g++)
            if (memcmp(es[gs[g].start].tx.from, t->to, 32) == 0)
                gs[g].dirty = 1;
    }
    pouw_ledger_clear(&l);
    free(gs);
    free(es);
    if (st != POUW_OK) {
        free(out);
        return oom(s, err);
    }
    if (chosen == 0) {
        free(out);
        out = NULL;
    }
    *txs = out;
    *n = chosen;
    return CHAIN_OK;
}
