/* chain/report.c - status, recent blocks and economy snapshot of a data directory
 * (see report.h). */
#include "chain/report.h"

#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "common/clock.h"
#include "common/file.h"
#include "chain/validate.h"
#include "chain/params.h"
#include "chain/store.h"
#include "pouw/block.h"
#include "pouw/tx.h"
#include "pouw/verify.h"

#define STATUS_LAST_BLOCKS 5

static void tell(const chain_report_opts *o, const common_error *err)
{
    if (o && o->notice)
        o->notice(o->notice_user, err);
}

static const chain_params *chain_at(const chain_report_opts *o, unsigned i)
{
    return o->testnet ? chain_testnet_at(i) : chain_params_at(i);
}

static uint64_t wall_ms(void *user)
{
    (void)user;
    return common_clock_wall_ms();
}

/* ---------------------------------------------------------------- key labels */

static int by_file(const void *a, const void *b)
{
    return strcmp(((const chain_report_key *)a)->file, ((const chain_report_key *)b)->file);
}

int chain_report_load_keys(chain_report_key **keys, size_t *n, const char *datadir,
                           chain_report_notice_fn notice, void *user)
{
    *keys = NULL;
    *n = 0;
    char dir[CHAIN_PATH_MAX];
    snprintf(dir, sizeof dir, "%s/keys", datadir);
    DIR *d = opendir(dir);
    if (!d)
        return 0;
    size_t cap = 0;
    struct dirent *de;
    int rc = 0;
    while ((de = readdir(d)) != NULL) {
        size_t l = strlen(de->d_name);
        if (de->d_name[0] == '.' || l < 5 || strcmp(de->d_name + l - 4, ".key") != 0 || l >= sizeof (*keys)->file)
            continue;
        char path[CHAIN_PATH_MAX + 256];
        snprintf(path, sizeof path, "%s/%s", dir, de->d_name);
        pouw_key k;
        common_error err;
        if (pouw_key_load(&k, &err, path) != POUW_OK) {
            if (notice)
                notice(user, &err);
            continue;
        }
        if (*n == cap) {
            size_t nc = cap ? cap * 2 : 8;
            chain_report_key *nk = realloc(*keys, nc * sizeof *nk);
            if (!nk) {
                pouw_key_clear(&k);
                rc = -1;
                break;
            }
            *keys = nk;
            cap = nc;
        }
        chain_report_key *kk = &(*keys)[(*n)++];
        memcpy(kk->pub, k.pub, 32);
        snprintf(kk->label, sizeof kk->label, "%s", k.label);
        snprintf(kk->file, sizeof kk->file, "%s", de->d_name);
        pouw_key_clear(&k);
    }
    closedir(d);
    if (rc) {
        free(*keys);
        *keys = NULL;
        *n = 0;
        return rc;
    }
    if (*n > 1)
        qsort(*keys, *n, sizeof **keys, by_file);
    return 0;
}

const char *chain_report_label(const chain_report_key *keys, size_t n, const uint8_t pub32[32])
{
    for (size_t i = 0; i < n; i++)
        if (memcmp(keys[i].pub, pub32, 32) == 0 && keys[i].label[0])
            return keys[i].label;
    return "";
}

/* ---------------------------------------------------------------- JSON helpers */

static cJSON *raw_int(int64_t v)
{
    char t[32];
    snprintf(t, sizeof t, "%" PRId64, v);
    return cJSON_CreateRaw(t);
}

static cJSON *bits_str(uint32_t bits)
{
    char t[16];
    snprintf(t, sizeof t, "0x%08" PRIx32, bits);
    return cJSON_CreateString(t);
}

static cJSON *hex_str(const uint8_t *b32)
{
    char h[POUW_SHA256_HEX];
    pouw_hex_encode(h, b32, 32);
    return cJSON_CreateString(h);
}

static void iso_time(char *out, size_t cap, uint64_t ms)
{
    time_t t = (time_t)(ms / 1000u);
    struct tm tm;
    if (!gmtime_r(&t, &tm) || strftime(out, cap, "%Y-%m-%dT%H:%M:%S", &tm) == 0) {
        snprintf(out, cap, "?");
        return;
    }
    size_t l = strlen(out);
    snprintf(out + l, cap - l, ".%03uZ", (unsigned)(ms % 1000u));
}

/* cJSON's constructors return NULL when out of memory; adding NULL is refused by
 * cJSON_AddItemToObject, so one check of the finished tree is not enough: each add
 * counts its failures in *oom. */
static void add(cJSON *obj, const char *key, cJSON *item, int *oom)
{
    if (!item || !obj || !cJSON_AddItemToObject(obj, key, item)) {
        cJSON_Delete(item);
        *oom = 1;
    }
}

static void push(cJSON *arr, cJSON *item, int *oom)
{
    if (!item || !arr || !cJSON_AddItemToArray(arr, item)) {
        cJSON_Delete(item);
        *oom = 1;
    }
}

/* ---------------------------------------------------------------- status */

/* 1 when datadir holds chain p (opening says why when the database is there but broken). */
static int chain_exists(const char *datadir, const chain_params *p)
{
    chain_store *s = NULL;
    common_error err;
    chain_status cs = chain_store_open(&s, &err, datadir, p, NULL);
    chain_store_close(s);
    return cs != CHAIN_EUNKNOWN;
}

typedef struct notice_ctx {
    const chain_report_opts *o;
} notice_ctx;

static void store_notice(void *user, const common_error *err)
{
    tell(((const notice_ctx *)user)->o, err);
}

/* Opens the existing chain p of datadir (never creates), as every reader does. */
static chain_status open_chain(chain_store **s, common_error *err, const char *datadir, const chain_params *p,
                               const chain_report_opts *o, chain_v1_verifier *v, notice_ctx *nc)
{
    chain_store_opts so;
    memset(&so, 0, sizeof so);
    v->threads = o->threads ? o->threads : 1;
    v->clock_ms = wall_ms;
    v->clock_user = NULL;
    chain_v1_store_opts(&so, v);
    so.genesis = NULL;
    so.notice = store_notice;
    so.notice_user = nc;
    return chain_store_open(s, err, datadir, p, &so);
}

/* The status object of chain p (open in s) into arr. Returns CHAIN_OK, the code of a
 * read that failed (err filled, told to notice), CHAIN_ENOMEM. */
static chain_status status_chain(cJSON *arr, common_error *err, chain_store *s, const chain_report_key *keys,
                                 size_t nkeys, const chain_report_opts *o)
{
    const chain_params *p = chain_store_params(s);
    pouw_block tip, b;
    pouw_block_init(&tip);
    pouw_block_init(&b);
    uint64_t h = chain_store_tip_height(s);
    chain_status cs = chain_store_load(&tip, err, s, h);
    if (cs != CHAIN_OK) {
        tell(o, err);
        pouw_block_clear(&tip);
        return cs;
    }
    common_error e2;
    pouw_requirements next;
    int has_next = chain_required_targets(&next, &e2, p, s, h + 1) == CHAIN_OK;
    pouw_tx *pend = NULL;
    size_t npend = 0;
    if (chain_store_tx_list(&pend, &npend, &e2, s) != CHAIN_OK)
        tell(o, &e2);
    free(pend);
    int oom = 0;
    chain_status rc = CHAIN_OK;
    int64_t coins = pouw_ledger_total(&tip.ledger);
    cJSON *c = cJSON_CreateObject();
    push(arr, c, &oom);
    if (oom) {
        pouw_block_clear(&tip);
        return CHAIN_ENOMEM;
    }
    add(c, "name", cJSON_CreateString(p->name), &oom);
    add(c, "coin", cJSON_CreateString(p->coin), &oom);
    add(c, "chain_id", raw_int(p->chain_id), &oom);
    add(c, "absent", cJSON_CreateFalse(), &oom);
    add(c, "height", raw_int((int64_t)h), &oom);
    add(c, "tip", hex_str(tip.post_hash), &oom);
    add(c, "prehash_bits", bits_str(tip.header.prehash_bits), &oom);
    add(c, "pps_threshold_micro", raw_int(tip.header.pps_threshold_micro), &oom);
    add(c, "next_prehash_bits", has_next ? bits_str(next.prehash_bits) : cJSON_CreateNull(), &oom);
    add(c, "next_pps_threshold_micro", has_next ? raw_int(next.pps_threshold_micro) : cJSON_CreateNull(), &oom);
    add(c, "post_bits", bits_str(tip.header.post_bits), &oom);
    add(c, "next_post_bits", has_next ? bits_str(next.post_bits) : cJSON_CreateNull(), &oom);
    cJSON *blocks = cJSON_CreateArray();
    add(c, "blocks", blocks, &oom);
    for (uint64_t k = 0; k < STATUS_LAST_BLOCKS && k <= h && !oom; k++) {
        const pouw_block *x = &tip;
        if (k > 0) {
            chain_status ls = chain_store_load(&b, err, s, h - k);
            if (ls != CHAIN_OK) {
                tell(o, err);
                rc = ls;
                break;
            }
            x = &b;
        }
        char when[48];
        iso_time(when, sizeof when, x->header.time_ms);
        cJSON *bo = cJSON_CreateObject();
        push(blocks, bo, &oom);
        add(bo, "height", raw_int((int64_t)x->header.height), &oom);
        add(bo, "id", hex_str(x->post_hash), &oom);
        add(bo, "time_ms", raw_int((int64_t)x->header.time_ms), &oom);
        add(bo, "time", cJSON_CreateString(when), &oom);
        add(bo, "miner", hex_str(x->header.miner), &oom);
        add(bo, "transactions", raw_int((int64_t)x->n_txs), &oom);
    }
    cJSON *bal = cJSON_CreateArray();
    add(c, "balances", bal, &oom);
    for (size_t i = 0; i < tip.ledger.n && !oom; i++) {
        const pouw_ledger_entry *e = &tip.ledger.e[i];
        const char *label = chain_report_label(keys, nkeys, e->account);
        cJSON *eo = cJSON_CreateObject();
        push(bal, eo, &oom);
        add(eo, "account", hex_str(e->account), &oom);
        add(eo, "balance_units", raw_int(e->balance), &oom);
        add(eo, "sequence", raw_int((int64_t)e->sequence), &oom);
        add(eo, "label", label[0] ? cJSON_CreateString(label) : cJSON_CreateNull(), &oom);
    }
    add(c, "coins_units", raw_int(coins), &oom);
    cJSON *mp = cJSON_CreateObject();
    add(c, "mempool", mp, &oom);
    add(mp, "pending", raw_int((int64_t)npend), &oom);
    add(mp, "ignored", raw_int(0), &oom); /* the mempool is in the database: nothing to ignore */
    pouw_block_clear(&b);
    pouw_block_clear(&tip);
    return oom ? CHAIN_ENOMEM : rc;
}

chain_status chain_report_status_json(cJSON **out, size_t *found, common_error *err, const char *datadir,
                                      const chain_report_opts *o)
{
    *out = NULL;
    *found = 0;
    common_error_clear(err);
    chain_report_key *keys;
    size_t nkeys;
    if (chain_report_load_keys(&keys, &nkeys, datadir, o->notice, o->notice_user))
        return common_error_set(err, CHAIN_ENOMEM, datadir, "keys", "out of memory");
    cJSON *arr = cJSON_CreateArray();
    int oom = arr == NULL;
    chain_status first = CHAIN_OK;
    notice_ctx nc = {o};
    for (unsigned i = 0; i < CHAIN_COUNT && !oom; i++) {
        const chain_params *p = chain_at(o, i);
        if (!chain_exists(datadir, p)) {
            cJSON *c = cJSON_CreateObject();
            push(arr, c, &oom);
            add(c, "name", cJSON_CreateString(p->name), &oom);
            add(c, "coin", cJSON_CreateString(p->coin), &oom);
            add(c, "chain_id", raw_int(p->chain_id), &oom);
            add(c, "absent", cJSON_CreateTrue(), &oom);
            continue;
        }
        (*found)++;
        chain_store *s;
        chain_v1_verifier v;
        common_error e;
        chain_status cs = open_chain(&s, &e, datadir, p, o, &v, &nc);
        if (cs == CHAIN_OK) {
            cs = status_chain(arr, &e, s, keys, nkeys, o);
            chain_store_close(s);
        } else {
            tell(o, &e);
        }
        if (cs == CHAIN_ENOMEM)
            oom = 1;
        else if (cs != CHAIN_OK && first == CHAIN_OK) {
            first = cs;
            *err = e;
        }
    }
    free(keys);
    if (oom) {
        cJSON_Delete(arr);
        return common_error_set(err, CHAIN_ENOMEM, datadir, "", "out of memory");
    }
    *out = arr;
    return first;
}

/* ---------------------------------------------------------------- status text */

/* The member's text: raw numbers and strings as they are, null as "null". */
static const char *val(const cJSON *obj, const char *key)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
    if (!v || cJSON_IsNull(v))
        return "null";
    if ((cJSON_IsRaw(v) || cJSON_IsString(v)) && v->valuestring)
        return v->valuestring;
    if (cJSON_IsTrue(v))
        return "true";
    if (cJSON_IsFalse(v))
        return "false";
    return "?";
}

static int has(const cJSON *obj, const char *key)
{
    return cJSON_GetObjectItemCaseSensitive(obj, key) != NULL;
}

/* Coins with six decimals from a units number of the status JSON ("?" when it is not one). */
static const char *units_text(char cb[POUW_AMOUNT_TEXT_MAX], const cJSON *v)
{
    if (!cJSON_IsNumber(v) && !cJSON_IsRaw(v))
        return "?";
    const char *t = cJSON_IsRaw(v) ? v->valuestring : NULL;
    long long u = t ? strtoll(t, NULL, 10) : (long long)v->valuedouble;
    return pouw_amount_format(cb, (int64_t)u);
}


int chain_report_status_text(FILE *f, const cJSON *chains)
{
    if (!cJSON_IsArray(chains))
        return -1;
    const cJSON *c;
    cJSON_ArrayForEach(c, chains) {
        if (!cJSON_IsObject(c))
            return -1;
        fprintf(f, "chain %s %s id %s\n", val(c, "name"), val(c, "coin"), val(c, "chain_id"));
        if (cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(c, "absent"))) {
            fprintf(f, "  absent true\n");
            continue;
        }
        static const char *const head[] = {"height", "tip", "prehash_bits", "pps_threshold_micro",
                                           "next_prehash_bits", "next_pps_threshold_micro", "post_bits",
                                           "next_post_bits"};
        for (size_t i = 0; i < sizeof head / sizeof head[0]; i++)
            if (has(c, head[i]))
                fprintf(f, "  %s %s\n", head[i], val(c, head[i]));
        const cJSON *x;
        cJSON_ArrayForEach(x, cJSON_GetObjectItemCaseSensitive(c, "blocks"))
            fprintf(f, "  block height %s id %s time_ms %s time %s transactions %s miner %s\n", val(x, "height"),
                    val(x, "id"), val(x, "time_ms"), val(x, "time"), val(x, "transactions"), val(x, "miner"));
        char cb[POUW_AMOUNT_TEXT_MAX];
        cJSON_ArrayForEach(x, cJSON_GetObjectItemCaseSensitive(c, "balances"))
            fprintf(f, "  balance account %s balance %s sequence %s label %s\n", val(x, "account"),
                    units_text(cb, cJSON_GetObjectItemCaseSensitive(x, "balance_units")), val(x, "sequence"),
                    val(x, "label"));
        if (has(c, "coins_units"))
            fprintf(f, "  coins %s\n", units_text(cb, cJSON_GetObjectItemCaseSensitive(c, "coins_units")));
        const cJSON *mp = cJSON_GetObjectItemCaseSensitive(c, "mempool");
        if (mp)
            fprintf(f, "  mempool pending %s ignored %s\n", val(mp, "pending"), val(mp, "ignored"));
    }
    return 0;
}

/* ---------------------------------------------------------------- recent blocks */

static chain_status recent_chain(cJSON *obj, common_error *err, chain_store *s, size_t n)
{
    const chain_params *p = chain_store_params(s);
    chain_block_meta *m = calloc(n + 1, sizeof *m);
    if (!m)
        return common_error_set(err, CHAIN_ENOMEM, "", p->name, "out of memory");
    uint8_t tip[32];
    chain_store_tip_id(tip, s);
    size_t got = 0;
    chain_status cs = chain_store_ancestors(m, &got, err, s, tip, n + 1); /* one more: the oldest's interval */
    if (cs != CHAIN_OK) {
        free(m);
        return cs;
    }
    int oom = 0;
    cJSON *c = cJSON_CreateObject();
    add(obj, p->name, c, &oom);
    add(c, "height", raw_int((int64_t)chain_store_tip_height(s)), &oom);
    cJSON *blocks = cJSON_CreateArray();
    add(c, "blocks", blocks, &oom);
    int64_t sum = 0;
    int64_t k = 0;
    for (size_t i = 0; i < got && i < n && !oom; i++) {
        const chain_block_meta *x = &m[i];
        /* genesis has a fixed time: an interval to it says nothing */
        int has_iv = i + 1 < got && m[i + 1].height > 0;
        int64_t iv = has_iv ? (int64_t)x->time_ms - (int64_t)m[i + 1].time_ms : 0;
        cJSON *bo = cJSON_CreateObject();
        push(blocks, bo, &oom);
        add(bo, "height", raw_int((int64_t)x->height), &oom);
        add(bo, "id", hex_str(x->id), &oom);
        add(bo, "time_ms", raw_int((int64_t)x->time_ms), &oom);
        add(bo, "interval_ms", has_iv ? raw_int(iv) : cJSON_CreateNull(), &oom);
        add(bo, "miner", hex_str(x->miner), &oom);
        add(bo, "prehash_bits", bits_str(x->prehash_bits), &oom);
        add(bo, "pps_threshold_micro", raw_int(x->pps_threshold_micro), &oom);
        add(bo, "post_bits", bits_str(x->post_bits), &oom);
        add(bo, "transactions", raw_int((int64_t)x->n_txs), &oom);
        if (has_iv) {
            sum += iv;
            k++;
        }
    }
    add(c, "mean_interval_ms", k ? raw_int(sum / k) : cJSON_CreateNull(), &oom);
    add(c, "n_intervals", raw_int(k), &oom);
    free(m);
    return oom ? common_error_set(err, CHAIN_ENOMEM, "", p->name, "out of memory") : CHAIN_OK;
}

chain_status chain_report_recent_json(cJSON **out, common_error *err, const char *datadir,
                                      const chain_report_opts *o, size_t n)
{
    *out = NULL;
    common_error_clear(err);
    if (n < 1)
        n = 1;
    if (n > CHAIN_REPORT_RECENT_MAX)
        n = CHAIN_REPORT_RECENT_MAX;
    cJSON *obj = cJSON_CreateObject();
    if (!obj)
        return common_error_set(err, CHAIN_ENOMEM, datadir, "", "out of memory");
    notice_ctx nc = {o};
    for (unsigned i = 0; i < CHAIN_COUNT; i++) {
        const chain_params *p = chain_at(o, i);
        if (!chain_exists(datadir, p))
            continue;
        chain_store *s;
        chain_v1_verifier v;
        common_error e;
        chain_status cs = open_chain(&s, &e, datadir, p, o, &v, &nc);
        if (cs == CHAIN_OK) {
            cs = recent_chain(obj, &e, s, n);
            chain_store_close(s);
        }
        if (cs == CHAIN_ENOMEM) {
            cJSON_Delete(obj);
            *err = e;
            return CHAIN_ENOMEM;
        }
        if (cs != CHAIN_OK)
            tell(o, &e);
    }
    *out = obj;
    return CHAIN_OK;
}

/* ---------------------------------------------------------------- economy.json */

#define FIELD_CAP sizeof(((common_error *)0)->field)

typedef struct checker {
    common_error *err;
    const char *path;
} checker;

static chain_status bad(const checker *k, const char *field, const char *what)
{
    return common_error_set(k->err, CHAIN_EMALFORMED, k->path, field, "%s", what);
}

static int is_num(const cJSON *v) { return cJSON_IsNumber(v) && isfinite(v->valuedouble); }
static int is_nonneg(const cJSON *v) { return is_num(v) && v->valuedouble >= 0; }

/* [[TICKS, UNITS], ...] with positive prices and quantities. */
static chain_status check_levels(const checker *k, const cJSON *v, const char *field)
{
    char f[FIELD_CAP];
    if (!cJSON_IsArray(v))
        return bad(k, field, "expected an array of [price_ticks, units] levels");
    int i = 0;
    const cJSON *l;
    cJSON_ArrayForEach(l, v) {
        snprintf(f, sizeof f, "%s[%d]", field, i);
        if (!cJSON_IsArray(l) || cJSON_GetArraySize(l) != 2 || !is_nonneg(cJSON_GetArrayItem(l, 0)) ||
            !is_nonneg(cJSON_GetArrayItem(l, 1)))
            return bad(k, f, "expected [price_ticks, units], two numbers >= 0");
        i++;
    }
    return CHAIN_OK;
}

static chain_status check_pair(const checker *k, const cJSON *pr, const char *name)
{
    char f[FIELD_CAP];
    snprintf(f, sizeof f, "pairs.%s", name);
    if (!cJSON_IsObject(pr))
        return bad(k, f, "expected an object (last, bids, asks, closes, volume)");
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(pr, "last");
    snprintf(f, sizeof f, "pairs.%s.last", name);
    if (v && !cJSON_IsNull(v) && !is_nonneg(v))
        return bad(k, f, "expected a price in ticks (a number >= 0) or null");
    static const char *const sides[] = {"bids", "asks"};
    for (int s = 0; s < 2; s++) {
        v = cJSON_GetObjectItemCaseSensitive(pr, sides[s]);
        snprintf(f, sizeof f, "pairs.%s.%s", name, sides[s]);
        if (v) {
            chain_status cs = check_levels(k, v, f);
            if (cs)
                return cs;
        }
    }
    v = cJSON_GetObjectItemCaseSensitive(pr, "closes");
    if (v) {
        snprintf(f, sizeof f, "pairs.%s.closes", name);
        if (!cJSON_IsArray(v))
            return bad(k, f, "expected an array of prices in ticks");
        int i = 0;
        const cJSON *x;
        cJSON_ArrayForEach(x, v) {
            snprintf(f, sizeof f, "pairs.%s.closes[%d]", name, i++);
            if (!is_nonneg(x))
                return bad(k, f, "expected a price in ticks (a number >= 0)");
        }
    }
    v = cJSON_GetObjectItemCaseSensitive(pr, "volume");
    snprintf(f, sizeof f, "pairs.%s.volume", name);
    if (v && !is_nonneg(v))
        return bad(k, f, "expected units traded (a number >= 0)");
    return CHAIN_OK;
}

chain_status chain_report_economy_check(common_error *err, const cJSON *doc, const char *path)
{
    checker k = {err, path};
    char f[FIELD_CAP];
    if (!cJSON_IsObject(doc))
        return bad(&k, "", "expected a JSON object");
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(doc, "version");
    if (!is_num(v))
        return bad(&k, "version", "missing or not a number (expected 1)");
    if (v->valuedouble != 1)
        return bad(&k, "version", "unsupported version (expected 1)");
    v = cJSON_GetObjectItemCaseSensitive(doc, "run");
    if (v && !(cJSON_IsString(v) && (strcmp(v->valuestring, "sim") == 0 || strcmp(v->valuestring, "live") == 0)))
        return bad(&k, "run", "expected \"sim\" or \"live\"");
    v = cJSON_GetObjectItemCaseSensitive(doc, "t");
    if (!is_nonneg(v))
        return bad(&k, "t", "missing or not a number of seconds >= 0");
    v = cJSON_GetObjectItemCaseSensitive(doc, "duration");
    if (v && !is_nonneg(v))
        return bad(&k, "duration", "expected a number of seconds >= 0");
    v = cJSON_GetObjectItemCaseSensitive(doc, "custody_ok");
    if (v && !cJSON_IsBool(v))
        return bad(&k, "custody_ok", "expected true or false");
    v = cJSON_GetObjectItemCaseSensitive(doc, "pairs");
    if (!cJSON_IsObject(v))
        return bad(&k, "pairs", "missing or not an object of pairs");
    const cJSON *pr;
    cJSON_ArrayForEach(pr, v) {
        if (!pr->string || !pr->string[0])
            return bad(&k, "pairs", "a pair without a name");
        chain_status cs = check_pair(&k, pr, pr->string);
        if (cs)
            return cs;
    }
    v = cJSON_GetObjectItemCaseSensitive(doc, "trades");
    if (v) {
        if (!cJSON_IsArray(v))
            return bad(&k, "trades", "expected an array of trades");
        int i = 0;
        const cJSON *t;
        cJSON_ArrayForEach(t, v) {
            snprintf(f, sizeof f, "trades[%d]", i++);
            if (!cJSON_IsArray(t) || cJSON_GetArraySize(t) != 6 || !is_nonneg(cJSON_GetArrayItem(t, 0)) ||
                !cJSON_IsString(cJSON_GetArrayItem(t, 1)) || !is_nonneg(cJSON_GetArrayItem(t, 2)) ||
                !is_nonneg(cJSON_GetArrayItem(t, 3)) || !cJSON_IsString(cJSON_GetArrayItem(t, 4)) ||
                !cJSON_IsString(cJSON_GetArrayItem(t, 5)))
                return bad(&k, f, "expected [t, \"PAIR\", price_ticks, units, \"buyer\", \"seller\"]");
        }
    }
    v = cJSON_GetObjectItemCaseSensitive(doc, "top");
    if (v) {
        if (!cJSON_IsArray(v))
            return bad(&k, "top", "expected an array of agents");
        int i = 0;
        const cJSON *a;
        cJSON_ArrayForEach(a, v) {
            snprintf(f, sizeof f, "top[%d]", i);
            if (!cJSON_IsObject(a))
                return bad(&k, f, "expected an object (agent, value, ALPHA, BRAVO, CHARLIE)");
            snprintf(f, sizeof f, "top[%d].agent", i);
            if (!cJSON_IsString(cJSON_GetObjectItemCaseSensitive(a, "agent")))
                return bad(&k, f, "missing or not a string");
            snprintf(f, sizeof f, "top[%d].value", i);
            if (!is_num(cJSON_GetObjectItemCaseSensitive(a, "value")))
                return bad(&k, f, "missing or not a number");
            static const char *const coins[] = {"ALPHA", "BRAVO", "CHARLIE"};
            for (int c = 0; c < 3; c++) {
                const cJSON *u = cJSON_GetObjectItemCaseSensitive(a, coins[c]);
                snprintf(f, sizeof f, "top[%d].%s", i, coins[c]);
                if (u && !is_num(u))
                    return bad(&k, f, "expected units (a number)");
            }
            i++;
        }
    }
    return CHAIN_OK;
}

chain_status chain_report_economy_load(cJSON **out, common_error *err, const char *datadir)
{
    *out = NULL;
    common_error_clear(err);
    char path[CHAIN_PATH_MAX + 32];
    snprintf(path, sizeof path, "%s/%s", datadir, CHAIN_REPORT_ECONOMY_FILE);
    struct stat sb;
    if (lstat(path, &sb) != 0 && errno == ENOENT)
        return CHAIN_OK; /* no economy (yet) */
    char *data = NULL;
    size_t len = 0;
    common_file_status fs = common_file_read(&data, &len, err, path, CHAIN_REPORT_ECONOMY_MAX_BYTES);
    if (fs == COMMON_FILE_ENOMEM)
        return common_error_set(err, CHAIN_ENOMEM, path, "", "out of memory");
    if (fs != COMMON_FILE_OK) {
        err->code = CHAIN_EIO;
        return CHAIN_EIO;
    }
    const char *end = NULL;
    cJSON *doc = cJSON_ParseWithLengthOpts(data, len + 1, &end, 1); /* with its NUL: nothing may follow */
    if (!doc) {
        size_t at = end && end >= data ? (size_t)(end - data) : 0;
        free(data);
        return common_error_set(err, CHAIN_EMALFORMED, path, "", "not a whole JSON document (near byte %zu of %zu)", at,
                                len);
    }
    free(data);
    chain_status cs = chain_report_economy_check(err, doc, path);
    if (cs != CHAIN_OK) {
        cJSON_Delete(doc);
        return cs;
    }
    *out = doc;
    return CHAIN_OK;
}

/* ---------------------------------------------------------------- a node's peers */

chain_status chain_report_peers_json(cJSON **out, common_error *err, const char *datadir)
{
    *out = NULL;
    common_error_clear(err);
    char path[CHAIN_PATH_MAX + 32];
    snprintf(path, sizeof path, "%s/peers.json", datadir);
    struct stat sb;
    if (lstat(path, &sb) != 0 && errno == ENOENT)
        return CHAIN_OK;
    char *data = NULL;
    size_t len = 0;
    common_file_status fs = common_file_read(&data, &len, err, path, 4u << 20);
    if (fs == COMMON_FILE_ENOMEM)
        return common_error_set(err, CHAIN_ENOMEM, path, "", "out of memory");
    if (fs != COMMON_FILE_OK) {
        err->code = CHAIN_EIO;
        return CHAIN_EIO;
    }
    cJSON *doc = cJSON_ParseWithLength(data, len);
    free(data);
    const cJSON *peers = doc ? cJSON_GetObjectItemCaseSensitive(doc, "peers") : NULL;
    const cJSON *listen = doc ? cJSON_GetObjectItemCaseSensitive(doc, "listen") : NULL;
    const cJSON *upd = doc ? cJSON_GetObjectItemCaseSensitive(doc, "updated_ms") : NULL;
    if (!cJSON_IsObject(doc) || !cJSON_IsArray(peers) || !cJSON_IsString(listen) || !cJSON_IsNumber(upd)) {
        cJSON_Delete(doc);
        return common_error_set(err, CHAIN_EMALFORMED, path, doc ? "peers" : "",
                                doc ? "not a peers.json of schema 1 (listen, updated_ms, peers)" : "not JSON");
    }
    cJSON *node = cJSON_CreateObject();
    cJSON *arr = node ? cJSON_AddArrayToObject(node, "peers") : NULL;
    if (!arr) {
        cJSON_Delete(node);
        cJSON_Delete(doc);
        return common_error_set(err, CHAIN_ENOMEM, path, "", "out of memory");
    }
    cJSON_AddStringToObject(node, "listen", listen->valuestring);
    cJSON_AddNumberToObject(node, "updated_ms", upd->valuedouble);
    double age_ms = (double)common_clock_wall_ms() - upd->valuedouble;
    cJSON_AddBoolToObject(node, "running", age_ms >= -5000 && age_ms <= 5000);
    static const char *const keep[] = {"address", "direction", "state", "heights", "score", "banned_until_ms"};
    size_t i = 0;
    const cJSON *p;
    cJSON_ArrayForEach(p, peers) {
        char field[32];
        snprintf(field, sizeof field, "peers[%zu]", i++);
        if (!cJSON_IsObject(p) || !cJSON_IsString(cJSON_GetObjectItemCaseSensitive(p, "address"))) {
            cJSON_Delete(node);
            cJSON_Delete(doc);
            return common_error_set(err, CHAIN_EMALFORMED, path, field, "a peer without an address");
        }
        cJSON *q = cJSON_CreateObject();
        for (size_t k = 0; q && k < sizeof keep / sizeof keep[0]; k++) {
            const cJSON *v = cJSON_GetObjectItemCaseSensitive(p, keep[k]);
            if (v)
                cJSON_AddItemToObject(q, keep[k], cJSON_Duplicate(v, 1));
        }
        if (q)
            cJSON_AddItemToArray(arr, q);
    }
    cJSON_Delete(doc);
    *out = node;
    return CHAIN_OK;
}

static const char *pval(char *buf, size_t n, const cJSON *v)
{
    if (cJSON_IsString(v))
        return v->valuestring;
    if (cJSON_IsNumber(v)) {
        snprintf(buf, n, "%.0f", v->valuedouble);
        return buf;
    }
    return "null";
}

void chain_report_peers_text(FILE *f, const cJSON *node)
{
    if (!node)
        return;
    char b1[32], b2[32];
    fprintf(f, "node listen %s running %s updated_ms %s\n", pval(b1, sizeof b1, cJSON_GetObjectItemCaseSensitive(node, "listen")),
            cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(node, "running")) ? "yes" : "no",
            pval(b2, sizeof b2, cJSON_GetObjectItemCaseSensitive(node, "updated_ms")));
    const cJSON *p;
    cJSON_ArrayForEach(p, cJSON_GetObjectItemCaseSensitive(node, "peers")) {
        char hs[512] = "";
        size_t len = 0;
        const cJSON *h;
        cJSON_ArrayForEach(h, cJSON_GetObjectItemCaseSensitive(p, "heights")) {
            if (h->string && cJSON_IsNumber(h) && len < sizeof hs)
                len += (size_t)snprintf(hs + len, sizeof hs - len, "%s%s=%.0f", len ? "," : "", h->string, h->valuedouble);
        }
        char a[32], b[32], c[32], d[32], e[32];
        fprintf(f, "  peer %s direction %s state %s heights %s score %s banned_until_ms %s\n",
                pval(a, sizeof a, cJSON_GetObjectItemCaseSensitive(p, "address")),
                pval(b, sizeof b, cJSON_GetObjectItemCaseSensitive(p, "direction")),
                pval(c, sizeof c, cJSON_GetObjectItemCaseSensitive(p, "state")), len ? hs : "-",
                pval(d, sizeof d, cJSON_GetObjectItemCaseSensitive(p, "score")),
                pval(e, sizeof e, cJSON_GetObjectItemCaseSensitive(p, "banned_until_ms")));
    }
}
