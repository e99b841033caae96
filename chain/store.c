/* chain/store.c - the data directory's block store and miner key (see store.h).
 * Invariant kept by every function: the in-memory index e[0..n) is the chain the
 * tip file names, and every e[h].id is the id in block h's file name. */
#include "chain/store.h"

#include <assert.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "bse/buf.h"
#include "chain/node.h"
#include "pouw/sha256.h"

static chain_status serr(bse_error *err, chain_status code, const char *path, const char *field, const char *fmt,
                         const char *detail)
{
    bse_error_set(err, code, path, field, fmt, detail ? detail : "");
    return code;
}

chain_status chain_mkdirs(bse_error *err, const char *path, int private_)
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

void chain_store_close(chain_store *s)
{
    if (!s)
        return;
    free(s->e);
    memset(s, 0, sizeof *s);
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

void chain_store_block_path(char *path, size_t size, const chain_store *s, uint64_t h, const uint8_t id32[32])
{
    char hex[POUW_SHA256_HEX];
    pouw_hex_encode(hex, id32, 32);
    snprintf(path, size, "%s/blocks/%08" PRIu64 "-%s.json", s->dir, h, hex);
}

static chain_status grow(chain_store *s, uint64_t need, bse_error *err)
{
    if (need <= s->cap)
        return CHAIN_OK;
    size_t cap = s->cap ? s->cap : 64;
    while (cap < need)
        cap *= 2;
    chain_store_entry *ne = realloc(s->e, cap * sizeof *ne);
    if (!ne)
        return serr(err, CHAIN_ENOMEM, s->dir, "", "%s", "out of memory");
    memset(ne + s->cap, 0, (cap - s->cap) * sizeof *ne);
    s->e = ne;
    s->cap = cap;
    return CHAIN_OK;
}

/* Parses "<digits>-<64 hex>.json". Returns 1 and the height and id, else 0. */
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

static chain_status write_tip(chain_store *s, bse_error *err, uint64_t h, const uint8_t id[32])
{
    char path[CHAIN_PATH_MAX + 8], hex[POUW_SHA256_HEX], text[128];
    snprintf(path, sizeof path, "%s/tip", s->dir);
    pouw_hex_encode(hex, id, 32);
    int len = snprintf(text, sizeof text, "%" PRIu64 " %s\n", h, hex);
    bse_buf b = {text, (size_t)len, sizeof text, 0};
    if (bse_buf_write_file(&b, path) != 0)
        return serr(err, CHAIN_EIO, path, "", "cannot write: %s", strerror(errno));
    sync_dir(s->dir);
    return CHAIN_OK;
}

/* Reads DIR/<chain>/tip. Returns CHAIN_OK, CHAIN_EUNKNOWN when it does not exist,
 * CHAIN_EIO or CHAIN_ESTORE. */
static chain_status read_tip(chain_store *s, bse_error *err, uint64_t *h, uint8_t id[32])
{
    char path[CHAIN_PATH_MAX + 8], text[160];
    snprintf(path, sizeof path, "%s/tip", s->dir);
    FILE *f = fopen(path, "rb");
    if (!f) {
        if (errno == ENOENT)
            return CHAIN_EUNKNOWN;
        return serr(err, CHAIN_EIO, path, "", "cannot open: %s", strerror(errno));
    }
    size_t n = fread(text, 1, sizeof text - 1, f);
    fclose(f);
    text[n] = '\0';
    size_t nd = strspn(text, "0123456789");
    char hx[65];
    if (nd < 1 || nd > 16 || text[nd] != ' ' || n != nd + 1 + 64 + 1 || text[n - 1] != '\n')
        return serr(err, CHAIN_ESTORE, path, "", "%s", "malformed tip file (expected \"<height> <64 hex>\\n\")");
    memcpy(hx, text + nd + 1, 64);
    hx[64] = '\0';
    if (pouw_hex_decode(id, 32, hx) != POUW_OK)
        return serr(err, CHAIN_ESTORE, path, "", "%s", "malformed tip id");
    uint64_t v = 0;
    for (size_t i = 0; i < nd; i++)
        v = v * 10 + (uint64_t)(text[i] - '0');
    *h = v;
    return CHAIN_OK;
}

static chain_status create_chain(chain_store *s, bse_error *err, unsigned threads)
{
    char blocks[CHAIN_PATH_MAX + 8];
    snprintf(blocks, sizeof blocks, "%s/blocks", s->dir);
    chain_status cs = chain_mkdirs(err, blocks, 0);
    if (cs != CHAIN_OK)
        return cs;
    pouw_block g;
    pouw_block_init(&g);
    cs = chain_genesis_build(&g, NULL, err, s->params, threads);
    if (cs == CHAIN_OK) {
        char path[CHAIN_PATH_MAX + 128];
        chain_store_block_path(path, sizeof path, s, 0, g.post_hash);
        bse_error be;
        if (pouw_block_save(&g, &be, path) != POUW_OK) {
            bse_error_set(err, CHAIN_EIO, be.path, be.field, "%s", be.msg);
            cs = CHAIN_EIO;
        } else {
            sync_dir(blocks);
            cs = write_tip(s, err, 0, g.post_hash);
        }
    }
    pouw_block_clear(&g);
    return cs;
}

chain_status chain_store_open(chain_store *s, bse_error *err, const char *datadir, const chain_params *p, int create,
                              unsigned threads)
{
    assert(s && datadir && p);
    memset(s, 0, sizeof *s);
    bse_error_clear(err);
    s->params = p;
    if ((size_t)snprintf(s->dir, sizeof s->dir, "%s/%s", datadir, p->name) >= sizeof s->dir - 200)
        return serr(err, CHAIN_EIO, datadir, "", "%s", "data directory path too long");
    uint64_t tip = 0;
    uint8_t tip_id[32];
    chain_status cs = read_tip(s, err, &tip, tip_id);
    if (cs == CHAIN_EUNKNOWN) {
        if (!create) {
            bse_error_set(err, CHAIN_ESTORE, s->dir, "", "no %s chain in %s (mine first to create it)", p->coin,
                          datadir);
            chain_store_close(s);
            s->params = NULL;
            return CHAIN_ESTORE;
        }
        if ((cs = create_chain(s, err, threads)) == CHAIN_OK)
            cs = read_tip(s, err, &tip, tip_id);
    }
    if (cs != CHAIN_OK)
        goto fail;
    if (tip >= ((uint64_t)1 << 40)) {
        cs = serr(err, CHAIN_ESTORE, s->dir, "tip", "%s", "tip height implausibly large");
        goto fail;
    }
    if ((cs = grow(s, tip + 1, err)) != CHAIN_OK)
        goto fail;
    char blocks[CHAIN_PATH_MAX + 8];
    snprintf(blocks, sizeof blocks, "%s/blocks", s->dir);
    DIR *d = opendir(blocks);
    if (!d) {
        cs = serr(err, CHAIN_EIO, blocks, "", "cannot open folder: %s", strerror(errno));
        goto fail;
    }
    unsigned char *seen = calloc(tip + 1, 1);
    if (!seen) {
        closedir(d);
        cs = serr(err, CHAIN_ENOMEM, blocks, "", "%s", "out of memory");
        goto fail;
    }
    struct dirent *de;
    while ((de = readdir(d)) != NULL) {
        uint64_t h;
        uint8_t id[32];
        if (!parse_block_name(de->d_name, &h, id) || h > tip)
            continue; /* other files, temporaries, leftovers above the tip */
        if (seen[h]++) {
            char f[32];
            snprintf(f, sizeof f, "height %" PRIu64, h);
            cs = serr(err, CHAIN_ESTORE, blocks, f, "%s", "two block files at one height");
            break;
        }
        memcpy(s->e[h].id, id, 32);
    }
    closedir(d);
    for (uint64_t h = 0; cs == CHAIN_OK && h <= tip; h++)
        if (!seen[h]) {
            char f[32];
            snprintf(f, sizeof f, "height %" PRIu64, h);
            cs = serr(err, CHAIN_ESTORE, blocks, f, "%s", "no block file at this height (below the tip)");
        }
    free(seen);
    if (cs != CHAIN_OK)
        goto fail;
    if (memcmp(s->e[tip].id, tip_id, 32) != 0) {
        cs = serr(err, CHAIN_ESTORE, s->dir, "tip", "%s", "the tip id is not the id of the block at the tip height");
        goto fail;
    }
    s->n = tip + 1;
    return CHAIN_OK;
fail:
    chain_store_close(s);
    return cs;
}

chain_status chain_store_load(pouw_block *b, bse_error *err, chain_store *s, uint64_t h)
{
    assert(b && s);
    bse_error_clear(err);
    pouw_block_clear(b);
    if (h >= s->n)
        return serr(err, CHAIN_ESTORE, s->dir, "", "%s", "no block at that height");
    char path[CHAIN_PATH_MAX + 128];
    chain_store_block_path(path, sizeof path, s, h, s->e[h].id);
    pouw_status st = pouw_block_load(b, err, path);
    if (st != POUW_OK) {
        chain_status cs = st == POUW_EIO ? CHAIN_EIO : st == POUW_ENOMEM ? CHAIN_ENOMEM : CHAIN_ESTORE;
        if (err)
            err->code = cs;
        return cs;
    }
    if (memcmp(b->post_hash, s->e[h].id, 32) != 0 || b->header.height != h) {
        pouw_block_clear(b);
        return serr(err, CHAIN_ESTORE, path, "", "%s", "the file does not hold the block its name says");
    }
    s->e[h].time_ms = b->header.time_ms;
    s->e[h].has_time = 1;
    return CHAIN_OK;
}

chain_status chain_store_median_time(uint64_t *mtp, bse_error *err, chain_store *s, uint64_t h)
{
    assert(mtp && s);
    *mtp = 0;
    bse_error_clear(err);
    if (h >= s->n)
        return serr(err, CHAIN_ESTORE, s->dir, "", "%s", "no block at that height");
    uint64_t lo = h + 1 >= CHAIN_MEDIAN_SPAN ? h + 1 - CHAIN_MEDIAN_SPAN : 0;
    uint64_t times[CHAIN_MEDIAN_SPAN];
    unsigned n = 0;
    for (uint64_t k = lo; k <= h; k++) {
        if (!s->e[k].has_time) {
            pouw_block b;
            pouw_block_init(&b);
            chain_status cs = chain_store_load(&b, err, s, k);
            pouw_block_clear(&b);
            if (cs != CHAIN_OK)
                return cs;
        }
        times[n++] = s->e[k].time_ms;
    }
    *mtp = pouw_median_time(times, n);
    return CHAIN_OK;
}

/* Removes block files at height h (leftovers of an append that did not finish). */
static void remove_at_height(chain_store *s, uint64_t h)
{
    char blocks[CHAIN_PATH_MAX + 8];
    snprintf(blocks, sizeof blocks, "%s/blocks", s->dir);
    DIR *d = opendir(blocks);
    if (!d)
        return;
    struct dirent *de;
    while ((de = readdir(d)) != NULL) {
        uint64_t bh;
        uint8_t id[32];
        if (parse_block_name(de->d_name, &bh, id) && bh == h) {
            char path[CHAIN_PATH_MAX + 300];
            snprintf(path, sizeof path, "%s/%s", blocks, de->d_name);
            unlink(path);
        }
    }
    closedir(d);
}

chain_status chain_store_append(chain_store *s, bse_error *err, const pouw_block *b)
{
    assert(s && b && s->n > 0);
    bse_error_clear(err);
    uint64_t h = s->n;
    if (b->header.height != h || memcmp(b->header.prev_hash, s->e[h - 1].id, 32) != 0)
        return serr(err, CHAIN_ETIP, s->dir, "", "%s", "the block does not extend the tip");
    chain_status cs = grow(s, h + 1, err);
    if (cs != CHAIN_OK)
        return cs;
    remove_at_height(s, h);
    char path[CHAIN_PATH_MAX + 128];
    chain_store_block_path(path, sizeof path, s, h, b->post_hash);
    bse_error be;
    pouw_status st = pouw_block_save(b, &be, path);
    if (st != POUW_OK) {
        bse_error_set(err, st == POUW_ENOMEM ? CHAIN_ENOMEM : CHAIN_EIO, be.path, be.field, "%s", be.msg);
        return st == POUW_ENOMEM ? CHAIN_ENOMEM : CHAIN_EIO;
    }
    char blocks[CHAIN_PATH_MAX + 8];
    snprintf(blocks, sizeof blocks, "%s/blocks", s->dir);
    sync_dir(blocks);
    if ((cs = write_tip(s, err, h, b->post_hash)) != CHAIN_OK) {
        unlink(path);
        return cs;
    }
    memcpy(s->e[h].id, b->post_hash, 32);
    s->e[h].time_ms = b->header.time_ms;
    s->e[h].has_time = 1;
    s->n = h + 1;
    return CHAIN_OK;
}

chain_status chain_miner_key(pouw_key *key, int *created, bse_error *err, const char *datadir, const char *keyfile)
{
    assert(key && datadir);
    memset(key, 0, sizeof *key);
    if (created)
        *created = 0;
    bse_error_clear(err);
    char path[CHAIN_PATH_MAX];
    if (keyfile)
        snprintf(path, sizeof path, "%s", keyfile);
    else
        snprintf(path, sizeof path, "%s/keys/miner.key", datadir);
    struct stat st;
    if (stat(path, &st) == 0 || keyfile) {
        pouw_status ps = pouw_key_load(key, err, path);
        if (ps == POUW_OK)
            return CHAIN_OK;
        chain_status cs = ps == POUW_EKEYFILE ? CHAIN_EKEY : ps == POUW_EIO ? CHAIN_EIO : CHAIN_ENOMEM;
        if (err)
            err->code = cs;
        return cs;
    }
    char dir[CHAIN_PATH_MAX + 8];
    snprintf(dir, sizeof dir, "%s/keys", datadir);
    chain_status cs = chain_mkdirs(err, dir, 1);
    if (cs != CHAIN_OK)
        return cs;
    pouw_status ps = pouw_key_generate(key);
    if (ps != POUW_OK)
        return serr(err, CHAIN_ENOMEM, path, "", "cannot generate a key: %s", pouw_status_str(ps));
    if ((ps = pouw_key_save(key, err, path, 0)) != POUW_OK) {
        pouw_key_clear(key);
        chain_status c2 = CHAIN_EIO;
        if (err)
            err->code = c2;
        return c2;
    }
    if (created)
        *created = 1;
    return CHAIN_OK;
}
