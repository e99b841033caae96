/* chain/economy/trader_hodl.c - "hodl" (economy.md s5): never trades.
 *
 * It holds what it was given and places no order and no cancel, ever: the
 * baseline every other strategy's value is compared with.
 *
 * Params: none (any field is refused as unknown).
 */
#include <stdlib.h>

#include "chain/economy/traders.h"

typedef struct hodl {
    int unused;
} hodl;

static int hodl_init(void **state, const cJSON *params, const chain_econ_hello *hello, common_error *err)
{
    (void)hello;
    *state = NULL;
    if (chain_econ_params_read(params, NULL, 0, err) != 0)
        return -1;
    hodl *h = calloc(1, sizeof *h);
    if (!h) {
        common_error_set(err, 1, "", "params", "out of memory");
        return -1;
    }
    *state = h;
    return 0;
}

static void hodl_step(void *state, const chain_econ_obs *obs, chain_econ_rng *rng, chain_econ_action *act)
{
    (void)state, (void)obs, (void)rng, (void)act;
}

static void hodl_end(void *state, double value)
{
    (void)state, (void)value;
}

static void hodl_destroy(void *state)
{
    free(state);
}

const chain_econ_trader_ops chain_econ_trader_hodl = {"hodl", hodl_init, hodl_step, hodl_end, hodl_destroy};
