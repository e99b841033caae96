/* pouw/tx.h - transactions, their canonical bytes and Merkle root, and the ledger
 * (spec pouw.md s2 tx_root, s7, s8.2-8.3; economy.md s1).
 *
 * A transaction is hashed through a fixed binary encoding, never its JSON text.
 * Every encoding starts with a one-byte type tag, so later types (signed
 * transfers: economy.md s1) add a tag without changing these bytes:
 *
 *   coinbase (tag 0x00), 49 bytes:
 *     offset 0  u8     tag 0x00
 *            1  32 B   to: the recipient account (the header's miner key)
 *           33  i64le  amount (the chain's reward)
 *           41  u64le  height of the block (makes every coinbase unique)
 *
 * Reserved: tag 0x01 "transfer" (chain, from, to, amount, sequence, fee,
 * Ed25519 signature by from). No encoding may ever be 64 bytes long, so that no
 * transaction can pose as an inner Merkle node (pouw/merkle.h).
 *
 * Leaf i of the tx_root tree is SHA-256(encoding of transaction i), in block order
 * (coinbase first); tx_root = pouw_merkle_root(leaves). A block without
 * transactions (only genesis) has the zero root.
 *
 * The ledger is the list of (account, balance) after a block, sorted by account
 * bytes ascending, one entry per account, balances integers in
 * [0, POUW_AMOUNT_MAX]. Accounts whose balance would be 0 are still listed once
 * they have received coins (later transfers may empty them).
 *
 * Thread-safety: plain values; a ledger must not be changed while read elsewhere.
 */
#ifndef POUW_TX_H
#define POUW_TX_H

#include <stddef.h>
#include <stdint.h>

#include "pouw/sha256.h"
#include "pouw/status.h"

#define POUW_TX_COINBASE 0u            /* the only type of this issue */
#define POUW_TX_COINBASE_BYTES 49
#define POUW_TX_MAX_BYTES 256          /* room for any encoding (transfers: 157) */
#define POUW_AMOUNT_MAX ((int64_t)9007199254740991) /* 2^53 - 1: exact in JSON numbers */
#define POUW_ACCOUNT_BYTES 32

/* One transaction. Fields beyond a type's own are zero. */
typedef struct pouw_tx {
    uint32_t type;                     /* POUW_TX_COINBASE */
    uint8_t to[POUW_ACCOUNT_BYTES];    /* recipient */
    int64_t amount;                    /* coins, 0..POUW_AMOUNT_MAX */
    uint64_t height;                   /* coinbase: the block's height */
} pouw_tx;

typedef struct pouw_ledger_entry {
    uint8_t account[POUW_ACCOUNT_BYTES];
    int64_t balance;
} pouw_ledger_entry;

/* A growable sorted ledger. {0} is an empty ledger; free with pouw_ledger_clear. */
typedef struct pouw_ledger {
    pouw_ledger_entry *e;  /* owned; sorted by account, distinct */
    size_t n, cap;
} pouw_ledger;

/* The coinbase paying amount to `to` in the block at `height`. Cannot fail. */
pouw_tx pouw_tx_coinbase(const uint8_t to[POUW_ACCOUNT_BYTES], int64_t amount, uint64_t height);

/* Writes the canonical bytes of tx (layout above).
 * Returns: POUW_OK and *len; POUW_ERANGE for an unknown type or an amount outside
 * [0, POUW_AMOUNT_MAX] (*len 0). Out: bytes (POUW_TX_MAX_BYTES room), len. */
__attribute__((warn_unused_result)) pouw_status pouw_tx_encode(uint8_t bytes[POUW_TX_MAX_BYTES], size_t *len,
                                                               const pouw_tx *tx);

/* The transaction's id: SHA-256 of its canonical bytes (the Merkle leaf).
 * Returns: as pouw_tx_encode, or POUW_ECRYPTO (id32 zeroed on error). Out: id32. */
__attribute__((warn_unused_result)) pouw_status pouw_tx_id(uint8_t id32[POUW_SHA256_BYTES], const pouw_tx *tx);

/* tx_root of txs[0..n) (txs may be NULL when n is 0).
 * Returns: POUW_OK; codes of pouw_tx_id; POUW_ENOMEM. Out: root32 (zeroed on
 * error), mutated (may be NULL; 1 when the list has the duplicated-tail shape of
 * pouw/merkle.h, which a verifier rejects). Allocates the leaves, freed before
 * return. */
__attribute__((warn_unused_result)) pouw_status pouw_tx_root(uint8_t root32[POUW_SHA256_BYTES], int *mutated,
                                                             const pouw_tx *txs, size_t n);

/* Empties the ledger and frees its storage; l may be NULL. */
void pouw_ledger_clear(pouw_ledger *l);

/* Makes dst an independent copy of src (dst's old storage is freed first).
 * Returns: POUW_OK or POUW_ENOMEM (dst is then empty). */
__attribute__((warn_unused_result)) pouw_status pouw_ledger_copy(pouw_ledger *dst, const pouw_ledger *src);

/* The balance of account (0 when absent). Binary search; no allocation. */
int64_t pouw_ledger_balance(const pouw_ledger *l, const uint8_t account[POUW_ACCOUNT_BYTES]);

/* Adds amount (>= 0) to account's balance, inserting the account in order.
 * Returns: POUW_OK; POUW_ERANGE when amount < 0 or the balance would exceed
 * POUW_AMOUNT_MAX (l unchanged); POUW_ENOMEM (l unchanged). May reallocate. */
__attribute__((warn_unused_result)) pouw_status pouw_ledger_credit(pouw_ledger *l,
                                                                   const uint8_t account[POUW_ACCOUNT_BYTES],
                                                                   int64_t amount);

/* Applies txs[0..n) to l in order (coinbase: credit). Transfers are a later issue.
 * Returns: POUW_OK; POUW_ERANGE (an unknown type or an overflowing balance; l may
 * then hold the transactions before it); POUW_ENOMEM. */
__attribute__((warn_unused_result)) pouw_status pouw_ledger_apply(pouw_ledger *l, const pouw_tx *txs, size_t n);

/* 1 if a and b hold the same entries, else 0. */
int pouw_ledger_equal(const pouw_ledger *a, const pouw_ledger *b);

/* Sum of all balances (the coins in existence on the chain), saturating at
 * INT64_MAX (only reachable with more than 1024 accounts near the balance cap).
 * Cannot fail. */
int64_t pouw_ledger_total(const pouw_ledger *l);

#endif /* POUW_TX_H */
