/** Runs Python code with the verl adapter (adapters/verl) importable; a missing python3 fails the test, it is never skipped. */
import { join } from "node:path";
import { runCommand } from "./run-command.js";
import { projectRoot } from "./shared-data.js";

export function runWithVerlAdapter(code: string, env: NodeJS.ProcessEnv) {
  // No __pycache__ written into adapters/.
  const pythonEnv = { PYTHONPATH: join(projectRoot, "adapters/verl"), PYTHONDONTWRITEBYTECODE: "1", ...env };
  return runCommand("python3", ["-c", code], { env: pythonEnv }).catch((error: NodeJS.ErrnoException) => {
    throw error.code === "ENOENT" ? new Error("python3 not found on the PATH: the verl adapter test needs it") : error;
  });
}
