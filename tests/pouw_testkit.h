/* tests/pouw_testkit.h - the tiny test-only chain and helpers shared by the pouw and
 * chain test suites (header-only: static inline, so unused helpers cost nothing).
 *
 * The test chain "tiny" (chain_id 7) runs 60-second sessions (a few milliseconds
 * each), two per attempt, with an easy pre-hash target (about 1 nonce in 2 passes)
 * and a threshold of 12 PPS, which about 70% of attempts reach; blocks are mined
 * with a fixed clock, so every test run mines the same blocks. */
#ifndef POUW_TESTKIT_H
#define POUW_TESTKIT_H

#include <criterion/criterion.h>

#include <sqlite3.h>

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "chain/miner.h"
#include "chain/validate.h"
#include "chain/params.h"
#include "chain/store.h"
#include "pouw/block.h"
#include "pouw/keys.h"
#include "pouw/verify.h"

#define TK_GENESIS_MS 1735689600000ull
#define TK_THRESHOLD 12000000
#define TK_EASY_BITS 0x207fffffu
#define TK_NOW_MS (TK_GENESIS_MS + 86400000ull) /* the verifiers' clock in tests */

static inline chain_params tk_params(void)
{
    chain_params p;
    memset(&p, 0, sizeof p);
    p.chain_id = 7;
    snprintf(p.name, sizeof p.name, "tiny");
    snprintf(p.coin, sizeof p.coin, "TinyCoin");
    p.target_interval_s = 60;
    p.retarget_window = 10;
    p.clamp_num = 2; /* a test chain's clamp (params.h) */
    p.clamp_den = 1;
    p.limits.max_block_bytes = 1u << 20;
    p.limits.max_block_txs = 2048;
    p.maturity = 2;
    p.min_new_account = 1;
    p.reward = 1000;
    p.tmpl.duration = 60.0;
    p.tmpl.interval = 10.0;
    p.tmpl.timemode = BSE_TIME_PERIODIC;
    p.genesis_req.prehash_bits = TK_EASY_BITS;
    p.genesis_req.pps_threshold_micro = TK_THRESHOLD;
    p.genesis_req.mode = POUW_MODE_PPS;
    p.genesis_req.post_bits = 0;
    p.genesis_req.sessions = 2;
    p.max_future_ms = 10u * 60u * 1000u / 4u; /* G/4 (s11.5) */
    p.genesis_time_ms = TK_GENESIS_MS;
    return p;
}

/* Redoes m's pre-hash after a header edit, with the next nonce that passes the
 * gate (a forger's cheap step), so that the check behind the pre-hash is reached. */
static inline void tk_redo_prehash(pouw_block *m)
{
    uint64_t nonce;
    cr_assert_eq(pouw_prehash_search(&nonce, m->pre_hash, &m->header, m->header.nonce + 1, 100000), POUW_OK);
    m->header.nonce = nonce;
}

/* A fresh folder under /tmp; the caller removes it with tk_rmrf. */
static inline void tk_tmpdir(char out[256])
{
    snprintf(out, 256, "/tmp/pouw_test_XXXXXX");
    cr_assert_not_null(mkdtemp(out), "mkdtemp");
}

static inline void tk_rmrf(const char *path)
{
    struct stat st;
    if (lstat(path, &st) != 0)
        return;
    if (S_ISDIR(st.st_mode)) {
        DIR *d = opendir(path);
        struct dirent *de;
        while (d && (de = readdir(d)) != NULL) {
            if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
                continue;
            char sub[1024];
            snprintf(sub, sizeof sub, "%s/%s", path, de->d_name);
            tk_rmrf(sub);
        }
        if (d)
            closedir(d);
        rmdir(path);
    } else {
        unlink(path);
    }
}

/* A key from a one-byte seed pattern. */
static inline void tk_key(pouw_key *k, uint8_t seed_byte)
{
    uint8_t seed[32];
    memset(seed, seed_byte, sizeof seed);
    cr_assert_eq(pouw_key_from_seed(k, seed), POUW_OK);
}

/* Mines the next block of s for miner (fixed clock: the median time past + 1). */
static inline void tk_mine(chain_store *s, pouw_block *b, const uint8_t miner[32])
{
    chain_mine_opts mo;
    memset(&mo, 0, sizeof mo);
    mo.threads = 2;
    mo.max_attempts = 1000;
    common_error err;
    pouw_mine_stats st;
    chain_status cs = chain_mine_block(b, &st, &err, s, miner, &mo);
    cr_assert_eq(cs, CHAIN_OK, "mining failed: %s: %s", err.field, err.msg);
}

/* The tests' v1 verifier: two threads, no clock (no future-time rule). */
static inline chain_v1_verifier *tk_v1(void)
{
    static chain_v1_verifier v = {2, NULL, NULL};
    return &v;
}

/* Opens (creating) the chain of p in dir (DIR/chains.db) with the v1 callbacks. */
static inline void tk_open(chain_store **s, const char *dir, const chain_params *p)
{
    common_error err;
    chain_status cs = chain_open_v1(s, &err, dir, p, 1, tk_v1());
    cr_assert_eq(cs, CHAIN_OK, "store: %s: %s: %s", err.path, err.field, err.msg);
}

/* The best chain's block id at height h (asserted present). */
static inline void tk_id(uint8_t id[32], chain_store *s, uint64_t h)
{
    cr_assert(chain_store_best_id(id, s, h), "no block at height %llu", (unsigned long long)h);
}

/* The metadata of the best chain's block at height h. */
static inline chain_block_meta tk_meta_at(chain_store *s, uint64_t h)
{
    uint8_t id[32];
    tk_id(id, s, h);
    chain_block_meta m;
    common_error err;
    cr_assert_eq(chain_store_meta(&m, &err, s, id), CHAIN_OK, "%s", err.msg);
    return m;
}

/* The time_ms of the best chain's block at height h. */
static inline uint64_t tk_time(chain_store *s, uint64_t h) { return tk_meta_at(s, h).time_ms; }

/* The median time past of block id (it and its ancestors, CHAIN_MEDIAN_SPAN). */
static inline uint64_t tk_mtp_of(chain_store *s, const uint8_t id[32])
{
    chain_block_meta m[CHAIN_MEDIAN_SPAN];
    size_t got = 0;
    common_error err;
    cr_assert_eq(chain_store_ancestors(m, &got, &err, s, id, CHAIN_MEDIAN_SPAN), CHAIN_OK, "%s", err.msg);
    uint64_t t[CHAIN_MEDIAN_SPAN];
    for (size_t i = 0; i < got; i++)
        t[i] = m[i].time_ms;
    return pouw_median_time(t, (unsigned)got);
}

/* The median time past of the best chain's block at height h. */
static inline uint64_t tk_mtp(chain_store *s, uint64_t h)
{
    uint8_t id[32];
    tk_id(id, s, h);
    return tk_mtp_of(s, id);
}

/* 1 when the store holds block id (any verdict). */
static inline int tk_has(chain_store *s, const uint8_t id[32])
{
    chain_block_meta m;
    common_error err;
    return chain_store_meta(&m, &err, s, id) == CHAIN_OK;
}

/* The stored verdict of block id (NONE when absent). */
static inline chain_verdict tk_verdict(chain_store *s, const uint8_t id[32])
{
    chain_block_meta m;
    common_error err;
    return chain_store_meta(&m, &err, s, id) == CHAIN_OK ? m.verdict : CHAIN_VERDICT_NONE;
}

/* Verifies b on s with the tests' clock. Returns the reason (POUW_R_OK if valid). */
static inline pouw_reason tk_verify(chain_store *s, const pouw_block *b, common_error *err)
{
    pouw_reason r;
    common_error e;
    chain_status cs = chain_verify_block(&r, err ? err : &e, s, b, TK_NOW_MS, 2);
    cr_assert(cs == CHAIN_OK || cs == CHAIN_EINVALID, "verification could not complete: %d", cs);
    cr_assert_eq(cs == CHAIN_OK, r == POUW_R_OK);
    return r;
}

/* chain_store_verify_all of s (asserted to complete). Returns the blocks whose
 * verdict disagrees with the stored one. */
static inline uint64_t tk_verify_all(chain_store *s, common_error *err)
{
    uint64_t n = 0, bad = 0;
    chain_status cs = chain_store_verify_all(&n, &bad, err, s);
    cr_assert_eq(cs, CHAIN_OK, "verify-all: %s", err->msg);
    return bad;
}

/* Runs SQL on DIR/chains.db behind the store's back (tampering, as someone with
 * write access to the data directory would); ?1 is bound to the 32-byte blob id
 * when id is not NULL. Returns the rows changed. */
static inline int tk_sql(const char *dir, const char *sql, const uint8_t *id)
{
    char path[600];
    snprintf(path, sizeof path, "%s/%s", dir, CHAIN_STORE_FILE);
    sqlite3 *db = NULL;
    cr_assert_eq(sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE, NULL), SQLITE_OK, "%s", path);
    sqlite3_busy_timeout(db, 30000);
    sqlite3_stmt *st = NULL;
    cr_assert_eq(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK, "%s: %s", sql, sqlite3_errmsg(db));
    if (id)
        sqlite3_bind_blob(st, 1, id, 32, SQLITE_TRANSIENT);
    int rc = sqlite3_step(st);
    cr_assert(rc == SQLITE_DONE || rc == SQLITE_ROW, "%s: %s", sql, sqlite3_errmsg(db));
    sqlite3_finalize(st);
    int n = sqlite3_changes(db);
    sqlite3_close(db);
    return n;
}

/* The path of a program in $BSE_BIN (default bin/). */
static inline const char *tk_bin(char *out, size_t cap, const char *prog)
{
    const char *bin = getenv("BSE_BIN");
    snprintf(out, cap, "%s/%s", bin && *bin ? bin : "bin", prog);
    return out;
}

#endif /* POUW_TESTKIT_H */
