// SPDX-License-Identifier: MIT
/* Applies the hypervisor command line to the options declared in code. */
#include <tandem/errno.h>
#include <tandem/lib.h>
#include <tandem/params.h>

extern const struct kernel_param __start_params[], __stop_params[];

static int parse_bool(const char *v)
{
	if (!v || !strcmp(v, "1") || !strcmp(v, "on") || !strcmp(v, "yes") ||
	    !strcmp(v, "true"))
		return 1;
	if (!strcmp(v, "0") || !strcmp(v, "off") || !strcmp(v, "no") ||
	    !strcmp(v, "false"))
		return 0;
	return -EINVAL;
}

static int apply(const struct kernel_param *p, const char *val)
{
	const char *end;
	int b;

	switch (p->kind) {
	case PARAM_BOOL:
		b = parse_bool(val);
		if (b < 0)
			return b;
		*(bool *)p->var = b;
		return 0;
	case PARAM_UINT:
		if (!val || !*val)
			return -EINVAL;
		*(unsigned long long *)p->var = simple_strtoull(val, &end, 0);
		return *end ? -EINVAL : 0;
	case PARAM_SIZE:
		if (!val || !*val)
			return -EINVAL;
		*(unsigned long long *)p->var = parse_size(val, &end);
		return *end ? -EINVAL : 0;
	case PARAM_STRING:
		if (!val)
			return -EINVAL;
		if (strlcpy(p->var, val, p->len) >= p->len)
			return -ENAMETOOLONG;
		return 0;
	case PARAM_CUSTOM:
		return p->fn(val);
	}
	return -EINVAL;
}

void parse_cmdline(const char *cmdline)
{
	char word[256];

	while (*cmdline) {
		const struct kernel_param *p;
		const char *val = NULL;
		size_t n = 0;
		char *eq;
		int rc = -ENOENT;

		while (*cmdline == ' ')
			cmdline++;
		while (*cmdline && *cmdline != ' ') {
			if (n + 1 < sizeof(word))
				word[n++] = *cmdline;
			cmdline++;
		}
		word[n] = '\0';
		if (!n)
			continue;
		eq = strchr(word, '=');
		if (eq) {
			*eq = '\0';
			val = eq + 1;
		}
		for (p = __start_params; p < __stop_params; p++) {
			if (strcmp(p->name, word))
				continue;
			rc = apply(p, val);
			break;
		}
		if (rc == -ENOENT)
			pr_warn("cmdline: unknown option '%s' ignored\n", word);
		else if (rc)
			pr_warn("cmdline: bad value '%s' for '%s' (%s): ignored\n",
				val ? val : "", word, p->help);
	}
}
