/* pouw/mine.c - the mining loop (see mine.h; spec pouw.md s1). */
#include "pouw/mine.h"

#include <assert.h>
#include <stdlib.h>
#include <string.h>

#include "pouw/target.h"

#define PREHASH_CHUNK 65536u /* nonces per pre-hash search call (then the clock is read again) */

pouw_status pouw_mine(pouw_header *header, pouw_attempt *attempt, pouw_mine_stats *stats, common_error *err,
                      const pouw_mine_params *p)
{
    assert(header && attempt && stats && p);
    memset(header, 0, sizeof *header);
    memset(attempt, 0, sizeof *attempt);
    memset(stats, 0, sizeof *stats);
    stats->best_pps_micro = INT64_MIN;
    common_error_clear(err);
    if (p->header.sessions == 0 || p->header.sessions > POUW_MAX_SESSIONS)
        return (pouw_status)common_error_set(err, POUW_ELIMIT, "", "header.sessions", "sessions must be 1..%d",
                                          POUW_MAX_SESSIONS);
    if (p->header.mode != POUW_MODE_PPS && p->header.mode != POUW_MODE_LOTTERY)
        return (pouw_status)common_error_set(err, POUW_ERANGE, "", "header.mode", "unknown mode %u",
                                          (unsigned)p->header.mode);
    uint8_t target[32];
    pouw_status st = pouw_target_from_bits(target, p->header.prehash_bits);
    if (st == POUW_OK && p->header.post_bits != 0)
        st = pouw_target_from_bits(target, p->header.post_bits);
    if (st != POUW_OK)
        return (pouw_status)common_error_set(err, st, "", "header", "bad target bits: %s", pouw_status_str(st));

    pouw_header h = p->header;
    uint64_t nonce = p->start_nonce % POUW_NONCE_LIMIT;
    pouw_attempt *a = malloc(sizeof *a);
    if (!a)
        return (pouw_status)common_error_set(err, POUW_ENOMEM, "", "", "out of memory");
    for (;;) {
        if (p->max_attempts && stats->attempts >= p->max_attempts) {
            st = POUW_ENOTFOUND;
            break;
        }
        /* pre-hash gate: the next passing nonce at the current time */
        uint64_t now = p->clock_ms ? p->clock_ms(p->clock_user) : p->min_time_ms;
        h.time_ms = now > p->min_time_ms ? now : p->min_time_ms;
        uint8_t pre[32];
        uint64_t tries = POUW_NONCE_LIMIT - nonce < PREHASH_CHUNK ? POUW_NONCE_LIMIT - nonce : PREHASH_CHUNK;
        uint64_t found = 0;
        st = pouw_prehash_search(&found, pre, &h, nonce, tries);
        if (st == POUW_ENOTFOUND) {
            stats->prehash_tries += tries;
            nonce += tries;
            if (nonce >= POUW_NONCE_LIMIT)
                nonce = 0;
            continue;
        }
        if (st != POUW_OK) {
            common_error_set(err, st, "", "pre_hash", "pre-hash search: %s", pouw_status_str(st));
            break;
        }
        stats->prehash_tries += found - nonce + 1;
        h.nonce = found;
        nonce = found + 1 >= POUW_NONCE_LIMIT ? 0 : found + 1;

        /* useful work */
        common_error e;
        st = pouw_attempt_run(a, &e, &p->work, pre, h.sessions, p->threads);
        stats->attempts++;
        if (st == POUW_ESESSION) { /* BSE cannot run this market: the attempt fails */
            stats->failed_sessions++;
            if (p->progress && p->progress(p->progress_user, stats))
                st = POUW_ENOTFOUND;
            if (st == POUW_ENOTFOUND)
                break;
            continue;
        }
        if (st != POUW_OK) {
            if (err)
                *err = e;
            break;
        }
        int valid = 0;
        if ((st = pouw_attempt_valid(&valid, &h, a->pps_micro, a->post_hash)) != POUW_OK) {
            common_error_set(err, st, "", "header", "validity rule: %s", pouw_status_str(st));
            break;
        }
        stats->last_pps_micro = a->pps_micro;
        if (a->pps_micro > stats->best_pps_micro)
            stats->best_pps_micro = a->pps_micro;
        int stop = p->progress && p->progress(p->progress_user, stats);
        if (valid) {
            *header = h;
            *attempt = *a;
            st = POUW_OK;
            break;
        }
        if (stop) {
            st = POUW_ENOTFOUND;
            break;
        }
    }
    free(a);
    if (st == POUW_ENOTFOUND)
        common_error_set(err, st, "", "", "stopped after %llu attempts without a valid one",
                      (unsigned long long)stats->attempts);
    if (st != POUW_OK) {
        memset(header, 0, sizeof *header);
        memset(attempt, 0, sizeof *attempt);
    }
    return st;
}
