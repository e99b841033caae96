# mk/cli.mk - the command-line contract of every program, end to end (tests/cli/run.sh),
# in both builds of `make test`; and, in the plain build, that a second `make` rebuilds
# nothing (a dry run after the build lists no compile or link command).
CHECK_EXTRA += check-cli $(if $(SAN),,check-rebuild)
.PHONY: check-cli check-rebuild
check-cli: all
	@echo "== cli contract ($(BIN))"
	@tests/cli/run.sh $(BIN)

check-rebuild: all
	@echo "== a second make does nothing"
	@out=$$($(MAKE) --no-print-directory -f mk/build.mk -n all 2>&1 | grep -E '(^| )(cc|gcc|clang|ar|ld) ' ); \
	if [ -n "$$out" ]; then echo "a second make would rebuild:" >&2; echo "$$out" | head -5 >&2; exit 1; fi; \
	echo "1 passed, 0 failed"
