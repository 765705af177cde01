import { describe, expect, it } from "vitest";
import { capturedStream as captured } from "../../test/captured-stream.js";
import { endReason, trainingProgress } from "./training-progress.js";

const stats = (epoch: number) => ({
  epoch,
  trainLoss: 1,
  validationLoss: 1,
  validationAgreement: 0.5,
  validationPairAccuracy: null,
  validationTripleAccuracy: 0.5,
});

describe("trainingProgress", () => {
  it("ends at 100% with the early-stop reason, not at the share of the most epochs", () => {
    const out = captured(false);
    const progress = trainingProgress("training", 150, out.stream);
    for (let epoch = 1; epoch <= 85; epoch++) progress.onEpoch(stats(epoch));
    progress.finish({ epochs_run: 85, max_epochs: 150, best_epoch: 45 });
    const last = out.text().trim().split("\n").at(-1);
    expect(last).toMatch(/^training: 100% 85\/85( .*)? \(stopped early at epoch 85, best 45\)$/);
    expect(out.text()).not.toMatch(/1000\/s/);
  });

  it("says how training ended", () => {
    expect(endReason({ epochs_run: 85, max_epochs: 150, best_epoch: 45 })).toBe("stopped early at epoch 85, best 45");
    expect(endReason({ epochs_run: 150, max_epochs: 150, best_epoch: 150 })).toBe("all 150 epochs, best 150");
  });
});
