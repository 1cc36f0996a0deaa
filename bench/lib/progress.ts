const started = performance.now();

/** Progress goes to stderr with the elapsed time, so stdout carries only the report. */
export function progress(message: string): void {
  const seconds = ((performance.now() - started) / 1000).toFixed(1).padStart(6);
  process.stderr.write(`[bench ${seconds}s] ${message}\n`);
}
