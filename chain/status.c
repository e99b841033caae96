/* chain/status.c - names of the chain status codes (see status.h). */
#include "chain/status.h"

const char *chain_status_str(chain_status s)
{
    switch (s) {
    case CHAIN_OK: return "ok";
    case CHAIN_ENOMEM: return "out of memory";
    case CHAIN_EIO: return "I/O error";
    case CHAIN_ESTORE: return "inconsistent block store";
    case CHAIN_EINVALID: return "block rejected";
    case CHAIN_EUNKNOWN: return "unknown chain";
    case CHAIN_EKEY: return "bad miner key";
    case CHAIN_EWORK: return "mining failed";
    case CHAIN_EPARAMS: return "inconsistent chain parameters";
    case CHAIN_ESTOPPED: return "mining stopped";
    case CHAIN_ETIP: return "block does not extend the tip";
    case CHAIN_ESTALE: return "the chain changed while mining";
    case CHAIN_EORPHAN: return "parent unknown (kept as an orphan)";
    case CHAIN_EMALFORMED: return "unusable copy of a block";
    case CHAIN_EBUSY: return "database busy";
    }
    return "unknown status";
}
