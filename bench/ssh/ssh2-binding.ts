import { createRequire } from "node:module";
import path from "node:path";

/**
 * Whether ssh2's optional native crypto (chacha20-poly1305 and AES-GCM in C) is built in this node_modules. It is
 * made by ssh2's install script, which npm 11 skips unless package.json's allowScripts approves it; without it
 * ssh2 falls back to JS (Poly1305 in asm.js), which the gateway's throughput depends on. The portal loads the
 * same node_modules, so what loads here loads there.
 */
export function ssh2BindingLoads(): boolean {
  const require = createRequire(import.meta.url);
  try {
    require(path.join(path.dirname(require.resolve("ssh2")), "protocol/crypto/build/Release/sshcrypto.node"));
    return true;
  } catch {
    return false;
  }
}
