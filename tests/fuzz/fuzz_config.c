/* tests/fuzz/fuzz_config.c - fuzz target for the case-config parser (bse/config.h).
 * Any input must give OK or an error with a message; never a crash, a leak or an
 * accepted case that fails validation. A parsed case is also written back and
 * re-parsed (the round trip must succeed). Short valid cases are also run for a
 * few simulated seconds, so the session code meets odd but valid configs. */
#include <assert.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "bse/config.h"
#include "bse/session.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    bse_case c;
    common_error err;
    bse_config_status st = bse_case_parse(&c, (const char *)data, size, "fuzz.json", NULL, &err);
    if (st != BSE_CONFIG_OK) {
        assert(err.code != 0 && err.msg[0] != '\0');
        return 0;
    }
    assert(bse_case_validate(&c, "fuzz.json", &err) == BSE_CONFIG_OK);
    char *js = bse_case_to_json(&c);
    assert(js);
    bse_case c2;
    assert(bse_case_parse(&c2, js, strlen(js), "roundtrip.json", NULL, &err) == BSE_CONFIG_OK);
    free(js);
    /* keep runs short: a few seconds of a small market */
    if (bse_case_count(&c, 0) + bse_case_count(&c, 1) + bse_case_count(&c, 2) <= 200) {
        double span = c.end_time - c.start_time;
        if (span > 60.0) {
            c.end_time = c.start_time + 60.0;
        }
        bse_result res;
        bse_session_status rs = bse_session_run(&c, &res, &err);
        assert(rs == BSE_SESSION_OK || rs == BSE_SESSION_EBSE || rs == BSE_SESSION_ECONFIG);
        bse_result_free(&res);
    }
    return 0;
}
