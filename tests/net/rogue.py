#!/usr/bin/env python3
"""tests/net/rogue.py - a rogue peer for tests/net/run.sh: speaks the frame format
of chain/net/wire.h (through tests/net/wire.py) to one node and misbehaves.

  rogue.py PORT GENESIS

GENESIS is "chain_id:hex,chain_id:hex,..." (the node's genesis ids, so the
handshake is accepted).
Attacks, each from its own loopback address (bans are per host):
  127.0.0.2  a garbage frame, then (reconnecting) an oversize frame header:
             50 + 50 points, banned; a third connection is refused at once
  127.0.0.3  after the handshake, an invalid block: the rogue asks the node for
             its tip (get), and sends a sibling of it (a new nonce within the gate,
             so a new pre-hash, sessions that no longer give the block's digests,
             a fresh id) - as heavy as the tip, so the node re-runs its sessions
             (a lighter unasked block is not verified at all): banned for 24 h at
             once
  127.0.0.4  after the handshake, a flood of pings for several seconds: scored
             each second, disconnected once banned
  127.0.0.5  after the handshake, transfers with forged signatures: 25 points
             each, banned at the fourth
  127.0.0.6  150 well-formed headers (within the gate) whose parents nobody has:
             the node asks for the parents of each (getheaders) and keeps at most
             100 of them (DIR/peers.json "orphan_headers"; checked by run.sh);
             not misbehaviour: the connection stays
Prints one line per attack ("rogue: garbage: disconnected") and exits 1 when the
node did not disconnect it in time."""
import hashlib
import json
import os
import socket
import struct
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import wire  # noqa: E402

PORT = int(sys.argv[1])
GENESIS = [(int(c), bytes.fromhex(h)) for c, h in (x.split(":") for x in sys.argv[2].split(","))]
failed = 0


def connect(src):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.bind((src, 0))
    s.settimeout(5)
    s.connect(("127.0.0.1", PORT))
    return s


def closed_by_node(s, seconds=8):
    """True when the node closes the connection within `seconds` (reading and
    discarding what it sends)."""
    end = time.time() + seconds
    s.settimeout(0.5)
    while time.time() < end:
        try:
            b = s.recv(65536)
            if not b:
                return True
        except socket.timeout:
            continue
        except OSError:
            return True
    return False


def report(name, ok):
    global failed
    print("rogue: %s: %s" % (name, "disconnected" if ok else "NOT disconnected"), flush=True)
    if not ok:
        failed = 1


def handshake(s):
    v = wire.version_payload(0x0bad0bad, 0, 0, [(cid, g, 0, g, bytes(32)) for cid, g in GENESIS])
    s.sendall(wire.frame(wire.VERSION, v))
    s.sendall(wire.frame(wire.VERACK, b""))


def header_bytes(h):
    hx = bytes.fromhex
    return (struct.pack("<IIQ", h["version"], h["chain_id"], h["height"]) + hx(h["prev_hash"]) + hx(h["tx_root"]) +
            hx(h["ledger_root"]) + hx(h["miner"]) +
            struct.pack("<QIqIII", h["time_ms"], h["prehash_bits"], h["pps_threshold_micro"], h["mode"],
                        h["post_bits"], h["sessions"]) + hx(h["job_digest"]) + struct.pack("<Q", h["nonce"]))


def meets(digest, bits):
    exp, mant = bits >> 24, bits & 0x7FFFFF
    target = mant << (8 * (exp - 3)) if exp >= 3 else mant >> (8 * (3 - exp))
    return int.from_bytes(digest, "big") <= target


def invalid_block(doc):
    h = doc["header"]
    for k in range(1, 100000):
        h["nonce"] = (h["nonce"] + k) % (1 << 53)
        pre = hashlib.sha256(header_bytes(h)).digest()
        if meets(pre, h["prehash_bits"]):
            break
    doc["pre_hash"] = pre.hex()
    doc["post_hash"] = hashlib.sha256(b"rogue" + pre).hexdigest()
    return h["chain_id"], json.dumps(doc).encode()


# 1. garbage, then an oversize frame header from the same host
s = connect("127.0.0.2")
s.sendall(os.urandom(64))
report("garbage", closed_by_node(s))
s.close()
s = connect("127.0.0.2")
s.sendall(wire.frame_header(wire.BLOCK, (32 << 20) + 1, b"\0\0\0\0"))
report("oversize", closed_by_node(s))
s.close()
try:
    s = connect("127.0.0.2")
    report("banned host reconnecting", closed_by_node(s, 3))
    s.close()
except OSError:
    report("banned host reconnecting", True)

def next_frame(s, want, seconds=8):
    """The payload of the next frame of command `want` (others are skipped)."""
    s.settimeout(seconds)
    while True:
        f = wire.read_frame(s)
        if f is None:
            return None
        if f[0] == want:
            return f[1]


# 2. an invalid block after a handshake: a sibling of the node's tip
s = connect("127.0.0.3")
handshake(s)
ok = False
for attempt in range(4):
    v = next_frame(s, wire.VERSION) if attempt == 0 else None
    if attempt == 0:
        if v is None:
            break
        tips = {cid: (h, tip) for cid, _g, h, tip, _c in wire.parse_version(v)[4]}
        # the chain with the longest interval (fewest blocks: the tip stays the tip longest)
        cid = max((c for c in tips if tips[c][0] > 0), default=None)
        if cid is None:
            break
        tip = tips[cid][1]
    s.sendall(wire.frame(wire.GET, wire.inv_payload([(1, cid, tip)])))
    b = next_frame(s, wire.BLOCK, 15)
    if b is not None:
        cid, blk = invalid_block(json.loads(b[4:]))
        s.sendall(wire.frame(wire.BLOCK, struct.pack("<I", cid) + blk))
        if closed_by_node(s, 10):
            ok = True
            break
    # the tip moved meanwhile (the block was lighter: not verified): again on the new tip
    s.close()
    s = connect("127.0.0.3")
    handshake(s)
    v = next_frame(s, wire.VERSION, 15)
    if v is None:
        break
    tips = {c: (h, t) for c, _g, h, t, _c in wire.parse_version(v)[4]}
    tip = tips[cid][1]
report("invalid block", ok)
s.close()

# 3. a flood of pings
s = connect("127.0.0.4")
handshake(s)
time.sleep(0.3)
ping = wire.frame(wire.PING, bytes(8)) * 200
end = time.time() + 10
gone = False
s.settimeout(0.05)
while time.time() < end and not gone:
    try:
        s.sendall(ping)
    except OSError:
        gone = True
        break
    try:
        while True:
            b = s.recv(65536)
            if not b:
                gone = True
                break
    except (socket.timeout, BlockingIOError):
        pass
    except OSError:
        gone = True
report("flood", gone or closed_by_node(s, 3))
s.close()
# 4. forged transfers
s = connect("127.0.0.5")
handshake(s)
time.sleep(0.3)
cid = GENESIS[0][0]
for k in range(6):
    tx = {"type": "transfer", "chain_id": cid, "from": hashlib.sha256(b"from").hexdigest(),
          "to": hashlib.sha256(b"to").hexdigest(), "amount": 5 + k, "sequence": 0, "fee": 0,
          "signature": hashlib.sha512(b"forged%d" % k).hexdigest()}
    try:
        s.sendall(wire.frame(wire.TRANSFER, struct.pack("<I", cid) + json.dumps(tx).encode()))
    except OSError:
        break
    time.sleep(0.1)
report("forged transfers", closed_by_node(s, 8))
s.close()

# 5. orphan headers
s = connect("127.0.0.6")
handshake(s)
v = next_frame(s, wire.VERSION)
tips = {c: (h, t) for c, _g, h, t, _c in wire.parse_version(v)[4]}
cid = min(c for c in tips if tips[c][0] > 0)
s.sendall(wire.frame(wire.GET, wire.inv_payload([(1, cid, tips[cid][1])])))
h = json.loads(next_frame(s, wire.BLOCK)[4:])["header"]
for k in range(150):
    h["prev_hash"] = hashlib.sha256(b"nobody's parent %d" % k).hexdigest()
    h["height"] = 100000 + k
    for nonce in range(1, 100000):
        h["nonce"] = nonce
        if meets(hashlib.sha256(header_bytes(h)).digest(), h["prehash_bits"]):
            break
    ident = hashlib.sha256(b"orphan %d" % k).digest()
    s.sendall(wire.frame(wire.HEADERS, wire.headers_payload(cid, [(ident, header_bytes(h))])))
    time.sleep(0.01)
asked = 0
s.settimeout(2)
while True:
    f = wire.read_frame(s)
    if f is None:
        break
    if f[0] == wire.GETHEADERS:
        asked += 1
print("rogue: orphan headers: 150 sent, the node asked for their parents %d times" % asked, flush=True)
if asked < 150:
    failed = 1
s.close()
sys.exit(failed)
