import { describe, expect, it } from "vitest";
import { AppsDomain } from "../../lib/apps/apps-domain";
import { isOpsPath, siteOf } from "../../server/site";

const code = { slug: "alice-xakvtnsb", app: { kind: "code" as const } };

describe("which site a request is for (by Host)", () => {
  describe("a portal on https's default port, apps on a domain of their own", () => {
    const site = siteOf(
      new URL("https://workspace.example.org"),
      new AppsDomain({ protocol: "https:", suffix: ".apps-example.org", port: "" }),
    );

    it("knows the portal, however its Host is spelt", () => {
      expect(site("workspace.example.org")).toEqual({ kind: "portal" });
      expect(site("WorkSpace.Example.ORG")).toEqual({ kind: "portal" });
      expect(site("workspace.example.org:443")).toEqual({ kind: "portal" });
    });

    it("refuses the portal's name on another port", () => {
      expect(site("workspace.example.org:80")).toEqual({ kind: "unknown" });
      expect(site("workspace.example.org:3000")).toEqual({ kind: "unknown" });
    });

    it("knows each app by its host", () => {
      expect(site("code--alice-xakvtnsb.apps-example.org")).toEqual({ kind: "app", address: code });
      expect(site("8000--alice-xakvtnsb.apps-example.org:443")).toEqual({
        kind: "app",
        address: { slug: "alice-xakvtnsb", app: { kind: "port", port: 8000 } },
      });
    });

    it.each<[string | undefined, string]>([
      [undefined, "no Host"],
      ["", "an empty Host"],
      ["evil.example", "another name (DNS rebinding)"],
      ["203.0.113.7", "the server's address"],
      ["apps-example.org", "the apps domain itself"],
      ["code--alice-xakvtnsb.workspace.example.org", "an app label under the portal"],
      ["x.workspace.example.org", "a subdomain of the portal"],
      ["a.code--alice-xakvtnsb.apps-example.org", "a subdomain of an app"],
      ["workspace.example.org.evil.example", "the portal's name as a prefix"],
    ])("serves nobody for %j (%s)", (host) => {
      expect(site(host)).toEqual({ kind: "unknown" });
    });
  });

  describe("the out-of-the-box loopback setup", () => {
    const site = siteOf(new URL("http://localhost:3000"), new AppsDomain({ protocol: "http:", suffix: ".localhost", port: "3000" }));

    it("tells the portal from its apps", () => {
      expect(site("localhost:3000")).toEqual({ kind: "portal" });
      expect(site("code--alice-xakvtnsb.localhost:3000")).toEqual({ kind: "app", address: code });
    });

    it("needs the port a non-default portal port is on", () => {
      expect(site("localhost")).toEqual({ kind: "unknown" });
      expect(site("localhost:80")).toEqual({ kind: "unknown" });
      expect(site("127.0.0.1:3000")).toEqual({ kind: "unknown" });
    });
  });

  it("accepts :80 for an http portal on the default port", () => {
    const site = siteOf(new URL("http://portal.lan"), new AppsDomain({ protocol: "http:", suffix: ".apps.lan", port: "" }));
    expect(site("portal.lan")).toEqual({ kind: "portal" });
    expect(site("portal.lan:80")).toEqual({ kind: "portal" });
    expect(site("portal.lan:443")).toEqual({ kind: "unknown" });
  });
});

describe("operators' probes", () => {
  it.each(["/healthz", "/readyz", "/metrics", "/metrics?name[]=up", "/healthz?"])("%j is one", (url) => {
    expect(isOpsPath(url)).toBe(true);
  });

  it.each([undefined, "", "/", "/healthz/", "/metricsx", "/api/healthz", "/Healthz", "healthz", "/healthz/../workspace"])("%j is not", (url) => {
    expect(isOpsPath(url)).toBe(false);
  });
});
