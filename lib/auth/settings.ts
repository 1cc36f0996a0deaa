import type { OidcSettings } from "../config/env";
import type { AdminRule } from "./admin";

/** Everything sign-in needs, resolved once at start-up (including the embedded provider when it is used). */
export interface AuthSettings {
  secret: string;
  providerName: string;
  /** True when the embedded development identity provider stands in for the Django site. */
  devProvider: boolean;
  oidc: OidcSettings;
  /** HTTPS deployments get `__Secure-` cookies that browsers only send over TLS. */
  secureCookies: boolean;
  admin: AdminRule;
  sessionMaxAgeSeconds: number;
}

export const SESSION_MAX_AGE_SECONDS = 12 * 60 * 60;
