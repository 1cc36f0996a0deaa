import type { ActivityTracker } from "../activity/activity-tracker";
import type { PortalMetrics } from "../metrics/metrics";
import type { WorkspaceEvent } from "../workspace/manager";
import type { AuditLog } from "./audit-log";

/**
 * What a workspace's life leaves behind: an audit entry for each change, the start and stop metrics, and a start
 * counted as use (the idle clock starts from it). The manager that makes the change emits the event; this is the
 * one place that turns it into records.
 */
export function workspaceEventRecorder(audit: AuditLog, metrics: PortalMetrics, activity: ActivityTracker): (event: WorkspaceEvent) => Promise<void> {
  return async (event) => {
    const subject = { sub: event.user.sub, username: event.user.username };
    switch (event.type) {
      case "created":
        return audit.record("workspace.create", { subject });
      case "started":
        activity.touch(event.user.sub, "portal");
        metrics.workspaceStarts.inc();
        metrics.workspaceStartSeconds.observe(event.ms / 1000);
        return audit.record("workspace.start", { subject, detail: { ms: event.ms } });
      case "stopped":
        metrics.workspaceStops.inc({ cause: event.cause });
        return audit.record("workspace.stop", {
          subject,
          actor: event.cause === "idle" ? "system" : event.cause === "user" ? event.user.username : null,
          detail: { cause: event.cause, ...event.detail },
        });
      case "removed":
        return audit.record("workspace.remove", { subject });
    }
  };
}
