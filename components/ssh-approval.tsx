"use client";

import { useState } from "react";
import { useHydrated } from "./use-hydrated";

interface Props {
  id: string;
  username: string;
  code: string;
  address: string;
  software: string;
  expiresAt: string;
}

/** Who is asking to log in over SSH, so the user can tell it is their own terminal before approving. */
export function SshApproval({ id, username, code, address, software, expiresAt }: Props) {
  const hydrated = useHydrated();
  const [outcome, setOutcome] = useState<"approved" | "denied" | null>(null);
  const [error, setError] = useState<string | null>(null);

  const decide = async (approve: boolean) => {
    setError(null);
    const response = await fetch(`/api/ssh/approvals/${encodeURIComponent(id)}`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ approve }),
    });
    if (response.ok) setOutcome(approve ? "approved" : "denied");
    else setError(((await response.json().catch(() => null)) as { error?: { message?: string } } | null)?.error?.message ?? "That did not work.");
  };

  if (outcome) {
    return (
      <p className={`notice ${outcome === "approved" ? "ok" : "bad"}`} role="status" data-testid="approval-outcome">
        {outcome === "approved" ? "Approved. Your SSH session continues in your terminal." : "Denied. The SSH login was refused."}
      </p>
    );
  }
  return (
    <>
      <p>An SSH client wants to log in as <strong>{username}</strong>. Approve only if you started it yourself.</p>
      <dl className="facts">
        <dt>Code</dt>
        <dd>
          <code className="big" data-testid="approval-code">{code}</code> (your terminal shows the same code)
        </dd>
        <dt>From</dt>
        <dd>{address}</dd>
        <dt>Client</dt>
        <dd>
          <code>{software}</code>
        </dd>
        <dt>Expires</dt>
        <dd>{new Date(expiresAt).toLocaleTimeString()}</dd>
      </dl>
      {error && (
        <p className="notice bad" role="alert">
          {error}
        </p>
      )}
      <div className="actions">
        <button type="button" className="button primary" disabled={!hydrated} onClick={() => void decide(true)} data-testid="approve-ssh">
          Approve
        </button>
        <button type="button" className="button" disabled={!hydrated} onClick={() => void decide(false)} data-testid="deny-ssh">
          Deny
        </button>
      </div>
    </>
  );
}
