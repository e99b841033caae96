/* tests/test_econ_external.c - the "external" strategy (economy.md s7): the JSON-lines
 * codec byte for byte, the reply decoder on every kind of bad line, and the ops driven
 * directly against real programs (tests/econ/hostile_agent.py, examples/agents/):
 * well-behaved, malformed, late, dead, not reading, never exiting, flooding. */
#include <criterion/criterion.h>
#include <errno.h>
#include <pthread.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "chain/economy/external.h"
#include "chain/economy/live.h"
#include "tests/testutil.h"

static const chain_econ_trader_ops *OPS = &chain_econ_trader_external;

static double mono(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static const chain_econ_hello HELLO = {.agent = 3, .seed = 42, .step_s = 1.5, .duration_s = 60, .label = "ext"};
static const char HELLO_LINE[] = "{\"type\":\"hello\",\"agent\":3,\"pairs\":[\"BRAVO/ALPHA\",\"CHARLIE/ALPHA\","
                                 "\"CHARLIE/BRAVO\"],\"units_per_coin\":1000000,\"tick\":100,\"qty_step\":10000,"
                                 "\"step_s\":1.5,\"seed\":42}\n";

static const chain_ex_order_info ORDERS[1] = {{.id = 7, .pair = 0, .side = BSE_MATCH_BUY, .price = 9900, .qty = 20000, .filled = 10000}};
static const char *const OBS_ERRORS[1] = {"orders[0].qty: 15000 is not a multiple of 10000"};

static void sample_obs(chain_econ_obs *o)
{
    memset(o, 0, sizeof *o);
    o->t = 12.5;
    o->agent = 3;
    o->ex[0] = (chain_ex_balance){1000000, 250000, 0};
    o->ex[1] = (chain_ex_balance){2000000, 0, 0};
    o->orders = ORDERS;
    o->n_orders = 1;
    chain_econ_book_view *v = &o->books[0];
    v->bids[0][0] = 9900, v->bids[0][1] = 20000;
    v->bids[1][0] = 9800, v->bids[1][1] = 10000;
    v->n_bids = 2;
    v->asks[0][0] = 10100, v->asks[0][1] = 30000;
    v->n_asks = 1;
    v->recent[0][0] = 10.25, v->recent[0][1] = 10000, v->recent[0][2] = 10000;
    v->n_recent = 1;
    v->last_price = 10000;
    o->heights[0] = 12, o->heights[1] = 7, o->heights[2] = 3;
    o->news[0] = 1, o->news[1] = -1;
    o->reward = 0.125;
    o->errors = OBS_ERRORS;
    o->n_errors = 1;
}

static const char OBS_LINE[] =
    "{\"type\":\"observation\",\"step\":1,\"t\":12.5,\"balances\":{\"ALPHA\":{\"free\":1000000,\"locked\":250000},"
    "\"BRAVO\":{\"free\":2000000,\"locked\":0},\"CHARLIE\":{\"free\":0,\"locked\":0}},\"orders\":[{\"id\":7,"
    "\"pair\":\"BRAVO/ALPHA\",\"side\":\"buy\",\"price\":9900,\"qty\":20000,\"filled\":10000}],\"books\":{"
    "\"BRAVO/ALPHA\":{\"bids\":[[9900,20000],[9800,10000]],\"asks\":[[10100,30000]]},\"CHARLIE/ALPHA\":{\"bids\":[],"
    "\"asks\":[]},\"CHARLIE/BRAVO\":{\"bids\":[],\"asks\":[]}},\"trades\":{\"BRAVO/ALPHA\":[[10.25,10000,10000]],"
    "\"CHARLIE/ALPHA\":[],\"CHARLIE/BRAVO\":[]},\"chains\":{\"alpha\":{\"height\":12},\"bravo\":{\"height\":7},"
    "\"charlie\":{\"height\":3}},\"news\":{\"ALPHA\":1,\"BRAVO\":-1,\"CHARLIE\":0},\"errors\":[\"orders[0].qty: "
    "15000 is not a multiple of 10000\"],\"reward\":0.125}\n";

/* ------------------------------------------------------------------ codec */

Test(econ_external, hello_and_observation_and_end_are_byte_exact)
{
    common_buf b = COMMON_BUF_INIT;
    cr_assert_eq(chain_econ_ext_hello_json(&b, &HELLO), 0);
    cr_assert_str_eq(b.data, HELLO_LINE);
    common_buf_reset(&b);
    chain_econ_obs o;
    sample_obs(&o);
    cr_assert_eq(chain_econ_ext_obs_json(&b, &o, 1), 0);
    cr_assert_str_eq(b.data, OBS_LINE);
    common_buf_reset(&b);
    o.n_errors = 0; /* "errors" only when there are some */
    cr_assert_eq(chain_econ_ext_obs_json(&b, &o, 1), 0);
    cr_assert_null(strstr(b.data, "\"errors\""));
    common_buf_reset(&b);
    cr_assert_eq(chain_econ_ext_end_json(&b, 3.75), 0);
    cr_assert_str_eq(b.data, "{\"type\":\"end\",\"value\":3.75}\n");
    common_buf_free(&b);
}

Test(econ_external, observation_escapes_strings_and_writes_shortest_doubles)
{
    chain_econ_obs o;
    sample_obs(&o);
    const char *errs[2] = {"a \"q\"\\\n\x01", "bad \xff utf8 \xc3\xa9"};
    o.errors = errs;
    o.n_errors = 2;
    o.t = 0.1;
    o.reward = NAN;
    o.books[1].recent[0][0] = 1e-7, o.books[1].recent[0][1] = 5, o.books[1].recent[0][2] = 10000;
    o.books[1].n_recent = 1;
    common_buf b = COMMON_BUF_INIT;
    cr_assert_eq(chain_econ_ext_obs_json(&b, &o, 18446744073709551615ull), 0);
    cr_assert(strstr(b.data, "\"step\":18446744073709551615,\"t\":0.1,"), "%s", b.data);
    cr_assert(strstr(b.data, "\"errors\":[\"a \\\"q\\\"\\\\\\n\\u0001\",\"bad \\ufffd utf8 \xc3\xa9\"]"), "%s", b.data);
    cr_assert(strstr(b.data, "\"CHARLIE/ALPHA\":[[1e-07,5,10000]]"), "%s", b.data);
    cr_assert(strstr(b.data, "\"reward\":null}\n"), "%s", b.data);
    /* the line parses as JSON and has exactly one newline, at its end */
    cr_assert_eq(strchr(b.data, '\n'), b.data + b.len - 1);
    cJSON *j = cJSON_Parse(b.data);
    cr_assert_not_null(j);
    cJSON_Delete(j);
    common_buf_free(&b);
}

/* Every field of an observation set, for the golden lines below: both encodings (the
 * external agents' of economy.md s7 and the live protocol's of live.h) of one
 * observation, byte for byte. Strings with quotes, backslashes, control bytes, valid
 * and broken UTF-8; reals with fractions, 0.1 (shortest vs %.17g), NaN, +-inf,
 * negative zero, integers below and above 2^53, tiny and huge ones; news of any size;
 * an order of a pair that does not exist (external skips it, live names pair % 3). */
static const chain_ex_order_info FULL_ORDERS[3] = {
    {.id = 7, .pair = 0, .side = BSE_MATCH_BUY, .price = 9900, .qty = 20000, .filled = 10000},
    {.id = 18446744073709551615ull, .pair = 2, .side = BSE_MATCH_SELL, .price = -5, .qty = INT64_MAX, .filled = INT64_MIN},
    {.id = 9, .pair = 4, .side = BSE_MATCH_SELL, .price = 100, .qty = 10000, .filled = 0},
};
static const char *const FULL_ERRORS[4] = {"q\"b\\s/ \n\r\t\x01\x1f\x7f", "utf8 \xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80",
                                           "bad \xff \xc3 \xe2\x82 \xed\xa0\x80 \xf5\x80\x80\x80 end\xc3", ""};

static void full_obs(chain_econ_obs *o)
{
    memset(o, 0, sizeof *o);
    o->t = 0.1;
    o->agent = 4294967295u;
    for (unsigned c = 0; c < CHAIN_EX_COINS; c++) {
        o->ex[c] = (chain_ex_balance){1000000 * (int64_t)(c + 1), 250000 + (int64_t)c, -7 - (int64_t)c};
        o->onchain[c] = c == 2 ? INT64_MIN : 123456789012345 * (int64_t)(c + 1);
        o->heights[c] = c == 1 ? 18446744073709551615ull : 12 + c;
    }
    o->fiat = -42;
    o->orders = FULL_ORDERS;
    o->n_orders = 3;
    static const double REALS[] = {10.25, 0.1, 1.0 / 3, -0.0, NAN, INFINITY, -INFINITY, 1e-7, 1e300,
                                   9007199254740992.0, 9007199254740991.0, -2.5e-310, -123.0, 5e-324};
    const size_t nr = sizeof REALS / sizeof REALS[0];
    for (unsigned p = 0; p < CHAIN_EX_PAIRS; p++) {
        chain_econ_book_view *v = &o->books[p];
        v->n_bids = p == 0 ? CHAIN_ECON_DEPTH : p;
        v->n_asks = p == 2 ? 0 : 2;
        for (size_t i = 0; i < CHAIN_ECON_DEPTH; i++) {
            v->bids[i][0] = 9900 - 100 * (int64_t)i, v->bids[i][1] = 10000 * (int64_t)(i + 1);
            v->asks[i][0] = 10100 + (int64_t)i, v->asks[i][1] = INT64_MAX - (int64_t)i;
        }
        v->last_price = p == 1 ? 0 : -1 - (int64_t)p;
        v->n_history = p == 0 ? 5 : p == 1 ? 0 : 1;
        for (size_t i = 0; i < v->n_history; i++)
            v->history[i] = 10000 + (int64_t)i * (p ? -1 : 1);
        v->n_recent = p == 2 ? 1 : (nr + 2) / 3;
        for (size_t i = 0; i < v->n_recent; i++)
            for (int k = 0; k < 3; k++)
                v->recent[i][k] = REALS[(i * 3 + (size_t)k + p) % nr];
    }
    o->news[0] = 5, o->news[1] = -3, o->news[2] = 0;
    o->fundamental[0] = 1, o->fundamental[1] = 0.1, o->fundamental[2] = NAN;
    o->reward = -0.0;
    o->errors = FULL_ERRORS;
    o->n_errors = 4;
}

static const char FULL_EXT_LINE[] =
    "{\"type\":\"observation\",\"step\":18446744073709551615,\"t\":0.1,\"balances\":{\"ALPHA\":{\"free\":"
    "1000000,\"locked\":250000},\"BRAVO\":{\"free\":2000000,\"locked\":250001},\"CHARLIE\":{\"free\":3000"
    "000,\"locked\":250002}},\"orders\":[{\"id\":7,\"pair\":\"BRAVO/ALPHA\",\"side\":\"buy\",\"price\":99"
    "00,\"qty\":20000,\"filled\":10000},{\"id\":18446744073709551615,\"pair\":\"CHARLIE/BRAVO\",\"side\":"
    "\"sell\",\"price\":-5,\"qty\":9223372036854775807,\"filled\":-9223372036854775808}],\"books\":{\"BRA"
    "VO/ALPHA\":{\"bids\":[[9900,10000],[9800,20000],[9700,30000],[9600,40000],[9500,50000],[9400,60000],"
    "[9300,70000],[9200,80000],[9100,90000],[9000,100000]],\"asks\":[[10100,9223372036854775807],[10101,9"
    "223372036854775806]]},\"CHARLIE/ALPHA\":{\"bids\":[[9900,10000]],\"asks\":[[10100,922337203685477580"
    "7],[10101,9223372036854775806]]},\"CHARLIE/BRAVO\":{\"bids\":[[9900,10000],[9800,20000]],\"asks\":[]"
    "}},\"trades\":{\"BRAVO/ALPHA\":[[10.25,0.1,0.3333333333333333],[0,null,null],[null,1e-07,1e+300],[90"
    "07199254740992,9007199254740991,-2.50000000000002e-310],[-123,4.94065645841247e-324,10.25]],\"CHARLI"
    "E/ALPHA\":[[0.1,0.3333333333333333,0],[null,null,null],[1e-07,1e+300,9007199254740992],[900719925474"
    "0991,-2.50000000000002e-310,-123],[4.94065645841247e-324,10.25,0.1]],\"CHARLIE/BRAVO\":[[0.333333333"
    "3333333,0,null]]},\"chains\":{\"alpha\":{\"height\":12},\"bravo\":{\"height\":18446744073709551615},"
    "\"charlie\":{\"height\":14}},\"news\":{\"ALPHA\":1,\"BRAVO\":-1,\"CHARLIE\":0},\"errors\":[\"q\\\"b"
    "\\\\s/ \\n\\r\\t\\u0001\\u001f\177\",\"utf8 \303\251 \342\202\254 \360\237\230\200\",\"bad \\ufffd "
    "\\ufffd \\ufffd\\ufffd \355\240\200 \\ufffd\\ufffd\\ufffd\\ufffd end\\ufffd\",\"\"],\"reward\":0}\n";
static const char FULL_LIVE_LINE[] =
    "{\"type\":\"observation\",\"step\":3,\"t\":0.10000000000000001,\"agent\":4294967295,\"balances\":{\""
    "ALPHA\":{\"free\":1000000,\"locked\":250000,\"owed\":-7},\"BRAVO\":{\"free\":2000000,\"locked\":2500"
    "01,\"owed\":-8},\"CHARLIE\":{\"free\":3000000,\"locked\":250002,\"owed\":-9}},\"onchain\":{\"ALPHA\""
    ":123456789012345,\"BRAVO\":246913578024690,\"CHARLIE\":-9223372036854775808},\"fiat\":-42,\"orders\""
    ":[{\"id\":7,\"pair\":\"BRAVO/ALPHA\",\"side\":\"buy\",\"price\":9900,\"qty\":20000,\"filled\":10000}"
    ",{\"id\":18446744073709551615,\"pair\":\"CHARLIE/BRAVO\",\"side\":\"sell\",\"price\":-5,\"qty\":9223"
    "372036854775807,\"filled\":-9223372036854775808},{\"id\":9,\"pair\":\"CHARLIE/ALPHA\",\"side\":\"sel"
    "l\",\"price\":100,\"qty\":10000,\"filled\":0}],\"books\":{\"BRAVO/ALPHA\":{\"bids\":[[9900,10000],[9"
    "800,20000],[9700,30000],[9600,40000],[9500,50000],[9400,60000],[9300,70000],[9200,80000],[9100,90000"
    "],[9000,100000]],\"asks\":[[10100,9223372036854775807],[10101,9223372036854775806]],\"last\":-1,\"hi"
    "story\":[10000,10001,10002,10003,10004]},\"CHARLIE/ALPHA\":{\"bids\":[[9900,10000]],\"asks\":[[10100"
    ",9223372036854775807],[10101,9223372036854775806]],\"last\":0,\"history\":[]},\"CHARLIE/BRAVO\":{\"b"
    "ids\":[[9900,10000],[9800,20000]],\"asks\":[],\"last\":-3,\"history\":[10000]}},\"trades\":{\"BRAVO/"
    "ALPHA\":[[10.25,0.10000000000000001,0.33333333333333331],[0,null,null],[null,9.9999999999999995e-08,"
    "1.0000000000000001e+300],[9007199254740992,9007199254740991,-2.5000000000000171e-310],[-123,4.940656"
    "4584124654e-324,10.25]],\"CHARLIE/ALPHA\":[[0.10000000000000001,0.33333333333333331,0],[null,null,nu"
    "ll],[9.9999999999999995e-08,1.0000000000000001e+300,9007199254740992],[9007199254740991,-2.500000000"
    "0000171e-310,-123],[4.9406564584124654e-324,10.25,0.10000000000000001]],\"CHARLIE/BRAVO\":[[0.333333"
    "33333333331,0,null]]},\"chains\":{\"alpha\":{\"height\":12},\"bravo\":{\"height\":184467440737095516"
    "15},\"charlie\":{\"height\":14}},\"news\":{\"ALPHA\":1,\"BRAVO\":-1,\"CHARLIE\":0},\"fundamental\":{"
    "\"ALPHA\":1,\"BRAVO\":0.10000000000000001,\"CHARLIE\":null},\"errors\":[\"q\\\"b\\\\s/ \\u000a\\u000"
    "d\\u0009\\u0001\\u001f\177\",\"utf8 \303\251 \342\202\254 \360\237\230\200\",\"bad \377 \303 \342"
    "\202 \355\240\200 \365\200\200\200 end\303\",\"\"],\"reward\":0}\n";

Test(econ_external, both_observation_encodings_of_every_field_are_byte_exact)
{
    chain_econ_obs o;
    full_obs(&o);
    common_buf b = COMMON_BUF_INIT;
    cr_assert_eq(chain_econ_ext_obs_json(&b, &o, 18446744073709551615ull), 0);
    cr_assert_eq(b.len, sizeof FULL_EXT_LINE - 1, "%s", b.data);
    cr_assert_eq(memcmp(b.data, FULL_EXT_LINE, b.len), 0, "%s", b.data);
    common_buf_reset(&b);
    cr_assert_eq(chain_econ_live_obs_json(&b, &o, 3), 0);
    cr_assert_eq(b.len, sizeof FULL_LIVE_LINE - 1, "%s", b.data);
    cr_assert_eq(memcmp(b.data, FULL_LIVE_LINE, b.len), 0, "%s", b.data);
    /* without errors: no "errors" member in either */
    o.n_errors = 0;
    common_buf_reset(&b);
    cr_assert_eq(chain_econ_ext_obs_json(&b, &o, 1), 0);
    cr_assert_null(strstr(b.data, "\"errors\""));
    common_buf_reset(&b);
    cr_assert_eq(chain_econ_live_obs_json(&b, &o, 1), 0);
    cr_assert_null(strstr(b.data, "\"errors\""));
    common_buf_free(&b);
}

Test(econ_external, the_json_string_and_real_writers_of_both_styles_are_byte_exact)
{
    common_buf b = COMMON_BUF_INIT;
    chain_econ_live_put_str(&b, FULL_ERRORS[0]);
    chain_econ_live_put_str(&b, FULL_ERRORS[2]);
    static const double R[] = {0.1, -0.0, NAN, INFINITY, -INFINITY, 1e300, 9007199254740992.0, -123.0, 5e-324, 1.0 / 3};
    for (size_t i = 0; i < sizeof R / sizeof R[0]; i++) {
        common_buf_append(&b, " ", 1);
        chain_econ_live_put_real(&b, R[i]);
    }
    static const char LIVE[] =
        "\"q\\\"b\\\\s/ \\u000a\\u000d\\u0009\\u0001\\u001f\177\"\"bad \377 \303 \342\202 \355\240\200 \365"
        "\200\200\200 end\303\" 0.10000000000000001 0 null null null 1.0000000000000001e+300 9007199254740992"
        " -123 4.9406564584124654e-324 0.33333333333333331";
    cr_assert_eq(b.len, sizeof LIVE - 1, "%s", b.data);
    cr_assert_eq(memcmp(b.data, LIVE, b.len), 0, "%s", b.data);
    common_buf_free(&b);
}

/* ------------------------------------------------------------------ decoder */

static int decode(chain_econ_action *act, int64_t *step, const char *line)
{
    memset(act, 0, sizeof *act);
    return chain_econ_ext_decode(act, step, line, strlen(line));
}

Test(econ_external, a_valid_reply_is_decoded_exactly)
{
    chain_econ_action a;
    int64_t step;
    cr_assert_eq(decode(&a, &step,
                        "{\"orders\":[{\"pair\":\"CHARLIE/BRAVO\",\"side\":\"sell\",\"type\":\"limit\",\"price\":12345,"
                        "\"qty\":30000},{\"pair\":\"BRAVO/ALPHA\",\"side\":\"buy\",\"type\":\"market\",\"qty\":10000},"
                        "{\"qty\":1e4,\"price\":100000000,\"type\":\"ioc\",\"side\":\"buy\",\"pair\":\"CHARLIE/ALPHA\"}],"
                        "\"cancel\":[7,9007199254740992],\"step\":5} \r"),
                 0);
    cr_assert_eq(a.n_errors, 0, "%s", a.errors[0]);
    cr_assert_eq(step, 5);
    cr_assert_eq(a.n_orders, 3);
    cr_assert(a.orders[0].pair == 2 && a.orders[0].side == BSE_MATCH_SELL && a.orders[0].type == BSE_MATCH_LIMIT &&
              a.orders[0].price == 12345 && a.orders[0].qty == 30000);
    cr_assert(a.orders[1].pair == 0 && a.orders[1].side == BSE_MATCH_BUY && a.orders[1].type == BSE_MATCH_MARKET &&
              a.orders[1].price == 0 && a.orders[1].qty == 10000);
    cr_assert(a.orders[2].pair == 1 && a.orders[2].type == BSE_MATCH_IOC && a.orders[2].price == 100000000 &&
              a.orders[2].qty == 10000);
    cr_assert_eq(a.n_cancels, 2);
    cr_assert(a.cancels[0] == 7 && a.cancels[1] == 9007199254740992ull);
    cr_assert_eq(decode(&a, &step, "{}"), 0);
    cr_assert(a.n_orders == 0 && a.n_cancels == 0 && a.n_errors == 0 && step == -1);
    cr_assert_eq(decode(&a, &step, "{\"orders\":null,\"cancel\":[]}"), 0);
    cr_assert(a.n_orders == 0 && a.n_errors == 0);
}

typedef struct bad_case {
    const char *line;
    int whole;          /* 1: the line is refused whole (-1) */
    const char *reason; /* the first error */
} bad_case;

#define ORD(fields) "{\"orders\":[{" fields "}]}"
static const bad_case BAD[] = {
    {"not json at all", 1, "reply: not JSON"},
    {"", 1, "reply: not JSON"},
    {"[1,2,3]", 1, "reply: not a JSON object"},
    {"\"orders\"", 1, "reply: not a JSON object"},
    {"{} {}", 1, "reply: bytes after the JSON value"},
    {"[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[", 1, "reply: nested deeper than 16"},
    {"{\"orders\":\"buy\"}", 0, "orders: not an array"},
    {"{\"orders\":[17]}", 0, "orders[0]: not an object"},
    {"{\"cancel\":{}}", 0, "cancel: not an array"},
    {ORD("\"pair\":\"DOGE/ALPHA\",\"side\":\"buy\",\"type\":\"limit\",\"price\":100,\"qty\":10000"), 0,
     "orders[0].pair: unknown pair \"DOGE/ALPHA\""},
    {ORD("\"pair\":\"bravo/alpha\",\"side\":\"buy\",\"type\":\"limit\",\"price\":100,\"qty\":10000"), 0,
     "orders[0].pair: unknown pair \"bravo/alpha\""},
    {ORD("\"pair\":5,\"side\":\"buy\",\"type\":\"limit\",\"price\":100,\"qty\":10000"), 0, "orders[0].pair: not a string"},
    {ORD("\"side\":\"buy\",\"type\":\"limit\",\"price\":100,\"qty\":10000"), 0, "orders[0].pair: missing"},
    {ORD("\"pair\":\"BRAVO/ALPHA\",\"side\":\"up\",\"type\":\"limit\",\"price\":100,\"qty\":10000"), 0,
     "orders[0].side: \"up\" is not buy or sell"},
    {ORD("\"pair\":\"BRAVO/ALPHA\",\"side\":true,\"type\":\"limit\",\"price\":100,\"qty\":10000"), 0,
     "orders[0].side: not a string"},
    {ORD("\"pair\":\"BRAVO/ALPHA\",\"side\":\"buy\",\"type\":\"fok\",\"price\":100,\"qty\":10000"), 0,
     "orders[0].type: \"fok\" is not limit, market or ioc"},
    {ORD("\"pair\":\"BRAVO/ALPHA\",\"side\":\"buy\",\"price\":100,\"qty\":10000"), 0, "orders[0].type: missing"},
    {ORD("\"pair\":\"BRAVO/ALPHA\",\"side\":\"buy\",\"type\":\"limit\",\"price\":100,\"qty\":-10000"), 0,
     "orders[0].qty: -10000 is not positive"},
    {ORD("\"pair\":\"BRAVO/ALPHA\",\"side\":\"buy\",\"type\":\"limit\",\"price\":100,\"qty\":0"), 0,
     "orders[0].qty: 0 is not positive"},
    {ORD("\"pair\":\"BRAVO/ALPHA\",\"side\":\"buy\",\"type\":\"limit\",\"price\":100,\"qty\":10000.5"), 0,
     "orders[0].qty: not an integer"},
    {ORD("\"pair\":\"BRAVO/ALPHA\",\"side\":\"buy\",\"type\":\"limit\",\"price\":100,\"qty\":15000"), 0,
     "orders[0].qty: 15000 is not a multiple of 10000"},
    {ORD("\"pair\":\"BRAVO/ALPHA\",\"side\":\"buy\",\"type\":\"limit\",\"price\":100,\"qty\":\"10000\""), 0,
     "orders[0].qty: not a number"},
    {ORD("\"pair\":\"BRAVO/ALPHA\",\"side\":\"buy\",\"type\":\"limit\",\"price\":100"), 0, "orders[0].qty: missing"},
    {ORD("\"pair\":\"BRAVO/ALPHA\",\"side\":\"buy\",\"type\":\"limit\",\"price\":100,\"qty\":1e400"), 0,
     "orders[0].qty: out of range"},
    {ORD("\"pair\":\"BRAVO/ALPHA\",\"side\":\"buy\",\"type\":\"limit\",\"price\":100,\"qty\":1125899906852624"), 0,
     "orders[0].qty: out of range"},
    {ORD("\"pair\":\"BRAVO/ALPHA\",\"side\":\"buy\",\"type\":\"limit\",\"qty\":10000"), 0,
     "orders[0].price: missing (a limit order needs one)"},
    {ORD("\"pair\":\"BRAVO/ALPHA\",\"side\":\"buy\",\"type\":\"ioc\",\"qty\":10000"), 0,
     "orders[0].price: missing (a ioc order needs one)"},
    {ORD("\"pair\":\"BRAVO/ALPHA\",\"side\":\"buy\",\"type\":\"limit\",\"price\":1e300,\"qty\":10000"), 0,
     "orders[0].price: out of range"},
    {ORD("\"pair\":\"BRAVO/ALPHA\",\"side\":\"buy\",\"type\":\"limit\",\"price\":0,\"qty\":10000"), 0,
     "orders[0].price: out of range"},
    {ORD("\"pair\":\"BRAVO/ALPHA\",\"side\":\"buy\",\"type\":\"limit\",\"price\":100000001,\"qty\":10000"), 0,
     "orders[0].price: out of range"},
    {ORD("\"pair\":\"BRAVO/ALPHA\",\"side\":\"buy\",\"type\":\"limit\",\"price\":99.5,\"qty\":10000"), 0,
     "orders[0].price: not an integer"},
    {ORD("\"pair\":\"BRAVO/ALPHA\",\"side\":\"buy\",\"type\":\"market\",\"price\":-1,\"qty\":10000"), 0,
     "orders[0].price: out of range"},
    {ORD("\"pair\":\"BRAVO/ALPHA\",\"side\":\"buy\",\"type\":\"limit\",\"price\":100,\"qty\":10000,\"foo\":1"), 0,
     "orders[0].foo: unknown field; order refused"},
    {ORD("\"pair\":\"BRAVO/ALPHA\",\"pair\":\"BRAVO/ALPHA\",\"side\":\"buy\",\"type\":\"limit\",\"price\":100,\"qty\":10000"),
     0, "orders[0].pair: given twice; order refused"},
    {"{\"cancel\":[1.5]}", 0, "cancel[0]: not an integer"},
    {"{\"cancel\":[0]}", 0, "cancel[0]: out of range"},
    {"{\"cancel\":[\"7\"]}", 0, "cancel[0]: not a number"},
    {"{\"cancels\":[7]}", 0, "reply.cancels: unknown field; ignored"},
    {"{\"step\":\"x\"}", 0, "step: not a number; ignored"},
};

Test(econ_external, every_kind_of_bad_line_is_refused_naming_its_field)
{
    for (size_t i = 0; i < sizeof BAD / sizeof BAD[0]; i++) {
        chain_econ_action a;
        int64_t step;
        int rc = decode(&a, &step, BAD[i].line);
        cr_assert_eq(rc, BAD[i].whole ? -1 : 0, "%s", BAD[i].line);
        cr_assert_geq(a.n_errors, 1, "%s", BAD[i].line);
        cr_assert(strncmp(a.errors[0], BAD[i].reason, strlen(BAD[i].reason)) == 0, "%s: got \"%s\", want \"%s\"",
                  BAD[i].line, a.errors[0], BAD[i].reason);
        cr_assert_eq(a.n_orders, 0, "%s", BAD[i].line);
        cr_assert_eq(a.n_cancels, 0, "%s", BAD[i].line);
    }
}

Test(econ_external, valid_parts_of_a_partly_bad_reply_are_kept)
{
    chain_econ_action a;
    int64_t step;
    cr_assert_eq(decode(&a, &step,
                        "{\"orders\":[{\"pair\":\"BRAVO/ALPHA\",\"side\":\"buy\",\"type\":\"limit\",\"price\":100,"
                        "\"qty\":20000},{\"pair\":\"BRAVO/ALPHA\",\"side\":\"sell\",\"type\":\"limit\",\"price\":100,"
                        "\"qty\":5}],\"cancel\":[1.5,-3,\"x\",12],\"bogus\":1}"),
                 0);
    cr_assert_eq(a.n_orders, 1);
    cr_assert_eq(a.orders[0].qty, 20000);
    cr_assert_eq(a.n_cancels, 1);
    cr_assert_eq(a.cancels[0], 12);
    cr_assert_eq(a.n_errors, 5);
    cr_assert_str_eq(a.errors[0], "reply.bogus: unknown field; ignored");
    cr_assert_str_eq(a.errors[1], "orders[1].qty: 5 is not a multiple of 10000");
    cr_assert_str_eq(a.errors[2], "cancel[0]: not an integer (an order id)");
    cr_assert_str_eq(a.errors[3], "cancel[1]: out of range (an order id)");
    cr_assert_str_eq(a.errors[4], "cancel[2]: not a number (an order id)");
}

Test(econ_external, limits_on_orders_cancels_errors_and_bytes)
{
    common_buf b = COMMON_BUF_INIT;
    common_buf_printf(&b, "{\"orders\":[");
    for (int i = 0; i < 40; i++)
        common_buf_printf(&b, "%s{\"pair\":\"BRAVO/ALPHA\",\"side\":\"buy\",\"type\":\"limit\",\"price\":%d,\"qty\":10000}",
                          i ? "," : "", 100 + i);
    common_buf_printf(&b, "],\"cancel\":[");
    for (int i = 0; i < 80; i++)
        common_buf_printf(&b, "%s%d", i ? "," : "", i + 1);
    common_buf_printf(&b, "]}");
    chain_econ_action a;
    int64_t step;
    memset(&a, 0, sizeof a);
    cr_assert_eq(chain_econ_ext_decode(&a, &step, b.data, b.len), 0);
    cr_assert_eq(a.n_orders, CHAIN_ECON_MAX_ORDERS);
    cr_assert_eq(a.orders[31].price, 131);
    cr_assert_eq(a.n_cancels, CHAIN_ECON_MAX_CANCELS);
    cr_assert_eq(a.n_errors, CHAIN_ECON_MAX_ERRORS);
    cr_assert_str_eq(a.errors[0], "orders[32]: more than 32 orders; refused");
    cr_assert_str_eq(a.errors[CHAIN_ECON_MAX_ERRORS - 1], "further refusals not shown");
    /* a NUL byte inside the line */
    memset(&a, 0, sizeof a);
    cr_assert_eq(chain_econ_ext_decode(&a, &step, "{}\0{}", 5), -1);
    cr_assert_str_eq(a.errors[0], "reply: a NUL byte in the line; line refused");
    /* a long quoted name is cut and made printable */
    memset(&a, 0, sizeof a);
    decode(&a, &step, ORD("\"pair\":\"\\u0001ABCDEFGHIJKLMNOPQRSTUVWXYZ\",\"side\":\"buy\",\"type\":\"limit\",\"price\":1,\"qty\":10000"));
    cr_assert_str_eq(a.errors[0], "orders[0].pair: unknown pair \"?ABCDEFGHIJKLMNOPQRS..\"");
    common_buf_free(&b);
}

/* ------------------------------------------------------------------ params */

static cJSON *params(const char *const *argv, int timeout_ms)
{
    cJSON *p = cJSON_CreateObject();
    cJSON *c = cJSON_AddArrayToObject(p, "command");
    for (; *argv; argv++)
        cJSON_AddItemToArray(c, cJSON_CreateString(*argv));
    if (timeout_ms)
        cJSON_AddNumberToObject(p, "timeout_ms", timeout_ms);
    return p;
}

static void init_fails(const char *json, const char *field, const char *msg)
{
    cJSON *p = json ? cJSON_Parse(json) : NULL;
    cr_assert(!json || p, "%s", json);
    void *st = (void *)1;
    common_error err;
    common_error_clear(&err);
    cr_assert_eq(OPS->init(&st, p, &HELLO, &err), -1, "%s", json ? json : "NULL");
    cr_assert_null(st);
    cr_assert_neq(err.code, 0);
    cr_assert_str_eq(err.field, field, "%s: field %s", json ? json : "NULL", err.field);
    cr_assert(strstr(err.msg, msg), "%s: msg %s", json ? json : "NULL", err.msg);
    cJSON_Delete(p);
}

Test(econ_external, bad_params_are_refused_naming_the_field)
{
    cr_assert_str_eq(OPS->name, "external");
    init_fails(NULL, "params.command", "required");
    init_fails("[]", "params", "not an object");
    init_fails("{}", "params.command", "required");
    init_fails("{\"command\":\"python3 agent.py\"}", "params.command", "not an array");
    init_fails("{\"command\":[]}", "params.command", "not an array of 1..256 strings");
    init_fails("{\"command\":[\"python3\",7]}", "params.command[1]", "not a string");
    init_fails("{\"command\":[\"\"]}", "params.command[0]", "not a program name");
    init_fails("{\"command\":[\"true\"],\"timeout_ms\":0}", "params.timeout_ms", "1..600000");
    init_fails("{\"command\":[\"true\"],\"timeout_ms\":600001}", "params.timeout_ms", "1..600000");
    init_fails("{\"command\":[\"true\"],\"timeout_ms\":2.5}", "params.timeout_ms", "1..600000");
    init_fails("{\"command\":[\"true\"],\"timeout_ms\":\"2000\"}", "params.timeout_ms", "1..600000");
    init_fails("{\"command\":[\"true\"],\"log\":\"x\"}", "params.log", "unknown field");
    init_fails("{\"command\":[\"true\"],\"command\":[\"true\"]}", "params.command", "given twice");
}

Test(econ_external, a_program_that_does_not_exist_is_refused_at_init)
{
    init_fails("{\"command\":[\"/nonexistent/econ-agent-xyz\",\"a\"]}", "params.command",
               "cannot start \"/nonexistent/econ-ag..\": No such file or directory");
    init_fails("{\"command\":[\"econ-agent-no-such-program-xyz\"]}", "params.command", "No such file or directory");
    /* no zombie, no child left */
    cr_assert_eq(waitpid(-1, NULL, WNOHANG), -1);
    cr_assert_eq(errno, ECHILD);
}

/* ------------------------------------------------------------------ real programs */

static void *start(const char *mode, const char *arg, int timeout_ms)
{
    char script[1024];
    tu_path(script, sizeof script, "tests/econ/hostile_agent.py");
    const char *argv[] = {"python3", script, mode, arg, NULL};
    cJSON *p = params(argv, timeout_ms);
    void *st = NULL;
    common_error err;
    common_error_clear(&err);
    int rc = OPS->init(&st, p, &HELLO, &err);
    cJSON_Delete(p);
    cr_assert_eq(rc, 0, "%s: %s", err.field, err.msg);
    cr_assert_not_null(st);
    return st;
}

static void step(void *st, chain_econ_action *a)
{
    chain_econ_obs o;
    sample_obs(&o);
    chain_econ_rng rng = {1};
    memset(a, 0, sizeof *a);
    OPS->step(st, &o, &rng, a);
}

static int has_error(const chain_econ_action *a, const char *prefix)
{
    for (size_t i = 0; i < a->n_errors; i++)
        if (strncmp(a->errors[i], prefix, strlen(prefix)) == 0)
            return 1;
    return 0;
}

static void finish(void *st)
{
    OPS->end(st, 1.0);
    OPS->destroy(st);
    cr_assert_eq(waitpid(-1, NULL, WNOHANG), -1, "a child is left");
    cr_assert_eq(errno, ECHILD);
}

static char *slurp(const char *path)
{
    FILE *f = fopen(path, "rb");
    cr_assert_not_null(f, "%s", path);
    static char buf[1 << 16];
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    buf[n] = '\0';
    fclose(f);
    return buf;
}

Test(econ_external, a_well_behaved_agent_sees_hello_observations_end_and_its_orders_are_taken)
{
    char log[] = "/tmp/econ-ext-log-XXXXXX";
    int fd = mkstemp(log);
    cr_assert_geq(fd, 0);
    close(fd);
    void *st = start("good", log, 5000);
    for (int k = 0; k < 2; k++) {
        chain_econ_action a;
        step(st, &a);
        cr_assert_eq(a.n_errors, 0, "step %d: %s", k + 1, a.errors[0]);
        cr_assert_eq(a.n_orders, 2);
        cr_assert(a.orders[0].pair == 2 && a.orders[0].side == BSE_MATCH_SELL && a.orders[0].type == BSE_MATCH_LIMIT &&
                  a.orders[0].price == 12345 && a.orders[0].qty == 30000);
        cr_assert(a.orders[1].pair == 0 && a.orders[1].side == BSE_MATCH_BUY && a.orders[1].type == BSE_MATCH_MARKET &&
                  a.orders[1].qty == 10000);
        cr_assert(a.n_cancels == 2 && a.cancels[0] == 7 && a.cancels[1] == 9007199254740992ull);
    }
    OPS->end(st, 2.5);
    OPS->destroy(st);
    cr_assert_eq(waitpid(-1, NULL, WNOHANG), -1);
    char want[8192];
    char obs2[4096];
    snprintf(obs2, sizeof obs2, "%s", OBS_LINE);
    char *p = strstr(obs2, "\"step\":1");
    p[7] = '2';
    snprintf(want, sizeof want, "%s%s%s{\"type\":\"end\",\"value\":2.5}\n", HELLO_LINE, OBS_LINE, obs2);
    cr_assert_str_eq(slurp(log), want);
    unlink(log);
}

Test(econ_external, malformed_lines_are_refused_and_the_agent_goes_on)
{
    char path[] = "/tmp/econ-ext-lines-XXXXXX";
    int fd = mkstemp(path);
    cr_assert_geq(fd, 0);
    const char *lines = "this is not json\n"
                        "[\"not\",\"an\",\"object\"]\n"
                        "{\"orders\":[{\"pair\":\"BRAVO/ALPHA\",\"side\":\"up\",\"type\":\"limit\",\"price\":1,\"qty\":10000}]}\n"
                        "{\"orders\":[{\"pair\":\"XX/YY\",\"side\":\"buy\",\"type\":\"limit\",\"price\":1,\"qty\":10000}]}\n"
                        "{\"orders\":[{\"pair\":\"BRAVO/ALPHA\",\"side\":\"buy\",\"type\":\"limit\",\"qty\":10000}]}\n"
                        "{\"orders\":[{\"pair\":\"BRAVO/ALPHA\",\"side\":\"buy\",\"type\":\"limit\",\"price\":1,\"qty\":1e999}]}\n"
                        "{\"orders\":[{\"pair\":\"BRAVO/ALPHA\",\"side\":\"buy\",\"type\":\"limit\",\"price\":7,\"qty\":20000}]}\n";
    cr_assert_eq(write(fd, lines, strlen(lines)), (ssize_t)strlen(lines));
    close(fd);
    static const char *const WANT[] = {"reply: not JSON", "reply: not a JSON object", "orders[0].side: \"up\"",
                                       "orders[0].pair: unknown pair \"XX/YY\"", "orders[0].price: missing",
                                       "orders[0].qty: out of range"};
    void *st = start("lines", path, 5000);
    chain_econ_action a;
    for (size_t k = 0; k < 6; k++) {
        step(st, &a);
        cr_assert_eq(a.n_orders, 0);
        cr_assert_eq(a.n_errors, 1, "step %zu", k + 1);
        cr_assert(has_error(&a, WANT[k]), "step %zu: %s", k + 1, a.errors[0]);
    }
    step(st, &a);
    cr_assert_eq(a.n_errors, 0, "%s", a.errors[0]);
    cr_assert(a.n_orders == 1 && a.orders[0].price == 7 && a.orders[0].qty == 20000);
    finish(st);
    unlink(path);
}

Test(econ_external, a_late_reply_is_refused_and_never_applied_to_the_next_step_drained)
{
    void *st = start("late", "1.6", 1000);
    chain_econ_action a;
    step(st, &a);
    cr_assert(a.n_errors == 0 && a.n_orders == 1 && a.orders[0].qty == 10000, "%s", a.errors[0]);
    double t0 = mono();
    step(st, &a);
    double dt = mono() - t0;
    cr_assert(dt >= 0.95 && dt < 1.5, "the late step took %.3f s", dt);
    cr_assert_eq(a.n_orders, 0);
    cr_assert(has_error(&a, "late reply: no answer to step 2 within 1000 ms"), "%s", a.errors[0]);
    usleep(1200 * 1000); /* the late line arrives before the next observation is written */
    step(st, &a);
    cr_assert_eq(a.n_errors, 0, "%s", a.errors[0]);
    cr_assert(a.n_orders == 1 && a.orders[0].qty == 20000, "got qty %lld", (long long)a.orders[0].qty);
    step(st, &a);
    cr_assert(a.n_errors == 0 && a.n_orders == 1 && a.orders[0].qty == 20000);
    finish(st);
}

Test(econ_external, a_late_reply_is_refused_and_never_applied_to_the_next_step_counted)
{
    void *st = start("late", "1.6", 1000);
    chain_econ_action a;
    step(st, &a);
    cr_assert(a.n_errors == 0 && a.n_orders == 1, "%s", a.errors[0]);
    step(st, &a);
    cr_assert(a.n_orders == 0 && has_error(&a, "late reply"));
    /* at once: the late line arrives after this observation, and is its predecessor's */
    step(st, &a);
    cr_assert_eq(a.n_errors, 0, "%s", a.errors[0]);
    cr_assert(a.n_orders == 1 && a.orders[0].qty == 20000, "got qty %lld", (long long)a.orders[0].qty);
    finish(st);
}

static void dies(const char *mode, const char *arg, const char *why)
{
    void *st = start(mode, arg, 5000);
    chain_econ_action a;
    step(st, &a);
    cr_assert(a.n_errors == 0 && a.n_orders == 1, "%s", a.errors[0]);
    step(st, &a);
    cr_assert_eq(a.n_orders, 0);
    cr_assert(has_error(&a, why), "%s", a.errors[0]);
    for (int k = 0; k < 5; k++) {
        double t0 = mono();
        step(st, &a);
        cr_assert_lt(mono() - t0, 0.05);
        cr_assert(a.n_orders == 0 && a.n_errors == 1 && has_error(&a, why), "%s", a.errors[0]);
    }
    finish(st);
}

Test(econ_external, an_agent_that_exits_is_reported_every_later_step_quickly)
{
    dies("exit", "3", "agent exited (exit status 3)");
}

Test(econ_external, an_agent_that_is_killed_is_reported_every_later_step_quickly)
{
    dies("kill", NULL, "agent exited (killed by signal 9)");
}

Test(econ_external, writing_to_an_agent_that_closed_its_input_raises_no_sigpipe)
{
    void *st = start("closein", NULL, 300);
    chain_econ_action a;
    int k = 0;
    do { /* late until it has closed its stdin; then the write finds no reader */
        step(st, &a);
        cr_assert_eq(a.n_orders, 0);
    } while (!has_error(&a, "agent exited") && ++k < 30);
    cr_assert(has_error(&a, "agent exited (killed after 200 ms)"), "%s", a.errors[0]);
    sigset_t pend;
    sigpending(&pend);
    cr_assert_eq(sigismember(&pend, SIGPIPE), 0, "a SIGPIPE is left pending");
    step(st, &a);
    cr_assert(has_error(&a, "agent exited"));
    finish(st);
}

Test(econ_external, an_agent_that_never_reads_never_blocks_a_step)
{
    void *st = start("noread", NULL, 100);
    chain_econ_obs o;
    sample_obs(&o);
    for (size_t p = 0; p < CHAIN_EX_PAIRS; p++) { /* a large observation: the pipe fills in a few steps */
        chain_econ_book_view *v = &o.books[p];
        for (size_t i = 0; i < CHAIN_ECON_DEPTH; i++)
            v->bids[i][0] = v->asks[i][0] = 123456789, v->bids[i][1] = v->asks[i][1] = 1125899906842624;
        v->n_bids = v->n_asks = CHAIN_ECON_DEPTH;
        for (size_t i = 0; i < CHAIN_ECON_RECENT; i++)
            v->recent[i][0] = 1234.56789012345, v->recent[i][1] = 99999999, v->recent[i][2] = 1125899906842624;
        v->n_recent = CHAIN_ECON_RECENT;
    }
    common_buf b = COMMON_BUF_INIT;
    chain_econ_ext_obs_json(&b, &o, 1);
    size_t bytes = b.len;
    common_buf_free(&b);
    int not_sent = 0;
    double worst = 0;
    for (int k = 0; k < 40; k++) {
        chain_econ_action a;
        chain_econ_rng rng = {1};
        memset(&a, 0, sizeof a);
        double t0 = mono();
        OPS->step(st, &o, &rng, &a);
        double dt = mono() - t0;
        worst = dt > worst ? dt : worst;
        cr_assert(a.n_orders == 0 && has_error(&a, "late reply"), "%s", a.errors[0]);
        not_sent += has_error(&a, "late reply: agent not reading its input");
    }
    cr_assert_lt(worst, 0.5, "a step took %.3f s", worst);
    cr_assert_gt(not_sent, 0, "%zu-byte observations never filled the pipe", bytes);
    double t0 = mono();
    finish(st);
    cr_assert_lt(mono() - t0, 2.0);
}

Test(econ_external, an_agent_that_ignores_end_is_killed_and_reaped_within_a_second)
{
    void *st = start("stubborn", NULL, 5000);
    chain_econ_action a;
    step(st, &a);
    cr_assert_eq(a.n_errors, 0, "%s", a.errors[0]);
    double t0 = mono();
    finish(st);
    double dt = mono() - t0;
    cr_assert(dt >= 0.9 && dt < 2.0, "end took %.3f s", dt);
}

Test(econ_external, a_10_mb_line_is_refused_as_too_long_and_skipped)
{
    void *st = start("huge", NULL, 5000);
    chain_econ_action a;
    step(st, &a);
    cr_assert_eq(a.n_orders, 0);
    cr_assert(has_error(&a, "reply: line too long (over 1048576 bytes); skipped"), "%s", a.errors[0]);
    step(st, &a);
    cr_assert_eq(a.n_errors, 0, "%s", a.errors[0]);
    cr_assert(a.n_orders == 1 && a.orders[0].qty == 30000);
    finish(st);
}

Test(econ_external, a_line_of_exactly_1_mib_is_read_and_one_byte_more_is_too_long)
{
    void *st = start("limit", NULL, 5000);
    chain_econ_action a;
    step(st, &a);
    cr_assert_eq(a.n_errors, 1);
    cr_assert_str_eq(a.errors[0], "reply.pad: unknown field; ignored");
    step(st, &a);
    cr_assert_eq(a.n_errors, 1);
    cr_assert_str_eq(a.errors[0], "reply: line too long (over 1048576 bytes); skipped");
    step(st, &a);
    cr_assert_eq(a.n_errors, 0, "%s", a.errors[0]);
    cr_assert(a.n_orders == 1 && a.orders[0].qty == 60000);
    finish(st);
}

Test(econ_external, extra_lines_are_ignored_not_taken_as_the_next_reply)
{
    void *st = start("extra", NULL, 5000);
    chain_econ_action a;
    step(st, &a);
    cr_assert(a.n_orders == 1 && a.orders[0].qty == 40000);
    usleep(300 * 1000);
    for (int k = 0; k < 3; k++) {
        step(st, &a);
        cr_assert(a.n_orders == 1 && a.orders[0].qty == 40000, "step %d: qty %lld", k + 2, (long long)a.orders[0].qty);
        cr_assert(has_error(&a, "reply: 1 line(s) nobody asked for; ignored"), "step %d", k + 2);
        usleep(300 * 1000);
    }
    finish(st);
}

Test(econ_external, destroy_without_end_kills_and_reaps)
{
    void *st = start("stubborn", NULL, 5000);
    double t0 = mono();
    OPS->destroy(st);
    cr_assert_lt(mono() - t0, 1.0);
    cr_assert_eq(waitpid(-1, NULL, WNOHANG), -1);
    OPS->destroy(NULL);
}

Test(econ_external, check_params_refuses_like_init_without_starting_anything)
{
    common_error err;
    common_error_clear(&err);
    cJSON *p = cJSON_Parse("{\"command\":[\"/nonexistent/x\"],\"timeout_ms\":50}");
    cr_assert_eq(chain_econ_ext_check_params(p, &err), 0);
    cJSON_Delete(p);
    p = cJSON_Parse("{\"command\":[\"x\"],\"timeout_ms\":-1}");
    cr_assert_eq(chain_econ_ext_check_params(p, &err), -1);
    cr_assert_str_eq(err.field, "params.timeout_ms");
    cJSON_Delete(p);
    cr_assert_eq(waitpid(-1, NULL, WNOHANG), -1);
}

/* An example agent against a book with room inside the spread: one limit order per
 * step, inside the spread, within its free balance; it cancels its resting order. */
static void example_agent_trades_inside_the_spread(const char *const *argv)
{
    cJSON *p = params(argv, 5000);
    void *st = NULL;
    common_error err;
    common_error_clear(&err);
    cr_assert_eq(OPS->init(&st, p, &HELLO, &err), 0, "%s: %s", err.field, err.msg);
    cJSON_Delete(p);
    chain_econ_obs o;
    sample_obs(&o);
    o.n_errors = 0;
    /* every pair: bid 9000, ask 11000 */
    for (unsigned k = 0; k < CHAIN_EX_PAIRS; k++) {
        o.books[k].bids[0][0] = 9000, o.books[k].bids[0][1] = 10000, o.books[k].n_bids = 1;
        o.books[k].asks[0][0] = 11000, o.books[k].asks[0][1] = 10000, o.books[k].n_asks = 1;
    }
    o.ex[0].free = 5000000, o.ex[1].free = 5000000, o.ex[2].free = 5000000;
    int placed = 0;
    for (int k = 0; k < 12; k++) {
        chain_econ_action a;
        chain_econ_rng rng = {1};
        memset(&a, 0, sizeof a);
        OPS->step(st, &o, &rng, &a);
        cr_assert_eq(a.n_errors, 0, "%s", a.errors[0]);
        cr_assert(a.n_cancels == 1 && a.cancels[0] == 7);
        cr_assert_leq(a.n_orders, 1);
        for (size_t i = 0; i < a.n_orders; i++) {
            cr_assert_eq(a.orders[i].type, BSE_MATCH_LIMIT);
            cr_assert(a.orders[i].price > 9000 && a.orders[i].price < 11000, "price %lld", (long long)a.orders[i].price);
            cr_assert(a.orders[i].qty >= 10000 && a.orders[i].qty <= 50000 && a.orders[i].qty % 10000 == 0);
            placed++;
        }
    }
    cr_assert_gt(placed, 6);
    /* nothing to spend: no order */
    memset(o.ex, 0, sizeof o.ex);
    chain_econ_action a;
    chain_econ_rng rng = {1};
    memset(&a, 0, sizeof a);
    OPS->step(st, &o, &rng, &a);
    cr_assert(a.n_errors == 0 && a.n_orders == 0 && a.n_cancels == 1);
    double t0 = mono();
    finish(st);
    cr_assert_lt(mono() - t0, 0.9, "the example did not exit on end");
}

Test(econ_external, the_python_example_agent_trades_inside_the_spread)
{
    char script[1024];
    tu_path(script, sizeof script, "examples/agents/random_agent.py");
    const char *argv[] = {"python3", script, NULL};
    example_agent_trades_inside_the_spread(argv);
}

Test(econ_external, the_c_example_agent_trades_inside_the_spread)
{
    const char *bin = getenv("BSE_BIN");
    char prog[1024];
    snprintf(prog, sizeof prog, "%s/econ-agent-example", bin && *bin ? bin : "bin");
    if (access(prog, X_OK) != 0)
        cr_skip_test("%s not built", prog);
    const char *argv[] = {prog, NULL};
    example_agent_trades_inside_the_spread(argv);
}

typedef struct thread_job {
    void *st;
    int steps, ok, dead;
} thread_job;

static void *thread_steps(void *arg)
{
    thread_job *j = arg;
    for (int k = 0; k < j->steps; k++) {
        chain_econ_action a;
        step(j->st, &a);
        j->ok += a.n_errors == 0 && a.n_orders == 2;
        j->dead += has_error(&a, "agent exited");
    }
    return NULL;
}

Test(econ_external, agents_step_on_different_threads_and_a_dead_one_hurts_no_other)
{
    char log[] = "/tmp/econ-ext-log-XXXXXX";
    int fd = mkstemp(log);
    cr_assert_geq(fd, 0);
    close(fd);
    thread_job good = {start("good", log, 5000), 8, 0, 0};
    thread_job dead = {start("closein", NULL, 200), 25, 0, 0};
    pthread_t t1, t2;
    cr_assert_eq(pthread_create(&t1, NULL, thread_steps, &good), 0);
    cr_assert_eq(pthread_create(&t2, NULL, thread_steps, &dead), 0);
    pthread_join(t1, NULL);
    pthread_join(t2, NULL);
    cr_assert_eq(good.ok, 8);
    cr_assert_gt(dead.dead, 0);
    OPS->end(dead.st, 0);
    OPS->destroy(dead.st);
    finish(good.st);
    unlink(log);
}
