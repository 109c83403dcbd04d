#!/bin/sh
# Build amanat twice — optimised, and with AddressSanitizer and
# UndefinedBehaviorSanitizer — with warnings as errors, and run every test in
# both.  ctest prints its summary line for each build.
set -eu
cd "$(dirname "$0")/.."
jobs=$(nproc 2>/dev/null || echo 2)

cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo -DAMANAT_WERROR=ON >/dev/null
cmake --build build -j "$jobs"
echo "== tests: optimised build"
(cd build && ctest --output-on-failure -j "$jobs")

cmake -S . -B build-asan -DCMAKE_BUILD_TYPE=Debug -DAMANAT_SANITIZE=ON -DAMANAT_WERROR=ON >/dev/null
cmake --build build-asan -j "$jobs"
echo "== tests: ASan + UBSan build"
(cd build-asan && ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
	UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 ctest --output-on-failure -j "$jobs")
