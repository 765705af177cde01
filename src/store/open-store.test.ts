import { describe, expect, it } from "vitest";
import { DEFAULT_STORE, storePath } from "./open-store.js";

describe("storePath", () => {
  it("takes the flag, then $MEDRUBRIC_STORE, then the default", () => {
    expect(storePath({ store: "flag.sqlite" }, { MEDRUBRIC_STORE: "env.sqlite" })).toBe("flag.sqlite");
    expect(storePath({}, { MEDRUBRIC_STORE: "env.sqlite" })).toBe("env.sqlite");
    expect(storePath({}, { MEDRUBRIC_STORE: "" })).toBe(DEFAULT_STORE);
    expect(storePath({}, {})).toBe(".medrubric/store.sqlite");
  });
});
