import { describe, expect, it } from "vitest";
import { exampleSchema } from "./schema.js";

const example = (points: number[]) => ({
  prompt_id: "p",
  prompt: [{ role: "user", content: "q" }],
  rubrics: points.map((p, i) => ({ criterion: `c${i}`, points: p })),
});

describe("exampleSchema rubric points", () => {
  it("accepts points whose every score stays finite, however unusual", () => {
    expect(exampleSchema.safeParse(example([10, -5, 3])).success).toBe(true);
    expect(exampleSchema.safeParse(example([1e6, -1e6, 1e-6])).success).toBe(true);
  });

  it.each([
    ["sum overflows", [1e308, 1e308]],
    ["a score overflows", [1e-300, -1e300]],
  ])("refuses points that would make a score NaN or infinite (%s), naming the rubrics", (_name, points) => {
    const parsed = exampleSchema.safeParse(example(points));
    expect(parsed.success).toBe(false);
    expect(parsed.error?.issues[0]).toMatchObject({
      path: ["rubrics"],
      message: expect.stringMatching(/^the points are too large to score/),
    });
  });
});
