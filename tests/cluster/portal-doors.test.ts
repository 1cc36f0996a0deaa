import { createHash, randomBytes } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { appFetch, openApp } from "../support/app-client";
import { hostCanConnect } from "../support/can-connect";
import { nodeNamed, pollFor, readCluster, workers, type ClusterInfo } from "../support/cluster";
import { execIn, probeFromInside, type ClusterWorkspace } from "../support/cluster-workspace";
import { addSshKey } from "../support/portal-api";
import { startThroughPortal } from "../support/portal-start";
import { sessionCookie } from "../support/session-cookie";
import { SshClient } from "../support/ssh-client";
import { startSwarmPortal, type SwarmPortal } from "../support/swarm-portal";

const SECRET = "cluster-doors-secret-0123456789abcdefgh";
const USERS = ["alice", "bob", "carol", "dave"].map((username) => ({ sub: `doors-${username}`, username }));
const PREVIEW_PORT = 8765;
const sha256 = (data: Buffer) => createHash("sha256").update(data).digest("hex");

describe("the portal's doors into workspaces on the Swarm cluster: OpenSSH, the preview proxy, and what a workspace cannot reach", () => {
  let info: ClusterInfo;
  let portal: SwarmPortal;
  let ssh: SshClient;
  let aliceKey: string;
  const cookies = new Map<string, string>();
  const placed = new Map<string, ClusterWorkspace>();

  beforeAll(async () => {
    info = readCluster();
    portal = await startSwarmPortal(info, { AUTH_SECRET: SECRET, WORKSPACE_MEMORY: "64m", WORKSPACE_CPUS: "0.2", MAX_RUNNING_WORKSPACES: "20" });
    for (const user of USERS) cookies.set(user.username, await sessionCookie(SECRET, user));
    // Four workspaces: Swarm spreads them two and two, so each has a neighbour on its node and two on the other.
    const answers = await Promise.all(USERS.map((u) => startThroughPortal(portal.url, cookies.get(u.username)!)));
    answers.forEach((answer, i) => expect(answer.status?.state, `${USERS[i]!.username}: ${JSON.stringify(answer)}`).toBe("running"));
    for (const user of USERS) placed.set(user.username, await portal.workspaceOf(user.username));
    // Each serves a page naming its owner on the preview port (busybox httpd goes to the background by itself).
    for (const [username, ws] of placed) {
      const { exitCode } = await execIn(ws, ["sh", "-c", `mkdir -p ~/www && echo "${username}-server" > ~/www/index.html && httpd -p ${PREVIEW_PORT} -h ~/www`]);
      expect(exitCode).toBe(0);
    }
    ssh = new SshClient(portal.sshPort);
    aliceKey = ssh.newKey("alice");
    await addSshKey(portal.url, cookies.get("alice")!, ssh.publicKey(aliceKey));
  });
  afterAll(async () => {
    ssh?.cleanup();
    await portal?.cleanup();
  });

  it("runs the four on both workers, none on the manager", () => {
    const nodes = [...placed.values()].map((ws) => ws.node.name);
    expect(new Set(nodes)).toEqual(new Set(workers(info).map((w) => w.name)));
  });

  it("runs a command in the cluster workspace over `ssh -p <gateway port>`", async () => {
    const result = await ssh.ssh("alice", aliceKey, ["echo hello-$((6*7)); pwd; hostname"]);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toBe(`hello-42\n/home/user\n${placed.get("alice")!.home.split("/").pop()}\n`);
  });

  it("copies files into the home with sftp and scp, seen from inside the workspace byte for byte", async () => {
    const data = randomBytes(512 * 1024);
    const local = path.join(ssh.dir, "upload.bin");
    fs.writeFileSync(local, data);
    const sftp = await ssh.sftp(aliceKey, "alice", `put ${local} by-sftp.bin\n`);
    expect(sftp.code, sftp.stderr).toBe(0);
    const scp = await ssh.scp(aliceKey, [local, "alice@127.0.0.1:by-scp.bin"]);
    expect(scp.code, scp.stderr).toBe(0);
    const { output } = await execIn(placed.get("alice")!, ["sh", "-c", "sha256sum /home/user/by-sftp.bin /home/user/by-scp.bin"]);
    expect(output.trim().split("\n").map((line) => line.split(/\s+/)[0])).toEqual([sha256(data), sha256(data)]);
  });

  it("reaches a server on a port inside the cluster workspace through the portal's preview proxy", async () => {
    const app = await openApp(portal.url, cookies.get("alice")!, String(PREVIEW_PORT));
    const body = await pollFor("alice's preview through the proxy", 30, async () => {
      const response = await appFetch(`${app.origin}/`, { headers: { cookie: app.cookie } });
      const text = await response.text();
      return response.status === 200 ? text : undefined;
    });
    expect(body).toBe("alice-server\n");
  });

  it("never reaches another user's workspace through the proxy: each owner gets their own, nobody else gets in", async () => {
    const alices = await openApp(portal.url, cookies.get("alice")!, String(PREVIEW_PORT));
    const bobs = await openApp(portal.url, cookies.get("bob")!, String(PREVIEW_PORT));
    expect(bobs.origin).not.toBe(alices.origin);
    const bobBody = await (await appFetch(`${bobs.origin}/`, { headers: { cookie: bobs.cookie } })).text();
    expect(bobBody).toBe("bob-server\n");
    // Bob's app cookie on alice's origin, and no cookie at all: neither reaches alice's server.
    for (const headers of [{ cookie: bobs.cookie }, {}]) {
      const response = await appFetch(`${alices.origin}/`, { headers, redirect: "manual" });
      const text = await response.text();
      expect(text).not.toContain("alice-server");
      expect(text).not.toContain("bob-server");
      expect(response.status).not.toBe(200);
    }
  });

  it("lets no workspace open another workspace (same node or the other), an engine, the manager, storage or the registry: 500+ tries", async () => {
    const manager = nodeNamed(info, info.manager);
    const infrastructure = [
      ...info.nodes.map((n) => `${n.address}:${info.ports.engine}`),
      `${manager.address}:${info.ports.swarm}`,
      ...info.storage.ports.map((port) => `${info.storage.address}:${port}`),
      info.registry.address,
    ];
    // The positive control: from the portal host, every target answers (so "closed" below is the firewall's doing).
    const everyTarget = [...infrastructure, ...[...placed.values()].map((ws) => `${ws.address}:${PREVIEW_PORT}`)];
    for (const target of everyTarget) {
      const [host, port] = target.split(":");
      expect(await hostCanConnect(host!, Number(port), 3000), target).toBe(true);
    }
    const ROUNDS = 13;
    const results = await Promise.all(
      [...placed.entries()].map(async ([username, prober]) => {
        const others = [...placed.values()].filter((ws) => ws !== prober).map((ws) => `${ws.address}:${PREVIEW_PORT}`);
        const targets = Array.from({ length: ROUNDS }, () => [...others, ...infrastructure]).flat();
        // Its own server answers from inside (the probe itself works), alone and unhurried: on a loaded machine
        // thirty probes at once in a workspace held to its CPU limit can take seconds to start.
        const own = `127.0.0.1:${PREVIEW_PORT}`;
        const control = await probeFromInside(prober, [own], { timeoutSeconds: 20 });
        // The firewall refuses with a reset, so a forbidden probe ends at once; the timeout only bounds a hang.
        const { open, tried } = await probeFromInside(prober, targets, { timeoutSeconds: 5, concurrency: 30 });
        return { username, control: control.open, open, tried, own, sameNode: [...placed.values()].some((ws) => ws !== prober && ws.node.name === prober.node.name) };
      }),
    );
    let tries = 0;
    for (const { username, control, open, tried, own, sameNode } of results) {
      expect(control, `${username} reached its own server`).toEqual([own]);
      expect(open, `${username} opened`).toEqual([]);
      expect(sameNode, `${username} has a neighbour on its node`).toBe(true);
      tries += tried;
    }
    expect(tries).toBeGreaterThanOrEqual(500);
  });
});
