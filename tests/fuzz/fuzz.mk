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

FUZZERS := folded_reader gpu_stream tune_rules proc_maps perf_map ksyms
FUZZ_SRCS_folded_reader := lib/profile/folded_reader.cpp
FUZZ_SRCS_gpu_stream    := lib/gpu/gpu_stream.cpp
FUZZ_SRCS_tune_rules    := lib/tune/tune_rule.cpp lib/base/parse.cpp
FUZZ_SRCS_proc_maps     := lib/symbolize/proc_maps.cpp
FUZZ_SRCS_perf_map      := lib/symbolize/perf_map.cpp lib/symbolize/proc_maps.cpp
FUZZ_SRCS_ksyms         := lib/symbolize/ksyms.cpp lib/symbolize/proc_maps.cpp

FUZZ_BINS := $(patsubst %,$(FUZZ_DIR)/fuzz_%,$(FUZZERS))

.PHONY: fuzz fuzz-build
fuzz-build: $(FUZZ_BINS)

define fuzz_rule
$(FUZZ_DIR)/fuzz_$(1): tests/fuzz/fuzz_$(1).cpp tests/fuzz/compat/expected $(FUZZ_SRCS_$(1))
	$(Q)mkdir -p $(FUZZ_DIR)
	$(call msg,FUZZ-CXX,$$@)
	$(Q)$(FUZZ_CXX) $(FUZZ_FLAGS) $$< $(FUZZ_SRCS_$(1)) $(FUZZ_LIBS) -o $$@
endef
$(foreach f,$(FUZZERS),$(eval $(call fuzz_rule,$(f))))

# Runs on a scratch copy of the corpus, so that what a run finds does not
# change the checked-in seeds; -max_total_time per harness.
fuzz: fuzz-build
	$(Q)for f in $(FUZZERS); do \
		rm -rf $(FUZZ_DIR)/work-$$f && mkdir -p $(FUZZ_DIR)/work-$$f && \
		cp tests/fuzz/corpus/$$f/* $(FUZZ_DIR)/work-$$f/ 2>/dev/null; \
		echo "fuzz_$$f: $(FUZZ_SECONDS) s"; \
		$(FUZZ_DIR)/fuzz_$$f -max_total_time=$(FUZZ_SECONDS) -max_len=65536 -print_final_stats=1 \
			-artifact_prefix=$(FUZZ_DIR)/fuzz_$$f- $(FUZZ_DIR)/work-$$f \
			>$(FUZZ_DIR)/fuzz_$$f.log 2>&1 || { tail -n 40 $(FUZZ_DIR)/fuzz_$$f.log; exit 1; }; \
		grep -E '^stat::number_of_executed_units' $(FUZZ_DIR)/fuzz_$$f.log; \
	done
