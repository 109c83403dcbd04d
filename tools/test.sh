#!/bin/sh
# Build amanat twice — optimised, and with AddressSanitizer and
# UndefinedBehaviorSanitizer — with warnings as errors, and run every test in
# both (the fuzzing corpora are replayed in both: label fuzz); then run the
# unit tests of the optimised build under valgrind.  ctest prints its summary
# line for each build.
set -eu
cd "$(dirname "$0")/.."
jobs=$(nproc 2>/dev/null || echo 2)

cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo -DAMANAT_WERROR=ON >/dev/null
cmake --build build -j "$jobs"
echo "== tests: optimised build"
(cd build && ctest --output-on-failure -j "$jobs")

# Memcheck sees what the sanitizers do not: the optimised code itself, and
# uninitialised reads.  Leaks count when definitely lost: test_vault's pipe
# writer is a fork that _exits holding its parent's heap (possibly lost).
# --fair-sched: valgrind runs one thread at a time, and by default a thread
# that never blocks (test_signer's crowding thread, a spinning hand-over) can
# keep the lock from the others for minutes.
echo "== unit tests under valgrind: optimised build"
(cd build && ctest -L unit -N) | sed -n 's#.* unit/\(test_[a-z0-9_]*\)$#\1#p' |
	AMANAT_VECTORS="$PWD/tests/vectors" xargs -P "$jobs" -I{} \
	valgrind -q --fair-sched=yes --leak-check=full --show-leak-kinds=definite \
	--errors-for-leak-kinds=definite --error-exitcode=1 \
	build/tests/{} >/dev/null
echo "valgrind: unit tests clean"

cmake -S . -B build-asan -DCMAKE_BUILD_TYPE=Debug -DAMANAT_SANITIZE=ON -DAMANAT_WERROR=ON >/dev/null
cmake --build build-asan -j "$jobs"
echo "== tests: ASan + UBSan build"
(cd build-asan && ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
	UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 ctest --output-on-failure -j "$jobs")
