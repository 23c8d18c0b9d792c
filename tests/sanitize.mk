# Sanitizer build and run, included by the Makefile:
#   make sanitize [SANITIZE=address,undefined]
# builds the library, the binary and the Catch2 tests with -fsanitize into
# build-san/, with its own fixtures and examples beside them, built plainly
# first (the tests find everything next to their binary, and the symbolizer
# fixtures must stay as the tests expect them), then runs the Catch2 suite through
# tests/run.sh. Any ASan/UBSan report fails the case that triggered it:
# UBSan is made fatal, and ASan exits non-zero.
# - The flags go in SAN_FLAGS, which only the library's, the binary's and the
#   tests' rules read: the CUPTI injector stays plain, as it must, since it
#   is loaded into programs without the ASan runtime (the GPU fixtures).
# - Warnings stay warnings here (WERROR=): g++ 12's instrumented inlining
#   raises false positives inside libstdc++ itself (-Wmaybe-uninitialized in
#   <regex>'s automaton, -Wrestrict in char_traits' memcpy); the plain build
#   keeps -Werror for our code.
SANITIZE ?= address,undefined
SAN_OUT  ?= build-san
.PHONY: sanitize
sanitize: deps
	$(Q)$(MAKE) --no-print-directory -j$(JOBS) OUT=$(SAN_OUT) examples fixtures
	$(Q)$(MAKE) --no-print-directory -j$(JOBS) OUT=$(SAN_OUT) WERROR= \
		SAN_FLAGS="-fsanitize=$(SANITIZE) -fno-sanitize-recover=undefined -fno-omit-frame-pointer" \
		$(SAN_OUT)/xpu-perf $(SAN_OUT)/xpu-perf-tests
	$(Q)XPU_TEST_BIN=$(SAN_OUT)/xpu-perf-tests XPU_TEST_SHELL=0 \
		ASAN_OPTIONS=detect_leaks=1:abort_on_error=0 UBSAN_OPTIONS=print_stacktrace=1 \
		tests/run.sh
