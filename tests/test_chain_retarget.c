/* tests/test_chain_retarget.c - the retarget rule and block work of chain/params.h
 * (RETARGETING; spec pouw.md s10).
 *
 * Must-show 4: pinned vectors of an independent Python implementation (PPS pass
 * probability of a quantile table, its inverse, block work, the rule); a
 * simulated run where blocks come 4x too fast, then 4x too slow, whose targets
 * move as the rule says and whose interval recovers, first on the pure rule,
 * then on a chain really mined with a clock driven by each block's expected
 * work; and verifiers that reject a block whose targets break the rule. */
#include <criterion/criterion.h>

#include "tests/chain_testkit.h"
#include "tests/vectors/retarget_vectors.h"

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

/* Parameters carrying vector table t (0 TABLE_A, 1 the testnet's, 2 none). */
static chain_params table_params(int t, uint32_t genesis_bits, uint32_t window, uint32_t interval_s)
{
    chain_params p = tk_params();
    p.genesis_req.prehash_bits = genesis_bits;
    p.retarget_window = window;
    p.target_interval_s = interval_s;
    if (t == 0) {
        p.pps_quantiles = RV_TABLE_A;
        p.pps_segments = NELEM(RV_TABLE_A) - 1;
        p.genesis_req.pps_threshold_micro = RV_TABLE_A[3];
    } else if (t == 1) {
        p.pps_quantiles = RV_TABLE_TESTNET;
        p.pps_segments = NELEM(RV_TABLE_TESTNET) - 1;
        p.genesis_req.pps_threshold_micro = RV_TABLE_TESTNET[32];
    }
    return p;
}

static void hex_of(char out[65], const uint8_t w[32]) { pouw_hex_encode(out, w, 32); }

Test(chain_retarget, the_testnet_table_is_the_one_the_vectors_were_made_from)
{
    for (unsigned i = 0; i < CHAIN_COUNT; i++) {
        const chain_params *p = chain_testnet_at(i);
        cr_assert_eq(p->pps_segments, NELEM(RV_TABLE_TESTNET) - 1);
        cr_assert_eq(memcmp(p->pps_quantiles, RV_TABLE_TESTNET, sizeof RV_TABLE_TESTNET), 0,
                     "re-run tests/vectors/make_retarget_vectors.py after re-measuring");
        common_error err;
        cr_assert_eq(chain_params_check(p, &err), CHAIN_OK, "%s: %s", err.field, err.msg);
        cr_assert_eq(chain_pps_pass(p, p->genesis_req.pps_threshold_micro), chain_pps_scale(p) / 2,
                     "the testnet threshold passes half the attempts");
    }
    for (unsigned i = 0; i < CHAIN_COUNT; i++) { /* and the built-ins carry a table that checks */
        const chain_params *p = chain_params_at(i);
        common_error err;
        cr_assert_eq(chain_params_check(p, &err), CHAIN_OK, "%s: %s: %s", p->name, err.field, err.msg);
        cr_assert_geq(p->pps_segments, 2, "%s has a PPS table", p->name);
    }
}

Test(chain_retarget, pass_probability_and_its_inverse_match_the_vectors)
{
    for (size_t i = 0; i < NELEM(RV_PASS); i++) {
        chain_params p = table_params(RV_PASS[i].table, 0x207fffff, 5, 1);
        cr_assert_eq(chain_pps_pass(&p, RV_PASS[i].threshold), RV_PASS[i].pass, "vector %zu", i);
    }
    for (size_t i = 0; i < NELEM(RV_THR); i++) {
        chain_params p = table_params(RV_THR[i].table, 0x207fffff, 5, 1);
        int64_t t = chain_pps_threshold(&p, RV_THR[i].pass);
        cr_assert_eq(t, RV_THR[i].threshold, "vector %zu", i);
        /* never harder than asked: pass(thr(p)) >= p within the table's range */
        uint64_t want = RV_THR[i].pass;
        uint64_t lo = CHAIN_PPS_SEGMENT, hi = chain_pps_scale(&p);
        want = want < lo ? lo : want > hi ? hi : want;
        cr_assert_geq(chain_pps_pass(&p, t), want, "vector %zu", i);
    }
    /* no table: one constant pass unit, the genesis threshold */
    chain_params none = table_params(2, 0x207fffff, 5, 1);
    cr_assert_eq(chain_pps_scale(&none), 1);
    cr_assert_eq(chain_pps_pass(&none, 123), 1);
    cr_assert_eq(chain_pps_threshold(&none, 999), none.genesis_req.pps_threshold_micro);
}

Test(chain_retarget, block_work_matches_the_vectors)
{
    for (size_t i = 0; i < NELEM(RV_WORK); i++) {
        chain_params p = table_params(RV_WORK[i].table, 0x207fffff, 5, 1);
        uint8_t w[32];
        char hex[65];
        chain_block_work(w, &p, RV_WORK[i].bits, RV_WORK[i].threshold);
        hex_of(hex, w);
        cr_assert_str_eq(hex, RV_WORK[i].work, "vector %zu (bits %08x, threshold %lld)", i, RV_WORK[i].bits,
                         (long long)RV_WORK[i].threshold);
    }
    /* a harder threshold or target is more work; an undecodable target is none */
    chain_params p = table_params(1, 0x207fffff, 5, 1);
    uint8_t a[32], b[32], z[32] = {0};
    chain_block_work(a, &p, 0x207fffff, RV_TABLE_TESTNET[10]);
    chain_block_work(b, &p, 0x207fffff, RV_TABLE_TESTNET[40]);
    cr_assert_lt(pouw_u256_cmp(a, b), 0);
    chain_block_work(b, &p, 0x1f7fffff, RV_TABLE_TESTNET[10]);
    cr_assert_lt(pouw_u256_cmp(a, b), 0);
    chain_block_work(b, &p, 0x04923456, RV_TABLE_TESTNET[10]); /* negative */
    cr_assert_eq(memcmp(b, z, 32), 0);
}

Test(chain_retarget, the_rule_matches_the_vectors)
{
    size_t moved = 0;
    for (size_t i = 0; i < NELEM(RV_RETARGET); i++) {
        const rv_retarget *v = &RV_RETARGET[i];
        chain_params p = table_params(v->table, v->genesis_bits, v->window, v->interval_s);
        common_error err;
        cr_assert_eq(chain_params_check(&p, &err), CHAIN_OK, "vector %zu: %s: %s", i, err.field, err.msg);
        pouw_requirements prev = p.genesis_req, next;
        prev.prehash_bits = v->bits;
        prev.pps_threshold_micro = v->threshold;
        cr_assert_eq(chain_retarget(&next, &err, &p, &prev, v->span_ms), CHAIN_OK, "%s", err.msg);
        cr_assert_eq(next.prehash_bits, v->out_bits, "vector %zu: bits %08x, want %08x", i, next.prehash_bits,
                     v->out_bits);
        cr_assert_eq(next.pps_threshold_micro, v->out_threshold, "vector %zu", i);
        cr_assert_eq(next.mode, prev.mode);
        cr_assert_eq(next.sessions, prev.sessions);
        moved += next.prehash_bits != prev.prehash_bits || next.pps_threshold_micro != prev.pps_threshold_micro;
    }
    cr_assert_gt(moved, NELEM(RV_RETARGET) / 2);
    /* no window: no rule */
    chain_params p = table_params(1, 0x207fffff, 0, 1);
    pouw_requirements next;
    common_error err;
    cr_assert_eq(chain_retarget(&next, &err, &p, &p.genesis_req, 1000), CHAIN_EPARAMS);
}

Test(chain_retarget, the_span_is_clamped_to_four_times_either_way)
{
    chain_params p = table_params(1, 0x207fffff, 5, 1);
    const uint64_t g = 5000;
    pouw_requirements at[4], r;
    common_error err;
    uint64_t spans[4] = {0, g / 4, 4 * g, 1000 * g};
    for (int i = 0; i < 4; i++)
        cr_assert_eq(chain_retarget(&at[i], &err, &p, &p.genesis_req, spans[i]), CHAIN_OK);
    cr_assert_eq(memcmp(&at[0], &at[1], sizeof r), 0, "faster than 4x counts as 4x");
    cr_assert_eq(memcmp(&at[2], &at[3], sizeof r), 0, "slower than 4x counts as 4x");
    /* 4x faster: the threshold alone absorbs it (pass 1/2 -> 1/8) */
    cr_assert_eq(at[1].prehash_bits, p.genesis_req.prehash_bits);
    cr_assert_eq(chain_pps_pass(&p, at[1].pps_threshold_micro), chain_pps_scale(&p) / 8);
    /* exactly on target: nothing moves */
    cr_assert_eq(chain_retarget(&r, &err, &p, &p.genesis_req, g), CHAIN_OK);
    cr_assert_eq(memcmp(&r, &p.genesis_req, sizeof r), 0);
}

Test(chain_retarget, retarget_heights_are_multiples_of_the_window_from_the_second_on)
{
    chain_params p = tk_params(); /* window 10 */
    for (uint64_t h = 0; h < 100; h++)
        cr_assert_eq(chain_is_retarget_height(&p, h), h >= 20 && h % 10 == 0, "height %llu", (unsigned long long)h);
    p.retarget_window = 0;
    for (uint64_t h = 0; h < 100; h++)
        cr_assert(!chain_is_retarget_height(&p, h));
    pouw_requirements r;
    cr_assert_eq(chain_required_targets(&r, NULL, &p, NULL, 0), CHAIN_OK);
    cr_assert_eq(memcmp(&r, &p.genesis_req, sizeof r), 0, "genesis needs no store");
}

/* The pure rule under a fixed hash rate (Python's RV_SIM): 4x too fast, one
 * retarget, on target; the rate falls 16x: 16x too slow, clamped to 4x, then on
 * target again. */
Test(chain_retarget, a_simulated_run_recovers_the_target_interval)
{
    chain_params p = table_params(1, 0x207fffff, 5, 1);
    const uint64_t g = 5 * 1000;
    pouw_requirements r = p.genesis_req;
    for (size_t i = 0; i < NELEM(RV_SIM); i++) {
        cr_assert_eq(r.prehash_bits, RV_SIM[i].bits, "window %zu", i);
        cr_assert_eq(r.pps_threshold_micro, RV_SIM[i].threshold, "window %zu", i);
        common_error err;
        cr_assert_eq(chain_retarget(&r, &err, &p, &r, RV_SIM[i].span_ms), CHAIN_OK);
    }
    cr_assert_eq(RV_SIM[0].span_ms, g / 4, "starts 4x too fast");
    cr_assert_eq(RV_SIM[1].span_ms, g, "one retarget later: on target");
    cr_assert_eq(RV_SIM[7].span_ms, g);
    cr_assert_eq(RV_SIM[8].span_ms, 16 * g, "the rate falls 16x");
    cr_assert_eq(RV_SIM[9].span_ms, 4 * g, "clamped: 4x easier, 4x too slow");
    cr_assert_eq(RV_SIM[10].span_ms, g, "then on target");
    cr_assert_eq(RV_SIM[15].span_ms, g);
}

/* The clock of a miner whose hash rate is fixed: a block takes its expected work
 * divided by the rate (work per ms = rate_num / rate_den). */
typedef struct rate_clock {
    chain_store *s;
    uint64_t rate_num, rate_den;
} rate_clock;

static uint64_t rate_ms(void *user)
{
    rate_clock *c = user;
    uint64_t tip = chain_store_tip_height(c->s);
    pouw_requirements r;
    common_error err;
    cr_assert_eq(chain_required_targets(&r, &err, chain_store_params(c->s), c->s, tip + 1), CHAIN_OK);
    uint8_t w[32];
    chain_block_work(w, chain_store_params(c->s), r.prehash_bits, r.pps_threshold_micro);
    uint64_t work = 0; /* the testnet-size work fits 64 bits */
    for (int i = 24; i < 32; i++)
        work = work << 8 | w[i];
    return tk_time(c->s, tip) + work * c->rate_den / c->rate_num;
}

Test(chain_retarget, a_mined_chain_follows_the_rule_and_recovers_its_interval, .timeout = 240)
{
    /* window 2, 60 s: retargets at heights 4, 6, 8... */
    chain_params p = ck_params("rt", 31, 2, 60);
    char dir[256];
    tk_tmpdir(dir);
    chain_store *s;
    ck_open(&s, dir, &p, NULL);
    pouw_key k;
    tk_key(&k, 0x31);
    uint8_t w0b[32];
    chain_block_work(w0b, &p, p.genesis_req.prehash_bits, p.genesis_req.pps_threshold_micro);
    uint64_t w0 = 0;
    for (int i = 24; i < 32; i++)
        w0 = w0 << 8 | w0b[i];
    /* phase 1: rate 4 x design (genesis work per 15 s); phase 2: design rate */
    rate_clock clk = {s, 4 * w0, 60000};
    chain_mine_opts mo;
    memset(&mo, 0, sizeof mo);
    mo.threads = 2;
    mo.clock_ms = rate_ms;
    mo.clock_user = &clk;
    pouw_block b;
    pouw_block_init(&b);
    const int n1 = 8, n2 = 8;
    for (int i = 0; i < n1 + n2; i++) {
        if (i == n1)
            clk.rate_num = w0;
        common_error err;
        cr_assert_eq(chain_mine_block(&b, NULL, &err, s, k.pub, &mo), CHAIN_OK, "%s", err.msg);
    }
    cr_assert_eq(chain_store_tip_height(s), (uint64_t)(n1 + n2));
    /* every block carries what the rule demands on its parent's branch */
    pouw_requirements prev = p.genesis_req;
    uint64_t iv[32];
    for (uint64_t h = 1; h <= chain_store_tip_height(s); h++) {
        common_error err;
        cr_assert_eq(chain_store_load(&b, &err, s, h), CHAIN_OK);
        pouw_requirements want = prev;
        if (chain_is_retarget_height(&p, h)) {
            uint64_t span = tk_time(s, h - 1) - tk_time(s, h - 3);
            cr_assert_eq(chain_retarget(&want, &err, &p, &prev, span), CHAIN_OK);
        }
        cr_assert_eq(b.header.prehash_bits, want.prehash_bits, "height %llu", (unsigned long long)h);
        cr_assert_eq(b.header.pps_threshold_micro, want.pps_threshold_micro, "height %llu", (unsigned long long)h);
        prev = want;
        iv[h] = tk_time(s, h) - tk_time(s, h - 1);
    }
    const uint64_t target = 60000;
    /* 4x too fast until the first retarget (height 4), then on target */
    cr_assert_eq(iv[2], target / 4);
    cr_assert_eq(iv[3], target / 4);
    cr_assert_gt(tk_time(s, 4), 0);
    for (int h = 4; h <= n1; h++)
        cr_assert(iv[h] > target * 97 / 100 && iv[h] <= target, "height %d: %llu ms", h, (unsigned long long)iv[h]);
    /* the rate falls to the design rate at block n1 + 1: 4x too slow, then on
     * target after the next retarget */
    cr_assert(iv[n1 + 1] > 3 * target, "%llu", (unsigned long long)iv[n1 + 1]);
    for (int h = n1 + 4; h <= n1 + n2; h++)
        cr_assert(iv[h] > target * 97 / 100 && iv[h] < target * 103 / 100, "height %d: %llu ms", h,
                  (unsigned long long)iv[h]);
    /* and a fresh store, verifying every block (targets included), agrees */
    chain_store *fresh;
    ck_open(&fresh, dir, &p, NULL);
    cr_assert_eq(chain_store_tip_height(fresh), chain_store_tip_height(s));
    common_error ferr;
    cr_assert_eq(tk_verify_all(fresh, &ferr), 0, "%s", ferr.msg);
    chain_store_close(fresh);
    pouw_block_clear(&b);
    pouw_key_clear(&k);
    chain_store_close(s);
    tk_rmrf(dir);
}

Test(chain_retarget, a_block_whose_targets_break_the_rule_is_rejected, .timeout = 120)
{
    chain_params p = ck_params("rt2", 32, 2, 60);
    char dir[256];
    tk_tmpdir(dir);
    chain_store *s;
    ck_open(&s, dir, &p, NULL);
    pouw_key k;
    tk_key(&k, 0x32);
    pouw_block b;
    pouw_block_init(&b);
    for (int i = 0; i < 3; i++) /* 4x too fast: height 4 must be 4x harder */
        ck_mine(s, &b, k.pub, 15000, NULL);
    uint8_t tip[32];
    tk_id(tip, s, 3);
    pouw_requirements want;
    common_error err;
    cr_assert_eq(chain_required_targets(&want, &err, &p, s, 4), CHAIN_OK);
    cr_assert_neq(want.pps_threshold_micro, p.genesis_req.pps_threshold_micro, "height 4 retargets");
    /* a miner that ignores the retarget (keeps the parent's threshold) */
    ck_forge_opts o;
    memset(&o, 0, sizeof o);
    o.time_ms = tk_time(s, 3) + 15000;
    o.set_threshold = 1;
    o.threshold = p.genesis_req.pps_threshold_micro;
    pouw_block m;
    ck_forge(&m, s, tip, k.pub, &o);
    pouw_reason r = tk_verify(s, &m, &err);
    cr_assert_eq(r, POUW_R_THRESHOLD, "%s: %s", pouw_reason_name(r), err.msg);
    cr_assert_str_eq(err.field, "header.pps_threshold_micro");
    cr_assert_neq(strstr(err.msg, "the chain demands"), NULL, "%s", err.msg);
    pouw_block_clear(&m);
    /* one that claims an easier pre-hash target */
    memset(&o, 0, sizeof o);
    o.time_ms = tk_time(s, 3) + 15000;
    o.set_bits = 1;
    o.bits = 0x2100ffff;
    ck_forge(&m, s, tip, k.pub, &o);
    r = tk_verify(s, &m, &err);
    cr_assert_eq(r, POUW_R_PREHASH_BITS, "%s: %s", pouw_reason_name(r), err.msg);
    pouw_block_clear(&m);
    /* one that retargets where the rule does not (height 4 honest, then 5 changes) */
    ck_mine(s, &b, k.pub, 60000, NULL);
    tk_id(tip, s, 4);
    memset(&o, 0, sizeof o);
    o.set_threshold = 1;
    o.threshold = b.header.pps_threshold_micro - 1000;
    ck_forge(&m, s, tip, k.pub, &o);
    r = tk_verify(s, &m, &err);
    cr_assert_eq(r, POUW_R_THRESHOLD, "%s: %s", pouw_reason_name(r), err.msg);
    /* and offered to the store, it stays out */
    cr_assert_eq(chain_store_add(s, NULL, &r, &err, &m), CHAIN_EINVALID);
    cr_assert_eq(r, POUW_R_THRESHOLD);
    cr_assert_eq(tk_verdict(s, m.post_hash), CHAIN_VERDICT_INVALID, "stored with its verdict, never the tip");
    uint64_t at;
    cr_assert(!chain_store_find(&at, s, m.post_hash));
    pouw_block_clear(&m);
    pouw_block_clear(&b);
    pouw_key_clear(&k);
    chain_store_close(s);
    tk_rmrf(dir);
}

/* ---------------------------------------------------------------- version 2 (spec s11.3, s11.5, s11.6) */

#include "chain/retarget.h"
#include "common/u256.h"
#include "tests/vectors/consensus_v2_vectors.h"

Test(chain_retarget_v2, weight_is_2_to_the_320_over_target_plus_one_as_the_vectors_say)
{
    for (size_t i = 0; i < NELEM(V2_WEIGHT); i++) {
        common_u256 w;
        cr_assert_eq(chain_post_weight(&w, V2_WEIGHT[i].post_bits), CHAIN_OK, "bits 0x%08x", V2_WEIGHT[i].post_bits);
        char hex[65];
        common_u256_to_hex(hex, &w);
        cr_assert_str_eq(hex, V2_WEIGHT[i].weight_hex, "bits 0x%08x", V2_WEIGHT[i].post_bits);
    }
    for (size_t i = 0; i < NELEM(V2_WEIGHT_BAD); i++) { /* targets below 2^128 carry no weight */
        common_u256 w;
        cr_assert_eq(chain_post_weight(&w, V2_WEIGHT_BAD[i]), CHAIN_EPARAMS, "bits 0x%08x", V2_WEIGHT_BAD[i]);
        cr_assert(common_u256_is_zero(&w));
    }
}

Test(chain_retarget_v2, no_target_weighs_2_to_the_64_and_harder_targets_weigh_more)
{
    common_u256 none, easy, hard;
    cr_assert_eq(chain_post_weight(&none, 0), CHAIN_OK);
    cr_assert_eq(none.w[1], 1u);
    cr_assert_eq(none.w[0] | none.w[2] | none.w[3], 0u);
    cr_assert_eq(chain_post_weight(&easy, 0x207fffffu), CHAIN_OK);
    cr_assert_eq(chain_post_weight(&hard, 0x1f03ffffu), CHAIN_OK);
    cr_assert_lt(common_u256_cmp(&none, &easy), 0);
    cr_assert_lt(common_u256_cmp(&easy, &hard), 0);
}

Test(chain_retarget_v2, median_time_past_is_the_upper_median_as_the_vectors_say)
{
    for (size_t i = 0; i < NELEM(V2_MTP); i++)
        cr_assert_eq(chain_mtp(V2_MTP[i].times, V2_MTP[i].n), V2_MTP[i].mtp, "vector %zu", i);
}

Test(chain_retarget_v2, post_bits_follow_the_rule_as_the_vectors_say)
{
    for (size_t i = 0; i < NELEM(V2_RETARGET); i++) {
        const v2_retarget *v = &V2_RETARGET[i];
        chain_retarget_rule r = {v->window, v->interval_s, v->cnum, v->cden};
        uint32_t bits = 1;
        cr_assert_eq(chain_retarget_post_bits(&bits, &r, v->parent_bits, v->mtp_p, v->mtp_a), CHAIN_OK, "vector %zu", i);
        cr_assert_eq(bits, v->post_bits, "vector %zu: 0x%08x, expected 0x%08x", i, bits, v->post_bits);
    }
}

Test(chain_retarget_v2, a_window_hardens_at_most_c_and_eases_at_most_4x)
{
    chain_retarget_rule r = {60, 60, 11, 10};
    uint64_t g = 60ull * 60 * 1000;
    const uint32_t start = 0x1f0c0000u;
    common_u256 w0, w1;
    cr_assert_eq(chain_post_weight(&w0, start), CHAIN_OK);
    uint32_t bits;
    cr_assert_eq(chain_retarget_post_bits(&bits, &r, start, 1000, 1000), CHAIN_OK); /* span 0: compressed */
    cr_assert_eq(chain_post_weight(&w1, bits), CHAIN_OK);
    double ratio = common_u256_to_double(&w1) / common_u256_to_double(&w0);
    cr_assert(ratio <= 1.1 * 1.0001 && ratio > 1.09, "hardening x%.5f", ratio);
    cr_assert_eq(chain_retarget_post_bits(&bits, &r, start, 100 * g, 0), CHAIN_OK); /* far too slow */
    cr_assert_eq(chain_post_weight(&w1, bits), CHAIN_OK);
    ratio = common_u256_to_double(&w0) / common_u256_to_double(&w1);
    cr_assert(ratio >= 3.99 && ratio <= 4.0001, "easing x%.5f", ratio);
    cr_assert_eq(chain_retarget_post_bits(&bits, &r, start, g, 0), CHAIN_OK); /* on target: unchanged */
    cr_assert_eq(bits, start);
    cr_assert_eq(chain_retarget_post_bits(&bits, &r, 0, 100 * g, 0), CHAIN_OK); /* none stays none */
    cr_assert_eq(bits, 0u);
    chain_retarget_rule bad = {60, 60, 10, 10};
    cr_assert_eq(chain_retarget_post_bits(&bits, &bad, start, g, 0), CHAIN_EPARAMS);
}

Test(chain_retarget_v2, the_bound_on_window_and_clamp_is_checked)
{
    chain_retarget_rule main_rule = {60, 60, 11, 10}, v1_like = {10, 60, 4, 1}, edge = {50, 60, 21, 19};
    cr_assert(chain_retarget_rule_bounded(&main_rule, 1000)); /* 60 x 2.1 / 0.1 = 1260 */
    cr_assert(!chain_retarget_rule_bounded(&v1_like, 1000));  /* 10 x 5 / 3 */
    cr_assert(chain_retarget_rule_bounded(&edge, 1000));      /* 50 x 40 / 2 = 1000 */
    cr_assert(chain_retarget_is_height(&main_rule, 120) && !chain_retarget_is_height(&main_rule, 60) &&
              !chain_retarget_is_height(&main_rule, 121));
}

Test(common_u256, arithmetic_carries_and_divides_exactly)
{
    common_u256 a = {{UINT64_MAX, UINT64_MAX, UINT64_MAX, UINT64_MAX}}, one = common_u256_from_u64(1), b = a;
    cr_assert_eq(common_u256_add(&b, &one), 1u);
    cr_assert(common_u256_is_zero(&b));
    b = a;
    cr_assert_eq(common_u256_add_sat(&b, &one), 1u);
    cr_assert_eq(common_u256_cmp(&b, &a), 0);
    b = common_u256_from_u64(0);
    cr_assert_eq(common_u256_sub(&b, &one), 1u);
    cr_assert_eq(common_u256_cmp(&b, &a), 0);
    uint8_t be[32];
    common_u256_to_be(be, &a);
    common_u256 c = common_u256_from_be(be);
    cr_assert_eq(common_u256_cmp(&c, &a), 0);
    common_u512 x = common_u512_from_u256(&a), q, r;
    cr_assert_eq(common_u512_mul_u64(&x, UINT64_MAX), 0u); /* (2^256-1)(2^64-1) */
    common_u512 d = common_u512_from_u256(&(common_u256){{UINT64_MAX, 0, 0, 0}});
    common_u512_divmod(&q, &r, &x, &d);
    common_u256 qq;
    cr_assert(common_u512_to_u256(&qq, &q));
    cr_assert_eq(common_u256_cmp(&qq, &a), 0);
    cr_assert_eq(r.w[0] | r.w[1], 0u);
}
