#!/bin/sh
# strongSwan's own offload request is adopted, not fought: charon in ns1
# asks the kernel for `hw_offload = yes` on every CHILD_SA, the kernel
# binds each SA to the simulated NIC's crypto face (mlx5e's contract),
# and `ipsec-offload daemon` with the bridge's xfrmdev backend finds
# them already offloaded and adopts them (docs/kmod.md, "Adoption").
# Debian 12's strongSwan (5.9.8) knows hw_offload = no|yes|auto only:
# crypto offload.  `hw_offload = packet` came with later releases, so the
# packet-mode adoption is tested with `ip xfrm ... offload packet` states
# instead (test_xfrmdev_packet.sh).
#
# Asserts: every CHILD_SA up with the kernel's own offload line on all 8
# SAs; the daemon reports all 8 OFFLOADED; traffic both ways, transport
# and tunnel, IPv4 and IPv6, with only ESP on the wire and the NIC doing
# the crypto; stopping the daemon leaves strongSwan's offload in place
# (the binding is the kernel's, never undone by us) and traffic flowing.
. /opt/ipso/tests/guest/lib.sh
. /opt/ipso/tests/guest/lib_swan.sh
. /opt/ipso/tests/guest/lib_offload.sh
[ -x /usr/lib/ipsec/charon ] || skip "strongSwan not in the guest image"
offload_require

load_stock_modules
check "ESP offload types, the bridge with the xfrmdev backend, the sim in crypto mode" \
	crypto_mode_modules
check "crypto-mode pair ns1:sim0 <-> ns2:sim1" ns_pair_sim
swan_topology
check "the bridge's xfrmdev backend claimed sim0" wait_for bridge_lists sim0 xfrmdev
swan_children_up 3600 yes

n=$(ip -n ns1 xfrm state | grep -c '^src')
k=$(ip -n ns1 xfrm state | grep -c 'crypto offload parameters: dev sim0')
check "ns1 has 8 SAs ($n)" [ "$n" -eq 8 ]
check "strongSwan had the kernel offload all 8 on sim0 ($k)" [ "$k" -eq 8 ]
check "the daemon adopted all 8: OFFLOADED on sim0" wait_offloaded 8
loader show offload | sed 's/^/  /'

check "wire audit on sim1" wire_audit_start "$NS2" sim1
tx0=$(sim_stat tx_encrypted)
rx0=$(sim_stat rx_decrypted)
check "ping v4 transport" $NS1 ping -c 2 -W 3 10.0.0.2
check "ping v6 transport" $NS1 ping -c 2 -W 3 fd00::2
check "ping v4 tunnel" $NS1 ping -c 2 -W 3 -I 192.168.1.1 192.168.2.1
check "ping v6 tunnel" $NS1 ping -c 2 -W 3 -I fd01:1::1 fd01:2::1
check "ping from the peer (v4)" $NS2 ping -c 2 -W 3 10.0.0.1
check "TCP 1 MB over the v4 tunnel" tcp_transfer "$NS1" "$NS2" 192.168.2.1 1000000
check "TCP 1 MB v6 transport, from the peer" tcp_transfer "$NS2" "$NS1" fd00::1 1000000
tx=$(($(sim_stat tx_encrypted) - tx0))
rx=$(($(sim_stat rx_decrypted) - rx0))
echo "  the NIC encrypted $tx and decrypted $rx packets"
check "the NIC encrypted our traffic" [ "$tx" -ge 700 ]
check "the NIC decrypted the peer's" [ "$rx" -ge 700 ]

check "daemon stopped" daemon_stop
k=$(ip -n ns1 xfrm state | grep -c 'crypto offload parameters: dev sim0')
check "strongSwan's offload stays after the daemon stop ($k of 8)" [ "$k" -eq 8 ]
tx0=$(sim_stat tx_encrypted)
check "ping v4 tunnel after the stop" $NS1 ping -c 3 -W 3 -I 192.168.1.1 192.168.2.1
check "the NIC still encrypts it" [ "$(sim_stat tx_encrypted)" -ge $((tx0 + 3)) ]
check "IKE and CHILD_SAs still up" swan_sas_up 1
echo "  $(wire_audit_summary)"
check "ESP on the wire" [ "$(wire_audit_count esp)" -gt 0 ]
check "no plaintext on the wire" [ "$(wire_audit_count plaintext)" -eq 0 ]

swan_stop
offload_teardown
if [ $fails -ne 0 ]; then
	swan_dump_logs
	tail -n 20 /run/daemon.err
fi
# strongSwan's states hold esp4/6_offload until their namespace is gone
check "rmmod esp4_offload esp6_offload" rmmod_when_free esp4_offload esp6_offload
finish
