# mk/build.mk - the build itself, run by the top Makefile after the dependency step
# (so pkg-config below sees installed packages). Goals and variables: see ../Makefile.
# Fragments mk/*.mk (other than this file) add their own rules; they may append to
#   CHECK_EXTRA  targets `check` runs after the C tests (e.g. the Python suite)
#   BENCH_EXTRA  targets `bench` runs after mk/bench.sh
#   INSTALL_EXTRA targets `install` depends on

CC    ?= cc
OPT   ?= -O2
SAN   ?=
BUILD ?= build
BIN   ?= bin

# Determinism is consensus: no contraction into FMA, never fast-math.
CSTD    := -std=c11 -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE
WARN    := -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wno-unused-parameter -Wno-missing-field-initializers
# (gcc: snprintf truncation of error-message fields is intended, not a bug)
FPFLAGS := -ffp-contract=off -fno-fast-math -fexcess-precision=standard
WARN    += -Wno-format-truncation
ifneq ($(findstring clang,$(shell $(CC) --version 2>/dev/null | head -n1)),)
  FPFLAGS := -ffp-contract=off -fno-fast-math
  WARN    := $(filter-out -Wno-format-truncation,$(WARN))
endif
SANFLAGS := $(if $(SAN),-fsanitize=$(SAN) -fno-omit-frame-pointer -fno-sanitize-recover=all,)
# Sanitizer builds are test builds: they also verify invariants after every
# operation (BSE_CHECK: book order; CHAIN_CHECK: coin conservation), STYLE rule 12.
CHECKFLAGS := $(if $(SAN),-DBSE_CHECK -DCHAIN_CHECK,)

PKGS    := libcrypto gsl libcjson zlib
PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS))
PKG_LIBS   := $(shell pkg-config --libs $(PKGS))
ifeq ($(PKG_LIBS),)
  $(error pkg-config found none of $(PKGS): run `make deps` (or mk/deps.sh) first)
endif
CFLAGS  ?=
CFLAGS  += $(CSTD) $(WARN) $(FPFLAGS) $(OPT) -g $(SANFLAGS) $(CHECKFLAGS) -I. $(PKG_CFLAGS) -pthread
LDLIBS  := $(PKG_LIBS) -lcsv -lm -pthread
LDFLAGS += $(SANFLAGS)

MODULES := common bse pouw chain experiments
# Programs are the *_main.c files of a module: bse/bse_main.c -> $(BIN)/bse.
lib_srcs = $(filter-out %_main.c,$(wildcard $(1)/*.c $(1)/*/*.c))
prog_srcs = $(wildcard $(1)/*_main.c)
LIBS_IN_ORDER := $(foreach m,experiments chain pouw bse common,$(if $(call lib_srcs,$(m)),$(BUILD)/lib$(m).a))
PROGS := $(foreach m,$(MODULES),$(patsubst $(m)/%_main.c,$(BIN)/%,$(call prog_srcs,$(m))))
TEST_SRCS := $(wildcard tests/test_*.c)
TESTS := $(patsubst tests/%.c,$(BUILD)/tests/%,$(TEST_SRCS))
TEST_SUPPORT := $(filter-out tests/test_%.c,$(wildcard tests/*.c))
FUZZ_SRCS := $(wildcard tests/fuzz/fuzz_*.c)
FUZZ_REPLAY := $(patsubst tests/fuzz/%.c,$(BUILD)/fuzz/replay_%,$(FUZZ_SRCS))

.PHONY: all test check bench demo determinism fuzz results symbols
.DEFAULT_GOAL := all

all: $(PROGS)

# Program objects are not intermediates: a second `make` must find them and do nothing.
.SECONDARY:

$(BUILD)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -MMD -MP -c -o $@ $<

# The git commit baked into every program (--version). The header is brought up to
# date while this file is parsed and rewritten only when the commit (or the dirty
# state) changes, so it is an ordinary prerequisite: a second `make` rebuilds nothing.
VERSION_GEN := $(shell mkdir -p $(BUILD)/gen && mk/version.sh $(BUILD)/gen/version_gen.h)
$(BUILD)/obj/common/version.o: $(BUILD)/gen/version_gen.h
$(BUILD)/obj/common/version.o: CFLAGS += -I$(BUILD)/gen

define lib_rule
$(BUILD)/lib$(1).a: $(patsubst %.c,$(BUILD)/obj/%.o,$(call lib_srcs,$(1)))
	@mkdir -p $$(dir $$@)
	rm -f $$@ && ar rcs $$@ $$^
endef
$(foreach m,$(MODULES),$(if $(call lib_srcs,$(m)),$(eval $(call lib_rule,$(m)))))

$(BIN)/%: $(BUILD)/obj/bse/%_main.o $(LIBS_IN_ORDER)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $< $(LIBS_IN_ORDER) $(LDLIBS)
$(BIN)/%: $(BUILD)/obj/pouw/%_main.o $(LIBS_IN_ORDER)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $< $(LIBS_IN_ORDER) $(LDLIBS)
$(BIN)/%: $(BUILD)/obj/chain/%_main.o $(LIBS_IN_ORDER)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $< $(LIBS_IN_ORDER) $(LDLIBS)
$(BIN)/%: $(BUILD)/obj/experiments/%_main.o $(LIBS_IN_ORDER)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $< $(LIBS_IN_ORDER) $(LDLIBS)

$(BUILD)/tests/%: $(BUILD)/obj/tests/%.o $(patsubst %.c,$(BUILD)/obj/%.o,$(TEST_SUPPORT)) $(LIBS_IN_ORDER)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS) -lcriterion

# Fuzz targets: each tests/fuzz/fuzz_X.c defines LLVMFuzzerTestOneInput. The replay
# build (any compiler) runs every file of tests/fuzz/corpus_X/ through it in make test;
# `make fuzz` builds real libFuzzer binaries with clang.
$(BUILD)/fuzz/replay_%: $(BUILD)/obj/tests/fuzz/%.o $(BUILD)/obj/tests/fuzz/replay.o $(LIBS_IN_ORDER)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

# Exported symbols must carry their module's prefix (STYLE rule 1). Names the compiler
# makes itself (sanitizer instrumentation: __odr_asan.*, __asan_*) are not ours.
symbols: $(LIBS_IN_ORDER)
	@bad=$$(for m in common bse pouw chain experiments; do \
	  [ -f $(BUILD)/lib$$m.a ] || continue; \
	  nm -g --defined-only $(BUILD)/lib$$m.a | awk 'NF==3 && $$2 ~ /[TDRBC]/ {print $$3}' | grep -v -e "^$${m}_" -e '^__' ; done); \
	if [ -n "$$bad" ]; then echo "unprefixed exported symbols:" $$bad >&2; exit 1; fi

# The suite: unit and golden tests, fuzz corpus replay, symbol check.
check: all $(TESTS) $(FUZZ_REPLAY) symbols
	@set -e; export BSE_BIN=$(abspath $(BIN)) BSE_TOP=$(abspath .); \
	$(if $(SAN),export LSAN_OPTIONS=suppressions=$(abspath mk/lsan.supp):print_suppressions=0;) \
	for t in $(TESTS); do echo "== $$t"; $$t --jobs=2 || exit 1; done; \
	for f in $(FUZZ_REPLAY); do n=$${f##*/replay_fuzz_}; echo "== replay $$n"; $$f tests/fuzz/corpus_$$n || exit 1; done
	@$(if $(CHECK_EXTRA),$(MAKE) --no-print-directory -j1 -f mk/build.mk $(CHECK_EXTRA))

test:
	$(MAKE) --no-print-directory -f mk/build.mk check
	$(MAKE) --no-print-directory -f mk/build.mk check BUILD=build/asan BIN=build/asan/bin OPT=-O1 SAN=address,undefined
	$(MAKE) --no-print-directory -f mk/build.mk determinism

# gcc -O0 and clang -O2 builds must give the same digests for the golden cases.
determinism:
	$(MAKE) --no-print-directory -f mk/build.mk BUILD=build/gcc-O0 BIN=build/gcc-O0/bin CC=gcc OPT=-O0 all
	$(MAKE) --no-print-directory -f mk/build.mk BUILD=build/clang-O2 BIN=build/clang-O2/bin CC=clang OPT=-O2 all
	mk/determinism.sh build/gcc-O0/bin build/clang-O2/bin $(BIN)

bench: all
	@mk/bench.sh $(BIN)
	@$(if $(BENCH_EXTRA),$(MAKE) --no-print-directory -j1 -f mk/build.mk $(BENCH_EXTRA))

demo: all
	@mk/demo.sh $(BIN)

fuzz:
	$(MAKE) --no-print-directory -f mk/build.mk BUILD=build/fuzz BIN=build/fuzz/bin CC=clang OPT=-O1 SAN=fuzzer-no-link,address,undefined all
	@mk/fuzz.sh build/fuzz

# Fragments: each mk/*.mk besides this file (sorted, so the order is fixed).
include $(sort $(filter-out mk/build.mk,$(wildcard mk/*.mk)))

-include $(shell find $(BUILD)/obj -name '*.d' 2>/dev/null)
