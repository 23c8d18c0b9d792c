# xpu-perf — one entry point: build, test, demo, install.
#
#   make            build build/xpu-perf (BPF skeletons embedded)
#   make deps       install missing Debian packages (run by test and demo)
#   make test       deps + build + all tests (privileged ones need root)
#   make demo       deps + build + profile examples/cpu_split + flame graph
#   make static     build/xpu-perf-static: no shared library needed
#   make install PREFIX=/usr/local   binary, man pages, bash/zsh completion
#   make clean
#   V=1             show full commands

OUT      := build
# `make` alone builds `all` (rules above `all:` would otherwise be the default).
.DEFAULT_GOAL := all
ARCH     ?= $(shell uname -m | sed -e 's/x86_64/x86/' -e 's/aarch64/arm64/')
CXX      ?= g++
CC       ?= gcc
CLANG    ?= clang
BPFTOOL  ?= bpftool
PREFIX   ?= /usr/local
# BTF used to generate vmlinux.h at build time (see README "Build notes").
VMLINUX_BTF ?= /sys/kernel/btf/vmlinux

ifeq ($(V),1)
Q :=
msg =
else
Q := @
msg = @printf '  %-8s %s\n' "$(1)" "$(2)";
endif

# Debian packages the build and the tests need. `make deps` installs the
# missing ones; nothing else is downloaded.
DEB_PKGS := make g++ clang bpftool libbpf-dev libelf-dev libdw-dev zlib1g-dev \
            libfmt-dev libcli11-dev catch2 pkg-config binutils groff-base python3 tmux \
            libbz2-dev
# The ML example (examples/python/train_mlp.py) and its test: Debian's
# CPU build of torch, for Debian's python3.11.
DEB_PKGS += python3-torch

CXXFLAGS ?= -O2 -g
# Warnings are errors; make sanitize turns that off (WERROR=) and sets
# SAN_FLAGS for the library, the binary and the tests only (tests/sanitize.mk).
WERROR ?= -Werror
SAN_FLAGS ?=
CXXFLAGS += -std=c++23 -Wall -Wextra $(WERROR) $(SAN_FLAGS) -MMD -MP -I. -Ilib -I$(OUT)/bpf
CFLAGS_FIXTURE := -g -O1 -fno-omit-frame-pointer
BPF_CFLAGS := -g -O2 -Wall -Werror -target bpf -mcpu=v3 -D__TARGET_ARCH_$(ARCH) \
              -I$(OUT)/vmlinux -Ibpf

# libbpf is linked statically (one binary that does not depend on the host's
# libbpf version); libelf, libdw, libz and libfmt stay dynamic as in bcc.
LDLIBS := -l:libbpf.a -ldw -lelf -lz -lfmt -lpthread

# Clang's BPF target needs the host's system include dirs for <linux/*.h>.
CLANG_BPF_SYS_INCLUDES ?= $(shell $(CLANG) -v -E - </dev/null 2>&1 \
	| sed -n '/<...> search starts here:/,/End of search list./{ s| \(/.*\)|-idirafter \1|p }')

BPF_SRCS  := $(wildcard bpf/*.bpf.c)
BPF_OBJS  := $(patsubst bpf/%.bpf.c,$(OUT)/bpf/%.bpf.o,$(BPF_SRCS))
# All programs link into one object (bpftool gen object) so that they share
# the maps declared __weak in bpf/common.bpf.h: one skeleton, xpu_bpf.
SKELS     := $(OUT)/bpf/xpu.skel.h
# lib/ is one folder a subsystem (see docs/DESIGN.md); lib/static/ holds the
# stand-ins of the static build and is compiled only there.
LIB_SRCS  := $(wildcard lib/*.cpp lib/*/*.cpp)
LIB_SRCS  := $(filter-out lib/static/%,$(LIB_SRCS))
LIB_OBJS  := $(patsubst %.cpp,$(OUT)/%.o,$(LIB_SRCS))
CMD_SRCS  := $(wildcard cmd/*.cpp)
CMD_OBJS  := $(patsubst %.cpp,$(OUT)/%.o,$(CMD_SRCS))
TEST_SRCS := $(wildcard tests/*.cpp)
TEST_OBJS := $(patsubst %.cpp,$(OUT)/%.o,$(TEST_SRCS))

EXAMPLES  := $(patsubst examples/%.c,$(OUT)/examples/%,$(wildcard examples/*.c))
# The ground-truth workloads again without frame pointers anywhere in the
# binary: what unwinding from .eh_frame must get right.
EXAMPLES_NOFP := $(OUT)/examples/cpu_split_nofp $(OUT)/examples/wall_split_nofp
# Test fixtures: each is built with flags that the symbolizer tests depend on;
# see tests/fixtures/README.md.
FIXTURES  := $(OUT)/fixtures/symbols_pie $(OUT)/fixtures/symbols_nopie \
             $(OUT)/fixtures/symbols_stripped $(OUT)/fixtures/libfixture.so \
             $(OUT)/fixtures/blocking_sites $(OUT)/fixtures/jit_split \
             $(OUT)/fixtures/deep_stack $(OUT)/fixtures/pid_reuse \
             $(OUT)/fixtures/sleepers

# --- report: pprof export ---------------------------------------------------
# lib/output/profile.proto -> build/proto/profile.pb.{cc,h} with Debian's protoc;
# the generated code is compiled without -Werror (it is not ours) and its
# header is a system include. python3-jsonschema checks speedscope exports.
DEB_PKGS += libprotobuf-dev protobuf-compiler python3-jsonschema
PROTO_OBJ := $(OUT)/proto/profile.pb.o
LIB_OBJS  += $(PROTO_OBJ)
CXXFLAGS  += -isystem $(OUT)/proto
LDLIBS    += -lprotobuf
$(OUT)/proto/profile.pb.cc: lib/output/profile.proto
	$(call msg,PROTOC,$@)
	$(Q)mkdir -p $(OUT)/proto && protoc --proto_path=lib/output --cpp_out=$(OUT)/proto $<
$(OUT)/proto/profile.pb.h: $(OUT)/proto/profile.pb.cc
$(PROTO_OBJ): $(OUT)/proto/profile.pb.cc $(OUT)/proto/profile.pb.h
	$(call msg,CXX,$@)
	$(Q)$(CXX) -std=c++23 -O2 -g -isystem $(OUT)/proto -c $< -o $@
# Google's pprof, the consumer the export is tested against
# (tests/shell/pprof_google.sh, pprof_record.sh), built offline from Debian's copy of its
# sources into build/tools/pprof in seconds (GOPATH mode, Go's cache in
# build/). Without them the tests say SKIP.
DEB_PKGS += golang-go golang-github-google-pprof-dev
PPROF_SRC := /usr/share/gocode/src/github.com/google/pprof
$(OUT)/tools/pprof: $(wildcard $(PPROF_SRC)/pprof.go)
	$(call msg,GO,$@)
	$(Q)mkdir -p $(OUT)/tools && GO111MODULE=off GOPATH=/usr/share/gocode \
		GOCACHE=$(abspath $(OUT))/tools/go-cache GOFLAGS= go build -o $@ github.com/google/pprof
.PHONY: tools
tools: $(if $(and $(wildcard $(PPROF_SRC)/pprof.go),$(shell command -v go)),$(OUT)/tools/pprof)
$(OUT)/lib/output/export_pprof.o $(OUT)/lib/output/pprof_writer.o: $(OUT)/proto/profile.pb.h
$(OUT)/tests/test_net_frames.o $(OUT)/tests/test_pprof_record.o: $(OUT)/proto/profile.pb.h
# ----------------------------------------------------------------------------

# --- live --http: HTTP server and the embedded web page ---------------------
# cpp-httplib from Debian (a shared library only: `make static` links
# lib/static/http_stub.o instead, and live --http says it is not there).
# The page: web/build.sh runs `npm ci` (d3, d3-flame-graph), bundles and
# embeds it as build/web/web_assets.cpp; without npm, a fallback page.
# npm: Debian's package, unless an npm is already installed (NodeSource's
# nodejs provides one and conflicts with Debian's). curl and chromium: the
# HTTP and browser tests.
DEB_PKGS += libcpp-httplib-dev curl chromium $(if $(shell command -v npm),,npm)
HTTPLIB_CFLAGS := $(shell pkg-config --cflags cpp-httplib 2>/dev/null)
LDLIBS    += -lcpp-httplib
WEB_OBJ   := $(OUT)/web/web_assets.o
LIB_OBJS  += $(WEB_OBJ)
STATIC_HTTP_OBJ := $(OUT)/static/http_stub.o
# cpp-httplib's classes change layout with its feature macros: every user
# of httplib.h compiles with the flags the library was built with.
$(OUT)/lib/live/http_server.o $(OUT)/lib/live/http_routes.o $(STATIC_HTTP_OBJ): \
	CXXFLAGS += $(HTTPLIB_CFLAGS)
$(filter $(OUT)/tests/test_http%,$(TEST_OBJS)): CXXFLAGS += $(HTTPLIB_CFLAGS)
$(OUT)/web/web_assets.cpp: $(wildcard web/*)
	$(call msg,WEB,$@)
	$(Q)sh web/build.sh $(OUT)/web
$(WEB_OBJ): $(OUT)/web/web_assets.cpp
	$(call msg,CXX,$@)
	$(Q)$(CXX) $(CXXFLAGS) -c $< -o $@
$(STATIC_HTTP_OBJ): lib/static/http_stub.cpp | $(SKELS)
	$(Q)mkdir -p $(dir $@)
	$(call msg,CXX,$@)
	$(Q)$(CXX) $(CXXFLAGS) -c $< -o $@
# ----------------------------------------------------------------------------

# --- GPU: the CUPTI injector (cupti-injector/) ------------------------------
# libxpu_cupti.so runs inside the profiled CUDA app (CUDA_INJECTION64_PATH).
# It is built only where CUDA's CUPTI headers are ($(CUDA_HOME)/include/
# cupti.h); it uses them at compile time only and dlopens libcupti at run
# time, so it links nothing of CUDA. Without them the build goes on: the
# binary embeds no injector and the injector tests say SKIP.
#   build/libxpu_cupti.so                 the injector (embedded in xpu-perf)
#   build/fixtures/libxpu_launch_hook.so  the hook alone, always built: the
#                                         eBPF tests call it without CUDA
#   build/examples/cuda/*                 nvcc test apps (make cuda-examples)
# The injector's own flags: C++20, PIC, hidden by default with a version
# script exporting two symbols, libstdc++ linked in (the app may bring an
# older one), and calls kept as calls (see cupti-injector/launch_hook.cpp).
# The embedded copy is stripped of DWARF (symbols stay).
CUDA_HOME  ?= /usr/local/cuda
NVCC       ?= $(CUDA_HOME)/bin/nvcc
HAVE_CUPTI := $(if $(wildcard $(CUDA_HOME)/include/cupti.h),1)
HAVE_NVCC  := $(if $(HAVE_CUPTI),$(if $(wildcard $(NVCC)),1))
INJECTOR     := $(OUT)/libxpu_cupti.so
HOOK_FIXTURE := $(OUT)/fixtures/libxpu_launch_hook.so
INJ_MAP      := cupti-injector/exports.map
INJ_CXXFLAGS := -std=c++20 -O2 -g -fPIC -fvisibility=hidden -fvisibility-inlines-hidden \
                -fno-omit-frame-pointer -fno-optimize-sibling-calls \
                -ffunction-sections -fdata-sections \
                -Wall -Wextra -Werror -I. -Ilib
INJ_LDFLAGS  := -shared -Wl,--version-script=$(INJ_MAP) -Wl,-Bsymbolic-functions \
                -Wl,--no-undefined -Wl,-z,now -Wl,--gc-sections -static-libstdc++ -static-libgcc
# Sources that include CUPTI headers; the rest (queue, pipe writer, line
# format) build everywhere and link into the tests too.
INJ_CUPTI_SRCS := $(addprefix cupti-injector/,injector.cpp cupti_api.cpp serializer.cpp \
                    activity_buffer.cpp)
INJ_CORE_SRCS  := $(filter-out cupti-injector/launch_hook.cpp $(INJ_CUPTI_SRCS), \
                    $(wildcard cupti-injector/*.cpp))
INJ_CORE_OBJS  := $(patsubst %.cpp,$(OUT)/%.o,$(INJ_CORE_SRCS))
INJ_CUPTI_OBJS := $(patsubst %.cpp,$(OUT)/%.o,$(INJ_CUPTI_SRCS))
INJ_HOOK_OBJ   := $(OUT)/cupti-injector/launch_hook.o
FIXTURES  += $(HOOK_FIXTURE) $(OUT)/fixtures/inject_host $(OUT)/fixtures/fake_cuda_app \
             $(OUT)/fixtures/cuda_rt_app
TEST_OBJS += $(INJ_CORE_OBJS)
ifeq ($(HAVE_CUPTI),1)
INJ_CXXFLAGS += -isystem $(CUDA_HOME)/include -DXPU_HAVE_CUPTI
# The tests of the CUPTI-dependent parts compile against the same headers.
$(OUT)/tests/test_injector_%.o: CXXFLAGS += -isystem $(CUDA_HOME)/include -DXPU_HAVE_CUPTI
TEST_OBJS += $(filter-out $(OUT)/cupti-injector/injector.o,$(INJ_CUPTI_OBJS))
$(OUT)/lib/gpu/injector_blob.o: $(INJECTOR)
$(OUT)/lib/gpu/injector_blob.o: CXXFLAGS += -DXPU_INJECTOR_SO='"$(INJECTOR)"'
# A fake libcupti and an app that drives it: the injector end to end
# without a GPU (tests/test_injector_load.cpp). This one is a CUDA 12
# CUPTI (no cuptiSubscribe_v2); the one below is CUDA 13's.
FIXTURES += $(OUT)/fixtures/libmock_cupti.so $(OUT)/fixtures/mock_app
# The same mock as the libcupti.so a profiled app maps (its frames are then
# CUDA's, cut from launch stacks), and an app that plays every launch path
# against it under record (tests/test_gpu_launch_paths.cpp).
FIXTURES += $(OUT)/fixtures/mock_cupti/libcupti.so $(OUT)/fixtures/launch_paths_app
# A ctypes-loadable library that launches against the same mock, for a
# Python program's launches (tests/shell/python_gpu_launch.sh).
FIXTURES += $(OUT)/fixtures/libpy_launch.so
endif
$(OUT)/fixtures/mock_cupti/libcupti.so: tests/fixtures/gpu/mock_cupti.cpp
	$(Q)mkdir -p $(dir $@)
	$(call msg,CXX,$@)
	$(Q)$(CXX) -std=c++20 -O1 -g -fno-omit-frame-pointer -fPIC -shared -Wall -Werror \
		-isystem $(CUDA_HOME)/include $< -o $@
$(OUT)/fixtures/launch_paths_app: tests/fixtures/gpu/launch_paths_app.c tests/fixtures/gpu/load_mock_cupti.h | $(OUT)/fixtures
	$(call msg,CC,$@)
	$(Q)$(CC) $(CFLAGS_FIXTURE) -Wall -Werror -isystem $(CUDA_HOME)/include $< -o $@ -ldl
$(OUT)/fixtures/libpy_launch.so: tests/fixtures/gpu/py_launch.c tests/fixtures/gpu/load_mock_cupti.h | $(OUT)/fixtures
	$(call msg,CC,$@)
	$(Q)$(CC) $(CFLAGS_FIXTURE) -fPIC -shared -Wall -Werror -isystem $(CUDA_HOME)/include $< -o $@ -ldl
$(OUT)/fixtures/libmock_cupti.so: tests/fixtures/gpu/mock_cupti.cpp | $(OUT)/fixtures
	$(call msg,CXX,$@)
	$(Q)$(CXX) -std=c++20 -O1 -g -fPIC -shared -Wall -Werror -DXPU_MOCK_CUPTI_LEGACY \
		-isystem $(CUDA_HOME)/include $< -o $@
$(OUT)/fixtures/mock_app: tests/fixtures/gpu/mock_app.c | $(OUT)/fixtures
	$(call msg,CC,$@)
	$(Q)$(CC) $(CFLAGS_FIXTURE) -Wall -Werror $< -o $@ -ldl
# Rebuild the blob (and the tests' objects) when CUPTI appears or goes.
$(OUT)/cupti.stamp: FORCE | $(OUT)
	$(Q)echo '$(HAVE_CUPTI) $(CUDA_HOME)' | cmp -s - $@ || echo '$(HAVE_CUPTI) $(CUDA_HOME)' > $@
$(OUT)/lib/gpu/injector_blob.o $(patsubst %.cpp,$(OUT)/%.o,$(wildcard tests/test_injector_*.cpp)): \
	$(OUT)/cupti.stamp

$(OUT)/cupti-injector/%.o: cupti-injector/%.cpp $(OUT)/cupti.stamp
	$(Q)mkdir -p $(dir $@)
	$(call msg,CXX,$@)
	$(Q)$(CXX) $(INJ_CXXFLAGS) -MMD -MP -c $< -o $@

$(INJECTOR): $(INJ_CUPTI_OBJS) $(INJ_CORE_OBJS) $(INJ_HOOK_OBJ) $(INJ_MAP)
	$(call msg,LINK,$@)
	$(Q)$(CXX) $(INJ_LDFLAGS) $(filter %.o,$^) -ldl -lpthread -o $@
	$(Q)objcopy --strip-debug $@

$(HOOK_FIXTURE): $(INJ_HOOK_OBJ) $(INJ_MAP) | $(OUT)/fixtures
	$(call msg,LINK,$@)
	$(Q)$(CXX) $(INJ_LDFLAGS) $(INJ_HOOK_OBJ) -o $@

# Calls the real hook and writes a fixture stream: the GPU path end to end
# through real eBPF, without CUDA (tests/test_gpu_record.cpp).
$(OUT)/fixtures/fake_cuda_app: tests/fixtures/gpu/fake_cuda_app.c $(HOOK_FIXTURE) | $(OUT)/fixtures
	$(call msg,CC,$@)
	$(Q)$(CC) $(CFLAGS_FIXTURE) $< -o $@ -L$(OUT)/fixtures -l:libxpu_launch_hook.so \
		-Wl,-rpath,'$$ORIGIN'

# A running program with a libcudart.so.13 of its own (entry points that do
# nothing): what `record --gpu-only -p` probes without an injector.
$(OUT)/fixtures/fake_cudart/libcudart.so.13: tests/fixtures/gpu/fake_cudart.c
	$(Q)mkdir -p $(dir $@)
	$(call msg,CC,$@)
	$(Q)$(CC) $(CFLAGS_FIXTURE) -fPIC -shared -Wl,-soname,libcudart.so.13 $< -o $@
$(OUT)/fixtures/cuda_rt_app: tests/fixtures/gpu/cuda_rt_app.c \
		$(OUT)/fixtures/fake_cudart/libcudart.so.13 | $(OUT)/fixtures
	$(call msg,CC,$@)
	$(Q)$(CC) $(CFLAGS_FIXTURE) $< -o $@ $(OUT)/fixtures/fake_cudart/libcudart.so.13 \
		-Wl,-rpath,'$$ORIGIN/fake_cudart' -ldl

# Calls InitializeInjection as cuInit would (the degradation test).
$(OUT)/fixtures/inject_host: tests/fixtures/gpu/inject_host.c | $(OUT)/fixtures
	$(call msg,CC,$@)
	$(Q)$(CC) $(CFLAGS_FIXTURE) $< -o $@ -ldl

# CUDA test apps (examples/cuda/): host builds need no GPU. -cudart shared
# so that libcudart's launch entry points are exported symbols; frame
# pointers and real calls so that stacks show the launcher functions.
CUDA_EXAMPLES := $(patsubst examples/cuda/%.cu,$(OUT)/examples/cuda/%,$(wildcard examples/cuda/*.cu))
NVCC_FLAGS    ?= -O2 -g -lineinfo -cudart shared \
                 -Xcompiler -fno-omit-frame-pointer,-fno-optimize-sibling-calls
$(OUT)/examples/cuda/driver_launch: NVCC_LIBS := -L$(CUDA_HOME)/lib64/stubs -L$(CUDA_HOME)/lib/stubs -lcuda
$(OUT)/examples/cuda/%: examples/cuda/%.cu examples/cuda/cuda_check.h
	$(Q)mkdir -p $(dir $@)
	$(call msg,NVCC,$@)
	$(Q)$(NVCC) $(NVCC_FLAGS) $< -o $@ $(NVCC_LIBS)
# The other two ways apps are built: cudart linked in (nvcc's default; its
# entry points are then local symbols), and per-thread default streams
# (the _ptsz/_ptds API variants).
CUDA_EXAMPLES += $(OUT)/examples/cuda/vector_add_static $(OUT)/examples/cuda/many_kernels_ptds
$(OUT)/examples/cuda/vector_add_static: examples/cuda/vector_add.cu examples/cuda/cuda_check.h
	$(Q)mkdir -p $(dir $@)
	$(call msg,NVCC,$@)
	$(Q)$(NVCC) $(filter-out -cudart shared,$(NVCC_FLAGS)) -cudart static $< -o $@
$(OUT)/examples/cuda/many_kernels_ptds: examples/cuda/many_kernels.cu examples/cuda/cuda_check.h
	$(Q)mkdir -p $(dir $@)
	$(call msg,NVCC,$@)
	$(Q)$(NVCC) $(NVCC_FLAGS) --default-stream per-thread $< -o $@

.PHONY: cupti cuda-examples
ifeq ($(HAVE_NVCC),1)
cuda-examples: $(CUDA_EXAMPLES)
all: cuda-examples
examples: cuda-examples
else
cuda-examples:
	@echo "cuda-examples: no $(NVCC); set CUDA_HOME=/path/to/cuda to build them"
endif
ifeq ($(HAVE_CUPTI),1)
cupti: $(INJECTOR)
else
cupti:
	@echo "cupti: no $(CUDA_HOME)/include/cupti.h; set CUDA_HOME=/path/to/cuda to build the injector"
endif
# --- tune: built-in rules ---------------------------------------------------
# lib/tune/tune_builtin.rules is compiled into the binary as one string
# (tune_builtin.hpp): the generated .cpp wraps the file in a raw literal.
# libjemalloc2: the allocator tune's allocator advice is verified with
# (tests/shell/tune_e2e.sh runs the workload with it preloaded).
DEB_PKGS += libjemalloc2
TUNE_RULES_OBJ := $(OUT)/gen/tune_builtin_rules.o
LIB_OBJS += $(TUNE_RULES_OBJ)
$(OUT)/gen/tune_builtin_rules.cpp: lib/tune/tune_builtin.rules
	$(Q)mkdir -p $(dir $@)
	$(call msg,GEN,$@)
	$(Q)if grep -q ')XPU_RULES' $<; then echo "$<: contains the delimiter )XPU_RULES" >&2; exit 1; fi
	$(Q){ printf '#include "tune/tune_builtin.hpp"\nconst char *const xpu::tune::kBuiltinRules = R"XPU_RULES('; \
	  cat $<; printf ')XPU_RULES";\n'; } > $@
$(TUNE_RULES_OBJ): $(OUT)/gen/tune_builtin_rules.cpp lib/tune/tune_builtin.hpp
	$(call msg,CXX,$@)
	$(Q)$(CXX) $(CXXFLAGS) -c $< -o $@
# ----------------------------------------------------------------------------

BIN := $(OUT)/xpu-perf
TEST_BIN := $(OUT)/xpu-perf-tests

.PHONY: all deps test demo install clean bpf examples fixtures completion
all: $(BIN) examples completion $(HOOK_FIXTURE) $(if $(HAVE_CUPTI),$(INJECTOR))

$(OUT) $(OUT)/bpf $(OUT)/vmlinux $(OUT)/lib $(OUT)/cmd $(OUT)/tests $(OUT)/examples $(OUT)/fixtures:
	$(Q)mkdir -p $@

deps:
	$(Q)missing=$$(for p in $(DEB_PKGS); do dpkg -s $$p >/dev/null 2>&1 || echo $$p; done); \
	if [ -n "$$missing" ]; then \
		echo "installing missing packages:" $$missing; \
		sudo=; [ "$$(id -u)" = 0 ] || sudo=sudo; \
		$$sudo apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive $$sudo apt-get install -y -qq $$missing >/dev/null || exit 1; \
	fi

# --- BPF ------------------------------------------------------------------
$(OUT)/vmlinux/vmlinux.h: | $(OUT)/vmlinux
	$(call msg,VMLINUX,$@)
	$(Q)if [ ! -r "$(VMLINUX_BTF)" ]; then \
		echo "error: no kernel BTF at $(VMLINUX_BTF); set VMLINUX_BTF=/path/to/vmlinux (any BTF-enabled kernel works, CO-RE relocates)" >&2; exit 1; fi
	$(Q)$(BPFTOOL) btf dump file $(VMLINUX_BTF) format c > $@

$(OUT)/bpf/%.bpf.o: bpf/%.bpf.c $(wildcard bpf/*.h) $(OUT)/vmlinux/vmlinux.h | $(OUT)/bpf
	$(call msg,BPF,$@)
	$(Q)$(CLANG) $(BPF_CFLAGS) $(CLANG_BPF_SYS_INCLUDES) -c $< -o $@

$(OUT)/bpf/xpu.linked.o: $(BPF_OBJS)
	$(call msg,BPF-LINK,$@)
	$(Q)$(BPFTOOL) gen object $@ $^

$(OUT)/bpf/xpu.skel.h: $(OUT)/bpf/xpu.linked.o
	$(call msg,GEN-SKEL,$@)
	$(Q)$(BPFTOOL) gen skeleton $< name xpu_bpf > $@

bpf: $(SKELS)

# --- C++ ------------------------------------------------------------------
# The skeleton is generated before any object is compiled (order-only); after
# that, -MMD's dependency files say which objects include it, so a change to
# a BPF program rebuilds those few, not all.
$(OUT)/%.o: %.cpp | $(SKELS)
	$(Q)mkdir -p $(dir $@)
	$(call msg,CXX,$@)
	$(Q)$(CXX) $(CXXFLAGS) -c $< -o $@

$(OUT)/libxpuperf.a: $(LIB_OBJS)
	$(call msg,AR,$@)
	$(Q)rm -f $@ && ar rcs $@ $^

$(BIN): $(CMD_OBJS) $(OUT)/libxpuperf.a
	$(call msg,LINK,$@)
	$(Q)$(CXX) $(SAN_FLAGS) $(CMD_OBJS) $(OUT)/libxpuperf.a $(LDLIBS) -o $@

$(TEST_BIN): $(TEST_OBJS) $(OUT)/libxpuperf.a
	$(call msg,LINK,$@)
	$(Q)$(CXX) $(SAN_FLAGS) $(TEST_OBJS) $(OUT)/libxpuperf.a $(LDLIBS) -o $@

# --- build info (xpu-perf --version) ----------------------------------------
# The commit at build time; the stamp changes only when it does, so that a
# new commit rebuilds build_info.o and nothing else.
XPU_VERSION  := 0.1.0
GIT_DESCRIBE := $(shell git describe --always --dirty --tags 2>/dev/null || echo unknown)
BUILD_INFO_DEFS = -DXPU_VERSION='"$(XPU_VERSION)"' -DXPU_GIT_DESCRIBE='"$(GIT_DESCRIBE)"'
$(OUT)/git-describe.stamp: FORCE | $(OUT)
	$(Q)echo '$(GIT_DESCRIBE)' | cmp -s - $@ || echo '$(GIT_DESCRIBE)' > $@
$(OUT)/lib/base/build_info.o: $(OUT)/git-describe.stamp
$(OUT)/lib/base/build_info.o: CXXFLAGS += $(BUILD_INFO_DEFS)
.PHONY: FORCE
FORCE:

# --- static build (make static) ----------------------------------------------
# build/xpu-perf-static: the same objects linked with -static, nothing
# loaded at run time. Only build_info.o is compiled again (it says
# "static"), and fmt is compiled in (Debian ships no libfmt.a). libdw needs
# lzma and bz2 (zstd not in Debian 12's elfutils). A library added to the
# dynamic link (e.g. -lprotobuf) goes into STATIC_LIBS too: one edit.
STATIC_BIN  := $(OUT)/xpu-perf-static
STATIC_LIBS := -lprotobuf -l:libbpf.a -ldw -lelf -lz -llzma -lbz2 -lpthread
STATIC_OBJS := $(OUT)/static/build_info.o $(OUT)/static/fmt.o $(STATIC_HTTP_OBJ)
.PHONY: static
static: $(STATIC_BIN)
$(OUT)/static/build_info.o: lib/base/build_info.cpp $(OUT)/git-describe.stamp
	$(Q)mkdir -p $(dir $@)
	$(call msg,CXX,$@)
	$(Q)$(CXX) $(CXXFLAGS) $(BUILD_INFO_DEFS) -DXPU_STATIC -c $< -o $@
$(OUT)/static/fmt.o: lib/static/fmt.cpp
	$(Q)mkdir -p $(dir $@)
	$(call msg,CXX,$@)
	$(Q)$(CXX) $(CXXFLAGS) -c $< -o $@
# The static objects come first: the archive's build_info.o is then never
# used. glibc's warning about dlopen is expected (check does not dlopen in
# the static build) and filtered; debug info is stripped, symbols are kept.
$(STATIC_BIN): $(CMD_OBJS) $(STATIC_OBJS) $(OUT)/libxpuperf.a
	$(call msg,LINK,$@)
	$(Q)$(CXX) -static $(CMD_OBJS) $(STATIC_OBJS) $(OUT)/libxpuperf.a $(STATIC_LIBS) -o $@ \
		2>$@.log || { cat $@.log >&2; rm -f $@.log; exit 1; }
	$(Q)grep -v -e "statically linked applications requires at runtime" \
		-e "in function .*:$$" $@.log >&2; rm -f $@.log
	$(Q)strip --strip-debug $@
	$(Q)ldd $@ 2>&1 | grep -q 'not a dynamic executable' || { echo "$@ is not static" >&2; rm -f $@; exit 1; }

# --- shell completion ---------------------------------------------------------
# Generated by the binary from its own command-line definitions.
COMPLETIONS := $(OUT)/completion/xpu-perf.bash $(OUT)/completion/_xpu-perf
completion: $(COMPLETIONS)
$(OUT)/completion/xpu-perf.bash: $(BIN)
	$(Q)mkdir -p $(dir $@)
	$(call msg,GEN,$@)
	$(Q)$(BIN) completion bash > $@
$(OUT)/completion/_xpu-perf: $(BIN)
	$(Q)mkdir -p $(dir $@)
	$(call msg,GEN,$@)
	$(Q)$(BIN) completion zsh > $@

# --- examples and fixtures --------------------------------------------------
examples: $(EXAMPLES) $(EXAMPLES_NOFP)
$(OUT)/examples/%_nofp: examples/%.c | $(OUT)/examples
	$(call msg,CC,$@)
	$(Q)$(CC) -O1 -g -fomit-frame-pointer -fno-inline -pthread $< -o $@ -lm
$(OUT)/examples/%: examples/%.c | $(OUT)/examples
	$(call msg,CC,$@)
	$(Q)$(CC) -O1 -g -fno-omit-frame-pointer -fno-inline -pthread $< -o $@ -lm

fixtures: $(FIXTURES)
$(OUT)/fixtures/libfixture.so: tests/fixtures/libfixture.c | $(OUT)/fixtures
	$(call msg,CC,$@)
	$(Q)$(CC) $(CFLAGS_FIXTURE) -fPIC -shared $< -o $@
$(OUT)/fixtures/symbols_pie: tests/fixtures/symbols.cpp | $(OUT)/fixtures
	$(call msg,CXX,$@)
	$(Q)$(CXX) $(CFLAGS_FIXTURE) -O2 -fPIE -pie $< -o $@ -ldl
$(OUT)/fixtures/symbols_nopie: tests/fixtures/symbols.cpp | $(OUT)/fixtures
	$(call msg,CXX,$@)
	$(Q)$(CXX) $(CFLAGS_FIXTURE) -O2 -fno-pie -no-pie $< -o $@ -ldl
$(OUT)/fixtures/deep_stack: tests/fixtures/deep_stack.c | $(OUT)/fixtures
	$(call msg,CC,$@)
	$(Q)$(CC) $(CFLAGS_FIXTURE) $< -o $@
$(OUT)/fixtures/pid_reuse: tests/fixtures/pid_reuse.c | $(OUT)/fixtures
	$(call msg,CC,$@)
	$(Q)$(CC) $(CFLAGS_FIXTURE) $< -o $@
$(OUT)/fixtures/jit_split: tests/fixtures/jit_split.c | $(OUT)/fixtures
	$(call msg,CC,$@)
	$(Q)$(CC) $(CFLAGS_FIXTURE) $< -o $@
$(OUT)/fixtures/blocking_sites: tests/fixtures/blocking_sites.c | $(OUT)/fixtures
	$(call msg,CC,$@)
	$(Q)$(CC) $(CFLAGS_FIXTURE) -pthread $< -o $@
$(OUT)/fixtures/sleepers: tests/fixtures/sleepers.c | $(OUT)/fixtures
	$(call msg,CC,$@)
	$(Q)$(CC) $(CFLAGS_FIXTURE) -pthread $< -o $@
# Stripped of .symtab and DWARF but exporting its functions in .dynsym.
$(OUT)/fixtures/symbols_stripped: tests/fixtures/symbols.cpp | $(OUT)/fixtures
	$(call msg,CXX,$@)
	$(Q)$(CXX) $(CFLAGS_FIXTURE) -O2 -fPIE -pie -rdynamic $< -o $@ -ldl && strip --strip-all $@
# Split debug info: symbols_pie stripped of everything, and its .symtab and
# DWARF in a .debug file that the tests lay out by build-id.
fixtures: $(OUT)/fixtures/symbols_split $(OUT)/fixtures/symbols_split.debug \
          $(OUT)/fixtures/symbols_nosym
$(OUT)/fixtures/symbols_split: $(OUT)/fixtures/symbols_pie
	$(call msg,STRIP,$@)
	$(Q)strip --strip-all $< -o $@
$(OUT)/fixtures/symbols_split.debug: $(OUT)/fixtures/symbols_pie
	$(call msg,OBJCOPY,$@)
	$(Q)objcopy --only-keep-debug $< $@
# DWARF without .symtab entries for three functions: names must come from DWARF.
$(OUT)/fixtures/symbols_nosym: $(OUT)/fixtures/symbols_pie
	$(call msg,OBJCOPY,$@)
	$(Q)objcopy --strip-symbol=plain_c_function --strip-symbol=_Z5twiceIiET_S0_ \
		--strip-symbol=_ZN7fixture13inline_callerEi $< $@

# --- test, demo, install ----------------------------------------------------
# The build runs on every CPU unless JOBS says otherwise (CI calls plain
# `make test`).
JOBS ?= $(shell nproc 2>/dev/null || echo 1)
# Fuzzing: make fuzz (tests/fuzz/fuzz.mk).
include tests/fuzz/fuzz.mk
# Sanitizers: make sanitize (tests/sanitize.mk).
include tests/sanitize.mk

test: deps
	$(Q)$(MAKE) --no-print-directory -j$(JOBS) $(BIN) $(TEST_BIN) examples fixtures completion static tools
	$(Q)tests/run.sh

demo: deps
	$(Q)$(MAKE) --no-print-directory -j$(JOBS) $(BIN) examples
	$(Q)examples/demo.sh

install: $(BIN) completion
	install -D -m 0755 $(BIN) $(DESTDIR)$(PREFIX)/bin/xpu-perf
	install -d $(DESTDIR)$(PREFIX)/share/man/man1
	install -m 0644 man/*.1 $(DESTDIR)$(PREFIX)/share/man/man1/
	install -D -m 0644 $(OUT)/completion/xpu-perf.bash \
		$(DESTDIR)$(PREFIX)/share/bash-completion/completions/xpu-perf
	install -D -m 0644 $(OUT)/completion/_xpu-perf \
		$(DESTDIR)$(PREFIX)/share/zsh/site-functions/_xpu-perf

clean:
	rm -rf $(OUT)

.DELETE_ON_ERROR:
.SECONDARY:
-include $(LIB_OBJS:.o=.d) $(CMD_OBJS:.o=.d) $(TEST_OBJS:.o=.d) $(STATIC_OBJS:.o=.d) \
         $(INJ_CUPTI_OBJS:.o=.d) $(INJ_HOOK_OBJ:.o=.d)
