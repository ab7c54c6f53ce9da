# synfin — build, test, demo, bench, fuzz.  `make help` lists the targets.
CC      ?= gcc
CSTD    := -std=c11 -D_GNU_SOURCE
WARN    := -Wall -Wextra -Werror
OPT     ?= -O2 -g
CFLAGS  += $(CSTD) $(WARN) $(OPT) -pthread
LDLIBS  += -lpcap -lssl -lcrypto -lm -pthread

BUILD   ?= build
SRC     := $(shell find src -name '*.c' | sort)
OBJ     := $(SRC:%.c=$(BUILD)/%.o)
LIBOBJ  := $(filter-out $(BUILD)/src/main.o,$(OBJ))
UNIT_SRC := $(sort $(wildcard tests/unit/*.c))
UNIT_OBJ := $(UNIT_SRC:%.c=$(BUILD)/%.o)

.PHONY: all deps demo check test asan-check clang-build bench fuzz clean help

all: synfin

synfin: $(BUILD)/synfin
	@cp $< $@.$$$$ && mv -f $@.$$$$ $@

$(BUILD)/synfin: $(OBJ)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -MMD -MP -c -o $@ $<

$(BUILD)/unit: $(UNIT_OBJ) $(LIBOBJ)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(LDLIBS)

-include $(OBJ:.o=.d) $(UNIT_OBJ:.o=.d)

deps:
	@sh mk/deps.sh build

demo:
	@sh mk/deps.sh build
	@$(MAKE) -s synfin
	./synfin examples/seed003-curl-hello.pcap
	@echo
	./synfin conns examples/seed003-curl-hello.pcap
	@echo
	./synfin explain examples/seed003-curl-hello.pcap

# Build, then run every test; then again under ASan+UBSan.
check:
	@sh mk/deps.sh test
	@$(MAKE) -s synfin $(BUILD)/unit
	@BUILD=$(BUILD) SYNFIN=$(BUILD)/synfin sh tests/run.sh normal
	@$(MAKE) -s clang-build
	@$(MAKE) -s asan-check
	@$(MAKE) -s -C tests/fuzz regress

# The same sources must build warning-free with clang too.
clang-build:
	@$(MAKE) -s BUILD=build/clang CC=clang build/clang/synfin build/clang/unit
	@echo "clang build ok"

# (the tests run $(BUILD)/synfin: ./synfin is whichever build was made last)
test: synfin $(BUILD)/unit
	@BUILD=$(BUILD) SYNFIN=$(BUILD)/synfin sh tests/run.sh normal

ASAN_FLAGS := -O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all
asan-check:
	@$(MAKE) -s BUILD=build/asan OPT="$(ASAN_FLAGS)" LDFLAGS="-fsanitize=address,undefined" build/asan/synfin build/asan/unit
	@BUILD=build/asan SYNFIN=build/asan/synfin sh tests/run.sh asan

bench:
	@sh mk/deps.sh bench
	@$(MAKE) -s -C bench

fuzz:
	@sh mk/deps.sh fuzz
	@$(MAKE) -s -C tests/fuzz run FUZZ_SECONDS=$(or $(FUZZ_SECONDS),60)

clean:
	rm -rf build synfin

help:
	@echo "make          build ./synfin"
	@echo "make demo     install what is missing (as root), build, run on examples/seed003-curl-hello.pcap"
	@echo "make check    install what is missing (as root), build, run all tests, then again under ASan+UBSan"
	@echo "make bench    build optimised and run the benchmark (bench/)"
	@echo "make fuzz     run the libFuzzer targets (FUZZ_SECONDS=60 each)"
