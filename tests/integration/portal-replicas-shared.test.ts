import { spawn } from "node:child_process";
import type { Socket } from "socket.io-client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { addSshKey, openTerminalSocket } from "../support/portal-api";
import { startPortal, type PortalProcess } from "../support/portal-process";
import { startPortalReplicas, type PortalReplicas } from "../support/portal-replicas";
import { sessionCookie } from "../support/session-cookie";
import { SshClient } from "../support/ssh-client";
import { execInWorkspace } from "../support/workspace-exec";

const SECRET = "replicas-shared-secret-0123456789abcdef";
const METRICS_TOKEN = "replicas-metrics-token-0123456789";
const FAILURES_PER_ADDRESS = 6;
const IDLE_SECONDS = 20;
const ann = { sub: "rep-ann", username: "ann" };
const alice = { sub: "rep-alice", username: "alice" };
const bob = { sub: "rep-bob", username: "bob" };
const dana = { sub: "rep-dana", username: "dana" };
const edda = { sub: "rep-edda", username: "edda" };
const admin = { sub: "rep-admin", username: "rep-admin" };
// An address of its own for the failed logins, so their block touches no other login of this file.
const FROM_OTHER_ADDRESS = ["-o", "BindAddress=127.0.0.3"];

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function withDeadline<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  return Promise.race([promise, sleep(ms).then(() => Promise.reject(new Error(`waited ${ms / 1000} s for ${what}`)))]);
}

/** Polls until `read` gives what `holds` accepts, or fails after the deadline with the last value seen. */
async function eventually<T>(read: () => Promise<T> | T, holds: (value: T) => boolean, deadlineMs = 120_000, what = "condition"): Promise<T> {
  const until = Date.now() + deadlineMs;
  for (;;) {
    const value = await read();
    if (holds(value)) return value;
    if (Date.now() > until) throw new Error(`${what} never held; last: ${JSON.stringify(value)}`);
    await sleep(250);
  }
}

/** The process's own answer: does it lead (its gauge), or does it not answer at all (dead)? */
async function leads(portal: PortalProcess): Promise<boolean | null> {
  try {
    const response = await fetch(`${portal.url}/metrics`, { headers: { authorization: `Bearer ${METRICS_TOKEN}` } });
    return /^scitex_portal_leader 1$/m.test(await response.text());
  } catch {
    return null;
  }
}

/** The process id a portal process logged at its start. */
function processIdOf(portal: PortalProcess): string {
  const id = portal.logs().match(/"processId":"([\w-]+)"[^\n]*portal process on a shared database/)?.[1];
  if (!id) throw new Error(`no process id in the logs:\n${portal.logs().slice(-2000)}`);
  return id;
}

/** Users an idle-stop pass of this process stopped, one list per pass, from its logs. */
function idleStops(portal: PortalProcess): string[][] {
  return [...portal.logs().matchAll(/"users":(\[[^\]]*\])[^\n]*stopped idle workspaces/g)].map((m) => JSON.parse(m[1]!) as string[]);
}

/** How many processes in the user's workspace carry this portal process's tag (its shells and what they run). */
async function shellsOf(portal: PortalProcess, username: string, processId: string): Promise<number> {
  const out = await execInWorkspace(
    portal,
    username,
    `n=0; for e in /proc/[0-9]*/environ; do tr '\\0' '\\n' < "$e" 2>/dev/null | grep -qx 'PORTAL_PROCESS=${processId}' && n=$((n+1)); done; echo "count=$n"`,
  );
  return Number(out.match(/count=(\d+)/)?.[1] ?? NaN);
}

/** A web terminal: what it printed so far, and a way to type into it. */
async function terminal(portal: PortalProcess, user: { sub: string; username: string }) {
  const opened = await openTerminalSocket(portal.url, await sessionCookie(SECRET, user));
  let text = "";
  opened.socket.on("output", (chunk: unknown) => {
    text += typeof chunk === "string" ? chunk : Buffer.from(chunk as ArrayBuffer).toString();
    opened.socket.emit("ack", Math.max(1, typeof chunk === "string" ? chunk.length : (chunk as ArrayBuffer).byteLength));
  });
  return {
    socket: opened.socket as Socket,
    text: () => text,
    type: (line: string) => opened.socket.emit("input", `${line}\r`),
  };
}

describe("several portal processes as one portal (one PostgreSQL)", () => {
  let replicas: PortalReplicas;
  let client: SshClient[];
  let extra: PortalProcess | null = null;
  const sockets: Socket[] = [];
  // alice's typing through one process, from the idle test to the end.
  let typing = false;
  let typist: Promise<void> = Promise.resolve();

  beforeAll(async () => {
    replicas = await startPortalReplicas(2, {
      AUTH_SECRET: SECRET,
      METRICS_TOKEN,
      SSH_MAX_FAILURES_PER_ADDRESS: String(FAILURES_PER_ADDRESS),
      WORKSPACE_IDLE_TIMEOUT_SECONDS: String(IDLE_SECONDS),
      // Use is what the doors see: a busy CPU (a workspace's own start) must not keep one running.
      WORKSPACE_IDLE_CPU_PERCENT: "0",
      TERMINAL_OPENS_PER_MINUTE: "1000",
      // Homes measured every few seconds (by the leader alone) instead of every ten minutes.
      DISK_SCAN_SECONDS: "3",
    });
    client = replicas.processes.map((p) => new SshClient(p.sshPort));
  });
  afterAll(async () => {
    typing = false;
    await typist;
    for (const socket of sockets) socket.disconnect();
    for (const c of client ?? []) c.cleanup();
    await extra?.stop();
    await replicas?.cleanup();
  });

  it("has exactly one leader, and says so on its gauge", async () => {
    const answers = await eventually(
      () => Promise.all(replicas.processes.map(leads)),
      (all) => all.filter((leading) => leading === true).length === 1 && all.every((leading) => leading !== null),
      60_000,
      "one leader",
    );
    expect(answers.filter(Boolean)).toHaveLength(1);
  });

  it("reports the portal's figures (workspaces, the start line) from the leader alone, and each process's own from each", async () => {
    const scrapes = await eventually(
      () => Promise.all(replicas.processes.map(async (p) => (await fetch(`${p.url}/metrics`, { headers: { authorization: `Bearer ${METRICS_TOKEN}` } })).text())),
      (all) => all.filter((text) => /^scitex_portal_leader 1$/m.test(text)).length === 1,
      60_000,
      "one leader's scrape",
    );
    const leaderText = scrapes.find((text) => /^scitex_portal_leader 1$/m.test(text))!;
    const otherText = scrapes.find((text) => text !== leaderText)!;
    // A sum over processes counts every workspace once.
    expect(leaderText).toMatch(/^scitex_workspaces\{state="running"\} \d+$/m);
    expect(leaderText).toMatch(/^scitex_start_queue_length \d+$/m);
    expect(otherText).not.toMatch(/^scitex_workspaces\{/m);
    expect(otherText).not.toMatch(/^scitex_start_queue_length /m);
    for (const text of [leaderText, otherText]) expect(text).toMatch(/^scitex_terminals_active\{door="web"\} \d+$/m);
  });

  it("shows a home's size in the meter through every process, not only the one that measured it", async () => {
    const cookie = await sessionCookie(SECRET, edda);
    const through = replicas.processes[0]!;
    const started = await fetch(`${through.url}/api/workspace/start`, { method: "POST", headers: { cookie, origin: through.url } });
    expect(started.status, await started.clone().text()).toBeLessThan(300);
    await execInWorkspace(through, "edda", "dd if=/dev/urandom of=$HOME/three-mib bs=1M count=3 2>/dev/null && sync");
    // Only the leader walks the homes; the other process shows what it measured.
    await eventually(
      () =>
        Promise.all(
          replicas.processes.map(async (p) => ((await (await fetch(`${p.url}/api/workspace/usage`, { headers: { cookie } })).json()) as { diskBytes?: number }).diskBytes),
        ),
      (all) => all.every((bytes) => typeof bytes === "number" && bytes >= 3 * 1024 * 1024),
      120_000,
      "the home's size in both processes' meters",
    );
  });

  it("lets a login waiting on one process be approved through the other (real OpenSSH)", async () => {
    const [waitsOn, approvesOn] = replicas.processes as [PortalProcess, PortalProcess];
    // Registered (through the other process) by adding a key; the login below does not use it.
    const key = client[0]!.newKey("ann");
    await addSshKey(approvesOn.url, await sessionCookie(SECRET, ann), client[0]!.publicKey(key));
    const args = [...client[0]!.options(undefined, false, "INFO"), "-o", "PreferredAuthentications=keyboard-interactive"];
    const ssh = spawn("ssh", [...args, "-p", String(waitsOn.sshPort), "ann@127.0.0.1", "echo approved-in"], { stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    let inAt = 0;
    ssh.stdout.on("data", (c: Buffer) => {
      stdout += c.toString();
      if (!inAt && stdout.includes("approved-in")) inAt = Date.now();
    });
    ssh.stderr.on("data", (c: Buffer) => (stderr += c.toString()));
    const done = new Promise<number | null>((resolve) => ssh.once("close", resolve));
    const id = (await eventually(() => stderr.match(/\/ssh\/approve\/([\w-]+)/)?.[1], Boolean, 60_000, "approval link"))!;
    // The link points at the portal's address; the browser's request lands on the other process.
    const page = await fetch(`${approvesOn.url}/ssh/approve/${id}`, { headers: { cookie: await sessionCookie(SECRET, ann) } });
    expect(await page.text()).toContain(stderr.match(/code ([A-Z2-9]{4}-[A-Z2-9]{4})/)![1]);
    const approvingAt = Date.now();
    const approved = await fetch(`${approvesOn.url}/api/ssh/approvals/${id}`, {
      method: "POST",
      headers: { cookie: await sessionCookie(SECRET, ann), origin: approvesOn.url, "content-type": "application/json" },
      body: JSON.stringify({ approve: true }),
    });
    expect(approved.status).toBe(200);
    expect(await done, stderr).toBe(0);
    expect(stdout).toBe("approved-in\n");
    // Figures for the report, not pass marks: the approval's POST to the login on the waiting process (its log
    // line), and to the command's output (the workspace's start included).
    const loginAt = Number(waitsOn.logs().match(/"time":(\d+)[^\n]*"how":"browser approval"[^\n]*"msg":"ssh login"/)?.[1]);
    console.log(`approval through one process: login on the other after ${loginAt - approvingAt} ms, output after ${inAt - approvingAt} ms`);
    // Used once: approving it again, through either process, finds nothing.
    for (const p of replicas.processes) {
      const again = await fetch(`${p.url}/api/ssh/approvals/${id}`, {
        method: "POST",
        headers: { cookie: await sessionCookie(SECRET, ann), origin: p.url, "content-type": "application/json" },
        body: JSON.stringify({ approve: true }),
      });
      expect(again.status).toBe(404);
    }
  });

  /** A login through `portal` waiting for browser approval, denied by its user: a failed login. False once refused. */
  async function deniedLogin(portal: PortalProcess, c: SshClient, user: { sub: string; username: string }): Promise<boolean> {
    const args = [...c.options(undefined, false, "INFO"), ...FROM_OTHER_ADDRESS, "-o", "PreferredAuthentications=keyboard-interactive"];
    const ssh = spawn("ssh", [...args, "-p", String(portal.sshPort), `${user.username}@127.0.0.1`, "true"], { stdio: ["ignore", "ignore", "pipe"] });
    const exited = new Promise((resolve) => ssh.once("exit", resolve));
    let stderr = "";
    ssh.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    await eventually(() => stderr, (s) => /\/ssh\/approve\/[\w-]+|SSH logins paused/.test(s), 60_000, "a link or a refusal");
    if (!/\/ssh\/approve\//.test(stderr)) {
      ssh.kill("SIGTERM");
      await exited;
      return false;
    }
    const id = stderr.match(/\/ssh\/approve\/([\w-]+)/)![1]!;
    // Denied through the other process, for good measure.
    const other = replicas.processes.find((p) => p !== portal)!;
    const denied = await fetch(`${other.url}/api/ssh/approvals/${id}`, {
      method: "POST",
      headers: { cookie: await sessionCookie(SECRET, user), origin: other.url, "content-type": "application/json" },
      body: JSON.stringify({ approve: false }),
    });
    expect(denied.status).toBe(200);
    ssh.kill("SIGTERM");
    await exited;
    return true;
  }

  it("counts failed logins in the shared database: failures through one process block the address on the other", async () => {
    const users = [
      { sub: "rep-tina", username: "tina" },
      { sub: "rep-tom", username: "tom" },
    ];
    let denials = 0;
    // Every failure through the first process (two names, so no pair's growing delay slows the test).
    while (denials <= FAILURES_PER_ADDRESS) {
      if (!(await deniedLogin(replicas.processes[0]!, client[0]!, users[denials % 2]!))) break;
      denials++;
    }
    expect(denials).toBeGreaterThan(0);
    expect(denials).toBeLessThanOrEqual(FAILURES_PER_ADDRESS);
    // Both refuse the address now, and say why: the second, which saw none of the failures, as well.
    for (const [i, p] of replicas.processes.entries()) {
      const told = await client[i]!.sshArgs([
        ...client[i]!.options(undefined, false, "INFO"),
        ...FROM_OTHER_ADDRESS,
        "-o", "PreferredAuthentications=keyboard-interactive",
        "-p", String(p.sshPort),
        "tina@127.0.0.1",
        "true",
      ]);
      expect(told.stderr).toContain("Too many failed SSH logins came from your address (127.0.0.3)");
    }
  });

  it("an account disabled through one process is shut out of the other at once: its terminal there closes, its sign-in and key are refused", async () => {
    const [adminsOn, usedOn] = replicas.processes as [PortalProcess, PortalProcess];
    const danaCookie = await sessionCookie(SECRET, dana);
    const key = client[1]!.newKey("dana");
    await addSshKey(usedOn.url, danaCookie, client[1]!.publicKey(key));
    // dana works through the other process only: it has looked at her account and remembers it.
    const opened = await openTerminalSocket(usedOn.url, danaCookie);
    sockets.push(opened.socket as Socket);
    expect((await fetch(`${usedOn.url}/api/workspace`, { headers: { cookie: danaCookie } })).status).toBe(200);
    expect((await client[1]!.ssh("dana", key, ["echo in"])).stdout).toBe("in\n");

    const adminCookie = await sessionCookie(SECRET, admin, { isAdmin: true });
    const list = (await (await fetch(`${adminsOn.url}/api/admin/workspaces`, { headers: { cookie: adminCookie } })).json()) as { workspaces: Array<{ name: string; sub: string }> };
    const name = list.workspaces.find((w) => w.sub === dana.sub)!.name;
    const disabled = await fetch(`${adminsOn.url}/api/admin/workspaces/${name}`, {
      method: "POST",
      headers: { cookie: adminCookie, origin: adminsOn.url, "content-type": "application/json" },
      body: JSON.stringify({ action: "disable" }),
    });
    expect(disabled.status, await disabled.clone().text()).toBe(200);

    expect(await withDeadline(opened.ended, 15_000, "dana's terminal on the other process to close")).toMatch(/session_expired|disconnected/);
    expect((await fetch(`${usedOn.url}/api/workspace`, { headers: { cookie: danaCookie } })).status).toBe(401);
    expect((await client[1]!.ssh("dana", key, ["echo should-not-run"])).code).toBe(255);
  });

  it("starting another process leaves the running processes' shells alone; the leader idle-stops only the unused workspace", async () => {
    const states = await Promise.all(replicas.processes.map(leads));
    const leader = replicas.processes[states.indexOf(true)]!;
    const other = replicas.processes.find((p) => p !== leader)!;
    // alice works only through the process that does not lead; bob opens a terminal through the leader, then stops.
    const aliceTerm = await terminal(other, alice);
    sockets.push(aliceTerm.socket);
    aliceTerm.type("echo alice-$((20+1))");
    await eventually(() => aliceTerm.text(), (t) => t.includes("alice-21"), 60_000, "alice's first output");
    const bobTerm = await terminal(leader, bob);
    sockets.push(bobTerm.socket);
    const otherId = processIdOf(other);
    const leaderId = processIdOf(leader);
    expect(await shellsOf(other, "alice", otherId)).toBeGreaterThan(0);
    expect(await shellsOf(leader, "bob", leaderId)).toBeGreaterThan(0);

    // alice keeps typing (through `other` alone) until the file is done with her.
    typing = true;
    let n = 0;
    typist = (async () => {
      while (typing) {
        aliceTerm.type(`echo typed-${++n}`);
        await sleep(2000);
      }
    })();
    // A third process starts on the same database: its orphan sweep leaves the living processes' shells (alice's).
    extra = await startPortal(
      { ...replicas.env, AUTH_SECRET: SECRET, METRICS_TOKEN, WORKSPACE_IDLE_TIMEOUT_SECONDS: String(IDLE_SECONDS), WORKSPACE_IDLE_CPU_PERCENT: "0" },
      undefined,
      { instance: leader.instance, dataRoot: leader.dataRoot, removeWorkspaces: async () => undefined },
    );
    expect(await shellsOf(other, "alice", otherId)).toBeGreaterThan(0);
    aliceTerm.type("echo still-$((40+2))");
    await eventually(() => aliceTerm.text(), (t) => t.includes("still-42"), 60_000, "alice's terminal answering after the start");
    expect(await leads(extra)).toBe(false);

    // bob, unused since his terminal opened, is stopped by the leader; alice, who started before him and is used
    // only through the other process, is not (a pass that stops bob has judged every running workspace).
    const passes = await eventually(() => idleStops(leader), (all) => all.some((users) => users.includes("bob")), 180_000, "bob's idle stop");
    expect(passes.flat()).not.toContain("alice");
    expect(await shellsOf(other, "alice", otherId)).toBeGreaterThan(0);
  }, 420_000);

  it("hands the idle stop to another process when the leader is killed, which also ends the dead leader's shells", async () => {
    const states = await Promise.all(replicas.processes.map(leads));
    const leader = replicas.processes[states.indexOf(true)]!;
    const survivors = [...replicas.processes.filter((p) => p !== leader), ...(extra ? [extra] : [])];
    const leaderId = processIdOf(leader);
    const survivorId = processIdOf(survivors[0]!);
    // alice has a shell through the leader too now (the dead process's, soon) and keeps hers through a survivor.
    const doomed = await terminal(leader, alice);
    sockets.push(doomed.socket);
    await eventually(() => shellsOf(survivors[0]!, "alice", leaderId), (count) => count > 0, 60_000, "alice's shell through the leader");

    await leader.stop("SIGKILL");
    const newLeader = await eventually(
      async () => {
        const answers = await Promise.all(survivors.map(leads));
        return answers.filter((a) => a === true).length === 1 ? survivors[answers.indexOf(true)]! : null;
      },
      (found) => found !== null,
      120_000,
      "a new leader among the survivors",
    );
    // The dead leader's shell is ended; the survivor's stays.
    await eventually(() => shellsOf(survivors[0]!, "alice", leaderId), (count) => count === 0, 120_000, "the dead leader's shells ended").catch(
      async (error: Error) => {
        const said = survivors.map((p) => p.logs().split("\n").filter((l) => /cluster|orphans|lead/.test(l)).join("\n"));
        const ps = await execInWorkspace(survivors[0]!, "alice", "ps -eo pid,ppid,sid,args; grep -l PORTAL_PROCESS /proc/[0-9]*/environ");
        throw new Error(`${error.message}\n${said.join("\n---\n")}\n${ps}`);
      },
    );
    expect(await shellsOf(survivors[0]!, "alice", survivorId)).toBeGreaterThan(0);

    // bob starts again (through a survivor) and is left unused: the new leader stops him.
    const before = idleStops(newLeader!).length;
    const bobAgain = await terminal(survivors[0]!, bob);
    bobAgain.socket.disconnect();
    await eventually(() => idleStops(newLeader!).slice(before), (passes) => passes.some((users) => users.includes("bob")), 180_000, "the new leader's idle stop");
  }, 420_000);
});
