/* experiments/model.c - attempt seeds, environment features, OLS (GSL), equilibrium. */
#include "experiments/model.h"

#include <gsl/gsl_errno.h>
#include <gsl/gsl_matrix.h>
#include <gsl/gsl_multifit.h>
#include <gsl/gsl_vector.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "pouw/sha256.h"

const bse_ttype experiments_env_types[EXPERIMENTS_ENV_TYPES] = {BSE_T_GVWY, BSE_T_ZIC,  BSE_T_SHVR, BSE_T_SNPR,
                                                                BSE_T_ZIP,  BSE_T_PRZI, BSE_T_PRSH, BSE_T_PRDE};

int experiments_attempt_prehash(uint8_t pre32[32], const char *tag, uint32_t chain_id, uint64_t seed)
{
    uint8_t msg[256];
    size_t n = strlen(tag);
    if (n > 200)
        return -1;
    memcpy(msg, tag, n);
    for (int i = 0; i < 4; i++)
        msg[n++] = (uint8_t)(chain_id >> (8 * i));
    for (int i = 0; i < 8; i++)
        msg[n++] = (uint8_t)(seed >> (8 * i));
    return pouw_sha256(pre32, msg, n) == POUW_OK ? 0 : -1;
}

void experiments_features(double x[EXPERIMENTS_NFEAT], const double v[4 + EXPERIMENTS_ENV_TYPES])
{
    x[0] = 1.0;
    for (int i = 0; i < 4; i++)
        x[1 + i] = v[i];
    for (int t = 0; t < EXPERIMENTS_ENV_TYPES; t++) {
        x[5 + t] = v[4 + t];
        x[5 + EXPERIMENTS_ENV_TYPES + t] = v[4 + t] > 0 ? 1.0 : 0.0;
    }
}

int experiments_ols_fit(double *coef, double *r2, const double *X, const double *y, size_t n, size_t p)
{
    memset(coef, 0, p * sizeof *coef);
    *r2 = NAN;
    if (n <= p)
        return -1;
    gsl_matrix *m = gsl_matrix_alloc(n, p);
    gsl_vector *vy = gsl_vector_alloc(n), *c = gsl_vector_alloc(p);
    gsl_matrix *cov = gsl_matrix_alloc(p, p);
    gsl_multifit_linear_workspace *w = gsl_multifit_linear_alloc(n, p);
    int rc = -1;
    if (m && vy && c && cov && w) {
        for (size_t i = 0; i < n; i++) {
            gsl_vector_set(vy, i, y[i]);
            for (size_t j = 0; j < p; j++)
                gsl_matrix_set(m, i, j, X[i * p + j]);
        }
        double chisq;
        size_t rank;
        /* tol 1e-10: drops exactly collinear directions (a type never present). */
        if (gsl_multifit_linear_tsvd(m, vy, 1e-10, c, cov, &chisq, &rank, w) == GSL_SUCCESS) {
            for (size_t j = 0; j < p; j++)
                coef[j] = gsl_vector_get(c, j);
            double *yh = malloc(n * sizeof *yh);
            if (yh) {
                for (size_t i = 0; i < n; i++)
                    yh[i] = experiments_ols_predict(coef, X + i * p, p);
                *r2 = experiments_r2(y, yh, n);
                free(yh);
                rc = 0;
            }
        }
    }
    gsl_multifit_linear_free(w);
    gsl_matrix_free(cov);
    gsl_vector_free(c);
    gsl_vector_free(vy);
    gsl_matrix_free(m);
    return rc;
}

double experiments_ols_predict(const double *coef, const double *x, size_t p)
{
    double s = 0.0;
    for (size_t j = 0; j < p; j++)
        s += coef[j] * x[j];
    return s;
}

double experiments_r2(const double *y, const double *yhat, size_t n)
{
    if (n == 0)
        return NAN;
    double mean = 0.0;
    for (size_t i = 0; i < n; i++)
        mean += y[i];
    mean /= (double)n;
    double res = 0.0, tot = 0.0;
    for (size_t i = 0; i < n; i++) {
        res += (y[i] - yhat[i]) * (y[i] - yhat[i]);
        tot += (y[i] - mean) * (y[i] - mean);
    }
    return tot > 0 ? 1.0 - res / tot : NAN;
}

/* BSE v1.91 getorderprice, stepmode fixed (bse/step.c order_price), clipped to [1, 500]. */
static double fixed_price(const bse_range *r, int32_t i, int32_t n)
{
    double lo = (double)(r->lo < r->hi ? r->lo : r->hi), hi = (double)(r->lo > r->hi ? r->lo : r->hi);
    if (lo < 1.0)
        lo = 1.0;
    if (hi > 500.0)
        hi = 500.0;
    double step = n > 1 ? (hi - lo) / (double)(n - 1) : 0.0;
    return lo + (double)(int64_t)((double)i * step);
}

void experiments_equilibrium(double *surplus, double *p0, const bse_range *sup, int32_t n_sellers,
                             const bse_range *dem, int32_t n_buyers)
{
    *surplus = 0.0;
    *p0 = NAN;
    int32_t n = n_sellers < n_buyers ? n_sellers : n_buyers;
    for (int32_t q = 0; q < n; q++) {
        double s = fixed_price(sup, q, n_sellers);                /* ascending */
        double d = fixed_price(dem, n_buyers - 1 - q, n_buyers);  /* descending */
        if (d < s)
            break;
        *surplus += d - s;
        *p0 = (d + s) / 2.0;
    }
}
