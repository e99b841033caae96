/* bse/match.h - exchange mode of the engine: a matching engine for one pair
 * (economy.md s4), built on bse/book.h's FIFO rule (true time priority).
 *
 * A bse_match is the book of one pair: a bid side and an ask side of
 * bse_book_side (BSE_BOOK_FIFO), an id index, and the last trade price.
 * Prices are integer ticks (> 0), quantities integer base units (> 0); the
 * engine knows nothing of coins, escrow or steps - the clearing house checks
 * those before it submits (chain/exchange/clearing.h).
 *
 * Rules:
 *  - an incoming order matches against the opposite side while it crosses
 *    (buy: best ask <= limit; sell: best bid >= limit; market: any price),
 *    best price first, FIFO inside a price; each fill is at the RESTING order's
 *    price; one incoming order may fill many resting orders (partial fills on
 *    both sides);
 *  - self-trade prevention: when the resting order at the head of the queue has
 *    the incoming order's owner, the resting order is cancelled (event
 *    BSE_MATCH_EV_STP_CANCEL) and matching goes on;
 *  - BSE_MATCH_LIMIT: the remainder rests at its limit price (new order id);
 *    BSE_MATCH_IOC: a limit order whose remainder is cancelled;
 *    BSE_MATCH_MARKET: no price limit; the remainder is cancelled (a market order
 *    against an empty book fills nothing);
 *  - quote_cap (buy orders, any type; 0 = none; ignored for sells): the most
 *    quote value the order may spend, value = sum over fills of price x qty;
 *    matching stops before a fill would pass it (the fill is cut to the largest
 *    qty that fits, in whole multiples of qty_unit) and the remainder is then
 *    cancelled whatever the type (a LIMIT order cut by its cap does not rest: it
 *    would still cross). The cap binds only while the order is the taker; a
 *    rested remainder later fills at its own limit price. The clearing house uses
 *    it so a market buy never spends more than the buyer's escrow. An order
 *    without a cap (and every sell) has the budget INT64_MAX, so a taker's spent
 *    total never overflows (the same cut applies; only reachable with amounts
 *    near 2^63).
 *  - amounts: a LIMIT or IOC order needs price x qty <= INT64_MAX (else EINVAL),
 *    so every resting order's price x original qty fits in an int64_t and so
 *    does every fill's value.
 *  - qty_unit (> 0): every fill quantity is a multiple of it when every order's
 *    quantity is (the clearing house's quantity step).
 * Every change is reported through the event callback in the order it happens:
 * fills and STP cancels (interleaved as they happen), then exactly one end event
 * for the incoming order (REST or DONE). The callback runs after the change it
 * reports (the book already shows it; it may read it with bse_match_get) and
 * must not change the book. Order ids are 1, 2, 3... in submission order (an
 * order that fills entirely still takes an id), so a replay gives the same ids.
 * Memory: the id index keeps 21 bytes for every id ever issued (arrays indexed
 * by id, grown geometrically); no allocation per order otherwise.
 *
 * Thread-safety: a bse_match is a plain value; no shared state.
 */
#ifndef BSE_MATCH_H
#define BSE_MATCH_H

#include <stddef.h>
#include <stdint.h>

#include "bse/book.h"

typedef enum bse_match_side { BSE_MATCH_BUY = 0, BSE_MATCH_SELL = 1 } bse_match_side;

typedef enum bse_match_type { BSE_MATCH_LIMIT = 0, BSE_MATCH_MARKET = 1, BSE_MATCH_IOC = 2 } bse_match_type;

typedef enum bse_match_status {
    BSE_MATCH_OK = 0,
    BSE_MATCH_ENOMEM = 1,
    BSE_MATCH_EINVAL = 2,    /* qty <= 0, price <= 0 for a limit/IOC order, bad side/type, owner < 0,
                                quote_cap < 0, price x qty > INT64_MAX for a limit/IOC order */
    BSE_MATCH_ENOTFOUND = 3, /* cancel: no resting order with that id */
} bse_match_status;

typedef enum bse_match_event_kind {
    BSE_MATCH_EV_FILL = 0,       /* a trade: taker (incoming) against maker (resting) */
    BSE_MATCH_EV_STP_CANCEL = 1, /* a resting order of the taker's own owner cancelled (qty = its remainder,
                                    price = its price, maker_id = its id; taker_* = the incoming order) */
    BSE_MATCH_EV_REST = 2,       /* the taker's remainder rests (price = its limit, qty = remainder) */
    BSE_MATCH_EV_DONE = 3,       /* the taker ended without resting (qty = cancelled remainder, maybe 0;
                                    price = its limit, 0 for MARKET) */
    BSE_MATCH_EV_CANCEL = 4,     /* bse_match_cancel removed a resting order (qty = its remainder) */
} bse_match_event_kind;

typedef struct bse_match_event {
    bse_match_event_kind kind;
    bse_match_side taker_side;   /* side of the incoming order (for CANCEL/STP: side of the removed order) */
    uint64_t taker_id;           /* incoming order id (CANCEL: the cancelled order) */
    int32_t taker_owner;
    uint64_t maker_id;           /* FILL / STP_CANCEL: the resting order; else 0 */
    int32_t maker_owner;         /* FILL / STP_CANCEL; else -1 */
    int64_t price;               /* FILL, STP_CANCEL: the resting order's price; REST/DONE: the limit
                                    (DONE of a MARKET order: 0); CANCEL: the cancelled order's price */
    int64_t qty;
} bse_match_event;

/* Called for each event; a non-zero return is ignored (events cannot be refused:
 * the clearing house settles each fill atomically in its own state). */
typedef void (*bse_match_event_fn)(void *user, const bse_match_event *ev);

typedef struct bse_match_order {
    bse_match_side side;
    bse_match_type type;
    int32_t owner;               /* >= 0; any number (self-trade prevention compares it) */
    int64_t price;               /* ticks, > 0 for LIMIT and IOC; ignored for MARKET */
    int64_t qty;                 /* base units, > 0 */
    int64_t quote_cap;           /* buy orders: the most price x qty value to spend; 0 = no cap; >= 0 */
    int64_t client_tag;          /* copied into nothing: kept with the order for the caller (bse_match_get) */
} bse_match_order;

/* The result of one submission. */
typedef struct bse_match_result {
    uint64_t id;                 /* the order's id */
    int64_t filled;              /* base units filled */
    int64_t spent;               /* sum of price x qty over its fills (quote value in ticks x units) */
    int64_t rested;              /* base units left resting (LIMIT only) */
    int64_t cancelled;           /* remainder cancelled (MARKET, IOC, or cut by quote_cap); filled +
                                    rested + cancelled = qty */
    uint32_t n_fills;
} bse_match_result;

/* A resting order as the caller sees it. */
typedef struct bse_match_info {
    uint64_t id;
    bse_match_side side;
    int32_t owner;
    int64_t price;
    int64_t qty;                 /* remaining */
    int64_t orig_qty;
    int64_t client_tag;
} bse_match_info;

typedef struct bse_match {
    bse_book_side bids, asks;    /* BSE_BOOK_FIFO; node qid = order id */
    int64_t qty_unit;            /* fills are multiples of it (>= 1) */
    uint64_t next_id;            /* the next order id (starts at 1) */
    int32_t *id_node;            /* id -> node index in its side (or -1), ids 1..next_id-1 */
    uint8_t *id_side;            /* id -> 0 bid, 1 ask */
    int64_t *id_orig;            /* id -> original quantity */
    int64_t *id_tag;             /* id -> client_tag */
    size_t cap_ids;
    int64_t last_price;          /* price of the last fill, 0 before any */
    uint64_t n_trades;
    int64_t volume;              /* base units traded (saturates at INT64_MAX) */
    int64_t n_resting;           /* ids with a node (= bids.n_orders + asks.n_orders) */
} bse_match;

/* Prepares an empty book; fills are multiples of qty_unit (>= 1).
 * Returns BSE_MATCH_OK, BSE_MATCH_EINVAL (qty_unit < 1) or BSE_MATCH_ENOMEM (m
 * is then cleared). Free with bse_match_clear. */
__attribute__((warn_unused_result)) bse_match_status bse_match_init(bse_match *m, int64_t qty_unit);

/* Frees the book; a zeroed or cleared book may be cleared again. */
void bse_match_clear(bse_match *m);

/* Submits an order (the rules above), reporting each change to fn (may be
 * NULL). Returns BSE_MATCH_OK; BSE_MATCH_EINVAL (nothing changed, no id taken);
 * BSE_MATCH_ENOMEM (nothing changed, no id taken: memory for the id and for a
 * resting remainder is reserved before the first fill; callers may still treat
 * it as fatal). Allocates only when the id index or a side grows (geometric).
 * Out: res (may be NULL; zeroed on error). */
__attribute__((warn_unused_result)) bse_match_status bse_match_submit(bse_match *m, const bse_match_order *o,
                                                                      bse_match_event_fn fn, void *user,
                                                                      bse_match_result *res);

/* Cancels the resting order id (event BSE_MATCH_EV_CANCEL). Returns BSE_MATCH_OK
 * or BSE_MATCH_ENOTFOUND (no change: an id never issued, already filled, cancelled
 * or never rested). Out: info of the removed order (may be NULL; zeroed when not
 * found). */
bse_match_status bse_match_cancel(bse_match *m, uint64_t id, bse_match_event_fn fn, void *user,
                                  bse_match_info *info);

/* The resting order id. Returns 1 and *info, or 0 when it is not resting
 * (*info zeroed). */
int bse_match_get(const bse_match *m, uint64_t id, bse_match_info *info);

/* Best bid / best ask price, or 0 when that side is empty. */
int64_t bse_match_best_bid(const bse_match *m);
int64_t bse_match_best_ask(const bse_match *m);

/* The top `max` levels of one side, best first (price, total qty).
 * Returns the number written. */
size_t bse_match_depth(const bse_match *m, bse_match_side side, int64_t (*levels)[2], size_t max);

/* Verifies both sides' invariants, that the book is not crossed and that the id
 * index agrees with the nodes, in O(resting orders). Returns 0 or a negative
 * number naming the broken one: -1 header fields, -2 side rules, -10+c / -20+c
 * bse_book_check code c of bids / asks, -30 crossed, -31 node without an issued
 * id, -32 index not pointing at the node, -33 index side, -34 node price or
 * quantity, -35 price x original qty overflows, -36 n_resting count.
 * BSE_CHECK builds run it after every submit and cancel (assert). */
int bse_match_check(const bse_match *m);

#endif /* BSE_MATCH_H */
