/* tests/fuzz/fuzz_net_wire.c - fuzz target for the node-to-node wire protocol
 * (chain/net/wire.h frames and messages, chain/net/peer.h frame reader).
 * The input is a byte stream as a peer would send it: it is fed to a frame
 * reader of each network (main and testnet magic) in pieces whose sizes come from
 * the input, and every frame the reader accepts is decoded. Any input must end
 * in a frame, ESHORT or one of the documented refusals; never a crash, a leak or
 * an undefined read. A message that decodes is encoded again and must give the
 * same payload bytes (the encoding is canonical). The input is also decoded
 * directly as (command = first byte, payload = the rest), so the message
 * decoders see payloads whose checksum a fuzzer would rarely get right. */
#include <assert.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "chain/net/peer.h"
#include "chain/net/wire.h"

static void reencode(const chain_net_msg *m, const uint8_t magic[4], const uint8_t *payload, size_t len)
{
    common_buf b = COMMON_BUF_INIT;
    chain_net_status st = CHAIN_NET_OK;
    switch (m->cmd) {
    case CHAIN_NET_VERSION:
        st = chain_net_put_version(&b, magic, &m->version);
        break;
    case CHAIN_NET_VERACK:
    case CHAIN_NET_GETADDR:
        st = chain_net_put_empty(&b, magic, m->cmd);
        break;
    case CHAIN_NET_PING:
    case CHAIN_NET_PONG:
        st = chain_net_put_ping(&b, magic, m->cmd, m->nonce);
        break;
    case CHAIN_NET_ANNOUNCE:
    case CHAIN_NET_GET:
    case CHAIN_NET_NOTFOUND:
        st = chain_net_put_inv(&b, magic, m->cmd, m->inv, m->n_inv);
        break;
    case CHAIN_NET_BLOCK:
    case CHAIN_NET_TRANSFER:
        st = chain_net_put_doc(&b, magic, m->cmd, m->chain_id, m->doc, m->doc_len);
        break;
    case CHAIN_NET_GETHEADERS:
        st = chain_net_put_getheaders(&b, magic, m->chain_id, (const uint8_t(*)[32])m->locator, m->n_locator, m->stop);
        break;
    case CHAIN_NET_HEADERS:
        st = chain_net_put_headers(&b, magic, m->chain_id, m->headers, m->n_headers);
        break;
    case CHAIN_NET_ADDR:
        st = chain_net_put_addr(&b, magic, m->addrs, m->n_addrs);
        break;
    default:
        assert(0);
    }
    assert(st == CHAIN_NET_OK || st == CHAIN_NET_ENOMEM);
    if (st == CHAIN_NET_OK) {
        assert(b.len == CHAIN_NET_FRAME_BYTES + len);
        assert(len == 0 || memcmp(b.data + CHAIN_NET_FRAME_BYTES, payload, len) == 0);
        chain_net_frame f;
        assert(chain_net_frame_decode(&f, (const uint8_t *)b.data, b.len, magic) == CHAIN_NET_OK);
        assert(f.cmd == m->cmd && f.len == len);
        assert(chain_net_frame_check(&f, (const uint8_t *)b.data + CHAIN_NET_FRAME_BYTES) == CHAIN_NET_OK);
    }
    common_buf_free(&b);
}

static void decode_one(unsigned cmd, const uint8_t *payload, size_t len, const uint8_t magic[4])
{
    chain_net_msg m;
    chain_net_status st = chain_net_msg_decode(&m, cmd, payload, len);
    assert(st == CHAIN_NET_OK || st == CHAIN_NET_EFORMAT || st == CHAIN_NET_ECMD || st == CHAIN_NET_EOVERSIZE ||
           st == CHAIN_NET_ENOMEM);
    if (st == CHAIN_NET_OK)
        reencode(&m, magic, payload, len);
    chain_net_msg_clear(&m);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    for (int net = 0; net < 2; net++) {
        uint8_t magic[4];
        chain_net_magic(magic, net);
        chain_net_reader r;
        chain_net_reader_init(&r, magic);
        size_t at = 0;
        unsigned piece = size ? 1u + data[0] % 97u : 1u;
        int dead = 0;
        while (at < size && !dead) {
            size_t k = size - at < piece ? size - at : piece;
            assert(chain_net_reader_feed(&r, data + at, k) == CHAIN_NET_OK);
            at += k;
            for (;;) {
                chain_net_frame f;
                const uint8_t *payload;
                chain_net_status st = chain_net_reader_next(&r, &f, &payload);
                if (st == CHAIN_NET_ESHORT)
                    break;
                if (st != CHAIN_NET_OK) {
                    assert(st == CHAIN_NET_EMAGIC || st == CHAIN_NET_ECMD || st == CHAIN_NET_EOVERSIZE ||
                           st == CHAIN_NET_ECHECKSUM);
                    dead = 1; /* a node drops the connection here */
                    break;
                }
                assert(f.len <= chain_net_cmd_limit(f.cmd));
                decode_one(f.cmd, payload, f.len, magic);
            }
        }
        chain_net_reader_clear(&r);
    }
    if (size >= 1) {
        uint8_t magic[4];
        chain_net_magic(magic, 1);
        decode_one(data[0] % (CHAIN_NET_CMD_LAST + 2), data + 1, size - 1, magic);
    }
    return 0;
}
