// gong-search: a little progressive enhancement. Every feature works without it.
"use strict";
document.addEventListener("DOMContentLoaded", () => {
  const form = document.getElementById("search");
  if (form) {
    // Results as you refine: a changed filter (not a text box being typed in) searches again.
    form.addEventListener("change", (event) => {
      const el = event.target;
      const typed = el.type === "text" || el.type === "search" || el.type === "number";
      if (!typed && form.elements.q && form.elements.q.value.trim()) form.requestSubmit();
    });
    // Empty fields stay out of the URL, so a search's address stays short and readable.
    form.addEventListener("formdata", (event) => {
      for (const [name, value] of Array.from(event.formData.entries())) {
        if (value === "") event.formData.delete(name);
      }
    });
  }
  // Name suggestions from the index, fetched once when a name box is first used.
  const boxes = document.querySelectorAll("input[list]");
  let names = null;
  const suggest = () => {
    if (names) return;
    names = fetch("/names.json", { credentials: "same-origin" })
      .then((answer) => (answer.ok ? answer.json() : {}))
      .then((lists) => {
        for (const [id, values] of Object.entries(lists)) {
          const list = document.getElementById(id);
          if (!list) continue;
          for (const value of values) {
            const option = document.createElement("option");
            option.value = value; // a property, never parsed as HTML
            list.appendChild(option);
          }
        }
      })
      .catch(() => { names = null; });
  };
  boxes.forEach((box) => box.addEventListener("focus", suggest));
  // The call view: the hit sentence in the middle of the screen, focused for readers.
  const hit = document.querySelector(".transcript .hit");
  if (hit) {
    hit.scrollIntoView({ block: "center" });
    hit.focus({ preventScroll: true });
  }
  // "Back to the results" returns through history when we came from there (keeps scroll).
  const back = document.querySelector("[data-back]");
  if (back && document.referrer) {
    try {
      const from = new URL(document.referrer);
      if (from.origin === location.origin && from.pathname === "/") {
        back.addEventListener("click", (event) => { event.preventDefault(); history.back(); });
      }
    } catch (e) { /* no usable referrer: the plain link works */ }
  }
});
