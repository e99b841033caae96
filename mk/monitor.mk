# mk/monitor.mk - `chain monitor` (chain/monitor.c) draws its live view with Debian's
# libncurses (mk/deps.d/monitor.txt); tests/cli/monitor.sh checks it end to end, the live
# view inside a detached tmux session.
MON_CFLAGS := $(shell pkg-config --cflags ncurses)
MON_LIBS   := $(shell pkg-config --libs ncurses)
ifeq ($(MON_LIBS),)
  $(error pkg-config found no ncurses: run `make deps` (or mk/deps.sh) first)
endif
# Only the file that includes curses.h gets ncurses' flags: they carry feature macros
# (-D_XOPEN_SOURCE=600) that would change every other file's view of libc.
$(BUILD)/obj/chain/monitor.o: CFLAGS += $(MON_CFLAGS)
LDLIBS += $(MON_LIBS)
INSTALL_PC_REQUIRES += ncurses

CHECK_EXTRA += check-monitor
.PHONY: check-monitor
check-monitor: all
	@echo "== chain monitor ($(BIN))"
	@tests/cli/monitor.sh $(BIN)
