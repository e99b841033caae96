/* pouw/tx.c - transaction encoding, tx_root and the ledger (see tx.h).
 * Invariant: a pouw_ledger's entries are sorted by account and distinct, every
 * balance in [0, POUW_AMOUNT_MAX]. */
#include "pouw/tx.h"

#include <assert.h>
#include <stdlib.h>
#include <string.h>

#include "pouw/assumptions.h"
#include "pouw/bytes.h"
#include "pouw/merkle.h"

_Static_assert(POUW_TX_COINBASE_BYTES != 64, "no transaction encoding may be 64 bytes (Merkle nodes are)");

pouw_tx pouw_tx_coinbase(const uint8_t to[POUW_ACCOUNT_BYTES], int64_t amount, uint64_t height)
{
    pouw_tx tx;
    memset(&tx, 0, sizeof tx);
    tx.type = POUW_TX_COINBASE;
    memcpy(tx.to, to, POUW_ACCOUNT_BYTES);
    tx.amount = amount;
    tx.height = height;
    return tx;
}

pouw_status pouw_tx_encode(uint8_t bytes[POUW_TX_MAX_BYTES], size_t *len, const pouw_tx *tx)
{
    assert(bytes && len && tx);
    *len = 0;
    if (tx->type != POUW_TX_COINBASE || tx->amount < 0 || tx->amount > POUW_AMOUNT_MAX)
        return POUW_ERANGE;
    bytes[0] = (uint8_t)POUW_TX_COINBASE;
    memcpy(bytes + 1, tx->to, POUW_ACCOUNT_BYTES);
    pouw_put_i64le(bytes + 33, tx->amount);
    pouw_put_u64le(bytes + 41, tx->height);
    *len = POUW_TX_COINBASE_BYTES;
    return POUW_OK;
}

pouw_status pouw_tx_id(uint8_t id32[POUW_SHA256_BYTES], const pouw_tx *tx)
{
    assert(id32 && tx);
    memset(id32, 0, POUW_SHA256_BYTES);
    uint8_t bytes[POUW_TX_MAX_BYTES];
    size_t len;
    pouw_status st = pouw_tx_encode(bytes, &len, tx);
    if (st != POUW_OK)
        return st;
    return pouw_sha256(id32, bytes, len);
}

pouw_status pouw_tx_root(uint8_t root32[POUW_SHA256_BYTES], int *mutated, const pouw_tx *txs, size_t n)
{
    assert(root32 && (txs || n == 0));
    memset(root32, 0, POUW_SHA256_BYTES);
    if (mutated)
        *mutated = 0;
    if (n == 0)
        return pouw_merkle_root(root32, mutated, NULL, 0);
    if (n > SIZE_MAX / POUW_SHA256_BYTES)
        return POUW_ERANGE;
    uint8_t *leaves = malloc(n * POUW_SHA256_BYTES);
    if (!leaves)
        return POUW_ENOMEM;
    pouw_status st = POUW_OK;
    for (size_t i = 0; i < n && st == POUW_OK; i++)
        st = pouw_tx_id(leaves + i * POUW_SHA256_BYTES, &txs[i]);
    if (st == POUW_OK)
        st = pouw_merkle_root(root32, mutated, leaves, n);
    free(leaves);
    if (st != POUW_OK) {
        memset(root32, 0, POUW_SHA256_BYTES);
        if (mutated)
            *mutated = 0;
    }
    return st;
}

/* ---------------------------------------------------------------- ledger */

void pouw_ledger_clear(pouw_ledger *l)
{
    if (!l)
        return;
    free(l->e);
    l->e = NULL;
    l->n = l->cap = 0;
}

pouw_status pouw_ledger_copy(pouw_ledger *dst, const pouw_ledger *src)
{
    assert(dst && src);
    if (dst == src)
        return POUW_OK;
    pouw_ledger_clear(dst);
    if (src->n == 0)
        return POUW_OK;
    dst->e = malloc(src->n * sizeof *dst->e);
    if (!dst->e)
        return POUW_ENOMEM;
    memcpy(dst->e, src->e, src->n * sizeof *dst->e);
    dst->n = dst->cap = src->n;
    return POUW_OK;
}

/* Index of the first entry whose account is >= account. */
static size_t lower_bound(const pouw_ledger *l, const uint8_t account[POUW_ACCOUNT_BYTES])
{
    size_t lo = 0, hi = l->n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (memcmp(l->e[mid].account, account, POUW_ACCOUNT_BYTES) < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

int64_t pouw_ledger_balance(const pouw_ledger *l, const uint8_t account[POUW_ACCOUNT_BYTES])
{
    assert(l && account);
    size_t i = lower_bound(l, account);
    return (i < l->n && memcmp(l->e[i].account, account, POUW_ACCOUNT_BYTES) == 0) ? l->e[i].balance : 0;
}

pouw_status pouw_ledger_credit(pouw_ledger *l, const uint8_t account[POUW_ACCOUNT_BYTES], int64_t amount)
{
    assert(l && account);
    if (amount < 0 || amount > POUW_AMOUNT_MAX)
        return POUW_ERANGE;
    size_t i = lower_bound(l, account);
    if (i < l->n && memcmp(l->e[i].account, account, POUW_ACCOUNT_BYTES) == 0) {
        if (l->e[i].balance > POUW_AMOUNT_MAX - amount)
            return POUW_ERANGE;
        l->e[i].balance += amount;
        return POUW_OK;
    }
    if (l->n == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 8;
        if (cap > SIZE_MAX / sizeof *l->e)
            return POUW_ENOMEM;
        pouw_ledger_entry *ne = realloc(l->e, cap * sizeof *ne);
        if (!ne)
            return POUW_ENOMEM;
        l->e = ne;
        l->cap = cap;
    }
    memmove(&l->e[i + 1], &l->e[i], (l->n - i) * sizeof *l->e);
    memcpy(l->e[i].account, account, POUW_ACCOUNT_BYTES);
    l->e[i].balance = amount;
    l->n++;
    return POUW_OK;
}

pouw_status pouw_ledger_apply(pouw_ledger *l, const pouw_tx *txs, size_t n)
{
    assert(l && (txs || n == 0));
    for (size_t i = 0; i < n; i++) {
        if (txs[i].type != POUW_TX_COINBASE)
            return POUW_ERANGE;
        pouw_status st = pouw_ledger_credit(l, txs[i].to, txs[i].amount);
        if (st != POUW_OK)
            return st;
    }
    return POUW_OK;
}

int pouw_ledger_equal(const pouw_ledger *a, const pouw_ledger *b)
{
    assert(a && b);
    if (a->n != b->n)
        return 0;
    for (size_t i = 0; i < a->n; i++)
        if (memcmp(a->e[i].account, b->e[i].account, POUW_ACCOUNT_BYTES) != 0 || a->e[i].balance != b->e[i].balance)
            return 0;
    return 1;
}

int64_t pouw_ledger_total(const pouw_ledger *l)
{
    assert(l);
    int64_t sum = 0;
    for (size_t i = 0; i < l->n; i++) {
        if (l->e[i].balance > INT64_MAX - sum)
            return INT64_MAX;
        sum += l->e[i].balance;
    }
    return sum;
}
