// The supervisor board's list of callbacks booked for a time slot (docs/callbacks.md):
// read from the API when the board connects and again when a booking's news comes
// (`callback.booked`, `callback.changed`: moved or cancelled by its customer or an admin,
// orphaned by its queue leaving the config, and `call.dialed` of one whose slot came).
// The wallboard has no list.
import { api, el, reason, setText } from "./common.js";

const STATES = { booked: "booked", due: "its time: in line", dialed: "called",
                 refused: "refused by the calling rules", withdrawn: "nobody to call",
                 cancelled: "cancelled", orphaned: "orphaned: its queue is gone" };

const slotText = (booking) => {
  const start = new Date(booking.start);
  const end = new Date(booking.end);
  const day = start.toLocaleDateString(undefined, { weekday: "short", day: "numeric",
                                                     month: "short" });
  const time = (moment) => moment.toLocaleTimeString(undefined, { hour: "2-digit",
                                                                  minute: "2-digit" });
  return `${day}, ${time(start)}–${time(end)}`;
};

function row(booking) {
  return el("tr", { dataset: { booking: booking.id, state: booking.state } },
    el("td", { text: slotText(booking), title: `${booking.start} – ${booking.end}` }),
    el("td", { text: booking.queue }), el("td", { text: booking.number }),
    el("td", { text: booking.name || "–" }), el("td", { text: booking.topic || "–" }),
    el("td", { text: booking.source }),
    el("td", { text: STATES[booking.state] || booking.state, title: booking.reason || "" }));
}

export async function showBookings() {
  const table = document.querySelector("#bookings tbody");
  if (!table) return; // the wallboard
  const result = await api("GET", "/api/v1/callbacks/bookings");
  if (!result.ok) {
    setText("bookings-empty", `Booked callbacks unavailable: ${reason(result)}`);
    return;
  }
  const bookings = result.body.bookings || [];
  table.replaceChildren(...bookings.map(row));
  setText("bookings-empty", bookings.length ? "" : "No callback is booked.");
}

// news that changes the list: a booking made, moved, cancelled or orphaned, or one whose
// slot came and was dialed
export const BOOKING_NEWS = new Set(["callback.booked", "callback.changed", "callback.refused",
                                     "call.dialed"]);
