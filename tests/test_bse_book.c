/* tests/test_bse_book.c - behaviours of one book side (bse/book.h) and of BSE's
 * exchange on top of it (bse/exchange.h); suites bse_book and bse_exchange.
 *
 * The priority rules are checked on the spec's small examples and then by two
 * seeded random walks that compare the side, after every operation, with a naive
 * reference model written here (BSE rule: orders keyed by owner, queue position =
 * the owner's first-entry sequence number; FIFO rule: a list of orders with fresh
 * sequence numbers). Set BSE_TEST_SEED to replay a walk with another seed; the
 * seed in use is printed.
 */
#include <criterion/criterion.h>

#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bse/book.h"
#include "common/buf.h"
#include "bse/exchange.h"

/* ------------------------------------------------------------ helpers */

static void add_ok(bse_book_side *s, int32_t owner, int64_t price, int64_t qty, double t)
{
    cr_assert_eq(bse_book_add(s, owner, price, qty, t, 0, NULL), BSE_BOOK_OK, "add owner %d price %lld", owner,
                 (long long)price);
    cr_assert_eq(bse_book_check(s), 0, "invariant broken after add: %d", bse_book_check(s));
}

static int32_t best_owner(const bse_book_side *s)
{
    const bse_book_order *o = bse_book_best_order(s);
    return o ? o->owner : -1;
}

/* Owners queued at a price level, head first; returns the count. */
static int level_owners(const bse_book_side *s, int64_t price, int32_t *out, int max)
{
    for (int32_t li = 0; li < s->nlevels; li++) {
        if (s->levels[li].price != price)
            continue;
        int n = 0;
        for (int32_t i = s->levels[li].head; i >= 0 && n < max; i = s->nodes[i].next)
            out[n++] = s->nodes[i].owner;
        return n;
    }
    return 0;
}

/* Small seeded generator for the random walks (splitmix64). */
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

static uint64_t trng_below(trng *r, uint64_t n)
{
    return trng_next(r) % n;
}

static uint64_t test_seed(const char *what)
{
    const char *env = getenv("BSE_TEST_SEED");
    uint64_t seed = env && *env ? strtoull(env, NULL, 0) : UINT64_C(20240611);
    fprintf(stderr, "%s: seed %" PRIu64 " (set BSE_TEST_SEED to replay another)\n", what, seed);
    return seed;
}

/* ------------------------------------------------------------ basic side behaviour */

Test(bse_book, empty_side_has_no_best_level_or_order)
{
    bse_book_side s;
    cr_assert_eq(bse_book_init(&s, BSE_BOOK_BSE, 1, 1, 4, 4), BSE_BOOK_OK);
    cr_assert_null(bse_book_best(&s));
    cr_assert_null(bse_book_best_order(&s));
    cr_assert_eq(bse_book_fill_best(&s, 1), -1);
    cr_assert_eq(bse_book_check(&s), 0);
    bse_book_clear(&s);
    bse_book_clear(&s); /* clearing twice is allowed */
}

Test(bse_book, best_bid_is_the_highest_level)
{
    bse_book_side s;
    cr_assert_eq(bse_book_init(&s, BSE_BOOK_BSE, 1, 1, 8, 4), BSE_BOOK_OK);
    add_ok(&s, 0, 100, 1, 1);
    add_ok(&s, 1, 120, 1, 2);
    add_ok(&s, 2, 90, 1, 3);
    add_ok(&s, 3, 110, 1, 4);
    cr_assert_eq(bse_book_best(&s)->price, 120);
    cr_assert_eq(best_owner(&s), 1);
    cr_assert_eq(s.nlevels, 4);
    for (int32_t i = 1; i < s.nlevels; i++)
        cr_assert_lt(s.levels[i - 1].price, s.levels[i].price, "levels not ascending");
    bse_book_clear(&s);
}

Test(bse_book, best_ask_is_the_lowest_level)
{
    bse_book_side s;
    cr_assert_eq(bse_book_init(&s, BSE_BOOK_BSE, 0, 500, 8, 4), BSE_BOOK_OK);
    add_ok(&s, 0, 100, 1, 1);
    add_ok(&s, 1, 120, 1, 2);
    add_ok(&s, 2, 90, 1, 3);
    add_ok(&s, 3, 110, 1, 4);
    cr_assert_eq(bse_book_best(&s)->price, 90);
    cr_assert_eq(best_owner(&s), 2);
    bse_book_clear(&s);
}

Test(bse_book, replacement_keeps_the_owners_queue_slot_even_at_a_new_price)
{
    /* spec example: S01 asks 100 at t=1, S02 asks 99 at t=2, S01 re-quotes 99 at t=3 */
    enum { S01 = 1, S02 = 2 };
    bse_book_side s;
    cr_assert_eq(bse_book_init(&s, BSE_BOOK_BSE, 0, 500, 3, 4), BSE_BOOK_OK);
    add_ok(&s, S01, 100, 1, 1.0);
    add_ok(&s, S02, 99, 1, 2.0);
    cr_assert_eq(best_owner(&s), S02);
    add_ok(&s, S01, 99, 1, 3.0);
    cr_assert_eq(s.n_orders, 2, "a replacement must not add an order");
    cr_assert_eq(s.nlevels, 1, "the old level of the replaced order must go");
    cr_assert_eq(bse_book_best(&s)->price, 99);
    cr_assert_eq(bse_book_best(&s)->n, 2);
    cr_assert_eq(best_owner(&s), S01, "S01 entered the side first, so it queues first at 99");
    cr_assert(bse_book_best_order(&s)->time == 3.0, "the replacement carries its new time");
    bse_book_clear(&s);
}

Test(bse_book, replacement_at_the_same_price_keeps_the_slot)
{
    bse_book_side s;
    cr_assert_eq(bse_book_init(&s, BSE_BOOK_BSE, 1, 1, 3, 4), BSE_BOOK_OK);
    add_ok(&s, 0, 50, 1, 1.0);
    add_ok(&s, 1, 50, 1, 2.0);
    add_ok(&s, 0, 50, 1, 3.0);
    int32_t q[4];
    cr_assert_eq(level_owners(&s, 50, q, 4), 2);
    cr_assert_eq(q[0], 0);
    cr_assert_eq(q[1], 1);
    cr_assert(bse_book_best_order(&s)->time == 3.0);
    bse_book_clear(&s);
}

Test(bse_book, removal_then_reentry_goes_to_the_back)
{
    bse_book_side s;
    cr_assert_eq(bse_book_init(&s, BSE_BOOK_BSE, 0, 500, 3, 4), BSE_BOOK_OK);
    add_ok(&s, 0, 99, 1, 1.0);
    add_ok(&s, 1, 99, 1, 2.0);
    add_ok(&s, 2, 99, 1, 3.0);
    cr_assert_eq(bse_book_del_owner(&s, 0), BSE_BOOK_OK);
    cr_assert_eq(bse_book_owner_node(&s, 0), -1);
    add_ok(&s, 0, 99, 1, 4.0);
    int32_t q[4];
    cr_assert_eq(level_owners(&s, 99, q, 4), 3);
    cr_assert_eq(q[0], 1);
    cr_assert_eq(q[1], 2);
    cr_assert_eq(q[2], 0, "owner 0 re-entered after its removal and must queue last");
    bse_book_clear(&s);
}

Test(bse_book, delete_of_an_owner_without_an_order_is_rejected_and_changes_nothing)
{
    bse_book_side s;
    cr_assert_eq(bse_book_init(&s, BSE_BOOK_BSE, 1, 1, 4, 4), BSE_BOOK_OK);
    add_ok(&s, 0, 100, 1, 1.0);
    add_ok(&s, 1, 101, 1, 2.0);
    uint64_t version = s.version;
    int32_t nlevels = s.nlevels, n_orders = s.n_orders;
    bse_book_level before[2];
    memcpy(before, s.levels, sizeof before);
    cr_assert_eq(bse_book_del_owner(&s, 2), BSE_BOOK_ENOTFOUND);
    cr_assert_eq(bse_book_del_owner(&s, 99), BSE_BOOK_ENOTFOUND, "owner out of range");
    cr_assert_eq(bse_book_del_owner(&s, -1), BSE_BOOK_ENOTFOUND, "negative owner");
    cr_assert_eq(s.version, version, "a failed delete must not count as a change");
    cr_assert_eq(s.nlevels, nlevels);
    cr_assert_eq(s.n_orders, n_orders);
    cr_assert_arr_eq(s.levels, before, sizeof before);
    cr_assert_eq(bse_book_check(&s), 0);
    /* deleting twice: the second is rejected */
    cr_assert_eq(bse_book_del_owner(&s, 0), BSE_BOOK_OK);
    cr_assert_eq(bse_book_del_owner(&s, 0), BSE_BOOK_ENOTFOUND);
    cr_assert_eq(s.n_orders, 1);
    bse_book_clear(&s);
}

Test(bse_book, delete_of_a_node_that_is_not_resting_is_rejected)
{
    bse_book_side s;
    cr_assert_eq(bse_book_init(&s, BSE_BOOK_FIFO, 1, 1, 4, 4), BSE_BOOK_OK);
    int32_t node;
    cr_assert_eq(bse_book_add(&s, 0, 100, 1, 0, 7, &node), BSE_BOOK_OK);
    cr_assert_eq(bse_book_del_node(&s, node), BSE_BOOK_OK);
    cr_assert_eq(bse_book_del_node(&s, node), BSE_BOOK_ENOTFOUND, "second delete of the same node");
    cr_assert_eq(bse_book_del_node(&s, -1), BSE_BOOK_ENOTFOUND);
    cr_assert_eq(bse_book_del_node(&s, 1 << 20), BSE_BOOK_ENOTFOUND);
    cr_assert_eq(s.n_orders, 0);
    cr_assert_eq(bse_book_check(&s), 0);
    bse_book_clear(&s);
}

Test(bse_book, add_rejects_bad_owner_and_non_positive_quantity)
{
    bse_book_side s;
    cr_assert_eq(bse_book_init(&s, BSE_BOOK_BSE, 1, 1, 2, 4), BSE_BOOK_OK);
    int32_t node = 123;
    cr_assert_eq(bse_book_add(&s, 2, 100, 1, 0, 0, &node), BSE_BOOK_EINVAL, "owner == n_owners");
    cr_assert_eq(node, -1, "node must be -1 after a failed add");
    cr_assert_eq(bse_book_add(&s, -1, 100, 1, 0, 0, NULL), BSE_BOOK_EINVAL);
    cr_assert_eq(bse_book_add(&s, 0, 100, 0, 0, 0, NULL), BSE_BOOK_EINVAL, "qty 0");
    cr_assert_eq(bse_book_add(&s, 0, 100, -3, 0, 0, NULL), BSE_BOOK_EINVAL, "negative qty");
    cr_assert_eq(s.n_orders, 0);
    cr_assert_eq(s.nlevels, 0);
    bse_book_clear(&s);
}

Test(bse_book, ask_side_remembers_the_highest_ask_ever_added)
{
    bse_book_side s;
    cr_assert_eq(bse_book_init(&s, BSE_BOOK_BSE, 0, 500, 3, 4), BSE_BOOK_OK);
    cr_assert_eq(s.has_extreme, 0);
    add_ok(&s, 0, 120, 1, 1);
    add_ok(&s, 1, 150, 1, 2);
    add_ok(&s, 1, 90, 1, 3); /* replaced: 150 is gone from the book but was seen */
    cr_assert_eq(bse_book_del_owner(&s, 0), BSE_BOOK_OK);
    cr_assert(s.has_extreme);
    cr_assert_eq(s.session_extreme, 150);
    bse_book_clear(&s);
}

Test(bse_book, fifo_partial_fill_keeps_the_order_and_full_fill_removes_it)
{
    bse_book_side s;
    cr_assert_eq(bse_book_init(&s, BSE_BOOK_FIFO, 0, 500, 4, 2), BSE_BOOK_OK);
    add_ok(&s, 0, 100, 5, 1);
    add_ok(&s, 1, 100, 3, 2);
    add_ok(&s, 2, 101, 4, 3);
    cr_assert_eq(bse_book_best(&s)->qty, 8);
    cr_assert_eq(bse_book_best(&s)->n, 2);

    cr_assert_eq(bse_book_fill_best(&s, 2), 0, "the first order at the best level fills");
    cr_assert_eq(bse_book_check(&s), 0);
    cr_assert_eq(best_owner(&s), 0, "a partial fill keeps the order at the head");
    cr_assert_eq(bse_book_best_order(&s)->qty, 3);
    cr_assert_eq(bse_book_best(&s)->qty, 6);
    cr_assert_eq(bse_book_best(&s)->n, 2);
    cr_assert_eq(s.n_orders, 3);

    cr_assert_eq(bse_book_fill_best(&s, 3), 0);
    cr_assert_eq(bse_book_check(&s), 0);
    cr_assert_eq(s.n_orders, 2, "a full fill removes the order");
    cr_assert_eq(best_owner(&s), 1);
    cr_assert_eq(bse_book_best(&s)->qty, 3);
    cr_assert_eq(bse_book_best(&s)->n, 1);

    cr_assert_eq(bse_book_fill_best(&s, 3), 1);
    cr_assert_eq(s.nlevels, 1, "an emptied level is removed");
    cr_assert_eq(bse_book_best(&s)->price, 101);
    cr_assert_eq(bse_book_best(&s)->qty, 4);
    cr_assert_eq(bse_book_check(&s), 0);
    bse_book_clear(&s);
}

Test(bse_book, fifo_gives_one_owner_many_orders_in_time_order)
{
    bse_book_side s;
    cr_assert_eq(bse_book_init(&s, BSE_BOOK_FIFO, 1, 1, 2, 2), BSE_BOOK_OK);
    int32_t n0, n1, n2;
    cr_assert_eq(bse_book_add(&s, 0, 100, 1, 1, 10, &n0), BSE_BOOK_OK);
    cr_assert_eq(bse_book_add(&s, 1, 100, 2, 2, 11, &n1), BSE_BOOK_OK);
    cr_assert_eq(bse_book_add(&s, 0, 100, 3, 3, 12, &n2), BSE_BOOK_OK);
    cr_assert_eq(s.n_orders, 3, "FIFO never replaces");
    cr_assert_eq(bse_book_best(&s)->qty, 6);
    int32_t q[4];
    cr_assert_eq(level_owners(&s, 100, q, 4), 3);
    cr_assert_eq(q[0], 0);
    cr_assert_eq(q[1], 1);
    cr_assert_eq(q[2], 0);
    cr_assert_eq(bse_book_del_node(&s, n0), BSE_BOOK_OK);
    cr_assert_eq(bse_book_best_order(&s)->qid, 11);
    cr_assert_eq(bse_book_check(&s), 0);
    bse_book_clear(&s);
}

Test(bse_book, storage_grows_past_the_capacity_hint)
{
    bse_book_side s;
    cr_assert_eq(bse_book_init(&s, BSE_BOOK_FIFO, 1, 1, 1, 1), BSE_BOOK_OK);
    for (int i = 0; i < 1000; i++)
        cr_assert_eq(bse_book_add(&s, 0, 1000 - (i % 300), 1, i, i, NULL), BSE_BOOK_OK);
    cr_assert_eq(bse_book_check(&s), 0);
    cr_assert_eq(s.n_orders, 1000);
    cr_assert_eq(s.nlevels, 300);
    cr_assert_eq(bse_book_best(&s)->price, 1000);
    cr_assert_eq(bse_book_best(&s)->qty, 4); /* i = 0, 300, 600, 900 */
    bse_book_clear(&s);
}

/* ------------------------------------------------------------ random walk, BSE rule */

#define RW_OWNERS 50
#define RW_PMIN 95
#define RW_PMAX 105
#define RW_STEPS 20000

typedef struct bse_model {
    int has[RW_OWNERS];
    int64_t price[RW_OWNERS], qty[RW_OWNERS];
    uint64_t seq[RW_OWNERS];
    uint64_t next_seq;
    int has_extreme;
    int64_t extreme;
} bse_model;

static int model_best(const bse_model *m, int is_bid, int64_t *price)
{
    int found = 0;
    for (int o = 0; o < RW_OWNERS; o++) {
        if (!m->has[o])
            continue;
        if (!found || (is_bid ? m->price[o] > *price : m->price[o] < *price))
            *price = m->price[o];
        found = 1;
    }
    return found;
}

static int32_t model_best_owner(const bse_model *m, int is_bid)
{
    int64_t bp;
    if (!model_best(m, is_bid, &bp))
        return -1;
    int32_t best = -1;
    for (int o = 0; o < RW_OWNERS; o++)
        if (m->has[o] && m->price[o] == bp && (best < 0 || m->seq[o] < m->seq[best]))
            best = o;
    return best;
}

static void compare_bse(const bse_book_side *s, const bse_model *m, int step, const char *op)
{
    int rc = bse_book_check(s);
    cr_assert_eq(rc, 0, "step %d (%s): bse_book_check = %d", step, op, rc);
    int64_t qty[RW_PMAX - RW_PMIN + 1] = {0};
    int32_t cnt[RW_PMAX - RW_PMIN + 1] = {0};
    int32_t n_orders = 0, n_levels = 0;
    for (int o = 0; o < RW_OWNERS; o++) {
        if (!m->has[o]) {
            cr_assert_eq(bse_book_owner_node(s, o), -1, "step %d (%s): owner %d should have no order", step, op, o);
            continue;
        }
        int32_t node = bse_book_owner_node(s, o);
        cr_assert_geq(node, 0, "step %d (%s): owner %d lost its order", step, op, o);
        cr_assert_eq(s->nodes[node].price, m->price[o], "step %d (%s): owner %d price", step, op, o);
        cr_assert_eq(s->nodes[node].qty, m->qty[o], "step %d (%s): owner %d qty", step, op, o);
        int p = (int)(m->price[o] - RW_PMIN);
        if (cnt[p]++ == 0)
            n_levels++;
        qty[p] += m->qty[o];
        n_orders++;
    }
    cr_assert_eq(s->n_orders, n_orders, "step %d (%s): n_orders %d, model %d", step, op, s->n_orders, n_orders);
    cr_assert_eq(s->nlevels, n_levels, "step %d (%s): nlevels %d, model %d", step, op, s->nlevels, n_levels);
    for (int32_t li = 0; li < s->nlevels; li++) {
        const bse_book_level *l = &s->levels[li];
        cr_assert(l->price >= RW_PMIN && l->price <= RW_PMAX, "step %d: stray level %lld", step, (long long)l->price);
        int p = (int)(l->price - RW_PMIN);
        cr_assert_eq(l->qty, qty[p], "step %d (%s): level %lld qty %lld, model %lld", step, op, (long long)l->price,
                     (long long)l->qty, (long long)qty[p]);
        cr_assert_eq(l->n, cnt[p], "step %d (%s): level %lld n", step, op, (long long)l->price);
    }
    int64_t bp = 0;
    int has = model_best(m, s->is_bid, &bp);
    const bse_book_level *bl = bse_book_best(s);
    cr_assert_eq(bl != NULL, has, "step %d (%s): emptiness differs", step, op);
    if (has) {
        cr_assert_eq(bl->price, bp, "step %d (%s): best price %lld, model %lld", step, op, (long long)bl->price,
                     (long long)bp);
        cr_assert_eq(best_owner(s), model_best_owner(m, s->is_bid), "step %d (%s): best owner %d, model %d", step, op,
                     best_owner(s), model_best_owner(m, s->is_bid));
    }
    if (!s->is_bid) {
        cr_assert_eq(s->has_extreme, m->has_extreme, "step %d: has_extreme", step);
        if (m->has_extreme)
            cr_assert_eq(s->session_extreme, m->extreme, "step %d: session_extreme", step);
    }
}

static void random_walk_bse(int is_bid, uint64_t seed)
{
    trng r = {seed};
    bse_book_side s;
    cr_assert_eq(bse_book_init(&s, BSE_BOOK_BSE, is_bid, is_bid ? 1 : 500, RW_OWNERS, 4), BSE_BOOK_OK);
    bse_model *m = calloc(1, sizeof *m);
    cr_assert_not_null(m);
    int n_add = 0, n_del = 0, n_miss = 0, n_fill = 0;
    for (int step = 0; step < RW_STEPS; step++) {
        uint64_t dice = trng_below(&r, 100);
        int32_t o = (int32_t)trng_below(&r, RW_OWNERS);
        if (dice < 50) {
            int64_t price = RW_PMIN + (int64_t)trng_below(&r, RW_PMAX - RW_PMIN + 1);
            int64_t qty = 1 + (int64_t)trng_below(&r, 3);
            cr_assert_eq(bse_book_add(&s, o, price, qty, step, step, NULL), BSE_BOOK_OK);
            if (!m->has[o])
                m->seq[o] = m->next_seq++;
            m->has[o] = 1;
            m->price[o] = price;
            m->qty[o] = qty;
            if (!is_bid && (!m->has_extreme || price > m->extreme)) {
                m->has_extreme = 1;
                m->extreme = price;
            }
            n_add++;
            compare_bse(&s, m, step, "add");
        } else if (dice < 75) {
            bse_book_status st = bse_book_del_owner(&s, o);
            cr_assert_eq(st, m->has[o] ? BSE_BOOK_OK : BSE_BOOK_ENOTFOUND, "step %d: del owner %d returned %d", step,
                         o, st);
            n_miss += !m->has[o];
            n_del += m->has[o];
            m->has[o] = 0;
            compare_bse(&s, m, step, "del");
        } else {
            int32_t want = model_best_owner(m, is_bid);
            int64_t qty = want >= 0 ? 1 + (int64_t)trng_below(&r, (uint64_t)m->qty[want]) : 1;
            int32_t got = bse_book_fill_best(&s, qty);
            cr_assert_eq(got, want, "step %d: fill_best filled owner %d, model %d", step, got, want);
            if (want >= 0) {
                m->qty[want] -= qty;
                if (m->qty[want] == 0)
                    m->has[want] = 0;
                n_fill++;
            }
            compare_bse(&s, m, step, "fill");
        }
    }
    /* the walk exercised every branch */
    cr_assert_gt(n_add, 1000);
    cr_assert_gt(n_del, 100);
    cr_assert_gt(n_miss, 100);
    cr_assert_gt(n_fill, 100);
    free(m);
    bse_book_clear(&s);
}

Test(bse_book, random_operations_on_bids_agree_with_a_reference_model)
{
    random_walk_bse(1, test_seed("bse_book bid walk"));
}

Test(bse_book, random_operations_on_asks_agree_with_a_reference_model)
{
    random_walk_bse(0, test_seed("bse_book ask walk") ^ 0x5555);
}

/* ------------------------------------------------------------ random walk, FIFO rule */

#define FW_MAX 4096

typedef struct fifo_model {
    int n;
    int32_t node[FW_MAX], owner[FW_MAX];
    int64_t price[FW_MAX], qty[FW_MAX];
    uint64_t seq[FW_MAX];
    uint64_t next_seq;
} fifo_model;

static int fifo_model_best(const fifo_model *m, int is_bid)
{
    int best = -1;
    for (int i = 0; i < m->n; i++) {
        if (best < 0)
            best = i;
        else if (m->price[i] != m->price[best]) {
            if (is_bid ? m->price[i] > m->price[best] : m->price[i] < m->price[best])
                best = i;
        } else if (m->seq[i] < m->seq[best])
            best = i;
    }
    return best;
}

static void fifo_model_remove(fifo_model *m, int i)
{
    m->n--;
    m->node[i] = m->node[m->n];
    m->owner[i] = m->owner[m->n];
    m->price[i] = m->price[m->n];
    m->qty[i] = m->qty[m->n];
    m->seq[i] = m->seq[m->n];
}

static void compare_fifo(const bse_book_side *s, const fifo_model *m, int step)
{
    cr_assert_eq(bse_book_check(s), 0, "step %d: bse_book_check = %d", step, bse_book_check(s));
    cr_assert_eq(s->n_orders, m->n, "step %d: n_orders", step);
    int64_t qty[RW_PMAX - RW_PMIN + 1] = {0};
    int32_t cnt[RW_PMAX - RW_PMIN + 1] = {0}, nl = 0;
    for (int i = 0; i < m->n; i++) {
        const bse_book_order *o = &s->nodes[m->node[i]];
        cr_assert_eq(o->price, m->price[i], "step %d: node %d price", step, m->node[i]);
        cr_assert_eq(o->qty, m->qty[i], "step %d: node %d qty", step, m->node[i]);
        cr_assert_eq(o->owner, m->owner[i], "step %d: node %d owner", step, m->node[i]);
        int p = (int)(m->price[i] - RW_PMIN);
        nl += cnt[p]++ == 0;
        qty[p] += m->qty[i];
    }
    cr_assert_eq(s->nlevels, nl, "step %d: nlevels", step);
    for (int32_t li = 0; li < s->nlevels; li++) {
        int p = (int)(s->levels[li].price - RW_PMIN);
        cr_assert_eq(s->levels[li].qty, qty[p], "step %d: level %lld qty", step, (long long)s->levels[li].price);
        cr_assert_eq(s->levels[li].n, cnt[p], "step %d: level n", step);
    }
    int b = fifo_model_best(m, s->is_bid);
    const bse_book_order *bo = bse_book_best_order(s);
    cr_assert_eq(bo != NULL, b >= 0, "step %d: emptiness", step);
    if (b >= 0)
        cr_assert_eq(bo, &s->nodes[m->node[b]], "step %d: best order is node %ld, model node %d", step,
                     (long)(bo - s->nodes), m->node[b]);
}

Test(bse_book, random_fifo_operations_agree_with_a_reference_model)
{
    trng r = {test_seed("bse_book fifo walk") ^ 0xf1f0};
    bse_book_side s;
    cr_assert_eq(bse_book_init(&s, BSE_BOOK_FIFO, 1, 1, RW_OWNERS, 4), BSE_BOOK_OK);
    fifo_model *m = calloc(1, sizeof *m);
    cr_assert_not_null(m);
    for (int step = 0; step < RW_STEPS; step++) {
        uint64_t dice = trng_below(&r, 100);
        if (dice < 45 && m->n < FW_MAX) {
            int32_t node, o = (int32_t)trng_below(&r, RW_OWNERS);
            int64_t price = RW_PMIN + (int64_t)trng_below(&r, RW_PMAX - RW_PMIN + 1);
            int64_t qty = 1 + (int64_t)trng_below(&r, 5);
            cr_assert_eq(bse_book_add(&s, o, price, qty, step, step, &node), BSE_BOOK_OK);
            int i = m->n++;
            m->node[i] = node;
            m->owner[i] = o;
            m->price[i] = price;
            m->qty[i] = qty;
            m->seq[i] = m->next_seq++;
        } else if (dice < 70) {
            if (m->n == 0)
                continue;
            int i = (int)trng_below(&r, (uint64_t)m->n);
            cr_assert_eq(bse_book_del_node(&s, m->node[i]), BSE_BOOK_OK, "step %d", step);
            fifo_model_remove(m, i);
        } else {
            int b = fifo_model_best(m, 1);
            int64_t qty = b >= 0 ? 1 + (int64_t)trng_below(&r, (uint64_t)m->qty[b]) : 1;
            int32_t got = bse_book_fill_best(&s, qty);
            cr_assert_eq(got, b >= 0 ? m->owner[b] : -1, "step %d: fill owner", step);
            if (b >= 0 && (m->qty[b] -= qty) == 0)
                fifo_model_remove(m, b);
        }
        compare_fifo(&s, m, step);
    }
    free(m);
    bse_book_clear(&s);
}

/* ------------------------------------------------------------ exchange */

static bse_exchange *new_exchange(int32_t n)
{
    bse_exchange *ex = malloc(sizeof *ex);
    cr_assert_not_null(ex);
    cr_assert_eq(bse_exchange_init(ex, n), BSE_EXCHANGE_OK);
    return ex;
}

static void free_exchange(bse_exchange *ex)
{
    bse_exchange_clear(ex);
    free(ex);
}

static void lob_is(const bse_exchange *ex, const char *want)
{
    common_buf b = COMMON_BUF_INIT;
    cr_assert_eq(bse_exchange_lob_string(ex, &b), 0);
    cr_assert_str_eq(b.data, want);
    common_buf_free(&b);
}

Test(bse_exchange, crossing_bid_trades_at_the_resting_ask_price)
{
    bse_exchange *ex = new_exchange(4);
    bse_trade t;
    memset(&t, 0, sizeof t);
    cr_assert_eq(bse_exchange_process(ex, 1.0, 0, 0, 120, &t), 0, "an ask on an empty book rests");
    cr_assert_eq(bse_exchange_process(ex, 2.0, 1, 1, 140, &t), 1, "bid 140 crosses ask 120");
    cr_assert_eq(t.price, 120, "price improvement: the trade is at the resting price");
    cr_assert_eq(t.party1, 0, "party1 is the resting trader");
    cr_assert_eq(t.party2, 1, "party2 is the incoming trader");
    cr_assert(t.time == 2.0);
    cr_assert_eq(ex->bids.n_orders, 0, "the incoming bid left the book");
    cr_assert_eq(ex->asks.n_orders, 0, "the resting ask left the book");
    const bse_tape_rec *rec = bse_exchange_tape_back(ex, 1);
    cr_assert_not_null(rec);
    cr_assert_eq(rec->is_trade, 1);
    cr_assert_eq(rec->price, 120);
    cr_assert(rec->time == 2.0);
    lob_is(ex, "Bid:,0,Ask:,0,");
    free_exchange(ex);
}

Test(bse_exchange, crossing_ask_trades_at_the_resting_bid_price)
{
    bse_exchange *ex = new_exchange(4);
    bse_trade t;
    cr_assert_eq(bse_exchange_process(ex, 1.0, 2, 1, 130, &t), 0);
    cr_assert_eq(bse_exchange_process(ex, 1.5, 3, 1, 125, &t), 0);
    cr_assert_eq(bse_exchange_process(ex, 2.0, 0, 0, 100, &t), 1);
    cr_assert_eq(t.price, 130, "trade at the best (highest) resting bid");
    cr_assert_eq(t.party1, 2);
    cr_assert_eq(t.party2, 0);
    cr_assert_eq(ex->bids.n_orders, 1, "only the matched bid left");
    cr_assert_eq(bse_book_best(&ex->bids)->price, 125);
    cr_assert_eq(ex->asks.n_orders, 0);
    free_exchange(ex);
}

Test(bse_exchange, matches_the_first_trader_queued_at_the_best_ask)
{
    /* the spec's BSE-rule example through process: S01 keeps its first-entry slot */
    bse_exchange *ex = new_exchange(4);
    bse_trade t;
    cr_assert_eq(bse_exchange_process(ex, 1.0, 1, 0, 100, &t), 0);
    cr_assert_eq(bse_exchange_process(ex, 2.0, 2, 0, 99, &t), 0);
    cr_assert_eq(bse_exchange_process(ex, 3.0, 1, 0, 99, &t), 0);
    cr_assert_eq(bse_exchange_process(ex, 4.0, 0, 1, 99, &t), 1);
    cr_assert_eq(t.party1, 1, "S01 is first in the 99 queue");
    cr_assert_eq(t.price, 99);
    free_exchange(ex);
}

Test(bse_exchange, quote_that_does_not_cross_rests)
{
    bse_exchange *ex = new_exchange(4);
    bse_trade t;
    cr_assert_eq(bse_exchange_process(ex, 1.0, 0, 0, 101, &t), 0);
    cr_assert_eq(bse_exchange_process(ex, 2.0, 1, 1, 100, &t), 0);
    cr_assert_eq(ex->tape_len, 0, "no trade, nothing on the tape");
    cr_assert_eq(ex->quote_id, 2, "each quote takes a quote id");
    free_exchange(ex);
}

Test(bse_exchange, cancel_without_an_order_still_appends_a_tape_record)
{
    bse_exchange *ex = new_exchange(4);
    bse_exchange_cancel(ex, 5.5, 3, 1, 77);
    cr_assert_eq(ex->tape_len, 1);
    const bse_tape_rec *rec = bse_exchange_tape_back(ex, 1);
    cr_assert_not_null(rec);
    cr_assert_eq(rec->is_trade, 0);
    cr_assert_eq(rec->price, 77);
    cr_assert(rec->time == 5.5);
    free_exchange(ex);
}

Test(bse_exchange, cancel_removes_the_traders_quote)
{
    bse_exchange *ex = new_exchange(4);
    bse_trade t;
    cr_assert_eq(bse_exchange_process(ex, 1.0, 2, 1, 90, &t), 0);
    cr_assert_eq(bse_exchange_process(ex, 1.0, 2, 0, 95, &t), 0);
    bse_exchange_cancel(ex, 2.0, 2, 1, 90);
    cr_assert_eq(ex->bids.n_orders, 0);
    cr_assert_eq(ex->asks.n_orders, 1, "the cancel touches only its side");
    cr_assert_eq(bse_exchange_tape_back(ex, 1)->is_trade, 0);
    free_exchange(ex);
}

Test(bse_exchange, tape_keeps_only_the_last_10000_records)
{
    bse_exchange *ex = new_exchange(2);
    for (int i = 0; i < BSE_TAPE_LEN + 5; i++)
        bse_exchange_cancel(ex, (double)i, 0, i & 1, i);
    cr_assert_eq(ex->tape_len, BSE_TAPE_LEN);
    cr_assert_eq(bse_exchange_tape_back(ex, 1)->price, BSE_TAPE_LEN + 4, "newest record");
    cr_assert_eq(bse_exchange_tape_back(ex, BSE_TAPE_LEN)->price, 5, "the 5 oldest were dropped");
    cr_assert(bse_exchange_tape_back(ex, BSE_TAPE_LEN)->time == 5.0);
    cr_assert_null(bse_exchange_tape_back(ex, BSE_TAPE_LEN + 1));
    cr_assert_null(bse_exchange_tape_back(ex, 0));
    for (int k = 1; k <= BSE_TAPE_LEN; k += 997)
        cr_assert_eq(bse_exchange_tape_back(ex, k)->price, BSE_TAPE_LEN + 5 - k, "record %d back", k);
    free_exchange(ex);
}

Test(bse_exchange, lob_string_of_an_empty_book)
{
    bse_exchange *ex = new_exchange(3);
    lob_is(ex, "Bid:,0,Ask:,0,");
    free_exchange(ex);
}

Test(bse_exchange, lob_string_lists_both_sides_ascending)
{
    bse_exchange *ex = new_exchange(6);
    bse_trade t;
    cr_assert_eq(bse_exchange_process(ex, 1, 0, 1, 99, &t), 0);
    cr_assert_eq(bse_exchange_process(ex, 2, 1, 1, 98, &t), 0);
    cr_assert_eq(bse_exchange_process(ex, 3, 2, 1, 99, &t), 0);
    cr_assert_eq(bse_exchange_process(ex, 4, 3, 0, 101, &t), 0);
    lob_is(ex, "Bid:,2,98,1,99,2,Ask:,1,101,1,");
    cr_assert_eq(bse_exchange_process(ex, 5, 4, 0, 103, &t), 0);
    cr_assert_eq(bse_exchange_process(ex, 6, 5, 0, 102, &t), 0);
    lob_is(ex, "Bid:,2,98,1,99,2,Ask:,3,101,1,102,1,103,1,");
    free_exchange(ex);
}

Test(bse_exchange, clear_is_idempotent)
{
    bse_exchange *ex = new_exchange(2);
    bse_exchange_clear(ex);
    bse_exchange_clear(ex);
    cr_assert_eq(ex->tape_len, 0);
    cr_assert_null(ex->bids.levels);
    free(ex);
}
