// The form page: the findings drive the page (clicking one, or j/k, zooms to its cell on whatever
// page it is), the page image zooms and pans, a value opens the editor (with the cell's crop),
// a finding takes a verdict (属实 / 不成立 / 待跟进), and every save reloads with what changed.
// What a person types is checked here as the server checks it, so a slip is caught before sending.
"use strict";

const $ = (sel, root = document) => root.querySelector(sel);
const $$ = (sel, root = document) => Array.from(root.querySelectorAll(sel));
const clamp = (x, lo, hi) => Math.min(Math.max(x, lo), hi);
const WIDTHS = [800, 1200, 1600, 2400, 3200]; // images.WIDTHS
const WHO_KEY = "jixiao-who";
const STATE_KEY = "jixiao-view";
const STATUS_NAMES = { open: "未审", confirmed: "属实", dismissed: "不成立", follow_up: "待跟进" };
const NEEDS_REASON = new Set(["dismissed", "follow_up", "open"]); // reviews.NEEDS_REASON
const UNITS = { money: "万元", points: "分", total_points: "分", percent: "%" };
const KIND_WORDS = { money: "金额（万元）", points: "分值/得分", total_points: "总分", percent: "百分比" };
const DASHES = new Set(["—", "–", "-", "－", "―", "_", "一", "/", "／", "--", "——", "…", "无", "\\"]);

function fmt(x) {
  if (x === null || x === undefined) { return "—"; }
  return String(Math.round(x * 100) / 100);
}

function formId() { return $(".layout").dataset.form; }

function cellsFor(field) { return $$(`[data-field="${CSS.escape(field)}"]`); }

function setHighlight(field, on) { cellsFor(field).forEach((el) => el.classList.toggle("hl", on)); }

function boxOf(text) { return text ? text.split(",").map(Number) : null; }

async function post(url, body) {
  let response;
  try {
    response = await fetch(url, { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body) });
  } catch (e) {
    return { status: 0, data: { error: "无法连接审核服务，请确认 jixiao review 仍在运行" } };
  }
  let data;
  try { data = await response.json(); } catch (e) { data = {}; }
  if (response.status !== 200 && typeof data.error !== "string") {
    data.error = `未保存（服务返回 HTTP ${response.status}）`;
  }
  return { status: response.status, data };
}

function reloadWith(message) {
  sessionStorage.setItem("jixiao-banner", message);
  Viewer.remember();
  window.location.reload();
}

function describe(change) {
  const name = (f) => `${f.code}（${f.target}）`;
  const gone = change.removed.filter((f) => f.severity !== "info").map(name);
  const come = change.added.filter((f) => f.severity !== "info").map(name);
  return `已保存。重算总分 ${fmt(change.recomputed_total)}。` +
    (gone.length ? ` 消除：${gone.join("、")}。` : "") + (come.length ? ` 新增：${come.join("、")}。` : "");
}

// ------------------------------------------------------------------ checks (as corpus/fields.py)

function isBlank(text) { const t = text.normalize("NFKC").trim(); return t === "" || DASHES.has(t); }

function checkValue(row, text) {
  const label = row.dataset.label;
  const kind = row.dataset.kind;
  if (row.dataset.min !== undefined) {
    let t = text.normalize("NFKC").replace(/−/g, "-").replace(/\s/g, "");
    if (t.endsWith(UNITS[kind])) { t = t.slice(0, -UNITS[kind].length); }
    if (!/^[+-]?(\d{1,3}(,\d{3})+|\d+)(\.\d+)?$/.test(t)) { return `「${label}」须填数字，「${text.trim()}」不是数字`; }
    t = t.replace(/,/g, "");
    const value = Number(t);
    const lo = Number(row.dataset.min);
    const hi = Number(row.dataset.max);
    if (!(value >= lo && value <= hi)) { return `「${label}」须在 ${lo} 到 ${hi} 之间（${KIND_WORDS[kind]}），填入的是 ${t}`; }
    if (t.includes(".") && t.split(".")[1].length > 4) { return `「${label}」最多 4 位小数，填入的是 ${t}`; }
    return null;
  }
  const limit = Number(row.dataset.limit || 200);
  if (text.trim().length > limit) { return `「${label}」最长 ${limit} 字，填入了 ${text.trim().length} 字`; }
  return null;
}

function checkPerson(who) { return who.trim() ? null : "请填写审核人姓名：每条记录都要写明由谁所做，不接受匿名"; }

function checkReason(why, required) {
  if (required && !why.trim()) { return "请填写理由（如：对照原件第 1 页，此处印的是 4.65）"; }
  if (why.trim().length > 1000) { return `理由最长 1000 字，现有 ${why.trim().length} 字`; }
  return null;
}

function showError(el, message) { el.textContent = message; el.hidden = !message; }

// ------------------------------------------------------------------ the page image: zoom and pan

const Viewer = {
  zoom: 1,
  pages: null,
  canvas: null,
  dragged: false,

  init() {
    this.pages = $("#pages");
    this.canvas = $("#canvas");
    if (!this.pages || !$(".page")) { return; }
    $("#zoom-in").addEventListener("click", () => this.setZoom(this.zoom * 1.25));
    $("#zoom-out").addEventListener("click", () => this.setZoom(this.zoom / 1.25));
    $("#zoom-fit").addEventListener("click", () => this.setZoom(1));
    this.pages.addEventListener("wheel", (e) => {
      if (!e.ctrlKey) { return; }
      e.preventDefault();
      this.setZoom(this.zoom * (e.deltaY < 0 ? 1.15 : 1 / 1.15), e);
    }, { passive: false });
    this.wirePan();
    window.addEventListener("resize", () => this.loadImages());
    const saved = JSON.parse(sessionStorage.getItem(STATE_KEY) || "null");
    sessionStorage.removeItem(STATE_KEY);
    if (saved && saved.form === formId()) {
      this.setZoom(saved.zoom);
      this.pages.scrollLeft = saved.left;
      this.pages.scrollTop = saved.top;
    } else {
      this.setZoom(1);
    }
  },

  wirePan() {
    let drag = null;
    this.pages.addEventListener("pointerdown", (e) => {
      if (e.button !== 0) { return; }
      drag = { x: e.clientX, y: e.clientY, left: this.pages.scrollLeft, top: this.pages.scrollTop };
      this.dragged = false;
    });
    window.addEventListener("pointermove", (e) => {
      if (!drag) { return; }
      const dx = e.clientX - drag.x;
      const dy = e.clientY - drag.y;
      if (Math.abs(dx) + Math.abs(dy) > 4) { this.dragged = true; this.pages.classList.add("dragging"); }
      this.pages.scrollLeft = drag.left - dx;
      this.pages.scrollTop = drag.top - dy;
    });
    window.addEventListener("pointerup", () => { drag = null; this.pages.classList.remove("dragging"); });
    // a drag that ends on a cell is a pan, not a click on the cell
    this.pages.addEventListener("click", (e) => { if (this.dragged) { e.stopPropagation(); this.dragged = false; } }, true);
  },

  setZoom(z, around) {
    z = clamp(z, 0.5, 6);
    const rect = this.pages.getBoundingClientRect();
    const px = around ? around.clientX - rect.left : this.pages.clientWidth / 2;
    const py = around ? around.clientY - rect.top : this.pages.clientHeight / 2;
    const fx = (this.pages.scrollLeft + px) / (this.canvas.offsetWidth || 1);
    const fy = (this.pages.scrollTop + py) / (this.canvas.offsetHeight || 1);
    this.zoom = z;
    this.canvas.style.width = `${z * 100}%`;
    this.pages.scrollLeft = fx * this.canvas.offsetWidth - px; // the point under the cursor stays put
    this.pages.scrollTop = fy * this.canvas.offsetHeight - py;
    $("#zoom-level").textContent = `${Math.round(z * 100)}%`;
    this.loadImages();
  },

  // the smallest image width the screen shows sharply at this zoom (the server's widths)
  imageWidth() {
    const need = this.canvas.offsetWidth * (window.devicePixelRatio || 1);
    return WIDTHS.find((w) => w >= need) || WIDTHS[WIDTHS.length - 1];
  },

  loadImages() {
    const width = this.imageWidth();
    $$(".page img").forEach((img) => {
      if (Number(img.dataset.width || 0) >= width) { return; }
      const url = `${img.dataset.src}?w=${width}`;
      img.dataset.width = width;
      if (!img.getAttribute("src")) { img.src = url; return; }
      const sharper = new Image(); // swapped in once decoded, so the page never goes blank
      sharper.src = url;
      sharper.decode().then(() => { img.src = url; }).catch(() => {});
    });
  },

  // zoom so the box (page points) is a good part of the view, and centre it
  focus(pageNo, box) {
    const page = $(`#page-${pageNo}`);
    if (!page || !box) { return; }
    const w = Number(page.dataset.w);
    const boxWidthAtFit = ((box[2] - box[0]) / w) * this.pages.clientWidth;
    // the cell about an eighth of the view: large enough to read, with its row label in sight
    this.setZoom(clamp((this.pages.clientWidth * 0.12) / Math.max(boxWidthAtFit, 1), 1.5, 2.5));
    const scale = page.offsetWidth / w;
    const cx = page.offsetLeft + ((box[0] + box[2]) / 2) * scale;
    const cy = page.offsetTop + ((box[1] + box[3]) / 2) * scale;
    this.pages.scrollLeft = cx - this.pages.clientWidth / 2;
    this.pages.scrollTop = cy - this.pages.clientHeight / 2;
  },

  mark(pageNo, box) {
    $$("rect.marker").forEach((m) => { m.hidden = true; m.classList.remove("on"); });
    const marker = $(`#page-${pageNo} rect.marker`);
    if (!marker || !box) { return; }
    const pad = 2;
    marker.setAttribute("x", box[0] - pad);
    marker.setAttribute("y", box[1] - pad);
    marker.setAttribute("width", box[2] - box[0] + 2 * pad);
    marker.setAttribute("height", box[3] - box[1] + 2 * pad);
    marker.hidden = false;
    marker.classList.add("on");
  },

  remember() {
    if (!this.pages || !$(".page")) { return; }
    sessionStorage.setItem(STATE_KEY, JSON.stringify({
      form: formId(), zoom: this.zoom, left: this.pages.scrollLeft, top: this.pages.scrollTop,
    }));
  },
};

// ------------------------------------------------------------------ findings: select, j/k

const Findings = {
  items: [],
  index: -1,

  init() {
    this.items = $$("li.finding");
    this.items.forEach((li, i) => {
      li.addEventListener("click", (e) => { if (!e.target.closest("button")) { this.select(i); } });
      li.addEventListener("focus", () => { if (this.selected() !== li) { this.select(i); } }); // Tab works too
      $$("button.verdict", li).forEach((b) => b.addEventListener("click", (e) => {
        e.stopPropagation();
        this.select(i, false);
        Verdict.open(li, b.dataset.status);
      }));
    });
    const key = sessionStorage.getItem("jixiao-select");
    sessionStorage.removeItem("jixiao-select");
    const again = this.items.findIndex((li) => li.dataset.key === key);
    if (again >= 0) { this.select(again, false); }
  },

  selected() { return this.items[this.index] || null; },

  select(i, focusPage = true) {
    if (!this.items.length) { return; }
    i = clamp(i, 0, this.items.length - 1);
    const before = this.selected();
    if (before) {
      before.classList.remove("selected");
      if (before.dataset.field) { setHighlight(before.dataset.field, false); }
    }
    this.index = i;
    const li = this.items[i];
    li.classList.add("selected");
    li.scrollIntoView({ block: "nearest" });
    li.focus({ preventScroll: true });
    const { page, box } = this.whereIs(li);
    if (li.dataset.field) { setHighlight(li.dataset.field, true); }
    Viewer.mark(page, box);
    if (focusPage) { Viewer.focus(page, box); }
  },

  // the finding's cell: its value's box if the value is drawn, else where the finding points
  whereIs(li) {
    const rect = li.dataset.field ? $(`rect.cell[data-field="${CSS.escape(li.dataset.field)}"]`) : null;
    if (rect) {
      const x = Number(rect.getAttribute("x"));
      const y = Number(rect.getAttribute("y"));
      return {
        page: rect.closest(".page").dataset.page,
        box: [x, y, x + Number(rect.getAttribute("width")), y + Number(rect.getAttribute("height"))],
      };
    }
    return { page: li.dataset.page, box: boxOf(li.dataset.box) };
  },

  move(step) { this.select(this.index < 0 ? (step > 0 ? 0 : this.items.length - 1) : this.index + step); },

  rowOf(li) { return li && li.dataset.field ? $(`tr.value[data-field="${CSS.escape(li.dataset.field)}"]`) : null; },
};

// ------------------------------------------------------------------ the value editor

const Editor = {
  row: null,

  init() {
    const dialog = $("#editor");
    if (!dialog) { return; }
    $("#editor-form").addEventListener("submit", (e) => { e.preventDefault(); this.save(); });
    $("#editor-cancel").addEventListener("click", () => dialog.close());
    $("#editor-confirm").addEventListener("click", () => this.confirm());
    $("#editor-blank").addEventListener("change", (e) => {
      $("#editor-value").disabled = e.target.checked;
      if (e.target.checked) { $("#editor-value").value = ""; }
    });
  },

  open(row) {
    this.row = row;
    $("#editor-title").textContent = `更正：${row.dataset.label}`;
    $("#editor-old").textContent = row.dataset.value || "（空）";
    $("#editor-range").textContent = row.dataset.min !== undefined
      ? `（可填 ${row.dataset.min}–${row.dataset.max}${UNITS[row.dataset.kind] === "%" ? "，单位 %" : ""}）`
      : `（最长 ${row.dataset.limit} 字）`;
    const value = $("#editor-value");
    value.disabled = false;
    value.value = row.dataset.value;
    value.maxLength = row.dataset.limit ? Number(row.dataset.limit) : 40;
    $("#editor-blank").checked = false;
    $("#editor-why").value = "";
    $("#editor-who").value = localStorage.getItem(WHO_KEY) || "";
    $("#editor-confirm").hidden = row.dataset.vouched === "true";
    showError($("#editor-error"), "");
    this.crop(row);
    $("#editor").showModal();
    value.focus();
    value.select();
  },

  // the cell and its neighbours, cut from the page image, so the dialog shows what it covers
  crop(row) {
    const crop = $("#editor-crop");
    const page = row.dataset.page ? $(`#page-${row.dataset.page}`) : null;
    const box = boxOf(row.dataset.box);
    crop.hidden = !page || !box;
    if (crop.hidden) { return; }
    const W = Number(page.dataset.w);
    const H = Number(page.dataset.h);
    const padX = Math.max(60, (box[2] - box[0]) * 1.5);
    const padY = Math.max(16, (box[3] - box[1]) * 1.2);
    const x0 = Math.max(0, box[0] - padX);
    const y0 = Math.max(0, box[1] - padY);
    const x1 = Math.min(W, box[2] + padX);
    const y1 = Math.min(H, box[3] + padY);
    const shown = 440;
    const scale = shown / (x1 - x0);
    crop.style.width = `${shown}px`;
    crop.style.height = `${(y1 - y0) * scale}px`;
    const img = $("img", page);
    const need = WIDTHS.find((w) => w >= W * scale * (window.devicePixelRatio || 1)) || WIDTHS[WIDTHS.length - 1];
    const width = Math.max(need, Number(img.dataset.width || 0)); // the page's own image if sharp enough
    crop.style.backgroundImage = `url("${img.dataset.src}?w=${width}")`;
    crop.style.backgroundSize = `${W * scale}px auto`;
    crop.style.backgroundPosition = `${-x0 * scale}px ${-y0 * scale}px`;
    const cell = $(".crop-cell", crop);
    cell.style.left = `${(box[0] - x0) * scale}px`;
    cell.style.top = `${(box[1] - y0) * scale}px`;
    cell.style.width = `${(box[2] - box[0]) * scale}px`;
    cell.style.height = `${(box[3] - box[1]) * scale}px`;
  },

  signed() {
    const who = $("#editor-who").value;
    const why = $("#editor-why").value;
    return { who, why };
  },

  async save() {
    const row = this.row;
    const blank = $("#editor-blank").checked;
    const text = $("#editor-value").value;
    const { who, why } = this.signed();
    let problem = null;
    if (!blank && isBlank(text)) {
      problem = `「${row.dataset.label}」的新值为空。若原表此处确为空白，请勾选「原表此处空白」；若识别的值无误，请点「识别无误」`;
    } else if (!blank) {
      problem = checkValue(row, text);
    }
    problem = problem || checkReason(why, true) || checkPerson(who);
    if (problem) { showError($("#editor-error"), problem); return; }
    localStorage.setItem(WHO_KEY, who.trim());
    const { status, data } = await post(`/api/forms/${formId()}/corrections`, {
      field: row.dataset.field, value: blank ? "" : text, seen: row.dataset.value, who, why, blank,
    });
    this.done(status, data, describe);
  },

  async confirm() {
    const { who, why } = this.signed();
    const problem = checkReason(why, false) || checkPerson(who);
    if (problem) { showError($("#editor-error"), problem); return; }
    localStorage.setItem(WHO_KEY, who.trim());
    const { status, data } = await post(`/api/forms/${formId()}/confirm`,
      { field: this.row.dataset.field, seen: this.row.dataset.value, who, why });
    this.done(status, data, (change) => describe(change).replace("已保存。", "已确认识别无误。"));
  },

  done(status, data, say) {
    if (status === 200) {
      const li = Findings.selected();
      if (li) { sessionStorage.setItem("jixiao-select", li.dataset.key); }
      $("#editor").close();
      reloadWith(say(data));
      return;
    }
    showError($("#editor-error"), data.error);
  },
};

// ------------------------------------------------------------------ verdicts on findings

const Verdict = {
  li: null,
  status: null,

  init() {
    const dialog = $("#verdict");
    if (!dialog) { return; }
    $("#verdict-form").addEventListener("submit", (e) => { e.preventDefault(); this.save(); });
    $("#verdict-cancel").addEventListener("click", () => dialog.close());
  },

  open(li, status) {
    this.li = li;
    this.status = status;
    $("#verdict-title").textContent = `${status === "open" ? "撤回审核" : `记为「${STATUS_NAMES[status]}」`}：${li.dataset.code}`;
    $("#verdict-finding").textContent = $(".msg", li).textContent;
    const why = $("#verdict-why");
    why.value = "";
    why.placeholder = {
      confirmed: "（可不填）", dismissed: "为何不成立（如：原表为 4.65，系识别错误）",
      follow_up: "需跟进什么（如：向单位核实执行数）", open: "为何撤回",
    }[status];
    $("#verdict-who").value = localStorage.getItem(WHO_KEY) || "";
    showError($("#verdict-error"), "");
    $("#verdict").showModal();
    why.focus();
  },

  async save() {
    const who = $("#verdict-who").value;
    const why = $("#verdict-why").value;
    const problem = checkReason(why, NEEDS_REASON.has(this.status)) || checkPerson(who);
    if (problem) { showError($("#verdict-error"), problem); return; }
    localStorage.setItem(WHO_KEY, who.trim());
    const { status, data } = await post(`/api/forms/${formId()}/reviews`,
      { key: this.li.dataset.key, status: this.status, who, why });
    if (status !== 200) { showError($("#verdict-error"), data.error); return; }
    // on to the next finding, as an auditor works down the list
    const next = Findings.items[Findings.items.indexOf(this.li) + 1] || this.li;
    sessionStorage.setItem("jixiao-select", next.dataset.key);
    $("#verdict").close();
    reloadWith(`已记为「${data.name}」：${this.li.dataset.code}。`);
  },
};

// ------------------------------------------------------------------ undo

const Undo = {
  id: null,

  init() {
    const dialog = $("#undo");
    if (!dialog) { return; }
    $$("button.undo").forEach((b) => b.addEventListener("click", () => this.open(b.dataset.id)));
    $("#undo-form").addEventListener("submit", (e) => { e.preventDefault(); this.save(); });
    $("#undo-cancel").addEventListener("click", () => dialog.close());
  },

  open(id) {
    this.id = id;
    $("#undo-why").value = "";
    $("#undo-who").value = localStorage.getItem(WHO_KEY) || "";
    showError($("#undo-error"), "");
    $("#undo").showModal();
    $("#undo-why").focus();
  },

  async save() {
    const who = $("#undo-who").value;
    const why = $("#undo-why").value;
    const problem = checkReason(why, true) || checkPerson(who);
    if (problem) { showError($("#undo-error"), problem); return; }
    localStorage.setItem(WHO_KEY, who.trim());
    const { status, data } = await post(`/api/corrections/${this.id}/undo`, { who, why });
    if (status !== 200) { showError($("#undo-error"), data.error); return; }
    $("#undo").close();
    reloadWith("已撤销。" + describe(data).replace("已保存。", ""));
  },
};

// ------------------------------------------------------------------ wiring

function wireValues() {
  $$("[data-field]").forEach((el) => {
    el.addEventListener("mouseenter", () => setHighlight(el.dataset.field, true));
    el.addEventListener("mouseleave", () => {
      const li = Findings.selected();
      if (!li || li.dataset.field !== el.dataset.field) { setHighlight(el.dataset.field, false); }
    });
  });
  $$("tr.value").forEach((row) => row.addEventListener("click", () => Editor.open(row)));
  $$("rect.cell").forEach((rect) => rect.addEventListener("click", () => {
    const row = $(`tr.value[data-field="${CSS.escape(rect.dataset.field)}"]`);
    if (row) { Editor.open(row); }
  }));
  const only = $("#only-flagged");
  if (only) {
    only.checked = localStorage.getItem("jixiao-only-flagged") === "1";
    $("#values").classList.toggle("only-flagged", only.checked);
    only.addEventListener("change", () => {
      localStorage.setItem("jixiao-only-flagged", only.checked ? "1" : "0");
      $("#values").classList.toggle("only-flagged", only.checked);
    });
  }
}

function onKey(e) {
  if ($("dialog[open]") || e.ctrlKey || e.metaKey || e.altKey) { return; } // a dialog keeps its own keys
  if (e.target.closest("input, select, textarea")) { return; } // typing is typing
  if (e.key === "Enter" && e.target.closest("button, a")) { return; } // Enter presses what has focus
  const row = e.target.closest("tr.value");
  const verdicts = { c: "confirmed", d: "dismissed", f: "follow_up" };
  if (e.key === "Enter") {
    // opening on keydown and swallowing the key, so the same Enter cannot submit the dialog
    const target = row || Findings.rowOf(Findings.selected());
    if (target) { e.preventDefault(); Editor.open(target); }
  } else if (e.key === "j" || e.key === "k") {
    e.preventDefault();
    Findings.move(e.key === "j" ? 1 : -1);
  } else if (verdicts[e.key] && Findings.selected()) {
    e.preventDefault();
    Verdict.open(Findings.selected(), verdicts[e.key]);
  } else if (e.key === "+" || e.key === "=") {
    Viewer.setZoom(Viewer.zoom * 1.25);
  } else if (e.key === "-") {
    Viewer.setZoom(Viewer.zoom / 1.25);
  } else if (e.key === "0") {
    Viewer.setZoom(1);
  } else if (e.key === "Escape" && Findings.selected()) {
    const li = Findings.selected();
    li.classList.remove("selected");
    if (li.dataset.field) { setHighlight(li.dataset.field, false); }
    Viewer.mark(null, null);
    Findings.index = -1;
  }
}

function showBanner() {
  const message = sessionStorage.getItem("jixiao-banner");
  const banner = $("#banner");
  if (message && banner) { banner.textContent = message; banner.hidden = false; }
  sessionStorage.removeItem("jixiao-banner");
}

document.addEventListener("DOMContentLoaded", () => {
  if (!$(".layout")) { return; }
  Viewer.init();
  Editor.init();
  Verdict.init();
  Undo.init();
  Findings.init();
  wireValues();
  document.addEventListener("keydown", onKey);
  showBanner();
});
