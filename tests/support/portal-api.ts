import { io, type Socket } from "socket.io-client";
import { expect } from "vitest";

/** Adds a public key to the signed-in user's account, as the SSH keys page does. */
export async function addSshKey(portalUrl: string, cookie: string, publicKey: string): Promise<void> {
  const added = await fetch(`${portalUrl}/api/ssh/keys`, {
    method: "POST",
    headers: { cookie, origin: portalUrl, "content-type": "application/json" },
    body: JSON.stringify({ publicKey }),
  });
  expect(added.status, await added.clone().text()).toBe(201);
}

/** A terminal socket as the page opens one; resolves once its shell is attached. `ended` says how it ended. */
export function openTerminalSocket(portalUrl: string, cookie: string): Promise<{ socket: Socket; ended: Promise<string> }> {
  const socket = io(portalUrl, { path: "/terminal-io", transports: ["websocket"], extraHeaders: { cookie, origin: portalUrl }, auth: { cols: 80, rows: 24 }, reconnection: false });
  const ended = new Promise<string>((resolve) => {
    socket.on("fatal", (p: { code: string }) => resolve(p.code));
    socket.on("disconnect", () => resolve("disconnected"));
  });
  return new Promise((resolve, reject) => {
    socket.on("attached", () => resolve({ socket, ended }));
    socket.on("connect_error", reject);
  });
}
