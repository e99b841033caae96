/* tests/install/session_demo.c - a researcher's own program built against an installed
 * toolkit: `cc session_demo.c $(pkg-config --cflags --libs bsepouw)`.
 *
 * Runs one BSE session through the installed headers and static libraries (the engine,
 * bse/), writes its files into OUT_DIR, and prints the SHA-256 of its tape computed by the
 * consensus library (pouw/sha256.h), so that tests/install/run.sh can compare it with
 * tests/golden/manifest.json and with the tape file written.
 *
 * Usage: session_demo MANIFEST CASE_ID OUT_DIR
 * Prints: "case CASE_ID trades N tape_sha256 HEX". Exit status: 0 ok, 1 the session or
 * the writing failed, 2 usage or bad input.
 */
#include <stdio.h>
#include <stdlib.h>

#include "bse/config.h"
#include "common/error.h"
#include "bse/session.h"
#include "pouw/sha256.h"
#include "pouw/status.h"

int main(int argc, char **argv) {
    if (argc != 4) {
        fprintf(stderr, "usage: session_demo MANIFEST CASE_ID OUT_DIR\n");
        return 2;
    }
    common_error err;
    common_error_clear(&err);
    bse_case *c = malloc(sizeof *c); /* a plain value, but large for a stack */
    if (!c) {
        fprintf(stderr, "session_demo: out of memory\n");
        return 1;
    }
    if (bse_case_load(c, argv[1], argv[2], &err) != BSE_CONFIG_OK) {
        common_error_print(&err, "session_demo", stderr);
        free(c);
        return 2;
    }
    bse_result res;
    int rc = 0;
    if (bse_session_run(c, &res, &err) != BSE_SESSION_OK) {
        common_error_print(&err, "session_demo", stderr);
        rc = 1;
    } else if (bse_result_write_files(&res, c, argv[3], &err) != 0) {
        common_error_print(&err, "session_demo", stderr);
        rc = 1;
    } else {
        uint8_t digest[POUW_SHA256_BYTES];
        char hex[POUW_SHA256_HEX];
        pouw_status s = pouw_sha256(digest, res.tape.data, res.tape.len);
        if (s != POUW_OK) {
            fprintf(stderr, "session_demo: sha256: %s\n", pouw_status_str(s));
            rc = 1;
        } else {
            pouw_hex_encode(hex, digest, sizeof digest);
            printf("case %s trades %lld tape_sha256 %s\n", c->case_id, (long long)res.n_trades, hex);
        }
    }
    bse_result_free(&res);
    free(c);
    return rc;
}
