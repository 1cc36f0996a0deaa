"use client";

import { useEffect, useRef, useState } from "react";
import type { ListeningPort } from "@/lib/apps/listening-ports";
import { useListeningPorts } from "./use-listening-ports";

type ListedPort = ListeningPort & { url?: string };

/** Servers the user started in their workspace, each opened (by its owner only) on an origin of its own. */
export function PortsView({ active }: { active: boolean }) {
  const { ports: all, failed } = useListeningPorts(active);
  const ports = (all as ListedPort[] | null)?.filter((p) => !p.internal) ?? [];
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
            <strong>{p.port}</strong>
            {p.command && (
              <code className="port-command small" title={p.command} data-testid="port-command">
                {p.command}
              </code>
            )}
            <a href={`/open/${p.port}`} target="_blank" rel="noopener noreferrer" data-testid="open-port">
              Open ↗
            </a>
            {p.url && <CopyLink url={p.url} />}
            {(!p.reachable || p.relayed) && (
              <span className="muted small" data-testid="port-loopback">
                {" "}
                (listens on 127.0.0.1 only: the portal relays it for you)
              </span>
            )}
          </li>
        ))}
      </ul>
    </div>
  );
}

function CopyLink({ url }: { url: string }) {
  const [copied, setCopied] = useState(false);
  return (
    <button
      type="button"
      className="link-button small"
      onClick={() => void navigator.clipboard?.writeText(url).then(() => setCopied(true), () => undefined)}
      onBlur={() => setCopied(false)}
      data-testid="copy-port-url"
    >
      {copied ? "Copied" : "Copy address"}
    </button>
  );
}

/**
 * "Port 8000 is available — Open": said once for each server that starts listening while the workspace page is
 * open, whichever view is showing, as Codespaces and VS Code do.
 */
export function NewPortToast({ running }: { running: boolean }) {
  const { ports } = useListeningPorts(running);
  const seen = useRef<Set<number> | null>(null);
  const [fresh, setFresh] = useState<number | null>(null);
  useEffect(() => {
    if (!ports) return;
    const open = ports.filter((p) => !p.internal).map((p) => p.port);
    // The first list is what was there already: nothing new to say.
    if (seen.current === null) return void (seen.current = new Set(open));
    const added = open.find((port) => !seen.current!.has(port));
    seen.current = new Set(open);
    if (added !== undefined) setFresh(added);
  }, [ports]);
  if (fresh === null) return null;
  return (
    <div className="toast" role="status" data-testid="port-toast">
      Port {fresh} is available.{" "}
      <a href={`/open/${fresh}`} target="_blank" rel="noopener noreferrer" onClick={() => setFresh(null)} data-testid="port-toast-open">
        Open ↗
      </a>{" "}
      <button type="button" className="link-button" aria-label="Dismiss" onClick={() => setFresh(null)}>
        ×
      </button>
    </div>
  );
}
