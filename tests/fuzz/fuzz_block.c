/* tests/fuzz/fuzz_block.c - fuzz target for the block document parser
 * (pouw/block.h) and the verifier's handling of what it accepts.
 * Any input must give OK or an error with a message; never a crash, a leak or an
 * undefined read. An accepted block is written back and re-parsed: the round trip
 * must succeed and give an equal block. It is then verified against a context
 * built from its own header (genesis rule when prev_hash is zero, otherwise an
 * unknown parent), which must end in a verdict, never an internal failure; the
 * session re-run is skipped for blocks that would take long (many sessions, or
 * a committed job of a big or long market). */
#include <assert.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "bse/config.h"
#include "pouw/block.h"
#include "pouw/verify.h"

static int all_zero(const uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (p[i])
            return 0;
    return 1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    pouw_block b, c;
    pouw_block_init(&b);
    pouw_block_init(&c);
    common_error err;
    pouw_status st = pouw_block_parse(&b, &err, "fuzz.json", (const char *)data, size);
    if (st != POUW_OK) {
        assert(st == POUW_EFORMAT || st == POUW_ENOMEM);
        assert(err.code != 0 && err.msg[0] != '\0');
        assert(b.n_sessions == 0 && b.txs == NULL && b.job == NULL);
        return 0;
    }
    char *js = NULL;
    size_t len = 0;
    st = pouw_block_to_json(&js, &len, &b);
    assert(st == POUW_OK || st == POUW_ENOMEM);
    if (st == POUW_OK) {
        st = pouw_block_parse(&c, &err, "roundtrip.json", js, len);
        assert(st == POUW_OK || st == POUW_ENOMEM);
        assert(st != POUW_OK || pouw_block_equal(&b, &c));
        free(js);
    }

    int heavy = b.header.sessions > 4 || b.n_sessions > 4;
    if (b.job) {
        double span = b.job->end_time - b.job->start_time;
        int64_t n = bse_case_count(b.job, 0) + bse_case_count(b.job, 1) + bse_case_count(b.job, 2);
        heavy |= span > 120.0 || n > 200;
    }
    pouw_genesis_rule g = {b.header.time_ms, 0, {0}};
    pouw_verify_ctx ctx;
    memset(&ctx, 0, sizeof ctx);
    ctx.chain_id = b.header.chain_id;
    ctx.req.prehash_bits = b.header.prehash_bits;
    ctx.req.pps_threshold_micro = b.header.pps_threshold_micro;
    ctx.req.mode = b.header.mode;
    ctx.req.post_bits = b.header.post_bits;
    ctx.req.sessions = heavy ? b.header.sessions + 1 : b.header.sessions; /* heavy: stop before the re-run */
    memcpy(ctx.req.job_digest, b.header.job_digest, 32);
    ctx.tmpl.duration = 60.0;
    ctx.tmpl.interval = 10.0;
    ctx.tmpl.timemode = BSE_TIME_PERIODIC;
    ctx.reward = 1000;
    ctx.genesis = all_zero(b.header.prev_hash, 32) ? &g : NULL;
    ctx.now_ms = b.header.time_ms;
    ctx.max_future_ms = 7200000;
    ctx.threads = 1;
    pouw_reason r;
    st = pouw_verify_block(&r, &err, &ctx, &b);
    assert(st == POUW_OK || st == POUW_EINVALID || st == POUW_ENOMEM);
    assert((st == POUW_EINVALID) == (r != POUW_R_OK));
    assert(st != POUW_EINVALID || err.msg[0] != '\0');
    pouw_block_clear(&b);
    pouw_block_clear(&c);
    return 0;
}
