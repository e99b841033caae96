# mk/experiments.mk - the experiment drivers' build flags (MPI), `make results`'s helpers
# and the drivers' tests in `make check` (shared/spec/experiments.md).
# MPI (Debian's OpenMPI) is compiled into experiments/ only: the library objects get its
# include path, the driver programs (bin/e*_*) and the experiments tests its libraries.
MPI_CFLAGS := $(shell pkg-config --cflags ompi-c 2>/dev/null)
MPI_LIBS   := $(shell pkg-config --libs ompi-c 2>/dev/null)
EXP_PROGS  := $(patsubst experiments/%_main.c,$(BIN)/%,$(wildcard experiments/*_main.c))

$(BUILD)/obj/experiments/%.o: CFLAGS += $(MPI_CFLAGS)
$(EXP_PROGS): LDLIBS += $(MPI_LIBS)
$(BUILD)/tests/test_experiments_%: LDLIBS += $(MPI_LIBS)

CHECK_EXTRA += check-experiments
.PHONY: check-experiments
check-experiments: all
	@SAN='$(SAN)' tests/experiments/run.sh $(abspath $(BIN))
