/* tests/test_chain_retarget.c - the consensus-version-2 difficulty rules
 * (chain/retarget.h, chain/params.h; spec pouw.md s11.3, s11.5, s11.6, s11.14).
 *
 * Pinned vectors of an independent Python implementation (weight, median time
 * past, post-hash retarget); the clamp's bounds; a simulated chain whose rate
 * changes and whose interval recovers; a mined chain whose blocks carry the
 * post_bits the rule demands on their branch, and verifiers that reject those
 * that do not; and the regression tests of s11.14: the version-1 attack (a fork
 * from genesis with compressed timestamps) never takes over an honest chain while
 * it has run fewer attempts, in both modes, and a Monte-Carlo of the
 * difficulty-raising fork on the main chains' retarget parameters. */
#include <criterion/criterion.h>
#include <math.h>

#include "chain/retarget.h"
#include "common/u256.h"
#include "tests/chain_testkit.h"
#include "tests/vectors/consensus_v2_vectors.h"

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

/* splitmix64: the tests' own seeded generator (STYLE rule 8: the seed is printed). */
static uint64_t sm_next(uint64_t *x)
{
    uint64_t z = (*x += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

static double sm_unit(uint64_t *x) { return (double)(sm_next(x) >> 11) * (1.0 / 9007199254740992.0); }

/* The pass probability of a post target, (t + 1) / 2^256 (1 for none). */
static double post_pass(uint32_t bits)
{
    if (bits == 0)
        return 1.0;
    common_u256 w;
    cr_assert_eq(chain_post_weight(&w, bits), CHAIN_OK);
    return 18446744073709551616.0 / common_u256_to_double(&w);
}

/* A simulated chain: times[0..n], post_bits[0..n], MTP and the rule on its own
 * branch (no store). */
typedef struct sim_chain {
    uint64_t *t;
    uint32_t *bits;
    size_t n, cap; /* blocks 0 .. n-1 */
    common_u256 cum;
} sim_chain;

static uint64_t sim_mtp(const sim_chain *c, size_t h)
{
    uint64_t times[CHAIN_MTP_SPAN];
    unsigned k = 0;
    for (size_t i = h + 1; i-- > 0 && k < CHAIN_MTP_SPAN;)
        times[k++] = c->t[i];
    return chain_mtp(times, k);
}

/* post_bits the next block (height c->n) must carry. */
static uint32_t sim_next_bits(const sim_chain *c, const chain_retarget_rule *r)
{
    uint64_t h = c->n;
    if (!chain_retarget_is_height(r, h))
        return c->bits[h - 1];
    uint32_t bits;
    cr_assert_eq(chain_retarget_post_bits(&bits, r, c->bits[h - 1], sim_mtp(c, h - 1), sim_mtp(c, h - 1 - r->window)),
                 CHAIN_OK);
    return bits;
}

static void sim_push(sim_chain *c, uint64_t t, uint32_t bits)
{
    if (c->n == c->cap) {
        c->cap = c->cap ? 2 * c->cap : 256;
        c->t = realloc(c->t, c->cap * sizeof *c->t);
        c->bits = realloc(c->bits, c->cap * sizeof *c->bits);
        cr_assert(c->t && c->bits);
    }
    c->t[c->n] = t;
    c->bits[c->n] = bits;
    c->n++;
    common_u256 w;
    cr_assert_eq(chain_post_weight(&w, bits), CHAIN_OK);
    cr_assert_eq(common_u256_add(&c->cum, &w), 0u);
}

static void sim_init(sim_chain *c, uint64_t genesis_ms, uint32_t genesis_bits)
{
    memset(c, 0, sizeof *c);
    sim_push(c, genesis_ms, genesis_bits);
}

static void sim_free(sim_chain *c)
{
    free(c->t);
    free(c->bits);
}

Test(chain_retarget_v2, a_simulated_run_recovers_the_target_interval)
{
    /* the main chains' rule, blocks arriving at a rate proportional to 1 / expected
     * attempts: first 3x too fast, then 3x too slow */
    chain_retarget_rule r = {60, 60, 11, 10};
    const double target = 60000.0;
    sim_chain c;
    sim_init(&c, 1735689600000ull, 0x2017b425u);
    double p0 = post_pass(0x2017b425u), now = 1735689600000.0;
    double rate = 3.0; /* times the design rate */
    double last_iv = 0;
    for (int h = 1; h <= 60 * 40; h++) {
        if (h == 60 * 20)
            rate = 1.0 / 3.0;
        uint32_t bits = sim_next_bits(&c, &r);
        double iv = target * (p0 / post_pass(bits)) / rate;
        now += iv;
        sim_push(&c, (uint64_t)now, bits);
        last_iv = iv;
        if (h == 60 * 20 - 1)
            cr_assert(iv > target * 0.9 && iv < target * 1.1, "fast phase settles: %.0f ms", iv);
    }
    cr_assert(last_iv > target * 0.9 && last_iv < target * 1.1, "slow phase settles: %.0f ms", last_iv);
    sim_free(&c);
}

/* ---------------------------------------------------------------- on a mined chain */

/* post_bits block h of s's best chain must carry, computed here from the blocks' times. */
static uint32_t want_bits(chain_store *s, const chain_params *p, uint64_t h, const uint32_t *bits,
                          const uint64_t *times)
{
    chain_retarget_rule r = chain_params_rule(p);
    if (!chain_retarget_is_height(&r, h))
        return bits[h - 1];
    uint64_t mtp[2];
    for (int k = 0; k < 2; k++) {
        uint64_t top = k == 0 ? h - 1 : h - 1 - r.window, tt[CHAIN_MTP_SPAN];
        unsigned n = 0;
        for (uint64_t i = top + 1; i-- > 0 && n < CHAIN_MTP_SPAN;)
            tt[n++] = times[i];
        mtp[k] = chain_mtp(tt, n);
    }
    uint32_t out;
    cr_assert_eq(chain_retarget_post_bits(&out, &r, bits[h - 1], mtp[0], mtp[1]), CHAIN_OK);
    (void)s;
    return out;
}

Test(chain_retarget_v2, a_mined_chain_carries_the_post_bits_the_rule_demands, .timeout = 240)
{
    /* window 2, 60 s, blocks 4x too fast: retargets at heights 4, 6, 8 harden */
    chain_params p = ck_params("rt", 31, 2, 60);
    char dir[256];
    tk_tmpdir(dir);
    chain_store *s;
    ck_open(&s, dir, &p, NULL);
    pouw_key k;
    tk_key(&k, 0x31);
    pouw_block b;
    pouw_block_init(&b);
    for (int i = 0; i < 8; i++)
        ck_mine(s, &b, k.pub, 15000, NULL);
    uint64_t tip = chain_store_tip_height(s);
    cr_assert_eq(tip, 8u);
    uint32_t bits[16];
    uint64_t times[16];
    for (uint64_t h = 0; h <= tip; h++) {
        common_error err;
        cr_assert_eq(chain_store_load(&b, &err, s, h), CHAIN_OK);
        times[h] = b.header.time_ms;
        bits[h] = b.header.post_bits;
        if (h > 0)
            cr_assert_eq(bits[h], want_bits(s, &p, h, bits, times), "height %llu", (unsigned long long)h);
        cr_assert_eq(b.header.prehash_bits, p.genesis_req.prehash_bits, "the gate never moves");
        cr_assert_eq(b.header.pps_threshold_micro, p.genesis_req.pps_threshold_micro, "the floor never moves");
    }
    cr_assert_lt(post_pass(bits[8]), post_pass(bits[0]) * 0.99, "compressed blocks hardened the lottery");
    pouw_block_clear(&b);
    pouw_key_clear(&k);
    chain_store_close(s);
    tk_rmrf(dir);
}

Test(chain_retarget_v2, a_block_whose_post_bits_break_the_rule_is_rejected, .timeout = 120)
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
    for (int i = 0; i < 3; i++) /* 4x too fast: height 4 must be harder */
        ck_mine(s, &b, k.pub, 15000, NULL);
    uint8_t tip[32];
    tk_id(tip, s, 3);
    pouw_requirements want;
    common_error err;
    cr_assert_eq(chain_required_targets(&want, &err, &p, s, 4), CHAIN_OK);
    cr_assert_neq(want.post_bits, p.genesis_req.post_bits, "height 4 retargets");
    /* a miner that ignores the retarget (keeps the parent's post_bits) */
    ck_forge_opts o;
    memset(&o, 0, sizeof o);
    o.time_ms = b.header.time_ms + 15000;
    o.set_post_bits = 1;
    o.post_bits = p.genesis_req.post_bits;
    pouw_block m;
    ck_forge(&m, s, tip, k.pub, &o);
    pouw_reason r = tk_verify(s, &m, &err);
    cr_assert_eq(r, POUW_R_POST_BITS, "%s: %s", pouw_reason_name(r), err.msg);
    cr_assert_str_eq(err.field, "header.post_bits");
    cr_assert_neq(strstr(err.msg, "the retarget rule demands"), NULL, "%s", err.msg);
    /* and offered to the store, it stays out */
    cr_assert_eq(chain_store_add(s, NULL, &r, &err, &m), CHAIN_EINVALID);
    cr_assert_eq(r, POUW_R_POST_BITS);
    cr_assert_eq(tk_verdict(s, m.post_hash), CHAIN_VERDICT_INVALID, "stored with its verdict, never the tip");
    uint64_t at;
    cr_assert(!chain_store_find(&at, s, m.post_hash));
    pouw_block_clear(&m);
    /* one that moves the gate or the floor (genesis constants) */
    memset(&o, 0, sizeof o);
    o.time_ms = b.header.time_ms + 15000;
    o.set_bits = 1;
    o.bits = 0x2100ffff;
    ck_forge(&m, s, tip, k.pub, &o);
    r = tk_verify(s, &m, &err);
    cr_assert_eq(r, POUW_R_PREHASH_BITS, "%s: %s", pouw_reason_name(r), err.msg);
    pouw_block_clear(&m);
    memset(&o, 0, sizeof o);
    o.time_ms = b.header.time_ms + 15000;
    o.set_threshold = 1;
    o.threshold = p.genesis_req.pps_threshold_micro - 1;
    ck_forge(&m, s, tip, k.pub, &o);
    r = tk_verify(s, &m, &err);
    cr_assert_eq(r, POUW_R_THRESHOLD, "%s: %s", pouw_reason_name(r), err.msg);
    pouw_block_clear(&m);
    pouw_block_clear(&b);
    pouw_key_clear(&k);
    chain_store_close(s);
    tk_rmrf(dir);
}

/* ---------------------------------------------------------------- s11.14: the version-1 attack */

/* One attempt of a chain with floor pass rate pf and post_bits: passes the floor
 * and the lottery (the post-hash, uniform: SHA-256 stands in for it). */
static int attempt_passes(uint64_t *rng, double pf, uint32_t bits)
{
    if (sm_unit(rng) >= pf)
        return 0;
    if (bits == 0)
        return 1;
    uint8_t seed[8], post[32], target[32];
    uint64_t v = sm_next(rng);
    memcpy(seed, &v, 8);
    cr_assert_eq(pouw_sha256(post, seed, 8), POUW_OK);
    cr_assert_eq(pouw_target_from_bits(target, bits), POUW_OK);
    return pouw_hash_meets_target(post, target);
}

/* The honest chain: n blocks at exactly the target spacing. The fork: from
 * genesis, every block stamped MTP(parent) + 1, mined with at most half the
 * honest chain's attempts, offered block by block. Returns the most the fork
 * reached as a fraction of the honest weight (must stay below 1). */
static double v1_attack(uint32_t mode_post_bits, double pf, uint64_t seed)
{
    chain_retarget_rule r = {5, 1, 2, 1}; /* the test chains' rule: W 5, c 2 */
    const uint64_t g0 = 1735689600000ull, step = 1000;
    uint64_t rng = seed;
    sim_chain hon, fork;
    sim_init(&hon, g0, mode_post_bits);
    uint64_t honest_attempts = 0;
    for (int h = 1; h <= 300; h++) {
        uint32_t bits = sim_next_bits(&hon, &r);
        do
            honest_attempts++;
        while (!attempt_passes(&rng, pf, bits));
        sim_push(&hon, g0 + (uint64_t)h * step, bits);
    }
    sim_init(&fork, g0, mode_post_bits);
    uint64_t budget = honest_attempts / 2, used = 0;
    double best = 0;
    while (used < budget) {
        uint32_t bits = sim_next_bits(&fork, &r);
        int found = 0;
        while (used < budget && !(found = attempt_passes(&rng, pf, bits)))
            used++;
        if (!found)
            break;
        used++;
        sim_push(&fork, sim_mtp(&fork, fork.n - 1) + 1, bits);
        cr_assert_lt(common_u256_cmp(&fork.cum, &hon.cum), 0,
                     "seed %llu: a fork of %zu blocks (%llu attempts) outweighs %zu honest blocks (%llu attempts)",
                     (unsigned long long)seed, fork.n, (unsigned long long)used, hon.n,
                     (unsigned long long)honest_attempts);
        double f = common_u256_to_double(&fork.cum) / common_u256_to_double(&hon.cum);
        if (f > best)
            best = f;
    }
    cr_assert_gt(fork.n, 20u, "the fork did get blocks");
    sim_free(&hon);
    sim_free(&fork);
    return best;
}

Test(chain_retarget_v2, the_v1_compressed_timestamp_fork_never_takes_over_in_lottery_mode)
{
    for (uint64_t seed = 1; seed <= 20; seed++) {
        double f = v1_attack(0x21008cccu, 0.9, seed); /* the test chains' lottery: floor 90%, t ~ 0.55 */
        cr_assert_lt(f, 1.0);
    }
}

Test(chain_retarget_v2, the_v1_compressed_timestamp_fork_never_takes_over_in_pps_mode)
{
    for (uint64_t seed = 101; seed <= 120; seed++) {
        double f = v1_attack(0, 1.0 / 12.0, seed); /* mode pps: the reference floor, no target at genesis */
        cr_assert_lt(f, 1.0);
    }
}

/* ---------------------------------------------------------------- s11.14: the difficulty-raising fork */

/* Monte-Carlo of a private fork that hardens itself at every retarget (always
 * the compressed span: x c per window), with a share q of the compute, against
 * an honest chain at equilibrium (weight 1 per block, rate 1 - q). The fork
 * starts at a retarget height; it succeeds when, once the honest chain has z
 * blocks past the fork point, its weight ever exceeds the honest weight. Time
 * is in units of one block at the whole compute; a trial ends at success or
 * when the honest chain has run max_blocks. Weights are doubles: this is a
 * statistic, not consensus. Returns successes out of trials. */
static unsigned raising_fork_mc(uint32_t window, double c, double q, unsigned z, unsigned trials, uint64_t seed,
                                unsigned max_blocks)
{
    uint64_t rng = seed;
    unsigned wins = 0;
    for (unsigned t = 0; t < trials; t++) {
        double now = 0, next_h = -log(1 - sm_unit(&rng)) / (1 - q), d = 1, wa = 0, wh = 0;
        double next_a = -log(1 - sm_unit(&rng)) * d / q;
        unsigned nh = 0, na = 0;
        for (;;) {
            if (next_h <= next_a) {
                now = next_h;
                nh++;
                wh += 1;
                next_h = now - log(1 - sm_unit(&rng)) / (1 - q);
            } else {
                now = next_a;
                na++;
                wa += d;
                if (na % window == 0)
                    d *= c; /* the fork's next window is c times harder, and weighs c times more */
                next_a = now - log(1 - sm_unit(&rng)) * d / q;
            }
            if (nh >= z && wa > wh) {
                wins++;
                break;
            }
            if (nh >= max_blocks)
                break;
        }
    }
    return wins;
}

/* What this measures (make bench prints the same figures, mk/bench_pouw.sh):
 * with the main chains' rule the self-hardening fork is barely better than a
 * fork with honest timestamps (x c per 60 blocks adds little variance), whereas a
 * version-1-like clamp (x4 per 10 blocks) wins half the races. Note: under this
 * exact race model even the honest-timestamp fork at 40% and z = 100 succeeds
 * ~0.4% (Rosenfeld's exact formula: 4.3e-3), so the spec's "< 1e-3 at 40%, z =
 * 100" holds only under Nakamoto's Poisson approximation (4.4e-4); here the
 * bound < 1e-3 is shown at 40% and z = 150, and at 30% and z = 100. */
Test(chain_retarget_v2, the_difficulty_raising_fork_gains_little_on_the_main_chains_parameters, .timeout = 240)
{
    const chain_params *p = chain_params_at(0);
    chain_retarget_rule r = chain_params_rule(p);
    cr_assert(chain_retarget_rule_bounded(&r, 1000), "W (c + 1) / (c - 1) >= 1000 on the main chains");
    double c = (double)r.clamp_num / r.clamp_den;
    const unsigned n = 20000;
    unsigned hard = raising_fork_mc(r.window, c, 0.4, 100, n, 8, 1000);
    unsigned plain = raising_fork_mc(r.window, 1.0, 0.4, 100, n, 8, 1000);
    cr_log_info("difficulty-raising fork, q 0.4, z 100: %u / %u (honest timestamps: %u / %u)", hard, n, plain, n);
    cr_assert_leq(hard, plain * 3 / 2 + 30, "hardening x%.2f per %u blocks helps the fork: %u vs %u", c, r.window,
                  hard, plain);
    unsigned deep = raising_fork_mc(r.window, c, 0.4, 150, n, 10, 1000);
    cr_assert_lt((double)deep / n, 1e-3, "q 0.4, z 150: %u / %u", deep, n);
    unsigned small = raising_fork_mc(r.window, c, 0.3, 100, n, 11, 1000);
    cr_assert_lt((double)small / n, 1e-3, "q 0.3, z 100: %u / %u", small, n);
    /* and the same simulation does find the version-1 weakness: x4 per 10 blocks */
    unsigned v1 = raising_fork_mc(10, 4.0, 0.4, 100, 400, 9, 1000);
    cr_assert_gt(v1, 400u * 3 / 10, "a v1-like clamp lets the fork win often (%u of 400)", v1);
}

/* ---------------------------------------------------------------- version 2 (spec s11.3, s11.5, s11.6) */


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
