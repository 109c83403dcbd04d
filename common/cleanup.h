/*
 * cleanup.h — removing a half-built output directory when the process is
 * interrupted.  Files are created unnamed (O_TMPFILE) wherever possible, so
 * they need no cleanup; a bundle directory cannot be, so its temporary
 * directory is registered here and removed by the signal handler that
 * cli/ installs.
 */
#ifndef AMANAT_CLEANUP_H
#define AMANAT_CLEANUP_H

#include <signal.h>

/* Register (or with NULL, clear) the one directory to remove on a signal. */
void am_cleanup_dir(const char *path);
/*
 * Register (or with NULL, clear) the one named temporary file to remove on a
 * signal: where a file system has no O_TMPFILE (vfat, exFAT, NFS, many FUSE
 * mounts: a USB stick), an output file is named while it is written.
 */
void am_cleanup_file(const char *path);
/* Remove the registered directory; async-signal-safe (raw system calls only). */
void am_cleanup_run(void);
/*
 * Block the signals that stop a command (the ones cli/ handles with
 * am_cleanup_run) in this thread, the mask before in *old: for a file that
 * must exist only once it is registered, and for helper threads.
 */
void am_stop_signals_block(sigset_t *old);

#endif
