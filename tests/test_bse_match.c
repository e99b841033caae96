/* tests/test_bse_match.c - behaviours of the exchange-mode matching engine
 * (bse/match.h, economy.md s4); suite bse_match.
 *
 * Targeted tests pin each rule on small books. Then seeded random order flows
 * (limit / market / IOC / cancel / invalid, few owners so self-trade prevention
 * fires, a narrow price band so most orders fill partially, quote caps on some
 * buys, quantities in multiples of qty_unit, and a flow with amounts near 2^63)
 * are run through bse_match and through a slow reference matcher written here
 * from the rules alone (one array of resting orders in submission order, linear
 * scans for the best order, 128-bit arithmetic for every amount). After every
 * operation the two must agree event by event, on the result, on every resting
 * order and on the counters; depth is compared every few operations and
 * bse_match_check must pass after every one. Set BSE_TEST_SEED to replay with
 * another seed (the seed in use is printed). Sanitizer builds (BSE_CHECK) run a
 * twentieth of the flows.
 */
#include <criterion/criterion.h>

#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bse/match.h"

__extension__ typedef __int128 i128;

#if defined(BSE_CHECK) || defined(__SANITIZE_ADDRESS__)
#define FLOW_SCALE 20
#else
#define FLOW_SCALE 1
#endif

/* ------------------------------------------------------------ event log */

typedef struct evlog {
    bse_match_event *ev;
    size_t n, cap;
} evlog;

static void ev_push(evlog *l, const bse_match_event *e)
{
    if (l->n == l->cap) {
        l->cap = l->cap ? l->cap * 2 : 64;
        l->ev = realloc(l->ev, sizeof *l->ev * l->cap);
        cr_assert(l->ev, "out of memory");
    }
    l->ev[l->n++] = *e;
}

static void on_event(void *user, const bse_match_event *e)
{
    ev_push(user, e);
}

/* ------------------------------------------------------------ helpers for the targeted tests */

static bse_match_order ord(bse_match_side side, bse_match_type type, int32_t owner, int64_t price, int64_t qty)
{
    return (bse_match_order){.side = side, .type = type, .owner = owner, .price = price, .qty = qty};
}

static bse_match_order buy(int32_t owner, int64_t price, int64_t qty)
{
    return ord(BSE_MATCH_BUY, BSE_MATCH_LIMIT, owner, price, qty);
}

static bse_match_order sell(int32_t owner, int64_t price, int64_t qty)
{
    return ord(BSE_MATCH_SELL, BSE_MATCH_LIMIT, owner, price, qty);
}

static void init_ok(bse_match *m, int64_t unit)
{
    cr_assert_eq(bse_match_init(m, unit), BSE_MATCH_OK);
    cr_assert_eq(bse_match_check(m), 0);
}

/* Submits o (must be accepted), logging its events; checks the book afterwards. */
static bse_match_result sub(bse_match *m, bse_match_order o, evlog *log)
{
    bse_match_result r;
    log->n = 0;
    cr_assert_eq(bse_match_submit(m, &o, on_event, log, &r), BSE_MATCH_OK, "submit refused");
    cr_assert_eq(bse_match_check(m), 0, "check %d after submit", bse_match_check(m));
    cr_assert_eq(r.filled + r.rested + r.cancelled, o.qty);
    cr_assert_geq(log->n, 1);
    const bse_match_event *end = &log->ev[log->n - 1];
    cr_assert(end->kind == BSE_MATCH_EV_REST || end->kind == BSE_MATCH_EV_DONE);
    cr_assert_eq(end->taker_id, r.id);
    return r;
}

static uint64_t rest(bse_match *m, bse_match_order o)
{
    evlog log = {0};
    bse_match_result r = sub(m, o, &log);
    cr_assert_eq(r.rested, o.qty, "order expected to rest whole");
    free(log.ev);
    return r.id;
}

static void expect_ev(const evlog *log, size_t i, bse_match_event_kind kind, uint64_t taker, uint64_t maker,
                      int64_t price, int64_t qty)
{
    cr_assert_lt(i, log->n, "event %zu missing (have %zu)", i, log->n);
    const bse_match_event *e = &log->ev[i];
    cr_assert_eq(e->kind, kind, "event %zu kind %d, expected %d", i, (int)e->kind, (int)kind);
    cr_assert_eq(e->taker_id, taker, "event %zu taker %" PRIu64 ", expected %" PRIu64, i, e->taker_id, taker);
    cr_assert_eq(e->maker_id, maker, "event %zu maker %" PRIu64 ", expected %" PRIu64, i, e->maker_id, maker);
    cr_assert_eq(e->price, price, "event %zu price %" PRId64 ", expected %" PRId64, i, e->price, price);
    cr_assert_eq(e->qty, qty, "event %zu qty %" PRId64 ", expected %" PRId64, i, e->qty, qty);
}

static int64_t resting_qty(const bse_match *m, uint64_t id)
{
    bse_match_info in;
    return bse_match_get(m, id, &in) ? in.qty : 0;
}

/* ------------------------------------------------------------ targeted tests */

Test(bse_match, init_refuses_a_unit_below_one_and_starts_empty)
{
    bse_match m;
    cr_assert_eq(bse_match_init(&m, 0), BSE_MATCH_EINVAL);
    bse_match_clear(&m);
    cr_assert_eq(bse_match_init(&m, -5), BSE_MATCH_EINVAL);
    bse_match_clear(&m);
    init_ok(&m, 1);
    cr_assert_eq(m.next_id, 1);
    cr_assert_eq(bse_match_best_bid(&m), 0);
    cr_assert_eq(bse_match_best_ask(&m), 0);
    int64_t lv[4][2];
    cr_assert_eq(bse_match_depth(&m, BSE_MATCH_BUY, lv, 4), 0);
    cr_assert_eq(bse_match_depth(&m, BSE_MATCH_SELL, lv, 4), 0);
    cr_assert_eq(m.last_price, 0);
    bse_match_clear(&m);
    bse_match_clear(&m); /* a cleared book may be cleared again */
    bse_match z;
    memset(&z, 0, sizeof z);
    bse_match_clear(&z);
}

Test(bse_match, ids_are_1_2_3_in_submission_order_even_for_orders_that_fill_at_once)
{
    bse_match m;
    init_ok(&m, 1);
    evlog log = {0};
    cr_assert_eq(rest(&m, sell(1, 100, 5)), 1);
    cr_assert_eq(sub(&m, buy(2, 100, 5), &log).id, 2); /* fills whole */
    bse_match_order bad = buy(2, 0, 5);
    cr_assert_eq(bse_match_submit(&m, &bad, on_event, &log, NULL), BSE_MATCH_EINVAL); /* takes no id */
    cr_assert_eq(sub(&m, ord(BSE_MATCH_BUY, BSE_MATCH_MARKET, 3, 0, 5), &log).id, 3); /* empty book */
    cr_assert_eq(sub(&m, ord(BSE_MATCH_SELL, BSE_MATCH_IOC, 3, 50, 5), &log).id, 4);
    cr_assert_eq(rest(&m, buy(4, 90, 1)), 5);
    cr_assert_eq(m.next_id, 6);
    free(log.ev);
    bse_match_clear(&m);
}

Test(bse_match, a_limit_order_that_does_not_cross_rests_with_its_tag)
{
    bse_match m;
    init_ok(&m, 1);
    evlog log = {0};
    bse_match_order o = sell(7, 105, 30);
    o.client_tag = -42;
    bse_match_result r = sub(&m, o, &log);
    cr_assert_eq(log.n, 1);
    expect_ev(&log, 0, BSE_MATCH_EV_REST, r.id, 0, 105, 30);
    cr_assert_eq(log.ev[0].maker_owner, -1);
    cr_assert_eq(log.ev[0].taker_owner, 7);
    cr_assert_eq(log.ev[0].taker_side, BSE_MATCH_SELL);
    cr_assert_eq(r.rested, 30);
    cr_assert_eq(r.filled, 0);
    bse_match_info in;
    cr_assert_eq(bse_match_get(&m, r.id, &in), 1);
    cr_assert_eq(in.id, r.id);
    cr_assert_eq(in.side, BSE_MATCH_SELL);
    cr_assert_eq(in.owner, 7);
    cr_assert_eq(in.price, 105);
    cr_assert_eq(in.qty, 30);
    cr_assert_eq(in.orig_qty, 30);
    cr_assert_eq(in.client_tag, -42);
    cr_assert_eq(bse_match_best_ask(&m), 105);
    r = sub(&m, buy(8, 104, 10), &log); /* 104 < 105: no cross */
    cr_assert_eq(r.rested, 10);
    cr_assert_eq(bse_match_best_bid(&m), 104);
    cr_assert_eq(m.n_trades, 0);
    cr_assert_eq(m.last_price, 0);
    free(log.ev);
    bse_match_clear(&m);
}

Test(bse_match, a_partial_fill_leaves_the_resting_order_with_its_remainder)
{
    bse_match m;
    init_ok(&m, 1);
    evlog log = {0};
    uint64_t s = rest(&m, sell(1, 100, 50));
    bse_match_result r = sub(&m, buy(2, 101, 20), &log);
    cr_assert_eq(log.n, 2);
    expect_ev(&log, 0, BSE_MATCH_EV_FILL, r.id, s, 100, 20); /* at the resting order's price */
    cr_assert_eq(log.ev[0].taker_side, BSE_MATCH_BUY);
    cr_assert_eq(log.ev[0].taker_owner, 2);
    cr_assert_eq(log.ev[0].maker_owner, 1);
    expect_ev(&log, 1, BSE_MATCH_EV_DONE, r.id, 0, 101, 0);
    cr_assert_eq(r.filled, 20);
    cr_assert_eq(r.spent, 2000);
    cr_assert_eq(r.n_fills, 1);
    bse_match_info in;
    cr_assert_eq(bse_match_get(&m, s, &in), 1);
    cr_assert_eq(in.qty, 30);
    cr_assert_eq(in.orig_qty, 50);
    cr_assert_eq(bse_match_get(&m, r.id, &in), 0); /* filled whole: not resting */
    cr_assert_eq(m.last_price, 100);
    cr_assert_eq(m.volume, 20);
    free(log.ev);
    bse_match_clear(&m);
}

Test(bse_match, a_partial_fill_of_the_incoming_order_rests_its_remainder)
{
    bse_match m;
    init_ok(&m, 1);
    evlog log = {0};
    uint64_t s = rest(&m, sell(1, 100, 15));
    bse_match_result r = sub(&m, buy(2, 102, 40), &log);
    cr_assert_eq(log.n, 2);
    expect_ev(&log, 0, BSE_MATCH_EV_FILL, r.id, s, 100, 15);
    expect_ev(&log, 1, BSE_MATCH_EV_REST, r.id, 0, 102, 25);
    cr_assert_eq(r.rested, 25);
    cr_assert_eq(resting_qty(&m, s), 0);
    bse_match_info in;
    cr_assert_eq(bse_match_get(&m, r.id, &in), 1);
    cr_assert_eq(in.qty, 25);
    cr_assert_eq(in.orig_qty, 40);
    cr_assert_eq(bse_match_best_bid(&m), 102);
    cr_assert_eq(bse_match_best_ask(&m), 0);
    free(log.ev);
    bse_match_clear(&m);
}

Test(bse_match, orders_at_one_price_fill_first_in_first_out)
{
    bse_match m;
    init_ok(&m, 1);
    evlog log = {0};
    uint64_t a = rest(&m, sell(1, 100, 10));
    uint64_t b = rest(&m, sell(2, 100, 10));
    uint64_t c = rest(&m, sell(3, 100, 10));
    bse_match_result r = sub(&m, buy(9, 100, 15), &log);
    cr_assert_eq(log.n, 3);
    expect_ev(&log, 0, BSE_MATCH_EV_FILL, r.id, a, 100, 10);
    expect_ev(&log, 1, BSE_MATCH_EV_FILL, r.id, b, 100, 5);
    cr_assert_eq(resting_qty(&m, b), 5);
    cr_assert_eq(resting_qty(&m, c), 10);
    /* a newer order at the same price queues behind the partly filled one */
    uint64_t d = rest(&m, sell(4, 100, 10));
    r = sub(&m, buy(9, 100, 16), &log);
    expect_ev(&log, 0, BSE_MATCH_EV_FILL, r.id, b, 100, 5);
    expect_ev(&log, 1, BSE_MATCH_EV_FILL, r.id, c, 100, 10);
    expect_ev(&log, 2, BSE_MATCH_EV_FILL, r.id, d, 100, 1);
    cr_assert_eq(resting_qty(&m, d), 9);
    /* same on the bid side */
    uint64_t x = rest(&m, buy(5, 90, 3));
    uint64_t y = rest(&m, buy(6, 90, 3));
    r = sub(&m, sell(7, 90, 4), &log);
    expect_ev(&log, 0, BSE_MATCH_EV_FILL, r.id, x, 90, 3);
    expect_ev(&log, 1, BSE_MATCH_EV_FILL, r.id, y, 90, 1);
    free(log.ev);
    bse_match_clear(&m);
}

Test(bse_match, one_order_sweeps_many_levels_best_price_first_each_at_its_price)
{
    bse_match m;
    init_ok(&m, 1);
    evlog log = {0};
    uint64_t s3 = rest(&m, sell(1, 103, 10));
    uint64_t s1 = rest(&m, sell(2, 101, 10));
    uint64_t s2 = rest(&m, sell(3, 102, 10));
    uint64_t s1b = rest(&m, sell(4, 101, 5));
    uint64_t s5 = rest(&m, sell(5, 105, 10));
    bse_match_result r = sub(&m, buy(9, 104, 100), &log);
    cr_assert_eq(log.n, 5);
    expect_ev(&log, 0, BSE_MATCH_EV_FILL, r.id, s1, 101, 10);
    expect_ev(&log, 1, BSE_MATCH_EV_FILL, r.id, s1b, 101, 5);
    expect_ev(&log, 2, BSE_MATCH_EV_FILL, r.id, s2, 102, 10);
    expect_ev(&log, 3, BSE_MATCH_EV_FILL, r.id, s3, 103, 10);
    expect_ev(&log, 4, BSE_MATCH_EV_REST, r.id, 0, 104, 65);
    cr_assert_eq(r.n_fills, 4);
    cr_assert_eq(r.filled, 35);
    cr_assert_eq(r.spent, 1010 + 505 + 1020 + 1030);
    cr_assert_eq(m.last_price, 103);
    cr_assert_eq(m.n_trades, 4);
    cr_assert_eq(bse_match_best_ask(&m), 105);
    cr_assert_eq(bse_match_best_bid(&m), 104);
    cr_assert_eq(resting_qty(&m, s5), 10);
    /* and a sell sweeping bids downwards */
    uint64_t b0 = r.id, b1 = rest(&m, buy(6, 100, 10));
    r = sub(&m, sell(7, 100, 70), &log);
    expect_ev(&log, 0, BSE_MATCH_EV_FILL, r.id, b0, 104, 65);
    expect_ev(&log, 1, BSE_MATCH_EV_FILL, r.id, b1, 100, 5);
    expect_ev(&log, 2, BSE_MATCH_EV_DONE, r.id, 0, 100, 0);
    cr_assert_eq(m.last_price, 100);
    cr_assert_eq(resting_qty(&m, b1), 5);
    free(log.ev);
    bse_match_clear(&m);
}

Test(bse_match, cancel_removes_a_resting_order_once_and_refuses_unknown_ids)
{
    bse_match m;
    init_ok(&m, 1);
    evlog log = {0};
    uint64_t a = rest(&m, buy(1, 99, 10));
    uint64_t b = rest(&m, buy(2, 99, 20));
    bse_match_order o = sell(3, 200, 7);
    o.client_tag = 77;
    uint64_t c = rest(&m, o);
    bse_match_info in;
    log.n = 0;
    cr_assert_eq(bse_match_cancel(&m, c, on_event, &log, &in), BSE_MATCH_OK);
    cr_assert_eq(bse_match_check(&m), 0);
    cr_assert_eq(log.n, 1);
    expect_ev(&log, 0, BSE_MATCH_EV_CANCEL, c, 0, 200, 7);
    cr_assert_eq(log.ev[0].taker_side, BSE_MATCH_SELL);
    cr_assert_eq(log.ev[0].taker_owner, 3);
    cr_assert_eq(in.id, c);
    cr_assert_eq(in.client_tag, 77);
    cr_assert_eq(in.qty, 7);
    cr_assert_eq(bse_match_best_ask(&m), 0);
    /* twice: not found, nothing reported, nothing changed */
    log.n = 0;
    cr_assert_eq(bse_match_cancel(&m, c, on_event, &log, &in), BSE_MATCH_ENOTFOUND);
    cr_assert_eq(log.n, 0);
    cr_assert_eq(in.id, 0);
    uint64_t unknown[] = {0, m.next_id, m.next_id + 1, UINT64_MAX};
    for (size_t i = 0; i < sizeof unknown / sizeof *unknown; i++)
        cr_assert_eq(bse_match_cancel(&m, unknown[i], on_event, &log, NULL), BSE_MATCH_ENOTFOUND);
    cr_assert_eq(log.n, 0);
    /* the first of a level: the level keeps the other order */
    cr_assert_eq(bse_match_cancel(&m, a, NULL, NULL, NULL), BSE_MATCH_OK);
    int64_t lv[2][2];
    cr_assert_eq(bse_match_depth(&m, BSE_MATCH_BUY, lv, 2), 1);
    cr_assert_eq(lv[0][0], 99);
    cr_assert_eq(lv[0][1], 20);
    /* a filled order cannot be cancelled */
    bse_match_result r = sub(&m, sell(4, 99, 20), &log);
    cr_assert_eq(r.filled, 20);
    cr_assert_eq(bse_match_cancel(&m, b, NULL, NULL, NULL), BSE_MATCH_ENOTFOUND);
    cr_assert_eq(bse_match_cancel(&m, r.id, NULL, NULL, NULL), BSE_MATCH_ENOTFOUND);
    cr_assert_eq(bse_match_check(&m), 0);
    cr_assert_eq(m.bids.n_orders + m.asks.n_orders, 0);
    free(log.ev);
    bse_match_clear(&m);
}

Test(bse_match, a_market_order_against_an_empty_book_fills_nothing)
{
    bse_match m;
    init_ok(&m, 1);
    evlog log = {0};
    bse_match_result r = sub(&m, ord(BSE_MATCH_BUY, BSE_MATCH_MARKET, 1, 0, 10), &log);
    cr_assert_eq(log.n, 1);
    expect_ev(&log, 0, BSE_MATCH_EV_DONE, 1, 0, 0, 10);
    cr_assert_eq(r.filled, 0);
    cr_assert_eq(r.cancelled, 10);
    cr_assert_eq(r.rested, 0);
    r = sub(&m, ord(BSE_MATCH_SELL, BSE_MATCH_MARKET, 1, -3, 4), &log); /* price ignored */
    expect_ev(&log, 0, BSE_MATCH_EV_DONE, 2, 0, 0, 4);
    cr_assert_eq(m.bids.n_orders + m.asks.n_orders, 0);
    free(log.ev);
    bse_match_clear(&m);
}

Test(bse_match, a_market_order_against_a_thin_book_takes_everything_and_cancels_the_rest)
{
    bse_match m;
    init_ok(&m, 1);
    evlog log = {0};
    uint64_t a = rest(&m, sell(1, 100, 3));
    uint64_t b = rest(&m, sell(2, 5000, 4)); /* any price */
    rest(&m, buy(3, 50, 10));
    bse_match_result r = sub(&m, ord(BSE_MATCH_BUY, BSE_MATCH_MARKET, 4, 0, 10), &log);
    cr_assert_eq(log.n, 3);
    expect_ev(&log, 0, BSE_MATCH_EV_FILL, r.id, a, 100, 3);
    expect_ev(&log, 1, BSE_MATCH_EV_FILL, r.id, b, 5000, 4);
    expect_ev(&log, 2, BSE_MATCH_EV_DONE, r.id, 0, 0, 3);
    cr_assert_eq(r.filled, 7);
    cr_assert_eq(r.cancelled, 3);
    cr_assert_eq(r.spent, 300 + 20000);
    cr_assert_eq(bse_match_best_ask(&m), 0);
    cr_assert_eq(bse_match_best_bid(&m), 50); /* own side untouched */
    cr_assert_eq(m.last_price, 5000);
    free(log.ev);
    bse_match_clear(&m);
}

Test(bse_match, an_ioc_order_fills_up_to_its_limit_and_cancels_the_remainder)
{
    bse_match m;
    init_ok(&m, 1);
    evlog log = {0};
    uint64_t a = rest(&m, buy(1, 100, 5));
    rest(&m, buy(2, 98, 5));
    bse_match_result r = sub(&m, ord(BSE_MATCH_SELL, BSE_MATCH_IOC, 3, 99, 12), &log);
    cr_assert_eq(log.n, 2);
    expect_ev(&log, 0, BSE_MATCH_EV_FILL, r.id, a, 100, 5);
    expect_ev(&log, 1, BSE_MATCH_EV_DONE, r.id, 0, 99, 7);
    cr_assert_eq(r.cancelled, 7);
    cr_assert_eq(r.rested, 0);
    cr_assert_eq(bse_match_best_ask(&m), 0); /* nothing rests */
    cr_assert_eq(bse_match_best_bid(&m), 98);
    bse_match_info in;
    cr_assert_eq(bse_match_get(&m, r.id, &in), 0);
    free(log.ev);
    bse_match_clear(&m);
}

Test(bse_match, self_trade_prevention_cancels_the_resting_order_and_goes_on)
{
    bse_match m;
    init_ok(&m, 1);
    evlog log = {0};
    uint64_t own1 = rest(&m, sell(5, 100, 10));
    uint64_t other = rest(&m, sell(6, 100, 4));
    uint64_t own2 = rest(&m, sell(5, 101, 10));
    uint64_t far = rest(&m, sell(5, 110, 10)); /* beyond the limit: untouched */
    uint64_t other2 = rest(&m, sell(7, 101, 10));
    bse_match_result r = sub(&m, buy(5, 105, 8), &log);
    cr_assert_eq(log.n, 5);
    expect_ev(&log, 0, BSE_MATCH_EV_STP_CANCEL, r.id, own1, 100, 10);
    cr_assert_eq(log.ev[0].taker_side, BSE_MATCH_SELL); /* side of the removed order */
    cr_assert_eq(log.ev[0].maker_owner, 5);
    cr_assert_eq(log.ev[0].taker_owner, 5);
    expect_ev(&log, 1, BSE_MATCH_EV_FILL, r.id, other, 100, 4);
    expect_ev(&log, 2, BSE_MATCH_EV_STP_CANCEL, r.id, own2, 101, 10);
    expect_ev(&log, 3, BSE_MATCH_EV_FILL, r.id, other2, 101, 4);
    expect_ev(&log, 4, BSE_MATCH_EV_DONE, r.id, 0, 105, 0);
    cr_assert_eq(r.n_fills, 2);
    cr_assert_eq(resting_qty(&m, own1), 0);
    cr_assert_eq(resting_qty(&m, own2), 0);
    cr_assert_eq(resting_qty(&m, far), 10);
    cr_assert_eq(resting_qty(&m, other2), 6);
    /* an order meeting only its owner's orders: all cancelled, then it rests */
    uint64_t mine = rest(&m, buy(8, 90, 3));
    r = sub(&m, sell(8, 90, 3), &log);
    cr_assert_eq(log.n, 2);
    expect_ev(&log, 0, BSE_MATCH_EV_STP_CANCEL, r.id, mine, 90, 3);
    expect_ev(&log, 1, BSE_MATCH_EV_REST, r.id, 0, 90, 3);
    cr_assert_eq(m.n_trades, 2);
    free(log.ev);
    bse_match_clear(&m);
}

Test(bse_match, quote_cap_cuts_a_buy_at_whole_multiples_of_the_unit)
{
    bse_match m;
    init_ok(&m, 10);
    evlog log = {0};
    uint64_t a = rest(&m, sell(1, 7, 100));
    uint64_t b = rest(&m, sell(2, 9, 100));
    /* cap 1000: 100 x 7 = 700 fits; 300 left at 9 = 33.3 units -> 30 (a multiple of 10) */
    bse_match_order o = ord(BSE_MATCH_BUY, BSE_MATCH_MARKET, 3, 0, 200);
    o.quote_cap = 1000;
    bse_match_result r = sub(&m, o, &log);
    cr_assert_eq(log.n, 3);
    expect_ev(&log, 0, BSE_MATCH_EV_FILL, r.id, a, 7, 100);
    expect_ev(&log, 1, BSE_MATCH_EV_FILL, r.id, b, 9, 30);
    expect_ev(&log, 2, BSE_MATCH_EV_DONE, r.id, 0, 0, 70);
    cr_assert_eq(r.spent, 970);
    cr_assert_leq(r.spent, o.quote_cap);
    cr_assert_eq(resting_qty(&m, b), 70);
    /* a cap below one unit's value: nothing fills */
    o.quote_cap = 89;
    r = sub(&m, o, &log);
    cr_assert_eq(log.n, 1);
    expect_ev(&log, 0, BSE_MATCH_EV_DONE, r.id, 0, 0, 200);
    /* an exact fit fills whole and goes on */
    o.quote_cap = 90;
    o.qty = 20;
    r = sub(&m, o, &log);
    expect_ev(&log, 0, BSE_MATCH_EV_FILL, r.id, b, 9, 10);
    expect_ev(&log, 1, BSE_MATCH_EV_DONE, r.id, 0, 0, 10);
    cr_assert_eq(r.spent, 90);
    /* a limit buy cut by its cap does not rest (it would cross) */
    bse_match_order l = buy(4, 9, 100);
    l.quote_cap = 200;
    r = sub(&m, l, &log);
    expect_ev(&log, 0, BSE_MATCH_EV_FILL, r.id, b, 9, 20);
    expect_ev(&log, 1, BSE_MATCH_EV_DONE, r.id, 0, 9, 80);
    cr_assert_eq(r.rested, 0);
    /* a limit buy whose cap does not bind rests its remainder */
    l.quote_cap = 1000000;
    r = sub(&m, l, &log);
    expect_ev(&log, 0, BSE_MATCH_EV_FILL, r.id, b, 9, 40);
    expect_ev(&log, 1, BSE_MATCH_EV_REST, r.id, 0, 9, 60);
    /* quote_cap is ignored for sells */
    bse_match_order s = ord(BSE_MATCH_SELL, BSE_MATCH_MARKET, 5, 0, 60);
    s.quote_cap = 1;
    r = sub(&m, s, &log);
    expect_ev(&log, 0, BSE_MATCH_EV_FILL, r.id, r.id - 1, 9, 60);
    cr_assert_eq(r.spent, 540);
    free(log.ev);
    bse_match_clear(&m);
}

Test(bse_match, fills_are_multiples_of_the_unit_when_orders_are)
{
    bse_match m;
    init_ok(&m, 25);
    evlog log = {0};
    rest(&m, sell(1, 10, 75));
    rest(&m, sell(2, 11, 50));
    bse_match_order o = buy(3, 11, 100);
    o.quote_cap = 10 * 75 + 11 * 24; /* 24 units at 11 fit; cut to 0 multiples of 25 */
    bse_match_result r = sub(&m, o, &log);
    expect_ev(&log, 0, BSE_MATCH_EV_FILL, r.id, 1, 10, 75);
    expect_ev(&log, 1, BSE_MATCH_EV_DONE, r.id, 0, 11, 25);
    o.quote_cap = 0;
    r = sub(&m, o, &log);
    expect_ev(&log, 0, BSE_MATCH_EV_FILL, r.id, 2, 11, 50);
    expect_ev(&log, 1, BSE_MATCH_EV_REST, r.id, 0, 11, 50);
    free(log.ev);
    bse_match_clear(&m);
}

Test(bse_match, invalid_orders_are_refused_and_change_nothing)
{
    bse_match m;
    init_ok(&m, 1);
    evlog log = {0};
    rest(&m, sell(1, 100, 10));
    rest(&m, buy(2, 90, 10));
    bse_match_order bad[12];
    size_t n = 0;
    bad[n++] = buy(3, 100, 0);
    bad[n++] = buy(3, 100, -1);
    bad[n++] = buy(3, 0, 5);
    bad[n++] = ord(BSE_MATCH_SELL, BSE_MATCH_IOC, 3, -5, 5);
    bad[n++] = buy(-1, 100, 5);
    bad[n++] = ord((bse_match_side)2, BSE_MATCH_LIMIT, 3, 100, 5);
    bad[n++] = ord(BSE_MATCH_BUY, (bse_match_type)3, 3, 100, 5);
    bad[n++] = ord(BSE_MATCH_BUY, BSE_MATCH_MARKET, 3, 0, 0);
    bad[n++] = buy(3, INT64_MAX / 2, 3);                               /* price x qty overflows */
    bad[n++] = ord(BSE_MATCH_SELL, BSE_MATCH_IOC, 3, 1 + INT64_MAX / 7, 7); /* just over */
    bad[n] = buy(3, 100, 5);
    bad[n++].quote_cap = -1;
    uint64_t next = m.next_id;
    int64_t lv[4][2];
    for (size_t i = 0; i < n; i++) {
        log.n = 0;
        bse_match_result r = {.id = 99, .filled = 99};
        cr_assert_eq(bse_match_submit(&m, &bad[i], on_event, &log, &r), BSE_MATCH_EINVAL, "bad order %zu accepted", i);
        cr_assert_eq(log.n, 0);
        cr_assert_eq(r.id, 0);
        cr_assert_eq(r.filled, 0);
        cr_assert_eq(m.next_id, next);
        cr_assert_eq(bse_match_check(&m), 0);
        cr_assert_eq(bse_match_depth(&m, BSE_MATCH_BUY, lv, 4), 1);
        cr_assert_eq(lv[0][1], 10);
        cr_assert_eq(bse_match_depth(&m, BSE_MATCH_SELL, lv, 4), 1);
        cr_assert_eq(lv[0][1], 10);
        cr_assert_eq(m.n_trades, 0);
    }
    /* the largest product that fits is accepted; a market order has no product check */
    bse_match_order ok = sell(3, INT64_MAX / 7, 7);
    bse_match_result r = sub(&m, ok, &log);
    cr_assert_eq(r.rested, 7);
    free(log.ev);
    bse_match_clear(&m);
}

Test(bse_match, spent_never_overflows_a_sell_into_huge_bids)
{
    bse_match m;
    init_ok(&m, 1);
    evlog log = {0};
    const int64_t p = INT64_MAX / 4; /* p x 4 fits, p x 5 does not */
    uint64_t a = rest(&m, buy(1, p, 2));
    uint64_t b = rest(&m, buy(2, p, 2));
    uint64_t c = rest(&m, buy(3, p, 2));
    bse_match_result r = sub(&m, ord(BSE_MATCH_SELL, BSE_MATCH_MARKET, 4, 0, 6), &log);
    expect_ev(&log, 0, BSE_MATCH_EV_FILL, r.id, a, p, 2);
    expect_ev(&log, 1, BSE_MATCH_EV_FILL, r.id, b, p, 2);
    expect_ev(&log, 2, BSE_MATCH_EV_DONE, r.id, 0, 0, 2); /* the budget INT64_MAX binds */
    cr_assert_eq(r.spent, 4 * p);
    cr_assert_eq(resting_qty(&m, c), 2);
    /* a limit sell cut the same way cancels its remainder instead of resting crossed */
    uint64_t d = rest(&m, buy(5, p, 2));
    uint64_t e = rest(&m, buy(5, p - 1, 2));
    r = sub(&m, sell(6, 1, 6), &log);
    cr_assert_eq(log.n, 3);
    expect_ev(&log, 0, BSE_MATCH_EV_FILL, r.id, c, p, 2);
    expect_ev(&log, 1, BSE_MATCH_EV_FILL, r.id, d, p, 2);
    expect_ev(&log, 2, BSE_MATCH_EV_DONE, r.id, 0, 1, 2);
    cr_assert_eq(bse_match_best_ask(&m), 0);
    cr_assert_eq(resting_qty(&m, e), 2);
    free(log.ev);
    bse_match_clear(&m);
}

Test(bse_match, depth_lists_bids_descending_and_asks_ascending_with_totals)
{
    bse_match m;
    init_ok(&m, 1);
    rest(&m, buy(1, 95, 1));
    rest(&m, buy(2, 97, 2));
    rest(&m, buy(3, 96, 3));
    rest(&m, buy(4, 97, 4));
    rest(&m, sell(5, 103, 5));
    rest(&m, sell(6, 101, 6));
    rest(&m, sell(7, 102, 7));
    rest(&m, sell(8, 101, 8));
    int64_t lv[8][2];
    cr_assert_eq(bse_match_depth(&m, BSE_MATCH_BUY, lv, 8), 3);
    int64_t eb[3][2] = {{97, 6}, {96, 3}, {95, 1}};
    for (int i = 0; i < 3; i++)
        cr_assert(lv[i][0] == eb[i][0] && lv[i][1] == eb[i][1], "bid level %d", i);
    cr_assert_eq(bse_match_depth(&m, BSE_MATCH_SELL, lv, 8), 3);
    int64_t ea[3][2] = {{101, 14}, {102, 7}, {103, 5}};
    for (int i = 0; i < 3; i++)
        cr_assert(lv[i][0] == ea[i][0] && lv[i][1] == ea[i][1], "ask level %d", i);
    cr_assert_eq(bse_match_depth(&m, BSE_MATCH_SELL, lv, 2), 2);
    cr_assert_eq(lv[1][0], 102);
    cr_assert_eq(bse_match_depth(&m, BSE_MATCH_BUY, NULL, 0), 0);
    cr_assert_eq(bse_match_best_bid(&m), 97);
    cr_assert_eq(bse_match_best_ask(&m), 101);
    bse_match_clear(&m);
}

Test(bse_match, last_trade_price_and_counters_follow_the_fills)
{
    bse_match m;
    init_ok(&m, 1);
    evlog log = {0};
    rest(&m, sell(1, 100, 5));
    rest(&m, sell(2, 101, 5));
    sub(&m, buy(3, 101, 7), &log);
    cr_assert_eq(m.last_price, 101);
    cr_assert_eq(m.n_trades, 2);
    cr_assert_eq(m.volume, 7);
    rest(&m, buy(4, 99, 5));
    sub(&m, ord(BSE_MATCH_SELL, BSE_MATCH_MARKET, 5, 0, 10), &log);
    cr_assert_eq(m.last_price, 99); /* spot = last trade, whichever side took */
    cr_assert_eq(m.n_trades, 3);
    cr_assert_eq(m.volume, 12);
    free(log.ev);
    bse_match_clear(&m);
}

Test(bse_match, a_large_book_grows_and_empties_cleanly)
{
    bse_match m;
    init_ok(&m, 1);
    enum { N = 50000 / FLOW_SCALE }; /* BSE_CHECK builds check the whole book after each order */
    for (int i = 0; i < N; i++) {
        bse_match_order o = (i & 1) ? sell(i % 13, 10001 + i % 500, 1 + i % 7) : buy(i % 11, 10000 - i % 500, 1 + i % 5);
        bse_match_result r;
        cr_assert_eq(bse_match_submit(&m, &o, NULL, NULL, &r), BSE_MATCH_OK);
        cr_assert_eq(r.id, (uint64_t)i + 1);
    }
    cr_assert_eq(bse_match_check(&m), 0);
    cr_assert_eq(m.bids.n_orders + m.asks.n_orders, N);
    for (uint64_t id = 2; id <= N; id += 2) /* the sells */
        cr_assert_eq(bse_match_cancel(&m, id, NULL, NULL, NULL), BSE_MATCH_OK);
    cr_assert_eq(bse_match_check(&m), 0);
    cr_assert_eq(bse_match_best_ask(&m), 0);
    bse_match_result r;
    bse_match_order sweep = ord(BSE_MATCH_SELL, BSE_MATCH_MARKET, 99, 0, INT64_MAX);
    cr_assert_eq(bse_match_submit(&m, &sweep, NULL, NULL, &r), BSE_MATCH_OK);
    cr_assert_eq(r.n_fills, N / 2);
    cr_assert_eq(r.filled, 3 * (N / 2)); /* buy qty 1 + i % 5 over even i: 1,3,5,2,4,... */
    cr_assert_eq(bse_match_best_bid(&m), 0);
    for (uint64_t id = 1; id <= N; id += 2) /* the bids, all filled */
        cr_assert_eq(bse_match_cancel(&m, id, NULL, NULL, NULL), BSE_MATCH_ENOTFOUND);
    cr_assert_eq(m.bids.n_orders + m.asks.n_orders, 0);
    cr_assert_eq(bse_match_check(&m), 0);
    bse_match_clear(&m);
}

/* The callback sees the book after the change it reports. */
typedef struct peek {
    const bse_match *m;
    int bad;
    int n;
    int partial;
} peek;

static void peek_event(void *user, const bse_match_event *e)
{
    peek *p = user;
    bse_match_info in;
    p->n++;
    switch (e->kind) {
    case BSE_MATCH_EV_FILL:
        /* the maker is gone (filled whole) or shows its remainder (each maker here
         * fills once, so remainder + fill = original) */
        if (bse_match_get(p->m, e->maker_id, &in) ? in.qty + e->qty != in.orig_qty : 0)
            p->bad++;
        p->partial += bse_match_get(p->m, e->maker_id, &in);
        break;
    case BSE_MATCH_EV_STP_CANCEL:
    case BSE_MATCH_EV_CANCEL:
        if (bse_match_get(p->m, e->kind == BSE_MATCH_EV_CANCEL ? e->taker_id : e->maker_id, &in))
            p->bad++;
        break;
    case BSE_MATCH_EV_REST:
        if (!bse_match_get(p->m, e->taker_id, &in) || in.qty != e->qty)
            p->bad++;
        break;
    default:
        break;
    }
    if (bse_match_check(p->m) != 0)
        p->bad++;
}

Test(bse_match, the_event_callback_sees_the_book_after_each_change)
{
    bse_match m;
    init_ok(&m, 1);
    peek p = {.m = &m};
    uint64_t a = rest(&m, sell(1, 100, 4));
    rest(&m, sell(2, 100, 10));
    rest(&m, sell(3, 101, 5));
    uint64_t c = rest(&m, sell(4, 102, 5));
    /* fills a whole, STP-cancels owner 2's order, fills 5 of 5 at 101, 2 of 5 at 102 */
    bse_match_order o = buy(2, 102, 11);
    bse_match_result r;
    cr_assert_eq(bse_match_submit(&m, &o, peek_event, &p, &r), BSE_MATCH_OK);
    cr_assert_eq(p.n, 5);
    cr_assert_eq(p.bad, 0);
    cr_assert_eq(p.partial, 1);
    cr_assert_eq(r.filled, 11);
    cr_assert_eq(resting_qty(&m, a), 0);
    cr_assert_eq(resting_qty(&m, c), 3);
    cr_assert_eq(bse_match_cancel(&m, c, peek_event, &p, NULL), BSE_MATCH_OK);
    cr_assert_eq(p.n, 6);
    cr_assert_eq(p.bad, 0);
    o = buy(5, 90, 3);
    cr_assert_eq(bse_match_submit(&m, &o, peek_event, &p, &r), BSE_MATCH_OK); /* REST */
    cr_assert_eq(p.bad, 0);
    bse_match_clear(&m);
}

Test(bse_match, check_names_a_broken_index_or_a_crossed_book)
{
    bse_match m;
    init_ok(&m, 1);
    uint64_t a = rest(&m, buy(1, 100, 4));
    uint64_t b = rest(&m, sell(2, 101, 4));
    int32_t node = m.id_node[a];
    m.id_node[a] = -1;
    cr_assert_eq(bse_match_check(&m), -32);
    m.id_node[a] = node;
    m.id_side[b] = 0;
    cr_assert_eq(bse_match_check(&m), -33);
    m.id_side[b] = 1;
    m.n_resting++;
    cr_assert_eq(bse_match_check(&m), -36);
    m.n_resting--;
    m.id_orig[a] = 3; /* below the remaining qty */
    cr_assert_eq(bse_match_check(&m), -34);
    m.id_orig[a] = 4;
    m.asks.levels[0].price = m.asks.nodes[m.asks.levels[0].head].price = 100; /* crossed */
    cr_assert_eq(bse_match_check(&m), -30);
    m.asks.levels[0].price = m.asks.nodes[m.asks.levels[0].head].price = 101;
    cr_assert_eq(bse_match_check(&m), 0);
    bse_match_clear(&m);
}

/* ------------------------------------------------------------ the reference matcher */

typedef struct ref_order {
    uint64_t id;
    int side;
    int32_t owner;
    int64_t price, qty, orig, tag;
} ref_order;

/* Resting orders in one array in submission (= id) order; n, next_id, counters. */
typedef struct ref_book {
    ref_order *o;
    size_t n, cap;
    uint64_t next_id;
    int64_t unit, last_price, volume;
    uint64_t n_trades;
} ref_book;

#define REF_NONE SIZE_MAX

static size_t ref_find(const ref_book *r, uint64_t id)
{
    for (size_t i = 0; i < r->n; i++)
        if (r->o[i].id == id)
            return i;
    return REF_NONE;
}

/* The order a crossing order of the other side meets: best price, then oldest. */
static size_t ref_best(const ref_book *r, int side)
{
    size_t best = REF_NONE;
    for (size_t i = 0; i < r->n; i++) {
        if (r->o[i].side != side)
            continue;
        if (best == REF_NONE || (side == 0 ? r->o[i].price > r->o[best].price : r->o[i].price < r->o[best].price))
            best = i;
    }
    return best;
}

static void ref_remove(ref_book *r, size_t i)
{
    memmove(&r->o[i], &r->o[i + 1], sizeof *r->o * (r->n - i - 1));
    r->n--;
}

static void ref_event(evlog *log, bse_match_event_kind kind, int side, uint64_t taker, int32_t towner, uint64_t maker,
                      int32_t mowner, int64_t price, int64_t qty)
{
    bse_match_event e = {.kind = kind,
                         .taker_side = (bse_match_side)side,
                         .taker_id = taker,
                         .taker_owner = towner,
                         .maker_id = maker,
                         .maker_owner = mowner,
                         .price = price,
                         .qty = qty};
    ev_push(log, &e);
}

static bse_match_status ref_submit(ref_book *r, const bse_match_order *o, evlog *log, bse_match_result *res)
{
    memset(res, 0, sizeof *res);
    int side = (int)o->side, type = (int)o->type;
    if (side < 0 || side > 1 || type < 0 || type > 2 || o->owner < 0 || o->qty <= 0 || o->quote_cap < 0)
        return BSE_MATCH_EINVAL;
    int market = type == BSE_MATCH_MARKET;
    if (!market && (o->price <= 0 || (i128)o->price * o->qty > INT64_MAX))
        return BSE_MATCH_EINVAL;
    uint64_t id = r->next_id++;
    i128 budget = (side == 0 && o->quote_cap > 0) ? o->quote_cap : INT64_MAX;
    i128 spent = 0;
    int64_t left = o->qty;
    int cut = 0;
    while (left > 0) {
        size_t b = ref_best(r, 1 - side);
        if (b == REF_NONE)
            break;
        ref_order mk = r->o[b];
        if (!market && (side == 0 ? mk.price > o->price : mk.price < o->price))
            break;
        if (mk.owner == o->owner) {
            ref_remove(r, b);
            ref_event(log, BSE_MATCH_EV_STP_CANCEL, 1 - side, id, o->owner, mk.id, mk.owner, mk.price, mk.qty);
            continue;
        }
        int64_t q = left < mk.qty ? left : mk.qty;
        if (spent + (i128)mk.price * q > budget) {
            q = (int64_t)((budget - spent) / mk.price);
            q = q / r->unit * r->unit;
            cut = 1;
            if (q == 0)
                break;
        }
        r->o[b].qty -= q;
        if (r->o[b].qty == 0)
            ref_remove(r, b);
        left -= q;
        spent += (i128)mk.price * q;
        res->n_fills++;
        r->last_price = mk.price;
        r->n_trades++;
        r->volume = (i128)r->volume + q > INT64_MAX ? INT64_MAX : r->volume + q;
        ref_event(log, BSE_MATCH_EV_FILL, side, id, o->owner, mk.id, mk.owner, mk.price, q);
        if (cut)
            break;
    }
    res->id = id;
    res->filled = o->qty - left;
    res->spent = (int64_t)spent;
    if (left > 0 && type == BSE_MATCH_LIMIT && !cut) {
        if (r->n == r->cap) {
            r->cap = r->cap ? 2 * r->cap : 64;
            r->o = realloc(r->o, sizeof *r->o * r->cap);
            cr_assert(r->o, "out of memory");
        }
        r->o[r->n++] = (ref_order){.id = id,
                                   .side = side,
                                   .owner = o->owner,
                                   .price = o->price,
                                   .qty = left,
                                   .orig = o->qty,
                                   .tag = o->client_tag};
        res->rested = left;
        ref_event(log, BSE_MATCH_EV_REST, side, id, o->owner, 0, -1, o->price, left);
    } else {
        res->cancelled = left;
        ref_event(log, BSE_MATCH_EV_DONE, side, id, o->owner, 0, -1, market ? 0 : o->price, left);
    }
    return BSE_MATCH_OK;
}

static bse_match_status ref_cancel(ref_book *r, uint64_t id, evlog *log)
{
    size_t i = ref_find(r, id);
    if (i == REF_NONE)
        return BSE_MATCH_ENOTFOUND;
    ref_order o = r->o[i];
    ref_remove(r, i);
    ref_event(log, BSE_MATCH_EV_CANCEL, o.side, o.id, o.owner, 0, -1, o.price, o.qty);
    return BSE_MATCH_OK;
}

static int cmp_level(const void *a, const void *b)
{
    const int64_t *x = a, *y = b;
    return (x[0] > y[0]) - (x[0] < y[0]);
}

/* Reference depth of one side, best first. */
static size_t ref_depth(const ref_book *r, int side, int64_t (*lv)[2], int64_t (*tmp)[2])
{
    size_t k = 0;
    for (size_t i = 0; i < r->n; i++)
        if (r->o[i].side == side) {
            tmp[k][0] = side == 0 ? -r->o[i].price : r->o[i].price;
            tmp[k][1] = r->o[i].qty;
            k++;
        }
    qsort(tmp, k, sizeof *tmp, cmp_level);
    size_t n = 0;
    for (size_t i = 0; i < k; i++) {
        int64_t p = side == 0 ? -tmp[i][0] : tmp[i][0];
        if (n > 0 && lv[n - 1][0] == p) {
            lv[n - 1][1] += tmp[i][1];
        } else {
            lv[n][0] = p;
            lv[n][1] = tmp[i][1];
            n++;
        }
    }
    return n;
}

/* ------------------------------------------------------------ comparing engine and reference */

static void same_events(const evlog *a, const evlog *b, uint64_t op)
{
    cr_assert_eq(a->n, b->n, "op %" PRIu64 ": %zu events, reference %zu", op, a->n, b->n);
    for (size_t i = 0; i < a->n; i++) {
        const bse_match_event *x = &a->ev[i], *y = &b->ev[i];
        cr_assert(x->kind == y->kind && x->taker_side == y->taker_side && x->taker_id == y->taker_id &&
                      x->taker_owner == y->taker_owner && x->maker_id == y->maker_id &&
                      x->maker_owner == y->maker_owner && x->price == y->price && x->qty == y->qty,
                  "op %" PRIu64 " event %zu: kind %d side %d taker %" PRIu64 "/%d maker %" PRIu64
                  "/%d price %" PRId64 " qty %" PRId64 "; reference kind %d side %d taker %" PRIu64
                  "/%d maker %" PRIu64 "/%d price %" PRId64 " qty %" PRId64,
                  op, i, (int)x->kind, (int)x->taker_side, x->taker_id, x->taker_owner, x->maker_id, x->maker_owner,
                  x->price, x->qty, (int)y->kind, (int)y->taker_side, y->taker_id, y->taker_owner, y->maker_id,
                  y->maker_owner, y->price, y->qty);
    }
}

/* Resting or not, id must look the same in both; i is its place in the
 * reference (REF_NONE when not resting there). */
static void same_id_at(const bse_match *m, const ref_book *r, uint64_t id, size_t i, uint64_t op)
{
    bse_match_info in;
    int got = bse_match_get(m, id, &in);
    cr_assert_eq(got, i != REF_NONE, "op %" PRIu64 ": id %" PRIu64 " resting %d, reference %d", op, id, got,
                 i != REF_NONE);
    if (!got)
        return;
    const ref_order *o = &r->o[i];
    cr_assert(in.id == id && (int)in.side == o->side && in.owner == o->owner && in.price == o->price &&
                  in.qty == o->qty && in.orig_qty == o->orig && in.client_tag == o->tag,
              "op %" PRIu64 ": id %" PRIu64 " differs from the reference", op, id);
}

static void same_id(const bse_match *m, const ref_book *r, uint64_t id, uint64_t op)
{
    same_id_at(m, r, id, ref_find(r, id), op);
}

static void same_book(const bse_match *m, const ref_book *r, uint64_t op, int depth_too, int64_t (*lv)[2],
                      int64_t (*lr)[2], int64_t (*tmp)[2], size_t max_levels)
{
    int rc = bse_match_check(m);
    cr_assert_eq(rc, 0, "op %" PRIu64 ": bse_match_check %d", op, rc);
    cr_assert_eq(m->next_id, r->next_id, "op %" PRIu64 ": next id", op);
    cr_assert_eq(m->last_price, r->last_price, "op %" PRIu64 ": last price", op);
    cr_assert_eq(m->n_trades, r->n_trades, "op %" PRIu64 ": trades", op);
    cr_assert_eq(m->volume, r->volume, "op %" PRIu64 ": volume", op);
    cr_assert_eq((size_t)(m->bids.n_orders + m->asks.n_orders), r->n, "op %" PRIu64 ": resting count", op);
    for (size_t i = 0; i < r->n; i++)
        same_id_at(m, r, r->o[i].id, i, op);
    size_t bb = ref_best(r, 0), ba = ref_best(r, 1);
    cr_assert_eq(bse_match_best_bid(m), bb == REF_NONE ? 0 : r->o[bb].price, "op %" PRIu64 ": best bid", op);
    cr_assert_eq(bse_match_best_ask(m), ba == REF_NONE ? 0 : r->o[ba].price, "op %" PRIu64 ": best ask", op);
    if (!depth_too)
        return;
    for (int side = 0; side < 2; side++) {
        size_t n = bse_match_depth(m, (bse_match_side)side, lv, max_levels);
        size_t nr = ref_depth(r, side, lr, tmp);
        if (nr > max_levels)
            nr = max_levels;
        cr_assert_eq(n, nr, "op %" PRIu64 ": side %d depth %zu levels, reference %zu", op, side, n, nr);
        for (size_t k = 0; k < n; k++)
            cr_assert(lv[k][0] == lr[k][0] && lv[k][1] == lr[k][1],
                      "op %" PRIu64 ": side %d level %zu (%" PRId64 ", %" PRId64 ") reference (%" PRId64 ", %" PRId64
                      ")",
                      op, side, k, lv[k][0], lv[k][1], lr[k][0], lr[k][1]);
    }
}

/* ------------------------------------------------------------ random flows */

typedef struct trng {
    uint64_t s;
} trng;

static uint64_t trng_next(trng *r)
{
    uint64_t z = (r->s += 0x9e3779b97f4a7c15u);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9u;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebu;
    return z ^ (z >> 31);
}

static uint64_t below(trng *r, uint64_t n)
{
    return trng_next(r) % n;
}

/* uniform in [lo, hi] */
static int64_t range(trng *r, int64_t lo, int64_t hi)
{
    return lo + (int64_t)below(r, (uint64_t)(hi - lo) + 1);
}

static uint64_t test_seed(const char *what)
{
    const char *env = getenv("BSE_TEST_SEED");
    uint64_t seed = env && *env ? strtoull(env, NULL, 0) : UINT64_C(20261201);
    fprintf(stderr, "%s: seed %" PRIu64 " (set BSE_TEST_SEED to replay another)\n", what, seed);
    return seed;
}

/* One kind of flow. */
typedef struct flow {
    const char *name;
    int64_t mid0;      /* starting mid price (ticks) */
    int64_t band_max;  /* limit prices within mid +- band, band drawn 1..band_max per episode */
    int64_t units[3];  /* qty_unit drawn from these per episode */
    int64_t qmax;      /* qty = unit x 1..qmax (big flows: 1..qmax base units) */
    int32_t owners;    /* owners 0..owners-1 */
    int cancel_pct;    /* share of operations that cancel */
    int big;           /* amounts near 2^63: quantities drawn in units of 1 up to qmax */
    int odd_qty_pct;   /* share of orders whose qty is not a multiple of the unit */
    int passive_pct;   /* share of limit orders placed on their own side of the mid */
    long submissions;  /* submissions in all (valid and invalid), normal build */
    long episode;      /* submissions per episode (a fresh book) */
} flow;

static bse_match_order random_invalid(trng *g, int64_t mid)
{
    bse_match_order o = {.side = (bse_match_side)below(g, 2), .type = BSE_MATCH_LIMIT, .owner = 0, .price = mid,
                         .qty = 1};
    switch (below(g, 10)) {
    case 0: o.qty = 0; break;
    case 1: o.qty = -range(g, 1, 1000); break;
    case 2: o.price = 0; break;
    case 3: o.type = BSE_MATCH_IOC; o.price = -range(g, 1, 1000); break;
    case 4: o.owner = -1; break;
    case 5: o.side = (bse_match_side)(2 + below(g, 5)); break;
    case 6: o.type = (bse_match_type)(3 + below(g, 5)); break;
    case 7: o.quote_cap = -range(g, 1, 1000); o.side = BSE_MATCH_BUY; break;
    case 8: o.price = INT64_MAX / 3 + range(g, 1, 1000); o.qty = 3; break;
    default: o.type = BSE_MATCH_MARKET; o.qty = 0; break;
    }
    return o;
}

static void run_flow(const flow *f, uint64_t seed)
{
    trng g = {seed};
    long total = f->submissions / FLOW_SCALE, per = f->episode;
    if (per > total)
        per = total;
    const size_t max_levels = 4096;
    int64_t(*lv)[2] = malloc(sizeof *lv * max_levels);
    int64_t(*lr)[2] = malloc(sizeof *lr * 65536);
    int64_t(*tmp)[2] = malloc(sizeof *tmp * 65536);
    cr_assert(lv && lr && tmp);
    evlog le = {0}, lref = {0};
    uint64_t op = 0;
    long done = 0, fills = 0, stp = 0, cuts = 0, rests = 0, einval = 0, cancels_ok = 0;
    size_t max_resting = 0;
    while (done < total) {
        bse_match m;
        ref_book r = {0};
        int64_t unit = f->units[below(&g, 3)];
        init_ok(&m, unit);
        r.next_id = 1;
        r.unit = unit;
        int64_t band = range(&g, 1, f->band_max), mid = f->mid0;
        int all_multiples = f->odd_qty_pct == 0;
        for (long k = 0; k < per && done < total; op++) {
            le.n = lref.n = 0;
            if (below(&g, 16) == 0)
                mid += range(&g, -1, 1) * (f->big ? range(&g, 1, band) : 1);
            if (mid - band < 1)
                mid = band + 1;
            if ((int)below(&g, 100) < f->cancel_pct) {
                uint64_t id;
                uint64_t w = below(&g, 10);
                if (w < 5 && r.n > 0)
                    id = r.o[below(&g, r.n)].id;
                else if (w < 8)
                    id = r.next_id > 1 ? r.next_id - 1 - below(&g, r.next_id - 1 < 30 ? r.next_id - 1 : 30) : 0;
                else {
                    uint64_t odd[] = {0, r.next_id, r.next_id + below(&g, 100), UINT64_MAX};
                    id = odd[below(&g, 4)];
                }
                bse_match_info in;
                bse_match_status se = bse_match_cancel(&m, id, on_event, &le, &in);
                bse_match_status sr = ref_cancel(&r, id, &lref);
                cr_assert_eq(se, sr, "op %" PRIu64 ": cancel %" PRIu64 " status %d, reference %d", op, id, (int)se,
                             (int)sr);
                if (se == BSE_MATCH_OK) {
                    cancels_ok++;
                    cr_assert_eq(in.id, id);
                }
                same_events(&le, &lref, op);
                same_id(&m, &r, id, op);
            } else {
                bse_match_order o;
                int kind = (int)below(&g, 100);
                if (kind < 5) {
                    o = random_invalid(&g, mid);
                } else {
                    o = (bse_match_order){.side = (bse_match_side)below(&g, 2), .owner = (int32_t)below(&g, (uint64_t)f->owners),
                                          .client_tag = (int64_t)trng_next(&g)};
                    o.type = kind < 60 ? BSE_MATCH_LIMIT : kind < 78 ? BSE_MATCH_IOC : BSE_MATCH_MARKET;
                    o.price = o.type == BSE_MATCH_MARKET ? range(&g, -5, 5) : mid + range(&g, -band, band);
                    if (o.type == BSE_MATCH_LIMIT && (int)below(&g, 100) < f->passive_pct)
                        o.price = o.side == BSE_MATCH_BUY ? mid - range(&g, 1, band) : mid + range(&g, 1, band);
                    if (o.type != BSE_MATCH_MARKET && o.price < 1)
                        o.price = 1;
                    if (o.type == BSE_MATCH_LIMIT && below(&g, 20) == 0) /* a far order: deep levels */
                        o.price = o.side == BSE_MATCH_BUY ? (mid - 3 * band > 1 ? mid - 3 * band - (int64_t)below(&g, 10) : 1)
                                                          : mid + 3 * band + (int64_t)below(&g, 10);
                    if (f->big)
                        o.qty = range(&g, 1, f->qmax);
                    else if ((int)below(&g, 100) < f->odd_qty_pct)
                        o.qty = range(&g, 1, unit * f->qmax);
                    else
                        o.qty = unit * range(&g, 1, f->qmax);
                    if (o.side == BSE_MATCH_BUY && below(&g, 10) < 3) {
                        i128 guess = (i128)(mid + band) * o.qty;
                        if (guess > INT64_MAX || below(&g, 8) == 0)
                            guess = INT64_MAX;
                        o.quote_cap = (int64_t)(1 + (i128)below(&g, (uint64_t)guess));
                    }
                }
                bse_match_result re, rr;
                bse_match_status se = bse_match_submit(&m, &o, on_event, &le, &re);
                bse_match_status sr = ref_submit(&r, &o, &lref, &rr);
                cr_assert_eq(se, sr, "op %" PRIu64 ": submit status %d, reference %d", op, (int)se, (int)sr);
                cr_assert(re.id == rr.id && re.filled == rr.filled && re.spent == rr.spent && re.rested == rr.rested &&
                              re.cancelled == rr.cancelled && re.n_fills == rr.n_fills,
                          "op %" PRIu64 ": result differs from the reference", op);
                same_events(&le, &lref, op);
                if (se == BSE_MATCH_EINVAL) {
                    einval++;
                    cr_assert_eq(le.n, 0);
                }
                for (size_t i = 0; i < le.n; i++) {
                    const bse_match_event *e = &le.ev[i];
                    fills += e->kind == BSE_MATCH_EV_FILL;
                    stp += e->kind == BSE_MATCH_EV_STP_CANCEL;
                    rests += e->kind == BSE_MATCH_EV_REST;
                    if (all_multiples)
                        cr_assert_eq(e->qty % unit, 0, "op %" PRIu64 ": event qty %" PRId64 " not a multiple of %" PRId64,
                                     op, e->qty, unit);
                    same_id(&m, &r, e->maker_id, op);
                }
                if (se == BSE_MATCH_OK) {
                    if (o.side == BSE_MATCH_BUY && o.quote_cap > 0)
                        cr_assert_leq(re.spent, o.quote_cap);
                    if (re.cancelled > 0 && o.type == BSE_MATCH_LIMIT)
                        cuts++;
                    same_id(&m, &r, re.id, op);
                }
                k++;
                done++;
            }
            same_book(&m, &r, op, (op & 15) == 0, lv, lr, tmp, max_levels);
            if (r.n > max_resting)
                max_resting = r.n;
        }
        /* every id ever issued in the episode: resting in both or in neither */
        same_book(&m, &r, op, 1, lv, lr, tmp, max_levels);
        for (uint64_t id = 0; id <= r.next_id + 1; id++)
            same_id(&m, &r, id, op);
        bse_match_clear(&m);
        free(r.o);
    }
    fprintf(stderr,
            "flow %s: %ld submissions, %" PRIu64 " operations, %ld fills, %ld STP cancels, %ld rested, %ld limit orders cut "
            "by a cap, %ld invalid, %ld cancels done, at most %zu resting\n",
            f->name, done, op, fills, stp, rests, cuts, einval, cancels_ok, max_resting);
    /* the flow must exercise what it is meant to */
    cr_assert_gt(fills, done / 4);
    cr_assert_gt(stp, 0);
    cr_assert_gt(cancels_ok, 0);
    cr_assert_gt(einval, 0);
    free(le.ev);
    free(lref.ev);
    free(lv);
    free(lr);
    free(tmp);
}

/* Four flows, 1,050,000 submissions in all (plus about 40% as many cancels). */
Test(bse_match, random_flow_narrow_band_matches_the_reference, .timeout = 120)
{
    flow f = {.name = "narrow", .mid0 = 1000, .band_max = 6, .units = {1, 1, 1}, .qmax = 10, .owners = 3,
              .cancel_pct = 30, .passive_pct = 30, .submissions = 400000, .episode = 4000};
    run_flow(&f, test_seed("narrow flow"));
}

Test(bse_match, random_flow_in_unit_multiples_with_caps_matches_the_reference, .timeout = 120)
{
    flow f = {.name = "units", .mid0 = 5000, .band_max = 12, .units = {7, 100, 1000}, .qmax = 20, .owners = 4,
              .cancel_pct = 25, .passive_pct = 40, .submissions = 300000, .episode = 5000};
    run_flow(&f, test_seed("units flow") ^ 1);
}

Test(bse_match, random_flow_with_amounts_near_2_63_matches_the_reference, .timeout = 120)
{
    /* price ~ 3e9 ticks x qty up to 3.1e9 units: some products pass INT64_MAX
     * (refused), sells into many bids reach the INT64_MAX budget */
    flow f = {.name = "big", .mid0 = 3000000000, .band_max = 2000000, .units = {1, 1, 1}, .qmax = 3100000000,
              .owners = 3, .cancel_pct = 30, .big = 1, .passive_pct = 30, .submissions = 200000, .episode = 4000};
    run_flow(&f, test_seed("big flow") ^ 2);
}

Test(bse_match, random_flow_deep_book_many_owners_odd_quantities_matches_the_reference, .timeout = 120)
{
    flow f = {.name = "deep", .mid0 = 100000, .band_max = 60, .units = {1, 3, 10}, .qmax = 30, .owners = 40,
              .cancel_pct = 15, .odd_qty_pct = 20, .passive_pct = 70, .submissions = 150000, .episode = 15000};
    run_flow(&f, test_seed("deep flow") ^ 3);
}
