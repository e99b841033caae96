/* tests/test_bse_step_env.c - the environment API of bse/env.h (BSE-Trader-v0).
 *
 * Also built and run under ASan+UBSan by make test: create/reset/step/destroy and
 * the threaded vector must not leak or touch freed memory. Behaviours: episodes
 * are reproducible from the seed, observations stay inside the bounds, bad actions
 * are refused without changing anything, episodes terminate, the vector gives the
 * serial results, autopilot reproduces the slot type, files are written. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bse/env.h"

static const char CASE[] =
    "{\"case_id\": \"envt\", \"seed\": 0, \"seed_kind\": \"int\", \"start_time\": 0.0, \"end_time\": 120.0,"
    " \"trader_spec\": {\"buyers\": [[\"ZIC\", 4, null], [\"ZIP\", 4, null], [\"SHVR\", 4, null]],"
    "                   \"sellers\": [[\"ZIC\", 4, null], [\"ZIP\", 4, null], [\"GVWY\", 4, null]], \"proptraders\": []},"
    " \"order_schedule\": {\"sup\": [{\"from\": 0.0, \"to\": 120.0, \"ranges\": [[50, 150]], \"stepmode\": \"random\"}],"
    "                      \"dem\": [{\"from\": 0.0, \"to\": 120.0, \"ranges\": [[50, 150]], \"stepmode\": \"random\"}],"
    "                      \"interval\": 30, \"timemode\": \"drip-poisson\"},"
    " \"dump_flags\": {\"dump_blotters\": false, \"dump_lobs\": false, \"dump_strats\": false,"
    "                  \"dump_avgbals\": true, \"dump_tape\": true}}";

static bse_env *make_env(int32_t slot, int32_t slot_type, int autopilot)
{
    bse_env_options o = bse_env_options_default();
    o.slot = slot;
    o.slot_type = slot_type;
    o.autopilot = autopilot;
    bse_env *e = NULL;
    common_error err;
    cr_assert_eq(bse_env_create_json(&e, CASE, sizeof CASE - 1, "<test>", NULL, &o, &err), BSE_ENV_OK, "%s: %s",
                 err.field, err.msg);
    return e;
}

/* A fixed policy of the observation, so trajectories can be compared. */
static void policy(const float *obs, float *a)
{
    a[0] = obs[9] > 0.05f ? 1.0f : (obs[2] < 0.5f ? 0.5f : -0.5f);
    a[1] = obs[9] > 0.05f ? 0.0f : 0.15f;
}

/* Plays one episode; returns its profit and a checksum of the trajectory. */
static int64_t play(bse_env *e, uint64_t seed, double *sum, int64_t *steps)
{
    float obs[BSE_ENV_OBS_DIM], lo[BSE_ENV_OBS_DIM], hi[BSE_ENV_OBS_DIM], a[BSE_ENV_ACT_DIM];
    bse_env_obs_bounds(lo, hi);
    int32_t term = 0;
    common_error err;
    cr_assert_eq(bse_env_reset(e, seed, obs, &term, &err), BSE_ENV_OK, "%s", err.msg);
    *sum = 0;
    *steps = 0;
    double ret = 0;
    while (!term) {
        for (int k = 0; k < BSE_ENV_OBS_DIM; k++) {
            cr_assert(obs[k] >= lo[k] && obs[k] <= hi[k], "obs[%d] = %g outside [%g, %g]", k, obs[k], lo[k], hi[k]);
            *sum += (double)obs[k] * (double)(k + 1);
        }
        policy(obs, a);
        double r = 0;
        cr_assert_eq(bse_env_step(e, a, obs, &r, &term, &err), BSE_ENV_OK, "%s", err.msg);
        cr_assert(r >= 0);
        ret += r;
        *sum += r;
        (*steps)++;
        cr_assert(*steps < 1000000, "episode does not terminate");
    }
    bse_env_info info;
    bse_env_get_info(e, &info);
    cr_expect_eq((int64_t)ret, info.profit, "rewards sum to the episode profit");
    return info.profit;
}

Test(bse_env, same_seed_same_trajectory_and_observations_inside_bounds)
{
    bse_env *e = make_env(2, BSE_T_ZIC, 0);
    double s1, s2, s3;
    int64_t n1, n2, n3;
    int64_t p1 = play(e, 7, &s1, &n1);
    int64_t p2 = play(e, 7, &s2, &n2);
    (void)play(e, 8, &s3, &n3);
    cr_expect_eq(p1, p2);
    cr_expect_eq(s1, s2);
    cr_expect_eq(n1, n2);
    cr_expect(n1 > 10, "the agent decided %lld times", (long long)n1);
    cr_expect(s1 != s3 || n1 != n3, "another seed gives another episode");
    bse_env_destroy(e);
    bse_env_destroy(NULL);
}

Test(bse_env, bad_actions_are_refused_and_change_nothing)
{
    bse_env *e = make_env(0, BSE_T_ZIC, 0);
    float obs[BSE_ENV_OBS_DIM], obs2[BSE_ENV_OBS_DIM];
    int32_t term;
    double r;
    common_error err;
    const float good[2] = {1, 0.1f};
    cr_expect_eq(bse_env_step(e, good, obs, &r, &term, &err), BSE_ENV_ESTATE, "step before reset");
    cr_assert_eq(bse_env_reset(e, 3, obs, &term, &err), BSE_ENV_OK);
    bse_env_info before, after;
    bse_env_get_info(e, &before);
    const float bad[4][2] = {{NAN, 0}, {0, NAN}, {1.5f, 0}, {1, -0.01f}};
    for (int k = 0; k < 4; k++) {
        cr_expect_eq(bse_env_step(e, bad[k], obs2, &r, &term, &err), BSE_ENV_EACTION);
        cr_expect(strstr(err.field, "action[") != NULL, "%s", err.field);
        cr_expect(strstr(err.msg, "outside") != NULL, "%s", err.msg);
    }
    bse_env_get_info(e, &after);
    cr_expect_eq(before.time, after.time);
    cr_expect_eq(before.decisions, after.decisions);
    cr_expect_eq(bse_env_step(e, good, obs2, &r, &term, &err), BSE_ENV_OK, "usable after refusals");
    bse_env_destroy(e);
}

Test(bse_env, bad_options_and_cases_name_the_field)
{
    bse_env_options o = bse_env_options_default();
    o.slot = 24; /* 12 + 12 traders: 0..23 */
    bse_env *e = NULL;
    common_error err;
    cr_expect_eq(bse_env_create_json(&e, CASE, sizeof CASE - 1, "<test>", NULL, &o, &err), BSE_ENV_ECONFIG);
    cr_expect_str_eq(err.field, "options");
    cr_expect_null(e);
    const char broken[] = "{\"case_id\": \"x\"}";
    o = bse_env_options_default();
    cr_expect_eq(bse_env_create_json(&e, broken, sizeof broken - 1, "<broken>", NULL, &o, &err), BSE_ENV_ECONFIG);
    cr_expect_str_eq(err.path, "<broken>");
}

Test(bse_env, episode_end_writes_the_usual_files)
{
    bse_env *e = make_env(5, -1, 0);
    double s;
    int64_t n;
    common_error err;
    cr_expect_eq(bse_env_write_files(e, "/tmp", &err), BSE_ENV_ESTATE);
    (void)play(e, 11, &s, &n);
    char dir[] = "/tmp/bse_env_XXXXXX";
    cr_assert_not_null(mkdtemp(dir));
    cr_assert_eq(bse_env_write_files(e, dir, &err), BSE_ENV_OK, "%s", err.msg);
    char path[128];
    snprintf(path, sizeof path, "%s/envt_tape.csv", dir);
    cr_expect_eq(access(path, R_OK), 0);
    unlink(path);
    snprintf(path, sizeof path, "%s/envt_avg_balance.csv", dir);
    cr_expect_eq(access(path, R_OK), 0);
    unlink(path);
    rmdir(dir);
    float obs[BSE_ENV_OBS_DIM];
    const float a[2] = {1, 0};
    double r;
    int32_t term;
    cr_expect_eq(bse_env_step(e, a, obs, &r, &term, &err), BSE_ENV_ESTATE, "step after the end");
    bse_env_destroy(e);
}

Test(bse_env, vector_on_threads_equals_serial_runs_and_autoresets)
{
    enum { N = 6, T = 3 };
    bse_env *envs[N];
    for (int i = 0; i < N; i++)
        envs[i] = make_env(i, BSE_T_ZIC, 0);
    bse_env_vec *v = NULL;
    common_error err;
    cr_assert_eq(bse_env_vec_create(&v, envs, N, T, &err), BSE_ENV_OK);
    uint64_t seeds[N];
    for (int i = 0; i < N; i++)
        seeds[i] = 100 + (uint64_t)i;
    float obs[N * BSE_ENV_OBS_DIM], fin[N * BSE_ENV_OBS_DIM], act[N * BSE_ENV_ACT_DIM];
    double rew[N], prof[N], first[N];
    int32_t term[N], done[N] = {0};
    cr_assert_eq(bse_env_vec_reset(v, seeds, obs, term, &err), BSE_ENV_OK);
    int ndone = 0, resets = 0;
    for (int it = 0; ndone < N && it < 100000; it++) {
        for (int i = 0; i < N; i++)
            policy(obs + i * BSE_ENV_OBS_DIM, act + i * BSE_ENV_ACT_DIM);
        cr_assert_eq(bse_env_vec_step(v, act, obs, rew, term, fin, prof, &err), BSE_ENV_OK, "%s", err.msg);
        for (int i = 0; i < N; i++)
            if (term[i]) {
                resets++;
                if (!done[i]) {
                    done[i] = 1;
                    first[i] = prof[i];
                    ndone++;
                }
            }
    }
    cr_assert_eq(ndone, N);
    act[0] = NAN;
    cr_expect_eq(bse_env_vec_step(v, act, obs, rew, term, fin, prof, &err), BSE_ENV_EACTION);
    cr_expect(strstr(err.field, "env[0]") != NULL, "%s", err.field);
    bse_env_vec_destroy(v);
    bse_env_vec_destroy(NULL);
    for (int i = 0; i < N; i++) {
        double s;
        int64_t n;
        cr_expect_eq((double)play(envs[i], seeds[i], &s, &n), first[i], "env %d: vector and serial agree", i);
        bse_env_destroy(envs[i]);
    }
    cr_expect(resets >= N);
}

Test(bse_env, autopilot_trades_as_the_slot_type_and_ignores_actions)
{
    int64_t p[2];
    for (int k = 0; k < 2; k++) {
        bse_env *e = make_env(1, BSE_T_SHVR, 1);
        float obs[BSE_ENV_OBS_DIM];
        int32_t term;
        common_error err;
        cr_assert_eq(bse_env_reset(e, 5, obs, &term, &err), BSE_ENV_OK);
        const float junk[2] = {k ? NAN : 0.0f, 9};
        while (!term) {
            double r;
            cr_assert_eq(bse_env_step(e, junk, obs, &r, &term, &err), BSE_ENV_OK);
        }
        bse_env_info info;
        bse_env_get_info(e, &info);
        p[k] = info.profit;
        bse_env_destroy(e);
    }
    cr_expect_eq(p[0], p[1]);
}
