"use client";

import "@xterm/xterm/css/xterm.css";
import { useEffect, useRef, useState } from "react";
import { FindBar, type Finder } from "./find-bar";
import { TerminalConnection, type ConnectionState } from "./terminal-connection";
import { terminalKeyHandler } from "./terminal-keys";
import { TouchKeys } from "./touch-keys";

interface Props {
  /** Undefined for a new terminal; the server assigns the id. */
  terminalId: string | undefined;
  active: boolean;
  /** Set when the user closed this tab: the pane ends its terminal, then reports onClosed. */
  closing: boolean;
  onClosed(): void;
  onAttached(id: string): void;
  onEnded(reason: "exited" | "gone" | "fatal", message?: string): void;
  /** The title the shell gave its window (OSC 0/2), e.g. bash's `user@host: ~/dir`. */
  onTitle(title: string): void;
  /** The server is starting the workspace for this terminal (its progress is showing here). */
  onStarting(starting: boolean): void;
  fontSize: number;
}

const STATE_TEXT: Record<ConnectionState, string> = {
  connecting: "Connecting…",
  starting: "Starting your workspace…",
  connected: "",
  reconnecting: "Connection lost. Reconnecting…",
  ended: "",
};

// Long enough to read a sentence; a notice that still applies is sent again.
const NOTICE_MS = 6000;

/** One xterm.js terminal bound to one shell in the workspace. */
export function TerminalPane({ terminalId, active, closing, onClosed, onAttached, onEnded, onTitle, onStarting, fontSize }: Props) {
  const host = useRef<HTMLDivElement>(null);
  const [state, setState] = useState<ConnectionState>("connecting");
  const [message, setMessage] = useState<string | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const [finder, setFinder] = useState<Finder | null>(null);
  const [finding, setFinding] = useState(false);
  const callbacks = useRef({ onAttached, onEnded, onClosed, onTitle, onStarting });
  callbacks.current = { onAttached, onEnded, onClosed, onTitle, onStarting };
  const setFont = useRef<(size: number) => void>(() => {});
  const send = useRef<(data: string) => void>(() => {});
  const appCursor = useRef<() => boolean>(() => false);
  // The on-screen Ctrl: the next key typed becomes its control character (Ctrl + c is ^C).
  const [ctrl, setCtrl] = useState(false);
  const ctrlArmed = useRef(false);
  ctrlArmed.current = ctrl;
  const connectionRef = useRef<TerminalConnection | null>(null);
  const focus = useRef<() => void>(() => {});
  const refit = useRef<() => void>(() => {});

  useEffect(() => {
    let disposed = false;
    let noticeTimer: ReturnType<typeof setTimeout> | undefined;
    const cleanup: (() => void)[] = [];
    void (async () => {
      const [{ Terminal }, { FitAddon }, { WebLinksAddon }, { SearchAddon }, { Unicode11Addon }] = await Promise.all([
        import("@xterm/xterm"),
        import("@xterm/addon-fit"),
        import("@xterm/addon-web-links"),
        import("@xterm/addon-search"),
        import("@xterm/addon-unicode11"),
      ]);
      if (disposed || !host.current) return;
      const term = new Terminal({
        // A steady cursor, as VS Code's terminal has by default: the blinking one is a CSS animation that kept the
        // page drawing frames, and measured in Chromium it delayed every echo by about a frame (keystroke to
        // screen p50 27 ms blinking, 4 ms steady).
        cursorBlink: false,
        // Latin from the first monospace font found; CJK and emoji, which it lacks, from the Noto fonts (Debian:
        // fonts-noto-cjk, fonts-noto-color-emoji) before the browser's own guess. Widths come from Unicode 11.
        fontFamily: 'ui-monospace, "DejaVu Sans Mono", Menlo, Consolas, "Noto Sans Mono CJK SC", "Noto Color Emoji", monospace',
        fontSize,
        // At device pixel ratio 1 a 14 px DejaVu Sans Mono cell of line height 1.0 clips the underscore, which
        // sits below the font's descent: `numpy.__version__` read `numpy.  version  `. 1.2 gives it room.
        lineHeight: 1.2,
        scrollback: 5000,
        allowProposedApi: true,
        theme: { background: "#111418", foreground: "#e6e9ef" },
      });
      const fit = new FitAddon();
      term.loadAddon(fit);
      term.loadAddon(new WebLinksAddon());
      const search = new SearchAddon();
      term.loadAddon(search);
      setFinder({
        next: (q) => search.findNext(q),
        previous: (q) => search.findPrevious(q),
        clear: () => {
          search.clearDecorations();
          term.clearSelection();
          term.focus();
        },
      });
      term.attachCustomKeyEventHandler(terminalKeyHandler(term, { openFind: () => setFinding(true) }));
      const title = term.onTitleChange((t) => callbacks.current.onTitle(t.slice(0, 200)));
      cleanup.push(() => title.dispose());
      term.loadAddon(new Unicode11Addon());
      term.unicode.activeVersion = "11";
      term.open(host.current);
      fit.fit();
      // The size the shell was told, for people (and tests) who want to compare it with `stty size`.
      const showSize = () => host.current && Object.assign(host.current.dataset, { cols: term.cols, rows: term.rows });
      showSize();
      cleanup.push(() => term.dispose());

      let replaying = 0;
      // After a move the old shell's screen stays above the news and the new shell: the next attach adds, not resets.
      let keepScreen = false;
      const connection = new TerminalConnection(terminalId, () => ({ cols: term.cols, rows: term.rows }), {
        attached: (id) => {
          if (keepScreen) keepScreen = false;
          else term.reset(); // the server replays the screen from scratch on every (re)attach
          callbacks.current.onAttached(id);
        },
        output: (data, rendered) => term.write(data, rendered),
        replay: (data, rendered) => {
          // xterm.js answers the queries in a replay (vim's DA2, a printf '\e[c', colour queries) as it parses
          // them; the write callback runs once the chunk is parsed, so answers until then are dropped.
          replaying += 1;
          term.write(data, () => {
            replaying -= 1;
            rendered();
          });
        },
        progress: (text) => {
          callbacks.current.onStarting(true);
          term.write(`\x1b[2m${text}…\x1b[0m\r\n`);
        },
        state: (s, text) => {
          if (s === "starting") callbacks.current.onStarting(true);
          if (s === "connected" || s === "ended") callbacks.current.onStarting(false);
          setState(s);
          if (text) setMessage(text);
          if (s === "connected") setMessage(null);
        },
        exited: (_code, text) => callbacks.current.onEnded("exited", text),
        moved: (text) => {
          keepScreen = true;
          term.write(`\r\n\x1b[33m${text}\x1b[0m\r\n`);
        },
        note: (text) => term.write(`\r\n\x1b[2m${text}\x1b[0m\r\n`),
        fatal: (code, text) => callbacks.current.onEnded(code === "gone" ? "gone" : "fatal", text),
        closed: () => callbacks.current.onClosed(),
        notice: (text) => {
          setNotice(text);
          clearTimeout(noticeTimer);
          noticeTimer = setTimeout(() => setNotice(null), NOTICE_MS);
        },
      });
      cleanup.push(() => clearTimeout(noticeTimer));
      connectionRef.current = connection;
      cleanup.push(() => connection.dispose());
      const data = term.onData((d) => {
        if (replaying > 0) return;
        if (ctrlArmed.current && d.length === 1 && /[@-_a-z]/i.test(d)) {
          ctrlArmed.current = false;
          setCtrl(false);
          return connection.input(String.fromCharCode(d.toUpperCase().charCodeAt(0) & 0x1f));
        }
        connection.input(d);
      });
      send.current = (d) => {
        connection.input(d);
        term.focus();
      };
      appCursor.current = () => term.modes.applicationCursorKeysMode;
      const binary = term.onBinary((d) => replaying === 0 && connection.input(d));
      cleanup.push(() => data.dispose(), () => binary.dispose());

      let last = { cols: term.cols, rows: term.rows };
      refit.current = () => {
        if (!host.current || host.current.offsetParent === null) return; // hidden tab: keep its size
        fit.fit();
        if (term.cols !== last.cols || term.rows !== last.rows) {
          last = { cols: term.cols, rows: term.rows };
          connection.resize(term.cols, term.rows);
          showSize();
        }
      };
      const observer = new ResizeObserver(() => refit.current());
      observer.observe(host.current);
      cleanup.push(() => observer.disconnect());
      focus.current = () => term.focus();
      setFont.current = (size) => {
        term.options.fontSize = size;
        refit.current();
      };
      term.focus();
    })();
    return () => {
      disposed = true;
      for (const fn of cleanup.reverse()) fn();
    };
    // A pane is bound to one terminal for its whole life; the parent remounts it for another.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, []);

  useEffect(() => {
    if (closing) connectionRef.current?.closeTerminal();
  }, [closing]);

  useEffect(() => setFont.current(fontSize), [fontSize]);

  useEffect(() => {
    if (active) {
      refit.current();
      focus.current();
    }
  }, [active]);

  const overlay = message ?? STATE_TEXT[state];
  return (
    <div className="terminal-pane" hidden={!active} data-testid="terminal-pane" data-state={state}>
      <div ref={host} className="terminal-host" />
      {active && <TouchKeys send={(d) => send.current(d)} ctrl={ctrl} onCtrl={setCtrl} applicationCursor={() => appCursor.current()} />}
      {finding && finder && (
        <FindBar
          finder={finder}
          onClose={() => {
            setFinding(false);
            focus.current();
          }}
        />
      )}
      {overlay && (
        <div className={`terminal-overlay state-${state}`} role="status" data-testid="terminal-status">
          {overlay}
        </div>
      )}
      {!overlay && notice && (
        <div className="terminal-overlay state-notice" role="status" data-testid="terminal-notice">
          {notice}
        </div>
      )}
    </div>
  );
}
