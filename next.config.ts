import type { NextConfig } from "next";

const nextConfig: NextConfig = {
  // The custom server in server/ owns the process; Next only renders pages and API routes.
  reactStrictMode: true,
  poweredByHeader: false,
  devIndicators: false,
  // Native and Docker-facing modules must stay on the Node side, never bundled.
  serverExternalPackages: ["dockerode", "better-sqlite3", "pino", "ssh2", "cpu-features"],
};

export default nextConfig;
