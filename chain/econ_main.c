/* chain/econ_main.c - bin/econ: the three-coin agent economy (economy.md s6):
 * `econ sim CONFIG --out DIR` (one process, simulated time, deterministic),
 * `econ check CONFIG` (validate a config), `econ strategies` (list them);
 * `econ live CONFIG --data DIR [--out OUT]` and its processes `econ exchange`,
 * `econ trader` (real processes on one data directory: chain/economy/live.h);
 * `econ export DIR --out OUT` (a live run's CSV files: chain/economy/export.h).
 * A thin layer over chain/economy/config.h, sim.h, live.h and export.h.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "chain/economy/config.h"
#include "chain/economy/export.h"
#include "chain/economy/live.h"
#include "chain/economy/outputs.h"
#include "chain/economy/sim.h"
#include "common/cli.h"

enum { CMD_SIM, CMD_CHECK, CMD_STRATEGIES, CMD_LIVE, CMD_EXCHANGE, CMD_TRADER, CMD_EXPORT, N_CMDS };
enum { O_OUT, O_THREADS, O_QUIET, O_DATA, O_CONFIG, O_GROUP, O_DURATION, O_SPEED, N_OPTS };
#define M(c) COMMON_CMD(c)

static const common_cmd CMDS[] = {
    [CMD_SIM] = {"sim", "CONFIG.json --out DIR [--threads T] [--quiet]",
                 "Runs the economy of CONFIG on simulated time in one process: miners race\n"
                 "for blocks (each winning block really mined and stored in DIR/chains, a\n"
                 "data directory `chain verify` accepts), an exchange on the engine's order\n"
                 "book, traders. Writes DIR/blocks.csv, trades.csv, prices.csv, balances.csv,\n"
                 "books.csv, mining.csv, errors.csv and run.json. The same CONFIG gives the\n"
                 "same bytes at any --threads. Checks the custody invariant after every\n"
                 "exchange event and, at the end, that every chain's coins equal reward x\n"
                 "height.",
                 1, 1, "CONFIG.json"},
    [CMD_CHECK] = {"check", "CONFIG.json", "Parses and checks CONFIG (every field) and says what the run would be.", 1, 1,
                   "CONFIG.json"},
    [CMD_STRATEGIES] = {"strategies", "", "Lists the trading strategies a config may name.", 0, 0, ""},
    [CMD_LIVE] = {"live", "CONFIG.json --data DIR [--duration S] [--speed X] [--out OUT] [--quiet]",
                  "Runs the economy of CONFIG live: real processes on the data directory DIR\n"
                  "(created): `econ exchange`, one `pouw mine --forever` per miner agent, one\n"
                  "`econ trader` per trading group; traders reach the exchange through\n"
                  "DIR/exchange.sock (JSON lines, chain/economy/live.h). A child that dies is\n"
                  "restarted; SIGINT/SIGTERM or the end of the duration (duration_s real seconds,\n"
                  "or --duration) stop every child cleanly. Logs in DIR/logs/; the monitor reads\n"
                  "DIR/economy.json (`chain monitor --data DIR`). With --out OUT, `econ export\n"
                  "DIR --out OUT` runs when it stops (the CSV files of the run).",
                  1, 1, "CONFIG.json"},
    [CMD_EXCHANGE] = {"exchange", "--data DIR --config CONFIG.json [--speed X] [--duration S]",
                      "The live exchange process: replays DIR/exchange.db, mines the bootstrap on\n"
                      "first start, follows the chains, serves DIR/exchange.sock until SIGINT/SIGTERM.",
                      0, 0, ""},
    [CMD_TRADER] = {"trader", "--data DIR --config CONFIG.json --group LABEL [--speed X]",
                    "The live trader process of one agent group: steps its agents through\n"
                    "DIR/exchange.sock, sends its miners' deposits, asks its withdrawals.",
                    0, 0, ""},
    [CMD_EXPORT] = {"export", "DIR --out OUT [--speed X] [--quiet]",
                    "Writes the CSV files of the live run in data directory DIR into OUT\n"
                    "(created): trades.csv, blocks.csv, prices.csv, books.csv, balances.csv,\n"
                    "errors.csv (the columns of `econ sim`) and run.json (mode \"live\", the config,\n"
                    "the code version). Reads DIR/exchange.db (the exchange's journal, replayed, in\n"
                    "one read transaction: a consistent snapshot while the run goes on) and\n"
                    "DIR/chains.db, and writes nothing in DIR. Times are the run's clock (real\n"
                    "seconds since its start); statistics periods are the config's period_s / X\n"
                    "(default: the run's --speed). mining.csv does not apply to a live run.",
                    1, 1, "DIR"},
};

static const common_opt OPTS[] = {
    [O_OUT] = {"--out", COMMON_OPT_STR, "DIR", 0, 0, M(CMD_SIM) | M(CMD_LIVE) | M(CMD_EXPORT),
               "output folder (created; sim: must not hold a run;\nlive, export: the CSV files are replaced whole)"},
    [O_THREADS] = {"--threads", COMMON_OPT_UINT, "T", 1, 64, M(CMD_SIM),
                   "threads for trader steps and mining sessions (default 1;\nthe outputs do not depend on it)"},
    [O_QUIET] = {"--quiet", COMMON_OPT_FLAG, NULL, 0, 0,
                 M(CMD_SIM) | M(CMD_LIVE) | M(CMD_EXCHANGE) | M(CMD_TRADER) | M(CMD_EXPORT),
                 "no progress line and no summary"},
    [O_DATA] = {"--data", COMMON_OPT_STR, "DIR", 0, 0, M(CMD_LIVE) | M(CMD_EXCHANGE) | M(CMD_TRADER),
                "the live data directory (chains.db, exchange.db, exchange.sock, keys/, logs/)"},
    [O_CONFIG] = {"--config", COMMON_OPT_STR, "CONFIG.json", 0, 0, M(CMD_EXCHANGE) | M(CMD_TRADER), "the run's config"},
    [O_GROUP] = {"--group", COMMON_OPT_STR, "LABEL", 0, 0, M(CMD_TRADER), "the agent group (its label in the config)"},
    [O_DURATION] = {"--duration", COMMON_OPT_REAL, "S", 0, 0, M(CMD_LIVE) | M(CMD_EXCHANGE),
                    "real seconds of the live run (default: the config's duration_s)", 0.1, 1e9},
    [O_SPEED] = {"--speed", COMMON_OPT_REAL, "X", 0, 0, M(CMD_LIVE) | M(CMD_EXCHANGE) | M(CMD_TRADER) | M(CMD_EXPORT),
                 "trader steps every step_s / X real seconds (default 1;\nexport: periods of period_s / X, default the run's)",
                 1e-6, 1e6},
};

static const common_cli CLI = {
    .prog = "econ",
    .summary = "the three-coin agent economy: miners, an exchange, traders",
    .description = "CONFIG is one JSON file (README, section \"The agent economy\"; examples in\n"
                   "experiments/configs/economy-*.json).",
    .cmds = CMDS,
    .n_cmds = N_CMDS,
    .opts = OPTS,
    .n_opts = N_OPTS,
    .footer = "Exit status: 0 done; 1 the run failed (an invariant broke, mining or the store\n"
              "failed); 2 usage or bad input (a bad config names its file and field, and\n"
              "nothing is written); 3 sim stopped by SIGINT/SIGTERM (the outputs so far are\n"
              "kept, run.json says partial). live, exchange and trader exit 0 when stopped by\n"
              "SIGINT/SIGTERM or at the end of the duration. export: 0 written; 1 writing\n"
              "failed (nothing half-written); 2 DIR is not a live run's data directory (the\n"
              "file named) or OUT cannot be used (nothing written).",
};

static volatile sig_atomic_t g_stop;
static void on_signal(int sig)
{
    (void)sig;
    g_stop = 1;
}
static int stop_requested(void *user)
{
    (void)user;
    return g_stop != 0;
}

static int cmd_check(const char *path)
{
    chain_econ_config c;
    common_error err;
    common_error_clear(&err);
    if (chain_econ_config_load(&c, &err, path)) {
        common_error_print(&err, "econ", stderr);
        return COMMON_EXIT_USAGE;
    }
    unsigned miners = 0, traders = 0;
    for (size_t i = 0; i < c.n_groups; i++) {
        if (c.groups[i].mine != CHAIN_ECON_MINE_NONE)
            miners += c.groups[i].count;
        if (c.groups[i].trader)
            traders += c.groups[i].count;
    }
    printf("%s: ok: seed %llu, %.0f simulated s, %s chains, %u agents (%u mine, %u trade), %zu groups\n", path,
           (unsigned long long)c.seed, c.duration_s, c.testnet ? "test" : "main", c.n_agents, miners, traders,
           c.n_groups);
    chain_econ_config_clear(&c);
    return COMMON_EXIT_OK;
}

/* econ export DIR --out OUT (chain/economy/export.h); also the end of `econ live --out`. */
static int run_export(const char *dir, const char *out, double speed, int quiet)
{
    common_error err;
    common_error_clear(&err);
    chain_econ_export_opts eo = {.speed = speed};
    chain_econ_export_summary s;
    int rc = chain_econ_export(dir, out, &eo, &s, &err);
    if (rc) {
        common_error_print(&err, "econ", stderr);
        return rc == 2 ? COMMON_EXIT_USAGE : COMMON_EXIT_REJECTED;
    }
    if (!quiet)
        fprintf(stderr,
                "econ: exported %s to %s: %llu journal rows, %llu trades, %llu orders, %llu refusals, %llu periods, "
                "%llu blocks (heights %llu/%llu/%llu, bootstrap %llu/%llu/%llu)%s\n",
                dir, out, (unsigned long long)s.journal_rows, (unsigned long long)s.trades,
                (unsigned long long)s.orders, (unsigned long long)s.refusals, (unsigned long long)s.periods,
                (unsigned long long)s.blocks, (unsigned long long)s.heights[0], (unsigned long long)s.heights[1],
                (unsigned long long)s.heights[2], (unsigned long long)s.bootstrap[0],
                (unsigned long long)s.bootstrap[1], (unsigned long long)s.bootstrap[2],
                s.running ? " (the exchange runs: a snapshot)" : "");
    return COMMON_EXIT_OK;
}

/* econ live / exchange / trader (chain/economy/live.h). */
static int cmd_live(const common_args *a, const char *argv0)
{
    if (!a->given[O_DATA])
        return common_cli_usage_error(&CLI, a->cmd, "missing --data DIR");
    const char *cfgp = a->cmd == CMD_LIVE ? a->pos[0] : a->str[O_CONFIG];
    if (!cfgp)
        return common_cli_usage_error(&CLI, a->cmd, "missing --config CONFIG.json");
    if (a->cmd == CMD_TRADER && !a->given[O_GROUP])
        return common_cli_usage_error(&CLI, a->cmd, "missing --group LABEL");
    if (a->cmd == CMD_LIVE && a->given[O_OUT] && common_cli_out_dir("econ", a->str[O_OUT]))
        return COMMON_EXIT_USAGE;
    chain_econ_config cfg;
    common_error err;
    common_error_clear(&err);
    if (chain_econ_config_load(&cfg, &err, cfgp)) {
        common_error_print(&err, "econ", stderr);
        return COMMON_EXIT_USAGE;
    }
    /* the children are started from this program's own path, pouw beside it */
    char self[4096], cfg_abs[4096], pouw[4200];
    ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
    if (n > 0)
        self[n] = '\0';
    else
        snprintf(self, sizeof self, "%s", argv0);
    snprintf(pouw, sizeof pouw, "%s", self);
    char *slash = strrchr(pouw, '/');
    if (slash)
        snprintf(slash + 1, sizeof pouw - (size_t)(slash + 1 - pouw), "pouw");
    else
        snprintf(pouw, sizeof pouw, "pouw");
    if (!realpath(cfgp, cfg_abs))
        snprintf(cfg_abs, sizeof cfg_abs, "%s", cfgp);
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);
    chain_econ_live_opts lo = {.duration_s = a->given[O_DURATION] ? a->real[O_DURATION] : 0,
                               .speed = a->given[O_SPEED] ? a->real[O_SPEED] : 0,
                               .config_path = cfg_abs,
                               .self = self,
                               .pouw = pouw,
                               .stop = stop_requested,
                               .quiet = a->given[O_QUIET]};
    int rc;
    if (a->cmd == CMD_LIVE)
        rc = chain_econ_live_run(&cfg, a->str[O_DATA], &lo, &err);
    else if (a->cmd == CMD_EXCHANGE)
        rc = chain_econ_live_exchange(&cfg, a->str[O_DATA], &lo, &err);
    else
        rc = chain_econ_live_trader(&cfg, a->str[O_DATA], a->str[O_GROUP], &lo, &err);
    if (rc)
        common_error_print(&err, "econ", stderr);
    chain_econ_config_clear(&cfg);
    if (!rc && a->cmd == CMD_LIVE && a->given[O_OUT])
        rc = run_export(a->str[O_DATA], a->str[O_OUT], a->given[O_SPEED] ? a->real[O_SPEED] : 0, a->given[O_QUIET]);
    return rc;
}

int main(int argc, char **argv)
{
    common_args a;
    common_cli_status st = common_cli_parse(&CLI, &a, argc, argv);
    if (st != COMMON_CLI_RUN)
        return common_cli_exit(st);
    if (a.cmd == CMD_STRATEGIES) {
        const char *const *n = chain_econ_trader_names();
        for (size_t i = 0; n && n[i]; i++)
            printf("%s\n", n[i]);
        return COMMON_EXIT_OK;
    }
    if (a.cmd == CMD_CHECK)
        return cmd_check(a.pos[0]);
    if (a.cmd == CMD_LIVE || a.cmd == CMD_EXCHANGE || a.cmd == CMD_TRADER)
        return cmd_live(&a, argv[0]);
    if (a.cmd == CMD_EXPORT) {
        if (!a.given[O_OUT])
            return common_cli_usage_error(&CLI, a.cmd, "missing --out OUT");
        return run_export(a.pos[0], a.str[O_OUT], a.given[O_SPEED] ? a.real[O_SPEED] : 0, a.given[O_QUIET]);
    }
    if (!a.given[O_OUT])
        return common_cli_usage_error(&CLI, a.cmd, "missing --out DIR");
    chain_econ_config cfg;
    common_error err;
    common_error_clear(&err);
    if (chain_econ_config_load(&cfg, &err, a.pos[0])) {
        common_error_print(&err, "econ", stderr);
        return COMMON_EXIT_USAGE;
    }
    int rc = common_cli_out_dir("econ", a.str[O_OUT]);
    if (rc) {
        chain_econ_config_clear(&cfg);
        return rc;
    }
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    int quiet = a.given[O_QUIET];
    chain_econ_sim_opts so = {.threads = a.given[O_THREADS] ? (unsigned)a.num[O_THREADS] : 1,
                              .progress = !quiet && isatty(fileno(stderr)),
                              .stop = stop_requested,
                              .prog = "econ"};
    chain_econ_summary sum;
    rc = chain_econ_sim_run(&cfg, a.str[O_OUT], &so, &sum, &err);
    if (rc == 1 || rc == 2) {
        common_error_print(&err, "econ", stderr);
    } else if (!quiet) {
        fprintf(stderr,
                "econ: %s: %.1f simulated s in %.2f s wall: blocks alpha %llu bravo %llu charlie %llu (+%llu/%llu/%llu "
                "bootstrap), %llu trades of %llu orders, %llu refusals; custody invariant %s after %llu checks (%llu whole); "
                "coins = reward x height on every chain: %s%s\n",
                a.str[O_OUT], cfg.duration_s, sum.wall_s, (unsigned long long)sum.blocks[0],
                (unsigned long long)sum.blocks[1], (unsigned long long)sum.blocks[2],
                (unsigned long long)sum.bootstrap[0], (unsigned long long)sum.bootstrap[1],
                (unsigned long long)sum.bootstrap[2], (unsigned long long)sum.trades, (unsigned long long)sum.orders,
                (unsigned long long)sum.refusals, sum.custody_ok ? "held" : "BROKEN",
                (unsigned long long)sum.custody_checks, (unsigned long long)sum.custody_full_checks, sum.supply_ok ? "yes" : "NO",
                rc == 3 ? " (stopped: partial)" : "");
    }
    chain_econ_config_clear(&cfg);
    return rc;
}
