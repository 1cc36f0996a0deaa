export function DevProviderNotice() {
  return (
    <p className="notice warn" role="note" data-testid="dev-provider-notice">
      This portal uses its <strong>embedded development identity provider</strong> with demo accounts (see the README).
      Set <code>OIDC_ISSUER</code> to sign in through the Django site.
    </p>
  );
}
