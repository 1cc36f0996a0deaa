import { describe, expect, it } from "vitest";
import { localPath } from "../../lib/util/local-path";

/** Where a browser goes when it follows `Location: <path>` from the portal. */
const followed = (path: string) => new URL(path, "https://workspace.example.org/signin").origin;

describe("redirect targets (localPath)", () => {
  it.each([
    ["/", "/"],
    ["/workspace", "/workspace"],
    ["/ok?x=1#y", "/ok?x=1#y"],
    ["/?folder=/home/alice/project", "/?folder=/home/alice/project"],
    ["/a/../b", "/b"],
    ["/a/./b", "/a/b"],
    ["/%0d%0aSet-Cookie:x", "/%0d%0aSet-Cookie:x"],
    ["/%2f%2fevil.example", "/%2f%2fevil.example"],
    ["/caf%C3%A9", "/caf%C3%A9"],
  ])("keeps the local path %j as %j", (input, kept) => {
    expect(localPath(input)).toBe(kept);
    expect(followed(kept)).toBe("https://workspace.example.org");
  });

  it("keeps an encoded CR LF encoded, so it cannot become a header", () => {
    expect(localPath("/%0d%0aSet-Cookie:x")).not.toMatch(/[\r\n]/);
  });

  it.each([
    ["//evil.example", "protocol-relative"],
    ["///evil.example", "protocol-relative, three slashes"],
    ["/\\evil.example", "a backslash browsers read as /"],
    ["\\\\evil.example", "backslashes"],
    ["/\t/evil.example", "a tab browsers drop"],
    ["/\n/evil.example", "a newline browsers drop"],
    ["/\r\nSet-Cookie: x=1", "a raw CR LF"],
    ["/\u0000", "a NUL"],
    ["/\u007f", "a DEL"],
    ["https://evil.example", "an absolute URL"],
    ["https://workspace.example.org/workspace", "an absolute URL, even to the portal"],
    ["javascript:alert(1)", "a javascript: URL"],
    ["JavaScript:alert(1)", "a javascript: URL in capitals"],
    ["data:text/html,<script>alert(1)</script>", "a data: URL"],
    ["evil.example", "a relative name"],
    [" /ok", "leading space"],
    ["", "nothing"],
  ])("refuses %j (%s)", (input) => {
    expect(localPath(input)).toBe("/");
  });

  it("refuses what is missing", () => {
    expect(localPath(null)).toBe("/");
    expect(localPath(undefined)).toBe("/");
  });

  it("refuses a path too long to be one of ours", () => {
    expect(localPath(`/${"a".repeat(4095)}`)).toBe(`/${"a".repeat(4095)}`);
    expect(localPath(`/${"a".repeat(4999)}`)).toBe("/");
  });

  it("answers the fallback it is given", () => {
    expect(localPath("//evil.example", "/workspace")).toBe("/workspace");
    expect(localPath(null, "/workspace")).toBe("/workspace");
    expect(localPath("/ok", "/workspace")).toBe("/ok");
  });

  it("never answers a protocol-relative URL, even when the input only becomes one once dot segments are resolved", () => {
    for (const input of ["/.//evil.example", "/a/..//evil.example", "/..//evil.example", "/%2e//evil.example", "/%2E%2E//evil.example"]) {
      const target = localPath(input);
      expect(target.startsWith("//"), `${JSON.stringify(input)} → ${JSON.stringify(target)}`).toBe(false);
      expect(followed(target), JSON.stringify(input)).toBe("https://workspace.example.org");
    }
  });

  it("never answers anything that leaves the site (a walk over awkward inputs)", () => {
    const parts = ["/", "//", "\\", ".", "..", "%2e", "%2f", "%5c", "evil.example", "?", "#", "@", ":", "\t", "a"];
    const inputs: string[] = [];
    const walk = (prefix: string, depth: number) => {
      inputs.push(prefix);
      if (depth === 0) return;
      for (const part of parts) walk(prefix + part, depth - 1);
    };
    walk("/", 4);
    // 54,000 inputs: the offenders are collected and compared once, since an expect() per input made this walk
    // outlast the test time-out on a busy machine.
    const offenders: string[] = [];
    for (const input of inputs) {
      const target = localPath(input);
      const local = target.startsWith("/") && !target.startsWith("//") && !target.includes("\\");
      if (!local || followed(target) !== "https://workspace.example.org") offenders.push(`${JSON.stringify(input)} → ${JSON.stringify(target)}`);
    }
    expect(inputs.length).toBeGreaterThan(50_000);
    expect(offenders).toEqual([]);
  }, 120_000); // CPU-bound work: its time is the machine's, not the code's
});
