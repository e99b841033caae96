/* common/cli.c - the shared command-line parser and the help/version printers (see
 * common/cli.h for the contract). Invariant: a usage error prints exactly one line. */
#include "common/cli.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const char *cmd_name(const common_cli *cli, int cmd)
{
    return cmd >= 0 && (size_t)cmd < cli->n_cmds ? cli->cmds[cmd].name : NULL;
}

static void vusage(const common_cli *cli, int cmd, const char *fmt, va_list ap)
{
    char msg[512];
    vsnprintf(msg, sizeof msg, fmt, ap);
    const char *c = cmd_name(cli, cmd);
    fprintf(stderr, "%s: %s (see %s%s%s --help)\n", cli->prog, msg, cli->prog, c ? " " : "", c ? c : "");
}

int common_cli_usage_error(const common_cli *cli, int cmd, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vusage(cli, cmd, fmt, ap);
    va_end(ap);
    return COMMON_EXIT_USAGE;
}

static common_cli_status usage(const common_cli *cli, int cmd, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static common_cli_status usage(const common_cli *cli, int cmd, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vusage(cli, cmd, fmt, ap);
    va_end(ap);
    return COMMON_CLI_USAGE;
}

int common_cli_exit(common_cli_status st)
{
    return st == COMMON_CLI_DONE ? COMMON_EXIT_OK : st == COMMON_CLI_USAGE ? COMMON_EXIT_USAGE : COMMON_EXIT_OK;
}

const char *common_version(void) { return "0.5.0"; }

void common_cli_print_version(const common_cli *cli)
{
    printf("%s (BSE-PoUW toolkit) %s\n", cli->prog, common_version());
    printf("git commit %s\n", common_version_commit());
    printf("License GPL-3.0-or-later.\n");
}

/* Prints text with every line after the first indented by `indent` columns. */
static void print_indented(const char *text, int indent)
{
    for (const char *p = text; *p; p++) {
        putchar(*p);
        if (*p == '\n' && p[1])
            printf("%*s", indent, "");
    }
    putchar('\n');
}

static int opt_takes(const common_opt *o, int cmd)
{
    return o->cmds == 0 || cmd < 0 || (o->cmds & COMMON_CMD(cmd));
}

static void print_opts(const common_cli *cli, int cmd)
{
    int width = 0;
    for (size_t i = 0; i < cli->n_opts; i++) {
        const common_opt *o = &cli->opts[i];
        int w = (int)strlen(o->name) + (o->kind != COMMON_OPT_FLAG ? 1 + (int)strlen(o->meta ? o->meta : "X") : 0);
        if (opt_takes(o, cmd) && w > width)
            width = w;
    }
    if (width > 22)
        width = 22;
    for (size_t i = 0; i < cli->n_opts; i++) {
        const common_opt *o = &cli->opts[i];
        if (!opt_takes(o, cmd))
            continue;
        char left[96];
        if (o->kind == COMMON_OPT_FLAG)
            snprintf(left, sizeof left, "%s", o->name);
        else
            snprintf(left, sizeof left, "%s %s", o->name, o->meta ? o->meta : "X");
        int w = (int)strlen(left);
        if (w > width) {
            printf("  %s\n%*s", left, width + 4, "");
        } else {
            printf("  %-*s  ", width, left);
        }
        print_indented(o->help ? o->help : "", width + 4);
    }
    printf("  %-*s  %s\n", width, "--help", "show this help and exit");
    printf("  %-*s  %s\n", width, "--version", "show the version and the git commit, and exit");
}

void common_cli_print_help(const common_cli *cli, int cmd)
{
    if (cli->n_cmds == 0) {
        printf("Usage: %s %s\n\n", cli->prog, cli->synopsis ? cli->synopsis : "[OPTION]...");
        printf("%s\n", cli->summary);
        if (cli->description)
            printf("\n%s\n", cli->description);
        printf("\nOptions:\n");
        print_opts(cli, -1);
    } else if (cmd < 0) {
        for (size_t i = 0; i < cli->n_cmds; i++)
            printf("%s %s %s %s\n", i ? "      " : "Usage:", cli->prog, cli->cmds[i].name, cli->cmds[i].synopsis);
        printf("       %s COMMAND --help\n       %s --version\n\n%s\n", cli->prog, cli->prog, cli->summary);
        if (cli->description)
            printf("\n%s\n", cli->description);
        printf("\nCommands:\n");
        int width = 0;
        for (size_t i = 0; i < cli->n_cmds; i++)
            if ((int)strlen(cli->cmds[i].name) > width)
                width = (int)strlen(cli->cmds[i].name);
        for (size_t i = 0; i < cli->n_cmds; i++) {
            printf("  %-*s  ", width, cli->cmds[i].name);
            print_indented(cli->cmds[i].help, width + 4);
        }
        printf("\nOptions:\n");
        print_opts(cli, -1);
    } else {
        const common_cmd *c = &cli->cmds[cmd];
        printf("Usage: %s %s %s\n\n", cli->prog, c->name, c->synopsis);
        printf("%s\n\nOptions:\n", c->help);
        print_opts(cli, cmd);
    }
    if (cli->footer)
        printf("\n%s\n", cli->footer);
}

static int is_help(const char *a) { return !strcmp(a, "--help") || !strcmp(a, "-h"); }

/* Strict decimal: digits only, no sign, no spaces, in [lo, hi]. */
static int parse_uint(const char *s, uint64_t lo, uint64_t hi, uint64_t *out)
{
    if (!*s)
        return -1;
    uint64_t v = 0;
    for (const char *p = s; *p; p++) {
        if (*p < '0' || *p > '9')
            return -1;
        unsigned d = (unsigned)(*p - '0');
        if (v > (UINT64_MAX - d) / 10)
            return -1;
        v = v * 10 + d;
    }
    if (v < lo || v > hi)
        return -1;
    *out = v;
    return 0;
}

static common_cli_status set_value(const common_cli *cli, common_args *out, int cmd, size_t k, const char *v)
{
    const common_opt *o = &cli->opts[k];
    const char *meta = o->meta ? o->meta : "a value";
    if (!*v)
        return usage(cli, cmd, "%s needs %s, got an empty value", o->name, meta);
    if (o->kind == COMMON_OPT_UINT) {
        if (parse_uint(v, o->lo, o->hi, &out->num[k]))
            return usage(cli, cmd, "%s needs %s, an integer %llu..%llu, got \"%s\"", o->name, meta,
                         (unsigned long long)o->lo, (unsigned long long)o->hi, v);
    }
    if (o->kind == COMMON_OPT_REAL) {
        char *end;
        errno = 0;
        double d = strtod(v, &end);
        if (errno || end == v || *end || !isfinite(d) || d < o->flo || d > o->fhi)
            return usage(cli, cmd, "%s needs %s, a number %g..%g, got \"%s\"", o->name, meta, o->flo, o->fhi, v);
        out->real[k] = d;
    }
    out->str[k] = v;
    return COMMON_CLI_RUN;
}

common_cli_status common_cli_parse(const common_cli *cli, common_args *out, int argc, char **argv)
{
    memset(out, 0, sizeof *out);
    out->cmd = -1;
    int i = 1;
    if (cli->n_cmds > 0) {
        if (argc < 2) {
            char list[256] = "";
            for (size_t j = 0; j < cli->n_cmds; j++) {
                size_t l = strlen(list);
                snprintf(list + l, sizeof list - l, "%s%s", j == 0 ? "" : j + 1 == cli->n_cmds ? " or " : ", ",
                         cli->cmds[j].name);
            }
            return usage(cli, -1, "missing command (expected %s)", list);
        }
        const char *a = argv[1];
        if (is_help(a)) {
            common_cli_print_help(cli, -1);
            return COMMON_CLI_DONE;
        }
        if (!strcmp(a, "--version")) {
            common_cli_print_version(cli);
            return COMMON_CLI_DONE;
        }
        if (!strcmp(a, "help")) {
            int c = -1;
            if (argc > 2) {
                for (size_t j = 0; j < cli->n_cmds; j++)
                    if (!strcmp(argv[2], cli->cmds[j].name))
                        c = (int)j;
                if (c < 0)
                    return usage(cli, -1, "unknown command %s", argv[2]);
            }
            common_cli_print_help(cli, c);
            return COMMON_CLI_DONE;
        }
        for (size_t j = 0; j < cli->n_cmds; j++)
            if (!strcmp(a, cli->cmds[j].name))
                out->cmd = (int)j;
        if (out->cmd < 0) {
            if (a[0] == '-')
                return usage(cli, -1, "%s before the command: the command comes first", a);
            return usage(cli, -1, "unknown command %s", a);
        }
        i = 2;
    }
    int cmd = out->cmd;
    /* --help and --version anywhere win over errors elsewhere on the line */
    for (int j = i; j < argc; j++) {
        if (!strcmp(argv[j], "--"))
            break;
        if (is_help(argv[j])) {
            common_cli_print_help(cli, cmd);
            return COMMON_CLI_DONE;
        }
        if (!strcmp(argv[j], "--version")) {
            common_cli_print_version(cli);
            return COMMON_CLI_DONE;
        }
    }
    int only_pos = 0;
    for (; i < argc; i++) {
        const char *a = argv[i];
        if (!only_pos && !strcmp(a, "--")) {
            only_pos = 1;
            continue;
        }
        if (only_pos || a[0] != '-' || !a[1]) { /* a file argument ("-" is one: stdin) */
            int maxp = cli->n_cmds ? cli->cmds[cmd].max_pos : cli->max_pos;
            const char *meta = cli->n_cmds ? cli->cmds[cmd].pos_meta : cli->pos_meta;
            if (out->n_pos >= maxp || out->n_pos >= COMMON_CLI_MAX_POS) {
                if (maxp == 0)
                    return usage(cli, cmd, "unexpected argument %s (%s%s takes no file argument)", a,
                                 cli->n_cmds ? cli->cmds[cmd].name : cli->prog, "");
                return usage(cli, cmd, "unexpected argument %s (more than %d %s given)", a, maxp,
                             meta ? meta : "file");
            }
            out->pos[out->n_pos++] = a;
            continue;
        }
        const char *eq = strchr(a, '=');
        size_t nlen = eq ? (size_t)(eq - a) : strlen(a);
        size_t k = cli->n_opts;
        for (size_t j = 0; j < cli->n_opts; j++)
            if (strlen(cli->opts[j].name) == nlen && !strncmp(cli->opts[j].name, a, nlen))
                k = j;
        if (k == cli->n_opts)
            return usage(cli, cmd, "unknown option %.*s", (int)nlen, a);
        const common_opt *o = &cli->opts[k];
        if (!opt_takes(o, cmd)) {
            char list[256] = "";
            for (size_t j = 0; j < cli->n_cmds; j++)
                if (o->cmds & COMMON_CMD(j)) {
                    size_t l = strlen(list);
                    snprintf(list + l, sizeof list - l, "%s%s", l ? ", " : "", cli->cmds[j].name);
                }
            return usage(cli, cmd, "%s does not apply to %s (it belongs to %s)", o->name, cli->cmds[cmd].name, list);
        }
        if (out->given[k])
            return usage(cli, cmd, "%s given twice", o->name);
        out->given[k] = 1;
        if (o->kind == COMMON_OPT_FLAG) {
            if (eq)
                return usage(cli, cmd, "%s takes no value", o->name);
            continue;
        }
        const char *meta = o->meta ? o->meta : "a value";
        common_cli_status st;
        if (eq) {
            st = set_value(cli, out, cmd, k, eq + 1);
        } else {
            if (i + 1 >= argc)
                return usage(cli, cmd, "%s needs %s", o->name, meta);
            const char *v = argv[i + 1];
            if (v[0] == '-' && v[1] == '-')
                return usage(cli, cmd, "%s needs %s, got the option %s (write %s=%s if that is meant)", o->name,
                             meta, v, o->name, v);
            i++;
            st = set_value(cli, out, cmd, k, v);
        }
        if (st != COMMON_CLI_RUN)
            return st;
    }
    int minp = cli->n_cmds ? cli->cmds[cmd].min_pos : cli->min_pos;
    if (out->n_pos < minp) {
        const char *meta = cli->n_cmds ? cli->cmds[cmd].pos_meta : cli->pos_meta;
        return usage(cli, cmd, "missing %s", meta ? meta : "file argument");
    }
    return COMMON_CLI_RUN;
}

/* mkdir -p */
static int make_dirs(const char *dir)
{
    char tmp[4096];
    if (snprintf(tmp, sizeof tmp, "%s", dir) >= (int)sizeof tmp) {
        errno = ENAMETOOLONG;
        return -1;
    }
    for (char *p = tmp + 1; *p; p++) {
        if (*p != '/')
            continue;
        *p = 0;
        if (mkdir(tmp, 0755) && errno != EEXIST)
            return -1;
        *p = '/';
    }
    if (mkdir(tmp, 0755) && errno != EEXIST)
        return -1;
    struct stat st;
    if (stat(tmp, &st))
        return -1;
    if (!S_ISDIR(st.st_mode)) {
        errno = ENOTDIR;
        return -1;
    }
    return 0;
}

int common_cli_out_dir(const char *prog, const char *dir)
{
    if (make_dirs(dir)) {
        fprintf(stderr, "%s: %s: cannot use as output folder: %s\n", prog, dir, strerror(errno));
        return COMMON_EXIT_USAGE;
    }
    char probe[4200];
    snprintf(probe, sizeof probe, "%s/.write-probe-XXXXXX", dir);
    int fd = mkstemp(probe);
    if (fd < 0) {
        fprintf(stderr, "%s: %s: cannot use as output folder: %s\n", prog, dir, strerror(errno));
        return COMMON_EXIT_USAGE;
    }
    close(fd);
    unlink(probe);
    return 0;
}

int common_cli_data_dir(const char *prog, const char *dir)
{
    struct stat st;
    if (stat(dir, &st)) {
        if (errno == ENOENT)
            fprintf(stderr, "%s: %s: no such data directory\n", prog, dir);
        else
            fprintf(stderr, "%s: %s: cannot use as data directory: %s\n", prog, dir, strerror(errno));
        return COMMON_EXIT_USAGE;
    }
    if (!S_ISDIR(st.st_mode)) {
        fprintf(stderr, "%s: %s: not a folder (expected a data directory)\n", prog, dir);
        return COMMON_EXIT_USAGE;
    }
    return 0;
}
