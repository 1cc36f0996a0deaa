"use client";

import { signIn } from "next-auth/react";
import { useState } from "react";

export function SignInButton({ providerId, providerName, callbackUrl }: { providerId: string; providerName: string; callbackUrl: string }) {
  const [busy, setBusy] = useState(false);
  return (
    <button
      type="button"
      className="button primary wide"
      disabled={busy}
      onClick={() => {
        setBusy(true);
        void signIn(providerId, { callbackUrl }).catch(() => setBusy(false));
      }}
    >
      {busy ? "Redirecting…" : `Sign in with ${providerName}`}
    </button>
  );
}
