import { formatByteSize } from "../config/size";
import type { DiskAlert } from "../workspace/view";

export interface DiskLimits {
  softBytes: number | null;
  hardBytes: number | null;
  /** The file system stops writes at the hard limit (XFS project quota); otherwise homes are only measured. */
  enforced: boolean;
}

// Without a soft limit, a home this close to the hard one is near it.
const NEAR_SHARE = 0.9;

/**
 * What the workspace bar tells a user whose home is full or nearly so, in words they can act on. Where the file
 * system enforces the limit, writes fail with the kernel's bare "Disk quota exceeded" and nothing else says why:
 * this does. Where homes are only measured, the hard limit is enforced at the next start instead, and it says that.
 */
export function diskAlert(usedBytes: number, limits: DiskLimits): DiskAlert | null {
  const { softBytes, hardBytes, enforced } = limits;
  const used = formatByteSize(usedBytes);
  if (hardBytes !== null && usedBytes >= hardBytes) {
    const hard = formatByteSize(hardBytes);
    return {
      level: "full",
      message: enforced
        ? `Your home is full (${used} of ${hard}): writes fail with "Disk quota exceeded". Delete files to continue.`
        : `Your home is full (${used} of ${hard}): delete files to continue. Until you do, your workspace cannot start again once it stops.`,
    };
  }
  const near = softBytes ?? (hardBytes !== null ? Math.floor(hardBytes * NEAR_SHARE) : null);
  if (near === null || usedBytes < near) return null;
  if (hardBytes === null) {
    return { level: "near", message: `Your home holds ${used}, above your soft limit of ${formatByteSize(near)}. Please delete files you no longer need.` };
  }
  const hard = formatByteSize(hardBytes);
  return {
    level: "near",
    message: enforced
      ? `Your home is nearly full (${used} of ${hard}). Delete files you no longer need: at ${hard}, writes fail with "Disk quota exceeded".`
      : `Your home is nearly full (${used} of ${hard}). Delete files you no longer need: past ${hard}, your workspace cannot start again until you do.`,
  };
}
