# The two-namespace veth topology of scripts/bench --xdp (../shared/XDP.md, "Topology"). Source it; nothing happens
# until a function is called.
#
#   flooder namespace                                   server namespace
#   XB_FLOOD_DEV 10.200.0.1  <------- veth pair ------>  XB_SERVER_DEV 10.200.0.2
#   afpacket_flood (CPU 1): spoofed 10.201.0.0/16       turnstile serve (worker on CPU 0)
#   xdp_sink: replies to 10.201/16 dropped (XDP)        route 10.201.0.0/16 via 10.200.0.1
#
# One RX and one TX queue per side (a veth defaults to one per CPU, and worker 0 serves queue 0 only). Static
# permanent neighbour entries both ways (no ARP under a flood), rp_filter 0 and IPv6 off in both namespaces. The
# replies to the spoofed sources go back to the flooder's veth, where a 13-instruction XDP program drops them ahead
# of the IP stack (legit clients in the flooder's namespace use 10.200.0.1, which it passes); the flooder's namespace
# also blackholes 10.201.0.0/16 in case the sink is missing. veth still copies each reply before its XDP program
# runs (about 0.8 us, XDP.md pitfall 3): the sink's NAPI thread is pinned to the flooder's CPU, so that cost is not
# the server core's, and replies are counted as emitted by the server (its veth's tx_packets + tx_dropped), since
# the sink's ring may drop some at max load.
#
# Names carry XB_PREFIX (default tsq<PID>), so parallel runs do not collide; xdpbench_down (also the EXIT trap)
# kills what xdpbench_bg started, by PID, and deletes both namespaces.

XB_PREFIX="${XB_PREFIX:-tsq$$}"
XB_FLOOD_NS="${XB_PREFIX}f"
XB_SERVER_NS="${XB_PREFIX}s"
# Device names: the role letter first after "tsq", so the 15-character kernel thread name napi/<dev>-<id> keeps it.
XB_FLOOD_DEV="tsqa${XB_PREFIX#tsq}"
XB_SERVER_DEV="tsqs${XB_PREFIX#tsq}"
XB_FLOOD_IP=10.200.0.1
XB_SERVER_IP=10.200.0.2
XB_SPOOFED=10.201.0.0
XB_PIDS=()
XB_NAMESPACES=()

# xdpbench_down: kill what xdpbench_bg started, by PID, with the processes below each (a launcher script's JVM, the
# command /usr/bin/time runs), then delete the namespaces. Idempotent.
xdpbench_down() {
  local pid child all=() queue i
  for pid in "${XB_PIDS[@]+"${XB_PIDS[@]}"}"; do
    queue=("$pid")
    while [[ ${#queue[@]} -gt 0 ]]; do
      kill -0 "${queue[0]}" 2> /dev/null && all+=("${queue[0]}")
      for child in $(ps -o pid= --ppid "${queue[0]}" 2> /dev/null); do
        queue+=("$child")
      done
      queue=("${queue[@]:1}")
    done
  done
  XB_PIDS=()
  if [[ ${#all[@]} -gt 0 ]]; then
    kill -TERM "${all[@]}" 2> /dev/null || true
    for ((i = 0; i < 50; i++)); do
      for pid in "${all[@]}"; do
        kill -0 "$pid" 2> /dev/null && break
        pid=""
      done
      [[ -z "$pid" ]] && break
      sleep 0.1
    done
    kill -KILL "${all[@]}" 2> /dev/null || true
  fi
  for pid in "${XB_NAMESPACES[@]+"${XB_NAMESPACES[@]}"}"; do
    ip netns del "$pid" 2> /dev/null || true
  done
  XB_NAMESPACES=()
}

# xdpbench_bg NS CMD...: start a command in a namespace in the background; XB_LAST_PID is its PID ('ip netns exec'
# execs, so it is the command's own), killed by xdpbench_down if still running.
xdpbench_bg() {
  local ns="$1"
  shift
  ip netns exec "$ns" "$@" &
  XB_LAST_PID=$!
  XB_PIDS+=("$XB_LAST_PID")
}

# xdpbench_forget PID: a process that ended by itself (a server's --duration) is no longer ours to kill.
xdpbench_forget() {
  local pid keep=()
  for pid in "${XB_PIDS[@]+"${XB_PIDS[@]}"}"; do
    [[ "$pid" == "$1" ]] || keep+=("$pid")
  done
  XB_PIDS=("${keep[@]+"${keep[@]}"}")
}

_xb_sysctl() {
  ip netns exec "$1" sysctl -q -w "$2" > /dev/null 2>&1 || true
}

# xdpbench_up SINK_BINARY FLOOD_CPU: build the topology, start the reply sink (skipped with a notice when
# SINK_BINARY is empty or fails), install the traps.
xdpbench_up() {
  local sink="$1" flood_cpu="$2" ns
  trap xdpbench_down EXIT
  trap 'exit 130' INT
  trap 'exit 143' TERM
  for ns in "$XB_FLOOD_NS" "$XB_SERVER_NS"; do
    ip netns add "$ns"
    XB_NAMESPACES+=("$ns")
    ip -n "$ns" link set lo up
    _xb_sysctl "$ns" net.ipv6.conf.all.disable_ipv6=1
    _xb_sysctl "$ns" net.ipv6.conf.default.disable_ipv6=1
    _xb_sysctl "$ns" net.ipv4.conf.all.rp_filter=0
    _xb_sysctl "$ns" net.ipv4.conf.default.rp_filter=0
  done
  ip link add "$XB_FLOOD_DEV" netns "$XB_FLOOD_NS" numtxqueues 1 numrxqueues 1 type veth \
    peer name "$XB_SERVER_DEV" netns "$XB_SERVER_NS" numtxqueues 1 numrxqueues 1
  _xb_sysctl "$XB_FLOOD_NS" "net.ipv4.conf.$XB_FLOOD_DEV.rp_filter=0"
  _xb_sysctl "$XB_SERVER_NS" "net.ipv4.conf.$XB_SERVER_DEV.rp_filter=0"
  ip -n "$XB_FLOOD_NS" addr add "$XB_FLOOD_IP/24" dev "$XB_FLOOD_DEV"
  ip -n "$XB_SERVER_NS" addr add "$XB_SERVER_IP/24" dev "$XB_SERVER_DEV"
  ip -n "$XB_FLOOD_NS" link set "$XB_FLOOD_DEV" up
  ip -n "$XB_SERVER_NS" link set "$XB_SERVER_DEV" up
  XB_FLOOD_MAC=$(ip netns exec "$XB_FLOOD_NS" cat "/sys/class/net/$XB_FLOOD_DEV/address")
  XB_SERVER_MAC=$(ip netns exec "$XB_SERVER_NS" cat "/sys/class/net/$XB_SERVER_DEV/address")
  ip -n "$XB_FLOOD_NS" neigh replace "$XB_SERVER_IP" lladdr "$XB_SERVER_MAC" dev "$XB_FLOOD_DEV" nud permanent
  ip -n "$XB_SERVER_NS" neigh replace "$XB_FLOOD_IP" lladdr "$XB_FLOOD_MAC" dev "$XB_SERVER_DEV" nud permanent
  ip -n "$XB_SERVER_NS" route add "$XB_SPOOFED/16" via "$XB_FLOOD_IP"
  ip -n "$XB_FLOOD_NS" route add blackhole "$XB_SPOOFED/16"
  XB_SINK=false
  if [[ -n "$sink" ]]; then
    local out
    out=$(mktemp)
    xdpbench_bg "$XB_FLOOD_NS" "$sink" --dev "$XB_FLOOD_DEV" --prefix "${XB_SPOOFED%.0.0}" > "$out" 2>&1
    local i
    for ((i = 0; i < 50; i++)); do
      grep -q attached "$out" && { XB_SINK=true; break; }
      kill -0 "$XB_LAST_PID" 2> /dev/null || break
      sleep 0.1
    done
    [[ "$XB_SINK" == true ]] || echo "bench: no reply sink ($(cat "$out")); replies go to a blackhole route" >&2
    rm -f "$out"
  fi
  # Where the flooder's veth receives (the sink's NAPI, or its backlog without one): the flooder's CPU.
  xdpbench_rps "$XB_FLOOD_NS" "$XB_FLOOD_DEV" "$flood_cpu"
  if [[ "$XB_SINK" == true ]]; then
    XB_SINK_NAPI=$(xdpbench_napi "$XB_FLOOD_NS" "$XB_FLOOD_DEV" "$flood_cpu")
  fi
}

# xdpbench_rps NS DEV CPU: steer the device's receive (backlog) work to CPU with RPS.
xdpbench_rps() {
  ip netns exec "$1" sh -c "printf '%x' $((1 << $3)) > /sys/class/net/$2/queues/rx-0/rps_cpus"
}

# xdpbench_napi NS DEV CPU: switch the device's NAPI to a kernel thread, pin it to CPU and print its PID (nothing
# when the device has no NAPI). Needed after every XDP attach: veth creates the NAPI, and its thread, on attach with
# the default affinity, and the threaded flag outlives a detach (XDP.md pitfall 1).
xdpbench_napi() {
  local ns="$1" dev="$2" cpu="$3" name pid i
  ip netns exec "$ns" sh -c "echo 1 > /sys/class/net/$dev/threaded" 2> /dev/null || return 0
  # The thread is napi/<dev>-<napi id>, its name cut at 15 characters.
  name="napi/$dev-"
  name=${name:0:15}
  for ((i = 0; i < 20; i++)); do
    pid=$(ps -eo pid=,comm= | awk -v n="$name" 'index($2, n) == 1 { print $1; exit }')
    [[ -n "$pid" ]] && break
    sleep 0.05
  done
  [[ -n "$pid" ]] || return 0
  taskset -pc "$cpu" "$pid" > /dev/null
  echo "$pid"
}

# xdpbench_unthread NS DEV: back to softirq NAPI (the flag survives detach and would mislead a later run).
xdpbench_unthread() {
  ip netns exec "$1" sh -c "echo 0 > /sys/class/net/$2/threaded" 2> /dev/null || true
}

# _xb_ticks PID|PID/task/TID: utime + stime of a process (all its threads) or of one thread, in clock ticks; 0 when
# there is no such task.
_xb_ticks() {
  [[ -n "$1" && -r "/proc/$1/stat" ]] || { echo 0; return; }
  # The command name (field 2) may hold spaces: count fields after its closing parenthesis.
  sed 's/^.*) //' "/proc/$1/stat" | awk '{ print $12 + $13 }'
}

# xdpbench_thread PID NAME: "PID/task/TID" of the process's first thread whose name starts with NAME (cut at 15
# characters, as the kernel keeps it), or nothing.
xdpbench_thread() {
  local task name="${2:0:15}"
  for task in /proc/"$1"/task/*; do
    if [[ "$(cat "$task/comm" 2> /dev/null)" == "$name"* ]]; then
      echo "$1/task/${task##*/}"
      return
    fi
  done
}

# xdpbench_snapshot SERVER_PID NAPI_PID SOFTIRQ_PID WORKER_TASK: one line of counters, read by scripts/report.py xdp:
#   wall_ns tx_packets tx_dropped rx_packets rx_dropped server_ticks napi_ticks sink_napi_ticks ksoftirqd_ticks
#   worker_ticks cpu0_busy cpu1_busy
# (the server veth's counters; task times in clock ticks, exact per task; /proc/stat busy = user + nice + system +
# irq + softirq, sampled by the tick, the only place where softirq work that interrupted an idle or foreign task
# shows: see XDP.md pitfall 7. Its idle count is not used: it lags in this VM, so the wall clock is the total.)
xdpbench_snapshot() {
  local stats
  stats=$(ip netns exec "$XB_SERVER_NS" cat /sys/class/net/"$XB_SERVER_DEV"/statistics/{tx_packets,tx_dropped,rx_packets,rx_dropped} | tr '\n' ' ')
  echo "$(date +%s%N) $stats$(_xb_ticks "$1") $(_xb_ticks "$2") $(_xb_ticks "${XB_SINK_NAPI:-}") $(_xb_ticks "$3")" \
    "$(_xb_ticks "$4")" \
    "$(awk '/^cpu0 / || /^cpu1 / { printf "%d ", $2 + $3 + $4 + $7 + $8 }' /proc/stat)"
}

# xdpbench_ksoftirqd CPU: the PID of that CPU's softirq thread, where the socket path's receive work goes when it
# outlasts an interrupt exit (livelock's last stage).
xdpbench_ksoftirqd() {
  ps -eo pid=,comm= | awk -v n="ksoftirqd/$1" '$2 == n { print $1; exit }'
}

# --- the runs: flooder, servers and legit clients, shared by scripts/bench --xdp and scripts/demo --xdp ---------------
# The caller sets XB_WORK (a temporary directory: the built programs and raw outputs) and may change the rest.
XB_PORT=4433
XB_SERVER_CPU=0
XB_FLOOD_CPU=1
XB_HELLO=core/src/test/resources/corpus/openssl-dtls12-ch1-nocookie.bin
XB_C_WORK_NS=250   # the C ceiling's busy work per request
XB_JVM_CPUS=""     # taskset -c for the server JVM's threads other than the worker (empty: they float)
XB_LEGIT_ARGS=()   # more scripts/legit-clients options for xdpbench_legit
XB_LEGIT_HOOK=""   # a command run as HOOK MODE SECONDS while xdpbench_legit's clients run (its stdout is discarded)
XB_LEGIT_CAPTURE="" # non-empty: tcpdump the legit clients' packets on the flooder's veth (xdpbench_legit's "capture")

# xdpbench_build PROGRAM...: gcc each bench/src/main/c/PROGRAM.c into XB_WORK.
xdpbench_build() {
  local program
  for program in "$@"; do
    gcc -O2 -Wall -o "$XB_WORK/$program" "bench/src/main/c/$program.c"
  done
}

# xdpbench_flood OUT RATE SECONDS [bg]: the flooder in the flooder's namespace, bounded in time and packets, its JSON
# line into OUT. In the background (a PID of ours, killed on exit) and waited for, so that Ctrl-C runs the INT trap at
# once (bash defers a trap while a foreground child runs, and skips it when that child handles SIGINT itself); with
# "bg", XB_FLOOD_PID is left to the caller to wait for. SIGTERM stops it early, with its JSON line.
xdpbench_flood() {
  local file="$1" rate="$2" seconds="$3" pps packets
  if [[ "$rate" == max ]]; then pps=0; packets=$(awk -v s="$seconds" 'BEGIN { printf "%d", s * 2000000 }')
  else pps="$rate"; packets=$(awk -v r="$rate" -v s="$seconds" 'BEGIN { printf "%d", r * s * 1.1 + 256 }'); fi
  xdpbench_bg "$XB_FLOOD_NS" "$XB_WORK/afpacket_flood" --dev "$XB_FLOOD_DEV" --src-mac "$XB_FLOOD_MAC" \
    --dst-mac "$XB_SERVER_MAC" --dst "$XB_SERVER_IP" --port "$XB_PORT" --payload "$XB_HELLO" \
    --sources "$XB_SPOOFED" --rate "$pps" --duration "$seconds" --packets "$packets" --cpu "$XB_FLOOD_CPU" > "$file"
  XB_FLOOD_PID=$XB_LAST_PID
  [[ "${4:-}" == bg ]] && return 0
  wait "$XB_FLOOD_PID" || true
  xdpbench_forget "$XB_FLOOD_PID"
}

# xdpbench_start_server MODE PLACEMENT SECONDS STATS [SERVE_ARG...]: the responder of MODE in the server namespace
# (xdp*: turnstile serve --xdp, socket*: turnstile serve, c: the C AF_XDP ceiling; a variant's own serve options
# are among the SERVE_ARGs), its JSON stats lines into STATS,
# receive work placed (rx1: on the server CPU, rx0: on the flooder's); sets XB_SERVER_PID, XB_WORKER_TASK (the thread
# pinned to the server CPU) and XB_NAPI_PID (the AF_XDP modes' NAPI thread, empty for the socket path).
xdpbench_start_server() {
  local mode="$1" placement="$2" seconds="$3" stats="$4" rx_cpu i ready args=() jvm=()
  shift 4
  [[ "$placement" == rx1 ]] && rx_cpu=$XB_SERVER_CPU || rx_cpu=$XB_FLOOD_CPU
  if [[ "$mode" == c* ]]; then
    ready="ready on"
    [[ "$mode" == c-busy* ]] && args=(--busy-poll 50)
    xdpbench_bg "$XB_SERVER_NS" "$XB_WORK/xsk_responder" --dev "$XB_SERVER_DEV" --port "$XB_PORT" \
      --cpu "$XB_SERVER_CPU" --work-ns "$XB_C_WORK_NS" --duration "$seconds" "${args[@]+"${args[@]}"}" \
      > "$stats" 2> "$stats.err"
  else
    ready="listening on"
    [[ "$mode" == xdp* ]] && args=(--xdp "$XB_SERVER_DEV")
    [[ -n "$XB_JVM_CPUS" ]] && jvm=(taskset -c "$XB_JVM_CPUS")
    xdpbench_bg "$XB_SERVER_NS" "${jvm[@]+"${jvm[@]}"}" scripts/turnstile serve --bind "$XB_SERVER_IP:$XB_PORT" \
      --workers 1 --cpus "$XB_SERVER_CPU" "${args[@]+"${args[@]}"}" --stats "$stats" --duration "$seconds" \
      --log-verified 0 "$@" 2> "$stats.err"
  fi
  XB_SERVER_PID=$XB_LAST_PID
  for ((i = 0; i < 300; i++)); do
    grep -q "$ready" "$stats.err" 2> /dev/null && break
    kill -0 "$XB_SERVER_PID" 2> /dev/null || break
    sleep 0.1
  done
  grep -q "$ready" "$stats.err" || { cat "$stats.err" >&2; echo "xdpbench: the $mode server did not start" >&2; exit 1; }
  # The worker's own thread (pinned to the server CPU): the JVM's other threads float. The C responder is one.
  if [[ "$mode" == c* ]]; then
    XB_WORKER_TASK=$XB_SERVER_PID
  else
    # Under taskset the JVM is the child of the PID started.
    XB_WORKER_TASK=$(xdpbench_thread "$(_xb_java "$XB_SERVER_PID")" turnstile-verifier-0)
  fi
  XB_NAPI_PID=""
  xdpbench_rps "$XB_SERVER_NS" "$XB_SERVER_DEV" "$rx_cpu"
  if [[ "$mode" != socket* ]]; then
    XB_NAPI_PID=$(xdpbench_napi "$XB_SERVER_NS" "$XB_SERVER_DEV" "$rx_cpu")
    [[ -n "$XB_NAPI_PID" ]] || echo "xdpbench: no NAPI thread found for $XB_SERVER_DEV" >&2
  fi
  # Preferred busy polling (serve --xdp-busy-poll) holds only while the device defers its own polling.
  [[ "$mode" == *-busy* ]] && xdpbench_defer "$XB_SERVER_NS" "$XB_SERVER_DEV" 2 200000
  # -fifo: the worker in real time, so that nothing else on its core (the JVM's other threads, the NAPI thread)
  # preempts it; with busy polling it does the queue's receive work itself.
  [[ "$mode" == *-fifo ]] && chrt -f -p 5 "${XB_WORKER_TASK##*/}"
  return 0
}

# xdpbench_defer NS DEV COUNT NS_TIMEOUT: the device's napi_defer_hard_irqs and gro_flush_timeout (0 0 to undo).
xdpbench_defer() {
  ip netns exec "$1" sh -c "echo $3 > /sys/class/net/$2/napi_defer_hard_irqs && echo $4 > /sys/class/net/$2/gro_flush_timeout"
}

# _xb_java PID: PID, or the java process below it (a launcher script that did not exec, taskset does exec).
_xb_java() {
  local pid="$1" i
  for ((i = 0; i < 3; i++)); do
    [[ "$(cat "/proc/$pid/comm" 2> /dev/null)" == java ]] && break
    pid=$(ps -o pid= --ppid "$pid" | head -1 | tr -d ' ')
    [[ -n "$pid" ]] || { echo "$1"; return; }
  done
  echo "$pid"
}

# xdpbench_stop_server: SIGTERM, wait for its summary, back to softirq NAPI.
xdpbench_stop_server() {
  kill -TERM "$XB_SERVER_PID" 2> /dev/null || true
  wait "$XB_SERVER_PID" 2> /dev/null || true
  xdpbench_forget "$XB_SERVER_PID"
  xdpbench_unthread "$XB_SERVER_NS" "$XB_SERVER_DEV"
  xdpbench_defer "$XB_SERVER_NS" "$XB_SERVER_DEV" 0 0 2> /dev/null || true
}

# xdpbench_legit MODE FLOOD_PPS LEGIT_RATE SECONDS WARMUP [SERVE_ARG...]: a MODE server (rx1: receive work on
# the server core), WARMUP seconds of flood, then scripts/legit-clients (LEGIT_RATE cookie exchanges/s for SECONDS,
# pinned to the flooder's CPU in the flooder's namespace, XB_LEGIT_ARGS added) during a FLOOD_PPS flood, which
# starts 1 s before them and stops when they are done. Prints one JSON record: the flood's and the clients' reports,
# the clients' CPU time (/usr/bin/time) and wall time, xdpbench_snapshot lines around the clients' run and the
# server's last stats line.
xdpbench_legit() {
  local mode="$1" flood_pps="$2" rate="$3" seconds="$4" warmup="$5" stats clients start_ns end_ns
  local before after flood_json clients_json client_cpu last softirq
  shift 5
  softirq=$(xdpbench_ksoftirqd "$XB_SERVER_CPU")
  stats="$XB_WORK/server-$mode.jsonl"
  xdpbench_start_server "$mode" rx1 "$(awk -v d="$seconds" -v w="$warmup" 'BEGIN { printf "%d", w + d + 100 }')" \
    "$stats" "$@"
  if [[ "$warmup" != 0 ]]; then
    # The flood and a round of clients: the server's verification and hand-off code is compiled before the
    # measured run, as it would be in a server that has been up for a while.
    xdpbench_flood /dev/null "$flood_pps" "$warmup" bg
    local warm_flood_pid=$XB_FLOOD_PID
    ip netns exec "$XB_FLOOD_NS" taskset -c "$XB_FLOOD_CPU" scripts/legit-clients --target "$XB_SERVER_IP:$XB_PORT" \
      --bind "$XB_FLOOD_IP" --rate "$rate" --duration "$warmup" "${XB_LEGIT_ARGS[@]+"${XB_LEGIT_ARGS[@]}"}" \
      > /dev/null 2>&1 &
    local warm_clients_pid=$!
    XB_PIDS+=("$warm_clients_pid")
    wait "$warm_clients_pid" || true
    xdpbench_forget "$warm_clients_pid"
    wait "$warm_flood_pid" || true
    xdpbench_forget "$warm_flood_pid"
  fi
  # Bounded above by the clients' run, their JVM's start and 1 + 2 + 4 s of retransmission timeouts, plus slack.
  xdpbench_flood "$XB_WORK/flood-$mode.json" "$flood_pps" "$(awk -v d="$seconds" 'BEGIN { print d + 15 }')" bg
  local flood_pid=$XB_FLOOD_PID
  sleep 1
  clients="$XB_WORK/legit-$mode.json"
  # The clients' own packets at the flooder's veth, kernel-timestamped: the hello as it leaves the client's stack, the
  # HelloVerifyRequest as the sink's NAPI passes it up, so the network's share of the clients' latency shows apart from
  # the time the client process waits for CPU 1. The kernel's filter keeps the flood out of it.
  local capture_pid="" capture="$XB_WORK/capture-$mode.pcap"
  if [[ -n "$XB_LEGIT_CAPTURE" ]]; then
    # 160 bytes reach past the ClientHello.random (frame bytes 69-100) that tells exchanges on one port apart.
    # Immediate mode: otherwise the packets of the last second wait in a half-filled ring block that tcpdump
    # never reads once SIGINT stops it (a 1 s run kept 18 of 50 exchanges). The flood itself bypasses the qdisc, so
    # tcpdump does not see it, and the filter drops the replies to spoofed sources in the kernel: no wake-up per flood
    # packet.
    ip netns exec "$XB_FLOOD_NS" taskset -c "$XB_FLOOD_CPU" tcpdump -i "$XB_FLOOD_DEV" -nn -s 160 -B 16384 \
      --immediate-mode --time-stamp-precision=nano \
      -w "$capture" "udp and host $XB_FLOOD_IP and port $XB_PORT" 2> "$capture.err" &
    capture_pid=$!
    XB_PIDS+=("$capture_pid")
    local i
    for ((i = 0; i < 50; i++)); do
      grep -q "listening on" "$capture.err" 2> /dev/null && break
      sleep 0.1
    done
  fi
  before=$(xdpbench_snapshot "$XB_SERVER_PID" "$XB_NAPI_PID" "$softirq" "$XB_WORKER_TASK")
  start_ns=$(date +%s%N)
  /usr/bin/time -f '%U %S' -o "$XB_WORK/legit-time-$mode" ip netns exec "$XB_FLOOD_NS" \
    taskset -c "$XB_FLOOD_CPU" scripts/legit-clients --target "$XB_SERVER_IP:$XB_PORT" --bind "$XB_FLOOD_IP" \
    --rate "$rate" --duration "$seconds" "${XB_LEGIT_ARGS[@]+"${XB_LEGIT_ARGS[@]}"}" > "$clients" \
    2> "$XB_WORK/legit-$mode.err" &
  local clients_pid=$!
  XB_PIDS+=("$clients_pid")
  # The hook runs in the background too: bash defers the INT trap while a foreground child runs, and one under
  # timeout(1) sits in a process group of its own that Ctrl-C does not reach.
  local hook_pid=""
  if [[ -n "$XB_LEGIT_HOOK" ]]; then
    $XB_LEGIT_HOOK "$mode" "$seconds" > /dev/null &
    hook_pid=$!
    XB_PIDS+=("$hook_pid")
  fi
  wait "$clients_pid" || true
  xdpbench_forget "$clients_pid"
  end_ns=$(date +%s%N)
  local capture_json=null
  if [[ -n "$capture_pid" ]]; then
    kill -INT "$capture_pid" 2> /dev/null || true
    wait "$capture_pid" || true
    xdpbench_forget "$capture_pid"
    capture_json=$(python3 scripts/report.py pcap-rtt "$capture" "$XB_FLOOD_IP" "$XB_SERVER_IP" "$XB_PORT" \
      2>> "$capture.err" || echo null)
  fi
  if [[ -n "$hook_pid" ]]; then
    wait "$hook_pid" || true
    xdpbench_forget "$hook_pid"
  fi
  after=$(xdpbench_snapshot "$XB_SERVER_PID" "$XB_NAPI_PID" "$softirq" "$XB_WORKER_TASK")
  kill -TERM "$flood_pid" 2> /dev/null || true
  wait "$flood_pid" || true
  xdpbench_forget "$flood_pid"
  xdpbench_stop_server
  last=$(tail -n 1 "$stats")
  flood_json=$(head -n 1 "$XB_WORK/flood-$mode.json" 2> /dev/null || true)
  clients_json=$(head -n 1 "$clients" 2> /dev/null || true)
  client_cpu=$(awk '{ print $1 + $2 }' "$XB_WORK/legit-time-$mode" 2> /dev/null || true)
  printf '{"kind":"legit","mode":"%s","flood_target":"%s","flood":%s,"clients":%s,"client_cpu_s":%s,"client_wall_s":%s,"before":"%s","after":"%s","stats":%s,"capture":%s}\n' \
    "$mode" "$flood_pps" "${flood_json:-null}" "${clients_json:-null}" "${client_cpu:-null}" \
    "$(awk -v a="$start_ns" -v b="$end_ns" 'BEGIN { printf "%.3f", (b - a) / 1e9 }')" "$before" "$after" "${last:-null}" \
    "${capture_json:-null}"
  tail -n 1 "$XB_WORK/legit-$mode.err" >&2 || true
}
