# Network-namespace topology for floods with spoofed sources. Source it; nothing happens until a function is called.
#
#                  attacker 10.201.1.2        server 10.201.2.2
#                           \                  /
#                            \ eth0      eth0 /
#                                .---------.
#                                | router  |        forwarding on, rp_filter off
#                                '---------' 
#                            / eth0      eth0 \
#                           /                  \
#                  victim 10.201.3.2          client 10.201.4.2
#
# Five namespaces joined to the router by one veth pair each (router side named leg-<role>), one /24 per leg, the
# router at .1 of each. The attacker's raw socket writes hellos whose source is the VICTIM's address; the server
# answers them, the router forwards the HVRs to the victim, and the victim's eth0 counters show what an
# amplification attack would deliver. The legit client has its own leg, so its cookie exchange shares the server
# with the flood but not the attacker's link.
#
# Addresses: 10.201.0.0/16 is private (RFC 1918) and exists ONLY inside these namespaces: no leg is joined to the
# host's namespace, no route leaves them, so nothing sent here can reach a real network. Parallel runs do not collide:
# namespace names carry a per-run prefix (default: "ts<PID>"), and the same addresses in another run live in other
# namespaces.
#
# The victim sinks what it receives: a policy rule blackholes UDP arriving on its eth0 before local delivery, so no
# ICMP port unreachable goes back to the server for the thousands of random ports (device counters still count it:
# they are read before routing). IPv6 is disabled in every namespace so router solicitations do not pollute counters.
#
# Usage:
#   source scripts/lib/netns.sh
#   netns_up            # builds the topology, sets the trap that tears it down on exit
#   netns_exec server CMD...   /   netns_exec_bg client CMD... (prints nothing; sets NETNS_LAST_PID)
#   netns_exec_pidns attacker scripts/flood ...   (see the function for why the flood needs its own PID namespace)
#   netns_counters victim      # "rx_bytes rx_packets tx_bytes tx_packets" of the namespace's eth0
#   netns_down          # idempotent; also run by the EXIT trap

NETNS_PREFIX="${NETNS_PREFIX:-ts$$}"
NETNS_ROLES=(attacker server victim client)
declare -A NETNS_ADDR=([attacker]=10.201.1.2 [server]=10.201.2.2 [victim]=10.201.3.2 [client]=10.201.4.2)
declare -A NETNS_LEG=([attacker]=leg-attacker [server]=leg-server [victim]=leg-victim [client]=leg-client)
declare -A NETNS_SUBNET=([attacker]=1 [server]=2 [victim]=3 [client]=4)
NETNS_CREATED=()
NETNS_PIDS=()

# netns_name ROLE: the namespace's name for this run, e.g. ts1234-victim.
netns_name() {
  echo "${NETNS_PREFIX}-$1"
}

# netns_available: true when this process may create namespaces and veth pairs (root, iproute2 present).
netns_available() {
  command -v ip > /dev/null 2>&1 || return 1
  local probe="${NETNS_PREFIX}-probe"
  ip netns add "$probe" 2> /dev/null || return 1
  local ok=0
  ip -n "$probe" link add name p0 type veth peer name p1 2> /dev/null || ok=1
  ip netns del "$probe" 2> /dev/null
  return $ok
}

_netns_sysctl() {
  ip netns exec "$1" sysctl -q -w "$2" > /dev/null
}

_netns_quiet_ipv6() {
  _netns_sysctl "$1" net.ipv6.conf.all.disable_ipv6=1 2> /dev/null || true
  _netns_sysctl "$1" net.ipv6.conf.default.disable_ipv6=1 2> /dev/null || true
}

# netns_up: build the topology and install the EXIT trap that removes it (and kills what netns_exec_bg started).
netns_up() {
  local router role ns leg n
  router=$(netns_name router)
  trap netns_down EXIT
  trap 'exit 130' INT
  trap 'exit 143' TERM
  ip netns add "$router"
  NETNS_CREATED+=("$router")
  ip -n "$router" link set lo up
  _netns_quiet_ipv6 "$router"
  _netns_sysctl "$router" net.ipv4.ip_forward=1
  # Spoofed sources arrive on the attacker's leg naming the victim's subnet: strict reverse-path filtering would drop
  # them at the router, which is exactly what a BCP 38 network does and not what this experiment measures.
  _netns_sysctl "$router" net.ipv4.conf.all.rp_filter=0
  _netns_sysctl "$router" net.ipv4.conf.default.rp_filter=0
  for role in "${NETNS_ROLES[@]}"; do
    ns=$(netns_name "$role")
    leg=${NETNS_LEG[$role]}
    n=${NETNS_SUBNET[$role]}
    ip netns add "$ns"
    NETNS_CREATED+=("$ns")
    ip -n "$ns" link set lo up
    _netns_quiet_ipv6 "$ns"
    _netns_sysctl "$ns" net.ipv4.conf.all.rp_filter=0
    _netns_sysctl "$ns" net.ipv4.conf.default.rp_filter=0
    ip -n "$router" link add name "$leg" type veth peer name eth0 netns "$ns"
    _netns_sysctl "$router" "net.ipv4.conf.$leg.rp_filter=0"
    _netns_sysctl "$ns" net.ipv4.conf.eth0.rp_filter=0
    ip -n "$router" addr add "10.201.$n.1/24" dev "$leg"
    ip -n "$ns" addr add "${NETNS_ADDR[$role]}/24" dev eth0
    ip -n "$router" link set "$leg" up
    ip -n "$ns" link set eth0 up
    ip -n "$ns" route add default via "10.201.$n.1"
  done
  # The victim: UDP arriving on eth0 is dropped by a policy rule ahead of the local table, silently (no ICMP).
  ns=$(netns_name victim)
  # The local table's rule (pref 0) would deliver first, so it moves behind the blackhole.
  ip -n "$ns" rule add pref 100 lookup local
  ip -n "$ns" rule del pref 0
  ip -n "$ns" rule add pref 10 iif eth0 ipproto udp blackhole
}

# netns_exec ROLE CMD...: run a command in a role's namespace, in the foreground.
netns_exec() {
  local role="$1"
  shift
  ip netns exec "$(netns_name "$role")" "$@"
}

# netns_exec_pidns ROLE CMD...: like netns_exec, in a PID namespace of its own whose PID 1 (a bash waiting for the
# command) stays in the host's network namespace. SpoofedFlood allows non-loopback targets only when it sees that it
# runs in a network namespace of its own, by comparing /proc/self/ns/net with /proc/1/ns/net; where the host's PID 1
# cannot be read (containers, sandboxes) it cannot tell, and refuses. Here PID 1 is ours and readable, and the
# comparison tells the truth: the flood is in the attacker's namespace, not the host's.
netns_exec_pidns() {
  local role="$1"
  shift
  unshare --pid --fork --mount-proc -- bash -c '"$@"; exit $?' netns-pid1 \
    ip netns exec "$(netns_name "$role")" "$@"
}

# netns_exec_bg ROLE CMD...: start a command in a role's namespace in the background; NETNS_LAST_PID is its PID
# ('ip netns exec' execs the command, so the PID is the command's own). It is killed by netns_down if still running.
netns_exec_bg() {
  local role="$1"
  shift
  ip netns exec "$(netns_name "$role")" "$@" &
  NETNS_LAST_PID=$!
  NETNS_PIDS+=("$NETNS_LAST_PID")
}

# netns_counters ROLE: "rx_bytes rx_packets tx_bytes tx_packets" of the role's eth0 (link layer: frames counted with
# their Ethernet, IP and UDP headers).
netns_counters() {
  ip -n "$(netns_name "$1")" -s -j link show dev eth0 | python3 -c '
import json, sys
s = json.load(sys.stdin)[0]["stats64"]
print(s["rx"]["bytes"], s["rx"]["packets"], s["tx"]["bytes"], s["tx"]["packets"])'
}

# _netns_kill_tree PID: SIGTERM a process and its descendants (by PID only), then SIGKILL what is left after 3 s.
_netns_kill_tree() {
  local pid="$1" child all=() i
  local queue=("$pid")
  while [[ ${#queue[@]} -gt 0 ]]; do
    all+=("${queue[0]}")
    for child in $(ps -o pid= --ppid "${queue[0]}" 2> /dev/null); do
      queue+=("$child")
    done
    queue=("${queue[@]:1}")
  done
  kill -TERM "${all[@]}" 2> /dev/null || return 0
  for ((i = 0; i < 30; i++)); do
    kill -0 "$pid" 2> /dev/null || return 0
    sleep 0.1
  done
  kill -KILL "${all[@]}" 2> /dev/null || true
}

# netns_down: kill the processes netns_exec_bg started, delete every namespace this run created. Idempotent.
netns_down() {
  local pid ns
  for pid in "${NETNS_PIDS[@]+"${NETNS_PIDS[@]}"}"; do
    kill -0 "$pid" 2> /dev/null && _netns_kill_tree "$pid"
  done
  NETNS_PIDS=()
  for ns in "${NETNS_CREATED[@]+"${NETNS_CREATED[@]}"}"; do
    ip netns del "$ns" 2> /dev/null || true
  done
  NETNS_CREATED=()
}
