# BSE-PoUW toolkit. GNU make.
#   make            build libraries and programs (bin/)
#   make test       build, run the whole suite, then again under ASan+UBSan, then the
#                   cross-compiler determinism check
#   make demo       build, then mine and verify a few blocks on the three chains
#   make bench      print speed figures (name value unit)
#   make install    programs, libraries, headers, pkg-config file, man pages (PREFIX, DESTDIR)
#   make deps       install the Debian packages (root) or print the apt-get line
#   make clean      remove build/ and bin/
# Variables: CC (any C11 compiler), OPT (default -O2), SAN (e.g. address,undefined),
#            BUILD (object dir, default build), BIN (program dir, default bin),
#            JOBS (parallel compiles, default every core).
#
# This file only makes sure the Debian packages are there, then hands every goal to
# mk/build.mk in a new make. The build reads pkg-config while it is parsed, so it must be
# parsed after the packages (pkg-config itself among them) are installed: a fresh machine
# builds on its first run.

.DEFAULT_GOAL := all
FRONT_GOALS := deps check-deps clean
BUILD_GOALS := $(filter-out $(FRONT_GOALS),$(or $(MAKECMDGOALS),all))

.PHONY: $(FRONT_GOALS) $(BUILD_GOALS)

# The build compiles on every core (JOBS, default: the online cores) unless make was
# given -j itself; what runs after a build (tests, benchmarks, results) stays in order.
JOBS ?= $(shell nproc 2>/dev/null || echo 1)

$(BUILD_GOALS): check-deps
	@$(MAKE) --no-print-directory $(if $(findstring -j,$(MAKEFLAGS)),,-j$(JOBS)) -f mk/build.mk $@

check-deps:
	@mk/deps.sh --check || mk/deps.sh

deps:
	@mk/deps.sh

clean:
	rm -rf build bin
