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

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "chain/node.h"
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

/* Opens (creating) the chain of p in dir. */
static inline void tk_open(chain_store *s, const char *dir, const chain_params *p)
{
    common_error err;
    chain_status cs = chain_store_open(s, &err, dir, p, 1, 2);
    cr_assert_eq(cs, CHAIN_OK, "store: %s: %s: %s", err.path, err.field, err.msg);
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

/* The path of a program in $BSE_BIN (default bin/). */
static inline const char *tk_bin(char *out, size_t cap, const char *prog)
{
    const char *bin = getenv("BSE_BIN");
    snprintf(out, cap, "%s/%s", bin && *bin ? bin : "bin", prog);
    return out;
}

#endif /* POUW_TESTKIT_H */
