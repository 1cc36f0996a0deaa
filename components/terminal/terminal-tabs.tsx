"use client";

import { useCallback, useEffect, useRef, useState } from "react";
import { TerminalPane } from "./terminal-pane";

interface Tab {
  key: number;
  id?: string;
  title: string;
  /** Closed by the user; its pane is ending the terminal and then goes away. */
  closing?: boolean;
}

/** The workspace's terminals as tabs; a reloaded page reattaches to every terminal still open on the server. */
export function TerminalTabs({ onActivity }: { onActivity?: () => void }) {
  const [tabs, setTabs] = useState<Tab[] | null>(null);
  const [active, setActive] = useState<number | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const nextKey = useRef(1);

  const newTab = useCallback((id?: string) => {
    const key = nextKey.current++;
    setTabs((t) => [...(t ?? []), { key, ...(id ? { id } : {}), title: `Terminal ${key}` }]);
    setActive(key);
  }, []);

  useEffect(() => {
    // React may run this twice in development; only the run that survives opens tabs.
    let cancelled = false;
    void (async () => {
      const response = await fetch("/api/terminals", { cache: "no-store" }).catch(() => null);
      const open = response?.ok ? ((await response.json()) as { terminals: { id: string }[] }).terminals : [];
      if (cancelled) return;
      setTabs([]);
      if (open.length === 0) newTab();
      else for (const t of open) newTab(t.id);
    })();
    return () => {
      cancelled = true;
    };
  }, [newTab]);

  const remove = useCallback((key: number) => {
    setTabs((t) => {
      const rest = (t ?? []).filter((x) => x.key !== key);
      setActive((a) => (a === key ? (rest.at(-1)?.key ?? null) : a));
      return rest;
    });
  }, []);

  const close = useCallback((tab: Tab) => {
    setTabs((t) => (t ?? []).map((x) => (x.key === tab.key ? { ...x, closing: true } : x)));
    setActive((a) => {
      if (a !== tab.key) return a;
      const rest = (tabs ?? []).filter((x) => x.key !== tab.key && !x.closing);
      return rest.at(-1)?.key ?? null;
    });
  }, [tabs]);

  if (tabs === null) return <div className="terminal-area" aria-busy="true" />;
  const visible = tabs.filter((t) => !t.closing);
  return (
    <div className="terminal-area">
      <div className="tabbar" role="tablist" aria-label="Terminals">
        {visible.map((tab) => (
          <div key={tab.key} className={`tab ${tab.key === active ? "active" : ""}`}>
            <button
              type="button"
              role="tab"
              aria-selected={tab.key === active}
              className="tab-title"
              onClick={() => setActive(tab.key)}
              data-testid="terminal-tab"
            >
              {tab.title}
            </button>
            <button type="button" className="tab-close" aria-label={`Close ${tab.title}`} onClick={() => close(tab)} data-testid="terminal-tab-close">
              ×
            </button>
          </div>
        ))}
        <button type="button" className="tab-new" aria-label="New terminal" onClick={() => newTab()} data-testid="terminal-new">
          +
        </button>
        {notice && (
          <span className="tab-notice" role="status">
            {notice}
          </span>
        )}
      </div>
      {visible.length === 0 && (
        <div className="terminal-empty">
          <p>No terminal is open.</p>
          <button type="button" className="button primary" onClick={() => newTab()}>
            Open a terminal
          </button>
        </div>
      )}
      {tabs.map((tab) => (
        <TerminalPane
          key={tab.key}
          terminalId={tab.id}
          active={tab.key === active && !tab.closing}
          closing={tab.closing === true}
          onClosed={() => remove(tab.key)}
          onAttached={(id) => {
            setTabs((t) => (t ?? []).map((x) => (x.key === tab.key ? { ...x, id } : x)));
            onActivity?.();
          }}
          onEnded={(reason, message) => {
            if (tab.closing) return remove(tab.key);
            if (reason === "exited" || reason === "gone") {
              remove(tab.key);
              setNotice(reason === "exited" ? `${tab.title} ended.` : (message ?? `${tab.title} has ended.`));
              onActivity?.();
            }
          }}
        />
      ))}
    </div>
  );
}
