/** Plain-text table: first row is the header; columns padded to their widest cell, numbers right-aligned. */
export function formatTable(rows: string[][]): string {
  const widths: number[] = [];
  for (const row of rows) row.forEach((cell, i) => (widths[i] = Math.max(widths[i] ?? 0, cell.length)));
  const numeric = /^[-+]?[\d.]+( ?[a-zA-Z/%]+)?$|^n\/a$/;
  const line = (row: string[]) =>
    row.map((cell, i) => (i > 0 && numeric.test(cell) ? cell.padStart(widths[i]!) : cell.padEnd(widths[i]!))).join("  ").trimEnd();
  const [header, ...body] = rows;
  if (!header) return "";
  return [line(header), widths.map((w) => "-".repeat(w)).join("  "), ...body.map(line)].join("\n");
}

/** A figure with fixed decimals, or "n/a" when it could not be measured. */
export function fmt(value: number | undefined, decimals = 1): string {
  return value === undefined || !Number.isFinite(value) ? "n/a" : value.toFixed(decimals);
}
