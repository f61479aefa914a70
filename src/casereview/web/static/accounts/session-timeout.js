// The timeout warning (the GOV.UK / HMRC "service timeout" pattern).  The page knows when its session
// really ends (base.html renders the seconds left from the session's own expiry); two minutes before,
// a modal dialog takes focus, says how long is left and offers "Stay signed in" (or Escape), which
// posts to the keep-alive address and starts the count again.  Typing in a form counts as activity (a
// keep-alive at most once a minute), and so does the review's autosave.  When the time is up, the page
// asks the server once more: if another tab kept the session the page carries on; if not, what the
// person had typed is kept for them and the page goes to sign in, which brings them back here.
const dialog = document.getElementById("timeout-warning");

if (dialog && typeof dialog.showModal === "function") {
  const warnBefore = Number(dialog.dataset.warnBefore) * 1000;
  const touchEvery = Number(dialog.dataset.touch) * 1000;
  const keepAliveUrl = dialog.dataset.keepAlive;
  const signinUrl = dialog.dataset.signin;
  const csrf = dialog.querySelector("input[name=csrfmiddlewaretoken]").value;
  const countdown = dialog.querySelector("[data-timeout-countdown]");
  const announce = dialog.querySelector("[data-timeout-announce]");
  const stay = dialog.querySelector("[data-timeout-stay]");
  const SHARED = "casereview.session.deadline"; // other tabs of this session learn of a later expiry here

  let deadline = Date.now() + Number(dialog.dataset.expiresIn) * 1000;
  let lastKeepAlive = Date.now();
  let timer = null;
  let typedForm = null;
  let announced = "";
  let ending = false;

  const share = () => {
    try { window.localStorage.setItem(SHARED, String(deadline)); } catch (error) { /* storage refused */ }
  };

  // The words come from the page, in its language (base.html's {% timeout_words %}): each unit's words for
  // 0, 1, 2, 3, 6 and 7, one number of each of Welsh's six plural forms; English's two forms are each a
  // union of those, so one rule picks for both (casereview.domain.language.welsh_plural_form).
  const minuteForms = JSON.parse(dialog.dataset.minutes);
  const secondForms = JSON.parse(dialog.dataset.seconds);
  const pluralForm = (n) => ({ 0: 0, 1: 1, 2: 2, 3: 3, 6: 4 })[n] ?? 5;
  const counted = (forms, n) => forms[pluralForm(n)].replace("{n}", String(n));

  const words = (ms) => {
    const seconds = Math.max(0, Math.ceil(ms / 1000));
    if (seconds >= 60) return counted(minuteForms, Math.ceil(seconds / 60));
    return counted(secondForms, seconds);
  };

  // A form's own "action" or "method" may be shadowed by a control of that name (the review's buttons are).
  const attribute = (form, name, fallback) => form.getAttribute(name) || fallback;
  const actionOf = (form) => new URL(attribute(form, "action", window.location.href), window.location.href);

  const open = (left) => {
    const text = words(left);
    countdown.textContent = text;
    // Screen readers hear the dialog's name and text as focus moves in; after that the live region says
    // the time left at each minute and every 15 seconds of the last one, never every second.
    const step = left > 60000 ? `${Math.ceil(left / 60000)}m` : `${Math.ceil(left / 15000)}q`;
    if (!dialog.open) {
      dialog.showModal();
      stay.focus();
      announced = step;
    } else if (step !== announced) {
      announced = step;
      announce.textContent = dialog.dataset.announce.replace("{time}", text);
    }
  };

  const close = () => {
    if (dialog.open) dialog.close(); // the browser returns focus to where it was
    announce.textContent = "";
  };

  const schedule = () => {
    window.clearTimeout(timer);
    if (ending) return;
    const left = deadline - Date.now();
    if (left <= 0) {
      end();
    } else if (left <= warnBefore) {
      open(left);
      timer = window.setTimeout(schedule, Math.min(1000, left));
    } else {
      close();
      timer = window.setTimeout(schedule, left - warnBefore);
    }
  };

  const extend = (seconds) => {
    deadline = Date.now() + seconds * 1000;
    share();
    schedule();
  };

  const json = async (response) => {
    const type = response.headers.get("Content-Type") || "";
    return type.startsWith("application/json") ? response.json() : null;
  };

  const keepAlive = async () => {
    lastKeepAlive = Date.now();
    try {
      const response = await fetch(keepAliveUrl, {
        method: "POST", headers: { "X-CSRFToken": csrf }, credentials: "same-origin",
      });
      const data = await json(response);
      if (data && data.signed_in) extend(data.expires_in);
      else if (response.redirected || response.status === 403) end(); // signed out, or the page's token is stale
    } catch (error) { /* no network: the count carries on, and the next keystroke tries again */ }
  };

  const end = async () => {
    if (ending) return;
    ending = true;
    window.clearTimeout(timer);
    const form = typedForm && document.contains(typedForm) ? typedForm : null;
    const body = form ? new FormData(form) : new FormData();
    if (!form) body.append("csrfmiddlewaretoken", csrf);
    let data = null;
    try {
      const response = await fetch(form ? actionOf(form) : keepAliveUrl, {
        method: "POST", body, credentials: "same-origin", redirect: "manual",
        headers: { "X-Casereview-Timeout": "1" }, // never reaches a view, never moves the expiry on
      });
      data = response.ok ? await json(response) : null;
    } catch (error) { data = null; }
    if (data && data.signed_in) { // another tab kept the session going
      ending = false;
      extend(Math.max(Number(data.expires_in), 5));
      return;
    }
    const page = data && data.kept ? actionOf(form).pathname : window.location.pathname + window.location.search;
    window.location.assign(`${signinUrl}?timeout=1&next=${encodeURIComponent(page)}`);
  };

  stay.addEventListener("click", () => { keepAlive(); });
  dialog.addEventListener("cancel", (event) => { // Escape means "Stay signed in"
    event.preventDefault();
    keepAlive();
  });
  document.addEventListener("input", (event) => {
    const form = event.target.form || (event.target.closest && event.target.closest("form"));
    if (form && attribute(form, "method", "get").toLowerCase() === "post") typedForm = form;
    if (Date.now() - lastKeepAlive >= touchEvery) keepAlive();
  });
  document.addEventListener("submit", (event) => { if (event.target === typedForm) typedForm = null; });
  // The review's autosave tells how long its response said the session has (static/reviews/autosave.js).
  document.addEventListener("casereview:session", (event) => {
    const seconds = Number(event.detail);
    if (event.detail !== null && Number.isFinite(seconds) && seconds > 0) {
      deadline = Math.max(deadline, Date.now() + seconds * 1000);
      share();
      schedule();
    }
  });
  window.addEventListener("storage", (event) => {
    if (event.key === SHARED && Number(event.newValue) > deadline) {
      deadline = Number(event.newValue);
      schedule();
    }
  });
  // Timers sleep in hidden tabs and closed laptops: look again when the page is seen.
  document.addEventListener("visibilitychange", () => { if (document.visibilityState === "visible") schedule(); });
  share();
  schedule();
}
