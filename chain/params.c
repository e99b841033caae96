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
#include "pouw/work.h"

#define GENESIS_TIME_MS 1735689600000ull /* 2025-01-01T00:00:00Z */
#define PREHASH_BITS 0x1f03ffffu         /* target (2^18-1) x 2^224: about 1 pre-hash in 2^14 passes */

/* The PPS quantile tables of the built-in chains (params.h RETARGETING): `bin/chainbench
 * pps-table --chain NAME --segments 64 --samples 600 --threads 2` (600 attempts on the
 * pouwbench sample pre-hashes; 74 s, 184 s and 391 s on the development VM). By
 * the tables the genesis thresholds pass 1 attempt in 11.95 (alpha), 11.35 (bravo)
 * and 11.22 (charlie), against CHAIN_DESIGN_ATTEMPTS = 12 of the MEASUREMENT. */
static const int64_t PPS_ALPHA[65] = {
    1312589, 2466756, 3026814, 3358929, 3665930, 3842990,
    4010101, 4169047, 4273611, 4491443, 4594067, 4686527,
    4814254, 4941029, 5069174, 5165306, 5285346, 5396736,
    5489982, 5610896, 5691959, 5770587, 5841491, 5891583,
    5979992, 6148425, 6257815, 6344323, 6458242, 6547156,
    6603614, 6679905, 6804973, 6896435, 7026048, 7173209,
    7196932, 7266642, 7354326, 7487722, 7565360, 7662339,
    7733204, 7827581, 7883653, 7993073, 8068803, 8176934,
    8288666, 8331163, 8446380, 8515194, 8789815, 8888490,
    8983793, 9210524, 9437248, 9603874, 9766761, 9895583,
    10311033, 10722025, 11296224, 12141811, 14316649,
};
static const int64_t PPS_BRAVO[65] = {
    1272843, 2457649, 3029878, 3380313, 3677407, 3902276,
    4006371, 4190078, 4291082, 4530336, 4614230, 4693810,
    4839436, 4936802, 5102172, 5181976, 5278936, 5394396,
    5507979, 5610195, 5718484, 5762745, 5823191, 5894895,
    6014839, 6137683, 6250457, 6352127, 6470391, 6552201,
    6599631, 6692876, 6812703, 6900621, 7029595, 7188078,
    7219195, 7276810, 7371603, 7482845, 7551553, 7693907,
    7753455, 7841418, 7896381, 8012105, 8071897, 8205989,
    8304539, 8364101, 8467398, 8539773, 8767564, 8919090,
    9000707, 9241901, 9438501, 9599916, 9777660, 9894378,
    10275053, 10725202, 11293071, 12185148, 14386766,
};
static const int64_t PPS_CHARLIE[65] = {
    1278804, 2461092, 3021984, 3406205, 3685495, 3913394,
    4008629, 4202904, 4293239, 4535339, 4621471, 4715522,
    4826767, 4956337, 5122137, 5209621, 5300812, 5384453,
    5489655, 5654148, 5733848, 5778869, 5816224, 5914754,
    6027733, 6154205, 6267947, 6335727, 6467832, 6565004,
    6599423, 6706067, 6823744, 6913164, 7012881, 7179994,
    7231474, 7296566, 7385872, 7487828, 7574837, 7690579,
    7754809, 7840752, 7917567, 8024710, 8089288, 8204113,
    8301114, 8390006, 8481413, 8559740, 8785804, 8902423,
    9023787, 9231545, 9467250, 9602407, 9789945, 9924850,
    10279956, 10727318, 11329564, 12235170, 14381916,
};

static const chain_params BUILTIN[CHAIN_COUNT] = {
    {
        .chain_id = 0,
        .name = "alpha",
        .coin = "AlphaCoin",
        .target_interval_s = 60,
        .retarget_window = 10,
        .reward = CHAIN_REWARD,
        .tmpl = {7200.0, 30.0, BSE_TIME_PERIODIC},
        .job = NULL,
        .genesis_req = {PREHASH_BITS, 9850000, POUW_MODE_PPS, 0, 2, {0}},
        .max_future_ms = CHAIN_MAX_FUTURE_MS,
        .genesis_time_ms = GENESIS_TIME_MS,
        .genesis_nonce = 166180,
        .genesis_pinned = 1, /* id ccbb6771d5d04f6ff2cb3ead02e1f8917efac544b3eb97254d18c848c44d3a5e */
        .genesis_id = {0xcc, 0xbb, 0x67, 0x71, 0xd5, 0xd0, 0x4f, 0x6f, 0xf2, 0xcb, 0x3e, 0xad,
                       0x02, 0xe1, 0xf8, 0x91, 0x7e, 0xfa, 0xc5, 0x44, 0xb3, 0xeb, 0x97, 0x25,
                       0x4d, 0x18, 0xc8, 0x48, 0xc4, 0x4d, 0x3a, 0x5e},
        .pps_quantiles = PPS_ALPHA,
        .pps_segments = 64,
    },
    {
        .chain_id = 1,
        .name = "bravo",
        .coin = "BravoCoin",
        .target_interval_s = 120,
        .retarget_window = 10,
        .reward = CHAIN_REWARD,
        .tmpl = {14400.0, 30.0, BSE_TIME_PERIODIC},
        .job = NULL,
        .genesis_req = {PREHASH_BITS, 9820000, POUW_MODE_PPS, 0, 2, {0}},
        .max_future_ms = CHAIN_MAX_FUTURE_MS,
        .genesis_time_ms = GENESIS_TIME_MS,
        .genesis_nonce = 133215,
        .genesis_pinned = 1, /* id 17c4b0a026f633e4475b93b6f5382c512c4ba88652cfabbc148c5ede8925b3b6 */
        .genesis_id = {0x17, 0xc4, 0xb0, 0xa0, 0x26, 0xf6, 0x33, 0xe4, 0x47, 0x5b, 0x93, 0xb6,
                       0xf5, 0x38, 0x2c, 0x51, 0x2c, 0x4b, 0xa8, 0x86, 0x52, 0xcf, 0xab, 0xbc,
                       0x14, 0x8c, 0x5e, 0xde, 0x89, 0x25, 0xb3, 0xb6},
        .pps_quantiles = PPS_BRAVO,
        .pps_segments = 64,
    },
    {
        .chain_id = 2,
        .name = "charlie",
        .coin = "CharlieCoin",
        .target_interval_s = 240,
        .retarget_window = 10,
        .reward = CHAIN_REWARD,
        .tmpl = {28800.0, 30.0, BSE_TIME_PERIODIC},
        .job = NULL,
        .genesis_req = {PREHASH_BITS, 9830000, POUW_MODE_PPS, 0, 2, {0}},
        .max_future_ms = CHAIN_MAX_FUTURE_MS,
        .genesis_time_ms = GENESIS_TIME_MS,
        .genesis_nonce = 27559,
        .genesis_pinned = 1, /* id 21f49bfdbdc1d6e894e9906b41f3ca9665284df6ffb96b9e8dc380791b055e38 */
        .genesis_id = {0x21, 0xf4, 0x9b, 0xfd, 0xbd, 0xc1, 0xd6, 0xe8, 0x94, 0xe9, 0x90, 0x6b,
                       0x41, 0xf3, 0xca, 0x96, 0x65, 0x28, 0x4d, 0xf6, 0xff, 0xb9, 0x6b, 0x9e,
                       0x8d, 0xc3, 0x80, 0x79, 0x1b, 0x05, 0x5e, 0x38},
        .pps_quantiles = PPS_CHARLIE,
        .pps_segments = 64,
    },
};

/* TESTNET (params.h): the built-ins in miniature. Their one table (the three share
 * one template) is `bin/chainbench pps-table --testnet --chain alpha --samples 4000`
 * (1.7 ms an attempt); the genesis threshold is its median q[32] (pass 1/2); the
 * genesis pins come from `bin/chainbench genesis --testnet --chain NAME`. */
#define TESTNET_BITS 0x207fffffu /* target 2^255 - 2^232 ...: about 1 nonce in 2 passes */
#define TESTNET_THRESHOLD 15851580

static const int64_t PPS_TESTNET[65] = {
    2852053, 6113759, 7134375, 7840892, 8393075, 8764087,
    9324126, 9658597, 10093113, 10412926, 10723229, 11033812,
    11345749, 11637070, 11885714, 12098630, 12358953, 12566701,
    12863333, 13091587, 13306291, 13542113, 13722245, 13925277,
    14191597, 14383055, 14610641, 14842175, 15071261, 15262741,
    15453839, 15641660, 15851580, 16089679, 16289338, 16467361,
    16654957, 16852843, 17019090, 17215381, 17457802, 17725310,
    17935003, 18138796, 18336053, 18568275, 18805089, 19072986,
    19395625, 19727852, 20097380, 20488321, 20812881, 21127395,
    21563020, 21970856, 22471097, 22964282, 23527083, 24181934,
    24971833, 25905992, 27482713, 29566865, 40002896,
};

static const chain_params TESTNET[CHAIN_COUNT] = {
    {
        .chain_id = 100,
        .name = "test-alpha",
        .coin = "TestAlphaCoin",
        .target_interval_s = 1,
        .retarget_window = 5,
        .reward = CHAIN_REWARD,
        .tmpl = {60.0, 10.0, BSE_TIME_PERIODIC},
        .job = NULL,
        .genesis_req = {TESTNET_BITS, TESTNET_THRESHOLD, POUW_MODE_PPS, 0, 2, {0}},
        .max_future_ms = CHAIN_MAX_FUTURE_MS,
        .genesis_time_ms = GENESIS_TIME_MS,
        .genesis_nonce = 0,
        .genesis_pinned = 1, /* id b498008ebbabab5b246592e3164e133be6d75f54bf3b94b858c9d596b9f66631 */
        .genesis_id = {0xb4, 0x98, 0x00, 0x8e, 0xbb, 0xab, 0xab, 0x5b, 0x24, 0x65, 0x92, 0xe3,
                       0x16, 0x4e, 0x13, 0x3b, 0xe6, 0xd7, 0x5f, 0x54, 0xbf, 0x3b, 0x94, 0xb8,
                       0x58, 0xc9, 0xd5, 0x96, 0xb9, 0xf6, 0x66, 0x31},
        .pps_quantiles = PPS_TESTNET,
        .pps_segments = 64,
    },
    {
        .chain_id = 101,
        .name = "test-bravo",
        .coin = "TestBravoCoin",
        .target_interval_s = 2,
        .retarget_window = 5,
        .reward = CHAIN_REWARD,
        .tmpl = {60.0, 10.0, BSE_TIME_PERIODIC},
        .job = NULL,
        .genesis_req = {TESTNET_BITS, TESTNET_THRESHOLD, POUW_MODE_PPS, 0, 2, {0}},
        .max_future_ms = CHAIN_MAX_FUTURE_MS,
        .genesis_time_ms = GENESIS_TIME_MS,
        .genesis_nonce = 1,
        .genesis_pinned = 1, /* id dfa5f2afb56e523a2291e9a5f45a35af82e32c94cf5271a063591725022614c5 */
        .genesis_id = {0xdf, 0xa5, 0xf2, 0xaf, 0xb5, 0x6e, 0x52, 0x3a, 0x22, 0x91, 0xe9, 0xa5,
                       0xf4, 0x5a, 0x35, 0xaf, 0x82, 0xe3, 0x2c, 0x94, 0xcf, 0x52, 0x71, 0xa0,
                       0x63, 0x59, 0x17, 0x25, 0x02, 0x26, 0x14, 0xc5},
        .pps_quantiles = PPS_TESTNET,
        .pps_segments = 64,
    },
    {
        .chain_id = 102,
        .name = "test-charlie",
        .coin = "TestCharlieCoin",
        .target_interval_s = 4,
        .retarget_window = 5,
        .reward = CHAIN_REWARD,
        .tmpl = {60.0, 10.0, BSE_TIME_PERIODIC},
        .job = NULL,
        .genesis_req = {TESTNET_BITS, TESTNET_THRESHOLD, POUW_MODE_PPS, 0, 2, {0}},
        .max_future_ms = CHAIN_MAX_FUTURE_MS,
        .genesis_time_ms = GENESIS_TIME_MS,
        .genesis_nonce = 0,
        .genesis_pinned = 1, /* id 4655a981566ce2b7070c14b0e4cacf770761cc868e0143a4ec53df0cce7933c3 */
        .genesis_id = {0x46, 0x55, 0xa9, 0x81, 0x56, 0x6c, 0xe2, 0xb7, 0x07, 0x0c, 0x14, 0xb0,
                       0xe4, 0xca, 0xcf, 0x77, 0x07, 0x61, 0xcc, 0x86, 0x8e, 0x01, 0x43, 0xa4,
                       0xec, 0x53, 0xdf, 0x0c, 0xce, 0x79, 0x33, 0xc3},
        .pps_quantiles = PPS_TESTNET,
        .pps_segments = 64,
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
    if (r->mode == POUW_MODE_PPS && r->post_bits != 0)
        return pbad(err, p, "post_bits", "post_bits must be 0 in mode pps");
    if (pouw_target_from_bits(t, r->prehash_bits) != POUW_OK || pouw_target_to_bits(t) != r->prehash_bits)
        return pbad(err, p, "prehash_bits", "pre-hash bits must be a canonical compact target");
    if (r->mode == POUW_MODE_LOTTERY &&
        (pouw_target_from_bits(t, r->post_bits) != POUW_OK || pouw_target_to_bits(t) != r->post_bits))
        return pbad(err, p, "post_bits", "post-hash bits must be a canonical compact target");
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

/* ---------------------------------------------------------------- big integers */

/* Unsigned integers of BIG_LIMBS 32-bit limbs, least significant first: room for
 * (2^256) x D (2^32) x Mc (2^46) and more. Only what the rule needs. */
#define BIG_LIMBS 13
typedef struct big {
    uint32_t w[BIG_LIMBS];
} big;

static uint32_t get_be32(const uint8_t *b)
{
    return (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 | b[3];
}

static void put_be32(uint8_t *b, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        b[i] = (uint8_t)(v >> (24 - 8 * i));
}

static big big_u64(uint64_t v)
{
    big a;
    memset(&a, 0, sizeof a);
    a.w[0] = (uint32_t)v;
    a.w[1] = (uint32_t)(v >> 32);
    return a;
}

static big big_from_be32(const uint8_t b[32])
{
    big a;
    memset(&a, 0, sizeof a);
    for (int i = 0; i < 8; i++)
        a.w[i] = get_be32(b + 28 - 4 * i);
    return a;
}

/* Out: b, a's low 256 bits, or 2^256 - 1 when a does not fit. */
static void big_to_be32_sat(uint8_t b[32], const big *a)
{
    int over = 0;
    for (int i = 8; i < BIG_LIMBS; i++)
        over |= a->w[i] != 0;
    for (int i = 0; i < 8; i++)
        put_be32(b + 28 - 4 * i, over ? 0xffffffffu : a->w[i]);
}

static int big_cmp(const big *a, const big *b)
{
    for (int i = BIG_LIMBS; i-- > 0;)
        if (a->w[i] != b->w[i])
            return a->w[i] < b->w[i] ? -1 : 1;
    return 0;
}

static int big_is_zero(const big *a)
{
    for (int i = 0; i < BIG_LIMBS; i++)
        if (a->w[i])
            return 0;
    return 1;
}

/* a += v (v < 2^32); the carry out of the top limb is dropped (never reached). */
static void big_add_small(big *a, uint32_t v)
{
    uint64_t c = v;
    for (int i = 0; i < BIG_LIMBS && c; i++) {
        c += a->w[i];
        a->w[i] = (uint32_t)c;
        c >>= 32;
    }
}

/* a -= 1 when a > 0. */
static void big_dec(big *a)
{
    for (int i = 0; i < BIG_LIMBS; i++)
        if (a->w[i]--)
            break;
}

static void big_sub(big *a, const big *b) /* a >= b */
{
    uint64_t borrow = 0;
    for (int i = 0; i < BIG_LIMBS; i++) {
        uint64_t d = (uint64_t)a->w[i] - b->w[i] - borrow;
        a->w[i] = (uint32_t)d;
        borrow = (d >> 63) & 1;
    }
}

static void big_mul_u32(big *a, uint32_t m)
{
    uint64_t c = 0;
    for (int i = 0; i < BIG_LIMBS; i++) {
        c += (uint64_t)a->w[i] * m;
        a->w[i] = (uint32_t)c;
        c >>= 32;
    }
}

static void big_mul_u64(big *a, uint64_t m)
{
    big hi = *a;
    big_mul_u32(&hi, (uint32_t)(m >> 32));
    for (int i = BIG_LIMBS; i-- > 1;) /* hi <<= 32 */
        hi.w[i] = hi.w[i - 1];
    hi.w[0] = 0;
    big_mul_u32(a, (uint32_t)m);
    uint64_t c = 0;
    for (int i = 0; i < BIG_LIMBS; i++) {
        c += (uint64_t)a->w[i] + hi.w[i];
        a->w[i] = (uint32_t)c;
        c >>= 32;
    }
}

/* q = floor(a / d), d > 0: schoolbook for d < 2^32, else binary long division. */
static big big_div(const big *a, const big *d)
{
    assert(!big_is_zero(d));
    big q;
    memset(&q, 0, sizeof q);
    int small = 1;
    for (int i = 1; i < BIG_LIMBS; i++)
        small &= d->w[i] == 0;
    if (small) {
        uint64_t r = 0;
        for (int i = BIG_LIMBS; i-- > 0;) {
            r = (r << 32) | a->w[i];
            q.w[i] = (uint32_t)(r / d->w[0]);
            r %= d->w[0];
        }
        return q;
    }
    big r;
    memset(&r, 0, sizeof r);
    for (int bit = BIG_LIMBS * 32; bit-- > 0;) {
        for (int i = BIG_LIMBS; i-- > 1;) /* r = r << 1 | bit of a */
            r.w[i] = (r.w[i] << 1) | (r.w[i - 1] >> 31);
        r.w[0] = (r.w[0] << 1) | ((a->w[bit / 32] >> (bit % 32)) & 1u);
        if (big_cmp(&r, d) >= 0) {
            big_sub(&r, d);
            q.w[bit / 32] |= 1u << (bit % 32);
        }
    }
    return q;
}

static big big_div_u64(const big *a, uint64_t d)
{
    big b = big_u64(d);
    return big_div(a, &b);
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

void chain_block_work(uint8_t work32[32], const chain_params *p, uint32_t bits, int64_t threshold)
{
    assert(work32 && p);
    uint8_t t[32], w[32];
    memset(work32, 0, 32);
    if (pouw_target_from_bits(t, bits) != POUW_OK || pouw_target_work(w, t) != POUW_OK)
        return; /* zero or undecodable target: no work */
    uint64_t pass = chain_pps_pass(p, threshold);
    big a = big_from_be32(w);
    big_mul_u64(&a, chain_pps_scale(p));
    a = big_div_u64(&a, pass ? pass : 1);
    big_to_be32_sat(work32, &a);
}

int chain_is_retarget_height(const chain_params *p, uint64_t height)
{
    assert(p);
    uint64_t w = p->retarget_window;
    return w > 0 && height >= 2 * w && height % w == 0;
}

chain_status chain_retarget(pouw_requirements *next, common_error *err, const chain_params *p,
                            const pouw_requirements *prev, uint64_t span_ms)
{
    assert(next && p && prev);
    const pouw_requirements pv = *prev; /* next may be prev */
    prev = &pv;
    memset(next, 0, sizeof *next);
    common_error_clear(err);
    if (!p->retarget_window || !p->target_interval_s)
        return pbad(err, p, "retarget_window", "the chain does not retarget");
    uint8_t tb[32], t0b[32];
    if (pouw_target_from_bits(tb, prev->prehash_bits) != POUW_OK ||
        pouw_target_from_bits(t0b, p->genesis_req.prehash_bits) != POUW_OK)
        return pbad(err, p, "prehash_bits", "pre-hash bits do not decode");
    /* 1: clamp the measured span to [G/4, 4G] */
    uint64_t g = (uint64_t)p->retarget_window * p->target_interval_s * 1000u;
    uint64_t m = span_ms;
    if (m < g / 4)
        m = g / 4;
    if (m > 4 * g)
        m = 4 * g;
    /* 2: E = floor((t + 1) x pass(T) x Mc / G) */
    big e = big_from_be32(tb);
    big_add_small(&e, 1);
    big_mul_u64(&e, chain_pps_pass(p, prev->pps_threshold_micro));
    big_mul_u64(&e, m);
    e = big_div_u64(&e, g);
    /* 3: split between the threshold and the pre-hash target */
    big t;
    int64_t thr = prev->pps_threshold_micro;
    uint32_t k = p->pps_segments;
    if (k == 0) {
        t = e;
    } else {
        uint64_t d = chain_pps_scale(p);
        big t0 = big_from_be32(t0b);
        big_add_small(&t0, 1);
        big want = big_div(&e, &t0);
        big lo = big_u64(CHAIN_PPS_SEGMENT), hi = big_u64(d);
        if (big_cmp(&want, &lo) < 0) {
            thr = p->pps_quantiles[k - 1];
            t = big_div_u64(&e, CHAIN_PPS_SEGMENT);
        } else if (big_cmp(&want, &hi) > 0) {
            thr = p->pps_quantiles[0];
            t = big_div_u64(&e, d);
        } else {
            thr = chain_pps_threshold(p, (uint64_t)want.w[0] | (uint64_t)want.w[1] << 32);
            t = t0; /* t' + 1 = t0 + 1 */
        }
    }
    /* 4: t' = that - 1, clamped to [1, 2^256 - 1], in canonical compact form */
    big_dec(&t);
    if (big_is_zero(&t))
        t = big_u64(1);
    uint8_t nt[32];
    big_to_be32_sat(nt, &t);
    *next = *prev;
    next->prehash_bits = pouw_target_to_bits(nt);
    next->pps_threshold_micro = thr;
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
    pouw_requirements base = p->genesis_req;
    base.prehash_bits = par.prehash_bits;
    base.pps_threshold_micro = par.pps_threshold_micro;
    uint64_t h = par.height + 1;
    if (!chain_is_retarget_height(p, h)) {
        *req = base;
        return CHAIN_OK;
    }
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
    uint64_t span = par.time_ms > anc.time_ms ? par.time_ms - anc.time_ms : 0;
    return chain_retarget(req, err, p, &base, span);
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
