import type { WorkspaceView } from "@/lib/workspace/view";
import { formatByteSize as formatBytes } from "@/lib/config/size";

/** "Home: 1.2 GiB of 20 GiB", with a warning past the soft limit and the refusal explained past the hard one. */
export function DiskUsageLine({ view }: { view: WorkspaceView }) {
  const disk = view.disk;
  if (!disk) return null;
  const limit = disk.hardBytes ?? disk.softBytes;
  const over = disk.hardBytes !== null && disk.usedBytes > disk.hardBytes;
  const warn = !over && disk.softBytes !== null && disk.usedBytes > disk.softBytes;
  return (
    <p className={over ? "notice bad" : warn ? "notice warn" : "muted small"} data-testid="disk-usage">
      Home directory: {formatBytes(disk.usedBytes)}
      {limit !== null ? ` of ${formatBytes(limit)}` : ""} (measured {new Date(disk.measuredAt).toLocaleTimeString()}).
      {warn && " You are above your soft limit: please remove files you no longer need."}
      {over && " You are above your limit: your workspace cannot start new work until files are removed."}
    </p>
  );
}
