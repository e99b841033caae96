# mk/install.mk - `make install` / `make uninstall`, as a Debian library installs:
#   $(BINDIR)      the programs                     (default $(PREFIX)/bin)
#   $(LIBDIR)      the static libraries lib*.a      (default $(PREFIX)/lib)
#   $(INCLUDEDIR)/bsepouw/MODULE/*.h  every library module's headers (and MODULE/SUB/*.h), so that
#                  -I$(INCLUDEDIR)/bsepouw takes #include "bse/session.h" as in the tree
#   $(PKGCONFIGDIR)/bsepouw.pc  (made from mk/bsepouw.pc.in; says PREFIX, never DESTDIR)
#   $(MANDIR)/man1/PROG.1       one page per program, help2man on its --help/--version
# PREFIX defaults to /usr/local; DESTDIR stages the whole tree (packaging, tests).
# Modules are found generically: every folder of MODULES with library sources or headers.
# INSTALL_EXTRA (targets install depends on) and UNINSTALL_EXTRA let other fragments add
# their own files (a shared library, a Python package); INSTALL_PC_REQUIRES (pkg-config
# names) and INSTALL_PC_LIBS (-l flags) what a module's library needs beyond PKGS and
# -lcsv -lm -pthread (MPI for experiments/, say).
# `make check` runs check-install (tests/install/run.sh) in builds without SAN.

PREFIX       ?= /usr/local
DESTDIR      ?=
BINDIR       ?= $(PREFIX)/bin
LIBDIR       ?= $(PREFIX)/lib
INCLUDEDIR   ?= $(PREFIX)/include
MANDIR       ?= $(PREFIX)/share/man
PKGCONFIGDIR ?= $(LIBDIR)/pkgconfig
# The version the .pc file and man pages carry while a program has no --version.
BSEPOUW_VERSION ?= 0.1.0

INSTALL_MODULES := $(foreach m,$(MODULES),$(if $(call lib_srcs,$(m))$(wildcard $(m)/*.h),$(m)))
INSTALL_HEADERS := $(foreach m,$(INSTALL_MODULES),$(wildcard $(m)/*.h $(m)/*/*.h))
# the folders holding them, sub-folders included ("chain/ chain/economy/ ...")
INSTALL_HEADER_DIRS := $(sort $(dir $(INSTALL_HEADERS)))
INSTALL_LIBS    := $(LIBS_IN_ORDER)
MANPAGES        := $(patsubst $(BIN)/%,$(BUILD)/man/%.1,$(PROGS))

# NAME lines of the man pages: each program's own summary (mk/man.sh), unless
# MAN_NAME_<program> is set.
man_name = $(MAN_NAME_$(1))

# A path in the .pc file: relative to ${prefix} when under PREFIX, so that
# --define-variable=prefix=... and PKG_CONFIG_SYSROOT_DIR move the whole tree.
pc_path = $(if $(filter $(PREFIX)/%,$(1)),$(patsubst $(PREFIX)/%,$${prefix}/%,$(1)),$(1))

.PHONY: install uninstall install-programs install-libs install-headers install-pc \
        install-man man pc check-install

man: $(MANPAGES)
pc: $(BUILD)/bsepouw.pc

$(BUILD)/man/%.1: $(BIN)/% mk/man.sh mk/install.mk
	@mkdir -p $(dir $@)
	mk/man.sh $< "$(call man_name,$*)" "$(BSEPOUW_VERSION)" $@

# The version: the first program's own --version (the first N.N[.N] of its first line)
# when it has one.
$(BUILD)/bsepouw.pc: mk/bsepouw.pc.in mk/install.mk $(PROGS) $(INSTALL_LIBS)
	@mkdir -p $(dir $@)
	@v=$$($(firstword $(PROGS)) --version 2>/dev/null | head -n1 | grep -oE '[0-9]+\.[0-9]+(\.[0-9]+)*' | head -n1); \
	[ -n "$$v" ] || v='$(BSEPOUW_VERSION)'; \
	sed -e 's|@PREFIX@|$(PREFIX)|' \
	    -e 's|@LIBDIR@|$(call pc_path,$(LIBDIR))|' \
	    -e 's|@INCLUDEDIR@|$(call pc_path,$(INCLUDEDIR))|' \
	    -e "s|@VERSION@|$$v|" \
	    -e 's|@REQUIRES@|$(strip $(PKGS) $(INSTALL_PC_REQUIRES))|' \
	    -e 's|@LIBS@|$(patsubst $(BUILD)/lib%.a,-l%,$(INSTALL_LIBS))|' \
	    -e 's|@DEPLIBS@|$(strip $(INSTALL_PC_LIBS) -lcsv -lm -pthread)|' $< >$@.tmp && mv $@.tmp $@

install: install-programs install-libs install-headers install-pc install-man $(INSTALL_EXTRA)

install-programs: $(PROGS)
	install -d $(DESTDIR)$(BINDIR)
	install -m 0755 $(PROGS) $(DESTDIR)$(BINDIR)/

install-libs: $(INSTALL_LIBS)
	install -d $(DESTDIR)$(LIBDIR)
	install -m 0644 $(INSTALL_LIBS) $(DESTDIR)$(LIBDIR)/

install-headers:
	$(foreach d,$(INSTALL_HEADER_DIRS),install -d $(DESTDIR)$(INCLUDEDIR)/bsepouw/$(d) && \
	  install -m 0644 $(wildcard $(d)*.h) $(DESTDIR)$(INCLUDEDIR)/bsepouw/$(d) &&) true

install-pc: $(BUILD)/bsepouw.pc
	install -d $(DESTDIR)$(PKGCONFIGDIR)
	install -m 0644 $< $(DESTDIR)$(PKGCONFIGDIR)/bsepouw.pc

install-man: $(MANPAGES)
	install -d $(DESTDIR)$(MANDIR)/man1
	install -m 0644 $(MANPAGES) $(DESTDIR)$(MANDIR)/man1/

# Removes what install puts there (the bsepouw include folder is this toolkit's alone).
# The standard folders (bin, lib, share/man/man1...) stay, even when left empty.
uninstall: $(UNINSTALL_EXTRA)
	rm -f $(addprefix $(DESTDIR)$(BINDIR)/,$(notdir $(PROGS)))
	rm -f $(addprefix $(DESTDIR)$(LIBDIR)/,$(notdir $(INSTALL_LIBS)))
	rm -f $(DESTDIR)$(PKGCONFIGDIR)/bsepouw.pc
	rm -f $(addprefix $(DESTDIR)$(MANDIR)/man1/,$(notdir $(MANPAGES)))
	rm -rf $(DESTDIR)$(INCLUDEDIR)/bsepouw

# The install test: a staged install, a program of a researcher's own built with the
# installed pkg-config file, the man pages, every header alone. Not in sanitizer builds
# (it installs the plain libraries; the ASan pass would only repeat it).
check-install: all
	@MAKE='$(MAKE)' BUILD='$(BUILD)' BIN='$(BIN)' CC='$(CC)' tests/install/run.sh

ifeq ($(SAN),)
  CHECK_EXTRA += check-install
endif
