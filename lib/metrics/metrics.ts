import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from "prom-client";
import type { ShellDoor } from "../terminal/shells";
import type { WorkspaceStatus } from "../workspace/types";

/**
 * What an operator watches, as Prometheus metrics. Labels only ever take values from small fixed sets (states,
 * causes, doors, status classes), never from users, so a username can never blow up the series count.
 *
 * Two kinds of figure. Most are this process's own (its terminals, requests, logins): every process reports them,
 * and a sum over processes is the portal's. The figures of the whole portal (workspaces by state, the start line)
 * read the same from every process, so only the leading process reports them: a sum then counts each once, and a
 * dashboard needs no `max` or knowledge of how many processes run. One process alone always leads.
 */
export class PortalMetrics {
  /** This process's own figures. */
  readonly registry = new Registry();
  /** The whole portal's figures, exposed by the leader alone. */
  readonly portalWide = new Registry();
  private leading = false;
  readonly workspaceStarts: Counter;
  readonly workspaceStartSeconds: Histogram;
  readonly workspaceStops: Counter<"cause">;
  readonly errors: Counter<"code">;
  readonly sshLogins: Counter<"method">;
  readonly sshAuthFailures: Counter;
  readonly sshProxyHeaderRefused: Counter<"reason">;
  readonly sshSessions: Gauge;
  readonly proxyRequests: Counter<"app" | "status">;
  readonly providerChecks: Counter<"outcome">;
  readonly readinessChecks: Counter;
  /** 1 while this process leads (runs the idle stop, the disk scan, the clean-ups); exactly one process shows 1. */
  readonly leader: Gauge;

  constructor(
    listWorkspaces: () => Promise<WorkspaceStatus[]>,
    openTerminals: () => Record<ShellDoor, number>,
    queueLength: () => number,
  ) {
    collectDefaultMetrics({ register: this.registry, prefix: "scitex_portal_" });
    const registers = [this.registry];
    const portalWide = [this.portalWide];
    new Gauge({
      name: "scitex_workspaces",
      help: "Workspaces of this portal instance by state (reported by the leading process only)",
      labelNames: ["state"],
      registers: portalWide,
      async collect() {
        const counts: Record<string, number> = { running: 0, stopped: 0, starting: 0, error: 0 };
        try {
          for (const ws of await listWorkspaces()) counts[ws.state] = (counts[ws.state] ?? 0) + 1;
        } catch {
          // Docker unreachable: report nothing rather than zeros that look like a fact.
          return;
        }
        for (const [state, n] of Object.entries(counts)) this.set({ state }, n);
      },
    });
    new Gauge({
      name: "scitex_start_queue_length",
      help: "Starts waiting for a free workspace slot, in the one line of all processes (reported by the leading process only)",
      registers: portalWide,
      collect() {
        this.set(queueLength());
      },
    });
    new Gauge({
      name: "scitex_terminals_active",
      help: "Open terminals by door: web terminals, and SSH sessions (a shell, a command or sftp)",
      labelNames: ["door"],
      registers,
      collect() {
        for (const [door, n] of Object.entries(openTerminals())) this.set({ door }, n);
      },
    });
    this.workspaceStarts = new Counter({ name: "scitex_workspace_starts_total", help: "Workspace starts", registers });
    this.workspaceStartSeconds = new Histogram({
      name: "scitex_workspace_start_seconds",
      help: "Time from a start request until a shell can run",
      buckets: [0.25, 0.5, 1, 1.5, 2, 3, 5, 10, 30, 60],
      registers,
    });
    this.workspaceStops = new Counter({ name: "scitex_workspace_stops_total", help: "Workspace stops by cause", labelNames: ["cause"], registers });
    this.errors = new Counter({ name: "scitex_errors_total", help: "Errors shown to users, by code", labelNames: ["code"], registers });
    this.sshLogins = new Counter({ name: "scitex_ssh_logins_total", help: "Successful SSH logins by method", labelNames: ["method"], registers });
    this.sshAuthFailures = new Counter({ name: "scitex_ssh_auth_failures_total", help: "Refused SSH authentication attempts", registers });
    this.sshProxyHeaderRefused = new Counter({
      name: "scitex_ssh_proxy_header_refused_total",
      help: "SSH connections from a trusted load balancer closed for want of a valid PROXY header, by reason",
      labelNames: ["reason"],
      registers,
    });
    this.leader = new Gauge({
      name: "scitex_portal_leader",
      help: "1 while this portal process leads: it alone runs the idle stop, the disk scan and the clean-ups",
      registers,
    });
    this.sshSessions = new Gauge({ name: "scitex_ssh_sessions_active", help: "Open SSH session channels", registers });
    this.proxyRequests = new Counter({
      name: "scitex_proxy_requests_total",
      help: "Requests through the VS Code / port proxy, by app and status class (image: VS Code's static files, served from the workspace image)",
      labelNames: ["app", "status"],
      registers,
    });
    this.providerChecks = new Counter({
      name: "scitex_provider_rechecks_total",
      help: "Accounts asked about again at the identity provider, by outcome (same, changed, refused, unanswered)",
      labelNames: ["outcome"],
      registers,
    });
    this.readinessChecks = new Counter({
      name: "scitex_readiness_checks_total",
      help: "Rounds of /readyz checks run (calls within READYZ_CACHE_SECONDS share one)",
      registers,
    });
  }

  /** This process took or lost the lead: the leader gauge says so, and the portal's figures come or go with it. */
  setLeading(leading: boolean): void {
    this.leading = leading;
    this.leader.set(leading ? 1 : 0);
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  /** What a scrape of this process gets: its own figures, and the portal's while it leads. */
  async exposition(): Promise<string> {
    const own = await this.registry.metrics();
    return this.leading ? `${own}\n${await this.portalWide.metrics()}` : own;
  }
}
