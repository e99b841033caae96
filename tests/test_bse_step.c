/* tests/test_bse_step.c - the step API (bse/step.h) is the session loop itself.
 *
 * Every case of tests/golden/manifest.json is run through the step API with every
 * trader slot stopped at each of its decisions and driven by its own type: the
 * caller takes the trader's proposal (bse_step_propose) and submits it as its own
 * quote. Each output file's SHA-256, the step and trade counts, the final clock and
 * the generator state after the session must equal the manifest (BSE.py's bytes).
 * A second pass watches one slot only and lets bse_step_advance drive undecided
 * decisions. Further tests: refused quotes change nothing, call order, re-typing. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "bse/config.h"
#include "bse/exchange.h"
#include "bse/session.h"
#include "bse/step.h"
#include "tests/testutil.h"

static char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *b = malloc((size_t)n + 1);
    if (b && fread(b, 1, (size_t)n, f) != (size_t)n) {
        free(b);
        b = NULL;
    }
    fclose(f);
    if (b) {
        b[n] = '\0';
        *len = (size_t)n;
    }
    return b;
}

static const common_buf *file_buf(const bse_result *r, const char *name)
{
    if (strstr(name, "_tape.csv"))
        return &r->tape;
    if (strstr(name, "_avg_balance.csv"))
        return &r->avg_balance;
    if (strstr(name, "_blotters.csv"))
        return &r->blotters;
    if (strstr(name, "_LOB_frames.csv"))
        return &r->lob_frames;
    if (strstr(name, "_strats.csv"))
        return &r->strats;
    return NULL;
}

/* Mismatches between a finished session and its manifest entry (described in msg). */
static int compare_case(const bse_case *bc, const bse_result *res, cJSON *mc, char *msg, size_t cap)
{
    int bad = 0;
    size_t used = 0;
    msg[0] = '\0';
    cJSON *f;
    int nfiles = 0;
    cJSON_ArrayForEach(f, cJSON_GetObjectItem(mc, "files"))
    {
        nfiles++;
        const common_buf *b = file_buf(res, f->string);
        char hex[65] = "";
        if (b)
            tu_sha256_hex(hex, b->data ? b->data : "", b->len);
        if (!b || strcmp(hex, cJSON_GetObjectItem(f, "sha256")->valuestring)) {
            bad++;
            used += (size_t)snprintf(msg + used, used < cap ? cap - used : 0, " %s differs;", f->string);
        }
    }
    int produced = bc->dump_tape + bc->dump_avgbals + bc->dump_blotters + bc->dump_lobs + bc->dump_strats;
    bad += produced != nfiles;
    bad += (double)res->n_steps != cJSON_GetObjectItem(mc, "n_steps")->valuedouble;
    bad += (double)res->n_trades != cJSON_GetObjectItem(mc, "n_trades")->valuedouble;
    bad += res->final_time != strtod(cJSON_GetObjectItem(mc, "final_time")->valuestring, NULL);
    bad += (double)res->rng_after32 != cJSON_GetObjectItem(mc, "rng_after_getrandbits32")->valuedouble;
    if (bad && !used)
        snprintf(msg, cap, " counts, clock or generator state differ");
    return bad;
}

typedef struct manifest {
    char *text;
    size_t len;
    char path[1024];
    cJSON *root;
} manifest;

static void manifest_open(manifest *m)
{
    tu_path(m->path, sizeof m->path, "tests/golden/manifest.json");
    m->text = slurp(m->path, &m->len);
    cr_assert_not_null(m->text, "cannot read %s", m->path);
    m->root = cJSON_Parse(m->text);
    cr_assert_not_null(m->root);
}

static void manifest_close(manifest *m)
{
    cJSON_Delete(m->root);
    free(m->text);
}

/* Runs case c through the step API. all: stop at every decision and submit the
 * proposal as the caller's quote; else watch slot `slot` and let advance decide. */
static void run_stepped(const bse_case *c, int all, int32_t slot, bse_result *res, int64_t *decisions)
{
    bse_step_options o = bse_step_options_default();
    o.watch = all ? BSE_STEP_ALL_SLOTS : slot;
    bse_step *s = NULL;
    common_error err;
    cr_assert_eq(bse_step_create(&s, c, &o, &err), BSE_STEP_OK, "%s %s", err.field, err.msg);
    *decisions = 0;
    for (;;) {
        bse_step_event ev;
        int32_t who;
        cr_assert_eq(bse_step_advance(s, &ev, &who, &err), BSE_STEP_OK, "%s %s", err.field, err.msg);
        if (ev == BSE_STEP_END)
            break;
        (*decisions)++;
        if (!all)
            continue; /* the next advance submits the trader's own choice */
        int q, b;
        int64_t p;
        cr_assert_eq(bse_step_propose(s, &q, &b, &p, &err), BSE_STEP_OK, "%s", err.msg);
        cr_assert_eq(bse_step_submit(s, q, b, p, &err), BSE_STEP_OK, "%s", err.msg);
    }
    cr_assert_eq(bse_step_finish(s, res, &err), BSE_STEP_OK);
    bse_step_destroy(s);
}

Test(bse_step, every_golden_case_is_byte_identical_through_the_step_api, .timeout = 240)
{
    manifest m;
    manifest_open(&m);
    cJSON *mc;
    int ncases = 0;
    cJSON_ArrayForEach(mc, cJSON_GetObjectItem(m.root, "cases"))
    {
        const char *id = cJSON_GetObjectItem(mc, "case_id")->valuestring;
        bse_case bc;
        common_error err;
        cr_assert_eq(bse_case_parse(&bc, m.text, m.len, m.path, id, &err), BSE_CONFIG_OK);
        for (int pass = 0; pass < 2; pass++) {
            bse_result res;
            int64_t decisions = 0;
            run_stepped(&bc, pass == 0, 1, &res, &decisions);
            char msg[1024];
            int bad = compare_case(&bc, &res, mc, msg, sizeof msg);
            cr_expect_eq(bad, 0, "case %s (%s):%s", id, pass == 0 ? "every slot" : "slot 1", msg);
            if (pass == 0)
                cr_expect_eq(decisions, res.n_steps, "case %s: one decision per loop step", id);
            else
                cr_expect(decisions > 0 && decisions < res.n_steps, "case %s: slot 1 decided %lld times", id,
                          (long long)decisions);
            bse_result_free(&res);
        }
        ncases++;
    }
    cr_expect_eq(ncases, 16);
    manifest_close(&m);
}

static bse_step *std_stepper(bse_step_options *o)
{
    manifest m;
    manifest_open(&m);
    bse_case bc;
    common_error err;
    cr_assert_eq(bse_case_parse(&bc, m.text, m.len, m.path, "std-s0", &err), BSE_CONFIG_OK);
    manifest_close(&m);
    bse_step *s = NULL;
    cr_assert_eq(bse_step_create(&s, &bc, o, &err), BSE_STEP_OK, "%s", err.msg);
    return s;
}

Test(bse_step, refused_quotes_change_nothing_and_say_why)
{
    bse_step_options o = bse_step_options_default();
    o.watch = 3;
    o.only_with_order = 1;
    bse_step *s = std_stepper(&o);
    bse_step_event ev;
    int32_t who;
    common_error err;
    cr_assert_eq(bse_step_advance(s, &ev, &who, &err), BSE_STEP_OK);
    cr_assert_eq(ev, BSE_STEP_DECISION);
    cr_assert_eq(who, 3);
    bse_step_trader t;
    bse_step_trader_view(s, 3, &t);
    cr_assert(t.has_order && t.order_is_bid, "B03 holds a buy order");
    double time = bse_step_time(s);
    cr_expect_eq(bse_step_submit(s, 1, 1, t.order_price + 1, &err), BSE_STEP_EQUOTE);
    cr_expect(strstr(err.msg, "bid above the limit") != NULL, "%s", err.msg);
    cr_expect_eq(bse_step_submit(s, 1, 0, t.order_price, &err), BSE_STEP_EQUOTE);
    cr_expect(strstr(err.msg, "an ask from a buyer") != NULL, "%s", err.msg);
    cr_expect_eq(bse_step_submit(s, 1, 1, 0, &err), BSE_STEP_EQUOTE);
    cr_expect_eq(bse_step_time(s), time);
    /* still pending: a valid quote goes through and rests on the book */
    cr_assert_eq(bse_step_submit(s, 1, 1, 1, &err), BSE_STEP_OK, "%s", err.msg);
    bse_step_trader_view(s, 3, &t);
    cr_expect(t.has_quote && t.quote_is_bid && t.quote_price == 1);
    cr_expect(bse_step_time(s) > time);
    cr_expect_eq(bse_step_submit(s, 0, 0, 0, &err), BSE_STEP_ESTATE);
    bse_step_destroy(s);
}

Test(bse_step, calls_out_of_order_are_refused)
{
    bse_step_options o = bse_step_options_default();
    o.watch = BSE_STEP_NO_SLOT;
    bse_step *s = std_stepper(&o);
    common_error err;
    bse_result res;
    int q, b;
    int64_t p;
    cr_expect_eq(bse_step_propose(s, &q, &b, &p, &err), BSE_STEP_ESTATE);
    cr_expect_eq(bse_step_finish(s, &res, &err), BSE_STEP_ESTATE);
    bse_step_event ev;
    int32_t who;
    cr_assert_eq(bse_step_advance(s, &ev, &who, &err), BSE_STEP_OK);
    cr_assert_eq(ev, BSE_STEP_END);
    cr_expect_eq(bse_step_advance(s, &ev, &who, &err), BSE_STEP_ESTATE);
    cr_assert_eq(bse_step_finish(s, &res, &err), BSE_STEP_OK);
    cr_expect_eq(res.n_trades, 418);
    bse_result again; /* a refused call zeroes its out-parameter: not the result taken */
    cr_expect_eq(bse_step_finish(s, &again, &err), BSE_STEP_ESTATE);
    bse_result_free(&res);
    bse_step_destroy(s);
    bse_step_destroy(NULL);
}

Test(bse_step, bad_options_are_refused_naming_options)
{
    manifest m;
    manifest_open(&m);
    bse_case bc;
    common_error err;
    cr_assert_eq(bse_case_parse(&bc, m.text, m.len, m.path, "std-s0", &err), BSE_CONFIG_OK);
    manifest_close(&m);
    bse_step_options o = bse_step_options_default();
    o.watch = 80; /* 80 traders: 0..79 */
    bse_step *s = (bse_step *)&o;
    cr_expect_eq(bse_step_create(&s, &bc, &o, &err), BSE_STEP_ECONFIG);
    cr_expect_null(s);
    cr_expect_str_eq(err.field, "options");
    o = bse_step_options_default();
    o.retype_slot = 0;
    o.slot_type = BSE_T_PRDE;
    cr_expect_eq(bse_step_create(&s, &bc, &o, &err), BSE_STEP_ECONFIG);
}

/* Re-typing a slot leaves the construction of everyone else alone: until the slot
 * first acts, the market is the unmodified case's; and it is deterministic. */
Test(bse_step, retyped_slot_is_deterministic_and_acts_as_its_new_type)
{
    int64_t bal[2];
    for (int k = 0; k < 2; k++) {
        bse_step_options o = bse_step_options_default();
        o.watch = BSE_STEP_NO_SLOT;
        o.retype_slot = 5;
        o.slot_type = BSE_T_GVWY;
        bse_step *s = std_stepper(&o);
        bse_step_trader t;
        bse_step_trader_view(s, 5, &t);
        cr_expect_eq(t.type, BSE_T_GVWY);
        cr_expect_str_eq(t.tid, "B05");
        bse_step_event ev;
        int32_t who;
        common_error err;
        cr_assert_eq(bse_step_advance(s, &ev, &who, &err), BSE_STEP_OK);
        bse_step_trader_view(s, 5, &t);
        bal[k] = t.balance;
        bse_result res;
        cr_assert_eq(bse_step_finish(s, &res, &err), BSE_STEP_OK);
        bse_result_free(&res);
        bse_step_destroy(s);
    }
    cr_expect_eq(bal[0], bal[1]);
}

Test(bse_step, book_and_trades_views_are_best_first)
{
    bse_step_options o = bse_step_options_default();
    bse_step *s = std_stepper(&o);
    common_error err;
    int checked = 0;
    for (int i = 0; i < 20000; i++) {
        bse_step_event ev;
        int32_t who;
        cr_assert_eq(bse_step_advance(s, &ev, &who, &err), BSE_STEP_OK);
        if (ev == BSE_STEP_END)
            break;
        bse_step_level lv[8];
        int64_t tot = 0;
        int32_t n = bse_step_book(s, 1, lv, 8, &tot);
        for (int32_t k = 1; k < n && k < 8; k++)
            cr_assert(lv[k].price < lv[k - 1].price);
        n = bse_step_book(s, 0, lv, 8, &tot);
        for (int32_t k = 1; k < n && k < 8; k++)
            cr_assert(lv[k].price > lv[k - 1].price);
        double tt[4];
        int64_t tp[4];
        int32_t nt = bse_step_trades(s, tt, tp, 4);
        for (int32_t k = 1; k < nt; k++)
            cr_assert(tt[k] <= tt[k - 1]);
        checked += nt > 1;
    }
    cr_expect(checked > 0);
    bse_step_destroy(s);
}
