import { request } from "undici";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startPortal, type PortalProcess } from "../support/portal-process";

/** The portal's own origin, told apart from apps and strangers by Host, and what its pages tell the browser. */
describe("the portal's site", () => {
  let portal: PortalProcess;
  const get = (path: string, host: string) => request(`http://127.0.0.1:${portal.port}${path}`, { headers: { host } });

  beforeAll(async () => {
    portal = await startPortal();
  });
  afterAll(() => portal?.cleanup());

  it("sends its pages with headers that keep them out of frames and other sites' reach", async () => {
    const page = await get("/signin", `127.0.0.1:${portal.port}`);
    expect(page.statusCode).toBe(200);
    await page.body.dump();
    expect(page.headers["content-security-policy"]).toContain("frame-ancestors 'none'");
    expect(page.headers["x-frame-options"]).toBe("DENY");
    expect(page.headers["x-content-type-options"]).toBe("nosniff");
    expect(page.headers["referrer-policy"]).toBe("same-origin");
    expect(page.headers["cross-origin-opener-policy"]).toBe("same-origin");
    expect(page.headers["cross-origin-resource-policy"]).toBe("same-origin");
  });

  it("refuses a Host that is neither the portal's nor an app's, but answers health checks under any name", async () => {
    const stranger = await get("/signin", "rebound.evil.example");
    expect(stranger.statusCode).toBe(421);
    expect(await stranger.body.text()).toContain(`answers at http://127.0.0.1:${portal.port}`);
    const health = await get("/healthz", "10.0.0.7:8080");
    expect(health.statusCode).toBe(200);
    await health.body.dump();
  });

  it("serves app hosts as apps, never as portal pages", async () => {
    const app = await get("/signin", `code--alice-abcdefgh.localhost:${portal.port}`);
    // No app cookie: a non-navigation is told to open the app from the portal (a portal page would be 200).
    expect(app.statusCode).toBe(401);
    expect(app.headers["content-security-policy"]).toBeUndefined();
    await app.body.dump();
    const notAnApp = await get("/", `code-alice.localhost:${portal.port}`);
    expect(notAnApp.statusCode).toBe(421);
    await notAnApp.body.dump();
  });

  it("keeps callbackUrl on the portal, however a browser would read it", async () => {
    for (const callback of ["/\t/evil.example", "/\\evil.example", "//evil.example", "https://evil.example/"]) {
      const page = await get(`/signin?callbackUrl=${encodeURIComponent(callback)}`, `127.0.0.1:${portal.port}`);
      // The sign-in button is handed the target it will return to (the page's own URL is in the payload too).
      const html = await page.body.text();
      expect(html, callback).toContain('\\"callbackUrl\\":\\"/\\"');
    }
  });
});
