# libFuzzer harnesses (tests/fuzz/README.md), included by the Makefile.
#   make fuzz                 build, then run each harness FUZZ_SECONDS (60)
#   make fuzz-build           build only
# Each harness is linked from its own .cpp and the library sources it needs,
# compiled by clang++ with the fuzzer and ASan/UBSan (the library archive is
# g++'s and carries no coverage). A crash fails the target; its reproducer
# stays in build/fuzz/ (crash-*), to be fixed and then added to the corpus.
FUZZ_SECONDS ?= 60
FUZZ_CXX     ?= clang++
FUZZ_DIR     := $(OUT)/fuzz
FUZZ_FLAGS   := -std=c++2b -g -O1 -fno-omit-frame-pointer -fsanitize=fuzzer,address,undefined \
                -fno-sanitize-recover=undefined -Itests/fuzz/compat -Ilib -I. -Wall -Werror
FUZZ_LIBS    := -lfmt

FUZZERS := folded_reader gpu_stream tune_rules proc_maps perf_map ksyms elf writers http_routes
FUZZ_SRCS_folded_reader := lib/profile/folded_reader.cpp
FUZZ_SRCS_gpu_stream    := lib/gpu/gpu_stream.cpp
FUZZ_SRCS_tune_rules    := lib/tune/tune_rule.cpp lib/base/parse.cpp lib/base/user_regex.cpp
FUZZ_SRCS_proc_maps     := lib/symbolize/proc_maps.cpp
FUZZ_SRCS_perf_map      := lib/symbolize/perf_map.cpp lib/symbolize/proc_maps.cpp
FUZZ_SRCS_ksyms         := lib/symbolize/ksyms.cpp lib/symbolize/proc_maps.cpp lib/symbolize/build_id.cpp
FUZZ_SRCS_elf           := lib/symbolize/elf_file.cpp lib/symbolize/build_id.cpp lib/symbolize/symbol_table.cpp \
                           lib/symbolize/dwarf_info.cpp lib/symbolize/demangle.cpp \
                           lib/kernel/unwind_table.cpp lib/kernel/fde_rows.cpp lib/base/log.cpp lib/base/color.cpp
FUZZ_LIBS_elf           := -lelf -ldw -lbpf
# The pprof writer's message classes are protoc's output from the main build.
FUZZ_SRCS_writers       := lib/output/export_formats.cpp lib/output/export_pprof.cpp lib/output/pprof_writer.cpp \
                           lib/output/writer_svg.cpp lib/output/writer_svg_script.cpp \
                           lib/output/frame_color.cpp lib/profile/stack_tree.cpp \
                           lib/profile/folded_reader.cpp lib/profile/frame_table.cpp \
                           lib/output/writer_table.cpp lib/report/report_group.cpp \
                           lib/base/xml_escape.cpp $(OUT)/proto/profile.pb.cc
FUZZ_LIBS_writers       := -lprotobuf -lz -I$(OUT)/proto
# The live page's routes over cpp-httplib's own request parser; the page's
# assets are the build's (build/web/web_assets.cpp).
FUZZ_SRCS_http_routes   := lib/live/http_routes.cpp lib/live/http_state.cpp lib/live/http_view.cpp \
                           lib/live/http_options.cpp lib/live/window_stats.cpp \
                           $(OUT)/web/web_assets.cpp lib/profile/profile.cpp lib/profile/weights.cpp \
                           lib/report/report_filter.cpp lib/symbolize/demangle.cpp lib/base/user_regex.cpp \
                           $(filter-out lib/profile/folded_reader.cpp,$(FUZZ_SRCS_writers))
FUZZ_LIBS_http_routes   := -lprotobuf -lz -lcpp-httplib -I$(OUT)/proto $(HTTPLIB_CFLAGS)

FUZZ_BINS := $(patsubst %,$(FUZZ_DIR)/fuzz_%,$(FUZZERS))

.PHONY: fuzz fuzz-build
fuzz-build: $(FUZZ_BINS)

define fuzz_rule
$(FUZZ_DIR)/fuzz_$(1): tests/fuzz/fuzz_$(1).cpp tests/fuzz/compat/expected $(FUZZ_SRCS_$(1))
	$(Q)mkdir -p $(FUZZ_DIR)
	$(call msg,FUZZ-CXX,$$@)
	$(Q)$(FUZZ_CXX) $(FUZZ_FLAGS) $$< $(FUZZ_SRCS_$(1)) $(FUZZ_LIBS) $(FUZZ_LIBS_$(1)) -o $$@
endef
$(foreach f,$(FUZZERS),$(eval $(call fuzz_rule,$(f))))

# Seeds: corpus/<harness>/ (checked in), or another harness's corpus, plus
# files from the build (ELF seeds are binaries we compile, not checked in).
FUZZ_CORPUS_writers := folded_reader
FUZZ_SEEDS_elf      := $(OUT)/fixtures/libfixture.so $(OUT)/examples/cpu_split
$(FUZZ_DIR)/fuzz_elf: | $(OUT)/fixtures/libfixture.so $(OUT)/examples/cpu_split

# Runs on a scratch copy of the corpus, so that what a run finds does not
# change the checked-in seeds; -max_total_time per harness.
define fuzz_run
	$(Q)rm -rf $(FUZZ_DIR)/work-$(1) && mkdir -p $(FUZZ_DIR)/work-$(1)
	$(Q)cp tests/fuzz/corpus/$(or $(FUZZ_CORPUS_$(1)),$(1))/* $(FUZZ_SEEDS_$(1)) $(FUZZ_DIR)/work-$(1)/ 2>/dev/null; true
	@echo "fuzz_$(1): $(FUZZ_SECONDS) s"
	$(Q)$(FUZZ_DIR)/fuzz_$(1) -max_total_time=$(FUZZ_SECONDS) -max_len=65536 -print_final_stats=1 \
		-artifact_prefix=$(FUZZ_DIR)/fuzz_$(1)- $(FUZZ_DIR)/work-$(1) \
		>$(FUZZ_DIR)/fuzz_$(1).log 2>&1 || { tail -n 40 $(FUZZ_DIR)/fuzz_$(1).log; exit 1; }
	@grep -E '^stat::number_of_executed_units' $(FUZZ_DIR)/fuzz_$(1).log

endef
fuzz: fuzz-build
	$(foreach f,$(FUZZERS),$(call fuzz_run,$(f)))
