/**
 * The learning hybrid's settings that are not flags, with the flags' defaults beside them: chosen
 * by cross-validation by prompt on the training folds of the shared graded file
 * (bench/hybrid.bench.ts --tune; BENCHMARKS.md, issue 29), never on the figures reported.
 */
export const HYBRID_DEFAULTS = {
  /** How fast a verdict's weight falls as its answer moves away from the new one (verdict-memory.ts). */
  sharpness: 12,
  /** The threshold aims at this share of the budget (the cross-validation found the realised error below the estimate at 1). */
  margin: 1,
  /** Answers whose candidates the threshold is solved over. */
  window: 200,
  /** Answers over which the running error estimate is brought back to margin * E (0: each window aims at margin * E alone). */
  horizon: 200,
  /**
   * The threshold aims with rho + caution x its standard error (error-budget.ts): rho from a hundred
   * audits is noisy, and a low draw let the true error run past E unseen. On the tuning folds (8
   * replays each, seeds 1-4 twice) caution 0 left memory alone over 0.012 in 3 of 8, 1 (4 replays)
   * kept every run within 0.012 at 2-4 points less saved, 0.5 one run at 0.0121 (BENCHMARKS.md,
   * issue 29, third round).
   */
  caution: 0.5,
  /**
   * rho's standard error (the error interval's main part) is the delta method's times this: on the
   * tuning folds the true error fell outside the 95% interval in 4 of 32 replays at 1, 1 of 32 at 1.5
   * (the delta method's z-scores had a root mean square of 1.3).
   */
  ratioSeScale: 1.5,
  /** Never decide a criterion more likely than this to be wrong, however cheap: a coin flip is not a verdict. */
  maxDoubt: 0.2,
  /**
   * The least P(wrong) the hybrid's P(met) claims. The judge disagrees with itself on a few percent
   * of verdicts whatever the evidence, so a P(met) of 0.995 is really about 0.96; claiming more made
   * the surest answers look nearly free, the threshold spend on them, and the true error run past
   * the estimate as the memory filled (BENCHMARKS.md, issue 29, third round).
   */
  doubtFloor: 0.03,
  /** A decided criterion at most this likely wrong counts its verdict; a less sure one P(met) x its points (answer-error.ts). */
  hardDoubt: 0.1,
  /** Judge verdicts seen before the first calibration and so the first decision. */
  minObservations: 200,
  /** The criterion head's per-criterion refit: ridge toward the head as trained, in verdicts' worth (criterion-refit.ts). */
  headRidge: 4,
};

/**
 * Defaults of the hybrid's flags (serve --audit-rate, --refit-every, --refit-seconds,
 * --refit-max-verdicts, --memory-min-verdicts, --memory-limit, --memory-vectors).
 */
export const HYBRID_FLAG_DEFAULTS = {
  auditRate: 0.1,
  refitEvery: 500,
  refitSeconds: 60,
  /** Judge verdicts a refit is fitted on at most (the newest): at 20,000, 0.1-0.5 s of CPU in the refit thread. */
  refitMaxVerdicts: 20_000,
  memoryMinVerdicts: 2,
  memoryLimit: 64,
  /** Answers whose vectors the memory keeps at most (the most recent): 400 bytes each with GloVe, so 80 MB. */
  memoryVectors: 200_000,
};
