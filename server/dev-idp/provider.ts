import { generateKeyPairSync, randomBytes } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import Provider, { type Configuration, type KoaContextWithOIDC } from "oidc-provider";
import type { Logger } from "pino";
import type { OidcSettings } from "../../lib/config/env";
import { loginPage } from "./login-page";
import { checkDevLogin, devUserBySub } from "./users";

export const DEV_IDP_PREFIX = "/dev-idp";
const CLIENT_ID = "scitex-portal-dev";

export interface DevIdentityProvider {
  oidc: OidcSettings;
  /** Serves every request under DEV_IDP_PREFIX. */
  handle(req: IncomingMessage, res: ServerResponse): void;
}

/**
 * A standards-compliant OpenID provider inside the portal, so `npm run up` works with no Django site. next-auth
 * talks to it through exactly the code path it uses for Django. Keys and secrets live only as long as the process.
 */
export function createDevIdentityProvider(publicUrl: URL, log: Logger): DevIdentityProvider {
  const issuer = new URL(DEV_IDP_PREFIX, publicUrl).href;
  const clientSecret = randomBytes(24).toString("base64url");
  const { privateKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
  const configuration: Configuration = {
    clients: [
      {
        client_id: CLIENT_ID,
        client_secret: clientSecret,
        redirect_uris: [new URL("/api/auth/callback/oidc", publicUrl).href],
        grant_types: ["authorization_code", "refresh_token"],
        response_types: ["code"],
        token_endpoint_auth_method: "client_secret_basic",
      },
    ],
    jwks: { keys: [{ ...privateKey.export({ format: "jwk" }), kid: "dev-rs256", alg: "RS256", use: "sig" }] as never },
    // Named so the proxy recognises them as the portal's own and never forwards them into a workspace.
    cookies: {
      keys: [randomBytes(32).toString("base64url")],
      names: { session: "portal-idp.session", interaction: "portal-idp.interaction", resume: "portal-idp.resume", state: "portal-idp.state" },
    },
    claims: {
      openid: ["sub"],
      profile: ["preferred_username", "name", "is_staff"],
      email: ["email", "email_verified"],
    },
    // A refresh token with every code, as django-oauth-toolkit gives: the portal re-checks accounts with it.
    issueRefreshToken: async (_ctx, client) => client.grantTypeAllowed("refresh_token"),
    // Put profile claims in the ID token itself, as django-oauth-toolkit does.
    conformIdTokenClaims: false,
    pkce: { required: () => true },
    features: { devInteractions: { enabled: false } },
    interactions: { url: (_ctx, interaction) => `${DEV_IDP_PREFIX}/interaction/${interaction.uid}` },
    findAccount: (_ctx, sub) => {
      const user = devUserBySub(sub);
      if (!user) return undefined;
      return {
        accountId: sub,
        claims: () => ({
          sub,
          preferred_username: user.username,
          name: user.name,
          email: user.email,
          email_verified: true,
          is_staff: user.isStaff,
        }),
      };
    },
    // First-party client: consent is implied, as on the Django site with skip_authorization.
    loadExistingGrant: async (ctx: KoaContextWithOIDC) => {
      const clientId = ctx.oidc.client!.clientId;
      const existing = ctx.oidc.session!.grantIdFor(clientId);
      if (existing) return ctx.oidc.provider.Grant.find(existing);
      const grant = new ctx.oidc.provider.Grant({ clientId, accountId: ctx.oidc.session!.accountId! });
      grant.addOIDCScope("openid profile email");
      await grant.save();
      ctx.oidc.session!.grantIdFor(clientId, grant.jti);
      return grant;
    },
    renderError: (ctx, out) => {
      ctx.type = "text/plain; charset=utf-8";
      ctx.body = `Development sign-in failed: ${out.error}${out.error_description ? ` (${out.error_description})` : ""}`;
    },
  };
  const provider = new Provider(issuer, configuration);
  provider.on("server_error", (_ctx, error) => log.error({ err: error }, "development identity provider error"));
  const oidcHandler = provider.callback();

  async function interaction(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const details = await provider.interactionDetails(req, res);
    const action = `${DEV_IDP_PREFIX}/interaction/${details.uid}`;
    if (req.method === "POST") {
      const form = new URLSearchParams(await readBody(req));
      const user = checkDevLogin(form.get("username") ?? "", form.get("password") ?? "");
      if (!user) return sendHtml(res, 401, loginPage(action, "Wrong username or password.", form.get("username") ?? ""));
      await provider.interactionFinished(req, res, { login: { accountId: user.sub } }, { mergeWithLastSubmission: false });
      return;
    }
    sendHtml(res, 200, loginPage(action));
  }

  return {
    oidc: { issuer, clientId: CLIENT_ID, clientSecret, scopes: "openid profile email" },
    handle(req, res) {
      const url = req.url ?? "/";
      if (url.startsWith(`${DEV_IDP_PREFIX}/interaction/`)) {
        interaction(req, res).catch((error: unknown) => {
          log.warn({ err: error }, "development sign-in interaction failed");
          sendHtml(res, 400, loginPage("", "This sign-in link has expired. Go back to the portal and sign in again."));
        });
        return;
      }
      // oidc-provider routes relative to its mount point and finds the prefix again from originalUrl.
      Object.assign(req, { originalUrl: url });
      req.url = url.slice(DEV_IDP_PREFIX.length) || "/";
      oidcHandler(req, res);
    },
  };
}

async function readBody(req: IncomingMessage, limit = 16 * 1024): Promise<string> {
  let size = 0;
  const chunks: Buffer[] = [];
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limit) throw new Error("form too large");
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString("utf8");
}

function sendHtml(res: ServerResponse, status: number, html: string): void {
  if (res.headersSent) return void res.end();
  res.writeHead(status, { "content-type": "text/html; charset=utf-8", "cache-control": "no-store" });
  res.end(html);
}
