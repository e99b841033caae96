/* chain/net/peer.c - frame reader, misbehaviour record and address book
 * (peer.h). */
#include "chain/net/peer.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---------------------------------------------------------------- frame reader */

void chain_net_reader_init(chain_net_reader *r, const uint8_t magic[4])
{
    memset(r, 0, sizeof *r);
    memcpy(r->magic, magic, 4);
}

void chain_net_reader_clear(chain_net_reader *r)
{
    common_buf_free(&r->buf);
    r->off = 0;
}

chain_net_status chain_net_reader_feed(chain_net_reader *r, const void *data, size_t n)
{
    if (r->off > 0 && r->off == r->buf.len) { /* everything consumed: start over */
        common_buf_reset(&r->buf);
        r->off = 0;
    } else if (r->off > (1u << 20) && r->off * 2 > r->buf.len) { /* compact */
        memmove(r->buf.data, r->buf.data + r->off, r->buf.len - r->off);
        r->buf.len -= r->off;
        r->off = 0;
    }
    if (common_buf_append(&r->buf, data, n) != 0) {
        r->buf.oom = 0;
        return CHAIN_NET_ENOMEM;
    }
    return CHAIN_NET_OK;
}

chain_net_status chain_net_reader_next(chain_net_reader *r, chain_net_frame *f, const uint8_t **payload)
{
    *payload = NULL;
    size_t avail = r->buf.len - r->off;
    const uint8_t *p = (const uint8_t *)r->buf.data + r->off;
    chain_net_status st = chain_net_frame_decode(f, p, avail, r->magic);
    if (st != CHAIN_NET_OK)
        return st;
    if (avail - CHAIN_NET_FRAME_BYTES < f->len)
        return CHAIN_NET_ESHORT;
    if ((st = chain_net_frame_check(f, p + CHAIN_NET_FRAME_BYTES)) != CHAIN_NET_OK)
        return st;
    *payload = p + CHAIN_NET_FRAME_BYTES;
    r->off += CHAIN_NET_FRAME_BYTES + f->len;
    return CHAIN_NET_OK;
}

/* ---------------------------------------------------------------- misbehaviour */

static const struct {
    const char *name;
    int points;
} OFFENCES[CHAIN_NET_OFF_COUNT] = {
    [CHAIN_NET_OFF_GARBAGE] = {"garbage frame", 50},
    [CHAIN_NET_OFF_OVERSIZE] = {"oversize frame", 50},
    [CHAIN_NET_OFF_MALFORMED] = {"malformed message", 25},
    [CHAIN_NET_OFF_FLOOD] = {"flood", 25},
    [CHAIN_NET_OFF_PROTOCOL] = {"protocol violation", 10},
    [CHAIN_NET_OFF_BAD_TRANSFER] = {"invalid transfer", 25},
    [CHAIN_NET_OFF_BAD_COPY] = {"malformed block", 25},
    [CHAIN_NET_OFF_INVALID_BLOCK] = {"invalid block", CHAIN_NET_BAN_SCORE},
};

const char *chain_net_offence_name(chain_net_offence o)
{
    return (unsigned)o < CHAIN_NET_OFF_COUNT ? OFFENCES[o].name : "unknown";
}

static void decay(chain_net_host *h, uint64_t now_ms)
{
    if (now_ms > h->score_ms) {
        uint64_t minutes = (now_ms - h->score_ms) / 60000;
        if (minutes) {
            h->score = minutes >= (uint64_t)h->score ? 0 : h->score - (int)minutes;
            h->score_ms += minutes * 60000;
        }
    } else {
        h->score_ms = now_ms;
    }
}

static chain_net_host *host_find(chain_net_hosts *t, const char *ip)
{
    for (size_t i = 0; i < t->n; i++)
        if (strcmp(t->h[i].ip, ip) == 0)
            return &t->h[i];
    return NULL;
}

static chain_net_host *host_add(chain_net_hosts *t, const char *ip, uint64_t now_ms)
{
    chain_net_host *h = host_find(t, ip);
    if (h)
        return h;
    if (t->n < CHAIN_NET_MAX_HOSTS) {
        h = &t->h[t->n++];
    } else { /* full: reuse the record of an unbanned host with the lowest score */
        size_t best = 0;
        int found = 0;
        for (size_t i = 0; i < t->n; i++)
            if (t->h[i].banned_until <= now_ms && (!found || t->h[i].score < t->h[best].score)) {
                best = i;
                found = 1;
            }
        if (!found)
            best = 0;
        h = &t->h[best];
    }
    memset(h, 0, sizeof *h);
    snprintf(h->ip, sizeof h->ip, "%s", ip);
    h->score_ms = now_ms;
    return h;
}

int chain_net_hosts_punish(chain_net_hosts *t, const char *ip, chain_net_offence o, uint64_t now_ms)
{
    chain_net_host *h = host_add(t, ip, now_ms);
    decay(h, now_ms);
    h->score += OFFENCES[o].points;
    if (o == CHAIN_NET_OFF_INVALID_BLOCK || h->score >= CHAIN_NET_BAN_SCORE) {
        uint64_t until = now_ms + (o == CHAIN_NET_OFF_INVALID_BLOCK ? CHAIN_NET_BAN_INVALID_MS : CHAIN_NET_BAN_MS);
        if (until > h->banned_until) {
            h->banned_until = until;
            snprintf(h->reason, sizeof h->reason, "%s", OFFENCES[o].name);
        }
        return 1;
    }
    return h->banned_until > now_ms;
}

int chain_net_hosts_banned(const chain_net_hosts *t, const char *ip, uint64_t now_ms)
{
    for (size_t i = 0; i < t->n; i++)
        if (strcmp(t->h[i].ip, ip) == 0)
            return t->h[i].banned_until > now_ms;
    return 0;
}

const chain_net_host *chain_net_hosts_get(chain_net_hosts *t, const char *ip, uint64_t now_ms)
{
    chain_net_host *h = host_find(t, ip);
    if (h)
        decay(h, now_ms);
    return h;
}

/* ---------------------------------------------------------------- address book */

chain_net_book_entry *chain_net_book_find(chain_net_book *b, const char *host, uint16_t port)
{
    for (size_t i = 0; i < b->n; i++)
        if (b->e[i].port == port && strcmp(b->e[i].host, host) == 0)
            return &b->e[i];
    return NULL;
}

chain_net_book_entry *chain_net_book_add(chain_net_book *b, const char *host, uint16_t port, int seed)
{
    chain_net_book_entry *e = chain_net_book_find(b, host, port);
    if (e) {
        e->seed |= seed;
        return e;
    }
    if (b->n >= CHAIN_NET_MAX_BOOK || port == 0 || strlen(host) >= sizeof e->host)
        return NULL;
    e = &b->e[b->n++];
    memset(e, 0, sizeof *e);
    snprintf(e->host, sizeof e->host, "%s", host);
    e->port = port;
    e->seed = seed;
    return e;
}

int chain_net_split_hostport(char *host, size_t host_size, uint16_t *port, const char *s)
{
    *port = 0;
    if (host_size)
        host[0] = '\0';
    const char *colon;
    const char *h0 = s;
    size_t hl;
    if (s[0] == '[') {
        const char *close = strchr(s, ']');
        if (!close || close[1] != ':')
            return -1;
        h0 = s + 1;
        hl = (size_t)(close - h0);
        colon = close + 1;
    } else {
        colon = strrchr(s, ':');
        if (!colon)
            return -1;
        hl = (size_t)(colon - s);
        if (memchr(s, ':', hl))
            return -1; /* an IPv6 address needs its brackets */
    }
    if (hl == 0 || hl >= host_size)
        return -1;
    char *end = NULL;
    unsigned long p = strtoul(colon + 1, &end, 10);
    if (!colon[1] || *end || p < 1 || p > 65535 || colon[1] == '+' || colon[1] == '-' || colon[1] == ' ')
        return -1;
    memcpy(host, h0, hl);
    host[hl] = '\0';
    uint8_t tmp[16];
    if (inet_pton(AF_INET, host, tmp) != 1 && inet_pton(AF_INET6, host, tmp) != 1)
        return -1;
    *port = (uint16_t)p;
    return 0;
}

int chain_net_addr_to_host(char *host, size_t host_size, const chain_net_addr *a)
{
    if (a->family == 4)
        return inet_ntop(AF_INET, a->addr, host, (socklen_t)host_size) ? 0 : -1;
    if (a->family == 6)
        return inet_ntop(AF_INET6, a->addr, host, (socklen_t)host_size) ? 0 : -1;
    return -1;
}

int chain_net_addr_from_host(chain_net_addr *a, const char *host, uint16_t port)
{
    memset(a, 0, sizeof *a);
    a->port = port;
    if (inet_pton(AF_INET, host, a->addr) == 1) {
        a->family = 4;
        return 0;
    }
    if (inet_pton(AF_INET6, host, a->addr) == 1) {
        a->family = 6;
        return 0;
    }
    return -1;
}
