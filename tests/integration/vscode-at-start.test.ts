import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { WORKSPACE_IMAGE } from "../support/images";
import { startPortal, type PortalProcess } from "../support/portal-process";
import { sessionCookie } from "../support/session-cookie";

const SECRET = "vscode-at-start-secret-0123456789abcdef";

describe("VS Code started with the workspace (CODE_SERVER_AT_START=true)", () => {
  let portal: PortalProcess;

  beforeAll(async () => {
    portal = await startPortal({ WORKSPACE_IMAGE, WORKSPACE_MEMORY: "3g", AUTH_SECRET: SECRET, CODE_SERVER_AT_START: "true" });
  });
  afterAll(() => portal?.cleanup());

  it("has VS Code answering after Open Workspace alone, without the user opening it", async () => {
    const cookie = await sessionCookie(SECRET, { sub: "at-start-1", username: "carol" });
    const started = await fetch(`${portal.url}/api/workspace/start`, { method: "POST", headers: { cookie, origin: portal.url } });
    expect(started.status).toBe(200);
    expect(await started.text()).toContain('"running"');
    const { name } = (await (await fetch(`${portal.url}/api/workspace`, { headers: { cookie } })).json()) as { name: string };

    // An asset request never starts VS Code itself (it gets 503 while VS Code is down), so a 200 here means the
    // workspace start did.
    const deadline = Date.now() + 90_000;
    let status = 0;
    while (Date.now() < deadline) {
      const res = await fetch(`${portal.url}/workspace/${name}/code/healthz`, { headers: { cookie, accept: "application/json" } });
      status = res.status;
      await res.body?.cancel();
      if (status === 200) break;
      expect(status).toBe(503);
      await new Promise((r) => setTimeout(r, 500));
    }
    expect(status).toBe(200);
  });
});
