/** A step of a story: a test that is skipped once an earlier step of the same story failed. */
export type Step = (title: string, fn: () => Promise<void>, timeoutMs?: number) => void;

/** Steps that depend on each other: after a failed one the later ones fail at once as skipped. */
export function dependentSteps(): Step {
  let failed = false;
  return (title, fn, timeoutMs = 300_000) => test(title, async () => {
    if (failed) throw new Error('skipped: an earlier step failed');
    try {
      await fn();
    } catch (e) {
      failed = true;
      throw e;
    }
  }, timeoutMs);
}
