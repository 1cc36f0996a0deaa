import { progress } from "./progress";

/** Runs one phase of a suite; true when it took its figures. */
export type Attempt = (what: string, run: () => Promise<void>) => Promise<boolean>;

/**
 * A failed phase is reported and kept in `errors` (the report lists them) instead of ending the suite, so the
 * other figures are still taken. `afterFailure` may repair what the failure broke and say so in a few words,
 * appended to the error.
 */
export function attempter(errors: string[], afterFailure?: () => Promise<string>): Attempt {
  return async (what, run) => {
    try {
      await run();
      return true;
    } catch (error) {
      let message = `${what}: ${error instanceof Error ? error.message : String(error)}`;
      if (afterFailure) message += await afterFailure();
      progress(`FAILED ${message}`);
      errors.push(message);
      return false;
    }
  };
}
