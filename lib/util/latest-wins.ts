/**
 * Wraps a costly call (a Docker resize) so a burst of requests becomes at most one call per `intervalMs`, with the
 * latest value: the first goes at once, what arrives meanwhile is merged into one pending value. The promise
 * returned settles when the value it carried (or a later one that replaced it) has been applied.
 */
export function latestWins<T>(
  apply: (value: T) => Promise<void>,
  intervalMs: number,
  merge: (pending: T, next: T) => T = (_pending, next) => next,
): (value: T) => Promise<void> {
  let pending: { value: T } | null = null;
  let running: Promise<void> | null = null;
  const drain = async () => {
    while (pending) {
      const { value } = pending;
      pending = null;
      await apply(value).catch(() => undefined);
      if (pending) await new Promise((resolve) => setTimeout(resolve, intervalMs));
    }
  };
  return (value) => {
    pending = pending ? { value: merge(pending.value, value) } : { value };
    running ??= drain().finally(() => {
      running = null;
    });
    return running;
  };
}
