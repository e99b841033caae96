# mk/results.mk - `make results`: until the experiment drivers exist it says so and fails,
# rather than succeeding silently with nothing regenerated.
.PHONY: results
results:
	@echo "make results: no experiment drivers exist yet (see experiments/README.md); nothing regenerated" >&2; exit 1
