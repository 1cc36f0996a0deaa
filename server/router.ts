import type { IncomingMessage, ServerResponse } from "node:http";
import type { Duplex } from "node:stream";
import type { Logger } from "pino";
import type { Site } from "./site";

type SiteKind = Site["kind"];
type SiteOf<K extends SiteKind> = Extract<Site, { kind: K }>;

/**
 * One way into the process: the paths it owns on the hosts it serves, and what answers a request or a WebSocket
 * upgrade there. A door that owns a request answers it, whatever happens: an error it throws or a promise it
 * rejects is answered by the router (500), never passed on to another door.
 */
export interface Door<K extends SiteKind = SiteKind> {
  /** For the logs. */
  name: string;
  /** Which hosts it serves (as `siteOf` tells them apart); the portal's own when not said. */
  sites?: readonly K[];
  /** `/` owns every request; `/a/` every path below /a; `/a` that path alone. The query is never looked at. */
  prefix: string;
  // Methods, not properties: a door for one kind of site is then a door like any other to the router.
  request?(req: IncomingMessage, res: ServerResponse, site: SiteOf<K>): void | Promise<void>;
  upgrade?(req: IncomingMessage, socket: Duplex, head: Buffer, site: SiteOf<K>): void | Promise<void>;
}

interface Entry {
  door: Door;
  owns: (url: string) => boolean;
}

/**
 * Every HTTP request and every WebSocket upgrade the process receives: first by Host (the portal, one app, or a
 * name nobody serves), then by path, the most specific door first whatever the order they were added in. Nothing
 * reaches Next.js unless a door sends it there: Next closes upgrade sockets it does not handle itself, so terminal
 * and proxied sockets must be claimed before it sees them. An upgrade no door takes is refused, never dropped.
 */
export class Router {
  private readonly sites = new Map<SiteKind, Entry[]>();

  constructor(
    private readonly log: Logger,
    private readonly siteOf: (host: string | undefined) => Site,
  ) {}

  add<K extends SiteKind>(door: Door<K>): void {
    // Called only for the sites it names, so it only ever sees the sites it was written for.
    const entry: Entry = { door: door as unknown as Door, owns: owner(door.prefix) };
    for (const kind of door.sites ?? ["portal" as const]) {
      const entries = this.sites.get(kind) ?? [];
      entries.push(entry);
      // Stable: among doors of one length, the first added goes first.
      entries.sort((a, b) => b.door.prefix.length - a.door.prefix.length);
      this.sites.set(kind, entries);
    }
  }

  request = (req: IncomingMessage, res: ServerResponse): void => {
    const site = this.siteOf(req.headers.host);
    const door = this.find(site.kind, req.url ?? "", "request");
    if (!door) {
      res.writeHead(404, { "content-type": "text/plain" });
      return void res.end("Not Found");
    }
    answer(
      () => door.request!(req, res, site),
      (error) => {
        this.log.error({ err: error, door: door.name, url: req.url }, "request failed");
        if (!res.headersSent) res.writeHead(500, { "content-type": "text/plain" });
        res.end("Internal Server Error");
      },
    );
  };

  upgrade = (req: IncomingMessage, socket: Duplex, head: Buffer): void => {
    socket.on("error", (error) => this.log.debug({ err: error }, "upgrade socket error"));
    const site = this.siteOf(req.headers.host);
    const door = this.find(site.kind, req.url ?? "/", "upgrade");
    if (!door) return refuse(socket, 404, "Not Found");
    answer(
      () => door.upgrade!(req, socket, head, site),
      (error) => {
        this.log.error({ err: error, door: door.name, path: (req.url ?? "/").split("?")[0] }, "upgrade handler failed");
        refuse(socket, 500, "Internal Server Error");
      },
    );
  };

  private find(kind: SiteKind, url: string, answers: "request" | "upgrade"): Door | undefined {
    const entries = this.sites.get(kind);
    if (!entries) return undefined;
    for (const { door, owns } of entries) if (door[answers] && owns(url)) return door;
    return undefined;
  }
}

/** Which URLs a prefix owns, decided once when the door is added: every request runs it. */
function owner(prefix: string): (url: string) => boolean {
  if (prefix === "/") return () => true;
  if (prefix.endsWith("/")) return (url) => url.startsWith(prefix);
  const withQuery = `${prefix}?`;
  return (url) => url === prefix || url.startsWith(withQuery);
}

/** Runs a door, handing any failure to `failed`, whether it throws or its promise rejects. */
function answer(run: () => void | Promise<void>, failed: (error: unknown) => void): void {
  try {
    const result: unknown = run();
    if (result instanceof Promise) result.catch(failed);
  } catch (error) {
    failed(error);
  }
}

export function refuse(socket: Duplex, status: number, reason: string): void {
  if (!socket.writable) return void socket.destroy();
  // Destroyed only once the answer is out: destroying at once can drop a write still queued behind others.
  socket.end(`HTTP/1.1 ${status} ${reason}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`, () => socket.destroy());
  setTimeout(() => socket.destroy(), 5000).unref();
}
