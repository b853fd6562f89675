/* SPDX-License-Identifier: MIT */
/*
 * VM profiles: the plain-text files in profiles/ that say what a VM is
 * (profiles/README.md has the format). Parsing is strict: an unknown key,
 * a bad value, a key given twice or a missing required key fails with a
 * message naming the file and line and what is allowed.
 */
#ifndef TANDEM_PROFILE_H
#define TANDEM_PROFILE_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define PROFILE_NAME_MAX	32	/* characters of a VM name */
#define PROFILE_CMDLINE_MAX	1023	/* the guest's start_info holds 1024 */
#define PROFILE_MEM_MIN_MIB	32
#define PROFILE_MEM_MAX_MIB	(1024u * 1024u)	/* 1 TiB: overflow guard */
#define PROFILE_VCPUS_MAX	32	/* vcpu_info slots in shared_info */
#define PROFILE_FILE_MAX	(64 * 1024)
#define PROFILE_LINE_MAX	4096

/* What to do when the guest powers off, reboots or crashes. */
enum profile_action {
	ACTION_DESTROY,		/* destroy the domain, forget the VM */
	ACTION_RESTART,		/* destroy it and build it again */
	ACTION_PRESERVE,	/* keep the dead domain until 'tandem destroy' */
};

/* Device kinds (bit numbers of profile.devices). */
enum profile_device {
	DEVICE_CONSOLE,
	DEVICE_NR,
};

struct profile {
	char path[PATH_MAX];		/* the file, as given */
	char name[PROFILE_NAME_MAX + 1];
	char kernel[PATH_MAX];		/* as written: relative to --images */
	char initrd[PATH_MAX];		/* "" if none */
	char cmdline[PROFILE_CMDLINE_MAX + 1];
	uint64_t memory_mib;
	unsigned int vcpus;
	bool autostart;
	enum profile_action on_poweroff, on_reboot, on_crash;
	unsigned int devices;		/* 1 << DEVICE_* */
	/* Lines of the values, for messages about them later (0: unset). */
	unsigned int name_line, kernel_line, initrd_line, memory_line;
};

/*
 * Parse text (len bytes, the contents of the file at path). host_mib, if
 * not 0, is the host's memory: a profile asking for more is refused.
 * 0 or -EINVAL with ts_errmsg() saying "path:line: what is wrong".
 */
int profile_parse(const char *path, const char *text, size_t len,
		  uint64_t host_mib, struct profile *p);

/* Read and parse a file (-ENOENT etc. with a message naming it). */
int profile_load(const char *path, uint64_t host_mib, struct profile *p);

/*
 * The file of an image named in a profile (kernel or initrd): absolute
 * paths as they are, relative ones below images_dir.
 */
int profile_image_path(const char *images_dir, const char *file, char *out,
		       size_t size);

/* Is s a valid VM name (letters, digits, '-', '_', '.'; not all digits)? */
bool profile_name_valid(const char *s);

const char *profile_action_name(enum profile_action a);
const char *profile_device_name(enum profile_device d);

#endif /* TANDEM_PROFILE_H */
