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

  it("sends a page load under another name to PUBLIC_URL, refuses anything else, and answers health checks under any name", async () => {
    // Opened as http://workstation-7:3000/workspace?x=1 (a short host name): the same page at PUBLIC_URL, before any sign-in.
    const stranger = await get("/workspace?x=1", "workstation-7:3000");
    expect(stranger.statusCode).toBe(308);
    expect(stranger.headers.location).toBe(`http://127.0.0.1:${portal.port}/workspace?x=1`);
    await stranger.body.dump();
    const posted = await request(`http://127.0.0.1:${portal.port}/api/workspace/stop`, { method: "POST", headers: { host: "rebound.evil.example" } });
    expect(posted.statusCode).toBe(421);
    expect(await posted.body.text()).toContain(`answers at http://127.0.0.1:${portal.port}`);
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
    expect(notAnApp.statusCode).toBe(308); // not an app: the portal's own page instead
    await notAnApp.body.dump();
  });

  it("answers an unknown path with its own page and a way home", async () => {
    const missing = await get("/no/such/page", `127.0.0.1:${portal.port}`);
    expect(missing.statusCode).toBe(404);
    const html = await missing.body.text();
    expect(html).toContain("Page not found");
    expect(html).toContain('href="/"');
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
