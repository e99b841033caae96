/* chain/economy/live.c - live mode (live.h): the protocol's codec, keys, sockets,
 * and the supervisor `econ live`. */
#include "chain/economy/live.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <math.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "chain/economy/obs_json.h"
#include "chain/economy/traders.h"
#include "common/clock.h"

static const char *const COINS[CHAIN_EX_COINS] = {"ALPHA", "BRAVO", "CHARLIE"};
static const char *const CHAINS[CHAIN_EX_COINS] = {"alpha", "bravo", "charlie"};

/* ------------------------------------------------------------------ agents, keys */

const chain_econ_group *chain_econ_live_group_of(const chain_econ_config *cfg, uint32_t i)
{
    for (size_t g = 0; g < cfg->n_groups; g++)
        if (i >= cfg->groups[g].first && i < cfg->groups[g].first + cfg->groups[g].count)
            return &cfg->groups[g];
    return NULL;
}

void chain_econ_live_label(char *out, size_t size, const chain_econ_config *cfg, uint32_t i)
{
    const chain_econ_group *g = chain_econ_live_group_of(cfg, i);
    if (!g)
        snprintf(out, size, "house");
    else
        snprintf(out, size, "%s-%u", g->label, (unsigned)(i - g->first));
}

int chain_econ_live_key(pouw_key *key, common_error *err, const char *dir, const char *name)
{
    char path[1200];
    snprintf(path, sizeof path, "%s/keys/%s.key", dir, name);
    memset(key, 0, sizeof *key);
    struct stat st;
    if (stat(path, &st) != 0) {
        char kd[1100];
        snprintf(kd, sizeof kd, "%s/keys", dir);
        if (mkdir(kd, 0700) != 0 && errno != EEXIST) {
            common_error_set(err, 1, kd, "", "cannot create: %s", strerror(errno));
            return -1;
        }
        pouw_key k;
        if (pouw_key_generate(&k) != POUW_OK) {
            common_error_set(err, 1, path, "", "cannot make a key");
            return -1;
        }
        if (pouw_key_set_label(&k, name) != POUW_OK) {
            pouw_key_clear(&k);
            common_error_set(err, 1, path, "", "label \"%s\" refused", name);
            return -1;
        }
        pouw_status ps = pouw_key_save(&k, err, path, 0);
        pouw_key_clear(&k);
        if (ps != POUW_OK && ps != POUW_EEXIST)
            return -1;
    }
    common_error_clear(err);
    if (pouw_key_load(key, err, path) != POUW_OK)
        return -1;
    return 0;
}

/* ------------------------------------------------------------------ codec */

/* The writers and the observation encoder are obs_json.h's, in its LIVE style. */

void chain_econ_live_put_real(common_buf *b, double v) { chain_econ_json_real(b, v, CHAIN_ECON_JSON_LIVE); }

void chain_econ_live_put_str(common_buf *b, const char *s) { chain_econ_json_str(b, s, CHAIN_ECON_JSON_LIVE); }

int chain_econ_live_obs_json(common_buf *b, const chain_econ_obs *o, uint64_t step)
{
    static const chain_econ_obs_json_opts LIVE = {CHAIN_ECON_OBS_LIVE_EXTRA, CHAIN_ECON_JSON_LIVE};
    return chain_econ_obs_json(b, o, step, &LIVE);
}

static int get_i64(const cJSON *o, const char *key, int64_t *out)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    if (!cJSON_IsNumber(v) || !isfinite(v->valuedouble) || v->valuedouble != floor(v->valuedouble))
        return -1;
    *out = (int64_t)v->valuedouble;
    return 0;
}

static int get_num(const cJSON *o, const char *key, double *out)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    if (cJSON_IsNull(v)) {
        *out = NAN;
        return 0;
    }
    if (!cJSON_IsNumber(v))
        return -1;
    *out = v->valuedouble;
    return 0;
}

static int get_levels(int64_t (*lv)[2], size_t *n, const cJSON *arr)
{
    *n = 0;
    if (!cJSON_IsArray(arr))
        return -1;
    const cJSON *e;
    cJSON_ArrayForEach(e, arr)
    {
        if (*n >= CHAIN_ECON_DEPTH)
            break;
        if (!cJSON_IsArray(e) || cJSON_GetArraySize(e) != 2 || !cJSON_IsNumber(cJSON_GetArrayItem(e, 0)) ||
            !cJSON_IsNumber(cJSON_GetArrayItem(e, 1)))
            return -1;
        lv[*n][0] = (int64_t)cJSON_GetArrayItem(e, 0)->valuedouble;
        lv[*n][1] = (int64_t)cJSON_GetArrayItem(e, 1)->valuedouble;
        (*n)++;
    }
    return 0;
}

#define BAD(f) (snprintf(why, 160, "%s", f), -1)

int chain_econ_live_obs_parse(chain_econ_obs *obs, chain_ex_order_info *orders, size_t max, const char **errs,
                              size_t max_errs, const cJSON *o, char why[160])
{
    memset(obs, 0, sizeof *obs);
    why[0] = '\0';
    int64_t v;
    if (!cJSON_IsObject(o))
        return BAD("observation: not an object");
    if (get_num(o, "t", &obs->t))
        return BAD("t");
    if (get_i64(o, "agent", &v))
        return BAD("agent");
    obs->agent = (uint32_t)v;
    const cJSON *bal = cJSON_GetObjectItemCaseSensitive(o, "balances");
    const cJSON *on = cJSON_GetObjectItemCaseSensitive(o, "onchain");
    const cJSON *ch = cJSON_GetObjectItemCaseSensitive(o, "chains");
    const cJSON *news = cJSON_GetObjectItemCaseSensitive(o, "news");
    const cJSON *fu = cJSON_GetObjectItemCaseSensitive(o, "fundamental");
    for (unsigned c = 0; c < CHAIN_EX_COINS; c++) {
        const cJSON *b = cJSON_GetObjectItemCaseSensitive(bal, COINS[c]);
        if (get_i64(b, "free", &obs->ex[c].free) || get_i64(b, "locked", &obs->ex[c].locked) ||
            get_i64(b, "owed", &obs->ex[c].owed))
            return BAD("balances");
        if (get_i64(on, COINS[c], &obs->onchain[c]))
            return BAD("onchain");
        const cJSON *hc = cJSON_GetObjectItemCaseSensitive(ch, CHAINS[c]);
        if (get_i64(hc, "height", &v))
            return BAD("chains");
        obs->heights[c] = (uint64_t)v;
        if (get_i64(news, COINS[c], &v))
            return BAD("news");
        obs->news[c] = (int)v;
        if (get_num(fu, COINS[c], &obs->fundamental[c]))
            return BAD("fundamental");
    }
    if (get_i64(o, "fiat", &obs->fiat))
        return BAD("fiat");
    const cJSON *ords = cJSON_GetObjectItemCaseSensitive(o, "orders");
    if (!cJSON_IsArray(ords))
        return BAD("orders");
    const cJSON *e;
    size_t n = 0;
    cJSON_ArrayForEach(e, ords)
    {
        if (n >= max)
            break;
        chain_ex_order_info *r = &orders[n];
        int64_t id;
        const cJSON *pn = cJSON_GetObjectItemCaseSensitive(e, "pair");
        const cJSON *sd = cJSON_GetObjectItemCaseSensitive(e, "side");
        unsigned pair;
        if (get_i64(e, "id", &id) || !cJSON_IsString(pn) || chain_ex_pair_parse(&pair, pn->valuestring) ||
            !cJSON_IsString(sd) || get_i64(e, "price", &r->price) || get_i64(e, "qty", &r->qty) ||
            get_i64(e, "filled", &r->filled))
            return BAD("orders[]");
        r->id = (uint64_t)id;
        r->pair = pair;
        r->side = strcmp(sd->valuestring, "sell") == 0 ? BSE_MATCH_SELL : BSE_MATCH_BUY;
        n++;
    }
    obs->orders = orders;
    obs->n_orders = n;
    const cJSON *books = cJSON_GetObjectItemCaseSensitive(o, "books");
    const cJSON *trades = cJSON_GetObjectItemCaseSensitive(o, "trades");
    for (unsigned p = 0; p < CHAIN_EX_PAIRS; p++) {
        chain_econ_book_view *bv = &obs->books[p];
        const cJSON *bk = cJSON_GetObjectItemCaseSensitive(books, chain_ex_pair(p)->name);
        if (get_levels(bv->bids, &bv->n_bids, cJSON_GetObjectItemCaseSensitive(bk, "bids")) ||
            get_levels(bv->asks, &bv->n_asks, cJSON_GetObjectItemCaseSensitive(bk, "asks")) ||
            get_i64(bk, "last", &bv->last_price))
            return BAD("books");
        const cJSON *h = cJSON_GetObjectItemCaseSensitive(bk, "history");
        if (!cJSON_IsArray(h))
            return BAD("books.history");
        cJSON_ArrayForEach(e, h)
        {
            if (bv->n_history >= CHAIN_ECON_HISTORY || !cJSON_IsNumber(e))
                break;
            bv->history[bv->n_history++] = (int64_t)e->valuedouble;
        }
        const cJSON *tr = cJSON_GetObjectItemCaseSensitive(trades, chain_ex_pair(p)->name);
        if (!cJSON_IsArray(tr))
            return BAD("trades");
        cJSON_ArrayForEach(e, tr)
        {
            if (bv->n_recent >= CHAIN_ECON_RECENT || !cJSON_IsArray(e) || cJSON_GetArraySize(e) != 3)
                break;
            for (int k = 0; k < 3; k++) {
                const cJSON *x = cJSON_GetArrayItem(e, k);
                bv->recent[bv->n_recent][k] = cJSON_IsNumber(x) ? x->valuedouble : NAN;
            }
            bv->n_recent++;
        }
    }
    const cJSON *er = cJSON_GetObjectItemCaseSensitive(o, "errors");
    if (cJSON_IsArray(er)) {
        cJSON_ArrayForEach(e, er)
        {
            if (obs->n_errors >= max_errs)
                break;
            if (cJSON_IsString(e))
                errs[obs->n_errors++] = e->valuestring;
        }
    }
    obs->errors = errs;
    if (get_num(o, "reward", &obs->reward))
        return BAD("reward");
    return 0;
}

int chain_econ_live_act_json(common_buf *b, uint32_t agent, const chain_econ_action *act)
{
    common_buf_printf(b, "{\"type\":\"act\",\"agent\":%" PRIu32 ",\"orders\":[", agent);
    for (size_t i = 0; i < act->n_orders && i < CHAIN_ECON_MAX_ORDERS; i++) {
        const chain_econ_order_req *r = &act->orders[i];
        const char *ty = r->type == BSE_MATCH_MARKET ? "market" : r->type == BSE_MATCH_IOC ? "ioc" : "limit";
        common_buf_printf(b, "%s{\"pair\":\"%s\",\"side\":\"%s\",\"type\":\"%s\"", i ? "," : "",
                          chain_ex_pair(r->pair % CHAIN_EX_PAIRS)->name, r->side == BSE_MATCH_SELL ? "sell" : "buy", ty);
        if (r->type != BSE_MATCH_MARKET)
            common_buf_printf(b, ",\"price\":%" PRId64, r->price);
        common_buf_printf(b, ",\"qty\":%" PRId64 "}", r->qty);
    }
    common_buf_append(b, "],\"cancel\":[", 12);
    for (size_t i = 0; i < act->n_cancels && i < CHAIN_ECON_MAX_CANCELS; i++)
        common_buf_printf(b, "%s%" PRIu64, i ? "," : "", act->cancels[i]);
    common_buf_append(b, "]", 1);
    if (act->n_errors) {
        common_buf_append(b, ",\"errors\":[", 11);
        for (size_t i = 0; i < act->n_errors && i < CHAIN_ECON_MAX_ERRORS; i++) {
            if (i)
                common_buf_append(b, ",", 1);
            chain_econ_live_put_str(b, act->errors[i]);
        }
        common_buf_append(b, "]", 1);
    }
    common_buf_append(b, "}\n", 2);
    return b->oom ? -1 : 0;
}

/* ------------------------------------------------------------------ sockets */

int chain_econ_live_connect(const char *dir)
{
    struct sockaddr_un sa;
    memset(&sa, 0, sizeof sa);
    sa.sun_family = AF_UNIX;
    if ((size_t)snprintf(sa.sun_path, sizeof sa.sun_path, "%s/%s", dir, CHAIN_ECON_LIVE_SOCK) >= sizeof sa.sun_path)
        return -1;
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return -1;
    if (connect(fd, (struct sockaddr *)&sa, sizeof sa) != 0) {
        close(fd);
        return -1;
    }
    return fd;
}

int chain_econ_live_write(int fd, const char *line, size_t len)
{
    while (len) {
        ssize_t w = send(fd, line, len, MSG_NOSIGNAL);
        if (w < 0 && errno == EINTR)
            continue;
        if (w < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            struct pollfd p = {.fd = fd, .events = POLLOUT};
            if (poll(&p, 1, 5000) <= 0)
                return -1;
            continue;
        }
        if (w <= 0)
            return -1;
        line += w;
        len -= (size_t)w;
    }
    return 0;
}

int chain_econ_live_read_line(chain_econ_live_reader *r, int fd, int timeout_ms, char **line, size_t *len)
{
    /* drop the line returned last time */
    if (r->start) {
        memmove(r->in.data, r->in.data + r->start, r->in.len - r->start);
        r->in.len -= r->start;
        r->in.data[r->in.len] = '\0';
        r->start = 0;
    }
    double until = common_clock_mono_s() + (timeout_ms < 0 ? 1e9 : timeout_ms / 1000.0);
    for (;;) {
        char *nl = r->in.len ? memchr(r->in.data, '\n', r->in.len) : NULL;
        if (nl) {
            *nl = '\0';
            *line = r->in.data;
            *len = (size_t)(nl - r->in.data);
            r->start = *len + 1;
            return 1;
        }
        if (r->in.len > CHAIN_ECON_LIVE_LINE_MAX)
            return -1;
        double left = until - common_clock_mono_s();
        if (left <= 0)
            return 0;
        struct pollfd p = {.fd = fd, .events = POLLIN};
        int pr = poll(&p, 1, (int)(left * 1000) + 1);
        if (pr < 0 && errno == EINTR)
            return 0;
        if (pr <= 0)
            return pr == 0 ? 0 : -1;
        if (common_buf_reserve(&r->in, 65536))
            return -1;
        ssize_t n = recv(fd, r->in.data + r->in.len, 65536, 0);
        if (n < 0 && (errno == EINTR || errno == EAGAIN))
            continue;
        if (n <= 0)
            return -1;
        r->in.len += (size_t)n;
        r->in.data[r->in.len] = '\0';
    }
}

void chain_econ_live_reader_free(chain_econ_live_reader *r)
{
    common_buf_free(&r->in);
    r->start = 0;
}

/* ------------------------------------------------------------------ the supervisor */

typedef struct child {
    char name[96];
    char *argv[24];
    char store[24][1100];
    int argc;
    pid_t pid;
    int role;            /* 0 exchange, 1 miner, 2 trader */
    unsigned restarts;
    double died_at;
} child;

static void arg(child *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void arg(child *c, const char *fmt, ...)
{
    if (c->argc >= 23)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(c->store[c->argc], sizeof c->store[c->argc], fmt, ap);
    va_end(ap);
    c->argv[c->argc] = c->store[c->argc];
    c->argc++;
    c->argv[c->argc] = NULL;
}

static pid_t spawn(child *c, const char *dir)
{
    char logp[1200];
    snprintf(logp, sizeof logp, "%s/logs/%s.log", dir, c->name);
    pid_t parent = getpid();
    pid_t pid = fork();
    if (pid == 0) {
        setpgid(0, 0);
        /* a supervisor killed with SIGKILL takes its children with it (SIGTERM: a clean stop) */
        prctl(PR_SET_PDEATHSIG, SIGTERM);
        if (getppid() != parent)
            _exit(0);
        int fd = open(logp, O_WRONLY | O_CREAT | O_APPEND, 0644);
        if (fd >= 0) {
            dup2(fd, 1);
            dup2(fd, 2);
            close(fd);
        }
        int nul = open("/dev/null", O_RDONLY);
        if (nul >= 0) {
            dup2(nul, 0);
            close(nul);
        }
        sigset_t none;
        sigemptyset(&none);
        sigprocmask(SIG_SETMASK, &none, NULL);
        execv(c->argv[0], c->argv);
        _exit(127);
    }
    if (pid > 0)
        setpgid(pid, pid);
    c->pid = pid;
    return pid;
}

static void sleep_s(double s)
{
    struct timespec ts = {(time_t)s, (long)((s - floor(s)) * 1e9)};
    nanosleep(&ts, NULL);
}

static int sock_ready(const char *dir)
{
    int fd = chain_econ_live_connect(dir);
    if (fd < 0)
        return 0;
    close(fd);
    return 1;
}

static void stop_children(child *ch, size_t n, int role, double grace)
{
    for (size_t i = 0; i < n; i++)
        if (ch[i].pid > 0 && ch[i].role == role)
            kill(ch[i].pid, SIGTERM);
    double until = common_clock_mono_s() + grace;
    for (;;) {
        int left = 0;
        for (size_t i = 0; i < n; i++) {
            if (ch[i].pid <= 0 || ch[i].role != role)
                continue;
            int st;
            pid_t r = waitpid(ch[i].pid, &st, WNOHANG);
            if (r == ch[i].pid || (r < 0 && errno == ECHILD))
                ch[i].pid = 0;
            else
                left++;
        }
        if (!left)
            return;
        if (common_clock_mono_s() > until) {
            for (size_t i = 0; i < n; i++)
                if (ch[i].pid > 0 && ch[i].role == role) {
                    kill(-ch[i].pid, SIGKILL);
                    kill(ch[i].pid, SIGKILL);
                    waitpid(ch[i].pid, NULL, 0);
                    ch[i].pid = 0;
                }
            return;
        }
        sleep_s(0.05);
    }
}

int chain_econ_live_run(const chain_econ_config *cfg, const char *dir, const chain_econ_live_opts *o,
                        common_error *err)
{
    char path[1200];
    if (mkdir(dir, 0755) != 0 && errno != EEXIST)
        return common_error_set(err, 2, dir, "", "cannot create: %s", strerror(errno));
    snprintf(path, sizeof path, "%s/logs", dir);
    if (mkdir(path, 0755) != 0 && errno != EEXIST)
        return common_error_set(err, 2, path, "", "cannot create: %s", strerror(errno));
    /* keys first: every process finds them made */
    pouw_key k;
    if (chain_econ_live_key(&k, err, dir, "exchange"))
        return 1;
    pouw_key_clear(&k);
    for (uint32_t i = 0; i < cfg->n_agents; i++) {
        char lab[CHAIN_ECON_LABEL_MAX + 12];
        chain_econ_live_label(lab, sizeof lab, cfg, i);
        if (chain_econ_live_key(&k, err, dir, lab))
            return 1;
        pouw_key_clear(&k);
    }
    size_t cap = 1 + cfg->n_agents + cfg->n_groups;
    child *ch = calloc(cap, sizeof *ch);
    if (!ch)
        return common_error_set(err, 1, dir, "", "out of memory");
    size_t n = 0;
    char speed[64] = "";
    if (o->speed > 0)
        snprintf(speed, sizeof speed, "%.17g", o->speed);
    /* the exchange */
    child *c = &ch[n++];
    snprintf(c->name, sizeof c->name, "exchange");
    c->role = 0;
    arg(c, "%s", o->self);
    arg(c, "exchange");
    arg(c, "--data");
    arg(c, "%s", dir);
    arg(c, "--config");
    arg(c, "%s", o->config_path);
    if (speed[0]) {
        arg(c, "--speed");
        arg(c, "%s", speed);
    }
    if (o->duration_s > 0) {
        arg(c, "--duration");
        arg(c, "%.17g", o->duration_s);
    }
    /* miners */
    for (uint32_t i = 0; i < cfg->n_agents; i++) {
        const chain_econ_group *g = chain_econ_live_group_of(cfg, i);
        if (!g || g->mine == CHAIN_ECON_MINE_NONE)
            continue;
        c = &ch[n++];
        char lab[CHAIN_ECON_LABEL_MAX + 12];
        chain_econ_live_label(lab, sizeof lab, cfg, i);
        snprintf(c->name, sizeof c->name, "miner-%s", lab);
        c->role = 1;
        arg(c, "%s", o->pouw);
        arg(c, "mine");
        arg(c, "--data");
        arg(c, "%s", dir);
        if (cfg->testnet)
            arg(c, "--testnet");
        if (g->mine == CHAIN_ECON_MINE_POLICY) {
            arg(c, "--policy");
            arg(c, "%s", chain_policy_name(g->policy));
            arg(c, "--seed");
            arg(c, "%llu", (unsigned long long)((cfg->seed ^ (0x706f6cull << 16) ^ i) & 0x1fffffffffffffull));
        } else {
            arg(c, "--chain");
            arg(c, "%s", CHAINS[g->chain % CHAIN_EX_COINS]);
        }
        arg(c, "--key");
        arg(c, "%s/keys/%s.key", dir, lab);
        arg(c, "--forever");
    }
    /* traders */
    for (size_t gi = 0; gi < cfg->n_groups; gi++) {
        const chain_econ_group *g = &cfg->groups[gi];
        int deposits = g->mine != CHAIN_ECON_MINE_NONE && g->deposit_share > 0;
        int withdraws = g->withdraw_every_s > 0 && g->withdraw_share > 0;
        if (!g->trader && !deposits && !withdraws)
            continue;
        c = &ch[n++];
        snprintf(c->name, sizeof c->name, "trader-%s", g->label);
        c->role = 2;
        arg(c, "%s", o->self);
        arg(c, "trader");
        arg(c, "--data");
        arg(c, "%s", dir);
        arg(c, "--config");
        arg(c, "%s", o->config_path);
        arg(c, "--group");
        arg(c, "%s", g->label);
        if (speed[0]) {
            arg(c, "--speed");
            arg(c, "%s", speed);
        }
    }
    double t0 = common_clock_mono_s();
    double dur = o->duration_s > 0 ? o->duration_s : cfg->duration_s;
    int rc = 0;
    if (spawn(&ch[0], dir) < 0) {
        free(ch);
        return common_error_set(err, 1, dir, "", "cannot start the exchange: %s", strerror(errno));
    }
    /* wait for the socket (the exchange mines the bootstrap first) */
    while (!sock_ready(dir)) {
        int st;
        if (waitpid(ch[0].pid, &st, WNOHANG) == ch[0].pid) {
            ch[0].pid = 0;
            rc = common_error_set(err, 1, dir, "", "the exchange exited before it listened (see %s/logs/exchange.log)",
                                  dir);
            break;
        }
        if ((o->stop && o->stop(o->stop_user)) || common_clock_mono_s() - t0 > 120) {
            if (!(o->stop && o->stop(o->stop_user)))
                rc = common_error_set(err, 1, dir, "", "the exchange did not listen within 120 s");
            break;
        }
        sleep_s(0.05);
    }
    if (!rc && !(o->stop && o->stop(o->stop_user))) {
        for (size_t i = 1; i < n; i++)
            if (spawn(&ch[i], dir) < 0)
                ch[i].died_at = common_clock_mono_s();
        if (!o->quiet)
            fprintf(stderr, "econ: live on %s: exchange, %zu processes, %.0f s\n", dir, n - 1, dur);
        double last_line = 0;
        while (!(o->stop && o->stop(o->stop_user)) && common_clock_mono_s() - t0 < dur) {
            int st;
            pid_t p;
            while ((p = waitpid(-1, &st, WNOHANG)) > 0) {
                for (size_t i = 0; i < n; i++)
                    if (ch[i].pid == p) {
                        ch[i].pid = 0;
                        ch[i].died_at = common_clock_mono_s();
                        ch[i].restarts++;
                        fprintf(stderr, "econ: %s (pid %d) %s %d: restarting\n", ch[i].name, (int)p,
                                WIFSIGNALED(st) ? "killed by signal" : "exited", WIFSIGNALED(st) ? WTERMSIG(st)
                                                                                                  : WEXITSTATUS(st));
                    }
            }
            for (size_t i = 0; i < n; i++)
                if (ch[i].pid == 0 && common_clock_mono_s() - ch[i].died_at > 0.5)
                    if (spawn(&ch[i], dir) < 0)
                        ch[i].died_at = common_clock_mono_s();
            if (!o->quiet && common_clock_mono_s() - last_line > 5) {
                last_line = common_clock_mono_s();
                fprintf(stderr, "econ: live %.0f/%.0f s\n", last_line - t0, dur);
            }
            sleep_s(0.1);
        }
    }
    stop_children(ch, n, 2, 5.0);
    stop_children(ch, n, 1, 5.0);
    stop_children(ch, n, 0, 10.0);
    unsigned restarts = 0;
    for (size_t i = 0; i < n; i++)
        restarts += ch[i].restarts;
    if (!o->quiet)
        fprintf(stderr, "econ: live on %s stopped after %.1f s (%u restarts)\n", dir, common_clock_mono_s() - t0,
                restarts);
    free(ch);
    return rc;
}
