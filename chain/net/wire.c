/* chain/net/wire.c - frames and messages of the wire protocol (wire.h has the
 * layout byte by byte). */
#include "chain/net/wire.h"

#include <stdlib.h>
#include <string.h>

#include "pouw/sha256.h"

/* ---------------------------------------------------------------- little-endian */

static void put16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
}
static void put32(uint8_t *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}
static void put64(uint8_t *p, uint64_t v)
{
    for (int i = 0; i < 8; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}
static uint16_t get16(const uint8_t *p) { return (uint16_t)(p[0] | (p[1] << 8)); }
static uint32_t get32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}
static uint64_t get64(const uint8_t *p)
{
    uint64_t v = 0;
    for (int i = 7; i >= 0; i--)
        v = v << 8 | p[i];
    return v;
}

/* ---------------------------------------------------------------- names, limits */

static const char *const CMD_NAMES[] = {
    "unknown", "version", "verack", "ping", "pong", "announce", "get", "notfound",
    "block", "transfer", "getheaders", "headers", "getaddr", "addr",
};

const char *chain_net_cmd_name(unsigned cmd)
{
    return cmd >= 1 && cmd <= CHAIN_NET_CMD_LAST ? CMD_NAMES[cmd] : CMD_NAMES[0];
}

uint32_t chain_net_cmd_limit(unsigned cmd)
{
    switch (cmd) {
    case CHAIN_NET_VERSION:
        return 23 + CHAIN_NET_MAX_CHAINS * 108;
    case CHAIN_NET_VERACK:
    case CHAIN_NET_GETADDR:
        return 0;
    case CHAIN_NET_PING:
    case CHAIN_NET_PONG:
        return 8;
    case CHAIN_NET_ANNOUNCE:
    case CHAIN_NET_GET:
    case CHAIN_NET_NOTFOUND:
        return 2 + CHAIN_NET_MAX_INV * 37;
    case CHAIN_NET_BLOCK:
        return CHAIN_NET_MAX_BLOCK;
    case CHAIN_NET_TRANSFER:
        return 4 + CHAIN_NET_MAX_TX_DOC;
    case CHAIN_NET_GETHEADERS:
        return 4 + 1 + 32 * CHAIN_NET_MAX_LOCATOR + 32;
    case CHAIN_NET_HEADERS:
        return 6 + CHAIN_NET_MAX_HEADERS * CHAIN_NET_HEADER_ENTRY;
    case CHAIN_NET_ADDR:
        return 2 + CHAIN_NET_MAX_ADDRS * 19;
    default:
        return 0;
    }
}

const char *chain_net_status_name(chain_net_status s)
{
    switch (s) {
    case CHAIN_NET_OK:
        return "ok";
    case CHAIN_NET_EMAGIC:
        return "magic";
    case CHAIN_NET_ECMD:
        return "command";
    case CHAIN_NET_EOVERSIZE:
        return "oversize";
    case CHAIN_NET_ECHECKSUM:
        return "checksum";
    case CHAIN_NET_EFORMAT:
        return "format";
    case CHAIN_NET_ENOMEM:
        return "out of memory";
    case CHAIN_NET_ESHORT:
        return "short";
    }
    return "unknown";
}

void chain_net_magic(uint8_t magic[4], int testnet)
{
    magic[0] = 'P';
    magic[1] = 'o';
    magic[2] = 'U';
    magic[3] = testnet ? 't' : 'W';
}

/* ---------------------------------------------------------------- frames */

chain_net_status chain_net_frame_decode(chain_net_frame *f, const uint8_t *b, size_t n, const uint8_t magic[4])
{
    memset(f, 0, sizeof *f);
    if (n < CHAIN_NET_FRAME_BYTES)
        return CHAIN_NET_ESHORT;
    memcpy(f->magic, b, 4);
    f->cmd = get16(b + 4);
    f->reserved = get16(b + 6);
    f->len = get32(b + 8);
    memcpy(f->checksum, b + 12, 4);
    if (memcmp(f->magic, magic, 4) != 0)
        return CHAIN_NET_EMAGIC;
    if (f->cmd < 1 || f->cmd > CHAIN_NET_CMD_LAST || f->reserved != 0)
        return CHAIN_NET_ECMD;
    if (f->len > chain_net_cmd_limit(f->cmd))
        return CHAIN_NET_EOVERSIZE;
    return CHAIN_NET_OK;
}

static int checksum(uint8_t out[4], const void *p, size_t len)
{
    uint8_t d[32];
    if (pouw_sha256(d, len ? p : "", len) != POUW_OK)
        return -1;
    memcpy(out, d, 4);
    return 0;
}

chain_net_status chain_net_frame_check(const chain_net_frame *f, const uint8_t *payload)
{
    uint8_t c[4];
    if (checksum(c, payload, f->len) != 0 || memcmp(c, f->checksum, 4) != 0)
        return CHAIN_NET_ECHECKSUM;
    return CHAIN_NET_OK;
}

/* Reserves a frame header in out; the payload follows; frame_end fills it. */
static chain_net_status frame_begin(common_buf *out, size_t *at)
{
    static const uint8_t zero[CHAIN_NET_FRAME_BYTES];
    *at = out->len;
    return common_buf_append(out, zero, sizeof zero) ? CHAIN_NET_ENOMEM : CHAIN_NET_OK;
}

static chain_net_status frame_end(common_buf *out, size_t at, const uint8_t magic[4], unsigned cmd)
{
    if (out->oom) {
        out->len = at;
        return CHAIN_NET_ENOMEM;
    }
    size_t len = out->len - at - CHAIN_NET_FRAME_BYTES;
    if (cmd < 1 || cmd > CHAIN_NET_CMD_LAST || len > chain_net_cmd_limit(cmd)) {
        out->len = at;
        return CHAIN_NET_EOVERSIZE;
    }
    uint8_t *h = (uint8_t *)out->data + at;
    memcpy(h, magic, 4);
    put16(h + 4, (uint16_t)cmd);
    put16(h + 6, 0);
    put32(h + 8, (uint32_t)len);
    if (checksum(h + 12, h + CHAIN_NET_FRAME_BYTES, len) != 0) {
        out->len = at;
        return CHAIN_NET_ENOMEM;
    }
    return CHAIN_NET_OK;
}

chain_net_status chain_net_frame_append(common_buf *out, const uint8_t magic[4], unsigned cmd, const void *payload,
                                        size_t len)
{
    if (cmd < 1 || cmd > CHAIN_NET_CMD_LAST || len > chain_net_cmd_limit(cmd))
        return CHAIN_NET_EOVERSIZE;
    size_t at;
    chain_net_status st = frame_begin(out, &at);
    if (st != CHAIN_NET_OK)
        return st;
    if (len)
        (void)common_buf_append(out, payload, len);
    return frame_end(out, at, magic, cmd);
}

/* ---------------------------------------------------------------- headers */

void chain_net_header_decode(pouw_header *h, const uint8_t b[POUW_HEADER_BYTES])
{
    memset(h, 0, sizeof *h);
    h->version = get32(b + 0);
    h->chain_id = get32(b + 4);
    h->height = get64(b + 8);
    memcpy(h->prev_hash, b + 16, 32);
    memcpy(h->tx_root, b + 48, 32);
    memcpy(h->ledger_root, b + 80, 32);
    memcpy(h->miner, b + 112, 32);
    h->time_ms = get64(b + 144);
    h->prehash_bits = get32(b + 152);
    h->pps_threshold_micro = (int64_t)get64(b + 156);
    h->mode = get32(b + 164);
    h->post_bits = get32(b + 168);
    h->sessions = get32(b + 172);
    memcpy(h->job_digest, b + 176, 32);
    h->nonce = get64(b + 208);
}

/* ---------------------------------------------------------------- decode */

typedef struct reader {
    const uint8_t *p;
    size_t len, at;
    int bad;
} reader;

static const uint8_t *take(reader *r, size_t n)
{
    if (r->bad || r->len - r->at < n) {
        r->bad = 1;
        return NULL;
    }
    const uint8_t *q = r->p + r->at;
    r->at += n;
    return q;
}
static uint8_t rd8(reader *r)
{
    const uint8_t *q = take(r, 1);
    return q ? q[0] : 0;
}
static uint16_t rd16(reader *r)
{
    const uint8_t *q = take(r, 2);
    return q ? get16(q) : 0;
}
static uint32_t rd32(reader *r)
{
    const uint8_t *q = take(r, 4);
    return q ? get32(q) : 0;
}
static uint64_t rd64(reader *r)
{
    const uint8_t *q = take(r, 8);
    return q ? get64(q) : 0;
}
static void rdn(reader *r, uint8_t *out, size_t n)
{
    const uint8_t *q = take(r, n);
    if (q)
        memcpy(out, q, n);
    else
        memset(out, 0, n);
}

void chain_net_msg_clear(chain_net_msg *m)
{
    if (!m)
        return;
    free(m->inv);
    free(m->headers);
    free(m->addrs);
    m->inv = NULL;
    m->headers = NULL;
    m->addrs = NULL;
    m->n_inv = m->n_headers = m->n_addrs = 0;
}

chain_net_status chain_net_msg_decode(chain_net_msg *m, unsigned cmd, const uint8_t *p, size_t len)
{
    memset(m, 0, sizeof *m);
    m->cmd = cmd;
    if (cmd < 1 || cmd > CHAIN_NET_CMD_LAST)
        return CHAIN_NET_ECMD;
    if (len > chain_net_cmd_limit(cmd))
        return CHAIN_NET_EOVERSIZE;
    reader r = {p, len, 0, 0};
    switch (cmd) {
    case CHAIN_NET_VERSION: {
        chain_net_version *v = &m->version;
        v->protocol = rd32(&r);
        v->services = rd64(&r);
        v->nonce = rd64(&r);
        v->port = rd16(&r);
        v->n_chains = rd8(&r);
        if (v->n_chains < 1 || v->n_chains > CHAIN_NET_MAX_CHAINS)
            return CHAIN_NET_EFORMAT;
        for (unsigned i = 0; i < v->n_chains; i++) {
            chain_net_chain_info *c = &v->chains[i];
            c->chain_id = rd32(&r);
            rdn(&r, c->genesis, 32);
            c->height = rd64(&r);
            rdn(&r, c->tip, 32);
            rdn(&r, c->cum, 32);
        }
        break;
    }
    case CHAIN_NET_VERACK:
    case CHAIN_NET_GETADDR:
        break;
    case CHAIN_NET_PING:
    case CHAIN_NET_PONG:
        m->nonce = rd64(&r);
        break;
    case CHAIN_NET_ANNOUNCE:
    case CHAIN_NET_GET:
    case CHAIN_NET_NOTFOUND: {
        size_t n = rd16(&r);
        if (r.bad || n < 1 || n > CHAIN_NET_MAX_INV || len - r.at != n * 37)
            return CHAIN_NET_EFORMAT;
        if (!(m->inv = calloc(n, sizeof *m->inv)))
            return CHAIN_NET_ENOMEM;
        m->n_inv = n;
        for (size_t i = 0; i < n; i++) {
            m->inv[i].kind = rd8(&r);
            m->inv[i].chain_id = rd32(&r);
            rdn(&r, m->inv[i].id, 32);
            if (m->inv[i].kind != CHAIN_NET_INV_BLOCK && m->inv[i].kind != CHAIN_NET_INV_TRANSFER)
                return CHAIN_NET_EFORMAT;
        }
        break;
    }
    case CHAIN_NET_BLOCK:
    case CHAIN_NET_TRANSFER:
        m->chain_id = rd32(&r);
        if (r.bad || r.at == len)
            return CHAIN_NET_EFORMAT; /* no document */
        if (cmd == CHAIN_NET_TRANSFER && len - r.at > CHAIN_NET_MAX_TX_DOC)
            return CHAIN_NET_EFORMAT;
        m->doc = (const char *)p + r.at;
        m->doc_len = len - r.at;
        r.at = len;
        break;
    case CHAIN_NET_GETHEADERS:
        m->chain_id = rd32(&r);
        m->n_locator = rd8(&r);
        if (r.bad || m->n_locator < 1 || m->n_locator > CHAIN_NET_MAX_LOCATOR)
            return CHAIN_NET_EFORMAT;
        for (size_t i = 0; i < m->n_locator; i++)
            rdn(&r, m->locator[i], 32);
        rdn(&r, m->stop, 32);
        break;
    case CHAIN_NET_HEADERS: {
        m->chain_id = rd32(&r);
        size_t n = rd16(&r);
        if (r.bad || n > CHAIN_NET_MAX_HEADERS || len - r.at != n * CHAIN_NET_HEADER_ENTRY)
            return CHAIN_NET_EFORMAT;
        if (n && !(m->headers = calloc(n, sizeof *m->headers)))
            return CHAIN_NET_ENOMEM;
        m->n_headers = n;
        for (size_t i = 0; i < n; i++) {
            rdn(&r, m->headers[i].id, 32);
            const uint8_t *hb = take(&r, POUW_HEADER_BYTES);
            if (hb)
                chain_net_header_decode(&m->headers[i].header, hb);
        }
        break;
    }
    case CHAIN_NET_ADDR: {
        size_t n = rd16(&r);
        if (r.bad || n > CHAIN_NET_MAX_ADDRS || len - r.at != n * 19)
            return CHAIN_NET_EFORMAT;
        if (n && !(m->addrs = calloc(n, sizeof *m->addrs)))
            return CHAIN_NET_ENOMEM;
        m->n_addrs = n;
        for (size_t i = 0; i < n; i++) {
            chain_net_addr *a = &m->addrs[i];
            a->family = rd8(&r);
            rdn(&r, a->addr, 16);
            a->port = rd16(&r);
            if ((a->family != 4 && a->family != 6) || a->port == 0)
                return CHAIN_NET_EFORMAT;
            if (a->family == 4)
                for (int k = 4; k < 16; k++)
                    if (a->addr[k])
                        return CHAIN_NET_EFORMAT;
        }
        break;
    }
    }
    if (r.bad || r.at != len)
        return CHAIN_NET_EFORMAT;
    return CHAIN_NET_OK;
}

/* ---------------------------------------------------------------- encode */

static void ap(common_buf *out, const void *p, size_t n) { (void)common_buf_append(out, p, n); }
static void ap8(common_buf *out, uint8_t v) { ap(out, &v, 1); }
static void ap16(common_buf *out, uint16_t v)
{
    uint8_t b[2];
    put16(b, v);
    ap(out, b, 2);
}
static void ap32(common_buf *out, uint32_t v)
{
    uint8_t b[4];
    put32(b, v);
    ap(out, b, 4);
}
static void ap64(common_buf *out, uint64_t v)
{
    uint8_t b[8];
    put64(b, v);
    ap(out, b, 8);
}

chain_net_status chain_net_put_version(common_buf *out, const uint8_t magic[4], const chain_net_version *v)
{
    if (v->n_chains < 1 || v->n_chains > CHAIN_NET_MAX_CHAINS)
        return CHAIN_NET_EFORMAT;
    size_t at;
    chain_net_status st = frame_begin(out, &at);
    if (st != CHAIN_NET_OK)
        return st;
    ap32(out, v->protocol);
    ap64(out, v->services);
    ap64(out, v->nonce);
    ap16(out, v->port);
    ap8(out, v->n_chains);
    for (unsigned i = 0; i < v->n_chains; i++) {
        const chain_net_chain_info *c = &v->chains[i];
        ap32(out, c->chain_id);
        ap(out, c->genesis, 32);
        ap64(out, c->height);
        ap(out, c->tip, 32);
        ap(out, c->cum, 32);
    }
    return frame_end(out, at, magic, CHAIN_NET_VERSION);
}

chain_net_status chain_net_put_empty(common_buf *out, const uint8_t magic[4], unsigned cmd)
{
    return chain_net_frame_append(out, magic, cmd, NULL, 0);
}

chain_net_status chain_net_put_ping(common_buf *out, const uint8_t magic[4], unsigned cmd, uint64_t nonce)
{
    uint8_t b[8];
    put64(b, nonce);
    return chain_net_frame_append(out, magic, cmd, b, 8);
}

chain_net_status chain_net_put_inv(common_buf *out, const uint8_t magic[4], unsigned cmd, const chain_net_inv *inv,
                                   size_t n)
{
    if (n < 1 || n > CHAIN_NET_MAX_INV)
        return CHAIN_NET_EFORMAT;
    for (size_t i = 0; i < n; i++)
        if (inv[i].kind != CHAIN_NET_INV_BLOCK && inv[i].kind != CHAIN_NET_INV_TRANSFER)
            return CHAIN_NET_EFORMAT;
    size_t at;
    chain_net_status st = frame_begin(out, &at);
    if (st != CHAIN_NET_OK)
        return st;
    ap16(out, (uint16_t)n);
    for (size_t i = 0; i < n; i++) {
        ap8(out, inv[i].kind);
        ap32(out, inv[i].chain_id);
        ap(out, inv[i].id, 32);
    }
    return frame_end(out, at, magic, cmd);
}

chain_net_status chain_net_put_doc(common_buf *out, const uint8_t magic[4], unsigned cmd, uint32_t chain_id,
                                   const char *doc, size_t len)
{
    if (len == 0 || (cmd == CHAIN_NET_TRANSFER && len > CHAIN_NET_MAX_TX_DOC))
        return CHAIN_NET_EFORMAT;
    size_t at;
    chain_net_status st = frame_begin(out, &at);
    if (st != CHAIN_NET_OK)
        return st;
    ap32(out, chain_id);
    ap(out, doc, len);
    return frame_end(out, at, magic, cmd);
}

chain_net_status chain_net_put_getheaders(common_buf *out, const uint8_t magic[4], uint32_t chain_id,
                                          const uint8_t (*locator)[32], size_t n, const uint8_t stop[32])
{
    if (n < 1 || n > CHAIN_NET_MAX_LOCATOR)
        return CHAIN_NET_EFORMAT;
    size_t at;
    chain_net_status st = frame_begin(out, &at);
    if (st != CHAIN_NET_OK)
        return st;
    ap32(out, chain_id);
    ap8(out, (uint8_t)n);
    for (size_t i = 0; i < n; i++)
        ap(out, locator[i], 32);
    static const uint8_t zero[32];
    ap(out, stop ? stop : zero, 32);
    return frame_end(out, at, magic, CHAIN_NET_GETHEADERS);
}

chain_net_status chain_net_put_headers(common_buf *out, const uint8_t magic[4], uint32_t chain_id,
                                       const chain_net_header_entry *h, size_t n)
{
    if (n > CHAIN_NET_MAX_HEADERS)
        return CHAIN_NET_EFORMAT;
    size_t at;
    chain_net_status st = frame_begin(out, &at);
    if (st != CHAIN_NET_OK)
        return st;
    ap32(out, chain_id);
    ap16(out, (uint16_t)n);
    for (size_t i = 0; i < n; i++) {
        uint8_t hb[POUW_HEADER_BYTES];
        pouw_header_encode(hb, &h[i].header);
        ap(out, h[i].id, 32);
        ap(out, hb, sizeof hb);
    }
    return frame_end(out, at, magic, CHAIN_NET_HEADERS);
}

chain_net_status chain_net_put_addr(common_buf *out, const uint8_t magic[4], const chain_net_addr *a, size_t n)
{
    if (n > CHAIN_NET_MAX_ADDRS)
        return CHAIN_NET_EFORMAT;
    for (size_t i = 0; i < n; i++)
        if ((a[i].family != 4 && a[i].family != 6) || a[i].port == 0)
            return CHAIN_NET_EFORMAT;
    size_t at;
    chain_net_status st = frame_begin(out, &at);
    if (st != CHAIN_NET_OK)
        return st;
    ap16(out, (uint16_t)n);
    for (size_t i = 0; i < n; i++) {
        ap8(out, a[i].family);
        ap(out, a[i].addr, 16);
        ap16(out, a[i].port);
    }
    return frame_end(out, at, magic, CHAIN_NET_ADDR);
}
