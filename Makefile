# spfkit — build, test and demo.  `make test` on a fresh Debian 12 machine
# installs what is missing, builds the C core for Lua 5.4 and LuaJIT, runs
# every spec on both, then the ASan/UBSan and valgrind runs.

# Debian packages the project needs (luajit2, never luajit: see README).
DEPS = gcc make pkg-config lua5.4 liblua5.4-dev luajit2 libluajit2-5.1-dev \
       lua-busted lua-yaml lua-cjson lua-check luarocks \
       libldns-dev ldnsutils libspf2-dev nsd valgrind publicsuffix \
       python3-spf libsisimai-perl libmail-spf-perl lua5.1 \
       libssl-dev openssl python3-dkim python3-nacl libmail-dkim-perl opendkim-tools \
       nginx libnginx-mod-http-lua lua-resty-core lua-resty-lrucache curl \
       chromium fonts-noto-cjk

CC      ?= gcc
OPT     ?= -O2 -g
WARN     = -std=c99 -Wall -Wextra -Werror -Wshadow -Wpointer-arith \
           -Wstrict-prototypes -Wmissing-prototypes -Wformat=2 -Wvla
DEFS     = -D_DEFAULT_SOURCE -fPIC -fvisibility=hidden
LIBS     = -lldns -lspf2 -lcrypto
INC54    = -I/usr/include/lua5.4
INCJIT   = -I/usr/include/luajit-2.1
SAN      = -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined

SRCS    := $(wildcard csrc/*.c)
HDRS    := $(wildcard csrc/*.h)
CORE54   = build/lua5.4/spfkit/core.so
COREJIT  = build/luajit/spfkit/core.so
COREASAN = build/asan/spfkit/core.so

BUSTED_54  = lua5.4 /usr/bin/busted
BUSTED_JIT = luajit /usr/bin/busted
RESULTS    = build/results

.PHONY: all deps test test-54 test-jit test-asan test-valgrind demo bench lint clean install

all: $(CORE54) $(COREJIT)

$(CORE54): $(SRCS) $(HDRS)
	@mkdir -p $(@D)
	$(CC) $(OPT) $(WARN) $(DEFS) $(INC54) -shared -o $@ $(SRCS) $(LIBS)

$(COREJIT): $(SRCS) $(HDRS)
	@mkdir -p $(@D)
	$(CC) $(OPT) $(WARN) $(DEFS) $(INCJIT) -shared -o $@ $(SRCS) $(LIBS)

$(COREASAN): $(SRCS) $(HDRS)
	@mkdir -p $(@D)
	$(CC) -O1 -g $(WARN) $(DEFS) $(SAN) $(INC54) -shared -o $@ $(SRCS) $(LIBS)

# Idempotent and quiet: installs only what is missing; refreshes the
# package lists first when apt does not know a package.
deps:
	@sh tools/deps.sh $(DEPS)

test: deps all
	@rm -rf $(RESULTS); mkdir -p $(RESULTS)
	@status=0; \
	$(MAKE) --no-print-directory test-54 || status=1; \
	$(MAKE) --no-print-directory test-jit || status=1; \
	$(MAKE) --no-print-directory test-asan || status=1; \
	$(MAKE) --no-print-directory test-valgrind || status=1; \
	sh tools/summary.sh $(RESULTS); exit $$status

# Each run writes its busted summary to $(RESULTS)/<name>.txt.
test-54: $(CORE54)
	@mkdir -p $(RESULTS)
	@echo "== busted, Lua 5.4"
	@sh tools/run-busted.sh $(RESULTS)/lua5.4.txt $(BUSTED_54) --cpath='build/lua5.4/?.so'

test-jit: $(COREJIT)
	@mkdir -p $(RESULTS)
	@echo "== busted, LuaJIT"
	@sh tools/run-busted.sh $(RESULTS)/luajit.txt $(BUSTED_JIT) --cpath='build/luajit/?.so'

# ASan + UBSan over the whole suite (lua5.4 is not instrumented, so libasan
# is preloaded; leaks are valgrind's job below).
test-asan: $(COREASAN)
	@mkdir -p $(RESULTS)
	@echo "== busted, Lua 5.4, ASan+UBSan"
	@LD_PRELOAD="$$($(CC) -print-file-name=libasan.so)" \
	 ASAN_OPTIONS=detect_leaks=0:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	 SPFKIT_GC=aggressive sh tools/run-busted.sh $(RESULTS)/asan.txt $(BUSTED_54) --cpath='build/asan/?.so'

test-valgrind: $(CORE54)
	@mkdir -p $(RESULTS)
	@echo "== busted, Lua 5.4, valgrind"
	@SPFKIT_GC=aggressive sh tools/run-busted.sh $(RESULTS)/valgrind.txt \
	  valgrind -q --error-exitcode=1 --leak-check=full --errors-for-leak-kinds=definite \
	  --show-leak-kinds=definite --suppressions=tools/valgrind.supp \
	  $(BUSTED_54) --cpath='build/lua5.4/?.so' --exclude-tags=slow

demo: deps all
	@sh tools/demo.sh

bench: deps all
	@for b in bench/check bench/bounce bench/dns bench/dkim bench/openresty bench/audit; do echo "== $$b"; ./$$b || exit 1; done

lint:
	luacheck lua spec examples bench/bounce bench/dkim bench/openresty bench/audit bin/spfkit

install: all
	luarocks --lua-version=5.4 make --deps-mode=none spfkit-scm-1.rockspec

clean:
	rm -rf build
