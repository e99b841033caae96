# mk/examples.mk - the example external agent (examples/agents/, economy.md s7):
# examples/agents/random_agent.c -> $(BIN)/econ-agent-example, part of `all` (so it is
# installed with a man page and keeps the command-line contract of every program).
# It links libcommon.a only (the CLI contract); random_agent.py needs no build.
EXAMPLE_PROGS := $(BIN)/econ-agent-example
PROGS += $(EXAMPLE_PROGS)
all: $(EXAMPLE_PROGS)

$(BIN)/econ-agent-example: $(BUILD)/obj/examples/agents/random_agent.o $(BUILD)/libcommon.a
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $< $(BUILD)/libcommon.a $(LDLIBS)
