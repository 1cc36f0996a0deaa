import { getDomain } from "tldts";

/** `APPS_URL` taken apart: `https://*.apps.example.org` → protocol, the part after the wildcard, the port. */
export interface AppsUrl {
  protocol: "http:" | "https:";
  /** What follows the wildcard label, with its leading dot: `.apps.example.org`. */
  suffix: string;
  /** Empty for the protocol's default port. */
  port: string;
}

const LOOPBACK = new Set(["localhost", "127.0.0.1", "[::1]"]);
const DOMAIN = /^(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)*[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;

/** `APPS_URL` as given (`https://*.apps.example.org`), or a message saying what is wrong with it. */
export function parseAppsUrl(text: string): AppsUrl | string {
  const match = /^(https?):\/\/\*(\.[^/:?#]+)(?::(\d{1,5}))?\/?$/i.exec(text.trim());
  if (!match) return "expected a wildcard origin such as https://*.apps.example.org (no path), with * as the whole first label";
  const [, scheme, suffix, port] = match;
  const domain = suffix!.slice(1).toLowerCase();
  if (!DOMAIN.test(domain)) return `"${domain}" is not a domain name`;
  if (port !== undefined && (Number(port) < 1 || Number(port) > 65535)) return "the port must be between 1 and 65535";
  const protocol = `${scheme!.toLowerCase()}:` as AppsUrl["protocol"];
  const defaultPort = protocol === "https:" ? "443" : "80";
  // `:0443` is `:443` to a browser, which then leaves the port out of Host: compare numbers, not spellings.
  return { protocol, suffix: `.${domain}`, port: port === undefined || Number(port) === Number(defaultPort) ? "" : String(Number(port)) };
}

/**
 * Out of the box a portal on loopback puts its apps on `*.localhost` (browsers resolve every name there to
 * loopback, and each `x.localhost` is a site of its own); anywhere else the operator must name a wildcard domain.
 */
export function defaultAppsUrl(publicUrl: URL): AppsUrl | null {
  if (!LOOPBACK.has(publicUrl.hostname)) return null;
  return { protocol: publicUrl.protocol === "https:" ? "https:" : "http:", suffix: ".localhost", port: publicUrl.port };
}

/**
 * Why the apps domain may not share a site with the portal: a page on any host of a registrable domain can set
 * cookies for the whole domain, so an app could plant cookies the portal's pages receive. Null when it is apart.
 */
export function sameSiteProblem(publicUrl: URL, apps: AppsUrl): string | null {
  const portalHost = publicUrl.hostname.toLowerCase();
  const appsHost = `app${apps.suffix}`;
  const portalSite = getDomain(portalHost);
  // A portal on a bare public suffix (`localhost`) cannot receive domain cookies: browsers refuse them there.
  if (portalSite && appsHost.endsWith(`.${portalHost}`)) {
    return `the apps domain (*${apps.suffix}) is inside the portal's host ${portalHost}; use a separate registrable domain, e.g. https://*.apps-example.org`;
  }
  const appsSite = getDomain(appsHost);
  if (portalSite && portalSite === appsSite) {
    return `the apps domain (*${apps.suffix}) and the portal (${portalHost}) are on the same registrable domain ${portalSite}; an app could set cookies the portal receives. Use a different registrable domain for apps (e.g. example-apps.org)`;
  }
  return null;
}
