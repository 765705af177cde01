/** f with its results kept by argument: for values needed many times within one call. */
export function memo<K, T>(f: (key: K) => T): (key: K) => T {
  const seen = new Map<K, T>();
  return (key) => {
    let value = seen.get(key);
    if (value === undefined) {
      value = f(key);
      seen.set(key, value);
    }
    return value;
  };
}
