/* chain/chain_main.c - `chain`: the accounts, balances and transfers of the three
 * coin chains in a data directory (economy.md s1-s2). A thin layer over
 * chain/store.h, chain/mempool.h and pouw/tx.h: status, send, accounts, verify.
 * Data goes to stdout, messages to stderr. Exit codes: 0 done / valid; 1 a block
 * or transfer was rejected, or the work failed; 2 usage or bad input. */
#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cjson/cJSON.h>
#include <gsl/gsl_errno.h>

#include "common/cli.h"
#include "common/clock.h"
#include "chain/validate.h"
#include "chain/monitor.h"
#include "chain/params.h"
#include "chain/report.h"
#include "chain/store.h"
#include "pouw/block.h"
#include "pouw/keys.h"
#include "pouw/tx.h"
#include "pouw/verify.h"

enum { CMD_STATUS, CMD_SEND, CMD_ACCOUNTS, CMD_VERIFY, CMD_SHOW, CMD_EXPORT, CMD_KEYGEN, CMD_MONITOR, N_CMDS };
enum {
    O_DATA, O_CHAIN, O_TO, O_AMOUNT, O_FEE, O_KEY, O_JSON, O_TESTNET, O_THREADS, O_TRUST, O_HEIGHT, O_ID, O_LABEL, O_OUT, O_INTERVAL,
    N_OPTS
};
#define M(c) COMMON_CMD(c)
#define READERS (M(CMD_STATUS) | M(CMD_SEND) | M(CMD_ACCOUNTS) | M(CMD_VERIFY) | M(CMD_SHOW) | M(CMD_EXPORT))

static const common_cmd CMDS[] = {
    [CMD_STATUS] = {"status", "--data DIR [--json] [--testnet] [--threads T] [--trust]",
                    "per chain: height, tip id, the tip's prehash_bits and pps_threshold_micro and\n"
                    "those the next block needs, the last 5 blocks (height, time, id, transactions,\n"
                    "miner), every balance and next sequence of the tip's ledger, the coins in\n"
                    "existence, the pending transfers, the blocks stored by verdict.\n"
                    "Text: \"chain NAME COIN id N\" then indented \"key value\" lines, amounts in\n"
                    "coins with six decimals (1000.000000); --json: one object with the same\n"
                    "fields, amounts as integers of units (1 coin = 10^6 units: balance_units,\n"
                    "coins_units). A chain not in DIR is listed as absent. Needs only read access",
                    0, 0, NULL},
    [CMD_SEND] = {"send", "--data DIR --chain NAME --to ACCOUNT --amount N [--fee F] [--key FILE] [--testnet]",
                  "sign a transfer of N coins (and a fee of F coins, default 0, to the block's\n"
                  "miner; both with up to six decimals: 12.5, 0.000001)\n"
                  "from the key (default DIR/keys/miner.key) to ACCOUNT on chain NAME, with the\n"
                  "sender's next sequence (its tip ledger's, plus its transfers already pending,\n"
                  "chosen inside the database's write transaction: concurrent sends get distinct\n"
                  "sequences), check it against the tip's ledger and add it to the chain's\n"
                  "mempool in DIR/chains.db for the next block. Prints the transfer's id. Exit 1\n"
                  "when it is refused (the reason: tx_overspend, tx_immature (the reward and fees\n"
                  "of a block are spendable `maturity` blocks later: 10 on the main chains, 2 on\n"
                  "the test chains), tx_new_account (a transfer creating an account carries at\n"
                  "least 1 coin), tx_sequence...)",
                  0, 0, NULL},
    [CMD_ACCOUNTS] = {"accounts", "--data DIR [--json] [--testnet] [--threads T] [--trust]",
                      "every account seen on any chain's tip ledger or in DIR/keys/, with its label\n"
                      "and its balance on each chain in coins with six decimals (\"-\" where there\n"
                      "is no chain); --json: balances_units, integers of units (10^6 a coin). Needs\n"
                      "only read access",
                      0, 0, NULL},
    [CMD_VERIFY] = {"verify", "--data DIR [--testnet] [--threads T]",
                    "re-verify every block of every chain (all branches); names each invalid block\n"
                    "(chain, height, id) and its reason; exit 1 if any, or if a tip ledger does not\n"
                    "hold exactly reward x height coins. Needs only read access",
                    0, 0, NULL},
    [CMD_SHOW] = {"show", "--data DIR --chain NAME (--height H | --id ID) [--json] [--testnet]",
                  "print one block: of the best chain at height H, or the block ID (64 hex digits,\n"
                  "any branch). Text: header fields, proof, transactions and ledger as \"key value\"\n"
                  "lines (amounts in coins with six decimals); --json: the block document itself\n"
                  "(amounts in units, 10^6 a coin)",
                  0, 0, NULL},
    [CMD_EXPORT] = {"export", "--data DIR --out FOLDER [--chain NAME] [--testnet]",
                    "write every valid block of each chain (every branch; or of chain NAME) as\n"
                    "files: FOLDER/<chain>/<height, 8 digits>-<id>.json, the block document that\n"
                    "`pouw submit` and `pouw verify` take, and <height>-<id>.ledger.json, the\n"
                    "ledger after it. Prints one line per chain. Needs only read access to DIR",
                    0, 0, NULL},
    [CMD_KEYGEN] = {"keygen", "FILE [--label L]",
                    "write a new Ed25519 key to FILE (mode 0600; an existing FILE is never\n"
                    "overwritten) and print its account id (64 hex digits). `pouw mine --key FILE`\n"
                    "mines to it; `chain send --key FILE` spends from it",
                    1, 1, "FILE"},
    [CMD_MONITOR] = {"monitor", "--data DIR [--json] [--testnet] [--interval S]",
                     "a live view of the data directory and of an economy running on it: per\n"
                     "chain its height, last blocks (height, time, miner label or short id,\n"
                     "interval), the mean recent block interval, post_bits and the PPS threshold,\n"
                     "the largest balances; from DIR/economy.json (written by the economy runner;\n"
                     "schema in chain/report.h) each book's best bid and ask, spread and depth, the\n"
                     "last trades, price sparklines of the period closes, the agents of largest\n"
                     "value. On a terminal it refreshes in place (q or Ctrl-C quits and restores\n"
                     "the terminal); otherwise it prints one text snapshot and exits. --json: one\n"
                     "snapshot {\"chains\": what `chain status --json` prints as chains,\n"
                     "\"economy\": the file's object or null, \"recent\": the last blocks of each\n"
                     "chain with intervals and post_bits}. A missing economy.json is \"economy:\n"
                     "none\"; a malformed one is that plus its reason (on stderr with --json or\n"
                     "text), never an error. Needs only read access",
                     0, 0, NULL},
};

static const common_opt OPTS[] = {
    [O_DATA] = {"--data", COMMON_OPT_STR, "DIR", 0, 0, READERS | M(CMD_MONITOR),
                "data directory (DIR/chains.db: every chain's blocks, verdicts, ledgers and\n"
                "mempool; DIR/keys/)"},
    [O_CHAIN] = {"--chain", COMMON_OPT_STR, "NAME", 0, 0, M(CMD_SEND) | M(CMD_SHOW) | M(CMD_EXPORT),
                 "alpha (AlphaCoin), bravo (BravoCoin) or charlie (CharlieCoin)"},
    [O_TO] = {"--to", COMMON_OPT_STR, "ACCOUNT", 0, 0, M(CMD_SEND),
              "64 hex digits, or the name of a key file DIR/keys/ACCOUNT.key, or\n"
              "the label of exactly one key file in DIR/keys/"},
    [O_AMOUNT] = {"--amount", COMMON_OPT_STR, "N", 0, 0, M(CMD_SEND),
                  "coins, up to six decimals: 0.000001 .. 9007199254.740991"},
    [O_FEE] = {"--fee", COMMON_OPT_STR, "F", 0, 0, M(CMD_SEND),
               "coins (up to six decimals) to the miner of the block that takes it (default 0)"},
    [O_KEY] = {"--key", COMMON_OPT_STR, "FILE", 0, 0, M(CMD_SEND), "the sender's key file (pouw key format)"},
    [O_JSON] = {"--json", COMMON_OPT_FLAG, NULL, 0, 0, M(CMD_STATUS) | M(CMD_ACCOUNTS) | M(CMD_SHOW) | M(CMD_MONITOR),
                "machine-readable output"},
    [O_TESTNET] = {"--testnet", COMMON_OPT_FLAG, NULL, 0, 0, READERS | M(CMD_MONITOR),
                   "the test chains test-alpha, test-bravo, test-charlie (tiny sessions)"},
    [O_THREADS] = {"--threads", COMMON_OPT_UINT, "T", 1, 256, READERS,
                   "threads for re-running sessions when verifying (default: 2)"},
    [O_TRUST] = {"--trust", COMMON_OPT_FLAG, NULL, 0, 0, M(CMD_STATUS) | M(CMD_SEND) | M(CMD_ACCOUNTS) | M(CMD_SHOW),
                 "accepted for old scripts; no effect: stored verdicts are always\n"
                 "trusted (each block was judged once, before it was stored; `chain\n"
                 "verify` judges them all again)"},
    [O_HEIGHT] = {"--height", COMMON_OPT_UINT, "H", 0, 9007199254740991ull, M(CMD_SHOW), "the best chain's block at height H"},
    [O_ID] = {"--id", COMMON_OPT_STR, "ID", 0, 0, M(CMD_SHOW), "the block with this id (post_hash), any branch"},
    [O_OUT] = {"--out", COMMON_OPT_STR, "FOLDER", 0, 0, M(CMD_EXPORT), "the folder export writes (created if missing)"},
    [O_LABEL] = {"--label", COMMON_OPT_STR, "L", 0, 0, M(CMD_KEYGEN), "a label stored in the key file (shown by status and accounts)"},
    [O_INTERVAL] = {"--interval", COMMON_OPT_REAL, "S", 0, 0, M(CMD_MONITOR),
                    "seconds between refreshes of the live view, 0.1..3600 (default 1)", 0.1, 3600},
};

static const common_cli CLI = {
    .prog = "chain",
    .summary = "Accounts, balances, blocks and signed transfers of the three coin chains of a data directory.",
    .description = "The data directory is the one bin/pouw mine makes. An account is an Ed25519\n"
                   "public key (64 hex digits), labelled when a key file in DIR/keys/ carries a label.\n"
                   "Every block was judged (its sessions re-run) once, before it entered\n"
                   "DIR/chains.db; status, accounts, show and send read the stored verdicts, so they\n"
                   "answer in milliseconds; `chain verify` judges every block again.",
    .cmds = CMDS,
    .n_cmds = N_CMDS,
    .opts = OPTS,
    .n_opts = N_OPTS,
    .footer = "Exit status: 0 ok; 1 rejected (an invalid block, a refused transfer) or the work\n"
              "failed; 2 usage or bad input (unknown chain, block or account, malformed key\n"
              "file, a missing data directory or chain, an existing keygen FILE).",
};

typedef struct opts {
    int cmd;
    const char *data, *chain, *to, *key, *id, *label, *file, *out;
    const char *amount, *fee; /* coins as given: parsed exactly by pouw_amount_parse */
    uint64_t height;
    int has_amount, has_height, json, testnet, trust;
    unsigned threads;
    double interval;
} opts;

static uint64_t wall_ms(void *user)
{
    (void)user;
    return common_clock_wall_ms();
}

static const chain_params *chain_at(const opts *o, unsigned i)
{
    return o->testnet ? chain_testnet_at(i) : chain_params_at(i);
}

static const chain_params *chain_named(const opts *o, const char *name)
{
    return o->testnet ? chain_testnet_by_name(name) : chain_params_by_name(name);
}

/* 1 when DIR/<chain> holds a chain (its blocks folder). */
static int chain_exists(const opts *o, const chain_params *p)
{
    chain_store *s = NULL;
    common_error err;
    chain_status cs = chain_store_open(&s, &err, o->data, p, NULL);
    chain_store_close(s);
    return cs != CHAIN_EUNKNOWN; /* a corrupt database is there: opening says why */
}

/* "prog: chain: path: field: msg" on one line, leaving out the empty parts. */
static void print_chain_error(const char *prog, const char *chain, const common_error *err)
{
    fprintf(stderr, "%s: %s", prog, chain);
    if (err->path[0])
        fprintf(stderr, ": %s", err->path);
    if (err->field[0])
        fprintf(stderr, ": %s", err->field);
    fprintf(stderr, ": %s\n", err->msg[0] ? err->msg : "failed");
}

static void store_notice(void *user, const common_error *err)
{
    const char *prog = user;
    common_error_print(err, prog, stderr);
}

/* Opens the existing chain p of DIR (never creates), verifying what it reads. */
static chain_status open_chain(chain_store **s, common_error *err, const opts *o, const chain_params *p,
                               const char *prog, chain_v1_verifier *v)
{
    chain_store_opts so;
    memset(&so, 0, sizeof so);
    v->threads = o->threads;
    v->clock_ms = wall_ms;
    v->clock_user = NULL;
    chain_v1_store_opts(&so, v);
    so.genesis = NULL;
    so.notice = store_notice;
    so.notice_user = (void *)prog;
    return chain_store_open(s, err, o->data, p, &so);
}

/* The tip block of s. */
static chain_status tip_block(pouw_block *b, common_error *err, chain_store *s)
{
    return chain_store_load(b, err, s, chain_store_tip_height(s));
}

/* ---------------------------------------------------------------- keys and labels */

typedef chain_report_key known_key;

static void print_notice(void *user, const common_error *err)
{
    common_error_print(err, (const char *)user, stderr);
}

/* Every readable key file DIR/keys/NAME.key, by file name (chain/report.h). Malformed
 * ones are reported on stderr and skipped. Out: *keys (malloc'd), *n. Returns 0 or -1 (oom). */
static int load_keys(known_key **keys, size_t *n, const opts *o, const char *prog)
{
    return chain_report_load_keys(keys, n, o->data, print_notice, (void *)prog);
}

static const char *label_of(const known_key *keys, size_t n, const uint8_t pub[32])
{
    return chain_report_label(keys, n, pub);
}

/* ---------------------------------------------------------------- JSON output */

static cJSON *raw_int(int64_t v)
{
    char t[32];
    snprintf(t, sizeof t, "%" PRId64, v);
    return cJSON_CreateRaw(t);
}

/* Units as coins with six decimals, for people (one buffer per call site). */
#define COINS(buf, units) pouw_amount_format((buf), (units))

/* Prints root (then deletes it). Returns 0 or 1 (out of memory). */
static int print_json(cJSON *root)
{
    char *t = root ? cJSON_Print(root) : NULL;
    cJSON_Delete(root);
    if (!t) {
        fprintf(stderr, "chain: out of memory\n");
        return 1;
    }
    printf("%s\n", t);
    cJSON_free(t);
    return 0;
}

/* ---------------------------------------------------------------- status */

static void iso_time(char *out, size_t cap, uint64_t ms)
{
    time_t t = (time_t)(ms / 1000u);
    struct tm tm;
    if (!gmtime_r(&t, &tm) || strftime(out, cap, "%Y-%m-%dT%H:%M:%S", &tm) == 0) {
        snprintf(out, cap, "?");
        return;
    }
    size_t l = strlen(out);
    snprintf(out + l, cap - l, ".%03uZ", (unsigned)(ms % 1000u));
}

/* The text and the --json document are both made from chain_report_status_json (one
 * builder, shared with `chain monitor`). */
static int cmd_status(const opts *o)
{
    chain_report_opts ro = {o->testnet, o->threads, print_notice, (void *)"chain status"};
    cJSON *arr = NULL;
    size_t found = 0;
    common_error err;
    chain_status cs = chain_report_status_json(&arr, &found, &err, o->data, &ro);
    if (cs == CHAIN_ENOMEM) {
        fprintf(stderr, "chain status: out of memory\n");
        return 1;
    }
    int rc = cs != CHAIN_OK;
    /* a node's peers, when DIR/peers.json is there (pouw node writes it) */
    cJSON *node = NULL;
    common_error perr;
    if (chain_report_peers_json(&node, &perr, o->data) != CHAIN_OK)
        common_error_print(&perr, "chain status", stderr);
    if (o->json) {
        cJSON *root = cJSON_CreateObject();
        if (root && !cJSON_AddItemToObject(root, "chains", arr)) {
            cJSON_Delete(root);
            root = NULL;
        }
        if (!root)
            cJSON_Delete(arr);
        if (root && node)
            cJSON_AddItemToObject(root, "node", node);
        else
            cJSON_Delete(node);
        if (print_json(root))
            rc = 1;
    } else {
        chain_report_status_text(stdout, arr);
        chain_report_peers_text(stdout, node);
        cJSON_Delete(arr);
        cJSON_Delete(node);
    }
    if (!found) {
        fprintf(stderr, "chain status: %s: no chain in this data directory (pouw mine creates them)\n", o->data);
        return 2;
    }
    return rc;
}

/* ---------------------------------------------------------------- accounts */

typedef struct account_row {
    uint8_t pub[32];
    int64_t bal[CHAIN_COUNT];
} account_row;

static int by_pub(const void *a, const void *b) { return memcmp(a, b, 32); }

/* Adds pub to rows (if new). Returns its index, or -1 (oom). */
static long row_of(account_row **rows, size_t *n, size_t *cap, const uint8_t pub[32])
{
    for (size_t i = 0; i < *n; i++)
        if (memcmp((*rows)[i].pub, pub, 32) == 0)
            return (long)i;
    if (*n == *cap) {
        size_t nc = *cap ? *cap * 2 : 16;
        account_row *nr = realloc(*rows, nc * sizeof *nr);
        if (!nr)
            return -1;
        *rows = nr;
        *cap = nc;
    }
    memset(&(*rows)[*n], 0, sizeof **rows);
    memcpy((*rows)[*n].pub, pub, 32);
    return (long)(*n)++;
}

static int cmd_accounts(const opts *o)
{
    known_key *keys;
    size_t nkeys;
    if (load_keys(&keys, &nkeys, o, "chain accounts")) {
        fprintf(stderr, "chain accounts: out of memory\n");
        return 1;
    }
    account_row *rows = NULL;
    size_t nrows = 0, cap = 0;
    int present[CHAIN_COUNT] = {0}, rc = 0, oom = 0, found = 0;
    for (size_t i = 0; i < nkeys && !oom; i++)
        oom = row_of(&rows, &nrows, &cap, keys[i].pub) < 0;
    for (unsigned c = 0; c < CHAIN_COUNT && !oom; c++) {
        const chain_params *p = chain_at(o, c);
        if (!chain_exists(o, p))
            continue;
        found++;
        chain_store *s = NULL;
        chain_v1_verifier v;
        common_error err;
        pouw_block tip;
        pouw_block_init(&tip);
        if (open_chain(&s, &err, o, p, "chain accounts", &v) != CHAIN_OK || tip_block(&tip, &err, s) != CHAIN_OK) {
            common_error_print(&err, "chain accounts", stderr);
            chain_store_close(s);
            rc = 1;
            continue;
        }
        present[c] = 1;
        for (size_t i = 0; i < tip.ledger.n && !oom; i++) {
            long r = row_of(&rows, &nrows, &cap, tip.ledger.e[i].account);
            if (r < 0)
                oom = 1;
            else
                rows[r].bal[c] = tip.ledger.e[i].balance;
        }
        pouw_block_clear(&tip);
        chain_store_close(s);
    }
    if (!found && !oom) {
        fprintf(stderr, "chain accounts: %s: no chain in this data directory (pouw mine creates them)\n", o->data);
        free(rows);
        free(keys);
        return 2;
    }
    if (oom) {
        fprintf(stderr, "chain accounts: out of memory\n");
        free(rows);
        free(keys);
        return 1;
    }
    if (nrows > 1)
        qsort(rows, nrows, sizeof *rows, by_pub); /* pub is the first member */
    cJSON *root = NULL, *arr = NULL;
    if (o->json) {
        root = cJSON_CreateObject();
        arr = cJSON_CreateArray();
        cJSON_AddItemToObject(root, "accounts", arr);
    }
    for (size_t i = 0; i < nrows; i++) {
        char acct[POUW_SHA256_HEX];
        pouw_hex_encode(acct, rows[i].pub, 32);
        const char *label = label_of(keys, nkeys, rows[i].pub);
        if (o->json) {
            cJSON *a = cJSON_CreateObject(), *bo = cJSON_CreateObject();
            cJSON_AddItemToArray(arr, a);
            cJSON_AddItemToObject(a, "account", cJSON_CreateString(acct));
            cJSON_AddItemToObject(a, "label", label[0] ? cJSON_CreateString(label) : cJSON_CreateNull());
            cJSON_AddItemToObject(a, "balances_units", bo);
            for (unsigned c = 0; c < CHAIN_COUNT; c++)
                cJSON_AddItemToObject(bo, chain_at(o, c)->name,
                                      present[c] ? raw_int(rows[i].bal[c]) : cJSON_CreateNull());
        } else {
            printf("%s", acct);
            for (unsigned c = 0; c < CHAIN_COUNT; c++) {
                char cb[POUW_AMOUNT_TEXT_MAX];
                if (present[c])
                    printf(" %s %s", chain_at(o, c)->name, COINS(cb, rows[i].bal[c]));
                else
                    printf(" %s -", chain_at(o, c)->name);
            }
            printf("%s%s\n", label[0] ? " label " : "", label);
        }
    }
    if (o->json && print_json(root))
        rc = 1;
    free(rows);
    free(keys);
    return rc;
}

/* ---------------------------------------------------------------- send */

/* The account ACCOUNT names (see --to). Returns 0, or 2 with a message. */
static int resolve_account(uint8_t out[32], const opts *o, const char *name)
{
    if (strlen(name) == 64 && pouw_hex_decode(out, 32, name) == POUW_OK)
        return 0;
    if (!strchr(name, '/') && name[0] != '.') {
        char path[CHAIN_PATH_MAX + 64];
        snprintf(path, sizeof path, "%s/keys/%s.key", o->data, name);
        struct stat sb;
        if (stat(path, &sb) == 0) {
            pouw_key k;
            common_error err;
            if (pouw_key_load(&k, &err, path) != POUW_OK) {
                common_error_print(&err, "chain send", stderr);
                return 2;
            }
            memcpy(out, k.pub, 32);
            pouw_key_clear(&k);
            return 0;
        }
    }
    known_key *keys;
    size_t n;
    if (load_keys(&keys, &n, o, "chain send")) {
        fprintf(stderr, "chain send: out of memory\n");
        return 1;
    }
    size_t hits = 0;
    for (size_t i = 0; i < n; i++)
        if (strcmp(keys[i].label, name) == 0) {
            if (hits++ == 0)
                memcpy(out, keys[i].pub, 32);
        }
    free(keys);
    if (hits == 1)
        return 0;
    fprintf(stderr, "chain send: --to %s: %s\n", name,
            hits ? "that label is on several key files (give the account's 64 hex digits)"
                 : "not an account (64 lower-case hex digits), a key file name or a key label in DIR/keys/");
    return 2;
}

static int cmd_send(const opts *o)
{
    if (!o->chain || !o->to || !o->has_amount)
        return common_cli_usage_error(&CLI, o->cmd, "missing %s", !o->chain ? "--chain NAME" : !o->to ? "--to ACCOUNT" : "--amount N");
    const chain_params *p = chain_named(o, o->chain);
    if (!p)
        return common_cli_usage_error(&CLI, o->cmd, "unknown chain %s (expected alpha, bravo or charlie)", o->chain);
    /* coins with up to six decimals, converted exactly (no floating point) */
    int64_t amount = 0, fee = 0;
    const char *const names[2] = {"--amount", "--fee"};
    const char *const texts[2] = {o->amount, o->fee ? o->fee : "0"};
    int64_t *const vals[2] = {&amount, &fee};
    for (int k = 0; k < 2; k++) {
        pouw_status ap = pouw_amount_parse(vals[k], texts[k]);
        if (ap == POUW_EFORMAT)
            return common_cli_usage_error(&CLI, o->cmd, "%s \"%.40s\": not an amount of coins (digits, at most one "
                                          "'.', up to six decimals: 12.5, 0.000001)", names[k], texts[k]);
        if (ap != POUW_OK)
            return common_cli_usage_error(&CLI, o->cmd, "%s \"%.40s\": %s", names[k], texts[k],
                                          strchr(texts[k], '.') && strlen(strchr(texts[k], '.') + 1) > 6
                                              ? "more than six decimals (1 coin = 10^6 units)"
                                              : "above the largest amount, 9007199254.740991 coins (2^53 - 1 units)");
    }
    if (amount < 1)
        return common_cli_usage_error(&CLI, o->cmd, "--amount \"%.40s\": a transfer moves at least 0.000001 coin",
                                      o->amount);
    if (!chain_exists(o, p)) {
        fprintf(stderr, "chain send: no %s chain in %s\n", p->name, o->data);
        return 2;
    }
    uint8_t to[32];
    int rc = resolve_account(to, o, o->to);
    if (rc)
        return rc;
    char keypath[CHAIN_PATH_MAX + 32];
    if (o->key)
        snprintf(keypath, sizeof keypath, "%s", o->key);
    else
        snprintf(keypath, sizeof keypath, "%s/keys/miner.key", o->data);
    pouw_key key;
    common_error err;
    pouw_status ps = pouw_key_load(&key, &err, keypath);
    if (ps != POUW_OK) {
        common_error_print(&err, "chain send", stderr);
        return ps == POUW_EIO || ps == POUW_EKEYFILE ? 2 : 1;
    }
    chain_store *s;
    chain_v1_verifier v;
    if (open_chain(&s, &err, o, p, "chain send", &v) != CHAIN_OK) {
        print_chain_error("chain send", p->name, &err);
        pouw_key_clear(&key);
        return 1;
    }
    pouw_block tip;
    pouw_block_init(&tip);
    pouw_tx tx;
    pouw_reason why;
    /* the sequence is chosen inside the writer transaction: concurrent sends of one
     * account each get their own, or are refused with a reason */
    chain_status cs = chain_store_send(s, &tx, &why, &err, &key, to, amount, fee);
    uint64_t seq = cs == CHAIN_OK ? tx.sequence : 0;
    if (cs == CHAIN_EINVALID) {
        fprintf(stderr, "chain send: rejected (%.*s): %s: %s\n", (int)strcspn(err.msg, ":"), err.msg, err.field,
                err.msg);
        rc = 1;
    } else if (cs != CHAIN_OK) {
        common_error_print(&err, "chain send", stderr);
        rc = 1;
    } else {
        uint8_t id[32];
        char hid[POUW_SHA256_HEX], hto[POUW_SHA256_HEX], hfrom[POUW_SHA256_HEX];
        if (pouw_tx_id(id, &tx) != POUW_OK) {
            fprintf(stderr, "chain send: cannot compute the transfer id\n");
            rc = 1;
        } else {
            pouw_hex_encode(hid, id, 32);
            pouw_hex_encode(hto, to, 32);
            pouw_hex_encode(hfrom, key.pub, 32);
            printf("%s\n", hid);
            char ca[POUW_AMOUNT_TEXT_MAX], cf[POUW_AMOUNT_TEXT_MAX];
            fprintf(stderr,
                    "chain send: %s transfer of %s coins (fee %s) from %.16s... to %.16s... sequence %" PRIu64
                    " pending in %s\n", p->coin, COINS(ca, amount), COINS(cf, fee), hfrom, hto, seq,
                    chain_store_path(s));
        }
    }
    pouw_block_clear(&tip);
    chain_store_close(s);
    pouw_key_clear(&key);
    return rc;
}

/* ---------------------------------------------------------------- verify */

static int cmd_verify(const opts *o)
{
    int rc = 0, found = 0;
    for (unsigned i = 0; i < CHAIN_COUNT; i++) {
        const chain_params *p = chain_at(o, i);
        if (!chain_exists(o, p))
            continue;
        found++;
        chain_store *s;
        chain_v1_verifier v;
        common_error err;
        if (open_chain(&s, &err, o, p, "chain verify", &v) != CHAIN_OK) {
            print_chain_error("chain verify", p->name, &err);
            rc = 1;
            continue;
        }
        /* every stored block judged again from scratch; each disagreement is a notice */
        uint64_t n_checked = 0, n_bad = 0;
        chain_status cs = chain_store_verify_all(&n_checked, &n_bad, &err, s);
        if (cs != CHAIN_OK) {
            print_chain_error("chain verify", p->name, &err);
            rc = cs == CHAIN_ESTOPPED ? COMMON_EXIT_STOPPED : 1;
        }
        chain_store_counts counts;
        if (chain_store_count(&counts, &err, s) != CHAIN_OK)
            memset(&counts, 0, sizeof counts);
        size_t n_invalid = (size_t)n_bad; /* INVALID rows: rejections on record, never believed */
        size_t n_read = (size_t)(counts.valid + counts.invalid + counts.orphan);
        if (n_invalid && rc == 0)
            rc = 1;
        /* coins exist only through coinbases */
        pouw_block tip;
        pouw_block_init(&tip);
        uint64_t h = chain_store_tip_height(s);
        if (tip_block(&tip, &err, s) != CHAIN_OK) {
            common_error_print(&err, "chain verify", stderr);
            rc = 1;
        } else {
            int64_t total = pouw_ledger_total(&tip.ledger);
            char id[POUW_SHA256_HEX];
            pouw_hex_encode(id, tip.post_hash, 32);
            char ct[POUW_AMOUNT_TEXT_MAX], ce[POUW_AMOUNT_TEXT_MAX];
            if (total != chain_coins_at(p, h)) {
                fprintf(stderr, "chain verify: %s: the tip ledger holds %s coins, expected %s\n", p->name,
                        COINS(ct, total), COINS(ce, chain_coins_at(p, h)));
                rc = 1;
            }
            printf("%s %s chain: best tip %" PRIu64 " %s, %zu block%s read, %zu invalid, %" PRIu64
                   " rejected on record, %s coins in %zu accounts\n",
                   n_invalid ? "INVALID" : "valid", p->coin, h, id, n_read, n_read == 1 ? "" : "s", n_invalid,
                   counts.invalid, COINS(ct, total), tip.ledger.n);
        }
        pouw_block_clear(&tip);
        chain_store_close(s);
    }
    if (!found) {
        fprintf(stderr, "chain verify: %s: no chain in this data directory (pouw mine creates them)\n", o->data);
        return 2;
    }
    return rc;
}

/* ---------------------------------------------------------------- show */

static int cmd_show(const opts *o)
{
    if (!o->chain)
        return common_cli_usage_error(&CLI, o->cmd, "missing --chain NAME");
    if (o->has_height == (o->id != NULL))
        return common_cli_usage_error(&CLI, o->cmd, "give exactly one of --height H and --id ID");
    const chain_params *p = chain_named(o, o->chain);
    if (!p)
        return common_cli_usage_error(&CLI, o->cmd, "unknown chain %s (expected alpha, bravo or charlie)", o->chain);
    uint8_t id[32];
    if (o->id && (strlen(o->id) != 64 || pouw_hex_decode(id, 32, o->id) != POUW_OK))
        return common_cli_usage_error(&CLI, o->cmd, "--id needs 64 hex digits, got \"%.80s\"", o->id);
    if (!chain_exists(o, p)) {
        fprintf(stderr, "chain show: %s: no %s chain in this data directory\n", o->data, p->name);
        return 2;
    }
    chain_store *s;
    chain_v1_verifier v;
    common_error err;
    if (open_chain(&s, &err, o, p, "chain show", &v) != CHAIN_OK) {
        print_chain_error("chain show", p->name, &err);
        return 1;
    }
    int rc = 0;
    pouw_block b;
    pouw_block_init(&b);
    chain_status cs;
    if (o->has_height && o->height > chain_store_tip_height(s)) {
        fprintf(stderr, "chain show: %s: no block at height %" PRIu64 " (the best chain's tip is at %" PRIu64 ")\n",
                p->name, o->height, chain_store_tip_height(s));
        chain_store_close(s);
        return 2;
    }
    chain_block_meta info;
    if (o->id && chain_store_meta(&info, &err, s, id) != CHAIN_OK) {
        fprintf(stderr, "chain show: %s: no block with id %s\n", p->name, o->id);
        chain_store_close(s);
        return 2;
    }
    cs = o->has_height ? chain_store_load(&b, &err, s, o->height) : chain_store_block(&b, &err, s, id);
    if (cs != CHAIN_OK) {
        print_chain_error("chain show", p->name, &err);
        rc = 1;
    } else if (o->json) {
        char *doc = NULL;
        size_t len = 0;
        if (pouw_block_to_json(&doc, &len, &b) != POUW_OK) {
            fprintf(stderr, "chain show: %s: cannot write the block document: out of memory\n", p->name);
            rc = 1;
        } else {
            fwrite(doc, 1, len, stdout);
            if (len == 0 || doc[len - 1] != '\n')
                putchar('\n');
            free(doc);
        }
    } else {
        const pouw_header *h = &b.header;
        char hex[POUW_SHA256_HEX], when[48];
        uint64_t at;
        int in_best = chain_store_find(&at, s, b.post_hash);
        pouw_hex_encode(hex, b.post_hash, 32);
        printf("block %s\n  chain %s\n  best_chain %s\n", hex, p->name, in_best ? "true" : "false");
        printf("  height %" PRIu64 "\n  version %" PRIu32 "\n  chain_id %" PRIu32 "\n", h->height, h->version, h->chain_id);
        pouw_hex_encode(hex, h->prev_hash, 32);
        printf("  prev_hash %s\n", hex);
        iso_time(when, sizeof when, h->time_ms);
        printf("  time_ms %" PRIu64 "\n  time %s\n", h->time_ms, when);
        pouw_hex_encode(hex, h->miner, 32);
        printf("  miner %s\n", hex);
        pouw_hex_encode(hex, h->tx_root, 32);
        printf("  tx_root %s\n  prehash_bits 0x%08" PRIx32 "\n  pps_threshold_micro %" PRId64 "\n", hex,
               h->prehash_bits, h->pps_threshold_micro);
        printf("  mode %" PRIu32 "\n  post_bits 0x%08" PRIx32 "\n  sessions %" PRIu32 "\n  nonce %" PRIu64 "\n", h->mode,
               h->post_bits, h->sessions, h->nonce);
        pouw_hex_encode(hex, b.pre_hash, 32);
        printf("  pre_hash %s\n  pps %.6f\n  pps_micro %" PRId64 "\n", hex, b.pps, b.pps_micro);
        for (uint32_t i = 0; i < b.n_sessions; i++) {
            pouw_hex_encode(hex, b.proof[i].digest, 32);
            printf("  session %u digest %s pps %.6f\n", (unsigned)i, hex, b.proof[i].pps);
        }
        printf("  transactions %zu\n", b.n_txs);
        for (size_t i = 0; i < b.n_txs; i++) {
            const pouw_tx *t = &b.txs[i];
            char from[POUW_SHA256_HEX], to[POUW_SHA256_HEX];
            pouw_hex_encode(from, t->from, 32);
            pouw_hex_encode(to, t->to, 32);
            char ca[POUW_AMOUNT_TEXT_MAX], cf[POUW_AMOUNT_TEXT_MAX];
            printf("  tx %zu %s from %s to %s amount %s fee %s sequence %" PRIu64 "\n", i,
                   t->type == POUW_TX_COINBASE ? "coinbase" : "transfer", from, to, COINS(ca, t->amount),
                   COINS(cf, t->fee), t->sequence);
        }
        printf("  accounts %zu\n", b.ledger.n);
        for (size_t i = 0; i < b.ledger.n; i++) {
            pouw_hex_encode(hex, b.ledger.e[i].account, 32);
            char cb[POUW_AMOUNT_TEXT_MAX];
            printf("  balance account %s balance %s sequence %" PRIu64 "\n", hex, COINS(cb, b.ledger.e[i].balance),
                   b.ledger.e[i].sequence);
        }
    }
    pouw_block_clear(&b);
    chain_store_close(s);
    return rc;
}

/* ---------------------------------------------------------------- export */

static int cmd_export(const opts *o)
{
    if (!o->out)
        return common_cli_usage_error(&CLI, o->cmd, "missing --out FOLDER");
    const chain_params *only = NULL;
    if (o->chain && !(only = chain_named(o, o->chain)))
        return common_cli_usage_error(&CLI, o->cmd, "unknown chain %s (expected alpha, bravo or charlie)", o->chain);
    if (mkdir(o->out, 0755) != 0 && errno != EEXIST) {
        fprintf(stderr, "chain export: %s: cannot create folder: %s\n", o->out, strerror(errno));
        return 1;
    }
    int rc = 0, found = 0;
    for (unsigned i = 0; i < CHAIN_COUNT; i++) {
        const chain_params *p = chain_at(o, i);
        if ((only && p != only) || !chain_exists(o, p))
            continue;
        found++;
        chain_store *s = NULL;
        common_error err;
        chain_store_opts so;
        memset(&so, 0, sizeof so);
        so.read_only = 1;
        char dir[CHAIN_PATH_MAX + CHAIN_NAME_MAX + 2];
        snprintf(dir, sizeof dir, "%s/%s", o->out, p->name);
        uint64_t n = 0;
        chain_status cs = chain_store_open(&s, &err, o->data, p, &so);
        if (cs == CHAIN_OK)
            cs = chain_store_export(&n, &err, s, dir);
        if (cs != CHAIN_OK) {
            print_chain_error("chain export", p->name, &err);
            rc = 1;
        } else {
            printf("%s %" PRIu64 " blocks to %s\n", p->name, n, dir);
        }
        chain_store_close(s);
    }
    if (!found) {
        fprintf(stderr, "chain export: %s: no %s in this data directory (pouw mine creates them)\n", o->data,
                only ? only->name : "chain");
        return 2;
    }
    return rc;
}

/* ---------------------------------------------------------------- keygen */

static int cmd_keygen(const opts *o)
{
    pouw_key k;
    common_error err;
    pouw_status ps = pouw_key_generate(&k);
    if (ps != POUW_OK) {
        fprintf(stderr, "chain keygen: cannot make a key: %s\n", pouw_status_str(ps));
        return 1;
    }
    if (o->label && (ps = pouw_key_set_label(&k, o->label)) != POUW_OK) {
        pouw_key_clear(&k);
        return common_cli_usage_error(&CLI, o->cmd, "--label: at most %d bytes without control characters",
                                      POUW_KEY_LABEL_MAX - 1);
    }
    ps = pouw_key_save(&k, &err, o->file, 0);
    if (ps != POUW_OK) {
        common_error_print(&err, "chain keygen", stderr);
        pouw_key_clear(&k);
        return ps == POUW_EEXIST || ps == POUW_EIO ? 2 : 1;
    }
    char hex[POUW_SHA256_HEX];
    pouw_hex_encode(hex, k.pub, 32);
    printf("%s\n", hex);
    fprintf(stderr, "chain keygen: wrote %s (mode 0600): account %s\n", o->file, hex);
    pouw_key_clear(&k);
    return 0;
}

/* ---------------------------------------------------------------- monitor */

static volatile sig_atomic_t g_stop; /* set by SIGINT / SIGTERM while the live view runs */

static void on_signal(int sig)
{
    (void)sig;
    g_stop = 1;
}

static int cmd_monitor(const opts *o)
{
    chain_monitor_opts mo = {o->data, o->testnet, o->threads, o->interval, print_notice, (void *)"chain monitor"};
    common_error err;
    if (!o->json && isatty(STDOUT_FILENO) && isatty(STDIN_FILENO)) {
        struct sigaction sa;
        memset(&sa, 0, sizeof sa);
        sa.sa_handler = on_signal; /* no SA_RESTART: a key wait returns at once */
        sigemptyset(&sa.sa_mask);
        sigaction(SIGINT, &sa, NULL);
        sigaction(SIGTERM, &sa, NULL);
        if (chain_monitor_run(&err, &mo, &g_stop) != CHAIN_OK) {
            common_error_print(&err, "chain monitor", stderr);
            return 1;
        }
        return 0;
    }
    cJSON *snap = NULL;
    size_t found = 0;
    common_error econ;
    if (chain_monitor_snapshot(&snap, &found, &econ, &err, &mo) != CHAIN_OK) {
        common_error_print(&err, "chain monitor", stderr);
        return 1;
    }
    if (econ.code) /* the economy is shown as none; say why, once */
        common_error_print(&econ, "chain monitor: economy", stderr);
    if (o->json)
        return print_json(snap);
    chain_monitor_limits lim = chain_monitor_limits_full();
    chain_monitor_render(stdout, snap, o->data, &econ, &lim, 0);
    cJSON_Delete(snap);
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
    o.to = a.str[O_TO];
    o.key = a.str[O_KEY];
    o.id = a.str[O_ID];
    o.label = a.str[O_LABEL];
    o.out = a.str[O_OUT];
    o.file = a.n_pos ? a.pos[0] : NULL;
    o.has_amount = a.given[O_AMOUNT];
    o.amount = a.str[O_AMOUNT];
    o.fee = a.given[O_FEE] ? a.str[O_FEE] : NULL;
    o.has_height = a.given[O_HEIGHT];
    o.height = a.num[O_HEIGHT];
    o.json = a.given[O_JSON];
    o.testnet = a.given[O_TESTNET];
    o.trust = a.given[O_TRUST];
    o.threads = a.given[O_THREADS] ? (unsigned)a.num[O_THREADS] : 2;
    o.interval = a.given[O_INTERVAL] ? a.real[O_INTERVAL] : 1.0;
    if (o.cmd == CMD_KEYGEN)
        return cmd_keygen(&o);
    if (!o.data)
        return common_cli_usage_error(&CLI, o.cmd, "missing --data DIR");
    if (common_cli_data_dir("chain", o.data))
        return COMMON_EXIT_USAGE;
    common_error perr;
    if (chain_store_probe(&perr, o.data) != CHAIN_OK) { /* one line for the database every chain shares */
        common_error_print(&perr, "chain", stderr);
        return COMMON_EXIT_USAGE;
    }
    switch (o.cmd) {
    case CMD_STATUS:
        return cmd_status(&o);
    case CMD_SEND:
        return cmd_send(&o);
    case CMD_ACCOUNTS:
        return cmd_accounts(&o);
    case CMD_VERIFY:
        return cmd_verify(&o);
    case CMD_EXPORT:
        return cmd_export(&o);
    case CMD_MONITOR:
        return cmd_monitor(&o);
    default:
        return cmd_show(&o);
    }
}
