import { describe, expect, it } from "vitest";
import { requestIsUse } from "../../lib/apps/app-use";

describe("which app requests count as use for the idle stop", () => {
  it("does not count a notebook page's own background reads", () => {
    expect(requestIsUse("notebook", { method: "GET", navigation: false })).toBe(false); // /api/sessions, /api/contents
    expect(requestIsUse("notebook", { method: "HEAD", navigation: false })).toBe(false);
  });

  it("counts opening a notebook page, and anything that changes something", () => {
    expect(requestIsUse("notebook", { method: "GET", navigation: true })).toBe(true);
    expect(requestIsUse("notebook", { method: "PUT", navigation: false })).toBe(true); // a save
    expect(requestIsUse("notebook", { method: "post", navigation: false })).toBe(true); // a kernel started
    expect(requestIsUse("notebook", { method: "DELETE", navigation: false })).toBe(true);
  });

  it("leaves VS Code and port previews as they were: every request counts", () => {
    expect(requestIsUse("code", { method: "GET", navigation: false })).toBe(true);
    expect(requestIsUse("port", { method: "GET", navigation: false })).toBe(true);
  });
});
