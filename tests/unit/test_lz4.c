// SPDX-License-Identifier: MIT
/*
 * The LZ4 legacy-frame decoder (hypervisor/common/lz4.c) against data
 * compressed by the real lz4 tool (`lz4 -l`, as Linux compresses
 * kernels), and against hostile input: truncations, flipped bits and
 * hand-made blocks that lie about their lengths and offsets. Exits 77
 * (skip) if the lz4 tool is missing.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <tandem/lz4.h>

#include "check.h"

/* Compress buf with `lz4 -l -1`, as Linux does; a malloc'd stream. */
static uint8_t *lz4_tool(const uint8_t *buf, size_t len, size_t *out_len)
{
	char in_path[] = "/tmp/tdm-lz4-XXXXXX";
	char cmd[128], out_path[64];
	int fd = mkstemp(in_path);
	uint8_t *out = NULL;
	FILE *f;
	long n;

	if (fd < 0 || write(fd, buf, len) != (ssize_t)len)
		goto out;
	close(fd);
	snprintf(out_path, sizeof(out_path), "%s.lz4", in_path);
	snprintf(cmd, sizeof(cmd), "lz4 -q -f -l -1 %s %s", in_path,
		 out_path);
	if (system(cmd) != 0)
		goto out;
	f = fopen(out_path, "rb");
	if (!f)
		goto out;
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	rewind(f);
	out = malloc(n);
	if (fread(out, 1, n, f) != (size_t)n) {
		free(out);
		out = NULL;
	}
	*out_len = n;
	fclose(f);
	unlink(out_path);
out:
	unlink(in_path);
	return out;
}

/* Deterministic test data of different compressibility. */
static void fill(uint8_t *buf, size_t len, unsigned int kind)
{
	uint32_t x = 12345 + kind;

	for (size_t i = 0; i < len; i++) {
		x = x * 1103515245 + 12345;
		switch (kind) {
		case 0: buf[i] = x >> 24; break;		/* random */
		case 1: buf[i] = "tandem hypervisor "[i % 18]; break;
		case 2: buf[i] = (x >> 28) ? 0 : x >> 16; break; /* sparse */
		default: buf[i] = i & 0xff; break;
		}
	}
}

static void test_round_trips(void)
{
	static const size_t sizes[] = { 1, 15, 16, 300, 65536, 3 << 20,
					(9 << 20) + 7 };
	unsigned int f0 = check_failures();

	for (unsigned int kind = 0; kind < 4; kind++) {
		for (size_t s = 0; s < sizeof(sizes) / sizeof(*sizes); s++) {
			size_t len = sizes[s], clen = 0, got = 0;
			uint8_t *data = malloc(len), *out = malloc(len);
			uint8_t *z;
			char why[128];
			int rc;

			fill(data, len, kind);
			z = lz4_tool(data, len, &clen);
			if (!check(z != NULL, "lz4 tool failed")) {
				free(data);
				free(out);
				return;
			}
			rc = lz4_legacy_decompress(z, clen, out, len, &got, why,
						   sizeof(why));
			check(rc == 0 && got == len && !memcmp(out, data, len),
			      "kind %u size %zu: rc %d got %zu (%s)", kind,
			      len, rc, got, why);
			/* One byte short of room: -ENOSPC, never an overrun. */
			rc = lz4_legacy_decompress(z, clen, out, len - 1, &got,
						   why, sizeof(why));
			check(rc == -ENOSPC, "kind %u size %zu short: rc %d",
			      kind, len, rc);
			free(data);
			free(out);
			free(z);
		}
	}
	check_section(f0, "round trips against lz4 -l (several blocks too)");
}

static void test_hostile(void)
{
	enum { LEN = 200000 };
	uint8_t *data = malloc(LEN), *out = malloc(LEN + 64), *z, *bad;
	size_t clen = 0, got;
	unsigned int f0 = check_failures();
	char why[128];
	int rc;

	fill(data, LEN, 1);
	z = lz4_tool(data, LEN, &clen);
	free(data);
	if (!check(z != NULL, "lz4 tool failed")) {
		free(out);
		return;
	}
	bad = malloc(clen);
	/* Every truncation fails cleanly (or is a complete prefix). */
	for (size_t cut = 0; cut < clen; cut++) {
		rc = lz4_legacy_decompress(z, cut, out, LEN + 64, &got, why,
					   sizeof(why));
		check(rc == -EINVAL || (rc == 0 && got <= LEN),
		      "cut %zu: rc %d", cut, rc);
		check(got <= LEN + 64, "cut %zu: wrote %zu", cut, got);
	}
	/* Flipped bits: any answer but a crash or an overrun. */
	for (size_t i = 0; i < clen * 8; i += 7) {
		memcpy(bad, z, clen);
		bad[i / 8] ^= 1 << (i % 8);
		rc = lz4_legacy_decompress(bad, clen, out, LEN, &got, why,
					   sizeof(why));
		check(rc == 0 || rc == -EINVAL || rc == -ENOSPC,
		      "flip %zu: rc %d", i, rc);
		check(got <= LEN, "flip %zu: wrote %zu", i, got);
	}
	free(bad);
	free(z);
	check_section(f0, "truncations and bit flips");

	f0 = check_failures();
	{
		/* magic, a 3-byte block: token 0x0f (no literals, match
		 * 19) with offset 1 before any output. */
		static const uint8_t back[] = { 0x02, 0x21, 0x4c, 0x18,
						3, 0, 0, 0, 0x0f, 1, 0 };
		/* literal length 15 + 255 + ... past the block end */
		static const uint8_t longlit[] = { 0x02, 0x21, 0x4c, 0x18,
						   3, 0, 0, 0, 0xf0, 255, 255 };
		/* block size larger than the input */
		static const uint8_t bigblock[] = { 0x02, 0x21, 0x4c, 0x18,
						    0xff, 0xff, 0, 0, 0x10, 'a' };
		/* zero offset after one literal */
		static const uint8_t zerooff[] = { 0x02, 0x21, 0x4c, 0x18,
						   4, 0, 0, 0, 0x10, 'a', 0, 0 };
		static const uint8_t nomagic[] = { 1, 2, 3, 4, 5 };

		CHECK_EQ(lz4_legacy_decompress(back, sizeof(back), out, 64,
					       &got, why, sizeof(why)),
			 -EINVAL, "match before the start of the block");
		CHECK_EQ(lz4_legacy_decompress(longlit, sizeof(longlit), out,
					       64, &got, why, sizeof(why)),
			 -EINVAL, "literal length past the block");
		CHECK_EQ(lz4_legacy_decompress(bigblock, sizeof(bigblock), out,
					       64, &got, why, sizeof(why)),
			 -EINVAL, "block size past the input");
		CHECK_EQ(lz4_legacy_decompress(zerooff, sizeof(zerooff), out,
					       64, &got, why, sizeof(why)),
			 -EINVAL, "zero match offset");
		CHECK_EQ(lz4_legacy_decompress(nomagic, sizeof(nomagic), out,
					       64, &got, why, sizeof(why)),
			 -EINVAL, "no magic");
	}
	check_section(f0, "hand-made hostile blocks");
	free(out);
}

int main(void)
{
	if (system("lz4 -V >/dev/null 2>&1") != 0) {
		printf("SKIP: the lz4 tool is not installed\n");
		return 77;
	}
	test_round_trips();
	test_hostile();
	return check_summary();
}
