export interface Asset {
  name: "small" | "medium" | "large";
  /** Path below code-server's root (no leading slash), the same through every stack. */
  path: string;
  bytes: number;
}

/**
 * Small files the workbench really loads, in order of preference: VS Code's own icon from the versioned static
 * tree (559 B), then code-server's error stylesheet. Both are a few hundred bytes, so a request is nearly all
 * overhead. The icon rather than code-server's 402-byte service worker: it is also in the portal's copy of the
 * image, so the "portal" row keeps measuring that copy while "portal proxy" asks code-server for the same file.
 */
const SMALL_CANDIDATES = ["static/out/media/code-icon.svg", "_static/src/browser/pages/error.css"];
const LARGE_MIN = 200_000;

/**
 * The two assets, found the way a browser finds them: the workbench page names the versioned static prefix
 * (`stable-<commit>/`) and its scripts; the large one is the largest of them (workbench.js, 19 MB today: the
 * first thing a new browser downloads, and the cell where a proxy's cost per byte shows). Fetched directly, so
 * sizes are the real bodies. The medium one, the script closest to 1 MB, is the soak's: steady use, where a few
 * 19 MB bodies a second would saturate the machine instead.
 * `version` is that prefix without its slash, which is also the path of code-server's WebSocket. `headers` carry
 * code-server's password cookie: without it the workbench page is a redirect to its login page.
 */
export async function discoverAssets(directUrl: string, headers: Record<string, string>): Promise<{ version: string; small: Asset; medium: Asset; large: Asset }> {
  const page = await fetch(directUrl, { headers, redirect: "manual" });
  const html = await page.text();
  if (page.status !== 200) throw new Error(`code-server's workbench page answered ${page.status} (is its password cookie right?)`);
  const version = /\b(stable-[0-9a-f]{40})\//.exec(html)?.[1];
  if (!version) throw new Error("the workbench page names no stable-<commit>/ prefix");

  let small: Asset | undefined;
  for (const candidate of SMALL_CANDIDATES) {
    const path = candidate.startsWith("static/") ? `${version}/${candidate}` : candidate;
    const bytes = await bodySize(directUrl + path, headers);
    if (bytes !== null && bytes < 2_000) {
      small = { name: "small", path, bytes };
      break;
    }
  }
  if (!small) throw new Error(`none of the small assets answered: ${SMALL_CANDIDATES.join(", ")}`);

  let large: Asset | undefined;
  let medium: Asset | undefined;
  for (const match of html.matchAll(/src="\.?\/?([^"]+\.js)"/g)) {
    const path = match[1]!;
    const bytes = await bodySize(directUrl + path, headers);
    if (bytes === null || bytes < LARGE_MIN) continue;
    if (!large || bytes > large.bytes) large = { name: "large", path, bytes };
    if (!medium || Math.abs(bytes - 1e6) < Math.abs(medium.bytes - 1e6)) medium = { name: "medium", path, bytes };
  }
  if (!large || !medium) throw new Error(`no script of the workbench page has ${LARGE_MIN} bytes or more`);
  return { version, small, medium, large };
}

/** Bytes of a 200 body (as sent: no Accept-Encoding, like the load generator), or null for any other status. */
async function bodySize(url: string, headers: Record<string, string>): Promise<number | null> {
  const response = await fetch(url, { headers: { ...headers, "accept-encoding": "identity" }, redirect: "manual" });
  const body = await response.arrayBuffer();
  return response.ok ? body.byteLength : null;
}
