import { z } from "zod";
import { TERMINAL_ID_PATTERN } from "../../lib/terminal/terminal-service";

/** Everything a browser may send on a terminal socket, validated before it reaches a shell. */
export const MAX_COLS = 1000;
export const MAX_ROWS = 500;
export const MAX_INPUT_CHARS = 64 * 1024;

export const sizeSchema = z.object({
  cols: z.number().int().min(2).max(MAX_COLS),
  rows: z.number().int().min(1).max(MAX_ROWS),
});

export const handshakeSchema = z.object({
  terminalId: z.string().regex(TERMINAL_ID_PATTERN, "not a terminal id").optional(),
  cols: sizeSchema.shape.cols,
  rows: sizeSchema.shape.rows,
});

export const inputSchema = z.string().max(MAX_INPUT_CHARS, `at most ${MAX_INPUT_CHARS} characters per message`);
export const ackSchema = z.number().int().min(1).max(64 * 1024 * 1024);

export type Problem = { code: string; message: string };

export function describe(error: z.ZodError): string {
  return error.issues.map((i) => `${i.path.join(".") || "value"}: ${i.message}`).join("; ");
}
