// The form page: hovering a value highlights its cell on the page and the reverse; clicking a
// value opens the editor; saving posts a correction and reloads with what changed.
"use strict";

function cellsFor(field) {
  return document.querySelectorAll(`[data-field="${CSS.escape(field)}"]`);
}

function setHighlight(field, on) {
  cellsFor(field).forEach((el) => el.classList.toggle("hl", on));
}

function wireHover() {
  document.querySelectorAll("[data-field]").forEach((el) => {
    el.addEventListener("mouseenter", () => setHighlight(el.dataset.field, true));
    el.addEventListener("mouseleave", () => setHighlight(el.dataset.field, false));
  });
}

async function post(url, body) {
  const response = await fetch(url, {
    method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body),
  });
  return { status: response.status, data: await response.json() };
}

function describe(change) {
  const gone = change.removed.filter((f) => f.severity !== "info").map((f) => `${f.code}（${f.target}）`);
  const come = change.added.filter((f) => f.severity !== "info").map((f) => `${f.code}（${f.target}）`);
  return `已保存。重算总分 ${change.recomputed_total}。` +
    (gone.length ? ` 消除：${gone.join("、")}。` : "") + (come.length ? ` 新增：${come.join("、")}。` : "");
}

function reloadWith(message) {
  sessionStorage.setItem("jixiao-banner", message);
  window.location.reload();
}

function openEditor(row) {
  const dialog = document.getElementById("editor");
  const form = document.getElementById("editor-form");
  const error = document.getElementById("editor-error");
  const formId = document.querySelector(".layout").dataset.form;
  document.getElementById("editor-title").textContent = `更正：${row.querySelector(".group").textContent} · ${row.children[1].textContent}`;
  document.getElementById("editor-old").textContent = row.dataset.value || "（空）";
  document.getElementById("editor-value").value = row.dataset.value;
  document.getElementById("editor-who").value = localStorage.getItem("jixiao-who") || "";
  error.hidden = true;
  form.onsubmit = async (event) => {
    if (event.submitter && event.submitter.value === "cancel") { return; }
    event.preventDefault();
    const who = document.getElementById("editor-who").value;
    localStorage.setItem("jixiao-who", who);
    const { status, data } = await post(`/api/forms/${formId}/corrections`, {
      field: row.dataset.field, value: document.getElementById("editor-value").value,
      seen: row.dataset.value, who, why: document.getElementById("editor-why").value,
    });
    if (status === 200) { dialog.close(); reloadWith(describe(data)); return; }
    error.textContent = data.error + (status === 409 ? `（当前值：${data.current}）` : "");
    error.hidden = false;
  };
  dialog.showModal();
}

function wireEditing() {
  document.querySelectorAll("tr.value").forEach((row) => {
    row.addEventListener("click", () => openEditor(row));
    row.addEventListener("keydown", (e) => { if (e.key === "Enter") { openEditor(row); } });
  });
  document.querySelectorAll("rect.cell").forEach((rect) => {
    rect.addEventListener("click", () => {
      const row = document.querySelector(`tr.value[data-field="${CSS.escape(rect.dataset.field)}"]`);
      if (row) { openEditor(row); }
    });
  });
  document.querySelectorAll("button.undo").forEach((button) => {
    button.addEventListener("click", async () => {
      const { status, data } = await post(`/api/corrections/${button.dataset.id}/undo`,
        { who: localStorage.getItem("jixiao-who") || "" });
      if (status === 200) { reloadWith("已撤销。" + describe(data).replace("已保存。", "")); }
      else { alert(data.error); }
    });
  });
}

function showBanner() {
  const message = sessionStorage.getItem("jixiao-banner");
  const banner = document.getElementById("banner");
  if (message && banner) { banner.textContent = message; banner.hidden = false; }
  sessionStorage.removeItem("jixiao-banner");
}

document.addEventListener("DOMContentLoaded", () => { wireHover(); wireEditing(); showBanner(); });
