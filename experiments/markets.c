/* experiments/markets.c - the baseline markets of E13/E14 as BSE cases (see model.h). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "experiments/model.h"

const char *const experiments_market_name[EXPERIMENTS_N_MARKETS] = {"zic", "small", "standard", "large"};
const char *const experiments_market_mix[EXPERIMENTS_N_MARKETS] = {"ZIC 40", "ZIC 5, ZIP 5, SHVR 5, GVWY 5", "ZIC 10, ZIP 10, SHVR 10, GVWY 10",
                                          "ZIC 10, ZIP 10, SHVR 10, GVWY 10 (3600 s)"};
static const char *const SPEC[EXPERIMENTS_N_MARKETS] = {"[[\"ZIC\", 40, null]]",
                                            "[[\"ZIC\", 5, null], [\"ZIP\", 5, null], [\"SHVR\", 5, null], [\"GVWY\", 5, null]]",
                                            "[[\"ZIC\", 10, null], [\"ZIP\", 10, null], [\"SHVR\", 10, null], [\"GVWY\", 10, null]]",
                                            "[[\"ZIC\", 10, null], [\"ZIP\", 10, null], [\"SHVR\", 10, null], [\"GVWY\", 10, null]]"};
static const double END[EXPERIMENTS_N_MARKETS] = {600, 600, 600, 3600};

int experiments_market_case(bse_case *c, int m, uint64_t seed, common_error *err)
{
    char js[2048];
    snprintf(js, sizeof js,
             "{\"case_id\": \"%s\", \"seed\": %llu, \"seed_kind\": \"int\", \"start_time\": 0.0, \"end_time\": %.1f,"
             " \"trader_spec\": {\"buyers\": %s, \"sellers\": %s, \"proptraders\": []},"
             " \"order_schedule\": {\"sup\": [{\"from\": 0.0, \"to\": %.1f, \"ranges\": [[50, 150]], \"stepmode\": \"fixed\"}],"
             " \"dem\": [{\"from\": 0.0, \"to\": %.1f, \"ranges\": [[50, 150]], \"stepmode\": \"fixed\"}],"
             " \"interval\": 30, \"timemode\": \"periodic\"},"
             " \"dump_flags\": {\"dump_blotters\": false, \"dump_lobs\": false, \"dump_strats\": false,"
             " \"dump_avgbals\": false, \"dump_tape\": true}}",
             experiments_market_name[m], (unsigned long long)seed, END[m], SPEC[m], SPEC[m], END[m], END[m]);
    return bse_case_parse(c, js, strlen(js), experiments_market_name[m], NULL, err) == BSE_CONFIG_OK ? 0 : -1;
}


void experiments_market_metrics(double *eff, double *alpha, int64_t *trades, const bse_case *c, const char *tape,
                                size_t tape_len, const char *final_line, size_t line_len)
{
    double ss = 0;
    int64_t n = 0;
    const char *s = tape, *e = tape ? tape + tape_len : tape;
    while (s && s < e) {
        const char *nl = memchr(s, '\n', (size_t)(e - s)), *le = nl ? nl : e, *last = NULL;
        for (const char *q = s; q < le; q++)
            if (*q == ',')
                last = q;
        if (last) {
            double pr = strtod(last + 1, NULL);
            ss += (pr - 100.0) * (pr - 100.0);
            n++;
        }
        s = nl ? nl + 1 : e;
    }
    /* final line: skip id, time, bid, ask; then groups TYPE, sum, n, mean */
    double profit = 0;
    const char *q = final_line, *le = final_line ? final_line + line_len : final_line;
    for (int k = 0; k < 4 && q; k++) {
        q = memchr(q, ',', (size_t)(le - q));
        if (q)
            q++;
    }
    for (int g = 0; q && q < le; g++) {
        const char *c1 = memchr(q, ',', (size_t)(le - q)); /* after TYPE */
        if (!c1)
            break;
        profit += strtod(c1 + 1, NULL);
        q = c1 + 1;
        for (int k = 0; k < 3 && q; k++) { /* past sum, n, mean */
            q = memchr(q, ',', (size_t)(le - q));
            if (q)
                q++;
        }
    }
    double surplus, p0;
    experiments_equilibrium(&surplus, &p0, &c->zones[BSE_SCHED_SUP][0].ranges[0],
                            (int32_t)bse_case_count(c, BSE_SIDE_SELLERS), &c->zones[BSE_SCHED_DEM][0].ranges[0],
                            (int32_t)bse_case_count(c, BSE_SIDE_BUYERS));
    double periods = floor((c->end_time - c->start_time) / c->interval) - 1.0;
    *eff = profit / (surplus * periods);
    *alpha = n ? 100.0 * sqrt(ss / (double)n) / 100.0 : NAN;
    *trades = n;
}

int experiments_baseline_check(const experiments_csv *c, const char *path, common_error *err)
{
    static const char *const NEED[] = {"row_type", "config", "seed", "wall_s_session", "alloc_eff", "smith_alpha"};
    int col[6];
    for (int i = 0; i < 6; i++)
        if ((col[i] = experiments_csv_col(c, NEED[i])) < 0)
            return common_error_set(err, -1, path, "", "no column %s (not a BSE.py baseline)", NEED[i]);
    for (size_t row = 0; row < c->nrows; row++) {
        const char *t = experiments_csv_cell(c, row, col[0]);
        char where[64];
        snprintf(where, sizeof where, "line %zu: row_type", row + 2);
        int timing = !strcmp(t, "timing"), seed = !strcmp(t, "seed");
        if (!timing && !seed && strcmp(t, "mean") && strcmp(t, "stdev") && strcmp(t, "timing_lobs"))
            return common_error_set(err, -1, path, where, "not timing, seed, mean, stdev or timing_lobs: '%.40s'", t);
        if (!timing && !seed)
            continue;
        const char *m = experiments_csv_cell(c, row, col[1]);
        int known = 0;
        for (int k = 0; k < EXPERIMENTS_N_MARKETS; k++)
            known |= !strcmp(m, experiments_market_name[k]);
        snprintf(where, sizeof where, "line %zu: config", row + 2);
        if (!known)
            return common_error_set(err, -1, path, where, "not zic, small, standard or large: '%.40s'", m);
        int64_t sd;
        double v;
        if (experiments_csv_int(c, path, row, col[2], 0, INT64_MAX, &sd, err) ||
            (timing && experiments_csv_real(c, path, row, col[3], 0, 1e9, 0, &v, err)) ||
            (seed && (experiments_csv_real(c, path, row, col[4], -1e9, 1e9, 0, &v, err) ||
                      experiments_csv_real(c, path, row, col[5], 0, 1e9, 0, &v, err))))
            return -1;
    }
    return 0;
}
