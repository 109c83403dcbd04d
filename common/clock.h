/*
 * clock.h — the one monotonic clock (clock.c): deadlines, progress lines,
 * busy waits and the signer's hand-over all measure time the same way.
 */
#ifndef AMANAT_CLOCK_H
#define AMANAT_CLOCK_H

#include <stdint.h>

/* CLOCK_MONOTONIC in nanoseconds: for intervals only, never a date. */
int64_t am_mono_ns(void);

#endif
