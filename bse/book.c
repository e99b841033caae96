/* bse/book.c - one side of a limit order book (see book.h).
 * BSE semantics ported from BSE.py v1.91 OrderbookHalf.book_add / book_del /
 * delete_best: queue order within a price is the order in which owners first
 * entered the side, not the quote time. */
#include "bse/book.h"

#include <assert.h>
#include <stdlib.h>
#include <string.h>

bse_book_status bse_book_init(bse_book_side *side, bse_book_rule rule, int is_bid, int64_t worst, int32_t n_owners,
                              int32_t cap_hint)
{
    assert(side && n_owners >= 0);
    memset(side, 0, sizeof *side);
    side->rule = rule;
    side->is_bid = is_bid;
    side->worst = worst;
    side->free_head = -1;
    if (cap_hint < 8)
        cap_hint = 8;
    side->levels = malloc(sizeof *side->levels * (size_t)cap_hint);
    side->nodes = malloc(sizeof *side->nodes * (size_t)cap_hint);
    side->owner_node = malloc(sizeof *side->owner_node * (size_t)(n_owners > 0 ? n_owners : 1));
    if (!side->levels || !side->nodes || !side->owner_node) {
        bse_book_clear(side);
        return BSE_BOOK_ENOMEM;
    }
    side->cap_levels = cap_hint;
    side->n_owners = n_owners;
    for (int32_t i = 0; i < n_owners; i++)
        side->owner_node[i] = -1;
    /* all nodes on the free list, lowest index first */
    side->cap_nodes = cap_hint;
    for (int32_t i = 0; i < cap_hint; i++)
        side->nodes[i].next = (i + 1 < cap_hint) ? i + 1 : -1;
    side->free_head = 0;
    return BSE_BOOK_OK;
}

void bse_book_clear(bse_book_side *side)
{
    if (!side)
        return;
    free(side->levels);
    free(side->nodes);
    free(side->owner_node);
    memset(side, 0, sizeof *side);
    side->free_head = -1;
}

static int32_t node_alloc(bse_book_side *side)
{
    if (side->free_head < 0) {
        int32_t ncap = side->cap_nodes * 2;
        bse_book_order *n = realloc(side->nodes, sizeof *n * (size_t)ncap);
        if (!n)
            return -1;
        side->nodes = n;
        for (int32_t i = side->cap_nodes; i < ncap; i++)
            n[i].next = (i + 1 < ncap) ? i + 1 : -1;
        side->free_head = side->cap_nodes;
        side->cap_nodes = ncap;
    }
    int32_t i = side->free_head;
    side->free_head = side->nodes[i].next;
    return i;
}

static void node_free(bse_book_side *side, int32_t i)
{
    side->nodes[i].next = side->free_head;
    side->nodes[i].prev = -2; /* marks "not resting" */
    side->free_head = i;
}

/* Index of the level with this price, or -(insertion point)-1 when absent. */
static int32_t level_find(const bse_book_side *side, int64_t price)
{
    int32_t lo = 0, hi = side->nlevels;
    while (lo < hi) {
        int32_t mid = lo + (hi - lo) / 2;
        int64_t p = side->levels[mid].price;
        if (p < price)
            lo = mid + 1;
        else if (p > price)
            hi = mid;
        else
            return mid;
    }
    return -lo - 1;
}

static int32_t level_get(bse_book_side *side, int64_t price)
{
    int32_t li = level_find(side, price);
    if (li >= 0)
        return li;
    li = -li - 1;
    if (side->nlevels == side->cap_levels) {
        int32_t ncap = side->cap_levels * 2;
        bse_book_level *l = realloc(side->levels, sizeof *l * (size_t)ncap);
        if (!l)
            return -1;
        side->levels = l;
        side->cap_levels = ncap;
    }
    memmove(&side->levels[li + 1], &side->levels[li], sizeof *side->levels * (size_t)(side->nlevels - li));
    side->levels[li] = (bse_book_level){.price = price, .qty = 0, .n = 0, .head = -1, .tail = -1};
    side->nlevels++;
    return li;
}

static void level_remove(bse_book_side *side, int32_t li)
{
    memmove(&side->levels[li], &side->levels[li + 1], sizeof *side->levels * (size_t)(side->nlevels - li - 1));
    side->nlevels--;
}

/* Links node i into level li in seq order (walking from the back: new entries
 * usually have the largest seq). */
static void queue_insert(bse_book_side *side, int32_t li, int32_t i)
{
    bse_book_level *l = &side->levels[li];
    bse_book_order *o = &side->nodes[i];
    int32_t after = l->tail;
    while (after >= 0 && side->nodes[after].seq > o->seq)
        after = side->nodes[after].prev;
    o->prev = after;
    o->next = (after >= 0) ? side->nodes[after].next : l->head;
    if (o->next >= 0)
        side->nodes[o->next].prev = i;
    else
        l->tail = i;
    if (after >= 0)
        side->nodes[after].next = i;
    else
        l->head = i;
    l->qty += o->qty;
    l->n++;
}

/* Unlinks node i from its level; removes the level if it empties. */
static void queue_unlink(bse_book_side *side, int32_t i)
{
    bse_book_order *o = &side->nodes[i];
    int32_t li = level_find(side, o->price);
    assert(li >= 0);
    bse_book_level *l = &side->levels[li];
    if (o->prev >= 0)
        side->nodes[o->prev].next = o->next;
    else
        l->head = o->next;
    if (o->next >= 0)
        side->nodes[o->next].prev = o->prev;
    else
        l->tail = o->prev;
    l->qty -= o->qty;
    l->n--;
    if (l->n == 0)
        level_remove(side, li);
}

bse_book_status bse_book_add(bse_book_side *side, int32_t owner, int64_t price, int64_t qty, double time, int64_t qid,
                             int32_t *node)
{
    if (node)
        *node = -1;
    if (owner < 0 || (side->rule == BSE_BOOK_BSE && owner >= side->n_owners) || qty <= 0)
        return BSE_BOOK_EINVAL;
    if (!side->is_bid && (!side->has_extreme || price > side->session_extreme)) {
        side->has_extreme = 1;
        side->session_extreme = price;
    }
    int32_t i = (side->rule == BSE_BOOK_BSE) ? side->owner_node[owner] : -1;
    uint64_t seq;
    if (i >= 0 && side->nodes[i].price == price && side->nodes[i].qty == qty) {
        /* BSE overwrite at the same price: same level, same slot */
        side->nodes[i].time = time;
        side->nodes[i].qid = qid;
        side->version++;
        if (node)
            *node = i;
        return BSE_BOOK_OK;
    }
    if (i >= 0) { /* BSE overwrite: keep the owner's seq (its dict slot) */
        seq = side->nodes[i].seq;
        queue_unlink(side, i);
        side->n_orders--;
    } else {
        i = node_alloc(side);
        if (i < 0)
            return BSE_BOOK_ENOMEM;
        seq = side->next_seq++;
    }
    int32_t li = level_get(side, price);
    if (li < 0) {
        node_free(side, i);
        if (side->rule == BSE_BOOK_BSE)
            side->owner_node[owner] = -1;
        side->version++;
        return BSE_BOOK_ENOMEM;
    }
    side->nodes[i] = (bse_book_order){.price = price, .qty = qty, .seq = seq, .time = time, .qid = qid, .owner = owner};
    queue_insert(side, li, i);
    side->n_orders++;
    if (side->rule == BSE_BOOK_BSE)
        side->owner_node[owner] = i;
    side->version++;
    if (node)
        *node = i;
    return BSE_BOOK_OK;
}

bse_book_status bse_book_del_node(bse_book_side *side, int32_t node)
{
    if (node < 0 || node >= side->cap_nodes || side->nodes[node].prev == -2)
        return BSE_BOOK_ENOTFOUND;
    int32_t owner = side->nodes[node].owner;
    queue_unlink(side, node);
    node_free(side, node);
    side->n_orders--;
    if (side->rule == BSE_BOOK_BSE && owner >= 0 && owner < side->n_owners && side->owner_node[owner] == node)
        side->owner_node[owner] = -1;
    side->version++;
    return BSE_BOOK_OK;
}

bse_book_status bse_book_del_owner(bse_book_side *side, int32_t owner)
{
    int32_t i = bse_book_owner_node(side, owner);
    if (i < 0)
        return BSE_BOOK_ENOTFOUND;
    return bse_book_del_node(side, i);
}

int32_t bse_book_fill_best(bse_book_side *side, int64_t qty)
{
    if (side->nlevels == 0)
        return -1;
    int32_t li = side->is_bid ? side->nlevels - 1 : 0;
    bse_book_level *l = &side->levels[li];
    int32_t i = l->head;
    bse_book_order *o = &side->nodes[i];
    assert(qty >= 1 && qty <= o->qty);
    int32_t owner = o->owner;
    if (qty < o->qty) {
        o->qty -= qty;
        l->qty -= qty;
        side->version++;
    } else {
        (void)bse_book_del_node(side, i);
    }
    return owner;
}

int bse_book_check(const bse_book_side *side)
{
    int32_t total = 0;
    for (int32_t li = 0; li < side->nlevels; li++) {
        const bse_book_level *l = &side->levels[li];
        if (li > 0 && side->levels[li - 1].price >= l->price)
            return -1; /* levels not strictly ascending */
        if (l->n <= 0 || l->head < 0)
            return -2; /* empty level kept */
        int64_t q = 0;
        int32_t n = 0, prev = -1;
        for (int32_t i = l->head; i >= 0; i = side->nodes[i].next) {
            const bse_book_order *o = &side->nodes[i];
            if (o->price != l->price || o->prev != prev)
                return -3; /* node in wrong level or broken links */
            if (prev >= 0 && side->nodes[prev].seq >= o->seq)
                return -4; /* queue not in seq order */
            if (side->rule == BSE_BOOK_BSE && side->owner_node[o->owner] != i)
                return -5; /* owner index out of step */
            q += o->qty;
            n++;
            prev = i;
            if (n > side->cap_nodes)
                return -3;
        }
        if (q != l->qty || n != l->n || prev != l->tail)
            return -6; /* level totals wrong */
        total += n;
    }
    if (total != side->n_orders)
        return -7;
    return 0;
}
