/* tests/test_bse_flow.c - behaviours of the standard exchange-mode order flow
 * (bse/flow.h: generation, replay, the flow file); suite bse_flow.
 * The flow of seed 1 is pinned by the SHA-256 of its flow file (the stream bsebench
 * match and E14 time; the same bytes on every compiler). Check builds (BSE_CHECK: the
 * book verified after every operation) use flows a tenth as long. */
#include <criterion/criterion.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bse/flow.h"
#include "tests/testutil.h"

/* sha256sum of `bsebench match --orders 1000 --seed 1 --flow FILE`'s FILE */
#define FLOW1_SHA256 "29053b6dfe1635c2680b80550afa48b37bad7766b4eceb025ad5543129ca1589"

#if defined(BSE_CHECK)
#define N(x) ((size_t)(x) / 10)
#else
#define N(x) ((size_t)(x))
#endif

static bse_flow_op *gen(size_t n, uint64_t seed, bse_flow_stats *st)
{
    bse_flow_op *ops = malloc(sizeof *ops * n);
    cr_assert_not_null(ops);
    cr_assert_eq(bse_flow_generate(ops, st, n, seed), BSE_FLOW_OK);
    return ops;
}

static char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    cr_assert_not_null(f, "%s", path);
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *b = malloc((size_t)n + 1);
    cr_assert_eq(fread(b, 1, (size_t)n, f), (size_t)n);
    b[n] = '\0';
    fclose(f);
    *len = (size_t)n;
    return b;
}

Test(bse_flow, the_same_seed_gives_the_same_operations_and_another_seed_others)
{
    bse_flow_stats a, b, c;
    size_t n = N(20000);
    bse_flow_op *x = gen(n, 7, &a), *y = gen(n, 7, &b), *z = gen(n, 8, &c);
    cr_assert_eq(memcmp(x, y, sizeof *x * n), 0);
    cr_assert_eq(a.resting_end, b.resting_end);
    cr_assert_neq(memcmp(x, z, sizeof *x * n), 0);
    free(x), free(y), free(z);
}

Test(bse_flow, the_mix_is_60_limit_10_market_30_cancel_with_limits_near_the_mid)
{
    size_t n = N(100000), k[3] = {0};
    bse_flow_op *ops = gen(n, 3, NULL);
    for (size_t i = 0; i < n; i++) {
        cr_assert_lt(ops[i].kind, 3);
        k[ops[i].kind]++;
        if (ops[i].kind != BSE_FLOW_CANCEL) {
            cr_assert(ops[i].qty >= 1 && ops[i].qty <= 100);
            cr_assert(ops[i].owner >= 0 && ops[i].owner < 1000);
        }
        if (ops[i].kind == BSE_FLOW_LIMIT) /* the mid drifts one tick in eight: stays near 100000 */
            cr_assert(ops[i].price > 90000 && ops[i].price < 110000, "price %lld", (long long)ops[i].price);
        if (ops[i].kind == BSE_FLOW_MARKET)
            cr_assert_eq(ops[i].arg != 0, ops[i].side == BSE_MATCH_BUY, "only market buys carry a cap");
    }
    cr_assert(k[0] > n * 58 / 100 && k[0] < n * 62 / 100 && k[1] > n * 9 / 100 && k[1] < n * 11 / 100 &&
                  k[2] > n * 28 / 100 && k[2] < n * 32 / 100,
              "mix %zu %zu %zu of %zu", k[0], k[1], k[2], n);
    free(ops);
}

Test(bse_flow, every_cancel_names_an_order_resting_at_that_point)
{
    size_t n = N(30000), named = 0;
    bse_flow_op *ops = gen(n, 11, NULL);
    bse_match m;
    cr_assert_eq(bse_match_init(&m, 1), BSE_MATCH_OK);
    for (size_t i = 0; i < n; i++) {
        if (ops[i].kind == BSE_FLOW_CANCEL) {
            bse_match_status st = bse_match_cancel(&m, (uint64_t)ops[i].arg, NULL, NULL, NULL);
            if (ops[i].arg) {
                cr_assert_eq(st, BSE_MATCH_OK, "op %zu cancels id %lld, not resting", i, (long long)ops[i].arg);
                named++;
            }
        } else {
            bse_match_order o = bse_flow_order(&ops[i]);
            cr_assert_eq(bse_match_submit(&m, &o, NULL, NULL, NULL), BSE_MATCH_OK);
        }
    }
    cr_assert_gt(named, n / 4);
    bse_match_clear(&m);
    free(ops);
}

Test(bse_flow, the_replay_counts_every_fill_of_the_engine)
{
    size_t n = N(30000);
    bse_flow_op *ops = gen(n, 5, NULL);
    bse_match m;
    cr_assert_eq(bse_match_init(&m, 1), BSE_MATCH_OK);
    bse_flow_count c;
    cr_assert_eq(bse_flow_replay(&m, &c, ops, n), BSE_FLOW_OK);
    cr_assert_eq(c.fills, m.n_trades);
    cr_assert_eq(c.qty, m.volume);
    cr_assert_gt(c.fills, n / 4, "the flow trades (fills %llu)", (unsigned long long)c.fills);
    bse_match_clear(&m);
    free(ops);
}

Test(bse_flow, the_flow_file_has_its_header_and_one_line_per_operation)
{
    size_t n = 1000, len;
    bse_flow_op *ops = gen(n, 1, NULL);
    char path[] = "/tmp/test_bse_flow_XXXXXX";
    int fd = mkstemp(path);
    cr_assert_geq(fd, 0);
    close(fd);
    common_error err;
    cr_assert_eq(bse_flow_write(&err, path, ops, n, 1), BSE_FLOW_OK);
    char *txt = slurp(path, &len);
    unlink(path);
    cr_assert_eq(strncmp(txt, "bse-flow 1 1 1000\n", 18), 0, "%.30s", txt);
    size_t lines = 0;
    for (size_t i = 0; i < len; i++)
        lines += txt[i] == '\n';
    cr_assert_eq(lines, n + 1);
    cr_assert_eq(txt[len - 1], '\n');
    /* each line says its operation */
    char *line = strchr(txt, '\n') + 1;
    for (size_t i = 0; i < n; i++) {
        char want[96];
        const bse_flow_op *op = &ops[i];
        char s = op->side == BSE_MATCH_BUY ? 'b' : 's';
        if (op->kind == BSE_FLOW_LIMIT)
            snprintf(want, sizeof want, "L %c %lld %d %d\n", s, (long long)op->price, op->qty, op->owner);
        else if (op->kind == BSE_FLOW_MARKET)
            snprintf(want, sizeof want, "M %c %d %d %lld\n", s, op->qty, op->owner, (long long)op->arg);
        else
            snprintf(want, sizeof want, "C %lld\n", (long long)op->arg);
        cr_assert_eq(strncmp(line, want, strlen(want)), 0, "line %zu: %.40s, expected %s", i + 2, line, want);
        line += strlen(want);
    }
    char hex[65];
    tu_sha256_hex(hex, txt, len);
    cr_assert_str_eq(hex, FLOW1_SHA256, "the flow of seed 1 changed: %s", hex);
    free(txt);
    free(ops);
}

Test(bse_flow, writing_into_a_missing_folder_fails_naming_the_file_and_leaves_nothing)
{
    bse_flow_op *ops = gen(1000, 1, NULL);
    common_error err;
    const char *path = "/tmp/test_bse_flow_no_such_dir/flow.txt";
    cr_assert_eq(bse_flow_write(&err, path, ops, 1000, 1), BSE_FLOW_EIO);
    cr_assert_str_eq(err.path, path);
    cr_assert(strstr(err.msg, "cannot write the flow file") != NULL, "%s", err.msg);
    cr_assert_neq(access(path, F_OK), 0);
    free(ops);
}
