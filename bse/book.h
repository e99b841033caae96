/* bse/book.h - one side of a limit order book: price levels with FIFO queues.
 *
 * A side holds resting orders grouped in price levels kept sorted ascending by
 * price (so the best bid is the last level and the best ask the first, as BSE's
 * lob_anon). Inside a level, orders queue by a sequence key `seq`, smallest first.
 * Two priority rules share this one structure:
 *  - BSE_BOOK_BSE (BSE.py v1.91 OrderbookHalf): an owner has at most one order per
 *    side; its seq is fixed when it first enters the side (dict insertion order of
 *    the trader id), so a replacement keeps the owner's slot even at a new price,
 *    and a removal followed by re-entry goes to the back.
 *  - BSE_BOOK_FIFO (exchange mode): every order gets a fresh seq (true time
 *    priority); one owner may hold many orders; quantities and partial fills.
 * Changes are incremental (binary search on levels, linked queues in a node pool):
 * no rebuild per change, and the published view (levels: price, total qty) is the
 * level array itself.
 *
 * Invariants (checked by bse_book_check): levels strictly ascending by price, each
 * level non-empty with qty/n equal to the sums over its queue, queue strictly
 * ascending by seq, owner index consistent with the nodes.
 * Thread-safety: a side is a plain value; no shared state.
 */
#ifndef BSE_BOOK_H
#define BSE_BOOK_H

#include <stddef.h>
#include <stdint.h>

typedef enum bse_book_rule { BSE_BOOK_BSE = 0, BSE_BOOK_FIFO = 1 } bse_book_rule;

typedef enum bse_book_status {
    BSE_BOOK_OK = 0,
    BSE_BOOK_ENOMEM = 1,
    BSE_BOOK_ENOTFOUND = 2, /* no such order / owner has no order on this side */
    BSE_BOOK_EINVAL = 3,    /* owner out of range, non-positive quantity */
} bse_book_status;

typedef struct bse_book_level {
    int64_t price;
    int64_t qty;  /* total quantity resting at this price */
    int32_t n;    /* number of orders */
    int32_t head; /* first node in queue (lowest seq) */
    int32_t tail;
} bse_book_level;

typedef struct bse_book_order {
    int64_t price;
    int64_t qty;
    uint64_t seq;
    double time;
    int64_t qid;
    int32_t owner;
    int32_t prev, next; /* queue links inside the level; -1 at the ends; next doubles as free-list link */
} bse_book_order;

typedef struct bse_book_side {
    bse_book_rule rule;
    int is_bid;
    int64_t worst;          /* BSE worstprice: 1 for bids, 500 for asks */
    bse_book_level *levels; /* ascending by price */
    int32_t nlevels, cap_levels;
    bse_book_order *nodes;
    int32_t cap_nodes, free_head;
    int32_t n_orders;
    int32_t n_owners;
    int32_t *owner_node;    /* BSE rule: owner -> node index or -1 */
    uint64_t next_seq;
    int has_extreme;        /* asks: BSE session_extreme (highest ask ever added) */
    int64_t session_extreme;
    uint64_t version;       /* incremented on every change (for cheap "changed?" checks) */
} bse_book_side;

/* Prepares an empty side for owners 0..n_owners-1, with room for cap_hint orders
 * (more are allocated when needed). Returns: BSE_BOOK_OK or BSE_BOOK_ENOMEM (side is
 * then cleared). Free with bse_book_clear. */
__attribute__((warn_unused_result)) bse_book_status bse_book_init(bse_book_side *side, bse_book_rule rule, int is_bid,
                                                                  int64_t worst, int32_t n_owners, int32_t cap_hint);

/* Frees a side's storage; a zeroed or cleared side may be cleared again. */
void bse_book_clear(bse_book_side *side);

/* Adds an order. BSE rule: replaces the owner's order on this side if it has one
 * (keeping its queue slot) - BSE book_add; FIFO rule: always a new order at the back
 * of its level. For asks, updates session_extreme with the price.
 * Returns: BSE_BOOK_OK, BSE_BOOK_EINVAL (owner out of range or qty <= 0) or
 * BSE_BOOK_ENOMEM. Out: node (index of the order; may be NULL). */
__attribute__((warn_unused_result)) bse_book_status bse_book_add(bse_book_side *side, int32_t owner, int64_t price,
                                                                 int64_t qty, double time, int64_t qid, int32_t *node);

/* Removes the owner's order (BSE rule; BSE book_del). Returns BSE_BOOK_OK or
 * BSE_BOOK_ENOTFOUND when the owner has none (the side is then unchanged). */
bse_book_status bse_book_del_owner(bse_book_side *side, int32_t owner);

/* Removes the order at node index `node` (any rule). Returns BSE_BOOK_OK or
 * BSE_BOOK_ENOTFOUND for a node that is not resting. */
bse_book_status bse_book_del_node(bse_book_side *side, int32_t node);

/* Takes qty off the first order of the best level (partial fill), removing the
 * order when it reaches zero; qty must be 1..that order's qty. Returns the owner
 * of that order, or -1 if the side is empty. BSE delete_best is qty 1. */
int32_t bse_book_fill_best(bse_book_side *side, int64_t qty);

/* Best level (last for bids, first for asks) or NULL when empty. */
static inline const bse_book_level *bse_book_best(const bse_book_side *side)
{
    if (side->nlevels == 0)
        return 0;
    return side->is_bid ? &side->levels[side->nlevels - 1] : &side->levels[0];
}

/* The first order in the best level (the one a crossing order meets), or NULL. */
static inline const bse_book_order *bse_book_best_order(const bse_book_side *side)
{
    const bse_book_level *l = bse_book_best(side);
    return l ? &side->nodes[l->head] : 0;
}

/* Node of the owner's order under the BSE rule, or -1. */
static inline int32_t bse_book_owner_node(const bse_book_side *side, int32_t owner)
{
    return (owner >= 0 && owner < side->n_owners) ? side->owner_node[owner] : -1;
}

/* Verifies every invariant listed above. Returns 0 when they hold, else a
 * negative number naming the first broken one (for tests and BSE_CHECK builds). */
int bse_book_check(const bse_book_side *side);

#endif /* BSE_BOOK_H */
