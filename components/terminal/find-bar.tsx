"use client";

import { useEffect, useRef, useState } from "react";

export interface Finder {
  next(term: string): boolean;
  previous(term: string): boolean;
  clear(): void;
}

/** Ctrl+F in a terminal: find in the scrollback, Enter / Shift+Enter for next / previous, Escape to close. */
export function FindBar({ finder, onClose }: { finder: Finder; onClose(): void }) {
  const input = useRef<HTMLInputElement>(null);
  const [query, setQuery] = useState("");
  const [found, setFound] = useState<boolean | null>(null);
  useEffect(() => input.current?.focus(), []);

  const go = (backwards: boolean) => {
    if (!query) return setFound(null);
    setFound(backwards ? finder.previous(query) : finder.next(query));
  };
  const close = () => {
    finder.clear();
    onClose();
  };
  return (
    <div className="find-bar" role="search" data-testid="terminal-find">
      <input
        ref={input}
        type="search"
        aria-label="Find in terminal"
        placeholder="Find"
        value={query}
        onChange={(e) => {
          setQuery(e.target.value);
          setFound(e.target.value ? finder.next(e.target.value) : null);
        }}
        onKeyDown={(e) => {
          if (e.key === "Enter") go(e.shiftKey);
          if (e.key === "Escape") close();
        }}
        data-testid="terminal-find-input"
      />
      <span className="find-result" role="status" data-testid="terminal-find-result">
        {found === false ? "No results" : ""}
      </span>
      <button type="button" className="find-button" aria-label="Previous match" onClick={() => go(true)}>
        ↑
      </button>
      <button type="button" className="find-button" aria-label="Next match" onClick={() => go(false)}>
        ↓
      </button>
      <button type="button" className="find-button" aria-label="Close find" onClick={close}>
        ×
      </button>
    </div>
  );
}
