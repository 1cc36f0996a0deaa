/**
 * `input` when it is a path on this site, else `fallback`: what a redirect target (`callbackUrl`, an app's return
 * path) may be. It is judged as browsers read URLs (they drop tabs and newlines and take `\` for `/`), so
 * `/\t/evil.example` and `/\evil.example` are refused rather than left to become `//evil.example`, and so is a path that becomes
 * one only once its dot segments are resolved.
 */
export function localPath(input: string | null | undefined, fallback = "/"): string {
  if (!input || input.length > 4096) return fallback;
  if (/[\u0000-\u001f\u007f\\]/.test(input) || !input.startsWith("/") || input.startsWith("//")) return fallback;
  const base = new URL("http://local.invalid");
  let url: URL;
  try {
    url = new URL(input, base);
  } catch {
    return fallback;
  }
  if (url.origin !== base.origin) return fallback;
  // Dot segments can leave a path that only now starts with `//` (`/.//evil.example`): a browser would leave the site.
  const path = `${url.pathname}${url.search}${url.hash}`;
  return path.startsWith("//") ? fallback : path;
}
