/**
 * One folder for the GloVe encoder's converted word vectors across test runs and workers: the
 * first run converts the package's 307 MB JSON (15-40 s on this machine), later ones load the
 * binary file in well under a second. A stale or damaged file is refused and rebuilt by the
 * encoder itself, so sharing it is safe.
 */
import { tmpdir } from "node:os";
import { join } from "node:path";

export const GLOVE_TEST_DIR = join(tmpdir(), "medrubric-test-glove");

/** Long enough for the first conversion on a busy 2-core machine. */
export const GLOVE_CONVERSION_TIMEOUT_MS = 180_000;
