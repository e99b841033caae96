/* pouw/block.c - the block document: build, copy, compare, JSON write and parse
 * (see block.h; spec pouw.md s7).
 *
 * Writing uses cJSON raw values for numbers: cJSON's own printer writes doubles
 * with "%1.15g" when that is merely close (not equal) and integers above 2^31
 * the same way, which would lose bits. Here integers are "%lld" and doubles the
 * shortest "%.Ng" that reads back bit for bit. Parsing takes numbers from
 * cJSON's strtod (exact for integers below 2^53) and checks each field before it
 * is stored. */
#include "common/file.h"
#include "common/json.h"
#include "pouw/block.h"

#include <assert.h>
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <cjson/cJSON.h>

#include "common/buf.h"
#include "pouw/assumptions.h"

#define U32_MAX_D 4294967295.0

void pouw_block_init(pouw_block *b)
{
    assert(b);
    memset(b, 0, sizeof *b);
}

void pouw_block_clear(pouw_block *b)
{
    if (!b)
        return;
    free(b->txs);
    pouw_ledger_clear(&b->ledger);
    free(b->job);
    memset(b, 0, sizeof *b);
}

pouw_status pouw_block_build(pouw_block *b, const pouw_header *h, const pouw_attempt *a, const pouw_tx *txs,
                             size_t n_txs, const pouw_ledger *ledger, const bse_case *job)
{
    assert(b && h && a && (txs || n_txs == 0) && ledger);
    pouw_block_clear(b);
    if (a->n == 0 || a->n > POUW_MAX_SESSIONS || n_txs > POUW_BLOCK_MAX_TXS)
        return POUW_ELIMIT;
    b->header = *h;
    memcpy(b->pre_hash, a->pre_hash, sizeof b->pre_hash);
    memcpy(b->post_hash, a->post_hash, sizeof b->post_hash);
    b->pps = a->pps;
    b->pps_micro = a->pps_micro;
    b->n_sessions = b->n_useful = a->n;
    for (uint32_t i = 0; i < a->n; i++) {
        memcpy(b->proof[i].digest, a->s[i].digest, POUW_SHA256_BYTES);
        b->proof[i].pps = a->s[i].pps;
        b->useful[i][0] = a->s[i].best[0];
        b->useful[i][1] = a->s[i].best[1];
    }
    if (n_txs) {
        b->txs = malloc(n_txs * sizeof *b->txs);
        if (!b->txs)
            goto oom;
        memcpy(b->txs, txs, n_txs * sizeof *b->txs);
        b->n_txs = n_txs;
    }
    if (pouw_ledger_copy(&b->ledger, ledger) != POUW_OK)
        goto oom;
    if (job) {
        b->job = malloc(sizeof *b->job);
        if (!b->job)
            goto oom;
        *b->job = *job;
    }
    return POUW_OK;
oom:
    pouw_block_clear(b);
    return POUW_ENOMEM;
}

pouw_status pouw_block_copy(pouw_block *dst, const pouw_block *src)
{
    assert(dst && src && dst != src);
    pouw_block_clear(dst);
    *dst = *src;
    dst->txs = NULL;
    dst->n_txs = 0;
    dst->ledger = (pouw_ledger){0};
    dst->job = NULL;
    if (src->n_txs) {
        dst->txs = malloc(src->n_txs * sizeof *dst->txs);
        if (!dst->txs)
            goto oom;
        memcpy(dst->txs, src->txs, src->n_txs * sizeof *dst->txs);
        dst->n_txs = src->n_txs;
    }
    if (pouw_ledger_copy(&dst->ledger, &src->ledger) != POUW_OK)
        goto oom;
    if (src->job) {
        dst->job = malloc(sizeof *dst->job);
        if (!dst->job)
            goto oom;
        *dst->job = *src->job;
    }
    return POUW_OK;
oom:
    pouw_block_clear(dst);
    return POUW_ENOMEM;
}

static int same_double(double a, double b) { return memcmp(&a, &b, sizeof a) == 0; }

int pouw_tx_equal(const pouw_tx *a, const pouw_tx *b)
{
    assert(a && b);
    return a->type == b->type && memcmp(a->to, b->to, 32) == 0 && a->amount == b->amount && a->height == b->height &&
           a->chain_id == b->chain_id && memcmp(a->from, b->from, 32) == 0 && a->sequence == b->sequence &&
           a->fee == b->fee && memcmp(a->sig, b->sig, sizeof a->sig) == 0;
}

static int same_strategy(const bse_strategy_record *a, const bse_strategy_record *b)
{
    if (a->valid != b->valid)
        return 0;
    if (!a->valid)
        return 1;
    return strcmp(a->tid, b->tid) == 0 && strcmp(a->type, b->type) == 0 && same_double(a->pps, b->pps) &&
           strcmp(a->csv, b->csv) == 0;
}

int pouw_block_equal(const pouw_block *a, const pouw_block *b)
{
    assert(a && b);
    uint8_t ha[POUW_HEADER_BYTES], hb[POUW_HEADER_BYTES];
    pouw_header_encode(ha, &a->header);
    pouw_header_encode(hb, &b->header);
    if (memcmp(ha, hb, sizeof ha) || memcmp(a->pre_hash, b->pre_hash, 32) || memcmp(a->post_hash, b->post_hash, 32) ||
        !same_double(a->pps, b->pps) || a->pps_micro != b->pps_micro || a->n_sessions != b->n_sessions ||
        a->n_useful != b->n_useful || a->n_txs != b->n_txs || !pouw_ledger_equal(&a->ledger, &b->ledger) ||
        !a->job != !b->job)
        return 0;
    for (uint32_t i = 0; i < a->n_sessions; i++)
        if (memcmp(a->proof[i].digest, b->proof[i].digest, 32) || !same_double(a->proof[i].pps, b->proof[i].pps))
            return 0;
    for (uint32_t i = 0; i < a->n_useful; i++)
        if (!same_strategy(&a->useful[i][0], &b->useful[i][0]) || !same_strategy(&a->useful[i][1], &b->useful[i][1]))
            return 0;
    for (size_t i = 0; i < a->n_txs; i++)
        if (!pouw_tx_equal(&a->txs[i], &b->txs[i]))
            return 0;
    if (a->job) {
        char *ja = bse_case_to_json(a->job), *jb = bse_case_to_json(b->job);
        int same = ja && jb && strcmp(ja, jb) == 0;
        free(ja);
        free(jb);
        if (!same)
            return 0;
    }
    return 1;
}

/* ---------------------------------------------------------------- writing */

typedef struct wctx {
    int oom, range;
} wctx;

static void add_item(wctx *w, cJSON *obj, const char *key, cJSON *item)
{
    if (!item || !obj) {
        w->oom = 1;
        cJSON_Delete(item);
        return;
    }
    if (cJSON_IsArray(obj)) {
        if (!cJSON_AddItemToArray(obj, item)) {
            w->oom = 1;
            cJSON_Delete(item);
        }
    } else if (!cJSON_AddItemToObject(obj, key, item)) {
        w->oom = 1;
        cJSON_Delete(item);
    }
}

static void add_int(wctx *w, cJSON *obj, const char *key, int64_t v, int64_t lo, int64_t hi)
{
    if (v < lo || v > hi)
        w->range = 1;
    char t[32];
    snprintf(t, sizeof t, "%" PRId64, v);
    add_item(w, obj, key, cJSON_CreateRaw(t));
}

static void add_u64(wctx *w, cJSON *obj, const char *key, uint64_t v)
{
    if (v > (uint64_t)POUW_JSON_INT_MAX)
        w->range = 1;
    char t[32];
    snprintf(t, sizeof t, "%" PRIu64, v);
    add_item(w, obj, key, cJSON_CreateRaw(t));
}

static void add_double(wctx *w, cJSON *obj, const char *key, double d)
{
    if (!isfinite(d)) {
        w->range = 1;
        d = 0;
    }
    char t[40];
    for (int prec = 1; prec <= 17; prec++) { /* shortest text that reads back as d */
        snprintf(t, sizeof t, "%.*g", prec, d);
        if (same_double(strtod(t, NULL), d))
            break;
    }
    add_item(w, obj, key, cJSON_CreateRaw(t));
}

static void add_hex(wctx *w, cJSON *obj, const char *key, const uint8_t *bytes32)
{
    char hex[POUW_SHA256_HEX];
    pouw_hex_encode(hex, bytes32, 32);
    add_item(w, obj, key, cJSON_CreateString(hex));
}

static void add_hex64(wctx *w, cJSON *obj, const char *key, const uint8_t *bytes64)
{
    char hex[129];
    pouw_hex_encode(hex, bytes64, 64);
    add_item(w, obj, key, cJSON_CreateString(hex));
}

/* The JSON object of one transaction (block.h's forms). */
static cJSON *tx_json(wctx *w, const pouw_tx *tx)
{
    cJSON *to = cJSON_CreateObject();
    if (!to) {
        w->oom = 1;
        return NULL;
    }
    if (tx->type == POUW_TX_TRANSFER) {
        add_item(w, to, "type", cJSON_CreateString("transfer"));
        add_int(w, to, "chain_id", tx->chain_id, 0, UINT32_MAX);
        add_hex(w, to, "from", tx->from);
        add_hex(w, to, "to", tx->to);
        add_int(w, to, "amount", tx->amount, 0, POUW_AMOUNT_MAX);
        add_u64(w, to, "sequence", tx->sequence);
        add_int(w, to, "fee", tx->fee, 0, POUW_AMOUNT_MAX);
        add_hex64(w, to, "signature", tx->sig);
        return to;
    }
    if (tx->type != POUW_TX_COINBASE)
        w->range = 1;
    add_item(w, to, "type", cJSON_CreateString("coinbase"));
    add_hex(w, to, "to", tx->to);
    add_int(w, to, "amount", tx->amount, 0, POUW_AMOUNT_MAX);
    add_u64(w, to, "height", tx->height);
    return to;
}

static cJSON *strategy_json(wctx *w, const bse_strategy_record *r)
{
    if (!r->valid)
        return cJSON_CreateNull();
    cJSON *o = cJSON_CreateObject();
    add_item(w, o, "tid", cJSON_CreateString(r->tid));
    add_item(w, o, "type", cJSON_CreateString(r->type));
    add_double(w, o, "pps", r->pps);
    add_item(w, o, "strategy", cJSON_CreateString(r->csv));
    return o;
}

/* Turns a finished document tree into text ending in a newline, and frees the
 * tree: indented for people (pretty) or on one line. Reports the writer's
 * out-of-memory / out-of-range flags first. Out: *json (malloc'd), *len. */
static pouw_status finish_json(cJSON *root, const wctx *w, int pretty, char **json, size_t *len)
{
    if (w->oom || w->range) {
        cJSON_Delete(root);
        return w->oom ? POUW_ENOMEM : POUW_ERANGE;
    }
    char *text = pretty ? cJSON_Print(root) : cJSON_PrintUnformatted(root);
    cJSON_Delete(root);
    if (!text)
        return POUW_ENOMEM;
    size_t n = strlen(text);
    char *out = malloc(n + 2);
    if (!out) {
        cJSON_free(text);
        return POUW_ENOMEM;
    }
    memcpy(out, text, n);
    out[n] = '\n';
    out[n + 1] = '\0';
    cJSON_free(text);
    *json = out;
    *len = n + 1;
    return POUW_OK;
}

pouw_status pouw_block_to_json(char **json, size_t *len, const pouw_block *b)
{
    assert(json && len && b);
    *json = NULL;
    *len = 0;
    wctx w = {0, 0};
    const pouw_header *h = &b->header;
    cJSON *root = cJSON_CreateObject();
    if (!root)
        return POUW_ENOMEM;
    cJSON *hd = cJSON_CreateObject();
    add_item(&w, root, "header", hd);
    if (hd) {
        add_int(&w, hd, "version", h->version, 0, UINT32_MAX);
        add_int(&w, hd, "chain_id", h->chain_id, 0, UINT32_MAX);
        add_u64(&w, hd, "height", h->height);
        add_hex(&w, hd, "prev_hash", h->prev_hash);
        add_hex(&w, hd, "tx_root", h->tx_root);
        add_hex(&w, hd, "ledger_root", h->ledger_root);
        add_hex(&w, hd, "miner", h->miner);
        add_u64(&w, hd, "time_ms", h->time_ms);
        add_int(&w, hd, "prehash_bits", h->prehash_bits, 0, UINT32_MAX);
        add_int(&w, hd, "pps_threshold_micro", h->pps_threshold_micro, -POUW_JSON_INT_MAX, POUW_JSON_INT_MAX);
        add_int(&w, hd, "mode", h->mode, 0, UINT32_MAX);
        add_int(&w, hd, "post_bits", h->post_bits, 0, UINT32_MAX);
        add_int(&w, hd, "sessions", h->sessions, 0, UINT32_MAX);
        add_hex(&w, hd, "job_digest", h->job_digest);
        add_u64(&w, hd, "nonce", h->nonce);
    }
    add_hex(&w, root, "pre_hash", b->pre_hash);
    add_hex(&w, root, "post_hash", b->post_hash);
    cJSON *proof = cJSON_CreateObject();
    add_item(&w, root, "proof", proof);
    if (proof) {
        add_double(&w, proof, "pps", b->pps);
        add_int(&w, proof, "pps_micro", b->pps_micro, -POUW_JSON_INT_MAX, POUW_JSON_INT_MAX);
        cJSON *ss = cJSON_CreateArray();
        add_item(&w, proof, "sessions", ss);
        for (uint32_t i = 0; ss && i < b->n_sessions && i < POUW_MAX_SESSIONS; i++) {
            cJSON *so = cJSON_CreateObject();
            add_item(&w, ss, NULL, so);
            if (so) {
                add_hex(&w, so, "d", b->proof[i].digest);
                add_double(&w, so, "pps", b->proof[i].pps);
            }
        }
    }
    cJSON *txs = cJSON_CreateArray();
    add_item(&w, root, "transactions", txs);
    for (size_t i = 0; txs && i < b->n_txs; i++) {
        cJSON *to = tx_json(&w, &b->txs[i]);
        add_item(&w, txs, NULL, to);
        if (!to)
            break;
    }
    cJSON *uo = cJSON_CreateArray();
    add_item(&w, root, "useful_output", uo);
    for (uint32_t i = 0; uo && i < b->n_useful && i < POUW_MAX_SESSIONS; i++) {
        cJSON *o = cJSON_CreateObject();
        add_item(&w, uo, NULL, o);
        if (!o)
            break;
        add_item(&w, o, "buyer", strategy_json(&w, &b->useful[i][0]));
        add_item(&w, o, "seller", strategy_json(&w, &b->useful[i][1]));
    }
    if (b->job) {
        char *jt = bse_case_to_json(b->job);
        cJSON *jo = jt ? cJSON_Parse(jt) : NULL;
        free(jt);
        add_item(&w, root, "job", jo);
    } else {
        add_item(&w, root, "job", cJSON_CreateNull());
    }
    cJSON *led = cJSON_CreateObject();
    add_item(&w, root, "ledger", led);
    for (size_t i = 0; led && i < b->ledger.n; i++) {
        char hex[POUW_SHA256_HEX];
        pouw_hex_encode(hex, b->ledger.e[i].account, 32);
        add_int(&w, led, hex, b->ledger.e[i].balance, 0, POUW_AMOUNT_MAX);
    }
    cJSON *seq = cJSON_CreateObject();
    add_item(&w, root, "sequences", seq);
    for (size_t i = 0; seq && i < b->ledger.n; i++) {
        if (b->ledger.e[i].sequence == 0)
            continue; /* only accounts that have sent */
        char hex[POUW_SHA256_HEX];
        pouw_hex_encode(hex, b->ledger.e[i].account, 32);
        add_u64(&w, seq, hex, b->ledger.e[i].sequence);
    }
    return finish_json(root, &w, 1, json, len);
}

pouw_status pouw_block_save(const pouw_block *b, common_error *err, const char *path)
{
    assert(b && path);
    common_error_clear(err);
    char *json;
    size_t len;
    pouw_status st = pouw_block_to_json(&json, &len, b);
    if (st != POUW_OK)
        return (pouw_status)common_error_set(err, st, path, "", "cannot write the block: %s", pouw_status_str(st));
    common_buf buf = {json, len, len + 1, 0};
    if (common_buf_write_file(&buf, path) != 0) {
        int e = errno;
        free(json);
        return (pouw_status)common_error_set(err, POUW_EIO, path, "", "cannot write: %s", strerror(e));
    }
    free(json);
    return POUW_OK;
}

/* ---------------------------------------------------------------- parsing */

typedef struct pctx {
    const char *path;
    common_error *err;
} pctx;

static pouw_status bad(pctx *p, const char *field, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static pouw_status bad(pctx *p, const char *field, const char *fmt, ...)
{
    char msg[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    common_error_set(p->err, POUW_EFORMAT, p->path, field, "%s", msg);
    return POUW_EFORMAT;
}

#define TRY(x)                                                                                                         \
    do {                                                                                                               \
        pouw_status st_ = (x);                                                                                         \
        if (st_ != POUW_OK)                                                                                            \
            return st_;                                                                                                \
    } while (0)

/* Every key of obj is one of keys[0..n) and appears once; obj must be an object. */
static pouw_status check_object(pctx *p, const cJSON *obj, const char *field, const char *const *keys, size_t n)
{
    if (!cJSON_IsObject(obj))
        return bad(p, field[0] ? field : "(top)", "must be a JSON object");
    unsigned seen[32] = {0};
    assert(n <= 32);
    for (const cJSON *c = obj->child; c; c = c->next) {
        size_t k = 0;
        while (k < n && strcmp(c->string, keys[k]) != 0)
            k++;
        char f[200];
        snprintf(f, sizeof f, "%s%s%.60s", field, field[0] ? "." : "", c->string);
        if (k == n)
            return bad(p, f, "unknown field");
        if (seen[k]++)
            return bad(p, f, "appears twice");
    }
    return POUW_OK;
}

static const cJSON *member(pctx *p, const cJSON *obj, const char *field, const char *key, char *f, size_t fsize,
                           pouw_status *st)
{
    snprintf(f, fsize, "%s%s%s", field, field[0] ? "." : "", key);
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
    *st = v ? POUW_OK : bad(p, f, "missing");
    return v;
}

static pouw_status num_int(pctx *p, const cJSON *v, const char *f, double lo, double hi, int64_t *out)
{
    if (!cJSON_IsNumber(v))
        return bad(p, f, "must be an integer");
    double d = v->valuedouble;
    if (!isfinite(d))
        return bad(p, f, "number out of range");
    if (d != floor(d))
        return bad(p, f, "must be an integer");
    if (d < lo || d > hi)
        return bad(p, f, "out of range (allowed %.0f..%.0f)", lo, hi);
    *out = (int64_t)d;
    return POUW_OK;
}

static pouw_status get_int(pctx *p, const cJSON *obj, const char *field, const char *key, double lo, double hi,
                           int64_t *out)
{
    char f[200];
    pouw_status st;
    const cJSON *v = member(p, obj, field, key, f, sizeof f, &st);
    if (!v)
        return st;
    return num_int(p, v, f, lo, hi, out);
}

static pouw_status get_u32(pctx *p, const cJSON *obj, const char *field, const char *key, uint32_t *out)
{
    int64_t v;
    TRY(get_int(p, obj, field, key, 0, U32_MAX_D, &v));
    *out = (uint32_t)v;
    return POUW_OK;
}

static pouw_status get_u53(pctx *p, const cJSON *obj, const char *field, const char *key, uint64_t *out)
{
    int64_t v;
    TRY(get_int(p, obj, field, key, 0, (double)POUW_JSON_INT_MAX, &v));
    *out = (uint64_t)v;
    return POUW_OK;
}

static pouw_status get_double(pctx *p, const cJSON *obj, const char *field, const char *key, double *out)
{
    char f[200];
    pouw_status st;
    const cJSON *v = member(p, obj, field, key, f, sizeof f, &st);
    if (!v)
        return st;
    if (!cJSON_IsNumber(v))
        return bad(p, f, "must be a number");
    if (!isfinite(v->valuedouble))
        return bad(p, f, "number out of range");
    *out = v->valuedouble;
    return POUW_OK;
}

static pouw_status hex_value(pctx *p, const cJSON *v, const char *f, uint8_t out[32])
{
    if (!cJSON_IsString(v))
        return bad(p, f, "must be a string of 64 lower-case hex digits");
    if (pouw_hex_decode(out, 32, v->valuestring) != POUW_OK)
        return bad(p, f, "must be 64 lower-case hex digits");
    return POUW_OK;
}

static pouw_status get_hex(pctx *p, const cJSON *obj, const char *field, const char *key, uint8_t out[32])
{
    char f[200];
    pouw_status st;
    const cJSON *v = member(p, obj, field, key, f, sizeof f, &st);
    if (!v)
        return st;
    return hex_value(p, v, f, out);
}

static pouw_status get_string(pctx *p, const cJSON *obj, const char *field, const char *key, char *out, size_t cap)
{
    char f[200];
    pouw_status st;
    const cJSON *v = member(p, obj, field, key, f, sizeof f, &st);
    if (!v)
        return st;
    if (!cJSON_IsString(v))
        return bad(p, f, "must be a string");
    size_t n = strlen(v->valuestring);
    if (n >= cap)
        return bad(p, f, "longer than %zu bytes", cap - 1);
    memcpy(out, v->valuestring, n + 1);
    return POUW_OK;
}

static pouw_status get_array(pctx *p, const cJSON *obj, const char *field, const char *key, int lo, int hi,
                             const cJSON **out)
{
    char f[200];
    pouw_status st;
    const cJSON *v = member(p, obj, field, key, f, sizeof f, &st);
    if (!v)
        return st;
    if (!cJSON_IsArray(v))
        return bad(p, f, "must be a list");
    int n = cJSON_GetArraySize(v);
    if (n < lo || n > hi)
        return bad(p, f, "must have %d to %d entries (has %d)", lo, hi, n);
    *out = v;
    return POUW_OK;
}

static pouw_status parse_header(pctx *p, const cJSON *hd, pouw_header *h)
{
    static const char *const keys[] = {"version",   "chain_id", "height",       "prev_hash",           "tx_root",
                                       "ledger_root", "miner", "time_ms",      "prehash_bits", "pps_threshold_micro",
                                       "mode",      "post_bits", "sessions",    "job_digest",   "nonce"};
    TRY(check_object(p, hd, "header", keys, sizeof keys / sizeof keys[0]));
    TRY(get_u32(p, hd, "header", "version", &h->version));
    TRY(get_u32(p, hd, "header", "chain_id", &h->chain_id));
    TRY(get_u53(p, hd, "header", "height", &h->height));
    TRY(get_hex(p, hd, "header", "prev_hash", h->prev_hash));
    TRY(get_hex(p, hd, "header", "tx_root", h->tx_root));
    TRY(get_hex(p, hd, "header", "ledger_root", h->ledger_root));
    TRY(get_hex(p, hd, "header", "miner", h->miner));
    TRY(get_u53(p, hd, "header", "time_ms", &h->time_ms));
    TRY(get_u32(p, hd, "header", "prehash_bits", &h->prehash_bits));
    TRY(get_int(p, hd, "header", "pps_threshold_micro", -(double)POUW_JSON_INT_MAX, (double)POUW_JSON_INT_MAX,
                &h->pps_threshold_micro));
    TRY(get_u32(p, hd, "header", "mode", &h->mode));
    TRY(get_u32(p, hd, "header", "post_bits", &h->post_bits));
    TRY(get_u32(p, hd, "header", "sessions", &h->sessions));
    TRY(get_hex(p, hd, "header", "job_digest", h->job_digest));
    TRY(get_u53(p, hd, "header", "nonce", &h->nonce));
    return POUW_OK;
}

static pouw_status parse_proof(pctx *p, const cJSON *pr, pouw_block *b)
{
    static const char *const keys[] = {"pps", "pps_micro", "sessions"};
    static const char *const skeys[] = {"d", "pps"};
    TRY(check_object(p, pr, "proof", keys, 3));
    TRY(get_double(p, pr, "proof", "pps", &b->pps));
    TRY(get_int(p, pr, "proof", "pps_micro", -(double)POUW_JSON_INT_MAX, (double)POUW_JSON_INT_MAX, &b->pps_micro));
    const cJSON *ss;
    TRY(get_array(p, pr, "proof", "sessions", 1, POUW_MAX_SESSIONS, &ss));
    uint32_t i = 0;
    for (const cJSON *so = ss->child; so; so = so->next, i++) {
        char f[64];
        snprintf(f, sizeof f, "proof.sessions[%u]", (unsigned)i);
        TRY(check_object(p, so, f, skeys, 2));
        TRY(get_hex(p, so, f, "d", b->proof[i].digest));
        TRY(get_double(p, so, f, "pps", &b->proof[i].pps));
    }
    b->n_sessions = i;
    return POUW_OK;
}

static pouw_status parse_strategy(pctx *p, const cJSON *v, const char *f, bse_strategy_record *r)
{
    static const char *const keys[] = {"tid", "type", "pps", "strategy"};
    memset(r, 0, sizeof *r);
    if (cJSON_IsNull(v))
        return POUW_OK;
    TRY(check_object(p, v, f, keys, 4));
    TRY(get_string(p, v, f, "tid", r->tid, sizeof r->tid));
    TRY(get_string(p, v, f, "type", r->type, sizeof r->type));
    TRY(get_double(p, v, f, "pps", &r->pps));
    TRY(get_string(p, v, f, "strategy", r->csv, sizeof r->csv));
    r->valid = 1;
    return POUW_OK;
}

static pouw_status parse_useful(pctx *p, const cJSON *root, pouw_block *b)
{
    static const char *const keys[] = {"buyer", "seller"};
    const cJSON *uo;
    TRY(get_array(p, root, "", "useful_output", 1, POUW_MAX_SESSIONS, &uo));
    uint32_t i = 0;
    for (const cJSON *o = uo->child; o; o = o->next, i++) {
        char f[64], fs[80];
        snprintf(f, sizeof f, "useful_output[%u]", (unsigned)i);
        TRY(check_object(p, o, f, keys, 2));
        for (int side = 0; side < 2; side++) {
            pouw_status st;
            const cJSON *v = member(p, o, f, keys[side], fs, sizeof fs, &st);
            if (!v)
                return st;
            TRY(parse_strategy(p, v, fs, &b->useful[i][side]));
        }
    }
    b->n_useful = i;
    return POUW_OK;
}

/* One transaction object at field f (block.h's forms). Out: tx (zeroed first). */
static pouw_status parse_tx(pctx *p, const cJSON *t, const char *f, pouw_tx *tx)
{
    static const char *const ckeys[] = {"type", "to", "amount", "height"};
    static const char *const tkeys[] = {"type", "chain_id", "from", "to", "amount", "sequence", "fee", "signature"};
    memset(tx, 0, sizeof *tx);
    if (!cJSON_IsObject(t))
        return bad(p, f[0] ? f : "(top)", "must be a JSON object");
    char ft[80];
    pouw_status st;
    const cJSON *ty = member(p, t, f, "type", ft, sizeof ft, &st);
    if (!ty)
        return st;
    if (!cJSON_IsString(ty))
        return bad(p, ft, "must be a string");
    if (strcmp(ty->valuestring, "coinbase") == 0) {
        TRY(check_object(p, t, f, ckeys, 4));
        tx->type = POUW_TX_COINBASE;
        TRY(get_hex(p, t, f, "to", tx->to));
        TRY(get_int(p, t, f, "amount", 0, (double)POUW_AMOUNT_MAX, &tx->amount));
        TRY(get_u53(p, t, f, "height", &tx->height));
        return POUW_OK;
    }
    if (strcmp(ty->valuestring, "transfer") == 0) {
        TRY(check_object(p, t, f, tkeys, 8));
        tx->type = POUW_TX_TRANSFER;
        TRY(get_u32(p, t, f, "chain_id", &tx->chain_id));
        TRY(get_hex(p, t, f, "from", tx->from));
        TRY(get_hex(p, t, f, "to", tx->to));
        TRY(get_int(p, t, f, "amount", 0, (double)POUW_AMOUNT_MAX, &tx->amount));
        TRY(get_u53(p, t, f, "sequence", &tx->sequence));
        TRY(get_int(p, t, f, "fee", 0, (double)POUW_AMOUNT_MAX, &tx->fee));
        const cJSON *sg = member(p, t, f, "signature", ft, sizeof ft, &st);
        if (!sg)
            return st;
        if (!cJSON_IsString(sg) || pouw_hex_decode(tx->sig, sizeof tx->sig, sg->valuestring) != POUW_OK)
            return bad(p, ft, "must be 128 lower-case hex digits");
        return POUW_OK;
    }
    return bad(p, ft, "unknown transaction type \"%.40s\"", ty->valuestring);
}

static pouw_status parse_txs(pctx *p, const cJSON *root, pouw_block *b)
{
    const cJSON *ta;
    TRY(get_array(p, root, "", "transactions", 0, POUW_BLOCK_MAX_TXS, &ta));
    size_t n = (size_t)cJSON_GetArraySize(ta);
    if (n == 0)
        return POUW_OK;
    b->txs = calloc(n, sizeof *b->txs);
    if (!b->txs)
        return (pouw_status)common_error_set(p->err, POUW_ENOMEM, p->path, "transactions", "out of memory");
    size_t i = 0;
    for (const cJSON *t = ta->child; t; t = t->next, i++) {
        char f[64];
        snprintf(f, sizeof f, "transactions[%zu]", i);
        TRY(parse_tx(p, t, f, &b->txs[i]));
        b->n_txs = i + 1;
    }
    return POUW_OK;
}

static pouw_status parse_ledger(pctx *p, const cJSON *root, pouw_block *b)
{
    char f[200];
    pouw_status st;
    const cJSON *lo = member(p, root, "", "ledger", f, sizeof f, &st);
    if (!lo)
        return st;
    if (!cJSON_IsObject(lo))
        return bad(p, "ledger", "must be an object {account: balance}");
    int n = cJSON_GetArraySize(lo);
    if (n > POUW_BLOCK_MAX_ACCOUNTS)
        return bad(p, "ledger", "more than %d accounts", POUW_BLOCK_MAX_ACCOUNTS);
    if (n == 0)
        return POUW_OK;
    b->ledger.e = malloc((size_t)n * sizeof *b->ledger.e);
    if (!b->ledger.e)
        return (pouw_status)common_error_set(p->err, POUW_ENOMEM, p->path, "ledger", "out of memory");
    b->ledger.cap = (size_t)n;
    size_t i = 0;
    for (const cJSON *c = lo->child; c; c = c->next, i++) {
        snprintf(f, sizeof f, "ledger[%zu]", i);
        pouw_ledger_entry *e = &b->ledger.e[i];
        e->sequence = 0;
        if (pouw_hex_decode(e->account, 32, c->string) != POUW_OK)
            return bad(p, f, "account must be 64 lower-case hex digits");
        if (i > 0 && memcmp(b->ledger.e[i - 1].account, e->account, 32) >= 0)
            return bad(p, f, "accounts must be sorted ascending, each once");
        TRY(num_int(p, c, f, 0, (double)POUW_AMOUNT_MAX, &e->balance));
        b->ledger.n = i + 1;
    }
    return POUW_OK;
}

/* "sequences" (optional: blocks written before transfers existed have none):
 * the next sequence of each account that has sent, ascending, each an account
 * of the ledger, each at least 1. */
static pouw_status parse_sequences(pctx *p, const cJSON *root, pouw_block *b)
{
    const cJSON *so = cJSON_GetObjectItemCaseSensitive(root, "sequences");
    if (!so)
        return POUW_OK;
    if (!cJSON_IsObject(so))
        return bad(p, "sequences", "must be an object {account: next sequence}");
    char f[200];
    size_t i = 0, j = 0; /* j: position in the ledger */
    uint8_t prev[32];
    for (const cJSON *c = so->child; c; c = c->next, i++) {
        snprintf(f, sizeof f, "sequences[%zu]", i);
        uint8_t a[32];
        if (pouw_hex_decode(a, 32, c->string) != POUW_OK)
            return bad(p, f, "account must be 64 lower-case hex digits");
        if (i > 0 && memcmp(prev, a, 32) >= 0)
            return bad(p, f, "accounts must be sorted ascending, each once");
        memcpy(prev, a, 32);
        while (j < b->ledger.n && memcmp(b->ledger.e[j].account, a, 32) < 0)
            j++;
        if (j == b->ledger.n || memcmp(b->ledger.e[j].account, a, 32) != 0)
            return bad(p, f, "account is not in the ledger");
        int64_t v;
        TRY(num_int(p, c, f, 1, (double)POUW_SEQUENCE_MAX, &v));
        b->ledger.e[j].sequence = (uint64_t)v;
    }
    return POUW_OK;
}

static pouw_status parse_job(pctx *p, const cJSON *root, pouw_block *b)
{
    char f[200];
    pouw_status st;
    const cJSON *jo = member(p, root, "", "job", f, sizeof f, &st);
    if (!jo)
        return st;
    if (cJSON_IsNull(jo))
        return POUW_OK;
    if (!cJSON_IsObject(jo))
        return bad(p, "job", "must be a case object or null");
    char *text = cJSON_PrintUnformatted(jo);
    b->job = malloc(sizeof *b->job);
    if (!text || !b->job) {
        cJSON_free(text);
        return (pouw_status)common_error_set(p->err, POUW_ENOMEM, p->path, "job", "out of memory");
    }
    common_error e;
    bse_config_status cs = bse_case_parse(b->job, text, strlen(text), p->path, NULL, &e);
    cJSON_free(text);
    if (cs == BSE_CONFIG_ENOMEM)
        return (pouw_status)common_error_set(p->err, POUW_ENOMEM, p->path, "job", "out of memory");
    if (cs != BSE_CONFIG_OK) {
        snprintf(f, sizeof f, "job.%s", e.field);
        return bad(p, f, "%s", e.msg);
    }
    return POUW_OK;
}


static pouw_status parse_root(pctx *p, const cJSON *root, pouw_block *b)
{
    static const char *const keys[] = {"header", "pre_hash",      "post_hash", "proof",    "transactions",
                                       "ledger", "sequences", "useful_output", "job"};
    TRY(check_object(p, root, "", keys, sizeof keys / sizeof keys[0]));
    char f[200];
    pouw_status st;
    const cJSON *hd = member(p, root, "", "header", f, sizeof f, &st);
    if (!hd)
        return st;
    TRY(parse_header(p, hd, &b->header));
    TRY(get_hex(p, root, "", "pre_hash", b->pre_hash));
    TRY(get_hex(p, root, "", "post_hash", b->post_hash));
    const cJSON *pr = member(p, root, "", "proof", f, sizeof f, &st);
    if (!pr)
        return st;
    TRY(parse_proof(p, pr, b));
    TRY(parse_txs(p, root, b));
    TRY(parse_ledger(p, root, b));
    TRY(parse_sequences(p, root, b));
    TRY(parse_useful(p, root, b));
    TRY(parse_job(p, root, b));
    /* the ledger comes last (spec s11.8: the limit counts the document before it;
     * pouw_block_body_bytes) */
    const cJSON *last = root->child;
    while (last && last->next)
        last = last->next;
    const cJSON *led = cJSON_GetObjectItemCaseSensitive(root, "ledger");
    const cJSON *sq = cJSON_GetObjectItemCaseSensitive(root, "sequences");
    int ok = led && (sq ? (sq == last && led->next == sq) : led == last);
    if (!ok)
        return bad(p, "ledger", "the ledger (and its sequences) must be the last members of the document");
    return POUW_OK;
}

/* Parses json[0..len) (at most max bytes, no NUL, nesting within
 * POUW_BLOCK_MAX_DEPTH, only white space after the value) into *root (caller
 * deletes). Returns: POUW_OK or POUW_EFORMAT (err filled). */
static pouw_status read_json(pctx *p, cJSON **root, const char *json, size_t len, size_t max)
{
    *root = NULL;
    if (len > max)
        return bad(p, "", "document larger than %zu bytes", max);
    if (len == 0)
        return bad(p, "", "empty document");
    if (memchr(json, '\0', len))
        return bad(p, "", "NUL byte in the document");
    if (common_json_too_deep(json, len, POUW_BLOCK_MAX_DEPTH)) /* before cJSON recurses */
        return bad(p, "", "JSON nested deeper than %d levels", POUW_BLOCK_MAX_DEPTH);
    const char *end = NULL;
    cJSON *r = cJSON_ParseWithLengthOpts(json, len, &end, 0);
    if (r && end) { /* only white space may follow the value */
        for (const char *q = end; q < json + len; q++)
            if (*q != ' ' && *q != '\t' && *q != '\n' && *q != '\r') {
                cJSON_Delete(r);
                r = NULL;
                end = q;
                break;
            }
    }
    if (!r) {
        size_t off = end ? (size_t)(end - json) : 0;
        if (off > len)
            off = len;
        size_t line = 1;
        for (size_t i = 0; i < off; i++)
            line += json[i] == '\n';
        char where[48];
        snprintf(where, sizeof where, "line %zu", line);
        return bad(p, where, "malformed JSON (at byte %zu)", off);
    }
    *root = r;
    return POUW_OK;
}

size_t pouw_block_body_bytes(const char *json, size_t len)
{
    assert(json || len == 0);
    static const char key[] = "\"ledger\"";
    const size_t k = sizeof key - 1;
    for (size_t i = len; i >= k; i--) /* the last occurrence: the ledger holds only hex keys and integers */
        if (json[i - k] == '"' && memcmp(json + i - k, key, k) == 0)
            return i - k;
    return len;
}

pouw_status pouw_block_parse(pouw_block *b, common_error *err, const char *path, const char *json, size_t len)
{
    assert(b && (json || len == 0));
    pouw_block_clear(b);
    common_error_clear(err);
    pctx p = {path ? path : "", err};
    cJSON *root;
    pouw_status st = read_json(&p, &root, json, len, POUW_BLOCK_MAX_BYTES);
    if (st != POUW_OK)
        return st;
    st = parse_root(&p, root, b);
    cJSON_Delete(root);
    if (st != POUW_OK)
        pouw_block_clear(b);
    return st;
}

pouw_status pouw_tx_parse(pouw_tx *tx, common_error *err, const char *path, const char *json, size_t len)
{
    assert(tx && (json || len == 0));
    memset(tx, 0, sizeof *tx);
    common_error_clear(err);
    pctx p = {path ? path : "", err};
    cJSON *root;
    pouw_status st = read_json(&p, &root, json, len, POUW_TX_JSON_MAX_BYTES);
    if (st != POUW_OK)
        return st;
    st = parse_tx(&p, root, "", tx);
    cJSON_Delete(root);
    if (st != POUW_OK)
        memset(tx, 0, sizeof *tx);
    return st;
}

pouw_status pouw_tx_to_json(char **json, size_t *len, const pouw_tx *tx)
{
    assert(json && len && tx);
    *json = NULL;
    *len = 0;
    wctx w = {0, 0};
    cJSON *o = tx_json(&w, tx);
    return finish_json(o, &w, 0, json, len);
}

pouw_status pouw_block_load(pouw_block *b, common_error *err, const char *path)
{
    assert(b && path);
    pouw_block_clear(b);
    common_error_clear(err);
    char *buf;
    size_t n;
    common_file_status fs = common_file_read(&buf, &n, err, path, POUW_BLOCK_MAX_BYTES);
    if (fs != COMMON_FILE_OK) {
        pouw_status st = fs == COMMON_FILE_ENOMEM ? POUW_ENOMEM : POUW_EIO;
        if (err)
            err->code = st;
        return st;
    }
    pouw_status st = pouw_block_parse(b, err, path, buf, n);
    free(buf);
    return st;
}
