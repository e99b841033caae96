/* chain/economy/outputs.c - CSV files and sidecar of an economy run (outputs.h). */
#include "chain/economy/outputs.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <csv.h>

#include "chain/economy/market.h"
#include "chain/economy/sim.h"
#include "common/cli.h"
#include "common/file.h"

static const char *const NAMES[CHAIN_ECON_OUT_N] = {"blocks.csv", "trades.csv", "prices.csv", "balances.csv",
                                                     "books.csv", "mining.csv", "errors.csv"};
static const char *const HEADERS[CHAIN_ECON_OUT_N] = {
    "chain,height,time_s,miner,txs,pps,attempts,post_bits,pass\n",
    "time_s,pair,price,qty,buyer,seller,buy_id,sell_id,taker\n",
    "period_start_s,pair,open,high,low,close,vwap,volume,trades\n",
    ("time_s,agent,ALPHA_chain,BRAVO_chain,CHARLIE_chain,ALPHA_exchange,BRAVO_exchange,CHARLIE_exchange,fiat,"
     "value_alpha\n"),
    "time_s,pair,best_bid,best_ask,spread,bid_depth,ask_depth\n",
    "period_start_s,agent,chain,rate,blocks\n",
    "time_s,agent,error\n",
};

static void fmt_fixed(char out[32], int64_t v, int64_t scale, int digits)
{
    uint64_t a = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
    snprintf(out, 32, "%s%" PRIu64 ".%0*" PRIu64, v < 0 ? "-" : "", a / (uint64_t)scale, digits, a % (uint64_t)scale);
}

void chain_econ_fmt_coins(char out[32], int64_t units) { fmt_fixed(out, units, 1000000, 6); }
void chain_econ_fmt_price(char out[32], int64_t ticks) { fmt_fixed(out, ticks, 10000, 4); }

static void tmp_path(char *p, size_t n, const chain_econ_outputs *w, int i, int tmp)
{
    snprintf(p, n, "%s/%s%s", w->dir, NAMES[i], tmp ? ".tmp" : "");
}

int chain_econ_outputs_open(chain_econ_outputs *w, common_error *err, const char *dir)
{
    return chain_econ_outputs_open_some(w, err, dir, CHAIN_ECON_OUT_ALL);
}

int chain_econ_outputs_open_some(chain_econ_outputs *w, common_error *err, const char *dir, unsigned mask)
{
    memset(w, 0, sizeof *w);
    snprintf(w->dir, sizeof w->dir, "%s", dir);
    for (int i = 0; i < CHAIN_ECON_OUT_N; i++) {
        if (!(mask & (1u << i)))
            continue;
        char p[1200];
        tmp_path(p, sizeof p, w, i, 1);
        w->f[i] = fopen(p, "w");
        w->opened[i] = w->f[i] != NULL;
        if (!w->f[i] || fputs(HEADERS[i], w->f[i]) < 0) {
            common_error_set(err, 2, p, "", "cannot write: %s", strerror(errno));
            for (int k = 0; k <= i; k++) {
                if (w->f[k])
                    fclose(w->f[k]);
                tmp_path(p, sizeof p, w, k, 1);
                if (w->opened[k])
                    unlink(p);
            }
            memset(w->f, 0, sizeof w->f);
            memset(w->opened, 0, sizeof w->opened);
            return -1;
        }
    }
    return 0;
}

/* --- one row, field by field --- */
static void field(chain_econ_outputs *w, const char *s)
{
    if (w->row.len && common_buf_append(&w->row, ",", 1))
        w->failed = 1;
    size_t n = strlen(s);
    if (!strpbrk(s, ",\"\r\n") && (n == 0 || (s[0] != ' ' && s[n - 1] != ' '))) {
        if (common_buf_append(&w->row, s, n))
            w->failed = 1;
        return;
    }
    char q[2 * 256 + 4];
    if (n > 256)
        n = 256;
    size_t need = csv_write(q, sizeof q, s, n);
    if (need > sizeof q || common_buf_append(&w->row, q, need))
        w->failed = 1;
}
static void fnum(chain_econ_outputs *w, const char *fmt, double v)
{
    char s[64];
    snprintf(s, sizeof s, fmt, v);
    field(w, s);
}
static void fint(chain_econ_outputs *w, int64_t v)
{
    char s[32];
    snprintf(s, sizeof s, "%" PRId64, v);
    field(w, s);
}
static void fcoins(chain_econ_outputs *w, int64_t u)
{
    char s[32];
    chain_econ_fmt_coins(s, u);
    field(w, s);
}
static void fprice(chain_econ_outputs *w, int64_t t)
{
    char s[32];
    chain_econ_fmt_price(s, t);
    field(w, s);
}
static void end_row(chain_econ_outputs *w, int i)
{
    if (w->f[i] && (fwrite(w->row.data, 1, w->row.len, w->f[i]) != w->row.len || fputc('\n', w->f[i]) == EOF))
        w->failed = 1;
    common_buf_reset(&w->row);
}
static void ftime(chain_econ_outputs *w, double t) { fnum(w, "%.3f", t); }

void chain_econ_outputs_block(chain_econ_outputs *w, const char *chain, uint64_t height, double t, const char *miner,
                              size_t txs, double pps, uint64_t attempts, uint32_t post_bits, double pass)
{
    field(w, chain);
    fint(w, (int64_t)height);
    ftime(w, t);
    field(w, miner);
    fint(w, (int64_t)txs);
    fnum(w, "%.6f", pps);
    if (attempts == CHAIN_ECON_NO_ATTEMPTS)
        field(w, "");
    else
        fint(w, (int64_t)attempts);
    char hx[16];
    snprintf(hx, sizeof hx, "%08x", post_bits);
    field(w, hx);
    fnum(w, "%.9g", pass);
    end_row(w, CHAIN_ECON_OUT_BLOCKS);
}

void chain_econ_outputs_trade(chain_econ_outputs *w, const chain_ex_trade *tr, const char *buyer, const char *seller)
{
    ftime(w, tr->time);
    field(w, chain_ex_pair(tr->pair)->name);
    fprice(w, tr->price);
    fcoins(w, tr->qty);
    field(w, buyer);
    field(w, seller);
    fint(w, (int64_t)tr->buy_id);
    fint(w, (int64_t)tr->sell_id);
    field(w, tr->taker_is_buyer ? "buy" : "sell");
    end_row(w, CHAIN_ECON_OUT_TRADES);
}

void chain_econ_outputs_price(chain_econ_outputs *w, double start, const char *pair, int64_t open, int64_t high,
                              int64_t low, int64_t close, double vwap_ticks, int64_t volume, int64_t trades)
{
    ftime(w, start);
    field(w, pair);
    if (trades) {
        fprice(w, open);
        fprice(w, high);
        fprice(w, low);
        fprice(w, close);
        fnum(w, "%.6f", vwap_ticks / 10000.0);
    } else {
        for (int k = 0; k < 5; k++)
            field(w, "");
    }
    fcoins(w, volume);
    fint(w, trades);
    end_row(w, CHAIN_ECON_OUT_PRICES);
}

void chain_econ_outputs_balance(chain_econ_outputs *w, double t, const char *agent, const int64_t chain[3],
                                const int64_t exch[3], int64_t fiat, double value)
{
    ftime(w, t);
    field(w, agent);
    for (int c = 0; c < 3; c++)
        fcoins(w, chain[c]);
    for (int c = 0; c < 3; c++)
        fcoins(w, exch[c]);
    fint(w, fiat);
    fnum(w, "%.6f", value);
    end_row(w, CHAIN_ECON_OUT_BALANCES);
}

void chain_econ_outputs_book(chain_econ_outputs *w, double t, const char *pair, int64_t bid, int64_t ask,
                             int64_t bid_depth, int64_t ask_depth)
{
    ftime(w, t);
    field(w, pair);
    if (bid)
        fprice(w, bid);
    else
        field(w, "");
    if (ask)
        fprice(w, ask);
    else
        field(w, "");
    if (bid && ask)
        fprice(w, ask - bid);
    else
        field(w, "");
    fcoins(w, bid_depth);
    fcoins(w, ask_depth);
    end_row(w, CHAIN_ECON_OUT_BOOKS);
}

void chain_econ_outputs_mining(chain_econ_outputs *w, double start, const char *agent, const char *chain, double rate,
                               uint64_t blocks)
{
    ftime(w, start);
    field(w, agent);
    field(w, chain);
    fnum(w, "%.6g", rate);
    fint(w, (int64_t)blocks);
    end_row(w, CHAIN_ECON_OUT_MINING);
}

void chain_econ_outputs_error(chain_econ_outputs *w, double t, const char *agent, const char *msg)
{
    ftime(w, t);
    field(w, agent);
    field(w, msg);
    end_row(w, CHAIN_ECON_OUT_ERRORS);
}

void chain_econ_outputs_market(chain_econ_outputs *w, double t, double start, const chain_econ_market *mk,
                               const chain_ex *ex)
{
    for (unsigned p = 0; p < CHAIN_EX_PAIRS; p++) {
        const chain_econ_pair_stats *ps = &mk->ps[p];
        const bse_match *m = chain_ex_book(ex, p);
        int64_t lv[CHAIN_ECON_DEPTH][2];
        size_t nb = bse_match_depth(m, BSE_MATCH_BUY, lv, CHAIN_ECON_DEPTH);
        int64_t bd = 0, ad = 0;
        for (size_t k = 0; k < nb; k++)
            bd += lv[k][1];
        size_t na = bse_match_depth(m, BSE_MATCH_SELL, lv, CHAIN_ECON_DEPTH);
        for (size_t k = 0; k < na; k++)
            ad += lv[k][1];
        chain_econ_outputs_book(w, t, chain_ex_pair(p)->name, bse_match_best_bid(m), bse_match_best_ask(m), bd, ad);
        double vwap = ps->vol ? ps->notional / (double)ps->vol : 0;
        chain_econ_outputs_price(w, start, chain_ex_pair(p)->name, ps->open, ps->high, ps->low, ps->close, vwap,
                                 ps->vol, ps->trades);
    }
}

double chain_econ_agent_value(const chain_ex *ex, uint32_t acc, const int64_t onchain[CHAIN_EX_COINS],
                              const double v[CHAIN_EX_COINS])
{
    double val = 0;
    for (unsigned c = 0; c < CHAIN_EX_COINS; c++) {
        chain_ex_balance b = chain_ex_balance_of(ex, acc, c);
        int64_t units = onchain[c] + b.free + b.locked - b.owed + chain_ex_uncredited(ex, acc, c);
        val += (double)units / CHAIN_EX_UNITS_PER_COIN * v[c];
    }
    return val;
}

void chain_econ_outputs_agent(chain_econ_outputs *w, double t, const char *label, const chain_ex *ex, uint32_t acc,
                              const int64_t onchain[CHAIN_EX_COINS], int64_t fiat, const double v[CHAIN_EX_COINS])
{
    int64_t exb[CHAIN_EX_COINS];
    for (unsigned c = 0; c < CHAIN_EX_COINS; c++) {
        chain_ex_balance b = chain_ex_balance_of(ex, acc, c);
        exb[c] = b.free + b.locked - b.owed;
    }
    chain_econ_outputs_balance(w, t, label, onchain, exb, fiat, chain_econ_agent_value(ex, acc, onchain, v));
}

/* run.json: what every run says, then the run's own fields (deleted). */
static int write_sidecar(chain_econ_outputs *w, common_error *err, const chain_econ_config *cfg, const char *run,
                         cJSON *fields)
{
    char path[1200];
    snprintf(path, sizeof path, "%s/run.json", w->dir);
    cJSON *o = cJSON_CreateObject();
    if (!o) {
        cJSON_Delete(fields);
        return common_error_set(err, 1, path, "", "out of memory"), -1;
    }
    cJSON_AddStringToObject(o, "run", run);
    cJSON_AddItemToObject(o, "config", cfg->json ? cJSON_Duplicate(cfg->json, 1) : cJSON_CreateObject());
    cJSON_AddStringToObject(o, "config_file", cfg->path);
    cJSON_AddNumberToObject(o, "seed", (double)cfg->seed);
    cJSON_AddStringToObject(o, "code_version", common_version_commit());
    cJSON_AddStringToObject(o, "toolkit_version", common_version());
#if defined(__clang__)
    cJSON_AddStringToObject(o, "compiler", "clang " __clang_version__);
#elif defined(__GNUC__)
    cJSON_AddStringToObject(o, "compiler", "gcc " __VERSION__);
#endif
    struct utsname u;
    char mach[600] = "unknown";
    if (uname(&u) == 0)
        snprintf(mach, sizeof mach, "%s %s %s, %ld cores", u.nodename, u.sysname, u.machine,
                 sysconf(_SC_NPROCESSORS_ONLN));
    cJSON_AddStringToObject(o, "machine", mach);
    while (fields && fields->child) {
        cJSON *it = fields->child;
        cJSON_DetachItemViaPointer(fields, it);
        cJSON_AddItemToObject(o, it->string ? it->string : "?", it);
    }
    cJSON_Delete(fields);
    char *txt = cJSON_Print(o);
    cJSON_Delete(o);
    if (!txt)
        return common_error_set(err, 1, path, "", "out of memory"), -1;
    common_buf b = {0};
    int rc = common_buf_append(&b, txt, strlen(txt)) | common_buf_append(&b, "\n", 1);
    free(txt);
    if (rc || common_buf_write_file(&b, path)) {
        common_buf_free(&b);
        return common_error_set(err, 1, path, "", "cannot write: %s", strerror(errno)), -1;
    }
    common_buf_free(&b);
    return 0;
}

/* The fields of an `econ sim` run. */
static cJSON *sim_fields(const chain_econ_summary *sum, unsigned threads, int stopped)
{
    cJSON *o = cJSON_CreateObject();
    if (!o)
        return NULL;
    cJSON_AddNumberToObject(o, "threads", threads ? threads : 1);
    cJSON_AddNumberToObject(o, "wall_s", (double)(int64_t)(sum->wall_s * 1000.0) / 1000.0);
    cJSON_AddBoolToObject(o, "partial", stopped);
    cJSON_AddBoolToObject(o, "deterministic", 1);
    cJSON *ch = cJSON_AddObjectToObject(o, "chains");
    static const char *const cn[3] = {"alpha", "bravo", "charlie"};
    for (int c = 0; c < 3 && ch; c++) {
        cJSON *e = cJSON_AddObjectToObject(ch, cn[c]);
        cJSON_AddNumberToObject(e, "height", (double)sum->heights[c]);
        cJSON_AddNumberToObject(e, "bootstrap_blocks", (double)sum->bootstrap[c]);
        cJSON_AddNumberToObject(e, "run_blocks", (double)sum->blocks[c]);
    }
    cJSON_AddNumberToObject(o, "trades", (double)sum->trades);
    cJSON_AddNumberToObject(o, "orders", (double)sum->orders);
    cJSON_AddNumberToObject(o, "refusals", (double)sum->refusals);
    cJSON_AddNumberToObject(o, "custody_checks", (double)sum->custody_checks);
    cJSON_AddNumberToObject(o, "custody_full_checks", (double)sum->custody_full_checks);
    cJSON_AddBoolToObject(o, "custody_ok", sum->custody_ok);
    cJSON_AddBoolToObject(o, "supply_ok", sum->supply_ok);
    return o;
}

int chain_econ_outputs_close(chain_econ_outputs *w, common_error *err, int commit, const chain_econ_config *cfg,
                             const chain_econ_summary *sum, unsigned threads, int stopped)
{
    cJSON *f = (commit || stopped) ? sim_fields(sum, threads, stopped) : NULL;
    return chain_econ_outputs_finish(w, err, commit, stopped, cfg, "econ sim", f);
}

int chain_econ_outputs_finish(chain_econ_outputs *w, common_error *err, int commit, int partial,
                              const chain_econ_config *cfg, const char *run, cJSON *fields)
{
    int stopped = partial;
    int rc = 0;
    for (int i = 0; i < CHAIN_ECON_OUT_N; i++) {
        if (!w->f[i])
            continue;
        if (fflush(w->f[i]) || fsync(fileno(w->f[i])))
            w->failed = 1;
        if (fclose(w->f[i]))
            w->failed = 1;
        w->f[i] = NULL;
    }
    int ok = (commit || stopped) && !w->failed;
    for (int i = 0; i < CHAIN_ECON_OUT_N; i++) {
        if (!w->opened[i])
            continue;
        char t[1200], f[1200];
        tmp_path(t, sizeof t, w, i, 1);
        tmp_path(f, sizeof f, w, i, 0);
        if (ok) {
            if (rename(t, f)) {
                common_error_set(err, 1, f, "", "cannot rename into place: %s", strerror(errno));
                rc = -1;
            }
        } else {
            unlink(t);
        }
    }
    if (w->failed && !err->code) {
        common_error_set(err, 1, w->dir, "", "writing the CSV files failed (disk full?)");
        rc = -1;
    }
    if (ok) {
        char any[1200];
        snprintf(any, sizeof any, "%s/run.json", w->dir);
        common_file_sync_parent(any); /* the renames reach the disk */
    }
    if (ok && !rc) {
        if (write_sidecar(w, err, cfg, run, fields))
            rc = -1;
    } else {
        cJSON_Delete(fields);
    }
    common_buf_free(&w->row);
    return rc;
}
