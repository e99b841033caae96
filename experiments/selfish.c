/* experiments/selfish.c - Eyal and Sirer's selfish-mining policy and the race model of
 * E11 (see selfish.h). */
#include "experiments/selfish.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* ---- the policy ---- */

void experiments_selfish_init(experiments_selfish_policy *p)
{
    p->priv = p->published = p->pub = 0;
}

int64_t experiments_selfish_lead(const experiments_selfish_policy *p)
{
    return p->priv - p->pub;
}

static experiments_selfish_action action(experiments_selfish_act act, int64_t publish, int64_t committed)
{
    experiments_selfish_action a = {.act = act, .publish = publish, .committed = committed};
    return a;
}

experiments_selfish_action experiments_selfish_on_own(experiments_selfish_policy *p)
{
    int64_t prev = p->priv - p->pub;
    p->priv++;
    if (prev == 0 && p->pub > 0) {
        /* a tie race in progress: the pool's branch is now one longer; publish it all */
        int64_t n = p->priv;
        experiments_selfish_init(p);
        return action(EXPERIMENTS_SELFISH_OVERRIDE, n, n);
    }
    return action(EXPERIMENTS_SELFISH_WAIT, 0, 0);
}

experiments_selfish_action experiments_selfish_on_other(experiments_selfish_policy *p, int on_mine)
{
    int64_t committed = 0;
    if (on_mine && p->published > 0) {
        /* the public chain now runs through the pool's published blocks: the fork point
         * moves up to the published tip; the new block is the competing branch */
        committed = p->published;
        p->priv -= p->published;
        p->published = 0;
        p->pub = 1;
    } else
        p->pub++;
    int64_t prev = p->priv - (p->pub - 1); /* the lead before this block */
    if (prev <= 0) {
        experiments_selfish_init(p);
        return action(EXPERIMENTS_SELFISH_ADOPT, 0, committed);
    }
    if (prev == 1) {
        /* publish the last (only unpublished) block: a tie race */
        p->published = p->priv;
        return action(EXPERIMENTS_SELFISH_PUBLISH, p->priv, committed);
    }
    if (prev == 2) {
        int64_t n = p->priv;
        experiments_selfish_init(p);
        return action(EXPERIMENTS_SELFISH_OVERRIDE, n, committed + n);
    }
    /* lead > 2: match the public height (publish the first unpublished block) */
    if (p->published < p->pub)
        p->published = p->pub;
    return action(EXPERIMENTS_SELFISH_PUBLISH, p->published, committed);
}

double experiments_selfish_theory(double alpha, double gamma)
{
    double a = alpha, b = 1.0 - alpha;
    double num = a * b * b * (4.0 * a + gamma * (1.0 - 2.0 * a)) - a * a * a;
    double den = 1.0 - a * (1.0 + (2.0 - a) * a);
    return num / den;
}

double experiments_selfish_threshold(double gamma)
{
    return (1.0 - gamma) / (3.0 - 2.0 * gamma);
}

/* ---- the race model ---- */

typedef struct rng {
    uint64_t s;
} rng;

static uint64_t rng_next(rng *r)
{
    uint64_t z = (r->s += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

/* uniform in [0, 1) */
static double rng_unif(rng *r)
{
    return (double)(rng_next(r) >> 11) * (1.0 / 9007199254740992.0);
}

/* exponential of mean 1 */
static double rng_exp(rng *r)
{
    return -log(1.0 - rng_unif(r));
}

/* uniform integer in [0, n) (n small: the multiply-shift bias is below 2^-40) */
static int rng_below(rng *r, int n)
{
    return (int)(((rng_next(r) >> 32) * (uint64_t)n) >> 32);
}

int experiments_selfish_check(const experiments_selfish_cfg *c, common_error *err)
{
    if (!(c->alpha >= 0.0 && c->alpha <= 0.5))
        return common_error_set(err, -1, "", "alpha", "must be in [0, 0.5], got %g", c->alpha);
    if (!(c->gamma >= 0.0 && c->gamma <= 1.0))
        return common_error_set(err, -1, "", "gamma", "must be in [0, 1], got %g", c->gamma);
    if (c->blocks < 1 || c->blocks > EXPERIMENTS_SELFISH_MAX_BLOCKS)
        return common_error_set(err, -1, "", "blocks", "must be in [1, %lld], got %lld",
                                (long long)EXPERIMENTS_SELFISH_MAX_BLOCKS, (long long)c->blocks);
    if (c->model != EXPERIMENTS_SELFISH_GAMMA && c->model != EXPERIMENTS_SELFISH_DELAY)
        return common_error_set(err, -1, "", "model", "must be gamma or delay");
    if (c->model == EXPERIMENTS_SELFISH_DELAY && (c->n_honest < 2 || c->n_honest > EXPERIMENTS_SELFISH_MAX_HONEST))
        return common_error_set(err, -1, "", "n_honest", "must be in [2, %d], got %d", EXPERIMENTS_SELFISH_MAX_HONEST,
                                c->n_honest);
    return 0;
}

/* The run's state: the block tree, the pool, the honest miners. */
typedef struct sim {
    const experiments_selfish_cfg *cfg;
    rng r;
    int32_t *parent, *height;
    unsigned char *owner; /* 0 honest, 1 pool, 2 genesis */
    int32_t n;            /* blocks in the tree, genesis included */
    /* the pool: its branch since the fork point is branch[bstart .. bstart + pol.priv) */
    experiments_selfish_policy pol;
    int32_t base;         /* the fork point */
    int32_t *branch;
    int64_t bstart;
    /* the honest miners: main = the tip all of them took last (first seen); in a tie race
     * alt = the pool's block of the same height (GAMMA), or tips[] per miner (DELAY) */
    int32_t main, alt;
    int32_t *tips;
    int finder;           /* DELAY: the finder of the last honest block */
    int tie;              /* a tie race is open */
    experiments_selfish_result *res;
} sim;

static int32_t add_block(sim *s, int32_t parent, unsigned char owner)
{
    int32_t b = s->n++;
    s->parent[b] = parent;
    s->height[b] = s->height[parent] + 1;
    s->owner[b] = owner;
    return b;
}

/* every honest miner takes tip t (strictly higher than what they had) */
static void honest_take(sim *s, int32_t t)
{
    s->main = t;
    s->alt = -1;
    s->tie = 0;
    if (s->tips)
        for (int j = 0; j < s->cfg->n_honest; j++)
            s->tips[j] = t;
}

/* the pool's block p of main's height was published right after main: a tie race */
static void honest_tie(sim *s, int32_t p)
{
    s->tie = 1;
    s->res->ties++;
    if (!s->tips) {
        s->alt = p;
        return;
    }
    double g = s->cfg->gamma;
    for (int j = 0; j < s->cfg->n_honest; j++) {
        if (j == s->finder)
            continue; /* mined main itself */
        int take;
        if (g <= 0.0)
            take = 0;
        else if (g >= 1.0)
            take = 1;
        else {
            double dh = rng_exp(&s->r);                       /* the honest block's delay to j, mean 1 */
            double dp = rng_exp(&s->r) * ((1.0 - g) / g);     /* the pool's, mean (1 - g) / g */
            take = dp < dh;
        }
        if (take)
            s->tips[j] = p;
    }
}

static int32_t pool_tip(const sim *s)
{
    return s->pol.priv > 0 ? s->branch[s->bstart + s->pol.priv - 1] : s->base;
}

/* carry out the policy's answer */
static void apply(sim *s, experiments_selfish_action a)
{
    switch (a.act) {
    case EXPERIMENTS_SELFISH_WAIT:
        break;
    case EXPERIMENTS_SELFISH_PUBLISH: {
        int32_t p = s->branch[s->bstart + a.publish - 1];
        if (s->height[p] > s->height[s->main])
            honest_take(s, p);
        else if (s->height[p] == s->height[s->main] && p != s->main)
            honest_tie(s, p);
        break;
    }
    case EXPERIMENTS_SELFISH_OVERRIDE: {
        int32_t p = s->branch[s->bstart + a.publish - 1];
        honest_take(s, p);
        s->base = p;
        s->bstart = 0;
        break;
    }
    case EXPERIMENTS_SELFISH_ADOPT:
        s->base = s->main;
        s->bstart = 0;
        break;
    }
}

static void pool_finds(sim *s)
{
    s->res->found_pool++;
    if (s->cfg->honest_only) {
        honest_take(s, add_block(s, s->main, 1));
        return;
    }
    int32_t b = add_block(s, pool_tip(s), 1);
    s->branch[s->bstart + s->pol.priv] = b;
    apply(s, experiments_selfish_on_own(&s->pol));
}

static void honest_finds(sim *s)
{
    int32_t parent;
    if (s->tips) {
        s->finder = rng_below(&s->r, s->cfg->n_honest);
        parent = s->tips[s->finder];
    } else
        parent = s->alt >= 0 && rng_unif(&s->r) < s->cfg->gamma ? s->alt : s->main;
    int32_t pt = s->pol.published > 0 ? s->branch[s->bstart + s->pol.published - 1] : -1;
    int on_mine = parent == pt;
    if (s->tie) {
        s->res->ties_honest++;
        s->res->ties_on_pool += s->owner[parent] == 1 && parent != s->main;
    }
    int32_t b = add_block(s, parent, 0);
    honest_take(s, b);
    if (s->cfg->honest_only)
        return;
    if (on_mine) {
        /* the fork point moves up to the pool's published tip */
        s->base = pt;
        s->bstart += s->pol.published;
    }
    apply(s, experiments_selfish_on_other(&s->pol, on_mine));
}

int experiments_selfish_run(const experiments_selfish_cfg *cfg, uint64_t seed, experiments_selfish_result *res,
                            common_error *err)
{
    memset(res, 0, sizeof *res);
    if (experiments_selfish_check(cfg, err))
        return -1;
    sim s;
    memset(&s, 0, sizeof s);
    s.cfg = cfg;
    s.r.s = seed;
    s.res = res;
    size_t n = (size_t)cfg->blocks + 1;
    s.parent = malloc(n * sizeof *s.parent);
    s.height = malloc(n * sizeof *s.height);
    s.owner = malloc(n);
    s.branch = malloc(n * sizeof *s.branch);
    if (cfg->model == EXPERIMENTS_SELFISH_DELAY)
        s.tips = calloc((size_t)cfg->n_honest, sizeof *s.tips);
    int rc = 0;
    if (!s.parent || !s.height || !s.owner || !s.branch || (cfg->model == EXPERIMENTS_SELFISH_DELAY && !s.tips)) {
        rc = common_error_set(err, -1, "", "blocks", "out of memory for %lld blocks", (long long)cfg->blocks);
        goto done;
    }
    s.parent[0] = -1;
    s.height[0] = 0;
    s.owner[0] = 2;
    s.n = 1;
    s.main = 0;
    s.alt = -1;
    s.base = 0;
    s.finder = -1;
    experiments_selfish_init(&s.pol);
    for (int64_t k = 0; k < cfg->blocks; k++) {
        /* the exponential race: the pool's clock (rate alpha) rings first with probability alpha */
        if (rng_unif(&s.r) < cfg->alpha)
            pool_finds(&s);
        else
            honest_finds(&s);
        /* invariant: the policy's counts are the tree's */
        if (!cfg->honest_only && (s.height[s.main] - s.height[s.base] != s.pol.pub ||
                                  s.height[pool_tip(&s)] - s.height[s.base] != s.pol.priv)) {
            rc = common_error_set(err, -1, "", "policy", "internal: the policy's counts left the block tree at block %lld",
                                  (long long)k);
            goto done;
        }
    }
    res->found = cfg->blocks;
    /* the end: the pool publishes its branch; the final chain is the highest tip (the
     * honest miners' first seen among equal heights) */
    int32_t t = cfg->honest_only ? s.main : pool_tip(&s);
    if (s.height[s.main] >= s.height[t])
        t = s.main;
    for (int32_t b = t; b > 0; b = s.parent[b]) {
        res->chain++;
        res->chain_pool += s.owner[b] == 1;
    }
    res->revenue = res->chain ? (double)res->chain_pool / (double)res->chain : 0.0;
done:
    free(s.parent);
    free(s.height);
    free(s.owner);
    free(s.branch);
    free(s.tips);
    return rc;
}
