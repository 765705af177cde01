/**
 * The progress of training, over epochs: the bar starts at the first finished epoch (so its
 * first rate is measured, not one epoch over a millisecond) and ends at 100% with how training
 * ended, early stopping included ("stopped early at epoch 85, best 45").
 */
import type { TrainingRecord } from "../rm/checkpoint.js";
import type { EpochStats } from "../rm/train-options.js";
import { createProgress, type Progress } from "./progress.js";

export interface TrainingProgress {
  onEpoch(stats: EpochStats): void;
  /** Training finished: the bar at 100% with the reason it ended. */
  finish(training: Pick<TrainingRecord, "epochs_run" | "max_epochs" | "best_epoch">): void;
  /** Training failed: the bar ends where it is. */
  stop(): void;
}

export function trainingProgress(label: string, maxEpochs: number, stream?: NodeJS.WriteStream): TrainingProgress {
  let bar: Progress | undefined;
  return {
    onEpoch(stats) {
      bar ??= createProgress({ label, total: maxEpochs, start: stats.epoch - 1, stream });
      bar.update(stats.epoch);
    },
    finish(training) {
      bar?.finish(endReason(training));
    },
    stop: () => bar?.stop(),
  };
}

export function endReason({
  epochs_run,
  max_epochs,
  best_epoch,
}: Pick<TrainingRecord, "epochs_run" | "max_epochs" | "best_epoch">): string {
  return epochs_run < max_epochs
    ? `stopped early at epoch ${epochs_run}, best ${best_epoch}`
    : `all ${epochs_run} epochs, best ${best_epoch}`;
}
