/* tests/test_chain_mining.c - the miner as separate calls (chain/miner.h:
 * template, solve, submit) and the multi-chain loop of chain/mining.h that
 * `pouw mine` and a node's miner thread run: the three calls make the block
 * chain_mine_block makes; a search stopped and resumed finds the block an
 * uninterrupted one finds (the nonce resumes); the balancer spreads blocks over
 * the chains by balance; a stop is a stop. */
#include <criterion/criterion.h>

#include "chain/mining.h"
#include "tests/chain_testkit.h"

static uint64_t at_ms(void *user) { return *(const uint64_t *)user; }

/* Opens a private chain like the testnet in a fresh folder of its own. */
static chain_store *fresh(char dir[256], const chain_params *p)
{
    tk_tmpdir(dir);
    chain_store *s;
    ck_open(&s, dir, p, NULL);
    return s;
}

Test(chain_mining, template_solve_submit_make_the_block_chain_mine_block_makes, .timeout = 120)
{
    chain_params p = ck_params("calls", 61, 0, 60);
    char x[256], y[256];
    chain_store *sx = fresh(x, &p), *sy = fresh(y, &p);
    pouw_key k;
    tk_key(&k, 0x61);
    uint64_t now = tk_meta_at(sx, 0).time_ms + 60000;
    chain_mine_opts mo;
    memset(&mo, 0, sizeof mo);
    mo.threads = 1;
    mo.clock_ms = at_ms;
    mo.clock_user = &now;
    common_error err;
    pouw_block a, b;
    pouw_block_init(&a);
    pouw_block_init(&b);
    cr_assert_eq(chain_mine_block(&a, NULL, &err, sx, k.pub, &mo), CHAIN_OK, "%s", err.msg);
    chain_mine_job j;
    cr_assert_eq(chain_mine_template(&j, &err, sy, k.pub, &mo), CHAIN_OK, "%s", err.msg);
    cr_assert_eq(j.height, 1);
    cr_assert_eq(memcmp(j.tip, tk_meta_at(sy, 0).id, 32), 0);
    cr_assert_eq(j.n_txs, 1, "the coinbase alone (empty mempool)");
    pouw_mine_stats st;
    cr_assert_eq(chain_mine_solve(&b, &st, &err, sy, &j, &mo), CHAIN_OK, "%s", err.msg);
    cr_assert_eq(chain_store_tip_height(sy), 0, "solve stores nothing");
    chain_store_add_result added;
    cr_assert_eq(chain_mine_submit(sy, &added, &err, &b), CHAIN_OK, "%s", err.msg);
    cr_assert(added.best && added.verdict == CHAIN_VERDICT_VALID);
    cr_assert_eq(memcmp(a.post_hash, b.post_hash, 32), 0, "the same block either way");
    /* submit judges by every rule: a tampered copy is refused and not stored */
    b.header.time_ms += 1;
    cr_assert_neq(chain_mine_submit(sy, &added, &err, &b), CHAIN_OK);
    cr_assert_eq(chain_store_tip_height(sy), 1);
    chain_mine_job_clear(&j);
    chain_mine_job_clear(&j); /* twice is fine */
    pouw_block_clear(&a);
    pouw_block_clear(&b);
    pouw_key_clear(&k);
    chain_store_close(sx);
    chain_store_close(sy);
    tk_rmrf(x);
    tk_rmrf(y);
}

typedef struct stopper {
    int after; /* attempts before a stop; < 0 never */
    int seen;
} stopper;

static int stop_after(void *user)
{
    stopper *s = user;
    s->seen++;
    return s->after >= 0 && s->seen >= s->after;
}

Test(chain_mining, a_stopped_search_resumes_at_its_nonce_and_finds_the_same_block, .timeout = 180)
{
    chain_params p = ck_params("resume", 62, 0, 60);
    char x[256], y[256];
    chain_store *sx = fresh(x, &p), *sy = fresh(y, &p);
    pouw_key k;
    tk_key(&k, 0x62);
    uint64_t now = tk_meta_at(sx, 0).time_ms + 60000;
    stopper never = {-1, 0}, once = {1, 0};
    chain_mining_opts o;
    memset(&o, 0, sizeof o);
    o.threads = 1;
    o.clock_ms = at_ms;
    o.clock_user = &now;
    o.stop = stop_after;
    common_error err;
    chain_mining *mx, *my;
    o.stop_user = &never;
    cr_assert_eq(chain_mining_open(&mx, &err, &sx, 1, k.pub, &o), CHAIN_OK);
    o.stop_user = &once;
    cr_assert_eq(chain_mining_open(&my, &err, &sy, 1, k.pub, &o), CHAIN_OK);
    pouw_block a, b;
    pouw_block_init(&a);
    pouw_block_init(&b);
    chain_mining_result r;
    cr_assert_eq(chain_mining_next(mx, &a, &r, &err), CHAIN_OK, "%s", err.msg);
    uint64_t whole = r.stats.attempts;
    if (whole < 2) /* found at the first attempt: nothing to resume; mine on until a longer search */
        cr_log_info("the first search took %" PRIu64 " attempt(s)", whole);
    chain_status cs = chain_mining_next(my, &b, &r, &err);
    if (whole >= 2) {
        cr_assert_eq(cs, CHAIN_ESTOPPED, "stopped after one attempt");
        cr_assert(!r.switched);
        cr_assert_eq(chain_store_tip_height(sy), 0);
        once.after = -1;
        uint64_t first = r.stats.attempts;
        cr_assert_eq(chain_mining_next(my, &b, &r, &err), CHAIN_OK, "%s", err.msg);
        cr_assert_eq(first + r.stats.attempts, whole, "the resumed search did the rest, not the whole again");
    } else {
        cr_assert_eq(cs, CHAIN_OK);
    }
    cr_assert_eq(memcmp(a.post_hash, b.post_hash, 32), 0, "the same block, interrupted or not");
    chain_mining_close(mx);
    chain_mining_close(my);
    pouw_block_clear(&a);
    pouw_block_clear(&b);
    pouw_key_clear(&k);
    chain_store_close(sx);
    chain_store_close(sy);
    tk_rmrf(x);
    tk_rmrf(y);
}

Test(chain_mining, the_balancer_spreads_blocks_over_the_chains_by_balance, .timeout = 240)
{
    char d[256];
    tk_tmpdir(d);
    chain_store *s[3];
    for (unsigned i = 0; i < 3; i++)
        ck_open(&s[i], d, chain_testnet_at(i), NULL);
    pouw_key k;
    tk_key(&k, 0x63);
    chain_mining_opts o;
    memset(&o, 0, sizeof o);
    o.use_policy = 1;
    o.policy = CHAIN_POLICY_BALANCER;
    o.threads = 2;
    common_error err;
    chain_mining *m;
    cr_assert_eq(chain_mining_open(&m, &err, s, 3, k.pub, &o), CHAIN_OK);
    int mined[3] = {0};
    pouw_block b;
    pouw_block_init(&b);
    for (int n = 0; n < 3;) {
        chain_mining_result r;
        chain_status cs = chain_mining_next(m, &b, &r, &err);
        cr_assert(cs == CHAIN_OK || cs == CHAIN_ESTALE || (cs == CHAIN_ESTOPPED && r.switched), "%d: %s", cs,
                  err.msg);
        if (cs == CHAIN_OK) {
            mined[r.chain]++;
            n++;
        }
    }
    for (unsigned i = 0; i < 3; i++) {
        cr_assert_eq(mined[i], 1, "the balancer mined chain %u %d times in 3 blocks", i, mined[i]);
        cr_assert_eq(chain_store_tip_height(s[i]), 1);
    }
    /* a fourth call reads every balance before it mines: each chain paid one reward */
    chain_mining_close(m);
    stopper now = {0, 0};
    o.stop = stop_after;
    o.stop_user = &now;
    cr_assert_eq(chain_mining_open(&m, &err, s, 3, k.pub, &o), CHAIN_OK);
    chain_mining_result r;
    chain_status cs = chain_mining_next(m, &b, &r, &err);
    cr_assert(cs == CHAIN_ESTOPPED || cs == CHAIN_OK, "a stop is a stop (or the first attempt won)");
    for (unsigned i = 0; i < 3; i++)
        cr_assert_eq(chain_mining_balance(m, i), chain_testnet_at(i)->reward);
    chain_mining_close(m);
    cr_assert_eq(chain_mining_open(&m, &err, s, 0, k.pub, &o), CHAIN_EPARAMS);
    pouw_block_clear(&b);
    pouw_key_clear(&k);
    for (unsigned i = 0; i < 3; i++)
        chain_store_close(s[i]);
    tk_rmrf(d);
}
