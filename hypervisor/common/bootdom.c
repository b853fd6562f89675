// SPDX-License-Identifier: MIT
/*
 * Boot-time domains: every multiboot module is a kernel or an initrd
 * (see hypervisor/README.md for the module string). The first kernel is
 * dom0; the others are unprivileged domains built alongside it. A module
 * that cannot be built is reported and skipped; the rest still start.
 */
#include <tandem/bootinfo.h>
#include <tandem/dom_build.h>
#include <tandem/domain.h>
#include <tandem/kernel_image.h>
#include <tandem/lib.h>
#include <tandem/params.h>
#include <tandem/sched.h>

static unsigned long long opt_dom0_mem = 128ULL << 20;
size_param("dom0_mem", opt_dom0_mem, "memory of dom0, e.g. 512M");

#define DEFAULT_DOMU_MEM	(64ULL << 20)

struct module_opts {
	char file[64];
	char name[DOMAIN_NAME_LEN];
	uint64_t mem;
	unsigned int vcpus, weight, cap;
	bool initrd;
	const char *cmdline;	/* points into the module string */
	char bad[64];		/* first option we did not understand */
};

static bool is_kernel_image(const struct boot_module *m)
{
	return kernel_image_looks_like(maddr_to_virt(m->start), m->size);
}

static const char *next_word(const char *s, char *word, size_t len)
{
	size_t n = 0;

	while (*s == ' ')
		s++;
	while (*s && *s != ' ') {
		if (n + 1 < len)
			word[n++] = *s;
		s++;
	}
	word[n] = '\0';
	return s;
}

/* Where 'w' occurs in s as a whole space-separated word, or NULL. */
static const char *find_word(const char *s, const char *w)
{
	size_t n = strlen(w);

	for (const char *p = s; *p; p++) {
		if ((p == s || p[-1] == ' ') && !strncmp(p, w, n) &&
		    (p[n] == ' ' || p[n] == '\0'))
			return p;
	}
	return NULL;
}

static void parse_module_string(const char *s, struct module_opts *o)
{
	char word[128];
	const char *sep;

	memset(o, 0, sizeof(*o));
	s = next_word(s, word, sizeof(word));
	/* Keep just the base name of the file for messages. */
	sep = strrchr(word, '/');
	strlcpy(o->file, sep ? sep + 1 : word, sizeof(o->file));
	while (*s == ' ')
		s++;
	sep = find_word(s, "--");
	o->cmdline = sep ? sep + 2 : s;
	while (*o->cmdline == ' ')
		o->cmdline++;
	if (!sep)
		return;

	while (s < sep) {
		s = next_word(s, word, sizeof(word));
		if (!word[0] || !strcmp(word, "--"))
			break;
		if (!strncmp(word, "name=", 5))
			strlcpy(o->name, word + 5, sizeof(o->name));
		else if (!strncmp(word, "mem=", 4))
			o->mem = parse_size(word + 4, NULL);
		else if (!strncmp(word, "vcpus=", 6))
			o->vcpus = simple_strtoull(word + 6, NULL, 0);
		else if (!strncmp(word, "weight=", 7))
			o->weight = simple_strtoull(word + 7, NULL, 0);
		else if (!strncmp(word, "cap=", 4))
			o->cap = simple_strtoull(word + 4, NULL, 0);
		else if (!strcmp(word, "initrd"))
			o->initrd = true;
		else if (!o->bad[0])
			strlcpy(o->bad, word, sizeof(o->bad));
	}
}

/* The module's guest command line, without the trailing spaces. */
static void copy_cmdline(char *dst, size_t len, const char *src)
{
	size_t n = strlcpy(dst, src, len);

	n = MIN(n, len - 1);
	while (n && dst[n - 1] == ' ')
		dst[--n] = '\0';
}

/*
 * What a boot-time domain was built from, kept so that the domain can be
 * built again when it asks to reboot. Its modules stay in memory.
 */
struct boot_domain {
	bool in_use;
	struct module_opts o;
	const struct boot_module *kernel, *initrd;
	char cmdline[BOOT_CMDLINE_LEN];
	domid_t id;
};

static struct boot_domain boot_domains[MAX_BOOT_MODULES];

static int start_boot_domain(struct boot_domain *bd, bool quiet)
{
	struct dom_build_spec spec;
	struct kernel_image ki;
	struct domain *d;
	char why[160];
	int rc;

	memset(&spec, 0, sizeof(spec));
	spec.name = bd->o.name[0] ? bd->o.name : NULL;
	spec.id = bd->id;
	spec.privileged = bd->id == 0;
	spec.mem_bytes = bd->o.mem ? bd->o.mem : spec.privileged ?
			 opt_dom0_mem : DEFAULT_DOMU_MEM;
	spec.vcpus = bd->o.vcpus ? bd->o.vcpus : 1;
	spec.weight = bd->o.weight;
	spec.cap = bd->o.cap;
	spec.cmdline = bd->cmdline;
	if (bd->initrd) {
		spec.initrd = maddr_to_virt(bd->initrd->start);
		spec.initrd_size = bd->initrd->size;
	}
	unsigned int mod = bd->kernel - boot_info.mods;

	rc = kernel_image_open(maddr_to_virt(bd->kernel->start),
			       bd->kernel->size, &ki, why, sizeof(why));
	if (rc) {
		pr_err("module %u (%s): cannot read the kernel: %s\n", mod,
		       bd->o.file, why);
		return rc;
	}
	spec.kernel = ki.elf;
	spec.kernel_size = ki.elf_size;
	rc = pv_build_domain(&spec, &d, why, sizeof(why));
	kernel_image_close(&ki);
	if (rc) {
		pr_err("module %u (%s): cannot build domain %u: %s\n", mod,
		       bd->o.file, spec.id, why);
		return rc;
	}
	if (!quiet)
		printk("domain %u (%s): %s, %lu MiB, %u vCPU%s%s%s\n",
		       d->domain_id, d->name, bd->o.file,
		       (unsigned long)(spec.mem_bytes >> 20), spec.vcpus,
		       spec.vcpus == 1 ? "" : "s",
		       d->is_privileged ? ", privileged" : "",
		       bd->initrd ? ", with initrd" : "");
	return 0;
}

void boot_domain_restart(domid_t id)
{
	for (unsigned int i = 0; i < ARRAY_SIZE(boot_domains); i++) {
		struct boot_domain *bd = &boot_domains[i];

		if (!bd->in_use || bd->id != id)
			continue;
		printk("domain %u restarting\n", id);
		start_boot_domain(bd, false);
		return;
	}
}

static bool module_in_use(const struct boot_module *m)
{
	for (unsigned int i = 0; i < ARRAY_SIZE(boot_domains); i++)
		if (boot_domains[i].in_use && (boot_domains[i].kernel == m ||
					       boot_domains[i].initrd == m))
			return true;
	return false;
}

void build_boot_domains(void)
{
	domid_t next_id = 0;
	unsigned int built = 0;

	for (unsigned int i = 0; i < boot_info.nr_mods; i++) {
		const struct boot_module *m = &boot_info.mods[i];
		struct boot_domain *bd = &boot_domains[built];
		struct module_opts rdo;

		memset(bd, 0, sizeof(*bd));
		parse_module_string(m->cmdline, &bd->o);
		if (bd->o.initrd || !is_kernel_image(m)) {
			pr_err("module %u (%s): not a kernel (no ELF or bzImage "
			       "header) and no kernel before it; skipped\n",
			       i, bd->o.file);
			continue;
		}
		if (bd->o.bad[0])
			pr_warn("module %u (%s): unknown option '%s' ignored\n",
				i, bd->o.file, bd->o.bad);
		bd->kernel = m;
		if (i + 1 < boot_info.nr_mods) {
			parse_module_string(boot_info.mods[i + 1].cmdline, &rdo);
			if (rdo.initrd || !is_kernel_image(&boot_info.mods[i + 1]))
				bd->initrd = &boot_info.mods[++i];
		}
		copy_cmdline(bd->cmdline, sizeof(bd->cmdline), bd->o.cmdline);
		bd->id = next_id;
		if (start_boot_domain(bd, false))
			continue;
		bd->in_use = true;
		next_id++;
		built++;
	}
	if (!boot_info.nr_mods)
		pr_warn("no boot modules: nothing to run. Pass a kernel as a "
			"multiboot module (QEMU: -initrd kernel.elf)\n");

	/* Modules nobody will boot again are free for everyone now. */
	for (unsigned int i = 0; i < boot_info.nr_mods; i++)
		if (!module_in_use(&boot_info.mods[i]))
			heap_release_range(boot_info.mods[i].start,
					   boot_info.mods[i].start +
					   boot_info.mods[i].size);
	if (!built && boot_info.nr_mods)
		pr_err("no domain could be built\n");
}
