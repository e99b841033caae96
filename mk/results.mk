# mk/results.mk - the paper's results (shared/spec/experiments.md, Contract):
#   make results [SCALE=quick|paper] [MPI=K] [SHARDS=DIR]  every driver of experiments/ into results/
#                (quick: minutes, the committed files; paper: hours), then results/README.md
#                from the CSVs (experiments/make_readme.py). MPI=K runs the sweep drivers
#                under `mpirun -np K` (same bytes); BSEPY=DIR (a folder holding BSE.py
#                v1.91) adds E13's BSE.py side-by-side run (fidelity_bsepy.csv) and E14's
#                timing of BSE.py on this machine (speedup_here); LIQUIBOOK=DIR (a
#                checkout of github.com/enewhuis/liquibook, header-only C++) builds E14's C++
#                baseline $(BUILD)/baselines/liquibook_replay from experiments/baselines/ and
#                fills the liquibook columns of speed_exchange.csv (empty without it). Quick
#                also refreshes results/quick.sha256, the quick-scale reference of every
#                deterministic CSV.
#   make bench LIQUIBOOK=DIR  also times liquibook on bsebench match's flow (mk/bench.sh).
#   make results-check  re-runs the quick scale into a temporary folder and compares each
#                deterministic CSV's SHA-256 with results/quick.sha256 (so the check holds
#                whether the committed CSVs are quick or paper scale).
#   make figures  runs every notebooks/*.ipynb headless (Debian's jupyter-nbconvert on
#                /usr/bin/python3); each writes its PNGs into results/figures/.
SCALE ?= quick
MPI ?=
BSEPY ?=
export BSEPY
# SHARDS=DIR (paper scale): reuse the finished items kept in DIR/NAME/*.ckpt.gz
# (experiments/results.sh; results/shards holds the committed ones).
SHARDS ?=
export SHARDS
# E14's C++ order-book baseline: compiled only when the user names liquibook's folder.
# liquibook's code is never copied here; only our harness is compiled against it.
LIQUIBOOK ?=
LIQUIBOOK_REPLAY := $(if $(LIQUIBOOK),$(abspath $(BUILD))/baselines/liquibook_replay,)
export LIQUIBOOK_REPLAY
ifneq ($(LIQUIBOOK),)
ifeq ($(wildcard $(LIQUIBOOK)/src/book/order_book.h),)
$(error LIQUIBOOK=$(LIQUIBOOK): no src/book/order_book.h there (a checkout of github.com/enewhuis/liquibook is needed))
endif
results bench: $(LIQUIBOOK_REPLAY)
$(LIQUIBOOK_REPLAY): experiments/baselines/liquibook_replay.cpp $(wildcard $(LIQUIBOOK)/src/book/*.h)
	@mkdir -p $(dir $@)
	$(CXX) -O2 -std=c++17 -Wall -Wextra -isystem "$(LIQUIBOOK)/src" -o $@ $<
endif
RESULTS_DIR ?= results
# E8's build matrix besides this build ($(BIN)): NAME:CC:OPT. Quick keeps it small; the
# object folders are those of `make determinism`, so a `make test` has built them already.
E8_MATRIX_quick := gcc-O0:gcc:-O0 clang-O2:clang:-O2
E8_MATRIX_paper := gcc-O0:gcc:-O0 gcc-O3:gcc:-O3 clang-O0:clang:-O0 clang-O2:clang:-O2 clang-O3:clang:-O3
E8_MATRIX := $(or $(E8_MATRIX_$(SCALE)),$(E8_MATRIX_quick))
E8_NAME = $(word 1,$(subst :, ,$(1)))
E8_BINS := $(foreach b,$(E8_MATRIX),$(call E8_NAME,$(b))=build/$(call E8_NAME,$(b))/bin)
REF_NAME := $(notdir $(firstword $(CC)))$(OPT)

.PHONY: results results-check figures e8-builds
e8-builds:
	@set -e; for b in $(E8_MATRIX); do n=$${b%%:*}; r=$${b#*:}; c=$${r%%:*}; o=$${r#*:}; \
	  $(MAKE) --no-print-directory -f mk/build.mk BUILD=build/$$n BIN=build/$$n/bin CC=$$c OPT=$$o build/$$n/bin/e8_determinism; done

results: all e8-builds
	@experiments/results.sh "$(SCALE)" "$(RESULTS_DIR)" "$(abspath $(BIN))" "$(MPI)" "$(REF_NAME)=$(abspath $(BIN))" $(E8_BINS)

results-check: all e8-builds
	@experiments/results_check.sh "$(RESULTS_DIR)" "$(abspath $(BIN))" "$(MPI)" "$(REF_NAME)=$(abspath $(BIN))" $(foreach b,$(E8_MATRIX_quick),$(call E8_NAME,$(b))=build/$(call E8_NAME,$(b))/bin)

figures: all
	@mkdir -p $(RESULTS_DIR)/figures
	@set -e; for nb in notebooks/*.ipynb; do echo "figures: $$nb"; \
	  PATH=/usr/bin:/bin PYTHONPATH=$(abspath python) PYTHONDONTWRITEBYTECODE=1 \
	  BSEPOUW_LIB=$(abspath $(BUILD))/libbsepouw.so MPLBACKEND=Agg \
	  /usr/bin/python3 /usr/bin/jupyter-nbconvert --to notebook --execute \
	    --ExecutePreprocessor.timeout=1800 --ExecutePreprocessor.kernel_name=python3 \
	    --output-dir "$$(mktemp -d /tmp/figures_XXXXXX)" "$$nb" >/dev/null 2>/tmp/figures.log \
	  || { echo "figures: $$nb failed:" >&2; tail -20 /tmp/figures.log >&2; exit 1; }; done
	@ls $(RESULTS_DIR)/figures
