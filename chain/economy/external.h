/* chain/economy/external.h - the external-agent strategy's JSON-lines codec
 * (economy.md s7), exposed for its tests and fuzz target. The strategy itself is
 * chain_econ_trader_external (chain/economy/external.c), found through agent.h.
 *
 * Messages are single lines of JSON, each ending in '\n', with fixed key order
 * and no spaces (examples/agents/README.md gives each one byte for byte).
 * Integers (units, ticks, ids, heights) are written as JSON integers; doubles
 * (times, reward, value) in their shortest round-trip form, null when not finite
 * (the writers and the observation encoder are chain/economy/obs_json.h's, S7 style).
 *
 * Thread-safety: pure functions of their arguments.
 */
#ifndef CHAIN_ECONOMY_EXTERNAL_H
#define CHAIN_ECONOMY_EXTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "chain/economy/agent.h"
#include "common/buf.h"

/* The "external" strategy (params: {"command": ["prog", "arg", ...], "timeout_ms": 1..600000,
 * default 2000}); chain/economy/agent.c lists it in its table. */
extern const chain_econ_trader_ops chain_econ_trader_external;

/* Checks params as init does, without starting anything (a config check).
 * Returns 0, or -1 with err's field naming the field ("params.command"). */
int chain_econ_ext_check_params(const cJSON *params, common_error *err);

/* The longest reply line accepted (bytes before the '\n'); longer lines are
 * refused as "line too long" and skipped. */
#define CHAIN_ECON_EXT_LINE_MAX ((size_t)1 << 20)

/* Appends the hello line for h. Returns 0, or -1 when out of memory. */
int chain_econ_ext_hello_json(common_buf *b, const chain_econ_hello *h);
/* Appends the observation line for obs, tagged "step": step (1 = the first). Returns 0 or -1. */
int chain_econ_ext_obs_json(common_buf *b, const chain_econ_obs *obs, uint64_t step);
/* Appends {"type":"end","value":value}. Returns 0 or -1. */
int chain_econ_ext_end_json(common_buf *b, double value);

/* Decodes one reply line (line[0..len), without its '\n'; any bytes) into act:
 * the valid orders and cancels are appended, each refused part adds one short
 * reason naming its field ("orders[1].qty: ...") to act->errors (at most
 * CHAIN_ECON_MAX_ERRORS; the last slot then says more were left out).
 * Out: *step, the reply's optional "step" tag, or -1 when it has none.
 * Returns 0 when the line is a JSON object (a reply, maybe with parts refused),
 * -1 when the whole line is refused (not JSON, not an object, a NUL byte...).
 * Allocates only temporarily; never crashes on any input. */
int chain_econ_ext_decode(chain_econ_action *act, int64_t *step, const char *line, size_t len);

/* Appends a refusal to act->errors (printf-style, truncated to CHAIN_EX_REASON_MAX;
 * when full, the last slot says further refusals were not shown). */
void chain_econ_ext_error(chain_econ_action *act, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif /* CHAIN_ECONOMY_EXTERNAL_H */
