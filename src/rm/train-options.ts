/**
 * The GPRC training settings and their defaults, apart from the trainer so that reading them
 * (e.g. for the CLI's flag defaults) does not load tfjs.
 */

export interface Lambdas {
  axis: number;
  perp: number;
  inv: number;
  abs: number;
}

export const DEFAULT_LAMBDAS: Lambdas = { axis: 0.5, perp: 0.5, inv: 0.1, abs: 1 };

export interface TrainOptions {
  seed: number;
  hidden: number;
  latent: number;
  /** Width r of the reading's query and key projections. */
  attention: number;
  lambdas: Lambdas;
  margin: number;
  learningRate: number;
  /** Answers per step (whole prompts, so a little more). */
  batchSize: number;
  /** Smallest rubric-score gap of a preference pair between graded answers. */
  minGap: number;
  /** Most parts read of one answer. */
  maxParts: number;
  maxEpochs: number;
  patience: number;
  validationShare: number;
  onEpoch?: (stats: EpochStats) => void;
}

export const DEFAULT_TRAIN_OPTIONS: Omit<TrainOptions, "onEpoch"> = {
  seed: 0,
  hidden: 64,
  latent: 16,
  attention: 16,
  lambdas: DEFAULT_LAMBDAS,
  margin: 0.5,
  learningRate: 1e-3,
  batchSize: 64,
  minGap: 0.1,
  maxParts: 48,
  maxEpochs: 150,
  patience: 10,
  validationShare: 0.2,
};

export interface EpochStats {
  epoch: number;
  trainLoss: number;
  validationLoss: number | null;
  /** The mean of the validation pair and triple accuracies that exist: what early stopping follows. */
  validationAgreement: number | null;
  validationPairAccuracy: number | null;
  validationTripleAccuracy: number | null;
}
