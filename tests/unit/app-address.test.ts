import { describe, expect, it } from "vitest";
import { appLabel, parseAppLabel, parseAppName, type AppAddress, type WorkspaceApp } from "../../lib/apps/app-address";
import { SLUG_PATTERN, workspaceSlug } from "../../lib/identity/naming";

const AWKWARD_USERNAMES = [
  "alice",
  "Dr.Eve_O'Neil+test",
  "Grüße",
  "Zoë Åberg",
  "你好",
  "🚀🚀",
  "12345",
  "8000",
  "0",
  "code",
  "code--x",
  "--",
  "a--b",
  "x".repeat(150),
  `${"ab-".repeat(50)}`,
  "ß".repeat(40),
];
const APPS: WorkspaceApp[] = [{ kind: "code" }, { kind: "port", port: 1 }, { kind: "port", port: 80 }, { kind: "port", port: 8000 }, { kind: "port", port: 65535 }];

const slugs = AWKWARD_USERNAMES.map((name, i) => workspaceSlug(name, `sub-${i}-${name}`));

describe("app host labels", () => {
  it("names VS Code and ports the documented way", () => {
    expect(appLabel({ slug: "alice-xakvtnsb", app: { kind: "code" } })).toBe("code--alice-xakvtnsb");
    expect(appLabel({ slug: "alice-xakvtnsb", app: { kind: "port", port: 8000 } })).toBe("8000--alice-xakvtnsb");
  });

  it("reads a label back into the workspace and app it names", () => {
    expect(parseAppLabel("code--alice-xakvtnsb")).toEqual({ slug: "alice-xakvtnsb", app: { kind: "code" } });
    expect(parseAppLabel("8000--alice-xakvtnsb")).toEqual({ slug: "alice-xakvtnsb", app: { kind: "port", port: 8000 } });
    expect(parseAppLabel("1--a")).toEqual({ slug: "a", app: { kind: "port", port: 1 } });
    expect(parseAppLabel("65535--a")).toEqual({ slug: "a", app: { kind: "port", port: 65535 } });
  });

  it("splits at the first '--', so a slug that starts with digits is not mistaken for part of the port", () => {
    expect(parseAppLabel("8000--123-abc")).toEqual({ slug: "123-abc", app: { kind: "port", port: 8000 } });
    expect(parseAppLabel("code--8000-abc")).toEqual({ slug: "8000-abc", app: { kind: "code" } });
    expect(parseAppLabel("code--code-abc")).toEqual({ slug: "code-abc", app: { kind: "code" } });
  });

  it.each([
    ["code-x", "a single dash"],
    ["codex", "no separator"],
    ["code--", "no slug"],
    ["--alice", "no app"],
    ["0--a", "port 0"],
    ["65536--a", "a port above 65535"],
    ["99999--a", "a port above 65535"],
    ["123456--a", "six digits"],
    ["08000--a", "a port with a leading zero"],
    ["00--a", "zeros"],
    ["CODE--alice", "uppercase app"],
    ["code--Alice", "uppercase slug"],
    ["8000--a--b", "a slug with '--'"],
    ["code--a--b", "a slug with '--'"],
    ["code---a", "a slug starting with '-'"],
    ["code--a-", "a slug ending with '-'"],
    ["vscode--a", "an unknown app"],
    ["-1--a", "a negative port"],
    ["8e3--a", "a port in exponent form"],
    ["0x50--a", "a port in hex"],
    ["8000--a_b", "an underscore"],
    ["8000--a.b", "a dot"],
    ["code--a\n", "a trailing newline"],
    [" code--a", "a leading space"],
    ["code--ä", "a non-ASCII slug"],
    ["", "nothing"],
  ])("refuses %j (%s)", (label) => {
    expect(parseAppLabel(label)).toBeNull();
  });

  it("refuses labels longer than a DNS label may be (63 characters)", () => {
    const longest = `code--${"a".repeat(57)}`;
    expect(longest).toHaveLength(63);
    expect(parseAppLabel(longest)).toEqual({ slug: "a".repeat(57), app: { kind: "code" } });
    expect(parseAppLabel(`code--${"a".repeat(58)}`)).toBeNull();
    expect(parseAppLabel(`8000--${"a".repeat(58)}`)).toBeNull();
  });

  it("round-trips every workspace slug the portal makes, for every kind of app", () => {
    for (const slug of slugs) {
      expect(slug).toMatch(SLUG_PATTERN);
      for (const app of APPS) {
        const address: AppAddress = { slug, app };
        const label = appLabel(address);
        expect(label.length, label).toBeLessThanOrEqual(63);
        expect(parseAppLabel(label), label).toEqual(address);
      }
    }
  });

  it("gives distinct apps distinct labels, so no host can name two apps", () => {
    const labels = new Map<string, AppAddress>();
    for (const slug of slugs) {
      for (const app of APPS) {
        const label = appLabel({ slug, app });
        expect(labels.get(label), label).toBeUndefined();
        labels.set(label, { slug, app });
      }
    }
    expect(labels.size).toBe(new Set(slugs).size * APPS.length);
  });

  it("accepts only the one spelling of each app (what it parses, it would write the same way)", () => {
    // A deterministic walk over short strings made of the characters a label may contain.
    const alphabet = ["c", "o", "d", "e", "-", "0", "1", "5", "6", "8", "a", "z"];
    let seed = 12345;
    const random = () => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    let accepted = 0;
    for (let i = 0; i < 20_000; i++) {
      const length = 4 + Math.floor(random() * 10);
      let label = "";
      for (let j = 0; j < length; j++) label += alphabet[Math.floor(random() * alphabet.length)];
      if (i % 3 === 0) label = `${["code", "8000", "65535", "1"][i % 4]}--${label}`;
      const address = parseAppLabel(label);
      if (!address) continue;
      accepted++;
      expect(appLabel(address), label).toBe(label);
      expect(address.slug).toMatch(SLUG_PATTERN);
      expect(address.slug).not.toContain("--");
    }
    expect(accepted).toBeGreaterThan(100);
  });
});

describe("app names (URLs, tickets, the open page)", () => {
  it("reads code and port numbers", () => {
    expect(parseAppName("code")).toEqual({ kind: "code" });
    expect(parseAppName("1")).toEqual({ kind: "port", port: 1 });
    expect(parseAppName("8000")).toEqual({ kind: "port", port: 8000 });
    expect(parseAppName("65535")).toEqual({ kind: "port", port: 65535 });
  });

  it.each(["", "0", "65536", "99999", "100000", "08000", "-1", "8000.0", "8e3", "0x50", " 8000", "8000 ", "Code", "CODE", "vscode", "code "])(
    "refuses %j",
    (name) => {
      expect(parseAppName(name)).toBeNull();
    },
  );
});
