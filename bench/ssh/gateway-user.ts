/**
 * Registers a public key for a portal user the way the SSH keys page does (POST /api/ssh/keys with the user's
 * session cookie), which is all the gateway needs to let that key in as that user.
 */
export async function addGatewayKey(url: string, cookie: string, publicKey: string): Promise<void> {
  const response = await fetch(`${url}/api/ssh/keys`, {
    method: "POST",
    headers: { cookie, origin: url, "content-type": "application/json" },
    body: JSON.stringify({ publicKey: publicKey.trim() }),
  });
  if (response.status !== 201) throw new Error(`adding the SSH key failed: HTTP ${response.status} ${await response.text()}`);
}
