# mk/econ.mk - `econ sim` end to end (tests/cli/econ.sh): the small economy's bytes at two
# thread counts, its chains verified, external agents well-behaved and hostile, bad configs.
CHECK_EXTRA += check-econ
.PHONY: check-econ
check-econ: all
	@echo "== econ ($(BIN))"
	@tests/cli/econ.sh $(BIN)
