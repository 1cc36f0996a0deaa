"use client";

import { useEffect, useState } from "react";
import { formatByteSize as formatBytes } from "@/lib/config/size";
import type { WorkspaceUsageView } from "@/lib/workspace/view";


const POLL_MS = 5000;

/**
 * "CPU 34 % · Memory 1.2 GiB of 8 GiB · Home 3.1 GiB", live in the workspace bar while the workspace runs; a home
 * full or nearly so becomes an alert that says what fails and what to do (shown on narrow screens too).
 */
export function UsageMeter({ running }: { running: boolean }) {
  const [usage, setUsage] = useState<WorkspaceUsageView | null>(null);
  useEffect(() => {
    if (!running) return setUsage(null);
    let stopped = false;
    const read = async () => {
      if (document.visibilityState !== "visible") return;
      const response = await fetch("/api/workspace/usage", { cache: "no-store" }).catch(() => null);
      if (!stopped && response?.ok) setUsage((await response.json()) as WorkspaceUsageView);
    };
    void read();
    const timer = setInterval(() => void read(), POLL_MS);
    return () => {
      stopped = true;
      clearInterval(timer);
    };
  }, [running]);

  if (!usage?.running || usage.memoryBytes === undefined) return null;
  const memoryShare = usage.memoryLimitBytes ? usage.memoryBytes / usage.memoryLimitBytes : 0;
  const alert = usage.diskAlert;
  return (
    <>
      <span className="usage-meter small" data-testid="usage-meter" title="Your workspace's own use, against its limits">
        {usage.cpuPercent !== null && usage.cpuPercent !== undefined && <span data-testid="usage-cpu">CPU {Math.round(usage.cpuPercent)} %</span>}
        <span data-testid="usage-memory" className={memoryShare > 0.9 ? "usage-high" : undefined}>
          Memory {formatBytes(usage.memoryBytes)}
          {usage.memoryLimitBytes ? ` of ${formatBytes(usage.memoryLimitBytes)}` : ""}
          <meter min={0} max={1} high={0.9} value={memoryShare} aria-label="Memory used of the limit" />
        </span>
        {usage.diskBytes !== undefined && !alert && (
          <span data-testid="usage-disk">
            Home {formatBytes(usage.diskBytes)}
            {usage.diskLimitBytes ? ` of ${formatBytes(usage.diskLimitBytes)}` : ""}
          </span>
        )}
      </span>
      {alert && (
        <span role="alert" className="usage-high small" data-testid="disk-alert" data-level={alert.level}>
          {alert.message}
        </span>
      )}
    </>
  );
}
