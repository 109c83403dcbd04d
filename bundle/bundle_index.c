/*
 * bundle_index.c — index.html (docs/BUNDLE.md, "index.html"): the page is
 * written again, by the exporter's own renderer (index_html.c), from what
 * the other checks verified — the items, their disclosed fields and signed
 * headers, the checkpoint, the custody entries, the members' names, the
 * signed Bagging-Date and bundle.json's scope — and the bundle's page must
 * be the same bytes.  The tag manifest's signature only says that the
 * exporter wrote the page; this says that it states nothing but the
 * evidence.
 */
#include "bundle_verify_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define INDEX "index.html"
#define SHOW 72 /* bytes of a differing line quoted in the problem */

/* The page as read, against the page as written again. */
struct cmp {
	const unsigned char *want;
	size_t wlen;
	uint64_t off; /* bytes read so far */
	int differ;
	uint64_t at; /* the first offset that differs */
	char got[SHOW + 1];
	size_t ngot;
	int got_done; /* got holds the (start of the) line that differs */
};

static void compare(void *ctx, const unsigned char *p, size_t n)
{
	struct cmp *c = ctx;

	for (size_t i = 0; i < n; i++, c->off++) {
		if (!c->differ && (c->off >= c->wlen || c->want[c->off] != p[i])) {
			c->differ = 1;
			c->at = c->off;
		}
		if (c->got_done)
			continue;
		if (p[i] == '\n') {
			if (c->differ)
				c->got_done = 1;
			else
				c->ngot = 0;
		} else if (c->ngot < SHOW) {
			c->got[c->ngot++] = (char)p[i];
		}
	}
}

/* The items in the order of their ids (AMN-000001 < ... < AMN-1000000). */
static int cmp_id(const void *a, const void *b)
{
	const char *s = ((const struct bundle_page_item *)a)->id;
	const char *t = ((const struct bundle_page_item *)b)->id;
	size_t m = strlen(s), n = strlen(t);

	return m != n ? (m > n) - (m < n) : strcmp(s, t);
}

/*
 * The page's facts, from what was verified; 0 when every one is there.
 * The items' array is the caller's to free.
 */
static int facts(struct bv_ctx *x, struct bundle_page *pg, struct bundle_page_item **out)
{
	const struct am_bundle_report *r = x->r;
	struct bundle_page_item *items;

	*out = NULL;
	memset(pg, 0, sizeof(*pg));
	if (!x->have_cp || !x->have_auth || !x->have_signer || r->exporter_name[0] == '\0' ||
	    bv_bag_date(x) == NULL || !x->have_json || x->scope == NULL || r->nitems == 0 ||
	    x->npages != r->nitems)
		return -1;
	items = calloc(r->nitems, sizeof(*items));
	if (items == NULL)
		return -1;
	*out = items;
	for (size_t i = 0; i < r->nitems; i++) {
		const struct bv_page_item *p = &x->pages[i];
		if (p->en == NULL || r->items[i].payload == NULL || p->custody == NULL)
			return -1;
		items[i].id = r->items[i].id;
		items[i].h = &p->en->h;
		items[i].payload = r->items[i].payload;
		for (int k = 0; k < BUNDLE_PAGE_NFIELDS; k++) {
			items[i].shown[k].p = p->shown[k];
			items[i].shown[k].n = p->nshown[k];
		}
		items[i].custody = p->custody;
		items[i].ncustody = p->ncustody;
	}
	qsort(items, r->nitems, sizeof(*items), cmp_id);
	pg->origin = x->cp.origin;
	pg->tree_size = x->cp.size;
	pg->date = bv_bag_date(x);
	pg->exporter = r->exporter_name;
	pg->exporter_pk = x->signer;
	pg->scope = x->scope;
	pg->withheld = x->nwithheld > 0;
	pg->ms = &x->auth.ms;
	pg->items = items;
	pg->nitems = r->nitems;
	return 0;
}

/* The line that holds offset at: its number, and its start as expected. */
static size_t line_of(const struct cmp *c, char want[SHOW + 1])
{
	size_t at = c->at < c->wlen ? (size_t)c->at : c->wlen, line = 1, start = 0, n = 0;

	for (size_t i = 0; i < at; i++)
		if (c->want[i] == '\n') {
			line++;
			start = i + 1;
		}
	while (start + n < c->wlen && c->want[start + n] != '\n' && n < SHOW)
		n++;
	memcpy(want, c->want + start, n);
	want[n] = '\0';
	return line;
}

void bv_check_index(struct bv_ctx *x)
{
	struct bv_file *f = bv_reader_find(x->rd, INDEX);
	struct bundle_page pg;
	struct bundle_page_item *items;
	struct am_buf page;
	struct cmp c;
	char want[SHOW + 1];
	enum am_status s;

	if (f == NULL) {
		bv_problem(x, "index.html: is missing");
		return;
	}
	if (facts(x, &pg, &items) != 0) {
		/* what is missing is a problem reported already; say so if it is not */
		if (x->r->nproblems + x->r->more_problems == 0)
			bv_problem(
			    x, "index.html: cannot be checked: what it shows is not all verified");
		free(items);
		return;
	}
	am_buf_init(&page);
	bundle_index_html(&pg, &page);
	free(items);
	if (page.oom) {
		bv_problem(x, "index.html: out of memory writing the page again");
		am_buf_release(&page);
		return;
	}
	memset(&c, 0, sizeof(c));
	c.want = page.data;
	c.wlen = page.len;
	s = bv_reader_stream(x->rd, f, UINT64_MAX, compare, &c, x->e);
	if (s != AM_OK) {
		bv_read_failed(x, s);
		am_buf_release(&page);
		return;
	}
	if (!c.differ && c.off != c.wlen) {
		c.differ = 1; /* the page ends early */
		c.at = c.off;
	}
	c.got[c.ngot] = '\0';
	if (c.differ && c.at >= c.wlen)
		bv_problem(
		    x,
		    "index.html: line %zu: the page goes on past the end of the page that the "
		    "verified contents of the bundle give (it may state what the evidence "
		    "does not)",
		    line_of(&c, want));
	else if (c.differ)
		bv_problem(
		    x,
		    "index.html: line %zu is not what the verified contents of the bundle give "
		    "(the page may state what the evidence does not): it is '%s%s' where "
		    "'%s%s' was expected",
		    line_of(&c, want), c.got, c.ngot == SHOW ? "..." : "", want,
		    strlen(want) == SHOW ? "..." : "");
	am_buf_release(&page);
}
