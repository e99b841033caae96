/* chain/economy/sim.c - the economy on simulated time (sim.h). */
#include "chain/economy/sim.h"

#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <csv.h>

#include "chain/economy/market.h"
#include "chain/economy/onchain.h"
#include "chain/economy/outputs.h"
#include "chain/exchange/clearing.h"
#include "chain/miner.h"
#include "chain/validate.h"
#include "chain/params.h"
#include "chain/policy.h"
#include "chain/store.h"
#include "common/buf.h"
#include "common/clock.h"
#include "common/file.h"
#include "common/progress.h"
#include "pouw/keys.h"
#include "pouw/sha256.h"
#include "pouw/tx.h"

#define RING 16          /* mined heights remembered per agent and chain (>= maturity) */

typedef struct agent {
    uint32_t idx;
    const chain_econ_group *g;
    char label[CHAIN_ECON_LABEL_MAX + 8];
    pouw_key key;
    uint8_t pub[32];
    void *ts;                 /* trader state */
    chain_econ_rng rng;
    chain_policy pol;
    unsigned choice;          /* chain its policy picked last */
    double last_value;
    char errs[CHAIN_ECON_MAX_ERRORS][CHAIN_EX_REASON_MAX];
    const char *errp[CHAIN_ECON_MAX_ERRORS];
    size_t n_errs;
    chain_ex_order_info orders[CHAIN_ECON_MAX_OPEN];
    chain_econ_action act;
    int due;
    int64_t pending_out[CHAIN_EX_COINS];      /* deposits sent, not yet in a block */
    uint64_t mined_h[CHAIN_EX_COINS][RING];   /* heights of its last blocks per chain */
    size_t n_mined[CHAIN_EX_COINS];
    uint64_t blocks_period;
} agent;

typedef struct xfer {
    uint8_t txid[32];
    uint64_t id64;
    uint32_t agent;
    unsigned coin;
    int64_t amount;
    int withdrawal;           /* 0 deposit, 1 withdrawal (wid = id64) */
} xfer;

typedef struct sim {
    const chain_econ_config *cfg;
    const chain_econ_sim_opts *o;
    common_error *err;
    char out[1024], chains[1100];
    const chain_params *p[CHAIN_EX_COINS];
    chain_store *store[CHAIN_EX_COINS];
    chain_v1_verifier verifier;
    pouw_ledger ledger[CHAIN_EX_COINS];
    uint64_t height[CHAIN_EX_COINS];
    uint64_t base_ms[CHAIN_EX_COINS];
    double pass[CHAIN_EX_COINS];       /* chance an attempt makes the next block */
    pouw_key ex_key;
    uint8_t ex_pub[32];
    chain_ex *ex;
    uint32_t n_agents, house;
    agent *a;
    chain_econ_rng rng;                /* the race, the news */
    int news[CHAIN_EX_COINS];
    double t;                          /* simulated now */
    uint64_t clock_ms;                 /* header time of the block being mined */
    chain_econ_market mk;              /* trade history, period statistics, last trades */
    xfer *xf;
    size_t n_xf, cap_xf;
    uint64_t next_wid;
    int64_t boot_units[CHAIN_EX_COINS];   /* exchange coinbases before t = 0 */
    int64_t incl_dep[CHAIN_EX_COINS], incl_wd[CHAIN_EX_COINS];
    chain_econ_outputs outs;
    chain_econ_summary *sum;
    int failed;                         /* an invariant broke: stop */
    common_progress prog;
} sim;

/* ------------------------------------------------------------------ helpers */

static uint64_t mix64(uint64_t x)
{
    chain_econ_rng r = {x};
    return chain_econ_rng_next(&r);
}

static int sfail(sim *S, int rc, const char *field, const char *fmt, ...) __attribute__((format(printf, 4, 5)));
static int sfail(sim *S, int rc, const char *field, const char *fmt, ...)
{
    char msg[300];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    if (!S->err->code)
        common_error_set(S->err, rc, S->out, field, "%s", msg);
    S->failed = 1;
    return rc;
}

static const char *agent_label(const sim *S, uint32_t acc)
{
    if (acc == S->house)
        return "house";
    return acc < S->n_agents ? S->a[acc].label : "?";
}

/* The value of one whole coin in AlphaCoin (last price, else the config's initial price). */
static void coin_values(const sim *S, double v[CHAIN_EX_COINS])
{
    chain_econ_market_values(S->ex, S->cfg->initial_price, v);
}

static int64_t onchain(const sim *S, const agent *ag, unsigned c)
{
    return pouw_ledger_balance(&S->ledger[c], ag->pub);
}

/* Coins of ag on chain c it may spend in the next block: balance minus the
 * coinbases of its blocks younger than the maturity, minus deposits in flight. */
static int64_t spendable(const sim *S, const agent *ag, unsigned c)
{
    int64_t b = onchain(S, ag, c) - ag->pending_out[c];
    uint64_t next = S->height[c] + 1, mat = S->p[c]->maturity;
    size_t n = ag->n_mined[c] < RING ? ag->n_mined[c] : RING;
    for (size_t i = 0; i < n; i++) {
        uint64_t h = ag->mined_h[c][i];
        if (next - h < mat)
            b -= S->p[c]->reward;
    }
    return b > 0 ? b : 0;
}

static void onchain_all(const sim *S, const agent *ag, int64_t u[CHAIN_EX_COINS])
{
    for (unsigned c = 0; c < CHAIN_EX_COINS; c++)
        u[c] = onchain(S, ag, c);
}

static double agent_value(const sim *S, const agent *ag, const double v[CHAIN_EX_COINS])
{
    int64_t u[CHAIN_EX_COINS];
    onchain_all(S, ag, u);
    return chain_econ_agent_value(S->ex, ag->idx, u, v); /* fiat is outside the coin economy (reported apart) */
}

/* ------------------------------------------------------------------ trades */

static void on_trade(void *user, const chain_ex_trade *tr)
{
    sim *S = user;
    chain_econ_market_trade(&S->mk, tr);
    S->sum->trades++;
    chain_econ_outputs_trade(&S->outs, tr, agent_label(S, tr->buyer), agent_label(S, tr->seller));
}

/* ------------------------------------------------------------------ custody */

static int check_custody(sim *S, const char *when)
{
    if (!S->cfg->check_custody)
        return 0;
    common_error e;
    common_error_clear(&e);
    S->sum->custody_checks++;
    /* Small runs: the whole invariant (escrow, books, coins) after every event.
     * Large ones: its coin equation after every event (O(1)) and the whole
     * invariant every CHAIN_ECON_FULL_CHECK_EVERY events and at the end. */
    int full = S->n_agents <= CHAIN_ECON_FULL_CHECK_AGENTS ||
               S->sum->custody_checks % CHAIN_ECON_FULL_CHECK_EVERY == 0 || strcmp(when, "the end") == 0;
    if (full)
        S->sum->custody_full_checks++;
    if ((full ? chain_ex_check(S->ex, &e) : chain_ex_check_fast(S->ex, &e)) != CHAIN_EX_OK) {
        S->sum->custody_ok = 0;
        return sfail(S, 1, "custody", "custody invariant broken after %s at t=%.3f s: %s", when, S->t, e.msg);
    }
    return 0;
}

static int excode(sim *S, chain_ex_code rc, const char *what)
{
    if (rc == CHAIN_EX_OK)
        return 0;
    if (rc == CHAIN_EX_EINVARIANT)
        S->sum->custody_ok = 0;
    return sfail(S, 1, "exchange", "%s failed (code %d) at t=%.3f s", what, (int)rc, S->t);
}

/* ------------------------------------------------------------------ mining */

static uint64_t sim_clock(void *user) { return ((sim *)user)->clock_ms; }

static int update_pass(sim *S, unsigned c)
{
    pouw_requirements req;
    common_error e;
    common_error_clear(&e);
    if (chain_required_targets(&req, &e, S->p[c], S->store[c], S->height[c] + 1) != CHAIN_OK)
        return sfail(S, 1, "chains", "%s: the next block's targets: %s", S->p[c]->name, e.msg);
    double pass = chain_econ_pass_chance(S->p[c], req.post_bits);
    if (pass < 0)
        return sfail(S, 1, "chains", "%s: undecodable post target", S->p[c]->name);
    S->pass[c] = pass;
    return 0;
}

static xfer *find_xfer(sim *S, const uint8_t txid[32])
{
    for (size_t i = 0; i < S->n_xf; i++)
        if (memcmp(S->xf[i].txid, txid, 32) == 0)
            return &S->xf[i];
    return NULL;
}

static void drop_xfer(sim *S, xfer *x)
{
    size_t i = (size_t)(x - S->xf);
    memmove(&S->xf[i], &S->xf[i + 1], (S->n_xf - i - 1) * sizeof *S->xf);
    S->n_xf--;
}

static int add_xfer(sim *S, const xfer *x)
{
    if (S->n_xf == S->cap_xf) {
        size_t cap = S->cap_xf ? 2 * S->cap_xf : 64;
        xfer *n = realloc(S->xf, cap * sizeof *n);
        if (!n)
            return sfail(S, 1, "memory", "out of memory");
        S->xf = n;
        S->cap_xf = cap;
    }
    S->xf[S->n_xf++] = *x;
    return 0;
}

/* One transfer of the exchange in a block just mined on chain c (onchain.h):
 * a deposit or withdrawal the run sent, credited or marked seen. */
typedef struct seen_ctx {
    sim *S;
    unsigned c;
    uint64_t h;
} seen_ctx;

static int transfer_seen(void *user, const pouw_tx *tx, const uint8_t txid[32], int withdrawal)
{
    (void)withdrawal; /* the run's own record says which it is */
    seen_ctx *k = user;
    sim *S = k->S;
    unsigned c = k->c;
    xfer *x = find_xfer(S, txid);
    if (!x)
        return 0;
    if (!x->withdrawal) {
        S->incl_dep[c] += tx->amount;
        S->a[x->agent].pending_out[c] -= x->amount;
        if (excode(S, chain_ex_deposit_seen(S->ex, c, x->agent, x->amount, x->id64, k->h), "a deposit") ||
            check_custody(S, "a deposit"))
            return 1;
    } else {
        S->incl_wd[c] += tx->amount + tx->fee;
        if (excode(S, chain_ex_withdrawal_seen(S->ex, c, x->id64, k->h), "a withdrawal") ||
            check_custody(S, "a withdrawal"))
            return 1;
    }
    drop_xfer(S, x);
    return 0;
}

/* Mines the next block of chain c for `miner` (an agent index, or n_agents for
 * the exchange) at simulated time t_ms, stores it and reports what it carried. */
static int mine_block(sim *S, unsigned c, uint32_t miner, uint64_t t_ms)
{
    const uint8_t *pub = miner < S->n_agents ? S->a[miner].pub : S->ex_pub;
    chain_store_add_result added;
    memset(&added, 0, sizeof added);
    chain_mine_opts mo;
    memset(&mo, 0, sizeof mo);
    mo.threads = S->o->threads ? S->o->threads : 1;
    mo.start_nonce = mix64(S->cfg->seed ^ ((uint64_t)c << 56) ^ (S->height[c] + 1)) % POUW_NONCE_LIMIT;
    mo.clock_ms = sim_clock;
    mo.clock_user = S;
    mo.added = &added;
    S->clock_ms = t_ms;
    pouw_block b;
    pouw_block_init(&b);
    pouw_mine_stats st;
    memset(&st, 0, sizeof st);
    common_error e;
    common_error_clear(&e);
    chain_status cs = chain_mine_block(&b, &st, &e, S->store[c], pub, &mo);
    if (cs != CHAIN_OK) {
        pouw_block_clear(&b);
        return sfail(S, 1, "chains", "%s: mining block %llu: %s", S->p[c]->name,
                     (unsigned long long)(S->height[c] + 1), e.msg[0] ? e.msg : chain_status_str(cs));
    }
    if (!added.best || (added.moved && added.move.disconnected)) {
        pouw_block_clear(&b);
        return sfail(S, 1, "chains", "%s: block %llu did not extend the best chain (the run is the only writer)",
                     S->p[c]->name, (unsigned long long)(S->height[c] + 1));
    }
    uint64_t h = b.header.height;
    S->height[c] = h;
    if (pouw_ledger_copy(&S->ledger[c], &b.ledger) != POUW_OK) {
        pouw_block_clear(&b);
        return sfail(S, 1, "memory", "out of memory");
    }
    if (miner >= S->n_agents && b.n_txs > 0)
        S->boot_units[c] += b.txs[0].amount; /* the exchange's own coinbase (bootstrap) */
    if (miner < S->n_agents) {
        agent *ag = &S->a[miner];
        ag->mined_h[c][ag->n_mined[c] % RING] = h;
        ag->n_mined[c]++;
        ag->blocks_period++;
    }
    /* what the block carried: deposits to the exchange, its withdrawals */
    seen_ctx sc = {S, c, h};
    (void)chain_econ_block_transfers(&b, S->ex_pub, transfer_seen, &sc); /* a failure is in S->failed */
    if (!S->failed && !excode(S, chain_ex_tip(S->ex, c, h), "the tip"))
        (void)check_custody(S, "a block");
    /* the exchange's coins on the chain = bootstrap + deposits - withdrawals included */
    int64_t held = pouw_ledger_balance(&S->ledger[c], S->ex_pub);
    int64_t want = S->boot_units[c] + S->incl_dep[c] - S->incl_wd[c];
    if (!S->failed && held != want) {
        S->sum->custody_ok = 0;
        sfail(S, 1, "custody", "%s: the exchange holds %lld units on chain after block %llu, its books say %lld",
              S->p[c]->name, (long long)held, (unsigned long long)h, (long long)want);
    }
    if (S->t >= 0) /* bootstrap blocks are counted in run.json, not listed */
        chain_econ_outputs_block(&S->outs, S->p[c]->name, h, S->t, miner < S->n_agents ? S->a[miner].label : "exchange",
                                 b.n_txs, b.pps, st.attempts, b.header.post_bits, S->pass[c]);
    pouw_block_clear(&b);
    if (S->failed)
        return 1;
    return update_pass(S, c);
}

/* ------------------------------------------------------------------ the race */

static int miner_active(const sim *S, const agent *ag)
{
    const chain_econ_group *g = ag->g;
    return g->mine != CHAIN_ECON_MINE_NONE && S->t >= g->from_s && S->t < g->until_s;
}

static void choose_chains(sim *S)
{
    double v[CHAIN_EX_COINS];
    coin_values(S, v);
    for (uint32_t i = 0; i < S->n_agents; i++) {
        agent *ag = &S->a[i];
        if (ag->g->mine == CHAIN_ECON_MINE_FIXED) {
            ag->choice = ag->g->chain;
        } else if (ag->g->mine == CHAIN_ECON_MINE_POLICY) {
            chain_view views[CHAIN_EX_COINS];
            for (unsigned c = 0; c < CHAIN_EX_COINS; c++) {
                views[c].params = S->p[c];
                chain_ex_balance b = chain_ex_balance_of(S->ex, i, c);
                views[c].balance = onchain(S, ag, c) + b.free + b.locked;
                views[c].price_num = (int64_t)llround(v[c] * 10000.0);
                views[c].price_den = 10000;
            }
            ag->choice = (unsigned)chain_policy_choose(&ag->pol, views, CHAIN_EX_COINS);
        }
    }
}

/* Blocks found in (t, t_end]: exponential race; each winner's block really mined. */
static int race(sim *S, double t_end)
{
    double now = S->t;
    for (;;) {
        choose_chains(S);
        double lambda = 0;
        for (uint32_t i = 0; i < S->n_agents; i++)
            if (miner_active(S, &S->a[i]))
                lambda += S->a[i].g->rate * S->pass[S->a[i].choice];
        if (!(lambda > 0))
            break;
        double u = chain_econ_rng_uniform(&S->rng);
        double dt = -log1p(-u) / lambda;
        if (now + dt > t_end)
            break;
        now += dt;
        S->t = now;
        double pick = chain_econ_rng_uniform(&S->rng) * lambda, acc = 0;
        uint32_t w = UINT32_MAX;
        for (uint32_t i = 0; i < S->n_agents; i++) {
            if (!miner_active(S, &S->a[i]))
                continue;
            acc += S->a[i].g->rate * S->pass[S->a[i].choice];
            w = i;
            if (pick < acc)
                break;
        }
        if (w == UINT32_MAX)
            break;
        unsigned c = S->a[w].choice;
        uint64_t ms = S->base_ms[c] + (uint64_t)llround(now * 1000.0);
        if (mine_block(S, c, w, ms))
            return 1;
        S->sum->blocks[c]++;
    }
    S->t = t_end;
    return 0;
}

/* ------------------------------------------------------------------ transfers */

static int send_transfer(sim *S, unsigned c, const pouw_key *key, const uint8_t to[32], int64_t amount, xfer *x)
{
    pouw_tx tx;
    pouw_reason why;
    common_error e;
    common_error_clear(&e);
    chain_status cs = chain_store_send(S->store[c], &tx, &why, &e, key, to, amount, 0);
    if (cs != CHAIN_OK)
        return 1; /* refused (e.g. not spendable yet): tried again later */
    if (pouw_tx_id(x->txid, &tx) != POUW_OK)
        return sfail(S, 1, "chains", "transfer id");
    return 0;
}

static int deposits_and_withdrawals(sim *S, int64_t step_no)
{
    for (uint32_t i = 0; i < S->n_agents; i++) {
        agent *ag = &S->a[i];
        const chain_econ_group *g = ag->g;
        if (g->mine != CHAIN_ECON_MINE_NONE && g->deposit_share > 0) {
            for (unsigned c = 0; c < CHAIN_EX_COINS; c++) {
                int64_t sp = spendable(S, ag, c);
                int64_t amt = (int64_t)floor((double)sp * g->deposit_share);
                amt -= amt % CHAIN_EX_QTY_STEP;
                if (amt < CHAIN_EX_UNITS_PER_COIN)
                    continue;
                xfer x = {.agent = i, .coin = c, .amount = amt, .withdrawal = 0};
                if (send_transfer(S, c, &ag->key, S->ex_pub, amt, &x)) {
                    if (S->failed)
                        return 1;
                    continue;
                }
                x.id64 = chain_econ_deposit_id(x.txid);
                ag->pending_out[c] += amt;
                if (add_xfer(S, &x))
                    return 1;
            }
        }
        if (g->withdraw_every_s > 0 && g->withdraw_share > 0) {
            double every = g->withdraw_every_s / S->cfg->step_s;
            int64_t k = (int64_t)llround(every < 1 ? 1 : every);
            if (step_no == 0 || step_no % k)
                continue;
            for (unsigned c = 0; c < CHAIN_EX_COINS; c++) {
                chain_ex_balance b = chain_ex_balance_of(S->ex, i, c);
                if (b.owed > 0)
                    continue;
                int64_t amt = (int64_t)floor((double)b.free * g->withdraw_share);
                amt -= amt % CHAIN_EX_QTY_STEP;
                if (amt < CHAIN_EX_UNITS_PER_COIN)
                    continue;
                xfer x = {.agent = i, .coin = c, .amount = amt, .withdrawal = 1};
                if (send_transfer(S, c, &S->ex_key, ag->pub, amt, &x)) {
                    if (S->failed)
                        return 1;
                    continue;
                }
                char reason[CHAIN_EX_REASON_MAX] = "";
                uint64_t wid = 0;
                chain_ex_code rc = chain_ex_withdraw(S->ex, c, i, amt, &wid, reason);
                if (rc != CHAIN_EX_OK)
                    return sfail(S, 1, "exchange", "withdrawal of %s after its transfer was sent: %s", ag->label,
                                 reason);
                x.id64 = wid;
                if (add_xfer(S, &x) || check_custody(S, "a withdrawal request"))
                    return 1;
            }
        }
    }
    return 0;
}

/* ------------------------------------------------------------------ traders */

typedef struct step_job {
    sim *S;
    uint32_t lo, hi;
    const chain_econ_book_view *books;
    const double *values;
} step_job;

static void build_obs(const sim *S, agent *ag, chain_econ_obs *obs, const chain_econ_book_view *books,
                      const double *v)
{
    memset(obs, 0, sizeof *obs);
    obs->t = S->t;
    obs->agent = ag->idx;
    for (unsigned c = 0; c < CHAIN_EX_COINS; c++) {
        obs->onchain[c] = onchain(S, ag, c);
        obs->ex[c] = chain_ex_balance_of(S->ex, ag->idx, c);
        obs->news[c] = S->news[c];
        obs->fundamental[c] = v[c];
        obs->heights[c] = S->height[c];
    }
    obs->fiat = ag->g->fiat;
    size_t n = chain_ex_orders_of(S->ex, ag->idx, ag->orders, CHAIN_ECON_MAX_OPEN);
    obs->orders = ag->orders;
    obs->n_orders = n < CHAIN_ECON_MAX_OPEN ? n : CHAIN_ECON_MAX_OPEN;
    memcpy(obs->books, books, sizeof obs->books);
    double val = agent_value(S, ag, v);
    obs->reward = val - ag->last_value;
    ag->last_value = val;
    for (size_t i = 0; i < ag->n_errs; i++)
        ag->errp[i] = ag->errs[i];
    obs->errors = ag->errp;
    obs->n_errors = ag->n_errs;
}

static void *step_worker(void *arg)
{
    step_job *j = arg;
    sim *S = j->S;
    for (uint32_t i = j->lo; i < j->hi; i++) {
        agent *ag = &S->a[i];
        memset(&ag->act, 0, sizeof ag->act);
        if (!ag->due || !ag->g->trader)
            continue;
        chain_econ_obs obs;
        build_obs(S, ag, &obs, j->books, j->values);
        ag->g->trader->step(ag->ts, &obs, &ag->rng, &ag->act);
    }
    return NULL;
}

static void add_err(sim *S, agent *ag, const char *msg)
{
    if (ag->n_errs < CHAIN_ECON_MAX_ERRORS) {
        snprintf(ag->errs[ag->n_errs], CHAIN_EX_REASON_MAX, "%s", msg);
        ag->n_errs++;
    }
    S->sum->refusals++;
    chain_econ_outputs_error(&S->outs, S->t, ag->label, msg);
}

static void book_views(const sim *S, chain_econ_book_view *bv)
{
    chain_econ_market_books(&S->mk, S->ex, S->cfg->initial_price, bv);
}

static int traders_step(sim *S, int64_t step_no)
{
    uint32_t n_due = 0;
    for (uint32_t i = 0; i < S->n_agents; i++) {
        agent *ag = &S->a[i];
        int64_t k = (int64_t)llround(ag->g->step_s / S->cfg->step_s);
        if (k < 1)
            k = 1;
        /* agents of one group spread over the k steps of their period */
        ag->due = ag->g->trader && ((step_no + (int64_t)(ag->idx % (uint32_t)k)) % k) == 0;
        n_due += (uint32_t)ag->due;
    }
    if (!n_due)
        return 0;
    chain_econ_book_view bv[CHAIN_EX_PAIRS];
    book_views(S, bv);
    double v[CHAIN_EX_COINS];
    coin_values(S, v);
    unsigned T = S->o->threads ? S->o->threads : 1;
    if (T > 64)
        T = 64;
    if (T > S->n_agents)
        T = S->n_agents;
    step_job jobs[64];
    pthread_t th[64];
    int started[64] = {0};
    for (unsigned k = 0; k < T; k++) {
        jobs[k] = (step_job){S, (uint32_t)((uint64_t)S->n_agents * k / T), (uint32_t)((uint64_t)S->n_agents * (k + 1) / T),
                             bv, v};
        if (k > 0 && pthread_create(&th[k], NULL, step_worker, &jobs[k]) == 0)
            started[k] = 1;
    }
    step_worker(&jobs[0]);
    for (unsigned k = 1; k < T; k++) {
        if (started[k])
            pthread_join(th[k], NULL);
        else
            step_worker(&jobs[k]);
    }
    /* apply in agent order */
    for (uint32_t i = 0; i < S->n_agents; i++) {
        agent *ag = &S->a[i];
        if (!ag->due)
            continue;
        ag->n_errs = 0;
        chain_econ_action *act = &ag->act;
        for (size_t k = 0; k < act->n_errors && k < CHAIN_ECON_MAX_ERRORS; k++)
            add_err(S, ag, act->errors[k]);
        for (size_t k = 0; k < act->n_cancels && k < CHAIN_ECON_MAX_CANCELS; k++) {
            char reason[CHAIN_EX_REASON_MAX] = "";
            chain_ex_code rc = chain_ex_cancel(S->ex, i, act->cancels[k], reason);
            if (rc == CHAIN_EX_EINVARIANT)
                return excode(S, rc, "a cancel");
            if (rc != CHAIN_EX_OK) {
                char m[CHAIN_EX_REASON_MAX + 40];
                snprintf(m, sizeof m, "cancel %llu: %s", (unsigned long long)act->cancels[k],
                         reason[0] ? reason : "refused");
                add_err(S, ag, m);
            } else if (check_custody(S, "a cancel")) {
                return 1;
            }
        }
        for (size_t k = 0; k < act->n_orders && k < CHAIN_ECON_MAX_ORDERS; k++) {
            const chain_econ_order_req *r = &act->orders[k];
            char reason[CHAIN_EX_REASON_MAX] = "";
            chain_ex_place_result res;
            memset(&res, 0, sizeof res);
            S->sum->orders++;
            chain_ex_code rc = chain_ex_place(S->ex, i, r->pair, r->side, r->type, r->price, r->qty, 0, S->t, &res, reason);
            if (rc == CHAIN_EX_EINVARIANT || rc == CHAIN_EX_ENOMEM)
                return excode(S, rc, "an order");
            if (rc != CHAIN_EX_OK) {
                char m[CHAIN_EX_REASON_MAX + 40];
                snprintf(m, sizeof m, "order %zu: %s", k, reason[0] ? reason : "refused");
                add_err(S, ag, m);
            } else if (check_custody(S, "an order")) {
                return 1;
            }
        }
        if (S->failed)
            return 1;
    }
    return 0;
}

/* ------------------------------------------------------------------ periods */

static void period_rows(sim *S, double start)
{
    chain_econ_outputs_market(&S->outs, S->t, start, &S->mk, S->ex);
    chain_econ_market_end_period(&S->mk, S->ex, S->cfg->initial_price);
    double v[CHAIN_EX_COINS];
    coin_values(S, v);
    for (uint32_t i = 0; i < S->n_agents; i++) {
        agent *ag = &S->a[i];
        int64_t ch[CHAIN_EX_COINS];
        onchain_all(S, ag, ch);
        chain_econ_outputs_agent(&S->outs, S->t, ag->label, S->ex, i, ch, ag->g->fiat, v);
        if (ag->g->mine != CHAIN_ECON_MINE_NONE) {
            chain_econ_outputs_mining(&S->outs, start, ag->label, miner_active(S, ag) ? S->p[ag->choice]->name : "-",
                                      miner_active(S, ag) ? ag->g->rate : 0.0, ag->blocks_period);
            ag->blocks_period = 0;
        }
    }
}

/* OUT/chains/economy.json: the monitor's snapshot (chain/report.h). */
static double snap_value(void *user, uint32_t i)
{
    const sim *S = user;
    double v[CHAIN_EX_COINS];
    coin_values(S, v);
    return agent_value(S, &S->a[i], v);
}

static void snap_holdings(void *user, uint32_t i, int64_t units[CHAIN_EX_COINS])
{
    const sim *S = user;
    for (unsigned c = 0; c < CHAIN_EX_COINS; c++) {
        chain_ex_balance b = chain_ex_balance_of(S->ex, i, c);
        units[c] = onchain(S, &S->a[i], c) + b.free + b.locked - b.owed;
    }
}

static const char *snap_label(void *user, uint32_t acc) { return agent_label(user, acc); }

static void write_snapshot(sim *S, int final)
{
    chain_econ_snap_src src = {S->n_agents, snap_value, snap_holdings, snap_label, S};
    cJSON *o = chain_econ_market_snapshot(&S->mk, S->ex, "sim", S->t, S->cfg->duration_s, final, S->sum->custody_ok, &src);
    (void)chain_econ_market_write_snapshot(S->chains, o); /* for people: a failed write is not the run's failure */
}

/* ------------------------------------------------------------------ set-up */

static int make_key(pouw_key *k, uint8_t pub[32], uint64_t seed, const char *what, uint32_t i)
{
    char msg[96];
    int n = snprintf(msg, sizeof msg, "bsepouw-econ|%s|%llu|%u", what, (unsigned long long)seed, i);
    uint8_t s32[32];
    if (pouw_sha256(s32, msg, (size_t)n) != POUW_OK || pouw_key_from_seed(k, s32) != POUW_OK)
        return -1;
    pouw_key_public(pub, k);
    return 0;
}

static int setup(sim *S)
{
    const chain_econ_config *cfg = S->cfg;
    S->n_agents = cfg->n_agents;
    S->house = cfg->n_agents;
    S->a = calloc(S->n_agents ? S->n_agents : 1, sizeof *S->a);
    if (!S->a)
        return sfail(S, 1, "memory", "out of memory");
    S->rng.state = mix64(cfg->seed ^ 0x65636f6e6f6d79ull);
    if (make_key(&S->ex_key, S->ex_pub, cfg->seed, "exchange", 0))
        return sfail(S, 1, "keys", "cannot make the exchange's key");
    for (size_t gi = 0; gi < cfg->n_groups; gi++) {
        const chain_econ_group *g = &cfg->groups[gi];
        for (uint32_t k = 0; k < g->count; k++) {
            uint32_t i = g->first + k;
            agent *ag = &S->a[i];
            ag->idx = i;
            ag->g = g;
            snprintf(ag->label, sizeof ag->label, "%s-%u", g->label, k);
            if (make_key(&ag->key, ag->pub, cfg->seed, "agent", i))
                return sfail(S, 1, "keys", "cannot make the key of agent %u", i);
            ag->rng.state = mix64(cfg->seed ^ mix64(0x6167656e74ull + i));
            chain_policy_init(&ag->pol, g->policy, mix64(cfg->seed ^ (0x706f6cull << 32) ^ i));
            if (g->trader) {
                chain_econ_hello h = {.agent = i, .seed = ag->rng.state, .step_s = g->step_s,
                                      .duration_s = cfg->duration_s, .label = ag->label};
                common_error e;
                common_error_clear(&e);
                if (g->trader->init(&ag->ts, g->params, &h, &e)) {
                    common_error_set(S->err, 2, cfg->path, e.field[0] ? e.field : "trader", "agents[%zu] (%s): %s", gi,
                                     ag->label, e.msg);
                    S->failed = 1;
                    return 2;
                }
            }
        }
    }
    chain_ex_opts eo = {.n_accounts = S->n_agents + 1, .confirmations = cfg->confirmations,
                        .check_every = 0, .on_trade = on_trade, .user = S};
    if (chain_ex_create(&S->ex, &eo) != CHAIN_EX_OK)
        return sfail(S, 1, "exchange", "cannot create the exchange");
    /* chains */
    S->verifier.threads = S->o->threads ? S->o->threads : 1;
    for (unsigned c = 0; c < CHAIN_EX_COINS; c++) {
        S->p[c] = cfg->testnet ? chain_testnet_at(c) : chain_params_at(c);
        common_error e;
        common_error_clear(&e);
        chain_store_opts so;
        memset(&so, 0, sizeof so);
        chain_v1_store_opts(&so, &S->verifier);
        so.create = 1;
        so.sync_normal = 1; /* a simulation: re-run it rather than fsync every block */
        if (chain_store_open(&S->store[c], &e, S->chains, S->p[c], &so) != CHAIN_OK)
            return sfail(S, 1, "chains", "%s: %s", S->p[c]->name, e.msg);
        S->height[c] = 0;
        uint8_t gid[32];
        if (!chain_store_best_id(gid, S->store[c], 0) ||
            chain_store_ledger(&S->ledger[c], &e, S->store[c], gid) != CHAIN_OK)
            return sfail(S, 1, "chains", "%s: the genesis ledger: %s", S->p[c]->name, e.msg);
        if (update_pass(S, c))
            return 1;
    }
    /* bootstrap: the exchange mines the initial holdings before t = 0 */
    int64_t need[CHAIN_EX_COINS] = {0};
    for (uint32_t i = 0; i < S->n_agents; i++)
        for (unsigned c = 0; c < CHAIN_EX_COINS; c++)
            need[c] += S->a[i].g->holdings[c];
    uint64_t start_ms = 0;
    for (unsigned c = 0; c < CHAIN_EX_COINS; c++) {
        int64_t r = S->p[c]->reward;
        uint64_t nb = need[c] ? (uint64_t)((need[c] + r - 1) / r) : 0;
        uint64_t iv = (uint64_t)S->p[c]->target_interval_s * 1000u;
        S->t = -1.0;
        for (uint64_t k = 1; k <= nb; k++) {
            if (mine_block(S, c, S->n_agents, S->p[c]->genesis_time_ms + k * iv))
                return 1;
        }
        S->sum->bootstrap[c] = nb;
        uint64_t st = S->p[c]->genesis_time_ms + (nb + 1) * iv;
        if (st > start_ms)
            start_ms = st;
    }
    for (unsigned c = 0; c < CHAIN_EX_COINS; c++)
        S->base_ms[c] = start_ms;
    for (unsigned c = 0; c < CHAIN_EX_COINS; c++) {
        int64_t given = 0;
        for (uint32_t i = 0; i < S->n_agents; i++) {
            int64_t h = S->a[i].g->holdings[c];
            if (h && excode(S, chain_ex_grant(S->ex, c, i, h), "a grant"))
                return 1;
            given += h;
        }
        if (S->boot_units[c] - given > 0 && excode(S, chain_ex_grant(S->ex, c, S->house, S->boot_units[c] - given), "a grant"))
            return 1;
        if (check_custody(S, "the bootstrap"))
            return 1;
    }
    double v[CHAIN_EX_COINS];
    coin_values(S, v);
    for (uint32_t i = 0; i < S->n_agents; i++)
        S->a[i].last_value = agent_value(S, &S->a[i], v);
    S->t = 0;
    return 0;
}

static int final_checks(sim *S)
{
    S->sum->supply_ok = 1;
    for (unsigned c = 0; c < CHAIN_EX_COINS; c++) {
        int64_t total = 0;
        for (size_t k = 0; k < S->ledger[c].n; k++) {
            if (S->ledger[c].e[k].balance < 0)
                S->sum->supply_ok = 0;
            total += S->ledger[c].e[k].balance;
        }
        S->sum->heights[c] = S->height[c];
        if (total != S->p[c]->reward * (int64_t)S->height[c]) {
            S->sum->supply_ok = 0;
            return sfail(S, 1, "chains", "%s: %lld units on the chain, reward x height is %lld", S->p[c]->name,
                         (long long)total, (long long)(S->p[c]->reward * (int64_t)S->height[c]));
        }
    }
    return check_custody(S, "the end");
}

static void teardown(sim *S)
{
    for (uint32_t i = 0; S->a && i < S->n_agents; i++) {
        agent *ag = &S->a[i];
        if (ag->g && ag->g->trader && ag->ts && ag->g->trader->destroy)
            ag->g->trader->destroy(ag->ts);
        pouw_key_clear(&ag->key);
    }
    free(S->a);
    pouw_key_clear(&S->ex_key);
    chain_ex_free(S->ex);
    for (unsigned c = 0; c < CHAIN_EX_COINS; c++) {
        chain_store_close(S->store[c]);
        pouw_ledger_clear(&S->ledger[c]);
    }
    free(S->xf);
}

int chain_econ_sim_run(const chain_econ_config *cfg, const char *out_dir, const chain_econ_sim_opts *o,
                       chain_econ_summary *sum, common_error *err)
{
    sim *S = calloc(1, sizeof *S);
    if (!S) {
        common_error_set(err, 1, out_dir, "", "out of memory");
        return 1;
    }
    memset(sum, 0, sizeof *sum);
    sum->custody_ok = 1;
    S->cfg = cfg;
    S->o = o;
    S->err = err;
    S->sum = sum;
    snprintf(S->out, sizeof S->out, "%s", out_dir);
    snprintf(S->chains, sizeof S->chains, "%s/chains", out_dir);
    double t0 = common_clock_mono_s();
    int rc = 0;
    struct stat st;
    char db[1200];
    snprintf(db, sizeof db, "%s/chains.db", S->chains);
    if (stat(db, &st) == 0) {
        common_error_set(err, 2, out_dir, "", "already holds a run (%s exists): remove it or choose another --out", db);
        free(S);
        return 2;
    }
    if (mkdir(S->chains, 0755) != 0 && errno != EEXIST) {
        common_error_set(err, 2, S->chains, "", "cannot create: %s", strerror(errno));
        free(S);
        return 2;
    }
    if (chain_econ_outputs_open(&S->outs, err, out_dir)) {
        free(S);
        return 2;
    }
    common_progress_init(&S->prog, 0.5);
    rc = setup(S);
    int64_t steps = (int64_t)ceil(cfg->duration_s / cfg->step_s - 1e-9);
    int64_t per_period = (int64_t)llround(cfg->period_s / cfg->step_s);
    if (per_period < 1)
        per_period = 1;
    int64_t per_news = (int64_t)llround(cfg->news_period_s / cfg->step_s);
    if (per_news < 1)
        per_news = 1;
    double period_start = 0;
    int stopped = 0;
    for (int64_t k = 0; !rc && k < steps; k++) {
        if (o->stop && o->stop(o->stop_user)) {
            stopped = 1;
            break;
        }
        if (k % per_news == 0)
            for (unsigned c = 0; c < CHAIN_EX_COINS; c++)
                S->news[c] = (chain_econ_rng_next(&S->rng) >> 63) ? 1 : -1;
        double t_end = (double)(k + 1) * cfg->step_s;
        if (t_end > cfg->duration_s)
            t_end = cfg->duration_s;
        if ((rc = race(S, t_end)) != 0)
            break;
        if ((rc = deposits_and_withdrawals(S, k + 1)) != 0)
            break;
        if ((rc = traders_step(S, k + 1)) != 0)
            break;
        if ((k + 1) % per_period == 0 || k + 1 == steps) {
            period_rows(S, period_start);
            period_start = S->t;
            write_snapshot(S, 0);
        }
        if (o->progress)
            common_progress_show(&S->prog, o->prog ? o->prog : "econ", "t %.0f/%.0f s  blocks %llu/%llu/%llu  trades %llu",
                                 S->t, cfg->duration_s, (unsigned long long)sum->blocks[0],
                                 (unsigned long long)sum->blocks[1], (unsigned long long)sum->blocks[2],
                                 (unsigned long long)sum->trades);
    }
    if (o->progress)
        common_progress_end(&S->prog);
    if (!rc)
        rc = final_checks(S);
    /* the agents' last word */
    if (!rc) {
        double v[CHAIN_EX_COINS];
        coin_values(S, v);
        for (uint32_t i = 0; i < S->n_agents; i++) {
            agent *ag = &S->a[i];
            if (ag->g->trader && ag->g->trader->end)
                ag->g->trader->end(ag->ts, agent_value(S, ag, v));
        }
    }
    for (unsigned c = 0; c < CHAIN_EX_COINS; c++)
        sum->heights[c] = S->height[c];
    sum->wall_s = common_clock_mono_s() - t0;
    if (!rc || stopped)
        write_snapshot(S, 1);
    int orc = chain_econ_outputs_close(&S->outs, err, !rc, cfg, sum, o->threads, stopped);
    if (!rc && orc)
        rc = 1;
    teardown(S);
    free(S);
    if (!rc && stopped)
        return 3;
    return rc;
}
