import { describe, expect, it } from "vitest";
import type { AppAddress } from "../../lib/apps/app-address";
import { AppsDomain } from "../../lib/apps/apps-domain";

const code: AppAddress = { slug: "alice-xakvtnsb", app: { kind: "code" } };
const port: AppAddress = { slug: "alice-xakvtnsb", app: { kind: "port", port: 8000 } };

describe("the apps domain", () => {
  describe("on the protocol's default port (https://*.apps.test)", () => {
    const domain = new AppsDomain({ protocol: "https:", suffix: ".apps.test", port: "" });

    it("puts each app on a host of its own, with no port in its origin", () => {
      expect(domain.secure).toBe(true);
      expect(domain.host(code)).toBe("code--alice-xakvtnsb.apps.test");
      expect(domain.host(port)).toBe("8000--alice-xakvtnsb.apps.test");
      expect(domain.origin(code)).toBe("https://code--alice-xakvtnsb.apps.test");
      expect(domain.origin(port)).toBe("https://8000--alice-xakvtnsb.apps.test");
    });

    it("knows the app a Host header names, however it is capitalised", () => {
      expect(domain.addressOf("code--alice-xakvtnsb.apps.test")).toEqual(code);
      expect(domain.addressOf("8000--alice-xakvtnsb.apps.test")).toEqual(port);
      expect(domain.addressOf("CODE--Alice-XAKVTNSB.Apps.Test")).toEqual(code);
    });

    it("accepts the default port spelt out, and no other", () => {
      expect(domain.addressOf("code--alice-xakvtnsb.apps.test:443")).toEqual(code);
      expect(domain.addressOf("code--alice-xakvtnsb.apps.test:80")).toBeNull();
      expect(domain.addressOf("code--alice-xakvtnsb.apps.test:8443")).toBeNull();
      expect(domain.addressOf("code--alice-xakvtnsb.apps.test:")).toBeNull();
    });

    it.each<[string | undefined, string]>([
      [undefined, "no Host"],
      ["", "an empty Host"],
      ["apps.test", "the apps domain itself"],
      ["workspace.example.org", "the portal's own host"],
      ["code--alice-xakvtnsb.apps.test.evil.example", "a longer suffix"],
      ["code--alice-xakvtnsb.evil.example", "another suffix"],
      ["code--alice-xakvtnsb.xapps.test", "a look-alike suffix"],
      ["code--alice-xakvtnsb.test", "a shorter suffix"],
      ["a.code--alice-xakvtnsb.apps.test", "a deeper subdomain"],
      ["code--alice-xakvtnsb.a.apps.test", "a label between the app and the suffix"],
      ["code--alice-xakvtnsb", "no suffix"],
      ["code-alice-xakvtnsb.apps.test", "a label that names no app"],
      ["0--alice-xakvtnsb.apps.test", "port 0"],
      ["65536--alice-xakvtnsb.apps.test", "a port out of range"],
      ["code--a--b.apps.test", "a slug with '--'"],
    ])("refuses %j (%s)", (host) => {
      expect(domain.addressOf(host)).toBeNull();
    });

    it("reads back every host it makes", () => {
      for (const address of [code, port, { slug: "8000-abc", app: { kind: "port", port: 65535 } } as AppAddress]) {
        expect(domain.addressOf(domain.host(address))).toEqual(address);
        expect(domain.addressOf(new URL(domain.origin(address)).host)).toEqual(address);
      }
    });
  });

  describe("on an explicit port (http://*.localhost:3000)", () => {
    const domain = new AppsDomain({ protocol: "http:", suffix: ".localhost", port: "3000" });

    it("puts the port in each app's host and origin", () => {
      expect(domain.secure).toBe(false);
      expect(domain.host(code)).toBe("code--alice-xakvtnsb.localhost:3000");
      expect(domain.origin(port)).toBe("http://8000--alice-xakvtnsb.localhost:3000");
    });

    it("requires that port in the Host header", () => {
      expect(domain.addressOf("code--alice-xakvtnsb.localhost:3000")).toEqual(code);
      expect(domain.addressOf("CODE--ALICE-XAKVTNSB.LOCALHOST:3000")).toEqual(code);
      expect(domain.addressOf("code--alice-xakvtnsb.localhost")).toBeNull();
      expect(domain.addressOf("code--alice-xakvtnsb.localhost:80")).toBeNull();
      expect(domain.addressOf("code--alice-xakvtnsb.localhost:3001")).toBeNull();
    });

    it("refuses the portal's own host and deeper subdomains", () => {
      expect(domain.addressOf("localhost:3000")).toBeNull();
      expect(domain.addressOf("a.code--alice-xakvtnsb.localhost:3000")).toBeNull();
    });
  });

  it("accepts :80 as the default port of an http apps domain", () => {
    const domain = new AppsDomain({ protocol: "http:", suffix: ".apps.test", port: "" });
    expect(domain.origin(code)).toBe("http://code--alice-xakvtnsb.apps.test");
    expect(domain.addressOf("code--alice-xakvtnsb.apps.test:80")).toEqual(code);
    expect(domain.addressOf("code--alice-xakvtnsb.apps.test:443")).toBeNull();
  });
});
