import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { tempDir } from "../../test/temp-dir.js";
import { DEFAULT_STORE, isPostgresUrl, openStore, storePath } from "./open-store.js";

describe("storePath", () => {
  it("takes the flag, then $MEDRUBRIC_STORE, then the default", () => {
    expect(storePath({ store: "flag.sqlite" }, { MEDRUBRIC_STORE: "env.sqlite" })).toBe("flag.sqlite");
    expect(storePath({}, { MEDRUBRIC_STORE: "env.sqlite" })).toBe("env.sqlite");
    expect(storePath({}, { MEDRUBRIC_STORE: "" })).toBe(DEFAULT_STORE);
    expect(storePath({}, {})).toBe(".medrubric/store.sqlite");
  });
});

describe("openStore", () => {
  it("opens a postgres:// or postgresql:// URL as Postgres (here unreachable: a one-line error without the password), anything else as a SQLite file", async () => {
    expect([isPostgresUrl("postgres://h/d"), isPostgresUrl("POSTGRESQL://h/d"), isPostgresUrl("postgres.sqlite")]).toEqual([
      true,
      true,
      false,
    ]);
    for (const scheme of ["postgres", "postgresql"])
      await expect(openStore({ store: `${scheme}://u:hunter2@127.0.0.1:1/db` })).rejects.toMatchObject({
        name: "NetworkError",
        message: expect.stringMatching(new RegExp(`^${scheme}://u@127\\.0\\.0\\.1:1/db: the store is unreachable: [^\\n]*$`)),
      });
    const file = join(await tempDir(), "store.sqlite");
    const store = await openStore({ store: file });
    expect(store.location).toBe(file);
    await store.close();
  });
});
