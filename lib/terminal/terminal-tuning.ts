/** The terminal's fixed sizes and times, measured in issues 4 and 14; what an operator may change is in config. */

// Replay enough for a screenful plus scrollback; pause a flooding shell at 1 MiB the browser has not rendered.
export const TERMINAL_BUFFERS = { replayBytes: 256 * 1024, highWater: 1024 * 1024, lowWater: 256 * 1024 };

// A terminal typed into this recently counts as being typed into: typing has pauses of a second or two.
export const TYPING_MS = 2000;
