#!/usr/bin/env python3
"""Makes tests/vectors/pouw_basics_vectors.h, the pinned vectors of tests/test_pouw_basics.c.

Provenance: every expected value below is computed here, in Python, with hashlib
(SHA-256, SHA-512), struct (little-endian packing) and plain integers - a second
implementation that shares no code with pouw/ (not even OpenSSL: Ed25519 is the
pure-Python reference of RFC 8032 section 6, checked first against the RFC's own
test vectors 1-3). Compact targets follow Bitcoin Core's arith_uint256 SetCompact /
GetCompact, checked first against the cases of Bitcoin Core's
src/test/arith_uint256_tests.cpp (bignum_SetCompact). The C test therefore checks the
C code against this script, not against its own earlier output.

Usage (python3 >= 3.9, standard library only):
    python3 tests/vectors/make_pouw_vectors.py > tests/vectors/pouw_basics_vectors.h
Re-running it must reproduce that file byte for byte.
"""
import hashlib
import math
import struct
import sys


def sha256(b):
    return hashlib.sha256(b).digest()


def hx(b):
    return b.hex()


# ---------------------------------------------------------------- Ed25519 (RFC 8032 s6)
P = 2**255 - 19
Q = 2**252 + 27742317777372353535851937790883648493
D = -121665 * pow(121666, P - 2, P) % P
SQRT_M1 = pow(2, (P - 1) // 4, P)


def _add(a, b):
    A = (a[1] - a[0]) * (b[1] - b[0]) % P
    B = (a[1] + a[0]) * (b[1] + b[0]) % P
    C = 2 * a[3] * b[3] * D % P
    Dd = 2 * a[2] * b[2] % P
    E, F, G, H = B - A, Dd - C, Dd + C, B + A
    return (E * F % P, G * H % P, F * G % P, E * H % P)


def _mul(s, pt):
    r = (0, 1, 1, 0)
    while s > 0:
        if s & 1:
            r = _add(r, pt)
        pt = _add(pt, pt)
        s >>= 1
    return r


def _recover_x(y, sign):
    x2 = (y * y - 1) * pow(D * y * y + 1, P - 2, P) % P
    if x2 == 0:
        assert not sign
        return 0
    x = pow(x2, (P + 3) // 8, P)
    if (x * x - x2) % P != 0:
        x = x * SQRT_M1 % P
    assert (x * x - x2) % P == 0
    if (x & 1) != sign:
        x = P - x
    return x


_GY = 4 * pow(5, P - 2, P) % P
_GX = _recover_x(_GY, 0)
BASE = (_GX, _GY, 1, _GX * _GY % P)


def _compress(pt):
    zi = pow(pt[2], P - 2, P)
    x, y = pt[0] * zi % P, pt[1] * zi % P
    return (y | ((x & 1) << 255)).to_bytes(32, "little")


def _expand(secret):
    h = hashlib.sha512(secret).digest()
    a = int.from_bytes(h[:32], "little")
    a &= (1 << 254) - 8
    a |= 1 << 254
    return a, h[32:]


def ed25519_public(secret):
    return _compress(_mul(_expand(secret)[0], BASE))


def ed25519_sign(secret, msg):
    a, prefix = _expand(secret)
    pub = _compress(_mul(a, BASE))
    r = int.from_bytes(hashlib.sha512(prefix + msg).digest(), "little") % Q
    rs = _compress(_mul(r, BASE))
    h = int.from_bytes(hashlib.sha512(rs + pub + msg).digest(), "little") % Q
    return rs + ((r + h * a) % Q).to_bytes(32, "little")


# RFC 8032 section 7.1, TEST 1..3: (secret, public, message, signature).
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


# ---------------------------------------------------------------- compact targets
def set_compact(bits):
    """Bitcoin Core arith_uint256::SetCompact -> (value, negative, overflow)."""
    size = bits >> 24
    word = bits & 0x007FFFFF
    if size <= 3:
        word >>= 8 * (3 - size)
        value = word
    else:
        value = word << (8 * (size - 3))
    negative = word != 0 and (bits & 0x00800000) != 0
    overflow = word != 0 and (size > 34 or (word > 0xFF and size > 33) or (word > 0xFFFF and size > 32))
    return value % 2**256, negative, overflow


def get_compact(value):
    """Bitcoin Core arith_uint256::GetCompact(false)."""
    size = (value.bit_length() + 7) // 8
    if size <= 3:
        compact = value << (8 * (3 - size))
    else:
        compact = value >> (8 * (size - 3))
    if compact & 0x00800000:
        compact >>= 8
        size += 1
    return compact | (size << 24)


# Bitcoin Core src/test/arith_uint256_tests.cpp, bignum_SetCompact: (bits, value, negative, overflow).
for bits, value, neg, ovf in [
        (0, 0, False, False), (0x00123456, 0, False, False), (0x01003456, 0, False, False),
        (0x02000056, 0, False, False), (0x03000000, 0, False, False), (0x04000000, 0, False, False),
        (0x00923456, 0, False, False), (0x01803456, 0, False, False), (0x02800056, 0, False, False),
        (0x03800000, 0, False, False), (0x04800000, 0, False, False), (0x01123456, 0x12, False, False),
        (0x01FEDCBA, 0x7E, True, False), (0x02123456, 0x1234, False, False),
        (0x03123456, 0x123456, False, False), (0x04123456, 0x12345600, False, False),
        (0x04923456, 0x12345600, True, False), (0x05009234, 0x92340000, False, False),
        (0x20123456, 0x123456 << 232, False, False)]:
    assert set_compact(bits) == (value, neg, ovf), hex(bits)
assert set_compact(0xFF123456)[2]
assert get_compact(0x12) == 0x01120000 and get_compact(0x92340000) == 0x05009234


# ---------------------------------------------------------------- the vectors
out = []
emit = out.append


def define_hex(name, b):
    emit('#define %s "%s"' % (name, hx(b)))


emit("/* tests/vectors/pouw_basics_vectors.h - pinned vectors for tests/test_pouw_basics.c.")
emit(" * Generated by tests/vectors/make_pouw_vectors.py (hashlib/struct/integers, independent")
emit(" * of pouw/); do not edit. Byte strings are lower-case hex in plain byte order. */")
emit("#ifndef POUW_BASICS_VECTORS_H")
emit("#define POUW_BASICS_VECTORS_H")
emit("")
emit("#include <stdint.h>")
emit("")

# SHA-256 of known messages (FIPS 180-2 "abc" as a sanity anchor).
assert hx(sha256(b"abc")) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
long_msg = bytes(i % 251 for i in range(1000))
emit("/* SHA-256 of \"\", \"abc\" and of the 1000 bytes i % 251 (i = 0..999). */")
define_hex("PV_SHA256_EMPTY", sha256(b""))
define_hex("PV_SHA256_ABC", sha256(b"abc"))
define_hex("PV_SHA256_LONG", sha256(long_msg))
emit("")

# Header (spec pouw.md section 2). Values chosen so that every field's byte order shows.
HEADER_FMT = "<IIQ32s32s32sQIqIII32sQ"
assert struct.calcsize(HEADER_FMT) == 184
miner = bytes.fromhex(RFC8032[0][1])
hdr = dict(version=1, chain_id=2, height=0x0102030405060708, prev_hash=bytes(range(32)),
           tx_root=bytes(range(32, 64)), miner=miner, time_ms=1700000000123, prehash_bits=0x207FFFFF,
           pps_threshold_micro=-1234567, mode=1, post_bits=0x1F00FFFF, sessions=3,
           job_digest=sha256(b"job"), nonce=0xF1E2D3C4B5A69788)
ORDER = ["version", "chain_id", "height", "prev_hash", "tx_root", "miner", "time_ms", "prehash_bits",
         "pps_threshold_micro", "mode", "post_bits", "sessions", "job_digest", "nonce"]


def header_bytes(h):
    return struct.pack(HEADER_FMT, *[h[k] for k in ORDER])


hb = header_bytes(hdr)
pre = sha256(hb)
emit("/* The fixed header: field values, canonical bytes (184), pre-hash. */")
emit("#define PV_HDR_VERSION %uu" % hdr["version"])
emit("#define PV_HDR_CHAIN_ID %uu" % hdr["chain_id"])
emit("#define PV_HDR_HEIGHT UINT64_C(0x%016x)" % hdr["height"])
define_hex("PV_HDR_PREV_HASH", hdr["prev_hash"])
define_hex("PV_HDR_TX_ROOT", hdr["tx_root"])
define_hex("PV_HDR_MINER", hdr["miner"])
emit("#define PV_HDR_TIME_MS UINT64_C(%d)" % hdr["time_ms"])
emit("#define PV_HDR_PREHASH_BITS 0x%08xu" % hdr["prehash_bits"])
emit("#define PV_HDR_PPS_THRESHOLD_MICRO INT64_C(%d)" % hdr["pps_threshold_micro"])
emit("#define PV_HDR_MODE %uu" % hdr["mode"])
emit("#define PV_HDR_POST_BITS 0x%08xu" % hdr["post_bits"])
emit("#define PV_HDR_SESSIONS %uu" % hdr["sessions"])
define_hex("PV_HDR_JOB_DIGEST", hdr["job_digest"])
emit("#define PV_HDR_NONCE UINT64_C(0x%016x)" % hdr["nonce"])
define_hex("PV_HDR_BYTES", hb)
define_hex("PV_HDR_PREHASH", pre)
emit("")

# Nonce search: the same header with prehash_bits 0x1f0fffff (pass rate about 2^-12).
SEARCH_BITS = 0x1F0FFFFF
search_target = set_compact(SEARCH_BITS)[0]


def search(start, tries):
    h = dict(hdr, prehash_bits=SEARCH_BITS)
    for k in range(tries):
        h["nonce"] = (start + k) % 2**64
        d = sha256(header_bytes(h))
        if int.from_bytes(d, "big") <= search_target:
            return h["nonce"], d
    return None


n1, d1 = search(0, 1 << 20)
n2, d2 = search(n1 + 1, 1 << 20)
start3 = 2**64 - 1000  # a search that wraps past 2^64 - 1
n3, d3 = search(start3, 1 << 20)
emit("/* Nonce search on the fixed header with prehash_bits = PV_SEARCH_BITS: the first")
emit(" * passing nonce from 0, the next one after it, and the first from 2^64 - 1000. */")
emit("#define PV_SEARCH_BITS 0x%08xu" % SEARCH_BITS)
emit("#define PV_SEARCH_NONCE1 UINT64_C(%d)" % n1)
define_hex("PV_SEARCH_PREHASH1", d1)
emit("#define PV_SEARCH_NONCE2 UINT64_C(%d)" % n2)
define_hex("PV_SEARCH_PREHASH2", d2)
emit("#define PV_SEARCH_START3 UINT64_C(0x%016x)" % start3)
emit("#define PV_SEARCH_NONCE3 UINT64_C(0x%016x)" % n3)
define_hex("PV_SEARCH_PREHASH3", d3)
emit("")

# Seeds (spec section 1.3 and 3).
emit("/* Session seeds s_i = SHA-256(pre_hash || u32le(i)) and environment seeds")
emit(" * SHA-256(s_i || \"environment\") for pre_hash = PV_HDR_PREHASH, i = 0..2. */")
seeds = []
for i in range(3):
    s = sha256(pre + struct.pack("<I", i))
    seeds.append(s)
    define_hex("PV_SEED_%d" % i, s)
    define_hex("PV_ENV_SEED_%d" % i, sha256(s + b"environment"))
s_big = sha256(pre + struct.pack("<I", 0xFFFFFFFE))
define_hex("PV_SEED_FFFFFFFE", s_big)
emit("")

# Outcome digest and post-hash (spec section 1.5).
ds = [sha256(b"session-%d" % i) for i in range(3)]
outcome = sha256(b"".join(ds))
outcome0 = sha256(b"")
pps = 0.4127
pps_micro = math.floor(pps * 1e6)
post = sha256(pre + outcome + struct.pack("<q", pps_micro))
post_neg = sha256(pre + outcome + struct.pack("<q", -1234567))
emit("/* d_i = SHA-256(\"session-i\"), i = 0..2; outcome digest of those three and of none;")
emit(" * post_hash = SHA-256(pre_hash || outcome || i64le(pps_micro)) for pre_hash =")
emit(" * PV_HDR_PREHASH with pps = 0.4127 (pps_micro = %d) and with pps_micro = -1234567. */" % pps_micro)
for i in range(3):
    define_hex("PV_D_%d" % i, ds[i])
define_hex("PV_OUTCOME_3", outcome)
define_hex("PV_OUTCOME_0", outcome0)
emit("#define PV_POST_PPS %s /* %r */" % (pps.hex(), pps))
emit("#define PV_POST_PPS_MICRO INT64_C(%d)" % pps_micro)
define_hex("PV_POST_HASH", post)
define_hex("PV_POST_HASH_NEG", post_neg)
emit("")

# pps_micro = floor(pps * 1e6) in IEEE double, then the int64 range check.
emit("/* pps -> pps_micro = floor(pps * 1e6) (the double product, as Python's math.floor(pps * 1e6));")
emit(" * ok = 0 when the result is outside int64 (NaN and infinities are tested in C). */")
emit("typedef struct pv_pps { double pps; int ok; int64_t micro; } pv_pps;")
emit("static const pv_pps pv_pps_cases[] = {")
for x in [0.0, -0.0, 1.5, 0.29, 0.57, 123.456789, 1e-7, -1e-7, -5e-7, -0.4127, 1e-6, 4.35, 2.675,
          math.nextafter(2.0**63 / 1e6, 0.0), 2.0**63 / 1e6, -(2.0**63) / 1e6, -9223372036854.7764, -9223372036854.78, 1e300, -1e300]:
    f = math.floor(x * 1e6)
    ok = -2**63 <= f < 2**63
    if not ok:
        emit("    {%s, 0, 0}, /* %r */" % (x.hex(), x))
    elif f == -2**63:
        emit("    {%s, 1, INT64_MIN}, /* %r */" % (x.hex(), x))
    else:
        emit("    {%s, 1, INT64_C(%d)}, /* %r */" % (x.hex(), f, x))
emit("};")
emit("")

# Compact targets.
emit("/* Compact bits: status (0 ok, 1 negative, 2 overflow), the decoded target (big-endian)")
emit(" * and, when ok, its canonical re-encoding, the exact work floor(2^256 / (target + 1))")
emit(" * (\"\" for target 0) and that work as a double (Python's correctly rounded division). */")
emit("typedef struct pv_bits { uint32_t bits; int status; const char *target; uint32_t canon; const char *work; double work_d; } pv_bits;")
emit("static const pv_bits pv_bits_cases[] = {")
for bits in [0x1D00FFFF, 0x207FFFFF, 0x1F0FFFFF, 0x1F00FFFF, 0x1B0404CB, 0x00000000, 0x00123456, 0x01003456,
             0x01123456, 0x02123456, 0x03123456, 0x04123456, 0x05009234, 0x01803456, 0x03800000, 0x20123456,
             0x2100FFFF, 0x22000001, 0x220000FF, 0x21010000, 0x01FEDCBA, 0x04923456, 0x00800001,
             0x23000001, 0x22000100, 0xFF123456, 0x03000001, 0x03000000]:
    v, neg, ovf = set_compact(bits)
    status = 1 if neg else 2 if ovf else 0
    if status == 0:
        canon = get_compact(v)
        assert set_compact(canon)[0] <= v
        work = "" if v == 0 else "%064x" % (2**256 // (v + 1))
        wd = 2**256 / (v + 1)
        emit('    {0x%08xu, 0, "%064x", 0x%08xu, "%s", %s},' % (bits, v, canon, work, wd.hex()))
    else:
        emit('    {0x%08xu, %d, "", 0, "", 0.0},' % (bits, status))
emit("};")
emit("")

# Canonical re-encoding of arbitrary targets (GetCompact truncates low bits).
emit("/* Target -> canonical bits (GetCompact: truncates to 3 significant bytes). */")
emit("typedef struct pv_encode { const char *target; uint32_t bits; } pv_encode;")
emit("static const pv_encode pv_encode_cases[] = {")
for t in [0, 1, 0x7F, 0x80, 0xFF, 0x1234, 0x800000, 0x123456789A, 2**255, 2**256 - 1, 0xFFFF << 208,
          (0xFFFF << 208) + 1, 0x7FFFFF << 232]:
    emit('    {"%064x", 0x%08xu},' % (t, get_compact(t)))
emit("};")
emit("")

# Merkle roots (Bitcoin style with single SHA-256).
def merkle(leaves):
    if not leaves:
        return bytes(32), False
    level, mutated = list(leaves), False
    while len(level) > 1:
        for j in range(0, len(level) - 1, 2):
            if level[j] == level[j + 1]:
                mutated = True
        if len(level) % 2:
            level.append(level[-1])
        level = [sha256(level[j] + level[j + 1]) for j in range(0, len(level), 2)]
    return level[0], mutated


leaves = [sha256(b"tx%d" % i) for i in range(7)]
emit("/* Merkle: leaves L_i = SHA-256(\"tx<i>\"); roots of the first n leaves, n = 0..7; the")
emit(" * duplicated-tail list L0 L1 L2 L2 has the root of L0 L1 L2 and is flagged mutated. */")
for i in range(7):
    define_hex("PV_LEAF_%d" % i, leaves[i])
emit("static const char *const pv_merkle_roots[8] = {")
for n in range(8):
    r, m = merkle(leaves[:n])
    assert not m
    emit('    "%s",' % hx(r))
emit("};")
r_mut, m_mut = merkle(leaves[:3] + [leaves[2]])
assert m_mut and r_mut == merkle(leaves[:3])[0]
emit("")

# Ed25519.
emit("/* Ed25519: RFC 8032 section 7.1 TEST 1-3 (secret, public, message, signature), and a")
emit(" * project key: secret = SHA-256(\"pouw test key\"), message = the fixed header's bytes. */")
emit("typedef struct pv_ed25519 { const char *secret, *pub, *msg, *sig; } pv_ed25519;")
emit("static const pv_ed25519 pv_ed25519_cases[] = {")
for sk, pk, m, sg in RFC8032:
    emit('    {"%s", "%s", "%s",' % (sk, pk, m))
    emit('     "%s"},' % sg)
psk = sha256(b"pouw test key")
emit('    {"%s", "%s", "%s",' % (hx(psk), hx(ed25519_public(psk)), hx(hb)))
emit('     "%s"},' % hx(ed25519_sign(psk, hb)))
emit("};")
emit("")
emit("#endif /* POUW_BASICS_VECTORS_H */")

sys.stdout.write("\n".join(out) + "\n")
