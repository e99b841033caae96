/* chain/validate.h - consensus on a store: the genesis block, verifying a block
 * against a chain, the store's verifier callbacks. Mining the next block is
 * chain/miner.h.
 *
 * Genesis. Each chain's genesis is a real PoUW block that anyone rebuilds from
 * the parameters alone: height 0, prev_hash zero, miner zero (nobody's key), no
 * transactions (tx_root zero) and an empty ledger, time_ms = genesis_time_ms,
 * the genesis requirements, and the first nonce from genesis_nonce on whose
 * attempt is valid. The built-in chains pin genesis_nonce (so building genesis
 * costs one attempt) and the resulting id (so an engine change that alters a
 * session is caught: chain_genesis_build fails). The coins in existence after
 * block h are therefore exactly reward x h.
 *
 * Verification context. A block with a zero prev_hash is checked as the chain's
 * genesis; otherwise its parent is looked up by prev_hash among every block of
 * the store (any branch: a block of a side branch is checked on its own branch,
 * spec s10 fork choice needs them), and the context gets the parent's height,
 * its median time past (on its branch), its ledger, and the requirements of
 * chain_required_targets_after (the retarget rule on that branch). A parent the
 * store does not hold is unknown (rejected: unknown_parent); a parent the store
 * rejected makes the block rejected too (unknown_parent, "parent ... is
 * invalid: <its reason>"); an unverified parent is verified first.
 *
 * CHAIN_CHECK builds (the sanitizer builds of `make test`, STYLE rule 12) assert
 * after each block built or accepted that its ledger holds exactly reward x height
 * coins and no negative balance, and re-verify each mined block before storing it.
 *
 * Thread-safety: as the store (one thread per store).
 */
#ifndef CHAIN_VALIDATE_H
#define CHAIN_VALIDATE_H

#include <stddef.h>
#include <stdint.h>

#include "common/error.h"
#include "chain/params.h"
#include "chain/status.h"
#include "chain/store.h"
#include "pouw/block.h"
#include "pouw/mine.h"
#include "pouw/verify.h"

/* Builds the genesis block of p (see above), mining from p->genesis_nonce on.
 * Returns: CHAIN_OK; CHAIN_EPARAMS (p inconsistent, or the built id differs from
 * the pinned one: the engine or the parameters changed); CHAIN_EWORK (the
 * attempts failed); CHAIN_ENOMEM. Out: b (previous contents freed), attempts
 * (may be NULL: the attempts it took; 1 for a pinned genesis), err. */
__attribute__((warn_unused_result)) chain_status chain_genesis_build(pouw_block *b, uint64_t *attempts, common_error *err,
                                                                     const chain_params *p, unsigned threads);

/* Verifies block b against the chain in store s (context above) with the
 * verifier's clock now_ms. Does not change the store, except that verdicts on
 * b's unverified ancestors are cached.
 * Returns: CHAIN_OK (valid); CHAIN_EINVALID (*reason and err say why);
 * CHAIN_EIO / CHAIN_ESTORE (the parent or its ancestors could not be read);
 * CHAIN_ENOMEM; CHAIN_EWORK (the check could not complete).
 * Out: reason (POUW_R_OK unless rejected), err. */
__attribute__((warn_unused_result)) chain_status chain_verify_block(pouw_reason *reason, common_error *err,
                                                                    chain_store *s, const pouw_block *b,
                                                                    uint64_t now_ms, unsigned threads);

/* The validator (consensus version 2, spec s11) as the store's callbacks
 * (chain/store.h chain_store_opts; the "v1" names are the adapter's, kept):
 * precheck = chain_precheck_block (stages 1-3); verify = chain_verify_block with
 * the clock and threads of a chain_v1_verifier, its rejections mapped by
 * chain_status_of_reason (invalid: stored INVALID; an unknown parent: orphan; a
 * wrong copy or a time too far ahead: CHAIN_EMALFORMED, nothing stored);
 * genesis = chain_genesis_build. */
typedef struct chain_v1_verifier {
    unsigned threads;
    uint64_t (*clock_ms)(void *user);  /* NULL: the future-time rule is not applied */
    void *clock_user;
} chain_v1_verifier;

chain_status chain_v1_verify(void *user, pouw_reason *reason, common_error *err, chain_store *s, const pouw_block *b);
chain_status chain_v1_genesis(void *user, pouw_block *b, common_error *err, const chain_params *p);
/* Sets o->precheck, o->verify and o->genesis (and their user pointers). */
void chain_v1_store_opts(chain_store_opts *o, chain_v1_verifier *v);
/* chain_store_open with the v1 callbacks (v may be NULL: one thread, no clock;
 * else it must outlive the store). */
__attribute__((warn_unused_result)) chain_status chain_open_v1(chain_store **s, common_error *err,
                                                               const char *datadir, const chain_params *p, int create,
                                                               chain_v1_verifier *v);

/* The status a store gives a rejection with reason r (spec s11.7): CHAIN_OK for
 * POUW_R_OK; CHAIN_EINVALID when committed data failed (the id is invalid for
 * good); CHAIN_EORPHAN for an unknown parent (kept, not invalid); CHAIN_EMALFORMED
 * for a wrong copy (oversize, malformed, a wrong derived field) and for
 * time_future (never permanent): nothing is recorded against the id. The one
 * mapping from pouw_reason_kind_of to chain_status. Cannot fail. */
chain_status chain_status_of_reason(pouw_reason r);

/* Stages 1-3 of spec s11.7 on a block document doc[0..len) of chain p, for the
 * store's precheck callback (chain_store_opts.precheck; user is unused): the
 * size before parsing, the parse, the header's version, chain and genesis
 * constants, the pre-hash and its gate (pouw_block_precheck).
 * Returns: CHAIN_OK (b parsed); the codes of chain_status_of_reason (*reason
 * and err say why; b holds the parsed block when it could be parsed, so the
 * caller knows the id); CHAIN_ENOMEM; CHAIN_EWORK (a hash failed).
 * Out: b (previous contents freed), reason, err. */
__attribute__((warn_unused_result)) chain_status chain_precheck_block(void *user, pouw_block *b, pouw_reason *reason,
                                                                      common_error *err, const chain_params *p,
                                                                      const char *doc, size_t len);

/* Fills a verification context for block b on store s: requirements, template,
 * reward, min_new_account, maturity, genesis rule or parent (found by prev_hash
 * on any branch; absent when unknown) with its ledger and the immature coins of
 * its branch (chain_store_immature). The caller provides storage for the
 * parent, its ledger, the immature coins and the genesis rule; parent_ledger
 * and immature must be freed with pouw_ledger_clear.
 * Returns: CHAIN_OK (ctx->parent NULL when the parent is unknown); store codes. */
__attribute__((warn_unused_result)) chain_status chain_verify_context(pouw_verify_ctx *ctx, pouw_parent *parent,
                                                                      pouw_ledger *parent_ledger,
                                                                      pouw_ledger *immature,
                                                                      pouw_genesis_rule *genesis, common_error *err,
                                                                      chain_store *s, const pouw_block *b,
                                                                      uint64_t now_ms, unsigned threads);

/* What validate.c shares with the miner (chain/miner.c). */
/* The chain status of a pouw status (the one mapping between the two modules). */
chain_status chain_status_of_pouw(pouw_status st);
/* A header for height with p's constants and the requirements r (nonce, time,
 * roots and miner zero). */
pouw_header chain_header_template(const chain_params *p, const pouw_requirements *r, uint64_t height);
/* CHAIN_CHECK builds: asserts b's ledger holds reward x height coins, none
 * negative (STYLE rule 12); otherwise does nothing. */
void chain_check_block_ledger(const chain_params *p, const pouw_block *b);

#endif /* CHAIN_VALIDATE_H */
