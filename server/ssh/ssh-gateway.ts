import type { Logger } from "pino";
import ssh2, { type Connection } from "ssh2";
import type { Portal } from "../../lib/portal";
import { FailureLimiter } from "../../lib/ssh/rate-limit";
import { Authenticator } from "./authenticate";
import { forwardToWorkspace } from "./forwarding";
import { handleSession } from "./session-channel";

// Longer than an approval may take, so a login waiting in the browser is not cut off.
const LOGIN_GRACE_MS = 6 * 60_000;

// Modern algorithms only. The client's order of preference decides among them (OpenSSH prefers
// chacha20-poly1305, which is fast only with ssh2's native binding: allowScripts in package.json builds it).
const ALGORITHMS = {
  kex: ["curve25519-sha256", "curve25519-sha256@libssh.org", "ecdh-sha2-nistp256", "ecdh-sha2-nistp384", "diffie-hellman-group16-sha512"],
  cipher: ["aes128-gcm@openssh.com", "aes256-gcm@openssh.com", "chacha20-poly1305@openssh.com", "aes128-ctr", "aes256-ctr"],
  serverHostKey: ["ssh-ed25519", "rsa-sha2-512", "rsa-sha2-256"],
  hmac: ["hmac-sha2-256-etm@openssh.com", "hmac-sha2-512-etm@openssh.com", "hmac-sha2-256", "hmac-sha2-512"],
  compress: ["none"],
};

export interface SshGateway {
  listen(port: number, host: string): Promise<void>;
  close(): Promise<void>;
}

/** `ssh -p 2200 alice@portal` lands in alice's workspace: the SSH door onto the same workspace service. */
export function createSshGateway(portal: Portal, log: Logger): SshGateway {
  const { keys, approvals, hostKeys } = portal.ssh;
  const limiter = new FailureLimiter(20, 5 * 60_000);
  const server = new ssh2.Server(
    { hostKeys: hostKeys.map((k) => k.privateKey), ident: "SciTeX-Workspace", algorithms: ALGORITHMS as never },
    (client: Connection, info) => {
      const peer = { ip: info.ip, software: info.header.identRaw };
      const auth = new Authenticator(
        { registry: portal.registry, keys, approvals, limiter, audit: portal.audit, metrics: portal.metrics, publicUrl: portal.config.publicUrl, log },
        peer,
      );
      const grace = setTimeout(() => client.end(), LOGIN_GRACE_MS);
      grace.unref();
      client.on("authentication", (ctx) => {
        try {
          auth.handle(ctx);
        } catch (error) {
          log.warn({ err: error, ip: peer.ip }, "ssh authentication error");
          ctx.reject();
        }
      });
      client.on("ready", () => {
        clearTimeout(grace);
        const user = auth.user!;
        client.on("session", (accept) => handleSession(portal, user, accept(), log));
        client.on("tcpip", (accept, reject, request) => void forwardToWorkspace(portal, user, request, accept, reject, log));
        // Remote forwarding (-R) and streamlocal would open listeners on the portal host: refused.
        client.on("request", (accept, reject) => reject?.());
      });
      client.on("error", (error) => log.debug({ err: error, ip: peer.ip }, "ssh connection error"));
      client.on("close", () => {
        clearTimeout(grace);
        auth.abandon();
      });
    },
  );
  server.on("error", (error: Error) => log.error({ err: error }, "ssh server error"));

  return {
    listen: (port, host) =>
      new Promise((resolve, reject) => {
        server.once("error", reject);
        server.listen(port, host, () => {
          server.off("error", reject);
          resolve();
        });
      }),
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
