/* tests/fuzz/fuzz_tx.c - fuzz target for the standalone transaction document
 * (pouw/block.h pouw_tx_parse: a mempool file) and the ledger rule on what it
 * accepts (pouw/tx.h).
 * Any input must give OK or an error with a message and a zeroed transaction;
 * never a crash, a leak or an undefined read (UBSan in `make fuzz`). An accepted
 * transaction is written back and re-parsed: the same transaction and the same
 * bytes. Its canonical encoding and id always exist; the rule's checks end in
 * one of their documented codes, and a spend the rule allows is one the
 * arithmetic allows (funds, sequence), however large the numbers. */
#include <assert.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "pouw/block.h"
#include "pouw/tx.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    pouw_tx t, u;
    common_error err;
    pouw_status st = pouw_tx_parse(&t, &err, "fuzz.json", (const char *)data, size);
    if (st != POUW_OK) {
        assert(st == POUW_EFORMAT || st == POUW_ENOMEM);
        assert(err.code != 0 && err.msg[0] != '\0');
        pouw_tx zero;
        memset(&zero, 0, sizeof zero);
        assert(memcmp(&t, &zero, sizeof t) == 0);
        return 0;
    }
    assert(t.type == POUW_TX_COINBASE || t.type == POUW_TX_TRANSFER);
    char *js = NULL, *js2 = NULL;
    size_t len = 0, len2 = 0;
    st = pouw_tx_to_json(&js, &len, &t);
    assert(st == POUW_OK || st == POUW_ENOMEM);
    if (st == POUW_OK) {
        st = pouw_tx_parse(&u, &err, "roundtrip.json", js, len);
        assert(st == POUW_OK || st == POUW_ENOMEM);
        if (st == POUW_OK) {
            assert(pouw_tx_equal(&t, &u));
            if (pouw_tx_to_json(&js2, &len2, &u) == POUW_OK)
                assert(len2 == len && memcmp(js, js2, len) == 0);
        }
    }
    free(js);
    free(js2);
    uint8_t bytes[POUW_TX_MAX_BYTES], id[32];
    size_t n;
    assert(pouw_tx_encode(bytes, &n, &t) == POUW_OK);
    assert(n == (t.type == POUW_TX_TRANSFER ? POUW_TX_TRANSFER_BYTES : POUW_TX_COINBASE_BYTES) && n != 64);
    st = pouw_tx_id(id, &t);
    assert(st == POUW_OK || st == POUW_ECRYPTO);
    if (t.type != POUW_TX_TRANSFER)
        return 0;
    st = pouw_tx_check(&t, t.chain_id);
    assert(st == POUW_OK || st == POUW_ETX || st == POUW_ERANGE || st == POUW_EBADSIG || st == POUW_ENOMEM);
    st = pouw_tx_check(&t, t.chain_id + 1u);
    assert(st == POUW_ECHAIN || st == POUW_ETX || st == POUW_ERANGE);

    /* the spend part of the rule on a ledger that funds the sender from the input */
    pouw_ledger l = {0};
    uint8_t miner[32];
    memset(miner, 0xee, sizeof miner);
    int64_t fund = (int64_t)(size * 977u) % (POUW_AMOUNT_MAX / 2);
    if (pouw_ledger_credit(&l, t.from, fund) == POUW_OK) {
        pouw_status sp = pouw_ledger_check_spend(&l, &t, miner, NULL);
        assert(sp == POUW_OK || sp == POUW_ESEQUENCE || sp == POUW_EFUNDS || sp == POUW_ERANGE);
        if (sp == POUW_OK)
            assert(t.sequence == 0 && t.amount >= 0 && t.fee >= 0 && t.amount + t.fee <= fund);
        pouw_status ap = pouw_ledger_apply_tx(&l, &t, t.chain_id, miner, NULL);
        assert(ap == POUW_OK || ap == POUW_ETX || ap == POUW_ERANGE || ap == POUW_EBADSIG || ap == POUW_ESEQUENCE ||
               ap == POUW_EFUNDS || ap == POUW_ENOMEM);
        if (ap == POUW_OK)
            assert(pouw_ledger_total(&l) == fund && pouw_ledger_sequence(&l, t.from) == 1);
        else
            assert(pouw_ledger_total(&l) == fund && pouw_ledger_sequence(&l, t.from) == 0);
    }
    pouw_ledger_clear(&l);
    return 0;
}
