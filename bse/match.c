/* bse/match.c - exchange-mode matching engine for one pair (see match.h;
 * economy.md s4).
 *
 * The two sides are bse/book.h sides under the FIFO rule: each resting order is
 * one node whose qid is the order id and whose seq is fresh, so a level's queue
 * is in submission order (true time priority). The id index (id -> node, side,
 * original quantity, client tag) is four arrays indexed by id, grown
 * geometrically; an id that is not resting has node -1.
 *
 * Main invariant (bse_match_check): each side holds its book invariants, the
 * book is not crossed, and the resting nodes and the index entries with a node
 * are in one-to-one correspondence (node.qid = id, id_node[id] = node).
 *
 * Amounts: a resting order always has price x original qty <= INT64_MAX (limit
 * and IOC orders are refused otherwise), so one fill's value price x qty never
 * overflows; a taker's spent total is bounded by its budget (quote_cap, or
 * INT64_MAX), so it never overflows either.
 *
 * Memory: everything a submission may allocate (an id slot, a node and a level
 * for its resting remainder) is reserved before the first change, so ENOMEM
 * always leaves the book unchanged. No allocation per order otherwise.
 */
#include "bse/match.h"

#include <assert.h>
#include <stdlib.h>
#include <string.h>

static bse_book_side *side_of(bse_match *m, bse_match_side s)
{
    return s == BSE_MATCH_BUY ? &m->bids : &m->asks;
}

static const bse_book_side *cside_of(const bse_match *m, bse_match_side s)
{
    return s == BSE_MATCH_BUY ? &m->bids : &m->asks;
}

static void zero(bse_match *m)
{
    memset(m, 0, sizeof *m);
    m->bids.free_head = -1;
    m->asks.free_head = -1;
}

/* Makes room for id m->next_id in the index. Returns 0 or -1 (out of memory;
 * the index keeps its old capacity, every array still valid). */
static int grow_ids(bse_match *m)
{
    if (m->next_id < m->cap_ids)
        return 0;
    size_t ncap = m->cap_ids < 64 ? 64 : m->cap_ids * 2;
    if (ncap > SIZE_MAX / sizeof(int64_t) || ncap <= m->next_id)
        return -1;
    int32_t *n = realloc(m->id_node, sizeof *n * ncap);
    if (!n)
        return -1;
    m->id_node = n;
    uint8_t *s = realloc(m->id_side, sizeof *s * ncap);
    if (!s)
        return -1;
    m->id_side = s;
    int64_t *q = realloc(m->id_orig, sizeof *q * ncap);
    if (!q)
        return -1;
    m->id_orig = q;
    int64_t *t = realloc(m->id_tag, sizeof *t * ncap);
    if (!t)
        return -1;
    m->id_tag = t;
    m->cap_ids = ncap;
    return 0;
}

bse_match_status bse_match_init(bse_match *m, int64_t qty_unit)
{
    assert(m);
    zero(m);
    if (qty_unit < 1)
        return BSE_MATCH_EINVAL;
    if (bse_book_init(&m->bids, BSE_BOOK_FIFO, 1, 0, 0, 64) != BSE_BOOK_OK ||
        bse_book_init(&m->asks, BSE_BOOK_FIFO, 0, 0, 0, 64) != BSE_BOOK_OK) {
        bse_match_clear(m);
        return BSE_MATCH_ENOMEM;
    }
    m->qty_unit = qty_unit;
    m->next_id = 1;
    if (grow_ids(m)) {
        bse_match_clear(m);
        return BSE_MATCH_ENOMEM;
    }
    return BSE_MATCH_OK;
}

void bse_match_clear(bse_match *m)
{
    if (!m)
        return;
    bse_book_clear(&m->bids);
    bse_book_clear(&m->asks);
    free(m->id_node);
    free(m->id_side);
    free(m->id_orig);
    free(m->id_tag);
    zero(m);
}

/* Makes sure a later bse_book_add of one order at `price` on side s cannot
 * fail for memory: when the side has no free node or no spare level slot, one
 * order is added (growing what it needs) and removed again. Only the side's
 * internal seq counter, version and (asks) BSE session_extreme move, none of
 * which the FIFO rule reads. Matching touches only the other side, so the room
 * is still there when the remainder rests. Returns 0 or -1 (out of memory). */
static int reserve_rest(bse_book_side *s, int32_t owner, int64_t price)
{
    if (s->free_head >= 0 && s->nlevels < s->cap_levels)
        return 0;
    int32_t node = -1;
    if (bse_book_add(s, owner, price, 1, 0.0, 0, &node) != BSE_BOOK_OK)
        return -1;
    (void)bse_book_del_node(s, node);
    return 0;
}

static void emit(bse_match_event_fn fn, void *user, bse_match_event_kind kind, bse_match_side side, uint64_t taker_id,
                 int32_t taker_owner, uint64_t maker_id, int32_t maker_owner, int64_t price, int64_t qty)
{
    if (!fn)
        return;
    bse_match_event ev = {.kind = kind,
                          .taker_side = side,
                          .taker_id = taker_id,
                          .taker_owner = taker_owner,
                          .maker_id = maker_id,
                          .maker_owner = maker_owner,
                          .price = price,
                          .qty = qty};
    fn(user, &ev);
}

#ifdef BSE_CHECK
#define MATCH_VERIFY(m) assert(bse_match_check(m) == 0)
#else
#define MATCH_VERIFY(m) ((void)0)
#endif

bse_match_status bse_match_submit(bse_match *m, const bse_match_order *o, bse_match_event_fn fn, void *user,
                                  bse_match_result *res)
{
    assert(m && o);
    if (res)
        memset(res, 0, sizeof *res);
    if ((o->side != BSE_MATCH_BUY && o->side != BSE_MATCH_SELL) ||
        (o->type != BSE_MATCH_LIMIT && o->type != BSE_MATCH_MARKET && o->type != BSE_MATCH_IOC) || o->owner < 0 ||
        o->qty <= 0 || o->quote_cap < 0)
        return BSE_MATCH_EINVAL;
    const int is_market = o->type == BSE_MATCH_MARKET;
    int64_t value;
    if (!is_market && (o->price <= 0 || __builtin_mul_overflow(o->price, o->qty, &value)))
        return BSE_MATCH_EINVAL;
    const int is_buy = o->side == BSE_MATCH_BUY;
    bse_book_side *own = side_of(m, o->side);
    bse_book_side *opp = is_buy ? &m->asks : &m->bids;
    if (m->next_id >= m->cap_ids && grow_ids(m))
        return BSE_MATCH_ENOMEM;
    if (o->type == BSE_MATCH_LIMIT && reserve_rest(own, o->owner, o->price))
        return BSE_MATCH_ENOMEM;

    /* From here on nothing can fail. */
    const uint64_t id = m->next_id++;
    m->id_node[id] = -1;
    m->id_side[id] = (uint8_t)o->side;
    m->id_orig[id] = o->qty;
    m->id_tag[id] = o->client_tag;

    /* the most the taker may spend: its quote_cap (buys), else all an int64 holds */
    const int64_t budget = (is_buy && o->quote_cap > 0) ? o->quote_cap : INT64_MAX;
    const int64_t unit = m->qty_unit;
    int64_t rem = o->qty, spent = 0;
    uint32_t n_fills = 0;
    int cut = 0;
    while (rem > 0 && opp->nlevels > 0) {
        const bse_book_level *l = is_buy ? &opp->levels[0] : &opp->levels[opp->nlevels - 1];
        const int64_t p = l->price;
        if (!is_market && (is_buy ? p > o->price : p < o->price))
            break; /* no longer crosses */
        const int32_t ni = l->head;
        const bse_book_order *mk = &opp->nodes[ni];
        const uint64_t mid = (uint64_t)mk->qid;
        const int32_t mowner = mk->owner;
        const int64_t mqty = mk->qty;
        if (mowner == o->owner) { /* self-trade prevention: the resting order goes */
            m->id_node[mid] = -1;
            m->n_resting--;
            (void)bse_book_del_node(opp, ni);
            emit(fn, user, BSE_MATCH_EV_STP_CANCEL, opp == &m->bids ? BSE_MATCH_BUY : BSE_MATCH_SELL, id, o->owner,
                 mid, mowner, p, mqty);
            continue;
        }
        int64_t q = rem < mqty ? rem : mqty;
        int64_t v = p * q; /* <= p x the maker's original qty, which fits */
        if (v > budget - spent) {
            /* the largest whole number of units that still fits (strictly below q) */
            q = (budget - spent) / p;
            q -= q % unit;
            cut = 1;
            if (q == 0)
                break;
            v = p * q;
        }
        if (q == mqty) {
            m->id_node[mid] = -1;
            m->n_resting--;
        }
        (void)bse_book_fill_best(opp, q);
        rem -= q;
        spent += v;
        n_fills++;
        m->last_price = p;
        m->n_trades++;
        if (__builtin_add_overflow(m->volume, q, &m->volume))
            m->volume = INT64_MAX; /* saturates rather than wraps */
        emit(fn, user, BSE_MATCH_EV_FILL, o->side, id, o->owner, mid, mowner, p, q);
        if (cut)
            break;
    }

    int64_t rested = 0, cancelled = 0;
    if (rem > 0 && o->type == BSE_MATCH_LIMIT && !cut) {
        int32_t node = -1;
        bse_book_status bst = bse_book_add(own, o->owner, o->price, rem, 0.0, (int64_t)id, &node);
        assert(bst == BSE_BOOK_OK); /* reserved above */
        (void)bst;
        m->id_node[id] = node;
        m->n_resting++;
        rested = rem;
        emit(fn, user, BSE_MATCH_EV_REST, o->side, id, o->owner, 0, -1, o->price, rem);
    } else {
        cancelled = rem;
        emit(fn, user, BSE_MATCH_EV_DONE, o->side, id, o->owner, 0, -1, is_market ? 0 : o->price, rem);
    }
    if (res) {
        res->id = id;
        res->filled = o->qty - rem;
        res->spent = spent;
        res->rested = rested;
        res->cancelled = cancelled;
        res->n_fills = n_fills;
    }
    MATCH_VERIFY(m);
    return BSE_MATCH_OK;
}

static void info_of(const bse_match *m, uint64_t id, bse_match_info *info)
{
    const bse_book_side *s = cside_of(m, (bse_match_side)m->id_side[id]);
    const bse_book_order *n = &s->nodes[m->id_node[id]];
    *info = (bse_match_info){.id = id,
                             .side = (bse_match_side)m->id_side[id],
                             .owner = n->owner,
                             .price = n->price,
                             .qty = n->qty,
                             .orig_qty = m->id_orig[id],
                             .client_tag = m->id_tag[id]};
}

static int is_resting(const bse_match *m, uint64_t id)
{
    return id >= 1 && id < m->next_id && m->id_node[id] >= 0;
}

bse_match_status bse_match_cancel(bse_match *m, uint64_t id, bse_match_event_fn fn, void *user, bse_match_info *info)
{
    assert(m);
    if (info)
        memset(info, 0, sizeof *info);
    if (!is_resting(m, id))
        return BSE_MATCH_ENOTFOUND;
    if (info)
        info_of(m, id, info);
    const bse_match_side side = (bse_match_side)m->id_side[id];
    bse_book_side *s = side_of(m, side);
    const int32_t node = m->id_node[id];
    const int32_t owner = s->nodes[node].owner;
    const int64_t price = s->nodes[node].price, qty = s->nodes[node].qty;
    (void)bse_book_del_node(s, node);
    m->id_node[id] = -1;
    m->n_resting--;
    emit(fn, user, BSE_MATCH_EV_CANCEL, side, id, owner, 0, -1, price, qty);
    MATCH_VERIFY(m);
    return BSE_MATCH_OK;
}

int bse_match_get(const bse_match *m, uint64_t id, bse_match_info *info)
{
    assert(m && info);
    if (!is_resting(m, id)) {
        memset(info, 0, sizeof *info);
        return 0;
    }
    info_of(m, id, info);
    return 1;
}

int64_t bse_match_best_bid(const bse_match *m)
{
    return m->bids.nlevels ? m->bids.levels[m->bids.nlevels - 1].price : 0;
}

int64_t bse_match_best_ask(const bse_match *m)
{
    return m->asks.nlevels ? m->asks.levels[0].price : 0;
}

size_t bse_match_depth(const bse_match *m, bse_match_side side, int64_t (*levels)[2], size_t max)
{
    assert(m && (levels || max == 0));
    const bse_book_side *s = cside_of(m, side);
    size_t n = (size_t)s->nlevels < max ? (size_t)s->nlevels : max;
    for (size_t k = 0; k < n; k++) {
        const bse_book_level *l = side == BSE_MATCH_BUY ? &s->levels[s->nlevels - 1 - (int32_t)k] : &s->levels[k];
        levels[k][0] = l->price;
        levels[k][1] = l->qty;
    }
    return n;
}

/* The index checks of one side; returns 0 or a code of bse_match_check. */
static int check_side_index(const bse_match *m, const bse_book_side *s, uint8_t side)
{
    for (int32_t li = 0; li < s->nlevels; li++) {
        for (int32_t i = s->levels[li].head; i >= 0; i = s->nodes[i].next) {
            const bse_book_order *n = &s->nodes[i];
            int64_t v;
            if (n->qid < 1 || (uint64_t)n->qid >= m->next_id)
                return -31; /* node carries no issued id */
            uint64_t id = (uint64_t)n->qid;
            if (m->id_node[id] != i)
                return -32; /* index does not point back at the node */
            if (m->id_side[id] != side)
                return -33; /* index has the wrong side */
            if (n->price <= 0 || n->qty <= 0 || n->qty > m->id_orig[id])
                return -34; /* bad price or remaining above original quantity */
            if (__builtin_mul_overflow(n->price, m->id_orig[id], &v))
                return -35; /* price x original quantity overflows */
        }
    }
    return 0;
}

int bse_match_check(const bse_match *m)
{
    assert(m);
    if (m->qty_unit < 1 || m->next_id < 1 || m->next_id > m->cap_ids)
        return -1;
    if (m->bids.rule != BSE_BOOK_FIFO || m->asks.rule != BSE_BOOK_FIFO || !m->bids.is_bid || m->asks.is_bid)
        return -2;
    int rc = bse_book_check(&m->bids);
    if (rc)
        return -10 + rc;
    rc = bse_book_check(&m->asks);
    if (rc)
        return -20 + rc;
    int64_t bb = bse_match_best_bid(m), ba = bse_match_best_ask(m);
    if (bb > 0 && ba > 0 && bb >= ba)
        return -30; /* crossed book */
    if ((rc = check_side_index(m, &m->bids, 0)) != 0 || (rc = check_side_index(m, &m->asks, 1)) != 0)
        return rc;
    /* every node maps to a distinct index entry; equal counts make it a bijection */
    if (m->n_resting != (int64_t)m->bids.n_orders + m->asks.n_orders)
        return -36;
    return 0;
}
