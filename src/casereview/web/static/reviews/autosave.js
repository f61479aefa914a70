// Progressive enhancement: save the draft whenever the page is hidden or left,
// so not a keystroke's worth of work is lost, and say when it was saved
// ("Saved at 14:32").  Without JavaScript, "Save and continue" does the same
// and the page after it says so in a banner.
const form = document.getElementById("review-form");
if (form && !form.querySelector("fieldset[disabled]")) {
  const url = form.dataset.autosave;
  const version = document.getElementById("review-version");
  const status = document.getElementById("save-status");
  let dirty = false;
  form.addEventListener("input", () => { dirty = true; });
  form.addEventListener("submit", () => { dirty = false; });
  const save = () => {
    if (!dirty) return;
    dirty = false;
    const body = new FormData(form);
    fetch(url, { method: "POST", body, keepalive: true, credentials: "same-origin" })
      .then((response) => {
        // The timeout warning (static/accounts/session-timeout.js) counts a save as activity.
        document.dispatchEvent(new CustomEvent("casereview:session", { detail: response.headers.get("X-Session-Expires-In") }));
        return response.ok ? response.json() : null;
      })
      .then((data) => {
        if (!data || data.version === undefined) return;
        version.value = data.version;
        if (status && data.saved) status.textContent = data.saved;
      })
      .catch(() => { dirty = true; });
  };
  document.addEventListener("visibilitychange", () => { if (document.visibilityState === "hidden") save(); });
  window.addEventListener("pagehide", save);
}
