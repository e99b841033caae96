/* chain/economy/obs_json.h - the JSON writers and the observation encoder shared by the
 * external agents' codec (economy.md s7, chain/economy/external.h) and the live
 * protocol (chain/economy/live.h). Both write the same shapes (fixed key order, no
 * spaces, one line ending in '\n'), in one of two styles, and the live observation
 * carries more members (chain_econ_obs_json_opts.extra).
 *
 * The styles (each one's bytes are fixed: tests/test_econ_external.c has the golden
 * lines of both):
 *   CHAIN_ECON_JSON_S7    reals: an integer as such when |v| < 2^53, else the shortest
 *                         of %.15g, %.16g, %.17g that reads back as v; null when not
 *                         finite. Strings: \" \\ \n \r \t, other control bytes \u00XX,
 *                         well-formed UTF-8 as it is, any other byte \ufffd.
 *   CHAIN_ECON_JSON_LIVE  reals: an integer as such when |v| < 2^53, else %.17g; null
 *                         when not finite. Strings: \" \\, every control byte \u00XX,
 *                         any other byte as it is.
 *
 * Thread-safety: pure functions of their arguments (b is the caller's).
 */
#ifndef CHAIN_ECONOMY_OBS_JSON_H
#define CHAIN_ECONOMY_OBS_JSON_H

#include <stdint.h>

#include "chain/economy/agent.h"
#include "common/buf.h"

typedef enum chain_econ_json_style {
    CHAIN_ECON_JSON_S7 = 0, /* the external agents' lines (economy.md s7) */
    CHAIN_ECON_JSON_LIVE    /* the live protocol's lines (live.h) */
} chain_econ_json_style;

/* Appends a JSON string literal of s (NUL-terminated) in style. */
void chain_econ_json_str(common_buf *b, const char *s, chain_econ_json_style style);
/* Appends the double v in style (null when not finite). */
void chain_econ_json_real(common_buf *b, double v, chain_econ_json_style style);

/* The members an observation carries beyond those of economy.md s7, each where live.h
 * shows it. */
enum {
    CHAIN_ECON_OBS_AGENT = 1u << 0,       /* "agent" after "t" */
    CHAIN_ECON_OBS_OWED = 1u << 1,        /* "owed" in each balance, after "locked" */
    CHAIN_ECON_OBS_ONCHAIN = 1u << 2,     /* "onchain" {coin: units} after "balances" */
    CHAIN_ECON_OBS_FIAT = 1u << 3,        /* "fiat" before "orders" */
    CHAIN_ECON_OBS_BOOK_LAST = 1u << 4,   /* "last" and "history" in each book, after "asks" */
    CHAIN_ECON_OBS_FUNDAMENTAL = 1u << 5, /* "fundamental" {coin: value} after "news" */
    CHAIN_ECON_OBS_LIVE_EXTRA = (1u << 6) - 1 /* all of them: the live observation */
};

typedef struct chain_econ_obs_json_opts {
    unsigned extra;              /* CHAIN_ECON_OBS_* members to add (0: s7's only) */
    chain_econ_json_style style; /* how reals and strings are written; also an own order
                                  * of a pair >= CHAIN_EX_PAIRS (never made by the
                                  * exchange): S7 leaves it out, LIVE names it pair % CHAIN_EX_PAIRS */
} chain_econ_obs_json_opts;

/* Appends the observation line of obs tagged "step": step: "type", "step", "t",
 * ["agent"], "balances", ["onchain"], ["fiat"], "orders", "books" (CHAIN_ECON_DEPTH
 * levels a side, [CHAIN_ECON_HISTORY prices]), "trades" (CHAIN_ECON_RECENT),
 * "chains", "news" (-1, 0, 1), ["fundamental"], "errors" (only when obs has some),
 * "reward". o NULL: s7's members in s7's style. Returns 0, or -1 when out of memory. */
int chain_econ_obs_json(common_buf *b, const chain_econ_obs *obs, uint64_t step, const chain_econ_obs_json_opts *o);

#endif /* CHAIN_ECONOMY_OBS_JSON_H */
