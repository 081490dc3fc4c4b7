# strongSwan in the guest: one charon per network namespace, each with its
# own strongswan.conf, vici socket and a private /run (charon's pid file
# path is compiled in).  Sourced after lib.sh.
#
# Topology (swan_topology): ns1 and ns2 joined by LINK1/LINK2 (a veth pair
# or the simulated NIC), outer 10.0.0.1/.2 and fd00::1/::2, and a subnet
# behind each side on a dummy device for the tunnel-mode connections:
# 192.168.1.1/24 + fd01:1::1/64 in ns1, 192.168.2.1/24 + fd01:2::1/64 in ns2.
SWAN=/tmp/swan

swan_topology() {	# LINK1 LINK2 (already in ns1 / ns2 and up)
	for n in 1 2; do
		ip -n ns$n link add sub$n type dummy
		ip -n ns$n addr add 192.168.$n.1/24 dev sub$n
		ip -n ns$n addr add fd01:$n::1/64 dev sub$n nodad
		ip -n ns$n link set sub$n up
	done
	ip -n ns1 route add 192.168.2.0/24 via 10.0.0.2 src 192.168.1.1
	ip -n ns2 route add 192.168.1.0/24 via 10.0.0.1 src 192.168.2.1
	ip -n ns1 -6 route add fd01:2::/64 via fd00::2 src fd01:1::1
	ip -n ns2 -6 route add fd01:1::/64 via fd00::1 src fd01:2::1
}

# swan_conf N REKEY_S [HW_OFFLOAD]: strongswan.conf and swanctl.conf for
# nsN; HW_OFFLOAD (yes, auto) goes into every CHILD_SA as hw_offload.
swan_conf() {
	local n rekey p d hw=
	n=$1
	rekey=${2:-3600}
	[ -n "${3:-}" ] && hw="hw_offload = $3"
	p=$((3 - n))
	d=$SWAN/ns$n
	rm -rf "$d"	# a stale vici socket would pass for a live charon
	for sub in x509 x509ca x509ocsp x509aa x509ac x509crl pubkey private \
		rsa ecdsa bliss pkcs8 pkcs12; do
		mkdir -p "$d/$sub"
	done
	cat >"$d/strongswan.conf" <<EOC
charon {
	load_modular = no
	load = random nonce openssl kdf pem pkcs1 x509 pubkey kernel-netlink socket-default vici
	install_routes = no
	install_virtual_ip = no
	filelog {
		log {
			path = $d/charon.log
			default = 1
			ike = 1
			knl = 1
		}
	}
	syslog {
		daemon {
			default = -1
		}
	}
	plugins {
		vici {
			socket = unix://$d/charon.vici
		}
	}
}
swanctl {
	load = random nonce openssl pem pkcs1 x509 pubkey
	socket = unix://$d/charon.vici
}
EOC
	cat >"$d/swanctl.conf" <<EOC
connections {
	v4 {
		version = 2
		local_addrs = 10.0.0.$n
		remote_addrs = 10.0.0.$p
		proposals = aes128gcm16-prfsha256-modp2048
		local { auth = psk
			id = ns$n }
		remote { auth = psk
			id = ns$p }
		children {
			v4-transport {
				mode = transport
				esp_proposals = aes128gcm16
				rekey_time = ${rekey}s
				rand_time = 0
				$hw
			}
			v4-tunnel {
				mode = tunnel
				local_ts = 192.168.$n.0/24
				remote_ts = 192.168.$p.0/24
				esp_proposals = aes256gcm16
				rekey_time = ${rekey}s
				rand_time = 0
				$hw
			}
		}
	}
	v6 {
		version = 2
		local_addrs = fd00::$n
		remote_addrs = fd00::$p
		proposals = aes128gcm16-prfsha256-modp2048
		local { auth = psk
			id = ns$n-6 }
		remote { auth = psk
			id = ns$p-6 }
		children {
			v6-transport {
				mode = transport
				esp_proposals = aes128gcm16
				rekey_time = ${rekey}s
				rand_time = 0
				$hw
			}
			v6-tunnel {
				mode = tunnel
				local_ts = fd01:$n::/64
				remote_ts = fd01:$p::/64
				esp_proposals = aes256gcm16
				rekey_time = ${rekey}s
				rand_time = 0
				$hw
			}
		}
	}
}
secrets {
	ike-4 { id-a = ns1
		id-b = ns2
		secret = "ipsec-offload test psk, v4" }
	ike-6 { id-a = ns1-6
		id-b = ns2-6
		secret = "ipsec-offload test psk, v6" }
}
EOC
}

# swan_start N: start charon in nsN and load its configuration.
swan_start() {
	local n d i
	n=$1
	d=$SWAN/ns$n
	nsenter --net=/run/netns/ns$n unshare -m sh -c \
		"mount -t tmpfs tmpfs /run && mkdir -p /run/netns && \
		 STRONGSWAN_CONF=$d/strongswan.conf exec /usr/lib/ipsec/charon" \
		>"$d/charon.out" 2>&1 &
	echo $! >"$d/pid"
	i=0
	while [ ! -S "$d/charon.vici" ] && [ $i -lt 100 ]; do
		sleep 0.1
		i=$((i + 1))
	done
	[ -S "$d/charon.vici" ] || { cat "$d/charon.out" "$d/charon.log"; return 1; }
	swanctl_n "$n" --load-all --file "$d/swanctl.conf" >"$d/load.log" 2>&1
}

swanctl_n() {	# N ARGS...
	local n
	n=$1
	shift
	STRONGSWAN_CONF=$SWAN/ns$n/strongswan.conf /usr/sbin/swanctl "$@"
}

# nsN's two IKE_SAs (v4, v6) ESTABLISHED and their four CHILD_SAs INSTALLED.
# A rekey in flight shows the new CHILD_SA INSTALLING and the old one REKEYED for a
# moment, so poll.  swan_sas_up N
swan_sas_up() { wait_for _swan_sas_up "$1"; }
_swan_sas_up() {
	local sas
	sas=$(swanctl_n "$1" --list-sas)
	[ "$(echo "$sas" | grep -c ESTABLISHED)" -eq 2 ] &&
		[ "$(echo "$sas" | grep -c INSTALLED)" -eq 4 ]
}

swan_stop() {
	local n p
	for n in 1 2; do
		[ -f "$SWAN/ns$n/pid" ] || continue
		p=$(cat "$SWAN/ns$n/pid")
		kill "$p" 2>/dev/null && wait "$p" 2>/dev/null
		rm -f "$SWAN/ns$n/pid" "$SWAN/ns$n/charon.vici"
	done
}

swan_dump_logs() {
	for n in 1 2; do
		echo "--- charon ns$n (tail)"
		tail -n 30 "$SWAN/ns$n/charon.log" 2>/dev/null
	done
}

# The accelerated scenario (needs lib_offload.sh): ns1 has the simulated
# NIC and the daemon, both sides run charon; every CHILD_SA initiated.
# swan_offload_up REKEY_S
swan_offload_up() {
	check "bridge and simulated NIC modules" offload_modules poll_ms=100
	check "sim pair ns1:sim0 <-> ns2:sim1" ns_pair_sim
	swan_topology
	swan_children_up "$1"
}

# After the modules and the pair: the datapath on sim0, the daemon, both
# charons, every CHILD_SA initiated.  ns1's CHILD_SAs rekey every REKEY_S
# and carry hw_offload = HW_OFFLOAD when given.
# swan_children_up REKEY_S [HW_OFFLOAD]
swan_children_up() {
	check "attach the datapath to sim0" loader attach sim0
	check "daemon up" daemon_start
	# Only our side initiates rekeys (the peer's lifetime is longer), so
	# the two never collide.
	swan_conf 1 "$1" "${2:-}"
	swan_conf 2 3600
	check "charon ns2 up" swan_start 2
	check "charon ns1 up" swan_start 1
	for c in v4-transport v4-tunnel v6-transport v6-tunnel; do
		check "initiate $c" swanctl_n 1 --initiate --child "$c" \
			--timeout 30 >>/run/initiate.log 2>&1
	done
}

# CHILD_SA rekeys charon in nsN has completed so far, of every CHILD_SA
# or of one (a rekeyed CHILD_SA logs "outbound CHILD_SA NAME{n}
# established"; a first one does not).  swan_rekeys N [CHILD]
swan_rekeys() {
	grep -c "outbound CHILD_SA ${2:-.*}{[0-9]*} established with SPIs" \
		"$SWAN/ns$1/charon.log"
}
