import { describe, expect, it } from "vitest";
import type { AppAddress } from "../../lib/apps/app-address";
import { AppsDomain } from "../../lib/apps/apps-domain";
import { parseAppsUrl } from "../../lib/config/apps-url";
import { ConfigError, loadConfig } from "../../lib/config/env";
import { forwardedFor } from "../../server/proxy/headers";

const code: AppAddress = { slug: "alice-xakvtnsb", app: { kind: "code" } };

/** The message loadConfig throws for this environment (fails the test when it does not throw). */
function problems(env: Record<string, string>): string {
  try {
    loadConfig(env);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as Error).message;
  }
  throw new Error(`expected ${JSON.stringify(env)} to be refused`);
}

describe("APPS_URL", () => {
  describe("out of the box, for a portal on loopback", () => {
    it("puts apps on *.localhost at the portal's port", () => {
      expect(loadConfig({}).appsUrl).toEqual({ protocol: "http:", suffix: ".localhost", port: "3000" });
      expect(loadConfig({ PUBLIC_URL: "http://localhost:8080" }).appsUrl).toEqual({ protocol: "http:", suffix: ".localhost", port: "8080" });
      expect(loadConfig({ PUBLIC_URL: "http://127.0.0.1:3000" }).appsUrl).toEqual({ protocol: "http:", suffix: ".localhost", port: "3000" });
      expect(loadConfig({ PUBLIC_URL: "http://[::1]:3000" }).appsUrl).toEqual({ protocol: "http:", suffix: ".localhost", port: "3000" });
    });

    it("keeps the portal's protocol and leaves a default port out", () => {
      expect(loadConfig({ PUBLIC_URL: "http://localhost" }).appsUrl).toEqual({ protocol: "http:", suffix: ".localhost", port: "" });
      expect(loadConfig({ PUBLIC_URL: "https://localhost:8443" }).appsUrl).toEqual({ protocol: "https:", suffix: ".localhost", port: "8443" });
    });

    it("serves apps at the hosts a browser sends for them", () => {
      const domain = new AppsDomain(loadConfig({}).appsUrl);
      expect(domain.origin(code)).toBe("http://code--alice-xakvtnsb.localhost:3000");
      expect(domain.addressOf("code--alice-xakvtnsb.localhost:3000")).toEqual(code);
    });
  });

  it("is required, naming APPS_URL and an example, when the portal is anywhere else", () => {
    for (const publicUrl of ["https://workspace.example.org", "http://10.0.0.5:3000", "http://127.0.0.2:3000", "http://portal.lan"]) {
      const message = problems({ PUBLIC_URL: publicUrl });
      expect(message).toContain("APPS_URL: is required when PUBLIC_URL is not on localhost");
      expect(message).toMatch(/such as https:\/\/\*\.[a-z.-]+/);
    }
  });

  it("reads a wildcard origin, in any case, with or without a port or trailing slash", () => {
    const portal = { PUBLIC_URL: "https://workspace.example.org" };
    expect(loadConfig({ ...portal, APPS_URL: "https://*.apps-example.org" }).appsUrl).toEqual({ protocol: "https:", suffix: ".apps-example.org", port: "" });
    expect(loadConfig({ ...portal, APPS_URL: "https://*.apps-example.org/" }).appsUrl).toEqual({ protocol: "https:", suffix: ".apps-example.org", port: "" });
    expect(loadConfig({ ...portal, APPS_URL: "HTTPS://*.Apps-Example.ORG" }).appsUrl).toEqual({ protocol: "https:", suffix: ".apps-example.org", port: "" });
    expect(loadConfig({ ...portal, APPS_URL: "https://*.apps-example.org:8443" }).appsUrl).toEqual({
      protocol: "https:",
      suffix: ".apps-example.org",
      port: "8443",
    });
    expect(loadConfig({ ...portal, APPS_URL: "https://*.apps-example.org:443" }).appsUrl).toEqual({ protocol: "https:", suffix: ".apps-example.org", port: "" });
    expect(loadConfig({ APPS_URL: "http://*.apps.localhost:3000" }).appsUrl).toEqual({ protocol: "http:", suffix: ".apps.localhost", port: "3000" });
  });

  it.each([
    ["https://apps.example.org", "no wildcard"],
    ["https://*.apps.example.org/path", "a path"],
    ["https://*.apps.example.org?x=1", "a query"],
    ["ftp://*.x", "another scheme"],
    ["https://a*.x.org", "a partial wildcard"],
    ["https://*x.org", "a wildcard that is not a whole label"],
    ["https://x.*.org", "a wildcard in the middle"],
    ["*.apps.example.org", "no scheme"],
    ["https://*.apps.example.org:", "an empty port"],
    ["https://user@*.apps.example.org", "credentials"],
  ])("refuses %j (%s), saying what is expected", (value) => {
    const message = problems({ PUBLIC_URL: "https://workspace.example.org", APPS_URL: value });
    expect(message).toContain(`APPS_URL: expected a wildcard origin such as https://*.apps.example.org (no path)`);
    expect(message).toContain(`(got "${value}")`);
  });

  it.each(["https://*.-apps.example.org", "https://*..example.org", "https://*.apps_example.org", "https://*.a@b.org", `https://*.${"a".repeat(64)}.org`])(
    "refuses %j: not a domain name",
    (value) => {
      expect(problems({ PUBLIC_URL: "https://workspace.example.org", APPS_URL: value })).toMatch(/APPS_URL: ".*" is not a domain name/);
    },
  );

  it("refuses a port out of range", () => {
    expect(problems({ PUBLIC_URL: "https://workspace.example.org", APPS_URL: "https://*.apps-example.org:0" })).toContain(
      "APPS_URL: the port must be between 1 and 65535",
    );
    expect(problems({ PUBLIC_URL: "https://workspace.example.org", APPS_URL: "https://*.apps-example.org:65536" })).toContain(
      "APPS_URL: the port must be between 1 and 65535",
    );
  });

  it("treats the default port spelt with leading zeros as the default port, so app hosts still match what browsers send", () => {
    // Browsers (and URL parsers) read :0443 as :443 and leave it out of Host; the apps domain must match that Host.
    const parsed = parseAppsUrl("https://*.apps-example.org:0443");
    // Refusing the spelling outright would do as well; accepting it and then refusing every app's Host does not.
    const outcome = typeof parsed === "string" ? { refused: parsed } : { served: new AppsDomain(parsed).addressOf("code--alice-xakvtnsb.apps-example.org") };
    expect(outcome).not.toEqual({ served: null });
  });

  it("refuses an apps domain on the portal's registrable domain: an app could set cookies the portal receives", () => {
    const message = problems({ PUBLIC_URL: "https://workspace.example.org", APPS_URL: "https://*.apps.example.org" });
    expect(message).toContain("APPS_URL: the apps domain (*.apps.example.org) and the portal (workspace.example.org) are on the same registrable domain example.org");
    expect(problems({ PUBLIC_URL: "https://workspace.example.org", APPS_URL: "https://*.example.org" })).toContain("same registrable domain example.org");
    // The public suffix list decides what "registrable" means.
    expect(problems({ PUBLIC_URL: "https://portal.example.co.uk", APPS_URL: "https://*.apps.example.co.uk" })).toContain(
      "same registrable domain example.co.uk",
    );
  });

  it("refuses an apps domain inside the portal's host", () => {
    expect(problems({ PUBLIC_URL: "https://workspace.example.org", APPS_URL: "https://*.workspace.example.org" })).toContain(
      "APPS_URL: the apps domain (*.workspace.example.org) is inside the portal's host workspace.example.org",
    );
    expect(problems({ PUBLIC_URL: "https://example.org", APPS_URL: "https://*.apps.example.org" })).toContain("is inside the portal's host example.org");
  });

  it("accepts an apps domain on a registrable domain of its own", () => {
    expect(loadConfig({ PUBLIC_URL: "https://workspace.example.org", APPS_URL: "https://*.apps-example.org" }).appsUrl.suffix).toBe(".apps-example.org");
    expect(loadConfig({ PUBLIC_URL: "https://workspace.example.org", APPS_URL: "https://*.example-apps.org" }).appsUrl.suffix).toBe(".example-apps.org");
    expect(loadConfig({ PUBLIC_URL: "https://portal.example.co.uk", APPS_URL: "https://*.apps.example.org.uk" }).appsUrl.suffix).toBe(".apps.example.org.uk");
  });

  it("refuses http apps behind an https portal, and allows the reverse", () => {
    expect(problems({ PUBLIC_URL: "https://workspace.example.org", APPS_URL: "http://*.apps-example.org" })).toContain(
      'APPS_URL: must be https when PUBLIC_URL is (got "http://*.apps-example.org")',
    );
    expect(loadConfig({ PUBLIC_URL: "http://workspace.example.org", APPS_URL: "https://*.apps-example.org" }).appsUrl.protocol).toBe("https:");
  });

  it("names every APPS_URL problem alongside the others", () => {
    const message = problems({ PUBLIC_URL: "https://workspace.example.org", APPS_URL: "http://*.apps.example.org", PORT: "eighty" });
    expect(message).toContain("PORT: expected a whole number");
    expect(message).toContain("same registrable domain example.org");
    expect(message).toContain("must be https when PUBLIC_URL is");
  });
});

describe("TRUSTED_PROXIES", () => {
  it("trusts no proxy unless told", () => {
    expect(loadConfig({}).trustedProxies).toEqual([]);
  });

  it("reads a comma-separated list of IPv4 and IPv6 addresses", () => {
    expect(loadConfig({ TRUSTED_PROXIES: "127.0.0.1" }).trustedProxies).toEqual(["127.0.0.1"]);
    expect(loadConfig({ TRUSTED_PROXIES: "127.0.0.1, 10.0.0.2 ,::1" }).trustedProxies).toEqual(["127.0.0.1", "10.0.0.2", "::1"]);
  });

  it.each(["proxy.internal", "10.0.0.0/8", "127.0.0.1,", "127.0.0.1;10.0.0.2", "any"])("refuses %j, saying what is expected", (value) => {
    expect(problems({ TRUSTED_PROXIES: value })).toContain(
      `TRUSTED_PROXIES: expected IP addresses separated by commas, e.g. 127.0.0.1,10.0.0.2 (got "${value}")`,
    );
  });

  it("refuses entries that are not IP addresses, naming the variable", () => {
    for (const value of ["10.0.0.2.", "10.0.0.256", "10.0.0", "cafe", "1:2:3"]) {
      expect(() => loadConfig({ TRUSTED_PROXIES: value }), value).toThrow(/TRUSTED_PROXIES: /);
    }
  });

  it("believes X-Forwarded-For from a listed proxy only", () => {
    const { trustedProxies } = loadConfig({ TRUSTED_PROXIES: "10.0.0.2" });
    expect(forwardedFor({ "x-forwarded-for": "203.0.113.7" }, "10.0.0.2", trustedProxies)).toBe("203.0.113.7, 10.0.0.2");
    expect(forwardedFor({ "x-forwarded-for": "203.0.113.7" }, "::ffff:10.0.0.2", trustedProxies)).toBe("203.0.113.7, ::ffff:10.0.0.2");
    expect(forwardedFor({ "x-forwarded-for": "203.0.113.7" }, "10.0.0.3", trustedProxies)).toBe("10.0.0.3");
  });

  it("trusts a proxy whose IPv6 address is written in capitals, as the variable allows", () => {
    // Node reports peers in lowercase (fe80::1); TRUSTED_PROXIES accepts A-F.
    const { trustedProxies } = loadConfig({ TRUSTED_PROXIES: "FE80::1" });
    expect(forwardedFor({ "x-forwarded-for": "203.0.113.7" }, "fe80::1", trustedProxies)).toBe("203.0.113.7, fe80::1");
  });
});
