/* chain/pouw_main.c - `pouw`: mine, submit and verify BSE-PoUW blocks on the three
 * coin chains of a data directory shared by any number of miner processes, and
 * explain a block's sessions. A thin layer over chain/node.h, chain/store.h,
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

#include "bse/buf.h"
#include "bse/config.h"
#include "bse/session.h"
#include "chain/node.h"
#include "chain/params.h"
#include "chain/policy.h"
#include "chain/store.h"
#include "pouw/block.h"
#include "pouw/env.h"
#include "pouw/keys.h"
#include "pouw/seed.h"
#include "pouw/verify.h"
#include "pouw/work.h"

static const char USAGE[] =
    "usage: pouw mine --data DIR --chain alpha|bravo|charlie [--blocks N | --forever] [--key FILE]\n"
    "                 [--threads T] [--time-ms MS] [--testnet]\n"
    "       pouw mine --data DIR --policy balancer|greedy|random [--seed S] [--blocks N | --forever] ...\n"
    "       pouw submit --data DIR [--chain NAME] [--testnet] [--threads T] BLOCK.json\n"
    "       pouw verify --data DIR [--chain NAME] [--testnet] [--threads T] BLOCK.json\n"
    "       pouw verify-chain --data DIR --chain NAME [--testnet] [--threads T]\n"
    "       pouw explain BLOCK.json --out DIR [--testnet]\n"
    "       pouw COMMAND --help\n"
    "\n"
    "BSE-PoUW consensus (spec pouw.md): a block is earned by running seeded Bristol Stock\n"
    "Exchange market sessions; anyone can verify it by re-running them. Any number of\n"
    "`pouw mine` processes may share one data directory: each sees the others' blocks as\n"
    "soon as they are written, and every block read from DIR is verified before it is\n"
    "believed (chain/store.h has the layout and the locking protocol).\n"
    "\n"
    "  mine          mine N blocks (default 1; --forever: until SIGINT or SIGTERM, which\n"
    "                finish the attempt under way and exit 0) on the best tip, paid to the\n"
    "                miner key (default DIR/keys/miner.key, created on first use, labelled\n"
    "                with the host name). Blocks carry the mempool's pending transfers.\n"
    "                Creates DIR and the chains (their genesis) on first use. Before every\n"
    "                attempt it checks whether another process changed the chain and, if so,\n"
    "                starts again on the new tip. Prints one line per block stored: chain,\n"
    "                height, id, pps, attempts, wall time, and \" (side branch)\" when another\n"
    "                block of as much work was stored first; on a terminal also a progress\n"
    "                line on stderr.\n"
    "  submit        offer a block file to the store: verify it against its parent (any\n"
    "                branch of DIR), store it if valid and move the best tip by fork choice\n"
    "                (most cumulative expected work). Prints \"accepted ...\" (exit 0) or the\n"
    "                reason it was rejected (exit 1).\n"
    "  verify        check one block file against the chain in DIR (the chain of its\n"
    "                chain_id, or --chain NAME, which the block must belong to). Prints a\n"
    "                one-line summary when valid; the reason when rejected. Stores nothing.\n"
    "  verify-chain  verify every block stored for the chain (every branch); print the best\n"
    "                chain, and each stored block that is rejected (then exit 1).\n"
    "  explain       for every session of the block write, into DIR, the session's market\n"
    "                as a case file s<i>.json in the `bse run` format (seed_kind hex256,\n"
    "                seed the 64-digit session seed; dump_tape and dump_avgbals on) and the\n"
    "                session's BSE output files s<i>_tape.csv and s<i>_avg_balance.csv.\n"
    "                `bse run DIR/s0.json` or BSE.py (shared/tools/pybse.py) reproduce them;\n"
    "                d_i = SHA-256(tape file || last line of the avg-balance file).\n"
    "\n"
    "  --data DIR    data directory: DIR/<chain>/blocks/, DIR/<chain>/tip, DIR/<chain>/lock,\n"
    "                DIR/<chain>/mempool/, DIR/keys/\n"
    "  --chain NAME  alpha (AlphaCoin), bravo (BravoCoin) or charlie (CharlieCoin)\n"
    "  --policy P    mine without --chain, choosing the chain before every attempt:\n"
    "                balancer (the chain where the key's balance is lowest), greedy (the\n"
    "                reward worth most in AlphaCoin: 1:1:1 until the exchange exists, so\n"
    "                the shortest block interval, AlphaCoin), random (seeded by --seed)\n"
    "  --seed S      seed of the random policy (default: from the clock and the process\n"
    "                id, printed on stderr)\n"
    "  --blocks N    blocks to mine (default 1), over all chains\n"
    "  --forever     mine until SIGINT or SIGTERM\n"
    "  --key FILE    miner key file (pouw key format) instead of DIR/keys/miner.key\n"
    "  --threads T   threads for the sessions of an attempt (default: one per session,\n"
    "                at most the number of online processors; 1 = one core). Results\n"
    "                do not depend on it\n"
    "  --time-ms MS  mine with this fixed clock reading (Unix ms; raised to the chain's\n"
    "                median time past + 1) instead of the system clock, and start every\n"
    "                nonce search at 0: the same key and data give the same blocks\n"
    "  --testnet     (testing) the testnet chains test-alpha, test-bravo, test-charlie of\n"
    "                chain/params.h: 60-second sessions, 1/2/4 s block intervals, a\n"
    "                retarget window of 5; their folders are DIR/test-<name>\n"
    "  --out DIR     output folder of explain (created if missing)\n"
    "\n"
    "Exit status: 0 ok (valid, accepted); 1 block rejected, or mining/writing failed; 2\n"
    "usage or unreadable input (a file that cannot be read, a missing chain). A block file\n"
    "that is read but is not a well-formed block is rejected (exit 1, reason \"format\").\n";

typedef struct opts {
    const char *cmd, *data, *chain, *key, *out, *file, *policy;
    long long blocks;
    unsigned threads;
    int fixed_time, forever, testnet, have_seed;
    uint64_t time_ms, seed;
} opts;

static volatile sig_atomic_t g_stop; /* set by SIGINT / SIGTERM */

static void on_signal(int sig)
{
    (void)sig;
    g_stop = 1;
}

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
        fprintf(stderr, "pouw: unknown chain \"%s\" (expected alpha, bravo or charlie)\n", name);
    return p;
}

/* Prints what a store tells about stored blocks it rejects. */
static void print_notice(void *user, const bse_error *e)
{
    bse_error_print(e, (const char *)user, stderr);
}

static chain_store_opts store_opts(const opts *o, int create, unsigned threads, const char *prog)
{
    chain_store_opts so;
    memset(&so, 0, sizeof so);
    so.create = create;
    so.threads = threads;
    so.clock_ms = wall_ms;
    so.notice = print_notice;
    so.notice_user = (void *)prog;
    (void)o;
    return so;
}

/* ---------------------------------------------------------------- mine */

typedef struct miner {
    const opts *o;
    const chain_params *p[CHAIN_COUNT];
    chain_store s[CHAIN_COUNT];
    int open[CHAIN_COUNT];
    uint64_t nonce[CHAIN_COUNT];   /* next nonce per chain (continues after a switch) */
    int64_t balance[CHAIN_COUNT];  /* the key's balance on each best tip */
    uint8_t seen_tip[CHAIN_COUNT][32];
    unsigned n;                    /* chains in play */
    int policy;                    /* 1: choose with pol; 0: mine chain 0 only */
    chain_policy pol;
    pouw_key key;
    unsigned threads;
    unsigned cur;                  /* the chain being mined */
    int switch_to;                 /* set by the progress callback: -1 none */
    uint64_t height;
    int64_t threshold;
    double t0;
    int tty;
} miner_ctx;

/* Opens chain i's store on first use (creating it), and keeps the key's balance
 * on its best tip current. */
static chain_status miner_sync(miner_ctx *m, unsigned i, bse_error *err)
{
    chain_status cs = CHAIN_OK;
    if (!m->open[i]) {
        char tip_path[CHAIN_PATH_MAX + 64];
        snprintf(tip_path, sizeof tip_path, "%s/%s/tip", m->o->data, m->p[i]->name);
        struct stat sb;
        if (stat(tip_path, &sb) != 0)
            fprintf(stderr, "pouw: creating the %s chain in %s (genesis)\n", m->p[i]->coin, m->o->data);
        chain_store_opts so = store_opts(m->o, 1, m->threads, "pouw");
        if ((cs = chain_store_open_opts(&m->s[i], err, m->o->data, m->p[i], &so)) != CHAIN_OK)
            return cs;
        m->open[i] = 1;
    } else if (chain_store_changed(&m->s[i]) && (cs = chain_store_refresh(&m->s[i], err, NULL)) != CHAIN_OK) {
        return cs;
    }
    uint8_t tip[32];
    chain_store_id(tip, &m->s[i], chain_store_tip_height(&m->s[i]));
    if (memcmp(tip, m->seen_tip[i], 32) != 0) {
        pouw_block b;
        pouw_block_init(&b);
        if ((cs = chain_store_load(&b, err, &m->s[i], chain_store_tip_height(&m->s[i]))) == CHAIN_OK) {
            m->balance[i] = pouw_ledger_balance(&b.ledger, m->key.pub);
            memcpy(m->seen_tip[i], tip, 32);
        }
        pouw_block_clear(&b);
    }
    return cs;
}

/* The chain to mine next (policy.h). */
static unsigned miner_choose(miner_ctx *m)
{
    if (!m->policy)
        return 0;
    chain_view v[CHAIN_COUNT];
    for (unsigned i = 0; i < m->n; i++) {
        v[i].params = m->p[i];
        v[i].balance = m->balance[i];
        v[i].price_num = 1; /* no exchange yet: 1:1:1 */
        v[i].price_den = 1;
    }
    return (unsigned)chain_policy_choose(&m->pol, v, m->n);
}

static int mine_progress(void *user, const pouw_mine_stats *st)
{
    miner_ctx *m = user;
    if (m->tty)
        fprintf(stderr, "\r%s height %" PRIu64 ": attempt %" PRIu64 ", last pps %.3f, best %.3f, need %.3f, %.1f s\033[K",
                m->p[m->cur]->name, m->height, st->attempts, (double)st->last_pps_micro / 1e6,
                (double)st->best_pps_micro / 1e6, (double)m->threshold / 1e6, mono_s() - m->t0);
    if (g_stop)
        return 1;
    if (m->policy) { /* choose again before the next attempt */
        bse_error err;
        for (unsigned i = 0; i < m->n; i++) /* the mined chain is watched by chain_mine_block itself */
            if (i != m->cur && m->open[i] && miner_sync(m, i, &err) != CHAIN_OK)
                bse_error_print(&err, "pouw", stderr);
        unsigned c = miner_choose(m);
        if (c != m->cur) {
            m->switch_to = (int)c;
            return 1;
        }
    }
    return 0;
}

static int cmd_mine(const opts *o)
{
    if (!o->data || (!o->chain && !o->policy))
        return usage_error("mine needs --data DIR and --chain NAME or --policy P");
    if (o->chain && o->policy)
        return usage_error("mine takes --chain NAME or --policy P, not both");
    if (o->forever && o->blocks != 1)
        return usage_error("mine takes --blocks N or --forever, not both");
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
    if (o->chain) {
        if (!(m.p[0] = chain_or_complain(o, o->chain)))
            return 2;
        m.n = 1;
    } else {
        chain_policy_kind k;
        if (chain_policy_parse(&k, o->policy) != 0) {
            fprintf(stderr, "pouw: unknown policy \"%s\" (expected balancer, greedy or random)\n(see pouw --help)\n",
                    o->policy);
            return 2;
        }
        uint64_t seed = o->have_seed ? o->seed : wall_ms(NULL) * 1000003u ^ (uint64_t)getpid();
        if (k == CHAIN_POLICY_RANDOM)
            fprintf(stderr, "pouw: random policy, seed %" PRIu64 "\n", seed);
        chain_policy_init(&m.pol, k, seed);
        m.policy = 1;
        m.n = CHAIN_COUNT;
        for (unsigned i = 0; i < CHAIN_COUNT; i++)
            m.p[i] = chain_at(o, i);
    }
    bse_error err;
    if (chain_mkdirs(&err, o->data, 0) != CHAIN_OK) {
        bse_error_print(&err, "pouw", stderr);
        return 1;
    }
    int created = 0;
    chain_status cs = chain_miner_key(&m.key, &created, &err, o->data, o->key);
    if (cs != CHAIN_OK) {
        bse_error_print(&err, "pouw", stderr);
        return cs == CHAIN_EKEY || (o->key && cs == CHAIN_EIO) ? 2 : 1;
    }
    if (created)
        fprintf(stderr, "pouw: created miner key %s/keys/miner.key%s%s\n", o->data,
                m.key.label[0] ? " labelled " : "", m.key.label);
    m.tty = isatty(fileno(stderr));
    m.threads = threads_for(o, m.p[0]->genesis_req.sessions);
    int rc = 0;
    for (unsigned i = 0; i < m.n && rc == 0; i++) /* every chain exists before the first choice */
        if (miner_sync(&m, i, &err) != CHAIN_OK) {
            bse_error_print(&err, "pouw", stderr);
            rc = 1;
        }
    long long mined = 0;
    m.cur = miner_choose(&m);
    while (rc == 0 && !g_stop && (o->forever || mined < o->blocks)) {
        unsigned c = m.cur;
        chain_store *s = &m.s[c];
        if (miner_sync(&m, c, &err) != CHAIN_OK) {
            bse_error_print(&err, "pouw", stderr);
            rc = 1;
            break;
        }
        m.height = chain_store_tip_height(s) + 1;
        m.t0 = mono_s();
        m.switch_to = -1;
        pouw_requirements req;
        m.threshold = chain_required_targets(&req, &err, m.p[c], s, m.height) == CHAIN_OK ? req.pps_threshold_micro : 0;
        chain_store_add_result added;
        chain_mine_opts mo;
        memset(&mo, 0, sizeof mo);
        mo.threads = m.threads;
        mo.clock_ms = o->fixed_time ? fixed_ms : wall_ms;
        mo.clock_user = o->fixed_time ? (void *)&o->time_ms : NULL;
        mo.start_nonce = m.nonce[c];
        mo.progress = mine_progress;
        mo.progress_user = &m;
        mo.stop_on_change = 1;
        mo.added = &added;
        pouw_block b;
        pouw_block_init(&b);
        pouw_mine_stats st;
        cs = chain_mine_block(&b, &st, &err, s, m.key.pub, &mo);
        double dt = mono_s() - m.t0;
        if (m.tty)
            fprintf(stderr, "\r\033[K");
        if (cs == CHAIN_OK) {
            char id[POUW_SHA256_HEX];
            pouw_hex_encode(id, b.post_hash, 32);
            printf("%s height %" PRIu64 " id %s pps %.6f attempts %" PRIu64 " time %.3f s%s\n", m.p[c]->name,
                   b.header.height, id, b.pps, st.attempts, dt, added.best ? "" : " (side branch)");
            fflush(stdout);
            mined++;
            m.nonce[c] = 0;
        } else if (cs == CHAIN_ESTALE || cs == CHAIN_ESTOPPED) {
            /* another writer moved the chain, a signal, or the policy moved on: the
             * next search on this chain continues where this one stopped */
            if (cs == CHAIN_ESTOPPED)
                m.nonce[c] = (m.nonce[c] + st.prehash_tries) % POUW_NONCE_LIMIT;
            else
                m.nonce[c] = 0;
        } else {
            bse_error_print(&err, "pouw", stderr);
            rc = 1;
        }
        pouw_block_clear(&b);
        if (rc != 0 || g_stop)
            break;
        if (m.switch_to >= 0) {
            m.cur = (unsigned)m.switch_to;
            continue;
        }
        for (unsigned i = 0; i < m.n && rc == 0; i++) /* balances after this block */
            if (miner_sync(&m, i, &err) != CHAIN_OK) {
                bse_error_print(&err, "pouw", stderr);
                rc = 1;
            }
        m.cur = miner_choose(&m);
    }
    if (g_stop)
        fprintf(stderr, "pouw: stopped by a signal after %lld block%s\n", mined, mined == 1 ? "" : "s");
    for (unsigned i = 0; i < m.n; i++)
        if (m.open[i])
            chain_store_close(&m.s[i]);
    pouw_key_clear(&m.key);
    return rc;
}

/* ---------------------------------------------------------------- verify, submit */

static int print_rejection(const char *prog, const char *file, pouw_reason r, const bse_error *err)
{
    fprintf(stderr, "%s: %s: rejected (%s)", prog, file, pouw_reason_name(r));
    if (err->field[0])
        fprintf(stderr, ": %s", err->field);
    fprintf(stderr, ": %s\n", err->msg[0] ? err->msg : "invalid");
    return 1;
}

/* Loads the block file of verify/submit and finds its chain and store.
 * Returns 0 (b, p, s ready), or the exit code. */
static int open_for_block(const opts *o, const char *prog, pouw_block *b, const chain_params **pp, chain_store *s)
{
    bse_error err;
    pouw_block_init(b);
    pouw_status ps = pouw_block_load(b, &err, o->file);
    if (ps == POUW_EIO || ps == POUW_ENOMEM) {
        bse_error_print(&err, prog, stderr);
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
        bse_error_set(&err, POUW_EINVALID, o->file, "header.chain_id", "block of chain %" PRIu32 "%s%s",
                      b->header.chain_id, p ? ", verified as " : " (no such chain)", p ? p->coin : "");
        pouw_block_clear(b);
        return print_rejection(prog, o->file, POUW_R_CHAIN_ID, &err);
    }
    chain_store_opts so = store_opts(o, 0, threads_for(o, b->header.sessions), prog);
    if (chain_store_open_opts(s, &err, o->data, p, &so) != CHAIN_OK) {
        bse_error_print(&err, prog, stderr);
        pouw_block_clear(b);
        return 2;
    }
    *pp = p;
    return 0;
}

static int cmd_verify(const opts *o)
{
    if (!o->data || !o->file)
        return usage_error("verify needs --data DIR and BLOCK.json");
    pouw_block b;
    const chain_params *p;
    chain_store s;
    int rc = open_for_block(o, "pouw verify", &b, &p, &s);
    if (rc)
        return rc;
    bse_error err;
    double t0 = mono_s();
    pouw_reason r;
    chain_status cs = chain_verify_block(&r, &err, &s, &b, wall_ms(NULL), s.opts.threads);
    double dt = mono_s() - t0;
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

static int cmd_submit(const opts *o)
{
    if (!o->data || !o->file)
        return usage_error("submit needs --data DIR and BLOCK.json");
    pouw_block b;
    const chain_params *p;
    chain_store s;
    int rc = open_for_block(o, "pouw submit", &b, &p, &s);
    if (rc)
        return rc;
    bse_error err;
    pouw_reason r;
    chain_store_add_result res;
    chain_status cs = chain_store_add(&s, &res, &r, &err, &b, 0);
    if (cs == CHAIN_EINVALID) {
        rc = print_rejection("pouw submit", o->file, r, &err);
    } else if (cs != CHAIN_OK) {
        fprintf(stderr, "pouw submit: %s: could not be stored: ", o->file);
        bse_error_print(&err, "", stderr);
        rc = 1;
    } else {
        char id[POUW_SHA256_HEX];
        pouw_hex_encode(id, b.post_hash, 32);
        printf("accepted %s block %" PRIu64 " id %s: %s%s\n", p->coin, b.header.height, id,
               !res.stored ? "already stored, " : "", res.best ? "the best tip" : "a side branch");
        if (res.disconnected)
            printf("reorganisation: %" PRIu64 " block%s left the best chain, %zu transfer%s back in the mempool\n",
                   res.disconnected, res.disconnected == 1 ? "" : "s", res.returned, res.returned == 1 ? "" : "s");
    }
    chain_store_close(&s);
    pouw_block_clear(&b);
    return rc;
}

static int cmd_verify_chain(const opts *o)
{
    if (!o->data || !o->chain)
        return usage_error("verify-chain needs --data DIR and --chain NAME");
    const chain_params *p = chain_or_complain(o, o->chain);
    if (!p)
        return 2;
    bse_error err;
    chain_store s;
    double t0 = mono_s();
    chain_store_opts so = store_opts(o, 0, threads_for(o, p->genesis_req.sessions), "pouw verify-chain");
    chain_status cs = chain_store_open_opts(&s, &err, o->data, p, &so);
    if (cs != CHAIN_OK) {
        bse_error_print(&err, "pouw verify-chain", stderr);
        return cs == CHAIN_ESTORE || cs == CHAIN_EIO ? 2 : 1;
    }
    size_t n_invalid = 0;
    int rc = 0;
    if ((cs = chain_store_verify_all(&n_invalid, &err, &s)) != CHAIN_OK) {
        bse_error_print(&err, "pouw verify-chain", stderr);
        chain_store_close(&s);
        return 1;
    }
    /* coins exist only through coinbases: the tip's ledger holds reward x height */
    uint64_t tip = chain_store_tip_height(&s);
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
        fprintf(stderr, "pouw verify-chain: %s: the ledger holds %" PRId64 " coins, expected %" PRId64 "\n", p->name,
                total, p->reward * (int64_t)tip);
        rc = 1;
    } else {
        size_t side = s.n_blk - n_invalid - (size_t)(tip + 1);
        printf("valid %s chain: blocks 0..%" PRIu64 ", tip %s, %" PRId64 " coins in %zu accounts, %zu side-branch "
               "block%s, verified in %.3f s\n",
               p->coin, tip, id, total, b.ledger.n, side, side == 1 ? "" : "s", mono_s() - t0);
        if (n_invalid) {
            fprintf(stderr, "pouw verify-chain: %s: %zu stored block%s rejected (never part of the best chain)\n",
                    p->name, n_invalid, n_invalid == 1 ? " is" : "s are");
            rc = 1;
        }
    }
    pouw_block_clear(&b);
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
        const char **dst = !strcmp(a, "--data")     ? &o.data
                            : !strcmp(a, "--chain")  ? &o.chain
                            : !strcmp(a, "--key")    ? &o.key
                            : !strcmp(a, "--out")    ? &o.out
                            : !strcmp(a, "--policy") ? &o.policy
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
        } else if (!strcmp(a, "--time-ms") || !strcmp(a, "--seed")) {
            int is_time = !strcmp(a, "--time-ms");
            if (++i >= argc || parse_count(argv[i], 0, 9007199254740991LL, &v)) {
                fprintf(stderr, "pouw: %s needs %s 0..2^53-1\n(see pouw --help)\n", a,
                        is_time ? "Unix milliseconds" : "an integer");
                return 2;
            }
            if (is_time) {
                o.fixed_time = 1;
                o.time_ms = (uint64_t)v;
            } else {
                o.have_seed = 1;
                o.seed = (uint64_t)v;
            }
        } else if (!strcmp(a, "--forever")) {
            o.forever = 1;
        } else if (!strcmp(a, "--testnet")) {
            o.testnet = 1;
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
    if (!strcmp(o.cmd, "submit"))
        return cmd_submit(&o);
    if (!strcmp(o.cmd, "verify-chain")) {
        if (o.file)
            return usage_error("verify-chain takes no file argument");
        return cmd_verify_chain(&o);
    }
    if (!strcmp(o.cmd, "explain"))
        return cmd_explain(&o);
    return usage_error("unknown command (expected mine, submit, verify, verify-chain or explain)");
}
