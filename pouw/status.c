/* pouw/status.c - names of the pouw status codes (see status.h). */
#include "pouw/status.h"

const char *pouw_status_str(pouw_status s)
{
    switch (s) {
    case POUW_OK: return "ok";
    case POUW_ENOMEM: return "out of memory";
    case POUW_ECRYPTO: return "OpenSSL failure";
    case POUW_EHEX: return "bad hex";
    case POUW_EBITS_NEGATIVE: return "negative compact target";
    case POUW_EBITS_OVERFLOW: return "compact target overflows 256 bits";
    case POUW_EZERO_TARGET: return "zero target";
    case POUW_ERANGE: return "number out of range";
    case POUW_ENOTFOUND: return "not found";
    case POUW_EBADSIG: return "bad signature";
    case POUW_EIO: return "I/O error";
    case POUW_EKEYFILE: return "malformed key file";
    case POUW_ELABEL: return "bad key label";
    case POUW_EEXIST: return "file exists";
    case POUW_ESESSION: return "market session failed";
    case POUW_ECONFIG: return "invalid session configuration";
    case POUW_EFORMAT: return "malformed document";
    case POUW_EINVALID: return "block rejected";
    case POUW_ELIMIT: return "protocol limit exceeded";
    case POUW_ETX: return "malformed transaction";
    case POUW_ECHAIN: return "transfer of another chain";
    case POUW_ESEQUENCE: return "transfer sequence is not the sender's next";
    case POUW_EFUNDS: return "transfer spends more than the sender holds";
    case POUW_ENEWACCOUNT: return "transfer creates an account with less than the minimum";
    case POUW_EIMMATURE: return "transfer spends immature coins";
    }
    return "unknown status";
}
