import { gunzipSync } from "node:zlib";
import { request } from "undici";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LABEL } from "../../lib/workspace/labels";
import { WORKSPACE_IMAGE } from "../support/images";
import { startPortal, type PortalProcess } from "../support/portal-process";
import { sessionCookie } from "../support/session-cookie";

const SECRET = "vscode-at-start-secret-0123456789abcdef";

describe("VS Code started with the workspace (CODE_SERVER_AT_START=true)", () => {
  let portal: PortalProcess;
  let name: string;
  let cookie: string;

  beforeAll(async () => {
    portal = await startPortal({ WORKSPACE_IMAGE, WORKSPACE_MEMORY: "3g", AUTH_SECRET: SECRET, CODE_SERVER_AT_START: "true" });
  });
  afterAll(() => portal?.cleanup());

  it("has VS Code answering after Open Workspace alone, without the user opening it", async () => {
    cookie = await sessionCookie(SECRET, { sub: "at-start-1", username: "carol" });
    const started = await fetch(`${portal.url}/api/workspace/start`, { method: "POST", headers: { cookie, origin: portal.url } });
    expect(started.status).toBe(200);
    expect(await started.text()).toContain('"running"');
    ({ name } = (await (await fetch(`${portal.url}/api/workspace`, { headers: { cookie } })).json()) as { name: string });

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

  it("serves VS Code's static files itself, byte for byte what code-server serves, to the owner only", async () => {
    const [container] = await portal.docker.listContainers({ filters: { label: [`${LABEL.instance}=${portal.instance}`] } });
    const ip = Object.values(container!.NetworkSettings.Networks)[0]!.IPAddress;
    const page = await (await fetch(`http://${ip}:8080/`)).text();
    const version = /\b(stable-[0-9a-f]{40})\//.exec(page)![1]!;
    const asset = `${version}/static/out/nls.messages.js`;
    const direct = Buffer.from(await (await fetch(`http://${ip}:8080/${asset}`, { headers: { "accept-encoding": "identity" } })).arrayBuffer());
    const url = `${portal.url}/workspace/${name}/code/${asset}`;

    // The copy out of the image happens in the background after start; until then code-server answers.
    let plain!: Response;
    await expect
      .poll(async () => {
        plain = await fetch(url, { headers: { cookie, "accept-encoding": "identity" } });
        return plain.headers.get("x-served-from");
      }, { timeout: 60_000 })
      .toBe("workspace-image");
    expect(plain.status).toBe(200);
    expect(plain.headers.get("content-type")).toBe("text/javascript");
    expect(plain.headers.get("cache-control")).toContain("max-age=31536000");
    expect(Buffer.from(await plain.arrayBuffer()).equals(direct)).toBe(true);

    // undici's request, unlike fetch, hands over the body as sent.
    const zipped = await request(url, { headers: { cookie, "accept-encoding": "gzip, deflate, br" } });
    expect(zipped.headers["content-encoding"]).toBe("gzip");
    expect(gunzipSync(Buffer.from(await zipped.body.arrayBuffer())).equals(direct)).toBe(true);

    // Anything the copy lacks still goes to code-server, and nobody else gets past the owner check.
    const missing = await fetch(`${portal.url}/workspace/${name}/code/${version}/static/out/no-such-file.js`, { headers: { cookie } });
    expect(missing.status).toBe(404);
    expect(missing.headers.get("x-served-from")).toBeNull();
    const dave = await sessionCookie(SECRET, { sub: "at-start-2", username: "dave" });
    const foreign = await fetch(url, { headers: { cookie: dave }, redirect: "manual" });
    expect(foreign.status).toBe(403);
    expect(foreign.headers.get("x-served-from")).toBeNull();
  });
});
