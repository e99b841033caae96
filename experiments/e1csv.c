/* experiments/e1csv.c - E1's CSV checked whole (e1csv.h). */
#include "experiments/e1csv.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bse/config.h"
#include "chain/params.h"
#include "common/file.h"
#include "experiments/model.h"

#define BIG_INT 4611686018427387904LL /* 2^62: any count or micro-PPS E1 can write */
#define PRICE_MAX 100000000LL         /* far above any generated supply or demand price */

/* The environment kinds E1 writes (e1_landscape --environments). */
static const char *const KINDS[] = {"equal-cost", "v1", "per-height"};

static int chain_index(const char *name)
{
    for (unsigned i = 0; i < CHAIN_COUNT; i++)
        if (!strcmp(chain_params_at(i)->name, name))
            return (int)i;
    return -1;
}

/* One chain's seed ranges from the sidecar ("alpha 0:2000, bravo 0:2000, ..."). */
typedef struct want {
    int given;
    uint64_t lo, hi;
} want;

/* Reads the sidecar beside path when there is one. Returns 0 (*have 0 without one), or
 * -1 with err naming it. */
static int read_sidecar(const char *path, int *have, want w[CHAIN_COUNT], uint64_t *heights, common_error *err)
{
    *have = 0;
    *heights = 0;
    char sc[4200];
    if (experiments_sidecar_path(sc, sizeof sc, path))
        return 0; /* not a .csv name: no sidecar to read */
    FILE *probe = fopen(sc, "rb");
    if (!probe)
        return 0; /* no sidecar: a file made elsewhere */
    fclose(probe);
    char *text = NULL;
    size_t len = 0;
    if (common_file_read(&text, &len, err, sc, 1 << 20) != COMMON_FILE_OK)
        return -1;
    cJSON *o = cJSON_ParseWithLength(text, len);
    free(text);
    const cJSON *ex = cJSON_GetObjectItemCaseSensitive(o, "experiment");
    const cJSON *seeds = cJSON_GetObjectItemCaseSensitive(o, "seeds");
    const cJSON *h = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(o, "config"), "heights");
    int rc = 0;
    if (!cJSON_IsObject(o))
        rc = common_error_set(err, -1, sc, "", "not a JSON object (a sidecar of e1_landscape)");
    else if (!cJSON_IsString(ex) || strcmp(ex->valuestring, "E1"))
        rc = common_error_set(err, -1, sc, "experiment", "not \"E1\": the CSV beside it is not E1's");
    else if (!cJSON_IsString(seeds))
        rc = common_error_set(err, -1, sc, "seeds", "missing or not a string");
    else if (h && (!cJSON_IsNumber(h) || h->valuedouble < 2 || h->valuedouble > 1e6 ||
                   h->valuedouble != (double)(uint64_t)h->valuedouble))
        rc = common_error_set(err, -1, sc, "config.heights", "not an integer in [2, 1000000]");
    if (rc == 0) {
        *heights = h ? (uint64_t)h->valuedouble : 0;
        /* "name A:B" entries separated by ", " */
        const char *s = seeds->valuestring;
        while (rc == 0 && *s) {
            char name[32];
            unsigned long long a, b;
            int used = 0;
            if (sscanf(s, "%31[a-z] %llu:%llu%n", name, &a, &b, &used) != 3 || chain_index(name) < 0 || a >= b ||
                w[chain_index(name)].given) {
                rc = common_error_set(err, -1, sc, "seeds", "not \"chain A:B, ...\" of distinct chains: %.60s",
                                      seeds->valuestring);
                break;
            }
            want *x = &w[chain_index(name)];
            x->given = 1;
            x->lo = a;
            x->hi = b;
            s += used;
            if (!strncmp(s, ", ", 2))
                s += 2;
            else if (*s) {
                rc = common_error_set(err, -1, sc, "seeds", "not \"chain A:B, ...\": %.60s", seeds->valuestring);
                break;
            }
        }
        *have = rc == 0;
    }
    cJSON_Delete(o);
    return rc;
}

const char *const experiments_e1_cols[EXPERIMENTS_E1COLS] = {
    "chain", "seed", "session", "sup_lo", "sup_hi", "dem_lo", "dem_hi", "n_traders", "pps_micro", "attempt_pps_micro",
    "n_steps"};

int experiments_e1csv_check(const experiments_csv *c, const char *path, uint64_t *heights, common_error *err)
{
    *heights = 0;
    int col[EXPERIMENTS_E1COLS];
    for (int i = 0; i < EXPERIMENTS_E1COLS; i++)
        if ((col[i] = experiments_csv_col(c, experiments_e1_cols[i])) < 0)
            return common_error_set(err, -1, path, "", "no column %s (not an E1 pps_distribution.csv)",
                                    experiments_e1_cols[i]);
    int ncol[EXPERIMENTS_ENV_TYPES], mcol[EXPERIMENTS_ENV_TYPES];
    for (int t = 0; t < EXPERIMENTS_ENV_TYPES; t++) {
        char nm[32];
        snprintf(nm, sizeof nm, "n_%s", bse_ttype_name(experiments_env_types[t]));
        ncol[t] = experiments_csv_col(c, nm);
        snprintf(nm, sizeof nm, "mean_%s", bse_ttype_name(experiments_env_types[t]));
        mcol[t] = experiments_csv_col(c, nm);
    }
    int ecol = experiments_csv_col(c, "environments"), tcol = experiments_csv_col(c, "n_trades");
    want w[CHAIN_COUNT];
    memset(w, 0, sizeof w);
    int have = 0;
    if (read_sidecar(path, &have, w, heights, err))
        return -1;
    /* per chain: the last attempt seen (seed, sessions so far, its attempt pps) */
    struct {
        int any;
        uint64_t first, seed, count;
        int64_t session, apps;
    } at[CHAIN_COUNT];
    memset(at, 0, sizeof at);
    const char *kind = NULL;
    for (size_t row = 0; row < c->nrows; row++) {
        char where[160];
        snprintf(where, sizeof where, "line %zu", row + 2);
        int ci = chain_index(experiments_csv_cell(c, row, col[EXPERIMENTS_E1COL_CHAIN]));
        if (ci < 0)
            return common_error_set(err, -1, path, where, "chain: not alpha, bravo or charlie: '%.40s'",
                                    experiments_csv_cell(c, row, col[EXPERIMENTS_E1COL_CHAIN]));
        if (ecol >= 0) {
            const char *k = experiments_csv_cell(c, row, ecol);
            size_t ki = 0;
            while (ki < sizeof KINDS / sizeof KINDS[0] && strcmp(k, KINDS[ki]))
                ki++;
            if (ki == sizeof KINDS / sizeof KINDS[0])
                return common_error_set(err, -1, path, where, "environments: not equal-cost, v1 or per-height: '%.40s'",
                                        k);
            if (kind && strcmp(kind, KINDS[ki]))
                return common_error_set(err, -1, path, where, "environments: %s after %s (one kind per file)",
                                        KINDS[ki], kind);
            kind = KINDS[ki];
        }
        const chain_params *p = chain_params_at((unsigned)ci);
        int64_t seed, session, apps, v;
        double m;
        if (experiments_csv_int(c, path, row, col[EXPERIMENTS_E1COL_SEED], 0, INT64_MAX, &seed, err) ||
            experiments_csv_int(c, path, row, col[EXPERIMENTS_E1COL_SESSION], 0,
                                (int64_t)p->genesis_req.sessions - 1, &session, err) ||
            experiments_csv_int(c, path, row, col[EXPERIMENTS_E1COL_APPS], -BIG_INT, BIG_INT, &apps, err) ||
            experiments_csv_int(c, path, row, col[EXPERIMENTS_E1COL_PPS], -BIG_INT, BIG_INT, &v, err) ||
            experiments_csv_int(c, path, row, col[EXPERIMENTS_E1COL_TRADERS], 1, 1000000, &v, err) ||
            experiments_csv_int(c, path, row, col[EXPERIMENTS_E1COL_STEPS], 0, BIG_INT, &v, err) ||
            (tcol >= 0 && experiments_csv_int(c, path, row, tcol, 0, BIG_INT, &v, err)))
            return -1;
        for (int k = EXPERIMENTS_E1COL_SUP_LO; k <= EXPERIMENTS_E1COL_DEM_HI; k++)
            if (experiments_csv_int(c, path, row, col[k], 0, PRICE_MAX, &v, err))
                return -1;
        for (int t = 0; t < EXPERIMENTS_ENV_TYPES; t++)
            if ((ncol[t] >= 0 && experiments_csv_int(c, path, row, ncol[t], 0, 1000000, &v, err)) ||
                (mcol[t] >= 0 && experiments_csv_real(c, path, row, mcol[t], -1e15, 1e15, 1, &m, err)))
                return -1;
        /* the layout: attempts by increasing seed, sessions 0..n-1 in order */
        if (!at[ci].any || session == 0) {
            if (session != 0 || (at[ci].any && (uint64_t)seed <= at[ci].seed) ||
                (at[ci].any && at[ci].session != (int64_t)p->genesis_req.sessions - 1))
                return common_error_set(err, -1, path, where,
                                        "seed %lld session %lld: attempts must come in increasing seed order, "
                                        "each with its sessions 0..%u in order (as e1_landscape writes them)",
                                        (long long)seed, (long long)session, p->genesis_req.sessions - 1);
            if (!at[ci].any)
                at[ci].first = (uint64_t)seed;
            at[ci].any = 1;
            at[ci].count++;
            at[ci].apps = apps;
        } else if ((uint64_t)seed != at[ci].seed || session != at[ci].session + 1 || apps != at[ci].apps)
            return common_error_set(err, -1, path, where,
                                    "seed %lld session %lld: not the next session of attempt %llu (one "
                                    "attempt_pps_micro for all its sessions)",
                                    (long long)seed, (long long)session, (unsigned long long)at[ci].seed);
        at[ci].seed = (uint64_t)seed;
        at[ci].session = session;
    }
    for (unsigned ci = 0; ci < CHAIN_COUNT; ci++) {
        const chain_params *p = chain_params_at(ci);
        if (at[ci].any && at[ci].session != (int64_t)p->genesis_req.sessions - 1)
            return common_error_set(err, -1, path, "", "%s: its last attempt (seed %llu) lacks sessions (a cut file?)",
                                    p->name, (unsigned long long)at[ci].seed);
        if (!have)
            continue;
        uint64_t n = w[ci].given ? w[ci].hi - w[ci].lo : 0;
        if (at[ci].count != n || (n && (at[ci].first != w[ci].lo || at[ci].seed != w[ci].hi - 1)))
            return common_error_set(err, -1, path, "",
                                    "%s: %llu attempts, seeds %llu..%llu; its sidecar's seeds say %llu:%llu (a cut or "
                                    "mixed file?)",
                                    p->name, (unsigned long long)at[ci].count, (unsigned long long)at[ci].first,
                                    (unsigned long long)at[ci].seed, (unsigned long long)w[ci].lo,
                                    (unsigned long long)w[ci].hi);
    }
    return 0;
}

int experiments_e1csv_read(experiments_csv *c, const char *path, uint64_t *heights, common_error *err)
{
    *heights = 0;
    return experiments_csv_read(c, path, err) || experiments_e1csv_check(c, path, heights, err) ? -1 : 0;
}
