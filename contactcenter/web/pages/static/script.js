// The call script's current step (a StepView of contactcenter/scripting): the text to
// read, the question and its answer field, the objection buttons, back and resume.
import { el, replace } from "./common.js";

function answerField(question) {
  const previous = question.previous === null || question.previous === undefined
    ? "" : String(question.previous);
  const common = { name: "answer", id: "script-answer", required: question.required };
  switch (question.kind) {
    case "number":
      return el("input", { ...common, type: "number", value: previous,
        min: question.minimum ?? undefined, max: question.maximum ?? undefined,
        step: question.integer ? "1" : "any" });
    case "date":
      return el("input", { ...common, type: "date", value: previous,
        min: question.minimum ?? undefined, max: question.maximum ?? undefined });
    default:
      return el("input", { ...common, type: "text", value: previous,
        maxlength: question.max_length || 2000 });
  }
}

function choices(question, answer) {
  const options = question.kind === "yes_no" ? ["Yes", "No"] : question.options || [];
  return el("div", { class: "choices" }, options.map((option) => el("button", {
    type: "button", class: "choice", dataset: { answer: option },
    "aria-pressed": String(String(question.previous).toLowerCase() === option.toLowerCase()),
    onclick: () => answer(option),
  }, option)));
}

export function renderScript(view, { act }) {
  const answer = (value) => act({ action: "answer", step: view.step, answer: value });
  const parts = [];
  if (view.title) parts.push(el("h3", { id: "script-step-title" }, view.title));
  parts.push(el("p", { class: "script-text", id: "script-text" }, view.text || ""));
  if (view.hint) parts.push(el("p", { class: "hint" }, view.hint));
  if (view.objection) parts.push(el("p", { class: "muted" }, `Handling: ${view.objection}`));
  const q = view.question;
  if (view.kind === "question" && q) {
    if (q.kind === "choice" || q.kind === "yes_no") {
      parts.push(choices(q, answer));
    } else {
      const input = answerField(q);
      const form = el("form", { class: "answer" }, input,
        el("button", { type: "submit" }, "Answer"));
      form.addEventListener("submit", (event) => {
        event.preventDefault();
        answer(input.value);
      });
      parts.push(form);
    }
    if (!q.required) {
      parts.push(el("button", { type: "button", onclick: () => answer(null) }, "Skip"));
    }
  } else if (view.kind === "say") {
    parts.push(el("button", { type: "button", id: "script-next", onclick: () => answer(null) },
                  "Next"));
  } else if (view.kind === "end") {
    parts.push(el("p", { class: "outcome" }, "Suggested outcome: ",
                  el("strong", { id: "script-outcome" }, view.outcome || "–")));
  }
  const nav = el("p", { class: "script-nav" },
    view.can_go_back ? el("button", { type: "button", onclick: () => act({ action: "back" }) },
                          "Back") : null,
    view.can_resume ? el("button", { type: "button", onclick: () => act({ action: "resume" }) },
                         "Back to script") : null);
  parts.push(nav);
  replace("script-step", parts);
  replace("script-objections", (view.objections || []).map((o) => el("button", {
    type: "button", class: "objection", onclick: () => act({ action: "objection", name: o.name }),
  }, o.label || o.name)));
  const trail = document.getElementById("script-trail");
  if (trail && view.title && trail.lastChild?.textContent !== view.title) {
    trail.append(el("li", {}, view.title));
  }
  document.getElementById("script-step").dataset.step = view.step;
}
