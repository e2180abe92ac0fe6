import { Token } from 'aws-cdk-lib';

/** A construct's props failed validation: every problem found, one per line, each prefixed with the construct's name. */
export class MoodleValidationError extends Error {
  constructor(public readonly construct: string, public readonly problems: readonly string[]) {
    super(problems.map((problem) => `${construct}: ${problem}`).join('\n'));
    this.name = 'ValidationError';
  }
}

/** Whether a rule failed (a function is called to find out), and what to say if it did. */
export type Rule = readonly [failed: boolean | (() => boolean), problem: string | (() => string)];

/** Collects the problems of one construct's props, to report them all in one error. */
export class Validator {
  private readonly problems: string[] = [];

  constructor(public readonly construct: string) {}

  /** Records the problem if the rule failed; returns whether it passed. */
  public check(failed: boolean | (() => boolean), problem: string | (() => string)): boolean {
    const didFail = typeof failed === 'function' ? failed() : failed;
    if (didFail) this.problems.push(typeof problem === 'function' ? problem() : problem);
    return !didFail;
  }

  /** Checks every rule; returns whether all passed. */
  public checkAll(rules: readonly Rule[]): boolean {
    return rules.map(([failed, problem]) => this.check(failed, problem)).every((passed) => passed);
  }

  /** Records the problem if the value is an unresolved token; returns whether it is a literal. */
  public requireLiteral(value: unknown, problem: string): boolean {
    return this.check(!isLiteral(value), problem);
  }

  /** Records one problem naming the props that are set though they do not apply, if there are any. */
  public rejectStray<T extends object>(props: T, names: ReadonlyArray<keyof T & string>, problem: (stray: string[]) => string): boolean {
    const stray = strayProps(props, names);
    return this.check(stray.length > 0, () => problem(stray));
  }

  /** Whether no problem was recorded so far. */
  public get ok(): boolean {
    return this.problems.length === 0;
  }

  /** Throws one error with every problem recorded, if there is any. */
  public throwIfAny(): void {
    if (!this.ok) throw new MoodleValidationError(this.construct, [...this.problems]);
  }
}

/** Checks every rule of a construct and throws one error with all that failed. */
export function check(construct: string, rules: readonly Rule[]): void {
  const validator = new Validator(construct);
  validator.checkAll(rules);
  validator.throwIfAny();
}

/** Throws at once, for a problem that makes further checks meaningless. */
export function fail(construct: string, problem: string): never {
  throw new MoodleValidationError(construct, [problem]);
}

/** Whether none of the values is an unresolved token (only literals can be judged at synth time). */
export function isLiteral(...values: unknown[]): boolean {
  return !values.some((value) => Token.isUnresolved(value));
}

/** The names of the props that are set (not undefined), in the order given. */
export function strayProps<T extends object>(props: T, names: ReadonlyArray<keyof T & string>): string[] {
  return names.filter((name) => props[name] !== undefined);
}

/** 'is' for one name, 'are' for several: "X, Y are set but ...". */
export function isOrAre(names: readonly unknown[]): 'is' | 'are' {
  return names.length > 1 ? 'are' : 'is';
}

/** The numbers of a dotted version ('8.4.8' -> [8, 4, 8]). */
export function versionParts(version: string): number[] {
  return version.split('.').map((part) => Number.parseInt(part, 10)).filter((part) => !Number.isNaN(part));
}

/** Negative, zero or positive as version a is older than, the same as or newer than b (missing parts count as 0). */
export function compareVersions(a: readonly number[], b: readonly number[]): number {
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    const diff = (a[i] ?? 0) - (b[i] ?? 0);
    if (diff !== 0) return diff;
  }
  return 0;
}
