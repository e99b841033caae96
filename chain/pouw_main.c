/* chain/pouw_main.c - `pouw`: mine, submit and verify BSE-PoUW blocks on the three
 * coin chains of a data directory shared by any number of miner processes, and
 * explain a block's sessions. A thin layer over chain/miner.h, chain/validate.h, chain/store.h,
 * chain/policy.h and pouw/. Data goes to stdout and files, messages to stderr.
 * Exit codes: 0 done / valid / accepted; 1 a block was rejected or the work
 * failed; 2 usage or unreadable input.
 *
 * The one piece of mutable file-scope state is the stop flag that SIGINT and
 * SIGTERM set (a signal handler can do nothing else); libraries never see it. */
#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <gsl/gsl_errno.h>

#include "common/buf.h"
#include "bse/config.h"
#include "bse/session.h"
#include "common/cli.h"
#include "common/clock.h"
#include "common/progress.h"
#include "chain/mining.h"
#include "chain/validate.h"
#include "chain/params.h"
#include "chain/keys.h"
#include "chain/net/node.h"
#include "chain/policy.h"
#include "chain/store.h"
#include "pouw/block.h"
#include "pouw/env.h"
#include "pouw/keys.h"
#include "pouw/seed.h"
#include "pouw/verify.h"
#include "pouw/work.h"

enum { CMD_MINE, CMD_SUBMIT, CMD_VERIFY, CMD_VERIFY_CHAIN, CMD_EXPLAIN, CMD_NODE, N_CMDS };
enum {
    O_DATA, O_CHAIN, O_POLICY, O_SEED, O_BLOCKS, O_FOREVER, O_KEY, O_THREADS, O_TIME_MS, O_TESTNET, O_OUT,
    O_LISTEN, O_PEER, O_MINE, O_MINE_SECONDS, O_RUN_SECONDS, O_VERBOSE, N_OPTS
};
#define M(c) COMMON_CMD(c)

static const common_cmd CMDS[] = {
    [CMD_MINE] = {"mine", "--data DIR (--chain NAME | --policy P) [--blocks N | --forever] [--key FILE] [--threads T] [--time-ms MS] [--testnet]",
                  "mine N blocks (default 1; --forever: until SIGINT or SIGTERM) on the best tip, paid\n"
                  "to the miner key (--key FILE, or DIR/keys/miner.key, created on first use and\n"
                  "labelled with the host name). Blocks carry the mempool's pending transfers.\n"
                  "Creates DIR and the chains (their genesis) on first use. Before every attempt it\n"
                  "checks whether another process changed the chain and, if so, starts again on\n"
                  "the new tip. Prints one line per block stored: chain, height, id, pps, attempts,\n"
                  "wall time, the reward and the fees it pays the miner (coins with six decimals:\n"
                  "reward 1000.000000; spendable `maturity` blocks later: 10 on the main chains, 2\n"
                  "on the test chains), and \" (side branch)\" when another block of as much work\n"
                  "was stored first; on a terminal also a progress line on stderr. Each block is judged by\n"
                  "every rule before it is stored. SIGINT/SIGTERM finish or abandon the attempt\n"
                  "under way (within about a second) and exit: 0 with --forever, 3 when fewer than\n"
                  "--blocks N blocks were mined",
                  0, 0, NULL},
    [CMD_SUBMIT] = {"submit", "--data DIR [--chain NAME] [--testnet] [--threads T] BLOCK.json",
                    "offer a block file (`chain export` writes them) to DIR/chains.db: verify it\n"
                    "against its parent (any branch), store it with its verdict and move the best\n"
                    "tip by fork choice (most cumulative weight); a block whose parent is unknown\n"
                    "is kept as an orphan. Creates the chain (its genesis) when DIR has none. Prints \"accepted ...\" or \"already known ...\" (exit 0) or the\n"
                    "reason it was rejected (exit 1)",
                    1, 1, "BLOCK.json"},
    [CMD_VERIFY] = {"verify", "--data DIR [--chain NAME] [--testnet] [--threads T] BLOCK.json",
                    "check one block file against the chain in DIR (the chain of its chain_id, or\n"
                    "--chain NAME, which the block must belong to). Prints a one-line summary when\n"
                    "valid; the reason when rejected (exit 1). Stores nothing; needs only read access",
                    1, 1, "BLOCK.json"},
    [CMD_VERIFY_CHAIN] = {"verify-chain", "--data DIR --chain NAME [--testnet] [--threads T]",
                          "verify every block stored for the chain (every branch); print the best\n"
                          "chain, and each stored block that is rejected (then exit 1)",
                          0, 0, NULL},
    [CMD_EXPLAIN] = {"explain", "BLOCK.json --out DIR [--threads T]",
                     "for every session of the block write, into DIR, the session's market as a\n"
                     "case file s<i>.json in the `bse run` format (seed_kind hex256, seed the 64-digit\n"
                     "session seed; dump_tape and dump_avgbals on) and the session's BSE output files\n"
                     "s<i>_tape.csv and s<i>_avg_balance.csv; then check the block's proof against\n"
                     "the re-run (pre-hash, every d_i and pps_i, pps, post-hash, the validity rule):\n"
                     "exit 1 when the proof is invalid. `bse run DIR/s0.json` or BSE.py\n"
                     "(shared/tools/pybse.py) reproduce the files; d_i = SHA-256(tape file || last\n"
                     "line of the avg-balance file)",
                     1, 1, "BLOCK.json"},
    [CMD_NODE] = {"node", "--data DIR --listen HOST:PORT [--peer HOST:PORT[,HOST:PORT...]] [PEER...] [--mine (--policy P | --chain NAME)] [--key FILE] [--testnet]",
                  "run a networked node over DIR (chain/net/node.h): listen on HOST:PORT (a\n"
                  "numeric address), connect to the --peer seeds (and to the PEER arguments, also\n"
                  "HOST:PORT) and to the peers they name, sync every chain headers first, verify\n"
                  "every block and transfer received (on worker threads) before storing and\n"
                  "relaying it, and announce blocks and transfers stored in DIR by anyone (`chain\n"
                  "send` on DIR reaches every node's mempool). With --mine it also mines (by\n"
                  "--policy, or the one --chain) paid to --key FILE or DIR/keys/miner.key. Peers\n"
                  "that send garbage, oversize frames, floods or invalid blocks are scored,\n"
                  "disconnected and banned. DIR/peers.json (rewritten every second) lists the\n"
                  "connections, heights seen, scores and bans. Runs until SIGINT or SIGTERM (or\n"
                  "--run-seconds), then closes every connection and exits 0",
                  0, 16, "PEER"},
};

static const common_opt OPTS[] = {
    [O_DATA] = {"--data", COMMON_OPT_STR, "DIR", 0, 0, M(CMD_MINE) | M(CMD_SUBMIT) | M(CMD_VERIFY) | M(CMD_VERIFY_CHAIN) | M(CMD_NODE),
                "data directory (DIR/chains.db: every chain's blocks, verdicts, ledgers and\n"
                "mempool; DIR/keys/)"},
    [O_CHAIN] = {"--chain", COMMON_OPT_STR, "NAME", 0, 0, M(CMD_MINE) | M(CMD_SUBMIT) | M(CMD_VERIFY) | M(CMD_VERIFY_CHAIN) | M(CMD_NODE),
                 "alpha (AlphaCoin), bravo (BravoCoin) or charlie (CharlieCoin)"},
    [O_POLICY] = {"--policy", COMMON_OPT_STR, "P", 0, 0, M(CMD_MINE) | M(CMD_NODE),
                  "mine without --chain, choosing the chain before every attempt:\n"
                  "balancer (the chain where the key's balance is lowest), greedy (the\n"
                  "reward worth most in AlphaCoin: 1:1:1 until the exchange exists, so\n"
                  "the shortest block interval, AlphaCoin), random (seeded by --seed)"},
    [O_SEED] = {"--seed", COMMON_OPT_UINT, "S", 0, 9007199254740991ull, M(CMD_MINE) | M(CMD_NODE),
                "seed of the random policy (node: also of its connection nonce;\n"
                "default: from the clock and the process id, printed on stderr)"},
    [O_BLOCKS] = {"--blocks", COMMON_OPT_UINT, "N", 0, 100000000, M(CMD_MINE), "blocks to mine (default 1), over all chains"},
    [O_FOREVER] = {"--forever", COMMON_OPT_FLAG, NULL, 0, 0, M(CMD_MINE), "mine until SIGINT or SIGTERM"},
    [O_KEY] = {"--key", COMMON_OPT_STR, "FILE", 0, 0, M(CMD_MINE) | M(CMD_NODE),
               "miner key file (make one with `chain keygen FILE`) instead of\n"
               "DIR/keys/miner.key"},
    [O_THREADS] = {"--threads", COMMON_OPT_UINT, "T", 1, 256, 0,
                   "threads for the sessions of an attempt (default: one per session,\n"
                   "at most the number of online processors; 1 = one core). Results\n"
                   "do not depend on it"},
    [O_TIME_MS] = {"--time-ms", COMMON_OPT_UINT, "MS", 0, 9007199254740991ull, M(CMD_MINE),
                   "mine with this fixed clock reading (Unix ms; raised to the chain's\n"
                   "median time past + 1) instead of the system clock, and start every\n"
                   "nonce search at 0: the same key and data give the same blocks"},
    [O_TESTNET] = {"--testnet", COMMON_OPT_FLAG, NULL, 0, 0, M(CMD_MINE) | M(CMD_SUBMIT) | M(CMD_VERIFY) | M(CMD_VERIFY_CHAIN) | M(CMD_NODE),
                   "(testing) the testnet chains test-alpha, test-bravo, test-charlie of\n"
                   "chain/params.h: 60-second sessions, 1/2/4 s block intervals, a\n"
                   "retarget window of 5; their folders are DIR/test-<name>"},
    [O_OUT] = {"--out", COMMON_OPT_STR, "DIR", 0, 0, M(CMD_EXPLAIN), "output folder of explain (created if missing)"},
    [O_LISTEN] = {"--listen", COMMON_OPT_STR, "HOST:PORT", 0, 0, M(CMD_NODE),
                  "the node's TCP address (numeric IPv4, or [IPv6]:PORT)"},
    [O_PEER] = {"--peer", COMMON_OPT_STR, "HOST:PORT[,...]", 0, 0, M(CMD_NODE),
                "seed peers, comma-separated (PEER arguments add more); retried until\n"
                "they answer"},
    [O_MINE] = {"--mine", COMMON_OPT_FLAG, NULL, 0, 0, M(CMD_NODE), "also mine (with --policy P or --chain NAME)"},
    [O_MINE_SECONDS] = {"--mine-seconds", COMMON_OPT_UINT, "S", 1, 100000000, M(CMD_NODE),
                        "(testing) stop mining after S seconds; the node keeps running"},
    [O_RUN_SECONDS] = {"--run-seconds", COMMON_OPT_UINT, "S", 1, 100000000, M(CMD_NODE),
                       "(testing) stop the node after S seconds, as SIGTERM does"},
    [O_VERBOSE] = {"--verbose", COMMON_OPT_FLAG, NULL, 0, 0, M(CMD_NODE),
                   "one stderr line per block received and per tip announced"},
};

static const common_cli CLI = {
    .prog = "pouw",
    .summary = "BSE-PoUW consensus: mine, submit, verify and explain blocks of the three coin chains.",
    .description = "A block is earned by running seeded Bristol Stock Exchange market sessions\n"
                   "(spec pouw.md); anyone can verify it by re-running them. Any number of\n"
                   "`pouw mine` processes may share one data directory: each sees the others'\n"
                   "blocks as soon as they are written, and every block read from DIR is verified\n"
                   "before it is believed (chain/store.h has the layout and the locking protocol).",
    .cmds = CMDS,
    .n_cmds = N_CMDS,
    .opts = OPTS,
    .n_opts = N_OPTS,
    .footer = "Exit status: 0 ok (valid, accepted, already known); 1 a block rejected, or\n"
              "mining/writing failed; 2 usage or bad input (a file that cannot be read, a missing\n"
              "data directory or chain, a malformed key file); 3 mine stopped by a signal before\n"
              "its --blocks were mined. A block file that is read but is not a well-formed block\n"
              "is rejected (exit 1, reason \"format\").",
};

typedef struct opts {
    int cmd;
    const char *data, *chain, *key, *out, *file, *policy;
    long long blocks;
    unsigned threads;
    int fixed_time, forever, testnet, have_seed;
    uint64_t time_ms, seed;
    const char *listen, *peers;     /* node */
    const char *const *extra_peers;
    int n_extra_peers, mine, verbose;
    uint64_t mine_s, run_s;
} opts;

static volatile sig_atomic_t g_stop; /* set by SIGINT / SIGTERM */

static void on_signal(int sig)
{
    (void)sig;
    g_stop = 1;
}

static int usage_error(const opts *o, const char *msg)
{
    return common_cli_usage_error(&CLI, o->cmd, "%s", msg);
}

static uint64_t wall_ms(void *user)
{
    (void)user;
    return common_clock_wall_ms();
}

static int stop_requested(void *user)
{
    (void)user;
    return g_stop != 0;
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

static double mono_s(void) { return common_clock_mono_s(); }

static const chain_params *chain_at(const opts *o, unsigned i)
{
    return o->testnet ? chain_testnet_at(i) : chain_params_at(i);
}

/* A chain of either set by id: the built-ins, then the testnet. */
static const chain_params *chain_by_id(uint32_t id)
{
    const chain_params *p = chain_params_by_id(id);
    return p ? p : chain_testnet_by_id(id);
}

static const chain_params *chain_or_complain(const opts *o, const char *name)
{
    const chain_params *p = o->testnet ? chain_testnet_by_name(name) : chain_params_by_name(name);
    if (!p)
        (void)common_cli_usage_error(&CLI, o->cmd, "unknown chain %s (expected alpha, bravo or charlie)", name);
    return p;
}

/* Prints what a store tells about stored blocks it rejects. */
static void print_notice(void *user, const common_error *e)
{
    common_error_print(e, (const char *)user, stderr);
}

static chain_store_opts store_opts(const opts *o, int create, chain_v1_verifier *v, unsigned threads,
                                   const char *prog)
{
    chain_store_opts so;
    memset(&so, 0, sizeof so);
    so.create = create;
    v->threads = threads;
    v->clock_ms = wall_ms;
    v->clock_user = NULL;
    chain_v1_store_opts(&so, v);
    so.notice = print_notice;
    so.notice_user = (void *)prog;
    so.cancel = stop_requested;
    (void)o;
    return so;
}

/* ---------------------------------------------------------------- mine */

typedef struct startup_progress {
    common_progress *p;
    const char *chain;
} startup_progress;

typedef struct miner {
    const opts *o;
    const chain_params *p[CHAIN_COUNT];
    chain_store *s[CHAIN_COUNT];
    chain_v1_verifier ver[CHAIN_COUNT];
    unsigned n;                    /* chains in play */
    unsigned threads;
    double t0;
    int tty;
    common_progress start_prog;    /* verifying the stored chain at start-up */
    startup_progress sp[CHAIN_COUNT];
} miner_ctx;

static void show_startup(void *user, uint64_t done, uint64_t total)
{
    const startup_progress *sp = user;
    common_progress_show(sp->p, "pouw", "verifying the stored %s chain: block %" PRIu64 " of %" PRIu64, sp->chain, done,
                         total);
}

/* Opens (creating) chain i's store, verifying what is stored with progress. */
static chain_status miner_open(miner_ctx *m, unsigned i, common_error *err)
{
    chain_store *probe = NULL;
    common_error pe;
    if (chain_store_open(&probe, &pe, m->o->data, m->p[i], NULL) != CHAIN_OK)
        fprintf(stderr, "pouw: creating the %s chain in %s (genesis)\n", m->p[i]->coin, m->o->data);
    chain_store_close(probe);
    chain_store_opts so = store_opts(m->o, 1, &m->ver[i], m->threads, "pouw");
    m->sp[i].p = &m->start_prog; /* lives as long as the store, which keeps the pointer */
    m->sp[i].chain = m->p[i]->name;
    so.progress = show_startup;
    so.progress_user = &m->sp[i];
    chain_status cs = chain_store_open(&m->s[i], err, m->o->data, m->p[i], &so);
    common_progress_end(&m->start_prog);
    return cs;
}

static void mine_attempt(void *user, const chain_mining_progress *p)
{
    miner_ctx *m = user;
    if (m->tty)
        fprintf(stderr, "\r%s height %" PRIu64 ": attempt %" PRIu64 ", last pps %.3f, best %.3f, need %.3f, %.1f s\033[K",
                m->p[p->chain]->name, p->height, p->stats->attempts, (double)p->stats->last_pps_micro / 1e6,
                (double)p->stats->best_pps_micro / 1e6, (double)p->threshold_micro / 1e6, mono_s() - m->t0);
}

static void mine_notice(void *user, const common_error *e)
{
    (void)user;
    common_error_print(e, "pouw", stderr);
}

/* `pouw mine`: the options, the stores and the output lines; the loop itself
 * (policy, balances, nonce resumption, template / solve / submit) is chain/mining.h. */
static int cmd_mine(const opts *o)
{
    if (!o->chain && !o->policy)
        return usage_error(o, "missing --chain NAME or --policy P");
    if (o->chain && o->policy)
        return usage_error(o, "--chain NAME and --policy P exclude each other");
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sa.sa_flags = SA_RESTART;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    miner_ctx m;
    memset(&m, 0, sizeof m);
    m.o = o;
    chain_mining_opts mo;
    memset(&mo, 0, sizeof mo);
    if (o->chain) {
        if (!(m.p[0] = chain_or_complain(o, o->chain)))
            return 2;
        m.n = 1;
    } else {
        if (chain_policy_parse(&mo.policy, o->policy) != 0) {
            return common_cli_usage_error(&CLI, o->cmd, "unknown policy %s (expected balancer, greedy or random)",
                                          o->policy);
        }
        mo.seed = o->have_seed ? o->seed : wall_ms(NULL) * 1000003u ^ (uint64_t)getpid();
        if (mo.policy == CHAIN_POLICY_RANDOM)
            fprintf(stderr, "pouw: random policy, seed %" PRIu64 "\n", mo.seed);
        mo.use_policy = 1;
        m.n = CHAIN_COUNT;
        for (unsigned i = 0; i < CHAIN_COUNT; i++)
            m.p[i] = chain_at(o, i);
    }
    common_error err;
    if (chain_mkdirs(&err, o->data, 0) != CHAIN_OK) {
        common_error_print(&err, "pouw", stderr);
        return 1;
    }
    pouw_key key;
    int created = 0;
    chain_status cs = chain_miner_key(&key, &created, &err, o->data, o->key);
    if (cs != CHAIN_OK) {
        common_error_print(&err, "pouw", stderr);
        return cs == CHAIN_EKEY || (o->key && cs == CHAIN_EIO) ? 2 : 1;
    }
    if (created)
        fprintf(stderr, "pouw: created miner key %s/keys/miner.key%s%s\n", o->data, key.label[0] ? " labelled " : "",
                key.label);
    m.tty = isatty(fileno(stderr));
    common_progress_init(&m.start_prog, 0.2);
    m.threads = threads_for(o, m.p[0]->genesis_req.sessions);
    int rc = 0;
    unsigned opened = 0;
    for (; opened < m.n && rc == 0; opened++) /* every chain exists before the first choice */
        if ((cs = miner_open(&m, opened, &err)) != CHAIN_OK) {
            if (cs != CHAIN_ESTOPPED)
                common_error_print(&err, "pouw", stderr);
            rc = 1;
            break;
        }
    mo.datadir = o->data;
    mo.threads = m.threads;
    mo.clock_ms = o->fixed_time ? fixed_ms : wall_ms;
    mo.clock_user = o->fixed_time ? (void *)&o->time_ms : NULL;
    mo.stop = stop_requested;
    mo.attempt = mine_attempt;
    mo.attempt_user = &m;
    mo.notice = mine_notice;
    chain_mining *mn = NULL;
    if (rc == 0 && chain_mining_open(&mn, &err, m.s, m.n, key.pub, &mo) != CHAIN_OK) {
        common_error_print(&err, "pouw", stderr);
        rc = 1;
    }
    long long mined = 0;
    while (rc == 0 && !g_stop && (o->forever || mined < o->blocks)) {
        m.t0 = mono_s();
        pouw_block b;
        pouw_block_init(&b);
        chain_mining_result r;
        cs = chain_mining_next(mn, &b, &r, &err);
        double dt = mono_s() - m.t0;
        if (m.tty)
            fprintf(stderr, "\r\033[K");
        if (cs == CHAIN_OK) {
            char id[POUW_SHA256_HEX];
            pouw_hex_encode(id, b.post_hash, 32);
            int64_t fees = 0; /* each in range; the miner's balance holds their sum */
            for (size_t k = 1; k < b.n_txs; k++)
                fees = b.txs[k].fee > POUW_AMOUNT_MAX - fees ? POUW_AMOUNT_MAX : fees + b.txs[k].fee;
            char cr[POUW_AMOUNT_TEXT_MAX], cf[POUW_AMOUNT_TEXT_MAX];
            printf("%s height %" PRIu64 " id %s pps %.6f attempts %" PRIu64 " time %.3f s reward %s fees %s%s\n",
                   m.p[r.chain]->name, b.header.height, id, b.pps, r.stats.attempts, dt,
                   pouw_amount_format(cr, b.n_txs ? b.txs[0].amount : 0), pouw_amount_format(cf, fees),
                   r.added.best ? "" : " (side branch)");
            fflush(stdout);
            mined++;
        } else if (cs != CHAIN_ESTALE && cs != CHAIN_ESTOPPED) {
            /* (stale: another writer moved the chain; stopped: a signal, or the
             * policy moved on: the next call continues where this one stopped) */
            if (!g_stop)
                common_error_print(&err, "pouw", stderr);
            rc = 1;
        }
        pouw_block_clear(&b);
    }
    if (g_stop) {
        fprintf(stderr, "pouw: stopped by a signal after %lld block%s\n", mined, mined == 1 ? "" : "s");
        if (!o->forever && mined < o->blocks)
            rc = COMMON_EXIT_STOPPED; /* the blocks asked for were not all mined */
        else if (o->forever)
            rc = 0;
    }
    chain_mining_close(mn);
    for (unsigned i = 0; i < opened && i < m.n; i++)
        chain_store_close(m.s[i]);
    pouw_key_clear(&key);
    return rc;
}

/* ---------------------------------------------------------------- verify, submit */

static int print_rejection(const char *prog, const char *file, pouw_reason r, const common_error *err)
{
    fprintf(stderr, "%s: %s: rejected (%s)", prog, file, pouw_reason_name(r));
    if (err->field[0])
        fprintf(stderr, ": %s", err->field);
    fprintf(stderr, ": %s\n", err->msg[0] ? err->msg : "invalid");
    return 1;
}

/* "prog: file: what: <the error's path, field and message>" on one line, without empty parts. */
static void print_failure(const char *prog, const char *file, const char *what, const common_error *err)
{
    fprintf(stderr, "%s: %s: %s", prog, file, what);
    if (err->path[0] && strcmp(err->path, file))
        fprintf(stderr, ": %s", err->path);
    if (err->field[0])
        fprintf(stderr, ": %s", err->field);
    fprintf(stderr, ": %s\n", err->msg[0] ? err->msg : "failed");
}

/* Loads the block file of verify/submit and finds its chain and store.
 * Returns 0 (b, p, s ready), or the exit code. */
static int open_for_block(const opts *o, const char *prog, pouw_block *b, const chain_params **pp, chain_store **s,
                          chain_v1_verifier *v)
{
    common_error err;
    pouw_block_init(b);
    pouw_status ps = pouw_block_load(b, &err, o->file);
    if (ps == POUW_EIO || ps == POUW_ENOMEM) {
        common_error_print(&err, prog, stderr);
        return ps == POUW_EIO ? 2 : 1;
    }
    if (ps != POUW_OK)
        return print_rejection(prog, o->file, POUW_R_FORMAT, &err);
    const chain_params *p = o->chain ? chain_or_complain(o, o->chain)
                            : o->testnet ? chain_testnet_by_id(b->header.chain_id)
                                         : chain_by_id(b->header.chain_id);
    if (o->chain && !p) {
        pouw_block_clear(b);
        return 2;
    }
    if (!p || b->header.chain_id != p->chain_id) {
        common_error_set(&err, POUW_EINVALID, o->file, "header.chain_id", "block of chain %" PRIu32 "%s%s",
                      b->header.chain_id, p ? ", verified as " : " (no such chain)", p ? p->coin : "");
        pouw_block_clear(b);
        return print_rejection(prog, o->file, POUW_R_CHAIN_ID, &err);
    }
    chain_store_opts so = store_opts(o, o->cmd == CMD_SUBMIT, v, threads_for(o, b->header.sessions), prog);
    if (o->cmd == CMD_VERIFY)
        so.notice = NULL; /* what the store thinks of other stored blocks is not the question asked */
    if (chain_store_open(s, &err, o->data, p, &so) != CHAIN_OK) {
        common_error_print(&err, prog, stderr);
        pouw_block_clear(b);
        return 2;
    }
    *pp = p;
    return 0;
}

static int cmd_verify(const opts *o)
{
    pouw_block b;
    const chain_params *p;
    chain_store *s;
    chain_v1_verifier v;
    int rc = open_for_block(o, "pouw verify", &b, &p, &s, &v);
    if (rc)
        return rc;
    common_error err;
    double t0 = mono_s();
    pouw_reason r;
    chain_status cs = chain_verify_block(&r, &err, s, &b, wall_ms(NULL), v.threads);
    double dt = mono_s() - t0;
    if (cs == CHAIN_EINVALID) {
        rc = print_rejection("pouw verify", o->file, r, &err);
    } else if (cs != CHAIN_OK) {
        print_failure("pouw verify", o->file, "could not be verified", &err);
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
    chain_store_close(s);
    pouw_block_clear(&b);
    return rc;
}

/* 1 when the store holds block b's id with exactly b's content (an id does not commit
 * to everything a document holds: a copy with another ledger is not "already known"). */
static int same_as_stored(chain_store *s, const pouw_block *b)
{
    pouw_block st;
    pouw_block_init(&st);
    common_error err;
    char *x = NULL, *y = NULL;
    size_t nx = 0, ny = 0;
    int same = chain_store_block(&st, &err, s, b->post_hash) == CHAIN_OK &&
               pouw_block_to_json(&x, &nx, &st) == POUW_OK && pouw_block_to_json(&y, &ny, b) == POUW_OK &&
               nx == ny && memcmp(x, y, nx) == 0;
    free(x);
    free(y);
    pouw_block_clear(&st);
    return same;
}

static int cmd_submit(const opts *o)
{
    pouw_block b;
    const chain_params *p;
    chain_store *s;
    chain_v1_verifier v;
    int rc = open_for_block(o, "pouw submit", &b, &p, &s, &v);
    if (rc)
        return rc;
    common_error err;
    pouw_reason r;
    chain_store_add_result res;
    chain_block_meta known;
    if (chain_store_meta(&known, &err, s, b.post_hash) == CHAIN_OK && known.verdict == CHAIN_VERDICT_VALID &&
        same_as_stored(s, &b)) {
        char id[POUW_SHA256_HEX];
        pouw_hex_encode(id, b.post_hash, 32);
        uint64_t h;
        printf("already known: %s block %" PRIu64 " id %s (%s)\n", p->coin, b.header.height, id,
               chain_store_find(&h, s, b.post_hash) ? "in the best chain" : "a side branch");
        chain_store_close(s);
        pouw_block_clear(&b);
        return 0;
    }
    r = POUW_R_OK;
    chain_status cs = chain_store_add(s, &res, &r, &err, &b);
    if (cs == CHAIN_EORPHAN) {
        printf("kept as an orphan: %s block %" PRIu64 ": its parent is not known yet\n", p->coin, b.header.height);
    } else if (cs == CHAIN_EINVALID || (cs == CHAIN_EMALFORMED && pouw_reason_kind_of(r) == POUW_KIND_COPY)) {
        /* a copy-only reason (s11.7: a wrong derived field) names its reason too;
         * nothing is recorded against the id */
        rc = print_rejection("pouw submit", o->file, r, &err);
    } else if (cs != CHAIN_OK) {
        print_failure("pouw submit", o->file, "could not be stored", &err);
        rc = 1;
    } else {
        char id[POUW_SHA256_HEX];
        pouw_hex_encode(id, b.post_hash, 32);
        printf("accepted %s block %" PRIu64 " id %s: %s%s\n", p->coin, b.header.height, id,
               !res.stored ? "already stored, " : "",
               res.best ? "the best tip" : res.connected ? "on the best chain" : "a side branch");
        if (res.connected)
            printf("connected %" PRIu64 " orphan%s waiting for it: best tip %" PRIu64 "\n", res.connected,
                   res.connected == 1 ? "" : "s", chain_store_tip_height(s));
        if (res.moved && res.move.disconnected)
            printf("reorganisation: %" PRIu64 " block%s left the best chain, %zu transfer%s back in the mempool\n",
                   res.move.disconnected, res.move.disconnected == 1 ? "" : "s", res.move.returned,
                   res.move.returned == 1 ? "" : "s");
    }
    chain_store_close(s);
    pouw_block_clear(&b);
    return rc;
}

static int cmd_verify_chain(const opts *o)
{
    const chain_params *p = chain_or_complain(o, o->chain);
    if (!p)
        return 2;
    common_error err;
    chain_store *s;
    chain_v1_verifier v;
    double t0 = mono_s();
    chain_store_opts so = store_opts(o, 0, &v, threads_for(o, p->genesis_req.sessions), "pouw verify-chain");
    chain_status cs = chain_store_open(&s, &err, o->data, p, &so);
    if (cs != CHAIN_OK) {
        common_error_print(&err, "pouw verify-chain", stderr);
        return cs == CHAIN_ESTORE || cs == CHAIN_EIO || cs == CHAIN_EUNKNOWN ? 2 : 1;
    }
    uint64_t n_checked = 0, n_bad = 0;
    int rc = 0;
    if ((cs = chain_store_verify_all(&n_checked, &n_bad, &err, s)) != CHAIN_OK) {
        common_error_print(&err, "pouw verify-chain", stderr);
        chain_store_close(s);
        return cs == CHAIN_ESTOPPED ? COMMON_EXIT_STOPPED : 1;
    }
    chain_store_counts counts;
    if (chain_store_count(&counts, &err, s) != CHAIN_OK)
        memset(&counts, 0, sizeof counts);
    /* INVALID rows are judged rejections on record (never believed); a block whose
     * verdict does not hold when judged again is what makes the store bad */
    size_t n_invalid = (size_t)n_bad;
    /* coins exist only through coinbases: the tip's ledger holds reward x height */
    uint64_t tip = chain_store_tip_height(s);
    pouw_block b;
    pouw_block_init(&b);
    cs = chain_store_load(&b, &err, s, tip);
    int64_t total = cs == CHAIN_OK ? pouw_ledger_total(&b.ledger) : -1;
    char id[POUW_SHA256_HEX];
    uint8_t tip_id[32];
    chain_store_tip_id(tip_id, s);
    pouw_hex_encode(id, tip_id, 32);
    if (cs != CHAIN_OK) {
        common_error_print(&err, "pouw verify-chain", stderr);
        rc = 1;
    } else if (total != chain_coins_at(p, tip)) {
        char ct[POUW_AMOUNT_TEXT_MAX], ce[POUW_AMOUNT_TEXT_MAX];
        fprintf(stderr, "pouw verify-chain: %s: the ledger holds %s coins, expected %s\n", p->name,
                pouw_amount_format(ct, total), pouw_amount_format(ce, chain_coins_at(p, tip)));
        rc = 1;
    } else {
        size_t side = (size_t)(counts.valid - (tip + 1));
        char ct[POUW_AMOUNT_TEXT_MAX];
        printf("%s %s chain: blocks 0..%" PRIu64 ", tip %s, %s coins in %zu accounts, %zu side-branch "
               "block%s, %" PRIu64 " rejected and %" PRIu64 " orphan%s on record, verified in %.3f s\n",
               n_invalid ? "INVALID" : "valid", p->coin, tip, id, pouw_amount_format(ct, total), b.ledger.n, side,
               side == 1 ? "" : "s",
               counts.invalid, counts.orphan, counts.orphan == 1 ? "" : "s", mono_s() - t0);
        if (n_invalid) {
            fprintf(stderr, "pouw verify-chain: %s: %zu stored block%s not hold its stored verdict\n",
                    p->name, n_invalid, n_invalid == 1 ? " does" : "s do");
            rc = 1;
        }
    }
    pouw_block_clear(&b);
    chain_store_close(s);
    return rc;
}

/* ---------------------------------------------------------------- explain */

/* The proof checks explain can make without the chain: the block's attempt re-run
 * against what the block claims. Returns 0 (the proof holds), 1 (invalid: one line
 * printed), or 1 with a message when the re-run itself failed. */
static int explain_check_proof(const pouw_block *b, const pouw_work *w, const opts *o)
{
    uint8_t pre[32];
    const char *bad = NULL;
    char why[160] = "";
    pouw_attempt *at = malloc(sizeof *at);
    common_error err;
    if (!at) {
        fprintf(stderr, "pouw explain: out of memory\n");
        return 1;
    }
    if (pouw_prehash(pre, &b->header) != POUW_OK || memcmp(pre, b->pre_hash, 32) != 0) {
        bad = "prehash";
        snprintf(why, sizeof why, "pre_hash is not SHA-256 of the header");
    } else if (pouw_attempt_run(at, &err, w, b->pre_hash, b->header.sessions, threads_for(o, b->header.sessions)) !=
               POUW_OK) {
        bad = "session_failed";
        snprintf(why, sizeof why, "%s", err.msg);
    } else if (b->n_sessions != at->n) {
        bad = "format";
        snprintf(why, sizeof why, "the proof has %u sessions, the header %u", (unsigned)b->n_sessions, (unsigned)at->n);
    } else {
        for (uint32_t i = 0; i < at->n && !bad; i++) {
            if (memcmp(at->s[i].digest, b->proof[i].digest, 32) != 0) {
                bad = "session_digest";
                snprintf(why, sizeof why, "session %u: d_%u differs from the re-run", (unsigned)i, (unsigned)i);
            } else if (at->s[i].pps != b->proof[i].pps) {
                bad = "session_pps";
                snprintf(why, sizeof why, "session %u: pps_%u differs from the re-run", (unsigned)i, (unsigned)i);
            }
        }
        int valid = 0;
        if (bad) {
        } else if (at->pps != b->pps || at->pps_micro != b->pps_micro) {
            bad = "pps";
            snprintf(why, sizeof why, "pps %.6f claimed, %.6f re-run", b->pps, at->pps);
        } else if (memcmp(at->post_hash, b->post_hash, 32) != 0) {
            bad = "post_hash";
            snprintf(why, sizeof why, "post_hash (the block id) does not recompute");
        } else if (pouw_attempt_valid(&valid, &b->header, at->pps_micro, at->post_hash) != POUW_OK || !valid) {
            bad = "not_valid";
            snprintf(why, sizeof why, "pps_micro %lld below the threshold %lld (or above the post target)",
                     (long long)at->pps_micro, (long long)b->header.pps_threshold_micro);
        }
    }
    free(at);
    if (!bad) {
        printf("proof valid: the re-run gives the block's pre-hash, digests, pps and post-hash, and passes its "
               "validity rule (chain rules need `pouw verify --data DIR`)\n");
        return 0;
    }
    fprintf(stderr, "pouw explain: %s: invalid block (%s): %s\n", o->file, bad, why);
    return 1;
}

static int cmd_explain(const opts *o)
{
    common_error err;
    pouw_block b;
    pouw_block_init(&b);
    pouw_status ps = pouw_block_load(&b, &err, o->file);
    if (ps != POUW_OK) {
        common_error_print(&err, "pouw explain", stderr);
        return ps == POUW_ENOMEM ? 1 : 2;
    }
    const chain_params *p = chain_by_id(b.header.chain_id);
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
    if (common_cli_out_dir("pouw explain", o->out)) {
        pouw_block_clear(&b);
        return COMMON_EXIT_USAGE;
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
        common_buf jb = COMMON_BUF_INIT;
        int werr = !json || common_buf_append(&jb, json, strlen(json)) || common_buf_append(&jb, "\n", 1);
        free(json);
        if (werr || common_buf_write_file(&jb, path) != 0) {
            fprintf(stderr, "pouw explain: %s: cannot write: %s\n", path, werr ? "out of memory" : strerror(errno));
            common_buf_free(&jb);
            rc = 1;
            break;
        }
        common_buf_free(&jb);
        bse_result res;
        bse_session_status ss = bse_session_run(c, &res, &err);
        if (ss != BSE_SESSION_OK) {
            fprintf(stderr, "pouw explain: session %u: %s\n", (unsigned)i, err.msg);
            bse_result_free(&res);
            rc = 1;
            break;
        }
        if (bse_result_write_files(&res, c, o->out, &err) != 0) {
            common_error_print(&err, "pouw explain", stderr);
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
    if (rc == 0 && c)
        rc = explain_check_proof(&b, &w, o);
    free(c);
    free(canon);
    pouw_block_clear(&b);
    return rc;
}

/* ---------------------------------------------------------------- node */

static int cmd_node(const opts *o)
{
    if (!o->listen)
        return usage_error(o, "missing --listen HOST:PORT");
    if (o->mine && !o->chain && !o->policy)
        return usage_error(o, "--mine needs --policy P or --chain NAME");
    if (o->chain && o->policy)
        return usage_error(o, "--chain NAME and --policy P exclude each other");
    if (!o->mine && (o->chain || o->policy))
        return usage_error(o, "--policy and --chain choose what --mine mines: add --mine");
    chain_net_node_opts no;
    memset(&no, 0, sizeof no);
    no.datadir = o->data;
    no.listen = o->listen;
    no.testnet = o->testnet;
    no.mine = o->mine;
    no.keyfile = o->key;
    no.threads = o->threads ? o->threads : 1;
    no.mine_ms = o->mine_s * 1000;
    no.run_ms = o->run_s * 1000;
    no.clock_ms = wall_ms;
    no.verbose = o->verbose;
    no.seed = o->have_seed ? o->seed : wall_ms(NULL) * 1000003u ^ (uint64_t)getpid();
    if (o->policy) {
        if (chain_policy_parse(&no.policy, o->policy) != 0)
            return common_cli_usage_error(&CLI, o->cmd, "unknown policy %s (expected balancer, greedy or random)",
                                          o->policy);
        no.use_policy = 1;
    } else if (o->chain) {
        if (!chain_or_complain(o, o->chain))
            return 2;
        no.chain = o->chain;
    }
    /* --peer A,B,C and PEER arguments */
    char *list = o->peers ? strdup(o->peers) : NULL;
    if (o->peers && !list) {
        fprintf(stderr, "pouw node: out of memory\n");
        return 1;
    }
    for (char *save = NULL, *t = list ? strtok_r(list, ",", &save) : NULL; t; t = strtok_r(NULL, ",", &save)) {
        if (no.n_peers == CHAIN_NET_MAX_SEEDS) {
            free(list);
            return usage_error(o, "too many peers");
        }
        no.peers[no.n_peers++] = t;
    }
    for (int i = 0; i < o->n_extra_peers; i++) {
        if (no.n_peers == CHAIN_NET_MAX_SEEDS) {
            free(list);
            return usage_error(o, "too many peers");
        }
        no.peers[no.n_peers++] = o->extra_peers[i];
    }
    signal(SIGPIPE, SIG_IGN); /* a peer gone mid-write is an error code, not a signal */
    common_error err;
    chain_net_node *n = NULL;
    chain_status cs = chain_net_node_create(&n, &err, &no);
    if (cs != CHAIN_OK) {
        common_error_print(&err, "pouw node", stderr);
        free(list);
        return cs == CHAIN_EPARAMS || cs == CHAIN_EUNKNOWN || cs == CHAIN_EKEY || cs == CHAIN_EIO ? 2 : 1;
    }
    cs = chain_net_node_run(n, &err);
    uint64_t mined = 0, received = 0;
    chain_net_node_counts(n, &mined, &received);
    fprintf(stderr, "pouw node: stopped: %" PRIu64 " block%s mined, %" PRIu64 " received\n", mined,
            mined == 1 ? "" : "s", received);
    chain_net_node_destroy(n);
    free(list);
    if (cs != CHAIN_OK) {
        common_error_print(&err, "pouw node", stderr);
        return 1;
    }
    return 0;
}

/* ---------------------------------------------------------------- main */

int main(int argc, char **argv)
{
    gsl_set_error_handler_off();
    common_args a;
    common_cli_status st = common_cli_parse(&CLI, &a, argc, argv);
    if (st != COMMON_CLI_RUN)
        return common_cli_exit(st);
    opts o;
    memset(&o, 0, sizeof o);
    o.cmd = a.cmd;
    o.data = a.str[O_DATA];
    o.chain = a.str[O_CHAIN];
    o.key = a.str[O_KEY];
    o.out = a.str[O_OUT];
    o.policy = a.str[O_POLICY];
    o.file = a.n_pos ? a.pos[0] : NULL;
    o.blocks = a.given[O_BLOCKS] ? (long long)a.num[O_BLOCKS] : 1;
    o.threads = a.given[O_THREADS] ? (unsigned)a.num[O_THREADS] : 0; /* 0: automatic */
    o.fixed_time = a.given[O_TIME_MS];
    o.time_ms = a.num[O_TIME_MS];
    o.have_seed = a.given[O_SEED];
    o.seed = a.num[O_SEED];
    o.forever = a.given[O_FOREVER];
    o.testnet = a.given[O_TESTNET];
    o.listen = a.str[O_LISTEN];
    o.peers = a.str[O_PEER];
    o.mine = a.given[O_MINE];
    o.verbose = a.given[O_VERBOSE];
    o.mine_s = a.num[O_MINE_SECONDS];
    o.run_s = a.num[O_RUN_SECONDS];
    if (o.cmd == CMD_NODE) {
        o.file = NULL;
        o.extra_peers = (const char *const *)a.pos;
        o.n_extra_peers = a.n_pos;
    }
    if (o.cmd != CMD_EXPLAIN && !o.data)
        return usage_error(&o, "missing --data DIR");
    struct stat dsb;
    if (o.data && ((o.cmd != CMD_MINE && o.cmd != CMD_NODE) || stat(o.data, &dsb) == 0) &&
        common_cli_data_dir("pouw", o.data))
        return COMMON_EXIT_USAGE; /* mine and node create a missing DIR; nothing else does */
    common_error perr;
    if (o.data && chain_store_probe(&perr, o.data) != CHAIN_OK) { /* before a key or a chain is created */
        common_error_print(&perr, "pouw", stderr);
        return COMMON_EXIT_USAGE;
    }
    switch (o.cmd) {
    case CMD_MINE:
        if (a.given[O_FOREVER] && a.given[O_BLOCKS])
            return usage_error(&o, "--blocks N and --forever exclude each other");
        return cmd_mine(&o);
    case CMD_SUBMIT:
        return cmd_submit(&o);
    case CMD_VERIFY:
        return cmd_verify(&o);
    case CMD_NODE:
        return cmd_node(&o);
    case CMD_VERIFY_CHAIN:
        if (!o.chain)
            return usage_error(&o, "missing --chain NAME");
        return cmd_verify_chain(&o);
    default:
        if (!o.out)
            return usage_error(&o, "missing --out DIR");
        return cmd_explain(&o);
    }
}
