import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startPortal, type PortalProcess } from "../support/portal-process";
import { sessionCookie } from "../support/session-cookie";

const SECRET = "idle-extend-secret-idle-extend-secret-01";
const user = { sub: "extend-restart-user", username: "extender" };

interface View {
  state: string;
  startedAt?: string;
  idleStopAt?: string;
  canExtend?: boolean;
}

describe("+1 h on the idle stop across a portal restart", () => {
  let portal: PortalProcess;
  let cookie: string;

  beforeAll(async () => {
    // A timeout long enough that nothing is stopped while the test runs; three hours of extensions at most.
    portal = await startPortal({ AUTH_SECRET: SECRET, WORKSPACE_IDLE_TIMEOUT_SECONDS: "1800", WORKSPACE_IDLE_EXTEND_MAX_HOURS: "3" });
    cookie = await sessionCookie(SECRET, user);
  });
  afterAll(async () => {
    await portal?.cleanup();
  });

  const view = async (): Promise<View> => {
    const response = await fetch(`${portal.url}/api/workspace`, { headers: { cookie } });
    expect(response.status).toBe(200);
    return (await response.json()) as View;
  };
  const extend = async (): Promise<View> => {
    const response = await fetch(`${portal.url}/api/workspace/extend`, { method: "POST", headers: { cookie, origin: portal.url } });
    expect(response.status, await response.clone().text()).toBe(200);
    return (await response.json()) as View;
  };

  it("shows the same stop time after the restart, and still keeps within the operator's limit", async () => {
    const started = await fetch(`${portal.url}/api/workspace/start`, { method: "POST", headers: { cookie, origin: portal.url } });
    expect(await started.text()).toContain('"state":"running"');
    const before = await view();
    const extended = await extend();
    expect(Date.parse(extended.idleStopAt!) - Date.parse(before.idleStopAt!)).toBeGreaterThan(59 * 60_000);
    expect((await view()).idleStopAt).toBe(extended.idleStopAt);

    await portal.restart();

    const after = await view();
    expect(after.state).toBe("running");
    expect(after.startedAt).toBe(before.startedAt); // the same run: the workspace was not restarted with the portal
    expect(after.idleStopAt).toBe(extended.idleStopAt);

    // More +1 h after the restart stop at the limit, counted from now.
    for (let i = 0; i < 4; i++) await extend();
    const limited = await view();
    expect(Date.parse(limited.idleStopAt!)).toBeLessThanOrEqual(Date.now() + 3 * 3600_000);
    expect(Date.parse(limited.idleStopAt!)).toBeGreaterThan(Date.parse(extended.idleStopAt!));
    expect(limited.canExtend).toBe(false);
  });
});
