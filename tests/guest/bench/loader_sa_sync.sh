#!/bin/sh
# Benchmark (guest, not a test): `ipsec-offload sync` of N real ESP SAs
# (AEAD GCM, transport) plus N policies whose templates name them, first
# into empty maps and then unchanged; and the daemon's SA event latency
# (add one SA, wait for it in the maps).  Prints "bench: ..." lines.
# Sizes: 10k and 100k (the harness boots this guest with 6 GiB: each SA
# holds a kernel crypto transform).  $IPSO_BENCH_SA_SIZES overrides.
. /opt/ipso/tests/guest/lib.sh
LD=$IPSO/loader/ipsec-offload
[ -x "$LD" ] || skip "loader not built"
load_stock_modules >/dev/null 2>&1
K=0x0102030405060708090a0b0c0d0e0f1011121314
now_ms() { awk '{ printf "%d\n", $1 * 1000 }' /proc/uptime; }
json_usec() { sed -n 's/.*"usec":\([0-9]*\).*/\1/p'; }

for n in ${IPSO_BENCH_SA_SIZES:-10000 100000}; do
	ip netns add b1
	i=0
	: >/run/batch
	while [ $i -lt $n ]; do
		c=$((i / 62500 + 1)); a=$((i / 250 % 250 + 1)); b=$((i % 250 + 1))
		echo "xfrm state add src 10.$c.$a.$b dst 11.$c.$a.$b proto esp spi $((0x10000 + i)) reqid $((i + 1)) mode transport aead rfc4106(gcm(aes)) $K 128" >>/run/batch
		echo "xfrm policy add src 10.$c.$a.$b dst 11.$c.$a.$b dir out tmpl src 10.$c.$a.$b dst 11.$c.$a.$b proto esp reqid $((i + 1)) mode transport" >>/run/batch
		i=$((i + 1))
	done
	t0=$(now_ms)
	ip -n b1 -batch /run/batch || echo "bench: note=ip_batch_failed n=$n"
	t1=$(now_ms)
	got=$(ip -n b1 xfrm state count | sed -n 's/.*SAD count \([0-9]*\).*/\1/p')
	first=$(nsenter --net=/run/netns/b1 "$LD" -j sync 2>/run/err | json_usec)
	again=$(nsenter --net=/run/netns/b1 "$LD" -j sync 2>>/run/err | json_usec)
	echo "bench: part=loader_sync_sa sas=${got:-?} policies=$n kernel_install_ms=$((t1 - t0)) first_sync_ms=$((${first:-0} / 1000)) resync_unchanged_ms=$((${again:-0} / 1000)) $(head -n1 /run/err)"
	ip netns del b1
	rm -rf /sys/fs/bpf/tc/globals
done

# SA event -> map latency: the daemon follows `ip xfrm state add`
# (time from starting ip to the daemon's commit, tests/bin/loader_wait_gen).
ip netns add b1
nsenter --net=/run/netns/b1 "$LD" daemon --mirror-only >/run/d.out 2>&1 &
D=$!
i=0
until grep -q 'daemon ready' /run/d.out || [ $i -gt 100 ]; do i=$((i + 1)); sleep 0.1; done
W=$IPSO/tests/bin/loader_wait_gen
: >/run/lat
for i in $(seq 1 100); do
	$W /sys/fs/bpf/tc/globals 2000 /usr/sbin/ip -n b1 xfrm state add \
		src 10.9.0.1 dst 10.9.0.2 proto esp spi $((0x900 + i)) reqid 9 \
		mode transport aead 'rfc4106(gcm(aes))' $K 128 >>/run/lat
done
sort -n /run/lat | awk '{ v[NR] = $1 } END {
	printf "bench: part=loader_sa_event_latency changes=%d median_us=%d p99_us=%d max_us=%d note=guest_tcg_includes_ip_process\n",
		NR, v[int(NR / 2) + 1], v[int(NR * 0.99) + 1 > NR ? NR : int(NR * 0.99) + 1], v[NR] }'
kill $D
wait $D
