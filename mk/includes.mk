# mk/includes.mk - the layout's layering rules on the source (mk/check_includes.py): a
# module includes only its own layer and those below (common <- bse <- pouw <- chain <-
# experiments) and no files include each other in a circle. Also checks that the checker
# itself catches both on a small fixture.
CHECK_EXTRA += check-includes
.PHONY: check-includes
check-includes:
	@echo "== includes"
	@/usr/bin/python3 mk/check_includes.py .
	@d=$$(mktemp -d) && mkdir -p $$d/common $$d/bse && \
	  printf '#include "bse/b.h"\n' > $$d/common/a.h && printf '#include "common/a.h"\n' > $$d/bse/b.h && \
	  out=$$(/usr/bin/python3 mk/check_includes.py $$d 2>&1); rc=$$?; rm -rf $$d; \
	  if [ $$rc -ne 1 ] || ! echo "$$out" | grep -q 'common may not depend on bse' || ! echo "$$out" | grep -q 'include cycle'; then \
	    echo "check_includes.py missed a planted upward include or cycle: $$out" >&2; exit 1; fi
