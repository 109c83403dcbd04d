/*
 * html.c — a statistics report as one self-contained page for a report's
 * annex: the figures as tables and SVG bar charts, the period, the
 * checkpoint and the signature.  No script, no network, no external file;
 * valid XHTML-compatible markup so that XML parsers read it too, and a print
 * style sheet.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../crypto/crypto.h"
#include "cases_int.h"

/* Text escaped for HTML (and XML). */
static void esc(struct am_buf *b, const char *s)
{
	for (; s != NULL && *s != '\0'; s++) {
		switch (*s) {
		case '&': am_buf_add(b, "&amp;", 5); break;
		case '<': am_buf_add(b, "&lt;", 4); break;
		case '>': am_buf_add(b, "&gt;", 4); break;
		case '"': am_buf_add(b, "&quot;", 6); break;
		case '\'': am_buf_add(b, "&#39;", 5); break;
		default: am_buf_u8(b, (unsigned char)*s);
		}
	}
}

/* The label of a group: the vocabulary's English label, or the group itself (months). */
static const char *label_of(struct cases_json *j, int by, const char *group)
{
	static const char *const lists[] = { "act_type", "affiliation", "province", NULL, "status" };
	const char *l = lists[by] != NULL ? cases_vocab_label(j, CASES_VOCABULARY, lists[by], group)
					  : NULL;
	return l != NULL ? l : group;
}

/* A horizontal bar chart of one measure of every group. */
static void chart(struct cases_json *j, struct am_buf *b, const struct cases_stats *s, int victims,
		  const char *title)
{
	uint64_t max = 1;
	unsigned rowh = 22, left = 230, width = 420, h = (unsigned)s->ng * rowh + 10;

	for (size_t i = 0; i < s->ng; i++) {
		uint64_t v = victims ? s->g[i].victims : s->g[i].acts;
		max = v > max ? v : max;
	}
	am_buf_addf(b, "<figure><figcaption>%s</figcaption>\n<svg xmlns=\"http://www.w3.org/2000/svg\" "
		      "width=\"%u\" height=\"%u\" viewBox=\"0 0 %u %u\" role=\"img\">\n", title,
		      left + width + 60, h, left + width + 60, h);
	for (size_t i = 0; i < s->ng; i++) {
		uint64_t v = victims ? s->g[i].victims : s->g[i].acts;
		unsigned w = (unsigned)(v * width / max), y = (unsigned)i * rowh + 4;
		am_buf_addf(b, "<text x=\"%u\" y=\"%u\" text-anchor=\"end\">", left - 8, y + 14);
		esc(b, label_of(j, s->by, s->g[i].group));
		am_buf_addf(b, "</text><rect x=\"%u\" y=\"%u\" width=\"%u\" height=\"%u\"/>"
			      "<text x=\"%u\" y=\"%u\">%llu</text>\n", left, y, w ? w : 1, rowh - 6,
			      left + (w ? w : 1) + 6, y + 14, (unsigned long long)v);
	}
	am_buf_addf(b, "</svg></figure>\n");
}

enum am_status cases_report_html(struct cases_json *j, const struct cases_report *r, char **out,
				 size_t *len, struct am_err *e)
{
	const struct cases_stats *s = &r->st;
	char from[11] = "-", to[11] = "-", root[2 * AM_HASH_LEN + 1], pk[2 * AM_SIGN_PK_LEN + 1];
	char sig[128];
	struct am_buf b;

	if (s->has_from)
		cases_day_format(s->from_day, from);
	if (s->has_to)
		cases_day_format(s->to_day, to);
	am_hex(root, r->root, AM_HASH_LEN);
	am_hex(pk, r->signer, AM_SIGN_PK_LEN);
	am_b64(sig, r->sig, AM_SIG_LEN);
	{
		enum am_status vs = cases_vocab_load(j, e);
		if (vs != AM_OK)
			return vs;
	}
	am_buf_init(&b);
	am_buf_addf(&b, "<!DOCTYPE html>\n<html lang=\"en\" xmlns=\"http://www.w3.org/1999/xhtml\">\n"
		      "<head><meta charset=\"utf-8\"/><title>Case statistics by %s</title>\n",
		      cases_by_name(s->by));
	am_buf_addf(&b, "<style>\nbody{font-family:serif;max-width:50em;margin:2em auto;color:#000}"
		      "\ntable{border-collapse:collapse;margin:1em 0}\nth,td{border:1px solid #444;"
		      "padding:.2em .6em}\ntd.n{text-align:right}\nrect{fill:#335}\nsvg{max-width:100%%;height:auto}\nsvg text{font-size:"
		      "12px;font-family:sans-serif}\n.mono{font-family:monospace;word-break:break-all}\n"
		      "@media print{body{margin:0;max-width:none}figure,table{page-break-inside:avoid}}"
		      "\n</style></head>\n<body>\n");
	am_buf_addf(&b, "<h1>Case statistics by %s</h1>\n<p>Acts and distinct victims over the "
		      "newest version of every case record, withdrawn cases left out. Period: "
		      "<strong>%s</strong> to <strong>%s</strong> (both days included; an act dated "
		      "only to a month or a year is counted only when its whole period lies inside; "
		      "acts that straddle an end are shown on their own line and are not in the "
		      "total).</p>\n", cases_by_name(s->by), s->has_from ? from : "the beginning",
		      s->has_to ? to : "the end");
	am_buf_addf(&b, "<table><thead><tr><th>%s</th><th>key</th><th>acts</th><th>victims</th>"
		      "</tr></thead><tbody>\n", cases_by_name(s->by));
	for (size_t i = 0; i < s->ng; i++) {
		am_buf_addf(&b, "<tr><td>");
		esc(&b, label_of(j, s->by, s->g[i].group));
		am_buf_addf(&b, "</td><td>");
		esc(&b, s->g[i].group);
		am_buf_addf(&b, "</td><td class=\"n\">%llu</td><td class=\"n\">%llu</td></tr>\n",
			      (unsigned long long)s->g[i].acts, (unsigned long long)s->g[i].victims);
	}
	am_buf_addf(&b, "<tr><th colspan=\"2\">total (distinct victims over all acts counted)</th>"
		      "<td class=\"n\">%llu</td><td class=\"n\">%llu</td></tr>\n",
		      (unsigned long long)s->total_acts, (unsigned long long)s->total_victims);
	if (s->partly_acts > 0)
		am_buf_addf(&b, "<tr><td colspan=\"2\">partly in range (not in the total)</td>"
			      "<td class=\"n\">%llu</td><td class=\"n\">%llu</td></tr>\n",
			      (unsigned long long)s->partly_acts, (unsigned long long)s->partly_victims);
	am_buf_addf(&b, "</tbody></table>\n<p>%llu cases counted. A victim counted in two groups is "
		      "counted once in the total.</p>\n", (unsigned long long)s->cases);
	chart(j, &b, s, 0, "Acts");
	chart(j, &b, s, 1, "Distinct victims");
	am_buf_addf(&b, "<h2>Provenance</h2>\n<table>\n<tr><th>vault log</th><td class=\"mono\">");
	esc(&b, r->origin);
	am_buf_addf(&b, "</td></tr>\n<tr><th>checkpoint</th><td class=\"mono\">tree size %llu, root "
		      "%s</td></tr>\n<tr><th>computed</th><td>", (unsigned long long)r->size, root);
	esc(&b, r->made_at);
	am_buf_addf(&b, " by ");
	esc(&b, r->signer_name);
	am_buf_addf(&b, ", recorded as custody entry %llu</td></tr>\n<tr><th>signer key (Ed25519)"
		      "</th><td class=\"mono\">%s</td></tr>\n<tr><th>signature</th><td class=\"mono\">%s"
		      "</td></tr>\n</table>\n<p>To check these figures against the vault: "
		      "<code>amanat stats --check REPORT.json VAULT --as CUSTODIAN.id</code> with the "
		      "JSON form of this report (docs/CASES.md).</p>\n</body>\n</html>\n",
		      (unsigned long long)r->custody, pk, sig);
	*out = (char *)am_buf_detach(&b, len);
	return *out != NULL ? AM_OK : am_fail(e, AM_ENOMEM, "out of memory");
}
