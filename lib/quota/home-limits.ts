import type { RegisteredUser } from "../identity/registry";
import type { DiskUsageMonitor } from "./disk-usage";
import type { HomeStorage } from "./home-storage";
import type { QuotaPolicy } from "./policy";
import { DiskQuotaError } from "./quota-error";

/**
 * The disk limits' part in a workspace's start. Where the storage enforces them (XFS project quotas, GlusterFS
 * directory quotas), each home's limits are set before every start (the quotas file may have changed since the
 * last). Where homes are only measured, a home already over its hard limit does not start: that is the only point
 * at which the limit can be held.
 */
export function homeLimits(quotas: QuotaPolicy, disk: DiskUsageMonitor, homeQuota: Pick<HomeStorage, "apply">) {
  return {
    homeReady: async (user: RegisteredUser, home: string, uid: number): Promise<void> => {
      const { diskSoftBytes, diskHardBytes } = quotas.for(user);
      await homeQuota.apply(home, uid, { softBytes: diskSoftBytes, hardBytes: diskHardBytes });
    },
    beforeStart: async (user: RegisteredUser): Promise<void> => {
      const { diskHardBytes } = quotas.for(user);
      if (diskHardBytes === null) return;
      // The periodic figure usually answers; one over the limit is measured again, as files may have gone since.
      let used = disk.get(user.slug);
      if (!used || used.bytes > diskHardBytes) used = await disk.measure(user.slug).catch(() => undefined);
      if (used && used.bytes > diskHardBytes) throw new DiskQuotaError(used.bytes, diskHardBytes);
    },
  };
}
