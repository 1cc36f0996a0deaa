import net from "node:net";
import type { Logger } from "pino";
import type { ServerChannel, TcpipRequestInfo } from "ssh2";
import type { ActivityTracker } from "../../lib/activity/activity-tracker";
import type { RegisteredUser } from "../../lib/identity/registry";
import type { Shells } from "../../lib/terminal/shells";
import type { TerminalAllowance } from "../../lib/terminal/terminal-allowance";
import type { WorkspaceManager } from "../../lib/workspace/manager";

/** What `ssh -L` reads of the portal: where the workspace is, a relay's shell and the user's allowance for it. */
export interface ForwardingDeps {
  workspaces: Pick<WorkspaceManager, "status">;
  shells: Pick<Shells, "start">;
  terminalAllowance: Pick<TerminalAllowance, "start">;
  activity: Pick<ActivityTracker, "touch">;
}

// `ssh -L` may only name the workspace itself; anything else would turn the gateway into an open relay.
const SELF = new Set(["localhost", "127.0.0.1", "::1", "0.0.0.0", "ip6-localhost"]);

// For servers bound to 127.0.0.1 inside the workspace, which the portal cannot reach from outside: a relay run
// in the workspace's own network namespace. bash's /dev/tcp is in every workspace image. It ends as soon as
// either side does (a background job's stdin would be /dev/null, hence fd 4), taking both copies with it.
const RELAY = `exec 3<>/dev/tcp/127.0.0.1/"$1" || exit 1
exec 4<&0
trap 'kill $down $up 2>/dev/null' EXIT
trap 'exit 0' HUP TERM
cat <&3 & down=$!
cat <&4 >&3 & up=$!
wait -n
exit 0`;

/**
 * Local port forwarding (`ssh -L 8888:localhost:8888`) to a port in the user's own workspace only: straight to
 * the workspace's address when the server listens on all addresses, through a relay inside it otherwise.
 */
export async function forwardToWorkspace(
  portal: ForwardingDeps,
  user: RegisteredUser,
  info: TcpipRequestInfo,
  accept: () => ServerChannel,
  reject: () => void,
  log: Logger,
): Promise<void> {
  const port = info.destPort;
  if (!(SELF.has(info.destIP) || info.destIP === user.slug) || !Number.isInteger(port) || port < 1 || port > 65535) {
    log.info({ user: user.username, dest: `${info.destIP}:${port}` }, "ssh forwarding refused: not the user's workspace");
    return reject();
  }
  // Asked for each forward, never remembered: the address is the one the owner's running workspace has now, not
  // one another workspace may have been given since (a connection made before then ends with the old container).
  const status = await portal.workspaces.status(user).catch(() => null);
  if (status?.state !== "running" || !status.ipAddress) return reject();
  const socket = await connect(status.ipAddress, port);
  const used = () => portal.activity.touch(user.sub, "ssh");
  if (socket) {
    const channel = accept();
    channel.on("data", used);
    channel.pipe(socket).pipe(channel);
    const close = () => {
      socket.destroy();
      channel.destroy();
    };
    socket.on("error", close).on("close", close);
    channel.on("error", close).on("close", close);
    return;
  }
  try {
    // A relay is an exec like a terminal: opened in a loop, it waits for the user's allowance like one. (A refused
    // channel can carry no reason; OpenSSH says "open failed".)
    portal.terminalAllowance.start(user.sub);
    // A tagged command like an SSH session's, so closing the channel (or the restart sweep) ends whatever is left
    // of it. Not a session: it counts in no door's open terminals.
    const relay = await portal.shells.start(user, { command: ["bash", "-c", RELAY, "relay", String(port)], tty: false });
    const channel = accept();
    channel.on("data", used);
    channel.pipe(relay.process.stdin!);
    relay.output.pipe(channel);
    relay.process.stderr.resume();
    // The workspace may have stopped meanwhile: then nothing is left to end.
    channel.once("close", () => void relay.end().catch(() => undefined));
    void relay.process.wait().then(() => channel.end());
  } catch (error) {
    log.info({ user: user.username, err: error }, "ssh forwarding refused: the relay could not start");
    reject();
  }
}

function connect(host: string, port: number): Promise<net.Socket | null> {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port, timeout: 3000 });
    socket.once("connect", () => {
      socket.setTimeout(0);
      resolve(socket);
    });
    socket.once("error", () => resolve(null));
    socket.once("timeout", () => {
      socket.destroy();
      resolve(null);
    });
  });
}
