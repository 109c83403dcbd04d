/* error.c — filling struct am_err. */
#include "error.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

void am_err_init(struct am_err *e)
{
	if (e == NULL)
		return;
	e->status = AM_OK;
	e->msg[0] = '\0';
}

enum am_status am_fail(struct am_err *e, enum am_status s, const char *fmt, ...)
{
	va_list ap;

	if (e == NULL)
		return s;
	e->status = s;
	va_start(ap, fmt);
	vsnprintf(e->msg, sizeof(e->msg), fmt, ap);
	va_end(ap);
	return s;
}

const char *am_status_name(enum am_status s)
{
	switch (s) {
	case AM_OK: return "ok";
	case AM_EVERIFY: return "verification failed";
	case AM_EINPUT: return "bad input";
	case AM_EAUTH: return "not authorised";
	case AM_EIO: return "i/o error";
	case AM_ENOMEM: return "out of memory";
	case AM_EEXIST: return "already exists";
	}
	return "unknown error";
}
