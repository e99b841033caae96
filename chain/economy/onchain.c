/* chain/economy/onchain.c - what both economy modes read of a block (onchain.h). */
#include "chain/economy/onchain.h"

#include <string.h>

#include "pouw/target.h"

int chain_econ_block_transfers(const pouw_block *b, const uint8_t ex_pub[32], chain_econ_xfer_fn fn, void *user)
{
    for (size_t i = 0; i < b->n_txs; i++) {
        const pouw_tx *tx = &b->txs[i];
        if (tx->type != POUW_TX_TRANSFER)
            continue;
        int wd;
        if (memcmp(tx->to, ex_pub, 32) == 0)
            wd = 0;
        else if (memcmp(tx->from, ex_pub, 32) == 0)
            wd = 1;
        else
            continue;
        uint8_t txid[32];
        if (pouw_tx_id(txid, tx) != POUW_OK)
            continue;
        int rc = fn(user, tx, txid, wd);
        if (rc)
            return rc;
    }
    return 0;
}

uint64_t chain_econ_deposit_id(const uint8_t txid[32])
{
    uint64_t v = 0;
    for (int k = 7; k >= 0; k--)
        v = (v << 8) | txid[k];
    return v;
}

double chain_econ_pass_chance(const chain_params *p, uint32_t post_bits)
{
    double lot = 1.0;
    if (post_bits) {
        uint8_t t32[32];
        if (pouw_target_from_bits(t32, post_bits) != POUW_OK)
            return -1;
        double w = pouw_target_work_double(t32);
        lot = w > 1.0 ? 1.0 / w : 1.0;
    }
    double fl = p->floor_pass_ppm ? p->floor_pass_ppm / 1e6 : 0.5;
    return fl * lot;
}
