import { execFileSync, spawn } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { DOCKER_SOCKET, freePort } from "../lib/fixtures";
import { onCleanup, onExitSync } from "../lib/cleanup";
import { stopChild } from "../lib/peer-process";
import { workspaceUser } from "../lib/workspace-user";
import { portAccepts } from "../lib/port-open";
import { sleep } from "../lib/time";

const SSHD = "/usr/sbin/sshd";
// sshd refuses to start without its privilege-separation directory; Debian's package makes it at boot only.
const PRIVSEP_DIR = "/run/sshd";

export interface ReferenceSshd {
  port: number;
  /** The listening daemon; its children's CPU time (once reaped) is what the sessions cost. */
  pid: number;
  /** The docker CLI the sessions use (the first of the candidates that reaches the daemon). */
  docker: string;
  logs(): string;
  stop(): Promise<void>;
}

/**
 * Debian's own OpenSSH server as the peer the gateway is measured against: on a free loopback port, with its own
 * ed25519 host key and one authorized key (the gateway user's), root only, and a ForceCommand that turns every
 * session into `docker exec` into the very container the portal made, as `user` in /home/user: the gateway's
 * job done by sshd plus the docker CLI. Everything lives in a temp dir that goes away with it.
 */
export async function startReferenceSshd(containerId: string, publicKey: string): Promise<ReferenceSshd> {
  if (!fs.existsSync(SSHD)) throw new Error(`${SSHD} is missing: apt-get install openssh-server`);
  const docker = dockerCli();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "bench-sshd-"));
  const madePrivsep = !fs.existsSync(PRIVSEP_DIR);
  if (madePrivsep) fs.mkdirSync(PRIVSEP_DIR, { mode: 0o755 });
  const removeFiles = () => {
    fs.rmSync(dir, { recursive: true, force: true });
    // Made here, so taken away again, unless another sshd has started meanwhile and needs it now.
    if (madePrivsep && fs.existsSync(PRIVSEP_DIR) && !otherSshdRunning()) fs.rmdirSync(PRIVSEP_DIR);
  };

  let child: ReturnType<typeof spawn> | undefined;
  let output = "";
  const stop = async () => {
    await stopChild(child);
    removeFiles();
  };
  onCleanup("reference sshd", stop);
  onExitSync(() => child?.kill("SIGKILL"));

  const hostKey = path.join(dir, "ssh_host_ed25519_key");
  execFileSync("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-C", "bench-sshd", "-f", hostKey]);
  const authorizedKeys = path.join(dir, "authorized_keys");
  fs.writeFileSync(authorizedKeys, publicKey.trim() + "\n", { mode: 0o600 });
  const session = path.join(dir, "session.sh");
  fs.writeFileSync(session, sessionScript(docker, containerId), { mode: 0o755 });
  const port = await freePort();
  const config = path.join(dir, "sshd_config");
  fs.writeFileSync(
    config,
    [
      `Port ${port}`,
      "ListenAddress 127.0.0.1",
      `HostKey ${hostKey}`,
      `PidFile ${path.join(dir, "sshd.pid")}`,
      `AuthorizedKeysFile ${authorizedKeys}`,
      // The key file sits in /tmp, which StrictModes would reject (world-writable parent).
      "StrictModes no",
      "UsePAM no",
      "PasswordAuthentication no",
      "KbdInteractiveAuthentication no",
      // Root may log in by key only, and then only into the container: the ForceCommand is the whole session.
      "PermitRootLogin prohibit-password",
      "AllowUsers root",
      `ForceCommand ${session}`,
      `SetEnv DOCKER_HOST=unix://${DOCKER_SOCKET}`,
      "PrintMotd no",
      "PrintLastLog no",
      "UseDNS no",
      "AllowAgentForwarding no",
      "X11Forwarding no",
      "LogLevel INFO",
      "",
    ].join("\n"),
  );
  // A bad config fails here with sshd's own words rather than as a refused connection later.
  execFileSync(SSHD, ["-t", "-f", config], { stdio: ["ignore", "pipe", "pipe"] });

  const proc = spawn(SSHD, ["-D", "-e", "-f", config], { stdio: ["ignore", "pipe", "pipe"] });
  child = proc;
  proc.stdout!.on("data", (c: Buffer) => (output = (output + c.toString()).slice(-8000)));
  proc.stderr!.on("data", (c: Buffer) => (output = (output + c.toString()).slice(-8000)));
  const deadline = Date.now() + 10_000;
  while (!(await portAccepts(port))) {
    if (proc.exitCode !== null) throw new Error(`sshd exited with ${proc.exitCode}:\n${output}`);
    if (Date.now() > deadline) throw new Error(`sshd did not listen within 10 s:\n${output}`);
    await sleep(50);
  }
  return { port, pid: proc.pid!, docker, logs: () => output, stop };
}

/**
 * The ForceCommand: what the gateway does for a session (exec, shell; a TTY only when the client asked for one,
 * LANG and TERM passed in), done with `docker exec`. sshd runs it through root's shell with the client's command
 * in SSH_ORIGINAL_COMMAND.
 */
function sessionScript(docker: string, containerId: string): string {
  return `#!/bin/sh
if [ -t 0 ]; then tty=-it; else tty=-i; fi
set -- ${docker} exec $tty -u ${workspaceUser(containerId)} -w /home/user -e LANG=C.UTF-8 \${TERM:+-e TERM=$TERM} ${containerId}
if [ -n "$SSH_ORIGINAL_COMMAND" ]; then exec "$@" bash -c "$SSH_ORIGINAL_COMMAND"; else exec "$@" bash -l; fi
`;
}

/** /usr/local/bin/docker or /usr/bin/docker, whichever answers the daemon (a client may be too new for it). */
function dockerCli(): string {
  const env = { ...process.env, DOCKER_HOST: `unix://${DOCKER_SOCKET}` };
  for (const candidate of ["/usr/local/bin/docker", "/usr/bin/docker"]) {
    if (!fs.existsSync(candidate)) continue;
    try {
      execFileSync(candidate, ["version", "--format", "{{.Server.Version}}"], { env, stdio: ["ignore", "pipe", "pipe"], timeout: 15_000 });
      return candidate;
    } catch {
      // try the next one
    }
  }
  throw new Error("no docker CLI (/usr/local/bin/docker, /usr/bin/docker) reaches the daemon");
}

function otherSshdRunning(): boolean {
  try {
    execFileSync("pgrep", ["-x", "sshd"], { stdio: "ignore" });
    return true;
  } catch {
    return false; // pgrep exits 1 when nothing matches
  }
}
