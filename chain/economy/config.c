/* chain/economy/config.c - parsing and checking an economy run's config (config.h). */
#include "chain/economy/config.h"
#include "chain/economy/external.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/file.h"
#include "common/json.h"

#define CONFIG_MAX_BYTES (16u << 20)

typedef struct ctx {
    common_error *err;
    const char *path;
} ctx;

static int fail(ctx *x, const char *field, const char *fmt, const char *arg)
{
    char msg[256];
    snprintf(msg, sizeof msg, fmt, arg ? arg : "");
    common_error_set(x->err, 2, x->path, field, "%s", msg);
    return -1;
}

/* Refuses members of obj not in allowed (NULL-terminated). */
static int only(ctx *x, const cJSON *obj, const char *where, const char *const *allowed)
{
    for (const cJSON *m = obj->child; m; m = m->next) {
        int ok = 0;
        for (size_t i = 0; allowed[i]; i++)
            if (m->string && strcmp(m->string, allowed[i]) == 0)
                ok = 1;
        if (!ok) {
            char f[160];
            snprintf(f, sizeof f, "%s%s%s", where, *where ? "." : "", m->string ? m->string : "?");
            return fail(x, f, "unknown field%s", "");
        }
    }
    return 0;
}

/* A number field: absent -> def; else a finite number in [lo, hi]. */
static int num(ctx *x, double *out, const cJSON *obj, const char *name, const char *where, double def, double lo,
               double hi, int integral)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, name);
    char f[160];
    snprintf(f, sizeof f, "%s%s%s", where, *where ? "." : "", name);
    if (!v) {
        if (isnan(def))
            return fail(x, f, "missing (required)%s", "");
        *out = def;
        return 0;
    }
    if (!cJSON_IsNumber(v))
        return fail(x, f, "must be a number%s", "");
    double d = v->valuedouble;
    if (!isfinite(d) || d < lo || d > hi) {
        char r[96];
        snprintf(r, sizeof r, "must be in [%g, %g]", lo, hi);
        return fail(x, f, "%s", r);
    }
    if (integral && d != floor(d))
        return fail(x, f, "must be an integer%s", "");
    *out = d;
    return 0;
}

static int coin_index(const char *name)
{
    for (unsigned c = 0; c < CHAIN_EX_COINS; c++)
        if (strcmp(name, chain_ex_coin_name(c)) == 0)
            return (int)c;
    return -1;
}

static int chain_index(const char *name)
{
    static const char *const names[CHAIN_EX_COINS] = {"alpha", "bravo", "charlie"};
    for (unsigned c = 0; c < CHAIN_EX_COINS; c++)
        if (strcmp(name, names[c]) == 0)
            return (int)c;
    return -1;
}

static int parse_group(ctx *x, chain_econ_config *c, chain_econ_group *g, const cJSON *o, size_t gi)
{
    char where[64], f[160];
    snprintf(where, sizeof where, "agents[%zu]", gi);
    if (!cJSON_IsObject(o))
        return fail(x, where, "must be an object%s", "");
    static const char *const allowed[] = {"label", "count", "mining", "trader", "holdings", "fiat", "deposit_share",
                                          "withdraw_every_s", "withdraw_share", NULL};
    if (only(x, o, where, allowed))
        return -1;
    const cJSON *lab = cJSON_GetObjectItemCaseSensitive(o, "label");
    snprintf(f, sizeof f, "%s.label", where);
    if (lab) {
        if (!cJSON_IsString(lab) || !lab->valuestring[0] || strlen(lab->valuestring) > CHAIN_ECON_LABEL_MAX - 8)
            return fail(x, f, "must be a string of 1..32 characters%s", "");
        for (const char *p = lab->valuestring; *p; p++)
            if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') || *p == '-' ||
                  *p == '_'))
                return fail(x, f, "may hold only letters, digits, '-' and '_'%s", "");
        snprintf(g->label, sizeof g->label, "%s", lab->valuestring);
    } else {
        snprintf(g->label, sizeof g->label, "g%zu", gi);
    }
    double d;
    if (num(x, &d, o, "count", where, NAN, 1, CHAIN_ECON_MAX_AGENTS, 1))
        return -1;
    g->count = (uint32_t)d;
    if ((uint64_t)c->n_agents + g->count > CHAIN_ECON_MAX_AGENTS) {
        snprintf(f, sizeof f, "%s.count", where);
        return fail(x, f, "more than 100000 agents in all%s", "");
    }
    g->first = c->n_agents;
    c->n_agents += g->count;

    const cJSON *m = cJSON_GetObjectItemCaseSensitive(o, "mining");
    g->mine = CHAIN_ECON_MINE_NONE;
    if (m) {
        char mw[96];
        snprintf(mw, sizeof mw, "%s.mining", where);
        if (!cJSON_IsObject(m))
            return fail(x, mw, "must be an object%s", "");
        static const char *const mallowed[] = {"policy", "chain", "rate", "from_s", "until_s", NULL};
        if (only(x, m, mw, mallowed))
            return -1;
        const cJSON *pol = cJSON_GetObjectItemCaseSensitive(m, "policy");
        const cJSON *ch = cJSON_GetObjectItemCaseSensitive(m, "chain");
        if ((pol != NULL) == (ch != NULL)) {
            snprintf(f, sizeof f, "%s.policy", mw);
            return fail(x, f, "give exactly one of \"policy\" and \"chain\"%s", "");
        }
        if (pol) {
            snprintf(f, sizeof f, "%s.policy", mw);
            if (!cJSON_IsString(pol) || chain_policy_parse(&g->policy, pol->valuestring))
                return fail(x, f, "must be \"balancer\", \"greedy\" or \"random\"%s", "");
            g->mine = CHAIN_ECON_MINE_POLICY;
        } else {
            snprintf(f, sizeof f, "%s.chain", mw);
            int ci = cJSON_IsString(ch) ? chain_index(ch->valuestring) : -1;
            if (ci < 0)
                return fail(x, f, "must be \"alpha\", \"bravo\" or \"charlie\"%s", "");
            g->chain = (unsigned)ci;
            g->mine = CHAIN_ECON_MINE_FIXED;
        }
        if (num(x, &g->rate, m, "rate", mw, NAN, 0, 1e6, 0))
            return -1;
        if (!(g->rate > 0)) {
            snprintf(f, sizeof f, "%s.rate", mw);
            return fail(x, f, "must be > 0 (attempts per simulated second)%s", "");
        }
        if (num(x, &g->from_s, m, "from_s", mw, 0, 0, 1e9, 0) || num(x, &g->until_s, m, "until_s", mw, 1e18, 0, 1e18, 0))
            return -1;
        if (g->until_s <= g->from_s) {
            snprintf(f, sizeof f, "%s.until_s", mw);
            return fail(x, f, "must be after from_s%s", "");
        }
    }

    const cJSON *t = cJSON_GetObjectItemCaseSensitive(o, "trader");
    g->step_s = c->step_s;
    if (t) {
        char tw[96];
        snprintf(tw, sizeof tw, "%s.trader", where);
        if (!cJSON_IsObject(t))
            return fail(x, tw, "must be an object%s", "");
        static const char *const tallowed[] = {"strategy", "params", "step_s", NULL};
        if (only(x, t, tw, tallowed))
            return -1;
        const cJSON *st = cJSON_GetObjectItemCaseSensitive(t, "strategy");
        snprintf(f, sizeof f, "%s.strategy", tw);
        if (!cJSON_IsString(st))
            return fail(x, f, "missing or not a string%s", "");
        g->trader = chain_econ_trader_find(st->valuestring);
        if (!g->trader) {
            char names[512] = "";
            const char *const *n = chain_econ_trader_names();
            for (size_t i = 0; n && n[i]; i++) {
                if (i)
                    strncat(names, ", ", sizeof names - strlen(names) - 1);
                strncat(names, n[i], sizeof names - strlen(names) - 1);
            }
            char r[640];
            snprintf(r, sizeof r, "unknown strategy \"%.40s\" (known: %s)", st->valuestring, names);
            return fail(x, f, "%s", r);
        }
        const cJSON *p = cJSON_GetObjectItemCaseSensitive(t, "params");
        if (p) {
            snprintf(f, sizeof f, "%s.params", tw);
            if (!cJSON_IsObject(p))
                return fail(x, f, "must be an object%s", "");
            g->params = cJSON_Duplicate(p, 1);
            if (!g->params)
                return fail(x, f, "out of memory%s", "");
        }
        if (num(x, &g->step_s, t, "step_s", tw, c->step_s, c->step_s, 86400.0 * 365, 0))
            return -1;
        double k = g->step_s / c->step_s;
        if (fabs(k - floor(k + 0.5)) > 1e-9) {
            snprintf(f, sizeof f, "%s.step_s", tw);
            return fail(x, f, "must be a multiple of the run's step_s%s", "");
        }
        /* the strategy checks its own params now (external agents without starting them) */
        if (strcmp(g->trader->name, "external") == 0) {
            common_error e2;
            common_error_clear(&e2);
            if (chain_econ_ext_check_params(g->params, &e2)) {
                char ff[192];
                snprintf(ff, sizeof ff, "%s.%s", tw, e2.field[0] ? e2.field : "params");
                return fail(x, ff, "%s", e2.msg);
            }
        } else {
            void *state = NULL;
            common_error e2;
            common_error_clear(&e2);
            chain_econ_hello h = {.agent = g->first, .seed = c->seed, .step_s = g->step_s, .duration_s = c->duration_s,
                                  .label = g->label};
            if (g->trader->init(&state, g->params, &h, &e2)) {
                char ff[192];
                snprintf(ff, sizeof ff, "%s.%s", tw, e2.field[0] ? e2.field : "params");
                return fail(x, ff, "%s", e2.msg);
            }
            if (g->trader->destroy)
                g->trader->destroy(state);
        }
    }

    const cJSON *h = cJSON_GetObjectItemCaseSensitive(o, "holdings");
    if (h) {
        char hw[96];
        snprintf(hw, sizeof hw, "%s.holdings", where);
        if (!cJSON_IsObject(h))
            return fail(x, hw, "must be an object of coins%s", "");
        for (const cJSON *e = h->child; e; e = e->next) {
            snprintf(f, sizeof f, "%s.%s", hw, e->string ? e->string : "?");
            int ci = e->string ? coin_index(e->string) : -1;
            if (ci < 0)
                return fail(x, f, "unknown coin (ALPHA, BRAVO or CHARLIE)%s", "");
            if (!cJSON_IsNumber(e) || !isfinite(e->valuedouble) || e->valuedouble < 0 || e->valuedouble > 1e9)
                return fail(x, f, "must be a number of coins in [0, 1e9]%s", "");
            double u = e->valuedouble * CHAIN_EX_UNITS_PER_COIN;
            if (u != floor(u))
                return fail(x, f, "at most six decimals%s", "");
            g->holdings[ci] = (int64_t)u;
        }
    }
    if (num(x, &d, o, "fiat", where, 0, 0, 1e12, 1))
        return -1;
    g->fiat = (int64_t)d;
    if (num(x, &g->deposit_share, o, "deposit_share", where, 1.0, 0, 1, 0) ||
        num(x, &g->withdraw_every_s, o, "withdraw_every_s", where, 0, 0, 1e9, 0) ||
        num(x, &g->withdraw_share, o, "withdraw_share", where, 0, 0, 1, 0))
        return -1;
    return 0;
}

int chain_econ_config_parse(chain_econ_config *c, common_error *err, const char *path, const char *text, size_t len)
{
    memset(c, 0, sizeof *c);
    snprintf(c->path, sizeof c->path, "%s", path ? path : "");
    ctx x = {err, path ? path : ""};
    if (common_json_too_deep(text, len, 32))
        return fail(&x, "", "nested too deeply%s", "");
    const char *end = NULL;
    cJSON *j = cJSON_ParseWithLengthOpts(text, len, &end, 0);
    if (!j) {
        char at[64];
        snprintf(at, sizeof at, "byte %ld", end ? (long)(end - text) : 0L);
        return fail(&x, at, "not valid JSON%s", "");
    }
    c->json = j;
    int rc = -1;
    double d;
    if (!cJSON_IsObject(j)) {
        fail(&x, "", "the config must be a JSON object%s", "");
        goto out;
    }
    static const char *const allowed[] = {"seed", "duration_s", "chains", "step_s", "period_s", "exchange",
                                          "news_period_s", "check_custody", "agents", "description", NULL};
    if (only(&x, j, "", allowed))
        goto out;
    if (num(&x, &d, j, "seed", "", NAN, 0, 9007199254740991.0, 1))
        goto out;
    c->seed = (uint64_t)d;
    if (num(&x, &c->duration_s, j, "duration_s", "", NAN, 0, 1e7, 0))
        goto out;
    if (!(c->duration_s > 0)) {
        fail(&x, "duration_s", "must be > 0 simulated seconds%s", "");
        goto out;
    }
    const cJSON *ch = cJSON_GetObjectItemCaseSensitive(j, "chains");
    c->testnet = 1;
    if (ch) {
        if (!cJSON_IsString(ch) || (strcmp(ch->valuestring, "test") && strcmp(ch->valuestring, "main"))) {
            fail(&x, "chains", "must be \"test\" or \"main\"%s", "");
            goto out;
        }
        c->testnet = strcmp(ch->valuestring, "test") == 0;
    }
    if (num(&x, &c->step_s, j, "step_s", "", 60, 0.001, 86400, 0) ||
        num(&x, &c->period_s, j, "period_s", "", 300, 0.001, 1e7, 0) ||
        num(&x, &c->news_period_s, j, "news_period_s", "", 60, 0.001, 1e7, 0))
        goto out;
    const cJSON *dsc = cJSON_GetObjectItemCaseSensitive(j, "description");
    if (dsc && !cJSON_IsString(dsc)) {
        fail(&x, "description", "must be a string%s", "");
        goto out;
    }
    const cJSON *cc = cJSON_GetObjectItemCaseSensitive(j, "check_custody");
    c->check_custody = 1;
    if (cc) {
        if (!cJSON_IsBool(cc)) {
            fail(&x, "check_custody", "must be true or false%s", "");
            goto out;
        }
        c->check_custody = cJSON_IsTrue(cc);
    }
    c->confirmations = 2;
    for (unsigned p = 0; p < CHAIN_EX_PAIRS; p++)
        c->initial_price[p] = 10000; /* 1.0 quote coin per base coin */
    const cJSON *ex = cJSON_GetObjectItemCaseSensitive(j, "exchange");
    if (ex) {
        if (!cJSON_IsObject(ex)) {
            fail(&x, "exchange", "must be an object%s", "");
            goto out;
        }
        static const char *const eallowed[] = {"confirmations", "initial_prices", NULL};
        if (only(&x, ex, "exchange", eallowed))
            goto out;
        if (num(&x, &d, ex, "confirmations", "exchange", 2, 1, 100, 1))
            goto out;
        c->confirmations = (uint32_t)d;
        const cJSON *ip = cJSON_GetObjectItemCaseSensitive(ex, "initial_prices");
        if (ip) {
            if (!cJSON_IsObject(ip)) {
                fail(&x, "exchange.initial_prices", "must be an object of pairs%s", "");
                goto out;
            }
            for (const cJSON *e = ip->child; e; e = e->next) {
                char f[160];
                snprintf(f, sizeof f, "exchange.initial_prices.%s", e->string ? e->string : "?");
                unsigned pi;
                if (!e->string || chain_ex_pair_parse(&pi, e->string)) {
                    fail(&x, f, "unknown pair (BRAVO/ALPHA, CHARLIE/ALPHA or CHARLIE/BRAVO)%s", "");
                    goto out;
                }
                if (!cJSON_IsNumber(e) || !(e->valuedouble > 0) || e->valuedouble > 1e4) {
                    fail(&x, f, "must be a price in quote coins in (0, 10000]%s", "");
                    goto out;
                }
                int64_t t = (int64_t)floor(e->valuedouble * 10000.0 + 0.5);
                c->initial_price[pi] = t < 1 ? 1 : t;
            }
        }
    }
    const cJSON *ag = cJSON_GetObjectItemCaseSensitive(j, "agents");
    if (!cJSON_IsArray(ag) || cJSON_GetArraySize(ag) < 1) {
        fail(&x, "agents", "must be a non-empty array of agent groups%s", "");
        goto out;
    }
    size_t n = (size_t)cJSON_GetArraySize(ag);
    if (n > CHAIN_ECON_MAX_GROUPS) {
        fail(&x, "agents", "more than 256 groups%s", "");
        goto out;
    }
    c->groups = calloc(n, sizeof *c->groups);
    if (!c->groups) {
        fail(&x, "agents", "out of memory%s", "");
        goto out;
    }
    c->n_groups = n;
    size_t gi = 0;
    int any_miner = 0;
    for (const cJSON *o = ag->child; o; o = o->next, gi++) {
        if (parse_group(&x, c, &c->groups[gi], o, gi))
            goto out;
        any_miner |= c->groups[gi].mine != CHAIN_ECON_MINE_NONE;
    }
    if (!any_miner) {
        fail(&x, "agents", "no agent mines (give at least one group a \"mining\" rate > 0)%s", "");
        goto out;
    }
    rc = 0;
out:
    if (rc)
        chain_econ_config_clear(c);
    return rc;
}

int chain_econ_config_load(chain_econ_config *c, common_error *err, const char *path)
{
    char *text = NULL;
    size_t len = 0;
    memset(c, 0, sizeof *c);
    if (common_file_read(&text, &len, err, path, CONFIG_MAX_BYTES) != 0)
        return -1;
    int rc = chain_econ_config_parse(c, err, path, text, len);
    free(text);
    return rc;
}

void chain_econ_config_clear(chain_econ_config *c)
{
    if (!c)
        return;
    for (size_t i = 0; i < c->n_groups; i++)
        cJSON_Delete(c->groups[i].params);
    free(c->groups);
    cJSON_Delete(c->json);
    memset(c, 0, sizeof *c);
}
