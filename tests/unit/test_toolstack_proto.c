// SPDX-License-Identifier: MIT
/*
 * Host unit test of the tandemd protocol codec (dom0/toolstack/proto.c)
 * and of the VM state machine's transition table (vm.c).
 */
#define _GNU_SOURCE

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "proto.h"
#include "vm.h"

#include "check.h"

static char buf[TS_HDR_SIZE + TS_MAX_PAYLOAD + 64];

static void codec(void)
{
	unsigned int f0 = check_failures();
	const char *in[3] = { "work", "", "wait" }, *out[8];
	struct ts_hdr h;
	int len, n;
	char *big;

	len = ts_encode(buf, sizeof(buf), TS_REQ_SHUTDOWN, 77, in, 3);
	CHECK_EQ(len, TS_HDR_SIZE + 5 + 1 + 5, "encoded length");
	CHECK_EQ(ts_check_header(buf, (size_t)len, &h), TS_HDR_SIZE,
		 "header accepted");
	CHECK(h.magic == TS_MAGIC && h.version == TS_VERSION &&
	      h.type == TS_REQ_SHUTDOWN && h.id == 77 && h.len == 11,
	      "header fields");
	CHECK(!memcmp(buf, "TDM1", 4), "the magic reads TDM1");
	n = ts_split(buf + TS_HDR_SIZE, h.len, out, 8);
	CHECK(n == 3 && !strcmp(out[0], "work") && !strcmp(out[1], "") &&
	      !strcmp(out[2], "wait"), "split back into 3 strings, one empty");
	CHECK_EQ(ts_check_header(buf, TS_HDR_SIZE - 1, &h), 0,
		 "a partial header: wait for more");
	CHECK_EQ(ts_split(buf, 0, out, 8), 0, "an empty payload: no strings");
	CHECK_EQ(ts_encode(buf, sizeof(buf), TS_REQ_LIST, 1, NULL, 0),
		 TS_HDR_SIZE, "no strings: just a header");

	memcpy(buf, "XDM1", 4);
	CHECK_EQ(ts_check_header(buf, TS_HDR_SIZE, &h), -EPROTO, "bad magic");
	len = ts_encode(buf, sizeof(buf), TS_REQ_PING, 1, NULL, 0);
	((struct ts_hdr *)buf)->version = 2;
	CHECK_EQ(ts_check_header(buf, TS_HDR_SIZE, &h), -EPROTONOSUPPORT,
		 "another version");
	((struct ts_hdr *)buf)->version = TS_VERSION;
	((struct ts_hdr *)buf)->len = TS_MAX_PAYLOAD + 1;
	CHECK_EQ(ts_check_header(buf, TS_HDR_SIZE, &h), -EMSGSIZE,
		 "a payload over the limit");
	((struct ts_hdr *)buf)->len = UINT32_MAX;
	CHECK_EQ(ts_check_header(buf, TS_HDR_SIZE, &h), -EMSGSIZE,
		 "a payload of 4 GiB");
	((struct ts_hdr *)buf)->len = TS_MAX_PAYLOAD;
	CHECK_EQ(ts_check_header(buf, TS_HDR_SIZE, &h), TS_HDR_SIZE,
		 "exactly the limit is fine");

	CHECK_EQ(ts_split("abc", 3, out, 8), -EINVAL, "not NUL-terminated");
	CHECK_EQ(ts_split("a\0b", 3, out, 8), -EINVAL,
		 "last string unterminated");
	CHECK_EQ(ts_split("a\0b\0c\0", 6, out, 2), -E2BIG, "too many strings");
	CHECK_EQ(ts_split("\0\0\0", 3, out, 8), 3, "three empty strings");

	big = malloc(TS_MAX_PAYLOAD + 1);
	memset(big, 'x', TS_MAX_PAYLOAD);
	big[TS_MAX_PAYLOAD] = '\0';
	in[0] = big;
	CHECK_EQ(ts_encode(buf, sizeof(buf), TS_REPLY_OK, 1, in, 1), -E2BIG,
		 "a string as long as the payload limit (+ NUL) is too big");
	big[TS_MAX_PAYLOAD - 1] = '\0';
	CHECK_EQ(ts_encode(buf, sizeof(buf), TS_REPLY_OK, 1, in, 1),
		 TS_HDR_SIZE + TS_MAX_PAYLOAD, "one that just fits");
	CHECK_EQ(ts_encode(buf, 100, TS_REPLY_OK, 1, in, 1), -ENOSPC,
		 "a buffer too small");
	free(big);
	CHECK(ts_type_name(TS_REQ_CREATE) && !strcmp(ts_type_name(
	      TS_REQ_CREATE), "create") && !ts_type_name(0) &&
	      !ts_type_name(99) && !ts_type_name(TS_REPLY_OK),
	      "request names; none for unknown types or replies");
	check_section(f0, "the codec");
}

/* Split random payloads: never past the buffer (ASan watches). */
static void random_payloads(void)
{
	unsigned int f0 = check_failures(), i, j;
	const char *out[TS_MAX_ARGS];
	uint64_t seed = 42;

	for (i = 0; i < 5000; i++) {
		size_t len = i % 300;
		char *p = malloc(len + 1);
		int n;

		for (j = 0; j < len; j++) {
			seed = seed * 6364136223846793005ull + 1;
			p[j] = (seed >> 60) < 4 ? '\0' : (char)(seed >> 52);
		}
		n = ts_split(p, len, out, TS_MAX_ARGS);
		if (len && p[len - 1] != '\0')
			check(n == -EINVAL, "unterminated payload %u", i);
		else
			check(n >= 0 && n <= (int)len, "payload %u: %d", i, n);
		free(p);
	}
	check_section(f0, "random payloads");
}

static void states(void)
{
	unsigned int f0 = check_failures();
	unsigned int from, to, n = 0;

	CHECK(vm_transition_ok(VM_BUILDING, VM_RUNNING) &&
	      vm_transition_ok(VM_RUNNING, VM_PAUSED) &&
	      vm_transition_ok(VM_PAUSED, VM_RUNNING) &&
	      vm_transition_ok(VM_RUNNING, VM_SHUTTING_DOWN) &&
	      vm_transition_ok(VM_SHUTTING_DOWN, VM_RESTARTING) &&
	      vm_transition_ok(VM_RESTARTING, VM_BUILDING) &&
	      vm_transition_ok(VM_SHUTTING_DOWN, VM_DEAD) &&
	      vm_transition_ok(VM_RUNNING, VM_STOPPED) &&
	      vm_transition_ok(VM_STOPPED, VM_DEAD), "the documented path");
	CHECK(!vm_transition_ok(VM_DEAD, VM_RUNNING) &&
	      !vm_transition_ok(VM_BUILDING, VM_PAUSED) &&
	      !vm_transition_ok(VM_STOPPED, VM_RUNNING) &&
	      !vm_transition_ok(VM_RESTARTING, VM_RUNNING) &&
	      !vm_transition_ok(VM_NR_STATES, VM_DEAD) &&
	      !vm_transition_ok(VM_RUNNING, (enum vm_state)99),
	      "no way back from dead or stopped, no skipping the build");
	for (from = 0; from < VM_NR_STATES; from++) {
		CHECK(vm_transition_ok((enum vm_state)from, VM_DEAD) ==
		      (from != VM_DEAD), "%s -> dead", vm_state_name(
		      (enum vm_state)from));
		for (to = 0; to < VM_NR_STATES; to++)
			n += vm_transition_ok((enum vm_state)from,
					      (enum vm_state)to);
	}
	CHECK_EQ(n, 19, "transitions in the table (as drawn in vm.h)");
	CHECK(!strcmp(vm_state_name(VM_SHUTTING_DOWN), "shutting-down") &&
	      !strcmp(vm_state_name((enum vm_state)42), "?"), "state names");
	check_section(f0, "the VM state machine");
}

int main(void)
{
	codec();
	random_payloads();
	states();
	return check_summary();
}
