/**
 * Whether P(met) can be read as a probability: of the criteria given P(met) = p, about p should
 * be met. Expected calibration error over ten equal-width bins (the share-weighted gap between
 * the mean p and the share met in each bin), the reliability bins themselves (the chart), and
 * how often the model is sure (p >= 0.9 or p <= 0.1) and how often it is right when it is: what
 * hybrid judging, which lets the model answer the criteria it is sure of, relies on.
 */

export interface ReliabilityBin {
  /** Lower edge of the bin: p in [lower, lower + 0.1). */
  lower: number;
  n: number;
  mean_p: number | null;
  met_rate: number | null;
}

export interface Calibration {
  ece: number;
  /** Share of criteria with p >= SURE or p <= 1 - SURE, and the accuracy of those verdicts. */
  sure_share: number;
  sure_accuracy: number | null;
  bins: ReliabilityBin[];
}

export const SURE = 0.9;
const BINS = 10;

export function calibration(judged: readonly { met: boolean; p: number }[]): Calibration {
  const bins = Array.from({ length: BINS }, (_, i) => ({ lower: i / BINS, n: 0, p: 0, met: 0 }));
  let sure = 0;
  let sureRight = 0;
  for (const { met, p } of judged) {
    const bin = bins[Math.min(BINS - 1, Math.floor(p * BINS))] as (typeof bins)[number];
    bin.n++;
    bin.p += p;
    bin.met += met ? 1 : 0;
    if (p >= SURE || p <= 1 - SURE) {
      sure++;
      if (met === p >= 0.5) sureRight++;
    }
  }
  const n = Math.max(1, judged.length);
  return {
    ece: bins.reduce((sum, b) => sum + (b.n === 0 ? 0 : (b.n / n) * Math.abs(b.p / b.n - b.met / b.n)), 0),
    sure_share: sure / n,
    sure_accuracy: sure === 0 ? null : sureRight / sure,
    bins: bins.map((b) => ({
      lower: b.lower,
      n: b.n,
      mean_p: b.n === 0 ? null : b.p / b.n,
      met_rate: b.n === 0 ? null : b.met / b.n,
    })),
  };
}
