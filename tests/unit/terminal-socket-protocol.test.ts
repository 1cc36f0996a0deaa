import { describe, expect, it } from "vitest";
import { CLIENT_EVENTS, SERVER_EVENTS, TERMINAL_SOCKET_PATH } from "../../lib/terminal/socket-protocol";

describe("the web terminal's socket protocol", () => {
  // Pages still open in browsers (and the bench's client) speak these names: they outlive a portal restart.
  it("keeps the path and the event names pages already use", () => {
    expect(TERMINAL_SOCKET_PATH).toBe("/terminal-io");
    expect(Object.values(CLIENT_EVENTS)).toEqual(["input", "resize", "ack", "close-terminal"]);
    expect(Object.values(SERVER_EVENTS)).toEqual(["attached", "output", "replay", "progress", "exit", "fatal", "problem", "note"]);
  });
});
