/* SPDX-License-Identifier: MIT */
/*
 * The PV domain builder: from a kernel (and initrd) to a paused 64-bit
 * PV domain that is ready to run, the way Xen's libxenguest builds one
 * (see layout.h for where things go). Then the caller writes the store
 * entries (xsdom.h), introduces the domain to the store and unpauses it.
 *
 *	build_prepare()	 read and check the images, lay out memory
 *			 (no hypervisor needed: fails early on a bad file)
 *	build_domain()	 check free memory, create the domain, populate
 *			 its memory, load it, page tables, start_info,
 *			 event channels, grant table, vCPU 0
 *
 * On failure after the domain exists, build_domain() destroys it.
 */
#ifndef TANDEM_BUILD_H
#define TANDEM_BUILD_H

#include <stdbool.h>
#include <stdint.h>

#include <libtandem/privcmd.h>

#include "kimage.h"
#include "layout.h"

#define BUILD_MAXMEM_SLACK_KIB	1024	/* libxl's LIBXL_MAXMEM_CONSTANT */
#define BUILD_EVTCHN_PORTS	1023	/* libxl's default event_channels */
#define BUILD_INITRD_MAX	(512u << 20)

struct build_params {
	const char *name;		/* for messages */
	const char *kernel;		/* file paths */
	const char *initrd;		/* NULL or "": none */
	const char *cmdline;
	uint64_t memory_mib;
	unsigned int vcpus;
	uint8_t uuid[16];
	/* Where the memory size comes from ("profiles/work:5"), or NULL. */
	const char *memory_where;
	/* Optional progress log. */
	void (*log)(void *ctx, const char *fmt, ...)
		__attribute__((format(printf, 2, 3)));
	void *log_ctx;
};

struct build_image {
	struct kimg kernel;
	uint8_t *initrd;
	size_t initrd_len;
	struct layout layout;
};

struct build_result {
	domid_t domid;
	uint64_t nr_pages;
	uint64_t store_mfn, console_mfn;
	uint32_t store_port, console_port;
	uint64_t shared_info_mfn;
	const char *gnttab_path;	/* how grant refs 0/1 were set */
};

int build_prepare(const struct build_params *bp, struct build_image *img);
void build_image_free(struct build_image *img);

/*
 * Is there room for the guest? -ENOMEM with a message naming what it
 * needs and what is free.
 */
int build_check_memory(const struct build_params *bp, uint64_t free_kib);

int build_domain(struct tdm_privcmd *h, const struct build_params *bp,
		 struct build_image *img, struct build_result *r);

/* Fill a random (version 4) UUID. */
int build_uuid(uint8_t uuid[16]);
void build_uuid_str(const uint8_t uuid[16], char out[37]);

#endif /* TANDEM_BUILD_H */
