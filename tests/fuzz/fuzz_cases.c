/*
 * fuzz_cases.c — what an office hands to 'amanat import' and 'case new', and
 * what 'stats --check' reads: the input as CSV, as JSON Lines and as one
 * case record (cases_read_text, cases_record_parse, against a log of a few
 * entries so that links are checked too), and as a statistics report
 * (cases_report_parse).  Every problem must be reported, never crash.
 */
#include <stdlib.h>
#include <string.h>

#include "cases/cases.h"
#include "fuzz.h"

static volatile int fuzz_sink;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const unsigned char types[] = { 1, 2, 2, 4, 5, 6, 7, 8 };
	static const struct cases_log log = { types, sizeof(types) };
	static const char *const names[] = { "in.csv", "in.jsonl" };
	struct cases_json *j = NULL;
	struct cases_report rep;
	unsigned char *buf;

	if (cases_json_open(&j, NULL) != AM_OK || cases_vocab_load(j, NULL) != AM_OK)
		abort();
	buf = malloc(size + 1);
	if (buf == NULL) {
		cases_json_close(j);
		return 0;
	}
	for (size_t i = 0; i < 2; i++) {
		struct cases_input in;
		struct cases_problems p;
		memcpy(buf, data, size);
		buf[size] = '\0';
		cases_problems_init(&p);
		if (cases_read_text(j, names[i], buf, size, &log, &in, &p, NULL) == AM_OK)
			cases_input_release(&in);
		cases_problems_release(&p);
	}
	{
		struct cases_record r;
		struct cases_problems p;
		cases_problems_init(&p);
		(void)cases_record_parse(j, (const char *)data, size, "in.json", &log, &r, &p);
		cases_record_release(&r);
		cases_problems_release(&p);
	}
	if (cases_report_parse(j, (const char *)data, size, &rep, NULL) == AM_OK)
		fuzz_sink += cases_report_verify(&rep) == 0;
	cases_report_release(&rep);
	free(buf);
	cases_json_close(j);
	return 0;
}
