/* tests/test_chain_rogue.c - rogue miners are locked out (economy.md s3, seed 000
 * "Malicious Agents").
 *
 * Must-show 5: on a TestAlphaCoin store, each kind of invalid block - bad proofs
 * (a session digest, a score), a forged or altered transfer signature, an invalid
 * ledger (a richer ledger, a larger coinbase), wrong targets (an easier
 * threshold, an easier pre-hash target), a timestamp far ahead, a parent that is
 * invalid or unknown - is offered with `bin/pouw submit` (exit 1, the reason on
 * stderr) and to the store itself (CHAIN_EINVALID with that reason), never
 * enters the store's best chain, and the honest chain continues. A rogue that
 * writes a block file straight into the folder is found out by every reader. */
#include <criterion/criterion.h>

#include "tests/chain_testkit.h"

typedef struct rogue {
    const char *name;
    pouw_block b;
    pouw_reason reason;
    const char *words; /* in the CLI's message */
} rogue;

Test(chain_rogue, every_kind_of_invalid_block_is_refused_with_its_reason, .timeout = 240)
{
    char dir[256], pouw[512], cmd[2048], file[600], o[600], e[600];
    tk_bin(pouw, sizeof pouw, "pouw");
    tk_tmpdir(dir);
    snprintf(o, sizeof o, "%s/o", dir);
    snprintf(e, sizeof e, "%s/e", dir);
    const chain_params *p = chain_testnet_by_name("alpha");
    uint64_t now = ck_wall_ms();
    chain_store *s;
    chain_v1_verifier v = {2, ck_fixed_ms, &now};
    ck_open(&s, dir, p, &v);
    pouw_key honest, thief;
    tk_key(&honest, 0x11);
    tk_key(&thief, 0x66);
    pouw_block blk;
    pouw_block_init(&blk);
    for (int i = 0; i < 3; i++) /* on target: the targets stay the genesis ones */
        ck_mine(s, &blk, honest.pub, 1000, NULL);
    uint8_t tip[32];
    tk_id(tip, s, 3);
    uint64_t t_next = tk_time(s, 3) + 1000;
    ck_forge_opts fo;

    rogue r[12];
    size_t n = 0;
    memset(r, 0, sizeof r);
    /* bad proofs: a session digest, the score */
    ck_forge(&r[n].b, s, tip, thief.pub, NULL);
    r[n].b.proof[0].digest[5] ^= 0x10;
    r[n].name = "a session digest that is not the re-run's";
    r[n].reason = POUW_R_SESSION_DIGEST;
    r[n++].words = "rejected (session_digest): proof.sessions[0].d";
    ck_forge(&r[n].b, s, tip, thief.pub, NULL);
    r[n].b.pps_micro += 1;
    r[n].name = "a score that does not recompute";
    r[n].reason = POUW_R_PPS_MICRO;
    r[n++].words = "rejected (pps_micro)";
    /* signatures: a transfer from the honest account signed by the thief; an
     * honest transfer altered after signing */
    pouw_tx forged = pouw_tx_transfer(p->chain_id, honest.pub, thief.pub, 1500, 0, 0);
    cr_assert_eq(pouw_tx_sign(&thief, &forged), POUW_OK);
    memcpy(forged.from, honest.pub, 32); /* claims to be the honest account */
    memset(&fo, 0, sizeof fo);
    fo.transfers = &forged;
    fo.n_transfers = 1;
    ck_forge(&r[n].b, s, tip, thief.pub, &fo);
    r[n].name = "a transfer the sender did not sign";
    r[n].reason = POUW_R_TX_SIGNATURE;
    r[n++].words = "rejected (tx_signature)";
    pouw_tx altered = ck_transfer(p, &honest, thief.pub, 10, 0, 0);
    altered.amount = 2500;
    fo.transfers = &altered;
    ck_forge(&r[n].b, s, tip, thief.pub, &fo);
    r[n].name = "a signed transfer whose amount was changed";
    r[n].reason = POUW_R_TX_SIGNATURE;
    r[n++].words = "rejected (tx_signature)";
    /* ledgers: richer than the transactions make it; a larger coinbase */
    ck_forge(&r[n].b, s, tip, thief.pub, NULL);
    for (size_t i = 0; i < r[n].b.ledger.n; i++)
        if (!memcmp(r[n].b.ledger.e[i].account, thief.pub, 32))
            r[n].b.ledger.e[i].balance += 5000;
    r[n].name = "a ledger that does not follow from the transactions";
    r[n].reason = POUW_R_LEDGER;
    r[n++].words = "rejected (ledger)";
    ck_forge(&r[n].b, s, tip, thief.pub, NULL);
    r[n].b.txs[0].amount = 2000;
    cr_assert_eq(pouw_tx_root(r[n].b.header.tx_root, NULL, r[n].b.txs, 1), POUW_OK); /* breaks the proof too */
    tk_redo_prehash(&r[n].b); /* past the pre-hash stage (s11.7) */
    r[n].name = "a coinbase of twice the reward";
    r[n].reason = POUW_R_COINBASE_AMOUNT;
    r[n++].words = "rejected (coinbase_amount)";
    /* targets: an easier threshold, an easier pre-hash target (real work on them) */
    memset(&fo, 0, sizeof fo);
    fo.set_threshold = 1;
    fo.threshold = p->genesis_req.pps_threshold_micro - 1000000; /* an easier floor */
    ck_forge(&r[n].b, s, tip, thief.pub, &fo);
    r[n].name = "an easier usefulness floor than the chain's";
    r[n].reason = POUW_R_THRESHOLD;
    r[n++].words = "rejected (threshold)";
    memset(&fo, 0, sizeof fo);
    fo.set_bits = 1;
    fo.bits = 0x2100ffff;
    ck_forge(&r[n].b, s, tip, thief.pub, &fo);
    r[n].name = "an easier pre-hash target than the rule demands";
    r[n].reason = POUW_R_PREHASH_BITS;
    r[n++].words = "rejected (prehash_bits)";
    /* time: three hours ahead of every clock */
    memset(&fo, 0, sizeof fo);
    fo.time_ms = now + 3 * 3600 * 1000ull;
    ck_forge(&r[n].b, s, tip, thief.pub, &fo);
    r[n].name = "a timestamp three hours ahead";
    r[n].reason = POUW_R_TIME_FUTURE;
    r[n++].words = "ahead of the verifier's clock"; /* not yet: nothing stored, it may be offered later */
    /* parents: one that is not in the store; the child of a bad block */
    pouw_block ghost;
    ck_forge(&ghost, s, tip, thief.pub, NULL);
    ghost.post_hash[0] ^= 1; /* a parent nobody has */
    memset(&fo, 0, sizeof fo);
    fo.time_ms = t_next + 1000;
    ck_forge(&r[n].b, s, tip, thief.pub, &fo);
    memcpy(r[n].b.header.prev_hash, ghost.post_hash, 32);
    tk_redo_prehash(&r[n].b);
    r[n].name = "a block on a parent the store does not have";
    r[n].reason = POUW_R_UNKNOWN_PARENT;
    r[n++].words = "rejected (unknown_parent): header.prev_hash";
    pouw_block_clear(&ghost);

    for (size_t i = 0; i < n; i++) {
        snprintf(file, sizeof file, "%s/rogue%zu.json", dir, i);
        common_error err;
        cr_assert_eq(pouw_block_save(&r[i].b, &err, file), POUW_OK);
        snprintf(cmd, sizeof cmd, "%s submit --testnet --data %s %s", pouw, dir, file);
        int orphan = r[i].reason == POUW_R_UNKNOWN_PARENT;
        cr_assert_eq(ck_run(cmd, o, e), orphan ? 0 : 1, "%s: not refused by pouw submit", r[i].name);
        char *t = ck_slurp(orphan ? o : e);
        if (orphan) /* not invalid: kept (bounded) until its parent comes, never believed */
            cr_assert_neq(strstr(t, "kept as an orphan"), NULL, "%s: %s", r[i].name, t);
        else {
            cr_assert_neq(strstr(t, r[i].words), NULL, "%s: %s", r[i].name, t);
            cr_assert_neq(strstr(t, file), NULL, "the message names the file: %s", t);
        }
        free(t);
        pouw_reason why;
        chain_status cs = chain_store_add(s, NULL, &why, &err, &r[i].b);
        if (orphan)
            cr_assert_eq(cs, CHAIN_EORPHAN, "%s", r[i].name);
        else if (r[i].reason == POUW_R_TIME_FUTURE) /* not yet: a copy-only rejection, nothing stored */
            cr_assert_eq(cs, CHAIN_EMALFORMED, "%s: %d", r[i].name, cs);
        else if (pouw_reason_kind_of(r[i].reason) == POUW_KIND_COPY) { /* s11.7: a wrong copy, nothing recorded */
            cr_assert_eq(cs, CHAIN_EMALFORMED, "%s: %d", r[i].name, cs);
            cr_assert_eq(why, r[i].reason, "%s: %s (%s)", r[i].name, pouw_reason_name(why), err.msg);
            /* (its id may carry another rogue's verdict: r[0] forged the same header) */
        } else {
            cr_assert_eq(cs, CHAIN_EINVALID, "%s", r[i].name);
            cr_assert_eq(why, r[i].reason, "%s: %s (%s)", r[i].name, pouw_reason_name(why), err.msg);
        }
        cr_assert_neq(tk_verdict(s, r[i].b.post_hash), CHAIN_VERDICT_VALID, "%s was believed", r[i].name);
        uint64_t at;
        cr_assert(!chain_store_find(&at, s, r[i].b.post_hash), "%s is on the best chain", r[i].name);
    }
    cr_assert_eq(chain_store_tip_height(s), 3, "the best chain is the honest one");
    common_error err;
    char *t;

    /* the honest chain continues: an honest block is accepted by submit, and an
     * honest miner process mines on */
    pouw_block good;
    memset(&fo, 0, sizeof fo);
    fo.time_ms = t_next;
    ck_forge(&good, s, tip, honest.pub, &fo);
    snprintf(file, sizeof file, "%s/good.json", dir);
    cr_assert_eq(pouw_block_save(&good, &err, file), POUW_OK);
    snprintf(cmd, sizeof cmd, "%s submit --testnet --data %s %s", pouw, dir, file);
    cr_assert_eq(ck_run(cmd, o, e), 0);
    t = ck_slurp(o);
    cr_assert_neq(strstr(t, "accepted TestAlphaCoin block 4 id "), NULL, "%s", t);
    cr_assert_neq(strstr(t, ": the best tip"), NULL, "%s", t);
    free(t);
    char key[600];
    snprintf(key, sizeof key, "%s/honest.key", dir);
    FILE *kf = fopen(key, "w");
    cr_assert_not_null(kf);
    fprintf(kf, "ed25519-private %064d\n", 11);
    fclose(kf);
    snprintf(cmd, sizeof cmd, "%s mine --testnet --data %s --chain alpha --blocks 2 --key %s --threads 1", pouw, dir,
             key);
    cr_assert_eq(ck_run(cmd, o, e), 0);
    now = ck_wall_ms(); /* the verifier's clock moves on: test-alpha allows only G/4 = 1.25 s ahead (s11.5) */
    cr_assert_eq(chain_store_refresh(s, &err, NULL), CHAIN_OK);
    t = ck_slurp(e);
    cr_assert_eq(chain_store_tip_height(s), 6, "%s", t);
    free(t);
    for (uint64_t h = 0; h <= 6; h++) {
        uint8_t id[32];
        tk_id(id, s, h);
        for (size_t i = 0; i < n; i++)
            cr_assert_neq(memcmp(id, r[i].b.post_hash, 32), 0);
    }
    /* verify-chain: the best chain is valid, the rejections are on record */
    snprintf(cmd, sizeof cmd, "%s verify-chain --testnet --data %s --chain alpha", pouw, dir);
    cr_assert_eq(ck_run(cmd, o, e), 0);
    t = ck_slurp(o);
    cr_assert_neq(strstr(t, "valid TestAlphaCoin chain: blocks 0..6"), NULL, "%s", t);
    cr_assert_neq(strstr(t, "6000.000000 coins"), NULL, "%s", t);
    cr_assert_neq(strstr(t, "rejected and 1 orphan on record"), NULL, "%s", t);
    free(t);
    /* a rogue with write access that edits a stored block behind the store's back
     * (block 4's score): readers trust verdicts, verify-chain judges again and names it */
    uint8_t b4[32];
    tk_id(b4, s, 4);
    cr_assert_eq(tk_sql(dir, "UPDATE blocks SET doc = CAST(replace(CAST(doc AS TEXT), '\"pps_micro\":' || char(9), "
                             "'\"pps_micro\":' || char(9) || '1') AS BLOB) WHERE id = ?1", b4), 1);
    cr_assert_eq(ck_run(cmd, o, e), 1);
    t = ck_slurp(e);
    cr_assert_neq(strstr(t, "block 4 "), NULL, "%s", t);
    cr_assert_neq(strstr(t, "1 stored block does not hold its stored verdict"), NULL, "%s", t);
    free(t);

    for (size_t i = 0; i < n; i++)
        pouw_block_clear(&r[i].b);
    pouw_block_clear(&good);
    pouw_block_clear(&blk);
    pouw_key_clear(&honest);
    pouw_key_clear(&thief);
    chain_store_close(s);
    tk_rmrf(dir);
}
