/* chain/monitor.c - the monitor's snapshot, its text and the live ncurses view
 * (see monitor.h). */
#include "chain/monitor.h"
#include "pouw/tx.h"

#include <curses.h>
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "common/clock.h"

#define LINE_MAX_BYTES 1024

/* ---------------------------------------------------------------- snapshot */

chain_monitor_limits chain_monitor_limits_full(void)
{
    chain_monitor_limits l = {5, 5, 20, 10, 40};
    return l;
}

chain_status chain_monitor_snapshot(cJSON **out, size_t *found, common_error *econ_err, common_error *err,
                                    const chain_monitor_opts *o)
{
    *out = NULL;
    *found = 0;
    common_error_clear(econ_err);
    common_error_clear(err);
    chain_report_opts ro = {o->testnet, o->threads, o->notice, o->notice_user};
    cJSON *chains = NULL, *recent = NULL, *econ = NULL;
    chain_status cs = chain_report_status_json(&chains, found, err, o->datadir, &ro);
    if (cs == CHAIN_ENOMEM)
        return cs;
    common_error_clear(err); /* a chain that could not be read was told to notice */
    cs = chain_report_recent_json(&recent, err, o->datadir, &ro, CHAIN_MONITOR_RECENT);
    if (cs != CHAIN_OK) {
        cJSON_Delete(chains);
        return cs;
    }
    cs = chain_report_economy_load(&econ, econ_err, o->datadir);
    if (cs == CHAIN_ENOMEM) {
        cJSON_Delete(chains);
        cJSON_Delete(recent);
        *err = *econ_err;
        return cs;
    }
    cJSON *root = cJSON_CreateObject();
    cJSON *enull = econ ? NULL : cJSON_CreateNull();
    if (!root || (!econ && !enull) || !cJSON_AddItemToObject(root, "chains", chains)) {
        cJSON_Delete(root);
        cJSON_Delete(chains);
        cJSON_Delete(recent);
        cJSON_Delete(econ);
        cJSON_Delete(enull);
        return common_error_set(err, CHAIN_ENOMEM, o->datadir, "", "out of memory");
    }
    cJSON *e = econ ? econ : enull;
    if (!cJSON_AddItemToObject(root, "economy", e)) {
        cJSON_Delete(e);
        cJSON_Delete(recent);
        cJSON_Delete(root);
        return common_error_set(err, CHAIN_ENOMEM, o->datadir, "", "out of memory");
    }
    if (!cJSON_AddItemToObject(root, "recent", recent)) {
        cJSON_Delete(recent);
        cJSON_Delete(root);
        return common_error_set(err, CHAIN_ENOMEM, o->datadir, "", "out of memory");
    }
    *out = root;
    return CHAIN_OK;
}

/* ---------------------------------------------------------------- text */

typedef struct out {
    FILE *f;
    int width;
} out;

static void line(const out *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void line(const out *o, const char *fmt, ...)
{
    char b[LINE_MAX_BYTES];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(b, sizeof b, fmt, ap);
    va_end(ap);
    size_t n = strlen(b);
    if (o->width > 0 && n > (size_t)o->width)
        n = (size_t)o->width;
    fwrite(b, 1, n, o->f);
    fputc('\n', o->f);
}

static const cJSON *get(const cJSON *obj, const char *key)
{
    return cJSON_IsObject(obj) ? cJSON_GetObjectItemCaseSensitive(obj, key) : NULL;
}

/* A number member (a cJSON number or an exact raw one). Returns 1 and *d, or 0. */
static int num(const cJSON *v, double *d)
{
    if (cJSON_IsNumber(v)) {
        *d = v->valuedouble;
        return isfinite(*d);
    }
    if (cJSON_IsRaw(v) && v->valuestring) {
        char *end;
        *d = strtod(v->valuestring, &end);
        return end != v->valuestring && *end == '\0' && isfinite(*d);
    }
    return 0;
}

static double numor(const cJSON *v, double dflt)
{
    double d;
    return num(v, &d) ? d : dflt;
}

static const char *str(const cJSON *v, const char *dflt)
{
    return (cJSON_IsString(v) || cJSON_IsRaw(v)) && v->valuestring ? v->valuestring : dflt;
}

/* "2026-12-01 12:14:40.279" (UTC) */
static void when(char *b, size_t cap, double ms)
{
    if (!(ms >= 0 && ms < 1e15)) {
        snprintf(b, cap, "?");
        return;
    }
    uint64_t m = (uint64_t)ms;
    time_t t = (time_t)(m / 1000u);
    struct tm tm;
    if (!gmtime_r(&t, &tm) || strftime(b, cap, "%Y-%m-%d %H:%M:%S", &tm) == 0) {
        snprintf(b, cap, "?");
        return;
    }
    size_t l = strlen(b);
    snprintf(b + l, cap - l, ".%03u", (unsigned)(m % 1000u));
}

/* The label of account hex on chain c (its balances carry key labels), else the
 * account's first 12 hex digits; the zero account (genesis) is "genesis". */
static void who(char *b, size_t cap, const cJSON *c, const char *hex)
{
    if (strspn(hex, "0") == strlen(hex) && hex[0]) {
        snprintf(b, cap, "genesis");
        return;
    }
    const cJSON *e;
    cJSON_ArrayForEach(e, get(c, "balances")) {
        const char *acct = str(get(e, "account"), "");
        const char *lab = str(get(e, "label"), "");
        if (lab[0] && strcmp(acct, hex) == 0) {
            snprintf(b, cap, "%s", lab);
            return;
        }
    }
    snprintf(b, cap, "%.12s", hex);
}

static void seconds(char *b, size_t cap, const cJSON *ms)
{
    double d;
    if (num(ms, &d))
        snprintf(b, cap, "%.3f s", d / 1000.0);
    else
        snprintf(b, cap, "-");
}

typedef struct bal_ref {
    double balance;
    const cJSON *e;
    size_t order;
} bal_ref;

static int by_balance(const void *a, const void *b)
{
    const bal_ref *x = a, *y = b;
    if (x->balance != y->balance)
        return x->balance > y->balance ? -1 : 1;
    return x->order < y->order ? -1 : x->order > y->order;
}

/* "  largest: one 3000 | ..." (lim->balances of them), or "" */
static void largest_balances(char *b2, size_t cap, const cJSON *c, const chain_monitor_limits *lim)
{
    b2[0] = '\0';
    const cJSON *bal = get(c, "balances");
    size_t n = (size_t)cJSON_GetArraySize(bal);
    if (lim->balances == 0 || n == 0)
        return;
    bal_ref *refs = calloc(n, sizeof *refs);
    if (!refs)
        return;
    size_t i = 0;
    const cJSON *e;
    cJSON_ArrayForEach(e, bal) {
        if (i >= n)
            break;
        refs[i].balance = numor(get(e, "balance_units"), 0);
        refs[i].e = e;
        refs[i].order = i;
        i++;
    }
    qsort(refs, i, sizeof *refs, by_balance);
    size_t len = (size_t)snprintf(b2, cap, "  largest:");
    for (size_t j = 0; j < i && j < lim->balances && len < cap; j++) {
        char w[POUW_KEY_LABEL_MAX + 16];
        who(w, sizeof w, c, str(get(refs[j].e, "account"), ""));
        char cb[POUW_AMOUNT_TEXT_MAX];
        len += (size_t)snprintf(b2 + len, cap - len, "%s %s %s", j ? " |" : "", w,
                                pouw_amount_format(cb, (int64_t)refs[j].balance));
    }
    free(refs);
}

static void render_chain(const out *o, const cJSON *c, const cJSON *recent, const chain_monitor_limits *lim)
{
    const char *name = str(get(c, "name"), "?"), *coin = str(get(c, "coin"), "?");
    if (cJSON_IsTrue(get(c, "absent"))) {
        line(o, "%s (%s): absent", name, coin);
        return;
    }
    const cJSON *r = get(recent, name);
    const cJSON *rb = get(r, "blocks");
    const cJSON *tipb = cJSON_IsArray(rb) ? cJSON_GetArrayItem(rb, 0) : NULL;
    char iv[32];
    seconds(iv, sizeof iv, get(r, "mean_interval_ms"));
    double thr = numor(get(c, "pps_threshold_micro"), NAN), nthr = numor(get(c, "next_pps_threshold_micro"), NAN);
    char thr_s[32], nthr_s[32];
    snprintf(thr_s, sizeof thr_s, isnan(thr) ? "-" : "%.6f", thr / 1e6);
    snprintf(nthr_s, sizeof nthr_s, isnan(nthr) ? "-" : "%.6f", nthr / 1e6);
    char largest[LINE_MAX_BYTES / 2];
    largest_balances(largest, sizeof largest, c, lim);
    char coins[POUW_AMOUNT_TEXT_MAX];
    pouw_amount_format(coins, (int64_t)numor(get(c, "coins_units"), 0));
    line(o, "%s (%s)  height %s  coins %s  pending %s%s", name, coin, str(get(c, "height"), "?"), coins,
         str(get(get(c, "mempool"), "pending"), "?"), largest);
    line(o, "  interval %s (mean of %s)  post_bits %s  threshold %s (next %s)", iv, str(get(r, "n_intervals"), "0"),
         str(get(tipb, "post_bits"), "-"), thr_s, nthr_s);
    size_t k = 0;
    const cJSON *b;
    cJSON_ArrayForEach(b, rb) {
        if (k++ >= lim->blocks)
            break;
        char t[40], m[POUW_KEY_LABEL_MAX + 16];
        when(t, sizeof t, numor(get(b, "time_ms"), -1));
        who(m, sizeof m, c, str(get(b, "miner"), ""));
        seconds(iv, sizeof iv, get(b, "interval_ms"));
        line(o, "  #%-7s %s  %-16.16s %11s  post_bits %s  txs %s", str(get(b, "height"), "?"), t, m, iv,
             str(get(b, "post_bits"), "-"), str(get(b, "transactions"), "?"));
    }
}

/* ticks (10^4 per quote coin) and units (10^6 per coin) as decimals */
static void price(char *b, size_t cap, const cJSON *v)
{
    double d;
    if (num(v, &d))
        snprintf(b, cap, "%.4f", d / 1e4);
    else
        snprintf(b, cap, "-");
}

static void coins(char *b, size_t cap, double units)
{
    snprintf(b, cap, "%.2f", units / 1e6);
}

/* The last `width` closes as characters of rising height (ASCII: any terminal). One
 * walk of the list each way: a long (malformed) array costs its length, not more. */
static size_t sparkline(char *b, size_t cap, double *lo_out, double *hi_out, const cJSON *closes, size_t width)
{
    static const char levels[] = "_.-:=+*#@";
    const size_t nl = sizeof levels - 1;
    size_t n = (size_t)cJSON_GetArraySize(closes);
    if (width + 1 > cap)
        width = cap - 1;
    size_t from = n > width ? n - width : 0;
    const cJSON *start = closes ? closes->child : NULL;
    for (size_t i = 0; i < from && start; i++)
        start = start->next;
    double lo = INFINITY, hi = -INFINITY;
    for (const cJSON *x = start; x; x = x->next) {
        double d = numor(x, NAN);
        if (isnan(d))
            continue;
        lo = d < lo ? d : lo;
        hi = d > hi ? d : hi;
    }
    size_t k = 0;
    for (const cJSON *x = start; x && k + 1 < cap; x = x->next) {
        double d = numor(x, NAN);
        size_t lv = nl / 2;
        if (isnan(d))
            lv = 0;
        else if (hi > lo)
            lv = (size_t)((d - lo) / (hi - lo) * (double)(nl - 1) + 0.5);
        b[k++] = levels[lv < nl ? lv : nl - 1];
    }
    b[k] = '\0';
    *lo_out = lo;
    *hi_out = hi;
    return k;
}

static void render_book(const out *o, const cJSON *pr, const chain_monitor_limits *lim)
{
    const cJSON *bids = get(pr, "bids"), *asks = get(pr, "asks");
    const cJSON *bb = cJSON_GetArrayItem(bids, 0), *ba = cJSON_GetArrayItem(asks, 0);
    double depth[2] = {0, 0};
    const cJSON *side[2] = {bids, asks}, *l;
    for (int s = 0; s < 2; s++)
        cJSON_ArrayForEach(l, side[s]) depth[s] += numor(cJSON_GetArrayItem(l, 1), 0);
    char last[24], bid[24], ask[24], bq[24], aq[24], sp[24], d0[24], d1[24], vol[24];
    price(last, sizeof last, get(pr, "last"));
    price(bid, sizeof bid, cJSON_GetArrayItem(bb, 0));
    price(ask, sizeof ask, cJSON_GetArrayItem(ba, 0));
    double q;
    if (num(cJSON_GetArrayItem(bb, 1), &q))
        coins(bq, sizeof bq, q);
    else
        snprintf(bq, sizeof bq, "-");
    if (num(cJSON_GetArrayItem(ba, 1), &q))
        coins(aq, sizeof aq, q);
    else
        snprintf(aq, sizeof aq, "-");
    double pb, pa;
    if (num(cJSON_GetArrayItem(bb, 0), &pb) && num(cJSON_GetArrayItem(ba, 0), &pa))
        snprintf(sp, sizeof sp, "%.4f", (pa - pb) / 1e4);
    else
        snprintf(sp, sizeof sp, "-");
    coins(d0, sizeof d0, depth[0]);
    coins(d1, sizeof d1, depth[1]);
    coins(vol, sizeof vol, numor(get(pr, "volume"), 0));
    line(o, "  %-13s last %s  bid %s x %s  ask %s x %s  spread %s  depth %s/%s (%d/%d lv)  vol %s",
         pr->string ? pr->string : "?", last, bid, bq, ask, aq, sp, d0, d1, cJSON_GetArraySize(bids),
         cJSON_GetArraySize(asks), vol);
    const cJSON *closes = get(pr, "closes");
    if (lim->spark && cJSON_GetArraySize(closes) > 0) {
        char spark[LINE_MAX_BYTES / 2];
        double lo, hi;
        size_t shown = sparkline(spark, sizeof spark, &lo, &hi, closes, lim->spark);
        line(o, "  %-13s closes |%s| %.4f..%.4f (last %zu of %d)", "", spark, lo / 1e4, hi / 1e4, shown,
             cJSON_GetArraySize(closes));
    }
}

static void render_economy(const out *o, const cJSON *e, const common_error *econ_err,
                           const chain_monitor_limits *lim)
{
    if (!cJSON_IsObject(e)) {
        if (econ_err && econ_err->code) {
            char why[sizeof econ_err->path + sizeof econ_err->field + sizeof econ_err->msg + 8];
            snprintf(why, sizeof why, "%s%s%s%s%s", econ_err->path, econ_err->path[0] ? ": " : "", econ_err->field,
                     econ_err->field[0] ? ": " : "", econ_err->msg);
            line(o, "economy: none (%s)", why);
        } else {
            line(o, "economy: none");
        }
        return;
    }
    char dur[48] = "";
    double d, t = numor(get(e, "t"), 0);
    if (num(get(e, "duration"), &d) && d > 0)
        snprintf(dur, sizeof dur, " of %.0f s (%.0f%%)", d, 100.0 * t / d);
    const cJSON *cu = get(e, "custody_ok");
    line(o, "economy %s  t %.0f s%s  custody %s", str(get(e, "run"), "?"), t, dur,
         cJSON_IsTrue(cu) ? "ok" : cJSON_IsFalse(cu) ? "NOT BALANCED" : "-");
    const cJSON *pr;
    cJSON_ArrayForEach(pr, get(e, "pairs")) render_book(o, pr, lim);
    const cJSON *tr = get(e, "trades");
    int nt = cJSON_GetArraySize(tr);
    if (lim->trades && nt > 0) {
        line(o, "  last trades (newest first):");
        for (int i = nt - 1, k = 0; i >= 0 && (size_t)k < lim->trades; i--, k++) {
            const cJSON *x = cJSON_GetArrayItem(tr, i);
            char p[24], q[24];
            price(p, sizeof p, cJSON_GetArrayItem(x, 2));
            snprintf(q, sizeof q, "%.6f", numor(cJSON_GetArrayItem(x, 3), 0) / 1e6);
            line(o, "    t %8.0f  %-13s %s x %s  buyer %s  seller %s", numor(cJSON_GetArrayItem(x, 0), 0),
                 str(cJSON_GetArrayItem(x, 1), "?"), p, q, str(cJSON_GetArrayItem(x, 4), "?"),
                 str(cJSON_GetArrayItem(x, 5), "?"));
        }
    } else if (lim->trades) {
        line(o, "  no trades yet");
    }
    const cJSON *top = get(e, "top");
    if (lim->top && cJSON_GetArraySize(top) > 0) {
        line(o, "  largest values (in ALPHA):");
        size_t k = 0;
        const cJSON *a;
        cJSON_ArrayForEach(a, top) {
            if (k++ >= lim->top)
                break;
            char c3[3][24];
            static const char *const names[] = {"ALPHA", "BRAVO", "CHARLIE"};
            for (int c = 0; c < 3; c++) {
                double u;
                if (num(get(a, names[c]), &u))
                    snprintf(c3[c], sizeof c3[c], "%.2f", u / 1e6);
                else
                    snprintf(c3[c], sizeof c3[c], "-");
            }
            line(o, "    %2zu. %-20.20s %14.4f  ALPHA %s  BRAVO %s  CHARLIE %s", k, str(get(a, "agent"), "?"),
                 numor(get(a, "value"), 0), c3[0], c3[1], c3[2]);
        }
    }
}

int chain_monitor_render(FILE *f, const cJSON *snap, const char *datadir, const common_error *econ_err,
                         const chain_monitor_limits *lim, int width)
{
    const cJSON *chains = get(snap, "chains");
    if (!cJSON_IsArray(chains))
        return -1;
    out o = {f, width};
    int present = 0, n = 0;
    const cJSON *c;
    cJSON_ArrayForEach(c, chains) {
        n++;
        present += !cJSON_IsTrue(get(c, "absent"));
    }
    line(&o, "chain monitor: %s (%d of %d chains)", datadir, present, n);
    cJSON_ArrayForEach(c, chains) render_chain(&o, c, get(snap, "recent"), lim);
    render_economy(&o, get(snap, "economy"), econ_err, lim);
    return 0;
}

/* ---------------------------------------------------------------- live view */

/* Limits that fit rows x cols: the text's shape with fewer blocks and trades. */
static chain_monitor_limits fit(int rows, int cols)
{
    chain_monitor_limits l = {3, 3, 6, 5, 40};
    if (rows >= 50) {
        l.blocks = 5;
        l.trades = 12;
        l.top = 8;
    }
    if (rows < 32) {
        l.blocks = 1;
        l.trades = 4;
        l.top = 3;
    }
    size_t sw = cols > 40 ? (size_t)cols - 40 : 10;
    l.spark = sw < 120 ? sw : 120;
    return l;
}

static void draw(const char *text, size_t len, int rows, int cols, const char *footer)
{
    erase();
    int y = 0;
    size_t i = 0;
    while (i < len && y < rows - 1) {
        size_t j = i;
        while (j < len && text[j] != '\n')
            j++;
        mvaddnstr(y++, 0, text + i, (int)((j - i) < (size_t)cols ? (j - i) : (size_t)cols));
        i = j + 1;
    }
    attron(A_REVERSE);
    mvaddnstr(rows - 1, 0, footer, cols);
    attroff(A_REVERSE);
    refresh();
}

chain_status chain_monitor_run(common_error *err, const chain_monitor_opts *o, volatile sig_atomic_t *stop)
{
    common_error_clear(err);
    if (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO))
        return common_error_set(err, CHAIN_EIO, "", "", "the live view needs a terminal (use --json)");
    SCREEN *scr = newterm(NULL, stdout, stdin);
    if (!scr)
        return common_error_set(err, CHAIN_EIO, "", "TERM", "cannot use this terminal (TERM=%s)",
                                getenv("TERM") ? getenv("TERM") : "");
    set_term(scr);
    cbreak();
    noecho();
    nonl();
    keypad(stdscr, TRUE);
    curs_set(0);
    timeout(100);
    chain_monitor_opts so = *o;
    so.notice = NULL; /* the screen is in use: reasons are shown on it */
    double every = o->interval_s > 0 ? o->interval_s : 1.0;
    double next = 0;
    chain_status rc = CHAIN_OK;
    while (!*stop) {
        double now = common_clock_mono_s();
        if (now >= next) {
            cJSON *snap = NULL;
            size_t found = 0;
            common_error ee, e2;
            chain_status cs = chain_monitor_snapshot(&snap, &found, &ee, &e2, &so);
            char *text = NULL;
            size_t len = 0;
            FILE *m = open_memstream(&text, &len);
            if (cs != CHAIN_OK || !m) {
                if (m)
                    fclose(m);
                free(text);
                cJSON_Delete(snap);
                rc = common_error_set(err, CHAIN_ENOMEM, o->datadir, "", "out of memory");
                break;
            }
            int rows = LINES, cols = COLS;
            chain_monitor_limits lim = fit(rows, cols);
            chain_monitor_render(m, snap, o->datadir, &ee, &lim, cols);
            fclose(m);
            cJSON_Delete(snap);
            char footer[256], clock[16];
            time_t wt = (time_t)(common_clock_wall_ms() / 1000u);
            struct tm tm;
            if (!gmtime_r(&wt, &tm) || strftime(clock, sizeof clock, "%H:%M:%S", &tm) == 0)
                snprintf(clock, sizeof clock, "?");
            snprintf(footer, sizeof footer, " updated %s UTC, every %.1f s - q quits%*s", clock, every, cols, "");
            draw(text, len, rows, cols, footer);
            free(text);
            next = now + every;
        }
        int ch = getch();
        if (ch == 'q' || ch == 'Q')
            break;
        if (ch == KEY_RESIZE)
            next = 0;
    }
    endwin();
    delscreen(scr);
    return rc;
}
