// SPDX-License-Identifier: MIT
/*
 * Multiboot (version 1) information: command line, memory map and
 * modules. All of it lies below 4 GiB, inside the early direct map.
 */
#include <tandem/bootinfo.h>
#include <tandem/errno.h>
#include <tandem/lib.h>
#include <asm/page.h>

#define MBI_MEM		(1 << 0)
#define MBI_CMDLINE	(1 << 2)
#define MBI_MODS	(1 << 3)
#define MBI_MMAP	(1 << 6)
#define MBI_LOADER	(1 << 9)

struct mb_info {
	uint32_t flags;
	uint32_t mem_lower, mem_upper;
	uint32_t boot_device;
	uint32_t cmdline;
	uint32_t mods_count, mods_addr;
	uint32_t syms[4];
	uint32_t mmap_length, mmap_addr;
	uint32_t drives_length, drives_addr;
	uint32_t config_table;
	uint32_t boot_loader_name;
} __packed;

struct mb_module {
	uint32_t start, end;
	uint32_t string;
	uint32_t reserved;
} __packed;

struct mb_mmap_entry {
	uint32_t size;		/* of the rest of this entry */
	uint64_t addr, len;
	uint32_t type;
} __packed;

struct boot_info boot_info;

static void copy_string(char *dst, size_t size, uint32_t phys)
{
	strlcpy(dst, phys ? maddr_to_virt(phys) : "", size);
}

int multiboot_parse(paddr_t mbi_phys, struct boot_info *bi)
{
	const struct mb_info *mbi = maddr_to_virt(mbi_phys);

	if (mbi->flags & MBI_CMDLINE)
		copy_string(bi->cmdline, sizeof(bi->cmdline), mbi->cmdline);
	if (mbi->flags & MBI_LOADER)
		copy_string(bi->loader, sizeof(bi->loader),
			    mbi->boot_loader_name);

	if (mbi->flags & MBI_MMAP) {
		uint32_t off = 0;

		while (off + sizeof(struct mb_mmap_entry) <= mbi->mmap_length &&
		       bi->nr_mem < MAX_MEMORY_REGIONS) {
			const struct mb_mmap_entry *e =
				maddr_to_virt(mbi->mmap_addr + off);
			struct mem_region *r = &bi->mem[bi->nr_mem++];

			r->start = e->addr;
			r->size = e->len;
			r->type = e->type >= MEM_RAM && e->type <= MEM_UNUSABLE ?
				  e->type : MEM_RESERVED;
			off += e->size + sizeof(e->size);
		}
	} else if (mbi->flags & MBI_MEM) {
		/* No map: trust the two legacy sizes (KiB). */
		bi->mem[0] = (struct mem_region){ 0, mbi->mem_lower * 1024ULL,
						  MEM_RAM };
		bi->mem[1] = (struct mem_region){ 0x100000,
						  mbi->mem_upper * 1024ULL,
						  MEM_RAM };
		bi->nr_mem = 2;
	} else {
		return -EINVAL;
	}

	if (mbi->flags & MBI_MODS) {
		const struct mb_module *m = maddr_to_virt(mbi->mods_addr);

		for (uint32_t i = 0; i < mbi->mods_count; i++) {
			struct boot_module *bm;

			if (bi->nr_mods == MAX_BOOT_MODULES) {
				pr_warn("multiboot: only %d modules are used\n",
					MAX_BOOT_MODULES);
				break;
			}
			if (m[i].end < m[i].start)
				continue;
			bm = &bi->mods[bi->nr_mods++];
			bm->start = m[i].start;
			bm->size = m[i].end - m[i].start;
			copy_string(bm->cmdline, sizeof(bm->cmdline),
				    m[i].string);
		}
	}
	return 0;
}
