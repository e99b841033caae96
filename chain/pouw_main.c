/* chain/pouw_main.c - `pouw`: mine and verify BSE-PoUW blocks on the three coin
 * chains, and explain a block's sessions. A thin layer over chain/node.h,
 * chain/store.h and pouw/. Data goes to stdout and files, messages to stderr.
 * Exit codes: 0 done / valid; 1 a block was rejected or the work failed; 2 usage
 * or unreadable input. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <gsl/gsl_errno.h>

#include "bse/config.h"
#include "bse/session.h"
#include "chain/node.h"
#include "chain/params.h"
#include "chain/store.h"
#include "pouw/block.h"
#include "pouw/env.h"
#include "pouw/keys.h"
#include "pouw/seed.h"
#include "pouw/verify.h"
#include "pouw/work.h"

static const char USAGE[] =
    "usage: pouw mine --data DIR --chain alpha|bravo|charlie [--blocks N] [--key FILE] [--threads T]\n"
    "                 [--time-ms MS]\n"
    "       pouw verify --data DIR [--chain NAME] [--threads T] BLOCK.json\n"
    "       pouw verify-chain --data DIR --chain NAME [--threads T]\n"
    "       pouw explain BLOCK.json --out DIR\n"
    "       pouw COMMAND --help\n"
    "\n"
    "BSE-PoUW consensus (spec pouw.md): a block is earned by running seeded Bristol Stock\n"
    "Exchange market sessions; anyone can verify it by re-running them.\n"
    "\n"
    "  mine          mine N blocks (default 1) on the chain's tip, paid to the miner key\n"
    "                (default DIR/keys/miner.key, created on first use, labelled with the\n"
    "                host name). Creates DIR and the chain (its genesis) on first use.\n"
    "                Prints one line per block: chain, height, id, pps, attempts, wall time;\n"
    "                on a terminal also a progress line on stderr.\n"
    "  verify        check one block file against the chain in DIR (the chain of its\n"
    "                chain_id, or --chain NAME, which the block must belong to). Prints a\n"
    "                one-line summary when valid; the reason when rejected.\n"
    "  verify-chain  check every block of the chain in DIR, genesis to tip.\n"
    "  explain       for every session of the block write, into DIR, the session's market\n"
    "                as a case file s<i>.json in the `bse run` format (seed_kind hex256,\n"
    "                seed the 64-digit session seed; dump_tape and dump_avgbals on) and the\n"
    "                session's BSE output files s<i>_tape.csv and s<i>_avg_balance.csv.\n"
    "                `bse run DIR/s0.json` or BSE.py (shared/tools/pybse.py) reproduce them;\n"
    "                d_i = SHA-256(tape file || last line of the avg-balance file).\n"
    "\n"
    "  --data DIR    data directory: DIR/<chain>/blocks/, DIR/<chain>/tip, DIR/keys/\n"
    "  --chain NAME  alpha (AlphaCoin), bravo (BravoCoin) or charlie (CharlieCoin)\n"
    "  --blocks N    blocks to mine (default 1)\n"
    "  --key FILE    miner key file (pouw key format) instead of DIR/keys/miner.key\n"
    "  --threads T   threads for the sessions of an attempt (default: one per session,\n"
    "                at most the number of online processors; 1 = one core). Results\n"
    "                do not depend on it\n"
    "  --time-ms MS  mine with this fixed clock reading (Unix ms; raised to the chain's\n"
    "                median time past + 1) instead of the system clock, and start every\n"
    "                nonce search at 0: the same key and data give the same blocks\n"
    "  --out DIR     output folder of explain (created if missing)\n"
    "\n"
    "Exit status: 0 ok (valid); 1 block rejected, or mining/writing failed; 2 usage or\n"
    "unreadable input (a file that cannot be read, a missing chain). A block file that\n"
    "is read but is not a well-formed block is rejected (exit 1, reason \"format\").\n";

typedef struct opts {
    const char *cmd, *data, *chain, *key, *out, *file;
    long long blocks;
    unsigned threads;
    int fixed_time;
    uint64_t time_ms;
} opts;

static int usage_error(const char *msg)
{
    fprintf(stderr, "pouw: %s\n(see pouw --help)\n", msg);
    return 2;
}

static uint64_t wall_ms(void *user)
{
    (void)user;
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

static uint64_t fixed_ms(void *user) { return *(const uint64_t *)user; }

/* --threads, or one thread per session up to the online processors. */
static unsigned threads_for(const opts *o, uint32_t sessions)
{
    if (o->threads)
        return o->threads;
    long cpus = sysconf(_SC_NPROCESSORS_ONLN);
    unsigned t = sessions > 0 && sessions <= 64 ? sessions : 1;
    if (cpus >= 1 && (long)t > cpus)
        t = (unsigned)cpus;
    return t;
}

static double mono_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static int parse_count(const char *s, long long lo, long long hi, long long *out)
{
    char *end;
    errno = 0;
    long long v = strtoll(s, &end, 10);
    if (errno || end == s || *end || v < lo || v > hi)
        return -1;
    *out = v;
    return 0;
}

static const chain_params *chain_or_complain(const char *name)
{
    const chain_params *p = chain_params_by_name(name);
    if (!p)
        fprintf(stderr, "pouw: unknown chain \"%s\" (expected alpha, bravo or charlie)\n", name);
    return p;
}

/* ---------------------------------------------------------------- mine */

typedef struct progress_ctx {
    const chain_params *p;
    uint64_t height;
    int64_t threshold;
    double t0;
    int tty;
} progress_ctx;

static int mine_progress(void *user, const pouw_mine_stats *st)
{
    progress_ctx *pc = user;
    if (pc->tty)
        fprintf(stderr, "\r%s height %" PRIu64 ": attempt %" PRIu64 ", last pps %.3f, best %.3f, need %.3f, %.1f s\033[K",
                pc->p->name, pc->height, st->attempts, (double)st->last_pps_micro / 1e6,
                (double)st->best_pps_micro / 1e6, (double)pc->threshold / 1e6,
                mono_s() - pc->t0);
    return 0;
}

static int cmd_mine(const opts *o)
{
    if (!o->data || !o->chain)
        return usage_error("mine needs --data DIR and --chain NAME");
    const chain_params *p = chain_or_complain(o->chain);
    if (!p)
        return 2;
    bse_error err;
    if (chain_mkdirs(&err, o->data, 0) != CHAIN_OK) {
        bse_error_print(&err, "pouw", stderr);
        return 1;
    }
    pouw_key key;
    int created = 0;
    chain_status cs = chain_miner_key(&key, &created, &err, o->data, o->key);
    if (cs != CHAIN_OK) {
        bse_error_print(&err, "pouw", stderr);
        return cs == CHAIN_EKEY || (o->key && cs == CHAIN_EIO) ? 2 : 1;
    }
    if (created)
        fprintf(stderr, "pouw: created miner key %s/keys/miner.key%s%s\n", o->data, key.label[0] ? " labelled " : "",
                key.label);
    int tty = isatty(fileno(stderr));
    chain_store s;
    char tip_path[CHAIN_PATH_MAX + 8];
    snprintf(tip_path, sizeof tip_path, "%s/%s/tip", o->data, p->name);
    struct stat sb;
    if (stat(tip_path, &sb) != 0)
        fprintf(stderr, "pouw: creating the %s chain in %s (genesis)\n", p->coin, o->data);
    unsigned threads = threads_for(o, p->genesis_req.sessions);
    if ((cs = chain_store_open(&s, &err, o->data, p, 1, threads)) != CHAIN_OK) {
        bse_error_print(&err, "pouw", stderr);
        pouw_key_clear(&key);
        return 1;
    }
    int rc = 0;
    for (long long k = 0; k < o->blocks; k++) {
        progress_ctx pc = {p, chain_store_tip_height(&s) + 1, 0, mono_s(), tty};
        pouw_requirements req;
        if (chain_required_targets(&req, &err, p, &s, pc.height) == CHAIN_OK)
            pc.threshold = req.pps_threshold_micro;
        chain_mine_opts mo;
        memset(&mo, 0, sizeof mo);
        mo.threads = threads;
        mo.clock_ms = o->fixed_time ? fixed_ms : wall_ms;
        mo.clock_user = o->fixed_time ? (void *)&o->time_ms : NULL;
        mo.progress = mine_progress;
        mo.progress_user = &pc;
        pouw_block b;
        pouw_block_init(&b);
        pouw_mine_stats st;
        cs = chain_mine_block(&b, &st, &err, &s, key.pub, &mo);
        double dt = mono_s() - pc.t0;
        if (tty)
            fprintf(stderr, "\r\033[K");
        if (cs != CHAIN_OK) {
            bse_error_print(&err, "pouw", stderr);
            rc = 1;
            pouw_block_clear(&b);
            break;
        }
        char id[POUW_SHA256_HEX];
        pouw_hex_encode(id, b.post_hash, 32);
        printf("%s height %" PRIu64 " id %s pps %.6f attempts %" PRIu64 " time %.3f s\n", p->name, b.header.height, id,
               b.pps, st.attempts, dt);
        fflush(stdout);
        pouw_block_clear(&b);
    }
    chain_store_close(&s);
    pouw_key_clear(&key);
    return rc;
}

/* ---------------------------------------------------------------- verify */

static int print_rejection(const char *prog, const char *file, pouw_reason r, const bse_error *err)
{
    fprintf(stderr, "%s: %s: rejected (%s)", prog, file, pouw_reason_name(r));
    if (err->field[0])
        fprintf(stderr, ": %s", err->field);
    fprintf(stderr, ": %s\n", err->msg[0] ? err->msg : "invalid");
    return 1;
}

static int cmd_verify(const opts *o)
{
    if (!o->data || !o->file)
        return usage_error("verify needs --data DIR and BLOCK.json");
    bse_error err;
    pouw_block b;
    pouw_block_init(&b);
    pouw_status ps = pouw_block_load(&b, &err, o->file);
    if (ps == POUW_EIO || ps == POUW_ENOMEM) {
        bse_error_print(&err, "pouw verify", stderr);
        return ps == POUW_EIO ? 2 : 1;
    }
    if (ps != POUW_OK)
        return print_rejection("pouw verify", o->file, POUW_R_FORMAT, &err);
    const chain_params *p = o->chain ? chain_or_complain(o->chain) : chain_params_by_id(b.header.chain_id);
    if (o->chain && !p) {
        pouw_block_clear(&b);
        return 2;
    }
    if (!p || b.header.chain_id != p->chain_id) {
        bse_error_set(&err, POUW_EINVALID, o->file, "header.chain_id", "block of chain %" PRIu32 "%s%s",
                      b.header.chain_id, p ? ", verified as " : " (no such chain)", p ? p->coin : "");
        pouw_block_clear(&b);
        return print_rejection("pouw verify", o->file, POUW_R_CHAIN_ID, &err);
    }
    chain_store s;
    unsigned threads = threads_for(o, b.header.sessions);
    chain_status cs = chain_store_open(&s, &err, o->data, p, 0, threads);
    if (cs != CHAIN_OK) {
        bse_error_print(&err, "pouw verify", stderr);
        pouw_block_clear(&b);
        return 2;
    }
    double t0 = mono_s();
    pouw_reason r;
    cs = chain_verify_block(&r, &err, &s, &b, wall_ms(NULL), threads);
    double dt = mono_s() - t0;
    int rc = 0;
    if (cs == CHAIN_EINVALID) {
        rc = print_rejection("pouw verify", o->file, r, &err);
    } else if (cs != CHAIN_OK) {
        fprintf(stderr, "pouw verify: %s: could not be verified: ", o->file);
        bse_error_print(&err, "", stderr);
        rc = 1;
    } else {
        char id[POUW_SHA256_HEX], miner[POUW_SHA256_HEX];
        pouw_hex_encode(id, b.post_hash, 32);
        pouw_hex_encode(miner, b.header.miner, 32);
        printf("valid %s block %" PRIu64 " id %s pps %.6f (threshold %.6f) sessions %" PRIu32 " miner %.16s verified in "
               "%.3f s\n",
               p->coin, b.header.height, id, b.pps, (double)b.header.pps_threshold_micro / 1e6, b.header.sessions,
               miner, dt);
    }
    chain_store_close(&s);
    pouw_block_clear(&b);
    return rc;
}

static void chain_progress(void *user, uint64_t h, uint64_t tip)
{
    const chain_params *p = user;
    fprintf(stderr, "\r%s: verified block %" PRIu64 " of %" PRIu64 "\033[K", p->name, h, tip);
}

static int cmd_verify_chain(const opts *o)
{
    if (!o->data || !o->chain)
        return usage_error("verify-chain needs --data DIR and --chain NAME");
    const chain_params *p = chain_or_complain(o->chain);
    if (!p)
        return 2;
    bse_error err;
    chain_store s;
    unsigned threads = threads_for(o, p->genesis_req.sessions);
    chain_status cs = chain_store_open(&s, &err, o->data, p, 0, threads);
    if (cs != CHAIN_OK) {
        bse_error_print(&err, "pouw verify-chain", stderr);
        return 2;
    }
    int tty = isatty(fileno(stderr));
    uint64_t bad;
    pouw_reason r;
    double t0 = mono_s();
    cs = chain_verify_store(&bad, &r, &err, &s, wall_ms(NULL), threads, tty ? chain_progress : NULL, (void *)p);
    if (tty)
        fprintf(stderr, "\r\033[K");
    int rc = 0;
    uint64_t tip = chain_store_tip_height(&s);
    if (cs == CHAIN_EINVALID) {
        char where[64];
        snprintf(where, sizeof where, "%s block %" PRIu64, p->name, bad);
        rc = print_rejection("pouw verify-chain", where, r, &err);
    } else if (cs != CHAIN_OK) {
        bse_error_print(&err, "pouw verify-chain", stderr);
        rc = 1;
    } else {
        /* coins exist only through coinbases: the tip's ledger holds reward x height */
        pouw_block b;
        pouw_block_init(&b);
        cs = chain_store_load(&b, &err, &s, tip);
        int64_t total = cs == CHAIN_OK ? pouw_ledger_total(&b.ledger) : -1;
        char id[POUW_SHA256_HEX];
        uint8_t tip_id[32];
        chain_store_id(tip_id, &s, tip);
        pouw_hex_encode(id, tip_id, 32);
        if (cs != CHAIN_OK) {
            bse_error_print(&err, "pouw verify-chain", stderr);
            rc = 1;
        } else if (total != p->reward * (int64_t)tip) {
            fprintf(stderr, "pouw verify-chain: %s: the ledger holds %" PRId64 " coins, expected %" PRId64 "\n",
                    p->name, total, p->reward * (int64_t)tip);
            rc = 1;
        } else {
            printf("valid %s chain: blocks 0..%" PRIu64 ", tip %s, %" PRId64 " coins in %zu accounts, verified in "
                   "%.3f s\n",
                   p->coin, tip, id, total, b.ledger.n, mono_s() - t0);
        }
        pouw_block_clear(&b);
    }
    chain_store_close(&s);
    return rc;
}

/* ---------------------------------------------------------------- explain */

static int cmd_explain(const opts *o)
{
    if (!o->file || !o->out)
        return usage_error("explain needs BLOCK.json and --out DIR");
    bse_error err;
    pouw_block b;
    pouw_block_init(&b);
    pouw_status ps = pouw_block_load(&b, &err, o->file);
    if (ps != POUW_OK) {
        bse_error_print(&err, "pouw explain", stderr);
        return ps == POUW_ENOMEM ? 1 : 2;
    }
    const chain_params *p = chain_params_by_id(b.header.chain_id);
    if (!p && !b.job) {
        fprintf(stderr, "pouw explain: %s: unknown chain id %" PRIu32 ": its session template is not known\n", o->file,
                b.header.chain_id);
        pouw_block_clear(&b);
        return 2;
    }
    if (b.header.sessions == 0 || b.header.sessions > POUW_MAX_SESSIONS) {
        fprintf(stderr, "pouw explain: %s: header.sessions must be 1..%d\n", o->file, POUW_MAX_SESSIONS);
        pouw_block_clear(&b);
        return 2;
    }
    if (chain_mkdirs(&err, o->out, 0) != CHAIN_OK) {
        bse_error_print(&err, "pouw explain", stderr);
        pouw_block_clear(&b);
        return 1;
    }
    bse_case *canon = NULL;
    pouw_work w = {p ? p->tmpl : (pouw_template){0, 0, BSE_TIME_PERIODIC}, NULL};
    if (b.job) {
        canon = malloc(sizeof *canon);
        if (!canon || pouw_job_canonicalize(canon, &err, b.job) != POUW_OK) {
            fprintf(stderr, "pouw explain: %s: job: %s\n", o->file, canon ? err.msg : "out of memory");
            free(canon);
            pouw_block_clear(&b);
            return canon ? 2 : 1;
        }
        w.job = canon;
    }
    int rc = 0;
    bse_case *c = malloc(sizeof *c);
    if (!c) {
        fprintf(stderr, "pouw explain: out of memory\n");
        rc = 1;
    }
    for (uint32_t i = 0; c && i < b.header.sessions && rc == 0; i++) {
        uint8_t seed[32];
        if (pouw_session_seed(seed, b.pre_hash, i) != POUW_OK ||
            (ps = pouw_session_case(c, &err, &w, seed, i)) != POUW_OK) {
            fprintf(stderr, "pouw explain: session %u: %s\n", (unsigned)i, err.msg);
            rc = 1;
            break;
        }
        c->dump_avgbals = 1; /* its last line is the final line of d_i; the session is unchanged */
        char *json = bse_case_to_json(c);
        char path[CHAIN_PATH_MAX + 64];
        snprintf(path, sizeof path, "%s/%s.json", o->out, c->case_id);
        bse_buf jb = BSE_BUF_INIT;
        int werr = !json || bse_buf_append(&jb, json, strlen(json)) || bse_buf_append(&jb, "\n", 1);
        free(json);
        if (werr || bse_buf_write_file(&jb, path) != 0) {
            fprintf(stderr, "pouw explain: %s: cannot write: %s\n", path, werr ? "out of memory" : strerror(errno));
            bse_buf_free(&jb);
            rc = 1;
            break;
        }
        bse_buf_free(&jb);
        bse_result res;
        bse_session_status ss = bse_session_run(c, &res, &err);
        if (ss != BSE_SESSION_OK) {
            fprintf(stderr, "pouw explain: session %u: %s\n", (unsigned)i, err.msg);
            bse_result_free(&res);
            rc = 1;
            break;
        }
        if (bse_result_write_files(&res, c, o->out, &err) != 0) {
            bse_error_print(&err, "pouw explain", stderr);
            bse_result_free(&res);
            rc = 1;
            break;
        }
        /* the record digest from the files, as anyone would compute it */
        uint8_t d[32] = {0};
        pouw_sha256_ctx hc = {0};
        if (pouw_sha256_init(&hc) != POUW_OK || pouw_sha256_update(&hc, res.tape.data, res.tape.len) != POUW_OK ||
            pouw_sha256_update(&hc, res.final_line.data, res.final_line.len) != POUW_OK ||
            pouw_sha256_final(&hc, d) != POUW_OK)
            rc = 1;
        pouw_sha256_clear(&hc);
        char sh[POUW_SHA256_HEX], dh[POUW_SHA256_HEX];
        pouw_hex_encode(sh, seed, 32);
        pouw_hex_encode(dh, d, 32);
        int same = i < b.n_sessions && memcmp(d, b.proof[i].digest, 32) == 0;
        printf("session %u seed %s case %s/%s.json trades %lld d %s %s\n", (unsigned)i, sh, o->out, c->case_id,
               (long long)res.n_trades, dh, same ? "matches the block" : "DIFFERS from the block");
        if (!same) {
            fprintf(stderr, "pouw explain: session %u: the re-run's record digest differs from the block's d_%u\n",
                    (unsigned)i, (unsigned)i);
            rc = 1;
        }
        bse_result_free(&res);
    }
    free(c);
    free(canon);
    pouw_block_clear(&b);
    return rc;
}

/* ---------------------------------------------------------------- main */

int main(int argc, char **argv)
{
    gsl_set_error_handler_off();
    if (argc < 2)
        return usage_error("missing command");
    if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help")) {
        fputs(USAGE, stdout);
        return 0;
    }
    opts o;
    memset(&o, 0, sizeof o);
    o.cmd = argv[1];
    o.blocks = 1;
    o.threads = 0; /* automatic */
    for (int i = 2; i < argc; i++) {
        const char *a = argv[i];
        long long v;
        if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
            fputs(USAGE, stdout);
            return 0;
        }
        const char **dst = !strcmp(a, "--data")    ? &o.data
                            : !strcmp(a, "--chain") ? &o.chain
                            : !strcmp(a, "--key")   ? &o.key
                            : !strcmp(a, "--out")   ? &o.out
                                                    : NULL;
        if (dst) {
            if (++i >= argc) {
                fprintf(stderr, "pouw: %s needs a value\n(see pouw --help)\n", a);
                return 2;
            }
            *dst = argv[i];
        } else if (!strcmp(a, "--blocks") || !strcmp(a, "--threads")) {
            int is_blocks = !strcmp(a, "--blocks");
            if (++i >= argc || parse_count(argv[i], is_blocks ? 0 : 1, is_blocks ? 100000000 : 256, &v)) {
                fprintf(stderr, "pouw: %s needs %s\n(see pouw --help)\n", a,
                        is_blocks ? "a count 0..100000000" : "a count 1..256");
                return 2;
            }
            if (is_blocks)
                o.blocks = v;
            else
                o.threads = (unsigned)v;
        } else if (!strcmp(a, "--time-ms")) {
            if (++i >= argc || parse_count(argv[i], 0, 9007199254740991LL, &v)) {
                fprintf(stderr, "pouw: --time-ms needs Unix milliseconds 0..2^53-1\n(see pouw --help)\n");
                return 2;
            }
            o.fixed_time = 1;
            o.time_ms = (uint64_t)v;
        } else if (a[0] == '-' && a[1]) {
            fprintf(stderr, "pouw: unknown option %s\n(see pouw --help)\n", a);
            return 2;
        } else if (!o.file) {
            o.file = a;
        } else {
            return usage_error("more than one file given");
        }
    }
    if (!strcmp(o.cmd, "mine")) {
        if (o.file)
            return usage_error("mine takes no file argument");
        return cmd_mine(&o);
    }
    if (!strcmp(o.cmd, "verify"))
        return cmd_verify(&o);
    if (!strcmp(o.cmd, "verify-chain")) {
        if (o.file)
            return usage_error("verify-chain takes no file argument");
        return cmd_verify_chain(&o);
    }
    if (!strcmp(o.cmd, "explain"))
        return cmd_explain(&o);
    return usage_error("unknown command (expected mine, verify, verify-chain or explain)");
}
