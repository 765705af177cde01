// The Examples section of a medrubric report (src/report/examples-section.ts embeds this file):
// reads the gzip+base64 data embedded beside it, and lists the examples with a filter, sorting and
// a detail view per row. Rows are made 100 at a time as the reader scrolls, and a row's detail when
// it is opened, so a run of thousands of answers opens at once. Every text from the data (answers,
// explanations: untrusted) reaches the page as a text node, never as HTML.

(async () => {
  const PAGE = 100;
  const root = document.getElementById("ex-root");
  const status = document.getElementById("ex-status");

  /** An element with attributes (`text` sets its text) and children (strings become text nodes). */
  const el = (tag, attrs, ...children) => {
    const e = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs ?? {})) {
      if (k === "text") e.textContent = v;
      else if (v !== undefined && v !== null && v !== false) e.setAttribute(k, v === true ? "" : v);
    }
    for (const c of children) if (c !== undefined && c !== null) e.append(c);
    return e;
  };

  /** A gzip+base64 block embedded in the page, as JSON. */
  const unpack = async (element) => {
    const packed = element.textContent.trim();
    const bytes = Uint8Array.fromBase64 ? Uint8Array.fromBase64(packed) : Uint8Array.from(atob(packed), (c) => c.charCodeAt(0));
    return JSON.parse(await new Response(new Blob([bytes]).stream().pipeThrough(new DecompressionStream("gzip"))).text());
  };
  const dataElement = document.getElementById("ex-data");
  let data;
  try {
    data = await unpack(dataElement);
  } catch (error) {
    status.textContent = `This browser could not read the examples (${error.message}); a current Chromium, Firefox or Safari can.`;
    return;
  }

  // The answers' and explanations' texts, a block at a time: when a row is opened, for a text search, and in the background.
  const BLOCK = Number(dataElement.dataset.block);
  const textElements = [...document.querySelectorAll("script.ex-texts")];
  const blocks = textElements.map(() => null);
  const answerText = new Array(data.answers.length);
  const textBlock = (k) => {
    blocks[k] ??= unpack(textElements[k]).then((texts) => {
      // Lower-cased for searching now, a block at a time, rather than all at the first search.
      texts.forEach((t, i) => {
        answerText[k * BLOCK + i] = t;
        answerHay(k * BLOCK + i);
      });
    });
    return blocks[k];
  };
  const textsOf = async (...answerIds) => {
    await Promise.all(answerIds.filter((i) => i >= 0).map((i) => textBlock(Math.floor(i / BLOCK))));
  };
  let allTexts;
  let allRead = textElements.length === 0;
  const readAllTexts = () => {
    allTexts ??= textElements
      .reduce((done, _, k) => done.then(() => textBlock(k)), Promise.resolve())
      .then(() => {
        allRead = true;
        performance.mark("medrubric:texts-read");
      });
    return allTexts;
  };

  // Long steps end with a pause, so the page answers the reader between them.
  const pause = () => new Promise((resolve) => setTimeout(resolve));
  await pause();
  const S = data.strings;
  const runs = data.runs;
  const two = runs.length === 2;
  const anyRewards = runs.some((r) => r.rewards);
  const VERDICT = { 1: "met", 0: "not met", "-1": "judge failure" };
  const fmt = (x) => (typeof x === "number" ? x.toFixed(3) : "-");

  /** The criteria of an answer: [criterion id, verdict, P(met), explanation (once its texts are read)]. */
  const criteriaOf = (a, i = -1) =>
    a ? data.rubrics[a.u].map((c, j) => [c, a.v[j], a.r ? a.r[j] : undefined, answerText[i]?.[1][j]]) : [];
  const disagrees = (a) => Boolean(a?.r) && a.v.some((v, j) => v !== -1 && a.r[j] >= 0.5 !== (v === 1));

  const rows = data.rows.map(([id, tagIds, ai, bi]) => {
    const a = ai >= 0 ? data.answers[ai] : null;
    const b = bi >= 0 ? data.answers[bi] : null;
    const some = a ?? b;
    const tags = tagIds.map((t) => S[t]);
    const theme = tags.find((t) => t.startsWith("theme:"))?.slice(6) ?? "";
    const allTags = new Set(tags);
    for (const ans of [a, b]) for (const [c] of criteriaOf(ans)) for (const t of data.criteria[c][2]) allTags.add(S[t]);
    const conv = data.convs[some.c];
    const firstUser = S[(conv.find(([role]) => role === "user") ?? conv[0])[1]];
    let differ = false;
    if (a && b) {
      const byCriterion = new Map(criteriaOf(b).map(([c, v]) => [c, v]));
      differ = criteriaOf(a).some(([c, v]) => byCriterion.has(c) && v !== -1 && byCriterion.get(c) !== -1 && byCriterion.get(c) !== v);
    }
    const diff = a && b && typeof a.s === "number" && typeof b.s === "number" ? b.s - a.s : null;
    return {
      id,
      ai,
      bi,
      a,
      b,
      set: a && b ? "both" : a ? "first" : "second",
      theme,
      tags: allTags,
      firstUser,
      differ,
      disagree: disagrees(a) || disagrees(b),
      score: { a: a?.s ?? null, b: b?.s ?? null, diff },
    };
  });

  await pause();
  // What a text search looks in, lower-cased once: each conversation and rubric (shared by the
  // answers to a prompt) and each answer with its explanations.
  const lower = new Map();
  const lowered = (kind, i, make) => {
    const key = `${kind}${i}`;
    let text = lower.get(key);
    if (text === undefined) {
      text = make().toLowerCase();
      lower.set(key, text);
    }
    return text;
  };
  const answerHay = (i) =>
    i < 0
      ? ""
      : lowered("a", i, () => {
          const [turns, explanations] = answerText[i];
          return `${turns.map(([, t]) => t).join("\n")}\n${explanations.join("\n")}`;
        });
  const answerMatches = (ans, i, q) =>
    ans !== null &&
    (lowered("c", ans.c, () => data.convs[ans.c].map(([, t]) => S[t]).join("\n")).includes(q) ||
      lowered("u", ans.u, () => data.rubrics[ans.u].map((c) => S[data.criteria[c][0]]).join("\n")).includes(q) ||
      answerHay(i).includes(q));
  const matchesText = (r, q) => r.id.toLowerCase().includes(q) || answerMatches(r.a, r.ai, q) || answerMatches(r.b, r.bi, q);

  // Controls.
  const option = (value, label) => el("option", { value, text: label });
  const count = (set) => rows.filter((r) => r.set === set).length;
  const view = two
    ? el(
        "select",
        { id: "ex-view", "aria-label": "which examples" },
        option("both", `in both runs (${count("both")})`),
        option("first", `only in ${runs[0].name} (${count("first")})`),
        option("second", `only in ${runs[1].name} (${count("second")})`),
      )
    : null;
  const text = el("input", { id: "ex-text", type: "search", placeholder: "text in prompt, answers, criteria, explanations", size: 40 });
  const sorted = (set) => [...set].sort();
  const tagSelect = el(
    "select",
    { id: "ex-tag", "aria-label": "tag" },
    option("", "any tag"),
    ...sorted(new Set(rows.flatMap((r) => [...r.tags]))).map((t) => option(t, t)),
  );
  const themeSelect = el(
    "select",
    { id: "ex-theme", "aria-label": "theme" },
    option("", "any theme"),
    ...sorted(new Set(rows.map((r) => r.theme).filter(Boolean))).map((t) => option(t, t)),
  );
  const scoreOf = two
    ? el(
        "select",
        { id: "ex-score-of", "aria-label": "score range applies to" },
        option("a", `score of ${runs[0].name}`),
        option("b", `score of ${runs[1].name}`),
        option("diff", "difference"),
      )
    : null;
  const min = el("input", { id: "ex-min", type: "number", step: "0.05", placeholder: "min", "aria-label": "lowest score" });
  const max = el("input", { id: "ex-max", type: "number", step: "0.05", placeholder: "max", "aria-label": "highest score" });
  const differBox = two ? el("input", { id: "ex-differ", type: "checkbox" }) : null;
  const disagreeBox = anyRewards ? el("input", { id: "ex-disagree", type: "checkbox" }) : null;
  const sortKey = el(
    "select",
    { id: "ex-sort", "aria-label": "sort by" },
    option("id", "prompt id"),
    option("a", two ? `score of ${runs[0].name}` : "score"),
    ...(two ? [option("b", `score of ${runs[1].name}`), option("diff", "difference"), option("absdiff", "size of the difference")] : []),
  );
  const sortDir = el("select", { id: "ex-dir", "aria-label": "sort order" }, option("asc", "ascending"), option("desc", "descending"));
  const countLine = el("p", { id: "ex-count", "aria-live": "polite" });
  const label = (...children) => el("label", null, ...children);
  root.replaceChildren(
    el(
      "div",
      { class: "ex-controls" },
      view ? label("show ", view) : null,
      label("text ", text),
      label(tagSelect),
      label(themeSelect),
      label(scoreOf ?? "score", " from ", min, " to ", max),
      differBox ? label(differBox, " verdicts differ") : null,
      disagreeBox ? label(disagreeBox, " model and judge disagree (P(met) ≥ 0.5 against the verdict)") : null,
      label("sort by ", sortKey, " ", sortDir),
    ),
    countLine,
  );
  const heads = ["prompt id", "theme", "first user turn", two ? `score ${runs[0].name}` : "score"];
  if (two) heads.push(`score ${runs[1].name}`, "difference");
  const tbody = el("tbody");
  const tableEl = el(
    "table",
    { class: "ex-table", id: "ex-table" },
    el("thead", null, el("tr", null, ...heads.map((h) => el("th", { text: h })))),
    tbody,
  );
  const more = el("button", { id: "ex-more", type: "button" });
  root.append(tableEl, more);

  // Filtering, sorting, and rows made a page at a time.
  let matched = [];
  let shown = 0;
  let generation = 0;
  const number = (input) => (input.value === "" ? null : Number(input.value));
  const apply = async () => {
    const set = view ? view.value : "first";
    const q = text.value.trim().toLowerCase();
    const current = ++generation;
    if (q && !allRead) {
      countLine.textContent = "reading the answers and explanations to search them…";
      await readAllTexts();
      if (current !== generation) return;
    }
    const tag = tagSelect.value;
    const theme = themeSelect.value;
    const lo = number(min);
    const hi = number(max);
    const of = scoreOf ? scoreOf.value : "a";
    matched = rows.filter((r) => {
      if (r.set !== set) return false;
      if (tag && !r.tags.has(tag)) return false;
      if (theme && r.theme !== theme) return false;
      if (lo !== null || hi !== null) {
        const s = r.score[of];
        if (s === null || (lo !== null && s < lo) || (hi !== null && s > hi)) return false;
      }
      if (differBox?.checked && !r.differ) return false;
      if (disagreeBox?.checked && !r.disagree) return false;
      return !q || matchesText(r, q);
    });
    const key = sortKey.value;
    const sign = sortDir.value === "desc" ? -1 : 1;
    const value = (r) => (key === "absdiff" ? (r.score.diff === null ? null : Math.abs(r.score.diff)) : r.score[key]);
    matched.sort((x, y) => {
      if (key === "id") return sign * (x.id < y.id ? -1 : x.id > y.id ? 1 : 0);
      const [vx, vy] = [value(x), value(y)];
      if (vx === null || vy === null) return vx === null ? (vy === null ? 0 : 1) : -1;
      return sign * (vx - vy);
    });
    tbody.replaceChildren();
    shown = 0;
    showMore();
  };
  const showMore = () => {
    const end = Math.min(matched.length, shown + PAGE);
    for (const r of matched.slice(shown, end)) tbody.append(rowElement(r));
    shown = end;
    const all = rows.length.toLocaleString("en");
    countLine.textContent = `${matched.length.toLocaleString("en")} of ${all} examples match; ${shown.toLocaleString("en")} shown`;
    more.textContent = `show ${Math.min(PAGE, matched.length - shown)} more`;
    more.hidden = shown >= matched.length;
  };
  more.addEventListener("click", showMore);
  new IntersectionObserver((entries) => {
    if (entries.some((e) => e.isIntersecting) && shown < matched.length) showMore();
  }).observe(more);

  const shorten = (s, n) => (s.length > n ? `${s.slice(0, n - 1)}…` : s);
  function rowElement(r) {
    const cells = [r.id, r.theme, shorten(r.firstUser.replace(/\s+/g, " "), 140), fmt(r.score.a)];
    if (two) cells.push(fmt(r.score.b), r.score.diff === null ? "-" : (r.score.diff > 0 ? "+" : "") + r.score.diff.toFixed(3));
    const tr = el("tr", { class: r.differ ? "ex-row differ" : "ex-row", tabindex: "0", "aria-expanded": "false" });
    cells.forEach((c, i) => {
      tr.append(el("td", { class: i < 3 ? "text" : "num", text: c }));
    });
    const toggle = () => {
      const open = tr.getAttribute("aria-expanded") === "true";
      tr.setAttribute("aria-expanded", String(!open));
      if (open) {
        tr.nextElementSibling?.remove();
        return;
      }
      const cell = el("td", { colspan: String(heads.length), text: "reading…" });
      tr.after(el("tr", { class: "ex-detail" }, cell));
      textsOf(r.ai, r.bi).then(() => cell.replaceChildren(detail(r)));
    };
    tr.addEventListener("click", toggle);
    tr.addEventListener("keydown", (e) => {
      if (e.key === "Enter" || e.key === " ") {
        e.preventDefault();
        toggle();
      }
    });
    return tr;
  }

  const turns = (list) =>
    list.map(([role, content]) => el("div", { class: "turn" }, el("b", { text: role }), el("div", { class: "say", text: content })));
  const answerBlock = (ans, i, run) =>
    el(
      "div",
      { class: "answer" },
      el("h4", { text: `${run.name}: score ${fmt(ans.s)}${ans.of > 1 ? ` (answer ${ans.n} of ${ans.of} to this prompt)` : ""}` }),
      ...turns(answerText[i][0]),
    );

  function detail(r) {
    const some = r.a ?? r.b;
    const sides = two ? [r.a, r.b] : [r.a];
    const ids = [r.ai, r.bi];
    const answers = sides.map((ans, i) =>
      ans ? answerBlock(ans, ids[i], runs[i]) : el("div", { class: "answer", text: `no answer in ${runs[i].name}` }),
    );
    // Criteria of both answers, matched by criterion (text, points, tags): the first's order, then the second's own.
    const order = [];
    const bySide = sides.map((ans, i) => new Map(criteriaOf(ans, ids[i]).map((row) => [row[0], row])));
    for (const m of bySide) for (const c of m.keys()) if (!order.includes(c)) order.push(c);
    const head = ["", "points", "criterion"];
    for (const [i] of sides.entries()) {
      const name = two ? ` (${runs[i].name})` : "";
      head.push(`verdict${name}`);
      if (runs[i].rewards) head.push(`P(met)${name}`);
      head.push(`explanation${name}`);
    }
    const body = order.map((c) => {
      const [textId, points, tagIds] = data.criteria[c];
      const got = bySide.map((m) => m.get(c));
      const verdicts = got.map((g) => g?.[1]);
      const differ = two && got.every(Boolean) && verdicts.every((v) => v !== -1) && verdicts[0] !== verdicts[1];
      const tr = el(
        "tr",
        { class: differ ? "differ" : null },
        el("td", { class: "mark", title: differ ? "the verdicts differ" : null, text: differ ? "≠" : "" }),
        el("td", { class: "num", text: String(points) }),
        el("td", { class: "text" }, S[textId], ...tagIds.map((t) => el("span", { class: "tag", text: S[t] }))),
      );
      got.forEach((g, i) => {
        const v = g?.[1];
        tr.append(el("td", { class: `verdict v${v ?? "none"}`, text: g ? VERDICT[v] : "-" }));
        if (runs[i].rewards) {
          const p = g?.[2];
          const dis = typeof p === "number" && v !== -1 && p >= 0.5 !== (v === 1);
          tr.append(el("td", { class: dis ? "num disagree" : "num", title: dis ? "model and judge disagree" : null, text: fmt(p) }));
        }
        tr.append(el("td", { class: "text expl", text: g?.[3] ?? "" }));
      });
      return tr;
    });
    return el(
      "div",
      { class: "ex-open" },
      el("h4", { text: `Conversation (prompt ${r.id})` }),
      el("div", { class: "conv" }, ...turns(data.convs[some.c].map(([role, t]) => [role, S[t]]))),
      el("div", { class: two ? "answers two" : "answers" }, ...answers),
      el(
        "table",
        { class: "criteria" },
        el("thead", null, el("tr", null, ...head.map((h) => el("th", { text: h })))),
        el("tbody", null, ...body),
      ),
    );
  }

  let timer;
  // Typing filters once the reader pauses; Enter (or leaving the box) filters at once.
  for (const input of [text, min, max])
    input.addEventListener("input", () => {
      clearTimeout(timer);
      timer = setTimeout(apply, 150);
    });
  for (const c of [text, view, tagSelect, themeSelect, scoreOf, min, max, differBox, disagreeBox, sortKey, sortDir])
    c?.addEventListener("change", apply);
  await apply();
  root.dataset.ready = "true";
  performance.mark("medrubric:examples-ready");
  // Read the texts while the reader looks, one block per idle moment, so a first search finds them read.
  const idle = window.requestIdleCallback ?? ((f) => setTimeout(f, 50));
  const readNext = (k) => (k < textElements.length ? idle(() => textBlock(k).then(() => readNext(k + 1))) : readAllTexts());
  readNext(0);
})();
