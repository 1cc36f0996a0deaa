/**
 * Finds the provider's discovery document. The spec puts it at `<issuer>/.well-known/openid-configuration`;
 * a stock django-oauth-toolkit serves it only with a trailing slash. Both are tried, the first answer is kept.
 */
export class DiscoveryResolver {
  private found: string | null = null;

  constructor(
    private readonly issuer: string,
    private readonly override?: string,
    private readonly fetcher: typeof fetch = fetch,
  ) {}

  candidates(): string[] {
    if (this.override) return [this.override];
    const base = `${this.issuer.replace(/\/+$/, "")}/.well-known/openid-configuration`;
    return [base, `${base}/`];
  }

  /** The URL that answered with a discovery document, or null when none does right now. */
  async resolve(): Promise<string | null> {
    if (this.found) return this.found;
    for (const url of this.candidates()) {
      try {
        const response = await this.fetcher(url, { redirect: "follow", signal: AbortSignal.timeout(5000) });
        if (!response.ok) continue;
        const doc = (await response.json()) as { issuer?: unknown; authorization_endpoint?: unknown };
        if (typeof doc.issuer === "string" && typeof doc.authorization_endpoint === "string") {
          // Keep where a redirect (Django's APPEND_SLASH) led: the OIDC client fetches it again without following.
          this.found = response.url || url;
          return this.found;
        }
      } catch {
        // Unreachable or not JSON: try the next candidate; the caller reports the provider as down.
      }
    }
    return null;
  }

  /** The URL to hand to the OIDC client even when the provider is down, so its error reaches the user. */
  async wellKnown(): Promise<string> {
    return (await this.resolve()) ?? this.candidates()[0]!;
  }
}
