/* pouw/work.c - sessions of an attempt, scores, digests and validity (see work.h;
 * spec pouw.md s1, s5, s6). Worker threads share only an atomic work counter;
 * each session writes its own slot, and every sum is formed afterwards in index
 * order, so results do not depend on the number of threads. */
#include "pouw/work.h"

#include <assert.h>
#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "pouw/assumptions.h"
#include "pouw/seed.h"
#include "pouw/target.h"

pouw_status pouw_session_eval(pouw_session_out *out, common_error *err, const bse_case *c,
                              const uint8_t seed32[POUW_SHA256_BYTES])
{
    assert(out && c && seed32);
    memset(out, 0, sizeof *out);
    common_error_clear(err);
    bse_result res;
    common_error berr;
    bse_session_status ss = bse_session_run(c, &res, &berr);
    pouw_status st = POUW_OK;
    if (ss != BSE_SESSION_OK) {
        st = ss == BSE_SESSION_ENOMEM ? POUW_ENOMEM : ss == BSE_SESSION_ECONFIG ? POUW_ECONFIG : POUW_ESESSION;
        common_error_set(err, st, berr.path, berr.field, "%s", berr.msg[0] ? berr.msg : "session failed");
        goto done;
    }
    /* d_i = SHA-256(tape || final line) (spec s6) */
    pouw_sha256_ctx ctx = {0};
    if ((st = pouw_sha256_init(&ctx)) == POUW_OK && (st = pouw_sha256_update(&ctx, res.tape.data, res.tape.len)) == POUW_OK &&
        (st = pouw_sha256_update(&ctx, res.final_line.data, res.final_line.len)) == POUW_OK)
        st = pouw_sha256_final(&ctx, out->digest);
    pouw_sha256_clear(&ctx);
    if (st != POUW_OK) {
        common_error_set(err, st, c->case_id, "", "session digest: %s", pouw_status_str(st));
        goto done;
    }
    /* pps_i (spec s5): the per-type means in BSE's order, summed left to right */
    double sum = 0.0;
    for (int32_t k = 0; k < res.n_types; k++)
        sum = sum + res.types[k].mean;
    double pps = sum / (c->end_time - c->start_time);
    if (!isfinite(pps)) {
        st = POUW_ERANGE;
        common_error_set(err, st, c->case_id, "", "session PPS is not finite");
        goto done;
    }
    memcpy(out->seed, seed32, POUW_SHA256_BYTES);
    out->pps = pps;
    out->n_trades = res.n_trades;
    out->best[0] = res.best[0];
    out->best[1] = res.best[1];
done:
    bse_result_free(&res);
    if (st != POUW_OK) {
        memset(out, 0, sizeof *out);
        if (err)
            err->code = st;
    }
    return st;
}

/* ---------------------------------------------------------------- attempts */

typedef struct job_slot {
    pouw_status st;
    common_error err;
} job_slot;

typedef struct attempt_job {
    const pouw_work *w;
    pouw_attempt *a;
    job_slot *slots;
    atomic_uint next;
} attempt_job;

static void run_one(attempt_job *j, uint32_t i)
{
    pouw_session_out *so = &j->a->s[i];
    job_slot *sl = &j->slots[i];
    uint8_t seed[POUW_SHA256_BYTES];
    bse_case *c = malloc(sizeof *c);
    if (!c) {
        sl->st = (pouw_status)common_error_set(&sl->err, POUW_ENOMEM, "", "", "out of memory");
        return;
    }
    sl->st = pouw_session_seed(seed, j->a->pre_hash, i);
    if (sl->st != POUW_OK)
        common_error_set(&sl->err, sl->st, "", "", "session seed: %s", pouw_status_str(sl->st));
    else if ((sl->st = pouw_session_case(c, &sl->err, j->w, seed, i)) == POUW_OK)
        sl->st = pouw_session_eval(so, &sl->err, c, seed);
    free(c);
}

static void *worker(void *arg)
{
    attempt_job *j = arg;
    for (;;) {
        unsigned i = atomic_fetch_add(&j->next, 1u);
        if (i >= j->a->n)
            break;
        run_one(j, i);
    }
    return NULL;
}

pouw_status pouw_attempt_score(pouw_attempt *a)
{
    assert(a);
    if (a->n == 0 || a->n > POUW_MAX_SESSIONS)
        return POUW_ELIMIT;
    double sum = 0.0;
    uint8_t digests[POUW_MAX_SESSIONS * POUW_SHA256_BYTES];
    for (uint32_t i = 0; i < a->n; i++) {
        sum = sum + a->s[i].pps;
        memcpy(digests + (size_t)i * POUW_SHA256_BYTES, a->s[i].digest, POUW_SHA256_BYTES);
    }
    a->pps = sum / (double)a->n;
    pouw_status st = pouw_pps_micro(&a->pps_micro, a->pps);
    if (st == POUW_OK && (a->pps_micro < -POUW_PPS_MICRO_MAX || a->pps_micro > POUW_PPS_MICRO_MAX))
        st = POUW_ERANGE;
    if (st == POUW_OK)
        st = pouw_outcome_digest(a->outcome, digests, a->n);
    if (st == POUW_OK)
        st = pouw_post_hash(a->post_hash, a->pre_hash, a->outcome, a->pps_micro);
    return st;
}

pouw_status pouw_attempt_run(pouw_attempt *out, common_error *err, const pouw_work *w,
                             const uint8_t pre_hash32[POUW_SHA256_BYTES], uint32_t n, unsigned threads)
{
    assert(out && w && pre_hash32);
    memset(out, 0, sizeof *out);
    common_error_clear(err);
    if (n == 0 || n > POUW_MAX_SESSIONS)
        return (pouw_status)common_error_set(err, POUW_ELIMIT, "", "sessions", "sessions per attempt must be 1..%d (got %u)",
                                          POUW_MAX_SESSIONS, (unsigned)n);
    memcpy(out->pre_hash, pre_hash32, POUW_SHA256_BYTES);
    out->n = n;
    attempt_job j;
    j.w = w;
    j.a = out;
    j.slots = calloc(n, sizeof *j.slots);
    if (!j.slots) {
        memset(out, 0, sizeof *out);
        return (pouw_status)common_error_set(err, POUW_ENOMEM, "", "", "out of memory");
    }
    atomic_init(&j.next, 0u);
    unsigned nthreads = threads > 1 ? threads : 1;
    if (nthreads > n)
        nthreads = n;
    pthread_t tid[POUW_MAX_SESSIONS];
    unsigned started = 0;
    pouw_status st = POUW_OK;
    for (unsigned t = 1; t < nthreads; t++) {
        if (pthread_create(&tid[started], NULL, worker, &j) != 0) {
            st = POUW_ENOMEM; /* run what we have; report below */
            break;
        }
        started++;
    }
    worker(&j); /* the calling thread works too */
    for (unsigned t = 0; t < started; t++)
        pthread_join(tid[t], NULL);

    if (st == POUW_OK) {
        for (uint32_t i = 0; i < n; i++) /* the lowest failing index, whatever the timing */
            if (j.slots[i].st != POUW_OK) {
                st = j.slots[i].st;
                if (err) {
                    *err = j.slots[i].err;
                    err->code = st;
                    char field[sizeof err->field];
                    snprintf(field, sizeof field, "session %u%s%s", (unsigned)i, err->field[0] ? ": " : "",
                             err->field);
                    memcpy(err->field, field, sizeof field);
                }
                break;
            }
    } else {
        common_error_set(err, st, "", "", "cannot start a worker thread");
    }
    free(j.slots);
    if (st == POUW_OK && (st = pouw_attempt_score(out)) != POUW_OK)
        common_error_set(err, st, "", "pps", "attempt score: %s", pouw_status_str(st));
    if (st != POUW_OK)
        memset(out, 0, sizeof *out);
    return st;
}

pouw_status pouw_attempt_valid(int *valid, const pouw_header *h, int64_t pps_micro,
                               const uint8_t post_hash32[POUW_SHA256_BYTES])
{
    assert(valid && h && post_hash32);
    *valid = 0;
    if (h->mode != POUW_MODE_PPS && h->mode != POUW_MODE_LOTTERY)
        return POUW_ERANGE;
    /* s11.2: both modes, the floor and the lottery; post_bits 0 = no target */
    int floor_ok = pps_micro >= h->pps_threshold_micro;
    if (h->post_bits == 0) {
        *valid = floor_ok;
        return POUW_OK;
    }
    uint8_t target[POUW_TARGET_BYTES];
    pouw_status st = pouw_target_from_bits(target, h->post_bits);
    if (st != POUW_OK)
        return st;
    *valid = floor_ok && pouw_hash_meets_target(post_hash32, target);
    return POUW_OK;
}
