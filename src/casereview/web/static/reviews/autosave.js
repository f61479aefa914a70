// Progressive enhancement: save the draft whenever the page is hidden or left,
// so not a keystroke's worth of work is lost.  Without JavaScript, "Save and
// continue" does the same.
const form = document.getElementById("review-form");
if (form && !form.querySelector("fieldset[disabled]")) {
  const url = form.dataset.autosave;
  const version = document.getElementById("review-version");
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
      .then((data) => { if (data && data.version !== undefined) version.value = data.version; })
      .catch(() => { dirty = true; });
  };
  document.addEventListener("visibilitychange", () => { if (document.visibilityState === "hidden") save(); });
  window.addEventListener("pagehide", save);
}
