/* pouw/env.h - the market of one PoUW session: the session template, the
 * environment generated from the session seed, committed jobs, and the BSE case
 * a session runs (spec pouw.md s3, s4).
 *
 * A session's case is fully determined by the chain's work definition (template
 * or committed job), the session seed s_i and the index i; nothing else (no clock,
 * no miner choice) enters it. Fixed choices, pinned by tests/test_pouw_work.c:
 *   case_id     "s<i>" (decimal i: "s0", "s1", ...)
 *   seed        seed_kind hex256, the 64 lower-case hex digits of s_i (BSE seeds
 *               with the whole 256-bit integer, as random.seed(int(hex, 16)))
 *   dump_flags  dump_tape true; blotters, lobs, strats, avgbals false (BSE computes
 *               the final average-balance line in any case)
 *
 * Generated environment (the default). Drawn from its own generator, a bse_rng
 * seeded like random.seed(int.from_bytes(e_i, "big")) with e_i = SHA-256(s_i ||
 * "environment") (pouw_environment_seed), never from the session's generator.
 * The draws, in this order, in Python (tests/vectors/make_pouw_env_vectors.py
 * reproduces them with CPython's random module):
 *
 *   sup_lo = randint(20, 80);        sup_hi = randint(sup_lo, 150)
 *   dem_lo = randint(sup_hi, 200);   dem_hi = randint(dem_lo, 300)
 *   for types, total in (GVWY, ZIC, SHVR, SNPR), N - A; (ZIP, PRZI, PRSH, PRDE), A:
 *       group = [T for T in types if random() < 0.5]
 *       responders: if neither PRSH nor PRDE is in group (an adaptive type always):
 *           group.append(PRSH if random() < 0.5 else PRDE), kept in the order above
 *       plain: if not group: group = [types[randint(0, 3)]]
 *       count[T] = 2 for T in group
 *       repeat total - 2 len(group) times: count[group[randint(0, len(group) - 1)]] += 1
 * with N = POUW_ENV_TRADERS traders per side of which A = POUW_ENV_RESPONDERS
 * are responders (ZIP, PRZI, PRSH, PRDE: the types whose respond() adapts).
 * Every seed's session therefore has 2N traders, so the same number of loop
 * steps (BSE's timestep is 1 / (buyers + sellers)), the same number of trader
 * steps and of respond() calls, 2A of them on responders per step: no seed is
 * cheaper to try than another, and the only choice left to the seed is the
 * supply and demand ranges and how the fixed counts split among the types.
 * Buyers and sellers get the same mix (so every type present trades on both
 * sides). ZIPSH is left out: it adapts only
 * over sessions far longer than a block's (14400 s evaluation cycles). Params:
 * PRZI {s_min -1, s_max 1}; PRSH and PRDE {k 4, s_min -1, s_max 1} (BSE's own
 * example values; PRDE needs k >= 4). Schedule: one supply zone [0, duration) with
 * range (sup_lo, sup_hi) and one demand zone with (dem_lo, dem_hi), both stepmode
 * "fixed"; interval and time mode from the template; start_time 0, end_time =
 * duration. No proprietary traders.
 *
 * Committed job. A user's market in the BSE case format (bse/config.h). Its
 * canonical form is the case with case_id "job", seed_kind hex256 and seed of 64
 * zero digits, and the dump flags above, written by bse_case_to_json and parsed
 * back (so the values are those its canonical JSON denotes); job_digest =
 * SHA-256 of that canonical JSON text. Session i runs the canonical job with
 * case_id "s<i>" and seed s_i. An all-zero job_digest means "generated".
 *
 * Thread-safety: pure functions on caller memory; no state.
 */
#ifndef POUW_ENV_H
#define POUW_ENV_H

#include <stdint.h>

#include "bse/config.h"
#include "common/error.h"
#include "pouw/sha256.h"
#include "pouw/status.h"

#define POUW_ENV_K_PRSH 4   /* PRSH strategies per trader in generated environments */
#define POUW_ENV_K_PRDE 4   /* PRDE population size (BSE needs >= 4) */
#define POUW_ENV_TRADERS 24   /* N: traders per side of every generated environment (s11.11) */
#define POUW_ENV_RESPONDERS 12 /* A: of them responders (ZIP, PRZI, PRSH, PRDE) */
#define POUW_ENV_MIN_PER_TYPE 2 /* traders per side of each type present */
#define POUW_JOB_CASE_ID "job"

/* A chain's session template for generated environments (spec s3): fixed in
 * genesis, the same for every session of the chain. */
typedef struct pouw_template {
    double duration;         /* simulated seconds, > 0 */
    double interval;         /* order-schedule interval, seconds, > 0 */
    bse_timemode timemode;   /* order-schedule time mode */
} pouw_template;

/* What a chain's sessions run: a generated environment from tmpl (job == NULL), or
 * a committed job (job != NULL, canonical: see pouw_job_canonicalize; tmpl is then
 * ignored). A plain value; the job is borrowed, not owned. */
typedef struct pouw_work {
    pouw_template tmpl;
    const bse_case *job;
} pouw_work;

/* The drawn parameters of a generated environment, for people and tests. */
typedef struct pouw_env_draw {
    int64_t sup_lo, sup_hi, dem_lo, dem_hi;
    int32_t count[BSE_T_COUNT]; /* traders per side of each type; 0 = absent */
    int forced;                  /* 1 if the adaptive type was forced in */
} pouw_env_draw;

/* Builds the BSE case of session `index` with seed session_seed32 for a generated
 * environment of template tmpl (the draws above).
 * Returns: POUW_OK; POUW_ENOMEM (the generator core); POUW_ECRYPTO (the
 * environment seed); POUW_ECONFIG when the template makes an invalid case (a
 * non-positive or non-finite duration or interval, an unknown time mode): err
 * names the field. On error *out is zeroed.
 * Out: out, draw (may be NULL), err (may be NULL). Allocates only the generator
 * core, freed before return. */
__attribute__((warn_unused_result)) pouw_status pouw_env_generate(bse_case *out, pouw_env_draw *draw, common_error *err,
                                                                  const pouw_template *tmpl,
                                                                  const uint8_t session_seed32[POUW_SHA256_BYTES],
                                                                  uint32_t index);

/* Version 1's generator (s3), which s11.11 replaced: the same seed, ranges and
 * case, but each of the eight types present with probability 1/2 (random() < 0.5,
 * in the order GVWY, ZIC, SHVR, SNPR, ZIP, PRZI, PRSH, PRDE) with randint(2, 10)
 * traders per side, and PRSH or PRDE (random() < 0.5: PRSH) forced in with
 * randint(2, 10) when neither came; so environments differ in cost (4 to 160
 * traders). No chain uses it: it is kept for the experiments' v1-style
 * environments (E1, E4 grinding by cost). Same returns as pouw_env_generate. */
__attribute__((warn_unused_result)) pouw_status pouw_env_generate_v1(bse_case *out, pouw_env_draw *draw,
                                                                     common_error *err, const pouw_template *tmpl,
                                                                     const uint8_t session_seed32[POUW_SHA256_BYTES],
                                                                     uint32_t index);

/* Makes the canonical form of a job (see above): the seed, case id and dump flags
 * replaced, then written as canonical JSON and parsed back.
 * Returns: POUW_OK; POUW_ECONFIG (job fails bse_case_validate, err names the
 * field); POUW_ENOMEM. Out: canon (zeroed on error; may alias job), err (may be
 * NULL). Allocates the JSON text, freed before return. */
__attribute__((warn_unused_result)) pouw_status pouw_job_canonicalize(bse_case *canon, common_error *err,
                                                                      const bse_case *job);

/* job_digest = SHA-256 of the canonical JSON of job (canonicalized first, so any
 * spelling of the same job gives the same digest).
 * Returns: POUW_OK, POUW_ECONFIG, POUW_ENOMEM or POUW_ECRYPTO (digest32 zeroed).
 * Out: digest32, err (may be NULL). Allocates the JSON text, freed before return. */
__attribute__((warn_unused_result)) pouw_status pouw_job_digest(uint8_t digest32[POUW_SHA256_BYTES], common_error *err,
                                                                const bse_case *job);

/* The BSE case of session `index` of work w with seed session_seed32: the
 * generated environment, or the (canonical) job with case_id "s<index>", the
 * seed and the consensus dump flags.
 * Returns: as pouw_env_generate; for a job POUW_ECONFIG if the result does not
 * validate. Out: out (zeroed on error), err (may be NULL). */
__attribute__((warn_unused_result)) pouw_status pouw_session_case(bse_case *out, common_error *err, const pouw_work *w,
                                                                  const uint8_t session_seed32[POUW_SHA256_BYTES],
                                                                  uint32_t index);

/* SHA-256 of bse_case_to_json(c): the digest by which a session's environment is
 * pinned in tests and shown by `pouw explain`.
 * Returns: POUW_OK, POUW_ENOMEM or POUW_ECRYPTO (digest32 zeroed). Out: digest32. */
__attribute__((warn_unused_result)) pouw_status pouw_case_digest(uint8_t digest32[POUW_SHA256_BYTES],
                                                                 const bse_case *c);

#endif /* POUW_ENV_H */
