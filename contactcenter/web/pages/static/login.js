// The sign-in form: a session cookie for the pages, then the page asked for (or the
// role's own page).
import { api, pageData, setText } from "./common.js";

const data = pageData();
const form = document.getElementById("login-form");

form.addEventListener("submit", async (event) => {
  event.preventDefault();
  setText("login-error", "");
  const result = await api("POST", "/api/v1/auth/session", {
    username: form.username.value, password: form.password.value,
  });
  if (!result.ok) {
    setText("login-error", result.body.error || `could not sign in (${result.status})`);
    return;
  }
  const home = data.home[result.body.role] || "/help";
  window.location.assign(data.next || home);
});
