import { Issuer, custom, errors, type BaseClient } from "openid-client";
import type { OidcSettings } from "../config/env";

/** What asking the provider again can tell: fresh claims, a refusal, or nothing (it could not be asked). */
export type ProviderAnswer =
  | { kind: "claims"; claims: Record<string, unknown>; refreshToken: string | undefined }
  | { kind: "refused"; reason: string }
  | { kind: "unanswered"; reason: string; refreshToken?: string };

/** The provider's token and userinfo endpoints, as the re-check uses them (a fake in unit tests). */
export interface ProviderClient {
  /** Refreshes the grant, then reads the user's current claims with the new access token. */
  ask(refreshToken: string): Promise<ProviderAnswer>;
}

const TIMEOUT_MS = 10_000;

/**
 * openid-client, as next-auth itself uses it: the refresh grant (validating any ID token it returns) and userinfo.
 * Only `invalid_grant` counts as a refusal; an unreachable provider, a 5xx or a misconfigured client changes nothing.
 */
export class OpenIdProviderClient implements ProviderClient {
  private client: BaseClient | null = null;

  constructor(
    private readonly oidc: OidcSettings,
    private readonly wellKnown: () => Promise<string | null>,
  ) {}

  async ask(refreshToken: string): Promise<ProviderAnswer> {
    let fresh: string | undefined;
    try {
      const client = await this.connect();
      if (!client) return { kind: "unanswered", reason: "the provider's discovery document is unreachable" };
      const tokens = await client.refresh(refreshToken);
      fresh = tokens.refresh_token;
      if (!tokens.access_token) return { kind: "unanswered", reason: "the refresh answer had no access token", ...(fresh ? { refreshToken: fresh } : {}) };
      const claims = await client.userinfo(tokens.access_token);
      return { kind: "claims", claims, refreshToken: fresh };
    } catch (error) {
      if (error instanceof errors.OPError && error.error === "invalid_grant") return { kind: "refused", reason: error.error_description ?? error.error };
      // A rotated token the provider has handed over must be kept even if userinfo then failed.
      return { kind: "unanswered", reason: (error as Error).message, ...(fresh ? { refreshToken: fresh } : {}) };
    }
  }

  private async connect(): Promise<BaseClient | null> {
    if (this.client) return this.client;
    const url = await this.wellKnown();
    if (!url) return null;
    const issuer = await Issuer.discover(url);
    const client = new issuer.Client({ client_id: this.oidc.clientId, client_secret: this.oidc.clientSecret });
    client[custom.http_options] = (_url, options) => ({ ...options, timeout: TIMEOUT_MS });
    this.client = client;
    return client;
  }
}
