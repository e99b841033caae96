/* tests/test_experiments_kit.c - the experiments kit's promises: CSV tables quote through
 * libcsv and read back equal, also kept gzipped; a sweep's slots do not depend on the thread count or on how
 * the seed range is split over ranks; a sweep stopped and resumed from its checkpoint
 * ends with the same slots, and a damaged checkpoint is refused whole; E1's attempt score is the consensus's own; the
 * OLS fit recovers a known linear law; the equilibrium of BSE's standard market. */
#include <criterion/criterion.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#include "bse/session.h"
#include "common/file.h"
#include "chain/params.h"
#include "experiments/checkpoint.h"
#include "experiments/driver.h"
#include "experiments/model.h"
#include "experiments/sweep.h"
#include "pouw/seed.h"
#include "pouw/work.h"

Test(experiments_table, quoted_fields_read_back_equal)
{
    static const char *const cols[] = {"name", "value", "note"};
    experiments_table t;
    experiments_table_init(&t, cols, 3);
    experiments_table_str(&t, "a,b");
    experiments_table_int(&t, -42);
    experiments_table_str(&t, "say \"hi\"\nnext line");
    experiments_table_end(&t);
    experiments_table_str(&t, "plain");
    experiments_table_num(&t, NAN, 3);
    experiments_table_num(&t, 1.25, 3);
    experiments_table_end(&t);
    cr_assert_not(t.failed);
    char dir[] = "/tmp/exp_kit_XXXXXX";
    cr_assert_not_null(mkdtemp(dir));
    common_error err;
    cr_assert_eq(experiments_table_write(&t, dir, "t.csv", &err), 0);
    char path[128];
    snprintf(path, sizeof path, "%s/t.csv", dir);
    experiments_csv c;
    cr_assert_eq(experiments_csv_read(&c, path, &err), 0, "%s", err.msg);
    cr_assert_eq(c.ncols, 3);
    cr_assert_eq(c.nrows, 2);
    cr_assert_str_eq(experiments_csv_cell(&c, 0, 0), "a,b");
    cr_assert_str_eq(experiments_csv_cell(&c, 0, 1), "-42");
    cr_assert_str_eq(experiments_csv_cell(&c, 0, 2), "say \"hi\"\nnext line");
    cr_assert_str_eq(experiments_csv_cell(&c, 1, 1), "");
    cr_assert_str_eq(experiments_csv_cell(&c, 1, 2), "1.250");
    cr_assert_eq(experiments_csv_col(&c, "note"), 2);
    experiments_csv_clear(&c);
    experiments_table_clear(&t);
    unlink(path);
    rmdir(dir);
}

Test(experiments_table, short_row_is_refused_and_nothing_written)
{
    static const char *const cols[] = {"a", "b"};
    experiments_table t;
    experiments_table_init(&t, cols, 2);
    experiments_table_str(&t, "only one");
    experiments_table_end(&t);
    char dir[] = "/tmp/exp_kit_XXXXXX";
    cr_assert_not_null(mkdtemp(dir));
    common_error err;
    cr_assert_eq(experiments_table_write(&t, dir, "t.csv", &err), -1);
    char path[128];
    snprintf(path, sizeof path, "%s/t.csv", dir);
    cr_assert_neq(access(path, F_OK), 0, "a half table was written");
    experiments_table_clear(&t);
    rmdir(dir);
}

/* Writes n bytes of src (gzip-compressed with zlib when gz) to path. */
static void put_file(const char *path, const char *src, size_t n, int gz)
{
    if (gz) {
        gzFile f = gzopen(path, "wb9");
        cr_assert_not_null(f);
        cr_assert_eq(gzwrite(f, src, (unsigned)n), (int)n);
        cr_assert_eq(gzclose(f), Z_OK);
    } else {
        FILE *f = fopen(path, "wb");
        cr_assert_not_null(f);
        cr_assert_eq(fwrite(src, 1, n, f), n);
        fclose(f);
    }
}

Test(experiments_table, a_csv_kept_gzipped_reads_like_the_plain_file)
{
    static const char *const cols[] = {"k", "v"};
    experiments_table t;
    experiments_table_init(&t, cols, 2);
    for (int i = 0; i < 5000; i++) { /* more than one 64 KiB read */
        experiments_table_int(&t, i);
        experiments_table_str(&t, i % 7 ? "x" : "a \"quoted\", field");
        experiments_table_end(&t);
    }
    char dir[] = "/tmp/exp_kit_XXXXXX";
    cr_assert_not_null(mkdtemp(dir));
    char plain[128], gz[128];
    snprintf(plain, sizeof plain, "%s/t.csv", dir);
    snprintf(gz, sizeof gz, "%s/t.csv.gz", dir);
    common_error err;
    cr_assert_eq(experiments_table_write(&t, dir, "t.csv", &err), 0);
    experiments_csv a, b, m;
    cr_assert_eq(experiments_csv_read(&a, plain, &err), 0, "%s", err.msg);
    cr_assert_eq(experiments_csv_parse(&m, "mem", t.buf.data, t.buf.len, &err), 0, "%s", err.msg);
    put_file(gz, t.buf.data, t.buf.len, 1);
    unlink(plain);
    /* t.csv gone, t.csv.gz there: t.csv reads the compressed copy, and so does its own name */
    for (int pass = 0; pass < 2; pass++) {
        cr_assert_eq(experiments_csv_read(&b, pass ? gz : plain, &err), 0, "%s", err.msg);
        cr_assert_eq(b.nrows, 5000);
        cr_assert_eq(a.nrows, b.nrows);
        cr_assert_eq(m.nrows, b.nrows);
        for (size_t r = 0; r < b.nrows; r++)
            for (int col = 0; col < 2; col++) {
                cr_assert_str_eq(experiments_csv_cell(&a, r, col), experiments_csv_cell(&b, r, col));
                cr_assert_str_eq(experiments_csv_cell(&m, r, col), experiments_csv_cell(&b, r, col));
            }
        experiments_csv_clear(&b);
    }
    /* a .gz cut short, or with a damaged byte, is refused naming the .gz */
    char *z = NULL;
    size_t zn = 0;
    cr_assert_eq(common_file_read(&z, &zn, &err, gz, 1 << 24), COMMON_FILE_OK);
    put_file(gz, z, zn / 2, 0);
    cr_assert_eq(experiments_csv_read(&b, plain, &err), -1);
    cr_assert(strstr(err.path, "t.csv.gz") && strstr(err.msg, "cut or damaged"), "%s: %s", err.path, err.msg);
    experiments_csv_clear(&b);
    z[zn - 6] ^= 0x40; /* the CRC-32 in the trailer */
    put_file(gz, z, zn, 0);
    cr_assert_eq(experiments_csv_read(&b, gz, &err), -1);
    cr_assert(strstr(err.path, "t.csv.gz") && strstr(err.msg, "damaged"), "%s: %s", err.path, err.msg);
    experiments_csv_clear(&b);
    free(z);
    /* writing t.csv again removes the stale t.csv.gz: one CSV beside one sidecar */
    cr_assert_eq(experiments_table_write(&t, dir, "t.csv", &err), 0);
    cr_assert_neq(access(gz, F_OK), 0, "the older t.csv.gz is still there");
    /* neither there: the plain name is the one reported */
    unlink(plain);
    cr_assert_eq(experiments_csv_read(&b, plain, &err), -1);
    cr_assert(strstr(err.path, "t.csv") && !strstr(err.path, ".gz") && strstr(err.msg, "cannot read"), "%s: %s",
              err.path, err.msg);
    experiments_csv_clear(&a);
    experiments_csv_clear(&m);
    experiments_table_clear(&t);
    rmdir(dir);
}

Test(experiments_table, the_sidecar_and_gz_names_of_a_csv)
{
    char out[32];
    cr_assert_eq(experiments_sidecar_path(out, sizeof out, "r/x.csv"), 0);
    cr_assert_str_eq(out, "r/x.json");
    cr_assert_eq(experiments_sidecar_path(out, sizeof out, "r/x.csv.gz"), 0);
    cr_assert_str_eq(out, "r/x.json");
    cr_assert_eq(experiments_sidecar_path(out, sizeof out, "a.b/.csv"), 0);
    cr_assert_str_eq(out, "a.b/.json");
    /* not a CSV's name: no sidecar */
    cr_assert_eq(experiments_sidecar_path(out, sizeof out, "r/x.json"), -1);
    cr_assert_eq(experiments_sidecar_path(out, sizeof out, "r/x.gz"), -1);
    cr_assert_eq(experiments_sidecar_path(out, sizeof out, "csv"), -1);
    cr_assert_eq(experiments_sidecar_path(out, sizeof out, ".gz"), -1);
    /* too long for out: refused, never cut */
    cr_assert_eq(experiments_sidecar_path(out, 8, "r/x.csv"), -1);
    cr_assert_eq(experiments_gz_path(out, sizeof out, "r/x.csv"), 0);
    cr_assert_str_eq(out, "r/x.csv.gz");
    cr_assert_eq(experiments_gz_path(out, 10, "r/x.csv"), -1);
    /* a table whose name is not a .csv gets no sidecar, with an error naming it */
    experiments_run r;
    memset(&r, 0, sizeof r);
    r.id = "E0";
    common_error err = {0};
    cr_assert_eq(experiments_sidecar_write(&r, "/tmp", "x.txt", "0:1", NULL, 1, &err), -1);
    cr_assert(strstr(err.path, "x.txt"), "%s: %s", err.path, err.msg);
}

Test(experiments_table, a_sidecar_config_is_json_or_refused)
{
    /* a path with a quote, a backslash and a newline, quoted by cJSON and read back */
    char q[64];
    cr_assert_eq(experiments_json_quote(q, sizeof q, "a\"b\\c\nd"), 0);
    cr_assert_str_eq(q, "\"a\\\"b\\\\c\\nd\"");
    cr_assert_eq(experiments_json_quote(q, 8, "abcdefgh"), -1, "too long for out: refused, never cut");
    cr_assert_str_eq(q, "");
    char dir[] = "/tmp/exp_sidecar_XXXXXX";
    cr_assert_not_null(mkdtemp(dir));
    char side[128];
    snprintf(side, sizeof side, "%s/x.json", dir);
    experiments_run r;
    memset(&r, 0, sizeof r);
    r.id = "E0";
    r.ranks = 1;
    common_error err = {0};
    char cfg[128];
    cr_assert_eq(experiments_json_quote(q, sizeof q, "a\"b"), 0);
    snprintf(cfg, sizeof cfg, "{\"input\": %s}", q);
    cr_assert_eq(experiments_sidecar_write(&r, dir, "x.csv", "0:1", cfg, 1, &err), 0, "%s", err.msg);
    char *txt = NULL;
    size_t n = 0;
    cr_assert_eq(common_file_read(&txt, &n, &err, side, 1 << 20), COMMON_FILE_OK);
    cr_assert(strstr(txt, "\"input\":\t\"a\\\"b\""), "%s", txt);
    free(txt);
    unlink(side);
    /* a config that is not a JSON object (a driver's bug: an unquoted path) is refused, nothing written */
    static const char *const BAD[] = {"{\"input\": \"a\"b\"}", "[1, 2]", "{\"input\": ", ""};
    for (size_t k = 0; k < sizeof BAD / sizeof BAD[0]; k++) {
        memset(&err, 0, sizeof err);
        cr_assert_eq(experiments_sidecar_write(&r, dir, "x.csv", "0:1", BAD[k], 1, &err), -1, "%s", BAD[k]);
        cr_assert(strstr(err.path, "x.json") && !strcmp(err.field, "config") && strstr(err.msg, "not a JSON object"),
                  "%s %s: %s", err.path, err.field, err.msg);
        cr_assert_neq(access(side, F_OK), 0, "a sidecar was written for %s", BAD[k]);
    }
    rmdir(dir);
}

static int square_item(void *user, size_t seg, uint64_t seed, experiments_vals *out, common_error *err)
{
    (void)user, (void)err;
    for (uint64_t k = 0; k <= seed % 3; k++)
        experiments_vals_push(out, (double)(seg * 1000 + seed * seed) + 0.5 * (double)k);
    return 0;
}

/* A run of one process for the sweep tests: program "test", threads worker threads. */
static experiments_run test_run(unsigned threads)
{
    experiments_run r;
    memset(&r, 0, sizeof r);
    r.prog = "test";
    r.ranks = 1;
    r.threads = threads;
    return r;
}

Test(experiments_sweep, slots_do_not_depend_on_threads_or_rank_split)
{
    uint64_t lo[2] = {3, 100}, hi[2] = {17, 105};
    experiments_run r = test_run(1);
    experiments_sweep one, many;
    cr_assert_eq(experiments_sweep_init(&one, 2, lo, hi, 0, 1), 0);
    cr_assert_eq(experiments_sweep_run(&one, &r, square_item, NULL, "t", NULL), 0);
    cr_assert_eq(experiments_sweep_init(&many, 2, lo, hi, 0, 1), 0);
    r.threads = 4;
    cr_assert_eq(experiments_sweep_run(&many, &r, square_item, NULL, "t", NULL), 0);
    /* three "ranks", each computing its own share */
    experiments_sweep part[3];
    size_t covered = 0;
    for (int q = 0; q < 3; q++) {
        cr_assert_eq(experiments_sweep_init(&part[q], 2, lo, hi, q, 3), 0);
        r.threads = 2;
        cr_assert_eq(experiments_sweep_run(&part[q], &r, square_item, NULL, "t", NULL), 0);
    }
    cr_assert_eq(one.n_items, 19);
    for (size_t k = 0; k < one.n_items; k++) {
        cr_assert_eq(one.slots[k].n, many.slots[k].n);
        cr_assert_eq(memcmp(one.slots[k].v, many.slots[k].v, one.slots[k].n * sizeof(double)), 0);
        int owners = 0;
        for (int q = 0; q < 3; q++)
            if (part[q].mine[k]) {
                owners++;
                cr_assert_eq(part[q].slots[k].n, one.slots[k].n);
                cr_assert_eq(memcmp(part[q].slots[k].v, one.slots[k].v, one.slots[k].n * sizeof(double)), 0);
            }
        cr_assert_eq(owners, 1, "item %zu owned by %d ranks", k, owners);
        covered++;
    }
    cr_assert_eq(covered, 19);
    for (int q = 0; q < 3; q++)
        experiments_sweep_clear(&part[q]);
    experiments_sweep_clear(&one);
    experiments_sweep_clear(&many);
}

/* Items of odd seeds above 10 fail the first time round (a run stopped part-way). */
static int stop_odd_item(void *user, size_t seg, uint64_t seed, experiments_vals *out, common_error *err)
{
    if (*(int *)user && seed % 2 && seed > 10) /* items in index order: 3..10 finish first */
        return common_error_set(err, -1, "", "", "stopped");
    /* values a text format could lose: -0, a NaN, infinities, subnormals, extremes */
    static const double odd[] = {-0.0, NAN, INFINITY, -INFINITY, 4.9e-324, 1.7976931348623157e308, 0.1};
    experiments_vals_push(out, odd[seed % 7]);
    return square_item(NULL, seg, seed, out, err);
}

static void sweep_equal(const experiments_sweep *a, const experiments_sweep *b)
{
    cr_assert_eq(a->n_items, b->n_items);
    for (size_t k = 0; k < a->n_items; k++) {
        cr_assert_eq(a->slots[k].n, b->slots[k].n, "item %zu", k);
        cr_assert_eq(memcmp(a->slots[k].v, b->slots[k].v, a->slots[k].n * sizeof(double)), 0, "item %zu", k);
    }
}

Test(experiments_checkpoint, resumed_sweep_equals_an_uninterrupted_one)
{
    char path[] = "/tmp/bsepouw_ckpt_XXXXXX";
    int fd = mkstemp(path);
    cr_assert_geq(fd, 0);
    close(fd);
    unlink(path);
    uint64_t lo[2] = {3, 100}, hi[2] = {17, 105};
    experiments_run r = test_run(3);
    int stop = 0;
    experiments_sweep whole, first, second;
    cr_assert_eq(experiments_sweep_init(&whole, 2, lo, hi, 0, 1), 0);
    cr_assert_eq(experiments_sweep_run(&whole, &r, stop_odd_item, &stop, "t", NULL), 0);
    /* first run: the even seeds finish and reach the file, then it stops */
    stop = 1;
    experiments_checkpoint ck;
    common_error err;
    cr_assert_eq(experiments_sweep_init(&first, 2, lo, hi, 0, 1), 0);
    cr_assert_eq(experiments_checkpoint_open(&ck, path, "run A", &first, &err), 0, "%s", err.msg);
    cr_assert_eq(ck.loaded, 0);
    first.ckpt = &ck;
    cr_assert_neq(experiments_sweep_run(&first, &r, stop_odd_item, &stop, "t", &err), 0);
    experiments_checkpoint_close(&ck);
    /* a second run of another kind is refused, and loads nothing */
    cr_assert_eq(experiments_sweep_init(&second, 2, lo, hi, 0, 1), 0);
    cr_assert_neq(experiments_checkpoint_open(&ck, path, "run B", &second, &err), 0);
    cr_assert(strstr(err.msg, "another run"), "%s", err.msg);
    for (size_t k = 0; k < second.n_items; k++)
        cr_assert_eq(second.mine[k], 1);
    /* the same run resumes: what finished is read back, the rest computed */
    stop = 0;
    cr_assert_eq(experiments_checkpoint_open(&ck, path, "run A", &second, &err), 0, "%s", err.msg);
    cr_assert_gt(ck.loaded, 0);
    cr_assert_lt(ck.loaded, second.n_items);
    second.ckpt = &ck;
    cr_assert_eq(experiments_sweep_run(&second, &r, stop_odd_item, &stop, "t", &err), 0);
    experiments_checkpoint_close(&ck);
    sweep_equal(&whole, &second);
    /* a third time, everything comes from the file */
    experiments_sweep third;
    cr_assert_eq(experiments_sweep_init(&third, 2, lo, hi, 0, 1), 0);
    cr_assert_eq(experiments_checkpoint_open(&ck, path, "run A", &third, &err), 0, "%s", err.msg);
    cr_assert_eq(ck.loaded, third.n_items);
    experiments_checkpoint_close(&ck);
    sweep_equal(&whole, &third);
    experiments_sweep_clear(&third);
    experiments_sweep_clear(&whole);
    experiments_sweep_clear(&first);
    experiments_sweep_clear(&second);
    unlink(path);
}

/* Runs the sweep of seeds [lo, hi) of 2 segments (stop_odd_item) into a new checkpoint
 * at path under header run. */
static void shard(const char *path, const char *run, const uint64_t *lo, const uint64_t *hi)
{
    experiments_run r = test_run(2);
    int stop = 0;
    experiments_sweep s;
    experiments_checkpoint ck;
    common_error err;
    unlink(path);
    cr_assert_eq(experiments_sweep_init(&s, 2, lo, hi, 0, 1), 0);
    cr_assert_eq(experiments_checkpoint_open(&ck, path, run, &s, &err), 0, "%s", err.msg);
    s.ckpt = &ck;
    cr_assert_eq(experiments_sweep_run(&s, &r, stop_odd_item, &stop, "t", &err), 0, "%s", err.msg);
    experiments_checkpoint_close(&ck);
    experiments_sweep_clear(&s);
}

Test(experiments_checkpoint, a_sweep_joined_from_seed_range_checkpoints_equals_the_whole)
{
    char a[] = "/tmp/bsepouw_reuse_a_XXXXXX", b[] = "/tmp/bsepouw_reuse_b_XXXXXX", c[] = "/tmp/bsepouw_reuse_c_XXXXXX";
    close(mkstemp(a)), close(mkstemp(b)), close(mkstemp(c));
    uint64_t lo[2] = {3, 100}, hi[2] = {17, 105};
    uint64_t alo[2] = {3, 100}, ahi[2] = {10, 103}, blo[2] = {9, 102}, bhi[2] = {20, 106};
    shard(a, "test --scale=quick --x=1 --seeds=3:10 rank=0/1 segments=3:10,100:103 code=A", alo, ahi);
    shard(b, "test --scale=quick --x=1 rank=1/2 segments=9:20,102:106 code=B", blo, bhi); /* overlaps a, and more seeds */
    shard(c, "test --scale=quick --x=2 rank=0/1 segments=3:10,100:103 code=A", alo, ahi);
    experiments_run r = test_run(1);
    experiments_sweep whole, joined, part;
    cr_assert_eq(experiments_sweep_init(&whole, 2, lo, hi, 0, 1), 0);
    int stop = 0;
    cr_assert_eq(experiments_sweep_run(&whole, &r, stop_odd_item, &stop, "t", NULL), 0);
    const char *run = "test --scale=quick --x=1 rank=0/1 segments=3:17,100:105 code=Z";
    char list[200], from[256];
    size_t reused;
    common_error err;
    snprintf(list, sizeof list, "%s,%s", a, b);
    cr_assert_eq(experiments_sweep_init(&joined, 2, lo, hi, 0, 1), 0);
    cr_assert_eq(experiments_checkpoint_reuse(list, run, &joined, &reused, from, sizeof from, &err), 0, "%s", err.msg);
    cr_assert_eq(reused, joined.n_items); /* each item once, though a and b overlap */
    for (size_t k = 0; k < joined.n_items; k++)
        cr_assert_eq(joined.mine[k], 2);
    sweep_equal(&whole, &joined);
    cr_assert(strstr(from, "(code A, 10 items)") && strstr(from, "(code B, 9 items)"), "%s", from);
    /* rank 1 of 2 takes only its share */
    cr_assert_eq(experiments_sweep_init(&part, 2, lo, hi, 1, 2), 0);
    size_t share = 0;
    for (size_t k = 0; k < part.n_items; k++)
        share += part.mine[k] == 1;
    cr_assert_eq(experiments_checkpoint_reuse(list, run, &part, &reused, from, sizeof from, &err), 0, "%s", err.msg);
    cr_assert_eq(reused, share);
    experiments_sweep_clear(&part);
    /* another option's file is refused, naming it, and loads nothing (a's items neither) */
    snprintf(list, sizeof list, "%s,%s", a, c);
    cr_assert_eq(experiments_sweep_init(&part, 2, lo, hi, 0, 1), 0);
    cr_assert_neq(experiments_checkpoint_reuse(list, run, &part, &reused, from, sizeof from, &err), 0);
    cr_assert(strstr(err.path, "bsepouw_reuse_c_") && strstr(err.msg, "line 1: written by a run of other options"),
              "%s: %s", err.path, err.msg);
    cr_assert_eq(reused, 0);
    for (size_t k = 0; k < part.n_items; k++)
        cr_assert(part.mine[k] == 1 && part.slots[k].n == 0, "item %zu left loaded", k);
    experiments_sweep_clear(&part);
    experiments_sweep_clear(&joined);
    experiments_sweep_clear(&whole);
    unlink(a), unlink(b), unlink(c);
}

/* Parses text as a checkpoint of run "R" for a 4-item sweep. Returns the parse's
 * result; *loaded and *torn out. */
static int parse_text(const char *text, size_t *loaded, int *torn, common_error *err)
{
    uint64_t lo = 0, hi = 4;
    experiments_sweep s;
    cr_assert_eq(experiments_sweep_init(&s, 1, &lo, &hi, 0, 1), 0);
    FILE *f = fmemopen((void *)text, strlen(text), "r");
    cr_assert_not_null(f);
    long good;
    int rc = experiments_checkpoint_parse(f, "ck", "R", &s, &good, loaded, torn, err);
    fclose(f);
    if (rc)
        for (size_t k = 0; k < s.n_items; k++)
            cr_assert(s.mine[k] == 1 && s.slots[k].n == 0, "a refused file left item %zu loaded", k);
    experiments_sweep_clear(&s);
    return rc;
}

Test(experiments_checkpoint, damage_is_refused_whole_and_a_cut_last_line_dropped)
{
    /* a real line: item 2, values 1.0 and 2.5 */
    experiments_vals v = {0};
    experiments_vals_push(&v, 1.0);
    experiments_vals_push(&v, 2.5);
    char path[] = "/tmp/bsepouw_ckpt_XXXXXX";
    int fd = mkstemp(path);
    cr_assert_geq(fd, 0);
    close(fd);
    uint64_t lo = 0, hi = 4;
    experiments_sweep s;
    cr_assert_eq(experiments_sweep_init(&s, 1, &lo, &hi, 0, 1), 0);
    experiments_checkpoint ck;
    common_error err;
    cr_assert_eq(experiments_checkpoint_open(&ck, path, "R", &s, &err), 0);
    cr_assert_eq(experiments_checkpoint_append(&ck, 2, &v, &err), 0);
    experiments_checkpoint_close(&ck);
    experiments_sweep_clear(&s);
    free(v.v);
    char *text;
    size_t len;
    cr_assert_eq(common_file_read(&text, &len, NULL, path, 1 << 20), COMMON_FILE_OK);
    unlink(path);
    const char *item = strchr(text, '\n') + 1;
    cr_assert_eq(strncmp(item, "2 2 3ff0000000000000 4004000000000000 ", 38), 0, "%s", item);
    cr_assert_eq(strlen(item), 38 + 17);
    size_t loaded;
    int torn;
    char buf[1024];
    cr_assert_eq(parse_text(text, &loaded, &torn, &err), 0);
    cr_assert_eq(loaded, 1);
    cr_assert_eq(torn, 0);
    /* cut anywhere in the last line: dropped, the rest kept */
    for (size_t cut = 1; cut < strlen(item); cut++) {
        snprintf(buf, sizeof buf, "%.*s", (int)(item - text + cut), text);
        cr_assert_eq(parse_text(buf, &loaded, &torn, &err), 0, "cut %zu: %s", cut, err.msg);
        cr_assert_eq(loaded, 0);
        cr_assert_eq(torn, 1);
    }
    /* each damaged whole line is refused, naming the line */
    const char *bad[] = {
        "2 2 3ff0000000000000 4004000000000001 ", /* a value changed: the check fails */
        "9 2 3ff0000000000000 4004000000000000 ", /* not an item of this sweep */
        "2 3 3ff0000000000000 4004000000000000 ", /* wrong count */
        "2 2 3ff0000000000000 400400000000000g ", /* not hex */
        "02 2 3ff0000000000000 4004000000000000 ", /* not canonical */
        "",                                       /* empty line */
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        /* with a valid check (computed here), except the first: the original line's */
        uint64_t h = 0xcbf29ce484222325u;
        for (const char *c = bad[i]; *c; c++)
            h = (h ^ (unsigned char)*c) * 0x100000001b3u;
        if (i == 0)
            snprintf(buf, sizeof buf, "bsepouw-sweep-checkpoint 1 R\n%s%.16s\n", bad[i], item + 38);
        else if (*bad[i])
            snprintf(buf, sizeof buf, "bsepouw-sweep-checkpoint 1 R\n%s%016llx\n", bad[i], (unsigned long long)h);
        else
            snprintf(buf, sizeof buf, "bsepouw-sweep-checkpoint 1 R\n\n");
        cr_assert_neq(parse_text(buf, &loaded, &torn, &err), 0, "damage %zu accepted", i);
        cr_assert(strstr(err.msg, "line 2"), "%s", err.msg);
    }
    /* a line twice; another run's header; not a checkpoint at all (whole or cut) */
    snprintf(buf, sizeof buf, "%s%s", text, item);
    cr_assert_neq(parse_text(buf, &loaded, &torn, &err), 0);
    cr_assert(strstr(err.msg, "twice"), "%s", err.msg);
    cr_assert_neq(parse_text("bsepouw-sweep-checkpoint 1 Q\n", &loaded, &torn, &err), 0);
    cr_assert_neq(parse_text("chain,seed\n", &loaded, &torn, &err), 0);
    cr_assert_neq(parse_text("chain", &loaded, &torn, &err), 0);
    cr_assert_eq(parse_text("bsepouw-sweep", &loaded, &torn, &err), 0); /* this run's header, cut */
    cr_assert_eq(torn, 1);
    free(text);
}

/* A check of two values, the first a whole number in [0, 3] (experiments_item_check_fn). */
static int two_and_whole(void *user, size_t seg, uint64_t seed, const experiments_vals *v, char *why, size_t n)
{
    (void)user, (void)seg, (void)seed;
    return experiments_vals_count(v, 2, why, n) || experiments_vals_range(v, 0, 1, 1, 0, 3, 1, why, n) ? -1 : 0;
}

Test(experiments_checkpoint, values_a_driver_could_not_write_are_refused_with_item_and_line)
{
    char why[160];
    experiments_vals v = {0};
    for (double x = 0; x < 5; x++)
        experiments_vals_push(&v, x);
    cr_assert_eq(experiments_vals_count(&v, 5, why, sizeof why), 0);
    cr_assert_neq(experiments_vals_count(&v, 4, why, sizeof why), 0);
    cr_assert_str_eq(why, "5 values where an item has 4");
    cr_assert_eq(experiments_vals_range(&v, 0, 5, 2, 0, 4, 1, why, sizeof why), 0); /* 0, 2, 4 */
    cr_assert_neq(experiments_vals_range(&v, 1, 5, 2, 0, 2, 1, why, sizeof why), 0); /* 1, 3: 3 > 2 */
    cr_assert_str_eq(why, "value 4 is 3 where a whole number in [0, 2] is due");
    v.v[2] = 2.5;
    cr_assert_neq(experiments_vals_range(&v, 0, 5, 1, 0, 4, 1, why, sizeof why), 0);
    cr_assert_eq(experiments_vals_range(&v, 0, 5, 1, 0, 4, 0, why, sizeof why), 0); /* not whole: fine */
    v.v[2] = NAN;
    cr_assert_neq(experiments_vals_range(&v, 0, 5, 1, -INFINITY, INFINITY, 0, why, sizeof why), 0);
    v.v[2] = 2;
    cr_assert_eq(experiments_vals_range(&v, 0, 99, 1, 0, 4, 1, why, sizeof why), 0, "past the end is unread");
    free(v.v);

    /* lines with valid checks: item 2 (seed 2) of 2 values, 1.0 and 2.5, passes; 3 values,
     * or a first value of 1.5, do not */
    const char *lines[] = {"2 2 3ff0000000000000 4004000000000000 ",
                           "2 3 3ff0000000000000 4004000000000000 4004000000000000 ",
                           "2 2 3ff8000000000000 4004000000000000 "};
    const char *want[] = {NULL, "line 2: segment 0 seed 2: 3 values where an item has 2",
                          "line 2: segment 0 seed 2: value 1 is 1.5 where a whole number in [0, 3] is due"};
    for (size_t i = 0; i < 3; i++) {
        uint64_t h = 0xcbf29ce484222325u;
        for (const char *c = lines[i]; *c; c++)
            h = (h ^ (unsigned char)*c) * 0x100000001b3u;
        char buf[512];
        snprintf(buf, sizeof buf, "bsepouw-sweep-checkpoint 1 R\n%s%016llx\n", lines[i], (unsigned long long)h);
        uint64_t lo = 0, hi = 4;
        experiments_sweep s;
        cr_assert_eq(experiments_sweep_init(&s, 1, &lo, &hi, 0, 1), 0);
        s.check = two_and_whole;
        FILE *f = fmemopen(buf, strlen(buf), "r");
        cr_assert_not_null(f);
        long good;
        size_t loaded = 0;
        int torn;
        common_error err;
        common_error_clear(&err);
        int rc = experiments_checkpoint_parse(f, "ck", "R", &s, &good, &loaded, &torn, &err);
        fclose(f);
        if (!want[i]) {
            cr_assert_eq(rc, 0, "%s", err.msg);
            cr_assert_eq(loaded, 1);
        } else {
            cr_assert_neq(rc, 0, "line %zu accepted", i);
            cr_assert(strstr(err.msg, want[i]) && !strcmp(err.path, "ck"), "%s: %s", err.path, err.msg);
            cr_assert(s.mine[2] == 1 && s.slots[2].n == 0, "a refused item was loaded");
        }
        experiments_sweep_clear(&s);
    }
}

Test(experiments_model, e1_attempt_score_is_the_consensus_score)
{
    /* E1 computes pps_i from bse_session_run itself; it must equal pouw_attempt_run's. */
    chain_params p = *chain_testnet_by_name("alpha");
    pouw_work w = chain_params_work(&p);
    uint8_t pre[32];
    cr_assert_eq(experiments_attempt_prehash(pre, "bse-pouw/E1", p.chain_id, 7), 0);
    pouw_attempt *a = malloc(sizeof *a);
    cr_assert_eq(pouw_attempt_run(a, NULL, &w, pre, 2, 1), POUW_OK);
    double sum = 0;
    for (uint32_t i = 0; i < 2; i++) {
        uint8_t s[32];
        bse_case c;
        cr_assert_eq(pouw_session_seed(s, pre, i), POUW_OK);
        cr_assert_eq(pouw_env_generate(&c, NULL, NULL, &p.tmpl, s, i), POUW_OK);
        bse_result res;
        cr_assert_eq(bse_session_run(&c, &res, NULL), BSE_SESSION_OK);
        double pps = 0;
        for (int32_t k = 0; k < res.n_types; k++)
            pps += res.types[k].mean;
        pps /= c.end_time - c.start_time;
        cr_assert_eq(memcmp(&pps, &a->s[i].pps, sizeof pps), 0, "session %u pps differs", i);
        sum += pps;
        bse_result_free(&res);
    }
    int64_t m;
    cr_assert_eq(pouw_pps_micro(&m, sum / 2), POUW_OK);
    cr_assert_eq(m, a->pps_micro);
    free(a);
}

Test(experiments_model, ols_recovers_a_linear_law)
{
    enum { N = 50, P = 3 };
    double X[N * P], y[N], coef[P], r2;
    for (int i = 0; i < N; i++) {
        X[i * P] = 1, X[i * P + 1] = i, X[i * P + 2] = (i * 7) % 11;
        y[i] = 2.0 + 0.5 * i - 3.0 * ((i * 7) % 11);
    }
    cr_assert_eq(experiments_ols_fit(coef, &r2, X, y, N, P), 0);
    cr_assert_float_eq(coef[0], 2.0, 1e-9);
    cr_assert_float_eq(coef[1], 0.5, 1e-9);
    cr_assert_float_eq(coef[2], -3.0, 1e-9);
    cr_assert_float_eq(r2, 1.0, 1e-12);
}

Test(experiments_model, standard_market_equilibrium_is_the_baselines)
{
    /* BSE.py baseline: max_surplus_per_period 1025 (40 + 40, (50,150) fixed), 525 (20 + 20). */
    bse_range r = {50, 150};
    double s, p0;
    experiments_equilibrium(&s, &p0, &r, 40, &r, 40);
    cr_assert_float_eq(s, 1025.0, 1e-9);
    experiments_equilibrium(&s, &p0, &r, 20, &r, 20);
    cr_assert_float_eq(s, 525.0, 1e-9);
}
