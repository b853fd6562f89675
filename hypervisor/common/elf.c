// SPDX-License-Identifier: MIT
/*
 * ELF64 kernel images with Xen notes (the PV boot contract): where to
 * load the segments, the entry point, the virtual base, and the optional
 * hypercall page.
 */
#include <tandem/elf.h>
#include <tandem/errno.h>
#include <tandem/lib.h>
#include <public/elfnote.h>

#define EI_NIDENT	16
#define ELFCLASS64	2
#define ELFDATA2LSB	1
#define ET_EXEC		2
#define EM_X86_64	62
#define PT_LOAD		1
#define PT_NOTE		4

struct elf64_ehdr {
	uint8_t e_ident[EI_NIDENT];
	uint16_t e_type, e_machine;
	uint32_t e_version;
	uint64_t e_entry, e_phoff, e_shoff;
	uint32_t e_flags;
	uint16_t e_ehsize, e_phentsize, e_phnum, e_shentsize, e_shnum;
	uint16_t e_shstrndx;
};

struct elf64_phdr {
	uint32_t p_type, p_flags;
	uint64_t p_offset, p_vaddr, p_paddr, p_filesz, p_memsz, p_align;
};

struct elf_note_hdr {
	uint32_t namesz, descsz, type;
};

bool elf_looks_like_kernel(const void *image, size_t size)
{
	const uint8_t *p = image;

	return size >= 4 && p[0] == 0x7f && p[1] == 'E' && p[2] == 'L' &&
	       p[3] == 'F';
}

/* Is [off, off+len) inside a buffer of 'size' bytes? */
static bool in_bounds(uint64_t off, uint64_t len, size_t size)
{
	return off <= size && len <= size - off;
}

static uint64_t note_number(const uint8_t *desc, uint32_t len)
{
	uint64_t v = 0;

	if (len == 4 || len == 8)
		memcpy(&v, desc, len);
	return v;
}

static void note_string(char *dst, size_t dst_len, const uint8_t *desc,
			uint32_t len)
{
	size_t n = MIN((size_t)len, dst_len - 1);

	memcpy(dst, desc, n);
	dst[n] = '\0';
}

static void parse_note(struct elf_kernel *k, uint32_t type,
		       const uint8_t *desc, uint32_t len)
{
	switch (type) {
	case XEN_ELFNOTE_ENTRY:
		k->entry = note_number(desc, len);
		break;
	case XEN_ELFNOTE_HYPERCALL_PAGE:
		k->hypercall_page = note_number(desc, len);
		k->has_hypercall_page = true;
		break;
	case XEN_ELFNOTE_VIRT_BASE:
		k->virt_base = note_number(desc, len);
		break;
	case XEN_ELFNOTE_PADDR_OFFSET:
		k->paddr_offset = note_number(desc, len);
		break;
	case XEN_ELFNOTE_XEN_VERSION:
		note_string(k->xen_version, sizeof(k->xen_version), desc, len);
		break;
	case XEN_ELFNOTE_GUEST_OS:
		note_string(k->guest_os, sizeof(k->guest_os), desc, len);
		break;
	case XEN_ELFNOTE_LOADER:
		note_string(k->loader, sizeof(k->loader), desc, len);
		break;
	case XEN_ELFNOTE_FEATURES:
		note_string(k->features, sizeof(k->features), desc, len);
		break;
	case XEN_ELFNOTE_MOD_START_PFN:
		k->mod_start_pfn = note_number(desc, len) != 0;
		break;
	case XEN_ELFNOTE_SUPPORTED_FEATURES:
		k->supported_features = note_number(desc, len);
		break;
	}
}

static int parse_notes(struct elf_kernel *k, uint64_t off, uint64_t len)
{
	const uint8_t *p = k->image + off;
	uint64_t pos = 0;

	while (pos + sizeof(struct elf_note_hdr) <= len) {
		struct elf_note_hdr h;
		uint64_t name_len, desc_len;

		memcpy(&h, p + pos, sizeof(h));
		pos += sizeof(h);
		name_len = ROUND_UP((uint64_t)h.namesz, 4);
		desc_len = ROUND_UP((uint64_t)h.descsz, 4);
		if (name_len > len - pos || desc_len > len - pos - name_len)
			return -EINVAL;
		if (h.namesz == 4 && !memcmp(p + pos, "Xen", 4))
			parse_note(k, h.type, p + pos + name_len, h.descsz);
		pos += name_len + desc_len;
	}
	return 0;
}

#define FAIL(msg) do { snprintf(why, why_len, "%s", msg); return -EINVAL; } \
	while (0)

int elf_parse_kernel(const void *image, size_t size, struct elf_kernel *k,
		     char *why, size_t why_len)
{
	const struct elf64_ehdr *eh = image;

	memset(k, 0, sizeof(*k));
	k->image = image;
	k->size = size;
	k->paddr_start = ~0ULL;

	if (size < sizeof(*eh) || !elf_looks_like_kernel(image, size))
		FAIL("not an ELF file");
	if (eh->e_ident[4] != ELFCLASS64 || eh->e_ident[5] != ELFDATA2LSB ||
	    eh->e_machine != EM_X86_64)
		FAIL("not a 64-bit x86 ELF image");
	if (eh->e_type != ET_EXEC)
		FAIL("not an executable ELF image");
	if (eh->e_phentsize != sizeof(struct elf64_phdr) || !eh->e_phnum ||
	    !in_bounds(eh->e_phoff,
		       (uint64_t)eh->e_phnum * sizeof(struct elf64_phdr),
		       size))
		FAIL("program headers missing or out of bounds");

	for (unsigned int i = 0; i < eh->e_phnum; i++) {
		struct elf64_phdr ph;

		memcpy(&ph, (const uint8_t *)image + eh->e_phoff +
		       i * sizeof(ph), sizeof(ph));
		if (ph.p_type == PT_NOTE) {
			if (!in_bounds(ph.p_offset, ph.p_filesz, size) ||
			    parse_notes(k, ph.p_offset, ph.p_filesz))
				FAIL("malformed note segment");
			continue;
		}
		if (ph.p_type != PT_LOAD || !ph.p_memsz)
			continue;
		if (k->nr_seg == ELF_MAX_SEGMENTS)
			FAIL("too many loadable segments");
		if (!in_bounds(ph.p_offset, ph.p_filesz, size) ||
		    ph.p_filesz > ph.p_memsz ||
		    ph.p_paddr + ph.p_memsz < ph.p_paddr)
			FAIL("loadable segment out of bounds");
		k->seg[k->nr_seg++] = (struct elf_segment){
			ph.p_offset, ph.p_filesz, ph.p_paddr, ph.p_memsz,
		};
		k->paddr_start = MIN(k->paddr_start, ph.p_paddr);
		k->paddr_end = MAX(k->paddr_end, ph.p_paddr + ph.p_memsz);
	}
	if (!k->nr_seg)
		FAIL("no loadable segments");
	if (strcmp(k->xen_version, "xen-3.0"))
		FAIL("no Xen PV notes (XEN_VERSION \"xen-3.0\" missing): "
		     "not a PV kernel");
	if (strcmp(k->loader, "generic") && !k->guest_os[0])
		FAIL("no GUEST_OS or LOADER note");
	if (!k->entry)
		k->entry = eh->e_entry;
	if (k->paddr_end - k->paddr_start > (1ULL << 30))
		FAIL("kernel image larger than 1 GiB");
	return 0;
}
