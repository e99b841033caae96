/* chain/economy/market.c - the market bookkeeping both economy modes share (market.h). */
#include "chain/economy/market.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/file.h"

#define HIST CHAIN_ECON_HISTORY
#define RECENT CHAIN_ECON_RECENT
#define SNAP CHAIN_ECON_SNAP_TRADES
#define CLOSES CHAIN_ECON_CLOSES

void chain_econ_market_trade(chain_econ_market *m, const chain_ex_trade *tr)
{
    chain_econ_pair_stats *ps = &m->ps[tr->pair];
    ps->hist[ps->h_head] = tr->price;
    ps->h_head = (ps->h_head + 1) % HIST;
    if (ps->n_hist < HIST)
        ps->n_hist++;
    ps->recent[ps->r_head][0] = tr->time;
    ps->recent[ps->r_head][1] = (double)tr->price;
    ps->recent[ps->r_head][2] = (double)tr->qty;
    ps->r_head = (ps->r_head + 1) % RECENT;
    if (ps->n_recent < RECENT)
        ps->n_recent++;
    if (!ps->trades)
        ps->open = ps->high = ps->low = tr->price;
    if (tr->price > ps->high)
        ps->high = tr->price;
    if (tr->price < ps->low)
        ps->low = tr->price;
    ps->close = tr->price;
    ps->vol += tr->qty;
    ps->total_volume += tr->qty;
    ps->trades++;
    ps->notional += (double)tr->price * (double)tr->qty;
    m->snap[m->snap_head] = (chain_econ_snap_trade){tr->time, tr->pair, tr->price, tr->qty, tr->buyer, tr->seller};
    m->snap_head = (m->snap_head + 1) % SNAP;
    if (m->n_snap < SNAP)
        m->n_snap++;
    m->trades++;
}

void chain_econ_market_values(const chain_ex *ex, const int64_t initial_price[CHAIN_EX_PAIRS],
                              double v[CHAIN_EX_COINS])
{
    int64_t ba = chain_ex_last_price(ex, 0), ca = chain_ex_last_price(ex, 1);
    if (!ba)
        ba = initial_price[0];
    if (!ca)
        ca = initial_price[1];
    v[0] = 1.0;
    v[1] = (double)ba / 10000.0;
    v[2] = (double)ca / 10000.0;
}

void chain_econ_market_books(const chain_econ_market *m, const chain_ex *ex,
                             const int64_t initial_price[CHAIN_EX_PAIRS], chain_econ_book_view bv[CHAIN_EX_PAIRS])
{
    memset(bv, 0, sizeof(chain_econ_book_view) * CHAIN_EX_PAIRS);
    for (unsigned p = 0; p < CHAIN_EX_PAIRS; p++) {
        const bse_match *bm = chain_ex_book(ex, p);
        bv[p].n_bids = bse_match_depth(bm, BSE_MATCH_BUY, bv[p].bids, CHAIN_ECON_DEPTH);
        bv[p].n_asks = bse_match_depth(bm, BSE_MATCH_SELL, bv[p].asks, CHAIN_ECON_DEPTH);
        int64_t last = chain_ex_last_price(ex, p);
        bv[p].last_price = last ? last : initial_price[p];
        const chain_econ_pair_stats *ps = &m->ps[p];
        for (size_t k = 0; k < ps->n_hist; k++)
            bv[p].history[k] = ps->hist[(ps->h_head + HIST - ps->n_hist + k) % HIST];
        bv[p].n_history = ps->n_hist;
        for (size_t k = 0; k < ps->n_recent; k++)
            memcpy(bv[p].recent[k], ps->recent[(ps->r_head + RECENT - ps->n_recent + k) % RECENT], sizeof(double) * 3);
        bv[p].n_recent = ps->n_recent;
    }
}

void chain_econ_market_end_period(chain_econ_market *m, const chain_ex *ex,
                                  const int64_t initial_price[CHAIN_EX_PAIRS])
{
    for (unsigned p = 0; p < CHAIN_EX_PAIRS; p++) {
        chain_econ_pair_stats *ps = &m->ps[p];
        int64_t close = ps->trades ? ps->close : chain_ex_last_price(ex, p);
        ps->closes[ps->c_head] = close ? close : initial_price[p];
        ps->c_head = (ps->c_head + 1) % CLOSES;
        if (ps->n_closes < CLOSES)
            ps->n_closes++;
        ps->open = ps->high = ps->low = ps->close = 0;
        ps->vol = ps->trades = 0;
        ps->notional = 0;
    }
}

cJSON *chain_econ_market_snapshot(const chain_econ_market *m, const chain_ex *ex, const char *run, double t,
                                  double duration, int final, int custody_ok, const chain_econ_snap_src *src)
{
    cJSON *o = cJSON_CreateObject();
    if (!o)
        return NULL;
    cJSON_AddNumberToObject(o, "version", 1);
    cJSON_AddStringToObject(o, "run", run);
    cJSON_AddNumberToObject(o, "t", t);
    cJSON_AddNumberToObject(o, "duration", duration);
    cJSON_AddBoolToObject(o, "final", final);
    cJSON *pairs = cJSON_AddObjectToObject(o, "pairs");
    for (unsigned p = 0; p < CHAIN_EX_PAIRS && pairs; p++) {
        cJSON *po = cJSON_AddObjectToObject(pairs, chain_ex_pair(p)->name);
        if (!po)
            break;
        const bse_match *bm = chain_ex_book(ex, p);
        cJSON_AddNumberToObject(po, "last", (double)chain_ex_last_price(ex, p));
        for (int side = 0; side < 2; side++) {
            int64_t lv[CHAIN_ECON_DEPTH][2];
            size_t n = bse_match_depth(bm, side ? BSE_MATCH_SELL : BSE_MATCH_BUY, lv, CHAIN_ECON_DEPTH);
            cJSON *arr = cJSON_AddArrayToObject(po, side ? "asks" : "bids");
            for (size_t k = 0; k < n && arr; k++) {
                cJSON *l = cJSON_CreateArray();
                cJSON_AddItemToArray(l, cJSON_CreateNumber((double)lv[k][0]));
                cJSON_AddItemToArray(l, cJSON_CreateNumber((double)lv[k][1]));
                cJSON_AddItemToArray(arr, l);
            }
        }
        const chain_econ_pair_stats *ps = &m->ps[p];
        cJSON *cl = cJSON_AddArrayToObject(po, "closes");
        for (size_t k = 0; k < ps->n_closes && cl; k++)
            cJSON_AddItemToArray(cl,
                                 cJSON_CreateNumber((double)ps->closes[(ps->c_head + CLOSES - ps->n_closes + k) % CLOSES]));
        cJSON_AddNumberToObject(po, "volume", (double)ps->total_volume);
    }
    cJSON *tr = cJSON_AddArrayToObject(o, "trades");
    for (size_t k = 0; k < m->n_snap && tr; k++) {
        const chain_econ_snap_trade *s = &m->snap[(m->snap_head + SNAP - m->n_snap + k) % SNAP];
        cJSON *l = cJSON_CreateArray();
        cJSON_AddItemToArray(l, cJSON_CreateNumber(s->t));
        cJSON_AddItemToArray(l, cJSON_CreateString(chain_ex_pair(s->pair)->name));
        cJSON_AddItemToArray(l, cJSON_CreateNumber((double)s->price));
        cJSON_AddItemToArray(l, cJSON_CreateNumber((double)s->qty));
        cJSON_AddItemToArray(l, cJSON_CreateString(src->label(src->user, s->buyer)));
        cJSON_AddItemToArray(l, cJSON_CreateString(src->label(src->user, s->seller)));
        cJSON_AddItemToArray(tr, l);
    }
    /* the ten largest by value (ties: lower index first) */
    uint32_t top[10];
    double topv[10];
    size_t nt = 0;
    for (uint32_t i = 0; i < src->n_agents; i++) {
        double val = src->value(src->user, i);
        size_t k = nt;
        while (k > 0 && topv[k - 1] < val)
            k--;
        if (k >= 10)
            continue;
        size_t last = nt < 10 ? nt : 9;
        for (size_t j = last; j > k; j--) {
            top[j] = top[j - 1];
            topv[j] = topv[j - 1];
        }
        top[k] = i;
        topv[k] = val;
        if (nt < 10)
            nt++;
    }
    cJSON *ta = cJSON_AddArrayToObject(o, "top");
    for (size_t k = 0; k < nt && ta; k++) {
        cJSON *e = cJSON_CreateObject();
        cJSON_AddStringToObject(e, "agent", src->label(src->user, top[k]));
        cJSON_AddNumberToObject(e, "value", topv[k]);
        int64_t units[CHAIN_EX_COINS];
        src->holdings(src->user, top[k], units);
        for (unsigned c = 0; c < CHAIN_EX_COINS; c++)
            cJSON_AddNumberToObject(e, chain_ex_coin_name(c), (double)units[c]);
        cJSON_AddItemToArray(ta, e);
    }
    cJSON_AddBoolToObject(o, "custody_ok", custody_ok);
    return o;
}

int chain_econ_market_write_snapshot(const char *dir, cJSON *doc)
{
    if (!doc)
        return -1;
    char *txt = cJSON_PrintUnformatted(doc);
    cJSON_Delete(doc);
    if (!txt)
        return -1;
    char path[1200];
    snprintf(path, sizeof path, "%s/economy.json", dir);
    common_error e;
    int rc = common_file_write(&e, path, txt, strlen(txt), 0644, 0) == COMMON_FILE_OK ? 0 : -1;
    free(txt);
    return rc;
}
