/* chain/params.c - the built-in and testnet chains, the PPS quantile tables, block
 * work and the retarget rule (see params.h, RETARGETING). Everything that enters
 * consensus is integer arithmetic: 256-bit targets widened to the 416-bit
 * intermediates of `big` below, never floating point. */
#include "chain/params.h"

#include <assert.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "chain/store.h"
#include "pouw/bytes.h"
#include "pouw/sha256.h"
#include "pouw/target.h"
#include "pouw/verify.h"
#include "pouw/work.h"
#include "common/u256.h"

#define GENESIS_TIME_MS 1735689600000ull /* 2025-01-01T00:00:00Z */
#define PREHASH_BITS 0x1f03ffffu         /* target (2^18-1) x 2^224: about 1 pre-hash in 2^14 passes */

/* Version 2 (spec s11). The floors: `bin/pouwbench pps-dist --chain NAME --pass 0.9`
 * (400 / 300 / 240 sample attempts on the pouwbench pre-hashes, equal-cost
 * environments); each floor is rounded down, and its pass rate in the sample is
 * pinned as floor_pass_ppm (params.h MEASUREMENT). The post-hash target then makes
 * a block cost CHAIN_DESIGN_ATTEMPTS attempts: floor pass ~0.9 x lottery 1/10.8. */
#define MAIN_WINDOW 60u     /* W: W (c + 1) / (c - 1) = 60 x 2.1 / 0.1 = 1260 >= 1000 (s11.6) */
#define MAIN_CLAMP_NUM 11u  /* c = 11/10 per window at most */
#define MAIN_CLAMP_DEN 10u
#define MAIN_POST_BITS 0x2017b425u /* t = 0x17b425 x 2^232 ~ 2^256 / 10.8 */
#define MAIN_MAX_BLOCK_BYTES (1u << 20)
#define MAIN_MAX_BLOCK_TXS 2048u
#define FLOOR_ALPHA 4260000
#define FLOOR_BRAVO 4260000
#define FLOOR_CHARLIE 4260000
#define FLOOR_PASS_ALPHA 900000u
#define FLOOR_PASS_BRAVO 890000u   /* q10 of its sample 4.233 < the floor: ~0.89 */
#define FLOOR_PASS_CHARLIE 890000u /* q10 4.235: ~0.89 */
#include "chain/genesis_pins.h"

static const chain_params BUILTIN[CHAIN_COUNT] = {
    {
        .chain_id = 0,
        .name = "alpha",
        .coin = "AlphaCoin",
        .target_interval_s = 60,
        .retarget_window = MAIN_WINDOW,
        .clamp_num = MAIN_CLAMP_NUM,
        .clamp_den = MAIN_CLAMP_DEN,
        .reward = CHAIN_REWARD,
        .tmpl = {7200.0, 30.0, BSE_TIME_PERIODIC},
        .job = NULL,
        .genesis_req = {PREHASH_BITS, FLOOR_ALPHA, POUW_MODE_LOTTERY, MAIN_POST_BITS, 2, {0}},
        .limits = {MAIN_MAX_BLOCK_BYTES, MAIN_MAX_BLOCK_TXS},
        .maturity = 10,
        .min_new_account = CHAIN_MIN_NEW_ACCOUNT,
        .floor_pass_ppm = FLOOR_PASS_ALPHA,
        .max_future_ms = 15u * 60u * 1000u, /* G/4 = 60 x 60 s / 4 */
        .genesis_time_ms = GENESIS_TIME_MS,
        .genesis_nonce = GENESIS_NONCE_ALPHA,
        .genesis_pinned = GENESIS_PINNED,
        .genesis_id = GENESIS_ID_ALPHA,
    },
    {
        .chain_id = 1,
        .name = "bravo",
        .coin = "BravoCoin",
        .target_interval_s = 120,
        .retarget_window = MAIN_WINDOW,
        .clamp_num = MAIN_CLAMP_NUM,
        .clamp_den = MAIN_CLAMP_DEN,
        .reward = CHAIN_REWARD,
        .tmpl = {14400.0, 30.0, BSE_TIME_PERIODIC},
        .job = NULL,
        .genesis_req = {PREHASH_BITS, FLOOR_BRAVO, POUW_MODE_LOTTERY, MAIN_POST_BITS, 2, {0}},
        .limits = {MAIN_MAX_BLOCK_BYTES, MAIN_MAX_BLOCK_TXS},
        .maturity = 10,
        .min_new_account = CHAIN_MIN_NEW_ACCOUNT,
        .floor_pass_ppm = FLOOR_PASS_BRAVO,
        .max_future_ms = 30u * 60u * 1000u, /* G/4 */
        .genesis_time_ms = GENESIS_TIME_MS,
        .genesis_nonce = GENESIS_NONCE_BRAVO,
        .genesis_pinned = GENESIS_PINNED,
        .genesis_id = GENESIS_ID_BRAVO,
    },
    {
        .chain_id = 2,
        .name = "charlie",
        .coin = "CharlieCoin",
        .target_interval_s = 240,
        .retarget_window = MAIN_WINDOW,
        .clamp_num = MAIN_CLAMP_NUM,
        .clamp_den = MAIN_CLAMP_DEN,
        .reward = CHAIN_REWARD,
        .tmpl = {28800.0, 30.0, BSE_TIME_PERIODIC},
        .job = NULL,
        .genesis_req = {PREHASH_BITS, FLOOR_CHARLIE, POUW_MODE_LOTTERY, MAIN_POST_BITS, 2, {0}},
        .limits = {MAIN_MAX_BLOCK_BYTES, MAIN_MAX_BLOCK_TXS},
        .maturity = 10,
        .min_new_account = CHAIN_MIN_NEW_ACCOUNT,
        .floor_pass_ppm = FLOOR_PASS_CHARLIE,
        .max_future_ms = 60u * 60u * 1000u, /* G/4 */
        .genesis_time_ms = GENESIS_TIME_MS,
        .genesis_nonce = GENESIS_NONCE_CHARLIE,
        .genesis_pinned = GENESIS_PINNED,
        .genesis_id = GENESIS_ID_CHARLIE,
    },
};

/* TESTNET (params.h): the built-ins in miniature. Their one table (the three share
 * one template) is `bin/chainbench pps-table --testnet --chain alpha --samples 4000`
 * (1.7 ms an attempt); the genesis threshold is its median q[32] (pass 1/2); the
 * genesis pins come from `bin/chainbench genesis --testnet --chain NAME`. */
#define TESTNET_BITS 0x207fffffu /* target 2^255 - 2^232 ...: about 1 nonce in 2 passes */
#define TESTNET_FLOOR 8500000     /* q10 of `chainbench pps-table --testnet --segments 20 --samples 2000` */
#define TESTNET_POST_BITS 0x21008cccu /* t ~ 0.55 x 2^256: with the floor, ~2 attempts a block */
#define TESTNET_WINDOW 5u         /* small on purpose (documented in params.h): fast retargets in tests */

static const chain_params TESTNET[CHAIN_COUNT] = {
    {
        .chain_id = 100,
        .name = "test-alpha",
        .coin = "TestAlphaCoin",
        .target_interval_s = 1,
        .retarget_window = TESTNET_WINDOW,
        .clamp_num = 2,
        .clamp_den = 1,
        .reward = CHAIN_REWARD,
        .tmpl = {60.0, 10.0, BSE_TIME_PERIODIC},
        .job = NULL,
        .genesis_req = {TESTNET_BITS, TESTNET_FLOOR, POUW_MODE_LOTTERY, TESTNET_POST_BITS, 2, {0}},
        .limits = {MAIN_MAX_BLOCK_BYTES, MAIN_MAX_BLOCK_TXS},
        .maturity = 2,
        .min_new_account = CHAIN_MIN_NEW_ACCOUNT,
        .floor_pass_ppm = 900000u,
        .max_future_ms = 1250u, /* G/4 = 5 x 1 s / 4 */
        .genesis_time_ms = GENESIS_TIME_MS,
        .genesis_nonce = GENESIS_NONCE_TEST_ALPHA,
        .genesis_pinned = GENESIS_PINNED,
        .genesis_id = GENESIS_ID_TEST_ALPHA,
    },
    {
        .chain_id = 101,
        .name = "test-bravo",
        .coin = "TestBravoCoin",
        .target_interval_s = 2,
        .retarget_window = TESTNET_WINDOW,
        .clamp_num = 2,
        .clamp_den = 1,
        .reward = CHAIN_REWARD,
        .tmpl = {60.0, 10.0, BSE_TIME_PERIODIC},
        .job = NULL,
        .genesis_req = {TESTNET_BITS, TESTNET_FLOOR, POUW_MODE_LOTTERY, TESTNET_POST_BITS, 2, {0}},
        .limits = {MAIN_MAX_BLOCK_BYTES, MAIN_MAX_BLOCK_TXS},
        .maturity = 2,
        .min_new_account = CHAIN_MIN_NEW_ACCOUNT,
        .floor_pass_ppm = 900000u,
        .max_future_ms = 2500u, /* G/4 = 5 x 2 s / 4 */
        .genesis_time_ms = GENESIS_TIME_MS,
        .genesis_nonce = GENESIS_NONCE_TEST_BRAVO,
        .genesis_pinned = GENESIS_PINNED,
        .genesis_id = GENESIS_ID_TEST_BRAVO,
    },
    {
        .chain_id = 102,
        .name = "test-charlie",
        .coin = "TestCharlieCoin",
        .target_interval_s = 4,
        .retarget_window = TESTNET_WINDOW,
        .clamp_num = 2,
        .clamp_den = 1,
        .reward = CHAIN_REWARD,
        .tmpl = {60.0, 10.0, BSE_TIME_PERIODIC},
        .job = NULL,
        .genesis_req = {TESTNET_BITS, TESTNET_FLOOR, POUW_MODE_LOTTERY, TESTNET_POST_BITS, 2, {0}},
        .limits = {MAIN_MAX_BLOCK_BYTES, MAIN_MAX_BLOCK_TXS},
        .maturity = 2,
        .min_new_account = CHAIN_MIN_NEW_ACCOUNT,
        .floor_pass_ppm = 900000u,
        .max_future_ms = 5000u, /* G/4 = 5 x 4 s / 4 */
        .genesis_time_ms = GENESIS_TIME_MS,
        .genesis_nonce = GENESIS_NONCE_TEST_CHARLIE,
        .genesis_pinned = GENESIS_PINNED,
        .genesis_id = GENESIS_ID_TEST_CHARLIE,
    },
};

const chain_params *chain_testnet_at(unsigned i) { return i < CHAIN_COUNT ? &TESTNET[i] : NULL; }

const chain_params *chain_testnet_by_name(const char *name)
{
    for (unsigned i = 0; name && i < CHAIN_COUNT; i++)
        if (strcmp(TESTNET[i].name, name) == 0 || strcmp(TESTNET[i].name + 5, name) == 0)
            return &TESTNET[i];
    return NULL;
}

const chain_params *chain_testnet_by_id(uint32_t chain_id)
{
    for (unsigned i = 0; i < CHAIN_COUNT; i++)
        if (TESTNET[i].chain_id == chain_id)
            return &TESTNET[i];
    return NULL;
}

const chain_params *chain_params_at(unsigned i) { return i < CHAIN_COUNT ? &BUILTIN[i] : NULL; }

const chain_params *chain_params_by_name(const char *name)
{
    for (unsigned i = 0; name && i < CHAIN_COUNT; i++)
        if (strcmp(BUILTIN[i].name, name) == 0)
            return &BUILTIN[i];
    return NULL;
}

const chain_params *chain_params_by_id(uint32_t chain_id)
{
    for (unsigned i = 0; i < CHAIN_COUNT; i++)
        if (BUILTIN[i].chain_id == chain_id)
            return &BUILTIN[i];
    return NULL;
}

pouw_work chain_params_work(const chain_params *p)
{
    assert(p);
    pouw_work w = {p->tmpl, p->job};
    return w;
}

static chain_status pbad(common_error *err, const chain_params *p, const char *field, const char *msg)
{
    common_error_set(err, CHAIN_EPARAMS, p->name, field, "%s", msg);
    return CHAIN_EPARAMS;
}

chain_status chain_params_check(const chain_params *p, common_error *err)
{
    assert(p);
    common_error_clear(err);
    size_t nl = strnlen(p->name, sizeof p->name);
    if (nl == 0 || nl >= sizeof p->name || strspn(p->name, "abcdefghijklmnopqrstuvwxyz0123456789_-") != nl)
        return pbad(err, p, "name", "chain name must be 1-31 characters of a-z 0-9 _ -");
    if (strnlen(p->coin, sizeof p->coin) >= sizeof p->coin)
        return pbad(err, p, "coin", "coin name too long");
    if (p->reward < 0 || p->reward > POUW_AMOUNT_MAX)
        return pbad(err, p, "reward", "reward out of range");
    const pouw_requirements *r = &p->genesis_req;
    uint8_t t[32];
    if (r->mode != POUW_MODE_PPS && r->mode != POUW_MODE_LOTTERY)
        return pbad(err, p, "mode", "unknown mode");
    if (pouw_target_from_bits(t, r->prehash_bits) != POUW_OK || pouw_target_to_bits(t) != r->prehash_bits)
        return pbad(err, p, "prehash_bits", "pre-hash bits must be a canonical compact target");
    common_u256 w;
    if (r->post_bits != 0 && (pouw_target_from_bits(t, r->post_bits) != POUW_OK ||
                              pouw_target_to_bits(t) != r->post_bits || chain_post_weight(&w, r->post_bits) != CHAIN_OK))
        return pbad(err, p, "post_bits", "post-hash bits must be 0 or a canonical compact target >= 2^128");
    if (p->retarget_window && (p->clamp_den == 0 || p->clamp_num <= p->clamp_den))
        return pbad(err, p, "clamp_num", "the retarget clamp c = clamp_num / clamp_den must exceed 1");
    if (p->retarget_window && p->target_interval_s &&
        p->max_future_ms > (uint64_t)p->retarget_window * p->target_interval_s * 1000u / 4)
        return pbad(err, p, "max_future_ms", "max_future_ms must be at most G/4 (spec s11.5)");
    if (p->max_future_ms > CHAIN_MAX_FUTURE_MS)
        return pbad(err, p, "max_future_ms", "max_future_ms must be at most 2 h (spec s11.5)");
    if (p->min_new_account < 0 || p->min_new_account > POUW_AMOUNT_MAX)
        return pbad(err, p, "min_new_account", "min_new_account out of range");
    if (p->maturity > CHAIN_MATURITY_MAX)
        return pbad(err, p, "maturity", "coinbase maturity must be at most 1000 blocks (CHAIN_MATURITY_MAX)");
    if (r->sessions == 0 || r->sessions > POUW_MAX_SESSIONS)
        return pbad(err, p, "sessions", "sessions per attempt must be 1..64");
    if (r->pps_threshold_micro < -POUW_PPS_MICRO_MAX || r->pps_threshold_micro > POUW_PPS_MICRO_MAX)
        return pbad(err, p, "pps_threshold_micro", "threshold out of range");
    if (p->genesis_time_ms >= ((uint64_t)1 << 53) || p->genesis_nonce >= ((uint64_t)1 << 53))
        return pbad(err, p, "genesis_time_ms", "genesis time and nonce must be below 2^53");
    uint8_t digest[32] = {0};
    if (p->job) {
        common_error je;
        if (pouw_job_digest(digest, &je, p->job) != POUW_OK) {
            common_error_set(err, CHAIN_EPARAMS, p->name, "job", "invalid job: %s: %s", je.field, je.msg);
            return CHAIN_EPARAMS;
        }
    } else {
        bse_case *c = malloc(sizeof *c);
        if (!c) {
            common_error_set(err, CHAIN_ENOMEM, p->name, "", "out of memory");
            return CHAIN_ENOMEM;
        }
        static const uint8_t zero[32] = {0};
        common_error ee;
        pouw_status st = pouw_env_generate(c, NULL, &ee, &p->tmpl, zero, 0);
        free(c);
        if (st != POUW_OK) {
            common_error_set(err, CHAIN_EPARAMS, p->name, ee.field, "invalid session template: %s", ee.msg);
            return CHAIN_EPARAMS;
        }
    }
    if (memcmp(digest, r->job_digest, 32) != 0)
        return pbad(err, p, "job_digest", "job_digest must be the job's digest (zero when generated)");
    if (p->retarget_window > CHAIN_WINDOW_MAX)
        return pbad(err, p, "retarget_window", "retarget window must be 0..10000 blocks");
    if (p->retarget_window && (p->target_interval_s == 0 || p->target_interval_s > CHAIN_INTERVAL_MAX))
        return pbad(err, p, "target_interval_s", "target interval must be 1..1000000 s when retargeting");
    uint32_t k = p->pps_segments;
    if (k == 0) {
        if (p->pps_quantiles)
            return pbad(err, p, "pps_segments", "a PPS table needs its segment count");
        return CHAIN_OK;
    }
    if (k < 2 || k > CHAIN_PPS_SEGMENTS_MAX || !p->pps_quantiles)
        return pbad(err, p, "pps_segments", "a PPS table has 2..4096 segments");
    const int64_t *q = p->pps_quantiles;
    for (uint32_t i = 0; i <= k; i++) {
        if (q[i] < -POUW_PPS_MICRO_MAX || q[i] > POUW_PPS_MICRO_MAX)
            return pbad(err, p, "pps_quantiles", "quantile out of the pps_micro range");
        if (i > 0 && q[i] <= q[i - 1])
            return pbad(err, p, "pps_quantiles", "quantiles must be strictly increasing");
    }
    if (q[k] - q[0] >= CHAIN_PPS_SPREAD_MAX)
        return pbad(err, p, "pps_quantiles", "quantiles spread too wide (at most 2^40 micro-PPS)");
    if (r->pps_threshold_micro < q[0] || r->pps_threshold_micro > q[k - 1])
        return pbad(err, p, "pps_threshold_micro", "the genesis threshold must lie in [q[0], q[K-1]] of the table");
    return CHAIN_OK;
}

/* ---------------------------------------------------------------- PPS table, work, retarget */

uint64_t chain_pps_scale(const chain_params *p)
{
    assert(p);
    return p->pps_segments ? (uint64_t)p->pps_segments * CHAIN_PPS_SEGMENT : 1;
}

uint64_t chain_pps_pass(const chain_params *p, int64_t t)
{
    assert(p);
    uint32_t k = p->pps_segments;
    if (k == 0)
        return 1;
    const int64_t *q = p->pps_quantiles;
    uint64_t d = chain_pps_scale(p);
    if (t <= q[0])
        return d;
    if (t >= q[k])
        return 0;
    uint32_t lo = 0, hi = k; /* q[lo] <= t < q[hi] */
    while (hi - lo > 1) {
        uint32_t mid = lo + (hi - lo) / 2;
        if (q[mid] <= t)
            lo = mid;
        else
            hi = mid;
    }
    uint64_t span = (uint64_t)(q[lo + 1] - q[lo]);
    uint64_t part = (uint64_t)(t - q[lo]) * CHAIN_PPS_SEGMENT / span;
    return d - (uint64_t)lo * CHAIN_PPS_SEGMENT - part;
}

int64_t chain_pps_threshold(const chain_params *p, uint64_t pass)
{
    assert(p);
    uint32_t k = p->pps_segments;
    if (k == 0)
        return p->genesis_req.pps_threshold_micro;
    const int64_t *q = p->pps_quantiles;
    uint64_t d = chain_pps_scale(p);
    if (pass > d)
        pass = d;
    if (pass < CHAIN_PPS_SEGMENT)
        pass = CHAIN_PPS_SEGMENT;
    uint64_t r = d - pass, i = r / CHAIN_PPS_SEGMENT, f = r % CHAIN_PPS_SEGMENT;
    uint64_t span = (uint64_t)(q[i + 1] - q[i]);
    return q[i] + (int64_t)(f * span / CHAIN_PPS_SEGMENT);
}

chain_retarget_rule chain_params_rule(const chain_params *p)
{
    assert(p);
    chain_retarget_rule r = {p->retarget_window, p->target_interval_s, p->clamp_num, p->clamp_den};
    return r;
}

void chain_block_weight(uint8_t weight32[32], const chain_params *p, const pouw_header *h)
{
    assert(weight32 && p && h);
    common_u256 w;
    if (chain_post_weight(&w, h->post_bits) != CHAIN_OK)
        memset(&w, 0, sizeof w); /* no valid block carries such bits */
    common_u256_to_be(weight32, &w);
}

/* The median time past of block id32 and up to CHAIN_MEDIAN_SPAN - 1 of its
 * ancestors (spec s11.5). */
static chain_status median_time_of(uint64_t *mtp, common_error *err, chain_store *store, const uint8_t id32[32])
{
    chain_block_meta anc[CHAIN_MEDIAN_SPAN];
    size_t got = 0;
    *mtp = 0;
    chain_status cs = chain_store_ancestors(anc, &got, err, store, id32, CHAIN_MEDIAN_SPAN);
    if (cs != CHAIN_OK) {
        if (cs == CHAIN_EUNKNOWN)
            common_error_set(err, CHAIN_ESTORE, chain_store_path(store), "", "%s", "no such block in the store");
        return cs == CHAIN_EUNKNOWN ? CHAIN_ESTORE : cs;
    }
    uint64_t times[CHAIN_MEDIAN_SPAN];
    for (size_t i = 0; i < got; i++)
        times[i] = anc[i].time_ms;
    *mtp = pouw_median_time(times, (unsigned)got);
    return CHAIN_OK;
}

chain_status chain_required_targets_after(pouw_requirements *req, common_error *err, const chain_params *p,
                                          struct chain_store *store, const uint8_t *parent_id32)
{
    assert(req && p);
    memset(req, 0, sizeof *req);
    common_error_clear(err);
    if (!parent_id32) {
        *req = p->genesis_req;
        return CHAIN_OK;
    }
    assert(store);
    chain_block_meta par;
    if (chain_store_meta(&par, err, store, parent_id32) != CHAIN_OK) {
        common_error_set(err, CHAIN_ESTORE, chain_store_path(store), "header.prev_hash", "parent not in the store");
        return CHAIN_ESTORE;
    }
    pouw_requirements base = p->genesis_req; /* only post_bits ever changes (s11.2) */
    base.post_bits = par.post_bits;
    uint64_t h = par.height + 1;
    chain_retarget_rule rule = chain_params_rule(p);
    if (!chain_retarget_is_height(&rule, h)) {
        *req = base;
        return CHAIN_OK;
    }
    /* s11.6: MTP(P) and MTP(A), A the block at height h-1-W on P's branch */
    if (par.height < p->retarget_window) {
        common_error_set(err, CHAIN_ESTORE, chain_store_path(store), "", "an ancestor of block %" PRIu64
                         " is not in the store", par.height);
        return CHAIN_ESTORE;
    }
    chain_block_meta anc;
    if (chain_store_ancestor(&anc, err, store, parent_id32, par.height - p->retarget_window) != CHAIN_OK) {
        common_error_set(err, CHAIN_ESTORE, chain_store_path(store), "", "an ancestor of block %" PRIu64
                         " is not in the store", par.height);
        return CHAIN_ESTORE;
    }
    uint64_t mtp_p = 0, mtp_a = 0;
    chain_status cs = median_time_of(&mtp_p, err, store, parent_id32);
    if (cs == CHAIN_OK)
        cs = median_time_of(&mtp_a, err, store, anc.id);
    if (cs != CHAIN_OK)
        return cs;
    uint32_t bits;
    if (chain_retarget_post_bits(&bits, &rule, par.post_bits, mtp_p, mtp_a) != CHAIN_OK)
        return pbad(err, p, "post_bits", "the parent's post_bits or the retarget rule is invalid");
    *req = base;
    req->post_bits = bits;
    return CHAIN_OK;
}

chain_status chain_required_targets(pouw_requirements *req, common_error *err, const chain_params *p,
                                    struct chain_store *store, uint64_t height)
{
    assert(req && p);
    if (height == 0)
        return chain_required_targets_after(req, err, p, store, NULL);
    assert(store && height <= chain_store_tip_height(store) + 1);
    uint8_t parent[32];
    if (!chain_store_best_id(parent, store, height - 1)) {
        common_error_set(err, CHAIN_ESTORE, chain_store_path(store), "height", "no block at height %" PRIu64,
                         height - 1);
        return CHAIN_ESTORE;
    }
    return chain_required_targets_after(req, err, p, store, parent);
}

/* ---------------------------------------------------------------- measuring a table */

static int cmp_i64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

chain_status chain_pps_table_measure(int64_t *q, common_error *err, const chain_params *p, uint32_t k, unsigned samples,
                                     unsigned threads)
{
    assert(q && p);
    common_error_clear(err);
    if (k < 2 || k > CHAIN_PPS_SEGMENTS_MAX || samples < k + 1)
        return pbad(err, p, "pps_segments", "a table needs 2..4096 segments and more samples than segments");
    int64_t *micro = malloc(samples * sizeof *micro);
    pouw_attempt *a = malloc(sizeof *a);
    chain_status cs = CHAIN_OK;
    if (!micro || !a) {
        cs = CHAIN_ENOMEM;
        common_error_set(err, cs, p->name, "", "out of memory");
        goto out;
    }
    pouw_work w = chain_params_work(p);
    for (unsigned i = 0; i < samples; i++) {
        uint8_t msg[17], pre[32];
        memcpy(msg, "pouwbench", 9);
        pouw_put_u64le(msg + 9, i);
        common_error e;
        pouw_status st = pouw_sha256(pre, msg, sizeof msg);
        if (st == POUW_OK)
            st = pouw_attempt_run(a, &e, &w, pre, p->genesis_req.sessions, threads);
        if (st != POUW_OK) {
            cs = st == POUW_ENOMEM ? CHAIN_ENOMEM : CHAIN_EWORK;
            common_error_set(err, cs, p->name, "", "sample attempt %u: %s", i, pouw_status_str(st));
            goto out;
        }
        micro[i] = a->pps_micro;
    }
    qsort(micro, samples, sizeof *micro, cmp_i64);
    for (uint32_t i = 0; i <= k; i++) {
        q[i] = micro[(2 * (uint64_t)i * (samples - 1) + k) / (2 * (uint64_t)k)];
        if (i > 0 && q[i] <= q[i - 1])
            q[i] = q[i - 1] + 1;
    }
out:
    free(micro);
    free(a);
    return cs;
}

int64_t chain_coins_at(const chain_params *p, uint64_t height)
{
    assert(p);
    if (p->reward <= 0 || height == 0)
        return 0;
    if (height > (uint64_t)(INT64_MAX / p->reward))
        return INT64_MAX;
    return p->reward * (int64_t)height;
}
