# SPDX-License-Identifier: MIT
# Hostile guests (sourced by run-suite). dom0's case vm_hostile starts the
# 'intruder' VM beside 'work' and 'personal'; the intruder runs suite
# hostile, whose cases are the attacks of 'tandem-check hostile'
# (linux-tests/hostile.c): each must be refused as Xen 4.17 refuses it,
# the intruder's own store access still working. vm_hostile then checks
# that the toolstack, the store and the console backend served everyone
# else throughout.

case_hostile_hypercalls() {
	run tandem-check hostile hypercalls
}

case_hostile_foreign() {
	run tandem-check hostile foreign
}

case_hostile_ioport() {
	run tandem-check hostile ioport
}

case_hostile_store_others() {
	run tandem-check hostile store-others
}

case_hostile_store_quota() {
	run tandem-check hostile store-quota
}

case_hostile_store_watches() {
	run tandem-check hostile store-watches
}

case_hostile_store_transactions() {
	run tandem-check hostile store-transactions
}

case_hostile_store_flood() {
	run tandem-check hostile store-flood
}

case_hostile_store_malformed() {
	run tandem-check hostile store-malformed
}

case_hostile_ring() {
	run tandem-check hostile ring
}


# check_store_of VM ID: the nodes the intruder tried to change still hold
# what the toolstack wrote.
check_store_of() {
	for _want in "/local/domain/$2/name=$1" \
	    "/local/domain/$2/control/shutdown=" \
	    "/tool/tandem/domain/$2/name=$1"; do
		_got=$(timeout 30 tandem-check xsread "${_want%%=*}")
		[ "$_got" = "$_want" ] ||
			{ fail "store: '$_got', want '$_want'"; return; }
	done
}

# intruder_says: lines of the intruder's console from stdin, as our
# diagnostics (the system test reads no verdicts or kernel trouble in
# those).
intruder_says() {
	tr -d '\r' | sed -e "s|^|# $SUITE/$T_CASE: intruder: |"
}

# oops_where: the first function of the intruder's first call trace.
oops_where() {
	tr -d '\r' < "$_log" | sed -n '/Call Trace/,$ {
		s/^\[[^]]*\]  \([a-z_][^ ]*\)$/\1/p
	}' | head -n 1
}

# relay_intruder: the intruder's verdicts so far (in /tmp/hostile.out)
# and the diagnostics of the cases that failed.
relay_intruder() {
	tr -d '\r' < "$_log" | sed -n 's/^TANDEM-TEST hostile //p' |
		grep -v '^mark ' > /tmp/hostile.out
	intruder_says < /tmp/hostile.out
	awk '$2 == "FAIL" { print $1 }' /tmp/hostile.out | while read -r _c; do
		grep "^# hostile/$_c: " "$_log" | intruder_says
	done
}

# serving ID: the toolstack lists the VMs and the store gives dom0 the
# name of domain ID (work), each within 30 s.
serving() {
	timeout 30 tandem list > /dev/null || {
		fail "tandem list did not answer during the attacks"
		return
	}
	[ "$(timeout 30 tandem-check xsread "/local/domain/$1/name")" = \
	    "/local/domain/$1/name=work" ] ||
		fail "the store did not answer dom0 during the attacks"
}

# The intruder attacks while dom0 keeps asking the toolstack and its store
# connection for things (serving, every 5 s). Then: it powered off and is
# gone; work and personal run, their store nodes as the toolstack wrote
# them, their consoles answer (case_vm_console); every case of its suite
# passed.
case_vm_hostile() {
	_log=$(vm_log intruder)
	_work=$(vm_field work 2)
	_personal=$(vm_field personal 2)
	if [ -z "$_work" ] || [ -z "$_personal" ]; then
		fail "work and personal are not both running"
		return
	fi
	cat > /tmp/intruder <<EOF
name = intruder
kernel = vmlinuz-amd64
initrd = initramfs-amd64.cpio
cmdline = console=hvc0 tandem.vm=intruder tandem.test=hostile
memory = 192M
vcpus = 1
on_poweroff = destroy
EOF
	run tandem create /tmp/intruder || return
	_id=$(vm_field intruder 2)
	note "intruder is d$_id; work d$_work, personal d$_personal"
	_end=$(($(date +%s) + 300))
	_polls=0
	_slowest=0
	while ! grep -q "TANDEM-TEST hostile DONE" "$_log" 2>/dev/null; do
		_why=
		grep -q "Call Trace" "$_log" &&
			_why="its kernel oopsed in $(oops_where)"
		[ "$(date +%s)" -ge "$_end" ] && _why="no DONE after 300 s"
		if [ -n "$_why" ]; then
			relay_intruder
			tail -n 60 "$_log" | intruder_says
			# Later cases count on its memory coming back.
			tandem destroy intruder > /dev/null
			fail "intruder: $_why"
			return
		fi
		_t0=$(tandem-check now)
		serving "$_work" || return
		_t1=$(tandem-check now)
		_d=$(calc "${_t1#* } - ${_t0#* }")
		holds "$_d > $_slowest" && _slowest=$_d
		_polls=$((_polls + 1))
		sleep 5
	done
	note "during the attacks: $_polls rounds of 'tandem list' and a" \
		"store read, the slowest $_slowest s"

	relay_intruder
	# What the store logged about it (the ring case gets it dropped).
	grep "dom$_id: " /var/log/tandem/tandem-store.log |
		sed "s|^|# $SUITE/$T_CASE: tandem-store: |"

	_n=0
	while [ -n "$(vm_state intruder)" ]; do
		if [ "$_n" -ge 120 ]; then
			_state=$(vm_state intruder)
			tandem destroy intruder > /dev/null
			fail "intruder still '$_state' 60 s after its suite" \
				"ended"
			return
		fi
		sleep 0.5
		_n=$((_n + 1))
	done
	for _vm in work personal; do
		_state=$(vm_state "$_vm")
		[ "$_state" = running ] ||
			{ fail "$_vm is '$_state' after the attacks"; return; }
	done
	check_store_of work "$_work" || return
	check_store_of personal "$_personal" || return
	case_vm_console || return
	grep -q "^DONE .* failed=0 skipped=0" /tmp/hostile.out ||
		fail "not every attack was refused:" "$(awk '$2 != "PASS" {
			printf "%s ", $0 }' /tmp/hostile.out)"
}
