"use client";

/** Keys a phone's keyboard lacks, for the active terminal: Esc, Tab, a sticky Ctrl, and the arrows. */
export function TouchKeys({ send, ctrl, onCtrl, applicationCursor }: { send(data: string): void; ctrl: boolean; onCtrl(on: boolean): void; applicationCursor: () => boolean }) {
  // Full-screen programs (vim, less) ask for the arrows' "application" form; the terminal knows which is on.
  const arrow = (final: string) => () => send(`\x1b${applicationCursor() ? "O" : "["}${final}`);
  const keys: Array<[string, string, () => void]> = [
    ["Esc", "Escape", () => send("\x1b")],
    ["Tab", "Tab", () => send("\t")],
    ["↑", "Up", arrow("A")],
    ["↓", "Down", arrow("B")],
    ["←", "Left", arrow("D")],
    ["→", "Right", arrow("C")],
  ];
  return (
    <div className="touch-keys" role="toolbar" aria-label="Terminal keys" data-testid="touch-keys">
      {keys.slice(0, 2).map(([label, name, press]) => (
        <button key={name} type="button" aria-label={name} onPointerDown={(e) => e.preventDefault()} onClick={press}>
          {label}
        </button>
      ))}
      <button type="button" aria-pressed={ctrl} onPointerDown={(e) => e.preventDefault()} onClick={() => onCtrl(!ctrl)} data-testid="touch-ctrl">
        Ctrl
      </button>
      {keys.slice(2).map(([label, name, press]) => (
        <button key={name} type="button" aria-label={name} onPointerDown={(e) => e.preventDefault()} onClick={press}>
          {label}
        </button>
      ))}
    </div>
  );
}
