/* tests/test_pouw_work.c - the useful work of an attempt (pouw/env.h, pouw/work.h,
 * pouw/mine.h): generated environments, committed jobs, session records and PPS,
 * the attempt's scores and digests, the validity rule and the mining loop.
 *
 * Environment and job vectors come from tests/vectors/make_pouw_env_vectors.py
 * (CPython's random, hashlib), independently of the C code. The session vectors
 * (d_i, pps_i, pps_micro, post_hash for a fixed pre-hash) are this engine's output,
 * pinned so that any change to a session is caught; the engine itself is checked
 * byte for byte against BSE.py by tests/test_bse_golden.c, and a pinned session can
 * be re-run through BSE.py from the case `pouw explain` writes. */
#include <criterion/criterion.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bse/config.h"
#include "bse/session.h"
#include "pouw/env.h"
#include "pouw/header.h"
#include "pouw/mine.h"
#include "pouw/seed.h"
#include "pouw/sha256.h"
#include "pouw/target.h"
#include "pouw/work.h"
#include "tests/vectors/pouw_env_v1_vectors.h"

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

static const bse_ttype DRAW_ORDER[8] = {BSE_T_GVWY, BSE_T_ZIC,  BSE_T_SHVR, BSE_T_SNPR,
                                        BSE_T_ZIP,  BSE_T_PRZI, BSE_T_PRSH, BSE_T_PRDE};

static void unhex(uint8_t *out, size_t len, const char *hex)
{
    cr_assert_eq(pouw_hex_decode(out, len, hex), POUW_OK, "bad vector hex: %s", hex);
}

static void assert_hex(const uint8_t *b, size_t len, const char *want, const char *what)
{
    char got[129];
    cr_assert(len <= 64);
    pouw_hex_encode(got, b, len);
    cr_assert_str_eq(got, want, "%s:\n  got      %s\n  expected %s", what, got, want);
}

static bse_timemode timemode_of(const char *s)
{
    if (!strcmp(s, "periodic"))
        return BSE_TIME_PERIODIC;
    if (!strcmp(s, "drip-fixed"))
        return BSE_TIME_DRIP_FIXED;
    if (!strcmp(s, "drip-jitter"))
        return BSE_TIME_DRIP_JITTER;
    cr_assert_str_eq(s, "drip-poisson");
    return BSE_TIME_DRIP_POISSON;
}

static pouw_template tiny_template(void)
{
    pouw_template t = {60.0, 10.0, BSE_TIME_PERIODIC};
    return t;
}

static void fixed_prehash(uint8_t pre[32], const char *tag)
{
    cr_assert_eq(pouw_sha256(pre, tag, strlen(tag)), POUW_OK);
}

/* ---------------------------------------------------------------- environments */

typedef pouw_status (*env_gen_fn)(bse_case *, pouw_env_draw *, common_error *, const pouw_template *,
                                  const uint8_t *, uint32_t);

/* Vector k of a Python generator against gen: seeds, draws, case JSON, digest.
 * Returns the trader count per side. */
static int32_t check_env_vector(const pv_env *v, size_t k, env_gen_fn gen, bse_case *c, uint8_t seed[32])
{
    uint8_t pre[32], env[32];
    unhex(pre, 32, v->pre_hash);
    cr_assert_eq(pouw_session_seed(seed, pre, v->index), POUW_OK);
    assert_hex(seed, 32, v->seed, "session seed");
    cr_assert_eq(pouw_environment_seed(env, seed), POUW_OK);
    assert_hex(env, 32, v->env_seed, "environment seed");
    pouw_template t = {v->duration, v->interval, timemode_of(v->timemode)};
    pouw_env_draw d;
    common_error err;
    cr_assert_eq(gen(c, &d, &err, &t, seed, v->index), POUW_OK, "vector %zu: %s", k, err.msg);
    cr_assert_eq(d.sup_lo, v->sup_lo, "vector %zu", k);
    cr_assert_eq(d.sup_hi, v->sup_hi);
    cr_assert_eq(d.dem_lo, v->dem_lo);
    cr_assert_eq(d.dem_hi, v->dem_hi);
    int32_t total = 0;
    for (int i = 0; i < 8; i++) {
        cr_assert_eq(d.count[DRAW_ORDER[i]], v->counts[i], "vector %zu type %d", k, i);
        total += v->counts[i];
    }
    cr_assert_eq(d.forced, v->forced);
    char *js = bse_case_to_json(c);
    cr_assert_not_null(js);
    cr_assert_str_eq(js, v->case_json, "vector %zu: canonical case JSON differs", k);
    free(js);
    uint8_t digest[32];
    cr_assert_eq(pouw_case_digest(digest, c), POUW_OK);
    assert_hex(digest, 32, v->case_digest, "environment digest");
    return total;
}

Test(pouw_env, generated_environments_match_the_python_generator)
{
    for (size_t k = 0; k < NELEM(pv_envs); k++) {
        bse_case c;
        uint8_t seed[32];
        cr_assert_eq(check_env_vector(&pv_envs[k], k, pouw_env_generate, &c, seed), POUW_ENV_TRADERS);
    }
}

/* Version 1's generator, kept for the experiments' v1-style environments, against
 * the Python vectors of the version that used it. */
Test(pouw_env, v1_environments_match_the_python_generator_of_version_1)
{
    int forced = 0, cost_differs = 0;
    int32_t first_total = -1;
    for (size_t k = 0; k < NELEM(pv_envs_v1); k++) {
        bse_case c;
        uint8_t seed[32];
        int32_t total = check_env_vector(&pv_envs_v1[k], k, pouw_env_generate_v1, &c, seed);
        forced |= pv_envs_v1[k].forced;
        if (first_total < 0)
            first_total = total;
        cost_differs |= total != first_total;
        /* the consensus generator draws the same ranges and another, equal-cost mix */
        bse_case c2;
        pouw_env_draw d2;
        common_error err;
        pouw_template t = {pv_envs_v1[k].duration, pv_envs_v1[k].interval, timemode_of(pv_envs_v1[k].timemode)};
        cr_assert_eq(pouw_env_generate(&c2, &d2, &err, &t, seed, pv_envs_v1[k].index), POUW_OK);
        cr_assert_eq(d2.sup_lo, pv_envs_v1[k].sup_lo, "the ranges are drawn the same way");
        int32_t total2 = 0;
        for (int i = 0; i < 8; i++)
            total2 += d2.count[DRAW_ORDER[i]];
        cr_assert_eq(total2, POUW_ENV_TRADERS);
    }
    cr_assert(forced, "the vectors include a forced adaptive type");
    cr_assert(cost_differs, "version 1's environments differ in trader count");
}

Test(pouw_env, vectors_cover_the_forced_adaptive_type_of_both_kinds)
{
    int prsh = 0, prde = 0;
    for (size_t k = 0; k < NELEM(pv_envs); k++)
        if (pv_envs[k].forced) {
            prsh |= pv_envs[k].counts[6] > 0;
            prde |= pv_envs[k].counts[7] > 0;
        }
    cr_assert(prsh && prde, "the Python vectors must include both forced kinds");
}

Test(pouw_env, every_environment_validates_and_follows_the_spec_ranges)
{
    pouw_template t = tiny_template();
    for (uint32_t k = 0; k < 400; k++) {
        uint8_t pre[32], seed[32];
        char tag[32];
        snprintf(tag, sizeof tag, "env-range-%u", (unsigned)k);
        fixed_prehash(pre, tag);
        cr_assert_eq(pouw_session_seed(seed, pre, k % 7), POUW_OK);
        bse_case c;
        pouw_env_draw d;
        common_error err;
        cr_assert_eq(pouw_env_generate(&c, &d, &err, &t, seed, k % 7), POUW_OK, "%s", err.msg);
        cr_assert(d.sup_lo >= 20 && d.sup_lo <= 80);
        cr_assert(d.sup_hi >= d.sup_lo && d.sup_hi <= 150);
        cr_assert(d.dem_lo >= d.sup_hi && d.dem_lo <= 200);
        cr_assert(d.dem_hi >= d.dem_lo && d.dem_hi <= 300);
        cr_assert(d.count[BSE_T_PRSH] > 0 || d.count[BSE_T_PRDE] > 0, "an adaptive type is always present");
        cr_assert_eq(d.count[BSE_T_ZIPSH], 0);
        int32_t plain = d.count[BSE_T_GVWY] + d.count[BSE_T_ZIC] + d.count[BSE_T_SHVR] + d.count[BSE_T_SNPR];
        int32_t resp = d.count[BSE_T_ZIP] + d.count[BSE_T_PRZI] + d.count[BSE_T_PRSH] + d.count[BSE_T_PRDE];
        cr_assert_eq(plain + resp, POUW_ENV_TRADERS, "s11.11: N traders per side");
        cr_assert_eq(resp, POUW_ENV_RESPONDERS, "s11.11: A responders per side");
        for (int i = 0; i < BSE_T_COUNT; i++)
            cr_assert(d.count[i] == 0 || d.count[i] >= POUW_ENV_MIN_PER_TYPE);
        cr_assert_eq(bse_case_validate(&c, "gen", &err), BSE_CONFIG_OK, "%s", err.msg);
        cr_assert_eq(c.n_entries[BSE_SIDE_BUYERS], c.n_entries[BSE_SIDE_SELLERS]);
        cr_assert_eq(bse_case_count(&c, BSE_SIDE_BUYERS), POUW_ENV_TRADERS);
        cr_assert_eq(bse_case_count(&c, BSE_SIDE_BUYERS), bse_case_count(&c, BSE_SIDE_SELLERS));
        cr_assert_eq(c.n_entries[BSE_SIDE_PROPS], 0);
        cr_assert_eq(c.zones[BSE_SCHED_SUP][0].ranges[0].lo, d.sup_lo);
        cr_assert_eq(c.zones[BSE_SCHED_DEM][0].ranges[0].hi, d.dem_hi);
    }
}

Test(pouw_env, presence_of_each_type_is_about_one_half)
{
    /* 2000 environments: each type's presence is Binomial(2000, 1/2) before the
     * forced fill-in; 6 sigma is about +-134. */
    pouw_template t = tiny_template();
    int present[BSE_T_COUNT] = {0}, forced = 0;
    for (uint32_t k = 0; k < 2000; k++) {
        uint8_t seed[32];
        char tag[32];
        snprintf(tag, sizeof tag, "presence-%u", (unsigned)k);
        fixed_prehash(seed, tag);
        bse_case c;
        pouw_env_draw d;
        cr_assert_eq(pouw_env_generate(&c, &d, NULL, &t, seed, 0), POUW_OK);
        for (int i = 0; i < BSE_T_COUNT; i++)
            present[i] += d.count[i] > 0;
        forced += d.forced;
    }
    for (int i = 0; i < 6; i++)
        cr_assert(abs(present[DRAW_ORDER[i]] - 1000) < 134, "type %d present %d times", i, present[DRAW_ORDER[i]]);
    cr_assert(abs(forced - 500) < 120, "forced %d times (expected ~2000/4)", forced);
}

Test(pouw_env, session_case_has_the_fixed_identity_and_round_trips_through_json)
{
    uint8_t pre[32], seed[32];
    fixed_prehash(pre, "identity");
    cr_assert_eq(pouw_session_seed(seed, pre, 3), POUW_OK);
    pouw_work w = {tiny_template(), NULL};
    bse_case c;
    common_error err;
    cr_assert_eq(pouw_session_case(&c, &err, &w, seed, 3), POUW_OK);
    cr_assert_str_eq(c.case_id, "s3");
    cr_assert_eq(c.seed_kind, BSE_SEED_HEX256);
    char hex[65];
    pouw_hex_encode(hex, seed, 32);
    cr_assert_str_eq(c.seed_text, hex);
    cr_assert_eq(memcmp(c.seed_be + 32, seed, 32), 0, "the whole 256-bit seed, big-endian");
    cr_assert(c.dump_tape && !c.dump_avgbals && !c.dump_blotters && !c.dump_lobs && !c.dump_strats);
    cr_assert_eq(c.start_time, 0.0);
    cr_assert_eq(c.end_time, 60.0);

    /* the JSON a verifier or `pouw explain` writes parses back to the same session */
    char *js = bse_case_to_json(&c);
    bse_case back;
    cr_assert_eq(bse_case_parse(&back, js, strlen(js), "rt", NULL, &err), BSE_CONFIG_OK, "%s", err.msg);
    char *js2 = bse_case_to_json(&back);
    cr_assert_str_eq(js, js2);
    pouw_session_out a, b;
    cr_assert_eq(pouw_session_eval(&a, &err, &c, seed), POUW_OK);
    cr_assert_eq(pouw_session_eval(&b, &err, &back, seed), POUW_OK);
    cr_assert_eq(memcmp(a.digest, b.digest, 32), 0);
    free(js);
    free(js2);
}

Test(pouw_env, bad_templates_are_rejected_naming_the_field)
{
    uint8_t seed[32] = {1};
    bse_case c;
    common_error err;
    pouw_template t = {0.0, 10.0, BSE_TIME_PERIODIC};
    cr_assert_eq(pouw_env_generate(&c, NULL, &err, &t, seed, 0), POUW_ECONFIG);
    cr_assert_str_eq(err.field, "template.duration");
    t = (pouw_template){60.0, NAN, BSE_TIME_PERIODIC};
    cr_assert_eq(pouw_env_generate(&c, NULL, &err, &t, seed, 0), POUW_ECONFIG);
    cr_assert_str_eq(err.field, "template.interval");
    t = (pouw_template){60.0, 10.0, (bse_timemode)9};
    cr_assert_eq(pouw_env_generate(&c, NULL, &err, &t, seed, 0), POUW_ECONFIG);
    cr_assert_str_eq(err.field, "template.timemode");
    cr_assert_eq(c.n_entries[0], 0, "the case is zeroed on error");
}

/* ---------------------------------------------------------------- jobs */

static bse_case standard_job(const char *case_id, const char *seed)
{
    char js[1200];
    snprintf(js, sizeof js,
             "{\"case_id\":\"%s\",\"seed\":%s,\"start_time\":0.0,\"end_time\":600.0,"
             "\"trader_spec\":{\"buyers\":[[\"ZIC\",10,null],[\"ZIP\",10,null],[\"SHVR\",10,null],[\"GVWY\",10]],"
             "\"sellers\":[[\"ZIC\",10,null],[\"ZIP\",10,null],[\"SHVR\",10,null],[\"GVWY\",10,null]]},"
             "\"order_schedule\":{\"sup\":[{\"from\":0,\"to\":600,\"ranges\":[[50,150]],\"stepmode\":\"fixed\"}],"
             "\"dem\":[{\"from\":0,\"to\":600,\"ranges\":[[50,150]],\"stepmode\":\"fixed\"}],\"interval\":30,"
             "\"timemode\":\"periodic\"},\"dump_flags\":{\"dump_blotters\":true,\"dump_lobs\":false,"
             "\"dump_strats\":false,\"dump_avgbals\":true,\"dump_tape\":true}}",
             case_id, seed);
    bse_case c;
    common_error err;
    cr_assert_eq(bse_case_parse(&c, js, strlen(js), "job", NULL, &err), BSE_CONFIG_OK, "%s: %s", err.field, err.msg);
    return c;
}

Test(pouw_job, canonical_form_and_digest_match_python_whatever_the_id_seed_and_flags)
{
    bse_case a = standard_job("std-s0", "0"), b = standard_job("mine", "12345");
    uint8_t da[32], db[32];
    common_error err;
    cr_assert_eq(pouw_job_digest(da, &err, &a), POUW_OK, "%s", err.msg);
    cr_assert_eq(pouw_job_digest(db, &err, &b), POUW_OK);
    assert_hex(da, 32, PV_JOB_DIGEST, "job digest");
    cr_assert_eq(memcmp(da, db, 32), 0);
    bse_case canon;
    cr_assert_eq(pouw_job_canonicalize(&canon, &err, &a), POUW_OK);
    char *js = bse_case_to_json(&canon);
    cr_assert_str_eq(js, PV_JOB_CANONICAL_JSON);
    free(js);
    /* canonicalising is idempotent */
    uint8_t dc[32];
    cr_assert_eq(pouw_job_digest(dc, &err, &canon), POUW_OK);
    cr_assert_eq(memcmp(da, dc, 32), 0);
}

Test(pouw_job, changing_the_market_changes_the_digest_and_invalid_jobs_are_refused)
{
    bse_case a = standard_job("x", "0"), b = a;
    b.zones[BSE_SCHED_SUP][0].ranges[0].hi = 151;
    uint8_t da[32], db[32];
    common_error err;
    cr_assert_eq(pouw_job_digest(da, &err, &a), POUW_OK);
    cr_assert_eq(pouw_job_digest(db, &err, &b), POUW_OK);
    cr_assert_neq(memcmp(da, db, 32), 0);
    b = a;
    b.entries[BSE_SIDE_BUYERS][0].n = 1; /* 1 + 30 buyers is fine, but one side of 1 is not */
    b.n_entries[BSE_SIDE_BUYERS] = 1;
    cr_assert_eq(pouw_job_digest(db, &err, &b), POUW_ECONFIG);
    cr_assert_str_eq(err.field, "trader_spec.buyers");
    for (int i = 0; i < 32; i++)
        cr_assert_eq(db[i], 0);
}

Test(pouw_job, sessions_of_a_job_run_the_job_with_the_session_seed)
{
    bse_case job = standard_job("x", "0"), canon;
    common_error err;
    cr_assert_eq(pouw_job_canonicalize(&canon, &err, &job), POUW_OK);
    pouw_work w = {{0, 0, BSE_TIME_PERIODIC}, &canon};
    uint8_t seed[32];
    fixed_prehash(seed, "job-seed");
    bse_case c;
    cr_assert_eq(pouw_session_case(&c, &err, &w, seed, 1), POUW_OK, "%s", err.msg);
    cr_assert_str_eq(c.case_id, "s1");
    cr_assert_eq(memcmp(c.seed_be + 32, seed, 32), 0);
    cr_assert_eq(c.end_time, 600.0);
    cr_assert_eq(bse_case_count(&c, BSE_SIDE_BUYERS), 40);
    cr_assert(c.dump_tape && !c.dump_avgbals && !c.dump_blotters);
}

/* ---------------------------------------------------------------- sessions */

Test(pouw_session, record_digest_pps_and_useful_output_follow_the_spec)
{
    uint8_t seed[32];
    fixed_prehash(seed, "session-spec");
    pouw_work w = {tiny_template(), NULL};
    bse_case c;
    common_error err;
    cr_assert_eq(pouw_session_case(&c, &err, &w, seed, 0), POUW_OK);
    pouw_session_out so;
    cr_assert_eq(pouw_session_eval(&so, &err, &c, seed), POUW_OK);

    bse_result r;
    cr_assert_eq(bse_session_run(&c, &r, &err), BSE_SESSION_OK);
    /* d_i = SHA-256(tape || final line) */
    size_t n = r.tape.len + r.final_line.len;
    char *cat = malloc(n + 1);
    memcpy(cat, r.tape.data, r.tape.len);
    memcpy(cat + r.tape.len, r.final_line.data, r.final_line.len);
    uint8_t d[32];
    cr_assert_eq(pouw_sha256(d, cat, n), POUW_OK);
    free(cat);
    cr_assert_eq(memcmp(d, so.digest, 32), 0);
    /* pps_i = sum of the per-type means of the final line / duration */
    double sum = 0;
    for (int k = 0; k < r.n_types; k++)
        sum += r.types[k].mean;
    cr_assert_eq(so.pps, sum / 60.0);
    cr_assert(so.pps > 0);
    cr_assert_eq(so.n_trades, r.n_trades);
    cr_assert_eq(memcmp(so.seed, seed, 32), 0);
    for (int s = 0; s < 2; s++) {
        cr_assert_eq(so.best[s].valid, r.best[s].valid);
        cr_assert_str_eq(so.best[s].csv, r.best[s].csv);
    }
    cr_assert(so.best[0].valid && so.best[1].valid, "an adaptive trader is always present on both sides");
    cr_assert(!strcmp(so.best[0].type, "PRSH") || !strcmp(so.best[0].type, "PRDE"));
    cr_assert_eq(so.best[0].tid[0], 'B');
    cr_assert_eq(so.best[1].tid[0], 'S');
    bse_result_free(&r);
}

/* Must-show 1: d_i and pps_micro pinned for a fixed pre-hash (re-pinned for the
 * equal-cost environments of consensus v2, spec s11.11). */
Test(pouw_attempt, pinned_digests_and_scores_for_a_fixed_prehash)
{
    uint8_t pre[32];
    fixed_prehash(pre, "pouw-attempt-vector");
    assert_hex(pre, 32, "12ac80e1da74dd599ed8d7ddf59b386ab6d266c8f81f52992ef67870f715ac0f", "pre_hash");
    static pouw_attempt a;
    common_error err;
    pouw_work w = {tiny_template(), NULL};
    cr_assert_eq(pouw_attempt_run(&a, &err, &w, pre, 2, 1), POUW_OK, "%s", err.msg);
    assert_hex(a.s[0].digest, 32, "fd3acb6386828514c426f7a41eae790cb94893b5c9d326d80ecc466ec305aa3e", "d_0");
    assert_hex(a.s[1].digest, 32, "ac14c00723ec8109aa78b6bc57cc108fe4226d6289645d1f23a5c29eb29bb7ad", "d_1");
    cr_assert_eq(a.s[0].pps, 27.00376984126984);
    cr_assert_eq(a.s[1].pps, 24.782341269841268);
    cr_assert_eq(a.s[0].n_trades, 106);
    cr_assert_eq(a.s[1].n_trades, 96);
    cr_assert_eq(a.pps, 25.893055555555556);
    cr_assert_eq(a.pps_micro, 25893055);
    assert_hex(a.outcome, 32, "4510c811996edbfb115469661fda62d75a1bddf9cbfbdcf35270234f9bf68595", "outcome");
    assert_hex(a.post_hash, 32, "3fbb9e9e38c169fbe2dc5d90149d8a1e239b7efd3557a055c635de582948dad9", "post_hash");

    /* and the formulas tying them together */
    uint8_t cat[64], outcome[32], post[32];
    memcpy(cat, a.s[0].digest, 32);
    memcpy(cat + 32, a.s[1].digest, 32);
    cr_assert_eq(pouw_sha256(outcome, cat, 64), POUW_OK);
    cr_assert_eq(memcmp(outcome, a.outcome, 32), 0);
    cr_assert_eq(a.pps, (a.s[0].pps + a.s[1].pps) / 2.0);
    cr_assert_eq(a.pps_micro, (int64_t)floor(a.pps * 1e6));
    cr_assert_eq(pouw_post_hash(post, pre, outcome, a.pps_micro), POUW_OK);
    cr_assert_eq(memcmp(post, a.post_hash, 32), 0);
}

Test(pouw_attempt, pinned_vector_for_the_alphacoin_template)
{
    uint8_t pre[32];
    fixed_prehash(pre, "pouw-attempt-vector");
    static pouw_attempt a;
    common_error err;
    pouw_work w = {{7200.0, 30.0, BSE_TIME_PERIODIC}, NULL};
    cr_assert_eq(pouw_attempt_run(&a, &err, &w, pre, 2, 2), POUW_OK, "%s", err.msg);
    assert_hex(a.s[0].digest, 32, "b805f1963d6fa95d14a6c2749333b1d4a0d5b88cf068d9caae95c9020ace5761", "d_0");
    assert_hex(a.s[1].digest, 32, "ac304480335de13ff9c4b0eb789a022018427e59e9ab131d76a582a25c7bb518", "d_1");
    cr_assert_eq(a.s[0].n_trades, 5323);
    cr_assert_eq(a.s[1].n_trades, 4886);
    cr_assert_eq(a.pps_micro, 10830813);
    assert_hex(a.post_hash, 32, "f485aa2d3adbe89c605de02d14a2a1eb43af3b8b0fa49016424a82a3fbdc42a2", "post_hash");
}

Test(pouw_attempt, results_do_not_depend_on_the_number_of_threads)
{
    uint8_t pre[32];
    fixed_prehash(pre, "threads");
    pouw_work w = {tiny_template(), NULL};
    static pouw_attempt ref, a;
    common_error err;
    cr_assert_eq(pouw_attempt_run(&ref, &err, &w, pre, 7, 1), POUW_OK);
    const unsigned threads[] = {2, 3, 4, 7, 16};
    for (size_t k = 0; k < NELEM(threads); k++) {
        cr_assert_eq(pouw_attempt_run(&a, &err, &w, pre, 7, threads[k]), POUW_OK);
        cr_assert_eq(memcmp(&a, &ref, sizeof a), 0, "%u threads give another attempt", threads[k]);
    }
    for (uint32_t i = 1; i < 7; i++)
        cr_assert_neq(memcmp(ref.s[i].digest, ref.s[0].digest, 32), 0, "sessions differ");
}

Test(pouw_attempt, session_count_outside_one_to_sixty_four_is_refused)
{
    uint8_t pre[32] = {0};
    pouw_work w = {tiny_template(), NULL};
    static pouw_attempt a;
    common_error err;
    cr_assert_eq(pouw_attempt_run(&a, &err, &w, pre, 0, 1), POUW_ELIMIT);
    cr_assert_str_eq(err.field, "sessions");
    cr_assert_eq(pouw_attempt_run(&a, &err, &w, pre, POUW_MAX_SESSIONS + 1, 1), POUW_ELIMIT);
    cr_assert_eq(a.n, 0);
}

Test(pouw_attempt, a_session_failure_names_the_lowest_failing_session)
{
    uint8_t pre[32] = {0};
    pouw_work w = {{60.0, -1.0, BSE_TIME_PERIODIC}, NULL}; /* every session's template is bad */
    static pouw_attempt a;
    common_error err;
    cr_assert_eq(pouw_attempt_run(&a, &err, &w, pre, 5, 4), POUW_ECONFIG);
    cr_assert(strncmp(err.field, "session 0", 9) == 0, "field %s", err.field);
    cr_assert_eq(a.n, 0, "zeroed on error");
}

/* ---------------------------------------------------------------- validity */

Test(pouw_valid, pps_mode_passes_at_and_above_the_threshold)
{
    pouw_header h;
    memset(&h, 0, sizeof h);
    h.mode = POUW_MODE_PPS;
    h.pps_threshold_micro = 5000000;
    uint8_t post[32];
    memset(post, 0xff, 32);
    int v = -1;
    cr_assert_eq(pouw_attempt_valid(&v, &h, 5000000, post), POUW_OK);
    cr_assert_eq(v, 1);
    cr_assert_eq(pouw_attempt_valid(&v, &h, 4999999, post), POUW_OK);
    cr_assert_eq(v, 0);
    h.mode = 7;
    cr_assert_eq(pouw_attempt_valid(&v, &h, 9999999, post), POUW_ERANGE);
    cr_assert_eq(v, 0);
}

Test(pouw_valid, lottery_mode_needs_the_floor_and_the_post_target)
{
    pouw_header h;
    memset(&h, 0, sizeof h);
    h.mode = POUW_MODE_LOTTERY;
    h.pps_threshold_micro = 1000000;
    h.post_bits = 0x1f00ffff; /* target 0xffff x 256^28: bytes 0 and 1 zero, then <= ff ff */
    uint8_t low[32] = {0}, high[32] = {0};
    low[2] = 0xff;
    low[3] = 0xfe;
    high[1] = 0x01;
    int v;
    cr_assert_eq(pouw_attempt_valid(&v, &h, 1000000, low), POUW_OK);
    cr_assert_eq(v, 1);
    cr_assert_eq(pouw_attempt_valid(&v, &h, 1000000, high), POUW_OK);
    cr_assert_eq(v, 0, "above the post target");
    cr_assert_eq(pouw_attempt_valid(&v, &h, 999999, low), POUW_OK);
    cr_assert_eq(v, 0, "below the usefulness floor");
    h.post_bits = 0x01fedcba; /* negative */
    cr_assert_eq(pouw_attempt_valid(&v, &h, 1000000, low), POUW_EBITS_NEGATIVE);
}

/* ---------------------------------------------------------------- mining */

typedef struct progress_log {
    uint64_t calls, stop_after;
} progress_log;

static int count_progress(void *user, const pouw_mine_stats *st)
{
    progress_log *l = user;
    l->calls++;
    cr_assert_eq(st->attempts, l->calls);
    return l->stop_after && l->calls >= l->stop_after;
}

static pouw_mine_params tiny_mine_params(int64_t threshold)
{
    pouw_mine_params p;
    memset(&p, 0, sizeof p);
    p.header.version = POUW_HEADER_VERSION;
    p.header.chain_id = 7;
    p.header.height = 1;
    p.header.prehash_bits = 0x207fffff;
    p.header.pps_threshold_micro = threshold;
    p.header.mode = POUW_MODE_PPS;
    p.header.sessions = 2;
    p.work.tmpl = tiny_template();
    p.min_time_ms = 1735689600001ull;
    p.threads = 2;
    return p;
}

Test(pouw_mine, finds_a_valid_attempt_reproducibly_with_a_fixed_clock)
{
    pouw_mine_params p = tiny_mine_params(20000000);
    progress_log log = {0, 0};
    p.progress = count_progress;
    p.progress_user = &log;
    pouw_header h1, h2;
    static pouw_attempt a1, a2;
    pouw_mine_stats s1, s2;
    common_error err;
    cr_assert_eq(pouw_mine(&h1, &a1, &s1, &err, &p), POUW_OK, "%s", err.msg);
    log.calls = 0;
    cr_assert_eq(pouw_mine(&h2, &a2, &s2, &err, &p), POUW_OK);
    cr_assert_eq(memcmp(&h1, &h2, sizeof h1), 0);
    cr_assert_eq(memcmp(&a1, &a2, sizeof a1), 0);
    cr_assert_eq(h1.time_ms, p.min_time_ms);
    cr_assert(a1.pps_micro >= 20000000);
    cr_assert_eq(s1.attempts, log.calls);
    cr_assert(s1.prehash_tries >= s1.attempts);
    uint8_t pre[32];
    cr_assert_eq(pouw_prehash(pre, &h1), POUW_OK);
    cr_assert_eq(memcmp(pre, a1.pre_hash, 32), 0, "the attempt ran on the header's pre-hash");
    int v;
    cr_assert_eq(pouw_attempt_valid(&v, &h1, a1.pps_micro, a1.post_hash), POUW_OK);
    cr_assert_eq(v, 1);
}

Test(pouw_mine, gives_up_after_max_attempts_or_when_asked)
{
    pouw_mine_params p = tiny_mine_params(900000000); /* 900 PPS: never */
    p.max_attempts = 3;
    pouw_header h;
    static pouw_attempt a;
    pouw_mine_stats st;
    common_error err;
    cr_assert_eq(pouw_mine(&h, &a, &st, &err, &p), POUW_ENOTFOUND);
    cr_assert_eq(st.attempts, 3);
    cr_assert(st.best_pps_micro > 0 && st.best_pps_micro < 900000000);
    cr_assert_eq(h.nonce, 0);
    cr_assert_eq(a.n, 0);
    cr_assert_neq(strstr(err.msg, "3 attempts"), NULL, "%s", err.msg);

    progress_log log = {0, 2};
    p.max_attempts = 0;
    p.progress = count_progress;
    p.progress_user = &log;
    cr_assert_eq(pouw_mine(&h, &a, &st, &err, &p), POUW_ENOTFOUND);
    cr_assert_eq(st.attempts, 2);
}

static uint64_t ticking_clock(void *user)
{
    uint64_t *t = user;
    return (*t += 1000);
}

Test(pouw_mine, reads_the_clock_every_attempt_and_never_goes_below_the_minimum)
{
    pouw_mine_params p = tiny_mine_params(900000000);
    p.max_attempts = 2;
    uint64_t t = 5; /* a clock far in the past */
    p.clock_ms = ticking_clock;
    p.clock_user = &t;
    pouw_header h;
    static pouw_attempt a;
    pouw_mine_stats st;
    cr_assert_eq(pouw_mine(&h, &a, &st, NULL, &p), POUW_ENOTFOUND);
    cr_assert(t > 5, "the clock was read");

    p = tiny_mine_params(0);
    t = p.min_time_ms + 50000;
    p.clock_ms = ticking_clock;
    p.clock_user = &t;
    cr_assert_eq(pouw_mine(&h, &a, &st, NULL, &p), POUW_OK);
    cr_assert_eq(h.time_ms, t, "time_ms is the clock's reading");
}

Test(pouw_mine, refuses_bad_parameters)
{
    pouw_mine_params p = tiny_mine_params(0);
    pouw_header h;
    static pouw_attempt a;
    pouw_mine_stats st;
    common_error err;
    p.header.sessions = 0;
    cr_assert_eq(pouw_mine(&h, &a, &st, &err, &p), POUW_ELIMIT);
    p = tiny_mine_params(0);
    p.header.mode = 3;
    cr_assert_eq(pouw_mine(&h, &a, &st, &err, &p), POUW_ERANGE);
    p = tiny_mine_params(0);
    p.header.prehash_bits = 0x01fedcba;
    cr_assert_eq(pouw_mine(&h, &a, &st, &err, &p), POUW_EBITS_NEGATIVE);
}

Test(pouw_status, every_code_has_a_name_including_the_consensus_ones)
{
    for (int s = POUW_OK; s <= POUW_STATUS_LAST; s++)
        cr_assert_str_neq(pouw_status_str((pouw_status)s), "unknown status", "code %d", s);
}

/* Must-show (spec s11.11): every seed's session costs the same. BSE's loop takes
 * one trader step per time step of 1 / (buyers + sellers) and calls respond() on
 * every trader each step, so with 2N traders of which 2A responders the trader
 * steps (n_steps) and the responder calls (n_steps x 2A) must be equal for every
 * seed; counted here from the sessions themselves. */
Test(pouw_env, trader_steps_and_responder_calls_are_equal_for_every_seed)
{
    pouw_template t = tiny_template();
    int64_t steps0 = -1, calls0 = -1;
    for (uint32_t k = 0; k < 40; k++) {
        uint8_t pre[32], seed[32];
        char tag[32];
        snprintf(tag, sizeof tag, "equal-cost-%u", (unsigned)k);
        fixed_prehash(pre, tag);
        cr_assert_eq(pouw_session_seed(seed, pre, 0), POUW_OK);
        static bse_case c;
        common_error err;
        cr_assert_eq(pouw_env_generate(&c, NULL, &err, &t, seed, 0), POUW_OK, "%s", err.msg);
        int64_t responders = 0, traders = 0;
        for (int side = BSE_SIDE_BUYERS; side <= BSE_SIDE_SELLERS; side++)
            for (int32_t i = 0; i < c.n_entries[side]; i++) {
                bse_ttype ty = c.entries[side][i].type;
                traders += c.entries[side][i].n;
                if (ty == BSE_T_ZIP || ty == BSE_T_PRZI || ty == BSE_T_PRSH || ty == BSE_T_PRDE)
                    responders += c.entries[side][i].n;
            }
        cr_assert_eq(traders, 2 * POUW_ENV_TRADERS);
        cr_assert_eq(responders, 2 * POUW_ENV_RESPONDERS);
        bse_result r;
        common_error berr;
        cr_assert_eq(bse_session_run(&c, &r, &berr), BSE_SESSION_OK, "%s", berr.msg);
        int64_t calls = r.n_steps * responders;
        if (steps0 < 0) {
            steps0 = r.n_steps;
            calls0 = calls;
        }
        cr_assert_eq(r.n_steps, steps0, "seed %u: %lld trader steps, seed 0 %lld", (unsigned)k, (long long)r.n_steps,
                     (long long)steps0);
        cr_assert_eq(calls, calls0, "seed %u: responder calls differ", (unsigned)k);
        bse_result_free(&r);
    }
    cr_assert_gt(steps0, 0);
}
