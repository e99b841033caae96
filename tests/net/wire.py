"""tests/net/wire.py - the wire protocol of chain/net/wire.h written again, in
Python, from its byte-by-byte description (the test side's own encoder: the
rogue peer and the fuzz corpus use it, so the C codec is checked against a
second reading of the header)."""
import hashlib
import socket
import struct

TESTNET = b"PoUt"
MAIN = b"PoUW"
VERSION, VERACK, PING, PONG, ANNOUNCE, GET, NOTFOUND, BLOCK, TRANSFER, GETHEADERS, HEADERS, GETADDR, ADDR = range(1, 14)
PROTOCOL = 1


def frame_header(cmd, length, checksum, magic=TESTNET, reserved=0):
    return magic + struct.pack("<HHI", cmd, reserved, length) + checksum


def frame(cmd, payload, magic=TESTNET, reserved=0, checksum=None):
    c = hashlib.sha256(payload).digest()[:4] if checksum is None else checksum
    return frame_header(cmd, len(payload), c, magic, reserved) + payload


def version_payload(nonce, port, services, chains):
    """chains: (chain_id, genesis32, height, tip32, cum32)"""
    b = struct.pack("<IQQHB", PROTOCOL, services, nonce, port, len(chains))
    for cid, gen, h, tip, cum in chains:
        b += struct.pack("<I", cid) + gen + struct.pack("<Q", h) + tip + cum
    return b


def parse_version(p):
    proto, services, nonce, port, n = struct.unpack_from("<IQQHB", p, 0)
    at = 23
    chains = []
    for _ in range(n):
        cid = struct.unpack_from("<I", p, at)[0]
        gen = p[at + 4:at + 36]
        h = struct.unpack_from("<Q", p, at + 36)[0]
        tip = p[at + 44:at + 76]
        cum = p[at + 76:at + 108]
        chains.append((cid, gen, h, tip, cum))
        at += 108
    return proto, services, nonce, port, chains


def inv_payload(items):
    b = struct.pack("<H", len(items))
    for kind, cid, ident in items:
        b += struct.pack("<BI", kind, cid) + ident
    return b


def getheaders_payload(cid, locator, stop):
    return struct.pack("<IB", cid, len(locator)) + b"".join(locator) + stop


def headers_payload(cid, entries):
    return struct.pack("<IH", cid, len(entries)) + b"".join(i + h for i, h in entries)


def addr_payload(addrs):
    b = struct.pack("<H", len(addrs))
    for host, port in addrs:
        if ":" in host:
            b += b"\x06" + socket.inet_pton(socket.AF_INET6, host)
        else:
            b += b"\x04" + socket.inet_pton(socket.AF_INET, host) + bytes(12)
        b += struct.pack("<H", port)
    return b


def read_frame(sock):
    """(cmd, payload) of the next frame, or None when the connection closed."""
    h = _read(sock, 16)
    if h is None:
        return None
    cmd, _res, length = struct.unpack_from("<HHI", h, 4)
    p = _read(sock, length)
    if p is None:
        return None
    return cmd, p


def _read(sock, n):
    b = b""
    while len(b) < n:
        try:
            c = sock.recv(n - len(b))
        except (ConnectionResetError, OSError):
            return None
        if not c:
            return None
        b += c
    return b
