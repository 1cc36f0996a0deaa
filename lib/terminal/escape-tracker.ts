/**
 * Follows a terminal output stream byte by byte just far enough to know two things: whether the stream is at a
 * clean point (not inside an escape sequence or a UTF-8 character), and which DEC private modes a replay must
 * restore (alternate screen, application cursor keys, bracketed paste, mouse reporting, hidden cursor).
 */
const enum State {
  Ground,
  Escape,
  EscapeIntermediate,
  Csi,
  String, // OSC, DCS, SOS, PM, APC: ended by BEL (OSC) or ST (ESC \)
  StringEscape,
}

/** Private modes worth restoring, as bits. */
export const MODE_BITS: Record<number, number> = {
  1: 1 << 0, // application cursor keys
  25: 1 << 1, // cursor hidden (bit set means hidden: the default is visible)
  47: 1 << 2, // alternate screen (old forms and 1049 share one bit)
  1047: 1 << 2,
  1049: 1 << 2,
  1000: 1 << 3, // mouse reporting
  1002: 1 << 4,
  1003: 1 << 5,
  1006: 1 << 6, // SGR mouse encoding
  2004: 1 << 7, // bracketed paste
};

const CSI_PARAMS_MAX = 64;

export class EscapeTracker {
  private state = State.Ground;
  private utf8Pending = 0;
  private params = "";
  /** Current mode bits (see MODE_BITS). */
  modes = 0;

  /** True between sequences and characters: a replay may start here. */
  get clean(): boolean {
    return this.state === State.Ground && this.utf8Pending === 0;
  }

  feed(bytes: Uint8Array): void {
    let i = 0;
    while (i < bytes.length) {
      if (this.state === State.Ground) {
        // Plain text is most of any output: skip to the next ESC natively; only the run's last four bytes can
        // leave a UTF-8 character unfinished.
        const esc = bytes.indexOf(0x1b, i);
        const end = esc < 0 ? bytes.length : esc;
        const from = Math.max(i, end - 4);
        if (from > i) this.utf8Pending = 0;
        for (let k = from; k < end; k++) this.step(bytes[k]!);
        if (esc < 0) return;
        i = esc;
      }
      this.step(bytes[i]!);
      i += 1;
    }
  }

  private step(b: number): void {
    switch (this.state) {
      case State.Ground:
        if (b === 0x1b) this.state = State.Escape;
        else if (b >= 0xc0) this.utf8Pending = b >= 0xf0 ? 3 : b >= 0xe0 ? 2 : 1;
        else if (b >= 0x80) this.utf8Pending = Math.max(0, this.utf8Pending - 1);
        else this.utf8Pending = 0;
        return;
      case State.Escape:
        this.utf8Pending = 0;
        if (b === 0x5b) {
          this.state = State.Csi;
          this.params = "";
        } else if (b === 0x5d || b === 0x50 || b === 0x58 || b === 0x5e || b === 0x5f) this.state = State.String;
        else if (b >= 0x20 && b <= 0x2f) this.state = State.EscapeIntermediate;
        else if (b !== 0x1b) this.state = State.Ground;
        return;
      case State.EscapeIntermediate:
        if (b < 0x20 || b > 0x2f) this.state = b === 0x1b ? State.Escape : State.Ground;
        return;
      case State.Csi:
        if (b >= 0x40 && b <= 0x7e) {
          if (b === 0x68 || b === 0x6c) this.privateModes(b === 0x68);
          this.state = State.Ground;
        } else if (b === 0x1b) this.state = State.Escape;
        else if (b === 0x18 || b === 0x1a) this.state = State.Ground;
        else if (this.params.length < CSI_PARAMS_MAX) this.params += String.fromCharCode(b);
        return;
      case State.String:
        if (b === 0x07 || b === 0x18 || b === 0x1a) this.state = State.Ground;
        else if (b === 0x1b) this.state = State.StringEscape;
        return;
      case State.StringEscape:
        if (b === 0x5c) this.state = State.Ground;
        else {
          this.state = State.Escape;
          this.step(b);
        }
        return;
    }
  }

  private privateModes(set: boolean): void {
    if (!this.params.startsWith("?")) return;
    for (const part of this.params.slice(1).split(";")) {
      const bit = MODE_BITS[Number(part)];
      if (bit === undefined) continue;
      // Mode 25 is "cursor visible": setting it clears our "hidden" bit.
      const on = Number(part) === 25 ? !set : set;
      this.modes = on ? this.modes | bit : this.modes & ~bit;
    }
  }
}

/** The escape sequences that put a freshly reset terminal into the given modes. */
export function restoreModes(modes: number): string {
  let out = "";
  if (modes & MODE_BITS[1049]!) out += "\x1b[?1049h";
  if (modes & MODE_BITS[1]!) out += "\x1b[?1h";
  if (modes & MODE_BITS[2004]!) out += "\x1b[?2004h";
  for (const mode of [1000, 1002, 1003, 1006]) if (modes & MODE_BITS[mode]!) out += `\x1b[?${mode}h`;
  if (modes & MODE_BITS[25]!) out += "\x1b[?25l";
  return out;
}
