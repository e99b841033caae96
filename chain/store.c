/* chain/store.c - the shared block store: every block file of a chain, an index
 * of them with verdicts, fork choice, the writers' lock protocol, miner keys (see
 * store.h). Invariants kept by every function: blk[0..n_blk) holds each block
 * file read once (by id); a linked block's parent is linked, one height lower, and
 * its work is the parent's plus its own; a VALID block's parent is VALID; e[0..n)
 * is the path from genesis to blk[best]. */
#include "chain/store.h"

#include <assert.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/buf.h"
#include "chain/mempool.h"
#include "chain/node.h"
#include "pouw/sha256.h"
#include "pouw/target.h"

static chain_status serr(common_error *err, chain_status code, const char *path, const char *field, const char *fmt,
                         const char *detail)
{
    common_error_set(err, code, path, field, fmt, detail ? detail : "");
    return code;
}

chain_status chain_mkdirs(common_error *err, const char *path, int private_)
{
    assert(path);
    char buf[CHAIN_PATH_MAX];
    size_t n = strlen(path);
    if (n == 0 || n >= sizeof buf)
        return serr(err, CHAIN_EIO, path, "", "%s", "path empty or too long");
    memcpy(buf, path, n + 1);
    mode_t mode = private_ ? 0700 : 0755;
    for (size_t i = 1; i <= n; i++) {
        if (buf[i] != '/' && buf[i] != '\0')
            continue;
        char c = buf[i];
        buf[i] = '\0';
        struct stat st;
        if (stat(buf, &st) != 0) {
            if (mkdir(buf, mode) != 0 && errno != EEXIST)
                return serr(err, CHAIN_EIO, buf, "", "cannot create folder: %s", strerror(errno));
        } else if (!S_ISDIR(st.st_mode)) {
            return serr(err, CHAIN_EIO, buf, "", "%s", "exists and is not a folder");
        }
        buf[i] = c;
    }
    return CHAIN_OK;
}

/* fsync a folder so a rename in it survives a crash (best effort). */
static void sync_dir(const char *dir)
{
    int fd = open(dir, O_RDONLY | O_DIRECTORY);
    if (fd >= 0) {
        (void)fsync(fd);
        close(fd);
    }
}

static int all_zero(const uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (p[i])
            return 0;
    return 1;
}

static void notice(const chain_store *s, const common_error *e)
{
    if (s->opts.notice)
        s->opts.notice(s->opts.notice_user, e);
}

static uint64_t verifier_now(const chain_store *s)
{
    return s->opts.clock_ms ? s->opts.clock_ms(s->opts.clock_user) : UINT64_MAX;
}

/* ---------------------------------------------------------------- the index */

static size_t slot_pos(const chain_store *s, const uint8_t id[32])
{
    uint64_t h = 0;
    for (int i = 0; i < 8; i++)
        h = h << 8 | id[i];
    size_t mask = s->n_slot - 1, pos = (size_t)h & mask;
    while (s->slot[pos] && memcmp(s->blk[s->slot[pos] - 1].id, id, 32) != 0)
        pos = (pos + 1) & mask;
    return pos;
}

static size_t find_idx(const chain_store *s, const uint8_t id[32])
{
    if (!s->n_slot)
        return CHAIN_NO_BLOCK;
    size_t pos = slot_pos(s, id);
    return s->slot[pos] ? s->slot[pos] - 1 : CHAIN_NO_BLOCK;
}

/* Appends info to the index. Returns CHAIN_OK or CHAIN_ENOMEM. Out: idx. */
static chain_status index_add(chain_store *s, common_error *err, const chain_block_info *info, size_t *idx)
{
    if (s->n_blk == s->cap_blk) {
        size_t cap = s->cap_blk ? 2 * s->cap_blk : 64;
        chain_block_info *nb = realloc(s->blk, cap * sizeof *nb);
        if (!nb)
            return serr(err, CHAIN_ENOMEM, s->dir, "", "%s", "out of memory");
        s->blk = nb;
        s->cap_blk = cap;
    }
    if (2 * (s->n_blk + 1) >= s->n_slot) {
        size_t ns = s->n_slot ? 2 * s->n_slot : 256;
        size_t *sl = calloc(ns, sizeof *sl);
        if (!sl)
            return serr(err, CHAIN_ENOMEM, s->dir, "", "%s", "out of memory");
        free(s->slot);
        s->slot = sl;
        s->n_slot = ns;
        for (size_t i = 0; i < s->n_blk; i++)
            s->slot[slot_pos(s, s->blk[i].id)] = i + 1;
    }
    size_t i = s->n_blk++;
    s->blk[i] = *info;
    s->slot[slot_pos(s, info->id)] = i + 1;
    *idx = i;
    return CHAIN_OK;
}

int chain_store_info(chain_block_info *info, const chain_store *s, const uint8_t id32[32])
{
    assert(info && s && id32);
    size_t i = find_idx(s, id32);
    if (i == CHAIN_NO_BLOCK) {
        memset(info, 0, sizeof *info);
        return 0;
    }
    *info = s->blk[i];
    return 1;
}

void chain_store_block_path(char *path, size_t size, const chain_store *s, uint64_t h, const uint8_t id32[32])
{
    char hex[POUW_SHA256_HEX];
    pouw_hex_encode(hex, id32, 32);
    snprintf(path, size, "%s/blocks/%08" PRIu64 "-%s.json", s->dir, h, hex);
}

/* Parses "<8-16 digits>-<64 hex>.json". Returns 1 and the height and id, else 0. */
static int parse_block_name(const char *name, uint64_t *h, uint8_t id[32])
{
    size_t nd = strspn(name, "0123456789");
    if (nd < 8 || nd > 16 || name[nd] != '-')
        return 0;
    const char *hex = name + nd + 1;
    if (strlen(hex) != 64 + 5 || strcmp(hex + 64, ".json") != 0)
        return 0;
    char hx[65];
    memcpy(hx, hex, 64);
    hx[64] = '\0';
    if (pouw_hex_decode(id, 32, hx) != POUW_OK)
        return 0;
    uint64_t v = 0;
    for (size_t i = 0; i < nd; i++)
        v = v * 10 + (uint64_t)(name[i] - '0');
    *h = v;
    return 1;
}

/* A temporary file of common_buf_write_file: "<name>.tmp.XXXXXX". */
static int is_temp_name(const char *name)
{
    size_t n = strlen(name);
    return n > 11 && memcmp(name + n - 11, ".tmp.", 5) == 0;
}

static uint64_t mtime_ns(const struct stat *st)
{
    return (uint64_t)st->st_mtim.tv_sec * 1000000000u + (uint64_t)st->st_mtim.tv_nsec;
}

static chain_store_sig read_sig(const chain_store *s)
{
    chain_store_sig g;
    memset(&g, 0, sizeof g);
    char path[CHAIN_PATH_MAX + 16];
    struct stat st;
    snprintf(path, sizeof path, "%s/tip", s->dir);
    if (stat(path, &st) == 0) {
        g.tip_ino = (uint64_t)st.st_ino;
        g.tip_ns = mtime_ns(&st);
        g.tip_size = (uint64_t)st.st_size;
    }
    snprintf(path, sizeof path, "%s/blocks", s->dir);
    if (stat(path, &st) == 0) {
        g.dir_ns = mtime_ns(&st);
        g.dir_ino = (uint64_t)st.st_ino;
    }
    return g;
}

int chain_store_changed(const chain_store *s)
{
    assert(s);
    chain_store_sig g = read_sig(s);
    return memcmp(&g, &s->sig, sizeof g) != 0;
}

/* Reads DIR/<chain>/tip. Returns 1 and the height and id, or 0 when it is missing
 * or malformed (it is only a hint: the block files are the truth). */
static int read_tip(const chain_store *s, uint64_t *h, uint8_t id[32])
{
    char path[CHAIN_PATH_MAX + 8], text[160];
    snprintf(path, sizeof path, "%s/tip", s->dir);
    FILE *f = fopen(path, "rb");
    if (!f)
        return 0;
    size_t n = fread(text, 1, sizeof text - 1, f);
    fclose(f);
    text[n] = '\0';
    size_t nd = strspn(text, "0123456789");
    char hx[65];
    if (nd < 1 || nd > 16 || text[nd] != ' ' || n != nd + 1 + 64 + 1 || text[n - 1] != '\n')
        return 0;
    memcpy(hx, text + nd + 1, 64);
    hx[64] = '\0';
    if (pouw_hex_decode(id, 32, hx) != POUW_OK)
        return 0;
    uint64_t v = 0;
    for (size_t i = 0; i < nd; i++)
        v = v * 10 + (uint64_t)(text[i] - '0');
    *h = v;
    return 1;
}

static chain_status write_tip(chain_store *s, common_error *err, uint64_t h, const uint8_t id[32])
{
    char path[CHAIN_PATH_MAX + 8], hex[POUW_SHA256_HEX], text[128];
    snprintf(path, sizeof path, "%s/tip", s->dir);
    pouw_hex_encode(hex, id, 32);
    int len = snprintf(text, sizeof text, "%" PRIu64 " %s\n", h, hex);
    common_buf b = {text, (size_t)len, sizeof text, 0};
    if (common_buf_write_file(&b, path) != 0)
        return serr(err, CHAIN_EIO, path, "", "cannot write: %s", strerror(errno));
    sync_dir(s->dir);
    return CHAIN_OK;
}

/* Removes the temporaries a killed writer left (only under the lock: a live
 * writer writes only while holding it). */
static void remove_temporaries(const chain_store *s)
{
    const char *sub[2] = {"blocks", ""};
    for (int k = 0; k < 2; k++) {
        char dir[CHAIN_PATH_MAX + 16];
        snprintf(dir, sizeof dir, "%s/%s", s->dir, sub[k]);
        DIR *d = opendir(dir);
        if (!d)
            continue;
        struct dirent *de;
        while ((de = readdir(d)) != NULL) {
            if (!is_temp_name(de->d_name) || (k == 1 && strncmp(de->d_name, "tip.tmp.", 8) != 0))
                continue;
            char path[CHAIN_PATH_MAX + 300];
            snprintf(path, sizeof path, "%s/%s", dir, de->d_name);
            unlink(path);
        }
        closedir(d);
    }
}

/* Fills info from a parsed block (not linked, unverified). */
static void info_from_block(chain_block_info *info, const pouw_block *b)
{
    memset(info, 0, sizeof *info);
    memcpy(info->id, b->post_hash, 32);
    memcpy(info->prev, b->header.prev_hash, 32);
    info->height = b->header.height;
    info->time_ms = b->header.time_ms;
    info->prehash_bits = b->header.prehash_bits;
    info->pps_threshold_micro = b->header.pps_threshold_micro;
    info->post_bits = b->header.post_bits;
    info->parent = CHAIN_NO_BLOCK;
}

/* Reads the block files the index does not hold yet. A file that cannot be the
 * block its name says becomes an INVALID (format) entry, so it is read once.
 * Verdicts cached in `old` (a previous index, may be NULL) are taken over. */
static chain_status scan(chain_store *s, common_error *err, const chain_store *old)
{
    char blocks[CHAIN_PATH_MAX + 8];
    snprintf(blocks, sizeof blocks, "%s/blocks", s->dir);
    DIR *d = opendir(blocks);
    if (!d)
        return serr(err, CHAIN_EIO, blocks, "", "cannot open folder: %s", strerror(errno));
    chain_status cs = CHAIN_OK;
    struct dirent *de;
    pouw_block b;
    pouw_block_init(&b);
    while (cs == CHAIN_OK && (de = readdir(d)) != NULL) {
        uint64_t h;
        uint8_t id[32];
        if (!parse_block_name(de->d_name, &h, id) || find_idx(s, id) != CHAIN_NO_BLOCK)
            continue;
        char path[CHAIN_PATH_MAX + 300];
        snprintf(path, sizeof path, "%s/%s", blocks, de->d_name);
        struct stat st;
        if (stat(path, &st) != 0)
            continue; /* gone since readdir */
        chain_block_info info;
        common_error e;
        pouw_status ps = pouw_block_load(&b, &e, path);
        s->parsed++;
        if (ps == POUW_ENOMEM) {
            cs = serr(err, CHAIN_ENOMEM, path, "", "%s", "out of memory");
            break;
        }
        if (ps == POUW_OK && (memcmp(b.post_hash, id, 32) != 0 || b.header.height != h)) {
            ps = POUW_EFORMAT;
            common_error_set(&e, POUW_EFORMAT, path, "post_hash", "the file does not hold the block its name says");
        }
        if (ps == POUW_OK) {
            info_from_block(&info, &b);
            info.state = s->opts.trust ? CHAIN_BLOCK_VALID : CHAIN_BLOCK_UNVERIFIED;
            size_t oi = old ? find_idx(old, id) : CHAIN_NO_BLOCK;
            if (oi != CHAIN_NO_BLOCK && old->blk[oi].state != CHAIN_BLOCK_UNVERIFIED) {
                info.state = old->blk[oi].state;
                info.reason = old->blk[oi].reason;
                info.has_digest = old->blk[oi].has_digest;
                memcpy(info.file_digest, old->blk[oi].file_digest, 32);
            }
        } else {
            if (ps == POUW_EIO)
                continue; /* unreadable now (permissions, vanished): try again next time */
            memset(&info, 0, sizeof info);
            memcpy(info.id, id, 32);
            info.height = h;
            info.parent = CHAIN_NO_BLOCK;
            info.state = CHAIN_BLOCK_INVALID;
            info.reason = POUW_R_FORMAT;
            e.code = CHAIN_EINVALID;
            snprintf(e.path, sizeof e.path, "%s", path);
            char msg[sizeof e.msg];
            snprintf(msg, sizeof msg, "rejected (format): %s", e.msg);
            snprintf(e.msg, sizeof e.msg, "%s", msg);
            notice(s, &e);
        }
        info.seen_ns = mtime_ns(&st);
        size_t idx;
        cs = index_add(s, err, &info, &idx);
    }
    pouw_block_clear(&b);
    closedir(d);
    return cs;
}

typedef struct hkey {
    uint64_t height;
    size_t idx;
} hkey;

static int cmp_hkey(const void *a, const void *b)
{
    const hkey *x = a, *y = b;
    if (x->height != y->height)
        return x->height < y->height ? -1 : 1;
    return (x->idx > y->idx) - (x->idx < y->idx);
}

/* Links every block whose parent is linked, in height order, summing work. */
static chain_status link_all(chain_store *s, common_error *err)
{
    size_t n = 0;
    for (size_t i = 0; i < s->n_blk; i++)
        n += !s->blk[i].linked;
    if (n == 0)
        return CHAIN_OK;
    hkey *k = malloc(n * sizeof *k);
    if (!k)
        return serr(err, CHAIN_ENOMEM, s->dir, "", "%s", "out of memory");
    n = 0;
    for (size_t i = 0; i < s->n_blk; i++)
        if (!s->blk[i].linked)
            k[n++] = (hkey){s->blk[i].height, i};
    qsort(k, n, sizeof *k, cmp_hkey);
    for (size_t j = 0; j < n; j++) {
        chain_block_info *b = &s->blk[k[j].idx];
        if (b->state == CHAIN_BLOCK_INVALID && b->reason == POUW_R_FORMAT)
            continue; /* no header known */
        uint8_t w[32];
        pouw_header wh = {0};
        wh.post_bits = b->post_bits;
        chain_block_weight(w, s->params, &wh);
        if (b->height == 0) {
            if (!all_zero(b->prev, 32))
                continue;
            memcpy(b->work, w, 32);
            b->linked = 1;
            continue;
        }
        size_t pi = find_idx(s, b->prev);
        if (pi == CHAIN_NO_BLOCK || !s->blk[pi].linked || s->blk[pi].height + 1 != b->height)
            continue;
        memcpy(b->work, s->blk[pi].work, 32);
        if (pouw_work_add(b->work, w) != POUW_OK)
            memset(b->work, 0xff, 32); /* saturate */
        b->parent = pi;
        b->linked = 1;
    }
    free(k);
    return CHAIN_OK;
}

/* Rebuilds e[] as the path from genesis to blk[idx]. */
static chain_status set_best(chain_store *s, common_error *err, size_t idx)
{
    s->best = idx;
    if (idx == CHAIN_NO_BLOCK) {
        s->n = 0;
        return CHAIN_OK;
    }
    uint64_t h = s->blk[idx].height;
    if (h + 1 > s->cap) {
        size_t cap = s->cap ? s->cap : 64;
        while (cap < h + 1)
            cap *= 2;
        chain_store_entry *ne = realloc(s->e, cap * sizeof *ne);
        if (!ne)
            return serr(err, CHAIN_ENOMEM, s->dir, "", "%s", "out of memory");
        s->e = ne;
        s->cap = cap;
    }
    for (size_t i = idx; i != CHAIN_NO_BLOCK; i = s->blk[i].parent) {
        const chain_block_info *b = &s->blk[i];
        if (b->height < s->n && b->height < h && memcmp(s->e[b->height].id, b->id, 32) == 0)
            break; /* the rest of the path is already there */
        memcpy(s->e[b->height].id, b->id, 32);
        s->e[b->height].time_ms = b->time_ms;
        s->e[b->height].has_time = 1;
    }
    s->n = h + 1;
    return CHAIN_OK;
}

/* ---------------------------------------------------------------- verification and fork choice */

static chain_status load_path(pouw_block *b, uint8_t digest[32], common_error *err, chain_store *s, uint64_t h,
                              const uint8_t id[32]);

/* Verifies blk[idx], whose parent (if any) is VALID. Returns CHAIN_OK or
 * CHAIN_EINVALID (a verdict; *reason, err with the file's path) or a code of a
 * check that could not complete. */
static chain_status verify_node(chain_store *s, common_error *err, pouw_reason *reason, size_t idx)
{
    const chain_block_info *info = &s->blk[idx];
    char path[CHAIN_PATH_MAX + 128];
    chain_store_block_path(path, sizeof path, s, info->height, info->id);
    pouw_block b;
    pouw_block_init(&b);
    *reason = POUW_R_OK;
    uint8_t digest[32];
    chain_status cs = load_path(&b, digest, err, s, info->height, info->id);
    if (cs == CHAIN_ESTORE) { /* the file changed into something else since it was read */
        *reason = POUW_R_FORMAT;
        cs = CHAIN_EINVALID;
    } else if (cs == CHAIN_OK) {
        cs = chain_verify_block(reason, err, s, &b, verifier_now(s), s->opts.threads ? s->opts.threads : 1);
        s->verified++;
        if (cs == CHAIN_OK) { /* the verdict covers these bytes */
            memcpy(s->blk[idx].file_digest, digest, 32);
            s->blk[idx].has_digest = 1;
        }
    }
    pouw_block_clear(&b);
    if (err && cs != CHAIN_OK) {
        err->code = cs;
        snprintf(err->path, sizeof err->path, "%s", path);
    }
    return cs;
}

/* Makes blk[top]'s whole path VALID, verifying its unverified blocks oldest
 * first. *ok is 1 when it is; 0 when a block on it is INVALID now (it and the
 * blocks above it on this path are marked) or deferred (a time too far ahead, or
 * a check that could not complete: marked for this round only, in `defer`).
 * Returns CHAIN_OK, or CHAIN_ENOMEM. */
static chain_status verify_path(chain_store *s, common_error *err, size_t top, unsigned char *defer, int *ok,
                                pouw_reason *why)
{
    *ok = 0;
    *why = POUW_R_OK;
    size_t n = 0, cap = 16;
    size_t *stack = malloc(cap * sizeof *stack);
    if (!stack)
        return serr(err, CHAIN_ENOMEM, s->dir, "", "%s", "out of memory");
    size_t i = top;
    while (i != CHAIN_NO_BLOCK && s->blk[i].state == CHAIN_BLOCK_UNVERIFIED && !defer[i]) {
        if (n == cap) {
            size_t *ns = realloc(stack, 2 * cap * sizeof *ns);
            if (!ns) {
                free(stack);
                return serr(err, CHAIN_ENOMEM, s->dir, "", "%s", "out of memory");
            }
            stack = ns;
            cap *= 2;
        }
        stack[n++] = i;
        i = s->blk[i].parent;
    }
    int bad = i != CHAIN_NO_BLOCK && (s->blk[i].state == CHAIN_BLOCK_INVALID || defer[i]);
    int deferred = bad && s->blk[i].state != CHAIN_BLOCK_INVALID;
    size_t k = n;
    chain_status cs = CHAIN_OK;
    while (!bad && k > 0) {
        if (s->opts.cancel && s->opts.cancel(s->opts.cancel_user)) { /* a signal: stop between blocks */
            cs = serr(err, CHAIN_ESTOPPED, s->dir, "", "%s", "stopped while verifying the stored blocks");
            break;
        }
        size_t j = stack[--k];
        common_error e;
        pouw_reason r;
        chain_status vs = verify_node(s, &e, &r, j);
        if (s->opts.progress)
            s->opts.progress(s->opts.progress_user, n - k, n);
        if (vs == CHAIN_OK) {
            s->blk[j].state = CHAIN_BLOCK_VALID;
            continue;
        }
        if (vs == CHAIN_ENOMEM) {
            if (err)
                *err = e;
            cs = vs;
            break;
        }
        bad = 1;
        *why = r;
        if (vs == CHAIN_EINVALID && r != POUW_R_TIME_FUTURE) {
            s->blk[j].state = CHAIN_BLOCK_INVALID;
            s->blk[j].reason = r;
        } else {
            deferred = 1;
            defer[j] = 1;
        }
        if (vs == CHAIN_EINVALID) { /* name the reason in what the notice says */
            char msg[sizeof e.msg];
            snprintf(msg, sizeof msg, "rejected (%s): %s", pouw_reason_name(r), e.msg);
            snprintf(e.msg, sizeof e.msg, "%s", msg);
        }
        notice(s, &e);
        if (err)
            *err = e;
    }
    if (bad) /* the blocks above the failing one (this round, or for good) */
        for (size_t m = 0; m < k; m++) {
            if (deferred) {
                defer[stack[m]] = 1;
            } else {
                s->blk[stack[m]].state = CHAIN_BLOCK_INVALID;
                s->blk[stack[m]].reason = POUW_R_UNKNOWN_PARENT;
            }
        }
    free(stack);
    *ok = cs == CHAIN_OK && !bad;
    return cs;
}

/* 1 when blk[a] is preferred to blk[b] as the best tip (store.h, fork choice). */
static int better(const chain_store *s, size_t a, size_t b, size_t hint)
{
    if (b == CHAIN_NO_BLOCK)
        return 1;
    int c = pouw_u256_cmp(s->blk[a].work, s->blk[b].work);
    if (c != 0)
        return c > 0;
    if (a == hint || b == hint)
        return a == hint;
    if (a == s->best || b == s->best)
        return a == s->best;
    if (s->blk[a].seen_ns != s->blk[b].seen_ns)
        return s->blk[a].seen_ns < s->blk[b].seen_ns;
    return memcmp(s->blk[a].id, s->blk[b].id, 32) < 0;
}

/* The index of the block the tip file names, or CHAIN_NO_BLOCK. */
static size_t tip_hint(const chain_store *s)
{
    uint64_t h;
    uint8_t id[32];
    return read_tip(s, &h, id) ? find_idx(s, id) : CHAIN_NO_BLOCK;
}

/* Fork choice: the best valid tip, verifying paths as needed. */
static chain_status choose(chain_store *s, common_error *err)
{
    size_t hint = tip_hint(s);
    unsigned char *defer = calloc(s->n_blk ? s->n_blk : 1, 1);
    if (!defer)
        return serr(err, CHAIN_ENOMEM, s->dir, "", "%s", "out of memory");
    chain_status cs = CHAIN_OK;
    size_t best;
    for (;;) {
        best = CHAIN_NO_BLOCK;
        for (size_t i = 0; i < s->n_blk; i++)
            if (s->blk[i].linked && s->blk[i].state != CHAIN_BLOCK_INVALID && !defer[i] && better(s, i, best, hint))
                best = i;
        if (best == CHAIN_NO_BLOCK)
            break;
        int ok;
        pouw_reason why;
        common_error e;
        if ((cs = verify_path(s, &e, best, defer, &ok, &why)) != CHAIN_OK) {
            if (err && cs != CHAIN_ESTOPPED)
                *err = e;
            break;
        }
        if (ok)
            break;
    }
    free(defer);
    if (cs == CHAIN_OK)
        cs = set_best(s, err, best);
    return cs;
}

static chain_status refresh(chain_store *s, common_error *err, int *moved, int force)
{
    if (moved)
        *moved = 0;
    chain_store_sig g = read_sig(s);
    if (!force && s->best != CHAIN_NO_BLOCK && memcmp(&g, &s->sig, sizeof g) == 0)
        return CHAIN_OK;
    size_t old = s->best;
    uint8_t old_id[32] = {0};
    if (old != CHAIN_NO_BLOCK)
        memcpy(old_id, s->blk[old].id, 32);
    if (s->lock_depth > 0)
        remove_temporaries(s);
    chain_status cs = scan(s, err, NULL);
    if (cs == CHAIN_OK)
        cs = link_all(s, err);
    if (cs == CHAIN_OK)
        cs = choose(s, err);
    if (cs != CHAIN_OK)
        return cs;
    s->sig = g;
    if (moved)
        *moved = s->best != old;
    if (s->best == CHAIN_NO_BLOCK && old != CHAIN_NO_BLOCK)
        return serr(err, CHAIN_ESTORE, s->dir, "", "%s", "no valid genesis any more");
    return CHAIN_OK;
}

chain_status chain_store_refresh(chain_store *s, common_error *err, int *moved)
{
    assert(s);
    common_error_clear(err);
    return refresh(s, err, moved, 0);
}

chain_status chain_store_reload(chain_store *s, common_error *err)
{
    assert(s);
    common_error_clear(err);
    chain_store old = *s;
    s->blk = NULL;
    s->n_blk = s->cap_blk = 0;
    s->slot = NULL;
    s->n_slot = 0;
    s->best = CHAIN_NO_BLOCK;
    chain_status cs = scan(s, err, &old);
    free(old.blk);
    free(old.slot);
    if (cs == CHAIN_OK)
        cs = link_all(s, err);
    if (cs == CHAIN_OK)
        cs = choose(s, err);
    if (cs == CHAIN_OK && s->best == CHAIN_NO_BLOCK)
        cs = serr(err, CHAIN_ESTORE, s->dir, "", "%s", "no valid genesis");
    if (cs == CHAIN_OK)
        s->sig = read_sig(s);
    return cs;
}

chain_status chain_store_verify_id(pouw_reason *reason, common_error *err, chain_store *s, const uint8_t id32[32])
{
    assert(reason && s && id32);
    *reason = POUW_R_OK;
    common_error_clear(err);
    size_t i = find_idx(s, id32);
    if (i == CHAIN_NO_BLOCK || !s->blk[i].linked)
        return serr(err, CHAIN_ESTORE, s->dir, "", "%s", "no such block linked to genesis in the store");
    chain_status cs = CHAIN_OK;
    int ok = s->blk[i].state == CHAIN_BLOCK_VALID;
    pouw_reason why = POUW_R_OK;
    if (s->blk[i].state == CHAIN_BLOCK_UNVERIFIED) {
        unsigned char *defer = calloc(s->n_blk, 1);
        if (!defer)
            return serr(err, CHAIN_ENOMEM, s->dir, "", "%s", "out of memory");
        cs = verify_path(s, err, i, defer, &ok, &why);
        free(defer);
    }
    if (cs != CHAIN_OK || ok)
        return cs;
    if (s->blk[i].state == CHAIN_BLOCK_INVALID) {
        *reason = s->blk[i].reason;
        if (!err || !err->code) {
            char hex[17];
            pouw_hex_encode(hex, id32, 8);
            common_error_set(err, CHAIN_EINVALID, s->dir, "", "block %s... was rejected (%s)", hex,
                          pouw_reason_name(*reason));
        }
        if (err)
            err->code = CHAIN_EINVALID;
        return CHAIN_EINVALID;
    }
    /* deferred: a time too far ahead (a verdict for now), or a check that could
     * not complete (err says why) */
    *reason = why == POUW_R_TIME_FUTURE ? why : POUW_R_OK;
    chain_status code = why == POUW_R_TIME_FUTURE ? CHAIN_EINVALID : CHAIN_EWORK;
    if (err)
        err->code = code;
    return code;
}

chain_status chain_store_verify_all(size_t *n_invalid, common_error *err, chain_store *s)
{
    assert(n_invalid && s);
    *n_invalid = 0;
    common_error_clear(err);
    hkey *k = malloc((s->n_blk ? s->n_blk : 1) * sizeof *k);
    unsigned char *defer = calloc(s->n_blk ? s->n_blk : 1, 1);
    chain_status cs = CHAIN_OK;
    if (!k || !defer) {
        cs = serr(err, CHAIN_ENOMEM, s->dir, "", "%s", "out of memory");
        goto out;
    }
    for (size_t i = 0; i < s->n_blk; i++)
        k[i] = (hkey){s->blk[i].height, i};
    qsort(k, s->n_blk, sizeof *k, cmp_hkey);
    for (size_t j = 0; j < s->n_blk && cs == CHAIN_OK; j++) {
        chain_block_info *b = &s->blk[k[j].idx];
        if (b->state != CHAIN_BLOCK_UNVERIFIED)
            continue;
        if (!b->linked) { /* an honest writer never stores a block before its parent */
            b->state = CHAIN_BLOCK_INVALID;
            b->reason = POUW_R_UNKNOWN_PARENT;
            char path[CHAIN_PATH_MAX + 128], hex[17];
            chain_store_block_path(path, sizeof path, s, b->height, b->id);
            pouw_hex_encode(hex, b->prev, 8);
            common_error e;
            common_error_set(&e, CHAIN_EINVALID, path, "header.prev_hash",
                          "rejected (unknown_parent): parent %s... is not a block of this store", hex);
            notice(s, &e);
            continue;
        }
        int ok;
        pouw_reason why;
        common_error e;
        if ((cs = verify_path(s, &e, k[j].idx, defer, &ok, &why)) != CHAIN_OK && err)
            *err = e;
    }
    for (size_t i = 0; i < s->n_blk; i++)
        *n_invalid += s->blk[i].state == CHAIN_BLOCK_INVALID;
out:
    free(k);
    free(defer);
    return cs;
}

/* ---------------------------------------------------------------- open, close, read */

static void close_fields(chain_store *s)
{
    free(s->e);
    free(s->blk);
    free(s->slot);
    if (s->lock_fd >= 0)
        close(s->lock_fd);
}

void chain_store_close(chain_store *s)
{
    if (!s)
        return;
    if (s->params) /* an opened store (a closed one is all zero) */
        close_fields(s);
    memset(s, 0, sizeof *s);
    s->lock_fd = -1;
    s->best = CHAIN_NO_BLOCK;
}

chain_status chain_store_lock(chain_store *s, common_error *err)
{
    assert(s);
    if (s->lock_fd < 0) {
        char path[CHAIN_PATH_MAX + 8];
        snprintf(path, sizeof path, "%s/lock", s->dir);
        return serr(err, CHAIN_EIO, path, "", "%s", "cannot write to this data directory (no write access)");
    }
    if (s->lock_depth++ > 0)
        return CHAIN_OK;
    while (flock(s->lock_fd, LOCK_EX) != 0) {
        if (errno == EINTR)
            continue;
        s->lock_depth--;
        char path[CHAIN_PATH_MAX + 8];
        snprintf(path, sizeof path, "%s/lock", s->dir);
        return serr(err, CHAIN_EIO, path, "", "cannot lock: %s", strerror(errno));
    }
    return CHAIN_OK;
}

void chain_store_unlock(chain_store *s)
{
    assert(s && s->lock_depth > 0);
    if (--s->lock_depth == 0)
        (void)flock(s->lock_fd, LOCK_UN);
}

static chain_status publish(chain_store *s, common_error *err, chain_store_add_result *res);

/* After blk[root] turned out valid: its descendants condemned only for descending
 * from it (unknown_parent) are unverified again. */
static void forgive_descendants(chain_store *s, size_t root)
{
    for (int again = 1; again;) {
        again = 0;
        for (size_t i = 0; i < s->n_blk; i++) {
            chain_block_info *b = &s->blk[i];
            if (b->state != CHAIN_BLOCK_INVALID || b->reason != POUW_R_UNKNOWN_PARENT || b->parent == CHAIN_NO_BLOCK)
                continue;
            if (b->parent == root || s->blk[b->parent].state == CHAIN_BLOCK_UNVERIFIED) {
                b->state = CHAIN_BLOCK_UNVERIFIED;
                b->reason = POUW_R_OK;
                again = 1;
            }
        }
    }
}

/* Writes b's file (if absent) and enters it into the index as VALID. Under the
 * lock; b verified by the caller. Out: idx, stored. */
static chain_status put_block(chain_store *s, common_error *err, const pouw_block *b, size_t *idx, int *stored)
{
    *stored = 0;
    char path[CHAIN_PATH_MAX + 128];
    chain_store_block_path(path, sizeof path, s, b->header.height, b->post_hash);
    size_t i = find_idx(s, b->post_hash);
    /* An id commits to the header and the proof, not to every byte of the file:
     * a file rejected for its content (damaged, a ledger rewritten), or not
     * verified here yet, is (re)written with the genuine block, which b is
     * (verified, or built here). */
    int rewrite = i != CHAIN_NO_BLOCK && s->blk[i].state != CHAIN_BLOCK_VALID;
    char *json = NULL;
    size_t len = 0;
    chain_block_info info;
    info_from_block(&info, b);
    info.state = CHAIN_BLOCK_VALID;
    pouw_status st = pouw_block_to_json(&json, &len, b);
    if (st == POUW_OK && pouw_sha256(info.file_digest, json, len) == POUW_OK)
        info.has_digest = 1;
    if (st == POUW_OK && (i == CHAIN_NO_BLOCK || rewrite)) {
        common_buf out = {json, len, len + 1, 0};
        if (common_buf_write_file(&out, path) != 0) {
            free(json);
            return serr(err, CHAIN_EIO, path, "", "cannot write: %s", strerror(errno));
        }
        char blocks[CHAIN_PATH_MAX + 8];
        snprintf(blocks, sizeof blocks, "%s/blocks", s->dir);
        sync_dir(blocks);
        *stored = 1;
    }
    free(json);
    if (st != POUW_OK) {
        chain_status cs = st == POUW_ENOMEM ? CHAIN_ENOMEM : CHAIN_EIO;
        return serr(err, cs, path, "", "cannot write the block: %s", pouw_status_str(st));
    }
    struct stat sb;
    info.seen_ns = stat(path, &sb) == 0 ? mtime_ns(&sb) : 0;
    if (i == CHAIN_NO_BLOCK) {
        chain_status cs = index_add(s, err, &info, &i);
        if (cs != CHAIN_OK)
            return cs;
    } else if (rewrite) { /* the file is now b's bytes */
        int was_invalid = s->blk[i].state == CHAIN_BLOCK_INVALID;
        info.seen_ns = s->blk[i].seen_ns;
        s->blk[i] = info;
        if (was_invalid)
            forgive_descendants(s, i);
    }
    *idx = i;
    return link_all(s, err);
}

chain_status chain_store_open_opts(chain_store *s, common_error *err, const char *datadir, const chain_params *p,
                                   const chain_store_opts *o)
{
    assert(s && datadir && p);
    memset(s, 0, sizeof *s);
    s->lock_fd = -1;
    s->best = CHAIN_NO_BLOCK;
    common_error_clear(err);
    s->params = p;
    if (o)
        s->opts = *o;
    chain_status cs = CHAIN_OK;
    if ((size_t)snprintf(s->dir, sizeof s->dir, "%s/%s", datadir, p->name) >= sizeof s->dir - 200) {
        cs = serr(err, CHAIN_EIO, datadir, "", "%s", "data directory path too long");
        goto fail;
    }
    char path[CHAIN_PATH_MAX + 16];
    snprintf(path, sizeof path, "%s/blocks", s->dir);
    struct stat st;
    if (stat(path, &st) != 0 || !S_ISDIR(st.st_mode)) {
        if (!s->opts.create) {
            common_error_set(err, CHAIN_ESTORE, s->dir, "", "no %s chain in %s (mine first to create it)", p->coin,
                          datadir);
            cs = CHAIN_ESTORE;
            goto fail;
        }
        if ((cs = chain_mkdirs(err, path, 0)) != CHAIN_OK)
            goto fail;
    }
    snprintf(path, sizeof path, "%s/lock", s->dir);
    s->lock_fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (s->lock_fd < 0 && !s->opts.create && (errno == EACCES || errno == EROFS || errno == EPERM)) {
        /* a reader without write access: reading needs no lock; writing will say why not */
        s->read_only = 1;
    } else if (s->lock_fd < 0) {
        cs = serr(err, CHAIN_EIO, path, "", "cannot open: %s", strerror(errno));
        goto fail;
    }
    if ((cs = refresh(s, err, NULL, 1)) != CHAIN_OK)
        goto fail;
    if (s->best != CHAIN_NO_BLOCK)
        return CHAIN_OK;
    if (!s->opts.create) {
        cs = serr(err, CHAIN_ESTORE, s->dir, "", "%s", "the chain has no valid genesis block");
        goto fail;
    }
    /* create genesis, once, under the lock */
    if ((cs = chain_store_lock(s, err)) != CHAIN_OK)
        goto fail;
    cs = refresh(s, err, NULL, 1);
    if (cs == CHAIN_OK && s->best == CHAIN_NO_BLOCK) {
        pouw_block g;
        pouw_block_init(&g);
        cs = chain_genesis_build(&g, NULL, err, p, s->opts.threads ? s->opts.threads : 1);
        size_t idx;
        int stored;
        if (cs == CHAIN_OK)
            cs = put_block(s, err, &g, &idx, &stored);
        pouw_block_clear(&g);
        if (cs == CHAIN_OK)
            cs = choose(s, err);
        if (cs == CHAIN_OK)
            cs = publish(s, err, NULL);
        if (cs == CHAIN_OK)
            s->sig = read_sig(s);
    }
    chain_store_unlock(s);
    if (cs == CHAIN_OK && s->best == CHAIN_NO_BLOCK)
        cs = serr(err, CHAIN_ESTORE, s->dir, "", "%s", "the chain has no valid genesis block");
    if (cs == CHAIN_OK)
        return CHAIN_OK;
fail:
    chain_store_close(s);
    return cs;
}

chain_status chain_store_open(chain_store *s, common_error *err, const char *datadir, const chain_params *p, int create,
                              unsigned threads)
{
    chain_store_opts o;
    memset(&o, 0, sizeof o);
    o.create = create;
    o.threads = threads;
    return chain_store_open_opts(s, err, datadir, p, &o);
}

uint64_t chain_store_tip_height(const chain_store *s)
{
    assert(s && s->n > 0);
    return s->n - 1;
}

void chain_store_id(uint8_t id32[32], const chain_store *s, uint64_t h)
{
    assert(s && h < s->n);
    memcpy(id32, s->e[h].id, 32);
}

int chain_store_find(uint64_t *height, const chain_store *s, const uint8_t id32[32])
{
    assert(height && s && id32);
    *height = 0;
    for (uint64_t h = s->n; h-- > 0;) /* recent blocks are looked up most */
        if (memcmp(s->e[h].id, id32, 32) == 0) {
            *height = h;
            return 1;
        }
    return 0;
}

/* Reads and parses block file `path`. Out: b, digest (SHA-256 of the bytes read). */
static chain_status read_block_file(pouw_block *b, uint8_t digest[32], common_error *err, const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return serr(err, CHAIN_EIO, path, "", "cannot open: %s", strerror(errno));
    struct stat sb;
    if (fstat(fileno(f), &sb) != 0 || !S_ISREG(sb.st_mode) || (uintmax_t)sb.st_size > POUW_BLOCK_MAX_BYTES) {
        fclose(f);
        return serr(err, CHAIN_EIO, path, "", "%s", "not a regular file of a block's size");
    }
    size_t cap = (size_t)sb.st_size + 1, n = 0;
    char *buf = malloc(cap);
    if (!buf) {
        fclose(f);
        return serr(err, CHAIN_ENOMEM, path, "", "%s", "out of memory");
    }
    for (size_t r; n < cap && (r = fread(buf + n, 1, cap - n, f)) > 0;)
        n += r;
    int ioerr = ferror(f) || n == cap; /* grown since fstat: being replaced, read again later */
    fclose(f);
    chain_status cs = CHAIN_OK;
    if (ioerr) {
        cs = serr(err, CHAIN_EIO, path, "", "%s", "read error");
    } else if (pouw_sha256(digest, buf, n) != POUW_OK) {
        cs = serr(err, CHAIN_ENOMEM, path, "", "%s", "SHA-256 failed");
    } else {
        pouw_status st = pouw_block_parse(b, err, path, buf, n);
        cs = st == POUW_OK ? CHAIN_OK : st == POUW_ENOMEM ? CHAIN_ENOMEM : CHAIN_ESTORE;
        if (cs != CHAIN_OK && err)
            err->code = cs;
    }
    free(buf);
    return cs;
}

/* Block i's file changed since it was verified: the verdicts on it and on its
 * descendants no longer hold. They are unverified again, and the next refresh
 * (forced) judges the file as it is now. */
static void unverify_subtree(chain_store *s, size_t root)
{
    s->blk[root].state = CHAIN_BLOCK_UNVERIFIED;
    s->blk[root].has_digest = 0;
    for (int again = 1; again;) {
        again = 0;
        for (size_t i = 0; i < s->n_blk; i++) {
            chain_block_info *b = &s->blk[i];
            if (b->state == CHAIN_BLOCK_VALID && b->parent != CHAIN_NO_BLOCK &&
                s->blk[b->parent].state == CHAIN_BLOCK_UNVERIFIED) {
                b->state = CHAIN_BLOCK_UNVERIFIED;
                b->has_digest = 0;
                again = 1;
            }
        }
    }
    memset(&s->sig, 0, sizeof s->sig);
}

/* Reads block (h, id) and checks it is that block and, when the index holds a
 * digest for it, the bytes it verified. Out: b, digest. */
static chain_status load_path(pouw_block *b, uint8_t digest[32], common_error *err, chain_store *s, uint64_t h,
                              const uint8_t id[32])
{
    char path[CHAIN_PATH_MAX + 128];
    chain_store_block_path(path, sizeof path, s, h, id);
    chain_status cs = read_block_file(b, digest, err, path);
    if (cs != CHAIN_OK)
        return cs;
    if (memcmp(b->post_hash, id, 32) != 0 || b->header.height != h) {
        pouw_block_clear(b);
        return serr(err, CHAIN_ESTORE, path, "", "%s", "the file does not hold the block its name says");
    }
    size_t i = find_idx(s, id);
    if (i != CHAIN_NO_BLOCK && s->blk[i].has_digest && memcmp(s->blk[i].file_digest, digest, 32) != 0) {
        pouw_block_clear(b);
        unverify_subtree(s, i);
        return serr(err, CHAIN_ESTORE, path, "", "%s", "the file changed since it was verified");
    }
    return CHAIN_OK;
}

chain_status chain_store_load(pouw_block *b, common_error *err, chain_store *s, uint64_t h)
{
    assert(b && s);
    common_error_clear(err);
    pouw_block_clear(b);
    if (h >= s->n)
        return serr(err, CHAIN_ESTORE, s->dir, "", "%s", "no block at that height");
    uint8_t digest[32];
    return load_path(b, digest, err, s, h, s->e[h].id);
}

chain_status chain_store_load_id(pouw_block *b, common_error *err, chain_store *s, const uint8_t id32[32])
{
    assert(b && s && id32);
    common_error_clear(err);
    pouw_block_clear(b);
    size_t i = find_idx(s, id32);
    if (i == CHAIN_NO_BLOCK)
        return serr(err, CHAIN_ESTORE, s->dir, "", "%s", "no such block in the store");
    uint8_t digest[32];
    return load_path(b, digest, err, s, s->blk[i].height, id32);
}

chain_status chain_store_median_time(uint64_t *mtp, common_error *err, chain_store *s, uint64_t h)
{
    assert(mtp && s);
    *mtp = 0;
    common_error_clear(err);
    if (h >= s->n)
        return serr(err, CHAIN_ESTORE, s->dir, "", "%s", "no block at that height");
    uint64_t lo = h + 1 >= CHAIN_MEDIAN_SPAN ? h + 1 - CHAIN_MEDIAN_SPAN : 0;
    uint64_t times[CHAIN_MEDIAN_SPAN];
    unsigned n = 0;
    for (uint64_t k = lo; k <= h; k++)
        times[n++] = s->e[k].time_ms;
    *mtp = pouw_median_time(times, n);
    return CHAIN_OK;
}

chain_status chain_store_median_time_of(uint64_t *mtp, common_error *err, const chain_store *s, const uint8_t id32[32])
{
    assert(mtp && s && id32);
    *mtp = 0;
    common_error_clear(err);
    size_t i = find_idx(s, id32);
    if (i == CHAIN_NO_BLOCK)
        return serr(err, CHAIN_ESTORE, s->dir, "", "%s", "no such block in the store");
    uint64_t times[CHAIN_MEDIAN_SPAN];
    unsigned n = 0;
    while (i != CHAIN_NO_BLOCK && n < CHAIN_MEDIAN_SPAN) {
        times[n++] = s->blk[i].time_ms;
        if (s->blk[i].height == 0)
            break;
        /* an unlinked block (a parent rejected for its format, say): by prev_hash */
        i = s->blk[i].parent != CHAIN_NO_BLOCK ? s->blk[i].parent : find_idx(s, s->blk[i].prev);
    }
    *mtp = pouw_median_time(times, n);
    return CHAIN_OK;
}

/* ---------------------------------------------------------------- writing */

/* Appends the transfers (not the coinbase) of block id to *txs. */
static chain_status collect_transfers(chain_store *s, common_error *err, size_t idx, pouw_tx **txs, size_t *n,
                                      size_t *cap)
{
    pouw_block b;
    pouw_block_init(&b);
    chain_status cs = chain_store_load_id(&b, err, s, s->blk[idx].id);
    for (size_t i = 0; cs == CHAIN_OK && i < b.n_txs; i++) {
        if (b.txs[i].type == POUW_TX_COINBASE)
            continue;
        if (*n == *cap) {
            size_t nc = *cap ? 2 * *cap : 16;
            pouw_tx *nt = realloc(*txs, nc * sizeof *nt);
            if (!nt) {
                cs = serr(err, CHAIN_ENOMEM, s->dir, "", "%s", "out of memory");
                break;
            }
            *txs = nt;
            *cap = nc;
        }
        (*txs)[(*n)++] = b.txs[i];
    }
    pouw_block_clear(&b);
    return cs;
}

/* After the best tip moved from the tip file's block `old` to s->best: the
 * transfers of the blocks that left the best chain go back to the mempool, and
 * the mempool is pruned against the new tip. Failures here do not undo the move:
 * they are told to the notice callback (the mempool is advisory). */
static void mempool_after_move(chain_store *s, size_t old, chain_store_add_result *res)
{
    common_error e;
    common_error_clear(&e);
    pouw_tx *txs = NULL;
    size_t n = 0, cap = 0;
    uint64_t gone = 0;
    chain_status cs = CHAIN_OK;
    for (size_t i = old; i != CHAIN_NO_BLOCK && cs == CHAIN_OK; i = s->blk[i].parent) {
        const chain_block_info *b = &s->blk[i];
        if (b->height < s->n && memcmp(s->e[b->height].id, b->id, 32) == 0)
            break; /* the fork point: still on the best chain */
        gone++;
        cs = collect_transfers(s, &e, i, &txs, &n, &cap);
    }
    if (cs == CHAIN_OK && n > 0)
        cs = chain_mempool_return(&e, s->dir, txs, n);
    free(txs);
    size_t pruned = 0;
    pouw_block tip;
    pouw_block_init(&tip);
    if (cs == CHAIN_OK)
        cs = chain_store_load(&tip, &e, s, s->n - 1);
    if (cs == CHAIN_OK)
        cs = chain_mempool_prune(&pruned, &e, s->dir, &tip.ledger);
    pouw_block_clear(&tip);
    if (res) {
        res->disconnected = gone;
        res->returned = cs == CHAIN_OK ? n : 0;
        res->pruned = pruned;
    }
    if (cs != CHAIN_OK) {
        char msg[sizeof e.msg];
        snprintf(msg, sizeof msg, "mempool not updated after the tip moved: %s", e.msg);
        snprintf(e.msg, sizeof e.msg, "%s", msg);
        notice(s, &e);
    }
}

/* Under the lock: when the best tip is not the one the tip file names, updates
 * the mempool and moves the tip file. */
static chain_status publish(chain_store *s, common_error *err, chain_store_add_result *res)
{
    if (s->best == CHAIN_NO_BLOCK)
        return CHAIN_OK;
    uint64_t th;
    uint8_t tid[32];
    int have = read_tip(s, &th, tid);
    if (have && memcmp(tid, s->blk[s->best].id, 32) == 0)
        return CHAIN_OK;
    size_t old = have ? find_idx(s, tid) : CHAIN_NO_BLOCK;
    if (old != CHAIN_NO_BLOCK && s->blk[old].linked && s->blk[old].state == CHAIN_BLOCK_UNVERIFIED) {
        /* the branch other processes believed, never needed here: its transfers
         * go back only if it was valid */
        pouw_reason r;
        common_error e;
        chain_status vs = chain_store_verify_id(&r, &e, s, tid);
        if (vs == CHAIN_ENOMEM)
            return serr(err, vs, s->dir, "", "%s", "out of memory");
    }
    if (old != CHAIN_NO_BLOCK && (!s->blk[old].linked || s->blk[old].state != CHAIN_BLOCK_VALID))
        old = CHAIN_NO_BLOCK; /* a tip file naming a block this store does not believe */
    mempool_after_move(s, old, res);
    chain_status cs = write_tip(s, err, s->blk[s->best].height, s->blk[s->best].id);
    if (cs == CHAIN_OK && res)
        res->moved = 1;
    return cs;
}

chain_status chain_store_add(chain_store *s, chain_store_add_result *res, pouw_reason *reason, common_error *err,
                             const pouw_block *b, unsigned flags)
{
    assert(s && b);
    chain_store_add_result r0;
    if (!res)
        res = &r0;
    memset(res, 0, sizeof *res);
    pouw_reason r1;
    if (!reason)
        reason = &r1;
    *reason = POUW_R_OK;
    common_error_clear(err);
    chain_status cs;
    if (!(flags & CHAIN_ADD_VERIFIED)) {
        /* outside the lock: the parent's branch never changes once stored */
        if ((cs = refresh(s, err, NULL, 0)) != CHAIN_OK)
            return cs;
        cs = chain_verify_block(reason, err, s, b, verifier_now(s), s->opts.threads ? s->opts.threads : 1);
        if (cs != CHAIN_OK)
            return cs;
    }
    if ((cs = chain_store_lock(s, err)) != CHAIN_OK)
        return cs;
    cs = refresh(s, err, NULL, 1); /* the re-check: what did others write meanwhile? */
    size_t pi = cs == CHAIN_OK ? find_idx(s, b->header.prev_hash) : CHAIN_NO_BLOCK;
    int genesis = all_zero(b->header.prev_hash, 32) && b->header.height == 0;
    if (cs == CHAIN_OK && !genesis && (pi == CHAIN_NO_BLOCK || s->blk[pi].state != CHAIN_BLOCK_VALID)) {
        char hex[17];
        pouw_hex_encode(hex, b->header.prev_hash, 8);
        *reason = POUW_R_UNKNOWN_PARENT;
        common_error_set(err, CHAIN_EINVALID, "", "header.prev_hash", "parent %s... is not a valid block of this store",
                      hex);
        cs = CHAIN_EINVALID;
    }
    size_t idx = CHAIN_NO_BLOCK;
    if (cs == CHAIN_OK)
        cs = put_block(s, err, b, &idx, &res->stored);
    if (cs == CHAIN_OK)
        cs = choose(s, err);
    if (cs == CHAIN_OK)
        cs = publish(s, err, res);
    if (cs == CHAIN_OK) {
        res->best = s->best == idx;
        s->sig = read_sig(s);
    }
    chain_store_unlock(s);
    return cs;
}

/* ---------------------------------------------------------------- miner key */

chain_status chain_miner_key(pouw_key *key, int *created, common_error *err, const char *datadir, const char *keyfile)
{
    assert(key && datadir);
    memset(key, 0, sizeof *key);
    if (created)
        *created = 0;
    common_error_clear(err);
    char path[CHAIN_PATH_MAX];
    if (keyfile)
        snprintf(path, sizeof path, "%s", keyfile);
    else
        snprintf(path, sizeof path, "%s/keys/miner.key", datadir);
    int lock_fd = -1;
    struct stat st;
    if (!keyfile && stat(path, &st) != 0) {
        /* create it once: processes starting together wait here, then load it */
        char dir[CHAIN_PATH_MAX + 8], lock[CHAIN_PATH_MAX + 16];
        snprintf(dir, sizeof dir, "%s/keys", datadir);
        chain_status cs = chain_mkdirs(err, dir, 1);
        if (cs != CHAIN_OK)
            return cs;
        snprintf(lock, sizeof lock, "%s/lock", dir);
        lock_fd = open(lock, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
        if (lock_fd < 0)
            return serr(err, CHAIN_EIO, lock, "", "cannot open: %s", strerror(errno));
        while (flock(lock_fd, LOCK_EX) != 0)
            if (errno != EINTR) {
                close(lock_fd);
                return serr(err, CHAIN_EIO, lock, "", "cannot lock: %s", strerror(errno));
            }
    }
    chain_status cs = CHAIN_OK;
    if (stat(path, &st) == 0 || keyfile) {
        pouw_status ps = pouw_key_load(key, err, path);
        if (ps != POUW_OK) {
            cs = ps == POUW_EKEYFILE ? CHAIN_EKEY : ps == POUW_EIO ? CHAIN_EIO : CHAIN_ENOMEM;
            if (err)
                err->code = cs;
        }
    } else {
        pouw_status ps = pouw_key_generate(key);
        if (ps != POUW_OK) {
            cs = serr(err, CHAIN_ENOMEM, path, "", "cannot generate a key: %s", pouw_status_str(ps));
        } else if ((ps = pouw_key_save(key, err, path, 0)) != POUW_OK) {
            pouw_key_clear(key);
            cs = CHAIN_EIO;
            if (err)
                err->code = cs;
        } else if (created) {
            *created = 1;
        }
    }
    if (lock_fd >= 0)
        close(lock_fd); /* releases the lock */
    return cs;
}
