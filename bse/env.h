/* bse/env.h - BSE-Trader-v0: a learning agent as one trader of a BSE market
 * session, for agents in C and for the Python package (python/bsepouw), which
 * loads these functions from build/libbsepouw.so (spec/ml.md).
 *
 * An episode is one market session of a case (the `bse run` format) seeded with
 * the episode seed. The agent owns one trader slot (a buyer or seller key index;
 * its trader may be re-constructed as a given type, see bse_env_options). The
 * episode steps at the slot's decisions while it holds a customer order (BSE's
 * loop picked it; step.h): the agent sees an observation of BSE_ENV_OBS_DIM
 * floats and answers an action of BSE_ENV_ACT_DIM floats:
 *   action[0] in [-1, 1]: > 0 quote, <= 0 stay out (a resting quote stays);
 *   action[1] in [0, 1]: margin m relative to the limit L of the customer order:
 *     a bid at floor(L * (1 - m)) (at least BSE_MINPRICE), an ask at
 *     ceil(L * (1 + m)) (at most BSE_MAXPRICE): never beyond the limit.
 * The reward of a step is the agent's profit (BSE balance change) from the
 * action until its next decision or the session end (terminated). The
 * observation fields, in order (prices relative to L are signed so that larger
 * is better for the agent: buyer (L - p) / L, seller (p - L) / L, clipped to
 * [-1, 1]; absent values are 0):
 *   0 side (+1 buy, -1 sell)        1 L / BSE_MAXPRICE
 *   2 elapsed fraction of session   3 order age / schedule interval, [0, 4]
 *   4 best bid present              5 best bid / BSE_MAXPRICE
 *   6 best ask present              7 best ask / BSE_MAXPRICE
 *   8 opposite best present         9 opposite best relative to L (margin of taking it)
 *  10 same-side best present       11 same-side best relative to L
 *  12 a trade happened             13 last trade price relative to L
 *  14 mean of the last 8 trade prices relative to L
 *  15 own quote resting            16 own quote relative to L, [0, 1]
 *  17 total bid quantity / traders 18 total ask quantity / traders
 *  19 episode profit / 1000, [0, 10]
 * bse_env_obs_bounds gives the bounds. Same case, options, seed and actions
 * give the same observations, rewards and files, on any thread.
 *
 * A vector of environments (bse_env_vec) steps N of them in one call on a pool
 * of threads, resetting each finished one with its next seed (seed + stride).
 *
 * Ownership: *_create allocates, *_destroy frees (NULL is a no-op). An env is
 * used by one thread at a time; a vec owns the threads, not the envs.
 */
#ifndef BSE_ENV_H
#define BSE_ENV_H

#include <stddef.h>
#include <stdint.h>

#include "bse/config.h"
#include "common/error.h"

#define BSE_ENV_OBS_DIM 20
#define BSE_ENV_ACT_DIM 2

typedef struct bse_env bse_env;
typedef struct bse_env_vec bse_env_vec;

typedef enum bse_env_status {
    BSE_ENV_OK = 0,
    BSE_ENV_ENOMEM = 1,
    BSE_ENV_EBSE = 2,    /* BSE.py would have exited (err says where); reset to go on */
    BSE_ENV_ECONFIG = 3, /* bad case or options; err names the field */
    BSE_ENV_EACTION = 4, /* bad action (NaN, out of range); err says which; nothing changed */
    BSE_ENV_ESTATE = 5,  /* step before reset or after the episode ended */
} bse_env_status;

typedef struct bse_env_options { /* plain fixed-width fields: the Python side mirrors them */
    int32_t slot;        /* the agent's trader key index (buyers 0..nb-1, then sellers) */
    int32_t slot_type;   /* bse_ttype the slot's trader is re-constructed as (GVWY, ZIC,
                            SHVR, SNPR, ZIP), or -1 to keep the case's trader */
    int32_t shadow;      /* 1: at each decision the slot type's own getorder still runs
                            (its draws) and its quote is discarded: the market's random
                            stream is the one of a session where that type sits there */
    int32_t autopilot;   /* 1: the slot's own type decides; actions are ignored (baselines) */
    int64_t seed_stride; /* vector autoreset: next seed = seed + seed_stride (>= 1) */
} bse_env_options;

/* What the last reset or step did (for Gymnasium's info). */
typedef struct bse_env_info {
    double time;          /* session clock */
    int64_t limit;        /* limit price of the order decided on (0 none) */
    int64_t price;        /* price quoted by the last step, -1 none */
    int64_t profit;       /* agent's profit this episode */
    int64_t agent_trades; /* agent's trades this episode */
    int64_t decisions;    /* steps taken this episode */
    int64_t trades;       /* all trades of the session so far */
    uint64_t seed;        /* this episode's seed */
} bse_env_info;

/* Defaults: slot 0, keep its type, shadow 1, autopilot 0, seed_stride 1. */
bse_env_options bse_env_options_default(void);

/* Lower and upper bounds of each observation field. */
void bse_env_obs_bounds(float low[BSE_ENV_OBS_DIM], float high[BSE_ENV_OBS_DIM]);

/* Creates an environment over case c (copied); no episode until bse_env_reset.
 * Returns BSE_ENV_OK; BSE_ENV_ECONFIG (err: the case field, or "options"; a
 * case is checked by running its construction once); BSE_ENV_ENOMEM. Allocates. */
__attribute__((warn_unused_result)) bse_env_status bse_env_create(bse_env **out, const bse_case *c,
                                                                  const bse_env_options *o, common_error *err);

/* As bse_env_create, from JSON text (one case, or a manifest and case_id, which
 * may be NULL for a single case); path names the source in errors. */
__attribute__((warn_unused_result)) bse_env_status bse_env_create_json(bse_env **out, const char *json, size_t len,
                                                                       const char *path, const char *case_id,
                                                                       const bse_env_options *o, common_error *err);

/* Frees the environment and its session; NULL is a no-op. */
void bse_env_destroy(bse_env *e);

/* Starts an episode with seed (the case's seed is replaced, seed_kind int) and
 * runs to the agent's first decision. Out: obs, *terminated (1 when the session
 * ended before any decision; obs is then all zero). Returns BSE_ENV_OK,
 * BSE_ENV_EBSE, BSE_ENV_ENOMEM. */
__attribute__((warn_unused_result)) bse_env_status bse_env_reset(bse_env *e, uint64_t seed,
                                                                 float obs[BSE_ENV_OBS_DIM], int32_t *terminated,
                                                                 common_error *err);

/* Applies action (see the top comment) and runs to the next decision or the end.
 * Out: obs, *reward, *terminated. Returns BSE_ENV_OK; BSE_ENV_EACTION (nothing
 * changed); BSE_ENV_ESTATE (no episode running); BSE_ENV_EBSE; BSE_ENV_ENOMEM. */
__attribute__((warn_unused_result)) bse_env_status bse_env_step(bse_env *e, const float action[BSE_ENV_ACT_DIM],
                                                                float obs[BSE_ENV_OBS_DIM], double *reward,
                                                                int32_t *terminated, common_error *err);

/* Checks an action without applying it: BSE_ENV_OK or BSE_ENV_EACTION (err). */
__attribute__((warn_unused_result)) bse_env_status bse_env_check_action(const float action[BSE_ENV_ACT_DIM],
                                                                        common_error *err);

/* The last reset's or step's information. */
void bse_env_get_info(const bse_env *e, bse_env_info *info);

/* After the episode ended: writes its files (the case's dump flags, named after
 * its case_id) into dir, as `bse run` does. Returns BSE_ENV_OK, BSE_ENV_ESTATE
 * (episode not over), or BSE_ENV_ENOMEM standing for an I/O failure (err). */
__attribute__((warn_unused_result)) bse_env_status bse_env_write_files(const bse_env *e, const char *dir,
                                                                       common_error *err);

/* Creates a vector over envs[0..n-1] (not owned; they must outlive it) stepped by
 * nthreads threads (1: the caller's thread only; capped at n). Returns
 * BSE_ENV_OK or BSE_ENV_ENOMEM. Allocates; starts nthreads - 1 threads. */
__attribute__((warn_unused_result)) bse_env_status bse_env_vec_create(bse_env_vec **out, bse_env *const *envs,
                                                                      int32_t n, int32_t nthreads, common_error *err);

/* Stops the threads and frees the vector (not the envs); NULL is a no-op. */
void bse_env_vec_destroy(bse_env_vec *v);

/* Resets env i with seeds[i]. Out: obs (n x OBS_DIM), terminated (n). Returns the
 * first failing env's status (err names "env[i]"), else BSE_ENV_OK. */
__attribute__((warn_unused_result)) bse_env_status bse_env_vec_reset(bse_env_vec *v, const uint64_t *seeds,
                                                                     float *obs, int32_t *terminated,
                                                                     common_error *err);

/* Steps every env with its row of actions (n x ACT_DIM, all checked first: on a
 * bad one BSE_ENV_EACTION naming "env[i]" and nothing stepped). A finished env
 * is reset at once with its next seed: obs gets the new episode's first
 * observation and final_obs (n x OBS_DIM, may be NULL) the last one of the
 * finished episode (rows of unfinished envs are copies of obs). Out: rewards
 * (n), terminated (n), episode_profit (n, may be NULL: a finished episode's
 * profit, else the running one). Returns as bse_env_step. */
__attribute__((warn_unused_result)) bse_env_status bse_env_vec_step(bse_env_vec *v, const float *actions, float *obs,
                                                                    double *rewards, int32_t *terminated,
                                                                    float *final_obs, double *episode_profit,
                                                                    common_error *err);

#endif /* BSE_ENV_H */
