// SPDX-License-Identifier: MIT
/*
 * memtouch MIB: map MIB MiB of anonymous memory, write every page (its
 * own index and a marker), read everything back, and unmap. Fails if the
 * mapping is refused, or a page does not hold what was written.
 *
 * memhog [STEP_MIB]: the victim of the memory-pressure check. Makes
 * itself the OOM killer's first choice (oom_score_adj 1000), then maps
 * and touches STEP_MIB (default 4) MiB at a time, printing its total
 * every 16 MiB, until it is killed or a mapping is refused (then it
 * says so and exits with status 3).
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "tandem-check.h"

#define MIB		(1024UL * 1024)
#define PAGE		4096UL
#define MARK		0x54414e44454d0000ULL	/* "TANDEM" << 16 */

int cmd_memtouch(int argc, char **argv)
{
	unsigned long mib = arg_ulong(argc, argv, 1, "size in MiB", 0);
	unsigned long pages = mib * MIB / PAGE, i, bad = 0;
	uint64_t *mem;
	double t0, t1, t2;

	if (!mib)
		fail("usage: memtouch MIB");
	t0 = mono_now();
	mem = mmap(NULL, mib * MIB, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (mem == MAP_FAILED)
		fail("cannot map %lu MiB", mib);
	for (i = 0; i < pages; i++) {
		mem[i * PAGE / 8] = MARK | (i & 0xffff);
		mem[i * PAGE / 8 + PAGE / 8 - 1] = i;
	}
	t1 = mono_now();
	for (i = 0; i < pages; i++)
		if (mem[i * PAGE / 8] != (MARK | (i & 0xffff)) ||
		    mem[i * PAGE / 8 + PAGE / 8 - 1] != i)
			bad++;
	t2 = mono_now();
	munmap(mem, mib * MIB);
	say("memtouch: %lu MiB (%lu pages) touched in %.2f s, verified in "
	    "%.2f s", mib, pages, t1 - t0, t2 - t1);
	if (bad)
		fail("%lu of %lu pages lost their contents", bad, pages);
	return 0;
}

int cmd_memhog(int argc, char **argv)
{
	unsigned long step = arg_ulong(argc, argv, 1, "step in MiB", 4);
	unsigned long total = 0, i;
	int fd;
	char *p;

	fd = open("/proc/self/oom_score_adj", O_WRONLY);
	if (fd < 0 || write(fd, "1000", 4) != 4)
		fail("cannot set oom_score_adj");
	close(fd);
	if (!step)
		step = 4;
	for (;;) {
		p = mmap(NULL, step * MIB, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (p == MAP_FAILED) {
			say("memhog: mapping refused at %lu MiB", total);
			return 3;
		}
		for (i = 0; i < step * MIB; i += PAGE)
			p[i] = 1;
		total += step;
		if (total % 16 == 0)
			say("memhog: %lu MiB", total);
	}
}
