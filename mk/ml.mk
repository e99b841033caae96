# mk/ml.mk - learning agents (shared/spec/ml.md): the shared library the Python
# package loads (build/libbsepouw.so: bse/ compiled -fPIC into $(BUILD)/pic/, its
# environment API in bse/env.h), the Python suite (make test, normal build only:
# a sanitizer .so cannot be loaded into /usr/bin/python3), the environment bench.
ML_SO := $(BUILD)/libbsepouw.so
# bse/ uses common/'s shared plumbing (buffers, error records, JSON guard, files); the
# link uses --no-undefined (not in sanitizer builds: their runtime is the program's), so a missing piece fails the build, not the Python import.
ML_PIC_OBJS := $(patsubst %.c,$(BUILD)/pic/%.o,$(call lib_srcs,bse) $(call lib_srcs,common))
$(BUILD)/pic/common/version.o: $(BUILD)/gen/version_gen.h
$(BUILD)/pic/common/version.o: CFLAGS += -I$(BUILD)/gen
ML_PY := PYTHONPATH=$(abspath python) PYTHONDONTWRITEBYTECODE=1 BSEPOUW_LIB=$(abspath $(ML_SO)) /usr/bin/python3

.PHONY: check-python bench-ml
all: $(ML_SO)

$(BUILD)/pic/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -fPIC -MMD -MP -c -o $@ $<

$(ML_SO): $(ML_PIC_OBJS)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -shared $(if $(SAN),,-Wl,--no-undefined) -o $@ $^ $(LDLIBS)

ifeq ($(SAN),)
CHECK_EXTRA += check-python
endif
check-python: $(ML_SO)
	$(ML_PY) -m pytest -q -p no:cacheprovider tests/python

BENCH_EXTRA += bench-ml
bench-ml: $(ML_SO)
	@PYTHONPATH=$(abspath python) PYTHONDONTWRITEBYTECODE=1 BSEPOUW_LIB=$(abspath $(ML_SO)) mk/bench_ml.sh

-include $(shell find $(BUILD)/pic -name '*.d' 2>/dev/null)
