/**
 * A process that starts a run on a store and exits without finishing it, as a killed `grade`
 * would: `node --import tsx test/start-run-and-exit.ts STORE [STAY_MS]` prints the run's id, keeps
 * the run's heartbeat going every 100 ms for STAY_MS (default 0), then exits at once (no close).
 */
import { openStore } from "../src/store/open-store.js";

const [store, stayMs = "0"] = process.argv.slice(2);
const opened = await openStore({ store }, { runHeartbeatMs: 100 });
const run = await opened.startRun("killed-run", { kind: "grade", config: {}, dataHash: "d", judgeModel: "j", promptVersion: "p" });
process.stdout.write(`${run.id}\n`);
setTimeout(() => process.exit(0), Number(stayMs));
