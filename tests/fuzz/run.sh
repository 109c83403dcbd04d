#!/bin/sh
# run.sh TARGET SECONDS — fuzz one parser with libFuzzer for SECONDS.
#
# Builds the harnesses with clang in build-fuzz/ (-DAMANAT_FUZZ=ON: libFuzzer,
# ASan, UBSan) when needed, then runs fuzz_TARGET on its seed corpus
# (tests/fuzz/corpus/TARGET, read only) and a working corpus of what it finds
# (build-fuzz/corpus/TARGET).  A crash is written to build-fuzz/crashes/TARGET/;
# once the parser is fixed, copy it into tests/fuzz/corpus/TARGET/ so ctest
# replays it in every build.  Targets: the FUZZ_TARGETS of CMakeLists.txt.
# Extra arguments go to libFuzzer (-jobs=N, -dict=..., ...).
set -eu
if [ $# -lt 2 ]; then
	echo "usage: tests/fuzz/run.sh TARGET SECONDS [LIBFUZZER-ARGS...]" >&2
	exit 2
fi
target=$1
secs=$2
shift 2
cd "$(dirname "$0")/../.."
b=build-fuzz
if [ ! -f "$b/CMakeCache.txt" ]; then
	cmake -S . -B "$b" -DCMAKE_C_COMPILER=clang -DCMAKE_BUILD_TYPE=RelWithDebInfo \
		-DAMANAT_FUZZ=ON >/dev/null
fi
cmake --build "$b" --target "fuzz_$target" -j "$(nproc 2>/dev/null || echo 2)" >/dev/null
mkdir -p "$b/corpus/$target" "$b/crashes/$target"
ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1} \
UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1} \
exec "$b/tests/fuzz/fuzz_$target" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 \
	-max_len=65536 -artifact_prefix="$b/crashes/$target/" -print_final_stats=1 "$@" \
	"$b/corpus/$target" "tests/fuzz/corpus/$target"
