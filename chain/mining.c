/* chain/mining.c - a miner over the chains of one data directory (see mining.h). */
#include "chain/mining.h"

#include <assert.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "common/clock.h"
#include "chain/report.h"

struct chain_mining {
    chain_mining_opts o;
    chain_store *s[CHAIN_COUNT];
    unsigned n;
    uint8_t miner[32];
    chain_policy pol;
    uint64_t nonce[CHAIN_COUNT];      /* next nonce per chain (continues after a switch) */
    int64_t balance[CHAIN_COUNT];     /* the miner's balance on each best tip */
    uint8_t seen_tip[CHAIN_COUNT][32];
    int have_seen[CHAIN_COUNT];
    int64_t price_ticks[CHAIN_COUNT]; /* each coin in AlphaCoin ticks (10^4 = 1:1) */
    double prices_read_s;             /* when they were last read (at most once a second) */
    int rechoose;                     /* read every balance and ask the policy before mining */
    unsigned cur;                     /* the chain being mined */
    int switch_to;                    /* set during a search: -1 none */
    uint64_t height;
    int64_t threshold;
};

chain_status chain_mining_open(chain_mining **out, common_error *err, chain_store *const *stores, unsigned n,
                               const uint8_t miner32[32], const chain_mining_opts *o)
{
    assert(out && stores && miner32 && o);
    *out = NULL;
    common_error_clear(err);
    if (n < 1 || n > CHAIN_COUNT) {
        common_error_set(err, CHAIN_EPARAMS, "", "chains", "a miner needs 1 to %d chains, got %u", CHAIN_COUNT, n);
        return CHAIN_EPARAMS;
    }
    chain_mining *m = calloc(1, sizeof *m);
    if (!m) {
        common_error_set(err, CHAIN_ENOMEM, "", "", "out of memory");
        return CHAIN_ENOMEM;
    }
    m->o = *o;
    m->n = o->use_policy ? n : 1;
    for (unsigned i = 0; i < m->n; i++)
        m->s[i] = stores[i];
    memcpy(m->miner, miner32, 32);
    chain_policy_init(&m->pol, o->policy, o->seed);
    m->rechoose = 1;
    m->switch_to = -1;
    *out = m;
    return CHAIN_OK;
}

void chain_mining_close(chain_mining *m) { free(m); }

int64_t chain_mining_balance(const chain_mining *m, unsigned i) { return i < m->n ? m->balance[i] : 0; }

/* Keeps the miner's balance on chain i's best tip current. */
static chain_status sync_chain(chain_mining *m, unsigned i, common_error *err)
{
    chain_store *s = m->s[i];
    chain_status cs = CHAIN_OK;
    if (chain_store_changed(s) && (cs = chain_store_refresh(s, err, NULL)) != CHAIN_OK)
        return cs;
    uint8_t tip[32];
    chain_store_tip_id(tip, s);
    if (!m->have_seen[i] || memcmp(tip, m->seen_tip[i], 32) != 0) {
        pouw_ledger l = {0};
        if ((cs = chain_store_ledger(&l, err, s, tip)) == CHAIN_OK) {
            m->balance[i] = pouw_ledger_balance(&l, m->miner);
            memcpy(m->seen_tip[i], tip, 32);
            m->have_seen[i] = 1;
        }
        pouw_ledger_clear(&l);
    }
    return cs;
}

/* The exchange's last prices (economy.md s3: greedy values rewards at them): the
 * snapshot DIR/economy.json an economy's exchange writes (chain/report.h); 1:1:1
 * when there is none, it is malformed, or a pair has not traded. BravoCoin from
 * BRAVO/ALPHA, CharlieCoin from CHARLIE/ALPHA. Read at most once a second. */
static void read_prices(chain_mining *m)
{
    double now = common_clock_mono_s();
    if (m->prices_read_s > 0 && now - m->prices_read_s < 1.0)
        return;
    m->prices_read_s = now;
    for (unsigned i = 0; i < CHAIN_COUNT; i++)
        m->price_ticks[i] = 10000;
    cJSON *doc = NULL;
    common_error err;
    if (!m->o.datadir || chain_report_economy_load(&doc, &err, m->o.datadir) != CHAIN_OK || !doc)
        return;
    static const char *const pair_of[CHAIN_COUNT] = {NULL, "BRAVO/ALPHA", "CHARLIE/ALPHA"};
    const cJSON *pairs = cJSON_GetObjectItemCaseSensitive(doc, "pairs");
    for (unsigned i = 0; i < m->n; i++) {
        uint32_t id = chain_store_params(m->s[i])->chain_id % 100u; /* test-bravo is 101 */
        if (id >= CHAIN_COUNT || !pair_of[id])
            continue;
        const cJSON *last =
            cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(pairs, pair_of[id]), "last");
        if (cJSON_IsNumber(last) && last->valuedouble >= 1 && last->valuedouble <= 1e8)
            m->price_ticks[i] = (int64_t)last->valuedouble;
    }
    cJSON_Delete(doc);
}

/* The chain to mine next (policy.h). */
static unsigned choose(chain_mining *m)
{
    if (!m->o.use_policy)
        return 0;
    int greedy = m->pol.kind == CHAIN_POLICY_GREEDY;
    if (greedy)
        read_prices(m);
    chain_view v[CHAIN_COUNT];
    for (unsigned i = 0; i < m->n; i++) {
        v[i].params = chain_store_params(m->s[i]);
        v[i].balance = m->balance[i];
        v[i].price_num = greedy && m->price_ticks[i] ? m->price_ticks[i] : 10000;
        v[i].price_den = 10000;
    }
    return (unsigned)chain_policy_choose(&m->pol, v, m->n);
}

static int on_attempt(void *user, const pouw_mine_stats *st)
{
    chain_mining *m = user;
    if (m->o.attempt) {
        chain_mining_progress p = {m->cur, m->height, m->threshold, st};
        m->o.attempt(m->o.attempt_user, &p);
    }
    if (m->o.stop && m->o.stop(m->o.stop_user))
        return 1;
    if (m->o.use_policy) { /* choose again before the next attempt */
        common_error err;
        for (unsigned i = 0; i < m->n; i++) /* the mined chain is watched by stop_on_change */
            if (i != m->cur && sync_chain(m, i, &err) != CHAIN_OK && m->o.notice)
                m->o.notice(m->o.notice_user, &err);
        unsigned c = choose(m);
        if (c != m->cur) {
            m->switch_to = (int)c;
            return 1;
        }
    }
    return 0;
}

chain_status chain_mining_next(chain_mining *m, pouw_block *b, chain_mining_result *r, common_error *err)
{
    assert(m && b && r);
    memset(r, 0, sizeof *r);
    pouw_block_clear(b);
    common_error_clear(err);
    chain_status cs = CHAIN_OK;
    if (m->rechoose) {
        for (unsigned i = 0; i < m->n; i++)
            if ((cs = sync_chain(m, i, err)) != CHAIN_OK)
                return cs;
        m->cur = choose(m);
        m->rechoose = 0;
    }
    unsigned c = m->cur;
    chain_store *s = m->s[c];
    if ((cs = sync_chain(m, c, err)) != CHAIN_OK)
        return cs;
    r->chain = c;
    r->height = chain_store_tip_height(s) + 1;
    m->switch_to = -1;
    chain_mine_opts mo;
    memset(&mo, 0, sizeof mo);
    mo.threads = m->o.threads;
    mo.clock_ms = m->o.clock_ms;
    mo.clock_user = m->o.clock_user;
    mo.start_nonce = m->nonce[c];
    mo.progress = on_attempt;
    mo.progress_user = m;
    mo.stop_on_change = 1;
    chain_mine_job job;
    cs = chain_mine_template(&job, err, s, m->miner, &mo);
    if (cs == CHAIN_OK) { /* what the attempt callback shows: the job's own height and threshold */
        m->height = r->height = job.height;
        m->threshold = job.mp.header.pps_threshold_micro;
        cs = chain_mine_solve(b, &r->stats, err, s, &job, &mo);
    }
    if (cs == CHAIN_OK)
        cs = chain_mine_submit(s, &r->added, err, b);
    chain_mine_job_clear(&job);
    if (cs == CHAIN_OK) {
        m->nonce[c] = 0;
        m->rechoose = 1; /* balances after this block */
    } else if (cs == CHAIN_ESTALE) {
        m->nonce[c] = 0; /* a new tip: a new search */
        m->rechoose = 1;
    } else if (cs == CHAIN_ESTOPPED) {
        /* the policy moved on, or a stop: this chain's next search continues here */
        m->nonce[c] = (m->nonce[c] + r->stats.prehash_tries) % POUW_NONCE_LIMIT;
        if (m->switch_to >= 0) {
            m->cur = (unsigned)m->switch_to;
            r->switched = 1;
        } else {
            m->rechoose = 1;
        }
    }
    if (cs != CHAIN_OK)
        pouw_block_clear(b);
    return cs;
}
