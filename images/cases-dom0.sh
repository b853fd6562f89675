# SPDX-License-Identifier: MIT
# The control domain's cases (suite dom0; sourced by run-suite after
# cases.sh): QEMU's emulated hardware driven by dom0's ordinary drivers,
# then VMs made and ended by the toolstack. The system test
# (tests/system, scenario linux-dom0) starts QEMU with the devices and
# passes on the kernel command line what it wrote on the disks:
#   tandem.disk=SHA256 tandem.usb=SHA256   of the first 8 MiB of each

# cmdline_value KEY: the value of KEY=... on the kernel command line.
cmdline_value() {
	sed -n "s/.*\<$1=\([^ ]*\).*/\1/p" /proc/cmdline
}

# pci_driver VENDOR:DEVICE: the driver bound to that PCI function.
pci_driver() {
	for _d in /sys/bus/pci/devices/*; do
		[ "$(cat "$_d/vendor"):$(cat "$_d/device")" = \
		    "0x${1%:*}:0x${1#*:}" ] ||
			continue
		[ -e "$_d/driver" ] && basename "$(readlink "$_d/driver")"
		return
	done
}

# disk_on BUS: the first disk (sdX, vdX) whose sysfs path has BUS in it.
disk_on() {
	for _b in /sys/block/sd* /sys/block/vd*; do
		[ -e "$_b" ] || continue
		case "$(readlink -f "$_b")" in
		*"$1"*) basename "$_b"; return ;;
		esac
	done
}

# check_disk DEV KEY: the first 8 MiB of /dev/DEV have the SHA-256 the
# command line gives as KEY.
check_disk() {
	_want=$(cmdline_value "$2")
	[ -n "$_want" ] || { skip "no $2= on the command line"; return; }
	_got=$(dd if="/dev/$1" bs=1M count=8 2>/dev/null | sha256sum)
	_got=${_got%% *}
	note "/dev/$1: $(cat "/sys/block/$1/size") sectors, sha256 $_got"
	[ "$_got" = "$_want" ] ||
		fail "/dev/$1 reads back sha256 $_got, the host wrote $_want"
}

case_pci() {
	for _d in /sys/bus/pci/devices/*; do
		_drv=-
		[ -e "$_d/driver" ] && _drv=$(basename "$(readlink "$_d/driver")")
		note "$(basename "$_d") $(cat "$_d/vendor"):$(cat \
			"$_d/device") class $(cat "$_d/class") driver $_drv"
	done
	# QEMU's IDs: ICH9 AHCI, e1000, xHCI, ICH6 HD audio, std VGA.
	for _want in 8086:2922=ahci 8086:100e=e1000 1b36:000d=xhci_hcd \
	    8086:2668=snd_hda_intel 1234:1111=bochs-drm; do
		_drv=$(pci_driver "${_want%=*}")
		[ "$_drv" = "${_want#*=}" ] || {
			fail "PCI ${_want%=*} has driver '${_drv:-none}'," \
				"expected ${_want#*=}"
			return
		}
	done
}

case_disk() {
	_dev=$(disk_on /ata)
	[ -n "$_dev" ] || { fail "no disk on the AHCI controller"; return; }
	check_disk "$_dev" tandem.disk
}

case_usb() {
	_n=0
	while [ -z "$(disk_on /usb)" ] && [ "$_n" -lt 100 ]; do
		sleep 0.1
		_n=$((_n + 1))
	done
	_dev=$(disk_on /usb)
	[ -n "$_dev" ] || { fail "no USB storage device"; return; }
	note "USB: $(cat /sys/bus/usb/devices/*/product 2>/dev/null | tr '\n' ',')"
	check_disk "$_dev" tandem.usb
}

# The e1000's link comes up and QEMU's user network answers DHCP: frames
# both ways by DMA, with the NIC's interrupt.
case_nic() {
	ip link set eth0 up || { fail "cannot bring eth0 up"; return; }
	_n=0
	while [ "$(cat /sys/class/net/eth0/carrier 2>/dev/null)" != 1 ]; do
		[ "$_n" -ge 50 ] && { fail "eth0 has no carrier"; return; }
		sleep 0.1
		_n=$((_n + 1))
	done
	_out=$(udhcpc -i eth0 -n -q -t 5 -T 2 -s /bin/true 2>&1)
	note "$(echo "$_out" | tr '\n' ' ')"
	echo "$_out" | grep -q "lease of 10\.0\.2\.15 obtained" ||
		fail "no DHCP lease from QEMU's network"
}

# The HD audio controller's codec answered (commands and responses go
# through DMA rings, completions by interrupt).
case_audio() {
	note "$(cat /proc/asound/cards 2>/dev/null | head -n 2 | tr -s ' ')"
	grep -q "HDA-Intel" /proc/asound/cards 2>/dev/null ||
		{ fail "no HD audio card in /proc/asound/cards"; return; }
	_codec=$(ls /proc/asound/card0/codec#* 2>/dev/null | head -n 1)
	[ -n "$_codec" ] || { fail "the HD audio codec did not answer"; return; }
	note "$(head -n 1 "$_codec")"
}

case_display() {
	[ -e /sys/class/drm/card0 ] || { fail "no DRM device"; return; }
	[ -c /dev/fb0 ] || { fail "no frame buffer /dev/fb0"; return; }
	note "fb0: $(cat /sys/class/graphics/fb0/name)," \
		"$(cat /sys/class/graphics/fb0/virtual_size)"
}

# Physical interrupts reach dom0 as event channels: the devices above
# took some.
case_irq() {
	grep -i "xen-pirq" /proc/interrupts | while read -r _l; do
		note "$_l"
	done
	for _drv in ahci xhci_hcd eth0; do
		_count=$(awk -v d="$_drv" '/xen-pirq/ && $NF ~ d {
			for (i = 2; i < NF; i++) if ($i ~ /^[0-9]+$/) s += $i
		} END { print s + 0 }' /proc/interrupts)
		[ "$_count" -gt 0 ] ||
			{ fail "no interrupts for $_drv"; return; }
	done
}

# free_kib: the memory the hypervisor has given to nobody.
free_kib() {
	tandem info | sed -n 's/^free_kib=//p'
}

# vm_log NAME: the console log tandem-consoled keeps.
vm_log() {
	echo "/var/log/tandem/console/$1.log"
}

# wait_log NAME PATTERN SECONDS
wait_log() {
	_n=0
	while ! grep -q "$2" "$(vm_log "$1")" 2>/dev/null; do
		[ "$_n" -ge "$(($3 * 2))" ] && return 1
		sleep 0.5
		_n=$((_n + 1))
	done
}

# vm_state NAME: its state in 'tandem list', or nothing.
vm_state() {
	vm_field "$1" 3
}

case_vm_create() {
	T_FREE_BEFORE=$(free_kib)
	note "free before: $T_FREE_BEFORE KiB"
	for _vm in work personal; do
		run tandem create "$_vm" || return
	done
	for _vm in work personal; do
		wait_log "$_vm" "This is the '$_vm' VM" 300 || {
			fail "$_vm: no shell on its console after 300 s;" \
				"log: $(tail -n 3 "$(vm_log "$_vm")" | tr '\n' '|')"
			return
		}
	done
}

# profile_value NAME KEY: a number from the VM's profile.
profile_value() {
	sed -n "s/^$2 *= *\([0-9]*\).*/\1/p" "/etc/tandem/profiles/$1"
}

# Both VMs are listed running, with their profiles' memory and vCPUs.
case_vm_list() {
	_out=$(tandem list)
	echo "$_out" | sed "s|^|# $SUITE/$T_CASE: |"
	for _vm in work personal; do
		_mem=$(profile_value "$_vm" memory)
		_cpus=$(profile_value "$_vm" vcpus)
		echo "$_out" | awk -v n="$_vm" -v m="$_mem" -v c="$_cpus" '
			$1 == n && $3 == "running" && $4 == m && $5 == c {
				ok = 1
			} END { exit !ok }' || {
			fail "$_vm is not running with $_mem MiB, $_cpus vCPUs"
			return
		}
	done
}

# A command typed through 'tandem console' runs in the VM and its output
# comes back; the client leaves on Ctrl-].
case_vm_console() {
	for _vm in work personal; do
		console_answers "$_vm"
		_rc=$?
		sed "s|^|# $SUITE/$T_CASE: |" /tmp/console.out | tail -n 4
		[ "$_rc" -eq 0 ] || { fail "no answer from $_vm's shell"; return; }
	done
}

# vm_field NAME COLUMN: a column of the VM's line in 'tandem list'.
vm_field() {
	tandem list | awk -v n="$1" -v c="$2" '$1 == n { print $c }'
}

# console_answers VM: a command typed through 'tandem console' is
# answered by that VM's shell (the session is in /tmp/console.out).
console_answers() {
	(sleep 2; echo "echo vm-\$(hostname)-\$((6 * 7))"; sleep 3;
	 printf '\035') | tandem console "$1" > /tmp/console.out 2>&1
	grep -q "vm-$1-42" /tmp/console.out
}

# wait_log_count NAME PATTERN N SECONDS: PATTERN is in the log N times.
wait_log_count() {
	_n=0
	while [ "$(grep -c "$2" "$(vm_log "$1")")" -lt "$3" ]; do
		[ "$_n" -ge "$(($4 * 2))" ] && return 1
		sleep 0.5
		_n=$((_n + 1))
	done
}

# A paused VM gets no CPU time; unpaused, it answers again.
case_vm_pause() {
	run tandem pause personal || return
	[ "$(vm_field personal 3)" = paused ] ||
		{ fail "personal is $(vm_field personal 3), not paused"; return; }
	_t0=$(vm_field personal 6)
	sleep 3
	_t1=$(vm_field personal 6)
	note "CPU time while paused: $_t0 s, 3 s later $_t1 s"
	[ "$_t0" = "$_t1" ] || { fail "a paused VM ran ($_t0 -> $_t1 s)"; return; }
	run tandem unpause personal || return
	[ "$(vm_field personal 3)" = running ] ||
		{ fail "personal is $(vm_field personal 3) after unpause"; return; }
	console_answers personal || fail "personal does not answer after unpause"
}

# The guest reboots: a new domain, the same VM, its shell again.
case_vm_reboot() {
	_id0=$(vm_field work 2)
	_boots=$(grep -c "This is the 'work' VM" "$(vm_log work)")
	if ! run timeout 300 tandem reboot --wait work; then
		show_logs work
		return 1
	fi
	_id1=$(vm_field work 2)
	note "work was dom$_id0, now dom$_id1"
	[ -n "$_id1" ] && [ "$_id1" != "$_id0" ] ||
		{ fail "work did not come back as a new domain"; return; }
	wait_log_count work "This is the 'work' VM" $((_boots + 1)) 300 || {
		show_logs work
		fail "work's shell did not come back after the reboot"
		return
	}
	console_answers work || fail "work does not answer after the reboot"
}

# expect_error WHAT PATTERN COMMAND...: it fails, saying PATTERN.
expect_error() {
	_what=$1
	_want=$2
	shift 2
	_out=$("$@" 2>&1) && { fail "$_what: '$*' succeeded"; return 1; }
	note "$_what: $_out"
	echo "$_out" | grep -qF -- "$_want" ||
		{ fail "$_what: '$_out' does not say '$_want'"; return 1; }
}

# Mistakes a user makes get errors saying what is wrong and where.
case_vm_errors() {
	_p=/tmp/profiles
	mkdir -p $_p
	printf 'name = typo\nkernel = vmlinuz-amd64\nmemroy = 128M\n' \
		> $_p/typo
	printf 'name = nokernel\nkernel = /no/such/vmlinuz\nmemory = 128M\n' \
		> $_p/nokernel
	printf 'name = tiny\nkernel = vmlinuz-amd64\nmemory = 32M\n' \
		> $_p/tiny
	printf 'name = huge\nkernel = vmlinuz-amd64\nmemory = 1024M\n' \
		> $_p/huge
	expect_error "bad key" "$_p/typo:3: unknown key 'memroy'" \
		tandem create $_p/typo || return
	expect_error "missing kernel" "/no/such/vmlinuz" \
		tandem create $_p/nokernel || return
	expect_error "too little memory" "too little memory to boot" \
		tandem create $_p/tiny || return
	expect_error "too much memory" "not enough free memory" \
		tandem create $_p/huge || return
	expect_error "unknown VM" "no VM 'nosuch' (known VMs:" \
		tandem shutdown nosuch || return
	for _vm in typo nokernel tiny huge; do
		[ -z "$(vm_field $_vm 1)" ] ||
			{ fail "refused VM $_vm is listed"; return; }
	done
}

# show_logs VM: the last lines of the VM's console and of tandemd's log.
show_logs() {
	tail -n 8 "$(vm_log "$1")" | sed "s|^|# $SUITE/$T_CASE: $1: |"
	tail -n 8 /var/log/tandem/tandemd.log |
		sed "s|^|# $SUITE/$T_CASE: tandemd: |"
}

case_vm_shutdown() {
	if ! run timeout 120 tandem shutdown --wait work; then
		show_logs work
		return 1
	fi
	[ -z "$(vm_state work)" ] ||
		{ fail "work still listed as $(vm_state work)"; return; }
	wait_log work "tandem-init: ending the domain: poweroff" 5 || {
		show_logs work
		fail "work's console does not show it powering off"
	}
}

case_vm_destroy() {
	run tandem destroy personal || return
	_n=0
	while [ -n "$(vm_state personal)" ]; do
		[ "$_n" -ge 20 ] && { fail "personal still listed"; return; }
		sleep 0.5
		_n=$((_n + 1))
	done
}

# Every page of the VMs is back in the hypervisor's free pool. Up to
# 64 KiB may stay with the hypervisor's small-object slabs, which keep
# the pages they grew into (the first domains built make them grow).
case_memory_back() {
	[ -n "$T_FREE_BEFORE" ] || { skip "vm_create did not run"; return; }
	_n=0
	while :; do
		_free=$(free_kib)
		[ "$_free" -ge "$((T_FREE_BEFORE - 64))" ] && break
		[ "$_n" -ge 20 ] && {
			fail "free memory $_free KiB, $T_FREE_BEFORE before"
			return
		}
		sleep 0.5
		_n=$((_n + 1))
	done
	note "free after: $_free KiB"
}
