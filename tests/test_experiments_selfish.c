/* tests/test_experiments_selfish.c - E11's selfish-mining policy and race model
 * (experiments/selfish.h): the policy's transitions (Eyal and Sirer 2014, Algorithm 1),
 * the closed form and its profitability thresholds (1/3 at gamma 0, 1/4 at gamma 1/2),
 * the simulated revenue within the 95% CI of the theory at several points, the
 * thresholds seen in simulation, the honest control, the delay model's tie-win share,
 * determinism and the refusal of bad configs. */
#include <criterion/criterion.h>

#include <gsl/gsl_cdf.h>
#include <math.h>
#include <string.h>

#include "experiments/selfish.h"

#define ACT(a, k, n, c)                                                                                  \
    do {                                                                                                 \
        experiments_selfish_action a_ = (a);                                                             \
        cr_assert_eq(a_.act, (k), "act %d, expected %d", (int)a_.act, (int)(k));                         \
        cr_assert_eq(a_.publish, (n), "publish %lld, expected %lld", (long long)a_.publish, (long long)(n)); \
        cr_assert_eq(a_.committed, (c), "committed %lld, expected %lld", (long long)a_.committed,       \
                     (long long)(c));                                                                    \
    } while (0)

Test(selfish_policy, tie_race_won_by_the_pool)
{
    experiments_selfish_policy p;
    experiments_selfish_init(&p);
    ACT(experiments_selfish_on_own(&p), EXPERIMENTS_SELFISH_WAIT, 0, 0);
    cr_assert_eq(experiments_selfish_lead(&p), 1);
    ACT(experiments_selfish_on_other(&p, 0), EXPERIMENTS_SELFISH_PUBLISH, 1, 0); /* the race */
    cr_assert_eq(experiments_selfish_lead(&p), 0);
    ACT(experiments_selfish_on_own(&p), EXPERIMENTS_SELFISH_OVERRIDE, 2, 2);     /* wins by one */
    cr_assert_eq(p.priv + p.pub + p.published, 0);
}

Test(selfish_policy, tie_race_decided_by_honest_blocks)
{
    experiments_selfish_policy p;
    experiments_selfish_init(&p);
    experiments_selfish_on_own(&p);
    experiments_selfish_on_other(&p, 0);
    /* an honest block on the pool's block: the pool's block stays, the pool adopts */
    ACT(experiments_selfish_on_other(&p, 1), EXPERIMENTS_SELFISH_ADOPT, 0, 1);
    cr_assert_eq(p.priv + p.pub + p.published, 0);
    experiments_selfish_on_own(&p);
    experiments_selfish_on_other(&p, 0);
    /* an honest block on the honest branch: the pool loses its block */
    ACT(experiments_selfish_on_other(&p, 0), EXPERIMENTS_SELFISH_ADOPT, 0, 0);
    cr_assert_eq(p.priv + p.pub + p.published, 0);
    /* nothing private: adopt */
    ACT(experiments_selfish_on_other(&p, 0), EXPERIMENTS_SELFISH_ADOPT, 0, 0);
}

Test(selfish_policy, lead_two_overrides)
{
    experiments_selfish_policy p;
    experiments_selfish_init(&p);
    experiments_selfish_on_own(&p);
    ACT(experiments_selfish_on_own(&p), EXPERIMENTS_SELFISH_WAIT, 0, 0);
    ACT(experiments_selfish_on_other(&p, 0), EXPERIMENTS_SELFISH_OVERRIDE, 2, 2);
    cr_assert_eq(p.priv + p.pub + p.published, 0);
}

Test(selfish_policy, long_lead_matches_then_overrides)
{
    experiments_selfish_policy p;
    experiments_selfish_init(&p);
    for (int i = 0; i < 4; i++)
        ACT(experiments_selfish_on_own(&p), EXPERIMENTS_SELFISH_WAIT, 0, 0);
    ACT(experiments_selfish_on_other(&p, 0), EXPERIMENTS_SELFISH_PUBLISH, 1, 0); /* lead 4 -> match 1 */
    ACT(experiments_selfish_on_other(&p, 0), EXPERIMENTS_SELFISH_PUBLISH, 2, 0); /* lead 3 -> match 2 */
    ACT(experiments_selfish_on_other(&p, 0), EXPERIMENTS_SELFISH_OVERRIDE, 4, 4); /* lead 2 -> all */
    /* an honest block on the published prefix moves the fork point: 2 of 5 committed */
    experiments_selfish_init(&p);
    for (int i = 0; i < 5; i++)
        experiments_selfish_on_own(&p);
    experiments_selfish_on_other(&p, 0);                                          /* publish 1 */
    experiments_selfish_on_other(&p, 0);                                          /* publish 2 */
    ACT(experiments_selfish_on_other(&p, 1), EXPERIMENTS_SELFISH_PUBLISH, 1, 2); /* lead 3 left: match 1 */
    cr_assert_eq(p.priv, 3);
    cr_assert_eq(p.pub, 1);
    cr_assert_eq(experiments_selfish_lead(&p), 2);
}

Test(selfish_theory, closed_form_and_thresholds)
{
    cr_assert_float_eq(experiments_selfish_theory(1.0 / 3.0, 0.0), 1.0 / 3.0, 1e-12);
    cr_assert_float_eq(experiments_selfish_theory(0.25, 0.5), 0.25, 1e-12);
    cr_assert_float_eq(experiments_selfish_threshold(0.0), 1.0 / 3.0, 1e-12);
    cr_assert_float_eq(experiments_selfish_threshold(0.5), 0.25, 1e-12);
    cr_assert_float_eq(experiments_selfish_threshold(1.0), 0.0, 1e-12);
    cr_assert_float_eq(experiments_selfish_theory(0.0, 0.5), 0.0, 1e-12);
    cr_assert_float_eq(experiments_selfish_theory(0.5, 0.0), 1.0, 1e-12);
    /* the strategy pays exactly above the threshold */
    for (int g = 0; g <= 4; g++) {
        double gm = g / 4.0, t = experiments_selfish_threshold(gm);
        for (int i = 1; i < 50; i++) {
            double a = i / 100.0, r = experiments_selfish_theory(a, gm);
            if (a < t - 1e-9)
                cr_assert_lt(r, a, "alpha %g gamma %g", a, gm);
            else if (a > t + 1e-9)
                cr_assert_gt(r, a, "alpha %g gamma %g", a, gm);
        }
    }
    /* the closed form at alpha 0.4, gamma 0 */
    cr_assert_float_eq(experiments_selfish_theory(0.4, 0.0), 0.48372, 1e-5);
}

/* mean and 95% CI half-width of the revenue over runs seeds 1000 + k */
static void runs(experiments_selfish_cfg c, int n, double *m, double *h, double *gamma_seen)
{
    double v[64], s = 0, q = 0, th = 0, tp = 0;
    cr_assert(n <= 64);
    for (int k = 0; k < n; k++) {
        experiments_selfish_result r;
        common_error err;
        cr_assert_eq(experiments_selfish_run(&c, 1000 + (uint64_t)k * 7919, &r, &err), 0, "%s: %s", err.field, err.msg);
        cr_assert_eq(r.found, c.blocks);
        cr_assert(r.chain > 0 && r.chain <= r.found);
        v[k] = r.revenue;
        s += v[k];
        th += (double)r.ties_honest;
        tp += (double)r.ties_on_pool;
    }
    *m = s / n;
    for (int k = 0; k < n; k++)
        q += (v[k] - *m) * (v[k] - *m);
    *h = gsl_cdf_tdist_Pinv(0.975, n - 1) * sqrt(q / (n - 1)) / sqrt((double)n);
    if (gamma_seen)
        *gamma_seen = th > 0 ? tp / th : NAN;
}

Test(selfish_sim, revenue_within_the_ci_of_the_theory)
{
    static const double P[][2] = {{0.1, 0.0}, {0.25, 0.0}, {0.35, 0.0}, {0.45, 0.0}, {0.2, 0.5},
                                  {0.3, 0.5},  {0.4, 0.5},  {0.15, 1.0}, {0.3, 1.0},  {0.45, 1.0}};
    for (size_t i = 0; i < sizeof P / sizeof P[0]; i++) {
        experiments_selfish_cfg c = {.alpha = P[i][0], .gamma = P[i][1], .blocks = 300000};
        double m, h, g;
        runs(c, 12, &m, &h, &g);
        double t = experiments_selfish_theory(c.alpha, c.gamma);
        cr_assert(fabs(m - t) <= h, "alpha %g gamma %g: revenue %.5f +- %.5f, theory %.5f", c.alpha, c.gamma, m, h, t);
        cr_assert_lt(h, 0.01, "CI too wide: %g", h);
        cr_assert_float_eq(g, c.gamma, 0.02, "tie-win share %g at gamma %g", g, c.gamma);
    }
}

Test(selfish_sim, profitability_thresholds)
{
    /* gamma 0: not profitable at 0.30, profitable at 0.37 (threshold 1/3) */
    static const double P[][3] = {{0.0, 0.30, 0}, {0.0, 0.37, 1}, {0.5, 0.21, 0}, {0.5, 0.29, 1}};
    for (size_t i = 0; i < sizeof P / sizeof P[0]; i++) {
        experiments_selfish_cfg c = {.alpha = P[i][1], .gamma = P[i][0], .blocks = 300000};
        double m, h;
        runs(c, 10, &m, &h, NULL);
        if (P[i][2] > 0)
            cr_assert_gt(m - h, c.alpha, "alpha %g gamma %g: %.5f +- %.5f should pay", c.alpha, c.gamma, m, h);
        else
            cr_assert_lt(m + h, c.alpha, "alpha %g gamma %g: %.5f +- %.5f should not pay", c.alpha, c.gamma, m, h);
    }
}

Test(selfish_sim, honest_control_earns_its_share)
{
    experiments_selfish_cfg c = {.alpha = 0.3, .gamma = 0.5, .blocks = 200000, .honest_only = 1};
    double m, h;
    runs(c, 10, &m, &h, NULL);
    cr_assert(fabs(m - 0.3) <= h, "honest pool: %.5f +- %.5f", m, h);
    experiments_selfish_result r;
    common_error err;
    cr_assert_eq(experiments_selfish_run(&c, 5, &r, &err), 0);
    cr_assert_eq(r.chain, r.found, "no forks without withholding");
    cr_assert_eq(r.ties, 0);
}

Test(selfish_sim, delay_model_tie_share_and_revenue)
{
    static const double G[] = {0.0, 0.5, 1.0};
    for (size_t i = 0; i < 3; i++) {
        experiments_selfish_cfg c = {.alpha = 0.35, .gamma = G[i], .blocks = 200000,
                                     .model = EXPERIMENTS_SELFISH_DELAY, .n_honest = 16};
        double m, h, g;
        runs(c, 10, &m, &h, &g);
        double expect = G[i] * 15.0 / 16.0; /* the finder keeps its own block */
        cr_assert_float_eq(g, expect, 0.02, "measured gamma %g, expected %g", g, expect);
        double t = experiments_selfish_theory(c.alpha, g);
        cr_assert(fabs(m - t) <= h, "gamma %g: revenue %.5f +- %.5f, theory at the measured %.4f: %.5f", G[i], m, h, g, t);
    }
}

Test(selfish_sim, deterministic_per_seed)
{
    experiments_selfish_cfg c = {.alpha = 0.3, .gamma = 0.5, .blocks = 50000, .model = EXPERIMENTS_SELFISH_DELAY,
                                 .n_honest = 8};
    experiments_selfish_result a, b, d;
    common_error err;
    cr_assert_eq(experiments_selfish_run(&c, 42, &a, &err), 0);
    cr_assert_eq(experiments_selfish_run(&c, 42, &b, &err), 0);
    cr_assert_eq(experiments_selfish_run(&c, 43, &d, &err), 0);
    cr_assert_eq(memcmp(&a, &b, sizeof a), 0);
    cr_assert(a.chain_pool != d.chain_pool || a.chain != d.chain || a.ties != d.ties);
    /* alpha 0: no pool blocks at all */
    c.alpha = 0;
    cr_assert_eq(experiments_selfish_run(&c, 42, &a, &err), 0);
    cr_assert_eq(a.chain_pool, 0);
    cr_assert_eq(a.chain, c.blocks);
}

Test(selfish_sim, bad_configs_are_refused_by_field)
{
    static const struct {
        experiments_selfish_cfg c;
        const char *field;
    } B[] = {
        {{.alpha = 0.6, .gamma = 0.5, .blocks = 10}, "alpha"},
        {{.alpha = NAN, .gamma = 0.5, .blocks = 10}, "alpha"},
        {{.alpha = 0.3, .gamma = -0.1, .blocks = 10}, "gamma"},
        {{.alpha = 0.3, .gamma = 0.5, .blocks = 0}, "blocks"},
        {{.alpha = 0.3, .gamma = 0.5, .blocks = 10, .model = EXPERIMENTS_SELFISH_DELAY, .n_honest = 1}, "n_honest"},
        {{.alpha = 0.3, .gamma = 0.5, .blocks = 10, .model = (experiments_selfish_model)7}, "model"},
    };
    for (size_t i = 0; i < sizeof B / sizeof B[0]; i++) {
        experiments_selfish_result r;
        common_error err;
        common_error_clear(&err);
        cr_assert_eq(experiments_selfish_run(&B[i].c, 1, &r, &err), -1, "case %zu", i);
        cr_assert_str_eq(err.field, B[i].field, "case %zu", i);
        cr_assert_eq(r.chain, 0);
    }
}
