import { describe, expect, it } from "vitest";
import { diskAlert } from "../../lib/quota/disk-alert";

const GiB = 1024 ** 3;

describe("the disk alert in the workspace bar", () => {
  it("says nothing below the soft limit, or with no limit at all", () => {
    expect(diskAlert(5 * GiB, { softBytes: 8 * GiB, hardBytes: 10 * GiB, enforced: true })).toBeNull();
    expect(diskAlert(500 * GiB, { softBytes: null, hardBytes: null, enforced: false })).toBeNull();
  });

  it("says the home is full at and over the hard limit, and what fails, by how the limit is enforced", () => {
    expect(diskAlert(10 * GiB, { softBytes: 8 * GiB, hardBytes: 10 * GiB, enforced: true })).toEqual({
      level: "full",
      message: 'Your home is full (10 GiB of 10 GiB): writes fail with "Disk quota exceeded". Delete files to continue.',
    });
    expect(diskAlert(12 * GiB, { softBytes: null, hardBytes: 10 * GiB, enforced: false })).toEqual({
      level: "full",
      message: "Your home is full (12 GiB of 10 GiB): delete files to continue. Until you do, your workspace cannot start again once it stops.",
    });
  });

  it("warns near the limit: from the soft limit, or from 90 % of the hard one when there is no soft limit", () => {
    expect(diskAlert(8 * GiB, { softBytes: 8 * GiB, hardBytes: 10 * GiB, enforced: true })?.message).toBe(
      'Your home is nearly full (8 GiB of 10 GiB). Delete files you no longer need: at 10 GiB, writes fail with "Disk quota exceeded".',
    );
    expect(diskAlert(8.9 * GiB, { softBytes: null, hardBytes: 10 * GiB, enforced: false })).toBeNull();
    expect(diskAlert(9 * GiB, { softBytes: null, hardBytes: 10 * GiB, enforced: false })?.level).toBe("near");
    expect(diskAlert(21 * GiB, { softBytes: 20 * GiB, hardBytes: null, enforced: false })).toEqual({
      level: "near",
      message: "Your home holds 21 GiB, above your soft limit of 20 GiB. Please delete files you no longer need.",
    });
  });
});
