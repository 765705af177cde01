/**
 * f with its results kept by argument: for values needed many times within one call. With a
 * `limit`, the kept results are dropped all at once when there are that many, so a cache that
 * lives as long as the process (a server's) stays bounded.
 */
export function memo<K, T>(f: (key: K) => T, limit = Number.POSITIVE_INFINITY): (key: K) => T {
  const seen = new Map<K, T>();
  return (key) => {
    let value = seen.get(key);
    if (value === undefined) {
      if (seen.size >= limit) seen.clear();
      value = f(key);
      seen.set(key, value);
    }
    return value;
  };
}
