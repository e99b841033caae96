/* bse/session.c - BSE.py v1.91 market_session run to the end, and its files
 * (see session.h).
 *
 * The loop itself is the step machine of step.c, run without stopping at any
 * decision: one session loop serves both APIs, so they give the same bytes. */
#include "bse/session.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bse/step.h"

bse_session_status bse_session_run(const bse_case *c, bse_result *res, common_error *err)
{
    memset(res, 0, sizeof *res);
    common_error_clear(err);
    bse_step_options o = bse_step_options_default();
    o.watch = BSE_STEP_NO_SLOT;
    bse_step *s = NULL;
    bse_step_status st = bse_step_create(&s, c, &o, err);
    if (st != BSE_STEP_OK)
        return (bse_session_status)st;
    bse_step_event ev;
    int32_t slot;
    st = bse_step_advance(s, &ev, &slot, err);
    if (st == BSE_STEP_OK)
        st = bse_step_finish(s, res, err);
    bse_step_destroy(s);
    return (bse_session_status)st;
}

void bse_result_free(bse_result *res)
{
    if (!res)
        return;
    common_buf_free(&res->tape);
    common_buf_free(&res->avg_balance);
    common_buf_free(&res->blotters);
    common_buf_free(&res->lob_frames);
    common_buf_free(&res->strats);
    common_buf_free(&res->final_line);
}

/* The files a case writes, in writing order: BSE.py's names <case>_<kind>.csv. */
#define BSE_RESULT_FILES(c, res)                                                                                       \
    {                                                                                                                  \
        {(c)->dump_tape, "tape", (res) ? &(res)->tape : NULL},                                                         \
            {(c)->dump_avgbals, "avg_balance", (res) ? &(res)->avg_balance : NULL},                                    \
            {(c)->dump_blotters, "blotters", (res) ? &(res)->blotters : NULL},                                         \
            {(c)->dump_lobs, "LOB_frames", (res) ? &(res)->lob_frames : NULL},                                         \
            {(c)->dump_strats, "strats", (res) ? &(res)->strats : NULL},                                               \
    }
typedef struct result_file {
    int on;
    const char *kind;
    const common_buf *buf;
} result_file;

void bse_result_remove_files(const bse_case *c, const char *dir)
{
    const result_file files[] = BSE_RESULT_FILES(c, (const bse_result *)NULL);
    char path[4096];
    for (int i = 0; i < 5; i++) {
        if (!files[i].on)
            continue;
        snprintf(path, sizeof path, "%s/%s_%s.csv", dir, c->case_id, files[i].kind);
        unlink(path);
    }
}

int bse_result_write_files(const bse_result *res, const bse_case *c, const char *dir, common_error *err)
{
    const result_file files[] = BSE_RESULT_FILES(c, res);
    char paths[5][4096];
    int done = 0;
    for (int i = 0; i < 5; i++) {
        if (!files[i].on)
            continue;
        snprintf(paths[done], sizeof paths[done], "%s/%s_%s.csv", dir, c->case_id, files[i].kind);
        if (common_buf_write_file(files[i].buf, paths[done])) {
            common_error_set(err, 1, paths[done], "", "cannot write: %s", strerror(errno));
            for (int k = 0; k < done; k++)
                unlink(paths[k]);
            return -1;
        }
        done++;
    }
    return 0;
}
