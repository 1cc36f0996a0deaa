import { describe, expect, it } from "vitest";
import { EscapeTracker, MODE_BITS } from "../../lib/terminal/escape-tracker";
import { FlowControl } from "../../lib/terminal/flow-control";
import { ReadGate } from "../../lib/terminal/read-gate";
import { ReplayBuffer } from "../../lib/terminal/replay-buffer";

const b = (s: string) => Buffer.from(s, "utf8");

describe("escape tracking", () => {
  it("knows when the stream is inside an escape sequence or a UTF-8 character", () => {
    const t = new EscapeTracker();
    t.feed(b("plain"));
    expect(t.clean).toBe(true);
    t.feed(b("\x1b[3"));
    expect(t.clean).toBe(false);
    t.feed(b("1m red"));
    expect(t.clean).toBe(true);
    t.feed(b("\x1b]0;window title"));
    expect(t.clean).toBe(false);
    t.feed(b("\x07"));
    expect(t.clean).toBe(true);
    t.feed(b("\x1bP+q\x1b"));
    expect(t.clean).toBe(false);
    t.feed(b("\\"));
    expect(t.clean).toBe(true);
    const rocket = b("🚀");
    t.feed(rocket.subarray(0, 2));
    expect(t.clean).toBe(false);
    t.feed(rocket.subarray(2));
    expect(t.clean).toBe(true);
  });

  it("follows the modes a full-screen program sets and clears", () => {
    const t = new EscapeTracker();
    t.feed(b("\x1b[?1049h\x1b[?1h\x1b[?2004h\x1b[?25l"));
    expect(t.modes & MODE_BITS[1049]!).toBeTruthy();
    expect(t.modes & MODE_BITS[1]!).toBeTruthy();
    expect(t.modes & MODE_BITS[2004]!).toBeTruthy();
    expect(t.modes & MODE_BITS[25]!).toBeTruthy();
    t.feed(b("\x1b[?1049l\x1b[?1l\x1b[?25h"));
    expect(t.modes).toBe(MODE_BITS[2004]);
  });
});

describe("replay buffer", () => {
  it("replays everything while under its capacity", () => {
    const r = new ReplayBuffer(1024);
    r.append(b("$ echo hi\r\n"));
    r.append(b("hi\r\n"));
    expect(r.snapshot().toString()).toBe("$ echo hi\r\nhi\r\n");
  });

  it("stays bounded and never starts a replay inside an escape sequence", () => {
    const r = new ReplayBuffer(64);
    r.append(b("x".repeat(40)));
    r.append(b("\x1b[38;5;")); // a sequence split across chunks
    r.append(b("196mred"));
    r.append(b("y".repeat(40)));
    const snap = r.snapshot().toString();
    expect(snap.startsWith("196m")).toBe(false);
    expect(snap.endsWith("y".repeat(40))).toBe(true);
    for (let i = 0; i < 1000; i++) r.append(b(`line ${i}\r\n`));
    expect(r.byteLength).toBeLessThanOrEqual(64 + 16);
  });

  it("restores the alternate screen when the replay starts inside a full-screen program", () => {
    const r = new ReplayBuffer(32);
    r.append(b("\x1b[?1049h\x1b[?1h"));
    r.append(b("a".repeat(40)));
    r.append(b("b".repeat(20)));
    expect(r.alternateScreen).toBe(true);
    const snap = r.snapshot().toString();
    expect(snap.startsWith("\x1b[?1049h\x1b[?1h")).toBe(true);
    expect(snap.endsWith("b".repeat(20))).toBe(true);
  });
});

describe("flow control", () => {
  it("pauses above the high-water mark and resumes below the low one", () => {
    const events: string[] = [];
    const f = new FlowControl(100, 20, new ReadGate({ pause: () => events.push("pause"), resume: () => events.push("resume") }));
    f.sent(60);
    f.sent(60);
    expect(events).toEqual(["pause"]);
    f.sent(500); // still paused: no second pause
    f.acked(600);
    expect(events).toEqual(["pause"]);
    f.acked(10);
    expect(events).toEqual(["pause", "resume"]);
    expect(f.outstanding).toBe(10);
  });

  it("resumes at once when the client goes away", () => {
    const events: string[] = [];
    const f = new FlowControl(10, 5, new ReadGate({ pause: () => events.push("pause"), resume: () => events.push("resume") }));
    f.sent(50);
    f.reset();
    expect(events).toEqual(["pause", "resume"]);
    expect(f.outstanding).toBe(0);
  });
});

describe("escape tracking fast path", () => {
  it("reaches the same state as byte-by-byte tracking, however the stream is split", () => {
    const pieces = ["plain ", "Grüße ", "你好 ", "🚀", "\x1b[31m", "\x1b]0;title\x07", "\x1b[?1049h", "\x1b[?2004l", "\x1bP+q\x1b\\", "\r\n", "\x1b(B"];
    let seed = 7;
    const random = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    for (let round = 0; round < 200; round++) {
      const text = Buffer.from(Array.from({ length: 40 }, () => pieces[Math.floor(random() * pieces.length)]).join(""));
      const whole = new EscapeTracker();
      const bytewise = new EscapeTracker();
      let at = 0;
      while (at < text.length) {
        const next = Math.min(text.length, at + 1 + Math.floor(random() * 17));
        whole.feed(text.subarray(at, next));
        for (let k = at; k < next; k++) bytewise.feed(text.subarray(k, k + 1));
        expect([whole.clean, whole.modes]).toEqual([bytewise.clean, bytewise.modes]);
        at = next;
      }
    }
  });
});
