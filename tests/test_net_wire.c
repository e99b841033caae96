/* tests/test_net_wire.c - the wire protocol of networked nodes (chain/net/wire.h)
 * and the peer bookkeeping beside it (chain/net/peer.h).
 *
 * Shows: every message round-trips through its encoder, the frame reader (also
 * fed one byte at a time) and its decoder with every field intact, and the
 * encoding is canonical (decode then encode gives the same bytes); the header
 * decoder inverts pouw_header_encode; every malformed frame is refused with its
 * own status - a wrong magic (the other network's too), an unknown command,
 * reserved bits, a length above each command's limit (judged from the 16 header
 * bytes, before the payload arrives), a bad checksum - and every malformed
 * payload (each truncation, trailing bytes, counts out of range, unknown kinds and
 * families, port 0, an empty or oversize document) is EFORMAT; encoders refuse
 * what decoders would refuse; HOST:PORT parsing; misbehaviour scores ban at 100
 * (1 h), an invalid block bans for 24 h at once, scores decay, bans end. */
#include <criterion/criterion.h>

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "chain/net/node.h"
#include "chain/net/peer.h"
#include "chain/net/wire.h"

static uint8_t MAGIC[4];

static void setup(void) { chain_net_magic(MAGIC, 1); }

TestSuite(chain_net_wire, .init = setup);

/* Decodes the single frame in b through a reader; returns the status and m. */
static chain_net_status decode_frame(chain_net_msg *m, const common_buf *b, int bytewise)
{
    chain_net_reader r;
    chain_net_reader_init(&r, MAGIC);
    chain_net_status st = CHAIN_NET_ESHORT;
    chain_net_frame f;
    const uint8_t *payload = NULL;
    memset(m, 0, sizeof *m);
    if (bytewise) {
        for (size_t i = 0; i < b->len && st == CHAIN_NET_ESHORT; i++) {
            cr_assert_eq(chain_net_reader_feed(&r, b->data + i, 1), CHAIN_NET_OK);
            st = chain_net_reader_next(&r, &f, &payload);
            if (st == CHAIN_NET_ESHORT)
                cr_assert_lt(i + 1, b->len, "the whole frame was fed but no frame came out");
        }
    } else {
        cr_assert_eq(chain_net_reader_feed(&r, b->data, b->len), CHAIN_NET_OK);
        st = chain_net_reader_next(&r, &f, &payload);
    }
    if (st == CHAIN_NET_OK) {
        st = chain_net_msg_decode(m, f.cmd, payload, f.len);
        /* the decoded message owns copies or points into the reader: copy docs out */
        if (st == CHAIN_NET_OK && m->doc) {
            char *copy = malloc(m->doc_len);
            memcpy(copy, m->doc, m->doc_len);
            m->doc = copy;
        }
        /* a decoder check: the reader is empty afterwards */
        chain_net_frame f2;
        const uint8_t *p2;
        cr_assert_eq(chain_net_reader_next(&r, &f2, &p2), CHAIN_NET_ESHORT);
    }
    chain_net_reader_clear(&r);
    return st;
}

static void msg_free(chain_net_msg *m)
{
    free((void *)m->doc);
    m->doc = NULL;
    chain_net_msg_clear(m);
}

static void fill(uint8_t *p, size_t n, unsigned seed)
{
    for (size_t i = 0; i < n; i++)
        p[i] = (uint8_t)(seed * 31u + i * 7u + 1u);
}

static chain_net_version sample_version(void)
{
    chain_net_version v;
    memset(&v, 0, sizeof v);
    v.protocol = CHAIN_NET_PROTOCOL;
    v.services = 1;
    v.nonce = 0x0123456789abcdefull;
    v.port = 7001;
    v.n_chains = 3;
    for (unsigned i = 0; i < 3; i++) {
        v.chains[i].chain_id = 100 + i;
        fill(v.chains[i].genesis, 32, i);
        v.chains[i].height = 1000u * i + 7u;
        fill(v.chains[i].tip, 32, i + 10);
        fill(v.chains[i].cum, 32, i + 20);
    }
    return v;
}

static pouw_header sample_header(unsigned k)
{
    pouw_header h;
    memset(&h, 0, sizeof h);
    h.version = 2;
    h.chain_id = 100 + k;
    h.height = 0x1122334455ull + k;
    fill(h.prev_hash, 32, k + 1);
    fill(h.tx_root, 32, k + 2);
    fill(h.ledger_root, 32, k + 3);
    fill(h.miner, 32, k + 4);
    h.time_ms = 1796000000000ull + k;
    h.prehash_bits = 0x2100ffffu;
    h.pps_threshold_micro = -123456789 - (int64_t)k;
    h.mode = 1;
    h.post_bits = 0x1f00ffffu;
    h.sessions = 4;
    fill(h.job_digest, 32, k + 5);
    h.nonce = 0xfedcba9876543210ull - k;
    return h;
}

Test(chain_net_wire, version_round_trips_with_every_field)
{
    chain_net_version v = sample_version();
    common_buf b = COMMON_BUF_INIT;
    cr_assert_eq(chain_net_put_version(&b, MAGIC, &v), CHAIN_NET_OK);
    cr_assert_eq(b.len, CHAIN_NET_FRAME_BYTES + 23 + 3 * 108);
    for (int bytewise = 0; bytewise < 2; bytewise++) {
        chain_net_msg m;
        cr_assert_eq(decode_frame(&m, &b, bytewise), CHAIN_NET_OK);
        cr_assert_eq(m.cmd, CHAIN_NET_VERSION);
        cr_assert_eq(memcmp(&m.version, &v, sizeof v), 0);
        msg_free(&m);
    }
    common_buf_free(&b);
}

Test(chain_net_wire, small_messages_round_trip)
{
    common_buf b = COMMON_BUF_INIT;
    chain_net_msg m;
    unsigned empty[] = {CHAIN_NET_VERACK, CHAIN_NET_GETADDR};
    for (size_t i = 0; i < 2; i++) {
        common_buf_reset(&b);
        cr_assert_eq(chain_net_put_empty(&b, MAGIC, empty[i]), CHAIN_NET_OK);
        cr_assert_eq(b.len, CHAIN_NET_FRAME_BYTES);
        cr_assert_eq(decode_frame(&m, &b, 0), CHAIN_NET_OK);
        cr_assert_eq(m.cmd, empty[i]);
        msg_free(&m);
    }
    unsigned pp[] = {CHAIN_NET_PING, CHAIN_NET_PONG};
    for (size_t i = 0; i < 2; i++) {
        common_buf_reset(&b);
        cr_assert_eq(chain_net_put_ping(&b, MAGIC, pp[i], 0xa1b2c3d4e5f60718ull), CHAIN_NET_OK);
        cr_assert_eq(decode_frame(&m, &b, 1), CHAIN_NET_OK);
        cr_assert_eq(m.cmd, pp[i]);
        cr_assert_eq(m.nonce, 0xa1b2c3d4e5f60718ull);
        msg_free(&m);
    }
    common_buf_free(&b);
}

Test(chain_net_wire, inventories_round_trip_at_their_limits)
{
    chain_net_inv *inv = calloc(CHAIN_NET_MAX_INV, sizeof *inv);
    for (size_t i = 0; i < CHAIN_NET_MAX_INV; i++) {
        inv[i].kind = i % 2 ? CHAIN_NET_INV_TRANSFER : CHAIN_NET_INV_BLOCK;
        inv[i].chain_id = (uint32_t)(i * 65537u);
        fill(inv[i].id, 32, (unsigned)i);
    }
    unsigned cmds[] = {CHAIN_NET_ANNOUNCE, CHAIN_NET_GET, CHAIN_NET_NOTFOUND};
    size_t counts[] = {1, 2, CHAIN_NET_MAX_INV};
    for (size_t c = 0; c < 3; c++)
        for (size_t k = 0; k < 3; k++) {
            common_buf b = COMMON_BUF_INIT;
            cr_assert_eq(chain_net_put_inv(&b, MAGIC, cmds[c], inv, counts[k]), CHAIN_NET_OK);
            chain_net_msg m;
            cr_assert_eq(decode_frame(&m, &b, 0), CHAIN_NET_OK);
            cr_assert_eq(m.cmd, cmds[c]);
            cr_assert_eq(m.n_inv, counts[k]);
            cr_assert_eq(memcmp(m.inv, inv, counts[k] * sizeof *inv), 0);
            msg_free(&m);
            common_buf_free(&b);
        }
    common_buf b = COMMON_BUF_INIT;
    cr_assert_eq(chain_net_put_inv(&b, MAGIC, CHAIN_NET_ANNOUNCE, inv, 0), CHAIN_NET_EFORMAT);
    cr_assert_eq(chain_net_put_inv(&b, MAGIC, CHAIN_NET_ANNOUNCE, inv, CHAIN_NET_MAX_INV + 1), CHAIN_NET_EFORMAT);
    inv[0].kind = 3;
    cr_assert_eq(chain_net_put_inv(&b, MAGIC, CHAIN_NET_ANNOUNCE, inv, 1), CHAIN_NET_EFORMAT);
    cr_assert_eq(b.len, 0, "a refused encoding appends nothing");
    common_buf_free(&b);
    free(inv);
}

Test(chain_net_wire, documents_round_trip)
{
    const char *doc = "{\"header\": {\"version\": 2}}";
    unsigned cmds[] = {CHAIN_NET_BLOCK, CHAIN_NET_TRANSFER};
    for (size_t c = 0; c < 2; c++) {
        common_buf b = COMMON_BUF_INIT;
        cr_assert_eq(chain_net_put_doc(&b, MAGIC, cmds[c], 101, doc, strlen(doc)), CHAIN_NET_OK);
        chain_net_msg m;
        cr_assert_eq(decode_frame(&m, &b, 1), CHAIN_NET_OK);
        cr_assert_eq(m.chain_id, 101);
        cr_assert_eq(m.doc_len, strlen(doc));
        cr_assert_eq(memcmp(m.doc, doc, m.doc_len), 0);
        msg_free(&m);
        cr_assert_eq(chain_net_put_doc(&b, MAGIC, cmds[c], 101, doc, 0), CHAIN_NET_EFORMAT);
        common_buf_free(&b);
    }
    char *big = malloc(CHAIN_NET_MAX_TX_DOC + 1);
    memset(big, 'x', CHAIN_NET_MAX_TX_DOC + 1);
    common_buf b = COMMON_BUF_INIT;
    cr_assert_eq(chain_net_put_doc(&b, MAGIC, CHAIN_NET_TRANSFER, 1, big, CHAIN_NET_MAX_TX_DOC), CHAIN_NET_OK);
    common_buf_reset(&b);
    cr_assert_eq(chain_net_put_doc(&b, MAGIC, CHAIN_NET_TRANSFER, 1, big, CHAIN_NET_MAX_TX_DOC + 1), CHAIN_NET_EFORMAT);
    common_buf_free(&b);
    free(big);
}

Test(chain_net_wire, headers_and_getheaders_round_trip)
{
    chain_net_header_entry *h = calloc(CHAIN_NET_MAX_HEADERS, sizeof *h);
    for (unsigned i = 0; i < CHAIN_NET_MAX_HEADERS; i++) {
        fill(h[i].id, 32, i + 99);
        h[i].header = sample_header(i);
    }
    size_t counts[] = {0, 1, CHAIN_NET_MAX_HEADERS};
    for (size_t k = 0; k < 3; k++) {
        common_buf b = COMMON_BUF_INIT;
        cr_assert_eq(chain_net_put_headers(&b, MAGIC, 100, h, counts[k]), CHAIN_NET_OK);
        cr_assert_eq(b.len, CHAIN_NET_FRAME_BYTES + 6 + counts[k] * CHAIN_NET_HEADER_ENTRY);
        chain_net_msg m;
        cr_assert_eq(decode_frame(&m, &b, 0), CHAIN_NET_OK);
        cr_assert_eq(m.n_headers, counts[k]);
        cr_assert_eq(m.chain_id, 100);
        for (size_t i = 0; i < counts[k]; i++) {
            cr_assert_eq(memcmp(m.headers[i].id, h[i].id, 32), 0);
            cr_assert_eq(memcmp(&m.headers[i].header, &h[i].header, sizeof(pouw_header)), 0, "header %zu", i);
        }
        msg_free(&m);
        common_buf_free(&b);
    }
    common_buf b = COMMON_BUF_INIT;
    cr_assert_eq(chain_net_put_headers(&b, MAGIC, 100, h, CHAIN_NET_MAX_HEADERS + 1), CHAIN_NET_EFORMAT);
    uint8_t loc[CHAIN_NET_MAX_LOCATOR][32], stop[32];
    for (unsigned i = 0; i < CHAIN_NET_MAX_LOCATOR; i++)
        fill(loc[i], 32, i);
    fill(stop, 32, 77);
    size_t lc[] = {1, CHAIN_NET_MAX_LOCATOR};
    for (size_t k = 0; k < 2; k++) {
        common_buf_reset(&b);
        cr_assert_eq(chain_net_put_getheaders(&b, MAGIC, 102, (const uint8_t(*)[32])loc, lc[k], stop), CHAIN_NET_OK);
        chain_net_msg m;
        cr_assert_eq(decode_frame(&m, &b, 1), CHAIN_NET_OK);
        cr_assert_eq(m.chain_id, 102);
        cr_assert_eq(m.n_locator, lc[k]);
        cr_assert_eq(memcmp(m.locator, loc, lc[k] * 32), 0);
        cr_assert_eq(memcmp(m.stop, stop, 32), 0);
        msg_free(&m);
    }
    common_buf_reset(&b);
    cr_assert_eq(chain_net_put_getheaders(&b, MAGIC, 102, (const uint8_t(*)[32])loc, 0, stop), CHAIN_NET_EFORMAT);
    cr_assert_eq(chain_net_put_getheaders(&b, MAGIC, 102, (const uint8_t(*)[32])loc, CHAIN_NET_MAX_LOCATOR + 1, stop),
                 CHAIN_NET_EFORMAT);
    common_buf_free(&b);
    free(h);
}

Test(chain_net_wire, header_decoder_inverts_the_canonical_encoding)
{
    for (unsigned k = 0; k < 50; k++) {
        pouw_header h = sample_header(k * 13u), back;
        uint8_t bytes[POUW_HEADER_BYTES], again[POUW_HEADER_BYTES];
        pouw_header_encode(bytes, &h);
        chain_net_header_decode(&back, bytes);
        cr_assert_eq(memcmp(&h, &back, sizeof h), 0);
        pouw_header_encode(again, &back);
        cr_assert_eq(memcmp(bytes, again, sizeof bytes), 0);
    }
}

Test(chain_net_wire, addresses_round_trip)
{
    chain_net_addr a[CHAIN_NET_MAX_ADDRS];
    for (unsigned i = 0; i < CHAIN_NET_MAX_ADDRS; i++) {
        char host[64];
        if (i % 2)
            snprintf(host, sizeof host, "10.0.%u.%u", i / 256, i % 256);
        else
            snprintf(host, sizeof host, "fe80::%x", i + 1);
        cr_assert_eq(chain_net_addr_from_host(&a[i], host, (uint16_t)(1000 + i)), 0);
        char back[64];
        cr_assert_eq(chain_net_addr_to_host(back, sizeof back, &a[i]), 0);
        cr_assert_str_eq(back, host);
    }
    common_buf b = COMMON_BUF_INIT;
    cr_assert_eq(chain_net_put_addr(&b, MAGIC, a, CHAIN_NET_MAX_ADDRS), CHAIN_NET_OK);
    chain_net_msg m;
    cr_assert_eq(decode_frame(&m, &b, 0), CHAIN_NET_OK);
    cr_assert_eq(m.n_addrs, CHAIN_NET_MAX_ADDRS);
    cr_assert_eq(memcmp(m.addrs, a, sizeof a), 0);
    msg_free(&m);
    common_buf_reset(&b);
    cr_assert_eq(chain_net_put_addr(&b, MAGIC, a, 0), CHAIN_NET_OK);
    cr_assert_eq(decode_frame(&m, &b, 0), CHAIN_NET_OK);
    cr_assert_eq(m.n_addrs, 0);
    msg_free(&m);
    common_buf_reset(&b);
    a[0].port = 0;
    cr_assert_eq(chain_net_put_addr(&b, MAGIC, a, 1), CHAIN_NET_EFORMAT);
    a[0].port = 1;
    a[0].family = 5;
    cr_assert_eq(chain_net_put_addr(&b, MAGIC, a, 1), CHAIN_NET_EFORMAT);
    cr_assert_eq(chain_net_put_addr(&b, MAGIC, a, CHAIN_NET_MAX_ADDRS + 1), CHAIN_NET_EFORMAT);
    common_buf_free(&b);
}

/* ---------------------------------------------------------------- refusals */

static void frame_bytes(uint8_t out[CHAIN_NET_FRAME_BYTES], const char *magic, unsigned cmd, unsigned reserved,
                        uint32_t len)
{
    memcpy(out, magic, 4);
    out[4] = (uint8_t)cmd;
    out[5] = (uint8_t)(cmd >> 8);
    out[6] = (uint8_t)reserved;
    out[7] = (uint8_t)(reserved >> 8);
    for (int i = 0; i < 4; i++)
        out[8 + i] = (uint8_t)(len >> (8 * i));
    memset(out + 12, 0, 4);
}

static chain_net_status reader_status(const uint8_t *b, size_t n)
{
    chain_net_reader r;
    chain_net_reader_init(&r, MAGIC);
    cr_assert_eq(chain_net_reader_feed(&r, b, n), CHAIN_NET_OK);
    chain_net_frame f;
    const uint8_t *p;
    chain_net_status st = chain_net_reader_next(&r, &f, &p);
    chain_net_reader_clear(&r);
    return st;
}

Test(chain_net_wire, frames_with_a_wrong_magic_command_or_reserved_bits_are_refused)
{
    uint8_t h[CHAIN_NET_FRAME_BYTES];
    frame_bytes(h, "PoUW", CHAIN_NET_VERACK, 0, 0); /* the main network's magic on the testnet */
    cr_assert_eq(reader_status(h, sizeof h), CHAIN_NET_EMAGIC);
    frame_bytes(h, "XoUt", CHAIN_NET_VERACK, 0, 0);
    cr_assert_eq(reader_status(h, sizeof h), CHAIN_NET_EMAGIC);
    unsigned bad[] = {0, CHAIN_NET_CMD_LAST + 1, 0x100 + CHAIN_NET_PING, 65535};
    for (size_t i = 0; i < 4; i++) {
        frame_bytes(h, "PoUt", bad[i], 0, 0);
        cr_assert_eq(reader_status(h, sizeof h), CHAIN_NET_ECMD, "command %u", bad[i]);
    }
    frame_bytes(h, "PoUt", CHAIN_NET_VERACK, 1, 0);
    cr_assert_eq(reader_status(h, sizeof h), CHAIN_NET_ECMD);
    frame_bytes(h, "PoUt", CHAIN_NET_VERACK, 0x8000, 0);
    cr_assert_eq(reader_status(h, sizeof h), CHAIN_NET_ECMD);
    cr_assert_str_eq(chain_net_cmd_name(0), "unknown");
    cr_assert_str_eq(chain_net_cmd_name(CHAIN_NET_HEADERS), "headers");
}

Test(chain_net_wire, a_length_above_the_limit_is_refused_from_the_header_alone)
{
    for (unsigned cmd = 1; cmd <= CHAIN_NET_CMD_LAST; cmd++) {
        uint8_t h[CHAIN_NET_FRAME_BYTES];
        uint32_t lim = chain_net_cmd_limit(cmd);
        frame_bytes(h, "PoUt", cmd, 0, lim + 1);
        cr_assert_eq(reader_status(h, sizeof h), CHAIN_NET_EOVERSIZE, "%s", chain_net_cmd_name(cmd));
        frame_bytes(h, "PoUt", cmd, 0, 0xffffffffu);
        cr_assert_eq(reader_status(h, sizeof h), CHAIN_NET_EOVERSIZE);
        frame_bytes(h, "PoUt", cmd, 0, lim);
        cr_assert_eq(reader_status(h, sizeof h), lim ? CHAIN_NET_ESHORT : CHAIN_NET_ECHECKSUM,
                     "at the limit, %s waits for its payload", chain_net_cmd_name(cmd));
        /* and the decoder refuses it too, whatever the caller */
        chain_net_msg m;
        uint8_t *p = calloc(1, (size_t)lim + 1);
        cr_assert_eq(chain_net_msg_decode(&m, cmd, p, (size_t)lim + 1), CHAIN_NET_EOVERSIZE);
        chain_net_msg_clear(&m);
        free(p);
    }
    cr_assert_eq(chain_net_cmd_limit(CHAIN_NET_VERSION), 887);
    cr_assert_eq(chain_net_cmd_limit(CHAIN_NET_ANNOUNCE), 37002);
    cr_assert_eq(chain_net_cmd_limit(CHAIN_NET_HEADERS), 124006);
    cr_assert_eq(chain_net_cmd_limit(CHAIN_NET_GETHEADERS), 1061);
    cr_assert_eq(chain_net_cmd_limit(CHAIN_NET_ADDR), 1902);
    common_buf b = COMMON_BUF_INIT;
    uint8_t nine[9] = {0};
    cr_assert_eq(chain_net_frame_append(&b, MAGIC, CHAIN_NET_PING, nine, 9), CHAIN_NET_EOVERSIZE);
    cr_assert_eq(chain_net_frame_append(&b, MAGIC, 0, nine, 0), CHAIN_NET_EOVERSIZE);
    cr_assert_eq(b.len, 0);
    common_buf_free(&b);
}

Test(chain_net_wire, a_bad_checksum_is_refused)
{
    common_buf b = COMMON_BUF_INIT;
    cr_assert_eq(chain_net_put_ping(&b, MAGIC, CHAIN_NET_PING, 42), CHAIN_NET_OK);
    for (size_t i = 12; i < b.len; i++) { /* a flipped checksum or payload byte */
        b.data[i] ^= 0x01;
        cr_assert_eq(reader_status((const uint8_t *)b.data, b.len), CHAIN_NET_ECHECKSUM, "byte %zu", i);
        b.data[i] ^= 0x01;
    }
    cr_assert_eq(reader_status((const uint8_t *)b.data, b.len), CHAIN_NET_OK);
    cr_assert_eq(reader_status((const uint8_t *)b.data, b.len - 1), CHAIN_NET_ESHORT);
    cr_assert_eq(reader_status((const uint8_t *)b.data, 15), CHAIN_NET_ESHORT);
    common_buf_free(&b);
}

/* Every truncation and every extension of a valid payload is EFORMAT (or
 * EOVERSIZE beyond the limit). */
static void check_truncations(const common_buf *b)
{
    const uint8_t *payload = (const uint8_t *)b->data + CHAIN_NET_FRAME_BYTES;
    size_t len = b->len - CHAIN_NET_FRAME_BYTES;
    unsigned cmd = (unsigned)(uint8_t)b->data[4] | (unsigned)(uint8_t)b->data[5] << 8;
    chain_net_msg m;
    cr_assert_eq(chain_net_msg_decode(&m, cmd, payload, len), CHAIN_NET_OK);
    chain_net_msg_clear(&m);
    size_t step = len > 2000 ? 97 : 1;
    for (size_t k = 0; k < len; k += step) {
        chain_net_status st = chain_net_msg_decode(&m, cmd, payload, k);
        chain_net_msg_clear(&m);
        if (cmd == CHAIN_NET_BLOCK || cmd == CHAIN_NET_TRANSFER) /* a shorter document is still a document */
            cr_assert(st == CHAIN_NET_EFORMAT || (st == CHAIN_NET_OK && k > 4), "%s cut at %zu", chain_net_cmd_name(cmd), k);
        else
            cr_assert_eq(st, CHAIN_NET_EFORMAT, "%s cut at %zu of %zu", chain_net_cmd_name(cmd), k, len);
    }
    if (cmd != CHAIN_NET_BLOCK && cmd != CHAIN_NET_TRANSFER) {
        uint8_t *longer = calloc(1, len + 1);
        memcpy(longer, payload, len);
        chain_net_status st = chain_net_msg_decode(&m, cmd, longer, len + 1);
        cr_assert(st == CHAIN_NET_EFORMAT || st == CHAIN_NET_EOVERSIZE, "%s with a trailing byte", chain_net_cmd_name(cmd));
        chain_net_msg_clear(&m);
        free(longer);
    }
}

Test(chain_net_wire, every_truncated_or_extended_payload_is_malformed)
{
    common_buf b = COMMON_BUF_INIT;
    chain_net_version v = sample_version();
    cr_assert_eq(chain_net_put_version(&b, MAGIC, &v), CHAIN_NET_OK);
    check_truncations(&b);
    common_buf_reset(&b);
    cr_assert_eq(chain_net_put_ping(&b, MAGIC, CHAIN_NET_PONG, 5), CHAIN_NET_OK);
    check_truncations(&b);
    chain_net_inv inv[3] = {{1, 100, {1}}, {2, 101, {2}}, {1, 102, {3}}};
    common_buf_reset(&b);
    cr_assert_eq(chain_net_put_inv(&b, MAGIC, CHAIN_NET_GET, inv, 3), CHAIN_NET_OK);
    check_truncations(&b);
    chain_net_header_entry h[2];
    memset(h, 0, sizeof h);
    h[0].header = sample_header(1);
    h[1].header = sample_header(2);
    common_buf_reset(&b);
    cr_assert_eq(chain_net_put_headers(&b, MAGIC, 100, h, 2), CHAIN_NET_OK);
    check_truncations(&b);
    uint8_t loc[2][32] = {{1}, {2}};
    common_buf_reset(&b);
    cr_assert_eq(chain_net_put_getheaders(&b, MAGIC, 100, (const uint8_t(*)[32])loc, 2, NULL), CHAIN_NET_OK);
    check_truncations(&b);
    chain_net_addr a[2];
    cr_assert_eq(chain_net_addr_from_host(&a[0], "127.0.0.1", 7001), 0);
    cr_assert_eq(chain_net_addr_from_host(&a[1], "::1", 7002), 0);
    common_buf_reset(&b);
    cr_assert_eq(chain_net_put_addr(&b, MAGIC, a, 2), CHAIN_NET_OK);
    check_truncations(&b);
    common_buf_reset(&b);
    cr_assert_eq(chain_net_put_doc(&b, MAGIC, CHAIN_NET_BLOCK, 100, "{}", 2), CHAIN_NET_OK);
    check_truncations(&b);
    common_buf_free(&b);
}

Test(chain_net_wire, counts_kinds_and_families_out_of_range_are_malformed)
{
    chain_net_msg m;
    /* version: 0 and 9 chains */
    uint8_t v[23 + 9 * 108];
    memset(v, 0, sizeof v);
    v[0] = 1;
    v[22] = 0;
    cr_assert_eq(chain_net_msg_decode(&m, CHAIN_NET_VERSION, v, 23), CHAIN_NET_EFORMAT);
    chain_net_msg_clear(&m);
    v[22] = 9;
    cr_assert_eq(chain_net_msg_decode(&m, CHAIN_NET_VERSION, v, 23 + 8 * 108), CHAIN_NET_EFORMAT);
    chain_net_msg_clear(&m);
    /* inventory: count 0, a count that disagrees with the length, kind 0 and 3 */
    uint8_t inv[2 + 37] = {0};
    cr_assert_eq(chain_net_msg_decode(&m, CHAIN_NET_ANNOUNCE, inv, 2), CHAIN_NET_EFORMAT);
    chain_net_msg_clear(&m);
    inv[0] = 2;
    inv[2] = 1;
    cr_assert_eq(chain_net_msg_decode(&m, CHAIN_NET_ANNOUNCE, inv, sizeof inv), CHAIN_NET_EFORMAT);
    chain_net_msg_clear(&m);
    inv[0] = 1;
    cr_assert_eq(chain_net_msg_decode(&m, CHAIN_NET_ANNOUNCE, inv, sizeof inv), CHAIN_NET_OK);
    chain_net_msg_clear(&m);
    inv[2] = 0;
    cr_assert_eq(chain_net_msg_decode(&m, CHAIN_NET_ANNOUNCE, inv, sizeof inv), CHAIN_NET_EFORMAT);
    chain_net_msg_clear(&m);
    inv[2] = 3;
    cr_assert_eq(chain_net_msg_decode(&m, CHAIN_NET_GET, inv, sizeof inv), CHAIN_NET_EFORMAT);
    chain_net_msg_clear(&m);
    /* getheaders: 0 and 33 locator ids */
    uint8_t gh[4 + 1 + 33 * 32 + 32] = {0};
    cr_assert_eq(chain_net_msg_decode(&m, CHAIN_NET_GETHEADERS, gh, 4 + 1 + 32), CHAIN_NET_EFORMAT);
    chain_net_msg_clear(&m);
    gh[4] = 33;
    cr_assert_eq(chain_net_msg_decode(&m, CHAIN_NET_GETHEADERS, gh, 4 + 1 + 33 * 32 + 32), CHAIN_NET_EOVERSIZE);
    chain_net_msg_clear(&m);
    gh[4] = 33;
    cr_assert_eq(chain_net_msg_decode(&m, CHAIN_NET_GETHEADERS, gh, 4 + 1 + 32 * 32 + 32), CHAIN_NET_EFORMAT);
    chain_net_msg_clear(&m);
    /* headers: a count above 500 */
    uint8_t hd[6] = {0, 0, 0, 0, 0xf5, 0x01}; /* 501 */
    cr_assert_eq(chain_net_msg_decode(&m, CHAIN_NET_HEADERS, hd, 6), CHAIN_NET_EFORMAT);
    chain_net_msg_clear(&m);
    /* addr: family 5, port 0, an IPv4 address with bytes after its 4 */
    uint8_t ad[2 + 19] = {1, 0, 4, 127, 0, 0, 1};
    ad[19] = 0x59;
    ad[20] = 0x1b;
    cr_assert_eq(chain_net_msg_decode(&m, CHAIN_NET_ADDR, ad, sizeof ad), CHAIN_NET_OK);
    chain_net_msg_clear(&m);
    ad[2] = 5;
    cr_assert_eq(chain_net_msg_decode(&m, CHAIN_NET_ADDR, ad, sizeof ad), CHAIN_NET_EFORMAT);
    chain_net_msg_clear(&m);
    ad[2] = 4;
    ad[10] = 1;
    cr_assert_eq(chain_net_msg_decode(&m, CHAIN_NET_ADDR, ad, sizeof ad), CHAIN_NET_EFORMAT);
    chain_net_msg_clear(&m);
    ad[10] = 0;
    ad[19] = ad[20] = 0;
    cr_assert_eq(chain_net_msg_decode(&m, CHAIN_NET_ADDR, ad, sizeof ad), CHAIN_NET_EFORMAT);
    chain_net_msg_clear(&m);
    /* documents: none, and a transfer above 4096 bytes */
    uint8_t doc[4 + CHAIN_NET_MAX_TX_DOC] = {0};
    cr_assert_eq(chain_net_msg_decode(&m, CHAIN_NET_BLOCK, doc, 4), CHAIN_NET_EFORMAT);
    chain_net_msg_clear(&m);
    cr_assert_eq(chain_net_msg_decode(&m, CHAIN_NET_TRANSFER, doc, 3), CHAIN_NET_EFORMAT);
    chain_net_msg_clear(&m);
    cr_assert_eq(chain_net_msg_decode(&m, CHAIN_NET_TRANSFER, doc, sizeof doc), CHAIN_NET_OK);
    chain_net_msg_clear(&m);
    /* empty messages carry nothing */
    cr_assert_eq(chain_net_msg_decode(&m, CHAIN_NET_VERACK, doc, 1), CHAIN_NET_EOVERSIZE);
    chain_net_msg_clear(&m);
    cr_assert_eq(chain_net_msg_decode(&m, 0, doc, 0), CHAIN_NET_ECMD);
    chain_net_msg_clear(&m);
}

Test(chain_net_wire, a_stream_of_frames_comes_out_in_order_and_garbage_stops_it)
{
    common_buf b = COMMON_BUF_INIT;
    for (uint64_t i = 0; i < 20; i++)
        cr_assert_eq(chain_net_put_ping(&b, MAGIC, CHAIN_NET_PING, i), CHAIN_NET_OK);
    common_buf_append(&b, "garbage garbage!", 16);
    chain_net_reader r;
    chain_net_reader_init(&r, MAGIC);
    uint64_t next = 0;
    chain_net_status st = CHAIN_NET_ESHORT;
    for (size_t at = 0; at < b.len; at += 7) {
        size_t k = b.len - at < 7 ? b.len - at : 7;
        cr_assert_eq(chain_net_reader_feed(&r, b.data + at, k), CHAIN_NET_OK);
        chain_net_frame f;
        const uint8_t *p;
        while ((st = chain_net_reader_next(&r, &f, &p)) == CHAIN_NET_OK) {
            chain_net_msg m;
            cr_assert_eq(chain_net_msg_decode(&m, f.cmd, p, f.len), CHAIN_NET_OK);
            cr_assert_eq(m.nonce, next);
            next++;
        }
        if (st != CHAIN_NET_ESHORT)
            break;
    }
    cr_assert_eq(next, 20);
    cr_assert_eq(st, CHAIN_NET_EMAGIC);
    chain_net_reader_clear(&r);
    common_buf_free(&b);
}

/* ---------------------------------------------------------------- peer bookkeeping */

Test(chain_net_wire, host_and_port_parse)
{
    char host[64];
    uint16_t port;
    cr_assert_eq(chain_net_split_hostport(host, sizeof host, &port, "127.0.0.1:7001"), 0);
    cr_assert_str_eq(host, "127.0.0.1");
    cr_assert_eq(port, 7001);
    cr_assert_eq(chain_net_split_hostport(host, sizeof host, &port, "[::1]:65535"), 0);
    cr_assert_str_eq(host, "::1");
    cr_assert_eq(port, 65535);
    const char *bad[] = {"127.0.0.1", "127.0.0.1:", "127.0.0.1:0", "127.0.0.1:65536", "127.0.0.1:-1", ":7001",
                         "localhost:7001", "::1:7001", "[::1]7001", "127.0.0.1:70a", "1.2.3.4.5:1"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        cr_assert_eq(chain_net_split_hostport(host, sizeof host, &port, bad[i]), -1, "%s", bad[i]);
}

Test(chain_net_wire, scores_ban_at_100_and_an_invalid_block_bans_for_a_day)
{
    chain_net_hosts *t = calloc(1, sizeof *t);
    uint64_t now = 1000000;
    cr_assert_eq(chain_net_hosts_punish(t, "10.0.0.1", CHAIN_NET_OFF_GARBAGE, now), 0);
    cr_assert_eq(chain_net_hosts_banned(t, "10.0.0.1", now), 0);
    cr_assert_eq(chain_net_hosts_punish(t, "10.0.0.1", CHAIN_NET_OFF_OVERSIZE, now), 1);
    cr_assert_eq(chain_net_hosts_banned(t, "10.0.0.1", now + CHAIN_NET_BAN_MS - 1), 1);
    cr_assert_eq(chain_net_hosts_banned(t, "10.0.0.1", now + CHAIN_NET_BAN_MS), 0, "a score ban ends after an hour");
    cr_assert_eq(chain_net_hosts_banned(t, "10.0.0.2", now), 0, "other hosts are unaffected");
    cr_assert_eq(chain_net_hosts_punish(t, "10.0.0.3", CHAIN_NET_OFF_INVALID_BLOCK, now), 1);
    cr_assert_eq(chain_net_hosts_banned(t, "10.0.0.3", now + CHAIN_NET_BAN_INVALID_MS - 1), 1);
    cr_assert_eq(chain_net_hosts_banned(t, "10.0.0.3", now + CHAIN_NET_BAN_INVALID_MS), 0);
    cr_assert_str_eq(chain_net_hosts_get(t, "10.0.0.3", now)->reason, "invalid block");
    /* decay: 25 points, 25 minutes later nothing is left; three floods a minute apart do not ban */
    cr_assert_eq(chain_net_hosts_punish(t, "10.0.0.4", CHAIN_NET_OFF_FLOOD, now), 0);
    cr_assert_eq(chain_net_hosts_get(t, "10.0.0.4", now + 25 * 60000)->score, 0);
    for (int i = 0; i < 3; i++)
        cr_assert_eq(chain_net_hosts_punish(t, "10.0.0.5", CHAIN_NET_OFF_FLOOD, now + (uint64_t)i * 60000), 0);
    cr_assert_eq(chain_net_hosts_punish(t, "10.0.0.5", CHAIN_NET_OFF_FLOOD, now + 3 * 60000), 0,
                 "decayed by 3 points: 97");
    cr_assert_eq(chain_net_hosts_punish(t, "10.0.0.5", CHAIN_NET_OFF_FLOOD, now + 3 * 60000), 1);
    /* a full table keeps the banned hosts */
    for (unsigned i = 0; i < 2 * CHAIN_NET_MAX_HOSTS; i++) {
        char ip[32];
        snprintf(ip, sizeof ip, "10.1.%u.%u", i / 256, i % 256);
        (void)chain_net_hosts_punish(t, ip, CHAIN_NET_OFF_PROTOCOL, now);
    }
    cr_assert_eq(chain_net_hosts_banned(t, "10.0.0.3", now), 1);
    free(t);
}

Test(chain_net_wire, the_address_book_keeps_each_address_once)
{
    chain_net_book *b = calloc(1, sizeof *b);
    chain_net_book_entry *e = chain_net_book_add(b, "127.0.0.1", 7001, 0);
    cr_assert_not_null(e);
    cr_assert_eq(chain_net_book_add(b, "127.0.0.1", 7001, 1), e);
    cr_assert_eq(e->seed, 1);
    cr_assert_eq(b->n, 1);
    cr_assert_null(chain_net_book_add(b, "127.0.0.1", 0, 0));
    for (unsigned i = 0; i < CHAIN_NET_MAX_BOOK + 5; i++)
        (void)chain_net_book_add(b, "10.0.0.1", (uint16_t)(1 + i), 0);
    cr_assert_eq(b->n, CHAIN_NET_MAX_BOOK);
    cr_assert_eq(chain_net_book_find(b, "127.0.0.1", 7001), e);
    free(b);
}

/* The tie rule (chain/net/node.h, spec network.md "Ties"): an equal-weight tip is
 * taken only when its header arrived within one target interval of the tip's, and
 * then only when the coin says so. */
Test(chain_net_wire, the_tie_rule_switches_within_one_interval_on_the_coin_only)
{
    const uint64_t T = 60000;
    cr_assert_eq(chain_net_tie_switch(1000000, 1000000, T, 1), 1);
    cr_assert_eq(chain_net_tie_switch(1000000, 1000000 + T, T, 1), 1, "one interval later: still a tie race");
    cr_assert_eq(chain_net_tie_switch(1000000, 1000000 + T + 1, T, 1), 0, "later than one interval: the tip stays");
    cr_assert_eq(chain_net_tie_switch(1000000 + T + 1, 1000000, T, 1), 0, "symmetric");
    cr_assert_eq(chain_net_tie_switch(1000000 + T, 1000000, T, 1), 1);
    for (unsigned c = 0; c < 8; c++)
        cr_assert_eq(chain_net_tie_switch(5, 7, T, c), (int)(c & 1u), "the coin's low bit decides");
    cr_assert_eq(chain_net_tie_switch(0, UINT64_MAX, T, 1), 0, "no overflow");
    cr_assert_eq(chain_net_tie_switch(10, 10, 0, 1), 1, "interval 0: only a header arriving with it");
}
