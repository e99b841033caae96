/* bse/step.h - a BSE market session that stops at a chosen trader's decisions.
 *
 * The step API is the one session loop of BSE.py v1.91 market_session (session.h
 * runs it to the end without stopping). A stepper is created from a case, then
 * advanced to the next decision of a watched trader slot: the moment BSE's loop
 * has picked that trader and is about to call its getorder. The caller then
 * either lets the trader's own type decide (bse_step_propose, which draws from
 * the session generator exactly as getorder does, and bse_step_submit of what it
 * proposed), or supplies a quote of its own (bse_step_submit), or stays out.
 * Between decisions the state can be read: the time, any trader's customer order
 * and balance, the book's levels and the recent trades.
 *
 * Main invariant: a stepper whose every decision is proposed and submitted
 * unchanged draws from the generator in exactly BSE's order, so it writes the
 * same bytes as bse_session_run (tests/test_bse_step.c runs every golden case so).
 * A slot re-typed by bse_step_options.slot_type is constructed from a private
 * generator (a copy seeded with the session seed), so the session generator and
 * every other trader are constructed exactly as in the unmodified case.
 *
 * Slots are trader key indices: buyers B00.. are 0..nb-1, sellers S00.. follow,
 * then proprietary traders (BSE's sorted trader ids after the shuffle).
 * Ownership: bse_step_create allocates; bse_step_destroy frees (NULL is a no-op).
 * Thread-safety: a stepper is a plain value used by one thread at a time;
 * distinct steppers run concurrently.
 */
#ifndef BSE_STEP_H
#define BSE_STEP_H

#include <stdint.h>

#include "bse/config.h"
#include "common/error.h"
#include "bse/session.h"

typedef struct bse_step bse_step;

#define BSE_STEP_ALL_SLOTS (-1) /* watch: stop at every trader's decision */
#define BSE_STEP_NO_SLOT (-2)   /* watch: never stop (run to the end) */
#define BSE_STEP_TRADES 16      /* recent trades kept for bse_step_trades */

typedef enum bse_step_status {
    BSE_STEP_OK = 0,
    BSE_STEP_ENOMEM = BSE_SESSION_ENOMEM,
    BSE_STEP_EBSE = BSE_SESSION_EBSE,       /* BSE.py would have exited: err says where (stepper dead) */
    BSE_STEP_ECONFIG = BSE_SESSION_ECONFIG, /* the case or the options failed validation */
    BSE_STEP_EQUOTE = 4,                    /* a caller's quote was refused; state unchanged */
    BSE_STEP_ESTATE = 5,                    /* call out of order (no decision pending, session over) */
} bse_step_status;

/* What bse_step_advance found. */
typedef enum bse_step_event {
    BSE_STEP_DECISION = 1, /* a watched trader must decide: propose / submit next */
    BSE_STEP_END = 2,      /* the session is over: bse_step_finish next */
} bse_step_event;

typedef struct bse_step_options {
    int32_t watch;          /* slot to stop at, BSE_STEP_ALL_SLOTS or BSE_STEP_NO_SLOT */
    int only_with_order;    /* stop only when the watched trader holds a customer order;
                               other picks are driven by the trader's own type */
    int32_t retype_slot;    /* slot whose trader is re-constructed as slot_type; -1 none */
    int32_t slot_type;      /* a bse_ttype (GVWY, ZIC, SHVR, SNPR, ZIP, PRZI, PT1, PT2 without params) */
} bse_step_options;

/* The defaults: watch every decision, stop also without an order, no re-typing. */
bse_step_options bse_step_options_default(void);

/* A trader's state as the step API shows it. */
typedef struct bse_step_trader {
    bse_ttype type;
    char tid[16];
    int has_order;          /* a customer order is held */
    int order_is_bid;       /* its side: 1 buy (bid), 0 sell (ask) */
    int64_t order_price;    /* its limit price */
    double order_time;      /* its issue time */
    int has_quote;          /* a quote of this trader rests on the book */
    int quote_is_bid;
    int64_t quote_price;
    int64_t balance;        /* profit so far (BSE's balance) */
    int64_t n_trades;
} bse_step_trader;

/* One price level of the book. */
typedef struct bse_step_level {
    int64_t price, qty;
} bse_step_level;

/* Creates a stepper for case c (copied; c is not kept), seeded with c->seed_be,
 * constructed and shuffled as BSE's populate_market (no loop step taken yet).
 * Returns: BSE_STEP_OK; BSE_STEP_ECONFIG (err names the field, or "options");
 * BSE_STEP_ENOMEM. Out: *out (NULL on error). Allocates. */
__attribute__((warn_unused_result)) bse_step_status bse_step_create(bse_step **out, const bse_case *c,
                                                                    const bse_step_options *o, common_error *err);

/* Frees a stepper and everything it holds; NULL is a no-op. */
void bse_step_destroy(bse_step *s);

/* Runs the loop to the next decision of a watched trader or to the session end.
 * A pending decision that was not submitted is submitted as the trader's own
 * (proposed if needed) first. Returns BSE_STEP_OK with *event filled;
 * BSE_STEP_EBSE / BSE_STEP_ENOMEM (err filled; the stepper is dead);
 * BSE_STEP_ESTATE after the end. Out: *event, *slot (the deciding trader, -1 at END). */
__attribute__((warn_unused_result)) bse_step_status bse_step_advance(bse_step *s, bse_step_event *event,
                                                                     int32_t *slot, common_error *err);

/* The deciding trader's own choice: calls its getorder (drawing from the session
 * generator exactly as BSE does), at most once per decision (later calls return
 * the same). Out: *has_quote, *is_bid, *price. Returns BSE_STEP_OK,
 * BSE_STEP_EBSE (BSE would crash; stepper dead), BSE_STEP_ESTATE (no decision). */
__attribute__((warn_unused_result)) bse_step_status bse_step_propose(bse_step *s, int *has_quote, int *is_bid,
                                                                     int64_t *price, common_error *err);

/* Submits the deciding trader's quote (has_quote 0: it stays out; any quote it
 * has on the book stays there, as when BSE's getorder returns None) and runs the
 * rest of the loop step (exchange, bookkeeping, tape, responses, clock).
 * A caller's quote must be on the side of the trader's customer order, within
 * its limit (a bid at most, an ask at least the limit) and within
 * [BSE_MINPRICE, BSE_MAXPRICE]; otherwise BSE_STEP_EQUOTE with err saying why and
 * nothing changed (the decision is still pending). A proposal submitted as
 * proposed is checked as BSE checks it ("Bad bid"/"Bad ask" is BSE_STEP_EBSE).
 * Returns BSE_STEP_OK, BSE_STEP_EQUOTE, BSE_STEP_ESTATE, BSE_STEP_EBSE, BSE_STEP_ENOMEM. */
__attribute__((warn_unused_result)) bse_step_status bse_step_submit(bse_step *s, int has_quote, int is_bid,
                                                                    int64_t price, common_error *err);

/* After BSE_STEP_END: the session's result, as bse_session_run fills it (moved to
 * the caller: free with bse_result_free; a second call returns BSE_STEP_ESTATE).
 * Returns BSE_STEP_OK, BSE_STEP_ENOMEM, BSE_STEP_ESTATE. Out: res (zeroed first). */
__attribute__((warn_unused_result)) bse_step_status bse_step_finish(bse_step *s, bse_result *res, common_error *err);

/* The session clock, the session's start and end, and the number of traders. */
double bse_step_time(const bse_step *s);
double bse_step_start_time(const bse_step *s);
double bse_step_end_time(const bse_step *s);
int32_t bse_step_n_traders(const bse_step *s);
/* The number of buyers (slots 0..nb-1); sellers follow. */
int32_t bse_step_n_buyers(const bse_step *s);

/* Fills *t with slot's state (slot in 0..n_traders-1, asserted). */
void bse_step_trader_view(const bse_step *s, int32_t slot, bse_step_trader *t);

/* Copies up to cap levels of one book side, best first (is_bid 1: bids, highest
 * first; 0: asks, lowest first). Returns the side's total number of levels;
 * *total_qty (if not NULL) gets the side's total quantity. */
int32_t bse_step_book(const bse_step *s, int is_bid, bse_step_level *levels, int32_t cap, int64_t *total_qty);

/* Copies up to cap of the most recent trades, newest first (at most
 * BSE_STEP_TRADES are kept). Returns the number copied. */
int32_t bse_step_trades(const bse_step *s, double *times, int64_t *prices, int32_t cap);

/* Trades so far in the session. */
int64_t bse_step_n_trades(const bse_step *s);

#endif /* BSE_STEP_H */
