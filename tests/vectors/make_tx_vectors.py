#!/usr/bin/env python3
"""Makes tests/vectors/pouw_tx_vectors.h, the pinned vectors of signed transfers
(tests/test_pouw_transfer.c): canonical bytes, signing bytes, signatures, ids, a
tx_root, and a ledger-rule scenario with the expected verdict of every step.

Provenance: every expected value below is computed here, in Python, with hashlib
(SHA-256, SHA-512), struct (little-endian packing) and plain integers - a second
implementation that shares no code with pouw/ (not even OpenSSL: Ed25519 is the
pure-Python reference of RFC 8032 section 6, checked first against the RFC's own
test vectors 1-3, as in make_pouw_vectors.py). The layouts and the ledger rule
are those written in pouw/tx.h; this script is their second reading.

Usage (python3 >= 3.9, standard library only):
    python3 tests/vectors/make_tx_vectors.py > tests/vectors/pouw_tx_vectors.h
Re-running it must reproduce that file byte for byte.
"""
import hashlib
import struct
import sys


def sha256(b):
    return hashlib.sha256(b).digest()


def hx(b):
    return b.hex()


# ---------------------------------------------------------------- Ed25519 (RFC 8032 s6)
from ed25519_ref import ed25519_public, ed25519_sign, ed25519_verify  # tests/vectors/ed25519_ref.py


RFC8032 = [
    ("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60",
     "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a", "",
     "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b"),
    ("4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb",
     "3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c", "72",
     "92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da085ac1e43e15996e458f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00"),
    ("c5aa8df43f9f837bedb7442f31dcb7b166d38535076f094b85ce3a2e0b4458f7",
     "fc51cd8e6218a1a38da47ed00230f0580816ed13ba3303ac5deb911548908025", "af82",
     "6291d657deec24024827e69c3abe01a30ce548a284743a445e3680d7db5ac3ac18ff9b538d16f290ae67f760984dc6594a7c15e9716ed28dc027beceea1ec40a"),
]
for sk, pk, m, sg in RFC8032:
    assert hx(ed25519_public(bytes.fromhex(sk))) == pk
    assert hx(ed25519_sign(bytes.fromhex(sk), bytes.fromhex(m))) == sg
    assert ed25519_verify(bytes.fromhex(pk), bytes.fromhex(m), bytes.fromhex(sg))
    assert not ed25519_verify(bytes.fromhex(pk), bytes.fromhex(m) + b"x", bytes.fromhex(sg))


# ---------------------------------------------------------------- pouw/tx.h layouts
AMOUNT_MAX = 2**53 - 1
SEQUENCE_MAX = 2**53 - 1
DOMAIN = b"BSE-PoUW/transfer/v1"
assert len(DOMAIN) == 20


def coinbase_bytes(to, amount, height):
    b = struct.pack("<B32sqQ", 0, to, amount, height)
    assert len(b) == 49
    return b


def transfer_unsigned(chain_id, frm, to, amount, sequence, fee):
    b = struct.pack("<BI32s32sqQq", 1, chain_id, frm, to, amount, sequence, fee)
    assert len(b) == 93
    return b


def signing_bytes(chain_id, frm, to, amount, sequence, fee):
    return DOMAIN + transfer_unsigned(chain_id, frm, to, amount, sequence, fee)


def merkle(leaves):
    if not leaves:
        return bytes(32)
    level = list(leaves)
    while len(level) > 1:
        if len(level) % 2:
            level.append(level[-1])
        level = [sha256(level[j] + level[j + 1]) for j in range(0, len(level), 2)]
    return level[0]


KEY_NAMES = "ABCDM"
SECRETS = {k: sha256(b"pouw tx key " + k.encode()) for k in KEY_NAMES}
PUBS = {k: ed25519_public(SECRETS[k]) for k in KEY_NAMES}


class Tx:
    def __init__(self, chain_id, frm, to, amount, sequence, fee, signer=None):
        self.chain_id, self.frm, self.to = chain_id, frm, to
        self.amount, self.sequence, self.fee = amount, sequence, fee
        self.signer = signer or frm  # a forger signs with another key
        self.msg = signing_bytes(chain_id, PUBS[frm], PUBS[to], amount, sequence, fee)
        self.sig = ed25519_sign(SECRETS[self.signer], self.msg)
        self.bytes = transfer_unsigned(chain_id, PUBS[frm], PUBS[to], amount, sequence, fee) + self.sig
        assert len(self.bytes) == 157 and len(self.bytes) != 64
        self.id = sha256(self.bytes)


# ---------------------------------------------------------------- the ledger rule
def check(ledger, tx, chain_id, miner):
    """pouw/tx.h THE LEDGER RULE, steps 1-7. ledger: {pub: [balance, next_seq]}.
    Returns (status, new ledger or None)."""
    if tx.amount < 1 or tx.fee < 0:
        return "tx", None
    if tx.amount > AMOUNT_MAX or tx.fee > AMOUNT_MAX or tx.amount + tx.fee > AMOUNT_MAX \
            or tx.sequence >= SEQUENCE_MAX:
        return "range", None
    if tx.chain_id != chain_id:
        return "chain", None
    if not ed25519_verify(PUBS[tx.frm], tx.msg, tx.sig):
        return "badsig", None
    frm, to = PUBS[tx.frm], PUBS[tx.to]
    bal, seq = ledger.get(frm, [0, 0])
    if tx.sequence != seq:
        return "sequence", None
    if tx.amount + tx.fee > bal:
        return "funds", None
    new = {k: list(v) for k, v in ledger.items()}
    moves = [(frm, -(tx.amount + tx.fee)), (to, tx.amount)]
    if tx.fee > 0:
        moves.append((miner, tx.fee))  # a zero fee does not list the miner
    deltas = {}
    for acct, d in moves:
        deltas[acct] = deltas.get(acct, 0) + d
    for acct, d in deltas.items():
        v = new.get(acct, [0, 0])[0] + d
        if v < 0 or v > AMOUNT_MAX:
            return "range", None
        new.setdefault(acct, [0, 0])[0] = v
    new[frm][1] = tx.sequence + 1
    return "ok", new


# ---------------------------------------------------------------- output
out = []
emit = out.append


def define_hex(name, b):
    emit('#define %s "%s"' % (name, hx(b)))


emit("/* tests/vectors/pouw_tx_vectors.h - pinned vectors of signed transfers and the ledger rule")
emit(" * for tests/test_pouw_transfer.c. Generated by tests/vectors/make_tx_vectors.py (hashlib,")
emit(" * struct, integers and a pure-Python Ed25519, independent of pouw/); do not edit. Byte")
emit(" * strings are lower-case hex in plain byte order. */")
emit("#ifndef POUW_TX_VECTORS_H")
emit("#define POUW_TX_VECTORS_H")
emit("")
emit("#include <stdint.h>")
emit("")
emit("/* Keys: secret = SHA-256(\"pouw tx key \" || name), names A B C D M. */")
emit("typedef struct pv_txkey { char name; const char *secret, *pub; } pv_txkey;")
emit("static const pv_txkey pv_txkeys[] = {")
for k in KEY_NAMES:
    emit('    {\'%s\', "%s",' % (k, hx(SECRETS[k])))
    emit('     "%s"},' % hx(PUBS[k]))
emit("};")
emit("")
define_hex("PV_TX_DOMAIN_HEX", DOMAIN)
emit("")

# Encoding vectors: fields chosen so every byte order shows, the edges of every
# range, and values the ledger refuses (the encoding is total over int64).
ENC = [
    Tx(0, "A", "B", 1000, 0, 0),
    Tx(1, "B", "A", AMOUNT_MAX, 0x0102030405060708, 7),
    Tx(2, "A", "A", 1, SEQUENCE_MAX - 1, AMOUNT_MAX - 1),
    Tx(0x04030201, "C", "D", 2**63 - 1, 2**64 - 1, 1),
    Tx(0, "D", "M", -5, 3, -1),
    Tx(0xFFFFFFFF, "M", "C", -(2**63), 0, -(2**63)),
]
emit("/* Transfers: fields, signing bytes (113), signature (64), canonical bytes (157) and id. */")
emit("typedef struct pv_transfer {")
emit("    uint32_t chain_id; char from, to; int64_t amount; uint64_t sequence; int64_t fee;")
emit("    const char *signing, *sig, *bytes, *id;")
emit("} pv_transfer;")


def c_i64(v):
    return "INT64_MIN" if v == -(2**63) else "INT64_C(%d)" % v


emit("static const pv_transfer pv_transfers[] = {")
for t in ENC:
    emit("    {0x%08xu, '%s', '%s', %s, UINT64_C(0x%016x), %s," % (t.chain_id, t.frm, t.to, c_i64(t.amount),
                                                                   t.sequence, c_i64(t.fee)))
    emit('     "%s",' % hx(t.msg))
    emit('     "%s",' % hx(t.sig))
    emit('     "%s",' % hx(t.bytes))
    emit('     "%s"},' % hx(t.id))
emit("};")
emit("")

# tx_root of a block: coinbase (to M, 1000, height 2), then ENC[0] and ENC[1].
cb = coinbase_bytes(PUBS["M"], 1000, 2)
root = merkle([sha256(cb), ENC[0].id, ENC[1].id])
emit("/* tx_root of [coinbase(M, 1000, height 2), pv_transfers[0], pv_transfers[1]]. */")
define_hex("PV_TX_ROOT_MIXED", root)
emit("")

# The scenario: chain 0, the block's miner M; each step is checked against the
# ledger left by the steps before it; a refused step changes nothing.
CHAIN, MINER = 0, PUBS["M"]
ledger = {PUBS["A"]: [1000, 0], PUBS["M"]: [1000, 0], PUBS["D"]: [AMOUNT_MAX - 10, 0]}
START = [(k, v[0]) for k, v in sorted(ledger.items())]
STEPS = [
    Tx(0, "A", "B", 300, 0, 5),            # ok
    Tx(0, "A", "B", 300, 0, 5),            # the same transfer again: a replay
    Tx(0, "A", "C", 700, 1, 0),            # 695 left: overspend
    Tx(1, "A", "C", 695, 1, 0),            # signed for BravoCoin
    Tx(0, "A", "C", 600, 1, 0, signer="C"),  # forged: C signs as A
    Tx(0, "B", "A", 2**63 - 1, 0, 0),      # an amount near 2^63
    Tx(0, "B", "A", AMOUNT_MAX, 0, 1),     # amount + fee beyond 2^53 - 1
    Tx(0, "B", "A", 0, 0, 0),              # nothing moved
    Tx(0, "B", "A", 10, 0, -1),            # a negative fee
    Tx(0, "B", "A", 10, 5, 0),             # a gap in B's sequences
    Tx(0, "B", "B", 100, 0, 10),           # ok: to itself, pays a fee
    Tx(0, "B", "D", 11, 1, 0),             # D's balance would pass 2^53 - 1
    Tx(0, "A", "M", 695, 1, 0),            # ok: empties A into the miner
    Tx(0, "M", "A", 1, 0, 1709),           # ok: the miner pays a fee to itself
    Tx(0, "A", "C", 1, 2, 0),              # ok: A's last coin
    Tx(0, "A", "C", 1, 3, 0),              # nothing left
]
statuses = []
for t in STEPS:
    st, new = check(ledger, t, CHAIN, MINER)
    statuses.append(st)
    if new is not None:
        ledger = new
assert statuses == ["ok", "sequence", "funds", "chain", "badsig", "range", "range", "tx", "tx", "sequence", "ok",
                    "range", "ok", "ok", "ok", "funds"], statuses
emit("/* The ledger rule, step by step on chain 0 with miner M, from the ledger pv_rule_start")
emit(" * (balances; every next sequence 0): each transfer is checked against the ledger the")
emit(" * steps before it left; \"ok\" applies it, any other verdict changes nothing. Verdicts:")
emit(" * ok, tx, range, chain, badsig, sequence, funds (pouw/tx.h steps 1-7). */")
emit("typedef struct pv_ledger_entry { const char *account; int64_t balance; uint64_t sequence; } pv_ledger_entry;")
emit("typedef struct pv_rule_step { pv_transfer tx; const char *verdict; } pv_rule_step;")
define_hex("PV_RULE_MINER", MINER)
emit("#define PV_RULE_CHAIN %du" % CHAIN)
emit("static const pv_ledger_entry pv_rule_start[] = {")
for k, b in START:
    emit('    {"%s", INT64_C(%d), 0},' % (hx(k), b))
emit("};")
emit("static const pv_rule_step pv_rule_steps[] = {")
for t, st in zip(STEPS, statuses):
    emit("    {{0x%08xu, '%s', '%s', %s, UINT64_C(%d), %s," % (t.chain_id, t.frm, t.to, c_i64(t.amount), t.sequence,
                                                            c_i64(t.fee)))
    emit('      "%s",' % hx(t.msg))
    emit('      "%s",' % hx(t.sig))
    emit('      "%s",' % hx(t.bytes))
    emit('      "%s"},' % hx(t.id))
    emit('     "%s"},' % st)
emit("};")
total = sum(v[0] for v in ledger.values())
emit("/* The ledger after the steps (sorted by account); its balances sum to %d. */" % total)
emit("static const pv_ledger_entry pv_rule_end[] = {")
for k, v in sorted(ledger.items()):
    emit('    {"%s", INT64_C(%d), UINT64_C(%d)},' % (hx(k), v[0], v[1]))
emit("};")
emit("")
emit("#endif /* POUW_TX_VECTORS_H */")

sys.stdout.write("\n".join(out) + "\n")
