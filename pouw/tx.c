/* pouw/tx.c - transaction encoding, transfer signatures, tx_root and the ledger
 * rule (see tx.h; spec pouw.md s8.2-8.3, economy.md s1).
 * Invariant: a pouw_ledger's entries are sorted by account and distinct, every
 * balance in [0, POUW_AMOUNT_MAX] and every next sequence in [0,
 * POUW_SEQUENCE_MAX]; applying a block's transactions adds exactly its coinbase
 * to the sum of the balances (checked after every block in CHAIN_CHECK builds). */
#include "pouw/tx.h"

#include <assert.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pouw/assumptions.h"
#include "pouw/bytes.h"
#include "pouw/merkle.h"

_Static_assert(POUW_TX_COINBASE_BYTES != 64, "no transaction encoding may be 64 bytes (Merkle nodes are)");
_Static_assert(POUW_TX_TRANSFER_BYTES != 64, "no transaction encoding may be 64 bytes (Merkle nodes are)");
_Static_assert(POUW_TX_TRANSFER_BYTES == POUW_TX_UNSIGNED_BYTES + POUW_TX_SIG_BYTES, "transfer layout");
_Static_assert(POUW_TX_UNSIGNED_BYTES == 1 + 4 + 32 + 32 + 8 + 8 + 8, "transfer layout");
_Static_assert(sizeof POUW_TX_DOMAIN - 1 == POUW_TX_DOMAIN_BYTES, "domain tag length");
_Static_assert(POUW_TX_TRANSFER_BYTES <= POUW_TX_MAX_BYTES, "room for a transfer");
_Static_assert(POUW_TX_SIG_BYTES == POUW_ED25519_SIG_BYTES && POUW_ACCOUNT_BYTES == POUW_ED25519_PUBLIC_BYTES,
               "accounts are Ed25519 keys");

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

pouw_tx pouw_tx_transfer(uint32_t chain_id, const uint8_t from[POUW_ACCOUNT_BYTES],
                         const uint8_t to[POUW_ACCOUNT_BYTES], int64_t amount, uint64_t sequence, int64_t fee)
{
    pouw_tx tx;
    memset(&tx, 0, sizeof tx);
    tx.type = POUW_TX_TRANSFER;
    tx.chain_id = chain_id;
    memcpy(tx.from, from, POUW_ACCOUNT_BYTES);
    memcpy(tx.to, to, POUW_ACCOUNT_BYTES);
    tx.amount = amount;
    tx.sequence = sequence;
    tx.fee = fee;
    return tx;
}

/* The first POUW_TX_UNSIGNED_BYTES bytes of a transfer's encoding. */
static void transfer_unsigned(uint8_t *p, const pouw_tx *tx)
{
    p[0] = (uint8_t)POUW_TX_TRANSFER;
    pouw_put_u32le(p + 1, tx->chain_id);
    memcpy(p + 5, tx->from, POUW_ACCOUNT_BYTES);
    memcpy(p + 37, tx->to, POUW_ACCOUNT_BYTES);
    pouw_put_i64le(p + 69, tx->amount);
    pouw_put_u64le(p + 77, tx->sequence);
    pouw_put_i64le(p + 85, tx->fee);
}

pouw_status pouw_tx_encode(uint8_t bytes[POUW_TX_MAX_BYTES], size_t *len, const pouw_tx *tx)
{
    assert(bytes && len && tx);
    *len = 0;
    if (tx->type == POUW_TX_TRANSFER) {
        transfer_unsigned(bytes, tx);
        memcpy(bytes + POUW_TX_UNSIGNED_BYTES, tx->sig, POUW_TX_SIG_BYTES);
        *len = POUW_TX_TRANSFER_BYTES;
        return POUW_OK;
    }
    if (tx->type != POUW_TX_COINBASE || tx->amount < 0 || tx->amount > POUW_AMOUNT_MAX)
        return POUW_ERANGE;
    bytes[0] = (uint8_t)POUW_TX_COINBASE;
    memcpy(bytes + 1, tx->to, POUW_ACCOUNT_BYTES);
    pouw_put_i64le(bytes + 33, tx->amount);
    pouw_put_u64le(bytes + 41, tx->height);
    *len = POUW_TX_COINBASE_BYTES;
    return POUW_OK;
}

pouw_status pouw_tx_signing_bytes(uint8_t msg[POUW_TX_SIGNING_BYTES], const pouw_tx *tx)
{
    assert(msg && tx);
    memset(msg, 0, POUW_TX_SIGNING_BYTES);
    if (tx->type != POUW_TX_TRANSFER)
        return POUW_ETX;
    memcpy(msg, POUW_TX_DOMAIN, POUW_TX_DOMAIN_BYTES);
    transfer_unsigned(msg + POUW_TX_DOMAIN_BYTES, tx);
    return POUW_OK;
}

pouw_status pouw_tx_sign(const pouw_key *key, pouw_tx *tx)
{
    assert(key && key->pkey && tx);
    if (tx->type != POUW_TX_TRANSFER)
        return POUW_ETX;
    pouw_key_public(tx->from, key);
    uint8_t msg[POUW_TX_SIGNING_BYTES];
    pouw_status st = pouw_tx_signing_bytes(msg, tx);
    if (st == POUW_OK)
        st = pouw_key_sign(key, tx->sig, msg, sizeof msg);
    if (st != POUW_OK)
        memset(tx->sig, 0, sizeof tx->sig);
    return st;
}

pouw_status pouw_tx_verify_signature(const pouw_tx *tx)
{
    assert(tx);
    uint8_t msg[POUW_TX_SIGNING_BYTES];
    pouw_status st = pouw_tx_signing_bytes(msg, tx);
    if (st != POUW_OK)
        return st;
    return pouw_key_verify(tx->from, tx->sig, msg, sizeof msg);
}

pouw_status pouw_tx_check(const pouw_tx *tx, uint32_t chain_id)
{
    assert(tx);
    if (tx->type != POUW_TX_TRANSFER || tx->amount < 1 || tx->fee < 0)
        return POUW_ETX; /* rule step 1 */
    if (tx->amount > POUW_AMOUNT_MAX || tx->fee > POUW_AMOUNT_MAX || tx->amount > POUW_AMOUNT_MAX - tx->fee ||
        tx->sequence >= POUW_SEQUENCE_MAX)
        return POUW_ERANGE; /* step 2: both are in [0, 2^53) here, so the difference cannot overflow */
    if (tx->chain_id != chain_id)
        return POUW_ECHAIN; /* step 3 */
    return pouw_tx_verify_signature(tx); /* step 4 */
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

pouw_status pouw_ledger_root(uint8_t root32[POUW_SHA256_BYTES], const pouw_ledger *l)
{
    assert(root32 && l);
    memset(root32, 0, POUW_SHA256_BYTES);
    if (l->n == 0)
        return POUW_OK;
    if (l->n > SIZE_MAX / POUW_SHA256_BYTES)
        return POUW_ERANGE;
    uint8_t *leaves = malloc(l->n * POUW_SHA256_BYTES);
    if (!leaves)
        return POUW_ENOMEM;
    pouw_status st = POUW_OK;
    for (size_t i = 0; i < l->n && st == POUW_OK; i++) {
        uint8_t leaf[POUW_ACCOUNT_BYTES + 16];
        memcpy(leaf, l->e[i].account, POUW_ACCOUNT_BYTES);
        pouw_put_u64le(leaf + 32, (uint64_t)l->e[i].balance);
        pouw_put_u64le(leaf + 40, l->e[i].sequence);
        st = pouw_sha256(leaves + i * POUW_SHA256_BYTES, leaf, sizeof leaf);
    }
    if (st == POUW_OK)
        st = pouw_merkle_root(root32, NULL, leaves, l->n); /* accounts are distinct: never mutated */
    free(leaves);
    if (st != POUW_OK)
        memset(root32, 0, POUW_SHA256_BYTES);
    return st;
}

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
    l->e[i].sequence = 0;
    l->n++;
    return POUW_OK;
}

uint64_t pouw_ledger_sequence(const pouw_ledger *l, const uint8_t account[POUW_ACCOUNT_BYTES])
{
    assert(l && account);
    size_t i = lower_bound(l, account);
    return (i < l->n && memcmp(l->e[i].account, account, POUW_ACCOUNT_BYTES) == 0) ? l->e[i].sequence : 0;
}

/* Room for `extra` more entries. Returns POUW_OK or POUW_ENOMEM (l unchanged). */
static pouw_status reserve(pouw_ledger *l, size_t extra)
{
    if (l->n + extra <= l->cap)
        return POUW_OK;
    size_t cap = l->cap ? l->cap : 8;
    while (cap < l->n + extra) {
        if (cap > SIZE_MAX / 2 / sizeof *l->e)
            return POUW_ENOMEM;
        cap *= 2;
    }
    pouw_ledger_entry *ne = realloc(l->e, cap * sizeof *ne);
    if (!ne)
        return POUW_ENOMEM;
    l->e = ne;
    l->cap = cap;
    return POUW_OK;
}

/* The net effect of one transfer: up to three distinct accounts (from, to, the
 * miner) with their balances after it. */
typedef struct moves {
    int n;
    const uint8_t *acct[3];
    int64_t after[3];
} moves;

/* Adds delta to account a's running balance in m (starting from its balance in
 * l). Returns 0, or -1 when the result would leave [0, POUW_AMOUNT_MAX]. Every
 * |delta| <= 2 x POUW_AMOUNT_MAX and every running balance stays in range, so
 * the sums cannot overflow int64. */
static int move(moves *m, const pouw_ledger *l, const uint8_t *a, int64_t delta)
{
    int k = 0;
    while (k < m->n && memcmp(m->acct[k], a, POUW_ACCOUNT_BYTES) != 0)
        k++;
    if (k == m->n) {
        m->acct[k] = a;
        m->after[k] = pouw_ledger_balance(l, a);
        m->n++;
    }
    int64_t v = m->after[k] + delta;
    if (v < 0 || v > POUW_AMOUNT_MAX)
        return -1;
    m->after[k] = v;
    return 0;
}

static int has_account(const pouw_ledger *l, const uint8_t account[POUW_ACCOUNT_BYTES])
{
    size_t i = lower_bound(l, account);
    return i < l->n && memcmp(l->e[i].account, account, POUW_ACCOUNT_BYTES) == 0;
}

/* The immature coins of account a under rules r, plus own (the block's own
 * earnings when a is its miner); both in [0, POUW_AMOUNT_MAX], so the sum fits. */
static int64_t locked_of(const pouw_ledger_rules *r, const uint8_t *a, int64_t own)
{
    int64_t v = r && r->immature ? pouw_ledger_balance(r->immature, a) : 0;
    return v + own;
}

/* Steps 5-9 of the rule for a transfer that passed steps 1-4; own: coins of the
 * sender earned in this very block that are immature. Out: m. */
static pouw_status check_spend(moves *m, const pouw_ledger *l, const pouw_tx *tx, const uint8_t *miner32,
                               const pouw_ledger_rules *r, int64_t own)
{
    memset(m, 0, sizeof *m);
    if (tx->amount < 0 || tx->fee < 0 || tx->amount > POUW_AMOUNT_MAX || tx->fee > POUW_AMOUNT_MAX - tx->amount ||
        tx->sequence >= POUW_SEQUENCE_MAX)
        return POUW_ERANGE; /* step 2 again: never trust a caller with a sum */
    if (tx->sequence != pouw_ledger_sequence(l, tx->from))
        return POUW_ESEQUENCE;
    if (r && tx->amount < r->min_new_account && !has_account(l, tx->to))
        return POUW_ENEWACCOUNT; /* step 6 (s11.8) */
    int64_t cost = tx->amount + tx->fee; /* <= POUW_AMOUNT_MAX */
    int64_t bal = pouw_ledger_balance(l, tx->from);
    if (cost > bal)
        return POUW_EFUNDS;
    if (cost > bal - locked_of(r, tx->from, own)) /* |each| < 2^54: no overflow */
        return POUW_EIMMATURE; /* step 8 (s11.10) */
    if (move(m, l, tx->from, -cost) || move(m, l, tx->to, tx->amount) ||
        (miner32 && tx->fee > 0 && move(m, l, miner32, tx->fee)))
        return POUW_ERANGE;
    return POUW_OK;
}

pouw_status pouw_ledger_check_spend(const pouw_ledger *l, const pouw_tx *tx, const uint8_t *miner32,
                                    const pouw_ledger_rules *rules)
{
    assert(l && tx && tx->type == POUW_TX_TRANSFER);
    moves m;
    return check_spend(&m, l, tx, miner32, rules, 0);
}

int64_t pouw_ledger_spendable(const pouw_ledger *l, const uint8_t account[POUW_ACCOUNT_BYTES],
                              const pouw_ledger_rules *rules)
{
    assert(l && account);
    int64_t v = pouw_ledger_balance(l, account) - locked_of(rules, account, 0);
    return v > 0 ? v : 0;
}

pouw_status pouw_ledger_check_tx(const pouw_ledger *l, const pouw_tx *tx, uint32_t chain_id, const uint8_t *miner32,
                                 const pouw_ledger_rules *rules)
{
    assert(l && tx);
    if (tx->type == POUW_TX_COINBASE) {
        if (tx->amount < 0 || tx->amount > POUW_AMOUNT_MAX ||
            pouw_ledger_balance(l, tx->to) > POUW_AMOUNT_MAX - tx->amount)
            return POUW_ERANGE;
        return POUW_OK;
    }
    pouw_status st = pouw_tx_check(tx, chain_id);
    if (st != POUW_OK)
        return st;
    moves m;
    return check_spend(&m, l, tx, miner32, rules, 0);
}

/* Sets account a's balance to v, inserting it (room reserved) when absent. */
static void set_balance(pouw_ledger *l, const uint8_t *a, int64_t v)
{
    size_t i = lower_bound(l, a);
    if (i < l->n && memcmp(l->e[i].account, a, POUW_ACCOUNT_BYTES) == 0) {
        l->e[i].balance = v;
        return;
    }
    assert(l->n < l->cap);
    memmove(&l->e[i + 1], &l->e[i], (l->n - i) * sizeof *l->e);
    memcpy(l->e[i].account, a, POUW_ACCOUNT_BYTES);
    l->e[i].balance = v;
    l->e[i].sequence = 0;
    l->n++;
}

/* Applies a transfer that passed steps 1-4 (atomic). */
static pouw_status apply_transfer(pouw_ledger *l, const pouw_tx *tx, const uint8_t *miner32,
                                  const pouw_ledger_rules *r, int64_t own)
{
    moves m;
    pouw_status st = check_spend(&m, l, tx, miner32, r, own);
    if (st != POUW_OK)
        return st;
    if ((st = reserve(l, 2)) != POUW_OK) /* to and the miner may be new */
        return st;
    for (int k = 0; k < m.n; k++)
        set_balance(l, m.acct[k], m.after[k]);
    size_t i = lower_bound(l, tx->from); /* present: it had coins to send */
    assert(i < l->n && memcmp(l->e[i].account, tx->from, POUW_ACCOUNT_BYTES) == 0);
    l->e[i].sequence = tx->sequence + 1;
    return POUW_OK;
}

/* pouw_ledger_apply_tx with own: the sender's immature earnings of this block. */
static pouw_status apply_tx(pouw_ledger *l, const pouw_tx *tx, uint32_t chain_id, const uint8_t *miner32,
                            const pouw_ledger_rules *r, int64_t own)
{
    if (tx->type == POUW_TX_COINBASE)
        return pouw_ledger_credit(l, tx->to, tx->amount);
    pouw_status st = pouw_tx_check(tx, chain_id);
    if (st != POUW_OK)
        return st;
    return apply_transfer(l, tx, miner32, r, own);
}

pouw_status pouw_ledger_apply_tx(pouw_ledger *l, const pouw_tx *tx, uint32_t chain_id, const uint8_t *miner32,
                                 const pouw_ledger_rules *rules)
{
    assert(l && tx);
    return apply_tx(l, tx, chain_id, miner32, rules, 0);
}

#ifdef CHAIN_CHECK
/* Test builds: the ledger invariant, and coin conservation (a block adds exactly
 * its coinbase to the coins in existence). */
static void check_ledger(const pouw_ledger *l, int64_t total_before, int64_t minted)
{
    for (size_t i = 0; i < l->n; i++) {
        assert(l->e[i].balance >= 0 && l->e[i].balance <= POUW_AMOUNT_MAX);
        assert(l->e[i].sequence <= POUW_SEQUENCE_MAX);
        assert(i == 0 || memcmp(l->e[i - 1].account, l->e[i].account, POUW_ACCOUNT_BYTES) < 0);
    }
    int64_t after = pouw_ledger_total(l);
    if (total_before < INT64_MAX - minted && after < INT64_MAX)
        assert(after == total_before + minted);
}
#endif

/* Applies txs[0..n) in order; fees to miner32 (NULL: txs[0].to); chain_any: each
 * transfer's own chain is accepted; r: the chain's rules (may be NULL). */
static pouw_status apply_list(pouw_ledger *l, size_t *bad, int chain_any, uint32_t chain_id, const uint8_t *miner32,
                              const pouw_ledger_rules *r, const pouw_tx *txs, size_t n)
{
    if (bad)
        *bad = 0;
    int64_t earned = 0; /* the miner's coinbase and fees so far in this block (<= its balance) */
#ifdef CHAIN_CHECK
    int64_t before = pouw_ledger_total(l), minted = 0;
#endif
    for (size_t i = 0; i < n; i++) {
        const pouw_tx *tx = &txs[i];
        pouw_status st;
        if (tx->type == POUW_TX_TRANSFER) {
            if (txs[0].type != POUW_TX_COINBASE)
                st = POUW_ETX; /* no miner to pay: the coinbase comes first */
            else {
                const uint8_t *mn = miner32 ? miner32 : txs[0].to;
                int64_t own = r && r->block_immature && memcmp(tx->from, mn, POUW_ACCOUNT_BYTES) == 0 ? earned : 0;
                st = apply_tx(l, tx, chain_any ? tx->chain_id : chain_id, mn, r, own);
                if (st == POUW_OK) /* every fee is the miner's earning of this block */
                    earned = tx->fee > POUW_AMOUNT_MAX - earned ? POUW_AMOUNT_MAX : earned + tx->fee;
            }
        } else if (tx->type == POUW_TX_COINBASE) {
            st = pouw_ledger_credit(l, tx->to, tx->amount);
            if (st == POUW_OK && i == 0)
                earned = tx->amount;
#ifdef CHAIN_CHECK
            if (st == POUW_OK)
                minted += tx->amount;
#endif
        } else {
            st = POUW_ETX;
        }
        if (st != POUW_OK) {
            if (bad)
                *bad = i;
            return st;
        }
    }
#ifdef CHAIN_CHECK
    check_ledger(l, before, minted);
#endif
    return POUW_OK;
}

pouw_status pouw_ledger_apply_block(pouw_ledger *l, size_t *bad, uint32_t chain_id,
                                    const uint8_t miner32[POUW_ACCOUNT_BYTES], const pouw_ledger_rules *rules,
                                    const pouw_tx *txs, size_t n)
{
    assert(l && miner32 && (txs || n == 0));
    if (bad)
        *bad = 0;
    for (size_t i = 0; i < n; i++)
        if ((i == 0) != (txs[i].type == POUW_TX_COINBASE)) {
            if (bad)
                *bad = i;
            return POUW_ETX; /* exactly one coinbase, first */
        }
    return apply_list(l, bad, 0, chain_id, miner32, rules, txs, n);
}

pouw_status pouw_ledger_apply(pouw_ledger *l, const pouw_tx *txs, size_t n)
{
    assert(l && (txs || n == 0));
    return apply_list(l, NULL, 1, 0, NULL, NULL, txs, n);
}

int pouw_ledger_equal(const pouw_ledger *a, const pouw_ledger *b)
{
    assert(a && b);
    if (a->n != b->n)
        return 0;
    for (size_t i = 0; i < a->n; i++)
        if (memcmp(a->e[i].account, b->e[i].account, POUW_ACCOUNT_BYTES) != 0 || a->e[i].balance != b->e[i].balance ||
            a->e[i].sequence != b->e[i].sequence)
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

/* ---------------------------------------------------------------- coins for people */

char *pouw_amount_format(char out[POUW_AMOUNT_TEXT_MAX], int64_t units)
{
    assert(out);
    /* magnitude as unsigned: -INT64_MIN does not overflow there */
    uint64_t mag = units < 0 ? (uint64_t)0 - (uint64_t)units : (uint64_t)units;
    uint64_t whole = mag / (uint64_t)POUW_COIN_UNITS, frac = mag % (uint64_t)POUW_COIN_UNITS;
    snprintf(out, POUW_AMOUNT_TEXT_MAX, "%s%" PRIu64 ".%06" PRIu64, units < 0 ? "-" : "", whole, frac);
    return out;
}

pouw_status pouw_amount_parse(int64_t *units, const char *text)
{
    assert(units && text);
    *units = 0;
    const char *p = text;
    uint64_t whole = 0, frac = 0;
    int nw = 0, nf = 0;
    while (*p >= '0' && *p <= '9') {
        if (whole > (uint64_t)POUW_AMOUNT_MAX) /* keep reading digits; the value is too large anyway */
            whole = (uint64_t)POUW_AMOUNT_MAX + 1;
        else
            whole = whole * 10 + (uint64_t)(*p - '0');
        p++;
        nw++;
    }
    if (nw == 0)
        return POUW_EFORMAT;
    if (*p == '.') {
        p++;
        while (*p >= '0' && *p <= '9') {
            if (nf < POUW_COIN_DECIMALS)
                frac = frac * 10 + (uint64_t)(*p - '0');
            if (nf <= POUW_COIN_DECIMALS)
                nf++; /* stops at 7: a seventh decimal (even a 0) is refused below */
            p++;
        }
        if (nf == 0)
            return POUW_EFORMAT;
    }
    if (*p != '\0')
        return POUW_EFORMAT;
    if (nf > POUW_COIN_DECIMALS)
        return POUW_ERANGE;
    for (int k = nf; k < POUW_COIN_DECIMALS; k++)
        frac *= 10;
    if (whole > (uint64_t)POUW_AMOUNT_MAX / (uint64_t)POUW_COIN_UNITS)
        return POUW_ERANGE;
    uint64_t v = whole * (uint64_t)POUW_COIN_UNITS + frac;
    if (v > (uint64_t)POUW_AMOUNT_MAX)
        return POUW_ERANGE;
    *units = (int64_t)v;
    return POUW_OK;
}
