/* experiments/bsepy.c - BSE.py run beside the engine (experiments/bsepy.h). */
#include "experiments/bsepy.h"

#include <cjson/cJSON.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "experiments/driver.h"

extern char **environ;

int experiments_bsepy_open(experiments_bsepy *b, const char *dir, common_error *err)
{
    memset(b, 0, sizeof *b);
    char probe[4200];
    if (snprintf(b->dir, sizeof b->dir, "%s", dir) >= (int)sizeof b->dir)
        return common_error_set(err, -1, "", "--bsepy", "the folder's name is too long"), -1;
    snprintf(probe, sizeof probe, "%s/BSE.py", dir);
    FILE *f = fopen(probe, "rb");
    if (!f)
        return common_error_set(err, -1, dir, "--bsepy", "no BSE.py there (a folder holding BSE.py v1.91 is needed)"),
               -1;
    fclose(f);
    if (!experiments_shared_path(b->tool, sizeof b->tool, "tools/pybse.py"))
        return common_error_set(err, -1, b->tool, "", "the BSE.py runner is missing (set BSE_SHARED)"), -1;
    return 0;
}

int experiments_bsepy_run(const experiments_bsepy *b, const bse_case *c, const char *tmp, const char *name,
                          const char *odir, double *wall_s, common_error *err)
{
    *wall_s = NAN;
    char cpath[4400], opath[4400], epath[4400], envv[4200];
    snprintf(cpath, sizeof cpath, "%s/%s.json", tmp, name);
    snprintf(opath, sizeof opath, "%s/%s.out", tmp, name);
    snprintf(epath, sizeof epath, "%s/%s.err", tmp, name);
    char *js = bse_case_to_json(c);
    FILE *f = js ? fopen(cpath, "wb") : NULL;
    int wok = f && fputs(js, f) >= 0;
    if (f)
        wok &= fclose(f) == 0;
    free(js);
    if (!wok)
        return common_error_set(err, -1, cpath, "", "cannot write the case"), -1;
    /* the runner's environment: ours, with BSE_PY_DIR the folder */
    size_t ne = 0;
    while (environ[ne])
        ne++;
    char **env = calloc(ne + 2, sizeof *env);
    if (!env)
        return common_error_set(err, -1, "", "", "out of memory"), -1;
    snprintf(envv, sizeof envv, "BSE_PY_DIR=%s", b->dir);
    size_t k = 0;
    for (size_t i = 0; i < ne; i++)
        if (strncmp(environ[i], "BSE_PY_DIR=", 11))
            env[k++] = environ[i];
    env[k++] = envv;
    char *argv[] = {"/usr/bin/python3", (char *)b->tool, cpath, "--out", (char *)odir, NULL};
    int status = 0;
    int rc = experiments_spawn_to_files(argv, env, opath, epath, "BSE.py's runner", &status, err);
    free(env);
    if (rc)
        return -1;
    char line[1024];
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        /* Python's last stderr line says what went wrong; the first says where */
        char last[320] = "";
        FILE *e = fopen(epath, "rb");
        if (e) {
            while (fgets(line, sizeof line, e))
                if (line[strspn(line, " \t\r\n")])
                    snprintf(last, sizeof last, "%s", line);
            fclose(e);
        }
        last[strcspn(last, "\r\n")] = '\0';
        return common_error_set(err, -1, b->tool, name, "BSE.py's run failed (%s%d)%s%s",
                                WIFEXITED(status) ? "exit " : "signal ",
                                WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status), last[0] ? ": " : "", last),
               -1;
    }
    experiments_first_line(line, sizeof line, opath);
    cJSON *o = cJSON_Parse(line);
    const cJSON *w = o ? cJSON_GetObjectItemCaseSensitive(o, "wall_s") : NULL;
    if (!cJSON_IsNumber(w) || !(w->valuedouble > 0) || !isfinite(w->valuedouble)) {
        cJSON_Delete(o);
        return common_error_set(err, -1, b->tool, "wall_s", "expected a JSON line with wall_s > 0, got '%.100s'",
                                line),
               -1;
    }
    *wall_s = w->valuedouble;
    cJSON_Delete(o);
    return 0;
}
