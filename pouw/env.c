/* pouw/env.c - generated session environments, committed jobs and session cases
 * (see env.h; spec pouw.md s3-s4). The draw order below is consensus: it is
 * reproduced by tests/vectors/make_pouw_env_vectors.py with CPython's random. */
#include "pouw/env.h"

#include <assert.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bse/rng.h"
#include "pouw/assumptions.h"
#include "pouw/seed.h"

/* The candidate types, in draw order (spec s3 and s11.11; ZIPSH left out: see
 * env.h): the plain traders, then the responders (the adaptive types whose
 * respond() learns: ZIP, PRZI, PRSH, PRDE). */
static const bse_ttype ENV_TYPES[] = {BSE_T_GVWY, BSE_T_ZIC,  BSE_T_SHVR, BSE_T_SNPR,
                                      BSE_T_ZIP,  BSE_T_PRZI, BSE_T_PRSH, BSE_T_PRDE};
#define ENV_NTYPES (sizeof ENV_TYPES / sizeof ENV_TYPES[0])
#define ENV_PLAIN (ENV_TYPES + 0)
#define ENV_RESPONDERS (ENV_TYPES + 4)

/* One group of four types sharing `total` traders per side (env.h, the draw):
 * each type present with probability 1/2; when none is (plain group) or neither
 * PRSH nor PRDE is (responders, adaptive 1), one is forced in; each present type
 * gets POUW_ENV_MIN_PER_TYPE, then the rest one trader at a time to a present
 * type drawn uniformly. Returns: 1 when a type was forced in. */
static int draw_group(int32_t count[BSE_T_COUNT], bse_rng *rng, const bse_ttype *types, int32_t total, int adaptive)
{
    bse_ttype present[4];
    int m = 0, forced = 0;
    for (int k = 0; k < 4; k++)
        if (bse_rng_random(rng) < 0.5)
            present[m++] = types[k];
    int has_adaptive = 0;
    for (int k = 0; k < m; k++)
        has_adaptive |= present[k] == BSE_T_PRSH || present[k] == BSE_T_PRDE;
    if (adaptive && !has_adaptive) {
        bse_ttype t = bse_rng_random(rng) < 0.5 ? BSE_T_PRSH : BSE_T_PRDE;
        int at = m;
        while (at > 0 && t < present[at - 1]) /* keep the draw order (PRSH < PRDE in the enum) */
            at--;
        for (int k = m; k > at; k--)
            present[k] = present[k - 1];
        present[at] = t;
        m++;
        forced = 1;
    } else if (!adaptive && m == 0) {
        present[m++] = types[bse_rng_randint(rng, 0, 3)];
        forced = 1;
    }
    for (int k = 0; k < m; k++)
        count[present[k]] = POUW_ENV_MIN_PER_TYPE;
    for (int32_t j = m * POUW_ENV_MIN_PER_TYPE; j < total; j++)
        count[present[bse_rng_randint(rng, 0, m - 1)]]++;
    return forced;
}

/* The consensus dump flags and the session's case id and seed. */
static pouw_status set_identity(bse_case *c, common_error *err, const uint8_t seed32[POUW_SHA256_BYTES], uint32_t index)
{
    snprintf(c->case_id, sizeof c->case_id, "s%u", (unsigned)index);
    char hex[POUW_SHA256_HEX];
    pouw_hex_encode(hex, seed32, POUW_SHA256_BYTES);
    if (bse_case_set_seed(c, BSE_SEED_HEX256, hex, err) != BSE_CONFIG_OK)
        return POUW_ECONFIG; /* cannot happen for 64 hex digits */
    c->dump_tape = 1;
    c->dump_blotters = c->dump_lobs = c->dump_strats = c->dump_avgbals = 0;
    return POUW_OK;
}

static void add_entry(bse_case *c, int side, bse_ttype t, int32_t n)
{
    bse_trader_entry *e = &c->entries[side][c->n_entries[side]++];
    memset(e, 0, sizeof *e);
    e->type = t;
    e->n = n;
    e->k = 1; /* what the case parser gives an entry without k */
    if (t == BSE_T_PRZI || t == BSE_T_PRSH || t == BSE_T_PRDE) {
        e->has_params = 1 | 2; /* params object with s_min and s_max */
        e->s_min = -1.0;
        e->s_max = 1.0;
        if (t != BSE_T_PRZI) {
            e->has_k = 1;
            e->k = t == BSE_T_PRSH ? POUW_ENV_K_PRSH : POUW_ENV_K_PRDE;
        }
    }
}

static void set_zone(bse_case *c, int s, double duration, int64_t lo, int64_t hi)
{
    c->n_zones[s] = 1;
    bse_zone *z = &c->zones[s][0];
    memset(z, 0, sizeof *z);
    z->from = 0.0;
    z->to = duration;
    z->nranges = 1;
    z->ranges[0].lo = lo;
    z->ranges[0].hi = hi;
    z->stepmode = BSE_STEP_FIXED;
}

static pouw_status check_template(common_error *err, const pouw_template *t)
{
    if (!(isfinite(t->duration) && t->duration > 0 && t->duration <= 1e8))
        return (pouw_status)common_error_set(err, POUW_ECONFIG, "", "template.duration",
                                          "session duration must be a positive number of seconds (got %g)",
                                          t->duration);
    if (!(isfinite(t->interval) && t->interval > 0 && t->interval <= 1e8))
        return (pouw_status)common_error_set(err, POUW_ECONFIG, "", "template.interval",
                                          "schedule interval must be a positive number of seconds (got %g)",
                                          t->interval);
    if (t->timemode < BSE_TIME_PERIODIC || t->timemode > BSE_TIME_DRIP_POISSON)
        return (pouw_status)common_error_set(err, POUW_ECONFIG, "", "template.timemode", "unknown time mode %d",
                                          (int)t->timemode);
    return POUW_OK;
}

/* The draws of version 1's generator (s3): each type present with probability 1/2,
 * 2..10 traders each, PRSH or PRDE forced in when neither came. */
static void draw_v1(pouw_env_draw *d, bse_rng *rng)
{
    for (size_t k = 0; k < ENV_NTYPES; k++)
        if (bse_rng_random(rng) < 0.5)
            d->count[ENV_TYPES[k]] = (int32_t)bse_rng_randint(rng, 2, 10);
    if (d->count[BSE_T_PRSH] == 0 && d->count[BSE_T_PRDE] == 0) {
        bse_ttype t = bse_rng_random(rng) < 0.5 ? BSE_T_PRSH : BSE_T_PRDE;
        d->count[t] = (int32_t)bse_rng_randint(rng, 2, 10);
        d->forced = 1;
    }
}

static pouw_status env_build(bse_case *out, pouw_env_draw *draw, common_error *err, const pouw_template *tmpl,
                             const uint8_t session_seed32[POUW_SHA256_BYTES], uint32_t index, int v1)
{
    assert(out && tmpl && session_seed32);
    memset(out, 0, sizeof *out);
    pouw_env_draw d;
    memset(&d, 0, sizeof d);
    if (draw)
        memset(draw, 0, sizeof *draw);
    common_error_clear(err);
    pouw_status st = check_template(err, tmpl);
    if (st != POUW_OK)
        return st;

    uint8_t env_seed[POUW_SHA256_BYTES];
    if ((st = pouw_environment_seed(env_seed, session_seed32)) != POUW_OK)
        return (pouw_status)common_error_set(err, st, "", "", "environment seed: %s", pouw_status_str(st));
    bse_rng rng;
    if (bse_rng_init(&rng) != BSE_RNG_OK)
        return (pouw_status)common_error_set(err, POUW_ENOMEM, "", "", "out of memory (generator)");
    bse_rng_seed_be(&rng, env_seed, sizeof env_seed);

    d.sup_lo = bse_rng_randint(&rng, 20, 80);
    d.sup_hi = bse_rng_randint(&rng, d.sup_lo, 150);
    d.dem_lo = bse_rng_randint(&rng, d.sup_hi, 200);
    d.dem_hi = bse_rng_randint(&rng, d.dem_lo, 300);
    if (v1) {
        draw_v1(&d, &rng);
    } else {
        /* s11.11: exactly POUW_ENV_TRADERS per side, POUW_ENV_RESPONDERS of them responders */
        int forced_plain = draw_group(d.count, &rng, ENV_PLAIN, POUW_ENV_TRADERS - POUW_ENV_RESPONDERS, 0);
        d.forced = draw_group(d.count, &rng, ENV_RESPONDERS, POUW_ENV_RESPONDERS, 1);
        (void)forced_plain;
    }
    bse_rng_clear(&rng);

    if ((st = set_identity(out, err, session_seed32, index)) != POUW_OK)
        goto fail;
    out->start_time = 0.0;
    out->end_time = tmpl->duration;
    for (int side = BSE_SIDE_BUYERS; side <= BSE_SIDE_SELLERS; side++)
        for (size_t k = 0; k < ENV_NTYPES; k++)
            if (d.count[ENV_TYPES[k]] > 0)
                add_entry(out, side, ENV_TYPES[k], d.count[ENV_TYPES[k]]);
    set_zone(out, BSE_SCHED_SUP, tmpl->duration, d.sup_lo, d.sup_hi);
    set_zone(out, BSE_SCHED_DEM, tmpl->duration, d.dem_lo, d.dem_hi);
    out->interval = tmpl->interval;
    out->timemode = tmpl->timemode;
    if (bse_case_validate(out, out->case_id, err) != BSE_CONFIG_OK) {
        st = POUW_ECONFIG;
        if (err)
            err->code = POUW_ECONFIG;
        goto fail;
    }
    if (draw)
        *draw = d;
    return POUW_OK;
fail:
    memset(out, 0, sizeof *out);
    return st;
}

pouw_status pouw_env_generate(bse_case *out, pouw_env_draw *draw, common_error *err, const pouw_template *tmpl,
                              const uint8_t session_seed32[POUW_SHA256_BYTES], uint32_t index)
{
    return env_build(out, draw, err, tmpl, session_seed32, index, 0);
}

pouw_status pouw_env_generate_v1(bse_case *out, pouw_env_draw *draw, common_error *err, const pouw_template *tmpl,
                                 const uint8_t session_seed32[POUW_SHA256_BYTES], uint32_t index)
{
    return env_build(out, draw, err, tmpl, session_seed32, index, 1);
}

pouw_status pouw_job_canonicalize(bse_case *canon, common_error *err, const bse_case *job)
{
    assert(canon && job);
    common_error_clear(err);
    bse_case tmp = *job; /* canon may alias job */
    static const uint8_t zero[POUW_SHA256_BYTES] = {0};
    pouw_status st = set_identity(&tmp, err, zero, 0);
    if (st != POUW_OK) {
        memset(canon, 0, sizeof *canon);
        return st;
    }
    snprintf(tmp.case_id, sizeof tmp.case_id, "%s", POUW_JOB_CASE_ID);
    if (bse_case_validate(&tmp, "job", err) != BSE_CONFIG_OK) {
        if (err)
            err->code = POUW_ECONFIG;
        memset(canon, 0, sizeof *canon);
        return POUW_ECONFIG;
    }
    char *json = bse_case_to_json(&tmp);
    if (!json) {
        memset(canon, 0, sizeof *canon);
        return (pouw_status)common_error_set(err, POUW_ENOMEM, "job", "", "out of memory");
    }
    bse_config_status cs = bse_case_parse(canon, json, strlen(json), "job", NULL, err);
    free(json);
    if (cs != BSE_CONFIG_OK) {
        if (err)
            err->code = cs == BSE_CONFIG_ENOMEM ? POUW_ENOMEM : POUW_ECONFIG;
        memset(canon, 0, sizeof *canon);
        return cs == BSE_CONFIG_ENOMEM ? POUW_ENOMEM : POUW_ECONFIG;
    }
    return POUW_OK;
}

pouw_status pouw_case_digest(uint8_t digest32[POUW_SHA256_BYTES], const bse_case *c)
{
    assert(digest32 && c);
    memset(digest32, 0, POUW_SHA256_BYTES);
    char *json = bse_case_to_json(c);
    if (!json)
        return POUW_ENOMEM;
    pouw_status st = pouw_sha256(digest32, json, strlen(json));
    free(json);
    return st;
}

pouw_status pouw_job_digest(uint8_t digest32[POUW_SHA256_BYTES], common_error *err, const bse_case *job)
{
    assert(digest32 && job);
    memset(digest32, 0, POUW_SHA256_BYTES);
    bse_case *canon = malloc(sizeof *canon);
    if (!canon)
        return (pouw_status)common_error_set(err, POUW_ENOMEM, "job", "", "out of memory");
    pouw_status st = pouw_job_canonicalize(canon, err, job);
    if (st == POUW_OK && (st = pouw_case_digest(digest32, canon)) != POUW_OK)
        common_error_set(err, st, "job", "", "digest: %s", pouw_status_str(st));
    free(canon);
    return st;
}

pouw_status pouw_session_case(bse_case *out, common_error *err, const pouw_work *w,
                              const uint8_t session_seed32[POUW_SHA256_BYTES], uint32_t index)
{
    assert(out && w && session_seed32);
    if (!w->job)
        return pouw_env_generate(out, NULL, err, &w->tmpl, session_seed32, index);
    common_error_clear(err);
    *out = *w->job;
    pouw_status st = set_identity(out, err, session_seed32, index);
    if (st == POUW_OK && bse_case_validate(out, out->case_id, err) != BSE_CONFIG_OK) {
        st = POUW_ECONFIG;
        if (err)
            err->code = POUW_ECONFIG;
    }
    if (st != POUW_OK)
        memset(out, 0, sizeof *out);
    return st;
}
