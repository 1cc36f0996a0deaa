"use client";

import { useCallback, useEffect, useRef, useState } from "react";
import { TerminalPane } from "./terminal-pane";

interface Tab {
  key: number;
  id?: string;
  title: string;
  /** What the shell calls its window (OSC 0/2); shown unless the user named the tab. */
  shellTitle?: string;
  /** Given by the user (double-click the tab); kept across reloads by terminal id. */
  name?: string;
  /** Closed by the user; its pane is ending the terminal and then goes away. */
  closing?: boolean;
}

/** The workspace's terminals as tabs; a reloaded page reattaches to every terminal still open on the server. */
const FONT_KEY = "scitex.terminal.fontSize";
const NAMES_KEY = "scitex.terminal.names";
const FONT_SIZES = { min: 9, max: 28, default: 14 };

function storedNames(): Record<string, string> {
  try {
    return JSON.parse(localStorage.getItem(NAMES_KEY) ?? "{}") as Record<string, string>;
  } catch {
    return {};
  }
}

function storeName(id: string, name: string | undefined): void {
  const names = storedNames();
  if (name) names[id] = name;
  else delete names[id];
  // Only names of terminals that may still exist matter; a few dozen at most.
  localStorage.setItem(NAMES_KEY, JSON.stringify(Object.fromEntries(Object.entries(names).slice(-50))));
}

const label = (tab: Tab) => tab.name ?? tab.shellTitle ?? tab.title;

/**
 * `onStarting` hears whether any terminal is starting the workspace right now, so the page's state says
 * "Starting…" while the terminal shows the start's progress (one state, told the same everywhere).
 */
export function TerminalTabs({ onActivity, onStarting }: { onActivity?: () => void; onStarting?: (starting: boolean) => void }) {
  const [tabs, setTabs] = useState<Tab[] | null>(null);
  const [renaming, setRenaming] = useState<number | null>(null);
  const starting = useRef(new Set<number>());
  const startingChanged = (key: number, on: boolean) => {
    const before = starting.current.size > 0;
    if (on) starting.current.add(key);
    else starting.current.delete(key);
    if (before !== starting.current.size > 0) onStarting?.(starting.current.size > 0);
  };
  const [fontSize, setFontSize] = useState(FONT_SIZES.default);
  useEffect(() => {
    const stored = Number(localStorage.getItem(FONT_KEY));
    if (stored >= FONT_SIZES.min && stored <= FONT_SIZES.max) setFontSize(stored);
  }, []);
  const changeFont = (delta: number) =>
    setFontSize((size) => {
      const next = Math.min(FONT_SIZES.max, Math.max(FONT_SIZES.min, size + delta));
      localStorage.setItem(FONT_KEY, String(next));
      return next;
    });
  const update = (key: number, change: Partial<Tab>) => setTabs((t) => (t ?? []).map((x) => (x.key === key ? { ...x, ...change } : x)));
  const [active, setActive] = useState<number | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  // Why the workspace was stopped under the terminals (the idle stop, say), until a terminal is opened again.
  const [stopped, setStopped] = useState<string | null>(null);
  const nextKey = useRef(1);

  const newTab = useCallback((id?: string) => {
    const key = nextKey.current++;
    setStopped(null);
    const name = id ? storedNames()[id] : undefined;
    setTabs((t) => [...(t ?? []), { key, ...(id ? { id } : {}), title: `Terminal ${key}`, ...(name ? { name } : {}) }]);
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
            {renaming === tab.key ? (
              <input
                className="tab-rename"
                aria-label="Terminal name"
                defaultValue={label(tab)}
                autoFocus
                maxLength={60}
                onKeyDown={(e) => {
                  if (e.key === "Escape") setRenaming(null);
                  if (e.key !== "Enter") return;
                  const name = e.currentTarget.value.trim() || undefined;
                  update(tab.key, { name });
                  if (tab.id) storeName(tab.id, name);
                  setRenaming(null);
                }}
                onBlur={() => setRenaming(null)}
                data-testid="terminal-tab-rename"
              />
            ) : (
              <button
                type="button"
                role="tab"
                aria-selected={tab.key === active}
                className="tab-title"
                title={`${label(tab)} (double-click to rename)`}
                onClick={() => setActive(tab.key)}
                onDoubleClick={() => setRenaming(tab.key)}
                data-testid="terminal-tab"
              >
                {label(tab)}
              </button>
            )}
            <button type="button" className="tab-close" aria-label={`Close ${label(tab)}`} onClick={() => close(tab)} data-testid="terminal-tab-close">
              ×
            </button>
          </div>
        ))}
        <button type="button" className="tab-new" aria-label="New terminal" onClick={() => newTab()} data-testid="terminal-new">
          +
        </button>
        <span className="tab-font" role="group" aria-label="Font size">
          <button type="button" className="tab-new" aria-label="Smaller text" onClick={() => changeFont(-1)} data-testid="terminal-font-smaller">
            A−
          </button>
          <button type="button" className="tab-new" aria-label="Larger text" onClick={() => changeFont(1)} data-testid="terminal-font-larger">
            A+
          </button>
        </span>
        {notice && (
          <span className="tab-notice" role="status" data-testid="terminal-notice">
            {notice}
          </span>
        )}
      </div>
      {visible.length === 0 && (
        <div className="terminal-empty">
          {stopped ? (
            <p role="status" data-testid="terminal-stopped">
              {stopped}
            </p>
          ) : (
            <p>No terminal is open.</p>
          )}
          {/* A new terminal starts a stopped workspace, with its progress shown in the terminal. */}
          <button type="button" className="button primary" onClick={() => newTab()} data-testid="terminal-open">
            {stopped ? "Start it again" : "Open a terminal"}
          </button>
        </div>
      )}
      {tabs.map((tab) => (
        <TerminalPane
          key={tab.key}
          terminalId={tab.id}
          active={tab.key === active && !tab.closing}
          closing={tab.closing === true}
          fontSize={fontSize}
          onTitle={(shellTitle) => update(tab.key, { shellTitle })}
          onStarting={(on) => startingChanged(tab.key, on)}
          onClosed={() => remove(tab.key)}
          onAttached={(id) => {
            setTabs((t) => (t ?? []).map((x) => (x.key === tab.key ? { ...x, id } : x)));
            onActivity?.();
          }}
          onEnded={(reason, message) => {
            if (tab.closing) return remove(tab.key);
            if (reason === "exited" || reason === "gone") {
              remove(tab.key);
              if (reason === "exited" && message) {
                // The workspace was stopped under it: the why and the way back stand where the terminal was.
                setStopped(message);
                setNotice(null);
              } else {
                setNotice(reason === "exited" ? `${label(tab)} ended.` : (message ?? `${label(tab)} has ended.`));
              }
              onActivity?.();
            }
          }}
        />
      ))}
    </div>
  );
}
