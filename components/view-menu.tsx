"use client";

import { useEffect, useRef, useState } from "react";

interface Props<T extends string> {
  views: readonly { id: T; label: string }[];
  current: T;
  onSelect(id: T): void;
}

/**
 * The workspace's views as a menu, for screens too narrow for the row of tabs (the CSS shows one or the other).
 * A disclosure button, not an ARIA menu: its items are ordinary buttons reached with Tab (or the arrow keys), the
 * current view is marked with aria-current, and Escape, a choice or a tap elsewhere closes it. Escape and a
 * choice put the focus back on the button, so a keyboard user is where they were.
 */
export function ViewMenu<T extends string>({ views, current, onSelect }: Props<T>) {
  const [open, setOpen] = useState(false);
  const box = useRef<HTMLDivElement>(null);
  const button = useRef<HTMLButtonElement>(null);
  const close = () => {
    setOpen(false);
    button.current?.focus();
  };

  useEffect(() => {
    if (!open) return;
    const outside = (event: PointerEvent) => {
      if (!box.current?.contains(event.target as Node)) setOpen(false);
    };
    document.addEventListener("pointerdown", outside);
    return () => document.removeEventListener("pointerdown", outside);
  }, [open]);

  const onKeyDown = (event: React.KeyboardEvent) => {
    if (!open) return;
    if (event.key === "Escape") {
      event.preventDefault();
      close();
      return;
    }
    const step = { ArrowDown: 1, ArrowUp: -1 }[event.key];
    if (step === undefined) return;
    event.preventDefault();
    const items = [...(box.current?.querySelectorAll<HTMLButtonElement>(".view-menu-list button") ?? [])];
    const at = items.indexOf(document.activeElement as HTMLButtonElement);
    items[(at + step + items.length) % items.length]?.focus();
  };

  const label = views.find((v) => v.id === current)?.label ?? "";
  return (
    <div
      className="view-menu"
      ref={box}
      onKeyDown={onKeyDown}
      // Tabbing out of the open menu closes it, as a tap elsewhere does.
      onBlur={(event) => {
        if (open && !box.current?.contains(event.relatedTarget as Node | null)) setOpen(false);
      }}
    >
      <button
        type="button"
        ref={button}
        className="button view-menu-button"
        aria-expanded={open}
        aria-controls="view-menu-list"
        onClick={() => setOpen((o) => !o)}
        data-testid="view-menu"
      >
        View: {label} <span aria-hidden="true">▾</span>
      </button>
      <ul id="view-menu-list" className="view-menu-list" aria-label="Workspace views" hidden={!open} data-testid="view-menu-list">
        {views.map((v) => (
          <li key={v.id}>
            <button
              type="button"
              aria-current={v.id === current ? "true" : undefined}
              onClick={() => {
                onSelect(v.id);
                close();
              }}
              data-testid={`view-menu-${v.id}`}
            >
              {v.label}
            </button>
          </li>
        ))}
      </ul>
    </div>
  );
}
