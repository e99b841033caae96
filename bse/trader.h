/* bse/trader.h - BSE's robot traders: GVWY, ZIC, SHVR, SNPR, ZIP, ZIPSH, PRZI,
 * PRSH, PRDE, PT1, PT2 (BSE.py v1.91 classes Trader, TraderGiveaway, TraderZIC,
 * TraderShaver, TraderSniper, TraderZIP, TraderPRZI, TraderPT1, TraderPT2).
 *
 * Each trader draws from the session's generator in exactly BSE's order (its
 * constructor, getorder and respond), and rounds as BSE does: rint (half-to-even)
 * where BSE calls round(), truncation where it calls int(). State mirrors BSE's
 * fields one for one (including quirks: ZIP's job is never cleared, PRSH/PRDE
 * "active" flags travel with sorted strategies, PT blotters are never truncated).
 *
 * Respond of GVWY/ZIC/SHVR/SNPR only refreshes profitpertime, which BSE never
 * writes anywhere; the session therefore skips it (bse_trader_responds()). So is
 * plain PRZI's: it refreshes its one strategy's pps, which nothing reads (BSE's
 * strats frames report PRSH, PRDE and ZIPSH only).
 * Respond of PRSH and PRDE only refreshes the active strategies' pps until a time
 * its state gives (bse_trader_quiet_until): the session skips it before then and
 * brings those pps up to date (bse_trader_refresh at its last respond pass) before
 * it reads them, which gives BSE's values bit for bit.
 * ZIP-family classification of the market (bid improved/hit, ask improved/lifted)
 * depends only on the book and on the previous best prices, and every trader
 * responds on every pass, so the session computes it once per pass
 * (bse_zip_market) and all ZIPs share it.
 * Thread-safety: plain values; a trader is used by one session at a time.
 */
#ifndef BSE_TRADER_H
#define BSE_TRADER_H

#include <stdint.h>

#include "common/buf.h"
#include "bse/config.h"
#include "bse/exchange.h"
#include "bse/rng.h"

#define BSE_BLOTTER_LEN 100
#ifndef BSE_LUT_BUDGET
#define BSE_LUT_BUDGET 32768 /* doubles one bse_lut caches (256 KiB) */
#endif
#define BSE_BID 1
#define BSE_ASK 0

typedef enum bse_trader_status {
    BSE_TRADER_OK = 0,
    BSE_TRADER_ENOMEM = 1,
    BSE_TRADER_EBSE = 2, /* BSE.py would have exited or raised here; why names it */
} bse_trader_status;

typedef struct bse_blotter_entry {
    double time;
    int64_t price;
    int32_t party1, party2;
} bse_blotter_entry;

typedef struct bse_zip_strat {
    double m_buy, m_sell, beta, momntm, ca, cr;
} bse_zip_strat;

typedef struct bse_zipsh_slot { /* one ZIPSH strategy record */
    bse_zip_strat v;
    double start_t, profit, pps;
    int active, evaluated;
} bse_zipsh_slot;

/* One PRZI price distribution (BSE's calc_cdf_lut) over span = pmax - pmin + 1
 * prices. Its values depend on the strategy, the side and the span only, not
 * on pmin, so a table serves every range of the same width. v[0..filled) hold
 * the cumulative distribution, v[filled..span) the weights not yet summed into
 * it (a draw sums only as far as it needs). */
typedef struct bse_lut_table {
    int64_t span; /* 0: an empty hash slot */
    int64_t filled;
    double sum;
    double *v;
} bse_lut_table;

/* The tables of one strategy and side, by span: an open-addressing cache,
 * emptied when the strategy changes or its size passes BSE_LUT_BUDGET doubles.
 * A table is a pure function of its key, so the cache changes no result. */
typedef struct bse_lut {
    double strat;
    int has_strat;
    int32_t cap, used; /* hash slots (a power of two) and tables held */
    int64_t doubles;   /* values held by the tables */
    bse_lut_table *tab;
} bse_lut;

typedef struct bse_przi_slot {
    double stratval, start_t, profit, pps;
    int active;
    bse_lut lut_bid, lut_ask;
} bse_przi_slot;

typedef struct bse_trader {
    bse_ttype type;
    char tid[16];
    int32_t index;            /* position in the session's key order */
    int64_t balance;
    double birthtime;
    double profitpertime;
    int64_t n_trades;
    /* the customer order ("orders" list of 0 or 1) */
    int has_order;
    int order_is_bid;
    int64_t order_price;
    double order_time;
    /* last quote sent */
    int has_lastquote;
    int lastquote_is_bid;
    int64_t lastquote_price;
    int n_quotes;
    /* blotter: ring of the last 100 (all, growing, for PT1/PT2) */
    bse_blotter_entry *blotter;
    int32_t blot_len, blot_head, blot_cap;
    union {
        struct {
            int job;                /* -1 None, BSE_BID, BSE_ASK */
            int active;
            double prev_change;
            double beta, momntm, ca, cr;
            int has_margin;
            double margin, margin_buy, margin_sell;
            int has_price;
            int64_t price;
            int has_limit;
            int64_t limit;
            int32_t k;
            int optimizer;          /* ZIPSH */
            bse_zipsh_slot *strats; /* k slots when optimizer and k > 1, else NULL */
            int64_t strat_wait_time;
            double last_strat_change_time;
            int32_t active_strat;
        } zip;
        struct {
            int optimizer;          /* 0 none (PRZI), BSE_T_PRSH, BSE_T_PRDE */
            int32_t k, nslots;
            double s_min, s_max;
            int32_t active_strat;
            double strat_eval_time, last_strat_change_time;
            int has_pmax;
            int64_t pmax;
            double pmax_c_i;
            int de_active_snew;     /* PRDE state: 0 active_s0, 1 active_snew */
            int32_t s0_index, snew_index;
            bse_przi_slot *strats;
        } przi;
        struct {
            int job_sell;           /* 0 'Buy', 1 'Sell' */
            int has_last_purchase;
            int64_t last_purchase_price;
            int32_t n_past_trades;
            double bid_percent;
            int64_t ask_delta;
        } pt;
    } u;
} bse_trader;

/* The ZIP-family view of the market after an order was processed, shared by all
 * ZIPs of a respond pass, plus the previous best prices it is computed from. */
typedef struct bse_zip_market {
    int has_prev_bid, has_prev_ask;
    int64_t prev_bid_p, prev_bid_q, prev_ask_p, prev_ask_q;
    int bid_improved, bid_hit, ask_improved, ask_lifted;
    int has_best_bid, has_best_ask;
    int64_t best_bid, best_ask;
} bse_zip_market;

/* Constructs trader `tid` of entry e's type, drawing from rng exactly as BSE's
 * constructor (ZIP: beta, momntm, ca, cr, margins, wait time, epsilon, ZIPSH
 * vectors; PRZI family: epsilon, pmax_c_i, strategies). Time of birth 0.
 * Returns BSE_TRADER_OK or BSE_TRADER_ENOMEM. Allocates; free with
 * bse_trader_clear. */
__attribute__((warn_unused_result)) bse_trader_status bse_trader_init(bse_trader *t, const bse_trader_entry *e,
                                                                      const char *tid, bse_rng *rng);

/* Frees a trader's storage; safe on a zeroed trader. */
void bse_trader_clear(bse_trader *t);

/* Whether respond has any effect BSE makes observable (see the top comment). */
int bse_trader_responds(const bse_trader *t);

/* getorder: Returns 1 and sets *is_bid, *price when the trader quotes; 0 when it
 * does not; -1 (BSE_TRADER_EBSE, why filled) where BSE would crash. */
int bse_trader_getorder(bse_trader *t, double time, double countdown, const bse_exchange *ex, bse_rng *rng,
                        int *is_bid, int64_t *price, const char **why);

/* bookkeep for a trade this trader took part in. Returns BSE_TRADER_OK,
 * BSE_TRADER_ENOMEM, or BSE_TRADER_EBSE (negative profit, no customer order). */
__attribute__((warn_unused_result)) bse_trader_status bse_trader_bookkeep(bse_trader *t, double time,
                                                                          const bse_trade *trade, const char **why);

/* Computes the shared ZIP view for this pass from the book and trade, reading and
 * then updating the previous best prices in m. Returns 0, or -1 where BSE would
 * raise (why filled). */
int bse_zip_classify(bse_zip_market *m, const bse_exchange *ex, const bse_trade *trade, const char **why);

/* respond. m is this pass's ZIP view (unused by other types). Returns 1 when the
 * trader finished a strategy evaluation cycle (ZIPSH: write a strats frame), 0
 * otherwise, -1 on error (why filled). */
int bse_trader_respond(bse_trader *t, double time, const bse_exchange *ex, const bse_trade *trade,
                       const bse_zip_market *m, bse_rng *rng, const char **why);

/* A time before which respond of t would only do bse_trader_refresh (PRSH, PRDE:
 * until a strategy's evaluation time is up), or -inf (every other type). */
double bse_trader_quiet_until(const bse_trader *t);

/* 1 when respond of t at time would only do bse_trader_refresh (PRSH, PRDE: its
 * conditions tested exactly as respond tests them), else 0. BSE_CHECK builds
 * assert it for every respond the session skips. */
int bse_trader_quiet_at(const bse_trader *t, double time);

/* The first part of PRZI/PRSH/PRDE's respond alone: each active strategy's pps
 * brought to time (Trader.profitpertime_update). No-op for other types. */
void bse_trader_refresh(bse_trader *t, double time);

/* The active strategy and its pps as BSE's strats frame reports them (ZIPSH:
 * strats[0]; PRSH/PRDE: strats[active_strat]). Returns 0 for other types. */
int bse_trader_active_strategy(const bse_trader *t, double *pps);

/* Appends BSE's strat_csv_str of the active strategy to out ("s=,%+5.3f, " or the
 * ZIP vector "mBuy=,...,cr=,%6.4f, "). Returns 0 or -1 out of memory. */
int bse_trader_strategy_csv(const bse_trader *t, common_buf *out);

#endif /* BSE_TRADER_H */
