// The scorecard builder (docs/scoring.md#the-builder): an Alpine component that edits a docs/scoring.md#the-scorecard-document document in the browser.
// Validation, the preview form and its running total all come from the server (the Python engine);
// this file only edits the document and moves things around.
// Alpine runs its CSP build (no eval): the template's expressions only read state and call the
// methods below, which is why paths and comparisons that need template literals live here.
/* global Alpine, Sortable, htmx */
function scorecardBuilder() {
  // Alpine calls a data provider with the component's magics as `this`: the root element carries the
  // settings (data-save-url, data-validate-url, data-preview-url, data-csrf, data-published) and
  // names the json_script element holding the document (data-document).
  const root = this.$el;
  const config = { ...root.dataset };
  let counter = 0;
  const nextId = () => `n${++counter}`;

  // Questions answered from indicators (docs/scoring.md#questions-answered-from-indicators) live beside the
  // document; in the browser each question carries its own as ``_link`` so it follows renames and moves.
  const links = config.links ? JSON.parse(document.getElementById(config.links).textContent) : {};
  const indicators = config.indicators ? JSON.parse(document.getElementById(config.indicators).textContent) : [];
  const linkOf = (key) => {
    const link = links[key];
    return link
      ? { on: true, indicator: link.indicator, side: link.side || "any", mentioned: link.mentioned || "", absent: link.absent || "" }
      : { on: false, indicator: "", side: "agent", mentioned: "", absent: "" };
  };

  function prepare(doc) {
    const copy = JSON.parse(JSON.stringify(doc));
    copy.bands = (copy.bands || []).map((b) => ({ colour: "grey", ...b, _id: nextId() }));
    copy.sections = (copy.sections || []).map((s) => ({
      ...s,
      _id: nextId(),
      questions: (s.questions || []).map((q) => ({
        ...q,
        _id: nextId(),
        show_if: q.show_if || null,
        default: q.default === null || q.default === undefined ? "" : String(q.default),
        scale: q.scale || null,
        options: (q.options || []).map((o) => ({ ...o, _id: nextId() })),
        _link: linkOf(q.key),
      })),
    }));
    return copy;
  }

  function uniqueKey(prefix, taken) {
    let i = 1;
    while (taken.has(`${prefix}${i}`)) i += 1;
    return `${prefix}${i}`;
  }

  function move(list, from, to) {
    if (from === to || from < 0 || to < 0 || to >= list.length) return;
    const [item] = list.splice(from, 1);
    list.splice(to, 0, item);
  }

  const applicability = JSON.parse(document.getElementById(config.applicability).textContent);

  return {
    doc: prepare(JSON.parse(document.getElementById(config.document).textContent)),
    // where the scorecard applies (docs/scoring.md#applicability); saved beside the document, not in it
    channels: applicability.channels,
    teams: applicability.teams,
    indicators,
    published: config.published === "true",
    // a new scorecard shows no "must not be empty" before the author has changed anything
    pristine: config.creating === "true",
    changeNote: "",
    error: null,
    problems: [],
    saveErrors: {},
    saving: false,
    dirty: false,
    checking: false,

    init() {
      this.$watch("doc", () => {
        this.dirty = true;
        this.pristine = false;
        // A refused save's messages describe the document as it was; once it changes they are stale.
        if (this.saveErrorList().length) this.saveErrors = this.saveErrors.change_note ? { change_note: this.saveErrors.change_note } : {};
        this.scheduleCheck();
      });
      this.$watch("channels", () => {
        this.dirty = true;
      });
      this.$watch("teams", () => {
        this.dirty = true;
      });
      this.$watch("changeNote", () => {
        if (!this.saveErrors.change_note) return;
        const rest = { ...this.saveErrors };
        delete rest.change_note;
        this.saveErrors = rest;
      });
      this.scheduleCheck(0);
      window.addEventListener("beforeunload", (event) => {
        if (this.dirty && !this.saving) event.preventDefault();
      });
    },

    // --- the document as the server expects it ---------------------------------------------------
    plain() {
      return JSON.parse(JSON.stringify(this.doc, (key, value) => (key === "_id" || key === "_link" ? undefined : value)));
    },
    payload() {
      const doc = this.plain();
      if (!doc.bands.length) delete doc.bands;
      else doc.bands.forEach((b) => {
        if (b.from === "" || b.from === null) delete b.from;
      });
      doc.sections.forEach((s) =>
        s.questions.forEach((q) => {
          if (!q.show_if) delete q.show_if;
          if (q.type !== "rating_scale") delete q.scale;
          if (q.default === "" || q.default === undefined) q.default = null;
          if (q.type === "rating_scale" && q.default !== null && q.default !== "na") q.default = Number(q.default);
        }),
      );
      return doc;
    },

    indicatorLinks() {
      const out = {};
      this.allQuestions().forEach((q) => {
        const l = q._link;
        if (!l || !l.on) return;
        out[q.key] = { indicator: l.indicator, side: l.side, mentioned: l.mentioned || null, absent: l.absent || null };
      });
      return out;
    },
    linkAnswerIs(question, which, option) {
      return String(question._link[which]) === String(option.key);
    },
    linkError(question) {
      const prefix = `indicator_links.${question.key}`;
      return Object.entries(this.saveErrors)
        .filter(([field]) => field === prefix || field.startsWith(`${prefix}.`))
        .flatMap(([, messages]) => messages)
        .join(" ");
    },

    // --- validation and preview ------------------------------------------------------------------
    scheduleCheck(delay = 350) {
      clearTimeout(this._timer);
      this._timer = setTimeout(() => this.check(), delay);
    },
    async post(url, body) {
      return fetch(url, {
        method: "POST",
        headers: { "Content-Type": "application/json", "X-CSRFToken": config.csrf },
        body: JSON.stringify(body),
      });
    },
    async check() {
      // Checks can overlap (slow answer, quick typing): only the latest one may update the page,
      // or an older document's error or preview would replace the current one.
      const seq = (this._seq = (this._seq || 0) + 1);
      this.checking = true;
      try {
        const body = { document: this.payload() };
        const data = await (await this.post(config.validateUrl, body)).json();
        if (seq !== this._seq) return;
        if (this.pristine && data.error) {
          // nothing typed yet: no error to show, and nothing to preview
          this.error = null;
          this.problems = [];
          document.getElementById("builder-preview").innerHTML = "";
          return;
        }
        this.error = data.error;
        this.problems = data.problems || [];
        if (!this.error) {
          const html = await (await this.post(config.previewUrl, body)).text();
          if (seq !== this._seq) return;
          const target = document.getElementById("builder-preview");
          target.innerHTML = html;
          if (window.htmx) htmx.process(target);
        }
      } finally {
        if (seq === this._seq) this.checking = false;
      }
    },
    errorAt(path) {
      return this.error && this.error.path === path ? this.error.message : "";
    },
    errorWithin(path) {
      return !!(this.error && (this.error.path === path || this.error.path.startsWith(`${path}.`)));
    },
    // Paths as the server's validation names them.
    sectionPath(si) {
      return `sections[${si}]`;
    },
    questionPath(si, qi) {
      return `sections[${si}].questions[${qi}]`;
    },
    optionPath(si, qi, oi) {
      return `sections[${si}].questions[${qi}].options[${oi}]`;
    },
    // The message for a section's own fields (title, weight, key), shown under its head.
    sectionHeadError(si) {
      const path = this.sectionPath(si);
      return this.errorAt(`${path}.title`) || this.errorAt(`${path}.weight`) || this.errorAt(`${path}.key`);
    },

    // --- score bands (docs/scoring.md#score-bands) ---------------------------------------------------
    bandPath(bi) {
      return `bands[${bi}]`;
    },
    bandError(bi) {
      const path = this.bandPath(bi);
      const message =
        this.errorAt(path) || this.errorAt(`${path}.label`) || this.errorAt(`${path}.from`) ||
        this.errorAt(`${path}.key`) || this.errorAt(`${path}.colour`);
      return message ? `Band ${bi + 1}: ${message}` : "";
    },
    bandClass(band) {
      return `band band-${band.colour}`;
    },
    bandUntil(bi) {
      const next = this.doc.bands[bi + 1];
      if (next) return `below ${next.from}`;
      return this.doc.scoring_mode === "percentage" ? "up to 100 %" : "and above";
    },
    addBand() {
      const bands = this.doc.bands;
      const key = uniqueKey("band_", new Set(bands.map((b) => b.key)));
      const last = bands.length ? Number(bands[bands.length - 1].from) || 0 : null;
      const top = this.doc.scoring_mode === "percentage" ? 100 : last + 20;
      const from = last === null ? 0 : Math.min(top, Math.round((last + top) / 2));
      const colours = ["red", "yellow", "green", "blue", "purple", "teal", "orange", "grey"];
      bands.push({ _id: nextId(), key, label: "", from, colour: colours[bands.length % colours.length] });
    },
    removeBand(index) {
      this.doc.bands.splice(index, 1);
    },

    // --- sections ----------------------------------------------------------------------------------
    weightShare(section) {
      const total = this.doc.sections.reduce((sum, s) => sum + (Number(s.weight) || 0), 0);
      if (!total) return "—";
      return `${((100 * (Number(section.weight) || 0)) / total).toFixed(1)} %`;
    },
    weightTotal() {
      return this.doc.sections.reduce((sum, s) => sum + (Number(s.weight) || 0), 0);
    },
    addSection() {
      const key = uniqueKey("section_", new Set(this.doc.sections.map((s) => s.key)));
      this.doc.sections.push({ _id: nextId(), key, title: "New section", description: "", weight: 1, questions: [] });
    },
    removeSection(index) {
      const s = this.doc.sections[index];
      if (s.questions.length && !window.confirm(`Remove the section “${s.title}” and its ${s.questions.length} question(s)?`)) return;
      this.doc.sections.splice(index, 1);
    },
    moveSection(index, delta) {
      move(this.doc.sections, index, index + delta);
    },

    // --- questions ---------------------------------------------------------------------------------
    allQuestions() {
      return this.doc.sections.flatMap((s) => s.questions);
    },
    earlierQuestions(question) {
      const all = this.allQuestions();
      return all.slice(0, all.indexOf(question));
    },
    questionByKey(key) {
      return this.allQuestions().find((q) => q.key === key);
    },
    addQuestion(section) {
      const key = uniqueKey("q", new Set(this.allQuestions().map((q) => q.key)));
      section.questions.push({
        _id: nextId(), key, text: "New question", description: "", type: "yes_no", required: false,
        allow_na: false, default: "", show_if: null, scale: null, _link: linkOf(""),
        options: [
          { _id: nextId(), key: "yes", label: "Yes", points: 1, auto_fail: "none" },
          { _id: nextId(), key: "no", label: "No", points: 0, auto_fail: "none" },
        ],
      });
    },
    removeQuestion(section, index) {
      section.questions.splice(index, 1);
    },
    moveQuestion(section, index, delta) {
      move(section.questions, index, index + delta);
    },
    setType(question, type) {
      question.type = type;
      question.default = "";
      if (type === "yes_no") {
        const points = (k, fallback) => (question.options.find((o) => o.key === k) || { points: fallback }).points;
        question.scale = null;
        question.options = [
          { _id: nextId(), key: "yes", label: "Yes", points: points("yes", 1), auto_fail: "none" },
          { _id: nextId(), key: "no", label: "No", points: points("no", 0), auto_fail: "none" },
        ];
      } else if (type === "rating_scale") {
        question.scale = question.scale || { min: 1, max: 5 };
        this.rescale(question);
      } else {
        // a single choice starts from blank answers: the yes/no or scale ones were never its own
        question.scale = null;
        question.options = [];
        this.addOption(question);
        this.addOption(question);
      }
    },
    rescale(question) {
      const min = parseInt(question.scale.min, 10);
      const max = parseInt(question.scale.max, 10);
      if (Number.isNaN(min) || Number.isNaN(max) || max <= min || max - min > 100) return;
      const old = new Map(question.options.map((o) => [String(o.key), o]));
      const options = [];
      for (let v = min; v <= max; v += 1) {
        const existing = old.get(String(v));
        options.push(existing || { _id: nextId(), key: String(v), label: String(v), points: v - min, auto_fail: "none" });
      }
      question.options = options;
    },
    toggleCondition(question, on) {
      if (!on) {
        question.show_if = null;
        return;
      }
      const earlier = this.earlierQuestions(question);
      question.show_if = earlier.length ? { question: earlier[earlier.length - 1].key, answers: [] } : null;
    },
    conditionOptions(question) {
      const target = question.show_if && this.questionByKey(question.show_if.question);
      if (!target) return [];
      const options = target.options.map((o) => ({ key: o.key, label: o.label || o.key }));
      return target.allow_na ? [...options, { key: "na", label: "N/A" }] : options;
    },
    toggleConditionAnswer(question, key, on) {
      const answers = question.show_if.answers.filter((a) => a !== key);
      if (on) answers.push(key);
      question.show_if.answers = answers;
    },

    isDefault(question, option) {
      return String(question.default) === String(option.key);
    },

    // --- options -----------------------------------------------------------------------------------
    addOption(question) {
      const key = uniqueKey("o", new Set(question.options.map((o) => o.key)));
      question.options.push({ _id: nextId(), key, label: "", points: 0, auto_fail: "none" });
    },
    removeOption(question, index) {
      question.options.splice(index, 1);
    },
    moveOption(question, index, delta) {
      move(question.options, index, index + delta);
    },

    // --- drag and drop (SortableJS) ----------------------------------------------------------------
    // Sortable moves DOM nodes; Alpine owns them. On drop we put the node back and move the item
    // in the document instead, so Alpine re-renders from the data.
    // x-init="sortableLater($el, kind)": once Alpine has rendered the list's items.
    sortableLater(el, kind) {
      this.$nextTick(() => this.sortable(el, kind));
    },
    sortable(el, kind) {
      if (!window.Sortable || el._sortable) return;
      el._sortable = Sortable.create(el, {
        handle: ".drag",
        draggable: ".sortable-item",
        group: kind === "question" ? "questions" : `${kind}-${Math.random()}`,
        animation: 120,
        onEnd: (event) => {
          const { from, to, item, oldDraggableIndex, newDraggableIndex } = event;
          // Put the node back where it was: before the item that followed it (Sortable's indexes skip
          // the x-for <template>, so they cannot index ``from.children`` directly).
          item.remove();
          const siblings = [...from.children].filter((el) => el.matches(".sortable-item"));
          from.insertBefore(item, siblings[oldDraggableIndex] || null);
          if (kind === "section") {
            move(this.doc.sections, oldDraggableIndex, newDraggableIndex);
          } else if (kind === "question") {
            const source = this.doc.sections[Number(from.dataset.section)];
            const target = this.doc.sections[Number(to.dataset.section)];
            const [question] = source.questions.splice(oldDraggableIndex, 1);
            target.questions.splice(newDraggableIndex, 0, question);
          } else if (kind === "option") {
            const question = this.allQuestions().find((q) => q._id === from.dataset.question);
            if (question) move(question.options, oldDraggableIndex, newDraggableIndex);
          }
        },
      });
    },

    // --- save --------------------------------------------------------------------------------------
    async save() {
      this.saving = true;
      this.saveErrors = {};
      const response = await this.post(config.saveUrl, {
        document: this.payload(),
        change_note: this.changeNote,
        channels: this.channels,
        teams: this.teams,
        indicator_links: this.indicatorLinks(),
      });
      const data = await response.json().catch(() => ({ errors: { __all__: ["The server could not save this."] } }));
      if (response.ok) {
        this.dirty = false;
        window.location.assign(data.redirect);
        return;
      }
      this.saveErrors = data.errors || {};
      this.saving = false;
      if (this.saveErrors.change_note) {
        // The question is asked at the bottom of the form, far from the Save button: go there.
        this.$nextTick(() => {
          const note = document.getElementById("change-note");
          note.scrollIntoView({ block: "center" });
          note.focus();
        });
      }
    },
    saveErrorList() {
      return Object.entries(this.saveErrors)
        .filter(([field]) => field !== "change_note")
        .flatMap(([, messages]) => messages);
    },
  };
}
document.addEventListener("alpine:init", () => Alpine.data("scorecardBuilder", scorecardBuilder));
