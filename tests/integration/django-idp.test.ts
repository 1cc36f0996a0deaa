import { createHash, createPublicKey, randomBytes, verify, type JsonWebKey } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startDjangoIdp, type DjangoIdp } from "../support/django-idp";

// Proves the fixture is a real, standards-following OIDC provider, speaking to it as a browser and a client would,
// with nothing but fetch: what passes here is what the portal may rely on.

const CLIENT_ID = "portal-test-client";
const CLIENT_SECRET = "s3cret with spaces & symbols:/+";
const REDIRECT_URI = "http://127.0.0.1:3999/auth/callback"; // never fetched: the flow stops at the redirect
const ALICE = { username: "alice", password: "wonderland-1", email: "alice@example.org", firstName: "Alice", lastName: "Liddell" };
// Django's forms would reject the apostrophe; users created by other means can still have it.
const EVE = { username: "Dr.Eve_O'Neil+test", password: "p@ss w0rd'\"", email: "eve@example.org" };

interface Discovery {
  issuer: string;
  authorization_endpoint: string;
  token_endpoint: string;
  jwks_uri: string;
  userinfo_endpoint: string;
  id_token_signing_alg_values_supported: string[];
}

/** Just enough of a browser's cookie handling for one host. */
class CookieJar {
  private readonly cookies = new Map<string, string>();
  async fetch(url: string | URL, init: RequestInit = {}): Promise<Response> {
    const headers = new Headers(init.headers);
    if (this.cookies.size) headers.set("cookie", [...this.cookies].map(([k, v]) => `${k}=${v}`).join("; "));
    const res = await fetch(url, { ...init, headers, redirect: "manual" });
    for (const cookie of res.headers.getSetCookie()) {
      const pair = cookie.split(";")[0]!;
      const at = pair.indexOf("=");
      const [name, value] = [pair.slice(0, at).trim(), pair.slice(at + 1).trim()];
      if (value) this.cookies.set(name, value);
      else this.cookies.delete(name);
    }
    return res;
  }
}

const b64url = (data: Buffer | string) => Buffer.from(data).toString("base64url");
const formEncode = (s: string) => new URLSearchParams({ s }).toString().slice(2);

function location(res: Response): URL {
  expect(res.status, `expected a redirect from ${res.url}`).toBe(302);
  return new URL(res.headers.get("location")!, res.url);
}

describe("Django OIDC provider fixture (django-oauth-toolkit 1.7)", () => {
  let idp: DjangoIdp;
  let discovery: Discovery;
  let startMs = 0;

  beforeAll(async () => {
    const started = Date.now();
    idp = await startDjangoIdp({ users: [ALICE, EVE], clientId: CLIENT_ID, clientSecret: CLIENT_SECRET, redirectUris: [REDIRECT_URI] });
    startMs = Date.now() - started;
    discovery = (await (await fetch(`${idp.issuer}/.well-known/openid-configuration/`)).json()) as Discovery;
  });
  afterAll(async () => {
    await idp?.stop();
  });

  /** Browser part of the code flow: authorize, sign in on Django's form, return where the IdP sends us back. */
  async function signIn(user: { username: string; password: string }, params: Record<string, string>) {
    const jar = new CookieJar();
    const authorizeUrl = `${discovery.authorization_endpoint}?${new URLSearchParams({
      response_type: "code",
      client_id: CLIENT_ID,
      redirect_uri: REDIRECT_URI,
      scope: "openid profile email",
      ...params,
    })}`;
    const loginUrl = location(await jar.fetch(authorizeUrl));
    expect(loginUrl.pathname).toBe("/accounts/login/");

    const page = await jar.fetch(loginUrl);
    const html = await page.text();
    expect(html).toContain('id="id_username"');
    expect(html).toContain('id="id_password"');
    const csrf = /name="csrfmiddlewaretoken" value="([^"]+)"/.exec(html)?.[1];
    expect(csrf).toBeTruthy();

    const posted = await jar.fetch(loginUrl, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({
        csrfmiddlewaretoken: csrf!,
        username: user.username,
        password: user.password,
        next: loginUrl.searchParams.get("next")!,
      }),
    });
    if (posted.status !== 302) return { loginStatus: posted.status, callback: undefined };
    let url = location(posted);
    while (url.origin === idp.baseUrl) url = location(await jar.fetch(url));
    return { loginStatus: posted.status, callback: url };
  }

  async function exchange(code: string, verifier: string) {
    return fetch(discovery.token_endpoint, {
      method: "POST",
      headers: {
        // RFC 6749 2.3.1: id and secret are form-encoded before Basic's base64, and DOT decodes them so.
        authorization: `Basic ${Buffer.from(`${formEncode(CLIENT_ID)}:${formEncode(CLIENT_SECRET)}`).toString("base64")}`,
        "content-type": "application/x-www-form-urlencoded",
      },
      body: new URLSearchParams({ grant_type: "authorization_code", code, redirect_uri: REDIRECT_URI, code_verifier: verifier }),
    });
  }

  async function verifiedClaims(idToken: string): Promise<Record<string, unknown>> {
    const [header, payload, signature] = idToken.split(".") as [string, string, string];
    const { alg, kid } = JSON.parse(Buffer.from(header, "base64url").toString()) as { alg: string; kid: string };
    expect(alg).toBe("RS256");
    const { keys } = (await (await fetch(discovery.jwks_uri)).json()) as { keys: (JsonWebKey & { kid: string })[] };
    const jwk = keys.find((k) => k.kid === kid);
    expect(jwk, `no JWKS key with kid ${kid}`).toBeDefined();
    const key = createPublicKey({ key: jwk!, format: "jwk" });
    expect(verify("RSA-SHA256", Buffer.from(`${header}.${payload}`), key, Buffer.from(signature, "base64url"))).toBe(true);
    return JSON.parse(Buffer.from(payload, "base64url").toString()) as Record<string, unknown>;
  }

  it("serves discovery at the trailing-slash URL only, as stock DOT does", async () => {
    console.info(`Django IdP started in ${startMs} ms`);
    expect(discovery.issuer).toBe(`http://127.0.0.1:${idp.port}/o`);
    expect(discovery.issuer).toBe(idp.issuer);
    for (const key of ["authorization_endpoint", "token_endpoint", "jwks_uri", "userinfo_endpoint"] as const) {
      expect(discovery[key]).toMatch(new RegExp(`^${idp.baseUrl}/o/`));
    }
    expect(discovery.id_token_signing_alg_values_supported).toContain("RS256");
    expect((await fetch(`${idp.issuer}/.well-known/openid-configuration`, { redirect: "manual" })).status).toBe(404);
  });

  it.each([
    { user: ALICE, name: "Alice Liddell" },
    { user: EVE, name: EVE.username }, // no first/last name: falls back to the username
  ])("runs the code flow with PKCE and nonce for $user.username", async ({ user, name }) => {
    const verifier = b64url(randomBytes(32));
    const state = b64url(randomBytes(16));
    const nonce = b64url(randomBytes(16));
    const { callback } = await signIn(user, {
      state,
      nonce,
      code_challenge: b64url(createHash("sha256").update(verifier).digest()),
      code_challenge_method: "S256",
    });
    expect(`${callback!.origin}${callback!.pathname}`).toBe(REDIRECT_URI);
    expect(callback!.searchParams.get("state")).toBe(state);
    const code = callback!.searchParams.get("code")!;
    expect(code).toBeTruthy();

    const tokenRes = await exchange(code, verifier);
    expect(tokenRes.status).toBe(200);
    const tokens = (await tokenRes.json()) as { id_token: string; access_token: string; token_type: string };
    expect(tokens.token_type).toBe("Bearer");

    const claims = await verifiedClaims(tokens.id_token);
    const expected = { sub: await idp.userSub(user.username), preferred_username: user.username, email: user.email, name };
    expect(claims).toMatchObject({ ...expected, nonce, iss: idp.issuer });
    expect([claims.aud].flat()).toContain(CLIENT_ID);
    expect(claims.exp).toBeGreaterThan(Date.now() / 1000);

    const userinfo = await fetch(discovery.userinfo_endpoint, { headers: { authorization: `Bearer ${tokens.access_token}` } });
    expect(userinfo.status).toBe(200);
    expect(await userinfo.json()).toMatchObject(expected);

    // The code is single-use.
    expect((await exchange(code, verifier)).status).toBe(400);
  });

  it("requires PKCE: no challenge gets no code, a wrong verifier gets no tokens", async () => {
    const { callback: refused } = await signIn(ALICE, { state: "s" });
    expect(refused!.searchParams.get("code")).toBeNull();
    expect(refused!.searchParams.get("error")).toBe("invalid_request");

    const verifier = b64url(randomBytes(32));
    const { callback } = await signIn(ALICE, {
      state: "s",
      code_challenge: b64url(createHash("sha256").update(verifier).digest()),
      code_challenge_method: "S256",
    });
    const res = await exchange(callback!.searchParams.get("code")!, b64url(randomBytes(32)));
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ error: "invalid_grant" });
  });

  it("gives no code for a wrong password", async () => {
    const verifier = b64url(randomBytes(32));
    const result = await signIn(
      { username: ALICE.username, password: "not-her-password" },
      { state: "s", code_challenge: b64url(createHash("sha256").update(verifier).digest()), code_challenge_method: "S256" },
    );
    expect(result).toEqual({ loginStatus: 200, callback: undefined });
  });
});
