/* pouw/tx.h - transactions, their canonical bytes and Merkle root, signed
 * transfers, and the ledger (spec pouw.md s2 tx_root, s7, s8.2-8.3; economy.md s1).
 *
 * A transaction is hashed through a fixed binary encoding, never its JSON text.
 * Every encoding starts with a one-byte type tag, so a later type adds a tag
 * without changing the bytes of the others (blocks mined before transfers
 * existed keep their tx_root and their ids):
 *
 *   coinbase (tag 0x00), 49 bytes:
 *     offset 0  u8     tag 0x00
 *            1  32 B   to: the recipient account (the header's miner key)
 *           33  i64le  amount (the chain's reward, in units)
 *           41  u64le  height of the block (makes every coinbase unique)
 *
 *   transfer (tag 0x01), 157 bytes:
 *     offset 0  u8     tag 0x01
 *            1  u32le  chain_id: the chain the transfer is for (0 AlphaCoin, ...)
 *            5  32 B   from: the sender's account (Ed25519 public key)
 *           37  32 B   to: the recipient's account
 *           69  i64le  amount (units, 10^6 a coin; valid: 1..POUW_AMOUNT_MAX)
 *           77  u64le  sequence: the sender's next sequence number (see below)
 *           85  i64le  fee (units to the block's miner; valid: 0..POUW_AMOUNT_MAX)
 *           93  64 B   signature: Ed25519 (pure, RFC 8032) by `from` over the
 *                      signing bytes
 *
 *   signing bytes of a transfer (113 bytes): the 20 ASCII bytes of
 *   POUW_TX_DOMAIN, "BSE-PoUW/transfer/v1", followed by bytes 0..93 of the
 *   transfer's encoding (tag, chain_id, from, to, amount, sequence, fee). The
 *   domain tag keeps a transfer signature from being valid as a signature of any
 *   other message of the project, and the chain id inside keeps a transfer signed
 *   for AlphaCoin from ever being valid on BravoCoin.
 *
 * The encoding is total: any int64 amount and fee can be encoded (so a block
 * carrying an absurd transfer still has a tx_root and is rejected for its amount
 * by the ledger rule, with its own reason, rather than for its encoding). No
 * encoding is ever 64 bytes long, so that no transaction can pose as an inner
 * Merkle node (pouw/merkle.h).
 *
 * A transaction's id is SHA-256 of its encoding (for a transfer the signature is
 * included). Leaf i of the tx_root tree is the id of transaction i, in block
 * order (coinbase first); tx_root = pouw_merkle_root(leaves). A block without
 * transactions (only genesis) has the zero root.
 *
 * Sequence numbers. Each account has a next expected sequence number, 0 before
 * it has sent anything; its k-th transfer ever (k = 0, 1, ...) on a chain must
 * carry sequence k, and applying it makes the next one k + 1. A transfer can
 * therefore be applied at most once (no replay), and a sender's transfers apply
 * in order. Next sequences are per chain (a ledger is one chain's).
 *
 * The ledger is the list of (account, balance, next sequence) after a block,
 * sorted by account bytes ascending, one entry per account, balances integers in
 * [0, POUW_AMOUNT_MAX], next sequences in [0, POUW_SEQUENCE_MAX]. Accounts whose
 * balance would be 0 are still listed once they have received coins (later
 * transfers may empty them).
 *
 * UNITS (spec s11.12). Every amount, fee and balance is an integer of units,
 * 1 coin = POUW_COIN_UNITS (10^6) units; values in documents are at most 2^53 - 1
 * units (POUW_AMOUNT_MAX); sums are 64-bit and checked before they are made.
 * People see coins with six decimals ("1000.000000"): pouw_amount_format writes
 * them, pouw_amount_parse reads them exactly (string arithmetic, no floating point).
 *
 * THE LEDGER RULE (pouw_ledger_apply_block; spec s8.2-8.3, s11.8, s11.10). A
 * block's transactions apply to its parent's ledger in order: first exactly one
 * coinbase (credited to its recipient, which the verifier checks is the header's
 * miner and pays the reward), then transfers, none of them a coinbase. A
 * transfer applies when, checked in this order:
 *   1 amount >= 1 and fee >= 0                       else POUW_ETX
 *   2 amount, fee and amount + fee <= POUW_AMOUNT_MAX,
 *     sequence < POUW_SEQUENCE_MAX                   else POUW_ERANGE
 *   3 chain_id is the block's chain                  else POUW_ECHAIN
 *   4 the signature verifies (pouw_key_verify)       else POUW_EBADSIG
 *   5 sequence == the sender's next sequence         else POUW_ESEQUENCE
 *   6 `to` not in the ledger (the transfer creates
 *     it): amount >= rules->min_new_account         else POUW_ENEWACCOUNT
 *   7 amount + fee <= the sender's balance           else POUW_EFUNDS
 *   8 amount + fee <= the sender's spendable balance:
 *     its balance less its immature coins            else POUW_EIMMATURE
 *   9 no balance leaves [0, POUW_AMOUNT_MAX]          else POUW_ERANGE
 * and then moves amount + fee out of `from`, amount to `to` and the fee to the
 * block's miner, and makes from's next sequence sequence + 1. Every sum is
 * checked before it is made (no signed overflow anywhere, amounts near 2^63
 * included). A transfer moves coins and never creates them, so the sum of the
 * balances after block h is exactly reward x h. A sender may pay itself (from ==
 * to) and may be the miner; the arithmetic above is done on the net change of
 * each distinct account.
 *
 * Immature coins (s11.10, coinbase maturity m): a transaction in block h may
 * spend the reward and the fees of block c only if h - c >= m. The caller gives
 * them as rules->immature: per account, the reward + fees of the blocks c < h
 * with c > h - m that it mined (chain/store.h chain_store_immature); with
 * rules->block_immature (m >= 1) pouw_ledger_apply_block also counts the block's
 * own coinbase and the fees earned so far in it as immature for its miner. So
 * spendable(a, h) = balance(a) - the reward + fees of the blocks c > h - m mined
 * by a. Steps 6 and 8 are skipped with rules NULL (or {0}).
 *
 * Thread-safety: plain values; a ledger must not be changed while read elsewhere.
 * Signature checks allocate OpenSSL objects (pouw_key_verify).
 */
#ifndef POUW_TX_H
#define POUW_TX_H

#include <stddef.h>
#include <stdint.h>

#include "pouw/keys.h"
#include "pouw/sha256.h"
#include "pouw/status.h"

#define POUW_TX_COINBASE 0u
#define POUW_TX_TRANSFER 1u
#define POUW_TX_COINBASE_BYTES 49
#define POUW_TX_TRANSFER_BYTES 157
#define POUW_TX_UNSIGNED_BYTES 93      /* a transfer's encoding before its signature */
#define POUW_TX_DOMAIN "BSE-PoUW/transfer/v1"
#define POUW_TX_DOMAIN_BYTES 20
#define POUW_TX_SIGNING_BYTES (POUW_TX_DOMAIN_BYTES + POUW_TX_UNSIGNED_BYTES) /* 113 */
#define POUW_TX_MAX_BYTES 256          /* room for any encoding */
#define POUW_AMOUNT_MAX ((int64_t)9007199254740991) /* 2^53 - 1: exact in JSON numbers */
#define POUW_SEQUENCE_MAX ((uint64_t)9007199254740991) /* largest next sequence (JSON-exact) */
#define POUW_ACCOUNT_BYTES 32
#define POUW_COIN_UNITS ((int64_t)1000000) /* units per coin (spec s11.12) */
#define POUW_COIN_DECIMALS 6
#define POUW_AMOUNT_TEXT_MAX 32            /* room for pouw_amount_format's text and its NUL */
#define POUW_TX_SIG_BYTES 64

/* One transaction. Fields beyond a type's own are zero. */
typedef struct pouw_tx {
    uint32_t type;                     /* POUW_TX_COINBASE or POUW_TX_TRANSFER */
    uint8_t to[POUW_ACCOUNT_BYTES];    /* recipient */
    int64_t amount;                    /* units (coinbase 0..POUW_AMOUNT_MAX; transfer: see the rule) */
    uint64_t height;                   /* coinbase: the block's height; transfer: 0 */
    uint32_t chain_id;                 /* transfer: the chain it is signed for */
    uint8_t from[POUW_ACCOUNT_BYTES];  /* transfer: the sender (signer) */
    uint64_t sequence;                 /* transfer: the sender's next sequence number */
    int64_t fee;                       /* transfer: units to the block's miner */
    uint8_t sig[POUW_TX_SIG_BYTES];    /* transfer: Ed25519 signature of the signing bytes */
} pouw_tx;

typedef struct pouw_ledger_entry {
    uint8_t account[POUW_ACCOUNT_BYTES];
    int64_t balance;
    uint64_t sequence;                 /* the account's next expected transfer sequence */
} pouw_ledger_entry;

/* A growable sorted ledger. {0} is an empty ledger; free with pouw_ledger_clear. */
typedef struct pouw_ledger {
    pouw_ledger_entry *e;  /* owned; sorted by account, distinct */
    size_t n, cap;
} pouw_ledger;

/* What the chain's genesis adds to the ledger rule (steps 6 and 8 above). {0}
 * (or a NULL pointer) adds nothing. */
typedef struct pouw_ledger_rules {
    int64_t min_new_account;        /* a transfer creating an account carries at least this (units) */
    const pouw_ledger *immature;    /* borrowed, may be NULL: per account, the coins it may not spend
                                       yet (balances of this ledger = immature units) */
    int block_immature;             /* 1: pouw_ledger_apply_block counts the block's own coinbase and
                                       fees as immature for its miner (maturity >= 1) */
} pouw_ledger_rules;

/* Writes units as coins with six decimals: 1000000000 -> "1000.000000", 1 ->
 * "0.000001", -5 -> "-0.000005". Out: out (POUW_AMOUNT_TEXT_MAX bytes).
 * Returns out. Cannot fail; no allocation. */
char *pouw_amount_format(char out[POUW_AMOUNT_TEXT_MAX], int64_t units);

/* Reads a non-negative amount of coins with at most six decimals ("12",
 * "12.5", "0.000001", "1000.000000") into units, exactly (decimal string
 * arithmetic, never floating point). Refused: empty text, a sign, white space,
 * any character but digits and one '.', a '.' without digits on both sides,
 * more than six decimals, more than POUW_AMOUNT_MAX units.
 * Returns: POUW_OK; POUW_ERANGE (above POUW_AMOUNT_MAX units, or more than six
 * decimals); POUW_EFORMAT (not a plain decimal number). Out: units (0 on error). */
__attribute__((warn_unused_result)) pouw_status pouw_amount_parse(int64_t *units, const char *text);

/* The coinbase paying amount to `to` in the block at `height`. Cannot fail. */
pouw_tx pouw_tx_coinbase(const uint8_t to[POUW_ACCOUNT_BYTES], int64_t amount, uint64_t height);

/* The unsigned transfer of amount from `from` to `to` on chain chain_id with the
 * given sequence and fee (signature zero: sign it with pouw_tx_sign). No range
 * checks (that is the ledger rule's job). Cannot fail. */
pouw_tx pouw_tx_transfer(uint32_t chain_id, const uint8_t from[POUW_ACCOUNT_BYTES],
                         const uint8_t to[POUW_ACCOUNT_BYTES], int64_t amount, uint64_t sequence, int64_t fee);

/* Writes the signing bytes of transfer tx (layout above).
 * Returns: POUW_OK; POUW_ETX when tx is not a transfer (msg zeroed).
 * Out: msg (POUW_TX_SIGNING_BYTES). No allocation. */
__attribute__((warn_unused_result)) pouw_status pouw_tx_signing_bytes(uint8_t msg[POUW_TX_SIGNING_BYTES],
                                                                      const pouw_tx *tx);

/* Signs transfer tx with key (non-empty): sets tx->from to key's public key, then
 * tx->sig to the Ed25519 signature of the signing bytes (deterministic).
 * Returns: POUW_OK; POUW_ETX (not a transfer); POUW_ENOMEM or POUW_ECRYPTO (sig
 * zeroed). In/Out: tx. Allocates an OpenSSL context, freed before return. */
__attribute__((warn_unused_result)) pouw_status pouw_tx_sign(const pouw_key *key, pouw_tx *tx);

/* Checks a transfer's signature by tx->from over its signing bytes, with
 * pouw_key_verify. Returns: POUW_OK; POUW_EBADSIG; POUW_ETX (not a transfer);
 * POUW_ENOMEM. Allocates OpenSSL objects, freed before return. */
__attribute__((warn_unused_result)) pouw_status pouw_tx_verify_signature(const pouw_tx *tx);

/* Checks what the ledger rule (above) asks of a transfer by itself, steps 1-4:
 * type, amounts, chain (chain_id: the chain it is meant for), signature.
 * Returns: POUW_OK; POUW_ETX; POUW_ERANGE; POUW_ECHAIN; POUW_EBADSIG; POUW_ENOMEM. */
__attribute__((warn_unused_result)) pouw_status pouw_tx_check(const pouw_tx *tx, uint32_t chain_id);

/* Writes the canonical bytes of tx (layout above).
 * Returns: POUW_OK and *len; POUW_ERANGE for an unknown type or a coinbase amount
 * outside [0, POUW_AMOUNT_MAX] (*len 0). Out: bytes (POUW_TX_MAX_BYTES room), len. */
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

/* ledger_root (spec s11.8): the Merkle root (pouw/merkle.h, the tx_root tree)
 * over one leaf per account in ascending account order, leaf = SHA-256(account
 * (32 B) || u64le(balance) || u64le(next sequence)); the zero root for an empty
 * ledger. Returns: POUW_OK; POUW_ENOMEM; POUW_ECRYPTO; POUW_ERANGE (root32
 * zeroed on error). Out: root32. Allocates the leaves, freed before return. */
__attribute__((warn_unused_result)) pouw_status pouw_ledger_root(uint8_t root32[POUW_SHA256_BYTES],
                                                                 const pouw_ledger *l);

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

/* The next expected transfer sequence of account (0 when absent). No allocation. */
uint64_t pouw_ledger_sequence(const pouw_ledger *l, const uint8_t account[POUW_ACCOUNT_BYTES]);

/* Checks whether tx can be applied to l now, on chain chain_id, with fees paid to
 * miner32 (a coinbase: whether its credit fits), under rules (may be NULL: no
 * minimum for new accounts, nothing immature). Transfers: the whole ledger rule
 * (above), steps 1-9 (the immature coins of the sender are rules->immature's).
 * miner32 may be NULL for a what-if check (mempool selection): the fee then
 * leaves the ledger instead of being credited.
 * Returns: POUW_OK; the rule's codes (POUW_ETX, POUW_ERANGE, POUW_ECHAIN,
 * POUW_EBADSIG, POUW_ESEQUENCE, POUW_ENEWACCOUNT, POUW_EFUNDS, POUW_EIMMATURE);
 * POUW_ENOMEM. l is not changed. */
__attribute__((warn_unused_result)) pouw_status pouw_ledger_check_tx(const pouw_ledger *l, const pouw_tx *tx,
                                                                     uint32_t chain_id, const uint8_t *miner32,
                                                                     const pouw_ledger_rules *rules);

/* Steps 5-9 of the rule only (sequence, new account, funds, maturity, resulting
 * balances), for a transfer that passed pouw_tx_check already (callers that
 * check many candidates against changing ledgers, such as mempool selection,
 * verify each signature once). miner32 and rules as for pouw_ledger_check_tx.
 * Returns: POUW_OK; POUW_ESEQUENCE; POUW_ENEWACCOUNT; POUW_EFUNDS;
 * POUW_EIMMATURE; POUW_ERANGE. No allocation. */
__attribute__((warn_unused_result)) pouw_status pouw_ledger_check_spend(const pouw_ledger *l, const pouw_tx *tx,
                                                                        const uint8_t *miner32,
                                                                        const pouw_ledger_rules *rules);

/* The coins account may spend now: its balance in l less its immature coins in
 * rules (0 when that is negative). Cannot fail; no allocation. */
int64_t pouw_ledger_spendable(const pouw_ledger *l, const uint8_t account[POUW_ACCOUNT_BYTES],
                              const pouw_ledger_rules *rules);

/* As pouw_ledger_check_tx, then applies tx (coinbase: credit to tx->to;
 * transfer: the moves of the ledger rule). Atomic: on any error l is unchanged.
 * Returns: as pouw_ledger_check_tx. May reallocate l. */
__attribute__((warn_unused_result)) pouw_status pouw_ledger_apply_tx(pouw_ledger *l, const pouw_tx *tx,
                                                                     uint32_t chain_id, const uint8_t *miner32,
                                                                     const pouw_ledger_rules *rules);

/* Applies a block's transactions txs[0..n) to l under the ledger rule for chain
 * chain_id and rules (may be NULL), fees to miner32 (the header's miner): n == 0
 * (genesis) or txs[0] a coinbase and no other coinbase (else POUW_ETX), then
 * each in order. With rules->block_immature a transfer from miner32 may not
 * spend the block's coinbase nor the fees earned before it in the block.
 * Returns: POUW_OK; the codes of pouw_ledger_apply_tx (l then holds the
 * transactions before the failing one, *bad its index); POUW_ENOMEM.
 * Out: bad (may be NULL; 0 on success). May reallocate l. */
__attribute__((warn_unused_result)) pouw_status pouw_ledger_apply_block(pouw_ledger *l, size_t *bad, uint32_t chain_id,
                                                                        const uint8_t miner32[POUW_ACCOUNT_BYTES],
                                                                        const pouw_ledger_rules *rules,
                                                                        const pouw_tx *txs, size_t n);

/* Applies txs[0..n) to l in order, for callers that build a block rather than
 * verify one: a coinbase is credited to its recipient (a list of coinbases alone
 * is credited as before transfers existed); a transfer follows the ledger rule
 * with its fee paid to txs[0].to, which must then be a coinbase (else POUW_ETX),
 * and with its chain taken as its own (step 3 is not checked: the transfers were
 * checked for the chain already, e.g. chosen by chain_mempool_select). A
 * verifier uses pouw_ledger_apply_block.
 * Returns: POUW_OK; POUW_ERANGE (an overflowing balance); the other codes of
 * pouw_ledger_apply_tx; POUW_ENOMEM. On error l holds the transactions before
 * the failing one. May reallocate l. */
__attribute__((warn_unused_result)) pouw_status pouw_ledger_apply(pouw_ledger *l, const pouw_tx *txs, size_t n);

/* 1 if a and b hold the same entries (accounts, balances, sequences), else 0. */
int pouw_ledger_equal(const pouw_ledger *a, const pouw_ledger *b);

/* Sum of all balances (the coins in existence on the chain), saturating at
 * INT64_MAX (only reachable with more than 1024 accounts near the balance cap).
 * Cannot fail. */
int64_t pouw_ledger_total(const pouw_ledger *l);

#endif /* POUW_TX_H */
