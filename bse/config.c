/* bse/config.c - case JSON: parse, validate, write back (see config.h).
 * Parsing never trusts the input: every field is type- and range-checked before
 * it is stored, and every error names the file and the JSON path of the field. */
#include "bse/config.h"

#include <assert.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "common/file.h"
#include "common/json.h"
#include "bse/rng.h"

static const char *const TTYPE_NAMES[BSE_T_COUNT] = {"GVWY",  "ZIC",  "SHVR", "SNPR", "ZIP", "ZIPSH",
                                                     "PRZI",  "PRSH", "PRDE", "PT1",  "PT2"};
static const char *const STEPMODES[] = {"fixed", "jittered", "random"};
static const char *const TIMEMODES[] = {"periodic", "drip-fixed", "drip-jitter", "drip-poisson"};
static const char *const SIDE_KEYS[3] = {"buyers", "sellers", "proptraders"};
static const char *const SCHED_KEYS[2] = {"sup", "dem"};

const char *bse_ttype_name(bse_ttype t) { return (t >= 0 && t < BSE_T_COUNT) ? TTYPE_NAMES[t] : NULL; }

bse_ttype bse_ttype_parse(const char *name)
{
    for (int i = 0; name && i < BSE_T_COUNT; i++)
        if (strcmp(name, TTYPE_NAMES[i]) == 0)
            return (bse_ttype)i;
    return BSE_T_COUNT;
}

int64_t bse_case_count(const bse_case *c, int side)
{
    int64_t n = 0;
    for (int32_t i = 0; i < c->n_entries[side]; i++)
        n += c->entries[side][i].n;
    return n;
}

/* ------------------------------------------------------------ parse helpers */

typedef struct pctx {
    const char *path;
    common_error *err;
} pctx;

static bse_config_status bad(pctx *p, const char *field, const char *fmt, const char *detail)
{
    common_error_set(p->err, BSE_CONFIG_EFIELD, p->path, field, fmt, detail ? detail : "");
    return BSE_CONFIG_EFIELD;
}

static const cJSON *member(const cJSON *obj, const char *key)
{
    return cJSON_GetObjectItemCaseSensitive(obj, key);
}

static bse_config_status get_number(pctx *p, const cJSON *obj, const char *key, const char *field, double *out)
{
    const cJSON *v = member(obj, key);
    if (!v)
        return bad(p, field, "missing%s", "");
    if (!cJSON_IsNumber(v))
        return bad(p, field, "must be a number%s", "");
    if (!isfinite(v->valuedouble))
        return bad(p, field, "must be a finite number%s", "");
    *out = v->valuedouble;
    return BSE_CONFIG_OK;
}

static bse_config_status as_int(pctx *p, const cJSON *v, const char *field, int64_t lo, int64_t hi, int64_t *out)
{
    if (!cJSON_IsNumber(v))
        return bad(p, field, "must be an integer%s", "");
    double d = v->valuedouble;
    if (!isfinite(d) || d != floor(d))
        return bad(p, field, "must be an integer%s", "");
    if (d < (double)lo || d > (double)hi) {
        char msg[96];
        snprintf(msg, sizeof msg, "%lld..%lld", (long long)lo, (long long)hi);
        return bad(p, field, "out of range (allowed %s)", msg);
    }
    *out = (int64_t)d;
    return BSE_CONFIG_OK;
}

static bse_config_status get_bool(pctx *p, const cJSON *obj, const char *key, const char *field, int *out)
{
    const cJSON *v = member(obj, key);
    if (!v)
        return bad(p, field, "missing%s", "");
    if (!cJSON_IsBool(v))
        return bad(p, field, "must be true or false%s", "");
    *out = cJSON_IsTrue(v);
    return BSE_CONFIG_OK;
}

static int pick(const char *s, const char *const *names, int n)
{
    for (int i = 0; s && i < n; i++)
        if (strcmp(s, names[i]) == 0)
            return i;
    return -1;
}

#define TRY(x)                                                                                                         \
    do {                                                                                                               \
        bse_config_status st_ = (x);                                                                                   \
        if (st_)                                                                                                       \
            return st_;                                                                                                \
    } while (0)

static bse_config_status parse_params(pctx *p, const cJSON *pv, const char *field, bse_trader_entry *e)
{
    char f[200];
    if (!pv || cJSON_IsNull(pv))
        return BSE_CONFIG_OK;
    if (!cJSON_IsObject(pv))
        return bad(p, field, "params must be an object or null%s", "");
    e->has_params = 1;
    const cJSON *v;
    if ((v = member(pv, "k"))) {
        int64_t k;
        snprintf(f, sizeof f, "%s.k", field);
        TRY(as_int(p, v, f, 1, 1000, &k));
        e->k = (int32_t)k;
        e->has_k = 1;
    }
    if ((v = member(pv, "s_min"))) {
        snprintf(f, sizeof f, "%s.s_min", field);
        TRY(get_number(p, pv, "s_min", f, &e->s_min));
    }
    if ((v = member(pv, "s_max"))) {
        snprintf(f, sizeof f, "%s.s_max", field);
        TRY(get_number(p, pv, "s_max", f, &e->s_max));
    }
    if (member(pv, "bid_percent")) {
        snprintf(f, sizeof f, "%s.bid_percent", field);
        TRY(get_number(p, pv, "bid_percent", f, &e->bid_percent));
        e->has_bid_percent = 1;
    }
    if ((v = member(pv, "ask_delta"))) {
        snprintf(f, sizeof f, "%s.ask_delta", field);
        TRY(as_int(p, v, f, INT64_MIN / 4, INT64_MAX / 4, &e->ask_delta));
        e->has_ask_delta = 1;
    }
    if (member(pv, "n_past_trades")) {
        double d;
        snprintf(f, sizeof f, "%s.n_past_trades", field);
        TRY(get_number(p, pv, "n_past_trades", f, &d));
        if (fabs(d) > 1e9)
            return bad(p, f, "out of range%s", "");
        e->n_past_trades = (int32_t)rint(d); /* int(round(x)) */
        e->has_n_past_trades = 1;
    }
    /* remember which PRZI keys were present for validation */
    if (member(pv, "s_min") && member(pv, "s_max"))
        e->has_params |= 2;
    return BSE_CONFIG_OK;
}

static bse_config_status parse_side(pctx *p, const cJSON *spec, const char *pre, int side, bse_case *c)
{
    char f[200];
    snprintf(f, sizeof f, "%strader_spec.%s", pre, SIDE_KEYS[side]);
    const cJSON *list = member(spec, SIDE_KEYS[side]);
    if (!list) {
        if (side == BSE_SIDE_PROPS)
            return BSE_CONFIG_OK;
        return bad(p, f, "missing%s", "");
    }
    if (!cJSON_IsArray(list))
        return bad(p, f, "must be a list of [type, n, params] entries%s", "");
    int n = cJSON_GetArraySize(list);
    if (n > BSE_MAX_ENTRIES)
        return bad(p, f, "too many entries (at most 32)%s", "");
    c->n_entries[side] = n;
    for (int i = 0; i < n; i++) {
        const cJSON *ent = cJSON_GetArrayItem(list, i);
        bse_trader_entry *e = &c->entries[side][i];
        char fe[220];
        snprintf(fe, sizeof fe, "%s[%d]", f, i);
        if (!cJSON_IsArray(ent) || cJSON_GetArraySize(ent) < 2 || cJSON_GetArraySize(ent) > 3)
            return bad(p, fe, "must be [type, n] or [type, n, params]%s", "");
        const cJSON *ty = cJSON_GetArrayItem(ent, 0);
        char ft[240];
        snprintf(ft, sizeof ft, "%s[0]", fe);
        if (!cJSON_IsString(ty))
            return bad(p, ft, "trader type must be a string%s", "");
        e->type = bse_ttype_parse(ty->valuestring);
        if (e->type == BSE_T_COUNT)
            return bad(p, ft, "unknown trader type \"%.40s\"", ty->valuestring);
        int64_t cnt;
        snprintf(ft, sizeof ft, "%s[1]", fe);
        TRY(as_int(p, cJSON_GetArrayItem(ent, 1), ft, 0, BSE_MAX_TRADERS, &cnt));
        e->n = (int32_t)cnt;
        e->k = 1;
        snprintf(ft, sizeof ft, "%s[2]", fe);
        TRY(parse_params(p, cJSON_GetArrayItem(ent, 2), ft, e));
    }
    return BSE_CONFIG_OK;
}

static bse_config_status parse_zones(pctx *p, const cJSON *sched, const char *pre, int s, bse_case *c)
{
    char f[200];
    snprintf(f, sizeof f, "%sorder_schedule.%s", pre, SCHED_KEYS[s]);
    const cJSON *list = member(sched, SCHED_KEYS[s]);
    if (!list)
        return bad(p, f, "missing%s", "");
    if (!cJSON_IsArray(list) || cJSON_GetArraySize(list) < 1)
        return bad(p, f, "must be a non-empty list of zones%s", "");
    int n = cJSON_GetArraySize(list);
    if (n > BSE_MAX_ZONES)
        return bad(p, f, "too many zones (at most 32)%s", "");
    c->n_zones[s] = n;
    for (int i = 0; i < n; i++) {
        const cJSON *zo = cJSON_GetArrayItem(list, i);
        bse_zone *z = &c->zones[s][i];
        char fz[220], ff[260];
        snprintf(fz, sizeof fz, "%s[%d]", f, i);
        if (!cJSON_IsObject(zo))
            return bad(p, fz, "zone must be an object%s", "");
        snprintf(ff, sizeof ff, "%s.from", fz);
        TRY(get_number(p, zo, "from", ff, &z->from));
        snprintf(ff, sizeof ff, "%s.to", fz);
        TRY(get_number(p, zo, "to", ff, &z->to));
        snprintf(ff, sizeof ff, "%s.stepmode", fz);
        const cJSON *sm = member(zo, "stepmode");
        if (!sm)
            return bad(p, ff, "missing%s", "");
        int m = cJSON_IsString(sm) ? pick(sm->valuestring, STEPMODES, 3) : -1;
        if (m < 0)
            return bad(p, ff, "must be \"fixed\", \"jittered\" or \"random\"%s", "");
        z->stepmode = (bse_stepmode)m;
        snprintf(ff, sizeof ff, "%s.ranges", fz);
        const cJSON *rl = member(zo, "ranges");
        if (!rl)
            return bad(p, ff, "missing%s", "");
        if (!cJSON_IsArray(rl) || cJSON_GetArraySize(rl) < 1 || cJSON_GetArraySize(rl) > BSE_MAX_RANGES)
            return bad(p, ff, "must be a list of 1 to 8 [lo, hi] ranges%s", "");
        z->nranges = cJSON_GetArraySize(rl);
        for (int k = 0; k < z->nranges; k++) {
            const cJSON *rg = cJSON_GetArrayItem(rl, k);
            char fr[300];
            snprintf(fr, sizeof fr, "%s[%d]", ff, k);
            if (!cJSON_IsArray(rg) || cJSON_GetArraySize(rg) < 2)
                return bad(p, fr, "range must be [lo, hi]%s", "");
            if (cJSON_GetArraySize(rg) > 2)
                return bad(p, fr, "offset functions in ranges are not supported; give [lo, hi]%s", "");
            char fv[320];
            snprintf(fv, sizeof fv, "%s[0]", fr);
            TRY(as_int(p, cJSON_GetArrayItem(rg, 0), fv, -1000000000, 1000000000, &z->ranges[k].lo));
            snprintf(fv, sizeof fv, "%s[1]", fr);
            TRY(as_int(p, cJSON_GetArrayItem(rg, 1), fv, -1000000000, 1000000000, &z->ranges[k].hi));
        }
    }
    return BSE_CONFIG_OK;
}

bse_config_status bse_case_set_seed(bse_case *c, bse_seed_kind kind, const char *text, common_error *err)
{
    uint8_t be[64];
    size_t len = text ? strlen(text) : 0;
    if (len == 0 || len >= sizeof c->seed_text || (kind == BSE_SEED_HEX256 && len > 64) ||
        bse_rng_parse_seed(be, text, kind == BSE_SEED_HEX256) != BSE_RNG_OK)
        return (bse_config_status)common_error_set(err, BSE_CONFIG_EFIELD, c->case_id, "seed", "%s",
                                                kind == BSE_SEED_HEX256
                                                    ? "hex256 seed must be 1 to 64 hex digits"
                                                    : "int seed must be a non-negative decimal integer below 2^512");
    c->seed_kind = kind;
    memcpy(c->seed_be, be, sizeof be);
    memcpy(c->seed_text, text, len + 1);
    return BSE_CONFIG_OK;
}

static bse_config_status parse_case(pctx *p, const cJSON *o, const char *pre, bse_case *c)
{
    char f[200];
    memset(c, 0, sizeof *c);
    if (!cJSON_IsObject(o))
        return bad(p, pre[0] ? pre : "(top)", "case must be a JSON object%s", "");
    const cJSON *v = member(o, "case_id");
    snprintf(f, sizeof f, "%scase_id", pre);
    if (!v)
        return bad(p, f, "missing%s", "");
    if (!cJSON_IsString(v))
        return bad(p, f, "must be a string%s", "");
    size_t idlen = strlen(v->valuestring);
    if (idlen == 0 || idlen > BSE_CASE_ID_MAX || strspn(v->valuestring, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._-") != idlen || v->valuestring[0] == '.')
        return bad(p, f, "must be 1-100 characters of A-Z a-z 0-9 . _ - (it names output files)%s", "");
    memcpy(c->case_id, v->valuestring, idlen + 1);

    /* seed */
    const cJSON *kind = member(o, "seed_kind");
    snprintf(f, sizeof f, "%sseed_kind", pre);
    bse_seed_kind sk = BSE_SEED_INT;
    if (kind) {
        if (!cJSON_IsString(kind) || (strcmp(kind->valuestring, "int") && strcmp(kind->valuestring, "hex256")))
            return bad(p, f, "must be \"int\" or \"hex256\"%s", "");
        sk = strcmp(kind->valuestring, "hex256") == 0 ? BSE_SEED_HEX256 : BSE_SEED_INT;
    }
    v = member(o, "seed");
    snprintf(f, sizeof f, "%sseed", pre);
    if (!v)
        return bad(p, f, "missing%s", "");
    char seedtxt[160];
    if (cJSON_IsNumber(v) && sk == BSE_SEED_INT) {
        int64_t s;
        TRY(as_int(p, v, f, 0, (int64_t)1 << 53, &s));
        snprintf(seedtxt, sizeof seedtxt, "%lld", (long long)s);
    } else if (cJSON_IsString(v)) {
        if (strlen(v->valuestring) >= sizeof seedtxt)
            return bad(p, f, "too long%s", "");
        snprintf(seedtxt, sizeof seedtxt, "%s", v->valuestring);
    } else {
        return bad(p, f, sk == BSE_SEED_INT ? "must be a non-negative integer or a decimal string%s"
                                            : "must be a string of hex digits%s", "");
    }
    {
        common_error e2;
        common_error_clear(&e2);
        if (bse_case_set_seed(c, sk, seedtxt, &e2))
            return bad(p, f, "%s", e2.msg);
    }

    snprintf(f, sizeof f, "%sstart_time", pre);
    TRY(get_number(p, o, "start_time", f, &c->start_time));
    snprintf(f, sizeof f, "%send_time", pre);
    TRY(get_number(p, o, "end_time", f, &c->end_time));

    const cJSON *spec = member(o, "trader_spec");
    snprintf(f, sizeof f, "%strader_spec", pre);
    if (!spec)
        return bad(p, f, "missing%s", "");
    if (!cJSON_IsObject(spec))
        return bad(p, f, "must be an object%s", "");
    for (int side = 0; side < 3; side++)
        TRY(parse_side(p, spec, pre, side, c));

    const cJSON *sched = member(o, "order_schedule");
    snprintf(f, sizeof f, "%sorder_schedule", pre);
    if (!sched)
        return bad(p, f, "missing%s", "");
    if (!cJSON_IsObject(sched))
        return bad(p, f, "must be an object%s", "");
    for (int s = 0; s < 2; s++)
        TRY(parse_zones(p, sched, pre, s, c));
    snprintf(f, sizeof f, "%sorder_schedule.interval", pre);
    TRY(get_number(p, sched, "interval", f, &c->interval));
    snprintf(f, sizeof f, "%sorder_schedule.timemode", pre);
    v = member(sched, "timemode");
    if (!v)
        return bad(p, f, "missing%s", "");
    int tm = cJSON_IsString(v) ? pick(v->valuestring, TIMEMODES, 4) : -1;
    if (tm < 0)
        return bad(p, f, "must be \"periodic\", \"drip-fixed\", \"drip-jitter\" or \"drip-poisson\"%s", "");
    c->timemode = (bse_timemode)tm;

    const cJSON *df = member(o, "dump_flags");
    snprintf(f, sizeof f, "%sdump_flags", pre);
    if (!df)
        return bad(p, f, "missing%s", "");
    if (!cJSON_IsObject(df))
        return bad(p, f, "must be an object%s", "");
    static const char *const flags[5] = {"dump_blotters", "dump_lobs", "dump_strats", "dump_avgbals", "dump_tape"};
    int *dst[5] = {&c->dump_blotters, &c->dump_lobs, &c->dump_strats, &c->dump_avgbals, &c->dump_tape};
    for (int i = 0; i < 5; i++) {
        snprintf(f, sizeof f, "%sdump_flags.%s", pre, flags[i]);
        TRY(get_bool(p, df, flags[i], f, dst[i]));
    }
    common_error e3;
    common_error_clear(&e3);
    if (bse_case_validate(c, p->path, &e3)) {
        char fv[200];
        snprintf(fv, sizeof fv, "%s%s", pre, e3.field);
        common_error_set(p->err, BSE_CONFIG_EFIELD, p->path, fv, "%s", e3.msg);
        return BSE_CONFIG_EFIELD;
    }
    return BSE_CONFIG_OK;
}

/* ------------------------------------------------------------ validation */

static bse_config_status vbad(common_error *err, const char *path, const char *field, const char *msg)
{
    common_error_set(err, BSE_CONFIG_EFIELD, path, field, "%s", msg);
    return BSE_CONFIG_EFIELD;
}

/* Does the union of the zones cover [a, b)? (Zones are few: sort-free sweep.) */
static int covers(const bse_zone *z, int32_t n, double a, double b, double *gap)
{
    double t = a;
    for (int guard = 0; guard <= n && t < b; guard++) {
        double best = t;
        for (int32_t i = 0; i < n; i++)
            if (z[i].from <= t && t < z[i].to && z[i].to > best)
                best = z[i].to;
        if (best == t) {
            *gap = t;
            return 0;
        }
        t = best;
    }
    if (t < b) {
        *gap = t;
        return 0;
    }
    return 1;
}

bse_config_status bse_case_validate(const bse_case *c, const char *path, common_error *err)
{
    char f[200];
    if (!path)
        path = c->case_id;
    if (!isfinite(c->start_time) || !isfinite(c->end_time) || !(c->start_time < c->end_time))
        return vbad(err, path, "end_time", "end_time must be a finite number greater than start_time");
    if (c->end_time - c->start_time > 1e8)
        return vbad(err, path, "end_time", "session longer than 1e8 simulated seconds");
    int64_t counts[3];
    for (int side = 0; side < 3; side++) {
        if (c->n_entries[side] < 0 || c->n_entries[side] > BSE_MAX_ENTRIES)
        {
            snprintf(f, sizeof f, "trader_spec.%s", SIDE_KEYS[side]);
            return vbad(err, path, f, "too many entries (at most 32)");
        }
        counts[side] = bse_case_count(c, side);
        for (int32_t i = 0; i < c->n_entries[side]; i++) {
            const bse_trader_entry *e = &c->entries[side][i];
            snprintf(f, sizeof f, "trader_spec.%s[%d]", SIDE_KEYS[side], i);
            if (e->type < 0 || e->type >= BSE_T_COUNT)
                return vbad(err, path, f, "unknown trader type");
            if (e->n < 0 || e->n > BSE_MAX_TRADERS)
                return vbad(err, path, f, "trader count must be 0..100000");
            int przi = (e->type == BSE_T_PRZI || e->type == BSE_T_PRSH || e->type == BSE_T_PRDE);
            if (przi) {
                if (!e->has_params || !(e->has_params & 2))
                    return vbad(err, path, f, "PRZI/PRSH/PRDE need params with s_min and s_max");
                if (!(e->s_min >= -1.0 && e->s_min <= 1.0 && e->s_max >= -1.0 && e->s_max <= 1.0))
                    return vbad(err, path, f, "s_min and s_max must lie in [-1, 1] (BSE's CDF exits outside)");
                if (e->type != BSE_T_PRZI && !e->has_k)
                    return vbad(err, path, f, "PRSH/PRDE need params.k");
                if (e->type == BSE_T_PRSH && e->k < 2)
                    return vbad(err, path, f, "PRSH needs k >= 2 (BSE reads strats[1] when it sorts)");
                if (e->type == BSE_T_PRDE && e->k < 4)
                    return vbad(err, path, f, "PRDE needs k >= 4 (FAIL: k too small for diffevol)");
            }
            if (e->type == BSE_T_ZIPSH && e->has_params && (!e->has_k || e->k < 2))
                return vbad(err, path, f, "ZIPSH with params needs k >= 2 (with k = 1 BSE's respond iterates None)");
            if ((e->type == BSE_T_ZIP || e->type == BSE_T_ZIPSH) && e->has_k && (e->k < 1 || e->k > 1000))
                return vbad(err, path, f, "k must be 1..1000");
            if (e->type == BSE_T_PT1 || e->type == BSE_T_PT2) {
                if (e->has_bid_percent && !(e->bid_percent >= 0.01 && e->bid_percent <= 1.0))
                    return vbad(err, path, f, "bid_percent must lie in [0.01, 1.0]");
                if (e->has_ask_delta && e->ask_delta < 0)
                    return vbad(err, path, f, "ask_delta can't be negative");
                if (e->has_n_past_trades && e->n_past_trades < 1)
                    return vbad(err, path, f, "n_past_trades must be 1 or more");
            }
            if (side == BSE_SIDE_PROPS && c->dump_strats &&
                (e->type == BSE_T_PRSH || e->type == BSE_T_PRDE || e->type == BSE_T_ZIPSH))
                return vbad(err, path, f,
                            "PRSH/PRDE/ZIPSH proptraders with dump_strats on make BSE exit (unknown trader id type)");
        }
    }
    if (counts[0] < 1)
        return vbad(err, path, "trader_spec.buyers", "no buyers specified");
    if (counts[1] < 1)
        return vbad(err, path, "trader_spec.sellers", "no sellers specified");
    if (counts[0] == 1)
        return vbad(err, path, "trader_spec.buyers", "one buyer: BSE's getorderprice divides by n-1 (ZeroDivisionError)");
    if (counts[1] == 1)
        return vbad(err, path, "trader_spec.sellers", "one seller: BSE's getorderprice divides by n-1 (ZeroDivisionError)");
    if (counts[0] + counts[1] + counts[2] > BSE_MAX_TRADERS)
        return vbad(err, path, "trader_spec", "more than 100000 traders");
    {
        /* BSE's clock adds 1/N each step: it must be able to advance everywhere in
         * [start_time, end_time], or the session loop would never end */
        double step = 1.0 / (double)(counts[0] + counts[1] + counts[2]);
        double big = fmax(fabs(c->start_time), fabs(c->end_time));
        if (big + step == big || big > 1e12)
            return vbad(err, path, "end_time",
                        "session times too large for the clock to advance by 1/n_traders per step");
    }
    if (!isfinite(c->interval) || !(c->interval > 0) || c->interval > 1e8)
        return vbad(err, path, "order_schedule.interval", "interval must be a positive number of seconds");
    if (c->timemode < 0 || c->timemode > BSE_TIME_DRIP_POISSON)
        return vbad(err, path, "order_schedule.timemode", "unknown time mode");
    for (int s = 0; s < 2; s++) {
        snprintf(f, sizeof f, "order_schedule.%s", SCHED_KEYS[s]);
        if (c->n_zones[s] < 1 || c->n_zones[s] > BSE_MAX_ZONES)
            return vbad(err, path, f, "needs 1 to 32 zones");
        for (int32_t i = 0; i < c->n_zones[s]; i++) {
            const bse_zone *z = &c->zones[s][i];
            snprintf(f, sizeof f, "order_schedule.%s[%d]", SCHED_KEYS[s], i);
            if (!isfinite(z->from) || !isfinite(z->to) || !(z->from < z->to))
                return vbad(err, path, f, "zone needs finite from < to");
            if (z->nranges < 1 || z->nranges > BSE_MAX_RANGES)
                return vbad(err, path, f, "zone needs 1 to 8 ranges");
            if (z->stepmode < 0 || z->stepmode > BSE_STEP_RANDOM)
                return vbad(err, path, f, "unknown step mode");
        }
        double gap = 0;
        if (!covers(c->zones[s], c->n_zones[s], c->start_time, c->end_time, &gap)) {
            char msg[160];
            snprintf(msg, sizeof msg, "time %g of the session is not within any zone (BSE exits there)", gap);
            snprintf(f, sizeof f, "order_schedule.%s", SCHED_KEYS[s]);
            return vbad(err, path, f, msg);
        }
    }
    return BSE_CONFIG_OK;
}

/* ------------------------------------------------------------ entry points */

static bse_config_status find_case(pctx *p, const cJSON *root, const char *case_id, const cJSON **out, int *idx)
{
    *out = NULL;
    *idx = -1;
    if (!cJSON_IsObject(root))
        return bad(p, "(top)", "must be a JSON object (a case, or a manifest with \"cases\")%s", "");
    const cJSON *cases = member(root, "cases");
    if (!cases) {
        const cJSON *id = member(root, "case_id");
        if (case_id && cJSON_IsString(id) && strcmp(id->valuestring, case_id) != 0) {
            common_error_set(p->err, BSE_CONFIG_ECASE, p->path, "case_id", "file holds case \"%.60s\", not \"%.60s\"",
                          id->valuestring, case_id);
            return BSE_CONFIG_ECASE;
        }
        *out = root;
        return BSE_CONFIG_OK;
    }
    if (!cJSON_IsArray(cases))
        return bad(p, "cases", "must be a list of case objects%s", "");
    int n = cJSON_GetArraySize(cases);
    if (!case_id) {
        if (n != 1) {
            common_error_set(p->err, BSE_CONFIG_ECASE, p->path, "cases", "manifest holds %d cases: choose one with --case",
                          n);
            return BSE_CONFIG_ECASE;
        }
        *out = cJSON_GetArrayItem(cases, 0);
        *idx = 0;
        return BSE_CONFIG_OK;
    }
    for (int i = 0; i < n; i++) {
        const cJSON *cs = cJSON_GetArrayItem(cases, i);
        const cJSON *id = member(cs, "case_id");
        if (cJSON_IsString(id) && strcmp(id->valuestring, case_id) == 0) {
            if (*out) { /* ambiguous: a manifest's case ids must be unique */
                char fld[48];
                snprintf(fld, sizeof fld, "cases[%d].case_id", i);
                *out = NULL;
                *idx = -1;
                common_error_set(p->err, BSE_CONFIG_ECASE, p->path, fld, "duplicate case_id \"%.80s\"", case_id);
                return BSE_CONFIG_ECASE;
            }
            *out = cs;
            *idx = i;
        }
    }
    if (*out)
        return BSE_CONFIG_OK;
    common_error_set(p->err, BSE_CONFIG_ECASE, p->path, "cases", "no case with case_id \"%.80s\"", case_id);
    return BSE_CONFIG_ECASE;
}

/* JSON nesting deeper than this is refused before cJSON recurses into it. */
#define MAX_DEPTH 64

static bse_config_status parse_root(const char *json, size_t len, const char *path, common_error *err, cJSON **root)
{
    *root = NULL;
    if (common_json_too_deep(json, len, MAX_DEPTH)) {
        common_error_set(err, BSE_CONFIG_EJSON, path, "", "JSON nested deeper than %d levels", MAX_DEPTH);
        return BSE_CONFIG_EJSON;
    }
    const char *end = NULL;
    cJSON *r = cJSON_ParseWithLengthOpts(json, len, &end, 0);
    if (r && end) { /* only white space may follow the value */
        for (const char *q = end; q < json + len; q++)
            if (*q != ' ' && *q != '\t' && *q != '\n' && *q != '\r' && *q != '\0') {
                cJSON_Delete(r);
                r = NULL;
                end = q;
                break;
            }
    }
    if (!r) {
        size_t off = end ? (size_t)(end - json) : 0;
        size_t line = 1;
        for (size_t i = 0; i < off && i < len; i++)
            line += json[i] == '\n';
        char where[48];
        snprintf(where, sizeof where, "line %zu", line);
        common_error_set(err, BSE_CONFIG_EJSON, path, where, "malformed JSON (at byte %zu)", off);
        return BSE_CONFIG_EJSON;
    }
    *root = r;
    return BSE_CONFIG_OK;
}

bse_config_status bse_case_parse(bse_case *c, const char *json, size_t len, const char *path, const char *case_id,
                                 common_error *err)
{
    memset(c, 0, sizeof *c);
    common_error_clear(err);
    pctx p = {path ? path : "-", err};
    cJSON *root;
    bse_config_status st = parse_root(json, len, p.path, err, &root);
    if (st)
        return st;
    const cJSON *co;
    int idx;
    st = find_case(&p, root, case_id, &co, &idx);
    if (!st) {
        char pre[32] = "";
        if (idx >= 0)
            snprintf(pre, sizeof pre, "cases[%d].", idx);
        st = parse_case(&p, co, pre, c);
    }
    cJSON_Delete(root);
    if (st)
        memset(c, 0, sizeof *c);
    return st;
}

/* Configs larger than this are refused before they are read. */
#define BSE_CONFIG_MAX_BYTES ((size_t)64 << 20)

static bse_config_status read_file(const char *path, char **buf, size_t *len, common_error *err)
{
    switch (common_file_read(buf, len, err, path, BSE_CONFIG_MAX_BYTES)) {
    case COMMON_FILE_OK:
        return BSE_CONFIG_OK;
    case COMMON_FILE_ENOMEM:
        return (bse_config_status)(err ? (err->code = BSE_CONFIG_ENOMEM) : BSE_CONFIG_ENOMEM);
    default:
        return (bse_config_status)(err ? (err->code = BSE_CONFIG_EIO) : BSE_CONFIG_EIO);
    }
}

bse_config_status bse_case_load(bse_case *c, const char *path, const char *case_id, common_error *err)
{
    memset(c, 0, sizeof *c);
    common_error_clear(err);
    char *buf;
    size_t len;
    bse_config_status st = read_file(path, &buf, &len, err);
    if (st)
        return st;
    st = bse_case_parse(c, buf, len, path, case_id, err);
    free(buf);
    return st;
}

bse_config_status bse_case_list(char ***ids, size_t *n, const char *path, common_error *err)
{
    *ids = NULL;
    *n = 0;
    common_error_clear(err);
    char *buf;
    size_t len;
    bse_config_status st = read_file(path, &buf, &len, err);
    if (st)
        return st;
    cJSON *root;
    st = parse_root(buf, len, path, err, &root);
    free(buf);
    if (st)
        return st;
    pctx p = {path, err};
    const cJSON *cases = cJSON_IsObject(root) ? member(root, "cases") : NULL;
    int count = cases ? cJSON_GetArraySize(cases) : 1;
    if (!cJSON_IsObject(root) || (cases && !cJSON_IsArray(cases))) {
        cJSON_Delete(root);
        return bad(&p, "(top)", "must be a case object or a manifest with a \"cases\" list%s", "");
    }
    char **out = calloc((size_t)(count > 0 ? count : 1), sizeof *out);
    if (!out) {
        cJSON_Delete(root);
        return BSE_CONFIG_ENOMEM;
    }
    for (int i = 0; i < count; i++) {
        const cJSON *co = cases ? cJSON_GetArrayItem(cases, i) : root;
        const cJSON *id = cJSON_IsObject(co) ? member(co, "case_id") : NULL;
        if (!cJSON_IsString(id)) {
            for (int k = 0; k < i; k++)
                free(out[k]);
            free(out);
            cJSON_Delete(root);
            char fld[48];
            snprintf(fld, sizeof fld, cases ? "cases[%d].case_id" : "case_id", i);
            return bad(&p, fld, "missing or not a string%s", "");
        }
        int dup = -1;
        for (int k = 0; k < i && dup < 0; k++)
            if (!strcmp(out[k], id->valuestring))
                dup = k;
        out[i] = dup < 0 ? strdup(id->valuestring) : NULL;
        if (!out[i]) {
            for (int k = 0; k < i; k++)
                free(out[k]);
            free(out);
            cJSON_Delete(root);
            if (dup < 0)
                return BSE_CONFIG_ENOMEM;
            char fld[48];
            snprintf(fld, sizeof fld, "cases[%d].case_id", i);
            common_error_set(err, BSE_CONFIG_ECASE, path, fld, "duplicate case_id (also cases[%d])", dup);
            return BSE_CONFIG_ECASE;
        }
    }
    cJSON_Delete(root);
    *ids = out;
    *n = (size_t)count;
    return BSE_CONFIG_OK;
}

/* ------------------------------------------------------------ writing */

static cJSON *num(double d) { return cJSON_CreateNumber(d); }

char *bse_case_to_json(const bse_case *c)
{
    cJSON *o = cJSON_CreateObject();
    if (!o)
        return NULL;
    cJSON_AddStringToObject(o, "case_id", c->case_id);
    if (c->seed_kind == BSE_SEED_INT && strlen(c->seed_text) <= 15)
        cJSON_AddItemToObject(o, "seed", num(strtod(c->seed_text, NULL)));
    else
        cJSON_AddStringToObject(o, "seed", c->seed_text);
    cJSON_AddStringToObject(o, "seed_kind", c->seed_kind == BSE_SEED_HEX256 ? "hex256" : "int");
    cJSON_AddItemToObject(o, "start_time", num(c->start_time));
    cJSON_AddItemToObject(o, "end_time", num(c->end_time));
    cJSON *spec = cJSON_AddObjectToObject(o, "trader_spec");
    for (int side = 0; spec && side < 3; side++) {
        cJSON *list = cJSON_AddArrayToObject(spec, SIDE_KEYS[side]);
        for (int32_t i = 0; list && i < c->n_entries[side]; i++) {
            const bse_trader_entry *e = &c->entries[side][i];
            cJSON *ent = cJSON_CreateArray();
            cJSON_AddItemToArray(list, ent);
            cJSON_AddItemToArray(ent, cJSON_CreateString(bse_ttype_name(e->type)));
            cJSON_AddItemToArray(ent, num(e->n));
            if (!e->has_params) {
                cJSON_AddItemToArray(ent, cJSON_CreateNull());
                continue;
            }
            cJSON *pr = cJSON_CreateObject();
            cJSON_AddItemToArray(ent, pr);
            if (e->has_k)
                cJSON_AddItemToObject(pr, "k", num(e->k));
            if (e->has_params & 2) {
                cJSON_AddItemToObject(pr, "s_min", num(e->s_min));
                cJSON_AddItemToObject(pr, "s_max", num(e->s_max));
            }
            if (e->has_bid_percent)
                cJSON_AddItemToObject(pr, "bid_percent", num(e->bid_percent));
            if (e->has_ask_delta)
                cJSON_AddItemToObject(pr, "ask_delta", num((double)e->ask_delta));
            if (e->has_n_past_trades)
                cJSON_AddItemToObject(pr, "n_past_trades", num(e->n_past_trades));
        }
    }
    cJSON *sched = cJSON_AddObjectToObject(o, "order_schedule");
    for (int s = 0; sched && s < 2; s++) {
        cJSON *zl = cJSON_AddArrayToObject(sched, SCHED_KEYS[s]);
        for (int32_t i = 0; zl && i < c->n_zones[s]; i++) {
            const bse_zone *z = &c->zones[s][i];
            cJSON *zo = cJSON_CreateObject();
            cJSON_AddItemToArray(zl, zo);
            cJSON_AddItemToObject(zo, "from", num(z->from));
            cJSON_AddItemToObject(zo, "to", num(z->to));
            cJSON *rl = cJSON_AddArrayToObject(zo, "ranges");
            for (int32_t k = 0; rl && k < z->nranges; k++) {
                cJSON *rg = cJSON_CreateArray();
                cJSON_AddItemToArray(rl, rg);
                cJSON_AddItemToArray(rg, num((double)z->ranges[k].lo));
                cJSON_AddItemToArray(rg, num((double)z->ranges[k].hi));
            }
            cJSON_AddStringToObject(zo, "stepmode", STEPMODES[z->stepmode]);
        }
    }
    if (sched) {
        cJSON_AddItemToObject(sched, "interval", num(c->interval));
        cJSON_AddStringToObject(sched, "timemode", TIMEMODES[c->timemode]);
    }
    cJSON *df = cJSON_AddObjectToObject(o, "dump_flags");
    if (df) {
        cJSON_AddBoolToObject(df, "dump_blotters", c->dump_blotters);
        cJSON_AddBoolToObject(df, "dump_lobs", c->dump_lobs);
        cJSON_AddBoolToObject(df, "dump_strats", c->dump_strats);
        cJSON_AddBoolToObject(df, "dump_avgbals", c->dump_avgbals);
        cJSON_AddBoolToObject(df, "dump_tape", c->dump_tape);
    }
    char *s = cJSON_PrintUnformatted(o);
    cJSON_Delete(o);
    return s;
}
