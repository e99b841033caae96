/* chain/economy/live_trader.c - `econ trader --group G`: one group's agents in
 * live mode (live.h): strategies stepped through DIR/exchange.sock, miners'
 * deposits sent to the chains, periodic withdrawals asked of the exchange. */
#include "chain/economy/live.h"

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "chain/validate.h"
#include "chain/params.h"
#include "chain/store.h"
#include "common/clock.h"
#include "pouw/tx.h"

typedef struct tagent {
    uint32_t idx;
    char label[CHAIN_ECON_LABEL_MAX + 12];
    pouw_key key;
    uint8_t pub[32];
    void *ts;
    chain_econ_rng rng;
    double next_step, next_wd;
    chain_ex_balance ex[CHAIN_EX_COINS]; /* as last observed */
    int observed;
} tagent;

typedef struct T {
    const chain_econ_config *cfg;
    const chain_econ_group *g;
    const chain_econ_live_opts *o;
    const char *dir;
    common_error *err;
    tagent *a;
    uint32_t n;
    int fd;
    chain_econ_live_reader rd;
    uint8_t ex_pub[32];
    int have_ex;
    const chain_params *p[CHAIN_EX_COINS];
    chain_store *s[CHAIN_EX_COINS];
    chain_v1_verifier ver;
    double step_real, wd_real;
    uint64_t steps, acts_failed, deposits, withdrawals;
} T;

static uint64_t mix64(uint64_t x)
{
    chain_econ_rng r = {x};
    return chain_econ_rng_next(&r);
}

static uint64_t wall_clock(void *user)
{
    (void)user;
    return common_clock_wall_ms();
}

static void disconnect(T *t)
{
    if (t->fd >= 0)
        close(t->fd);
    t->fd = -1;
    chain_econ_live_reader_free(&t->rd);
}

/* Sends one line and reads its reply (parsed). NULL when the exchange is away. */
static cJSON *rpc(T *t, const common_buf *line)
{
    if (t->fd < 0)
        return NULL;
    if (chain_econ_live_write(t->fd, line->data, line->len)) {
        disconnect(t);
        return NULL;
    }
    char *l;
    size_t len;
    int r = chain_econ_live_read_line(&t->rd, t->fd, 10000, &l, &len);
    if (r != 1) {
        disconnect(t);
        return NULL;
    }
    return cJSON_ParseWithLength(l, len);
}

static int hex32(uint8_t out[32], const char *h)
{
    if (!h || strlen(h) != 64)
        return -1;
    for (int i = 0; i < 32; i++) {
        unsigned v;
        if (sscanf(h + 2 * i, "%2x", &v) != 1)
            return -1;
        out[i] = (uint8_t)v;
    }
    return 0;
}

static void try_connect(T *t)
{
    if (t->fd >= 0)
        return;
    t->fd = chain_econ_live_connect(t->dir);
    if (t->fd < 0)
        return;
    for (uint32_t k = 0; k < t->n && t->fd >= 0; k++) {
        common_buf b = COMMON_BUF_INIT;
        common_buf_append(&b, "{\"type\":\"hello\",\"label\":", 24);
        chain_econ_live_put_str(&b, t->a[k].label);
        common_buf_append(&b, "}\n", 2);
        cJSON *r = rpc(t, &b);
        common_buf_free(&b);
        const cJSON *ty = cJSON_GetObjectItemCaseSensitive(r, "type");
        const cJSON *ex = cJSON_GetObjectItemCaseSensitive(r, "exchange");
        const cJSON *ag = cJSON_GetObjectItemCaseSensitive(r, "agent");
        if (!cJSON_IsString(ty) || strcmp(ty->valuestring, "hello") != 0 || !cJSON_IsString(ex) ||
            hex32(t->ex_pub, ex->valuestring) || !cJSON_IsNumber(ag) || (uint32_t)ag->valuedouble != t->a[k].idx) {
            fprintf(stderr, "econ trader: %s: the exchange refused the hello\n", t->a[k].label);
            cJSON_Delete(r);
            disconnect(t);
            return;
        }
        t->have_ex = 1;
        cJSON_Delete(r);
    }
}

static void step_agent(T *t, tagent *ag)
{
    common_buf b = COMMON_BUF_INIT;
    common_buf_printf(&b, "{\"type\":\"observe\",\"agent\":%" PRIu32 "}\n", ag->idx);
    cJSON *r = rpc(t, &b);
    common_buf_reset(&b);
    chain_econ_obs obs;
    chain_ex_order_info orders[CHAIN_ECON_MAX_OPEN];
    const char *errs[CHAIN_ECON_MAX_ERRORS];
    char why[160];
    if (!r || chain_econ_live_obs_parse(&obs, orders, CHAIN_ECON_MAX_OPEN, errs, CHAIN_ECON_MAX_ERRORS, r, why)) {
        if (r)
            fprintf(stderr, "econ trader: %s: a malformed observation (%s)\n", ag->label, why);
        cJSON_Delete(r);
        common_buf_free(&b);
        return;
    }
    memcpy(ag->ex, obs.ex, sizeof ag->ex);
    ag->observed = 1;
    chain_econ_action act;
    memset(&act, 0, sizeof act);
    if (t->g->trader)
        t->g->trader->step(ag->ts, &obs, &ag->rng, &act);
    cJSON_Delete(r);
    t->steps++;
    if (!t->g->trader || (!act.n_orders && !act.n_cancels && !act.n_errors)) {
        common_buf_free(&b);
        return;
    }
    chain_econ_live_act_json(&b, ag->idx, &act);
    r = rpc(t, &b);
    const cJSON *ty = cJSON_GetObjectItemCaseSensitive(r, "type");
    if (!cJSON_IsString(ty) || strcmp(ty->valuestring, "acted") != 0)
        t->acts_failed++;
    cJSON_Delete(r);
    common_buf_free(&b);
}

/* Coins of ag on chain c it may spend now: tip balance - coinbases younger than
 * the maturity - its transfers waiting in the mempool. */
static int64_t spendable(T *t, tagent *ag, unsigned c)
{
    common_error e;
    common_error_clear(&e);
    int moved;
    chain_store *s = t->s[c];
    if (chain_store_refresh(s, &e, &moved) != CHAIN_OK)
        return 0;
    uint8_t tip[32];
    chain_store_tip_id(tip, s);
    pouw_ledger l = {0};
    if (chain_store_ledger(&l, &e, s, tip) != CHAIN_OK)
        return 0;
    int64_t b = pouw_ledger_balance(&l, ag->pub);
    pouw_ledger_clear(&l);
    if (b <= 0)
        return 0;
    size_t young = t->p[c]->maturity ? t->p[c]->maturity - 1 : 0, got = 0;
    chain_block_meta m[16];
    if (young > 16)
        young = 16;
    if (young && chain_store_ancestors(m, &got, &e, s, tip, young) == CHAIN_OK)
        for (size_t k = 0; k < got; k++)
            if (memcmp(m[k].miner, ag->pub, 32) == 0)
                b -= m[k].coinbase;
    pouw_tx *txs = NULL;
    size_t n = 0;
    if (chain_store_tx_list(&txs, &n, &e, s) == CHAIN_OK)
        for (size_t k = 0; k < n; k++)
            if (memcmp(txs[k].from, ag->pub, 32) == 0)
                b -= txs[k].amount + txs[k].fee;
    free(txs);
    return b > 0 ? b : 0;
}

static void deposit(T *t, tagent *ag)
{
    if (!t->have_ex)
        return;
    for (unsigned c = 0; c < CHAIN_EX_COINS; c++) {
        int64_t sp = spendable(t, ag, c);
        int64_t amt = (int64_t)floor((double)sp * t->g->deposit_share);
        amt -= amt % CHAIN_EX_QTY_STEP;
        if (amt < CHAIN_EX_UNITS_PER_COIN)
            continue;
        pouw_tx tx;
        pouw_reason why;
        common_error e;
        common_error_clear(&e);
        if (chain_store_send(t->s[c], &tx, &why, &e, &ag->key, t->ex_pub, amt, 0) == CHAIN_OK)
            t->deposits++;
    }
}

static void withdraw(T *t, tagent *ag)
{
    if (!ag->observed || t->fd < 0)
        return;
    for (unsigned c = 0; c < CHAIN_EX_COINS; c++) {
        if (ag->ex[c].owed > 0)
            continue;
        int64_t amt = (int64_t)floor((double)ag->ex[c].free * t->g->withdraw_share);
        amt -= amt % CHAIN_EX_QTY_STEP;
        if (amt < CHAIN_EX_UNITS_PER_COIN)
            continue;
        common_buf b = COMMON_BUF_INIT;
        common_buf_printf(&b, "{\"type\":\"withdraw\",\"agent\":%" PRIu32 ",\"coin\":\"%s\",\"amount\":%" PRId64 "}\n",
                          ag->idx, chain_ex_coin_name(c), amt);
        cJSON *r = rpc(t, &b);
        const cJSON *ty = cJSON_GetObjectItemCaseSensitive(r, "type");
        if (cJSON_IsString(ty) && strcmp(ty->valuestring, "withdrawn") == 0)
            t->withdrawals++;
        cJSON_Delete(r);
        common_buf_free(&b);
    }
}

static void nap(double s)
{
    if (s <= 0)
        return;
    struct timespec ts = {(time_t)s, (long)((s - floor(s)) * 1e9)};
    nanosleep(&ts, NULL);
}

int chain_econ_live_trader(const chain_econ_config *cfg, const char *dir, const char *group,
                           const chain_econ_live_opts *o, common_error *err)
{
    const chain_econ_group *g = NULL;
    for (size_t k = 0; k < cfg->n_groups; k++)
        if (strcmp(cfg->groups[k].label, group) == 0)
            g = &cfg->groups[k];
    if (!g)
        return common_error_set(err, 2, cfg->path, "agents", "no group labelled \"%s\"", group);
    T *t = calloc(1, sizeof *t);
    if (!t)
        return common_error_set(err, 1, dir, "", "out of memory");
    t->cfg = cfg;
    t->g = g;
    t->o = o;
    t->dir = dir;
    t->err = err;
    t->fd = -1;
    t->n = g->count;
    double speed = o->speed > 0 ? o->speed : 1;
    t->step_real = g->step_s / speed;
    t->wd_real = g->withdraw_every_s / speed;
    int rc = 0;
    t->a = calloc(t->n ? t->n : 1, sizeof *t->a);
    if (!t->a) {
        rc = common_error_set(err, 1, dir, "", "out of memory");
        goto out;
    }
    int mines = g->mine != CHAIN_ECON_MINE_NONE && g->deposit_share > 0;
    t->ver.threads = 1;
    t->ver.clock_ms = wall_clock;
    for (unsigned c = 0; mines && c < CHAIN_EX_COINS; c++) {
        t->p[c] = cfg->testnet ? chain_testnet_at(c) : chain_params_at(c);
        chain_store_opts so;
        memset(&so, 0, sizeof so);
        chain_v1_store_opts(&so, &t->ver);
        common_error e;
        common_error_clear(&e);
        if (chain_store_open(&t->s[c], &e, dir, t->p[c], &so) != CHAIN_OK) {
            rc = common_error_set(err, 1, dir, "chains", "%s: %s", t->p[c]->name, e.msg);
            goto out;
        }
    }
    double t0 = common_clock_mono_s();
    for (uint32_t k = 0; k < t->n; k++) {
        tagent *ag = &t->a[k];
        ag->idx = g->first + k;
        chain_econ_live_label(ag->label, sizeof ag->label, cfg, ag->idx);
        if (chain_econ_live_key(&ag->key, err, dir, ag->label)) {
            rc = 1;
            goto out;
        }
        pouw_key_public(ag->pub, &ag->key);
        ag->rng.state = mix64(cfg->seed ^ mix64(0x6167656e74ull + ag->idx));
        /* agents of the group spread over one step */
        ag->next_step = t0 + t->step_real * ((double)k / (double)t->n);
        ag->next_wd = t0 + t->wd_real;
        if (g->trader) {
            chain_econ_hello h = {.agent = ag->idx, .seed = ag->rng.state, .step_s = g->step_s,
                                  .duration_s = cfg->duration_s, .label = ag->label};
            common_error e;
            common_error_clear(&e);
            if (g->trader->init(&ag->ts, g->params, &h, &e)) {
                rc = common_error_set(err, 2, cfg->path, e.field[0] ? e.field : "trader", "%s: %s", ag->label, e.msg);
                goto out;
            }
        }
    }
    if (!o->quiet)
        fprintf(stderr, "econ trader: group %s: %u agents, a step every %.3g s\n", g->label, (unsigned)t->n,
                t->step_real);
    double last_try = 0;
    while (!(o->stop && o->stop(o->stop_user))) {
        double now = common_clock_mono_s();
        if (t->fd < 0 && now - last_try >= 0.2) {
            last_try = now;
            try_connect(t);
        }
        double next = now + 0.2;
        for (uint32_t k = 0; k < t->n; k++) {
            tagent *ag = &t->a[k];
            if (now >= ag->next_step) {
                ag->next_step += t->step_real;
                if (ag->next_step < now)
                    ag->next_step = now + t->step_real; /* steps missed while away are not made up */
                if (t->fd >= 0)
                    step_agent(t, ag);
                if (mines)
                    deposit(t, ag);
            }
            if (t->wd_real > 0 && g->withdraw_share > 0 && now >= ag->next_wd) {
                ag->next_wd += t->wd_real;
                if (ag->next_wd < now)
                    ag->next_wd = now + t->wd_real;
                withdraw(t, ag);
            }
            if (ag->next_step < next)
                next = ag->next_step;
            if (o->stop && o->stop(o->stop_user))
                break;
        }
        nap(next - common_clock_mono_s());
    }
    if (!o->quiet)
        fprintf(stderr, "econ trader: group %s stopped: %llu steps, %llu deposits, %llu withdrawals\n", g->label,
                (unsigned long long)t->steps, (unsigned long long)t->deposits, (unsigned long long)t->withdrawals);
out:
    disconnect(t);
    for (uint32_t k = 0; t->a && k < t->n; k++) {
        if (g->trader && t->a[k].ts && g->trader->destroy)
            g->trader->destroy(t->a[k].ts);
        pouw_key_clear(&t->a[k].key);
    }
    for (unsigned c = 0; c < CHAIN_EX_COINS; c++)
        chain_store_close(t->s[c]);
    free(t->a);
    free(t);
    return rc;
}
