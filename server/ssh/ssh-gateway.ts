import net from "node:net";
import type { Logger } from "pino";
import ssh2, { type Connection } from "ssh2";
import type { AuthService } from "../../lib/auth/auth-service";
import type { PortalConfig } from "../../lib/config/env";
import type { HostKey } from "../../lib/ssh/host-keys";
import { DEFAULT_THROTTLE, LoginThrottle } from "../../lib/ssh/login-throttle";
import type { TerminalAllowance } from "../../lib/terminal/terminal-allowance";
import { proxySourceMatcher } from "../../lib/ssh/proxy-sources";
import { SshAdmission } from "./admission";
import { Authenticator, type AuthDeps } from "./authenticate";
import { forwardToWorkspace, type ForwardingDeps } from "./forwarding";
import { proxyProtocolDoor } from "./proxy-door";
import { handleSession, type SessionDeps } from "./session-channel";
import { isWorkspaceError } from "../../lib/errors/workspace-errors";

// Per connection: a user opens a few shells and forwards a handful of ports, never hundreds.
const MAX_SESSIONS_PER_CONNECTION = 10;
const MAX_FORWARDS_PER_CONNECTION = 32;
// Logins waiting for browser approval, counted by the address that asked (see Authenticator): in all, fewer than
// the connections the pre-auth cap holds, so key logins always have room.
const MAX_PENDING_APPROVALS = { perNameFromAddress: 3, perAddress: 5, total: 128 };
// Longer than an approval may take (5 min), so a login waiting in the browser is not cut off.
const APPROVAL_DEADLINE_MS = 6 * 60_000;

// Modern algorithms only. The client's order of preference decides among them (OpenSSH prefers
// chacha20-poly1305, which is fast only with ssh2's native binding: allowScripts in package.json builds it).
const ALGORITHMS = {
  // No NIST curves (ssh-audit fails them); strict key exchange (Terrapin) is ssh2's own and always offered.
  kex: ["curve25519-sha256", "curve25519-sha256@libssh.org", "diffie-hellman-group16-sha512"],
  cipher: ["aes128-gcm@openssh.com", "aes256-gcm@openssh.com", "chacha20-poly1305@openssh.com", "aes128-ctr", "aes256-ctr"],
  // Host-key algorithms follow the keys given (see loadOrCreateHostKeys); ssh2 ignores a list here.
  hmac: ["hmac-sha2-256-etm@openssh.com", "hmac-sha2-512-etm@openssh.com"],
  compress: ["none"],
};

/** What the SSH door reads of the portal itself, and what its logins, sessions and forwards read. */
export type SshGatewayDeps = SessionDeps &
  ForwardingDeps & {
    config: Pick<PortalConfig, "publicUrl"> & {
      ssh: Pick<PortalConfig["ssh"], "loginTimeoutMs" | "maxUnauthenticated" | "maxUnauthenticatedPerAddress" | "maxFailuresPerAddress" | "proxyProtocolFrom">;
    };
    /** `throttle`: the portal's (shared by its processes); one of the gateway's own when absent. */
    ssh: { keys: AuthDeps["keys"]; approvals: AuthDeps["approvals"]; throttle?: AuthDeps["throttle"]; hostKeys: Pick<HostKey, "privateKey">[] };
    auth: Pick<AuthService, "onSessionEnded" | "settings">;
    registry: AuthDeps["registry"];
    standing: AuthDeps["standing"];
    audit: AuthDeps["audit"];
    metrics: AuthDeps["metrics"];
    terminalAllowance: Pick<TerminalAllowance, "hold">;
  };

export interface SshGateway {
  listen(port: number, host: string): Promise<void>;
  close(): Promise<void>;
}

/** `ssh -p 2200 alice@portal` lands in alice's workspace: the SSH door onto the same workspace service. */
export function createSshGateway(portal: SshGatewayDeps, log: Logger): SshGateway {
  const { keys, approvals, hostKeys } = portal.ssh;
  const throttle = portal.ssh.throttle ?? new LoginThrottle({ ...DEFAULT_THROTTLE, perAddress: portal.config.ssh.maxFailuresPerAddress });
  // Signed-in connections by account: a disabled account's are closed at once.
  const connectionsOf = new Map<string, Set<Connection>>();
  portal.auth.onSessionEnded(({ sub }) => {
    if (!sub) return;
    for (const client of connectionsOf.get(sub) ?? []) client.end();
  });
  const server = new ssh2.Server(
    { hostKeys: hostKeys.map((k) => k.privateKey), ident: "SciTeX-Workspace", algorithms: ALGORITHMS as never },
    (client: Connection, info) => {
      const peer = { ip: info.ip, software: info.header.identRaw };
      const auth = new Authenticator(
        {
          registry: portal.registry,
          keys,
          approvals,
          throttle,
          standing: portal.standing,
          maxPendingApprovals: MAX_PENDING_APPROVALS,
          audit: portal.audit,
          metrics: portal.metrics,
          publicUrl: portal.config.publicUrl,
          sessionHours: Math.round(portal.auth.settings.sessionMaxAgeSeconds / 3600),
          log,
        },
        peer,
      );
      admission.watch(info.ip, info.port, () => auth.awaitingApproval);
      client.on("authentication", (ctx) => {
        try {
          void auth.handle(ctx);
        } catch (error) {
          log.warn({ err: error, ip: peer.ip }, "ssh authentication error");
          ctx.reject();
        }
      });
      client.on("ready", () => {
        admission.signedIn(info.ip, info.port);
        const user = auth.user!;
        const mine = connectionsOf.get(user.sub) ?? new Set<Connection>();
        connectionsOf.set(user.sub, mine.add(client));
        client.once("close", () => {
          mine.delete(client);
          if (mine.size === 0 && connectionsOf.get(user.sub) === mine) connectionsOf.delete(user.sub);
        });
        let sessions = 0;
        let forwards = 0;
        client.on("session", (accept, reject) => {
          if (sessions >= MAX_SESSIONS_PER_CONNECTION) {
            log.info({ user: user.username, sessions }, "ssh session refused: too many open on one connection");
            return reject();
          }
          // Counted with the user's web terminals. Past the limit the channel is still opened, only to say why:
          // a refused channel reaches OpenSSH as a bare "open failed".
          let release: (() => void) | null = null;
          let refusal: string | null = null;
          try {
            release = portal.terminalAllowance.hold(user.sub);
          } catch (error) {
            if (!isWorkspaceError(error)) throw error;
            refusal = error.message;
            log.info({ user: user.username }, "ssh session refused: too many terminals and sessions open");
          }
          sessions += 1;
          const session = accept();
          let ended = false;
          const end = () => {
            if (ended) return;
            ended = true;
            sessions -= 1;
            release?.();
          };
          session.once("close", end);
          client.once("close", end);
          handleSession(portal, user, session, log, refusal);
        });
        client.on("tcpip", (accept, reject, request) => {
          if (forwards >= MAX_FORWARDS_PER_CONNECTION) return reject();
          forwards += 1;
          let done = false;
          const release = () => {
            if (!done) (done = true), (forwards -= 1);
          };
          void forwardToWorkspace(portal, user, request, () => {
            const channel = accept();
            channel.once("close", release);
            return channel;
          }, () => {
            release();
            reject();
          }, log);
        });
        // Remote forwarding (-R) and streamlocal would open listeners on the portal host: refused.
        client.on("request", (accept, reject) => reject?.());
      });
      client.on("error", (error) => log.debug({ err: error, ip: peer.ip }, "ssh connection error"));
      client.on("close", () => auth.abandon());
    },
  );
  server.on("error", (error: Error) => log.error({ err: error }, "ssh server error"));
  const { loginTimeoutMs, maxUnauthenticated, maxUnauthenticatedPerAddress } = portal.config.ssh;
  const admission = new SshAdmission(
    { authDeadlineMs: loginTimeoutMs, approvalDeadlineMs: APPROVAL_DEADLINE_MS, maxPreAuth: maxUnauthenticated, maxPreAuthPerAddress: maxUnauthenticatedPerAddress },
    (socket) => server.injectSocket(socket),
  );
  // Behind trusted load balancers (SSH_PROXY_PROTOCOL_FROM) a connection's PROXY header says whose it is, before
  // the admission counts it; with none trusted, every connection goes straight to the admission as before.
  const door = proxyProtocolDoor(proxySourceMatcher(portal.config.ssh.proxyProtocolFrom), (socket) => admission.admit(socket), log, (reason) =>
    portal.metrics.sshProxyHeaderRefused.inc({ reason }),
  );
  const tcp = net.createServer((socket) => door.accept(socket));

  return {
    listen: (port, host) =>
      new Promise((resolve, reject) => {
        tcp.once("error", reject);
        tcp.listen(port, host, () => {
          tcp.off("error", reject);
          tcp.on("error", (error) => log.error({ err: error }, "ssh listener error"));
          resolve();
        });
      }),
    close: () => new Promise((resolve) => tcp.close(() => resolve())),
  };
}
