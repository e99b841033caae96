/* tests/test_chain_miners.c - many miner processes on one data directory
 * (economy.md s2-3; seed 000 "One Chain File to Rule Them All").
 *
 * Must-show 1: six `bin/pouw mine --testnet --forever` processes with balancer,
 * greedy and random policies share one data directory over the three testnet
 * chains; at seeded random moments one of them is killed with SIGKILL (whatever
 * it is doing: a session, a verification, a write under the lock) and started
 * again; at the end every miner is stopped with SIGTERM and must exit 0. Then
 * DIR/chains.db passes SQLite's integrity_check, every stored block re-verifies
 * from scratch with its stored verdict and none is invalid (bin/pouw verify-chain
 * in another process too), every block id a miner reported is still in the store, and
 * on every chain the balances are non-negative and sum to 1000 x height.
 * The seed is printed; CHAIN_TEST_SEED=N replays a schedule. */
#include <criterion/criterion.h>

#include "tests/chain_testkit.h"

#define MINERS 6
#define RUN_MS 20000

static const char *const POLICY[MINERS] = {"balancer", "random", "greedy", "balancer", "random", "balancer"};

typedef struct proc {
    pid_t pid;
    int starts;
} proc;

static void sleep_ms(uint64_t ms)
{
    struct timespec ts = {(time_t)(ms / 1000), (long)(ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
        ;
}

static uint64_t mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

/* Starts miner i; its stdout and stderr are appended to DIR/out<i>, DIR/err<i>. */
static pid_t start_miner(const char *pouw, const char *dir, int i)
{
    char key[600], out[600], err[600], seed[32];
    snprintf(key, sizeof key, "%s/k%d.key", dir, i);
    snprintf(out, sizeof out, "%s/out%d", dir, i);
    snprintf(err, sizeof err, "%s/err%d", dir, i);
    snprintf(seed, sizeof seed, "%d", 1000 + i);
    pid_t pid = fork();
    cr_assert_neq(pid, -1);
    if (pid == 0) {
        int fo = open(out, O_WRONLY | O_CREAT | O_APPEND, 0644), fe = open(err, O_WRONLY | O_CREAT | O_APPEND, 0644);
        if (fo < 0 || fe < 0 || dup2(fo, 1) < 0 || dup2(fe, 2) < 0)
            _exit(127);
        execl(pouw, pouw, "mine", "--testnet", "--data", dir, "--policy", POLICY[i], "--seed", seed, "--forever",
              "--key", key, "--threads", "1", (char *)NULL);
        _exit(127);
    }
    return pid;
}

/* A block a miner reported: "<chain> height <h> id <hex> ...". */
typedef struct reported {
    char chain[32];
    uint8_t id[32];
} reported;

static size_t read_reports(const char *dir, reported *r, size_t cap)
{
    size_t n = 0;
    for (int i = 0; i < MINERS; i++) {
        char path[600];
        snprintf(path, sizeof path, "%s/out%d", dir, i);
        char *t = ck_slurp(path);
        for (char *line = t; *line;) {
            char *nl = strchr(line, '\n');
            if (!nl)
                break; /* a line cut short by SIGKILL is no report */
            *nl = '\0';
            char chain[32], hex[65];
            unsigned long long h;
            if (sscanf(line, "%31s height %llu id %64s", chain, &h, hex) == 3 && n < cap) {
                snprintf(r[n].chain, sizeof r[n].chain, "%s", chain);
                cr_assert_eq(pouw_hex_decode(r[n].id, 32, hex), POUW_OK, "%s", line);
                n++;
            }
            line = nl + 1;
        }
        free(t);
    }
    return n;
}

Test(chain_miners, six_processes_share_three_chains_through_kills_and_restarts, .timeout = 180)
{
    char dir[256], pouw[512];
    tk_bin(pouw, sizeof pouw, "pouw");
    tk_tmpdir(dir);
    uint64_t rng = ck_seed("chain_miners", 20261121);
    for (int i = 0; i < MINERS; i++) {
        char key[600];
        snprintf(key, sizeof key, "%s/k%d.key", dir, i);
        FILE *f = fopen(key, "w");
        cr_assert_not_null(f);
        fprintf(f, "ed25519-private %064x\nlabel miner %d\n", 0x100 + i, i);
        fclose(f);
    }
    proc m[MINERS];
    for (int i = 0; i < MINERS; i++) {
        m[i].pid = start_miner(pouw, dir, i);
        m[i].starts = 1;
    }
    int kills = 0;
    uint64_t t0 = mono_ms();
    while (mono_ms() - t0 < RUN_MS) {
        sleep_ms(300 + ck_rand(&rng) % 1200);
        int i = (int)(ck_rand(&rng) % MINERS);
        fprintf(stderr, "chain_miners: %.3f s: SIGKILL to miner %d (%s)\n", (double)(mono_ms() - t0) / 1e3, i,
                POLICY[i]);
        cr_assert_eq(kill(m[i].pid, SIGKILL), 0);
        int st;
        cr_assert_eq(waitpid(m[i].pid, &st, 0), m[i].pid);
        cr_assert(WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL, "miner %d had died on its own (status %d)", i, st);
        kills++;
        if (ck_rand(&rng) % 2)
            sleep_ms(ck_rand(&rng) % 300);
        m[i].pid = start_miner(pouw, dir, i);
        m[i].starts++;
    }
    /* SIGTERM: each finishes its attempt and exits 0 (the last one restarted has
     * had time to set up its handler) */
    sleep_ms(500);
    for (int i = 0; i < MINERS; i++)
        cr_assert_eq(kill(m[i].pid, SIGTERM), 0);
    for (int i = 0; i < MINERS; i++) {
        int st;
        cr_assert_eq(waitpid(m[i].pid, &st, 0), m[i].pid);
        char path[600];
        snprintf(path, sizeof path, "%s/err%d", dir, i);
        char *t = ck_slurp(path);
        cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0, "miner %d did not finish cleanly (status %d): %s", i, st, t);
        free(t);
    }
    fprintf(stderr, "chain_miners: %d kills in %d s\n", kills, RUN_MS / 1000);
    cr_assert_geq(kills, 8);

    /* the database SIGKILL hit at any instant is sound (SQLite's own check) */
    char icmd[1200], iout[700];
    snprintf(icmd, sizeof icmd, "sqlite3 %s/%s 'PRAGMA integrity_check'", dir, CHAIN_STORE_FILE);
    snprintf(iout, sizeof iout, "%s/integrity", dir);
    cr_assert_eq(ck_run(icmd, iout, NULL), 0, "%s", icmd);
    char *itext = ck_slurp(iout);
    cr_assert_str_eq(itext, "ok\n", "integrity_check: %s", itext);
    free(itext);

    static reported rep[20000];
    size_t n_rep = read_reports(dir, rep, sizeof rep / sizeof rep[0]);
    cr_assert_gt(n_rep, 30, "the miners mined (%zu blocks reported)", n_rep);
    for (unsigned c = 0; c < CHAIN_COUNT; c++) {
        const chain_params *p = chain_testnet_at(c);
        chain_store *s;
        ck_open(&s, dir, p, NULL);
        uint64_t tip = chain_store_tip_height(s);
        cr_assert_geq(tip, 3, "%s: %llu blocks", p->name, (unsigned long long)tip);
        /* every stored block re-verifies from scratch (every branch): nothing disagrees
         * with its stored verdict, and nothing stored is invalid */
        uint64_t checked = 0, bad = 0;
        common_error err;
        cr_assert_eq(chain_store_verify_all(&checked, &bad, &err, s), CHAIN_OK, "%s", err.msg);
        cr_assert_eq(bad, 0, "%s: %llu blocks disagree: %s", p->name, (unsigned long long)bad, err.msg);
        chain_store_counts counts;
        cr_assert_eq(chain_store_count(&counts, &err, s), CHAIN_OK);
        cr_assert_eq(counts.invalid, 0, "%s: %llu invalid blocks stored", p->name, (unsigned long long)counts.invalid);
        /* no reported block lost */
        size_t mine = 0;
        for (size_t i = 0; i < n_rep; i++) {
            if (strcmp(rep[i].chain, p->name) != 0)
                continue;
            cr_assert_eq(tk_verdict(s, rep[i].id), CHAIN_VERDICT_VALID, "%s: a reported block is gone", p->name);
            mine++;
        }
        /* coins: 1000 x height, none negative */
        pouw_block b;
        pouw_block_init(&b);
        cr_assert_eq(chain_store_load(&b, &err, s, tip), CHAIN_OK);
        cr_assert_eq(ck_ledger_sum(&b.ledger), p->reward * (int64_t)tip, "%s", p->name);
        fprintf(stderr, "chain_miners: %s height %llu, %zu blocks stored (%zu reported), %zu accounts\n", p->name,
                (unsigned long long)tip, (size_t)counts.valid, mine, b.ledger.n);
        pouw_block_clear(&b);
        chain_store_close(s);
        /* and another process agrees */
        char cmd[1200];
        snprintf(cmd, sizeof cmd, "%s verify-chain --testnet --data %s --chain %s", pouw, dir, p->name + 5);
        cr_assert_eq(ck_run(cmd, NULL, NULL), 0, "%s", cmd);
    }
    tk_rmrf(dir);
}
