// wecom-app console: progressive enhancement only; every page works without it.
(function () {
  "use strict";
  var csrf = (document.querySelector('meta[name="csrf-token"]') || {}).content || "";

  // Copy buttons: <button data-copy="text">.
  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-copy]");
    if (!button) return;
    var text = button.getAttribute("data-copy");
    var label = button.textContent;
    var done = function () { button.textContent = button.getAttribute("data-copied") || "✓"; setTimeout(function () { button.textContent = label; }, 1500); };
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(text).then(done);
    } else {
      var area = document.createElement("textarea");
      area.value = text; document.body.appendChild(area); area.select();
      try { document.execCommand("copy"); done(); } finally { area.remove(); }
    }
  });

  // Forms that ask first: <form data-confirm="question">.
  document.addEventListener("submit", function (event) {
    var question = event.target.getAttribute("data-confirm");
    if (question && !window.confirm(question)) event.preventDefault();
  });

  // The manager scope only matters for the manager role.
  document.querySelectorAll("[data-role-form]").forEach(function (form) {
    var role = form.querySelector('select[name="role"]');
    var scope = form.querySelector("[data-scope]");
    var sync = function () { scope.hidden = role.value !== "manager"; };
    role.addEventListener("change", sync); sync();
  });

  // Pickers: <input data-picker="employee|department|customer" [data-multiple]> gets
  // suggestions by name from /console/api/people as you type; a typed id still counts.
  // With data-multiple the field is a comma-separated list and only its last item is
  // searched and completed. data-picker-kind names a select of the same form whose
  // value is the kind to search (a legal hold's subject is a customer or an employee).
  document.querySelectorAll("input[data-picker]").forEach(function (input, index) {
    var list = document.createElement("datalist");
    list.id = "picker-" + index;
    input.setAttribute("list", list.id);
    input.setAttribute("autocomplete", "off");
    input.after(list);
    var multiple = input.hasAttribute("data-multiple");
    var head = function () { var v = input.value, at = v.lastIndexOf(","); return at < 0 ? "" : v.slice(0, at + 1) + " "; };
    var last = function () { return input.value.slice(head().length).trim(); };
    var pending = 0;
    input.addEventListener("input", function () {
      var q = multiple ? last() : input.value.trim();
      var prefix = multiple ? head() : "";
      if (!q) return;
      var ticket = ++pending;
      var from = input.getAttribute("data-picker-kind");
      var select = from && input.form ? input.form.elements[from] : null;
      var kind = select ? select.value : input.getAttribute("data-picker");
      var url = "/console/api/people?" + new URLSearchParams({ kind: kind, q: q });
      fetch(url, { headers: { "Accept": "application/json" }, credentials: "same-origin" })
        .then(function (r) { return r.ok ? r.json() : null; })
        .then(function (data) {
          if (!data || ticket !== pending) return;
          list.replaceChildren.apply(list, data.hits.map(function (h) {
            var option = document.createElement("option");
            option.value = prefix + h.id;
            option.label = h.label;
            option.textContent = h.label;
            return option;
          }));
        });
    });
  });

  // Sync status: poll the JSON API while a sync is under way, reload when it ends.
  var box = document.querySelector("[data-poll]");
  if (box && box.getAttribute("data-active") === "true") {
    var timer = setInterval(function () {
      fetch(box.getAttribute("data-poll"), { headers: { "Accept": "application/json", "X-CSRF-Token": csrf }, credentials: "same-origin" })
        .then(function (r) { return r.ok ? r.json() : null; })
        .then(function (data) {
          if (!data || !data.sync) return;
          var s = data.sync;
          var bar = box.querySelector("progress");
          if (bar && s.percent !== null) { bar.value = s.percent; bar.textContent = s.percent + "%"; }
          var stage = box.querySelector('[data-field="stage"]'); if (stage) stage.textContent = s.stage || "—";
          var doneCount = box.querySelector('[data-field="done"]'); if (doneCount) doneCount.textContent = s.done;
          if (!s.active) { clearInterval(timer); window.location.reload(); }
        });
    }, 2000);
  }

  // A running transfer plan: poll its progress, update the counts, reload when it ends.
  var plan = document.querySelector("[data-live-plan]");
  if (plan) {
    var planTimer = setInterval(function () {
      fetch(plan.getAttribute("data-live-plan"), { headers: { "Accept": "application/json" }, credentials: "same-origin" })
        .then(function (r) { return r.ok ? r.json() : null; })
        .then(function (data) {
          if (!data || !data.plan) return;
          ["customers", "chats"].forEach(function (kind) {
            Object.keys(data[kind] || {}).forEach(function (status) {
              var cell = plan.querySelector('[data-count="' + kind + ":" + status + '"]');
              if (cell) cell.textContent = data[kind][status];
            });
          });
          ["final", "total"].forEach(function (name) {
            var field = plan.querySelector('[data-field="' + name + '"]');
            if (field) field.textContent = data[name];
          });
          if (data.plan.status !== plan.getAttribute("data-status")) { clearInterval(planTimer); window.location.reload(); }
        });
    }, Number(plan.getAttribute("data-interval")) || 3000);
  }
})();
