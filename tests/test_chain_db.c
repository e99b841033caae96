/* tests/test_chain_db.c - must-show items of the SQLite store (issue 8) that need
 * processes or volume: 20 concurrent `chain send` from one sender are all
 * applied (distinct sequences, none lost, all in the next block); a ledger of
 * 10,000 accounts does not change what a block may hold (the stored block and
 * its ledger differences stay the size of its transfers). The hostile data
 * directories (a FIFO or a folder named chains.db or a key file, a corrupt
 * database, `pouw mine --time-ms` far ahead, the export/submit round trip) are
 * in tests/cli/run.sh, where the programs' one-line errors and exit codes are
 * checked. */
#include <criterion/criterion.h>

#include <sqlite3.h>
#include <sys/stat.h>

#include "tests/chain_testkit.h"

#define SENDS 20

static void key_file(const char *path, uint8_t seed_byte, pouw_key *k)
{
    char text[256], hex[65];
    uint8_t seed[32];
    memset(seed, seed_byte, 32);
    pouw_hex_encode(hex, seed, 32);
    snprintf(text, sizeof text, "ed25519-private %s\nlabel sender\n", hex);
    FILE *f = fopen(path, "wb");
    cr_assert_not_null(f, "%s", path);
    fputs(text, f);
    fclose(f);
    chmod(path, 0600);
    cr_assert_eq(pouw_key_from_seed(k, seed), POUW_OK);
}

Test(chain_db, twenty_concurrent_chain_sends_from_one_sender_are_all_applied, .timeout = 180)
{
    char dir[256], data[300], keyf[400], chain[512], cmd[8192];
    tk_tmpdir(dir);
    tk_bin(chain, sizeof chain, "chain");
    snprintf(data, sizeof data, "%s/data", dir);
    snprintf(keyf, sizeof keyf, "%s/alice.key", dir);
    cr_assert_eq(mkdir(data, 0755), 0);
    pouw_key alice;
    key_file(keyf, 0x5c, &alice);
    const chain_params *p = chain_testnet_by_name("alpha");
    chain_store *s;
    tk_open(&s, data, p);
    pouw_block b;
    pouw_block_init(&b);
    tk_mine(s, &b, alice.pub); /* alice holds the reward */
    int64_t funds = pouw_ledger_balance(&b.ledger, alice.pub);
    cr_assert_geq(funds, SENDS * 11 * CHAIN_COIN);
    uint8_t other[32];
    memset(other, 0x3c, 32);
    tk_mine(s, &b, other); /* block 2 to someone else: alice's reward is spendable at height 3 (maturity 2) */
    uint8_t to[32];
    memset(to, 0x3b, 32);
    char hto[65];
    pouw_hex_encode(hto, to, 32);
    /* all at once, from the shell: SENDS processes */
    snprintf(cmd, sizeof cmd,
             "cd %s && for i in $(seq %d); do (%s send --testnet --data %s --chain alpha --to %s --amount 10 --fee 1 "
             "--key %s >o.$i 2>e.$i; echo $? >rc.$i) & done; wait",
             dir, SENDS, chain, data, hto, keyf);
    cr_assert_eq(system(cmd), 0);
    int applied = 0;
    for (int i = 1; i <= SENDS; i++) {
        char f[400];
        snprintf(f, sizeof f, "%s/rc.%d", dir, i);
        char *rc = ck_slurp(f);
        snprintf(f, sizeof f, "%s/e.%d", dir, i);
        char *e = ck_slurp(f);
        if (atoi(rc) == 0) {
            applied++;
        } else {
            /* refused: with a reason, on one line */
            cr_assert_eq(atoi(rc), 1, "send %d: exit %s: %s", i, rc, e);
            cr_assert_neq(strstr(e, "rejected ("), NULL, "send %d: %s", i, e);
        }
        free(rc);
        free(e);
    }
    cr_assert_eq(applied, SENDS, "the balance covers all of them: none may be refused or lost");
    pouw_tx *txs;
    size_t n;
    common_error err;
    cr_assert_eq(chain_store_tx_list(&txs, &n, &err, s), CHAIN_OK, "%s", err.msg);
    cr_assert_eq(n, (size_t)applied, "every applied send is pending");
    int seen[SENDS] = {0};
    for (size_t k = 0; k < n; k++) {
        cr_assert_lt(txs[k].sequence, SENDS);
        cr_assert(!seen[txs[k].sequence], "sequence %llu twice", (unsigned long long)txs[k].sequence);
        seen[txs[k].sequence] = 1;
    }
    free(txs);
    tk_mine(s, &b, alice.pub);
    cr_assert_eq(b.n_txs, 1 + (size_t)SENDS, "the next block takes all of them");
    cr_assert_eq(pouw_ledger_balance(&b.ledger, to), 10 * SENDS * CHAIN_COIN, "10 coins each");
    cr_assert_eq(pouw_ledger_sequence(&b.ledger, alice.pub), SENDS);
    pouw_block_clear(&b);
    pouw_key_clear(&alice);
    chain_store_close(s);
    tk_rmrf(dir);
}

/* length(doc) of block id and its rows in the ledger table. */
static void stored_size(const char *dir, const char *chain, const uint8_t id[32], long *doc, long *rows)
{
    char path[600];
    snprintf(path, sizeof path, "%s/%s", dir, CHAIN_STORE_FILE);
    sqlite3 *db = NULL;
    cr_assert_eq(sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
    sqlite3_busy_timeout(db, 30000);
    sqlite3_stmt *st;
    cr_assert_eq(sqlite3_prepare_v2(db,
                                    "SELECT length(doc), (SELECT count(*) FROM ledger WHERE chain=?1 AND block=?2)"
                                    " FROM blocks WHERE chain=?1 AND id=?2",
                                    -1, &st, NULL),
                 SQLITE_OK, "%s", sqlite3_errmsg(db));
    sqlite3_bind_text(st, 1, chain, -1, SQLITE_TRANSIENT);
    sqlite3_bind_blob(st, 2, id, 32, SQLITE_TRANSIENT);
    cr_assert_eq(sqlite3_step(st), SQLITE_ROW);
    *doc = (long)sqlite3_column_int64(st, 0);
    *rows = (long)sqlite3_column_int64(st, 1);
    sqlite3_finalize(st);
    sqlite3_close(db);
}

#define SENDERS 10
#define PER 1000

Test(chain_db, a_ledger_of_ten_thousand_accounts_does_not_change_what_a_block_may_hold, .timeout = 600)
{
    char dir[256];
    tk_tmpdir(dir);
    chain_params p = ck_params("big", 60, 0, 60);
    chain_store *s;
    ck_open(&s, dir, &p, NULL);
    pouw_key k[SENDERS];
    pouw_block b;
    pouw_block_init(&b);
    for (int i = 0; i < SENDERS; i++) {
        tk_key(&k[i], (uint8_t)(0x30 + i));
        ck_mine(s, &b, k[i].pub, 60000, NULL);
    }
    pouw_block_clear(&b);
    pouw_tx *t = calloc(PER, sizeof *t);
    cr_assert_not_null(t);
    long doc_first = 0, rows_first = 0, doc_last = 0, rows_last = 0;
    common_error err;
    /* each sender pays 1 coin (min_new_account) to PER new accounts, one block each */
    for (int i = 0; i < SENDERS; i++) {
        for (int j = 0; j < PER; j++) {
            uint8_t to[32];
            memset(to, 0x99, 32);
            to[0] = (uint8_t)i;
            to[1] = (uint8_t)(j >> 8);
            to[2] = (uint8_t)j;
            t[j] = ck_transfer(&p, &k[i], to, CHAIN_COIN, 0 + (uint64_t)j, 0);
        }
        uint8_t tip[32];
        chain_store_tip_id(tip, s);
        ck_forge_opts o;
        memset(&o, 0, sizeof o);
        o.transfers = t;
        o.n_transfers = PER;
        pouw_block f;
        ck_forge(&f, s, tip, k[i].pub, &o);
        chain_store_add_result res;
        pouw_reason r;
        cr_assert_eq(chain_store_add(s, &res, &r, &err, &f), CHAIN_OK, "block %d: %s: %s", i, err.field, err.msg);
        cr_assert(res.best);
        if (i == 0)
            stored_size(dir, p.name, f.post_hash, &doc_first, &rows_first);
        if (i == SENDERS - 1)
            stored_size(dir, p.name, f.post_hash, &doc_last, &rows_last);
        pouw_block_clear(&f);
    }
    pouw_ledger l = {0};
    uint8_t tip[32];
    chain_store_tip_id(tip, s);
    cr_assert_eq(chain_store_ledger(&l, &err, s, tip), CHAIN_OK, "%s", err.msg);
    cr_assert_geq(l.n, (size_t)(SENDERS * PER), "%zu accounts", l.n);
    fprintf(stderr, "chain_db: a block of %d transfers: %ld document bytes, %ld ledger rows on 10 accounts; %ld bytes, "
                    "%ld rows on %zu accounts\n", PER, doc_first, rows_first, doc_last, rows_last, l.n);
    pouw_ledger_clear(&l);
    /* the block with 10,000 accounts below it is stored as small as the first one:
     * its document without the ledger, and only the accounts it changed */
    cr_assert_leq(rows_last, PER + 2, "ledger rows of the last block: %ld", rows_last);
    cr_assert_leq(rows_first, PER + 2);
    cr_assert_lt(doc_last, doc_first + doc_first / 20, "document %ld bytes vs %ld", doc_last, doc_first);
    /* and a miner still fills a block with the mempool's transfers as before */
    pouw_key rich;
    tk_key(&rich, 0x3f);
    pouw_block m;
    pouw_block_init(&m);
    ck_mine(s, &m, rich.pub, 60000, NULL);
    ck_mine(s, &m, k[0].pub, 60000, NULL); /* rich's reward matures (maturity 2) */
    for (int j = 0; j < 50; j++) {
        uint8_t to[32];
        memset(to, 0x55, 32);
        to[0] = (uint8_t)j;
        pouw_tx x = ck_transfer(&p, &rich, to, CHAIN_COIN, (uint64_t)j, 1);
        cr_assert_eq(chain_store_tx_add(s, NULL, &err, &x), CHAIN_OK, "%d: %s", j, err.msg);
    }
    ck_mine(s, &m, rich.pub, 60000, NULL);
    cr_assert_eq(m.n_txs, 51, "all 50 pending transfers in the block");
    cr_assert_eq(ck_ledger_sum(&m.ledger), p.reward * (int64_t)m.header.height);
    pouw_block_clear(&m);
    pouw_key_clear(&rich);
    for (int i = 0; i < SENDERS; i++)
        pouw_key_clear(&k[i]);
    free(t);
    chain_store_close(s);
    tk_rmrf(dir);
}
