/* tests/test_pouw_block.c - transactions, ledger and the block document
 * (pouw/tx.h, pouw/block.h): canonical transaction bytes against the Python
 * vectors, ledger arithmetic, JSON write/parse round trips with exact numbers,
 * and the parser's refusal of every malformed document (wrong types, missing,
 * unknown and repeated fields, huge numbers, bad hex, deep nesting, truncation). */
#include <criterion/criterion.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "pouw/block.h"
#include "pouw/seed.h"
#include "pouw/tx.h"
#include "pouw/work.h"
#include "tests/pouw_testkit.h"
#include "tests/vectors/pouw_env_vectors.h"

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

static void unhex(uint8_t *out, size_t len, const char *hex)
{
    cr_assert_eq(pouw_hex_decode(out, len, hex), POUW_OK, "bad vector hex: %s", hex);
}

static void assert_hex(const uint8_t *b, size_t len, const char *want, const char *what)
{
    char got[257];
    cr_assert(len <= 128);
    pouw_hex_encode(got, b, len);
    cr_assert_str_eq(got, want, "%s:\n  got      %s\n  expected %s", what, got, want);
}

/* ---------------------------------------------------------------- transactions */

Test(pouw_tx, coinbase_bytes_and_ids_match_the_python_vectors)
{
    pouw_tx txs[NELEM(pv_coinbases)];
    for (size_t k = 0; k < NELEM(pv_coinbases); k++) {
        const pv_coinbase *v = &pv_coinbases[k];
        uint8_t to[32], bytes[POUW_TX_MAX_BYTES], id[32];
        unhex(to, 32, v->to);
        txs[k] = pouw_tx_coinbase(to, v->amount, v->height);
        size_t len;
        cr_assert_eq(pouw_tx_encode(bytes, &len, &txs[k]), POUW_OK);
        cr_assert_eq(len, POUW_TX_COINBASE_BYTES);
        assert_hex(bytes, len, v->bytes, "coinbase bytes");
        cr_assert_eq(pouw_tx_id(id, &txs[k]), POUW_OK);
        assert_hex(id, 32, v->id, "coinbase id");
    }
    uint8_t root[32];
    int mutated;
    cr_assert_eq(pouw_tx_root(root, &mutated, txs, 1), POUW_OK);
    assert_hex(root, 32, pv_coinbases[0].id, "one transaction: the root is its id");
    cr_assert_eq(pouw_tx_root(root, &mutated, txs, 2), POUW_OK);
    assert_hex(root, 32, PV_TX_ROOT_2, "tx_root of 2");
    cr_assert_eq(pouw_tx_root(root, &mutated, txs, 4), POUW_OK);
    assert_hex(root, 32, PV_TX_ROOT_4, "tx_root of 4");
    cr_assert_eq(mutated, 0);
    cr_assert_eq(pouw_tx_root(root, &mutated, NULL, 0), POUW_OK);
    for (int i = 0; i < 32; i++)
        cr_assert_eq(root[i], 0, "no transactions: zero root");
}

Test(pouw_tx, encoding_refuses_unknown_types_and_amounts_out_of_range)
{
    uint8_t to[32] = {0}, bytes[POUW_TX_MAX_BYTES];
    size_t len = 99;
    pouw_tx t = pouw_tx_coinbase(to, -1, 1);
    cr_assert_eq(pouw_tx_encode(bytes, &len, &t), POUW_ERANGE);
    cr_assert_eq(len, 0);
    t = pouw_tx_coinbase(to, POUW_AMOUNT_MAX + 1, 1);
    cr_assert_eq(pouw_tx_encode(bytes, &len, &t), POUW_ERANGE);
    t = pouw_tx_coinbase(to, 1, 1);
    t.type = 2; /* 0 coinbase and 1 transfer are the only types */
    cr_assert_eq(pouw_tx_encode(bytes, &len, &t), POUW_ERANGE);
    uint8_t id[32];
    cr_assert_eq(pouw_tx_id(id, &t), POUW_ERANGE);
    for (int i = 0; i < 32; i++)
        cr_assert_eq(id[i], 0);
}

Test(pouw_tx, duplicated_tail_is_flagged_as_mutated)
{
    uint8_t to[32] = {1};
    /* [A, B, C] and [A, B, C, C] have the same root (CVE-2012-2459); the second is flagged */
    pouw_tx txs[4] = {pouw_tx_coinbase(to, 1, 1), pouw_tx_coinbase(to, 2, 1), pouw_tx_coinbase(to, 3, 1),
                      pouw_tx_coinbase(to, 3, 1)};
    uint8_t r3[32], r4[32];
    int m3, m4;
    cr_assert_eq(pouw_tx_root(r3, &m3, txs, 3), POUW_OK);
    cr_assert_eq(pouw_tx_root(r4, &m4, txs, 4), POUW_OK);
    cr_assert_eq(memcmp(r3, r4, 32), 0);
    cr_assert_eq(m3, 0);
    cr_assert_eq(m4, 1);
}

/* ---------------------------------------------------------------- ledger */

Test(pouw_ledger, credits_keep_accounts_sorted_and_unique)
{
    pouw_ledger l = {0};
    uint8_t a[32], b[32], c[32];
    memset(a, 0x30, 32);
    memset(b, 0x10, 32);
    memset(c, 0x20, 32);
    cr_assert_eq(pouw_ledger_credit(&l, a, 5), POUW_OK);
    cr_assert_eq(pouw_ledger_credit(&l, b, 7), POUW_OK);
    cr_assert_eq(pouw_ledger_credit(&l, c, 0), POUW_OK);
    cr_assert_eq(pouw_ledger_credit(&l, a, 10), POUW_OK);
    cr_assert_eq(l.n, 3);
    cr_assert_eq(l.e[0].account[0], 0x10);
    cr_assert_eq(l.e[1].account[0], 0x20);
    cr_assert_eq(l.e[2].account[0], 0x30);
    cr_assert_eq(pouw_ledger_balance(&l, a), 15);
    cr_assert_eq(pouw_ledger_balance(&l, c), 0);
    cr_assert_eq(pouw_ledger_total(&l), 22);
    pouw_ledger m = {0};
    cr_assert_eq(pouw_ledger_copy(&m, &l), POUW_OK);
    cr_assert(pouw_ledger_equal(&l, &m));
    cr_assert_eq(pouw_ledger_credit(&m, c, 1), POUW_OK);
    cr_assert(!pouw_ledger_equal(&l, &m));
    pouw_ledger_clear(&m);
    pouw_ledger_clear(&l);
    pouw_ledger_clear(&l);
}

Test(pouw_ledger, balances_never_leave_zero_to_two_to_the_53)
{
    pouw_ledger l = {0};
    uint8_t a[32] = {9};
    cr_assert_eq(pouw_ledger_credit(&l, a, -1), POUW_ERANGE);
    cr_assert_eq(pouw_ledger_credit(&l, a, POUW_AMOUNT_MAX), POUW_OK);
    cr_assert_eq(pouw_ledger_credit(&l, a, 1), POUW_ERANGE);
    cr_assert_eq(pouw_ledger_balance(&l, a), POUW_AMOUNT_MAX, "unchanged on error");
    pouw_tx t = pouw_tx_coinbase(a, 1000, 1);
    cr_assert_eq(pouw_ledger_apply(&l, &t, 1), POUW_ERANGE);
    pouw_ledger_clear(&l);
}

/* ---------------------------------------------------------------- documents */

/* A real block of the tiny template (not mined: any attempt will do here). */
static void sample_block(pouw_block *b, const char *tag)
{
    pouw_header h;
    memset(&h, 0, sizeof h);
    h.version = POUW_HEADER_VERSION;
    h.chain_id = 7;
    h.height = 5;
    memset(h.prev_hash, 0xab, 32);
    memset(h.miner, 0x42, 32);
    h.time_ms = 1735689600123ull;
    h.prehash_bits = 0x207fffff;
    h.pps_threshold_micro = -5;
    h.mode = POUW_MODE_PPS;
    h.sessions = 3;
    h.nonce = 9007199254740991ull; /* the largest nonce a document can hold */
    pouw_tx cb = pouw_tx_coinbase(h.miner, 1000, 5);
    cr_assert_eq(pouw_tx_root(h.tx_root, NULL, &cb, 1), POUW_OK);
    pouw_ledger l = {0};
    uint8_t other[32];
    memset(other, 0x01, 32);
    cr_assert_eq(pouw_ledger_credit(&l, other, 4000), POUW_OK);
    cr_assert_eq(pouw_ledger_apply(&l, &cb, 1), POUW_OK);
    uint8_t pre[32];
    cr_assert_eq(pouw_sha256(pre, tag, strlen(tag)), POUW_OK);
    static pouw_attempt a;
    pouw_work w = {{60.0, 10.0, BSE_TIME_PERIODIC}, NULL};
    common_error err;
    cr_assert_eq(pouw_attempt_run(&a, &err, &w, pre, 3, 2), POUW_OK, "%s", err.msg);
    pouw_block_init(b);
    cr_assert_eq(pouw_block_build(b, &h, &a, &cb, 1, &l, NULL), POUW_OK);
    pouw_ledger_clear(&l);
}

static char *to_json(const pouw_block *b)
{
    char *js;
    size_t len;
    cr_assert_eq(pouw_block_to_json(&js, &len, b), POUW_OK);
    cr_assert_eq(strlen(js), len);
    cr_assert_eq(js[len - 1], '\n');
    return js;
}

Test(pouw_block, json_round_trip_gives_the_same_block)
{
    pouw_block b, c;
    sample_block(&b, "round-trip");
    char *js = to_json(&b);
    pouw_block_init(&c);
    common_error err;
    cr_assert_eq(pouw_block_parse(&c, &err, "rt.json", js, strlen(js)), POUW_OK, "%s: %s", err.field, err.msg);
    cr_assert(pouw_block_equal(&b, &c));
    char *js2 = to_json(&c);
    cr_assert_str_eq(js, js2, "writing is deterministic");
    cr_assert_neq(strstr(js, "\"nonce\":\t9007199254740991"), NULL, "integers are exact: %s", js);
    cr_assert_neq(strstr(js, "\"pps_threshold_micro\":\t-5"), NULL);
    free(js);
    free(js2);
    pouw_block_clear(&b);
    pouw_block_clear(&c);
}

Test(pouw_block, floats_are_written_in_the_shortest_form_that_reads_back_exactly)
{
    pouw_block b, c;
    sample_block(&b, "floats");
    const double vals[] = {0.1 + 0.2, 1e-300, 5e-324, 1.7976931348623157e308, -0.0, 1.0, 123456789.125, 1.0 / 3.0};
    for (size_t k = 0; k < NELEM(vals); k++) {
        b.pps = vals[k];
        b.proof[1].pps = -vals[k];
        b.useful[2][1].pps = vals[k] * 0.5;
        char *js = to_json(&b);
        pouw_block_init(&c);
        cr_assert_eq(pouw_block_parse(&c, NULL, "f", js, strlen(js)), POUW_OK);
        cr_assert_eq(memcmp(&c.pps, &vals[k], sizeof(double)), 0, "value %.17g read back as %.17g", vals[k], c.pps);
        cr_assert(pouw_block_equal(&b, &c));
        free(js);
        pouw_block_clear(&c);
    }
    b.pps = 0.1;
    char *js = to_json(&b);
    cr_assert_neq(strstr(js, "\"pps\":\t0.1,"), NULL, "shortest form");
    free(js);
    pouw_block_clear(&b);
}

Test(pouw_block, values_a_document_cannot_hold_are_not_written)
{
    pouw_block b;
    sample_block(&b, "range");
    char *js = NULL;
    size_t len;
    b.header.nonce = 9007199254740992ull;
    cr_assert_eq(pouw_block_to_json(&js, &len, &b), POUW_ERANGE);
    cr_assert_null(js);
    b.header.nonce = 1;
    b.pps = INFINITY;
    cr_assert_eq(pouw_block_to_json(&js, &len, &b), POUW_ERANGE);
    b.pps = 1;
    b.ledger.e[0].balance = -1;
    cr_assert_eq(pouw_block_to_json(&js, &len, &b), POUW_ERANGE);
    pouw_block_clear(&b);
}

Test(pouw_block, save_and_load_through_a_file)
{
    char dir[256], path[300];
    tk_tmpdir(dir);
    snprintf(path, sizeof path, "%s/b.json", dir);
    pouw_block b, c;
    sample_block(&b, "file");
    common_error err;
    cr_assert_eq(pouw_block_save(&b, &err, path), POUW_OK, "%s", err.msg);
    pouw_block_init(&c);
    cr_assert_eq(pouw_block_load(&c, &err, path), POUW_OK, "%s", err.msg);
    cr_assert(pouw_block_equal(&b, &c));
    pouw_block_clear(&c);
    cr_assert_eq(pouw_block_load(&c, &err, dir), POUW_EIO, "a folder is not a block");
    cr_assert_neq(strstr(err.msg, "regular file"), NULL, "%s", err.msg);
    snprintf(path, sizeof path, "%s/missing.json", dir);
    cr_assert_eq(pouw_block_load(&c, &err, path), POUW_EIO);
    cr_assert_str_eq(err.path, path);
    cr_assert_neq(strstr(err.msg, "No such file"), NULL, "%s", err.msg);
    pouw_block_clear(&b);
    tk_rmrf(dir);
}

/* ---------------------------------------------------------------- malformed documents */

/* The cJSON node at a dotted path with [i] indices ("proof.sessions[1].d"). */
static cJSON *node_at(cJSON *root, const char *path, cJSON **parent, char *last_key)
{
    cJSON *cur = root, *par = NULL;
    char buf[200];
    snprintf(buf, sizeof buf, "%s", path);
    last_key[0] = '\0';
    for (char *tok = strtok(buf, "."); tok && cur; tok = strtok(NULL, ".")) {
        char *br = strchr(tok, '[');
        if (br)
            *br = '\0';
        par = cur;
        cur = cJSON_GetObjectItemCaseSensitive(cur, tok);
        strcpy(last_key, tok);
        while (br && cur) {
            int idx = atoi(br + 1);
            par = cur;
            cur = cJSON_GetArrayItem(cur, idx);
            snprintf(last_key, 64, "#%d", idx);
            br = strchr(br + 1, '[');
        }
    }
    *parent = par;
    return cur;
}

typedef enum { DEL, SET, ADD } mut_kind;

typedef struct bad_case {
    const char *path;      /* where */
    mut_kind kind;
    const char *raw;       /* the new value (raw JSON) for SET/ADD */
    const char *field;     /* the field the error must name */
    const char *msg;       /* a word the message must contain */
} bad_case;

static const bad_case BAD[] = {
    {"header", DEL, NULL, "header", "missing"},
    {"header", SET, "[]", "header", "object"},
    {"header.version", DEL, NULL, "header.version", "missing"},
    {"header.version", SET, "\"1\"", "header.version", "integer"},
    {"header.version", SET, "1.5", "header.version", "integer"},
    {"header.version", SET, "-1", "header.version", "range"},
    {"header.version", SET, "4294967296", "header.version", "range"},
    {"header.chain_id", SET, "true", "header.chain_id", "integer"},
    {"header.height", SET, "9007199254740992", "header.height", "range"},
    {"header.height", SET, "1e400", "header.height", "range"},
    {"header.height", SET, "-1", "header.height", "range"},
    {"header.height", SET, "null", "header.height", "integer"},
    {"header.nonce", SET, "18446744073709551616", "header.nonce", "range"},
    {"header.nonce", SET, "123456789012345678901234567890123456789012345678901234567890", "header.nonce", "range"},
    {"header.time_ms", SET, "{}", "header.time_ms", "integer"},
    {"header.pps_threshold_micro", SET, "-9007199254740992", "header.pps_threshold_micro", "range"},
    {"header.prev_hash", SET, "\"00\"", "header.prev_hash", "hex"},
    {"header.prev_hash", SET, "\"ABABABABABABABABABABABABABABABABABABABABABABABABABABABABABABABAB\"", "header.prev_hash",
     "hex"},
    {"header.prev_hash", SET, "\"zzababababababababababababababababababababababababababababababab\"",
     "header.prev_hash", "hex"},
    {"header.tx_root", SET, "42", "header.tx_root", "hex"},
    {"header.miner", DEL, NULL, "header.miner", "missing"},
    {"header.job_digest", SET, "[1,2]", "header.job_digest", "hex"},
    {"header.sessions", SET, "\"two\"", "header.sessions", "integer"},
    {"header.extra", ADD, "1", "header.extra", "unknown"},
    {"pre_hash", DEL, NULL, "pre_hash", "missing"},
    {"pre_hash", SET, "\"0123\"", "pre_hash", "hex"},
    {"post_hash", SET, "null", "post_hash", "hex"},
    {"proof", SET, "1", "proof", "object"},
    {"proof.pps", SET, "\"12.5\"", "proof.pps", "number"},
    {"proof.pps", SET, "1e999", "proof.pps", "range"},
    {"proof.pps_micro", SET, "1.25", "proof.pps_micro", "integer"},
    {"proof.sessions", SET, "[]", "proof.sessions", "1 to 64"},
    {"proof.sessions", SET, "{}", "proof.sessions", "list"},
    {"proof.sessions[1]", SET, "[]", "proof.sessions[1]", "object"},
    {"proof.sessions[1].d", DEL, NULL, "proof.sessions[1].d", "missing"},
    {"proof.sessions[2].pps", SET, "null", "proof.sessions[2].pps", "number"},
    {"proof.sessions[0].seed", ADD, "\"x\"", "proof.sessions[0].seed", "unknown"},
    {"transactions", SET, "{}", "transactions", "list"},
    {"transactions[0]", SET, "\"coinbase\"", "transactions[0]", "object"},
    {"transactions[0].type", SET, "\"refund\"", "transactions[0].type", "unknown transaction type"},
    {"transactions[0].type", SET, "\"transfer\"", "transactions[0].height", "unknown field"},
    {"transactions[0].type", SET, "0", "transactions[0].type", "string"},
    {"transactions[0].amount", SET, "1000.5", "transactions[0].amount", "integer"},
    {"transactions[0].amount", SET, "-1000", "transactions[0].amount", "range"},
    {"transactions[0].to", SET, "\"42\"", "transactions[0].to", "hex"},
    {"transactions[0].height", DEL, NULL, "transactions[0].height", "missing"},
    {"ledger", SET, "[]", "ledger", "object"},
    {"ledger.0101010101010101010101010101010101010101010101010101010101010101", SET, "\"4000\"", "ledger[0]",
     "integer"},
    {"ledger.0101010101010101010101010101010101010101010101010101010101010101", SET, "-4000", "ledger[0]", "range"},
    {"ledger.nothex", ADD, "1", "ledger[2]", "hex"},
    {"ledger.0000000000000000000000000000000000000000000000000000000000000000", ADD, "1", "ledger[2]", "sorted"},
    {"useful_output", SET, "[]", "useful_output", "1 to 64"},
    {"useful_output[0]", SET, "null", "useful_output[0]", "object"},
    {"useful_output[0].buyer", DEL, NULL, "useful_output[0].buyer", "missing"},
    {"useful_output[0].buyer", SET, "7", "useful_output[0].buyer", "object"},
    {"useful_output[0].buyer.tid", SET, "\"B0123456789012345678\"", "useful_output[0].buyer.tid", "longer"},
    {"useful_output[0].seller.pps", SET, "\"1\"", "useful_output[0].seller.pps", "number"},
    {"useful_output[1].seller.strategy", SET, "[]", "useful_output[1].seller.strategy", "string"},
    {"job", DEL, NULL, "job", "missing"},
    {"job", SET, "\"std\"", "job", "case object"},
    {"job", SET, "{\"case_id\":\"x\"}", "job.seed", "missing"},
    {"extra", ADD, "null", "extra", "unknown"},
};

static char *mutated_doc(const char *valid, const bad_case *bc)
{
    cJSON *root = cJSON_Parse(valid);
    cr_assert_not_null(root);
    cJSON *parent;
    char key[200];
    cJSON *n = node_at(root, bc->path, &parent, key);
    cJSON *val = bc->raw ? cJSON_CreateRaw(bc->raw) : NULL; /* verbatim: cJSON cannot hold 1e400 */
    if (bc->kind == ADD) {
        cr_assert_not_null(parent, "%s", bc->path);
        cJSON_AddItemToObject(parent, key, val);
    } else {
        cr_assert_not_null(n, "no node at %s", bc->path);
        if (bc->kind == DEL) {
            cJSON_DetachItemViaPointer(parent, n);
            cJSON_Delete(n);
        } else {
            if (cJSON_IsObject(parent))
                cr_assert(cJSON_ReplaceItemInObjectCaseSensitive(parent, key, val));
            else
                cr_assert(cJSON_ReplaceItemViaPointer(parent, n, val));
        }
    }
    char *out = cJSON_PrintUnformatted(root);
    cJSON_Delete(root);
    return out;
}

Test(pouw_block_parse, every_malformed_field_is_refused_naming_it)
{
    pouw_block b, c;
    sample_block(&b, "malformed");
    char *valid = to_json(&b);
    for (size_t k = 0; k < NELEM(BAD); k++) {
        char *doc = mutated_doc(valid, &BAD[k]);
        pouw_block_init(&c);
        common_error err;
        pouw_status st = pouw_block_parse(&c, &err, "bad.json", doc, strlen(doc));
        cr_assert_eq(st, POUW_EFORMAT, "case %zu (%s) was accepted", k, BAD[k].path);
        cr_assert_str_eq(err.field, BAD[k].field, "case %zu: field (%s)", k, err.msg);
        cr_assert_str_eq(err.path, "bad.json");
        cr_assert_neq(strstr(err.msg, BAD[k].msg), NULL, "case %zu (%s): message \"%s\" lacks \"%s\"", k,
                      BAD[k].path, err.msg, BAD[k].msg);
        cr_assert_eq(c.n_sessions, 0, "the block is empty on error");
        cr_assert_null(c.txs);
        cJSON_free(doc);
    }
    free(valid);
    pouw_block_clear(&b);
}

Test(pouw_block_parse, repeated_keys_are_refused)
{
    pouw_block b, c;
    sample_block(&b, "dup");
    char *valid = to_json(&b);
    /* duplicate "pre_hash" by inserting a second one right after the first */
    const char *p = strstr(valid, "\"pre_hash\"");
    cr_assert_not_null(p);
    size_t off = (size_t)(p - valid);
    char *doc = malloc(strlen(valid) + 200);
    memcpy(doc, valid, off);
    strcpy(doc + off, "\"pre_hash\":\"00\",");
    strcat(doc, valid + off);
    common_error err;
    pouw_block_init(&c);
    cr_assert_eq(pouw_block_parse(&c, &err, "dup.json", doc, strlen(doc)), POUW_EFORMAT);
    cr_assert_str_eq(err.field, "pre_hash");
    cr_assert_neq(strstr(err.msg, "twice"), NULL, "%s", err.msg);
    free(doc);
    free(valid);
    pouw_block_clear(&b);
}

Test(pouw_block_parse, every_truncation_of_a_valid_document_is_refused)
{
    pouw_block b, c;
    sample_block(&b, "truncate");
    char *valid = to_json(&b);
    size_t len = strlen(valid);
    pouw_block_init(&c);
    for (size_t n = 0; n + 1 < len; n++) { /* all but the final newline */
        common_error err;
        pouw_status st = pouw_block_parse(&c, &err, "t.json", valid, n);
        cr_assert_eq(st, POUW_EFORMAT, "a %zu-byte prefix was accepted", n);
        cr_assert(err.msg[0] != '\0');
    }
    cr_assert_eq(pouw_block_parse(&c, NULL, "t.json", valid, len - 1), POUW_OK, "the newline is optional");
    free(valid);
    pouw_block_clear(&b);
    pouw_block_clear(&c);
}

Test(pouw_block_parse, not_json_deep_nesting_nul_and_trailing_bytes_are_refused)
{
    pouw_block c;
    pouw_block_init(&c);
    common_error err;
    const char *docs[] = {"", "   ", "[", "{\"header\":", "null", "[1,2,3]", "\"block\"", "{}garbage", "{} {}",
                          "\xff\xfe{}"};
    for (size_t k = 0; k < NELEM(docs); k++)
        cr_assert_eq(pouw_block_parse(&c, &err, "x.json", docs[k], strlen(docs[k])), POUW_EFORMAT, "doc %zu", k);
    char deep[20001];
    for (int i = 0; i < 10000; i++) {
        deep[i] = '[';
        deep[10000 + i] = ']';
    }
    deep[20000] = '\0';
    cr_assert_eq(pouw_block_parse(&c, &err, "deep.json", deep, 20000), POUW_EFORMAT);
    cr_assert_neq(strstr(err.msg, "nested deeper"), NULL, "%s", err.msg);
    cr_assert_eq(pouw_block_parse(&c, &err, "nul.json", "{}\0{}", 5), POUW_EFORMAT);
    cr_assert_neq(strstr(err.msg, "NUL"), NULL, "%s", err.msg);
    const char *ml = "{\n\n  \"a\": tru }";
    cr_assert_eq(pouw_block_parse(&c, &err, "ml.json", ml, strlen(ml)), POUW_EFORMAT);
    cr_assert_str_eq(err.field, "line 3");
}
