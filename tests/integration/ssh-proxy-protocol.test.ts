import { spawn } from "node:child_process";
import net from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startHaproxy, type Haproxy } from "../support/haproxy";
import { startPortal, type PortalProcess } from "../support/portal-process";
import { sessionCookie } from "../support/session-cookie";
import { SshClient } from "../support/ssh-client";

const SECRET = "proxy-protocol-secret-proxy-protocol-01";
const alice = { sub: "pp-alice", username: "alice" };
// Pre-auth connections one address may hold: small, so that one client fills it quickly.
const PER_ADDRESS = 3;
const from = (address: string) => ["-o", `BindAddress=${address}`];

/**
 * deploy/haproxy.cfg (send-proxy-v2) in front of one real portal process (both of its `server` lines name it) that
 * trusts HAProxy's address, 127.0.0.1; users' OpenSSH clients come from other loopback addresses. Everything here
 * would fail if the gateway ignored the header: every connection would then be 127.0.0.1's.
 */
describe("the SSH gateway behind HAProxy with the PROXY protocol", () => {
  let portal: PortalProcess;
  let haproxy: Haproxy;
  let client: SshClient;
  let aliceKey: string;

  beforeAll(async () => {
    portal = await startPortal({
      AUTH_SECRET: SECRET,
      SSH_PROXY_PROTOCOL_FROM: "127.0.0.1",
      SSH_MAX_UNAUTHENTICATED_PER_ADDRESS: String(PER_ADDRESS),
    });
    const backend = { httpPort: portal.port, sshPort: portal.sshPort };
    haproxy = await startHaproxy([backend, backend]);
    // The SSH health checks (a LOCAL header, then the banner) pass: the gateway serves HAProxy's own connections.
    await haproxy.allUp();
    client = new SshClient(haproxy.sshPort);
    aliceKey = client.newKey("alice");
    const added = await fetch(`${portal.url}/api/ssh/keys`, {
      method: "POST",
      headers: { cookie: await sessionCookie(SECRET, alice), origin: portal.url, "content-type": "application/json" },
      body: JSON.stringify({ publicKey: client.publicKey(aliceKey) }),
    });
    expect(added.status, await added.clone().text()).toBe(201);
  });
  afterAll(async () => {
    await haproxy?.stop();
    client?.cleanup();
    await portal?.cleanup();
  });

  it("shows the client's own address on the approval page of a login that waits for approval", async () => {
    const args = [...client.options(undefined, false, "INFO"), ...from("127.0.0.2"), "-o", "PreferredAuthentications=keyboard-interactive"];
    const ssh = spawn("ssh", [...args, "-p", String(haproxy.sshPort), "alice@127.0.0.1", "true"], { stdio: ["ignore", "ignore", "pipe"] });
    const exited = new Promise((resolve) => ssh.once("exit", resolve));
    let stderr = "";
    ssh.stderr.on("data", (c: Buffer) => (stderr += c.toString()));
    try {
      await expect.poll(() => stderr, { timeout: 30_000 }).toMatch(/\/ssh\/approve\/[\w-]+/);
      const id = stderr.match(/\/ssh\/approve\/([\w-]+)/)![1]!;
      const page = await fetch(`${portal.url}/ssh/approve/${id}`, { headers: { cookie: await sessionCookie(SECRET, alice) } });
      expect(page.status).toBe(200);
      // The page's "From": what alice reads before she approves.
      const shownFrom = (await page.text()).match(/<dt>From<\/dt><dd>([^<]*)<\/dd>/)?.[1];
      expect(shownFrom).toBe("127.0.0.2");
    } finally {
      ssh.kill("SIGTERM");
      await exited;
    }
  });

  it("holds one client's idle connections to its own cap: another client still logs in, and is logged by its address", async () => {
    const idle: net.Socket[] = [];
    /** A connection from `address` through HAProxy that says nothing: the gateway's banner, or null if closed first. */
    const idleFrom = (address: string) =>
      new Promise<string | null>((resolve) => {
        const socket = net.connect({ host: "127.0.0.1", port: haproxy.sshPort, localAddress: address });
        idle.push(socket);
        let got = "";
        socket.on("data", (chunk: Buffer) => {
          got += chunk.toString("latin1");
          if (got.includes("\r\n")) resolve(got);
        });
        socket.on("error", () => resolve(null));
        socket.on("close", () => resolve(got.includes("\r\n") ? got : null));
      });
    try {
      for (let i = 0; i < PER_ADDRESS; i++) expect(await idleFrom("127.0.0.2")).toMatch(/^SSH-2\.0-SciTeX-Workspace/);
      // 127.0.0.2's cap is full: its next connection is closed before the banner.
      expect(await idleFrom("127.0.0.2")).toBeNull();
      // 127.0.0.3 is somebody else, through the same HAProxy.
      const result = await client.ssh("alice", aliceKey, ["echo in-from-elsewhere"], undefined, 90_000, from("127.0.0.3"));
      expect(result.stdout, result.stderr).toBe("in-from-elsewhere\n");
      expect(result.code).toBe(0);
      expect(portal.logs()).toMatch(/"ip":"127\.0\.0\.3"[^\n]*"msg":"ssh login"|"msg":"ssh login"[^\n]*"ip":"127\.0\.0\.3"/);
    } finally {
      for (const socket of idle) socket.destroy();
    }
  });

  it("closes a connection from the trusted address that has no header, and serves any other address as before", async () => {
    const direct = new SshClient(portal.sshPort);
    try {
      const fromBalancer = await direct.ssh("alice", aliceKey, ["echo nope"], undefined, 30_000);
      expect(fromBalancer.code).toBe(255);
      expect(fromBalancer.stdout).toBe("");
      expect(fromBalancer.stderr).toMatch(/closed/i);
      const fromUser = await direct.ssh("alice", aliceKey, ["echo in-directly"], undefined, 90_000, from("127.0.0.2"));
      expect(fromUser.stdout, fromUser.stderr).toBe("in-directly\n");
      expect(portal.logs()).toContain("ssh connection from a trusted load balancer closed: no valid PROXY header");
    } finally {
      direct.cleanup();
    }
  });
});
