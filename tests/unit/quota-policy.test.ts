import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { QuotaPolicy } from "../../lib/quota/policy";

const GiB = 1024 ** 3;
const base = { memoryBytes: 8 * GiB, cpus: 2, pids: 512 };

function write(content: unknown): string {
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "quota-")), "quotas.json");
  fs.writeFileSync(file, typeof content === "string" ? content : JSON.stringify(content));
  return file;
}

describe("quota policy", () => {
  it("uses the portal's limits when there is no file", () => {
    expect(QuotaPolicy.load(base, null).for({ username: "a" })).toEqual({ limits: base, diskSoftBytes: null, diskHardBytes: null });
  });

  it("layers default, groups and the user's own entry, later winning", () => {
    const policy = QuotaPolicy.load(
      base,
      write({
        default: { diskSoft: "10g", diskHard: "20g" },
        groups: { "gpu-lab": { memory: "16g", cpus: 4 }, teachers: { pids: 2048, cpus: 3 } },
        users: { alice: { memory: "24g" } },
      }),
    );
    expect(policy.for({ username: "bob" })).toEqual({ limits: base, diskSoftBytes: 10 * GiB, diskHardBytes: 20 * GiB });
    expect(policy.for({ username: "carol", groups: ["gpu-lab", "teachers"] }).limits).toEqual({ memoryBytes: 16 * GiB, cpus: 3, pids: 2048 });
    expect(policy.for({ username: "alice", groups: ["gpu-lab"] }).limits).toEqual({ memoryBytes: 24 * GiB, cpus: 4, pids: 512 });
  });

  it("says which entry of a bad file is wrong", () => {
    expect(() => QuotaPolicy.load(base, write({ users: { alice: { memory: "lots" } } }))).toThrow(/users\.alice\.memory: expected a size/);
    expect(() => QuotaPolicy.load(base, write({ users: { alice: { ram: "1g" } } }))).toThrow(/QUOTAS_FILE .* is not valid/);
    expect(() => QuotaPolicy.load(base, write("{ not json"))).toThrow(/could not be read as JSON/);
  });
});
