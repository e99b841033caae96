/* pouw/merkle.h - the SHA-256 Merkle root of a block's transactions (spec pouw.md
 * s2, header field tx_root).
 *
 * Leaves are 32-byte digests (of each transaction's canonical encoding, coinbase
 * first). The tree is Bitcoin's, with one SHA-256 per node instead of two:
 *   - level 0 is the leaves in order;
 *   - each next level hashes adjacent pairs, node = SHA-256(left || right); a level
 *     with an odd count pairs its last node with itself;
 *   - the root is the single node left.
 * So: no leaves -> 32 zero bytes; one leaf -> that leaf itself (no hashing);
 * two -> SHA-256(L0||L1); three -> SHA-256(SHA-256(L0||L1) || SHA-256(L2||L2)).
 *
 * Known malleability (Bitcoin CVE-2012-2459): because the odd node is paired with
 * itself, the lists L0 L1 L2 and L0 L1 L2 L2 have the same root. The function
 * reports this shape (two equal siblings at any level) through `mutated`, as Bitcoin
 * Core's ComputeMerkleRoot does; a block verifier must reject a mutated list (and
 * duplicate transactions in general). Leaves and inner nodes are not domain
 * separated either; that is safe as long as no transaction encoding is 64 bytes
 * long (ours are fixed binary encodings, never 64 bytes: pouw/tx.h), so no
 * transaction can pose as a node.
 *
 * Thread-safety: pure function on caller memory.
 */
#ifndef POUW_MERKLE_H
#define POUW_MERKLE_H

#include <stddef.h>
#include <stdint.h>

#include "pouw/sha256.h"
#include "pouw/status.h"

/* The Merkle root of the n leaves stored back to back at leaves[0 .. 32n) (leaves
 * may be NULL when n is 0).
 * Returns: POUW_OK; POUW_ENOMEM (scratch allocation), POUW_ECRYPTO, or POUW_ERANGE
 * if 32n overflows size_t (root32 zeroed and *mutated 0 on error).
 * Out: root32; mutated (may be NULL): 1 if some level had two equal siblings (see
 * above), else 0.
 * Allocates scratch for one level (ceil(n/2) digests) when n >= 2, freed before
 * return. */
__attribute__((warn_unused_result)) pouw_status pouw_merkle_root(uint8_t root32[POUW_SHA256_BYTES], int *mutated,
                                                                 const uint8_t *leaves, size_t n);

#endif /* POUW_MERKLE_H */
