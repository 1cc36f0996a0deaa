# Each machine of the cluster is one cgroup tree (cgroup v1), named with the prefix (sourced).
# shellcheck shell=bash
#
# A machine's daemons join <name>/daemon in the freezer and pids hierarchies; its engine puts every container under
# /<name> (dockerd --cgroup-parent), so the freezer tree <name> holds every process of that machine: dockerd,
# containerd, the shims, the GlusterFS client and the workspaces. Killing a namespace's processes would miss the
# workspaces, which live in namespaces of their own (measured): a machine dies by its cgroup.

CG_ROOT=/sys/fs/cgroup
# Hierarchies a machine's daemons join; runc places the containers in every hierarchy by itself.
CG_JOIN=(freezer pids)

cg_check() {
  [[ -d "$CG_ROOT/freezer" && -d "$CG_ROOT/pids" ]] \
    || die "cgroup v1 with the freezer and pids hierarchies is needed under $CG_ROOT (this machine has: $(find "$CG_ROOT" -mindepth 1 -maxdepth 1 -printf '%f '))"
}

cg_create() {
  local name="$1" h
  for h in "${CG_JOIN[@]}"; do mkdir -p "$CG_ROOT/$h/$name/daemon"; done
}

# The file a process writes its pid into to join the machine, one per joined hierarchy (space-separated).
cg_join_files() {
  local name="$1" h files=()
  for h in "${CG_JOIN[@]}"; do files+=("$CG_ROOT/$h/$name/daemon/cgroup.procs"); done
  echo "${files[*]}"
}

# Runs a command inside the machine's cgroup, in the foreground (its daemons stay in the cgroup). Neither this nor
# cg_spawn hands the daemons the command lock (fd 9): they would hold it for as long as they live.
cg_run() {
  local name="$1"
  shift
  # shellcheck disable=SC2016 # expanded by the inner shell: its own pid joins, then it becomes the command
  sh -c 'for f in $0; do echo $$ >"$f"; done; exec "$@"' "$(cg_join_files "$name")" "$@" 9>&-
}

# Starts a command inside the machine's cgroup, detached from this script's session, output to a log; its pid
# (the command's own: it replaces the shell that joined) goes to the pid file.
cg_spawn() {
  local name="$1" log="$2" pidfile="$3"
  shift 3
  rm -f "$pidfile"
  # shellcheck disable=SC2016 # as in cg_run
  setsid -f sh -c 'for f in $0; do echo $$ >"$f"; done; exec "$@"' "$(cg_join_files "$name") $pidfile" "$@" \
    >>"$log" 2>&1 </dev/null 9>&-
}

# Whether the pid file names a live process: a zombie (killed, not yet reaped) is dead; with a machine's name,
# the process must also be that machine's (a pid reused by another process is not).
pid_alive() {
  local pid stat
  [[ -s "$1" ]] || return 1
  pid="$(cat "$1")"
  stat="$(cat "/proc/$pid/stat" 2>/dev/null)" || return 1
  stat="${stat##*) }"
  [[ "${stat:0:1}" != Z ]] || return 1
  [[ -z "${2:-}" ]] || grep -q ":freezer:/$2/" "/proc/$pid/cgroup" 2>/dev/null
}

# Every pid in the machine's tree (daemons and containers alike).
cg_pids() {
  local dir="$CG_ROOT/freezer/$1"
  [[ -d "$dir" ]] || return 0
  find "$dir" -name cgroup.procs -exec cat {} + 2>/dev/null | sort -un
}

cg_empty() { [[ -z "$(cg_pids "$1")" ]]; }

# SIGKILLs every process of the machine at one instant: the tree is frozen first, so nothing forks or reacts
# (no engine shuts its containers down, no shim reports an exit) before all are dead.
cg_kill() {
  local name="$1" dir="$CG_ROOT/freezer/$1" pid
  [[ -d "$dir" ]] || return 0
  cg_empty "$name" && return 0
  echo FROZEN >"$dir/freezer.state"
  # A task blocked in the kernel (a FUSE call) may hold the freeze back; it is killed all the same.
  wait_for 3 grep -qx FROZEN "$dir/freezer.state" || true
  for pid in $(cg_pids "$name"); do kill -KILL "$pid" 2>/dev/null || true; done
  echo THAWED >"$dir/freezer.state"
  wait_for 20 cg_empty "$name" || die "$name: processes still alive after SIGKILL: $(cg_pids "$name" | tr '\n' ' ')"
}

# Removes the machine's cgroups in every hierarchy (runc made some in each), deepest first.
cg_remove() {
  local name="$1" h
  for h in "$CG_ROOT"/*/; do
    [[ -d "$h$name" ]] || continue
    find "$h$name" -depth -type d -exec rmdir {} + 2>/dev/null || true
    [[ ! -d "$h$name" ]] || warn "could not remove the cgroup $h$name"
  done
}

# Names of this prefix's cgroups present in any hierarchy.
cg_list() {
  local d
  for d in "$CG_ROOT"/*/"$P"-*; do
    if [[ -d "$d" ]]; then basename "$d"; fi
  done | sort -u
}
