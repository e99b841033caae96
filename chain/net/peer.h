/* chain/net/peer.h - what a node keeps about peers, without sockets: the
 * incremental frame reader of one connection, the misbehaviour record of each
 * remote host (score, ban), and the address book (peer exchange). Plain values
 * owned by the node's loop thread (chain/net/node.c); no clock is read here, the
 * caller passes now_ms.
 *
 * Misbehaviour (spec network.md): each offence adds its points to the host's
 * score (the IP address: a peer cannot shed its score by reconnecting from
 * another port); at CHAIN_NET_BAN_SCORE the host is banned for
 * CHAIN_NET_BAN_MS, and an invalid block or header bans it for
 * CHAIN_NET_BAN_INVALID_MS (24 h) at once. A banned host's connections are
 * refused and it is never dialled. Scores decay by one point a minute, so
 * honest noise never adds up to a ban.
 */
#ifndef CHAIN_NET_PEER_H
#define CHAIN_NET_PEER_H

#include <stddef.h>
#include <stdint.h>

#include "common/buf.h"
#include "chain/net/wire.h"

/* ---------------------------------------------------------------- frame reader */

/* Bytes received on one connection and not yet consumed as frames. */
typedef struct chain_net_reader {
    common_buf buf;
    size_t off;         /* consumed bytes at the front of buf */
    uint8_t magic[4];
} chain_net_reader;

void chain_net_reader_init(chain_net_reader *r, const uint8_t magic[4]);
void chain_net_reader_clear(chain_net_reader *r);

/* Appends data[0..n). Returns OK or ENOMEM. */
chain_net_status chain_net_reader_feed(chain_net_reader *r, const void *data, size_t n);

/* The next whole frame, checked (frame header, limit, checksum): OK with *f and
 * *payload (pointing into the reader, valid until the next feed or next call);
 * ESHORT when more bytes are needed; EMAGIC, ECMD, EOVERSIZE (judged from the 16
 * header bytes alone, before the payload arrives), ECHECKSUM: the connection
 * cannot be trusted to be in step any more (drop it). */
chain_net_status chain_net_reader_next(chain_net_reader *r, chain_net_frame *f, const uint8_t **payload);

/* ---------------------------------------------------------------- misbehaviour */

#define CHAIN_NET_BAN_SCORE 100
#define CHAIN_NET_BAN_MS ((uint64_t)3600 * 1000)             /* 1 h */
#define CHAIN_NET_BAN_INVALID_MS ((uint64_t)24 * 3600 * 1000) /* 24 h */
#define CHAIN_NET_MAX_HOSTS 256

typedef enum chain_net_offence {
    CHAIN_NET_OFF_GARBAGE = 0,    /* bad magic, unknown command, bad checksum: 50 */
    CHAIN_NET_OFF_OVERSIZE,       /* a length above the command's limit: 50 */
    CHAIN_NET_OFF_MALFORMED,      /* a payload that does not decode: 25 */
    CHAIN_NET_OFF_FLOOD,          /* more messages or bytes a second than allowed: 25 */
    CHAIN_NET_OFF_PROTOCOL,       /* out of order (before the handshake, a second version): 10 */
    CHAIN_NET_OFF_BAD_TRANSFER,   /* a transfer with a bad signature or chain: 25 */
    CHAIN_NET_OFF_BAD_COPY,       /* a block copy that is malformed or oversize: 25 */
    CHAIN_NET_OFF_INVALID_BLOCK,  /* a block or header invalid by committed data: 24 h ban */
    CHAIN_NET_OFF_COUNT
} chain_net_offence;

const char *chain_net_offence_name(chain_net_offence o);

typedef struct chain_net_host {
    char ip[64];
    int score;
    uint64_t score_ms;       /* when the score last decayed */
    uint64_t banned_until;   /* Unix ms; 0: not banned */
    char reason[48];         /* the offence that banned it */
} chain_net_host;

typedef struct chain_net_hosts {
    chain_net_host h[CHAIN_NET_MAX_HOSTS];
    size_t n;
} chain_net_hosts;

/* Adds offence o to host ip. Returns 1 when the host is (now) banned, else 0. */
int chain_net_hosts_punish(chain_net_hosts *t, const char *ip, chain_net_offence o, uint64_t now_ms);
/* 1 when ip is banned at now_ms. */
int chain_net_hosts_banned(const chain_net_hosts *t, const char *ip, uint64_t now_ms);
/* The record of ip, or NULL. Scores decay (1 point a minute) as they are read. */
const chain_net_host *chain_net_hosts_get(chain_net_hosts *t, const char *ip, uint64_t now_ms);

/* ---------------------------------------------------------------- address book */

#define CHAIN_NET_MAX_BOOK 1000
#define CHAIN_NET_ADDR_MAX 80

typedef struct chain_net_book_entry {
    char host[64];           /* numeric IP */
    uint16_t port;
    int seed;                /* given on the command line: always retried */
    unsigned failures;       /* dials that failed in a row */
    uint64_t next_try_ms;    /* not dialled before */
    uint64_t last_ok_ms;     /* last handshake completed (0: never) */
} chain_net_book_entry;

typedef struct chain_net_book {
    chain_net_book_entry e[CHAIN_NET_MAX_BOOK];
    size_t n;
} chain_net_book;

/* Adds host:port (a numeric IPv4 or IPv6 address) unless known or the book is
 * full. Returns the entry (new or known), or NULL. */
chain_net_book_entry *chain_net_book_add(chain_net_book *b, const char *host, uint16_t port, int seed);
chain_net_book_entry *chain_net_book_find(chain_net_book *b, const char *host, uint16_t port);

/* Splits "HOST:PORT" or "[V6]:PORT" into host and port (1..65535).
 * Returns 0, or -1 (malformed). */
int chain_net_split_hostport(char *host, size_t host_size, uint16_t *port, const char *s);

/* Converts between chain_net_addr and a numeric host string. Return 0 or -1. */
int chain_net_addr_to_host(char *host, size_t host_size, const chain_net_addr *a);
int chain_net_addr_from_host(chain_net_addr *a, const char *host, uint16_t port);

#endif /* CHAIN_NET_PEER_H */
