/* Keystone's few behaviours, in one file so the Content-Security-Policy needs no inline script
   ('unsafe-inline') and htmx needs no eval (hx-on, trigger filters): elements opt in with data-attributes. */
(function () {
  "use strict";

  // Styles that need this file (the phone's folded navigation) apply only when it runs.
  document.documentElement.classList.add("js");

  // <button data-nav-toggle aria-controls=…>: opens and closes the main navigation on a phone.
  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-nav-toggle]");
    if (!button) return;
    var open = button.getAttribute("aria-expanded") !== "true";
    button.setAttribute("aria-expanded", String(open));
    button.closest(".topbar").classList.toggle("nav-open", open);
  });

  // <form data-confirm="Remove …?"> or <button data-confirm="…">: ask before submitting.
  document.addEventListener("submit", function (event) {
    var form = event.target;
    var message = (event.submitter && event.submitter.dataset.confirm) || form.dataset.confirm;
    if (message && !window.confirm(message)) {
      event.preventDefault();
      event.stopImmediatePropagation();
    }
  }, true);

  // <button data-close-dialog>: removes the dialog it sits in.
  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-close-dialog]");
    if (button) {
      var dialog = button.closest("dialog");
      if (dialog) dialog.remove();
    }
  });

  // <form data-drop-empty-params hx-get=…>: leave empty fields out of the query string.
  document.addEventListener("htmx:configRequest", function (event) {
    if (!event.target.closest("[data-drop-empty-params]")) return;
    var parameters = event.detail.parameters;
    var names = parameters.keys ? Array.from(parameters.keys()) : Object.keys(parameters);
    names.forEach(function (name) {
      var value = parameters.get ? parameters.get(name) : parameters[name];
      if (value === "") {
        if (parameters.delete) parameters.delete(name); else delete parameters[name];
      }
    });
  });

  // <span data-change-after-swap>: a <select> swapped in announces a change (filters listen for it).
  document.addEventListener("htmx:afterSwap", function (event) {
    if (event.target.tagName === "SELECT" && event.target.closest("[data-change-after-swap]")) {
      event.target.dispatchEvent(new Event("change", { bubbles: true }));
    }
  });
})();
