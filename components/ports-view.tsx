"use client";

import { useListeningPorts } from "./use-listening-ports";

const CODE_SERVER_PORT = 8080;

/** Servers the user started in their workspace, each opened (by its owner only) on an origin of its own. */
export function PortsView({ active }: { active: boolean }) {
  const { ports: all, failed } = useListeningPorts(active);
  const ports = all?.filter((p) => p.port !== CODE_SERVER_PORT) ?? [];
  return (
    <div className="ports" data-testid="ports-view">
      <p className="muted">
        Start a server in your workspace (for example <code>python3 -m http.server 8000</code>) and open it here. Only
        you can reach it; each port opens in a tab of its own, on an address of its own.
      </p>
      {failed && <p className="notice bad">{failed}</p>}
      {all && ports.length === 0 && <p>No server is listening yet.</p>}
      <ul className="port-list">
        {ports.map((p) => (
          <li key={p.port} data-testid="port-item">
            <strong>{p.port}</strong>{" "}
            {p.reachable ? (
              <a href={`/open/${p.port}`} target="_blank" rel="noopener noreferrer" data-testid="open-port">
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
