/** The problems an action's validation error lists, one a line; fails the test if the action does not throw. */
export function problemsOf(action: () => unknown): string[] {
  try {
    action();
  } catch (error) {
    return (error as Error).message.split('\n');
  }
  throw new Error('expected the action to throw a validation error');
}
