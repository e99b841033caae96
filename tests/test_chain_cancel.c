/* tests/test_chain_cancel.c - re-verifying a store from scratch (chain_store_verify_all,
 * what `chain verify` and `pouw verify-chain` run) can be stopped between blocks (a
 * program's signal flag: a signal is honoured within a second) and reports its
 * progress; opening a store verifies nothing (readers trust stored verdicts). */
#include <criterion/criterion.h>

#include "chain_testkit.h"
#include "testutil.h"

typedef struct counter {
    int asked, stop_after, progress, last_done, last_total;
} counter;

static int cancel_after(void *user)
{
    counter *c = user;
    return c->asked++ >= c->stop_after;
}

static void count_progress(void *user, uint64_t done, uint64_t total)
{
    counter *c = user;
    c->progress++;
    c->last_done = (int)done;
    c->last_total = (int)total;
}

static void make_chain(const char *dir, const chain_params *p, int blocks)
{
    chain_store *s;
    ck_open(&s, dir, p, NULL);
    uint8_t miner[32];
    memset(miner, 7, sizeof miner);
    for (int i = 0; i < blocks; i++) {
        pouw_block b;
        pouw_block_init(&b);
        ck_mine(s, &b, miner, 1000, NULL);
        pouw_block_clear(&b);
    }
    chain_store_close(s);
}

static chain_status reopen(const char *dir, const chain_params *p, counter *c, chain_store **s, common_error *err,
                           chain_v1_verifier *v)
{
    chain_store_opts o;
    memset(&o, 0, sizeof o);
    chain_v1_store_opts(&o, v);
    o.cancel = cancel_after;
    o.cancel_user = c;
    o.progress = count_progress;
    o.progress_user = c;
    return chain_store_open(s, err, dir, p, &o);
}

Test(chain_store, a_cancelled_verify_all_stops_between_blocks_and_reports_progress, .timeout = 120)
{
    char dir[256];
    tk_tmpdir(dir);
    chain_params p = ck_params("cancel", 9001, 5, 1);
    make_chain(dir, &p, 4);
    chain_v1_verifier v = {1, NULL, NULL};

    counter c = {0, 2, 0, 0, 0}; /* two blocks verified, then stop */
    chain_store *s = NULL;
    common_error err;
    cr_assert_eq(reopen(dir, &p, &c, &s, &err, &v), CHAIN_OK, "opening verifies nothing: %s", err.msg);
    cr_assert_eq(c.asked, 0, "nothing to cancel at open");
    cr_assert_eq(chain_store_tip_height(s), 4);
    uint64_t checked = 0, bad = 0;
    cr_assert_eq(chain_store_verify_all(&checked, &bad, &err, s), CHAIN_ESTOPPED, "%s", err.msg);
    cr_assert_eq(c.progress, 2, "progress after each verified block, none after the stop");
    cr_assert_eq(c.last_done, 2);
    cr_assert_eq(c.last_total, 5, "genesis and four blocks");
    chain_store_close(s);

    counter all = {0, 1000, 0, 0, 0}; /* never stops: it completes */
    cr_assert_eq(reopen(dir, &p, &all, &s, &err, &v), CHAIN_OK, "%s", err.msg);
    cr_assert_eq(chain_store_verify_all(&checked, &bad, &err, s), CHAIN_OK, "%s", err.msg);
    cr_assert_eq(checked, 5);
    cr_assert_eq(bad, 0);
    cr_assert_eq(all.last_done, all.last_total);
    chain_store_close(s);
    tk_rmrf(dir);
}
