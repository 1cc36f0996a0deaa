import { z } from "zod";
import {
  MAX_COLS,
  MAX_INPUT_CHARS,
  MAX_ROWS,
  type TerminalHandshake,
  type TerminalSize,
} from "../../lib/terminal/socket-protocol";
import { TERMINAL_ID_PATTERN } from "../../lib/terminal/terminal-service";

/** Everything a browser may send on a terminal socket, validated before it reaches a shell. */
export const sizeSchema = z.object({
  cols: z.number().int().min(2).max(MAX_COLS),
  rows: z.number().int().min(1).max(MAX_ROWS),
}) satisfies z.ZodType<TerminalSize>;

export const handshakeSchema = z.object({
  terminalId: z.string().regex(TERMINAL_ID_PATTERN, "not a terminal id").optional(),
  cols: sizeSchema.shape.cols,
  rows: sizeSchema.shape.rows,
}) satisfies z.ZodType<TerminalHandshake>;

export const inputSchema = z.string().max(MAX_INPUT_CHARS, `at most ${MAX_INPUT_CHARS} characters per message`);
export const ackSchema = z.number().int().min(1).max(64 * 1024 * 1024);

export function describe(error: z.ZodError): string {
  return error.issues.map((i) => `${i.path.join(".") || "value"}: ${i.message}`).join("; ");
}
