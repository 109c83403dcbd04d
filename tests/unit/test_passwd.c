/*
 * test_passwd.c — am_keyfile_rewrite (id passwd) and am_keyfile_info
 * (id show): a rewritten key file opens with the new passphrase only, holds
 * the same keys, has mode 0600 and the parameters asked for; a symbolic
 * link, a missing file, parameters outside the accepted range and an
 * identity without secret keys are refused, leaving the file as it was.
 * The file written is version 2 of docs/FORMAT.md §18: the creation time, a
 * big-endian u64, right after the name, kept by the rewrite.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/bytes.h"
#include "common/fsutil.h"
#include "crypto/identity.h"
#include "check.h"

static const char OLD[] = "fictional old passphrase, long enough";
static const char NEW[] = "fictional new passphrase, also long";

/* The whole file, for comparing before and after. */
static unsigned char *slurp(const char *path, size_t *len)
{
	unsigned char *buf = NULL;

	if (am_read_small_file(path, 4096, &buf, len, NULL) != AM_OK)
		return NULL;
	return buf;
}

int main(void)
{
	char dir[256], path[512], link_path[512];
	struct am_identity id, back, pub;
	struct am_kdf_params p, got, bad = { 1, 1 };
	unsigned char *before, *after;
	size_t blen = 0, alen = 0;
	struct stat st;

	if (am_crypto_init() != 0)
		return 1;
	check_tmpdir(dir, sizeof(dir), "passwd");
	snprintf(path, sizeof(path), "%s/fictional.id", dir);
	snprintf(link_path, sizeof(link_path), "%s/link.id", dir);
	CHECK_ST(am_identity_generate(&id, "fictional", NULL), AM_OK);
	CHECK_ST(am_keyfile_write(path, &id, OLD, strlen(OLD), AM_KDF_INTERACTIVE, NULL), AM_OK);
	CHECK_ST(am_keyfile_info(path, &pub, &got, NULL), AM_OK);
	CHECK(got.opslimit == 2 && got.memlimit == 64u << 20);
	CHECK(memcmp(pub.sign_pk, id.sign_pk, AM_SIGN_PK_LEN) == 0);
	CHECK(pub.sign_sk == NULL);
	before = slurp(path, &blen);
	/* version 2: 217 + nlen bytes, version 0x0002, created after the name */
	CHECK(id.created > 1700000000u);
	CHECK(before != NULL && blen == 217 + strlen("fictional"));
	if (before != NULL && blen == 217 + strlen("fictional")) {
		CHECK(before[4] == 0 && before[5] == 2);
		CHECK(am_get_u64(before + 129 + strlen("fictional")) == id.created);
	}
	CHECK(pub.created == id.created);

	/* refusals leave the file as it was */
	CHECK(symlink(path, link_path) == 0);
	CHECK_ST(am_keyfile_rewrite(link_path, &id, NEW, strlen(NEW), &got, NULL), AM_EEXIST);
	CHECK_ST(am_keyfile_rewrite(path, &id, NEW, strlen(NEW), &bad, NULL), AM_EINPUT);
	CHECK_ST(am_keyfile_rewrite(path, &pub, NEW, strlen(NEW), &got, NULL), AM_EINPUT);
	CHECK_ST(am_keyfile_rewrite(path, &id, "", 0, &got, NULL), AM_EINPUT);
	after = slurp(path, &alen);
	CHECK(before != NULL && after != NULL && alen == blen && memcmp(before, after, blen) == 0);
	free(after);
	CHECK(check_count_prefix(dir, ".amanat-tmp-") == 0);

	/* the change: new passphrase, same keys, new parameters, mode 0600 */
	am_kdf_params_for(AM_KDF_MODERATE, &p);
	CHECK_ST(am_keyfile_rewrite(path, &id, NEW, strlen(NEW), &p, NULL), AM_OK);
	CHECK(lstat(path, &st) == 0 && S_ISREG(st.st_mode) && (st.st_mode & 0777) == 0600);
	CHECK(lstat(link_path, &st) == 0 && S_ISLNK(st.st_mode));
	CHECK_ST(am_keyfile_read(path, OLD, strlen(OLD), &back, NULL), AM_EAUTH);
	CHECK_ST(am_keyfile_read(path, NEW, strlen(NEW), &back, NULL), AM_OK);
	CHECK(memcmp(back.sign_pk, id.sign_pk, AM_SIGN_PK_LEN) == 0);
	CHECK(memcmp(back.box_pk, id.box_pk, AM_BOX_PK_LEN) == 0);
	CHECK(back.sign_sk && memcmp(back.sign_sk, id.sign_sk, AM_SIGN_SK_LEN) == 0);
	CHECK(back.box_sk && memcmp(back.box_sk, id.box_sk, AM_BOX_SK_LEN) == 0);
	CHECK(strcmp(back.name, "fictional") == 0);
	CHECK(back.created == id.created);
	am_identity_release(&back);
	am_identity_release(&pub);
	CHECK_ST(am_keyfile_info(path, &pub, &got, NULL), AM_OK);
	CHECK(got.opslimit == p.opslimit && got.memlimit == p.memlimit);
	CHECK(check_count_prefix(dir, ".amanat-tmp-") == 0);
	/* am_keyfile_info reads .id files only */
	CHECK_ST(am_pubfile_write(link_path, &id, NULL), AM_EEXIST);
	{
		char pubpath[600];
		snprintf(pubpath, sizeof(pubpath), "%s/fictional.pub", dir);
		CHECK_ST(am_pubfile_write(pubpath, &id, NULL), AM_OK);
		am_identity_release(&pub);
		CHECK_ST(am_keyfile_info(pubpath, &pub, &got, NULL), AM_EINPUT);
	}
	free(before);
	am_identity_release(&pub);
	am_identity_release(&id);
	check_rmtree(dir);
	return check_done();
}
