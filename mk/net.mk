# mk/net.mk - networked nodes (chain/net/, shared/spec/network.md) link Debian's libuv
# (mk/deps.d/net.txt); `make check` runs the loopback network tests (tests/net/run.sh,
# bounded: every wait has its own deadline, the whole run stays under 4 minutes;
# sanitizer builds mine for 16 s instead of 30).
NET_PKG_CFLAGS := $(shell pkg-config --cflags libuv)
NET_PKG_LIBS   := $(shell pkg-config --libs libuv)
ifeq ($(NET_PKG_LIBS),)
  $(error pkg-config found no libuv: run `make deps` (or mk/deps.sh) first)
endif
CFLAGS += $(NET_PKG_CFLAGS)
LDLIBS += $(NET_PKG_LIBS)
INSTALL_PC_REQUIRES += libuv

CHECK_EXTRA += check-net
.PHONY: check-net
check-net: all
	@$(if $(SAN),LSAN_OPTIONS=suppressions=$(abspath mk/lsan.supp):print_suppressions=0) \
	NET_MINE_S=$(if $(SAN),16,30) timeout 230 tests/net/run.sh $(abspath $(BIN))
