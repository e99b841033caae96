/* tests/test_exchange_clearing.c - behaviours of the clearing house
 * (chain/exchange/clearing.h) and of its statistics (chain/exchange/stats.h);
 * suites chain_exchange and chain_exchange_stats.
 *
 * Every exchange here runs with check_every = 1, so each operation also verifies
 * the custody invariant inside the library; the tests check it again from the
 * outside (sum over accounts + pending withdrawals = custody) and, in the
 * reorganisation and random tests, each trader's total against a model kept
 * here. Set CHAIN_EX_TEST_SEED to replay the random walk with another seed.
 */
#include <criterion/criterion.h>

#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "chain/exchange/clearing.h"
#include "chain/exchange/stats.h"

#define COIN ((int64_t)CHAIN_EX_UNITS_PER_COIN)
#define PX(x) ((int64_t)((x) * 10000.0 + 0.5)) /* quote coins per base coin -> ticks */
#define Q(x) ((int64_t)((x) * 100.0 + 0.5) * CHAIN_EX_QTY_STEP) /* base coins -> units */
enum { ALPHA = 0, BRAVO = 1, CHARLIE = 2 };
enum { BA = 0, CA = 1, CB = 2 };

/* ------------------------------------------------------------ helpers */

typedef struct trades_seen {
    size_t n;
    chain_ex_trade t[256];
    int64_t flow[16][CHAIN_EX_COINS]; /* per account: base/quote received minus given */
    int bad_quote;
} trades_seen;

static void on_trade(void *user, const chain_ex_trade *t)
{
    trades_seen *s = user;
    if (s->n < 256)
        s->t[s->n] = *t;
    s->n++;
    if (t->quote != t->price * (t->qty / CHAIN_EX_QTY_STEP) || t->quote != chain_ex_quote_units(t->price, t->qty))
        s->bad_quote++;
    const chain_ex_pair_info *pi = chain_ex_pair(t->pair);
    if (t->buyer < 16 && t->seller < 16) {
        s->flow[t->buyer][pi->base] += t->qty;
        s->flow[t->buyer][pi->quote] -= t->quote;
        s->flow[t->seller][pi->base] -= t->qty;
        s->flow[t->seller][pi->quote] += t->quote;
    }
}

static chain_ex *mk(uint32_t n, uint32_t conf, trades_seen *ts)
{
    chain_ex *ex = NULL;
    chain_ex_opts o = {.n_accounts = n, .confirmations = conf, .check_every = 1, .on_trade = on_trade, .user = ts};
    cr_assert_eq(chain_ex_create(&ex, &o), CHAIN_EX_OK);
    return ex;
}

static void check_ok(const chain_ex *ex)
{
    common_error e;
    chain_ex_code rc = chain_ex_check(ex, &e);
    cr_assert_eq(rc, CHAIN_EX_OK, "invariant: %s: %s", e.field, e.msg);
    for (unsigned c = 0; c < CHAIN_EX_COINS; c++) {
        int64_t sum = 0;
        for (uint32_t a = 0;; a++) {
            chain_ex_balance b = chain_ex_balance_of(ex, a, c);
            if (a >= 64)
                break;
            sum += b.free + b.locked - b.owed;
        }
        cr_assert_eq(sum + chain_ex_pending_withdrawals(ex, c), chain_ex_custody(ex, c),
                     "coin %u: accounts %" PRId64 " + pending %" PRId64 " != custody %" PRId64, c, sum,
                     chain_ex_pending_withdrawals(ex, c), chain_ex_custody(ex, c));
    }
}

static void grant(chain_ex *ex, unsigned coin, uint32_t a, int64_t amount)
{
    cr_assert_eq(chain_ex_grant(ex, coin, a, amount), CHAIN_EX_OK);
}

static chain_ex_place_result place_ok(chain_ex *ex, uint32_t a, unsigned pair, int side, int type, int64_t price,
                                      int64_t qty, int64_t budget)
{
    chain_ex_place_result r;
    char why[CHAIN_EX_REASON_MAX];
    chain_ex_code rc = chain_ex_place(ex, a, pair, side, type, price, qty, budget, 1.0, &r, why);
    cr_assert_eq(rc, CHAIN_EX_OK, "place refused (%d): %s", rc, why);
    check_ok(ex);
    return r;
}

static void refused(chain_ex *ex, uint32_t a, unsigned pair, int side, int type, int64_t price, int64_t qty,
                    int64_t budget)
{
    chain_ex_balance before[4][CHAIN_EX_COINS];
    for (uint32_t i = 0; i < 4; i++)
        for (unsigned c = 0; c < CHAIN_EX_COINS; c++)
            before[i][c] = chain_ex_balance_of(ex, i, c);
    uint64_t next = chain_ex_book(ex, pair)->next_id;
    chain_ex_place_result r;
    char why[CHAIN_EX_REASON_MAX] = "";
    chain_ex_code rc = chain_ex_place(ex, a, pair, side, type, price, qty, budget, 1.0, &r, why);
    cr_assert_eq(rc, CHAIN_EX_EREFUSED, "expected a refusal, got %d", rc);
    cr_assert(why[0] != 0, "a refusal gives a reason");
    cr_assert_eq(r.id, 0);
    cr_assert_eq(chain_ex_book(ex, pair)->next_id, next, "a refused order takes no id");
    for (uint32_t i = 0; i < 4; i++)
        for (unsigned c = 0; c < CHAIN_EX_COINS; c++) {
            chain_ex_balance b = chain_ex_balance_of(ex, i, c);
            cr_assert(b.free == before[i][c].free && b.locked == before[i][c].locked && b.owed == before[i][c].owed,
                      "refusal changed account %u coin %u", i, c);
        }
    check_ok(ex);
}

static chain_ex_balance B(const chain_ex *ex, uint32_t a, unsigned c)
{
    return chain_ex_balance_of(ex, a, c);
}

/* ------------------------------------------------------------ names */

Test(chain_exchange, pairs_and_coins_are_named)
{
    unsigned p = 9;
    cr_assert_eq(chain_ex_pair_parse(&p, "CHARLIE/BRAVO"), 0);
    cr_assert_eq(p, CB);
    cr_assert_eq(chain_ex_pair(CB)->base, CHARLIE);
    cr_assert_eq(chain_ex_pair(CB)->quote, BRAVO);
    cr_assert_eq(chain_ex_pair(BA)->base, BRAVO);
    cr_assert_eq(chain_ex_pair(CA)->quote, ALPHA);
    cr_assert_eq(chain_ex_pair_parse(&p, "ALPHA/BRAVO"), -1);
    cr_assert_null(chain_ex_pair(3));
    cr_assert_str_eq(chain_ex_coin_name(CHARLIE), "CHARLIE");
    cr_assert_null(chain_ex_coin_name(3));
    cr_assert_eq(chain_ex_quote_units(PX(1.5), Q(2)), 3 * COIN);
    cr_assert_eq(chain_ex_quote_units(CHAIN_EX_PRICE_MAX, CHAIN_EX_QTY_MAX), -1, "overflow is reported");
}

Test(chain_exchange, bad_options_are_refused)
{
    chain_ex *ex = NULL;
    chain_ex_opts o = {.n_accounts = 0, .confirmations = 2};
    cr_assert_eq(chain_ex_create(&ex, &o), CHAIN_EX_EINVAL);
    o.n_accounts = 2;
    o.confirmations = 0;
    cr_assert_eq(chain_ex_create(&ex, &o), CHAIN_EX_EINVAL);
    cr_assert_null(ex);
}

/* ------------------------------------------------------------ escrow */

Test(chain_exchange, a_seller_cannot_sell_the_same_coins_twice)
{
    trades_seen ts = {0};
    chain_ex *ex = mk(4, 2, &ts);
    grant(ex, BRAVO, 0, COIN);
    chain_ex_place_result r = place_ok(ex, 0, BA, BSE_MATCH_SELL, BSE_MATCH_LIMIT, PX(1.0), COIN, 0);
    cr_assert_eq(r.rested, COIN);
    cr_assert_eq(B(ex, 0, BRAVO).free, 0);
    cr_assert_eq(B(ex, 0, BRAVO).locked, COIN);
    refused(ex, 0, BA, BSE_MATCH_SELL, BSE_MATCH_LIMIT, PX(2.0), Q(0.01), 0);
    refused(ex, 0, BA, BSE_MATCH_SELL, BSE_MATCH_MARKET, 0, Q(0.01), 0);
    /* nor on the other pair where BRAVO is the quote coin (a CHARLIE buy) */
    refused(ex, 0, CB, BSE_MATCH_BUY, BSE_MATCH_LIMIT, PX(1.0), Q(0.01), 0);
    cr_assert_eq(chain_ex_orders_of(ex, 0, NULL, 0), 1);
    chain_ex_free(ex);
}

Test(chain_exchange, a_buy_above_free_quote_is_refused_and_changes_nothing)
{
    trades_seen ts = {0};
    chain_ex *ex = mk(4, 2, &ts);
    grant(ex, ALPHA, 1, 3 * COIN / 2);
    grant(ex, BRAVO, 2, 5 * COIN);
    place_ok(ex, 2, BA, BSE_MATCH_SELL, BSE_MATCH_LIMIT, PX(2.0), 5 * COIN, 0);
    refused(ex, 1, BA, BSE_MATCH_BUY, BSE_MATCH_LIMIT, PX(2.0), COIN, 0);        /* needs 2 ALPHA */
    refused(ex, 1, BA, BSE_MATCH_BUY, BSE_MATCH_IOC, PX(2.0), COIN, 0);
    refused(ex, 1, BA, BSE_MATCH_BUY, BSE_MATCH_MARKET, 0, COIN, 2 * COIN);      /* budget above free */
    refused(ex, 3, BA, BSE_MATCH_BUY, BSE_MATCH_MARKET, 0, COIN, 0);             /* nothing free */
    cr_assert_eq(ts.n, 0);
    /* exactly the free balance is fine */
    place_ok(ex, 1, BA, BSE_MATCH_BUY, BSE_MATCH_LIMIT, PX(2.0), Q(0.75), 0);
    cr_assert_eq(B(ex, 1, ALPHA).free, 0);
    cr_assert_eq(B(ex, 1, BRAVO).free, Q(0.75));
    chain_ex_free(ex);
}

Test(chain_exchange, off_step_and_out_of_range_values_are_refused)
{
    trades_seen ts = {0};
    chain_ex *ex = mk(4, 2, &ts);
    grant(ex, ALPHA, 0, 1000 * COIN);
    grant(ex, BRAVO, 0, 1000 * COIN);
    refused(ex, 0, BA, BSE_MATCH_BUY, BSE_MATCH_LIMIT, PX(1.0), CHAIN_EX_QTY_STEP / 2, 0);
    refused(ex, 0, BA, BSE_MATCH_BUY, BSE_MATCH_LIMIT, PX(1.0), COIN + 1, 0);
    refused(ex, 0, BA, BSE_MATCH_BUY, BSE_MATCH_LIMIT, PX(1.0), 0, 0);
    refused(ex, 0, BA, BSE_MATCH_SELL, BSE_MATCH_LIMIT, PX(1.0), -COIN, 0);
    refused(ex, 0, BA, BSE_MATCH_SELL, BSE_MATCH_LIMIT, PX(1.0), CHAIN_EX_QTY_MAX + CHAIN_EX_QTY_STEP, 0);
    refused(ex, 0, BA, BSE_MATCH_BUY, BSE_MATCH_LIMIT, 0, COIN, 0);
    refused(ex, 0, BA, BSE_MATCH_SELL, BSE_MATCH_IOC, -5, COIN, 0);
    refused(ex, 0, BA, BSE_MATCH_SELL, BSE_MATCH_LIMIT, CHAIN_EX_PRICE_MAX + 1, COIN, 0);
    refused(ex, 0, BA, BSE_MATCH_BUY, BSE_MATCH_LIMIT, PX(1.0), COIN, 5); /* budget on a limit order */
    refused(ex, 0, BA, BSE_MATCH_BUY, BSE_MATCH_MARKET, 0, COIN, -1);
    char why[CHAIN_EX_REASON_MAX];
    chain_ex_place_result r;
    cr_assert_eq(chain_ex_place(ex, 4, BA, BSE_MATCH_BUY, BSE_MATCH_LIMIT, PX(1), COIN, 0, 0, &r, why),
                 CHAIN_EX_EINVAL);
    cr_assert_eq(chain_ex_place(ex, 0, 3, BSE_MATCH_BUY, BSE_MATCH_LIMIT, PX(1), COIN, 0, 0, &r, why),
                 CHAIN_EX_EINVAL);
    cr_assert_eq(chain_ex_place(ex, 0, BA, 2, BSE_MATCH_LIMIT, PX(1), COIN, 0, 0, &r, why), CHAIN_EX_EINVAL);
    cr_assert_eq(chain_ex_place(ex, 0, BA, BSE_MATCH_BUY, 7, PX(1), COIN, 0, 0, &r, NULL), CHAIN_EX_EINVAL);
    check_ok(ex);
    chain_ex_free(ex);
}

Test(chain_exchange, cancel_releases_the_escrow)
{
    trades_seen ts = {0};
    chain_ex *ex = mk(4, 2, &ts);
    grant(ex, ALPHA, 0, 10 * COIN);
    chain_ex_place_result r = place_ok(ex, 0, CA, BSE_MATCH_BUY, BSE_MATCH_LIMIT, PX(2.5), Q(2), 0);
    cr_assert_eq(r.id & 3, CA, "id & 3 names the pair");
    cr_assert_eq(B(ex, 0, ALPHA).locked, 5 * COIN);
    char why[CHAIN_EX_REASON_MAX];
    cr_assert_eq(chain_ex_cancel(ex, 1, r.id, why), CHAIN_EX_EREFUSED, "another account's order");
    cr_assert(why[0]);
    cr_assert_eq(chain_ex_cancel(ex, 0, r.id + 4, why), CHAIN_EX_ENOTFOUND);
    cr_assert_eq(chain_ex_cancel(ex, 0, (r.id & ~(uint64_t)3) | BA, why), CHAIN_EX_ENOTFOUND, "same book id, other pair");
    cr_assert_eq(chain_ex_cancel(ex, 0, r.id, why), CHAIN_EX_OK);
    cr_assert_eq(B(ex, 0, ALPHA).locked, 0);
    cr_assert_eq(B(ex, 0, ALPHA).free, 10 * COIN);
    cr_assert_eq(chain_ex_cancel(ex, 0, r.id, why), CHAIN_EX_ENOTFOUND, "twice");
    cr_assert_eq(chain_ex_orders_of(ex, 0, NULL, 0), 0);
    check_ok(ex);
    chain_ex_free(ex);
}

Test(chain_exchange, a_limit_buy_filled_at_a_better_price_releases_the_difference)
{
    trades_seen ts = {0};
    chain_ex *ex = mk(4, 2, &ts);
    grant(ex, BRAVO, 0, COIN);
    grant(ex, ALPHA, 1, 4 * COIN);
    place_ok(ex, 0, BA, BSE_MATCH_SELL, BSE_MATCH_LIMIT, PX(1.0), COIN, 0);
    chain_ex_place_result r = place_ok(ex, 1, BA, BSE_MATCH_BUY, BSE_MATCH_LIMIT, PX(1.5), Q(2), 0);
    cr_assert_eq(r.filled, COIN);
    cr_assert_eq(r.rested, COIN);
    cr_assert_eq(r.spent, COIN);
    /* 1 ALPHA paid, 1.5 kept for the resting 1 BRAVO at 1.5, 1.5 back */
    cr_assert_eq(B(ex, 1, ALPHA).locked, 3 * COIN / 2);
    cr_assert_eq(B(ex, 1, ALPHA).free, 3 * COIN / 2);
    cr_assert_eq(B(ex, 1, BRAVO).free, COIN);
    cr_assert_eq(B(ex, 0, ALPHA).free, COIN);
    cr_assert_eq(B(ex, 0, BRAVO).locked, 0);
    cr_assert_eq(ts.n, 1);
    cr_assert_eq(ts.t[0].price, PX(1.0));
    cr_assert_eq(ts.t[0].buyer, 1);
    cr_assert_eq(ts.t[0].seller, 0);
    cr_assert_eq(ts.t[0].buy_id, r.id);
    cr_assert(ts.t[0].taker_is_buyer);
    cr_assert_eq(chain_ex_last_price(ex, BA), PX(1.0));
    chain_ex_order_info oi[4];
    cr_assert_eq(chain_ex_orders_of(ex, 1, oi, 4), 1);
    cr_assert_eq(oi[0].id, r.id);
    cr_assert_eq(oi[0].qty, Q(2));
    cr_assert_eq(oi[0].filled, COIN);
    cr_assert_eq(oi[0].price, PX(1.5));
    /* a later seller fills the rest at the buyer's limit: nothing more comes back */
    grant(ex, BRAVO, 2, COIN);
    place_ok(ex, 2, BA, BSE_MATCH_SELL, BSE_MATCH_MARKET, 0, COIN, 0);
    cr_assert_eq(B(ex, 1, ALPHA).locked, 0);
    cr_assert_eq(B(ex, 1, ALPHA).free, 3 * COIN / 2);
    cr_assert_eq(B(ex, 2, ALPHA).free, 3 * COIN / 2);
    chain_ex_free(ex);
}

Test(chain_exchange, a_market_buy_spends_at_most_its_budget_and_returns_the_rest)
{
    trades_seen ts = {0};
    chain_ex *ex = mk(4, 2, &ts);
    grant(ex, BRAVO, 0, 10 * COIN);
    grant(ex, ALPHA, 1, 10 * COIN);
    grant(ex, ALPHA, 2, 3 * COIN / 2);
    place_ok(ex, 0, BA, BSE_MATCH_SELL, BSE_MATCH_LIMIT, PX(1.0), COIN, 0);
    place_ok(ex, 0, BA, BSE_MATCH_SELL, BSE_MATCH_LIMIT, PX(2.0), 9 * COIN, 0);
    /* budget 2.5: 1 @ 1.0 then 0.75 @ 2.0 */
    chain_ex_place_result r = place_ok(ex, 1, BA, BSE_MATCH_BUY, BSE_MATCH_MARKET, 0, 5 * COIN, 5 * COIN / 2);
    cr_assert_eq(r.filled, Q(1.75));
    cr_assert_eq(r.spent, 5 * COIN / 2);
    cr_assert_eq(r.rested, 0);
    cr_assert_eq(r.cancelled, 5 * COIN - Q(1.75));
    cr_assert_eq(B(ex, 1, ALPHA).free, 10 * COIN - 5 * COIN / 2);
    cr_assert_eq(B(ex, 1, ALPHA).locked, 0);
    cr_assert_eq(B(ex, 1, BRAVO).free, Q(1.75));
    /* budget 0: all free (1.5 ALPHA) = 0.75 @ 2.0 */
    r = place_ok(ex, 2, BA, BSE_MATCH_BUY, BSE_MATCH_MARKET, 0, 5 * COIN, 0);
    cr_assert_eq(r.filled, Q(0.75));
    cr_assert_eq(B(ex, 2, ALPHA).free, 0);
    cr_assert_eq(B(ex, 2, ALPHA).locked, 0);
    /* a budget that buys less than one step: nothing filled, all returned */
    grant(ex, ALPHA, 3, 10000);
    r = place_ok(ex, 3, BA, BSE_MATCH_BUY, BSE_MATCH_MARKET, 0, COIN, 0);
    cr_assert_eq(r.filled, 0);
    cr_assert_eq(B(ex, 3, ALPHA).free, 10000);
    /* qty limits a market buy too */
    r = place_ok(ex, 1, BA, BSE_MATCH_BUY, BSE_MATCH_MARKET, 0, Q(0.5), 0);
    cr_assert_eq(r.filled, Q(0.5));
    cr_assert_eq(r.spent, COIN);
    cr_assert_eq(B(ex, 1, ALPHA).locked, 0);
    cr_assert_eq(B(ex, 1, ALPHA).free, 10 * COIN - 5 * COIN / 2 - COIN);
    /* a market sell against the empty bid side fills nothing and keeps its coins */
    grant(ex, BRAVO, 0, COIN);
    r = place_ok(ex, 0, BA, BSE_MATCH_SELL, BSE_MATCH_MARKET, 0, COIN, 0);
    cr_assert_eq(r.filled, 0);
    cr_assert_eq(r.cancelled, COIN);
    cr_assert_eq(B(ex, 0, BRAVO).locked, 10 * COIN - Q(1.75) - Q(0.75) - Q(0.5));
    cr_assert_eq(B(ex, 0, BRAVO).free, COIN);
    chain_ex_free(ex);
}

Test(chain_exchange, an_ioc_order_rests_nothing_and_releases_its_remainder)
{
    trades_seen ts = {0};
    chain_ex *ex = mk(4, 2, &ts);
    grant(ex, CHARLIE, 0, COIN);
    grant(ex, BRAVO, 1, 10 * COIN);
    place_ok(ex, 0, CB, BSE_MATCH_SELL, BSE_MATCH_LIMIT, PX(3.0), COIN, 0);
    chain_ex_place_result r = place_ok(ex, 1, CB, BSE_MATCH_BUY, BSE_MATCH_IOC, PX(4.0), Q(2), 0);
    cr_assert_eq(r.filled, COIN);
    cr_assert_eq(r.cancelled, COIN);
    cr_assert_eq(r.spent, 3 * COIN);
    cr_assert_eq(B(ex, 1, BRAVO).free, 7 * COIN);
    cr_assert_eq(B(ex, 1, BRAVO).locked, 0);
    cr_assert_eq(B(ex, 1, CHARLIE).free, COIN);
    cr_assert_eq(B(ex, 0, BRAVO).free, 3 * COIN);
    cr_assert_eq(chain_ex_orders_of(ex, 1, NULL, 0), 0);
    chain_ex_free(ex);
}

/* ------------------------------------------------------------ settlement */

Test(chain_exchange, every_fill_moves_exactly_p_times_q_and_coins_are_conserved)
{
    trades_seen ts = {0};
    chain_ex *ex = mk(6, 2, &ts);
    int64_t total[CHAIN_EX_COINS] = {0};
    for (uint32_t a = 0; a < 6; a++)
        for (unsigned c = 0; c < CHAIN_EX_COINS; c++) {
            grant(ex, c, a, (int64_t)(100 + a * 7 + c) * COIN);
            total[c] += (int64_t)(100 + a * 7 + c) * COIN;
        }
    uint64_t x = 12345;
    for (int i = 0; i < 600; i++) {
        x = x * 6364136223846793005ULL + 1442695040888963407ULL;
        uint32_t a = (uint32_t)((x >> 33) % 6);
        unsigned pair = (unsigned)((x >> 40) % 3);
        int side = (int)((x >> 45) & 1);
        int64_t price = 9000 + (int64_t)((x >> 20) % 2001); /* around 1.0, odd ticks too */
        int64_t qty = (int64_t)(1 + (x >> 50) % 300) * CHAIN_EX_QTY_STEP;
        chain_ex_place_result r;
        char why[CHAIN_EX_REASON_MAX];
        chain_ex_code rc = chain_ex_place(ex, a, pair, side, BSE_MATCH_LIMIT, price, qty, 0, i, &r, why);
        cr_assert(rc == CHAIN_EX_OK || rc == CHAIN_EX_EREFUSED, "rc %d: %s", rc, why);
        check_ok(ex);
        for (unsigned c = 0; c < CHAIN_EX_COINS; c++) {
            int64_t s = 0;
            for (uint32_t k = 0; k < 6; k++)
                s += B(ex, k, c).free + B(ex, k, c).locked;
            cr_assert_eq(s, total[c], "coin %u total moved by %" PRId64, c, s - total[c]);
            cr_assert_eq(chain_ex_custody(ex, c), total[c]);
        }
    }
    cr_assert_gt(ts.n, 50, "the walk trades (%zu)", ts.n);
    cr_assert_eq(ts.bad_quote, 0);
    /* per account: holdings = grants + trade flows */
    for (uint32_t a = 0; a < 6; a++)
        for (unsigned c = 0; c < CHAIN_EX_COINS; c++)
            cr_assert_eq(B(ex, a, c).free + B(ex, a, c).locked, (int64_t)(100 + a * 7 + c) * COIN + ts.flow[a][c]);
    chain_ex_free(ex);
}

Test(chain_exchange, self_trade_prevention_cancels_the_resting_order_and_releases_it)
{
    trades_seen ts = {0};
    chain_ex *ex = mk(4, 2, &ts);
    grant(ex, BRAVO, 0, 2 * COIN);
    grant(ex, ALPHA, 0, 5 * COIN);
    grant(ex, BRAVO, 1, COIN);
    chain_ex_place_result own = place_ok(ex, 0, BA, BSE_MATCH_SELL, BSE_MATCH_LIMIT, PX(1.0), 2 * COIN, 0);
    place_ok(ex, 1, BA, BSE_MATCH_SELL, BSE_MATCH_LIMIT, PX(1.0), COIN, 0);
    cr_assert_eq(B(ex, 0, BRAVO).locked, 2 * COIN);
    /* account 0 buys 2: its own sell (first in the queue) is cancelled, then it trades with 1 */
    chain_ex_place_result r = place_ok(ex, 0, BA, BSE_MATCH_BUY, BSE_MATCH_LIMIT, PX(1.0), 2 * COIN, 0);
    cr_assert_eq(r.filled, COIN);
    cr_assert_eq(r.rested, COIN);
    cr_assert_eq(ts.n, 1);
    cr_assert_eq(ts.t[0].seller, 1);
    cr_assert_eq(B(ex, 0, BRAVO).locked, 0);
    cr_assert_eq(B(ex, 0, BRAVO).free, 3 * COIN);
    cr_assert_eq(B(ex, 0, ALPHA).locked, COIN);
    cr_assert_eq(B(ex, 0, ALPHA).free, 3 * COIN);
    char why[CHAIN_EX_REASON_MAX];
    cr_assert_eq(chain_ex_cancel(ex, 0, own.id, why), CHAIN_EX_ENOTFOUND, "the STP-cancelled order is gone");
    chain_ex_order_info oi[2];
    cr_assert_eq(chain_ex_orders_of(ex, 0, oi, 2), 1);
    cr_assert_eq(oi[0].id, r.id);
    cr_assert_eq(oi[0].side, BSE_MATCH_BUY);
    chain_ex_free(ex);
}

/* ------------------------------------------------------------ custody events */

Test(chain_exchange, deposits_are_credited_after_the_confirmations)
{
    trades_seen ts = {0};
    chain_ex *ex = mk(4, 2, &ts);
    cr_assert_eq(chain_ex_deposit_seen(ex, BRAVO, 1, 5 * COIN, 0xd1, 10), CHAIN_EX_OK);
    cr_assert_eq(chain_ex_uncredited(ex, 1, BRAVO), 5 * COIN);
    cr_assert_eq(B(ex, 1, BRAVO).free, 0);
    cr_assert_eq(chain_ex_tip(ex, BRAVO, 10), CHAIN_EX_OK);
    cr_assert_eq(B(ex, 1, BRAVO).free, 0, "one confirmation of two");
    cr_assert_eq(chain_ex_custody(ex, BRAVO), 0);
    cr_assert_eq(chain_ex_tip(ex, ALPHA, 50), CHAIN_EX_OK);
    cr_assert_eq(B(ex, 1, BRAVO).free, 0, "another chain's tip");
    cr_assert_eq(chain_ex_tip(ex, BRAVO, 11), CHAIN_EX_OK);
    cr_assert_eq(B(ex, 1, BRAVO).free, 5 * COIN);
    cr_assert_eq(chain_ex_uncredited(ex, 1, BRAVO), 0);
    cr_assert_eq(chain_ex_custody(ex, BRAVO), 5 * COIN);
    cr_assert_eq(chain_ex_tip(ex, BRAVO, 12), CHAIN_EX_OK);
    cr_assert_eq(B(ex, 1, BRAVO).free, 5 * COIN, "credited once");
    /* the same id again with another amount is refused; unknown removals not found */
    cr_assert_eq(chain_ex_deposit_seen(ex, BRAVO, 1, 6 * COIN, 0xd1, 10), CHAIN_EX_EINVAL);
    cr_assert_eq(chain_ex_deposit_removed(ex, BRAVO, 0xd2), CHAIN_EX_ENOTFOUND);
    cr_assert_eq(chain_ex_deposit_seen(ex, 3, 1, COIN, 0xd3, 10), CHAIN_EX_EINVAL);
    cr_assert_eq(chain_ex_deposit_seen(ex, BRAVO, 4, COIN, 0xd3, 10), CHAIN_EX_EINVAL);
    cr_assert_eq(chain_ex_deposit_seen(ex, BRAVO, 1, 0, 0xd3, 10), CHAIN_EX_EINVAL);
    /* an uncredited deposit that leaves the chain changes no balance */
    cr_assert_eq(chain_ex_deposit_seen(ex, BRAVO, 2, COIN, 0xd4, 13), CHAIN_EX_OK);
    cr_assert_eq(chain_ex_deposit_removed(ex, BRAVO, 0xd4), CHAIN_EX_OK);
    cr_assert_eq(chain_ex_tip(ex, BRAVO, 20), CHAIN_EX_OK);
    cr_assert_eq(B(ex, 2, BRAVO).free, 0);
    cr_assert_eq(chain_ex_uncredited(ex, 2, BRAVO), COIN);
    cr_assert_eq(chain_ex_deposit_seen(ex, BRAVO, 2, COIN, 0xd4, 21), CHAIN_EX_OK);
    cr_assert_eq(chain_ex_tip(ex, BRAVO, 22), CHAIN_EX_OK);
    cr_assert_eq(B(ex, 2, BRAVO).free, COIN);
    /* confirmations = 1: credited at the tip that includes it */
    chain_ex *one = mk(2, 1, &ts);
    cr_assert_eq(chain_ex_deposit_seen(one, ALPHA, 0, COIN, 7, 3), CHAIN_EX_OK);
    cr_assert_eq(chain_ex_tip(one, ALPHA, 2), CHAIN_EX_OK);
    cr_assert_eq(B(one, 0, ALPHA).free, 0);
    cr_assert_eq(chain_ex_tip(one, ALPHA, 3), CHAIN_EX_OK);
    cr_assert_eq(B(one, 0, ALPHA).free, COIN);
    check_ok(ex);
    check_ok(one);
    chain_ex_free(one);
    chain_ex_free(ex);
}

Test(chain_exchange, withdrawals_are_pending_until_confirmed)
{
    trades_seen ts = {0};
    chain_ex *ex = mk(4, 2, &ts);
    grant(ex, CHARLIE, 0, 10 * COIN);
    uint64_t wid = 0;
    char why[CHAIN_EX_REASON_MAX];
    cr_assert_eq(chain_ex_withdraw(ex, CHARLIE, 0, 11 * COIN, &wid, why), CHAIN_EX_EREFUSED, "beyond free");
    cr_assert(why[0]);
    cr_assert_eq(wid, 0);
    cr_assert_eq(chain_ex_withdraw(ex, CHARLIE, 0, 0, &wid, why), CHAIN_EX_EREFUSED);
    /* locked coins cannot be withdrawn */
    place_ok(ex, 0, CA, BSE_MATCH_SELL, BSE_MATCH_LIMIT, PX(1.0), 8 * COIN, 0);
    cr_assert_eq(chain_ex_withdraw(ex, CHARLIE, 0, 3 * COIN, &wid, why), CHAIN_EX_EREFUSED);
    cr_assert_eq(chain_ex_withdraw(ex, CHARLIE, 0, 2 * COIN, &wid, why), CHAIN_EX_OK);
    cr_assert_neq(wid, 0);
    cr_assert_eq(B(ex, 0, CHARLIE).free, 0);
    cr_assert_eq(chain_ex_pending_withdrawals(ex, CHARLIE), 2 * COIN);
    cr_assert_eq(chain_ex_custody(ex, CHARLIE), 10 * COIN);
    check_ok(ex);
    cr_assert_eq(chain_ex_withdrawal_seen(ex, ALPHA, wid, 5), CHAIN_EX_ENOTFOUND, "wrong coin");
    cr_assert_eq(chain_ex_withdrawal_seen(ex, CHARLIE, wid + 1, 5), CHAIN_EX_ENOTFOUND);
    cr_assert_eq(chain_ex_withdrawal_seen(ex, CHARLIE, wid, 5), CHAIN_EX_OK);
    cr_assert_eq(chain_ex_tip(ex, CHARLIE, 5), CHAIN_EX_OK);
    cr_assert_eq(chain_ex_pending_withdrawals(ex, CHARLIE), 2 * COIN);
    cr_assert_eq(chain_ex_tip(ex, CHARLIE, 6), CHAIN_EX_OK);
    cr_assert_eq(chain_ex_pending_withdrawals(ex, CHARLIE), 0);
    cr_assert_eq(chain_ex_custody(ex, CHARLIE), 8 * COIN);
    check_ok(ex);
    chain_ex_free(ex);
}

/* ------------------------------------------------------------ THE reorganisation test */

/* A trader's coins, as the test models them (the exchange does not know the
 * on-chain part): own on-chain coins + exchange (free + locked - owed) + its
 * deposits not yet credited + its withdrawals sent but not in the best chain. */
typedef struct model_trader {
    int64_t onchain[CHAIN_EX_COINS];
    int64_t wd_in_flight[CHAIN_EX_COINS];
} model_trader;

static int64_t trader_total(const chain_ex *ex, const model_trader *m, uint32_t a, unsigned c)
{
    chain_ex_balance b = chain_ex_balance_of(ex, a, c);
    return m->onchain[c] + b.free + b.locked - b.owed + chain_ex_uncredited(ex, a, c) + m->wd_in_flight[c];
}

#define EXPECT_TOTALS()                                                                                            \
    do {                                                                                                           \
        check_ok(ex);                                                                                              \
        for (unsigned c_ = 0; c_ < CHAIN_EX_COINS; c_++) {                                                         \
            cr_assert_eq(trader_total(ex, &ta, 0, c_), want_a[c_], "step %d: trader A coin %u total %" PRId64      \
                         " want %" PRId64, step, c_, trader_total(ex, &ta, 0, c_), want_a[c_]);                    \
            cr_assert_eq(trader_total(ex, &tb, 1, c_), want_b[c_], "step %d: trader B coin %u total %" PRId64      \
                         " want %" PRId64, step, c_, trader_total(ex, &tb, 1, c_), want_b[c_]);                    \
        }                                                                                                          \
        step++;                                                                                                    \
    } while (0)

Test(chain_exchange, a_reorganisation_that_removes_a_deposit_and_a_withdrawal_changes_no_total)
{
    trades_seen ts = {0};
    chain_ex *ex = mk(2, 2, &ts);
    char why[CHAIN_EX_REASON_MAX];
    int step = 0;
    model_trader ta = {{0}, {0}}, tb = {{0}, {0}};
    ta.onchain[BRAVO] = 10 * COIN;
    tb.onchain[ALPHA] = 0;
    grant(ex, ALPHA, 1, 20 * COIN); /* B's coins, already on the exchange */
    grant(ex, ALPHA, 0, 1 * COIN);  /* A has a little ALPHA there too */
    int64_t want_a[CHAIN_EX_COINS] = {COIN, 10 * COIN, 0}, want_b[CHAIN_EX_COINS] = {20 * COIN, 0, 0};
    EXPECT_TOTALS();

    /* A deposits 6 BRAVO in block 10 (its transfer leaves its own on-chain coins) */
    ta.onchain[BRAVO] -= 6 * COIN;
    cr_assert_eq(chain_ex_deposit_seen(ex, BRAVO, 0, 6 * COIN, 77, 10), CHAIN_EX_OK);
    EXPECT_TOTALS();
    cr_assert_eq(chain_ex_tip(ex, BRAVO, 10), CHAIN_EX_OK);
    EXPECT_TOTALS();
    cr_assert_eq(chain_ex_tip(ex, BRAVO, 11), CHAIN_EX_OK);
    cr_assert_eq(B(ex, 0, BRAVO).free, 6 * COIN);
    EXPECT_TOTALS();

    /* A sells 4 BRAVO to B at 1.0 and rests 1 more at 3.0 */
    place_ok(ex, 1, BA, BSE_MATCH_BUY, BSE_MATCH_LIMIT, PX(1.0), 4 * COIN, 0);
    place_ok(ex, 0, BA, BSE_MATCH_SELL, BSE_MATCH_LIMIT, PX(1.0), 4 * COIN, 0);
    want_a[BRAVO] -= 4 * COIN;
    want_a[ALPHA] += 4 * COIN;
    want_b[BRAVO] += 4 * COIN;
    want_b[ALPHA] -= 4 * COIN;
    EXPECT_TOTALS();
    place_ok(ex, 0, BA, BSE_MATCH_SELL, BSE_MATCH_LIMIT, PX(3.0), COIN, 0);
    EXPECT_TOTALS();
    cr_assert_eq(B(ex, 0, BRAVO).free, COIN);
    cr_assert_eq(B(ex, 0, BRAVO).locked, COIN);

    /* block 10 leaves the best chain: 1 free taken, the resting sell cancelled and
     * taken, 4 owed (they were traded away); the deposit is uncredited again */
    cr_assert_eq(chain_ex_deposit_removed(ex, BRAVO, 77), CHAIN_EX_OK);
    cr_assert_eq(B(ex, 0, BRAVO).free, 0);
    cr_assert_eq(B(ex, 0, BRAVO).locked, 0);
    cr_assert_eq(B(ex, 0, BRAVO).owed, 4 * COIN);
    cr_assert_eq(chain_ex_uncredited(ex, 0, BRAVO), 6 * COIN);
    cr_assert_eq(chain_ex_orders_of(ex, 0, NULL, 0), 0);
    cr_assert_eq(chain_ex_custody(ex, BRAVO), 0, "B's 4 less A's debt of 4: the exchange holds no BRAVO");
    EXPECT_TOTALS();
    /* B keeps what it bought; A cannot withdraw anything while it owes */
    cr_assert_eq(B(ex, 1, BRAVO).free, 4 * COIN);
    uint64_t wid = 0;
    cr_assert_eq(chain_ex_withdraw(ex, ALPHA, 0, COIN, &wid, why), CHAIN_EX_EREFUSED);
    cr_assert(strstr(why, "owe") != NULL, "reason: %s", why);
    cr_assert_eq(chain_ex_withdraw(ex, BRAVO, 0, COIN, &wid, why), CHAIN_EX_EREFUSED);
    /* nor can B take out BRAVO the exchange no longer holds on chain */
    cr_assert_eq(chain_ex_withdraw(ex, BRAVO, 1, COIN, &wid, why), CHAIN_EX_EREFUSED);
    cr_assert(strstr(why, "holds") != NULL, "reason: %s", why);
    EXPECT_TOTALS();
    /* the new branch's tips credit nothing */
    cr_assert_eq(chain_ex_tip(ex, BRAVO, 11), CHAIN_EX_OK);
    cr_assert_eq(chain_ex_tip(ex, BRAVO, 12), CHAIN_EX_OK);
    EXPECT_TOTALS();

    /* the transfer is re-included at 12 and confirms at 13: the debt is repaid first */
    cr_assert_eq(chain_ex_deposit_seen(ex, BRAVO, 0, 6 * COIN, 77, 12), CHAIN_EX_OK);
    EXPECT_TOTALS();
    cr_assert_eq(chain_ex_tip(ex, BRAVO, 12), CHAIN_EX_OK);
    cr_assert_eq(B(ex, 0, BRAVO).owed, 4 * COIN);
    EXPECT_TOTALS();
    cr_assert_eq(chain_ex_tip(ex, BRAVO, 13), CHAIN_EX_OK);
    cr_assert_eq(B(ex, 0, BRAVO).owed, 0);
    cr_assert_eq(B(ex, 0, BRAVO).free, 2 * COIN);
    cr_assert_eq(chain_ex_uncredited(ex, 0, BRAVO), 0);
    cr_assert_eq(chain_ex_custody(ex, BRAVO), 6 * COIN, "B's 4 + A's 2");
    EXPECT_TOTALS();

    /* now A withdraws 2 BRAVO; sent at once, in the best chain at 14, confirmed at 15 */
    cr_assert_eq(chain_ex_withdraw(ex, BRAVO, 0, 2 * COIN, &wid, why), CHAIN_EX_OK, "%s", why);
    ta.wd_in_flight[BRAVO] += 2 * COIN;
    EXPECT_TOTALS();
    cr_assert_eq(chain_ex_withdrawal_seen(ex, BRAVO, wid, 14), CHAIN_EX_OK);
    ta.wd_in_flight[BRAVO] -= 2 * COIN;
    ta.onchain[BRAVO] += 2 * COIN;
    EXPECT_TOTALS();
    cr_assert_eq(chain_ex_tip(ex, BRAVO, 14), CHAIN_EX_OK);
    EXPECT_TOTALS();
    cr_assert_eq(chain_ex_tip(ex, BRAVO, 15), CHAIN_EX_OK);
    cr_assert_eq(chain_ex_pending_withdrawals(ex, BRAVO), 0);
    cr_assert_eq(chain_ex_custody(ex, BRAVO), 4 * COIN);
    EXPECT_TOTALS();

    /* block 14 is orphaned: the withdrawal is pending again, custody grows back */
    cr_assert_eq(chain_ex_withdrawal_removed(ex, BRAVO, wid), CHAIN_EX_OK);
    ta.onchain[BRAVO] -= 2 * COIN;
    ta.wd_in_flight[BRAVO] += 2 * COIN;
    cr_assert_eq(chain_ex_pending_withdrawals(ex, BRAVO), 2 * COIN);
    cr_assert_eq(chain_ex_custody(ex, BRAVO), 6 * COIN);
    EXPECT_TOTALS();
    cr_assert_eq(chain_ex_tip(ex, BRAVO, 15), CHAIN_EX_OK);
    cr_assert_eq(chain_ex_pending_withdrawals(ex, BRAVO), 2 * COIN, "not confirmed while out of the chain");
    EXPECT_TOTALS();
    /* re-broadcast, seen at 16, confirmed at 17 */
    cr_assert_eq(chain_ex_withdrawal_seen(ex, BRAVO, wid, 16), CHAIN_EX_OK);
    ta.onchain[BRAVO] += 2 * COIN;
    ta.wd_in_flight[BRAVO] -= 2 * COIN;
    EXPECT_TOTALS();
    cr_assert_eq(chain_ex_tip(ex, BRAVO, 16), CHAIN_EX_OK);
    cr_assert_eq(chain_ex_pending_withdrawals(ex, BRAVO), 2 * COIN);
    EXPECT_TOTALS();
    cr_assert_eq(chain_ex_tip(ex, BRAVO, 17), CHAIN_EX_OK);
    cr_assert_eq(chain_ex_pending_withdrawals(ex, BRAVO), 0);
    cr_assert_eq(chain_ex_custody(ex, BRAVO), 4 * COIN);
    EXPECT_TOTALS();

    /* a removal of a seen-but-unconfirmed withdrawal: back to pending, no custody change */
    cr_assert_eq(chain_ex_withdraw(ex, ALPHA, 0, COIN, &wid, why), CHAIN_EX_OK, "%s", why);
    ta.wd_in_flight[ALPHA] += COIN;
    cr_assert_eq(chain_ex_withdrawal_seen(ex, ALPHA, wid, 3), CHAIN_EX_OK);
    ta.wd_in_flight[ALPHA] -= COIN;
    ta.onchain[ALPHA] += COIN;
    EXPECT_TOTALS();
    cr_assert_eq(chain_ex_withdrawal_removed(ex, ALPHA, wid), CHAIN_EX_OK);
    ta.wd_in_flight[ALPHA] += COIN;
    ta.onchain[ALPHA] -= COIN;
    cr_assert_eq(chain_ex_custody(ex, ALPHA), 21 * COIN);
    cr_assert_eq(chain_ex_pending_withdrawals(ex, ALPHA), COIN);
    EXPECT_TOTALS();
    cr_assert_eq(chain_ex_tip(ex, ALPHA, 9), CHAIN_EX_OK);
    cr_assert_eq(chain_ex_pending_withdrawals(ex, ALPHA), COIN);
    EXPECT_TOTALS();
    chain_ex_free(ex);
}

Test(chain_exchange, a_removed_deposit_partly_covered_by_free_and_orders_on_other_coins_untouched)
{
    trades_seen ts = {0};
    chain_ex *ex = mk(2, 1, &ts);
    grant(ex, ALPHA, 0, 5 * COIN);
    cr_assert_eq(chain_ex_deposit_seen(ex, CHARLIE, 0, 3 * COIN, 1, 1), CHAIN_EX_OK);
    cr_assert_eq(chain_ex_tip(ex, CHARLIE, 1), CHAIN_EX_OK);
    grant(ex, CHARLIE, 0, COIN); /* 4 CHARLIE in all */
    chain_ex_place_result buy = place_ok(ex, 0, CA, BSE_MATCH_BUY, BSE_MATCH_LIMIT, PX(1.0), 2 * COIN, 0);
    chain_ex_place_result s1 = place_ok(ex, 0, CB, BSE_MATCH_SELL, BSE_MATCH_LIMIT, PX(2.0), COIN, 0);
    chain_ex_place_result s2 = place_ok(ex, 0, CA, BSE_MATCH_SELL, BSE_MATCH_LIMIT, PX(9.0), COIN, 0);
    /* 2 free CHARLIE, 2 locked in s1 and s2: removing 3 takes 2 free + cancels s1 (lower id) */
    cr_assert_eq(chain_ex_deposit_removed(ex, CHARLIE, 1), CHAIN_EX_OK);
    cr_assert_eq(B(ex, 0, CHARLIE).free, 0);
    cr_assert_eq(B(ex, 0, CHARLIE).locked, COIN);
    cr_assert_eq(B(ex, 0, CHARLIE).owed, 0);
    chain_ex_order_info oi[4];
    cr_assert_eq(chain_ex_orders_of(ex, 0, oi, 4), 2);
    cr_assert(oi[0].id == buy.id || oi[1].id == buy.id, "the ALPHA-locking buy stays");
    cr_assert(oi[0].id == s2.id || oi[1].id == s2.id);
    (void)s1;
    check_ok(ex);
    chain_ex_free(ex);
}

/* ------------------------------------------------------------ random walk */

typedef struct walk_dep {
    uint64_t id;
    uint32_t account;
    unsigned coin;
    int64_t amount;
    int in_chain;
} walk_dep;

typedef struct walk_wd {
    uint64_t id;
    unsigned coin;
    int in_chain;
} walk_wd;

static uint64_t walk_next(uint64_t *s)
{
    *s += 0x9e3779b97f4a7c15ULL;
    uint64_t z = *s;
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

Test(chain_exchange, a_random_walk_keeps_the_invariant_and_every_account_whole)
{
    enum { NA = 8, OPS = 6000 };
    uint64_t seed = 20261201;
    const char *env = getenv("CHAIN_EX_TEST_SEED");
    if (env && *env)
        seed = strtoull(env, NULL, 10);
    printf("chain_exchange random walk seed %" PRIu64 "\n", seed);
    uint64_t rs = seed;
    trades_seen ts = {0};
    chain_ex *ex = mk(NA, 1 + (uint32_t)(seed % 3), &ts);
    static walk_dep deps[OPS];
    static walk_wd wds[OPS];
    size_t nd = 0, nw = 0;
    int64_t in[NA][CHAIN_EX_COINS] = {{0}};  /* grants + deposits made (distinct) */
    int64_t out[NA][CHAIN_EX_COINS] = {{0}}; /* withdrawals made */
    uint64_t tip[CHAIN_EX_COINS] = {0};
    size_t counts[12] = {0}, owed_ops = 0;
    for (int op = 0; op < OPS; op++) {
        uint64_t r = walk_next(&rs);
        uint32_t a = (uint32_t)(r % NA);
        unsigned coin = (unsigned)((r >> 8) % 3);
        unsigned pair = (unsigned)((r >> 12) % 3);
        int kind = (int)((r >> 16) % 100);
        char why[CHAIN_EX_REASON_MAX];
        chain_ex_code rc = CHAIN_EX_OK;
        if (kind < 3) { /* grant */
            int64_t amt = (int64_t)(1 + (r >> 24) % 50) * COIN;
            rc = chain_ex_grant(ex, coin, a, amt);
            in[a][coin] += amt;
            counts[0]++;
        } else if (kind < 12) { /* new deposit in the next block (or one behind) */
            int64_t amt = (int64_t)(1 + (r >> 24) % 20000) * 1000;
            walk_dep *d = &deps[nd++];
            *d = (walk_dep){.id = 1000 + (uint64_t)op, .account = a, .coin = coin, .amount = amt, .in_chain = 1};
            uint64_t h = tip[coin] + 1 - ((r >> 40) & 1);
            rc = chain_ex_deposit_seen(ex, coin, a, amt, d->id, h);
            in[a][coin] += amt;
            counts[1]++;
        } else if (kind < 22) { /* tip moves (mostly up; sometimes the same) */
            tip[coin] += (r >> 24) % 4 ? 1 : 0;
            rc = chain_ex_tip(ex, coin, tip[coin]);
            counts[2]++;
        } else if (kind < 26 && nd) { /* a deposit's block leaves the chain */
            walk_dep *d = &deps[(r >> 24) % nd];
            if (d->in_chain) {
                rc = chain_ex_deposit_removed(ex, d->coin, d->id);
                d->in_chain = 0;
                counts[3]++;
            }
        } else if (kind < 30 && nd) { /* a removed deposit comes back */
            walk_dep *d = &deps[(r >> 24) % nd];
            if (!d->in_chain) {
                rc = chain_ex_deposit_seen(ex, d->coin, d->account, d->amount, d->id, tip[d->coin] + 1);
                d->in_chain = 1;
                counts[4]++;
            }
        } else if (kind < 80) { /* an order */
            int side = (int)((r >> 24) & 1);
            int type = (int)((r >> 25) % 10);
            type = type < 6 ? BSE_MATCH_LIMIT : type < 8 ? BSE_MATCH_MARKET : BSE_MATCH_IOC;
            int64_t price = 8000 + (int64_t)((r >> 28) % 4001);
            int64_t qty = (int64_t)(1 + (r >> 40) % 400) * CHAIN_EX_QTY_STEP;
            if ((r >> 50) % 50 == 0)
                qty += 1; /* off step: refused */
            int64_t budget = 0;
            if (side == BSE_MATCH_BUY && type == BSE_MATCH_MARKET && (r >> 52) & 1)
                budget = (int64_t)(1 + (r >> 53) % 3000) * 1000;
            chain_ex_place_result pr;
            rc = chain_ex_place(ex, a, pair, side, type, price, qty, budget, op, &pr, why);
            cr_assert(rc == CHAIN_EX_OK || rc == CHAIN_EX_EREFUSED, "op %d place rc %d: %s", op, rc, why);
            if (rc == CHAIN_EX_OK) {
                cr_assert_eq(pr.filled + pr.rested + pr.cancelled, qty, "op %d: filled+rested+cancelled", op);
                if (side == BSE_MATCH_BUY && type == BSE_MATCH_MARKET && budget > 0)
                    cr_assert_leq(pr.spent, budget);
            }
            counts[5 + (rc == CHAIN_EX_OK)]++;
            rc = CHAIN_EX_OK;
        } else if (kind < 90) { /* cancel one of the account's orders (or someone else's) */
            chain_ex_order_info oi[64];
            uint32_t owner = (r >> 24) % 10 ? a : (a + 1) % NA;
            size_t n = chain_ex_orders_of(ex, owner, oi, 64);
            if (n) {
                size_t k = (r >> 32) % (n < 64 ? n : 64);
                rc = chain_ex_cancel(ex, a, oi[k].id, why);
                cr_assert(rc == (owner == a ? CHAIN_EX_OK : CHAIN_EX_EREFUSED), "op %d cancel rc %d", op, rc);
                rc = CHAIN_EX_OK;
                counts[7]++;
            }
        } else if (kind < 95) { /* withdraw */
            chain_ex_balance b = chain_ex_balance_of(ex, a, coin);
            int64_t amt = (r >> 24) % 4 == 0 ? b.free + 1 : (int64_t)((r >> 26) % (uint64_t)(b.free + 1));
            uint64_t wid = 0;
            int owes = 0;
            for (unsigned c = 0; c < CHAIN_EX_COINS; c++)
                owes |= chain_ex_balance_of(ex, a, c).owed > 0;
            int64_t room = chain_ex_custody(ex, coin) - chain_ex_pending_withdrawals(ex, coin);
            rc = chain_ex_withdraw(ex, coin, a, amt, &wid, why);
            if (amt > 0 && amt <= b.free && !owes && amt <= room) {
                cr_assert_eq(rc, CHAIN_EX_OK, "op %d withdraw: %s", op, why);
                out[a][coin] += amt;
                wds[nw++] = (walk_wd){.id = wid, .coin = coin, .in_chain = 0};
                counts[8]++;
            } else {
                cr_assert_eq(rc, CHAIN_EX_EREFUSED, "op %d withdraw %" PRId64 " of free %" PRId64, op, amt, b.free);
                cr_assert_eq(wid, 0);
                counts[9]++;
            }
            rc = CHAIN_EX_OK;
        } else if (nw) { /* a withdrawal enters or leaves the chain */
            walk_wd *w = &wds[(r >> 24) % nw];
            if (w->in_chain) {
                rc = chain_ex_withdrawal_removed(ex, w->coin, w->id);
                counts[10]++;
            } else {
                rc = chain_ex_withdrawal_seen(ex, w->coin, w->id, tip[w->coin] + 1);
                counts[11]++;
            }
            w->in_chain = !w->in_chain;
        }
        cr_assert_eq(rc, CHAIN_EX_OK, "op %d rc %d (%s)", op, rc, chain_ex_last_error(ex)->msg);
        common_error e;
        cr_assert_eq(chain_ex_check(ex, &e), CHAIN_EX_OK, "op %d: %s: %s", op, e.field, e.msg);
        for (unsigned c = 0; c < CHAIN_EX_COINS; c++) {
            int64_t sum = 0;
            for (uint32_t k = 0; k < NA; k++) {
                chain_ex_balance b = chain_ex_balance_of(ex, k, c);
                cr_assert(b.free >= 0 && b.locked >= 0 && b.owed >= 0);
                sum += b.free + b.locked - b.owed;
                /* every account whole: what came in + what it traded = exchange + in flight + out */
                int64_t have = b.free + b.locked - b.owed + chain_ex_uncredited(ex, k, c) + out[k][c];
                cr_assert_eq(have, in[k][c] + ts.flow[k][c], "op %d account %u coin %u off by %" PRId64, op, k, c,
                             have - in[k][c] - ts.flow[k][c]);
            }
            cr_assert_eq(sum + chain_ex_pending_withdrawals(ex, c), chain_ex_custody(ex, c),
                         "op %d coin %u: conservation", op, c);
        }
        for (uint32_t k = 0; k < NA; k++)
            if (chain_ex_balance_of(ex, k, coin).owed > 0) {
                owed_ops++;
                break;
            }
    }
    printf("grants %zu deposits %zu tips %zu removed %zu re-seen %zu orders %zu/%zu refused cancels %zu "
           "withdrawals %zu/%zu refused wd removed %zu seen %zu trades %zu\n",
           counts[0], counts[1], counts[2], counts[3], counts[4], counts[6], counts[5], counts[7], counts[8],
           counts[9], counts[10], counts[11], ts.n);
    cr_assert_gt(ts.n, 300, "the walk trades");
    cr_assert_gt(counts[3], 50, "the walk removes deposits");
    printf("operations with a debt outstanding: %zu\n", owed_ops);
    cr_assert_gt(owed_ops, 0, "the walk makes debts (a removed deposit already traded away)");
    cr_assert_eq(ts.bad_quote, 0);
    chain_ex_free(ex);
}

/* ------------------------------------------------------------ stats */

typedef struct bars_seen {
    size_t n;
    chain_ex_stats_bar b[64];
} bars_seen;

static void on_bar(void *user, const chain_ex_stats_bar *b)
{
    bars_seen *s = user;
    if (s->n < 64)
        s->b[s->n] = *b;
    s->n++;
}

static chain_ex_trade trade_at(double t, unsigned pair, int64_t price, int64_t qty)
{
    chain_ex_trade x = {.time = t, .pair = pair, .price = price, .qty = qty, .quote = chain_ex_quote_units(price, qty)};
    return x;
}

Test(chain_exchange_stats, ohlc_vwap_and_volume_of_a_known_sequence)
{
    chain_ex_stats s;
    cr_assert_eq(chain_ex_stats_init(&s, 0.0, 0.0), -1);
    cr_assert_eq(chain_ex_stats_init(&s, 100.0, 60.0), 0);
    bars_seen bs = {0};
    chain_ex_trade seq[] = {
        trade_at(100.0, BA, PX(1.00), Q(2)),  trade_at(110.0, BA, PX(1.20), Q(1)), trade_at(120.0, BA, PX(0.90), Q(1)),
        trade_at(150.0, CA, PX(5.00), Q(0.5)), trade_at(159.9, BA, PX(1.10), Q(4)),
        /* period 1 empty; period 2: */
        trade_at(225.0, BA, PX(1.30), Q(1)),
    };
    for (size_t i = 0; i < sizeof seq / sizeof seq[0]; i++)
        chain_ex_stats_add(&s, &seq[i], on_bar, &bs);
    chain_ex_stats_flush(&s, on_bar, &bs);
    cr_assert_eq(bs.n, 9, "3 periods x 3 pairs");
    const chain_ex_stats_bar *b = &bs.b[0];
    cr_assert_eq(b->pair, BA);
    cr_assert_eq(b->period, 0);
    cr_assert_float_eq(b->t0, 100.0, 1e-12);
    cr_assert_float_eq(b->t1, 160.0, 1e-12);
    cr_assert_eq(b->open, PX(1.00));
    cr_assert_eq(b->high, PX(1.20));
    cr_assert_eq(b->low, PX(0.90));
    cr_assert_eq(b->close, PX(1.10));
    cr_assert_eq(b->n_trades, 4);
    cr_assert_eq(b->volume_base, Q(8));
    /* quote: 2 + 1.2 + 0.9 + 4.4 = 8.5 ALPHA; VWAP = 8.5 / 8 = 1.0625 */
    cr_assert_eq(b->volume_quote, 8500000);
    cr_assert_float_eq(chain_ex_stats_vwap(b), 10625.0, 1e-9);
    b = &bs.b[1];
    cr_assert_eq(b->pair, CA);
    cr_assert_eq(b->n_trades, 1);
    cr_assert_eq(b->open, PX(5.0));
    cr_assert_eq(b->volume_quote, 2500000);
    cr_assert_float_eq(chain_ex_stats_vwap(b), 50000.0, 1e-9);
    b = &bs.b[2];
    cr_assert_eq(b->pair, CB);
    cr_assert_eq(b->n_trades, 0);
    cr_assert_eq(b->open, 0);
    cr_assert_float_eq(chain_ex_stats_vwap(b), 0.0, 1e-12);
    b = &bs.b[3]; /* empty period carries the close */
    cr_assert_eq(b->period, 1);
    cr_assert_eq(b->n_trades, 0);
    cr_assert_eq(b->open, PX(1.10));
    cr_assert_eq(b->high, PX(1.10));
    cr_assert_eq(b->low, PX(1.10));
    cr_assert_eq(b->close, PX(1.10));
    cr_assert_eq(b->volume_base, 0);
    cr_assert_eq(bs.b[4].close, PX(5.0));
    b = &bs.b[6];
    cr_assert_eq(b->period, 2);
    cr_assert_eq(b->n_trades, 1);
    cr_assert_eq(b->open, PX(1.30));
    cr_assert_eq(b->low, PX(1.30));
    cr_assert_float_eq(b->t0, 220.0, 1e-12);
}

Test(chain_exchange_stats, the_trade_stream_of_the_clearing_house_feeds_the_bars)
{
    trades_seen ts = {0};
    chain_ex *ex = mk(3, 2, &ts);
    grant(ex, BRAVO, 0, 10 * COIN);
    grant(ex, ALPHA, 1, 100 * COIN);
    place_ok(ex, 0, BA, BSE_MATCH_SELL, BSE_MATCH_LIMIT, PX(2.0), Q(1), 0);
    place_ok(ex, 0, BA, BSE_MATCH_SELL, BSE_MATCH_LIMIT, PX(2.5), Q(1), 0);
    place_ok(ex, 0, BA, BSE_MATCH_SELL, BSE_MATCH_LIMIT, PX(3.0), Q(1), 0);
    place_ok(ex, 1, BA, BSE_MATCH_BUY, BSE_MATCH_MARKET, 0, Q(3), 0);
    cr_assert_eq(ts.n, 3);
    chain_ex_stats s;
    cr_assert_eq(chain_ex_stats_init(&s, 0.0, 10.0), 0);
    bars_seen bs = {0};
    for (size_t i = 0; i < ts.n; i++)
        chain_ex_stats_add(&s, &ts.t[i], on_bar, &bs);
    cr_assert_eq(bs.n, 0);
    const chain_ex_stats_bar *b = &s.cur[BA];
    cr_assert_eq(b->open, PX(2.0));
    cr_assert_eq(b->high, PX(3.0));
    cr_assert_eq(b->close, PX(3.0));
    cr_assert_eq(b->volume_quote, 15 * COIN / 2);
    cr_assert_float_eq(chain_ex_stats_vwap(b), PX(2.5), 1e-9);
    chain_ex_free(ex);
}

Test(chain_exchange_stats, a_book_snapshot_gives_best_prices_spread_and_depth)
{
    trades_seen ts = {0};
    chain_ex *ex = mk(3, 2, &ts);
    chain_ex_stats_book sb;
    chain_ex_stats_book_of(&sb, chain_ex_book(ex, CB), 5);
    cr_assert_eq(sb.best_bid, 0);
    cr_assert_eq(sb.spread, 0);
    cr_assert_eq(sb.n_bids + sb.n_asks, 0);
    grant(ex, CHARLIE, 0, 10 * COIN);
    grant(ex, BRAVO, 1, 100 * COIN);
    place_ok(ex, 0, CB, BSE_MATCH_SELL, BSE_MATCH_LIMIT, PX(2.0), Q(1), 0);
    place_ok(ex, 0, CB, BSE_MATCH_SELL, BSE_MATCH_LIMIT, PX(2.0), Q(2), 0);
    place_ok(ex, 0, CB, BSE_MATCH_SELL, BSE_MATCH_LIMIT, PX(2.5), Q(1), 0);
    place_ok(ex, 0, CB, BSE_MATCH_SELL, BSE_MATCH_LIMIT, PX(3.0), Q(1), 0);
    place_ok(ex, 1, CB, BSE_MATCH_BUY, BSE_MATCH_LIMIT, PX(1.5), Q(4), 0);
    place_ok(ex, 1, CB, BSE_MATCH_BUY, BSE_MATCH_LIMIT, PX(1.0), Q(1), 0);
    chain_ex_stats_book_of(&sb, chain_ex_book(ex, CB), 2);
    cr_assert_eq(sb.best_bid, PX(1.5));
    cr_assert_eq(sb.best_ask, PX(2.0));
    cr_assert_eq(sb.spread, PX(0.5));
    cr_assert_float_eq(sb.mid, (double)PX(1.75), 1e-9);
    cr_assert_eq(sb.n_asks, 2);
    cr_assert_eq(sb.asks[0][0], PX(2.0));
    cr_assert_eq(sb.asks[0][1], Q(3));
    cr_assert_eq(sb.asks[1][0], PX(2.5));
    cr_assert_eq(sb.depth_ask, Q(4));
    cr_assert_eq(sb.n_bids, 2);
    cr_assert_eq(sb.bids[1][0], PX(1.0));
    cr_assert_eq(sb.depth_bid, Q(5));
    chain_ex_stats_book_of(&sb, chain_ex_book(ex, CB), 1000);
    cr_assert_eq(sb.n_asks, 3, "capped at what rests");
    chain_ex_free(ex);
}

/* ------------------------------------------------------------ replay */

typedef struct hash_sink {
    uint64_t h;
    size_t n;
} hash_sink;

static void fnv(uint64_t *h, const void *p, size_t n)
{
    const unsigned char *b = p;
    for (size_t i = 0; i < n; i++)
        *h = (*h ^ b[i]) * 0x100000001b3ULL;
}

static void hash_trade(void *user, const chain_ex_trade *t)
{
    hash_sink *s = user;
    int64_t v[8] = {(int64_t)t->pair, t->price, t->qty, t->quote, t->buyer, t->seller, (int64_t)t->buy_id,
                    (int64_t)t->sell_id};
    fnv(&s->h, v, sizeof v);
    s->n++;
    cr_assert_eq(t->buy_id & 3, t->pair, "an id names its pair");
    cr_assert_eq(t->sell_id & 3, t->pair);
}

static uint64_t replay_digest(uint64_t seed, size_t *n_trades)
{
    hash_sink hs = {0xcbf29ce484222325ULL, 0};
    chain_ex *ex = NULL;
    chain_ex_opts o = {.n_accounts = 5, .confirmations = 2, .check_every = 0, .on_trade = hash_trade, .user = &hs};
    cr_assert_eq(chain_ex_create(&ex, &o), CHAIN_EX_OK);
    for (uint32_t a = 0; a < 5; a++)
        for (unsigned c = 0; c < CHAIN_EX_COINS; c++)
            cr_assert_eq(chain_ex_grant(ex, c, a, 50 * COIN), CHAIN_EX_OK);
    uint64_t rs = seed;
    for (int i = 0; i < 3000; i++) {
        uint64_t r = walk_next(&rs);
        uint32_t a = (uint32_t)(r % 5);
        chain_ex_place_result pr;
        if ((r >> 8) % 5 == 0) {
            chain_ex_order_info oi[1];
            if (chain_ex_orders_of(ex, a, oi, 1))
                cr_assert_eq(chain_ex_cancel(ex, a, oi[0].id, NULL), CHAIN_EX_OK);
            continue;
        }
        int type = (int)((r >> 12) % 3);
        (void)chain_ex_place(ex, a, (unsigned)((r >> 16) % 3), (int)((r >> 20) & 1), type,
                             9000 + (int64_t)((r >> 24) % 2001), (int64_t)(1 + (r >> 40) % 200) * CHAIN_EX_QTY_STEP, 0,
                             i, &pr, NULL);
    }
    for (uint32_t a = 0; a < 5; a++)
        for (unsigned c = 0; c < CHAIN_EX_COINS; c++) {
            chain_ex_balance b = chain_ex_balance_of(ex, a, c);
            fnv(&hs.h, &b, sizeof b);
        }
    common_error e;
    cr_assert_eq(chain_ex_check(ex, &e), CHAIN_EX_OK, "%s", e.msg);
    chain_ex_free(ex);
    *n_trades = hs.n;
    return hs.h;
}

Test(chain_exchange, the_same_operations_replay_to_the_same_trades_and_balances)
{
    size_t n1 = 0, n2 = 0, n3 = 0;
    uint64_t a = replay_digest(7, &n1), b = replay_digest(7, &n2), c = replay_digest(8, &n3);
    cr_assert_gt(n1, 100);
    cr_assert_eq(n1, n2);
    cr_assert_eq(a, b, "replay digest differs");
    cr_assert_neq(a, c, "another seed, another run");
}

Test(chain_exchange, orders_of_lists_the_smallest_ids_in_order_and_counts_all)
{
    trades_seen ts = {0};
    chain_ex *ex = mk(2, 2, &ts);
    grant(ex, ALPHA, 0, 100 * COIN);
    grant(ex, BRAVO, 0, 100 * COIN);
    uint64_t ids[9];
    for (int i = 0; i < 9; i++) {
        unsigned pair = (unsigned)(i % 3);
        /* buys on all three pairs (ALPHA or BRAVO locked): ids interleave across pairs */
        ids[i] = place_ok(ex, 0, pair, BSE_MATCH_BUY, BSE_MATCH_LIMIT, PX(0.5) + i, Q(1), 0).id;
    }
    chain_ex_order_info oi[4];
    cr_assert_eq(chain_ex_orders_of(ex, 0, oi, 4), 9);
    uint64_t sorted[9];
    memcpy(sorted, ids, sizeof ids);
    for (int i = 1; i < 9; i++)
        for (int j = i; j > 0 && sorted[j - 1] > sorted[j]; j--) {
            uint64_t t = sorted[j];
            sorted[j] = sorted[j - 1];
            sorted[j - 1] = t;
        }
    for (int i = 0; i < 4; i++)
        cr_assert_eq(oi[i].id, sorted[i], "entry %d", i);
    cr_assert_eq(chain_ex_orders_of(ex, 1, oi, 4), 0);
    chain_ex_free(ex);
}
