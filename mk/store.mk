# mk/store.mk - the chain store links Debian's libsqlite3 (mk/deps.d/store.txt).
STORE_PKG_CFLAGS := $(shell pkg-config --cflags sqlite3)
STORE_PKG_LIBS   := $(shell pkg-config --libs sqlite3)
ifeq ($(STORE_PKG_LIBS),)
  $(error pkg-config found no sqlite3: run `make deps` (or mk/deps.sh) first)
endif
CFLAGS += $(STORE_PKG_CFLAGS)
LDLIBS += $(STORE_PKG_LIBS)
INSTALL_PC_REQUIRES += sqlite3
