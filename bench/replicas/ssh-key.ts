/** Adds a public key to the signed-in user's account, as the SSH keys page does. */
export async function addSshKey(portalUrl: string, cookie: string, publicKey: string): Promise<void> {
  const added = await fetch(`${portalUrl}/api/ssh/keys`, {
    method: "POST",
    headers: { cookie, origin: portalUrl, "content-type": "application/json" },
    body: JSON.stringify({ publicKey }),
  });
  if (added.status !== 201) throw new Error(`adding an SSH key answered ${added.status}: ${await added.text()}`);
}
