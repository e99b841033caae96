/* bse/exchange.c - BSE.py v1.91 Exchange: process_order, del_order, publish_lob's
 * LOB string (see exchange.h). */
#include "bse/exchange.h"

#include <assert.h>
#include <string.h>

bse_exchange_status bse_exchange_init(bse_exchange *ex, int32_t n_traders)
{
    memset(ex, 0, sizeof *ex);
    if (bse_book_init(&ex->bids, BSE_BOOK_BSE, 1, BSE_MINPRICE, n_traders, n_traders + 1) != BSE_BOOK_OK ||
        bse_book_init(&ex->asks, BSE_BOOK_BSE, 0, BSE_MAXPRICE, n_traders, n_traders + 1) != BSE_BOOK_OK) {
        bse_exchange_clear(ex);
        return BSE_EXCHANGE_ENOMEM;
    }
    return BSE_EXCHANGE_OK;
}

void bse_exchange_clear(bse_exchange *ex)
{
    bse_book_clear(&ex->bids);
    bse_book_clear(&ex->asks);
    ex->tape_len = ex->tape_head = 0;
}

static int exchange_process(bse_exchange *ex, double time, int32_t trader, int is_bid, int64_t price,
                            bse_trade *trade);

static void tape_push(bse_exchange *ex, double time, int64_t price, int is_trade)
{
    int32_t i;
    if (ex->tape_len < BSE_TAPE_LEN) {
        i = ex->tape_head + ex->tape_len;
        if (i >= BSE_TAPE_LEN)
            i -= BSE_TAPE_LEN;
        ex->tape_len++;
    } else { /* full: overwrite the oldest (BSE: tape = tape[-tape_length:]) */
        i = ex->tape_head;
        ex->tape_head = (ex->tape_head + 1 == BSE_TAPE_LEN) ? 0 : ex->tape_head + 1;
    }
    ex->tape[i] = (bse_tape_rec){.time = time, .price = price, .is_trade = is_trade};
}

#ifdef BSE_CHECK
#define CHECK_BOOK(ex) assert(bse_book_check(&(ex)->bids) == 0 && bse_book_check(&(ex)->asks) == 0)
#else
#define CHECK_BOOK(ex) ((void)0)
#endif

int bse_exchange_process(bse_exchange *ex, double time, int32_t trader, int is_bid, int64_t price, bse_trade *trade)
{
    int rc = exchange_process(ex, time, trader, is_bid, price, trade);
    CHECK_BOOK(ex);
    return rc;
}

static int exchange_process(bse_exchange *ex, double time, int32_t trader, int is_bid, int64_t price, bse_trade *trade)
{
    bse_book_side *own = is_bid ? &ex->bids : &ex->asks;
    bse_book_side *other = is_bid ? &ex->asks : &ex->bids;
    int64_t qid = ex->quote_id++;
    if (bse_book_add(own, trader, price, 1, time, qid, NULL) != BSE_BOOK_OK)
        return -1;
    const bse_book_level *ob = bse_book_best(other);
    if (!ob)
        return 0;
    const bse_book_level *mb = bse_book_best(own);
    int crosses = is_bid ? (mb->price >= ob->price) : (ob->price >= mb->price);
    if (!crosses)
        return 0;
    /* one unit at the resting (best opposite) price; the incoming order is the
     * unique best of its own side because the book was uncrossed before */
    int64_t tprice = ob->price;
    int32_t counterparty = bse_book_fill_best(other, 1);
    (void)bse_book_fill_best(own, 1);
    trade->time = time;
    trade->price = tprice;
    trade->party1 = counterparty;
    trade->party2 = trader;
    tape_push(ex, time, tprice, 1);
    return 1;
}

void bse_exchange_cancel(bse_exchange *ex, double time, int32_t trader, int is_bid, int64_t price)
{
    (void)bse_book_del_owner(is_bid ? &ex->bids : &ex->asks, trader);
    tape_push(ex, time, price, 0);
    CHECK_BOOK(ex);
}

static int side_string(const bse_book_side *s, common_buf *out)
{
    if (s->nlevels == 0)
        return common_buf_append(out, "0,", 2);
    int rc = common_buf_int(out, s->nlevels) | common_buf_append(out, ",", 1);
    for (int32_t i = 0; i < s->nlevels; i++) {
        rc |= common_buf_int(out, s->levels[i].price);
        rc |= common_buf_append(out, ",", 1);
        rc |= common_buf_int(out, s->levels[i].qty);
        rc |= common_buf_append(out, ",", 1);
    }
    return rc ? -1 : 0;
}

int bse_exchange_lob_string(const bse_exchange *ex, common_buf *out)
{
    int rc = common_buf_append(out, "Bid:,", 5);
    rc |= side_string(&ex->bids, out);
    rc |= common_buf_append(out, "Ask:,", 5);
    rc |= side_string(&ex->asks, out);
    return rc ? -1 : 0;
}
