/**
 * Runs left "running" by a process that is gone (killed, or its host lost). Each run records its
 * owner, host:pid, and a heartbeat its store renews while the run is open; a store being opened
 * marks interrupted the runs whose owner is a dead process on this host (at once: the pid says
 * so) and, of other hosts, those whose heartbeat is older than a bound (a pid there cannot be
 * checked). Both backends use these rules; only the SQL around them is theirs.
 */
import { hostname } from "node:os";
import { isDeadLocalOwner, isLocalOwner } from "./lease-owner.js";
import type { RunLivenessOptions } from "./store.js";

export const DEFAULT_RUN_HEARTBEAT_MS = 60_000;
/** Five missed heartbeats: a run on another host that long silent is taken to be gone. */
export const DEFAULT_STALE_RUN_MS = 5 * DEFAULT_RUN_HEARTBEAT_MS;

/** This process as the owner of the runs it starts. */
export function runOwner(): string {
  return `${hostname()}:${process.pid}`;
}

export interface RunningRun {
  id: string;
  /** Null for runs written before owners were recorded: only their age speaks for them. */
  owner: string | null;
  heartbeatAgeMs: number;
}

/** The ids of the running runs that are gone, by the rules above. */
export function interruptedRunIds(runs: readonly RunningRun[], options: RunLivenessOptions): string[] {
  const staleMs = options.staleRunMs ?? DEFAULT_STALE_RUN_MS;
  return runs
    .filter((run) => (run.owner && isLocalOwner(run.owner) ? isDeadLocalOwner(run.owner) : run.heartbeatAgeMs > staleMs))
    .map((run) => run.id);
}

export interface RunHeartbeat {
  add(runId: string): void;
  remove(runId: string): void;
  stop(): void;
}

/** Renews, every `runHeartbeatMs`, the heartbeat of the runs added and not yet removed; never keeps the process alive. */
export function startRunHeartbeat(renew: (runIds: readonly string[]) => Promise<void>, options: RunLivenessOptions): RunHeartbeat {
  const open = new Set<string>();
  // A failed renewal is not fatal: the next one, or the run's own writes, meet the same store.
  const timer = setInterval(() => {
    if (open.size > 0) renew([...open]).catch(() => {});
  }, options.runHeartbeatMs ?? DEFAULT_RUN_HEARTBEAT_MS);
  timer.unref();
  return {
    add: (runId) => open.add(runId),
    remove: (runId) => open.delete(runId),
    stop: () => clearInterval(timer),
  };
}
