"use client";

import { useCallback, useEffect, useState } from "react";
import type { ListeningPort } from "@/lib/apps/listening-ports";

const CODE_SERVER_PORT = 8080;

/** Servers the user started in their workspace, each reachable (by its owner only) under the portal's URL. */
export function PortsView({ active }: { active: boolean }) {
  const [data, setData] = useState<{ name: string; ports: ListeningPort[] } | null>(null);
  const [failed, setFailed] = useState<string | null>(null);

  const load = useCallback(async () => {
    const response = await fetch("/api/workspace/ports", { cache: "no-store" }).catch(() => null);
    if (!response?.ok) return setFailed("Could not list the ports right now.");
    setFailed(null);
    setData((await response.json()) as { name: string; ports: ListeningPort[] });
  }, []);

  useEffect(() => {
    if (!active) return;
    void load();
    const timer = setInterval(() => void load(), 5000);
    return () => clearInterval(timer);
  }, [active, load]);

  const ports = data?.ports.filter((p) => p.port !== CODE_SERVER_PORT) ?? [];
  return (
    <div className="ports" data-testid="ports-view">
      <p className="muted">
        Start a server in your workspace (for example <code>python3 -m http.server 8000</code>) and open it here. Only
        you can reach it.
      </p>
      {failed && <p className="notice bad">{failed}</p>}
      {data && ports.length === 0 && <p>No server is listening yet.</p>}
      <ul className="port-list">
        {ports.map((p) => (
          <li key={p.port} data-testid="port-item">
            <strong>{p.port}</strong>{" "}
            {p.reachable ? (
              <a href={`/workspace/${data!.name}/ports/${p.port}/`} target="_blank" rel="noopener">
                Open ↗
              </a>
            ) : (
              <span className="muted small">
                listens on 127.0.0.1 only; start it on all addresses (e.g. <code>--ip 0.0.0.0</code> or <code>--bind 0.0.0.0</code>) to open it here
              </span>
            )}
          </li>
        ))}
      </ul>
    </div>
  );
}
