/* experiments/markets.c - the baseline markets of E13/E14 as BSE cases (see model.h). */
#include <stdio.h>
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

