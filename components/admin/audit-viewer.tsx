"use client";

import { useCallback, useEffect, useState } from "react";
import { FILTER_ACTIONS } from "@/lib/audit/actions";
import type { AuditEntry } from "@/lib/audit/audit-log";

const ACTIONS = ["", ...FILTER_ACTIONS];

/** The audit log with filters by action and user. */
export function AuditViewer() {
  const [action, setAction] = useState("");
  const [user, setUser] = useState("");
  const [entries, setEntries] = useState<AuditEntry[]>([]);

  const load = useCallback(async () => {
    const query = new URLSearchParams({ ...(action ? { action } : {}), ...(user.trim() ? { user: user.trim() } : {}) });
    const response = await fetch(`/api/admin/audit?${query}`, { cache: "no-store" }).catch(() => null);
    if (response?.ok) setEntries(((await response.json()) as { entries: AuditEntry[] }).entries);
  }, [action, user]);

  useEffect(() => {
    void load();
    const timer = setInterval(() => void load(), 10_000);
    return () => clearInterval(timer);
  }, [load]);

  return (
    <section className="card" aria-labelledby="audit-heading">
      <h2 id="audit-heading">Audit log</h2>
      <div className="filters">
        <label>
          Action{" "}
          <select value={action} onChange={(e) => setAction(e.target.value)} data-testid="audit-action">
            {ACTIONS.map((a) => (
              <option key={a} value={a}>
                {a || "all"}
              </option>
            ))}
          </select>
        </label>
        <label>
          User <input className="text inline" value={user} onChange={(e) => setUser(e.target.value)} placeholder="username" data-testid="audit-user" />
        </label>
      </div>
      <div className="table-scroll">
        <table className="admin-table" data-testid="audit-table">
          <thead>
            <tr>
              <th>When</th>
              <th>Action</th>
              <th>By</th>
              <th>Workspace of</th>
              <th>Detail</th>
            </tr>
          </thead>
          <tbody>
            {entries.map((e) => (
              <tr key={e.id} data-testid="audit-row">
                <td>{new Date(e.at).toLocaleString()}</td>
                <td>{e.action}</td>
                <td>{e.actor ?? "–"}</td>
                <td>{e.subjectName ?? "–"}</td>
                <td>
                  <code className="small">{Object.keys(e.detail).length ? JSON.stringify(e.detail) : ""}</code>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </section>
  );
}
