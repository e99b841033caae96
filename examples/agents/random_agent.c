/* examples/agents/random_agent.c - the example external agent in C (economy.md s7,
 * examples/agents/README.md), built as bin/econ-agent-example; the same behaviour as
 * random_agent.py (its random choices differ: this one draws from splitmix64).
 *
 * It reads the hello, then answers every observation with one line: it cancels all
 * its resting orders and places one small random limit order on a random pair,
 * priced inside the spread (or near the last trade when a side of the book is empty)
 * and within its free balance. It stops on {"type":"end"} or at the end of its input.
 * All randomness comes from the hello's seed: the same observations, the same answers.
 * It parses with cJSON and writes its replies with printf (integers stay exact).
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "common/cli.h"

static const common_opt OPTS[] = {
    {"--max-steps", COMMON_OPT_UINT, "N", 1, 1000, 0, "the largest order, in quantity steps (default 5)"},
};

static const common_cli CLI = {
    .prog = "econ-agent-example",
    .summary = "an example external agent for the economy: small random limit orders inside the spread",
    .description = "Speaks the economy's JSON-lines protocol (economy.md s7) on stdin/stdout: reads the\n"
                   "hello, answers each observation by cancelling its resting orders and placing one\n"
                   "small limit order on a random pair within its free balance, stops on end.\n"
                   "Started by the economy: {\"strategy\": \"external\", \"params\": {\"command\":\n"
                   "[\"bin/econ-agent-example\"]}}. Protocol: examples/agents/README.md.",
    .opts = OPTS,
    .n_opts = sizeof OPTS / sizeof OPTS[0],
    .footer = "Exit status: 0 at end of input or on end; 2 for bad usage or a malformed message.",
    .synopsis = "[--max-steps N]",
};

static const char *const PAIRS[3] = {"BRAVO/ALPHA", "CHARLIE/ALPHA", "CHARLIE/BRAVO"};
static const char *const BASE[3] = {"BRAVO", "CHARLIE", "CHARLIE"};
static const char *const QUOTE[3] = {"ALPHA", "ALPHA", "BRAVO"};

static uint64_t next(uint64_t *s)
{
    uint64_t z = (*s += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

/* Uniform in [lo, hi] (lo <= hi). */
static int64_t pick(uint64_t *s, int64_t lo, int64_t hi) { return lo + (int64_t)(next(s) % (uint64_t)(hi - lo + 1)); }

static int64_t num(const cJSON *o, const char *key)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    return cJSON_IsNumber(v) ? (int64_t)v->valuedouble : 0;
}

/* The best price of a book side ([[price, qty], ...]), or 0 when empty. */
static int64_t best(const cJSON *side)
{
    const cJSON *lv = cJSON_IsArray(side) ? side->child : NULL;
    return lv && cJSON_IsArray(lv) && cJSON_IsNumber(lv->child) ? (int64_t)lv->child->valuedouble : 0;
}

/* A limit price: strictly inside the spread when there is room, else at the best price
 * of its own side, else within 1% of the other side or of the last trade (1.0 at first). */
static int64_t price_for(uint64_t *s, int buy, const cJSON *book, const cJSON *trades)
{
    int64_t bid = best(cJSON_GetObjectItemCaseSensitive(book, "bids"));
    int64_t ask = best(cJSON_GetObjectItemCaseSensitive(book, "asks"));
    if (bid && ask)
        return ask - bid >= 2 ? pick(s, bid + 1, ask - 1) : buy ? bid : ask;
    int64_t ref = bid ? bid : ask;
    if (!ref) {
        const cJSON *last = NULL;
        for (const cJSON *t = cJSON_IsArray(trades) ? trades->child : NULL; t; t = t->next)
            last = t;
        const cJSON *p = last && cJSON_IsArray(last) ? cJSON_GetArrayItem(last, 1) : NULL;
        ref = cJSON_IsNumber(p) ? (int64_t)p->valuedouble : 10000; /* 10000 ticks = 1 quote coin */
    }
    int64_t spread = ref / 100 > 1 ? ref / 100 : 1;
    int64_t p = buy ? ref - pick(s, 1, spread) : ref + pick(s, 1, spread);
    return p < 1 ? 1 : p;
}

static void act(uint64_t *s, int64_t qty_step, int64_t max_steps, const cJSON *obs)
{
    printf("{\"orders\":[");
    unsigned pair = (unsigned)pick(s, 0, 2);
    int buy = (int)pick(s, 0, 1);
    const cJSON *book = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(obs, "books"), PAIRS[pair]);
    const cJSON *trades = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(obs, "trades"), PAIRS[pair]);
    int64_t price = price_for(s, buy, book, trades);
    int64_t steps = pick(s, 1, max_steps);
    const cJSON *bal = cJSON_GetObjectItemCaseSensitive(obs, "balances");
    int64_t free_quote = num(cJSON_GetObjectItemCaseSensitive(bal, QUOTE[pair]), "free");
    int64_t free_base = num(cJSON_GetObjectItemCaseSensitive(bal, BASE[pair]), "free");
    /* a buy of qty base units at price ticks locks price x qty / 10^4 quote units */
    int64_t per_step = price * qty_step / 10000;
    int64_t afford = buy ? (per_step > 0 ? free_quote / per_step : 0) : qty_step > 0 ? free_base / qty_step : 0;
    if (steps > afford)
        steps = afford;
    if (steps > 0 && qty_step > 0)
        printf("{\"pair\":\"%s\",\"side\":\"%s\",\"type\":\"limit\",\"price\":%" PRId64 ",\"qty\":%" PRId64 "}",
               PAIRS[pair], buy ? "buy" : "sell", price, steps * qty_step);
    printf("],\"cancel\":[");
    const cJSON *orders = cJSON_GetObjectItemCaseSensitive(obs, "orders");
    int first = 1;
    for (const cJSON *o = cJSON_IsArray(orders) ? orders->child : NULL; o; o = o->next) {
        printf("%s%" PRId64, first ? "" : ",", num(o, "id"));
        first = 0;
    }
    printf("],\"step\":%" PRId64 "}\n", num(obs, "step"));
    fflush(stdout);
}

int main(int argc, char **argv)
{
    common_args a;
    common_cli_status st = common_cli_parse(&CLI, &a, argc, argv);
    if (st != COMMON_CLI_RUN)
        return common_cli_exit(st);
    int64_t max_steps = a.given[0] ? (int64_t)a.num[0] : 5;
    uint64_t rng = 0;
    int64_t qty_step = 0;
    int hello = 0, rc = COMMON_EXIT_OK;
    char *line = NULL;
    size_t cap = 0;
    ssize_t n;
    while ((n = getline(&line, &cap, stdin)) > 0) {
        cJSON *m = cJSON_ParseWithLength(line, (size_t)n);
        const cJSON *type = cJSON_GetObjectItemCaseSensitive(m, "type");
        if (!m || !cJSON_IsString(type)) {
            fprintf(stderr, "%s: stdin: a line that is not a message\n", CLI.prog);
            cJSON_Delete(m);
            rc = COMMON_EXIT_USAGE;
            break;
        }
        if (strcmp(type->valuestring, "hello") == 0) {
            const cJSON *seed = cJSON_GetObjectItemCaseSensitive(m, "seed");
            /* a seed above 2^53 arrives rounded (a JSON number read as a double): still deterministic */
            double d = cJSON_IsNumber(seed) ? seed->valuedouble : 0;
            rng = d >= 18446744073709551616.0 ? UINT64_MAX : d >= 0 ? (uint64_t)d : 0;
            qty_step = num(m, "qty_step");
            hello = 1;
        } else if (strcmp(type->valuestring, "observation") == 0) {
            if (hello)
                act(&rng, qty_step, max_steps, m);
            else {
                printf("{}\n");
                fflush(stdout);
            }
        } else if (strcmp(type->valuestring, "end") == 0) {
            cJSON_Delete(m);
            break;
        }
        cJSON_Delete(m);
    }
    free(line);
    return rc;
}
