/* chain/economy/trader_grid.c - "grid" (economy.md s5, seed 003): a grid
 * trader between one coin and AlphaCoin ("cash") that harvests the market's
 * chop while never selling at a loss.
 *
 * - Split: at its first steps it brings its holdings of coin and ALPHA to a
 *   50/50 value split (IOC orders at the best level, until within split_tol).
 *   That half in coin is its core position, which the grid never sells.
 * - Grid: price lines anchor x (1 + spacing)^k, anchored at the price when it
 *   starts (and again when the spacing changes). It rests one limit buy on
 *   the line below the current price (the pair's last trade, else the mid);
 *   a filled buy becomes a lot remembered with its buy price, and a limit sell
 *   of exactly that lot rests on the line above the lot's own buy line. So a
 *   lot is only ever sold above the price it was bought at (seed 003: "we only
 *   sell from buys we have made below the specific sell line") - even after
 *   the spacing changes, a lot keeps the sell price it was given.
 * - Back-off in price and time: while max_open lots are unsold, no new buy
 *   before backoff seconds after the last buy, and then only on a line below
 *   the lowest unsold lot; each such buy doubles the wait for the next, each
 *   sold lot halves it (never below backoff_s).
 * - Adaptation: at the end of every period_s it compares the round trips
 *   (lots sold) of the period with target_trips: fewer - the spacing narrows
 *   by 20%; more than max_trips - it widens by 25% (within min_spacing ..
 *   max_spacing); a changed spacing re-anchors the grid at the current price.
 * - Cash floor: a buy is made only if its AlphaCoin holding stays at least
 *   cash_floor of its total value (coin at the current price + ALPHA).
 * Each buy costs lot_frac of the total value (and no more than is free).
 * Its own orders are followed through the observation: an order it placed is
 * found by (pair, side, price, qty); one that disappears without its cancel
 * filled (or was refused, when the observation reports refusals).
 *
 * Params (defaults):
 *   coin          "BRAVO"  the coin traded against ALPHA ("BRAVO" or "CHARLIE")
 *   spacing       0.01     grid spacing, relative (0.0005..0.5)
 *   lot_frac      0.05     cost of one buy as a fraction of the total value (0..1)
 *   cash_floor    0.25     ALPHA kept, as a fraction of the total value (0..1)
 *   split_tol     0.02     tolerance of the 50/50 split (0..0.5)
 *   max_open      3        unsold lots before the back-off applies (1..24)
 *   backoff_s     3600     base wait after the last buy under back-off, seconds (>= 0)
 *   target_trips  1        wanted round trips per period (>= 0)
 *   max_trips     3        round trips per period above which the grid widens (>= target_trips)
 *   period_s      3600     adaptation period, seconds (> 0)
 *   adapt         true     adapt the spacing
 *   min_spacing   0.002    (0.0005..0.5)
 *   max_spacing   0.2      (0.0005..0.5, >= min_spacing)
 */
#include <math.h>
#include <stdlib.h>

#include "chain/economy/traders.h"

#define GRID_LOTS 24

enum { ORD_NONE = 0, ORD_PENDING = 1, ORD_LIVE = 2 };

typedef struct grid_ord {
    int state;
    int cancelled;       /* we asked for its cancel */
    uint64_t id;
    int64_t price, qty, filled;
} grid_ord;

typedef struct grid_lot {
    int active;
    int64_t qty, buy_px, sell_px;
    grid_ord sell;
} grid_lot;

typedef struct grid {
    /* params */
    unsigned coin, pair;
    double spacing, lot_frac, cash_floor, split_tol, backoff_s, target_trips, max_trips, period_s;
    double min_spacing, max_spacing;
    int64_t max_open;
    int adapt;
    /* state */
    int started, split_done, split_steps;
    double anchor;       /* quote coins per coin */
    grid_ord buy;
    int64_t buy_sell_px; /* the sell line of the lot the resting buy would make */
    grid_lot lots[GRID_LOTS];
    double last_buy_t, wait_s;
    int64_t period, trips;
} grid;

static int grid_init(void **state, const cJSON *params, const chain_econ_hello *hello, common_error *err)
{
    (void)hello;
    *state = NULL;
    grid *s = calloc(1, sizeof *s);
    if (!s) {
        common_error_set(err, 1, "", "params", "out of memory");
        return -1;
    }
    s->coin = 1;
    s->spacing = 0.01;
    s->lot_frac = 0.05;
    s->cash_floor = 0.25;
    s->split_tol = 0.02;
    s->max_open = 3;
    s->backoff_s = 3600;
    s->target_trips = 1;
    s->max_trips = 3;
    s->period_s = 3600;
    s->adapt = 1;
    s->min_spacing = 0.002;
    s->max_spacing = 0.2;
    const chain_econ_param specs[] = {
        {"coin", CHAIN_ECON_PARAM_COIN, 1, 2, &s->coin},
        {"spacing", CHAIN_ECON_PARAM_NUM, 0.0005, 0.5, &s->spacing},
        {"lot_frac", CHAIN_ECON_PARAM_NUM, 0, 1, &s->lot_frac},
        {"cash_floor", CHAIN_ECON_PARAM_NUM, 0, 1, &s->cash_floor},
        {"split_tol", CHAIN_ECON_PARAM_NUM, 0, 0.5, &s->split_tol},
        {"max_open", CHAIN_ECON_PARAM_INT, 1, GRID_LOTS, &s->max_open},
        {"backoff_s", CHAIN_ECON_PARAM_NUM, 0, 1e12, &s->backoff_s},
        {"target_trips", CHAIN_ECON_PARAM_NUM, 0, 1e9, &s->target_trips},
        {"max_trips", CHAIN_ECON_PARAM_NUM, 0, 1e9, &s->max_trips},
        {"period_s", CHAIN_ECON_PARAM_NUM, 1e-3, 1e12, &s->period_s},
        {"adapt", CHAIN_ECON_PARAM_BOOL, 0, 1, &s->adapt},
        {"min_spacing", CHAIN_ECON_PARAM_NUM, 0.0005, 0.5, &s->min_spacing},
        {"max_spacing", CHAIN_ECON_PARAM_NUM, 0.0005, 0.5, &s->max_spacing},
    };
    if (chain_econ_params_read(params, specs, sizeof specs / sizeof specs[0], err) != 0) {
        free(s);
        return -1;
    }
    if (s->max_trips < s->target_trips) {
        common_error_set(err, 1, "", "params.max_trips", "must be >= target_trips (%g)", s->target_trips);
        free(s);
        return -1;
    }
    if (s->max_spacing < s->min_spacing) {
        common_error_set(err, 1, "", "params.max_spacing", "must be >= min_spacing (%g)", s->min_spacing);
        free(s);
        return -1;
    }
    s->pair = s->coin == 1 ? 0 : 1;
    s->wait_s = s->backoff_s;
    s->last_buy_t = -1e300;
    *state = s;
    return 0;
}

/* The current price in quote coins per coin: last trade, else mid, else 1. */
static double grid_price(const chain_econ_book_view *bv)
{
    if (bv->last_price > 0)
        return (double)bv->last_price / 1e4;
    if (bv->n_bids > 0 && bv->n_asks > 0)
        return (double)(bv->bids[0][0] + bv->asks[0][0]) / 2e4;
    if (bv->n_asks > 0)
        return (double)bv->asks[0][0] / 1e4;
    if (bv->n_bids > 0)
        return (double)bv->bids[0][0] / 1e4;
    return 1.0;
}

static double line_price(const grid *s, int64_t k)
{
    return s->anchor * pow(1 + s->spacing, (double)k);
}

/* Index of the highest line strictly below p. */
static int64_t line_below(const grid *s, double p)
{
    int64_t k = (int64_t)ceil(log(p / s->anchor) / log(1 + s->spacing)) - 1;
    while (line_price(s, k + 1) < p)
        k++;
    while (line_price(s, k) >= p)
        k--;
    return k;
}

/* Whether an unsold lot was bought on line k (within half a spacing: lines move when the grid re-anchors). */
static int line_taken(const grid *s, int64_t k)
{
    double lp = line_price(s, k) * 1e4;
    for (int i = 0; i < GRID_LOTS; i++)
        if (s->lots[i].active && fabs((double)s->lots[i].buy_px - lp) < 0.5 * s->spacing * lp)
            return 1;
    return 0;
}

static int id_claimed(const grid *s, uint64_t id)
{
    if (s->buy.state == ORD_LIVE && s->buy.id == id)
        return 1;
    for (int i = 0; i < GRID_LOTS; i++)
        if (s->lots[i].active && s->lots[i].sell.state == ORD_LIVE && s->lots[i].sell.id == id)
            return 1;
    return 0;
}

/* Follows o through the observation. Returns the quantity newly known to be
 * done (filled) when the order is over (o->state back to NONE), else -1. */
static int64_t track(grid *s, grid_ord *o, const chain_econ_obs *obs, int side)
{
    if (o->state == ORD_PENDING) {
        for (size_t i = 0; i < obs->n_orders; i++) {
            const chain_ex_order_info *x = &obs->orders[i];
            if (x->pair == s->pair && x->side == side && x->price == o->price && x->qty == o->qty &&
                !id_claimed(s, x->id)) {
                o->state = ORD_LIVE;
                o->id = x->id;
                o->filled = x->filled;
                return -1;
            }
        }
        o->state = ORD_NONE;
        return obs->n_errors > 0 ? 0 : o->qty; /* refused, or filled at once */
    }
    if (o->state == ORD_LIVE) {
        for (size_t i = 0; i < obs->n_orders; i++)
            if (obs->orders[i].id == o->id) {
                o->filled = obs->orders[i].filled;
                return -1;
            }
        o->state = ORD_NONE;
        return o->cancelled ? o->filled : o->qty;
    }
    return -1;
}

static void grid_split(grid *s, const chain_econ_obs *obs, double p, chain_econ_budget *b, chain_econ_action *act)
{
    const chain_econ_book_view *bv = &obs->books[s->pair];
    double coin_v = (double)chain_econ_holding(obs, s->coin) * p;
    double cash_v = (double)chain_econ_holding(obs, 0);
    double total = coin_v + cash_v;
    if (!(total > 0) || fabs(coin_v / total - 0.5) <= s->split_tol || s->split_steps >= 20) {
        s->split_done = 1;
        return;
    }
    s->split_steps++;
    double move = fabs(coin_v - total / 2); /* ALPHA units of value to move */
    if (coin_v < total / 2 && bv->n_asks > 0) {
        int64_t px = bv->asks[0][0];
        int64_t q = chain_econ_qty_floor((int64_t)(move / ((double)px / 1e4)));
        q = q < bv->asks[0][1] ? q : chain_econ_qty_floor(bv->asks[0][1]);
        int64_t afford = b->free[0] / px * CHAIN_EX_QTY_STEP;
        chain_econ_budget_order(act, b, s->pair, BSE_MATCH_BUY, BSE_MATCH_IOC, px, q < afford ? q : afford);
    } else if (coin_v > total / 2 && bv->n_bids > 0) {
        int64_t px = bv->bids[0][0];
        int64_t q = chain_econ_qty_floor((int64_t)(move / ((double)px / 1e4)));
        q = q < bv->bids[0][1] ? q : chain_econ_qty_floor(bv->bids[0][1]);
        int64_t have = b->free[s->coin];
        chain_econ_budget_order(act, b, s->pair, BSE_MATCH_SELL, BSE_MATCH_IOC, px, q < have ? q : have);
    }
}

static void grid_step(void *state, const chain_econ_obs *obs, chain_econ_rng *rng, chain_econ_action *act)
{
    (void)rng;
    grid *s = state;
    const chain_econ_book_view *bv = &obs->books[s->pair];
    double p = grid_price(bv);
    if (!s->started) {
        s->started = 1;
        s->anchor = p;
        s->period = (int64_t)floor(obs->t / s->period_s);
    }
    /* 1. what became of our orders */
    int64_t done = track(s, &s->buy, obs, BSE_MATCH_BUY);
    if (done > 0) {
        for (int i = 0; i < GRID_LOTS; i++)
            if (!s->lots[i].active) {
                s->lots[i] = (grid_lot){1, done, s->buy.price, s->buy_sell_px, {0}};
                break;
            }
        s->last_buy_t = obs->t;
    }
    for (int i = 0; i < GRID_LOTS; i++) {
        grid_lot *l = &s->lots[i];
        if (!l->active)
            continue;
        int was_pending = l->sell.state == ORD_PENDING;
        int64_t sold = track(s, &l->sell, obs, BSE_MATCH_SELL);
        if (sold < 0)
            continue;
        if (sold == 0 && was_pending)
            continue; /* refused: placed again below */
        l->qty -= sold;
        if (l->qty < CHAIN_EX_QTY_STEP) {
            l->active = 0;
            s->trips++;
            s->wait_s = s->wait_s / 2 > s->backoff_s ? s->wait_s / 2 : s->backoff_s;
        }
    }
    chain_econ_budget b;
    chain_econ_budget_init(&b, obs);
    /* 2. the 50/50 split */
    if (!s->split_done) {
        grid_split(s, obs, p, &b, act);
        if (!s->split_done)
            return;
    }
    /* 3. adaptation at the end of each period */
    int64_t period = (int64_t)floor(obs->t / s->period_s);
    if (period != s->period) {
        double sp = s->spacing;
        if (s->adapt) {
            if ((double)s->trips < s->target_trips)
                sp *= 0.8;
            else if ((double)s->trips > s->max_trips)
                sp *= 1.25;
            sp = sp < s->min_spacing ? s->min_spacing : sp > s->max_spacing ? s->max_spacing : sp;
        }
        if (sp != s->spacing) {
            s->spacing = sp;
            s->anchor = p;
            if (s->buy.state == ORD_LIVE && !s->buy.cancelled && act->n_cancels < CHAIN_ECON_MAX_CANCELS) {
                act->cancels[act->n_cancels++] = s->buy.id;
                s->buy.cancelled = 1;
            }
        }
        s->period = period;
        s->trips = 0;
    }
    /* 4. sells: each lot on its own line above */
    for (int i = 0; i < GRID_LOTS; i++) {
        grid_lot *l = &s->lots[i];
        if (!l->active || l->sell.state != ORD_NONE)
            continue;
        int64_t q = chain_econ_qty_floor(l->qty < b.free[s->coin] ? l->qty : b.free[s->coin]);
        if (l->sell_px > l->buy_px &&
            chain_econ_budget_order(act, &b, s->pair, BSE_MATCH_SELL, BSE_MATCH_LIMIT, l->sell_px, q))
            l->sell = (grid_ord){ORD_PENDING, 0, 0, l->sell_px, q, 0};
    }
    /* 5. the buy on the line below (one lot per line: lines holding an unsold lot are passed over) */
    int64_t k = line_below(s, p);
    for (int guard = 0; guard < GRID_LOTS && line_taken(s, k); guard++)
        k--;
    int64_t bp = (int64_t)floor(line_price(s, k) * 1e4);
    if (s->buy.state == ORD_LIVE && !s->buy.cancelled && bp > s->buy.price &&
        act->n_cancels < CHAIN_ECON_MAX_CANCELS) {
        act->cancels[act->n_cancels++] = s->buy.id; /* the price rose: follow it */
        s->buy.cancelled = 1;
    }
    if (s->buy.state != ORD_NONE || bp < 1)
        return;
    int open = 0;
    int64_t lowest = INT64_MAX;
    int free_slot = 0;
    for (int i = 0; i < GRID_LOTS; i++) {
        if (s->lots[i].active) {
            open++;
            if (s->lots[i].buy_px < lowest)
                lowest = s->lots[i].buy_px;
        } else {
            free_slot = 1;
        }
    }
    if (!free_slot)
        return;
    int backing_off = open >= s->max_open;
    if (backing_off && (obs->t < s->last_buy_t + s->wait_s || bp >= lowest))
        return;
    double cash = (double)chain_econ_holding(obs, 0);
    double total = cash + (double)chain_econ_holding(obs, s->coin) * p;
    double cost = s->lot_frac * total;
    double room = cash - s->cash_floor * total;
    if (cost > room)
        cost = room;
    if (cost > (double)b.free[0])
        cost = (double)b.free[0];
    if (!(cost > 0))
        return;
    int64_t q = ((int64_t)cost / bp) * CHAIN_EX_QTY_STEP;
    int64_t sp = (int64_t)floor(line_price(s, k + 1) * 1e4);
    if (sp <= bp)
        sp = bp + 1;
    if (chain_econ_budget_order(act, &b, s->pair, BSE_MATCH_BUY, BSE_MATCH_LIMIT, bp, q)) {
        s->buy = (grid_ord){ORD_PENDING, 0, 0, bp, q, 0};
        s->buy_sell_px = sp;
        if (backing_off)
            s->wait_s *= 2;
    }
}

static void grid_end(void *state, double value)
{
    (void)state, (void)value;
}

static void grid_destroy(void *state)
{
    free(state);
}

const chain_econ_trader_ops chain_econ_trader_grid = {"grid", grid_init, grid_step, grid_end, grid_destroy};
