import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { ensureLease } from "../../lib/workspace/home";

const asRoot = process.getuid?.() === 0;
const made: string[] = [];
const tmp = () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "home-lease-"));
  made.push(dir);
  return dir;
};
afterEach(() => {
  for (const dir of made.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
});

const modeOf = (file: string) => {
  const stat = fs.lstatSync(file);
  return `${stat.uid} ${(stat.mode & 0o7777).toString(8)} ${stat.isFile() ? "file" : stat.isDirectory() ? "dir" : "other"}`;
};

// Making files root's needs root: the portal runs so wherever it makes homes for other uids.
describe.runIf(asRoot)("the workspace lease in a home, as the portal makes it before every start", () => {
  it("is a root-owned, read-only file in a root-owned directory", async () => {
    const home = tmp();
    await ensureLease(home);
    expect(modeOf(path.join(home, ".scitex"))).toBe("0 755 dir");
    expect(modeOf(path.join(home, ".scitex/lease"))).toBe("0 444 file");
  });

  it("takes over the user's own directory and lease, keeping the file it is", async () => {
    const home = tmp();
    fs.mkdirSync(path.join(home, ".scitex"));
    fs.writeFileSync(path.join(home, ".scitex/lease"), "");
    fs.chownSync(path.join(home, ".scitex"), 4242, 4242);
    fs.chownSync(path.join(home, ".scitex/lease"), 4242, 4242);
    const inode = fs.statSync(path.join(home, ".scitex/lease")).ino;
    await ensureLease(home);
    expect(modeOf(path.join(home, ".scitex/lease"))).toBe("0 444 file");
    expect(fs.statSync(path.join(home, ".scitex/lease")).ino).toBe(inode);
  });

  it("never follows a link the user put in its place, and moves whatever is there aside rather than delete it", async () => {
    const home = tmp();
    const outside = tmp();
    fs.writeFileSync(path.join(outside, "lease"), "precious");
    fs.symlinkSync(outside, path.join(home, ".scitex"));
    await ensureLease(home);
    expect(fs.readFileSync(path.join(outside, "lease"), "utf8")).toBe("precious");
    expect(modeOf(outside)).not.toMatch(/^0 755/);
    expect(modeOf(path.join(home, ".scitex/lease"))).toBe("0 444 file");
    const aside = fs.readdirSync(home).filter((name) => name.startsWith(".scitex.moved-"));
    expect(aside).toHaveLength(1);
    expect(fs.lstatSync(path.join(home, aside[0]!)).isSymbolicLink()).toBe(true);

    // A directory, or a link, where the lease file goes: moved aside within, a plain file made.
    fs.rmSync(path.join(home, ".scitex/lease"));
    fs.mkdirSync(path.join(home, ".scitex/lease"));
    fs.writeFileSync(path.join(home, ".scitex/lease/notes"), "mine");
    await ensureLease(home);
    expect(modeOf(path.join(home, ".scitex/lease"))).toBe("0 444 file");
    const inside = fs.readdirSync(path.join(home, ".scitex")).filter((name) => name.startsWith("lease.moved-"));
    expect(fs.readFileSync(path.join(home, ".scitex", inside[0]!, "notes"), "utf8")).toBe("mine");

    fs.rmSync(path.join(home, ".scitex/lease"));
    fs.symlinkSync(path.join(outside, "lease"), path.join(home, ".scitex/lease"));
    await ensureLease(home);
    expect(modeOf(path.join(home, ".scitex/lease"))).toBe("0 444 file");
    expect(modeOf(path.join(outside, "lease"))).not.toMatch(/^0 444/);
  });
});
