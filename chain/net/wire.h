/* chain/net/wire.h - the node-to-node wire protocol (spec network.md): frames and
 * messages, encoded and decoded byte by byte. Pure functions on caller memory; no
 * sockets, no store (chain/net/node.h does the talking).
 *
 * FRAME. Every message travels in one frame: a 16-byte frame header, then the
 * payload. Integers are little-endian, fixed width, no padding.
 *
 *   offset size field
 *        0    4 magic     "PoUW" (50 6f 55 57) for the main chains,
 *                         "PoUt" (50 6f 55 74) for the testnet chains
 *        4    2 command   one of chain_net_cmd below (u16)
 *        6    2 reserved  must be 0
 *        8    4 length    payload bytes (u32), at most the command's limit
 *       12    4 checksum  the first 4 bytes of SHA-256(payload)
 *       16    - payload   `length` bytes
 *
 * A receiver reads the 16 header bytes, refuses a wrong magic, an unknown
 * command, a non-zero reserved field or a length above the command's limit
 * BEFORE reading (or allocating for) the payload, then refuses a checksum
 * mismatch, then decodes the payload, which must be consumed exactly (trailing
 * bytes are malformed).
 *
 * MESSAGES (payloads; "id" = 32 bytes: a block id is its post_hash, a transfer id
 * pouw_tx_id; "n x" = a u16 count then n entries). Limit = the most payload bytes.
 *
 *  1 version   u32 protocol (CHAIN_NET_PROTOCOL), u64 services (bit 0: the node
 *              mines), u64 nonce (random per process: a connection to oneself is
 *              dropped), u16 listen port (0: does not listen), u8 n_chains
 *              (1..CHAIN_NET_MAX_CHAINS), then per chain: u32 chain_id,
 *              32 genesis id, u64 best height, 32 best tip id, 32 cumulative
 *              weight of the tip (big-endian 256-bit, as the store keeps it).
 *              Limit 23 + 8 x 108 = 887. Each side sends it first; a peer whose
 *              protocol differs, or which shares no chain with the same genesis,
 *              is disconnected.
 *  2 verack    empty. Limit 0. Sent after accepting the peer's version.
 *  3 ping      u64 nonce. Limit 8.
 *  4 pong      u64 nonce (the ping's). Limit 8.
 *  5 announce  n x { u8 kind (1 block, 2 transfer), u32 chain_id, 32 id }
 *              (n 1..CHAIN_NET_MAX_INV). Limit 2 + 1000 x 37 = 37002.
 *  6 get       same layout as announce: ask for those blocks / transfers.
 *  7 notfound  same layout: the answer for ids of a get that the node lacks.
 *  8 block     u32 chain_id, then the block document (pouw/block.h JSON, with
 *              its ledger) filling the rest. Limit CHAIN_NET_MAX_BLOCK.
 *  9 transfer  u32 chain_id, then the standalone transfer document (pouw_tx_parse
 *              JSON, 1..POUW_TX_JSON_MAX_BYTES bytes). Limit 4 + 4096.
 * 10 getheaders u32 chain_id, u8 n (1..CHAIN_NET_MAX_LOCATOR) locator ids
 *              (newest first: the sender's best chain at tip, tip-1, tip-2,
 *              tip-4, ... genesis), 32 stop id (zero: as many as allowed).
 *              Limit 4 + 1 + 32 x 32 + 32 = 1061. The answer: the headers of
 *              the receiver's best chain after the first locator id it has on
 *              its best chain (genesis when none), up to the stop id or
 *              CHAIN_NET_MAX_HEADERS of them.
 * 11 headers   u32 chain_id, n x { 32 id, 216 header (pouw/header.h canonical
 *              bytes) } (n 0..CHAIN_NET_MAX_HEADERS, in chain order, each the
 *              parent of the next). Limit 6 + 500 x 248 = 124006.
 * 12 getaddr   empty. Limit 0.
 * 13 addr      n x { u8 family (4 or 6), 16 address (IPv4 in the first 4 bytes,
 *              the rest zero), u16 port } (n 0..CHAIN_NET_MAX_ADDRS; port
 *              non-zero). Limit 2 + 100 x 19 = 1902.
 *
 * Thread-safety: pure functions; chain_net_* of this header allocate only where
 * they say.
 */
#ifndef CHAIN_NET_WIRE_H
#define CHAIN_NET_WIRE_H

#include <stddef.h>
#include <stdint.h>

#include "common/buf.h"
#include "pouw/header.h"

#define CHAIN_NET_PROTOCOL 1u
#define CHAIN_NET_FRAME_BYTES 16
#define CHAIN_NET_MAX_CHAINS 8
#define CHAIN_NET_MAX_INV 1000
#define CHAIN_NET_MAX_LOCATOR 32
#define CHAIN_NET_MAX_HEADERS 500
#define CHAIN_NET_MAX_ADDRS 100
#define CHAIN_NET_MAX_TX_DOC 4096                 /* POUW_TX_JSON_MAX_BYTES */
#define CHAIN_NET_MAX_BLOCK ((uint32_t)32 << 20)  /* a block frame's payload */
#define CHAIN_NET_HEADER_ENTRY (32 + POUW_HEADER_BYTES)

typedef enum chain_net_cmd {
    CHAIN_NET_VERSION = 1,
    CHAIN_NET_VERACK = 2,
    CHAIN_NET_PING = 3,
    CHAIN_NET_PONG = 4,
    CHAIN_NET_ANNOUNCE = 5,
    CHAIN_NET_GET = 6,
    CHAIN_NET_NOTFOUND = 7,
    CHAIN_NET_BLOCK = 8,
    CHAIN_NET_TRANSFER = 9,
    CHAIN_NET_GETHEADERS = 10,
    CHAIN_NET_HEADERS = 11,
    CHAIN_NET_GETADDR = 12,
    CHAIN_NET_ADDR = 13,
    CHAIN_NET_CMD_LAST = 13
} chain_net_cmd;

/* What decoding found (0 = fine). Stable numbers. */
typedef enum chain_net_status {
    CHAIN_NET_OK = 0,
    CHAIN_NET_EMAGIC = 1,     /* the frame's magic is not this network's */
    CHAIN_NET_ECMD = 2,       /* unknown command, or reserved bits set */
    CHAIN_NET_EOVERSIZE = 3,  /* length above the command's limit */
    CHAIN_NET_ECHECKSUM = 4,  /* the payload's checksum differs */
    CHAIN_NET_EFORMAT = 5,    /* the payload does not decode (short, long, out of range) */
    CHAIN_NET_ENOMEM = 6,
    CHAIN_NET_ESHORT = 7      /* fewer bytes than a frame header (not an error of the peer yet) */
} chain_net_status;

/* A short name of s ("magic", "oversize", ...). Static string. */
const char *chain_net_status_name(chain_net_status s);
/* The command's name ("version", "headers"...; "unknown" when not one). */
const char *chain_net_cmd_name(unsigned cmd);
/* The payload limit of cmd (0 for unknown commands too: check chain_net_cmd_name). */
uint32_t chain_net_cmd_limit(unsigned cmd);

/* The 4 magic bytes of the main (testnet 0) or testnet (1) chains. */
void chain_net_magic(uint8_t magic[4], int testnet);

/* A frame header, decoded. */
typedef struct chain_net_frame {
    uint8_t magic[4];
    uint16_t cmd;
    uint16_t reserved;
    uint32_t len;
    uint8_t checksum[4];
} chain_net_frame;

/* Decodes the header bytes b[0..n) (n >= CHAIN_NET_FRAME_BYTES, else ESHORT) and
 * checks magic, command, reserved and length against the limit.
 * Returns OK, ESHORT, EMAGIC, ECMD, EOVERSIZE. Out: f (filled as far as read). */
chain_net_status chain_net_frame_decode(chain_net_frame *f, const uint8_t *b, size_t n, const uint8_t magic[4]);

/* Checks payload[0..f->len) against f->checksum. Returns OK or ECHECKSUM. */
chain_net_status chain_net_frame_check(const chain_net_frame *f, const uint8_t *payload);

/* Appends one frame (header then payload[0..len)) to out. Returns OK, EOVERSIZE
 * (len above the limit of cmd, or cmd unknown: nothing appended), ENOMEM. */
chain_net_status chain_net_frame_append(common_buf *out, const uint8_t magic[4], unsigned cmd, const void *payload,
                                        size_t len);

/* ---------------------------------------------------------------- messages */

typedef struct chain_net_chain_info {
    uint32_t chain_id;
    uint8_t genesis[32];
    uint64_t height;
    uint8_t tip[32];
    uint8_t cum[32];
} chain_net_chain_info;

typedef struct chain_net_version {
    uint32_t protocol;
    uint64_t services;
    uint64_t nonce;
    uint16_t port;
    uint8_t n_chains;
    chain_net_chain_info chains[CHAIN_NET_MAX_CHAINS];
} chain_net_version;

#define CHAIN_NET_INV_BLOCK 1
#define CHAIN_NET_INV_TRANSFER 2

typedef struct chain_net_inv {
    uint8_t kind;       /* CHAIN_NET_INV_BLOCK or _TRANSFER */
    uint32_t chain_id;
    uint8_t id[32];
} chain_net_inv;

typedef struct chain_net_addr {
    uint8_t family;     /* 4 or 6 */
    uint8_t addr[16];
    uint16_t port;
} chain_net_addr;

typedef struct chain_net_header_entry {
    uint8_t id[32];
    pouw_header header;
} chain_net_header_entry;

/* A decoded message. Pointers (doc, inv, headers, locator, addrs) point into the
 * payload passed to chain_net_msg_decode (inv / headers / addrs: into msg-owned
 * arrays, freed by chain_net_msg_clear). */
typedef struct chain_net_msg {
    unsigned cmd;
    chain_net_version version;
    uint64_t nonce;                    /* ping, pong */
    size_t n_inv;                      /* announce, get, notfound */
    chain_net_inv *inv;
    uint32_t chain_id;                 /* block, transfer, getheaders, headers */
    const char *doc;                   /* block, transfer: the document bytes */
    size_t doc_len;
    size_t n_locator;                  /* getheaders */
    uint8_t locator[CHAIN_NET_MAX_LOCATOR][32];
    uint8_t stop[32];
    size_t n_headers;                  /* headers */
    chain_net_header_entry *headers;
    size_t n_addrs;                    /* addr */
    chain_net_addr *addrs;
} chain_net_msg;

/* Decodes the payload p[0..len) of command cmd into m (zeroed first).
 * Returns OK, EOVERSIZE (len above the limit), ECMD, EFORMAT (short, trailing
 * bytes, a count or kind out of range, an empty document), ENOMEM.
 * Out: m (free with chain_net_msg_clear, also after an error). */
chain_net_status chain_net_msg_decode(chain_net_msg *m, unsigned cmd, const uint8_t *p, size_t len);
void chain_net_msg_clear(chain_net_msg *m);

/* Decodes the 216 canonical header bytes (pouw/header.h) into h. Cannot fail. */
void chain_net_header_decode(pouw_header *h, const uint8_t b[POUW_HEADER_BYTES]);

/* Encoders: each appends one whole frame (header and payload) to out.
 * Return OK, EOVERSIZE / EFORMAT (a count out of range: nothing appended), ENOMEM. */
chain_net_status chain_net_put_version(common_buf *out, const uint8_t magic[4], const chain_net_version *v);
chain_net_status chain_net_put_empty(common_buf *out, const uint8_t magic[4], unsigned cmd); /* verack, getaddr */
chain_net_status chain_net_put_ping(common_buf *out, const uint8_t magic[4], unsigned cmd, uint64_t nonce);
chain_net_status chain_net_put_inv(common_buf *out, const uint8_t magic[4], unsigned cmd, const chain_net_inv *inv,
                                   size_t n);
chain_net_status chain_net_put_doc(common_buf *out, const uint8_t magic[4], unsigned cmd, uint32_t chain_id,
                                   const char *doc, size_t len); /* block, transfer */
chain_net_status chain_net_put_getheaders(common_buf *out, const uint8_t magic[4], uint32_t chain_id,
                                          const uint8_t (*locator)[32], size_t n, const uint8_t stop[32]);
chain_net_status chain_net_put_headers(common_buf *out, const uint8_t magic[4], uint32_t chain_id,
                                       const chain_net_header_entry *h, size_t n);
chain_net_status chain_net_put_addr(common_buf *out, const uint8_t magic[4], const chain_net_addr *a, size_t n);

#endif /* CHAIN_NET_WIRE_H */
