/**
 * `medrubric verdicts list|remove`: the cached verdicts of a store (SQLite file or Postgres), chosen
 * by judge model, grader prompt version, a substring of the criterion's text and age. `remove`
 * makes later runs ask the judge again for those verdicts (a judge or prompt found wrong, a
 * criterion reworded); `--dry-run` only counts. Verdicts cached before the criterion's text was
 * kept never match --criterion.
 */
import { type Command, InvalidArgumentError } from "commander";
import { UsageError } from "../core/errors.js";
import { checkStoreExists, openStore, STORE_OPTION_HELP } from "../store/open-store.js";
import type { ListedVerdict, Store, VerdictFilter } from "../store/store.js";
import { integerIn } from "./flag-ranges.js";

interface FilterFlags {
  store?: string;
  judgeModel?: string;
  promptVersion?: string;
  criterion?: string;
  olderThan?: number;
}

const UNITS_MS: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };

/** `90s`, `30m`, `12h`, `7d`, `2w` in milliseconds. */
export function parseAge(value: string): number {
  const match = /^(\d+(?:\.\d+)?)([smhdw])$/.exec(value.trim());
  const ms = match ? Number(match[1]) * (UNITS_MS[match[2] as string] as number) : Number.NaN;
  if (!(ms > 0)) throw new InvalidArgumentError("expected an age > 0 such as 90s, 30m, 12h, 7d or 2w");
  return ms;
}

function addFilterOptions(command: Command): Command {
  return command
    .option("--store <file-or-url>", STORE_OPTION_HELP)
    .option("--judge-model <name>", "only verdicts of this judge model")
    .option("--prompt-version <version>", "only verdicts of this grader prompt version")
    .option("--criterion <text>", "only verdicts whose criterion contains this text (case-sensitive)")
    .option("--older-than <age>", "only verdicts cached at least this long ago (90s, 30m, 12h, 7d, 2w)", parseAge);
}

const filterOf = (flags: FilterFlags): VerdictFilter => ({
  judgeModel: flags.judgeModel,
  promptVersion: flags.promptVersion,
  criterionText: flags.criterion,
  olderThanMs: flags.olderThan,
});

/** Opens an existing store: listing or removing must never create an empty SQLite file where a path was mistyped. */
async function openExisting(flags: FilterFlags): Promise<Store> {
  checkStoreExists(flags);
  return openStore(flags);
}

async function withStore<T>(flags: FilterFlags, use: (store: Store) => Promise<T>): Promise<T> {
  const store = await openExisting(flags);
  try {
    return await use(store);
  } finally {
    await store.close();
  }
}

const counted = (n: number) => `${n} cached verdict${n === 1 ? "" : "s"}`;

function formatVerdict(verdict: ListedVerdict): string {
  const met = verdict.criteria_met ? "met" : "not met";
  return `${verdict.createdAt}  ${verdict.judgeModel}  ${verdict.promptVersion}  ${met}  ${verdict.criterion ?? "(criterion not kept)"}`;
}

export function registerVerdicts(program: Command): void {
  const verdicts = program.command("verdicts").description("list or remove the store's cached judge verdicts");

  addFilterOptions(verdicts.command("list").description("list cached verdicts, oldest first"))
    .option("--limit <n>", "verdicts shown at most", integerIn(1, 1_000_000), 100)
    .option("--json", 'print {"count", "more", "verdicts": [{key, judgeModel, promptVersion, criterion, criteria_met, createdAt}]}')
    .action(async (flags: FilterFlags & { limit: number; json?: boolean }) => {
      await withStore(flags, async (store) => {
        // One more than shown says whether more match.
        const found = await store.listVerdicts(filterOf(flags), flags.limit + 1);
        const shown = found.slice(0, flags.limit);
        const more = found.length > flags.limit;
        if (flags.json) {
          process.stdout.write(`${JSON.stringify({ count: shown.length, more, verdicts: shown })}\n`);
          return;
        }
        for (const verdict of shown) process.stdout.write(`${formatVerdict(verdict)}\n`);
        process.stdout.write(`${counted(shown.length)} in ${store.location}${more ? ` (more match: raise --limit)` : ""}\n`);
      });
    });

  addFilterOptions(verdicts.command("remove").description("remove cached verdicts, so later runs ask the judge again"))
    .option("--all", "remove every cached verdict (required when no filter is given)")
    .option("--dry-run", "count what would be removed, remove nothing")
    .action(async (flags: FilterFlags & { all?: boolean; dryRun?: boolean }) => {
      const filter = filterOf(flags);
      if (!flags.all && Object.values(filter).every((value) => value === undefined))
        throw new UsageError("verdicts remove: give a filter (--judge-model, --prompt-version, --criterion, --older-than) or --all");
      await withStore(flags, async (store) => {
        const n = await store.removeVerdicts(filter, { dryRun: flags.dryRun });
        process.stdout.write(
          flags.dryRun ? `would remove ${counted(n)} from ${store.location} (dry run)\n` : `removed ${counted(n)} from ${store.location}\n`,
        );
      });
    });
}
