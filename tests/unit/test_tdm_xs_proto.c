// SPDX-License-Identifier: MIT
/*
 * Host test for libtandem's store protocol helpers (dom0/lib/src/
 * xs_proto.c): message building, headers, payload splitting, error names,
 * path and permission syntax.
 */
#include <errno.h>
#include <string.h>

#include <libtandem/xs_proto.h>

#include "check.h"

static void names(void)
{
	unsigned int f0 = check_failures();

	CHECK(!strcmp(tdm_xs_type_name(XS_READ), "READ"), "XS_READ's name");
	CHECK(!strcmp(tdm_xs_type_name(XS_TRANSACTION_END),
		      "TRANSACTION_END"), "XS_TRANSACTION_END's name");
	CHECK(tdm_xs_type_name(20) == NULL, "20 (removed) has no name");
	CHECK(tdm_xs_type_name(1000) == NULL, "1000 has no name");
	CHECK(!strcmp(tdm_xs_errname(ENOENT), "ENOENT"), "ENOENT's name");
	CHECK(!strcmp(tdm_xs_errname(EAGAIN), "EAGAIN"), "EAGAIN's name");
	CHECK(!strcmp(tdm_xs_errname(EDOM), "EINVAL"),
	      "an errno without a protocol name travels as EINVAL");
	CHECK_EQ(tdm_xs_errnum("EACCES", 6), EACCES, "EACCES back to 13");
	CHECK_EQ(tdm_xs_errnum("E2BIG", 5), E2BIG, "E2BIG back to 7");
	CHECK_EQ(tdm_xs_errnum("EWHATEVER", 9), EINVAL,
		 "unknown names read as EINVAL");
	CHECK_EQ(tdm_xs_errnum("EACCESS", 7), EINVAL, "no prefix matching");
	check_section(f0, "names");
}

static void messages(void)
{
	static struct tdm_xs_msg m;
	static char big[XENSTORE_PAYLOAD_MAX + 1];
	struct xsd_sockmsg h;
	unsigned int f0 = check_failures();
	const char *vec[4];

	tdm_xs_msg_init(&m, XS_WRITE, 7, 3);
	CHECK_EQ(tdm_xs_msg_add_str(&m, "/a/b"), 0, "add a path");
	CHECK_EQ(tdm_xs_msg_add_data(&m, "val", 3), 0, "add a value");
	CHECK_EQ(m.hdr.len, 8, "payload \"/a/b\\0val\" is 8 bytes");
	CHECK_EQ(tdm_xs_msg_size(&m), 24, "message is 24 bytes");
	CHECK(m.hdr.type == XS_WRITE && m.hdr.req_id == 7 && m.hdr.tx_id == 3,
	      "header fields");
	CHECK(!memcmp(m.body, "/a/b\0val", 8), "payload bytes");

	tdm_xs_msg_init(&m, XS_WRITE, 1, 0);
	memset(big, 'x', XENSTORE_PAYLOAD_MAX - 1);
	big[XENSTORE_PAYLOAD_MAX - 1] = '\0';
	CHECK_EQ(tdm_xs_msg_add_str(&m, big), 0,
		 "a 4095-char string and its NUL fill the payload exactly");
	CHECK_EQ(tdm_xs_msg_add_data(&m, "y", 1), -E2BIG, "one byte more");
	tdm_xs_msg_init(&m, XS_WRITE, 1, 0);
	big[XENSTORE_PAYLOAD_MAX - 1] = 'x';
	big[XENSTORE_PAYLOAD_MAX] = '\0';
	CHECK_EQ(tdm_xs_msg_add_str(&m, big), -E2BIG,
		 "a 4096-char string does not fit");
	CHECK_EQ(m.hdr.len, 0, "and nothing was added");

	h.len = XENSTORE_PAYLOAD_MAX;
	CHECK_EQ(tdm_xs_check_header(&h), 0, "4096-byte payload accepted");
	h.len = XENSTORE_PAYLOAD_MAX + 1;
	CHECK_EQ(tdm_xs_check_header(&h), -EMSGSIZE, "4097 refused");
	h.len = 0xffffffffu;
	CHECK_EQ(tdm_xs_check_header(&h), -EMSGSIZE, "4 GiB refused");

	CHECK_EQ(tdm_xs_split("a\0bc\0", 5, vec, 4), 2, "two strings");
	CHECK(!strcmp(vec[0], "a") && !strcmp(vec[1], "bc"), "their text");
	CHECK_EQ(tdm_xs_split("a\0bc", 4, vec, 4), 1,
		 "trailing bytes without a NUL are not a string");
	CHECK_EQ(tdm_xs_split("", 0, vec, 4), 0, "empty payload");
	CHECK_EQ(tdm_xs_split("\0\0\0", 3, NULL, 0), 3, "three empty strings");
	CHECK_EQ(tdm_xs_split("a\0b\0c\0d\0e\0", 10, vec, 2), 5,
		 "counts beyond max, stores max");
	check_section(f0, "messages");
}

static void paths(void)
{
	static char p[XENSTORE_ABS_PATH_MAX + 2];
	unsigned int f0 = check_failures();
	static const char *const good[] = {
		"/", "/a", "/local/domain/3/device/vbd/51712/state",
		"/A-Z_a-z_0-9", "/@x", "/tool/xenstored",
	};
	static const char *const bad[] = {
		"", "a", "/a/", "//", "/a//b", "/a b", "/a.b", "/../x",
		"/a/./b", "/a\\b", "/a\nb", "/é", "/a*", "/a:b", "/a%2f",
	};
	unsigned int i;

	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++)
		CHECK(tdm_xs_path_valid(good[i]), "valid: %s", good[i]);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		CHECK(!tdm_xs_path_valid(bad[i]), "invalid: \"%s\"", bad[i]);
	CHECK(tdm_xs_relpath_valid("device/vbd"), "relative: device/vbd");
	CHECK(!tdm_xs_relpath_valid(""), "relative: empty is invalid");
	CHECK(!tdm_xs_relpath_valid("/x"), "relative: not absolute");
	CHECK(!tdm_xs_relpath_valid("x/"), "relative: no trailing slash");
	CHECK(!tdm_xs_relpath_valid("x/../y"), "relative: no dots");

	memset(p, 'a', sizeof(p));
	p[0] = '/';
	p[XENSTORE_ABS_PATH_MAX] = '\0';
	CHECK(tdm_xs_path_valid(p), "3072-byte path is valid");
	p[XENSTORE_ABS_PATH_MAX] = 'a';
	p[XENSTORE_ABS_PATH_MAX + 1] = '\0';
	CHECK(!tdm_xs_path_valid(p), "3073-byte path is not");
	check_section(f0, "paths");
}

static void perms(void)
{
	unsigned int f0 = check_failures();
	struct tdm_xs_perm pm;
	unsigned long long v;
	char buf[16];

	CHECK_EQ(tdm_xs_perm_parse("r5", &pm), 0, "r5 parses");
	CHECK(pm.domid == 5 && pm.perms == TDM_XS_PERM_READ, "as read dom5");
	CHECK_EQ(tdm_xs_perm_parse("b0", &pm), 0, "b0 parses");
	CHECK(pm.perms == TDM_XS_PERM_BOTH, "as both");
	CHECK_EQ(tdm_xs_perm_parse("n32751", &pm), 0, "n32751 (0x7fef)");
	CHECK_EQ(tdm_xs_perm_parse("n32752", &pm), -EINVAL,
		 "DOMID_SELF (0x7ff0) is not a domain");
	CHECK_EQ(tdm_xs_perm_parse("x5", &pm), -EINVAL, "unknown letter");
	CHECK_EQ(tdm_xs_perm_parse("r", &pm), -EINVAL, "no domid");
	CHECK_EQ(tdm_xs_perm_parse("r-1", &pm), -EINVAL, "negative domid");
	CHECK_EQ(tdm_xs_perm_parse("r 5", &pm), -EINVAL, "space");
	CHECK_EQ(tdm_xs_perm_parse("r5x", &pm), -EINVAL, "trailing junk");
	CHECK_EQ(tdm_xs_perm_parse("", &pm), -EINVAL, "empty");
	pm.domid = 12;
	pm.perms = TDM_XS_PERM_WRITE;
	CHECK_EQ(tdm_xs_perm_format(&pm, buf, sizeof(buf)), 3, "w12 is 3");
	CHECK(!strcmp(buf, "w12"), "formatted w12");
	CHECK_EQ(tdm_xs_perm_format(&pm, buf, 3), -ENOSPC, "too small");
	pm.perms = 7;
	CHECK_EQ(tdm_xs_perm_format(&pm, buf, sizeof(buf)), -EINVAL,
		 "bad bits");

	CHECK_EQ(tdm_xs_parse_uint("65535", 65535, &v), 0, "65535 <= 65535");
	CHECK_EQ(tdm_xs_parse_uint("65536", 65535, &v), -EINVAL, "65536 >");
	CHECK_EQ(tdm_xs_parse_uint("18446744073709551615", ~0ull, &v), 0,
		 "2^64-1 parses");
	CHECK_EQ(tdm_xs_parse_uint("18446744073709551616", ~0ull, &v),
		 -EINVAL, "2^64 overflows");
	CHECK_EQ(tdm_xs_parse_uint("+1", 10, &v), -EINVAL, "no sign");
	CHECK_EQ(tdm_xs_parse_uint("", 10, &v), -EINVAL, "empty");
	check_section(f0, "permissions and numbers");
}

int main(void)
{
	names();
	messages();
	paths();
	perms();
	return check_summary();
}
