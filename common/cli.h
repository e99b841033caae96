/* common/cli.h - the command-line contract every program of the toolkit keeps, in one place.
 *
 * A program describes itself once, as data: its commands (with their synopsis, help text
 * and number of file arguments) and its options (name, kind of value, range, and which
 * commands take it). common_cli_parse then does, the same way for every program:
 *   - `prog --help`, `prog help [CMD]`, `prog CMD --help`: the program's or that command's
 *     help on stdout, exit 0; `prog --version`: name, version and the git commit the
 *     binary was built from, exit 0;
 *   - an unknown command or option names itself ("unknown command frobnicate");
 *   - an option's value is never taken from the next option: `--out --summary` is refused
 *     ("--out needs DIR, got the option --summary"); `--out=VALUE` may carry any value;
 *   - integers are decimal, in the option's range; an option given twice, an option the
 *     command does not take, too few or too many file arguments: each one line.
 * Every usage error is ONE stderr line "prog: message (see prog CMD --help)" and exit 2.
 *
 * Exit codes (documented in the README's table, the same in every program):
 *   0 done / valid / accepted;  1 rejected (an invalid block, a refused transfer) or the
 *   work failed (a write after the work); 2 usage or bad input (arguments, unreadable or
 *   malformed files, a missing data directory, an unusable output folder); 3 stopped by
 *   SIGINT/SIGTERM before the requested work was done (what was done is kept).
 *
 * No global state: the parse result is a caller-owned value. Not thread-safe only in that
 * it writes to stdout/stderr.
 */
#ifndef COMMON_CLI_H
#define COMMON_CLI_H

#include <stddef.h>
#include <stdint.h>

enum {
    COMMON_EXIT_OK = 0,
    COMMON_EXIT_REJECTED = 1, /* also: the work failed */
    COMMON_EXIT_USAGE = 2,    /* also: bad input */
    COMMON_EXIT_STOPPED = 3   /* a signal stopped the work before it was done */
};

#define COMMON_CLI_MAX_OPTS 48
#define COMMON_CLI_MAX_POS 16

typedef enum common_opt_kind {
    COMMON_OPT_FLAG = 0, /* no value */
    COMMON_OPT_STR,      /* a non-empty string */
    COMMON_OPT_UINT,     /* a decimal integer in [lo, hi] */
    COMMON_OPT_REAL      /* a finite decimal number in [flo, fhi] (strtod syntax) */
} common_opt_kind;

/* Bit i of a `cmds` mask: the option belongs to command i. 0: to every command. */
#define COMMON_CMD(i) (1u << (i))

typedef struct common_opt {
    const char *name;     /* "--out" */
    common_opt_kind kind;
    const char *meta;     /* value placeholder in messages and help: "DIR" */
    uint64_t lo, hi;      /* COMMON_OPT_UINT: accepted range */
    unsigned cmds;        /* commands taking it (COMMON_CMD bits), 0 = all */
    const char *help;     /* help text; lines after the first are indented by the printer */
    double flo, fhi;      /* COMMON_OPT_REAL: accepted range */
} common_opt;

typedef struct common_cmd {
    const char *name;     /* "run" */
    const char *synopsis; /* "FILE.json [--case ID | --all] [--out DIR]" */
    const char *help;     /* what the command does (paragraph, newlines allowed) */
    int min_pos, max_pos; /* file arguments it takes */
    const char *pos_meta; /* "FILE.json", for messages */
} common_cmd;

typedef struct common_cli {
    const char *prog;        /* "bse" */
    const char *summary;     /* one line: what the program is */
    const char *description; /* printed after the usage lines of `prog --help` */
    const common_cmd *cmds;  /* NULL / n_cmds 0: a program without commands */
    size_t n_cmds;
    const common_opt *opts;
    size_t n_opts;           /* at most COMMON_CLI_MAX_OPTS */
    const char *footer;      /* printed last (exit status, environment) */
    /* A program without commands: its synopsis and file arguments. */
    const char *synopsis;
    int min_pos, max_pos;
    const char *pos_meta;
} common_cli;

typedef struct common_args {
    int cmd;                                   /* index into cmds; -1 without commands */
    int given[COMMON_CLI_MAX_OPTS];            /* 1 when the option was given */
    const char *str[COMMON_CLI_MAX_OPTS];      /* COMMON_OPT_STR value (or NULL) */
    uint64_t num[COMMON_CLI_MAX_OPTS];         /* COMMON_OPT_UINT value (or 0) */
    double real[COMMON_CLI_MAX_OPTS];          /* COMMON_OPT_REAL value (or 0) */
    const char *pos[COMMON_CLI_MAX_POS];       /* file arguments in order */
    int n_pos;
} common_args;

/* What common_cli_parse decided. */
typedef enum common_cli_status {
    COMMON_CLI_RUN = 0, /* *out holds the command and its options: run it */
    COMMON_CLI_DONE,    /* help or version printed: exit COMMON_EXIT_OK */
    COMMON_CLI_USAGE    /* one error line printed on stderr: exit COMMON_EXIT_USAGE */
} common_cli_status;

/* Parses argv[1..argc-1] against cli. Out: *out (zeroed first). Returns a
 * common_cli_status. Prints help/version to stdout or the error line to stderr. */
__attribute__((warn_unused_result)) common_cli_status common_cli_parse(const common_cli *cli, common_args *out,
                                                                       int argc, char **argv);

/* Exit code for a parse status that is not COMMON_CLI_RUN. */
int common_cli_exit(common_cli_status st);

/* Prints the one-line usage error "prog: <message> (see prog [CMD] --help)" on stderr
 * for checks a program makes after parsing (options that exclude each other...).
 * cmd: the command index or -1. Returns COMMON_EXIT_USAGE. */
int common_cli_usage_error(const common_cli *cli, int cmd, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* Prints the help of command cmd (-1: of the whole program) to stdout. */
void common_cli_print_help(const common_cli *cli, int cmd);

/* "prog (BSE-PoUW toolkit) VERSION" and the build's git commit, on stdout. */
void common_cli_print_version(const common_cli *cli);

/* The toolkit's version ("0.5.0") and the git commit the build was made from
 * ("1a2b3c4d5e6f", with "-dirty" when the tree had uncommitted changes; "unknown" outside
 * a git checkout). Static strings. */
const char *common_version(void);
const char *common_version_commit(void);

/* Output folders, decided once for every program: creates dir (and missing parents) and
 * checks that a file can be created in it. On failure prints "prog: DIR: cannot use as
 * output folder: reason" and returns COMMON_EXIT_USAGE (nothing has been done yet, so it
 * is bad input); 0 when usable. */
int common_cli_out_dir(const char *prog, const char *dir);

/* Data directories: 0 when dir exists and is a folder; otherwise prints "prog: DIR: no
 * such data directory" / "prog: DIR: not a folder" / the system's reason and returns
 * COMMON_EXIT_USAGE. */
int common_cli_data_dir(const char *prog, const char *dir);

#endif /* COMMON_CLI_H */
