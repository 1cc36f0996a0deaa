"use client";

import { useState } from "react";
import type { StoredKey } from "@/lib/ssh/key-store";
import { useHydrated } from "./use-hydrated";

async function problem(response: Response): Promise<string> {
  const body = (await response.json().catch(() => null)) as { error?: { message?: string } } | null;
  return body?.error?.message ?? `The portal answered ${response.status}.`;
}

/** The user's SSH public keys: add (paste), list, delete. */
export function SshKeys({ initial }: { initial: StoredKey[] }) {
  const hydrated = useHydrated();
  const [keys, setKeys] = useState(initial);
  const [text, setText] = useState("");
  const [name, setName] = useState("");
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const add = async (event: React.FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const response = await fetch("/api/ssh/keys", {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ publicKey: text, ...(name.trim() ? { name } : {}) }),
      });
      if (!response.ok) return setError(await problem(response));
      const key = (await response.json()) as StoredKey;
      setKeys((k) => [...k, key]);
      setText("");
      setName("");
    } finally {
      setBusy(false);
    }
  };

  const remove = async (key: StoredKey) => {
    if (!window.confirm(`Delete the key "${key.name}"? Logins with it stop working at once.`)) return;
    const response = await fetch(`/api/ssh/keys/${key.id}`, { method: "DELETE" });
    if (response.ok) setKeys((k) => k.filter((x) => x.id !== key.id));
    else setError(await problem(response));
  };

  return (
    <section className="card" aria-labelledby="keys-heading">
      <h2 id="keys-heading">Your SSH keys</h2>
      {keys.length === 0 ? (
        <p className="muted">No keys yet.</p>
      ) : (
        <ul className="keys" data-testid="ssh-key-list">
          {keys.map((key) => (
            <li key={key.id} data-testid="ssh-key">
              <div>
                <strong>{key.name}</strong> <span className="muted small">{key.type}</span>
                <br />
                <code className="small">{key.fingerprint}</code>
                <br />
                <span className="muted small">
                  added {new Date(key.createdAt).toLocaleDateString()} ·{" "}
                  {key.lastUsedAt ? `last used ${new Date(key.lastUsedAt).toLocaleString()}` : "never used"}
                </span>
              </div>
              <button type="button" className="button" disabled={!hydrated} onClick={() => void remove(key)}>
                Delete
              </button>
            </li>
          ))}
        </ul>
      )}
      <form onSubmit={(e) => void add(e)}>
        <label className="field" htmlFor="key-text">
          Add a public key
        </label>
        <textarea
          id="key-text"
          rows={4}
          value={text}
          onChange={(e) => setText(e.target.value)}
          placeholder="ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAA… you@laptop   (the contents of ~/.ssh/id_ed25519.pub)"
          required
          data-testid="ssh-key-text"
        />
        <label className="field" htmlFor="key-name">
          Name <span className="muted small">(optional; defaults to the key&apos;s comment)</span>
        </label>
        <input id="key-name" className="text" value={name} onChange={(e) => setName(e.target.value)} maxLength={100} />
        {error && (
          <p className="notice bad" role="alert" data-testid="ssh-key-error">
            {error}
          </p>
        )}
        <div className="actions">
          <button type="submit" className="button primary" disabled={!hydrated || busy} data-testid="ssh-key-add">
            {busy ? "Adding…" : "Add key"}
          </button>
        </div>
      </form>
    </section>
  );
}
