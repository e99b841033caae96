/* bse/exchange.h - BSE's exchange: a bid side, an ask side, the in-memory tape.
 *
 * Ported from BSE.py v1.91 Exchange (add_order, del_order, process_order,
 * publish_lob): one order per trader per side; the incoming order is inserted
 * first, then matched; exactly one unit trades, at the resting (best opposite)
 * price; a cancel is always recorded on the tape, even when the trader had
 * nothing on the book. The tape keeps the last BSE_TAPE_LEN records, as BSE does;
 * traders read it (ZIP: was the last event a cancel?; PT1/PT2: recent prices).
 * Thread-safety: plain value.
 */
#ifndef BSE_EXCHANGE_H
#define BSE_EXCHANGE_H

#include <stdint.h>

#include "bse/book.h"
#include "common/buf.h"

#define BSE_TAPE_LEN 10000
#define BSE_MINPRICE 1   /* bse_sys_minprice: bid side worst price */
#define BSE_MAXPRICE 500 /* bse_sys_maxprice: ask side worst price */

typedef struct bse_tape_rec {
    double time;
    int64_t price;  /* trades; for a cancel, the cancelled quote's price */
    int is_trade;
} bse_tape_rec;

typedef struct bse_trade {
    double time;
    int64_t price;
    int32_t party1; /* resting order's trader */
    int32_t party2; /* incoming order's trader */
} bse_trade;

typedef struct bse_exchange {
    bse_book_side bids, asks;
    bse_tape_rec tape[BSE_TAPE_LEN]; /* ring: the last tape_len records */
    int32_t tape_len, tape_head;     /* tape_head: index of the oldest record */
    int64_t quote_id;                /* next quote id (BSE quote_id) */
} bse_exchange;

typedef enum bse_exchange_status { BSE_EXCHANGE_OK = 0, BSE_EXCHANGE_ENOMEM = 1 } bse_exchange_status;

/* Prepares an empty exchange for traders 0..n_traders-1 (BSE's one order per
 * trader per side). Returns BSE_EXCHANGE_OK or BSE_EXCHANGE_ENOMEM. The struct is
 * large (the tape); allocate it on the heap. Free with bse_exchange_clear. */
__attribute__((warn_unused_result)) bse_exchange_status bse_exchange_init(bse_exchange *ex, int32_t n_traders);

/* Frees storage; a cleared exchange may be cleared again. */
void bse_exchange_clear(bse_exchange *ex);

/* BSE process_order: adds trader's quote (replacing its quote on that side), then
 * if the book crosses, trades one unit at the best opposite price with the first
 * trader queued there, removes both orders and appends the trade to the tape.
 * Returns 1 and fills trade on a trade, 0 when the quote rests, -1 when out of
 * memory (the exchange is then unusable). */
int bse_exchange_process(bse_exchange *ex, double time, int32_t trader, int is_bid, int64_t price, bse_trade *trade);

/* BSE del_order: removes the trader's quote on that side if any, and always
 * appends a cancel record (time, price) to the tape. */
void bse_exchange_cancel(bse_exchange *ex, double time, int32_t trader, int is_bid, int64_t price);

/* The k-th most recent tape record, k = 1 for the newest; NULL when k is out of
 * range (1..tape_len). */
static inline const bse_tape_rec *bse_exchange_tape_back(const bse_exchange *ex, int32_t k)
{
    if (k < 1 || k > ex->tape_len)
        return 0;
    int32_t i = ex->tape_head + ex->tape_len - k;
    if (i >= BSE_TAPE_LEN)
        i -= BSE_TAPE_LEN;
    return &ex->tape[i];
}

/* Appends BSE's LOB string ("Bid:,N,p,q,...,Ask:,M,p,q,...,", both sides
 * ascending, "0," for an empty side) to out. Returns 0, or -1 out of memory. */
int bse_exchange_lob_string(const bse_exchange *ex, common_buf *out);

#endif /* BSE_EXCHANGE_H */
