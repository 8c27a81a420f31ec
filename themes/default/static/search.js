// quire's search: shows the search box (absent without JavaScript) and, on
// the search page, searches the series. The data (search/data.js) is loaded
// only when the reader starts searching, as a script so that it loads from
// file:// too.
(function () {
  "use strict";
  for (const form of document.querySelectorAll("form.site-search")) {
    form.hidden = false;
  }
  const input = document.getElementById("search-input");
  const list = document.getElementById("search-results");
  const status = document.getElementById("search-status");
  if (!input || !list || !status) return;
  document.querySelector(".search-form").hidden = false;

  let data = null;
  let loading = null;

  // Case, accents and punctuation do not matter: "Éclair," finds "eclair".
  function fold(word) {
    return word.normalize("NFD").replace(/[\u0300-\u036f]/g, "").toLowerCase()
      .replace(/^[^\p{L}\p{N}]+|[^\p{L}\p{N}]+$/gu, "").replace(/[’']s$/, "");
  }

  // A light English stemmer: keepers, keeping, kept-in-mind… → keeper, keep.
  function stem(w) {
    if (w.length <= 3) return w;
    if (w.endsWith("ies") && w.length > 4) return w.slice(0, -3) + "y";
    if (/(ss|sh|ch|x|z)es$/.test(w)) return w.slice(0, -2);
    if (w.endsWith("s") && !w.endsWith("ss") && !w.endsWith("us")) w = w.slice(0, -1);
    if (w.endsWith("ing") && w.length > 5) return w.slice(0, -3);
    if (w.endsWith("ed") && w.length > 4) return w.slice(0, -2);
    if (w.endsWith("ly") && w.length > 4) return w.slice(0, -2);
    return w;
  }

  function load() {
    if (!loading) {
      loading = new Promise(function (resolve, reject) {
        const script = document.createElement("script");
        script.src = input.form.dataset.index;
        script.onload = function () { resolve(prepare(window.quireSearchData)); };
        script.onerror = reject;
        document.head.appendChild(script);
      });
    }
    return loading;
  }

  function prepare(raw) {
    const bytes = atob(raw.text);
    const text = new Uint32Array(bytes.length);
    let n = 0, value = 0, shift = 0;
    for (let i = 0; i < bytes.length; i++) {
      const b = bytes.charCodeAt(i);
      value |= (b & 0x7f) << shift;
      if (b & 0x80) { shift += 7; } else { text[n++] = value; value = 0; shift = 0; }
    }
    const folded = raw.words.map(fold);
    data = {
      parts: raw.parts, sections: raw.sections, words: raw.words, text: text.subarray(0, n),
      folded: folded, stems: folded.map(stem),
    };
    return data;
  }

  // For each query word, which vocabulary entries it matches: same stem, or,
  // for the word being typed, any word it begins.
  function matchers(query) {
    const terms = query.split(/\s+/).map(fold).filter(Boolean).slice(0, 8);
    const masks = new Uint8Array(data.words.length);
    terms.forEach(function (term, k) {
      const s = stem(term);
      const last = k === terms.length - 1;
      for (let i = 0; i < data.folded.length; i++) {
        const f = data.folded[i];
        if (data.stems[i] === s || f === term || (last && term.length >= 2 && f.startsWith(term))) {
          masks[i] |= 1 << k;
        }
      }
    });
    return { count: terms.length, masks: masks };
  }

  function search(query) {
    const m = matchers(query);
    if (m.count === 0) return [];
    const all = (1 << m.count) - 1;
    const results = [];
    const sections = data.sections;
    for (let s = 0; s < sections.length; s++) {
      const start = sections[s].start;
      const end = s + 1 < sections.length ? sections[s + 1].start : data.text.length;
      let found = 0, hits = 0, first = -1;
      for (let i = start; i < end; i++) {
        const mask = m.masks[data.text[i]];
        if (mask) { found |= mask; hits++; if (first < 0) first = i; }
      }
      if (found === all) results.push({ section: s, hits: hits, first: first, end: end });
    }
    results.sort(function (a, b) { return b.hits - a.hits || a.section - b.section; });
    return results.slice(0, 50).map(function (r) { r.masks = m.masks; return r; });
  }

  function snippet(r) {
    const p = document.createElement("p");
    p.className = "search-snippet";
    const start = Math.max(sections()[r.section].start, r.first - 12);
    const stop = Math.min(r.end, r.first + 24);
    if (start > sections()[r.section].start) p.append("… ");
    for (let i = start; i < stop; i++) {
      const id = data.text[i];
      const word = data.words[id];
      if (r.masks[id]) {
        const mark = document.createElement("mark");
        mark.textContent = word;
        p.append(mark);
      } else {
        p.append(word);
      }
      if (i + 1 < stop) p.append(" ");
    }
    if (stop < r.end) p.append(" …");
    return p;
  }

  function sections() { return data.sections; }

  function show(query) {
    list.replaceChildren();
    if (!query.trim()) { status.textContent = ""; return; }
    const results = search(query);
    status.textContent = results.length === 0 ? "Nothing found."
      : results.length === 1 ? "1 place found." : results.length + " places found.";
    const root = input.form.dataset.root;
    for (const r of results) {
      const section = data.sections[r.section];
      const part = data.parts[section.part];
      const li = document.createElement("li");
      const a = document.createElement("a");
      a.href = root + part.url + (section.anchor ? "#" + section.anchor : "");
      const where = document.createElement("span");
      where.className = "search-part";
      where.textContent = "Part " + part.numeral + ": " + part.title;
      a.append(where);
      if (section.heading) {
        const heading = document.createElement("span");
        heading.className = "search-heading";
        heading.textContent = section.heading;
        a.append(" › ", heading);
      }
      li.append(a, snippet(r));
      list.append(li);
    }
  }

  let timer = 0;
  function update() {
    clearTimeout(timer);
    timer = setTimeout(function () {
      const query = input.value;
      load().then(function () {
        if (input.value !== query) return;
        show(query);
        try {
          const url = new URL(location.href);
          url.searchParams.set("q", query);
          history.replaceState(null, "", url);
        } catch (e) { /* file:// may refuse; the results stand */ }
      }, function () { status.textContent = "The search data could not be loaded."; });
    }, 60);
  }

  input.addEventListener("focus", function () { load(); }, { once: true });
  input.addEventListener("input", update);
  input.form.addEventListener("submit", function (e) { e.preventDefault(); update(); });
  // Arrow keys move between the field and the results.
  document.addEventListener("keydown", function (e) {
    if (e.key !== "ArrowDown" && e.key !== "ArrowUp") return;
    const links = [input].concat(Array.from(list.querySelectorAll("a")));
    const at = links.indexOf(document.activeElement);
    if (at < 0) return;
    e.preventDefault();
    const next = links[Math.max(0, Math.min(links.length - 1, at + (e.key === "ArrowDown" ? 1 : -1)))];
    next.focus();
  });
  const initial = new URLSearchParams(location.search).get("q");
  if (initial) { input.value = initial; update(); }
})();
