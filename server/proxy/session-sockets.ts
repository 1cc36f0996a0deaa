import type { Duplex } from "node:stream";

/** The open WebSockets of each app session, so ending a session (sign-out, expiry) closes them at once. */
export class SessionSockets {
  private readonly bySession = new Map<string, Set<Duplex>>();

  add(sessionId: string, socket: Duplex): void {
    let sockets = this.bySession.get(sessionId);
    if (!sockets) {
      sockets = new Set();
      this.bySession.set(sessionId, sockets);
    }
    sockets.add(socket);
    socket.once("close", () => {
      sockets.delete(socket);
      if (sockets.size === 0 && this.bySession.get(sessionId) === sockets) this.bySession.delete(sessionId);
    });
  }

  end(sessionIds: string[]): void {
    for (const id of sessionIds) {
      const sockets = this.bySession.get(id);
      if (!sockets) continue;
      this.bySession.delete(id);
      for (const socket of sockets) socket.destroy();
    }
  }
}
