# A fleet of Turnstile nodes behind the kernel's own L4 load spreading, in network namespaces. Source it (after
# netns.sh, whose clean-up it shares); nothing happens until a function is called.
#
#                 client 10.202.0.2      [attacker 10.202.254.2, spoofing 10.203.0.0/16, only with a flood]
#                          \                 /
#                           .---------------.   nftables prerouting: packets to VIP:PORT get a mark,
#                           |    router     |     spray:     numgen inc mod N          (packet by packet)
#                           '---------------'     flow-hash: jhash of the 5-tuple mod N (flow by flow, as ECMP)
#                           /       |       \   ip rule fwmark i -> table 100+i: VIP via node i
#               node1 10.202.1.2  node2 ...  nodeN 10.202.N.2
#               VIP 10.202.250.1/32 on every node's loopback; replies go straight back (direct server return):
#               no address is rewritten, so a node answers from the VIP the client sent to.
#
# 10.202.0.0/16 and 10.203.0.0/16 exist only inside these namespaces (no leg joins the host's namespace). Names carry
# NETNS_PREFIX (default ts<PID>; scripts/fleet uses tsf<PID>), so parallel runs do not collide.
#
#   fleet_up N MODE PORT      build it (MODE spray or flow-hash); netns_down (EXIT trap) removes it all
#   fleet_attacker_up         add the attacker leg and blackhole the spoofed sources' replies at the router
#   fleet_drain I             take node I out of the balancer (its mark and route), as a fleet drains a node
#   fleet_balance             (re)write the nftables rule over the nodes still in FLEET_ACTIVE

FLEET_VIP=10.202.250.1
FLEET_SPOOFED=10.203.0.0/16
FLEET_ACTIVE=()
FLEET_MODE=spray
FLEET_PORT=4433

_fleet_leg() {
  # _fleet_leg NS ROUTER_IF SUBNET: a veth from the router to NS (eth0), 10.202.SUBNET.1 on the router, .2 in NS.
  local ns="$1" leg="$2" n="$3" router
  router=$(netns_name router)
  ip netns add "$ns"
  NETNS_CREATED+=("$ns")
  ip -n "$ns" link set lo up
  _netns_quiet_ipv6 "$ns"
  ip -n "$router" link add "$leg" type veth peer name eth0 netns "$ns"
  ip -n "$router" addr add "10.202.$n.1/24" dev "$leg"
  ip -n "$ns" addr add "10.202.$n.2/24" dev eth0
  ip -n "$router" link set "$leg" up
  ip -n "$ns" link set eth0 up
  ip -n "$ns" route add default via "10.202.$n.1"
}

fleet_up() {
  local nodes="$1" i ns router
  FLEET_MODE="$2"
  FLEET_PORT="$3"
  router=$(netns_name router)
  ip netns add "$router"
  NETNS_CREATED+=("$router")
  ip -n "$router" link set lo up
  _netns_quiet_ipv6 "$router"
  _netns_sysctl "$router" net.ipv4.ip_forward=1
  # Replies come from the VIP through each node's own leg: reverse-path filtering would see asymmetric paths.
  _netns_sysctl "$router" net.ipv4.conf.all.rp_filter=0
  _netns_sysctl "$router" net.ipv4.conf.default.rp_filter=0
  _fleet_leg "$(netns_name client)" leg-client 0
  for ((i = 1; i <= nodes; i++)); do
    ns=$(netns_name "node$i")
    _fleet_leg "$ns" "leg-node$i" "$i"
    ip -n "$ns" addr add "$FLEET_VIP/32" dev lo
    _netns_sysctl "$ns" net.ipv4.conf.all.rp_filter=0
    _netns_sysctl "$ns" net.ipv4.conf.default.rp_filter=0
    ip -n "$router" route add "$FLEET_VIP/32" via "10.202.$i.2" dev "leg-node$i" table $((100 + i))
    ip -n "$router" rule add pref $((1000 + i)) fwmark "$i" lookup $((100 + i))
    FLEET_ACTIVE+=("$i")
  done
  fleet_balance
}

fleet_attacker_up() {
  _fleet_leg "$(netns_name attacker)" leg-attacker 254
  # The HVRs to spoofed sources die at the router, silently: nothing leaves the namespaces anyway.
  ip -n "$(netns_name router)" route add blackhole "$FLEET_SPOOFED"
}

fleet_balance() {
  local router map="" k=0 i expr
  router=$(netns_name router)
  for i in "${FLEET_ACTIVE[@]}"; do
    map+="${map:+, }$k : $i"
    k=$((k + 1))
  done
  if [[ "$FLEET_MODE" == spray ]]; then
    expr="numgen inc mod $k"
  else
    expr="jhash ip saddr . udp sport . ip daddr . udp dport mod $k seed 0x7475726e"
  fi
  # The mark must be set before the routing decision: a prerouting chain at mangle priority.
  ip netns exec "$router" nft -f - <<NFT
table ip fleet
delete table ip fleet
table ip fleet {
  chain pre {
    type filter hook prerouting priority mangle; policy accept;
    ip daddr $FLEET_VIP udp dport $FLEET_PORT meta mark set $expr map { $map }
  }
}
NFT
}

fleet_drain() {
  local node="$1" router kept=() i
  router=$(netns_name router)
  for i in "${FLEET_ACTIVE[@]}"; do
    [[ "$i" == "$node" ]] || kept+=("$i")
  done
  FLEET_ACTIVE=("${kept[@]}")
  fleet_balance
  ip -n "$router" rule del pref $((1000 + node)) 2> /dev/null || true
  ip -n "$router" route flush table $((100 + node)) 2> /dev/null || true
}
