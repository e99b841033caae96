/* chain/mempool.c - pending signed transfers of one chain, one file each, shared
 * by the miner processes of a data directory (see mempool.h; economy.md s1-s2).
 *
 * Invariant: nothing read from the folder is believed before it is checked. A
 * file counts only when it parses as a transfer document, is named by its own id
 * and passes pouw_tx_check for the folder's chain (signature included); what it
 * may spend is re-checked against the ledger each time (pouw/tx.h rule). Writes
 * are whole-file renames (common_buf_write_file), so a reader sees a transfer or
 * nothing, and a transfer's file name and bytes are functions of the transfer,
 * so writers never disagree about a file. */
#include "chain/mempool.h"

#include <assert.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/buf.h"
#include "chain/params.h"
#include "chain/store.h"
#include "pouw/block.h"
#include "pouw/sha256.h"
#include "pouw/verify.h"

#define NAME_LEN 69 /* 64 hex digits + ".json" */

/* A transfer read from the folder. */
typedef struct entry {
    pouw_tx tx;
    uint8_t id[32];
    pouw_status check; /* pouw_tx_check for the folder's chain */
} entry;

static chain_status from_pouw(pouw_status st)
{
    return st == POUW_ENOMEM ? CHAIN_ENOMEM : st == POUW_EIO ? CHAIN_EIO : CHAIN_EINVALID;
}

static chain_status oom(common_error *err, const char *path)
{
    common_error_set(err, CHAIN_ENOMEM, path, "", "out of memory");
    return CHAIN_ENOMEM;
}

static int path_join(char *out, size_t cap, const char *dir, const char *name)
{
    int n = snprintf(out, cap, "%s/%s", dir, name);
    return n < 0 || (size_t)n >= cap ? -1 : 0;
}

/* ---------------------------------------------------------------- the folder's chain */

/* The chain id of chaindir: the built-in (or testnet) chain's when the folder
 * has its name (the authority for alpha, bravo, charlie: no file in the folder
 * can change it), else its genesis block's (test-only chains). */
static chain_status folder_chain(uint32_t *chain_id, common_error *err, const char *chaindir)
{
    *chain_id = 0;
    char name[CHAIN_PATH_MAX];
    snprintf(name, sizeof name, "%s", chaindir);
    size_t n = strlen(name);
    while (n > 1 && name[n - 1] == '/')
        name[--n] = '\0';
    const char *base = strrchr(name, '/');
    base = base ? base + 1 : name;
    const chain_params *p = chain_params_by_name(base);
    if (!p && (p = chain_testnet_by_name(base)) != NULL && strcmp(p->name, base) != 0)
        p = NULL; /* a testnet chain's folder is its full name ("test-alpha") */
    if (p) {
        *chain_id = p->chain_id;
        return CHAIN_OK;
    }
    char blocks[CHAIN_PATH_MAX];
    if (path_join(blocks, sizeof blocks, chaindir, "blocks"))
        return (chain_status)common_error_set(err, CHAIN_EIO, chaindir, "", "path too long");
    DIR *d = opendir(blocks);
    chain_status cs = CHAIN_EUNKNOWN;
    if (d) {
        struct dirent *de;
        while (cs == CHAIN_EUNKNOWN && (de = readdir(d)) != NULL) {
            size_t l = strlen(de->d_name);
            if (strncmp(de->d_name, "00000000-", 9) != 0 || l < 5 || strcmp(de->d_name + l - 5, ".json") != 0)
                continue;
            char path[CHAIN_PATH_MAX];
            if (path_join(path, sizeof path, blocks, de->d_name))
                continue;
            pouw_block g;
            pouw_block_init(&g);
            pouw_status st = pouw_block_load(&g, NULL, path);
            if (st == POUW_OK && g.header.height == 0) {
                *chain_id = g.header.chain_id;
                cs = CHAIN_OK;
            } else if (st == POUW_ENOMEM) {
                cs = CHAIN_ENOMEM;
            }
            pouw_block_clear(&g);
        }
        closedir(d);
    }
    if (cs == CHAIN_ENOMEM)
        return oom(err, chaindir);
    if (cs != CHAIN_OK)
        return (chain_status)common_error_set(err, CHAIN_EUNKNOWN, chaindir, "",
                                           "not a built-in chain's folder, and no genesis block in blocks/");
    return CHAIN_OK;
}

/* ---------------------------------------------------------------- reading */

static void note(chain_mempool_report *rep, const char *path, const char *field, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static void note(chain_mempool_report *rep, const char *path, const char *field, const char *fmt, ...)
{
    rep->ignored++;
    if (rep->ignored > 1)
        return;
    char msg[sizeof rep->first.msg];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    common_error_set(&rep->first, CHAIN_EINVALID, path, field, "%s", msg);
}

/* Reads a small regular file. Returns 0, ENOENT (gone), EFBIG (larger than
 * cap - 1) or another errno. Out: buf, *len. */
static int read_small(const char *path, char *buf, size_t cap, size_t *len)
{
    *len = 0;
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    if (fd < 0)
        return errno;
    struct stat sb;
    if (fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode)) {
        close(fd);
        return EINVAL;
    }
    size_t n = 0;
    for (;;) {
        ssize_t r = read(fd, buf + n, cap - n);
        if (r < 0) {
            if (errno == EINTR)
                continue;
            int e = errno;
            close(fd);
            return e;
        }
        if (r == 0)
            break;
        n += (size_t)r;
        if (n == cap) {
            close(fd);
            return EFBIG;
        }
    }
    close(fd);
    *len = n;
    return 0;
}

static int by_name(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

/* Reads the folder's transfers. keep_invalid: also entries failing pouw_tx_check
 * (their check says why); otherwise those are reported and dropped. A missing
 * folder is an empty mempool. Out: *out (malloc'd; NULL when *n is 0), *n, rep. */
static chain_status scan(entry **out, size_t *n, chain_mempool_report *rep, common_error *err, const char *chaindir,
                         uint32_t chain_id, int keep_invalid)
{
    *out = NULL;
    *n = 0;
    memset(rep, 0, sizeof *rep);
    char dir[CHAIN_PATH_MAX];
    if (path_join(dir, sizeof dir, chaindir, "mempool"))
        return (chain_status)common_error_set(err, CHAIN_EIO, chaindir, "", "path too long");
    DIR *d = opendir(dir);
    if (!d) {
        if (errno == ENOENT)
            return CHAIN_OK;
        return (chain_status)common_error_set(err, CHAIN_EIO, dir, "", "cannot read the mempool: %s", strerror(errno));
    }
    char **names = NULL;
    size_t nn = 0, cap = 0;
    chain_status cs = CHAIN_OK;
    struct dirent *de;
    while ((de = readdir(d)) != NULL) {
        size_t l = strlen(de->d_name);
        if (de->d_name[0] == '.' || l < 5 || strcmp(de->d_name + l - 5, ".json") != 0)
            continue; /* temp files of writers ("<name>.tmp.XXXXXX") and anything else */
        if (nn == cap) {
            size_t nc = cap ? cap * 2 : 64;
            char **nnames = realloc(names, nc * sizeof *names);
            if (!nnames) {
                cs = CHAIN_ENOMEM;
                break;
            }
            names = nnames;
            cap = nc;
        }
        if (!(names[nn] = strdup(de->d_name))) {
            cs = CHAIN_ENOMEM;
            break;
        }
        nn++;
    }
    closedir(d);
    if (cs == CHAIN_OK && nn > 0) {
        qsort(names, nn, sizeof *names, by_name); /* a fixed order: reports and limits do not depend on readdir */
        size_t lim = nn < CHAIN_MEMPOOL_MAX_FILES ? nn : CHAIN_MEMPOOL_MAX_FILES;
        *out = malloc(lim * sizeof **out);
        if (!*out)
            cs = CHAIN_ENOMEM;
        for (size_t k = 0; cs == CHAIN_OK && k < nn; k++) {
            char path[CHAIN_PATH_MAX];
            if (path_join(path, sizeof path, dir, names[k]))
                continue;
            rep->files++;
            if (k >= lim) {
                note(rep, path, "", "beyond the first %d files of the mempool: not read", CHAIN_MEMPOOL_MAX_FILES);
                continue;
            }
            uint8_t want[32];
            char hex[POUW_SHA256_HEX];
            snprintf(hex, sizeof hex, "%.64s", names[k]);
            if (strlen(names[k]) != NAME_LEN || pouw_hex_decode(want, 32, hex) != POUW_OK) {
                note(rep, path, "", "not named <transaction id: 64 lower-case hex digits>.json");
                continue;
            }
            char buf[POUW_TX_JSON_MAX_BYTES + 1];
            size_t len;
            int e = read_small(path, buf, sizeof buf, &len);
            if (e == ENOENT) { /* pruned by another process meanwhile */
                rep->files--;
                continue;
            }
            if (e) {
                note(rep, path, "", "%s", e == EFBIG ? "larger than a transfer document can be" : strerror(e));
                continue;
            }
            entry *en = &(*out)[*n];
            common_error pe;
            pouw_status st = pouw_tx_parse(&en->tx, &pe, path, buf, len);
            if (st == POUW_ENOMEM) {
                cs = CHAIN_ENOMEM;
                break;
            }
            if (st != POUW_OK) {
                note(rep, path, pe.field, "%s", pe.msg);
                continue;
            }
            if (en->tx.type != POUW_TX_TRANSFER) {
                note(rep, path, "type", "only transfers belong in the mempool");
                continue;
            }
            if ((st = pouw_tx_id(en->id, &en->tx)) != POUW_OK) { /* a transfer always encodes */
                cs = st == POUW_ENOMEM ? CHAIN_ENOMEM : CHAIN_EIO;
                common_error_set(err, cs, path, "", "transaction id: %s", pouw_status_str(st));
                break;
            }
            if (memcmp(en->id, want, 32) != 0) {
                pouw_hex_encode(hex, en->id, 32);
                note(rep, path, "", "the file holds transaction %s, not the one of its name", hex);
                continue;
            }
            en->check = pouw_tx_check(&en->tx, chain_id);
            if (en->check == POUW_ENOMEM) {
                cs = CHAIN_ENOMEM;
                break;
            }
            if (en->check != POUW_OK && !keep_invalid) {
                pouw_reason r = pouw_reason_of_transfer(en->check);
                note(rep, path, "", "%s: %s", pouw_reason_name(r), pouw_status_str(en->check));
                continue;
            }
            (*n)++;
        }
    }
    for (size_t k = 0; k < nn; k++)
        free(names[k]);
    free(names);
    if (cs != CHAIN_OK) {
        free(*out);
        *out = NULL;
        *n = 0;
        if (cs == CHAIN_ENOMEM)
            return oom(err, dir);
        return cs;
    }
    if (*n == 0) {
        free(*out);
        *out = NULL;
    }
    return CHAIN_OK;
}

/* Turns what scan ignored into a notice in err (code 0), if anything was. */
static void notice(common_error *err, const chain_mempool_report *rep)
{
    if (!err || rep->ignored == 0)
        return;
    common_error_set(err, CHAIN_OK, rep->first.path, rep->first.field, "ignored %zu unusable mempool file%s; first: %s",
                  rep->ignored, rep->ignored == 1 ? "" : "s", rep->first.msg);
}

/* Order: sender, sequence, fee (highest first), id. */
static int by_sender(const void *pa, const void *pb)
{
    const entry *a = pa, *b = pb;
    int c = memcmp(a->tx.from, b->tx.from, 32);
    if (c)
        return c;
    if (a->tx.sequence != b->tx.sequence)
        return a->tx.sequence < b->tx.sequence ? -1 : 1;
    if (a->tx.fee != b->tx.fee)
        return a->tx.fee > b->tx.fee ? -1 : 1;
    return memcmp(a->id, b->id, 32);
}

static int by_id(const void *pa, const void *pb)
{
    return memcmp(((const entry *)pa)->id, ((const entry *)pb)->id, 32);
}

/* ---------------------------------------------------------------- writing */

/* Holds DIR/<chain>/mempool.lock exclusively until unlock(fd). Returns the fd,
 * or -1 (err filled). */
static int lock(common_error *err, const char *chaindir)
{
    char path[CHAIN_PATH_MAX];
    if (path_join(path, sizeof path, chaindir, "mempool.lock")) {
        common_error_set(err, CHAIN_EIO, chaindir, "", "path too long");
        return -1;
    }
    int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (fd < 0) {
        common_error_set(err, CHAIN_EIO, path, "", "cannot open the mempool lock: %s", strerror(errno));
        return -1;
    }
    while (flock(fd, LOCK_EX) != 0) {
        if (errno == EINTR)
            continue;
        common_error_set(err, CHAIN_EIO, path, "", "cannot lock the mempool: %s", strerror(errno));
        close(fd);
        return -1;
    }
    return fd;
}

static void unlock(int fd)
{
    if (fd >= 0)
        close(fd); /* releases the flock */
}

/* The path of transaction id's file. */
static int tx_path(char *out, size_t cap, const char *chaindir, const uint8_t id[32])
{
    char hex[POUW_SHA256_HEX];
    pouw_hex_encode(hex, id, 32);
    int n = snprintf(out, cap, "%s/mempool/%s.json", chaindir, hex);
    return n < 0 || (size_t)n >= cap ? -1 : 0;
}

/* Writes tx (checked) as its file unless the file exists. */
static chain_status write_tx(common_error *err, const char *chaindir, const pouw_tx *tx, const uint8_t id[32])
{
    char path[CHAIN_PATH_MAX], dir[CHAIN_PATH_MAX];
    if (tx_path(path, sizeof path, chaindir, id) || path_join(dir, sizeof dir, chaindir, "mempool"))
        return (chain_status)common_error_set(err, CHAIN_EIO, chaindir, "", "path too long");
    struct stat sb;
    if (stat(path, &sb) == 0)
        return CHAIN_OK; /* already there: the same name holds the same bytes */
    chain_status cs = chain_mkdirs(err, dir, 0);
    if (cs != CHAIN_OK)
        return cs;
    char *json;
    size_t len;
    pouw_status st = pouw_tx_to_json(&json, &len, tx);
    if (st != POUW_OK)
        return (chain_status)common_error_set(err, from_pouw(st), path, "", "cannot write the transfer: %s",
                                           pouw_status_str(st));
    common_buf b = {json, len, len + 1, 0};
    int rc = common_buf_write_file(&b, path);
    int e = errno;
    free(json);
    if (rc != 0)
        return (chain_status)common_error_set(err, CHAIN_EIO, path, "", "cannot write: %s", strerror(e));
    return CHAIN_OK;
}

/* ---------------------------------------------------------------- checks */

/* Refuses tx with the reason of status st (err: field and "reason: detail"). */
static chain_status refuse(common_error *err, const char *chaindir, pouw_status st, const pouw_tx *tx, uint32_t chain_id,
                           const pouw_ledger *l)
{
    pouw_reason r = pouw_reason_of_transfer(st);
    const char *name = pouw_reason_name(r);
    switch (st) {
    case POUW_EBADSIG:
        common_error_set(err, CHAIN_EINVALID, chaindir, "signature", "%s: the signature is not the sender's over this "
                      "transfer", name);
        break;
    case POUW_ECHAIN:
        common_error_set(err, CHAIN_EINVALID, chaindir, "chain_id", "%s: a transfer signed for chain %" PRIu32
                      ", this is chain %" PRIu32, name, tx->chain_id, chain_id);
        break;
    case POUW_ESEQUENCE: {
        uint64_t next = l ? pouw_ledger_sequence(l, tx->from) : 0;
        if (tx->sequence < next)
            common_error_set(err, CHAIN_EINVALID, chaindir, "sequence", "%s: sequence %" PRIu64
                          " is already used (the sender's next is %" PRIu64 "): a replay", name, tx->sequence, next);
        else
            common_error_set(err, CHAIN_EINVALID, chaindir, "sequence", "%s: sequence %" PRIu64
                          ", but the sender's next is %" PRIu64 " and no pending transfer fills the gap", name,
                          tx->sequence, next);
        break;
    }
    case POUW_EFUNDS:
        common_error_set(err, CHAIN_EINVALID, chaindir, "amount", "%s: amount %" PRId64 " + fee %" PRId64
                      " exceeds the sender's balance %" PRId64, name, tx->amount, tx->fee,
                      l ? pouw_ledger_balance(l, tx->from) : 0);
        break;
    case POUW_ERANGE:
        common_error_set(err, CHAIN_EINVALID, chaindir,
                      tx->fee > POUW_AMOUNT_MAX && tx->amount <= POUW_AMOUNT_MAX ? "fee"
                      : tx->amount > POUW_AMOUNT_MAX || tx->fee > POUW_AMOUNT_MAX - tx->amount ? "amount"
                                                                                                : "sequence",
                      "%s: amount %" PRId64 ", fee %" PRId64 " or sequence %" PRIu64
                      " would take a sum, a balance or a sequence beyond %" PRId64, name, tx->amount, tx->fee,
                      tx->sequence, POUW_AMOUNT_MAX);
        break;
    default:
        common_error_set(err, CHAIN_EINVALID, chaindir,
                      tx->type != POUW_TX_TRANSFER ? "type" : tx->amount < 1 ? "amount" : "fee", "%s: %s", name,
                      tx->type != POUW_TX_TRANSFER ? "only signed transfers enter the mempool"
                                                   : "a transfer moves at least 1 coin and pays a fee of at least 0");
        break;
    }
    return CHAIN_EINVALID;
}

/* tx spendable on tip after the sender's pending transfers of the sequences in
 * between (see chain_mempool_add). */
static chain_status check_spendable(common_error *err, const char *chaindir, uint32_t chain_id, const pouw_tx *tx,
                                    const uint8_t id[32], const pouw_ledger *tip)
{
    uint64_t next = pouw_ledger_sequence(tip, tx->from);
    if (tx->sequence < next)
        return refuse(err, chaindir, POUW_ESEQUENCE, tx, chain_id, tip);
    entry *es = NULL;
    size_t n = 0;
    chain_mempool_report rep;
    chain_status cs = CHAIN_OK;
    if (tx->sequence > next && (cs = scan(&es, &n, &rep, err, chaindir, chain_id, 0)) != CHAIN_OK)
        return cs;
    size_t m = 0; /* the sender's pending transfers, other than tx, in (sequence, fee, id) order */
    for (size_t k = 0; k < n; k++)
        if (memcmp(es[k].tx.from, tx->from, 32) == 0 && memcmp(es[k].id, id, 32) != 0)
            es[m++] = es[k];
    if (m > 1)
        qsort(es, m, sizeof *es, by_sender);
    pouw_ledger l = {0};
    pouw_status st = pouw_ledger_copy(&l, tip);
    size_t k = 0;
    while (st == POUW_OK && next < tx->sequence) {
        while (k < m && es[k].tx.sequence < next)
            k++;
        int done = 0;
        for (; k < m && es[k].tx.sequence == next && !done; k++)
            done = pouw_ledger_apply_tx(&l, &es[k].tx, chain_id, NULL) == POUW_OK;
        if (!done) {
            cs = refuse(err, chaindir, POUW_ESEQUENCE, tx, chain_id, &l);
            break;
        }
        next++;
    }
    if (st == POUW_OK && cs == CHAIN_OK) {
        st = pouw_ledger_check_tx(&l, tx, chain_id, NULL);
        if (st != POUW_OK && st != POUW_ENOMEM)
            cs = refuse(err, chaindir, st, tx, chain_id, &l);
    }
    if (st == POUW_ENOMEM)
        cs = oom(err, chaindir);
    pouw_ledger_clear(&l);
    free(es);
    return cs;
}

/* ---------------------------------------------------------------- the contract */

chain_status chain_mempool_add(common_error *err, const char *chaindir, const pouw_tx *tx, const pouw_ledger *tip_ledger)
{
    assert(chaindir && tx);
    common_error_clear(err);
    uint32_t chain_id;
    chain_status cs = folder_chain(&chain_id, err, chaindir);
    if (cs != CHAIN_OK)
        return cs;
    pouw_status st = pouw_tx_check(tx, chain_id);
    if (st == POUW_ENOMEM)
        return oom(err, chaindir);
    if (st != POUW_OK)
        return refuse(err, chaindir, st, tx, chain_id, NULL);
    uint8_t id[32];
    char path[CHAIN_PATH_MAX];
    if ((st = pouw_tx_id(id, tx)) != POUW_OK)
        return (chain_status)common_error_set(err, from_pouw(st), chaindir, "", "transaction id: %s", pouw_status_str(st));
    struct stat sb;
    if (tx_path(path, sizeof path, chaindir, id) == 0 && stat(path, &sb) == 0)
        return CHAIN_OK; /* already present */
    if (tip_ledger && (cs = check_spendable(err, chaindir, chain_id, tx, id, tip_ledger)) != CHAIN_OK)
        return cs;
    int fd = lock(err, chaindir);
    if (fd < 0)
        return CHAIN_EIO;
    cs = write_tx(err, chaindir, tx, id);
    unlock(fd);
    return cs;
}

chain_status chain_mempool_list(pouw_tx **txs, size_t *n, chain_mempool_report *report, common_error *err,
                                const char *chaindir)
{
    assert(txs && n && chaindir);
    *txs = NULL;
    *n = 0;
    common_error_clear(err);
    chain_mempool_report rep;
    memset(&rep, 0, sizeof rep);
    if (report)
        memset(report, 0, sizeof *report);
    uint32_t chain_id;
    chain_status cs = folder_chain(&chain_id, err, chaindir);
    entry *es = NULL;
    size_t m = 0;
    if (cs == CHAIN_OK)
        cs = scan(&es, &m, &rep, err, chaindir, chain_id, 0);
    if (cs != CHAIN_OK)
        return cs;
    if (report)
        *report = rep;
    if (m == 0)
        return CHAIN_OK;
    qsort(es, m, sizeof *es, by_id);
    pouw_tx *out = malloc(m * sizeof *out);
    if (!out) {
        free(es);
        return oom(err, chaindir);
    }
    for (size_t k = 0; k < m; k++)
        out[k] = es[k].tx;
    free(es);
    *txs = out;
    *n = m;
    return CHAIN_OK;
}

chain_status chain_mempool_next_sequence(uint64_t *seq, common_error *err, const char *chaindir,
                                         const pouw_ledger *tip_ledger, const uint8_t from[POUW_ACCOUNT_BYTES])
{
    assert(seq && chaindir && tip_ledger && from);
    *seq = 0;
    pouw_tx *txs;
    size_t n;
    chain_status cs = chain_mempool_list(&txs, &n, NULL, err, chaindir);
    if (cs != CHAIN_OK)
        return cs;
    uint64_t s = pouw_ledger_sequence(tip_ledger, from);
    for (int found = 1; found;) { /* n is small; each round finds the next sequence or stops */
        found = 0;
        for (size_t k = 0; k < n && !found; k++)
            found = memcmp(txs[k].from, from, 32) == 0 && txs[k].sequence == s;
        if (found)
            s++;
    }
    free(txs);
    *seq = s;
    return CHAIN_OK;
}

/* A sender's transfers in the selection: entries [start, end) of the sorted
 * list, a cursor at the first not yet passed, and its current candidate. */
typedef struct group {
    size_t start, end, cur;
    long cand; /* index of the candidate, -1 none */
    int dirty;
} group;

/* The sender's applicable transfer with its next sequence on l (the first in
 * fee, id order), or -1. */
static long candidate(group *g, const entry *es, const pouw_ledger *l)
{
    uint64_t next = pouw_ledger_sequence(l, es[g->start].tx.from);
    while (g->cur < g->end && es[g->cur].tx.sequence < next)
        g->cur++;
    for (size_t k = g->cur; k < g->end && es[k].tx.sequence == next; k++)
        if (pouw_ledger_check_spend(l, &es[k].tx, NULL) == POUW_OK)
            return (long)k;
    return -1;
}

chain_status chain_mempool_select(pouw_tx **txs, size_t *n, common_error *err, const char *chaindir,
                                  const pouw_ledger *tip_ledger, size_t max)
{
    assert(txs && n && chaindir && tip_ledger);
    *txs = NULL;
    *n = 0;
    common_error_clear(err);
    uint32_t chain_id;
    chain_status cs = folder_chain(&chain_id, err, chaindir);
    entry *es = NULL;
    size_t m = 0;
    chain_mempool_report rep;
    memset(&rep, 0, sizeof rep);
    if (cs == CHAIN_OK)
        cs = scan(&es, &m, &rep, err, chaindir, chain_id, 0);
    if (cs != CHAIN_OK)
        return cs;
    if (m == 0 || max == 0) {
        free(es);
        notice(err, &rep);
        return CHAIN_OK;
    }
    qsort(es, m, sizeof *es, by_sender);
    group *gs = malloc(m * sizeof *gs);
    pouw_tx *out = malloc((max < m ? max : m) * sizeof *out);
    pouw_ledger l = {0};
    size_t ng = 0, k = 0;
    pouw_status st = gs && out ? pouw_ledger_copy(&l, tip_ledger) : POUW_ENOMEM;
    while (st == POUW_OK && k < m) {
        size_t e = k + 1;
        while (e < m && memcmp(es[e].tx.from, es[k].tx.from, 32) == 0)
            e++;
        gs[ng++] = (group){k, e, k, -1, 1};
        k = e;
    }
    size_t chosen = 0;
    while (st == POUW_OK && chosen < max) {
        long best = -1;
        size_t bg = 0;
        for (size_t g = 0; g < ng; g++) {
            if (gs[g].dirty) {
                gs[g].cand = candidate(&gs[g], es, &l);
                gs[g].dirty = 0;
            }
            long c = gs[g].cand;
            if (c >= 0 && (best < 0 || es[c].tx.fee > es[best].tx.fee ||
                           (es[c].tx.fee == es[best].tx.fee && memcmp(es[c].id, es[best].id, 32) < 0))) {
                best = c;
                bg = g;
            }
        }
        if (best < 0)
            break;
        const pouw_tx *t = &es[best].tx;
        st = pouw_ledger_apply_tx(&l, t, chain_id, NULL);
        if (st != POUW_OK && st != POUW_ENOMEM) { /* cannot happen: checked just before */
            gs[bg].cand = -1;
            st = POUW_OK;
            continue;
        }
        if (st != POUW_OK)
            break;
        out[chosen++] = *t;
        gs[bg].dirty = 1;
        gs[bg].cur = (size_t)best + 1;
        /* the recipient's transfers may now be affordable */
        for (size_t g = 0; g < ng; g++)
            if (memcmp(es[gs[g].start].tx.from, t->to, 32) == 0)
                gs[g].dirty = 1;
    }
    pouw_ledger_clear(&l);
    free(gs);
    free(es);
    if (st != POUW_OK) {
        free(out);
        return oom(err, chaindir);
    }
    if (chosen == 0) {
        free(out);
        out = NULL;
    }
    *txs = out;
    *n = chosen;
    notice(err, &rep);
    return CHAIN_OK;
}

chain_status chain_mempool_return(common_error *err, const char *chaindir, const pouw_tx *txs, size_t n)
{
    assert(chaindir && (txs || n == 0));
    common_error_clear(err);
    uint32_t chain_id;
    chain_status cs = folder_chain(&chain_id, err, chaindir);
    if (cs != CHAIN_OK)
        return cs;
    int fd = lock(err, chaindir);
    if (fd < 0)
        return CHAIN_EIO;
    chain_status first = CHAIN_OK;
    for (size_t k = 0; k < n; k++) {
        if (txs[k].type == POUW_TX_COINBASE)
            continue;
        pouw_status st = pouw_tx_check(&txs[k], chain_id);
        uint8_t id[32];
        if (st == POUW_OK)
            st = pouw_tx_id(id, &txs[k]);
        if (st == POUW_ENOMEM) {
            cs = oom(err, chaindir);
        } else if (st != POUW_OK) {
            common_error e;
            cs = refuse(&e, chaindir, st, &txs[k], chain_id, NULL);
            if (first == CHAIN_OK && err)
                *err = e;
        } else {
            common_error e;
            cs = write_tx(&e, chaindir, &txs[k], id);
            if (cs != CHAIN_OK && first == CHAIN_OK && err)
                *err = e;
        }
        if (cs != CHAIN_OK && first == CHAIN_OK)
            first = cs;
        if (cs == CHAIN_ENOMEM)
            break;
    }
    unlock(fd);
    return first;
}

chain_status chain_mempool_prune(size_t *removed, common_error *err, const char *chaindir, const pouw_ledger *tip_ledger)
{
    assert(chaindir && tip_ledger);
    if (removed)
        *removed = 0;
    common_error_clear(err);
    uint32_t chain_id;
    chain_status cs = folder_chain(&chain_id, err, chaindir);
    if (cs != CHAIN_OK)
        return cs;
    int fd = lock(err, chaindir);
    if (fd < 0)
        return CHAIN_EIO;
    entry *es = NULL;
    size_t m = 0;
    chain_mempool_report rep;
    cs = scan(&es, &m, &rep, err, chaindir, chain_id, 1);
    for (size_t k = 0; cs == CHAIN_OK && k < m; k++) {
        if (es[k].check == POUW_OK && es[k].tx.sequence >= pouw_ledger_sequence(tip_ledger, es[k].tx.from))
            continue;
        char path[CHAIN_PATH_MAX];
        if (tx_path(path, sizeof path, chaindir, es[k].id) != 0)
            continue;
        if (unlink(path) == 0) {
            if (removed)
                (*removed)++;
        } else if (errno != ENOENT) {
            cs = (chain_status)common_error_set(err, CHAIN_EIO, path, "", "cannot remove: %s", strerror(errno));
        }
    }
    unlock(fd);
    free(es);
    if (cs == CHAIN_OK)
        notice(err, &rep);
    return cs;
}
