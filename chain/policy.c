/* chain/policy.c - miner policies (see policy.h). Not consensus: a policy only
 * decides where a miner spends its attempts. */
#include "chain/policy.h"

#include <assert.h>
#include <string.h>

static const char *const NAMES[] = {"balancer", "greedy", "random"};

int chain_policy_parse(chain_policy_kind *kind, const char *name)
{
    assert(kind);
    *kind = CHAIN_POLICY_BALANCER;
    for (int i = 0; name && i < 3; i++)
        if (strcmp(name, NAMES[i]) == 0) {
            *kind = (chain_policy_kind)i;
            return 0;
        }
    return -1;
}

const char *chain_policy_name(chain_policy_kind kind)
{
    return kind >= CHAIN_POLICY_BALANCER && kind <= CHAIN_POLICY_RANDOM ? NAMES[kind] : "unknown";
}

void chain_policy_init(chain_policy *pol, chain_policy_kind kind, uint64_t seed)
{
    assert(pol);
    pol->kind = kind;
    pol->state = seed;
}

/* splitmix64 (Steele, Lea, Flood 2014): a small seeded generator. */
static uint64_t next_u64(uint64_t *state)
{
    uint64_t z = (*state += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

/* The tie rule: shorter target interval, then lower chain id. */
static int tie_first(const chain_view *a, const chain_view *b)
{
    if (a->params->target_interval_s != b->params->target_interval_s)
        return a->params->target_interval_s < b->params->target_interval_s;
    return a->params->chain_id < b->params->chain_id;
}

/* The reward's value in AlphaCoin (not consensus: a double is fine). */
static double value(const chain_view *v)
{
    return (double)v->params->reward * (double)v->price_num / (double)v->price_den;
}

size_t chain_policy_choose(chain_policy *pol, const chain_view *views, size_t n)
{
    assert(pol && views && n >= 1);
    if (pol->kind == CHAIN_POLICY_RANDOM)
        return (size_t)(next_u64(&pol->state) % n);
    size_t best = 0;
    for (size_t i = 1; i < n; i++) {
        const chain_view *a = &views[i], *b = &views[best];
        assert(a->price_den > 0);
        int better;
        if (pol->kind == CHAIN_POLICY_BALANCER)
            better = a->balance != b->balance ? a->balance < b->balance : tie_first(a, b);
        else
            better = value(a) != value(b) ? value(a) > value(b) : tie_first(a, b);
        if (better)
            best = i;
    }
    return best;
}
