// SPDX-License-Identifier: MIT
/*
 * A hypervisor made of files, for the host tests (see hv_fake.h). Its
 * event channels behave as Linux's evtchn device: a port that fired is
 * masked until unmasked, and an event raised while masked is delivered
 * on unmask.
 */
#define _GNU_SOURCE

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <libtandem/error.h>

#include "hv.h"
#include "hv_fake.h"

#define MAX_PORTS	256

static struct fake_port {
	bool bound;
	bool masked;
	bool pending;		/* raised while masked */
	unsigned int domid;
	unsigned int remote;
} ports[MAX_PORTS];

static char dir[256];
static int sock = -1;

static int addr_of(struct sockaddr_un *a, const char *name)
{
	memset(a, 0, sizeof(*a));
	a->sun_family = AF_UNIX;
	if ((size_t)snprintf(a->sun_path, sizeof(a->sun_path), "%s/%s", dir,
			     name) >= sizeof(a->sun_path))
		return tdm_fail(ENAMETOOLONG, "fake hypervisor socket in %s",
				dir);
	return 0;
}

int hv_open(const char *arg)
{
	struct sockaddr_un a;

	if (!arg)
		return tdm_fail(EINVAL, "the fake build needs --fake-hv DIR");
	snprintf(dir, sizeof(dir), "%s", arg);
	if (addr_of(&a, "hv.sock") < 0)
		return -errno;
	sock = socket(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (sock < 0)
		return tdm_fail(errno, "fake hypervisor socket");
	unlink(a.sun_path);
	if (bind(sock, (struct sockaddr *)&a, sizeof(a)) < 0) {
		int err = errno;

		close(sock);
		sock = -1;
		return tdm_fail(err, "bind %s", a.sun_path);
	}
	return 0;
}

void hv_close(void)
{
	struct sockaddr_un a;

	if (sock >= 0 && addr_of(&a, "hv.sock") == 0)
		unlink(a.sun_path);
	if (sock >= 0)
		close(sock);
	sock = -1;
}

const char *hv_name(void)
{
	return "fake";
}

int hv_fd(void)
{
	return sock;
}

static void *map_file(const char *kind, unsigned int domid, uint64_t n)
{
	char path[320];
	void *p;
	int fd;

	snprintf(path, sizeof(path), "%s/%s-%u-%llu", dir, kind, domid,
		 (unsigned long long)n);
	fd = open(path, O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		tdm_fail(errno, "map %s %llu of dom%u", kind,
			 (unsigned long long)n, domid);
		return NULL;
	}
	p = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	close(fd);
	if (p == MAP_FAILED) {
		tdm_fail(errno, "map %s %llu of dom%u", kind,
			 (unsigned long long)n, domid);
		return NULL;
	}
	return p;
}

void *hv_map_grant(unsigned int domid, grant_ref_t ref)
{
	return map_file("grant", domid, ref);
}

void *hv_map_frame(unsigned int domid, uint64_t frame)
{
	return map_file("frame", domid, frame);
}

void hv_unmap(void *page, enum hv_map how)
{
	if (how != HV_MAP_NONE)
		munmap(page, 4096);
}

static bool domain_alive(unsigned int domid)
{
	char path[300];

	snprintf(path, sizeof(path), "%s/dom-%u", dir, domid);
	return access(path, F_OK) == 0;
}

int hv_bind(unsigned int domid, unsigned int remote_port)
{
	int i;

	if (!domain_alive(domid))
		return tdm_fail(ESRCH, "bind event channel %u of dom%u",
				remote_port, domid);
	for (i = 1; i < MAX_PORTS; i++) {
		if (ports[i].bound)
			continue;
		memset(&ports[i], 0, sizeof(ports[i]));
		ports[i].bound = true;
		ports[i].domid = domid;
		ports[i].remote = remote_port;
		return i;
	}
	return tdm_fail(ENOSPC, "bind event channel %u of dom%u",
			remote_port, domid);
}

void hv_unbind(evtchn_port_t port)
{
	if (port < MAX_PORTS)
		ports[port].bound = false;
}

static void send_msg(const char *to, uint32_t domid, uint32_t port)
{
	struct hv_fake_msg m = { domid, port };
	struct sockaddr_un a;

	if (addr_of(&a, to) == 0)
		(void)sendto(sock, &m, sizeof(m), MSG_DONTWAIT,
			     (struct sockaddr *)&a, sizeof(a));
}

int hv_notify(evtchn_port_t port)
{
	if (port >= MAX_PORTS || !ports[port].bound)
		return tdm_fail(EINVAL, "notify event channel %u", port);
	send_msg("guest.sock", ports[port].domid, ports[port].remote);
	return 0;
}

int hv_unmask(evtchn_port_t port)
{
	struct fake_port *p;

	if (port >= MAX_PORTS || !ports[port].bound)
		return tdm_fail(EINVAL, "unmask event channel %u", port);
	p = &ports[port];
	p->masked = false;
	if (p->pending) {
		/* Delivered now, through our own socket. */
		p->pending = false;
		send_msg("hv.sock", p->domid, p->remote);
	}
	return 0;
}

int hv_pending(evtchn_port_t *out, int max, bool *all, bool *domains)
{
	struct hv_fake_msg m;
	int n = 0, i;

	(void)all;
	while (n < max && recv(sock, &m, sizeof(m), 0) == sizeof(m)) {
		if (m.domid == HV_FAKE_DOMAINS) {
			*domains = true;
			continue;
		}
		for (i = 1; i < MAX_PORTS; i++) {
			struct fake_port *p = &ports[i];

			if (!p->bound || p->domid != m.domid ||
			    p->remote != m.port)
				continue;
			if (p->masked) {
				p->pending = true;
			} else {
				p->masked = true;
				out[n++] = (evtchn_port_t)i;
			}
			break;
		}
	}
	return n;
}

int hv_list_domains(unsigned int *domids, int max)
{
	unsigned long v;
	struct dirent *e;
	int n = 0;
	char *end;
	DIR *d;

	d = opendir(dir);
	if (!d)
		return tdm_fail(errno, "list %s", dir);
	while ((e = readdir(d)) && n < max) {
		if (strncmp(e->d_name, "dom-", 4))
			continue;
		v = strtoul(e->d_name + 4, &end, 10);
		if (*end || v == 0 || v >= DOMID_FIRST_RESERVED)
			continue;
		domids[n++] = (unsigned int)v;
	}
	closedir(d);
	return n;
}
