import { describe, expect, it } from "vitest";
import { dataDiskProblem, hasProjectQuota, mountOf } from "../../lib/quota/xfs-project-quota";

const MOUNTINFO = `22 1 254:0 / / rw,relatime shared:1 - ext4 /dev/vda rw
30 22 7:0 / /srv/homes rw,relatime shared:9 - xfs /dev/loop0 rw,attr2,inode64,logbufs=8,logbsize=32k,prjquota
31 22 7:1 / /srv/plain rw,relatime shared:10 - xfs /dev/loop1 rw,attr2,inode64,noquota
32 22 0:40 / /srv/homes\\040old rw - ext4 /dev/vdb rw
`;

describe("finding whether homes can have enforced disk limits", () => {
  it("takes the longest mount point that holds the directory", () => {
    expect(mountOf("/srv/homes/data/users", MOUNTINFO)).toMatchObject({ mountPoint: "/srv/homes", fsType: "xfs" });
    expect(mountOf("/srv/homesick/users", MOUNTINFO)).toMatchObject({ mountPoint: "/", fsType: "ext4" });
    expect(mountOf("/srv/homes old/users", MOUNTINFO)).toMatchObject({ mountPoint: "/srv/homes old", fsType: "ext4" });
  });

  it("enforces only on XFS mounted with project quotas", () => {
    expect(hasProjectQuota(mountOf("/srv/homes/users", MOUNTINFO))).toBe(true);
    expect(hasProjectQuota(mountOf("/srv/plain/users", MOUNTINFO))).toBe(false);
    expect(hasProjectQuota(mountOf("/data/users", MOUNTINFO))).toBe(false);
    expect(hasProjectQuota(null)).toBe(false);
  });
});

describe("telling admins when a full home could fill the portal's own disk", () => {
  it("warns when homes share portal.db's file system with no quota, and only then", () => {
    expect(dataDiskProblem("/data", "/data/users", false, MOUNTINFO)).toMatch(/share a file system \(\/\) with portal\.db.*Mount \/data\/users/);
    // Homes on their own mount, or limited by project quotas on the shared one: nothing to say.
    expect(dataDiskProblem("/data", "/srv/plain/users", false, MOUNTINFO)).toBeNull();
    expect(dataDiskProblem("/srv/homes/data", "/srv/homes/data/users", false, MOUNTINFO)).toBeNull();
    expect(dataDiskProblem("/srv/plain/data", "/srv/plain/data/users", false, MOUNTINFO)).not.toBeNull();
    // Homes whose limits another file system enforces (GlusterFS directory quotas) cannot fill it either.
    expect(dataDiskProblem("/data", "/data/users", true, MOUNTINFO)).toBeNull();
  });
});
