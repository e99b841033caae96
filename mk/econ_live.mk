# mk/econ_live.mk - `econ live` (chain/economy/live.h) end to end: tests/cli/econ_live.sh runs
# a ~30 s live economy (exchange, miners, traders as real processes on one data directory),
# kills the exchange and a trader with SIGKILL mid-run, watches `chain monitor` in tmux,
# stops it with SIGINT and verifies the chains.
CHECK_EXTRA += check-econ-live
.PHONY: check-econ-live
check-econ-live: all
	@echo "== econ live ($(BIN))"
	@tests/cli/econ_live.sh $(BIN)
