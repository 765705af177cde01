import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { capturedStream as captured } from "../../test/captured-stream.js";
import { createProgress, formatBytes } from "./progress.js";

describe("createProgress", () => {
  beforeEach(() => {
    vi.useFakeTimers({ toFake: ["Date"] });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it("writes plain lines with percentage, rate and ETA off a terminal", () => {
    const out = captured(false);
    const progress = createProgress({ label: "file", total: 2_000_000, unit: "bytes", stream: out.stream, intervalMs: 0 });
    vi.advanceTimersByTime(2000);
    progress.update(1_000_000);
    progress.stop();
    const lines = out.text().trim().split("\n");
    expect(lines[0]).toBe("file: 50% 1.0 MB/2.0 MB 500.0 kB/s ETA 2s");
    expect(lines).toHaveLength(2);
  });

  it("shows no rate until a second has passed: one item in a millisecond is not 1000/s", () => {
    const out = captured(false);
    const progress = createProgress({ label: "training", total: 150, start: 0, stream: out.stream, intervalMs: 0 });
    vi.advanceTimersByTime(1);
    progress.update(1);
    vi.advanceTimersByTime(1999);
    progress.update(2);
    expect(out.text().trim().split("\n")).toEqual(["training: 0% 1/150", "training: 1% 2/150 1/s ETA 148s"]);
  });

  it("gives the time each item takes when there is less than one a second (training epochs)", () => {
    const out = captured(false);
    const progress = createProgress({ label: "training", total: 150, stream: out.stream, intervalMs: 0 });
    vi.advanceTimersByTime(11_000);
    progress.update(2);
    expect(out.text().trim()).toBe("training: 1% 2/150 5.5 s each ETA 814s");
  });

  it("throttles plain lines", () => {
    const out = captured(false);
    const progress = createProgress({ label: "rows", total: 100, stream: out.stream, intervalMs: 60_000 });
    for (let i = 1; i <= 100; i++) progress.update(i);
    progress.stop();
    expect(out.text().trim().split("\n")).toEqual([
      expect.stringMatching(/^rows: 1% 1\/100/),
      expect.stringMatching(/^rows: 100% 100\/100/),
    ]);
  });

  it("finishes work that ended early at 100%, with the reason, on a terminal and off one", () => {
    for (const isTTY of [false, true]) {
      const out = captured(isTTY);
      const progress = createProgress({ label: "training", total: 150, stream: out.stream, intervalMs: 60_000 });
      for (let epoch = 1; epoch <= 44; epoch++) progress.update(epoch);
      progress.finish("stopped early at epoch 44, best 4");
      expect(out.text()).toContain("100% 44/44");
      expect(out.text()).toContain("(stopped early at epoch 44, best 4)");
      expect(out.text()).not.toContain("29%");
    }
  });
});

describe("formatBytes", () => {
  it("uses decimal units", () => {
    expect(formatBytes(999)).toBe("999 B");
    expect(formatBytes(60_258_154)).toBe("60.3 MB");
  });
});
