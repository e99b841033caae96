/* experiments/econ_runs.c - one economy run into a temporary folder, read back (econ_runs.h). */
#include "experiments/econ_runs.h"

#include <gsl/gsl_cdf.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "chain/economy/config.h"
#include "chain/exchange/clearing.h"
#include "chain/params.h"
#include "experiments/forge.h"

static int make_tmp(char *dir, size_t n, const char *root)
{
    if (root && root[0]) {
        snprintf(dir, n, "%s/.econ_run_XXXXXX", root);
        if (mkdtemp(dir))
            return 0;
    }
    snprintf(dir, n, "/tmp/bse_pouw_econ_XXXXXX");
    return mkdtemp(dir) ? 0 : -1;
}

static int read_one(experiments_csv *c, const char *dir, const char *name, common_error *err)
{
    char p[1400];
    snprintf(p, sizeof p, "%s/%s", dir, name);
    return experiments_csv_read(c, p, err);
}

int experiments_econ_run(experiments_econ_result *res, const char *tmp_root, const char *name, const char *json,
                         unsigned want, common_error *err)
{
    memset(res, 0, sizeof *res);
    chain_econ_config cfg;
    if (chain_econ_config_parse(&cfg, err, name, json, strlen(json)) != 0)
        return -1;
    char dir[1200];
    if (make_tmp(dir, sizeof dir, tmp_root)) {
        chain_econ_config_clear(&cfg);
        return common_error_set(err, -1, tmp_root ? tmp_root : "/tmp", "", "cannot make a temporary folder"), -1;
    }
    chain_econ_sim_opts o;
    memset(&o, 0, sizeof o);
    o.threads = 1;
    o.prog = "econ";
    int rc = chain_econ_sim_run(&cfg, dir, &o, &res->sum, err);
    chain_econ_config_clear(&cfg);
    if (rc == 0 && (!res->sum.custody_ok || !res->sum.supply_ok)) {
        common_error_set(err, -1, name, "", "the run's custody or supply check failed");
        rc = 1;
    }
    if (rc != 0) {
        if (!err->msg[0])
            common_error_set(err, -1, name, "", "the economy run failed (code %d)", rc);
        else {
            /* name the run the error came from */
            char m[sizeof err->msg];
            snprintf(m, sizeof m, "%s: %s", name, err->msg);
            memcpy(err->msg, m, sizeof m);
        }
        experiments_rmtree(dir);
        return -1;
    }
    static const struct {
        unsigned bit;
        const char *file;
        size_t off;
    } F[] = {
        {EXPERIMENTS_ECON_BLOCKS, "blocks.csv", offsetof(experiments_econ_result, blocks)},
        {EXPERIMENTS_ECON_TRADES, "trades.csv", offsetof(experiments_econ_result, trades)},
        {EXPERIMENTS_ECON_PRICES, "prices.csv", offsetof(experiments_econ_result, prices)},
        {EXPERIMENTS_ECON_BALANCES, "balances.csv", offsetof(experiments_econ_result, balances)},
        {EXPERIMENTS_ECON_BOOKS, "books.csv", offsetof(experiments_econ_result, books)},
        {EXPERIMENTS_ECON_MINING, "mining.csv", offsetof(experiments_econ_result, mining)},
    };
    int bad = 0;
    for (size_t i = 0; i < sizeof F / sizeof F[0] && !bad; i++)
        if (want & F[i].bit)
            bad = read_one((experiments_csv *)((char *)res + F[i].off), dir, F[i].file, err) != 0;
    experiments_rmtree(dir);
    return bad ? -1 : 0;
}

void experiments_econ_result_clear(experiments_econ_result *res)
{
    experiments_csv_clear(&res->blocks);
    experiments_csv_clear(&res->trades);
    experiments_csv_clear(&res->prices);
    experiments_csv_clear(&res->balances);
    experiments_csv_clear(&res->books);
    experiments_csv_clear(&res->mining);
}

int experiments_econ_col(const experiments_csv *c, const char *file, const char *col, common_error *err)
{
    int k = experiments_csv_col(c, col);
    if (k < 0)
        common_error_set(err, -1, file, col, "column missing from the economy run's output");
    return k;
}

double experiments_econ_num(const experiments_csv *c, size_t row, int col)
{
    const char *s = experiments_csv_cell(c, row, col);
    if (!s[0])
        return NAN;
    char *end = NULL;
    double v = strtod(s, &end);
    return end && *end == '\0' ? v : NAN;
}

void experiments_econ_mean_ci(const double *v, size_t n, double *mean, double *half)
{
    double s = 0, q = 0;
    for (size_t i = 0; i < n; i++)
        s += v[i];
    *mean = n ? s / (double)n : NAN;
    for (size_t i = 0; i < n; i++)
        q += (v[i] - *mean) * (v[i] - *mean);
    *half = n > 1 ? gsl_cdf_tdist_Pinv(0.975, (double)(n - 1)) * sqrt(q / (double)(n - 1)) / sqrt((double)n) : NAN;
}

uint64_t experiments_econ_mix(uint64_t z)
{
    z += 0x9e3779b97f4a7c15ull;
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

double experiments_econ_reward_coins(unsigned c)
{
    const chain_params *p = chain_testnet_at(c);
    return p ? (double)p->reward / CHAIN_EX_UNITS_PER_COIN : NAN;
}

double experiments_econ_interval_s(unsigned c)
{
    const chain_params *p = chain_testnet_at(c);
    return p ? (double)p->target_interval_s : NAN;
}

double experiments_econ_floor_pps(unsigned c)
{
    const chain_params *p = chain_testnet_at(c);
    return p ? (double)p->genesis_req.pps_threshold_micro / 1e6 : NAN;
}

unsigned experiments_econ_window(unsigned c)
{
    const chain_params *p = chain_testnet_at(c);
    return p ? p->retarget_window : 0;
}

const char *experiments_econ_chain_name(unsigned c)
{
    const chain_params *p = chain_testnet_at(c);
    return p ? p->name : "?";
}

const char *experiments_econ_chain_short(unsigned c)
{
    static const char *const N[3] = {"alpha", "bravo", "charlie"};
    return c < 3 ? N[c] : "?";
}
