/**
 * Lease owners: one per process and use, named host:pid:uuid, so that a lease left by a process
 * that died on this host can be taken at once instead of waiting for it to lapse.
 */
import { randomUUID } from "node:crypto";
import { hostname } from "node:os";

export function leaseOwner(): string {
  return `${hostname()}:${process.pid}:${randomUUID()}`;
}

/** True when the owner (host:pid:...) names this host. */
export function isLocalOwner(owner: string): boolean {
  return owner.split(":")[0] === hostname();
}

/** True only when the owner ran on this host and its process is gone (a killed run); any doubt keeps the lease. */
export function isDeadLocalOwner(owner: string): boolean {
  const pid = owner.split(":")[1];
  if (!isLocalOwner(owner) || !/^\d+$/.test(pid ?? "")) return false;
  try {
    process.kill(Number(pid), 0);
    return false;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "ESRCH";
  }
}
