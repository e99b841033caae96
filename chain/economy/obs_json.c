/* chain/economy/obs_json.c - the JSON writers and the observation encoder of both the
 * external agents (s7) and the live protocol (obs_json.h). */
#include "chain/economy/obs_json.h"

#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#define JSON_INT_MAX 9007199254740992.0 /* 2^53: the largest integer a JSON double holds exactly */

static const char *const COINS[CHAIN_EX_COINS] = {"ALPHA", "BRAVO", "CHARLIE"};
static const char *const CHAINS[CHAIN_EX_COINS] = {"alpha", "bravo", "charlie"};

void chain_econ_json_str(common_buf *b, const char *s, chain_econ_json_style style)
{
    static const char HEX[] = "0123456789abcdef";
    common_buf_append(b, "\"", 1);
    const unsigned char *p = (const unsigned char *)s;
    while (*p) {
        unsigned char c = *p;
        if (c == '"' || c == '\\') {
            char e[2] = {'\\', (char)c};
            common_buf_append(b, e, 2);
            p++;
        } else if (style == CHAIN_ECON_JSON_S7 && (c == '\n' || c == '\r' || c == '\t')) {
            char e[2] = {'\\', c == '\n' ? 'n' : c == '\r' ? 'r' : 't'};
            common_buf_append(b, e, 2);
            p++;
        } else if (c < 0x20) {
            char e[6] = {'\\', 'u', '0', '0', HEX[c >> 4], HEX[c & 15]};
            common_buf_append(b, e, 6);
            p++;
        } else if (c < 0x80 || style == CHAIN_ECON_JSON_LIVE) {
            common_buf_append(b, p, 1);
            p++;
        } else {
            /* S7: UTF-8 passes through when well formed; any other byte becomes U+FFFD */
            size_t n = (c >= 0xc2 && c <= 0xdf) ? 2 : (c >= 0xe0 && c <= 0xef) ? 3 : (c >= 0xf0 && c <= 0xf4) ? 4 : 0;
            size_t k = 1;
            while (n && k < n && (p[k] & 0xc0) == 0x80)
                k++;
            if (n && k == n) {
                common_buf_append(b, p, n);
                p += n;
            } else {
                common_buf_append(b, "\\ufffd", 6);
                p++;
            }
        }
    }
    common_buf_append(b, "\"", 1);
}

void chain_econ_json_real(common_buf *b, double v, chain_econ_json_style style)
{
    if (!isfinite(v)) { /* JSON has no NaN */
        common_buf_append(b, "null", 4);
        return;
    }
    if (v == floor(v) && fabs(v) < JSON_INT_MAX) {
        common_buf_printf(b, "%" PRId64, (int64_t)v);
        return;
    }
    if (style == CHAIN_ECON_JSON_LIVE) {
        common_buf_printf(b, "%.17g", v);
        return;
    }
    char s[40];
    for (int prec = 15; prec <= 17; prec++) { /* the shortest that reads back as v */
        snprintf(s, sizeof s, "%.*g", prec, v);
        if (strtod(s, NULL) == v)
            break;
    }
    common_buf_printf(b, "%s", s);
}

static void put_levels(common_buf *b, const int64_t (*lv)[2], size_t n)
{
    common_buf_append(b, "[", 1);
    for (size_t i = 0; i < n && i < CHAIN_ECON_DEPTH; i++)
        common_buf_printf(b, "%s[%" PRId64 ",%" PRId64 "]", i ? "," : "", lv[i][0], lv[i][1]);
    common_buf_append(b, "]", 1);
}

int chain_econ_obs_json(common_buf *b, const chain_econ_obs *o, uint64_t step, const chain_econ_obs_json_opts *opts)
{
    static const chain_econ_obs_json_opts S7 = {0, CHAIN_ECON_JSON_S7};
    if (!opts)
        opts = &S7;
    const unsigned x = opts->extra;
    const chain_econ_json_style st = opts->style;

    common_buf_printf(b, "{\"type\":\"observation\",\"step\":%" PRIu64 ",\"t\":", step);
    chain_econ_json_real(b, o->t, st);
    if (x & CHAIN_ECON_OBS_AGENT)
        common_buf_printf(b, ",\"agent\":%" PRIu32, o->agent);
    common_buf_append(b, ",\"balances\":{", 13);
    for (unsigned c = 0; c < CHAIN_EX_COINS; c++) {
        common_buf_printf(b, "%s\"%s\":{\"free\":%" PRId64 ",\"locked\":%" PRId64, c ? "," : "", COINS[c],
                          o->ex[c].free, o->ex[c].locked);
        if (x & CHAIN_ECON_OBS_OWED)
            common_buf_printf(b, ",\"owed\":%" PRId64, o->ex[c].owed);
        common_buf_append(b, "}", 1);
    }
    common_buf_append(b, "}", 1);
    if (x & CHAIN_ECON_OBS_ONCHAIN) {
        common_buf_append(b, ",\"onchain\":{", 12);
        for (unsigned c = 0; c < CHAIN_EX_COINS; c++)
            common_buf_printf(b, "%s\"%s\":%" PRId64, c ? "," : "", COINS[c], o->onchain[c]);
        common_buf_append(b, "}", 1);
    }
    if (x & CHAIN_ECON_OBS_FIAT)
        common_buf_printf(b, ",\"fiat\":%" PRId64, o->fiat);
    common_buf_append(b, ",\"orders\":[", 11);
    size_t shown = 0;
    for (size_t i = 0; o->orders && i < o->n_orders; i++) {
        const chain_ex_order_info *r = &o->orders[i];
        if (r->pair >= CHAIN_EX_PAIRS && st == CHAIN_ECON_JSON_S7)
            continue;
        common_buf_printf(b,
                          "%s{\"id\":%" PRIu64 ",\"pair\":\"%s\",\"side\":\"%s\",\"price\":%" PRId64 ",\"qty\":%" PRId64
                          ",\"filled\":%" PRId64 "}",
                          shown++ ? "," : "", r->id, chain_ex_pair(r->pair % CHAIN_EX_PAIRS)->name,
                          r->side == BSE_MATCH_SELL ? "sell" : "buy", r->price, r->qty, r->filled);
    }
    common_buf_append(b, "],\"books\":{", 11);
    for (unsigned p = 0; p < CHAIN_EX_PAIRS; p++) {
        const chain_econ_book_view *v = &o->books[p];
        common_buf_printf(b, "%s\"%s\":{\"bids\":", p ? "," : "", chain_ex_pair(p)->name);
        put_levels(b, (const int64_t(*)[2])v->bids, v->n_bids);
        common_buf_append(b, ",\"asks\":", 8);
        put_levels(b, (const int64_t(*)[2])v->asks, v->n_asks);
        if (x & CHAIN_ECON_OBS_BOOK_LAST) {
            common_buf_printf(b, ",\"last\":%" PRId64 ",\"history\":[", v->last_price);
            for (size_t i = 0; i < v->n_history && i < CHAIN_ECON_HISTORY; i++)
                common_buf_printf(b, "%s%" PRId64, i ? "," : "", v->history[i]);
            common_buf_append(b, "]", 1);
        }
        common_buf_append(b, "}", 1);
    }
    common_buf_append(b, "},\"trades\":{", 12);
    for (unsigned p = 0; p < CHAIN_EX_PAIRS; p++) {
        const chain_econ_book_view *v = &o->books[p];
        common_buf_printf(b, "%s\"%s\":[", p ? "," : "", chain_ex_pair(p)->name);
        for (size_t i = 0; i < v->n_recent && i < CHAIN_ECON_RECENT; i++) {
            common_buf_append(b, i ? ",[" : "[", i ? 2 : 1);
            for (int k = 0; k < 3; k++) {
                if (k)
                    common_buf_append(b, ",", 1);
                chain_econ_json_real(b, v->recent[i][k], st);
            }
            common_buf_append(b, "]", 1);
        }
        common_buf_append(b, "]", 1);
    }
    common_buf_append(b, "},\"chains\":{", 12);
    for (unsigned c = 0; c < CHAIN_EX_COINS; c++)
        common_buf_printf(b, "%s\"%s\":{\"height\":%" PRIu64 "}", c ? "," : "", CHAINS[c], o->heights[c]);
    common_buf_append(b, "},\"news\":{", 10);
    for (unsigned c = 0; c < CHAIN_EX_COINS; c++)
        common_buf_printf(b, "%s\"%s\":%d", c ? "," : "", COINS[c], o->news[c] > 0 ? 1 : o->news[c] < 0 ? -1 : 0);
    common_buf_append(b, "}", 1);
    if (x & CHAIN_ECON_OBS_FUNDAMENTAL) {
        common_buf_append(b, ",\"fundamental\":{", 16);
        for (unsigned c = 0; c < CHAIN_EX_COINS; c++) {
            common_buf_printf(b, "%s\"%s\":", c ? "," : "", COINS[c]);
            chain_econ_json_real(b, o->fundamental[c], st);
        }
        common_buf_append(b, "}", 1);
    }
    if (o->errors && o->n_errors) {
        common_buf_append(b, ",\"errors\":[", 11);
        for (size_t i = 0; i < o->n_errors; i++) {
            if (i)
                common_buf_append(b, ",", 1);
            chain_econ_json_str(b, o->errors[i] ? o->errors[i] : "", st);
        }
        common_buf_append(b, "]", 1);
    }
    common_buf_append(b, ",\"reward\":", 10);
    chain_econ_json_real(b, o->reward, st);
    common_buf_append(b, "}\n", 2);
    return b->oom ? -1 : 0;
}
