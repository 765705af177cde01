/**
 * The bundled seed set and what the embedded default trains on: the authored units plus the
 * offline degradations of their good answers, and a split by question so that held-out
 * evaluation never sees a question the model was trained (or early-stopped) on.
 */
import { seededSplitBy } from "../core/random.js";
import { packageFile } from "../io/package-files.js";
import { createKeywordClassifier } from "../standards/keyword-classifier.js";
import type { LoadedStandard } from "../standards/load-standards.js";
import { type DegradeContext, degradeRow } from "./degrade/degrade-units.js";
import { loadUnits, type Unit } from "./unit.js";

export const SEED_UNITS = "data/seed/units.jsonl";

export const loadSeedUnits = (): Promise<Unit[]> => loadUnits([packageFile(SEED_UNITS)]);

/** What makes two units the same question: their whole prompt. */
export const questionKey = (unit: Unit) => JSON.stringify(unit.prompt);

/** Rule-based units from the good answer of every distinct question (see docs/synthetic-data.md). */
function degradeGoodAnswers(units: readonly Unit[], context: DegradeContext): Unit[] {
  const questions = new Map(units.map((u) => [questionKey(u), u]));
  return [...questions.values()].flatMap(
    (u) =>
      degradeRow(
        { id: u.id.replace(/:[^:]*$/, ""), prompt: u.prompt, good: u.good, scenario: u.scenario, discipline: u.discipline },
        context,
      ).units,
  );
}

/** Units split by question: a seeded `share` of the questions, with all their units, is held out. */
export const splitUnitsByQuestion = (units: readonly Unit[], share: number, seed: number) => seededSplitBy(units, questionKey, share, seed);

/**
 * What the embedded default trains and evaluates on: the seed units plus the degradations of their
 * good answers, split by question (`heldOutShare` of them held out, chosen by `seed`).
 */
export async function seedTrainingSplit(loaded: LoadedStandard, heldOutShare: number, seed: number) {
  const authored = await loadSeedUnits();
  const degraded = degradeGoodAnswers(authored, {
    standard: loaded.standard,
    standardsHash: loaded.hash,
    classifier: createKeywordClassifier(loaded.standard),
  });
  return { authored: authored.length, degraded: degraded.length, ...splitUnitsByQuestion([...authored, ...degraded], heldOutShare, seed) };
}
