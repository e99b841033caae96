#!/usr/bin/env python3
"""tests/net/make_corpus.py - writes the seed corpus of tests/fuzz/fuzz_net_wire.c
(tests/fuzz/corpus_net_wire/): well-formed frames of every command on the testnet
magic, and the malformed cases a node must refuse (bad magic, unknown command,
reserved bits, oversize length, bad checksum, trailing bytes, bad counts). Uses
tests/net/wire.py, the test side's independent encoder of chain/net/wire.h."""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import wire  # noqa: E402

out = sys.argv[1] if len(sys.argv) > 1 else "tests/fuzz/corpus_net_wire"
os.makedirs(out, exist_ok=True)
z = bytes(32)
cases = {
    "version": wire.frame(wire.VERSION, wire.version_payload(7, 9, 0, [(100, z, 3, z, z)])),
    "verack": wire.frame(wire.VERACK, b""),
    "ping": wire.frame(wire.PING, (123).to_bytes(8, "little")),
    "pong": wire.frame(wire.PONG, (123).to_bytes(8, "little")),
    "announce": wire.frame(wire.ANNOUNCE, wire.inv_payload([(1, 100, z), (2, 101, bytes([1]) * 32)])),
    "get": wire.frame(wire.GET, wire.inv_payload([(1, 100, z)])),
    "notfound": wire.frame(wire.NOTFOUND, wire.inv_payload([(2, 100, z)])),
    "block": wire.frame(wire.BLOCK, (100).to_bytes(4, "little") + b'{"header": {}}'),
    "transfer": wire.frame(wire.TRANSFER, (100).to_bytes(4, "little") + b'{"type": "transfer"}'),
    "getheaders": wire.frame(wire.GETHEADERS, wire.getheaders_payload(100, [z, z], z)),
    "headers": wire.frame(wire.HEADERS, wire.headers_payload(100, [(z, bytes(216))])),
    "headers_empty": wire.frame(wire.HEADERS, wire.headers_payload(100, [])),
    "getaddr": wire.frame(wire.GETADDR, b""),
    "addr": wire.frame(wire.ADDR, wire.addr_payload([("127.0.0.1", 7001), ("::1", 7002)])),
    "two_frames": wire.frame(wire.PING, bytes(8)) + wire.frame(wire.VERACK, b""),
    "bad_magic": b"XXXX" + wire.frame(wire.PING, bytes(8))[4:],
    "main_magic": wire.frame(wire.PING, bytes(8), magic=wire.MAIN),
    "unknown_cmd": wire.frame(99, b""),
    "reserved_set": wire.frame(wire.PING, bytes(8), reserved=1),
    "oversize_len": wire.frame_header(wire.PING, 9, b"\0\0\0\0"),
    "oversize_block": wire.frame_header(wire.BLOCK, (32 << 20) + 1, b"\0\0\0\0"),
    "bad_checksum": wire.frame(wire.PING, bytes(8), checksum=b"\0\0\0\0"),
    "trailing": wire.frame(wire.PING, bytes(9)),
    "inv_zero": wire.frame(wire.ANNOUNCE, (0).to_bytes(2, "little")),
    "inv_bad_kind": wire.frame(wire.ANNOUNCE, wire.inv_payload([(3, 100, z)])),
    "version_no_chain": wire.frame(wire.VERSION, wire.version_payload(1, 0, 0, [])),
    "addr_port0": wire.frame(wire.ADDR, wire.addr_payload([("127.0.0.1", 0)])),
    "truncated": wire.frame(wire.VERSION, wire.version_payload(1, 0, 0, [(100, z, 3, z, z)]))[:40],
    "garbage": bytes(range(256)),
}
for name, data in cases.items():
    with open(os.path.join(out, name), "wb") as f:
        f.write(data)
