import { describe, expect, it } from "vitest";
import { sameOrigin, type WithoutOrigin } from "../../lib/auth/same-origin";

const PORTAL = "https://workspace.example.org";
const RULES: WithoutOrigin[] = ["refused", "allowed", "sec-fetch-site"];

describe("sameOrigin", () => {
  it.each(RULES)("takes the origin itself, whatever Sec-Fetch-Site says (%s)", (rule) => {
    expect(sameOrigin(PORTAL, { origin: PORTAL }, rule)).toBe(true);
    expect(sameOrigin(PORTAL, { origin: PORTAL, fetchSite: "cross-site" }, rule)).toBe(true);
  });

  it.each(RULES)("refuses any other origin, whatever Sec-Fetch-Site says (%s)", (rule) => {
    for (const origin of [
      "https://evil.example",
      "https://code--alice-xakvtnsb.apps-example.org", // an app is another site to the portal
      "http://workspace.example.org", // another scheme
      "https://workspace.example.org:8443", // another port
      "https://workspace.example.org.evil.example",
      "null", // a sandboxed page, a file:// page
      "",
    ]) {
      expect(sameOrigin(PORTAL, { origin, fetchSite: "same-origin" }, rule), origin).toBe(false);
    }
  });

  it("judges a request without Origin as the caller says", () => {
    expect(sameOrigin(PORTAL, { origin: undefined }, "refused")).toBe(false);
    expect(sameOrigin(PORTAL, { origin: undefined, fetchSite: "same-origin" }, "refused")).toBe(false);
    expect(sameOrigin(PORTAL, { origin: undefined }, "allowed")).toBe(true);
    expect(sameOrigin(PORTAL, { origin: null, fetchSite: "cross-site" }, "allowed")).toBe(true);
    expect(sameOrigin(PORTAL, { origin: null, fetchSite: "same-origin" }, "sec-fetch-site")).toBe(true);
    for (const fetchSite of ["same-site", "cross-site", "none", "", null, undefined]) {
      expect(sameOrigin(PORTAL, { origin: null, fetchSite }, "sec-fetch-site"), String(fetchSite)).toBe(false);
    }
  });
});
