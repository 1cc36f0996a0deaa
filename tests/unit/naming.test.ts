import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { readableBase, SLUG_PATTERN, workspaceSlug } from "../../lib/identity/naming";
import { homePath } from "../../lib/workspace/home";
import { containerName } from "../../lib/workspace/spec";

const DOCKER_NAME = /^[a-zA-Z0-9][a-zA-Z0-9_.-]+$/;
const root = path.join(os.tmpdir(), "portal-data");

function check(username: string, sub = `sub-${username}`) {
  const slug = workspaceSlug(username, sub);
  expect(slug).toMatch(SLUG_PATTERN);
  expect(containerName({ namePrefix: "scitex-ws-" }, slug)).toMatch(DOCKER_NAME);
  expect(slug.length).toBeLessThanOrEqual(63); // also a valid hostname label
  const dir = homePath(root, slug);
  expect(path.dirname(dir)).toBe(path.join(root, "users"));
  return slug;
}

describe("workspace naming", () => {
  it("keeps ordinary Django usernames readable", () => {
    expect(readableBase("alice")).toBe("alice");
    expect(readableBase("j.doe+lab@uni.edu")).toBe("j-doe-lab-uni-edu");
    expect(readableBase("Dr.Eve_O'Neil+test")).toBe("dr-eve-o-neil-test");
    expect(check("alice")).toMatch(/^alice-[a-z2-9]{8}$/);
  });

  it("turns path-traversal attempts into plain names inside the data root", () => {
    for (const hostile of ["../../etc", "..", ".", "/", "a/../../b", "..\\..\\windows", "~root", "$(rm -rf /)", "\u202e"]) {
      const slug = check(hostile);
      expect(slug).not.toContain(".");
      expect(slug).not.toContain("/");
    }
  });

  it("handles unicode and empty-looking names", () => {
    expect(readableBase("Grüße")).toBe("grusse");
    expect(readableBase("Ñandú")).toBe("nandu");
    expect(readableBase("你好")).toBe("user");
    expect(readableBase("🚀🚀")).toBe("user");
    check("你好");
    check("Zoë Åberg");
  });

  it("bounds very long names", () => {
    const slug = check("x".repeat(150));
    expect(slug.length).toBeLessThanOrEqual(32 + 1 + 8);
  });

  it("gives different users different names even when usernames differ only by case or punctuation", () => {
    const pairs: [string, string][] = [
      ["Alice", "alice"],
      ["j.doe", "j_doe"],
      ["j.doe", "j-doe"],
      ["a+b", "a@b"],
      ["你好", "こんにちは"],
      ["x".repeat(150), `${"x".repeat(149)}y`],
    ];
    for (const [a, b] of pairs) {
      expect(check(a, `sub-of-${a}`)).not.toBe(check(b, `sub-of-${b}`));
    }
  });

  it("is stable for the same subject", () => {
    expect(workspaceSlug("alice", "42")).toBe(workspaceSlug("alice", "42"));
    expect(workspaceSlug("alice", "42")).not.toBe(workspaceSlug("alice", "43"));
  });

  it("refuses home directories that are not plain slugs", () => {
    for (const bad of ["../etc", "a/b", "", ".", "..", "A", "a--"]) {
      expect(() => homePath(root, bad)).toThrow(/not a valid workspace directory/);
    }
  });
});
