/* common/version.c - the git commit the build was made from. version_gen.h is written by
 * mk/version.sh into the build folder, and rewritten only when the commit changes, so a
 * second `make` rebuilds nothing. */
#include "common/cli.h"

#include "version_gen.h"

const char *common_version_commit(void) { return COMMON_GIT_COMMIT; }
