// The customer 360 of a screen-pop, or the new-contact form for a caller nobody knows.
// Every value goes in as text (el/textContent): a note that holds markup shows as text.
import { api, el, phoneButton, reason } from "./common.js";

const day = (iso) => (iso ? String(iso).slice(0, 10) : "");
const money = (value) => (value === null || value === undefined ? "" : String(value));

// The caller's RFM segment and scores (docs/rfm.md); `rfm` is null before any run.
function rfmText(rfm) {
  if (!rfm) return "not computed yet";
  const name = rfm.segment.replace(/_/g, " ");
  if (rfm.segment === "none") return `none: no orders (as of ${rfm.as_of})`;
  const days = rfm.recency_days === 1 ? "1 day" : `${rfm.recency_days} days`;
  return `${name[0].toUpperCase()}${name.slice(1)} · R${rfm.r} F${rfm.f} M${rfm.m}`
    + ` · last order ${days} ago, ${rfm.frequency} orders, ${money(rfm.monetary)} in all`
    + ` (as of ${rfm.as_of})`;
}

function rfmFacts(contactId, rfm) {
  const dd = el("dd", { id: "customer-rfm" }, rfm === undefined ? "…" : rfmText(rfm));
  if (rfm === undefined) {  // a lookup made again from the page: read the scores apart
    api("GET", `/api/v1/contacts/${contactId}/rfm`).then((result) => {
      dd.textContent = result.ok ? rfmText(result.body.rfm) : "–";
    });
  }
  return [el("dt", { title: "Recency, frequency and monetary scores, 1 to 5" }, "RFM"), dd];
}

// The caller's lifetime value and churn scores (docs/analytics-churn.md); null before any
// run, or for a contact with no counted order.
function scoresText(scores) {
  if (!scores) return "not computed yet";
  const share = (x) => `${Math.round(Number(x) * 100)} %`;
  return `P(alive) ${Number(scores.p_alive).toFixed(2)}`
    + ` · churn risk ${share(scores.churn_probability)}`
    + ` · value ${money(scores.clv)} over the horizon`
    + ` · lapse in about ${Math.round(Number(scores.median_days_to_churn))} days`
    + ` (as of ${scores.as_of})`;
}

function scoresFacts(contactId, scores) {
  const dd = el("dd", { id: "customer-scores" }, scores === undefined ? "…" : scoresText(scores));
  if (scores === undefined) {  // a lookup made again from the page: read the scores apart
    api("GET", `/api/v1/contacts/${contactId}/scores`).then((result) => {
      dd.textContent = result.ok ? scoresText(result.body.scores) : "–";
    });
  }
  return [el("dt", { title: "Lifetime value and churn: the models of docs/analytics-churn.md" },
             "Value"), dd];
}

function list(title, id, rows, render, empty) {
  return el("section", { class: "facet", id },
    el("h3", {}, title, " ", el("span", { class: "count" }, `(${rows.length})`)),
    rows.length ? el("ul", {}, rows.map((row) => el("li", {}, render(row))))
      : el("p", { class: "muted" }, empty));
}

export function renderCustomer(container, view, caller, { output, reload }) {
  if (!view || !view.contact) {
    container.replaceChildren(newContactForm(caller, output, reload));
    return;
  }
  const c = view.contact;
  const a = view.account;
  const name = `${c.first_name || ""} ${c.last_name || ""}`.trim() || "(no name)";
  const header = el("div", { class: "who" },
    // the whole record in a tab of its own: the call stays on the desktop
    el("h3", { id: "customer-name" }, el("a", {
      href: `/crm/contacts/${c.id}`, target: "_blank", rel: "noopener",
      title: "The contact's card and timeline (a new tab)" }, name)),
    c.vip ? el("span", { class: "badge vip", title: "a VIP customer" }, "VIP") : null,
    c.do_not_call ? el("span", { class: "badge dnc", title: "on the do-not-call list" },
                       "do not call") : null);
  const facts = el("dl", { class: "facts" },
    el("dt", {}, "Account"),
    el("dd", { id: "customer-account" }, a ? `${a.name}${a.segment ? ` · ${a.segment}` : ""}`
      + `${a.industry ? ` · ${a.industry}` : ""}` : "–"),
    el("dt", {}, "Phones"),
    el("dd", { class: "phones" }, (c.phones || []).map((number) => phoneButton(number, output))),
    el("dt", {}, "E-mail"), el("dd", {}, c.email || "–"),
    el("dt", {}, "Language"), el("dd", {}, c.language || "–"),
    el("dt", {}, "Customer since"), el("dd", {}, day(c.customer_since) || "–"),
    rfmFacts(c.id, view.rfm), scoresFacts(c.id, view.scores));
  const offer = view.next_best_offer;
  const nbo = el("section", { class: "facet offer", id: "next-best-offer" },
    el("h3", {}, "Next best offer"),
    offer ? el("p", {}, el("strong", {}, offer.name),
               offer.discount_percent && Number(offer.discount_percent)
                 ? ` (${offer.discount_percent} % off)` : "",
               offer.pitch ? el("br") : null, offer.pitch || "")
      : el("p", { class: "muted" }, "none today"));
  container.replaceChildren(header, facts, nbo,
    list("Open cases", "open-cases", view.open_cases || [], (k) => [
      el("strong", {}, `#${k.id} `), k.subject,
      el("span", { class: "muted" }, ` · ${k.status} · ${k.priority}`
        + `${k.resolution_due ? ` · due ${day(k.resolution_due)}` : ""}`)],
      "no open case"),
    list("Open deals", "open-deals", view.open_opportunities || [], (d) => [
      el("strong", {}, d.name),
      el("span", { class: "muted" }, ` · ${d.stage}${d.amount ? ` · ${money(d.amount)}` : ""}`)],
      "no open deal"),
    list("Last orders", "last-orders", view.last_orders || [], (o) => [
      el("strong", {}, `#${o.id} `), `${day(o.ordered_at)} · ${o.status} · ${money(o.total)}`],
      "no order"),
    list("Recent interactions", "recent-interactions", view.recent_interactions || [], (i) => [
      el("strong", {}, day(i.started_at)),
      ` ${i.channel || ""} ${i.direction || ""}${i.queue ? ` · ${i.queue}` : ""}`
        + `${i.agent ? ` · ${i.agent}` : ""}${i.outcome ? ` · ${i.outcome}` : ""}`
        + `${i.disposition ? ` · ${i.disposition}` : ""}`,
      i.notes ? el("p", { class: "note" }, i.notes) : null],
      "nothing yet"));
}

function newContactForm(caller, output, reload) {
  const field = (label, name, value, type = "text") => el("label", {},
    label, " ", el("input", { name, type, value: value || "", maxlength: "200" }));
  const result = el("p", { class: "result", role: "status", id: "new-contact-result" });
  const form = el("form", { id: "new-contact", class: "new-contact" },
    el("h3", {}, "New contact"),
    el("p", { class: "muted" }, "Nobody in the CRM has this number yet."),
    field("First name", "first_name"), field("Last name", "last_name"),
    field("E-mail", "email", "", "email"), field("Phone", "phone", caller, "tel"),
    el("button", { type: "submit" }, "Create contact"), result);
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const body = { first_name: form.first_name.value.trim(),
                   last_name: form.last_name.value.trim() };
    if (form.email.value.trim()) body.email = form.email.value.trim();
    if (form.phone.value.trim()) body.phones = [{ number: form.phone.value.trim() }];
    const created = await api("POST", "/api/v1/contacts", body);
    result.textContent = created.ok ? "Contact created." : `Not created: ${reason(created)}`;
    if (created.ok) reload();
  });
  if (caller) form.prepend(el("p", {}, "Caller: ", phoneButton(caller, output)));
  return form;
}
