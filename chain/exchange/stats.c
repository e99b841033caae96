/* chain/exchange/stats.c - per pair per period OHLC/VWAP/volume and book
 * snapshots (stats.h). Period bounds are start + k x period_s computed afresh for
 * each k (no running sum), so they do not drift and replay bit for bit. */
#include "chain/exchange/stats.h"

#include <assert.h>
#include <math.h>
#include <string.h>

void chain_ex_stats_bar_init(chain_ex_stats_bar *b, unsigned pair, uint64_t period, double t0, double t1,
                             int64_t prev_close)
{
    assert(b);
    memset(b, 0, sizeof *b);
    b->pair = pair;
    b->period = period;
    b->t0 = t0;
    b->t1 = t1;
    b->open = b->high = b->low = b->close = prev_close;
}

void chain_ex_stats_bar_add(chain_ex_stats_bar *b, int64_t price, int64_t qty, int64_t quote)
{
    assert(b);
    if (b->n_trades == 0) {
        b->open = b->high = b->low = price;
    } else {
        if (price > b->high)
            b->high = price;
        if (price < b->low)
            b->low = price;
    }
    b->close = price;
    b->volume_base += qty;
    b->volume_quote += quote;
    b->n_trades++;
}

double chain_ex_stats_vwap(const chain_ex_stats_bar *b)
{
    assert(b);
    if (b->volume_base <= 0)
        return 0.0;
    return (double)b->volume_quote * 10000.0 / (double)b->volume_base;
}

static double bound(const chain_ex_stats *s, uint64_t k)
{
    return s->start + (double)k * s->period_s;
}

static void open_period(chain_ex_stats *s, uint64_t k, const int64_t prev[CHAIN_EX_PAIRS])
{
    s->period = k;
    for (unsigned p = 0; p < CHAIN_EX_PAIRS; p++)
        chain_ex_stats_bar_init(&s->cur[p], p, k, bound(s, k), bound(s, k + 1), prev ? prev[p] : 0);
}

int chain_ex_stats_init(chain_ex_stats *s, double start, double period_s)
{
    assert(s);
    memset(s, 0, sizeof *s);
    if (!isfinite(start) || !isfinite(period_s) || !(period_s > 0))
        return -1;
    s->start = start;
    s->period_s = period_s;
    open_period(s, 0, NULL);
    return 0;
}

void chain_ex_stats_flush(chain_ex_stats *s, chain_ex_stats_emit_fn emit, void *user)
{
    assert(s);
    int64_t prev[CHAIN_EX_PAIRS];
    for (unsigned p = 0; p < CHAIN_EX_PAIRS; p++) {
        if (emit)
            emit(user, &s->cur[p]);
        prev[p] = s->cur[p].close;
    }
    open_period(s, s->period + 1, prev);
}

void chain_ex_stats_advance(chain_ex_stats *s, double t, chain_ex_stats_emit_fn emit, void *user)
{
    assert(s);
    if (!isfinite(t))
        return;
    while (t >= s->cur[0].t1)
        chain_ex_stats_flush(s, emit, user);
}

void chain_ex_stats_add(chain_ex_stats *s, const chain_ex_trade *t, chain_ex_stats_emit_fn emit, void *user)
{
    assert(s && t);
    if (t->pair >= CHAIN_EX_PAIRS)
        return;
    chain_ex_stats_advance(s, t->time, emit, user);
    chain_ex_stats_bar_add(&s->cur[t->pair], t->price, t->qty, t->quote);
}

void chain_ex_stats_book_of(chain_ex_stats_book *out, const bse_match *m, size_t levels)
{
    assert(out && m);
    memset(out, 0, sizeof *out);
    if (levels > CHAIN_EX_STATS_LEVELS_MAX)
        levels = CHAIN_EX_STATS_LEVELS_MAX;
    out->best_bid = bse_match_best_bid(m);
    out->best_ask = bse_match_best_ask(m);
    if (out->best_bid > 0 && out->best_ask > 0) {
        out->spread = out->best_ask - out->best_bid;
        out->mid = ((double)out->best_bid + (double)out->best_ask) / 2.0;
    }
    out->n_bids = bse_match_depth(m, BSE_MATCH_BUY, out->bids, levels);
    out->n_asks = bse_match_depth(m, BSE_MATCH_SELL, out->asks, levels);
    for (size_t i = 0; i < out->n_bids; i++)
        out->depth_bid += out->bids[i][1];
    for (size_t i = 0; i < out->n_asks; i++)
        out->depth_ask += out->asks[i][1];
}
