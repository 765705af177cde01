#!/usr/bin/env node
/** The `medrubric` executable: runs the program (program.ts) and exits with its code. */
import { runCli } from "./program.js";

process.exitCode = await runCli(process.argv);
