import path from "node:path";
import type { NextConfig } from "next";

const nextConfig: NextConfig = {
  // The custom server in server/ owns the process; Next only renders pages and API routes.
  reactStrictMode: true,
  // Tests run their own portal processes; a separate build directory keeps them from colliding with `npm run up`.
  distDir: process.env.PORTAL_NEXT_DIST_DIR || ".next",
  poweredByHeader: false,
  devIndicators: false,
  // Native and Docker-facing modules must stay on the Node side, never bundled.
  serverExternalPackages: ["dockerode", "better-sqlite3", "pino", "ssh2", "cpu-features"],
  turbopack: {
    rules: {
      // xterm.js's scrollbar synchronised once per frame instead of once per line feed (the loader says why).
      "*.mjs": {
        condition: { path: /node_modules[\\/]@xterm[\\/]xterm[\\/]lib[\\/]xterm\.mjs$/ },
        loaders: [path.resolve("scripts/build/xterm-scroll-sync-loader.cjs")],
      },
    },
  },
};

export default nextConfig;
