/* tests/fuzz/fuzz_econ_action.c - fuzz target for an external agent's reply line
 * (chain/economy/external.h chain_econ_ext_decode, economy.md s7).
 * Any bytes must give 0 (a reply, parts maybe refused) or -1 (the line refused, with a
 * reason and nothing taken); never a crash, a leak or an undefined read. Whatever is
 * taken is valid for the exchange's checks of form (pair, side, type, price range,
 * qty a positive multiple of the step, ids >= 1) and within the action's limits; every
 * reason is a terminated string. The taken orders and cancels, written back as a reply,
 * decode to the same action with no refusal. */
#include <assert.h>
#include <inttypes.h>
#include <stdint.h>
#include <string.h>

#include "chain/economy/external.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    chain_econ_action a;
    memset(&a, 0, sizeof a);
    int64_t step = 7;
    int rc = chain_econ_ext_decode(&a, &step, (const char *)data, size);
    assert(rc == 0 || rc == -1);
    assert(step >= -1);
    assert(a.n_errors <= CHAIN_ECON_MAX_ERRORS);
    for (size_t i = 0; i < a.n_errors; i++)
        assert(memchr(a.errors[i], '\0', CHAIN_EX_REASON_MAX) != NULL && a.errors[i][0] != '\0');
    if (rc == -1) {
        assert(a.n_orders == 0 && a.n_cancels == 0 && a.n_errors >= 1 && step == -1);
        return 0;
    }
    assert(a.n_orders <= CHAIN_ECON_MAX_ORDERS && a.n_cancels <= CHAIN_ECON_MAX_CANCELS);
    common_buf b = COMMON_BUF_INIT;
    common_buf_printf(&b, "{\"orders\":[");
    static const char *const PAIRS[] = {"BRAVO/ALPHA", "CHARLIE/ALPHA", "CHARLIE/BRAVO"};
    static const char *const TYPES[] = {"limit", "market", "ioc"};
    for (size_t i = 0; i < a.n_orders; i++) {
        const chain_econ_order_req *o = &a.orders[i];
        assert(o->pair < CHAIN_EX_PAIRS);
        assert(o->side == BSE_MATCH_BUY || o->side == BSE_MATCH_SELL);
        assert(o->type == BSE_MATCH_LIMIT || o->type == BSE_MATCH_MARKET || o->type == BSE_MATCH_IOC);
        if (o->type == BSE_MATCH_MARKET)
            assert(o->price == 0);
        else
            assert(o->price >= 1 && o->price <= CHAIN_EX_PRICE_MAX);
        assert(o->qty > 0 && o->qty <= CHAIN_EX_QTY_MAX && o->qty % CHAIN_EX_QTY_STEP == 0);
        common_buf_printf(&b, "%s{\"pair\":\"%s\",\"side\":\"%s\",\"type\":\"%s\",\"price\":%" PRId64 ",\"qty\":%" PRId64 "}",
                          i ? "," : "", PAIRS[o->pair], o->side == BSE_MATCH_BUY ? "buy" : "sell", TYPES[o->type],
                          o->price, o->qty);
    }
    common_buf_printf(&b, "],\"cancel\":[");
    for (size_t i = 0; i < a.n_cancels; i++) {
        assert(a.cancels[i] >= 1 && a.cancels[i] <= ((uint64_t)1 << 53));
        common_buf_printf(&b, "%s%" PRIu64, i ? "," : "", a.cancels[i]);
    }
    common_buf_printf(&b, "]}");
    if (!b.oom) {
        chain_econ_action c;
        memset(&c, 0, sizeof c);
        int64_t s2;
        assert(chain_econ_ext_decode(&c, &s2, b.data, b.len) == 0);
        assert(c.n_errors == 0 && s2 == -1);
        assert(c.n_orders == a.n_orders && c.n_cancels == a.n_cancels);
        for (size_t i = 0; i < a.n_orders; i++)
            assert(c.orders[i].pair == a.orders[i].pair && c.orders[i].side == a.orders[i].side &&
                   c.orders[i].type == a.orders[i].type && c.orders[i].price == a.orders[i].price &&
                   c.orders[i].qty == a.orders[i].qty);
        assert(memcmp(c.cancels, a.cancels, a.n_cancels * sizeof a.cancels[0]) == 0);
    }
    common_buf_free(&b);
    return 0;
}
