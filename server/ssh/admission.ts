import net from "node:net";

export interface AdmissionLimits {
  /** Connections not yet signed in, in all and from one address. */
  maxPreAuth: number;
  maxPreAuthPerAddress: number;
  /** Time to finish the key exchange and sign in with a key. */
  authDeadlineMs: number;
  /** Time allowed instead while a login waits for approval in the browser (which itself expires at 5 min). */
  approvalDeadlineMs: number;
}

interface Waiting {
  socket: net.Socket;
  ip: string;
  timer: NodeJS.Timeout;
  awaitingApproval: () => boolean;
}

/**
 * The TCP side of the SSH door: a connection that has not signed in is held only for a short deadline (longer
 * while the user approves it in the browser), and only so many at once, in all and per address, so that idle or
 * half-open sockets cannot use up the portal's file descriptors. Signed-in connections are not counted here.
 */
export class SshAdmission {
  private readonly waiting = new Map<string, Waiting>();
  private readonly perAddress = new Map<string, number>();
  refused = 0;

  constructor(
    private readonly limits: AdmissionLimits,
    private readonly hand: (socket: net.Socket) => void,
  ) {}

  /** A new TCP connection: handed to the SSH server, or closed at once when the caps are reached. */
  admit(socket: net.Socket): void {
    const ip = socket.remoteAddress ?? "";
    const key = keyOf(ip, socket.remotePort);
    if (this.waiting.size >= this.limits.maxPreAuth || (this.perAddress.get(ip) ?? 0) >= this.limits.maxPreAuthPerAddress) {
      this.refused += 1;
      socket.destroy();
      return;
    }
    const entry: Waiting = {
      socket,
      ip,
      awaitingApproval: () => false,
      timer: setTimeout(() => this.expire(key, entry), this.limits.authDeadlineMs),
    };
    entry.timer.unref();
    this.waiting.set(key, entry);
    this.perAddress.set(ip, (this.perAddress.get(ip) ?? 0) + 1);
    socket.once("close", () => this.release(key));
    this.hand(socket);
  }

  /** The SSH server has a client for this peer: it may say when it is waiting for a browser approval. */
  watch(ip: string, port: number, awaitingApproval: () => boolean): void {
    const entry = this.waiting.get(keyOf(ip, port));
    if (entry) entry.awaitingApproval = awaitingApproval;
  }

  /** Signed in: no deadline and no longer counted. */
  signedIn(ip: string, port: number): void {
    this.release(keyOf(ip, port));
  }

  get preAuthCount(): number {
    return this.waiting.size;
  }

  private expire(key: string, entry: Waiting): void {
    if (entry.awaitingApproval()) {
      entry.awaitingApproval = () => false;
      entry.timer = setTimeout(() => this.expire(key, entry), this.limits.approvalDeadlineMs - this.limits.authDeadlineMs);
      entry.timer.unref();
      return;
    }
    entry.socket.destroy();
    this.release(key);
  }

  private release(key: string): void {
    const entry = this.waiting.get(key);
    if (!entry) return;
    clearTimeout(entry.timer);
    this.waiting.delete(key);
    const left = (this.perAddress.get(entry.ip) ?? 1) - 1;
    if (left <= 0) this.perAddress.delete(entry.ip);
    else this.perAddress.set(entry.ip, left);
  }
}

const keyOf = (ip: string, port: number | undefined) => `${ip}|${port ?? 0}`;
