/**
 * A process that looks like it runs on another machine: in a UTS namespace of its own (unshare),
 * with another hostname, so leases and runs it owns are another host's (their pid cannot be
 * checked from here). Sharing this machine's network and files, it reaches the same store.
 * Needs root, or user namespaces for `--map-root-user`.
 */
export function onOtherHost(hostname: string, command: string, args: readonly string[]): [string, string[]] {
  const root = process.getuid?.() === 0;
  return [
    "unshare",
    ["--uts", ...(root ? [] : ["--map-root-user"]), "sh", "-c", `hostname ${hostname} && exec "$@"`, "sh", command, ...args],
  ];
}
