// SPDX-License-Identifier: MIT
/*
 * The store wire protocol as data (see libtandem/xs_proto.h).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <libtandem/xs_proto.h>

static const char *const type_names[XS_TYPE_COUNT] = {
	[XS_CONTROL]		= "CONTROL",
	[XS_DIRECTORY]		= "DIRECTORY",
	[XS_READ]		= "READ",
	[XS_GET_PERMS]		= "GET_PERMS",
	[XS_WATCH]		= "WATCH",
	[XS_UNWATCH]		= "UNWATCH",
	[XS_TRANSACTION_START]	= "TRANSACTION_START",
	[XS_TRANSACTION_END]	= "TRANSACTION_END",
	[XS_INTRODUCE]		= "INTRODUCE",
	[XS_RELEASE]		= "RELEASE",
	[XS_GET_DOMAIN_PATH]	= "GET_DOMAIN_PATH",
	[XS_WRITE]		= "WRITE",
	[XS_MKDIR]		= "MKDIR",
	[XS_RM]			= "RM",
	[XS_SET_PERMS]		= "SET_PERMS",
	[XS_WATCH_EVENT]	= "WATCH_EVENT",
	[XS_ERROR]		= "ERROR",
	[XS_IS_DOMAIN_INTRODUCED] = "IS_DOMAIN_INTRODUCED",
	[XS_RESUME]		= "RESUME",
	[XS_SET_TARGET]		= "SET_TARGET",
	[XS_RESET_WATCHES]	= "RESET_WATCHES",
	[XS_DIRECTORY_PART]	= "DIRECTORY_PART",
	[XS_GET_FEATURE]	= "GET_FEATURE",
	[XS_SET_FEATURE]	= "SET_FEATURE",
	[XS_GET_QUOTA]		= "GET_QUOTA",
	[XS_SET_QUOTA]		= "SET_QUOTA",
};

const char *tdm_xs_type_name(uint32_t type)
{
	if (type >= XS_TYPE_COUNT)
		return NULL;
	return type_names[type];
}

/*
 * The protocol's error numbers are the XEN_E* values, which equal Linux's
 * errno values on x86; the table in xs_wire.h pairs them with names.
 */
const char *tdm_xs_errname(int err)
{
	size_t i;

	for (i = 0; i < sizeof(xsd_errors) / sizeof(xsd_errors[0]); i++)
		if (xsd_errors[i].errnum == err)
			return xsd_errors[i].errstring;
	return xsd_errors[0].errstring;		/* "EINVAL" */
}

int tdm_xs_errnum(const char *name, size_t len)
{
	size_t i;

	for (i = 0; i < sizeof(xsd_errors) / sizeof(xsd_errors[0]); i++)
		if (strlen(xsd_errors[i].errstring) == len &&
		    memcmp(xsd_errors[i].errstring, name, len) == 0)
			return xsd_errors[i].errnum;
	return xsd_errors[0].errnum;		/* EINVAL */
}

int tdm_xs_check_header(const struct xsd_sockmsg *hdr)
{
	if (hdr->len > XENSTORE_PAYLOAD_MAX)
		return -EMSGSIZE;
	return 0;
}

unsigned int tdm_xs_split(const char *buf, size_t len, const char **vec,
			  unsigned int max)
{
	unsigned int n = 0;
	size_t start = 0, i;

	for (i = 0; i < len; i++) {
		if (buf[i] != '\0')
			continue;
		if (vec && n < max)
			vec[n] = buf + start;
		n++;
		start = i + 1;
	}
	return n;
}

static bool path_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '@';
}

/* Components separated by single '/', none empty. */
static bool components_valid(const char *p)
{
	bool in_component = false;

	for (; *p; p++) {
		if (*p == '/') {
			if (!in_component)
				return false;	/* "//" or leading '/' */
			in_component = false;
		} else if (path_char(*p)) {
			in_component = true;
		} else {
			return false;
		}
	}
	return in_component;			/* no trailing '/' */
}

bool tdm_xs_path_valid(const char *path)
{
	size_t len = strnlen(path, XENSTORE_ABS_PATH_MAX + 1);

	if (len > XENSTORE_ABS_PATH_MAX || path[0] != '/')
		return false;
	if (len == 1)
		return true;			/* the root */
	return components_valid(path + 1);
}

bool tdm_xs_relpath_valid(const char *path)
{
	size_t len = strnlen(path, XENSTORE_REL_PATH_MAX + 1);

	if (len == 0 || len > XENSTORE_REL_PATH_MAX)
		return false;
	return components_valid(path);
}

int tdm_xs_parse_uint(const char *s, unsigned long long max,
		      unsigned long long *out)
{
	unsigned long long v = 0;
	unsigned int d;

	if (!s || !*s)
		return -EINVAL;
	for (; *s; s++) {
		if (*s < '0' || *s > '9')
			return -EINVAL;
		d = (unsigned int)(*s - '0');
		if (v > (max - d) / 10)
			return -EINVAL;
		v = v * 10 + d;
	}
	*out = v;
	return 0;
}

int tdm_xs_perm_parse(const char *s, struct tdm_xs_perm *perm)
{
	unsigned long long domid;
	uint8_t p;

	switch (s[0]) {
	case 'n':
		p = TDM_XS_PERM_NONE;
		break;
	case 'r':
		p = TDM_XS_PERM_READ;
		break;
	case 'w':
		p = TDM_XS_PERM_WRITE;
		break;
	case 'b':
		p = TDM_XS_PERM_BOTH;
		break;
	default:
		return -EINVAL;
	}
	if (tdm_xs_parse_uint(s + 1, DOMID_FIRST_RESERVED - 1, &domid) < 0)
		return -EINVAL;
	perm->domid = (domid_t)domid;
	perm->perms = p;
	return 0;
}

int tdm_xs_perm_format(const struct tdm_xs_perm *perm, char *buf,
		       size_t size)
{
	static const char letter[] = "nrwb";
	int n;

	if (perm->perms > TDM_XS_PERM_BOTH)
		return -EINVAL;
	n = snprintf(buf, size, "%c%u", letter[perm->perms], perm->domid);
	if (n < 0 || (size_t)n >= size)
		return -ENOSPC;
	return n;
}

void tdm_xs_msg_init(struct tdm_xs_msg *m, uint32_t type, uint32_t req_id,
		     uint32_t tx_id)
{
	m->hdr.type = type;
	m->hdr.req_id = req_id;
	m->hdr.tx_id = tx_id;
	m->hdr.len = 0;
}

int tdm_xs_msg_add_data(struct tdm_xs_msg *m, const void *data, size_t len)
{
	if (len > XENSTORE_PAYLOAD_MAX - m->hdr.len)
		return -E2BIG;
	memcpy(m->body + m->hdr.len, data, len);
	m->hdr.len += (uint32_t)len;
	return 0;
}

int tdm_xs_msg_add_str(struct tdm_xs_msg *m, const char *s)
{
	size_t len = strnlen(s, XENSTORE_PAYLOAD_MAX + 1);

	if (len >= XENSTORE_PAYLOAD_MAX - m->hdr.len)
		return -E2BIG;
	return tdm_xs_msg_add_data(m, s, len + 1);
}

size_t tdm_xs_msg_size(const struct tdm_xs_msg *m)
{
	return sizeof(m->hdr) + m->hdr.len;
}
