/* chain/exchange/clearing.c - the clearing house (clearing.h, economy.md s4).
 *
 * State: per account and coin a balance (free, locked, owed) and the sum of its
 * deposits not yet credited; per pair a bse_match book; a pool of order records
 * (account, side, type, limit, escrow left) found from a book's local order id
 * through a dense per-pair array (local id -> slot + 1), each resting record also
 * linked into its account's list; per coin the deposits (dense array + an
 * open-address table keyed by the caller's deposit id: lookups only, never
 * iterated in hash order), the lists of deposits and withdrawals waiting for
 * confirmations (appended in arrival order, compacted on each tip), custody and
 * pending withdrawals.
 *
 * Main invariant (chain_ex_check): per coin, custody = sum over accounts
 * (free + locked - owed) + pending withdrawals; every record's escrow is what its
 * remaining quantity needs (limit/IOC buy: limit x remaining / 10^4; sell: the
 * remaining quantity) and the locked balances are the sums of those escrows.
 *
 * Every fill is settled inside the book's event callback, whole: the buyer's
 * escrow shrinks by what the fill needs at its limit, the seller receives the
 * quote, the buyer the base, the difference (better price) goes back to the
 * buyer's free balance. The callback never allocates: the taker's record and
 * the id map are made room for before the submission.
 */
#include "chain/exchange/clearing.h"

#include <assert.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/buf.h"

/* ------------------------------------------------------------ static tables */

static const chain_ex_pair_info ex_pairs[CHAIN_EX_PAIRS] = {
    {"BRAVO/ALPHA", 1, 0},
    {"CHARLIE/ALPHA", 2, 0},
    {"CHARLIE/BRAVO", 2, 1},
};
static const char *const ex_coin_names[CHAIN_EX_COINS] = {"ALPHA", "BRAVO", "CHARLIE"};

const chain_ex_pair_info *chain_ex_pair(unsigned pair)
{
    return pair < CHAIN_EX_PAIRS ? &ex_pairs[pair] : NULL;
}

int chain_ex_pair_parse(unsigned *pair, const char *name)
{
    if (!name)
        return -1;
    for (unsigned i = 0; i < CHAIN_EX_PAIRS; i++)
        if (strcmp(name, ex_pairs[i].name) == 0) {
            if (pair)
                *pair = i;
            return 0;
        }
    return -1;
}

const char *chain_ex_coin_name(unsigned coin)
{
    return coin < CHAIN_EX_COINS ? ex_coin_names[coin] : NULL;
}

#define EX_VALUE_STEPS_MAX (INT64_MAX / CHAIN_EX_QTY_STEP) /* price x steps bound so price x qty fits */

int64_t chain_ex_quote_units(int64_t price, int64_t qty)
{
    if (price < 0 || qty < 0)
        return -1;
    int64_t steps = qty / CHAIN_EX_QTY_STEP;
    if (price > 0 && steps > INT64_MAX / price)
        return -1;
    return price * steps;
}

/* ------------------------------------------------------------ state */

enum { EX_WD_PENDING = 0, EX_WD_SEEN = 1, EX_WD_CONFIRMED = 2 };

typedef struct ex_order {
    uint64_t id;      /* global id */
    int64_t price;    /* limit (ticks); 0 for market orders */
    int64_t qty, filled;
    int64_t locked;   /* escrow left, in the locked coin (buy: quote, sell: base) */
    uint32_t account;
    int32_t prev, next; /* account's resting list (-1 at the ends); next = free-list link */
    uint8_t pair, side, type, resting, in_use;
} ex_order;

typedef struct ex_deposit {
    uint64_t id;
    uint64_t height;
    int64_t amount;
    uint32_t account;
    uint8_t seen, credited, listed;
} ex_deposit;

typedef struct ex_withdrawal {
    uint64_t height;
    int64_t amount;
    uint32_t account;
    uint8_t coin, state, listed;
} ex_withdrawal;

typedef struct ex_coin {
    ex_deposit *dep;
    size_t n_dep, cap_dep;
    uint32_t *tab; /* deposit index + 1, 0 = empty; size a power of two */
    size_t tab_cap;
    uint32_t *wait_dep; /* deposits seen, not credited (may hold stale entries: see listed) */
    size_t n_wait_dep, cap_wait_dep;
    uint32_t *wait_wd; /* withdrawal indices seen, not confirmed */
    size_t n_wait_wd, cap_wait_wd;
    int64_t custody, pending, granted;
    uint64_t tip;
    int has_tip;
} ex_coin;

struct chain_ex {
    chain_ex_opts o;
    chain_ex_balance *bal; /* account * 3 + coin */
    int64_t held[CHAIN_EX_COINS]; /* running sum over accounts of free + locked - owed (chain_ex_check_fast) */
    int64_t *uncred;       /* account * 3 + coin */
    int32_t *head;         /* account -> first resting record, -1 */
    bse_match book[CHAIN_EX_PAIRS];
    uint32_t *slot_of[CHAIN_EX_PAIRS]; /* local id -> slot + 1 (0: not resting) */
    size_t cap_slot[CHAIN_EX_PAIRS];
    ex_order *ord;
    size_t n_ord, cap_ord;
    int32_t free_slot;
    ex_coin coin[CHAIN_EX_COINS];
    ex_withdrawal *wd; /* withdrawal id - 1 */
    size_t n_wd, cap_wd;
    common_error last;
    uint64_t n_ops;    /* operations done (CHAIN_CHECK's sampling) */
    /* the submission being settled */
    unsigned cur_pair;
    int32_t taker;
    double now;
    int64_t taker_spent;
};

static chain_ex_balance *bal(chain_ex *ex, uint32_t a, unsigned c)
{
    return &ex->bal[(size_t)a * CHAIN_EX_COINS + c];
}

/* Every change of an account's balances goes through here, so held[] follows
 * the sum of free + locked - owed without a scan (chain_ex_check_fast). */
static void adj(chain_ex *ex, chain_ex_balance *b, unsigned coin, int64_t dfree, int64_t dlocked, int64_t dowed)
{
    b->free += dfree;
    b->locked += dlocked;
    b->owed += dowed;
    ex->held[coin] += dfree + dlocked - dowed;
}

static void set_reason(char *reason, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void set_reason(char *reason, const char *fmt, ...)
{
    if (!reason)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(reason, CHAIN_EX_REASON_MAX, fmt, ap);
    va_end(ap);
}

static unsigned order_coin(unsigned pair, int side)
{
    return side == BSE_MATCH_BUY ? ex_pairs[pair].quote : ex_pairs[pair].base;
}

chain_ex_code chain_ex_create(chain_ex **out, const chain_ex_opts *o)
{
    assert(out && o);
    *out = NULL;
    if (o->n_accounts == 0 || o->n_accounts > (uint32_t)INT32_MAX || o->confirmations < 1)
        return CHAIN_EX_EINVAL;
    chain_ex *ex = calloc(1, sizeof *ex);
    if (!ex)
        return CHAIN_EX_ENOMEM;
    ex->o = *o;
    ex->free_slot = -1;
    ex->taker = -1;
    size_t n = (size_t)o->n_accounts;
    ex->bal = calloc(n * CHAIN_EX_COINS, sizeof *ex->bal);
    ex->uncred = calloc(n * CHAIN_EX_COINS, sizeof *ex->uncred);
    ex->head = malloc(n * sizeof *ex->head);
    int ok = ex->bal && ex->uncred && ex->head;
    for (unsigned p = 0; p < CHAIN_EX_PAIRS && ok; p++)
        if (bse_match_init(&ex->book[p], CHAIN_EX_QTY_STEP) != BSE_MATCH_OK)
            ok = 0;
    if (!ok) {
        chain_ex_free(ex);
        return CHAIN_EX_ENOMEM;
    }
    for (size_t i = 0; i < n; i++)
        ex->head[i] = -1;
    *out = ex;
    return CHAIN_EX_OK;
}

void chain_ex_free(chain_ex *ex)
{
    if (!ex)
        return;
    for (unsigned p = 0; p < CHAIN_EX_PAIRS; p++) {
        bse_match_clear(&ex->book[p]);
        free(ex->slot_of[p]);
    }
    for (unsigned c = 0; c < CHAIN_EX_COINS; c++) {
        free(ex->coin[c].dep);
        free(ex->coin[c].tab);
        free(ex->coin[c].wait_dep);
        free(ex->coin[c].wait_wd);
    }
    free(ex->ord);
    free(ex->wd);
    free(ex->bal);
    free(ex->uncred);
    free(ex->head);
    free(ex);
}

const common_error *chain_ex_last_error(const chain_ex *ex)
{
    return &ex->last;
}

/* After a public operation that changed something: the invariant when asked for
 * (check_every), and in CHAIN_CHECK test builds every 64th operation anyway (a
 * full check is O(accounts + orders + deposits + withdrawals)). */
static chain_ex_code after(chain_ex *ex, chain_ex_code rc)
{
    if (rc != CHAIN_EX_OK)
        return rc;
    int due = ex->o.check_every != 0;
#ifdef CHAIN_CHECK
    due |= (++ex->n_ops & 63) == 0;
#endif
    if (due && chain_ex_check(ex, &ex->last) != CHAIN_EX_OK)
        return CHAIN_EX_EINVARIANT;
    return rc;
}

/* ------------------------------------------------------------ order records */

static int32_t rec_alloc(chain_ex *ex)
{
    int32_t s;
    if (ex->free_slot >= 0) {
        s = ex->free_slot;
        ex->free_slot = ex->ord[s].next;
    } else {
        if (ex->n_ord >= (size_t)INT32_MAX)
            return -1;
        if (common_grow((void **)&ex->ord, &ex->cap_ord, ex->n_ord + 1, sizeof *ex->ord))
            return -1;
        s = (int32_t)ex->n_ord++;
    }
    memset(&ex->ord[s], 0, sizeof ex->ord[s]);
    ex->ord[s].prev = ex->ord[s].next = -1;
    ex->ord[s].in_use = 1;
    return s;
}

static void rec_release(chain_ex *ex, int32_t s)
{
    ex->ord[s].in_use = 0;
    ex->ord[s].next = ex->free_slot;
    ex->free_slot = s;
}

static void rec_link(chain_ex *ex, int32_t s)
{
    ex_order *r = &ex->ord[s];
    r->prev = -1;
    r->next = ex->head[r->account];
    if (r->next >= 0)
        ex->ord[r->next].prev = s;
    ex->head[r->account] = s;
    r->resting = 1;
}

static void rec_unlink(chain_ex *ex, int32_t s)
{
    ex_order *r = &ex->ord[s];
    if (r->prev >= 0)
        ex->ord[r->prev].next = r->next;
    else
        ex->head[r->account] = r->next;
    if (r->next >= 0)
        ex->ord[r->next].prev = r->prev;
    r->prev = r->next = -1;
    r->resting = 0;
}

static int32_t slot_lookup(const chain_ex *ex, unsigned pair, uint64_t local)
{
    if (local >= ex->cap_slot[pair])
        return -1;
    return (int32_t)ex->slot_of[pair][local] - 1;
}

/* Gives the record's escrow left back to its account's free balance. */
static void rec_unlock(chain_ex *ex, ex_order *r)
{
    chain_ex_balance *b = bal(ex, r->account, order_coin(r->pair, r->side));
    assert(b->locked >= r->locked);
    adj(ex, b, order_coin(r->pair, r->side), r->locked, -r->locked, 0);
    r->locked = 0;
}

/* A resting record leaves the book (filled, cancelled): unlock, unmap, free. */
static void rec_retire(chain_ex *ex, int32_t s, uint64_t local)
{
    ex_order *r = &ex->ord[s];
    rec_unlock(ex, r);
    if (r->resting)
        rec_unlink(ex, s);
    if (local < ex->cap_slot[r->pair])
        ex->slot_of[r->pair][local] = 0;
    rec_release(ex, s);
}

static uint64_t global_id(unsigned pair, uint64_t local)
{
    return (local << 2) | pair;
}

/* ------------------------------------------------------------ settlement */

static void settle_fill(chain_ex *ex, const bse_match_event *ev)
{
    unsigned pair = ex->cur_pair;
    const chain_ex_pair_info *pi = &ex_pairs[pair];
    int32_t ms = slot_lookup(ex, pair, ev->maker_id);
    assert(ms >= 0 && ex->taker >= 0);
    ex_order *tk = &ex->ord[ex->taker], *mk = &ex->ord[ms];
    ex_order *buy = ev->taker_side == BSE_MATCH_BUY ? tk : mk;
    ex_order *sell = ev->taker_side == BSE_MATCH_BUY ? mk : tk;
    int64_t q = ev->qty, p = ev->price;
    assert(q > 0 && q % CHAIN_EX_QTY_STEP == 0);
    int64_t quote = chain_ex_quote_units(p, q);
    int64_t rel = buy->type == BSE_MATCH_MARKET ? quote : chain_ex_quote_units(buy->price, q);
    assert(quote >= 0 && rel >= quote && buy->locked >= rel && sell->locked >= q);

    chain_ex_balance *bq = bal(ex, buy->account, pi->quote), *bb = bal(ex, buy->account, pi->base);
    chain_ex_balance *sq = bal(ex, sell->account, pi->quote), *sb = bal(ex, sell->account, pi->base);
    /* the whole trade at once: nothing can observe a half */
    buy->locked -= rel;
    adj(ex, bq, pi->quote, rel - quote, -rel, 0);
    adj(ex, bb, pi->base, q, 0, 0);
    sell->locked -= q;
    adj(ex, sb, pi->base, 0, -q, 0);
    adj(ex, sq, pi->quote, quote, 0, 0);
    buy->filled += q;
    sell->filled += q;
    ex->taker_spent += quote;

    if (ex->o.on_trade) {
        chain_ex_trade t = {.time = ex->now,
                            .pair = pair,
                            .price = p,
                            .qty = q,
                            .quote = quote,
                            .buyer = buy->account,
                            .seller = sell->account,
                            .buy_id = buy->id,
                            .sell_id = sell->id,
                            .taker_is_buyer = ev->taker_side == BSE_MATCH_BUY};
        ex->o.on_trade(ex->o.user, &t);
    }
    if (mk->filled == mk->qty)
        rec_retire(ex, ms, ev->maker_id);
}

static void on_event(void *user, const bse_match_event *ev)
{
    chain_ex *ex = user;
    unsigned pair = ex->cur_pair;
    if (ex->taker >= 0 && (ev->kind == BSE_MATCH_EV_FILL || ev->kind == BSE_MATCH_EV_REST))
        ex->ord[ex->taker].id = global_id(pair, ev->taker_id);
    switch (ev->kind) {
    case BSE_MATCH_EV_FILL:
        settle_fill(ex, ev);
        break;
    case BSE_MATCH_EV_STP_CANCEL: {
        int32_t s = slot_lookup(ex, pair, ev->maker_id);
        assert(s >= 0);
        rec_retire(ex, s, ev->maker_id);
        break;
    }
    case BSE_MATCH_EV_CANCEL: {
        int32_t s = slot_lookup(ex, pair, ev->taker_id);
        assert(s >= 0);
        rec_retire(ex, s, ev->taker_id);
        break;
    }
    case BSE_MATCH_EV_REST: {
        assert(ex->taker >= 0 && ev->taker_id < ex->cap_slot[pair]);
        ex->slot_of[pair][ev->taker_id] = (uint32_t)ex->taker + 1;
        rec_link(ex, ex->taker);
        break;
    }
    case BSE_MATCH_EV_DONE:
        break;
    }
}

/* ------------------------------------------------------------ trading */

chain_ex_code chain_ex_place(chain_ex *ex, uint32_t account, unsigned pair, int side, int type, int64_t price,
                             int64_t qty, int64_t budget, double time, chain_ex_place_result *res,
                             char reason[CHAIN_EX_REASON_MAX])
{
    assert(ex);
    chain_ex_place_result dummy;
    if (!res)
        res = &dummy;
    memset(res, 0, sizeof *res);
    if (reason)
        reason[0] = 0;
    if (account >= ex->o.n_accounts) {
        set_reason(reason, "account %" PRIu32 " out of range", account);
        return CHAIN_EX_EINVAL;
    }
    if (pair >= CHAIN_EX_PAIRS) {
        set_reason(reason, "pair %u out of range", pair);
        return CHAIN_EX_EINVAL;
    }
    if (side != BSE_MATCH_BUY && side != BSE_MATCH_SELL) {
        set_reason(reason, "side %d is neither buy nor sell", side);
        return CHAIN_EX_EINVAL;
    }
    if (type != BSE_MATCH_LIMIT && type != BSE_MATCH_MARKET && type != BSE_MATCH_IOC) {
        set_reason(reason, "order type %d unknown", type);
        return CHAIN_EX_EINVAL;
    }
    if (qty <= 0 || qty > CHAIN_EX_QTY_MAX || qty % CHAIN_EX_QTY_STEP != 0) {
        set_reason(reason, "qty %" PRId64 " not a positive multiple of %d up to 2^50", qty, CHAIN_EX_QTY_STEP);
        return CHAIN_EX_EREFUSED;
    }
    if (type == BSE_MATCH_MARKET)
        price = 0;
    else if (price < 1 || price > CHAIN_EX_PRICE_MAX) {
        set_reason(reason, "price %" PRId64 " outside 1..%d ticks", price, CHAIN_EX_PRICE_MAX);
        return CHAIN_EX_EREFUSED;
    } else if (qty / CHAIN_EX_QTY_STEP > EX_VALUE_STEPS_MAX / price) {
        set_reason(reason, "order value price x qty overflows");
        return CHAIN_EX_EREFUSED;
    }
    if (budget < 0 || (budget > 0 && !(type == BSE_MATCH_MARKET && side == BSE_MATCH_BUY))) {
        set_reason(reason, "budget %" PRId64 " only for market buys (>= 0)", budget);
        return CHAIN_EX_EREFUSED;
    }
    unsigned lc = order_coin(pair, side);
    chain_ex_balance *lb = bal(ex, account, lc);
    int64_t lock;
    if (side == BSE_MATCH_SELL)
        lock = qty;
    else if (type == BSE_MATCH_MARKET)
        lock = budget > 0 ? budget : lb->free;
    else
        lock = chain_ex_quote_units(price, qty);
    if (lock <= 0) {
        set_reason(reason, "no free %s balance to spend", ex_coin_names[lc]);
        return CHAIN_EX_EREFUSED;
    }
    if (lock > lb->free) {
        set_reason(reason, "escrow %" PRId64 " %s exceeds free balance %" PRId64, lock, ex_coin_names[lc], lb->free);
        return CHAIN_EX_EREFUSED;
    }

    /* room before the submission: the callback never allocates */
    bse_match *m = &ex->book[pair];
    if (common_grow((void **)&ex->slot_of[pair], &ex->cap_slot[pair], (size_t)m->next_id + 1, sizeof(uint32_t)))
        return CHAIN_EX_ENOMEM;
    int32_t s = rec_alloc(ex);
    if (s < 0)
        return CHAIN_EX_ENOMEM;
    ex_order *r = &ex->ord[s];
    r->price = price;
    r->qty = qty;
    r->locked = lock;
    r->account = account;
    r->pair = (uint8_t)pair;
    r->side = (uint8_t)side;
    r->type = (uint8_t)type;
    r->id = global_id(pair, m->next_id);
    adj(ex, lb, order_coin(pair, side), -lock, lock, 0);

    bse_match_order mo = {.side = (bse_match_side)side,
                          .type = (bse_match_type)type,
                          .owner = (int32_t)account,
                          .price = price,
                          .qty = qty,
                          .quote_cap = 0,
                          .client_tag = (int64_t)r->id};
    if (side == BSE_MATCH_BUY && type == BSE_MATCH_MARKET)
        mo.quote_cap = lock > EX_VALUE_STEPS_MAX ? EX_VALUE_STEPS_MAX * CHAIN_EX_QTY_STEP : lock * CHAIN_EX_QTY_STEP;
    ex->cur_pair = pair;
    ex->taker = s;
    ex->now = time;
    ex->taker_spent = 0;
    bse_match_result mr;
    memset(&mr, 0, sizeof mr);
    bse_match_status st = bse_match_submit(m, &mo, on_event, ex, &mr);
    ex->taker = -1;
    r = &ex->ord[s];
    /* bse_match reserves its memory before the first change: a failure changed
     * nothing in the book, so the escrow simply goes back */
    assert(st == BSE_MATCH_OK || !r->resting);
    if (st != BSE_MATCH_OK || !r->resting) {
        rec_unlock(ex, r);
        rec_release(ex, s);
    }
    if (st != BSE_MATCH_OK) {
        set_reason(reason, "matching engine: %s", st == BSE_MATCH_ENOMEM ? "out of memory" : "invalid order");
        return st == BSE_MATCH_ENOMEM ? CHAIN_EX_ENOMEM : CHAIN_EX_EINVAL;
    }
    res->id = global_id(pair, mr.id);
    res->filled = mr.filled;
    res->rested = mr.rested;
    res->cancelled = mr.cancelled;
    res->spent = ex->taker_spent;
    return after(ex, CHAIN_EX_OK);
}

/* Cancels the resting record s (local id in its pair's book). */
static void cancel_slot(chain_ex *ex, int32_t s)
{
    ex_order *r = &ex->ord[s];
    unsigned pair = r->pair;
    uint64_t local = r->id >> 2;
    ex->cur_pair = pair;
    /* the CANCEL event retires the record (on_event) */
    bse_match_status st = bse_match_cancel(&ex->book[pair], local, on_event, ex, NULL);
    (void)st;
    assert(st == BSE_MATCH_OK && slot_lookup(ex, pair, local) < 0);
}

chain_ex_code chain_ex_cancel(chain_ex *ex, uint32_t account, uint64_t id, char reason[CHAIN_EX_REASON_MAX])
{
    assert(ex);
    if (reason)
        reason[0] = 0;
    if (account >= ex->o.n_accounts) {
        set_reason(reason, "account %" PRIu32 " out of range", account);
        return CHAIN_EX_EINVAL;
    }
    unsigned pair = (unsigned)(id & 3);
    int32_t s = pair < CHAIN_EX_PAIRS ? slot_lookup(ex, pair, id >> 2) : -1;
    if (s < 0) {
        set_reason(reason, "order %" PRIu64 " is not resting", id);
        return CHAIN_EX_ENOTFOUND;
    }
    if (ex->ord[s].account != account) {
        set_reason(reason, "order %" PRIu64 " is not account %" PRIu32 "'s", id, account);
        return CHAIN_EX_EREFUSED;
    }
    cancel_slot(ex, s);
    return after(ex, CHAIN_EX_OK);
}

/* ------------------------------------------------------------ custody */

static uint64_t mix64(uint64_t x)
{
    x ^= x >> 33;
    x *= 0xff51afd7ed558ccdULL;
    x ^= x >> 33;
    x *= 0xc4ceb9fe1a85ec53ULL;
    x ^= x >> 33;
    return x;
}

/* Index of deposit id in coin, or -1. */
static int64_t dep_find(const ex_coin *c, uint64_t id)
{
    if (!c->tab_cap)
        return -1;
    size_t mask = c->tab_cap - 1;
    for (size_t i = mix64(id) & mask;; i = (i + 1) & mask) {
        uint32_t v = c->tab[i];
        if (!v)
            return -1;
        if (c->dep[v - 1].id == id)
            return (int64_t)(v - 1);
    }
}

static void tab_put(uint32_t *tab, size_t cap, uint64_t id, uint32_t v)
{
    size_t mask = cap - 1;
    size_t i = mix64(id) & mask;
    while (tab[i])
        i = (i + 1) & mask;
    tab[i] = v;
}

/* Appends a new deposit record; returns its index or -1 (ENOMEM). */
static int64_t dep_add(ex_coin *c, uint64_t id)
{
    if (c->n_dep >= UINT32_MAX - 1)
        return -1;
    if ((c->n_dep + 1) * 2 > c->tab_cap) {
        size_t ncap = c->tab_cap ? c->tab_cap * 2 : 64;
        uint32_t *nt = calloc(ncap, sizeof *nt);
        if (!nt)
            return -1;
        for (size_t i = 0; i < c->n_dep; i++)
            tab_put(nt, ncap, c->dep[i].id, (uint32_t)i + 1);
        free(c->tab);
        c->tab = nt;
        c->tab_cap = ncap;
    }
    if (common_grow((void **)&c->dep, &c->cap_dep, c->n_dep + 1, sizeof *c->dep))
        return -1;
    size_t k = c->n_dep++;
    memset(&c->dep[k], 0, sizeof c->dep[k]);
    c->dep[k].id = id;
    tab_put(c->tab, c->tab_cap, id, (uint32_t)k + 1);
    return (int64_t)k;
}

/* A credit to account's free balance, paying its debt on the coin first. */
static void credit(chain_ex *ex, uint32_t a, unsigned coin, int64_t amount)
{
    chain_ex_balance *b = bal(ex, a, coin);
    int64_t pay = b->owed < amount ? b->owed : amount;
    adj(ex, b, coin, amount - pay, 0, -pay);
    ex->coin[coin].custody += amount;
}

static int reached(uint64_t tip, uint64_t h, uint32_t conf)
{
    return tip >= h && tip - h + 1 >= conf;
}

chain_ex_code chain_ex_deposit_seen(chain_ex *ex, unsigned coin, uint32_t account, int64_t amount,
                                    uint64_t deposit_id, uint64_t height)
{
    assert(ex);
    if (coin >= CHAIN_EX_COINS || account >= ex->o.n_accounts || amount <= 0 || amount > CHAIN_EX_AMOUNT_MAX)
        return CHAIN_EX_EINVAL;
    ex_coin *c = &ex->coin[coin];
    /* room in the waiting list first, so a failure leaves nothing half-recorded */
    if (common_grow((void **)&c->wait_dep, &c->cap_wait_dep, c->n_wait_dep + 1, sizeof *c->wait_dep))
        return CHAIN_EX_ENOMEM;
    int64_t k = dep_find(c, deposit_id);
    if (k >= 0) {
        ex_deposit *d = &c->dep[k];
        if (d->account != account || d->amount != amount)
            return CHAIN_EX_EINVAL;
    } else {
        k = dep_add(c, deposit_id);
        if (k < 0)
            return CHAIN_EX_ENOMEM;
        c->dep[k].account = account;
        c->dep[k].amount = amount;
        ex->uncred[(size_t)account * CHAIN_EX_COINS + coin] += amount;
    }
    ex_deposit *d = &c->dep[k];
    if (!d->credited && !d->listed) {
        c->wait_dep[c->n_wait_dep++] = (uint32_t)k;
        d->listed = 1;
    }
    d->seen = 1;
    d->height = height;
    return after(ex, CHAIN_EX_OK);
}

/* Cancels account's resting orders locking coin, by id ascending, until its free
 * balance reaches need or none is left. */
static void cancel_for(chain_ex *ex, uint32_t a, unsigned coin, int64_t need)
{
    while (bal(ex, a, coin)->free < need) {
        int32_t best = -1;
        for (int32_t s = ex->head[a]; s >= 0; s = ex->ord[s].next)
            if (order_coin(ex->ord[s].pair, ex->ord[s].side) == coin && (best < 0 || ex->ord[s].id < ex->ord[best].id))
                best = s;
        if (best < 0)
            return;
        cancel_slot(ex, best);
    }
}

chain_ex_code chain_ex_deposit_removed(chain_ex *ex, unsigned coin, uint64_t deposit_id)
{
    assert(ex);
    if (coin >= CHAIN_EX_COINS)
        return CHAIN_EX_EINVAL;
    ex_coin *c = &ex->coin[coin];
    int64_t k = dep_find(c, deposit_id);
    if (k < 0)
        return CHAIN_EX_ENOTFOUND;
    ex_deposit *d = &c->dep[k];
    d->seen = 0;
    d->height = 0;
    if (d->credited) {
        uint32_t a = d->account;
        int64_t amount = d->amount;
        cancel_for(ex, a, coin, amount);
        chain_ex_balance *b = bal(ex, a, coin);
        int64_t take = b->free < amount ? b->free : amount;
        adj(ex, b, coin, -take, 0, amount - take);
        c->custody -= amount;
        d->credited = 0;
        ex->uncred[(size_t)a * CHAIN_EX_COINS + coin] += amount;
    }
    /* an uncredited one stays listed until the next tip drops it (listed, unseen) */
    return after(ex, CHAIN_EX_OK);
}

chain_ex_code chain_ex_tip(chain_ex *ex, unsigned coin, uint64_t height)
{
    assert(ex);
    if (coin >= CHAIN_EX_COINS)
        return CHAIN_EX_EINVAL;
    ex_coin *c = &ex->coin[coin];
    uint32_t conf = ex->o.confirmations;
    c->tip = height;
    c->has_tip = 1;
    size_t w = 0;
    for (size_t i = 0; i < c->n_wait_dep; i++) {
        ex_deposit *d = &c->dep[c->wait_dep[i]];
        if (d->credited || !d->seen) {
            d->listed = 0;
            continue;
        }
        if (reached(height, d->height, conf)) {
            d->credited = 1;
            d->listed = 0;
            ex->uncred[(size_t)d->account * CHAIN_EX_COINS + coin] -= d->amount;
            credit(ex, d->account, coin, d->amount);
            continue;
        }
        c->wait_dep[w++] = c->wait_dep[i];
    }
    c->n_wait_dep = w;
    w = 0;
    for (size_t i = 0; i < c->n_wait_wd; i++) {
        ex_withdrawal *x = &ex->wd[c->wait_wd[i]];
        if (x->state != EX_WD_SEEN) {
            x->listed = 0;
            continue;
        }
        if (reached(height, x->height, conf)) {
            x->state = EX_WD_CONFIRMED;
            x->listed = 0;
            c->pending -= x->amount;
            c->custody -= x->amount;
            continue;
        }
        c->wait_wd[w++] = c->wait_wd[i];
    }
    c->n_wait_wd = w;
    return after(ex, CHAIN_EX_OK);
}

chain_ex_code chain_ex_grant(chain_ex *ex, unsigned coin, uint32_t account, int64_t amount)
{
    assert(ex);
    if (coin >= CHAIN_EX_COINS || account >= ex->o.n_accounts || amount <= 0 || amount > CHAIN_EX_AMOUNT_MAX)
        return CHAIN_EX_EINVAL;
    credit(ex, account, coin, amount);
    ex->coin[coin].granted += amount;
    return after(ex, CHAIN_EX_OK);
}

chain_ex_code chain_ex_withdraw(chain_ex *ex, unsigned coin, uint32_t account, int64_t amount, uint64_t *wid,
                                char reason[CHAIN_EX_REASON_MAX])
{
    assert(ex);
    if (wid)
        *wid = 0;
    if (reason)
        reason[0] = 0;
    if (coin >= CHAIN_EX_COINS || account >= ex->o.n_accounts) {
        set_reason(reason, "coin %u or account %" PRIu32 " out of range", coin, account);
        return CHAIN_EX_EINVAL;
    }
    if (amount <= 0) {
        set_reason(reason, "amount %" PRId64 " not positive", amount);
        return CHAIN_EX_EREFUSED;
    }
    for (unsigned k = 0; k < CHAIN_EX_COINS; k++)
        if (bal(ex, account, k)->owed > 0) {
            set_reason(reason, "account owes %" PRId64 " %s (a deposit left the chain)", bal(ex, account, k)->owed,
                       ex_coin_names[k]);
            return CHAIN_EX_EREFUSED;
        }
    chain_ex_balance *b = bal(ex, account, coin);
    if (amount > b->free) {
        set_reason(reason, "amount %" PRId64 " %s exceeds free balance %" PRId64, amount, ex_coin_names[coin],
                   b->free);
        return CHAIN_EX_EREFUSED;
    }
    ex_coin *cc = &ex->coin[coin];
    if (amount > cc->custody - cc->pending) {
        /* debts from removed deposits: the ledger promises more than the chain holds */
        set_reason(reason, "exchange holds only %" PRId64 " confirmed %s not already sent", cc->custody - cc->pending,
                   ex_coin_names[coin]);
        return CHAIN_EX_EREFUSED;
    }
    if (ex->n_wd >= UINT32_MAX - 1 ||
        common_grow((void **)&ex->wd, &ex->cap_wd, ex->n_wd + 1, sizeof *ex->wd))
        return CHAIN_EX_ENOMEM;
    ex_coin *c = &ex->coin[coin];
    if (common_grow((void **)&c->wait_wd, &c->cap_wait_wd, c->n_wait_wd + 1, sizeof *c->wait_wd))
        return CHAIN_EX_ENOMEM;
    ex_withdrawal *x = &ex->wd[ex->n_wd];
    memset(x, 0, sizeof *x);
    x->amount = amount;
    x->account = account;
    x->coin = (uint8_t)coin;
    x->state = EX_WD_PENDING;
    ex->n_wd++;
    adj(ex, b, coin, -amount, 0, 0);
    c->pending += amount;
    if (wid)
        *wid = (uint64_t)ex->n_wd;
    return after(ex, CHAIN_EX_OK);
}

static ex_withdrawal *wd_find(chain_ex *ex, unsigned coin, uint64_t wid)
{
    if (wid == 0 || wid > ex->n_wd || ex->wd[wid - 1].coin != coin)
        return NULL;
    return &ex->wd[wid - 1];
}

chain_ex_code chain_ex_withdrawal_seen(chain_ex *ex, unsigned coin, uint64_t wid, uint64_t height)
{
    assert(ex);
    if (coin >= CHAIN_EX_COINS)
        return CHAIN_EX_EINVAL;
    ex_withdrawal *x = wd_find(ex, coin, wid);
    if (!x)
        return CHAIN_EX_ENOTFOUND;
    ex_coin *c = &ex->coin[coin];
    x->height = height;
    if (x->state == EX_WD_CONFIRMED)
        return after(ex, CHAIN_EX_OK); /* seen again without a removal: stays confirmed */
    if (!x->listed) {
        if (common_grow((void **)&c->wait_wd, &c->cap_wait_wd, c->n_wait_wd + 1, sizeof *c->wait_wd))
            return CHAIN_EX_ENOMEM;
        c->wait_wd[c->n_wait_wd++] = (uint32_t)(wid - 1);
        x->listed = 1;
    }
    x->state = EX_WD_SEEN;
    return after(ex, CHAIN_EX_OK);
}

chain_ex_code chain_ex_withdrawal_removed(chain_ex *ex, unsigned coin, uint64_t wid)
{
    assert(ex);
    if (coin >= CHAIN_EX_COINS)
        return CHAIN_EX_EINVAL;
    ex_withdrawal *x = wd_find(ex, coin, wid);
    if (!x)
        return CHAIN_EX_ENOTFOUND;
    ex_coin *c = &ex->coin[coin];
    if (x->state == EX_WD_CONFIRMED) {
        c->custody += x->amount;
        c->pending += x->amount;
    }
    x->state = EX_WD_PENDING;
    x->height = 0;
    return after(ex, CHAIN_EX_OK);
}

/* ------------------------------------------------------------ queries */

chain_ex_balance chain_ex_balance_of(const chain_ex *ex, uint32_t account, unsigned coin)
{
    chain_ex_balance z = {0, 0, 0};
    if (!ex || account >= ex->o.n_accounts || coin >= CHAIN_EX_COINS)
        return z;
    return ex->bal[(size_t)account * CHAIN_EX_COINS + coin];
}

int64_t chain_ex_custody(const chain_ex *ex, unsigned coin)
{
    return coin < CHAIN_EX_COINS ? ex->coin[coin].custody : 0;
}

int64_t chain_ex_pending_withdrawals(const chain_ex *ex, unsigned coin)
{
    return coin < CHAIN_EX_COINS ? ex->coin[coin].pending : 0;
}

int64_t chain_ex_uncredited(const chain_ex *ex, uint32_t account, unsigned coin)
{
    if (account >= ex->o.n_accounts || coin >= CHAIN_EX_COINS)
        return 0;
    return ex->uncred[(size_t)account * CHAIN_EX_COINS + coin];
}

static int cmp_info(const void *a, const void *b)
{
    uint64_t x = ((const chain_ex_order_info *)a)->id, y = ((const chain_ex_order_info *)b)->id;
    return x < y ? -1 : x > y;
}

size_t chain_ex_orders_of(const chain_ex *ex, uint32_t account, chain_ex_order_info *out, size_t max)
{
    if (account >= ex->o.n_accounts)
        return 0;
    size_t n = 0;
    if (!out || max == 0) {
        for (int32_t s = ex->head[account]; s >= 0; s = ex->ord[s].next)
            n++;
        return n;
    }
    /* keep the `max` smallest ids: fill, then replace the largest kept when smaller */
    size_t kept = 0;
    for (int32_t s = ex->head[account]; s >= 0; s = ex->ord[s].next, n++) {
        const ex_order *r = &ex->ord[s];
        chain_ex_order_info inf = {r->id, r->pair, r->side, r->price, r->qty, r->filled};
        if (kept < max) {
            out[kept++] = inf;
            continue;
        }
        size_t big = 0;
        for (size_t i = 1; i < kept; i++)
            if (out[i].id > out[big].id)
                big = i;
        if (inf.id < out[big].id)
            out[big] = inf;
    }
    qsort(out, kept, sizeof *out, cmp_info);
    return n;
}

const bse_match *chain_ex_book(const chain_ex *ex, unsigned pair)
{
    return pair < CHAIN_EX_PAIRS ? &ex->book[pair] : NULL;
}

int64_t chain_ex_last_price(const chain_ex *ex, unsigned pair)
{
    return pair < CHAIN_EX_PAIRS ? ex->book[pair].last_price : 0;
}

/* ------------------------------------------------------------ the invariant */

#define FAIL(...) return (chain_ex_code)common_error_set(err, CHAIN_EX_EINVARIANT, "", __VA_ARGS__)

chain_ex_code chain_ex_check(const chain_ex *ex, common_error *err)
{
    assert(ex);
    int64_t sum[CHAIN_EX_COINS] = {0}, uncred[CHAIN_EX_COINS] = {0}, resting[CHAIN_EX_PAIRS] = {0};
    for (uint32_t a = 0; a < ex->o.n_accounts; a++) {
        int64_t lk[CHAIN_EX_COINS] = {0};
        for (int32_t s = ex->head[a]; s >= 0; s = ex->ord[s].next) {
            const ex_order *r = &ex->ord[s];
            uint64_t local = r->id >> 2;
            if (!r->in_use || !r->resting || r->account != a || slot_lookup(ex, r->pair, local) != s)
                FAIL("orders", "order %" PRIu64 " of account %" PRIu32 " is not indexed", r->id, a);
            bse_match_info inf;
            if (!bse_match_get(&ex->book[r->pair], local, &inf) || inf.owner != (int32_t)a ||
                (int)inf.side != r->side || inf.price != r->price || inf.qty != r->qty - r->filled)
                FAIL("orders", "order %" PRIu64 " of account %" PRIu32 " disagrees with the book", r->id, a);
            int64_t need = r->side == BSE_MATCH_SELL ? r->qty - r->filled
                                                     : chain_ex_quote_units(r->price, r->qty - r->filled);
            if (r->locked != need)
                FAIL("orders", "order %" PRIu64 " escrow %" PRId64 " but its remainder needs %" PRId64, r->id,
                     r->locked, need);
            lk[order_coin(r->pair, r->side)] += r->locked;
            resting[r->pair]++;
        }
        for (unsigned c = 0; c < CHAIN_EX_COINS; c++) {
            const chain_ex_balance *b = &ex->bal[(size_t)a * CHAIN_EX_COINS + c];
            if (b->free < 0 || b->locked < 0 || b->owed < 0)
                FAIL("balances", "account %" PRIu32 " %s free %" PRId64 " locked %" PRId64 " owed %" PRId64
                     " (negative)", a, ex_coin_names[c], b->free, b->locked, b->owed);
            if (b->locked != lk[c])
                FAIL("balances", "account %" PRIu32 " %s locked %" PRId64 " but its orders' escrow is %" PRId64, a,
                     ex_coin_names[c], b->locked, lk[c]);
            sum[c] += b->free + b->locked - b->owed;
            uncred[c] += ex->uncred[(size_t)a * CHAIN_EX_COINS + c];
        }
    }
    for (unsigned c = 0; c < CHAIN_EX_COINS; c++)
        if (sum[c] != ex->held[c])
            FAIL("balances", "%s: the accounts hold %" PRId64 " units but the running sum says %" PRId64,
                 ex_coin_names[c], sum[c], ex->held[c]);
    for (unsigned c = 0; c < CHAIN_EX_COINS; c++) {
        const ex_coin *k = &ex->coin[c];
        int64_t credited = 0, unc = 0, pend = 0, conf = 0;
        for (size_t i = 0; i < k->n_dep; i++) {
            if (k->dep[i].credited)
                credited += k->dep[i].amount;
            else
                unc += k->dep[i].amount;
        }
        for (size_t i = 0; i < ex->n_wd; i++)
            if (ex->wd[i].coin == c) {
                if (ex->wd[i].state == EX_WD_CONFIRMED)
                    conf += ex->wd[i].amount;
                else
                    pend += ex->wd[i].amount;
            }
        if (k->custody != credited + k->granted - conf)
            FAIL("custody", "%s custody %" PRId64 " != credited deposits %" PRId64 " + grants %" PRId64
                 " - confirmed withdrawals %" PRId64 " (difference %" PRId64 ")", ex_coin_names[c], k->custody,
                 credited, k->granted, conf, k->custody - (credited + k->granted - conf));
        if (k->pending != pend)
            FAIL("pending", "%s pending withdrawals %" PRId64 " != %" PRId64 " (difference %" PRId64 ")",
                 ex_coin_names[c], k->pending, pend, k->pending - pend);
        if (unc != uncred[c])
            FAIL("uncredited", "%s uncredited deposits %" PRId64 " != per-account sum %" PRId64, ex_coin_names[c],
                 unc, uncred[c]);
        if (k->custody != sum[c] + k->pending)
            FAIL("custody", "%s custody %" PRId64 " != accounts %" PRId64 " + pending %" PRId64
                 " (difference %" PRId64 ")", ex_coin_names[c], k->custody, sum[c], k->pending,
                 k->custody - sum[c] - k->pending);
    }
    for (unsigned p = 0; p < CHAIN_EX_PAIRS; p++) {
        int rc = bse_match_check(&ex->book[p]);
        if (rc != 0)
            FAIL("book", "%s book invalid (bse_match_check %d)", ex_pairs[p].name, rc);
        if (ex->book[p].n_resting != resting[p])
            FAIL("book", "%s book rests %" PRId64 " orders, the accounts %" PRId64, ex_pairs[p].name,
                 ex->book[p].n_resting, resting[p]);
        int64_t bb = bse_match_best_bid(&ex->book[p]), ba = bse_match_best_ask(&ex->book[p]);
        if (bb > 0 && ba > 0 && bb >= ba)
            FAIL("book", "%s book crossed: bid %" PRId64 " >= ask %" PRId64, ex_pairs[p].name, bb, ba);
    }
    common_error_clear(err);
    return CHAIN_EX_OK;
}

chain_ex_code chain_ex_check_fast(const chain_ex *ex, common_error *err)
{
    assert(ex);
    for (unsigned c = 0; c < CHAIN_EX_COINS; c++) {
        const ex_coin *k = &ex->coin[c];
        if (k->custody != ex->held[c] + k->pending || k->pending < 0 || ex->held[c] < 0) {
            common_error_set(err, CHAIN_EX_EINVARIANT, "", "custody",
                             "%s: custody %" PRId64 " != accounts %" PRId64 " + pending withdrawals %" PRId64
                             " (off by %" PRId64 ")",
                             ex_coin_names[c], k->custody, ex->held[c], k->pending,
                             k->custody - ex->held[c] - k->pending);
            return CHAIN_EX_EINVARIANT;
        }
    }
    return CHAIN_EX_OK;
}
