import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { addSshKey, openTerminalSocket } from "../support/portal-api";
import { startPortal, type PortalProcess } from "../support/portal-process";
import { sessionCookie } from "../support/session-cookie";
import { SshClient } from "../support/ssh-client";

const SECRET = "ops-test-secret-ops-test-secret-012345";
const TOKEN = "scrape-token-0123456789";

describe("operations endpoints", () => {
  let portal: PortalProcess;
  beforeAll(async () => {
    portal = await startPortal({ AUTH_SECRET: SECRET, METRICS_TOKEN: TOKEN, ADMIN_USERNAMES: "root-admin" });
  });
  afterAll(() => portal?.cleanup());

  it("reports liveness and readiness (Docker reachable, database writable, egress rules in place)", async () => {
    expect(await (await fetch(`${portal.url}/healthz`)).json()).toEqual({ status: "ok" });
    const ready = await fetch(`${portal.url}/readyz`);
    expect(ready.status).toBe(200);
    const body = (await ready.json()) as { status: string; checks: Record<string, string> };
    expect(body.status).toBe("ready");
    // LXCFS is checked where the machine serves it (scripts/ensure-lxcfs.sh), and must be fine then too.
    expect(body.checks).toEqual({ docker: "ok", database: "ok", egress: "ok", ...("lxcfs" in body.checks ? { lxcfs: "ok" } : {}) });
  });

  it("serves metrics to admins and the scraper token only", async () => {
    const user = await sessionCookie(SECRET, { sub: "u1", username: "plain-user" });
    expect((await fetch(`${portal.url}/metrics`)).status).toBe(403);
    expect((await fetch(`${portal.url}/metrics`, { headers: { cookie: user } })).status).toBe(403);
    expect((await fetch(`${portal.url}/metrics`, { headers: { authorization: "Bearer wrong-token-000000000" } })).status).toBe(403);
    const scraped = await fetch(`${portal.url}/metrics`, { headers: { authorization: `Bearer ${TOKEN}` } });
    expect(scraped.status).toBe(200);
    expect(await scraped.text()).toContain("scitex_workspaces");
  });

  it("moves its metrics when workspaces start and stop", async () => {
    const cookie = await sessionCookie(SECRET, { sub: "u2", username: "metrics-user" });
    const scrape = async () => (await (await fetch(`${portal.url}/metrics`, { headers: { authorization: `Bearer ${TOKEN}` } })).text());
    const value = (text: string, series: string) => Number(text.match(new RegExp(`^${series.replace(/[{}"]/g, "\\$&")} (\\S+)$`, "m"))?.[1] ?? 0);
    const before = await scrape();
    const started = await fetch(`${portal.url}/api/workspace/start`, { method: "POST", headers: { cookie, origin: portal.url } });
    expect(await started.text()).toContain('"status"');
    const stopped = await fetch(`${portal.url}/api/workspace/stop`, { method: "POST", headers: { cookie, origin: portal.url } });
    expect(stopped.status).toBe(200);
    const after = await scrape();
    expect(value(after, "scitex_workspace_starts_total")).toBe(value(before, "scitex_workspace_starts_total") + 1);
    expect(value(after, 'scitex_workspace_stops_total{cause="user"}')).toBe(value(before, 'scitex_workspace_stops_total{cause="user"}') + 1);
    expect(value(after, 'scitex_workspaces{state="stopped"}')).toBeGreaterThanOrEqual(1);
    expect(value(after, "scitex_workspace_start_seconds_count")).toBeGreaterThanOrEqual(1);
    expect(after).not.toContain("metrics-user"); // no user-controlled label values
  });

  it("counts open terminals by door: web terminals and SSH sessions", async () => {
    const cookie = await sessionCookie(SECRET, { sub: "u3", username: "gauge-user" });
    const scrape = async () => (await (await fetch(`${portal.url}/metrics`, { headers: { authorization: `Bearer ${TOKEN}` } })).text());
    const open = async (door: string) => Number((await scrape()).match(new RegExp(`^scitex_terminals_active\\{door="${door}"\\} (\\S+)$`, "m"))?.[1]);
    const ssh = new SshClient(portal.sshPort);
    try {
      const key = ssh.newKey("gauge-user");
      await addSshKey(portal.url, cookie, ssh.publicKey(key));
      const before = { web: await open("web"), ssh: await open("ssh") };
      expect(before).toEqual({ web: expect.any(Number), ssh: expect.any(Number) });

      const terminal = await openTerminalSocket(portal.url, cookie);
      expect(await open("web")).toBe(before.web + 1);
      const held = ssh.background("gauge-user", key, ["sleep 120"]);
      await expect.poll(() => open("ssh"), { timeout: 30_000 }).toBe(before.ssh + 1);
      expect(await open("web")).toBe(before.web + 1);

      held.stop();
      await expect.poll(() => open("ssh"), { timeout: 15_000 }).toBe(before.ssh);
      const listed = (await (await fetch(`${portal.url}/api/terminals`, { headers: { cookie } })).json()) as { terminals: { id: string }[] };
      const closed = await fetch(`${portal.url}/api/terminals/${listed.terminals[0]!.id}`, { method: "DELETE", headers: { cookie, origin: portal.url } });
      expect(closed.status).toBe(204);
      expect(await open("web")).toBe(before.web);
      terminal.socket.close();
    } finally {
      ssh.cleanup();
    }
  });
});
