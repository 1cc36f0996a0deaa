"use client";

import { useCallback, useEffect, useState } from "react";
import type { AdminWorkspaceRow, AdminWorkspacesView } from "@/lib/workspace/admin-row";
import { formatByteSize as formatBytes } from "@/lib/config/size";
import { formatDuration } from "./format";

/** Every workspace, refreshed live, with stop / restart / remove. */
export function AdminWorkspaces({ idleMinutes }: { idleMinutes: number }) {
  const [rows, setRows] = useState<AdminWorkspaceRow[] | null>(null);
  const [queue, setQueue] = useState<{ users: string[]; cap: number }>({ users: [], cap: 0 });
  const [egress, setEgress] = useState<string | null>(null);
  const [disk, setDisk] = useState<string | null>(null);
  const [message, setMessage] = useState<string | null>(null);
  const [busy, setBusy] = useState<string | null>(null);

  const load = useCallback(async () => {
    const response = await fetch("/api/admin/workspaces", { cache: "no-store" }).catch(() => null);
    if (response?.ok) {
      const body = (await response.json()) as AdminWorkspacesView;
      setEgress(body.egress);
      setDisk(body.disk);
      setRows(body.workspaces);
      setQueue({ users: body.queue, cap: body.cap });
    }
    else setMessage("Could not load the workspaces.");
  }, []);

  useEffect(() => {
    void load();
    const timer = setInterval(() => void load(), 5000);
    return () => clearInterval(timer);
  }, [load]);

  const act = async (row: AdminWorkspaceRow, action: "stop" | "restart" | "remove" | "disable" | "enable") => {
    let body: Record<string, unknown> = { action };
    if (action === "disable" && !window.confirm(`Disable ${row.username}'s account? Their terminals, apps and SSH connections close now.`)) return;
    if (action === "remove") {
      if (!window.confirm(`Remove ${row.username}'s container? Their home directory is kept.`)) return;
      const typed = window.prompt(`Also DELETE ${row.username}'s home directory for good? Type their username to delete it, or leave empty to keep it.`);
      if (typed) body = { ...body, deleteHome: true, confirmUsername: typed };
    }
    setBusy(`${row.name}:${action}`);
    setMessage(null);
    const response = await fetch(`/api/admin/workspaces/${encodeURIComponent(row.name)}`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(body),
    });
    if (!response.ok) {
      const problem = (await response.json().catch(() => null)) as { error?: { message?: string } } | null;
      setMessage(problem?.error?.message ?? `The ${action} failed.`);
    }
    setBusy(null);
    void load();
  };

  return (
    <section className="card" aria-labelledby="admin-ws-heading">
      <h2 id="admin-ws-heading">Workspaces</h2>
      <p className="muted small">
        Refreshed every 5 s. Idle workspaces stop after {idleMinutes > 0 ? `${idleMinutes} min` : "never (idle stop off)"}.
        {queue.cap > 0 ? ` At most ${queue.cap} run at once.` : " No cap on running workspaces."}
      </p>
      {egress && (
        <p className="notice warn" data-testid="admin-egress">
          Workspace network: {egress}
        </p>
      )}
      {disk && (
        <p className="notice warn" data-testid="admin-disk">
          Disk: {disk}
        </p>
      )}
      {queue.users.length > 0 && (
        <p className="notice warn" data-testid="admin-queue">
          Waiting for a slot: {queue.users.map((u, i) => `${i + 1}. ${u}`).join(", ")}
        </p>
      )}
      {message && (
        <p className="notice bad" role="alert">
          {message}
        </p>
      )}
      {rows === null ? (
        <p className="muted">Loading…</p>
      ) : rows.length === 0 ? (
        <p>No workspaces yet.</p>
      ) : (
        <div className="table-scroll">
          <table className="admin-table" data-testid="admin-workspaces">
            <thead>
              <tr>
                <th>User</th>
                <th>State</th>
                <th>Uptime</th>
                <th>Idle</th>
                <th>CPU</th>
                <th>Memory</th>
                <th>Processes</th>
                <th aria-label="Actions" />
              </tr>
            </thead>
            <tbody>
              {rows.map((row) => (
                <tr key={row.name} data-testid="admin-row" data-user={row.username}>
                  <td>
                    {row.username}
                    {row.disabled && <span className="badge warn">disabled</span>}
                    {row.providerRefused && (
                      <span className="badge warn" title="Refused by the identity provider: out until the user signs in there again">
                        refused by provider
                      </span>
                    )}
                    {!row.knownOwner && <span className="badge warn" title="A container with this portal's labels whose owner the database does not know">unknown owner</span>}
                    <br />
                    <code className="small muted">{row.name}</code>
                    <br />
                    <code className="small muted" title="OIDC subject">
                      sub {row.sub}
                    </code>
                  </td>
                  <td>
                    {row.state}
                    {row.stopReason === "out_of_memory" && <span className="badge warn">out of memory</span>}
                  </td>
                  <td>{row.uptimeSeconds !== undefined ? formatDuration(row.uptimeSeconds) : "–"}</td>
                  <td>{row.idleSeconds !== undefined ? formatDuration(row.idleSeconds) : "–"}</td>
                  <td>{row.cpuPercent !== undefined ? `${row.cpuPercent.toFixed(1)} %` : "–"}</td>
                  <td>{row.memoryBytes !== undefined ? `${formatBytes(row.memoryBytes)} / ${formatBytes(row.memoryLimitBytes ?? 0)}` : "–"}</td>
                  <td>{row.pids ?? "–"}</td>
                  <td className="row-actions">
                    {row.state === "running" && (
                      <button type="button" className="button" disabled={busy !== null} onClick={() => void act(row, "stop")} data-testid="admin-stop">
                        Stop
                      </button>
                    )}
                    <button type="button" className="button" disabled={busy !== null} onClick={() => void act(row, "restart")}>
                      Restart
                    </button>
                    <button type="button" className="button" disabled={busy !== null} onClick={() => void act(row, "remove")}>
                      Remove
                    </button>
                    <button
                      type="button"
                      className="button"
                      disabled={busy !== null}
                      onClick={() => void act(row, row.disabled ? "enable" : "disable")}
                      data-testid="admin-disable"
                    >
                      {row.disabled ? "Enable account" : "Disable account"}
                    </button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
