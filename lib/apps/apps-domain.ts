import type { AppsUrl } from "../config/apps-url";
import { appLabel, parseAppLabel, type AppAddress } from "./app-address";

/**
 * Where each workspace app lives: its own host under the apps domain, so nothing one app serves shares an origin
 * with the portal or with another app (the browser's same-origin policy is the wall between them).
 */
export class AppsDomain {
  private readonly hostTail: string;
  private readonly hostTailDefaultPort: string | null;

  constructor(readonly url: AppsUrl) {
    this.hostTail = `${url.suffix}${url.port ? `:${url.port}` : ""}`;
    // Browsers leave the default port out of Host; some clients spell it.
    this.hostTailDefaultPort = url.port ? null : `${url.suffix}:${url.protocol === "https:" ? 443 : 80}`;
  }

  get secure(): boolean {
    return this.url.protocol === "https:";
  }

  host(address: AppAddress): string {
    return `${appLabel(address)}${this.hostTail}`;
  }

  origin(address: AppAddress): string {
    return `${this.url.protocol}//${this.host(address)}`;
  }

  /** The app a request's Host header names, or null when it is not one of ours. */
  addressOf(hostHeader: string | undefined): AppAddress | null {
    if (!hostHeader) return null;
    const host = hostHeader.toLowerCase();
    const dot = host.indexOf(".");
    if (dot < 0) return null;
    const tail = host.slice(dot);
    if (tail !== this.hostTail && tail !== this.hostTailDefaultPort) return null;
    return parseAppLabel(host.slice(0, dot));
  }
}
