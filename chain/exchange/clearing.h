/* chain/exchange/clearing.h - the clearing house (economy.md s4): custody of
 * the three coins, escrow, instant internal matching on bse/match.h books, and
 * settlement, with the custody invariant checked after every event.
 *
 * Coins: 0 ALPHA, 1 BRAVO, 2 CHARLIE (the chain ids of chain/params.h).
 * Pairs: 0 BRAVO/ALPHA, 1 CHARLIE/ALPHA (quoted in AlphaCoin), 2 CHARLIE/BRAVO
 * (quoted in BravoCoin). Amounts are integer units, 1 coin = 10^6 units.
 * Price = quote units per whole base coin in ticks of 10^-4 quote coin
 * (CHAIN_EX_TICK_UNITS = 100 units); quantity = base units in steps of
 * CHAIN_EX_QTY_STEP = 10^4 units (10^-2 coin); so a fill of qty q at price p
 * moves exactly p x q / 10^4 quote units (an integer).
 *
 * Custody. The exchange has one account per chain. Deposits are transfers to
 * it, reported by the caller (the economy) as they enter or leave the best
 * chain; a deposit at height h is credited to the trader's free balance once
 * the tip reaches h + confirmations - 1. A withdrawal debits the trader's free
 * balance at once and is "pending" until the transfer the exchange signs for it
 * is confirmed the same way. The exchange's confirmed on-chain balance per coin
 * is custody = credited deposits - confirmed withdrawals (what its ledger holds
 * at depth `confirmations`, which the economy cross-checks against the chain).
 *
 * INVARIANT (chain_ex_check), per coin:
 *   custody = sum over accounts (free + locked - owed) + pending withdrawals
 * and free, locked, owed >= 0, locked = the escrow of the account's resting
 * orders, each book valid and uncrossed.
 *
 * Reorganisations. chain_ex_deposit_removed for a credited deposit (its block
 * left the best chain, deeper than the confirmations): the credit is taken back
 * from the trader's free balance, then by cancelling its orders on that coin
 * (releasing escrow; lowest exchange id first, only as many as needed), and what is still missing (the coins were traded away) is
 * recorded as `owed`: a debt paid first from the trader's next credits, and no
 * withdrawal is allowed while owed > 0. The deposit becomes "seen at no height"
 * and is credited again when it re-enters the best chain and confirms. A removed
 * withdrawal goes back to pending (custody grows back by it if it had been
 * confirmed); the economy re-broadcasts its transfer. So a reorganisation
 * changes no trader's total = own on-chain coins + exchange (free + locked -
 * owed) + its deposits not yet credited, and the invariant holds throughout.
 *
 * Orders. A limit buy locks price x qty / 10^4 of the quote coin, a limit sell
 * qty of the base coin; a market buy locks the account's whole free quote
 * balance (or `budget` when > 0) and returns what it did not spend; a market
 * sell locks qty. A fill at a better price than the buyer's limit releases the
 * difference. A trade is settled at once and whole (never half-settled):
 * buyer's locked quote -> seller's free quote, seller's locked base -> buyer's
 * free base. Self-trade prevention cancels the resting order (bse/match.h). No
 * exchange fees.
 *
 * Order ids. Each pair's book numbers its orders 1, 2, 3... (bse/match.h); the
 * exchange's id of an order is (book id << 2) | pair, so ids are unique across the
 * three pairs, deterministic for a replay, and id & 3 names the pair.
 *
 * Confirmations are counted on chain_ex_tip only: report a block's deposits and
 * withdrawals (chain_ex_deposit_seen / chain_ex_withdrawal_seen) before its tip;
 * a tip call with an unchanged height re-evaluates. A tip that moves down credits
 * nothing and takes nothing back (only a *_removed call does). A deposit or
 * withdrawal seen again at another height without a removal keeps its state.
 * Withdrawal ids are 1, 2, 3... across the three coins.
 *
 * Debt. While an account owes on ANY coin it can withdraw nothing (it may still
 * trade); a debt is paid only from credits (deposits, grants), not trade proceeds.
 * While debts are outstanding the accounts' free balances may exceed what the
 * exchange holds on chain, so a withdrawal is also refused when it exceeds
 * custody - pending withdrawals (the transfer would not be covered); it goes
 * through once the debts are repaid.
 *
 * Errors. With check_every, a public operation that changed the state returns
 * CHAIN_EX_EINVARIANT when chain_ex_check fails; chain_ex_last_error says which
 * coin and by how much. Test builds (-DCHAIN_CHECK) also check every 64th
 * operation without check_every. Market buy budgets above 9.2 x 10^14 units are capped
 * there (the engine's price x qty value must fit in int64_t); limit orders whose
 * price x qty does not fit are refused.
 *
 * The on_trade callback must not call back into the chain_ex.
 *
 * Thread-safety: a chain_ex is a value used by one thread at a time.
 */
#ifndef CHAIN_EXCHANGE_CLEARING_H
#define CHAIN_EXCHANGE_CLEARING_H

#include <stddef.h>
#include <stdint.h>

#include "bse/match.h"
#include "common/error.h"

#define CHAIN_EX_COINS 3
#define CHAIN_EX_PAIRS 3
#define CHAIN_EX_UNITS_PER_COIN 1000000
#define CHAIN_EX_TICK_UNITS 100          /* quote units per tick (per whole base coin) */
#define CHAIN_EX_QTY_STEP 10000          /* base units per quantity step */
#define CHAIN_EX_PRICE_MAX 100000000     /* ticks: 10^4 quote coins per base coin */
#define CHAIN_EX_QTY_MAX ((int64_t)1 << 50) /* base units */
#define CHAIN_EX_REASON_MAX 96
#define CHAIN_EX_AMOUNT_MAX ((int64_t)1 << 53) /* units: the largest deposit or grant (9 x 10^9 coins) */

typedef struct chain_ex chain_ex;

typedef enum chain_ex_code {
    CHAIN_EX_OK = 0,
    CHAIN_EX_ENOMEM = 1,
    CHAIN_EX_EINVAL = 2,      /* an argument out of range (bad account, coin, pair...) */
    CHAIN_EX_EREFUSED = 3,    /* an order/cancel/withdrawal refused: reason says why; nothing changed */
    CHAIN_EX_ENOTFOUND = 4,   /* unknown deposit/withdrawal/order id */
    CHAIN_EX_EINVARIANT = 5,  /* the custody invariant is broken (a bug: the run must stop) */
} chain_ex_code;

typedef struct chain_ex_pair_info {
    const char *name;         /* "BRAVO/ALPHA" */
    unsigned base, quote;     /* coins */
} chain_ex_pair_info;

/* The pair's coins and name, or NULL for pair >= CHAIN_EX_PAIRS. */
const chain_ex_pair_info *chain_ex_pair(unsigned pair);
/* The pair named name ("BRAVO/ALPHA"...). Returns 0 and *pair, or -1. */
int chain_ex_pair_parse(unsigned *pair, const char *name);
/* "ALPHA", "BRAVO", "CHARLIE" (NULL outside). */
const char *chain_ex_coin_name(unsigned coin);

/* Quote units a fill of qty base units at price ticks moves (p x q / 10^4);
 * qty must be a multiple of CHAIN_EX_QTY_STEP. Returns -1 when an argument is
 * negative or the result does not fit in int64_t. */
int64_t chain_ex_quote_units(int64_t price, int64_t qty);

typedef struct chain_ex_balance {
    int64_t free, locked, owed;
} chain_ex_balance;

typedef struct chain_ex_trade {
    double time;
    unsigned pair;
    int64_t price, qty;       /* ticks, base units */
    int64_t quote;            /* quote units moved */
    uint32_t buyer, seller;   /* accounts */
    uint64_t buy_id, sell_id; /* order ids */
    int taker_is_buyer;
} chain_ex_trade;

/* Called for every trade as it settles (may be NULL). */
typedef void (*chain_ex_trade_fn)(void *user, const chain_ex_trade *t);

typedef struct chain_ex_opts {
    uint32_t n_accounts;      /* accounts 0..n-1 */
    uint32_t confirmations;   /* >= 1 (economy default 2) */
    int check_every;          /* 1: chain_ex_check after every operation (CHAIN_EX_EINVARIANT on failure) */
    chain_ex_trade_fn on_trade;
    void *user;
} chain_ex_opts;

typedef struct chain_ex_order_info {
    uint64_t id;
    unsigned pair;
    int side;                 /* BSE_MATCH_BUY / BSE_MATCH_SELL */
    int64_t price;            /* ticks */
    int64_t qty;              /* original */
    int64_t filled;
} chain_ex_order_info;

typedef struct chain_ex_place_result {
    uint64_t id;              /* order id (unique across pairs) */
    int64_t filled, rested, cancelled; /* base units */
    int64_t spent;            /* quote units paid (buy) or received (sell) */
} chain_ex_place_result;

__attribute__((warn_unused_result)) chain_ex_code chain_ex_create(chain_ex **ex, const chain_ex_opts *o);
void chain_ex_free(chain_ex *ex);

/* --- custody events (the economy reports what the chains do) --- */

/* A deposit (transfer to the exchange) of amount units of coin by account
 * entered the best chain at height; deposit_id is the caller's name for it
 * (e.g. the first 8 bytes of the transfer id); reporting a known deposit again
 * (re-inclusion after a reorganisation) sets its height. */
chain_ex_code chain_ex_deposit_seen(chain_ex *ex, unsigned coin, uint32_t account, int64_t amount,
                                    uint64_t deposit_id, uint64_t height);
/* The deposit's block left the best chain (see Reorganisations). */
chain_ex_code chain_ex_deposit_removed(chain_ex *ex, unsigned coin, uint64_t deposit_id);
/* The best chain of coin now ends at height: credits deposits and confirms
 * withdrawals that reached the confirmations. */
chain_ex_code chain_ex_tip(chain_ex *ex, unsigned coin, uint64_t height);
/* Funds the exchange directly (bootstrap: coins the exchange's own account
 * mined before trading started, credited to account's free balance, already
 * confirmed). */
chain_ex_code chain_ex_grant(chain_ex *ex, unsigned coin, uint32_t account, int64_t amount);
/* Withdraws amount units of coin of account (free balance; refused while owed,
 * or beyond custody - pending: see Debt).
 * Out: *wid, the withdrawal id the economy names the transfer by. */
chain_ex_code chain_ex_withdraw(chain_ex *ex, unsigned coin, uint32_t account, int64_t amount, uint64_t *wid,
                                char reason[CHAIN_EX_REASON_MAX]);
chain_ex_code chain_ex_withdrawal_seen(chain_ex *ex, unsigned coin, uint64_t wid, uint64_t height);
chain_ex_code chain_ex_withdrawal_removed(chain_ex *ex, unsigned coin, uint64_t wid);

/* --- trading --- */

/* Places an order for account: side BSE_MATCH_BUY/SELL, type BSE_MATCH_LIMIT /
 * MARKET / IOC, price in ticks (1..CHAIN_EX_PRICE_MAX; ignored for market),
 * qty base units (a positive multiple of CHAIN_EX_QTY_STEP, <= CHAIN_EX_QTY_MAX),
 * budget: market buys only, the most quote units to spend (0 = all free).
 * Refused (CHAIN_EX_EREFUSED, reason, nothing changed) when a value is off
 * range or off step or the free balance does not cover the escrow. */
chain_ex_code chain_ex_place(chain_ex *ex, uint32_t account, unsigned pair, int side, int type, int64_t price,
                             int64_t qty, int64_t budget, double time, chain_ex_place_result *res,
                             char reason[CHAIN_EX_REASON_MAX]);
/* Cancels account's resting order id (refused when it is not the account's). */
chain_ex_code chain_ex_cancel(chain_ex *ex, uint32_t account, uint64_t id, char reason[CHAIN_EX_REASON_MAX]);

/* --- queries --- */
chain_ex_balance chain_ex_balance_of(const chain_ex *ex, uint32_t account, unsigned coin);
int64_t chain_ex_custody(const chain_ex *ex, unsigned coin);
int64_t chain_ex_pending_withdrawals(const chain_ex *ex, unsigned coin);
/* Deposits of account on coin seen but not credited (the trader's coins in flight). */
int64_t chain_ex_uncredited(const chain_ex *ex, uint32_t account, unsigned coin);
/* account's resting orders, by id ascending; returns how many it has (writes at most max). */
size_t chain_ex_orders_of(const chain_ex *ex, uint32_t account, chain_ex_order_info *out, size_t max);
/* The pair's book (read-only) and last trade price (0 before any trade). */
const bse_match *chain_ex_book(const chain_ex *ex, unsigned pair);
int64_t chain_ex_last_price(const chain_ex *ex, unsigned pair);

/* The error record of the last failed check_every verification (code 0 when none). */
const common_error *chain_ex_last_error(const chain_ex *ex);

/* Verifies the INVARIANT. Returns 0, or CHAIN_EX_EINVARIANT with err saying
 * which coin and by how much. */
chain_ex_code chain_ex_check(const chain_ex *ex, common_error *err);

/* The INVARIANT's coin equation alone, in O(1): per coin, custody = the running
 * sum of every account's free + locked - owed (kept by the one function through
 * which every balance change goes, and compared with a real sum by
 * chain_ex_check) + pending withdrawals. Catches any operation that makes or
 * loses coins; the escrow and book structure are chain_ex_check's. For runs too
 * large for a full check after every event. Returns 0 or CHAIN_EX_EINVARIANT. */
chain_ex_code chain_ex_check_fast(const chain_ex *ex, common_error *err);

#endif /* CHAIN_EXCHANGE_CLEARING_H */
