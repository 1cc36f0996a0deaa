import pino from "pino";
import { describe, expect, it } from "vitest";
import { loadConfig } from "../../lib/config/env";
import { ACCOUNTING_ONLY_BYTES, GlusterQuota, glusterMountOf, limitAsBlocks, usedBytes, volumePath } from "../../lib/quota/glusterfs-quota";
import { mountOf } from "../../lib/quota/xfs-project-quota";

const MOUNTINFO = `22 1 254:0 / / rw,relatime shared:1 - ext4 /dev/vda rw
342 27 0:52 / /srv/homes rw,relatime - fuse.glusterfs 10.0.0.5:/homes rw,user_id=0,group_id=0,default_permissions,allow_other,max_read=131072
343 27 0:53 / /srv/lab rw,relatime - fuse.glusterfs storage1:/shared/labs/a/ rw,user_id=0,group_id=0
`;
const log = pino({ level: "silent" });
const statfs = (blocks: bigint, bfree: bigint) => ({ bsize: 4096n, blocks, bfree });

describe("homes on a GlusterFS volume with directory quotas", () => {
  it("finds the volume, and the directory of it, mounted where homes are", () => {
    expect(glusterMountOf(mountOf("/srv/homes/portal/users", MOUNTINFO))).toEqual({ mountPoint: "/srv/homes", volume: "homes", subdir: "" });
    expect(glusterMountOf(mountOf("/srv/lab/users", MOUNTINFO))).toEqual({ mountPoint: "/srv/lab", volume: "shared", subdir: "/labs/a" });
    expect(glusterMountOf(mountOf("/data/users", MOUNTINFO))).toBeNull();
  });

  it("names a home as the quota commands do: its path from the volume's root", () => {
    expect(volumePath({ mountPoint: "/srv/homes", volume: "homes", subdir: "" }, "/srv/homes/portal/users/alice-1a2b")).toBe("/portal/users/alice-1a2b");
    expect(volumePath({ mountPoint: "/srv/lab", volume: "shared", subdir: "/labs/a" }, "/srv/lab/users/bob")).toBe("/labs/a/users/bob");
    expect(() => volumePath({ mountPoint: "/srv/homes", volume: "homes", subdir: "" }, "/srv/other/bob")).toThrow(/not on the GlusterFS mount/);
  });

  it("reads a home's use from its statfs, and refuses the volume's own figures for a home without a limit", () => {
    const root = statfs(66_000_000n, 16_000_000n);
    // A 64 MiB limit (16384 blocks), 3 MiB used.
    expect(usedBytes(statfs(16_384n, 15_616n), root)).toBe(3n * 1024n ** 2n);
    expect(usedBytes(statfs(66_000_000n, 16_000_000n), root)).toBeNull();
  });

  it("knows a limit already set from the size statfs answers, in whole blocks", () => {
    expect(limitAsBlocks(64n * 1024n ** 2n, 4096n)).toBe(64n * 1024n ** 2n);
    expect(limitAsBlocks(1_000_000n, 4096n)).toBe(999_424n);
    // The limit of a home with none: whole blocks, and far beyond any volume.
    expect(limitAsBlocks(ACCOUNTING_ONLY_BYTES, 4096n)).toBe(ACCOUNTING_ONLY_BYTES);
  });

  it("refuses to start when the homes are not on a GlusterFS mount, saying where they are", () => {
    expect(() => new GlusterQuota("/data/users", ["gluster"], log, MOUNTINFO)).toThrow(
      /HOMES_STORAGE=glusterfs: \/data\/users is not on a GlusterFS mount \(it is on ext4 at \/\); mount the homes volume there first/,
    );
    expect(new GlusterQuota("/srv/homes/portal/users", ["gluster"], log, MOUNTINFO).mount.volume).toBe("homes");
  });
});

describe("HOMES_STORAGE", () => {
  it("is local by default, and glusterfs with the command that reaches the volume's servers", () => {
    expect(loadConfig({}).workspace.homeStorage).toEqual({ kind: "local" });
    expect(loadConfig({ HOMES_STORAGE: "glusterfs" }).workspace.homeStorage).toEqual({ kind: "glusterfs", cli: ["gluster"] });
    expect(loadConfig({ HOMES_STORAGE: "glusterfs", HOMES_GLUSTER_CLI: "ssh  storage1 gluster" }).workspace.homeStorage).toEqual({
      kind: "glusterfs",
      cli: ["ssh", "storage1", "gluster"],
    });
  });

  it("names what it expects", () => {
    expect(() => loadConfig({ HOMES_STORAGE: "nfs" })).toThrow(/HOMES_STORAGE: expected local \(du; XFS project quotas where mounted\) or glusterfs/);
    expect(() => loadConfig({ HOMES_GLUSTER_CLI: " gluster" })).toThrow(/HOMES_GLUSTER_CLI: expected a command that runs the gluster CLI/);
  });
});
