/* tests/test_pouw_transfer.c - signed transfers and the ledger rule (pouw/tx.h),
 * their JSON form (pouw/block.h) and their verification in blocks
 * (pouw/verify.h), on the tiny test chain of tests/pouw_testkit.h.
 *
 * Shows: the transfer bytes, signing bytes, signatures and ids equal those of an
 * independent Python implementation (tests/vectors/make_tx_vectors.py), as do the
 * verdicts of the ledger rule on a scenario of every kind of transfer and the
 * ledger it leaves; a signature covers every field, the domain tag and the
 * chain; amounts near 2^63 are refused without wrapping (under UBSan in the
 * sanitizer build); a forged signature, a replayed sequence, an overspend, a
 * wrong chain and an overflowing amount, each carried by a really mined block,
 * are rejected by block verification with their own reason; blocks with
 * transfers and fees verify, and the sum of the balances stays reward x height. */
#include <criterion/criterion.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "chain/validate.h"
#include "chain/params.h"
#include "chain/store.h"
#include "pouw/block.h"
#include "pouw/keys.h"
#include "pouw/mine.h"
#include "pouw/tx.h"
#include "pouw/verify.h"
#include "tests/pouw_testkit.h"
#include "tests/vectors/pouw_tx_vectors.h"

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

static void unhex(uint8_t *out, size_t len, const char *hex)
{
    cr_assert_eq(pouw_hex_decode(out, len, hex), POUW_OK, "bad vector hex: %s", hex);
}

static void assert_hex(const uint8_t *b, size_t len, const char *want, const char *what)
{
    char got[2 * POUW_TX_MAX_BYTES + 1];
    cr_assert(len <= POUW_TX_MAX_BYTES);
    pouw_hex_encode(got, b, len);
    cr_assert_str_eq(got, want, "%s:\n  got      %s\n  expected %s", what, got, want);
}

static const pv_txkey *vkey(char name)
{
    for (size_t i = 0; i < NELEM(pv_txkeys); i++)
        if (pv_txkeys[i].name == name)
            return &pv_txkeys[i];
    cr_assert_fail("no vector key %c", name);
    return NULL;
}

static void vpub(uint8_t pub[32], char name) { unhex(pub, 32, vkey(name)->pub); }

static void vsecret_key(pouw_key *k, char name)
{
    uint8_t seed[32];
    unhex(seed, 32, vkey(name)->secret);
    cr_assert_eq(pouw_key_from_seed(k, seed), POUW_OK);
}

/* The transfer of a vector, with the vector's signature. */
static pouw_tx vtx(const pv_transfer *v)
{
    uint8_t from[32], to[32];
    vpub(from, v->from);
    vpub(to, v->to);
    pouw_tx t = pouw_tx_transfer(v->chain_id, from, to, v->amount, v->sequence, v->fee);
    unhex(t.sig, 64, v->sig);
    return t;
}

/* ---------------------------------------------------------------- encoding and signatures */

Test(pouw_transfer, bytes_signing_bytes_signatures_and_ids_match_the_python_vectors)
{
    uint8_t dom[POUW_TX_DOMAIN_BYTES];
    unhex(dom, sizeof dom, PV_TX_DOMAIN_HEX);
    cr_assert_eq(memcmp(dom, POUW_TX_DOMAIN, POUW_TX_DOMAIN_BYTES), 0, "domain tag");
    for (size_t k = 0; k < NELEM(pv_txkeys); k++) {
        pouw_key key;
        vsecret_key(&key, pv_txkeys[k].name);
        assert_hex(key.pub, 32, pv_txkeys[k].pub, "public key");
        pouw_key_clear(&key);
    }
    pouw_tx txs[3];
    for (size_t k = 0; k < NELEM(pv_transfers); k++) {
        const pv_transfer *v = &pv_transfers[k];
        pouw_key key;
        vsecret_key(&key, v->from);
        uint8_t to[32];
        vpub(to, v->to);
        pouw_tx t = pouw_tx_transfer(v->chain_id, (uint8_t[32]){0}, to, v->amount, v->sequence, v->fee);
        cr_assert_eq(pouw_tx_sign(&key, &t), POUW_OK, "vector %zu", k);
        assert_hex(t.from, 32, vkey(v->from)->pub, "sign sets from");
        uint8_t msg[POUW_TX_SIGNING_BYTES], bytes[POUW_TX_MAX_BYTES], id[32];
        cr_assert_eq(pouw_tx_signing_bytes(msg, &t), POUW_OK);
        assert_hex(msg, sizeof msg, v->signing, "signing bytes");
        assert_hex(t.sig, 64, v->sig, "signature (Ed25519 is deterministic)");
        size_t len;
        cr_assert_eq(pouw_tx_encode(bytes, &len, &t), POUW_OK, "the encoding is total over int64 (vector %zu)", k);
        cr_assert_eq(len, POUW_TX_TRANSFER_BYTES);
        cr_assert_neq(len, 64, "no encoding is 64 bytes (a Merkle node)");
        assert_hex(bytes, len, v->bytes, "transfer bytes");
        cr_assert_eq(pouw_tx_id(id, &t), POUW_OK);
        assert_hex(id, 32, v->id, "transfer id");
        cr_assert_eq(pouw_tx_verify_signature(&t), POUW_OK, "vector %zu verifies with pouw_key_verify", k);
        if (k < 2)
            txs[k + 1] = t;
        pouw_key_clear(&key);
    }
    uint8_t m[32], root[32];
    vpub(m, 'M');
    txs[0] = pouw_tx_coinbase(m, 1000, 2);
    int mutated;
    cr_assert_eq(pouw_tx_root(root, &mutated, txs, 3), POUW_OK);
    assert_hex(root, 32, PV_TX_ROOT_MIXED, "tx_root of a coinbase and two transfers");
    cr_assert_eq(mutated, 0);
}

Test(pouw_transfer, the_signature_covers_every_field_the_domain_tag_and_the_chain)
{
    const pouw_tx good = vtx(&pv_transfers[0]); /* chain 0: AlphaCoin */
    cr_assert_eq(pouw_tx_verify_signature(&good), POUW_OK);
    cr_assert_eq(pouw_tx_check(&good, 0), POUW_OK);
    /* signed for AlphaCoin: never valid on BravoCoin, whether the field says so or not */
    cr_assert_eq(pouw_tx_check(&good, 1), POUW_ECHAIN);
    pouw_tx t = good;
    t.chain_id = 1;
    cr_assert_eq(pouw_tx_check(&t, 1), POUW_EBADSIG, "relabelled for chain 1: the signature no longer verifies");
    /* every bit of every signed field and of the signature matters */
    for (int bit = 0; bit < 32 * 8; bit++) {
        t = good;
        t.from[bit / 8] ^= (uint8_t)(1u << (bit % 8));
        cr_assert_neq(pouw_tx_verify_signature(&t), POUW_OK, "from bit %d", bit);
        t = good;
        t.to[bit / 8] ^= (uint8_t)(1u << (bit % 8));
        cr_assert_eq(pouw_tx_verify_signature(&t), POUW_EBADSIG, "to bit %d", bit);
    }
    for (int bit = 0; bit < 64; bit++) {
        t = good;
        t.amount = (int64_t)((uint64_t)t.amount ^ ((uint64_t)1 << bit));
        cr_assert_eq(pouw_tx_verify_signature(&t), POUW_EBADSIG, "amount bit %d", bit);
        t = good;
        t.sequence ^= (uint64_t)1 << bit;
        cr_assert_eq(pouw_tx_verify_signature(&t), POUW_EBADSIG, "sequence bit %d", bit);
        t = good;
        t.fee = (int64_t)((uint64_t)t.fee ^ ((uint64_t)1 << bit));
        cr_assert_eq(pouw_tx_verify_signature(&t), POUW_EBADSIG, "fee bit %d", bit);
    }
    for (int bit = 0; bit < 32; bit++) {
        t = good;
        t.chain_id ^= (uint32_t)1 << bit;
        cr_assert_eq(pouw_tx_verify_signature(&t), POUW_EBADSIG, "chain_id bit %d", bit);
    }
    for (int bit = 0; bit < 64 * 8; bit++) {
        t = good;
        t.sig[bit / 8] ^= (uint8_t)(1u << (bit % 8));
        cr_assert_eq(pouw_tx_verify_signature(&t), POUW_EBADSIG, "signature bit %d", bit);
    }
    /* the same key signing the transfer's bytes without the domain tag signs
     * something else: that signature does not make the transfer valid */
    pouw_key a;
    vsecret_key(&a, 'A');
    uint8_t msg[POUW_TX_SIGNING_BYTES];
    cr_assert_eq(pouw_tx_signing_bytes(msg, &good), POUW_OK);
    t = good;
    cr_assert_eq(pouw_key_sign(&a, t.sig, msg + POUW_TX_DOMAIN_BYTES, POUW_TX_UNSIGNED_BYTES), POUW_OK);
    cr_assert_eq(pouw_tx_verify_signature(&t), POUW_EBADSIG, "no domain tag, no transfer");
    /* a coinbase has no signature */
    pouw_tx cb = pouw_tx_coinbase(good.to, 1000, 1);
    cr_assert_eq(pouw_tx_signing_bytes(msg, &cb), POUW_ETX);
    cr_assert_eq(pouw_tx_sign(&a, &cb), POUW_ETX);
    cr_assert_eq(pouw_tx_check(&cb, 0), POUW_ETX);
    pouw_key_clear(&a);
}

/* ---------------------------------------------------------------- JSON */

static char *tx_doc(const pouw_tx *t)
{
    char *js;
    size_t len;
    cr_assert_eq(pouw_tx_to_json(&js, &len, t), POUW_OK);
    cr_assert_eq(strlen(js), len);
    cr_assert_eq(js[len - 1], '\n');
    cr_assert_eq(strchr(js, '\n'), js + len - 1, "one line");
    return js;
}

typedef struct tx_bad {
    const char *key;   /* member to change (NULL: the whole document) */
    const char *raw;   /* its new raw value (NULL: delete it) */
    const char *field; /* the field err names */
    const char *word;  /* a word of the message */
} tx_bad;

static const tx_bad TX_BAD[] = {
    {"type", "\"refund\"", "type", "unknown transaction type"},
    {"type", "1", "type", "string"},
    {"type", NULL, "type", "missing"},
    {"chain_id", "-1", "chain_id", "range"},
    {"chain_id", "4294967296", "chain_id", "range"},
    {"chain_id", "\"0\"", "chain_id", "integer"},
    {"from", "\"00\"", "from", "hex"},
    {"from", NULL, "from", "missing"},
    {"to", "\"ABABABABABABABABABABABABABABABABABABABABABABABABABABABABABABABAB\"", "to", "hex"},
    {"amount", "1.5", "amount", "integer"},
    {"amount", "-1", "amount", "range"},
    {"amount", "9007199254740992", "amount", "range"},
    {"amount", "9223372036854775807", "amount", "range"},
    {"amount", "1e400", "amount", "range"},
    {"fee", "-1", "fee", "range"},
    {"fee", "null", "fee", "integer"},
    {"sequence", "9007199254740992", "sequence", "range"},
    {"sequence", "\"7\"", "sequence", "integer"},
    {"signature", "\"00\"", "signature", "128"},
    {"signature", "42", "signature", "128"},
    {"signature", NULL, "signature", "missing"},
    {"height", "1", "height", "unknown field"},
    {NULL, "[]", "(top)", "object"},
    {NULL, "{\"type\":\"transfer\"} x", "line 1", "malformed"},
};

Test(pouw_transfer, json_form_round_trips_and_refuses_every_malformed_field)
{
    pouw_tx t = vtx(&pv_transfers[1]), u; /* amount 2^53 - 1, on BravoCoin */
    t.sequence = 7;                       /* (its vector sequence is beyond what a document holds) */
    char *js = tx_doc(&t);
    common_error err;
    cr_assert_eq(pouw_tx_parse(&u, &err, "t.json", js, strlen(js)), POUW_OK, "%s: %s", err.field, err.msg);
    cr_assert(pouw_tx_equal(&t, &u));
    cr_assert_neq(strstr(js, "\"amount\":9007199254740991"), NULL, "exact integers: %s", js);
    cr_assert_neq(strstr(js, "\"type\":\"transfer\",\"chain_id\":1,\"from\":"), NULL, "key order: %s", js);
    /* a coinbase document round-trips too; values a document cannot hold are not written */
    pouw_tx cb = pouw_tx_coinbase(t.to, 1000, 3);
    char *jc = tx_doc(&cb);
    cr_assert_eq(pouw_tx_parse(&u, &err, "c.json", jc, strlen(jc)), POUW_OK);
    cr_assert(pouw_tx_equal(&cb, &u));
    free(jc);
    char *none;
    size_t len;
    pouw_tx big = vtx(&pv_transfers[3]); /* amount 2^63 - 1 */
    cr_assert_eq(pouw_tx_to_json(&none, &len, &big), POUW_ERANGE);
    cr_assert_null(none);
    for (size_t k = 0; k < NELEM(TX_BAD); k++) {
        const tx_bad *b = &TX_BAD[k];
        char *doc;
        if (b->key) {
            cJSON *root = cJSON_Parse(js);
            cr_assert_not_null(root);
            if (!b->raw)
                cJSON_DeleteItemFromObjectCaseSensitive(root, b->key);
            else if (cJSON_GetObjectItemCaseSensitive(root, b->key))
                cr_assert(cJSON_ReplaceItemInObjectCaseSensitive(root, b->key, cJSON_CreateRaw(b->raw)));
            else
                cJSON_AddItemToObject(root, b->key, cJSON_CreateRaw(b->raw));
            doc = cJSON_PrintUnformatted(root);
            cJSON_Delete(root);
        } else {
            doc = strdup(b->raw);
        }
        memset(&u, 0x5a, sizeof u);
        pouw_status st = pouw_tx_parse(&u, &err, "bad.json", doc, strlen(doc));
        cr_assert_eq(st, POUW_EFORMAT, "case %zu (%s) was accepted", k, b->key ? b->key : b->raw);
        cr_assert_str_eq(err.field, b->field, "case %zu: field (%s)", k, err.msg);
        cr_assert_str_eq(err.path, "bad.json");
        cr_assert_neq(strstr(err.msg, b->word), NULL, "case %zu: message \"%s\" lacks \"%s\"", k, err.msg, b->word);
        pouw_tx zero;
        memset(&zero, 0, sizeof zero);
        cr_assert_eq(memcmp(&u, &zero, sizeof u), 0, "case %zu: the output is zeroed on error", k);
        free(doc);
    }
    /* repeated keys, and every truncation */
    const char *dup = "{\"type\":\"transfer\",\"type\":\"transfer\"}";
    cr_assert_eq(pouw_tx_parse(&u, &err, "d.json", dup, strlen(dup)), POUW_EFORMAT);
    cr_assert_neq(strstr(err.msg, "twice"), NULL, "%s", err.msg);
    for (size_t cut = 0; cut + 1 < strlen(js); cut++)
        cr_assert_eq(pouw_tx_parse(&u, NULL, "cut.json", js, cut), POUW_EFORMAT, "truncated at %zu", cut);
    /* too large */
    size_t n = POUW_TX_JSON_MAX_BYTES + 1;
    char *huge = malloc(n);
    memset(huge, ' ', n);
    memcpy(huge, js, strlen(js));
    cr_assert_eq(pouw_tx_parse(&u, &err, "h.json", huge, n), POUW_EFORMAT);
    cr_assert_neq(strstr(err.msg, "larger"), NULL, "%s", err.msg);
    free(huge);
    free(js);
}

/* ---------------------------------------------------------------- the ledger rule */

static pouw_status verdict_status(const char *v)
{
    static const struct {
        const char *name;
        pouw_status st;
    } map[] = {{"ok", POUW_OK},          {"tx", POUW_ETX},       {"range", POUW_ERANGE},
               {"chain", POUW_ECHAIN},   {"badsig", POUW_EBADSIG}, {"sequence", POUW_ESEQUENCE},
               {"funds", POUW_EFUNDS}};
    for (size_t i = 0; i < NELEM(map); i++)
        if (!strcmp(map[i].name, v))
            return map[i].st;
    cr_assert_fail("unknown verdict %s", v);
    return POUW_OK;
}

Test(pouw_ledger_rule, the_python_scenario_gives_every_verdict_and_the_same_ledger)
{
    pouw_ledger l = {0}, before = {0};
    for (size_t i = 0; i < NELEM(pv_rule_start); i++) {
        uint8_t a[32];
        unhex(a, 32, pv_rule_start[i].account);
        cr_assert_eq(pouw_ledger_credit(&l, a, pv_rule_start[i].balance), POUW_OK);
    }
    uint8_t miner[32];
    unhex(miner, 32, PV_RULE_MINER);
    int seen[8] = {0};
    for (size_t k = 0; k < NELEM(pv_rule_steps); k++) {
        const pv_rule_step *s = &pv_rule_steps[k];
        pouw_tx t = vtx(&s->tx);
        uint8_t bytes[POUW_TX_MAX_BYTES];
        size_t len;
        cr_assert_eq(pouw_tx_encode(bytes, &len, &t), POUW_OK);
        assert_hex(bytes, len, s->tx.bytes, "step bytes");
        pouw_status want = verdict_status(s->verdict);
        cr_assert_eq(pouw_ledger_copy(&before, &l), POUW_OK);
        pouw_status chk = pouw_ledger_check_tx(&l, &t, PV_RULE_CHAIN, miner, NULL);
        cr_assert_eq(chk, want, "step %zu: check says %s, Python says %s", k, pouw_status_str(chk), s->verdict);
        cr_assert(pouw_ledger_equal(&l, &before), "a check changes nothing");
        pouw_status st = pouw_ledger_apply_tx(&l, &t, PV_RULE_CHAIN, miner, NULL);
        cr_assert_eq(st, want, "step %zu: apply says %s, Python says %s", k, pouw_status_str(st), s->verdict);
        if (st != POUW_OK)
            cr_assert(pouw_ledger_equal(&l, &before), "step %zu: a refused transfer changes nothing", k);
        seen[st == POUW_OK ? 0 : st == POUW_ETX ? 1 : st == POUW_ERANGE ? 2 : st == POUW_ECHAIN ? 3
                 : st == POUW_EBADSIG ? 4 : st == POUW_ESEQUENCE ? 5 : 6]++;
    }
    for (int v = 0; v < 7; v++)
        cr_assert(seen[v] > 0, "the scenario shows every verdict (missing %d)", v);
    cr_assert_eq(l.n, NELEM(pv_rule_end));
    for (size_t i = 0; i < l.n; i++) {
        assert_hex(l.e[i].account, 32, pv_rule_end[i].account, "final ledger account");
        cr_assert_eq(l.e[i].balance, pv_rule_end[i].balance, "balance of entry %zu", i);
        cr_assert_eq(l.e[i].sequence, pv_rule_end[i].sequence, "next sequence of entry %zu", i);
    }
    pouw_ledger_clear(&l);
    pouw_ledger_clear(&before);
}

Test(pouw_ledger_rule, amounts_near_two_to_the_63_are_refused_without_wrapping)
{
    pouw_key a, b;
    vsecret_key(&a, 'A');
    vsecret_key(&b, 'B');
    uint8_t m[32];
    vpub(m, 'M');
    pouw_ledger l = {0};
    cr_assert_eq(pouw_ledger_credit(&l, a.pub, 1000), POUW_OK);
    cr_assert_eq(pouw_ledger_credit(&l, b.pub, POUW_AMOUNT_MAX - 5), POUW_OK); /* a rich recipient */
    const struct {
        int64_t amount, fee;
        pouw_status want;
    } cases[] = {
        {INT64_MAX, 0, POUW_ERANGE},
        {INT64_MAX, INT64_MAX, POUW_ERANGE},
        {INT64_MAX - 999, 1000, POUW_ERANGE},          /* sums to exactly 2^63: would wrap negative */
        {1, INT64_MAX, POUW_ERANGE},
        {POUW_AMOUNT_MAX, 1, POUW_ERANGE},             /* each in range, the sum not */
        {POUW_AMOUNT_MAX + 1, 0, POUW_ERANGE},
        {(int64_t)1 << 62, (int64_t)1 << 62, POUW_ERANGE},
        {INT64_MIN, 0, POUW_ETX},
        {1, INT64_MIN, POUW_ETX},
        {0, 0, POUW_ETX},
        {-1, 2, POUW_ETX},
        {POUW_AMOUNT_MAX, 0, POUW_EFUNDS},             /* in range, more than A has */
        {6, 0, POUW_ERANGE},                           /* B's balance would pass 2^53 - 1 */
    };
    for (size_t k = 0; k < NELEM(cases); k++) {
        pouw_tx t = pouw_tx_transfer(7, a.pub, b.pub, cases[k].amount, 0, cases[k].fee);
        cr_assert_eq(pouw_tx_sign(&a, &t), POUW_OK);
        pouw_ledger_entry keep[2] = {l.e[0], l.e[1]};
        pouw_status st = pouw_ledger_apply_tx(&l, &t, 7, m, NULL);
        cr_assert_eq(st, cases[k].want, "case %zu (amount %lld fee %lld): %s", k, (long long)cases[k].amount,
                     (long long)cases[k].fee, pouw_status_str(st));
        cr_assert(l.n == 2 && !memcmp(&l.e[0], &keep[0], sizeof keep[0]) && !memcmp(&l.e[1], &keep[1], sizeof keep[1]),
                  "case %zu changed the ledger", k);
        cr_assert_eq(pouw_reason_of_transfer(st), st == POUW_ERANGE ? POUW_R_TX_OVERFLOW : st == POUW_ETX ? POUW_R_TX
                                                                                             : POUW_R_TX_OVERSPEND);
    }
    /* the miner's balance cannot overflow through a fee either */
    pouw_ledger_clear(&l);
    cr_assert_eq(pouw_ledger_credit(&l, a.pub, 1000), POUW_OK);
    cr_assert_eq(pouw_ledger_credit(&l, m, POUW_AMOUNT_MAX - 1), POUW_OK);
    pouw_tx t = pouw_tx_transfer(7, a.pub, b.pub, 1, 0, 2);
    cr_assert_eq(pouw_tx_sign(&a, &t), POUW_OK);
    cr_assert_eq(pouw_ledger_apply_tx(&l, &t, 7, m, NULL), POUW_ERANGE);
    cr_assert_eq(pouw_ledger_apply_tx(&l, &t, 7, NULL, NULL), POUW_OK, "with the fee burnt (what-if) it applies");
    /* the last sequence a document can hold */
    t = pouw_tx_transfer(7, a.pub, b.pub, 1, POUW_SEQUENCE_MAX, 0);
    cr_assert_eq(pouw_tx_sign(&a, &t), POUW_OK);
    cr_assert_eq(pouw_tx_check(&t, 7), POUW_ERANGE);
    pouw_ledger_clear(&l);
    pouw_key_clear(&a);
    pouw_key_clear(&b);
}

Test(pouw_ledger_rule, a_block_takes_one_coinbase_first_and_its_fees_go_to_its_miner)
{
    pouw_key a, b;
    vsecret_key(&a, 'A');
    vsecret_key(&b, 'B');
    uint8_t m[32];
    vpub(m, 'M');
    pouw_ledger l = {0};
    cr_assert_eq(pouw_ledger_credit(&l, a.pub, 1000), POUW_OK); /* block 1's coinbase */
    pouw_tx txs[4];
    txs[0] = pouw_tx_coinbase(m, 1000, 2);
    txs[1] = pouw_tx_transfer(7, a.pub, b.pub, 300, 0, 5);
    txs[2] = pouw_tx_transfer(7, a.pub, a.pub, 100, 1, 10); /* to itself: only the fee moves */
    txs[3] = pouw_tx_transfer(7, b.pub, m, 295, 0, 5);      /* B spends what it got in this block */
    cr_assert_eq(pouw_tx_sign(&a, &txs[1]), POUW_OK);
    cr_assert_eq(pouw_tx_sign(&a, &txs[2]), POUW_OK);
    cr_assert_eq(pouw_tx_sign(&b, &txs[3]), POUW_OK);
    pouw_ledger w = {0};
    size_t bad = 99;
    cr_assert_eq(pouw_ledger_copy(&w, &l), POUW_OK);
    cr_assert_eq(pouw_ledger_apply_block(&w, &bad, 7, m, NULL, txs, 4), POUW_OK);
    cr_assert_eq(bad, 0);
    cr_assert_eq(pouw_ledger_balance(&w, a.pub), 685);
    cr_assert_eq(pouw_ledger_balance(&w, b.pub), 0);
    cr_assert_eq(pouw_ledger_balance(&w, m), 1000 + 5 + 10 + 295 + 5);
    cr_assert_eq(pouw_ledger_sequence(&w, a.pub), 2);
    cr_assert_eq(pouw_ledger_sequence(&w, b.pub), 1);
    cr_assert_eq(pouw_ledger_sequence(&w, m), 0);
    cr_assert_eq(pouw_ledger_total(&w), 2000, "coins are created by the coinbase only");
    /* pouw_ledger_apply (block building) gives the same ledger, fees to the coinbase's recipient */
    pouw_ledger v = {0};
    cr_assert_eq(pouw_ledger_copy(&v, &l), POUW_OK);
    cr_assert_eq(pouw_ledger_apply(&v, txs, 4), POUW_OK);
    cr_assert(pouw_ledger_equal(&v, &w));
    pouw_ledger_clear(&v);
    /* the structure: one coinbase, first */
    cr_assert_eq(pouw_ledger_copy(&w, &l), POUW_OK);
    cr_assert_eq(pouw_ledger_apply_block(&w, &bad, 7, m, NULL, txs + 1, 3), POUW_ETX);
    cr_assert_eq(bad, 0);
    pouw_tx two[3] = {txs[0], txs[1], txs[0]};
    cr_assert_eq(pouw_ledger_copy(&w, &l), POUW_OK);
    cr_assert_eq(pouw_ledger_apply_block(&w, &bad, 7, m, NULL, two, 3), POUW_ETX);
    cr_assert_eq(bad, 2);
    cr_assert_eq(pouw_ledger_copy(&w, &l), POUW_OK);
    cr_assert_eq(pouw_ledger_apply(&w, txs + 1, 1), POUW_ETX, "no coinbase, no miner to pay");
    /* the failing index, and the transactions before it applied */
    pouw_tx rep[3] = {txs[0], txs[1], txs[1]};
    cr_assert_eq(pouw_ledger_copy(&w, &l), POUW_OK);
    cr_assert_eq(pouw_ledger_apply_block(&w, &bad, 7, m, NULL, rep, 3), POUW_ESEQUENCE);
    cr_assert_eq(bad, 2);
    cr_assert_eq(pouw_ledger_balance(&w, b.pub), 300);
    /* the wrong chain: block building does not check it, a verifier does */
    cr_assert_eq(pouw_ledger_copy(&w, &l), POUW_OK);
    cr_assert_eq(pouw_ledger_apply_block(&w, &bad, 8, m, NULL, txs, 2), POUW_ECHAIN);
    cr_assert_eq(bad, 1);
    pouw_ledger_clear(&w);
    pouw_ledger_clear(&l);
    pouw_key_clear(&a);
    pouw_key_clear(&b);
}

/* ---------------------------------------------------------------- blocks carrying transfers */

/* Mines, on s's tip, a block paid to miner carrying the coinbase then
 * transfers[0..n). honest: its ledger is the parent's with the block applied by
 * the rule (which must succeed); otherwise the ledger a rogue miner claims (the
 * parent's plus the coinbase). */
static void mine_with(pouw_block *out, chain_store *s, const uint8_t miner[32], const pouw_tx *transfers, size_t n,
                      int honest)
{
    const chain_params *p = chain_store_params(s);
    common_error err;
    uint64_t tip = chain_store_tip_height(s);
    pouw_block parent;
    pouw_block_init(&parent);
    cr_assert_eq(chain_store_load(&parent, &err, s, tip), CHAIN_OK, "%s", err.msg);
    uint64_t mtp;
    mtp = tk_mtp(s, tip);
    pouw_requirements req;
    cr_assert_eq(chain_required_targets(&req, &err, p, s, tip + 1), CHAIN_OK);
    pouw_tx *txs = calloc(n + 1, sizeof *txs);
    txs[0] = pouw_tx_coinbase(miner, p->reward, tip + 1);
    if (n)
        memcpy(txs + 1, transfers, n * sizeof *txs);
    pouw_ledger l = {0};
    cr_assert_eq(pouw_ledger_copy(&l, &parent.ledger), POUW_OK);
    if (honest) {
        size_t bad;
        pouw_status st = pouw_ledger_apply_block(&l, &bad, p->chain_id, miner, NULL, txs, n + 1);
        cr_assert_eq(st, POUW_OK, "an honest block's transfers apply (%s at %zu)", pouw_status_str(st), bad);
    } else {
        cr_assert_eq(pouw_ledger_apply(&l, txs, 1), POUW_OK);
    }
    pouw_mine_params mp;
    memset(&mp, 0, sizeof mp);
    mp.header.version = POUW_HEADER_VERSION;
    mp.header.chain_id = p->chain_id;
    mp.header.height = tip + 1;
    tk_id(mp.header.prev_hash, s, tip);
    memcpy(mp.header.miner, miner, 32);
    mp.header.prehash_bits = req.prehash_bits;
    mp.header.pps_threshold_micro = req.pps_threshold_micro;
    mp.header.mode = req.mode;
    mp.header.post_bits = req.post_bits;
    mp.header.sessions = req.sessions;
    memcpy(mp.header.job_digest, req.job_digest, 32);
    cr_assert_eq(pouw_tx_root(mp.header.tx_root, NULL, txs, n + 1), POUW_OK);
    cr_assert_eq(pouw_ledger_root(mp.header.ledger_root, &l), POUW_OK);
    mp.work = chain_params_work(p);
    mp.min_time_ms = mtp + 1;
    mp.max_attempts = 1000;
    mp.threads = 2;
    static pouw_attempt a;
    pouw_header h;
    pouw_mine_stats ms;
    cr_assert_eq(pouw_mine(&h, &a, &ms, &err, &mp), POUW_OK, "%s", err.msg);
    pouw_block_init(out);
    cr_assert_eq(pouw_block_build(out, &h, &a, txs, n + 1, &l, p->job), POUW_OK);
    pouw_ledger_clear(&l);
    free(txs);
    pouw_block_clear(&parent);
}

/* Stores a valid block b on s (verified by the store). */
static void store_block(chain_store *s, const pouw_block *b)
{
    pouw_reason r = POUW_R_OK;
    common_error err;
    chain_store_add_result res;
    chain_status cs = chain_store_add(s, &res, &r, &err, b);
    cr_assert_eq(cs, CHAIN_OK, "store: %s (%s: %s)", pouw_reason_name(r), err.field, err.msg);
    cr_assert(res.best, "the block is the best tip");
}

/* Writes b as JSON and parses it back: what a verifier reading a file sees. */
static void through_json(pouw_block *out, const pouw_block *b)
{
    char *js;
    size_t len;
    cr_assert_eq(pouw_block_to_json(&js, &len, b), POUW_OK);
    common_error err;
    pouw_block_init(out);
    cr_assert_eq(pouw_block_parse(out, &err, "t.json", js, len), POUW_OK, "%s: %s", err.field, err.msg);
    cr_assert(pouw_block_equal(out, b));
    free(js);
}

typedef struct chainfix {
    char dir[256];
    chain_params p;
    chain_store *s;
    pouw_key a, b, c, m;
} chainfix;

/* The tiny chain, with coinbase maturity `maturity` and min_new_account
 * `min_new`, and block 1 paid to A (A holds 1000). */
static void chainfix_open_rules(chainfix *f, uint32_t maturity, int64_t min_new)
{
    memset(f, 0, sizeof *f);
    tk_tmpdir(f->dir);
    f->p = tk_params();
    f->p.maturity = maturity;
    f->p.min_new_account = min_new;
    tk_open(&f->s, f->dir, &f->p);
    vsecret_key(&f->a, 'A');
    vsecret_key(&f->b, 'B');
    vsecret_key(&f->c, 'C');
    vsecret_key(&f->m, 'M');
    pouw_block b1;
    mine_with(&b1, f->s, f->a.pub, NULL, 0, 1);
    store_block(f->s, &b1);
    pouw_block_clear(&b1);
}

/* The tests of the other transfer rules: A spends block 1's reward in block 2
 * (no coinbase maturity; maturity and min_new_account have their own tests). */
static void chainfix_open(chainfix *f) { chainfix_open_rules(f, 0, 1); }

static void chainfix_close(chainfix *f)
{
    chain_store_close(f->s);
    pouw_key_clear(&f->a);
    pouw_key_clear(&f->b);
    pouw_key_clear(&f->c);
    pouw_key_clear(&f->m);
    tk_rmrf(f->dir);
}

static pouw_tx signed_tx(const pouw_key *k, uint32_t chain, const uint8_t to[32], int64_t amount, uint64_t seq,
                         int64_t fee)
{
    pouw_tx t = pouw_tx_transfer(chain, k->pub, to, amount, seq, fee);
    cr_assert_eq(pouw_tx_sign(k, &t), POUW_OK);
    return t;
}

Test(pouw_verify_transfer, blocks_with_transfers_and_fees_verify_and_hold_reward_times_height, .timeout = 120)
{
    chainfix f;
    chainfix_open(&f);
    /* block 2, mined by M: A pays B 300 (fee 5) and C 100 (fee 2); B passes 50 on to C in the same block */
    pouw_tx t2[3] = {signed_tx(&f.a, 7, f.b.pub, 300, 0, 5), signed_tx(&f.a, 7, f.c.pub, 100, 1, 2),
                     signed_tx(&f.b, 7, f.c.pub, 50, 0, 0)};
    pouw_block b2, rt;
    mine_with(&b2, f.s, f.m.pub, t2, 3, 1);
    through_json(&rt, &b2);
    cr_assert_eq(tk_verify(f.s, &rt, NULL), POUW_R_OK);
    store_block(f.s, &rt);
    cr_assert_eq(pouw_ledger_balance(&b2.ledger, f.a.pub), 1000 - 300 - 5 - 100 - 2);
    cr_assert_eq(pouw_ledger_balance(&b2.ledger, f.b.pub), 250);
    cr_assert_eq(pouw_ledger_balance(&b2.ledger, f.c.pub), 150);
    cr_assert_eq(pouw_ledger_balance(&b2.ledger, f.m.pub), 1000 + 5 + 2);
    cr_assert_eq(pouw_ledger_sequence(&b2.ledger, f.a.pub), 2);
    cr_assert_eq(pouw_ledger_sequence(&b2.ledger, f.b.pub), 1);
    cr_assert_eq(pouw_ledger_total(&b2.ledger), 1000 * 2);
    /* the document carries the next sequences */
    char *js;
    size_t len;
    cr_assert_eq(pouw_block_to_json(&js, &len, &b2), POUW_OK);
    char pat[200], ha[65];
    pouw_hex_encode(ha, f.a.pub, 32);
    snprintf(pat, sizeof pat, "\"%s\":\t2", ha);
    const char *sq = strstr(js, "\"sequences\":");
    cr_assert(sq && strstr(sq, pat) && strstr(js, "\"type\":\t\"transfer\""), "%s", js);
    free(js);
    /* a ledger that forgets a sequence is not the block's ledger */
    pouw_block m;
    pouw_block_init(&m);
    cr_assert_eq(pouw_block_copy(&m, &rt), POUW_OK);
    for (size_t i = 0; i < m.ledger.n; i++)
        if (!memcmp(m.ledger.e[i].account, f.a.pub, 32))
            m.ledger.e[i].sequence = 1;
    cr_assert_eq(tk_verify(f.s, &m, NULL), POUW_R_LEDGER);
    pouw_block_clear(&m);
    pouw_block_clear(&rt);
    pouw_block_clear(&b2);
    /* blocks 3 and 4: more transfers, fees to other miners; every tip holds reward x height */
    for (int h = 3; h <= 4; h++) {
        pouw_tx t = h == 3 ? signed_tx(&f.c, 7, f.a.pub, 149, 0, 1) : signed_tx(&f.m, 7, f.b.pub, 7, 0, 1000);
        pouw_block b;
        mine_with(&b, f.s, h == 3 ? f.b.pub : f.m.pub, &t, 1, 1);
        cr_assert_eq(tk_verify(f.s, &b, NULL), POUW_R_OK);
        store_block(f.s, &b);
        cr_assert_eq(pouw_ledger_total(&b.ledger), 1000 * (int64_t)h, "height %d", h);
        for (size_t i = 0; i < b.ledger.n; i++)
            cr_assert(b.ledger.e[i].balance >= 0);
        pouw_block_clear(&b);
    }
    common_error err;
    cr_assert_eq(tk_verify_all(f.s, &err), 0, "%s", err.msg);
    chainfix_close(&f);
}

Test(pouw_verify_transfer, each_bad_transfer_in_a_mined_block_is_rejected_with_its_reason, .timeout = 120)
{
    chainfix f;
    chainfix_open(&f); /* A holds 1000 */
    /* block 2 (valid): A -> B 100, sequence 0; so sequence 0 of A is used */
    pouw_tx first = signed_tx(&f.a, 7, f.b.pub, 100, 0, 1);
    pouw_block b2;
    mine_with(&b2, f.s, f.m.pub, &first, 1, 1);
    store_block(f.s, &b2);
    pouw_block_clear(&b2);
    /* A now holds 899 with next sequence 1 */
    pouw_tx forged = pouw_tx_transfer(7, f.a.pub, f.c.pub, 10, 1, 0);
    cr_assert_eq(pouw_tx_sign(&f.c, &forged), POUW_OK); /* C signs ... */
    memcpy(forged.from, f.a.pub, 32);                   /* ... as A */
    pouw_tx altered = signed_tx(&f.a, 7, f.c.pub, 10, 1, 0);
    altered.amount = 800; /* changed after signing */
    const struct {
        const char *name;
        pouw_tx tx;
        pouw_reason reason;
        const char *field;
        int json; /* the document can hold it */
    } cases[] = {
        {"forged signature", forged, POUW_R_TX_SIGNATURE, "transactions[1].signature", 1},
        {"altered amount", altered, POUW_R_TX_SIGNATURE, "transactions[1].signature", 1},
        {"replayed sequence", first, POUW_R_TX_SEQUENCE, "transactions[1].sequence", 1},
        {"sequence gap", signed_tx(&f.a, 7, f.c.pub, 10, 2, 0), POUW_R_TX_SEQUENCE, "transactions[1].sequence", 1},
        {"overspend", signed_tx(&f.a, 7, f.c.pub, 899, 1, 1), POUW_R_TX_OVERSPEND, "transactions[1].amount", 1},
        {"wrong chain (AlphaCoin's)", signed_tx(&f.a, 0, f.c.pub, 10, 1, 0), POUW_R_TX_CHAIN,
         "transactions[1].chain_id", 1},
        {"amount near 2^63", signed_tx(&f.a, 7, f.c.pub, INT64_MAX - 7, 1, 0), POUW_R_TX_OVERFLOW,
         "transactions[1].amount", 0},
        {"amount + fee wraps", signed_tx(&f.a, 7, f.c.pub, INT64_MAX, 1, INT64_MAX), POUW_R_TX_OVERFLOW,
         "transactions[1].amount", 0},
        {"amount + fee beyond 2^53-1", signed_tx(&f.a, 7, f.c.pub, POUW_AMOUNT_MAX, 1, 1), POUW_R_TX_OVERFLOW,
         "transactions[1].amount", 1},
        {"nothing moved", signed_tx(&f.a, 7, f.c.pub, 0, 1, 0), POUW_R_TX, "transactions[1].amount", 1},
    };
    for (size_t k = 0; k < NELEM(cases); k++) {
        pouw_block b, rt;
        mine_with(&b, f.s, f.m.pub, &cases[k].tx, 1, 0);
        const pouw_block *v = &b;
        char *js;
        size_t len;
        pouw_status js_st = pouw_block_to_json(&js, &len, &b);
        if (cases[k].json) {
            cr_assert_eq(js_st, POUW_OK, "%s", cases[k].name);
            free(js);
            through_json(&rt, &b);
            v = &rt;
        } else {
            cr_assert_eq(js_st, POUW_ERANGE, "%s: a document cannot even hold it", cases[k].name);
        }
        common_error err;
        pouw_reason r = tk_verify(f.s, v, &err);
        cr_assert_eq(r, cases[k].reason, "%s: rejected as %s (%s: %s), expected %s", cases[k].name,
                     pouw_reason_name(r), err.field, err.msg, pouw_reason_name(cases[k].reason));
        cr_assert_str_eq(err.field, cases[k].field, "%s: %s", cases[k].name, err.msg);
        cr_assert(err.msg[0]);
        /* the store refuses it too, and it never becomes the tip */
        chain_store_add_result res;
        pouw_reason sr;
        if (cases[k].json) {
            cr_assert_eq(chain_store_add(f.s, &res, &sr, &err, v), CHAIN_EINVALID, "%s", cases[k].name);
            cr_assert_eq(sr, cases[k].reason);
        } else { /* no document can hold it: a copy-only rejection, nothing stored */
            cr_assert_eq(chain_store_add(f.s, &res, &sr, &err, v), CHAIN_EMALFORMED, "%s", cases[k].name);
            cr_assert_eq(tk_verdict(f.s, v->post_hash), CHAIN_VERDICT_NONE);
        }
        cr_assert_eq(chain_store_tip_height(f.s), 2);
        if (v == &rt)
            pouw_block_clear(&rt);
        pouw_block_clear(&b);
    }
    /* the same transfers in an honest block are fine once valid: A -> C 10 with sequence 1 */
    pouw_tx ok = signed_tx(&f.a, 7, f.c.pub, 10, 1, 0);
    pouw_block b3;
    mine_with(&b3, f.s, f.m.pub, &ok, 1, 1);
    cr_assert_eq(tk_verify(f.s, &b3, NULL), POUW_R_OK);
    pouw_block_clear(&b3);
    chainfix_close(&f);
}

Test(pouw_verify_transfer, reason_names_of_transfers_are_stable)
{
    cr_assert_str_eq(pouw_reason_name(POUW_R_TX_SIGNATURE), "tx_signature");
    cr_assert_str_eq(pouw_reason_name(POUW_R_TX_CHAIN), "tx_chain");
    cr_assert_str_eq(pouw_reason_name(POUW_R_TX_SEQUENCE), "tx_sequence");
    cr_assert_str_eq(pouw_reason_name(POUW_R_TX_OVERSPEND), "tx_overspend");
    cr_assert_str_eq(pouw_reason_name(POUW_R_TX_OVERFLOW), "tx_overflow");
    cr_assert_eq(POUW_R_TX_SIGNATURE, 31, "appended after the reasons of the first issue");
    cr_assert_eq(POUW_R_USEFUL_OUTPUT, 30);
    cr_assert_eq(pouw_reason_of_transfer(POUW_EBADSIG), POUW_R_TX_SIGNATURE);
    cr_assert_eq(pouw_reason_of_transfer(POUW_ECHAIN), POUW_R_TX_CHAIN);
    cr_assert_eq(pouw_reason_of_transfer(POUW_ESEQUENCE), POUW_R_TX_SEQUENCE);
    cr_assert_eq(pouw_reason_of_transfer(POUW_EFUNDS), POUW_R_TX_OVERSPEND);
    cr_assert_eq(pouw_reason_of_transfer(POUW_ERANGE), POUW_R_TX_OVERFLOW);
    cr_assert_eq(pouw_reason_of_transfer(POUW_ETX), POUW_R_TX);
    cr_assert_eq(pouw_reason_of_transfer(POUW_ENOMEM), POUW_R_OK, "no verdict");
    cr_assert_str_eq(pouw_reason_name(POUW_R_TX_NEW_ACCOUNT), "tx_new_account");
    cr_assert_str_eq(pouw_reason_name(POUW_R_TX_IMMATURE), "tx_immature");
    cr_assert_eq(POUW_R_TX_NEW_ACCOUNT, 39, "appended after ledger_root");
    cr_assert_eq(POUW_R_TX_IMMATURE, 40);
    cr_assert_eq(pouw_reason_of_transfer(POUW_ENEWACCOUNT), POUW_R_TX_NEW_ACCOUNT);
    cr_assert_eq(pouw_reason_of_transfer(POUW_EIMMATURE), POUW_R_TX_IMMATURE);
    cr_assert_eq(pouw_reason_kind_of(POUW_R_TX_NEW_ACCOUNT), POUW_KIND_INVALID, "committed data");
    cr_assert_eq(pouw_reason_kind_of(POUW_R_TX_IMMATURE), POUW_KIND_INVALID);
}

/* ---------------------------------------------------------------- units (s11.12) */

Test(pouw_units, coins_are_written_with_six_decimals)
{
    char t[POUW_AMOUNT_TEXT_MAX];
    cr_assert_eq(POUW_COIN_UNITS, 1000000);
    cr_assert_str_eq(pouw_amount_format(t, 1000 * POUW_COIN_UNITS), "1000.000000");
    cr_assert_str_eq(pouw_amount_format(t, 0), "0.000000");
    cr_assert_str_eq(pouw_amount_format(t, 1), "0.000001");
    cr_assert_str_eq(pouw_amount_format(t, 12500000), "12.500000");
    cr_assert_str_eq(pouw_amount_format(t, POUW_AMOUNT_MAX), "9007199254.740991");
    cr_assert_str_eq(pouw_amount_format(t, -5), "-0.000005");
    cr_assert_str_eq(pouw_amount_format(t, INT64_MIN), "-9223372036854.775808", "no overflow at INT64_MIN");
    cr_assert_str_eq(pouw_amount_format(t, INT64_MAX), "9223372036854.775807");
}

Test(pouw_units, coins_are_read_exactly_and_junk_is_refused)
{
    const struct {
        const char *text;
        pouw_status st;
        int64_t units;
    } cases[] = {
        {"12.5", POUW_OK, 12500000},
        {"0.000001", POUW_OK, 1},
        {"1000", POUW_OK, 1000000000},
        {"1000.000000", POUW_OK, 1000000000},
        {"0", POUW_OK, 0},
        {"007.10", POUW_OK, 7100000},
        {"0.1", POUW_OK, 100000}, /* 0.1 is not a double: string arithmetic only */
        {"0.3", POUW_OK, 300000},
        {"9007199254.740991", POUW_OK, POUW_AMOUNT_MAX},
        {"9007199254.740992", POUW_ERANGE, 0},
        {"9007199255", POUW_ERANGE, 0},
        {"99999999999999999999999999999", POUW_ERANGE, 0},
        {"1.0000001", POUW_ERANGE, 0},
        {"1.0000000", POUW_ERANGE, 0},
        {"0.0000001", POUW_ERANGE, 0},
        {"", POUW_EFORMAT, 0},
        {"-1", POUW_EFORMAT, 0},
        {"+1", POUW_EFORMAT, 0},
        {" 1", POUW_EFORMAT, 0},
        {"1 ", POUW_EFORMAT, 0},
        {".5", POUW_EFORMAT, 0},
        {"1.", POUW_EFORMAT, 0},
        {"1..2", POUW_EFORMAT, 0},
        {"1.2.3", POUW_EFORMAT, 0},
        {"1e3", POUW_EFORMAT, 0},
        {"0x10", POUW_EFORMAT, 0},
        {"1,5", POUW_EFORMAT, 0},
        {"nan", POUW_EFORMAT, 0},
    };
    for (size_t k = 0; k < NELEM(cases); k++) {
        int64_t u = 77;
        pouw_status st = pouw_amount_parse(&u, cases[k].text);
        cr_assert_eq(st, cases[k].st, "\"%s\": %s", cases[k].text, pouw_status_str(st));
        cr_assert_eq(u, cases[k].units, "\"%s\": %lld units", cases[k].text, (long long)u);
    }
    /* every amount written reads back */
    const int64_t back[] = {0, 1, 999999, 1000000, 1000001, 123456789012345, POUW_AMOUNT_MAX};
    for (size_t k = 0; k < NELEM(back); k++) {
        char t[POUW_AMOUNT_TEXT_MAX];
        int64_t u;
        cr_assert_eq(pouw_amount_parse(&u, pouw_amount_format(t, back[k])), POUW_OK);
        cr_assert_eq(u, back[k]);
    }
}

Test(pouw_units, documents_refuse_amounts_fees_and_balances_above_two_to_the_53)
{
    const char *const docs[][2] = {
        {"{\"type\":\"transfer\",\"chain_id\":7,\"from\":\"%s\",\"to\":\"%s\",\"amount\":9007199254740992,"
         "\"sequence\":0,\"fee\":0,\"signature\":\"%s\"}", "amount"},
        {"{\"type\":\"transfer\",\"chain_id\":7,\"from\":\"%s\",\"to\":\"%s\",\"amount\":1,"
         "\"sequence\":0,\"fee\":9007199254740992,\"signature\":\"%s\"}", "fee"},
        {"{\"type\":\"transfer\",\"chain_id\":7,\"from\":\"%s\",\"to\":\"%s\",\"amount\":1e300,"
         "\"sequence\":0,\"fee\":0,\"signature\":\"%s\"}", "amount"},
    };
    char a[65], sig[129], doc[1024];
    memset(a, 'a', 64);
    a[64] = '\0';
    memset(sig, 'b', 128);
    sig[128] = '\0';
    for (size_t k = 0; k < NELEM(docs); k++) {
        snprintf(doc, sizeof doc, docs[k][0], a, a, sig);
        pouw_tx t;
        common_error err;
        cr_assert_eq(pouw_tx_parse(&t, &err, "t.json", doc, strlen(doc)), POUW_EFORMAT, "%s", doc);
        cr_assert_str_eq(err.field, docs[k][1], "%s: %s", err.field, err.msg);
        cr_assert_eq(strchr(err.msg, '\n'), NULL, "one line");
    }
}

/* ---------------------------------------------------------------- min_new_account (s11.8) */

Test(pouw_ledger_rule, a_transfer_creating_an_account_carries_at_least_min_new_account)
{
    pouw_key a, b;
    vsecret_key(&a, 'A');
    vsecret_key(&b, 'B');
    uint8_t m[32], nobody[32];
    vpub(m, 'M');
    memset(nobody, 0x99, 32);
    pouw_ledger l = {0};
    cr_assert_eq(pouw_ledger_credit(&l, a.pub, 10 * POUW_COIN_UNITS), POUW_OK);
    cr_assert_eq(pouw_ledger_credit(&l, b.pub, 0), POUW_OK); /* B is in the ledger with nothing */
    pouw_ledger_rules r = {POUW_COIN_UNITS, NULL, 0};
    pouw_tx small_new = pouw_tx_transfer(7, a.pub, nobody, POUW_COIN_UNITS - 1, 0, 0);
    pouw_tx exact_new = pouw_tx_transfer(7, a.pub, nobody, POUW_COIN_UNITS, 0, 0);
    pouw_tx small_old = pouw_tx_transfer(7, a.pub, b.pub, 1, 0, 0);
    pouw_tx to_self = pouw_tx_transfer(7, a.pub, a.pub, 1, 0, 0);
    cr_assert_eq(pouw_tx_sign(&a, &small_new), POUW_OK);
    cr_assert_eq(pouw_tx_sign(&a, &exact_new), POUW_OK);
    cr_assert_eq(pouw_tx_sign(&a, &small_old), POUW_OK);
    cr_assert_eq(pouw_tx_sign(&a, &to_self), POUW_OK);
    cr_assert_eq(pouw_ledger_check_tx(&l, &small_new, 7, m, &r), POUW_ENEWACCOUNT);
    cr_assert_eq(pouw_ledger_check_tx(&l, &small_new, 7, m, NULL), POUW_OK, "no rules: no minimum");
    cr_assert_eq(pouw_ledger_check_tx(&l, &exact_new, 7, m, &r), POUW_OK, "exactly min_new_account");
    cr_assert_eq(pouw_ledger_check_tx(&l, &small_old, 7, m, &r), POUW_OK, "an account that exists (even empty)");
    cr_assert_eq(pouw_ledger_check_tx(&l, &to_self, 7, m, &r), POUW_OK);
    /* in a block: once created, the next small transfer to it is fine */
    pouw_tx txs[3] = {pouw_tx_coinbase(m, 1000, 2), exact_new, pouw_tx_transfer(7, a.pub, nobody, 1, 1, 0)};
    cr_assert_eq(pouw_tx_sign(&a, &txs[2]), POUW_OK);
    pouw_ledger w = {0};
    size_t bad = 9;
    cr_assert_eq(pouw_ledger_copy(&w, &l), POUW_OK);
    cr_assert_eq(pouw_ledger_apply_block(&w, &bad, 7, m, &r, txs, 3), POUW_OK, "at %zu", bad);
    cr_assert_eq(pouw_ledger_balance(&w, nobody), POUW_COIN_UNITS + 1);
    txs[1] = small_new;
    pouw_ledger_clear(&w);
    cr_assert_eq(pouw_ledger_copy(&w, &l), POUW_OK);
    cr_assert_eq(pouw_ledger_apply_block(&w, &bad, 7, m, &r, txs, 2), POUW_ENEWACCOUNT);
    cr_assert_eq(bad, 1);
    pouw_ledger_clear(&w);
    pouw_ledger_clear(&l);
    pouw_key_clear(&a);
    pouw_key_clear(&b);
}

/* ---------------------------------------------------------------- coinbase maturity (s11.10) */

Test(pouw_ledger_rule, immature_coins_are_not_spendable)
{
    pouw_key a, mk;
    vsecret_key(&a, 'A');
    vsecret_key(&mk, 'M');
    uint8_t b[32];
    vpub(b, 'B');
    pouw_ledger l = {0}, im = {0};
    cr_assert_eq(pouw_ledger_credit(&l, a.pub, 1000), POUW_OK);
    cr_assert_eq(pouw_ledger_credit(&l, b, 1), POUW_OK);
    cr_assert_eq(pouw_ledger_credit(&im, a.pub, 600), POUW_OK); /* A mined a recent block: 600 immature */
    pouw_ledger_rules r = {0, &im, 1};
    cr_assert_eq(pouw_ledger_spendable(&l, a.pub, &r), 400);
    cr_assert_eq(pouw_ledger_spendable(&l, a.pub, NULL), 1000);
    const struct {
        int64_t amount, fee;
        pouw_status want;
    } cases[] = {{399, 1, POUW_OK}, {400, 0, POUW_OK}, {400, 1, POUW_EIMMATURE}, {1, 400, POUW_EIMMATURE},
                 {1000, 0, POUW_EIMMATURE}, {1000, 1, POUW_EFUNDS}};
    for (size_t k = 0; k < NELEM(cases); k++) {
        pouw_tx t = pouw_tx_transfer(7, a.pub, b, cases[k].amount, 0, cases[k].fee);
        cr_assert_eq(pouw_tx_sign(&a, &t), POUW_OK);
        cr_assert_eq(pouw_ledger_check_tx(&l, &t, 7, NULL, &r), cases[k].want, "case %zu", k);
        cr_assert_eq(pouw_ledger_check_spend(&l, &t, NULL, &r), cases[k].want, "case %zu", k);
        cr_assert_eq(pouw_ledger_check_tx(&l, &t, 7, NULL, NULL), k == NELEM(cases) - 1 ? POUW_EFUNDS : POUW_OK);
    }
    /* block_immature: the miner may not spend its coinbase nor the fees earned in the block */
    pouw_ledger_clear(&l);
    cr_assert_eq(pouw_ledger_credit(&l, a.pub, 1000), POUW_OK);
    cr_assert_eq(pouw_ledger_credit(&l, mk.pub, 50), POUW_OK); /* M's old, mature coins */
    pouw_ledger_rules own = {0, NULL, 1};
    pouw_tx txs[3];
    txs[0] = pouw_tx_coinbase(mk.pub, 1000, 5);
    txs[1] = pouw_tx_transfer(7, a.pub, b, 10, 0, 20); /* a fee of 20 to M */
    cr_assert_eq(pouw_tx_sign(&a, &txs[1]), POUW_OK);
    const struct {
        int64_t amount;
        pouw_status want;
    } mine[] = {{50, POUW_OK}, {51, POUW_EIMMATURE}, {70, POUW_EIMMATURE}};
    for (size_t k = 0; k < NELEM(mine); k++) {
        txs[2] = pouw_tx_transfer(7, mk.pub, b, mine[k].amount, 0, 0);
        cr_assert_eq(pouw_tx_sign(&mk, &txs[2]), POUW_OK);
        pouw_ledger w = {0};
        size_t bad = 0;
        cr_assert_eq(pouw_ledger_copy(&w, &l), POUW_OK);
        cr_assert_eq(pouw_ledger_apply_block(&w, &bad, 7, mk.pub, &own, txs, 3), mine[k].want, "M spends %lld",
                     (long long)mine[k].amount);
        pouw_ledger_clear(&w);
        /* without block_immature (maturity 0) its coinbase is spendable at once */
        cr_assert_eq(pouw_ledger_copy(&w, &l), POUW_OK);
        cr_assert_eq(pouw_ledger_apply_block(&w, &bad, 7, mk.pub, NULL, txs, 3), POUW_OK);
        pouw_ledger_clear(&w);
    }
    pouw_ledger_clear(&l);
    pouw_ledger_clear(&im);
    pouw_key_clear(&a);
    pouw_key_clear(&mk);
}

Test(pouw_verify_transfer, a_block_spending_immature_coins_is_invalid_until_maturity_blocks_later, .timeout = 120)
{
    chainfix f;
    chainfix_open_rules(&f, 2, 1); /* the tiny chain's maturity 2; block 1 paid to A */
    /* a forged block 2 (by M) in which A spends block 1's reward: 2 - 1 < 2 */
    pouw_tx t = signed_tx(&f.a, 7, f.b.pub, 100, 0, 1);
    pouw_block b2, rt;
    mine_with(&b2, f.s, f.m.pub, &t, 1, 1); /* its ledger applies without the maturity rule */
    through_json(&rt, &b2);
    common_error err;
    pouw_reason r = tk_verify(f.s, &rt, &err);
    cr_assert_eq(r, POUW_R_TX_IMMATURE, "rejected as %s: %s", pouw_reason_name(r), err.msg);
    cr_assert_str_eq(err.field, "transactions[1].amount");
    cr_assert_neq(strstr(err.msg, "may spend 0.000000"), NULL, "%s", err.msg);
    chain_store_add_result res;
    pouw_reason sr;
    cr_assert_eq(chain_store_add(f.s, &res, &sr, &err, &rt), CHAIN_EINVALID);
    cr_assert_eq(sr, POUW_R_TX_IMMATURE);
    cr_assert_eq(tk_verdict(f.s, rt.post_hash), CHAIN_VERDICT_INVALID, "committed data: invalid for good");
    pouw_block_clear(&rt);
    pouw_block_clear(&b2);
    /* the miner of block 2 spending its own reward in block 2: invalid too */
    pouw_tx own = signed_tx(&f.m, 7, f.b.pub, 1, 0, 0);
    pouw_block bm;
    mine_with(&bm, f.s, f.m.pub, NULL, 0, 1); /* block 2: a coinbase alone, to M */
    cr_assert_eq(tk_verify(f.s, &bm, NULL), POUW_R_OK);
    store_block(f.s, &bm);
    pouw_block_clear(&bm);
    /* block 3: A's reward of block 1 is mature (3 - 1 >= 2); M's of block 2 is not */
    pouw_block b3;
    mine_with(&b3, f.s, f.c.pub, &own, 1, 1);
    r = tk_verify(f.s, &b3, &err);
    cr_assert_eq(r, POUW_R_TX_IMMATURE, "M spends block 2's reward in block 3: %s", err.msg);
    pouw_block_clear(&b3);
    mine_with(&b3, f.s, f.c.pub, &t, 1, 1);
    cr_assert_eq(tk_verify(f.s, &b3, &err), POUW_R_OK, "%s", err.msg);
    store_block(f.s, &b3);
    pouw_block_clear(&b3);
    /* block 4: M's reward of block 2 is mature now */
    pouw_block b4;
    mine_with(&b4, f.s, f.c.pub, &own, 1, 1);
    cr_assert_eq(tk_verify(f.s, &b4, &err), POUW_R_OK, "%s", err.msg);
    store_block(f.s, &b4);
    pouw_block_clear(&b4);
    cr_assert_eq(tk_verify_all(f.s, &err), 0, "%s", err.msg);
    chainfix_close(&f);
}

Test(pouw_verify_transfer, a_block_creating_an_account_with_less_than_min_new_account_is_invalid, .timeout = 120)
{
    chainfix f;
    chainfix_open_rules(&f, 0, 100); /* min_new_account 100 units */
    uint8_t fresh[32];
    memset(fresh, 0x42, 32);
    pouw_tx t = signed_tx(&f.a, 7, fresh, 99, 0, 0);
    pouw_block b2;
    mine_with(&b2, f.s, f.m.pub, &t, 1, 1);
    common_error err;
    pouw_reason r = tk_verify(f.s, &b2, &err);
    cr_assert_eq(r, POUW_R_TX_NEW_ACCOUNT, "rejected as %s: %s", pouw_reason_name(r), err.msg);
    cr_assert_str_eq(err.field, "transactions[1].amount");
    pouw_block_clear(&b2);
    /* 100 creates it; then 1 more to it is fine (it exists) */
    pouw_tx two[2] = {signed_tx(&f.a, 7, fresh, 100, 0, 0), signed_tx(&f.a, 7, fresh, 1, 1, 0)};
    mine_with(&b2, f.s, f.m.pub, two, 2, 1);
    cr_assert_eq(tk_verify(f.s, &b2, &err), POUW_R_OK, "%s", err.msg);
    pouw_block_clear(&b2);
    chainfix_close(&f);
}
