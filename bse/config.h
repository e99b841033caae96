/* bse/config.h - a market session's configuration (a "case"), and its JSON form.
 *
 * The JSON form is the case object of ../shared/reference/bse_golden/manifest.json:
 *   { "case_id", "seed", "seed_kind": "int"|"hex256", "start_time", "end_time",
 *     "trader_spec": {"buyers": [[TYPE, n, params|null], ...], "sellers": [...],
 *                     "proptraders": [...]},
 *     "order_schedule": {"sup": [ZONE...], "dem": [ZONE...], "interval", "timemode"},
 *     "dump_flags": {"dump_blotters", "dump_lobs", "dump_strats", "dump_avgbals",
 *                    "dump_tape"} }
 * with ZONE = {"from", "to", "ranges": [[lo, hi], ...], "stepmode"}. Extra keys are
 * ignored. A file holds either one case or a manifest object with a "cases" list.
 *
 * Validation rejects, with the field named, every config BSE.py v1.91 would crash
 * on (spec/bse.md s8) and a few it cannot express faithfully here: a side with one
 * trader (getorderprice divides by n-1), no buyers or no sellers, ZIPSH k < 2 with
 * params (BSE's respond then iterates None), PRSH k < 2 (its sort reads strats[1]),
 * PRDE k < 4, PRZI-family params missing or s outside [-1, 1], a time in
 * [start_time, end_time) covered by no zone, unknown types, offset functions in
 * ranges, non-integer price ranges, PT params outside BSE's checks, and
 * PRSH/PRDE/ZIPSH proptraders with dump_strats on (BSE exits there).
 *
 * A bse_case is a plain value of fixed size (no pointers): copy it freely.
 */
#ifndef BSE_CONFIG_H
#define BSE_CONFIG_H

#include <stddef.h>
#include <stdint.h>

#include "common/error.h"

#define BSE_MAX_ENTRIES 32   /* trader_spec entries per side */
#define BSE_MAX_ZONES 32     /* zones per schedule side */
#define BSE_MAX_RANGES 8     /* ranges per zone */
#define BSE_MAX_TRADERS 100000
#define BSE_CASE_ID_MAX 100

typedef enum bse_ttype {
    BSE_T_GVWY = 0,
    BSE_T_ZIC,
    BSE_T_SHVR,
    BSE_T_SNPR,
    BSE_T_ZIP,
    BSE_T_ZIPSH,
    BSE_T_PRZI,
    BSE_T_PRSH,
    BSE_T_PRDE,
    BSE_T_PT1,
    BSE_T_PT2,
    BSE_T_COUNT
} bse_ttype;

typedef enum bse_stepmode { BSE_STEP_FIXED = 0, BSE_STEP_JITTERED, BSE_STEP_RANDOM } bse_stepmode;
typedef enum bse_timemode { BSE_TIME_PERIODIC = 0, BSE_TIME_DRIP_FIXED, BSE_TIME_DRIP_JITTER, BSE_TIME_DRIP_POISSON } bse_timemode;
typedef enum bse_seed_kind { BSE_SEED_INT = 0, BSE_SEED_HEX256 = 1 } bse_seed_kind;

typedef enum bse_config_status {
    BSE_CONFIG_OK = 0,
    BSE_CONFIG_EIO = 1,      /* file unreadable */
    BSE_CONFIG_EJSON = 2,    /* not JSON */
    BSE_CONFIG_EFIELD = 3,   /* missing field, wrong type or out-of-range value */
    BSE_CONFIG_ECASE = 4,    /* manifest without the requested case, or ambiguous */
    BSE_CONFIG_ENOMEM = 5,
} bse_config_status;

typedef struct bse_trader_entry {
    bse_ttype type;
    int32_t n;
    int has_params;       /* params object given (not null/absent) */
    int32_t k;            /* ZIP/ZIPSH/PRSH/PRDE "k" (1 when absent) */
    int has_k;
    double s_min, s_max;  /* PRZI family "s_min", "s_max" */
    int has_bid_percent, has_ask_delta, has_n_past_trades;
    double bid_percent;   /* PT1/PT2 */
    int64_t ask_delta;    /* PT1/PT2 (integer here; BSE allows a float) */
    int32_t n_past_trades;
} bse_trader_entry;

typedef struct bse_range {
    int64_t lo, hi;
} bse_range;

typedef struct bse_zone {
    double from, to;
    int32_t nranges;
    bse_range ranges[BSE_MAX_RANGES];
    bse_stepmode stepmode;
} bse_zone;

typedef struct bse_case {
    char case_id[BSE_CASE_ID_MAX + 1];
    bse_seed_kind seed_kind;
    char seed_text[160];     /* the seed as given (decimal or hex digits) */
    uint8_t seed_be[64];     /* the seed integer, big-endian */
    double start_time, end_time;
    int32_t n_entries[3];    /* buyers, sellers, proptraders */
    bse_trader_entry entries[3][BSE_MAX_ENTRIES];
    int32_t n_zones[2];      /* 0 = sup, 1 = dem */
    bse_zone zones[2][BSE_MAX_ZONES];
    double interval;
    bse_timemode timemode;
    int dump_blotters, dump_lobs, dump_strats, dump_avgbals, dump_tape;
} bse_case;

enum { BSE_SIDE_BUYERS = 0, BSE_SIDE_SELLERS = 1, BSE_SIDE_PROPS = 2 };
enum { BSE_SCHED_SUP = 0, BSE_SCHED_DEM = 1 };

/* Type code as BSE writes it ("GVWY", ...), or NULL for an invalid code. */
const char *bse_ttype_name(bse_ttype t);

/* Parses a type code; returns BSE_T_COUNT when unknown. */
bse_ttype bse_ttype_parse(const char *name);

/* Parses one case from JSON text: the text is a case object, or a manifest with
 * "cases" from which case_id is taken (case_id NULL: the manifest must hold
 * exactly one case). path names the file in errors.
 * Returns: BSE_CONFIG_OK or an error code with err filled (field path such as
 * "cases[2].trader_spec.buyers[1][1]"). Out: c (zeroed on error). No allocation kept. */
__attribute__((warn_unused_result)) bse_config_status bse_case_parse(bse_case *c, const char *json, size_t len,
                                                                     const char *path, const char *case_id,
                                                                     common_error *err);

/* Reads a file and parses it as bse_case_parse does. */
__attribute__((warn_unused_result)) bse_config_status bse_case_load(bse_case *c, const char *path, const char *case_id,
                                                                    common_error *err);

/* Lists the case ids of a file (one case object, or every case of a manifest).
 * Out: ids (caller frees each string and the array with free), n.
 * Returns as bse_case_load. */
__attribute__((warn_unused_result)) bse_config_status bse_case_list(char ***ids, size_t *n, const char *path,
                                                                    common_error *err);

/* Checks a case built in code (by the PoUW environment generator, say) with the
 * same rules as the parser. Returns BSE_CONFIG_OK or BSE_CONFIG_EFIELD with err. */
__attribute__((warn_unused_result)) bse_config_status bse_case_validate(const bse_case *c, const char *path,
                                                                        common_error *err);

/* Writes the case as canonical JSON (the manifest's case format; keys in a fixed
 * order, integers without decimals, doubles in shortest round-trip form, no
 * whitespace). Returns a malloc'd NUL-terminated string (caller frees) or NULL
 * when out of memory. Deterministic: the same case gives the same bytes. */
char *bse_case_to_json(const bse_case *c);

/* Sets the seed from a kind and text (decimal for int, hex digits for hex256).
 * Returns BSE_CONFIG_OK or BSE_CONFIG_EFIELD (err names field "seed"). */
__attribute__((warn_unused_result)) bse_config_status bse_case_set_seed(bse_case *c, bse_seed_kind kind,
                                                                        const char *text, common_error *err);

/* Number of traders on a side (sum of the entries' n). */
int64_t bse_case_count(const bse_case *c, int side);

#endif /* BSE_CONFIG_H */
