import type { Placement } from "../backend/backend";
import { NODE_FENCE } from "../backend/node-fence";

/**
 * At most one copy of a workspace: its first process takes an exclusive `flock` on a file in the home before the
 * portal calls it ready, and holds it for its life. A second copy on the same home (a cluster that restarted the
 * workspace elsewhere while the old machine still runs it) waits for that lock and is never routed to; when the
 * holder ends, its lock goes with it (on GlusterFS: when its client disconnects, or after `network.ping-timeout`
 * for one silently cut off) and the waiting copy takes over. Everything here is said in the workspace's own terms
 * (a command, a probe run in it), so every backend gets it without knowing of it.
 */

/** The lease's directory and file, relative to the home. Made by the portal as root, root's and read-only (home.ts). */
export const LEASE_DIR = ".scitex";
export const LEASE_FILE = "lease";

/** How often the holder checks that the home's lease file is still the one it holds (a user may move it away). */
const RECHECK_SECONDS = 10;

/** Exit status of a first process that could not take the lease at all (no flock, a lease that is not a file). */
const CANNOT_LEASE = 78;
/** Exit status of a holder that found another copy holding the lease file now at its place. */
const FENCED = 75;

export function leasePath(home: string): string {
  return `${home}/${LEASE_DIR}/${LEASE_FILE}`;
}

/**
 * The workspace's first process (the child of the container's init): takes the lease, then sleeps forever, leaving
 * at once on SIGTERM so a stop takes milliseconds (the wait for the lease too). Its node's watchdog stops it with
 * NODE_FENCE's signal when the node lost its managers: it ends with NODE_FENCE's status, so the portal starts it again.
 * POSIX sh with `flock`, one line:
 * dash (the workspace image), busybox ash with util-linux's flock (the test image).
 *
 * - The lock is taken on fd 8 and moved to fd 9 only once held, so "the first process has the lease open as fd 9"
 *   means "it holds it": that is what `leaseProbe` checks.
 * - Every RECHECK_SECONDS it checks that the file at the lease's path is still the one it holds. One moved or
 *   removed (only a user can, and only by renaming ~/.scitex: the portal makes it root's) is taken again at once;
 *   if another copy holds the file now there, this copy ends itself rather than be a second writer. A path that is
 *   not a plain file (a directory, a link) is taken by no copy, so the holder keeps what it holds.
 * - A lease that is missing is made here (a portal not running as root cannot make it root's).
 */
export function leaseCommand(home: string): string[] {
  const lease = leasePath(home);
  const say = (what: string) => `echo "scitex: ${what}" >&2`;
  const plain = `[ -f "$lease" ] && [ ! -L "$lease" ]`;
  const make = `{ [ -e "$lease" ] || [ -L "$lease" ] || { mkdir -p "\${lease%/*}" && : >>"$lease"; }; } 2>/dev/null`;
  const script = [
    "trap 'exit 0' TERM",
    `trap 'exit ${NODE_FENCE.exitCode}' ${NODE_FENCE.signal}`,
    `lease='${lease}'`,
    `command -v flock >/dev/null || { ${say("this image has no flock: the workspace cannot take its lease")}; exit ${CANNOT_LEASE}; }`,
    make,
    `${plain} && [ -r "$lease" ] && command exec 8<"$lease" || { ${say("$lease is not a readable plain file: the workspace cannot take its lease. Move it away, or restart the workspace from the portal")}; exit ${CANNOT_LEASE}; }`,
    // In the background, so SIGTERM ends the wait at once; only copies started while another holds it wait here.
    `flock 8 & wait $! || { ${say("could not lock $lease")}; exit ${CANNOT_LEASE}; }`,
    "exec 9<&8 8<&-",
    `while :; do sleep ${RECHECK_SECONDS} 9<&- & wait $!; [ /proc/$$/fd/9 -ef "$lease" ] && continue; ${make}; ` +
      `${plain} && [ -r "$lease" ] || continue; command exec 8<"$lease" || continue; ` +
      `flock -n 8 && { exec 9<&8 8<&-; continue; }; ` +
      `${say("another copy of this workspace holds $lease: this copy stops so that only one writes the home")}; exit ${FENCED}; done`,
  ].join("; ");
  return ["/bin/sh", "-c", script];
}

/** What `leaseProbe` says of the copy it ran in. */
export type LeaseProbe = "held" | "elsewhere" | "not-yet";

/**
 * Run in a copy (as the workspace user): exit 0 when its first process holds the lease (its fd 9 is the file at the
 * lease's path; the first process is the init's child, or PID 1 where there is no init, and its pid is whatever
 * the engine's start left over, so it is looked for); 3 when it does not and cannot take it now, because another
 * copy holds it; 1 when nobody holds it yet (the first process has not got there).
 */
export function leaseProbe(lease: string): string[] {
  const script = [
    `lease='${lease}'`,
    'for d in /proc/[0-9]*; do [ "$d/fd/9" -ef "$lease" ] || continue; [ "$d" = /proc/1 ] && exit 0; ' +
      'while read -r k v; do [ "$k" = PPid: ] && [ "$v" = 1 ] && exit 0; done <"$d/status"; done',
    '[ -f "$lease" ] || exit 1',
    'flock -n "$lease" true 2>/dev/null',
    "[ $? = 1 ] && exit 3",
    "exit 1",
  ].join("; ");
  return ["/bin/sh", "-c", script];
}

export function readProbe(exitCode: number): LeaseProbe {
  return exitCode === 0 ? "held" : exitCode === 3 ? "elsewhere" : "not-yet";
}

/**
 * The copies this portal process has seen hold their workspace's lease, one per workspace: a copy that held it
 * holds it for the rest of its run (or ends), so each is probed once, not on every look. A copy is its instance
 * and the time it started (one container started again is a new run that must take the lease again).
 */
export class LeaseHolders {
  private readonly held = new Map<string, string>();
  /** Probes under way, by copy (slug and run): whoever asks meanwhile waits for that one's answer. */
  private readonly asking = new Map<string, Promise<LeaseProbe>>();

  has(placement: Placement): boolean {
    return this.held.get(placement.slug) === runOf(placement);
  }

  add(placement: Placement): void {
    this.held.set(placement.slug, runOf(placement));
  }

  /**
   * Whether the copy holds its lease: "held" from memory once seen; otherwise `probe` (an exec in the copy), run
   * once for every caller asking about the same copy while it runs: a process taking over ten terminals of one
   * workspace at once asks ten times, and each exec costs the engine. Only "held" is remembered; any other answer,
   * or a probe that failed (its error goes to every caller that waited for it), is asked again by the next caller.
   */
  check(placement: Placement, probe: () => Promise<LeaseProbe>): Promise<LeaseProbe> {
    if (this.has(placement)) return Promise.resolve("held");
    const key = `${placement.slug}\0${runOf(placement)}`;
    const under = this.asking.get(key);
    if (under) return under;
    const asked = probe()
      .then((answer) => {
        if (answer === "held") this.add(placement);
        return answer;
      })
      .finally(() => {
        if (this.asking.get(key) === asked) this.asking.delete(key);
      });
    this.asking.set(key, asked);
    return asked;
  }
}

function runOf(placement: Placement): string {
  return `${placement.instanceId ?? ""}@${placement.startedAt?.toISOString() ?? ""}`;
}
