/* tests/chain_testkit.h - helpers of the chain test suites (stores shared by
 * processes, fork choice, retargeting, rogue miners), on top of
 * tests/pouw_testkit.h (header-only: static inline).
 *
 * Chains: the testnet chains of chain/params.h (bin/pouw --testnet knows them, so
 * tests can drive bin/pouw on them), or ck_params: a private chain like the
 * testnet (its PPS table, 60-second sessions) with a chosen window and interval.
 * Clocks: ck_step_clock puts every block `step_ms` after its parent (a simulated
 * clock: tests replay); ck_fixed_clock is a fixed verifier clock. */
#ifndef CHAIN_TESTKIT_H
#define CHAIN_TESTKIT_H

#include "tests/pouw_testkit.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <time.h>

#include "pouw/header.h"
#include "pouw/target.h"
#include "pouw/tx.h"

/* A private chain like the testnet: its table, its targets, 60-second sessions. */
static inline chain_params ck_params(const char *name, uint32_t chain_id, uint32_t window, uint32_t interval_s)
{
    const chain_params *t = chain_testnet_at(0);
    chain_params p = *t;
    snprintf(p.name, sizeof p.name, "%s", name);
    snprintf(p.coin, sizeof p.coin, "%sCoin", name);
    p.chain_id = chain_id;
    p.retarget_window = window;
    p.target_interval_s = interval_s;
    uint64_t g4 = (uint64_t)window * interval_s * 1000u / 4; /* s11.5: max_future_ms <= min(2 h, G/4) */
    p.max_future_ms = window ? (g4 < CHAIN_MAX_FUTURE_MS ? g4 : CHAIN_MAX_FUTURE_MS) : CHAIN_MAX_FUTURE_MS;
    p.genesis_pinned = 0;
    p.genesis_nonce = 0;
    return p;
}

/* Every block step_ms after the store's best tip. */
typedef struct ck_step_clock {
    chain_store *s;
    uint64_t step_ms;
} ck_step_clock;

static inline uint64_t ck_step_ms(void *user)
{
    ck_step_clock *c = user;
    uint8_t tip[32];
    chain_store_tip_id(tip, c->s);
    chain_block_meta m;
    common_error err;
    if (chain_store_meta(&m, &err, c->s, tip) != CHAIN_OK)
        return 0;
    return m.time_ms + c->step_ms;
}

static inline uint64_t ck_fixed_ms(void *user) { return *(const uint64_t *)user; }

static inline uint64_t ck_wall_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

/* Opens (creating) the chain of p in dir with the v1 callbacks of v (NULL: the
 * tests' verifier, tk_v1: no future-time rule; else v outlives the store). */
static inline void ck_open(chain_store **s, const char *dir, const chain_params *p, chain_v1_verifier *v)
{
    common_error err;
    chain_status cs = chain_open_v1(s, &err, dir, p, 1, v ? v : tk_v1());
    cr_assert_eq(cs, CHAIN_OK, "store: %s: %s: %s", err.path, err.field, err.msg);
}

/* Mines the next block of s for miner with blocks step_ms apart; out: what
 * storing it did (may be NULL). */
static inline void ck_mine(chain_store *s, pouw_block *b, const uint8_t miner[32], uint64_t step_ms,
                           chain_store_add_result *added)
{
    ck_step_clock clk = {s, step_ms};
    chain_mine_opts mo;
    memset(&mo, 0, sizeof mo);
    mo.threads = 2;
    mo.max_attempts = 20000;
    mo.clock_ms = ck_step_ms;
    mo.clock_user = &clk;
    mo.added = added;
    common_error err;
    chain_status cs = chain_mine_block(b, NULL, &err, s, miner, &mo);
    cr_assert_eq(cs, CHAIN_OK, "mining failed: %s: %s", err.field, err.msg);
}

/* How ck_forge departs from an honest block. */
typedef struct ck_forge_opts {
    int set_bits;
    uint32_t bits;              /* when set_bits: the pre-hash bits claimed */
    int set_threshold;
    int64_t threshold;          /* when set_threshold: the threshold claimed */
    int set_post_bits;
    uint32_t post_bits;         /* when set_post_bits: the post-hash bits claimed */
    uint64_t time_ms;           /* 0: the parent's median time past + 1 */
    const pouw_tx *transfers;   /* after the coinbase */
    size_t n_transfers;
} ck_forge_opts;

/* Mines by hand (pouw_mine) a block on block parent_id of s (any branch; a
 * stored block with its document) for miner: honest work, on the targets the rule demands unless o
 * claims others. The ledger is the parent's with the transactions applied (with
 * the coinbase alone when a transfer does not apply: what a cheat would claim). */
static inline void ck_forge(pouw_block *out, chain_store *s, const uint8_t parent_id[32], const uint8_t miner[32],
                            const ck_forge_opts *o)
{
    const chain_params *p = chain_store_params(s);
    pouw_block parent;
    pouw_block_init(&parent);
    common_error err;
    cr_assert_eq(chain_store_block(&parent, &err, s, parent_id), CHAIN_OK, "%s", err.msg);
    uint64_t mtp = tk_mtp_of(s, parent_id);
    pouw_requirements req;
    cr_assert_eq(chain_required_targets_after(&req, &err, p, s, parent_id), CHAIN_OK, "%s", err.msg);
    if (o && o->set_bits)
        req.prehash_bits = o->bits;
    if (o && o->set_threshold)
        req.pps_threshold_micro = o->threshold;
    if (o && o->set_post_bits)
        req.post_bits = o->post_bits;
    pouw_mine_params mp;
    memset(&mp, 0, sizeof mp);
    pouw_header *h = &mp.header;
    h->version = POUW_HEADER_VERSION;
    h->chain_id = p->chain_id;
    h->height = parent.header.height + 1;
    memcpy(h->prev_hash, parent_id, 32);
    memcpy(h->miner, miner, 32);
    h->prehash_bits = req.prehash_bits;
    h->pps_threshold_micro = req.pps_threshold_micro;
    h->mode = req.mode;
    h->post_bits = req.post_bits;
    h->sessions = req.sessions;
    memcpy(h->job_digest, req.job_digest, 32);
    size_t n = 1 + (o ? o->n_transfers : 0);
    pouw_tx *txs = calloc(n, sizeof *txs);
    cr_assert_not_null(txs);
    txs[0] = pouw_tx_coinbase(miner, p->reward, h->height);
    for (size_t i = 1; i < n; i++)
        txs[i] = o->transfers[i - 1];
    cr_assert_eq(pouw_tx_root(h->tx_root, NULL, txs, n), POUW_OK);
    pouw_ledger l = {0};
    cr_assert_eq(pouw_ledger_copy(&l, &parent.ledger), POUW_OK);
    if (pouw_ledger_apply(&l, txs, n) != POUW_OK) {
        pouw_ledger_clear(&l);
        cr_assert_eq(pouw_ledger_copy(&l, &parent.ledger), POUW_OK);
        cr_assert_eq(pouw_ledger_apply(&l, txs, 1), POUW_OK);
    }
    cr_assert_eq(pouw_ledger_root(h->ledger_root, &l), POUW_OK);
    uint64_t when = o && o->time_ms ? o->time_ms : mtp + 1;
    mp.work = chain_params_work(p);
    mp.min_time_ms = when;
    mp.max_attempts = 20000;
    mp.threads = 2;
    pouw_header found;
    pouw_mine_stats st;
    pouw_attempt *a = malloc(sizeof *a);
    cr_assert_not_null(a);
    cr_assert_eq(pouw_mine(&found, a, &st, &err, &mp), POUW_OK, "forging: %s", err.msg);
    pouw_block_init(out);
    cr_assert_eq(pouw_block_build(out, &found, a, txs, n, &l, p->job), POUW_OK);
    free(a);
    free(txs);
    pouw_ledger_clear(&l);
    pouw_block_clear(&parent);
}

/* A signed transfer on chain p from key `from` (sequence seq). */
static inline pouw_tx ck_transfer(const chain_params *p, const pouw_key *from, const uint8_t to[32], int64_t amount,
                                  uint64_t seq, int64_t fee)
{
    pouw_tx tx = pouw_tx_transfer(p->chain_id, from->pub, to, amount, seq, fee);
    cr_assert_eq(pouw_tx_sign(from, &tx), POUW_OK);
    return tx;
}

/* Runs a shell command line; returns its exit code (a signal fails the test).
 * stdout and stderr go to the files out and err when given. */
static inline int ck_run(const char *cmd, const char *out, const char *err)
{
    char line[8192];
    snprintf(line, sizeof line, "%s >%s 2>%s", cmd, out ? out : "/dev/null", err ? err : "/dev/null");
    int st = system(line);
    cr_assert(st != -1 && WIFEXITED(st), "command crashed or was killed: %s", cmd);
    return WEXITSTATUS(st);
}

/* The whole content of a file (NUL-terminated, caller frees). */
static inline char *ck_slurp(const char *path)
{
    FILE *f = fopen(path, "rb");
    cr_assert_not_null(f, "%s", path);
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *b = malloc((size_t)n + 1);
    cr_assert_not_null(b);
    cr_assert_eq(fread(b, 1, (size_t)n, f), (size_t)n);
    b[n] = '\0';
    fclose(f);
    return b;
}

/* The sum of a ledger's balances, asserting none is negative. */
static inline int64_t ck_ledger_sum(const pouw_ledger *l)
{
    int64_t sum = 0;
    for (size_t i = 0; i < l->n; i++) {
        cr_assert_geq(l->e[i].balance, 0);
        sum += l->e[i].balance;
    }
    return sum;
}

/* The test's seed: $CHAIN_TEST_SEED, or def. Printed, so a failure replays. */
static inline uint64_t ck_seed(const char *test, uint64_t def)
{
    const char *e = getenv("CHAIN_TEST_SEED");
    uint64_t seed = e && *e ? strtoull(e, NULL, 10) : def;
    fprintf(stderr, "%s: seed %llu (set CHAIN_TEST_SEED to replay another)\n", test, (unsigned long long)seed);
    return seed;
}

/* splitmix64, for seeded test schedules. */
static inline uint64_t ck_rand(uint64_t *state)
{
    uint64_t z = (*state += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

#endif /* CHAIN_TESTKIT_H */
