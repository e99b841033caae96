/* bse/env.c - BSE-Trader-v0 over the step API, and its threaded vector (env.h).
 *
 * Main invariant: an episode is a pure function of (case, options, seed,
 * actions): the stepper is re-created from the case at each reset, the agent's
 * prices are computed in doubles without contraction, and the vector's threads
 * only ever touch their own envs (env i belongs to thread i mod nthreads). */
#include "bse/env.h"

#include <assert.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bse/exchange.h"
#include "bse/session.h"
#include "bse/step.h"

enum { EV_NONE = 0, EV_RUNNING, EV_EMPTY, EV_ENDED, EV_DEAD };

struct bse_env {
    bse_case c;
    bse_env_options o;
    bse_step *s;
    bse_result res;
    int has_res;
    int state;             /* EV_* */
    int64_t prev_balance;
    int last_bid;          /* side and limit of the last order seen */
    int64_t last_limit;
    double last_order_time;
    bse_env_info info;
};

static const float obs_low[BSE_ENV_OBS_DIM] = {-1, 0, 0, 0, 0, 0, 0, 0, 0, -1, 0, -1, 0, -1, -1, 0, 0, 0, 0, 0};
static const float obs_high[BSE_ENV_OBS_DIM] = {1, 1, 1, 4, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 10};

bse_env_options bse_env_options_default(void)
{
    bse_env_options o;
    memset(&o, 0, sizeof o);
    o.slot = 0;
    o.slot_type = -1;
    o.shadow = 1;
    o.autopilot = 0;
    o.seed_stride = 1;
    return o;
}

void bse_env_obs_bounds(float low[BSE_ENV_OBS_DIM], float high[BSE_ENV_OBS_DIM])
{
    memcpy(low, obs_low, sizeof obs_low);
    memcpy(high, obs_high, sizeof obs_high);
}

static bse_step_options step_options(const bse_env_options *o)
{
    bse_step_options so = bse_step_options_default();
    so.watch = o->slot;
    so.only_with_order = 1;
    so.retype_slot = o->slot_type >= 0 ? o->slot : -1;
    so.slot_type = o->slot_type >= 0 ? o->slot_type : BSE_T_GVWY;
    return so;
}

bse_env_status bse_env_create(bse_env **out, const bse_case *c, const bse_env_options *o, common_error *err)
{
    *out = NULL;
    common_error_clear(err);
    bse_env_options opt = o ? *o : bse_env_options_default();
    int64_t nbs = bse_case_count(c, BSE_SIDE_BUYERS) + bse_case_count(c, BSE_SIDE_SELLERS);
    if (opt.slot < 0 || opt.slot >= nbs || opt.seed_stride < 1 || opt.shadow < 0 || opt.shadow > 1 ||
        opt.autopilot < 0 || opt.autopilot > 1)
        return (bse_env_status)common_error_set(err, BSE_ENV_ECONFIG, c->case_id, "options",
                                             "slot %d must be a buyer or seller (0..%lld), seed_stride >= 1, "
                                             "shadow and autopilot 0 or 1",
                                             opt.slot, (long long)nbs - 1);
    /* a trial construction checks the case and the options once, with their messages */
    bse_step_options so = step_options(&opt);
    bse_step *trial = NULL;
    bse_step_status ss = bse_step_create(&trial, c, &so, err);
    bse_step_destroy(trial);
    if (ss != BSE_STEP_OK)
        return ss == BSE_STEP_ENOMEM ? BSE_ENV_ENOMEM : BSE_ENV_ECONFIG;
    bse_env *e = calloc(1, sizeof *e);
    if (!e)
        return (bse_env_status)common_error_set(err, BSE_ENV_ENOMEM, c->case_id, "", "out of memory");
    e->c = *c;
    e->o = opt;
    *out = e;
    return BSE_ENV_OK;
}

bse_env_status bse_env_create_json(bse_env **out, const char *json, size_t len, const char *path,
                                   const char *case_id, const bse_env_options *o, common_error *err)
{
    *out = NULL;
    bse_case *c = malloc(sizeof *c);
    if (!c)
        return (bse_env_status)common_error_set(err, BSE_ENV_ENOMEM, path, "", "out of memory");
    bse_config_status cs = bse_case_parse(c, json, len, path, case_id, err);
    bse_env_status st = BSE_ENV_ECONFIG;
    if (cs == BSE_CONFIG_OK)
        st = bse_env_create(out, c, o, err);
    else if (cs == BSE_CONFIG_ENOMEM)
        st = BSE_ENV_ENOMEM;
    free(c);
    return st;
}

static void drop_session(bse_env *e)
{
    bse_step_destroy(e->s);
    e->s = NULL;
    bse_result_free(&e->res);
    e->has_res = 0;
}

void bse_env_destroy(bse_env *e)
{
    if (!e)
        return;
    drop_session(e);
    free(e);
}

static float clipf(double x, double lo, double hi) { return (float)(x < lo ? lo : x > hi ? hi : x); }

/* Price relative to the limit, signed so that larger is better for the agent. */
static float rel(const bse_env *e, int64_t p)
{
    double l = (double)e->last_limit;
    double r = e->last_bid ? (l - (double)p) / l : ((double)p - l) / l;
    return clipf(r, -1, 1);
}

static void fill_obs(bse_env *e, float *obs)
{
    memset(obs, 0, sizeof(float) * BSE_ENV_OBS_DIM);
    bse_step_trader t;
    bse_step_trader_view(e->s, e->o.slot, &t);
    if (t.has_order) {
        e->last_bid = t.order_is_bid;
        e->last_limit = t.order_price;
        e->last_order_time = t.order_time;
    }
    double time = bse_step_time(e->s), t0 = bse_step_start_time(e->s), t1 = bse_step_end_time(e->s);
    int32_t n = bse_step_n_traders(e->s);
    if (e->last_limit > 0) {
        obs[0] = e->last_bid ? 1.0f : -1.0f;
        obs[1] = clipf((double)e->last_limit / BSE_MAXPRICE, 0, 1);
    }
    obs[2] = clipf((time - t0) / (t1 - t0), 0, 1);
    if (t.has_order)
        obs[3] = clipf((time - t.order_time) / e->c.interval, 0, 4);
    bse_step_level bid, ask;
    int64_t bq = 0, aq = 0;
    int has_bid = bse_step_book(e->s, 1, &bid, 1, &bq) > 0;
    int has_ask = bse_step_book(e->s, 0, &ask, 1, &aq) > 0;
    if (has_bid) {
        obs[4] = 1;
        obs[5] = clipf((double)bid.price / BSE_MAXPRICE, 0, 1);
    }
    if (has_ask) {
        obs[6] = 1;
        obs[7] = clipf((double)ask.price / BSE_MAXPRICE, 0, 1);
    }
    if (e->last_limit > 0) {
        int has_opp = e->last_bid ? has_ask : has_bid, has_same = e->last_bid ? has_bid : has_ask;
        if (has_opp) {
            obs[8] = 1;
            obs[9] = rel(e, e->last_bid ? ask.price : bid.price);
        }
        if (has_same) {
            obs[10] = 1;
            obs[11] = rel(e, e->last_bid ? bid.price : ask.price);
        }
        int64_t prices[8];
        int32_t nt = bse_step_trades(e->s, NULL, prices, 8);
        if (nt > 0) {
            obs[12] = 1;
            obs[13] = rel(e, prices[0]);
            double s = 0;
            for (int32_t k = 0; k < nt; k++)
                s += (double)rel(e, prices[k]);
            obs[14] = clipf(s / (double)nt, -1, 1);
        }
        if (t.has_quote) {
            obs[15] = 1;
            obs[16] = clipf((double)rel(e, t.quote_price), 0, 1);
        }
    }
    obs[17] = clipf((double)bq / (double)n, 0, 1);
    obs[18] = clipf((double)aq / (double)n, 0, 1);
    obs[19] = clipf((double)t.balance / 1000.0, 0, 10);
    e->info.time = time;
    e->info.limit = t.has_order ? t.order_price : 0;
    e->info.profit = t.balance;
    e->info.agent_trades = t.n_trades;
    e->info.trades = bse_step_n_trades(e->s);
}

static bse_env_status from_step(bse_env *e, bse_step_status ss)
{
    e->state = EV_DEAD;
    return ss == BSE_STEP_ENOMEM ? BSE_ENV_ENOMEM : BSE_ENV_EBSE;
}

/* After a loop advance: on END take the result. Returns 1 at the end, 0 at a decision. */
static int settle(bse_env *e, bse_step_event ev)
{
    if (ev != BSE_STEP_END)
        return 0;
    common_error err;
    if (bse_step_finish(e->s, &e->res, &err) == BSE_STEP_OK)
        e->has_res = 1;
    return 1;
}

bse_env_status bse_env_reset(bse_env *e, uint64_t seed, float obs[BSE_ENV_OBS_DIM], int32_t *terminated,
                             common_error *err)
{
    memset(obs, 0, sizeof(float) * BSE_ENV_OBS_DIM);
    *terminated = 0;
    common_error_clear(err);
    drop_session(e);
    memset(&e->info, 0, sizeof e->info);
    e->info.price = -1;
    e->info.seed = seed;
    e->prev_balance = 0;
    e->last_bid = 0;
    e->last_limit = 0;
    e->state = EV_DEAD;
    char text[32];
    snprintf(text, sizeof text, "%llu", (unsigned long long)seed);
    if (bse_case_set_seed(&e->c, BSE_SEED_INT, text, err) != BSE_CONFIG_OK)
        return BSE_ENV_ECONFIG;
    bse_step_options so = step_options(&e->o);
    bse_step_status ss = bse_step_create(&e->s, &e->c, &so, err);
    if (ss != BSE_STEP_OK)
        return ss == BSE_STEP_ENOMEM ? BSE_ENV_ENOMEM : BSE_ENV_ECONFIG;
    bse_step_event ev;
    int32_t who;
    if ((ss = bse_step_advance(e->s, &ev, &who, err)) != BSE_STEP_OK)
        return from_step(e, ss);
    if (settle(e, ev)) {
        e->state = EV_EMPTY;
        *terminated = 1;
        e->info.time = bse_step_time(e->s);
        return BSE_ENV_OK;
    }
    e->state = EV_RUNNING;
    fill_obs(e, obs);
    return BSE_ENV_OK;
}

bse_env_status bse_env_check_action(const float action[BSE_ENV_ACT_DIM], common_error *err)
{
    static const float lo[BSE_ENV_ACT_DIM] = {-1, 0}, hi[BSE_ENV_ACT_DIM] = {1, 1};
    for (int k = 0; k < BSE_ENV_ACT_DIM; k++) {
        float a = action[k];
        if (isnan(a) || !(a >= lo[k] && a <= hi[k])) {
            char field[32];
            snprintf(field, sizeof field, "action[%d]", k);
            return (bse_env_status)common_error_set(err, BSE_ENV_EACTION, "", field, "%g is outside [%g, %g]",
                                                 (double)a, (double)lo[k], (double)hi[k]);
        }
    }
    return BSE_ENV_OK;
}

bse_env_status bse_env_step(bse_env *e, const float action[BSE_ENV_ACT_DIM], float obs[BSE_ENV_OBS_DIM],
                            double *reward, int32_t *terminated, common_error *err)
{
    *reward = 0;
    *terminated = 0;
    common_error_clear(err);
    if (e->state == EV_EMPTY) { /* a session without any decision: one empty step ends it */
        memset(obs, 0, sizeof(float) * BSE_ENV_OBS_DIM);
        e->state = EV_ENDED;
        *terminated = 1;
        return BSE_ENV_OK;
    }
    if (e->state != EV_RUNNING)
        return (bse_env_status)common_error_set(err, BSE_ENV_ESTATE, "", "",
                                             e->state == EV_ENDED ? "the episode is over: reset first"
                                                                  : "no episode: reset first");
    if (!e->o.autopilot) {
        bse_env_status as = bse_env_check_action(action, err);
        if (as)
            return as;
    }
    bse_step_trader t;
    bse_step_trader_view(e->s, e->o.slot, &t);
    assert(t.has_order);
    int q = 0, b = t.order_is_bid;
    int64_t p = 0;
    bse_step_status ss;
    if (e->o.autopilot || e->o.shadow) {
        if ((ss = bse_step_propose(e->s, &q, &b, &p, err)) != BSE_STEP_OK)
            return from_step(e, ss);
    }
    if (!e->o.autopilot) {
        q = action[0] > 0.0f;
        b = t.order_is_bid;
        double l = (double)t.order_price, m = (double)action[1];
        if (b) {
            double x = floor(l * (1.0 - m));
            p = x < BSE_MINPRICE ? BSE_MINPRICE : (int64_t)x;
        } else {
            double x = ceil(l * (1.0 + m));
            p = x > BSE_MAXPRICE ? BSE_MAXPRICE : (int64_t)x;
        }
    }
    ss = bse_step_submit(e->s, q, b, p, err);
    if (ss == BSE_STEP_EQUOTE)
        return BSE_ENV_EACTION; /* cannot happen for prices made above; kept as a refusal */
    if (ss != BSE_STEP_OK)
        return from_step(e, ss);
    e->info.price = q ? p : -1;
    e->info.decisions++;
    bse_step_event ev;
    int32_t who;
    if ((ss = bse_step_advance(e->s, &ev, &who, err)) != BSE_STEP_OK)
        return from_step(e, ss);
    if (settle(e, ev)) {
        e->state = EV_ENDED;
        *terminated = 1;
    }
    fill_obs(e, obs);
    *reward = (double)(e->info.profit - e->prev_balance);
    e->prev_balance = e->info.profit;
    return BSE_ENV_OK;
}

void bse_env_get_info(const bse_env *e, bse_env_info *info) { *info = e->info; }

bse_env_status bse_env_write_files(const bse_env *e, const char *dir, common_error *err)
{
    if (!e->has_res)
        return (bse_env_status)common_error_set(err, BSE_ENV_ESTATE, "", "", "the episode is not over");
    if (bse_result_write_files(&e->res, &e->c, dir, err))
        return BSE_ENV_ENOMEM;
    return BSE_ENV_OK;
}

/* ------------------------------------------------------------ the vector */

enum { JOB_RESET = 1, JOB_STEP = 2 };

typedef struct worker_arg {
    bse_env_vec *v;
    int32_t w;
} worker_arg;

struct bse_env_vec {
    bse_env **envs;
    int32_t n, nthreads;
    pthread_t *th;
    worker_arg *args;
    int32_t nstarted;
    pthread_mutex_t mu;
    pthread_cond_t go, done;
    uint64_t gen;
    int32_t ndone;
    int quit;
    /* the job of the current generation */
    int job;
    const uint64_t *seeds;
    const float *actions;
    float *obs, *final_obs;
    double *rewards, *profit;
    int32_t *term;
    bse_env_status *st;
    common_error *errs;
};

static void job_one(bse_env_vec *v, int32_t i)
{
    bse_env *e = v->envs[i];
    float *obs = v->obs + (size_t)i * BSE_ENV_OBS_DIM;
    if (v->job == JOB_RESET) {
        v->st[i] = bse_env_reset(e, v->seeds[i], obs, &v->term[i], &v->errs[i]);
        return;
    }
    v->st[i] = bse_env_step(e, v->actions + (size_t)i * BSE_ENV_ACT_DIM, obs, &v->rewards[i], &v->term[i],
                            &v->errs[i]);
    if (v->st[i])
        return;
    if (v->profit)
        v->profit[i] = (double)e->info.profit;
    if (v->final_obs)
        memcpy(v->final_obs + (size_t)i * BSE_ENV_OBS_DIM, obs, sizeof(float) * BSE_ENV_OBS_DIM);
    if (v->term[i]) {
        int32_t t2;
        v->st[i] = bse_env_reset(e, e->info.seed + (uint64_t)e->o.seed_stride, obs, &t2, &v->errs[i]);
    }
}

static void job_part(bse_env_vec *v, int32_t w)
{
    for (int32_t i = w; i < v->n; i += v->nthreads)
        job_one(v, i);
}

static void *worker(void *arg)
{
    worker_arg *a = arg;
    bse_env_vec *v = a->v;
    uint64_t seen = 0;
    for (;;) {
        pthread_mutex_lock(&v->mu);
        while (v->gen == seen && !v->quit)
            pthread_cond_wait(&v->go, &v->mu);
        if (v->quit) {
            pthread_mutex_unlock(&v->mu);
            return NULL;
        }
        seen = v->gen;
        pthread_mutex_unlock(&v->mu);
        job_part(v, a->w);
        pthread_mutex_lock(&v->mu);
        if (++v->ndone == v->nthreads - 1)
            pthread_cond_signal(&v->done);
        pthread_mutex_unlock(&v->mu);
    }
}

static bse_env_status run_job(bse_env_vec *v, common_error *err)
{
    if (v->nthreads > 1) {
        pthread_mutex_lock(&v->mu);
        v->ndone = 0;
        v->gen++;
        pthread_cond_broadcast(&v->go);
        pthread_mutex_unlock(&v->mu);
    }
    job_part(v, 0);
    if (v->nthreads > 1) {
        pthread_mutex_lock(&v->mu);
        while (v->ndone < v->nthreads - 1)
            pthread_cond_wait(&v->done, &v->mu);
        pthread_mutex_unlock(&v->mu);
    }
    for (int32_t i = 0; i < v->n; i++)
        if (v->st[i]) {
            if (err) {
                *err = v->errs[i];
                snprintf(err->field, sizeof err->field, "env[%d]", i);
            }
            return v->st[i];
        }
    return BSE_ENV_OK;
}

void bse_env_vec_destroy(bse_env_vec *v)
{
    if (!v)
        return;
    if (v->nstarted > 0) {
        pthread_mutex_lock(&v->mu);
        v->quit = 1;
        pthread_cond_broadcast(&v->go);
        pthread_mutex_unlock(&v->mu);
        for (int32_t k = 0; k < v->nstarted; k++)
            pthread_join(v->th[k], NULL);
    }
    pthread_mutex_destroy(&v->mu);
    pthread_cond_destroy(&v->go);
    pthread_cond_destroy(&v->done);
    free(v->th);
    free(v->args);
    free(v->envs);
    free(v->st);
    free(v->errs);
    free(v);
}

bse_env_status bse_env_vec_create(bse_env_vec **out, bse_env *const *envs, int32_t n, int32_t nthreads,
                                  common_error *err)
{
    *out = NULL;
    assert(n >= 1 && nthreads >= 1);
    bse_env_vec *v = calloc(1, sizeof *v);
    if (!v)
        return (bse_env_status)common_error_set(err, BSE_ENV_ENOMEM, "", "", "out of memory");
    pthread_mutex_init(&v->mu, NULL);
    pthread_cond_init(&v->go, NULL);
    pthread_cond_init(&v->done, NULL);
    v->n = n;
    v->nthreads = nthreads < n ? nthreads : n;
    v->envs = malloc(sizeof *v->envs * (size_t)n);
    v->st = calloc((size_t)n, sizeof *v->st);
    v->errs = calloc((size_t)n, sizeof *v->errs);
    v->th = calloc((size_t)v->nthreads, sizeof *v->th);
    v->args = calloc((size_t)v->nthreads, sizeof *v->args);
    if (!v->envs || !v->st || !v->errs || !v->th || !v->args) {
        bse_env_vec_destroy(v);
        return (bse_env_status)common_error_set(err, BSE_ENV_ENOMEM, "", "", "out of memory");
    }
    memcpy(v->envs, envs, sizeof *v->envs * (size_t)n);
    for (int32_t w = 1; w < v->nthreads; w++) {
        v->args[w - 1].v = v;
        v->args[w - 1].w = w;
        if (pthread_create(&v->th[w - 1], NULL, worker, &v->args[w - 1])) {
            v->nthreads = w; /* the started ones are stopped by destroy */
            bse_env_vec_destroy(v);
            return (bse_env_status)common_error_set(err, BSE_ENV_ENOMEM, "", "", "cannot start a thread");
        }
        v->nstarted++;
    }
    *out = v;
    return BSE_ENV_OK;
}

bse_env_status bse_env_vec_reset(bse_env_vec *v, const uint64_t *seeds, float *obs, int32_t *terminated,
                                 common_error *err)
{
    common_error_clear(err);
    v->job = JOB_RESET;
    v->seeds = seeds;
    v->obs = obs;
    v->term = terminated;
    return run_job(v, err);
}

bse_env_status bse_env_vec_step(bse_env_vec *v, const float *actions, float *obs, double *rewards,
                                int32_t *terminated, float *final_obs, double *episode_profit, common_error *err)
{
    common_error_clear(err);
    for (int32_t i = 0; i < v->n; i++) {
        if (v->envs[i]->o.autopilot)
            continue;
        bse_env_status as = bse_env_check_action(actions + (size_t)i * BSE_ENV_ACT_DIM, err);
        if (as) {
            char field[160];
            snprintf(field, sizeof field, "env[%d].%s", i, err->field);
            snprintf(err->field, sizeof err->field, "%s", field);
            return as;
        }
    }
    v->job = JOB_STEP;
    v->actions = actions;
    v->obs = obs;
    v->rewards = rewards;
    v->term = terminated;
    v->final_obs = final_obs;
    v->profit = episode_profit;
    return run_job(v, err);
}
