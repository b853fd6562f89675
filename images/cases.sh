# SPDX-License-Identifier: MIT
# The test cases of Tandem's Linux guest images, one shell function
# case_<name> each, sourced by run-suite. A case returns 0 (pass), 1 with
# REASON set (fail) or 2 with REASON set (skip). Lines starting with '#'
# are diagnostics; "TANDEM-TEST <suite> mark <what> <values>" lines are
# read by the system test (tests/system/scenarios.py), which times them.
#
# Set by /init from the kernel command line: T_CPUS and T_MEM (MiB), the
# vCPUs and memory the domain was given.

note() {
	echo "# $SUITE/$T_CASE: $*"
}

mark() {
	echo "TANDEM-TEST $SUITE mark $*"
}

fail() {
	REASON="$*"
	return 1
}

skip() {
	REASON="$*"
	return 2
}

# Run a program, its output becoming diagnostics; a "fail: ..." line it
# prints becomes the REASON.
run() {
	_out=/tmp/run.$$
	# The OOM killer may choose it (the suite's shell it may not).
	(echo 0 > /proc/self/oom_score_adj && exec "$@") > "$_out" 2>&1
	_rc=$?
	sed "s|^|# $SUITE/$T_CASE: |" "$_out"
	_why=$(sed -n 's/^fail: //p' "$_out" | tail -n 1)
	rm -f "$_out"
	[ "$_rc" -eq 0 ] && return 0
	REASON=${_why:-"$1 ended with status $_rc"}
	return 1
}

# meminfo KEY: the value in KiB.
meminfo() {
	awk -v k="$1:" '$1 == k { print $2 }' /proc/meminfo
}

# Floating-point arithmetic for the shell: calc 'a - b' prints the value.
calc() {
	awk "BEGIN { printf \"%.3f\", $1 }"
}

# Is the awk expression true?
holds() {
	awk "BEGIN { exit !($1) }"
}

# Busy ticks (user, nice, system, irq, softirq) and steal ticks of each
# CPU, one CPU a line.
cpu_ticks() {
	awk '/^cpu[0-9]/ { print $2 + $3 + $4 + $7 + $8, $9 }' /proc/stat
}

case_cpus() {
	_n=$(grep -c '^processor' /proc/cpuinfo)
	_online=$(cat /sys/devices/system/cpu/online)
	note "online $_online, nproc $(nproc), $_n processors in /proc/cpuinfo"
	[ -n "$T_CPUS" ] || { fail "tandem.cpus= not on the command line"; return; }
	_want=0
	[ "$T_CPUS" -gt 1 ] && _want="0-$((T_CPUS - 1))"
	[ "$_n" -eq "$T_CPUS" ] && [ "$(nproc)" -eq "$T_CPUS" ] ||
		{ fail "$_n processors, $(nproc) online, want $T_CPUS"; return; }
	[ "$_online" = "$_want" ] ||
		{ fail "online CPUs '$_online', want '$_want'"; return; }
}

case_cpuinfo() {
	_models=$(sed -n 's/^model name[[:space:]]*: *//p' /proc/cpuinfo |
		sort -u)
	_count=$(echo "$_models" | wc -l)
	_mhz=$(awk -F': *' '/^cpu MHz/ { print int($2); exit }' /proc/cpuinfo)
	_flags=$(awk -F': *' '/^flags/ { print " " $2 " "; exit }' \
		/proc/cpuinfo)
	note "model '$_models', $_mhz MHz"
	note "flags$_flags"
	[ -n "$_models" ] && [ "$_count" -eq 1 ] ||
		{ fail "model names '$_models'"; return; }
	case "$_models" in
	*unknown*|*Unknown*) fail "model '$_models'"; return ;;
	esac
	[ "${_mhz:-0}" -gt 100 ] || { fail "cpu MHz '$_mhz'"; return; }
	for _f in fpu tsc cx8 sse2 lm nx hypervisor; do
		case "$_flags" in
		*" $_f "*) ;;
		*) fail "flag $_f missing"; return ;;
		esac
	done
}

# MemTotal is the domain's memory minus what the kernel keeps for itself
# (its image, page structures, the initramfs while it is unpacked).
case_meminfo() {
	_total=$(meminfo MemTotal)
	_avail=$(meminfo MemAvailable)
	note "MemTotal $((_total / 1024)) MiB, MemAvailable" \
		"$((_avail / 1024)) MiB, domain $T_MEM MiB"
	[ -n "$T_MEM" ] || { fail "tandem.mem= not on the command line"; return; }
	# At most the allocation; at least all of it but 60 MiB and 5 %.
	_low=$(( (T_MEM * 95 / 100 - 60) * 1024 ))
	[ "$_total" -le $((T_MEM * 1024)) ] && [ "$_total" -ge "$_low" ] ||
		{ fail "MemTotal $_total KiB, want $_low..$((T_MEM * 1024))"; return; }
}

# Every vCPU runs: a thread pinned to each reports that CPU, and a load
# of one spinning thread per vCPU for 3 s adds busy time to every CPU in
# /proc/stat: at least 10 % of the time, and at least half the average
# (vCPUs may outnumber the machine's CPUs: a fair share, not a whole CPU,
# is what each can expect; steal time is shown).
case_smp() {
	[ "${T_CPUS:-1}" -ge 2 ] || { skip "one vCPU"; return; }
	_i=0
	while [ "$_i" -lt "$T_CPUS" ]; do
		_out=$(taskset -c "$_i" tandem-check cpuhog 1 1)
		note "taskset -c $_i: $_out"
		case "$_out" in
		*"on cpus $_i") ;;
		*) fail "a thread pinned to CPU $_i ran on: ${_out##* }"; return ;;
		esac
		_i=$((_i + 1))
	done
	_before=$(cpu_ticks)
	tandem-check cpuhog "$T_CPUS" 3 > /dev/null
	_after=$(cpu_ticks)
	# One line: "busy steal" of every CPU before, then after.
	# shellcheck disable=SC2086
	_deltas=$(echo $_before $_after | awk '{
		n = NF / 2
		for (i = 1; i <= n; i += 2)
			printf "%d/%d ", $(n + i) - $i, $(n + i + 1) - $(i + 1)
	}')
	note "busy/steal ticks per CPU in 3 s of $T_CPUS spinning threads:" \
		"$_deltas"
	_n=0
	_sum=0
	for _d in $_deltas; do
		_n=$((_n + 1))
		_sum=$((_sum + ${_d%/*}))
	done
	[ "$_n" -eq "$T_CPUS" ] || { fail "/proc/stat lists $_n CPUs"; return; }
	_i=0
	for _d in $_deltas; do
		# USER_HZ is 100: 300 ticks in 3 s.
		[ "${_d%/*}" -ge 30 ] && [ $((${_d%/*} * 2 * _n)) -ge "$_sum" ] ||
			{ fail "CPU $_i busy ${_d%/*} of 300 ticks under load" \
				"(all: $_deltas)"; return; }
		_i=$((_i + 1))
	done
}

# sleep 5 takes 5 s by the guest's clocks; the system test compares the
# two marks with the host's clock.
case_sleep() {
	_a=$(tandem-check now)
	mark sleep-begin "$_a"
	sleep 5
	_b=$(tandem-check now)
	mark sleep-end "$_b"
	_mono=$(calc "${_b#* } - ${_a#* }")
	_real=$(calc "${_b%% *} - ${_a%% *}")
	note "sleep 5: $_mono s monotonic, $_real s wall clock"
	holds "$_mono >= 5 && $_mono < 5.5" ||
		{ fail "sleep 5 took $_mono s (monotonic)"; return; }
	holds "$_real - $_mono < 0.05 && $_mono - $_real < 0.05" ||
		{ fail "wall clock moved $_real s, monotonic $_mono s"; return; }
}

# The wall clock is today's (the system test compares it with the host).
case_date() {
	_now=$(tandem-check now)
	mark date "$_now"
	_year=$(date +%Y)
	_s=$(date +%s)
	note "date: $(date), wall clock ${_now%% *}"
	[ "$_year" -ge 2024 ] || { fail "the year is $_year"; return; }
	holds "$_s - ${_now%% *} < 2 && ${_now%% *} - $_s < 2" ||
		{ fail "date +%s is $_s, clock_gettime ${_now%% *}"; return; }
}

# The image's modules loaded (insmod by /init, in dependency order) and
# the Xen interfaces they and the kernel provide.
case_modules() {
	_release=$(uname -r)
	for _ko in $(cat "/lib/modules/$_release/load-order"); do
		_m=$(basename "$_ko" .ko | tr - _)
		grep -q "^$_m " /proc/modules ||
			{ fail "module $_m not loaded"; return; }
	done
	note "loaded: $(awk '{ printf "%s ", $1 }' /proc/modules)"
	_type=$(cat /sys/hypervisor/type 2>/dev/null)
	_ver="$(cat /sys/hypervisor/version/major 2>/dev/null).$(cat \
		/sys/hypervisor/version/minor 2>/dev/null)"
	note "/sys/hypervisor: type '$_type', version $_ver"
	[ "$_type" = xen ] || { fail "/sys/hypervisor/type is '$_type'"; return; }
	[ "$_ver" = 4.17 ] || { fail "hypervisor version '$_ver'"; return; }
	if grep -q '^xen_privcmd ' /proc/modules; then
		grep -q ' /proc/xen xenfs ' /proc/mounts ||
			{ fail "xenfs not mounted on /proc/xen"; return; }
		[ -e /proc/xen/capabilities ] ||
			{ fail "no /proc/xen/capabilities"; return; }
		for _d in evtchn gntdev gntalloc privcmd; do
			[ -c "/dev/xen/$_d" ] ||
				{ fail "no /dev/xen/$_d"; return; }
		done
	fi
}

# Anonymous memory: 85 % of MemTotal, or what the kernel says is
# available less 16 MiB if that is less (the initramfs stays in RAM),
# every page written and read back.
case_memory() {
	_total=$(meminfo MemTotal)
	_avail=$(meminfo MemAvailable)
	_mib=$((_total * 85 / 100 / 1024))
	[ $((_avail / 1024 - 16)) -lt "$_mib" ] && _mib=$((_avail / 1024 - 16))
	note "MemTotal $((_total / 1024)) MiB, MemAvailable" \
		"$((_avail / 1024)) MiB: touching $_mib MiB" \
		"($((_mib * 1024 * 100 / _total)) % of MemTotal)"
	run tandem-check memtouch "$_mib"
}

# Thousands of fork/exec/exit cycles, with exit codes and a pipeline.
case_forkexec() {
	_n=${T_FORKS:-2000}
	_t0=$(tandem-check now)
	_i=0
	while [ "$_i" -lt "$_n" ]; do
		/bin/true || { fail "/bin/true failed at run $_i"; return; }
		_i=$((_i + 1))
	done
	_t1=$(tandem-check now)
	note "$_n runs of /bin/true in $(calc "${_t1#* } - ${_t0#* }") s"
	_i=0
	while [ "$_i" -lt 100 ]; do
		sh -c "exit $((_i * 7 % 256))"
		_rc=$?
		[ "$_rc" -eq $((_i * 7 % 256)) ] ||
			{ fail "sh -c 'exit $((_i * 7 % 256))' gave $_rc"; return; }
		_i=$((_i + 1))
	done
	_top=$(seq 1 20000 | sort -rn | head -n 1)
	[ "$_top" = 20000 ] || { fail "seq | sort | head gave '$_top'"; return; }
}

# Signals from the shell (trap, kill, wait) and from C (tandem-check
# signals: handlers, masks, queued signals, SIGCHLD, EINTR, SIGSEGV,
# FPU state).
case_signals() {
	_got=
	trap '_got=usr1' USR1
	kill -USR1 $$
	trap - USR1
	[ "$_got" = usr1 ] || { fail "trap USR1 did not run"; return; }
	sleep 100 &
	_pid=$!
	kill -TERM "$_pid"
	wait "$_pid" 2>/dev/null
	_rc=$?
	[ "$_rc" -eq 143 ] ||
		{ fail "sleep killed by SIGTERM: wait gave $_rc, want 143"; return; }
	run tandem-check signals
}

case_threads() {
	run tandem-check threads 8 20000
}

# A user process reading kernel or hypervisor memory gets SIGSEGV.
case_kread() {
	run tandem-check kread
}

# Kernel log: no WARNING, BUG, Call Trace or unchecked MSR access. The
# warnings and errors that are there are listed as diagnostics.
case_dmesg() {
	# busybox dmesg -r: "<level>[time] text"; levels 0-4 are warnings and
	# worse.
	dmesg -r | sed -n "s|^<[0-4]>|# $SUITE/$T_CASE: |p"
	_bad=$(dmesg | grep -E 'WARNING|BUG|Call Trace|unchecked MSR' |
		head -n 1)
	[ -z "$_bad" ] || { fail "dmesg: $_bad"; return; }
}

# Page cache and anonymous memory under pressure. An ext4 file system
# on a loop device (backed by a file in the RAM-only root) holds a file
# of a quarter of MemTotal; reading it fills the page cache with clean,
# evictable pages. While it is read over and over, a hog allocates
# anonymous memory until the OOM killer ends it (it asks to be chosen:
# everything else runs with oom_score_adj -1000). Then: the hog, and
# only the hog, was killed; it got more memory than was free before, so
# the page cache was reclaimed for it; the cache shrank; the file still
# reads back intact; the kernel logged nothing but the OOM report.
case_pressure() {
	_total=$(meminfo MemTotal)
	_mib=$((_total / 4 / 1024))
	_file=$((_mib - 6))
	dd if=/dev/zero of=/tmp/disk.img bs=1M count="$_mib" 2>/dev/null ||
		{ fail "cannot make a $_mib MiB image in /tmp"; return; }
	_loop=$(losetup -f) && losetup "$_loop" /tmp/disk.img ||
		{ fail "losetup failed"; return; }
	mke2fs -q "$_loop" > /dev/null 2>&1 || { fail "mke2fs failed"; return; }
	mkdir -p /mnt/disk
	mount -t ext2 "$_loop" /mnt/disk || { fail "mount failed"; return; }
	dd if=/dev/urandom of=/mnt/disk/data bs=1M count="$_file" 2>/dev/null
	sync
	_sum=$(md5sum < /mnt/disk/data)
	echo 3 > /proc/sys/vm/drop_caches
	cat /mnt/disk/data > /dev/null
	_cache0=$(( $(meminfo 'Active(file)') + $(meminfo 'Inactive(file)') ))
	_free0=$(meminfo MemFree)
	note "$_file MiB file on ext4/$_loop read: file cache" \
		"$((_cache0 / 1024)) MiB, MemFree $((_free0 / 1024)) MiB"
	[ "$_cache0" -ge $((_file * 1024 * 8 / 10)) ] ||
		{ fail "reading the file cached only $_cache0 KiB"; return; }

	_before=$(dmesg | grep -c 'Killed process')
	( while :; do cat /mnt/disk/data > /dev/null; done ) &
	_reader=$!
	tandem-check memhog 4 > /tmp/hog.out 2>&1
	_hog=$?
	kill "$_reader"
	wait "$_reader" 2>/dev/null
	_got=$(sed -n 's/^memhog: \([0-9]*\) MiB$/\1/p' /tmp/hog.out | tail -n 1)
	_cache1=$(( $(meminfo 'Active(file)') + $(meminfo 'Inactive(file)') ))
	_killed=$(dmesg | grep 'Killed process' | tail -n +$((_before + 1)))
	note "hog: status $_hog after ${_got:-0} MiB; file cache now" \
		"$((_cache1 / 1024)) MiB"
	note "OOM killer: ${_killed:-nothing}"
	case "$_hog" in
	137|3) ;;	# killed (SIGKILL), or a mapping refused
	*) fail "the hog ended with status $_hog"; return ;;
	esac
	_nkilled=$(printf '%s\n' "$_killed" | grep -c 'Killed process')
	_nhog=$(printf '%s\n' "$_killed" | grep -c '(tandem-check)')
	[ "$_nkilled" -eq "$_nhog" ] ||
		{ fail "the OOM killer killed more than the hog: $_killed"; return; }
	[ "$_hog" -eq 3 ] || [ "$_nhog" -eq 1 ] ||
		{ fail "the hog was killed, $_nhog OOM kills logged"; return; }
	[ "${_got:-0}" -gt $((_free0 / 1024)) ] ||
		{ fail "the hog got ${_got:-0} MiB, no more than the" \
			"$((_free0 / 1024)) MiB free before: no page cache" \
			"reclaimed"; return; }
	[ "$_cache1" -lt $((_cache0 / 2)) ] ||
		{ fail "file cache $_cache0 -> $_cache1 KiB: not reclaimed"; return; }
	[ "$(md5sum < /mnt/disk/data)" = "$_sum" ] ||
		{ fail "the file changed under memory pressure"; return; }
	_traces=$(dmesg | grep -c 'Call Trace')
	_reports=$(dmesg | grep -c 'invoked oom-killer')
	_other=$(dmesg | grep -E 'WARNING|BUG|unchecked MSR' | head -n 1)
	[ -z "$_other" ] || { fail "kernel log: $_other"; return; }
	[ "$_traces" -le "$_reports" ] ||
		{ fail "$_traces call traces, $_reports OOM reports"; return; }
	umount /mnt/disk && losetup -d "$_loop" && rm /tmp/disk.img ||
		{ fail "cleanup failed"; return; }
}

# The other domain's load in the side-by-side test: a fork bomb capped at
# 200 processes and one spinning thread per vCPU, for 40 s.
case_load() {
	mark load-begin
	tandem-check cpuhog "${T_CPUS:-1}" 40 > /tmp/cpuhog.out &
	_hog=$!
	run tandem-check forkbomb 200 40
	_rc=$?
	wait "$_hog"
	note "$(cat /tmp/cpuhog.out)"
	mark load-end
	return $_rc
}
