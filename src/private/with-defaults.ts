/** Defaults overlaid with every value given (a given value wins, even `false` or 0; `undefined` does not count). */
export function withDefaults<T extends object>(defaults: T, given: Partial<T> | undefined): T {
  const explicit = Object.fromEntries(Object.entries(given ?? {}).filter(([, value]) => value !== undefined));
  return { ...defaults, ...explicit } as T;
}
